/* macOS: peer credentials from LOCAL_PEERCRED and LOCAL_PEERPID. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/ucred.h>
#include <sys/un.h>

#include <errno.h>
#include <string.h>

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
