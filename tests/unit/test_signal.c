/*
 * Unit tests for the Signal channel's inbound policy
 * (src/channel/chan-signal.c) and the Signal watcher's reading of the
 * daemon's stream and its connect (src/watchers/watch-signal.c).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
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
	    &m), WATCH_PARSE_OPEN);
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

/* A daemon socket in a new directory; returns the listening fd. */
static int
daemon_listen(char *dir, size_t dirlen, char *path, size_t pathlen,
    int backlog)
{
	struct sockaddr_un	sun;
	int			fd;

	(void)strlcpy(dir, "/tmp/test_signal_sock.XXXXXX", dirlen);
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, pathlen, "%s/signal-cli.sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

/*
 * The watcher's connect and subscribe request end at the channel's
 * timeout: a daemon that never accepts gets -1 (and a retry), not a
 * watcher blocked in connect(2) for ever.
 */
static void
test_connect_deadline(void **state)
{
	struct channel		 ch;
	struct signal_opts	 opts;
	struct sockaddr_un	 sun;
	char			 dir[64], path[128], buf[256];
	int			 lfd, fd, peer, queued[64], flags;
	size_t			 n, i, off = 0;
	ssize_t			 r;

	(void)state;
	memset(&ch, 0, sizeof(ch));
	memset(&opts, 0, sizeof(opts));
	ch.driver = &signal_driver;
	ch.opts = &opts;
	assert_int_equal(signal_watch_adapter.connect(&ch), -1);

	/* A daemon that answers: the request arrives, one line. */
	lfd = daemon_listen(dir, sizeof(dir), path, sizeof(path), 4);
	opts.daemon_socket = path;
	ch.timeout_ms = 60000;
	fd = signal_watch_adapter.connect(&ch);
	assert_true(fd != -1);
	peer = accept(lfd, NULL, NULL);
	assert_true(peer != -1);
	while (off == 0 || buf[off - 1] != '\n') {
		assert_true(off < sizeof(buf) - 1);
		r = read(peer, buf + off, sizeof(buf) - 1 - off);
		assert_true(r > 0);
		off += (size_t)r;
	}
	buf[off] = '\0';
	assert_string_equal(buf, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"subscribeReceive\",\"params\":{}}\n");
	(void)close(fd);
	(void)close(peer);
	(void)close(lfd);
	(void)unlink(path);
	(void)rmdir(dir);

	/* A daemon that never accepts: its listen queue is full. */
	lfd = daemon_listen(dir, sizeof(dir), path, sizeof(path), 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	for (n = 0; n < sizeof(queued) / sizeof(queued[0]); n++) {
		queued[n] = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(queued[n] != -1);
		flags = fcntl(queued[n], F_GETFL);
		assert_int_equal(fcntl(queued[n], F_SETFL, flags | O_NONBLOCK),
		    0);
		if (connect(queued[n], (struct sockaddr *)&sun,
		    sizeof(sun)) == -1) {
			(void)close(queued[n]);
			break;
		}
	}
	ch.timeout_ms = 200;
	assert_int_equal(signal_watch_adapter.connect(&ch), -1);
	for (i = 0; i < n; i++)
		(void)close(queued[i]);
	(void)close(lfd);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_connect_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
