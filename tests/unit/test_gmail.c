/*
 * Unit tests for the Gmail pieces: inbound policy and scrubbing on
 * gog-shaped messages (src/channel/chan-gmail.c), and the gog command
 * line, JSON printer and tables shared by the shim and the simulation
 * (src/shim/shim-gog.c), and what the adapter reads from mail it
 * composes (src/handler/gmail-compose.c).
 */
#include "config.h"

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "chan-discord.h"
#include "chan-gmail.h"
#include "chan-imsg.h"
#include "chan-signal.h"
#include "channel.h"
#include "base64url.h"
#include "conf.h"
#include "policy.h"
#include "shim-gog.h"
#include "gmail-compose.h"

static struct config *
load_config(const char *yaml)
{
	struct config		*cf = NULL;
	struct config_errors	 errs = { NULL, 0 };
	char			 path[] = "/tmp/test_gmail.XXXXXX";
	int			 fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	if (config_load(path, 0, &cf, &errs) == -1) {
		size_t i;

		for (i = 0; i < errs.count; i++)
			fprintf(stderr, "%s\n", errs.items[i].message);
	}
	config_errors_free(&errs);
	unlink(path);
	assert_non_null(cf);
	return cf;
}

static const char *yaml =
    "version: 1\n"
    "state_dir: /tmp\n"
    "clients:\n"
    "  - { name: a, users: [root], channels: [gmail] }\n"
    "channels:\n"
    "  gmail:\n"
    "    tool: /bin/true\n"
    "    account: me@example.com\n"
    "    inbound:\n"
    "      allow: [\"*@example.com\"]\n"
    "      scrub: [otp, auth_links]\n"
    "      hide_labels: [Secret, Label_9]\n";

static void
test_base64(void **state)
{
	char	*d, *e;
	size_t	 len;

	(void)state;
	e = base64url_encode("hello?>", 7, 0);
	assert_string_equal(e, "aGVsbG8_Pg");
	d = base64url_decode(e, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(d, "hello?>", 7);
	free(d);
	free(e);
	e = base64url_encode("ab", 2, 1);
	assert_string_equal(e, "YWI=");
	d = base64url_decode(e, &len);
	assert_string_equal(d, "ab");
	free(d);
	free(e);
	assert_null(base64url_decode("a*b", &len));
	assert_null(base64url_decode("abcde", &len));
}

static void
test_address(void **state)
{
	char	out[ADDR_MAX];

	(void)state;
	assert_int_equal(gmail_address("Alice <alice@example.com>", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "alice@example.com");
	assert_int_equal(gmail_address("  bob@example.com ", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "bob@example.com");
	assert_int_equal(gmail_address("no address", out, sizeof(out)), -1);
	assert_int_equal(gmail_address("a@x, b@y", out, sizeof(out)), -1);
	assert_int_equal(gmail_address("Broken <a@x", out, sizeof(out)), -1);
	assert_int_equal(gmail_address("Alice <alice@example.com> evil@x",
	    out, sizeof(out)), -1);
	assert_int_equal(gmail_address("Alice <alice@example.com>\t ", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "alice@example.com");
}

static json_t *
message(const char *from, const char *label)
{
	char	*plain = base64url_encode("code 482913", 11, 0);
	char	*html = base64url_encode("<b>482913</b> is your code", 26,
		    0);
	json_t	*m;

	m = json_pack("{s:s,s:s,s:[s],s:s,s:s,s:{s:s,s:[{s:s,s:s},{s:s,s:s}],"
	    "s:[{s:s,s:{s:s}},{s:s,s:{s:s}}]}}",
	    "id", "18c1a00000482913", "threadId", "18c1a00000482913",
	    "labelIds", label, "snippet", "Your code is 482913",
	    "body", "Use 482913 to sign in",
	    "payload", "mimeType", "multipart/alternative",
	    "headers", "name", "From", "value", from,
	    "name", "Subject", "value", "Your verification code is 482913",
	    "parts", "mimeType", "text/plain", "body", "data", plain,
	    "mimeType", "text/html", "body", "data", html);
	free(plain);
	free(html);
	return m;
}

static void
test_visible(void **state)
{
	struct config	*cf = load_config(yaml);
	struct channel	*ch = &cf->channels[channel_lookup("gmail")];
	json_t		*m;

	(void)state;
	m = message("Alice <alice@example.com>", "INBOX");
	/* inbound.require_auth (the default): From alone is not enough. */
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_array_insert_new(json_object_get(json_object_get(m, "payload"),
	    "headers"), 0, json_pack("{s:s,s:s}", "name",
	    "Authentication-Results", "value", "mx.google.com; dmarc=pass "
	    "(p=REJECT) header.from=example.com"));
	assert_int_equal(gmail_message_visible(cf, ch, m), 1);
	json_decref(m);
	m = message("Mallory <m@evil.example>", "INBOX");
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	m = message("alice@example.com", "Label_9");
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* Search items carry label names. */
	m = json_pack("{s:s,s:s,s:[s]}", "id", "1", "from",
	    "alice@example.com", "labels", "secret");
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	m = json_pack("{s:s}", "id", "1");
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	config_free(cf);
}

static void
test_scrub_everything(void **state)
{
	struct config	*cf = load_config(yaml);
	struct channel	*ch = &cf->channels[channel_lookup("gmail")];
	json_t		*m, *parts;
	char		*dump, *plain, *enc;
	size_t		 len, i;

	(void)state;
	m = message("alice@example.com", "INBOX");
	assert_int_equal(inbound_scrub(ch, m), 0);
	dump = json_dumps(m, 0);
	/* Only the id keeps its digits. */
	assert_non_null(strstr(dump, "18c1a00000482913"));
	assert_null(strstr(dump, "\"Your code is 482913\""));
	free(dump);
	assert_null(strstr(json_string_value(json_object_get(m, "snippet")),
	    "482913"));
	assert_null(strstr(json_string_value(json_object_get(m, "body")),
	    "482913"));
	parts = json_object_get(json_object_get(m, "payload"), "parts");
	for (i = 0; i < 2; i++) {
		plain = base64url_decode(json_string_value(json_object_get(
		    json_object_get(json_array_get(parts, i), "body"), "data")),
		    &len);
		assert_non_null(plain);
		assert_null(strstr(plain, "482913"));
		free(plain);
	}
	assert_null(strstr(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(m, "payload"), "headers"), 1),
	    "value")), "482913"));
	json_decref(m);

	/* A body that cannot be decoded is dropped: nobody scrubbed it. */
	m = json_pack("{s:s,s:{s:{s:s}}}", "id", "1", "payload", "body",
	    "data", "not*base64");
	assert_int_equal(inbound_scrub(ch, m), 0);
	assert_null(json_object_get(json_object_get(json_object_get(m,
	    "payload"), "body"), "data"));
	json_decref(m);

	/*
	 * A part with a NUL byte cannot be redacted in place: one with a
	 * code in it is dropped; binary with nothing to redact is kept.
	 */
	enc = base64url_encode("\0Your code is 482913", 20, 0);
	assert_non_null(enc);
	m = json_pack("{s:s,s:{s:{s:s}}}", "id", "1", "payload", "body",
	    "data", enc);
	free(enc);
	assert_int_equal(inbound_scrub(ch, m), 0);
	assert_null(json_object_get(json_object_get(json_object_get(m,
	    "payload"), "body"), "data"));
	json_decref(m);
	enc = base64url_encode("GIF89a\0\1\2", 9, 0);
	assert_non_null(enc);
	m = json_pack("{s:s,s:{s:{s:s}}}", "id", "1", "payload", "body",
	    "data", enc);
	assert_int_equal(inbound_scrub(ch, m), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(m, "payload"), "body"), "data")), enc);
	free(enc);
	json_decref(m);
	config_free(cf);
}

static void
test_json_print(void **state)
{
	json_t	*v;
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	(void)state;
	v = json_pack("{s:s,s:[],s:{},s:[i,b,n]}", "from",
	    "A <a@b> & \xe2\x80\xa8\"\n", "empty", "obj", "list", 42, 1);
	f = open_memstream(&buf, &len);
	gog_json_print(f, v);
	fclose(f);
	assert_string_equal(buf,
	    "{\n"
	    "  \"from\": \"A <a@b> & \\u2028\\\"\\n\",\n"
	    "  \"empty\": [],\n"
	    "  \"obj\": {},\n"
	    "  \"list\": [\n"
	    "    42,\n"
	    "    true,\n"
	    "    null\n"
	    "  ]\n"
	    "}\n");
	free(buf);
	json_decref(v);
}

static void
test_table(void **state)
{
	json_t	*rows;
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	(void)state;
	rows = json_pack("[[s,s,s],[s,s,s]]", "ID", "NAME", "TYPE", "INBOX",
	    "Inbox \xc3\xa9", "system");
	f = open_memstream(&buf, &len);
	gog_table_print(f, rows, 0);
	fclose(f);
	assert_string_equal(buf, "ID     NAME     TYPE\n"
	    "INBOX  Inbox \xc3\xa9  system\n");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	gog_table_print(f, rows, 1);
	fclose(f);
	assert_string_equal(buf, "ID\tNAME\tTYPE\nINBOX\tInbox \xc3\xa9\tsystem\n");
	free(buf);
	json_decref(rows);
}

static void
test_date(void **state)
{
	char	out[64];

	(void)state;
	gog_format_date("Sat, 16 May 2026 15:14:36 +0000", out, sizeof(out));
	assert_string_equal(out, "2026-05-16 15:14");
	gog_format_date("3 Jan 2025 07:05:00 -0800", out, sizeof(out));
	assert_string_equal(out, "2025-01-03 07:05");
	gog_format_date("yesterday", out, sizeof(out));
	assert_string_equal(out, "yesterday");
}

static int
parse(struct gog_args *a, const char *const *words)
{
	char	*argv[32], err[256];
	int	 argc = 0;

	argv[argc++] = (char *)"gog";
	while (*words != NULL)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	return gog_parse(argc, argv, a, err, sizeof(err));
}

static void
test_parse(void **state)
{
	struct gog_args	 a;
	const char	*send[] = { "--account", "x@y", "gmail", "send",
	    "--to=a@b,c@d", "--subject", "-dash", "--body-file", "-",
	    "--attach", "f1", "--json", NULL };
	const char	*search[] = { "gmail", "search", "--max", "5", "--",
	    "-label:spam", "from:a", NULL };
	const char	*thread[] = { "gmail", "thread", "get", "T1", NULL };
	const char	*bad1[] = { "gmail", "search", NULL };
	const char	*bad2[] = { "gmail", "get", NULL };
	const char	*bad3[] = { "gmail", "send", "--frobnicate", NULL };
	const char	*bad4[] = { "gmail", "search", "--max", "0", "x", NULL };
	const char	*bad5[] = { "gmail", "labels", "list", "extra", NULL };

	(void)state;
	assert_int_equal(parse(&a, send), 0);
	assert_int_equal(a.cmd, GOG_SEND);
	assert_string_equal(a.account, "x@y");
	assert_string_equal(a.to, "a@b,c@d");
	/* A flag's value may start with '-' (it is taken as the value). */
	assert_string_equal(a.subject, "-dash");
	assert_string_equal(a.body_file, "-");
	assert_int_equal(a.nattach, 1);
	assert_true(a.json);
	assert_int_equal(parse(&a, search), 0);
	assert_int_equal(a.cmd, GOG_SEARCH);
	assert_int_equal(a.max, 5);
	assert_string_equal(a.query, "-label:spam from:a");
	assert_int_equal(parse(&a, thread), 0);
	assert_int_equal(a.cmd, GOG_THREAD_GET);
	assert_string_equal(a.positional[0], "T1");
	assert_int_equal(parse(&a, bad1), GOG_EXIT_USAGE);
	assert_int_equal(parse(&a, bad2), GOG_EXIT_USAGE);
	assert_int_equal(parse(&a, bad3), GOG_EXIT_USAGE);
	assert_int_equal(parse(&a, bad4), GOG_EXIT_USAGE);
	assert_int_equal(parse(&a, bad5), GOG_EXIT_USAGE);
}

/* The content rules read what a mail program shows, and the tags. */
static void
test_html_text(void **state)
{
	static const struct {
		const char	*html, *has;
	} cases[] = {
		{ "<p>AKIA<b></b>IOSFODNN7EXAMPLE</p>", "AKIAIOSFODNN7EXAMPLE" },
		{ "&#65;&#x4B;&#x49;A", "AKIA" },
		{ "pass&#119;ord&#58; x", "password: x" },
		{ "a&amp;b &lt;c&gt; &quot;d&quot;&nbsp;e", "a&b <c> \"d\" e" },
		{ "<a href=\"https://x/?k=SECRET\">link</a>", "k=SECRET" },
		{ "<a title=\"&#83;ECRET\">x</a>", "SECRET" },
		{ "1 < 2 & 3", "1 < 2 & 3" },
		{ "&#0;&#xD800;&#99999999;", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "<!-- hidden --> shown", "hidden" },
	};
	char	*t;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = gmail_html_text(cases[i].html);
		assert_non_null(t);
		if (strstr(t, cases[i].has) == NULL)
			fail_msg("%s: no \"%s\" in \"%s\"", cases[i].html,
			    cases[i].has, t);
		free(t);
	}
}

/* gog's buildReplyAllRecipients on a message's headers. */
static void
test_reply_all(void **state)
{
	json_t	*m, *to, *cc;
	char	*s;

	(void)state;
	m = json_loads("{\"payload\":{\"headers\":["
	    "{\"name\":\"From\",\"value\":\"A <a@x.example>\"},"
	    "{\"name\":\"To\",\"value\":\"Me <ME@x.example>, d@x.example\"},"
	    "{\"name\":\"cc\",\"value\":\"D@x.example, \\\"B, b\\\" <b@x.example>\"}"
	    "]}}", 0, NULL);
	assert_non_null(m);
	to = json_array();
	cc = json_array();
	assert_int_equal(gmail_reply_all_recipients(m, "me@x.example", to,
	    cc), 0);
	s = json_dumps(to, JSON_COMPACT);
	assert_string_equal(s, "[\"a@x.example\",\"d@x.example\"]");
	free(s);
	s = json_dumps(cc, JSON_COMPACT);
	assert_string_equal(s, "[\"b@x.example\"]");
	free(s);
	json_decref(to);
	json_decref(cc);
	/* Reply-To stands for From. */
	json_array_append_new(json_object_get(json_object_get(m, "payload"),
	    "headers"), json_pack("{s:s,s:s}", "name", "Reply-To", "value",
	    "r@x.example"));
	to = json_array();
	cc = json_array();
	assert_int_equal(gmail_reply_all_recipients(m, "me@x.example", to,
	    cc), 0);
	assert_string_equal(json_string_value(json_array_get(to, 0)),
	    "r@x.example");
	json_decref(to);
	json_decref(cc);
	json_decref(m);
	/* An entry without an address fails: the caller refuses. */
	m = json_pack("{s:{s:[{s:s,s:s}]}}", "payload", "headers", "name",
	    "To", "value", "a@x.example, undisclosed-recipients:;");
	to = json_array();
	cc = json_array();
	assert_int_equal(gmail_reply_all_recipients(m, "me@x.example", to,
	    cc), -1);
	json_decref(m);
	json_decref(to);
	json_decref(cc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_scrub_everything),
		cmocka_unit_test(test_json_print),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_html_text),
		cmocka_unit_test(test_reply_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
