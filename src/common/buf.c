/*
 * Bounded byte buffers and the line reader the gateway protocol is read
 * with.  A buffer never grows past the maximum it was created with; the
 * line reader sizes its buffer from the longest line it accepts, so a
 * peer cannot make it allocate more than one line plus one read.
 *
 * Lines are returned in place (the '\n' becomes '\0') and are only
 * dropped from the buffer when the next read needs the room, so reading
 * many small lines costs no copying beyond one move of the unfinished
 * tail per read.  A partial line left when the peer closes is discarded:
 * the protocol says every line ends with '\n'.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "buf.h"

/* One read(2) at most this much; the buffer holds a line plus one read. */
#define LINEREADER_CHUNK	(64 * 1024)
/* First allocation of a buffer that has none. */
#define BUF_INITIAL		256

#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC	0
#endif

static int	buf_reserve(struct buf *, size_t);
static void	linereader_compact(struct linereader *);
static ssize_t	linereader_recv(struct linereader *, char *, size_t, int *,
		    size_t *, int *);

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	/* One byte is kept for the NUL buf_cstr() adds. */
	if (max > SIZE_MAX - 1)
		max = SIZE_MAX - 1;
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/*
 * Make room for n more bytes plus a terminating NUL, doubling the
 * allocation but never past max + 1.
 */
static int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 need, newcap;
	char	*p;

	if (n > b->max - b->len) {
		errno = ENOBUFS;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	newcap = b->cap == 0 ? BUF_INITIAL : b->cap;
	while (newcap < need && newcap <= (b->max + 1) / 2)
		newcap *= 2;
	/* Past half the maximum, go to the maximum: no realloc per read. */
	if (newcap < need || newcap > b->max + 1)
		newcap = b->max + 1;
	if ((p = realloc(b->data, newcap)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	b->data = p;
	b->cap = newcap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

int
buf_cstr(struct buf *b)
{
	if (buf_reserve(b, 0) == -1)
		return -1;
	b->data[b->len] = '\0';
	return 0;
}

void
linereader_init(struct linereader *lr, int fd, size_t max_line)
{
	size_t	 max;

	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
	lr->max_line = max_line;
	/* The longest line, its newline, and one read behind it. */
	if (max_line > SIZE_MAX - 2 - LINEREADER_CHUNK)
		max = SIZE_MAX - 1;
	else
		max = max_line + 1 + LINEREADER_CHUNK;
	buf_init(&lr->in, max);
}

void
linereader_free(struct linereader *lr)
{
	linereader_drop_fds(lr);
	buf_free(&lr->in);
	lr->start = lr->scanned = 0;
}

/*
 * Drop the lines already returned.  Only the unfinished tail moves, and
 * it moves at most once per read, so the work stays linear.
 */
static void
linereader_compact(struct linereader *lr)
{
	if (lr->start == 0)
		return;
	buf_consume(&lr->in, lr->start);
	lr->scanned -= lr->start;
	lr->start = 0;
}

/*
 * One recvmsg(2) into p, collecting passed descriptors into fds; falls
 * back to read(2) for an fd that is not a socket.  *truncated is set
 * when the kernel dropped control data.
 */
static ssize_t
linereader_recv(struct linereader *lr, char *p, size_t n, int *fds,
    size_t *nfds, int *truncated)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) *
				    LINEREADER_MAX_FDS)];
	}		 control;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	ssize_t		 r;
	size_t		 i, count;
	int		 fd;

	*nfds = 0;
	*truncated = 0;
	memset(&msg, 0, sizeof(msg));
	memset(&control, 0, sizeof(control));
	iov.iov_base = p;
	iov.iov_len = n;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);

	r = recvmsg(lr->fd, &msg, MSG_CMSG_CLOEXEC);
	if (r == -1 && errno == ENOTSOCK)
		return read(lr->fd, p, n);
	if (r == -1)
		return -1;

	if (msg.msg_flags & MSG_CTRUNC)
		*truncated = 1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (*nfds == LINEREADER_MAX_FDS) {
				/* Cannot happen with our buffer; be safe. */
				(void)close(fd);
				*truncated = 1;
				continue;
			}
			if (MSG_CMSG_CLOEXEC == 0)
				(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
			fds[(*nfds)++] = fd;
		}
	}
	return r;
}

int
linereader_fill(struct linereader *lr)
{
	int	 fds[LINEREADER_MAX_FDS], truncated;
	size_t	 nfds, i, n;
	ssize_t	 r;

	if (lr->eof)
		return LINE_EOF;
	linereader_compact(lr);
	n = lr->in.max - lr->in.len;
	if (n == 0) {
		/* The caller did not take the lines (or the error) out. */
		errno = ENOBUFS;
		return LINE_ERROR;
	}
	if (n > LINEREADER_CHUNK)
		n = LINEREADER_CHUNK;
	if (buf_reserve(&lr->in, n) == -1)
		return LINE_ERROR;

	r = linereader_recv(lr, lr->in.data + lr->in.len, n, fds, &nfds,
	    &truncated);
	if (r == -1)
		return LINE_ERROR;
	if (truncated || nfds > LINEREADER_MAX_FDS - lr->nfds) {
		/*
		 * Some descriptors are lost or would not fit: the stream
		 * can no longer be matched to them, so the caller must
		 * close it.  The bytes of this read are dropped too.
		 */
		for (i = 0; i < nfds; i++)
			(void)close(fds[i]);
		return LINE_TOOMANYFDS;
	}
	for (i = 0; i < nfds; i++)
		lr->fds[lr->nfds++] = fds[i];
	if (r == 0) {
		lr->eof = 1;
		return LINE_EOF;
	}
	lr->in.len += (size_t)r;
	return LINE_AGAIN;
}

int
linereader_next(struct linereader *lr, char **line, size_t *len)
{
	char	*data = lr->in.data, *nl = NULL;
	size_t	 end;

	*line = NULL;
	*len = 0;
	if (lr->scanned < lr->in.len)
		nl = memchr(data + lr->scanned, '\n',
		    lr->in.len - lr->scanned);
	if (nl != NULL) {
		end = (size_t)(nl - data);
		lr->scanned = end;
		if (end - lr->start > lr->max_line)
			return LINE_TOOLONG;
		*nl = '\0';
		*line = data + lr->start;
		*len = end - lr->start;
		lr->start = lr->scanned = end + 1;
		return LINE_OK;
	}
	lr->scanned = lr->in.len;
	if (lr->in.len - lr->start > lr->max_line)
		return LINE_TOOLONG;
	if (lr->eof)
		return LINE_EOF;
	return LINE_AGAIN;
}

int
linereader_take_fd(struct linereader *lr)
{
	int	 fd;

	if (lr->nfds == 0)
		return -1;
	fd = lr->fds[0];
	lr->nfds--;
	memmove(lr->fds, lr->fds + 1, lr->nfds * sizeof(lr->fds[0]));
	return fd;
}

void
linereader_drop_fds(struct linereader *lr)
{
	size_t	 i;

	for (i = 0; i < lr->nfds; i++)
		(void)close(lr->fds[i]);
	lr->nfds = 0;
}
