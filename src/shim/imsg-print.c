/*
 * imsg output: chats, messages, status, reactions and every other result
 * printed exactly as the real imsg prints it, plain or --json.  The
 * printers only write to the FILE they are given; they never call the
 * gateway or imsg rpc.
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "shim.h"
#include "util.h"
#include "imsg.h"

static const char *get_string(json_t *, const char *);
static int	 get_bool(json_t *, const char *);
static void	 print_json_line(FILE *, json_t *);
static int	 strcmp_ptr(const void *, const void *);
static int	 print_status_result(FILE *, json_t *, int);
static int	 print_typing_done(FILE *, const struct shim_imsg_args *);
static int	 print_read_result(FILE *, const struct shim_imsg_args *);
static int	 print_group(FILE *, const struct shim_imsg_args *, json_t *);
static int	 print_react(FILE *, const struct shim_imsg_args *);


static const char *
get_string(json_t *obj, const char *key)
{
	json_t	*v;

	v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int
get_bool(json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

/* The object as the tool printed it: compact, fields in their order. */
static void
print_json_line(FILE *out, json_t *v)
{
	(void)json_dumpf(v, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	(void)fputc('\n', out);
}

int
shim_imsg_print_chat(FILE *out, json_t *chat, int json)
{
	json_t		*id;
	const char	*name;

	if (!json_is_object(chat))
		return -1;
	if (json) {
		print_json_line(out, chat);
		return 0;
	}
	id = json_object_get(chat, "id");
	name = get_string(chat, "contact_name");
	if (*name == '\0')
		name = get_string(chat, "name");
	(void)fprintf(out, "[%lld] %s (%s) last=%s\n",
	    json_is_integer(id) ? (long long)json_integer_value(id) : 0LL,
	    name, get_string(chat, "identifier"),
	    get_string(chat, "last_message_at"));
	return 0;
}

int
shim_imsg_print_message(FILE *out, json_t *m, int json, int attachments)
{
	json_t		*list, *att, *converted, *emoji, *target;
	const char	*sender, *name;
	size_t		 i, n;
	int		 from_me;

	if (!json_is_object(m))
		return -1;
	if (json) {
		print_json_line(out, m);
		return 0;
	}
	from_me = get_bool(m, "is_from_me");
	sender = get_string(m, "sender");
	if (!from_me && *get_string(m, "sender_name") != '\0')
		sender = get_string(m, "sender_name");
	/* A tapback, as watch --reactions prints one. */
	emoji = json_object_get(m, "reaction_emoji");
	if (get_bool(m, "is_reaction") && json_is_string(emoji)) {
		target = json_object_get(m, "reacted_to_guid");
		(void)fprintf(out, "%s [%s] %s %s %s reaction to %s\n",
		    get_string(m, "created_at"), from_me ? "sent" : "recv",
		    sender, json_is_false(json_object_get(m,
		    "is_reaction_add")) ? "removed" : "added",
		    json_string_value(emoji), json_is_string(target) ?
		    json_string_value(target) : "unknown");
		return 0;
	}
	(void)fprintf(out, "%s [%s] %s: %s\n", get_string(m, "created_at"),
	    from_me ? "sent" : "recv", sender, get_string(m, "text"));

	list = json_object_get(m, "attachments");
	n = json_is_array(list) ? json_array_size(list) : 0;
	if (n == 0)
		return 0;
	if (!attachments) {
		(void)fprintf(out, "  (%zu attachment%s)\n", n,
		    n == 1 ? "" : "s");
		return 0;
	}
	json_array_foreach(list, i, att) {
		name = get_string(att, "transfer_name");
		if (*name == '\0')
			name = get_string(att, "filename");
		if (*name == '\0')
			name = "(unknown)";
		(void)fprintf(out,
		    "  attachment: name=%s mime=%s missing=%s path=%s", name,
		    get_string(att, "mime_type"),
		    get_bool(att, "missing") ? "true" : "false",
		    get_string(att, "original_path"));
		converted = json_object_get(att, "converted_path");
		if (json_is_string(converted))
			(void)fprintf(out, " converted_mime=%s "
			    "converted_path=%s",
			    get_string(att, "converted_mime_type"),
			    json_string_value(converted));
		(void)fputc('\n', out);
	}
	return 0;
}

static int
strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
shim_imsg_print_status(FILE *out, json_t *tool, int json)
{
	json_t		*selectors, *bridge, *v;
	const char	*key, *s, **keys;
	size_t		 n, i;

	if (!json_is_object(tool))
		return -1;
	if (json) {
		print_json_line(out, tool);
		return 0;
	}

	(void)fprintf(out, "imsg Status Report\n");
	(void)fprintf(out, "==================\n\n");
	if (*(s = get_string(tool, "version")) != '\0')
		(void)fprintf(out, "Version:\n  %s\n\n", s);
	(void)fprintf(out, "Basic features (send, receive, history):\n");
	(void)fprintf(out, "  Available\n\n");
	(void)fprintf(out, "System Integrity Protection (SIP):\n");
	s = get_string(tool, "sip");
	(void)fprintf(out, "  %s\n\n", *s != '\0' ? s : "unknown");
	(void)fprintf(out, "Advanced features (typing, read receipts):\n");

	selectors = json_object_get(tool, "selectors");
	if (get_bool(tool, "advanced_features")) {
		bridge = json_object_get(tool, "bridge_version");
		(void)fprintf(out, "  Available - IMCore bridge connected\n");
		(void)fprintf(out, "  bridge version: v%lld%s\n",
		    json_is_integer(bridge) ?
		    (long long)json_integer_value(bridge) : 0LL,
		    get_bool(tool, "v2_ready") ? " (v2 inbox active)" : "");
		n = json_is_object(selectors) ? json_object_size(selectors) : 0;
		if (n > 0) {
			keys = xcalloc(n, sizeof(*keys));
			i = 0;
			json_object_foreach(selectors, key, v)
				keys[i++] = key;
			qsort(keys, n, sizeof(*keys), strcmp_ptr);
			(void)fprintf(out, "  selectors:\n");
			for (i = 0; i < n; i++)
				(void)fprintf(out, "    %s: %s\n", keys[i],
				    get_bool(selectors, keys[i]) ?
				    "\xe2\x9c\x93" : "\xe2\x9c\x97");
			free(keys);
		}
		(void)fprintf(out, "\nAvailable bridge commands:\n");
		(void)fprintf(out, "  Send: imsg send-rich, send-multipart, "
		    "send-attachment, tapback\n");
		(void)fprintf(out, "  Mutate: imsg edit, unsend, "
		    "delete-message, notify-anyways\n");
		(void)fprintf(out, "  Chat: imsg chat-create, chat-name, "
		    "chat-photo, chat-add/remove-member, chat-leave/delete, "
		    "chat-mark\n");
		(void)fprintf(out, "  Introspect: imsg account, whois, "
		    "nickname\n");
		(void)fprintf(out, "  Local DB: imsg search\n");
		(void)fprintf(out, "  Watch with events: imsg watch "
		    "--bb-events\n");
		return 0;
	}
	(void)fprintf(out, "  Not available\n\n");
	(void)fprintf(out, "To enable advanced features:\n");
	(void)fprintf(out, "  1. Disable System Integrity Protection (SIP)\n");
	(void)fprintf(out, "     - Restart Mac holding Cmd+R\n");
	(void)fprintf(out, "     - Open Terminal from Utilities menu\n");
	(void)fprintf(out, "     - Run: csrutil disable\n");
	(void)fprintf(out, "     - Restart normally\n\n");
	(void)fprintf(out, "  2. Grant Full Disk Access\n");
	(void)fprintf(out, "     - System Settings > Privacy & Security > "
	    "Full Disk Access\n");
	(void)fprintf(out, "     - Add Terminal or your terminal app\n\n");
	(void)fprintf(out, "  3. Build and launch:\n");
	(void)fprintf(out, "     make build-dylib\n");
	(void)fprintf(out, "     imsg launch\n\n");
	(void)fprintf(out, "macOS 26/Tahoe note:\n");
	(void)fprintf(out, "  Advanced IMCore features may still be blocked "
	    "by library validation\n");
	(void)fprintf(out, "  or imagent private entitlement checks. Basic "
	    "commands still work.\n\n");
	(void)fprintf(out, "Note: Basic messaging features work without "
	    "these steps.\n");
	return 0;
}

int
shim_imsg_print_result(FILE *out, const struct shim_imsg_args *args,
    json_t *result)
{
	json_t	*list, *item;
	size_t	 i;

	if (!json_is_object(result))
		return -1;
	switch (args->cmd) {
	case SHIM_IMSG_CHATS:
		list = json_object_get(result, "chats");
		if (!json_is_array(list))
			return -1;
		json_array_foreach(list, i, item)
			if (shim_imsg_print_chat(out, item, args->json) == -1)
				return -1;
		return 0;
	case SHIM_IMSG_HISTORY:
		list = json_object_get(result, "messages");
		if (!json_is_array(list))
			return -1;
		json_array_foreach(list, i, item)
			if (shim_imsg_print_message(out, item, args->json,
			    args->attachments) == -1)
				return -1;
		return 0;
	case SHIM_IMSG_SEND:
		(void)fprintf(out, "%s\n",
		    args->json ? "{\"status\":\"sent\"}" : "sent");
		return 0;
	case SHIM_IMSG_SEND_ATTACHMENT:
		/*
		 * The AppleScript path of BridgeAttachmentCommand.swift: the
		 * gateway sends with transport applescript.
		 */
		(void)fprintf(out, "%s\n", args->json ?
		    "{\"success\":true,\"transport\":\"applescript\"}" :
		    "send-attachment: sent via AppleScript");
		return 0;
	case SHIM_IMSG_STATUS:
		return print_status_result(out, json_object_get(result, "tool"),
		    args->json);
	case SHIM_IMSG_TYPING:
		if (args->stop != NULL && strcmp(args->stop, "true") == 0)
			(void)fprintf(out, "%s\n", args->json ?
			    "{\"status\":\"stopped\"}" :
			    "typing indicator stopped");
		else if (imsg_nonempty(args->duration))
			return print_typing_done(out, args);
		else
			(void)fprintf(out, "%s\n", args->json ?
			    "{\"status\":\"started\"}" :
			    "typing indicator started");
		return 0;
	case SHIM_IMSG_READ:
		return print_read_result(out, args);
	case SHIM_IMSG_GROUP:
		return print_group(out, args, result);
	case SHIM_IMSG_REACT:
		return print_react(out, args);
	case SHIM_IMSG_SEARCH:
		list = json_object_get(result, "messages");
		if (!json_is_array(list))
			return -1;
		json_array_foreach(list, i, item)
			if (shim_imsg_print_message(out, item, args->json,
			    0) == -1)
				return -1;
		return 0;
	default:
		return -1;
	}
}

/*
 * ReactionType.parse (Sources/IMsgCore/Models.swift): the value trimmed,
 * a name or alias in any case, one of the tapback emoji, else an emoji
 * of its own (which react then refuses to send).
 */
int
shim_imsg_reaction(const char *s, const char **type, const char **emoji)
{
	/* words[0] is the type's name; then its aliases, then its emoji. */
	static const struct {
		const char	*words[5];	/* any case */
		const char	*emoji;
		const char	*emoji_forms[3];	/* exactly */
	} named[] = {
		{ { "love", "heart" }, "\xe2\x9d\xa4\xef\xb8\x8f",
		    { "\xe2\x9d\xa4\xef\xb8\x8f", "\xe2\x9d\xa4" } },
		{ { "like", "thumbsup", "thumbs-up" }, "\xf0\x9f\x91\x8d",
		    { "\xf0\x9f\x91\x8d" } },
		{ { "dislike", "thumbsdown", "thumbs-down" },
		    "\xf0\x9f\x91\x8e", { "\xf0\x9f\x91\x8e" } },
		{ { "laugh", "haha", "lol" }, "\xf0\x9f\x98\x82",
		    { "\xf0\x9f\x98\x82" } },
		{ { "emphasis", "emphasize", "exclaim", "exclamation" },
		    "\xe2\x80\xbc\xef\xb8\x8f",
		    { "\xe2\x80\xbc\xef\xb8\x8f", "\xe2\x80\xbc" } },
		{ { "question", "questionmark", "question-mark" },
		    "\xe2\x9d\x93", { "\xe2\x9d\x93", "?" } },
	};
	const unsigned char	*u;
	const char		*w;
	size_t			 i, j, len;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len == 0)
		return -1;
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		for (j = 0; j < 5 && (w = named[i].words[j]) != NULL; j++)
			if (strlen(w) == len && strncasecmp(s, w, len) == 0)
				goto found;
		for (j = 0; j < 3 && (w = named[i].emoji_forms[j]) != NULL; j++)
			if (strlen(w) == len && memcmp(s, w, len) == 0)
				goto found;
	}
	/*
	 * One emoji: a short run of non-ASCII characters (a base with its
	 * variation selectors, skin tones or joiners), nothing else.
	 */
	if (len > 28 || !util_utf8_valid(s, len))
		return -1;
	for (u = (const unsigned char *)s; u < (const unsigned char *)s + len;
	    u++)
		if (*u < 0x80)
			return -1;
	if ((unsigned char)s[0] < 0xe2)
		return -1;	/* letters, not pictographs */
	if (type != NULL)
		*type = "custom";
	/* Leading blanks skipped; trailing ones are still there. */
	if (emoji != NULL)
		*emoji = s;
	return 0;

found:
	if (type != NULL)
		*type = named[i].words[0];
	if (emoji != NULL)
		*emoji = named[i].emoji;
	return 0;
}

json_t *
shim_imsg_find_chat(json_t *result, int64_t id)
{
	json_t	*chats, *chat, *found = NULL, *v;
	size_t	 i;

	chats = json_object_get(result, "chats");
	if (!json_is_array(chats))
		return NULL;
	json_array_foreach(chats, i, chat) {
		v = json_object_get(chat, "id");
		if (json_is_integer(v) && json_integer_value(v) == id)
			found = chat;
	}
	return found;
}

/*
 * group: the chat the gateway let us see, as the real command prints it
 * (Sources/imsg/Commands/GroupCommand.swift, GroupPayload in
 * OutputModels.swift).  account_id, account_login and
 * last_addressed_handle are optional there and omitted when nil; here
 * when the gateway's chat does not carry them.
 */
static int
print_group(FILE *out, const struct shim_imsg_args *args, json_t *result)
{
	static const char *const optional[] = {
		"account_id", "account_login", "last_addressed_handle"
	};
	json_t		*found, *o, *parts, *p, *v;
	const char	*ident, *guid;
	size_t		 i;
	int		 is_group;

	if (!json_is_array(json_object_get(result, "chats")))
		return -1;
	if ((found = shim_imsg_find_chat(result, args->chat_id)) == NULL) {
		/* IMsgError.chatNotFound */
		(void)fprintf(out, "Chat not found: %lld\n",
		    (long long)args->chat_id);
		return 1;
	}
	ident = get_string(found, "identifier");
	guid = get_string(found, "guid");
	/* As the real tool decides it: ";+;" in the identifier or guid. */
	is_group = strstr(ident, ";+;") != NULL ||
	    strstr(guid, ";+;") != NULL || get_bool(found, "is_group");
	parts = json_object_get(found, "participants");
	if (args->json) {
		o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:[]}", "id",
		    (json_int_t)args->chat_id, "identifier", ident, "guid",
		    guid, "name", get_string(found, "name"), "service",
		    get_string(found, "service"), "is_group", is_group,
		    "participants");
		if (o == NULL)
			return -1;
		json_array_foreach(parts, i, p)
			if (json_is_string(p))
				(void)json_array_append(json_object_get(o,
				    "participants"), p);
		for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
			if (json_is_string(v = json_object_get(found,
			    optional[i])) &&
			    json_object_set(o, optional[i], v) == -1) {
				json_decref(o);
				return -1;
			}
		print_json_line(out, o);
		json_decref(o);
		return 0;
	}
	(void)fprintf(out, "id: %lld\nidentifier: %s\nguid: %s\nname: %s\n"
	    "service: %s\n", (long long)args->chat_id, ident, guid,
	    get_string(found, "name"), get_string(found, "service"));
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (json_is_string(v = json_object_get(found, optional[i])))
			(void)fprintf(out, "%s: %s\n", optional[i],
			    json_string_value(v));
	(void)fprintf(out, "is_group: %s\n", is_group ? "true" : "false");
	if (json_array_size(parts) == 0) {
		(void)fprintf(out, "participants: (none)\n");
		return 0;
	}
	(void)fprintf(out, "participants:\n");
	json_array_foreach(parts, i, p)
		if (json_is_string(p))
			(void)fprintf(out, "  - %s\n", json_string_value(p));
	return 0;
}

static int
print_react(FILE *out, const struct shim_imsg_args *args)
{
	json_t		*o;
	const char	*type, *emoji;

	if (shim_imsg_reaction(args->reaction, &type, &emoji) == -1)
		return -1;
	if (!args->json) {
		(void)fprintf(out, "Sent %s reaction to chat %lld\n", emoji,
		    (long long)args->chat_id);
		return 0;
	}
	if ((o = json_pack("{s:b,s:I,s:s,s:o}", "success", 1, "chat_id",
	    (json_int_t)args->chat_id, "reaction_type", type,
	    "reaction_emoji", shim_json_string(emoji))) == NULL)
		return -1;
	print_json_line(out, o);
	json_decref(o);
	return 0;
}

/*
 * status through the shim: the tool's report, but what the gateway
 * offers in place of what the tool could do by itself.  The gateway
 * carries no IMCore bridge command (tapback, edit, unsend, send-rich,
 * group management): advanced_features and v2_ready are false,
 * bridge_version 0 and selectors empty, so that a client routing on them
 * (OpenClaw's advanced_features && v2_ready) does not pick what the
 * shim refuses.  rpc_methods keeps, in the tool's order, the methods
 * this shim's imsg rpc answers (all of them when the tool lists none,
 * as imsg before rpc_methods).  typing_indicators and read_receipts stay
 * the tool's: the gateway carries typing and read when the tool can.
 */
static int
print_status_result(FILE *out, json_t *tool, int json)
{
	json_t		*copy, *list, *tool_list, *v;
	size_t		 i, j;
	int		 rc = 0;

	if (!json_is_object(tool))
		return -1;
	if ((copy = json_copy(tool)) == NULL || (list = json_array()) == NULL) {
		json_decref(copy);
		return -1;
	}
	tool_list = json_object_get(tool, "rpc_methods");
	if (json_is_array(tool_list) && json_array_size(tool_list) > 0) {
		json_array_foreach(tool_list, i, v) {
			for (j = 0; shim_imsg_rpc_methods[j] != NULL; j++)
				if (json_is_string(v) && strcmp(
				    json_string_value(v),
				    shim_imsg_rpc_methods[j]) == 0)
					break;
			if (shim_imsg_rpc_methods[j] != NULL)
				rc |= json_array_append(list, v);
		}
	} else
		for (i = 0; shim_imsg_rpc_methods[i] != NULL; i++)
			rc |= json_array_append_new(list,
			    json_string(shim_imsg_rpc_methods[i]));
	rc |= json_object_set_new(copy, "rpc_methods", list);
	if (json_object_get(copy, "advanced_features") != NULL)
		rc |= json_object_set_new(copy, "advanced_features",
		    json_false());
	if (json_object_get(copy, "v2_ready") != NULL)
		rc |= json_object_set_new(copy, "v2_ready", json_false());
	if (json_object_get(copy, "bridge_version") != NULL)
		rc |= json_object_set_new(copy, "bridge_version",
		    json_integer(0));
	if (json_object_get(copy, "selectors") != NULL)
		rc |= json_object_set_new(copy, "selectors", json_object());
	if (rc == 0)
		rc = shim_imsg_print_status(out, copy, json);
	json_decref(copy);
	return rc;
}

/* typing --duration: {"status":"completed","duration_s":"5.0"}. */
static int
print_typing_done(FILE *out, const struct shim_imsg_args *args)
{
	double	ms;
	char	secs[64];

	if (shim_imsg_parse_duration(args->duration, &ms) == -1)
		return -1;
	/* Swift's description of a Double: 5.0, 0.25. */
	(void)snprintf(secs, sizeof(secs), "%.15g", ms / 1000);
	if (strpbrk(secs, ".e") == NULL)
		(void)strlcat(secs, ".0", sizeof(secs));
	if (args->json)
		(void)fprintf(out, "{\"status\":\"completed\","
		    "\"duration_s\":\"%s\"}\n", secs);
	else
		(void)fprintf(out, "typing indicator shown for %s\n",
		    args->duration);
	return 0;
}

int
shim_imsg_print_read(FILE *out, int json, const char *handle)
{
	json_t	*o;

	if (!json) {
		(void)fprintf(out, "marked as read: %s\n", handle);
		return 0;
	}
	if ((o = json_pack("{s:b,s:o,s:b}", "success", 1, "handle",
	    shim_json_string(handle), "marked_as_read", 1)) == NULL)
		return -1;
	print_json_line(out, o);
	json_decref(o);
	return 0;
}

/*
 * read (Sources/imsg/Commands/ReadCommand.swift) names the chat's guid,
 * else its identifier, else the --to handle.  A --chat-id is resolved
 * by the caller, which prints with shim_imsg_print_read itself.
 */
static int
print_read_result(FILE *out, const struct shim_imsg_args *args)
{
	const char	*handle = args->to;

	if (imsg_nonempty(args->chat_guid))
		handle = args->chat_guid;
	else if (imsg_nonempty(args->chat_identifier))
		handle = args->chat_identifier;
	if (handle == NULL)
		return -1;
	return shim_imsg_print_read(out, args->json, handle);
}
