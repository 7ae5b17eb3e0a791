/*
 * The signal-cli shim's JSON-RPC side: signal-cli's methods and params
 * (camelCase or dashed names, list options one value or an array, under
 * the singular name or the plural, as signal-cli's JsonRpcNamespace
 * reads them) mapped
 * onto the gateway's "signal" channel methods, gateway errors mapped onto
 * signal-cli's codes, and JSON-RPC framing as signal-cli's JsonRpcReader
 * answers it.  The HTTP daemon (shim-http.c), `jsonRpc` on stdio and the
 * command line (shim-signal-cli.c) all call shim_signal_call().
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "protocol.h"
#include "shim.h"
#include "shim-signal.h"

/* The most a data: URI attachment may decode to. */
#define ATTACHMENT_MAX_DATA	(64 * 1024 * 1024)

static void	 set_error(struct shim_signal_error *, int, const char *,
		    ...)
		    __attribute__((format(printf, 3, 4)));

static void
set_error(struct shim_signal_error *err, int code, const char *fmt, ...)
{
	va_list	ap;

	err->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

void
shim_signal_map_error(int code, const char *message, json_t *data,
    struct shim_signal_error *err)
{
	json_t	*dcode, *dmsg;
	char	 text[SHIM_ERR_MAX];

	shim_error_text(code, message != NULL ? message : "", data, text,
	    sizeof(text));
	switch (code) {
	case SIGNAL_ERR_USER:
	case SIGNAL_ERR_IO:
	case SIGNAL_ERR_UNTRUSTED:
	case SIGNAL_ERR_RATE_LIMIT:
		/* The real daemon's own error, passed on by the gateway. */
		set_error(err, code, "%s", message != NULL ? message : "");
		return;
	case CP_ERR_TOOL_FAILED:
		/* The daemon's own error: signal-cli's code and message. */
		dcode = json_object_get(data, "daemon_code");
		dmsg = json_object_get(data, "daemon_message");
		if (json_is_integer(dcode) && json_is_string(dmsg) &&
		    json_integer_value(dcode) <= SIGNAL_ERR_USER &&
		    json_integer_value(dcode) >= SIGNAL_ERR_RATE_LIMIT) {
			set_error(err, (int)json_integer_value(dcode), "%s",
			    json_string_value(dmsg));
			return;
		}
		set_error(err, SIGNAL_ERR_IO, "%s", text);
		return;
	case CP_ERR_RATE_LIMITED:
	case CP_ERR_LIMIT_REACHED:
		set_error(err, SIGNAL_ERR_RATE_LIMIT, "%s", text);
		return;
	case CP_ERR_PEER_UNAUTHORIZED:
	case CP_ERR_RECIPIENT_DENIED:
	case CP_ERR_CONTENT_BLOCKED:
	case CP_ERR_HELD:
	case CP_ERR_CHANNEL_DENIED:
	case CP_ERR_FROZEN:
	case RPC_INVALID_PARAMS:
		set_error(err, SIGNAL_ERR_USER, "%s", text);
		return;
	case CP_ERR_CHANNEL_UNAVAILABLE:
	case CP_ERR_TIMEOUT:
	case CP_ERR_AUDIT_UNAVAILABLE:
	case CP_ERR_STATE_UNAVAILABLE:
	case CP_ERR_CONFIG_INVALID:
		set_error(err, SIGNAL_ERR_IO, "%s", text);
		return;
	case RPC_METHOD_NOT_FOUND:
		set_error(err, RPC_METHOD_NOT_FOUND, "Method not implemented");
		return;
	default:
		set_error(err, RPC_INTERNAL_ERROR, "%s", text);
		return;
	}
}

int
shim_signal_exit_status(int code)
{
	switch (code) {
	case SIGNAL_ERR_USER:
	case RPC_INVALID_PARAMS:
	case RPC_INVALID_REQUEST:
		return SIGNAL_EXIT_USER;
	case SIGNAL_ERR_IO:
		return SIGNAL_EXIT_IO;
	case SIGNAL_ERR_UNTRUSTED:
		return SIGNAL_EXIT_UNTRUSTED;
	case SIGNAL_ERR_RATE_LIMIT:
		return SIGNAL_EXIT_RATE_LIMIT;
	default:
		return SIGNAL_EXIT_UNEXPECTED;
	}
}

json_t *
shim_signal_param(json_t *params, const char *camel)
{
	json_t	*v;
	char	 dashed[128];
	size_t	 i, o;

	if (params == NULL || !json_is_object(params))
		return NULL;
	for (i = 0, o = 0; camel[i] != '\0' && o + 2 < sizeof(dashed); i++) {
		if (isupper((unsigned char)camel[i])) {
			dashed[o++] = '-';
			dashed[o++] = (char)tolower((unsigned char)camel[i]);
		} else
			dashed[o++] = camel[i];
	}
	dashed[o] = '\0';
	/*
	 * JsonRpcNamespace.get (AsamK/signal-cli v0.14.6): the dashed name
	 * argparse4j uses first, then its camelCase form; null is absent.
	 */
	if ((v = json_object_get(params, dashed)) != NULL && !json_is_null(v))
		return v;
	if ((v = json_object_get(params, camel)) != NULL && !json_is_null(v))
		return v;
	return NULL;
}

json_t *
shim_signal_string_list(json_t *value)
{
	json_t	*list, *e;
	size_t	 i;

	if ((list = json_array()) == NULL)
		return NULL;
	if (value == NULL || json_is_null(value))
		return list;
	if (json_is_string(value)) {
		if (json_array_append(list, value) == -1)
			goto fail;
		return list;
	}
	if (!json_is_array(value))
		goto fail;
	json_array_foreach(value, i, e) {
		if (!json_is_string(e) || json_array_append(list, e) == -1)
			goto fail;
	}
	return list;
fail:
	json_decref(list);
	return NULL;
}

/* An integer param: a JSON integer or a decimal string, as Jackson. */
static int
param_integer(json_t *v, long long *out)
{
	const char	*s;
	char		*end;
	long long	 n;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (*s == '\0')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

static int
param_boolean(json_t *params, const char *name)
{
	json_t	*v;

	v = shim_signal_param(params, name);
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_string(v))
		return strcmp(json_string_value(v), "true") == 0;
	return 0;
}

/* The Java class Jackson makes of a JSON value in an untyped map. */
static const char *
java_class(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return "java.lang.String";
	case JSON_INTEGER:
		return "java.lang.Integer";
	case JSON_REAL:
		return "java.lang.Double";
	case JSON_TRUE:
	case JSON_FALSE:
		return "java.lang.Boolean";
	case JSON_ARRAY:
		return "java.util.ArrayList";
	default:
		return "java.util.LinkedHashMap";
	}
}

/* signal-cli's answer to a value of the wrong Java type: -32603. */
static void
cast_error(struct shim_signal_error *err, json_t *v, const char *to)
{
	set_error(err, RPC_INTERNAL_ERROR, "class %s cannot be cast to "
	    "class %s (%s and %s are in module java.base of loader "
	    "'bootstrap') (ClassCastException)", java_class(v), to,
	    java_class(v), to);
}

/*
 * A list param as signal-cli's JsonRpcNamespace.getList reads it
 * (AsamK/signal-cli v0.14.6, src/main/java/org/asamk/signal/commands/
 * JsonRpcNamespace.java): the singular name (dashed, then camelCase),
 * where one value stands for a list of one; only when that is absent,
 * the plural (the name with "s": "recipients", "groupIds",
 * "targetTimestamps"), which must be a list.  Every element must be a
 * string.  Returns a new array (empty when neither is given), or NULL
 * with err set as signal-cli fails: -32603 ClassCastException.
 */
static json_t *
param_list(json_t *params, const char *name, struct shim_signal_error *err)
{
	json_t	*v, *list, *e;
	char	 plural[128];
	size_t	 i;

	if ((v = shim_signal_param(params, name)) == NULL) {
		(void)snprintf(plural, sizeof(plural), "%ss", name);
		v = shim_signal_param(params, plural);
		if (v != NULL && !json_is_array(v)) {
			cast_error(err, v, "java.util.List");
			return NULL;
		}
	}
	if ((list = shim_signal_string_list(v)) == NULL) {
		e = v;
		json_array_foreach(v, i, e)
			if (!json_is_string(e))
				break;
		cast_error(err, e, "java.lang.String");
	}
	return list;
}

/*
 * Whether a list param is given, in either form, with at least one
 * value; -1 with err set when it cannot be read.
 */
static int
param_list_given(json_t *params, const char *name,
    struct shim_signal_error *err)
{
	json_t	*list;
	int	 given;

	if ((list = param_list(params, name, err)) == NULL)
		return -1;
	given = json_array_size(list) > 0;
	json_decref(list);
	return given;
}

/*
 * Integers in a list param (singular or plural, as param_list): JSON
 * integers or decimal strings.  Returns a new array, or NULL with err.
 */
static json_t *
param_integer_list(json_t *params, const char *name,
    struct shim_signal_error *err)
{
	json_t		*v, *list, *e;
	char		 plural[128];
	long long	 n;
	size_t		 i;

	if ((list = json_array()) == NULL) {
		set_error(err, RPC_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	if ((v = shim_signal_param(params, name)) == NULL) {
		(void)snprintf(plural, sizeof(plural), "%ss", name);
		if ((v = shim_signal_param(params, plural)) != NULL &&
		    !json_is_array(v)) {
			cast_error(err, v, "java.util.List");
			json_decref(list);
			return NULL;
		}
	}
	if (v != NULL && !json_is_array(v)) {
		if (param_integer(v, &n) == -1)
			goto bad;
		if (json_array_append_new(list, json_integer(n)) == -1)
			goto bad;
		return list;
	}
	json_array_foreach(v, i, e) {
		if (param_integer(e, &n) == -1 ||
		    json_array_append_new(list, json_integer(n)) == -1)
			goto bad;
	}
	return list;
bad:
	set_error(err, SIGNAL_ERR_USER, "%s: expected one or more integers",
	    name);
	json_decref(list);
	return NULL;
}

/* Base64 (standard alphabet, padding optional) into buf; -1 if bad. */
static ssize_t
base64_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen)
{
	unsigned int	 acc = 0;
	int		 bits = 0, v;
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; i < inlen; i++) {
		c = (unsigned char)in[i];
		if (c == '=')
			break;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else
			return -1;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	for (; i < inlen; i++)
		if (in[i] != '=')
			return -1;
	return (ssize_t)o;
}

/*
 * A data: URI ("data:<mime>;filename=<name>;base64,<data>", RFC 2397)
 * as an unlinked temporary file: the descriptor, with *name set to the
 * filename (or "attachment"), or -1 with err set.
 */
static int
open_data_uri(const char *uri, char *name, size_t namelen, char *err,
    size_t errlen)
{
	const char	*comma, *p, *fn;
	unsigned char	*data;
	char		 path[] = "/tmp/carapace-signal.XXXXXX";
	ssize_t		 n;
	size_t		 len, off;
	int		 fd;

	(void)strlcpy(name, "attachment", namelen);
	if ((comma = strchr(uri, ',')) == NULL ||
	    comma - uri < 12 || strncmp(comma - 7, ";base64", 7) != 0) {
		(void)snprintf(err, errlen, "Invalid data URI");
		return -1;
	}
	for (p = uri + 5; p < comma; p = fn + 1) {
		if ((fn = memchr(p, ';', (size_t)(comma - p))) == NULL)
			break;
		if (strncmp(fn + 1, "filename=", 9) == 0) {
			p = fn + 10;
			len = strcspn(p, ";,");
			if (len == 0 || len >= namelen)
				break;
			memcpy(name, p, len);
			name[len] = '\0';
			break;
		}
	}
	len = strlen(comma + 1);
	if (len / 4 * 3 > ATTACHMENT_MAX_DATA) {
		(void)snprintf(err, errlen, "Attachment too large");
		return -1;
	}
	if ((data = malloc(len / 4 * 3 + 3)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((n = base64_decode(comma + 1, len, data, len / 4 * 3 + 3)) < 0) {
		free(data);
		(void)snprintf(err, errlen, "Invalid data URI");
		return -1;
	}
	if ((fd = mkstemp(path)) == -1) {
		free(data);
		(void)snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	(void)unlink(path);
	for (off = 0; off < (size_t)n; ) {
		ssize_t w = write(fd, data + off, (size_t)n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			(void)snprintf(err, errlen, "%s", strerror(errno));
			free(data);
			(void)close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	free(data);
	if (lseek(fd, 0, SEEK_SET) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

/*
 * Params the gateway cannot honour: refused rather than ignored.  List
 * params are looked up in both forms (param_list).
 */
static const char *const unsupported_send[] = {
	"noteToSelf", "endSession", "sticker", "previewUrl",
	"storyTimestamp", "editTimestamp", NULL
};
static const char *const unsupported_send_lists[] = {
	"username", "mention", "quoteMention", "quoteAttachment",
	"quoteTextStyle", NULL
};
static const char *const unsupported_reaction[] = {
	"noteToSelf", "story", NULL
};
static const char *const unsupported_delete[] = { "noteToSelf", NULL };
static const char *const username_only[] = { "username", NULL };

/* 0, or -1 with err set when one of names is given (true, non-empty). */
static int
refuse_unsupported(json_t *params, const char *const *names,
    const char *const *lists, struct shim_signal_error *err)
{
	json_t	*v;
	size_t	 i;
	int	 given;

	for (i = 0; names != NULL && names[i] != NULL; i++) {
		v = shim_signal_param(params, names[i]);
		if (v != NULL && !json_is_false(v) &&
		    !(json_is_array(v) && json_array_size(v) == 0)) {
			set_error(err, SIGNAL_ERR_USER, "%s is not supported "
			    "through Carapace", names[i]);
			return -1;
		}
	}
	for (i = 0; lists != NULL && lists[i] != NULL; i++) {
		if ((given = param_list_given(params, lists[i], err)) == -1)
			return -1;
		if (given) {
			set_error(err, SIGNAL_ERR_USER, "%s is not supported "
			    "through Carapace", lists[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * Recipients and group of a request into gw (recipients or group_id).
 * single: at most one target.  Returns 0 or -1 with err set.
 */
static int
add_targets(json_t *params, json_t *gw, int need,
    struct shim_signal_error *err)
{
	json_t	*recipients, *groups;
	int	 rc = -1;

	if ((recipients = param_list(params, "recipient", err)) == NULL)
		return -1;
	if ((groups = param_list(params, "groupId", err)) == NULL) {
		json_decref(recipients);
		return -1;
	}
	if (json_array_size(recipients) == 0 && json_array_size(groups) == 0) {
		if (need)
			set_error(err, SIGNAL_ERR_USER, "No recipients given");
		else
			rc = 0;
		goto out;
	}
	if (json_array_size(groups) > 1 ||
	    (json_array_size(groups) == 1 && json_array_size(recipients) > 0)) {
		set_error(err, SIGNAL_ERR_USER, "Sending to several groups, "
		    "or to a group and recipients at once, is not supported");
		goto out;
	}
	if (json_array_size(groups) == 1)
		rc = json_object_set(gw, "group_id",
		    json_array_get(groups, 0));
	else
		rc = json_object_set(gw, "recipients", recipients);
	if (rc == -1)
		set_error(err, RPC_INTERNAL_ERROR, "out of memory");
out:
	json_decref(recipients);
	json_decref(groups);
	return rc;
}

static void
close_fds(int *fds, size_t *nfds)
{
	size_t	i;

	for (i = 0; i < *nfds; i++)
		(void)close(fds[i]);
	*nfds = 0;
}

static json_t *
build_send(json_t *params, json_t *gw, int *fds, size_t nfds_max,
    size_t *nfds, struct shim_signal_error *err)
{
	json_t		*v, *list = NULL, *atts = NULL, *styles = NULL;
	const char	*path, *base;
	char		 name[256], why[SHIM_ERR_MAX];
	long long	 n;
	size_t		 i;
	int		 fd;

	if (refuse_unsupported(params, unsupported_send,
	    unsupported_send_lists, err) == -1)
		goto fail;
	if (add_targets(params, gw, 1, err) == -1)
		goto fail;
	v = shim_signal_param(params, "message");
	if (v != NULL && !json_is_string(v)) {
		set_error(err, RPC_INVALID_REQUEST, "message: expected string");
		goto fail;
	}
	if (v != NULL && json_string_length(v) > 0 &&
	    json_object_set(gw, "text", v) == -1)
		goto nomem;
	if ((list = param_list(params, "attachment", err)) == NULL)
		goto fail;
	if (json_array_size(list) > nfds_max) {
		set_error(err, SIGNAL_ERR_USER, "At most %zu attachments "
		    "per message", nfds_max);
		goto fail;
	}
	if ((atts = json_array()) == NULL)
		goto nomem;
	json_array_foreach(list, i, v) {
		path = json_string_value(v);
		if (strncmp(path, "data:", 5) == 0)
			fd = open_data_uri(path, name, sizeof(name), why,
			    sizeof(why));
		else {
			fd = shim_open_attachment(path, why, sizeof(why));
			base = strrchr(path, '/');
			(void)strlcpy(name, base != NULL ? base + 1 : path,
			    sizeof(name));
		}
		if (fd == -1) {
			/* SendCommand: UnexpectedErrorException. */
			set_error(err, RPC_INTERNAL_ERROR, "Failed to send "
			    "message: %s (AttachmentInvalidException)", why);
			goto fail;
		}
		fds[(*nfds)++] = fd;
		if (json_array_append_new(atts, json_pack("{s:s}", "name",
		    name)) == -1)
			goto nomem;
	}
	if (json_array_size(atts) > 0 &&
	    json_object_set(gw, "attachments", atts) == -1)
		goto nomem;
	if ((v = shim_signal_param(params, "quoteTimestamp")) != NULL) {
		if (param_integer(v, &n) == -1) {
			set_error(err, RPC_INVALID_REQUEST,
			    "quoteTimestamp: expected integer");
			goto fail;
		}
		if (json_object_set_new(gw, "quote_timestamp",
		    json_integer(n)) == -1)
			goto nomem;
		v = shim_signal_param(params, "quoteAuthor");
		if (json_is_string(v) &&
		    json_object_set(gw, "quote_author", v) == -1)
			goto nomem;
	}
	if ((styles = param_list(params, "textStyle", err)) == NULL)
		goto fail;
	if (json_array_size(styles) > 0 &&
	    json_object_set(gw, "text_style", styles) == -1)
		goto nomem;
	if (!json_object_get(gw, "text") && *nfds == 0 &&
	    !json_object_get(gw, "quote_timestamp")) {
		set_error(err, SIGNAL_ERR_USER, "Sending empty message is not "
		    "allowed, either a message, attachment or sticker must be "
		    "given.");
		goto fail;
	}
	json_decref(list);
	json_decref(atts);
	json_decref(styles);
	return gw;
nomem:
	set_error(err, RPC_INTERNAL_ERROR, "out of memory");
fail:
	close_fds(fds, nfds);
	json_decref(list);
	json_decref(atts);
	json_decref(styles);
	json_decref(gw);
	return NULL;
}

static json_t *
build_reaction(json_t *params, json_t *gw, struct shim_signal_error *err)
{
	json_t		*emoji, *author, *ts;
	long long	 n;

	if (refuse_unsupported(params, unsupported_reaction, username_only,
	    err) == -1 || add_targets(params, gw, 1, err) == -1)
		goto fail;
	emoji = shim_signal_param(params, "emoji");
	author = shim_signal_param(params, "targetAuthor");
	ts = shim_signal_param(params, "targetTimestamp");
	/* SendReactionCommand: no author and one recipient: that one. */
	if (author == NULL && json_array_size(json_object_get(gw,
	    "recipients")) == 1)
		author = json_array_get(json_object_get(gw, "recipients"), 0);
	if (!json_is_string(emoji) || !json_is_string(author) || ts == NULL) {
		set_error(err, SIGNAL_ERR_USER, "sendReaction needs emoji, "
		    "targetAuthor and targetTimestamp");
		goto fail;
	}
	if (param_integer(ts, &n) == -1) {
		set_error(err, RPC_INVALID_REQUEST,
		    "targetTimestamp: expected integer");
		goto fail;
	}
	if (json_object_set(gw, "emoji", emoji) == -1 ||
	    json_object_set(gw, "target_author", author) == -1 ||
	    json_object_set_new(gw, "target_timestamp", json_integer(n)) ==
	    -1 || (param_boolean(params, "remove") &&
	    json_object_set_new(gw, "remove", json_true()) == -1)) {
		set_error(err, RPC_INTERNAL_ERROR, "out of memory");
		goto fail;
	}
	return gw;
fail:
	json_decref(gw);
	return NULL;
}

static json_t *
build_typing(json_t *params, json_t *gw, struct shim_signal_error *err)
{
	if (add_targets(params, gw, 1, err) == -1 ||
	    (param_boolean(params, "stop") &&
	    json_object_set_new(gw, "stop", json_true()) == -1)) {
		if (err->code == 0)
			set_error(err, RPC_INTERNAL_ERROR, "out of memory");
		json_decref(gw);
		return NULL;
	}
	return gw;
}

/*
 * java.lang.Object.toString() of what Jackson made of v, as
 * argparse4j's Namespace.getString returns it ("[a, b]" for a list).
 */
static void
java_string(json_t *v, char *out, size_t outlen)
{
	json_t	*e;
	char	*text;
	size_t	 i;

	if (json_is_string(v)) {
		(void)strlcpy(out, json_string_value(v), outlen);
		return;
	}
	if (json_is_array(v)) {
		(void)strlcpy(out, "[", outlen);
		json_array_foreach(v, i, e) {
			if (i > 0)
				(void)strlcat(out, ", ", outlen);
			if (json_is_string(e))
				(void)strlcat(out, json_string_value(e),
				    outlen);
			else if ((text = json_dumps(e, JSON_ENCODE_ANY |
			    JSON_COMPACT)) != NULL) {
				(void)strlcat(out, text, outlen);
				free(text);
			}
		}
		(void)strlcat(out, "]", outlen);
		return;
	}
	if ((text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
		out[0] = '\0';
	else {
		(void)strlcpy(out, text, outlen);
		free(text);
	}
}

/*
 * sendReceipt (SendReceiptCommand.java): the recipient is one value read
 * with getString, so a list is its toString() and no phone number; the
 * target timestamps a list, singular or plural.
 */
static json_t *
build_receipt(json_t *params, json_t *gw, struct shim_signal_error *err)
{
	json_t		*recipient, *list, *type;
	char		 text[256];

	recipient = shim_signal_param(params, "recipient");
	if (recipient == NULL) {
		/* getSingleRecipientIdentifier(null): nothing to send to. */
		set_error(err, SIGNAL_ERR_USER, "No recipients given");
		goto fail;
	}
	if (!json_is_string(recipient)) {
		java_string(recipient, text, sizeof(text));
		set_error(err, SIGNAL_ERR_USER, "Invalid phone number '%s': "
		    "The string supplied did not seem to be a phone number.",
		    text);
		goto fail;
	}
	if ((list = param_integer_list(params, "targetTimestamp", err)) ==
	    NULL)
		goto fail;
	if (json_object_set(gw, "recipient", recipient) == -1 ||
	    json_object_set_new(gw, "target_timestamps", list) == -1)
		goto nomem;
	if (json_array_size(list) == 0) {
		set_error(err, SIGNAL_ERR_USER, "targetTimestamp: expected "
		    "one or more integers");
		goto fail;
	}
	type = shim_signal_param(params, "type");
	if (json_is_string(type) && json_object_set(gw, "type", type) == -1)
		goto nomem;
	return gw;
nomem:
	set_error(err, RPC_INTERNAL_ERROR, "out of memory");
fail:
	json_decref(gw);
	return NULL;
}

/* remoteDelete (RemoteDeleteCommand.java). */
static json_t *
build_delete(json_t *params, json_t *gw, struct shim_signal_error *err)
{
	json_t		*ts;
	long long	 n;

	if (refuse_unsupported(params, unsupported_delete, username_only,
	    err) == -1 || add_targets(params, gw, 1, err) == -1)
		goto fail;
	ts = shim_signal_param(params, "targetTimestamp");
	if (ts == NULL || param_integer(ts, &n) == -1) {
		set_error(err, SIGNAL_ERR_USER,
		    "targetTimestamp: expected integer");
		goto fail;
	}
	if (json_object_set_new(gw, "target_timestamp", json_integer(n)) ==
	    -1) {
		set_error(err, RPC_INTERNAL_ERROR, "out of memory");
		goto fail;
	}
	return gw;
fail:
	json_decref(gw);
	return NULL;
}

json_t *
shim_signal_build_request(const struct shim_signal_ctx *ctx,
    const char *method, json_t *params, const char **gw_method, int *fds,
    size_t nfds_max, size_t *nfds, json_t **local,
    struct shim_signal_error *err)
{
	json_t	*gw, *id;

	*gw_method = NULL;
	*nfds = 0;
	*local = NULL;
	memset(err, 0, sizeof(*err));
	if (params != NULL && !json_is_object(params)) {
		set_error(err, RPC_INVALID_REQUEST,
		    "params must be an object");
		return NULL;
	}
	if (strcmp(method, "version") == 0) {
		*local = json_pack("{s:s}", "version", SHIM_SIGNAL_VERSION);
		return NULL;
	}
	if (strcmp(method, "listAccounts") == 0 && ctx->account != NULL) {
		/* A single-account daemon has no multi-account commands. */
		set_error(err, RPC_METHOD_NOT_FOUND, "Method not implemented");
		return NULL;
	}
	if ((gw = json_pack("{s:s}", "channel", "signal")) == NULL) {
		set_error(err, RPC_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	if (strcmp(method, "send") == 0) {
		*gw_method = "send";
		return build_send(params, gw, fds, nfds_max, nfds, err);
	}
	if (strcmp(method, "sendReaction") == 0) {
		*gw_method = "react";
		return build_reaction(params, gw, err);
	}
	if (strcmp(method, "sendTyping") == 0) {
		*gw_method = "typing";
		return build_typing(params, gw, err);
	}
	if (strcmp(method, "sendReceipt") == 0) {
		*gw_method = "receipt";
		return build_receipt(params, gw, err);
	}
	if (strcmp(method, "remoteDelete") == 0) {
		*gw_method = "delete";
		return build_delete(params, gw, err);
	}
	if (strcmp(method, "listGroups") == 0 ||
	    strcmp(method, "listContacts") == 0) {
		/* The filter is read afterwards; its type is checked now. */
		if ((id = param_list(params, strcmp(method, "listGroups") ==
		    0 ? "groupId" : "recipient", err)) == NULL) {
			json_decref(gw);
			return NULL;
		}
		json_decref(id);
	}
	if (strcmp(method, "listGroups") == 0) {
		*gw_method = "groups.list";
		return gw;
	}
	if (strcmp(method, "listContacts") == 0) {
		*gw_method = "contacts.list";
		return gw;
	}
	if (strcmp(method, "listAccounts") == 0) {
		*gw_method = "status";
		return gw;
	}
	if (strcmp(method, "getAttachment") == 0) {
		id = shim_signal_param(params, "id");
		if (!json_is_string(id)) {
			set_error(err, SIGNAL_ERR_USER,
			    "No attachment id given");
			json_decref(gw);
			return NULL;
		}
		*gw_method = "attachment.get";
		if (json_object_set(gw, "id", id) == -1) {
			set_error(err, RPC_INTERNAL_ERROR, "out of memory");
			json_decref(gw);
			return NULL;
		}
		return gw;
	}
	json_decref(gw);
	set_error(err, RPC_METHOD_NOT_FOUND, "Method not implemented");
	return NULL;
}

/* Keep the entries of list whose key is in the filter (if non-empty). */
static json_t *
filter_list(json_t *list, const char *key, const char *key2, json_t *filter)
{
	json_t		*out, *e, *f, *v;
	size_t		 i, j;

	if (filter == NULL || json_array_size(filter) == 0)
		return json_incref(list);
	if ((out = json_array()) == NULL)
		return NULL;
	json_array_foreach(list, i, e) {
		json_array_foreach(filter, j, f) {
			v = json_object_get(e, key);
			if (!json_is_string(v) && key2 != NULL)
				v = json_object_get(e, key2);
			if (json_is_string(v) && strcmp(json_string_value(v),
			    json_string_value(f)) == 0) {
				(void)json_array_append(out, e);
				break;
			}
		}
	}
	return out;
}

json_t *
shim_signal_convert_result(const char *method, json_t *result)
{
	json_t	*v;

	if (strcmp(method, "listGroups") == 0) {
		v = json_object_get(result, "groups");
		return json_is_array(v) ? json_incref(v) : NULL;
	}
	if (strcmp(method, "listContacts") == 0) {
		v = json_object_get(result, "contacts");
		return json_is_array(v) ? json_incref(v) : NULL;
	}
	if (strcmp(method, "listAccounts") == 0) {
		v = json_object_get(result, "account");
		if (!json_is_string(v))
			return NULL;
		return json_pack("[{s:O}]", "number", v);
	}
	if (result == NULL)
		return NULL;
	return json_incref(result);
}

json_t *
shim_signal_call(const struct shim_signal_ctx *ctx, const char *method,
    json_t *params, struct shim_signal_error *err)
{
	struct shim_reply	 reply;
	json_t			*gw, *local;
	const char		*gw_method;
	char			 why[SHIM_ERR_MAX];
	int			 fds[SHIM_MAX_FDS];
	size_t			 nfds;
	int			 rc;

	gw = shim_signal_build_request(ctx, method, params, &gw_method, fds,
	    SHIM_MAX_FDS, &nfds, &local, err);
	if (local != NULL)
		return local;
	if (gw == NULL)
		return NULL;
	rc = shim_call_fds(ctx->socket_path, gw_method, gw, fds, nfds,
	    ctx->timeout_ms, SHIM_MAX_ANSWER, &reply, why, sizeof(why));
	close_fds(fds, &nfds);
	json_decref(gw);
	return shim_signal_call_result(method, params, rc, &reply, why, err);
}

json_t *
shim_signal_call_result(const char *method, json_t *params, int rc,
    struct shim_reply *reply_in, const char *why,
    struct shim_signal_error *err)
{
	struct shim_reply	 reply;
	json_t			*out, *filtered, *filter;

	if (rc != SHIM_OK) {
		set_error(err, SIGNAL_ERR_IO, "%s", why);
		return NULL;
	}
	reply = *reply_in;
	if (reply.is_error) {
		shim_signal_map_error(reply.code, reply.message, reply.data,
		    err);
		shim_reply_free(&reply);
		return NULL;
	}
	out = shim_signal_convert_result(method, reply.result);
	shim_reply_free(&reply);
	if (out == NULL) {
		set_error(err, RPC_INTERNAL_ERROR,
		    "unexpected answer from the gateway");
		return NULL;
	}
	filter = NULL;
	if (strcmp(method, "listGroups") == 0)
		filter = param_list(params, "groupId", err);
	else if (strcmp(method, "listContacts") == 0)
		filter = param_list(params, "recipient", err);
	else
		return out;
	if (filter == NULL) {
		json_decref(out);
		return NULL;
	}
	filtered = filter_list(out, strcmp(method, "listGroups") == 0 ?
	    "id" : "number", strcmp(method, "listGroups") == 0 ? NULL : "uuid",
	    filter);
	json_decref(filter);
	json_decref(out);
	if ((out = filtered) == NULL)
		set_error(err, RPC_INTERNAL_ERROR, "out of memory");
	return out;
}

/* ---- JSON-RPC framing --------------------------------------------- */

static json_t *
response_error(int code, const char *message, json_t *id)
{
	return json_pack("{s:s,s:{s:i,s:s},s:O}", "jsonrpc", "2.0",
	    "error", "code", code, "message", message,
	    "id", id != NULL ? id : json_null());
}

static json_t *
response_result(json_t *result, json_t *id)
{
	return json_pack("{s:s,s:o,s:O}", "jsonrpc", "2.0", "result", result,
	    "id", id);
}

static const char *
node_type(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return "STRING";
	case JSON_INTEGER:
	case JSON_REAL:
		return "NUMBER";
	case JSON_TRUE:
	case JSON_FALSE:
		return "BOOLEAN";
	case JSON_NULL:
		return "NULL";
	case JSON_ARRAY:
		return "ARRAY";
	default:
		return "OBJECT";
	}
}

/* The id as signal-cli reads it: a value, or absent. */
static json_t *
request_id(json_t *req)
{
	json_t	*id;

	id = json_object_get(req, "id");
	if (id == NULL || json_is_object(id) || json_is_array(id))
		return NULL;
	return id;
}

/* One request object: its response, or NULL for a notification. */
static json_t *
answer_request(const struct shim_signal_ctx *ctx, json_t *req,
    shim_signal_call_fn call, void *arg)
{
	struct shim_signal_error	 err;
	json_t				*id, *v, *params, *result;
	const char			*method;

	id = request_id(req);
	v = json_object_get(req, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
		return response_error(RPC_INVALID_REQUEST,
		    "only jsonrpc version 2.0 is supported", id);
	v = json_object_get(req, "method");
	if (!json_is_string(v))
		return response_error(RPC_INVALID_REQUEST,
		    "method field must be set", id);
	method = json_string_value(v);
	params = json_object_get(req, "params");
	if (json_is_null(params))
		params = NULL;
	memset(&err, 0, sizeof(err));
	result = call(ctx, method, params, &err, arg);
	if (id == NULL) {
		json_decref(result);
		return NULL;
	}
	if (result == NULL)
		return response_error(err.code, err.message, id);
	return response_result(result, id);
}

/* shim_signal_call() as a shim_signal_call_fn. */
static json_t *
call_now(const struct shim_signal_ctx *ctx, const char *method,
    json_t *params, struct shim_signal_error *err, void *arg)
{
	(void)arg;
	return shim_signal_call(ctx, method, params, err);
}

json_t *
shim_signal_rpc_answer(const struct shim_signal_ctx *ctx, json_t *message)
{
	return shim_signal_rpc_answer_with(ctx, message, call_now, NULL);
}

json_t *
shim_signal_rpc_answer_with(const struct shim_signal_ctx *ctx,
    json_t *message, shim_signal_call_fn call, void *arg)
{
	json_t	*out, *e, *r;
	size_t	 i;
	char	 text[64];

	if (json_is_array(message)) {
		if (json_array_size(message) == 0)
			return response_error(RPC_INVALID_REQUEST,
			    "invalid request", NULL);
		if ((out = json_array()) == NULL)
			return NULL;
		json_array_foreach(message, i, e) {
			if (!json_is_object(e))
				r = response_error(RPC_INVALID_REQUEST,
				    "invalid request", NULL);
			else if (json_object_get(e, "result") != NULL ||
			    json_object_get(e, "error") != NULL)
				r = NULL;
			else
				r = answer_request(ctx, e, call, arg);
			if (r != NULL)
				(void)json_array_append_new(out, r);
		}
		if (json_array_size(out) == 0) {
			json_decref(out);
			return NULL;
		}
		return out;
	}
	if (json_is_object(message)) {
		/* A response from the client: nothing to answer. */
		if (json_object_get(message, "result") != NULL ||
		    json_object_get(message, "error") != NULL)
			return NULL;
		return answer_request(ctx, message, call, arg);
	}
	(void)snprintf(text, sizeof(text), "unexpected type: %s",
	    node_type(message));
	return response_error(RPC_INVALID_REQUEST, text, NULL);
}

json_t *
shim_signal_rpc_answer_text(const struct shim_signal_ctx *ctx,
    const char *text, size_t len)
{
	json_error_t	 jerr;
	json_t		*message, *out;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			break;
	if (i == len)
		return response_error(RPC_INVALID_REQUEST, "invalid request",
		    NULL);
	if ((message = json_loadb(text, len, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return response_error(RPC_PARSE_ERROR, jerr.text, NULL);
	out = shim_signal_rpc_answer(ctx, message);
	json_decref(message);
	return out;
}
