/*
 * The imsg shim: the real imsg command line (its Commander parser, its
 * messages and output formats) backed by the gateway instead of the
 * Messages database.  Parsing, request building, filtering and
 * rendering are separate functions so the unit tests and the simulated
 * imsg (sim/imsg-sim.c) use exactly the same code.  watch is an inbox
 * subscription: the gateway pushes each message the watcher published
 * and policy let through, and the shim prints it as the real watch does.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "shim.h"
#include "util.h"

#define IMSG_CHANNEL		"imsg"
#define GATEWAY_LIMIT_MAX	1000	/* doc/protocol.md: limit 1..1000 */
#define DEBOUNCE_DEFAULT	"250ms"	/* the real watch's default */

enum opt_id {
	OPT_NONE = 0,
	OPT_DB,
	OPT_LOG_LEVEL,
	OPT_TO,
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
	OPT_HANDLE,
	OPT_MESSAGE_GUID,
	OPT_REACTION,
	OPT_QUERY,
	OPT_MATCH,
	FLAG_ATTACHMENTS,
	FLAG_REACTIONS,
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
	[OPT_HANDLE] =		{ KIND_VALUE, { "handle" } },
	[OPT_MESSAGE_GUID] =	{ KIND_VALUE, { "message-guid" } },
	[OPT_REACTION] =	{ KIND_VALUE, { "reaction", "r" } },
	[OPT_QUERY] =		{ KIND_VALUE, { "query" } },
	[OPT_MATCH] =		{ KIND_VALUE, { "match" } },
	[FLAG_ATTACHMENTS] =	{ KIND_FLAG, { "attachments" } },
	[FLAG_REACTIONS] =	{ KIND_FLAG, { "reactions" } },
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
	{ FLAG_REACTIONS,
	    "include reaction events (tapback add/remove) in the stream" },
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
	{ OPT_HANDLE, "Phone number, email, or chat identifier" },
	{ OPT_MESSAGE_GUID,
	    "Specific message GUID to mark as read (optional)" },
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
	    "question, or emoji" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const struct cmd_opt search_opts[] = {
	{ OPT_DB, HELP_DB },
	{ OPT_QUERY, "search query (required)" },
	{ OPT_MATCH, "exact|contains (default contains)" },
	{ OPT_LIMIT, "Number of messages to show" },
	{ OPT_LOG_LEVEL, HELP_LOG_LEVEL },
	{ FLAG_VERBOSE, HELP_VERBOSE },
	{ FLAG_JSON, HELP_JSON },
	{ OPT_NONE, NULL }
};

static const char *const group_examples[] = {
	"imsg group --chat-id 1",
	"imsg group --chat-id 1 --json",
	NULL
};

static const char *const react_examples[] = {
	"imsg react --chat-id 1 --reaction like",
	"imsg react --chat-id 1 -r love",
	"imsg react --chat-id 1 -r \xf0\x9f\x8e\x89",
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
	"imsg read --handle +14155551234",
	"imsg read --handle john@example.com",
	"imsg read --handle chat123456789",
	"imsg read --handle +14155551234 --message-guid ABC123-456-789",
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
	const struct cmd_opt	*opts;
	const char *const	*examples;
};

/* In the order the real root help lists them. */
static const struct imsg_command commands[] = {
	{ "chats", SHIM_IMSG_CHATS, "List recent conversations", NULL,
	    chats_opts, chats_examples },
	{ "group", SHIM_IMSG_GROUP,
	    "Show chat identity and participants for a chat id",
	    "Prints chat identifier, guid, display name, service, group flag, "
	    "and participants for a given chat rowid. Works for direct chats "
	    "too \xe2\x80\x94 is_group just reports false.", group_opts,
	    group_examples },
	{ "history", SHIM_IMSG_HISTORY, "Show recent messages for a chat",
	    NULL, history_opts, history_examples },
	{ "watch", SHIM_IMSG_WATCH, "Stream incoming messages", NULL,
	    watch_opts, watch_examples },
	{ "send", SHIM_IMSG_SEND, "Send a message (text and/or attachment)",
	    NULL, send_opts, send_examples },
	{ "react", SHIM_IMSG_REACT,
	    "Send a tapback reaction to the most recent message", NULL,
	    react_opts, react_examples },
	{ "read", SHIM_IMSG_READ,
	    "Mark messages as read and send read receipts",
	    "Mark all messages in a conversation as read. This clears the "
	    "unread\n"
	    "badge and sends read receipts to the sender if enabled in your\n"
	    "Messages settings.\n\n"
	    "Note: Requires advanced permissions (SIP disabled) for full "
	    "functionality.", read_opts, read_examples },
	{ "typing", SHIM_IMSG_TYPING, "Send typing indicator to a chat", NULL,
	    typing_opts, typing_examples },
	{ "status", SHIM_IMSG_STATUS,
	    "Check availability of imsg advanced features",
	    "Display the current status of imsg features and permissions.\n"
	    "Shows which advanced features (typing indicators, read "
	    "receipts) are\n"
	    "available and provides setup instructions if needed.",
	    status_opts, status_examples },
	{ "rpc", SHIM_IMSG_RPC, "Run JSON-RPC over stdin/stdout", NULL,
	    rpc_opts, rpc_examples },
	{ "search", SHIM_IMSG_SEARCH, "Search messages", NULL, search_opts,
	    search_examples },
};

/*
 * The IMCore bridge commands (status --json lists them when the bridge
 * is up): none maps onto the gateway, so each answers with the real
 * tool's failure shape.  Not in the root help, like a bridge that is
 * down.
 */
static const char *const bridge_commands[] = {
	"send-rich", "send-multipart", "send-attachment", "send-sticker",
	"tapback", "edit", "unsend", "delete-message", "notify-anyways",
	"chat-create", "chat-name", "chat-photo", "chat-add-member",
	"chat-remove-member", "chat-leave", "chat-delete", "chat-mark",
	"account", "whois", "nickname", "name-photo", "launch", NULL
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const struct imsg_command *find_command(const char *);
static int	 is_argument(const char *);
static size_t	 utf8_chars(const char *);
static enum opt_id lookup_opt(const struct imsg_command *, int, const char *);
static void	 add_participants(struct shim_imsg_args *, const char *);
static void	 set_value(struct shim_imsg_args *, enum opt_id, const char *);
static int	 nonempty(const char *);
static void	 swift_quote(const char *, char *, size_t);
static int	 set_string(json_t *, const char *, const char *);
static const char *get_string(json_t *, const char *);
static int	 get_bool(json_t *, const char *);
static void	 print_json_line(FILE *, json_t *);
static const char *basename_of(const char *);
static int	 strcmp_ptr(const void *, const void *);
static json_t	*watch_request(const struct shim_imsg_args *);
static int	 emit(FILE *, const char *, size_t);
static void	 say(FILE *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static int	 watch_print(FILE *, const struct shim_imsg_args *, json_t *);
static int	 watch_decode(const char *, size_t, json_int_t, json_t **,
		    char *, size_t);
static int	 run_watch(const struct shim_imsg_args *, json_t *,
		    const char *, const char *, int, FILE *, int *);
static int	 print_status_result(FILE *, json_t *, int);
static int	 print_typing_done(FILE *, const struct shim_imsg_args *);
static int	 print_read_result(FILE *, const struct shim_imsg_args *);
static int	 print_group(FILE *, const struct shim_imsg_args *, json_t *);
static int	 print_react(FILE *, const struct shim_imsg_args *);
static int	 typing_wait_stop(const struct shim_imsg_args *, json_t *,
		    const char *, int, FILE *);

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
	case OPT_HANDLE:
		args->handle = value;
		break;
	case OPT_MESSAGE_GUID:
		args->message_guid = value;
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
	case FLAG_ATTACHMENTS:
		args->attachments = 1;
		break;
	case FLAG_REACTIONS:
		args->reactions = 1;
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

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0)
			return SHIM_IMSG_VERSION;
	if (argc <= 1)
		return SHIM_IMSG_HELP;
	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
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
		    c->cmd != SHIM_IMSG_NONE)
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
		for (i = 0; bridge_commands[i] != NULL; i++)
			if (strcmp(bridge_commands[i], argv[1]) == 0)
				break;
		if (bridge_commands[i] == NULL) {
			(void)snprintf(msg, msglen,
			    "Unknown subcommand '%s' for command 'imsg'",
			    argv[1]);
			return SHIM_IMSG_ERROR;
		}
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

static int
nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

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

static int
set_string(json_t *obj, const char *key, const char *value)
{
	json_t	*v;

	if ((v = shim_json_string(value)) == NULL)
		return -1;
	return json_object_set_new(obj, key, v);
}

/* One target: "to" wins, then a chat id, then identifier, then guid. */
static int
set_target(json_t *p, const struct shim_imsg_args *a)
{
	if (nonempty(a->to))
		return set_string(p, "to", a->to);
	if (a->has_chat_id)
		return json_object_set_new(p, "chat_id",
		    json_integer(a->chat_id));
	if (nonempty(a->chat_identifier))
		return set_string(p, "chat_identifier", a->chat_identifier);
	return set_string(p, "chat_guid", a->chat_guid);
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
		has_target = a->has_chat_id || nonempty(a->chat_identifier) ||
		    nonempty(a->chat_guid);
		if (has_target && nonempty(a->to)) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --to");
			return NULL;
		}
		if (!has_target && !nonempty(a->to)) {
			(void)snprintf(msg, msglen,
			    "Missing required option: --to");
			return NULL;
		}
		if (!nonempty(a->text) && !nonempty(a->file)) {
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
		has_target = a->has_chat_id || nonempty(a->chat_identifier) ||
		    nonempty(a->chat_guid);
		if (a->stop != NULL && strcmp(a->stop, "true") != 0 &&
		    strcmp(a->stop, "false") != 0) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --stop");
			return NULL;
		}
		if (has_target && nonempty(a->to)) {
			(void)snprintf(msg, msglen,
			    "Invalid value for option: --to");
			return NULL;
		}
		if (!has_target && !nonempty(a->to)) {
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
		    nonempty(a->duration) &&
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
		if (!nonempty(a->query)) {
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
	    set_string(p, "channel", IMSG_CHANNEL) == -1)
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
		if (nonempty(a->text))
			rc |= set_string(p, "text", a->text);
		if (a->service != NULL)
			rc |= set_string(p, "service", a->service);
		if (nonempty(a->region))
			rc |= set_string(p, "region", a->region);
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
		if (a->service != NULL && nonempty(a->to))
			rc |= set_string(p, "service", a->service);
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
		rc |= set_string(p, "reaction", a->reaction);
		break;
	case SHIM_IMSG_SEARCH:
		*method = "messages.search";
		rc |= set_string(p, "query", a->query);
		if (a->match != NULL)
			rc |= set_string(p, "match", a->match);
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
			rc |= set_string(p, "chat_identifier", a->handle);
		else
			rc |= set_string(p, "to", a->handle);
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
			rc |= set_string(p, "start", a->start);
		if (a->end != NULL)
			rc |= set_string(p, "end", a->end);
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
		if (*(s = get_string(tool, "helper_version")) != '\0')
			(void)fprintf(out, "  helper dylib version: %s\n", s);
		if (*(s = get_string(tool, "helper_version_mismatch")) != '\0')
			(void)fprintf(out, "\n  WARNING: %s\n", s);
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
		    "send-attachment%s, tapback\n",
		    json_is_object(selectors) &&
		    get_bool(selectors, "stickerSend") ? ", send-sticker" : "");
		(void)fprintf(out, "  Mutate: imsg edit, unsend, "
		    "delete-message, notify-anyways\n");
		(void)fprintf(out, "  Chat: imsg chat-create, chat-name, "
		    "chat-photo, chat-add/remove-member, chat-leave/delete, "
		    "chat-mark\n");
		(void)fprintf(out, "  Introspect: imsg account, whois, "
		    "nickname\n");
		(void)fprintf(out, "  Name & Photo: imsg name-photo "
		    "status|share\n");
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
	case SHIM_IMSG_STATUS:
		return print_status_result(out, json_object_get(result, "tool"),
		    args->json);
	case SHIM_IMSG_TYPING:
		if (args->stop != NULL && strcmp(args->stop, "true") == 0)
			(void)fprintf(out, "%s\n", args->json ?
			    "{\"status\":\"stopped\"}" :
			    "typing indicator stopped");
		else if (nonempty(args->duration))
			return print_typing_done(out, args);
		else
			(void)fprintf(out, "%s\n", args->json ?
			    "{\"status\":\"started\"}" :
			    "typing indicator started");
		return 0;
	case SHIM_IMSG_READ:
		return print_read_result(out, args);
	case SHIM_IMSG_GROUP:
		return print_group(out, args, json_object_get(result,
		    "chats"));
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

int
shim_imsg_reaction(const char *s, const char **type, const char **emoji)
{
	static const struct {
		const char	*name;
		const char	*emoji;
	} named[] = {
		{ "love", "\xe2\x9d\xa4\xef\xb8\x8f" },
		{ "like", "\xf0\x9f\x91\x8d" },
		{ "dislike", "\xf0\x9f\x91\x8e" },
		{ "laugh", "\xf0\x9f\x98\x82" },
		{ "emphasis", "\xe2\x80\xbc\xef\xb8\x8f" },
		{ "question", "\xe2\x9d\x93" },
	};
	const unsigned char	*u;
	size_t			 i, len;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strcasecmp(s, named[i].name) == 0) {
			if (type != NULL)
				*type = named[i].name;
			if (emoji != NULL)
				*emoji = named[i].emoji;
			return 0;
		}
	/*
	 * One emoji: a short run of non-ASCII characters (a base with its
	 * variation selectors, skin tones or joiners), nothing else.
	 */
	len = strlen(s);
	if (len == 0 || len > 28 || !util_utf8_valid(s, len))
		return -1;
	for (u = (const unsigned char *)s; *u != '\0'; u++)
		if (*u < 0x80)
			return -1;
	if ((unsigned char)s[0] < 0xe2)
		return -1;	/* letters, not pictographs */
	if (type != NULL)
		*type = "custom";
	if (emoji != NULL)
		*emoji = s;
	return 0;
}

/* group: the chat the gateway let us see, as the real command prints it. */
static int
print_group(FILE *out, const struct shim_imsg_args *args, json_t *chats)
{
	json_t		*chat, *found = NULL, *o, *parts, *p, *v;
	const char	*ident, *guid;
	size_t		 i;
	int		 is_group;

	if (!json_is_array(chats))
		return -1;
	json_array_foreach(chats, i, chat) {
		v = json_object_get(chat, "id");
		if (json_is_integer(v) &&
		    json_integer_value(v) == args->chat_id)
			found = chat;
	}
	if (found == NULL) {
		(void)fprintf(out, "invalidChatTarget(\"Unknown chat id "
		    "%lld\")\n", (long long)args->chat_id);
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
		print_json_line(out, o);
		json_decref(o);
		return 0;
	}
	(void)fprintf(out, "id: %lld\nidentifier: %s\nguid: %s\nname: %s\n"
	    "service: %s\nis_group: %s\n", (long long)args->chat_id, ident,
	    guid, get_string(found, "name"), get_string(found, "service"),
	    is_group ? "true" : "false");
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
 * status through the shim: the tool's report, except that rpc_methods
 * lists what this shim's imsg rpc answers (what a client may call).
 */
static int
print_status_result(FILE *out, json_t *tool, int json)
{
	json_t	*copy, *list;
	size_t	 i;
	int	 rc;

	if (!json_is_object(tool))
		return -1;
	if ((copy = json_copy(tool)) == NULL || (list = json_array()) == NULL) {
		json_decref(copy);
		return -1;
	}
	for (i = 0; shim_imsg_rpc_methods[i] != NULL; i++)
		(void)json_array_append_new(list,
		    json_string(shim_imsg_rpc_methods[i]));
	(void)json_object_set_new(copy, "rpc_methods", list);
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

/* read: the real command's report, with the time it was done. */
static int
print_read_result(FILE *out, const struct shim_imsg_args *args)
{
	json_t		*o;
	char		 when[32];
	time_t		 now = time(NULL);
	struct tm	 tm;

	if (!args->json) {
		(void)fprintf(out, "\xe2\x9c\x93 Marked messages as read "
		    "for %s\n", args->handle);
		if (args->message_guid != NULL)
			(void)fprintf(out, "  (Entire conversation marked, "
			    "not just specific message)\n");
		return 0;
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	if ((o = json_object()) == NULL)
		return -1;
	if (json_object_set_new(o, "success", json_true()) == -1 ||
	    set_string(o, "handle", args->handle) == -1 ||
	    json_object_set_new(o, "marked_as_read", json_true()) == -1 ||
	    json_object_set_new(o, "timestamp", json_string(when)) == -1 ||
	    (args->message_guid != NULL &&
	    set_string(o, "message_guid", args->message_guid) == -1)) {
		json_decref(o);
		return -1;
	}
	print_json_line(out, o);
	json_decref(o);
	return 0;
}

/*
 * Write a whole block at once: one write(2) when out has a descriptor,
 * so a reader never sees half a message, and nothing waits in a buffer.
 * Returns 0, or -1 with errno set; EINTR only when a caught signal
 * stopped the write before its first byte.
 */
static int
emit(FILE *out, const char *buf, size_t len)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = fileno(out)) == -1) {
		if (fwrite(buf, 1, len, out) != len || fflush(out) == EOF)
			return -1;
		return 0;
	}
	if (fflush(out) == EOF)
		return -1;
	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n == -1) {
			/* A line begun is finished; one not begun is not. */
			if (errno == EINTR && (off > 0 ||
			    shim_caught_signal() == 0))
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* One line of our own (an error), written like a message. */
static void
say(FILE *out, const char *fmt, ...)
{
	char	line[SHIM_ERR_MAX + 128];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)emit(out, line, (size_t)n);
}

/* A message as watch prints it, in one write.  0, or -1 with errno. */
static int
watch_print(FILE *out, const struct shim_imsg_args *args, json_t *message)
{
	FILE	*f;
	char	*text = NULL, *p;
	size_t	 len = 0;
	int	 r;

	if (args->json) {
		if ((text = json_dumps(message, JSON_COMPACT |
		    JSON_PRESERVE_ORDER)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		len = strlen(text);
		if ((p = realloc(text, len + 2)) == NULL) {
			free(text);
			errno = ENOMEM;
			return -1;
		}
		text = p;
		text[len++] = '\n';
		text[len] = '\0';
	} else {
		if ((f = open_memstream(&text, &len)) == NULL)
			return -1;
		(void)shim_imsg_print_message(f, message, 0,
		    args->attachments);
		if (fclose(f) != 0) {
			free(text);
			return -1;
		}
	}
	r = emit(out, text, len);
	free(text);
	return r;
}

/*
 * One line of the subscription.  Returns 1 with *message (a new
 * reference) for an inbox message of our subscription, 0 for a line to
 * pass over (another notification), or -1 with msg set when the
 * gateway reports an error or sends what is not JSON-RPC.
 */
static int
watch_decode(const char *line, size_t len, json_int_t subscription,
    json_t **message, char *msg, size_t msglen)
{
	json_error_t	 jerr;
	json_t		*v, *version, *error, *method, *params, *sub;
	json_t		*chan, *m, *code, *text;
	const char	*why = NULL;

	*message = NULL;
	if ((v = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		(void)snprintf(msg, msglen,
		    "imsg: malformed answer from the gateway: %s", jerr.text);
		return -1;
	}
	version = json_object_get(v, "jsonrpc");
	if (!json_is_object(v) || !json_is_string(version) ||
	    strcmp(json_string_value(version), "2.0") != 0) {
		why = "not a JSON-RPC 2.0 message";
		goto bad;
	}
	if ((error = json_object_get(v, "error")) != NULL) {
		code = json_object_get(error, "code");
		text = json_object_get(error, "message");
		if (!json_is_integer(code) || !json_is_string(text)) {
			why = "malformed error object";
			goto bad;
		}
		shim_error_text((int)json_integer_value(code),
		    json_string_value(text), json_object_get(error, "data"),
		    msg, msglen);
		json_decref(v);
		return -1;
	}
	method = json_object_get(v, "method");
	if (!json_is_string(method)) {
		why = "unexpected answer";
		goto bad;
	}
	if (strcmp(json_string_value(method), "inbox.message") != 0) {
		json_decref(v);
		return 0;
	}
	params = json_object_get(v, "params");
	sub = json_object_get(params, "subscription");
	chan = json_object_get(params, "channel");
	m = json_object_get(params, "message");
	if (!json_is_object(params) || !json_is_integer(sub) ||
	    !json_is_string(chan) || !json_is_object(m)) {
		why = "malformed inbox message";
		goto bad;
	}
	if (json_integer_value(sub) != subscription ||
	    strcmp(json_string_value(chan), IMSG_CHANNEL) != 0) {
		json_decref(v);
		return 0;
	}
	*message = json_incref(m);
	json_decref(v);
	return 1;

bad:
	(void)snprintf(msg, msglen, "imsg: malformed answer from the gateway: "
	    "%s", why);
	json_decref(v);
	return -1;
}

/*
 * Subscribe, then print what comes until the gateway closes (1), a
 * signal or a closed output ends the stream (0, *quiet set so the
 * caller does not count the closed output as a failure).
 */
static int
run_watch(const struct shim_imsg_args *args, json_t *params,
    const char *method, const char *socket_path, int timeout_ms, FILE *out,
    int *quiet)
{
	struct shim_conn	 conn;
	struct shim_reply	 reply;
	json_t			*sub, *message, *id;
	json_int_t		 subscription, last_id = 0;
	char			*line, err[SHIM_ERR_MAX];
	char			 text[SHIM_ERR_MAX + 64];
	size_t			 len;
	int			 rc = 1, r, have_last = 0;

	*quiet = 0;
	if (shim_connect(&conn, socket_path, timeout_ms, SHIM_MAX_ANSWER, err,
	    sizeof(err)) != SHIM_OK) {
		say(out, "imsg: %s", err);
		return 1;
	}
	if ((r = shim_send_request(&conn, method, params, -1, err,
	    sizeof(err))) != SHIM_OK ||
	    (r = shim_read_line(&conn, &line, &len, err, sizeof(err))) !=
	    SHIM_OK) {
		if (r == SHIM_E_CLOSED)
			(void)snprintf(err, sizeof(err), "the gateway at %s "
			    "closed the connection without answering",
			    socket_path);
		say(out, "imsg: %s", err);
		goto out;
	}
	if (shim_decode_answer(line, len, &reply, err, sizeof(err)) !=
	    SHIM_OK) {
		say(out, "imsg: %s", err);
		goto out;
	}
	if (reply.is_error) {
		shim_error_text(reply.code, reply.message, reply.data, text,
		    sizeof(text));
		say(out, "%s", text);
		shim_reply_free(&reply);
		goto out;
	}
	sub = json_object_get(reply.result, "subscription");
	if (!json_is_integer(sub)) {
		say(out, "imsg: malformed answer from the gateway");
		shim_reply_free(&reply);
		goto out;
	}
	subscription = json_integer_value(sub);
	shim_reply_free(&reply);
	if (args->has_since_rowid) {
		have_last = 1;
		last_id = args->since_rowid < 0 ? 0 : args->since_rowid;
	}
	if (args->verbose)
		(void)fprintf(stderr, "imsg: subscription %lld\n",
		    (long long)subscription);

	/* Subscribed: no deadline any more, but a signal ends the wait. */
	conn.deadline = 0;
	conn.cancel_fd = shim_catch_signals();
	for (;;) {
		r = shim_read_line(&conn, &line, &len, err, sizeof(err));
		if (r == SHIM_E_CANCELLED) {
			rc = 0;
			break;
		}
		if (r != SHIM_OK) {
			say(out, "imsg: %s", err);
			break;
		}
		r = watch_decode(line, len, subscription, &message, text,
		    sizeof(text));
		if (r == -1) {
			say(out, "%s", text);
			break;
		}
		if (r == 0)
			continue;
		/*
		 * The real watch never prints a rowid twice or goes back:
		 * a message published again (a watcher that restarted
		 * from an older position) is not news.
		 */
		id = json_object_get(message, "id");
		if (json_is_integer(id)) {
			if (have_last && json_integer_value(id) <= last_id) {
				json_decref(message);
				continue;
			}
			have_last = 1;
			last_id = json_integer_value(id);
		}
		if (shim_imsg_watch_allows(args, message))
			r = watch_print(out, args, message);
		else
			r = 0;
		json_decref(message);
		if (r == -1) {
			/* The reader left, or a signal came between lines. */
			if (errno == EPIPE || errno == EINTR)
				rc = 0;
			*quiet = errno == EPIPE;
			break;
		}
		if (shim_caught_signal() != 0) {
			rc = 0;
			break;
		}
	}
	shim_signals_restore();
out:
	shim_close(&conn);
	return rc;
}

/*
 * typing --duration: the indicator was started; wait, then stop it, as
 * the real command does.  Returns 0, or -1 with the error printed.
 */
static int
typing_wait_stop(const struct shim_imsg_args *args, json_t *params,
    const char *socket_path, int timeout_ms, FILE *out)
{
	struct shim_reply	 reply;
	struct timespec		 ts;
	double			 ms;
	char			 err[SHIM_ERR_MAX], text[SHIM_ERR_MAX];

	if (shim_imsg_parse_duration(args->duration, &ms) == -1)
		return -1;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1000000);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	if (json_object_set_new(params, "typing", json_false()) == -1) {
		(void)fprintf(out, "imsg: out of memory\n");
		return -1;
	}
	if (shim_call(socket_path, "typing", params, -1, timeout_ms,
	    SHIM_MAX_ANSWER, &reply, err, sizeof(err)) != SHIM_OK) {
		(void)fprintf(out, "imsg: %s\n", err);
		return -1;
	}
	if (reply.is_error) {
		shim_error_text(reply.code, reply.message, reply.data, text,
		    sizeof(text));
		(void)fprintf(out, "%s\n", text);
		shim_reply_free(&reply);
		return -1;
	}
	shim_reply_free(&reply);
	return 0;
}

static const char *
basename_of(const char *path)
{
	const char	*slash;

	slash = strrchr(path, '/');
	return slash == NULL ? path : slash + 1;
}

int
shim_imsg_run(int argc, char **argv, const char *socket_path, int timeout_ms,
    FILE *out)
{
	struct shim_imsg_args	 args;
	struct shim_reply	 reply;
	enum shim_imsg_action	 action;
	json_t			*params = NULL, *att;
	const char		*method, *version;
	char			 msg[SHIM_IMSG_MSG_MAX], err[SHIM_ERR_MAX];
	char			 text[SHIM_ERR_MAX];
	int			 fd = -1, rc = 1, quiet = 0, r;
	uint64_t		 t0;

	version = getenv("IMSG_VERSION");
	if (version == NULL || *version == '\0')
		version = SHIM_IMSG_TOOL_VERSION;

	action = shim_imsg_parse(argc, argv, 0, &args, msg, sizeof(msg));
	switch (action) {
	case SHIM_IMSG_VERSION:
		(void)fprintf(out, "%s\n", version);
		rc = 0;
		goto done;
	case SHIM_IMSG_HELP:
		shim_imsg_print_help(out, args.help_cmd, version);
		rc = 0;
		goto done;
	case SHIM_IMSG_ERROR:
		(void)fprintf(out, "%s\n", msg);
		goto done;
	case SHIM_IMSG_ERROR_HELP:
		(void)fprintf(out, "%s\n", msg);
		shim_imsg_print_help(out, NULL, version);
		goto done;
	case SHIM_IMSG_UNAVAILABLE:
		(void)fprintf(out,
		    "imsg: %s is not available through this gateway yet\n",
		    args.cmd_name);
		goto done;
	case SHIM_IMSG_RUN:
		break;
	}

	if (args.cmd == SHIM_IMSG_BRIDGE) {
		/* The real tool's answer when the bridge cannot do it. */
		if (args.json)
			(void)fprintf(out, "{\"success\":false,\"error\":"
			    "\"%s is not available through this gateway\"}\n",
			    args.cmd_name);
		else
			(void)fprintf(out, "Error: %s is not available "
			    "through this gateway\n", args.cmd_name);
		goto done;
	}
	if (args.cmd == SHIM_IMSG_RPC) {
		if (fflush(out) == EOF || fileno(out) == -1)
			goto done;
		rc = shim_imsg_rpc(STDIN_FILENO, fileno(out), socket_path,
		    timeout_ms, args.verbose);
		goto done;
	}
	if ((params = shim_imsg_build_request(&args, &method, msg,
	    sizeof(msg))) == NULL) {
		(void)fprintf(out, "%s\n", msg);
		goto done;
	}
	/* The file is opened here, as the caller; only its name travels. */
	if (args.cmd == SHIM_IMSG_SEND && nonempty(args.file)) {
		if ((fd = shim_open_attachment(args.file, err,
		    sizeof(err))) == -1) {
			(void)fprintf(out, "imsg: %s\n", err);
			goto done;
		}
		if ((att = json_object()) == NULL ||
		    json_object_set_new(params, "attachment", att) == -1 ||
		    set_string(att, "name", basename_of(args.file)) == -1) {
			(void)fprintf(out, "imsg: out of memory\n");
			goto done;
		}
	}

	if (args.verbose)
		(void)fprintf(stderr, "imsg: %s via %s\n", method, socket_path);
	if (args.cmd == SHIM_IMSG_WATCH) {
		rc = run_watch(&args, params, method, socket_path, timeout_ms,
		    out, &quiet);
		goto done;
	}
	t0 = util_mono_ms();
	if (shim_call(socket_path, method, params, fd, timeout_ms,
	    SHIM_MAX_ANSWER, &reply, err, sizeof(err)) != SHIM_OK) {
		(void)fprintf(out, "imsg: %s\n", err);
		goto done;
	}
	if (args.verbose)
		(void)fprintf(stderr, "imsg: answered in %llu ms\n",
		    (unsigned long long)(util_mono_ms() - t0));
	if (!reply.is_error && args.cmd == SHIM_IMSG_TYPING &&
	    nonempty(args.duration) &&
	    (args.stop == NULL || strcmp(args.stop, "true") != 0) &&
	    typing_wait_stop(&args, params, socket_path, timeout_ms, out) ==
	    -1) {
		shim_reply_free(&reply);
		goto done;
	}
	if (reply.is_error) {
		shim_error_text(reply.code, reply.message, reply.data, text,
		    sizeof(text));
		(void)fprintf(out, "%s\n", text);
	} else if ((r = shim_imsg_print_result(out, &args, reply.result)) ==
	    -1)
		(void)fprintf(out, "imsg: malformed answer from the gateway\n");
	else
		rc = r;
	shim_reply_free(&reply);

done:
	if (fd != -1)
		(void)close(fd);
	json_decref(params);
	shim_imsg_args_free(&args);
	if ((fflush(out) == EOF || ferror(out)) && !quiet)
		rc = 1;
	return rc;
}

int
shim_imsg_main(int argc, char **argv)
{
	/* A reader that goes away must not kill us mid-write. */
	(void)signal(SIGPIPE, SIG_IGN);
	return shim_imsg_run(argc, argv, shim_socket_path(), SHIM_TIMEOUT_MS,
	    stdout);
}
