/*
 * A simulated imsg for the tests and the sandbox demo, where the real
 * tool (macOS only) cannot run.  It follows the real tool, not the imsg
 * shim: its command line, its output and its errors are written here
 * from imsg's own source (steipete/imsg v0.9.0, commit
 * b85e701f2b0b564b75a1c58e0f59fef48e597c07, and the Commander parser it
 * builds with), so that a test comparing the shim with this program
 * catches a shim that prints something the real tool would not.  It
 * shares no code with the shims; it answers from fixture files instead
 * of the Messages database:
 *
 *   --db DIR		the data directory (IMSG_SIM_DB when absent)
 *   DIR/chats.json	array of chat objects, as `imsg chats --json`
 *   DIR/messages.json	array of message objects (with chat_id)
 *   DIR/spool/		one JSON record per successful send: what
 *			"reached the network"
 *   DIR/signals/	one JSON record per typing, read or react
 *   DIR/inbound.jsonl	what watch streams: one message object per line,
 *			as `imsg watch --json` prints them ("id" is the
 *			rowid); tests append to it while watch runs
 *
 * Fault knobs, files in DIR: sim-fail (send, CLI or rpc, prints its
 * contents on stderr and exits 1), sim-hang (sleep until killed),
 * sim-flood (write 64 MiB on stdout, exit 0), sim-pause (a send, CLI
 * or rpc, waits with DIR/paused/<pid> present until the knob is
 * removed: the tests read the running processes meanwhile), sim-slow
 * (every command first waits the number of milliseconds the file
 * holds, as a slow network would, then runs as usual).
 *
 * Simulated beyond the real tool: typing and read succeed although the
 * IMCore bridge is reported down (status), so that the gateway's typing
 * and read paths can be tested; the bridge commands fail as the real
 * ones do without the bridge, and send-attachment falls back to its
 * AppleScript send as the real one does (a .bridge-up knob beside the
 * program only changes what status --json reports).  rpc (JSON-RPC on
 * stdin and stdout) simulates send only, from the real server's source
 * (see cmd_rpc); launch and completions are not simulated.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "log.h"
#include "osdep.h"
#include "util.h"

#define SIM_VERSION	"0.9.2-sim"
#define FLOOD_BYTES	(64 * 1024 * 1024)
#define FAIL_MAX	(64 * 1024)
#define HEAD_BYTES	64

#define INBOUND_FILE	"inbound.jsonl"
#define WATCH_MAX_LINE	(1024 * 1024)	/* newline excluded */
#define WATCH_CHUNK	(64 * 1024)
#define WATCH_POLL_MS	10	/* no file watch: look this often */
#define WATCH_IDLE_MS	250	/* with one: notice a replaced file */

#define ERR_MAX		1024
#define MAX_VALUES	64	/* values kept per option */

/* ---- the command line: Commander's model ---------------------------- */

/*
 * An option or flag as Commander declares it (steipete/Commander,
 * Sources/Commander/CommandSignature.swift): a label, its long names
 * (primary first, then aliases), an optional one-letter name, and for
 * an option how it takes values.
 */
enum opt_kind {
	OPT_FLAG = 0,
	OPT_SINGLE,		/* .singleValue */
	OPT_UP_TO_NEXT		/* .upToNextOption */
};

struct opt_def {
	const char	*label;
	enum opt_kind	 kind;
	const char	*longs[4];	/* NULL-terminated */
	char		 short_name;	/* 0: none */
	const char	*help;
};

enum cmd_id {
	CMD_CHATS = 0, CMD_GROUP, CMD_HISTORY, CMD_WATCH, CMD_SEND,
	CMD_REACT, CMD_READ, CMD_TYPING, CMD_LAUNCH, CMD_STATUS, CMD_RPC,
	CMD_COMPLETIONS, CMD_SEARCH, CMD_SEND_ATTACHMENT, CMD_BRIDGE
};

struct cmd_def {
	const char		*name;
	enum cmd_id		 id;
	const char		*abstract;
	const char		*discussion;
	int			 db;		/* takes --db */
	const struct opt_def	*opts;		/* label NULL ends */
	const char		*examples[5];
};

/* CommandSignatures.baseOptions (Sources/imsg/CommandSignatures.swift). */
#define OPT_DB { "db", OPT_SINGLE, { "db", NULL }, 0, \
	"Path to chat.db (defaults to ~/Library/Messages/chat.db)" }

/* withStandardRuntimeFlags (Commander, CommandSignature.swift). */
static const struct opt_def runtime_opts[] = {
	{ "verbose", OPT_FLAG, { "verbose", NULL }, 'v',
	    "Enable verbose logging" },
	{ "jsonOutput", OPT_FLAG, { "json", "json-output", "jsonOutput",
	    NULL }, 'j', "Emit machine-readable JSON output" },
	{ "logLevel", OPT_SINGLE, { "log-level", "logLevel", NULL }, 0,
	    "Set log level (trace|verbose|debug|info|warning|error|critical)" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/ChatsCommand.swift */
static const struct opt_def chats_opts[] = {
	OPT_DB,
	{ "limit", OPT_SINGLE, { "limit", NULL }, 0,
	    "Number of chats to list" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/GroupCommand.swift */
static const struct opt_def group_opts[] = {
	OPT_DB,
	{ "chatID", OPT_SINGLE, { "chat-id", NULL }, 0,
	    "chat rowid from 'imsg chats'" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/HistoryCommand.swift */
static const struct opt_def history_opts[] = {
	OPT_DB,
	{ "chatID", OPT_SINGLE, { "chat-id", NULL }, 0,
	    "chat rowid from 'imsg chats'" },
	{ "limit", OPT_SINGLE, { "limit", NULL }, 0,
	    "Number of messages to show" },
	{ "participants", OPT_UP_TO_NEXT, { "participants", NULL }, 0,
	    "filter by participant handles" },
	{ "start", OPT_SINGLE, { "start", NULL }, 0,
	    "ISO8601 start (inclusive)" },
	{ "end", OPT_SINGLE, { "end", NULL }, 0, "ISO8601 end (exclusive)" },
	{ "attachments", OPT_FLAG, { "attachments", NULL }, 0,
	    "include attachment metadata" },
	{ "convertAttachments", OPT_FLAG, { "convert-attachments", NULL }, 0,
	    "convert CAF/GIF attachments to model-compatible cached files" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/WatchCommand.swift */
static const struct opt_def watch_opts[] = {
	OPT_DB,
	{ "chatID", OPT_SINGLE, { "chat-id", NULL }, 0,
	    "limit to chat rowid" },
	{ "debounce", OPT_SINGLE, { "debounce", NULL }, 0,
	    "debounce interval for filesystem events (e.g. 250ms)" },
	{ "sinceRowID", OPT_SINGLE, { "since-rowid", NULL }, 0,
	    "start watching after this rowid" },
	{ "participants", OPT_UP_TO_NEXT, { "participants", NULL }, 0,
	    "filter by participant handles" },
	{ "start", OPT_SINGLE, { "start", NULL }, 0,
	    "ISO8601 start (inclusive)" },
	{ "end", OPT_SINGLE, { "end", NULL }, 0, "ISO8601 end (exclusive)" },
	{ "attachments", OPT_FLAG, { "attachments", NULL }, 0,
	    "include attachment metadata" },
	{ "convertAttachments", OPT_FLAG, { "convert-attachments", NULL }, 0,
	    "convert CAF/GIF attachments to model-compatible cached files" },
	{ "reactions", OPT_FLAG, { "reactions", NULL }, 0,
	    "include reaction events (tapback add/remove) in the stream" },
	{ "bbEvents", OPT_FLAG, { "bb-events", NULL }, 0,
	    "include dylib-pushed events (typing, alias-removed) when "
	    "injection is active" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/SendCommand.swift */
static const struct opt_def send_opts[] = {
	OPT_DB,
	{ "to", OPT_SINGLE, { "to", NULL }, 0, "phone number or email" },
	{ "chatID", OPT_SINGLE, { "chat-id", NULL }, 0, "chat rowid" },
	{ "chatIdentifier", OPT_SINGLE, { "chat-identifier", NULL }, 0,
	    "chat identifier (e.g. iMessage;+;chat...)" },
	{ "chatGUID", OPT_SINGLE, { "chat-guid", NULL }, 0, "chat guid" },
	{ "text", OPT_SINGLE, { "text", NULL }, 0, "message body" },
	{ "file", OPT_SINGLE, { "file", NULL }, 0, "path to attachment" },
	{ "service", OPT_SINGLE, { "service", NULL }, 0,
	    "service to use: imessage|sms|auto" },
	{ "region", OPT_SINGLE, { "region", NULL }, 0,
	    "default region for phone normalization" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/ReactCommand.swift */
static const struct opt_def react_opts[] = {
	OPT_DB,
	{ "chatID", OPT_SINGLE, { "chat-id", NULL }, 0,
	    "chat rowid to react in" },
	{ "reaction", OPT_SINGLE, { "reaction", NULL }, 'r',
	    "reaction type: love, like, dislike, laugh, emphasis, question" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/ReadCommand.swift */
static const struct opt_def read_opts[] = {
	OPT_DB,
	{ "to", OPT_SINGLE, { "to", "handle", NULL }, 0,
	    "phone number or email" },
	{ "chatID", OPT_SINGLE, { "chat-id", NULL }, 0, "chat rowid" },
	{ "chatIdentifier", OPT_SINGLE, { "chat-identifier", NULL }, 0,
	    "chat identifier (e.g. iMessage;-;+14155551212)" },
	{ "chatGUID", OPT_SINGLE, { "chat-guid", NULL }, 0, "chat guid" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/TypingCommand.swift */
static const struct opt_def typing_opts[] = {
	OPT_DB,
	{ "to", OPT_SINGLE, { "to", NULL }, 0, "phone number or email" },
	{ "chatID", OPT_SINGLE, { "chat-id", NULL }, 0, "chat rowid" },
	{ "chatIdentifier", OPT_SINGLE, { "chat-identifier", NULL }, 0,
	    "chat identifier (e.g. iMessage;-;+14155551212)" },
	{ "chatGUID", OPT_SINGLE, { "chat-guid", NULL }, 0, "chat guid" },
	{ "duration", OPT_SINGLE, { "duration", NULL }, 0,
	    "how long to show typing (e.g. 5s, 3000ms); omit for start-only" },
	{ "stop", OPT_SINGLE, { "stop", NULL }, 0,
	    "stop typing indicator instead of starting" },
	{ "service", OPT_SINGLE, { "service", NULL }, 0,
	    "service to use: imessage|sms|auto" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/BridgeIntroCommands.swift (SearchCommand) */
static const struct opt_def search_opts[] = {
	OPT_DB,
	{ "query", OPT_SINGLE, { "query", NULL }, 0,
	    "search query (required)" },
	{ "match", OPT_SINGLE, { "match", NULL }, 0,
	    "exact|contains (default contains)" },
	{ "limit", OPT_SINGLE, { "limit", NULL }, 0,
	    "maximum results (default 50)" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* Sources/imsg/Commands/BridgeAttachmentCommand.swift */
static const struct opt_def send_attachment_opts[] = {
	OPT_DB,
	{ "chat", OPT_SINGLE, { "chat", NULL }, 0, "chat guid" },
	{ "file", OPT_SINGLE, { "file", NULL }, 0, "absolute path to file" },
	{ "replyTo", OPT_SINGLE, { "reply-to", NULL }, 0,
	    "guid of message to reply to" },
	{ "transport", OPT_SINGLE, { "transport", NULL }, 0,
	    "transport to use: auto|dylib|applescript" },
	{ "audio", OPT_FLAG, { "audio", NULL }, 0, "send as audio message" },
	{ NULL, 0, { NULL }, 0, NULL }
};

/* StatusCommand.swift: no --db; RpcCommand.swift: --db only. */
static const struct opt_def no_opts[] = {
	{ NULL, 0, { NULL }, 0, NULL }
};
static const struct opt_def db_opts[] = {
	OPT_DB,
	{ NULL, 0, { NULL }, 0, NULL }
};

/*
 * Every command, in the order of the router's spec list
 * (Sources/imsg/CommandRouter.swift), which is the order help lists
 * them in.  The commands this program does not simulate carry their
 * name and abstract only (opts NULL): their options are not checked.
 */
static const struct cmd_def commands[] = {
	{ "chats", CMD_CHATS, "List recent conversations", NULL, 1,
	    chats_opts, { "imsg chats --limit 5",
	    "imsg chats --limit 5 --json", NULL } },
	{ "group", CMD_GROUP,
	    "Show chat identity and participants for a chat id",
	    "Prints chat identifier, guid, display name, service, group "
	    "flag, and participants for a given chat rowid. Works for direct "
	    "chats too.", 1, group_opts, { "imsg group --chat-id 1",
	    "imsg group --chat-id 1 --json", NULL } },
	{ "history", CMD_HISTORY, "Show recent messages for a chat", NULL, 1,
	    history_opts, {
	    "imsg history --chat-id 1 --limit 10 --attachments",
	    "imsg history --chat-id 1 --start 2025-01-01T00:00:00Z --json",
	    NULL } },
	{ "watch", CMD_WATCH, "Stream incoming messages", NULL, 1,
	    watch_opts, {
	    "imsg watch --chat-id 1 --attachments --debounce 250ms",
	    "imsg watch --chat-id 1 --participants +15551234567", NULL } },
	{ "send", CMD_SEND, "Send a message (text and/or attachment)", NULL,
	    1, send_opts, {
	    "imsg send --to +14155551212 --text \"hi\"",
	    "imsg send --to +14155551212 --text \"hi\" --file "
	    "~/Desktop/pic.jpg --service imessage",
	    "imsg send --chat-id 1 --text \"hi\"", NULL } },
	{ "react", CMD_REACT,
	    "Send a tapback reaction to the most recent message",
	    "Sends a tapback reaction to the most recent incoming message in "
	    "the specified chat.\n\nIMPORTANT LIMITATIONS:\n- Only reacts to "
	    "the MOST RECENT incoming message in the conversation\n- Requires "
	    "Messages.app to be running\n- Uses UI automation (System Events) "
	    "which requires accessibility permissions\n\nReaction types:\n  "
	    "love (\u2764\ufe0f), like (\U0001F44D), dislike (\U0001F44E), "
	    "laugh (\U0001F602), emphasis (\u203c\ufe0f), question "
	    "(\u2753)\n\nCustom emoji tapbacks can be read from history/watch "
	    "output, but cannot be\nsent reliably through Messages.app "
	    "AppleScript automation.", 1, react_opts, {
	    "imsg react --chat-id 1 --reaction like",
	    "imsg react --chat-id 1 -r love", NULL } },
	{ "read", CMD_READ, "Mark messages as read for a chat",
	    "Marks messages as read via IMCore advanced features.\nRequires "
	    "SIP disabled and Messages launched with `imsg launch`.", 1,
	    read_opts, { "imsg read --to +14155551212",
	    "imsg read --handle steipete@gmail.com",
	    "imsg read --chat-id 1",
	    "imsg read --chat-identifier \"iMessage;-;+14155551212\"",
	    NULL } },
	{ "typing", CMD_TYPING, "Send typing indicator to a chat",
	    "Sends typing indicators via IMCore advanced features.\nRequires "
	    "SIP disabled and Messages launched with `imsg launch`.", 1,
	    typing_opts, { "imsg typing --to +14155551212",
	    "imsg typing --to +14155551212 --duration 5s",
	    "imsg typing --to +14155551212 --stop true",
	    "imsg typing --chat-identifier \"iMessage;-;+14155551212\"",
	    NULL } },
	{ "launch", CMD_LAUNCH, "Launch Messages.app with dylib injection",
	    NULL, 0, NULL, { NULL } },
	{ "status", CMD_STATUS,
	    "Check availability of imsg advanced features",
	    "Display the current status of imsg features and permissions.\n"
	    "Shows which advanced features (typing indicators, read receipts) "
	    "are\navailable and provides setup instructions if needed.", 0,
	    no_opts, { "imsg status", "imsg status --json", NULL } },
	{ "rpc", CMD_RPC, "Run JSON-RPC over stdin/stdout", NULL, 1, db_opts,
	    { "imsg rpc", "imsg rpc --db ~/Library/Messages/chat.db",
	    NULL } },
	{ "completions", CMD_COMPLETIONS,
	    "Generate shell completions or LLM context", NULL, 0, NULL,
	    { NULL } },
	{ "send-rich", CMD_BRIDGE, "Send a message via the IMCore bridge "
	    "(effects, replies, subjects)", NULL, 0, NULL, { NULL } },
	{ "send-multipart", CMD_BRIDGE, "Send a multi-part message", NULL, 0,
	    NULL, { NULL } },
	{ "send-attachment", CMD_SEND_ATTACHMENT,
	    "Send a file attachment via the IMCore bridge", NULL, 1,
	    send_attachment_opts, { "imsg send-attachment --chat "
	    "'iMessage;-;+15551234567' --file ~/Pictures/me.jpg", NULL } },
	{ "tapback", CMD_BRIDGE,
	    "Send a tapback reaction via the IMCore bridge", NULL, 0, NULL,
	    { NULL } },
	{ "edit", CMD_BRIDGE, "Edit a sent message", NULL, 0, NULL,
	    { NULL } },
	{ "unsend", CMD_BRIDGE, "Retract a sent message", NULL, 0, NULL,
	    { NULL } },
	{ "delete-message", CMD_BRIDGE,
	    "Delete a single message from a chat", NULL, 0, NULL, { NULL } },
	{ "notify-anyways", CMD_BRIDGE, "Force a notification for a message "
	    "that was filtered/suppressed", NULL, 0, NULL, { NULL } },
	{ "chat-create", CMD_BRIDGE, "Create a new chat (1:1 or group)", NULL,
	    0, NULL, { NULL } },
	{ "chat-name", CMD_BRIDGE, "Set a chat's display name", NULL, 0, NULL,
	    { NULL } },
	{ "chat-photo", CMD_BRIDGE, "Set or clear a group chat photo", NULL,
	    0, NULL, { NULL } },
	{ "chat-add-member", CMD_BRIDGE, "Add a participant to a group chat",
	    NULL, 0, NULL, { NULL } },
	{ "chat-remove-member", CMD_BRIDGE,
	    "Remove a participant from a group chat", NULL, 0, NULL,
	    { NULL } },
	{ "chat-leave", CMD_BRIDGE, "Leave a group chat", NULL, 0, NULL,
	    { NULL } },
	{ "chat-delete", CMD_BRIDGE, "Delete a chat from Messages.app", NULL,
	    0, NULL, { NULL } },
	{ "chat-mark", CMD_BRIDGE, "Mark a chat as read or unread", NULL, 0,
	    NULL, { NULL } },
	{ "search", CMD_SEARCH, "Search local Messages history",
	    "Searches the local chat.db, not the injected bridge. Use --match "
	    "exact\nfor case-insensitive exact text matches; the default is "
	    "contains.", 1, search_opts,
	    { "imsg search --query 'pizza tonight' --match contains",
	    NULL } },
	{ "account", CMD_BRIDGE,
	    "Show the active iMessage account, login, and aliases", NULL, 0,
	    NULL, { NULL } },
	{ "whois", CMD_BRIDGE, "Check whether a handle is reachable on "
	    "iMessage", NULL, 0, NULL, { NULL } },
	{ "nickname", CMD_BRIDGE,
	    "Show contact-card / nickname info for a handle", NULL, 0, NULL,
	    { NULL } },
	{ NULL, 0, NULL, NULL, 0, NULL, { NULL } }
};

/* What Commander hands the command: ParsedValues. */
struct parsed {
	const char	*label[MAX_VALUES];	/* option label per value */
	const char	*value[MAX_VALUES];
	size_t		 nvalues;
	const char	*flags[32];
	size_t		 nflags;
};

struct sim {
	int			 argc;
	char			**argv;
	const struct cmd_def	*cmd;
	struct parsed		 p;
	int			 json;
	const char		*dir;
};

/* watch: following DIR/inbound.jsonl. */
struct tail {
	struct sim	*s;
	char		 path[PATH_MAX];
	int		 fd;		/* -1 until the file exists */
	int		 wfd;		/* osdep_watch_file(), or -1 */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 pos;		/* bytes read from fd */
	char		*buf;		/* the unfinished line */
	size_t		 len;
	int		 skipping;	/* inside an over-long line */
	int		 scanning;	/* reading what was there first */
	int64_t		 cursor;	/* the last rowid passed */
	int		 closed;	/* stdout closed, or told to stop */
	/* the command's filters */
	int		 has_chat_id;
	int64_t		 chat_id;
	char		**participants;
	size_t		 nparticipants;
	int		 has_start, has_end;
	int64_t		 start, end;
	int		 reactions;
	int		 attachments;
};

/* A message filter: MessageFilter.swift (IMsgCore). */
struct filter {
	char		**participants;
	size_t		  nparticipants;
	int		  has_start, has_end;
	int64_t		  start, end;
};

/*
 * The chat target of send, typing and read
 * (Sources/imsg/ChatTargetResolver.swift).
 */
struct target {
	const char	*to;		/* "" when absent */
	int		 has_chat_id;
	int64_t		 chat_id;
	const char	*ident;		/* --chat-identifier, or "" */
	const char	*guid;		/* --chat-guid, or "" */
	char		 resolved_ident[512];
	char		 resolved_guid[512];
};

static volatile sig_atomic_t	 watch_stop;

static const struct cmd_def *find_command(const char *);
static const struct opt_def *find_long(const struct cmd_def *, const char *);
static const struct opt_def *find_short(const struct cmd_def *, char);
static int	 parse_command(const struct cmd_def *, int, char **,
		    struct parsed *, char *, size_t);
static const char *option(const struct parsed *, const char *);
static int	 flag(const struct parsed *, const char *);
static int	 option_int64(const struct parsed *, const char *, int64_t *);
static char	**option_list(const struct parsed *, const char *, size_t *);
static void	 free_list(char **, size_t);
static int	 swift_int64(const char *, int64_t *);
static int	 swift_double(const char *, double *);
static int	 parse_duration(const char *, double *);
static int	 parse_iso(const char *, int64_t *);
static void	 format_iso(int64_t, char *, size_t);
static int	 filter_from(const struct parsed *, struct filter *, char *,
		    size_t);
static int	 filter_allows(const struct filter *, json_t *);
static void	 filter_free(struct filter *);
static void	 print_root_help(void);
static void	 print_command_help(const struct cmd_def *);
static void	 print_help_for(int, char **);
static void	 print_json(json_t *, size_t);
static void	 print_message_text(FILE *, json_t *, int, int);
static const char *str_member(json_t *, const char *);
static json_t	*argv_string(const char *);
static int	 knob(const char *, const char *);
static void	 fault_knobs(const char *);
static json_t	*load_array(const char *, const char *);
static json_t	*find_chat(json_t *, int64_t);
static int64_t	 created_ms(json_t *);
static int	 newest_first(const void *, const void *);
static int	 by_last_message(const void *, const void *);
static int	 need_db(struct sim *);
static int	 cmd_chats(struct sim *);
static int	 cmd_history(struct sim *);
static int	 cmd_send(struct sim *);
static int	 cmd_status(struct sim *);
static int	 bridge_up(struct sim *);
static int	 cmd_send_attachment(struct sim *);
static int	 cmd_watch(struct sim *);
static int	 cmd_typing(struct sim *);
static int	 cmd_read(struct sim *);
static int	 cmd_react(struct sim *);
static int	 cmd_group(struct sim *);
static int	 cmd_search(struct sim *);
static int	 cmd_bridge(struct sim *);
static int	 cmd_rpc(struct sim *);
static void	 rpc_line(struct sim *, const char *, size_t, const char *);
static void	 rpc_send(struct sim *, json_t *, json_t *);
static void	 rpc_write(json_t *);
static void	 rpc_error(json_t *, int, const char *, const char *);
static void	 rpc_result(json_t *, json_t *);
static const char *rpc_string(json_t *, const char *, char *, size_t);
static int	 rpc_int64(json_t *, const char *, int64_t *);
static void	 sim_pause(struct sim *);
static int	 signal_record(struct sim *, json_t *);
static void	 on_watch_signal(int);
static int	 out_write(struct tail *, const char *, size_t);
static int	 tail_allows(struct tail *, json_t *);
static int	 tail_line(struct tail *, char *, size_t);
static int	 tail_too_long(struct tail *);
static int	 tail_lines(struct tail *);
static int	 tail_open(struct tail *);
static void	 tail_close(struct tail *);
static int	 tail_check(struct tail *);
static int	 record_in(struct sim *, const char *, json_t *);
static int	 record_file(json_t *, const char *, const char **);
static int	 contains_nocase(const char *, const char *);
static int64_t	 days_from_civil(int64_t, int, int);
static int	 digits(const char *, int, int *);
static int	 is_emoji(long);
static long	 next_code_point(const unsigned char **);
static const char *parse_reaction(const char *, const char **, int *);
static void	 print_opt_names(const struct opt_def *);
static json_t	*signal_new(struct sim *);
static void	 swift_double_text(double, char *, size_t);
static int	 target_check(struct sim *, struct target *);
static int	 target_has_chat(const struct target *);
static const char *target_preferred(const struct target *);
static void	 target_record(const struct target *, json_t *);
static int	 target_resolve(struct sim *, struct target *);

/* ---- command line --------------------------------------------------- */

static const struct cmd_def *
find_command(const char *name)
{
	const struct cmd_def	*c;

	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* An option or flag of the command (its own, then the runtime ones). */
static const struct opt_def *
find_long(const struct cmd_def *c, const char *name)
{
	const struct opt_def	*sets[2], *o;
	size_t			 i, j;

	sets[0] = c->opts;
	sets[1] = runtime_opts;
	for (i = 0; i < 2; i++)
		for (o = sets[i]; o != NULL && o->label != NULL; o++)
			for (j = 0; o->longs[j] != NULL; j++)
				if (strcmp(o->longs[j], name) == 0)
					return o;
	return NULL;
}

static const struct opt_def *
find_short(const struct cmd_def *c, char name)
{
	const struct opt_def	*sets[2], *o;
	size_t			 i;

	sets[0] = c->opts;
	sets[1] = runtime_opts;
	for (i = 0; i < 2; i++)
		for (o = sets[i]; o != NULL && o->label != NULL; o++)
			if (o->short_name != 0 && o->short_name == name)
				return o;
	return NULL;
}

/*
 * CommandParser.parse as imsg 0.9.0 builds it (Commander 0.2.2, the
 * release its `from: "0.2.1"` pin resolved to when it shipped;
 * Sources/Commander/Parser/Tokenizer.swift and CommandParser.swift of
 * that release).  The tokenizer: "--" makes the rest arguments; "--name"
 * is an option token (there is no --name=value: "--to=x" is an option
 * named "to=x"); "-x" is an option token named x; "-xyz" is three flag
 * tokens; anything else, including "-", is an argument.  An option
 * token names an option (whose value must be the next token, an
 * argument, else "Missing value for option NAME"), or a flag, else
 * "Unknown option --NAME" (a one-letter one too); a flag token must
 * name a flag ("Unknown option -x").  Arguments are kept and ignored:
 * Commander rejected stray ones only from 0.2.3 on.  Commands without
 * opts are not checked.  Returns 0, or -1 with the message in err.
 */
static int
parse_command(const struct cmd_def *c, int argc, char **argv,
    struct parsed *p, char *err, size_t errlen)
{
	const struct opt_def	*o;
	const char		*a, *name;
	char			 one[2];
	int			 i, terminated = 0;
	size_t			 k;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (terminated || a[0] != '-' || a[1] == '\0')
			continue;	/* an argument */
		if (strcmp(a, "--") == 0) {
			terminated = 1;
			continue;
		}
		if (a[1] == '-' || a[2] == '\0') {
			/* An option token: "--name" or "-x". */
			name = a[1] == '-' ? a + 2 : a + 1;
			o = a[1] == '-' ? find_long(c, name) :
			    find_short(c, name[0]);
			if (c->opts == NULL) {
				/* Not simulated: take a value if one follows. */
				if (i + 1 < argc && argv[i + 1][0] != '-')
					i++;
				continue;
			}
			if (o == NULL) {
				(void)snprintf(err, errlen,
				    "Unknown option --%s", name);
				return -1;
			}
			if (o->kind == OPT_FLAG) {
				if (p->nflags < sizeof(p->flags) /
				    sizeof(p->flags[0]))
					p->flags[p->nflags++] = o->label;
				continue;
			}
			if (o->kind == OPT_SINGLE) {
				if (i + 1 >= argc || (argv[i + 1][0] == '-' &&
				    argv[i + 1][1] != '\0')) {
					(void)snprintf(err, errlen, "Missing "
					    "value for option %s", name);
					return -1;
				}
				if (p->nvalues < MAX_VALUES) {
					p->label[p->nvalues] = o->label;
					p->value[p->nvalues++] = argv[i + 1];
				}
				i++;
				continue;
			}
			/* upToNextOption: every argument up to the next. */
			while (i + 1 < argc && (argv[i + 1][0] != '-' ||
			    argv[i + 1][1] == '\0')) {
				if (p->nvalues < MAX_VALUES) {
					p->label[p->nvalues] = o->label;
					p->value[p->nvalues++] = argv[i + 1];
				}
				i++;
			}
			continue;
		}
		/* A pack of one-letter flags. */
		for (k = 1; a[k] != '\0'; k++) {
			if (c->opts == NULL)
				continue;
			o = find_short(c, a[k]);
			if (o == NULL || o->kind != OPT_FLAG) {
				one[0] = a[k];
				one[1] = '\0';
				(void)snprintf(err, errlen, "Unknown option -%s",
				    one);
				return -1;
			}
			if (p->nflags < sizeof(p->flags) / sizeof(p->flags[0]))
				p->flags[p->nflags++] = o->label;
		}
	}
	return 0;
}

/* ParsedValues.option: the last value given. */
static const char *
option(const struct parsed *p, const char *label)
{
	size_t	i;

	for (i = p->nvalues; i > 0; i--)
		if (strcmp(p->label[i - 1], label) == 0)
			return p->value[i - 1];
	return NULL;
}

static int
flag(const struct parsed *p, const char *label)
{
	size_t	i;

	for (i = 0; i < p->nflags; i++)
		if (strcmp(p->flags[i], label) == 0)
			return 1;
	return 0;
}

/* optionInt64: absent or not a Swift Int64 both give 0 (nil). */
static int
option_int64(const struct parsed *p, const char *label, int64_t *out)
{
	const char	*v = option(p, label);

	return v != NULL && swift_int64(v, out) == 0;
}

/*
 * The --participants values, each split at commas, empty ones dropped
 * (HistoryCommand/WatchCommand).  Returns an allocated list (or NULL
 * when empty) and its length in *n.
 */
static char **
option_list(const struct parsed *p, const char *label, size_t *n)
{
	char		**list = NULL, *copy, *part, *save = NULL;
	size_t		  i;

	*n = 0;
	for (i = 0; i < p->nvalues; i++) {
		if (strcmp(p->label[i], label) != 0)
			continue;
		copy = xstrdup(p->value[i]);
		for (part = strtok_r(copy, ",", &save); part != NULL;
		    part = strtok_r(NULL, ",", &save)) {
			list = xreallocarray(list, *n + 1, sizeof(*list));
			list[(*n)++] = xstrdup(part);
		}
		free(copy);
	}
	return list;
}

static void
free_list(char **list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Swift's Int64(String): an optional sign, then decimal digits only. */
static int
swift_int64(const char *s, int64_t *out)
{
	const char	*d = s;
	int		 neg = 0;
	uint64_t	 v = 0, limit;

	if (*d == '+' || *d == '-')
		neg = *d++ == '-';
	if (*d == '\0')
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *d != '\0'; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		if (v > (limit - (uint64_t)(*d - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*d - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* Swift's Double(String): a decimal number, nothing around it. */
static int
swift_double(const char *s, double *out)
{
	char	*end;

	if (*s == '\0' || *s == ' ' || *s == '\t' || *s == '\n')
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	return 0;
}

/*
 * DurationParser.parse (Sources/imsg/DurationParser.swift): trimmed, a
 * number with the first matching suffix of ms, s, m, h (none:
 * seconds).  Seconds in *out, or -1.
 */
static int
parse_duration(const char *value, double *out)
{
	static const struct {
		const char	*suffix;
		double		 factor;
	} units[] = { { "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", 3600 } };
	char	 buf[128];
	size_t	 len, i, sl;
	double	 v;

	while (*value == ' ' || *value == '\t' || *value == '\n')
		value++;
	if (strlcpy(buf, value, sizeof(buf)) >= sizeof(buf))
		return -1;
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
	    buf[len - 1] == '\n'))
		buf[--len] = '\0';
	if (len == 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		sl = strlen(units[i].suffix);
		if (len >= sl && strcmp(buf + len - sl, units[i].suffix) == 0) {
			buf[len - sl] = '\0';
			if (swift_double(buf, &v) == -1)
				return -1;
			*out = v * units[i].factor;
			return 0;
		}
	}
	if (swift_double(buf, &v) == -1)
		return -1;
	*out = v;
	return 0;
}

static int
digits(const char *s, int n, int *out)
{
	int	i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to the given civil date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * ISO8601Parser.parse (Sources/IMsgCore/ISO8601.swift): internet date
 * time, with or without fractional seconds:
 * YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM).  Milliseconds since the
 * epoch in *ms, or -1.
 */
static int
parse_iso(const char *s, int64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int		 y, mo, d, h, mi, sec, oh, om, frac = 0, scale = 100;
	int64_t		 t, off = 0;
	const char	*p;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0)) || h > 23 || mi > 59 || sec > 59)
		return -1;
	p = s + 19;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		if (p[1] != '\0')
			return -1;
	} else if (*p == '+' || *p == '-') {
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || p[6] != '\0' || oh > 23 ||
		    om > 59)
			return -1;
		off = (int64_t)(oh * 60 + om) * 60000;
		if (*p == '-')
			off = -off;
	} else
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	*ms = t * 1000 + frac - off;
	return 0;
}

/*
 * CLIISO8601.format (Sources/imsg/OutputModels.swift): UTC with
 * milliseconds, 2026-05-16T15:24:36.123Z.
 */
static void
format_iso(int64_t ms, char *out, size_t outlen)
{
	time_t		secs;
	struct tm	tm;
	int64_t		rem;

	rem = ms % 1000;
	if (rem < 0)
		rem += 1000;
	secs = (time_t)((ms - rem) / 1000);
	if (gmtime_r(&secs, &tm) == NULL) {
		(void)strlcpy(out, "", outlen);
		return;
	}
	(void)snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)rem);
}

/*
 * MessageFilter.fromISO: the participants, and --start/--end, an
 * invalid one being "Invalid ISO8601 date: VALUE" (IMsgError, whose
 * description the router prints).  Returns 0, or -1 with err set.
 */
static int
filter_from(const struct parsed *p, struct filter *f, char *err,
    size_t errlen)
{
	const char	*v;

	memset(f, 0, sizeof(*f));
	f->participants = option_list(p, "participants", &f->nparticipants);
	if ((v = option(p, "start")) != NULL) {
		if (parse_iso(v, &f->start) == -1) {
			(void)snprintf(err, errlen, "Invalid ISO8601 date: %s",
			    v);
			return -1;
		}
		f->has_start = 1;
	}
	if ((v = option(p, "end")) != NULL) {
		if (parse_iso(v, &f->end) == -1) {
			(void)snprintf(err, errlen, "Invalid ISO8601 date: %s",
			    v);
			return -1;
		}
		f->has_end = 1;
	}
	return 0;
}

/* MessageFilter.allows: the date window, then the sender, any case. */
static int
filter_allows(const struct filter *f, json_t *m)
{
	const char	*sender;
	int64_t		 t;
	size_t		 i;

	t = created_ms(m);
	if (f->has_start && t < f->start)
		return 0;
	if (f->has_end && t >= f->end)
		return 0;
	if (f->nparticipants == 0)
		return 1;
	sender = str_member(m, "sender");
	for (i = 0; i < f->nparticipants; i++)
		if (strcasecmp(f->participants[i], sender) == 0)
			return 1;
	return 0;
}

static void
filter_free(struct filter *f)
{
	free_list(f->participants, f->nparticipants);
	f->participants = NULL;
	f->nparticipants = 0;
}

/* ---- output --------------------------------------------------------- */

/* HelpPrinter.renderRoot (Sources/imsg/HelpPrinter.swift). */
static void
print_root_help(void)
{
	const struct cmd_def	*c;

	(void)printf("imsg %s\n", SIM_VERSION);
	(void)printf("Send and read iMessage / SMS from the terminal\n\n");
	(void)printf("Usage:\n  imsg <command> [options]\n\nCommands:\n");
	for (c = commands; c->name != NULL; c++)
		(void)printf("  %s\t%s\n", c->name, c->abstract);
	(void)printf("\nRun 'imsg <command> --help' for details.\n");
}

static void
print_opt_names(const struct opt_def *o)
{
	size_t	i;
	int	first = 1;

	(void)printf("  ");
	for (i = 0; o->longs[i] != NULL; i++) {
		/* The primary long name, then a short one, then aliases. */
		(void)printf("%s--%s", first ? "" : ", ", o->longs[i]);
		first = 0;
		if (i == 0 && o->short_name != 0 && o->kind == OPT_FLAG &&
		    strcmp(o->label, "jsonOutput") == 0)
			(void)printf(", -%c", o->short_name);
	}
	if (o->short_name != 0 && strcmp(o->label, "jsonOutput") != 0)
		(void)printf(", -%c", o->short_name);
	(void)printf("%s\t%s\n", o->kind == OPT_FLAG ? "" : " <value>",
	    o->help != NULL ? o->help : "");
}

/*
 * HelpPrinter.renderCommand: options first (the command's, then
 * --log-level), then flags (the command's, then -v and --json), each
 * in declaration order.  The verbose flag's names are declared short
 * first (Commander: [.short("v"), .long("verbose")]).
 */
static void
print_command_help(const struct cmd_def *c)
{
	const struct opt_def	*sets[2], *o;
	size_t			 i, pass;

	(void)printf("imsg %s\n%s\n", c->name, c->abstract);
	if (c->discussion != NULL && *c->discussion != '\0')
		(void)printf("\n%s\n", c->discussion);
	(void)printf("\nUsage:\n  imsg %s [options]\n\nOptions:\n", c->name);
	sets[0] = c->opts != NULL ? c->opts : no_opts;
	sets[1] = runtime_opts;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < 2; i++)
			for (o = sets[i]; o->label != NULL; o++) {
				if ((pass == 0) != (o->kind != OPT_FLAG))
					continue;
				if (strcmp(o->label, "verbose") == 0)
					(void)printf("  -v, --verbose\t%s\n",
					    o->help);
				else
					print_opt_names(o);
			}
	(void)printf("\n");
	if (c->examples[0] != NULL) {
		(void)printf("Examples:\n");
		for (i = 0; c->examples[i] != NULL; i++)
			(void)printf("  %s\n", c->examples[i]);
	}
}

/*
 * CommandRouter.printHelp: the words before the first option (help
 * flags skipped) are the path; a known command gets its own help.
 */
static void
print_help_for(int argc, char **argv)
{
	const struct cmd_def	*c = NULL;
	int			 i, n = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			continue;
		if (argv[i][0] == '-')
			break;
		if (n++ == 1)
			c = find_command(argv[i]);
	}
	if (c != NULL)
		print_command_help(c);
	else
		print_root_help();
}

#define JSON_SLASHES	0x1	/* escape '/' as "\/" */

/*
 * One JSON line.  The real tool writes Encodable payloads with
 * JSONEncoder and outputFormatting [.withoutEscapingSlashes]
 * (Sources/imsg/StdoutWriter.swift, JSONLines.swift) and dictionary
 * payloads (history, watch, search messages; BridgeOutput) with
 * JSONSerialization and no options, which escapes '/'.  Both are compact
 * and leave non-ASCII characters as they are.  Members are printed in
 * the fixture's order.
 */
static void
print_json(json_t *v, size_t flags)
{
	char	*text;

	text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    ((flags & JSON_SLASHES) ? JSON_ESCAPE_SLASH : 0) | JSON_ENCODE_ANY);
	if (text == NULL)
		fatalx("out of memory");
	(void)printf("%s\n", text);
	free(text);
}

static const char *
str_member(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/*
 * A message as history, watch and search print it without --json
 * (HistoryCommand.swift, WatchCommand.swift): "<ISO> [sent|recv]
 * <sender>: <text>", the sender of a received message by its contact
 * name (the fixture's sender_name) when there is one.  watch prints a
 * reaction event as "<ISO> [recv] <sender> added <emoji> reaction to
 * <guid>".  A message with attachments gets one line per attachment
 * with attachments set ("  attachment: name=... mime=... missing=...
 * path=...", AttachmentDisplay.swift), else "  (N attachment(s))";
 * search prints no attachment lines (with_attachment_lines 0).
 */
static void
print_message_text(FILE *f, json_t *m, int attachments,
    int with_attachment_lines)
{
	json_t		*atts, *a;
	const char	*sender, *name, *emoji;
	char		 when[64];
	int64_t		 ms;
	size_t		 i, n;
	int		 mine;

	if (parse_iso(str_member(m, "created_at"), &ms) == 0)
		format_iso(ms, when, sizeof(when));
	else
		(void)strlcpy(when, str_member(m, "created_at"), sizeof(when));
	mine = json_is_true(json_object_get(m, "is_from_me"));
	sender = str_member(m, "sender");
	if (!mine && *str_member(m, "sender_name") != '\0')
		sender = str_member(m, "sender_name");
	emoji = json_string_value(json_object_get(m, "reaction_emoji"));
	if (json_is_true(json_object_get(m, "is_reaction")) && emoji != NULL) {
		(void)fprintf(f, "%s [%s] %s %s %s reaction to %s\n", when,
		    mine ? "sent" : "recv", sender,
		    json_is_false(json_object_get(m, "is_reaction_add")) ?
		    "removed" : "added", emoji,
		    *str_member(m, "reacted_to_guid") != '\0' ?
		    str_member(m, "reacted_to_guid") : "unknown");
		return;
	}
	(void)fprintf(f, "%s [%s] %s: %s\n", when, mine ? "sent" : "recv",
	    sender, str_member(m, "text"));
	atts = json_object_get(m, "attachments");
	n = json_array_size(atts);
	if (n == 0 || !with_attachment_lines)
		return;
	if (!attachments) {
		(void)fprintf(f, "  (%zu attachment%s)\n", n, n == 1 ? "" : "s");
		return;
	}
	json_array_foreach(atts, i, a) {
		name = str_member(a, "transfer_name");
		if (*name == '\0')
			name = str_member(a, "filename");
		if (*name == '\0')
			name = "(unknown)";
		(void)fprintf(f, "  attachment: name=%s mime=%s missing=%s "
		    "path=%s", name, str_member(a, "mime_type"),
		    json_is_true(json_object_get(a, "missing")) ? "true" :
		    "false", str_member(a, "original_path"));
		if (json_is_string(json_object_get(a, "converted_path")))
			(void)fprintf(f, " converted_mime=%s converted_path=%s",
			    str_member(a, "converted_mime_type"),
			    str_member(a, "converted_path"));
		(void)fputc('\n', f);
	}
}

/*
 * A JSON string from a command-line argument: bytes that are not UTF-8
 * become U+FFFD, as Swift's CommandLine.arguments decodes them.
 */
static json_t *
argv_string(const char *s)
{
	json_t		*v;
	char		*fixed;
	size_t		 len = strlen(s), i, o = 0, n;
	unsigned char	 c;

	if (util_utf8_valid(s, len))
		v = json_string(s);
	else {
		fixed = xcalloc(len * 3 + 1, 1);
		for (i = 0; i < len; i += n) {
			c = (unsigned char)s[i];
			n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
			    (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
			if (n == 0 || i + n > len ||
			    !util_utf8_valid(s + i, n)) {
				memcpy(fixed + o, "\xef\xbf\xbd", 3);
				o += 3;
				n = 1;
				continue;
			}
			memcpy(fixed + o, s + i, n);
			o += n;
		}
		v = json_stringn(fixed, o);
		free(fixed);
	}
	if (v == NULL)
		fatalx("out of memory");
	return v;
}

/* ---- data ----------------------------------------------------------- */

static int
knob(const char *dir, const char *name)
{
	char		path[PATH_MAX];
	struct stat	st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return 0;
	return stat(path, &st) == 0;
}

/* sim-slow: wait the milliseconds DIR/sim-slow holds (at most 60 s). */
static void
slow(const char *dir)
{
	char		 path[PATH_MAX], buf[32];
	struct timespec	 ts;
	const char	*err = NULL;
	long long	 ms;
	ssize_t		 n;
	int		 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/sim-slow", dir) >=
	    sizeof(path) || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	ms = strtonum(buf, 0, 60000, &err);
	if (err != NULL)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
fault_knobs(const char *dir)
{
	char	buf[65536];
	size_t	off;
	ssize_t	n;

	if (dir == NULL)
		return;
	slow(dir);
	if (knob(dir, "sim-hang"))
		for (;;)
			(void)pause();
	if (knob(dir, "sim-flood")) {
		memset(buf, 'x', sizeof(buf));
		buf[sizeof(buf) - 1] = '\n';
		for (off = 0; off < FLOOD_BYTES; off += (size_t)n) {
			n = write(STDOUT_FILENO, buf, sizeof(buf));
			if (n == -1 && errno == EINTR)
				n = 0;
			else if (n == -1)
				exit(1);
		}
		exit(0);
	}
}

/*
 * A fixture array; NULL after printing what the real tool prints when
 * it cannot open its database (SQLite's "unable to open database file").
 */
static json_t *
load_array(const char *dir, const char *name)
{
	char		 path[PATH_MAX];
	json_error_t	 jerr;
	json_t		*v;

	if (dir == NULL) {
		(void)printf("unable to open database file: no --db DIR\n");
		return NULL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		(void)printf("unable to open database file: %s/%s: %s\n", dir,
		    name, strerror(ENAMETOOLONG));
		return NULL;
	}
	v = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		(void)printf("unable to open database file: %s: %s\n", path,
		    jerr.text);
		return NULL;
	}
	if (!json_is_array(v)) {
		(void)printf("unable to open database file: %s: not an "
		    "array\n", path);
		json_decref(v);
		return NULL;
	}
	return v;
}

/* The chat with this rowid (borrowed from chats), or NULL. */
static json_t *
find_chat(json_t *chats, int64_t id)
{
	json_t	*chat;
	size_t	 i;

	json_array_foreach(chats, i, chat)
		if (json_is_integer(json_object_get(chat, "id")) &&
		    json_integer_value(json_object_get(chat, "id")) == id)
			return chat;
	return NULL;
}

static int64_t
created_ms(json_t *m)
{
	int64_t	ms;

	if (parse_iso(str_member(m, "created_at"), &ms) == -1)
		return 0;
	return ms;
}

/* The store's order: date descending, then rowid descending. */
static int
newest_first(const void *a, const void *b)
{
	json_t	*x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t	 tx, ty;

	tx = created_ms(x);
	ty = created_ms(y);
	if (tx != ty)
		return tx < ty ? 1 : -1;
	tx = json_integer_value(json_object_get(x, "id"));
	ty = json_integer_value(json_object_get(y, "id"));
	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

static int
by_last_message(const void *a, const void *b)
{
	json_t	*x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return strcmp(str_member(y, "last_message_at"),
	    str_member(x, "last_message_at"));
}

/* MessageStore(path:) comes first in every command that reads. */
static int
need_db(struct sim *s)
{
	struct stat	 st;
	const char	*why = NULL;

	if (s->dir == NULL) {
		(void)printf("unable to open database file: no --db DIR\n");
		return -1;
	}
	if (stat(s->dir, &st) == -1)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	if (why != NULL) {
		(void)printf("unable to open database file: %s: %s\n", s->dir,
		    why);
		return -1;
	}
	return 0;
}

/* ---- commands ------------------------------------------------------- */

/*
 * chats (Sources/imsg/Commands/ChatsCommand.swift): by last message,
 * newest first, --limit (default 20); JSON: the chat payload per line;
 * text: "[<id>] <name> (<identifier>) last=<ISO>", the name being the
 * contact name of a direct chat when there is one.
 */
static int
cmd_chats(struct sim *s)
{
	json_t		*chats, *chat, **sorted;
	const char	*name;
	int64_t		 limit = 20, ms;
	char		 when[64];
	size_t		 i, n;

	(void)option_int64(&s->p, "limit", &limit);
	if (need_db(s) == -1 ||
	    (chats = load_array(s->dir, "chats.json")) == NULL)
		return 1;
	n = json_array_size(chats);
	sorted = xcalloc(n + 1, sizeof(*sorted));
	json_array_foreach(chats, i, chat)
		sorted[i] = chat;
	qsort(sorted, n, sizeof(*sorted), by_last_message);
	for (i = 0; i < n && (limit < 0 || (int64_t)i < limit); i++) {
		chat = sorted[i];
		if (s->json) {
			print_json(chat, 0);
			continue;
		}
		name = str_member(chat, "name");
		if (!json_is_true(json_object_get(chat, "is_group")) &&
		    *str_member(chat, "contact_name") != '\0')
			name = str_member(chat, "contact_name");
		if (parse_iso(str_member(chat, "last_message_at"), &ms) == 0)
			format_iso(ms, when, sizeof(when));
		else
			(void)strlcpy(when, str_member(chat, "last_message_at"),
			    sizeof(when));
		(void)printf("[%lld] %s (%s) last=%s\n",
		    (long long)json_integer_value(json_object_get(chat, "id")),
		    name, str_member(chat, "identifier"), when);
	}
	free(sorted);
	json_decref(chats);
	return 0;
}

/*
 * history (Sources/imsg/Commands/HistoryCommand.swift): --chat-id is
 * required (a value that is no integer counts as absent), then the
 * filter, then the store; newest first, --limit (default 50).
 */
static int
cmd_history(struct sim *s)
{
	struct filter	 f;
	json_t		*all, *m, **picked;
	int64_t		 chat_id, limit = 50;
	char		 err[ERR_MAX];
	size_t		 i, n = 0;

	if (!option_int64(&s->p, "chatID", &chat_id)) {
		(void)printf("Missing required option: --chat-id\n");
		return 1;
	}
	(void)option_int64(&s->p, "limit", &limit);
	if (filter_from(&s->p, &f, err, sizeof(err)) == -1) {
		(void)printf("%s\n", err);
		filter_free(&f);
		return 1;
	}
	if (need_db(s) == -1 ||
	    (all = load_array(s->dir, "messages.json")) == NULL) {
		filter_free(&f);
		return 1;
	}
	picked = xcalloc(json_array_size(all) + 1, sizeof(*picked));
	json_array_foreach(all, i, m) {
		if (!json_is_integer(json_object_get(m, "chat_id")) ||
		    json_integer_value(json_object_get(m, "chat_id")) != chat_id)
			continue;
		if (json_is_true(json_object_get(m, "is_reaction")))
			continue;	/* tapbacks are not history rows */
		if (filter_allows(&f, m))
			picked[n++] = m;
	}
	qsort(picked, n, sizeof(*picked), newest_first);
	for (i = 0; i < n && (limit < 0 || (int64_t)i < limit); i++) {
		if (s->json)
			print_json(picked[i], JSON_SLASHES);
		else
			print_message_text(stdout, picked[i],
			    flag(&s->p, "attachments"), 1);
	}
	free(picked);
	json_decref(all);
	filter_free(&f);
	return 0;
}

/*
 * validateRecipientRequirements: --to and a chat selector together are
 * "Invalid value for option: --to"; neither is "Missing required
 * option: --to".  Returns 0, or 1 with the error printed.
 */
static int
target_check(struct sim *s, struct target *t)
{
	int	has_target;

	memset(t, 0, sizeof(*t));
	if ((t->to = option(&s->p, "to")) == NULL)
		t->to = "";
	t->has_chat_id = option_int64(&s->p, "chatID", &t->chat_id);
	if ((t->ident = option(&s->p, "chatIdentifier")) == NULL)
		t->ident = "";
	if ((t->guid = option(&s->p, "chatGUID")) == NULL)
		t->guid = "";
	has_target = t->has_chat_id || *t->ident != '\0' || *t->guid != '\0';
	if (has_target && *t->to != '\0') {
		(void)printf("Invalid value for option: --to\n");
		return 1;
	}
	if (!has_target && *t->to == '\0') {
		(void)printf("Missing required option: --to\n");
		return 1;
	}
	return 0;
}

/*
 * resolveChatTarget: a --chat-id is looked up in the store ("Invalid
 * chat target: Unknown chat id N") and gives the identifier and guid;
 * otherwise the given ones stand.  Returns 0, or 1 with the error
 * printed.
 */
static int
target_resolve(struct sim *s, struct target *t)
{
	json_t	*chats, *chat;

	(void)strlcpy(t->resolved_ident, t->ident, sizeof(t->resolved_ident));
	(void)strlcpy(t->resolved_guid, t->guid, sizeof(t->resolved_guid));
	if (!t->has_chat_id)
		return 0;
	if (need_db(s) == -1 ||
	    (chats = load_array(s->dir, "chats.json")) == NULL)
		return 1;
	if ((chat = find_chat(chats, t->chat_id)) == NULL) {
		(void)printf("Invalid chat target: Unknown chat id %lld\n",
		    (long long)t->chat_id);
		json_decref(chats);
		return 1;
	}
	(void)strlcpy(t->resolved_ident, str_member(chat, "identifier"),
	    sizeof(t->resolved_ident));
	(void)strlcpy(t->resolved_guid, str_member(chat, "guid"),
	    sizeof(t->resolved_guid));
	json_decref(chats);
	return 0;
}

/* ResolvedChatTarget.preferredIdentifier: the guid, else identifier. */
static const char *
target_preferred(const struct target *t)
{
	if (*t->resolved_guid != '\0')
		return t->resolved_guid;
	if (*t->resolved_ident != '\0')
		return t->resolved_ident;
	return NULL;
}

static int
target_has_chat(const struct target *t)
{
	return t->has_chat_id || *t->ident != '\0' || *t->guid != '\0';
}

/* The target as given, into a record. */
static void
target_record(const struct target *t, json_t *rec)
{
	if (*t->to != '\0')
		(void)json_object_set_new(rec, "to", argv_string(t->to));
	if (t->has_chat_id)
		(void)json_object_set_new(rec, "chat_id",
		    json_integer((json_int_t)t->chat_id));
	if (*t->ident != '\0')
		(void)json_object_set_new(rec, "chat_identifier",
		    argv_string(t->ident));
	if (*t->guid != '\0')
		(void)json_object_set_new(rec, "chat_guid",
		    argv_string(t->guid));
}

/*
 * Size and first bytes of the attachment, as proof it arrived.  Returns
 * 0, or -1 with why set.
 */
static int
record_file(json_t *rec, const char *path, const char **why)
{
	unsigned char	 head[HEAD_BYTES];
	char		 hex[2 * HEAD_BYTES + 1];
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*why = strerror(errno);
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		(void)close(fd);
		return -1;
	}
	while (got < sizeof(head)) {
		n = read(fd, head + got, sizeof(head) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*why = strerror(errno);
			(void)close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	(void)close(fd);
	util_hex(head, got, hex);
	if (json_object_set_new(rec, "file_size",
	    json_integer((json_int_t)st.st_size)) == -1 ||
	    json_object_set_new(rec, "file_head", json_string(hex)) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* One record in DIR/sub/, written under a temporary name and renamed. */
static int
record_in(struct sim *s, const char *sub, json_t *rec)
{
	static unsigned int	 counter;
	char			 dir[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
	char			*text;
	size_t			 len, off = 0;
	ssize_t			 n;
	uint64_t		 now;
	int			 fd;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", s->dir, sub) >=
	    sizeof(dir))
		return -1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	now = util_now_ms();
	if ((size_t)snprintf(dst, sizeof(dst), "%s/%llu-%ld-%u.json", dir,
	    (unsigned long long)now, (long)getpid(), counter) >= sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%llu-%ld-%u.tmp", dir,
	    (unsigned long long)now, (long)getpid(), counter) >= sizeof(tmp))
		return -1;
	counter++;
	if ((text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		return -1;
	len = strlen(text);
	text[len] = '\n';	/* replaces the NUL; len + 1 bytes written */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		free(text);
		return -1;
	}
	while (off < len + 1) {
		n = write(fd, text + off, len + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		off += (size_t)n;
	}
	free(text);
	if (off < len + 1 || close(fd) == -1 || rename(tmp, dst) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * send (Sources/imsg/Commands/SendCommand.swift), its checks in its
 * order: the store, the target, "Missing required option: --text or
 * file", "Invalid service: X" (auto, imessage, sms), the --chat-id
 * lookup, a chat without identifier or guid.  Then the "network": a
 * record in DIR/spool/, and "sent" or {"status":"sent"}.
 */
static int
cmd_send(struct sim *s)
{
	struct target	 t;
	json_t		*rec, *argv;
	const char	*text, *file, *service, *region, *why;
	char		 buf[FAIL_MAX], detail[PATH_MAX + 128], path[PATH_MAX];
	FILE		*f;
	size_t		 n;
	int		 i;

	if (need_db(s) == -1)
		return 1;
	if ((region = option(&s->p, "region")) == NULL)
		region = "US";
	if (target_check(s, &t) != 0)
		return 1;
	if ((text = option(&s->p, "text")) == NULL)
		text = "";
	if ((file = option(&s->p, "file")) == NULL)
		file = "";
	if (*text == '\0' && *file == '\0') {
		(void)printf("Missing required option: --text or file\n");
		return 1;
	}
	if ((service = option(&s->p, "service")) == NULL)
		service = "auto";
	if (strcmp(service, "auto") != 0 && strcmp(service, "imessage") != 0 &&
	    strcmp(service, "sms") != 0) {
		(void)printf("Invalid service: %s\n", service);
		return 1;
	}
	if (target_resolve(s, &t) != 0)
		return 1;
	if (target_has_chat(&t) && target_preferred(&t) == NULL) {
		(void)printf("Invalid chat target: Missing chat identifier or "
		    "guid\n");
		return 1;
	}

	sim_pause(s);
	/* The network "fails": as the real tool's AppleScript might. */
	if (knob(s->dir, "sim-fail")) {
		(void)snprintf(path, sizeof(path), "%s/sim-fail", s->dir);
		if ((f = fopen(path, "r")) != NULL) {
			n = fread(buf, 1, sizeof(buf), f);
			(void)fwrite(buf, 1, n, stderr);
			(void)fclose(f);
		}
		return 1;
	}

	rec = json_object();
	argv = json_array();
	if (rec == NULL || argv == NULL ||
	    json_object_set_new(rec, "argv", argv) == -1)
		fatalx("out of memory");
	for (i = 1; i < s->argc; i++)
		(void)json_array_append_new(argv, argv_string(s->argv[i]));
	target_record(&t, rec);
	if (option(&s->p, "text") != NULL)
		(void)json_object_set_new(rec, "text", argv_string(text));
	if (t.has_chat_id) {
		(void)json_object_set_new(rec, "resolved_chat_identifier",
		    json_string(t.resolved_ident));
		(void)json_object_set_new(rec, "resolved_chat_guid",
		    json_string(t.resolved_guid));
	}
	(void)json_object_set_new(rec, "service", argv_string(service));
	(void)json_object_set_new(rec, "region", argv_string(region));
	if (*file != '\0') {
		(void)json_object_set_new(rec, "file", argv_string(file));
		if (record_file(rec, file, &why) == -1) {
			(void)printf("AppleScript failed: Cannot read "
			    "attachment %s: %s\n", file, why);
			json_decref(rec);
			return 1;
		}
	}
	(void)json_object_set_new(rec, "time_ms",
	    json_integer((json_int_t)util_now_ms()));
	if (record_in(s, "spool", rec) == -1) {
		(void)snprintf(detail, sizeof(detail),
		    "cannot record the send in %s/spool: %s", s->dir,
		    strerror(errno));
		(void)printf("AppleScript failed: %s\n", detail);
		json_decref(rec);
		return 1;
	}
	json_decref(rec);
	(void)printf("%s\n", s->json ? "{\"status\":\"sent\"}" : "sent");
	return 0;
}

/*
 * A typing indicator, read receipt or tapback "reaching the network": a
 * record in DIR/signals/ with the command and every argument, plus what
 * the caller put in rec.  Returns 0, or 1 with the failure printed.
 */
static int
signal_record(struct sim *s, json_t *rec)
{
	json_t	*argv;
	int	 i;

	if (s->dir == NULL) {
		(void)printf("imsg-sim: no --db DIR: nowhere to record it\n");
		return 1;
	}
	if (knob(s->dir, "sim-fail")) {
		(void)fprintf(stderr, "imsg-sim: %s failed (sim-fail)\n",
		    s->cmd->name);
		return 1;
	}
	if ((argv = json_array()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < s->argc; i++)
		(void)json_array_append_new(argv, argv_string(s->argv[i]));
	(void)json_object_set_new(rec, "argv", argv);
	(void)json_object_set_new(rec, "time_ms",
	    json_integer((json_int_t)util_now_ms()));
	if (record_in(s, "signals", rec) == -1) {
		(void)printf("Typing indicator failed: cannot record in "
		    "signals/: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static json_t *
signal_new(struct sim *s)
{
	json_t	*rec;

	if ((rec = json_pack("{s:s}", "command", s->cmd->name)) == NULL)
		fatalx("out of memory");
	return rec;
}

/* Swift's description of a Double: "5.0", "0.25", "1e-05". */
static void
swift_double_text(double v, char *out, size_t outlen)
{
	int	prec;

	/* The shortest form that reads back as the same number. */
	for (prec = 1; prec <= 17; prec++) {
		(void)snprintf(out, outlen, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	if (strpbrk(out, ".eni") == NULL)
		(void)strlcat(out, ".0", outlen);
}

/*
 * typing (Sources/imsg/Commands/TypingCommand.swift): --stop must be
 * true or false ("Invalid value for option: --stop"); the target; a
 * direct one is "<iMessage|SMS>;-;<to>" by --service (default imessage,
 * any case; "Invalid service: X").  --stop true prints "typing
 * indicator stopped", --duration D shows it for D ("typing indicator
 * shown for D"), else "typing indicator started"; with --json
 * {"status":"stopped"|"completed"|"started"} ("duration_s" with
 * completed).
 */
static int
cmd_typing(struct sim *s)
{
	struct target	 t;
	struct timespec	 ts;
	json_t		*rec;
	const char	*stop, *duration, *service, *ident;
	char		 direct[600], lower[16], secs[64];
	double		 seconds = 0;
	size_t		 i;
	int		 stopping = 0;

	if ((stop = option(&s->p, "stop")) != NULL) {
		if (strcmp(stop, "true") == 0)
			stopping = 1;
		else if (strcmp(stop, "false") != 0) {
			(void)printf("Invalid value for option: --stop\n");
			return 1;
		}
	}
	if ((duration = option(&s->p, "duration")) == NULL)
		duration = "";
	if ((service = option(&s->p, "service")) == NULL)
		service = "imessage";
	if (target_check(s, &t) != 0 || target_resolve(s, &t) != 0)
		return 1;
	if ((ident = target_preferred(&t)) == NULL) {
		if (target_has_chat(&t)) {
			(void)printf("Invalid chat target: Missing chat "
			    "identifier or guid\n");
			return 1;
		}
		for (i = 0; service[i] != '\0' && i < sizeof(lower) - 1; i++)
			lower[i] = (char)((service[i] >= 'A' &&
			    service[i] <= 'Z') ? service[i] + 32 : service[i]);
		lower[i] = '\0';
		if (service[i] != '\0' || (strcmp(lower, "auto") != 0 &&
		    strcmp(lower, "imessage") != 0 &&
		    strcmp(lower, "sms") != 0)) {
			(void)printf("Invalid service: %s\n", service);
			return 1;
		}
		(void)snprintf(direct, sizeof(direct), "%s;-;%s",
		    strcmp(lower, "sms") == 0 ? "SMS" : "iMessage", t.to);
		ident = direct;
	}
	if (!stopping && *duration != '\0' &&
	    (parse_duration(duration, &seconds) == -1 || !(seconds > 0))) {
		(void)printf("Typing indicator failed: Invalid duration: %s. "
		    "Use e.g. 5s, 3000ms, 1m, or 1h\n", duration);
		return 1;
	}
	rec = signal_new(s);
	target_record(&t, rec);
	(void)json_object_set_new(rec, "identifier", argv_string(ident));
	(void)json_object_set_new(rec, "typing", json_boolean(!stopping));
	if (option(&s->p, "service") != NULL)
		(void)json_object_set_new(rec, "service", argv_string(service));
	if (signal_record(s, rec) != 0) {
		json_decref(rec);
		return 1;
	}
	json_decref(rec);
	if (stopping) {
		(void)printf("%s\n", s->json ? "{\"status\":\"stopped\"}" :
		    "typing indicator stopped");
		return 0;
	}
	if (*duration != '\0') {
		ts.tv_sec = (time_t)seconds;
		ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		swift_double_text(seconds, secs, sizeof(secs));
		if (s->json)
			(void)printf("{\"status\":\"completed\","
			    "\"duration_s\":\"%s\"}\n", secs);
		else
			(void)printf("typing indicator shown for %s\n",
			    duration);
		return 0;
	}
	(void)printf("%s\n", s->json ? "{\"status\":\"started\"}" :
	    "typing indicator started");
	return 0;
}

/*
 * read (Sources/imsg/Commands/ReadCommand.swift): --to (alias --handle)
 * or a chat selector; "marked as read: <handle>", or with --json
 * {"success":true,"handle":...,"marked_as_read":true}.
 */
static int
cmd_read(struct sim *s)
{
	struct target	 t;
	json_t		*rec, *out;
	const char	*handle;

	if (target_check(s, &t) != 0 || target_resolve(s, &t) != 0)
		return 1;
	if ((handle = target_preferred(&t)) == NULL) {
		if (target_has_chat(&t)) {
			(void)printf("Invalid chat target: Missing chat "
			    "identifier or guid\n");
			return 1;
		}
		handle = t.to;
	}
	rec = signal_new(s);
	target_record(&t, rec);
	(void)json_object_set_new(rec, "handle", argv_string(handle));
	if (signal_record(s, rec) != 0) {
		json_decref(rec);
		return 1;
	}
	json_decref(rec);
	if (!s->json) {
		(void)printf("marked as read: %s\n", handle);
		return 0;
	}
	out = json_pack("{s:b,s:o,s:b}", "success", 1, "handle",
	    argv_string(handle), "marked_as_read", 1);
	if (out == NULL)
		fatalx("out of memory");
	print_json(out, 0);
	json_decref(out);
	return 0;
}

/* One UTF-8 code point at *p (advanced), or -1 for a bad byte. */
static long
next_code_point(const unsigned char **p)
{
	const unsigned char	*s = *p;
	long			 c;
	int			 n, i;

	if (s[0] < 0x80) {
		*p += 1;
		return s[0];
	}
	n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
	    (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0)
		return -1;
	c = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*p += n;
	return c;
}

/*
 * Whether a code point is an emoji, as far as this program needs to
 * tell: the pictographic blocks.  Swift asks Unicode's Emoji property;
 * this is a close subset.
 */
static int
is_emoji(long c)
{
	return (c >= 0x1f000 && c <= 0x1faff) || (c >= 0x2600 &&
	    c <= 0x27bf) || (c >= 0x2b00 && c <= 0x2bff) || (c >= 0x2190 &&
	    c <= 0x21ff) || (c >= 0x2300 && c <= 0x23ff) || c == 0x203c ||
	    c == 0x2049 || c == 0x3030 || c == 0x303d || c == 0x3297 ||
	    c == 0x3299 || c == 0x00a9 || c == 0x00ae || c == 0x2122;
}

/*
 * ReactionType.parse and ReactCommand.isSingleEmoji
 * (Sources/IMsgCore/Models.swift, ReactCommand.swift): a tapback name
 * (with its synonyms, any case) or its emoji; anything else with an
 * emoji in it is a custom reaction, single when it is one character
 * (one pictograph with its modifiers, variation selectors and
 * zero-width joins).  Returns the name ("custom" for a custom one, with
 * *single set), or NULL.
 */
static const char *
parse_reaction(const char *value, const char **emoji, int *single)
{
	static const struct {
		const char	*name;
		const char	*emoji;
		const char	*words[5];
		const char	*glyphs[3];
	} types[] = {
		{ "love", "\u2764\ufe0f", { "love", "heart", NULL },
		    { "\u2764\ufe0f", "\u2764", NULL } },
		{ "like", "\U0001F44D", { "like", "thumbsup", "thumbs-up",
		    NULL }, { "\U0001F44D", NULL } },
		{ "dislike", "\U0001F44E", { "dislike", "thumbsdown",
		    "thumbs-down", NULL }, { "\U0001F44E", NULL } },
		{ "laugh", "\U0001F602", { "laugh", "haha", "lol", NULL },
		    { "\U0001F602", NULL } },
		{ "emphasis", "\u203c\ufe0f", { "emphasis", "emphasize",
		    "exclaim", "exclamation", NULL }, { "\u203c\ufe0f",
		    "\u203c", NULL } },
		{ "question", "\u2753", { "question", "questionmark",
		    "question-mark", NULL }, { "\u2753", "?", NULL } }
	};
	static char		 trimmed[256];
	const unsigned char	*p;
	size_t			 i, j, len;
	long			 c;
	int			 any = 0, bases = 0, join = 0;

	while (*value == ' ' || *value == '\t' || *value == '\n' ||
	    *value == '\r')
		value++;
	if (strlcpy(trimmed, value, sizeof(trimmed)) >= sizeof(trimmed))
		return NULL;
	len = strlen(trimmed);
	while (len > 0 && (trimmed[len - 1] == ' ' ||
	    trimmed[len - 1] == '\t' || trimmed[len - 1] == '\n' ||
	    trimmed[len - 1] == '\r'))
		trimmed[--len] = '\0';
	if (len == 0)
		return NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		for (j = 0; types[i].words[j] != NULL; j++)
			if (strcasecmp(trimmed, types[i].words[j]) == 0)
				goto found;
		for (j = 0; types[i].glyphs[j] != NULL; j++)
			if (strcmp(trimmed, types[i].glyphs[j]) == 0)
				goto found;
	}
	p = (const unsigned char *)trimmed;
	while (*p != '\0') {
		if ((c = next_code_point(&p)) == -1)
			return NULL;
		if (is_emoji(c))
			any = 1;
		if (c == 0x200d)
			join = 1;
		else if (c == 0xfe0f || c == 0xfe0e ||
		    (c >= 0x1f3fb && c <= 0x1f3ff) ||
		    (c >= 0xe0020 && c <= 0xe007f))
			continue;
		else if (join)
			join = 0;
		else
			bases++;
	}
	if (!any)
		return NULL;
	p = (const unsigned char *)trimmed;
	*emoji = trimmed;
	*single = bases == 1 && is_emoji(next_code_point(&p));
	return "custom";
found:
	*emoji = types[i].emoji;
	*single = 1;
	return types[i].name;
}

/*
 * react (Sources/imsg/Commands/ReactCommand.swift): --chat-id and
 * --reaction (-r) are required; a reaction that is no tapback is
 * "Invalid reaction: X" with the list of valid ones, and a custom
 * emoji cannot be sent ("Unsupported reaction: ...").  An unknown chat
 * is "Chat not found: N".  Prints "Sent <emoji> reaction to chat N",
 * or with --json {"success":true,"chat_id":N,"reaction_type":...,
 * "reaction_emoji":...}.
 */
static int
cmd_react(struct sim *s)
{
	json_t		*chats, *rec, *out;
	const char	*value, *type, *emoji = NULL;
	int64_t		 chat_id;
	int		 single = 0;

	if (!option_int64(&s->p, "chatID", &chat_id)) {
		(void)printf("Missing required option: --chat-id\n");
		return 1;
	}
	if ((value = option(&s->p, "reaction")) == NULL) {
		(void)printf("Missing required option: --reaction\n");
		return 1;
	}
	type = parse_reaction(value, &emoji, &single);
	if (type == NULL || !single) {
		(void)printf("Invalid reaction: %s\n\nValid reactions: love, "
		    "like, dislike, laugh, emphasis, question\n", value);
		return 1;
	}
	if (strcmp(type, "custom") == 0) {
		(void)printf("Unsupported reaction: custom emoji tapback '%s' "
		    "cannot be sent by Messages.app AppleScript automation; "
		    "use love, like, dislike, laugh, emphasis, or question.\n",
		    emoji);
		return 1;
	}
	if (need_db(s) == -1 ||
	    (chats = load_array(s->dir, "chats.json")) == NULL)
		return 1;
	if (find_chat(chats, chat_id) == NULL) {
		(void)printf("Chat not found: %lld\n", (long long)chat_id);
		json_decref(chats);
		return 1;
	}
	json_decref(chats);
	rec = signal_new(s);
	(void)json_object_set_new(rec, "chat_id",
	    json_integer((json_int_t)chat_id));
	(void)json_object_set_new(rec, "reaction", json_string(type));
	(void)json_object_set_new(rec, "emoji", json_string(emoji));
	if (signal_record(s, rec) != 0) {
		json_decref(rec);
		return 1;
	}
	json_decref(rec);
	if (!s->json) {
		(void)printf("Sent %s reaction to chat %lld\n", emoji,
		    (long long)chat_id);
		return 0;
	}
	out = json_pack("{s:b,s:I,s:s,s:s}", "success", 1, "chat_id",
	    (json_int_t)chat_id, "reaction_type", type, "reaction_emoji",
	    emoji);
	if (out == NULL)
		fatalx("out of memory");
	print_json(out, 0);
	json_decref(out);
	return 0;
}

/*
 * group (Sources/imsg/Commands/GroupCommand.swift, GroupPayload in
 * OutputModels.swift): the chat's id, identifier, guid, name, service,
 * is_group, participants, and account_id, account_login,
 * last_addressed_handle when known; an unknown chat is "Chat not
 * found: N".
 */
static int
cmd_group(struct sim *s)
{
	json_t		*chats, *chat, *out, *parts, *v;
	int64_t		 chat_id;
	size_t		 i;
	static const char *const optional[] = { "account_id",
	    "account_login", "last_addressed_handle" };

	if (!option_int64(&s->p, "chatID", &chat_id)) {
		(void)printf("Missing required option: --chat-id\n");
		return 1;
	}
	if (need_db(s) == -1 ||
	    (chats = load_array(s->dir, "chats.json")) == NULL)
		return 1;
	if ((chat = find_chat(chats, chat_id)) == NULL) {
		(void)printf("Chat not found: %lld\n", (long long)chat_id);
		json_decref(chats);
		return 1;
	}
	parts = json_object_get(chat, "participants");
	if (s->json) {
		out = json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:O}", "id",
		    (json_int_t)chat_id, "identifier",
		    str_member(chat, "identifier"), "guid",
		    str_member(chat, "guid"), "name", str_member(chat, "name"),
		    "service", str_member(chat, "service"), "is_group",
		    json_is_true(json_object_get(chat, "is_group")),
		    "participants", json_is_array(parts) ? parts :
		    json_array());
		if (out == NULL)
			fatalx("out of memory");
		for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
			if (json_is_string(v = json_object_get(chat,
			    optional[i])))
				(void)json_object_set(out, optional[i], v);
		print_json(out, 0);
		json_decref(out);
		json_decref(chats);
		return 0;
	}
	(void)printf("id: %lld\nidentifier: %s\nguid: %s\nname: %s\n"
	    "service: %s\n", (long long)chat_id,
	    str_member(chat, "identifier"), str_member(chat, "guid"),
	    str_member(chat, "name"), str_member(chat, "service"));
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (json_is_string(json_object_get(chat, optional[i])))
			(void)printf("%s: %s\n", optional[i],
			    str_member(chat, optional[i]));
	(void)printf("is_group: %s\n",
	    json_is_true(json_object_get(chat, "is_group")) ? "true" :
	    "false");
	if (json_array_size(parts) == 0)
		(void)printf("participants: (none)\n");
	else {
		(void)printf("participants:\n");
		json_array_foreach(parts, i, v)
			(void)printf("  - %s\n", json_string_value(v) != NULL ?
			    json_string_value(v) : "");
	}
	json_decref(chats);
	return 0;
}

/* SQLite's LIKE '%q%': ASCII letters match in any case. */
static int
contains_nocase(const char *hay, const char *needle)
{
	size_t	n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

/*
 * search (BridgeIntroCommands.swift SearchCommand,
 * IMsgCore/MessageStore+Search.swift): --query required; --match
 * contains (default) or exact, exactly so spelled ("Invalid value for
 * option: --match"); the text, trimmed query, compared without regard
 * to ASCII case; tapbacks excluded; newest first; --limit (default 50).
 * JSON messages carry no attachments or reactions (the command asks
 * for neither); text lines have no attachment lines.
 */
static int
cmd_search(struct sim *s)
{
	json_t		*all, *m, **picked, *copy;
	const char	*query, *match, *text;
	char		 trimmed[4096];
	int64_t		 limit = 50;
	size_t		 i, n = 0, len;
	int		 exact, hit;

	query = option(&s->p, "query");
	if (query == NULL || *query == '\0') {
		(void)printf("Missing required option: --query\n");
		return 1;
	}
	if ((match = option(&s->p, "match")) == NULL)
		match = "contains";
	if (strcmp(match, "contains") != 0 && strcmp(match, "exact") != 0) {
		(void)printf("Invalid value for option: --match\n");
		return 1;
	}
	exact = strcmp(match, "exact") == 0;
	if (need_db(s) == -1)
		return 1;
	(void)option_int64(&s->p, "limit", &limit);
	while (*query == ' ' || *query == '\t' || *query == '\n')
		query++;
	(void)strlcpy(trimmed, query, sizeof(trimmed));
	len = strlen(trimmed);
	while (len > 0 && (trimmed[len - 1] == ' ' ||
	    trimmed[len - 1] == '\t' || trimmed[len - 1] == '\n'))
		trimmed[--len] = '\0';
	if (len == 0)
		return 0;
	if ((all = load_array(s->dir, "messages.json")) == NULL)
		return 1;
	picked = xcalloc(json_array_size(all) + 1, sizeof(*picked));
	json_array_foreach(all, i, m) {
		if (json_is_true(json_object_get(m, "is_reaction")))
			continue;
		text = str_member(m, "text");
		hit = exact ? strcasecmp(text, trimmed) == 0 :
		    contains_nocase(text, trimmed);
		if (hit)
			picked[n++] = m;
	}
	qsort(picked, n, sizeof(*picked), newest_first);
	for (i = 0; i < n && (limit < 0 || (int64_t)i < limit); i++) {
		if (!s->json) {
			print_message_text(stdout, picked[i], 0, 0);
			continue;
		}
		if ((copy = json_copy(picked[i])) == NULL)
			fatalx("out of memory");
		if (json_object_get(copy, "attachments") != NULL)
			(void)json_object_set_new(copy, "attachments",
			    json_array());
		if (json_object_get(copy, "reactions") != NULL)
			(void)json_object_set_new(copy, "reactions",
			    json_array());
		print_json(copy, JSON_SLASHES);
		json_decref(copy);
	}
	free(picked);
	json_decref(all);
	return 0;
}

/*
 * Why the IMCore bridge is down here: the real checkAvailability() text
 * when SIP is enabled (Sources/IMsgCore/IMCoreBridge.swift).
 */
#define BRIDGE_DOWN_STATUS \
	"System Integrity Protection (SIP) is enabled.\n" \
	"Advanced IMCore features are intentionally disabled.\n\n" \
	"To enable advanced features:\n" \
	"1. Disable SIP in Recovery mode (`csrutil disable`)\n" \
	"2. Run `imsg launch`\n\n" \
	"Source installs also need `make build-dylib` before launching."

/*
 * What a bridge command gets from IMsgBridgeClient.invoke with SIP
 * enabled: IMsgBridgeError.bridgeNotReady around
 * MessagesLauncherError.sipEnabled (IMsgBridgeProtocol.swift,
 * MessagesLauncher.swift).
 */
#define BRIDGE_DOWN_ERROR \
	"imsg bridge not ready: System Integrity Protection (SIP) is " \
	"enabled. Refusing to inject into Messages.app. Disable SIP in " \
	"Recovery mode before using `imsg launch`."

/*
 * Whether status reports the IMCore bridge up: a file named after this
 * program with ".bridge-up" appended exists (status takes no --db, so
 * this knob cannot live in the data directory).  Only status --json
 * changes; every bridge command still finds the bridge down.
 */
static int
bridge_up(struct sim *s)
{
	char	path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s.bridge-up",
	    s->argv[0]) >= sizeof(path))
		return 0;
	return access(path, F_OK) == 0;
}

/*
 * status (Sources/imsg/Commands/StatusCommand.swift), with the bridge
 * unavailable: StatusPayload in its declared key order, rpc_methods
 * being kSupportedRPCMethods (Sources/imsg/RPCServer.swift); or the
 * text report.  With the bridge-up knob, --json reports what an
 * injected bridge answers to its status action (bridge_version 2,
 * v2_ready, the four selectors: Sources/IMsgHelper/IMsgInjected.m) and
 * checkAvailability()'s "Connected to Messages.app. IMCore features
 * available." (Sources/IMsgCore/IMCoreBridge.swift).
 */
static int
cmd_status(struct sim *s)
{
	static const char *const methods[] = { "chats.list", "chats.create",
	    "chats.delete", "chats.markUnread", "messages.history",
	    "watch.subscribe", "watch.unsubscribe", "send", "send.rich",
	    "send.attachment", "tapback", "typing", "read", "message.edit",
	    "message.unsend", "message.delete", "message.notifyAnyways",
	    "group.rename", "group.setIcon", "group.addParticipant",
	    "group.removeParticipant", "group.leave" };
	json_t	*st = NULL, *list;
	size_t	 i;

	if (s->json && bridge_up(s))
		st = json_pack("{s:s,s:b,s:b,s:b,s:b,s:s,s:s,s:i,s:b,"
		    "s:{s:b,s:b,s:b,s:b}}",
		    "version", SIM_VERSION, "basic_features", 1,
		    "advanced_features", 1, "typing_indicators", 1,
		    "read_receipts", 1, "sip", "disabled", "message",
		    "Connected to Messages.app. IMCore features available.",
		    "bridge_version", 2, "v2_ready", 1, "selectors",
		    "editMessageItem", 1, "editMessage", 1,
		    "retractMessagePart", 1, "sendMessageReason", 1);
	else if (s->json)
		st = json_pack("{s:s,s:b,s:b,s:b,s:b,s:s,s:s,s:i,s:b,s:{}}",
		    "version", SIM_VERSION, "basic_features", 1,
		    "advanced_features", 0, "typing_indicators", 0,
		    "read_receipts", 0, "sip", "enabled", "message",
		    BRIDGE_DOWN_STATUS, "bridge_version", 0, "v2_ready", 0,
		    "selectors");
	if (s->json) {
		list = json_array();
		if (st == NULL || list == NULL ||
		    json_object_set_new(st, "rpc_methods", list) == -1)
			fatalx("out of memory");
		for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			(void)json_array_append_new(list,
			    json_string(methods[i]));
		print_json(st, 0);
		json_decref(st);
		return 0;
	}
	(void)printf("imsg Status Report\n"
	    "==================\n"
	    "\n"
	    "Version:\n"
	    "  %s\n"
	    "\n"
	    "Basic features (send, receive, history):\n"
	    "  Available\n"
	    "\n"
	    "System Integrity Protection (SIP):\n"
	    "  enabled\n"
	    "\n"
	    "Advanced features (typing, read receipts):\n"
	    "  Not available\n"
	    "\n"
	    "To enable advanced features:\n"
	    "  1. Disable System Integrity Protection (SIP)\n"
	    "     - Restart Mac holding Cmd+R\n"
	    "     - Open Terminal from Utilities menu\n"
	    "     - Run: csrutil disable\n"
	    "     - Restart normally\n"
	    "\n"
	    "  2. Grant Full Disk Access\n"
	    "     - System Settings > Privacy & Security > Full Disk Access\n"
	    "     - Add Terminal or your terminal app\n"
	    "\n"
	    "  3. Build and launch:\n"
	    "     make build-dylib\n"
	    "     imsg launch\n"
	    "\n"
	    "macOS 26/Tahoe note:\n"
	    "  Advanced IMCore features may still be blocked by library "
	    "validation\n"
	    "  or imagent private entitlement checks. Basic commands still "
	    "work.\n"
	    "\n"
	    "Note: Basic messaging features work without these steps.\n",
	    SIM_VERSION);
	return 0;
}

/*
 * A bridge command with the bridge down (BridgeOutput.emitError,
 * Sources/imsg/Commands/BridgeMessagingCommands.swift): with --json
 * {"success":false,"error":"..."}, else "error: ..."; exit 1.
 */
static int
cmd_bridge(struct sim *s)
{
	json_t	*out;

	if (!s->json) {
		(void)printf("error: %s\n", BRIDGE_DOWN_ERROR);
		return 1;
	}
	out = json_pack("{s:b,s:s}", "success", 0, "error",
	    BRIDGE_DOWN_ERROR);
	if (out == NULL)
		fatalx("out of memory");
	print_json(out, JSON_SLASHES);
	json_decref(out);
	return 1;
}

/*
 * send-attachment (Sources/imsg/Commands/BridgeAttachmentCommand.swift,
 * steipete/imsg commit c7ae79c1b195f942e3cf0a84c5eef6df778adb1a): its
 * checks in its order, the file staged (a missing one is
 * IMsgError.appleScriptFailure "Attachment not found at P"), then the
 * bridge, which is down here: with --transport dylib, --audio or
 * --reply-to that is BridgeOutput.emitError and exit 1; otherwise the
 * command falls through to MessageSender's AppleScript send of the file
 * to the chat guid, recorded in DIR/spool/ like a send, and prints
 * {"success":true,"transport":"applescript"} or "send-attachment: sent
 * via AppleScript".
 */
static int
cmd_send_attachment(struct sim *s)
{
	json_t		*rec, *argv;
	const char	*chat, *file, *transport, *reply_to, *home, *why;
	char		 expanded[PATH_MAX], detail[PATH_MAX + 128];
	struct stat	 st;
	int		 audio, i;

	if ((chat = option(&s->p, "chat")) == NULL || *chat == '\0') {
		(void)printf("Missing required option: --chat\n");
		return 1;
	}
	if ((file = option(&s->p, "file")) == NULL || *file == '\0') {
		(void)printf("Missing required option: --file\n");
		return 1;
	}
	/* NSString.expandingTildeInPath, for the caller's own home. */
	if (file[0] == '~' && (file[1] == '/' || file[1] == '\0') &&
	    (home = getenv("HOME")) != NULL)
		(void)snprintf(expanded, sizeof(expanded), "%s%s", home,
		    file + 1);
	else
		(void)strlcpy(expanded, file, sizeof(expanded));
	if ((transport = option(&s->p, "transport")) == NULL)
		transport = "auto";
	if (strcmp(transport, "auto") != 0 && strcmp(transport, "dylib") != 0 &&
	    strcmp(transport, "applescript") != 0) {
		(void)printf("Invalid value for option: --transport\n");
		return 1;
	}
	audio = flag(&s->p, "audio");
	if (strcmp(transport, "applescript") == 0 && audio) {
		(void)printf("Invalid value for option: --audio\n");
		return 1;
	}
	if ((reply_to = option(&s->p, "replyTo")) == NULL)
		reply_to = "";
	if (strcmp(transport, "applescript") == 0 && *reply_to != '\0') {
		(void)printf("Invalid value for option: --reply-to\n");
		return 1;
	}
	if (strcmp(transport, "applescript") != 0) {
		/* stageAttachmentForMessagesApp, before the bridge. */
		if (stat(expanded, &st) == -1) {
			(void)printf("AppleScript failed: Attachment not found "
			    "at %s\n", expanded);
			return 1;
		}
		/* The bridge is down: emitError only without a fallback. */
		if (strcmp(transport, "dylib") == 0 || audio ||
		    *reply_to != '\0')
			return cmd_bridge(s);
	}
	if (need_db(s) == -1)
		return 1;
	sim_pause(s);
	if (knob(s->dir, "sim-fail")) {
		(void)printf("AppleScript failed: sim-fail\n");
		return 1;
	}
	rec = json_object();
	argv = json_array();
	if (rec == NULL || argv == NULL ||
	    json_object_set_new(rec, "argv", argv) == -1)
		fatalx("out of memory");
	for (i = 1; i < s->argc; i++)
		(void)json_array_append_new(argv, argv_string(s->argv[i]));
	(void)json_object_set_new(rec, "via", json_string("send-attachment"));
	(void)json_object_set_new(rec, "chat_guid", argv_string(chat));
	(void)json_object_set_new(rec, "file", argv_string(expanded));
	if (record_file(rec, expanded, &why) == -1) {
		(void)printf("AppleScript failed: Attachment not found at "
		    "%s\n", expanded);
		json_decref(rec);
		return 1;
	}
	(void)json_object_set_new(rec, "time_ms",
	    json_integer((json_int_t)util_now_ms()));
	if (record_in(s, "spool", rec) == -1) {
		(void)snprintf(detail, sizeof(detail),
		    "cannot record the send in %s/spool: %s", s->dir,
		    strerror(errno));
		(void)printf("AppleScript failed: %s\n", detail);
		json_decref(rec);
		return 1;
	}
	json_decref(rec);
	(void)printf("%s\n", s->json ?
	    "{\"success\":true,\"transport\":\"applescript\"}" :
	    "send-attachment: sent via AppleScript");
	return 0;
}

/* ---- rpc ------------------------------------------------------------ */

/*
 * imsg rpc (Sources/imsg/Commands/RpcCommand.swift, RPCServer.swift,
 * RPCRequestParser.swift, RPCServer+Support.swift and
 * RPCServer+Handlers.swift, steipete/imsg commit
 * c7ae79c1b195f942e3cf0a84c5eef6df778adb1a): one JSON-RPC 2.0 request
 * per line on stdin, blank lines skipped, each answered on stdout in
 * turn; the process exits 0 when stdin ends.  Only send is simulated;
 * the other methods the real server has answer -32603 here.
 */
static const char *const rpc_methods[] = { "chats.list", "chats.create",
	"chats.delete", "chats.markUnread", "messages.history",
	"watch.subscribe", "watch.unsubscribe", "send", "send.rich",
	"send.attachment", "tapback", "typing", "read", "message.edit",
	"message.unsend", "message.delete", "message.notifyAnyways",
	"group.rename", "group.setIcon", "group.addParticipant",
	"group.removeParticipant", "group.leave", NULL };

/* RPCWriter.send: one compact line; JSONSerialization escapes '/'. */
static void
rpc_write(json_t *o)
{
	char	*text;

	if (o == NULL || (text = json_dumps(o, JSON_COMPACT |
	    JSON_PRESERVE_ORDER | JSON_ESCAPE_SLASH)) == NULL)
		fatalx("out of memory");
	(void)printf("%s\n", text);
	(void)fflush(stdout);
	free(text);
	json_decref(o);
}

/* RPCWriter.sendError: a missing id is written as null. */
static void
rpc_error(json_t *id, int code, const char *message, const char *data)
{
	json_t	*err;

	err = json_pack("{s:i,s:s}", "code", code, "message", message);
	if (err == NULL)
		fatalx("out of memory");
	if (data != NULL)
		(void)json_object_set_new(err, "data", json_string(data));
	rpc_write(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "error", err));
}

/* RPCServer.respond: nothing for a request without an id. */
static void
rpc_result(json_t *id, json_t *result)
{
	if (id == NULL) {
		json_decref(result);
		return;
	}
	rpc_write(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id,
	    "result", result));
}

/* stringParam (RPCPayloads.swift): a string, or a number's text. */
static const char *
rpc_string(json_t *params, const char *key, char *buf, size_t len)
{
	json_t	*v = json_object_get(params, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		(void)snprintf(buf, len, "%lld",
		    (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		(void)snprintf(buf, len, "%d", json_is_true(v));
	else if (json_is_real(v))
		(void)snprintf(buf, len, "%g", json_real_value(v));
	else
		return "";
	return buf;
}

/* int64Param (RPCPayloads.swift): a number, or a string that is one. */
static int
rpc_int64(json_t *params, const char *key, int64_t *out)
{
	json_t		*v = json_object_get(params, key);
	const char	*errstr;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		*out = (int64_t)json_real_value(v);
		return 1;
	}
	if (json_is_string(v)) {
		*out = strtonum(json_string_value(v), INT64_MIN, INT64_MAX,
		    &errstr);
		return errstr == NULL;
	}
	return 0;
}

/*
 * handleSend (RPCServer+Handlers.swift), its checks in its order, then
 * the "network": a record in DIR/spool/ like the CLI's send, and
 * {"ok":true,"transport":"applescript","id":N,"guid":G}, as the real
 * server answers once it sees the new row in the database.  The bridge
 * is down here (status says so): transport bridge fails as it would.
 */
static void
rpc_send(struct sim *s, json_t *id, json_t *params)
{
	struct target	 t;
	json_t		*chats = NULL, *chat, *rec, *argv, *all;
	const char	*text, *file, *service, *transport, *region, *why;
	char		 b[6][64], detail[PATH_MAX + 128], guid[64];
	char		 buf[FAIL_MAX], path[PATH_MAX];
	FILE		*f;
	DIR		*d;
	struct dirent	*de;
	size_t		 n;
	int64_t		 rowid = 0;
	int		 i;

	memset(&t, 0, sizeof(t));
	text = rpc_string(params, "text", b[0], sizeof(b[0]));
	file = rpc_string(params, "file", b[1], sizeof(b[1]));
	service = rpc_string(params, "service", b[2], sizeof(b[2]));
	if (*service == '\0' && json_object_get(params, "service") == NULL)
		service = "auto";
	if (strcmp(service, "auto") != 0 && strcmp(service, "imessage") != 0 &&
	    strcmp(service, "sms") != 0) {
		rpc_error(id, -32602, "Invalid params", "invalid service");
		return;
	}
	transport = rpc_string(params, "transport", b[3], sizeof(b[3]));
	if (json_object_get(params, "transport") == NULL)
		transport = "auto";
	if (strcasecmp(transport, "auto") != 0 &&
	    strcasecmp(transport, "bridge") != 0 &&
	    strcasecmp(transport, "applescript") != 0) {
		rpc_error(id, -32602, "Invalid params", "invalid transport");
		return;
	}
	region = rpc_string(params, "region", b[4], sizeof(b[4]));
	if (json_object_get(params, "region") == NULL)
		region = "US";
	t.to = rpc_string(params, "to", b[5], sizeof(b[5]));
	t.has_chat_id = rpc_int64(params, "chat_id", &t.chat_id);
	t.ident = json_is_string(json_object_get(params, "chat_identifier")) ?
	    json_string_value(json_object_get(params, "chat_identifier")) : "";
	t.guid = json_is_string(json_object_get(params, "chat_guid")) ?
	    json_string_value(json_object_get(params, "chat_guid")) : "";
	/* validateRecipientRequirements */
	if (target_has_chat(&t) && *t.to != '\0') {
		rpc_error(id, -32602, "Invalid params",
		    "use to or chat_*; not both");
		return;
	}
	if (!target_has_chat(&t) && *t.to == '\0') {
		rpc_error(id, -32602, "Invalid params",
		    "to is required for direct sends");
		return;
	}
	if (*text == '\0' && *file == '\0') {
		rpc_error(id, -32602, "Invalid params",
		    "text or file is required");
		return;
	}
	/* resolveChatTarget: a chat id is looked up in the store. */
	(void)strlcpy(t.resolved_ident, t.ident, sizeof(t.resolved_ident));
	(void)strlcpy(t.resolved_guid, t.guid, sizeof(t.resolved_guid));
	if (t.has_chat_id) {
		chats = load_array(s->dir, "chats.json");
		if (chats == NULL) {
			rpc_error(id, -32603, "Internal error",
			    "unable to open database file");
			return;
		}
		if ((chat = find_chat(chats, t.chat_id)) == NULL) {
			(void)snprintf(detail, sizeof(detail),
			    "unknown chat_id %lld", (long long)t.chat_id);
			rpc_error(id, -32602, "Invalid params", detail);
			json_decref(chats);
			return;
		}
		(void)strlcpy(t.resolved_ident, str_member(chat, "identifier"),
		    sizeof(t.resolved_ident));
		(void)strlcpy(t.resolved_guid, str_member(chat, "guid"),
		    sizeof(t.resolved_guid));
		json_decref(chats);
	}
	if (target_has_chat(&t) && target_preferred(&t) == NULL) {
		rpc_error(id, -32602, "Invalid params",
		    "missing chat identifier or guid");
		return;
	}
	if (strcasecmp(transport, "bridge") == 0) {
		if (target_has_chat(&t))
			rpc_error(id, -32603, "Internal error",
			    BRIDGE_DOWN_ERROR);
		else
			rpc_error(id, -32602, "Invalid params", "bridge "
			    "transport requires an existing chat target");
		return;
	}

	sim_pause(s);
	/* The AppleScript send "fails": the process dies as a crash would. */
	if (knob(s->dir, "sim-fail")) {
		(void)snprintf(path, sizeof(path), "%s/sim-fail", s->dir);
		if ((f = fopen(path, "r")) != NULL) {
			n = fread(buf, 1, sizeof(buf), f);
			(void)fwrite(buf, 1, n, stderr);
			(void)fclose(f);
		}
		(void)fflush(stdout);
		_exit(1);
	}

	rec = json_object();
	argv = json_array();
	if (rec == NULL || argv == NULL ||
	    json_object_set_new(rec, "argv", argv) == -1)
		fatalx("out of memory");
	for (i = 1; i < s->argc; i++)
		(void)json_array_append_new(argv, argv_string(s->argv[i]));
	(void)json_object_set_new(rec, "via", json_string("rpc"));
	target_record(&t, rec);
	if (*text != '\0')
		(void)json_object_set_new(rec, "text", json_string(text));
	if (t.has_chat_id) {
		(void)json_object_set_new(rec, "resolved_chat_identifier",
		    json_string(t.resolved_ident));
		(void)json_object_set_new(rec, "resolved_chat_guid",
		    json_string(t.resolved_guid));
	}
	(void)json_object_set_new(rec, "service", json_string(service));
	(void)json_object_set_new(rec, "region", json_string(region));
	if (*file != '\0') {
		(void)json_object_set_new(rec, "file", json_string(file));
		if (record_file(rec, file, &why) == -1) {
			(void)snprintf(detail, sizeof(detail), "Cannot read "
			    "attachment %s: %s", file, why);
			rpc_error(id, -32603, "Internal error", detail);
			json_decref(rec);
			return;
		}
	}
	(void)json_object_set_new(rec, "time_ms",
	    json_integer((json_int_t)util_now_ms()));
	if (record_in(s, "spool", rec) == -1) {
		(void)snprintf(detail, sizeof(detail),
		    "cannot record the send in %s/spool: %s", s->dir,
		    strerror(errno));
		rpc_error(id, -32603, "Internal error", detail);
		json_decref(rec);
		return;
	}
	json_decref(rec);
	/* The new row: after every message the fixtures hold. */
	if ((all = load_array(s->dir, "messages.json")) != NULL) {
		json_array_foreach(all, n, chat)
			if (json_integer_value(json_object_get(chat, "id")) >
			    rowid)
				rowid = json_integer_value(json_object_get(chat,
				    "id"));
		json_decref(all);
	}
	/* ... and after every send recorded so far, this one included. */
	(void)snprintf(path, sizeof(path), "%s/spool", s->dir);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				rowid++;
		(void)closedir(d);
	}
	(void)snprintf(guid, sizeof(guid), "SIM-%lld-%ld", (long long)rowid,
	    (long)getpid());
	rpc_result(id, json_pack("{s:b,s:s,s:I,s:s}", "ok", 1, "transport",
	    "applescript", "id", (json_int_t)rowid, "guid", guid));
}

/* handleLine: parse (RPCRequestParser.parse), then dispatch. */
static void
rpc_line(struct sim *s, const char *line, size_t len, const char *db_error)
{
	json_error_t	 jerr;
	json_t		*req, *id, *jsonrpc, *method, *params, *empty;
	const char	*name;
	size_t		 i;

	if (!util_utf8_valid(line, len)) {
		rpc_error(NULL, -32700, "Parse error", "invalid utf8");
		return;
	}
	if ((req = json_loadb(line, len, JSON_DECODE_ANY, &jerr)) == NULL) {
		rpc_error(NULL, -32700, "Parse error", jerr.text);
		return;
	}
	if (!json_is_object(req)) {
		rpc_error(NULL, -32600, "Invalid Request",
		    "request must be an object");
		json_decref(req);
		return;
	}
	id = json_object_get(req, "id");
	jsonrpc = json_object_get(req, "jsonrpc");
	if (json_is_string(jsonrpc) &&
	    strcmp(json_string_value(jsonrpc), "2.0") != 0) {
		rpc_error(id, -32600, "Invalid Request", "jsonrpc must be 2.0");
		json_decref(req);
		return;
	}
	method = json_object_get(req, "method");
	if (!json_is_string(method) || *json_string_value(method) == '\0') {
		rpc_error(id, -32600, "Invalid Request", "method is required");
		json_decref(req);
		return;
	}
	name = json_string_value(method);
	/* RPCStartupErrorServer: no store, every request an error. */
	if (db_error != NULL) {
		rpc_error(id, -32603, "Internal error", db_error);
		json_decref(req);
		return;
	}
	empty = json_object();
	params = json_is_object(json_object_get(req, "params")) ?
	    json_object_get(req, "params") : empty;
	if (strcmp(name, "send") == 0)
		rpc_send(s, id, params);
	else {
		for (i = 0; rpc_methods[i] != NULL; i++)
			if (strcmp(rpc_methods[i], name) == 0)
				break;
		if (rpc_methods[i] != NULL)
			rpc_error(id, -32603, "Internal error",
			    "imsg-sim: this rpc method is not simulated");
		else
			rpc_error(id, -32601, "Method not found", name);
	}
	json_decref(empty);
	json_decref(req);
}

static int
cmd_rpc(struct sim *s)
{
	struct stat	 st;
	char		*line = NULL, db_error[PATH_MAX + 64];
	const char	*dberr = NULL;
	size_t		 cap = 0, start, end;
	ssize_t		 n;

	if (s->dir == NULL)
		dberr = "unable to open database file: no --db DIR";
	else if (stat(s->dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		(void)snprintf(db_error, sizeof(db_error),
		    "unable to open database file: %s", s->dir);
		dberr = db_error;
	}
	while ((n = getline(&line, &cap, stdin)) != -1) {
		start = 0;
		end = (size_t)n;
		while (start < end && strchr(" \t\r\n", line[start]) != NULL)
			start++;
		while (end > start && strchr(" \t\r\n", line[end - 1]) != NULL)
			end--;
		if (start == end)
			continue;
		rpc_line(s, line + start, end - start, dberr);
	}
	free(line);
	return 0;
}

/*
 * DIR/sim-pause: wait, with DIR/paused/<pid> showing it, until the knob
 * is removed.  Not imsg's: the tests' way to catch a send running.
 */
static void
sim_pause(struct sim *s)
{
	char		 path[PATH_MAX], mark[PATH_MAX];
	struct stat	 st;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 fd;

	if (s->dir == NULL || !knob(s->dir, "sim-pause"))
		return;
	(void)snprintf(path, sizeof(path), "%s/sim-pause", s->dir);
	(void)snprintf(mark, sizeof(mark), "%s/paused", s->dir);
	(void)mkdir(mark, 0755);
	(void)snprintf(mark, sizeof(mark), "%s/paused/%ld", s->dir,
	    (long)getpid());
	if ((fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) != -1)
		(void)close(fd);
	while (stat(path, &st) == 0)
		(void)nanosleep(&ts, NULL);
	(void)unlink(mark);
}

/* ---- watch ---------------------------------------------------------- */

static void
on_watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/*
 * Write one output block whole.  Returns 0, or -1 when the stream ends:
 * stdout closed (t->closed) or a write error (reported, exit 1).
 */
static int
out_write(struct tail *t, const char *buf, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		n = write(STDOUT_FILENO, buf + off, len - off);
		if (n == -1) {
			/* A line begun is finished; one not begun is not. */
			if (errno == EINTR && (off > 0 || !watch_stop))
				continue;
			if (errno == EINTR || errno == EPIPE) {
				t->closed = 1;
				return -1;
			}
			log_warn("write");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * What the real watch lets through (WatchCommand.swift,
 * MessageWatcher.swift): one chat with --chat-id, reaction events only
 * with --reactions, then MessageFilter.
 */
static int
tail_allows(struct tail *t, json_t *m)
{
	struct filter	f;
	json_t		*chat;

	if (t->has_chat_id) {
		chat = json_object_get(m, "chat_id");
		if (!json_is_integer(chat) ||
		    json_integer_value(chat) != t->chat_id)
			return 0;
	}
	if (json_is_true(json_object_get(m, "is_reaction")) && !t->reactions)
		return 0;
	memset(&f, 0, sizeof(f));
	f.participants = t->participants;
	f.nparticipants = t->nparticipants;
	f.has_start = t->has_start;
	f.has_end = t->has_end;
	f.start = t->start;
	f.end = t->end;
	return filter_allows(&f, m);
}

/*
 * One complete line (line[len] is its newline).  While scanning, only
 * note its rowid.  Afterwards a message past the cursor that the options
 * let through is printed: as stored, byte for byte, with --json; as the
 * text line otherwise.  A line that is no message object (not JSON, no
 * integer "id") is passed on as-is in JSON mode when no option needs to
 * read it, so tests can feed a watcher malformed output.
 */
static int
tail_line(struct tail *t, char *line, size_t len)
{
	json_t	*m, *id;
	FILE	*f;
	char	*text = NULL;
	size_t	 textlen = 0;
	int64_t	 rowid;
	int	 r = 0;

	m = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	id = json_object_get(m, "id");
	if (!json_is_object(m) || !json_is_integer(id)) {
		json_decref(m);
		if (t->scanning || !t->s->json || t->has_chat_id ||
		    t->nparticipants > 0 || t->has_start || t->has_end)
			return 0;
		return out_write(t, line, len + 1);
	}
	rowid = json_integer_value(id);
	if (t->scanning) {
		if (rowid > t->cursor)
			t->cursor = rowid;
		json_decref(m);
		return 0;
	}
	if (rowid <= t->cursor) {
		json_decref(m);
		return 0;
	}
	t->cursor = rowid;
	if (!tail_allows(t, m)) {
		json_decref(m);
		return 0;
	}
	if (t->s->json)
		r = out_write(t, line, len + 1);
	else {
		if ((f = open_memstream(&text, &textlen)) == NULL)
			fatal("open_memstream");
		print_message_text(f, m, t->attachments, 1);
		if (fclose(f) != 0)
			fatal("open_memstream");
		r = out_write(t, text, textlen);
		free(text);
	}
	json_decref(m);
	return r;
}

/* An over-long line is reported (unless scanning) and skipped. */
static int
tail_too_long(struct tail *t)
{
	char	line[128];
	int	n;

	if (t->skipping || t->scanning)
		return 0;
	n = snprintf(line, sizeof(line), "imsg-sim: %s: line longer than %d "
	    "bytes skipped\n", INBOUND_FILE, WATCH_MAX_LINE);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return 0;
	return out_write(t, line, (size_t)n);
}

/* Take the complete lines out of the buffer; bound the rest. */
static int
tail_lines(struct tail *t)
{
	char	*p = t->buf, *end = t->buf + t->len, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if ((size_t)(nl - p) > WATCH_MAX_LINE &&
		    tail_too_long(t) == -1)
			return -1;
		if (t->skipping || (size_t)(nl - p) > WATCH_MAX_LINE)
			t->skipping = 0;	/* the end of a long one */
		else if (tail_line(t, p, (size_t)(nl - p)) == -1)
			return -1;
		p = nl + 1;
	}
	t->len = (size_t)(end - p);
	memmove(t->buf, p, t->len);
	if (t->len > WATCH_MAX_LINE) {
		if (tail_too_long(t) == -1)
			return -1;
		t->skipping = 1;
		t->len = 0;
	}
	return 0;
}

/* Open the file if it is there: 0 (t->fd may stay -1), or -1. */
static int
tail_open(struct tail *t)
{
	struct stat	 st;
	const char	*why = NULL;

	t->fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (t->fd == -1) {
		if (errno == ENOENT)
			return 0;
		(void)printf("unable to open database file: %s: %s\n",
		    t->path, strerror(errno));
		return -1;
	}
	if (fstat(t->fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why != NULL) {
		(void)printf("unable to open database file: %s: %s\n",
		    t->path, why);
		(void)close(t->fd);
		t->fd = -1;
		return -1;
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->pos = 0;
	t->len = 0;
	t->skipping = 0;
	t->wfd = osdep_watch_file(t->path);
	return 0;
}

static void
tail_close(struct tail *t)
{
	if (t->wfd != -1)
		(void)close(t->wfd);
	if (t->fd != -1)
		(void)close(t->fd);
	t->wfd = t->fd = -1;
	t->len = 0;
	t->skipping = 0;
}

/*
 * At the end of the file: was it truncated (start again from its
 * beginning) or replaced (open the new one)?  Rowids already passed are
 * not printed again either way.  Returns 0, or -1 on error.
 */
static int
tail_check(struct tail *t)
{
	struct stat	st;

	if (fstat(t->fd, &st) == -1) {
		log_warn("%s", t->path);
		return -1;
	}
	if (st.st_size < t->pos) {
		if (lseek(t->fd, 0, SEEK_SET) == -1) {
			log_warn("%s", t->path);
			return -1;
		}
		t->pos = 0;
		t->len = 0;
		t->skipping = 0;
		return 0;
	}
	if (stat(t->path, &st) == -1 || st.st_dev != t->dev ||
	    st.st_ino != t->ino)
		tail_close(t);
	return 0;
}

/*
 * watch (Sources/imsg/Commands/WatchCommand.swift): --debounce (default
 * 250ms) must parse ("Invalid value for option: --debounce"), then the
 * filter.  Prints the messages of DIR/inbound.jsonl past the start
 * rowid, then follows the file for ever, as the real tool follows
 * chat.db.  As in the real tool, the start is --since-rowid N, or
 * (without it, or with 0) the highest rowid there at start-up: only new
 * messages.
 */
static int
cmd_watch(struct sim *s)
{
	struct tail		 t;
	struct filter		 f;
	struct sigaction	 sa;
	struct pollfd		 pfd[2];
	const char		*debounce;
	char			 err[ERR_MAX];
	double			 seconds;
	int64_t			 since = 0;
	nfds_t			 npfd;
	ssize_t			 n;
	int			 rc = 1, has_since;

	if ((debounce = option(&s->p, "debounce")) == NULL)
		debounce = "250ms";
	if (parse_duration(debounce, &seconds) == -1) {
		(void)printf("Invalid value for option: --debounce\n");
		return 1;
	}
	has_since = option_int64(&s->p, "sinceRowID", &since);
	if (filter_from(&s->p, &f, err, sizeof(err)) == -1) {
		(void)printf("%s\n", err);
		filter_free(&f);
		return 1;
	}
	if (need_db(s) == -1) {
		filter_free(&f);
		return 1;
	}
	memset(&t, 0, sizeof(t));
	t.s = s;
	t.fd = t.wfd = -1;
	t.has_chat_id = option_int64(&s->p, "chatID", &t.chat_id);
	t.participants = f.participants;
	t.nparticipants = f.nparticipants;
	t.has_start = f.has_start;
	t.has_end = f.has_end;
	t.start = f.start;
	t.end = f.end;
	t.reactions = flag(&s->p, "reactions");
	t.attachments = flag(&s->p, "attachments");
	if ((size_t)snprintf(t.path, sizeof(t.path), "%s/%s", s->dir,
	    INBOUND_FILE) >= sizeof(t.path)) {
		(void)printf("unable to open database file: %s/%s: %s\n",
		    s->dir, INBOUND_FILE, strerror(ENAMETOOLONG));
		filter_free(&f);
		return 1;
	}
	if (has_since && since != 0)
		t.cursor = since;
	else
		t.scanning = 1;
	t.buf = xcalloc(WATCH_MAX_LINE + 1 + WATCH_CHUNK, 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_watch_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	if (fflush(stdout) == EOF)
		goto out;

	while (!watch_stop) {
		if (t.fd == -1 && tail_open(&t) == -1)
			goto out;
		if (t.fd != -1) {
			n = read(t.fd, t.buf + t.len, WATCH_CHUNK);
			if (n > 0) {
				t.pos += n;
				t.len += (size_t)n;
				if (tail_lines(&t) == -1)
					goto done;
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				log_warn("%s", t.path);
				goto out;
			}
			t.scanning = 0;
			if (tail_check(&t) == -1)
				goto out;
			if (t.fd == -1)
				continue;	/* replaced: open the new */
		} else
			t.scanning = 0;	/* no file: nothing yet */

		/* Wait for more, and notice a reader that went away. */
		pfd[0].fd = STDOUT_FILENO;
		pfd[0].events = 0;
		pfd[0].revents = 0;
		npfd = 1;
		if (t.wfd != -1) {
			pfd[1].fd = t.wfd;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			npfd = 2;
		}
		if (poll(pfd, npfd, t.wfd != -1 ? WATCH_IDLE_MS :
		    WATCH_POLL_MS) == -1 && errno != EINTR) {
			log_warn("poll");
			goto out;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP)) {
			t.closed = 1;	/* the reader went away */
			break;
		}
		if (npfd == 2 && (pfd[1].revents & POLLIN))
			osdep_watch_drain(t.wfd);
	}
done:
	rc = t.closed || watch_stop ? 0 : 1;
out:
	tail_close(&t);
	free(t.buf);
	filter_free(&f);
	return rc;
}

/* ---- main ----------------------------------------------------------- */

/*
 * CommandRouter.run (Sources/imsg/CommandRouter.swift): --version or -V
 * anywhere prints the version; no arguments, or --help or -h anywhere,
 * prints help; both exit 0.  Then Commander resolves the command
 * (Sources/Commander/Program.swift): an option where the command
 * belongs is "Command 'imsg' requires a subcommand" with the root help,
 * an unknown one "Unknown subcommand 'X' for command 'imsg'"; then its
 * arguments.  Every error is one line on stdout and exit 1.
 */
int
main(int argc, char **argv)
{
	struct sim	 s;
	char		 err[ERR_MAX];
	int		 i, rc = 1;

	memset(&s, 0, sizeof(s));
	s.argc = argc;
	s.argv = argv;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0) {
			(void)printf("%s\n", SIM_VERSION);
			rc = 0;
			goto done;
		}
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			break;
	if (argc <= 1 || i < argc) {
		print_help_for(argc, argv);
		rc = 0;
		goto done;
	}
	if (argv[1][0] == '-') {
		(void)printf("Command 'imsg' requires a subcommand\n");
		print_root_help();
		goto done;
	}
	if ((s.cmd = find_command(argv[1])) == NULL) {
		(void)printf("Unknown subcommand '%s' for command 'imsg'\n",
		    argv[1]);
		goto done;
	}
	if (parse_command(s.cmd, argc - 2, argv + 2, &s.p, err,
	    sizeof(err)) == -1) {
		(void)printf("%s\n", err);
		goto done;
	}
	s.json = flag(&s.p, "jsonOutput");
	s.dir = s.cmd->db ? option(&s.p, "db") : NULL;
	if (s.dir == NULL)
		s.dir = getenv("IMSG_SIM_DB");
	if (s.dir != NULL && *s.dir == '\0')
		s.dir = NULL;
	fault_knobs(s.dir);

	switch (s.cmd->id) {
	case CMD_CHATS:
		rc = cmd_chats(&s);
		break;
	case CMD_GROUP:
		rc = cmd_group(&s);
		break;
	case CMD_HISTORY:
		rc = cmd_history(&s);
		break;
	case CMD_WATCH:
		rc = cmd_watch(&s);
		break;
	case CMD_SEND:
		rc = cmd_send(&s);
		break;
	case CMD_REACT:
		rc = cmd_react(&s);
		break;
	case CMD_READ:
		rc = cmd_read(&s);
		break;
	case CMD_TYPING:
		rc = cmd_typing(&s);
		break;
	case CMD_STATUS:
		rc = cmd_status(&s);
		break;
	case CMD_SEARCH:
		rc = cmd_search(&s);
		break;
	case CMD_SEND_ATTACHMENT:
		rc = cmd_send_attachment(&s);
		break;
	case CMD_BRIDGE:
		rc = cmd_bridge(&s);
		break;
	case CMD_RPC:
		rc = cmd_rpc(&s);
		break;
	case CMD_LAUNCH:
	case CMD_COMPLETIONS:
		(void)printf("imsg-sim: %s is not simulated\n", s.cmd->name);
		break;
	}

done:
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = 1;
	return rc;
}
