/*
 * The imsg adapter: fixed argv templates for the real imsg CLI (TOOLS.md),
 * run through spawn_run, and the inbound filter applied to what it
 * returns.  The imsg parser takes any argument starting with '-' for an
 * option and has no --opt=value form, so callers refuse such values
 * before they get here; every template still puts values only in the
 * value position of a known option.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "chan-imsg.h"
#include "channel.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "spawn.h"
#include "util.h"

static int	 m_send(struct call *, const struct channel *);
static int	 m_chats(struct call *, const struct channel *);
static int	 m_history(struct call *, const struct channel *);
static int	 imsg_deliver(struct call *, const struct channel *, json_t *);
static int	 imsg_chats(struct call *, const struct channel *, json_int_t);
static int	 imsg_history(struct call *, const struct channel *, json_t *);
static int	 imsg_status(struct call *, const struct channel *);
static int	 imsg_typing(struct call *, const struct channel *);
static int	 imsg_read(struct call *, const struct channel *);
static int	 imsg_react(struct call *, const struct channel *);
static int	 imsg_search(struct call *, const struct channel *);

/* The imsg command line's head (the driver's) for command. */
static void
argv_start(struct call *c, struct tool_argv *a, const struct channel *ch,
    const char *command)
{
	const char	*cause = NULL;

	if (ch->driver->tool_argv(c->env->cfg, ch, command, a, &cause) == -1)
		fatalx("imsg argv: %s", cause != NULL ? cause : "?");
}

static const struct rpc_param send_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "to", RPC_T_STRING, 0 },
	{ "chat_id", RPC_T_INTEGER, 0 },
	{ "chat_identifier", RPC_T_STRING, 0 },
	{ "chat_guid", RPC_T_STRING, 0 },
	{ "text", RPC_T_STRING, 0 },
	{ "attachment", RPC_T_OBJECT, 0 },
	{ "file", RPC_T_STRING, 0 },	/* recognised only to refuse it */
	{ "service", RPC_T_STRING, 0 },
	{ "region", RPC_T_STRING, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param chats_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "limit", RPC_T_INTEGER, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param history_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "chat_id", RPC_T_INTEGER, 1 },
	{ "limit", RPC_T_INTEGER, 0 },
	{ "attachments", RPC_T_BOOLEAN, 0 },
	{ "participants", RPC_T_STRINGS, 0 },
	{ "start", RPC_T_STRING, 0 },
	{ "end", RPC_T_STRING, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param status_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ NULL, 0, 0 }
};

static const char *
param_str(struct call *c, const char *name)
{
	return json_string_value(json_object_get(c->params, name));
}

static int
m_send(struct call *c, const struct channel *ch)
{
	static const char *const keep[] = { "chat_identifier", "chat_guid",
	    "text", "service", "region", NULL };
	enum addr_kind		 kind;
	const char		*to, *cid, *cguid, *text, *service, *region;
	const char		*cause = NULL;
	json_t			*att, *chat_id, *d, *p;
	char			 chatbuf[ADDR_MAX], rcpt[ADDR_MAX];
	size_t			 i;
	int			 ntargets, r;

	to = param_str(c, "to");
	cid = param_str(c, "chat_identifier");
	cguid = param_str(c, "chat_guid");
	chat_id = json_object_get(c->params, "chat_id");
	text = param_str(c, "text");
	service = param_str(c, "service");
	region = param_str(c, "region");
	att = json_object_get(c->params, "attachment");

	if (json_object_get(c->params, "file") != NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param file: attachments are passed as descriptors, "
		    "not paths");
	ntargets = (to != NULL) + (cid != NULL) + (cguid != NULL) +
	    (chat_id != NULL);
	if (ntargets != 1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: exactly one of to, chat_id, chat_identifier, "
		    "chat_guid is required");
	if (text == NULL && att == NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: text or attachment is required");
	if (check_argument(c, "to", to) || check_argument(c, "text", text) ||
	    check_argument(c, "chat_identifier", cid) ||
	    check_argument(c, "chat_guid", cguid))
		return -1;
	if (service != NULL && strcmp(service, "imessage") != 0 &&
	    strcmp(service, "sms") != 0 && strcmp(service, "auto") != 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param service: expected imessage, sms or auto");
	if (region != NULL && (strlen(region) != 2 ||
	    region[0] < 'A' || region[0] > 'Z' ||
	    region[1] < 'A' || region[1] > 'Z'))
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param region: expected two capital letters");

	/* Who is it for?  Normalise before any comparison. */
	if (to != NULL) {
		if (send_resolve(c, ch, "to", to, rcpt, sizeof(rcpt),
		    &kind) == -1)
			return -1;
		if (kind == ADDR_CHAT || kind == ADDR_GROUP)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param to: use chat_id for chats");
	} else {
		if (chat_id != NULL && json_integer_value(chat_id) < 1)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param chat_id: must be positive");
		if (chat_id != NULL)
			(void)snprintf(chatbuf, sizeof(chatbuf), "chat:%lld",
			    (long long)json_integer_value(chat_id));
		else
			(void)snprintf(chatbuf, sizeof(chatbuf), "chat:%s",
			    cid != NULL ? cid : cguid);
		if (addr_normalize(chatbuf, ch->region, rcpt, sizeof(rcpt),
		    &kind, &cause) == -1) {
			c->rule = "address";
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param chat: invalid chat id (%s)",
			    cause != NULL ? cause : "invalid");
		}
	}

	/* What delivery needs later; "to" as normalised, never as given. */
	d = json_object();
	for (i = 0; keep[i] != NULL; i++)
		if ((p = json_object_get(c->params, keep[i])) != NULL)
			json_object_set(d, keep[i], p);
	if (chat_id != NULL)
		json_object_set(d, "chat_id", chat_id);
	if (to != NULL)
		json_object_set_new(d, "to", json_string(rcpt));
	r = send_one(c, ch, rcpt, text, att, d);
	json_decref(d);
	return r;
}

static int
m_chats(struct call *c, const struct channel *ch)
{
	json_t		*l = json_object_get(c->params, "limit");
	json_int_t	 limit = l != NULL ? json_integer_value(l) : 20;

	if (limit < 1 || limit > 1000)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param limit: expected 1..1000");
	return imsg_chats(c, ch, limit);
}

static int
m_history(struct call *c, const struct channel *ch)
{
	json_t		*l = json_object_get(c->params, "limit"), *p;
	json_int_t	 limit = l != NULL ? json_integer_value(l) : 50;
	size_t		 i;

	if (limit < 1 || limit > 1000)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param limit: expected 1..1000");
	if (json_integer_value(json_object_get(c->params, "chat_id")) < 1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param chat_id: must be positive");
	if (check_argument(c, "start", param_str(c, "start")) ||
	    check_argument(c, "end", param_str(c, "end")))
		return -1;
	json_array_foreach(json_object_get(c->params, "participants"), i, p) {
		if (check_argument(c, "participants", json_string_value(p)))
			return -1;
		if (strchr(json_string_value(p), ',') != NULL)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param participants: entries must not contain ','");
	}
	return imsg_history(c, ch, c->params);
}


/* Optional string in a delivery; -1 if present and not a string. */
static int
get_str(json_t *d, const char *key, const char **out)
{
	json_t	*v = json_object_get(d, key);

	*out = json_string_value(v);
	return v != NULL && *out == NULL ? -1 : 0;
}

static int
imsg_deliver(struct call *c, const struct channel *ch, json_t *d)
{
	struct tool_argv	 a;
	json_t			*last = NULL, *files, *cid;
	const char		*to, *cident, *cguid, *text, *file = NULL;
	const char		*service, *region, *status;
	char			 idbuf[32];

	files = json_object_get(d, "files");
	cid = json_object_get(d, "chat_id");
	if (get_str(d, "to", &to) || get_str(d, "chat_identifier", &cident) ||
	    get_str(d, "chat_guid", &cguid) || get_str(d, "text", &text) ||
	    get_str(d, "service", &service) || get_str(d, "region", &region) ||
	    (cid != NULL && !json_is_integer(cid)) ||
	    json_array_size(files) > 1 || (json_array_size(files) == 1 &&
	    (file = json_string_value(json_array_get(files, 0))) == NULL))
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "malformed delivery");

	argv_start(c, &a, ch, "send");
	if (to != NULL) {
		tool_argv_add(&a, "--to");
		tool_argv_add(&a, to);
	} else if (cid != NULL) {
		(void)snprintf(idbuf, sizeof(idbuf), "%lld",
		    (long long)json_integer_value(cid));
		tool_argv_add(&a, "--chat-id");
		tool_argv_add(&a, idbuf);
	} else if (cident != NULL) {
		tool_argv_add(&a, "--chat-identifier");
		tool_argv_add(&a, cident);
	} else if (cguid != NULL) {
		tool_argv_add(&a, "--chat-guid");
		tool_argv_add(&a, cguid);
	} else
		return call_error(c, RPC_INTERNAL_ERROR, NULL, "no target");
	if (text != NULL) {
		tool_argv_add(&a, "--text");
		tool_argv_add(&a, text);
	}
	if (file != NULL) {
		tool_argv_add(&a, "--file");
		tool_argv_add(&a, file);
	}
	if (service != NULL) {
		tool_argv_add(&a, "--service");
		tool_argv_add(&a, service);
	}
	if (to != NULL) {
		tool_argv_add(&a, "--region");
		tool_argv_add(&a, region != NULL ? region : ch->region);
	}
	if ((last = tool_last_object(c, ch, &a, -1)) == NULL)
		return -1;
	status = json_string_value(json_object_get(last, "status"));
	if (status == NULL || strcmp(status, "sent") != 0) {
		json_decref(last);
		return tool_unexpected(c);
	}
	json_decref(last);
	c->outcome = AUDIT_OUTCOME_SENT;
	c->result = json_pack("{s:s,s:s,s:s}", "status", "sent",
	    "channel", c->channel, "recipient", c->recipient);
	return 0;
}

static void
filter_chat(json_t *chat, void *arg)
{
	struct read_filter	*f = arg;
	int			 explicit;

	if ((json_int_t)json_array_size(f->keep) >= f->limit)
		return;
	if (!json_is_integer(json_object_get(chat, "id")) ||
	    !inbound_chat_visible(f->c->env->cfg, f->ch,
	    (long long)json_integer_value(json_object_get(chat, "id")),
	    json_string_value(json_object_get(chat, "identifier")),
	    json_is_true(json_object_get(chat, "is_group")), &explicit)) {
		f->hidden++;
		return;
	}
	json_array_append(f->keep, chat);
}

static int
imsg_chats(struct call *c, const struct channel *ch, json_int_t limit)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	char			 lim[24];

	/* Ask for more than the limit: some chats may be hidden. */
	(void)snprintf(lim, sizeof(lim), "%lld", (long long)(limit * 4 > 4000 ?
	    4000 : limit * 4));
	argv_start(c, &a, ch, "chats");
	tool_argv_add(&a, "--limit");
	tool_argv_add(&a, lim);
	if (tool_run(c, ch, &a, &res) == -1)
		return -1;
	tool_read_filtered(c, ch, &res, limit, filter_chat, "chats");
	return 0;
}

static int
imsg_history(struct call *c, const struct channel *ch, json_t *params)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	struct buf		 parts;
	json_t			*p;
	size_t			 i;
	char			 lim[24], chat[24];
	const char		*s;

	(void)snprintf(chat, sizeof(chat), "%lld", (long long)
	    json_integer_value(json_object_get(params, "chat_id")));
	(void)snprintf(lim, sizeof(lim), "%lld", (long long)
	    (json_object_get(params, "limit") != NULL ?
	    json_integer_value(json_object_get(params, "limit")) : 50));
	(void)snprintf(c->recipient, sizeof(c->recipient), "chat:%s", chat);
	argv_start(c, &a, ch, "history");
	tool_argv_add(&a, "--chat-id");
	tool_argv_add(&a, chat);
	tool_argv_add(&a, "--limit");
	tool_argv_add(&a, lim);
	if (json_is_true(json_object_get(params, "attachments")))
		tool_argv_add(&a, "--attachments");
	if ((s = json_string_value(json_object_get(params, "start"))) != NULL) {
		tool_argv_add(&a, "--start");
		tool_argv_add(&a, s);
	}
	if ((s = json_string_value(json_object_get(params, "end"))) != NULL) {
		tool_argv_add(&a, "--end");
		tool_argv_add(&a, s);
	}
	buf_init(&parts, 65536);
	json_array_foreach(json_object_get(params, "participants"), i, p) {
		if ((i > 0 && buf_append(&parts, ",", 1) == -1) ||
		    buf_append(&parts, json_string_value(p),
		    strlen(json_string_value(p))) == -1 ||
		    buf_cstr(&parts) == -1) {
			buf_free(&parts);
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param participants: too long");
		}
	}
	if (parts.len > 0) {
		tool_argv_add(&a, "--participants");
		tool_argv_add(&a, parts.data);
	}
	if (tool_run(c, ch, &a, &res) == -1) {
		buf_free(&parts);
		return -1;
	}
	buf_free(&parts);
	tool_read_filtered(c, ch, &res, 1000, read_filter_message, "messages");
	return 0;
}

static int
imsg_status(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	json_t			*last = NULL;

	argv_start(c, &a, ch, "status");
	if ((last = tool_last_object(c, ch, &a, -1)) == NULL)
		return -1;
	c->result = json_pack("{s:s,s:b,s:o}", "channel", c->channel,
	    "available", 1, "tool", last);
	return 0;
}

/*
 * typing and read: signals to a recipient, so the recipient goes
 * through outbound policy like a send (one denied or needing approval
 * is refused: a typing indicator is not worth holding for the owner),
 * and the call is audited with it.  Neither carries content, so the
 * content rules and rate limits of sends do not apply.
 */
static const struct rpc_param typing_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "to", RPC_T_STRING, 0 },
	{ "chat_id", RPC_T_INTEGER, 0 },
	{ "chat_identifier", RPC_T_STRING, 0 },
	{ "chat_guid", RPC_T_STRING, 0 },
	{ "typing", RPC_T_BOOLEAN, 0 },
	{ "service", RPC_T_STRING, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param read_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "to", RPC_T_STRING, 0 },
	{ "chat_id", RPC_T_INTEGER, 0 },
	{ "chat_identifier", RPC_T_STRING, 0 },
	{ "chat_guid", RPC_T_STRING, 0 },
	{ NULL, 0, 0 }
};

/* The one target of typing or read, normalised and allowed. */
struct imsg_target {
	const char	*option;	/* --to, --chat-id, ... */
	const char	*value;		/* what follows it */
	char		 idbuf[32];
	char		 rcpt[ADDR_MAX];	/* normalised, for policy */
};

static int
imsg_target(struct call *c, const struct channel *ch, struct imsg_target *t)
{
	struct verdict	 v;
	enum addr_kind	 kind;
	json_t		*chat_id;
	const char	*to, *cident, *cguid, *cause = NULL;
	char		 chatbuf[ADDR_MAX];

	memset(t, 0, sizeof(*t));
	to = json_string_value(json_object_get(c->params, "to"));
	cident = json_string_value(json_object_get(c->params,
	    "chat_identifier"));
	cguid = json_string_value(json_object_get(c->params, "chat_guid"));
	chat_id = json_object_get(c->params, "chat_id");
	if ((to != NULL) + (cident != NULL) + (cguid != NULL) +
	    (chat_id != NULL) != 1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: exactly one of to, chat_id, chat_identifier, "
		    "chat_guid is required");
	if (check_argument(c, "to", to) ||
	    check_argument(c, "chat_identifier", cident) ||
	    check_argument(c, "chat_guid", cguid))
		return -1;
	if (to != NULL) {
		if (send_resolve(c, ch, "to", to, t->rcpt, sizeof(t->rcpt),
		    &kind) == -1)
			return -1;
		if (kind == ADDR_CHAT || kind == ADDR_GROUP)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param to: use chat_id for chats");
		t->option = "--to";
		t->value = t->rcpt;
	} else {
		if (chat_id != NULL) {
			if (json_integer_value(chat_id) < 1)
				return call_error(c, RPC_INVALID_PARAMS, NULL,
				    "param chat_id: must be positive");
			(void)snprintf(t->idbuf, sizeof(t->idbuf), "%lld",
			    (long long)json_integer_value(chat_id));
			t->option = "--chat-id";
			t->value = t->idbuf;
		} else if (cident != NULL) {
			t->option = "--chat-identifier";
			t->value = cident;
		} else {
			t->option = "--chat-guid";
			t->value = cguid;
		}
		(void)snprintf(chatbuf, sizeof(chatbuf), "chat:%s", t->value);
		if (addr_normalize(chatbuf, ch->region, t->rcpt,
		    sizeof(t->rcpt), &kind, &cause) == -1) {
			c->rule = "address";
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param chat: invalid chat id (%s)",
			    cause != NULL ? cause : "invalid");
		}
	}
	(void)strlcpy(c->recipient, t->rcpt, sizeof(c->recipient));
	policy_outbound(c->env->cfg, ch, t->rcpt, &v);
	if (v.kind != VERDICT_ALLOW) {
		c->rule = v.rule;
		return call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", t->rcpt, "rule",
		    v.rule != NULL ? v.rule : ""),
		    "recipient not allowed: %s (%s)", t->rcpt,
		    v.kind == VERDICT_HOLD ? "needs approval, which only "
		    "sends can wait for" : v.reason);
	}
	c->rule = v.rule;
	return 0;
}

static int
imsg_typing(struct call *c, const struct channel *ch)
{
	struct imsg_target	 t;
	struct tool_argv	 a;
	json_t			*last, *typing;
	const char		*service, *status;
	int			 on;

	typing = json_object_get(c->params, "typing");
	on = typing == NULL || json_is_true(typing);
	service = json_string_value(json_object_get(c->params, "service"));
	if (service != NULL && strcmp(service, "imessage") != 0 &&
	    strcmp(service, "sms") != 0 && strcmp(service, "auto") != 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param service: expected imessage, sms or auto");
	if (imsg_target(c, ch, &t) == -1)
		return -1;
	argv_start(c, &a, ch, "typing");
	tool_argv_add(&a, t.option);
	tool_argv_add(&a, t.value);
	if (service != NULL) {
		tool_argv_add(&a, "--service");
		tool_argv_add(&a, service);
	}
	if (!on) {
		tool_argv_add(&a, "--stop");
		tool_argv_add(&a, "true");
	}
	if ((last = tool_last_object(c, ch, &a, -1)) == NULL)
		return -1;
	status = json_string_value(json_object_get(last, "status"));
	if (status == NULL || strcmp(status, on ? "started" : "stopped") != 0) {
		json_decref(last);
		return tool_unexpected(c);
	}
	json_decref(last);
	c->outcome = on ? AUDIT_OUTCOME_TYPING :
	    AUDIT_OUTCOME_TYPING_STOPPED;
	c->result = json_pack("{s:b,s:s,s:s,s:b}", "ok", 1, "channel",
	    c->channel, "recipient", c->recipient, "typing", on);
	return 0;
}

static int
imsg_read(struct call *c, const struct channel *ch)
{
	struct imsg_target	 t;
	struct tool_argv	 a;
	json_t			*last, *group = NULL;
	const char		*handle;

	if (imsg_target(c, ch, &t) == -1)
		return -1;
	handle = t.value;
	/* The real read names a handle: a chat id is looked up first. */
	if (json_object_get(c->params, "chat_id") != NULL) {
		argv_start(c, &a, ch, "group");
		tool_argv_add(&a, "--chat-id");
		tool_argv_add(&a, t.value);
		if ((group = tool_last_object(c, ch, &a, -1)) == NULL)
			return -1;
		handle = json_string_value(json_object_get(group,
		    "identifier"));
		if (handle == NULL || *handle == '\0' || *handle == '-') {
			json_decref(group);
			c->outcome = AUDIT_OUTCOME_FAILED;
			return call_error(c, CP_ERR_TOOL_FAILED,
			    json_pack("{s:i,s:s}", "exit_status", 0, "stderr",
			    "no usable chat identifier"),
			    "%s: no identifier for chat %s", c->channel,
			    t.value);
		}
	}
	argv_start(c, &a, ch, "read");
	tool_argv_add(&a, "--handle");
	tool_argv_add(&a, handle);
	last = tool_last_object(c, ch, &a, -1);
	json_decref(group);
	if (last == NULL)
		return -1;
	if (!json_is_true(json_object_get(last, "success"))) {
		json_decref(last);
		return tool_unexpected(c);
	}
	json_decref(last);
	c->outcome = AUDIT_OUTCOME_READ;
	c->result = json_pack("{s:b,s:s,s:s}", "ok", 1, "channel",
	    c->channel, "recipient", c->recipient);
	return 0;
}

static const struct rpc_param react_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "chat_id", RPC_T_INTEGER, 1 },
	{ "reaction", RPC_T_STRING, 1 },
	{ NULL, 0, 0 }
};

static const struct rpc_param search_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "query", RPC_T_STRING, 1 },
	{ "match", RPC_T_STRING, 0 },
	{ "limit", RPC_T_INTEGER, 0 },
	{ NULL, 0, 0 }
};

/*
 * react: a tapback in a chat, which its members see, so the chat must
 * pass outbound policy like a send to it.
 */
static int
imsg_react(struct call *c, const struct channel *ch)
{
	struct imsg_target	 t;
	struct tool_argv	 a;
	json_t			*last;
	const char		*reaction;
	size_t			 len;

	reaction = json_string_value(json_object_get(c->params, "reaction"));
	len = strlen(reaction);
	/* A name or one emoji: short, and never an option. */
	if (len == 0 || len > 32)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param reaction: expected a reaction name or one emoji");
	if (check_argument(c, "reaction", reaction))
		return -1;
	if (imsg_target(c, ch, &t) == -1)
		return -1;
	argv_start(c, &a, ch, "react");
	tool_argv_add(&a, "--chat-id");
	tool_argv_add(&a, t.value);
	tool_argv_add(&a, "--reaction");
	tool_argv_add(&a, reaction);
	if ((last = tool_last_object(c, ch, &a, -1)) == NULL)
		return -1;
	if (!json_is_true(json_object_get(last, "success"))) {
		json_decref(last);
		return tool_unexpected(c);
	}
	c->outcome = AUDIT_OUTCOME_REACTED;
	c->result = json_pack("{s:b,s:s,s:s,s:O*,s:O*}", "ok", 1, "channel",
	    c->channel, "recipient", c->recipient, "reaction_type",
	    json_object_get(last, "reaction_type"), "reaction_emoji",
	    json_object_get(last, "reaction_emoji"));
	json_decref(last);
	return 0;
}

/*
 * messages.search: the real search over every chat, then the inbound
 * filter on each message found, as for history.
 */
static int
imsg_search(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	const char		*query, *match;
	json_t			*l;
	json_int_t		 limit;
	char			 lim[24];

	query = json_string_value(json_object_get(c->params, "query"));
	match = json_string_value(json_object_get(c->params, "match"));
	l = json_object_get(c->params, "limit");
	limit = l != NULL ? json_integer_value(l) : 50;
	if (limit < 1 || limit > 1000)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param limit: expected 1..1000");
	if (*query == '\0')
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param query: must not be empty");
	if (match != NULL && strcmp(match, "exact") != 0 &&
	    strcmp(match, "contains") != 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param match: expected exact or contains");
	if (check_argument(c, "query", query))
		return -1;
	/* Ask for more: some of what matches may be hidden. */
	(void)snprintf(lim, sizeof(lim), "%lld", (long long)(limit * 4 > 4000 ?
	    4000 : limit * 4));
	argv_start(c, &a, ch, "search");
	tool_argv_add(&a, "--query");
	tool_argv_add(&a, query);
	if (match != NULL) {
		tool_argv_add(&a, "--match");
		tool_argv_add(&a, match);
	}
	tool_argv_add(&a, "--limit");
	tool_argv_add(&a, lim);
	if (tool_run(c, ch, &a, &res) == -1)
		return -1;
	tool_read_filtered(c, ch, &res, limit, read_filter_message, "messages");
	return 0;
}

static const struct method imsg_methods[] = {
	{ .name = "send", .params = send_params, .flags = METHOD_CHANNEL,
	  .fn = m_send },
	{ .name = "chats.list", .params = chats_params,
	  .flags = METHOD_CHANNEL, .fn = m_chats },
	{ .name = "messages.history", .params = history_params,
	  .flags = METHOD_CHANNEL, .fn = m_history },
	{ .name = "status", .params = status_params, .flags = METHOD_CHANNEL,
	  .fn = imsg_status },
	{ .name = "typing", .params = typing_params, .flags = METHOD_CHANNEL,
	  .fn = imsg_typing },
	{ .name = "read", .params = read_params, .flags = METHOD_CHANNEL,
	  .fn = imsg_read },
	{ .name = "react", .params = react_params, .flags = METHOD_CHANNEL,
	  .fn = imsg_react },
	{ .name = "messages.search", .params = search_params,
	  .flags = METHOD_CHANNEL, .fn = imsg_search },
};

const struct handler_adapter imsg_adapter = {
	.driver = &imsg_driver,
	.methods = imsg_methods,
	.nmethods = sizeof(imsg_methods) / sizeof(imsg_methods[0]),
	.deliver = imsg_deliver,
};
