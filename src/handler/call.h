/*
 * One call: a request being served, what it may use, what it produced
 * and what its audit record will say.  Below the connection loop:
 * methods, the outbound pipeline and the adapters see a call and its
 * environment, never the connection, so carapacectl can deliver an
 * approved hold through the same code without one.
 */
#ifndef CARAPACE_CALL_H
#define CARAPACE_CALL_H

#include <stdint.h>

#include <jansson.h>

#include "audit.h"
#include "conf.h"
#include "osdep.h"
#include "policy.h"

struct state;
struct rate_request;
struct session;
struct handler_adapter;

/* What a call may use: the process's resources, and who is calling. */
struct call_env {
	struct config		*cfg;
	struct state		*state;
	struct audit		*audit;
	struct peer_cred	 peer;		/* from the kernel */
	const struct client	*client;	/* NULL: refused */
	uint64_t		 deadline_ms;	/* monotonic; 0: none.  No
						   request starts and no tool
						   runs past it */
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
	const char	*by;		/* who decided a hold, or NULL */
	char		 recipient[ADDR_MAX];	/* the one; for several, joined
					   by ',' for answers (may be
					   cut: records use recipients) */
	json_t		*recipients;	/* owned array of every recipient,
					   or NULL (then recipient alone) */
	enum audit_decision decision;	/* UNSET: decided by call_audit */
	const char	*rule;
	enum audit_outcome outcome;	/* UNSET: decided by call_audit */
	char		 hold_id[32];
	char		 rulebuf[128];
	uint64_t	 delivery;	/* seq of its "delivering" record */

	/*
	 * The client's request window, found with room by dispatch but not
	 * yet charged: call_charge takes it with the call's first write
	 * (a delivery's, in the same transaction), call_audit at the
	 * latest (a refusal is still counted).
	 */
	int		 spend_pending;
	char		 spend_key[512];
	unsigned int	 spend_max;
	uint64_t	 spend_window_ms;

	/*
	 * A delivery's charge and record, left pending by the send
	 * pipeline for an adapter whose tool waits for its request on
	 * stdin (handler_adapter's gated): opened by call_gate_open, once,
	 * before the tool can have its request (tool_run_text overlaps it
	 * with the tool's start-up; any other tool run opens it first).
	 * 0 or the call's error; never opened, nothing was delivered.
	 */
	int		(*gate)(struct call *, void *);
	void		*gate_arg;
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
/*
 * Write the "delivering" record of a delivery about to be handed to the
 * tool (every recipient, the rule that allowed it): it is in the chain
 * before the tool can act, and the call's final record refers to it.
 * Returns 0, or -1 with the call refused (nothing may be delivered).
 */
int	 call_audit_delivery(struct call *);
/*
 * Open the call's pending gate, if any: 0 or -1 (the call's error).  A
 * gate that failed stays shut: every later opening fails too.
 */
int	 call_gate_open(struct call *);
/*
 * Charge the rate windows reqs, with the client's pending request window
 * (spend_pending) before them, in one transaction; when delivering, write
 * the call's "delivering" record (call_audit_delivery) in that same
 * transaction, synced when audit.sync is on, so that a delivery costs
 * one commit before its tool runs.  Returns 0; 1 when one of reqs is
 * full (*which indexes reqs, *retry_ms is set, nothing is charged or
 * written, and the caller refuses the call); -1 with the call refused
 * (its request window full, state or audit unavailable).
 */
int	 call_charge(struct call *, const struct rate_request *reqs,
	    size_t n, int delivering, size_t *which, uint64_t *retry_ms);
/*
 * The refusal of a call whose client used up its request window; retry
 * in retry_ms.  Returns -1.
 */
int	 call_request_limited(struct call *, uint64_t retry_ms);
/*
 * Refuse the call as frozen by the owner (CP_ERR_FROZEN, data {channel,
 * rule}, rule owner.freeze): freeze_check's refusal, and call_charge's
 * when the delivery's own commit finds the channel, or every channel,
 * frozen since freeze_check looked.  Returns -1.
 */
int	 call_frozen(struct call *);
/*
 * Set the call's recipients (a new array of copies of n strings), and
 * recipient to them joined by ','.
 */
void	 call_set_recipients(struct call *, const char *const *, size_t n);
/* The JSON-RPC response for a finished call (a new reference). */
json_t	*call_response(struct call *);
/* Release what the call owns. */
void	 call_clear(struct call *);
/*
 * The part of the state map a handler leaves alone (map_reserve, at
 * most a quarter of the map): requests are refused once only it is
 * left; their audit records may use half of it, the rest is the
 * owner's (carapacectl).
 */
uint64_t call_reserve(const struct config *);

#endif /* CARAPACE_CALL_H */
