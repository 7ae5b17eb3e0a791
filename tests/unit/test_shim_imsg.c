/*
 * Unit tests for the imsg shim: the Commander-compatible argument
 * parser, the requests it builds (params exactly as doc/protocol.md),
 * the real tool's text and JSON output, the mapping of gateway errors,
 * answer decoding, and whole runs against a small fake gateway on a
 * Unix socket (descriptor passing, errors, deadline, bounds, the watch
 * stream and its signals); and the simulated imsg's watch, run as a
 * program on a temporary data directory.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "compat.h"
#include "protocol.h"
#include "shim.h"
#include "util.h"

#define MAXARGS		32
#define ANSWER_RESULT	"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
#define ANSWER_ERROR	"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":"

extern char	**environ;

static char	*argv_buf[MAXARGS + 1];
static int	 argc_buf;

/* Build argv ("imsg", then the NULL-terminated list). */
static void
set_argv(const char *first, va_list ap)
{
	const char	*s;

	argc_buf = 0;
	argv_buf[argc_buf++] = (char *)"imsg";
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		assert_true(argc_buf < MAXARGS);
		argv_buf[argc_buf++] = (char *)s;
	}
	argv_buf[argc_buf] = NULL;
}

static enum shim_imsg_action
parse(int flags, struct shim_imsg_args *args, char *msg, const char *first,
    ...)
{
	va_list			ap;
	enum shim_imsg_action	action;

	va_start(ap, first);
	set_argv(first, ap);
	va_end(ap);
	action = shim_imsg_parse(argc_buf, argv_buf, flags, args, msg,
	    SHIM_IMSG_MSG_MAX);
	return action;
}

/* Parse and build; returns params or NULL with msg set. */
static json_t *
request(const char **method, char *msg, const char *first, ...)
{
	struct shim_imsg_args	 args;
	va_list			 ap;
	json_t			*p;

	va_start(ap, first);
	set_argv(first, ap);
	va_end(ap);
	assert_int_equal(shim_imsg_parse(argc_buf, argv_buf, 0, &args, msg,
	    SHIM_IMSG_MSG_MAX), SHIM_IMSG_RUN);
	p = shim_imsg_build_request(&args, method, msg, SHIM_IMSG_MSG_MAX);
	shim_imsg_args_free(&args);
	return p;
}

static void
assert_json(json_t *got, const char *want_text)
{
	json_t	*want;
	char	*g, *w;

	want = json_loads(want_text, 0, NULL);
	assert_non_null(want);
	assert_non_null(got);
	if (!json_equal(got, want)) {
		g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
		w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
		print_error("got  %s\nwant %s\n", g, w);
		free(g);
		free(w);
		fail();
	}
	json_decref(want);
}

/* Text written to a FILE, captured. */
struct capture {
	FILE	*f;
	char	*buf;
	size_t	 len;
};

static FILE *
capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

static const char *
capture_end(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	return c->buf;
}

static json_t *
fixture(const char *name)
{
	const char	*top;
	char		 path[PATH_MAX];
	json_t		*v;

	if ((top = getenv("top_srcdir")) == NULL || *top == '\0')
		top = ".";
	(void)snprintf(path, sizeof(path), "%s/sim/data/imsg/%s", top, name);
	v = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(v);
	assert_true(json_is_array(v));
	return v;
}

static json_t *
fixture_item(json_t *list, json_int_t id)
{
	json_t	*item;
	size_t	 i;

	json_array_foreach(list, i, item)
		if (json_integer_value(json_object_get(item, "id")) == id)
			return item;
	fail_msg("no fixture item %lld", (long long)id);
	return NULL;
}

/* ---- parsing ---------------------------------------------------- */

static void
test_parse_help_version(void **state)
{
	struct shim_imsg_args	a;
	char			msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	assert_int_equal(parse(0, &a, msg, NULL), SHIM_IMSG_HELP);
	assert_null(a.help_cmd);
	assert_int_equal(parse(0, &a, msg, "--version", NULL),
	    SHIM_IMSG_VERSION);
	assert_int_equal(parse(0, &a, msg, "send", "--text", "x", "-V", NULL),
	    SHIM_IMSG_VERSION);
	/* --version wins over --help, wherever it is. */
	assert_int_equal(parse(0, &a, msg, "-h", "chats", "--version", NULL),
	    SHIM_IMSG_VERSION);
	assert_int_equal(parse(0, &a, msg, "-h", NULL), SHIM_IMSG_HELP);
	assert_null(a.help_cmd);
	assert_int_equal(parse(0, &a, msg, "chats", "--help", NULL),
	    SHIM_IMSG_HELP);
	assert_string_equal(a.help_cmd, "chats");
	assert_int_equal(parse(0, &a, msg, "send", "--to", "x", "-h", NULL),
	    SHIM_IMSG_HELP);
	assert_string_equal(a.help_cmd, "send");
	/* Even an option's value: the real tool looks at every word. */
	assert_int_equal(parse(0, &a, msg, "send", "--text", "--help", NULL),
	    SHIM_IMSG_HELP);
	assert_int_equal(parse(0, &a, msg, "watch", "--help", NULL),
	    SHIM_IMSG_HELP);
	assert_string_equal(a.help_cmd, "watch");
	/* Commands the gateway lacks, and unknown words: the root help. */
	assert_int_equal(parse(0, &a, msg, "rpc", "--help", NULL),
	    SHIM_IMSG_HELP);
	assert_string_equal(a.help_cmd, "rpc");
	assert_int_equal(parse(0, &a, msg, "tapback", "--help", NULL),
	    SHIM_IMSG_HELP);
	assert_null(a.help_cmd);
	assert_int_equal(parse(0, &a, msg, "bogus", "--help", NULL),
	    SHIM_IMSG_HELP);
	assert_null(a.help_cmd);
	/*
	 * CommandRouter.swift looks at the whole argv (argv.contains):
	 * --version and --help win even after "--".
	 */
	assert_int_equal(parse(0, &a, msg, "send", "--to", "x", "--",
	    "--version", "-h", NULL), SHIM_IMSG_VERSION);
	assert_int_equal(parse(0, &a, msg, "send", "--to", "x", "--",
	    "-h", NULL), SHIM_IMSG_HELP);
	assert_string_equal(a.help_cmd, "send");
	assert_int_equal(parse(0, &a, msg, "bogus", "--", "-V", NULL),
	    SHIM_IMSG_VERSION);
	assert_int_equal(parse(0, &a, msg, "send", "--to", "x", "--",
	    "y", NULL), SHIM_IMSG_RUN);
	assert_string_equal(a.to, "x");
	shim_imsg_args_free(&a);
}

static void
test_parse_commands(void **state)
{
	struct shim_imsg_args	 a;
	char			 msg[SHIM_IMSG_MSG_MAX];
	const char		*bridge[] = { "tapback", "send-rich", "chat-mark",
				    "whois" };
	size_t			 i;

	(void)state;
	assert_int_equal(parse(0, &a, msg, "--json", "chats", NULL),
	    SHIM_IMSG_ERROR_HELP);
	assert_string_equal(msg, "Command 'imsg' requires a subcommand");
	assert_int_equal(parse(0, &a, msg, "-", NULL), SHIM_IMSG_ERROR_HELP);
	assert_int_equal(parse(0, &a, msg, "bogus", NULL), SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown subcommand 'bogus' for command "
	    "'imsg'");
	/* Bridge commands: any options; only --json matters. */
	for (i = 0; i < sizeof(bridge) / sizeof(bridge[0]); i++) {
		assert_int_equal(parse(0, &a, msg, bridge[i], "--chat", "g",
		    "--bogus", "-j", NULL), SHIM_IMSG_RUN);
		assert_int_equal(a.cmd, SHIM_IMSG_BRIDGE);
		assert_string_equal(a.cmd_name, bridge[i]);
		assert_int_equal(a.json, 1);
	}
	/* A command of 0.9.0 the gateway has no counterpart for. */
	assert_int_equal(parse(0, &a, msg, "completions", "zsh", NULL),
	    SHIM_IMSG_UNAVAILABLE);
	assert_string_equal(a.cmd_name, "completions");
	assert_int_equal(parse(0, &a, msg, "launch", "--json", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_BRIDGE);
	/* Not commands of imsg 0.9.0 (CommandRouter.swift). */
	assert_int_equal(parse(0, &a, msg, "send-sticker", "--chat", "g",
	    NULL), SHIM_IMSG_ERROR);
	assert_string_equal(msg,
	    "Unknown subcommand 'send-sticker' for command 'imsg'");
	assert_int_equal(parse(0, &a, msg, "name-photo", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg,
	    "Unknown subcommand 'name-photo' for command 'imsg'");
	assert_int_equal(parse(0, &a, msg, "group", "--chat-id", "2", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_GROUP);
	assert_int_equal(parse(0, &a, msg, "react", "-r", "love", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_REACT);
	assert_string_equal(a.reaction, "love");
	assert_int_equal(parse(0, &a, msg, "search", "--query", "q",
	    "--match", "exact", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_SEARCH);
	assert_string_equal(a.query, "q");
	assert_string_equal(a.match, "exact");
	assert_int_equal(parse(0, &a, msg, "typing", "--stop", "true",
	    "--duration", "5s", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_TYPING);
	assert_string_equal(a.stop, "true");
	assert_string_equal(a.duration, "5s");
	/* ReadCommand.swift: --to, alias --handle, or a chat selector. */
	assert_int_equal(parse(0, &a, msg, "read", "--handle", "h", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_READ);
	assert_string_equal(a.to, "h");
	assert_int_equal(parse(0, &a, msg, "read", "--to", "t", NULL),
	    SHIM_IMSG_RUN);
	assert_string_equal(a.to, "t");
	assert_int_equal(parse(0, &a, msg, "read", "--chat-id", "3",
	    "--chat-identifier", "i", "--chat-guid", "g", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.has_chat_id, 1);
	assert_int_equal(a.chat_id, 3);
	assert_string_equal(a.chat_identifier, "i");
	assert_string_equal(a.chat_guid, "g");
	/* history and watch take 0.9.0's flags the gateway has no use for. */
	assert_int_equal(parse(0, &a, msg, "history", "--chat-id", "1",
	    "--convert-attachments", NULL), SHIM_IMSG_RUN);
	assert_int_equal(parse(0, &a, msg, "watch", "--convert-attachments",
	    "--bb-events", "--reactions", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.reactions, 1);
	assert_int_equal(parse(0, &a, msg, "history", "--bb-events", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --bb-events");
	/* 0.9.0's read has no --message-guid. */
	assert_int_equal(parse(0, &a, msg, "read", "--handle", "h",
	    "--message-guid", "g", NULL), SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --message-guid");
	assert_int_equal(parse(0, &a, msg, "rpc", "--db", "x", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_RPC);
	assert_int_equal(parse(0, &a, msg, "chats", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_CHATS);
	assert_int_equal(parse(0, &a, msg, "history", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_HISTORY);
	assert_int_equal(parse(0, &a, msg, "send", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_SEND);
	assert_int_equal(parse(0, &a, msg, "status", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_STATUS);
	assert_int_equal(parse(0, &a, msg, "watch", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_WATCH);
	assert_int_equal(a.json, 0);
	assert_int_equal(a.verbose, 0);
}

static void
test_parse_tokenizer(void **state)
{
	struct shim_imsg_args	a;
	char			msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	assert_int_equal(parse(0, &a, msg, "chats", "--bogus", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --bogus");
	/* A single short option is looked up as an option name. */
	assert_int_equal(parse(0, &a, msg, "chats", "-x", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --x");
	/* A pack is a list of flags. */
	assert_int_equal(parse(0, &a, msg, "chats", "-jx", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option -x");
	assert_int_equal(parse(0, &a, msg, "chats", "-jv", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.json, 1);
	assert_int_equal(a.verbose, 1);
	assert_int_equal(parse(0, &a, msg, "chats", "-j", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.json, 1);
	assert_int_equal(a.verbose, 0);
	assert_int_equal(parse(0, &a, msg, "chats", "--json-output", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.json, 1);
	assert_int_equal(parse(0, &a, msg, "chats", "--jsonOutput",
	    "--verbose", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.json, 1);
	assert_int_equal(a.verbose, 1);
	/* No --opt=value form. */
	assert_int_equal(parse(0, &a, msg, "send", "--to=+1", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --to=+1");
	/* A value may not start with '-'. */
	assert_int_equal(parse(0, &a, msg, "send", "--text", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Missing value for option text");
	assert_int_equal(parse(0, &a, msg, "send", "--text", "-x", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Missing value for option text");
	assert_int_equal(parse(0, &a, msg, "send", "--to", "--text", "hi",
	    NULL), SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Missing value for option to");
	assert_int_equal(parse(0, &a, msg, "send", "--text", "--", "x",
	    NULL), SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Missing value for option text");
	/* "-" alone is a value. */
	assert_int_equal(parse(0, &a, msg, "send", "--text", "-", NULL),
	    SHIM_IMSG_RUN);
	assert_string_equal(a.text, "-");
	/* The last value wins; positional words are ignored. */
	assert_int_equal(parse(0, &a, msg, "send", "stray", "--to", "a",
	    "--to", "b", NULL), SHIM_IMSG_RUN);
	assert_string_equal(a.to, "b");
	/* After "--" the words are positional. */
	assert_int_equal(parse(0, &a, msg, "send", "--to", "a", "--",
	    "--text", "b", NULL), SHIM_IMSG_RUN);
	assert_null(a.text);
	/* Errors come in argument order. */
	assert_int_equal(parse(0, &a, msg, "send", "--nope", "--text", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --nope");
}

static void
test_parse_values(void **state)
{
	struct shim_imsg_args	a;
	char			msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	assert_int_equal(parse(0, &a, msg, "send", "--db", "/x/chat.db",
	    "--log-level", "debug", "--to", "+14155550123", "--chat-id", "7",
	    "--chat-identifier", "ci", "--chat-guid", "cg", "--text", "hello",
	    "--file", "/tmp/f", "--service", "sms", "--region", "GB", NULL),
	    SHIM_IMSG_RUN);
	assert_string_equal(a.db, "/x/chat.db");
	assert_string_equal(a.log_level, "debug");
	assert_string_equal(a.to, "+14155550123");
	assert_string_equal(a.chat_id_str, "7");
	assert_int_equal(a.has_chat_id, 1);
	assert_int_equal(a.chat_id, 7);
	assert_string_equal(a.chat_identifier, "ci");
	assert_string_equal(a.chat_guid, "cg");
	assert_string_equal(a.text, "hello");
	assert_string_equal(a.file, "/tmp/f");
	assert_string_equal(a.service, "sms");
	assert_string_equal(a.region, "GB");
	/* Options of another command are unknown. */
	assert_int_equal(parse(0, &a, msg, "chats", "--text", "x", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --text");
	assert_int_equal(parse(0, &a, msg, "send", "--limit", "3", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --limit");

	assert_int_equal(parse(0, &a, msg, "history", "--chat-id", "3",
	    "--participants", "a,b", "+1", "--participants", ",c,,", "--limit",
	    "+7", "--attachments", "--start", "2026-01-01T00:00:00Z", "--end",
	    "2026-02-01T00:00:00Z", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.has_chat_id, 1);
	assert_int_equal(a.chat_id, 3);
	assert_int_equal(a.nparticipants, 4);
	assert_string_equal(a.participants[0], "a");
	assert_string_equal(a.participants[1], "b");
	assert_string_equal(a.participants[2], "+1");
	assert_string_equal(a.participants[3], "c");
	assert_int_equal(a.has_limit, 1);
	assert_int_equal(a.limit, 7);
	assert_int_equal(a.attachments, 1);
	assert_string_equal(a.start, "2026-01-01T00:00:00Z");
	assert_string_equal(a.end, "2026-02-01T00:00:00Z");
	shim_imsg_args_free(&a);
	assert_int_equal(a.nparticipants, 0);
	assert_null(a.participants);

	/* --participants takes no value before the next option. */
	assert_int_equal(parse(0, &a, msg, "history", "--participants",
	    "--json", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.nparticipants, 0);
	assert_int_equal(a.json, 1);

	/* Numbers that do not parse count as absent. */
	assert_int_equal(parse(0, &a, msg, "chats", "--limit", "abc", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(a.has_limit, 0);
	assert_string_equal(a.limit_str, "abc");
	assert_int_equal(parse(0, &a, msg, "history", "--chat-id",
	    "99999999999999999999", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.has_chat_id, 0);

	/* --db: the shim takes it on status, the real tool does not. */
	assert_int_equal(parse(0, &a, msg, "status", "--db", "/x", NULL),
	    SHIM_IMSG_RUN);
	assert_string_equal(a.db, "/x");
	assert_int_equal(parse(SHIM_IMSG_STRICT, &a, msg, "status", "--db",
	    "/x", NULL), SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --db");
	assert_int_equal(parse(SHIM_IMSG_STRICT, &a, msg, "chats", "--db",
	    "/x", NULL), SHIM_IMSG_RUN);
	assert_string_equal(a.db, "/x");
}

static void
test_parse_int(void **state)
{
	int64_t	v;

	(void)state;
	assert_int_equal(shim_imsg_parse_int("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(shim_imsg_parse_int("+5", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(shim_imsg_parse_int("-5", &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(shim_imsg_parse_int("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(shim_imsg_parse_int("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(shim_imsg_parse_int("9223372036854775808", &v), -1);
	assert_int_equal(shim_imsg_parse_int("", &v), -1);
	assert_int_equal(shim_imsg_parse_int("+", &v), -1);
	assert_int_equal(shim_imsg_parse_int("5a", &v), -1);
	assert_int_equal(shim_imsg_parse_int(" 5", &v), -1);
	assert_int_equal(shim_imsg_parse_int("0x10", &v), -1);
}

/* ---- requests --------------------------------------------------- */

static void
expect_send_error(const char *want, const char *first, ...)
{
	struct shim_imsg_args	 args;
	va_list			 ap;
	const char		*method;
	char			 msg[SHIM_IMSG_MSG_MAX];

	va_start(ap, first);
	set_argv(first, ap);
	va_end(ap);
	assert_int_equal(shim_imsg_parse(argc_buf, argv_buf, 0, &args, msg,
	    sizeof(msg)), SHIM_IMSG_RUN);
	assert_null(shim_imsg_build_request(&args, &method, msg, sizeof(msg)));
	assert_null(method);
	assert_string_equal(msg, want);
	shim_imsg_args_free(&args);
}

static void
test_send_errors(void **state)
{
	(void)state;
	expect_send_error("Missing required option: --to", "send", NULL);
	expect_send_error("Missing required option: --to", "send", "--text",
	    "hi", NULL);
	expect_send_error("Missing required option: --to", "send", "--to", "",
	    "--text", "hi", NULL);
	expect_send_error("Missing required option: --to", "send",
	    "--chat-id", "abc", "--text", "hi", NULL);
	expect_send_error("Missing required option: --to", "send",
	    "--chat-guid", "", "--text", "hi", NULL);
	expect_send_error("Invalid value for option: --to", "send", "--to",
	    "a", "--chat-id", "1", "--text", "hi", NULL);
	expect_send_error("Invalid value for option: --to", "send", "--to",
	    "a", "--chat-identifier", "x", NULL);
	expect_send_error("Invalid value for option: --to", "send", "--to",
	    "a", "--chat-guid", "g", "--text", "hi", NULL);
	expect_send_error("Missing required option: --text or file", "send",
	    "--to", "a", NULL);
	expect_send_error("Missing required option: --text or file", "send",
	    "--to", "a", "--text", "", "--file", "", NULL);
	expect_send_error("Missing required option: --text or file", "send",
	    "--chat-id", "4", "--service", "sms", NULL);
	/* IMsgError.invalidService's description (Errors.swift). */
	expect_send_error("Invalid service: SMS", "send", "--to", "a",
	    "--text", "hi", "--service", "SMS", NULL);
	expect_send_error("Invalid service: ", "send", "--to", "a",
	    "--text", "hi", "--service", "", NULL);
	expect_send_error("Invalid service: a\"b\\c\n", "send", "--to",
	    "a", "--text", "hi", "--service", "a\"b\\c\n", NULL);
	/* Target errors come before content errors, as in the real tool. */
	expect_send_error("Missing required option: --to", "send",
	    "--service", "bogus", NULL);
}

static void
test_send_request(void **state)
{
	json_t		*p;
	const char	*method;
	char		 msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	p = request(&method, msg, "send", "--to", "+14155550123", "--text",
	    "hello", "--service", "sms", "--region", "GB", "--db", "/x", "-j",
	    NULL);
	assert_string_equal(method, "send");
	assert_json(p, "{\"channel\":\"imsg\",\"to\":\"+14155550123\","
	    "\"text\":\"hello\",\"service\":\"sms\",\"region\":\"GB\"}");
	json_decref(p);

	/* One target only: a chat id wins. */
	p = request(&method, msg, "send", "--chat-id", "7", "--chat-guid",
	    "iMessage;+;chat1", "--chat-identifier", "chat1", "--text", "hi",
	    NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"chat_id\":7,\"text\":\"hi\"}");
	json_decref(p);
	p = request(&method, msg, "send", "--chat-identifier", "chat1",
	    "--chat-guid", "iMessage;+;chat1", "--text", "hi", NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"chat_identifier\":\"chat1\","
	    "\"text\":\"hi\"}");
	json_decref(p);

	/* A file alone: no text; the path is never part of the request. */
	p = request(&method, msg, "send", "--chat-guid", "iMessage;+;chat1",
	    "--file", "/home/agent/photo.jpg", "--region", "", NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"chat_guid\":"
	    "\"iMessage;+;chat1\"}");
	json_decref(p);

	/* Bytes that are not UTF-8 become U+FFFD. */
	p = request(&method, msg, "send", "--to", "a", "--text", "x\xff" "y",
	    NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"to\":\"a\","
	    "\"text\":\"x\\ufffdy\"}");
	json_decref(p);
}

/*
 * send-attachment (BridgeAttachmentCommand.swift): its checks in its
 * order; a direct chat's guid names the handle with the guid's service,
 * any other guid the chat; what needs the bridge is refused in words
 * OpenClaw's isAttachmentCommandFallbackError takes for "unavailable".
 */
static void
test_send_attachment(void **state)
{
	static const struct {
		const char	*guid;
		const char	*want;
	} targets[] = {
		{ "iMessage;-;+14155550100", "{\"channel\":\"imsg\","
		    "\"to\":\"+14155550100\",\"service\":\"imessage\"}" },
		{ "SMS;-;+14155550100", "{\"channel\":\"imsg\","
		    "\"to\":\"+14155550100\",\"service\":\"sms\"}" },
		{ "any;-;a@example.com", "{\"channel\":\"imsg\","
		    "\"to\":\"a@example.com\",\"service\":\"auto\"}" },
		{ "imessage;-;+1", "{\"channel\":\"imsg\",\"to\":\"+1\","
		    "\"service\":\"imessage\"}" },
		{ "iMessage;+;chat1", "{\"channel\":\"imsg\","
		    "\"chat_guid\":\"iMessage;+;chat1\"}" },
		/* No handle after the prefix: a guid, looked up as one. */
		{ "any;-;", "{\"channel\":\"imsg\",\"chat_guid\":"
		    "\"any;-;\"}" },
	};
	json_t			*p;
	const char		*method;
	char			 msg[SHIM_IMSG_MSG_MAX];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		p = request(&method, msg, "send-attachment", "--chat",
		    targets[i].guid, "--file", "/home/agent/p.jpg",
		    "--transport", "auto", "--db", "/x", "--json", NULL);
		assert_string_equal(method, "send");
		assert_json(p, targets[i].want);
		json_decref(p);
	}
	p = request(&method, msg, "send-attachment", "--chat", "g", "--file",
	    "/p", "--transport", "applescript", NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"chat_guid\":\"g\"}");
	json_decref(p);

	expect_send_error("Missing required option: --chat",
	    "send-attachment", "--file", "/p", NULL);
	expect_send_error("Missing required option: --file",
	    "send-attachment", "--chat", "g", NULL);
	expect_send_error("Invalid value for option: --transport",
	    "send-attachment", "--chat", "g", "--file", "/p", "--transport",
	    "bridge", NULL);
	expect_send_error("Invalid value for option: --audio",
	    "send-attachment", "--chat", "g", "--file", "/p", "--transport",
	    "applescript", "--audio", NULL);
	expect_send_error("Invalid value for option: --reply-to",
	    "send-attachment", "--chat", "g", "--file", "/p", "--transport",
	    "applescript", "--reply-to", "x", NULL);
	expect_send_error(SHIM_IMSG_NO_BRIDGE, "send-attachment", "--chat",
	    "g", "--file", "/p", "--transport", "dylib", NULL);
	expect_send_error(SHIM_IMSG_NO_BRIDGE, "send-attachment", "--chat",
	    "g", "--file", "/p", "--audio", NULL);
	expect_send_error(SHIM_IMSG_NO_BRIDGE, "send-attachment", "--chat",
	    "g", "--file", "/p", "--reply-to", "x", NULL);
}

/*
 * status through the shim: the tool's bridge features are not the
 * gateway's.  With the tool's bridge up, OpenClaw would route tapbacks
 * and edits to commands the shim refuses.
 */
static void
test_status_filtered(void **state)
{
	struct shim_imsg_args	 args;
	struct capture		 c;
	json_t			*result;
	const char		*line = "{\"tool\":{\"version\":\"0.9.0\","
	    "\"basic_features\":true,\"advanced_features\":true,"
	    "\"typing_indicators\":true,\"read_receipts\":true,"
	    "\"sip\":\"disabled\",\"message\":\"m\",\"bridge_version\":2,"
	    "\"v2_ready\":true,\"selectors\":{\"editMessage\":true},"
	    "\"rpc_methods\":[\"chats.list\",\"chats.create\",\"send\","
	    "\"send.attachment\",\"tapback\",\"typing\",\"read\","
	    "\"message.edit\",\"group.leave\"]}}";
	char			 msg[SHIM_IMSG_MSG_MAX];
	FILE			*f;

	(void)state;
	result = json_loads(line, 0, NULL);
	assert_non_null(result);
	argv_buf[0] = (char *)"imsg";
	argv_buf[1] = (char *)"status";
	argv_buf[2] = (char *)"--json";
	argv_buf[3] = NULL;
	assert_int_equal(shim_imsg_parse(3, argv_buf, 0, &args, msg,
	    sizeof(msg)), SHIM_IMSG_RUN);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_result(f, &args, result), 0);
	assert_string_equal(capture_end(&c), "{\"version\":\"0.9.0\","
	    "\"basic_features\":true,\"advanced_features\":false,"
	    "\"typing_indicators\":true,\"read_receipts\":true,"
	    "\"sip\":\"disabled\",\"message\":\"m\",\"bridge_version\":0,"
	    "\"v2_ready\":false,\"selectors\":{},"
	    "\"rpc_methods\":[\"chats.list\",\"send\",\"typing\","
	    "\"read\"]}\n");
	free(c.buf);
	shim_imsg_args_free(&args);
	json_decref(result);
}

static void
test_read_requests(void **state)
{
	struct shim_imsg_args	 args;
	json_t			*p;
	const char		*method;
	char			 msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	p = request(&method, msg, "chats", NULL);
	assert_string_equal(method, "chats.list");
	assert_json(p, "{\"channel\":\"imsg\"}");
	json_decref(p);
	p = request(&method, msg, "chats", "--limit", "5", "--json", NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"limit\":5}");
	json_decref(p);
	/* The gateway serves at most 1000. */
	p = request(&method, msg, "chats", "--limit", "5000", NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"limit\":1000}");
	json_decref(p);
	/* A limit that does not parse means the default, as in imsg. */
	p = request(&method, msg, "chats", "--limit", "many", NULL);
	assert_json(p, "{\"channel\":\"imsg\"}");
	json_decref(p);
	assert_null(request(&method, msg, "chats", "--limit", "0", NULL));
	assert_string_equal(msg, "Invalid value for option: --limit");

	assert_null(request(&method, msg, "history", "--limit", "3", NULL));
	assert_string_equal(msg, "Missing required option: --chat-id");
	assert_null(request(&method, msg, "history", "--chat-id", "x", NULL));
	assert_string_equal(msg, "Missing required option: --chat-id");
	p = request(&method, msg, "history", "--chat-id", "3", NULL);
	assert_string_equal(method, "messages.history");
	assert_json(p, "{\"channel\":\"imsg\",\"chat_id\":3}");
	json_decref(p);
	p = request(&method, msg, "history", "--chat-id", "3", "--limit", "10",
	    "--attachments", "--participants", "+14155550100,a@example.com",
	    "--start", "2026-05-01T00:00:00Z", "--end", "2026-05-02T00:00:00Z",
	    NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"chat_id\":3,\"limit\":10,"
	    "\"attachments\":true,\"participants\":[\"+14155550100\","
	    "\"a@example.com\"],\"start\":\"2026-05-01T00:00:00Z\","
	    "\"end\":\"2026-05-02T00:00:00Z\"}");
	json_decref(p);

	p = request(&method, msg, "status", "--json", NULL);
	assert_string_equal(method, "status");
	assert_json(p, "{\"channel\":\"imsg\"}");
	json_decref(p);

	/* Only a parsed command builds a request. */
	memset(&args, 0, sizeof(args));
	assert_null(shim_imsg_build_request(&args, &method, msg, sizeof(msg)));
}

/* ---- rendering -------------------------------------------------- */

static void
test_render_chats(void **state)
{
	struct capture	 c;
	json_t		*chats, *odd;
	FILE		*f;
	const char	*line =
	    "{\"name\":\"Zed\",\"id\":9,\"is_group\":false,\"identifier\":"
	    "\"+1\",\"last_message_at\":\"2026-01-01T00:00:00.000Z\"}";

	(void)state;
	chats = fixture("chats.json");
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_chat(f, fixture_item(chats, 1), 0),
	    0);
	assert_int_equal(shim_imsg_print_chat(f, fixture_item(chats, 3), 0),
	    0);
	assert_int_equal(shim_imsg_print_chat(f, fixture_item(chats, 4), 0),
	    0);
	assert_string_equal(capture_end(&c),
	    "[1] Mom (+14155550100) last=2026-05-16T15:24:36.123Z\n"
	    "[3] Hiking Crew (chat493827161045763123) "
	    "last=2026-05-15T16:20:45.000Z\n"
	    "[4] +14155559999 (+14155559999) last=2026-05-16T09:12:00.000Z\n");
	free(c.buf);

	/* JSON: the object as given, one line, fields in their order. */
	odd = json_loads(line, 0, NULL);
	assert_non_null(odd);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_chat(f, odd, 1), 0);
	assert_int_equal(shim_imsg_print_chat(f, odd, 0), 0);
	assert_int_equal(shim_imsg_print_chat(f, json_array_get(chats, 0), 1),
	    0);
	capture_end(&c);
	assert_non_null(strstr(c.buf, line));
	assert_int_equal(strncmp(c.buf, line, strlen(line)), 0);
	assert_non_null(strstr(c.buf,
	    "\n[9] Zed (+1) last=2026-01-01T00:00:00.000Z\n"));
	assert_non_null(strstr(c.buf, "\n{\"id\":1,\"name\":\"+14155550100\","
	    "\"identifier\":\"+14155550100\",\"service\":\"iMessage\","
	    "\"last_message_at\":\"2026-05-16T15:24:36.123Z\",\"guid\":"
	    "\"iMessage;-;+14155550100\",\"contact_name\":\"Mom\","
	    "\"is_group\":false,\"participants\":[\"+14155550100\"],"));
	free(c.buf);

	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_chat(f, json_object_get(odd, "name"),
	    0), -1);
	assert_int_equal(shim_imsg_print_chat(f, NULL, 1), -1);
	capture_end(&c);
	assert_int_equal(c.len, 0);
	free(c.buf);
	json_decref(odd);
	json_decref(chats);
}

static void
test_render_messages(void **state)
{
	struct capture	 c;
	json_t		*msgs, *m;
	FILE		*f;
	const char	*line = "{\"text\":\"a/b \\u00e9\",\"id\":1,"
	    "\"chat_id\":2,\"attachments\":[],\"is_from_me\":true,"
	    "\"sender\":\"me\",\"created_at\":\"2026-01-01T00:00:00.000Z\"}";

	(void)state;
	msgs = fixture("messages.json");
	f = capture_start(&c);
	/* Received: the contact's name; sent: the handle. */
	assert_int_equal(shim_imsg_print_message(f, fixture_item(msgs, 101),
	    0, 0), 0);
	assert_int_equal(shim_imsg_print_message(f, fixture_item(msgs, 102),
	    0, 0), 0);
	assert_int_equal(shim_imsg_print_message(f, fixture_item(msgs, 106),
	    0, 0), 0);
	assert_int_equal(shim_imsg_print_message(f, fixture_item(msgs, 106),
	    0, 1), 0);
	assert_int_equal(shim_imsg_print_message(f, fixture_item(msgs, 112),
	    0, 1), 0);
	assert_string_equal(capture_end(&c),
	    "2026-05-15T21:02:10.000Z [recv] Mom: Did you land okay?\n"
	    "2026-05-15T21:05:44.250Z [sent] +14155550100: Yes, just got to "
	    "the hotel\n"
	    "2026-05-14T18:40:05.900Z [recv] Alex Rivera: Here's the map\n"
	    "  (1 attachment)\n"
	    "2026-05-14T18:40:05.900Z [recv] Alex Rivera: Here's the map\n"
	    "  attachment: name=trail-map.jpg mime=image/jpeg missing=false "
	    "path=/Users/owner/Library/Messages/Attachments/3c/12/"
	    "6E1F0B7A-2C44-4F0E-9B1D-7A0C5E2D9F10/trail-map.jpg\n"
	    "2026-05-16T10:45:30.500Z [recv] 262966: Your verification code "
	    "is 123456\n");
	free(c.buf);

	/* Plural, unnamed and converted attachments. */
	m = json_loads("{\"id\":5,\"is_from_me\":false,\"sender\":\"+1\","
	    "\"text\":\"pics\",\"created_at\":\"T\",\"attachments\":["
	    "{\"filename\":\"f.heic\",\"transfer_name\":\"\",\"mime_type\":"
	    "\"image/heic\",\"missing\":true,\"original_path\":\"/p/f.heic\","
	    "\"converted_path\":\"/c/f.jpg\",\"converted_mime_type\":"
	    "\"image/jpeg\"},{\"filename\":\"\",\"transfer_name\":\"\","
	    "\"mime_type\":\"\",\"missing\":false,\"original_path\":\"\"}]}",
	    0, NULL);
	assert_non_null(m);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_message(f, m, 0, 0), 0);
	assert_int_equal(shim_imsg_print_message(f, m, 0, 1), 0);
	assert_string_equal(capture_end(&c),
	    "T [recv] +1: pics\n"
	    "  (2 attachments)\n"
	    "T [recv] +1: pics\n"
	    "  attachment: name=f.heic mime=image/heic missing=true "
	    "path=/p/f.heic converted_mime=image/jpeg converted_path=/c/f.jpg\n"
	    "  attachment: name=(unknown) mime= missing=false path=\n");
	free(c.buf);
	json_decref(m);

	/* JSON: unchanged, slashes and UTF-8 as they were. */
	m = json_loads(line, 0, NULL);
	assert_non_null(m);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_message(f, m, 1, 0), 0);
	assert_string_equal(capture_end(&c),
	    "{\"text\":\"a/b \xc3\xa9\",\"id\":1,\"chat_id\":2,"
	    "\"attachments\":[],\"is_from_me\":true,\"sender\":\"me\","
	    "\"created_at\":\"2026-01-01T00:00:00.000Z\"}\n");
	free(c.buf);
	json_decref(m);
	json_decref(msgs);
}

static void
test_render_status(void **state)
{
	struct capture	 c;
	json_t		*tool;
	FILE		*f;
	const char	*line = "{\"version\":\"0.9.2\","
	    "\"basic_features\":true,\"advanced_features\":true,"
	    "\"sip\":\"disabled\",\"bridge_version\":2,\"v2_ready\":true,"
	    "\"helper_version\":\"0.9.2\",\"selectors\":{\"typing\":true,"
	    "\"stickerSend\":true,\"edit\":false},"
	    "\"rpc_methods\":[\"send\"]}";

	(void)state;
	tool = json_loads(line, 0, NULL);
	assert_non_null(tool);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_status(f, tool, 1), 0);
	assert_int_equal(shim_imsg_print_status(f, tool, 0), 0);
	assert_string_equal(capture_end(&c), "{\"version\":\"0.9.2\","
	    "\"basic_features\":true,\"advanced_features\":true,\"sip\":"
	    "\"disabled\",\"bridge_version\":2,\"v2_ready\":true,"
	    "\"helper_version\":\"0.9.2\",\"selectors\":{\"typing\":true,"
	    "\"stickerSend\":true,\"edit\":false},\"rpc_methods\":[\"send\"]}\n"
	    "imsg Status Report\n"
	    "==================\n"
	    "\n"
	    "Version:\n"
	    "  0.9.2\n"
	    "\n"
	    "Basic features (send, receive, history):\n"
	    "  Available\n"
	    "\n"
	    "System Integrity Protection (SIP):\n"
	    "  disabled\n"
	    "\n"
	    "Advanced features (typing, read receipts):\n"
	    "  Available - IMCore bridge connected\n"
	    "  bridge version: v2 (v2 inbox active)\n"
	    "  selectors:\n"
	    "    edit: \xe2\x9c\x97\n"
	    "    stickerSend: \xe2\x9c\x93\n"
	    "    typing: \xe2\x9c\x93\n"
	    "\n"
	    "Available bridge commands:\n"
	    "  Send: imsg send-rich, send-multipart, send-attachment, "
	    "tapback\n"
	    "  Mutate: imsg edit, unsend, delete-message, notify-anyways\n"
	    "  Chat: imsg chat-create, chat-name, chat-photo, "
	    "chat-add/remove-member, chat-leave/delete, chat-mark\n"
	    "  Introspect: imsg account, whois, nickname\n"
	    "  Local DB: imsg search\n"
	    "  Watch with events: imsg watch --bb-events\n");
	free(c.buf);
	json_decref(tool);

	tool = json_loads("{\"advanced_features\":false}", 0, NULL);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_status(f, tool, 0), 0);
	capture_end(&c);
	assert_int_equal(strncmp(c.buf, "imsg Status Report\n"
	    "==================\n\nBasic features (send, receive, history):\n"
	    "  Available\n\nSystem Integrity Protection (SIP):\n  unknown\n\n"
	    "Advanced features (typing, read receipts):\n  Not available\n\n"
	    "To enable advanced features:\n", 220), 0);
	assert_non_null(strstr(c.buf, "\nNote: Basic messaging features work "
	    "without these steps.\n"));
	assert_null(strstr(c.buf, "Version:"));
	free(c.buf);
	json_decref(tool);
}

static void
test_print_result(void **state)
{
	struct shim_imsg_args	 args;
	struct capture		 c;
	json_t			*r;
	FILE			*f;
	char			 msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	assert_int_equal(parse(0, &args, msg, "chats", NULL), SHIM_IMSG_RUN);
	r = json_loads("{\"chats\":[{\"id\":1,\"name\":\"A\",\"identifier\":"
	    "\"a\",\"last_message_at\":\"t1\"},{\"id\":2,\"name\":\"B\","
	    "\"identifier\":\"b\",\"last_message_at\":\"t2\"}]}", 0, NULL);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 0);
	assert_string_equal(capture_end(&c),
	    "[1] A (a) last=t1\n[2] B (b) last=t2\n");
	free(c.buf);
	json_decref(r);

	/* Wrong shapes are refused, not half-printed. */
	r = json_loads("{\"chats\":{}}", 0, NULL);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_result(f, &args, r), -1);
	json_decref(r);
	r = json_loads("{\"chats\":[3]}", 0, NULL);
	assert_int_equal(shim_imsg_print_result(f, &args, r), -1);
	json_decref(r);
	r = json_loads("[]", 0, NULL);
	assert_int_equal(shim_imsg_print_result(f, &args, r), -1);
	json_decref(r);
	assert_int_equal(parse(0, &args, msg, "history", "--chat-id", "1",
	    NULL), SHIM_IMSG_RUN);
	r = json_loads("{\"chats\":[]}", 0, NULL);
	assert_int_equal(shim_imsg_print_result(f, &args, r), -1);
	json_decref(r);
	assert_int_equal(parse(0, &args, msg, "status", NULL), SHIM_IMSG_RUN);
	r = json_loads("{\"channel\":\"imsg\",\"available\":true}", 0, NULL);
	assert_int_equal(shim_imsg_print_result(f, &args, r), -1);
	json_decref(r);
	capture_end(&c);
	free(c.buf);

	/* send prints the tool's word, not the gateway's object. */
	r = json_loads("{\"status\":\"sent\",\"channel\":\"imsg\","
	    "\"recipient\":\"+1\"}", 0, NULL);
	assert_int_equal(parse(0, &args, msg, "send", NULL), SHIM_IMSG_RUN);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 0);
	assert_int_equal(parse(0, &args, msg, "send", "--json", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 0);
	assert_string_equal(capture_end(&c), "sent\n{\"status\":\"sent\"}\n");
	free(c.buf);
	json_decref(r);

	/*
	 * read names the chat's guid, else its identifier, else the handle
	 * (ReadCommand.swift), whatever the gateway's object says.
	 */
	r = json_loads("{\"ok\":true,\"channel\":\"imsg\","
	    "\"recipient\":\"chat:x\"}", 0, NULL);
	f = capture_start(&c);
	assert_int_equal(parse(0, &args, msg, "read", "--handle", "+1",
	    NULL), SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 0);
	assert_int_equal(parse(0, &args, msg, "read", "--chat-identifier",
	    "chat7", NULL), SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 0);
	assert_int_equal(parse(0, &args, msg, "read", "--chat-identifier",
	    "chat7", "--chat-guid", "iMessage;+;chat7", "-j", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 0);
	assert_int_equal(shim_imsg_print_read(f, 1, "a\"b"), 0);
	assert_string_equal(capture_end(&c), "marked as read: +1\n"
	    "marked as read: chat7\n"
	    "{\"success\":true,\"handle\":\"iMessage;+;chat7\","
	    "\"marked_as_read\":true}\n"
	    "{\"success\":true,\"handle\":\"a\\\"b\",\"marked_as_read\":true}\n");
	free(c.buf);
	json_decref(r);

	/*
	 * group (GroupCommand.swift): an unknown chat is "Chat not found:
	 * N"; the account fields are printed when the chat has them.
	 */
	r = json_loads("{\"chats\":[{\"id\":2,\"identifier\":\"+1\","
	    "\"guid\":\"iMessage;-;+1\",\"name\":\"\",\"service\":"
	    "\"iMessage\",\"participants\":[],\"account_login\":"
	    "\"E:me@example.com\",\"account_id\":7}]}", 0, NULL);
	f = capture_start(&c);
	assert_int_equal(parse(0, &args, msg, "group", "--chat-id", "5",
	    NULL), SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 1);
	assert_int_equal(parse(0, &args, msg, "group", "--chat-id", "2",
	    NULL), SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 0);
	assert_int_equal(parse(0, &args, msg, "group", "--chat-id", "2",
	    "--json", NULL), SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_print_result(f, &args, r), 0);
	assert_string_equal(capture_end(&c), "Chat not found: 5\n"
	    "id: 2\nidentifier: +1\nguid: iMessage;-;+1\nname: \n"
	    "service: iMessage\naccount_login: E:me@example.com\n"
	    "is_group: false\nparticipants: (none)\n"
	    "{\"id\":2,\"identifier\":\"+1\",\"guid\":\"iMessage;-;+1\","
	    "\"name\":\"\",\"service\":\"iMessage\",\"is_group\":false,"
	    "\"participants\":[],\"account_login\":\"E:me@example.com\"}\n");
	free(c.buf);
	json_decref(r);
}

static void
test_help_output(void **state)
{
	struct capture	c;
	FILE		*f;

	(void)state;
	f = capture_start(&c);
	shim_imsg_print_help(f, NULL, "0.9.2");
	capture_end(&c);
	assert_int_equal(strncmp(c.buf, "imsg 0.9.2\nSend and read iMessage / "
	    "SMS from the terminal\n\nUsage:\n  imsg <command> [options]\n\n"
	    "Commands:\n  chats\tList recent conversations\n", 113), 0);
	assert_non_null(strstr(c.buf, "  send\tSend a message (text and/or "
	    "attachment)\n"));
	assert_non_null(strstr(c.buf, "\n\nRun 'imsg <command> --help' for "
	    "details.\n"));
	/* All 32 commands of 0.9.0, in CommandRouter.swift's order. */
	assert_non_null(strstr(c.buf, "Commands:\n"
	    "  chats\tList recent conversations\n"
	    "  group\tShow chat identity and participants for a chat id\n"
	    "  history\tShow recent messages for a chat\n"
	    "  watch\tStream incoming messages\n"
	    "  send\tSend a message (text and/or attachment)\n"
	    "  react\tSend a tapback reaction to the most recent message\n"
	    "  read\tMark messages as read for a chat\n"
	    "  typing\tSend typing indicator to a chat\n"
	    "  launch\tLaunch Messages.app with dylib injection\n"
	    "  status\tCheck availability of imsg advanced features\n"
	    "  rpc\tRun JSON-RPC over stdin/stdout\n"
	    "  completions\tGenerate shell completions or LLM context\n"
	    "  send-rich\tSend a message via the IMCore bridge (effects, "
	    "replies, subjects)\n"
	    "  send-multipart\tSend a multi-part message\n"
	    "  send-attachment\tSend a file attachment via the IMCore "
	    "bridge\n"
	    "  tapback\tSend a tapback reaction via the IMCore bridge\n"
	    "  edit\tEdit a sent message\n"
	    "  unsend\tRetract a sent message\n"
	    "  delete-message\tDelete a single message from a chat\n"
	    "  notify-anyways\tForce a notification for a message that was "
	    "filtered/suppressed\n"
	    "  chat-create\tCreate a new chat (1:1 or group)\n"
	    "  chat-name\tSet a chat's display name\n"
	    "  chat-photo\tSet or clear a group chat photo\n"
	    "  chat-add-member\tAdd a participant to a group chat\n"
	    "  chat-remove-member\tRemove a participant from a group chat\n"
	    "  chat-leave\tLeave a group chat\n"
	    "  chat-delete\tDelete a chat from Messages.app\n"
	    "  chat-mark\tMark a chat as read or unread\n"
	    "  search\tSearch local Messages history\n"
	    "  account\tShow the active iMessage account, login, and "
	    "aliases\n"
	    "  whois\tCheck whether a handle is reachable on iMessage\n"
	    "  nickname\tShow contact-card / nickname info for a handle\n"
	    "\nRun 'imsg <command> --help' for details.\n"));
	free(c.buf);

	f = capture_start(&c);
	shim_imsg_print_help(f, "history", "0.9.2");
	assert_string_equal(capture_end(&c),
	    "imsg history\n"
	    "Show recent messages for a chat\n"
	    "\n"
	    "Usage:\n"
	    "  imsg history [options]\n"
	    "\n"
	    "Options:\n"
	    "  --db <value>\tPath to chat.db (defaults to "
	    "~/Library/Messages/chat.db)\n"
	    "  --chat-id <value>\tchat rowid from 'imsg chats'\n"
	    "  --limit <value>\tNumber of messages to show\n"
	    "  --participants <value>\tfilter by participant handles\n"
	    "  --start <value>\tISO8601 start (inclusive)\n"
	    "  --end <value>\tISO8601 end (exclusive)\n"
	    "  --log-level, --logLevel <value>\tSet log level "
	    "(trace|verbose|debug|info|warning|error|critical)\n"
	    "  --attachments\tinclude attachment metadata\n"
	    "  --convert-attachments\tconvert CAF/GIF attachments to "
	    "model-compatible cached files\n"
	    "  -v, --verbose\tEnable verbose logging\n"
	    "  --json, -j, --json-output, --jsonOutput\tEmit machine-readable "
	    "JSON output\n"
	    "\n"
	    "Examples:\n"
	    "  imsg history --chat-id 1 --limit 10 --attachments\n"
	    "  imsg history --chat-id 1 --start 2025-01-01T00:00:00Z --json\n");
	free(c.buf);
}

/* ---- errors and answers ----------------------------------------- */

static void
expect_error_text(int code, const char *message, const char *data,
    const char *want)
{
	json_t	*d = NULL;
	char	 out[SHIM_ERR_MAX];

	if (data != NULL) {
		d = json_loads(data, 0, NULL);
		assert_non_null(d);
	}
	shim_error_text(code, message, d, out, sizeof(out));
	assert_string_equal(out, want);
	json_decref(d);
}

static void
test_error_text(void **state)
{
	(void)state;
	expect_error_text(CP_ERR_PEER_UNAUTHORIZED, "peer not authorized",
	    "{\"uid\":1001}", "not authorized to use the gateway (uid 1001)");
	expect_error_text(CP_ERR_RECIPIENT_DENIED, "recipient not allowed",
	    "{\"recipient\":\"+14155550123\",\"rule\":\"allowlist\"}",
	    "recipient not allowed: +14155550123");
	expect_error_text(CP_ERR_RATE_LIMITED, "rate limited",
	    "{\"retry_after\":42,\"rule\":\"per-hour\"}",
	    "rate limited: retry in 42s");
	expect_error_text(CP_ERR_CONTENT_BLOCKED, "content blocked",
	    "{\"rule\":\"no-otp\"}", "content blocked: rule no-otp");
	expect_error_text(CP_ERR_HELD, "held for approval",
	    "{\"hold_id\":\"h0000000007\",\"rule\":\"new-recipient\"}",
	    "held for approval: hold h0000000007");
	expect_error_text(CP_ERR_CHANNEL_UNAVAILABLE, "channel unavailable",
	    "{\"channel\":\"imsg\"}", "channel unavailable: imsg");
	expect_error_text(CP_ERR_TOOL_FAILED, "tool failed",
	    "{\"exit_status\":1,\"stderr\":\"AppleScript failed\\n"
	    "line 2\\u001b[31m\\n\"}",
	    "tool failed (exit 1): AppleScript failed line 2?[31m");
	expect_error_text(CP_ERR_TIMEOUT, "timeout", "{\"timeout_ms\":10000}",
	    "timed out after 10000 ms");
	expect_error_text(CP_ERR_AUDIT_UNAVAILABLE, "audit unavailable", NULL,
	    "audit unavailable: the request was refused");
	expect_error_text(CP_ERR_STATE_UNAVAILABLE, "x", NULL,
	    "state store unavailable: the request was refused");
	expect_error_text(CP_ERR_CONFIG_INVALID, "x", NULL,
	    "gateway configuration invalid: the request was refused");
	expect_error_text(CP_ERR_CHANNEL_DENIED, "x", "{\"channel\":\"imsg\"}",
	    "channel not allowed for this client: imsg");
	expect_error_text(CP_ERR_FROZEN, "x",
	    "{\"channel\":\"imsg\",\"rule\":\"owner.freeze\"}",
	    "frozen by the owner: nothing is sent on imsg until the owner "
	    "thaws it");
	expect_error_text(CP_ERR_FROZEN, "x", "{\"channel\":\"a\\u001bb\"}",
	    "frozen by the owner: nothing is sent on a?b until the owner "
	    "thaws it");
	expect_error_text(CP_ERR_FROZEN, "x", NULL,
	    "frozen by the owner: nothing is sent until the owner thaws it");
	/* Missing or mistyped data: the reason alone. */
	expect_error_text(CP_ERR_RECIPIENT_DENIED, "x", NULL,
	    "recipient not allowed");
	expect_error_text(CP_ERR_RATE_LIMITED, "x",
	    "{\"retry_after\":\"soon\"}", "rate limited");
	expect_error_text(CP_ERR_HELD, "x", "[1]", "held for approval");
	expect_error_text(RPC_INVALID_PARAMS,
	    "param to: must not start with '-'", NULL,
	    "gateway refused the request: param to: must not start with '-'");
	expect_error_text(RPC_METHOD_NOT_FOUND, "Method not found", NULL,
	    "gateway refused the request: Method not found");
	expect_error_text(RPC_INTERNAL_ERROR, "", NULL,
	    "gateway internal error");
	expect_error_text(-31999, "odd\r\nthing", NULL,
	    "gateway error -31999: odd  thing");
}

static void
test_decode_answer(void **state)
{
	struct shim_reply	 r;
	char			 err[SHIM_ERR_MAX];
	const char		*bad[] = {
		"",
		"[]",
		"{\"jsonrpc\":\"2.0\",\"id\":1}",
		"{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}",
		"{\"id\":1,\"result\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"result\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"x\","
		    "\"message\":\"m\"}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":"
		    "99999999999,\"message\":\"m\"}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":[]}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} trailing",
	};
	size_t			 i;
	const char		*ok = "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"result\":{\"pong\":true}}";
	const char		*e = "{\"jsonrpc\":\"2.0\",\"id\":null,"
	    "\"error\":{\"code\":-32001,\"message\":"
	    "\"peer not authorized\",\"data\":{\"uid\":1001}}}";

	(void)state;
	assert_int_equal(shim_decode_answer(ok, strlen(ok), &r, err,
	    sizeof(err)), SHIM_OK);
	assert_int_equal(r.is_error, 0);
	assert_json(r.result, "{\"pong\":true}");
	assert_null(r.data);
	shim_reply_free(&r);

	assert_int_equal(shim_decode_answer(e, strlen(e), &r, err,
	    sizeof(err)), SHIM_OK);
	assert_int_equal(r.is_error, 1);
	assert_int_equal(r.code, CP_ERR_PEER_UNAUTHORIZED);
	assert_string_equal(r.message, "peer not authorized");
	assert_json(r.data, "{\"uid\":1001}");
	assert_null(r.result);
	shim_reply_free(&r);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (shim_decode_answer(bad[i], strlen(bad[i]), &r, err,
		    sizeof(err)) != SHIM_E_PROTOCOL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(r.result);
		assert_null(r.data);
		assert_non_null(strstr(err, "malformed answer"));
	}
}

/* ---- against a fake gateway ------------------------------------- */

enum gw_mode {
	GW_ANSWER,	/* read the request, write the answer line */
	GW_ANSWER_HANG,	/* the same, then keep the connection open */
	GW_HANG,	/* read the request, then never answer */
	GW_CLOSE,	/* read the request, close */
	GW_NO_NEWLINE	/* read the request, write bytes without '\n' */
};

struct gateway {
	char	 dir[64];
	char	 path[128];
	char	 report[128];
	pid_t	 pid;
};

/* In the fake gateway's child: write everything or give up. */
static void
child_write(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(5);
		}
		p += n;
		len -= (size_t)n;
	}
}

/*
 * The fake gateway records the request line, and the first bytes of a
 * passed descriptor, in the report file.
 */
static void
gateway_serve(int lfd, enum gw_mode mode, const char *answer,
    const char *report)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(4 * sizeof(int))];
	}		 cbuf;
	char		 buf[65536], fdbuf[1024], junk[4096];
	size_t		 len = 0;
	ssize_t		 n;
	int		 c, fd = -1, out;

	if ((c = accept(lfd, NULL, NULL)) == -1)
		_exit(2);
	while (memchr(buf, '\n', len) == NULL && len < sizeof(buf)) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf + len;
		iov.iov_len = sizeof(buf) - len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		if ((n = recvmsg(c, &msg, 0)) <= 0)
			_exit(3);
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
		    cmsg = CMSG_NXTHDR(&msg, cmsg))
			if (cmsg->cmsg_level == SOL_SOCKET &&
			    cmsg->cmsg_type == SCM_RIGHTS)
				memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
		len += (size_t)n;
	}
	if ((out = open(report, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		_exit(4);
	child_write(out, buf, len);
	if (fd != -1) {
		child_write(out, "---\n", 4);
		if ((n = read(fd, fdbuf, sizeof(fdbuf))) > 0)
			child_write(out, fdbuf, (size_t)n);
	}
	(void)close(out);
	switch (mode) {
	case GW_ANSWER:
	case GW_ANSWER_HANG:
		child_write(c, answer, strlen(answer));
		child_write(c, "\n", 1);
		while (mode == GW_ANSWER_HANG)
			(void)pause();
		break;
	case GW_HANG:
		for (;;)
			(void)pause();
	case GW_CLOSE:
		break;
	case GW_NO_NEWLINE:
		memset(junk, 'x', sizeof(junk));
		for (;;)
			if (write(c, junk, sizeof(junk)) == -1)
				break;
		break;
	}
	(void)close(c);
	_exit(0);
}

static void
gateway_start(struct gateway *gw, enum gw_mode mode, const char *answer)
{
	struct sockaddr_un	sun;
	int			lfd;

	(void)strlcpy(gw->dir, "/tmp/test_shim_imsg.XXXXXX", sizeof(gw->dir));
	assert_non_null(mkdtemp(gw->dir));
	(void)snprintf(gw->path, sizeof(gw->path), "%s/gw.sock", gw->dir);
	(void)snprintf(gw->report, sizeof(gw->report), "%s/report", gw->dir);
	gw->pid = -1;
	if (answer == NULL && mode == GW_ANSWER)
		return;		/* no gateway at all */

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, gw->path, sizeof(sun.sun_path));
	assert_int_not_equal(lfd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	gw->pid = fork();
	assert_int_not_equal(gw->pid, -1);
	if (gw->pid == 0)
		gateway_serve(lfd, mode, answer, gw->report);
	(void)close(lfd);
}

/* The request line the gateway saw, and what came through the fd. */
static char *
gateway_stop(struct gateway *gw, char **fdtext)
{
	char	 buf[65536], *sep, *line = NULL;
	ssize_t	 n;
	int	 fd, status;

	if (fdtext != NULL)
		*fdtext = NULL;
	if (gw->pid != -1) {
		(void)kill(gw->pid, SIGKILL);
		(void)waitpid(gw->pid, &status, 0);
	}
	if ((fd = open(gw->report, O_RDONLY)) != -1) {
		n = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		assert_true(n >= 0);
		buf[n] = '\0';
		if ((sep = strstr(buf, "\n---\n")) != NULL) {
			if (fdtext != NULL)
				*fdtext = strdup(sep + 5);
			sep[1] = '\0';
		}
		line = strdup(buf);
	}
	(void)unlink(gw->report);
	(void)unlink(gw->path);
	(void)rmdir(gw->dir);
	return line;
}

static int
run_shim(struct gateway *gw, int timeout_ms, char **out, const char *first,
    ...)
{
	struct capture	c;
	va_list		ap;
	int		rc;

	va_start(ap, first);
	set_argv(first, ap);
	va_end(ap);
	rc = shim_imsg_run(argc_buf, argv_buf, gw->path, timeout_ms,
	    capture_start(&c));
	*out = (char *)capture_end(&c);
	return rc;
}

static void
test_gateway_send_file(void **state)
{
	struct gateway	 gw;
	char		 att[256], *out, *req, *fdtext;
	json_t		*v;
	FILE		*f;

	(void)state;
	gateway_start(&gw, GW_ANSWER, ANSWER_RESULT
	    "{\"status\":\"sent\",\"channel\":\"imsg\",\"recipient\":"
	    "\"+14155550123\"}}");
	(void)snprintf(att, sizeof(att), "%s/holiday photo.jpg", gw.dir);
	assert_non_null(f = fopen(att, "w"));
	assert_int_equal(fputs("\x89PNG not really", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(run_shim(&gw, 10000, &out, "send", "--to",
	    "+14155550123", "--text", "see attached", "--file", att, NULL), 0);
	assert_string_equal(out, "sent\n");
	free(out);
	req = gateway_stop(&gw, &fdtext);
	(void)unlink(att);
	(void)rmdir(gw.dir);

	assert_non_null(req);
	/* The path never reaches the gateway, only the name. */
	assert_null(strstr(req, gw.dir));
	assert_non_null(v = json_loads(req, 0, NULL));
	assert_json(v, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\","
	    "\"params\":{\"channel\":\"imsg\",\"to\":\"+14155550123\","
	    "\"text\":\"see attached\",\"attachment\":{\"name\":"
	    "\"holiday photo.jpg\"}}}");
	json_decref(v);
	assert_non_null(fdtext);
	assert_string_equal(fdtext, "\x89PNG not really");
	free(fdtext);
	free(req);
}

static void
test_gateway_results(void **state)
{
	struct gateway	 gw;
	char		*out, *req;
	json_t		*v;

	(void)state;
	/* History, JSON: each message exactly as the gateway gave it. */
	gateway_start(&gw, GW_ANSWER, ANSWER_RESULT
	    "{\"messages\":[{\"text\":\"b\",\"id\":2},{\"id\":1,\"text\":\"a\","
	    "\"attachments\":[]}]}}");
	assert_int_equal(run_shim(&gw, 10000, &out, "history", "--chat-id",
	    "3", "--json", "--limit", "2", NULL), 0);
	assert_string_equal(out, "{\"text\":\"b\",\"id\":2}\n"
	    "{\"id\":1,\"text\":\"a\",\"attachments\":[]}\n");
	free(out);
	req = gateway_stop(&gw, NULL);
	assert_non_null(v = json_loads(req, 0, NULL));
	assert_json(v, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"messages.history\",\"params\":{\"channel\":\"imsg\","
	    "\"chat_id\":3,\"limit\":2}}");
	json_decref(v);
	free(req);

	/* A policy refusal: the reason, exit 1. */
	gateway_start(&gw, GW_ANSWER, ANSWER_ERROR
	    "{\"code\":-32002,\"message\":\"recipient not allowed\",\"data\":"
	    "{\"recipient\":\"+14155550123\",\"rule\":\"allowlist\"}}}");
	assert_int_equal(run_shim(&gw, 10000, &out, "send", "--to",
	    "+14155550123", "--text", "hi", "--json", NULL), 1);
	assert_string_equal(out, "recipient not allowed: +14155550123\n");
	free(out);
	free(gateway_stop(&gw, NULL));

	gateway_start(&gw, GW_ANSWER, ANSWER_ERROR
	    "{\"code\":-32003,\"message\":\"rate limited\",\"data\":"
	    "{\"retry_after\":42,\"rule\":\"hourly\"}}}");
	assert_int_equal(run_shim(&gw, 10000, &out, "chats", NULL), 1);
	assert_string_equal(out, "rate limited: retry in 42s\n");
	free(out);
	free(gateway_stop(&gw, NULL));

	/* A result of the wrong shape is an error, not silence. */
	gateway_start(&gw, GW_ANSWER, ANSWER_RESULT
	    "{\"chats\":\"none\"}}");
	assert_int_equal(run_shim(&gw, 10000, &out, "chats", NULL), 1);
	assert_string_equal(out, "imsg: malformed answer from the gateway\n");
	free(out);
	free(gateway_stop(&gw, NULL));

	/* A garbled answer. */
	gateway_start(&gw, GW_ANSWER,
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}");
	assert_int_equal(run_shim(&gw, 10000, &out, "status", NULL), 1);
	assert_string_equal(out, "imsg: malformed answer from the gateway: "
	    "answer to another request\n");
	free(out);
	free(gateway_stop(&gw, NULL));
}

static void
test_gateway_unreachable(void **state)
{
	struct gateway		 gw;
	struct sockaddr_un	 sun;
	char			*out, want[512];
	int			 fd;

	(void)state;
	gateway_start(&gw, GW_ANSWER, NULL);
	assert_int_equal(run_shim(&gw, 10000, &out, "send", "--to", "+1",
	    "--text", "hi", NULL), 1);
	(void)snprintf(want, sizeof(want), "imsg: gateway unavailable at %s: "
	    "%s\n", gw.path, strerror(ENOENT));
	assert_string_equal(out, want);
	free(out);

	/* A socket nobody listens on. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, gw.path, sizeof(sun.sun_path));
	assert_int_not_equal(fd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(run_shim(&gw, 10000, &out, "chats", NULL), 1);
	(void)snprintf(want, sizeof(want), "imsg: gateway unavailable at %s: "
	    "%s\n", gw.path, strerror(ECONNREFUSED));
	assert_string_equal(out, want);
	free(out);
	(void)close(fd);

	/* The attachment is checked before any connection. */
	assert_int_equal(run_shim(&gw, 10000, &out, "send", "--to", "+1",
	    "--file", gw.dir, NULL), 1);
	(void)snprintf(want, sizeof(want), "imsg: cannot attach %s: not a "
	    "regular file\n", gw.dir);
	assert_string_equal(out, want);
	free(out);
	assert_int_equal(run_shim(&gw, 10000, &out, "send", "--to", "+1",
	    "--file", "/nonexistent/x.jpg", NULL), 1);
	(void)snprintf(want, sizeof(want), "imsg: cannot attach "
	    "/nonexistent/x.jpg: %s\n", strerror(ENOENT));
	assert_string_equal(out, want);
	free(out);

	/* A stream needs the gateway like any call. */
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--json", NULL),
	    1);
	(void)snprintf(want, sizeof(want), "imsg: gateway unavailable at %s: "
	    "%s\n", gw.path, strerror(ECONNREFUSED));
	assert_string_equal(out, want);
	free(out);

	/* Local errors and commands for later never need the gateway. */
	assert_int_equal(run_shim(&gw, 10000, &out, "tapback", "--chat", "g",
	    NULL), 1);
	/* BridgeOutput.emitError: "error: ..." in text mode. */
	assert_string_equal(out,
	    "error: tapback is not available through this gateway\n");
	free(out);
	assert_int_equal(run_shim(&gw, 10000, &out, "chat-mark", "--json",
	    NULL), 1);
	assert_string_equal(out, "{\"success\":false,\"error\":\"chat-mark "
	    "is not available through this gateway\"}\n");
	free(out);
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--debounce",
	    "soon", NULL), 1);
	assert_string_equal(out, "Invalid value for option: --debounce\n");
	free(out);
	assert_int_equal(run_shim(&gw, 10000, &out, "send", "--to", "+1",
	    NULL), 1);
	assert_string_equal(out, "Missing required option: --text or file\n");
	free(out);
	assert_int_equal(run_shim(&gw, 10000, &out, "--version", NULL), 0);
	assert_string_equal(out, "0.9.2\n");
	free(out);
	free(gateway_stop(&gw, NULL));
}

static void
test_gateway_deadline_and_bounds(void **state)
{
	struct gateway		 gw;
	struct shim_reply	 r;
	json_t			*params;
	char			*out, want[512], err[SHIM_ERR_MAX];
	uint64_t		 t0;

	(void)state;
	/* A gateway that never answers does not hang the caller. */
	gateway_start(&gw, GW_HANG, NULL);
	t0 = util_mono_ms();
	assert_int_equal(run_shim(&gw, 300, &out, "status", NULL), 1);
	assert_true(util_mono_ms() - t0 >= 290);
	assert_true(util_mono_ms() - t0 < 5000);
	(void)snprintf(want, sizeof(want), "imsg: no answer from the gateway "
	    "at %s within 1 s\n", gw.path);
	assert_string_equal(out, want);
	free(out);
	free(gateway_stop(&gw, NULL));

	params = json_pack("{s:s}", "channel", "imsg");
	gateway_start(&gw, GW_NO_NEWLINE, NULL);
	assert_int_equal(shim_call(gw.path, "status", params, -1, 10000, 1000,
	    &r, err, sizeof(err)), SHIM_E_TOOLONG);
	assert_null(r.result);
	assert_non_null(strstr(err, "longer than 1000 bytes"));
	free(gateway_stop(&gw, NULL));

	gateway_start(&gw, GW_CLOSE, NULL);
	assert_int_equal(shim_call(gw.path, "status", params, -1, 10000, 1000,
	    &r, err, sizeof(err)), SHIM_E_CLOSED);
	assert_non_null(strstr(err, "closed the connection"));
	free(gateway_stop(&gw, NULL));

	/* An answer of exactly the limit fits; one byte more does not. */
	gateway_start(&gw, GW_ANSWER, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"result\":{}}");
	assert_int_equal(shim_call(gw.path, "status", params, -1, 10000, 36,
	    &r, err, sizeof(err)), SHIM_OK);
	assert_json(r.result, "{}");
	shim_reply_free(&r);
	free(gateway_stop(&gw, NULL));
	gateway_start(&gw, GW_ANSWER, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"result\":{}}");
	assert_int_equal(shim_call(gw.path, "status", params, -1, 10000, 35,
	    &r, err, sizeof(err)), SHIM_E_TOOLONG);
	free(gateway_stop(&gw, NULL));

	assert_int_equal(shim_call("/nonexistent/gw.sock", "status", params,
	    -1, 0, 1000, &r, err, sizeof(err)), SHIM_E_INTERNAL);
	json_decref(params);
}

/* ---- watch ------------------------------------------------------ */

static void
test_parse_watch(void **state)
{
	struct shim_imsg_args	a;
	char			msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	assert_int_equal(parse(SHIM_IMSG_STRICT, &a, msg, "watch", "--db",
	    "/x/chat.db", "--chat-id", "3", "--debounce", "100ms",
	    "--since-rowid", "1003", "--participants", "+1,a@b", "--start",
	    "2026-01-01T00:00:00Z", "--end", "2026-02-01T00:00:00Z",
	    "--log-level", "info", "--attachments", "--reactions", "-jv",
	    NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.cmd, SHIM_IMSG_WATCH);
	assert_string_equal(a.db, "/x/chat.db");
	assert_int_equal(a.has_chat_id, 1);
	assert_int_equal(a.chat_id, 3);
	assert_string_equal(a.debounce, "100ms");
	assert_string_equal(a.since_rowid_str, "1003");
	assert_int_equal(a.has_since_rowid, 1);
	assert_int_equal(a.since_rowid, 1003);
	assert_int_equal(a.nparticipants, 2);
	assert_string_equal(a.participants[0], "+1");
	assert_string_equal(a.participants[1], "a@b");
	assert_string_equal(a.start, "2026-01-01T00:00:00Z");
	assert_string_equal(a.end, "2026-02-01T00:00:00Z");
	assert_string_equal(a.log_level, "info");
	assert_int_equal(a.attachments, 1);
	assert_int_equal(a.reactions, 1);
	assert_int_equal(a.json, 1);
	assert_int_equal(a.verbose, 1);
	shim_imsg_args_free(&a);

	assert_int_equal(parse(0, &a, msg, "watch", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.has_chat_id, 0);
	assert_int_equal(a.has_since_rowid, 0);
	assert_null(a.debounce);
	assert_int_equal(a.reactions, 0);
	assert_int_equal(a.attachments, 0);
	/* Numbers that do not parse count as absent, as in the real tool. */
	assert_int_equal(parse(0, &a, msg, "watch", "--since-rowid", "x1",
	    "--chat-id", "one", NULL), SHIM_IMSG_RUN);
	assert_int_equal(a.has_since_rowid, 0);
	assert_string_equal(a.since_rowid_str, "x1");
	assert_int_equal(a.has_chat_id, 0);
	/* A value never starts with '-'. */
	assert_int_equal(parse(0, &a, msg, "watch", "--since-rowid", "-1",
	    NULL), SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Missing value for option since-rowid");
	assert_int_equal(parse(0, &a, msg, "watch", "--debounce", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Missing value for option debounce");
	assert_int_equal(parse(0, &a, msg, "watch", "--chat-id", "--json",
	    NULL), SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Missing value for option chat-id");
	/* Options of other commands are unknown. */
	assert_int_equal(parse(0, &a, msg, "watch", "--limit", "5", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --limit");
	assert_int_equal(parse(0, &a, msg, "watch", "--text", "x", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --text");
	/* --bb-events is 0.9.0 watch's own (WatchCommand.swift). */
	assert_int_equal(parse(0, &a, msg, "watch", "--bb-events", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(parse(0, &a, msg, "history", "--reactions", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option --reactions");
	assert_int_equal(parse(0, &a, msg, "watch", "-jr", NULL),
	    SHIM_IMSG_ERROR);
	assert_string_equal(msg, "Unknown option -r");
}

static void
test_watch_request(void **state)
{
	struct shim_imsg_args	 args;
	json_t			*p;
	const char		*method;
	char			*text, msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	p = request(&method, msg, "watch", NULL);
	assert_string_equal(method, "inbox.subscribe");
	assert_json(p, "{\"channels\":[\"imsg\"]}");
	json_decref(p);
	/* Client-side options stay client-side. */
	p = request(&method, msg, "watch", "--chat-id", "3", "--json",
	    "--attachments", "--reactions", "--debounce", "1s",
	    "--participants", "+1", "--since-rowid", "1003", NULL);
	text = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text,
	    "{\"channels\":[\"imsg\"],\"since\":{\"imsg\":1003}}");
	free(text);
	json_decref(p);
	p = request(&method, msg, "watch", "--since-rowid", "0", NULL);
	assert_json(p, "{\"channels\":[\"imsg\"],\"since\":{\"imsg\":0}}");
	json_decref(p);
	p = request(&method, msg, "watch", "--since-rowid", "+7", NULL);
	assert_json(p, "{\"channels\":[\"imsg\"],\"since\":{\"imsg\":7}}");
	json_decref(p);
	p = request(&method, msg, "watch", "--since-rowid", "soon", NULL);
	assert_json(p, "{\"channels\":[\"imsg\"]}");
	json_decref(p);
	/* A negative rowid (only reachable without the parser): start. */
	assert_int_equal(parse(0, &args, msg, "watch", NULL),
	    SHIM_IMSG_RUN);
	args.has_since_rowid = 1;
	args.since_rowid = -5;
	p = shim_imsg_build_request(&args, &method, msg, sizeof(msg));
	assert_json(p, "{\"channels\":[\"imsg\"],\"since\":{\"imsg\":0}}");
	json_decref(p);

	/* The real command's checks: debounce first, then the dates. */
	assert_null(request(&method, msg, "watch", "--debounce", "fast",
	    "--start", "bad", NULL));
	assert_null(method);
	assert_string_equal(msg, "Invalid value for option: --debounce");
	assert_null(request(&method, msg, "watch", "--start", "yesterday",
	    "--end", "bad", NULL));
	assert_string_equal(msg, "Invalid ISO8601 date: yesterday");
	assert_null(request(&method, msg, "watch", "--start",
	    "2026-01-01T00:00:00Z", "--end", "2026-13-01T00:00:00Z", NULL));
	assert_string_equal(msg, "Invalid ISO8601 date: 2026-13-01T00:00:00Z");
	p = request(&method, msg, "watch", "--start", "2026-01-01T00:00:00Z",
	    "--end", "2026-01-02T00:00:00.5+02:00", NULL);
	assert_json(p, "{\"channels\":[\"imsg\"]}");
	json_decref(p);
}

static void
test_parse_duration(void **state)
{
	const char	*good[] = { "250ms", "1s", "2m", "1h", "0.5", "1e2ms",
			    " 250ms\n", "0", ".5s", "-1s" };
	const double	 want[] = { 250, 1000, 120000, 3600000, 500, 100,
			    250, 0, 500, -1000 };
	const char	*bad[] = { "", " ", "ms", "s", "250 ms", "250MS",
			    "abc", "5d", "1.2.3s", "5sms", "0x" };
	double		 ms;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = -7;
		if (shim_imsg_parse_duration(good[i], &ms) != 0)
			fail_msg("refused \"%s\"", good[i]);
		assert_true(ms == want[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (shim_imsg_parse_duration(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void
test_parse_iso(void **state)
{
	int64_t	ms;

	(void)state;
	assert_int_equal(shim_imsg_parse_iso("1970-01-01T00:00:01Z", &ms), 0);
	assert_true(ms == 1000);
	assert_int_equal(shim_imsg_parse_iso("2026-05-16T15:24:36.123Z", &ms),
	    0);
	assert_true(ms == 1778945076123LL);
	assert_int_equal(shim_imsg_parse_iso("1970-01-01T02:00:00.5+02:00",
	    &ms), 0);
	assert_true(ms == 500);
	assert_int_equal(shim_imsg_parse_iso("1970-01-01T00:00:00-01:30",
	    &ms), 0);
	assert_true(ms == 5400000);
	assert_int_equal(shim_imsg_parse_iso("2026-05-16", &ms), -1);
	assert_int_equal(shim_imsg_parse_iso("2026-05-16T15:24:36", &ms), -1);
	assert_int_equal(shim_imsg_parse_iso("2026-05-16T15:24:36.Z", &ms),
	    -1);
	assert_int_equal(shim_imsg_parse_iso("2026-05-16T25:24:36Z", &ms), -1);
	assert_int_equal(shim_imsg_parse_iso("2026-05-16T15:24:36Zx", &ms),
	    -1);
}

static void
test_watch_allows(void **state)
{
	struct shim_imsg_args	 a;
	json_t			*m1, *m2, *react, *odd;
	char			 msg[SHIM_IMSG_MSG_MAX];

	(void)state;
	m1 = json_loads("{\"id\":1,\"chat_id\":1,\"sender\":\"Mom@Example."
	    "com\",\"created_at\":\"2026-05-16T10:00:00.000Z\"}", 0, NULL);
	m2 = json_loads("{\"id\":2,\"chat_id\":2,\"sender\":\"+1\","
	    "\"created_at\":\"2026-05-16T12:00:00.000Z\"}", 0, NULL);
	react = json_loads("{\"id\":3,\"chat_id\":1,\"sender\":\"+1\","
	    "\"created_at\":\"2026-05-16T12:00:00.000Z\",\"is_reaction\":true,"
	    "\"reaction_emoji\":\"x\"}", 0, NULL);
	odd = json_loads("{\"id\":4,\"chat_id\":\"1\",\"sender\":7}", 0, NULL);
	assert_non_null(m1);
	assert_non_null(m2);
	assert_non_null(react);
	assert_non_null(odd);

	assert_int_equal(parse(0, &a, msg, "watch", NULL), SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_watch_allows(&a, m1), 1);
	assert_int_equal(shim_imsg_watch_allows(&a, m2), 1);
	assert_int_equal(shim_imsg_watch_allows(&a, odd), 1);
	/* Reaction events only with --reactions. */
	assert_int_equal(shim_imsg_watch_allows(&a, react), 0);
	assert_int_equal(shim_imsg_watch_allows(&a, NULL), 0);
	assert_int_equal(shim_imsg_watch_allows(&a,
	    json_object_get(m1, "sender")), 0);
	assert_int_equal(parse(0, &a, msg, "watch", "--reactions", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_watch_allows(&a, react), 1);

	assert_int_equal(parse(0, &a, msg, "watch", "--chat-id", "1", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_watch_allows(&a, m1), 1);
	assert_int_equal(shim_imsg_watch_allows(&a, m2), 0);
	assert_int_equal(shim_imsg_watch_allows(&a, odd), 0);

	/* Participants: the sender, ignoring case. */
	assert_int_equal(parse(0, &a, msg, "watch", "--participants",
	    "x,mom@example.COM", NULL), SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_watch_allows(&a, m1), 1);
	assert_int_equal(shim_imsg_watch_allows(&a, m2), 0);
	assert_int_equal(shim_imsg_watch_allows(&a, odd), 0);
	shim_imsg_args_free(&a);

	/* Dates: start inclusive, end exclusive. */
	assert_int_equal(parse(0, &a, msg, "watch", "--start",
	    "2026-05-16T10:00:00Z", "--end", "2026-05-16T12:00:00Z", NULL),
	    SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_watch_allows(&a, m1), 1);
	assert_int_equal(shim_imsg_watch_allows(&a, m2), 0);
	assert_int_equal(shim_imsg_watch_allows(&a, odd), 0);
	assert_int_equal(parse(0, &a, msg, "watch", "--start",
	    "2026-05-16T10:00:00.001Z", NULL), SHIM_IMSG_RUN);
	assert_int_equal(shim_imsg_watch_allows(&a, m1), 0);
	assert_int_equal(shim_imsg_watch_allows(&a, m2), 1);

	json_decref(m1);
	json_decref(m2);
	json_decref(react);
	json_decref(odd);
}

static void
test_render_reactions(void **state)
{
	struct capture	 c;
	json_t		*m;
	FILE		*f;

	(void)state;
	m = json_loads("{\"id\":9,\"is_from_me\":false,\"sender\":\"+1\","
	    "\"sender_name\":\"Mom\",\"text\":\"Liked \\u201chi\\u201d\","
	    "\"created_at\":\"T\",\"is_reaction\":true,\"reaction_type\":"
	    "\"like\",\"reaction_emoji\":\"\xf0\x9f\x91\x8d\","
	    "\"is_reaction_add\":true,\"reacted_to_guid\":\"G-1\"}", 0, NULL);
	assert_non_null(m);
	f = capture_start(&c);
	assert_int_equal(shim_imsg_print_message(f, m, 0, 0), 0);
	assert_int_equal(json_object_set_new(m, "is_reaction_add",
	    json_false()), 0);
	assert_int_equal(json_object_del(m, "reacted_to_guid"), 0);
	assert_int_equal(json_object_set_new(m, "is_from_me", json_true()), 0);
	assert_int_equal(shim_imsg_print_message(f, m, 0, 0), 0);
	/* Without an emoji it is printed as a message. */
	assert_int_equal(json_object_del(m, "reaction_emoji"), 0);
	assert_int_equal(shim_imsg_print_message(f, m, 0, 0), 0);
	assert_string_equal(capture_end(&c),
	    "T [recv] Mom added \xf0\x9f\x91\x8d reaction to G-1\n"
	    "T [sent] +1 removed \xf0\x9f\x91\x8d reaction to unknown\n"
	    "T [sent] +1: Liked \xe2\x80\x9chi\xe2\x80\x9d\n");
	free(c.buf);
	json_decref(m);
}

/* The gateway's side of a subscription: the answer, then messages. */
#define SUB_OK		ANSWER_RESULT "{\"subscription\":1,\"cursor\":" \
			    "{\"imsg\":1000}}}"
#define NOTE(sub, cursor, msg) \
	"{\"jsonrpc\":\"2.0\",\"method\":\"inbox.message\",\"params\":" \
	"{\"subscription\":" #sub ",\"channel\":\"imsg\",\"cursor\":" \
	#cursor ",\"message\":" msg "}}"
#define MSG_1001	"{\"id\":1001,\"chat_id\":1,\"guid\":\"G-1001\"," \
			    "\"sender\":\"+14155550100\"," \
			    "\"is_from_me\":false," \
			    "\"text\":\"hello from mom\",\"created_at\":" \
			    "\"2026-05-16T15:24:36.123Z\",\"attachments\":[]," \
			    "\"reactions\":[]}"
#define MSG_1002	"{\"text\":\"group \\u00e9/x\",\"id\":1002," \
			    "\"chat_id\":3,\"sender\":\"+14155550142\"," \
			    "\"is_from_me\":false,\"created_at\":" \
			    "\"2026-05-16T15:25:00.000Z\",\"attachments\":" \
			    "[{\"filename\":\"a.jpg\",\"transfer_name\":" \
			    "\"a.jpg\",\"mime_type\":\"image/jpeg\"," \
			    "\"missing\":false,\"original_path\":" \
			    "\"/p/a.jpg\"}]}"
#define MSG_1003	"{\"id\":1003,\"chat_id\":1,\"sender\":" \
			    "\"+14155550100\",\"is_from_me\":true,\"text\":" \
			    "\"sent by me\",\"created_at\":" \
			    "\"2026-05-16T15:26:00.000Z\",\"attachments\":[]}"
#define STREAM3		SUB_OK "\n" NOTE(1, 1001, MSG_1001) "\n" \
			    NOTE(1, 1002, MSG_1002) "\n" \
			    NOTE(1, 1003, MSG_1003)

static void
test_gateway_watch(void **state)
{
	struct gateway	 gw;
	char		*out, *req, want[4096];

	(void)state;
	/* JSON: each message as the gateway gave it, then the close. */
	gateway_start(&gw, GW_ANSWER, STREAM3);
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--json",
	    "--since-rowid", "1000", NULL), 1);
	(void)snprintf(want, sizeof(want), "%s\n%s\n%s\nimsg: the gateway at "
	    "%s closed the connection\n", MSG_1001,
	    "{\"text\":\"group \xc3\xa9/x\",\"id\":1002,\"chat_id\":3,"
	    "\"sender\":\"+14155550142\",\"is_from_me\":false,\"created_at\":"
	    "\"2026-05-16T15:25:00.000Z\",\"attachments\":[{\"filename\":"
	    "\"a.jpg\",\"transfer_name\":\"a.jpg\",\"mime_type\":"
	    "\"image/jpeg\",\"missing\":false,\"original_path\":"
	    "\"/p/a.jpg\"}]}", MSG_1003, gw.path);
	assert_string_equal(out, want);
	free(out);
	req = gateway_stop(&gw, NULL);
	assert_non_null(req);
	assert_string_equal(req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"inbox.subscribe\",\"params\":{\"channels\":[\"imsg\"],"
	    "\"since\":{\"imsg\":1000}}}\n");
	free(req);

	/* Text, one chat: the other chat's message is not printed. */
	gateway_start(&gw, GW_ANSWER, STREAM3);
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--chat-id", "1",
	    NULL), 1);
	(void)snprintf(want, sizeof(want),
	    "2026-05-16T15:24:36.123Z [recv] +14155550100: hello from mom\n"
	    "2026-05-16T15:26:00.000Z [sent] +14155550100: sent by me\n"
	    "imsg: the gateway at %s closed the connection\n", gw.path);
	assert_string_equal(out, want);
	free(out);
	req = gateway_stop(&gw, NULL);
	assert_string_equal(req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"inbox.subscribe\",\"params\":{\"channels\":[\"imsg\"]}}\n");
	free(req);

	/* Text with --attachments; JSON with --chat-id. */
	gateway_start(&gw, GW_ANSWER, STREAM3);
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--chat-id", "3",
	    "--attachments", NULL), 1);
	(void)snprintf(want, sizeof(want),
	    "2026-05-16T15:25:00.000Z [recv] +14155550142: group \xc3\xa9/x\n"
	    "  attachment: name=a.jpg mime=image/jpeg missing=false "
	    "path=/p/a.jpg\n"
	    "imsg: the gateway at %s closed the connection\n", gw.path);
	assert_string_equal(out, want);
	free(out);
	free(gateway_stop(&gw, NULL));
	gateway_start(&gw, GW_ANSWER, STREAM3);
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--json",
	    "--chat-id", "1", "--participants", "+14155550100", NULL), 1);
	(void)snprintf(want, sizeof(want), "%s\n%s\nimsg: the gateway at %s "
	    "closed the connection\n", MSG_1001, MSG_1003, gw.path);
	assert_string_equal(out, want);
	free(out);
	free(gateway_stop(&gw, NULL));

	/*
	 * Rowids only go forward, as in the real tool: what the gateway
	 * delivers again (under a new cursor) or from before --since-rowid
	 * is not printed twice.
	 */
	gateway_start(&gw, GW_ANSWER, SUB_OK "\n"
	    NOTE(1, 1, "{\"id\":999,\"chat_id\":1}") "\n"
	    NOTE(1, 1001, MSG_1001) "\n" NOTE(1, 1003, MSG_1003) "\n"
	    NOTE(1, 1004, MSG_1001) "\n" NOTE(1, 1005, MSG_1002) "\n"
	    NOTE(1, 1006, "{\"id\":1006,\"chat_id\":1}"));
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--json",
	    "--since-rowid", "1000", NULL), 1);
	(void)snprintf(want, sizeof(want), "%s\n%s\n{\"id\":1006,\"chat_id\":1}"
	    "\nimsg: the gateway at %s closed the connection\n", MSG_1001,
	    MSG_1003, gw.path);
	assert_string_equal(out, want);
	free(out);
	free(gateway_stop(&gw, NULL));
}

static void
test_gateway_watch_errors(void **state)
{
	struct gateway	 gw;
	char		*out, want[1024];

	(void)state;
	/* A refused subscription: the reason, exit 1. */
	gateway_start(&gw, GW_ANSWER, ANSWER_ERROR
	    "{\"code\":-32012,\"message\":\"client agent may not use channel "
	    "imsg\",\"data\":{\"channel\":\"imsg\"}}}");
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", NULL), 1);
	assert_string_equal(out, "channel not allowed for this client: imsg\n");
	free(out);
	free(gateway_stop(&gw, NULL));

	gateway_start(&gw, GW_CLOSE, NULL);
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--json", NULL),
	    1);
	(void)snprintf(want, sizeof(want), "imsg: the gateway at %s closed "
	    "the connection without answering\n", gw.path);
	assert_string_equal(out, want);
	free(out);
	free(gateway_stop(&gw, NULL));

	gateway_start(&gw, GW_ANSWER, ANSWER_RESULT "{\"cursor\":{}}}");
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", NULL), 1);
	assert_string_equal(out, "imsg: malformed answer from the gateway\n");
	free(out);
	free(gateway_stop(&gw, NULL));

	/*
	 * Other subscriptions, other notifications and reaction events
	 * (without --reactions) are passed over; an error ends the stream.
	 */
	gateway_start(&gw, GW_ANSWER, SUB_OK "\n"
	    NOTE(2, 1001, MSG_1001) "\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"inbox.other\",\"params\":{}}\n"
	    NOTE(1, 1002, "{\"id\":1002,\"chat_id\":1,\"is_reaction\":true,"
	    "\"reaction_emoji\":\"x\"}") "\n"
	    NOTE(1, 1003, MSG_1003) "\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32010,"
	    "\"message\":\"state\"}}\n"
	    NOTE(1, 1005, MSG_1001));
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "-j", NULL), 1);
	(void)snprintf(want, sizeof(want), "%s\nstate store unavailable: the "
	    "request was refused\n", MSG_1003);
	assert_string_equal(out, want);
	free(out);
	free(gateway_stop(&gw, NULL));

	/* With --reactions the event is printed, as the real tool does. */
	gateway_start(&gw, GW_ANSWER, SUB_OK "\n"
	    NOTE(1, 1004, "{\"id\":1004,\"chat_id\":1,\"created_at\":\"T\","
	    "\"sender\":\"+1\",\"is_reaction\":true,\"reaction_emoji\":\"x\","
	    "\"reacted_to_guid\":\"G-1\"}") "\n"
	    "not json\n" NOTE(1, 1003, MSG_1003));
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", "--reactions",
	    NULL), 1);
	assert_string_equal(out, "T [recv] +1 added x reaction to G-1\n"
	    "imsg: malformed answer from the gateway: '[' or '{' expected "
	    "near 'not'\n");
	free(out);
	free(gateway_stop(&gw, NULL));

	gateway_start(&gw, GW_ANSWER, SUB_OK "\n"
	    NOTE(1, 1004, "[1]") "\n" NOTE(1, 1003, MSG_1003));
	assert_int_equal(run_shim(&gw, 10000, &out, "watch", NULL), 1);
	assert_string_equal(out, "imsg: malformed answer from the gateway: "
	    "malformed inbox message\n");
	free(out);
	free(gateway_stop(&gw, NULL));
}

/*
 * The shim in a child process, its output to fd, against a gateway
 * that answers and then keeps the connection open.
 */
static pid_t
watch_child(struct gateway *gw, int fd, const char *flag)
{
	char	*argv[] = { (char *)"imsg", (char *)"watch",
		    (char *)flag, NULL };
	FILE	*f;
	pid_t	 pid;
	int	 rc;

	pid = fork();
	assert_int_not_equal(pid, -1);
	if (pid != 0)
		return pid;
	if ((f = fdopen(fd, "w")) == NULL)
		_exit(9);
	rc = shim_imsg_run(3, argv, gw->path, 10000, f);
	_exit(rc);
}

/* Read from fd until want bytes came or ms milliseconds passed. */
static size_t
read_for(int fd, char *buf, size_t size, size_t want, int ms)
{
	struct pollfd	 pfd;
	size_t		 len = 0;
	ssize_t		 n;
	uint64_t	 end = util_mono_ms() + (uint64_t)ms;

	while (len < want && len < size && util_mono_ms() < end) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((n = read(fd, buf + len, size - len)) <= 0)
			break;
		len += (size_t)n;
	}
	return len;
}

static void
test_gateway_watch_signals(void **state)
{
	struct gateway	 gw;
	char		 buf[4096];
	const char	*want = MSG_1001 "\n";
	int		 p[2], status;
	pid_t		 pid;
	uint64_t	 t0;

	(void)state;
	/* SIGTERM while waiting: whole lines out, exit 0, promptly. */
	gateway_start(&gw, GW_ANSWER_HANG, SUB_OK "\n" NOTE(1, 1001, MSG_1001));
	assert_int_equal(pipe(p), 0);
	pid = watch_child(&gw, p[1], "--json");
	(void)close(p[1]);
	assert_int_equal(read_for(p[0], buf, sizeof(buf), strlen(want),
	    3000), strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	t0 = util_mono_ms();
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(util_mono_ms() - t0 < 1000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(read_for(p[0], buf, sizeof(buf), 1, 100), 0);
	(void)close(p[0]);
	free(gateway_stop(&gw, NULL));

	/* A reader that goes away ends the stream quietly. */
	gateway_start(&gw, GW_ANSWER_HANG, SUB_OK "\n" NOTE(1, 1001, MSG_1001));
	assert_int_equal(pipe(p), 0);
	(void)close(p[0]);
	pid = watch_child(&gw, p[1], "--json");
	(void)close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(gateway_stop(&gw, NULL));
}

/* ---- the simulated imsg's watch ------------------------------------ */

struct sim_watch {
	char	 dir[64];
	char	 file[128];
	pid_t	 pid;
	int	 out;
};

/* Start sim/imsg watch --db DIR ARGS...; skip if it was not built. */
static void
sim_start(struct sim_watch *w, const char *const *args)
{
	const char	*top;
	char		 prog[PATH_MAX], *argv[16];
	int		 p[2];
	size_t		 n = 0;
	posix_spawn_file_actions_t fa;

	if ((top = getenv("top_builddir")) == NULL || *top == '\0')
		top = ".";
	(void)snprintf(prog, sizeof(prog), "%s/sim/imsg", top);
	if (access(prog, X_OK) == -1)
		skip();
	argv[n++] = prog;
	argv[n++] = (char *)"watch";
	argv[n++] = (char *)"--db";
	argv[n++] = w->dir;
	for (; *args != NULL && n < 15; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
	assert_int_equal(posix_spawn_file_actions_addclose(&fa, p[0]), 0);
	assert_int_equal(posix_spawn(&w->pid, prog, &fa, NULL, argv, environ),
	    0);
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)close(p[1]);
	w->out = p[0];
}

static void
sim_append(struct sim_watch *w, const char *text)
{
	int	fd;

	assert_int_not_equal(fd = open(w->file, O_WRONLY | O_APPEND |
	    O_CREAT, 0600), -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	(void)close(fd);
}

/* What the sim prints next must be exactly want, and nothing more. */
static void
sim_expect(struct sim_watch *w, const char *want)
{
	char	buf[8192];
	size_t	n;

	n = read_for(w->out, buf, sizeof(buf) - 1, strlen(want), 3000);
	buf[n] = '\0';
	assert_string_equal(buf, want);
	n = read_for(w->out, buf, sizeof(buf) - 1, 1, 150);
	buf[n] = '\0';
	if (n != 0)
		fail_msg("also printed: %s", buf);
}

/* Wait (3 s at most) until the sim has the file open: it has started. */
static void
sim_ready(struct sim_watch *w)
{
	char		 dir[64], link[PATH_MAX], target[PATH_MAX];
	DIR		*d;
	struct dirent	*e;
	ssize_t		 n;
	uint64_t	 end = util_mono_ms() + 3000;
	int		 found = 0;

	(void)snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)w->pid);
	while (!found && util_mono_ms() < end) {
		if ((d = opendir(dir)) == NULL) {
			/* No /proc: give it time. */
			usleep(500000);
			return;
		}
		while (!found && (e = readdir(d)) != NULL) {
			(void)snprintf(link, sizeof(link), "%s/%s", dir,
			    e->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				found = strcmp(target, w->file) == 0;
			}
		}
		(void)closedir(d);
		if (!found)
			usleep(10000);
	}
	assert_true(found);
	usleep(200000);		/* and has read what is there */
}

/* Signal it (unless sig is 0), wait 3 s at most; the exit status. */
static int
sim_stop(struct sim_watch *w, int sig)
{
	uint64_t	end = util_mono_ms() + 3000;
	pid_t		r;
	int		status;

	if (sig != 0)
		(void)kill(w->pid, sig);
	while ((r = waitpid(w->pid, &status, WNOHANG)) == 0 &&
	    util_mono_ms() < end)
		usleep(10000);
	if (r == 0) {
		(void)kill(w->pid, SIGKILL);
		(void)waitpid(w->pid, &status, 0);
		fail_msg("the simulated imsg did not stop");
	}
	assert_int_equal(r, w->pid);
	if (w->out != -1)
		(void)close(w->out);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define SIM_L1	"{\"id\":1,\"chat_id\":1,\"sender\":\"+1\"," \
		    "\"is_from_me\":false,\"text\":\"old\",\"created_at\":" \
		    "\"2026-05-16T15:00:00.000Z\",\"attachments\":[]}\n"
#define SIM_L2	"{\"id\":2, \"chat_id\":2,\"sender\":\"+2\"," \
		    "\"is_from_me\":false,\"text\":\"new \\u00e9\"," \
		    "\"created_at\":\"2026-05-16T15:01:00.000Z\"," \
		    "\"attachments\":[]}\n"
#define SIM_L3	"{\"id\":3,\"chat_id\":1,\"sender\":\"+1\"," \
		    "\"is_from_me\":true,\"text\":\"mine\",\"created_at\":" \
		    "\"2026-05-16T15:02:00.000Z\",\"attachments\":[]}\n"

static void
test_sim_watch(void **state)
{
	struct sim_watch	 w;
	const char		*after1[] = { "--json", "--since-rowid", "1",
				    NULL };
	const char		*chat1[] = { "--json", "--since-rowid", "1",
				    "--chat-id", "1", NULL };
	const char		*text[] = { NULL };
	char			*big;
	size_t			 bigsize = 1024 * 1024 + 2;

	(void)state;
	(void)strlcpy(w.dir, "/tmp/test_shim_sim.XXXXXX", sizeof(w.dir));
	assert_non_null(mkdtemp(w.dir));
	(void)snprintf(w.file, sizeof(w.file), "%s/inbound.jsonl", w.dir);

	/* The file does not exist yet; then rowids past 1 come out. */
	sim_start(&w, after1);
	usleep(50000);
	sim_append(&w, SIM_L1 "{\"id\":2, \"chat_id\":2,");
	/* A partial line waits for its end. */
	sim_expect(&w, "");
	sim_append(&w, SIM_L2 + strlen("{\"id\":2, \"chat_id\":2,"));
	/* Byte for byte as stored. */
	sim_expect(&w, SIM_L2);
	/* Not a message: passed on as-is; an old rowid: not again. */
	sim_append(&w, "not json\n" SIM_L1);
	sim_expect(&w, "not json\n");
	/* An over-long line is reported and skipped. */
	big = malloc(bigsize + 1);
	assert_non_null(big);
	memset(big, 'x', bigsize);
	big[bigsize - 1] = '\n';
	big[bigsize] = '\0';
	sim_append(&w, big);
	free(big);
	sim_append(&w, SIM_L3);
	sim_expect(&w, "imsg-sim: inbound.jsonl: line longer than 1048576 "
	    "bytes skipped\n" SIM_L3);
	assert_int_equal(sim_stop(&w, SIGTERM), 0);

	/* Without --since-rowid what is there at start-up is old; text. */
	sim_start(&w, text);
	sim_ready(&w);
	sim_expect(&w, "");
	sim_append(&w, "{\"id\":4,\"chat_id\":5,\"sender\":\"+5\","
	    "\"is_from_me\":false,\"text\":\"hi\",\"created_at\":\"T\"}\n"
	    "{\"id\":5,\"chat_id\":5,\"is_reaction\":true}\n");
	sim_expect(&w, "T [recv] +5: hi\n");
	assert_int_equal(sim_stop(&w, SIGINT), 0);

	/* From a rowid, one chat; what cannot be read as one is not sent. */
	sim_start(&w, chat1);
	sim_expect(&w, "imsg-sim: inbound.jsonl: line longer than 1048576 "
	    "bytes skipped\n" SIM_L3);
	/* A reader that goes away ends it, exit 0, without a signal. */
	(void)close(w.out);
	w.out = -1;
	assert_int_equal(sim_stop(&w, 0), 0);

	(void)unlink(w.file);
	(void)rmdir(w.dir);
}

static void
test_socket_path(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("CARAPACE_SOCKET"), 0);
	assert_string_equal(shim_socket_path(), CARAPACE_DEFAULT_SOCKET);
	assert_int_equal(setenv("CARAPACE_SOCKET", "", 1), 0);
	assert_string_equal(shim_socket_path(), CARAPACE_DEFAULT_SOCKET);
	assert_int_equal(setenv("CARAPACE_SOCKET", "/tmp/x.sock", 1), 0);
	assert_string_equal(shim_socket_path(), "/tmp/x.sock");
	assert_int_equal(unsetenv("CARAPACE_SOCKET"), 0);
}

static void
test_open_attachment(void **state)
{
	char	err[SHIM_ERR_MAX], dir[64], fifo[128];
	int	fd, flags;

	(void)state;
	(void)strlcpy(dir, "/tmp/test_shim_att.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	(void)snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A FIFO neither blocks nor passes. */
	assert_int_equal(shim_open_attachment(fifo, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(shim_open_attachment(dir, err, sizeof(err)), -1);
	(void)unlink(fifo);
	(void)rmdir(dir);

	assert_int_not_equal(fd = shim_open_attachment("/etc/passwd", err,
	    sizeof(err)), -1);
	assert_true((flags = fcntl(fd, F_GETFL)) != -1);
	assert_int_equal(flags & O_NONBLOCK, 0);
	assert_int_equal(flags & O_ACCMODE, O_RDONLY);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	(void)close(fd);
}

/* typing, read, react, search, group: the gateway requests, the checks. */
static void
test_more_requests(void **state)
{
	const char	*method;
	char		 msg[SHIM_IMSG_MSG_MAX];
	json_t		*p;
	const char	*type, *emoji;

	(void)state;
	p = request(&method, msg, "typing", "--to", "mom", "--service", "sms",
	    NULL);
	assert_string_equal(method, "typing");
	assert_json(p, "{\"channel\":\"imsg\",\"to\":\"mom\",\"typing\":true,"
	    "\"service\":\"sms\"}");
	json_decref(p);
	p = request(&method, msg, "typing", "--chat-id", "3", "--stop",
	    "true", NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"chat_id\":3,"
	    "\"typing\":false}");
	json_decref(p);
	p = request(&method, msg, "read", "--handle", "+1415", NULL);
	assert_string_equal(method, "read");
	assert_json(p, "{\"channel\":\"imsg\",\"to\":\"+1415\"}");
	json_decref(p);
	p = request(&method, msg, "read", "--handle", "iMessage;+;chat9",
	    NULL);
	assert_json(p, "{\"channel\":\"imsg\","
	    "\"chat_identifier\":\"iMessage;+;chat9\"}");
	json_decref(p);
	p = request(&method, msg, "react", "--chat-id", "3", "-r", "Love",
	    NULL);
	assert_string_equal(method, "react");
	assert_json(p, "{\"channel\":\"imsg\",\"chat_id\":3,"
	    "\"reaction\":\"Love\"}");
	json_decref(p);
	p = request(&method, msg, "search", "--query", "pizza", "--limit",
	    "5000", NULL);
	assert_string_equal(method, "messages.search");
	assert_json(p, "{\"channel\":\"imsg\",\"query\":\"pizza\","
	    "\"limit\":1000}");
	json_decref(p);
	p = request(&method, msg, "group", "--chat-id", "2", NULL);
	assert_string_equal(method, "chats.list");
	assert_json(p, "{\"channel\":\"imsg\",\"limit\":1000}");
	json_decref(p);

	/* The real commands' checks, before any connection. */
	assert_null(request(&method, msg, "typing", NULL));
	assert_string_equal(msg, "Missing required option: --to");
	assert_null(request(&method, msg, "typing", "--to", "a",
	    "--chat-guid", "g", NULL));
	assert_string_equal(msg, "Invalid value for option: --to");
	assert_null(request(&method, msg, "typing", "--to", "a", "--stop",
	    "yes", NULL));
	assert_string_equal(msg, "Invalid value for option: --stop");
	assert_null(request(&method, msg, "typing", "--to", "a", "--service",
	    "fax", NULL));
	assert_string_equal(msg, "Invalid service: fax");
	assert_null(request(&method, msg, "typing", "--to", "a", "--duration",
	    "soon", NULL));
	assert_string_equal(msg, "Typing indicator failed: Invalid duration: "
	    "soon. Use e.g. 5s, 3000ms, 1m, or 1h");
	assert_null(request(&method, msg, "typing", "--to", "a", "--duration",
	    "0s", NULL));
	assert_string_equal(msg, "Typing indicator failed: Invalid duration: "
	    "0s. Use e.g. 5s, 3000ms, 1m, or 1h");
	/* typing reads the service in any case (directTypingIdentifier). */
	p = request(&method, msg, "typing", "--to", "a", "--service", "SMS",
	    NULL);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "service")),
	    "sms");
	json_decref(p);
	/* read: --to (or --handle) or a chat, as send and typing check. */
	assert_null(request(&method, msg, "read", NULL));
	assert_string_equal(msg, "Missing required option: --to");
	assert_null(request(&method, msg, "read", "--handle", "", NULL));
	assert_string_equal(msg, "Missing required option: --to");
	assert_null(request(&method, msg, "read", "--handle", "a",
	    "--chat-id", "2", NULL));
	assert_string_equal(msg, "Invalid value for option: --to");
	assert_null(request(&method, msg, "read", "--to", "a",
	    "--chat-guid", "g", NULL));
	assert_string_equal(msg, "Invalid value for option: --to");
	p = request(&method, msg, "read", "--chat-id", "2", NULL);
	assert_string_equal(method, "read");
	assert_json(p, "{\"channel\":\"imsg\",\"chat_id\":2}");
	json_decref(p);
	p = request(&method, msg, "read", "--chat-guid", "iMessage;+;chat9",
	    NULL);
	assert_json(p, "{\"channel\":\"imsg\","
	    "\"chat_guid\":\"iMessage;+;chat9\"}");
	json_decref(p);
	p = request(&method, msg, "read", "--chat-identifier", "chat9",
	    NULL);
	assert_json(p, "{\"channel\":\"imsg\","
	    "\"chat_identifier\":\"chat9\"}");
	json_decref(p);
	assert_null(request(&method, msg, "react", "-r", "love", NULL));
	assert_string_equal(msg, "Missing required option: --chat-id");
	assert_null(request(&method, msg, "react", "--chat-id", "1", NULL));
	assert_string_equal(msg, "Missing required option: --reaction");
	assert_null(request(&method, msg, "react", "--chat-id", "1", "-r",
	    "ab", NULL));
	assert_string_equal(msg, "Invalid reaction: ab\n\n"
	    "Valid reactions: love, like, dislike, laugh, emphasis, question");
	/* A custom emoji is a reaction react cannot send. */
	assert_null(request(&method, msg, "react", "--chat-id", "1", "-r",
	    "\xf0\x9f\x8e\x89", NULL));
	assert_string_equal(msg, "Unsupported reaction: custom emoji tapback "
	    "'\xf0\x9f\x8e\x89' cannot be sent by Messages.app AppleScript "
	    "automation; use love, like, dislike, laugh, emphasis, or "
	    "question.");
	/* Aliases and the tapbacks' own emoji are tapbacks. */
	p = request(&method, msg, "react", "--chat-id", "1", "-r",
	    "\xf0\x9f\x91\x8d", NULL);
	assert_non_null(p);
	json_decref(p);
	p = request(&method, msg, "react", "--chat-id", "1", "-r", "heart",
	    NULL);
	assert_non_null(p);
	json_decref(p);
	/* search --match is exactly contains or exact. */
	assert_null(request(&method, msg, "search", "--query", "q",
	    "--match", "Exact", NULL));
	assert_string_equal(msg, "Invalid value for option: --match");
	assert_null(request(&method, msg, "search", "--query", "q",
	    "--match", "prefix", NULL));
	assert_string_equal(msg, "Invalid value for option: --match");
	p = request(&method, msg, "search", "--query", "q", "--match",
	    "contains", NULL);
	assert_json(p, "{\"channel\":\"imsg\",\"query\":\"q\","
	    "\"match\":\"contains\"}");
	json_decref(p);
	/* history checks its dates like watch (MessageFilter.fromISO). */
	assert_null(request(&method, msg, "history", "--chat-id", "1",
	    "--start", "x", NULL));
	assert_string_equal(msg, "Invalid ISO8601 date: x");
	assert_null(request(&method, msg, "history", "--chat-id", "1",
	    "--end", "2026-01-01", NULL));
	assert_string_equal(msg, "Invalid ISO8601 date: 2026-01-01");
	assert_null(request(&method, msg, "search", NULL));
	assert_string_equal(msg, "Missing required option: --query");
	assert_null(request(&method, msg, "group", NULL));
	assert_string_equal(msg, "Missing required option: --chat-id");

	assert_int_equal(shim_imsg_reaction("QUESTION", &type, &emoji), 0);
	assert_string_equal(type, "question");
	assert_string_equal(emoji, "\xe2\x9d\x93");
	assert_int_equal(shim_imsg_reaction("\xf0\x9f\x8e\x89", &type,
	    &emoji), 0);
	assert_string_equal(type, "custom");
	assert_int_equal(shim_imsg_reaction("", NULL, NULL), -1);
	assert_int_equal(shim_imsg_reaction("\xc3\xa9", NULL, NULL), -1);
	assert_int_equal(shim_imsg_reaction("\xf0\x9f\x8e\x89 x", NULL, NULL),
	    -1);
	/* ReactionType.parse: trimmed, aliases, the tapbacks' emoji. */
	assert_int_equal(shim_imsg_reaction(" Thumbs-Up\n", &type, &emoji), 0);
	assert_string_equal(type, "like");
	assert_int_equal(shim_imsg_reaction("LOL", &type, &emoji), 0);
	assert_string_equal(type, "laugh");
	assert_int_equal(shim_imsg_reaction("\xe2\x9d\xa4", &type, &emoji),
	    0);
	assert_string_equal(type, "love");
	assert_string_equal(emoji, "\xe2\x9d\xa4\xef\xb8\x8f");
	assert_int_equal(shim_imsg_reaction("?", &type, &emoji), 0);
	assert_string_equal(type, "question");
	assert_int_equal(shim_imsg_reaction("\xe2\x80\xbc", &type, &emoji),
	    0);
	assert_string_equal(type, "emphasis");
	assert_int_equal(shim_imsg_reaction("exclaim", &type, NULL), 0);
	assert_string_equal(type, "emphasis");
	assert_int_equal(shim_imsg_reaction("   ", NULL, NULL), -1);
	assert_int_equal(shim_imsg_reaction("loves", NULL, NULL), -1);
}

/*
 * A subscription through a gateway that subscribes, pushes one message
 * (and one for another subscription, and one already seen) and closes:
 * the answer, the message shaped as the real server sends it, then the
 * error notification.  stdin stays open until the error is out.
 */
static void
test_rpc_stream(void **state)
{
	struct gateway	 gw;
	char		 buf[8192], *req, want[1024];
	int		 in[2], out[2], status;
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;
	const char	*answer =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"subscription\":7,"
	    "\"cursor\":{\"imsg\":40}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"inbox.message\",\"params\":"
	    "{\"subscription\":8,\"channel\":\"imsg\",\"cursor\":41,"
	    "\"message\":{\"id\":41}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"inbox.message\",\"params\":"
	    "{\"subscription\":7,\"channel\":\"imsg\",\"cursor\":41,"
	    "\"message\":{\"id\":41,\"chat_id\":2,\"text\":\"hi\","
	    "\"attachments\":[{\"filename\":\"a\"}],\"reactions\":[{}]}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"inbox.message\",\"params\":"
	    "{\"subscription\":7,\"channel\":\"imsg\",\"cursor\":42,"
	    "\"message\":{\"id\":41,\"chat_id\":2,\"text\":\"again\"}}}";

	(void)state;
	gateway_start(&gw, GW_ANSWER, answer);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_int_not_equal(pid, -1);
	if (pid == 0) {
		(void)close(in[1]);
		(void)close(out[0]);
		_exit(shim_imsg_rpc(in[0], out[1], gw.path, 5000, 0));
	}
	(void)close(in[0]);
	(void)close(out[1]);
	(void)snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":\"w\","
	    "\"method\":\"watch.subscribe\",\"params\":{\"since_rowid\":\"40\","
	    "\"include_reactions\":false}}\n");
	assert_int_equal(write(in[1], buf, strlen(buf)), (ssize_t)strlen(buf));
	while (strstr(buf, "\"method\":\"error\"") == NULL &&
	    len < sizeof(buf) - 1) {
		if (len == 0)
			buf[0] = '\0';
		n = read(out[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	(void)close(in[1]);
	while ((n = read(out[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	(void)close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	req = gateway_stop(&gw, NULL);
	assert_non_null(req);
	assert_string_equal(req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"inbox.subscribe\",\"params\":{\"channels\":[\"imsg\"],"
	    "\"since\":{\"imsg\":40}}}\n");
	free(req);
	(void)snprintf(want, sizeof(want),
	    "{\"jsonrpc\":\"2.0\",\"id\":\"w\",\"result\":{\"subscription\":1}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"message\",\"params\":"
	    "{\"subscription\":1,\"message\":{\"id\":41,\"chat_id\":2,"
	    "\"text\":\"hi\",\"attachments\":[],\"reactions\":[]}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"error\",\"params\":"
	    "{\"subscription\":1,\"error\":{\"message\":\"the gateway at %s "
	    "closed the connection\"}}}\n", gw.path);
	assert_string_equal(buf, want);
}

/*
 * imsg rpc with the given input lines (stdin then closed) against gw:
 * returns the exit status, *out what it wrote.
 */
static int
run_rpc(struct gateway *gw, const char *input, char **out)
{
	char	 path[] = "/tmp/test_shim_rpc.XXXXXX", *buf;
	int	 p[2], ofd, rc;
	off_t	 size;

	assert_int_equal(pipe(p), 0);
	assert_true(strlen(input) < 60000);	/* fits in the pipe */
	assert_int_equal(write(p[1], input, strlen(input)),
	    (ssize_t)strlen(input));
	(void)close(p[1]);
	assert_int_not_equal(ofd = mkstemp(path), -1);
	(void)unlink(path);
	rc = shim_imsg_rpc(p[0], ofd, gw->path, 5000, 0);
	(void)close(p[0]);
	assert_true((size = lseek(ofd, 0, SEEK_END)) >= 0);
	buf = calloc(1, (size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(pread(ofd, buf, (size_t)size, 0), (ssize_t)size);
	(void)close(ofd);
	*out = buf;
	return rc;
}

/* One rpc request, one gateway answer: what each side saw. */
static void
expect_rpc(const char *input, const char *gw_answer, const char *want_req,
    const char *want_out)
{
	struct gateway	 gw;
	char		*out, *req;

	gateway_start(&gw, GW_ANSWER, gw_answer);
	assert_int_equal(run_rpc(&gw, input, &out), 0);
	req = gateway_stop(&gw, NULL);
	if (want_req == NULL)
		assert_null(req);
	else {
		assert_non_null(req);
		assert_string_equal(req, want_req);
	}
	assert_string_equal(out, want_out);
	free(req);
	free(out);
}

static void
test_rpc_requests(void **state)
{
	(void)state;
	/* Requests become gateway calls; results take the real shapes. */
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"send\","
	    "\"params\":{\"to\":\"+14155550100\",\"text\":\"hi\","
	    "\"region\":\"GB\",\"service\":\"sms\"}}\n",
	    ANSWER_RESULT "{\"status\":\"sent\",\"channel\":\"imsg\","
	    "\"recipient\":\"+14155550100\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":"
	    "{\"channel\":\"imsg\",\"to\":\"+14155550100\",\"text\":\"hi\","
	    "\"service\":\"sms\",\"region\":\"GB\"}}\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"ok\":true}}\n");
	/* Lenient numbers, as the real server reads them. */
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"send\","
	    "\"params\":{\"chat_id\":\"3\",\"text\":\"hi\"}}\n",
	    ANSWER_RESULT "{}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":"
	    "{\"channel\":\"imsg\",\"chat_id\":3,\"text\":\"hi\"}}\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{\"ok\":true}}\n");
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"chats.list\","
	    "\"params\":{\"limit\":5000}}\n",
	    ANSWER_RESULT "{\"chats\":[{\"id\":1}]}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"chats.list\","
	    "\"params\":{\"channel\":\"imsg\",\"limit\":1000}}\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"chats\":"
	    "[{\"id\":1}]}}\n");
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"messages.history\",\"params\":{\"chat_id\":1,"
	    "\"participants\":\"a, b\",\"attachments\":true}}\n",
	    ANSWER_RESULT "{\"messages\":[]}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"messages.history\","
	    "\"params\":{\"channel\":\"imsg\",\"chat_id\":1,\"limit\":50,"
	    "\"attachments\":true,\"participants\":[\"a\",\"b\"]}}\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"messages\":[]}}\n");
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"typing\","
	    "\"params\":{\"chat_guid\":\"g\",\"typing\":false}}\n",
	    ANSWER_RESULT "{\"ok\":true}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"typing\",\"params\":"
	    "{\"channel\":\"imsg\",\"chat_guid\":\"g\",\"typing\":false}}\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"ok\":true}}\n");
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"read\","
	    "\"params\":{\"to\":\"+1\"}}\n",
	    ANSWER_RESULT "{\"ok\":true}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"read\",\"params\":"
	    "{\"channel\":\"imsg\",\"to\":\"+1\"}}\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"ok\":true}}\n");
	/* A notification is carried out and not answered. */
	expect_rpc("{\"jsonrpc\":\"2.0\",\"method\":\"read\","
	    "\"params\":{\"to\":\"+1\"}}\n",
	    ANSWER_RESULT "{\"ok\":true}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"read\",\"params\":"
	    "{\"channel\":\"imsg\",\"to\":\"+1\"}}\n", "");

	/* Gateway refusals in the real server's error shape. */
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"send\","
	    "\"params\":{\"to\":\"+1\",\"text\":\"x\"}}\n",
	    ANSWER_ERROR "{\"code\":-32002,\"message\":\"recipient not "
	    "allowed: +1 (x)\",\"data\":{\"recipient\":\"+1\"}}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":"
	    "{\"channel\":\"imsg\",\"to\":\"+1\",\"text\":\"x\"}}\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32603,"
	    "\"message\":\"Internal error\",\"data\":\"recipient not "
	    "allowed: +1\"}}\n");
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"send\","
	    "\"params\":{\"to\":\"-x\",\"text\":\"x\"}}\n",
	    ANSWER_ERROR "{\"code\":-32602,\"message\":\"param to: must not "
	    "start with '-'\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":"
	    "{\"channel\":\"imsg\",\"to\":\"-x\",\"text\":\"x\"}}\n",
	    "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\",\"data\":\"param to: must not "
	    "start with '-'\"}}\n");

	/* Checked before any connection, as the real server checks. */
	expect_rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\","
	    "\"params\":{\"text\":\"x\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"send\","
	    "\"params\":{\"to\":\"+1\",\"service\":\"fax\",\"text\":\"x\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"messages.history\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"typing\","
	    "\"params\":{\"chat_id\":1,\"to\":\"+1\"}}\n"
	    "[1]\n"
	    "\n"
	    "{\"id\":5,\"method\":\"nope\"}", NULL, NULL,
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\",\"data\":\"to is required for "
	    "direct sends\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\",\"data\":\"invalid service\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\",\"data\":\"chat_id is "
	    "required\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\",\"data\":\"use to or chat_*; not "
	    "both\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\",\"data\":\"request must be an "
	    "object\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\",\"data\":\"nope\"}}\n");
}

static void
test_rpc_gateway_down(void **state)
{
	struct gateway	 gw;
	char		*out, want[512];

	(void)state;
	gateway_start(&gw, GW_ANSWER, NULL);
	assert_int_equal(run_rpc(&gw, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"watch.subscribe\"}\n", &out), 0);
	(void)snprintf(want, sizeof(want), "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"error\":{\"code\":-32603,\"message\":\"Internal error\","
	    "\"data\":\"gateway unavailable at %s: %s\"}}\n", gw.path,
	    strerror(ENOENT));
	assert_string_equal(out, want);
	free(out);
	free(gateway_stop(&gw, NULL));

	/* A gateway that closes: the request is answered, not lost. */
	gateway_start(&gw, GW_CLOSE, NULL);
	assert_int_equal(run_rpc(&gw, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"chats.list\"}\n", &out), 0);
	(void)snprintf(want, sizeof(want), "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"error\":{\"code\":-32603,\"message\":\"Internal error\","
	    "\"data\":\"the gateway at %s closed the connection without "
	    "answering\"}}\n", gw.path);
	assert_string_equal(out, want);
	free(out);
	free(gateway_stop(&gw, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_help_version),
		cmocka_unit_test(test_parse_commands),
		cmocka_unit_test(test_parse_tokenizer),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_send_request),
		cmocka_unit_test(test_send_attachment),
		cmocka_unit_test(test_status_filtered),
		cmocka_unit_test(test_read_requests),
		cmocka_unit_test(test_render_chats),
		cmocka_unit_test(test_render_messages),
		cmocka_unit_test(test_render_status),
		cmocka_unit_test(test_print_result),
		cmocka_unit_test(test_help_output),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_decode_answer),
		cmocka_unit_test(test_gateway_send_file),
		cmocka_unit_test(test_gateway_results),
		cmocka_unit_test(test_gateway_unreachable),
		cmocka_unit_test(test_rpc_requests),
		cmocka_unit_test(test_rpc_stream),
		cmocka_unit_test(test_more_requests),
		cmocka_unit_test(test_rpc_gateway_down),
		cmocka_unit_test(test_gateway_deadline_and_bounds),
		cmocka_unit_test(test_parse_watch),
		cmocka_unit_test(test_watch_request),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_iso),
		cmocka_unit_test(test_watch_allows),
		cmocka_unit_test(test_render_reactions),
		cmocka_unit_test(test_gateway_watch),
		cmocka_unit_test(test_gateway_watch_errors),
		cmocka_unit_test(test_gateway_watch_signals),
		cmocka_unit_test(test_sim_watch),
		cmocka_unit_test(test_socket_path),
		cmocka_unit_test(test_open_attachment),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
