/*
 * libFuzzer target for the handler's input path: the bytes a client
 * sends go through the line reader over a real stream socket, and each
 * line through rpc_decode and the handler's own dispatch step (request
 * shape, method table, channel authorisation, params), as handle_line()
 * does, then the answer is encoded and written out.  The session's
 * client may use every channel but signal, and gmail is not configured,
 * so every refusal of dispatch is reachable.
 *
 * The first input byte shapes the session: the line limit (small limits
 * reach LINE_TOOLONG with short inputs), the size of the first pieces
 * the client writes (after SMALL_PIECES of them the rest goes in one
 * write, which keeps each run short), and whether a descriptor travels
 * with the first piece.  Every run checks that it leaves no descriptor
 * open.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "channel.h"
#include "conf.h"
#include "handler.h"
#include "protocol.h"
#include "rpc.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 check_request(json_t *, json_t *);
static void	 handle_line(const char *, size_t, int);
static int	 send_piece(int, const uint8_t *, size_t, int);
static int	 lowest_free_fd(void);

static const size_t line_limits[] = { 1, 16, 64, 256, 4096, 16384 };
static const size_t piece_sizes[] = { 1, 3, 7, 64, 512, 65536 };
#define SMALL_PIECES	8
#define LARGEST_PIECE	65536	/* below a socket buffer: never blocks */

static struct config	 cfg;
static char		 client_name[] = "fuzz";
static struct client	 client = { .name = client_name };
static struct call_env	 env = { .cfg = &cfg, .client = &client };

/* A configuration in memory: no file, no tool is ever run. */
static void
setup(void)
{
	size_t	 id;

	for (id = 0; id < channel_count; id++) {
		cfg.channels[id].id = (int)id;
		cfg.channels[id].driver = channel_drivers[id];
		cfg.channels[id].configured =
		    strcmp(channel_drivers[id]->name, "gmail") != 0;
		if (strcmp(channel_drivers[id]->name, "signal") != 0)
			client.channels |= 1U << id;
	}
}

/* The handler's dispatch; the answer goes on out, nothing is run. */
static void
check_request(json_t *v, json_t *out)
{
	struct call	 c;
	struct dispatch	 d;
	json_t		*resp;

	memset(&c, 0, sizeof(c));
	c.env = &env;
	if (dispatch(&c, v, &d) == 0) {
		if (d.method == NULL || d.method->fn == NULL ||
		    ((d.method->flags & METHOD_CHANNEL) && d.channel == NULL) ||
		    !json_is_object(c.params))
			abort();
		c.result = json_object();
	} else if (c.code == 0 || c.message[0] == '\0')
		abort();	/* a refusal always says why */
	if ((resp = call_response(&c)) == NULL)
		abort();
	if (json_array_append_new(out, resp) == -1)
		abort();
	call_clear(&c);
	dispatch_clear(&d);
}

static void
handle_line(const char *line, size_t len, int sink)
{
	json_t	*v, *out;
	char	 msg[RPC_MSG_MAX];
	size_t	 i;
	int	 code;

	if ((out = json_array()) == NULL)
		abort();
	v = rpc_decode(line, len, RPC_MAX_DEPTH, &code, msg, sizeof(msg));
	if (v == NULL) {
		/* The contract: a parse error (or no memory), with a message. */
		if ((code != RPC_PARSE_ERROR && code != RPC_INTERNAL_ERROR) ||
		    msg[0] == '\0')
			abort();
		if (json_array_append_new(out, rpc_error(NULL, code, msg,
		    NULL)) == -1)
			abort();
	} else if (!json_is_array(v))
		check_request(v, out);
	else if (json_array_size(v) > 0 && json_array_size(v) <= RPC_MAX_BATCH)
		for (i = 0; i < json_array_size(v); i++)
			check_request(json_array_get(v, i), out);
	if (rpc_write(sink, out) == -1)
		abort();
	json_decref(out);
	json_decref(v);
}

/* Write one piece, with fd attached when it is not -1. */
static int
send_piece(int s, const uint8_t *p, size_t len, int fd)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 control;
	struct msghdr	 m;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	memset(&m, 0, sizeof(m));
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (fd != -1) {
		memset(&control, 0, sizeof(control));
		m.msg_control = control.buf;
		m.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&m);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(s, &m, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int
lowest_free_fd(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	(void)close(fd);
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 sink = -1;
	struct linereader	 lr;
	char			*line;
	size_t			 len, off, piece, max_line, pieces = 0;
	int			 sv[2], r, pass_fd, flags, closed = 0;
	int			 baseline;

	if (size == 0)
		return 0;
	if (sink == -1)
		setup();
	if (sink == -1 &&
	    (sink = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		abort();
	/* Per run: the sanitizers may open descriptors between runs. */
	baseline = lowest_free_fd();
	max_line = line_limits[(data[0] & 0x07) % (sizeof(line_limits) /
	    sizeof(line_limits[0]))];
	piece = piece_sizes[((data[0] >> 3) & 0x07) % (sizeof(piece_sizes) /
	    sizeof(piece_sizes[0]))];
	pass_fd = (data[0] & 0x40) != 0;
	data++;
	size--;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	if ((flags = fcntl(sv[1], F_GETFL)) == -1 ||
	    fcntl(sv[1], F_SETFL, flags | O_NONBLOCK) == -1)
		abort();
	linereader_init(&lr, sv[1], max_line);

	/* Write a piece, then take every line it completed, as a session. */
	for (off = 0;;) {
		if (off < size) {
			len = size - off;
			if (pieces++ < SMALL_PIECES && len > piece)
				len = piece;
			if (len > LARGEST_PIECE)
				len = LARGEST_PIECE;
			if (send_piece(sv[0], data + off, len,
			    pass_fd && off == 0 ? sink : -1) == -1)
				abort();
			off += len;
		} else if (!closed) {
			(void)shutdown(sv[0], SHUT_WR);
			closed = 1;
		}
		while ((r = linereader_next(&lr, &line, &len)) == LINE_OK) {
			if (len > max_line || line[len] != '\0')
				abort();
			handle_line(line, len, sink);
			linereader_drop_fds(&lr);
		}
		if (r != LINE_AGAIN)
			break;		/* EOF, or too long: the session ends */
		r = linereader_fill(&lr);
		if (r == LINE_EOF || r == LINE_TOOMANYFDS)
			break;
		if (r == LINE_ERROR && errno != EAGAIN && errno != EINTR)
			abort();
		if (r == LINE_ERROR && closed)
			abort();	/* nothing left to wait for */
	}
	linereader_free(&lr);
	(void)close(sv[0]);
	(void)close(sv[1]);
	if (lowest_free_fd() != baseline)
		abort();		/* a descriptor leaked */
	return 0;
}
