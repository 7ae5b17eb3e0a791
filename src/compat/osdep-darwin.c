/* macOS: peer credentials from LOCAL_PEERCRED and LOCAL_PEERPID. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/ucred.h>
#include <sys/un.h>
#include <sys/event.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "osdep.h"

int
osdep_peer_cred(int fd, struct peer_cred *pc)
{
	struct xucred	xu;
	socklen_t	len = sizeof(xu);
	pid_t		pid;
	int		i;

	memset(pc, 0, sizeof(*pc));
	if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERCRED, &xu, &len) == -1)
		return -1;
	if (len != sizeof(xu) || xu.cr_version != XUCRED_VERSION ||
	    xu.cr_ngroups < 1) {
		errno = EPERM;
		return -1;
	}
	pc->uid = xu.cr_uid;
	pc->gid = xu.cr_groups[0];
	for (i = 1; i < xu.cr_ngroups && pc->ngroups < OSDEP_MAX_GROUPS; i++)
		pc->groups[pc->ngroups++] = xu.cr_groups[i];
	len = sizeof(pid);
	if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &len) == -1)
		pid = -1;
	pc->pid = pid;
	return 0;
}

int
osdep_watch_file(const char *path)
{
	struct kevent	ev;
	int		kq, fd;

	if ((fd = open(path, O_EVTONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((kq = kqueue()) == -1) {
		close(fd);
		return -1;
	}
	/* The vnode descriptor stays open for the life of the process. */
	EV_SET(&ev, fd, EVFILT_VNODE, EV_ADD | EV_CLEAR,
	    NOTE_WRITE | NOTE_ATTRIB | NOTE_EXTEND, 0, NULL);
	if (kevent(kq, &ev, 1, NULL, 0, NULL) == -1 ||
	    fcntl(kq, F_SETFD, FD_CLOEXEC) == -1) {
		close(kq);
		close(fd);
		return -1;
	}
	return kq;
}

void
osdep_watch_drain(int kq)
{
	struct kevent		ev;
	struct timespec		zero = { 0, 0 };

	while (kevent(kq, NULL, 0, &ev, 1, &zero) > 0)
		;
}

uint32_t
osdep_random32(void)
{
	return arc4random();
}

int
osdep_random_buf(void *buf, size_t len)
{
	arc4random_buf(buf, len);
	return 0;
}
