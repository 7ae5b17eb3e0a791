/*
 * Unit tests for the Signal channel's inbound policy
 * (src/channel/chan-signal.c) and the Signal watcher's reading of the
 * daemon's stream (src/watchers/watch-signal.c).
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
#include "policy.h"
#include "watch.h"

#define FAMILY	"R3JvdXBGYW1pbHk="
#define SECRET	"R3JvdXBTZWNyZXQ="

static struct config *
load(const char *inbound_mode, int from_me)
{
	char			 path[] = "/tmp/test_signal.XXXXXX";
	struct config		*cf = NULL;
	struct config_errors	 errs = { NULL, 0 };
	FILE			*f;
	int			 fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	assert_non_null(f);
	(void)fprintf(f,
	    "version: 1\n"
	    "state_dir: /nonexistent\n"
	    "contacts:\n"
	    "  mom: { signal: \"+1 415 555 0100\" }\n"
	    "channels:\n"
	    "  signal:\n"
	    "    daemon_socket: /run/s.sock\n"
	    "    account: \"+14155550199\"\n"
	    "    inbound:\n"
	    "      mode: %s\n"
	    "      allow: [mom, \"group:" FAMILY "\"]\n"
	    "      scrub: [otp]\n"
	    "      from_me: %s\n", inbound_mode, from_me ? "show" : "hide");
	assert_int_equal(fclose(f), 0);
	if (config_load(path, 0, &cf, &errs) != 0) {
		size_t	i;

		for (i = 0; i < errs.count; i++)
			print_error("%s\n", errs.items[i].message);
	}
	(void)unlink(path);
	assert_non_null(cf);
	return cf;
}

static json_t *
msg(const char *text)
{
	json_t		*v;
	json_error_t	 e;

	v = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (v == NULL)
		print_error("bad test JSON: %s\n", e.text);
	assert_non_null(v);
	return v;
}

/* visible(cfg, json): the decision on one message. */
static int
visible(struct config *cf, const char *text)
{
	json_t	*m = msg(text);
	int	 r;

	r = signal_driver.visible(cf, &cf->channels[channel_lookup("signal")],
	    m);
	/* The shared entry point must say the same for this channel. */
	assert_int_equal(r, inbound_message_visible(cf,
	    &cf->channels[channel_lookup("signal")], m));
	json_decref(m);
	return r;
}

static void
test_visible(void **state)
{
	struct config	*cf = load("allowlist", 0);

	(void)state;
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550100\",\"dataMessage\":{\"message\":\"hi\"}}}"), 1);
	/* Another spelling of the same number. */
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+1 (415) 555-0100\",\"dataMessage\":{}}}"), 1);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155559999\",\"dataMessage\":{\"message\":\"hi\"}}}"), 0);
	/* No number (privacy): hidden in allowlist mode. */
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceUuid\":"
	    "\"5b1c7d0e-2f44-4c1a-9d0b-1a2b3c4d5e6f\",\"dataMessage\":{}}}"),
	    0);
	/* Groups: named or hidden, whoever the sender. */
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155559999\",\"dataMessage\":{\"groupInfo\":{\"groupId\":\""
	    FAMILY "\"}}}}"), 1);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550100\",\"dataMessage\":{\"groupInfo\":{\"groupId\":\""
	    SECRET "\"}}}}"), 0);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550100\",\"dataMessage\":{\"groupInfo\":{}}}}"), 0);
	/* A group id of the wrong type is no group id: hidden. */
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550100\",\"dataMessage\":{\"groupInfo\":{"
	    "\"groupId\":5}}}}"), 0);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550100\",\"dataMessage\":{\"groupInfo\":null}}}"), 0);
	/* An edit is judged by the group it was sent in. */
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550100\",\"editMessage\":{\"dataMessage\":{"
	    "\"groupInfo\":{\"groupId\":\"" SECRET "\"}}}}}"), 0);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155559999\",\"editMessage\":{\"dataMessage\":{"
	    "\"groupInfo\":{\"groupId\":\"" FAMILY "\"}}}}}"), 1);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550100\",\"typingMessage\":{\"action\":\"STARTED\","
	    "\"groupId\":\"" SECRET "\"}}}"), 0);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550100\",\"receiptMessage\":{\"isRead\":true}}}"), 1);
	/* The owner's own messages need from_me. */
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550199\",\"syncMessage\":{\"sentMessage\":{"
	    "\"destinationNumber\":\"+14155550100\",\"message\":\"x\"}}}}"),
	    0);
	/* Not an envelope at all. */
	assert_int_equal(visible(cf, "{\"envelope\":\"x\"}"), 0);
	assert_int_equal(visible(cf, "{\"sourceNumber\":\"+14155550100\"}"),
	    0);
	config_free(cf);

	cf = load("allowlist", 1);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550199\",\"syncMessage\":{\"sentMessage\":{"
	    "\"destinationNumber\":\"+14155550100\",\"message\":\"x\"}}}}"),
	    1);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550199\",\"syncMessage\":{\"sentMessage\":{"
	    "\"destinationNumber\":\"+14155559999\",\"message\":\"x\"}}}}"),
	    0);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550199\",\"syncMessage\":{\"sentMessage\":{"
	    "\"groupInfo\":{\"groupId\":\"" FAMILY "\"}}}}}"), 1);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155550199\",\"syncMessage\":{\"readMessages\":[]}}}"), 0);
	config_free(cf);

	cf = load("open", 0);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceNumber\":"
	    "\"+14155559999\",\"dataMessage\":{\"groupInfo\":{\"groupId\":\""
	    SECRET "\"}}}}"), 1);
	assert_int_equal(visible(cf, "{\"envelope\":{\"sourceUuid\":\"u\","
	    "\"dataMessage\":{}}}"), 1);
	config_free(cf);
}

static void
test_scrub(void **state)
{
	struct config	*cf = load("allowlist", 0);
	json_t		*m;
	char		*out;

	(void)state;
	m = msg("{\"envelope\":{\"sourceNumber\":\"+14155550100\","
	    "\"dataMessage\":{\"message\":\"Your verification code is "
	    "482913\",\"quote\":{\"id\":1,\"text\":\"login code: 774411\"}},"
	    "\"syncMessage\":{\"sentMessage\":{\"message\":\"code 918273 "
	    "is your one-time code\"}}},\"account\":\"+14155550199\"}");
	assert_int_equal(inbound_scrub(&cf->channels[channel_lookup("signal")], m), 0);
	out = json_dumps(m, JSON_COMPACT);
	assert_non_null(out);
	assert_null(strstr(out, "482913"));
	assert_null(strstr(out, "774411"));
	assert_null(strstr(out, "918273"));
	assert_non_null(strstr(out, "Your verification code is"));
	assert_non_null(strstr(out, "\"account\":\"+14155550199\""));
	free(out);
	json_decref(m);
	/* An edit's new text is scrubbed like the original's. */
	m = msg("{\"envelope\":{\"sourceNumber\":\"+14155550100\","
	    "\"editMessage\":{\"targetSentTimestamp\":1,\"dataMessage\":{"
	    "\"message\":\"Your verification code is 551177\"}}}}");
	assert_int_equal(inbound_scrub(&cf->channels[channel_lookup("signal")], m), 0);
	out = json_dumps(m, JSON_COMPACT);
	assert_non_null(out);
	assert_null(strstr(out, "551177"));
	assert_non_null(strstr(out, "Your verification code is"));
	free(out);
	json_decref(m);
	/* Fields of the wrong type are left alone, not an error. */
	m = msg("{\"envelope\":{\"dataMessage\":{\"message\":5,\"quote\":"
	    "\"x\"}}}");
	assert_int_equal(inbound_scrub(&cf->channels[channel_lookup("signal")],
	    m), 0);
	json_decref(m);
	config_free(cf);
}

extern const struct watch_adapter signal_watch_adapter;

static int
parse(const char *line, json_t **m)
{
	uint64_t	pos = 99;

	return signal_watch_adapter.parse(line, strlen(line), m, &pos);
}

static void
test_parse(void **state)
{
	json_t	*m = NULL;

	(void)state;
	assert_non_null(signal_watch_adapter.connect);
	assert_int_equal(signal_watch_adapter.counted, 1);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"result\":3,\"id\":1}",
	    &m), 0);
	assert_null(m);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,"
	    "\"message\":\"no\"},\"id\":1}", &m), WATCH_PARSE_RESTART);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"method\":\"receive\","
	    "\"params\":{\"subscription\":3,\"result\":{\"envelope\":{"
	    "\"sourceNumber\":\"+14155550100\"},\"account\":\"+1\"}}}", &m), 1);
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(m, "envelope"), "sourceNumber")), "+14155550100");
	assert_string_equal(json_string_value(json_object_get(m, "account")),
	    "+1");
	json_decref(m);
	m = NULL;
	/* On-start notifications are not ours: they would come twice. */
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"method\":\"receive\","
	    "\"params\":{\"envelope\":{},\"account\":\"+1\"}}", &m), 0);
	assert_null(m);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"method\":\"receive\","
	    "\"params\":{\"subscription\":3,\"result\":{\"envelope\":5}}}",
	    &m), -1);
	assert_int_equal(parse("not json", &m), -1);
	assert_int_equal(parse("[1]", &m), -1);
	assert_int_equal(parse("{\"a\":1,\"a\":2}", &m), -1);
	assert_int_equal(parse("", &m), 0);
	/* The sender named in the audit record of a hidden message. */
	m = msg("{\"envelope\":{\"sourceNumber\":\"+14155559999\","
	    "\"dataMessage\":{\"groupInfo\":{\"groupId\":\"" SECRET "\"}}}}");
	assert_string_equal(signal_driver.sender(m), "group:" SECRET);
	json_decref(m);
	m = msg("{\"envelope\":{\"sourceNumber\":\"+14155559999\"}}");
	assert_string_equal(signal_driver.sender(m), "+14155559999");
	json_decref(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
