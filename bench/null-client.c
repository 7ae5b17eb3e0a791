/*
 * The benchmark floor's client: connects to $CARAPACE_SOCKET (default
 * /run/carapace/gateway.sock), writes one request line (argv[1], or a
 * gateway.ping request), copies one answer line to stdout and exits 0
 * if a whole line came back.  Plain libc and nothing else.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NULL_CLIENT_DEFAULT_SOCKET	"/run/carapace/gateway.sock"
#define NULL_CLIENT_MAX_LINE		65536

static const char ping[] =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"gateway.ping\"}";

static int	write_all(int, const char *, size_t);

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
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	static char		 line[NULL_CLIENT_MAX_LINE];
	const char		*path, *request;
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd, r;

	if (argc > 2) {
		fprintf(stderr, "usage: null-client [request-line]\n");
		return 2;
	}
	request = argc == 2 ? argv[1] : ping;
	if ((path = getenv("CARAPACE_SOCKET")) == NULL || *path == '\0')
		path = NULL_CLIENT_DEFAULT_SOCKET;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	r = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (r < 0 || (size_t)r >= sizeof(sun.sun_path)) {
		fprintf(stderr, "null-client: socket path too long\n");
		return 1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "null-client: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (write_all(fd, request, strlen(request)) == -1 ||
	    write_all(fd, "\n", 1) == -1) {
		fprintf(stderr, "null-client: write: %s\n", strerror(errno));
		return 1;
	}
	while (len < sizeof(line)) {
		n = read(fd, line + len, sizeof(line) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(line, '\n', len) != NULL)
			break;
	}
	if (len == 0 || memchr(line, '\n', len) == NULL) {
		fprintf(stderr, "null-client: no answer line\n");
		return 1;
	}
	len = (size_t)((char *)memchr(line, '\n', len) - line) + 1;
	if (write_all(STDOUT_FILENO, line, len) == -1)
		return 1;
	return 0;
}
