/*
 * imsg rpc through the gateway: the real tool's JSON-RPC 2.0 server on
 * stdin/stdout (one object per line; methods chats.list,
 * messages.history, watch.subscribe, watch.unsubscribe, send, typing,
 * read), each request turned into a gateway call on a connection of its
 * own (the gateway serves one process per connection) and each
 * subscription into an inbox subscription on its own connection.  The
 * shims' server loop (serve.c) multiplexes them all, so many requests
 * are in flight while subscriptions stream, and every line goes whole
 * into one output queue: answers and notifications never interleave.
 * When the agent stops reading its answers the queue stops growing:
 * past the loop's backlog mark neither stdin nor the gateway is read.
 *
 * Parameters are read as leniently as the real server reads them (an
 * integer may come as a string, a participants list as "a,b"); answers,
 * notifications and errors have its shapes: errors carry the standard
 * code, the standard message and a string "data"; gateway refusals
 * (recipient not allowed, rate limited ...) are -32603 "Internal error"
 * with the reason in data, as the real server reports a failed send.
 * What OpenClaw adds to send (reply_to, formatting) goes to the gateway,
 * which decides; nothing a client asks for is dropped here.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
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
#include "imsg.h"
#include "serve.h"
#include "shim.h"
#include "util.h"

#define RPC_CHANNEL		IMSG_CHANNEL
#define RPC_INFLIGHT_MAX	64	/* requests waiting for the gateway */
#define RPC_SUBS_MAX		16	/* open subscriptions */
#define RPC_LIMIT_MAX		1000	/* the gateway's most */

/* What a gateway answer becomes. */
enum rpc_kind {
	KIND_CHATS,		/* {"chats":[...]} */
	KIND_MESSAGES,		/* {"messages":[...]} */
	KIND_OK,		/* {"ok":true} */
	KIND_SENT		/* {"ok":true,"transport"?,"id"?,"guid"?} */
};

struct rpc;

/* One request waiting for its gateway answer. */
struct rpc_req {
	struct rpc		*r;
	json_t			*id;	/* NULL: a notification */
	enum rpc_kind		 kind;
	int			 answered;
};

/* One watch.subscribe: pending until the gateway answers, then live. */
struct rpc_sub {
	int			 id;		/* 0: free slot */
	int			 live;
	json_t			*req_id;	/* pending: to answer */
	int			 req_pending;	/* an answer is owed */
	struct serve_fd		*call;		/* the gateway connection */
	struct rpc		*r;
	json_int_t		 gateway_sub;
	struct shim_imsg_args	 filter;	/* owned strings */
	int			 attachments;
	int			 have_last;
	json_int_t		 last_id;
};

struct rpc {
	struct serve		*loop;
	struct serve_fd		*client;	/* stdin and stdout */
	const char		*path;
	int			 timeout_ms;
	int			 verbose;
	struct linereader	 in;
	int			 in_eof;
	int			 finishing;	/* all answered: flushing */
	int			 pumping;	/* in pump() */
	int			 repump;	/* pump() again */
	int			 failed;	/* output or input broke */
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
static int	 send_extras(struct rpc *, json_t *, json_t *, json_t *);
static void	 m_send(struct rpc *, json_t *, json_t *);
static void	 m_typing(struct rpc *, json_t *, json_t *);
static void	 m_read(struct rpc *, json_t *, json_t *);
static void	 handle_line(struct rpc *, const char *, size_t);
static void	 req_line(struct serve_fd *, int, char *, size_t,
		    const char *, void *);
static void	 req_closed(struct serve_fd *, void *);
static void	 sub_free(struct rpc *, struct rpc_sub *);
static void	 sub_fail(struct rpc *, struct rpc_sub *, const char *);
static void	 sub_message(struct rpc *, struct rpc_sub *, json_t *);
static int	 sub_line(struct rpc *, struct rpc_sub *, const char *,
		    size_t);
static void	 sub_input(struct serve_fd *, int, char *, size_t,
		    const char *, void *);
static void	 sub_closed(struct serve_fd *, void *);
static void	 in_read(struct serve_fd *, void *);
static void	 in_closed(struct serve_fd *, void *);
static void	 pump(struct rpc *);
static void	 pump_once(struct rpc *);

static const struct serve_cb req_cb = {
	.line = req_line,
	.closed = req_closed
};
static const struct serve_cb sub_cb = {
	.line = sub_input,
	.closed = sub_closed
};
static const struct serve_cb in_cb = {
	.read = in_read,
	.closed = in_closed
};

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
 * One object, compact, on one line, queued whole.  Returns 0, or -1
 * once the output has failed (everything after is dropped).
 */
static int
write_line(struct rpc *r, json_t *v)
{
	char	*text, *p;
	size_t	 len;

	if (r->failed || r->client == NULL)
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
	if (serve_write(r->client, text, len) == -1)
		r->failed = 1;
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

	if (gparams == NULL || r->nreqs >= RPC_INFLIGHT_MAX) {
		respond_error(r, id, RPC_INTERNAL_ERROR, gparams == NULL ?
		    "out of memory" : "too many requests in flight");
		goto out;
	}
	q = xcalloc(1, sizeof(*q));
	q->r = r;
	q->kind = kind;
	if (serve_call(r->loop, r->client, r->path, r->timeout_ms, method,
	    gparams, &pass_fd, pass_fd == -1 ? 0 : 1, &req_cb, q, err,
	    sizeof(err)) == NULL) {
		free(q);
		respond_error(r, id, RPC_INTERNAL_ERROR, err);
		goto out;
	}
	if (r->verbose)
		(void)fprintf(stderr, "imsg rpc: %s via %s\n", method,
		    r->path);
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
	sub->r = r;
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

	if ((sub->call = serve_call(r->loop, r->client, r->path,
	    r->timeout_ms, "inbox.subscribe", g, NULL, 0, &sub_cb, sub, err,
	    sizeof(err))) == NULL) {
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

/*
 * What OpenClaw's send adds beyond steipete/imsg 0.9.0's: a threaded
 * reply (reply_to, or replyTo, reply_to_guid, message_guid) and
 * attributed-text runs (formatting, or text_formatting, textFormatting),
 * as openclaw/imsg reads them (Sources/imsg/RPCServer+SendHandlers.swift,
 * commit ed7ee426754b416c4c9d6e15de2368383badb6a9).  They go to the
 * gateway, which carries or refuses them; never dropped here.  Returns
 * 0, 1 after answering (not an array), or -1 when out of memory.
 */
static int
send_extras(struct rpc *r, json_t *id, json_t *params, json_t *g)
{
	static const char *const reply_keys[] = { "reply_to", "replyTo",
	    "reply_to_guid", "message_guid", NULL };
	static const char *const format_keys[] = { "text_formatting",
	    "textFormatting", "formatting", NULL };
	json_t	*v = NULL;
	size_t	 i;

	for (i = 0; reply_keys[i] != NULL; i++)
		if (json_is_string(v = json_object_get(params,
		    reply_keys[i])) && json_string_length(v) > 0)
			break;
	if (reply_keys[i] != NULL && json_object_set(g, "reply_to", v) == -1)
		return -1;
	for (i = 0; format_keys[i] != NULL; i++)
		if ((v = json_object_get(params, format_keys[i])) != NULL &&
		    !json_is_null(v))
			break;
	if (format_keys[i] == NULL)
		return 0;
	if (!json_is_array(v)) {
		respond_error(r, id, RPC_INVALID_PARAMS,
		    "text_formatting must be an array of objects");
		return 1;
	}
	if (json_array_size(v) > 0 && json_object_set(g, "formatting", v) ==
	    -1)
		return -1;
	return 0;
}

static void
m_send(struct rpc *r, json_t *id, json_t *params)
{
	json_t		*g;
	const char	*text, *file, *service, *region, *slash;
	char		 b1[32], b2[32], b3[32], b4[32], err[SHIM_ERR_MAX];
	int		 fd = -1, rc = 0, extra;

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
	if ((extra = send_extras(r, id, params, g)) == 1) {
		json_decref(g);
		if (fd != -1)
			(void)close(fd);
		return;
	}
	if ((rc | extra) != 0) {
		json_decref(g);
		g = NULL;
	}
	start_call(r, id, KIND_SENT, "send", g, fd);
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

/* The request is answered or abandoned: a slot is free again. */
static void
req_closed(struct serve_fd *call, void *arg)
{
	struct rpc_req	*q = arg;
	struct rpc	*r = q->r;

	(void)call;
	json_decref(q->id);
	free(q);
	r->nreqs--;
	pump(r);
}

/* The gateway's answer to a request, turned into the real result. */
static void
req_line(struct serve_fd *call, int rc, char *line, size_t len,
    const char *why, void *arg)
{
	struct rpc_req		*q = arg;
	struct rpc		*r = q->r;
	struct shim_reply	 reply;
	json_t			*list, *transport, *msgid, *guid;
	char			 err[SHIM_ERR_MAX];

	if (q->answered)
		return;
	q->answered = 1;
	serve_close(call);
	if (rc == SHIM_E_TIMEOUT) {
		respond_error(r, q->id, RPC_INTERNAL_ERROR, why);
		return;
	}
	if (rc != SHIM_OK) {
		(void)snprintf(err, sizeof(err), "the gateway at %s closed "
		    "the connection without answering", r->path);
		respond_error(r, q->id, RPC_INTERNAL_ERROR, err);
		return;
	}
	if (shim_decode_answer(line, len, &reply, err, sizeof(err)) !=
	    SHIM_OK) {
		respond_error(r, q->id, RPC_INTERNAL_ERROR, err);
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
		case KIND_SENT:
			/* The real send's answer, as the gateway passes it. */
			transport = json_object_get(reply.result, "transport");
			msgid = json_object_get(reply.result, "id");
			guid = json_object_get(reply.result, "guid");
			respond(r, q->id, json_pack("{s:b,s:O*,s:O*,s:O*}",
			    "ok", 1,
			    "transport", json_is_string(transport) ?
			    transport : NULL,
			    "id", json_is_integer(msgid) ? msgid : NULL,
			    "guid", json_is_string(guid) ? guid : NULL));
			break;
		}
	}
	shim_reply_free(&reply);
}

static void
sub_free(struct rpc *r, struct rpc_sub *sub)
{
	size_t	i;

	if (sub->req_pending)
		r->npending--;
	if (sub->call != NULL)
		serve_close(sub->call);
	json_decref(sub->req_id);
	free((char *)(uintptr_t)sub->filter.start);
	free((char *)(uintptr_t)sub->filter.end);
	for (i = 0; i < sub->filter.nparticipants; i++)
		free(sub->filter.participants[i]);
	free(sub->filter.participants);
	memset(sub, 0, sizeof(*sub));
	pump(r);
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
		serve_set_deadline(sub->call, 0);
		pump(r);
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

/* A line on a subscription's connection, or its end. */
static void
sub_input(struct serve_fd *call, int rc, char *line, size_t len,
    const char *why, void *arg)
{
	struct rpc_sub	*sub = arg;
	struct rpc	*r = sub->r;
	char		 err[SHIM_ERR_MAX];

	if (sub->call != call)
		return;		/* unsubscribed already */
	if (rc == SHIM_OK) {
		(void)sub_line(r, sub, line, len);
		return;
	}
	sub->call = NULL;	/* the loop closes it */
	if (rc == SHIM_E_TIMEOUT)
		(void)snprintf(err, sizeof(err), "%s", why);
	else
		(void)snprintf(err, sizeof(err), "the gateway at %s closed "
		    "the connection", r->path);
	if (!sub->live) {
		respond_error(r, sub->req_id, RPC_INTERNAL_ERROR, err);
		sub_free(r, sub);
	} else
		sub_fail(r, sub, err);
}

/* The loop closed a subscription's connection (its client went away). */
static void
sub_closed(struct serve_fd *call, void *arg)
{
	struct rpc_sub	*sub = arg;

	if (sub->call == call)
		sub->call = NULL;
}

/*
 * Lines already read, as far as there is room for them; stdin is read
 * only while there is.  Once it has ended and every answer is owed no
 * more, the subscriptions end and the output is flushed.
 */
static void
pump(struct rpc *r)
{
	/* A line's handler may end a request: no line inside another. */
	if (r->pumping) {
		r->repump = 1;
		return;
	}
	r->pumping = 1;
	do {
		r->repump = 0;
		pump_once(r);
	} while (r->repump);
	r->pumping = 0;
}

static void
pump_once(struct rpc *r)
{
	char	*line;
	size_t	 len, i;
	int	 got;

	if (r->client == NULL || r->finishing)
		return;
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
	if (r->client == NULL || r->finishing)
		return;
	serve_pause(r->client, r->in_eof ||
	    r->nreqs + r->npending >= RPC_INFLIGHT_MAX);
	if (r->failed || (r->in_eof && r->nreqs == 0 && r->npending == 0)) {
		/* Input ended and every answer is out: subscriptions end. */
		r->finishing = 1;
		for (i = 0; i < RPC_SUBS_MAX; i++)
			if (r->subs[i].id != 0)
				sub_free(r, &r->subs[i]);
		serve_finish(r->client);
	}
}

static void
in_read(struct serve_fd *client, void *arg)
{
	struct rpc	*r = arg;
	int		 fill;

	(void)client;
	fill = linereader_fill(&r->in);
	if (fill == LINE_ERROR && errno != EAGAIN && errno != EINTR)
		r->in_eof = 1;
	else if (fill == LINE_TOOMANYFDS)
		linereader_drop_fds(&r->in);
	pump(r);
}

/* The client is done: flushed, or its output failed. */
static void
in_closed(struct serve_fd *client, void *arg)
{
	struct rpc	*r = arg;

	if (serve_queued(client) > 0 || !r->finishing)
		r->failed = 1;
	r->client = NULL;
}

int
shim_imsg_rpc(int in_fd, int out_fd, const char *socket_path, int timeout_ms,
    int verbose)
{
	struct rpc	*r;
	size_t		 i;
	int		 rc;

	r = xcalloc(1, sizeof(*r));
	r->path = socket_path;
	r->timeout_ms = timeout_ms;
	r->verbose = verbose;
	linereader_init(&r->in, in_fd, SHIM_MAX_ANSWER);
	/*
	 * One client: the agent on stdin/stdout.  Its output has no write
	 * deadline: an agent that stops reading only stalls itself.
	 */
	if ((r->loop = serve_new(1, RPC_INFLIGHT_MAX + RPC_SUBS_MAX)) ==
	    NULL || (r->client = serve_client(r->loop, in_fd, out_fd,
	    2 * SHIM_MAX_ANSWER, 0, &in_cb, r)) == NULL)
		r->failed = 1;
	else {
		if (serve_run(r->loop) == -1)
			r->failed = 1;
	}
	serve_free(r->loop);
	for (i = 0; i < RPC_SUBS_MAX; i++)
		if (r->subs[i].id != 0)
			sub_free(r, &r->subs[i]);
	linereader_free(&r->in);
	rc = r->failed ? 1 : 0;
	free(r);
	return rc;
}
