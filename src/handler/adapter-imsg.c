/*
 * The imsg adapter: its methods check and explain what a client asks,
 * the pure builders at the end of this file (adapter-imsg.h) make the real imsg
 * CLI's command lines (TOOLS.md), run through spawn_run, and the inbound
 * filter applies to what it returns.  The imsg parser takes any argument
 * starting with '-' for an option and has no --opt=value form, so the
 * methods refuse such values with a cause and the builders refuse them
 * again; every value sits only in the value position of a known option.
 * A send carries the message text, which every local user could read on
 * a command line (/proc/PID/cmdline): it goes to "imsg rpc" as one
 * JSON-RPC request on the tool's standard input instead, and its answer
 * (ok, transport, id, guid) comes back on stdout.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "adapter-imsg.h"
#include "cmdline.h"
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
static void	 rpc_answer(json_t *, void *);
static int	 imsg_deliver(struct call *, const struct channel *, json_t *);
static json_t	*imsg_notice(const struct channel *, const char *,
		    const char *, const char **);
static int	 imsg_chats(struct call *, const struct channel *, json_int_t);
static int	 imsg_history(struct call *, const struct channel *, json_t *);
static int	 imsg_status(struct call *, const struct channel *);
static int	 imsg_typing(struct call *, const struct channel *);
static int	 imsg_read(struct call *, const struct channel *);
static int	 imsg_react(struct call *, const struct channel *);
static int	 imsg_search(struct call *, const struct channel *);

/* A builder (adapter-imsg.h) refused what the checks above let through. */
static int
argv_refused(struct call *c, const char *cause)
{
	return call_error(c, RPC_INVALID_PARAMS, NULL, "%s", cause);
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
	{ "reply_to", RPC_T_STRING, 0 },	/* refused: see m_send */
	{ "formatting", RPC_T_OBJECTS, 0 },	/* refused unless empty */
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
	/*
	 * A threaded reply and attributed text need the IMCore bridge
	 * (openclaw/imsg, Sources/imsg/RPCServer+SendHandlers.swift, commit
	 * ed7ee426754b416c4c9d6e15de2368383badb6a9).  The gateway sends
	 * through AppleScript (cmdline_imsg_send_request), which cannot
	 * carry either: the real tool refuses reply_to there in these
	 * words, and would send formatting as plain text.  Refused both,
	 * so that nothing the client asked for is dropped unseen.
	 */
	if (json_object_get(c->params, "reply_to") != NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "reply_to requires bridge transport; AppleScript fallback "
		    "cannot send threaded replies");
	if (json_array_size(json_object_get(c->params, "formatting")) > 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "formatting requires bridge transport; the gateway sends "
		    "through AppleScript, which cannot render it");
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


/* A tool_json_lines callback: keep the answer to our one request. */
static void
rpc_answer(json_t *v, void *arg)
{
	json_t	**answer = arg;
	json_t	 *id = json_object_get(v, "id");

	if (*answer != NULL || !json_is_integer(id) ||
	    json_integer_value(id) != CMDLINE_IMSG_RPC_ID ||
	    (json_object_get(v, "result") == NULL &&
	    json_object_get(v, "error") == NULL))
		return;
	*answer = json_incref(v);
}

/*
 * Deliver through "imsg rpc": the request on the tool's standard input
 * (tool_run_text: behind the call's gate while the tool starts), the
 * answer the line with its id on stdout.
 * The real rpc mode exits once stdin ends.  An error answer is the
 * tool's refusal or failure (unknown chat, AppleScript failed): a tool
 * failure carrying the error as the tool gave it.
 */
static int
imsg_deliver(struct call *c, const struct channel *ch, json_t *d)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	json_t			*answer = NULL, *result, *err;
	const char		*cause = NULL, *message, *data;
	char			*request, detail[512];
	int			 r;

	if (cmdline_imsg_send(c->env->cfg, ch, d, &a, &cause) == -1)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "malformed delivery: %s", cause);
	if ((request = cmdline_imsg_send_request(ch, d, &cause)) == NULL) {
		tool_argv_free(&a);
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "malformed delivery: %s", cause);
	}
	r = tool_run_text(c, ch, &a, request, &res);
	free(request);
	tool_argv_free(&a);
	if (r == -1)
		return -1;
	tool_json_lines(res.out, res.outlen, rpc_answer, &answer);
	spawn_result_free(&res);
	if (answer == NULL)
		return tool_unexpected(c);
	if ((err = json_object_get(answer, "error")) != NULL) {
		message = json_string_value(json_object_get(err, "message"));
		data = json_string_value(json_object_get(err, "data"));
		(void)snprintf(detail, sizeof(detail), "%s%s%s",
		    message != NULL ? message : "error",
		    data != NULL ? ": " : "", data != NULL ? data : "");
		c->outcome = AUDIT_OUTCOME_FAILED;
		call_error(c, CP_ERR_TOOL_FAILED, json_pack("{s:i,s:o*,s:O}",
		    "exit_status", 0, "stderr", tool_output_tail(detail,
		    strlen(detail)), "tool_error", err),
		    "%s failed (rpc error %lld)", c->channel, (long long)
		    json_integer_value(json_object_get(err, "code")));
		json_decref(answer);
		return -1;
	}
	result = json_object_get(answer, "result");
	if (!json_is_true(json_object_get(result, "ok"))) {
		json_decref(answer);
		return tool_unexpected(c);
	}
	/* What the real rpc send tells: ok, transport, id and guid. */
	c->outcome = AUDIT_OUTCOME_SENT;
	c->result = json_pack("{s:s,s:s,s:s,s:b,s:O*,s:O*,s:O*}", "status",
	    "sent", "channel", c->channel, "recipient", c->recipient, "ok", 1,
	    "transport", json_is_string(json_object_get(result, "transport")) ?
	    json_object_get(result, "transport") : NULL,
	    "id", json_is_integer(json_object_get(result, "id")) ?
	    json_object_get(result, "id") : NULL,
	    "guid", json_is_string(json_object_get(result, "guid")) ?
	    json_object_get(result, "guid") : NULL);
	json_decref(answer);
	if (c->result == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "out of memory");
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
	    json_is_true(json_object_get(chat, "is_group")), &explicit) ||
	    inbound_filter(f->ch, INBOUND_CHAT, chat) == -1) {
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
	const char		*cause = NULL;
	int			 r;

	if (cmdline_imsg_chats(c->env->cfg, ch, c->params, &a, &cause) == -1)
		return argv_refused(c, cause);
	r = tool_run(c, ch, &a, &res);
	tool_argv_free(&a);
	if (r == -1)
		return -1;
	tool_read_filtered(c, ch, &res, limit, filter_chat, "chats");
	return 0;
}

static int
imsg_history(struct call *c, const struct channel *ch, json_t *params)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	const char		*cause = NULL;
	int			 r;

	(void)snprintf(c->recipient, sizeof(c->recipient), "chat:%lld",
	    (long long)json_integer_value(json_object_get(params, "chat_id")));
	if (cmdline_imsg_history(c->env->cfg, ch, params, &a, &cause) == -1)
		return argv_refused(c, cause);
	r = tool_run(c, ch, &a, &res);
	tool_argv_free(&a);
	if (r == -1)
		return -1;
	/* The client's limit, over visible messages only. */
	tool_read_filtered(c, ch, &res, json_object_get(params, "limit") !=
	    NULL ? json_integer_value(json_object_get(params, "limit")) : 50,
	    read_filter_message, "messages");
	return 0;
}

static int
imsg_status(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	json_t			*last = NULL;
	const char		*cause = NULL;

	if (cmdline_imsg_status(c->env->cfg, ch, &a, &cause) == -1)
		return argv_refused(c, cause);
	last = tool_last_object(c, ch, &a, -1);
	tool_argv_free(&a);
	if (last == NULL)
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
	const char	*value;		/* as imsg names it */
	char		 idbuf[32];
	char		 rcpt[ADDR_MAX];	/* normalised, for policy */
};

static int
imsg_target(struct call *c, const struct channel *ch, struct imsg_target *t)
{
	struct verdict	 v;
	struct identity_set *set;
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
		t->value = t->rcpt;
	} else {
		if (chat_id != NULL) {
			if (json_integer_value(chat_id) < 1)
				return call_error(c, RPC_INVALID_PARAMS, NULL,
				    "param chat_id: must be positive");
			(void)snprintf(t->idbuf, sizeof(t->idbuf), "%lld",
			    (long long)json_integer_value(chat_id));
			t->value = t->idbuf;
		} else if (cident != NULL) {
			t->value = cident;
		} else {
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
	/* A chat is decided on its participants, as for a send. */
	if ((set = malloc(sizeof(*set))) == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "out of memory");
	if (send_identities(c, ch, t->rcpt, set) == -1) {
		free(set);
		return -1;
	}
	policy_outbound_identities(c->env->cfg, ch, set, &v);
	free(set);
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

/* The call's params with "to" as normalised (a new reference). */
static json_t *
target_params(struct call *c, const struct imsg_target *t)
{
	json_t	*p = json_copy(c->params);

	if (p != NULL && json_object_get(p, "to") != NULL)
		json_object_set_new(p, "to", json_string(t->rcpt));
	return p;
}

static int
imsg_typing(struct call *c, const struct channel *ch)
{
	struct imsg_target	 t;
	struct tool_argv	 a;
	json_t			*last, *typing, *p;
	const char		*service, *status, *cause = NULL;
	int			 on, r;

	typing = json_object_get(c->params, "typing");
	on = typing == NULL || json_is_true(typing);
	service = json_string_value(json_object_get(c->params, "service"));
	if (service != NULL && strcmp(service, "imessage") != 0 &&
	    strcmp(service, "sms") != 0 && strcmp(service, "auto") != 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param service: expected imessage, sms or auto");
	if (imsg_target(c, ch, &t) == -1)
		return -1;
	/* The tool gets the address as normalised, never as given. */
	p = target_params(c, &t);
	r = cmdline_imsg_typing(c->env->cfg, ch, p, &a, &cause);
	if (r == -1) {
		json_decref(p);
		return argv_refused(c, cause);
	}
	/* Recorded, and the freeze looked at again, before it acts. */
	if (call_audit_delivery(c) == -1) {
		tool_argv_free(&a);
		json_decref(p);
		return -1;
	}
	last = tool_last_object(c, ch, &a, -1);
	tool_argv_free(&a);
	json_decref(p);
	if (last == NULL)
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
	json_t			*last, *group = NULL, *p;
	const char		*handle, *cause = NULL;

	if (imsg_target(c, ch, &t) == -1)
		return -1;
	handle = t.value;
	/* The real read names a handle: a chat id is looked up first. */
	if (json_object_get(c->params, "chat_id") != NULL) {
		if (cmdline_imsg_group(c->env->cfg, ch, c->params, &a,
		    &cause) == -1)
			return argv_refused(c, cause);
		group = tool_last_object(c, ch, &a, -1);
		tool_argv_free(&a);
		if (group == NULL)
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
	p = json_pack("{s:s}", "handle", handle);
	if (cmdline_imsg_read(c->env->cfg, ch, p, &a, &cause) == -1) {
		json_decref(p);
		json_decref(group);
		return argv_refused(c, cause);
	}
	if (call_audit_delivery(c) == -1) {
		tool_argv_free(&a);
		json_decref(p);
		json_decref(group);
		return -1;
	}
	last = tool_last_object(c, ch, &a, -1);
	tool_argv_free(&a);
	json_decref(p);
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
	const char		*reaction, *cause = NULL;
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
	if (cmdline_imsg_react(c->env->cfg, ch, c->params, &a, &cause) == -1)
		return argv_refused(c, cause);
	if (call_audit_delivery(c) == -1) {
		tool_argv_free(&a);
		return -1;
	}
	last = tool_last_object(c, ch, &a, -1);
	tool_argv_free(&a);
	if (last == NULL)
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
	const char		*query, *match, *cause = NULL;
	json_t			*l;
	json_int_t		 limit;
	int			 r;

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
	if (cmdline_imsg_search(c->env->cfg, ch, c->params, &a, &cause) == -1)
		return argv_refused(c, cause);
	r = tool_run(c, ch, &a, &res);
	tool_argv_free(&a);
	if (r == -1)
		return -1;
	tool_read_filtered(c, ch, &res, limit, read_filter_message, "messages");
	return 0;
}

static const struct method imsg_methods[] = {
	{ .name = "send", .params = send_params,
	  .flags = METHOD_CHANNEL | METHOD_DELIVERS | METHOD_OUTBOUND,
	  .fn = m_send },
	{ .name = "chats.list", .params = chats_params,
	  .flags = METHOD_CHANNEL, .fn = m_chats },
	{ .name = "messages.history", .params = history_params,
	  .flags = METHOD_CHANNEL, .fn = m_history },
	{ .name = "status", .params = status_params, .flags = METHOD_CHANNEL,
	  .fn = imsg_status },
	{ .name = "typing", .params = typing_params,
	  .flags = METHOD_CHANNEL | METHOD_OUTBOUND, .fn = imsg_typing },
	{ .name = "read", .params = read_params,
	  .flags = METHOD_CHANNEL | METHOD_OUTBOUND, .fn = imsg_read },
	{ .name = "react", .params = react_params,
	  .flags = METHOD_CHANNEL | METHOD_OUTBOUND, .fn = imsg_react },
	{ .name = "messages.search", .params = search_params,
	  .flags = METHOD_CHANNEL, .fn = imsg_search },
};

/* One chat of `imsg chats --json` whose identifier or guid is name. */
struct chat_find {
	const char	*name;
	json_int_t	 id;
};

static void
find_chat(json_t *chat, void *arg)
{
	struct chat_find	*f = arg;
	const char		*ident, *guid;

	ident = json_string_value(json_object_get(chat, "identifier"));
	guid = json_string_value(json_object_get(chat, "guid"));
	if (f->id == 0 && json_is_integer(json_object_get(chat, "id")) &&
	    ((ident != NULL && strcmp(ident, f->name) == 0) ||
	    (guid != NULL && strcmp(guid, f->name) == 0)))
		f->id = json_integer_value(json_object_get(chat, "id"));
}

/*
 * "chat:<digits>" names a chat by its id (the chat's identity, as allow
 * and deny entries and contacts write it), so a chat whose identifier
 * is all digits (an SMS short code) is named by its guid instead.  1
 * and *id, or 0.
 */
static int
chat_id_of(const char *s, json_int_t *id)
{
	const char	*errstr;
	long long	 n;

	if (s[0] == '\0' || strspn(s, "0123456789") != strlen(s))
		return 0;
	n = strtonum(s, 1, INT64_MAX, &errstr);
	if (errstr != NULL)
		return 0;
	*id = n;
	return 1;
}

/*
 * What imsg says of the chat a send names (the driver's resolve reads
 * it): `imsg group --chat-id N --json` for a chat id; a chat named by
 * identifier or guid is first found among `imsg chats` (the newest
 * 4000).  A chat the tool does not know is refused.
 */
static json_t *
imsg_lookup(struct call *c, const struct channel *ch, const char *target)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	struct chat_find	 f;
	json_t			*p, *facts;
	const char		*cause = NULL;
	int			 r;

	if (strncmp(target, "chat:", 5) != 0)
		return NULL;
	f.name = target + 5;
	f.id = 0;
	if (json_object_get(c->params, "chat_id") != NULL)
		f.id = json_integer_value(json_object_get(c->params,
		    "chat_id"));
	else if (chat_id_of(f.name, &f.id))
		;	/* "chat:<id>", as policy entries name a chat */
	else {
		p = json_pack("{s:i}", "limit", 1000);
		r = cmdline_imsg_chats(c->env->cfg, ch, p, &a, &cause);
		json_decref(p);
		if (r == -1) {
			(void)argv_refused(c, cause);
			return NULL;
		}
		r = tool_run(c, ch, &a, &res);
		tool_argv_free(&a);
		if (r == -1)
			return NULL;
		tool_json_lines(res.out, res.outlen, find_chat, &f);
		spawn_result_free(&res);
	}
	if (f.id < 1) {
		c->rule = "address";
		(void)call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", target, "rule",
		    "address"), "recipient not allowed: %s (unknown chat)",
		    target);
		return NULL;
	}
	p = json_pack("{s:I}", "chat_id", f.id);
	r = cmdline_imsg_group(c->env->cfg, ch, p, &a, &cause);
	json_decref(p);
	if (r == -1) {
		(void)argv_refused(c, cause);
		return NULL;
	}
	facts = tool_last_object(c, ch, &a, -1);
	tool_argv_free(&a);
	/* imsg fails a chat it cannot show ("Chat not found"): not allowed. */
	if (facts == NULL && c->code == CP_ERR_TOOL_FAILED) {
		c->rule = "address";
		c->outcome = AUDIT_OUTCOME_UNSET;
		(void)call_error(c, CP_ERR_RECIPIENT_DENIED, NULL,
		    "recipient not allowed: %s (imsg group failed)", target);
	}
	return facts;
}

const struct handler_adapter imsg_adapter = {
	.driver = &imsg_driver,
	.methods = imsg_methods,
	.nmethods = sizeof(imsg_methods) / sizeof(imsg_methods[0]),
	.deliver = imsg_deliver,
	.lookup = imsg_lookup,
	.notice = imsg_notice,
	/* "imsg rpc" reads its requests on stdin; argv carries none. */
	.gated = 1,
};

/* A notice to the owner's handle: a send's delivery, as m_send builds it. */
static json_t *
imsg_notice(const struct channel *ch, const char *address, const char *text,
    const char **cause)
{
	json_t	*d;

	(void)ch;
	if ((d = json_pack("{s:s,s:s}", "to", address, "text", text)) == NULL)
		*cause = "out of memory";
	return d;
}

/*
 * Command lines (adapter-imsg.h).  imsg reads every argument starting with '-'
 * as an option and has no --opt=value form, so each client value goes
 * right after the option it fills and is refused when it starts with
 * '-', even where the adapter refused it already.
 */

/*
 * A string of o for imsg's command line: 0 and NULL when absent, 1 when
 * usable, -1 with *cause when not a string or when it starts with '-'.
 */
static int
imsg_value(json_t *o, const char *key, const char **out, const char **cause)
{
	json_t	*v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		*cause = "malformed params: a value is not a string";
		return -1;
	}
	if (json_string_value(v)[0] == '-') {
		*cause = "a value must not start with '-'";
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* An integer of o in [min, max], def when absent; 0 or -1. */
static int
imsg_number(json_t *o, const char *key, json_int_t def, json_int_t min,
    json_int_t max, json_int_t *out, const char **cause)
{
	json_t	*v = json_object_get(o, key);

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		*cause = "malformed params: a number is out of range";
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

/*
 * Append the one target of o (--to, --chat-id, --chat-identifier or
 * --chat-guid and its value); a chat id is written in a->num[0].
 */
static int
imsg_target_argv(json_t *o, struct tool_argv *a, const char **cause)
{
	const char	*to, *cident, *cguid;
	json_t		*cid = json_object_get(o, "chat_id");

	if (imsg_value(o, "to", &to, cause) == -1 ||
	    imsg_value(o, "chat_identifier", &cident, cause) == -1 ||
	    imsg_value(o, "chat_guid", &cguid, cause) == -1)
		return -1;
	if ((to != NULL) + (cid != NULL) + (cident != NULL) +
	    (cguid != NULL) != 1) {
		*cause = "exactly one of to, chat_id, chat_identifier, "
		    "chat_guid is required";
		return -1;
	}
	if (cid != NULL && (!json_is_integer(cid) ||
	    json_integer_value(cid) < 1)) {
		*cause = "param chat_id: must be positive";
		return -1;
	}
	if (to != NULL) {
		tool_argv_add(a, "--to");
		tool_argv_add(a, to);
	} else if (cid != NULL) {
		(void)snprintf(a->num[0], sizeof(a->num[0]), "%lld",
		    (long long)json_integer_value(cid));
		tool_argv_add(a, "--chat-id");
		tool_argv_add(a, a->num[0]);
	} else if (cident != NULL) {
		tool_argv_add(a, "--chat-identifier");
		tool_argv_add(a, cident);
	} else {
		tool_argv_add(a, "--chat-guid");
		tool_argv_add(a, cguid);
	}
	return 0;
}

/* --opt value, when the value is there. */
static void
imsg_option(struct tool_argv *a, const char *option, const char *value)
{
	if (value == NULL)
		return;
	tool_argv_add(a, option);
	tool_argv_add(a, value);
}

/*
 * A send delivery's fields, checked as the builders need them: one
 * target (as imsg_target_argv), strings where strings go, at most one
 * spooled (absolute) file, and text or file.  Returns 0 or -1 with
 * *cause.
 */
static int
imsg_send_check(json_t *d, const char **cause)
{
	static const char *const strings[] = { "to", "chat_identifier",
	    "chat_guid", "text", "service", "region", NULL };
	json_t		*files = json_object_get(d, "files");
	json_t		*cid = json_object_get(d, "chat_id");
	const char	*file = NULL;
	size_t		 i;
	int		 ntargets;

	for (i = 0; strings[i] != NULL; i++)
		if (json_object_get(d, strings[i]) != NULL &&
		    !json_is_string(json_object_get(d, strings[i]))) {
			*cause = "malformed params: a value is not a string";
			return -1;
		}
	ntargets = (json_object_get(d, "to") != NULL) + (cid != NULL) +
	    (json_object_get(d, "chat_identifier") != NULL) +
	    (json_object_get(d, "chat_guid") != NULL);
	if (ntargets != 1) {
		*cause = "exactly one of to, chat_id, chat_identifier, "
		    "chat_guid is required";
		return -1;
	}
	if (cid != NULL && (!json_is_integer(cid) ||
	    json_integer_value(cid) < 1)) {
		*cause = "param chat_id: must be positive";
		return -1;
	}
	if (files != NULL && (!json_is_array(files) ||
	    json_array_size(files) > 1)) {
		*cause = "malformed delivery: at most one file";
		return -1;
	}
	/* Spooled paths are the handler's own (state_dir/spool/...). */
	if (json_array_size(files) == 1 && ((file = json_string_value(
	    json_array_get(files, 0))) == NULL || file[0] != '/')) {
		*cause = "malformed delivery: a file is not a spooled path";
		return -1;
	}
	if (json_object_get(d, "text") == NULL && file == NULL) {
		*cause = "malformed delivery: neither text nor file";
		return -1;
	}
	return 0;
}

int
cmdline_imsg_send(const struct config *cfg, const struct channel *ch,
    json_t *d, struct tool_argv *a, const char **cause)
{
	if (imsg_send_check(d, cause) == -1)
		return -1;
	/* Everything from the delivery goes on stdin, nothing here. */
	return channel_tool_argv(cfg, ch, "rpc", a, cause);
}

/*
 * The rpc send request (steipete/imsg 0.9.0, commit
 * c7ae79c1b195f942e3cf0a84c5eef6df778adb1a, Sources/imsg/
 * RPCServer+Handlers.swift, handleSend): the target, text and file as
 * the CLI's options, the region only with "to" as the CLI gets it, and
 * transport applescript, the only way the CLI's send delivers (auto
 * would take the IMCore bridge when it runs).  JSON keeps every value a
 * value: there is no option to inject.
 */
char *
cmdline_imsg_send_request(const struct channel *ch, json_t *d,
    const char **cause)
{
	static const char *const copied[] = { "to", "chat_id",
	    "chat_identifier", "chat_guid", "text", "service", NULL };
	json_t		*params, *req, *v;
	const char	*region;
	char		*line, *grown;
	size_t		 i, len;

	if (imsg_send_check(d, cause) == -1)
		return NULL;
	if ((params = json_object()) == NULL) {
		*cause = "out of memory";
		return NULL;
	}
	for (i = 0; copied[i] != NULL; i++)
		if ((v = json_object_get(d, copied[i])) != NULL)
			(void)json_object_set(params, copied[i], v);
	if ((v = json_array_get(json_object_get(d, "files"), 0)) != NULL)
		(void)json_object_set(params, "file", v);
	if (json_object_get(d, "to") != NULL) {
		region = json_string_value(json_object_get(d, "region"));
		if (region == NULL)
			region = ch->region;
		if (region != NULL)
			(void)json_object_set_new(params, "region",
			    json_string(region));
	}
	(void)json_object_set_new(params, "transport",
	    json_string("applescript"));
	req = json_pack("{s:s,s:i,s:s,s:o}", "jsonrpc", "2.0", "id",
	    CMDLINE_IMSG_RPC_ID, "method", "send", "params", params);
	line = req != NULL ? json_dumps(req, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (line == NULL) {
		*cause = "out of memory";
		return NULL;
	}
	/* One line: JSON escapes every newline inside a string. */
	len = strlen(line);
	if ((grown = realloc(line, len + 2)) == NULL) {
		free(line);
		*cause = "out of memory";
		return NULL;
	}
	line = grown;
	line[len] = '\n';
	line[len + 1] = '\0';
	return line;
}

int
cmdline_imsg_chats(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	json_int_t	 limit;

	if (imsg_number(p, "limit", 20, 1, 1000, &limit, cause) == -1 ||
	    channel_tool_argv(cfg, ch, "chats", a, cause) == -1)
		return -1;
	/* Ask for more than the limit: some chats may be hidden. */
	(void)snprintf(a->num[1], sizeof(a->num[1]), "%lld",
	    (long long)(limit * 4 > 4000 ? 4000 : limit * 4));
	imsg_option(a, "--limit", a->num[1]);
	return 0;
}

int
cmdline_imsg_history(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	struct buf	 parts;
	json_t		*e, *list = json_object_get(p, "participants");
	json_int_t	 limit, chat;
	const char	*start, *end, *s;
	size_t		 i;

	if (imsg_number(p, "chat_id", 0, 1, INT64_MAX, &chat, cause) == -1 ||
	    imsg_number(p, "limit", 50, 1, 1000, &limit, cause) == -1 ||
	    imsg_value(p, "start", &start, cause) == -1 ||
	    imsg_value(p, "end", &end, cause) == -1)
		return -1;
	if (chat < 1) {
		*cause = "param chat_id: must be positive";
		return -1;
	}
	if (list != NULL && !json_is_array(list)) {
		*cause = "param participants: expected strings";
		return -1;
	}
	/* One --participants a,b,c: no entry may add or start an item. */
	buf_init(&parts, 65536);
	json_array_foreach(list, i, e) {
		s = json_string_value(e);
		if (s == NULL || s[0] == '-' || strchr(s, ',') != NULL) {
			*cause = "param participants: entries must be "
			    "strings, not start with '-' nor contain ','";
			buf_free(&parts);
			return -1;
		}
		if ((i > 0 && buf_append(&parts, ",", 1) == -1) ||
		    buf_append(&parts, s, strlen(s)) == -1 ||
		    buf_cstr(&parts) == -1) {
			*cause = "param participants: too long";
			buf_free(&parts);
			return -1;
		}
	}
	if (channel_tool_argv(cfg, ch, "history", a, cause) == -1) {
		buf_free(&parts);
		return -1;
	}
	(void)snprintf(a->num[0], sizeof(a->num[0]), "%lld", (long long)chat);
	/*
	 * Ask for more: some messages may be hidden, and a short answer
	 * would count them.
	 */
	(void)snprintf(a->num[1], sizeof(a->num[1]), "%lld",
	    (long long)(limit * 4 > 4000 ? 4000 : limit * 4));
	imsg_option(a, "--chat-id", a->num[0]);
	imsg_option(a, "--limit", a->num[1]);
	if (json_is_true(json_object_get(p, "attachments")))
		tool_argv_add(a, "--attachments");
	imsg_option(a, "--start", start);
	imsg_option(a, "--end", end);
	if (parts.len > 0) {
		tool_argv_add(a, "--participants");
		if (tool_argv_addf(a, "%s", parts.data) == -1) {
			*cause = "out of memory";
			buf_free(&parts);
			tool_argv_free(a);
			return -1;
		}
	}
	buf_free(&parts);
	return 0;
}

int
cmdline_imsg_status(const struct config *cfg, const struct channel *ch,
    struct tool_argv *a, const char **cause)
{
	return channel_tool_argv(cfg, ch, "status", a, cause);
}

int
cmdline_imsg_typing(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	json_t		*typing = json_object_get(p, "typing");
	const char	*service;

	if (imsg_value(p, "service", &service, cause) == -1)
		return -1;
	if (typing != NULL && !json_is_boolean(typing)) {
		*cause = "param typing: expected a boolean";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "typing", a, cause) == -1)
		return -1;
	if (imsg_target_argv(p, a, cause) == -1) {
		tool_argv_free(a);
		return -1;
	}
	imsg_option(a, "--service", service);
	if (json_is_false(typing))
		imsg_option(a, "--stop", "true");
	return 0;
}

int
cmdline_imsg_group(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	json_int_t	 chat;

	if (imsg_number(p, "chat_id", 0, 1, INT64_MAX, &chat, cause) == -1)
		return -1;
	if (chat < 1) {
		*cause = "param chat_id: must be positive";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "group", a, cause) == -1)
		return -1;
	(void)snprintf(a->num[0], sizeof(a->num[0]), "%lld", (long long)chat);
	imsg_option(a, "--chat-id", a->num[0]);
	return 0;
}

int
cmdline_imsg_read(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	const char	*handle;

	if (imsg_value(p, "handle", &handle, cause) == -1)
		return -1;
	if (handle == NULL || handle[0] == '\0') {
		*cause = "no handle to mark read";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "read", a, cause) == -1)
		return -1;
	imsg_option(a, "--handle", handle);
	return 0;
}

int
cmdline_imsg_react(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	json_int_t	 chat;
	const char	*reaction;

	if (imsg_number(p, "chat_id", 0, 1, INT64_MAX, &chat, cause) == -1 ||
	    imsg_value(p, "reaction", &reaction, cause) == -1)
		return -1;
	/* A name or one emoji: short. */
	if (chat < 1 || reaction == NULL || reaction[0] == '\0' ||
	    strlen(reaction) > 32) {
		*cause = "param reaction: expected a reaction name or one "
		    "emoji in a chat";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "react", a, cause) == -1)
		return -1;
	(void)snprintf(a->num[0], sizeof(a->num[0]), "%lld", (long long)chat);
	imsg_option(a, "--chat-id", a->num[0]);
	imsg_option(a, "--reaction", reaction);
	return 0;
}

int
cmdline_imsg_search(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	json_int_t	 limit;
	const char	*query, *match;

	if (imsg_value(p, "query", &query, cause) == -1 ||
	    imsg_value(p, "match", &match, cause) == -1 ||
	    imsg_number(p, "limit", 50, 1, 1000, &limit, cause) == -1)
		return -1;
	if (query == NULL || query[0] == '\0') {
		*cause = "param query: must not be empty";
		return -1;
	}
	if (match != NULL && strcmp(match, "exact") != 0 &&
	    strcmp(match, "contains") != 0) {
		*cause = "param match: expected exact or contains";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "search", a, cause) == -1)
		return -1;
	/* Ask for more: some of what matches may be hidden. */
	(void)snprintf(a->num[1], sizeof(a->num[1]), "%lld",
	    (long long)(limit * 4 > 4000 ? 4000 : limit * 4));
	imsg_option(a, "--query", query);
	imsg_option(a, "--match", match);
	imsg_option(a, "--limit", a->num[1]);
	return 0;
}
