/* Linux: peer credentials from SO_PEERCRED and SO_PEERGROUPS. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/inotify.h>
#include <sys/random.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "osdep.h"

int
osdep_peer_cred(int fd, struct peer_cred *pc)
{
	struct ucred	uc;
	socklen_t	len = sizeof(uc);

	memset(pc, 0, sizeof(*pc));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	if (len != sizeof(uc) || uc.pid <= 0) {
		/* No credentials were recorded (e.g. socketpair quirks). */
		errno = EPERM;
		return -1;
	}
	pc->uid = uc.uid;
	pc->gid = uc.gid;
	pc->pid = uc.pid;
#if defined(HAVE_DECL_SO_PEERGROUPS) && HAVE_DECL_SO_PEERGROUPS
	len = sizeof(pc->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, pc->groups, &len) == -1) {
		/* More groups than we hold: refuse rather than guess. */
		return -1;
	}
	pc->ngroups = len / sizeof(gid_t);
#endif
	return 0;
}

int
osdep_watch_file(const char *path)
{
	int	fd;

	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return -1;
	if (inotify_add_watch(fd, path, IN_MODIFY | IN_ATTRIB |
	    IN_CLOSE_WRITE) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

void
osdep_watch_drain(int fd)
{
	char	buf[4096] __attribute__((__aligned__(8)));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

uint32_t
osdep_random32(void)
{
	uint32_t	v;

	/* Never blocks once the pool is ready; 0 lets jansson decide. */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

int
osdep_random_buf(void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
