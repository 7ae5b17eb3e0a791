/*
 * Operating-system dependent pieces, one implementation per platform
 * (osdep-linux.c, osdep-darwin.c, osdep-unknown.c).  Every function
 * fails closed: where the platform cannot tell, the answer is an error,
 * never a guess.
 */
#ifndef CARAPACE_OSDEP_H
#define CARAPACE_OSDEP_H

#include <sys/types.h>
#include <stddef.h>

#define OSDEP_MAX_GROUPS	64

struct peer_cred {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;		/* -1 where the platform cannot tell */
	gid_t		 groups[OSDEP_MAX_GROUPS];
	size_t		 ngroups;	/* supplementary groups, from the kernel
					   where it can say */
};

/*
 * Credentials of the process at the other end of the connected
 * AF_UNIX socket fd, as the kernel recorded them.  Returns 0, or -1
 * with errno set: the caller must refuse the peer.
 */
int	 osdep_peer_cred(int fd, struct peer_cred *);

#endif /* CARAPACE_OSDEP_H */
