/*
 * The iMessage channel: the real imsg CLI (TOOLS.md) as the tool, and
 * the inbound decision on messages shaped as imsg prints them (chat_id,
 * chat_identifier, is_group, is_from_me, sender, text), used on every
 * path an agent can read: the live stream (watcher), the inbox
 * (handler), history and chat lists (adapter).
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "chan-imsg.h"
#include "channel.h"
#include "policy.h"
#include "schema.h"

static int	 imsg_visible(const struct config *, const struct channel *,
		    json_t *);
static const char *imsg_sender(json_t *);
static void	 imsg_check(struct channel *, struct conf_report *);
static int	 imsg_argv(const struct config *, const struct channel *,
		    const char *, struct tool_argv *, const char **);
static int	 imsg_resolve(const struct config *, const struct channel *,
		    const char *, json_t *, struct identity_set *,
		    const char **);

static const struct conf_key imsg_keys[] = {
	{ .name = "db", .type = CONF_STRING,
	  .offset = offsetof(struct imsg_opts, db) },
	{ .name = "account", .type = CONF_STRING,
	  .offset = offsetof(struct imsg_opts, account) },
};

static int	 imsg_owner_text(const struct config *,
		    const struct channel *, json_t *, const char *,
		    const char **);
static size_t	 imsg_texts(json_t *, const char **, size_t);

static int
imsg_account(const struct channel *ch, char *out, size_t outlen)
{
	return channel_account(ch, IMSG_OPTS(ch)->account, out, outlen);
}

static size_t	 imsg_files(const struct channel *, struct channel_file *,
		    size_t);
static int	 imsg_probe(const struct config *, const struct channel *,
		    char *, size_t);
/*
 * What an agent reads of imsg's JSON, field for field as imsg prints it
 * (steipete/imsg c7ae79c1b195f942e3cf0a84c5eef6df778adb1a,
 * Sources/imsg/OutputModels.swift: MessagePayload, AttachmentPayload,
 * ReactionPayload, ChatPayload; Sources/imsg/RPCPayloads.swift:
 * messagePayload adds chat_identifier, chat_guid, chat_name,
 * participants, is_group; chatPayload).  Anything else is dropped
 * (schema.h).  Left out on purpose: an attachment's filename,
 * original_path and converted_path, which are paths inside the
 * carapace account (~/Library/Messages/Attachments/...); Carapace has
 * no handle of its own for an iMessage attachment yet, so the agent
 * gets its name, type and size only.
 */
static const struct schema_field imsg_attachment_fields[] = {
	{ "transfer_name", SCHEMA_TEXT, NULL },
	{ "uti", SCHEMA_ID, NULL },
	{ "mime_type", SCHEMA_ID, NULL },
	{ "converted_mime_type", SCHEMA_ID, NULL },
	{ "total_bytes", SCHEMA_INT, NULL },
	{ "is_sticker", SCHEMA_BOOL, NULL },
	{ "missing", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field imsg_reaction_fields[] = {
	{ "id", SCHEMA_INT, NULL },
	{ "type", SCHEMA_ID, NULL },
	{ "emoji", SCHEMA_TEXT, NULL },
	{ "sender", SCHEMA_ID, NULL },
	{ "sender_name", SCHEMA_TEXT, NULL },
	{ "is_from_me", SCHEMA_BOOL, NULL },
	{ "created_at", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field imsg_message_fields[] = {
	{ "id", SCHEMA_INT, NULL },
	{ "chat_id", SCHEMA_INT, NULL },
	{ "guid", SCHEMA_ID, NULL },
	{ "reply_to_guid", SCHEMA_ID, NULL },
	{ "thread_originator_guid", SCHEMA_ID, NULL },
	{ "reply_to_text", SCHEMA_TEXT, NULL },
	{ "reply_to_sender", SCHEMA_ID, NULL },
	{ "sender", SCHEMA_ID, NULL },
	{ "sender_name", SCHEMA_TEXT, NULL },
	{ "is_from_me", SCHEMA_BOOL, NULL },
	{ "text", SCHEMA_TEXT, NULL },
	{ "created_at", SCHEMA_ID, NULL },
	{ "attachments", SCHEMA_OBJECT | SCHEMA_ARRAY, imsg_attachment_fields },
	{ "reactions", SCHEMA_OBJECT | SCHEMA_ARRAY, imsg_reaction_fields },
	{ "destination_caller_id", SCHEMA_ID, NULL },
	{ "is_reaction", SCHEMA_BOOL, NULL },
	{ "reaction_type", SCHEMA_ID, NULL },
	{ "reaction_emoji", SCHEMA_TEXT, NULL },
	{ "is_reaction_add", SCHEMA_BOOL, NULL },
	{ "reacted_to_guid", SCHEMA_ID, NULL },
	{ "chat_identifier", SCHEMA_ID, NULL },
	{ "chat_guid", SCHEMA_ID, NULL },
	{ "chat_name", SCHEMA_TEXT, NULL },
	{ "participants", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "is_group", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field imsg_chat_fields[] = {
	{ "id", SCHEMA_INT, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "identifier", SCHEMA_ID, NULL },
	{ "service", SCHEMA_ID, NULL },
	{ "last_message_at", SCHEMA_ID, NULL },
	{ "guid", SCHEMA_ID, NULL },
	{ "display_name", SCHEMA_TEXT, NULL },
	{ "contact_name", SCHEMA_TEXT, NULL },
	{ "is_group", SCHEMA_BOOL, NULL },
	{ "participants", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "account_id", SCHEMA_ID, NULL },
	{ "account_login", SCHEMA_ID, NULL },
	{ "last_addressed_handle", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

const struct channel_driver imsg_driver = {
	.name = "imsg",
	.keys = imsg_keys,
	.nkeys = sizeof(imsg_keys) / sizeof(imsg_keys[0]),
	.opts_size = sizeof(struct imsg_opts),
	.check = imsg_check,
	.address_kinds = (1U << ADDR_PHONE) | (1U << ADDR_EMAIL) |
	    (1U << ADDR_CHAT),
	.resolve_kinds = 1U << ADDR_CHAT,
	.resolve = imsg_resolve,
	.visible = imsg_visible,
	.sender = imsg_sender,
	.schema = {
		[INBOUND_MESSAGE] = imsg_message_fields,
		[INBOUND_CHAT] = imsg_chat_fields,
	},
	.tool_argv = imsg_argv,
	.files = imsg_files,
	.probe = imsg_probe,
	.account = imsg_account,
	.owner_text = imsg_owner_text,
	.texts = imsg_texts,
};

/*
 * A chat reaches its participants.  facts is the chat as `imsg group
 * --chat-id N --json` prints it (id, identifier, guid, is_group,
 * participants: Sources/imsg/Commands/GroupCommand.swift in
 * steipete/imsg); it must be the chat the target names, by id,
 * identifier or guid.  The chat's own identity is "chat:<id>", so an
 * allow or deny entry "chat:<id>" holds however the chat is named.  A
 * participant that cannot be normalised (a short code) leaves the chat
 * unresolved: it is refused, not taken by its spelling.
 */
static int
imsg_resolve(const struct config *cfg, const struct channel *ch,
    const char *target, json_t *facts, struct identity_set *set,
    const char **cause)
{
	const char	*name, *ident, *guid;
	json_t		*parts, *p;
	json_int_t	 id;
	char		 idbuf[32], buf[ADDR_MAX];
	size_t		 i;

	memset(set, 0, sizeof(*set));
	*cause = "unknown chat";
	if (strncmp(target, "chat:", 5) != 0 || !json_is_object(facts) ||
	    !json_is_integer(json_object_get(facts, "id")) ||
	    (id = json_integer_value(json_object_get(facts, "id"))) < 1)
		return -1;
	name = target + 5;
	ident = json_string_value(json_object_get(facts, "identifier"));
	guid = json_string_value(json_object_get(facts, "guid"));
	(void)snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	if (strcmp(name, idbuf) != 0 &&
	    (ident == NULL || strcmp(name, ident) != 0) &&
	    (guid == NULL || strcmp(name, guid) != 0))
		return -1;
	(void)snprintf(set->whole, sizeof(set->whole), "chat:%s", idbuf);
	/* An entry may name the chat by identifier or guid. */
	if (ident != NULL && strlen(ident) < sizeof(buf) - 5) {
		(void)snprintf(buf, sizeof(buf), "chat:%s", ident);
		identity_aka(set, buf);
	}
	if (guid != NULL && strlen(guid) < sizeof(buf) - 5) {
		(void)snprintf(buf, sizeof(buf), "chat:%s", guid);
		identity_aka(set, buf);
	}
	parts = json_object_get(facts, "participants");
	if (!json_is_array(parts) || json_array_size(parts) == 0) {
		*cause = "chat has no participants";
		return -1;
	}
	json_array_foreach(parts, i, p) {
		if (!json_is_string(p) || addr_normalize(json_string_value(p),
		    ch->region, buf, sizeof(buf), NULL, NULL) == -1) {
			*cause = "a participant cannot be normalised";
			return -1;
		}
		if (identity_add(set, cfg, buf, cause) == -1)
			return -1;
	}
	return 0;
}

static void
imsg_check(struct channel *ch, struct conf_report *r)
{
	(void)ch;
	if (!conf_key_seen(r, "tool"))
		conf_problem(r, "missing required key \"tool\"");
}

/*
 * imsg COMMAND [--db DB] --json.  The imsg parser takes any argument
 * starting with '-' for an option and has no --opt=value form, so
 * callers refuse such values; templates put values only in the value
 * position of a known option.
 */
static int
imsg_argv(const struct config *cfg, const struct channel *ch,
    const char *command, struct tool_argv *a, const char **cause)
{
	const struct imsg_opts	*o = IMSG_OPTS(ch);

	(void)cfg;
	(void)cause;
	tool_argv_reset(a);
	tool_argv_add(a, ch->tool);
	tool_argv_add(a, command);
	/* imsg's status takes no --db: it reports on the whole system. */
	if (o->db != NULL && strcmp(command, "status") != 0) {
		tool_argv_add(a, "--db");
		tool_argv_add(a, o->db);
	}
	tool_argv_add(a, "--json");
	return 0;
}

int
inbound_chat_visible(const struct config *cfg, const struct channel *ch,
    long long chat_id, const char *identifier, int is_group, int *explicit)
{
	char		 want[64], norm[ADDR_MAX];
	enum addr_kind	 kind;

	*explicit = 0;
	if (ch->inbound_mode == INBOUND_OPEN) {
		*explicit = 1;
		return 1;
	}
	(void)snprintf(want, sizeof(want), "chat:%lld", chat_id);
	if (policy_match(cfg, ch->id, &ch->inbound_allow, want, NULL)) {
		*explicit = 1;
		return 1;
	}
	/* A group is visible only when named: its members are many. */
	if (is_group || identifier == NULL)
		return 0;
	if (addr_normalize(identifier, ch->region, norm, sizeof(norm),
	    &kind, NULL) == -1)
		return 0;
	return policy_inbound_visible(cfg, ch, norm);
}

/*
 * Visible when its chat is, and it is the owner's own (inbound.from_me)
 * or its sender is allowed.
 */
static int
imsg_visible(const struct config *cfg, const struct channel *ch, json_t *m)
{
	json_t		*chat = json_object_get(m, "chat_id");
	const char	*sender;
	char		 norm[ADDR_MAX];
	enum addr_kind	 kind;
	int		 explicit, from_me;

	if (!json_is_integer(chat) || !inbound_chat_visible(cfg, ch,
	    (long long)json_integer_value(chat),
	    json_string_value(json_object_get(m, "chat_identifier")),
	    json_is_true(json_object_get(m, "is_group")), &explicit))
		return 0;
	from_me = json_is_true(json_object_get(m, "is_from_me"));
	if (from_me)
		return ch->from_me;
	if (explicit)
		return 1;
	sender = json_string_value(json_object_get(m, "sender"));
	if (sender == NULL || addr_normalize(sender, ch->region, norm,
	    sizeof(norm), &kind, NULL) == -1)
		return 0;
	return policy_inbound_visible(cfg, ch, norm);
}

static const char *
imsg_sender(json_t *msg)
{
	return json_string_value(json_object_get(msg, "sender"));
}

/*
 * The owner's command (doc/approvals.md), on a message as imsg prints it
 * (steipete/imsg c7ae79c1b195f942e3cf0a84c5eef6df778adb1a,
 * Sources/imsg/OutputModels.swift, MessagePayload: sender is the
 * handle, is_from_me set on what the account sent, from this Mac or
 * from any device signed in to it; RPCPayloads.swift adds is_group).
 * Only a direct message that the owner's handle sent: never one the
 * account sent, nor a group's, nor a reaction, nor a sender that is the
 * account itself.
 */
static int
imsg_owner_text(const struct config *cfg, const struct channel *ch,
    json_t *m, const char *identity, const char **text)
{
	const char	*sender;
	char		 norm[ADDR_MAX], self[ADDR_MAX];

	(void)cfg;
	if (!json_is_object(m) ||
	    !json_is_false(json_object_get(m, "is_from_me")) ||
	    json_is_true(json_object_get(m, "is_group")) ||
	    json_is_true(json_object_get(m, "is_reaction")) ||
	    (sender = json_string_value(json_object_get(m, "sender"))) ==
	    NULL || addr_normalize(sender, ch->region, norm, sizeof(norm),
	    NULL, NULL) == -1 || strcmp(norm, identity) != 0)
		return 0;
	if (imsg_account(ch, self, sizeof(self)) == 1 &&
	    strcmp(self, norm) == 0)
		return 0;
	if ((*text = json_string_value(json_object_get(m, "text"))) == NULL)
		return 0;
	return 1;
}

/* The text, and the text of the message it answers (reply_to_text). */
static size_t
imsg_texts(json_t *m, const char **out, size_t max)
{
	static const char *const keys[] = { "text", "reply_to_text" };
	const char	*t;
	size_t		 i, n = 0;

	for (i = 0; i < 2 && n < max; i++)
		if ((t = json_string_value(json_object_get(m, keys[i]))) !=
		    NULL)
			out[n++] = t;
	return n;
}

/* The Messages database the tool reads (macOS: Full Disk Access). */
static size_t
imsg_files(const struct channel *ch, struct channel_file *f, size_t max)
{
	const struct imsg_opts	*o = IMSG_OPTS(ch);

	if (o->db == NULL || max < 1)
		return 0;
	f[0].what = "Messages database";
	f[0].path = o->db;
	f[0].kind = CHANNEL_FILE_DATA;
	f[0].service = NULL;
	return 1;
}

/* imsg status: its features and permissions, read-only. */
static int
imsg_probe(const struct config *cfg, const struct channel *ch, char *answer,
    size_t len)
{
	return channel_probe_tool(cfg, ch, "status", NULL, answer, len);
}
