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
#include "call.h"
#include "channel.h"
#include "conf.h"
#include "osdep.h"
#include "policy.h"
#include "rpc.h"

struct state;

#define SUBSCRIPTIONS_MAX	8
/*
 * No request starts when less than this is left before the connection's
 * deadline (call_env.deadline_ms): it is answered "timeout" unrun.
 */
#define HANDLER_DEADLINE_MARGIN_MS	500

/* An inbox subscription: which channels, and how far it has been sent. */
struct subscription {
	int			 id;		/* 0: free slot */
	unsigned int		 channels;	/* bit (1 << channel id) */
	uint64_t		 cursor[CHANNEL_MAX];
	int			 slot_fd;	/* its client-wide slot (a lock) */
};

struct session {
	int			 fd;		/* the connection */
	struct call_env		 env;		/* resources, peer, client */
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

/*
 * Method tables: the core one (methods.c: gateway.*, inbox.*) and one
 * per channel adapter.  A name may have one entry per channel (each
 * with its own parameters); the request's "channel" picks it.
 */
#define METHOD_CHANNEL	0x01	/* takes "channel"; client must have it */
#define METHOD_INBOX	0x02	/* works on any configured channel */
#define METHOD_DELIVERS	0x04	/* ends in call_charge(delivering): the
				   request window is charged there, in
				   the delivery's one commit */
#define METHOD_OUTBOUND	0x08	/* makes something happen on the account
				   that others see (a message, draft,
				   reaction, typing, receipt, remote
				   delete): refused while its channel is
				   frozen (freeze_check, before it runs) */
#define METHOD_LOCAL	0x10	/* answered by the handler alone (no tool,
				   no state written): the request window is
				   charged in its record's commit, which
				   withholds the answer if the window
				   filled meanwhile (call_audit) */

struct method {
	const char		*name;
	const struct rpc_param	*params;
	int			 flags;
	int			(*fn)(struct call *, const struct channel *);
};
/*
 * The entry for name and channel (NULL: a method without a channel).
 * Returns NULL and sets *known when the name exists for other channels
 * only.
 */
const struct method	*method_lookup(const char *name, const char *channel,
			    int *known);

/*
 * Dispatch (dispatch.c): a request object's shape, method, channel
 * (the client must have it, and it must be configured) and params,
 * decided without running anything.  Returns 0 with method, channel
 * (NULL for a method without one) and the call's id and params set;
 * else -1 with the call's error set.  dispatch_clear releases what it
 * kept (an empty params object) after the call is answered.
 */
struct dispatch {
	const struct method	*method;
	const struct channel	*channel;
	int			 notification;	/* no id: never answered */
	json_t			*empty;
};
int	 dispatch(struct call *, json_t *request, struct dispatch *);
void	 dispatch_clear(struct dispatch *);

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
/*
 * After a refusal written before the request was read: half-close and
 * discard what the client sends up to the end of its first line, end of
 * file, max_bytes or deadline (ms, monotonic), so that its write
 * completes and it reads the refusal.
 */
void	 handler_linger(int fd, size_t max_bytes, uint64_t deadline);

/* Running a channel's tool (tool.c). */
struct spawn_result;

/* Append one argument (fatal past TOOL_ARGV_MAX: a template bug). */
void	 tool_argv_add(struct tool_argv *, const char *);
/*
 * Run ch->tool with a's argv (stdin from stdin_fd, or /dev/null when
 * -1).  Returns 0 with res filled when it exited 0; else the call's
 * error is set (unavailable, timeout, or tool failed with the tail of
 * its output) and res holds nothing.
 */
int	 tool_run(struct call *, const struct channel *,
	    const struct tool_argv *, struct spawn_result *);
int	 tool_run_input(struct call *, const struct channel *,
	    const struct tool_argv *, int stdin_fd, struct spawn_result *);
/*
 * tool_run with text as the tool's stdin.  With the call's gate pending
 * and text small enough (SPAWN_GATED_MAX), the tool starts while the
 * gate opens and has text only once it has (spawn_run_gated); else the
 * gate opens first and text goes through send_spool_text.
 */
int	 tool_run_text(struct call *, const struct channel *,
	    const struct tool_argv *, const char *text, struct spawn_result *);
/*
 * Run the tool (stdin from stdin_fd, or /dev/null when -1) and return
 * the last line of its output that is a JSON object (a new reference);
 * NULL with the call's error set when it failed or printed none.
 */
json_t	*tool_last_object(struct call *, const struct channel *,
	    const struct tool_argv *, int stdin_fd);
/*
 * How long a tool (or daemon exchange) of the call may take: timeout_ms,
 * or less when the connection's deadline comes first (*clamped set);
 * 0 when it has passed.
 */
uint64_t tool_time_left(const struct call *, uint64_t timeout_ms,
	    int *clamped);
/*
 * The connection's deadline cut the call's tool off, or left it no time:
 * answered timeout, recorded "interrupted" when it was delivering (its
 * fate unknown), else "timeout".  Returns -1.
 */
int	 tool_deadline(struct call *);
/* The tool answered something the adapter cannot use; returns -1. */
int	 tool_unexpected(struct call *);
/* The last bytes of a tool's output as a safe JSON string. */
json_t	*tool_output_tail(const char *, size_t);
/* Calls fn on each line of out that is a JSON object. */
void	 tool_json_lines(const char *out, size_t len,
	    void (*fn)(json_t *, void *), void *arg);

/*
 * What a client reads from a tool, filtered: messages go through inbound
 * policy and scrubbing (read_filter_message, a tool_json_lines
 * callback); adapters filter chats with their own callback on the same
 * struct.  At most limit are kept; hidden counts what was left out.
 */
struct read_filter {
	struct call		*c;
	const struct channel	*ch;
	json_t			*keep;
	json_int_t		 limit;
	size_t			 hidden;
};
void	 read_filter_message(json_t *m, void *arg);
/*
 * Run each JSON line of a tool's output through fn (read_filter_message
 * or an adapter's own) and answer {key: [kept...]}; frees res.  The
 * audit rule says inbound.allow when anything was left out.
 */
void	 tool_read_filtered(struct call *, const struct channel *,
	    struct spawn_result *, json_int_t limit,
	    void (*fn)(json_t *, void *), const char *key);

/* The outbound pipeline (send.c). */
#define OUTBOUND_MAX	64	/* recipients of one message */

struct outbound {
	const char	*recipients[OUTBOUND_MAX];	/* normalised */
	size_t		 nrecipients;
	const char	*text;		/* for the content rules, or NULL */
	json_t		*attachments;	/* borrowed array of {"name"?}, one
					   passed descriptor each; or NULL */
	json_t		*delivery;	/* borrowed: what the channel's
					   deliver function reads; the
					   pipeline adds "files" */
};

/* Refuse a value that would sit on a tool's command line as '-…'. */
int	 check_argument(struct call *, const char *name, const char *value);
/*
 * Normalise an address the client gave in param (aliases expanded);
 * an address that cannot be normalised is a refused recipient.
 */
int	 send_resolve(struct call *, const struct channel *,
	    const char *param, const char *in, char *out, size_t outlen,
	    enum addr_kind *);
/*
 * The identities one normalised target reaches (the channel driver's
 * resolve on what the adapter's lookup says; else the target itself,
 * canonical).  0, or -1 with the call's error set: refused.
 */
int	 send_identities(struct call *, const struct channel *,
	    const char *target, struct identity_set *);
/*
 * Policy on every identity each recipient reaches, content rules, headroom, spool, then hold or rate limits and
 * delivery through the channel's deliver function.  0 or -1 with the
 * call's error set.
 */
int	 send_pipeline(struct call *, const struct channel *,
	    struct outbound *);
/*
 * Charge the channel's rate limits for the n normalised targets of a
 * request that is not a message (reaction, typing, receipt, remote
 * delete), on every identity they reach, in the windows sends use, in
 * one commit with the call's delivering record (call_charge: refused
 * too when the channel was frozen meanwhile).  0, or -1 with the
 * call's error set (rate limited, frozen, state or audit unavailable).
 */
int	 send_charge(struct call *, const struct channel *,
	    const char *const *targets, size_t n);
/* send_pipeline for one recipient and at most one attachment. */
int	 send_one(struct call *, const struct channel *, const char *recipient,
	    const char *text, json_t *attachment, json_t *delivery);
/*
 * text as a tool's stdin: a pipe holding all of it (spawn_input), or
 * when it does not fit an unlinked spool file at its start; -1 with the
 * call's error set.
 */
int	 send_spool_text(struct call *, const char *text);
/* Remove the spooled files a delivery names. */
void	 send_unspool(json_t *delivery);
/*
 * Deliver a held request (carapacectl holds approve): runs the same
 * adapter path as a live send; the call's adapter must be the hold's
 * channel's (handler_adapter).  Refused (CP_ERR_FROZEN) while the
 * channel is frozen.  Returns 0 or -1 with call's error set.
 */
int	 deliver_hold(struct call *, json_t *hold);

/*
 * The owner's decision on hold id (holds-decide.c), as carapacectl holds
 * approve/drop and approvals by reply make it: approve delivers it
 * through the channel's adapter, drop discards it; audited with by as
 * the client ("carapacectl", or the owner's identity), then the hold,
 * its spool and its reply code are removed.  The hold is claimed first
 * (state_hold_claim), so that two deciders never both act on it.
 * Returns 0; -1 when the delivery failed (the hold is kept); -2 when
 * nothing was done (no such hold, another decision under way, no
 * audit).  msg gets one line saying what happened.
 */
#define HOLDS_CLAIM_LEASE_MS	(15ULL * 60 * 1000)	/* > a tool's longest
							   timeout (10 min) */
int	 holds_decide(struct call_env *, const char *id, int approve,
	    const char *by, char *msg, size_t msglen);

/*
 * A channel's adapter (adapter-<channel>.c): its methods, and how it
 * delivers the delivery object its own send method built (recipients
 * normalised, attachments as spooled "files"), live or once approved.
 * methods.c lists the adapters.
 */
struct handler_adapter {
	const struct channel_driver	*driver;
	const struct method		*methods;
	size_t				 nmethods;
	int				(*deliver)(struct call *,
					    const struct channel *, json_t *);
	/*
	 * What the tool says of a target the driver resolves (its
	 * resolve_kinds): a new reference for the driver's resolve, or
	 * NULL with the call's error set (unknown target, tool failed).
	 */
	json_t				*(*lookup)(struct call *,
					    const struct channel *,
					    const char *target);
	/*
	 * The delivery (what deliver takes) of text from the gateway's
	 * account to address, the owner's identity (owner-notify.c): a
	 * new reference, or NULL with *cause when the channel cannot
	 * carry it now.  NULL: the channel sends no owner's notices.
	 */
	json_t				*(*notice)(const struct channel *,
					    const char *address,
					    const char *text,
					    const char **cause);
	/*
	 * Its deliver runs its tool only through tool_run_text or
	 * tool_run_input, and the tool acts on nothing before its
	 * request arrives on stdin: the send pipeline may leave the
	 * delivery's charge and record to the call's gate.
	 */
	int				 gated;
};

/* The adapter of a channel, or NULL. */
const struct handler_adapter *handler_adapter(const struct channel *);

#endif /* CARAPACE_HANDLER_H */
