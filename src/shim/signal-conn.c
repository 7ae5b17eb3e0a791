/*
 * signal-cli's line-delimited JSON-RPC connections on the shims' server
 * loop (serve.c): `jsonRpc` on stdin/stdout, and the clients of `daemon
 * --socket [PATH]`, each served the same way: every request line is a
 * job (signal-job.c) whose gateway calls run side by side, every receive
 * subscription (on-start, or subscribeReceive) an inbox subscription of
 * its own.  The socket follows signal-cli's DaemonCommand and IOUtils
 * (AsamK/signal-cli v0.14.6, 21dd00d96a482549d89c7961d7a60a4b8724252b):
 * default $XDG_RUNTIME_DIR/signal-cli/socket (else /tmp/signal-cli/
 * socket), a missing parent directory made 0700, a path in use refused
 * ("Failed to bind socket"), the socket removed on exit.  Unlike
 * signal-cli, the socket itself is made 0600 and an existing directory
 * must be private: whoever connects acts as the agent, and whoever can
 * replace the socket reads what the agent sends.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "protocol.h"
#include "serve.h"
#include "shim.h"
#include "shim-signal.h"
#include "util.h"

#define JSONRPC_MAX_LINE	(1024 * 1024)
#define JSONRPC_MAX_WORKERS	16
/* Clients of daemon --socket at once (the HTTP daemon's bound). */
#define SOCKET_MAX_CLIENTS	SHIM_HTTP_MAX_CLIENTS

/* ---- one connection ------------------------------------------------ */

/*
 * jsonRpc runs on the shims' server loop (serve.c): stdin and stdout are
 * one client, every request line is a job (signal-job.c) whose gateway
 * calls run side by side, and every receive subscription is a gateway
 * call of its own that streams.  Answers go out whole, one line each,
 * in the order they complete, as signal-cli's do.  At most
 * JSONRPC_MAX_WORKERS lines are answered at once; past that stdin waits.
 */

#define JSONRPC_MAX_SUBSCRIPTIONS	16
#define JSONRPC_MAX_CALLS	(JSONRPC_MAX_WORKERS + JSONRPC_MAX_SUBSCRIPTIONS)

struct stdio_rpc;

/* One receive subscription: an inbox subscription on the gateway. */
struct stdio_sub {
	struct stdio_rpc	*rpc;
	json_t			*pending;	/* subscribeReceive's id, until
						   the gateway subscribed */
	int			 id;
	int			 internal;	/* on-start: plain params */
	int			 active;
	int			 subscribed;
	struct serve_fd		*call;
};

struct stdio_rpc {
	const struct shim_signal_ctx	*ctx;
	int				 sock;	/* a socket client, or -1 */
	struct serve			*loop;
	struct serve_fd			*client;
	struct signal_jobs		 jobs;
	char				*buf;
	size_t				 have;
	int				 skip;	/* rest of a too-long line */
	int				 eof;
	int				 finishing;
	int				 processing;
	int				 again;
	int				 next_id;
	struct stdio_sub		 subs[JSONRPC_MAX_SUBSCRIPTIONS];
};

static json_t	*stdio_subscription_answer(struct stdio_rpc *, json_t *,
		    int *);
static void	 stdio_write(struct stdio_rpc *, json_t *);

/*
 * Answer a subscribeReceive once the gateway has subscribed (why NULL),
 * or with -3 when it could not: as signal-cli registers its receive
 * handler before it answers, every message published after the answer
 * reaches the client.
 */
static void
sub_answer(struct stdio_sub *sub, const char *why)
{
	json_t	*ans;

	if (sub->pending == NULL)
		return;
	if (why == NULL)
		ans = json_pack("{s:s,s:i,s:O}", "jsonrpc", "2.0", "result",
		    sub->id, "id", sub->pending);
	else
		ans = json_pack("{s:s,s:{s:i,s:s},s:O}", "jsonrpc", "2.0",
		    "error", "code", SIGNAL_ERR_IO, "message", why, "id",
		    sub->pending);
	if (ans != NULL)
		stdio_write(sub->rpc, ans);
	json_decref(ans);
	json_decref(sub->pending);
	sub->pending = NULL;
}

/* A subscription ends: nothing is pending any more. */
static void
sub_end(struct stdio_sub *sub)
{
	json_decref(sub->pending);
	sub->pending = NULL;
	sub->active = 0;
}
static void	 stdio_process(struct stdio_rpc *);

static void
stdio_write(struct stdio_rpc *rpc, json_t *v)
{
	char	*text;

	if (rpc->client == NULL || (text = json_dumps(v, JSON_COMPACT |
	    JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)) == NULL)
		return;
	/* Text and newline in one piece: lines never interleave. */
	(void)serve_write(rpc->client, text, strlen(text));
	(void)serve_write(rpc->client, "\n", 1);
	free(text);
}

/* A job's answer: written, and the next lines may go. */
static void
stdio_answered(json_t *answer, void *arg)
{
	struct stdio_rpc	*rpc = arg;

	if (answer != NULL)
		stdio_write(rpc, answer);
	stdio_process(rpc);
}

/* One request line. */
static void
stdio_line(struct stdio_rpc *rpc, const char *line, size_t len)
{
	json_t	*answer, *msg;
	int	 handled = 0;

	msg = json_loadb(line, len, JSON_DECODE_ANY, NULL);
	answer = msg != NULL ? stdio_subscription_answer(rpc, msg, &handled) :
	    NULL;
	json_decref(msg);
	if (handled) {
		if (answer != NULL)
			stdio_write(rpc, answer);
		json_decref(answer);
		return;
	}
	signal_job_start(&rpc->jobs, line, len, stdio_answered, rpc);
}

/*
 * The receive notifications of one subscription: every inbox message, as
 * signal-cli's ({"envelope","account"} for the on-start subscription,
 * {"subscription":N,"result":{...}} for subscribeReceive), until the
 * subscription is stopped or the gateway connection ends.
 */
static void
stdio_receive(struct serve_fd *call, int rc, char *line, size_t len,
    const char *why, void *arg)
{
	struct stdio_sub	*sub = arg;
	struct stdio_rpc	*rpc = sub->rpc;
	json_t			*msg, *v, *note;

	if (!sub->active || sub->call != call)
		return;
	if (rc != SHIM_OK) {
		(void)fprintf(stderr, "receive: %s\n", why);
		sub_answer(sub, why);
		sub_end(sub);
		sub->call = NULL;
		return;
	}
	if ((msg = json_loadb(line, len, 0, NULL)) == NULL)
		return;
	if (!sub->subscribed && json_object_get(msg, "id") != NULL) {
		sub->subscribed = 1;
		serve_set_deadline(call, 0);
		if (json_object_get(msg, "error") != NULL) {
			(void)fprintf(stderr, "receive: %s\n", line);
			sub_answer(sub, "the gateway refused the receive "
			    "subscription");
			json_decref(msg);
			serve_close(call);
			sub_end(sub);
			sub->call = NULL;
			return;
		}
		sub_answer(sub, NULL);
	}
	v = json_object_get(json_object_get(msg, "params"), "message");
	if (json_is_object(v) && json_is_string(json_object_get(msg,
	    "method")) && strcmp(json_string_value(json_object_get(msg,
	    "method")), "inbox.message") == 0) {
		if (sub->internal)
			note = json_pack("{s:s,s:s,s:O}", "jsonrpc",
			    "2.0", "method", "receive", "params", v);
		else
			note = json_pack("{s:s,s:s,s:{s:i,s:O}}",
			    "jsonrpc", "2.0", "method", "receive",
			    "params", "subscription", sub->id,
			    "result", v);
		if (note != NULL)
			stdio_write(rpc, note);
		json_decref(note);
	}
	json_decref(msg);
}

static const struct serve_cb stdio_receive_cb = {
	.line = stdio_receive
};

/*
 * Start a subscription: its id, or -1 (none free).  answer_id, when not
 * NULL, is the subscribeReceive to answer once the gateway has
 * subscribed: *deferred is then 1 (else the caller answers now).
 */
static int
stdio_subscribe(struct stdio_rpc *rpc, int internal, json_t *answer_id,
    int *deferred)
{
	struct stdio_sub	*sub = NULL;
	json_t			*req;
	char			 why[SHIM_ERR_MAX];
	int			 i;

	for (i = 0; i < JSONRPC_MAX_SUBSCRIPTIONS; i++)
		if (!rpc->subs[i].active) {
			sub = &rpc->subs[i];
			break;
		}
	if (sub == NULL)
		return -1;
	memset(sub, 0, sizeof(*sub));
	sub->rpc = rpc;
	sub->internal = internal;
	sub->id = rpc->next_id++;
	req = json_pack("{s:[s]}", "channels", "signal");
	sub->call = serve_call(rpc->loop, rpc->client, rpc->ctx->socket_path,
	    rpc->ctx->timeout_ms, "inbox.subscribe", req, NULL, 0,
	    &stdio_receive_cb, sub, why, sizeof(why));
	json_decref(req);
	/* As signal-cli: the id is given; a stream that fails says so. */
	if (sub->call == NULL)
		(void)fprintf(stderr, "%s\n", why);
	else {
		sub->active = 1;
		if (answer_id != NULL && deferred != NULL) {
			sub->pending = json_incref(answer_id);
			*deferred = 1;
		}
	}
	return sub->id;
}

/* Stop subscription id (-1: the on-start one): 0, or -1 if unknown. */
static int
stdio_unsubscribe(struct stdio_rpc *rpc, int id)
{
	struct stdio_sub	*sub;
	int			 i;

	for (i = 0; i < JSONRPC_MAX_SUBSCRIPTIONS; i++) {
		sub = &rpc->subs[i];
		if (!sub->active || (id == -1 ? !sub->internal :
		    sub->id != id))
			continue;
		if (sub->call != NULL)
			serve_close(sub->call);
		sub->call = NULL;
		sub_end(sub);
		return 0;
	}
	return -1;
}

/*
 * subscribeReceive / unsubscribeReceive, which only a connection (not
 * the HTTP daemon) has: the answer, or NULL for any other message.
 */
static json_t *
stdio_subscription_answer(struct stdio_rpc *rpc, json_t *msg, int *handled)
{
	json_t		*method, *id, *params, *sid;
	const char	*name;
	int		 n, deferred;

	*handled = 0;
	method = json_object_get(msg, "method");
	if (!json_is_object(msg) || !json_is_string(method))
		return NULL;
	name = json_string_value(method);
	if (strcmp(name, "subscribeReceive") != 0 &&
	    strcmp(name, "unsubscribeReceive") != 0)
		return NULL;
	*handled = 1;
	id = json_object_get(msg, "id");
	params = json_object_get(msg, "params");
	if (strcmp(name, "subscribeReceive") == 0) {
		deferred = 0;
		n = stdio_subscribe(rpc, 0, id, &deferred);
		if (id == NULL || deferred)
			return NULL;
		if (n == -1)
			return json_pack("{s:s,s:{s:i,s:s},s:O}", "jsonrpc",
			    "2.0", "error", "code", SIGNAL_ERR_IO, "message",
			    "Too many subscriptions", "id", id);
		return json_pack("{s:s,s:i,s:O}", "jsonrpc", "2.0", "result",
		    n, "id", id);
	}
	sid = json_is_array(params) ? json_array_get(params, 0) :
	    json_object_get(params, "subscription");
	if (sid == NULL && rpc->ctx->account == NULL) {
		if (id == NULL)
			return NULL;
		return json_pack("{s:s,s:{s:i,s:s},s:O}", "jsonrpc", "2.0",
		    "error", "code", SIGNAL_ERR_USER, "message", "Missing "
		    "subscription parameter with subscription id", "id", id);
	}
	n = stdio_unsubscribe(rpc, sid == NULL ? -1 :
	    (int)json_integer_value(sid));
	if (id == NULL)
		return NULL;
	if (n == -1 && sid != NULL)
		return json_pack("{s:s,s:{s:i,s:s},s:O}", "jsonrpc", "2.0",
		    "error", "code", SIGNAL_ERR_USER, "message",
		    "Unknown subscription id", "id", id);
	return json_pack("{s:s,s:{},s:O}", "jsonrpc", "2.0", "result", "id",
	    id);
}

/*
 * The complete lines read so far, while fewer than JSONRPC_MAX_WORKERS
 * are being answered; stdin is read only while there is room.  At the
 * end of input with nothing left to answer the subscriptions end and
 * the output is flushed.
 */
static void
stdio_process(struct stdio_rpc *rpc)
{
	json_t	*e;
	char	*nl;
	size_t	 len;
	int	 i;

	if (rpc->processing) {
		rpc->again = 1;
		return;
	}
	rpc->processing = 1;
	do {
		rpc->again = 0;
		while (rpc->client != NULL && !rpc->finishing &&
		    rpc->jobs.count < JSONRPC_MAX_WORKERS &&
		    (nl = memchr(rpc->buf, '\n', rpc->have)) != NULL) {
			len = (size_t)(nl - rpc->buf);
			*nl = '\0';
			if (rpc->skip) {
				rpc->skip = 0;
			} else if (len == 0 ||
			    strspn(rpc->buf, " \t\r") == len) {
				e = json_pack("{s:s,s:{s:i,s:s},s:n}",
				    "jsonrpc", "2.0", "error", "code",
				    RPC_PARSE_ERROR, "message",
				    "Empty input line", "id");
				stdio_write(rpc, e);
				json_decref(e);
			} else
				stdio_line(rpc, rpc->buf, len);
			memmove(rpc->buf, nl + 1, rpc->have - len - 1);
			rpc->have -= len + 1;
		}
		if (rpc->have == JSONRPC_MAX_LINE) {
			/* Too long: answered as unparsable, then skipped. */
			e = json_pack("{s:s,s:{s:i,s:s},s:n}", "jsonrpc",
			    "2.0", "error", "code", RPC_PARSE_ERROR,
			    "message", "line too long", "id");
			stdio_write(rpc, e);
			json_decref(e);
			rpc->have = 0;
			rpc->skip = 1;
		}
	} while (rpc->again);
	rpc->processing = 0;
	if (rpc->client == NULL || rpc->finishing)
		return;
	serve_pause(rpc->client, rpc->eof ||
	    rpc->jobs.count >= JSONRPC_MAX_WORKERS);
	if (rpc->eof && rpc->jobs.count == 0 &&
	    memchr(rpc->buf, '\n', rpc->have) == NULL) {
		rpc->finishing = 1;
		for (i = 0; i < JSONRPC_MAX_SUBSCRIPTIONS; i++)
			sub_end(&rpc->subs[i]);
		/* This closes the subscriptions' calls too. */
		serve_finish(rpc->client);
	}
}

static void
stdio_read(struct serve_fd *client, void *arg)
{
	struct stdio_rpc	*rpc = arg;
	ssize_t			 n;

	n = read(serve_in_fd(client), rpc->buf + rpc->have,
	    JSONRPC_MAX_LINE - rpc->have);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n == 0 && rpc->have > 0 &&
	    memchr(rpc->buf, '\n', rpc->have) == NULL) {
		/* A last line needs no newline, as readLine() has it. */
		rpc->buf[rpc->have++] = '\n';
		rpc->eof = 1;
	} else if (n <= 0)
		rpc->eof = 1;
	else
		rpc->have += (size_t)n;
	stdio_process(rpc);
}

static void
stdio_closed(struct serve_fd *client, void *arg)
{
	struct stdio_rpc	*rpc = arg;
	int			 i;

	(void)client;
	signal_jobs_clear(&rpc->jobs);
	rpc->client = NULL;
	for (i = 0; i < JSONRPC_MAX_SUBSCRIPTIONS; i++)
		sub_end(&rpc->subs[i]);
	if (rpc->sock != -1) {
		/* Its calls are closed and silent: nothing uses rpc now. */
		(void)close(rpc->sock);
		free(rpc->buf);
		free(rpc);
	}
}

static const struct serve_cb stdio_cb = {
	.read = stdio_read,
	.closed = stdio_closed
};

/* Whether params ask for --receive-mode manual. */
static int
receive_manual(json_t *params)
{
	json_t	*mode;

	mode = json_object_get(params, "receiveMode");
	return json_is_string(mode) && strcmp(json_string_value(mode),
	    "manual") == 0;
}

int
shim_signal_jsonrpc(const struct shim_signal_ctx *ctx, json_t *params,
    FILE *out)
{
	struct stdio_rpc	 rpc;
	int			 rc = 0;

	json_object_seed(0);
	memset(&rpc, 0, sizeof(rpc));
	rpc.ctx = ctx;
	rpc.sock = -1;
	if (fflush(out) == EOF || fileno(out) == -1)
		return SIGNAL_EXIT_UNEXPECTED;
	/* One spare byte: a last line without a newline gets one. */
	if ((rpc.buf = malloc(JSONRPC_MAX_LINE + 1)) == NULL ||
	    (rpc.loop = serve_new(1, JSONRPC_MAX_CALLS)) == NULL ||
	    (rpc.client = serve_client(rpc.loop, STDIN_FILENO, fileno(out),
	    2 * SHIM_MAX_ANSWER, 0, &stdio_cb, &rpc)) == NULL) {
		serve_free(rpc.loop);
		free(rpc.buf);
		return SIGNAL_EXIT_UNEXPECTED;
	}
	signal_jobs_init(&rpc.jobs, rpc.loop, rpc.client, ctx);
	if (!receive_manual(params))
		(void)stdio_subscribe(&rpc, 1, NULL, NULL);
	if (serve_run(rpc.loop) == -1)
		rc = SIGNAL_EXIT_UNEXPECTED;
	serve_free(rpc.loop);
	free(rpc.buf);
	return rc;
}


/* ---- daemon --socket ----------------------------------------------- */

struct socket_server {
	const struct shim_signal_ctx	*ctx;
	struct serve			*loop;
	int				 manual;
};

/* A new client: served as a jsonRpc connection of its own. */
static void
socket_accept(struct serve_fd *lfd, void *arg)
{
	struct socket_server	*srv = arg;
	struct stdio_rpc	*rpc;
	int			 fd;

	if ((fd = accept(serve_in_fd(lfd), NULL, NULL)) == -1)
		return;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (serve_clients(srv->loop) >= SOCKET_MAX_CLIENTS ||
	    (rpc = calloc(1, sizeof(*rpc))) == NULL) {
		(void)close(fd);
		return;
	}
	rpc->ctx = srv->ctx;
	rpc->sock = fd;
	rpc->loop = srv->loop;
	rpc->next_id = 0;
	if ((rpc->buf = malloc(JSONRPC_MAX_LINE + 1)) == NULL ||
	    (rpc->client = serve_client(srv->loop, fd, fd,
	    2 * SHIM_MAX_ANSWER, SHIM_HTTP_IDLE_MS, &stdio_cb, rpc)) ==
	    NULL) {
		free(rpc->buf);
		free(rpc);
		(void)close(fd);
		return;
	}
	signal_jobs_init(&rpc->jobs, srv->loop, rpc->client, srv->ctx);
	/* SignalJsonRpcDispatcherHandler: on-start subscribes at once. */
	if (!srv->manual)
		(void)stdio_subscribe(rpc, 1, NULL, NULL);
}

static void
socket_stop(struct serve_fd *sfd, void *arg)
{
	struct socket_server	*srv = arg;

	(void)sfd;
	serve_stop(srv->loop);
}

static const struct serve_cb socket_listen_cb = {
	.read = socket_accept
};

static const struct serve_cb socket_signal_cb = {
	.read = socket_stop
};

int
shim_signal_socket_path(char *out, size_t outlen)
{
	const char	*base;

	/* IOUtils.getRuntimeDir: XDG_RUNTIME_DIR, else java.io.tmpdir. */
	if ((base = getenv("XDG_RUNTIME_DIR")) == NULL || *base == '\0')
		base = "/tmp";
	if ((size_t)snprintf(out, outlen, "%s/signal-cli/socket", base) >=
	    outlen)
		return -1;
	return 0;
}

/*
 * IOUtils.createPrivateDirectories: a parent that does not exist is
 * made, with its missing ancestors, 0700.  One that exists must be safe
 * to put the socket in, which signal-cli does not check: owned by us or
 * root, and writable by nobody else unless sticky (/tmp) - else another
 * user could replace the socket with one of theirs and read what the
 * agent sends.  0, or -1 with errno set and *why for an unsafe parent.
 */
static int
make_parent(const char *path, const char **why)
{
	struct stat	 st;
	char		 dir[PATH_MAX], *p;

	*why = NULL;
	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((p = strrchr(dir, '/')) == NULL)
		(void)strlcpy(dir, ".", sizeof(dir));
	else if (p == dir)
		dir[1] = '\0';
	else {
		*p = '\0';
		for (p = dir + 1; *p != '\0'; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			if (mkdir(dir, 0700) == -1 && errno != EEXIST)
				return -1;
			*p = '/';
		}
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return -1;
	}
	if (stat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode) || (st.st_uid != geteuid() &&
	    st.st_uid != 0) || ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (st.st_mode & S_ISVTX) == 0)) {
		*why = "its directory is not private (another user could "
		    "replace the socket)";
		return -1;
	}
	return 0;
}

int
shim_signal_socket_serve(const struct shim_signal_ctx *ctx,
    const char *path, json_t *params, FILE *err)
{
	struct socket_server	 srv;
	struct sockaddr_un	 sun;
	const char		*why;
	mode_t			 old;
	int			 lfd, sigfd, rc = 0, e;

	json_object_seed(0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		(void)fprintf(err, "Failed to bind socket %s: path too "
		    "long\n", path);
		return SIGNAL_EXIT_IO;
	}
	if (make_parent(path, &why) == -1) {
		(void)fprintf(err, "Failed to bind socket %s: %s\n", path,
		    why != NULL ? why : strerror(errno));
		return SIGNAL_EXIT_IO;
	}
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		(void)fprintf(err, "Failed to bind socket %s: %s\n", path,
		    strerror(errno));
		return SIGNAL_EXIT_IO;
	}
	(void)fcntl(lfd, F_SETFD, FD_CLOEXEC);
	/* Only the agent's user may connect: 0600 from the start. */
	old = umask(0177);
	rc = bind(lfd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	(void)umask(old);
	if (rc == -1 || listen(lfd, 128) == -1) {
		/* An existing path is not taken over, as signal-cli. */
		(void)fprintf(err, "Failed to bind socket %s: %s\n", path,
		    strerror(rc == -1 ? e : errno));
		(void)close(lfd);
		return SIGNAL_EXIT_IO;
	}
	if ((sigfd = shim_catch_signals()) == -1) {
		(void)fprintf(err, "cannot catch signals\n");
		(void)unlink(path);
		(void)close(lfd);
		return SIGNAL_EXIT_UNEXPECTED;
	}
	(void)fprintf(err, "Started JSON-RPC server on %s\n", path);
	(void)fflush(err);
	memset(&srv, 0, sizeof(srv));
	srv.ctx = ctx;
	srv.manual = receive_manual(params);
	if ((srv.loop = serve_new(SOCKET_MAX_CLIENTS, JSONRPC_MAX_CALLS)) ==
	    NULL || serve_add(srv.loop, sigfd, &socket_signal_cb, &srv) ==
	    NULL || serve_add(srv.loop, lfd, &socket_listen_cb, &srv) == NULL)
		rc = SIGNAL_EXIT_UNEXPECTED;
	else if (serve_run(srv.loop) == -1)
		rc = SIGNAL_EXIT_UNEXPECTED;
	else
		rc = 0;
	/* Every client's closed callback runs here. */
	serve_free(srv.loop);
	(void)unlink(path);
	(void)close(lfd);
	return rc;
}
