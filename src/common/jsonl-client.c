/*
 * The line-delimited JSON client (jsonl-client.h).  The socket is
 * non-blocking from the start, so no system call can wait past the
 * deadline: every EAGAIN goes through deadline_wait(), which also
 * watches the cancel descriptor.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "buf.h"
#include "deadline.h"
#include "jsonl-client.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* callers ignore SIGPIPE as well */
#endif

/* Linux: how long to sleep before retrying a full listen queue. */
#define CONNECT_RETRY_MS	10

static void	seterr(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static int	connect_socket(struct jsonl_conn *, char *, size_t);
static int	send_line(struct jsonl_conn *, const char *, size_t,
		    const int *, size_t);
static void	timeout_error(const struct jsonl_conn *, char *, size_t);

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void
timeout_error(const struct jsonl_conn *conn, char *err, size_t errlen)
{
	seterr(err, errlen, "no answer from the %s at %s within %llu s",
	    conn->peer, conn->path,
	    (unsigned long long)((conn->timeout_ms + 999) / 1000));
}

/*
 * The non-blocking connect.  Returns JSONL_OK with conn->fd set, or an
 * error code with conn->errnum set and nothing left open.
 */
static int
connect_socket(struct jsonl_conn *conn, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	enum deadline_wait	 ready;
	int			 fd, flags, soerr, ms, code;

	code = JSONL_E_UNAVAILABLE;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, conn->path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		fd = -1;
		goto fail;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		goto fail;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    (flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		goto fail;

	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			conn->fd = fd;
			return JSONL_OK;
		}
		if (errno == EAGAIN) {
			/*
			 * Linux: the listen queue is full.  A busy peer
			 * gets until the deadline to make room.
			 */
			if ((ms = deadline_left_ms(conn->deadline)) == 0)
				goto timeout;
			(void)poll(NULL, 0, ms > 0 && ms < CONNECT_RETRY_MS ?
			    ms : CONNECT_RETRY_MS);
			continue;
		}
		if (errno == EINPROGRESS || errno == EINTR)
			break;
		goto fail;
	}
	ready = deadline_wait(fd, POLLOUT, -1, conn->deadline);
	if (ready == DEADLINE_TIMEOUT)
		goto timeout;
	if (ready != DEADLINE_READY)
		goto fail;
	len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	conn->fd = fd;
	return JSONL_OK;

timeout:
	code = JSONL_E_TIMEOUT;
	errno = ETIMEDOUT;
fail:
	conn->errnum = errno;
	seterr(err, errlen, "%s unavailable at %s: %s", conn->peer,
	    conn->path, strerror(conn->errnum));
	if (fd != -1)
		(void)close(fd);
	return code;
}

int
jsonl_connect(struct jsonl_conn *conn, const char *peer, const char *path,
    uint64_t timeout_ms, size_t max_line, char *err, size_t errlen)
{
	int	rc;

	memset(conn, 0, sizeof(*conn));
	conn->fd = -1;
	conn->cancel_fd = -1;
	conn->peer = peer != NULL ? peer : "peer";
	seterr(err, errlen, "%s", "");
	if (timeout_ms == 0 || path == NULL || max_line == 0) {
		conn->errnum = EINVAL;
		seterr(err, errlen, "invalid %s call", conn->peer);
		return JSONL_E_INTERNAL;
	}
	conn->path = path;
	conn->timeout_ms = timeout_ms;
	conn->max_line = max_line;
	conn->deadline = deadline_in(timeout_ms);
	if ((rc = connect_socket(conn, err, errlen)) != JSONL_OK)
		return rc;
	linereader_init(&conn->lr, conn->fd, max_line);
	return JSONL_OK;
}

/*
 * Write line and its newline; the descriptors ride with the first
 * byte.  Returns JSONL_OK or an error code, errno set for JSONL_E_IO.
 */
static int
send_line(struct jsonl_conn *conn, const char *line, size_t len,
    const int *pass_fds, size_t npass)
{
	static const char	 newline[] = "\n";
	struct msghdr		 msg;
	struct iovec		 iov[2];
	struct cmsghdr		*cmsg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * JSONL_MAX_FDS)];
	}			 cmsgbuf;
	enum deadline_wait	 ready;
	size_t			 off = 0, total = len + 1;
	ssize_t			 n;

	while (off < total) {
		memset(&msg, 0, sizeof(msg));
		if (off < len) {
			iov[0].iov_base = (void *)(uintptr_t)(line + off);
			iov[0].iov_len = len - off;
			iov[1].iov_base = (void *)(uintptr_t)newline;
			iov[1].iov_len = 1;
			msg.msg_iovlen = 2;
		} else {
			iov[0].iov_base = (void *)(uintptr_t)newline;
			iov[0].iov_len = 1;
			msg.msg_iovlen = 1;
		}
		msg.msg_iov = iov;
		if (off == 0 && npass > 0) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * npass);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int) * npass);
			memcpy(CMSG_DATA(cmsg), pass_fds, sizeof(int) * npass);
		}
		n = sendmsg(conn->fd, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return JSONL_E_IO;
			ready = deadline_wait(conn->fd, POLLOUT,
			    conn->cancel_fd, conn->deadline);
			if (ready == DEADLINE_TIMEOUT)
				return JSONL_E_TIMEOUT;
			if (ready == DEADLINE_CANCELLED)
				return JSONL_E_CANCELLED;
			if (ready == DEADLINE_ERROR)
				return JSONL_E_IO;
			continue;
		}
		off += (size_t)n;
	}
	return JSONL_OK;
}

int
jsonl_send(struct jsonl_conn *conn, const char *line, size_t len,
    const int *pass_fds, size_t npass, char *err, size_t errlen)
{
	int	rc;

	seterr(err, errlen, "%s", "");
	if (conn->fd == -1 || line == NULL || len == SIZE_MAX ||
	    npass > JSONL_MAX_FDS || (npass > 0 && pass_fds == NULL) ||
	    memchr(line, '\n', len) != NULL) {
		conn->errnum = EINVAL;
		seterr(err, errlen, "invalid %s call",
		    conn->peer != NULL ? conn->peer : "peer");
		return JSONL_E_INTERNAL;
	}
	rc = send_line(conn, line, len, pass_fds, npass);
	switch (rc) {
	case JSONL_OK:
		break;
	case JSONL_E_TIMEOUT:
		conn->errnum = ETIMEDOUT;
		timeout_error(conn, err, errlen);
		break;
	case JSONL_E_CANCELLED:
		conn->errnum = EINTR;
		seterr(err, errlen, "interrupted");
		break;
	default:
		conn->errnum = errno;
		if (conn->errnum == EPIPE || conn->errnum == ECONNRESET) {
			rc = JSONL_E_CLOSED;
			seterr(err, errlen, "the %s at %s closed the "
			    "connection", conn->peer, conn->path);
			break;
		}
		seterr(err, errlen, "lost the connection to the %s at %s: %s",
		    conn->peer, conn->path, strerror(conn->errnum));
		break;
	}
	return rc;
}

int
jsonl_read_line(struct jsonl_conn *conn, char **line, size_t *len,
    char *err, size_t errlen)
{
	enum deadline_wait	ready;
	int			r;

	*line = NULL;
	*len = 0;
	seterr(err, errlen, "%s", "");
	if (conn->fd == -1) {
		conn->errnum = EINVAL;
		seterr(err, errlen, "invalid %s call",
		    conn->peer != NULL ? conn->peer : "peer");
		return JSONL_E_INTERNAL;
	}
	for (;;) {
		r = linereader_next(&conn->lr, line, len);
		if (r == LINE_OK)
			return JSONL_OK;
		if (r == LINE_TOOLONG) {
			seterr(err, errlen, "answer from the %s at %s is "
			    "longer than %zu bytes", conn->peer, conn->path,
			    conn->max_line);
			return JSONL_E_TOOLONG;
		}
		if (r == LINE_EOF) {
			seterr(err, errlen, "the %s at %s closed the "
			    "connection", conn->peer, conn->path);
			return JSONL_E_CLOSED;
		}
		r = linereader_fill(&conn->lr);
		if (r == LINE_AGAIN || r == LINE_EOF)
			continue;	/* next() says what it was */
		if (r == LINE_TOOMANYFDS) {
			seterr(err, errlen, "malformed answer from the %s at "
			    "%s: unexpected descriptors", conn->peer,
			    conn->path);
			return JSONL_E_PROTOCOL;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		ready = deadline_wait(conn->fd, POLLIN, conn->cancel_fd,
		    conn->deadline);
		if (ready == DEADLINE_READY)
			continue;
		if (ready == DEADLINE_TIMEOUT) {
			conn->errnum = ETIMEDOUT;
			timeout_error(conn, err, errlen);
			return JSONL_E_TIMEOUT;
		}
		if (ready == DEADLINE_CANCELLED) {
			conn->errnum = EINTR;
			seterr(err, errlen, "interrupted");
			return JSONL_E_CANCELLED;
		}
		break;
	}
	conn->errnum = errno;
	seterr(err, errlen, "lost the connection to the %s at %s: %s",
	    conn->peer, conn->path, strerror(conn->errnum));
	return JSONL_E_IO;
}

void
jsonl_close(struct jsonl_conn *conn)
{
	if (conn->fd == -1)
		return;
	linereader_free(&conn->lr);
	(void)close(conn->fd);
	conn->fd = -1;
}

int
jsonl_release(struct jsonl_conn *conn)
{
	int	fd = conn->fd;

	if (fd == -1)
		return -1;
	linereader_free(&conn->lr);
	conn->fd = -1;
	return fd;
}
