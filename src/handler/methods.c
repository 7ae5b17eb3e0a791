/*
 * The method table.  Every method the gateway knows is listed here with
 * the parameters it takes; anything else is "method not found".  No
 * method runs a command of the client's choosing, opens a path the
 * client names, changes policy or touches holds and the audit chain
 * beyond appending to it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "state.h"
#include "util.h"

static int	m_ping(struct call *, const struct channel *);
static int	m_whoami(struct call *, const struct channel *);
static int	m_send(struct call *, const struct channel *);
static int	m_chats(struct call *, const struct channel *);
static int	m_history(struct call *, const struct channel *);
static int	m_status(struct call *, const struct channel *);

static const struct rpc_param no_params[] = {
	{ NULL, 0, 0 }
};

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

static const struct rpc_param subscribe_params[] = {
	{ "channels", RPC_T_STRINGS, 0 },
	{ "since", RPC_T_OBJECT, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param unsubscribe_params[] = {
	{ "subscription", RPC_T_INTEGER, 1 },
	{ NULL, 0, 0 }
};

static const struct rpc_param read_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "since", RPC_T_INTEGER, 0 },
	{ "limit", RPC_T_INTEGER, 0 },
	{ NULL, 0, 0 }
};

static const struct method methods[] = {
	{ .name = "gateway.ping", .params = no_params, .flags = 0,
	  .fn = m_ping },
	{ .name = "gateway.whoami", .params = no_params, .flags = 0,
	  .fn = m_whoami },
	{ .name = "send", .params = send_params, .flags = METHOD_CHANNEL,
	  .channels = CHANNEL_BIT(CHANNEL_IMSG), .fn = m_send },
	{ .name = "chats.list", .params = chats_params,
	  .flags = METHOD_CHANNEL, .channels = CHANNEL_BIT(CHANNEL_IMSG),
	  .fn = m_chats },
	{ .name = "messages.history", .params = history_params,
	  .flags = METHOD_CHANNEL, .channels = CHANNEL_BIT(CHANNEL_IMSG),
	  .fn = m_history },
	{ .name = "status", .params = status_params, .flags = METHOD_CHANNEL,
	  .channels = CHANNEL_BIT(CHANNEL_IMSG), .fn = m_status },
	{ .name = "inbox.subscribe", .params = subscribe_params, .flags = 0,
	  .fn = inbox_subscribe },
	{ .name = "inbox.unsubscribe", .params = unsubscribe_params,
	  .flags = 0, .fn = inbox_unsubscribe },
	{ .name = "inbox.read", .params = read_params,
	  .flags = METHOD_CHANNEL | METHOD_INBOX, .channels = CHANNELS_ALL,
	  .fn = inbox_read },
};
static const size_t nmethods = sizeof(methods) / sizeof(methods[0]);

/*
 * Each channel adapter keeps its own methods next to its code; the
 * lookup walks the core table, then theirs.
 */
static const struct {
	const struct method	*m;
	const size_t		*n;
} tables[] = {
	{ methods, &nmethods },
	{ imsg_methods, &imsg_methods_n },
	{ signal_methods, &signal_methods_n },
	{ gmail_methods, &gmail_methods_n },
	{ discord_methods, &discord_methods_n },
};

const struct method *
method_lookup(const char *name, const char *channel, int *known)
{
	const struct method	*m;
	size_t			 t, i;
	int			 id = channel != NULL ? channel_lookup(channel) : -1;

	*known = 0;
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (i = 0; i < *tables[t].n; i++) {
			m = &tables[t].m[i];
			if (strcmp(m->name, name) != 0)
				continue;
			if (!(m->flags & METHOD_CHANNEL))
				return m;
			*known = 1;
			if (id != -1 && (m->channels & CHANNEL_BIT(id)))
				return m;
		}
	}
	return NULL;
}

static int
m_ping(struct call *c, const struct channel *ch)
{
	c->result = json_pack("{s:b,s:i}", "pong", 1, "protocol",
	    CARAPACE_PROTOCOL_VERSION);
	return 0;
}

static int
m_whoami(struct call *c, const struct channel *ch)
{
	const struct client	*cl = c->s->client;
	json_t			*chans;
	int			 i;

	chans = json_array();
	for (i = 0; i < CHANNEL_MAX; i++)
		if (cl->channels & (1U << i))
			json_array_append_new(chans,
			    json_string(channel_name(i)));
	c->result = json_pack("{s:I,s:I,s:I,s:s,s:o}",
	    "uid", (json_int_t)c->s->peer.uid,
	    "gid", (json_int_t)c->s->peer.gid,
	    "pid", (json_int_t)c->s->peer.pid,
	    "client", cl->name, "channels", chans);
	return 0;
}

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

static int
m_status(struct call *c, const struct channel *ch)
{
	return imsg_status(c, ch);
}
