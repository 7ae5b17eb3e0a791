/*
 * The Discord channel: its driver (options, checks, carapace-discord's
 * command line) and its policy helpers (chan-discord.h): snowflakes,
 * the api_base check, the targets an allow list names, and the inbound
 * decision and scrubbing on Discord message objects, used alike by the
 * handler's history, the watcher and carapace-discord's poll.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "chan-discord.h"
#include "channel.h"
#include "policy.h"
#include "util.h"

#define DAY_MS		(24ULL * 60 * 60 * 1000)

static const char *discord_api_base_check(const char *);
static const char *discord_sender(json_t *);
static void	 discord_check(struct channel *, struct conf_report *);
static int	 discord_resolve(const struct config *,
		    const struct channel *, const char *, json_t *,
		    struct identity_set *, const char **);
static int	 discord_argv(const struct config *, const struct channel *,
		    const char *, struct tool_argv *, const char **);

static const struct conf_key discord_keys[] = {
	{ .name = "token_file", .type = CONF_PATH,
	  .offset = offsetof(struct discord_opts, token_file) },
	{ .name = "api_base", .type = CONF_STRING,
	  .offset = offsetof(struct discord_opts, api_base),
	  .check = discord_api_base_check, .noun = "URL" },
	{ .name = "poll", .type = CONF_DURATION, .flags = CONF_KEY_COMMON,
	  .offset = offsetof(struct channel, poll_ms),
	  .min = 1000, .max = DAY_MS },
};

static size_t	 discord_files(const struct channel *,
		    struct channel_file *, size_t);
static int	 discord_probe(const struct config *, const struct channel *,
		    char *, size_t);

const struct channel_driver discord_driver = {
	.name = "discord",
	.keys = discord_keys,
	.nkeys = sizeof(discord_keys) / sizeof(discord_keys[0]),
	.opts_size = sizeof(struct discord_opts),
	.check = discord_check,
	.address_kinds = (1U << ADDR_CHANNEL) | (1U << ADDR_USER),
	.resolve_kinds = 1U << ADDR_CHANNEL,
	.resolve = discord_resolve,
	.visible = discord_message_visible,
	.scrub = discord_scrub,
	.sender = discord_sender,
	.tool_argv = discord_argv,
	.files = discord_files,
	.probe = discord_probe,
};

/*
 * A channel:<id> reaches whoever reads it.  facts is the channel object
 * Discord answers GET /channels/{id} with (carapace-discord channel):
 * a DM (type 1) reaches its one recipient, user:<id>, so a deny of the
 * user holds against their DM channel; a group DM (type 3) its
 * recipients; a guild channel (guild_id set) is its own identity, and
 * a thread is also known by its parent channel (parent_id), so an entry
 * on the parent holds for its threads.
 */
static int
discord_resolve(const struct config *cfg, const struct channel *ch,
    const char *target, json_t *facts, struct identity_set *set,
    const char **cause)
{
	json_t		*type, *recipients, *r;
	const char	*id, *user, *parent;
	char		 buf[ADDR_MAX];
	size_t		 i;

	(void)ch;
	memset(set, 0, sizeof(*set));
	*cause = "unknown channel";
	id = json_string_value(json_object_get(facts, "id"));
	type = json_object_get(facts, "type");
	if (strncmp(target, "channel:", 8) != 0 || id == NULL ||
	    strcmp(id, target + 8) != 0 || !json_is_integer(type))
		return -1;
	(void)strlcpy(set->whole, target, sizeof(set->whole));
	recipients = json_object_get(facts, "recipients");
	switch (json_integer_value(type)) {
	case 1:		/* DM */
	case 3:		/* GROUP_DM */
		if (!json_is_array(recipients) ||
		    json_array_size(recipients) == 0 ||
		    (json_integer_value(type) == 1 &&
		    json_array_size(recipients) != 1)) {
			*cause = "direct message without its recipient";
			return -1;
		}
		json_array_foreach(recipients, i, r) {
			user = json_string_value(json_object_get(r, "id"));
			if (!discord_snowflake(user, NULL)) {
				*cause = "a recipient has no Discord id";
				return -1;
			}
			(void)snprintf(buf, sizeof(buf), "user:%s", user);
			if (identity_add(set, cfg, buf, cause) == -1)
				return -1;
		}
		return 0;
	case 10:	/* ANNOUNCEMENT_THREAD */
	case 11:	/* PUBLIC_THREAD */
	case 12:	/* PRIVATE_THREAD */
		/* Whoever reads the parent reads its threads. */
		parent = json_string_value(json_object_get(facts,
		    "parent_id"));
		if (!discord_snowflake(parent, NULL)) {
			*cause = "a thread without its parent channel";
			return -1;
		}
		(void)snprintf(buf, sizeof(buf), "channel:%s", parent);
		identity_aka(set, buf);
		/* FALLTHROUGH */
	default:
		if (!json_is_string(json_object_get(facts, "guild_id"))) {
			*cause = "neither a guild channel nor a DM";
			return -1;
		}
		return identity_add(set, cfg, target, cause);
	}
}

/* Discord's tool is Carapace's own REST client. */
static void
discord_check(struct channel *ch, struct conf_report *r)
{
	struct discord_opts	*o = ch->opts;

	(void)r;
	if (ch->tool == NULL)
		ch->tool = xstrdup(CARAPACE_DISCORD_TOOL);
	if (o->api_base == NULL)
		o->api_base = xstrdup(DISCORD_API_BASE);
}

static const char *
discord_api_base_check(const char *s)
{
	if ((strncmp(s, "https://", 8) != 0 || s[8] == '\0' ||
	    s[8] == '/' || strchr(s, ' ') != NULL) &&
	    (strncmp(s, "http://", 7) != 0 || !discord_api_base_ok(s)))
		return "expected https://host/...";
	return NULL;
}

/*
 * carapace-discord reads the configuration itself (the token file, the
 * api base): its command line names the file and the command.
 */
static int
discord_argv(const struct config *cfg, const struct channel *ch,
    const char *command, struct tool_argv *a, const char **cause)
{
	if (cfg->path == NULL) {
		*cause = "no configuration file";
		return -1;
	}
	tool_argv_reset(a);
	tool_argv_add(a, ch->tool);
	tool_argv_add(a, "-c");
	tool_argv_add(a, cfg->path);
	tool_argv_add(a, command);
	return 0;
}

/*
 * The author as "user:<id>" for the audit record of a hidden message
 * (kept in the message, which a hidden message never leaves).
 */
static const char *
discord_sender(json_t *msg)
{
	const char	*id = json_string_value(json_object_get(
			    json_object_get(msg, "author"), "id"));
	char		 buf[64];

	if (!discord_snowflake(id, NULL))
		return NULL;
	(void)snprintf(buf, sizeof(buf), "user:%s", id);
	json_object_set_new(msg, "_audit_sender", json_string(buf));
	return json_string_value(json_object_get(msg, "_audit_sender"));
}

uint64_t
discord_snowflake_at(uint64_t ms)
{
	if (ms <= DISCORD_EPOCH_MS)
		return 0;
	return (ms - DISCORD_EPOCH_MS) << 22;
}

uint64_t
discord_snowflake_ms(uint64_t id)
{
	return (id >> 22) + DISCORD_EPOCH_MS;
}

int
discord_snowflake(const char *s, uint64_t *id)
{
	uint64_t	v = 0;
	size_t		i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 20 ||
	    (s[0] == '0' && s[1] != '\0'))
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(s[i] - '0'))
		    / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (id != NULL)
		*id = v;
	return 1;
}

/* host[:port] then '/' or the end; host as given. */
static int
loopback_host(const char *s)
{
	static const char *const hosts[] = { "127.0.0.1", "localhost" };
	size_t	i, n;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		n = strlen(hosts[i]);
		if (strncmp(s, hosts[i], n) != 0)
			continue;
		s += n;
		if (*s == ':') {
			for (s++, n = 0; *s >= '0' && *s <= '9'; s++)
				n++;
			if (n == 0 || n > 5)
				return 0;
		}
		return *s == '\0' || *s == '/';
	}
	return 0;
}

int
discord_api_base_ok(const char *url)
{
	const char	*p;

	if (url == NULL)
		return 0;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '?' || *p == '#' || *p == '@')
			return 0;
	if (strncmp(url, "https://", 8) == 0)
		return url[8] != '\0' && url[8] != '/';
	if (strncmp(url, "http://", 7) == 0)
		return loopback_host(url + 7);
	return 0;
}

int
discord_list_targets(const struct config *cfg, const struct channel *ch,
    const struct strlist *list, json_t **channels, json_t **users)
{
	char		 norm[ADDR_MAX];
	enum addr_kind	 kind;
	size_t		 i;

	*channels = json_array();
	*users = json_array();
	for (i = 0; i < list->count; i++) {
		if (addr_resolve(cfg, ch->id, list->items[i], norm,
		    sizeof(norm), &kind, NULL) == -1)
			continue;
		if (kind == ADDR_CHANNEL)
			json_array_append_new(*channels,
			    json_string(norm + strlen("channel:")));
		else if (kind == ADDR_USER)
			json_array_append_new(*users,
			    json_string(norm + strlen("user:")));
	}
	return 0;
}

static int
allowed(const struct config *cfg, const struct channel *ch,
    const char *prefix, const char *id)
{
	char	want[ADDR_MAX];

	if (!discord_snowflake(id, NULL))
		return 0;
	(void)snprintf(want, sizeof(want), "%s%s", prefix, id);
	return policy_match(cfg, ch->id, &ch->inbound_allow, want, NULL);
}

int
discord_channel_visible(const struct config *cfg, const struct channel *ch,
    const char *channel_id, const char *dm_user)
{
	if (!discord_snowflake(channel_id, NULL))
		return 0;
	if (ch->inbound_mode == INBOUND_OPEN)
		return 1;
	if (allowed(cfg, ch, "channel:", channel_id))
		return 1;
	return dm_user != NULL && allowed(cfg, ch, "user:", dm_user);
}

int
discord_message_visible(const struct config *cfg, const struct channel *ch,
    json_t *m)
{
	const char	*cid, *author;

	cid = json_string_value(json_object_get(m, "channel_id"));
	author = json_string_value(json_object_get(json_object_get(m,
	    "author"), "id"));
	if (!json_is_object(m) || !discord_snowflake(cid, NULL) ||
	    !discord_snowflake(author, NULL) || !ch->configured)
		return 0;
	if (ch->inbound_mode == INBOUND_OPEN)
		return 1;
	if (allowed(cfg, ch, "channel:", cid))
		return 1;
	if (!json_is_true(json_object_get(m, "is_dm")))
		return 0;
	if (json_is_true(json_object_get(m, "is_from_me")))
		return ch->from_me;
	return allowed(cfg, ch, "user:", author);
}

int
discord_scrub(const struct channel *ch, json_t *m)
{
	json_t	*e;
	size_t	 i;

	if (ch->scrub == 0)
		return 0;
	if (scrub_json_field(ch->scrub, m, "content") == -1)
		return -1;
	/* A reply carries the message it answers. */
	if (json_is_object(json_object_get(m, "referenced_message")) &&
	    scrub_json_field(ch->scrub, json_object_get(m, "referenced_message"),
	    "content") == -1)
		return -1;
	json_array_foreach(json_object_get(m, "embeds"), i, e) {
		if (scrub_json_field(ch->scrub, e, "title") == -1 ||
		    scrub_json_field(ch->scrub, e, "description") == -1 ||
		    scrub_json_field(ch->scrub, e, "url") == -1)
			return -1;
	}
	return 0;
}

static size_t
discord_files(const struct channel *ch, struct channel_file *f, size_t max)
{
	const struct discord_opts	*o = DISCORD_OPTS(ch);

	if (o->token_file == NULL || max < 1)
		return 0;
	f[0].what = "bot token file";
	f[0].path = o->token_file;
	f[0].kind = CHANNEL_FILE_SECRET;
	f[0].service = NULL;
	return 1;
}

/* carapace-discord status: GET /users/@me with the bot's token. */
static int
discord_probe(const struct config *cfg, const struct channel *ch,
    char *answer, size_t len)
{
	return channel_probe_tool(cfg, ch, "status", NULL, answer, len);
}
