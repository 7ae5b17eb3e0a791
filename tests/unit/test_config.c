/*
 * Unit tests for the configuration loader: every key of a complete file,
 * the defaults, each class of error with its exact file:line:column,
 * several errors reported together, the size caps, the permission check
 * and the choice of configuration path.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "chan-discord.h"
#include "chan-gmail.h"
#include "chan-imsg.h"
#include "chan-signal.h"
#include "channel.h"
#include "conf.h"
#include "protocol.h"

static char	 datadir[PATH_MAX];
static char	 tmpdir[PATH_MAX];

static const char *
data_path(const char *name)
{
	static char	 path[PATH_MAX];
	int		 n;

	n = snprintf(path, sizeof(path), "%s/%s", datadir, name);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	return path;
}

static const char *
tmp_path(const char *name)
{
	static char	 path[PATH_MAX];
	int		 n;

	n = snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	return path;
}

/* Write a file in the test's temporary directory; returns its path. */
static const char *
write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	const char	*path = tmp_path(name);
	int		 fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

static void
print_errors(const struct config_errors *errs)
{
	size_t	 i;

	for (i = 0; i < errs->count; i++)
		print_message("  %s\n", errs->items[i].message);
}

static struct config *
load_ok(const char *path, int check_perms)
{
	struct config		*cf = (struct config *)1;
	struct config_errors	 errs = { NULL, 0 };
	int			 rc;

	rc = config_load(path, check_perms, &cf, &errs);
	if (rc != 0)
		print_errors(&errs);
	assert_int_equal(rc, 0);
	assert_int_equal(errs.count, 0);
	assert_non_null(cf);
	return cf;
}

/*
 * Load a bad file and compare every error with expected[], each given
 * without the leading "path:".
 */
static void
expect_errors(const char *path, const char *const *expected, size_t n)
{
	struct config		*cf = (struct config *)1;
	struct config_errors	 errs = { NULL, 0 };
	char			 want[1024];
	size_t			 i;
	int			 rc;

	rc = config_load(path, 0, &cf, &errs);
	assert_int_equal(rc, -1);
	assert_null(cf);
	if (errs.count != n)
		print_errors(&errs);
	assert_int_equal(errs.count, n);
	for (i = 0; i < n; i++) {
		(void)snprintf(want, sizeof(want), "%s:%s", path, expected[i]);
		assert_string_equal(errs.items[i].message, want);
	}
	config_errors_free(&errs);
	assert_null(errs.items);
	assert_int_equal(errs.count, 0);
}

#define EXPECT_ERRORS(name, list) \
	expect_errors(data_path(name), (list), sizeof(list) / sizeof((list)[0]))

static int
matches(const struct content_rule *rule, const char *text)
{
	return regexec(&rule->regex, text, 0, NULL, 0) == 0;
}

/* Valid files. */

static void
test_full(void **state)
{
	struct config		*cf;
	const struct channel	*ch;
	const struct contact	*mom;

	(void)state;
	cf = load_ok(data_path("good-full.yaml"), 0);
	assert_string_equal(cf->path, data_path("good-full.yaml"));
	assert_int_equal(cf->version, 1);
	assert_string_equal(cf->state_dir, "/var/lib/carapace-test");
	assert_int_equal(cf->map_size, 128ULL * 1024 * 1024);
	assert_int_equal(cf->max_line, 64 * 1024);
	assert_int_equal(cf->handler_timeout_ms, 120000);
	assert_int_equal(cf->audit_sink, AUDIT_SINK_SYSLOG);
	assert_string_equal(cf->audit_socket, "/dev/log");
	assert_string_equal(cf->audit_ident, "carapace-test");
	assert_int_equal(cf->audit_facility, LOG_LOCAL3);

	assert_int_equal(cf->nclients, 2);
	assert_string_equal(cf->clients[0].name, "openclaw");
	assert_int_equal(cf->clients[0].users.count, 2);
	assert_string_equal(cf->clients[0].users.items[0], "openclaw");
	assert_string_equal(cf->clients[0].users.items[1], "1001");
	assert_int_equal(cf->clients[0].groups.count, 1);
	assert_string_equal(cf->clients[0].groups.items[0],
	    "carapace-clients");
	assert_int_equal(cf->clients[0].channels, (1U << channel_lookup("imsg")) |
	    (1U << channel_lookup("signal")) | (1U << channel_lookup("gmail")) |
	    (1U << channel_lookup("discord")));
	assert_string_equal(cf->clients[1].name, "reviewer");
	assert_int_equal(cf->clients[1].users.count, 0);
	/* What a client may spend: given for one, defaults for the other. */
	assert_int_equal(cf->clients[1].max_requests, 120);
	assert_int_equal(cf->clients[1].requests_window_ms, 600000);
	assert_int_equal(cf->clients[1].max_holds, 5);
	assert_int_equal(cf->clients[1].max_hold_bytes, 2 * 1024 * 1024);
	assert_int_equal(cf->clients[1].max_subscriptions, 1);
	assert_int_equal(cf->clients[0].max_requests, 3000);
	assert_int_equal(cf->clients[0].requests_window_ms, 60000);
	assert_int_equal(cf->clients[0].max_holds, 100);
	assert_int_equal(cf->clients[0].max_hold_bytes, 256ULL * 1024 * 1024);
	assert_int_equal(cf->clients[0].max_subscriptions, 16);
	assert_string_equal(cf->clients[1].groups.items[0], "2001");
	assert_int_equal(cf->clients[1].channels, 1U << channel_lookup("gmail"));

	assert_int_equal(cf->ncontacts, 2);
	mom = config_contact(cf, "mom");
	assert_non_null(mom);
	assert_ptr_equal(mom, &cf->contacts[0]);
	assert_string_equal(mom->address[channel_lookup("imsg")], "+14155550100");
	assert_string_equal(mom->address[channel_lookup("signal")], "+14155550101");
	assert_null(mom->address[channel_lookup("gmail")]);
	assert_null(mom->address[channel_lookup("discord")]);
	assert_string_equal(config_contact(cf, "alice")->
	    address[channel_lookup("gmail")], "alice@example.com");
	assert_string_equal(config_contact(cf, "alice")->
	    address[channel_lookup("discord")], "1234");
	assert_null(config_contact(cf, "bob"));
	assert_null(config_contact(cf, "Mom"));

	ch = &cf->channels[channel_lookup("imsg")];
	assert_int_equal(ch->configured, 1);
	assert_int_equal(ch->id, channel_lookup("imsg"));
	assert_string_equal(ch->tool, "/opt/homebrew/bin/imsg");
	assert_string_equal(IMSG_OPTS(ch)->db, "/Users/c/Library/Messages/chat.db");
	assert_int_equal(ch->timeout_ms, 45000);
	assert_string_equal(ch->region, "CA");
	assert_int_equal(ch->max_output, 2 * 1024 * 1024);
	assert_int_equal(ch->max_attachment, 50 * 1024 * 1024);
	assert_int_equal(ch->outbound_mode, OUTBOUND_APPROVAL);
	assert_int_equal(ch->outbound_allow.count, 4);
	assert_string_equal(ch->outbound_allow.items[0], "mom");
	assert_string_equal(ch->outbound_allow.items[1], "+1415555*");
	assert_string_equal(ch->outbound_allow.items[2], "*@example.com");
	assert_string_equal(ch->outbound_allow.items[3], "chat:42");
	assert_int_equal(ch->outbound_deny.count, 1);
	assert_string_equal(ch->outbound_deny.items[0], "+14155550199");
	assert_int_equal(ch->inbound_mode, INBOUND_OPEN);
	assert_int_equal(ch->inbound_allow.count, 1);
	assert_string_equal(ch->inbound_allow.items[0], "mom");
	assert_int_equal(ch->scrub, SCRUB_OTP | SCRUB_AUTH_LINKS);
	assert_int_equal(ch->nlimits, 3);
	assert_int_equal(ch->limits[0].per, LIMIT_PER_RECIPIENT);
	assert_int_equal(ch->limits[0].max, 5);
	assert_int_equal(ch->limits[0].window_ms, 60000);
	assert_int_equal(ch->limits[1].per, LIMIT_PER_CHANNEL);
	assert_int_equal(ch->limits[1].max, 30);
	assert_int_equal(ch->limits[1].window_ms, 3600000);
	assert_int_equal(ch->limits[2].per, LIMIT_PER_CLIENT);
	assert_int_equal(ch->limits[2].max, LIMIT_MAX_COUNT);
	assert_int_equal(ch->limits[2].window_ms, 250);

	ch = &cf->channels[channel_lookup("signal")];
	assert_int_equal(ch->configured, 1);
	assert_int_equal(ch->id, channel_lookup("signal"));
	assert_null(ch->tool);
	assert_string_equal(SIGNAL_OPTS(ch)->daemon_socket,
	    "/run/carapace/signal-cli.sock");
	assert_string_equal(SIGNAL_OPTS(ch)->account, "+14155550199");
	assert_int_equal(ch->timeout_ms, 600000);

	ch = &cf->channels[channel_lookup("gmail")];
	assert_int_equal(ch->configured, 1);
	assert_string_equal(ch->tool, "/usr/local/bin/gog");
	assert_string_equal(GMAIL_OPTS(ch)->account, "me@example.com");
	assert_int_equal(GMAIL_OPTS(ch)->send, GMAIL_SEND_SEND);
	assert_int_equal(ch->outbound_mode, OUTBOUND_OPEN);
	assert_int_equal(ch->outbound_allow.count, 0);
	assert_string_equal(ch->outbound_deny.items[0], "*@evil.example");

	ch = &cf->channels[channel_lookup("discord")];
	assert_int_equal(ch->configured, 1);
	assert_string_equal(DISCORD_OPTS(ch)->token_file,
	    "/etc/carapace/discord.token");
	assert_string_equal(DISCORD_OPTS(ch)->api_base, "https://discord.com/api/v10");
	assert_int_equal(ch->inbound_mode, INBOUND_ALLOWLIST);
	assert_string_equal(ch->inbound_allow.items[0], "alice");
	assert_int_equal(ch->scrub, SCRUB_AUTH_LINKS);

	assert_int_equal(cf->content_max_length, 2000);
	assert_int_equal(cf->nrules, 4);
	assert_string_equal(cf->rules[0].name, "keys");
	assert_int_equal(cf->rules[0].detect, DETECT_PRIVATE_KEY |
	    DETECT_AWS_KEY | DETECT_GITHUB_TOKEN | DETECT_SLACK_TOKEN |
	    DETECT_JWT);
	assert_null(cf->rules[0].pattern);
	assert_int_equal(cf->rules[0].action, RULE_BLOCK);
	assert_string_equal(cf->rules[1].name, "cards");
	assert_int_equal(cf->rules[1].detect, DETECT_CREDIT_CARD);
	assert_int_equal(cf->rules[1].action, RULE_HOLD);
	assert_string_equal(cf->rules[2].name, "passwords");
	assert_int_equal(cf->rules[2].detect, 0);
	assert_string_equal(cf->rules[2].pattern, "password[[:space:]]*[:=]");
	assert_int_equal(cf->rules[2].icase, 1);
	assert_true(matches(&cf->rules[2], "my PassWord = hunter2"));
	assert_false(matches(&cf->rules[2], "my passport"));
	assert_string_equal(cf->rules[3].name, "exact");
	assert_int_equal(cf->rules[3].icase, 0);
	assert_int_equal(cf->rules[3].action, RULE_HOLD);
	assert_true(matches(&cf->rules[3], "SeCrEt"));
	assert_false(matches(&cf->rules[3], "secret"));
	config_free(cf);
}

static void
test_defaults(void **state)
{
	struct config		*cf;
	const struct channel	*ch;
	int			 id;

	(void)state;
	cf = load_ok(data_path("good-minimal.yaml"), 0);
	assert_int_equal(cf->version, 1);
	assert_string_equal(cf->state_dir, "/var/lib/carapace");
	assert_int_equal(cf->map_size, 64ULL * 1024 * 1024);
	assert_int_equal(cf->max_line, RPC_MAX_LINE_DEFAULT);
	assert_int_equal(cf->max_line, 1024 * 1024);
	assert_int_equal(cf->handler_timeout_ms, 60000);
	assert_int_equal(cf->audit_sink, AUDIT_SINK_JOURNALD);
	assert_null(cf->audit_socket);
	assert_string_equal(cf->audit_ident, "carapace");
	assert_int_equal(cf->audit_facility, LOG_AUTHPRIV);
	assert_int_equal(cf->map_reserve, 4 * 1024 * 1024);
	assert_int_equal(cf->spool_max, 1024ULL * 1024 * 1024);
	assert_int_equal(cf->nclients, 0);
	assert_int_equal(cf->ncontacts, 0);
	assert_int_equal(cf->content_max_length, 4000);
	assert_int_equal(cf->nrules, 0);
	ch = &cf->channels[channel_lookup("imsg")];
	assert_null(IMSG_OPTS(ch)->db);
	ch = &cf->channels[channel_lookup("signal")];
	assert_null(SIGNAL_OPTS(ch)->account);
	assert_null(SIGNAL_OPTS(ch)->daemon_socket);
	ch = &cf->channels[channel_lookup("gmail")];
	assert_null(GMAIL_OPTS(ch)->account);
	assert_int_equal(GMAIL_OPTS(ch)->send, GMAIL_SEND_DRAFT);
	ch = &cf->channels[channel_lookup("discord")];
	assert_null(DISCORD_OPTS(ch)->token_file);
	assert_null(DISCORD_OPTS(ch)->api_base);
	for (id = 0; id < (int)channel_count; id++) {
		ch = &cf->channels[id];
		assert_int_equal(ch->configured, 0);
		assert_int_equal(ch->id, id);
		assert_ptr_equal(ch->driver, channel_drivers[id]);
		assert_non_null(ch->opts);
		assert_null(ch->tool);
		assert_int_equal(ch->timeout_ms, 30000);
		assert_string_equal(ch->region, "US");
		assert_int_equal(ch->max_output, 4 * 1024 * 1024);
		assert_int_equal(ch->max_attachment, 100 * 1024 * 1024);
		assert_int_equal(ch->outbound_mode, OUTBOUND_ALLOWLIST);
		assert_int_equal(ch->outbound_allow.count, 0);
		assert_int_equal(ch->outbound_deny.count, 0);
		assert_int_equal(ch->inbound_mode, INBOUND_ALLOWLIST);
		assert_int_equal(ch->inbound_allow.count, 0);
		assert_int_equal(ch->scrub, 0);
		assert_int_equal(ch->nlimits, 0);
	}
	config_free(cf);
}

/* A configured channel gets the defaults of every key it leaves out. */
static void
test_channel_defaults(void **state)
{
	static const char text[] =
	    "version: 1\n"
	    "state_dir: /s\n"
	    "channels:\n"
	    "  signal: { daemon_socket: /run/s.sock, account: \"+14155550199\" }\n"
	    "  imsg: { tool: /bin/imsg }\n"
	    "content: { rules: [ { name: r, pattern: 'x', action: hold } ] }\n";
	struct config	*cf;

	(void)state;
	cf = load_ok(write_file("defaults.yaml", text, sizeof(text) - 1,
	    0644), 1);
	assert_int_equal(cf->channels[channel_lookup("signal")].configured, 1);
	assert_int_equal(cf->channels[channel_lookup("imsg")].configured, 1);
	assert_int_equal(cf->channels[channel_lookup("gmail")].configured, 0);
	assert_int_equal(cf->channels[channel_lookup("signal")].timeout_ms, 30000);
	assert_string_equal(cf->channels[channel_lookup("imsg")].region, "US");
	assert_int_equal(cf->channels[channel_lookup("imsg")].max_output,
	    4 * 1024 * 1024);
	assert_int_equal(cf->rules[0].icase, 1);
	assert_int_equal(cf->rules[0].detect, 0);
	assert_true(matches(&cf->rules[0], "X"));
	config_free(cf);
}

/* The shipped example uses every key and must load cleanly. */
static void
test_example(void **state)
{
	char		 path[PATH_MAX];
	const char	*top = getenv("top_srcdir");
	struct config	*cf;
	int		 id;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/doc/carapace.yaml.example",
	    top != NULL && *top != '\0' ? top : ".");
	cf = load_ok(path, 0);
	assert_int_equal(channel_count, 4);
	for (id = 0; id < (int)channel_count; id++)
		assert_int_equal(cf->channels[id].configured, 1);
	assert_int_equal(cf->nclients, 2);
	assert_int_equal(cf->nrules, 3);
	assert_non_null(cf->rules[2].pattern);
	assert_non_null(config_contact(cf, "mom"));
	config_free(cf);
}

/* Errors, each class with its exact position. */

static void
test_unknown_keys(void **state)
{
	static const char *const expected[] = {
		"3:1: unknown key \"colour\"",
		/* Five keys since audit.sync: too many to list. */
		"6:3: audit: unknown key \"level\"",
		"10:5: channels.imsg: unknown key \"toool\"",
		"11:3: channels: unknown channel \"telegram\" (expected imsg, "
		    "signal, gmail or discord)",
		"15:46: content.rules[0]: unknown key \"severity\"",
	};

	(void)state;
	EXPECT_ERRORS("bad-unknown-keys.yaml", expected);
}

static void
test_types(void **state)
{
	static const char *const expected[] = {
		"3:8: audit: expected a mapping, found \"journald\"",
		"5:3: clients: expected a list, found a mapping",
		"6:11: contacts: expected a mapping, found a list",
		"9:11: channels.imsg.tool: expected a path, found a list",
		"11:14: channels.imsg.outbound.allow: expected a list, found "
		    "\"mom\"",
		"12:13: channels.imsg.limits: expected a list, found a "
		    "mapping",
		"14:15: content.max_length: expected an integer, found a "
		    "mapping",
		"16:7: content.rules[0]: expected a mapping, found "
		    "\"just-a-string\"",
	};

	(void)state;
	EXPECT_ERRORS("bad-types.yaml", expected);
}

static void
test_values(void **state)
{
	static const char *const expected[] = {
		"1:10: version: unsupported version 2 (this program reads "
		    "version 1)",
		"2:12: state_dir: \"var/lib/carapace\" is not an absolute path",
		"3:11: map_size: size 512K is out of range (1M to 1024G)",
		"4:11: max_line: size 17M is out of range (1K to 16M)",
		"5:18: handler_timeout: bad duration \"5 minutes\" (seconds, "
		    "or a number with ms, s, m, h or d, e.g. 30s)",
		"7:9: audit.sink: expected journald, syslog or stderr, found "
		    "\"kafka\"",
		"8:11: audit.socket: \"dev/log\" is not an absolute path",
		"9:10: audit.ident: bad ident \"two words\" (at most 64 "
		    "letters, digits, '_', '-' or '.')",
		"10:13: audit.facility: expected auth, authpriv, daemon, user, "
		    "local0, local1, local2, local3, local4, local5, local6 or "
		    "local7, found \"local9\"",
		"14:14: channels.imsg.timeout: duration 0s is out of range "
		    "(1ms to 10m)",
		"15:13: channels.imsg.region: bad region \"us\" (two "
		    "upper-case letters, e.g. US)",
		"16:17: channels.imsg.max_output: bad size \"lots\" (bytes, or "
		    "a number with K, M or G, e.g. 64M)",
		"18:13: channels.imsg.outbound.mode: expected allowlist, "
		    "approval or open, found \"closed\"",
		"21:11: channels.gmail.send: expected draft or send, found "
		    "\"maybe\"",
		"23:15: channels.discord.api_base: bad URL "
		    "\"http://discord.com/api\" (expected https://host/...)",
		"24:17: channels.discord.token_file: \"discord.token\" is not "
		    "an absolute path",
	};

	(void)state;
	EXPECT_ERRORS("bad-values.yaml", expected);
}

static void
test_duplicates(void **state)
{
	static const char *const expected[] = {
		"3:1: duplicate key \"version\" (first at line 1)",
		"9:5: clients[1]: duplicate key \"users\" (first at line 8)",
		"10:11: clients[2]: duplicate client name \"a\" (first at "
		    "line 5)",
		"14:3: contacts: duplicate contact \"mom\" (first at line 13)",
		"18:15: content.rules[1]: duplicate rule name \"x\" (first at "
		    "line 17)",
	};

	(void)state;
	EXPECT_ERRORS("bad-duplicates.yaml", expected);
}

static void
test_anchors(void **state)
{
	static const char *const expected[] = {
		"4:9: anchors (&base) are not allowed",
		"6:11: aliases (*base) are not allowed",
		"8:15: tags are not allowed",
	};

	(void)state;
	EXPECT_ERRORS("bad-anchors.yaml", expected);
}

static void
test_documents(void **state)
{
	static const char *const multi[] = {
		"3:1: more than one YAML document (only one is read)",
	};
	static const char *const empty[] = {
		"1:1: empty configuration (no YAML document)",
	};
	static const char *const comments[] = {
		"3:1: empty configuration (no YAML document)",
	};
	static const char *const top[] = {
		"1:1: expected a mapping, found a list",
	};
	static const char *const null[] = {
		"1:1: expected a mapping, found an empty value",
	};

	(void)state;
	EXPECT_ERRORS("bad-multidoc.yaml", multi);
	EXPECT_ERRORS("empty.yaml", empty);
	EXPECT_ERRORS("comments-only.yaml", comments);
	EXPECT_ERRORS("bad-toplevel.yaml", top);
	expect_errors(write_file("null.yaml", "~\n", 2, 0644), null, 1);
}

static void
test_syntax(void **state)
{
	static const char *const expected[] = {
		"5:2: syntax error: did not find expected key (while parsing "
		    "a block mapping at line 1, column 1)",
	};
	static const char *const utf8[] = {
		"4:16: invalid leading UTF-8 octet (byte 0xff)",
	};
	static const char *const after[] = {
		"1:10: version: unsupported version 3 (this program reads "
		    "version 1)",
		"4:1: syntax error: found unexpected end of stream (while "
		    "scanning a quoted scalar at line 3, column 8)",
	};
	static const char text[] =
	    "version: 3\n"
	    "state_dir: /s\n"
	    "audit: \"journald\n";

	(void)state;
	EXPECT_ERRORS("bad-syntax.yaml", expected);
	EXPECT_ERRORS("bad-utf8.yaml", utf8);
	/* Problems before a syntax error are reported too. */
	expect_errors(write_file("after.yaml", text, sizeof(text) - 1, 0644),
	    after, 2);
}

static void
test_scalars(void **state)
{
	static const char *const expected[] = {
		"4:15: content.max_length: expected a decimal integer (digits "
		    "only), found \"1e3\"",
		"6:37: content.rules[0].icase: expected true or false, found "
		    "\"yes\"",
		"7:37: content.rules[1].icase: expected true or false, found "
		    "\"true\" (quoted)",
		"12:30: channels.imsg.limits[0].max: expected a decimal "
		    "integer (digits only), found \"0x10\"",
		"13:30: channels.imsg.limits[1].max: expected a decimal "
		    "integer, found a quoted string (write the number without "
		    "quotes)",
		"14:30: channels.imsg.limits[2].max: leading zeros are not "
		    "allowed (\"010\")",
		"15:30: channels.imsg.limits[3].max: expected a decimal "
		    "integer (digits only), found \"-1\"",
		"16:30: channels.imsg.limits[4].max: 10001 is out of range "
		    "(1 to 10000)",
	};

	(void)state;
	EXPECT_ERRORS("bad-scalars.yaml", expected);
}

static void
test_regex(void **state)
{
	struct config		*cf = NULL;
	struct config_errors	 errs = { NULL, 0 };
	char			 want[PATH_MAX + 128];

	(void)state;
	assert_int_equal(config_load(data_path("bad-regex.yaml"), 0, &cf,
	    &errs), -1);
	assert_null(cf);
	assert_int_equal(errs.count, 1);
	/* regerror's wording is the C library's; check our part. */
	(void)snprintf(want, sizeof(want), "%s:6:16: content.rules[0].pattern: "
	    "bad regular expression: ", data_path("bad-regex.yaml"));
	assert_memory_equal(errs.items[0].message, want, strlen(want));
	assert_true(strlen(errs.items[0].message) > strlen(want));
	config_errors_free(&errs);
}

/* Patterns that would compile to a huge automaton are refused. */
static void
test_regex_cost(void **state)
{
	static const char *const expected[] = {
		"6:16: content.rules[0].pattern: regular expression refused: "
		    "too costly to compile (nested repetition)",
		"9:16: content.rules[1].pattern: regular expression refused: "
		    "too costly to compile (nested repetition)",
		"12:16: content.rules[2].pattern: regular expression refused: "
		    "a repetition count above 255",
		"15:16: content.rules[3].pattern: regular expression refused: "
		    "back-references are not supported",
	};

	(void)state;
	EXPECT_ERRORS("costly-regex.yaml", expected);
}

/* A Signal account is a number already in E.164 form, nothing looser. */
static void
test_signal_account(void **state)
{
	static const char *const expected[] = {
		"5:5: channels.signal: bad signal account (expected the number "
		    "in E.164 form, e.g. +14155550199)",
	};

	(void)state;
	EXPECT_ERRORS("bad-signal-account.yaml", expected);
}

static void
test_contacts(void **state)
{
	static const char *const expected[] = {
		"5:3: contacts: bad contact alias \"9lives\" (at most 64 "
		    "letters, digits, '_', '-' or '.', starting with a letter)",
		"6:10: contacts.empty: a contact needs at least one address",
		"11:20: channels.imsg.outbound.allow[1]: unknown contact "
		    "\"dad\" (not in contacts, and not an address or pattern)",
		"12:14: channels.imsg.outbound.deny[0]: unknown contact "
		    "\"uncle\" (not in contacts, and not an address or "
		    "pattern)",
		"14:5: channels.signal: missing required key \"daemon_socket\"",
		"14:5: channels.signal: missing required key \"account\"",
		"15:15: channels.signal.inbound.allow[0]: contact \"mom\" has "
		    "no signal address",
	};

	(void)state;
	EXPECT_ERRORS("bad-contacts.yaml", expected);
}

/* Contacts may be defined after the lists that name them. */
static void
test_contacts_after_use(void **state)
{
	static const char text[] =
	    "version: 1\n"
	    "state_dir: /s\n"
	    "channels:\n"
	    "  gmail: { tool: /bin/gog, outbound: { allow: [bob] } }\n"
	    "contacts:\n"
	    "  bob: { gmail: bob@example.com }\n";
	struct config	*cf;

	(void)state;
	cf = load_ok(write_file("after-use.yaml", text, sizeof(text) - 1,
	    0644), 1);
	assert_string_equal(cf->channels[channel_lookup("gmail")].outbound_allow.
	    items[0], "bob");
	config_free(cf);
}

static void
test_required(void **state)
{
	static const char *const expected[] = {
		"1:1: missing required key \"version\"",
		"3:5: clients[0]: a client needs users or groups",
		"4:5: clients[1]: missing required key \"name\"",
		"5:5: clients[2]: a client needs at least one user or group",
		"9:5: channels.imsg: missing required key \"tool\"",
		"10:10: channels.gmail: missing required key \"tool\"",
		"12:5: channels.signal: missing required key \"daemon_socket\"",
		"12:5: channels.signal: missing required key \"account\"",
		"13:9: channels.signal.limits[0]: missing required key \"max\"",
		("13:9: channels.signal.limits[0]: missing required key "
		    "\"window\""),
		"16:7: content.rules[0]: a rule needs detect or pattern",
		"17:7: content.rules[1]: missing required key \"name\"",
		"17:7: content.rules[1]: missing required key \"action\"",
	};
	static const char *const no_state_dir[] = {
		"1:1: missing required key \"state_dir\"",
	};

	(void)state;
	EXPECT_ERRORS("bad-required.yaml", expected);
	expect_errors(write_file("nostate.yaml", "version: 1\n", 11, 0644),
	    no_state_dir, 1);
}

/*
 * owner: an identity must be a person's address on a configured channel,
 * and approvals by reply are refused where the owner's identity is the
 * gateway's own account (the owner's replies could not be told from the
 * agent's sends), where that account is not configured, or where the
 * channel is not.
 */
static void
test_owner(void **state)
{
	static const char *const expected[] = {
		"12:11: owner.identities.imsg: not the address of a person "
		    "on imsg",
		"13:14: owner.identities.discord: channel discord is not "
		    "configured",
		"15:15: owner.approvals.channels: imsg needs "
		    "channels.imsg.account, the account the gateway uses "
		    "there, to tell the owner's messages from its own",
		"15:15: owner.approvals.channels: on signal the owner's "
		    "identity +14155550199 is the account the gateway sends "
		    "as: the owner's replies could not be told from the "
		    "agent's own sends (give the owner an identity of their "
		    "own)",
		"15:15: owner.approvals.channels: channel discord is not "
		    "configured",
	};

	(void)state;
	EXPECT_ERRORS("bad-owner.yaml", expected);
}

static void
test_channel_keys(void **state)
{
	static const char *const expected[] = {
		"5:5: channels.signal.db: only imsg takes this key",
		"5:5: channels.signal: missing required key \"daemon_socket\"",
		"5:5: channels.signal: missing required key \"account\"",
		"6:5: channels.signal.send: only gmail takes this key",
		"9:5: channels.imsg.api_base: only discord takes this key",
		"10:5: channels.imsg.token_file: only discord takes this key",
		"13:5: channels.gmail.daemon_socket: only signal takes this "
		    "key",
	};

	(void)state;
	EXPECT_ERRORS("bad-channel-keys.yaml", expected);
}

static void
test_strings(void **state)
{
	static const char *const expected[] = {
		"2:12: state_dir: must not be empty",
		"4:10: audit.ident: contains a control character",
		"6:11: clients[0].name: expected a string, found an empty "
		    "value",
		"7:19: clients[0].users[1]: bad name \"-x\" (expected a user "
		    "or group name, or a decimal id)",
		"7:25: clients[0].users[2]: bad name \"a b\" (expected a user "
		    "or group name, or a decimal id)",
		"7:32: clients[0].users[3]: bad name \"4294967296\" (expected "
		    "a user or group name, or a decimal id)",
		"10:5: channels.signal: missing required key \"daemon_socket\"",
		"10:13: channels.signal.account: expected a string, found an "
		    "empty value",
	};

	(void)state;
	EXPECT_ERRORS("bad-strings.yaml", expected);
}

/* Several files' worth of problems in one: all are reported, in order. */
static void
test_many_errors(void **state)
{
	static const char text[] =
	    "version: 1\n"
	    "state_dir: /s\n"
	    "bogus: 1\n"
	    "clients:\n"
	    "  - { name: a, users: [a], channels: [imsg, fax] }\n"
	    "channels:\n"
	    "  imsg:\n"
	    "    tool: imsg\n"
	    "    outbound: { allow: [nobody] }\n"
	    "    limits: [ { per: hour, max: 1, window: 1m } ]\n"
	    "content:\n"
	    "  rules:\n"
	    "    - { name: r, detect: [jwt, ssn], action: drop }\n";
	static const char *const expected[] = {
		"3:1: unknown key \"bogus\"",
		"5:45: clients[0].channels[1]: expected imsg, signal, gmail "
		    "or discord, found \"fax\"",
		"8:11: channels.imsg.tool: \"imsg\" is not an absolute path",
		"9:25: channels.imsg.outbound.allow[0]: unknown contact "
		    "\"nobody\" (not in contacts, and not an address or "
		    "pattern)",
		"10:22: channels.imsg.limits[0].per: expected recipient, "
		    "channel or client, found \"hour\"",
		"13:32: content.rules[0].detect[1]: expected private_key, "
		    "aws_key, github_token, slack_token, jwt or credit_card, "
		    "found \"ssn\"",
		"13:46: content.rules[0].action: expected block or hold, found "
		    "\"drop\"",
	};

	(void)state;
	expect_errors(write_file("many.yaml", text, sizeof(text) - 1, 0644),
	    expected, sizeof(expected) / sizeof(expected[0]));
}

static void
test_more_errors(void **state)
{
	static const char text[] =
	    "version: 1\n"
	    "state_dir: /s\n"
	    "audit: { sink: stderr, socket: /dev/log }\n"
	    "contacts:\n"
	    "  bob: { sms: \"+1415\", gmail: [a] }\n"
	    "channels:\n"
	    "  discord: { api_base: \"https:///x\", max_attachment: 5G }\n";
	static const char *const expected[] = {
		"3:8: audit: socket does not apply to the stderr sink",
		"5:10: contacts.bob: unknown channel \"sms\" (expected imsg, "
		    "signal, gmail or discord)",
		"5:31: contacts.bob.gmail: expected a string, found a list",
		"7:24: channels.discord.api_base: bad URL \"https:///x\" "
		    "(expected https://host/...)",
		"7:54: channels.discord.max_attachment: size 5G is out of "
		    "range (1K to 4G)",
	};

	(void)state;
	expect_errors(write_file("more.yaml", text, sizeof(text) - 1, 0644),
	    expected, sizeof(expected) / sizeof(expected[0]));
}

/* Errors are appended to what the caller already has. */
static void
test_errors_appended(void **state)
{
	struct config		*cf = (struct config *)1;
	struct config_errors	 errs = { NULL, 0 };

	(void)state;
	assert_int_equal(config_load(data_path("bad-multidoc.yaml"), 0, &cf,
	    &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_int_equal(config_load(data_path("bad-toplevel.yaml"), 0, &cf,
	    &errs), -1);
	assert_null(cf);
	assert_int_equal(errs.count, 2);
	assert_non_null(strstr(errs.items[0].message, "bad-multidoc.yaml:"));
	assert_non_null(strstr(errs.items[1].message, "bad-toplevel.yaml:"));
	config_errors_free(&errs);
	config_errors_free(&errs);	/* idempotent */

	/* A NULL error list is allowed; the load still fails. */
	cf = (struct config *)1;
	assert_int_equal(config_load(data_path("bad-toplevel.yaml"), 0, &cf,
	    NULL), -1);
	assert_null(cf);
}

/* Caps. */

static void
test_caps(void **state)
{
	struct config		*cf = NULL;
	struct config_errors	 errs = { NULL, 0 };
	char			*text, want[PATH_MAX + 128];
	const char		*path;
	size_t			 len, size = 2 * 1024 * 1024, i;
	int			 n;

	(void)state;
	text = malloc(size);
	assert_non_null(text);

	/* A list of 1001 entries. */
	len = (size_t)snprintf(text, size, "version: 1\nstate_dir: /s\n"
	    "clients:\n  - name: c\n    users:\n");
	for (i = 0; i <= 1000; i++) {
		n = snprintf(text + len, size - len, "      - u%zu\n", i);
		len += (size_t)n;
	}
	path = write_file("list.yaml", text, len, 0644);
	{
		const char *const expected[] = {
			"1006:9: clients[0].users: too many entries (at most "
			    "1000)",
		};
		expect_errors(path, expected, 1);
	}
	/* Exactly 1000 is fine. */
	path = write_file("list.yaml", text, len - strlen("      - u1000\n"),
	    0644);
	cf = load_ok(path, 1);
	assert_int_equal(cf->clients[0].users.count, 1000);
	assert_string_equal(cf->clients[0].users.items[999], "u999");
	config_free(cf);

	/* A string of 4097 bytes; 4096 is fine. */
	len = (size_t)snprintf(text, size, "version: 1\nstate_dir: \"/");
	memset(text + len, 'x', 4096);
	len += 4096;
	len += (size_t)snprintf(text + len, size - len, "\"\n");
	path = write_file("long.yaml", text, len, 0644);
	{
		const char *const expected[] = {
			"2:12: state_dir: too long (4097 bytes, at most 4096)",
		};
		expect_errors(path, expected, 1);
	}
	memmove(text + len - 3, text + len - 2, 2);
	path = write_file("long.yaml", text, len - 1, 0644);
	cf = load_ok(path, 1);
	assert_int_equal(strlen(cf->state_dir), 4096);
	config_free(cf);

	/* A file over 1 MiB, even if it is only a comment. */
	memset(text, '#', 1024 * 1024 + 1);
	path = write_file("big.yaml", text, 1024 * 1024 + 1, 0644);
	assert_int_equal(config_load(path, 1, &cf, &errs), -1);
	assert_int_equal(errs.count, 1);
	(void)snprintf(want, sizeof(want), "%s: too large (1048577 bytes, "
	    "at most 1048576)", path);
	assert_string_equal(errs.items[0].message, want);
	config_errors_free(&errs);

	/* Errors stop at a hundred. */
	len = (size_t)snprintf(text, size, "version: 1\nstate_dir: /s\n");
	for (i = 0; i < 150; i++)
		len += (size_t)snprintf(text + len, size - len, "k%zu: 1\n",
		    i);
	path = write_file("errors.yaml", text, len, 0644);
	assert_int_equal(config_load(path, 1, &cf, &errs), -1);
	assert_int_equal(errs.count, 101);
	(void)snprintf(want, sizeof(want), "%s:102:1: unknown key \"k99\"",
	    path);
	assert_string_equal(errs.items[99].message, want);
	(void)snprintf(want, sizeof(want), "%s: too many errors; stopped "
	    "after 100", path);
	assert_string_equal(errs.items[100].message, want);
	config_errors_free(&errs);

	/* Deep nesting stops the reading, even under an unknown key. */
	len = (size_t)snprintf(text, size, "version: 1\nstate_dir: /s\nx: ");
	for (i = 0; i < 200; i++)
		text[len++] = '[';
	for (i = 0; i < 200; i++)
		text[len++] = ']';
	text[len++] = '\n';
	path = write_file("deep.yaml", text, len, 0644);
	{
		const char *const expected[] = {
			"3:1: unknown key \"x\"",
			"3:67: nested too deeply (more than 64 levels)",
		};
		expect_errors(path, expected, 2);
	}
	free(text);
}

/* Files and permissions. */

static void
test_perms(void **state)
{
	static const char text[] = "version: 1\nstate_dir: /s\n";
	struct config		*cf = NULL;
	struct config_errors	 errs = { NULL, 0 };
	char			 want[PATH_MAX + 128], path[PATH_MAX];

	(void)state;
	(void)strlcpy(path, write_file("perms.yaml", text, sizeof(text) - 1,
	    0666), sizeof(path));
	assert_int_equal(config_load(path, 1, &cf, &errs), -1);
	assert_null(cf);
	assert_int_equal(errs.count, 1);
	(void)snprintf(want, sizeof(want), "%s: refused: the file is group "
	    "and world writable (mode 0666); run chmod go-w on it", path);
	assert_string_equal(errs.items[0].message, want);
	config_errors_free(&errs);

	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(config_load(path, 1, &cf, &errs), -1);
	assert_non_null(strstr(errs.items[0].message, "is group writable "
	    "(mode 0620)"));
	config_errors_free(&errs);

	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(config_load(path, 1, &cf, &errs), -1);
	assert_non_null(strstr(errs.items[0].message, "is world writable "
	    "(mode 0602)"));
	config_errors_free(&errs);

	/* Without the check (tests, tools reading a copy) it loads. */
	cf = load_ok(path, 0);
	config_free(cf);

	assert_int_equal(chmod(path, 0644), 0);
	cf = load_ok(path, 1);
	config_free(cf);
	assert_int_equal(chmod(path, 0400), 0);
	cf = load_ok(path, 1);
	config_free(cf);

	/* A symbolic link is followed and the file it names is checked. */
	(void)unlink(tmp_path("link.yaml"));
	assert_int_equal(symlink(path, tmp_path("link.yaml")), 0);
	cf = load_ok(tmp_path("link.yaml"), 1);
	config_free(cf);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(config_load(tmp_path("link.yaml"), 1, &cf, &errs),
	    -1);
	assert_non_null(strstr(errs.items[0].message, "(mode 0666)"));
	config_errors_free(&errs);

	/* Not a regular file. */
	assert_int_equal(config_load(tmpdir, 1, &cf, &errs), -1);
	(void)snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	assert_string_equal(errs.items[0].message, want);
	config_errors_free(&errs);
	assert_int_equal(config_load(tmpdir, 0, &cf, &errs), -1);
	(void)snprintf(want, sizeof(want), "%s: is a directory", tmpdir);
	assert_string_equal(errs.items[0].message, want);
	config_errors_free(&errs);
	assert_int_equal(config_load("/dev/null", 1, &cf, &errs), -1);
	assert_string_equal(errs.items[0].message,
	    "/dev/null: not a regular file");
	config_errors_free(&errs);

	/* Missing. */
	(void)strlcpy(path, tmp_path("missing.yaml"), sizeof(path));
	assert_int_equal(config_load(path, 1, &cf, &errs), -1);
	assert_null(cf);
	(void)snprintf(want, sizeof(want), "%s: cannot open: %s", path,
	    strerror(ENOENT));
	assert_string_equal(errs.items[0].message, want);
	config_errors_free(&errs);
}

static void
test_config_path(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("CARAPACE_CONFIG"), 0);
	assert_string_equal(config_path(NULL), CARAPACE_DEFAULT_CONFIG);
	assert_string_equal(config_path(NULL), "/etc/carapace/carapace.yaml");
	assert_string_equal(config_path("/x.yaml"), "/x.yaml");

	assert_int_equal(setenv("CARAPACE_CONFIG", "/env.yaml", 1), 0);
	assert_string_equal(config_path(NULL), "/env.yaml");
	assert_string_equal(config_path("/arg.yaml"), "/arg.yaml");

	assert_int_equal(setenv("CARAPACE_CONFIG", "", 1), 0);
	assert_string_equal(config_path(NULL), CARAPACE_DEFAULT_CONFIG);
	assert_int_equal(unsetenv("CARAPACE_CONFIG"), 0);
}

/* The path the environment names is the file that gets loaded. */
static void
test_config_path_load(void **state)
{
	static const char text[] = "version: 1\nstate_dir: /from-env\n";
	struct config	*cf;
	const char	*path;

	(void)state;
	path = write_file("env.yaml", text, sizeof(text) - 1, 0644);
	assert_int_equal(setenv("CARAPACE_CONFIG", path, 1), 0);
	cf = load_ok(config_path(NULL), 1);
	assert_string_equal(cf->path, path);
	assert_string_equal(cf->state_dir, "/from-env");
	config_free(cf);
	assert_int_equal(unsetenv("CARAPACE_CONFIG"), 0);
}

static void
test_channel_names(void **state)
{
	(void)state;
	static const char *const names[] = { "imsg", "signal", "gmail",
	    "discord" };
	size_t	 i;
	int	 id;

	assert_int_equal(channel_count, 4);
	for (i = 0; i < 4; i++) {
		id = channel_lookup(names[i]);
		assert_true(id >= 0 && (size_t)id < channel_count);
		assert_string_equal(channel_name(id), names[i]);
		assert_ptr_equal(channel_driver(id), channel_drivers[id]);
		assert_string_equal(channel_driver(id)->name, names[i]);
	}
	assert_string_equal(channel_name((int)channel_count), "unknown");
	assert_string_equal(channel_name(-1), "unknown");
	assert_null(channel_driver((int)channel_count));
	assert_int_equal(channel_lookup("IMSG"), -1);
	assert_int_equal(channel_lookup("sms"), -1);
	assert_int_equal(channel_lookup(""), -1);
	assert_int_equal(channel_lookup(NULL), -1);
	config_free(NULL);
}

static int
setup(void **state)
{
	const char	*top = getenv("top_srcdir");
	const char	*base = getenv("TMPDIR");

	(void)state;
	(void)snprintf(datadir, sizeof(datadir), "%s/tests/data/config",
	    top != NULL && *top != '\0' ? top : ".");
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const names[] = {
		"defaults.yaml", "null.yaml", "after.yaml", "after-use.yaml",
		"nostate.yaml", "many.yaml", "list.yaml", "long.yaml",
		"big.yaml", "errors.yaml", "deep.yaml", "perms.yaml",
		"link.yaml", "env.yaml", "more.yaml",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)unlink(tmp_path(names[i]));
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_channel_defaults),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_regex_cost),
		cmocka_unit_test(test_signal_account),
		cmocka_unit_test(test_contacts),
		cmocka_unit_test(test_contacts_after_use),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_channel_keys),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_more_errors),
		cmocka_unit_test(test_errors_appended),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_perms),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_config_path_load),
		cmocka_unit_test(test_channel_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
