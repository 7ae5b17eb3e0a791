/*
 * carapace-handler internals: one process serves one connection.  The
 * session holds what was learnt before the first byte was read (the
 * peer's kernel credentials, the matching client) and the per-process
 * resources (configuration, state, audit sink).
 */
#ifndef CARAPACE_HANDLER_H
#define CARAPACE_HANDLER_H

#include <sys/types.h>

#include <jansson.h>

#include "audit.h"
#include "buf.h"
#include "conf.h"
#include "osdep.h"
#include "policy.h"
#include "rpc.h"

struct state;
struct call;

#define SUBSCRIPTIONS_MAX	8

/* An inbox subscription: which channels, and how far it has been sent. */
struct subscription {
	int			 id;		/* 0: free slot */
	unsigned int		 channels;	/* bit (1 << enum channel_id) */
	uint64_t		 cursor[CHANNEL_MAX];
};

struct session {
	int			 fd;		/* the connection */
	struct peer_cred	 peer;
	const struct client	*client;	/* NULL: refused */
	struct config		*cfg;
	struct state		*state;
	struct audit		*audit;
	struct linereader	 reader;
	int			 closing;	/* stop after this line */
	struct subscription	 subs[SUBSCRIPTIONS_MAX];
	int			 next_sub;
	int			 wake_fd;	/* inbox changes; -1 if none */
};

/* Inbox methods (inbox.c). */
int	 inbox_subscribe(struct call *, const struct channel *);
int	 inbox_unsubscribe(struct call *, const struct channel *);
int	 inbox_read(struct call *, const struct channel *);

/* Send what is new in the inbox to every subscription; 0 or -1. */
int	 inbox_pump(struct session *);
/* Any subscription open? */
int	 inbox_subscribed(const struct session *);

/* What a method produced, and what the audit record will say. */
struct call {
	struct session	*s;
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
	const char	*decision;
	const char	*rule;
	const char	*outcome;
	char		 hold_id[32];
	char		 rulebuf[128];
};

/* Set an error on the call (message printf-style); returns -1. */
int	 call_error(struct call *, int code, json_t *data, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 4, 5)));

/* Method table (methods.c). */
#define METHOD_CHANNEL	0x01	/* takes "channel"; client must have it */
#define METHOD_INBOX	0x02	/* works on any configured channel */

struct method {
	const char		*name;
	const struct rpc_param	*params;
	int			 flags;
	int			(*fn)(struct call *, const struct channel *);
};
const struct method	*method_lookup(const char *name);

/* Connection set-up (peer.c). */
/*
 * Find the connection the activator gave us: LISTEN_FDS=1 with
 * LISTEN_PID ours (fd 3), else inetd style (fd 0).  Checks it is a
 * connected AF_UNIX stream socket, moves it to a close-on-exec fd and
 * points 0/1 (and 2 when it was the socket) at /dev/null.  Returns the
 * fd, or -1 with *cause set.
 */
int	 peer_connection(const char **cause);
/* The client entry matching the peer, or NULL. */
const struct client *peer_match(const struct config *,
	    const struct peer_cred *);

/* The connection loop (handler.c). */
void	 handler_serve(struct session *);
/* Refuse the connection with one error and an audit record. */
void	 handler_refuse(struct session *, int code, const char *reason);

/* imsg adapter (adapter-imsg.c); each returns 0 or call_error's -1. */
struct send_target {
	const char	*to;		/* normalised address, or NULL */
	const char	*chat_id;	/* decimal, or NULL */
	const char	*chat_identifier;
	const char	*chat_guid;
};
int	 imsg_send(struct call *, const struct channel *,
	    const struct send_target *, const char *text,
	    const char *file, const char *service, const char *region);
int	 imsg_chats(struct call *, const struct channel *, json_int_t limit);
int	 imsg_history(struct call *, const struct channel *, json_t *params);
int	 imsg_status(struct call *, const struct channel *);

/*
 * Deliver a held request (carapacectl holds approve): runs the same
 * adapter path as a live send.  Returns 0 or -1 with call's error set.
 */
int	 deliver_hold(struct call *, json_t *hold);

#endif /* CARAPACE_HANDLER_H */
