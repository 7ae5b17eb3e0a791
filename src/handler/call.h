/*
 * One call: a request being served, what it may use, what it produced
 * and what its audit record will say.  Below the connection loop:
 * methods, the outbound pipeline and the adapters see a call and its
 * environment, never the connection, so carapacectl can deliver an
 * approved hold through the same code without one.
 */
#ifndef CARAPACE_CALL_H
#define CARAPACE_CALL_H

#include <jansson.h>

#include "audit.h"
#include "conf.h"
#include "osdep.h"
#include "policy.h"

struct state;
struct session;
struct handler_adapter;

/* What a call may use: the process's resources, and who is calling. */
struct call_env {
	struct config		*cfg;
	struct state		*state;
	struct audit		*audit;
	struct peer_cred	 peer;		/* from the kernel */
	const struct client	*client;	/* NULL: refused */
};

struct call {
	struct call_env	*env;
	struct session	*s;		/* the connection, or NULL (ctl) */
	const struct handler_adapter *adapter;	/* the channel's, or NULL */
	json_t		*id;		/* borrowed */
	json_t		*params;	/* borrowed, an object */
	json_t		*result;	/* owned; set on success */
	int		 code;		/* error code, 0 on success */
	char		 message[256];
	json_t		*data;		/* owned error data */

	/* Audit fields. */
	const char	*method;
	const char	*channel;
	char		 recipient[ADDR_MAX];
	enum audit_decision decision;	/* UNSET: decided by call_audit */
	const char	*rule;
	enum audit_outcome outcome;	/* UNSET: decided by call_audit */
	char		 hold_id[32];
	char		 rulebuf[128];
};

/*
 * Set an error on the call (message printf-style), and the audit
 * decision deny / outcome refused unless already set; returns -1.
 */
int	 call_error(struct call *, int code, json_t *data, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 4, 5)));
/*
 * Write the call's one audit record.  If it cannot be written, the
 * call becomes a refusal: nothing is answered without its record.
 */
void	 call_audit(struct call *);
/* The JSON-RPC response for a finished call (a new reference). */
json_t	*call_response(struct call *);
/* Release what the call owns. */
void	 call_clear(struct call *);

#endif /* CARAPACE_CALL_H */
