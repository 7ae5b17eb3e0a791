/*
 * rawclient: a test client that writes arbitrary bytes to the gateway
 * socket, as a compromised agent would, and prints what comes back.
 *
 *	rawclient [-f file] [-n] [-w ms] socket < bytes
 *
 * -f passes an open descriptor for file with the first byte (SCM_RIGHTS).
 * -n does not half-close after writing (the handler then sees no EOF).
 * -w waits this long for the answer (default 10000 ms).
 * Exit status: 0 after the peer closed or the wait ended, 2 on errors.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"

static void
die(const char *what)
{
	(void)fprintf(stderr, "rawclient: %s: %s\n", what, strerror(errno));
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct msghdr		 msg;
	struct cmsghdr		*cmsg;
	struct iovec		 iov;
	struct pollfd		 pfd;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} control;
	static char		 in[1 << 16], out[1 << 16];
	const char		*file = NULL, *errstr;
	ssize_t			 n, w;
	size_t			 off;
	int			 ch, s, fd = -1, nohalf = 0, first = 1;
	int			 wait_ms = 10000;

	while ((ch = getopt(argc, argv, "f:nw:")) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			nohalf = 1;
			break;
		case 'w':
			wait_ms = (int)strtonum(optarg, 0, 600000, &errstr);
			if (errstr != NULL)
				exit(2);
			break;
		default:
			exit(2);
		}
	}
	if (optind + 1 != argc) {
		(void)fprintf(stderr, "usage: rawclient [-f file] [-n] "
		    "[-w ms] socket\n");
		exit(2);
	}
	if (file != NULL && (fd = open(file, O_RDONLY)) == -1)
		die(file);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		die("socket");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, argv[optind], sizeof(sun.sun_path));
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die("connect");
	while ((n = read(STDIN_FILENO, in, sizeof(in))) > 0) {
		for (off = 0; off < (size_t)n; off += (size_t)w) {
			memset(&msg, 0, sizeof(msg));
			iov.iov_base = in + off;
			iov.iov_len = (size_t)n - off;
			msg.msg_iov = &iov;
			msg.msg_iovlen = 1;
			if (first && fd != -1) {
				memset(&control, 0, sizeof(control));
				msg.msg_control = control.buf;
				msg.msg_controllen = sizeof(control.buf);
				cmsg = CMSG_FIRSTHDR(&msg);
				cmsg->cmsg_level = SOL_SOCKET;
				cmsg->cmsg_type = SCM_RIGHTS;
				cmsg->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
			}
			first = 0;
			if ((w = sendmsg(s, &msg, MSG_NOSIGNAL)) == -1) {
				if (errno == EPIPE || errno == ECONNRESET)
					goto drain;
				die("sendmsg");
			}
		}
	}
	if (!nohalf)
		(void)shutdown(s, SHUT_WR);
drain:
	pfd.fd = s;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, wait_ms) > 0) {
		if ((n = read(s, out, sizeof(out))) <= 0)
			break;
		if (write(STDOUT_FILENO, out, (size_t)n) != n)
			die("write");
	}
	return 0;
}
