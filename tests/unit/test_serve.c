/*
 * Unit tests for the shims' server loop (src/shim/serve.c), driven
 * through socketpairs as a hostile client would: the client bound, an
 * output queue over its byte limit, a client that stops reading (dropped
 * at its write deadline), backpressure (input not read while output is
 * backlogged), and a finished client that is closed only after its
 * output is written.  Every assertion is about an event (a callback, a
 * close), never about how long something took.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "serve.h"
#include "util.h"

struct peer {
	struct serve	*loop;
	int		 reads;
	int		 closed;
	size_t		 got;
	int		 finish_on_read;
	const char	*reply;
};

static void
on_read(struct serve_fd *f, void *arg)
{
	struct peer	*p = arg;
	char		 buf[4096];
	ssize_t		 n;

	p->reads++;
	n = recv(serve_in_fd(f), buf, sizeof(buf), MSG_DONTWAIT);
	if (n <= 0) {
		serve_close(f);
		return;
	}
	p->got += (size_t)n;
	if (p->reply != NULL)
		(void)serve_write(f, p->reply, strlen(p->reply));
	if (p->finish_on_read)
		serve_finish(f);
}

static void
on_closed(struct serve_fd *f, void *arg)
{
	struct peer	*p = arg;

	(void)f;
	p->closed++;
}

static const struct serve_cb peer_cb = {
	.read = on_read,
	.closed = on_closed
};

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

/* Beyond max_clients, serve_client() refuses: the caller answers 503. */
static void
test_client_bound(void **state)
{
	struct serve	*s;
	struct peer	 p = { 0 };
	int		 sv[3][2], i;

	(void)state;
	assert_non_null(s = serve_new(2, 1));
	for (i = 0; i < 3; i++)
		pair(sv[i]);
	assert_non_null(serve_client(s, sv[0][0], sv[0][0], 1024, 0,
	    &peer_cb, &p));
	assert_non_null(serve_client(s, sv[1][0], sv[1][0], 1024, 0,
	    &peer_cb, &p));
	assert_null(serve_client(s, sv[2][0], sv[2][0], 1024, 0, &peer_cb,
	    &p));
	assert_int_equal(serve_clients(s), 2);
	serve_free(s);
	assert_int_equal(p.closed, 2);
	for (i = 0; i < 3; i++) {
		(void)close(sv[i][0]);
		(void)close(sv[i][1]);
	}
}

/* More output than out_max: the client is dropped, not buffered. */
static void
test_output_bound(void **state)
{
	struct serve	*s;
	struct serve_fd	*f;
	struct peer	 p = { 0 };
	char		 big[4096];
	int		 sv[2];

	(void)state;
	pair(sv);
	memset(big, 'x', sizeof(big));
	assert_non_null(s = serve_new(1, 1));
	assert_non_null(f = serve_client(s, sv[0], sv[0], 1000, 0, &peer_cb,
	    &p));
	/* The socket takes some; keep writing until the bound is hit. */
	while (serve_write(f, big, sizeof(big)) == 0)
		;
	assert_true(serve_closing(f));
	assert_int_equal(serve_run(s), 0);	/* nothing left: returns */
	assert_int_equal(p.closed, 1);
	serve_free(s);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/*
 * A client that never reads what it is sent is dropped at its write
 * deadline; while its queue is over the backlog mark, its input is not
 * read at all.
 */
static void
test_stops_reading(void **state)
{
	struct serve	*s;
	struct serve_fd	*f;
	struct peer	 p = { 0 };
	char		*chunk;
	size_t		 len = SERVE_BACKLOG + 1;
	int		 sv[2];

	(void)state;
	pair(sv);
	assert_non_null(chunk = calloc(1, len));
	assert_non_null(s = serve_new(1, 1));
	assert_non_null(f = serve_client(s, sv[0], sv[0], 64 * len, 50,
	    &peer_cb, &p));
	/* Fill the socket, then queue past the backlog mark. */
	while (serve_queued(f) <= SERVE_BACKLOG)
		assert_int_equal(serve_write(f, chunk, len), 0);
	/* Input waiting: it must not be read while backlogged. */
	assert_int_equal(write(sv[1], "request\n", 8), 8);
	assert_int_equal(serve_run(s), 0);
	assert_int_equal(p.closed, 1);
	assert_int_equal(p.reads, 0);
	serve_free(s);
	free(chunk);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* serve_finish(): the reply is written whole, then the client closes. */
static void
test_finish_flushes(void **state)
{
	struct serve	*s;
	struct peer	 p = { 0 };
	char		 buf[64];
	ssize_t		 n;
	size_t		 got = 0;
	int		 sv[2];

	(void)state;
	pair(sv);
	p.reply = "answer\n";
	p.finish_on_read = 1;
	assert_non_null(s = serve_new(1, 1));
	assert_non_null(serve_client(s, sv[0], sv[0], 1024, 0, &peer_cb,
	    &p));
	assert_int_equal(write(sv[1], "q\n", 2), 2);
	assert_int_equal(serve_run(s), 0);
	assert_int_equal(p.reads, 1);
	assert_int_equal(p.closed, 1);
	/* The loop leaves the descriptor open (it is the caller's). */
	while (got < 7 && (n = read(sv[1], buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	assert_int_equal(got, 7);
	assert_memory_equal(buf, "answer\n", 7);
	serve_free(s);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* A deadline without an expire callback closes the client. */
static void
test_deadline_closes(void **state)
{
	struct serve	*s;
	struct serve_fd	*f;
	struct peer	 p = { 0 };
	int		 sv[2];

	(void)state;
	pair(sv);
	assert_non_null(s = serve_new(1, 1));
	assert_non_null(f = serve_client(s, sv[0], sv[0], 1024, 0, &peer_cb,
	    &p));
	/* Half a request that never completes. */
	assert_int_equal(write(sv[1], "GET /", 5), 5);
	p.reply = NULL;
	serve_set_deadline(f, util_mono_ms() + 20);
	assert_int_equal(serve_run(s), 0);
	assert_int_equal(p.closed, 1);
	serve_free(s);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_bound),
		cmocka_unit_test(test_output_bound),
		cmocka_unit_test(test_stops_reading),
		cmocka_unit_test(test_finish_flushes),
		cmocka_unit_test(test_deadline_closes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
