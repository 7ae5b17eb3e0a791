/*
 * A simulated gog (gogcli, Gmail commands) for the tests and the sandbox
 * demo, where the real tool would need a Google account.  It follows
 * the real tool, not the gog shim: its command line, its JSON and its
 * tables are written here from gogcli's own source (steipete/gogcli,
 * commit 9a2a505d83207ebee59e6c9ae5185bab8e7d020b, and where the newer
 * gog that TOOLS.md describes differs, openclaw/gogcli), so that a test
 * comparing the shim with this program catches a shim that prints what
 * gog would not.  It shares no code with the shims.  It answers from
 * fixture files instead of the Gmail API:
 *
 *   DIR			GOG_SIM_DIR, else <dir of argv[0]>/../sim/gog
 *   DIR/messages.json	array of Gmail API messages (format full); sends
 *			and sent drafts are appended (label SENT)
 *   DIR/labels.json	array of Gmail API labels
 *   DIR/drafts.json	array of drafts {id, message} (created as needed)
 *   DIR/spool/		one JSON record per send, draft created, draft
 *			sent or deleted: what "reached Google"
 *   DIR/sim-fail		if present: its first line is an exit code, the
 *			rest is printed on stderr (every command fails)
 *   DIR/sim-pause	while present, a send or drafts create that has
 *			read its message waits before it "reaches Google",
 *			with DIR/paused/<pid> saying so (a test reads the
 *			running processes meanwhile)
 *
 * Search understands in:X, label:X, from:X, is:unread, after:EPOCH and
 * words (matched in subject and snippet); other operators are ignored.
 * Page tokens are offsets.
 *
 * Exit codes are those of the gog TOOLS.md describes: 2 usage, 5 not
 * found, 10 no account (the steipete/gogcli snapshot above maps every
 * failure but a usage error to 1).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "util.h"

#define SIM_VERSION	"v0.9.0-sim"

/* Exit codes (see above). */
#define EXIT_OK		0
#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define EXIT_NOT_FOUND	5
#define EXIT_CONFIG	10

#define ATTACH_MAX	8
#define ARGS_MAX	64

enum command {
	CMD_NONE = 0,
	CMD_VERSION,
	CMD_HELP,
	CMD_SEARCH,		/* gmail search <query...> */
	CMD_MESSAGES_SEARCH,	/* gmail messages search <query...> */
	CMD_GET,		/* gmail get <messageId> */
	CMD_THREAD_GET,		/* gmail thread get <threadId> */
	CMD_LABELS_LIST,	/* gmail labels list */
	CMD_DRAFTS_LIST,
	CMD_DRAFTS_GET,
	CMD_DRAFTS_CREATE,
	CMD_DRAFTS_SEND,
	CMD_DRAFTS_DELETE,
	CMD_SEND		/* gmail send */
};

/* The parsed command line: kong's view of RootFlags and the command. */
struct args {
	enum command	 cmd;
	const char	*account;	/* --account or GOG_ACCOUNT */
	int		 json;		/* --json or GOG_JSON */
	int		 plain;		/* --plain or GOG_PLAIN */
	int		 no_input;
	int		 force;
	int		 verbose;
	const char	*color;
	const char	*positional[ARGS_MAX];
	size_t		 npositional;
	long long	 max;		/* -1: the command's default */
	const char	*page;
	const char	*format;
	const char	*headers;
	const char	*to, *cc, *bcc, *subject, *body, *body_html;
	const char	*body_file, *body_html_file;
	const char	*reply_to_message_id, *thread_id, *reply_to;
	const char	*from;
	const char	*out_dir;
	const char	*attach[ATTACH_MAX];
	size_t		 nattach;
	int		 include_body;
	int		 reply_all;
	int		 download;
	char		 query[8192];	/* positional words joined */
};

struct sim {
	struct args	 a;
	char		 dir[PATH_MAX];
	json_t		*messages;
	json_t		*labels;
	json_t		*drafts;
};

static int	 parse_bool(const char *, int *);
static int	 env_bool(const char *);
static int	 usage_error(char *, size_t, const char *, const char *);
struct command_words;
static size_t	 command_match(const struct command_words *,
		    const struct args *);
static int	 resolve_command(struct args *, char *, size_t);
static int	 parse_args(int, char **, struct args *, char *, size_t);
static void	 go_json_string(FILE *, const char *, size_t);
static void	 go_indent(FILE *, int);
static int	 key_order(const void *, const void *);
static void	 go_json_object(FILE *, json_t *, int, int, json_t *);
static void	 go_json_value(FILE *, json_t *, int, json_t *);
static void	 print_json(json_t *, json_t *);
static size_t	 cell_width(const char *);
static void	 print_table(json_t *, int);
static int	 fail(int, const char *, const char *);
static const char *str(json_t *, const char *);
static const char *header_value(json_t *, const char *);
static char	*b64url_decode(const char *);
static char	*b64url_encode(const char *, size_t);
static char	*find_part_body(json_t *, const char *);
static char	*best_body(json_t *, int *);
static void	 format_date(const char *, char *, size_t);
static json_t	*load(struct sim *, const char *);
static void	 save(struct sim *, const char *, json_t *);
static unsigned long	 next_serial(struct sim *);
static void	 spool(struct sim *, json_t *);
static void	 pause_knob(struct sim *);
static long long	 internal_date(json_t *);
static const char *label_name(struct sim *, const char *);
static int	 has_label(struct sim *, json_t *, const char *);
static int	 contains(const char *, const char *);
static int	 matches(struct sim *, json_t *, const char *);
static json_t	*find_message(struct sim *, const char *);
static json_t	*label_names(struct sim *, json_t *);
static int	 by_date_desc(const void *, const void *);
static json_t	*summary(struct sim *, json_t *, const char *, int);
static int	 cmd_search(struct sim *, int);
static json_t	*formatted(json_t *, const char *, const char *);
static int	 cmd_get(struct sim *);
static void	 strip_tags(char *);
static int	 cut_runes(char *, size_t);
static int	 cmd_thread(struct sim *);
static void	 attachments(json_t *, json_t *, int);
static int	 cmd_labels(struct sim *);
static int	 cmd_drafts_list(struct sim *);
static json_t	*find_draft(struct sim *, const char *, size_t *);
static int	 cmd_drafts_get(struct sim *);
static char	*read_all(int);
static json_t	*csv(const char *);
static char	*joined(json_t *);
static char	*read_named(const char *);
static int	 blank(const char *);
static json_t	*part(const char *, const char *);
static void	 add_addresses(json_t *, const char *, const char *);
static void	 reply_all(struct sim *, json_t *, json_t *, json_t *);
static int	 compose(struct sim *, json_t **, json_t **);
static void	 stamp(json_t *, const char *);
static int	 cmd_send(struct sim *);
static int	 cmd_drafts_create(struct sim *);
static int	 cmd_drafts_send(struct sim *, int);
static int	 injected_failure(struct sim *);

/* ---- command line (kong, as gogcli declares its commands) ----------- */

/*
 * A flag: its name, whether it takes a value, where it goes, and the
 * commands that have it (0: a root flag, every command has it).
 * Root flags: RootFlags in internal/cmd/root.go; the others: the
 * command structs of internal/cmd/gmail.go, gmail_get.go,
 * gmail_thread.go, gmail_send.go and gmail_drafts.go, plus the newer
 * gog's --body-file (send and drafts create: openclaw/gogcli, commit
 * 0682a1273c1c54dae72f7cf8a2630cf22fe6a606, internal/cmd/gmail_drafts.go)
 * and --include-body (messages search).
 */
#define ON(c)	(1u << (c))
#define F_SEND	(ON(CMD_SEND) | ON(CMD_DRAFTS_CREATE))

struct flag_def {
	const char	*name;
	int		 takes_value;
	size_t		 offset;
	unsigned int	 commands;
};

#define OFF(m)	offsetof(struct args, m)

static const struct flag_def flags[] = {
	{ "account", 1, OFF(account), 0 },
	{ "color", 1, OFF(color), 0 },
	{ "json", 0, OFF(json), 0 },
	{ "plain", 0, OFF(plain), 0 },
	{ "force", 0, OFF(force), 0 },
	{ "no-input", 0, OFF(no_input), 0 },
	{ "verbose", 0, OFF(verbose), 0 },
	{ "page", 1, OFF(page), ON(CMD_SEARCH) | ON(CMD_MESSAGES_SEARCH) |
	    ON(CMD_DRAFTS_LIST) },
	{ "include-body", 0, OFF(include_body), ON(CMD_MESSAGES_SEARCH) },
	{ "format", 1, OFF(format), ON(CMD_GET) },
	{ "headers", 1, OFF(headers), ON(CMD_GET) },
	{ "download", 0, OFF(download), ON(CMD_THREAD_GET) |
	    ON(CMD_DRAFTS_GET) },
	{ "out-dir", 1, OFF(out_dir), ON(CMD_THREAD_GET) },
	{ "to", 1, OFF(to), F_SEND },
	{ "cc", 1, OFF(cc), F_SEND },
	{ "bcc", 1, OFF(bcc), F_SEND },
	{ "subject", 1, OFF(subject), F_SEND },
	{ "body", 1, OFF(body), F_SEND },
	{ "body-html", 1, OFF(body_html), F_SEND },
	{ "body-file", 1, OFF(body_file), F_SEND },
	{ "body-html-file", 1, OFF(body_html_file), F_SEND },
	{ "reply-to-message-id", 1, OFF(reply_to_message_id), F_SEND },
	{ "in-reply-to", 1, OFF(reply_to_message_id), ON(CMD_SEND) },
	{ "thread-id", 1, OFF(thread_id), ON(CMD_SEND) },
	{ "reply-all", 0, OFF(reply_all), ON(CMD_SEND) },
	{ "reply-to", 1, OFF(reply_to), F_SEND },
	{ "from", 1, OFF(from), F_SEND },
	{ NULL, 0, 0, 0 }
};

/* The values kong reads as true for a bool (strconv.ParseBool). */
static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true",
	    "True", NULL };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false",
	    "False", NULL };
	size_t	i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return -1;
}

/* outfmt.envBool: GOG_JSON and GOG_PLAIN (internal/outfmt/outfmt.go). */
static int
env_bool(const char *name)
{
	const char	*v = getenv(name);
	char		 low[16];
	size_t		 i, start = 0, end;

	if (v == NULL)
		return 0;
	end = strlen(v);
	while (start < end && (v[start] == ' ' || v[start] == '\t'))
		start++;
	while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t' ||
	    v[end - 1] == '\n'))
		end--;
	if (end - start >= sizeof(low))
		return 0;
	for (i = start; i < end; i++)
		low[i - start] = (char)(v[i] >= 'A' && v[i] <= 'Z' ?
		    v[i] + 32 : v[i]);
	low[end - start] = '\0';
	return strcmp(low, "1") == 0 || strcmp(low, "true") == 0 ||
	    strcmp(low, "yes") == 0 || strcmp(low, "y") == 0 ||
	    strcmp(low, "on") == 0;
}

static int
usage_error(char *err, size_t errlen, const char *msg, const char *arg)
{
	(void)snprintf(err, errlen, "%s%s%s", msg, arg != NULL ? " " : "",
	    arg != NULL ? arg : "");
	return EXIT_USAGE;
}

/*
 * The part of gog's command tree (kong subcommands, internal/cmd/
 * gmail.go) the simulator follows: the words that name a command and
 * what its remaining arguments are.
 */
#define TAKES_NOTHING	0
#define TAKES_IDS	1	/* one or more ids */
#define TAKES_QUERY	2	/* the rest is one search query */

static const struct command_words {
	const char	*words[3];
	enum command	 cmd;
	int		 takes;
} command_tree[] = {
	{ { "version" }, CMD_VERSION, TAKES_NOTHING },
	{ { "gmail", "search" }, CMD_SEARCH, TAKES_QUERY },
	{ { "gmail", "messages", "search" }, CMD_MESSAGES_SEARCH,
	  TAKES_QUERY },
	{ { "gmail", "get" }, CMD_GET, TAKES_IDS },
	{ { "gmail", "thread", "get" }, CMD_THREAD_GET, TAKES_IDS },
	{ { "gmail", "labels", "list" }, CMD_LABELS_LIST, TAKES_NOTHING },
	{ { "gmail", "drafts", "list" }, CMD_DRAFTS_LIST, TAKES_NOTHING },
	{ { "gmail", "drafts", "create" }, CMD_DRAFTS_CREATE, TAKES_NOTHING },
	{ { "gmail", "drafts", "get" }, CMD_DRAFTS_GET, TAKES_IDS },
	{ { "gmail", "drafts", "send" }, CMD_DRAFTS_SEND, TAKES_IDS },
	{ { "gmail", "drafts", "delete" }, CMD_DRAFTS_DELETE, TAKES_IDS },
	{ { "gmail", "send" }, CMD_SEND, TAKES_NOTHING },
};

/* Do the first words of the command line name this command? */
static size_t
command_match(const struct command_words *c, const struct args *a)
{
	size_t	 k;

	for (k = 0; k < 3 && c->words[k] != NULL; k++)
		if (k >= a->npositional ||
		    strcmp(a->positional[k], c->words[k]) != 0)
			return 0;
	return k;
}

/*
 * The command from the words of the command line, as kong resolves it:
 * the first word that names no command is the "unexpected argument".
 */
static int
resolve_command(struct args *a, char *err, size_t errlen)
{
	const char	*w0, *w1, *w2;
	size_t		 used = 0, i, k, n = a->npositional;
	int		 ids = 0, query = 0;

	w0 = n > 0 ? a->positional[0] : NULL;
	w1 = n > 1 ? a->positional[1] : NULL;
	w2 = n > 2 ? a->positional[2] : NULL;
	if (w0 == NULL)
		return usage_error(err, errlen, "expected one of \"auth\", "
		    "\"drive\", \"docs\", \"slides\", \"calendar\", \"gmail\", "
		    "...", NULL);
	for (i = 0; i < sizeof(command_tree) / sizeof(command_tree[0]); i++) {
		if ((k = command_match(&command_tree[i], a)) > used) {
			used = k;
			a->cmd = command_tree[i].cmd;
			ids = command_tree[i].takes == TAKES_IDS;
			query = command_tree[i].takes == TAKES_QUERY;
		}
	}
	if (used == 0 && strcmp(w0, "gmail") != 0)
		return usage_error(err, errlen, "unexpected argument", w0);
	if (used == 0 && w1 == NULL)
		return usage_error(err, errlen, "expected one of \"search\", "
		    "\"thread\", \"get\", ...", NULL);
	if (used == 0)
		return usage_error(err, errlen, "unexpected argument",
		    w2 != NULL && (strcmp(w1, "thread") == 0 ||
		    strcmp(w1, "labels") == 0 || strcmp(w1, "drafts") == 0 ||
		    strcmp(w1, "messages") == 0) ? w2 : w1);
	for (i = used; i < n; i++)
		a->positional[i - used] = a->positional[i];
	a->npositional = n - used;
	if (query) {
		if (a->npositional == 0)
			return usage_error(err, errlen,
			    "expected \"<query> ...\"", NULL);
		a->query[0] = '\0';
		for (i = 0; i < a->npositional; i++) {
			if (i > 0)
				(void)strlcat(a->query, " ", sizeof(a->query));
			if (strlcat(a->query, a->positional[i],
			    sizeof(a->query)) >= sizeof(a->query))
				return usage_error(err, errlen,
				    "query too long", NULL);
		}
		return 0;
	}
	if (ids && a->npositional == 0)
		return usage_error(err, errlen, a->cmd == CMD_GET ?
		    "expected \"<messageId>\"" : a->cmd == CMD_THREAD_GET ?
		    "expected \"<threadId>\"" : "expected \"<draftId>\"",
		    NULL);
	if (a->npositional > (size_t)ids)
		return usage_error(err, errlen, "unexpected argument",
		    a->positional[ids]);
	return 0;
}

/*
 * kong's parse: flags anywhere before "--", as "--name value" or
 * "--name=value" (a bool as "--name" or "--name=BOOL"); "--" makes the
 * rest arguments; --version prints the version and --help the help,
 * wherever they are.  A flag the selected command lacks is unknown, as
 * kong checks flags against the command path.  Returns 0, or
 * EXIT_USAGE with the message in err.
 */
static int
parse_args(int argc, char **argv, struct args *a, char *err, size_t errlen)
{
	const struct flag_def	*f;
	const char		*arg, *name, *value, *eq, *errstr;
	const char		*seen[ARGS_MAX];
	size_t			 namelen, nseen = 0, k;
	int			 i, dashdash = 0, r, b;

	memset(a, 0, sizeof(*a));
	a->max = -1;
	if ((a->account = getenv("GOG_ACCOUNT")) != NULL &&
	    a->account[0] == '\0')
		a->account = NULL;
	a->json = env_bool("GOG_JSON");
	a->plain = env_bool("GOG_PLAIN");
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "--") == 0)
			break;
		if (strcmp(arg, "--version") == 0) {
			a->cmd = CMD_VERSION;
			return 0;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			a->cmd = CMD_HELP;
			return 0;
		}
	}
	/* First the words, so that flags can be checked against them. */
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			if (a->npositional == ARGS_MAX)
				return usage_error(err, errlen,
				    "too many arguments", NULL);
			a->positional[a->npositional++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (arg[1] != '-')
			continue;	/* reported below */
		name = arg + 2;
		if (strchr(name, '=') != NULL)
			continue;
		namelen = strlen(name);
		for (f = flags; f->name != NULL; f++)
			if (strcmp(f->name, name) == 0)
				break;
		if ((f->name != NULL && f->takes_value) ||
		    strcmp(name, "max") == 0 || strcmp(name, "limit") == 0 ||
		    strcmp(name, "attach") == 0)
			i++;	/* its value */
	}
	if ((r = resolve_command(a, err, errlen)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "--") == 0)
			break;
		if (arg[0] != '-' || arg[1] == '\0')
			continue;
		if (arg[1] != '-')
			return usage_error(err, errlen, "unknown flag", arg);
		name = arg + 2;
		eq = strchr(name, '=');
		namelen = eq != NULL ? (size_t)(eq - name) : strlen(name);
		value = eq != NULL ? eq + 1 : NULL;
		if ((namelen == 3 && strncmp(name, "max", 3) == 0) ||
		    (namelen == 5 && strncmp(name, "limit", 5) == 0)) {
			if (a->cmd != CMD_SEARCH && a->cmd != CMD_MESSAGES_SEARCH &&
			    a->cmd != CMD_DRAFTS_LIST)
				return usage_error(err, errlen, "unknown flag",
				    arg);
			if (value == NULL) {
				if (i + 1 >= argc)
					return usage_error(err, errlen,
					    "expected a value for", arg);
				value = argv[++i];
			}
			a->max = strtonum(value, LLONG_MIN, LLONG_MAX, &errstr);
			if (errstr != NULL) {
				(void)snprintf(err, errlen, "--max: expected a "
				    "valid 64 bit int but got \"%s\"", value);
				return EXIT_USAGE;
			}
			continue;
		}
		if (namelen == 6 && strncmp(name, "attach", 6) == 0) {
			if (a->cmd != CMD_SEND && a->cmd != CMD_DRAFTS_CREATE)
				return usage_error(err, errlen, "unknown flag",
				    arg);
			if (value == NULL) {
				if (i + 1 >= argc)
					return usage_error(err, errlen,
					    "expected a value for", "--attach");
				value = argv[++i];
			}
			if (a->nattach == ATTACH_MAX)
				return usage_error(err, errlen,
				    "too many --attach", NULL);
			a->attach[a->nattach++] = value;
			continue;
		}
		for (f = flags; f->name != NULL; f++)
			if (strlen(f->name) == namelen &&
			    strncmp(f->name, name, namelen) == 0)
				break;
		if (f->name == NULL || (f->commands != 0 &&
		    (f->commands & ON(a->cmd)) == 0)) {
			(void)snprintf(err, errlen, "unknown flag --%.*s",
			    (int)namelen, name);
			return EXIT_USAGE;
		}
		if (!f->takes_value) {
			b = 1;
			if (value != NULL && parse_bool(value, &b) == -1) {
				(void)snprintf(err, errlen, "--%s: bool value "
				    "must be true, 1, yes, false, 0 or no",
				    f->name);
				return EXIT_USAGE;
			}
			*(int *)(void *)((char *)a + f->offset) = b;
			continue;
		}
		if (value == NULL) {
			if (i + 1 >= argc)
				return usage_error(err, errlen,
				    "expected a value for", arg);
			value = argv[++i];
		}
		/* A string flag given twice: kong keeps the last. */
		for (k = 0; k < nseen; k++)
			if (seen[k] == f->name)
				break;
		if (k == nseen && nseen < ARGS_MAX)
			seen[nseen++] = f->name;
		*(const char **)(void *)((char *)a + f->offset) = value;
	}
	if (a->json && a->plain)
		return usage_error(err, errlen, "invalid output mode (cannot "
		    "combine --json and --plain)", NULL);
	return 0;
}

/* ---- output (Go's encoding/json and text/tabwriter) ----------------- */


/*
 * A string as encoding/json writes it with SetEscapeHTML(false): '"'
 * and '\\' escaped, \b \f \n \r \t by name, other control characters
 * as \u00xx, U+2028 and U+2029 escaped, bytes that are not UTF-8 as
 * \ufffd; '<', '>' and '&' as they are.
 */
static void
go_json_string(FILE *f, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	(void)fputc('"', f);
	for (i = 0; i < len; i += n) {
		n = 1;
		switch (p[i]) {
		case '"':
			(void)fputs("\\\"", f);
			continue;
		case '\\':
			(void)fputs("\\\\", f);
			continue;
		case '\b':
			(void)fputs("\\b", f);
			continue;
		case '\f':
			(void)fputs("\\f", f);
			continue;
		case '\n':
			(void)fputs("\\n", f);
			continue;
		case '\r':
			(void)fputs("\\r", f);
			continue;
		case '\t':
			(void)fputs("\\t", f);
			continue;
		default:
			break;
		}
		if (p[i] < 0x20) {
			(void)fprintf(f, "\\u00%c%c", hex[p[i] >> 4],
			    hex[p[i] & 0xf]);
			continue;
		}
		if (p[i] < 0x80) {
			(void)fputc(p[i], f);
			continue;
		}
		n = (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3 :
		    (p[i] & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0 || i + n > len || !util_utf8_valid(s + i, n)) {
			(void)fputs("\\ufffd", f);
			n = 1;
			continue;
		}
		if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			(void)fprintf(f, "\\u202%c", p[i + 2] == 0xa8 ? '8' :
			    '9');
			continue;
		}
		(void)fwrite(p + i, 1, n, f);
	}
	(void)fputc('"', f);
}

static void
go_indent(FILE *f, int depth)
{
	int	i;

	(void)fputc('\n', f);
	for (i = 0; i < depth; i++)
		(void)fputs("  ", f);
}

static int
key_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * An object: with sorted keys, as encoding/json writes a map and as
 * the Gmail API structs come out (their fields are declared in the
 * order of their JSON names); in its own order when it is an element
 * of keep (a gog struct such as a search result row, fields in
 * declaration order).
 */
static void
go_json_object(FILE *f, json_t *o, int depth, int sorted, json_t *keep)
{
	const char	**keys, *k;
	json_t		 *v;
	size_t		  n = json_object_size(o), i = 0;

	if (n == 0) {
		(void)fputs("{}", f);
		return;
	}
	keys = xcalloc(n, sizeof(*keys));
	json_object_foreach(o, k, v)
		keys[i++] = k;
	if (sorted)
		qsort(keys, n, sizeof(*keys), key_order);
	(void)fputc('{', f);
	for (i = 0; i < n; i++) {
		go_indent(f, depth + 1);
		go_json_string(f, keys[i], strlen(keys[i]));
		(void)fputs(": ", f);
		go_json_value(f, json_object_get(o, keys[i]), depth + 1, keep);
		if (i + 1 < n)
			(void)fputc(',', f);
	}
	go_indent(f, depth);
	(void)fputc('}', f);
	free(keys);
}

static void
go_json_value(FILE *f, json_t *v, int depth, json_t *keep)
{
	json_t	*e;
	size_t	 i, n;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		go_json_object(f, v, depth, 1, keep);
		break;
	case JSON_ARRAY:
		if ((n = json_array_size(v)) == 0) {
			(void)fputs("[]", f);
			break;
		}
		(void)fputc('[', f);
		json_array_foreach(v, i, e) {
			go_indent(f, depth + 1);
			if (v == keep && json_is_object(e))
				go_json_object(f, e, depth + 1, 0, keep);
			else
				go_json_value(f, e, depth + 1, keep);
			if (i + 1 < n)
				(void)fputc(',', f);
		}
		go_indent(f, depth);
		(void)fputc(']', f);
		break;
	case JSON_STRING:
		go_json_string(f, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		(void)fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		(void)fprintf(f, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		(void)fputs("true", f);
		break;
	case JSON_FALSE:
		(void)fputs("false", f);
		break;
	case JSON_NULL:
	default:
		(void)fputs("null", f);
		break;
	}
}

/*
 * outfmt.WriteJSON (internal/outfmt/outfmt.go): a json.Encoder with
 * SetEscapeHTML(false) and SetIndent("", "  "), so one indented
 * document and a newline.
 */
static void
print_json(json_t *v, json_t *keep)
{
	go_json_value(stdout, v, 0, keep);
	(void)fputc('\n', stdout);
}

/* The width text/tabwriter gives a cell: its UTF-8 characters. */
static size_t
cell_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * A table as gog prints it (tableWriter, internal/cmd/output_helpers.go):
 * with --plain the cells joined by tabs; else through
 * tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0), which pads every
 * cell but the last of a line to its column's widest cell plus two
 * spaces.  rows is an array of arrays of strings, the header first.
 */
static void
print_table(json_t *rows, int plain)
{
	json_t		*row, *cell;
	size_t		*width = NULL, ncols = 0, i, j, w;
	const char	*s;

	json_array_foreach(rows, i, row)
		if (json_array_size(row) > ncols)
			ncols = json_array_size(row);
	width = xcalloc(ncols + 1, sizeof(*width));
	json_array_foreach(rows, i, row)
		json_array_foreach(row, j, cell)
			if (j + 1 < json_array_size(row) &&
			    (w = cell_width(json_string_value(cell))) >
			    width[j])
				width[j] = w;
	json_array_foreach(rows, i, row) {
		json_array_foreach(row, j, cell) {
			s = json_string_value(cell);
			(void)fputs(s, stdout);
			if (j + 1 == json_array_size(row))
				break;
			if (plain)
				(void)fputc('\t', stdout);
			else
				for (w = cell_width(s); w < width[j] + 2; w++)
					(void)fputc(' ', stdout);
		}
		(void)fputc('\n', stdout);
	}
	free(width);
}

/* Errors: one line on stderr, as ui.Printer.Error prints it. */
static int
fail(int code, const char *msg, const char *arg)
{
	(void)fprintf(stderr, "%s%s%s\n", msg, arg != NULL ? " " : "",
	    arg != NULL ? arg : "");
	return code;
}

/* ---- Gmail messages ------------------------------------------------- */

static const char *
str(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/*
 * headerValue (internal/cmd/gmail.go): the first header of the
 * message's payload with this name, any case, or "".
 */
static const char *
header_value(json_t *msg, const char *name)
{
	json_t	*h;
	size_t	 i;

	json_array_foreach(json_object_get(json_object_get(msg, "payload"),
	    "headers"), i, h)
		if (strcasecmp(str(h, "name"), name) == 0)
			return str(h, "value");
	return "";
}

/*
 * base64.RawURLEncoding.DecodeString: URL alphabet, no padding ('='
 * is an error); CR and LF are skipped.  A malloc'd NUL-terminated
 * result, or NULL.
 */
static char *
b64url_decode(const char *in)
{
	char	*out;
	size_t	 len = strlen(in), o = 0, nbits = 0;
	unsigned int	 acc = 0;
	int	 v;

	out = xcalloc(len + 1, 1);
	for (; *in != '\0'; in++) {
		if (*in == '\r' || *in == '\n')
			continue;
		if (*in >= 'A' && *in <= 'Z')
			v = *in - 'A';
		else if (*in >= 'a' && *in <= 'z')
			v = *in - 'a' + 26;
		else if (*in >= '0' && *in <= '9')
			v = *in - '0' + 52;
		else if (*in == '-')
			v = 62;
		else if (*in == '_')
			v = 63;
		else {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (char)((acc >> nbits) & 0xff);
		}
	}
	/* A lone trailing character, or bits left over, is corrupt. */
	if (nbits >= 6 || (acc & ((1u << nbits) - 1)) != 0) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	return out;
}

/* base64.RawURLEncoding.EncodeToString: a malloc'd string. */
static char *
b64url_encode(const char *in, size_t len)
{
	static const char	 alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char	*p = (const unsigned char *)in;
	char			*out;
	size_t			 i, o = 0;
	unsigned int		 v;

	out = xcalloc(len / 3 * 4 + 5, 1);
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8 |
		    p[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned int)p[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return out;
}

/*
 * findPartBody (internal/cmd/gmail_thread.go): depth first, the first
 * part of this MIME type whose body data decodes.  malloc'd, or NULL.
 */
static char *
find_part_body(json_t *part, const char *mime)
{
	json_t	*sub;
	char	*s;
	size_t	 i;

	if (part == NULL)
		return NULL;
	if (strcmp(str(part, "mimeType"), mime) == 0 &&
	    *str(json_object_get(part, "body"), "data") != '\0' &&
	    (s = b64url_decode(str(json_object_get(part, "body"),
	    "data"))) != NULL) {
		if (*s != '\0')
			return s;
		free(s);
	}
	json_array_foreach(json_object_get(part, "parts"), i, sub)
		if ((s = find_part_body(sub, mime)) != NULL)
			return s;
	return NULL;
}

/*
 * bestBodyText / bestBodyForDisplay: text/plain, else text/html (then
 * *html is set).  malloc'd, or NULL when there is no body.
 */
static char *
best_body(json_t *payload, int *html)
{
	char	*s;

	if (html != NULL)
		*html = 0;
	if ((s = find_part_body(payload, "text/plain")) != NULL)
		return s;
	if ((s = find_part_body(payload, "text/html")) != NULL &&
	    html != NULL)
		*html = 1;
	return s;
}

/*
 * formatGmailDate (internal/cmd/gmail.go): net/mail.ParseDate, then
 * "2006-01-02 15:04" in the date's own zone; the trimmed input when it
 * does not parse.  Accepted: [Day, ]D Mon YYYY HH:MM[:SS] ZONE, the
 * zone +hhmm/-hhmm or a name mail.ParseDate knows.
 */
static void
format_date(const char *in, char *out, size_t outlen)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const zones[] = { "UT", "UTC", "GMT", "EST", "EDT",
	    "CST", "CDT", "MST", "MDT", "PST", "PDT", NULL };
	char		 buf[256], *p, *tok[8], *save = NULL;
	size_t		 n = 0, start = 0, end, i;
	long		 day, year, hour, min, sec = 0;
	int		 mon = -1;
	const char	*zone, *errstr;

	end = strlen(in);
	while (start < end && (in[start] == ' ' || in[start] == '\t'))
		start++;
	while (end > start && (in[end - 1] == ' ' || in[end - 1] == '\t' ||
	    in[end - 1] == '\r' || in[end - 1] == '\n'))
		end--;
	(void)snprintf(out, outlen, "%.*s", (int)(end - start), in + start);
	if (end - start >= sizeof(buf))
		return;
	(void)snprintf(buf, sizeof(buf), "%.*s", (int)(end - start),
	    in + start);
	p = buf;
	if ((end = strcspn(p, ",")) < strlen(p))
		p += end + 1;
	for (tok[n] = strtok_r(p, " \t", &save); tok[n] != NULL && n < 7;
	    tok[++n] = strtok_r(NULL, " \t", &save))
		;
	if (n < 5)
		return;
	day = strtonum(tok[0], 1, 31, &errstr);
	if (errstr != NULL || strlen(tok[0]) > 2)
		return;
	for (i = 0; i < 12; i++)
		if (strcmp(tok[1], months[i]) == 0)
			mon = (int)i;
	if (mon == -1 || strlen(tok[2]) != 4)
		return;
	year = strtonum(tok[2], 1000, 9999, &errstr);
	if (errstr != NULL)
		return;
	if (sscanf(tok[3], "%2ld:%2ld:%2ld", &hour, &min, &sec) < 2 ||
	    hour > 23 || min > 59 || sec > 60)
		return;
	zone = tok[4];
	if ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 5 &&
	    strspn(zone + 1, "0123456789") == 4)
		;
	else {
		for (i = 0; zones[i] != NULL; i++)
			if (strcmp(zone, zones[i]) == 0)
				break;
		if (zones[i] == NULL)
			return;
	}
	(void)snprintf(out, outlen, "%04ld-%02d-%02ld %02ld:%02ld", year,
	    mon + 1, day, hour, min);
}

/* ---- the simulated mailbox ------------------------------------------ */

static json_t *
load(struct sim *s, const char *name)
{
	char		 path[PATH_MAX + 32];
	json_t		*v;
	json_error_t	 e;

	(void)snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	if (access(path, F_OK) == -1)
		return json_array();
	if ((v = json_load_file(path, JSON_REJECT_DUPLICATES, &e)) == NULL ||
	    !json_is_array(v)) {
		(void)fprintf(stderr, "gog-sim: %s: %s\n", path, e.text);
		exit(1);
	}
	return v;
}

static void
save(struct sim *s, const char *name, json_t *v)
{
	char	path[PATH_MAX + 32], tmp[PATH_MAX + 40];

	(void)snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(v, tmp, JSON_INDENT(1)) == -1 ||
	    rename(tmp, path) == -1) {
		(void)fprintf(stderr, "gog-sim: cannot write %s\n", path);
		exit(1);
	}
}

static unsigned long
next_serial(struct sim *s)
{
	char		 path[PATH_MAX + 32], buf[32] = "";
	unsigned long	 n = 0;
	FILE		*f;

	(void)snprintf(path, sizeof(path), "%s/next-id", s->dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			n = strtoul(buf, NULL, 10);
		(void)fclose(f);
	}
	n++;
	if ((f = fopen(path, "w")) == NULL) {
		(void)fprintf(stderr, "gog-sim: cannot write %s\n", path);
		exit(1);
	}
	(void)fprintf(f, "%lu\n", n);
	(void)fclose(f);
	return n;
}

/*
 * DIR/sim-pause: wait, with DIR/paused/<pid> showing it, until the
 * knob is removed.  Not gog's: the tests' way to catch a send running.
 */
static void
pause_knob(struct sim *s)
{
	char		 knob[PATH_MAX + 32], mark[PATH_MAX + 64];
	struct stat	 st;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 fd;

	(void)snprintf(knob, sizeof(knob), "%s/sim-pause", s->dir);
	if (stat(knob, &st) == -1)
		return;
	(void)snprintf(mark, sizeof(mark), "%s/paused", s->dir);
	(void)mkdir(mark, 0755);
	(void)snprintf(mark, sizeof(mark), "%s/paused/%ld", s->dir,
	    (long)getpid());
	if ((fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) != -1)
		(void)close(fd);
	while (stat(knob, &st) == 0)
		(void)nanosleep(&ts, NULL);
	(void)unlink(mark);
}

static void
spool(struct sim *s, json_t *rec)
{
	char	path[PATH_MAX + 64];

	(void)snprintf(path, sizeof(path), "%s/spool", s->dir);
	(void)mkdir(path, 0700);
	(void)snprintf(path, sizeof(path), "%s/spool/%06lu.json", s->dir,
	    next_serial(s));
	if (json_dump_file(rec, path, JSON_INDENT(2) | JSON_SORT_KEYS) ==
	    -1) {
		(void)fprintf(stderr, "gog-sim: cannot spool %s\n", path);
		exit(1);
	}
}


static long long
internal_date(json_t *m)
{
	return strtoll(str(m, "internalDate"), NULL, 10);
}

static const char *
label_name(struct sim *s, const char *id)
{
	json_t	*l;
	size_t	 i;

	json_array_foreach(s->labels, i, l)
		if (strcmp(str(l, "id"), id) == 0)
			return str(l, "name")[0] != '\0' ? str(l, "name") : id;
	return id;
}

static int
has_label(struct sim *s, json_t *m, const char *want)
{
	json_t		*l;
	size_t		 i;
	const char	*id;

	json_array_foreach(json_object_get(m, "labelIds"), i, l) {
		id = json_string_value(l);
		if (id != NULL && (strcasecmp(id, want) == 0 ||
		    strcasecmp(label_name(s, id), want) == 0))
			return 1;
	}
	return 0;
}

static int
contains(const char *hay, const char *needle)
{
	size_t	n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

static int
matches(struct sim *s, json_t *m, const char *query)
{
	char	 q[8192], *word, *save = NULL;

	(void)strlcpy(q, query, sizeof(q));
	for (word = strtok_r(q, " \t", &save); word != NULL;
	    word = strtok_r(NULL, " \t", &save)) {
		if (strncasecmp(word, "in:", 3) == 0 ||
		    strncasecmp(word, "label:", 6) == 0) {
			if (!has_label(s, m, strchr(word, ':') + 1))
				return 0;
		} else if (strcasecmp(word, "is:unread") == 0) {
			if (!has_label(s, m, "UNREAD"))
				return 0;
		} else if (strncasecmp(word, "from:", 5) == 0) {
			if (!contains(header_value(m, "From"), word + 5))
				return 0;
		} else if (strncasecmp(word, "after:", 6) == 0) {
			if (internal_date(m) / 1000 <= strtoll(word + 6,
			    NULL, 10))
				return 0;
		} else if (strchr(word, ':') != NULL)
			continue;
		else if (!contains(header_value(m, "Subject"), word) &&
		    !contains(str(m, "snippet"), word))
			return 0;
	}
	return 1;
}

static json_t *
find_message(struct sim *s, const char *id)
{
	json_t	*m;
	size_t	 i;

	json_array_foreach(s->messages, i, m)
		if (strcmp(str(m, "id"), id) == 0)
			return m;
	return NULL;
}

static json_t *
label_names(struct sim *s, json_t *m)
{
	json_t	*out = json_array(), *l;
	size_t	 i;

	json_array_foreach(json_object_get(m, "labelIds"), i, l)
		if (json_is_string(l))
			json_array_append_new(out,
			    json_string(label_name(s, json_string_value(l))));
	return out;
}

/* Newest first, as Gmail lists. */
static int
by_date_desc(const void *a, const void *b)
{
	long long	da = internal_date(*(json_t *const *)a);
	long long	db = internal_date(*(json_t *const *)b);

	return da < db ? 1 : da > db ? -1 : 0;
}

static json_t *
summary(struct sim *s, json_t *m, const char *id, int messages)
{
	json_t	*o = json_object(), *labels;
	char	 date[64];

	json_object_set_new(o, "id", json_string(id));
	if (messages)
		json_object_set_new(o, "threadId",
		    json_string(str(m, "threadId")));
	format_date(header_value(m, "Date"), date, sizeof(date));
	if (date[0] != '\0')
		json_object_set_new(o, "date", json_string(date));
	if (header_value(m, "From")[0] != '\0')
		json_object_set_new(o, "from",
		    json_string(header_value(m, "From")));
	if (header_value(m, "Subject")[0] != '\0')
		json_object_set_new(o, "subject",
		    json_string(header_value(m, "Subject")));
	labels = label_names(s, m);
	if (json_array_size(labels) > 0)
		json_object_set(o, "labels", labels);
	json_decref(labels);
	return o;
}

static int
cmd_search(struct sim *s, int messages)
{
	json_t		**list, *m, *items, *out, *rows, *t;
	json_t		 *first, *lbl;
	size_t		  i, j, n = 0, start = 0, max, k;
	const char	 *errstr, *tid;
	char		  next[32] = "", date[64];
	struct buf	  labels;
	int		  seen;

	if (s->a.query[strspn(s->a.query, " \t\n")] == '\0')
		return fail(EXIT_USAGE, "missing query", NULL);
	max = s->a.max > 0 ? (size_t)s->a.max : 10;
	if (s->a.page != NULL) {
		start = (size_t)strtonum(s->a.page, 0, 1000000, &errstr);
		if (errstr != NULL)
			return fail(EXIT_ERROR, "Google API error (400): "
			    "Invalid pageToken", NULL);
	}
	list = xcalloc(json_array_size(s->messages) + 1, sizeof(*list));
	json_array_foreach(s->messages, i, m) {
		if (!matches(s, m, s->a.query))
			continue;
		if (!messages) {
			/* One entry per thread, where its newest match is. */
			seen = 0;
			for (j = 0; j < n; j++)
				if (strcmp(str(list[j], "threadId"),
				    str(m, "threadId")) == 0) {
					if (internal_date(m) >
					    internal_date(list[j]))
						list[j] = m;
					seen = 1;
				}
			if (seen)
				continue;
		}
		list[n++] = m;
	}
	qsort(list, n, sizeof(*list), by_date_desc);
	items = json_array();
	for (i = start; i < n && i < start + max; i++) {
		if (messages) {
			json_array_append_new(items, summary(s, list[i],
			    str(list[i], "id"), 1));
			continue;
		}
		/* A thread shows its first message. */
		tid = str(list[i], "threadId");
		first = NULL;
		json_array_foreach(s->messages, k, m)
			if (strcmp(str(m, "threadId"), tid) == 0 &&
			    (first == NULL ||
			    internal_date(m) < internal_date(first)))
				first = m;
		json_array_append_new(items, summary(s, first, tid, 0));
	}
	if (start + max < n)
		(void)snprintf(next, sizeof(next), "%zu", start + max);
	free(list);
	if (messages && s->a.include_body)
		json_array_foreach(items, i, t) {
			char *body = best_body(json_object_get(
			    find_message(s, str(t, "id")), "payload"), NULL);

			if (body != NULL)
				json_object_set_new(t, "body",
				    json_string(body));
			free(body);
		}
	if (s->a.json) {
		out = json_object();
		json_object_set_new(out, "nextPageToken", json_string(next));
		json_object_set(out, messages ? "messages" : "threads",
		    json_array_size(items) > 0 || messages ? items :
		    json_null());
		print_json(out, items);
		json_decref(out);
		json_decref(items);
		return 0;
	}
	if (json_array_size(items) == 0) {
		json_decref(items);
		(void)fputs("No results\n", stderr);
		return 0;
	}
	rows = json_pack("[[s,s,s,s,s]]", "ID", "DATE", "FROM", "SUBJECT",
	    "LABELS");
	json_array_foreach(items, i, t) {
		buf_init(&labels, 65536);
		json_array_foreach(json_object_get(t, "labels"), j, lbl) {
			if (j > 0)
				(void)buf_append(&labels, ",", 1);
			(void)buf_append(&labels, json_string_value(lbl),
			    json_string_length(lbl));
		}
		(void)buf_cstr(&labels);
		(void)strlcpy(date, str(t, "date"), sizeof(date));
		json_array_append_new(rows, json_pack("[s,s,s,s,s]",
		    str(t, "id"), date, str(t, "from"), str(t, "subject"),
		    labels.data != NULL ? labels.data : ""));
		buf_free(&labels);
	}
	print_table(rows, s->a.plain);
	json_decref(rows);
	json_decref(items);
	if (next[0] != '\0')
		(void)fprintf(stderr, "# Next page: --page %s\n", next);
	return 0;
}

/*
 * The message as Gmail returns it in format (a new reference).  For
 * metadata gog asks only for From, To, Subject and Date, or the
 * --headers it is given, and the newer gog adds List-Unsubscribe
 * (internal/cmd/gmail_get.go): other headers, Cc and Bcc among them,
 * are not in the answer.
 */
static json_t *
formatted(json_t *m, const char *format, const char *wanted)
{
	static const char *const meta[] = { "From", "To", "Subject", "Date",
	    NULL };
	json_t		*out, *payload, *headers, *h, *names;
	struct buf	 raw;
	char		*body, *enc, *copy, *p, *save = NULL;
	size_t		 i, j;

	if (strcmp(format, "full") == 0)
		return json_deep_copy(m);
	out = json_deep_copy(m);
	payload = json_object_get(out, "payload");
	if (strcmp(format, "metadata") == 0) {
		names = json_array();
		if (wanted != NULL) {
			copy = xstrdup(wanted);
			for (p = strtok_r(copy, ",", &save); p != NULL;
			    p = strtok_r(NULL, ",", &save)) {
				while (*p == ' ')
					p++;
				if (*p != '\0')
					json_array_append_new(names,
					    json_string(p));
			}
			free(copy);
		}
		if (json_array_size(names) == 0)
			for (j = 0; meta[j] != NULL; j++)
				json_array_append_new(names,
				    json_string(meta[j]));
		json_array_append_new(names, json_string("List-Unsubscribe"));
		headers = json_array();
		json_array_foreach(json_object_get(payload, "headers"), i, h)
			for (j = 0; j < json_array_size(names); j++)
				if (strcasecmp(str(h, "name"), json_string_value(
				    json_array_get(names, j))) == 0) {
					json_array_append(headers, h);
					break;
				}
		json_decref(names);
		json_object_set_new(out, "payload", json_pack("{s:s,s:o}",
		    "mimeType", str(payload, "mimeType"), "headers",
		    headers));
		return out;
	}
	buf_init(&raw, 16 * 1024 * 1024);
	json_array_foreach(json_object_get(payload, "headers"), i, h) {
		(void)buf_append(&raw, str(h, "name"), strlen(str(h, "name")));
		(void)buf_append(&raw, ": ", 2);
		(void)buf_append(&raw, str(h, "value"),
		    strlen(str(h, "value")));
		(void)buf_append(&raw, "\r\n", 2);
	}
	(void)buf_append(&raw, "\r\n", 2);
	if ((body = best_body(payload, NULL)) != NULL) {
		(void)buf_append(&raw, body, strlen(body));
		free(body);
	}
	enc = b64url_encode(raw.data != NULL ? raw.data : "", raw.len);
	buf_free(&raw);
	json_object_del(out, "payload");
	json_object_set_new(out, "raw", json_string(enc));
	free(enc);
	return out;
}

/*
 * gmail get (internal/cmd/gmail_get.go): --format full, metadata or
 * raw.  JSON: {"message"} with, in the newer gog, a flattened
 * "headers" map (from, to, cc, bcc, subject, date of the message as
 * returned) and for full the "body".  Text: id, thread_id, label_ids,
 * then the raw message, or from, to, subject, date and for full the
 * body after a blank line.
 */
static int
cmd_get(struct sim *s)
{
	const char	*format = s->a.format != NULL ? s->a.format : "full";
	json_t		*m, *out, *msg, *l;
	char		*body, *raw;
	size_t		 i;

	if (*s->a.positional[0] == '\0')
		return fail(EXIT_USAGE, "empty messageId", NULL);
	if (strcmp(format, "full") != 0 && strcmp(format, "metadata") != 0 &&
	    strcmp(format, "raw") != 0) {
		(void)fprintf(stderr, "invalid --format: \"%s\" (expected "
		    "full|metadata|raw)\n", format);
		return EXIT_ERROR;
	}
	if ((m = find_message(s, s->a.positional[0])) == NULL)
		return fail(EXIT_NOT_FOUND, "Google API error (404 notFound): "
		    "Requested entity was not found.", NULL);
	msg = formatted(m, format, s->a.headers);
	if (s->a.json) {
		out = json_pack("{s:o,s:{s:s,s:s,s:s,s:s,s:s,s:s}}", "message",
		    msg, "headers", "from", header_value(msg, "From"), "to",
		    header_value(msg, "To"), "cc", header_value(msg, "Cc"),
		    "bcc", header_value(msg, "Bcc"), "subject",
		    header_value(msg, "Subject"), "date",
		    header_value(msg, "Date"));
		if (strcmp(format, "full") == 0 && (body = best_body(
		    json_object_get(msg, "payload"), NULL)) != NULL) {
			json_object_set_new(out, "body", json_string(body));
			free(body);
		}
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	(void)printf("id\t%s\nthread_id\t%s\nlabel_ids\t", str(msg, "id"),
	    str(msg, "threadId"));
	json_array_foreach(json_object_get(msg, "labelIds"), i, l)
		(void)printf("%s%s", i > 0 ? "," : "", json_string_value(l) !=
		    NULL ? json_string_value(l) : "");
	(void)printf("\n");
	if (strcmp(format, "raw") == 0) {
		if (*str(msg, "raw") == '\0') {
			(void)fputs("Empty raw message\n", stderr);
			json_decref(msg);
			return 0;
		}
		if ((raw = b64url_decode(str(msg, "raw"))) == NULL) {
			json_decref(msg);
			return fail(EXIT_ERROR, "illegal base64 data", NULL);
		}
		(void)printf("\n%s\n", raw);
		free(raw);
		json_decref(msg);
		return 0;
	}
	(void)printf("from\t%s\nto\t%s\nsubject\t%s\ndate\t%s\n",
	    header_value(msg, "From"), header_value(msg, "To"),
	    header_value(msg, "Subject"), header_value(msg, "Date"));
	if (strcmp(format, "full") == 0 &&
	    (body = best_body(json_object_get(msg, "payload"), NULL)) != NULL) {
		(void)printf("\n%s\n", body);
		free(body);
	}
	json_decref(msg);
	return 0;
}

/*
 * stripHTMLTags (internal/cmd/gmail_thread.go), its four regular
 * expressions in order: "(?is)<script[^>]*>.*?</script>" and the same
 * for style removed; "<[^>]*>" replaced by a space; "\\s+" (Go's \\s:
 * tab, newline, form feed, carriage return, space) made one space;
 * then strings.TrimSpace.  In place.
 */
static void
strip_tags(char *s)
{
	static const char *const elements[] = { "script", "style", NULL };
	char		 close_tag[16];
	char		*start, *gt, *end, *r, *w;
	size_t		 i, n;

	for (i = 0; elements[i] != NULL; i++) {
		n = strlen(elements[i]);
		(void)snprintf(close_tag, sizeof(close_tag), "</%s>",
		    elements[i]);
		start = s;
		while ((start = strchr(start, '<')) != NULL) {
			if (strncasecmp(start + 1, elements[i], n) != 0 ||
			    (gt = strchr(start, '>')) == NULL ||
			    (end = strcasestr(gt + 1, close_tag)) == NULL) {
				start++;
				continue;
			}
			end += strlen(close_tag);
			memmove(start, end, strlen(end) + 1);
		}
	}
	for (r = w = s; *r != '\0'; r++) {
		if (*r == '<' && (gt = strchr(r, '>')) != NULL) {
			*w++ = ' ';
			r = gt;
		} else
			*w++ = *r;
	}
	*w = '\0';
	for (r = w = s; *r != '\0'; r++) {
		if (strchr("\t\n\f\r ", *r) != NULL) {
			while (r[1] != '\0' && strchr("\t\n\f\r ", r[1]) != NULL)
				r++;
			if (w != s && r[1] != '\0')
				*w++ = ' ';
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

/* The first n characters (runes) of s, in place. */
static int
cut_runes(char *s, size_t n)
{
	size_t	i, count = 0;

	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && count++ == n) {
			s[i] = '\0';
			return 1;
		}
	return 0;
}

/*
 * gmail thread get (internal/cmd/gmail_thread.go): JSON
 * {"downloaded":[],"thread":{...}}; text: "Thread contains N
 * message(s)", then per message a "=== Message i/N: ID ===" block with
 * From, To, Subject, Date and the body (text/plain, else HTML without
 * its tags) cut at 500 characters.
 */
static int
cmd_thread(struct sim *s)
{
	json_t		*msgs = json_array(), *m, *out, *atts, *a;
	size_t		 i, j, n;
	const char	*history = "";
	char		*body;
	int		 html, cut;

	json_array_foreach(s->messages, i, m)
		if (strcmp(str(m, "threadId"), s->a.positional[0]) == 0) {
			json_array_append(msgs, m);
			history = str(m, "historyId");
		}
	if (json_array_size(msgs) == 0) {
		json_decref(msgs);
		return fail(EXIT_NOT_FOUND, "Google API error (404 notFound): "
		    "Requested entity was not found.", NULL);
	}
	if (s->a.json) {
		out = json_pack("{s:[],s:{s:s,s:s,s:o}}", "downloaded",
		    "thread", "historyId", history, "id", s->a.positional[0],
		    "messages", msgs);
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	n = json_array_size(msgs);
	/* Printf adds a newline to one that already has one. */
	(void)printf("Thread contains %zu message(s)\n\n\n", n);
	json_array_foreach(msgs, i, m) {
		(void)printf("=== Message %zu/%zu: %s ===\nFrom: %s\nTo: %s\n"
		    "Subject: %s\nDate: %s\n\n", i + 1, n, str(m, "id"),
		    header_value(m, "From"), header_value(m, "To"),
		    header_value(m, "Subject"), header_value(m, "Date"));
		if ((body = best_body(json_object_get(m, "payload"),
		    &html)) != NULL) {
			if (html)
				strip_tags(body);
			cut = cut_runes(body, 500);
			(void)printf("%s%s\n\n", body, cut ?
			    "... [truncated]" : "");
			free(body);
		}
		/* collectAttachments: a filename and an attachmentId. */
		atts = json_array();
		attachments(json_object_get(m, "payload"), atts, 0);
		if (json_array_size(atts) > 0) {
			(void)printf("Attachments:\n");
			json_array_foreach(atts, j, a)
				(void)printf("  - %s (%lld bytes)\n",
				    str(a, "filename"), (long long)
				    json_integer_value(json_object_get(
				    json_object_get(a, "body"), "size")));
			(void)printf("\n");
		}
		json_decref(atts);
	}
	json_decref(msgs);
	return 0;
}

/* The parts of p that are attachments, depth first, into out. */
static void
attachments(json_t *p, json_t *out, int depth)
{
	json_t	*part;
	size_t	 i;

	if (depth > 32 || !json_is_object(p))
		return;
	if (str(p, "filename")[0] != '\0' &&
	    str(json_object_get(p, "body"), "attachmentId")[0] != '\0')
		json_array_append(out, p);
	json_array_foreach(json_object_get(p, "parts"), i, part)
		attachments(part, out, depth + 1);
}

/*
 * gmail labels list (internal/cmd/gmail_labels.go): {"labels":[...]},
 * or the table ID NAME TYPE ("No labels" on stderr when there are
 * none).
 */
static int
cmd_labels(struct sim *s)
{
	json_t	*out, *rows, *l;
	size_t	 i;

	if (s->a.json) {
		out = json_pack("{s:O}", "labels", s->labels);
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	if (json_array_size(s->labels) == 0) {
		(void)fputs("No labels\n", stderr);
		return 0;
	}
	rows = json_pack("[[s,s,s]]", "ID", "NAME", "TYPE");
	json_array_foreach(s->labels, i, l)
		json_array_append_new(rows, json_pack("[s,s,s]", str(l, "id"),
		    str(l, "name"), str(l, "type")));
	print_table(rows, s->a.plain);
	json_decref(rows);
	return 0;
}

/*
 * gmail drafts list (internal/cmd/gmail_drafts.go): --max (default
 * 20); {"drafts":[{id,messageId,threadId}],"nextPageToken"}, or the
 * table ID MESSAGE_ID ("No drafts" on stderr when there are none).
 */
static int
cmd_drafts_list(struct sim *s)
{
	json_t	*items = json_array(), *d, *out, *msg, *rows;
	size_t	 i, max = s->a.max > 0 ? (size_t)s->a.max : 20;

	json_array_foreach(s->drafts, i, d) {
		if (i >= max)
			break;
		msg = json_object_get(d, "message");
		json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "id",
		    str(d, "id"), "messageId", str(msg, "id"), "threadId",
		    str(msg, "threadId")));
	}
	if (s->a.json) {
		out = json_pack("{s:o,s:s}", "drafts", items, "nextPageToken",
		    "");
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	if (json_array_size(items) == 0) {
		(void)fputs("No drafts\n", stderr);
		json_decref(items);
		return 0;
	}
	rows = json_pack("[[s,s]]", "ID", "MESSAGE_ID");
	json_array_foreach(items, i, d)
		json_array_append_new(rows, json_pack("[s,s]", str(d, "id"),
		    str(d, "messageId")));
	print_table(rows, s->a.plain);
	json_decref(rows);
	json_decref(items);
	return 0;
}

static json_t *
find_draft(struct sim *s, const char *id, size_t *index)
{
	json_t	*d;
	size_t	 i;

	json_array_foreach(s->drafts, i, d)
		if (strcmp(str(d, "id"), id) == 0) {
			*index = i;
			return d;
		}
	return NULL;
}

/*
 * gmail drafts get (internal/cmd/gmail_drafts.go): {"draft":{...}}, or
 * Draft-ID, Message-ID, To, Cc, Subject, a blank line and the body.
 */
static int
cmd_drafts_get(struct sim *s)
{
	json_t	*d, *out, *msg;
	size_t	 i;
	char	*body;

	if ((d = find_draft(s, s->a.positional[0], &i)) == NULL)
		return fail(EXIT_NOT_FOUND, "Google API error (404 notFound): "
		    "Requested entity was not found.", NULL);
	if (s->a.json) {
		out = json_pack("{s:O}", "draft", d);
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	msg = json_object_get(d, "message");
	(void)printf("Draft-ID: %s\nMessage-ID: %s\nTo: %s\nCc: %s\n"
	    "Subject: %s\n\n", str(d, "id"), str(msg, "id"),
	    header_value(msg, "To"), header_value(msg, "Cc"),
	    header_value(msg, "Subject"));
	if ((body = best_body(json_object_get(msg, "payload"), NULL)) !=
	    NULL) {
		(void)printf("%s\n\n", body);
		free(body);
	}
	return 0;
}

static char *
read_all(int fd)
{
	struct buf	 b;
	char		 chunk[8192];
	ssize_t		 r;

	buf_init(&b, 16 * 1024 * 1024);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&b, chunk, (size_t)r) == -1)
			break;
	if (buf_cstr(&b) == -1) {
		buf_free(&b);
		return NULL;
	}
	return b.data != NULL ? b.data : xstrdup("");
}

static json_t *
csv(const char *s)
{
	json_t		*out = json_array();
	char		*copy, *p, *save = NULL;

	if (s == NULL)
		return out;
	copy = xstrdup(s);
	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		if (*p != '\0')
			json_array_append_new(out, json_string(p));
	}
	free(copy);
	return out;
}

static char *
joined(json_t *list)
{
	struct buf	 b;
	json_t		*e;
	size_t		 i;

	buf_init(&b, 1024 * 1024);
	json_array_foreach(list, i, e) {
		if (i > 0)
			(void)buf_append(&b, ", ", 2);
		(void)buf_append(&b, json_string_value(e),
		    json_string_length(e));
	}
	(void)buf_cstr(&b);
	return b.data != NULL ? b.data : xstrdup("");
}

/* A body from a file, or standard input for "-"; NULL if unreadable. */
static char *
read_named(const char *path)
{
	char	*text;
	int	 fd;

	if (strcmp(path, "-") == 0)
		return read_all(STDIN_FILENO);
	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	text = read_all(fd);
	close(fd);
	return text;
}

/* strings.TrimSpace(s) == "" */
static int
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t\r\n\f\v")] == '\0';
}

/* A MIME part as the Gmail API returns it: {mimeType, body{data,size}}. */
static json_t *
part(const char *mime, const char *text)
{
	json_t	*p;
	char	*enc;

	enc = b64url_encode(text, strlen(text));
	p = json_pack("{s:s,s:{s:s,s:I}}", "mimeType", mime, "body", "data",
	    enc, "size", (json_int_t)strlen(text));
	free(enc);
	return p;
}

/*
 * The addresses of header value v (net/mail.ParseAddressList, or the
 * fallback split on ','), lower-cased, into out unless self or there.
 */
static void
add_addresses(json_t *out, const char *v, const char *self)
{
	json_t		*e;
	char		*copy, *p, *save = NULL, *lt, *gt, *q;
	size_t		 i;
	int		 seen;

	if (v == NULL)
		return;
	copy = xstrdup(v);
	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if ((lt = strrchr(p, '<')) != NULL &&
		    (gt = strrchr(p, '>')) != NULL && gt > lt) {
			*gt = '\0';
			p = lt + 1;
		} else if (strchr(p, '@') == NULL)
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		for (q = p + strlen(p); q > p && (q[-1] == ' ' ||
		    q[-1] == '\t'); q--)
			q[-1] = '\0';
		for (q = p; *q != '\0'; q++)
			*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
		if (*p == '\0' || strcasecmp(p, self) == 0)
			continue;
		seen = 0;
		json_array_foreach(out, i, e)
			if (strcmp(json_string_value(e), p) == 0)
				seen = 1;
		if (!seen)
			json_array_append_new(out, json_string(p));
	}
	free(copy);
}

/*
 * buildReplyAllRecipients (internal/cmd/gmail_send.go): Reply-To (else
 * From) and the original To into to, the original Cc into cc unless in
 * to; self left out.  A NULL list is one the command line gave.
 */
static void
reply_all(struct sim *s, json_t *orig, json_t *to, json_t *cc)
{
	json_t		*all_to = json_array(), *all_cc = json_array(), *e;
	const char	*reply = header_value(orig, "Reply-To");
	size_t		 i, j;
	int		 dup;

	add_addresses(all_to, reply[0] != '\0' ? reply :
	    header_value(orig, "From"), s->a.account);
	add_addresses(all_to, header_value(orig, "To"), s->a.account);
	add_addresses(all_cc, header_value(orig, "Cc"), s->a.account);
	if (to != NULL)
		json_array_extend(to, all_to);
	if (cc != NULL)
		json_array_foreach(all_cc, i, e) {
			dup = 0;
			for (j = 0; j < json_array_size(all_to); j++)
				if (strcmp(json_string_value(e),
				    json_string_value(json_array_get(all_to,
				    j))) == 0)
					dup = 1;
			if (!dup)
				json_array_append(cc, e);
		}
	json_decref(all_to);
	json_decref(all_cc);
}

/* send and drafts create: the message, its record, or an exit code. */
static int
compose(struct sim *s, json_t **msg_out, json_t **rec_out)
{
	json_t		*to, *cc, *bcc, *atts, *headers, *msg, *m;
	json_t		*orig = NULL, *parts, *payload;
	char		*body = NULL, *html = NULL, *tos, *ccs, *bccs, id[32];
	char		 snippet[201];
	const char	*thread = NULL;
	struct stat	 st;
	size_t		 i;
	int		 r = 0;

	/*
	 * The checks of gmail_send.go and gmail_drafts.go, in their order
	 * (openclaw/gogcli, commit 1a1341fd3a56d25fa57f0a092deef5612453692d,
	 * internal/cmd/gmail_send.go, GmailSendCmd.Run; the HTML file input
	 * of its later resolveComposeBodyInputs).
	 */
	if (s->a.body_file != NULL && s->a.body != NULL &&
	    *s->a.body != '\0')
		return fail(EXIT_USAGE, "use only one of --body or --body-file",
		    NULL);
	if (s->a.body_html_file != NULL && s->a.body_html != NULL &&
	    *s->a.body_html != '\0')
		return fail(EXIT_USAGE, "use only one of --body-html or "
		    "--body-html-file", NULL);
	if (s->a.body_file != NULL && s->a.body_html_file != NULL &&
	    strcmp(s->a.body_file, "-") == 0 &&
	    strcmp(s->a.body_html_file, "-") == 0)
		return fail(EXIT_USAGE, "--body-file and --body-html-file "
		    "cannot both read stdin", NULL);
	if (s->a.body_file != NULL) {
		if ((body = read_named(s->a.body_file)) == NULL)
			return fail(EXIT_ERROR, "read body file:",
			    s->a.body_file);
	} else if (s->a.body != NULL)
		body = xstrdup(s->a.body);
	if (s->a.body_html_file != NULL) {
		if ((html = read_named(s->a.body_html_file)) == NULL) {
			free(body);
			return fail(EXIT_ERROR, "read body file:",
			    s->a.body_html_file);
		}
	} else if (s->a.body_html != NULL)
		html = xstrdup(s->a.body_html);
	if (s->a.cmd == CMD_DRAFTS_CREATE) {
		if (s->a.to == NULL || *s->a.to == '\0' ||
		    s->a.subject == NULL || *s->a.subject == '\0')
			r = fail(EXIT_USAGE, "required: --to, --subject",
			    NULL);
	} else if (s->a.reply_to_message_id != NULL && s->a.thread_id != NULL)
		r = fail(EXIT_USAGE, "use only one of --reply-to-message-id "
		    "or --thread-id", NULL);
	else if (s->a.reply_all && s->a.reply_to_message_id == NULL &&
	    s->a.thread_id == NULL)
		r = fail(EXIT_USAGE, "--reply-all requires "
		    "--reply-to-message-id or --thread-id", NULL);
	else if ((s->a.to == NULL || *s->a.to == '\0') && !s->a.reply_all)
		r = fail(EXIT_USAGE, "required: --to (or use --reply-all with "
		    "--reply-to-message-id or --thread-id)", NULL);
	else if (s->a.subject == NULL || *s->a.subject == '\0')
		r = fail(EXIT_USAGE, "required: --subject", NULL);
	if (r == 0 && blank(body) && blank(html))
		r = fail(EXIT_USAGE, "required: --body, --body-file, or "
		    "--body-html", NULL);
	if (r != 0) {
		free(body);
		free(html);
		return r;
	}
	if (s->a.reply_to_message_id != NULL) {
		orig = find_message(s, s->a.reply_to_message_id);
		if (orig == NULL) {
			free(body);
			free(html);
			return fail(EXIT_NOT_FOUND, "Google API error "
			    "(404 notFound): Requested entity was not found.", NULL);
		}
		thread = str(orig, "threadId");
	} else if (s->a.thread_id != NULL) {
		/* selectLatestThreadMessage: the largest internalDate. */
		json_array_foreach(s->messages, i, m)
			if (strcmp(str(m, "threadId"), s->a.thread_id) == 0 &&
			    (orig == NULL || internal_date(m) >
			    internal_date(orig)))
				orig = m;
		if (orig == NULL) {
			free(body);
			free(html);
			return fail(EXIT_NOT_FOUND, "Google API error "
			    "(404 notFound): Requested entity was not found.", NULL);
		}
		thread = s->a.thread_id;
	}
	atts = json_array();
	for (i = 0; i < s->a.nattach; i++) {
		if (stat(s->a.attach[i], &st) == -1 || !S_ISREG(st.st_mode)) {
			json_decref(atts);
			free(body);
			free(html);
			return fail(EXIT_ERROR, "attachment not readable:",
			    s->a.attach[i]);
		}
		json_array_append_new(atts, json_pack("{s:s,s:I}", "name",
		    strrchr(s->a.attach[i], '/') != NULL ?
		    strrchr(s->a.attach[i], '/') + 1 : s->a.attach[i],
		    "size", (json_int_t)st.st_size));
	}
	to = csv(s->a.to);
	cc = csv(s->a.cc);
	bcc = csv(s->a.bcc);
	/* --reply-all fills what --to and --cc leave empty. */
	if (s->a.reply_all && orig != NULL) {
		reply_all(s, orig, json_array_size(to) == 0 ? to : NULL,
		    json_array_size(cc) == 0 ? cc : NULL);
		if (json_array_size(to) == 0) {
			json_decref(to);
			json_decref(cc);
			json_decref(bcc);
			json_decref(atts);
			free(body);
			free(html);
			return fail(EXIT_USAGE, "no recipients: specify --to or "
			    "use --reply-all with a message that has "
			    "recipients", NULL);
		}
	}
	tos = joined(to);
	ccs = joined(cc);
	bccs = joined(bcc);
	(void)snprintf(id, sizeof(id), "19b%013lx", next_serial(s));
	headers = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]",
	    "name", "From", "value", s->a.account, "name", "To", "value", tos,
	    "name", "Subject", "value", s->a.subject);
	if (ccs[0] != '\0')
		json_array_append_new(headers, json_pack("{s:s,s:s}", "name",
		    "Cc", "value", ccs));
	if (bccs[0] != '\0')
		json_array_append_new(headers, json_pack("{s:s,s:s}", "name",
		    "Bcc", "value", bccs));
	if (s->a.reply_to != NULL && *s->a.reply_to != '\0')
		json_array_append_new(headers, json_pack("{s:s,s:s}", "name",
		    "Reply-To", "value", s->a.reply_to));
	/* buildRFC822: text/plain, text/html, or both as alternatives. */
	parts = json_array();
	if (!blank(body))
		json_array_append_new(parts, part("text/plain", body));
	if (!blank(html))
		json_array_append_new(parts, part("text/html", html));
	(void)strlcpy(snippet, !blank(body) ? body : html, sizeof(snippet));
	msg = json_pack("{s:s,s:s,s:[],s:s,s:s,s:{s:s,s:o}}",
	    "id", id, "threadId", thread != NULL ? thread : id, "labelIds",
	    "snippet", snippet, "internalDate", "0", "payload", "mimeType",
	    json_array_size(parts) == 2 ? "multipart/alternative" : "",
	    "headers", headers);
	payload = json_object_get(msg, "payload");
	if (json_array_size(parts) == 2)
		json_object_set(payload, "parts", parts);
	else {
		json_object_set(payload, "mimeType", json_object_get(
		    json_array_get(parts, 0), "mimeType"));
		json_object_set(payload, "body", json_object_get(
		    json_array_get(parts, 0), "body"));
	}
	json_decref(parts);
	*rec_out = json_pack("{s:s,s:o,s:o,s:o,s:s,s:s,s:s*,s:s*,s:s*,"
	    "s:s*,s:o,s:s}",
	    "account", s->a.account, "to", to, "cc", cc, "bcc", bcc,
	    "subject", s->a.subject, "body", !blank(body) ? body : "",
	    "body_html", !blank(html) ? html : NULL, "reply_to",
	    s->a.reply_to, "reply_to_message_id",
	    s->a.reply_to_message_id, "thread_id", thread, "attachments",
	    atts, "message_id", id);
	*msg_out = msg;
	free(html);
	free(tos);
	free(ccs);
	free(bccs);
	free(body);
	return 0;
}

static void
stamp(json_t *msg, const char *label)
{
	char	now[32];

	(void)snprintf(now, sizeof(now), "%lld", (long long)time(NULL) * 1000);
	json_object_set_new(msg, "internalDate", json_string(now));
	json_array_append_new(json_object_get(msg, "labelIds"),
	    json_string(label));
}

static int
cmd_send(struct sim *s)
{
	json_t	*msg, *rec, *out;
	int	 r;

	if ((r = compose(s, &msg, &rec)) != 0)
		return r;
	pause_knob(s);
	stamp(msg, "SENT");
	json_object_set_new(rec, "op", json_string("send"));
	spool(s, rec);
	json_array_append(s->messages, msg);
	save(s, "messages.json", s->messages);
	if (s->a.json) {
		out = json_pack("{s:s,s:s,s:s}", "from", s->a.account,
		    "messageId", str(msg, "id"), "threadId",
		    str(msg, "threadId"));
		print_json(out, NULL);
		json_decref(out);
	} else
		(void)printf("message_id\t%s\nthread_id\t%s\n",
		    str(msg, "id"), str(msg, "threadId"));
	json_decref(msg);
	json_decref(rec);
	return 0;
}

static int
cmd_drafts_create(struct sim *s)
{
	json_t	*msg, *rec, *out;
	char	 id[32];
	int	 r;

	if ((r = compose(s, &msg, &rec)) != 0)
		return r;
	pause_knob(s);
	stamp(msg, "DRAFT");
	(void)snprintf(id, sizeof(id), "r-%lu", next_serial(s));
	json_object_set_new(rec, "op", json_string("draft"));
	json_object_set_new(rec, "draft_id", json_string(id));
	spool(s, rec);
	json_array_append_new(s->drafts, json_pack("{s:s,s:O}", "id", id,
	    "message", msg));
	save(s, "drafts.json", s->drafts);
	if (s->a.json) {
		out = json_pack("{s:s,s:{s:s,s:[s],s:s},s:s}", "draftId", id,
		    "message", "id", str(msg, "id"), "labelIds", "DRAFT",
		    "threadId", str(msg, "threadId"), "threadId",
		    s->a.reply_to_message_id != NULL ?
		    str(msg, "threadId") : "");
		print_json(out, NULL);
		json_decref(out);
	} else
		(void)printf("draft_id\t%s\nmessage_id\t%s\n", id,
		    str(msg, "id"));
	json_decref(msg);
	json_decref(rec);
	return 0;
}

static int
cmd_drafts_send(struct sim *s, int delete)
{
	json_t	*d, *msg, *out, *rec;
	size_t	 i;

	/* confirmDestructive (internal/cmd/confirm.go) comes first. */
	if (delete && !s->a.force && (s->a.no_input || !isatty(0))) {
		(void)fprintf(stderr, "refusing to delete gmail draft %s "
		    "without --force (non-interactive)\n", s->a.positional[0]);
		return EXIT_USAGE;
	}
	if ((d = find_draft(s, s->a.positional[0], &i)) == NULL)
		return fail(EXIT_NOT_FOUND, "Google API error (404 notFound): "
		    "Requested entity was not found.", NULL);
	msg = json_incref(json_object_get(d, "message"));
	rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "op",
	    delete ? "drafts.delete" : "drafts.send", "draft_id",
	    s->a.positional[0], "to", header_value(msg, "To"), "cc",
	    header_value(msg, "Cc"), "bcc", header_value(msg, "Bcc"), "subject",
	    header_value(msg, "Subject"), "message_id", str(msg, "id"));
	spool(s, rec);
	json_decref(rec);
	(void)json_array_remove(s->drafts, i);
	save(s, "drafts.json", s->drafts);
	if (delete) {
		out = json_pack("{s:b,s:s}", "deleted", 1, "draftId",
		    s->a.positional[0]);
	} else {
		json_array_clear(json_object_get(msg, "labelIds"));
		stamp(msg, "SENT");
		json_array_append(s->messages, msg);
		save(s, "messages.json", s->messages);
		out = json_pack("{s:s,s:s}", "messageId", str(msg, "id"),
		    "threadId", str(msg, "threadId"));
	}
	if (s->a.json)
		print_json(out, NULL);
	else if (delete)
		(void)printf("deleted\ttrue\ndraft_id\t%s\n",
		    s->a.positional[0]);
	else
		(void)printf("message_id\t%s\nthread_id\t%s\n",
		    str(msg, "id"), str(msg, "threadId"));
	json_decref(out);
	json_decref(msg);
	return 0;
}

/* DIR/sim-fail: "CODE\nmessage" makes every command fail that way. */
static int
injected_failure(struct sim *s)
{
	char		 path[PATH_MAX + 32], *text;
	const char	*errstr;
	int		 fd, code;
	char		*nl;

	(void)snprintf(path, sizeof(path), "%s/sim-fail", s->dir);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	text = read_all(fd);
	close(fd);
	if (text == NULL)
		return 1;
	if ((nl = strchr(text, '\n')) != NULL)
		*nl++ = '\0';
	code = (int)strtonum(text, 1, 125, &errstr);
	(void)fprintf(stderr, "%s", nl != NULL ? nl : "");
	free(text);
	return errstr != NULL ? 1 : code;
}

/*
 * Execute (internal/cmd/root.go): a parse error is printed as errfmt
 * formats it (internal/errfmt/errfmt.go: with a hint for an unknown
 * flag or a missing one) and exits 2; then the command runs, and its
 * error is one line on stderr.
 */
int
main(int argc, char **argv)
{
	struct sim	 s;
	char		 err[512], *slash;
	const char	*dir;
	int		 r;

	memset(&s, 0, sizeof(s));
	if ((r = parse_args(argc, argv, &s.a, err, sizeof(err))) != 0) {
		if (strncmp(err, "unknown flag", 12) == 0)
			(void)fprintf(stderr, "%s\nRun with --help to see "
			    "available flags\n", err);
		else if (strstr(err, "missing") != NULL ||
		    strstr(err, "required") != NULL)
			(void)fprintf(stderr, "%s\nRun with --help to see "
			    "usage\n", err);
		else
			(void)fprintf(stderr, "%s\n", err);
		return r;
	}
	if (s.a.cmd == CMD_VERSION) {
		(void)printf("%s\n", SIM_VERSION);
		return 0;
	}
	if (s.a.cmd == CMD_HELP) {
		(void)printf("Usage: gog <command> [flags]\n");
		return 0;
	}
	if ((dir = getenv("GOG_SIM_DIR")) != NULL && dir[0] != '\0')
		(void)strlcpy(s.dir, dir, sizeof(s.dir));
	else {
		(void)strlcpy(s.dir, argv[0], sizeof(s.dir));
		if ((slash = strrchr(s.dir, '/')) != NULL)
			*slash = '\0';
		else
			(void)strlcpy(s.dir, ".", sizeof(s.dir));
		(void)strlcat(s.dir, "/../sim/gog", sizeof(s.dir));
	}
	if ((r = injected_failure(&s)) != 0)
		return r;
	/* requireAccount (internal/cmd/account.go). */
	if (s.a.account == NULL || *s.a.account == '\0')
		return fail(EXIT_CONFIG, "missing --account (or set "
		    "GOG_ACCOUNT)", NULL);
	s.messages = load(&s, "messages.json");
	s.labels = load(&s, "labels.json");
	s.drafts = load(&s, "drafts.json");
	switch (s.a.cmd) {
	case CMD_SEARCH:
		r = cmd_search(&s, 0);
		break;
	case CMD_MESSAGES_SEARCH:
		r = cmd_search(&s, 1);
		break;
	case CMD_GET:
		r = cmd_get(&s);
		break;
	case CMD_THREAD_GET:
		r = cmd_thread(&s);
		break;
	case CMD_LABELS_LIST:
		r = cmd_labels(&s);
		break;
	case CMD_DRAFTS_LIST:
		r = cmd_drafts_list(&s);
		break;
	case CMD_DRAFTS_GET:
		r = cmd_drafts_get(&s);
		break;
	case CMD_DRAFTS_CREATE:
		r = cmd_drafts_create(&s);
		break;
	case CMD_DRAFTS_SEND:
		r = cmd_drafts_send(&s, 0);
		break;
	case CMD_DRAFTS_DELETE:
		r = cmd_drafts_send(&s, 1);
		break;
	case CMD_SEND:
		r = cmd_send(&s);
		break;
	default:
		r = fail(EXIT_USAGE, "unknown command", NULL);
	}
	json_decref(s.messages);
	json_decref(s.labels);
	json_decref(s.drafts);
	if (fflush(stdout) == EOF || ferror(stdout))
		r = r == 0 ? EXIT_ERROR : r;
	return r;
}
