/*
 * Shims: the small programs installed under the real tools' names.  A
 * shim turns one command line into one JSON-RPC request to the gateway
 * (doc/protocol.md) and prints the answer exactly as the real tool
 * would; a streaming command (imsg watch) subscribes and prints what the
 * gateway pushes, one line per message, until it is stopped.  shim.c is
 * the generic client; shim-imsg.c is the imsg command line on top of it.
 */
#ifndef CARAPACE_SHIM_H
#define CARAPACE_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "jsonl-client.h"

/* Bounds on one call: the longest answer line and the overall deadline. */
#define SHIM_MAX_ANSWER		(16 * 1024 * 1024)	/* newline excluded */
#define SHIM_TIMEOUT_MS		60000

#define SHIM_ERR_MAX		1024	/* room for a tool's 512-byte stderr tail */

/* shim_call() results. */
#define SHIM_OK			0
#define SHIM_E_UNAVAILABLE	-1	/* cannot connect to the gateway */
#define SHIM_E_IO		-2	/* read/write failed mid-call */
#define SHIM_E_TIMEOUT		-3	/* deadline passed */
#define SHIM_E_TOOLONG		-4	/* answer line over the limit */
#define SHIM_E_CLOSED		-5	/* gateway closed without answering */
#define SHIM_E_PROTOCOL		-6	/* answer is not a valid response */
#define SHIM_E_INTERNAL		-7	/* out of memory, bad arguments */
#define SHIM_E_CANCELLED	-8	/* the cancel descriptor became readable */

struct shim_reply {
	int		 is_error;
	json_t		*result;	/* success: the "result" member */
	int		 code;		/* error: "code" */
	char		 message[SHIM_ERR_MAX];	/* error: "message" */
	json_t		*data;		/* error: "data", or NULL */
};

/* CARAPACE_SOCKET when set and non-empty, else the default path. */
const char	*shim_socket_path(void);

/*
 * Send one request {"jsonrpc":"2.0","id":1,"method","params"} to the
 * gateway listening at path and wait for its answer.  params is
 * borrowed.  When pass_fd is not -1 it travels with SCM_RIGHTS on the
 * same sendmsg as the first byte of the request.  The whole call (connect
 * included) must finish within timeout_ms, and the answer line may be at
 * most max_answer bytes.
 *
 * Returns SHIM_OK with *reply filled (is_error tells a JSON-RPC error
 * from a result; release it with shim_reply_free), or a SHIM_E_* code
 * with a one-line description in err ("gateway unavailable at PATH:
 * Connection refused").
 */
int		 shim_call(const char *path, const char *method, json_t *params,
		    int pass_fd, int timeout_ms, size_t max_answer,
		    struct shim_reply *reply, char *err, size_t errlen);
void		 shim_reply_free(struct shim_reply *);

/*
 * shim_call() with npass (at most SHIM_MAX_FDS) descriptors, all on the
 * sendmsg that carries the first byte, in order: one per entry of an
 * "attachments" param.
 */
#define SHIM_MAX_FDS		8
int		 shim_call_fds(const char *path, const char *method,
		    json_t *params, const int *pass_fds, size_t npass,
		    int timeout_ms, size_t max_answer,
		    struct shim_reply *reply, char *err, size_t errlen);

/*
 * A connection for callers that read more than one line: a stream such
 * as an inbox subscription.  shim_call() is built from the same pieces.
 * It is the common client's connection (jsonl-client.h), so its fd,
 * deadline (DEADLINE_NONE: wait for ever), cancel_fd and lr are the
 * members callers use; struct shim_conn stays the shims' name for it.
 * Every function below fills err with the one line a user sees
 * ("lost the connection to the gateway at PATH: ...") when it fails.
 */
#define shim_conn	jsonl_conn

/*
 * Connect to the gateway at path.  The connection gets a deadline of
 * timeout_ms (> 0) from now, which bounds the connect and every later
 * call until the caller moves or clears conn->deadline (0: wait for
 * ever, as a stream does once it is subscribed).  Lines longer than
 * max_line are refused.  Returns SHIM_OK, or SHIM_E_UNAVAILABLE,
 * SHIM_E_TIMEOUT, SHIM_E_INTERNAL with err set; on failure there is
 * nothing to close.
 */
int		 shim_connect(struct shim_conn *, const char *path,
		    int timeout_ms, size_t max_line, char *err, size_t errlen);

/*
 * Send {"jsonrpc":"2.0","id":1,"method","params"} and its newline;
 * params is borrowed and may be NULL.  When pass_fd is not -1 it travels
 * with SCM_RIGHTS on the same sendmsg as the first byte.  Returns
 * SHIM_OK, SHIM_E_TIMEOUT, SHIM_E_CANCELLED, SHIM_E_IO or
 * SHIM_E_INTERNAL.  A gateway that closed before taking the whole
 * request is SHIM_OK: it answers before it closes when it refuses a
 * peer, and shim_read_line() returns that answer (or SHIM_E_CLOSED).
 */
int		 shim_send_request(struct shim_conn *, const char *method,
		    json_t *params, int pass_fd, char *err, size_t errlen);
/* The same with npass (at most SHIM_MAX_FDS) descriptors, in order. */
int		 shim_send_request_fds(struct shim_conn *, const char *method,
		    json_t *params, const int *pass_fds, size_t npass,
		    char *err, size_t errlen);

/*
 * Wait for the next line from the gateway, before conn->deadline and
 * until conn->cancel_fd becomes readable.  On SHIM_OK *line is the line
 * without its newline, NUL-terminated, valid until the next call.
 * Otherwise SHIM_E_TIMEOUT, SHIM_E_TOOLONG, SHIM_E_CLOSED (the gateway
 * closed the connection; a partial last line is dropped), SHIM_E_IO,
 * SHIM_E_PROTOCOL (descriptors the shim cannot hold) or
 * SHIM_E_CANCELLED.
 */
int		 shim_read_line(struct shim_conn *, char **line, size_t *len,
		    char *err, size_t errlen);

/* Close the socket and free the reader. */
void		 shim_close(struct shim_conn *);

/*
 * Catch SIGTERM, SIGINT and SIGHUP for a stream: the handler notes the
 * signal and makes the returned descriptor readable, so a shim_conn
 * with it as cancel_fd stops waiting and the caller can finish the line
 * it is writing and exit.  SA_RESTART is not set: a write(2) blocked on
 * a full pipe returns (EINTR, or the bytes it wrote), so the caller
 * decides whether to finish the line.  Returns the descriptor (the same
 * one on every call), or -1 if it cannot be set up.
 * shim_signals_restore() puts the previous dispositions back and closes
 * it.
 */
int		 shim_catch_signals(void);
void		 shim_signals_restore(void);
/* The signal caught since shim_catch_signals(), or 0. */
int		 shim_caught_signal(void);

/*
 * Decode one answer line (without its newline) into *reply: a JSON-RPC
 * 2.0 response with id 1 (or null on an error) and either a result or
 * an error object.  Returns SHIM_OK or SHIM_E_PROTOCOL with err set.
 */
int		 shim_decode_answer(const char *line, size_t len,
		    struct shim_reply *reply, char *err, size_t errlen);

/*
 * The one-line text a user sees for a gateway error: the reason, with
 * the detail the data object carries ("recipient not allowed:
 * +14155550123", "rate limited: retry in 42s", "held for approval: hold
 * h0000000007").  Control characters from the gateway are replaced.
 */
void		 shim_error_text(int code, const char *message, json_t *data,
		    char *out, size_t outlen);

/*
 * Open an attachment as the calling user: read-only, close-on-exec, no
 * controlling tty, without blocking on a FIFO; it must be a regular
 * file.  Returns the descriptor, or -1 with err set.
 */
int		 shim_open_attachment(const char *path, char *err,
		    size_t errlen);

/*
 * A JSON string from a command-line argument.  Bytes that are not UTF-8
 * become U+FFFD, as the real tools' argument decoding does, so the
 * result is never NULL for lack of valid UTF-8.
 */
json_t		*shim_json_string(const char *);

/* ---- imsg ---------------------------------------------------------- */

/* The imsg version the shim answers to --version with. */
#define SHIM_IMSG_TOOL_VERSION	"0.9.2"

enum shim_imsg_cmd {
	SHIM_IMSG_NONE = 0,
	SHIM_IMSG_CHATS,
	SHIM_IMSG_HISTORY,
	SHIM_IMSG_SEND,
	SHIM_IMSG_STATUS,
	SHIM_IMSG_WATCH,
	SHIM_IMSG_TYPING,
	SHIM_IMSG_READ,
	SHIM_IMSG_RPC,
	SHIM_IMSG_GROUP,
	SHIM_IMSG_REACT,
	SHIM_IMSG_SEARCH,
	SHIM_IMSG_SEND_ATTACHMENT,	/* carried as a send, by descriptor */
	SHIM_IMSG_BRIDGE	/* an IMCore bridge command: not offered */
};

enum shim_imsg_action {
	SHIM_IMSG_RUN = 0,	/* run args.cmd */
	SHIM_IMSG_HELP,		/* print help (for help_cmd, or root); exit 0 */
	SHIM_IMSG_VERSION,	/* print the version; exit 0 */
	SHIM_IMSG_ERROR,	/* print msg; exit 1 */
	SHIM_IMSG_ERROR_HELP,	/* print msg, then the root help; exit 1 */
	SHIM_IMSG_UNAVAILABLE	/* a real command the gateway lacks; exit 1 */
};

/* Parse as the real tool does: status takes no --db. */
#define SHIM_IMSG_STRICT	0x01

#define SHIM_IMSG_MSG_MAX	512

/*
 * A parsed command line.  String members point into argv; participants
 * is allocated (free with shim_imsg_args_free).  A member is NULL when
 * the option was absent; numbers that failed to parse count as absent,
 * as in the real tool.
 */
struct shim_imsg_args {
	enum shim_imsg_cmd	 cmd;
	const char		*cmd_name;	/* argv[1] */
	int			 json;
	int			 verbose;
	const char		*db;
	const char		*log_level;
	/* send, typing, read (read's --to is also --handle) */
	const char		*to;
	const char		*chat_id_str;	/* raw --chat-id */
	int			 has_chat_id;
	int64_t			 chat_id;
	const char		*chat_identifier;
	const char		*chat_guid;
	const char		*text;
	const char		*file;
	const char		*service;
	const char		*region;
	/* chats, history, watch */
	const char		*limit_str;	/* raw --limit */
	int			 has_limit;
	int64_t			 limit;
	int			 attachments;
	char			**participants;
	size_t			 nparticipants;
	const char		*start;
	const char		*end;
	/* watch */
	const char		*since_rowid_str;	/* raw --since-rowid */
	int			 has_since_rowid;
	int64_t			 since_rowid;
	const char		*debounce;
	int			 reactions;
	/* typing */
	const char		*stop;		/* raw --stop */
	const char		*duration;
	/* react, search */
	const char		*reaction;
	const char		*query;
	const char		*match;
	/* send-attachment (--file is file) */
	const char		*chat;		/* --chat: a chat guid */
	const char		*reply_to;
	const char		*transport;
	int			 audio;
	/* SHIM_IMSG_HELP: the command whose help to print, or NULL */
	const char		*help_cmd;
};

/*
 * Parse argv (argv[0] is the program) the way the real imsg's Commander
 * parser does: every element starting with '-' is an option, so a value
 * never starts with '-'; no --opt=value; "--" makes the rest positional.
 * --version/-V and --help/-h anywhere before "--" win.  Returns the
 * action; for SHIM_IMSG_ERROR* msg holds the real tool's text ("Unknown
 * option --x", "Missing value for option text").
 */
enum shim_imsg_action shim_imsg_parse(int argc, char **argv, int flags,
		    struct shim_imsg_args *args, char *msg, size_t msglen);
void		 shim_imsg_args_free(struct shim_imsg_args *);

/* Parse an integer as Swift's Int64(String) does: 0 or -1. */
int		 shim_imsg_parse_int(const char *, int64_t *);

/*
 * An ISO 8601 time with a zone, 2026-05-16T15:24:36[.123](Z|+02:00), as
 * milliseconds since the epoch: 0 or -1.
 */
int		 shim_imsg_parse_iso(const char *, int64_t *ms);

/*
 * A --debounce value as the real tool reads it: a number with an
 * optional unit ms, s, m or h (none: seconds), e.g. "250ms".  Returns 0
 * with the milliseconds in *ms, or -1.
 */
int		 shim_imsg_parse_duration(const char *, double *ms);

/*
 * Whether imsg watch, with these arguments, prints this message object:
 * --chat-id, --participants (the sender, ignoring case), --start and
 * --end (created_at), and reaction events only with --reactions.
 * Returns 1 or 0; 0 as well for what is not a message object.
 */
int		 shim_imsg_watch_allows(const struct shim_imsg_args *,
		    json_t *message);

/*
 * send-attachment's own checks, as the real command makes them: -1 with
 * msg set to its usage error, 1 with msg set to SHIM_IMSG_NO_BRIDGE when
 * it needs the IMCore bridge (--transport dylib, --audio, --reply-to),
 * 0 when the gateway carries it (its AppleScript path).
 */
#define SHIM_IMSG_NO_BRIDGE	"send-attachment unavailable: the private " \
	"API bridge is not offered through this gateway (--transport " \
	"dylib, --audio and --reply-to need it)"
int		 shim_imsg_attachment_check(const struct shim_imsg_args *,
		    char *msg, size_t msglen);

/*
 * Check the arguments as the real command does before it touches the
 * network, and build the gateway request: *method is set and the params
 * object returned (a new reference).  Returns NULL with msg set to the
 * real tool's error ("Missing required option: --to").  --file is not
 * looked at here: the caller opens it and adds "attachment".  For watch
 * the request is the inbox subscription ("inbox.subscribe").
 */
json_t		*shim_imsg_build_request(const struct shim_imsg_args *,
		    const char **method, char *msg, size_t msglen);

/*
 * A react --reaction value as the real tool reads it (ReactionType.parse):
 * trimmed, love, like, dislike, laugh, emphasis, question or an alias of
 * one (heart, thumbsup, lol ...) in any case, a tapback's emoji, or an
 * emoji of its own.  Returns 0 with its type name ("love", or "custom")
 * and emoji, or -1.
 */
int		 shim_imsg_reaction(const char *, const char **type,
		    const char **emoji);

/* Help and version output, as the real tool prints them. */
void		 shim_imsg_print_help(FILE *, const char *cmd,
		    const char *version);

/*
 * Render one object the way the real command prints it: with json, the
 * object itself on one line (its field order kept); otherwise the text
 * form (for a message that is a reaction event, as watch prints it:
 * "<ISO> [recv] <sender> added <emoji> reaction to <guid>").  Return 0,
 * or -1 if the object is not one (wrong JSON type).
 */
int		 shim_imsg_print_chat(FILE *, json_t *chat, int json);
int		 shim_imsg_print_message(FILE *, json_t *message, int json,
		    int attachments);
int		 shim_imsg_print_status(FILE *, json_t *tool, int json);

/*
 * The chat with this id in a chats.list result ({"chats":[...]}), a
 * borrowed reference, or NULL when there is none.
 */
json_t		*shim_imsg_find_chat(json_t *result, int64_t id);

/*
 * read's report for the handle it marked: "marked as read: H", or with
 * json {"success":true,"handle":H,"marked_as_read":true}.  Returns 0,
 * or -1 when out of memory.
 */
int		 shim_imsg_print_read(FILE *, int json, const char *handle);

/*
 * Print a gateway result for the parsed command (chats.list,
 * messages.history, send, status ...).  Returns 0, 1 when the command
 * fails with the result in hand (group: an unknown chat id, "Chat not
 * found: N" printed), or -1 if the result does not have the expected shape.
 */
int		 shim_imsg_print_result(FILE *, const struct shim_imsg_args *,
		    json_t *result);

/*
 * The whole imsg command: parse, call the gateway at socket_path with
 * the given deadline, print on out.  Returns the exit status (0 or 1).
 * watch has the deadline for connecting and subscribing only; then it
 * prints each message as it comes, flushed, one write(2) per message
 * when out has a descriptor, until the gateway closes the connection
 * (1, with a line saying so), a signal caught by shim_catch_signals()
 * arrives (0), or out is closed (0).
 */
int		 shim_imsg_run(int argc, char **argv, const char *socket_path,
		    int timeout_ms, FILE *out);

/*
 * imsg rpc: JSON-RPC 2.0 on in_fd/out_fd, one object per line, as the
 * real `imsg rpc` speaks it (doc/imsg-shim.md), each request a gateway
 * call of its own and each watch.subscribe an inbox subscription, many
 * in flight at once; answers and notifications are written whole, one
 * write(2) per line.  Returns 0 when in_fd reaches its end and every
 * pending answer is written, 1 when the output fails.
 */
int		 shim_imsg_rpc(int in_fd, int out_fd,
		    const char *socket_path, int timeout_ms, int verbose);

/*
 * The JSON-RPC methods imsg rpc answers, NULL-terminated, in the order
 * status --json lists them under rpc_methods.
 */
extern const char *const shim_imsg_rpc_methods[];

/* main() of the installed imsg shim. */
int		 shim_imsg_main(int argc, char **argv);

#endif /* CARAPACE_SHIM_H */
