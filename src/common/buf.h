/*
 * Bounded byte buffers and a line reader for stream sockets.  Nothing
 * here grows past the maximum it was given: a peer that sends more gets
 * an error, never an allocation it chose.
 */
#ifndef CARAPACE_BUF_H
#define CARAPACE_BUF_H

#include <stddef.h>

struct buf {
	char		*data;
	size_t		 len;		/* bytes in use */
	size_t		 cap;		/* bytes allocated */
	size_t		 max;		/* never grow beyond this */
};

/* Initialise an empty buffer that may grow to max bytes. */
void	 buf_init(struct buf *, size_t max);
void	 buf_free(struct buf *);
/* Append; returns 0, or -1 with errno ENOBUFS past max, ENOMEM. */
int	 buf_append(struct buf *, const void *, size_t);
/* Append a formatted string; same returns as buf_append. */
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
/* Drop the first n bytes. */
void	 buf_consume(struct buf *, size_t n);
/* Make data a NUL-terminated string (not counted in len); 0 or -1. */
int	 buf_cstr(struct buf *);

#define LINEREADER_MAX_FDS	8

/*
 * Reads newline-terminated lines from a stream socket (or any fd),
 * collecting descriptors passed with SCM_RIGHTS in arrival order.
 */
struct linereader {
	int		 fd;
	size_t		 max_line;	/* longest line, newline excluded */
	struct buf	 in;
	size_t		 start;		/* first byte of in not yet returned */
	size_t		 scanned;	/* in[start, scanned) holds no '\n' */
	int		 eof;
	int		 fds[LINEREADER_MAX_FDS];
	size_t		 nfds;
};

#define LINE_OK		1	/* a line is returned */
#define LINE_AGAIN	0	/* need more input (call linereader_fill) */
#define LINE_EOF	-1	/* peer closed; a partial line is discarded */
#define LINE_TOOLONG	-2	/* line exceeded max_line */
#define LINE_ERROR	-3	/* read error, errno set */
#define LINE_TOOMANYFDS	-4	/* more descriptors than the reader holds */

void	 linereader_init(struct linereader *, int fd, size_t max_line);
/* Closes queued descriptors and frees the buffer (not the fd). */
void	 linereader_free(struct linereader *);
/*
 * Read once from the fd (blocking unless the fd is non-blocking).
 * Returns LINE_AGAIN after reading something, LINE_EOF, LINE_ERROR
 * (EAGAIN/EINTR included; check errno) or LINE_TOOMANYFDS.
 */
int	 linereader_fill(struct linereader *);
/*
 * Return the next complete line without its newline, NUL-terminated,
 * in *line / *len (valid until the next linereader_next or
 * linereader_fill).  A line may contain NUL bytes: use *len.  Returns
 * LINE_OK, LINE_AGAIN, LINE_EOF (after the last line once the peer
 * closed; an unterminated last line is discarded) or LINE_TOOLONG.
 */
int	 linereader_next(struct linereader *, char **line, size_t *len);
/* Take the oldest queued descriptor (-1 if none); caller owns it. */
int	 linereader_take_fd(struct linereader *);
/* Close every queued descriptor. */
void	 linereader_drop_fds(struct linereader *);

#endif /* CARAPACE_BUF_H */
