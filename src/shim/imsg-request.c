/*
 * imsg requests: the checks the real commands make before they touch the
 * network, and the gateway request each parsed command line becomes
 * (doc/protocol.md).  Pure: no I/O, so the unit tests and the simulated
 * imsg use exactly this code.
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "shim.h"
#include "util.h"
#include "imsg.h"

#define GATEWAY_LIMIT_MAX	1000	/* doc/protocol.md: limit 1..1000 */
#define DEBOUNCE_DEFAULT	"250ms"	/* the real watch's default */

static const char *typing_service(const char *);
static int	 check_dates(const struct shim_imsg_args *, char *, size_t);
static int	 check_target(const struct shim_imsg_args *, char *, size_t);
static json_t	*watch_request(const struct shim_imsg_args *);
static int	 attachment_target(json_t *, const char *);

/* A typing --service, lower-cased as the real one reads it, or NULL. */
static const char *
typing_service(const char *service)
{
	static const char *const services[] = { "auto", "imessage", "sms" };
	size_t	i;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcasecmp(service, services[i]) == 0)
			return services[i];
	return NULL;
}

/*
 * --start and --end as MessageFilter.fromISO reads them (history and
 * watch): IMsgError.invalidISODate.  Returns 0, or -1 with msg set.
 */
static int
check_dates(const struct shim_imsg_args *a, char *msg, size_t msglen)
{
	int64_t	when;

	if (a->start != NULL && shim_imsg_parse_iso(a->start, &when) == -1) {
		(void)snprintf(msg, msglen, "Invalid ISO8601 date: %s",
		    a->start);
		return -1;
	}
	if (a->end != NULL && shim_imsg_parse_iso(a->end, &when) == -1) {
		(void)snprintf(msg, msglen, "Invalid ISO8601 date: %s",
		    a->end);
		return -1;
	}
	return 0;
}

/*
 * ChatTargetResolver.validateRecipientRequirements, as send, typing and
 * read call it: --to and a chat selector together, or neither, is an
 * error.  Returns 1 when a chat selector was given, 0 for --to, or -1
 * with msg set.
 */
static int
check_target(const struct shim_imsg_args *a, char *msg, size_t msglen)
{
	int	has_target;

	has_target = a->has_chat_id || imsg_nonempty(a->chat_identifier) ||
	    imsg_nonempty(a->chat_guid);
	if (has_target && imsg_nonempty(a->to)) {
		(void)snprintf(msg, msglen, "Invalid value for option: --to");
		return -1;
	}
	if (!has_target && !imsg_nonempty(a->to)) {
		(void)snprintf(msg, msglen, "Missing required option: --to");
		return -1;
	}
	return has_target;
}

/*
 * send-attachment's checks, in the order SendAttachmentCommand.run
 * makes them (Sources/imsg/Commands/BridgeAttachmentCommand.swift,
 * steipete/imsg c7ae79c1b195f942e3cf0a84c5eef6df778adb1a).  With
 * --transport auto or applescript and neither --audio nor --reply-to,
 * the real command ends in MessageSender's AppleScript send of the file
 * to the chat whenever its bridge is absent or fails: that is what the
 * gateway carries.  --transport dylib, --audio and --reply-to need the
 * IMCore bridge, which the gateway does not offer.
 */
int
shim_imsg_attachment_check(const struct shim_imsg_args *a, char *msg,
    size_t msglen)
{
	const char	*transport = a->transport != NULL ? a->transport :
			    "auto";

	if (!imsg_nonempty(a->chat)) {
		(void)snprintf(msg, msglen, "Missing required option: --chat");
		return -1;
	}
	if (!imsg_nonempty(a->file)) {
		(void)snprintf(msg, msglen, "Missing required option: --file");
		return -1;
	}
	if (strcmp(transport, "auto") != 0 && strcmp(transport, "dylib") != 0 &&
	    strcmp(transport, "applescript") != 0) {
		(void)snprintf(msg, msglen,
		    "Invalid value for option: --transport");
		return -1;
	}
	if (strcmp(transport, "applescript") == 0 && a->audio) {
		(void)snprintf(msg, msglen, "Invalid value for option: --audio");
		return -1;
	}
	if (strcmp(transport, "applescript") == 0 && imsg_nonempty(a->reply_to)) {
		(void)snprintf(msg, msglen,
		    "Invalid value for option: --reply-to");
		return -1;
	}
	if (strcmp(transport, "dylib") == 0 || a->audio ||
	    imsg_nonempty(a->reply_to)) {
		(void)snprintf(msg, msglen, "%s", SHIM_IMSG_NO_BRIDGE);
		return 1;
	}
	return 0;
}

/*
 * The chat guid of send-attachment as the gateway send's target.  A
 * direct chat's guid, service;-;handle (what group prints for a direct
 * chat, and what OpenClaw writes for a handle: iMessage;-;, SMS;-; or
 * any;-;), names the handle with that service: policy decides on the
 * address itself, and the chat need not exist before its first message,
 * as in Messages.  Any other guid (a group's iMessage;+;chat...) names
 * the chat, which the gateway looks up and decides on by its
 * participants.  Returns 0, or -1 when out of memory.
 */
static int
attachment_target(json_t *p, const char *chat)
{
	static const struct {
		const char	*prefix;
		const char	*service;
	} direct[] = {
		{ "iMessage;-;", "imessage" },
		{ "SMS;-;", "sms" },
		{ "any;-;", "auto" },
	};
	size_t	i, n;

	for (i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
		n = strlen(direct[i].prefix);
		if (strncasecmp(chat, direct[i].prefix, n) != 0 ||
		    chat[n] == '\0')
			continue;
		if (imsg_set_string(p, "to", chat + n) == -1 ||
		    imsg_set_string(p, "service", direct[i].service) == -1)
			return -1;
		return 0;
	}
	return imsg_set_string(p, "chat_guid", chat);
}

/* One target: "to" wins, then a chat id, then identifier, then guid. */
static int
set_target(json_t *p, const struct shim_imsg_args *a)
{
	if (imsg_nonempty(a->to))
		return imsg_set_string(p, "to", a->to);
	if (a->has_chat_id)
		return json_object_set_new(p, "chat_id",
		    json_integer(a->chat_id));
	if (imsg_nonempty(a->chat_identifier))
		return imsg_set_string(p, "chat_identifier", a->chat_identifier);
	return imsg_set_string(p, "chat_guid", a->chat_guid);
}

json_t *
shim_imsg_build_request(const struct shim_imsg_args *a, const char **method,
    char *msg, size_t msglen)
{
	json_t		*p = NULL, *list;
	const char	*type;
	int64_t		 limit;
	double		 debounce_ms;
	int		 has_target, rc = 0;
	size_t		 i;

	msg[0] = '\0';
	*method = NULL;

	/*
	 * The checks the real commands make, in their order.  An IMsgError
	 * is printed as its description (Sources/IMsgCore/Errors.swift:
	 * CommandRouter prints String(describing: error)); Commander's and
	 * ParsedValuesError's texts are "Missing required option: --x" and
	 * "Invalid value for option: --x".
	 */
	switch (a->cmd) {
	case SHIM_IMSG_HISTORY:
		if (!a->has_chat_id) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --chat-id");
			return NULL;
		}
		if (check_dates(a, msg, msglen) == -1)
			return NULL;
		FALLTHROUGH;
	case SHIM_IMSG_CHATS:
		if (a->has_limit && a->limit < 1) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --limit");
			return NULL;
		}
		break;
	case SHIM_IMSG_SEND:
		if (check_target(a, msg, msglen) == -1)
			return NULL;
		if (!imsg_nonempty(a->text) && !imsg_nonempty(a->file)) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --text or file");
			return NULL;
		}
		if (a->service != NULL && strcmp(a->service, "auto") != 0 &&
		    strcmp(a->service, "imessage") != 0 &&
		    strcmp(a->service, "sms") != 0) {
			(void)snprintf(msg, msglen, "Invalid service: %s",
			    a->service);
			return NULL;
		}
		break;
	case SHIM_IMSG_STATUS:
		break;
	case SHIM_IMSG_SEND_ATTACHMENT:
		if (shim_imsg_attachment_check(a, msg, msglen) != 0)
			return NULL;
		break;
	case SHIM_IMSG_TYPING:
		if (a->stop != NULL && strcmp(a->stop, "true") != 0 &&
		    strcmp(a->stop, "false") != 0) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --stop");
			return NULL;
		}
		if ((has_target = check_target(a, msg, msglen)) == -1)
			return NULL;
		/* directTypingIdentifier: the service in any case. */
		if (!has_target && a->service != NULL &&
		    typing_service(a->service) == NULL) {
			(void)snprintf(msg, msglen, "Invalid service: %s",
			    a->service);
			return NULL;
		}
		if ((a->stop == NULL || strcmp(a->stop, "true") != 0) &&
		    imsg_nonempty(a->duration) &&
		    (shim_imsg_parse_duration(a->duration, &debounce_ms) ==
		    -1 || debounce_ms <= 0)) {
			/* TypingCommand.swift parseDurationToSeconds */
			(void)snprintf(msg, msglen, "Typing indicator failed: "
			    "Invalid duration: %s. Use e.g. 5s, 3000ms, 1m, or "
			    "1h", a->duration);
			return NULL;
		}
		break;
	case SHIM_IMSG_GROUP:
		if (!a->has_chat_id) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --chat-id");
			return NULL;
		}
		break;
	case SHIM_IMSG_REACT:
		if (!a->has_chat_id) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --chat-id");
			return NULL;
		}
		if (a->reaction == NULL) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --reaction");
			return NULL;
		}
		/* ReactCommand.swift: a custom emoji cannot be sent. */
		if (shim_imsg_reaction(a->reaction, &type, NULL) == -1) {
			(void)snprintf(msg, msglen, "Invalid reaction: %s\n\n"
			    "Valid reactions: love, like, dislike, laugh, "
			    "emphasis, question", a->reaction);
			return NULL;
		}
		if (strcmp(type, "custom") == 0) {
			(void)snprintf(msg, msglen, "Unsupported reaction: "
			    "custom emoji tapback '%s' cannot be sent by "
			    "Messages.app AppleScript automation; use love, "
			    "like, dislike, laugh, emphasis, or question.",
			    a->reaction);
			return NULL;
		}
		break;
	case SHIM_IMSG_SEARCH:
		if (!imsg_nonempty(a->query)) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --query");
			return NULL;
		}
		/* SearchCommand (BridgeIntroCommands.swift) */
		if (a->match != NULL && strcmp(a->match, "contains") != 0 &&
		    strcmp(a->match, "exact") != 0) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --match");
			return NULL;
		}
		if (a->has_limit && a->limit < 1) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --limit");
			return NULL;
		}
		break;
	case SHIM_IMSG_READ:
		/* ReadCommand.swift: --to (or --handle) or a chat. */
		if (check_target(a, msg, msglen) == -1)
			return NULL;
		break;
	case SHIM_IMSG_WATCH:
		if (shim_imsg_parse_duration(a->debounce != NULL ?
		    a->debounce : DEBOUNCE_DEFAULT, &debounce_ms) == -1) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --debounce");
			return NULL;
		}
		if (check_dates(a, msg, msglen) == -1)
			return NULL;
		if ((p = watch_request(a)) == NULL)
			goto nomem;
		*method = "inbox.subscribe";
		return p;
	default:
		(void)snprintf(msg, msglen, "Unknown command");
		return NULL;
	}

	if ((p = json_object()) == NULL ||
	    imsg_set_string(p, "channel", IMSG_CHANNEL) == -1)
		goto nomem;

	switch (a->cmd) {
	case SHIM_IMSG_CHATS:
		*method = "chats.list";
		break;
	case SHIM_IMSG_HISTORY:
		*method = "messages.history";
		rc |= json_object_set_new(p, "chat_id",
		    json_integer(a->chat_id));
		break;
	case SHIM_IMSG_SEND:
		*method = "send";
		rc |= set_target(p, a);
		if (imsg_nonempty(a->text))
			rc |= imsg_set_string(p, "text", a->text);
		if (a->service != NULL)
			rc |= imsg_set_string(p, "service", a->service);
		if (imsg_nonempty(a->region))
			rc |= imsg_set_string(p, "region", a->region);
		break;
	case SHIM_IMSG_STATUS:
		*method = "status";
		break;
	case SHIM_IMSG_SEND_ATTACHMENT:
		/* The caller adds the file, by descriptor. */
		*method = "send";
		rc |= attachment_target(p, a->chat);
		break;
	case SHIM_IMSG_TYPING:
		*method = "typing";
		rc |= set_target(p, a);
		rc |= json_object_set_new(p, "typing", json_boolean(
		    a->stop == NULL || strcmp(a->stop, "true") != 0));
		/* The service picks a direct chat; a chat has its own. */
		if (a->service != NULL && imsg_nonempty(a->to))
			rc |= imsg_set_string(p, "service",
			    typing_service(a->service));
		break;
	case SHIM_IMSG_GROUP:
		/* The chat as policy lets the agent see it. */
		*method = "chats.list";
		rc |= json_object_set_new(p, "limit",
		    json_integer(GATEWAY_LIMIT_MAX));
		break;
	case SHIM_IMSG_REACT:
		*method = "react";
		rc |= json_object_set_new(p, "chat_id",
		    json_integer(a->chat_id));
		rc |= imsg_set_string(p, "reaction", a->reaction);
		break;
	case SHIM_IMSG_SEARCH:
		*method = "messages.search";
		rc |= imsg_set_string(p, "query", a->query);
		if (a->match != NULL)
			rc |= imsg_set_string(p, "match", a->match);
		if (a->has_limit)
			rc |= json_object_set_new(p, "limit", json_integer(
			    a->limit > GATEWAY_LIMIT_MAX ? GATEWAY_LIMIT_MAX :
			    a->limit));
		break;
	case SHIM_IMSG_READ:
		*method = "read";
		/* A handle is an address, or a chat's identifier. */
		if (!imsg_nonempty(a->to))
			rc |= set_target(p, a);
		else if (strchr(a->to, ';') != NULL ||
		    strncmp(a->to, "chat", 4) == 0)
			rc |= imsg_set_string(p, "chat_identifier", a->to);
		else
			rc |= imsg_set_string(p, "to", a->to);
		break;
	default:
		break;
	}

	if ((a->cmd == SHIM_IMSG_CHATS || a->cmd == SHIM_IMSG_HISTORY) &&
	    a->has_limit) {
		limit = a->limit > GATEWAY_LIMIT_MAX ? GATEWAY_LIMIT_MAX :
		    a->limit;
		rc |= json_object_set_new(p, "limit", json_integer(limit));
	}
	if (a->cmd == SHIM_IMSG_HISTORY) {
		if (a->attachments)
			rc |= json_object_set_new(p, "attachments",
			    json_true());
		if (a->nparticipants > 0) {
			if ((list = json_array()) == NULL)
				goto nomem;
			for (i = 0; i < a->nparticipants; i++)
				rc |= json_array_append_new(list,
				    shim_json_string(a->participants[i]));
			rc |= json_object_set_new(p, "participants", list);
		}
		if (a->start != NULL)
			rc |= imsg_set_string(p, "start", a->start);
		if (a->end != NULL)
			rc |= imsg_set_string(p, "end", a->end);
	}
	if (rc != 0)
		goto nomem;
	return p;

nomem:
	json_decref(p);
	*method = NULL;
	(void)snprintf(msg, msglen, "imsg: out of memory");
	return NULL;
}

/*
 * The inbox subscription: {"channels":["imsg"]}, and the rowid to start
 * after when one was given.  The inbox cursor of the imsg channel is
 * the rowid, so --since-rowid maps exactly; a negative one means the
 * start of the inbox, as a negative rowid does in the real tool.
 */
static json_t *
watch_request(const struct shim_imsg_args *a)
{
	json_t	*p, *list, *since;
	int	 rc = 0;

	if ((p = json_object()) == NULL)
		return NULL;
	if ((list = json_array()) == NULL ||
	    json_object_set_new(p, "channels", list) == -1 ||
	    json_array_append_new(list, json_string(IMSG_CHANNEL)) == -1) {
		json_decref(p);
		return NULL;
	}
	if (a->has_since_rowid) {
		if ((since = json_object()) == NULL ||
		    json_object_set_new(p, "since", since) == -1) {
			json_decref(p);
			return NULL;
		}
		rc |= json_object_set_new(since, IMSG_CHANNEL,
		    json_integer(a->since_rowid < 0 ? 0 :
		    (json_int_t)a->since_rowid));
	}
	if (rc != 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}
