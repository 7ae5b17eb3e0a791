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

/*
 * Room the state must have before a send: its audit record, a hold and
 * rate windows, for this and every concurrent handler (LMDB copies
 * pages on write), with a wide margin.
 */
#define SEND_HEADROOM	(256 * 1024)

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
	  .fn = m_send },
	{ .name = "chats.list", .params = chats_params,
	  .flags = METHOD_CHANNEL, .fn = m_chats },
	{ .name = "messages.history", .params = history_params,
	  .flags = METHOD_CHANNEL, .fn = m_history },
	{ .name = "status", .params = status_params, .flags = METHOD_CHANNEL,
	  .fn = m_status },
	{ .name = "inbox.subscribe", .params = subscribe_params, .flags = 0,
	  .fn = inbox_subscribe },
	{ .name = "inbox.unsubscribe", .params = unsubscribe_params,
	  .flags = 0, .fn = inbox_unsubscribe },
	{ .name = "inbox.read", .params = read_params,
	  .flags = METHOD_CHANNEL | METHOD_INBOX, .fn = inbox_read },
};

const struct method *
method_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
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

/* A value that will sit on a tool's command line. */
static int
check_argument(struct call *c, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	if (value[0] == '-')
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param %s: must not start with '-'", name);
	return 0;
}

static const char *
param_str(struct call *c, const char *name)
{
	return json_string_value(json_object_get(c->params, name));
}

/*
 * Copy the attachment the client passed as a descriptor into the spool
 * under state_dir; the tool is given only that copy.
 */
static int
spool_attachment(struct call *c, const struct channel *ch, json_t *att,
    char *path, size_t pathlen)
{
	struct stat	 st;
	const char	*name, *ext, *p;
	char		 buf[65536], suffix[16] = "";
	int		 fd, out = -1, suffixlen = 0;
	ssize_t		 r;
	uint64_t	 total = 0;

	name = json_string_value(json_object_get(att, "name"));
	if (json_object_size(att) != (name != NULL ? 1U : 0U))
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachment: only \"name\" is accepted");
	if ((fd = linereader_take_fd(&c->s->reader)) == -1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachment: no descriptor was passed with the "
		    "request (attachments go by descriptor, not path)");
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachment: not a regular file");
	}
	if ((uint64_t)st.st_size > ch->max_attachment) {
		close(fd);
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachment: larger than %llu bytes",
		    (unsigned long long)ch->max_attachment);
	}
	/* Keep a short, safe extension so the tool can tell the type. */
	if (name != NULL && (ext = strrchr(name, '.')) != NULL &&
	    strlen(ext) < sizeof(suffix)) {
		for (p = ext + 1; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
				break;
		if (*p == '\0' && p != ext + 1) {
			(void)strlcpy(suffix, ext, sizeof(suffix));
			suffixlen = (int)strlen(suffix);
		}
	}
	if ((size_t)snprintf(path, pathlen, "%s/spool", c->s->cfg->state_dir) >=
	    pathlen || (mkdir(path, 0700) == -1 && errno != EEXIST) ||
	    (size_t)snprintf(path, pathlen, "%s/spool/att-XXXXXX%s",
	    c->s->cfg->state_dir, suffix) >= pathlen) {
		close(fd);
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "spool path too long");
	}
	if ((out = mkostemps(path, suffixlen, O_CLOEXEC)) == -1) {
		log_warn("spool %s", path);
		close(fd);
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "cannot spool the attachment");
	}
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		total += (uint64_t)r;
		if (total > ch->max_attachment ||
		    write(out, buf, (size_t)r) != r) {
			r = -1;
			break;
		}
	}
	close(fd);
	if (r != 0 || close(out) == -1) {
		(void)unlink(path);
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "cannot spool the attachment");
	}
	return 0;
}

static uint64_t
retry_seconds(uint64_t ms)
{
	return (ms + 999) / 1000;
}

/* Charge the channel's rate limits; 0 or call_error. */
static int
charge_limits(struct call *c, const struct channel *ch)
{
	struct rate_request	 reqs[16];
	char			 keys[16][512];
	size_t			 i, n = 0, which = 0;
	uint64_t		 retry = 0;
	const struct limit	*l;
	int			 r;

	for (i = 0; i < ch->nlimits && n < 16; i++) {
		l = &ch->limits[i];
		switch (l->per) {
		case LIMIT_PER_RECIPIENT:
			(void)snprintf(keys[n], sizeof(keys[n]),
			    "%s|recipient|%u|%llu|%s", c->channel, l->max,
			    (unsigned long long)l->window_ms, c->recipient);
			break;
		case LIMIT_PER_CHANNEL:
			(void)snprintf(keys[n], sizeof(keys[n]),
			    "%s|channel|%u|%llu", c->channel, l->max,
			    (unsigned long long)l->window_ms);
			break;
		case LIMIT_PER_CLIENT:
			(void)snprintf(keys[n], sizeof(keys[n]),
			    "%s|client|%u|%llu|%s", c->channel, l->max,
			    (unsigned long long)l->window_ms,
			    c->s->client->name);
			break;
		}
		reqs[n].key = keys[n];
		reqs[n].max = l->max;
		reqs[n].window_ms = l->window_ms;
		n++;
	}
	if (n == 0)
		return 0;
	r = state_rate_take(c->s->state, reqs, n, util_now_ms(), &which,
	    &retry);
	if (r == STATE_E_LIMITED) {
		l = &ch->limits[which];
		(void)snprintf(c->rulebuf, sizeof(c->rulebuf),
		    "limits[%zu]", which);
		c->rule = c->rulebuf;
		c->outcome = "limited";
		return call_error(c, CP_ERR_RATE_LIMITED,
		    json_pack("{s:I,s:s}", "retry_after",
		    (json_int_t)retry_seconds(retry), "rule", c->rulebuf),
		    "rate limited: at most %u per %llus; retry in %llus",
		    l->max, (unsigned long long)(l->window_ms / 1000),
		    (unsigned long long)retry_seconds(retry));
	}
	if (r != 0)
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: %s", state_strerror(r));
	return 0;
}

/* Store a held request for the owner; answers "held". */
static int
hold_request(struct call *c, const struct channel *ch,
    const struct verdict *v, const char *spool)
{
	static const char *const keys[] = { "chat_id", "chat_identifier",
	    "chat_guid", "text", "service", "region", NULL };
	json_t		*hold, *target, *p;
	size_t		 i;
	int		 r;

	/* What delivery needs later; "to" as normalised, never as given. */
	target = json_object();
	for (i = 0; keys[i] != NULL; i++)
		if ((p = json_object_get(c->params, keys[i])) != NULL)
			json_object_set(target, keys[i], p);
	if (json_object_get(c->params, "to") != NULL)
		json_object_set_new(target, "to", json_string(c->recipient));
	if (spool != NULL)
		json_object_set_new(target, "file", json_string(spool));
	hold = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:o}",
	    "client", c->s->client->name, "uid", (json_int_t)c->s->peer.uid,
	    "channel", c->channel, "method", "send",
	    "recipient", c->recipient, "rule", v->rule != NULL ? v->rule : "",
	    "reason", v->reason, "params", target);
	if (hold == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL, "out of memory");
	r = state_hold_put(c->s->state, hold, util_now_ms(), c->hold_id,
	    sizeof(c->hold_id));
	json_decref(hold);
	if (r != 0) {
		c->hold_id[0] = '\0';
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "cannot hold the message: %s", state_strerror(r));
	}
	c->decision = "hold";
	c->outcome = "held";
	c->rule = v->rule;
	return call_error(c, CP_ERR_HELD, json_pack("{s:s,s:s}", "hold_id",
	    c->hold_id, "rule", v->rule != NULL ? v->rule : ""),
	    "held for approval: hold %s (%s)", c->hold_id, v->reason);
}

static int
m_send(struct call *c, const struct channel *ch)
{
	struct verdict		 rv, cv;
	struct send_target	 t;
	enum addr_kind		 kind;
	const char		*to, *cid, *cguid, *text, *service, *region;
	const char		*cause = NULL;
	json_t			*att, *chat_id;
	char			 idbuf[32], chatbuf[ADDR_MAX], spool[PATH_MAX];
	int			 ntargets, held = 0, r;

	to = param_str(c, "to");
	cid = param_str(c, "chat_identifier");
	cguid = param_str(c, "chat_guid");
	chat_id = json_object_get(c->params, "chat_id");
	text = param_str(c, "text");
	service = param_str(c, "service");
	region = param_str(c, "region");
	att = json_object_get(c->params, "attachment");
	spool[0] = '\0';

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
	memset(&t, 0, sizeof(t));
	if (to != NULL) {
		if (addr_resolve(c->s->cfg, ch->id, to, c->recipient,
		    sizeof(c->recipient), &kind, &cause) == -1) {
			c->rule = "address";
			return call_error(c, CP_ERR_RECIPIENT_DENIED,
			    json_pack("{s:s,s:s}", "recipient", "",
			    "rule", "address"),
			    "recipient not allowed: cannot normalise (%s)",
			    cause != NULL ? cause : "invalid address");
		}
		if (kind == ADDR_CHAT || kind == ADDR_GROUP)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param to: use chat_id for chats");
		t.to = c->recipient;
	} else {
		if (chat_id != NULL) {
			if (json_integer_value(chat_id) < 1)
				return call_error(c, RPC_INVALID_PARAMS, NULL,
				    "param chat_id: must be positive");
			(void)snprintf(idbuf, sizeof(idbuf), "%lld",
			    (long long)json_integer_value(chat_id));
			t.chat_id = idbuf;
		}
		t.chat_identifier = cid;
		t.chat_guid = cguid;
		(void)snprintf(chatbuf, sizeof(chatbuf), "chat:%s",
		    t.chat_id != NULL ? t.chat_id : cid != NULL ? cid : cguid);
		if (addr_normalize(chatbuf, ch->region, c->recipient,
		    sizeof(c->recipient), &kind, &cause) == -1) {
			c->rule = "address";
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param chat: invalid chat id (%s)",
			    cause != NULL ? cause : "invalid");
		}
	}

	policy_outbound(c->s->cfg, ch, c->recipient, &rv);
	if (rv.kind == VERDICT_DENY) {
		c->rule = rv.rule;
		return call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", c->recipient, "rule",
		    rv.rule != NULL ? rv.rule : ""),
		    "recipient not allowed: %s (%s)", c->recipient, rv.reason);
	}

	if (text != NULL) {
		content_check(c->s->cfg, text, strlen(text), &cv);
		if (cv.kind == VERDICT_DENY) {
			c->rule = cv.rule;
			return call_error(c, CP_ERR_CONTENT_BLOCKED,
			    json_pack("{s:s}", "rule",
			    cv.rule != NULL ? cv.rule : ""),
			    "content blocked by rule %s",
			    cv.rule != NULL ? cv.rule : "?");
		}
	} else
		cv.kind = VERDICT_ALLOW;

	/*
	 * Nothing irreversible happens unless its audit record will fit:
	 * a send the chain cannot record would be a send unaccounted for.
	 */
	if ((r = state_headroom(c->s->state, SEND_HEADROOM)) != 0)
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: %s", state_strerror(r));

	if (att != NULL && spool_attachment(c, ch, att, spool,
	    sizeof(spool)) == -1)
		return -1;

	if (rv.kind == VERDICT_HOLD)
		r = hold_request(c, ch, &rv, spool[0] ? spool : NULL), held = 1;
	else if (cv.kind == VERDICT_HOLD)
		r = hold_request(c, ch, &cv, spool[0] ? spool : NULL), held = 1;
	else if ((r = charge_limits(c, ch)) == 0) {
		c->rule = rv.rule;
		r = imsg_send(c, ch, &t, text, spool[0] ? spool : NULL,
		    service, region);
	}
	/* A held message keeps its spooled attachment for the owner. */
	if (spool[0] != '\0' && !(held && c->code == CP_ERR_HELD))
		(void)unlink(spool);
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
