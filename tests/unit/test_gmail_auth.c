/*
 * Unit tests for Gmail's authenticated senders (src/channel/gmail-auth.c,
 * chan-gmail.c): the Authentication-Results parser in the spellings a
 * hostile sender might use, alignment, the message decision with forged
 * headers, the owner's own mail to hidden correspondents, and the
 * inbound.require_auth key.
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
#include "chan-gmail.h"
#include "channel.h"
#include "conf.h"

#define PASS	GMAIL_AUTH_PASS
#define FAIL	GMAIL_AUTH_FAIL
#define OTHER	GMAIL_AUTH_OTHER

/* What Gmail writes, folded as it arrives. */
#define GMAIL_REAL							\
	"mx.google.com;\r\n"						\
	"       dkim=pass header.i=@example.com header.s=20230601 "	\
	"header.b=Hx2K9nVb;\r\n"					\
	"       spf=pass (google.com: domain of alice@example.com "	\
	"designates 203.0.113.25 as permitted sender) "			\
	"smtp.mailfrom=alice@example.com;\r\n"				\
	"       dmarc=pass (p=REJECT sp=REJECT dis=NONE) "		\
	"header.from=example.com"

static const struct {
	const char	*value;
	const char	*from_domain;
	int		 want;
} cases[] = {
	{ GMAIL_REAL, "example.com", PASS },
	{ GMAIL_REAL, "evil.example", FAIL },
	/* Case and a version after the authserv-id. */
	{ "MX.Google.COM 1; DMARC=PASS header.FROM=Example.COM",
	  "example.com", PASS },
	/* Comments anywhere, nested, with quoted parentheses. */
	{ "(c) mx.google.com (x (y) \\) z); (a)dmarc(b)=(c)pass (p=NONE) "
	  "header.from=(d)example.com(e)", "example.com", PASS },
	/* A pass hidden in a comment is a comment. */
	{ "mx.google.com; dmarc=fail (dmarc=pass header.from=example.com) "
	  "header.from=example.com", "example.com", FAIL },
	{ "mx.google.com; dmarc=pass (unterminated header.from=example.com",
	  "example.com", FAIL },
	/* Not Gmail's: ignored, whatever it says. */
	{ "mail.evil.example; dmarc=pass header.from=example.com",
	  "example.com", OTHER },
	{ "mx.google.com.evil.example; dmarc=pass header.from=example.com",
	  "example.com", OTHER },
	{ "evil.mx.google.com; dmarc=pass header.from=example.com",
	  "example.com", OTHER },
	{ "", "example.com", OTHER },
	/* DMARC for another domain, or a subdomain: not the From's. */
	{ "mx.google.com; dmarc=pass header.from=other.example",
	  "example.com", FAIL },
	{ "mx.google.com; dmarc=pass header.from=mail.example.com",
	  "example.com", FAIL },
	{ "mx.google.com; dmarc=pass", "example.com", FAIL },
	/* The same property twice: which one Gmail meant is unclear. */
	{ "mx.google.com; dmarc=pass header.from=evil.example "
	  "header.from=example.com", "example.com", FAIL },
	/* SPF: aligned when the mail-from domain is the From's or below. */
	{ "mx.google.com; spf=pass smtp.mailfrom=bounce@mail.example.com",
	  "example.com", PASS },
	{ "mx.google.com; spf=pass smtp.mailfrom=example.com",
	  "example.com", PASS },
	{ "mx.google.com; spf=pass smtp.mailfrom=x@example.com",
	  "mail.example.com", FAIL },
	{ "mx.google.com; spf=pass smtp.mailfrom=x@evilexample.com",
	  "example.com", FAIL },
	{ "mx.google.com; spf=softfail smtp.mailfrom=x@example.com",
	  "example.com", FAIL },
	{ "mx.google.com; spf=pass smtp.mailfrom=x@other.github.io",
	  "victim.github.io", FAIL },
	/* DKIM: header.d and header.i, each aligned when given. */
	{ "mx.google.com; dkim=pass header.d=example.com header.b=ab+/c=",
	  "example.com", PASS },
	{ "mx.google.com; dkim/1=pass header.i=@example.com",
	  "example.com", PASS },
	{ "mx.google.com; dkim=pass header.d=example.com "
	  "header.i=@other.example", "example.com", FAIL },
	{ "mx.google.com; dkim=pass header.s=s1", "example.com", FAIL },
	{ "mx.google.com; dkim=pass reason=\"ok; fine\" "
	  "header.d=\"example.com\"", "example.com", PASS },
	/* Several results: one aligned pass is enough. */
	{ "mx.google.com; dkim=fail header.d=example.com; "
	  "dkim=pass header.d=other.example; spf=neutral "
	  "smtp.mailfrom=example.com", "example.com", FAIL },
	{ "mx.google.com; dkim=fail header.d=example.com; "
	  "dkim=pass header.d=other.example; dkim=pass "
	  "header.d=example.com; arc=pass (i=1)", "example.com", PASS },
	{ "mx.google.com; none", "example.com", FAIL },
	{ "mx.google.com; ;; dmarc=pass header.from=example.com;",
	  "example.com", PASS },
	{ "mx.google.com dmarc=pass header.from=example.com",
	  "example.com", FAIL },
	{ "mx.google.com; dmarc pass header.from=example.com",
	  "example.com", FAIL },
	{ "mx.google.com; dmarc=pass header.from", "example.com", FAIL },
};

static void
test_results(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (gmail_auth_result(cases[i].value, cases[i].from_domain) !=
		    cases[i].want)
			fail_msg("case %zu: \"%s\" for %s: got %d, want %d", i,
			    cases[i].value, cases[i].from_domain,
			    gmail_auth_result(cases[i].value,
			    cases[i].from_domain), cases[i].want);
	}
	assert_int_equal(gmail_auth_result(NULL, "example.com"), OTHER);
}

static void
test_aligned(void **state)
{
	(void)state;
	assert_true(gmail_auth_aligned("example.com", "example.com"));
	assert_true(gmail_auth_aligned("EXAMPLE.com", "example.COM"));
	assert_true(gmail_auth_aligned("a.b.example.com", "example.com"));
	assert_false(gmail_auth_aligned("example.com", "a.example.com"));
	assert_false(gmail_auth_aligned("badexample.com", "example.com"));
	assert_false(gmail_auth_aligned(".example.com", "example.com"));
	assert_false(gmail_auth_aligned("", "example.com"));
	assert_false(gmail_auth_aligned("example.com", ""));
}

/* [{name, value}] from name, value pairs (NULL-ended). */
static json_t *
headers(const char *name, ...)
{
	json_t		*a = json_array();
	const char	*value;
	va_list		 ap;

	va_start(ap, name);
	for (; name != NULL; name = va_arg(ap, const char *)) {
		value = va_arg(ap, const char *);
		json_array_append_new(a, json_pack("{s:s,s:s}", "name", name,
		    "value", value));
	}
	va_end(ap);
	return a;
}

#define AR		"Authentication-Results"
#define GMAIL_PASS	"mx.google.com; dmarc=pass header.from=example.com"
#define GMAIL_FAIL	"mx.google.com; dmarc=fail header.from=example.com; " \
			"spf=fail smtp.mailfrom=x@example.com"

static void
test_verified(void **state)
{
	json_t	*h;

	(void)state;
	h = headers(AR, GMAIL_PASS, "From", "a@example.com", NULL);
	assert_int_equal(gmail_auth_verified(h, "a@example.com"), 1);
	assert_int_equal(gmail_auth_verified(h, "a@other.example"), 0);
	json_decref(h);
	/* A forged Gmail header above Gmail's failing one. */
	h = headers(AR, GMAIL_PASS, AR, GMAIL_FAIL, "From", "a@example.com",
	    NULL);
	assert_int_equal(gmail_auth_verified(h, "a@example.com"), 0);
	json_decref(h);
	/* Another server's pass counts for nothing. */
	h = headers(AR, "relay.example.com; dmarc=pass header.from=example.com",
	    AR, GMAIL_FAIL, "From", "a@example.com", NULL);
	assert_int_equal(gmail_auth_verified(h, "a@example.com"), 0);
	json_decref(h);
	h = headers(AR, "relay.example.com; dmarc=pass header.from=example.com",
	    "From", "a@example.com", NULL);
	assert_int_equal(gmail_auth_verified(h, "a@example.com"), 0);
	json_decref(h);
	/* ... and its failure does not undo Gmail's pass. */
	h = headers(AR, GMAIL_PASS, AR, "relay.example.com; dmarc=fail",
	    "From", "a@example.com", NULL);
	assert_int_equal(gmail_auth_verified(h, "a@example.com"), 1);
	json_decref(h);
	/* Two From headers: which one an agent reads is unclear. */
	h = headers(AR, GMAIL_PASS, "From", "a@example.com", "from",
	    "b@evil.example", NULL);
	assert_int_equal(gmail_auth_verified(h, "a@example.com"), 0);
	json_decref(h);
	h = headers("From", "a@example.com", NULL);
	assert_int_equal(gmail_auth_verified(h, "a@example.com"), 0);
	json_decref(h);
	assert_int_equal(gmail_auth_verified(NULL, "a@example.com"), 0);
}

static struct config *
load_config(const char *yaml, int must)
{
	struct config		*cf = NULL;
	struct config_errors	 errs = { NULL, 0 };
	char			 path[] = "/tmp/test_gmail_auth.XXXXXX";
	int			 fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	(void)config_load(path, 0, &cf, &errs);
	config_errors_free(&errs);
	unlink(path);
	if (must)
		assert_non_null(cf);
	return cf;
}

#define YAML_HEAD							\
	"version: 1\n"							\
	"state_dir: /tmp\n"						\
	"clients:\n"							\
	"  - { name: a, users: [root], channels: [gmail, imsg] }\n"	\
	"channels:\n"							\
	"  gmail:\n"							\
	"    tool: /bin/true\n"						\
	"    account: me@example.com\n"					\
	"    inbound:\n"						\
	"      allow: [alice@example.com, bob@example.com]\n"

/* A Gmail API message: From, labels, and more headers. */
static json_t *
message(const char *from, const char *label, json_t *more)
{
	json_t	*m, *h;

	h = headers("From", from, NULL);
	json_array_extend(h, more);
	json_decref(more);
	m = json_pack("{s:s,s:[s],s:{s:o}}", "id", "18c1a00000000001",
	    "labelIds", label, "payload", "headers", h);
	return m;
}

static void
test_message(void **state)
{
	struct config	*cf = load_config(YAML_HEAD, 1);
	struct channel	*ch = &cf->channels[channel_lookup("gmail")];
	json_t		*m;

	(void)state;
	assert_int_equal(ch->require_auth, 1);
	/* Forged: no header, a failing one, another server's. */
	m = message("Alice <alice@example.com>", "INBOX", json_array());
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	m = message("alice@example.com", "INBOX", headers(AR, GMAIL_FAIL,
	    NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	m = message("alice@example.com", "INBOX", headers(AR,
	    "mx.evil.example; dmarc=pass header.from=example.com", NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* Authenticated mail from the same address. */
	m = message("alice@example.com", "INBOX", headers(AR, GMAIL_PASS,
	    NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 1);
	json_decref(m);
	/* Authenticated, but From not allowed. */
	m = message("mallory@example.com", "INBOX", headers(AR, GMAIL_PASS,
	    NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* A search item's from must be its headers' From. */
	m = json_pack("{s:s,s:s,s:{s:o}}", "id", "1", "from",
	    "alice@example.com", "payload", "headers", headers("From",
	    "mallory@example.com", AR, GMAIL_PASS, NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	m = json_pack("{s:s,s:s}", "id", "1", "from", "alice@example.com");
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	assert_int_equal(gmail_item_candidate(cf, ch, m), 1);
	json_decref(m);
	m = json_pack("{s:s,s:s}", "id", "1", "from", "carol@example.com");
	assert_int_equal(gmail_item_candidate(cf, ch, m), 0);
	json_decref(m);
	config_free(cf);
}

static void
test_from_me(void **state)
{
	struct config	*cf = load_config(YAML_HEAD, 1);
	struct channel	*ch = &cf->channels[channel_lookup("gmail")];
	json_t		*m;

	(void)state;
	/* The owner's sent mail to allowed correspondents. */
	m = message("me@example.com", "SENT", headers("To",
	    "Alice <alice@example.com>, bob@example.com", NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 1);
	json_decref(m);
	/* ... to a hidden one, in To, Cc or Bcc: the conversation is hidden. */
	m = message("me@example.com", "SENT", headers("To",
	    "alice@example.com", "Cc",
	    "\"Carol, C.\" <carol@elsewhere.example>", NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	m = message("me@example.com", "SENT", headers("To",
	    "alice@example.com", "Bcc", "carol@elsewhere.example", NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* Recipients unknown (a search item) or none: hidden. */
	m = message("me@example.com", "SENT", json_array());
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* Only to the owner: a note to self, no one hidden. */
	m = message("me@example.com", "SENT", headers("To", "me@example.com",
	    NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 1);
	json_decref(m);
	/* A stranger's mail with the owner's From: not SENT, no pass. */
	m = message("me@example.com", "INBOX", headers("To",
	    "alice@example.com", NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	config_free(cf);
	/* from_me: hide hides even the allowed conversation. */
	cf = load_config(YAML_HEAD "      from_me: hide\n", 1);
	ch = &cf->channels[channel_lookup("gmail")];
	m = message("me@example.com", "SENT", headers("To",
	    "alice@example.com", NULL));
	assert_int_equal(gmail_message_visible(cf, ch, m), 0);
	json_decref(m);
	config_free(cf);
}

static void
test_key(void **state)
{
	struct config	*cf;
	struct channel	*ch;
	json_t		*m;

	(void)state;
	cf = load_config(YAML_HEAD "      require_auth: false\n", 1);
	ch = &cf->channels[channel_lookup("gmail")];
	assert_int_equal(ch->require_auth, 0);
	/* Off: From is trusted, as before. */
	m = message("alice@example.com", "INBOX", json_array());
	assert_int_equal(gmail_message_visible(cf, ch, m), 1);
	json_decref(m);
	config_free(cf);
	assert_null(load_config(YAML_HEAD "      require_auth: maybe\n", 0));
	/* A Gmail key: another channel does not take it. */
	assert_null(load_config(YAML_HEAD
	    "  imsg:\n"
	    "    tool: /bin/true\n"
	    "    inbound:\n"
	    "      require_auth: true\n", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_verified),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_from_me),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
