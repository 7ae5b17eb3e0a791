/*
 * The Discord channel: its driver (options, checks, carapace-discord's
 * command line) and its policy helpers (chan-discord.h): snowflakes,
 * the api_base check, the targets an allow list names, and the inbound
 * decision and field schema for Discord message objects, used alike by the
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
#include "schema.h"
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

static int	 discord_owner_text(const struct config *,
		    const struct channel *, json_t *, const char *,
		    const char **);
static size_t	 discord_texts(json_t *, const char **, size_t);
static size_t	 discord_files(const struct channel *,
		    struct channel_file *, size_t);
static int	 discord_probe(const struct config *, const struct channel *,
		    char *, size_t);
/*
 * What an agent reads of a Discord message or channel, as the API
 * documents them (discord/discord-api-docs
 * c98d64bc233833839cf0d8d369e81b77f21ade60, developers/resources/
 * message.mdx: message, attachment, embed and its parts, reaction,
 * message reference, message snapshot, channel mention, message call,
 * interaction metadata, role subscription data; user.mdx; channel.mdx;
 * poll.mdx; sticker.mdx; emoji.mdx; components/reference.mdx), plus
 * is_dm and is_from_me, which carapace-discord adds to a DM's messages
 * (src/discord/discord.c mark_dm).  Anything else is dropped
 * (schema.h), "resolved" (interaction data) among it.  A user's
 * username is text, not an id: a webhook's may be any words.
 */
static const struct schema_field discord_emoji_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "animated", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_avatar_decoration_fields[] = {
	{ "asset", SCHEMA_ID, NULL },
	{ "sku_id", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_user_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "username", SCHEMA_TEXT, NULL },
	{ "discriminator", SCHEMA_ID, NULL },
	{ "global_name", SCHEMA_TEXT, NULL },
	{ "avatar", SCHEMA_ID, NULL },
	{ "bot", SCHEMA_BOOL, NULL },
	{ "system", SCHEMA_BOOL, NULL },
	{ "public_flags", SCHEMA_INT, NULL },
	{ "banner", SCHEMA_ID, NULL },
	{ "accent_color", SCHEMA_INT, NULL },
	{ "avatar_decoration_data", SCHEMA_OBJECT, discord_avatar_decoration_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_attachment_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "filename", SCHEMA_TEXT, NULL },
	{ "title", SCHEMA_TEXT, NULL },
	{ "description", SCHEMA_TEXT, NULL },
	{ "content_type", SCHEMA_ID, NULL },
	{ "size", SCHEMA_INT, NULL },
	{ "url", SCHEMA_TEXT, NULL },
	{ "proxy_url", SCHEMA_TEXT, NULL },
	{ "height", SCHEMA_INT, NULL },
	{ "width", SCHEMA_INT, NULL },
	{ "placeholder", SCHEMA_ID, NULL },
	{ "placeholder_version", SCHEMA_INT, NULL },
	{ "ephemeral", SCHEMA_BOOL, NULL },
	{ "duration_secs", SCHEMA_REAL, NULL },
	{ "waveform", SCHEMA_ID, NULL },
	{ "flags", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_embed_footer_fields[] = {
	{ "text", SCHEMA_TEXT, NULL },
	{ "icon_url", SCHEMA_TEXT, NULL },
	{ "proxy_icon_url", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* Embed image, thumbnail and video. */
static const struct schema_field discord_embed_media_fields[] = {
	{ "url", SCHEMA_TEXT, NULL },
	{ "proxy_url", SCHEMA_TEXT, NULL },
	{ "height", SCHEMA_INT, NULL },
	{ "width", SCHEMA_INT, NULL },
	{ "content_type", SCHEMA_ID, NULL },
	{ "placeholder", SCHEMA_ID, NULL },
	{ "placeholder_version", SCHEMA_INT, NULL },
	{ "description", SCHEMA_TEXT, NULL },
	{ "flags", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_embed_provider_fields[] = {
	{ "name", SCHEMA_TEXT, NULL },
	{ "url", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_embed_author_fields[] = {
	{ "name", SCHEMA_TEXT, NULL },
	{ "url", SCHEMA_TEXT, NULL },
	{ "icon_url", SCHEMA_TEXT, NULL },
	{ "proxy_icon_url", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_embed_field_fields[] = {
	{ "name", SCHEMA_TEXT, NULL },
	{ "value", SCHEMA_TEXT, NULL },
	{ "inline", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_embed_fields[] = {
	{ "title", SCHEMA_TEXT, NULL },
	{ "type", SCHEMA_ID, NULL },
	{ "description", SCHEMA_TEXT, NULL },
	{ "url", SCHEMA_TEXT, NULL },
	{ "timestamp", SCHEMA_ID, NULL },
	{ "color", SCHEMA_INT, NULL },
	{ "footer", SCHEMA_OBJECT, discord_embed_footer_fields },
	{ "image", SCHEMA_OBJECT, discord_embed_media_fields },
	{ "thumbnail", SCHEMA_OBJECT, discord_embed_media_fields },
	{ "video", SCHEMA_OBJECT, discord_embed_media_fields },
	{ "provider", SCHEMA_OBJECT, discord_embed_provider_fields },
	{ "author", SCHEMA_OBJECT, discord_embed_author_fields },
	{ "fields", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_embed_field_fields },
	{ "flags", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_reaction_count_fields[] = {
	{ "burst", SCHEMA_INT, NULL },
	{ "normal", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_reaction_fields[] = {
	{ "count", SCHEMA_INT, NULL },
	{ "count_details", SCHEMA_OBJECT, discord_reaction_count_fields },
	{ "me", SCHEMA_BOOL, NULL },
	{ "me_burst", SCHEMA_BOOL, NULL },
	{ "emoji", SCHEMA_OBJECT, discord_emoji_fields },
	{ "burst_colors", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_select_option_fields[] = {
	{ "label", SCHEMA_TEXT, NULL },
	{ "value", SCHEMA_TEXT, NULL },
	{ "description", SCHEMA_TEXT, NULL },
	{ "emoji", SCHEMA_OBJECT, discord_emoji_fields },
	{ "default", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* A media gallery item. */
static const struct schema_field discord_media_item_fields[] = {
	{ "media", SCHEMA_OBJECT, discord_embed_media_fields },
	{ "description", SCHEMA_TEXT, NULL },
	{ "spoiler", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/*
 * A component of any type (buttons with their url, selects, text
 * displays, sections, media galleries, files, containers): one table
 * for all, walked through nested components and accessories.
 */
static const struct schema_field discord_component_fields[] = {
	{ "type", SCHEMA_INT, NULL },
	{ "id", SCHEMA_INT, NULL },
	{ "custom_id", SCHEMA_TEXT, NULL },
	{ "style", SCHEMA_INT, NULL },
	{ "label", SCHEMA_TEXT, NULL },
	{ "emoji", SCHEMA_OBJECT, discord_emoji_fields },
	{ "url", SCHEMA_TEXT, NULL },
	{ "disabled", SCHEMA_BOOL, NULL },
	{ "sku_id", SCHEMA_ID, NULL },
	{ "options", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_select_option_fields },
	{ "placeholder", SCHEMA_TEXT, NULL },
	{ "min_values", SCHEMA_INT, NULL },
	{ "max_values", SCHEMA_INT, NULL },
	{ "components", SCHEMA_OBJECT | SCHEMA_ARRAY, NULL },
	{ "accessory", SCHEMA_OBJECT, NULL },
	{ "content", SCHEMA_TEXT, NULL },
	{ "items", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_media_item_fields },
	{ "media", SCHEMA_OBJECT, discord_embed_media_fields },
	{ "description", SCHEMA_TEXT, NULL },
	{ "file", SCHEMA_OBJECT, discord_embed_media_fields },
	{ "name", SCHEMA_TEXT, NULL },
	{ "size", SCHEMA_INT, NULL },
	{ "spoiler", SCHEMA_BOOL, NULL },
	{ "divider", SCHEMA_BOOL, NULL },
	{ "spacing", SCHEMA_INT, NULL },
	{ "accent_color", SCHEMA_INT, NULL },
	{ "value", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_sticker_item_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "format_type", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_sticker_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "pack_id", SCHEMA_ID, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "description", SCHEMA_TEXT, NULL },
	{ "tags", SCHEMA_TEXT, NULL },
	{ "type", SCHEMA_INT, NULL },
	{ "format_type", SCHEMA_INT, NULL },
	{ "available", SCHEMA_BOOL, NULL },
	{ "guild_id", SCHEMA_ID, NULL },
	{ "sort_value", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_poll_media_fields[] = {
	{ "text", SCHEMA_TEXT, NULL },
	{ "emoji", SCHEMA_OBJECT, discord_emoji_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_poll_answer_fields[] = {
	{ "answer_id", SCHEMA_INT, NULL },
	{ "poll_media", SCHEMA_OBJECT, discord_poll_media_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_poll_count_fields[] = {
	{ "id", SCHEMA_INT, NULL },
	{ "count", SCHEMA_INT, NULL },
	{ "me_voted", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_poll_results_fields[] = {
	{ "is_finalized", SCHEMA_BOOL, NULL },
	{ "answer_counts", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_poll_count_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_poll_fields[] = {
	{ "question", SCHEMA_OBJECT, discord_poll_media_fields },
	{ "answers", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_poll_answer_fields },
	{ "expiry", SCHEMA_ID, NULL },
	{ "allow_multiselect", SCHEMA_BOOL, NULL },
	{ "layout_type", SCHEMA_INT, NULL },
	{ "results", SCHEMA_OBJECT, discord_poll_results_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_thread_metadata_fields[] = {
	{ "archived", SCHEMA_BOOL, NULL },
	{ "auto_archive_duration", SCHEMA_INT, NULL },
	{ "archive_timestamp", SCHEMA_ID, NULL },
	{ "locked", SCHEMA_BOOL, NULL },
	{ "invitable", SCHEMA_BOOL, NULL },
	{ "create_timestamp", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* A channel: chats.list, and a message's thread. */
static const struct schema_field discord_channel_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "type", SCHEMA_INT, NULL },
	{ "guild_id", SCHEMA_ID, NULL },
	{ "position", SCHEMA_INT, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "topic", SCHEMA_TEXT, NULL },
	{ "nsfw", SCHEMA_BOOL, NULL },
	{ "last_message_id", SCHEMA_ID, NULL },
	{ "parent_id", SCHEMA_ID, NULL },
	{ "recipients", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_user_fields },
	{ "icon", SCHEMA_ID, NULL },
	{ "owner_id", SCHEMA_ID, NULL },
	{ "flags", SCHEMA_INT, NULL },
	{ "rate_limit_per_user", SCHEMA_INT, NULL },
	{ "last_pin_timestamp", SCHEMA_ID, NULL },
	{ "message_count", SCHEMA_INT, NULL },
	{ "member_count", SCHEMA_INT, NULL },
	{ "thread_metadata", SCHEMA_OBJECT, discord_thread_metadata_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_channel_mention_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "guild_id", SCHEMA_ID, NULL },
	{ "type", SCHEMA_INT, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_activity_fields[] = {
	{ "type", SCHEMA_INT, NULL },
	{ "party_id", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_application_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "description", SCHEMA_TEXT, NULL },
	{ "icon", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_reference_fields[] = {
	{ "type", SCHEMA_INT, NULL },
	{ "message_id", SCHEMA_ID, NULL },
	{ "channel_id", SCHEMA_ID, NULL },
	{ "guild_id", SCHEMA_ID, NULL },
	{ "fail_if_not_exists", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_interaction_metadata_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "type", SCHEMA_INT, NULL },
	{ "user", SCHEMA_OBJECT, discord_user_fields },
	{ "original_response_message_id", SCHEMA_ID, NULL },
	{ "target_user", SCHEMA_OBJECT, discord_user_fields },
	{ "target_message_id", SCHEMA_ID, NULL },
	{ "interacted_message_id", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_interaction_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "type", SCHEMA_INT, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "user", SCHEMA_OBJECT, discord_user_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_role_subscription_fields[] = {
	{ "role_subscription_listing_id", SCHEMA_ID, NULL },
	{ "tier_name", SCHEMA_TEXT, NULL },
	{ "total_months_subscribed", SCHEMA_INT, NULL },
	{ "is_renewal", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_call_fields[] = {
	{ "participants", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "ended_timestamp", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* The subset of a forwarded message a snapshot carries. */
static const struct schema_field discord_snapshot_message_fields[] = {
	{ "type", SCHEMA_INT, NULL },
	{ "content", SCHEMA_TEXT, NULL },
	{ "embeds", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_embed_fields },
	{ "attachments", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_attachment_fields },
	{ "timestamp", SCHEMA_ID, NULL },
	{ "edited_timestamp", SCHEMA_ID, NULL },
	{ "flags", SCHEMA_INT, NULL },
	{ "mentions", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_user_fields },
	{ "mention_roles", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "stickers", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_sticker_fields },
	{ "sticker_items", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_sticker_item_fields },
	{ "components", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_component_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field discord_snapshot_fields[] = {
	{ "message", SCHEMA_OBJECT, discord_snapshot_message_fields },
	{ NULL, SCHEMA_END, NULL }
};

/* A message; referenced_message, the one it answers, is one too. */
static const struct schema_field discord_message_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "channel_id", SCHEMA_ID, NULL },
	{ "guild_id", SCHEMA_ID, NULL },
	{ "author", SCHEMA_OBJECT, discord_user_fields },
	{ "content", SCHEMA_TEXT, NULL },
	{ "timestamp", SCHEMA_ID, NULL },
	{ "edited_timestamp", SCHEMA_ID, NULL },
	{ "tts", SCHEMA_BOOL, NULL },
	{ "mention_everyone", SCHEMA_BOOL, NULL },
	{ "mentions", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_user_fields },
	{ "mention_roles", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "mention_channels", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_channel_mention_fields },
	{ "attachments", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_attachment_fields },
	{ "embeds", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_embed_fields },
	{ "reactions", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_reaction_fields },
	{ "nonce", SCHEMA_ID_OR_INT, NULL },
	{ "pinned", SCHEMA_BOOL, NULL },
	{ "webhook_id", SCHEMA_ID, NULL },
	{ "type", SCHEMA_INT, NULL },
	{ "activity", SCHEMA_OBJECT, discord_activity_fields },
	{ "application", SCHEMA_OBJECT, discord_application_fields },
	{ "application_id", SCHEMA_ID, NULL },
	{ "flags", SCHEMA_INT, NULL },
	{ "message_reference", SCHEMA_OBJECT, discord_reference_fields },
	{ "message_snapshots", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_snapshot_fields },
	{ "referenced_message", SCHEMA_OBJECT, NULL },
	{ "interaction_metadata", SCHEMA_OBJECT, discord_interaction_metadata_fields },
	{ "interaction", SCHEMA_OBJECT, discord_interaction_fields },
	{ "thread", SCHEMA_OBJECT, discord_channel_fields },
	{ "components", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_component_fields },
	{ "sticker_items", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_sticker_item_fields },
	{ "stickers", SCHEMA_OBJECT | SCHEMA_ARRAY, discord_sticker_fields },
	{ "position", SCHEMA_INT, NULL },
	{ "role_subscription_data", SCHEMA_OBJECT, discord_role_subscription_fields },
	{ "poll", SCHEMA_OBJECT, discord_poll_fields },
	{ "call", SCHEMA_OBJECT, discord_call_fields },
	{ "is_dm", SCHEMA_BOOL, NULL },
	{ "is_from_me", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

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
	.sender = discord_sender,
	.schema = {
		[INBOUND_MESSAGE] = discord_message_fields,
		[INBOUND_CHAT] = discord_channel_fields,
	},
	.tool_argv = discord_argv,
	.files = discord_files,
	.probe = discord_probe,
	.owner_text = discord_owner_text,
	.texts = discord_texts,
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

/*
 * The owner's command (doc/approvals.md), on a message as Discord's API
 * gives it (discord/discord-api-docs, docs/resources/Message.md: author
 * {id, bot}, content; guild_id only on a guild's message in gateway
 * events) with carapace-discord's is_dm and is_from_me.  Only a direct
 * message from the owner's user ("user:<snowflake>"), never a bot's
 * (the gateway's own bot, or any other), never a guild channel's.
 */
static int
discord_owner_text(const struct config *cfg, const struct channel *ch,
    json_t *m, const char *identity, const char **text)
{
	json_t		*author;
	const char	*id;
	char		 want[ADDR_MAX];

	(void)cfg;
	(void)ch;
	author = json_object_get(m, "author");
	id = json_string_value(json_object_get(author, "id"));
	if (!json_is_object(m) || !discord_snowflake(id, NULL) ||
	    json_is_true(json_object_get(author, "bot")) ||
	    json_object_get(m, "guild_id") != NULL ||
	    !json_is_true(json_object_get(m, "is_dm")) ||
	    json_is_true(json_object_get(m, "is_from_me")))
		return 0;
	(void)snprintf(want, sizeof(want), "user:%s", id);
	if (strcmp(want, identity) != 0)
		return 0;
	if ((*text = json_string_value(json_object_get(m, "content"))) ==
	    NULL)
		return 0;
	return 1;
}

/* The content, the message it answers, the messages it forwards. */
static size_t
discord_texts(json_t *m, const char **out, size_t max)
{
	json_t		*snap;
	const char	*t;
	size_t		 i, n = 0;

	if (n < max && (t = json_string_value(json_object_get(m,
	    "content"))) != NULL)
		out[n++] = t;
	if (n < max && (t = json_string_value(json_object_get(
	    json_object_get(m, "referenced_message"), "content"))) != NULL)
		out[n++] = t;
	json_array_foreach(json_object_get(m, "message_snapshots"), i, snap)
		if (n < max && (t = json_string_value(json_object_get(
		    json_object_get(snap, "message"), "content"))) != NULL)
			out[n++] = t;
	return n;
}
