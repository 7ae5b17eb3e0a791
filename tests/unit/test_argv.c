/*
 * The tools' command lines (src/handler/adapter-*.h, src/watchers/watch-*.h):
 * one row per builder and input with the exact argv it must give, then
 * a hostile sweep written as an attacker would: every string a client
 * can put into a builder's input is replaced in turn by option-like and
 * odd values, and each must be refused or land where the tool reads a
 * value, never where it would read an option (DESIGN.md, invariant 2).
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "adapter-discord.h"
#include "adapter-gmail.h"
#include "adapter-imsg.h"
#include "cmdline.h"
#include "chan-gmail.h"
#include "channel.h"
#include "conf.h"
#include "watch-discord.h"
#include "watch-gmail.h"
#include "watch-imsg.h"
#include "watch.h"

static struct config	*cfg;
static char		 cfgpath[] = "/tmp/test_argv.XXXXXX";

static const char yaml[] =
    "version: 1\n"
    "state_dir: /tmp\n"
    "clients: [ { name: a, users: [root], "
    "channels: [imsg, gmail, discord] } ]\n"
    "channels:\n"
    "  imsg:\n"
    "    tool: /opt/imsg/bin/imsg\n"
    "    db: /var/carapace/chat.db\n"
    "    region: GB\n"
    "  gmail:\n"
    "    tool: /opt/gog/bin/gog\n"
    "    account: me@example.com\n"
    "    send: send\n"
    "  discord:\n"
    "    tool: /opt/carapace/carapace-discord\n"
    "    token_file: /etc/carapace/discord.token\n";

static int
setup(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	size_t			 i;
	int			 fd;

	(void)state;
	if ((fd = mkstemp(cfgpath)) == -1)
		return -1;
	if (write(fd, yaml, sizeof(yaml) - 1) != (ssize_t)(sizeof(yaml) - 1))
		return -1;
	close(fd);
	if (config_load(cfgpath, 0, &cfg, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			print_error("%s\n", errs.items[i].message);
		config_errors_free(&errs);
		unlink(cfgpath);
		return -1;
	}
	config_errors_free(&errs);
	unlink(cfgpath);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static struct channel *
channel(const char *name)
{
	int	id = channel_lookup(name);

	assert_true(id >= 0);
	return &cfg->channels[id];
}

/*
 * Every builder behind one signature: the ones without params ignore
 * them; the watchers read their position from {"position": N}.
 */
typedef int (*builder_fn)(const struct config *, const struct channel *,
    json_t *, struct tool_argv *, const char **);

static int
b_imsg_status(const struct config *c, const struct channel *ch, json_t *p,
    struct tool_argv *a, const char **cause)
{
	(void)p;
	return cmdline_imsg_status(c, ch, a, cause);
}

static int
b_gmail_labels(const struct config *c, const struct channel *ch, json_t *p,
    struct tool_argv *a, const char **cause)
{
	(void)p;
	return cmdline_gmail_labels(c, ch, a, cause);
}

static int
b_discord_chats(const struct config *c, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	(void)p;
	return cmdline_discord_chats(c, ch, a, cause);
}

static int
b_discord_status(const struct config *c, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	(void)p;
	return cmdline_discord_status(c, ch, a, cause);
}

static int
b_watch_imsg(const struct config *c, const struct channel *ch, json_t *p,
    struct tool_argv *a, const char **cause)
{
	json_t	*pos = json_object_get(p, "position");

	return watch_argv_imsg(c, ch, pos != NULL,
	    (uint64_t)json_integer_value(pos), a, cause);
}

static int
b_watch_gmail(const struct config *c, const struct channel *ch, json_t *p,
    struct tool_argv *a, const char **cause)
{
	(void)p;
	return watch_argv_gmail(c, ch, a, cause);
}

static int
b_watch_discord(const struct config *c, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	return watch_argv_discord(c, ch, (uint64_t)json_integer_value(
	    json_object_get(p, "position")), a, cause);
}

#define CFG	"@CFG@"		/* the configuration file's path */
#define REFUSED	{ NULL }

struct row {
	const char	*name;
	builder_fn	 fn;
	const char	*channel;
	const char	*input;		/* JSON params or delivery */
	const char	*argv[32];	/* expected; REFUSED: must fail */
};

#define IMSG		"/opt/imsg/bin/imsg"
#define IMSG_DB		"--db", "/var/carapace/chat.db", "--json"
#define GOG		"/opt/gog/bin/gog", "--account", "me@example.com", \
			"--json", "--no-input", "gmail"
#define DISCORD		"/opt/carapace/carapace-discord", "-c", CFG

static const struct row rows[] = {
	/* imsg send: "imsg rpc", the delivery on stdin (test_imsg_requests) */
	{ "imsg send to", cmdline_imsg_send, "imsg",
	  "{\"to\":\"+14155550100\",\"text\":\"hi\"}",
	  { IMSG, "rpc", IMSG_DB } },
	{ "imsg send to, region, service, file", cmdline_imsg_send, "imsg",
	  "{\"to\":\"a@example.com\",\"text\":\"a\\nb\",\"service\":\"sms\","
	  "\"region\":\"US\",\"files\":[\"/var/spool/att-1\"]}",
	  { IMSG, "rpc", IMSG_DB } },
	{ "imsg send chat_id, no region", cmdline_imsg_send, "imsg",
	  "{\"chat_id\":42,\"text\":\"hi\"}",
	  { IMSG, "rpc", IMSG_DB } },
	{ "imsg send chat_identifier", cmdline_imsg_send, "imsg",
	  "{\"chat_identifier\":\"chat123\",\"files\":[\"/s/f\"]}",
	  { IMSG, "rpc", IMSG_DB } },
	{ "imsg send chat_guid", cmdline_imsg_send, "imsg",
	  "{\"chat_guid\":\"iMessage;+;chat1\",\"text\":\"x\"}",
	  { IMSG, "rpc", IMSG_DB } },
	{ "imsg send text starting with '-'", cmdline_imsg_send, "imsg",
	  "{\"to\":\"+14155550100\",\"text\":\"--help\"}",
	  { IMSG, "rpc", IMSG_DB } },
	{ "imsg send two targets", cmdline_imsg_send, "imsg",
	  "{\"to\":\"+14155550100\",\"chat_id\":1,\"text\":\"x\"}", REFUSED },
	{ "imsg send no target", cmdline_imsg_send, "imsg",
	  "{\"text\":\"x\"}", REFUSED },
	{ "imsg send nothing to send", cmdline_imsg_send, "imsg",
	  "{\"to\":\"+14155550100\"}", REFUSED },
	{ "imsg send chat_id 0", cmdline_imsg_send, "imsg",
	  "{\"chat_id\":0,\"text\":\"x\"}", REFUSED },
	{ "imsg send two files", cmdline_imsg_send, "imsg",
	  "{\"to\":\"+1\",\"files\":[\"/a\",\"/b\"]}", REFUSED },
	{ "imsg send relative file", cmdline_imsg_send, "imsg",
	  "{\"to\":\"+1\",\"files\":[\"etc/passwd\"]}", REFUSED },
	{ "imsg send text not a string", cmdline_imsg_send, "imsg",
	  "{\"to\":\"+1\",\"text\":7}", REFUSED },

	/* imsg chats, history, status */
	{ "imsg chats default", cmdline_imsg_chats, "imsg", "{}",
	  { IMSG, "chats", IMSG_DB, "--limit", "80" } },
	{ "imsg chats capped", cmdline_imsg_chats, "imsg", "{\"limit\":1000}",
	  { IMSG, "chats", IMSG_DB, "--limit", "4000" } },
	{ "imsg chats limit 0", cmdline_imsg_chats, "imsg", "{\"limit\":0}",
	  REFUSED },
	{ "imsg history minimal", cmdline_imsg_history, "imsg",
	  "{\"chat_id\":7}",
	  { IMSG, "history", IMSG_DB, "--chat-id", "7", "--limit", "200" } },
	{ "imsg history full", cmdline_imsg_history, "imsg",
	  "{\"chat_id\":7,\"limit\":3,\"attachments\":true,"
	  "\"start\":\"2026-01-01T00:00:00Z\",\"end\":\"2026-02-01T00:00:00Z\","
	  "\"participants\":[\"+14155550100\",\"b@example.com\"]}",
	  { IMSG, "history", IMSG_DB, "--chat-id", "7", "--limit", "12",
	    "--attachments", "--start", "2026-01-01T00:00:00Z", "--end",
	    "2026-02-01T00:00:00Z", "--participants",
	    "+14155550100,b@example.com" } },
	{ "imsg history participant with ','", cmdline_imsg_history, "imsg",
	  "{\"chat_id\":7,\"participants\":[\"a,b\"]}", REFUSED },
	{ "imsg history no chat", cmdline_imsg_history, "imsg", "{}", REFUSED },
	{ "imsg status (no --db)", b_imsg_status, "imsg", "{}",
	  { IMSG, "status", "--json" } },

	/* imsg typing, group, read, react, search */
	{ "imsg typing to", cmdline_imsg_typing, "imsg",
	  "{\"to\":\"+14155550100\"}",
	  { IMSG, "typing", IMSG_DB, "--to", "+14155550100" } },
	{ "imsg typing stop", cmdline_imsg_typing, "imsg",
	  "{\"chat_id\":3,\"typing\":false,\"service\":\"imessage\"}",
	  { IMSG, "typing", IMSG_DB, "--chat-id", "3", "--service",
	    "imessage", "--stop", "true" } },
	{ "imsg typing started explicitly", cmdline_imsg_typing, "imsg",
	  "{\"chat_guid\":\"g1\",\"typing\":true}",
	  { IMSG, "typing", IMSG_DB, "--chat-guid", "g1" } },
	{ "imsg group", cmdline_imsg_group, "imsg", "{\"chat_id\":9}",
	  { IMSG, "group", IMSG_DB, "--chat-id", "9" } },
	{ "imsg read", cmdline_imsg_read, "imsg",
	  "{\"handle\":\"+14155550100\"}",
	  { IMSG, "read", IMSG_DB, "--handle", "+14155550100" } },
	{ "imsg read empty handle", cmdline_imsg_read, "imsg",
	  "{\"handle\":\"\"}", REFUSED },
	{ "imsg react", cmdline_imsg_react, "imsg",
	  "{\"chat_id\":5,\"reaction\":\"love\"}",
	  { IMSG, "react", IMSG_DB, "--chat-id", "5", "--reaction", "love" } },
	{ "imsg react too long", cmdline_imsg_react, "imsg",
	  "{\"chat_id\":5,\"reaction\":\"123456789012345678901234567890123\"}",
	  REFUSED },
	{ "imsg search", cmdline_imsg_search, "imsg",
	  "{\"query\":\"dinner\",\"match\":\"exact\",\"limit\":2}",
	  { IMSG, "search", IMSG_DB, "--query", "dinner", "--match", "exact",
	    "--limit", "8" } },
	{ "imsg search default", cmdline_imsg_search, "imsg",
	  "{\"query\":\"a b\"}",
	  { IMSG, "search", IMSG_DB, "--query", "a b", "--limit", "200" } },
	{ "imsg search bad match", cmdline_imsg_search, "imsg",
	  "{\"query\":\"x\",\"match\":\"regex\"}", REFUSED },
	{ "imsg watch from now", b_watch_imsg, "imsg", "{}",
	  { IMSG, "watch", IMSG_DB, "--attachments", "--reactions" } },
	{ "imsg watch from a rowid", b_watch_imsg, "imsg",
	  "{\"position\":1234}",
	  { IMSG, "watch", IMSG_DB, "--attachments", "--reactions",
	    "--since-rowid", "1234" } },

	/* gog gmail */
	{ "gmail search", cmdline_gmail_search, "gmail",
	  "{\"query\":\"from:bob is:unread\"}",
	  { GOG, "search", "--max=10", "--", "from:bob is:unread" } },
	{ "gmail messages search", cmdline_gmail_search, "gmail",
	  "{\"query\":\"in:inbox\",\"messages\":true}",
	  { GOG, "messages", "search", "--max=10", "--", "in:inbox" } },
	{ "gmail messages search with bodies", cmdline_gmail_search, "gmail",
	  "{\"query\":\"q\",\"messages\":true,\"include_body\":true}",
	  { GOG, "messages", "search", "--max=10", "--include-body", "--",
	    "q" } },
	{ "gmail search paged", cmdline_gmail_search, "gmail",
	  "{\"query\":\"x\",\"max\":500,\"page\":\"tok123\"}",
	  { GOG, "search", "--max=500", "--page=tok123", "--", "x" } },
	{ "gmail search max 501", cmdline_gmail_search, "gmail",
	  "{\"query\":\"x\",\"max\":501}", REFUSED },
	{ "gmail search empty", cmdline_gmail_search, "gmail",
	  "{\"query\":\"\"}", REFUSED },
	{ "gmail get", cmdline_gmail_get, "gmail", "{\"id\":\"18c1a0\"}",
	  { GOG, "get", "--format=full", "--", "18c1a0" } },
	{ "gmail get metadata", cmdline_gmail_get, "gmail",
	  "{\"id\":\"18c1a0\",\"format\":\"metadata\"}",
	  { GOG, "get", "--format=metadata", "--", "18c1a0" } },
	{ "gmail get metadata with headers", cmdline_gmail_get, "gmail",
	  "{\"id\":\"18c1a0\",\"format\":\"metadata\","
	  "\"headers\":\"From,To,Cc,Bcc,Reply-To\"}",
	  { GOG, "get", "--format=metadata",
	    "--headers=From,To,Cc,Bcc,Reply-To", "--", "18c1a0" } },
	{ "gmail get headers in full", cmdline_gmail_get, "gmail",
	  "{\"id\":\"18c1a0\",\"headers\":\"From\"}", REFUSED },
	{ "gmail get headers with a space", cmdline_gmail_get, "gmail",
	  "{\"id\":\"18c1a0\",\"format\":\"metadata\","
	  "\"headers\":\"From, To\"}", REFUSED },
	{ "gmail get raw", cmdline_gmail_get, "gmail",
	  "{\"id\":\"18c1a0\",\"format\":\"raw\"}", REFUSED },
	{ "gmail thread", cmdline_gmail_thread, "gmail", "{\"id\":\"t1\"}",
	  { GOG, "thread", "get", "--", "t1" } },
	{ "gmail thread id with ','", cmdline_gmail_thread, "gmail",
	  "{\"id\":\"a,b\"}", REFUSED },
	{ "gmail labels", b_gmail_labels, "gmail", "{}",
	  { GOG, "labels", "list" } },
	{ "gmail drafts list", cmdline_gmail_drafts_list, "gmail", "{}",
	  { GOG, "drafts", "list", "--max=20" } },
	{ "gmail drafts list paged", cmdline_gmail_drafts_list, "gmail",
	  "{\"max\":5,\"page\":\"p2\"}",
	  { GOG, "drafts", "list", "--max=5", "--page=p2" } },
	{ "gmail drafts get", cmdline_gmail_drafts_get, "gmail",
	  "{\"id\":\"r-1\"}", { GOG, "drafts", "get", "--", "r-1" } },
	{ "gmail drafts send", cmdline_gmail_drafts_send, "gmail",
	  "{\"draft_id\":\"r99\"}", { GOG, "drafts", "send", "--", "r99" } },
	{ "gmail drafts create", cmdline_gmail_drafts_create, "gmail",
	  "{\"to\":[\"a@example.com\",\"b@example.com\"],\"cc\":[],"
	  "\"bcc\":[\"c@example.com\"],\"subject\":\"Hi\","
	  "\"body\":\"-- body\\nline\",\"reply_to_message_id\":\"m1\","
	  "\"files\":[\"/spool/att-1\",\"/spool/att-2\"]}",
	  { GOG, "drafts", "create", "--to=a@example.com,b@example.com",
	    "--bcc=c@example.com", "--subject=Hi",
	    "--reply-to-message-id=m1", "--attach=/spool/att-1",
	    "--attach=/spool/att-2", "--body-file=-" } },
	{ "gmail send", cmdline_gmail_send, "gmail",
	  "{\"to\":[\"a@example.com\"],\"cc\":[\"b@example.com\"],\"bcc\":[],"
	  "\"subject\":\"--help\",\"body\":\"x\"}",
	  { GOG, "send", "--to=a@example.com", "--cc=b@example.com",
	    "--subject=--help", "--body-file=-" } },
	{ "gmail send html, reply-to", cmdline_gmail_send, "gmail",
	  "{\"to\":[\"a@example.com\"],\"reply_to\":[\"r@example.com\"],"
	  "\"subject\":\"Hi\",\"body_html\":\"<p>x</p>\"}",
	  { GOG, "send", "--to=a@example.com", "--reply-to=r@example.com",
	    "--subject=Hi", "--body-html-file=-" } },
	{ "gmail send body and html", cmdline_gmail_send, "gmail",
	  "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"body\":\"x\","
	  "\"body_html\":\"<p>x</p>\"}", REFUSED },
	{ "gmail send no body", cmdline_gmail_send, "gmail",
	  "{\"to\":[\"a@example.com\"],\"subject\":\"s\"}", REFUSED },
	{ "gmail send reply-to with ','", cmdline_gmail_send, "gmail",
	  "{\"to\":[\"a@example.com\"],\"reply_to\":[\"r@x,e@evil\"],"
	  "\"subject\":\"s\",\"body\":\"x\"}", REFUSED },
	{ "gmail send no recipient", cmdline_gmail_send, "gmail",
	  "{\"to\":[],\"subject\":\"s\",\"body\":\"x\"}", REFUSED },
	{ "gmail send subject with CR", cmdline_gmail_send, "gmail",
	  "{\"to\":[\"a@example.com\"],\"subject\":\"s\\rBcc: x@evil\","
	  "\"body\":\"x\"}", REFUSED },
	{ "gmail send address with ','", cmdline_gmail_send, "gmail",
	  "{\"to\":[\"a@example.com,x@evil.example\"],\"subject\":\"s\","
	  "\"body\":\"x\"}", REFUSED },
	{ "gmail send relative attachment", cmdline_gmail_send, "gmail",
	  "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"body\":\"x\","
	  "\"files\":[\"x\"]}", REFUSED },
	{ "gmail watch", b_watch_gmail, "gmail", "{}",
	  { GOG, "messages", "search", "--max=500", "--include-body", "--",
	    "in:inbox" } },

	/* carapace-discord */
	{ "discord send channel", cmdline_discord_send, "discord",
	  "{\"to\":\"channel:700000000000000001\",\"nonce\":\"1\"}",
	  { DISCORD, "send", "700000000000000001" } },
	{ "discord send user with file", cmdline_discord_send, "discord",
	  "{\"to\":\"user:600000000000000001\",\"files\":[\"/spool/a\"]}",
	  { DISCORD, "send", "--user", "600000000000000001", "--file",
	    "/spool/a" } },
	{ "discord send not a snowflake", cmdline_discord_send, "discord",
	  "{\"to\":\"channel:12ab\"}", REFUSED },
	{ "discord send no kind", cmdline_discord_send, "discord",
	  "{\"to\":\"700000000000000001\"}", REFUSED },
	{ "discord history", cmdline_discord_history, "discord",
	  "{\"to\":\"channel:700000000000000001\"}",
	  { DISCORD, "read", "700000000000000001", "--limit", "50" } },
	{ "discord history user, before, after", cmdline_discord_history,
	  "discord", "{\"to\":\"user:600000000000000001\",\"limit\":100,"
	  "\"before\":\"900\",\"after\":\"800\"}",
	  { DISCORD, "read", "--user", "600000000000000001", "--limit", "100",
	    "--before", "900", "--after", "800" } },
	{ "discord history limit 101", cmdline_discord_history, "discord",
	  "{\"to\":\"channel:7\",\"limit\":101}", REFUSED },
	{ "discord chats", b_discord_chats, "discord", "{}",
	  { DISCORD, "channels", "--all" } },
	{ "discord status", b_discord_status, "discord", "{}",
	  { DISCORD, "status" } },
	{ "discord channel", cmdline_discord_channel, "discord",
	  "{\"to\":\"channel:700000000000000001\"}",
	  { DISCORD, "channel", "700000000000000001" } },
	{ "discord channel of a user", cmdline_discord_channel, "discord",
	  "{\"to\":\"user:600000000000000001\"}", REFUSED },
	{ "discord channel not a snowflake", cmdline_discord_channel,
	  "discord", "{\"to\":\"channel:-1\"}", REFUSED },
	{ "discord poll", b_watch_discord, "discord",
	  "{\"position\":1100000000000000000}",
	  { DISCORD, "poll", "--after", "1100000000000000000" } },
};

/* Build from a JSON text; returns the builder's result. */
static int
build(builder_fn fn, const char *chname, const char *input,
    struct tool_argv *a, const char **cause)
{
	json_t	*in;
	int	 r;

	in = json_loads(input, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(in);
	*cause = NULL;
	r = fn(cfg, channel(chname), in, a, cause);
	/* Borrowed arguments die with the input: compare before. */
	json_decref(in);
	return r;
}

static void
test_rows(void **state)
{
	const struct row	*row;
	struct tool_argv	 a;
	json_t			*in;
	const char		*cause, *want;
	size_t			 i, j;
	int			 r;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		row = &rows[i];
		in = json_loads(row->input, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(in);
		cause = NULL;
		r = row->fn(cfg, channel(row->channel), in, &a, &cause);
		if (row->argv[0] == NULL) {
			if (r != -1)
				fail_msg("%s: built, must be refused",
				    row->name);
			if (cause == NULL)
				fail_msg("%s: refused without a cause",
				    row->name);
			json_decref(in);
			continue;
		}
		if (r != 0)
			fail_msg("%s: refused (%s)", row->name,
			    cause != NULL ? cause : "no cause");
		for (j = 0; row->argv[j] != NULL; j++) {
			want = strcmp(row->argv[j], CFG) == 0 ? cfg->path :
			    row->argv[j];
			if (j >= a.n || strcmp(a.v[j], want) != 0)
				fail_msg("%s: argv[%zu] is \"%s\", expected "
				    "\"%s\"", row->name, j,
				    j < a.n ? a.v[j] : "(end)", want);
		}
		if (a.n != j || a.v[a.n] != NULL)
			fail_msg("%s: %zu arguments, expected %zu", row->name,
			    a.n, j);
		tool_argv_free(&a);
		json_decref(in);
	}
}

/*
 * How a tool reads its command line, for the sweep: options that take
 * the next argument as their value, options whose value follows "=",
 * flags and command words (fixed strings), and whether an argument
 * starting with '-' is an option even where a value is expected
 * (imsg), and whether a bare number is an operand (carapace-discord's
 * channel id).
 */
struct syntax {
	const char	*const *value_options;
	const char	*const *eq_options;
	const char	*const *fixed;
	int		 dash_is_option;
	int		 numeric_operands;
};

static const char *const imsg_values[] = { "--db", "--to", "--chat-id",
	"--chat-identifier", "--chat-guid", "--text", "--file", "--service",
	"--region", "--limit", "--start", "--end", "--participants",
	"--handle", "--reaction", "--query", "--match", "--stop",
	"--since-rowid", NULL };
static const char *const imsg_fixed[] = { "send", "rpc", "chats",
	"history", "status", "typing", "group", "read", "react", "search",
	"watch", "--json", "--attachments", "--reactions", NULL };
static const struct syntax imsg_syntax = { imsg_values, NULL, imsg_fixed,
	1, 0 };

static const char *const gog_values[] = { "--account", NULL };
static const char *const gog_eq[] = { "--max", "--page", "--format", "--to",
	"--cc", "--bcc", "--subject", "--reply-to-message-id", "--attach",
	"--body", "--body-file", "--headers", "--reply-to",
	"--body-html-file", NULL };
static const char *const gog_fixed[] = { "--json", "--no-input", "gmail",
	"search", "get", "thread", "labels", "list", "drafts", "create",
	"send", "messages", "--include-body", NULL };
static const struct syntax gog_syntax = { gog_values, gog_eq, gog_fixed,
	0, 0 };

static const char *const discord_values[] = { "-c", "--user", "--file",
	"--limit", "--before", "--after", NULL };
static const char *const discord_fixed[] = { "send", "read", "channels",
	"channel", "status", "poll", "--all", NULL };
static const struct syntax discord_syntax = { discord_values, NULL,
	discord_fixed, 1, 1 };

static int
listed(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* "--opt=value" with --opt an option taking "=": 1, else 0. */
static int
eq_option(const struct syntax *sx, const char *s)
{
	const char	*eq = strchr(s, '=');
	char		 opt[64];

	if (eq == NULL || s[0] != '-' || (size_t)(eq - s) >= sizeof(opt))
		return 0;
	memcpy(opt, s, (size_t)(eq - s));
	opt[eq - s] = '\0';
	return listed(sx->eq_options, opt);
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * Read a built command line as the tool would: every argument in an
 * option position must be one of the tool's own fixed strings, and
 * every value an option takes must not read as an option itself.
 * Fails the test naming what and where.
 */
static void
check_positions(const char *what, const struct syntax *sx,
    const struct tool_argv *a)
{
	size_t		 i;
	const char	*e;
	int		 operands = 0;

	for (i = 1; i < a->n; i++) {
		e = a->v[i];
		if (operands)
			continue;
		if (strcmp(e, "--") == 0) {
			operands = 1;
			continue;
		}
		if (listed(sx->value_options, e)) {
			if (i + 1 >= a->n)
				fail_msg("%s: %s has no value", what, e);
			if (sx->dash_is_option && a->v[i + 1][0] == '-')
				fail_msg("%s: the value of %s, \"%s\", would "
				    "be read as an option", what, e,
				    a->v[i + 1]);
			i++;
			continue;
		}
		if (eq_option(sx, e) || listed(sx->fixed, e))
			continue;
		if (sx->numeric_operands && all_digits(e))
			continue;
		fail_msg("%s: argument %zu, \"%s\", is where %s reads options",
		    what, i, e, a->v[0]);
	}
}

struct sweep {
	const char		*name;
	builder_fn		 fn;
	const char		*channel;
	const struct syntax	*syntax;
	const char		*base;		/* builds */
	const char		*keys[10];	/* "key" or "key/index" */
};

static const struct sweep sweeps[] = {
	{ "imsg send to", cmdline_imsg_send, "imsg", &imsg_syntax,
	  "{\"to\":\"+14155550100\",\"text\":\"hi\",\"service\":\"sms\","
	  "\"region\":\"US\",\"files\":[\"/spool/a\"]}",
	  { "to", "text", "service", "region", "files/0" } },
	{ "imsg send chat_identifier", cmdline_imsg_send, "imsg", &imsg_syntax,
	  "{\"chat_identifier\":\"c1\",\"text\":\"hi\"}",
	  { "chat_identifier", "text" } },
	{ "imsg send chat_guid", cmdline_imsg_send, "imsg", &imsg_syntax,
	  "{\"chat_guid\":\"g1\",\"text\":\"hi\"}", { "chat_guid", "text" } },
	{ "imsg chats", cmdline_imsg_chats, "imsg", &imsg_syntax, "{}",
	  { NULL } },
	{ "imsg history", cmdline_imsg_history, "imsg", &imsg_syntax,
	  "{\"chat_id\":7,\"start\":\"s\",\"end\":\"e\","
	  "\"participants\":[\"a\",\"b\"]}",
	  { "start", "end", "participants/0", "participants/1" } },
	{ "imsg status", b_imsg_status, "imsg", &imsg_syntax, "{}", { NULL } },
	{ "imsg typing to", cmdline_imsg_typing, "imsg", &imsg_syntax,
	  "{\"to\":\"+14155550100\",\"service\":\"sms\"}",
	  { "to", "service" } },
	{ "imsg typing chat_identifier", cmdline_imsg_typing, "imsg",
	  &imsg_syntax, "{\"chat_identifier\":\"c\",\"typing\":false}",
	  { "chat_identifier" } },
	{ "imsg typing chat_guid", cmdline_imsg_typing, "imsg", &imsg_syntax,
	  "{\"chat_guid\":\"g\"}", { "chat_guid" } },
	{ "imsg group", cmdline_imsg_group, "imsg", &imsg_syntax,
	  "{\"chat_id\":1}", { NULL } },
	{ "imsg read", cmdline_imsg_read, "imsg", &imsg_syntax,
	  "{\"handle\":\"+14155550100\"}", { "handle" } },
	{ "imsg react", cmdline_imsg_react, "imsg", &imsg_syntax,
	  "{\"chat_id\":1,\"reaction\":\"like\"}", { "reaction" } },
	{ "imsg search", cmdline_imsg_search, "imsg", &imsg_syntax,
	  "{\"query\":\"q\",\"match\":\"exact\"}", { "query", "match" } },
	{ "imsg watch", b_watch_imsg, "imsg", &imsg_syntax,
	  "{\"position\":5}", { NULL } },
	{ "gmail search", cmdline_gmail_search, "gmail", &gog_syntax,
	  "{\"query\":\"q\",\"page\":\"p\"}", { "query", "page" } },
	{ "gmail get", cmdline_gmail_get, "gmail", &gog_syntax,
	  "{\"id\":\"m1\",\"format\":\"metadata\",\"headers\":\"From\"}",
	  { "id", "format", "headers" } },
	{ "gmail thread", cmdline_gmail_thread, "gmail", &gog_syntax,
	  "{\"id\":\"t1\"}", { "id" } },
	{ "gmail labels", b_gmail_labels, "gmail", &gog_syntax, "{}",
	  { NULL } },
	{ "gmail drafts list", cmdline_gmail_drafts_list, "gmail", &gog_syntax,
	  "{\"page\":\"p\"}", { "page" } },
	{ "gmail drafts get", cmdline_gmail_drafts_get, "gmail", &gog_syntax,
	  "{\"id\":\"r1\"}", { "id" } },
	{ "gmail drafts send", cmdline_gmail_drafts_send, "gmail", &gog_syntax,
	  "{\"draft_id\":\"r1\"}", { "draft_id" } },
	{ "gmail drafts create", cmdline_gmail_drafts_create, "gmail",
	  &gog_syntax,
	  "{\"to\":[\"a@x.example\"],\"cc\":[\"b@x.example\"],"
	  "\"bcc\":[\"c@x.example\"],\"subject\":\"s\",\"body\":\"b\","
	  "\"reply_to_message_id\":\"m1\",\"files\":[\"/spool/a\"]}",
	  { "to/0", "cc/0", "bcc/0", "subject", "body",
	    "reply_to_message_id", "files/0" } },
	{ "gmail send", cmdline_gmail_send, "gmail", &gog_syntax,
	  "{\"to\":[\"a@x.example\",\"d@x.example\"],\"cc\":[\"b@x.example\"],"
	  "\"bcc\":[\"c@x.example\"],\"subject\":\"s\",\"body\":\"b\","
	  "\"reply_to_message_id\":\"m1\",\"files\":[\"/spool/a\"]}",
	  { "to/0", "to/1", "cc/0", "bcc/0", "subject", "body",
	    "reply_to_message_id", "files/0" } },
	{ "gmail send html", cmdline_gmail_send, "gmail", &gog_syntax,
	  "{\"to\":[\"a@x.example\"],\"reply_to\":[\"r@x.example\"],"
	  "\"subject\":\"s\",\"body_html\":\"<b>\"}",
	  { "to/0", "reply_to/0", "subject", "body_html" } },
	{ "gmail watch", b_watch_gmail, "gmail", &gog_syntax, "{}",
	  { NULL } },
	{ "discord send", cmdline_discord_send, "discord", &discord_syntax,
	  "{\"to\":\"channel:700000000000000001\",\"files\":[\"/spool/a\"]}",
	  { "to", "files/0" } },
	{ "discord send user", cmdline_discord_send, "discord", &discord_syntax,
	  "{\"to\":\"user:600000000000000001\"}", { "to" } },
	{ "discord history", cmdline_discord_history, "discord",
	  &discord_syntax,
	  "{\"to\":\"channel:700000000000000001\",\"before\":\"9\","
	  "\"after\":\"8\"}", { "to", "before", "after" } },
	{ "discord chats", b_discord_chats, "discord", &discord_syntax, "{}",
	  { NULL } },
	{ "discord status", b_discord_status, "discord", &discord_syntax,
	  "{}", { NULL } },
	{ "discord channel", cmdline_discord_channel, "discord",
	  &discord_syntax, "{\"to\":\"channel:700000000000000001\"}",
	  { "to" } },
	{ "discord poll", b_watch_discord, "discord", &discord_syntax,
	  "{\"position\":1}", { NULL } },
};

static const char *const hostile[] = { "-x", "--help", "--to=+1", "-",
	"--", "a\nb", "" };

/* Replace the string at key ("name" or "name/index") in o. */
static void
replace(json_t *o, const char *key, const char *value)
{
	char		 name[64];
	const char	*slash = strchr(key, '/');
	json_t		*list;

	if (slash == NULL) {
		assert_non_null(json_object_get(o, key));
		json_object_set_new(o, key, json_string(value));
		return;
	}
	assert_true((size_t)(slash - key) < sizeof(name));
	memcpy(name, key, (size_t)(slash - key));
	name[slash - key] = '\0';
	list = json_object_get(o, name);
	assert_non_null(json_array_get(list, (size_t)strtol(slash + 1, NULL,
	    10)));
	json_array_set_new(list, (size_t)strtol(slash + 1, NULL, 10),
	    json_string(value));
}

/*
 * Build from input with key's string replaced by value (key NULL: the
 * base itself, which must build): a refusal must say why, anything
 * built must read as the tool reads it with the value only as a value.
 */
static void
sweep_one(const struct sweep *sw, const char *key, const char *value,
    const char *input)
{
	struct tool_argv	 a;
	json_t			*in;
	const char		*cause = NULL;
	char			 what[256];
	int			 r;

	in = json_loads(input, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(in);
	if (key != NULL)
		replace(in, key, value);
	r = sw->fn(cfg, channel(sw->channel), in, &a, &cause);
	(void)snprintf(what, sizeof(what), "%s, %s = \"%s\"", sw->name,
	    key != NULL ? key : "(base)", value != NULL ? value : "");
	if (r == -1) {
		if (key == NULL)
			fail_msg("%s: the base input is refused (%s)", what,
			    cause != NULL ? cause : "no cause");
		if (cause == NULL)
			fail_msg("%s: refused without a cause", what);
	} else {
		assert_int_equal(r, 0);
		check_positions(what, sw->syntax, &a);
		tool_argv_free(&a);
	}
	json_decref(in);
}

static void
test_hostile_sweep(void **state)
{
	const struct sweep	*sw;
	size_t			 i, j, k;
	char			 prefixed[64];

	(void)state;
	for (i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++) {
		sw = &sweeps[i];
		sweep_one(sw, NULL, NULL, sw->base);
		/*
		 * Discord's "to" is a kind and an id: the attacker fills in
		 * the whole of it, and the id after each kind.
		 */
		for (j = 0; sw->keys[j] != NULL; j++)
			for (k = 0; k < sizeof(hostile) / sizeof(hostile[0]);
			    k++) {
				sweep_one(sw, sw->keys[j], hostile[k],
				    sw->base);
				if (strcmp(sw->keys[j], "to") != 0 ||
				    strcmp(sw->channel, "discord") != 0)
					continue;
				(void)snprintf(prefixed, sizeof(prefixed),
				    "channel:%s", hostile[k]);
				sweep_one(sw, "to", prefixed, sw->base);
				(void)snprintf(prefixed, sizeof(prefixed),
				    "user:%s", hostile[k]);
				sweep_one(sw, "to", prefixed, sw->base);
			}
	}
}

/* Every row's builder is swept, and every builder has a row. */
static void
test_sweep_covers_rows(void **state)
{
	size_t	 i, j;
	int	 found;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		found = 0;
		for (j = 0; j < sizeof(sweeps) / sizeof(sweeps[0]); j++)
			if (sweeps[j].fn == rows[i].fn)
				found = 1;
		if (!found)
			fail_msg("%s: its builder is not swept", rows[i].name);
	}
	for (j = 0; j < sizeof(sweeps) / sizeof(sweeps[0]); j++) {
		found = 0;
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			if (sweeps[j].fn == rows[i].fn)
				found = 1;
		if (!found)
			fail_msg("%s: its builder has no row", sweeps[j].name);
	}
}

/* The row table itself passes the position check (it is the spec). */
static void
test_rows_read_as_values(void **state)
{
	const struct syntax	*sx;
	struct tool_argv	 a;
	json_t			*in;
	const char		*cause;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].argv[0] == NULL)
			continue;
		sx = strcmp(rows[i].channel, "imsg") == 0 ? &imsg_syntax :
		    strcmp(rows[i].channel, "gmail") == 0 ? &gog_syntax :
		    &discord_syntax;
		in = json_loads(rows[i].input, 0, NULL);
		cause = NULL;
		assert_int_equal(rows[i].fn(cfg, channel(rows[i].channel), in,
		    &a, &cause), 0);
		check_positions(rows[i].name, sx, &a);
		tool_argv_free(&a);
		json_decref(in);
	}
}

/* Configuration that decides: draft mode, a missing account. */
static void
test_configuration(void **state)
{
	struct channel		*gm = channel("gmail");
	struct gmail_opts	*o = gm->opts;
	struct tool_argv	 a;
	const char		*cause, *account;
	static const char	 send[] = "{\"to\":[\"a@x.example\"],"
	    "\"subject\":\"s\",\"body\":\"b\"}";

	(void)state;
	o->send = GMAIL_SEND_DRAFT;
	assert_int_equal(build(cmdline_gmail_send, "gmail", send, &a, &cause),
	    -1);
	assert_non_null(cause);
	assert_int_equal(build(cmdline_gmail_drafts_send, "gmail",
	    "{\"draft_id\":\"r1\"}", &a, &cause), -1);
	assert_int_equal(build(cmdline_gmail_drafts_create, "gmail", send, &a,
	    &cause), 0);
	tool_argv_free(&a);
	o->send = GMAIL_SEND_SEND;

	account = o->account;
	o->account = NULL;
	assert_int_equal(build(b_gmail_labels, "gmail", "{}", &a, &cause), -1);
	assert_string_equal(cause, "no account configured");
	o->account = (char *)account;
}

/*
 * No message content on a command line, where every local user reads it
 * (/proc/PID/cmdline): a text or body of any size, with a marker inside,
 * builds, and no argument carries the marker.  The subject does go on
 * gog's command line (it has no other way to take it): the docs and
 * carapacectl check say so.
 */
static void
test_content_off_argv(void **state)
{
	static const struct {
		builder_fn	 fn;
		const char	*channel;
		const char	*key;
		const char	*base;
	} senders[] = {
		{ cmdline_imsg_send, "imsg", "text",
		  "{\"to\":\"+14155550100\"}" },
		{ cmdline_imsg_send, "imsg", "text",
		  "{\"chat_id\":3,\"files\":[\"/spool/a\"]}" },
		{ cmdline_imsg_send, "imsg", "text",
		  "{\"chat_guid\":\"iMessage;+;chat1\"}" },
		{ cmdline_gmail_send, "gmail", "body",
		  "{\"to\":[\"a@x.example\"],\"subject\":\"s\"}" },
		{ cmdline_gmail_drafts_create, "gmail", "body",
		  "{\"to\":[\"a@x.example\"],\"subject\":\"s\"}" },
	};
	static const size_t	 sizes[] = { 6, 4000, 98305, 1024 * 1024 };
	struct tool_argv	 a;
	json_t			*d;
	char			*content;
	const char		*cause;
	size_t			 i, j, k;

	(void)state;
	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++)
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			content = malloc(sizes[j] + 1);
			assert_non_null(content);
			memset(content, 'x', sizes[j]);
			memcpy(content, "MARK-1", 6);
			content[sizes[j]] = '\0';
			d = json_loads(senders[i].base, 0, NULL);
			assert_non_null(d);
			json_object_set_new(d, senders[i].key,
			    json_string(content));
			cause = NULL;
			assert_int_equal(senders[i].fn(cfg,
			    channel(senders[i].channel), d, &a, &cause), 0);
			for (k = 0; k < a.n; k++)
				if (strstr(a.v[k], "MARK-1") != NULL)
					fail_msg("%s: the %s is argument %zu",
					    senders[i].channel,
					    senders[i].key, k);
			tool_argv_free(&a);
			json_decref(d);
			free(content);
		}
}

/*
 * imsg send's request line for "imsg rpc" (cmdline_imsg_send_request):
 * exact lines, one per line, and the deliveries the builder refuses.
 */
static void
test_imsg_requests(void **state)
{
	static const struct {
		const char	*input;
		const char	*line;		/* NULL: refused */
	} cases[] = {
		{ "{\"to\":\"+14155550100\",\"text\":\"hi\"}",
		  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\","
		  "\"params\":{\"to\":\"+14155550100\",\"text\":\"hi\","
		  "\"region\":\"GB\",\"transport\":\"applescript\"}}\n" },
		{ "{\"to\":\"a@example.com\",\"text\":\"a\\nb\","
		  "\"service\":\"sms\",\"region\":\"US\","
		  "\"files\":[\"/var/spool/att-1\"]}",
		  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\","
		  "\"params\":{\"to\":\"a@example.com\",\"text\":\"a\\nb\","
		  "\"service\":\"sms\",\"file\":\"/var/spool/att-1\","
		  "\"region\":\"US\",\"transport\":\"applescript\"}}\n" },
		{ "{\"chat_id\":42,\"text\":\"--help\"}",
		  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\","
		  "\"params\":{\"chat_id\":42,\"text\":\"--help\","
		  "\"transport\":\"applescript\"}}\n" },
		{ "{\"chat_identifier\":\"chat123\",\"files\":[\"/s/f\"]}",
		  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\","
		  "\"params\":{\"chat_identifier\":\"chat123\","
		  "\"file\":\"/s/f\",\"transport\":\"applescript\"}}\n" },
		{ "{\"chat_guid\":\"g\\\"},\\\"x\\\":{\","
		  "\"text\":\"\\r\\n{}\"}",
		  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\","
		  "\"params\":{\"chat_guid\":\"g\\\"},\\\"x\\\":{\","
		  "\"text\":\"\\r\\n{}\",\"transport\":\"applescript\"}}\n" },
		{ "{\"to\":\"+14155550100\",\"chat_id\":1,\"text\":\"x\"}",
		  NULL },
		{ "{\"text\":\"x\"}", NULL },
		{ "{\"to\":\"+14155550100\"}", NULL },
		{ "{\"chat_id\":0,\"text\":\"x\"}", NULL },
		{ "{\"chat_id\":\"1\",\"text\":\"x\"}", NULL },
		{ "{\"to\":\"+1\",\"files\":[\"/a\",\"/b\"]}", NULL },
		{ "{\"to\":\"+1\",\"files\":[\"etc/passwd\"]}", NULL },
		{ "{\"to\":\"+1\",\"text\":7}", NULL },
		{ "{\"to\":\"+1\",\"text\":\"x\",\"region\":[]}", NULL },
	};
	json_t		*d;
	char		*line;
	const char	*cause;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = json_loads(cases[i].input, 0, NULL);
		assert_non_null(d);
		cause = NULL;
		line = cmdline_imsg_send_request(channel("imsg"), d, &cause);
		if (cases[i].line == NULL) {
			if (line != NULL)
				fail_msg("case %zu: built %s", i, line);
			assert_non_null(cause);
		} else {
			if (line == NULL)
				fail_msg("case %zu: refused (%s)", i, cause);
			assert_string_equal(line, cases[i].line);
			/* One line: the only newline is the last byte. */
			assert_ptr_equal(strchr(line, '\n'),
			    line + strlen(line) - 1);
		}
		free(line);
		json_decref(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_rows_read_as_values),
		cmocka_unit_test(test_hostile_sweep),
		cmocka_unit_test(test_sweep_covers_rows),
		cmocka_unit_test(test_configuration),
		cmocka_unit_test(test_content_off_argv),
		cmocka_unit_test(test_imsg_requests),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
