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

#include <jansson.h>

#include "compat.h"
#include "shim.h"
#include "util.h"
#include "imsg.h"

#define GATEWAY_LIMIT_MAX	1000	/* doc/protocol.md: limit 1..1000 */
#define DEBOUNCE_DEFAULT	"250ms"	/* the real watch's default */

static void	 swift_quote(const char *, char *, size_t);
static json_t	*watch_request(const struct shim_imsg_args *);

/* A string as Swift's debug description prints it: "a\"b". */
static void
swift_quote(const char *s, char *out, size_t outlen)
{
	char		 esc[16];
	unsigned char	 c;

	(void)strlcpy(out, "\"", outlen);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		switch (c) {
		case '\\':
			(void)strlcpy(esc, "\\\\", sizeof(esc));
			break;
		case '"':
			(void)strlcpy(esc, "\\\"", sizeof(esc));
			break;
		case '\n':
			(void)strlcpy(esc, "\\n", sizeof(esc));
			break;
		case '\r':
			(void)strlcpy(esc, "\\r", sizeof(esc));
			break;
		case '\t':
			(void)strlcpy(esc, "\\t", sizeof(esc));
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				(void)snprintf(esc, sizeof(esc), "\\u{%x}", c);
			else {
				esc[0] = (char)c;
				esc[1] = '\0';
			}
			break;
		}
		(void)strlcat(out, esc, outlen);
	}
	(void)strlcat(out, "\"", outlen);
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
	char		 quoted[SHIM_IMSG_MSG_MAX];
	int64_t		 limit, when;
	double		 debounce_ms;
	int		 has_target, rc = 0;
	size_t		 i;

	msg[0] = '\0';
	*method = NULL;

	/* The checks the real commands make, in their order. */
	switch (a->cmd) {
	case SHIM_IMSG_HISTORY:
		if (!a->has_chat_id) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --chat-id");
			return NULL;
		}
		FALLTHROUGH;
	case SHIM_IMSG_CHATS:
		if (a->has_limit && a->limit < 1) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --limit");
			return NULL;
		}
		break;
	case SHIM_IMSG_SEND:
		has_target = a->has_chat_id || imsg_nonempty(a->chat_identifier) ||
		    imsg_nonempty(a->chat_guid);
		if (has_target && imsg_nonempty(a->to)) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --to");
			return NULL;
		}
		if (!has_target && !imsg_nonempty(a->to)) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --to");
			return NULL;
		}
		if (!imsg_nonempty(a->text) && !imsg_nonempty(a->file)) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --text or file");
			return NULL;
		}
		if (a->service != NULL && strcmp(a->service, "auto") != 0 &&
		    strcmp(a->service, "imessage") != 0 &&
		    strcmp(a->service, "sms") != 0) {
			swift_quote(a->service, quoted, sizeof(quoted));
			(void)snprintf(msg, msglen, "invalidService(%s)",
			    quoted);
			return NULL;
		}
		break;
	case SHIM_IMSG_STATUS:
		break;
	case SHIM_IMSG_TYPING:
		has_target = a->has_chat_id || imsg_nonempty(a->chat_identifier) ||
		    imsg_nonempty(a->chat_guid);
		if (a->stop != NULL && strcmp(a->stop, "true") != 0 &&
		    strcmp(a->stop, "false") != 0) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --stop");
			return NULL;
		}
		if (has_target && imsg_nonempty(a->to)) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --to");
			return NULL;
		}
		if (!has_target && !imsg_nonempty(a->to)) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --to");
			return NULL;
		}
		if (!has_target && a->service != NULL &&
		    strcmp(a->service, "auto") != 0 &&
		    strcmp(a->service, "imessage") != 0 &&
		    strcmp(a->service, "sms") != 0) {
			swift_quote(a->service, quoted, sizeof(quoted));
			(void)snprintf(msg, msglen, "invalidService(%s)",
			    quoted);
			return NULL;
		}
		if ((a->stop == NULL || strcmp(a->stop, "true") != 0) &&
		    imsg_nonempty(a->duration) &&
		    (shim_imsg_parse_duration(a->duration, &debounce_ms) ==
		    -1 || debounce_ms <= 0)) {
			(void)snprintf(quoted, sizeof(quoted), "Invalid "
			    "duration: %s. Use e.g. 5s, 3000ms, 1m, or 1h",
			    a->duration);
			swift_quote(quoted, msg, msglen);
			(void)snprintf(quoted, sizeof(quoted),
			    "typingIndicatorFailed(%s)", msg);
			(void)strlcpy(msg, quoted, msglen);
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
		if (shim_imsg_reaction(a->reaction, NULL, NULL) == -1) {
			swift_quote(a->reaction, quoted, sizeof(quoted));
			(void)snprintf(msg, msglen, "invalidReaction(%s)",
			    quoted);
			return NULL;
		}
		break;
	case SHIM_IMSG_SEARCH:
		if (!imsg_nonempty(a->query)) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --query");
			return NULL;
		}
		if (a->has_limit && a->limit < 1) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --limit");
			return NULL;
		}
		break;
	case SHIM_IMSG_READ:
		if (a->handle == NULL) {
			(void)snprintf(msg, msglen,
			    "invalidArgument(\"--handle is required\")");
			return NULL;
		}
		break;
	case SHIM_IMSG_WATCH:
		if (shim_imsg_parse_duration(a->debounce != NULL ?
		    a->debounce : DEBOUNCE_DEFAULT, &debounce_ms) == -1) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --debounce");
			return NULL;
		}
		if (a->start != NULL &&
		    shim_imsg_parse_iso(a->start, &when) == -1) {
			swift_quote(a->start, quoted, sizeof(quoted));
			(void)snprintf(msg, msglen, "invalidISODate(%s)",
			    quoted);
			return NULL;
		}
		if (a->end != NULL &&
		    shim_imsg_parse_iso(a->end, &when) == -1) {
			swift_quote(a->end, quoted, sizeof(quoted));
			(void)snprintf(msg, msglen, "invalidISODate(%s)",
			    quoted);
			return NULL;
		}
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
	case SHIM_IMSG_TYPING:
		*method = "typing";
		rc |= set_target(p, a);
		rc |= json_object_set_new(p, "typing", json_boolean(
		    a->stop == NULL || strcmp(a->stop, "true") != 0));
		/* The service picks a direct chat; a chat has its own. */
		if (a->service != NULL && imsg_nonempty(a->to))
			rc |= imsg_set_string(p, "service", a->service);
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
		if (strchr(a->handle, ';') != NULL ||
		    strncmp(a->handle, "chat", 4) == 0)
			rc |= imsg_set_string(p, "chat_identifier", a->handle);
		else
			rc |= imsg_set_string(p, "to", a->handle);
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
