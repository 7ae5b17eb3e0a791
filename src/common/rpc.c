/*
 * JSON-RPC 2.0 framing for the gateway protocol (doc/protocol.md).
 *
 * Decoding is strict and happens in two passes: cheap linear checks on
 * the raw bytes (no NUL, valid UTF-8, bounded nesting) and only then
 * jansson, which recurses once per nesting level and so must never see
 * a line nested deeper than we allow.  Every message built here is
 * printable ASCII: client-chosen names are sanitised before they are
 * quoted back, so a message can always go into a JSON string and a log.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "protocol.h"
#include "rpc.h"
#include "util.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* SIGPIPE is ignored by every program */
#endif

#define RPC_METHOD_MAX	128	/* bytes */
#define RPC_NAME_MAX	64	/* characters of a client name in a message */

static void	 rpc_msg(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static void	 rpc_sanitize(const char *, size_t, size_t, char *, size_t);
static int	 rpc_depth_ok(const char *, size_t, int);
static int	 rpc_blank(const char *, size_t);
static void	 rpc_duplicate_key(const char *, size_t, size_t, char *,
		    size_t);
static const char *rpc_type_name(enum rpc_type);
static int	 rpc_type_ok(json_t *, enum rpc_type, int *);
static json_t	*rpc_response(json_t *);

static void
rpc_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list	 ap;

	if (msg == NULL || msglen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/*
 * Copy len bytes of client-supplied text into out as printable ASCII
 * (anything else becomes '?'), at most max characters (max >= 3) with
 * "..." marking a cut.  out must hold max + 1 bytes.
 */
static void
rpc_sanitize(const char *in, size_t len, size_t max, char *out,
    size_t outlen)
{
	size_t	 i, n;

	if (outlen == 0)
		return;
	if (max > outlen - 1)
		max = outlen - 1;
	n = len > max ? max - 3 : len;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[i] = '\0';
	if (len > max)
		(void)strlcat(out, "...", outlen);
}

/*
 * Is every array and object nested at most max_depth deep?  One pass,
 * no recursion; brackets inside strings do not count.  Unbalanced input
 * is left for the JSON parser to report.
 */
static int
rpc_depth_ok(const char *s, size_t len, int max_depth)
{
	size_t	 i;
	long	 depth = 0;
	int	 in_string = 0;

	for (i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			in_string = 1;
			break;
		case '[':
		case '{':
			if (++depth > max_depth)
				return 0;
			break;
		case ']':
		case '}':
			depth--;
			break;
		}
	}
	return 1;
}

static int
rpc_blank(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			return 0;
	return 1;
}

/*
 * jansson reports a duplicate key just after reading it: the string
 * token ending at byte end - 1 is the key.  Find it with the same scan
 * as rpc_depth_ok and decode it for the message.
 */
static void
rpc_duplicate_key(const char *s, size_t len, size_t end, char *out,
    size_t outlen)
{
	size_t	 i, start = 0;
	int	 in_string = 0;
	json_t	*key;

	strlcpy(out, "?", outlen);
	if (end == 0 || end > len)
		return;
	for (i = 0; i < end; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"') {
				in_string = 0;
				if (i == end - 1)
					break;
			}
			continue;
		}
		if (s[i] == '"') {
			in_string = 1;
			start = i;
		}
	}
	if (i != end - 1 || s[i] != '"')
		return;
	key = json_loadb(s + start, end - start, JSON_DECODE_ANY, NULL);
	if (json_is_string(key))
		rpc_sanitize(json_string_value(key), json_string_length(key),
		    RPC_NAME_MAX, out, outlen);
	json_decref(key);
}

json_t *
rpc_decode(const char *line, size_t len, int max_depth, int *code,
    char *msg, size_t msglen)
{
	json_error_t	 error;
	json_t		*v;
	const char	*nul;
	char		 text[JSON_ERROR_TEXT_LENGTH];
	char		 key[RPC_NAME_MAX + 1];
	int		 dummy;

	if (code == NULL)
		code = &dummy;
	*code = RPC_PARSE_ERROR;
	if (line == NULL)
		len = 0;
	if (len > 0 && (nul = memchr(line, '\0', len)) != NULL) {
		rpc_msg(msg, msglen, "parse error: NUL byte at offset %zu",
		    (size_t)(nul - line));
		return NULL;
	}
	if (rpc_blank(line, len)) {
		rpc_msg(msg, msglen, "parse error: empty line");
		return NULL;
	}
	if (!util_utf8_valid(line, len)) {
		rpc_msg(msg, msglen, "parse error: invalid UTF-8");
		return NULL;
	}
	if (!rpc_depth_ok(line, len, max_depth)) {
		rpc_msg(msg, msglen, "parse error: nesting deeper than %d",
		    max_depth);
		return NULL;
	}

	/*
	 * Without JSON_DISABLE_EOF_CHECK jansson refuses anything but
	 * whitespace after the value; without JSON_ALLOW_NUL it refuses
	 * "\u0000".  JSON_DECODE_ANY lets a bare scalar through so that
	 * rpc_parse_request can call it an invalid request.
	 */
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &error);
	if (v != NULL)
		return v;

	rpc_sanitize(error.text, strnlen(error.text, sizeof(error.text)),
	    sizeof(text) - 1, text, sizeof(text));
	switch (json_error_code(&error)) {
	case json_error_out_of_memory:
		*code = RPC_INTERNAL_ERROR;
		rpc_msg(msg, msglen, "out of memory");
		break;
	case json_error_duplicate_key:
		rpc_duplicate_key(line, len, (size_t)error.position, key,
		    sizeof(key));
		rpc_msg(msg, msglen, "parse error: duplicate key \"%s\"", key);
		break;
	case json_error_null_character:
	case json_error_null_byte_in_key:
		rpc_msg(msg, msglen,
		    "parse error: \\u0000 not allowed at column %d",
		    error.column);
		break;
	case json_error_end_of_input_expected:
		rpc_msg(msg, msglen,
		    "parse error: trailing data after the value at column %d",
		    error.column);
		break;
	case json_error_premature_end_of_input:
		rpc_msg(msg, msglen, "parse error: truncated JSON: %s", text);
		break;
	case json_error_stack_overflow:
		rpc_msg(msg, msglen, "parse error: nesting too deep");
		break;
	default:
		rpc_msg(msg, msglen, "parse error: %s at column %d", text,
		    error.column);
		break;
	}
	return NULL;
}

int
rpc_parse_request(json_t *v, struct rpc_request *req, char *msg,
    size_t msglen)
{
	json_t		*id, *jsonrpc, *method, *params, *member;
	const char	*key, *name;
	char		 safe[RPC_NAME_MAX + 1];
	size_t		 len;

	memset(req, 0, sizeof(*req));
	if (!json_is_object(v)) {
		rpc_msg(msg, msglen, "request must be an object");
		return RPC_INVALID_REQUEST;
	}

	/* The id first, so that any later error can echo it. */
	if ((id = json_object_get(v, "id")) != NULL) {
		if (!json_is_string(id) && !json_is_number(id) &&
		    !json_is_null(id)) {
			rpc_msg(msg, msglen,
			    "id must be a string, number or null");
			return RPC_INVALID_REQUEST;
		}
		/*
		 * The id is echoed and audited: one too long to keep is
		 * refused, and the answer carries a null id rather than it.
		 */
		if (json_is_string(id) &&
		    json_string_length(id) > RPC_ID_MAX) {
			rpc_msg(msg, msglen, "id longer than %d bytes",
			    RPC_ID_MAX);
			return RPC_INVALID_REQUEST;
		}
		req->id = id;
	}

	jsonrpc = json_object_get(v, "jsonrpc");
	if (!json_is_string(jsonrpc) || json_string_length(jsonrpc) != 3 ||
	    memcmp(json_string_value(jsonrpc), "2.0", 3) != 0) {
		rpc_msg(msg, msglen, "jsonrpc must be \"2.0\"");
		return RPC_INVALID_REQUEST;
	}

	if ((method = json_object_get(v, "method")) == NULL) {
		rpc_msg(msg, msglen, "missing method");
		return RPC_INVALID_REQUEST;
	}
	if (!json_is_string(method)) {
		rpc_msg(msg, msglen, "method must be a string");
		return RPC_INVALID_REQUEST;
	}
	name = json_string_value(method);
	len = json_string_length(method);
	if (len == 0) {
		rpc_msg(msg, msglen, "method must not be empty");
		return RPC_INVALID_REQUEST;
	}
	if (len > RPC_METHOD_MAX) {
		rpc_msg(msg, msglen, "method longer than %d bytes",
		    RPC_METHOD_MAX);
		return RPC_INVALID_REQUEST;
	}
	if (memchr(name, '\0', len) != NULL) {
		rpc_msg(msg, msglen, "method must not contain NUL");
		return RPC_INVALID_REQUEST;
	}

	params = json_object_get(v, "params");
	if (params != NULL && !json_is_object(params) &&
	    !json_is_array(params)) {
		rpc_msg(msg, msglen, "params must be an object or array");
		return RPC_INVALID_REQUEST;
	}

	/* Decoded keys cannot hold NUL (no JSON_ALLOW_NUL), so strcmp. */
	json_object_foreach(v, key, member) {
		if (strcmp(key, "jsonrpc") != 0 && strcmp(key, "method") != 0 &&
		    strcmp(key, "id") != 0 && strcmp(key, "params") != 0) {
			rpc_sanitize(key, strlen(key), RPC_NAME_MAX, safe,
			    sizeof(safe));
			rpc_msg(msg, msglen, "unknown member: %s", safe);
			return RPC_INVALID_REQUEST;
		}
	}

	req->method = name;
	req->params = params;
	return 0;
}

static const char *
rpc_type_name(enum rpc_type type)
{
	switch (type) {
	case RPC_T_STRING:
		return "string";
	case RPC_T_INTEGER:
		return "integer";
	case RPC_T_BOOLEAN:
		return "boolean";
	case RPC_T_OBJECT:
		return "object";
	case RPC_T_STRINGS:
		return "array of strings";
	case RPC_T_OBJECTS:
		return "array of objects";
	case RPC_T_INTEGERS:
		return "array of integers";
	}
	return "unknown type";
}

/* 1 if v has the type; *has_nul tells a string that is only bad by NUL. */
static int
rpc_type_ok(json_t *v, enum rpc_type type, int *has_nul)
{
	size_t	 i;
	json_t	*e;

	*has_nul = 0;
	switch (type) {
	case RPC_T_STRING:
		if (!json_is_string(v))
			return 0;
		if (memchr(json_string_value(v), '\0',
		    json_string_length(v)) != NULL) {
			*has_nul = 1;
			return 0;
		}
		return 1;
	case RPC_T_INTEGER:
		return json_is_integer(v);
	case RPC_T_BOOLEAN:
		return json_is_boolean(v);
	case RPC_T_OBJECT:
		return json_is_object(v);
	case RPC_T_STRINGS:
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return 0;
			if (memchr(json_string_value(e), '\0',
			    json_string_length(e)) != NULL) {
				*has_nul = 1;
				return 0;
			}
		}
		return 1;
	case RPC_T_OBJECTS:
	case RPC_T_INTEGERS:
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e)
			if (type == RPC_T_OBJECTS ? !json_is_object(e) :
			    !json_is_integer(e))
				return 0;
		return 1;
	}
	return 0;
}

int
rpc_check_params(json_t *params, const struct rpc_param *table, char *msg,
    size_t msglen)
{
	const struct rpc_param	*p;
	const char		*key;
	json_t			*value;
	char			 safe[RPC_NAME_MAX + 1];
	int			 has_nul;

	if (params != NULL && !json_is_object(params)) {
		rpc_msg(msg, msglen, "params must be an object");
		return RPC_INVALID_PARAMS;
	}
	if (params != NULL) {
		json_object_foreach(params, key, value) {
			for (p = table; p != NULL && p->name != NULL; p++)
				if (strcmp(p->name, key) == 0)
					break;
			rpc_sanitize(key, strlen(key), RPC_NAME_MAX, safe,
			    sizeof(safe));
			if (p == NULL || p->name == NULL) {
				rpc_msg(msg, msglen, "unknown param: %s", safe);
				return RPC_INVALID_PARAMS;
			}
			if (!rpc_type_ok(value, p->type, &has_nul)) {
				if (has_nul)
					rpc_msg(msg, msglen,
					    "param %s: must not contain NUL",
					    safe);
				else
					rpc_msg(msg, msglen,
					    "param %s: expected %s", safe,
					    rpc_type_name(p->type));
				return RPC_INVALID_PARAMS;
			}
		}
	}
	for (p = table; p != NULL && p->name != NULL; p++) {
		if (!p->required)
			continue;
		if (params == NULL ||
		    json_object_get(params, p->name) == NULL) {
			rpc_sanitize(p->name, strlen(p->name), RPC_NAME_MAX,
			    safe, sizeof(safe));
			rpc_msg(msg, msglen, "missing param: %s", safe);
			return RPC_INVALID_PARAMS;
		}
	}
	return 0;
}

/* {"jsonrpc":"2.0","id":id} with a new reference to id, or NULL. */
static json_t *
rpc_response(json_t *id)
{
	json_t	*v;

	if ((v = json_object()) == NULL)
		return NULL;
	/* json_object_set_new consumes the value even when it fails. */
	if (json_object_set_new(v, "jsonrpc", json_string("2.0")) == -1 ||
	    json_object_set_new(v, "id",
	    id != NULL ? json_incref(id) : json_null()) == -1) {
		json_decref(v);
		return NULL;
	}
	return v;
}

json_t *
rpc_result(json_t *id, json_t *result)
{
	json_t	*v;

	if (result == NULL)
		return NULL;
	if ((v = rpc_response(id)) == NULL) {
		json_decref(result);
		return NULL;
	}
	if (json_object_set_new(v, "result", result) == -1) {
		json_decref(v);
		return NULL;
	}
	return v;
}

json_t *
rpc_error(json_t *id, int code, const char *message, json_t *data)
{
	json_t	*v, *err, *text = NULL;

	if ((err = json_object()) == NULL) {
		json_decref(data);
		return NULL;
	}
	if (message != NULL)
		text = json_string(message);
	/* A message that is not UTF-8 still gets a readable error out. */
	if (text == NULL)
		text = json_string(rpc_code_message(code));
	if (json_object_set_new(err, "code", json_integer(code)) == -1 ||
	    json_object_set_new(err, "message", text) == -1) {
		json_decref(err);
		json_decref(data);
		return NULL;
	}
	if (data != NULL && json_object_set_new(err, "data", data) == -1) {
		json_decref(err);
		return NULL;
	}
	if ((v = rpc_response(id)) == NULL) {
		json_decref(err);
		return NULL;
	}
	if (json_object_set_new(v, "error", err) == -1) {
		json_decref(v);
		return NULL;
	}
	return v;
}

int
rpc_write(int fd, json_t *v)
{
	struct pollfd	 pfd;
	char		*s;
	size_t		 len, off = 0;
	ssize_t		 n;
	int		 use_send = 1, saved;

	if (v == NULL || (!json_is_object(v) && !json_is_array(v))) {
		errno = EINVAL;
		return -1;
	}
	/* Compact, and UTF-8 as it is: JSON_ENSURE_ASCII only costs bytes. */
	if ((len = json_dumpb(v, NULL, 0, JSON_COMPACT)) == 0) {
		errno = ENOMEM;
		return -1;
	}
	if ((s = malloc(len + 1)) == NULL)
		return -1;
	if (json_dumpb(v, s, len, JSON_COMPACT) != len) {
		free(s);
		errno = ENOMEM;
		return -1;
	}
	s[len++] = '\n';

	while (off < len) {
		if (use_send) {
			/* A closed peer is EPIPE, not SIGPIPE. */
			n = send(fd, s + off, len - off, MSG_NOSIGNAL);
			if (n == -1 && errno == ENOTSOCK) {
				use_send = 0;
				continue;
			}
		} else
			n = write(fd, s + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* Half a line would break the stream: wait. */
				pfd.fd = fd;
				pfd.events = POLLOUT;
				if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
					goto fail;
				continue;
			}
			goto fail;
		}
		if (n == 0) {
			errno = EIO;
			goto fail;
		}
		off += (size_t)n;
	}
	free(s);
	return 0;

fail:
	saved = errno;
	free(s);
	errno = saved;
	return -1;
}

const char *
rpc_code_message(int code)
{
	switch (code) {
	case RPC_PARSE_ERROR:
		return "Parse error";
	case RPC_INVALID_REQUEST:
		return "Invalid Request";
	case RPC_METHOD_NOT_FOUND:
		return "Method not found";
	case RPC_INVALID_PARAMS:
		return "Invalid params";
	case RPC_INTERNAL_ERROR:
		return "Internal error";
	case CP_ERR_PEER_UNAUTHORIZED:
		return "Peer not authorized";
	case CP_ERR_RECIPIENT_DENIED:
		return "Recipient not allowed";
	case CP_ERR_RATE_LIMITED:
		return "Rate limited";
	case CP_ERR_CONTENT_BLOCKED:
		return "Content blocked";
	case CP_ERR_HELD:
		return "Held for approval";
	case CP_ERR_CHANNEL_UNAVAILABLE:
		return "Channel unavailable";
	case CP_ERR_TOOL_FAILED:
		return "Tool failed";
	case CP_ERR_TIMEOUT:
		return "Timeout";
	case CP_ERR_AUDIT_UNAVAILABLE:
		return "Audit unavailable";
	case CP_ERR_STATE_UNAVAILABLE:
		return "State unavailable";
	case CP_ERR_CONFIG_INVALID:
		return "Configuration invalid";
	case CP_ERR_CHANNEL_DENIED:
		return "Channel not permitted";
	case CP_ERR_LIMIT_REACHED:
		return "Limit reached";
	}
	if (code >= -32099 && code <= -32000)
		return "Server error";
	return "Unknown error";
}
