/*
 * The imsg command line as the real imsg's Commander parser reads it:
 * the command and option tables, the parser, the number, date and
 * duration readers the parser and imsg rpc share, the watch filter and
 * the help text.  Nothing here talks to the gateway or prints a result.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "compat.h"
#include "shim.h"
#include "util.h"
#include "imsg.h"

enum opt_id {
	OPT_NONE = 0,
	OPT_DB,
	OPT_LOG_LEVEL,
	OPT_TO,
	OPT_READ_TO,
	OPT_CHAT_ID,
	OPT_CHAT_IDENTIFIER,
	OPT_CHAT_GUID,
	OPT_TEXT,
	OPT_FILE,
	OPT_SERVICE,
	OPT_REGION,
	OPT_LIMIT,
	OPT_PARTICIPANTS,
	OPT_START,
	OPT_END,
	OPT_DEBOUNCE,
	OPT_SINCE_ROWID,
	OPT_STOP,
	OPT_DURATION,
	OPT_REACTION,
	OPT_QUERY,
	OPT_MATCH,
	OPT_CHAT,
	OPT_REPLY_TO,
	OPT_TRANSPORT,
	FLAG_ATTACHMENTS,
	FLAG_CONVERT_ATTACHMENTS,
	FLAG_REACTIONS,
	FLAG_BB_EVENTS,
	FLAG_AUDIO,
	FLAG_VERBOSE,
	FLAG_JSON
};

enum opt_kind {
	KIND_VALUE,	/* exactly one value follows */
	KIND_VALUES,	/* values up to the next option */
	KIND_FLAG
};

/* Names without dashes: one character is -x, longer is --name. */
struct opt_def {
	enum opt_kind	 kind;
	const char	*names[5];
};

static const struct opt_def opt_defs[] = {
	[OPT_DB] =		{ KIND_VALUE, { "db" } },
	[OPT_LOG_LEVEL] =	{ KIND_VALUE, { "log-level", "logLevel" } },
	[OPT_TO] =		{ KIND_VALUE, { "to" } },
	/* ReadCommand.swift: .long("to"), .aliasLong("handle"). */
	[OPT_READ_TO] =		{ KIND_VALUE, { "to", "handle" } },
	[OPT_CHAT_ID] =		{ KIND_VALUE, { "chat-id" } },
	[OPT_CHAT_IDENTIFIER] =	{ KIND_VALUE, { "chat-identifier" } },
	[OPT_CHAT_GUID] =	{ KIND_VALUE, { "chat-guid" } },
	[OPT_TEXT] =		{ KIND_VALUE, { "text" } },
	[OPT_FILE] =		{ KIND_VALUE, { "file" } },
	[OPT_SERVICE] =		{ KIND_VALUE, { "service" } },
	[OPT_REGION] =		{ KIND_VALUE, { "region" } },
	[OPT_LIMIT] =		{ KIND_VALUE, { "limit" } },
	[OPT_PARTICIPANTS] =	{ KIND_VALUES, { "participants" } },
	[OPT_START] =		{ KIND_VALUE, { "start" } },
	[OPT_END] =		{ KIND_VALUE, { "end" } },
	[OPT_DEBOUNCE] =	{ KIND_VALUE, { "debounce" } },
	[OPT_SINCE_ROWID] =	{ KIND_VALUE, { "since-rowid" } },
	[OPT_STOP] =		{ KIND_VALUE, { "stop" } },
	[OPT_DURATION] =	{ KIND_VALUE, { "duration" } },
	[OPT_REACTION] =	{ KIND_VALUE, { "reaction", "r" } },
	[OPT_QUERY] =		{ KIND_VALUE, { "query" } },
	[OPT_MATCH] =		{ KIND_VALUE, { "match" } },
	[OPT_CHAT] =		{ KIND_VALUE, { "chat" } },
	[OPT_REPLY_TO] =	{ KIND_VALUE, { "reply-to" } },
	[OPT_TRANSPORT] =	{ KIND_VALUE, { "transport" } },
	[FLAG_ATTACHMENTS] =	{ KIND_FLAG, { "attachments" } },
	[FLAG_CONVERT_ATTACHMENTS] = { KIND_FLAG, { "convert-attachments" } },
	[FLAG_REACTIONS] =	{ KIND_FLAG, { "reactions" } },
	[FLAG_BB_EVENTS] =	{ KIND_FLAG, { "bb-events" } },
	[FLAG_AUDIO] =		{ KIND_FLAG, { "audio" } },
	[FLAG_VERBOSE] =	{ KIND_FLAG, { "v", "verbose" } },
	[FLAG_JSON] =		{ KIND_FLAG, { "json", "j", "json-output",
				  "jsonOutput" } },
};

/* One option of one command, in the order the real help lists them. */
struct cmd_opt {
	enum opt_id	 id;
	const char	*help;
};

#define HELP_DB		\
	"Path to chat.db (defaults to ~/Library/Messages/chat.db)"
#define HELP_LOG_LEVEL	\
	"Set log level (trace|verbose|debug|info|warning|error|critical)"
#define HELP_VERBOSE	"Enable verbose logging"
#define HELP_JSON	"Emit machine-readable JSON output"
#define HELP_CONVERT	\
	"convert CAF/GIF attachments to model-compatible cached files"

static const struct cmd_opt chats_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_LIMIT, "Number of chats to list" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt history_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_CHAT_ID, "chat rowid from 'imsg chats'" },
	{ OPT_LIMIT, "Number of messages to show" },
	{ OPT_PARTICIPANTS, "filter by participant handles" },
	{ OPT_START, "ISO8601 start (inclusive)" },
	{ OPT_END, "ISO8601 end (exclusive)" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_ATTACHMENTS, "include attachment metadata" },
	{ FLAG_CONVERT_ATTACHMENTS, HELP_CONVERT },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt watch_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_CHAT_ID, "limit to chat rowid" },
	{ OPT_DEBOUNCE,
	    "debounce interval for filesystem events (e.g. 250ms)" },
	{ OPT_SINCE_ROWID, "start watching after this rowid" },
	{ OPT_PARTICIPANTS, "filter by participant handles" },
	{ OPT_START, "ISO8601 start (inclusive)" },
	{ OPT_END, "ISO8601 end (exclusive)" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_ATTACHMENTS, "include attachment metadata" },
	{ FLAG_CONVERT_ATTACHMENTS, HELP_CONVERT },
	{ FLAG_REACTIONS,
	    "include reaction events (tapback add/remove) in the stream" },
	{ FLAG_BB_EVENTS, "include dylib-pushed events (typing, alias-removed) "
	    "when injection is active" },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt send_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_TO, "phone number or email" },
	{ OPT_CHAT_ID, "chat rowid" },
	{ OPT_CHAT_IDENTIFIER, "chat identifier (e.g. iMessage;+;chat...)" },
	{ OPT_CHAT_GUID, "chat guid" },
	{ OPT_TEXT, "message body" },
	{ OPT_FILE, "path to attachment" },
	{ OPT_SERVICE, "service to use: imessage|sms|auto" },
	{ OPT_REGION, "default region for phone normalization" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

/* The real status command takes no --db. */
static const struct cmd_opt status_opts[] = {
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt typing_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_TO, "phone number or email" },
	{ OPT_CHAT_ID, "chat rowid" },
	{ OPT_CHAT_IDENTIFIER,
	    "chat identifier (e.g. iMessage;-;+14155551212)" },
	{ OPT_CHAT_GUID, "chat guid" },
	{ OPT_DURATION,
	    "how long to show typing (e.g. 5s, 3000ms); omit for start-only" },
	{ OPT_STOP, "stop typing indicator instead of starting" },
	{ OPT_SERVICE, "service to use: imessage|sms|auto" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt read_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_READ_TO, "phone number or email" },
	{ OPT_CHAT_ID, "chat rowid" },
	{ OPT_CHAT_IDENTIFIER,
	    "chat identifier (e.g. iMessage;-;+14155551212)" },
	{ OPT_CHAT_GUID, "chat guid" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt rpc_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt group_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_CHAT_ID, "chat rowid from 'imsg chats'" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt react_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_CHAT_ID, "chat rowid to react in" },
	{ OPT_REACTION, "reaction type: love, like, dislike, laugh, emphasis, "
	    "question" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt search_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_QUERY, "search query (required)" },
	{ OPT_MATCH, "exact|contains (default contains)" },
	{ OPT_LIMIT, "maximum results (default 50)" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

/*
 * send-attachment (Sources/imsg/Commands/BridgeAttachmentCommand.swift,
 * steipete/imsg c7ae79c1b195f942e3cf0a84c5eef6df778adb1a).
 */
static const struct cmd_opt send_attachment_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_CHAT, "chat guid" },
	{ OPT_FILE, "absolute path to file" },
	{ OPT_REPLY_TO, "guid of message to reply to" },
	{ OPT_TRANSPORT, "transport to use: auto|dylib|applescript" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_AUDIO, "send as audio message" },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const char *const send_attachment_examples[] = {
	"imsg send-attachment --chat 'iMessage;-;+15551234567' --file "
	    "~/Pictures/me.jpg",
	NULL
};

static const char *const group_examples[] = {
	"imsg group --chat-id 1",
	"imsg group --chat-id 1 --json",
	NULL
};

static const char *const react_examples[] = {
	"imsg react --chat-id 1 --reaction like",
	"imsg react --chat-id 1 -r love",
	NULL
};

static const char *const search_examples[] = {
	"imsg search --query 'pizza tonight' --match contains",
	NULL
};

static const char *const typing_examples[] = {
	"imsg typing --to +14155551212",
	"imsg typing --to +14155551212 --duration 5s",
	"imsg typing --to +14155551212 --stop true",
	"imsg typing --chat-identifier \"iMessage;-;+14155551212\"",
	NULL
};

static const char *const read_examples[] = {
	"imsg read --to +14155551212",
	"imsg read --handle steipete@gmail.com",
	"imsg read --chat-id 1",
	"imsg read --chat-identifier \"iMessage;-;+14155551212\"",
	NULL
};

static const char *const rpc_examples[] = {
	"imsg rpc",
	"imsg rpc --db ~/Library/Messages/chat.db",
	NULL
};

static const char *const chats_examples[] = {
	"imsg chats --limit 5",
	"imsg chats --limit 5 --json",
	NULL
};

static const char *const history_examples[] = {
	"imsg history --chat-id 1 --limit 10 --attachments",
	"imsg history --chat-id 1 --start 2025-01-01T00:00:00Z --json",
	NULL
};

static const char *const watch_examples[] = {
	"imsg watch --chat-id 1 --attachments --debounce 250ms",
	"imsg watch --chat-id 1 --participants +15551234567",
	NULL
};

static const char *const send_examples[] = {
	"imsg send --to +14155551212 --text \"hi\"",
	"imsg send --to +14155551212 --text \"hi\" --file ~/Desktop/pic.jpg "
	    "--service imessage",
	"imsg send --chat-id 1 --text \"hi\"",
	NULL
};

static const char *const status_examples[] = {
	"imsg status",
	"imsg status --json",
	NULL
};

struct imsg_command {
	const char		*name;
	enum shim_imsg_cmd	 cmd;	/* SHIM_IMSG_NONE: not offered yet */
	const char		*abstract;
	const char		*discussion;
	const struct cmd_opt	*opts;	/* NULL: its help is the root's */
	const char *const	*examples;
};

/*
 * An IMCore bridge command, or launch: none maps onto the gateway, so
 * each answers with the real tool's failure shape whatever its options.
 */
#define BRIDGE(name, abstract)	\
	{ (name), SHIM_IMSG_BRIDGE, (abstract), NULL, NULL, NULL }

/*
 * Every command of imsg 0.9.0, in the order its root help lists them
 * (the specs of CommandRouter.swift).
 */
static const struct imsg_command commands[] = {
	{ "chats", SHIM_IMSG_CHATS, "List recent conversations", NULL,
	    chats_opts, chats_examples },
	{ "group", SHIM_IMSG_GROUP,
	    "Show chat identity and participants for a chat id",
	    "Prints chat identifier, guid, display name, service, group flag, "
	    "and participants for a given chat rowid. Works for direct chats "
	    "too.", group_opts,
	    group_examples },
	{ "history", SHIM_IMSG_HISTORY, "Show recent messages for a chat",
	    NULL, history_opts, history_examples },
	{ "watch", SHIM_IMSG_WATCH, "Stream incoming messages", NULL,
	    watch_opts, watch_examples },
	{ "send", SHIM_IMSG_SEND, "Send a message (text and/or attachment)",
	    NULL, send_opts, send_examples },
	{ "react", SHIM_IMSG_REACT,
	    "Send a tapback reaction to the most recent message",
	    "Sends a tapback reaction to the most recent incoming message in "
	    "the specified chat.\n\n"
	    "IMPORTANT LIMITATIONS:\n"
	    "- Only reacts to the MOST RECENT incoming message in the "
	    "conversation\n"
	    "- Requires Messages.app to be running\n"
	    "- Uses UI automation (System Events) which requires "
	    "accessibility permissions\n\n"
	    "Reaction types:\n"
	    "  love (\xe2\x9d\xa4\xef\xb8\x8f), like (\xf0\x9f\x91\x8d), "
	    "dislike (\xf0\x9f\x91\x8e), laugh (\xf0\x9f\x98\x82), "
	    "emphasis (\xe2\x80\xbc\xef\xb8\x8f), "
	    "question (\xe2\x9d\x93)\n\n"
	    "Custom emoji tapbacks can be read from history/watch output, but "
	    "cannot be\n"
	    "sent reliably through Messages.app AppleScript automation.",
	    react_opts, react_examples },
	{ "read", SHIM_IMSG_READ, "Mark messages as read for a chat",
	    "Marks messages as read via IMCore advanced features.\n"
	    "Requires SIP disabled and Messages launched with `imsg launch`.",
	    read_opts, read_examples },
	{ "typing", SHIM_IMSG_TYPING, "Send typing indicator to a chat",
	    "Sends typing indicators via IMCore advanced features.\n"
	    "Requires SIP disabled and Messages launched with `imsg launch`.",
	    typing_opts, typing_examples },
	BRIDGE("launch", "Launch Messages.app with dylib injection"),
	{ "status", SHIM_IMSG_STATUS,
	    "Check availability of imsg advanced features",
	    "Display the current status of imsg features and permissions.\n"
	    "Shows which advanced features (typing indicators, read "
	    "receipts) are\n"
	    "available and provides setup instructions if needed.",
	    status_opts, status_examples },
	{ "rpc", SHIM_IMSG_RPC, "Run JSON-RPC over stdin/stdout", NULL,
	    rpc_opts, rpc_examples },
	{ "completions", SHIM_IMSG_NONE,
	    "Generate shell completions or LLM context", NULL, NULL, NULL },
	BRIDGE("send-rich", "Send a message via the IMCore bridge (effects, "
	    "replies, subjects)"),
	BRIDGE("send-multipart", "Send a multi-part message"),
	/* Its AppleScript path, as a gateway send (imsg-request.c). */
	{ "send-attachment", SHIM_IMSG_SEND_ATTACHMENT,
	    "Send a file attachment via the IMCore bridge", NULL,
	    send_attachment_opts, send_attachment_examples },
	BRIDGE("tapback", "Send a tapback reaction via the IMCore bridge"),
	BRIDGE("edit", "Edit a sent message"),
	BRIDGE("unsend", "Retract a sent message"),
	BRIDGE("delete-message", "Delete a single message from a chat"),
	BRIDGE("notify-anyways",
	    "Force a notification for a message that was filtered/suppressed"),
	BRIDGE("chat-create", "Create a new chat (1:1 or group)"),
	BRIDGE("chat-name", "Set a chat's display name"),
	BRIDGE("chat-photo", "Set or clear a group chat photo"),
	BRIDGE("chat-add-member", "Add a participant to a group chat"),
	BRIDGE("chat-remove-member", "Remove a participant from a group chat"),
	BRIDGE("chat-leave", "Leave a group chat"),
	BRIDGE("chat-delete", "Delete a chat from Messages.app"),
	BRIDGE("chat-mark", "Mark a chat as read or unread"),
	{ "search", SHIM_IMSG_SEARCH, "Search local Messages history",
	    "Searches the local chat.db, not the injected bridge. Use --match "
	    "exact\n"
	    "for case-insensitive exact text matches; the default is contains.",
	    search_opts, search_examples },
	BRIDGE("account",
	    "Show the active iMessage account, login, and aliases"),
	BRIDGE("whois", "Check whether a handle is reachable on iMessage"),
	BRIDGE("nickname", "Show contact-card / nickname info for a handle"),
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* Listed by status --json; imsg-rpc.c answers exactly these. */
const char *const shim_imsg_rpc_methods[] = {
	"chats.list", "messages.history", "watch.subscribe",
	"watch.unsubscribe", "send", "typing", "read", NULL
};


static const struct imsg_command *find_command(const char *);
static int	 is_argument(const char *);
static size_t	 utf8_chars(const char *);
static enum opt_id lookup_opt(const struct imsg_command *, int, const char *);
static void	 add_participants(struct shim_imsg_args *, const char *);
static void	 set_value(struct shim_imsg_args *, enum opt_id, const char *);

static const struct imsg_command *
find_command(const char *name)
{
	size_t	i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Commander: "-" alone is a value; anything else starting '-' is not. */
static int
is_argument(const char *s)
{
	return s[0] != '-' || s[1] == '\0';
}

static size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static enum opt_id
lookup_opt(const struct imsg_command *c, int flags, const char *name)
{
	const struct cmd_opt	*o;
	size_t			 i;

	for (o = c->opts; o->id != OPT_NONE; o++)
		for (i = 0; opt_defs[o->id].names[i] != NULL; i++)
			if (strcmp(opt_defs[o->id].names[i], name) == 0)
				return o->id;
	/* The shim takes --db everywhere: the database is not ours. */
	if (!(flags & SHIM_IMSG_STRICT) && strcmp(name, "db") == 0)
		return OPT_DB;
	return OPT_NONE;
}

static void
add_participants(struct shim_imsg_args *args, const char *value)
{
	const char	*p, *comma;
	size_t		 len;
	char		*piece;

	for (p = value;; p = comma + 1) {
		comma = strchr(p, ',');
		len = comma == NULL ? strlen(p) : (size_t)(comma - p);
		if (len > 0) {
			piece = xcalloc(len + 1, 1);
			memcpy(piece, p, len);
			args->participants = xreallocarray(args->participants,
			    args->nparticipants + 1, sizeof(char *));
			args->participants[args->nparticipants++] = piece;
		}
		if (comma == NULL)
			break;
	}
}

static void
set_value(struct shim_imsg_args *args, enum opt_id id, const char *value)
{
	switch (id) {
	case OPT_DB:
		args->db = value;
		break;
	case OPT_LOG_LEVEL:
		args->log_level = value;
		break;
	case OPT_TO:
	case OPT_READ_TO:
		args->to = value;
		break;
	case OPT_CHAT_ID:
		args->chat_id_str = value;
		args->has_chat_id =
		    shim_imsg_parse_int(value, &args->chat_id) == 0;
		break;
	case OPT_CHAT_IDENTIFIER:
		args->chat_identifier = value;
		break;
	case OPT_CHAT_GUID:
		args->chat_guid = value;
		break;
	case OPT_TEXT:
		args->text = value;
		break;
	case OPT_FILE:
		args->file = value;
		break;
	case OPT_SERVICE:
		args->service = value;
		break;
	case OPT_REGION:
		args->region = value;
		break;
	case OPT_LIMIT:
		args->limit_str = value;
		args->has_limit = shim_imsg_parse_int(value, &args->limit) == 0;
		break;
	case OPT_PARTICIPANTS:
		add_participants(args, value);
		break;
	case OPT_START:
		args->start = value;
		break;
	case OPT_END:
		args->end = value;
		break;
	case OPT_DEBOUNCE:
		args->debounce = value;
		break;
	case OPT_SINCE_ROWID:
		args->since_rowid_str = value;
		args->has_since_rowid =
		    shim_imsg_parse_int(value, &args->since_rowid) == 0;
		break;
	case OPT_STOP:
		args->stop = value;
		break;
	case OPT_DURATION:
		args->duration = value;
		break;
	case OPT_REACTION:
		args->reaction = value;
		break;
	case OPT_QUERY:
		args->query = value;
		break;
	case OPT_MATCH:
		args->match = value;
		break;
	case OPT_CHAT:
		args->chat = value;
		break;
	case OPT_REPLY_TO:
		args->reply_to = value;
		break;
	case OPT_TRANSPORT:
		args->transport = value;
		break;
	case FLAG_AUDIO:
		args->audio = 1;
		break;
	case FLAG_ATTACHMENTS:
		args->attachments = 1;
		break;
	case FLAG_REACTIONS:
		args->reactions = 1;
		break;
	case FLAG_CONVERT_ATTACHMENTS:
	case FLAG_BB_EVENTS:
		/*
		 * Taken and ignored: the gateway converts no attachments,
		 * and with no IMCore bridge there are no dylib events.
		 */
		break;
	case FLAG_VERBOSE:
		args->verbose = 1;
		break;
	case FLAG_JSON:
		args->json = 1;
		break;
	case OPT_NONE:
		break;
	}
}

int
shim_imsg_parse_int(const char *s, int64_t *out)
{
	uint64_t	 v = 0, max;
	int		 negative = 0;
	const char	*p = s;

	if (*p == '+' || *p == '-') {
		negative = *p == '-';
		p++;
	}
	if (*p == '\0')
		return -1;
	max = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (negative)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

int
shim_imsg_parse_iso(const char *s, int64_t *ms)
{
	struct tm	 tm;
	int		 year, mon, day, hour, min, sec, n = 0, frac = 0;
	int		 digits = 0, sign, oh, om;
	time_t		 t;
	const char	*p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day, &hour,
	    &min, &sec, &n) != 6 || n != 19)
		return -1;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 ||
	    min > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	if (strcmp(p, "Z") == 0)
		sign = 0, oh = 0, om = 0;
	else if ((*p == '+' || *p == '-') &&
	    (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 &&
	    p[6] == '\0') && oh <= 23 && om <= 59)
		sign = *p == '+' ? 1 : -1;
	else
		return -1;
	t -= (time_t)sign * (oh * 3600 + om * 60);
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}

/*
 * The real DurationParser: the value trimmed of white space, then the
 * first unit suffix that matches (ms, s, m, h) and a number before it
 * as Swift's Double(String) reads one; no unit means seconds.
 */
int
shim_imsg_parse_duration(const char *s, double *ms)
{
	static const struct {
		const char	*suffix;
		double		 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }
	};
	char	*number, *end;
	size_t	 len, n, i;
	double	 mult = 1000, v;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = strlen(units[i].suffix);
		if (len >= n && memcmp(s + len - n, units[i].suffix, n) == 0) {
			len -= n;
			mult = units[i].ms;
			break;
		}
	}
	/* Swift takes no white space inside: "250 ms" is not a number. */
	if (len == 0 || isspace((unsigned char)s[0]))
		return -1;
	number = xcalloc(len + 1, 1);
	memcpy(number, s, len);
	v = strtod(number, &end);
	n = (size_t)(end - number);
	free(number);
	if (n != len)
		return -1;
	*ms = v * mult;
	return 0;
}

int
shim_imsg_watch_allows(const struct shim_imsg_args *a, json_t *m)
{
	json_t		*v;
	const char	*sender;
	int64_t		 t, bound;
	size_t		 i;

	if (!json_is_object(m))
		return 0;
	if (a->has_chat_id) {
		v = json_object_get(m, "chat_id");
		if (!json_is_integer(v) || json_integer_value(v) != a->chat_id)
			return 0;
	}
	/* The real watch reads reaction rows only when asked to. */
	if (!a->reactions && json_is_true(json_object_get(m, "is_reaction")))
		return 0;
	if (a->start != NULL || a->end != NULL) {
		v = json_object_get(m, "created_at");
		if (!json_is_string(v) ||
		    shim_imsg_parse_iso(json_string_value(v), &t) == -1)
			return 0;
		if (a->start != NULL &&
		    (shim_imsg_parse_iso(a->start, &bound) == -1 || t < bound))
			return 0;
		if (a->end != NULL &&
		    (shim_imsg_parse_iso(a->end, &bound) == -1 || t >= bound))
			return 0;
	}
	if (a->nparticipants > 0) {
		v = json_object_get(m, "sender");
		if (!json_is_string(v))
			return 0;
		sender = json_string_value(v);
		for (i = 0; i < a->nparticipants; i++)
			if (strcasecmp(a->participants[i], sender) == 0)
				break;
		if (i == a->nparticipants)
			return 0;
	}
	return 1;
}

enum shim_imsg_action
shim_imsg_parse(int argc, char **argv, int flags, struct shim_imsg_args *args,
    char *msg, size_t msglen)
{
	const struct imsg_command	*c;
	const char			*a, *second = NULL;
	char				 name[64];
	enum opt_id			 id;
	int				 i, npath;
	size_t				 len;

	memset(args, 0, sizeof(*args));
	if (msglen > 0)
		msg[0] = '\0';

	/*
	 * CommandRouter.swift looks for these in the whole argv before
	 * anything is parsed (argv.contains): after "--", or as the value
	 * of an option, they still win.
	 */
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0)
			return SHIM_IMSG_VERSION;
	if (argc <= 1)
		return SHIM_IMSG_HELP;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") != 0 &&
		    strcmp(argv[i], "-h") != 0)
			continue;
		/* The help path: leading words, --help/-h skipped. */
		for (i = 0, npath = 0; i < argc; i++) {
			if (strcmp(argv[i], "--help") == 0 ||
			    strcmp(argv[i], "-h") == 0)
				continue;
			if (argv[i][0] == '-')
				break;
			if (++npath == 2)
				second = argv[i];
		}
		if (second != NULL && (c = find_command(second)) != NULL &&
		    c->opts != NULL)
			args->help_cmd = c->name;
		return SHIM_IMSG_HELP;
	}

	args->cmd_name = argv[1];
	if (argv[1][0] == '-') {
		(void)snprintf(msg, msglen,
		    "Command 'imsg' requires a subcommand");
		return SHIM_IMSG_ERROR_HELP;
	}
	if ((c = find_command(argv[1])) == NULL) {
		(void)snprintf(msg, msglen,
		    "Unknown subcommand '%s' for command 'imsg'", argv[1]);
		return SHIM_IMSG_ERROR;
	}
	if (c->cmd == SHIM_IMSG_BRIDGE) {
		/* Its options do not matter: only how to answer. */
		args->cmd = SHIM_IMSG_BRIDGE;
		for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
			if (strcmp(argv[i], "--json") == 0 ||
			    strcmp(argv[i], "-j") == 0)
				args->json = 1;
		return SHIM_IMSG_RUN;
	}
	if (c->cmd == SHIM_IMSG_NONE)
		return SHIM_IMSG_UNAVAILABLE;
	args->cmd = c->cmd;

	for (i = 2; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			break;		/* the rest is positional */
		if (is_argument(a))
			continue;	/* positional: the commands take none */
		if (a[1] != '-' && utf8_chars(a + 1) > 1) {
			/* A pack of short flags: -jv. */
			for (a++; *a != '\0'; a += len) {
				for (len = 1; (a[len] & 0xc0) == 0x80; len++)
					;
				if (len >= sizeof(name))
					len = sizeof(name) - 1;
				memcpy(name, a, len);
				name[len] = '\0';
				id = lookup_opt(c, flags, name);
				if (id == OPT_NONE ||
				    opt_defs[id].kind != KIND_FLAG) {
					(void)snprintf(msg, msglen,
					    "Unknown option -%s", name);
					shim_imsg_args_free(args);
					return SHIM_IMSG_ERROR;
				}
				set_value(args, id, NULL);
			}
			continue;
		}
		a += a[1] == '-' ? 2 : 1;
		id = lookup_opt(c, flags, a);
		if (id == OPT_NONE) {
			(void)snprintf(msg, msglen, "Unknown option --%s", a);
			shim_imsg_args_free(args);
			return SHIM_IMSG_ERROR;
		}
		switch (opt_defs[id].kind) {
		case KIND_FLAG:
			set_value(args, id, NULL);
			break;
		case KIND_VALUE:
			if (i + 1 >= argc || !is_argument(argv[i + 1]) ||
			    strcmp(argv[i + 1], "--") == 0) {
				(void)snprintf(msg, msglen,
				    "Missing value for option %s", a);
				shim_imsg_args_free(args);
				return SHIM_IMSG_ERROR;
			}
			set_value(args, id, argv[++i]);
			break;
		case KIND_VALUES:
			while (i + 1 < argc && is_argument(argv[i + 1]))
				set_value(args, id, argv[++i]);
			break;
		}
	}
	return SHIM_IMSG_RUN;
}

void
shim_imsg_args_free(struct shim_imsg_args *args)
{
	size_t	i;

	for (i = 0; i < args->nparticipants; i++)
		free(args->participants[i]);
	free(args->participants);
	args->participants = NULL;
	args->nparticipants = 0;
}

void
shim_imsg_print_help(FILE *out, const char *cmd, const char *version)
{
	const struct imsg_command	*c = NULL;
	const struct cmd_opt		*o;
	const char *const		*ex;
	const char			*sep;
	size_t				 i;

	if (cmd != NULL)
		c = find_command(cmd);
	if (c == NULL || c->opts == NULL) {
		(void)fprintf(out, "imsg %s\n", version);
		(void)fprintf(out,
		    "Send and read iMessage / SMS from the terminal\n\n");
		(void)fprintf(out, "Usage:\n  imsg <command> [options]\n\n");
		(void)fprintf(out, "Commands:\n");
		for (i = 0; i < NCOMMANDS; i++)
			(void)fprintf(out, "  %s\t%s\n", commands[i].name,
			    commands[i].abstract);
		(void)fprintf(out,
		    "\nRun 'imsg <command> --help' for details.\n");
		return;
	}

	(void)fprintf(out, "imsg %s\n%s\n", c->name, c->abstract);
	if (c->discussion != NULL)
		(void)fprintf(out, "\n%s\n", c->discussion);
	(void)fprintf(out, "\nUsage:\n  imsg %s [options]\n\n", c->name);
	(void)fprintf(out, "Options:\n");
	/* Options with values first, then flags, as Commander does. */
	for (o = c->opts; o->id != OPT_NONE; o++) {
		if (opt_defs[o->id].kind == KIND_FLAG)
			continue;
		(void)fprintf(out, "  ");
		for (i = 0, sep = ""; opt_defs[o->id].names[i] != NULL;
		    i++, sep = ", ")
			(void)fprintf(out, "%s%s%s", sep,
			    strlen(opt_defs[o->id].names[i]) == 1 ? "-" : "--",
			    opt_defs[o->id].names[i]);
		(void)fprintf(out, " <value>\t%s\n", o->help);
	}
	for (o = c->opts; o->id != OPT_NONE; o++) {
		if (opt_defs[o->id].kind != KIND_FLAG)
			continue;
		(void)fprintf(out, "  ");
		for (i = 0, sep = ""; opt_defs[o->id].names[i] != NULL;
		    i++, sep = ", ")
			(void)fprintf(out, "%s%s%s", sep,
			    strlen(opt_defs[o->id].names[i]) == 1 ? "-" : "--",
			    opt_defs[o->id].names[i]);
		(void)fprintf(out, "\t%s\n", o->help);
	}
	(void)fprintf(out, "\n");
	if (c->examples != NULL && c->examples[0] != NULL) {
		(void)fprintf(out, "Examples:\n");
		for (ex = c->examples; *ex != NULL; ex++)
			(void)fprintf(out, "  %s\n", *ex);
	}
}

int
imsg_nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

int
imsg_set_string(json_t *obj, const char *key, const char *value)
{
	json_t	*v;

	if ((v = shim_json_string(value)) == NULL)
		return -1;
	return json_object_set_new(obj, key, v);
}
