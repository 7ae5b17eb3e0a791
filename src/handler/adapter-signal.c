/*
 * The Signal adapter.  signal-cli runs as a daemon owned by carapace
 * (units/carapace-signal-cli.service: `daemon --socket`), since a JVM
 * start per message would take seconds; the handler connects to
 * channels.signal.daemon_socket for each request and speaks the
 * daemon's line-delimited JSON-RPC (TOOLS.md).  No value from the client
 * reaches a command line: the daemon takes named JSON params.  What the
 * daemon answers is bounded (max_output), waited for until the channel's
 * timeout, and its errors come back as "tool failed" with the daemon's
 * code and message in the error data.
 *
 * Recipients are normalised and checked like every other channel's; a
 * group is checked as "group:<id>".  Messages go through send_pipeline
 * (holds, limits, content rules); reactions, typing, receipts and
 * remote deletes are checked against the outbound policy (allowed
 * outright: only messages can be held), charged to the same rate
 * limits and audited before the daemon acts.
 * Group and contact lists are filtered by the inbound policy.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "chan-signal.h"
#include "channel.h"
#include "handler.h"
#include "jsonl-client.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "state.h"
#include "util.h"

#define SIGNAL_EMOJI_MAX	64	/* bytes */
#define SIGNAL_STYLES_MAX	64
#define SIGNAL_RECEIPTS_MAX	100
#define SIGNAL_REQUEST_ID	1

static int	signal_send(struct call *, const struct channel *);
static int	signal_react(struct call *, const struct channel *);
static int	signal_typing(struct call *, const struct channel *);
static int	signal_receipt(struct call *, const struct channel *);
static int	signal_delete(struct call *, const struct channel *);
static int	signal_groups(struct call *, const struct channel *);
static int	signal_contacts(struct call *, const struct channel *);
static int	signal_status(struct call *, const struct channel *);
static int	signal_attachment(struct call *, const struct channel *);
static int	signal_exchange(struct call *, const struct channel *,
		    const char *, json_t **);

static const struct rpc_param send_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "recipients", RPC_T_STRINGS, 0 },
	{ "group_id", RPC_T_STRING, 0 },
	{ "text", RPC_T_STRING, 0 },
	{ "attachments", RPC_T_OBJECTS, 0 },
	{ "quote_timestamp", RPC_T_INTEGER, 0 },
	{ "quote_author", RPC_T_STRING, 0 },
	{ "text_style", RPC_T_STRINGS, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param react_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "recipients", RPC_T_STRINGS, 0 },
	{ "group_id", RPC_T_STRING, 0 },
	{ "emoji", RPC_T_STRING, 1 },
	{ "target_author", RPC_T_STRING, 1 },
	{ "target_timestamp", RPC_T_INTEGER, 1 },
	{ "remove", RPC_T_BOOLEAN, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param typing_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "recipients", RPC_T_STRINGS, 0 },
	{ "group_id", RPC_T_STRING, 0 },
	{ "stop", RPC_T_BOOLEAN, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param receipt_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "recipient", RPC_T_STRING, 1 },
	{ "target_timestamps", RPC_T_INTEGERS, 1 },
	{ "type", RPC_T_STRING, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param delete_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "recipients", RPC_T_STRINGS, 0 },
	{ "group_id", RPC_T_STRING, 0 },
	{ "target_timestamp", RPC_T_INTEGER, 1 },
	{ NULL, 0, 0 }
};

static const struct rpc_param channel_only[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ NULL, 0, 0 }
};

static const struct rpc_param attachment_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "id", RPC_T_STRING, 1 },
	{ NULL, 0, 0 }
};

#define SIGNAL_METHOD(n, p, f) { .name = (n), .params = (p), \
	.flags = METHOD_CHANNEL, \
	.fn = (f) }
/* What others see: refused while the channel is frozen. */
#define SIGNAL_OUTBOUND(n, p, f) { .name = (n), .params = (p), \
	.flags = METHOD_CHANNEL | METHOD_OUTBOUND, \
	.fn = (f) }

static int	 signal_deliver(struct call *, const struct channel *, json_t *);

static const struct method signal_methods[] = {
	SIGNAL_OUTBOUND("send", send_params, signal_send),
	SIGNAL_OUTBOUND("react", react_params, signal_react),
	SIGNAL_OUTBOUND("typing", typing_params, signal_typing),
	SIGNAL_OUTBOUND("receipt", receipt_params, signal_receipt),
	SIGNAL_OUTBOUND("delete", delete_params, signal_delete),
	SIGNAL_METHOD("groups.list", channel_only, signal_groups),
	SIGNAL_METHOD("contacts.list", channel_only, signal_contacts),
	SIGNAL_METHOD("status", channel_only, signal_status),
	SIGNAL_METHOD("attachment.get", attachment_params, signal_attachment),
};

static json_t	*signal_lookup(struct call *, const struct channel *,
		    const char *);
static json_t	*signal_notice(const struct channel *, const char *,
		    const char *, const char **);

const struct handler_adapter signal_adapter = {
	.driver = &signal_driver,
	.methods = signal_methods,
	.nmethods = sizeof(signal_methods) / sizeof(signal_methods[0]),
	.deliver = signal_deliver,
	.lookup = signal_lookup,
	.notice = signal_notice,
};

/*
 * A notice to the owner's number: a send's delivery to one recipient,
 * as signal_send builds it (target_json).
 */
static json_t *
signal_notice(const struct channel *ch, const char *address,
    const char *text, const char **cause)
{
	json_t	*d;

	(void)ch;
	if ((d = json_pack("{s:[s],s:s}", "recipients", address, "text",
	    text)) == NULL)
		*cause = "out of memory";
	return d;
}

/* Where a send, reaction or typing indicator goes. */
struct target {
	char		 addr[OUTBOUND_MAX][ADDR_MAX]; /* normalised */
	const char	*ptr[OUTBOUND_MAX];
	size_t		 n;
	const char	*group_id;	/* in addr[0], when a group */
};

/* The daemon. */

static int
daemon_unavailable(struct call *c, const struct channel *ch, const char *why)
{
	const char	*path = SIGNAL_OPTS(ch)->daemon_socket;

	log_warnx("signal daemon %s: %s", path != NULL ? path : "(none)", why);
	c->outcome = AUDIT_OUTCOME_FAILED;
	return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE,
	    json_pack("{s:s}", "channel", c->channel),
	    "channel %s unavailable: cannot reach the signal-cli daemon (%s)",
	    c->channel, why);
}

static int
daemon_timeout(struct call *c, const struct channel *ch, int clamped)
{
	/* The connection's deadline, not the channel's timeout, ran out. */
	if (clamped)
		return tool_deadline(c);
	c->outcome = AUDIT_OUTCOME_TIMEOUT;
	return call_error(c, CP_ERR_TIMEOUT, json_pack("{s:I}", "timeout_ms",
	    (json_int_t)ch->timeout_ms), "%s timed out after %llu ms",
	    c->channel, (unsigned long long)ch->timeout_ms);
}

static int
daemon_broken(struct call *c, const char *why)
{
	c->outcome = AUDIT_OUTCOME_FAILED;
	return call_error(c, CP_ERR_TOOL_FAILED, json_pack("{s:s}", "stderr",
	    why), "%s: signal-cli daemon: %s", c->channel, why);
}

/*
 * One request to the daemon; connects, writes, reads until the answer
 * with our id (notifications in between are skipped).  Takes params
 * (released here, NULL being out of memory).  Returns 0 with *result (a
 * new reference), or -1 with the call's error set.
 */
static int
signal_rpc(struct call *c, const struct channel *ch, const char *method,
    json_t *params, json_t **result)
{
	json_t	*req;
	char	*text;
	int	 rv;

	*result = NULL;
	req = params != NULL ? json_pack("{s:s,s:s,s:O,s:i}", "jsonrpc", "2.0",
	    "method", method, "params", params, "id", SIGNAL_REQUEST_ID) : NULL;
	json_decref(params);
	text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (text == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "out of memory");
	rv = signal_exchange(c, ch, text, result);
	free(text);
	return rv;
}

/*
 * Connect, write text, read the answer; signal_rpc's return.  Every step
 * ends at the channel's timeout, so a daemon that stops reading or
 * answering costs one timeout, not the handler.
 */
static int
signal_exchange(struct call *c, const struct channel *ch, const char *text,
    json_t **result)
{
	struct jsonl_conn	 conn;
	json_t			*ans, *err, *id;
	char			*line;
	const char		*msg;
	size_t			 len;
	uint64_t		 timeout;
	int			 r, rv = -1, clamped;

	if (SIGNAL_OPTS(ch)->daemon_socket == NULL)
		return daemon_unavailable(c, ch, "no daemon_socket");
	if ((timeout = tool_time_left(c, ch->timeout_ms, &clamped)) == 0)
		return tool_deadline(c);
	r = jsonl_connect(&conn, "signal-cli daemon",
	    SIGNAL_OPTS(ch)->daemon_socket, timeout,
	    (size_t)ch->max_output, NULL, 0);
	if (r == JSONL_E_TIMEOUT)
		return daemon_timeout(c, ch, clamped);
	if (r != JSONL_OK)
		return daemon_unavailable(c, ch, conn.errnum == ENAMETOOLONG ?
		    "socket path too long" : strerror(conn.errnum));
	r = jsonl_send(&conn, text, strlen(text), NULL, 0, NULL, 0);
	if (r != JSONL_OK) {
		jsonl_close(&conn);
		if (r == JSONL_E_TIMEOUT)
			return daemon_timeout(c, ch, clamped);
		return daemon_unavailable(c, ch, strerror(conn.errnum));
	}

	for (;;) {
		r = jsonl_read_line(&conn, &line, &len, NULL, 0);
		if (r == JSONL_E_TIMEOUT) {
			rv = daemon_timeout(c, ch, clamped);
			break;
		}
		if (r == JSONL_E_CLOSED) {
			rv = daemon_broken(c, "closed the connection without "
			    "an answer");
			break;
		}
		if (r == JSONL_E_TOOLONG) {
			rv = daemon_broken(c, "answer larger than max_output");
			break;
		}
		if (r != JSONL_OK) {
			rv = daemon_broken(c, "read error");
			break;
		}
		ans = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(ans)) {
			json_decref(ans);
			rv = daemon_broken(c, "answer is not a JSON object");
			break;
		}
		id = json_object_get(ans, "id");
		/*
		 * Ours, or an error with a null id (the daemon could not
		 * read the request: nothing else will come); anything else
		 * is a notification (e.g. "receive").
		 */
		if ((!json_is_integer(id) ||
		    json_integer_value(id) != SIGNAL_REQUEST_ID) &&
		    !(json_is_null(id) &&
		    json_object_get(ans, "error") != NULL)) {
			json_decref(ans);
			continue;
		}
		err = json_object_get(ans, "error");
		if (err != NULL) {
			msg = json_string_value(json_object_get(err,
			    "message"));
			if (msg == NULL)
				msg = "error without a message";
			c->outcome = AUDIT_OUTCOME_FAILED;
			call_error(c, CP_ERR_TOOL_FAILED, json_pack(
			    "{s:s,s:I,s:s,s:O*}", "stderr", msg, "daemon_code",
			    json_integer_value(json_object_get(err, "code")),
			    "daemon_message", msg, "daemon_data",
			    json_object_get(err, "data")),
			    "%s: signal-cli error %lld: %s", c->channel,
			    (long long)json_integer_value(json_object_get(err,
			    "code")), msg);
			json_decref(ans);
			break;
		}
		if (json_object_get(ans, "result") == NULL) {
			json_decref(ans);
			rv = daemon_broken(c, "answer has neither result nor "
			    "error");
			break;
		}
		*result = json_incref(json_object_get(ans, "result"));
		json_decref(ans);
		rv = 0;
		break;
	}
	jsonl_close(&conn);
	return rv;
}

/* Targets and checks. */

/* A UUID as signal-cli prints them (8-4-4-4-12 hex). */
static int
valid_uuid(const char *s)
{
	size_t	i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	}
	return 1;
}

/*
 * An author (of a quoted or reacted-to message): a phone number, made
 * E.164, or a UUID.  It receives nothing, so it is not policy-checked.
 */
static int
signal_author(struct call *c, const struct channel *ch, const char *param,
    const char *in, char *out, size_t outlen)
{
	enum addr_kind	 kind;

	if (valid_uuid(in)) {
		(void)strlcpy(out, in, outlen);
		return 0;
	}
	if (addr_normalize(in, ch->region, out, outlen, &kind, NULL) == -1 ||
	    kind != ADDR_PHONE)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param %s: expected a phone number or a UUID", param);
	return 0;
}

/* A group id as the policy names it, "group:<id>"; 0, or -1 with why. */
static int
group_addr(const struct channel *ch, const char *id, char *out,
    size_t outlen, const char **why)
{
	char		 buf[ADDR_MAX + 8];
	enum addr_kind	 kind;

	*why = NULL;
	if ((size_t)snprintf(buf, sizeof(buf), "group:%s", id) >=
	    sizeof(buf)) {
		*why = "too long";
		return -1;
	}
	if (addr_normalize(buf, ch->region, out, outlen, &kind, why) == -1)
		return -1;
	if (kind != ADDR_GROUP) {
		*why = "not a group";
		return -1;
	}
	return 0;
}

static void
target_audit(struct call *c, const struct target *t)
{
	size_t	i;

	c->recipient[0] = '\0';
	for (i = 0; i < t->n; i++) {
		if (i > 0)
			(void)strlcat(c->recipient, ",", sizeof(c->recipient));
		(void)strlcat(c->recipient, t->ptr[i], sizeof(c->recipient));
	}
}

/*
 * Read recipients / group_id from the params: exactly one of them, every
 * recipient normalised (aliases expanded) to a phone number, a group as
 * "group:<id>".  0, or -1 with the call's error set.
 */
static int
signal_target(struct call *c, const struct channel *ch, struct target *t)
{
	json_t		*rcpts, *v;
	const char	*gid;
	const char	*cause;
	enum addr_kind	 kind;
	size_t		 i, j;

	memset(t, 0, sizeof(*t));
	rcpts = json_object_get(c->params, "recipients");
	gid = json_string_value(json_object_get(c->params, "group_id"));
	if ((rcpts != NULL) + (gid != NULL) != 1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: exactly one of recipients, group_id is required");
	if (gid != NULL) {
		if (group_addr(ch, gid, t->addr[0], sizeof(t->addr[0]),
		    &cause) == -1)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param group_id: invalid group id (%s)",
			    cause != NULL ? cause : "not a group");
		t->ptr[0] = t->addr[0];
		t->n = 1;
		/* The id as checked, after "group:". */
		t->group_id = t->addr[0] + strlen("group:");
		return 0;
	}
	if (json_array_size(rcpts) == 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param recipients: must not be empty");
	if (json_array_size(rcpts) > OUTBOUND_MAX)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param recipients: at most %d", OUTBOUND_MAX);
	json_array_foreach(rcpts, i, v) {
		if (send_resolve(c, ch, "recipients", json_string_value(v),
		    t->addr[t->n], sizeof(t->addr[t->n]), &kind) == -1)
			return -1;
		if (kind != ADDR_PHONE)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param recipients: phone numbers only (use "
			    "group_id for a group)");
		for (j = 0; j < t->n; j++)
			if (strcmp(t->addr[j], t->addr[t->n]) == 0)
				break;
		if (j == t->n) {
			t->ptr[t->n] = t->addr[t->n];
			t->n++;
		}
	}
	return 0;
}

/*
 * Reactions, typing and receipts: every target must be allowed outright
 * (nothing to hold), else the whole request is refused.
 */
static int
signal_allowed(struct call *c, const struct channel *ch,
    const struct target *t)
{
	struct verdict	 v;
	struct identity_set *set;
	size_t		 i;

	target_audit(c, t);
	if ((set = malloc(sizeof(*set))) == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "out of memory");
	for (i = 0; i < t->n; i++) {
		/* A group is decided on its members, as for a send. */
		if (send_identities(c, ch, t->ptr[i], set) == -1) {
			free(set);
			return -1;
		}
		policy_outbound_identities(c->env->cfg, ch, set, &v);
		if (v.kind != VERDICT_ALLOW) {
			free(set);
			c->rule = v.rule;
			return call_error(c, CP_ERR_RECIPIENT_DENIED,
			    json_pack("{s:s,s:s}", "recipient", t->ptr[i],
			    "rule", v.rule != NULL ? v.rule : ""),
			    "recipient not allowed: %s (%s)", t->ptr[i],
			    v.kind == VERDICT_HOLD ? "needs approval, and only "
			    "messages can be held" : v.reason);
		}
		c->rule = v.rule;
	}
	free(set);
	return 0;
}

/* The daemon's recipient / groupId params for a stored target. */
static int
daemon_target(json_t *d, json_t *params)
{
	json_t	*r = json_object_get(d, "recipients"), *v;
	size_t	 i;

	if (json_is_string(json_object_get(d, "group_id"))) {
		if (r != NULL)
			return -1;
		json_object_set(params, "groupId",
		    json_object_get(d, "group_id"));
		return 0;
	}
	if (!json_is_array(r) || json_array_size(r) == 0)
		return -1;
	json_array_foreach(r, i, v)
		if (!json_is_string(v))
			return -1;
	json_object_set(params, "recipient", r);
	return 0;
}

static json_t *
target_json(const struct target *t, json_t *d)
{
	json_t	*a;
	size_t	 i;

	if (t->group_id != NULL) {
		json_object_set_new(d, "group_id", json_string(t->group_id));
		return d;
	}
	a = json_array();
	for (i = 0; i < t->n; i++)
		json_array_append_new(a, json_string(t->ptr[i]));
	json_object_set_new(d, "recipients", a);
	return d;
}

/* send */

static int
valid_style(const char *s)
{
	static const char *const styles[] = { "NORMAL", "BOLD", "ITALIC",
	    "SPOILER", "STRIKETHROUGH", "MONOSPACE", NULL };
	const char	*p = s;
	size_t		 i;
	int		 part;

	for (part = 0; part < 2; part++) {
		if (*p < '0' || *p > '9')
			return 0;
		for (i = 0; *p >= '0' && *p <= '9'; p++)
			if (++i > 9)
				return 0;
		if (*p++ != ':')
			return 0;
	}
	for (i = 0; styles[i] != NULL; i++)
		if (strcmp(p, styles[i]) == 0)
			return 1;
	return 0;
}

static int
signal_deliver(struct call *c, const struct channel *ch, json_t *d)
{
	json_t		*params, *res, *files, *v;
	const char	*text;
	size_t		 i;

	params = json_object();
	files = json_object_get(d, "files");
	text = json_string_value(json_object_get(d, "text"));
	if (daemon_target(d, params) == -1 ||
	    (json_object_get(d, "text") != NULL && text == NULL) ||
	    (files != NULL && !json_is_array(files))) {
		json_decref(params);
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "malformed delivery");
	}
	json_array_foreach(files, i, v)
		if (!json_is_string(v)) {
			json_decref(params);
			return call_error(c, RPC_INTERNAL_ERROR, NULL,
			    "malformed delivery");
		}
	if (text != NULL)
		json_object_set(params, "message", json_object_get(d, "text"));
	if (json_array_size(files) > 0)
		json_object_set(params, "attachments", files);
	if ((v = json_object_get(d, "text_style")) != NULL)
		json_object_set(params, "textStyle", v);
	if ((v = json_object_get(d, "quote_timestamp")) != NULL)
		json_object_set(params, "quoteTimestamp", v);
	if ((v = json_object_get(d, "quote_author")) != NULL)
		json_object_set(params, "quoteAuthor", v);
	if (signal_rpc(c, ch, "send", params, &res) == -1)
		return -1;
	if (!json_is_object(res) ||
	    !json_is_integer(json_object_get(res, "timestamp")) ||
	    !json_is_array(json_object_get(res, "results"))) {
		json_decref(res);
		return daemon_broken(c, "send answered without timestamp and "
		    "results");
	}
	c->outcome = AUDIT_OUTCOME_SENT;
	json_decref(c->result);
	c->result = res;
	return 0;
}

static int
signal_send(struct call *c, const struct channel *ch)
{
	struct target	 t;
	struct outbound	 o;
	json_t		*d, *atts, *v, *styles;
	const char	*text, *qauthor;
	char		 author[ADDR_MAX];
	size_t		 i;
	int		 r;

	text = json_string_value(json_object_get(c->params, "text"));
	atts = json_object_get(c->params, "attachments");
	styles = json_object_get(c->params, "text_style");
	qauthor = json_string_value(json_object_get(c->params,
	    "quote_author"));
	if (signal_target(c, ch, &t) == -1)
		return -1;
	if ((text == NULL || *text == '\0') && json_array_size(atts) == 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: text or attachments is required");
	if (json_array_size(atts) > LINEREADER_MAX_FDS)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachments: at most %d", LINEREADER_MAX_FDS);
	if (json_array_size(styles) > SIGNAL_STYLES_MAX)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param text_style: at most %d", SIGNAL_STYLES_MAX);
	json_array_foreach(styles, i, v)
		if (!valid_style(json_string_value(v)))
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param text_style: expected START:LENGTH:STYLE");
	if ((v = json_object_get(c->params, "quote_timestamp")) != NULL &&
	    json_integer_value(v) < 1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param quote_timestamp: must be positive");
	if ((v != NULL) != (qauthor != NULL))
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: quote_timestamp and quote_author go together");
	if (qauthor != NULL && signal_author(c, ch, "quote_author", qauthor,
	    author, sizeof(author)) == -1)
		return -1;

	/* What delivery needs, later too (a hold); all normalised. */
	d = target_json(&t, json_object());
	if (text != NULL)
		json_object_set_new(d, "text", json_string(text));
	if (styles != NULL)
		json_object_set(d, "text_style", styles);
	if (qauthor != NULL) {
		json_object_set(d, "quote_timestamp", v);
		json_object_set_new(d, "quote_author", json_string(author));
	}
	memset(&o, 0, sizeof(o));
	for (i = 0; i < t.n; i++)
		o.recipients[i] = t.ptr[i];
	o.nrecipients = t.n;
	o.text = text;
	o.attachments = atts;
	o.delivery = d;
	r = send_pipeline(c, ch, &o);
	json_decref(d);
	return r;
}

/* react, typing, receipt */

/* The daemon's recipient / groupId params for a checked target. */
static json_t *
target_params(const struct target *t)
{
	json_t	*a;
	size_t	 i;

	if (t->group_id != NULL)
		return json_pack("{s:s}", "groupId", t->group_id);
	a = json_array();
	for (i = 0; i < t->n; i++)
		json_array_append_new(a, json_string(t->ptr[i]));
	return json_pack("{s:o}", "recipient", a);
}

/*
 * Send what holds nothing (allowed already): the rate limits sends
 * spend and an audit record, in one commit before the daemon acts
 * (send_charge), then the daemon's
 * answer is the result.  signal-cli answers these as it answers a send,
 * {"timestamp","results"} (SendMessageResultUtils.outputResult,
 * AsamK/signal-cli v0.14.6); anything else is a broken daemon.  Takes
 * params.
 */
static int
signal_notify(struct call *c, const struct channel *ch,
    const struct target *t, const char *method, json_t *params)
{
	json_t	*res;

	if (send_charge(c, ch, t->ptr, t->n) == -1) {
		json_decref(params);
		return -1;
	}
	if (signal_rpc(c, ch, method, params, &res) == -1)
		return -1;
	if (!json_is_object(res) ||
	    !json_is_integer(json_object_get(res, "timestamp")) ||
	    !json_is_array(json_object_get(res, "results"))) {
		json_decref(res);
		return daemon_broken(c, "answered without timestamp and "
		    "results");
	}
	c->outcome = AUDIT_OUTCOME_SENT;
	c->result = res;
	return 0;
}

static int
signal_react(struct call *c, const struct channel *ch)
{
	struct target	 t;
	json_t		*params, *ts;
	const char	*emoji, *author;
	char		 norm[ADDR_MAX];

	emoji = json_string_value(json_object_get(c->params, "emoji"));
	author = json_string_value(json_object_get(c->params,
	    "target_author"));
	ts = json_object_get(c->params, "target_timestamp");
	if (signal_target(c, ch, &t) == -1)
		return -1;
	if (*emoji == '\0' || strlen(emoji) > SIGNAL_EMOJI_MAX)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param emoji: expected 1 to %d bytes", SIGNAL_EMOJI_MAX);
	if (json_integer_value(ts) < 1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param target_timestamp: must be positive");
	if (signal_author(c, ch, "target_author", author, norm,
	    sizeof(norm)) == -1 || signal_allowed(c, ch, &t) == -1)
		return -1;
	params = target_params(&t);
	json_object_set_new(params, "emoji", json_string(emoji));
	json_object_set_new(params, "targetAuthor", json_string(norm));
	json_object_set(params, "targetTimestamp", ts);
	json_object_set_new(params, "remove", json_boolean(json_is_true(
	    json_object_get(c->params, "remove"))));
	return signal_notify(c, ch, &t, "sendReaction", params);
}

static int
signal_typing(struct call *c, const struct channel *ch)
{
	struct target	 t;
	json_t		*params;

	if (signal_target(c, ch, &t) == -1 || signal_allowed(c, ch, &t) == -1)
		return -1;
	params = target_params(&t);
	json_object_set_new(params, "stop", json_boolean(json_is_true(
	    json_object_get(c->params, "stop"))));
	return signal_notify(c, ch, &t, "sendTyping", params);
}

static int
signal_receipt(struct call *c, const struct channel *ch)
{
	struct target	 t;
	json_t		*tss, *v;
	const char	*type;
	enum addr_kind	 kind;
	size_t		 i;

	tss = json_object_get(c->params, "target_timestamps");
	type = json_string_value(json_object_get(c->params, "type"));
	memset(&t, 0, sizeof(t));
	if (send_resolve(c, ch, "recipient", json_string_value(
	    json_object_get(c->params, "recipient")), t.addr[0],
	    sizeof(t.addr[0]), &kind) == -1)
		return -1;
	if (kind != ADDR_PHONE)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param recipient: expected a phone number");
	t.ptr[0] = t.addr[0];
	t.n = 1;
	if (json_array_size(tss) == 0 ||
	    json_array_size(tss) > SIGNAL_RECEIPTS_MAX)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param target_timestamps: 1 to %d timestamps",
		    SIGNAL_RECEIPTS_MAX);
	json_array_foreach(tss, i, v)
		if (json_integer_value(v) < 1)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param target_timestamps: must be positive");
	if (type != NULL && strcmp(type, "read") != 0 &&
	    strcmp(type, "viewed") != 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param type: expected read or viewed");
	if (signal_allowed(c, ch, &t) == -1)
		return -1;
	return signal_notify(c, ch, &t, "sendReceipt", json_pack("{s:s,s:O,s:s}",
	    "recipient", t.ptr[0], "targetTimestamp", tss, "type",
	    type != NULL ? type : "read"));
}

/*
 * A remote delete: signal-cli's remoteDelete {recipient[] | groupId,
 * targetTimestamp} (RemoteDeleteCommand.java).  It removes a message the
 * account sent from the targets' devices, so it goes where a message
 * would: the same policy and limits.
 */
static int
signal_delete(struct call *c, const struct channel *ch)
{
	struct target	 t;
	json_t		*params, *ts;

	ts = json_object_get(c->params, "target_timestamp");
	if (signal_target(c, ch, &t) == -1)
		return -1;
	if (json_integer_value(ts) < 1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param target_timestamp: must be positive");
	if (signal_allowed(c, ch, &t) == -1)
		return -1;
	params = target_params(&t);
	json_object_set(params, "targetTimestamp", ts);
	return signal_notify(c, ch, &t, "remoteDelete", params);
}

/* Lists, filtered by the inbound policy. */

static int
signal_list(struct call *c, const struct channel *ch, const char *method,
    const char *key)
{
	json_t		*res, *keep, *v;
	size_t		 i, hidden = 0;
	int		 visible;

	if (signal_rpc(c, ch, method, json_object(), &res) == -1)
		return -1;
	if (!json_is_array(res)) {
		json_decref(res);
		return daemon_broken(c, "list answer is not an array");
	}
	keep = json_array();
	json_array_foreach(res, i, v) {
		if (strcmp(key, "groups") == 0)
			visible = inbound_signal_group(c->env->cfg, ch,
			    json_string_value(json_object_get(v, "id")));
		else
			visible = inbound_signal_number(c->env->cfg, ch,
			    json_string_value(json_object_get(v, "number")));
		if (visible && json_is_object(v) && inbound_filter(ch,
		    strcmp(key, "groups") == 0 ? INBOUND_GROUP :
		    INBOUND_CONTACT, v) == 0)
			json_array_append(keep, v);
		else
			hidden++;
	}
	json_decref(res);
	if (hidden > 0)
		c->rule = "inbound.allow";
	c->result = json_pack("{s:o}", key, keep);
	return 0;
}

/*
 * The group a group:<id> target names, as the daemon's listGroups has
 * it (the driver reads its members); a group the daemon does not list
 * is refused.
 */
static json_t *
signal_lookup(struct call *c, const struct channel *ch, const char *target)
{
	json_t		*res, *g, *found = NULL;
	const char	*id;
	size_t		 i;

	if (strncmp(target, "group:", 6) != 0)
		return NULL;
	if (signal_rpc(c, ch, "listGroups", json_object(), &res) == -1)
		return NULL;
	if (!json_is_array(res)) {
		json_decref(res);
		(void)daemon_broken(c, "listGroups answered no list");
		return NULL;
	}
	json_array_foreach(res, i, g) {
		id = json_string_value(json_object_get(g, "id"));
		if (id != NULL && strcmp(id, target + 6) == 0) {
			found = json_incref(g);
			break;
		}
	}
	json_decref(res);
	if (found == NULL) {
		c->rule = "address";
		(void)call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", target, "rule",
		    "address"), "recipient not allowed: %s (unknown group)",
		    target);
	}
	return found;
}

static int
signal_groups(struct call *c, const struct channel *ch)
{
	return signal_list(c, ch, "listGroups", "groups");
}

static int
signal_contacts(struct call *c, const struct channel *ch)
{
	return signal_list(c, ch, "listContacts", "contacts");
}

static int
signal_status(struct call *c, const struct channel *ch)
{
	json_t		*res;
	const char	*version;

	if (signal_rpc(c, ch, "version", json_object(), &res) == -1)
		return -1;
	version = json_string_value(json_object_get(res, "version"));
	if (version == NULL) {
		json_decref(res);
		return daemon_broken(c, "version answered without a version");
	}
	c->result = json_pack("{s:s,s:b,s:s,s:s}", "channel", c->channel,
	    "available", 1, "version", version, "account",
	    SIGNAL_OPTS(ch)->account != NULL ? SIGNAL_OPTS(ch)->account : "");
	json_decref(res);
	return 0;
}

/* attachment.get */

struct att_find {
	struct call		*c;
	const struct channel	*ch;
	const char		*id;
	int			 found;
};

static int
att_in(json_t *atts, const char *id)
{
	json_t	*a;
	size_t	 i;

	json_array_foreach(atts, i, a)
		if (json_is_string(json_object_get(a, "id")) &&
		    strcmp(json_string_value(json_object_get(a, "id")),
		    id) == 0)
			return 1;
	return 0;
}

static int
att_one(uint64_t cursor, json_t *msg, void *arg)
{
	struct att_find	*f = arg;
	json_t		*env = json_object_get(msg, "envelope");

	(void)cursor;
	if (!att_in(json_object_get(json_object_get(env, "dataMessage"),
	    "attachments"), f->id) &&
	    !att_in(json_object_get(json_object_get(json_object_get(env,
	    "syncMessage"), "sentMessage"), "attachments"), f->id))
		return 0;
	/* The same decision the inbox makes when it shows the message. */
	if (!inbound_message_visible(f->c->env->cfg, f->ch, msg))
		return 0;
	f->found = 1;
	return 1;
}

/*
 * signal-cli names stored attachments by id; the daemon resolves it to a
 * file, so an id that could climb out of its directory is never passed,
 * even one that came in a message.
 */
static int
valid_attachment_id(const char *id)
{
	const char	*p;

	if (*id == '\0' || *id == '.' || *id == '-' || strlen(id) > 256)
		return 0;
	for (p = id; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return 0;
	return 1;
}

static int
signal_attachment(struct call *c, const struct channel *ch)
{
	struct att_find	 f;
	json_t		*res;
	const char	*id = json_string_value(json_object_get(c->params,
			    "id"));
	int		 r;

	memset(&f, 0, sizeof(f));
	f.c = c;
	f.ch = ch;
	f.id = id;
	if (!valid_attachment_id(id))
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param id: expected 1 to 256 of [A-Za-z0-9._-], not "
		    "starting with '.' or '-'");
	if ((r = state_inbox_read(c->env->state, c->channel, 0, 0, att_one,
	    &f)) != 0)
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: %s", state_strerror(r));
	if (!f.found) {
		c->rule = "inbound.allow";
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param id: no visible message in the inbox has this "
		    "attachment");
	}
	if (signal_rpc(c, ch, "getAttachment", json_pack("{s:s}", "id", id),
	    &res) == -1)
		return -1;
	if (!json_is_string(json_object_get(res, "data"))) {
		json_decref(res);
		return daemon_broken(c, "getAttachment answered without data");
	}
	c->result = res;
	return 0;
}
