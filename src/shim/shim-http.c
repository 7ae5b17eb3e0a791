/*
 * `signal-cli daemon --http`: a small HTTP/1.1 server with the three
 * endpoints signal-cli's HttpServerHandler serves, bridged to the
 * gateway.  It runs on the shims' server loop (serve.c): the listening
 * sockets, the signal descriptor, at most SHIM_HTTP_MAX_CLIENTS clients
 * (as the real daemon's fixed pool; one more is answered 503 and
 * closed) and their gateway calls, none of which can block another: a
 * slow send or a held event stream never stalls a client.  Heads are
 * bounded (SHIM_HTTP_MAX_HEAD), bodies need a Content-Length (at most
 * SHIM_HTTP_MAX_BODY); a whole head, a whole body and the draining of
 * what is written to a client each get SHIM_HTTP_IDLE_MS, after which
 * the connection is closed, so a client that trickles bytes or stops
 * reading holds one slot for that long and no more.
 * Responses spell their headers as Java's HttpServer does (Content-type,
 * Content-length, Transfer-encoding) and an event stream is chunked, as
 * it is there.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "serve.h"
#include "shim.h"
#include "shim-signal.h"
#include "util.h"

#define MAX_LISTEN	8
/* Gateway calls one client may have in flight (a batch's requests). */
#define HTTP_MAX_CALLS	16
/* What may be queued for one client: the largest answer, twice. */
#define HTTP_MAX_OUT	(2 * (size_t)SHIM_MAX_ANSWER)

struct http_server {
	const struct shim_signal_ctx	*ctx;
	const char			*bind_host;	/* as given */
	FILE				*log;
	struct serve			*loop;
};

/* One listening socket: where Host rules come from. */
struct http_listener {
	struct http_server		*srv;
	int				 wildcard;	/* 0.0.0.0, :: */
	unsigned int			 port;		/* bound */
};

enum client_state {
	CL_HEAD,		/* reading a request head */
	CL_BODY,		/* reading its body */
	CL_BUSY,		/* waiting for the gateway */
	CL_EVENTS,		/* streaming events */
	CL_DONE			/* closing */
};

struct client {
	struct http_server		*srv;
	const struct http_listener	*listener;
	struct serve_fd			*sfd;
	int				 fd;
	enum client_state		 state;
	char				*buf;	/* SHIM_HTTP_MAX_HEAD */
	size_t				 have;
	struct shim_http_request	 req;
	int				 close;	/* after this response */
	char				*body;
	size_t				 got;
	struct signal_jobs		 jobs;
	struct serve_fd			*events;	/* the subscription */
	int				 chunked;
	int				 head_sent;
};

/* ---- parsing and formatting (pure, unit-tested) ------------------- */

static int
copy_value(char *out, size_t outlen, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len >= outlen)
		return -1;
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

/* The end of the head: offset past the blank line, or 0. */
static size_t
head_end(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int
shim_http_parse_head(const char *buf, size_t len, size_t max,
    struct shim_http_request *req)
{
	const char	*p, *eol, *end, *sp1, *sp2, *colon, *q;
	size_t		 n, llen;
	int		 have_host = 0;
	unsigned long long cl;
	char		 num[32], *nend;

	memset(req, 0, sizeof(*req));
	if ((req->head_len = head_end(buf, len)) == 0)
		return len >= max ? SHIM_HTTP_TOO_LARGE : SHIM_HTTP_NEED_MORE;
	if (req->head_len > max)
		return SHIM_HTTP_TOO_LARGE;
	end = buf + req->head_len;
	if (memchr(buf, '\0', req->head_len) != NULL)
		return SHIM_HTTP_BAD;

	/* Request line: METHOD SP origin-form SP HTTP/1.x */
	eol = memchr(buf, '\n', req->head_len);
	llen = (size_t)(eol - buf);
	if (llen > 0 && buf[llen - 1] == '\r')
		llen--;
	if ((sp1 = memchr(buf, ' ', llen)) == NULL || sp1 == buf ||
	    (size_t)(sp1 - buf) >= sizeof(req->method))
		return SHIM_HTTP_BAD;
	for (p = buf; p < sp1; p++)
		if (!isupper((unsigned char)*p))
			return SHIM_HTTP_BAD;
	memcpy(req->method, buf, (size_t)(sp1 - buf));
	if ((sp2 = memchr(sp1 + 1, ' ', llen - (size_t)(sp1 + 1 - buf))) ==
	    NULL || sp2[1] == ' ')
		return SHIM_HTTP_BAD;
	if (sp1[1] != '/')
		return SHIM_HTTP_BAD;
	n = (size_t)(buf + llen - (sp2 + 1));
	if (n != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return n >= 5 && strncmp(sp2 + 1, "HTTP/", 5) == 0 ?
		    SHIM_HTTP_VERSION : SHIM_HTTP_BAD;
	if (sp2[8] == '0')
		req->http10 = 1;
	else if (sp2[8] != '1')
		return SHIM_HTTP_VERSION;
	for (p = sp1 + 1; p < sp2; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return SHIM_HTTP_BAD;
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - (sp1 + 1)));
	if (q == NULL)
		q = sp2;
	if ((size_t)(q - (sp1 + 1)) >= sizeof(req->path))
		return SHIM_HTTP_TOO_LARGE;
	memcpy(req->path, sp1 + 1, (size_t)(q - (sp1 + 1)));
	if (q < sp2) {
		if ((size_t)(sp2 - q - 1) >= sizeof(req->query))
			return SHIM_HTTP_TOO_LARGE;
		memcpy(req->query, q + 1, (size_t)(sp2 - q - 1));
	}

	/* Header fields. */
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		llen = (size_t)(eol - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			break;
		if (*p == ' ' || *p == '\t')
			return SHIM_HTTP_BAD;	/* obsolete line folding */
		if ((colon = memchr(p, ':', llen)) == NULL || colon == p)
			return SHIM_HTTP_BAD;
		for (q = p; q < colon; q++)
			if ((unsigned char)*q <= ' ' ||
			    (unsigned char)*q >= 0x7f)
				return SHIM_HTTP_BAD;
		n = (size_t)(colon - p);
#define IS(name) (n == sizeof(name) - 1 && strncasecmp(p, name, n) == 0)
#define VALUE(field) copy_value(req->field, sizeof(req->field), colon + 1, \
    llen - n - 1)
		if (IS("Host")) {
			if (have_host++ || VALUE(host) == -1)
				return SHIM_HTTP_BAD;
		} else if (IS("Content-Type")) {
			if (req->content_type[0] == '\0' &&
			    VALUE(content_type) == -1)
				return SHIM_HTTP_TOO_LARGE;
		} else if (IS("Connection")) {
			if (VALUE(connection) == -1)
				return SHIM_HTTP_BAD;
		} else if (IS("Transfer-Encoding")) {
			req->has_transfer_encoding = 1;
		} else if (IS("Expect")) {
			if (copy_value(num, sizeof(num), colon + 1,
			    llen - n - 1) == 0 &&
			    strcasecmp(num, "100-continue") == 0)
				req->expect_continue = 1;
		} else if (IS("Content-Length")) {
			if (copy_value(num, sizeof(num), colon + 1,
			    llen - n - 1) == -1 || num[0] == '\0')
				return SHIM_HTTP_BAD;
			for (q = num; *q != '\0'; q++)
				if (!isdigit((unsigned char)*q))
					return SHIM_HTTP_BAD;
			errno = 0;
			cl = strtoull(num, &nend, 10);
			if (errno != 0 || cl > SIZE_MAX / 2)
				return SHIM_HTTP_TOO_LARGE;
			if (req->has_content_length &&
			    req->content_length != (size_t)cl)
				return SHIM_HTTP_BAD;
			req->has_content_length = 1;
			req->content_length = (size_t)cl;
		}
#undef IS
#undef VALUE
	}
	if (!req->http10 && !have_host)
		return SHIM_HTTP_BAD;
	if (req->has_transfer_encoding && req->has_content_length)
		return SHIM_HTTP_BAD;
	return SHIM_HTTP_COMPLETE;
}

/*
 * HttpServerHandler.isHostAllowed (AsamK/signal-cli v0.14.6,
 * src/main/java/org/asamk/signal/http/HttpServerHandler.java), the
 * wildcard case aside (the caller's): "[v6]" and an optional ":port"
 * after it, anything else after "]" ignored; otherwise the text after
 * the last ':' is a port when it is all digits (even none).  The host
 * part, lower-cased, must be localhost, 127.0.0.1, ::1 or the bind host
 * as given (InetSocketAddress.getHostString: "[fd00::1]" keeps its
 * brackets, so such a bind host never matches); a port must parse as a
 * Java int and equal the bound port.
 */
int
shim_http_host_allowed(const char *host, const char *bind_host,
    unsigned int port)
{
	char		 name[256];
	const char	*rb, *colon, *portpart = NULL, *p;
	size_t		 len, i;
	long long	 n;
	int		 neg = 0;

	if (host == NULL || *host == '\0')
		return 0;
	if (host[0] == '[') {
		if ((rb = strchr(host, ']')) == NULL)
			return 0;
		len = (size_t)(rb - host - 1);
		host++;
		if (rb[1] == ':')
			portpart = rb + 2;
	} else {
		len = strlen(host);
		if ((colon = strrchr(host, ':')) != NULL &&
		    strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
			len = (size_t)(colon - host);
			portpart = colon + 1;
		}
	}
	if (len >= sizeof(name))
		return 0;
	for (i = 0; i < len; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	name[len] = '\0';
	if (strcmp(name, "localhost") != 0 && strcmp(name, "127.0.0.1") != 0 &&
	    strcmp(name, "::1") != 0 && (bind_host == NULL ||
	    *bind_host == '\0' || strcasecmp(name, bind_host) != 0))
		return 0;
	if (portpart == NULL)
		return 1;
	/* Integer.parseInt: an optional sign, then 1 to 10 digits. */
	p = portpart;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
		return 0;
	for (n = 0; *p != '\0'; p++) {
		n = n * 10 + (*p - '0');
		if (n > 2147483648LL)
			return 0;
	}
	if (neg)
		n = -n;
	if (n > 2147483647LL)
		return 0;
	return n == (long long)port;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
shim_http_query_get(const char *query, const char *name, char *out,
    size_t outlen)
{
	const char	*p, *amp, *eq;
	size_t		 nlen = strlen(name), o;
	int		 h, l;

	for (p = query; *p != '\0'; p = *amp == '\0' ? amp : amp + 1) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || (size_t)(eq - p) != nlen ||
		    strncmp(p, name, nlen) != 0)
			continue;
		/* URLDecoder.decode: %XX and '+' as a space. */
		for (o = 0, p = eq + 1; p < amp; p++) {
			if (o + 1 >= outlen)
				return -1;
			if (*p == '+')
				out[o++] = ' ';
			else if (*p == '%') {
				if (amp - p < 3)
					return -1;
				if ((h = hexval(p[1])) == -1 ||
				    (l = hexval(p[2])) == -1)
					return -1;
				out[o++] = (char)(h * 16 + l);
				p += 2;
			} else
				out[o++] = *p;
		}
		out[o] = '\0';
		return 0;
	}
	return -1;
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Request Entity Too Large";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

int
shim_http_format_head(char *out, size_t outlen, int status,
    const char *content_type, long long content_length, int close)
{
	char		 date[64], ctype[300], length[64];
	struct tm	 tm;
	time_t		 now;
	int		 n;

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm) ==
	    0)
		return -1;
	ctype[0] = '\0';
	if (content_type != NULL)
		(void)snprintf(ctype, sizeof(ctype), "Content-type: %s\r\n",
		    content_type);
	if (content_length >= 0)
		(void)snprintf(length, sizeof(length),
		    "Content-length: %lld\r\n", content_length);
	else if (content_length == -1)
		(void)snprintf(length, sizeof(length),
		    "Transfer-encoding: chunked\r\n");
	else
		length[0] = '\0';	/* -2: until the connection closes */
	n = snprintf(out, outlen, "HTTP/1.1 %d %s\r\nDate: %s\r\n%s%s%s\r\n",
	    status, status_text(status), date, ctype, length,
	    close ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}

char *
shim_sse_event(const char *event, json_t *data)
{
	char	*json, *out;
	size_t	 len;

	if ((json = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY)) == NULL)
		return NULL;
	len = strlen(event) + strlen(json) + 16;
	if ((out = malloc(len)) != NULL)
		(void)snprintf(out, len, "event:%s\ndata:%s\n\n", event, json);
	free(json);
	return out;
}

/* ---- one client ---------------------------------------------------- */

static void	 client_process(struct client *);

/* Queue bytes for the client: 0, or -1 when it was dropped. */
static int
client_write(struct client *cl, const void *buf, size_t len)
{
	return serve_write(cl->sfd, buf, len);
}

/* Head and body queued together: no small segment waits on an ACK. */
static int
respond(struct client *cl, int status, const char *ctype, const char *body,
    size_t len, int close)
{
	char	head[512];
	int	n;

	if ((n = shim_http_format_head(head, sizeof(head), status, ctype,
	    (long long)len, close)) == -1)
		return -1;
	if (client_write(cl, head, (size_t)n) == -1 ||
	    (len > 0 && client_write(cl, body, len) == -1))
		return -1;
	return 0;
}

/* One chunk of a chunked body (or the raw bytes for HTTP/1.0). */
static int
write_chunk(struct client *cl, const char *data, size_t len)
{
	char	size[32];
	int	n;

	if (!cl->chunked)
		return client_write(cl, data, len);
	n = snprintf(size, sizeof(size), "%zx\r\n", len);
	if (client_write(cl, size, (size_t)n) == -1 ||
	    client_write(cl, data, len) == -1 ||
	    client_write(cl, "\r\n", 2) == -1)
		return -1;
	return 0;
}

/* Close once what is queued is written. */
static void
client_end(struct client *cl)
{
	cl->state = CL_DONE;
	serve_finish(cl->sfd);
}

/* A response is out: the next request, or the end. */
static void
request_done(struct client *cl, int rc)
{
	free(cl->body);
	cl->body = NULL;
	cl->got = 0;
	if (rc != 0 || cl->close) {
		client_end(cl);
		return;
	}
	/* Each request's whole head within SHIM_HTTP_IDLE_MS. */
	cl->state = CL_HEAD;
	serve_set_deadline(cl->sfd, util_mono_ms() + SHIM_HTTP_IDLE_MS);
	serve_pause(cl->sfd, 0);
	/* A pipelined request may be buffered already. */
	serve_again(cl->sfd);
}

/* The answer of a POST /api/v1/rpc. */
static void
rpc_answered(json_t *answer, void *arg)
{
	struct client	*cl = arg;
	char		*text;
	int		 rc;

	if (cl->state != CL_BUSY)
		return;
	if (answer == NULL)
		rc = respond(cl, 201, NULL, NULL, 0, cl->close);
	else if ((text = json_dumps(answer, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL) {
		(void)respond(cl, 500, NULL, NULL, 0, 1);
		rc = -1;
	} else {
		rc = respond(cl, 200, "application/json", text, strlen(text),
		    cl->close);
		free(text);
	}
	request_done(cl, rc);
}

/* The end of an event stream: the last chunk, then close. */
static void
events_end(struct client *cl)
{
	if (cl->events != NULL)
		serve_close(cl->events);
	cl->events = NULL;
	if (cl->chunked && cl->head_sent)
		(void)client_write(cl, "0\r\n\r\n", 5);
	client_end(cl);
}

/* The event stream's head: sent once the subscription is answered. */
static int
events_head(struct client *cl)
{
	char	head[512];
	int	n;

	if ((n = shim_http_format_head(head, sizeof(head), 200,
	    "text/event-stream", cl->chunked ? -1 : -2, !cl->chunked)) == -1 ||
	    client_write(cl, head, (size_t)n) == -1)
		return -1;
	cl->head_sent = 1;
	return 0;
}

/*
 * A line of the subscription: first the answer to inbox.subscribe, then
 * one event per inbox message.
 */
static void
events_line(struct serve_fd *call, int rc, char *line, size_t len,
    const char *why, void *arg)
{
	struct client		*cl = arg;
	struct shim_reply	 reply;
	json_t			*msg, *v;
	char			 err[SHIM_ERR_MAX], *ev;

	if (cl->events != call || cl->state == CL_DONE)
		return;
	if (rc != SHIM_OK) {
		(void)fprintf(cl->srv->log, "events: %s\n", why);
		cl->events = NULL;
		if (!cl->head_sent)
			(void)events_head(cl);
		events_end(cl);
		return;
	}
	if (cl->state != CL_EVENTS) {
		/* Nothing but the answer comes first. */
		if ((msg = json_loadb(line, len, 0, NULL)) == NULL ||
		    json_object_get(msg, "id") == NULL) {
			json_decref(msg);
			(void)fprintf(cl->srv->log, "events: unexpected line "
			    "before the subscription's answer\n");
			(void)events_head(cl);
			events_end(cl);
			return;
		}
		json_decref(msg);
		if (shim_decode_answer(line, len, &reply, err, sizeof(err)) !=
		    SHIM_OK) {
			(void)fprintf(cl->srv->log, "events: %s\n", err);
			(void)events_head(cl);
			events_end(cl);
			return;
		}
		if (reply.is_error) {
			shim_error_text(reply.code, reply.message, reply.data,
			    err, sizeof(err));
			shim_reply_free(&reply);
			(void)fprintf(cl->srv->log, "events: %s\n", err);
			(void)events_head(cl);
			events_end(cl);
			return;
		}
		shim_reply_free(&reply);
		serve_set_deadline(call, 0);
		if (events_head(cl) == -1)
			return;
		cl->state = CL_EVENTS;
		/* Read again: only to notice the client going away. */
		serve_pause(cl->sfd, 0);
		serve_set_deadline(cl->sfd, util_mono_ms() +
		    SHIM_SSE_KEEPALIVE_MS);
		return;
	}
	serve_set_deadline(cl->sfd, util_mono_ms() + SHIM_SSE_KEEPALIVE_MS);
	if ((msg = json_loadb(line, len, 0, NULL)) == NULL) {
		events_end(cl);
		return;
	}
	v = json_object_get(msg, "method");
	if (!json_is_string(v) ||
	    strcmp(json_string_value(v), "inbox.message") != 0) {
		json_decref(msg);
		return;
	}
	v = json_object_get(json_object_get(msg, "params"), "message");
	ev = json_is_object(v) ? shim_sse_event("receive", v) : NULL;
	json_decref(msg);
	if (ev == NULL)
		return;
	(void)write_chunk(cl, ev, strlen(ev));
	free(ev);
}

static const struct serve_cb events_cb = {
	.line = events_line
};

/*
 * Subscribe before the headers go out (within the gateway deadline): a
 * client that has seen them gets every message published after that.
 * If the subscription fails the headers still go out and the stream
 * ends at once, as a dropped stream does; the client reconnects.
 */
static void
events_subscribe(struct client *cl)
{
	json_t	*params;
	char	 why[SHIM_ERR_MAX];

	cl->state = CL_BUSY;
	serve_pause(cl->sfd, 1);
	serve_set_deadline(cl->sfd, 0);
	params = json_pack("{s:[s]}", "channels", "signal");
	cl->events = serve_call(cl->srv->loop, cl->sfd,
	    cl->srv->ctx->socket_path, cl->srv->ctx->timeout_ms,
	    "inbox.subscribe", params, NULL, 0, &events_cb, cl, why,
	    sizeof(why));
	json_decref(params);
	if (cl->events == NULL) {
		(void)fprintf(cl->srv->log, "events: %s\n", why);
		(void)events_head(cl);
		events_end(cl);
	}
}

/* Multi-account mode: the account asked for must exist. */
static void
events_account_checked(json_t *answer, void *arg)
{
	struct client	*cl = arg;
	char		 account[256];
	json_t		*v;

	if (cl->state != CL_BUSY)
		return;
	v = json_object_get(json_array_get(json_object_get(answer, "result"),
	    0), "number");
	if (shim_http_query_get(cl->req.query, "account", account,
	    sizeof(account)) != 0 || !json_is_string(v) ||
	    strcmp(json_string_value(v), account) != 0) {
		(void)respond(cl, 400, NULL, NULL, 0, 1);
		client_end(cl);
		return;
	}
	events_subscribe(cl);
}

/*
 * GET /api/v1/events: headers at once, then one event per inbox message
 * and a keepalive comment every SHIM_SSE_KEEPALIVE_MS, until the client
 * goes away or the gateway connection ends.
 */
static void
serve_events(struct client *cl)
{
	static const char list[] =
	    "{\"jsonrpc\":\"2.0\",\"method\":\"listAccounts\",\"id\":1}";
	char	account[256];

	cl->chunked = !cl->req.http10;
	if (cl->srv->ctx->account == NULL && shim_http_query_get(
	    cl->req.query, "account", account, sizeof(account)) == 0 &&
	    account[0] != '\0') {
		cl->state = CL_BUSY;
		serve_pause(cl->sfd, 1);
		serve_set_deadline(cl->sfd, 0);
		signal_job_start(&cl->jobs, list, sizeof(list) - 1,
		    events_account_checked, cl);
		return;
	}
	events_subscribe(cl);
}

/* The request and its body are complete: answer it. */
static void
dispatch(struct client *cl)
{
	struct shim_http_request	*req = &cl->req;
	int				 rc;

	if (strcmp(req->path, "/api/v1/rpc") == 0) {
		if (strcmp(req->method, "POST") != 0)
			rc = respond(cl, 405, NULL, NULL, 0, cl->close);
		else if (strncmp(req->content_type, "application/json",
		    16) != 0)
			rc = respond(cl, 415, NULL, NULL, 0, cl->close);
		else {
			cl->state = CL_BUSY;
			serve_pause(cl->sfd, 1);
			serve_set_deadline(cl->sfd, 0);
			signal_job_start(&cl->jobs, cl->body != NULL ?
			    cl->body : "", cl->got, rpc_answered, cl);
			return;
		}
	} else if (strcmp(req->path, "/api/v1/events") == 0) {
		if (strcmp(req->method, "GET") != 0)
			rc = respond(cl, 405, NULL, NULL, 0, cl->close);
		else {
			serve_events(cl);
			return;
		}
	} else if (strcmp(req->path, "/api/v1/check") == 0) {
		rc = respond(cl, strcmp(req->method, "GET") == 0 ? 200 :
		    405, NULL, NULL, 0, cl->close);
	} else
		rc = respond(cl, 404, NULL, NULL, 0, cl->close);
	request_done(cl, rc);
}

/* A head is parsed: check it and take what of the body is buffered. */
static void
begin_request(struct client *cl)
{
	struct shim_http_request	*req = &cl->req;

	cl->close = req->http10 ?
	    strcasecmp(req->connection, "keep-alive") != 0 :
	    strcasecmp(req->connection, "close") == 0;
	/*
	 * As signal-cli's HttpServerHandler: /api/v1/rpc and /api/v1/events
	 * (by prefix, as Java's HttpServer picks a context) check Host,
	 * except on a wildcard bind, where nothing is checked; /api/v1/check
	 * never does.  Without a Host (HTTP/1.0) the check fails.
	 */
	if ((strncmp(req->path, "/api/v1/rpc", 11) == 0 ||
	    strncmp(req->path, "/api/v1/events", 14) == 0) &&
	    !cl->listener->wildcard &&
	    !shim_http_host_allowed(req->host, cl->srv->bind_host,
	    cl->listener->port)) {
		(void)respond(cl, 421, NULL, NULL, 0, 1);
		client_end(cl);
		return;
	}
	if (req->has_transfer_encoding) {
		(void)respond(cl, 411, NULL, NULL, 0, 1);
		client_end(cl);
		return;
	}
	if (req->has_content_length && req->content_length >
	    SHIM_HTTP_MAX_BODY) {
		(void)respond(cl, 413, NULL, NULL, 0, 1);
		client_end(cl);
		return;
	}
	if (req->content_length > 0 &&
	    (cl->body = malloc(req->content_length)) == NULL) {
		(void)respond(cl, 500, NULL, NULL, 0, 1);
		client_end(cl);
		return;
	}
	cl->got = cl->have - req->head_len;
	if (cl->got > req->content_length)
		cl->got = req->content_length;
	if (cl->got < req->content_length && req->expect_continue &&
	    !req->http10 && client_write(cl, "HTTP/1.1 100 Continue\r\n\r\n",
	    25) == -1) {
		client_end(cl);
		return;
	}
	if (cl->got > 0)
		memcpy(cl->body, cl->buf + req->head_len, cl->got);
	memmove(cl->buf, cl->buf + req->head_len + cl->got,
	    cl->have - req->head_len - cl->got);
	cl->have -= req->head_len + cl->got;
	if (cl->got < req->content_length) {
		/* The whole body within SHIM_HTTP_IDLE_MS. */
		cl->state = CL_BODY;
		serve_set_deadline(cl->sfd, util_mono_ms() +
		    SHIM_HTTP_IDLE_MS);
		return;
	}
	dispatch(cl);
}

/* Act on what is buffered, as far as it goes. */
static void
client_process(struct client *cl)
{
	int	r, status;

	while (!serve_closing(cl->sfd)) {
		if (cl->state == CL_BODY) {
			if (cl->got < cl->req.content_length)
				return;
			dispatch(cl);
			continue;
		}
		if (cl->state != CL_HEAD)
			return;
		r = shim_http_parse_head(cl->buf, cl->have,
		    SHIM_HTTP_MAX_HEAD, &cl->req);
		if (r == SHIM_HTTP_NEED_MORE)
			return;
		if (r != SHIM_HTTP_COMPLETE) {
			status = r == SHIM_HTTP_TOO_LARGE ? 431 :
			    r == SHIM_HTTP_VERSION ? 505 : 400;
			(void)respond(cl, status, NULL, NULL, 0, 1);
			client_end(cl);
			return;
		}
		begin_request(cl);
	}
}

static void
client_read(struct serve_fd *sfd, void *arg)
{
	struct client	*cl = arg;
	char		 discard[4096];
	ssize_t		 n;

	switch (cl->state) {
	case CL_HEAD:
		n = recv(cl->fd, cl->buf + cl->have, SHIM_HTTP_MAX_HEAD -
		    cl->have, MSG_DONTWAIT);
		break;
	case CL_BODY:
		n = recv(cl->fd, cl->body + cl->got, cl->req.content_length -
		    cl->got, MSG_DONTWAIT);
		break;
	case CL_EVENTS:
		/* Bytes after the request are ignored; an end is not. */
		n = recv(cl->fd, discard, sizeof(discard), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != EINTR))
			serve_close(sfd);
		return;
	default:
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		n = -2;		/* nothing new: look at what is buffered */
	if (n == 0 || n == -1) {
		serve_close(sfd);
		return;
	}
	if (n > 0 && cl->state == CL_HEAD)
		cl->have += (size_t)n;
	else if (n > 0)
		cl->got += (size_t)n;
	client_process(cl);
}

/* A deadline passed: a keepalive for a stream, else the end. */
static void
client_expire(struct serve_fd *sfd, void *arg)
{
	struct client	*cl = arg;

	if (cl->state == CL_EVENTS) {
		if (write_chunk(cl, ":\n", 2) == 0)
			serve_set_deadline(sfd, util_mono_ms() +
			    SHIM_SSE_KEEPALIVE_MS);
		return;
	}
	serve_close(sfd);
}

static void
client_closed(struct serve_fd *sfd, void *arg)
{
	struct client	*cl = arg;

	(void)sfd;
	signal_jobs_clear(&cl->jobs);
	(void)close(cl->fd);
	free(cl->buf);
	free(cl->body);
	free(cl);
}

static const struct serve_cb client_cb = {
	.read = client_read,
	.expire = client_expire,
	.closed = client_closed
};

/* A connection on a listening socket: a client, or 503 when full. */
static void
accept_client(struct serve_fd *lfd, void *arg)
{
	struct http_listener	*lst = arg;
	struct http_server	*srv = lst->srv;
	struct client		*cl;
	int			 fd, on = 1;
	static const char	 busy_reply[] =
	    "HTTP/1.1 503 Service Unavailable\r\nContent-length: 0\r\n"
	    "Connection: close\r\n\r\n";

	if ((fd = accept(serve_in_fd(lfd), NULL, NULL)) == -1)
		return;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* Events are small writes that must go out at once. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	cl = NULL;
	if (serve_clients(srv->loop) < SHIM_HTTP_MAX_CLIENTS &&
	    (cl = calloc(1, sizeof(*cl))) != NULL &&
	    (cl->buf = malloc(SHIM_HTTP_MAX_HEAD)) != NULL &&
	    (cl->sfd = serve_client(srv->loop, fd, fd, HTTP_MAX_OUT,
	    SHIM_HTTP_IDLE_MS, &client_cb, cl)) != NULL) {
		cl->srv = srv;
		cl->listener = lst;
		cl->fd = fd;
		cl->state = CL_HEAD;
		signal_jobs_init(&cl->jobs, srv->loop, cl->sfd, srv->ctx);
		/* Its whole first head within SHIM_HTTP_IDLE_MS. */
		serve_set_deadline(cl->sfd, util_mono_ms() +
		    SHIM_HTTP_IDLE_MS);
		return;
	}
	if (cl != NULL)
		free(cl->buf);
	free(cl);
	(void)send(fd, busy_reply, sizeof(busy_reply) - 1,
	    MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)close(fd);
}

/* SIGTERM, SIGINT or SIGHUP: stop serving. */
static void
stop_serving(struct serve_fd *sfd, void *arg)
{
	struct http_server	*srv = arg;

	(void)sfd;
	serve_stop(srv->loop);
}

static const struct serve_cb listen_cb = {
	.read = accept_client
};

static const struct serve_cb signal_cb = {
	.read = stop_serving
};

/* ---- the accept loop ---------------------------------------------- */

/* Whether a bound address is the wildcard (isAnyLocalAddress). */
static int
any_address(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;

	if (ss->ss_family == AF_INET) {
		in4 = (const struct sockaddr_in *)ss;
		return in4->sin_addr.s_addr == htonl(INADDR_ANY);
	}
	if (ss->ss_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)ss;
		return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
	}
	return 0;
}

static int
listen_on(const char *host, const char *port, int *fds,
    struct http_listener *lst, size_t max, FILE *log)
{
	struct addrinfo	 hints, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t	 sslen;
	char		 addr[NI_MAXHOST], serv[NI_MAXSERV];
	size_t		 n = 0;
	int		 fd, on = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		(void)fprintf(log, "Invalid HTTP address %s:%s: %s\n", host,
		    port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1)
			continue;
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on));
		if (ai->ai_family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, 128) == -1) {
			(void)close(fd);
			continue;
		}
		sslen = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
			(void)close(fd);
			continue;
		}
		lst[n].wildcard = any_address(&ss);
		lst[n].port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
		if (getnameinfo((struct sockaddr *)&ss, sslen, addr,
		    sizeof(addr), serv, sizeof(serv),
		    NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			(void)fprintf(log, "Started HTTP server on %s/%s:%s\n",
			    host, addr, serv);
		fds[n++] = fd;
	}
	freeaddrinfo(res);
	if (n == 0) {
		(void)fprintf(log, "Failed to start HTTP server on %s:%s: "
		    "%s\n", host, port, strerror(errno));
		return -1;
	}
	(void)fflush(log);
	return (int)n;
}

int
shim_http_serve(const struct shim_signal_ctx *ctx, const char *host,
    const char *port, FILE *log)
{
	struct http_server	 srv;
	struct http_listener	 lst[MAX_LISTEN];
	char			 addr[256];
	size_t			 len;
	int			 fds[MAX_LISTEN], nfds, i, sigfd, rc = 0;

	json_object_seed(0);
	memset(lst, 0, sizeof(lst));
	/* "[v6]" is bound without its brackets, matched with them. */
	len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' &&
	    len - 2 < sizeof(addr)) {
		memcpy(addr, host + 1, len - 2);
		addr[len - 2] = '\0';
	} else if (strlcpy(addr, host, sizeof(addr)) >= sizeof(addr)) {
		(void)fprintf(log, "Invalid HTTP address %s\n", host);
		return SIGNAL_EXIT_USER;
	}
	if ((nfds = listen_on(addr, port, fds, lst, MAX_LISTEN, log)) == -1)
		return SIGNAL_EXIT_IO;
	if ((sigfd = shim_catch_signals()) == -1) {
		(void)fprintf(log, "cannot catch signals\n");
		return SIGNAL_EXIT_UNEXPECTED;
	}
	memset(&srv, 0, sizeof(srv));
	srv.ctx = ctx;
	srv.bind_host = host;
	srv.log = log;
	if ((srv.loop = serve_new(SHIM_HTTP_MAX_CLIENTS, HTTP_MAX_CALLS)) ==
	    NULL || serve_add(srv.loop, sigfd, &signal_cb, &srv) == NULL)
		rc = SIGNAL_EXIT_UNEXPECTED;
	for (i = 0; rc == 0 && i < nfds; i++) {
		lst[i].srv = &srv;
		if (serve_add(srv.loop, fds[i], &listen_cb, &lst[i]) == NULL)
			rc = SIGNAL_EXIT_UNEXPECTED;
	}
	if (rc == 0)
		(void)serve_run(srv.loop);
	serve_free(srv.loop);
	for (i = 0; i < nfds; i++)
		(void)close(fds[i]);
	return rc;
}
