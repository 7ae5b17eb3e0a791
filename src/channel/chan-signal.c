/*
 * Inbound policy for Signal messages, stored as signal-cli's receive
 * params: {"account","envelope":{sourceNumber, sourceUuid, ...,
 * dataMessage | syncMessage | typingMessage | receiptMessage ...}}.  One
 * decision for every path the agent can read: the watcher, the inbox
 * stream and inbox.read (through inbound_message_visible), and
 * attachment.get.
 *
 * A group message is visible when its group is allowed as "group:<id>"
 * (a group has many members: it must be named, as for imsg); any other
 * message when its sender's number is allowed.  The owner's own messages
 * sent from another device (syncMessage.sentMessage) also need
 * inbound.from_me, and their destination (number or group) allowed.
 * Anything else, a sender without a number included, is hidden unless
 * inbound mode is open.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "chan-signal.h"
#include "channel.h"
#include "jsonl-client.h"
#include "policy.h"

static int	 signal_visible(const struct config *, const struct channel *,
		    json_t *);
static int	 signal_scrub(const struct channel *, json_t *);
static const char *signal_sender(json_t *);
static int	 signal_resolve(const struct config *, const struct channel *,
		    const char *, json_t *, struct identity_set *,
		    const char **);
static void	 signal_check(struct channel *, struct conf_report *);
static size_t	 signal_files(const struct channel *, struct channel_file *,
		    size_t);
static int	 signal_probe(const struct config *, const struct channel *,
		    char *, size_t);

static const struct conf_key signal_keys[] = {
	{ .name = "account", .type = CONF_STRING,
	  .offset = offsetof(struct signal_opts, account) },
	{ .name = "daemon_socket", .type = CONF_PATH,
	  .offset = offsetof(struct signal_opts, daemon_socket) },
};

/* Signal goes through the carapace-owned daemon, not a tool. */
const struct channel_driver signal_driver = {
	.name = "signal",
	.keys = signal_keys,
	.nkeys = sizeof(signal_keys) / sizeof(signal_keys[0]),
	.opts_size = sizeof(struct signal_opts),
	.check = signal_check,
	.address_kinds = (1U << ADDR_PHONE) | (1U << ADDR_GROUP),
	.resolve_kinds = 1U << ADDR_GROUP,
	.resolve = signal_resolve,
	.visible = signal_visible,
	.scrub = signal_scrub,
	.sender = signal_sender,
	.tool_argv = NULL,
	.files = signal_files,
	.probe = signal_probe,
};

/*
 * A group reaches its members.  facts is the group as the daemon's
 * listGroups answers it (signal-cli's JsonGroupInfo: id, members of
 * {number, uuid}).  Each member with a number is an identity; a member
 * the daemon lists without one (a hidden number) can match no entry,
 * so the group itself stands for them among the identities: the group
 * must then be allowed as a whole (in allowlist mode), or is held (in
 * approval mode); while a deny entry could name such a member, a group
 * not allowed as a whole is refused in every mode.  A group listing no
 * member is the group identity only, under the same rule.
 */
static int
signal_resolve(const struct config *cfg, const struct channel *ch,
    const char *target, json_t *facts, struct identity_set *set,
    const char **cause)
{
	json_t		*members, *m;
	const char	*id, *number;
	char		 buf[ADDR_MAX];
	size_t		 i;
	int		 hidden = 0;

	memset(set, 0, sizeof(*set));
	*cause = "unknown group";
	id = json_string_value(json_object_get(facts, "id"));
	if (strncmp(target, "group:", 6) != 0 || id == NULL ||
	    strcmp(id, target + 6) != 0)
		return -1;
	(void)strlcpy(set->whole, target, sizeof(set->whole));
	members = json_object_get(facts, "members");
	if (members != NULL && !json_is_array(members)) {
		*cause = "malformed group members";
		return -1;
	}
	json_array_foreach(members, i, m) {
		number = json_string_value(json_object_get(m, "number"));
		if (number == NULL || *number == '\0') {
			hidden = 1;
			continue;
		}
		if (addr_normalize(number, ch->region, buf, sizeof(buf), NULL,
		    NULL) == -1) {
			*cause = "a member's number cannot be normalised";
			return -1;
		}
		if (identity_add(set, cfg, buf, cause) == -1)
			return -1;
	}
	if (!hidden && set->n > 0)
		return 0;
	/*
	 * Someone the daemon does not name may be the person a deny entry
	 * names; only the owner's allowing the group as a whole vouches
	 * for them, else the group is refused while such an entry exists.
	 */
	if (!policy_match(cfg, ch->id, &ch->outbound_allow, target, NULL)) {
		for (i = 0; i < ch->outbound_deny.count; i++) {
			if (ch->outbound_deny.items[i] == NULL ||
			    strncasecmp(ch->outbound_deny.items[i], "group:",
			    6) == 0)
				continue;
			*cause = "a member the daemon lists without a number "
			    "could be one a deny entry names";
			return -1;
		}
	}
	return identity_add(set, cfg, target, cause);
}

/* The account is the number as E.164 gives it, nothing else. */
static int
valid_e164(const char *s)
{
	char		 norm[ADDR_MAX];
	enum addr_kind	 kind;

	return s[0] == '+' && addr_normalize(s, NULL, norm, sizeof(norm),
	    &kind, NULL) == 0 && kind == ADDR_PHONE && strcmp(norm, s) == 0;
}

static void
signal_check(struct channel *ch, struct conf_report *r)
{
	const struct signal_opts	*o = SIGNAL_OPTS(ch);

	if (!conf_key_seen(r, "daemon_socket"))
		conf_problem(r, "missing required key \"daemon_socket\"");
	if (!conf_key_seen(r, "account"))
		conf_problem(r, "missing required key \"account\"");
	else if (o->account != NULL && !valid_e164(o->account))
		conf_problem(r, "bad signal account (expected the number "
		    "in E.164 form, e.g. +14155550199)");
}

static json_t *
path2(json_t *v, const char *a, const char *b)
{
	return json_object_get(json_object_get(v, a), b);
}

int
inbound_signal_group(const struct config *cfg, const struct channel *ch,
    const char *id)
{
	char		 buf[ADDR_MAX + 8], norm[ADDR_MAX];
	enum addr_kind	 kind;

	if (ch->inbound_mode == INBOUND_OPEN)
		return 1;
	if (id == NULL || (size_t)snprintf(buf, sizeof(buf), "group:%s", id) >=
	    sizeof(buf) || addr_normalize(buf, ch->region, norm, sizeof(norm),
	    &kind, NULL) == -1 || kind != ADDR_GROUP)
		return 0;
	return policy_inbound_visible(cfg, ch, norm);
}

int
inbound_signal_number(const struct config *cfg, const struct channel *ch,
    const char *number)
{
	char		 norm[ADDR_MAX];
	enum addr_kind	 kind;

	if (ch->inbound_mode == INBOUND_OPEN)
		return 1;
	if (number == NULL || addr_normalize(number, ch->region, norm,
	    sizeof(norm), &kind, NULL) == -1 || kind != ADDR_PHONE)
		return 0;
	return policy_inbound_visible(cfg, ch, norm);
}

/* The group a message belongs to: 1 with *id (maybe NULL), or 0. */
static int
envelope_group(json_t *env, const char **id)
{
	json_t	*g;

	if ((g = path2(env, "dataMessage", "groupInfo")) != NULL ||
	    (g = json_object_get(path2(env, "editMessage", "dataMessage"),
	    "groupInfo")) != NULL) {
		*id = json_string_value(json_object_get(g, "groupId"));
		return 1;
	}
	if ((g = path2(env, "typingMessage", "groupId")) != NULL) {
		*id = json_string_value(g);
		return 1;
	}
	return 0;
}

static int
signal_visible(const struct config *cfg, const struct channel *ch,
    json_t *msg)
{
	json_t		*env, *sync, *sent, *g;
	const char	*id = NULL;

	env = json_object_get(msg, "envelope");
	if (!json_is_object(env))
		return 0;
	if ((sync = json_object_get(env, "syncMessage")) != NULL) {
		sent = json_object_get(sync, "sentMessage");
		if (!ch->from_me || !json_is_object(sent))
			return 0;
		if ((g = json_object_get(sent, "groupInfo")) != NULL)
			return inbound_signal_group(cfg, ch, json_string_value(
			    json_object_get(g, "groupId")));
		return inbound_signal_number(cfg, ch, json_string_value(
		    json_object_get(sent, "destinationNumber")));
	}
	if (envelope_group(env, &id))
		return inbound_signal_group(cfg, ch, id);
	return inbound_signal_number(cfg, ch, json_string_value(
	    json_object_get(env, "sourceNumber")));
}

/* Scrub obj[key] in place when it is a string; 0 or -1. */
/* A data message's text and its quote's text. */
static int
scrub_data(const struct channel *ch, json_t *dm)
{
	if (!json_is_object(dm))
		return 0;
	if (scrub_json_field(ch->scrub, dm, "message") == -1 ||
	    scrub_json_field(ch->scrub, json_object_get(dm, "quote"), "text") == -1)
		return -1;
	return 0;
}

static int
signal_scrub(const struct channel *ch, json_t *msg)
{
	json_t	*env = json_object_get(msg, "envelope");

	if (ch->scrub == 0)
		return 0;
	if (scrub_data(ch, json_object_get(env, "dataMessage")) == -1 ||
	    scrub_data(ch, path2(env, "editMessage", "dataMessage")) == -1 ||
	    scrub_data(ch, path2(env, "syncMessage", "sentMessage")) == -1)
		return -1;
	return 0;
}

static const char *
signal_sender(json_t *msg)
{
	json_t		*env = json_object_get(msg, "envelope");
	const char	*id = NULL;
	static char	 buf[ADDR_MAX];

	if (envelope_group(env, &id) && id != NULL &&
	    (size_t)snprintf(buf, sizeof(buf), "group:%s", id) < sizeof(buf))
		return buf;
	return json_string_value(json_object_get(env, "sourceNumber"));
}

static size_t
signal_files(const struct channel *ch, struct channel_file *f, size_t max)
{
	const struct signal_opts	*o = SIGNAL_OPTS(ch);

	if (o->daemon_socket == NULL || max < 1)
		return 0;
	f[0].what = "signal-cli daemon socket";
	f[0].path = o->daemon_socket;
	f[0].kind = CHANNEL_FILE_SOCKET;
	f[0].service = "signal-cli";
	return 1;
}

/* The daemon's "version": it runs and answers JSON-RPC on its socket. */
static int
signal_probe(const struct config *cfg, const struct channel *ch,
    char *answer, size_t len)
{
	static const char	 req[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"}";
	struct jsonl_conn	 conn;
	json_t			*ans, *res;
	char			*line, err[128];
	const char		*v;
	size_t			 n;
	int			 r;

	(void)cfg;
	if (SIGNAL_OPTS(ch)->daemon_socket == NULL) {
		(void)snprintf(answer, len, "no daemon_socket configured");
		return -1;
	}
	if (jsonl_connect(&conn, "signal-cli daemon",
	    SIGNAL_OPTS(ch)->daemon_socket, ch->timeout_ms,
	    (size_t)ch->max_output, err, sizeof(err)) != JSONL_OK) {
		(void)snprintf(answer, len, "%s", err);
		return -1;
	}
	if (jsonl_send(&conn, req, sizeof(req) - 1, NULL, 0, err,
	    sizeof(err)) != JSONL_OK) {
		jsonl_close(&conn);
		(void)snprintf(answer, len, "%s", err);
		return -1;
	}
	/* Notifications may come first: read up to the answer. */
	for (;;) {
		if ((r = jsonl_read_line(&conn, &line, &n, err,
		    sizeof(err))) != JSONL_OK) {
			jsonl_close(&conn);
			(void)snprintf(answer, len, "%s", err);
			return -1;
		}
		ans = json_loadb(line, n, 0, NULL);
		if (json_integer_value(json_object_get(ans, "id")) == 1 ||
		    json_object_get(ans, "error") != NULL)
			break;
		json_decref(ans);
	}
	jsonl_close(&conn);
	res = json_object_get(ans, "result");
	if ((v = json_string_value(json_object_get(res, "version"))) ==
	    NULL) {
		(void)snprintf(answer, len, "no version in its answer");
		json_decref(ans);
		return -1;
	}
	(void)snprintf(answer, len, "signal-cli %s", v);
	json_decref(ans);
	return 0;
}
