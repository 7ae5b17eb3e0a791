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
#include "schema.h"

static int	 signal_visible(const struct config *, const struct channel *,
		    json_t *);
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

/*
 * What an agent reads of signal-cli's JSON, as its records print it
 * (AsamK/signal-cli c26e0632c51a0bc209763c61ff211e4fd025590a,
 * src/main/java/org/asamk/signal/json/: JsonMessageEnvelope,
 * JsonDataMessage, JsonEditMessage, JsonStoryMessage, JsonSyncMessage,
 * JsonSyncDataMessage, JsonSyncStoryMessage, JsonSyncReadMessage,
 * JsonQuote, JsonQuotedAttachment, JsonPreview, JsonAttachment,
 * JsonSharedContact and its JsonContact* parts, JsonSticker,
 * JsonReaction, JsonMention, JsonTextStyle, JsonGroupInfo,
 * JsonStoryContext, JsonPayment, JsonPoll*, JsonPinMessage,
 * JsonUnpinMessage, JsonAdminDelete, JsonRemoteDelete,
 * JsonReceiptMessage, JsonTypingMessage; commands/ListGroupsCommand
 * JsonGroup and json/JsonContact for the lists).  Anything else is
 * dropped (schema.h), among it: callMessage (call set-up: SDP and ICE
 * data, nothing to read), a payment's receipt bytes, a contact's
 * mobileCoinAddress and "internal" block, a group's groupInviteLink (a
 * link that grants membership), and any stored file path an older
 * signal-cli printed for an attachment ("file", "storedFilename"): the
 * agent fetches an attachment by its id through attachment.get.
 */
static const struct schema_field signal_attachment_fields[] = {
	{ "contentType", SCHEMA_ID, NULL },
	{ "filename", SCHEMA_TEXT, NULL },
	{ "id", SCHEMA_ID, NULL },
	{ "size", SCHEMA_INT, NULL },
	{ "width", SCHEMA_INT, NULL },
	{ "height", SCHEMA_INT, NULL },
	{ "caption", SCHEMA_TEXT, NULL },
	{ "uploadTimestamp", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_mention_fields[] = {
	{ "name", SCHEMA_ID, NULL },
	{ "number", SCHEMA_ID, NULL },
	{ "uuid", SCHEMA_ID, NULL },
	{ "start", SCHEMA_INT, NULL },
	{ "length", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_text_style_fields[] = {
	{ "style", SCHEMA_ID, NULL },
	{ "start", SCHEMA_INT, NULL },
	{ "length", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_quoted_attachment_fields[] = {
	{ "contentType", SCHEMA_ID, NULL },
	{ "filename", SCHEMA_TEXT, NULL },
	{ "thumbnail", SCHEMA_OBJECT, signal_attachment_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_quote_fields[] = {
	{ "id", SCHEMA_INT, NULL },
	{ "author", SCHEMA_ID, NULL },
	{ "authorNumber", SCHEMA_ID, NULL },
	{ "authorUuid", SCHEMA_ID, NULL },
	{ "text", SCHEMA_TEXT, NULL },
	{ "mentions", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_mention_fields },
	{ "attachments", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_quoted_attachment_fields },
	{ "textStyles", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_text_style_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_preview_fields[] = {
	{ "url", SCHEMA_TEXT, NULL },
	{ "title", SCHEMA_TEXT, NULL },
	{ "description", SCHEMA_TEXT, NULL },
	{ "image", SCHEMA_OBJECT, signal_attachment_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_contact_name_fields[] = {
	{ "nickname", SCHEMA_TEXT, NULL },
	{ "given", SCHEMA_TEXT, NULL },
	{ "family", SCHEMA_TEXT, NULL },
	{ "prefix", SCHEMA_TEXT, NULL },
	{ "suffix", SCHEMA_TEXT, NULL },
	{ "middle", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_contact_avatar_fields[] = {
	{ "attachment", SCHEMA_OBJECT, signal_attachment_fields },
	{ "isProfile", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* JsonContactPhone and JsonContactEmail */
static const struct schema_field signal_contact_value_fields[] = {
	{ "value", SCHEMA_TEXT, NULL },
	{ "type", SCHEMA_ID, NULL },
	{ "label", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_contact_address_fields[] = {
	{ "type", SCHEMA_ID, NULL },
	{ "label", SCHEMA_TEXT, NULL },
	{ "street", SCHEMA_TEXT, NULL },
	{ "pobox", SCHEMA_TEXT, NULL },
	{ "neighborhood", SCHEMA_TEXT, NULL },
	{ "city", SCHEMA_TEXT, NULL },
	{ "region", SCHEMA_TEXT, NULL },
	{ "postcode", SCHEMA_TEXT, NULL },
	{ "country", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_shared_contact_fields[] = {
	{ "name", SCHEMA_OBJECT, signal_contact_name_fields },
	{ "avatar", SCHEMA_OBJECT, signal_contact_avatar_fields },
	{ "phone", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_contact_value_fields },
	{ "email", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_contact_value_fields },
	{ "address", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_contact_address_fields },
	{ "organization", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_sticker_fields[] = {
	{ "packId", SCHEMA_ID, NULL },
	{ "stickerId", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_reaction_fields[] = {
	{ "emoji", SCHEMA_TEXT, NULL },
	{ "targetAuthor", SCHEMA_ID, NULL },
	{ "targetAuthorNumber", SCHEMA_ID, NULL },
	{ "targetAuthorUuid", SCHEMA_ID, NULL },
	{ "targetSentTimestamp", SCHEMA_INT, NULL },
	{ "isRemove", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_group_info_fields[] = {
	{ "groupId", SCHEMA_ID, NULL },
	{ "groupName", SCHEMA_TEXT, NULL },
	{ "revision", SCHEMA_INT, NULL },
	{ "type", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_story_context_fields[] = {
	{ "authorNumber", SCHEMA_ID, NULL },
	{ "authorUuid", SCHEMA_ID, NULL },
	{ "sentTimestamp", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_payment_fields[] = {
	{ "note", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_poll_create_fields[] = {
	{ "question", SCHEMA_TEXT, NULL },
	{ "allowMultiple", SCHEMA_BOOL, NULL },
	{ "options", SCHEMA_TEXT | SCHEMA_ARRAY, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_poll_vote_fields[] = {
	{ "author", SCHEMA_ID, NULL },
	{ "authorNumber", SCHEMA_ID, NULL },
	{ "authorUuid", SCHEMA_ID, NULL },
	{ "targetSentTimestamp", SCHEMA_INT, NULL },
	{ "optionIndexes", SCHEMA_INT | SCHEMA_ARRAY, NULL },
	{ "voteCount", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* JsonPinMessage, JsonUnpinMessage, JsonAdminDelete, JsonPollTerminate */
static const struct schema_field signal_target_fields[] = {
	{ "targetAuthor", SCHEMA_ID, NULL },
	{ "targetAuthorNumber", SCHEMA_ID, NULL },
	{ "targetAuthorUuid", SCHEMA_ID, NULL },
	{ "targetSentTimestamp", SCHEMA_INT, NULL },
	{ "pinDurationSeconds", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_remote_delete_fields[] = {
	{ "timestamp", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/*
 * A data message (JsonDataMessage).  The same table serves
 * syncMessage.sentMessage, a data message unwrapped beside its
 * destination and editMessage (JsonSyncDataMessage), and an edit
 * (JsonEditMessage: targetSentTimestamp and a dataMessage): one table
 * with the fields of all three, so that none is listed twice.
 */
static const struct schema_field signal_data_fields[] = {
	{ "timestamp", SCHEMA_INT, NULL },
	{ "message", SCHEMA_TEXT, NULL },
	{ "expiresInSeconds", SCHEMA_INT, NULL },
	{ "isExpirationUpdate", SCHEMA_BOOL, NULL },
	{ "viewOnce", SCHEMA_BOOL, NULL },
	{ "reaction", SCHEMA_OBJECT, signal_reaction_fields },
	{ "quote", SCHEMA_OBJECT, signal_quote_fields },
	{ "payment", SCHEMA_OBJECT, signal_payment_fields },
	{ "mentions", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_mention_fields },
	{ "previews", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_preview_fields },
	{ "attachments", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_attachment_fields },
	{ "sticker", SCHEMA_OBJECT, signal_sticker_fields },
	{ "remoteDelete", SCHEMA_OBJECT, signal_remote_delete_fields },
	{ "contacts", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_shared_contact_fields },
	{ "pollCreate", SCHEMA_OBJECT, signal_poll_create_fields },
	{ "pollVote", SCHEMA_OBJECT, signal_poll_vote_fields },
	{ "pollTerminate", SCHEMA_OBJECT, signal_target_fields },
	{ "textStyles", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_text_style_fields },
	{ "groupInfo", SCHEMA_OBJECT, signal_group_info_fields },
	{ "storyContext", SCHEMA_OBJECT, signal_story_context_fields },
	{ "pinMessage", SCHEMA_OBJECT, signal_target_fields },
	{ "unpinMessage", SCHEMA_OBJECT, signal_target_fields },
	{ "adminDelete", SCHEMA_OBJECT, signal_target_fields },
	{ "destination", SCHEMA_ID, NULL },
	{ "destinationNumber", SCHEMA_ID, NULL },
	{ "destinationUuid", SCHEMA_ID, NULL },
	{ "editMessage", SCHEMA_OBJECT, NULL },
	{ "targetSentTimestamp", SCHEMA_INT, NULL },
	{ "dataMessage", SCHEMA_OBJECT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_gradient_fields[] = {
	{ "startColor", SCHEMA_ID, NULL },
	{ "endColor", SCHEMA_ID, NULL },
	{ "colors", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "positions", SCHEMA_REAL | SCHEMA_ARRAY, NULL },
	{ "angle", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_text_attachment_fields[] = {
	{ "text", SCHEMA_TEXT, NULL },
	{ "style", SCHEMA_ID, NULL },
	{ "textForegroundColor", SCHEMA_ID, NULL },
	{ "textBackgroundColor", SCHEMA_ID, NULL },
	{ "preview", SCHEMA_OBJECT, signal_preview_fields },
	{ "backgroundGradient", SCHEMA_OBJECT, signal_gradient_fields },
	{ "backgroundColor", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* JsonStoryMessage; also sentStoryMessage (JsonSyncStoryMessage). */
static const struct schema_field signal_story_fields[] = {
	{ "allowsReplies", SCHEMA_BOOL, NULL },
	{ "groupId", SCHEMA_ID, NULL },
	{ "fileAttachment", SCHEMA_OBJECT, signal_attachment_fields },
	{ "textAttachment", SCHEMA_OBJECT, signal_text_attachment_fields },
	{ "destinationNumber", SCHEMA_ID, NULL },
	{ "destinationUuid", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_read_fields[] = {
	{ "sender", SCHEMA_ID, NULL },
	{ "senderNumber", SCHEMA_ID, NULL },
	{ "senderUuid", SCHEMA_ID, NULL },
	{ "timestamp", SCHEMA_INT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_sync_fields[] = {
	{ "sentMessage", SCHEMA_OBJECT, signal_data_fields },
	{ "sentStoryMessage", SCHEMA_OBJECT, signal_story_fields },
	{ "blockedNumbers", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "blockedGroupIds", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "readMessages", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_read_fields },
	{ "type", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_receipt_fields[] = {
	{ "when", SCHEMA_INT, NULL },
	{ "isDelivery", SCHEMA_BOOL, NULL },
	{ "isRead", SCHEMA_BOOL, NULL },
	{ "isViewed", SCHEMA_BOOL, NULL },
	{ "timestamps", SCHEMA_INT | SCHEMA_ARRAY, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_typing_fields[] = {
	{ "action", SCHEMA_ID, NULL },
	{ "timestamp", SCHEMA_INT, NULL },
	{ "groupId", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_envelope_fields[] = {
	{ "source", SCHEMA_ID, NULL },
	{ "sourceNumber", SCHEMA_ID, NULL },
	{ "sourceUuid", SCHEMA_ID, NULL },
	{ "sourceName", SCHEMA_TEXT, NULL },
	{ "sourceDevice", SCHEMA_INT, NULL },
	{ "timestamp", SCHEMA_INT, NULL },
	{ "serverReceivedTimestamp", SCHEMA_INT, NULL },
	{ "serverDeliveredTimestamp", SCHEMA_INT, NULL },
	{ "dataMessage", SCHEMA_OBJECT, signal_data_fields },
	{ "editMessage", SCHEMA_OBJECT, signal_data_fields },
	{ "storyMessage", SCHEMA_OBJECT, signal_story_fields },
	{ "syncMessage", SCHEMA_OBJECT, signal_sync_fields },
	{ "receiptMessage", SCHEMA_OBJECT, signal_receipt_fields },
	{ "typingMessage", SCHEMA_OBJECT, signal_typing_fields },
	{ NULL, SCHEMA_END, NULL }
};

/* A receive notification's params, as the inbox stores them. */
static const struct schema_field signal_receive_fields[] = {
	{ "account", SCHEMA_ID, NULL },
	{ "envelope", SCHEMA_OBJECT, signal_envelope_fields },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_member_fields[] = {
	{ "number", SCHEMA_ID, NULL },
	{ "uuid", SCHEMA_ID, NULL },
	{ "isAdmin", SCHEMA_BOOL, NULL },
	{ "labelEmoji", SCHEMA_TEXT, NULL },
	{ "label", SCHEMA_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_member_address_fields[] = {
	{ "number", SCHEMA_ID, NULL },
	{ "uuid", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* listGroups (ListGroupsCommand JsonGroup) */
static const struct schema_field signal_group_fields[] = {
	{ "id", SCHEMA_ID, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "description", SCHEMA_TEXT, NULL },
	{ "isMember", SCHEMA_BOOL, NULL },
	{ "isBlocked", SCHEMA_BOOL, NULL },
	{ "messageExpirationTime", SCHEMA_INT, NULL },
	{ "members", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_member_fields },
	{ "pendingMembers", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_member_address_fields },
	{ "requestingMembers", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_member_address_fields },
	{ "admins", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_member_address_fields },
	{ "banned", SCHEMA_OBJECT | SCHEMA_ARRAY, signal_member_address_fields },
	{ "permissionAddMember", SCHEMA_ID, NULL },
	{ "permissionEditDetails", SCHEMA_ID, NULL },
	{ "permissionSendMessage", SCHEMA_ID, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field signal_profile_fields[] = {
	{ "lastUpdateTimestamp", SCHEMA_INT, NULL },
	{ "givenName", SCHEMA_TEXT, NULL },
	{ "familyName", SCHEMA_TEXT, NULL },
	{ "about", SCHEMA_TEXT, NULL },
	{ "aboutEmoji", SCHEMA_TEXT, NULL },
	{ "hasAvatar", SCHEMA_BOOL, NULL },
	{ NULL, SCHEMA_END, NULL }
};

/* listContacts (JsonContact) */
static const struct schema_field signal_contact_fields[] = {
	{ "number", SCHEMA_ID, NULL },
	{ "uuid", SCHEMA_ID, NULL },
	{ "username", SCHEMA_ID, NULL },
	{ "name", SCHEMA_TEXT, NULL },
	{ "givenName", SCHEMA_TEXT, NULL },
	{ "familyName", SCHEMA_TEXT, NULL },
	{ "nickName", SCHEMA_TEXT, NULL },
	{ "nickGivenName", SCHEMA_TEXT, NULL },
	{ "nickFamilyName", SCHEMA_TEXT, NULL },
	{ "note", SCHEMA_TEXT, NULL },
	{ "color", SCHEMA_ID, NULL },
	{ "isArchived", SCHEMA_BOOL, NULL },
	{ "isBlocked", SCHEMA_BOOL, NULL },
	{ "isHidden", SCHEMA_BOOL, NULL },
	{ "messageExpirationTime", SCHEMA_INT, NULL },
	{ "profileSharing", SCHEMA_BOOL, NULL },
	{ "unregistered", SCHEMA_BOOL, NULL },
	{ "profile", SCHEMA_OBJECT, signal_profile_fields },
	{ NULL, SCHEMA_END, NULL }
};

static int	 signal_owner_text(const struct config *,
		    const struct channel *, json_t *, const char *,
		    const char **);
static size_t	 signal_texts(json_t *, const char **, size_t);

static int
signal_account(const struct channel *ch, char *out, size_t outlen)
{
	return channel_account(ch, SIGNAL_OPTS(ch)->account, out, outlen);
}

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
	.sender = signal_sender,
	.schema = {
		[INBOUND_MESSAGE] = signal_receive_fields,
		[INBOUND_GROUP] = signal_group_fields,
		[INBOUND_CONTACT] = signal_contact_fields,
	},
	.tool_argv = NULL,
	.files = signal_files,
	.probe = signal_probe,
	.account = signal_account,
	.owner_text = signal_owner_text,
	.texts = signal_texts,
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

/*
 * The owner's command (doc/approvals.md), on a receive envelope as
 * signal-cli prints it (AsamK/signal-cli, src/main/java/org/asamk/
 * signal/json/JsonMessageEnvelope.java at 30690785: source, sourceNumber,
 * sourceUuid, dataMessage, editMessage, syncMessage; JsonDataMessage.java
 * at 5059925b: message, groupInfo, quote).  Only a direct dataMessage
 * from the owner's number: a syncMessage is what the account itself
 * sent from a linked device, a group's message reaches others too, an
 * edit rewrites an earlier message.
 */
static int
signal_owner_text(const struct config *cfg, const struct channel *ch,
    json_t *msg, const char *identity, const char **text)
{
	json_t		*env, *data;
	const char	*number;
	char		 norm[ADDR_MAX], self[ADDR_MAX];

	(void)cfg;
	env = json_object_get(msg, "envelope");
	if (!json_is_object(env) ||
	    json_object_get(env, "syncMessage") != NULL ||
	    json_object_get(env, "editMessage") != NULL ||
	    !json_is_object(data = json_object_get(env, "dataMessage")) ||
	    json_object_get(data, "groupInfo") != NULL ||
	    json_object_get(data, "groupV2") != NULL)
		return 0;
	number = json_string_value(json_object_get(env, "sourceNumber"));
	if (number == NULL || addr_normalize(number, ch->region, norm,
	    sizeof(norm), NULL, NULL) == -1 || strcmp(norm, identity) != 0)
		return 0;
	if (signal_account(ch, self, sizeof(self)) == 1 &&
	    strcmp(self, norm) == 0)
		return 0;
	if ((*text = json_string_value(json_object_get(data, "message"))) ==
	    NULL)
		return 0;
	return 1;
}

/*
 * Where a notice's text can be: a message, the message it quotes, a
 * copy of what the account sent (syncMessage.sentMessage), an edit.
 */
static size_t
signal_texts(json_t *msg, const char **out, size_t max)
{
	json_t		*env, *v[5];
	const char	*t;
	size_t		 i, n = 0;

	env = json_object_get(msg, "envelope");
	v[0] = path2(env, "dataMessage", "message");
	v[1] = json_object_get(path2(env, "dataMessage", "quote"), "text");
	v[2] = json_object_get(path2(env, "syncMessage", "sentMessage"),
	    "message");
	v[3] = json_object_get(path2(env, "editMessage", "dataMessage"),
	    "message");
	v[4] = path2(path2(env, "syncMessage", "sentMessage"), "quote",
	    "text");
	for (i = 0; i < 5 && n < max; i++)
		if ((t = json_string_value(v[i])) != NULL)
			out[n++] = t;
	return n;
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
