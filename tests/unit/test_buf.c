/*
 * Unit tests for the bounded buffer and the line reader (src/common/buf.c).
 * The line reader is driven through real socketpairs and pipes, with
 * descriptors passed by SCM_RIGHTS as the gateway protocol does.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
#include "buf.h"

#define CHUNK	(64 * 1024)	/* the reader's read size */

static void
write_all(int fd, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		assert_true(n > 0);
		s += n;
		len -= (size_t)n;
	}
}

/* Send one byte-string with nfds descriptors attached, as a shim would. */
static void
send_with_fds(int sock, const char *data, size_t len, const int *fds,
    size_t nfds)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) * 16)];
	}		 control;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	assert_true(nfds <= 16);
	memset(&msg, 0, sizeof(msg));
	memset(&control, 0, sizeof(control));
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	assert_int_equal(sendmsg(sock, &msg, 0), (ssize_t)len);
}

static int
count_open_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/* Fill until linereader_next has something other than LINE_AGAIN. */
static int
next_blocking(struct linereader *lr, char **line, size_t *len)
{
	int	 r;

	for (;;) {
		r = linereader_next(lr, line, len);
		if (r != LINE_AGAIN)
			return r;
		r = linereader_fill(lr);
		if (r == LINE_ERROR && errno == EINTR)
			continue;
		if (r != LINE_AGAIN && r != LINE_EOF)
			return r;
	}
}

/*
 * Write len bytes of p from a child process, then close (EOF).  p is
 * malloc'd; the child frees its copy so leak checkers stay quiet.
 */
static pid_t
spawn_writer(int fd, char *p, size_t len)
{
	pid_t	 pid;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		const char	*s = p;
		ssize_t		 n;

		while (len > 0) {
			n = write(fd, s, len);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(1);
			s += n;
			len -= (size_t)n;
		}
		free(p);
		_exit(0);
	}
	return pid;
}

static void
reap(pid_t pid)
{
	int	 status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_buf_append_growth(void **state)
{
	struct buf	 b;
	char		 chunk[600];
	size_t		 i;

	(void)state;
	buf_init(&b, 1000);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	assert_int_equal(buf_append(&b, "0123456789", 10), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "0123456789", 10);
	assert_int_equal(b.cap, 256);

	memset(chunk, 'x', sizeof(chunk));
	assert_int_equal(buf_append(&b, chunk, 300), 0);
	assert_int_equal(b.len, 310);
	assert_int_equal(b.cap, 512);		/* doubled */

	assert_int_equal(buf_append(&b, chunk, 600), 0);
	assert_int_equal(b.len, 910);
	assert_true(b.cap <= 1001);		/* max plus the NUL */

	/* Exactly up to max is fine, one byte more is not. */
	assert_int_equal(buf_append(&b, chunk, 90), 0);
	assert_int_equal(b.len, 1000);
	errno = 0;
	assert_int_equal(buf_append(&b, "y", 1), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(b.len, 1000);
	assert_memory_equal(b.data, "0123456789", 10);
	for (i = 10; i < 1000; i++)
		assert_int_equal(b.data[i], 'x');

	/* Nothing to add is always fine, even when full. */
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 1000);

	/* A NUL terminator still fits at max. */
	assert_int_equal(buf_cstr(&b), 0);
	assert_int_equal(b.data[1000], '\0');
	assert_int_equal(b.len, 1000);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void
test_buf_huge_append_refused(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 16);
	errno = 0;
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(buf_append(&b, "0123456789abcdefg", 17), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_buf_printf(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 20);
	assert_int_equal(buf_printf(&b, "%s-%d", "abc", 42), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abc-42", 6);
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 6);
	assert_int_equal(buf_printf(&b, "%d", 1234567), 0);
	assert_int_equal(b.len, 13);
	assert_int_equal(buf_cstr(&b), 0);
	assert_string_equal(b.data, "abc-421234567");

	/* 8 more would make 21 > 20: refused, nothing written. */
	errno = 0;
	assert_int_equal(buf_printf(&b, "%s", "12345678"), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(b.len, 13);
	assert_int_equal(buf_printf(&b, "%s", "1234567"), 0);
	assert_int_equal(b.len, 20);
	assert_int_equal(buf_cstr(&b), 0);
	assert_string_equal(b.data, "abc-4212345671234567");
	buf_free(&b);
}

static void
test_buf_consume(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, "hello world", 11), 0);
	buf_consume(&b, 6);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "world", 5);
	buf_consume(&b, 0);
	assert_int_equal(b.len, 5);
	buf_consume(&b, 99);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_cstr(&b), 0);
	assert_string_equal(b.data, "");
	buf_free(&b);

	/* buf_cstr on a buffer that never allocated. */
	buf_init(&b, 0);
	assert_int_equal(buf_cstr(&b), 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_append(&b, "x", 1), -1);
	buf_free(&b);
}

static void
test_lines_many_in_one_write(void **state)
{
	struct linereader	 lr;
	char			*line, *prev = NULL, expect[16];
	size_t			 len, i, n = 5000;
	int			 sp[2];
	struct buf		 out;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	buf_init(&out, SIZE_MAX);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_printf(&out, "%zu\n", i), 0);
	assert_true(out.len < CHUNK);	/* one read takes all of it */
	write_all(sp[1], out.data, out.len);

	linereader_init(&lr, sp[0], 64);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_AGAIN);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	assert_int_equal(lr.in.len, out.len);
	for (i = 0; i < n; i++) {
		assert_int_equal(linereader_next(&lr, &line, &len), LINE_OK);
		(void)snprintf(expect, sizeof(expect), "%zu", i);
		assert_int_equal(len, strlen(expect));
		assert_string_equal(line, expect);	/* NUL-terminated */
		/* Returned in place, one after the other: nothing moved. */
		if (prev != NULL)
			assert_ptr_equal(line, prev + strlen(prev) + 1);
		prev = line;
	}
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_AGAIN);
	assert_null(line);
	assert_int_equal(len, 0);

	linereader_free(&lr);
	buf_free(&out);
	close(sp[0]);
	close(sp[1]);
}

static void
test_lines_split_across_writes(void **state)
{
	struct linereader	 lr;
	char			*line;
	size_t			 len;
	int			 sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	linereader_init(&lr, sp[0], 100);

	write_all(sp[1], "hel", 3);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_AGAIN);
	assert_int_equal(lr.scanned, 3);

	write_all(sp[1], "lo\nwor", 6);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_OK);
	assert_int_equal(len, 5);
	assert_string_equal(line, "hello");
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_AGAIN);

	write_all(sp[1], "ld\n\n", 4);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	/* The returned line was dropped: "wor" moved to the front. */
	assert_int_equal(lr.start, 0);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_OK);
	assert_string_equal(line, "world");
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_OK);
	assert_int_equal(len, 0);		/* an empty line */
	assert_string_equal(line, "");
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_AGAIN);

	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);
}

static void
test_lines_nul_inside(void **state)
{
	struct linereader	 lr;
	char			*line;
	size_t			 len;
	int			 sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	linereader_init(&lr, sp[0], 100);
	write_all(sp[1], "a\0b\n", 4);
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(line, "a\0b", 4);	/* and the terminator */
	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);
}

static void
test_lines_limit(void **state)
{
	struct linereader	 lr;
	char			*line;
	size_t			 len;
	int			 sp[2];

	(void)state;

	/* Exactly max_line bytes plus newline is accepted. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	linereader_init(&lr, sp[0], 8);
	write_all(sp[1], "12345678\n", 9);
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_OK);
	assert_int_equal(len, 8);
	assert_string_equal(line, "12345678");
	/* max_line bytes without a newline yet: wait for more. */
	write_all(sp[1], "abcdefgh", 8);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_AGAIN);
	/* One more byte and it can no longer be a line. */
	write_all(sp[1], "i", 1);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_TOOLONG);
	assert_null(line);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_TOOLONG);
	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);

	/* Too long even though its newline arrived in the same read. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	linereader_init(&lr, sp[0], 8);
	write_all(sp[1], "ok\n123456789\nnext\n", 18);
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_OK);
	assert_string_equal(line, "ok");
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_TOOLONG);
	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);
}

/* A line longer than one read, at and just over the limit. */
static void
test_lines_limit_large(void **state)
{
	struct linereader	 lr;
	char			*line, *data;
	size_t			 len, max = 3 * CHUNK + 17, i;
	int			 sp[2];
	pid_t			 pid;

	(void)state;
	data = malloc(2 * max + 4);
	assert_non_null(data);
	for (i = 0; i < max; i++)
		data[i] = (char)('a' + i % 26);
	data[max] = '\n';
	memset(data + max + 1, 'z', max + 1);	/* one byte too many */
	data[2 * max + 2] = '\n';

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	pid = spawn_writer(sp[1], data, 2 * max + 3);
	close(sp[1]);
	linereader_init(&lr, sp[0], max);
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_OK);
	assert_int_equal(len, max);
	assert_memory_equal(line, data, max);
	assert_int_equal(line[max], '\0');
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_TOOLONG);
	/* The buffer never held more than a line plus one read. */
	assert_true(lr.in.len <= max + 1 + CHUNK);
	assert_true(lr.in.cap <= max + 2 + CHUNK);
	linereader_free(&lr);
	close(sp[0]);
	reap(pid);
	free(data);
}

/* A caller that reads without taking lines out hits the bound. */
static void
test_lines_fill_bounded(void **state)
{
	struct linereader	 lr;
	char			*data;
	size_t			 n = CHUNK + 100;
	int			 sp[2], r;

	(void)state;
	data = malloc(n);
	assert_non_null(data);
	memset(data, 'x', n);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(fcntl(sp[0], F_SETFL, O_NONBLOCK), 0);
	write_all(sp[1], data, n);
	linereader_init(&lr, sp[0], 4);
	while ((r = linereader_fill(&lr)) == LINE_AGAIN)
		assert_true(lr.in.len <= 4 + 1 + CHUNK);
	assert_int_equal(r, LINE_ERROR);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(lr.in.len, 4 + 1 + CHUNK);
	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);
	free(data);
}

static void
test_lines_eof(void **state)
{
	struct linereader	 lr;
	char			*line;
	size_t			 len;
	int			 sp[2];

	(void)state;
	/* A partial last line is discarded. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	linereader_init(&lr, sp[0], 100);
	write_all(sp[1], "one\ntwo", 7);
	close(sp[1]);
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_OK);
	assert_string_equal(line, "one");
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_EOF);
	assert_null(line);
	assert_int_equal(lr.eof, 1);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_EOF);
	assert_int_equal(linereader_fill(&lr), LINE_EOF);
	linereader_free(&lr);
	close(sp[0]);

	/* Complete lines before EOF all come out, then EOF. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	linereader_init(&lr, sp[0], 100);
	write_all(sp[1], "a\nb\n", 4);
	close(sp[1]);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	assert_int_equal(linereader_fill(&lr), LINE_EOF);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_OK);
	assert_string_equal(line, "a");
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_OK);
	assert_string_equal(line, "b");
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_EOF);
	linereader_free(&lr);
	close(sp[0]);
}

static void
test_lines_nonblocking_and_pipe(void **state)
{
	struct linereader	 lr;
	char			*line;
	size_t			 len;
	int			 sp[2], p[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(fcntl(sp[0], F_SETFL, O_NONBLOCK), 0);
	linereader_init(&lr, sp[0], 100);
	errno = 0;
	assert_int_equal(linereader_fill(&lr), LINE_ERROR);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);

	/* Not a socket: plain read(2). */
	assert_int_equal(pipe(p), 0);
	linereader_init(&lr, p[0], 100);
	write_all(p[1], "piped\n", 6);
	close(p[1]);
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_OK);
	assert_string_equal(line, "piped");
	assert_int_equal(next_blocking(&lr, &line, &len), LINE_EOF);
	linereader_free(&lr);
	close(p[0]);
}

static void
test_lines_fds_in_order(void **state)
{
	struct linereader	 lr;
	char			*line, c, expect[32];
	size_t			 len, i;
	int			 sp[2], pipes[3][2], fd, nlines = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		(void)snprintf(expect, sizeof(expect), "L%zu\n", i);
		send_with_fds(sp[1], expect, 3, &pipes[i][0], 1);
		close(pipes[i][0]);
	}
	linereader_init(&lr, sp[0], 100);
	assert_int_equal(linereader_take_fd(&lr), -1);
	while (nlines < 3) {
		assert_int_equal(next_blocking(&lr, &line, &len), LINE_OK);
		(void)snprintf(expect, sizeof(expect), "L%d", nlines);
		assert_string_equal(line, expect);
		nlines++;
		/* Each descriptor is queued by the time its line is out. */
		assert_true(lr.nfds >= (size_t)nlines);
	}
	assert_int_equal(lr.nfds, 3);
	for (i = 0; i < 3; i++) {
		fd = linereader_take_fd(&lr);
		assert_true(fd >= 0);
		assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
		/* It is the read end of pipe i. */
		c = (char)('0' + i);
		write_all(pipes[i][1], &c, 1);
		c = 0;
		assert_int_equal(read(fd, &c, 1), 1);
		assert_int_equal(c, '0' + (char)i);
		close(fd);
		close(pipes[i][1]);
	}
	assert_int_equal(lr.nfds, 0);
	assert_int_equal(linereader_take_fd(&lr), -1);
	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);
}

static void
test_lines_too_many_fds(void **state)
{
	struct linereader	 lr;
	char			*line;
	size_t			 len, i;
	int			 sp[2], fds[LINEREADER_MAX_FDS + 1], before;

	(void)state;

	/* More in one message than the control buffer holds. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	for (i = 0; i < LINEREADER_MAX_FDS + 1; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY)) >= 0);
	send_with_fds(sp[1], "x\n", 2, fds, LINEREADER_MAX_FDS + 1);
	for (i = 0; i < LINEREADER_MAX_FDS + 1; i++)
		close(fds[i]);
	linereader_init(&lr, sp[0], 100);
	before = count_open_fds();
	assert_int_equal(linereader_fill(&lr), LINE_TOOMANYFDS);
	assert_int_equal(count_open_fds(), before);	/* all closed */
	assert_int_equal(lr.nfds, 0);
	assert_int_equal(linereader_next(&lr, &line, &len), LINE_AGAIN);
	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);

	/* A full queue, then one more. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	for (i = 0; i < LINEREADER_MAX_FDS + 1; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY)) >= 0);
	send_with_fds(sp[1], "a\n", 2, fds, LINEREADER_MAX_FDS);
	linereader_init(&lr, sp[0], 100);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	assert_int_equal(lr.nfds, LINEREADER_MAX_FDS);
	send_with_fds(sp[1], "b\n", 2, fds + LINEREADER_MAX_FDS, 1);
	for (i = 0; i < LINEREADER_MAX_FDS + 1; i++)
		close(fds[i]);
	before = count_open_fds();
	assert_int_equal(linereader_fill(&lr), LINE_TOOMANYFDS);
	assert_int_equal(count_open_fds(), before);
	assert_int_equal(lr.nfds, LINEREADER_MAX_FDS);
	linereader_drop_fds(&lr);
	assert_int_equal(lr.nfds, 0);
	assert_int_equal(count_open_fds(), before - LINEREADER_MAX_FDS);
	linereader_free(&lr);
	close(sp[0]);
	close(sp[1]);
}

/* linereader_free closes queued descriptors but not the stream. */
static void
test_lines_free_closes_fds(void **state)
{
	struct linereader	 lr;
	int			 sp[2], fd, before;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_true((fd = open("/dev/null", O_RDONLY)) >= 0);
	send_with_fds(sp[1], "a\n", 2, &fd, 1);
	close(fd);
	linereader_init(&lr, sp[0], 100);
	assert_int_equal(linereader_fill(&lr), LINE_AGAIN);
	assert_int_equal(lr.nfds, 1);
	before = count_open_fds();
	linereader_free(&lr);
	assert_int_equal(count_open_fds(), before - 1);
	assert_true(fcntl(sp[0], F_GETFD) != -1);
	close(sp[0]);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_append_growth),
		cmocka_unit_test(test_buf_huge_append_refused),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_consume),
		cmocka_unit_test(test_lines_many_in_one_write),
		cmocka_unit_test(test_lines_split_across_writes),
		cmocka_unit_test(test_lines_nul_inside),
		cmocka_unit_test(test_lines_limit),
		cmocka_unit_test(test_lines_limit_large),
		cmocka_unit_test(test_lines_fill_bounded),
		cmocka_unit_test(test_lines_eof),
		cmocka_unit_test(test_lines_nonblocking_and_pipe),
		cmocka_unit_test(test_lines_fds_in_order),
		cmocka_unit_test(test_lines_too_many_fds),
		cmocka_unit_test(test_lines_free_closes_fds),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
