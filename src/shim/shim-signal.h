/*
 * The signal-cli shim: the command line, `jsonRpc` on stdio and
 * `daemon --http`, each bridged to the gateway's "signal" channel.
 * shim-signal.c holds the JSON-RPC dispatcher (signal-cli's method names
 * and params mapped onto gateway methods, gateway errors mapped onto
 * signal-cli's codes) and the command line; shim-http.c the small HTTP/1.1
 * server behind `daemon --http`.  doc/signal-shim.md describes both.
 */
#ifndef CARAPACE_SHIM_SIGNAL_H
#define CARAPACE_SHIM_SIGNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct shim_reply;

/* The signal-cli version the shim answers with. */
#define SHIM_SIGNAL_VERSION	"0.14.6"

/* signal-cli's JSON-RPC application error codes. */
#define SIGNAL_ERR_USER		-1
#define SIGNAL_ERR_UNEXPECTED	-2	/* CLI only (daemon: -32603) */
#define SIGNAL_ERR_IO		-3
#define SIGNAL_ERR_UNTRUSTED	-4
#define SIGNAL_ERR_RATE_LIMIT	-5

/* signal-cli's exit codes (Main.getStatusForError). */
#define SIGNAL_EXIT_USER	1
#define SIGNAL_EXIT_UNEXPECTED	2
#define SIGNAL_EXIT_IO		3
#define SIGNAL_EXIT_UNTRUSTED	4
#define SIGNAL_EXIT_RATE_LIMIT	5

/* Bounds of the HTTP server. */
#define SHIM_HTTP_MAX_HEAD	(16 * 1024)
#define SHIM_HTTP_MAX_BODY	(1024 * 1024)
#define SHIM_HTTP_MAX_CLIENTS	64
#define SHIM_HTTP_IDLE_MS	60000
#define SHIM_SSE_KEEPALIVE_MS	15000

/* What every mode shares: where the gateway is and who we are. */
struct shim_signal_ctx {
	const char	*socket_path;
	int		 timeout_ms;
	const char	*account;	/* -a, or NULL: multi-account mode */
};

/* A signal-cli error: JSON-RPC code and message. */
struct shim_signal_error {
	int		 code;
	char		 message[1024];
};

/*
 * Map a gateway error (code, message, data) onto signal-cli's: a
 * refusal by policy is a user error (-1), rate limiting -5, the tool or
 * the gateway failing -3; codes -1..-5 coming from the real daemon
 * through the gateway are kept.  The message is shim_error_text()'s.
 */
void		 shim_signal_map_error(int code, const char *message,
		    json_t *data, struct shim_signal_error *);

/* signal-cli's exit status for a JSON-RPC error code. */
int		 shim_signal_exit_status(int code);

/*
 * A param by its camelCase name, or its dashed form
 * ("quoteTimestamp" or "quote-timestamp"), or NULL.
 */
json_t		*shim_signal_param(json_t *params, const char *camel);

/*
 * A list option as an array of strings: one string or an array of
 * strings.  Returns a new reference (an empty array when absent), or
 * NULL when the value has another type.
 */
json_t		*shim_signal_string_list(json_t *value);

/*
 * Build the gateway request for signal-cli method name with params
 * (may be NULL): *gw_method is set and the params object returned (new
 * reference).  Attachments (file paths or data: URIs) are opened and
 * their descriptors stored in fds (at most nfds_max), their count in
 * *nfds; the caller closes them.  Methods answered locally (version) or
 * not bridged return NULL with err filled; err->code is 0 for version
 * with *local set to the result.
 */
json_t		*shim_signal_build_request(const struct shim_signal_ctx *,
		    const char *method, json_t *params, const char **gw_method,
		    int *fds, size_t nfds_max, size_t *nfds, json_t **local,
		    struct shim_signal_error *err);

/*
 * Convert the gateway result of gw_method into signal-cli's result
 * (groups.list {"groups":[...]} → [...]).  Returns a new reference, or
 * NULL when the result does not have the expected shape.
 */
json_t		*shim_signal_convert_result(const char *gw_method,
		    json_t *result);

/*
 * Run one signal-cli method through the gateway: the result (new
 * reference), or NULL with err set.
 */
json_t		*shim_signal_call(const struct shim_signal_ctx *,
		    const char *method, json_t *params,
		    struct shim_signal_error *err);

/*
 * The second half of shim_signal_call(), for a caller that made the
 * gateway call itself: rc and why are the call's outcome (SHIM_OK, or a
 * SHIM_E_* code and its text); on SHIM_OK *reply is taken (freed here).
 * Returns the signal-cli result (new reference), or NULL with err set.
 */
json_t		*shim_signal_call_result(const char *method, json_t *params,
		    int rc, struct shim_reply *reply, const char *why,
		    struct shim_signal_error *err);

/*
 * What answers one request inside shim_signal_rpc_answer_with(): the
 * result (new reference), or NULL with err set.
 */
typedef json_t	*(*shim_signal_call_fn)(const struct shim_signal_ctx *,
		    const char *method, json_t *params,
		    struct shim_signal_error *err, void *arg);

/*
 * Answer one parsed JSON-RPC message (a request or a batch) as
 * signal-cli's JsonRpcReader does.  Returns the response (an object or
 * an array; new reference), or NULL when nothing is to be answered
 * (notifications only).
 */
json_t		*shim_signal_rpc_answer(const struct shim_signal_ctx *,
		    json_t *message);

/*
 * shim_signal_rpc_answer() with each request answered by call, in the
 * order the message lists them (every time the same order for the same
 * message): a server that makes the gateway calls itself walks the
 * message once to start them and once more to frame the answers.
 */
json_t		*shim_signal_rpc_answer_with(const struct shim_signal_ctx *,
		    json_t *message, shim_signal_call_fn call, void *arg);

/* The same for raw text: parse errors are answered -32700. */
json_t		*shim_signal_rpc_answer_text(
		    const struct shim_signal_ctx *, const char *text,
		    size_t len);

/* ---- answering on the server loop (signal-job.c) ------------------ */

struct serve;
struct serve_fd;
struct signal_job;

/* The messages one client has in progress. */
struct signal_jobs {
	struct serve			*loop;
	struct serve_fd			*owner;	/* the client */
	const struct shim_signal_ctx	*ctx;
	struct signal_job		*head;
	size_t				 count;
	int				 pumping;
	int				 repump;
};

void		 signal_jobs_init(struct signal_jobs *, struct serve *,
		    struct serve_fd *owner, const struct shim_signal_ctx *);

/*
 * Answer the JSON-RPC text (a request or a batch) as
 * shim_signal_rpc_answer_text() does, its gateway calls made on the loop
 * for owner, at most the loop's calls per client at once.  done(answer,
 * arg) is called once with the response (NULL: nothing to answer; it is
 * borrowed), possibly before this returns.  done must not call
 * signal_jobs_clear().
 */
void		 signal_job_start(struct signal_jobs *, const char *text,
		    size_t len, void (*done)(json_t *, void *), void *arg);

/* Start calls that wait for a slot (after a call ended). */
void		 signal_jobs_pump(struct signal_jobs *);

/* The client is gone: drop every job unanswered, closing its calls. */
void		 signal_jobs_clear(struct signal_jobs *);

/* ---- HTTP (shim-http.c) ------------------------------------------- */

struct shim_http_request {
	char		 method[16];
	char		 path[512];	/* without the query */
	char		 query[512];
	char		 host[256];
	char		 content_type[256];
	char		 connection[64];
	int		 has_content_length;
	size_t		 content_length;
	int		 has_transfer_encoding;
	int		 expect_continue;	/* Expect: 100-continue */
	int		 http10;
	size_t		 head_len;	/* through the blank line */
};

#define SHIM_HTTP_NEED_MORE	0
#define SHIM_HTTP_COMPLETE	1
#define SHIM_HTTP_BAD		-1	/* 400 */
#define SHIM_HTTP_TOO_LARGE	-2	/* 431 */
#define SHIM_HTTP_VERSION	-3	/* 505 */

/*
 * Parse a request head from the len bytes at buf (at most max bytes are
 * accepted before the blank line).  Returns one of the codes above.
 */
int		 shim_http_parse_head(const char *buf, size_t len,
		    size_t max, struct shim_http_request *);

/*
 * Whether a Host header value names this server as signal-cli's
 * HttpServerHandler decides it on a non-wildcard bind: localhost,
 * 127.0.0.1, [::1] or bind_host (as given on the command line), and a
 * port, when one is given, equal to port (the bound one).  1 or 0.
 */
int		 shim_http_host_allowed(const char *host,
		    const char *bind_host, unsigned int port);

/* The value of name in a query string ("account=%2B1..."), decoded. */
int		 shim_http_query_get(const char *query, const char *name,
		    char *out, size_t outlen);

/*
 * Format a response head with Java's header spelling (Content-type,
 * Content-length, Transfer-encoding) into out.  content_length < 0:
 * chunked.  Returns the length or -1 if it does not fit.
 */
int		 shim_http_format_head(char *out, size_t outlen, int status,
		    const char *content_type, long long content_length,
		    int close);

/*
 * One Server-Sent Event as signal-cli writes it: "event:receive\n"
 * "data:<json>\n\n".  Returns a new string, or NULL.
 */
char		*shim_sse_event(const char *event, json_t *data);

/*
 * Serve `daemon --http` on host:port until SIGTERM/SIGINT.  Returns the
 * exit status.
 */
int		 shim_http_serve(const struct shim_signal_ctx *,
		    const char *host, const char *port, FILE *log);

/* ---- JSON-RPC connections (signal-conn.c) -------------------------- */

/*
 * jsonRpc on stdin/stdout until stdin ends and every answer is written
 * (params: the command's, for --receive-mode).  Returns the exit status.
 */
int		 shim_signal_jsonrpc(const struct shim_signal_ctx *,
		    json_t *params, FILE *out);

/*
 * signal-cli's default daemon socket, $XDG_RUNTIME_DIR/signal-cli/socket
 * (else under /tmp), into out.  Returns 0, or -1 if it does not fit.
 */
int		 shim_signal_socket_path(char *out, size_t outlen);

/*
 * Serve `daemon --socket PATH` until SIGTERM/SIGINT/SIGHUP: every client
 * a jsonRpc connection.  Returns the exit status (3 when the path cannot
 * be bound, as signal-cli).
 */
int		 shim_signal_socket_serve(const struct shim_signal_ctx *,
		    const char *path, json_t *params, FILE *err);

/* ---- command line -------------------------------------------------- */

/*
 * The whole signal-cli command: parse argv, run, print on out and err.
 * Returns the exit status.
 */
int		 shim_signal_run(int argc, char **argv,
		    const char *socket_path, int timeout_ms, FILE *out,
		    FILE *err);

/* Print a result the way the command prints it (plain or JSON). */
int		 shim_signal_print_result(FILE *, const char *command,
		    json_t *result, int json, int detailed);

/* Print one received {"envelope","account"} as `receive` does. */
int		 shim_signal_print_envelope(FILE *, json_t *message,
		    int json);

int		 shim_signal_main(int argc, char **argv);

#endif /* CARAPACE_SHIM_SIGNAL_H */
