/*
 * Benchmark: inbox publish → subscriber receipt latency, and the inbox
 * append rate.  Run as the gateway user (it writes the state directly,
 * as a watcher does) and as an authorised client (it subscribes through
 * the gateway socket, as a shim does).
 *
 *	inbox-latency -c config -s socket [-n messages] [-r appends]
 *	inbox-latency -c config -w cursor
 *
 * Prints "key value" lines: latency p50/p90/p99 in ms over -n messages
 * sent one at a time, and appends per second over -r messages.  With
 * -w it only waits until the imsg inbox reaches that cursor (used to
 * time a watcher).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "state.h"
#include "util.h"

static uint64_t
now_us(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static json_t *
message(uint64_t id)
{
	return json_pack("{s:I,s:i,s:s,s:s,s:b,s:s,s:s,s:b}",
	    "id", (json_int_t)id, "chat_id", 1, "guid", "bench",
	    "sender", "+14155550100", "is_from_me", 0, "text", "latency",
	    "chat_identifier", "+14155550100", "is_group", 0);
}

/* Read lines until the notification for cursor arrives. */
static int
await_cursor(struct linereader *lr, uint64_t cursor)
{
	char		*line;
	size_t		 len;
	json_t		*v, *c;
	int		 r, found;

	for (;;) {
		r = linereader_next(lr, &line, &len);
		if (r == LINE_AGAIN) {
			if (linereader_fill(lr) != LINE_AGAIN)
				return -1;
			continue;
		}
		if (r != LINE_OK)
			return -1;
		v = json_loadb(line, len, 0, NULL);
		c = json_object_get(json_object_get(v, "params"), "cursor");
		found = json_is_integer(c) &&
		    (uint64_t)json_integer_value(c) == cursor;
		json_decref(v);
		if (found)
			return 0;
	}
}

int
main(int argc, char **argv)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg = NULL;
	struct state		*st = NULL;
	struct sockaddr_un	 sun;
	struct linereader	 lr;
	const char		*conf = NULL, *sock = NULL, *errstr;
	char			 sub[256];
	uint64_t		*lat, base, t0, cursor, i;
	long long		 n = 300, appends = 10000, until = 0;
	json_t			*m;
	int			 ch, fd, r;

	log_init("inbox-latency", LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "c:s:n:r:w:")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'n':
			n = strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				fatalx("-n %s", errstr);
			break;
		case 'w':
			until = strtonum(optarg, 1, LLONG_MAX, &errstr);
			if (errstr != NULL)
				fatalx("-w %s", errstr);
			break;
		case 'r':
			appends = strtonum(optarg, 1, 10000000, &errstr);
			if (errstr != NULL)
				fatalx("-r %s", errstr);
			break;
		default:
			fatalx("usage: inbox-latency -c config -s socket "
			    "[-n messages] [-r appends]");
		}
	}
	if (conf == NULL || (sock == NULL && until == 0))
		fatalx("-c and -s (or -w) are required");
	if (config_load(conf, 0, &cfg, &errs) == -1)
		fatalx("%s: invalid", conf);
	if ((r = state_open(cfg->state_dir, cfg->map_size, 0, &st)) != 0)
		fatalx("state: %s", state_strerror(r));
	if (until > 0) {
		for (i = 0; i < 6000; i++) {
			if ((r = state_inbox_last(st, "imsg", &base)) != 0)
				fatalx("state: %s", state_strerror(r));
			if (base >= (uint64_t)until)
				break;
			(void)usleep(10000);
		}
		state_close(st);
		config_free(cfg);
		return base >= (uint64_t)until ? 0 : 1;
	}
	if ((r = state_inbox_last(st, "imsg", &base)) != 0)
		fatalx("state: %s", state_strerror(r));

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, sock, sizeof(sun.sun_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("connect %s", sock);
	/* From the current cursor on, whenever the handler gets to it. */
	(void)snprintf(sub, sizeof(sub), "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"inbox.subscribe\",\"params\":{\"channels\":"
	    "[\"imsg\"],\"since\":{\"imsg\":%llu}}}\n",
	    (unsigned long long)base);
	if (write(fd, sub, strlen(sub)) != (ssize_t)strlen(sub))
		fatal("write");
	linereader_init(&lr, fd, 1 << 20);

	lat = xcalloc((size_t)n, sizeof(*lat));
	for (i = 0; i < (uint64_t)n; i++) {
		m = message(base + 1 + i);
		t0 = now_us();
		if ((r = state_inbox_publish(st, "imsg", m, base + 1 + i,
		    util_now_ms(), NULL, &cursor)) != 0)
			fatalx("publish: %s", state_strerror(r));
		if (await_cursor(&lr, cursor) == -1)
			fatalx("subscription ended");
		lat[i] = now_us() - t0;
		json_decref(m);
		(void)usleep(2000);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	printf("inbox_latency_p50_ms %.3f\n", lat[n / 2] / 1000.0);
	printf("inbox_latency_p90_ms %.3f\n", lat[n * 9 / 10] / 1000.0);
	printf("inbox_latency_p99_ms %.3f\n", lat[n * 99 / 100] / 1000.0);
	linereader_free(&lr);
	close(fd);

	base += (uint64_t)n;
	t0 = now_us();
	for (i = 0; i < (uint64_t)appends; i++) {
		m = message(base + 1 + i);
		if ((r = state_inbox_publish(st, "imsg", m, base + 1 + i,
		    util_now_ms(), NULL, &cursor)) != 0)
			fatalx("publish: %s", state_strerror(r));
		json_decref(m);
	}
	printf("inbox_append_per_s %.0f\n",
	    (double)appends * 1e6 / (double)(now_us() - t0));
	free(lat);
	state_close(st);
	config_free(cfg);
	return 0;
}
