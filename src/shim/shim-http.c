/*
 * `signal-cli daemon --http`: a small HTTP/1.1 server with the three
 * endpoints signal-cli's HttpServerHandler serves, bridged to the
 * gateway.  The accept loop polls the listening sockets and the signal
 * descriptor; every client gets a thread (at most SHIM_HTTP_MAX_CLIENTS,
 * as the real daemon's fixed pool) that blocks only on its own socket
 * and on its own gateway connection, so a slow send or a held event
 * stream never stalls another client.  Heads are bounded
 * (SHIM_HTTP_MAX_HEAD), bodies need a Content-Length (at most
 * SHIM_HTTP_MAX_BODY); a head, a body and a write to the client each
 * get SHIM_HTTP_IDLE_MS, after which the connection is closed.
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
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "shim.h"
#include "shim-signal.h"
#include "util.h"

#define MAX_LISTEN	8

struct client {
	const struct shim_signal_ctx	*ctx;
	const char			*bind_host;
	int				 fd;
	FILE				*log;
};

static pthread_mutex_t	 clients_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 clients;

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

int
shim_http_host_allowed(const char *host, const char *bind_host)
{
	char		 name[256], bind[256];
	const char	*colon, *rb;
	size_t		 len;

	if (host[0] == '[') {
		if ((rb = strchr(host, ']')) == NULL ||
		    (rb[1] != '\0' && rb[1] != ':'))
			return 0;
		len = (size_t)(rb - host - 1);
		host++;
	} else {
		colon = strchr(host, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return 0;
		len = colon != NULL ? (size_t)(colon - host) : strlen(host);
	}
	if (len == 0 || len >= sizeof(name))
		return 0;
	memcpy(name, host, len);
	name[len] = '\0';
	if (strcasecmp(name, "localhost") == 0 ||
	    strcmp(name, "127.0.0.1") == 0 || strcmp(name, "::1") == 0)
		return 1;
	if (bind_host == NULL || *bind_host == '\0')
		return 0;
	if (bind_host[0] == '[') {
		len = strcspn(bind_host + 1, "]");
		if (len >= sizeof(bind))
			return 0;
		memcpy(bind, bind_host + 1, len);
		bind[len] = '\0';
	} else if (strlcpy(bind, bind_host, sizeof(bind)) >= sizeof(bind))
		return 0;
	/* A wildcard bind names no host: only the loopback names pass. */
	if (strcmp(bind, "0.0.0.0") == 0 || strcmp(bind, "::") == 0)
		return 0;
	return strcasecmp(name, bind) == 0;
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

/* ---- I/O ------------------------------------------------------------ */

/*
 * Write all of buf, waiting at most timeout_ms for the client to take
 * more: 0 or -1.  The socket is blocking, so every send is
 * MSG_DONTWAIT: a client that stops reading must not hold its thread
 * in send() forever.
 */
static int
write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char	*p = buf;
	struct pollfd	 pfd;
	ssize_t		 n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, timeout_ms) <= 0)
				return -1;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read what is there, waiting until deadline (util_mono_ms): bytes, 0 on
 * EOF, -1 on error or when the deadline passes.  A deadline rather than
 * a timeout per read: a client trickling a byte at a time cannot hold
 * its thread longer than one.
 */
static ssize_t
read_some(int fd, void *buf, size_t len, uint64_t deadline)
{
	struct pollfd	pfd;
	uint64_t	now;
	ssize_t		n;
	int		r;

	for (;;) {
		if ((now = util_mono_ms()) >= deadline)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n = recv(fd, buf, len, 0);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n;
	}
}

/* Head and body in one write: no small segment waits on an ACK. */
static int
respond(int fd, int status, const char *ctype, const char *body,
    size_t len, int close)
{
	char	head[512], *msg;
	int	n, rc;

	if ((n = shim_http_format_head(head, sizeof(head), status, ctype,
	    (long long)len, close)) == -1)
		return -1;
	if (len == 0)
		return write_all(fd, head, (size_t)n, SHIM_HTTP_IDLE_MS);
	if ((msg = malloc((size_t)n + len)) == NULL)
		return -1;
	memcpy(msg, head, (size_t)n);
	memcpy(msg + n, body, len);
	rc = write_all(fd, msg, (size_t)n + len, SHIM_HTTP_IDLE_MS);
	free(msg);
	return rc;
}

/* One chunk of a chunked body (or the raw bytes for HTTP/1.0). */
static int
write_chunk(int fd, const char *data, size_t len, int chunked)
{
	char	*msg;
	int	 n, rc;

	if (!chunked)
		return write_all(fd, data, len, SHIM_HTTP_IDLE_MS);
	if ((msg = malloc(len + 32)) == NULL)
		return -1;
	n = snprintf(msg, 32, "%zx\r\n", len);
	memcpy(msg + n, data, len);
	memcpy(msg + n + len, "\r\n", 2);
	rc = write_all(fd, msg, (size_t)n + len + 2, SHIM_HTTP_IDLE_MS);
	free(msg);
	return rc;
}

/* ---- endpoints ------------------------------------------------------ */

static int
serve_rpc(struct client *cl, const char *body, size_t len, int close)
{
	json_t	*answer;
	char	*text;
	int	 rc;

	answer = shim_signal_rpc_answer_text(cl->ctx, body, len);
	if (answer == NULL)
		return respond(cl->fd, 201, NULL, NULL, 0, close);
	text = json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(answer);
	if (text == NULL)
		return respond(cl->fd, 500, NULL, NULL, 0, 1);
	rc = respond(cl->fd, 200, "application/json", text, strlen(text),
	    close);
	free(text);
	return rc;
}

/* Is the client gone (EOF or error), as opposed to sending bytes? */
static int
client_gone(int fd)
{
	char	buf[4096];
	ssize_t	n;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0)
		return 1;
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR)
		return 1;
	return 0;
}

/*
 * GET /api/v1/events: headers at once, then one event per inbox message
 * and a keepalive comment every SHIM_SSE_KEEPALIVE_MS, until the client
 * goes away or the gateway connection ends.
 */
static void
serve_events(struct client *cl, struct shim_http_request *req)
{
	struct shim_signal_error	 err;
	struct shim_conn		 conn;
	struct shim_reply		 reply;
	json_t				*params, *msg, *accounts, *v;
	char				 head[512], account[256];
	char				 why[SHIM_ERR_MAX];
	char				*line, *ev;
	size_t				 len;
	int				 n = -1, rc, subscribed = 0, chunked;
	int				 connected = 0;

	if (cl->ctx->account == NULL && shim_http_query_get(req->query,
	    "account", account, sizeof(account)) == 0 && account[0] != '\0') {
		/* Multi-account mode: the account must exist. */
		accounts = shim_signal_call(cl->ctx, "listAccounts", NULL,
		    &err);
		v = json_object_get(json_array_get(accounts, 0), "number");
		rc = json_is_string(v) &&
		    strcmp(json_string_value(v), account) == 0;
		json_decref(accounts);
		if (!rc) {
			(void)respond(cl->fd, 400, NULL, NULL, 0, 1);
			return;
		}
	}
	chunked = !req->http10;
	/*
	 * Subscribe before the headers go out (within the gateway
	 * deadline): a client that has seen them gets every message
	 * published after that.  If the subscription fails the headers
	 * still go out and the stream ends at once, as a dropped stream
	 * does; the client reconnects.
	 */
	rc = shim_connect(&conn, cl->ctx->socket_path, cl->ctx->timeout_ms,
	    SHIM_MAX_ANSWER, why, sizeof(why));
	if (rc == SHIM_OK) {
		connected = 1;
		conn.cancel_fd = cl->fd;
		params = json_pack("{s:[s]}", "channels", "signal");
		rc = shim_send_request(&conn, "inbox.subscribe", params, -1,
		    why, sizeof(why));
		json_decref(params);
	}
	while (rc == SHIM_OK && !subscribed) {
		rc = shim_read_line(&conn, &line, &len, why, sizeof(why));
		if (rc != SHIM_OK)
			break;
		if ((msg = json_loadb(line, len, 0, NULL)) == NULL ||
		    json_object_get(msg, "id") == NULL) {
			/* Nothing but the answer comes first. */
			json_decref(msg);
			(void)snprintf(why, sizeof(why), "unexpected line "
			    "before the subscription's answer");
			rc = SHIM_E_PROTOCOL;
			break;
		}
		json_decref(msg);
		if ((rc = shim_decode_answer(line, len, &reply, why,
		    sizeof(why))) != SHIM_OK)
			break;
		if (reply.is_error) {
			shim_error_text(reply.code, reply.message, reply.data,
			    why, sizeof(why));
			rc = SHIM_E_PROTOCOL;
		} else
			subscribed = 1;
		shim_reply_free(&reply);
	}
	if (rc != SHIM_OK)
		(void)fprintf(cl->log, "events: %s\n", why);
	if ((n = shim_http_format_head(head, sizeof(head), 200,
	    "text/event-stream", chunked ? -1 : -2, !chunked)) == -1 ||
	    write_all(cl->fd, head, (size_t)n, SHIM_HTTP_IDLE_MS) == -1 ||
	    !subscribed)
		goto close;
	for (;;) {
		conn.deadline = util_mono_ms() + SHIM_SSE_KEEPALIVE_MS;
		rc = shim_read_line(&conn, &line, &len, why, sizeof(why));
		if (rc == SHIM_E_TIMEOUT) {
			if (write_chunk(cl->fd, ":\n", 2, chunked) == -1)
				break;
			continue;
		}
		if (rc == SHIM_E_CANCELLED) {
			if (client_gone(cl->fd))
				break;
			continue;
		}
		if (rc != SHIM_OK) {
			(void)fprintf(cl->log, "events: %s\n", why);
			break;
		}
		if ((msg = json_loadb(line, len, 0, NULL)) == NULL)
			break;
		v = json_object_get(msg, "method");
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), "inbox.message") != 0) {
			json_decref(msg);
			continue;
		}
		v = json_object_get(json_object_get(msg, "params"), "message");
		ev = json_is_object(v) ? shim_sse_event("receive", v) : NULL;
		json_decref(msg);
		if (ev == NULL)
			continue;
		rc = write_chunk(cl->fd, ev, strlen(ev), chunked);
		free(ev);
		if (rc == -1)
			break;
	}
close:
	if (connected)
		shim_close(&conn);
	if (chunked && n != -1)
		(void)write_all(cl->fd, "0\r\n\r\n", 5, SHIM_HTTP_IDLE_MS);
}

/*
 * One request whose head is parsed; the body, if any, is read here.
 * Returns 1 to keep the connection, 0 to close it.
 */
static int
serve_request(struct client *cl, struct shim_http_request *req,
    char *buf, size_t *have)
{
	char		*body = NULL;
	size_t		 got;
	ssize_t		 n;
	uint64_t	 deadline;
	int		 close, rc;

	close = req->http10 ? strcasecmp(req->connection, "keep-alive") != 0 :
	    strcasecmp(req->connection, "close") == 0;
	/* HTTP/1.1 always names a Host (the parser saw to it); 1.0 may. */
	if ((!req->http10 || req->host[0] != '\0') &&
	    !shim_http_host_allowed(req->host, cl->bind_host)) {
		(void)respond(cl->fd, 421, NULL, NULL, 0, 1);
		return 0;
	}
	if (req->has_transfer_encoding) {
		(void)respond(cl->fd, 411, NULL, NULL, 0, 1);
		return 0;
	}
	if (req->has_content_length && req->content_length >
	    SHIM_HTTP_MAX_BODY) {
		(void)respond(cl->fd, 413, NULL, NULL, 0, 1);
		return 0;
	}
	/* The body: what is buffered after the head, then the socket. */
	if (req->content_length > 0 &&
	    (body = malloc(req->content_length)) == NULL) {
		(void)respond(cl->fd, 500, NULL, NULL, 0, 1);
		return 0;
	}
	got = *have - req->head_len;
	if (got > req->content_length)
		got = req->content_length;
	if (got < req->content_length && req->expect_continue &&
	    !req->http10 && write_all(cl->fd, "HTTP/1.1 100 Continue\r\n\r\n",
	    25, SHIM_HTTP_IDLE_MS) == -1) {
		free(body);
		return 0;
	}
	if (got > 0)
		memcpy(body, buf + req->head_len, got);
	memmove(buf, buf + req->head_len + got, *have - req->head_len - got);
	*have -= req->head_len + got;
	/* The whole body within SHIM_HTTP_IDLE_MS. */
	deadline = util_mono_ms() + SHIM_HTTP_IDLE_MS;
	while (got < req->content_length) {
		n = read_some(cl->fd, body + got, req->content_length - got,
		    deadline);
		if (n <= 0) {
			free(body);
			return 0;
		}
		got += (size_t)n;
	}

	if (strcmp(req->path, "/api/v1/rpc") == 0) {
		if (strcmp(req->method, "POST") != 0)
			rc = respond(cl->fd, 405, NULL, NULL, 0, close);
		else if (strncmp(req->content_type, "application/json",
		    16) != 0)
			rc = respond(cl->fd, 415, NULL, NULL, 0, close);
		else
			rc = serve_rpc(cl, body != NULL ? body : "", got,
			    close);
	} else if (strcmp(req->path, "/api/v1/events") == 0) {
		if (strcmp(req->method, "GET") != 0)
			rc = respond(cl->fd, 405, NULL, NULL, 0, close);
		else {
			serve_events(cl, req);
			rc = -1;
		}
	} else if (strcmp(req->path, "/api/v1/check") == 0) {
		rc = respond(cl->fd, strcmp(req->method, "GET") == 0 ? 200 :
		    405, NULL, NULL, 0, close);
	} else
		rc = respond(cl->fd, 404, NULL, NULL, 0, close);
	free(body);
	return rc == 0 && !close;
}

static void *
client_main(void *arg)
{
	struct client			*cl = arg;
	struct shim_http_request	 req;
	char				*buf;
	size_t				 have = 0;
	ssize_t				 n;
	uint64_t			 deadline;
	int				 r, status;

	if ((buf = malloc(SHIM_HTTP_MAX_HEAD)) == NULL)
		goto out;
	/* Each request's whole head within SHIM_HTTP_IDLE_MS. */
	deadline = util_mono_ms() + SHIM_HTTP_IDLE_MS;
	for (;;) {
		r = shim_http_parse_head(buf, have, SHIM_HTTP_MAX_HEAD, &req);
		if (r == SHIM_HTTP_NEED_MORE) {
			n = read_some(cl->fd, buf + have,
			    SHIM_HTTP_MAX_HEAD - have, deadline);
			if (n <= 0)
				break;
			have += (size_t)n;
			continue;
		}
		if (r != SHIM_HTTP_COMPLETE) {
			status = r == SHIM_HTTP_TOO_LARGE ? 431 :
			    r == SHIM_HTTP_VERSION ? 505 : 400;
			(void)respond(cl->fd, status, NULL, NULL, 0, 1);
			break;
		}
		if (!serve_request(cl, &req, buf, &have))
			break;
		deadline = util_mono_ms() + SHIM_HTTP_IDLE_MS;
	}
out:
	free(buf);
	(void)close(cl->fd);
	free(cl);
	(void)pthread_mutex_lock(&clients_lock);
	clients--;
	(void)pthread_mutex_unlock(&clients_lock);
	return NULL;
}

/* ---- the accept loop ---------------------------------------------- */

static int
listen_on(const char *host, const char *port, int *fds, size_t max,
    FILE *log)
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
		if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0 &&
		    getnameinfo((struct sockaddr *)&ss, sslen, addr,
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
	struct pollfd	 pfd[MAX_LISTEN + 1];
	struct client	*cl;
	pthread_attr_t	 attr;
	pthread_t	 tid;
	int		 fds[MAX_LISTEN], nfds, i, sigfd, fd, busy, on = 1;
	static const char busy_reply[] =
	    "HTTP/1.1 503 Service Unavailable\r\nContent-length: 0\r\n"
	    "Connection: close\r\n\r\n";

	json_object_seed(0);
	if ((nfds = listen_on(host, port, fds, MAX_LISTEN, log)) == -1)
		return SIGNAL_EXIT_IO;
	if ((sigfd = shim_catch_signals()) == -1) {
		(void)fprintf(log, "cannot catch signals\n");
		return SIGNAL_EXIT_UNEXPECTED;
	}
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0)
		return SIGNAL_EXIT_UNEXPECTED;
	for (;;) {
		for (i = 0; i < nfds; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		pfd[nfds].fd = sigfd;
		pfd[nfds].events = POLLIN;
		if (poll(pfd, (nfds_t)nfds + 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[nfds].revents != 0)
			break;
		for (i = 0; i < nfds; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			fd = accept(fds[i], NULL, NULL);
			if (fd == -1)
				continue;
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
			/* Events are small writes that must go out at once. */
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			    sizeof(on));
			(void)pthread_mutex_lock(&clients_lock);
			busy = clients >= SHIM_HTTP_MAX_CLIENTS;
			if (!busy)
				clients++;
			(void)pthread_mutex_unlock(&clients_lock);
			if (busy ||
			    (cl = calloc(1, sizeof(*cl))) == NULL) {
				(void)send(fd, busy_reply,
				    sizeof(busy_reply) - 1,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
				(void)close(fd);
				if (!busy) {
					(void)pthread_mutex_lock(
					    &clients_lock);
					clients--;
					(void)pthread_mutex_unlock(
					    &clients_lock);
				}
				continue;
			}
			cl->ctx = ctx;
			cl->bind_host = host;
			cl->fd = fd;
			cl->log = log;
			if (pthread_create(&tid, &attr, client_main, cl) !=
			    0) {
				(void)close(fd);
				free(cl);
				(void)pthread_mutex_lock(&clients_lock);
				clients--;
				(void)pthread_mutex_unlock(&clients_lock);
			}
		}
	}
	for (i = 0; i < nfds; i++)
		(void)close(fds[i]);
	(void)pthread_attr_destroy(&attr);
	return 0;
}
