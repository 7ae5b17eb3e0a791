/*
 * A client for line-delimited JSON over a Unix stream socket: the
 * shims talking to the gateway, the handler and the watcher talking to
 * the signal-cli daemon.  Connect without blocking, send one line (with
 * descriptors by SCM_RIGHTS if asked), read bounded lines back; every
 * step ends at the connection's deadline or when its cancel descriptor
 * becomes readable, so a peer that stops reading or answering can
 * stall nothing.  The client moves bytes: what the lines mean is the
 * caller's.
 */
#ifndef CARAPACE_JSONL_CLIENT_H
#define CARAPACE_JSONL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Results; the shims' SHIM_E_* codes have the same values. */
#define JSONL_OK		0
#define JSONL_E_UNAVAILABLE	-1	/* cannot connect */
#define JSONL_E_IO		-2	/* read/write failed mid-call */
#define JSONL_E_TIMEOUT		-3	/* deadline passed */
#define JSONL_E_TOOLONG		-4	/* line over max_line */
#define JSONL_E_CLOSED		-5	/* peer closed the connection */
#define JSONL_E_PROTOCOL	-6	/* descriptors the reader cannot hold */
#define JSONL_E_INTERNAL	-7	/* bad arguments, out of memory */
#define JSONL_E_CANCELLED	-8	/* cancel_fd became readable */

/* Descriptors one jsonl_send() may pass. */
#define JSONL_MAX_FDS		8

/*
 * One connection.  Callers may move deadline (DEADLINE_NONE: wait for
 * ever, as a subscribed stream does), set cancel_fd, and poll fd and
 * fill lr themselves in their own event loop.
 */
struct jsonl_conn {
	int			 fd;		/* -1 when closed */
	const char		*peer;		/* "gateway": for messages */
	const char		*path;		/* borrowed, for messages */
	uint64_t		 timeout_ms;	/* budget, for messages */
	uint64_t		 deadline;	/* deadline.h instant, or none */
	int			 cancel_fd;	/* readable: stop; or -1 */
	size_t			 max_line;	/* newline excluded */
	int			 errnum;	/* errno behind the last error */
	struct linereader	 lr;
};

/*
 * Connect to the Unix socket at path (borrowed; kept for messages),
 * non-blocking and close-on-exec.  The connection's deadline is
 * timeout_ms (> 0) from now; it bounds the connect and every later
 * call until the caller moves it.  peer names the other end in
 * messages ("gateway": "gateway unavailable at PATH: Connection
 * refused").  Lines longer than max_line (> 0) are refused.
 *
 * Returns JSONL_OK, or JSONL_E_UNAVAILABLE, JSONL_E_TIMEOUT or
 * JSONL_E_INTERNAL with err set to one line and conn->errnum to the
 * errno; on failure there is nothing to close.
 */
int	 jsonl_connect(struct jsonl_conn *, const char *peer,
	    const char *path, uint64_t timeout_ms, size_t max_line,
	    char *err, size_t errlen);

/*
 * Send len bytes of line and a newline.  line must not hold a newline
 * of its own (JSONL_E_INTERNAL): one call, one line.  The npass
 * descriptors (at most JSONL_MAX_FDS) travel with SCM_RIGHTS on the
 * sendmsg that carries the first byte.  Returns JSONL_OK,
 * JSONL_E_TIMEOUT, JSONL_E_CANCELLED, JSONL_E_CLOSED (the peer closed
 * before taking the whole line: EPIPE or ECONNRESET in conn->errnum;
 * an answer it wrote first can still be read), JSONL_E_IO (conn->errnum
 * says why) or JSONL_E_INTERNAL, with err set.
 */
int	 jsonl_send(struct jsonl_conn *, const char *line, size_t len,
	    const int *pass_fds, size_t npass, char *err, size_t errlen);

/*
 * The next line from the peer, before the deadline and until cancel_fd
 * is readable.  On JSONL_OK *line is the line without its newline,
 * NUL-terminated, valid until the next call (it may hold NUL bytes:
 * use *len).  Otherwise JSONL_E_TIMEOUT, JSONL_E_TOOLONG,
 * JSONL_E_CLOSED (a partial last line is dropped), JSONL_E_IO,
 * JSONL_E_PROTOCOL (more descriptors than the reader holds),
 * JSONL_E_CANCELLED or JSONL_E_INTERNAL, with err set.
 */
int	 jsonl_read_line(struct jsonl_conn *, char **line, size_t *len,
	    char *err, size_t errlen);

/* Close the socket and free the reader; harmless when closed. */
void	 jsonl_close(struct jsonl_conn *);

/*
 * Hand the socket to a caller that reads it in its own loop: free the
 * reader (bytes it buffered are lost, so release before reading) and
 * return the descriptor, still non-blocking; conn is then closed.
 * Returns -1 when conn was not open.
 */
int	 jsonl_release(struct jsonl_conn *);

#endif /* CARAPACE_JSONL_CLIENT_H */
