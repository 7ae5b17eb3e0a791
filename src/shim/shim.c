/*
 * The gateway client every shim shares: JSON-RPC requests and answers
 * on the common line client (jsonl-client.c: connect, send with
 * descriptors passed by SCM_RIGHTS, bounded answer lines before a
 * deadline or, for a stream, until a signal says stop), and gateway
 * errors turned into a line a user can read.  Nothing here knows about
 * a particular tool.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "protocol.h"
#include "shim.h"
#include "util.h"

/* The shims' codes are the client's: they are returned unchanged. */
_Static_assert(SHIM_OK == JSONL_OK &&
    SHIM_E_UNAVAILABLE == JSONL_E_UNAVAILABLE && SHIM_E_IO == JSONL_E_IO &&
    SHIM_E_TIMEOUT == JSONL_E_TIMEOUT && SHIM_E_TOOLONG == JSONL_E_TOOLONG &&
    SHIM_E_CLOSED == JSONL_E_CLOSED && SHIM_E_PROTOCOL == JSONL_E_PROTOCOL &&
    SHIM_E_INTERNAL == JSONL_E_INTERNAL &&
    SHIM_E_CANCELLED == JSONL_E_CANCELLED, "SHIM_E_* differ from JSONL_E_*");
_Static_assert(SHIM_MAX_FDS <= JSONL_MAX_FDS, "SHIM_MAX_FDS too large");

static const int	 caught_signals[] = { SIGTERM, SIGINT, SIGHUP };
#define NCAUGHT	(sizeof(caught_signals) / sizeof(caught_signals[0]))

static volatile sig_atomic_t	 signal_caught;
static int			 signal_pipe[2] = { -1, -1 };
static struct sigaction		 signal_saved[NCAUGHT];

static char	*encode_request(const char *, json_t *);
static void	 on_signal(int);
static void	 append_clean(char *, size_t, const char *, size_t);
static const char *data_string(json_t *, const char *);
static int	 data_integer(json_t *, const char *, long long *);

const char *
shim_socket_path(void)
{
	const char	*path;

	path = getenv("CARAPACE_SOCKET");
	if (path == NULL || *path == '\0')
		return CARAPACE_DEFAULT_SOCKET;
	return path;
}

/* The request line, without its newline, in a new string; NULL on error. */
static char *
encode_request(const char *method, json_t *params)
{
	json_t	*req;
	char	*text = NULL;

	/* Compact JSON escapes every newline: the text is one line. */
	if ((req = json_object()) != NULL &&
	    json_object_set_new(req, "jsonrpc", json_string("2.0")) == 0 &&
	    json_object_set_new(req, "id", json_integer(1)) == 0 &&
	    json_object_set_new(req, "method", json_string(method)) == 0 &&
	    (params == NULL || json_object_set(req, "params", params) == 0))
		text = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(req);
	return text;
}

int
shim_connect(struct shim_conn *conn, const char *path, int timeout_ms,
    size_t max_line, char *err, size_t errlen)
{
	if (timeout_ms <= 0) {
		memset(conn, 0, sizeof(*conn));
		conn->fd = -1;
		conn->cancel_fd = -1;
		(void)snprintf(err, errlen, "invalid gateway call");
		return SHIM_E_INTERNAL;
	}
	return jsonl_connect(conn, "gateway", path, (uint64_t)timeout_ms,
	    max_line, err, errlen);
}

int
shim_send_request(struct shim_conn *conn, const char *method, json_t *params,
    int pass_fd, char *err, size_t errlen)
{
	return shim_send_request_fds(conn, method, params, &pass_fd,
	    pass_fd == -1 ? 0 : 1, err, errlen);
}

int
shim_send_request_fds(struct shim_conn *conn, const char *method,
    json_t *params, const int *pass_fds, size_t npass, char *err,
    size_t errlen)
{
	char	*text;
	int	 rc;

	err[0] = '\0';
	if (conn->fd == -1 || method == NULL || npass > SHIM_MAX_FDS) {
		(void)snprintf(err, errlen, "invalid gateway call");
		return SHIM_E_INTERNAL;
	}
	if ((text = encode_request(method, params)) == NULL) {
		(void)snprintf(err, errlen, "cannot encode the request");
		return SHIM_E_INTERNAL;
	}
	rc = jsonl_send(conn, text, strlen(text), pass_fds, npass, err,
	    errlen);
	free(text);
	/*
	 * The gateway refuses a peer before reading anything (its
	 * credentials come first) and closes: the refusal is waiting to
	 * be read, and it, not a broken pipe, is what the user must see.
	 */
	if (rc == SHIM_E_CLOSED) {
		err[0] = '\0';
		rc = SHIM_OK;
	}
	return rc;
}

int
shim_read_line(struct shim_conn *conn, char **line, size_t *len, char *err,
    size_t errlen)
{
	return jsonl_read_line(conn, line, len, err, errlen);
}

void
shim_close(struct shim_conn *conn)
{
	jsonl_close(conn);
}

/*
 * Besides the flag, one byte into the self-pipe: poll(2) cannot miss a
 * signal that lands between the flag check and the wait.
 */
static void
on_signal(int sig)
{
	int	saved = errno;
	char	c = 0;

	signal_caught = sig;
	/* A full pipe already wakes the reader: nothing is lost. */
	if (signal_pipe[1] != -1 && write(signal_pipe[1], &c, 1) == -1)
		signal_caught = sig;
	errno = saved;
}

int
shim_catch_signals(void)
{
	struct sigaction	sa;
	size_t			i;
	int			flags;

	if (signal_pipe[0] != -1)
		return signal_pipe[0];
	if (pipe(signal_pipe) == -1) {
		signal_pipe[0] = signal_pipe[1] = -1;
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC) == -1 ||
		    (flags = fcntl(signal_pipe[i], F_GETFL)) == -1 ||
		    fcntl(signal_pipe[i], F_SETFL, flags | O_NONBLOCK) == -1) {
			(void)close(signal_pipe[0]);
			(void)close(signal_pipe[1]);
			signal_pipe[0] = signal_pipe[1] = -1;
			return -1;
		}
	}
	signal_caught = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* No SA_RESTART: a write blocked on a full pipe must give way. */
	sa.sa_flags = 0;
	(void)sigemptyset(&sa.sa_mask);
	for (i = 0; i < NCAUGHT; i++)
		(void)sigaddset(&sa.sa_mask, caught_signals[i]);
	for (i = 0; i < NCAUGHT; i++)
		(void)sigaction(caught_signals[i], &sa, &signal_saved[i]);
	return signal_pipe[0];
}

void
shim_signals_restore(void)
{
	size_t	i;

	if (signal_pipe[0] == -1)
		return;
	for (i = 0; i < NCAUGHT; i++)
		(void)sigaction(caught_signals[i], &signal_saved[i], NULL);
	(void)close(signal_pipe[0]);
	(void)close(signal_pipe[1]);
	signal_pipe[0] = signal_pipe[1] = -1;
}

int
shim_caught_signal(void)
{
	return (int)signal_caught;
}

int
shim_decode_answer(const char *line, size_t len, struct shim_reply *reply,
    char *err, size_t errlen)
{
	json_error_t	 jerr;
	json_t		*v, *version, *id, *result, *error, *code, *message;
	const char	*why = NULL;

	memset(reply, 0, sizeof(*reply));
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		(void)snprintf(err, errlen,
		    "malformed answer from the gateway: %s", jerr.text);
		return SHIM_E_PROTOCOL;
	}
	if (!json_is_object(v)) {
		why = "not an object";
		goto bad;
	}
	version = json_object_get(v, "jsonrpc");
	if (!json_is_string(version) ||
	    strcmp(json_string_value(version), "2.0") != 0) {
		why = "jsonrpc is not \"2.0\"";
		goto bad;
	}
	id = json_object_get(v, "id");
	result = json_object_get(v, "result");
	error = json_object_get(v, "error");
	if ((result == NULL) == (error == NULL)) {
		why = "needs exactly one of result and error";
		goto bad;
	}
	if (result != NULL) {
		if (!json_is_integer(id) || json_integer_value(id) != 1) {
			why = "answer to another request";
			goto bad;
		}
		reply->result = json_incref(result);
		json_decref(v);
		return SHIM_OK;
	}
	/* An error may carry id null (e.g. a peer refused before reading). */
	if (!json_is_null(id) &&
	    (!json_is_integer(id) || json_integer_value(id) != 1)) {
		why = "answer to another request";
		goto bad;
	}
	code = json_object_get(error, "code");
	message = json_object_get(error, "message");
	if (!json_is_object(error) || !json_is_integer(code) ||
	    json_integer_value(code) < INT_MIN ||
	    json_integer_value(code) > INT_MAX || !json_is_string(message)) {
		why = "malformed error object";
		goto bad;
	}
	reply->is_error = 1;
	reply->code = (int)json_integer_value(code);
	append_clean(reply->message, sizeof(reply->message),
	    json_string_value(message), json_string_length(message));
	if ((reply->data = json_object_get(error, "data")) != NULL)
		json_incref(reply->data);
	json_decref(v);
	return SHIM_OK;

bad:
	(void)snprintf(err, errlen, "malformed answer from the gateway: %s",
	    why);
	json_decref(v);
	return SHIM_E_PROTOCOL;
}

void
shim_reply_free(struct shim_reply *reply)
{
	json_decref(reply->result);
	json_decref(reply->data);
	reply->result = NULL;
	reply->data = NULL;
}

int
shim_call(const char *path, const char *method, json_t *params, int pass_fd,
    int timeout_ms, size_t max_answer, struct shim_reply *reply, char *err,
    size_t errlen)
{
	return shim_call_fds(path, method, params, &pass_fd,
	    pass_fd == -1 ? 0 : 1, timeout_ms, max_answer, reply, err, errlen);
}

int
shim_call_fds(const char *path, const char *method, json_t *params,
    const int *pass_fds, size_t npass, int timeout_ms, size_t max_answer,
    struct shim_reply *reply, char *err, size_t errlen)
{
	struct shim_conn	 conn;
	char			*line;
	size_t			 linelen;
	int			 rc;

	memset(reply, 0, sizeof(*reply));
	err[0] = '\0';
	if (timeout_ms <= 0 || method == NULL) {
		(void)snprintf(err, errlen, "invalid gateway call");
		return SHIM_E_INTERNAL;
	}
	if ((rc = shim_connect(&conn, path, timeout_ms, max_answer, err,
	    errlen)) != SHIM_OK)
		return rc;
	if ((rc = shim_send_request_fds(&conn, method, params, pass_fds,
	    npass, err, errlen)) == SHIM_OK) {
		rc = shim_read_line(&conn, &line, &linelen, err, errlen);
		if (rc == SHIM_OK)
			rc = shim_decode_answer(line, linelen, reply, err,
			    errlen);
		else if (rc == SHIM_E_CLOSED)
			(void)snprintf(err, errlen, "the gateway at %s closed "
			    "the connection without answering", path);
	}
	shim_close(&conn);
	return rc;
}

/*
 * Append at most len bytes of s without its trailing white space,
 * replacing control characters: what the gateway says stays on one line.
 */
static void
append_clean(char *out, size_t outlen, const char *s, size_t len)
{
	size_t		 o, i;
	unsigned char	 c;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
	    s[len - 1] == '\t' || s[len - 1] == ' '))
		len--;
	o = strlen(out);
	for (i = 0; i < len && o + 1 < outlen; i++) {
		c = (unsigned char)s[i];
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

static const char *
data_string(json_t *data, const char *key)
{
	json_t	*v;

	if (!json_is_object(data))
		return NULL;
	v = json_object_get(data, key);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return NULL;
	return json_string_value(v);
}

static int
data_integer(json_t *data, const char *key, long long *out)
{
	json_t	*v;

	if (!json_is_object(data))
		return -1;
	v = json_object_get(data, key);
	if (!json_is_integer(v))
		return -1;
	*out = (long long)json_integer_value(v);
	return 0;
}

void
shim_error_text(int code, const char *message, json_t *data, char *out,
    size_t outlen)
{
	const char	*s, *base;
	char		 num[32];
	long long	 n;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (message == NULL)
		message = "";

/* ADD: our own words; CLEAN: words from the gateway. */
#define ADD(str)	(void)strlcat(out, (str), outlen)
#define CLEAN(str)	append_clean(out, outlen, (str), strlen(str))
	switch (code) {
	case CP_ERR_PEER_UNAUTHORIZED:
		ADD("not authorized to use the gateway");
		if (data_integer(data, "uid", &n) == 0) {
			(void)snprintf(num, sizeof(num), " (uid %lld)", n);
			ADD(num);
		}
		break;
	case CP_ERR_RECIPIENT_DENIED:
		ADD("recipient not allowed");
		if ((s = data_string(data, "recipient")) != NULL) {
			ADD(": ");
			CLEAN(s);
		}
		break;
	case CP_ERR_RATE_LIMITED:
		ADD("rate limited");
		if (data_integer(data, "retry_after", &n) == 0) {
			(void)snprintf(num, sizeof(num), ": retry in %llds", n);
			ADD(num);
		}
		break;
	case CP_ERR_CONTENT_BLOCKED:
		ADD("content blocked");
		if ((s = data_string(data, "rule")) != NULL) {
			ADD(": rule ");
			CLEAN(s);
		}
		break;
	case CP_ERR_HELD:
		ADD("held for approval");
		if ((s = data_string(data, "hold_id")) != NULL) {
			ADD(": hold ");
			CLEAN(s);
		}
		break;
	case CP_ERR_CHANNEL_UNAVAILABLE:
		ADD("channel unavailable");
		if ((s = data_string(data, "channel")) != NULL) {
			ADD(": ");
			CLEAN(s);
		}
		break;
	case CP_ERR_TOOL_FAILED:
		ADD("tool failed");
		if (data_integer(data, "exit_status", &n) == 0) {
			(void)snprintf(num, sizeof(num), " (exit %lld)", n);
			ADD(num);
		}
		if ((s = data_string(data, "stderr")) != NULL) {
			size_t	len = strlen(s), room;

			ADD(": ");
			/* The end of a tool's error says what went wrong. */
			room = outlen - strlen(out) - 1;
			if (len > room) {
				s += len - room;
				while ((*s & 0xc0) == 0x80)
					s++;
			}
			CLEAN(s);
		}
		break;
	case CP_ERR_TIMEOUT:
		ADD("timed out");
		if (data_integer(data, "timeout_ms", &n) == 0) {
			(void)snprintf(num, sizeof(num), " after %lld ms", n);
			ADD(num);
		}
		break;
	case CP_ERR_AUDIT_UNAVAILABLE:
		ADD("audit unavailable: the request was refused");
		break;
	case CP_ERR_STATE_UNAVAILABLE:
		ADD("state store unavailable: the request was refused");
		break;
	case CP_ERR_CONFIG_INVALID:
		ADD("gateway configuration invalid: the request was refused");
		break;
	case CP_ERR_CHANNEL_DENIED:
		ADD("channel not allowed for this client");
		if ((s = data_string(data, "channel")) != NULL) {
			ADD(": ");
			CLEAN(s);
		}
		break;
	case CP_ERR_FROZEN:
		ADD("frozen by the owner: nothing is sent");
		if ((s = data_string(data, "channel")) != NULL) {
			ADD(" on ");
			CLEAN(s);
		}
		ADD(" until the owner thaws it");
		break;
	case CP_ERR_LIMIT_REACHED:
		ADD("limit reached");
		if ((s = data_string(data, "rule")) != NULL) {
			ADD(": ");
			CLEAN(s);
		}
		break;
	default:
		switch (code) {
		case RPC_PARSE_ERROR:
		case RPC_INVALID_REQUEST:
		case RPC_METHOD_NOT_FOUND:
		case RPC_INVALID_PARAMS:
			base = "gateway refused the request";
			break;
		case RPC_INTERNAL_ERROR:
			base = "gateway internal error";
			break;
		default:
			(void)snprintf(num, sizeof(num), "gateway error %d",
			    code);
			base = num;
			break;
		}
		ADD(base);
		if (*message != '\0') {
			ADD(": ");
			CLEAN(message);
		}
		break;
	}
#undef ADD
#undef CLEAN
}

int
shim_open_attachment(const char *path, char *err, size_t errlen)
{
	struct stat	st;
	int		fd, flags;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		(void)snprintf(err, errlen, "cannot attach %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		(void)snprintf(err, errlen, "cannot attach %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)snprintf(err, errlen,
		    "cannot attach %s: not a regular file", path);
		(void)close(fd);
		return -1;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		(void)snprintf(err, errlen, "cannot attach %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

json_t *
shim_json_string(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 len, i, o, n;
	char			*buf;
	json_t			*v;

	len = strlen(s);
	if (util_utf8_valid(s, len))
		return json_stringn(s, len);
	/* Replace what is not UTF-8 with U+FFFD, as the real tools do. */
	buf = xcalloc(len + 1, 3);
	for (i = 0, o = 0; i < len;) {
		if (u[i] < 0x80)
			n = 1;
		else if (u[i] >= 0xc2 && u[i] <= 0xdf)
			n = 2;
		else if (u[i] >= 0xe0 && u[i] <= 0xef)
			n = 3;
		else if (u[i] >= 0xf0 && u[i] <= 0xf4)
			n = 4;
		else
			n = 0;
		if (n != 0 && n <= len - i && util_utf8_valid(s + i, n)) {
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	v = json_stringn(buf, o);
	free(buf);
	return v;
}
