/*
 * The Signal watcher adapter: no tool to run, but the carapace-owned
 * signal-cli daemon (channels.signal.daemon_socket, started with
 * --receive-mode=manual).  The watcher connects, asks subscribeReceive,
 * and reads "receive" notifications; each message it publishes is the
 * notification's result, {"envelope":{...},"account":"+1..."}, as
 * signal-cli's receive params.
 *
 * The daemon has no resume position: signal-cli takes a message off
 * Signal's servers and acknowledges it when it hands it to a subscriber.
 * Positions are therefore counted (the last one stored with each
 * publish, plus one).  A restart repeats nothing the watcher published,
 * and while no watcher is subscribed the messages wait on Signal's
 * servers; but a message the daemon handed over and the watcher had not
 * yet published when it died (a window of one message) is gone, as it
 * would be for any signal-cli client.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "chan-signal.h"
#include "channel.h"
#include "jsonl-client.h"
#include "log.h"
#include "policy.h"
#include "watch.h"

/* One line; the client adds its newline. */
#define SUBSCRIBE_REQUEST \
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribeReceive\"," \
	"\"params\":{}}"

/*
 * Connect and ask for the stream, both within the channel's timeout: a
 * daemon that accepts and never reads (or never accepts) costs one
 * timeout and a retry, not a watcher stalled for ever.  The answer is
 * read by the watch loop, with the notifications that follow it.
 */
static int
signal_connect(const struct channel *ch)
{
	struct jsonl_conn	 conn;
	char			 err[512];

	if (SIGNAL_OPTS(ch)->daemon_socket == NULL) {
		log_warnx("signal: no daemon_socket configured");
		return -1;
	}
	/* The watch loop reads and bounds the lines: max_line is unused. */
	if (jsonl_connect(&conn, "signal-cli daemon",
	    SIGNAL_OPTS(ch)->daemon_socket, ch->timeout_ms, 1, err,
	    sizeof(err)) != JSONL_OK ||
	    jsonl_send(&conn, SUBSCRIBE_REQUEST, strlen(SUBSCRIBE_REQUEST),
	    NULL, 0, err, sizeof(err)) != JSONL_OK) {
		log_warnx("signal: %s", err);
		jsonl_close(&conn);
		return -1;
	}
	log_info("signal: subscribing on %s", SIGNAL_OPTS(ch)->daemon_socket);
	return jsonl_release(&conn);
}

static int
signal_parse(const char *line, size_t len, json_t **msg, uint64_t *position)
{
	json_t		*v, *params, *res, *err;
	const char	*method, *emsg;

	*msg = NULL;
	*position = 0;
	if (len == 0)
		return 0;
	if ((v = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	if (!json_is_object(v)) {
		json_decref(v);
		return -1;
	}
	if (json_object_get(v, "id") != NULL) {
		/* The answer to subscribeReceive. */
		err = json_object_get(v, "error");
		if (err != NULL || !json_is_integer(json_object_get(v,
		    "result"))) {
			emsg = json_string_value(json_object_get(err,
			    "message"));
			log_warnx("signal: subscribeReceive refused: %s",
			    emsg != NULL ? emsg : "unexpected answer");
			json_decref(v);
			return WATCH_PARSE_RESTART;
		}
		log_info("signal: subscription %lld",
		    (long long)json_integer_value(json_object_get(v,
		    "result")));
		json_decref(v);
		/* The stream is open: ready, and the watchdog may start. */
		return WATCH_PARSE_OPEN;
	}
	method = json_string_value(json_object_get(v, "method"));
	params = json_object_get(v, "params");
	if (method == NULL || strcmp(method, "receive") != 0 ||
	    json_object_get(params, "subscription") == NULL) {
		/*
		 * Not for our subscription: a daemon in on-start mode
		 * also sends every connection its messages, which would
		 * be published twice.
		 */
		json_decref(v);
		return 0;
	}
	res = json_object_get(params, "result");
	if (!json_is_object(res) ||
	    !json_is_object(json_object_get(res, "envelope"))) {
		json_decref(v);
		return -1;
	}
	*msg = json_incref(res);
	json_decref(v);
	return 1;
}

const struct watch_adapter signal_watch_adapter = {
	.driver = &signal_driver,
	.poll_ms = 0,
	.connect = signal_connect,
	.counted = 1,
	.parse = signal_parse,
};
