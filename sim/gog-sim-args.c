/*
 * The simulated gog's command line: kong's parsing of gogcli's root flags
 * and Gmail commands (see gog-sim.c for the sources followed).
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
#include "gog-sim.h"

struct command_words;
static int	 parse_bool(const char *, int *);
static int	 env_bool(const char *);
static int	 usage_error(char *, size_t, const char *, const char *);
static size_t	 command_match(const struct command_words *,
		    const struct args *);
static int	 resolve_command(struct args *, char *, size_t);

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
int
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
