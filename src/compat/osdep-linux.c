/* Linux: peer credentials from SO_PEERCRED and SO_PEERGROUPS. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

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
