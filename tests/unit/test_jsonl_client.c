/*
 * Unit tests for the line client (src/common/jsonl-client.c) and the
 * deadline wait under it (src/common/deadline.c).  The peer is this
 * process: a listening Unix socket it accepts on (or does not), so
 * every case is decided by what the peer does, never by timing; the
 * deadlines are short only so that the timeouts end the test quickly.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "deadline.h"
#include "jsonl-client.h"

/* Long enough for a loaded machine, short enough to wait out. */
#define SHORT_MS	200
#define LONG_MS		60000

struct peer {
	char	dir[64];
	char	path[128];
	int	listen_fd;
};

static void
peer_listen(struct peer *p, int backlog)
{
	struct sockaddr_un	sun;

	(void)strlcpy(p->dir, "/tmp/test_jsonl.XXXXXX", sizeof(p->dir));
	assert_non_null(mkdtemp(p->dir));
	(void)snprintf(p->path, sizeof(p->path), "%s/s.sock", p->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, p->path, sizeof(sun.sun_path));
	p->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(p->listen_fd != -1);
	assert_int_equal(bind(p->listen_fd, (struct sockaddr *)&sun,
	    sizeof(sun)), 0);
	assert_int_equal(listen(p->listen_fd, backlog), 0);
}

static int
peer_accept(struct peer *p)
{
	int	fd;

	fd = accept(p->listen_fd, NULL, NULL);
	assert_true(fd != -1);
	return fd;
}

static void
peer_done(struct peer *p)
{
	(void)close(p->listen_fd);
	(void)unlink(p->path);
	(void)rmdir(p->dir);
}

static void
write_all(int fd, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, s, len);
		assert_true(n > 0);
		s += n;
		len -= (size_t)n;
	}
}

static void
write_str(int fd, const char *s)
{
	write_all(fd, s, strlen(s));
}

/* Read what the client sent until a newline; returns its length. */
static size_t
read_line(int fd, char *buf, size_t size)
{
	size_t	off = 0;
	ssize_t	n;

	while (off == 0 || buf[off - 1] != '\n') {
		assert_true(off < size - 1);
		n = read(fd, buf + off, size - 1 - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	buf[off] = '\0';
	return off;
}

static void
test_line_answered(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	char			 buf[256], err[256], *line;
	size_t			 len;
	int			 fd;

	(void)state;
	peer_listen(&p, 4);
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, LONG_MS,
	    1024, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	assert_int_equal(jsonl_send(&conn, "{\"q\":1}", 7, NULL, 0, err,
	    sizeof(err)), JSONL_OK);
	/* One line, its newline added by the client. */
	assert_int_equal(read_line(fd, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "{\"q\":1}\n");
	/* Two answers in one write come back one at a time. */
	write_all(fd, "{\"a\":1}\n{\"a\":2}\n", 16);
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_OK);
	assert_int_equal(len, 7);
	assert_string_equal(line, "{\"a\":1}");
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_OK);
	assert_string_equal(line, "{\"a\":2}");
	/* The peer goes away: an unfinished line is dropped. */
	write_all(fd, "{\"part", 6);
	(void)close(fd);
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_E_CLOSED);
	(void)snprintf(buf, sizeof(buf), "the gateway at %s closed the "
	    "connection", p.path);
	assert_string_equal(err, buf);
	jsonl_close(&conn);
	assert_int_equal(conn.fd, -1);
	jsonl_close(&conn);	/* twice is harmless */
	peer_done(&p);
}

/*
 * A peer that answers and closes before reading (the gateway refusing a
 * peer): the send says the peer closed, and the answer is still read.
 */
static void
test_answer_before_close(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	char			 buf[256], err[256], *line;
	size_t			 len;
	int			 fd;

	(void)state;
	peer_listen(&p, 4);
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, LONG_MS,
	    1024, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	write_str(fd, "{\"refused\":true}\n");
	(void)close(fd);
	assert_int_equal(jsonl_send(&conn, "{}", 2, NULL, 0, err,
	    sizeof(err)), JSONL_E_CLOSED);
	assert_true(conn.errnum == EPIPE || conn.errnum == ECONNRESET);
	(void)snprintf(buf, sizeof(buf), "the gateway at %s closed the "
	    "connection", p.path);
	assert_string_equal(err, buf);
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_OK);
	assert_string_equal(line, "{\"refused\":true}");
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_E_CLOSED);
	jsonl_close(&conn);
	peer_done(&p);
}

static void
test_no_answer_times_out(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	char			 buf[256], err[256], *line;
	size_t			 len;
	int			 fd;

	(void)state;
	peer_listen(&p, 4);
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, SHORT_MS,
	    1024, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	assert_int_equal(jsonl_send(&conn, "{}", 2, NULL, 0, err,
	    sizeof(err)), JSONL_OK);
	/* The peer reads the request and keeps the connection, silent. */
	(void)read_line(fd, buf, sizeof(buf));
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_E_TIMEOUT);
	assert_null(line);
	assert_int_equal(conn.errnum, ETIMEDOUT);
	(void)snprintf(buf, sizeof(buf), "no answer from the gateway at %s "
	    "within 1 s", p.path);
	assert_string_equal(err, buf);
	jsonl_close(&conn);
	(void)close(fd);
	peer_done(&p);
}

static void
test_peer_never_reads(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	char			 err[256], *big;
	size_t			 biglen = 16 * 1024 * 1024;
	int			 fd;

	(void)state;
	peer_listen(&p, 4);
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, SHORT_MS,
	    1024, err, sizeof(err)), JSONL_OK);
	/* Accepted, never read: far more than any socket buffer. */
	fd = peer_accept(&p);
	big = malloc(biglen);
	assert_non_null(big);
	memset(big, 'x', biglen);
	assert_int_equal(jsonl_send(&conn, big, biglen, NULL, 0, err,
	    sizeof(err)), JSONL_E_TIMEOUT);
	free(big);
	jsonl_close(&conn);
	(void)close(fd);
	peer_done(&p);
}

static void
test_line_too_long(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	char			 buf[256], err[256], *line;
	size_t			 len;
	int			 fd;

	(void)state;
	peer_listen(&p, 4);
	/* A line over the bound, whole. */
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, LONG_MS,
	    16, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	write_str(fd, "{\"at most\":\"16 bytes, this is not\"}\n");
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_E_TOOLONG);
	(void)snprintf(buf, sizeof(buf), "answer from the gateway at %s is "
	    "longer than 16 bytes", p.path);
	assert_string_equal(err, buf);
	jsonl_close(&conn);
	(void)close(fd);

	/* A line that never ends: refused once past the bound. */
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, LONG_MS,
	    16, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	memset(buf, 'y', 200);
	write_all(fd, buf, 200);
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_E_TOOLONG);
	jsonl_close(&conn);
	(void)close(fd);

	/* Exactly at the bound is a line. */
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, LONG_MS,
	    16, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	write_all(fd, "0123456789abcdef\n", 17);
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_OK);
	assert_int_equal(len, 16);
	jsonl_close(&conn);
	(void)close(fd);
	peer_done(&p);
}

static void
test_cancel(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	char			 err[256], *line, *big;
	size_t			 len, biglen = 16 * 1024 * 1024;
	int			 fd, pfd[2];

	(void)state;
	peer_listen(&p, 4);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, LONG_MS,
	    1024, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	/* No deadline at all: only the cancel descriptor ends the wait. */
	conn.deadline = DEADLINE_NONE;
	conn.cancel_fd = pfd[0];
	write_all(pfd[1], "x", 1);
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_E_CANCELLED);
	assert_string_equal(err, "interrupted");
	/* A send blocked on a peer that never reads gives way as well. */
	big = malloc(biglen);
	assert_non_null(big);
	memset(big, 'x', biglen);
	assert_int_equal(jsonl_send(&conn, big, biglen, NULL, 0, err,
	    sizeof(err)), JSONL_E_CANCELLED);
	free(big);
	/* Cancel wins over a line that is waiting too. */
	jsonl_close(&conn);
	(void)close(fd);
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, LONG_MS,
	    1024, err, sizeof(err)), JSONL_OK);
	conn.cancel_fd = pfd[0];
	fd = peer_accept(&p);
	write_all(fd, "{}", 2);
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_E_CANCELLED);
	jsonl_close(&conn);
	(void)close(fd);
	(void)close(pfd[0]);
	(void)close(pfd[1]);
	peer_done(&p);
}

/* Receive one message's bytes and descriptors. */
static size_t
recv_fds(int fd, char *buf, size_t size, int *fds, size_t maxfds,
    size_t *nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * JSONL_MAX_FDS)];
	}		 control;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = size - 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	n = recvmsg(fd, &msg, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	*nfds = 0;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		assert_int_equal(cmsg->cmsg_level, SOL_SOCKET);
		assert_int_equal(cmsg->cmsg_type, SCM_RIGHTS);
		*nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		assert_true(*nfds <= maxfds);
		memcpy(fds, CMSG_DATA(cmsg), *nfds * sizeof(int));
	}
	return (size_t)n;
}

static void
test_descriptors_passed(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	struct stat		 sent, got;
	char			 file[] = "/tmp/test_jsonl_fd.XXXXXX";
	char			 buf[256], err[256];
	int			 fd, pass[2], recvd[JSONL_MAX_FDS], pfd[2];
	size_t			 nfds, n;

	(void)state;
	peer_listen(&p, 4);
	pass[0] = mkstemp(file);
	assert_true(pass[0] != -1);
	(void)unlink(file);
	assert_int_equal(pipe(pfd), 0);
	pass[1] = pfd[0];
	assert_int_equal(jsonl_connect(&conn, "gateway", p.path, LONG_MS,
	    1024, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	assert_int_equal(jsonl_send(&conn, "{\"attachments\":2}", 17, pass, 2,
	    err, sizeof(err)), JSONL_OK);
	n = recv_fds(fd, buf, sizeof(buf), recvd, JSONL_MAX_FDS, &nfds);
	assert_int_equal(nfds, 2);
	/* They ride with the first byte; the rest may follow later. */
	assert_true(n >= 1 && buf[0] == '{');
	/* The same open files, in order. */
	assert_int_equal(fstat(pass[0], &sent), 0);
	assert_int_equal(fstat(recvd[0], &got), 0);
	assert_true(S_ISREG(got.st_mode));
	assert_true(sent.st_dev == got.st_dev && sent.st_ino == got.st_ino);
	assert_int_equal(fstat(pass[1], &sent), 0);
	assert_int_equal(fstat(recvd[1], &got), 0);
	assert_true(S_ISFIFO(got.st_mode));
	assert_true(sent.st_dev == got.st_dev && sent.st_ino == got.st_ino);
	(void)close(recvd[0]);
	(void)close(recvd[1]);
	/* Too many to pass is the caller's mistake. */
	assert_int_equal(jsonl_send(&conn, "{}", 2, recvd, JSONL_MAX_FDS + 1,
	    err, sizeof(err)), JSONL_E_INTERNAL);
	jsonl_close(&conn);
	(void)close(fd);
	(void)close(pass[0]);
	(void)close(pfd[0]);
	(void)close(pfd[1]);
	peer_done(&p);
}

static void
test_connect_errors(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	struct sockaddr_un	 sun;
	char			 err[256], want[256], longpath[300];
	int			 fds[64], flags, rc;
	size_t			 n, i;
	int			 queue_full = 0;

	(void)state;
	assert_int_equal(jsonl_connect(&conn, "gateway",
	    "/nonexistent/jsonl.sock", LONG_MS, 1024, err, sizeof(err)),
	    JSONL_E_UNAVAILABLE);
	assert_int_equal(conn.fd, -1);
	(void)snprintf(want, sizeof(want), "gateway unavailable at "
	    "/nonexistent/jsonl.sock: %s", strerror(ENOENT));
	assert_string_equal(err, want);
	jsonl_close(&conn);	/* nothing to close, harmless */

	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(jsonl_connect(&conn, "gateway", longpath, LONG_MS,
	    1024, err, sizeof(err)), JSONL_E_UNAVAILABLE);
	assert_int_equal(conn.errnum, ENAMETOOLONG);

	assert_int_equal(jsonl_connect(&conn, "gateway", "/x", 0, 1024, err,
	    sizeof(err)), JSONL_E_INTERNAL);
	assert_string_equal(err, "invalid gateway call");
	assert_int_equal(jsonl_connect(&conn, "gateway", "/x", LONG_MS, 0,
	    err, sizeof(err)), JSONL_E_INTERNAL);

	/*
	 * A peer that never accepts: fill its listen queue.  Where the
	 * system says so with EAGAIN (Linux), the client waits for room
	 * until the deadline; elsewhere the connect is refused.
	 */
	peer_listen(&p, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, p.path, sizeof(sun.sun_path));
	for (n = 0; n < sizeof(fds) / sizeof(fds[0]); n++) {
		fds[n] = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(fds[n] != -1);
		flags = fcntl(fds[n], F_GETFL);
		assert_int_equal(fcntl(fds[n], F_SETFL, flags | O_NONBLOCK), 0);
		if (connect(fds[n], (struct sockaddr *)&sun,
		    sizeof(sun)) == -1) {
			queue_full = errno == EAGAIN;
			(void)close(fds[n]);
			break;
		}
	}
	rc = jsonl_connect(&conn, "gateway", p.path, SHORT_MS, 1024, err,
	    sizeof(err));
	if (queue_full)
		assert_int_equal(rc, JSONL_E_TIMEOUT);
	else
		assert_int_equal(rc, JSONL_E_UNAVAILABLE);
	for (i = 0; i < n; i++)
		(void)close(fds[i]);
	peer_done(&p);
}

static void
test_send_misuse_and_release(void **state)
{
	struct peer		 p;
	struct jsonl_conn	 conn;
	char			 buf[256], err[256], *line;
	size_t			 len;
	int			 fd, released;

	(void)state;
	peer_listen(&p, 4);
	assert_int_equal(jsonl_connect(&conn, "signal-cli daemon", p.path,
	    LONG_MS, 1024, err, sizeof(err)), JSONL_OK);
	fd = peer_accept(&p);
	/* One call, one line: a newline inside would smuggle a second. */
	assert_int_equal(jsonl_send(&conn, "{}\n{}", 5, NULL, 0, err,
	    sizeof(err)), JSONL_E_INTERNAL);
	assert_string_equal(err, "invalid signal-cli daemon call");
	/* The request and the answer still pass after a refusal. */
	assert_int_equal(jsonl_send(&conn, "{}", 2, NULL, 0, NULL, 0),
	    JSONL_OK);
	assert_int_equal(read_line(fd, buf, sizeof(buf)), 3);
	released = jsonl_release(&conn);
	assert_true(released != -1);
	assert_int_equal(conn.fd, -1);
	assert_int_equal(jsonl_release(&conn), -1);
	assert_int_equal(jsonl_read_line(&conn, &line, &len, err,
	    sizeof(err)), JSONL_E_INTERNAL);
	/* The socket is the caller's now, still connected. */
	write_all(fd, "ok\n", 3);
	assert_int_equal(read(released, buf, sizeof(buf)), 3);
	(void)close(released);
	(void)close(fd);
	peer_done(&p);
}

static void
test_deadline(void **state)
{
	int	pfd[2], cancel[2];

	(void)state;
	assert_int_equal(deadline_left_ms(DEADLINE_NONE), -1);
	assert_int_equal(deadline_left_ms(deadline_in(0)), 0);
	assert_true(deadline_left_ms(deadline_in(LONG_MS)) > 0);
	assert_true(deadline_left_ms(deadline_in(LONG_MS)) <= LONG_MS);
	assert_true(deadline_in(0) != DEADLINE_NONE);
	assert_true(deadline_left_ms(deadline_in(UINT64_MAX)) > 0);

	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(pipe(cancel), 0);
	/* Nothing to read, and the deadline has passed. */
	assert_int_equal(deadline_wait(pfd[0], POLLIN, cancel[0],
	    deadline_in(0)), DEADLINE_TIMEOUT);
	assert_int_equal(deadline_wait(pfd[0], POLLIN, -1,
	    deadline_in(SHORT_MS)), DEADLINE_TIMEOUT);
	/* Writable now, whatever the deadline. */
	assert_int_equal(deadline_wait(pfd[1], POLLOUT, -1, DEADLINE_NONE),
	    DEADLINE_READY);
	write_all(pfd[1], "x", 1);
	assert_int_equal(deadline_wait(pfd[0], POLLIN, cancel[0],
	    DEADLINE_NONE), DEADLINE_READY);
	/* Both ready: the stop request wins. */
	write_all(cancel[1], "x", 1);
	assert_int_equal(deadline_wait(pfd[0], POLLIN, cancel[0],
	    DEADLINE_NONE), DEADLINE_CANCELLED);
	(void)close(pfd[0]);
	(void)close(pfd[1]);
	(void)close(cancel[0]);
	(void)close(cancel[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_answered),
		cmocka_unit_test(test_answer_before_close),
		cmocka_unit_test(test_no_answer_times_out),
		cmocka_unit_test(test_peer_never_reads),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_descriptors_passed),
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test(test_send_misuse_and_release),
		cmocka_unit_test(test_deadline),
	};

	/* A peer that closes must not kill the test with SIGPIPE. */
	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
