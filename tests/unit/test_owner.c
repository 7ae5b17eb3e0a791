/*
 * Unit tests for approvals by reply (owner.c, the drivers' owner_text
 * and texts, config-owner.c): the command grammar against odd spellings
 * and attacks, who counts as the owner on each channel, and the inbound
 * veto on a real LMDB state.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "compat.h"
#include "call.h"
#include "channel.h"
#include "conf.h"
#include "owner.h"
#include "policy.h"
#include "state.h"

#define APPROVE	OWNER_CMD_APPROVE
#define DROP	OWNER_CMD_DROP
#define FREEZE	OWNER_CMD_FREEZE
#define THAW	OWNER_CMD_THAW
#define NONE	OWNER_CMD_NONE

static const struct {
	const char	*text;
	enum owner_cmd	 want;
	const char	*code;		/* as typed, when a command */
} parse_cases[] = {
	{ "approve ABCD2345", APPROVE, "ABCD2345" },
	{ "Approve abcd2345", APPROVE, "abcd2345" },
	{ "APPROVE ABCD-2345", APPROVE, "ABCD-2345" },
	{ "  ok   ABCD2345  ", APPROVE, "ABCD2345" },
	{ "okay ABCD2345!", APPROVE, "ABCD2345" },
	{ "yes ABCD2345.", APPROVE, "ABCD2345" },
	{ "y abcd2345", APPROVE, "abcd2345" },
	{ "approve ABCD2345\n", APPROVE, "ABCD2345" },
	{ "approve\tABCD2345 ?!", APPROVE, "ABCD2345" },
	{ "drop ABCD2345", DROP, "ABCD2345" },
	{ "No ABCD2345", DROP, "ABCD2345" },
	{ "deny ABCD2345", DROP, "ABCD2345" },
	{ "n ABCD2345", DROP, "ABCD2345" },
	{ "freeze", FREEZE, "" },
	{ "FREEZE!", FREEZE, "" },
	{ " thaw. ", THAW, "" },
	/* Two codes: a command, but with no code to apply. */
	{ "approve ABCD2345 EFGH6789", APPROVE, "" },
	/* Not commands. */
	{ "approve", NONE, NULL },
	{ "approve!", NONE, NULL },
	{ "ok", NONE, NULL },
	{ "no", NONE, NULL },
	{ "yes please", NONE, NULL },
	{ "no problem", NONE, NULL },
	{ "ok, thanks", NONE, NULL },
	{ "ok thanks!", NONE, NULL },
	{ "please approve ABCD2345", NONE, NULL },
	{ "approved ABCD2345", NONE, NULL },
	{ "approve: ABCD2345", NONE, NULL },
	{ "approve ABCD234", NONE, NULL },
	{ "approve ABCD23456", NONE, NULL },
	{ "approve ABCD 2345", NONE, NULL },
	{ "approve ABCDU345", NONE, NULL },
	{ "approve ABCD2345 and more", NONE, NULL },
	{ "freeze imsg", NONE, NULL },
	{ "freeze ABCD2345", NONE, NULL },
	{ "thaw please", NONE, NULL },
	{ "", NONE, NULL },
	{ "   ", NONE, NULL },
	{ "...", NONE, NULL },
	/* Look-alikes: Cyrillic a, fullwidth digits, a non-breaking space. */
	{ "\xd0\xb0pprove ABCD2345", NONE, NULL },
	{ "approve ABCD\xef\xbc\x92\x33\x34\x35", NONE, NULL },
	{ "approve\xc2\xa0" "ABCD2345", NONE, NULL },
	{ "approve ABCD2345\xe2\x80\x8b", NONE, NULL },
	/* Controls: a NUL cannot be written here, an escape can. */
	{ "approve \x1b[2JABCD2345", NONE, NULL },
	{ "approve ABCD2345\x7f", NONE, NULL },
};

static void
test_parse(void **unused)
{
	char		code[64];
	size_t		i;

	(void)unused;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		memset(code, 'X', sizeof(code));
		if (owner_parse(parse_cases[i].text, code, sizeof(code)) !=
		    parse_cases[i].want)
			fail_msg("case %zu \"%s\": wrong command", i,
			    parse_cases[i].text);
		if (parse_cases[i].code != NULL)
			assert_string_equal(code, parse_cases[i].code);
	}
}

static void
test_parse_bounds(void **unused)
{
	char	big[4096], code[64], small[4];

	(void)unused;
	/* Very long input: never a command, whatever it starts with. */
	(void)snprintf(big, sizeof(big), "approve ABCD2345");
	memset(big + 16, ' ', sizeof(big) - 17);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(owner_parse(big, code, sizeof(code)), NONE);
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(owner_parse(big, code, sizeof(code)), NONE);
	assert_int_equal(owner_parse(NULL, code, sizeof(code)), NONE);
	/* A code buffer too small: a command, no code. */
	assert_int_equal(owner_parse("drop ABCD2345", small, sizeof(small)),
	    DROP);
	assert_string_equal(small, "");
}

static void
test_code_hash(void **unused)
{
	char	a[65], b[65];

	(void)unused;
	assert_int_equal(owner_code_hash("ABCD-2O1L", a), 0);
	assert_int_equal(owner_code_hash("abcd 2011", b), 0);
	assert_string_equal(a, b);
	assert_int_equal(owner_code_hash("ABCD201", a), -1);
	assert_int_equal(owner_code_hash("ABCDU011", a), -1);
}

static struct config *
load(const char *yaml, int want_ok)
{
	char			 path[] = "/tmp/test_owner.XXXXXX";
	struct config		*cf = NULL;
	struct config_errors	 errs = { NULL, 0 };
	FILE			*f;
	size_t			 i;
	int			 fd, r;

	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	assert_non_null(f);
	(void)fputs(yaml, f);
	assert_int_equal(fclose(f), 0);
	r = config_load(path, 0, &cf, &errs);
	(void)unlink(path);
	if (want_ok && r != 0)
		for (i = 0; i < errs.count; i++)
			print_error("%s\n", errs.items[i].message);
	if (!want_ok) {
		assert_int_not_equal(r, 0);
		for (i = 0; i < errs.count; i++)
			if (strstr(errs.items[i].message, "require_auth") !=
			    NULL)
				break;
		assert_true(i < errs.count);
		config_errors_free(&errs);
		return NULL;
	}
	assert_int_equal(r, 0);
	assert_non_null(cf);
	return cf;
}

#define BASE								\
	"version: 1\n"							\
	"state_dir: /nonexistent\n"					\
	"channels:\n"							\
	"  imsg: { tool: /bin/imsg, account: \"+14155550199\" }\n"	\
	"  signal:\n"							\
	"    daemon_socket: /run/s.sock\n"				\
	"    account: \"+14155550199\"\n"				\
	"  discord:\n"							\
	"    token_file: /etc/carapace/discord.token\n"		\
	"  gmail:\n"							\
	"    tool: /bin/gog\n"						\
	"    account: gateway@example.com\n"				\
	"    inbound: { require_auth: %s }\n"				\
	"owner:\n"							\
	"  identities:\n"						\
	"    imsg: \"+1 415 555 0100\"\n"				\
	"    signal: \"+14155550100\"\n"				\
	"    discord: \"user:600000000000000001\"\n"			\
	"    gmail: Owner@Example.com\n"				\
	"  approvals: { channels: [imsg, signal, discord, gmail] }\n"

static struct config *
owner_config(const char *require_auth, int want_ok)
{
	char	yaml[2048];

	(void)snprintf(yaml, sizeof(yaml), BASE, require_auth);
	return load(yaml, want_ok);
}

static json_t *
msg(const char *text)
{
	json_t		*v;
	json_error_t	 e;

	if ((v = json_loads(text, JSON_REJECT_DUPLICATES, &e)) == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return v;
}

/* The driver's owner_text on one message: its text, or NULL. */
static const char *
owner_of(struct config *cf, const char *channel, json_t *m)
{
	const struct channel	*ch = &cf->channels[channel_lookup(channel)];
	const char		*text;

	if (!ch->driver->owner_text(cf, ch, m, cf->owner.identity[ch->id],
	    &text))
		return NULL;
	return text;
}

static const struct {
	const char	*channel;
	const char	*json;
	const char	*want;		/* NULL: not the owner's command */
} owner_cases[] = {
	/* imsg: steipete/imsg MessagePayload. */
	{ "imsg", "{\"chat_id\":1,\"sender\":\"+14155550100\","
	  "\"is_from_me\":false,\"text\":\"approve X\"}", "approve X" },
	{ "imsg", "{\"chat_id\":1,\"sender\":\"(415) 555-0100\","
	  "\"is_from_me\":false,\"text\":\"t\"}", "t" },
	{ "imsg", "{\"chat_id\":1,\"sender\":\"+14155550100\","
	  "\"is_from_me\":true,\"text\":\"approve X\"}", NULL },
	{ "imsg", "{\"chat_id\":1,\"sender\":\"+14155550100\","
	  "\"text\":\"approve X\"}", NULL },
	{ "imsg", "{\"chat_id\":1,\"sender\":\"+14155550101\","
	  "\"is_from_me\":false,\"text\":\"approve X\"}", NULL },
	{ "imsg", "{\"chat_id\":1,\"sender\":\"+14155550100\","
	  "\"is_from_me\":false,\"is_group\":true,\"text\":\"a\"}", NULL },
	{ "imsg", "{\"chat_id\":1,\"sender\":\"+14155550100\","
	  "\"is_from_me\":false,\"is_reaction\":true,\"text\":\"a\"}", NULL },
	/* Signal: signal-cli's receive envelope. */
	{ "signal", "{\"envelope\":{\"sourceNumber\":\"+14155550100\","
	  "\"dataMessage\":{\"message\":\"drop X\"}}}", "drop X" },
	{ "signal", "{\"envelope\":{\"sourceNumber\":\"+14155550100\","
	  "\"syncMessage\":{\"sentMessage\":{\"message\":\"drop X\"}},"
	  "\"dataMessage\":{\"message\":\"drop X\"}}}", NULL },
	{ "signal", "{\"envelope\":{\"sourceNumber\":\"+14155550199\","
	  "\"syncMessage\":{\"sentMessage\":{\"message\":\"drop X\","
	  "\"destinationNumber\":\"+14155550100\"}}}}", NULL },
	{ "signal", "{\"envelope\":{\"sourceNumber\":\"+14155550100\","
	  "\"dataMessage\":{\"message\":\"drop X\",\"groupInfo\":"
	  "{\"groupId\":\"g\"}}}}", NULL },
	{ "signal", "{\"envelope\":{\"sourceNumber\":\"+14155550100\","
	  "\"editMessage\":{\"dataMessage\":{\"message\":\"drop X\"}}}}",
	  NULL },
	{ "signal", "{\"envelope\":{\"sourceNumber\":\"+14155550100\","
	  "\"typingMessage\":{\"action\":\"STARTED\"}}}", NULL },
	{ "signal", "{\"envelope\":{\"sourceUuid\":\"u\",\"source\":"
	  "\"+14155550100\",\"dataMessage\":{\"message\":\"x\"}}}", NULL },
	/* Discord: the API's message object. */
	{ "discord", "{\"channel_id\":\"700000000000000005\",\"author\":"
	  "{\"id\":\"600000000000000001\"},\"is_dm\":true,"
	  "\"content\":\"ok X\"}", "ok X" },
	{ "discord", "{\"channel_id\":\"700000000000000005\",\"author\":"
	  "{\"id\":\"600000000000000001\",\"bot\":true},\"is_dm\":true,"
	  "\"content\":\"ok X\"}", NULL },
	{ "discord", "{\"channel_id\":\"700000000000000005\",\"author\":"
	  "{\"id\":\"600000000000000001\"},\"guild_id\":\"1\","
	  "\"is_dm\":true,\"content\":\"ok X\"}", NULL },
	{ "discord", "{\"channel_id\":\"700000000000000005\",\"author\":"
	  "{\"id\":\"600000000000000001\"},\"content\":\"ok X\"}", NULL },
	{ "discord", "{\"channel_id\":\"700000000000000005\",\"author\":"
	  "{\"id\":\"600000000000000002\"},\"is_dm\":true,"
	  "\"content\":\"ok X\"}", NULL },
};

static void
test_owner_text(void **unused)
{
	struct config	*cf;
	json_t		*m;
	const char	*got;
	size_t		 i;

	(void)unused;
	cf = owner_config("true", 1);
	for (i = 0; i < sizeof(owner_cases) / sizeof(owner_cases[0]); i++) {
		m = msg(owner_cases[i].json);
		got = owner_of(cf, owner_cases[i].channel, m);
		if (owner_cases[i].want == NULL && got != NULL)
			fail_msg("case %zu: taken for the owner's", i);
		if (owner_cases[i].want != NULL && (got == NULL ||
		    strcmp(got, owner_cases[i].want) != 0))
			fail_msg("case %zu: not the owner's", i);
		json_decref(m);
	}
	config_free(cf);
}

#define AUTH_PASS							\
	"mx.google.com; dkim=pass header.i=@example.com; "		\
	"spf=pass smtp.mailfrom=owner@example.com; "			\
	"dmarc=pass (p=REJECT) header.from=example.com"

static json_t *
gmail_msg(const char *from, const char *auth, const char *labels,
    const char *body)
{
	char	buf[2048];

	(void)snprintf(buf, sizeof(buf), "{\"id\":\"m1\",\"threadId\":\"t1\","
	    "\"from\":\"%s\",\"subject\":\"Re: held\",\"labels\":[%s],"
	    "\"body\":\"%s\",\"payload\":{\"headers\":["
	    "{\"name\":\"From\",\"value\":\"%s\"}%s%s%s]}}", from, labels, body,
	    from, auth != NULL ? ",{\"name\":\"Authentication-Results\","
	    "\"value\":\"" : "", auth != NULL ? auth : "",
	    auth != NULL ? "\"}" : "");
	return msg(buf);
}

static void
test_gmail(void **unused)
{
	struct config	*cf;
	json_t		*m;
	const char	*got;

	(void)unused;
	/* Approvals on gmail need require_auth: refused without it. */
	(void)owner_config("false", 0);
	cf = owner_config("true", 1);

	m = gmail_msg("Owner <owner@example.com>", AUTH_PASS, "\"INBOX\"",
	    "\\n  approve ABCD2345  \\r\\nOn Thu, Carapace wrote:\\n> code");
	got = owner_of(cf, "gmail", m);
	assert_non_null(got);
	assert_string_equal(got, "approve ABCD2345");
	json_decref(m);
	/* No body: the subject. */
	m = gmail_msg("owner@example.com", AUTH_PASS, "\"INBOX\"", "");
	assert_string_equal(owner_of(cf, "gmail", m), "Re: held");
	json_decref(m);
	/* A forged From: no authentication, or another domain's. */
	m = gmail_msg("owner@example.com", NULL, "\"INBOX\"", "approve X");
	assert_null(owner_of(cf, "gmail", m));
	json_decref(m);
	m = gmail_msg("owner@example.com", "mx.google.com; dmarc=fail "
	    "header.from=example.com", "\"INBOX\"", "approve X");
	assert_null(owner_of(cf, "gmail", m));
	json_decref(m);
	/* The account's own, sent or drafted. */
	m = gmail_msg("owner@example.com", AUTH_PASS, "\"SENT\"", "approve X");
	assert_null(owner_of(cf, "gmail", m));
	json_decref(m);
	m = gmail_msg("owner@example.com", AUTH_PASS, "\"DRAFT\"",
	    "approve X");
	assert_null(owner_of(cf, "gmail", m));
	json_decref(m);
	m = gmail_msg("someone@example.com", AUTH_PASS, "\"INBOX\"",
	    "approve X");
	assert_null(owner_of(cf, "gmail", m));
	json_decref(m);
	config_free(cf);
}

#define GMAIL_HEADERS "\"payload\":{\"headers\":[{\"name\":\"From\"," \
	"\"value\":\"gateway@example.com\"},{\"name\":\"To\",\"value\":" \
	"\"owner@example.com\"}]}"

/* The veto on a real state: a marked notice, a consumed reply, and any
 * command of the owner's, hidden; everything else left to policy. */
static void
test_veto(void **unused)
{
	char		 dir[] = "/tmp/test_owner_state.XXXXXX";
	char		 yaml[2048], key[65], key2[65], cmd[256];
	struct config	*cf;
	struct call_env	 env;
	const struct channel *ch;
	json_t		*m;

	(void)unused;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(yaml, sizeof(yaml),
	    "version: 1\n"
	    "state_dir: %s\n"
	    "channels:\n"
	    "  imsg:\n"
	    "    tool: /bin/imsg\n"
	    "    account: \"+14155550199\"\n"
	    "    inbound: { mode: open, from_me: show }\n"
	    "  gmail:\n"
	    "    tool: /bin/gog\n"
	    "    account: gateway@example.com\n"
	    "    inbound: { mode: open, from_me: show }\n"
	    "owner:\n"
	    "  identities: { imsg: \"+14155550100\" }\n"
	    "  approvals: { channels: [imsg] }\n", dir);
	cf = load(yaml, 1);
	ch = &cf->channels[channel_lookup("imsg")];
	memset(&env, 0, sizeof(env));
	env.cfg = cf;
	assert_int_equal(state_open(cf->state_dir, cf->map_size, 0,
	    &env.state), 0);
	owner_install(&env);

#define IM(from_me, sender, text) msg("{\"chat_id\":1,\"chat_identifier\":" \
	"\"+14155550100\",\"is_group\":false,\"is_from_me\":" from_me	\
	",\"sender\":\"" sender "\",\"text\":\"" text "\"}")
	/* A key is the same whether a tool ends lines with LF or CRLF. */
	owner_message_key("gmail", NULL, "a\r\nb\r\n", key);
	owner_message_key("gmail", NULL, "a\nb", key2);
	assert_string_equal(key, key2);
	owner_message_key("gmail", NULL, "a\nbc", key2);
	assert_string_not_equal(key, key2);
	/* A notice the gateway sent, as history shows it. */
	owner_message_key("imsg", NULL, "Held: reply approve ABCD2345", key);
	assert_int_equal(state_hide_mark(env.state, key, 1), 0);
	m = IM("true", "+14155550199", "  Held: reply approve ABCD2345\\n");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* Quoted in someone's answer (reply_to_text). */
	m = msg("{\"chat_id\":1,\"chat_identifier\":\"+14155550100\","
	    "\"is_from_me\":false,\"sender\":\"+14155550100\",\"text\":"
	    "\"what is this?\",\"reply_to_text\":"
	    "\"Held: reply approve ABCD2345\"}");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* The owner's command, before any watcher consumed it. */
	m = IM("false", "+14155550100", "ok efgh-6789");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* The same words from another sender, or the account: hidden too
	 * (a code is never shown), though never applied. */
	m = IM("false", "+14155550111", "ok efgh-6789");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
	m = IM("true", "+14155550199", "ok efgh-6789");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* freeze is the owner's alone: anyone else's is conversation. */
	m = IM("false", "+14155550111", "freeze");
	assert_int_equal(inbound_message_visible(cf, ch, m), 1);
	json_decref(m);
	m = IM("false", "+14155550100", "freeze");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* The owner's ordinary message. */
	m = IM("false", "+14155550100", "no problem");
	assert_int_equal(inbound_message_visible(cf, ch, m), 1);
	json_decref(m);
	/* A consumed reply stays hidden whatever the grammar. */
	(void)snprintf(cmd, sizeof(cmd), "fine by me");
	owner_message_key("imsg", "+14155550100", cmd, key);
	assert_int_equal(state_hide_mark(env.state, key, 2), 0);
	m = IM("false", "+14155550100", "fine by me");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
#undef IM

	/* Gmail: a notice's body or subject, in the watcher's item or in a
	 * Gmail API message (base64url text/plain part). */
	ch = &cf->channels[channel_lookup("gmail")];
	owner_message_key("gmail", NULL, "Held: approve PQRS2345\nmore", key);
	assert_int_equal(state_hide_mark(env.state, key, 3), 0);
	m = msg("{\"id\":\"1\",\"from\":\"gateway@example.com\","
	    "\"labels\":[\"SENT\"],\"subject\":\"s\"," GMAIL_HEADERS ","
	    "\"body\":\"Held: approve PQRS2345\\nmore\\n\"}");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
	/* base64url of "Held: approve PQRS2345\nmore" */
	m = msg("{\"id\":\"1\",\"labelIds\":[\"SENT\"],\"payload\":{"
	    "\"mimeType\":\"multipart/alternative\",\"headers\":["
	    "{\"name\":\"From\",\"value\":\"gateway@example.com\"},"
	    "{\"name\":\"To\",\"value\":\"owner@example.com\"}],"
	    "\"parts\":[{\"mimeType\":\"text/plain\",\"body\":{\"data\":"
	    "\"SGVsZDogYXBwcm92ZSBQUVJTMjM0NQptb3Jl\"}}]}}");
	assert_int_equal(inbound_message_visible(cf, ch, m), 0);
	json_decref(m);
	m = msg("{\"id\":\"1\",\"from\":\"gateway@example.com\","
	    "\"labels\":[\"SENT\"],\"subject\":\"s\"," GMAIL_HEADERS ","
	    "\"body\":\"something else\"}");
	assert_int_equal(inbound_message_visible(cf, ch, m), 1);
	json_decref(m);

	inbound_set_veto(NULL);
	state_close(env.state);
	config_free(cf);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_code_hash),
		cmocka_unit_test(test_owner_text),
		cmocka_unit_test(test_gmail),
		cmocka_unit_test(test_veto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
