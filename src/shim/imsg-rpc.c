/*
 * imsg rpc through the gateway: the real tool's JSON-RPC 2.0 server on
 * stdin/stdout (one object per line; methods chats.list,
 * messages.history, watch.subscribe, watch.unsubscribe, send, typing,
 * read), each request turned into a gateway call on a connection of its
 * own (the gateway serves one process per connection) and each
 * subscription into an inbox subscription on its own connection.  One
 * poll(2) loop multiplexes them all, so many requests are in flight
 * while subscriptions stream, and every line is written whole by one
 * write(2) loop: answers and notifications never interleave.
 *
 * Parameters are read as leniently as the real server reads them (an
 * integer may come as a string, a participants list as "a,b"); answers,
 * notifications and errors have its shapes: errors carry the standard
 * code, the standard message and a string "data"; gateway refusals
 * (recipient not allowed, rate limited ...) are -32603 "Internal error"
 * with the reason in data, as the real server reports a failed send.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "protocol.h"
#include "rpc.h"
#include "shim.h"
#include "util.h"

#define RPC_CHANNEL		"imsg"
#define RPC_INFLIGHT_MAX	64	/* requests waiting for the gateway */
#define RPC_SUBS_MAX		16	/* open subscriptions */
#define RPC_LIMIT_MAX		1000	/* the gateway's most */

/* What a gateway answer becomes. */
enum rpc_kind {
	KIND_CHATS,		/* {"chats":[...]} */
	KIND_MESSAGES,		/* {"messages":[...]} */
	KIND_OK			/* {"ok":true} */
};

/* One request waiting for its gateway answer. */
struct rpc_req {
	int			 in_use;
	json_t			*id;	/* NULL: a notification */
	enum rpc_kind		 kind;
	struct shim_conn	 conn;
};

/* One watch.subscribe: pending until the gateway answers, then live. */
struct rpc_sub {
	int			 id;		/* 0: free slot */
	int			 live;
	json_t			*req_id;	/* pending: to answer */
	int			 req_pending;	/* an answer is owed */
	struct shim_conn	 conn;
	json_int_t		 gateway_sub;
	struct shim_imsg_args	 filter;	/* owned strings */
	int			 attachments;
	int			 have_last;
	json_int_t		 last_id;
};

struct rpc {
	int			 out_fd;
	const char		*path;
	int			 timeout_ms;
	int			 verbose;
	struct linereader	 in;
	int			 in_eof;
	int			 failed;	/* output or input broke */
	struct rpc_req		 reqs[RPC_INFLIGHT_MAX];
	size_t			 nreqs;
	struct rpc_sub		 subs[RPC_SUBS_MAX];
	size_t			 npending; /* subscribes unanswered */
	int			 next_sub;
};

static int	 write_line(struct rpc *, json_t *);
static void	 respond(struct rpc *, json_t *, json_t *);
static void	 respond_error(struct rpc *, json_t *, int, const char *);
static void	 respond_gateway_error(struct rpc *, json_t *,
		    const struct shim_reply *);
static void	 notify(struct rpc *, const char *, json_t *);
static int	 int_param(json_t *, const char *, json_int_t *);
static const char *string_param(json_t *, const char *, char *, size_t);
static int	 bool_param(json_t *, const char *, int);
static json_t	*strings_param(json_t *, const char *);
static int	 check_dates(struct rpc *, json_t *, json_t *);
static json_t	*gateway_params(void);
static int	 add_target(struct rpc *, json_t *, json_t *, json_t *,
		    const char *);
static void	 start_call(struct rpc *, json_t *, enum rpc_kind,
		    const char *, json_t *, int);
static void	 m_chats(struct rpc *, json_t *, json_t *);
static void	 m_history(struct rpc *, json_t *, json_t *);
static void	 m_subscribe(struct rpc *, json_t *, json_t *);
static void	 m_unsubscribe(struct rpc *, json_t *, json_t *);
static void	 m_send(struct rpc *, json_t *, json_t *);
static void	 m_typing(struct rpc *, json_t *, json_t *);
static void	 m_read(struct rpc *, json_t *, json_t *);
static void	 handle_line(struct rpc *, const char *, size_t);
static int	 conn_next(struct shim_conn *, char **, size_t *);
static void	 req_done(struct rpc *, struct rpc_req *);
static void	 req_input(struct rpc *, struct rpc_req *);
static void	 sub_free(struct rpc *, struct rpc_sub *);
static void	 sub_fail(struct rpc *, struct rpc_sub *, const char *);
static void	 sub_message(struct rpc *, struct rpc_sub *, json_t *);
static int	 sub_line(struct rpc *, struct rpc_sub *, const char *,
		    size_t);
static void	 sub_input(struct rpc *, struct rpc_sub *);
static void	 expire(struct rpc *);

static const struct {
	const char	*name;
	void		(*fn)(struct rpc *, json_t *, json_t *);
} rpc_methods[] = {
	{ "chats.list", m_chats },
	{ "messages.history", m_history },
	{ "watch.subscribe", m_subscribe },
	{ "watch.unsubscribe", m_unsubscribe },
	{ "send", m_send },
	{ "typing", m_typing },
	{ "read", m_read },
};

/*
 * One object, compact, on one line, written whole.  Returns 0, or -1
 * once the output has failed (everything after is dropped).
 */
static int
write_line(struct rpc *r, json_t *v)
{
	char	*text, *p;
	size_t	 len, off = 0;
	ssize_t	 n;

	if (r->failed)
		return -1;
	if ((text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		r->failed = 1;
		return -1;
	}
	len = strlen(text);
	if ((p = realloc(text, len + 2)) == NULL) {
		free(text);
		r->failed = 1;
		return -1;
	}
	text = p;
	text[len++] = '\n';
	while (off < len) {
		n = write(r->out_fd, text + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			r->failed = 1;
			break;
		}
		off += (size_t)n;
	}
	free(text);
	return r->failed ? -1 : 0;
}

/* Answer a request; a notification (id NULL) gets nothing.  Steals res. */
static void
respond(struct rpc *r, json_t *id, json_t *res)
{
	json_t	*v;

	if (id != NULL && res != NULL) {
		v = json_pack("{s:s,s:O,s:O}", "jsonrpc", "2.0", "id", id,
		    "result", res);
		if (v != NULL)
			(void)write_line(r, v);
		json_decref(v);
	}
	json_decref(res);
}

/* An error with the standard message for its code and data text. */
static void
respond_error(struct rpc *r, json_t *id, int code, const char *data)
{
	const char	*message;
	json_t		*v;

	switch (code) {
	case RPC_PARSE_ERROR:
		message = "Parse error";
		break;
	case RPC_INVALID_REQUEST:
		message = "Invalid Request";
		break;
	case RPC_METHOD_NOT_FOUND:
		message = "Method not found";
		break;
	case RPC_INVALID_PARAMS:
		message = "Invalid params";
		break;
	default:
		code = RPC_INTERNAL_ERROR;
		message = "Internal error";
		break;
	}
	/* As the real server: errors answer notifications too (id null). */
	v = json_pack("{s:s,s:O,s:{s:i,s:s,s:o}}", "jsonrpc", "2.0",
	    "id", id != NULL ? id : json_null(), "error", "code", code,
	    "message", message, "data", shim_json_string(data));
	if (v != NULL)
		(void)write_line(r, v);
	json_decref(v);
}

/*
 * A gateway error in the real server's terms: what the gateway found
 * wrong with the parameters is "Invalid params"; every refusal or
 * failure is "Internal error", as a send the real tool could not make.
 */
static void
respond_gateway_error(struct rpc *r, json_t *id, const struct shim_reply *g)
{
	char	text[SHIM_ERR_MAX + 64];

	if (g->code == RPC_INVALID_PARAMS) {
		respond_error(r, id, RPC_INVALID_PARAMS, g->message);
		return;
	}
	shim_error_text(g->code, g->message, g->data, text, sizeof(text));
	respond_error(r, id, RPC_INTERNAL_ERROR, text);
}

/* Steals params. */
static void
notify(struct rpc *r, const char *method, json_t *params)
{
	json_t	*v;

	v = json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method,
	    "params", params);
	if (v != NULL)
		(void)write_line(r, v);
	json_decref(v);
}

/* As the real server reads an integer: a number, or a string of one. */
static int
int_param(json_t *params, const char *key, json_int_t *out)
{
	json_t	*v = json_object_get(params, key);
	int64_t	 n;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v) && json_real_value(v) > -9.2e18 &&
	    json_real_value(v) < 9.2e18) {
		*out = (json_int_t)json_real_value(v);
		return 0;
	}
	if (json_is_string(v) &&
	    shim_imsg_parse_int(json_string_value(v), &n) == 0) {
		*out = (json_int_t)n;
		return 0;
	}
	return -1;
}

/* A string, or a number's text; NULL when absent or of another type. */
static const char *
string_param(json_t *params, const char *key, char *buf, size_t len)
{
	json_t	*v = json_object_get(params, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		(void)snprintf(buf, len, "%lld",
		    (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

static int
bool_param(json_t *params, const char *key, int dflt)
{
	json_t		*v = json_object_get(params, key);
	const char	*s;

	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		if (strcmp(s, "true") == 0)
			return 1;
		if (strcmp(s, "false") == 0)
			return 0;
	}
	return dflt;
}

/*
 * A list of strings: an array (numbers become their text), or one
 * string split on commas and trimmed.  Returns a new array, possibly
 * empty, or NULL when out of memory.
 */
static json_t *
strings_param(json_t *params, const char *key)
{
	json_t		*v = json_object_get(params, key), *list, *item;
	const char	*s, *comma;
	char		 num[32];
	size_t		 i, len;

	if ((list = json_array()) == NULL)
		return NULL;
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (json_is_string(item))
				(void)json_array_append(list, item);
			else if (json_is_integer(item)) {
				(void)snprintf(num, sizeof(num), "%lld",
				    (long long)json_integer_value(item));
				(void)json_array_append_new(list,
				    json_string(num));
			}
		}
	} else if (json_is_string(v)) {
		for (s = json_string_value(v);; s = comma + 1) {
			comma = strchr(s, ',');
			len = comma == NULL ? strlen(s) : (size_t)(comma - s);
			while (len > 0 && (*s == ' ' || *s == '\t' ||
			    *s == '\n')) {
				s++;
				len--;
			}
			while (len > 0 && (s[len - 1] == ' ' ||
			    s[len - 1] == '\t' || s[len - 1] == '\n'))
				len--;
			if (len > 0)
				(void)json_array_append_new(list,
				    json_stringn(s, len));
			if (comma == NULL)
				break;
		}
	}
	return list;
}

/* start and end must be ISO 8601 dates; -1 after answering if not. */
static int
check_dates(struct rpc *r, json_t *id, json_t *params)
{
	static const char *const keys[] = { "start", "end" };
	json_t		*v;
	int64_t		 ms;
	size_t		 i;
	char		 text[SHIM_ERR_MAX];

	for (i = 0; i < 2; i++) {
		v = json_object_get(params, keys[i]);
		if (!json_is_string(v) || json_string_length(v) == 0)
			continue;
		if (shim_imsg_parse_iso(json_string_value(v), &ms) == -1) {
			(void)snprintf(text, sizeof(text),
			    "Invalid ISO8601 date: %s", json_string_value(v));
			respond_error(r, id, RPC_INTERNAL_ERROR, text);
			return -1;
		}
	}
	return 0;
}

static json_t *
gateway_params(void)
{
	return json_pack("{s:s}", "channel", RPC_CHANNEL);
}

/*
 * The one target of send, typing and read: to, or one of chat_id,
 * chat_identifier, chat_guid (the first given, in that order), as the
 * real server checks them.  Returns 0, or -1 after answering.
 */
static int
add_target(struct rpc *r, json_t *id, json_t *params, json_t *g,
    const char *missing)
{
	const char	*to, *ident, *guid;
	char		 b1[32], b2[32], b3[32];
	json_int_t	 chat_id;
	int		 has_chat_id, has_chat;

	to = string_param(params, "to", b1, sizeof(b1));
	ident = string_param(params, "chat_identifier", b2, sizeof(b2));
	guid = string_param(params, "chat_guid", b3, sizeof(b3));
	has_chat_id = int_param(params, "chat_id", &chat_id) == 0;
	has_chat = has_chat_id || (ident != NULL && *ident != '\0') ||
	    (guid != NULL && *guid != '\0');
	if (has_chat && to != NULL && *to != '\0') {
		respond_error(r, id, RPC_INVALID_PARAMS,
		    "use to or chat_*; not both");
		return -1;
	}
	if (!has_chat && (to == NULL || *to == '\0')) {
		respond_error(r, id, RPC_INVALID_PARAMS, missing);
		return -1;
	}
	if (!has_chat)
		return json_object_set_new(g, "to", shim_json_string(to));
	if (has_chat_id)
		return json_object_set_new(g, "chat_id",
		    json_integer(chat_id));
	if (ident != NULL && *ident != '\0')
		return json_object_set_new(g, "chat_identifier",
		    shim_json_string(ident));
	return json_object_set_new(g, "chat_guid", shim_json_string(guid));
}

/*
 * Send one gateway request on a connection of its own; its answer is
 * picked up by the loop.  Steals gparams; closes pass_fd.
 */
static void
start_call(struct rpc *r, json_t *id, enum rpc_kind kind, const char *method,
    json_t *gparams, int pass_fd)
{
	struct rpc_req	*q = NULL;
	char		 err[SHIM_ERR_MAX];
	size_t		 i;

	for (i = 0; i < RPC_INFLIGHT_MAX; i++)
		if (!r->reqs[i].in_use) {
			q = &r->reqs[i];
			break;
		}
	if (gparams == NULL || q == NULL) {
		respond_error(r, id, RPC_INTERNAL_ERROR, gparams == NULL ?
		    "out of memory" : "too many requests in flight");
		goto out;
	}
	if (shim_connect(&q->conn, r->path, r->timeout_ms, SHIM_MAX_ANSWER,
	    err, sizeof(err)) != SHIM_OK) {
		respond_error(r, id, RPC_INTERNAL_ERROR, err);
		goto out;
	}
	if (shim_send_request(&q->conn, method, gparams, pass_fd, err,
	    sizeof(err)) != SHIM_OK) {
		shim_close(&q->conn);
		respond_error(r, id, RPC_INTERNAL_ERROR, err);
		goto out;
	}
	if (r->verbose)
		(void)fprintf(stderr, "imsg rpc: %s via %s\n", method,
		    r->path);
	q->in_use = 1;
	q->kind = kind;
	q->id = id != NULL ? json_incref(id) : NULL;
	r->nreqs++;
out:
	if (pass_fd != -1)
		(void)close(pass_fd);
	json_decref(gparams);
}

static void
m_chats(struct rpc *r, json_t *id, json_t *params)
{
	json_t		*g;
	json_int_t	 limit = 20;

	(void)int_param(params, "limit", &limit);
	if (limit < 1)
		limit = 1;
	if (limit > RPC_LIMIT_MAX)
		limit = RPC_LIMIT_MAX;
	if ((g = gateway_params()) != NULL &&
	    json_object_set_new(g, "limit", json_integer(limit)) == -1) {
		json_decref(g);
		g = NULL;
	}
	start_call(r, id, KIND_CHATS, "chats.list", g, -1);
}

static void
m_history(struct rpc *r, json_t *id, json_t *params)
{
	json_t		*g, *parts;
	json_int_t	 chat_id, limit = 50;
	const char	*s;
	char		 buf[32];
	int		 rc = 0;

	if (int_param(params, "chat_id", &chat_id) == -1) {
		respond_error(r, id, RPC_INVALID_PARAMS, "chat_id is required");
		return;
	}
	if (check_dates(r, id, params) == -1)
		return;
	(void)int_param(params, "limit", &limit);
	if (limit < 1)
		limit = 1;
	if (limit > RPC_LIMIT_MAX)
		limit = RPC_LIMIT_MAX;
	if ((g = gateway_params()) == NULL) {
		start_call(r, id, KIND_MESSAGES, "messages.history", NULL, -1);
		return;
	}
	rc |= json_object_set_new(g, "chat_id", json_integer(chat_id));
	rc |= json_object_set_new(g, "limit", json_integer(limit));
	if (bool_param(params, "attachments", 0))
		rc |= json_object_set_new(g, "attachments", json_true());
	if ((parts = strings_param(params, "participants")) == NULL)
		rc = -1;
	else if (json_array_size(parts) > 0)
		rc |= json_object_set_new(g, "participants", parts);
	else
		json_decref(parts);
	if ((s = string_param(params, "start", buf, sizeof(buf))) != NULL &&
	    *s != '\0')
		rc |= json_object_set_new(g, "start", shim_json_string(s));
	if ((s = string_param(params, "end", buf, sizeof(buf))) != NULL &&
	    *s != '\0')
		rc |= json_object_set_new(g, "end", shim_json_string(s));
	if (rc != 0) {
		json_decref(g);
		g = NULL;
	}
	start_call(r, id, KIND_MESSAGES, "messages.history", g, -1);
}

static void
m_subscribe(struct rpc *r, json_t *id, json_t *params)
{
	struct rpc_sub	*sub = NULL;
	json_t		*g, *parts, *p;
	json_int_t	 since, chat_id;
	const char	*s;
	char		 err[SHIM_ERR_MAX], buf[32];
	size_t		 i;
	int		 has_since;

	if (check_dates(r, id, params) == -1)
		return;
	for (i = 0; i < RPC_SUBS_MAX; i++)
		if (r->subs[i].id == 0) {
			sub = &r->subs[i];
			break;
		}
	if (sub == NULL) {
		respond_error(r, id, RPC_INTERNAL_ERROR,
		    "too many subscriptions");
		return;
	}
	memset(sub, 0, sizeof(*sub));
	sub->conn.fd = -1;
	has_since = int_param(params, "since_rowid", &since) == 0;
	g = json_pack("{s:[s]}", "channels", RPC_CHANNEL);
	if (g != NULL && has_since &&
	    json_object_set_new(g, "since", json_pack("{s:I}", RPC_CHANNEL,
	    since < 0 ? (json_int_t)0 : since)) == -1) {
		json_decref(g);
		g = NULL;
	}
	if (g == NULL) {
		respond_error(r, id, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}

	/* The real watch's filters, applied to what policy let through. */
	if (int_param(params, "chat_id", &chat_id) == 0) {
		sub->filter.has_chat_id = 1;
		sub->filter.chat_id = chat_id;
	}
	sub->filter.reactions = bool_param(params, "include_reactions", 0);
	sub->attachments = bool_param(params, "attachments", 0);
	if ((s = string_param(params, "start", buf, sizeof(buf))) != NULL &&
	    *s != '\0')
		sub->filter.start = xstrdup(s);
	if ((s = string_param(params, "end", buf, sizeof(buf))) != NULL &&
	    *s != '\0')
		sub->filter.end = xstrdup(s);
	if ((parts = strings_param(params, "participants")) != NULL) {
		json_array_foreach(parts, i, p) {
			sub->filter.participants = xreallocarray(
			    sub->filter.participants,
			    sub->filter.nparticipants + 1, sizeof(char *));
			sub->filter.participants[sub->filter.nparticipants++] =
			    xstrdup(json_string_value(p));
		}
		json_decref(parts);
	}
	if (has_since) {
		sub->have_last = 1;
		sub->last_id = since < 0 ? 0 : since;
	}

	if (shim_connect(&sub->conn, r->path, r->timeout_ms, SHIM_MAX_ANSWER,
	    err, sizeof(err)) != SHIM_OK ||
	    shim_send_request(&sub->conn, "inbox.subscribe", g, -1, err,
	    sizeof(err)) != SHIM_OK) {
		json_decref(g);
		sub_free(r, sub);
		respond_error(r, id, RPC_INTERNAL_ERROR, err);
		return;
	}
	json_decref(g);
	/* Numbered in request order, as the real server numbers them. */
	sub->id = ++r->next_sub;
	sub->req_id = id != NULL ? json_incref(id) : NULL;
	sub->req_pending = 1;
	r->npending++;
	if (r->verbose)
		(void)fprintf(stderr, "imsg rpc: subscription %d via %s\n",
		    sub->id, r->path);
}

static void
m_unsubscribe(struct rpc *r, json_t *id, json_t *params)
{
	json_int_t	 n;
	size_t		 i;

	if (int_param(params, "subscription", &n) == -1) {
		respond_error(r, id, RPC_INVALID_PARAMS,
		    "subscription is required");
		return;
	}
	for (i = 0; i < RPC_SUBS_MAX; i++) {
		if (r->subs[i].id == 0 || r->subs[i].id != n)
			continue;
		/* The subscribe is answered before it is cancelled. */
		if (r->subs[i].req_pending)
			respond(r, r->subs[i].req_id, json_pack("{s:i}",
			    "subscription", r->subs[i].id));
		sub_free(r, &r->subs[i]);
	}
	respond(r, id, json_pack("{s:b}", "ok", 1));
}

static void
m_send(struct rpc *r, json_t *id, json_t *params)
{
	json_t		*g;
	const char	*text, *file, *service, *region, *slash;
	char		 b1[32], b2[32], b3[32], b4[32], err[SHIM_ERR_MAX];
	int		 fd = -1, rc = 0;

	text = string_param(params, "text", b1, sizeof(b1));
	file = string_param(params, "file", b2, sizeof(b2));
	service = string_param(params, "service", b3, sizeof(b3));
	region = string_param(params, "region", b4, sizeof(b4));
	if (service != NULL && strcmp(service, "auto") != 0 &&
	    strcmp(service, "imessage") != 0 && strcmp(service, "sms") != 0) {
		respond_error(r, id, RPC_INVALID_PARAMS, "invalid service");
		return;
	}
	if ((g = gateway_params()) == NULL) {
		respond_error(r, id, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	if (add_target(r, id, params, g, "to is required for direct sends") ==
	    -1) {
		json_decref(g);
		return;
	}
	if ((text == NULL || *text == '\0') &&
	    (file == NULL || *file == '\0')) {
		json_decref(g);
		respond_error(r, id, RPC_INVALID_PARAMS,
		    "text or file is required");
		return;
	}
	if (text != NULL && *text != '\0')
		rc |= json_object_set_new(g, "text", shim_json_string(text));
	if (service != NULL)
		rc |= json_object_set_new(g, "service", json_string(service));
	if (region != NULL && *region != '\0' &&
	    json_object_get(g, "to") != NULL)
		rc |= json_object_set_new(g, "region",
		    shim_json_string(region));
	/* Opened here, as the agent; only the descriptor travels. */
	if (file != NULL && *file != '\0') {
		if ((fd = shim_open_attachment(file, err, sizeof(err))) == -1) {
			json_decref(g);
			respond_error(r, id, RPC_INTERNAL_ERROR, err);
			return;
		}
		slash = strrchr(file, '/');
		rc |= json_object_set_new(g, "attachment", json_pack("{s:o}",
		    "name", shim_json_string(slash != NULL ? slash + 1 :
		    file)));
	}
	if (rc != 0) {
		json_decref(g);
		g = NULL;
	}
	start_call(r, id, KIND_OK, "send", g, fd);
}

static void
m_typing(struct rpc *r, json_t *id, json_t *params)
{
	json_t		*g;
	const char	*service;
	char		 buf[32];

	if ((g = gateway_params()) == NULL) {
		respond_error(r, id, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	if (add_target(r, id, params, g, "to is required") == -1) {
		json_decref(g);
		return;
	}
	service = string_param(params, "service", buf, sizeof(buf));
	if (json_object_get(g, "to") != NULL && service != NULL &&
	    strcmp(service, "auto") != 0 && strcmp(service, "imessage") != 0 &&
	    strcmp(service, "sms") != 0) {
		json_decref(g);
		respond_error(r, id, RPC_INVALID_PARAMS, service);
		return;
	}
	if (json_object_set_new(g, "typing",
	    json_boolean(bool_param(params, "typing", 1))) == -1 ||
	    (service != NULL && json_object_get(g, "to") != NULL &&
	    json_object_set_new(g, "service", json_string(service)) == -1)) {
		json_decref(g);
		g = NULL;
	}
	start_call(r, id, KIND_OK, "typing", g, -1);
}

static void
m_read(struct rpc *r, json_t *id, json_t *params)
{
	json_t	*g;

	if ((g = gateway_params()) == NULL) {
		respond_error(r, id, RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	if (add_target(r, id, params, g, "to is required") == -1) {
		json_decref(g);
		return;
	}
	start_call(r, id, KIND_OK, "read", g, -1);
}

/* One request line, checked as the real server checks it. */
static void
handle_line(struct rpc *r, const char *line, size_t len)
{
	json_error_t	 jerr;
	json_t		*req, *version, *method, *params, *id;
	json_t		*empty = NULL;
	const char	*name;
	size_t		 i;

	while (len > 0 && (*line == ' ' || *line == '\t' || *line == '\r')) {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return;
	if ((req = json_loadb(line, len, JSON_DECODE_ANY, &jerr)) == NULL) {
		respond_error(r, NULL, RPC_PARSE_ERROR, jerr.text);
		return;
	}
	if (!json_is_object(req)) {
		respond_error(r, NULL, RPC_INVALID_REQUEST,
		    "request must be an object");
		json_decref(req);
		return;
	}
	id = json_object_get(req, "id");
	version = json_object_get(req, "jsonrpc");
	if (version != NULL && (!json_is_string(version) ||
	    strcmp(json_string_value(version), "2.0") != 0)) {
		respond_error(r, id, RPC_INVALID_REQUEST,
		    "jsonrpc must be 2.0");
		json_decref(req);
		return;
	}
	method = json_object_get(req, "method");
	if (!json_is_string(method) || json_string_length(method) == 0) {
		respond_error(r, id, RPC_INVALID_REQUEST, "method is required");
		json_decref(req);
		return;
	}
	name = json_string_value(method);
	params = json_object_get(req, "params");
	if (!json_is_object(params))
		params = empty = json_object();
	for (i = 0; i < sizeof(rpc_methods) / sizeof(rpc_methods[0]); i++)
		if (strcmp(rpc_methods[i].name, name) == 0)
			break;
	if (params == NULL)
		respond_error(r, id, RPC_INTERNAL_ERROR, "out of memory");
	else if (i == sizeof(rpc_methods) / sizeof(rpc_methods[0]))
		respond_error(r, id, RPC_METHOD_NOT_FOUND, name);
	else
		rpc_methods[i].fn(r, id, params);
	json_decref(empty);
	json_decref(req);
}

/*
 * The next line already read on a gateway connection: 1 with *line, 0
 * when more input is needed, -1 when the connection ended (closed,
 * failed or a line too long).
 */
static int
conn_next(struct shim_conn *c, char **line, size_t *len)
{
	switch (linereader_next(&c->lr, line, len)) {
	case LINE_OK:
		return 1;
	case LINE_AGAIN:
		return 0;
	default:
		return -1;
	}
}

static void
req_done(struct rpc *r, struct rpc_req *q)
{
	shim_close(&q->conn);
	json_decref(q->id);
	q->id = NULL;
	q->in_use = 0;
	r->nreqs--;
}

/* The gateway's answer to a request, turned into the real result. */
static void
req_input(struct rpc *r, struct rpc_req *q)
{
	struct shim_reply	 reply;
	json_t			*list;
	char			*line, err[SHIM_ERR_MAX];
	size_t			 len;
	int			 fill, got;

	fill = linereader_fill(&q->conn.lr);
	if (fill == LINE_ERROR && (errno == EAGAIN || errno == EINTR))
		return;
	got = conn_next(&q->conn, &line, &len);
	if (got == 0 && fill != LINE_EOF && fill != LINE_ERROR &&
	    fill != LINE_TOOMANYFDS)
		return;
	if (got != 1) {
		(void)snprintf(err, sizeof(err), "the gateway at %s closed "
		    "the connection without answering", r->path);
		respond_error(r, q->id, RPC_INTERNAL_ERROR, err);
		req_done(r, q);
		return;
	}
	if (shim_decode_answer(line, len, &reply, err, sizeof(err)) !=
	    SHIM_OK) {
		respond_error(r, q->id, RPC_INTERNAL_ERROR, err);
		req_done(r, q);
		return;
	}
	if (reply.is_error)
		respond_gateway_error(r, q->id, &reply);
	else {
		switch (q->kind) {
		case KIND_CHATS:
		case KIND_MESSAGES:
			list = json_object_get(reply.result,
			    q->kind == KIND_CHATS ? "chats" : "messages");
			if (!json_is_array(list))
				respond_error(r, q->id, RPC_INTERNAL_ERROR,
				    "malformed answer from the gateway");
			else
				respond(r, q->id, json_pack("{s:O}",
				    q->kind == KIND_CHATS ? "chats" :
				    "messages", list));
			break;
		case KIND_OK:
			respond(r, q->id, json_pack("{s:b}", "ok", 1));
			break;
		}
	}
	shim_reply_free(&reply);
	req_done(r, q);
}

static void
sub_free(struct rpc *r, struct rpc_sub *sub)
{
	size_t	i;

	if (sub->req_pending)
		r->npending--;
	shim_close(&sub->conn);
	json_decref(sub->req_id);
	free((char *)(uintptr_t)sub->filter.start);
	free((char *)(uintptr_t)sub->filter.end);
	for (i = 0; i < sub->filter.nparticipants; i++)
		free(sub->filter.participants[i]);
	free(sub->filter.participants);
	memset(sub, 0, sizeof(*sub));
	sub->conn.fd = -1;
}

/* A live subscription ends: the real server's "error" notification. */
static void
sub_fail(struct rpc *r, struct rpc_sub *sub, const char *why)
{
	notify(r, "error", json_pack("{s:i,s:{s:o}}", "subscription",
	    sub->id, "error", "message", shim_json_string(why)));
	sub_free(r, sub);
}

/* One message the gateway pushed: filtered, shaped, notified. */
static void
sub_message(struct rpc *r, struct rpc_sub *sub, json_t *m)
{
	json_t	*id, *copy, *empty;

	/* Rowids only go forward, as in the real watch. */
	id = json_object_get(m, "id");
	if (json_is_integer(id)) {
		if (sub->have_last && json_integer_value(id) <= sub->last_id)
			return;
		sub->have_last = 1;
		sub->last_id = json_integer_value(id);
	}
	if (!shim_imsg_watch_allows(&sub->filter, m))
		return;
	if ((copy = json_copy(m)) == NULL)
		return;
	/* What the real server leaves out unless asked for. */
	if (!sub->attachments && json_object_get(copy, "attachments") != NULL &&
	    (empty = json_array()) != NULL)
		(void)json_object_set_new(copy, "attachments", empty);
	if (!sub->filter.reactions &&
	    json_object_get(copy, "reactions") != NULL &&
	    (empty = json_array()) != NULL)
		(void)json_object_set_new(copy, "reactions", empty);
	notify(r, "message", json_pack("{s:i,s:o}", "subscription", sub->id,
	    "message", copy));
}

/*
 * One line on a subscription's connection.  Returns 0, or -1 when the
 * subscription ended (freed).
 */
static int
sub_line(struct rpc *r, struct rpc_sub *sub, const char *line, size_t len)
{
	struct shim_reply	 reply;
	json_error_t		 jerr;
	json_t			*v, *error, *params, *s, *chan, *m;
	const char		*method;
	char			 err[SHIM_ERR_MAX + 64];

	if (!sub->live) {
		/* The answer to inbox.subscribe. */
		if (shim_decode_answer(line, len, &reply, err, sizeof(err)) !=
		    SHIM_OK) {
			respond_error(r, sub->req_id, RPC_INTERNAL_ERROR, err);
			sub_free(r, sub);
			return -1;
		}
		if (reply.is_error ||
		    !json_is_integer(json_object_get(reply.result,
		    "subscription"))) {
			if (reply.is_error)
				respond_gateway_error(r, sub->req_id, &reply);
			else
				respond_error(r, sub->req_id,
				    RPC_INTERNAL_ERROR,
				    "malformed answer from the gateway");
			shim_reply_free(&reply);
			sub_free(r, sub);
			return -1;
		}
		sub->gateway_sub = json_integer_value(json_object_get(
		    reply.result, "subscription"));
		shim_reply_free(&reply);
		sub->live = 1;
		sub->req_pending = 0;
		r->npending--;
		respond(r, sub->req_id, json_pack("{s:i}", "subscription",
		    sub->id));
		json_decref(sub->req_id);
		sub->req_id = NULL;
		/* Subscribed: no deadline any more. */
		sub->conn.deadline = 0;
		return 0;
	}

	if ((v = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL || !json_is_object(v)) {
		json_decref(v);
		sub_fail(r, sub, "malformed message from the gateway");
		return -1;
	}
	if ((error = json_object_get(v, "error")) != NULL) {
		shim_error_text(json_is_integer(json_object_get(error,
		    "code")) ? (int)json_integer_value(json_object_get(error,
		    "code")) : RPC_INTERNAL_ERROR,
		    json_string_value(json_object_get(error, "message")),
		    json_object_get(error, "data"), err, sizeof(err));
		json_decref(v);
		sub_fail(r, sub, err);
		return -1;
	}
	method = json_string_value(json_object_get(v, "method"));
	params = json_object_get(v, "params");
	s = json_object_get(params, "subscription");
	chan = json_object_get(params, "channel");
	m = json_object_get(params, "message");
	if (method != NULL && strcmp(method, "inbox.message") == 0 &&
	    json_is_integer(s) && json_integer_value(s) == sub->gateway_sub &&
	    json_is_string(chan) &&
	    strcmp(json_string_value(chan), RPC_CHANNEL) == 0 &&
	    json_is_object(m))
		sub_message(r, sub, m);
	json_decref(v);
	return 0;
}

static void
sub_input(struct rpc *r, struct rpc_sub *sub)
{
	char	*line, err[SHIM_ERR_MAX];
	size_t	 len;
	int	 fill, got;

	fill = linereader_fill(&sub->conn.lr);
	if (fill == LINE_ERROR && (errno == EAGAIN || errno == EINTR))
		return;
	while ((got = conn_next(&sub->conn, &line, &len)) == 1)
		if (sub_line(r, sub, line, len) == -1)
			return;
	if (got == 0 && fill != LINE_EOF && fill != LINE_ERROR &&
	    fill != LINE_TOOMANYFDS)
		return;
	(void)snprintf(err, sizeof(err), "the gateway at %s closed the "
	    "connection", r->path);
	if (!sub->live) {
		respond_error(r, sub->req_id, RPC_INTERNAL_ERROR, err);
		sub_free(r, sub);
	} else
		sub_fail(r, sub, err);
}

/* Requests and pending subscriptions past their deadline. */
static void
expire(struct rpc *r)
{
	uint64_t	 now = util_mono_ms();
	char		 err[SHIM_ERR_MAX];
	size_t		 i;

	(void)snprintf(err, sizeof(err), "no answer from the gateway at %s "
	    "within %d s", r->path, (r->timeout_ms + 999) / 1000);
	for (i = 0; i < RPC_INFLIGHT_MAX; i++)
		if (r->reqs[i].in_use && r->reqs[i].conn.deadline != 0 &&
		    now >= r->reqs[i].conn.deadline) {
			respond_error(r, r->reqs[i].id, RPC_INTERNAL_ERROR,
			    err);
			req_done(r, &r->reqs[i]);
		}
	for (i = 0; i < RPC_SUBS_MAX; i++)
		if (r->subs[i].id != 0 && !r->subs[i].live &&
		    r->subs[i].conn.deadline != 0 &&
		    now >= r->subs[i].conn.deadline) {
			respond_error(r, r->subs[i].req_id, RPC_INTERNAL_ERROR,
			    err);
			sub_free(r, &r->subs[i]);
		}
}

int
shim_imsg_rpc(int in_fd, int out_fd, const char *socket_path, int timeout_ms,
    int verbose)
{
	struct rpc		*r;
	struct pollfd		 pfd[1 + RPC_INFLIGHT_MAX + RPC_SUBS_MAX];
	void			*owner[1 + RPC_INFLIGHT_MAX + RPC_SUBS_MAX];
	int			 is_sub[1 + RPC_INFLIGHT_MAX + RPC_SUBS_MAX];
	char			*line;
	size_t			 len, i, n;
	uint64_t		 now, next;
	int			 ms, got, fill, rc;

	r = xcalloc(1, sizeof(*r));
	r->out_fd = out_fd;
	r->path = socket_path;
	r->timeout_ms = timeout_ms;
	r->verbose = verbose;
	for (i = 0; i < RPC_SUBS_MAX; i++)
		r->subs[i].conn.fd = -1;
	linereader_init(&r->in, in_fd, SHIM_MAX_ANSWER);

	for (;;) {
		/* Lines already read, as far as there is room for them. */
		while (!r->in_eof && !r->failed &&
		    r->nreqs + r->npending < RPC_INFLIGHT_MAX) {
			got = linereader_next(&r->in, &line, &len);
			if (got == LINE_OK) {
				handle_line(r, line, len);
				continue;
			}
			if (got == LINE_EOF && r->in.in.len > r->in.start) {
				/* A last line needs no newline. */
				line = r->in.in.data + r->in.start;
				len = r->in.in.len - r->in.start;
				r->in.start = r->in.scanned = r->in.in.len;
				handle_line(r, line, len);
				continue;
			}
			if (got == LINE_EOF)
				r->in_eof = 1;
			else if (got == LINE_TOOLONG) {
				respond_error(r, NULL, RPC_PARSE_ERROR,
				    "request line too long");
				r->in_eof = r->failed = 1;
			}
			break;
		}
		if (r->failed || (r->in_eof && r->nreqs == 0 &&
		    r->npending == 0))
			break;

		n = 0;
		if (!r->in_eof && r->nreqs + r->npending < RPC_INFLIGHT_MAX) {
			pfd[n].fd = in_fd;
			pfd[n].events = POLLIN;
			owner[n] = NULL;
			is_sub[n++] = 0;
		}
		next = 0;
		for (i = 0; i < RPC_INFLIGHT_MAX; i++) {
			if (!r->reqs[i].in_use)
				continue;
			pfd[n].fd = r->reqs[i].conn.fd;
			pfd[n].events = POLLIN;
			owner[n] = &r->reqs[i];
			is_sub[n++] = 0;
			if (next == 0 || r->reqs[i].conn.deadline < next)
				next = r->reqs[i].conn.deadline;
		}
		for (i = 0; i < RPC_SUBS_MAX; i++) {
			if (r->subs[i].id == 0)
				continue;
			pfd[n].fd = r->subs[i].conn.fd;
			pfd[n].events = POLLIN;
			owner[n] = &r->subs[i];
			is_sub[n++] = 1;
			if (!r->subs[i].live && (next == 0 ||
			    r->subs[i].conn.deadline < next))
				next = r->subs[i].conn.deadline;
		}
		ms = -1;
		if (next != 0) {
			now = util_mono_ms();
			ms = next <= now ? 0 : next - now > 60000 ? 60000 :
			    (int)(next - now);
		}
		if (poll(pfd, (nfds_t)n, ms) == -1) {
			if (errno == EINTR)
				continue;
			r->failed = 1;
			break;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (owner[i] == NULL) {
				fill = linereader_fill(&r->in);
				if (fill == LINE_ERROR && errno != EAGAIN &&
				    errno != EINTR)
					r->in_eof = 1;
				else if (fill == LINE_TOOMANYFDS)
					linereader_drop_fds(&r->in);
			} else if (is_sub[i]) {
				if (((struct rpc_sub *)owner[i])->id != 0)
					sub_input(r, owner[i]);
			} else if (((struct rpc_req *)owner[i])->in_use)
				req_input(r, owner[i]);
		}
		expire(r);
	}

	/* Input ended and every answer is out: subscriptions end here. */
	for (i = 0; i < RPC_SUBS_MAX; i++)
		if (r->subs[i].id != 0)
			sub_free(r, &r->subs[i]);
	for (i = 0; i < RPC_INFLIGHT_MAX; i++)
		if (r->reqs[i].in_use)
			req_done(r, &r->reqs[i]);
	linereader_free(&r->in);
	rc = r->failed ? 1 : 0;
	free(r);
	return rc;
}
