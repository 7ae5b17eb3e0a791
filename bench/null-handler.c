/*
 * The benchmark floor's handler: it does nothing but what every
 * handler must.  It takes its connection the way carapace-handler does
 * (LISTEN_FDS=1 with LISTEN_PID ours: fd 3; otherwise inetd style: fd 0),
 * reads one request line, answers with an empty JSON-RPC result and
 * exits.  Plain libc and nothing else, so what it costs is the
 * activator, process start and one round trip.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NULL_HANDLER_MAX_LINE	65536

static const char reply[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n";

static int	connection_fd(void);
static int	read_line(int);
static int	write_all(int, const char *, size_t);

/* fd 3 if the activator's LISTEN_* variables are meant for us, else 0. */
static int
connection_fd(void)
{
	const char	*fds, *pid;
	char		 mine[32];

	fds = getenv("LISTEN_FDS");
	pid = getenv("LISTEN_PID");
	if (fds == NULL || strcmp(fds, "1") != 0 || pid == NULL)
		return STDIN_FILENO;
	(void)snprintf(mine, sizeof(mine), "%ld", (long)getpid());
	return strcmp(pid, mine) == 0 ? 3 : STDIN_FILENO;
}

/* Reads up to and including the first newline; 0 if one came. */
static int
read_line(int fd)
{
	char	 buf[4096];
	size_t	 total = 0;
	ssize_t	 n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (memchr(buf, '\n', (size_t)n) != NULL)
			return 0;
		total += (size_t)n;
		if (total > NULL_HANDLER_MAX_LINE)
			return -1;
	}
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
main(void)
{
	int	 fd;

	fd = connection_fd();
	if (read_line(fd) == -1)
		return 1;
	if (write_all(fd, reply, sizeof(reply) - 1) == -1)
		return 1;
	return 0;
}
