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
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "chan-signal.h"
#include "channel.h"
#include "log.h"
#include "policy.h"
#include "watch.h"

#define SUBSCRIBE_REQUEST \
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribeReceive\"," \
	"\"params\":{}}\n"

static int
signal_connect(const struct channel *ch)
{
	struct sockaddr_un	 sun;
	const char		*req = SUBSCRIBE_REQUEST;
	size_t			 len = strlen(req), off = 0;
	ssize_t			 n;
	int			 fd;

	if (SIGNAL_OPTS(ch)->daemon_socket == NULL) {
		log_warnx("signal: no daemon_socket configured");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, SIGNAL_OPTS(ch)->daemon_socket, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("signal: daemon_socket path too long");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		log_warn("signal: socket");
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("signal: connect %s", SIGNAL_OPTS(ch)->daemon_socket);
		close(fd);
		return -1;
	}
	while (off < len) {
		n = write(fd, req + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("signal: write to %s", SIGNAL_OPTS(ch)->daemon_socket);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	log_info("signal: subscribing on %s", SIGNAL_OPTS(ch)->daemon_socket);
	return fd;
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
		return 0;
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
