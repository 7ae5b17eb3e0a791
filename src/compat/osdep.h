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
#include <stdint.h>

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

/*
 * A descriptor that becomes readable when the file at path is written
 * (inotify on Linux, kqueue on macOS).  Returns it (close-on-exec,
 * non-blocking), or -1 where the platform has no such thing: callers
 * then fall back to a timer.
 */
int	 osdep_watch_file(const char *path);
/* Consume the pending events so the descriptor can signal again. */
void	 osdep_watch_drain(int fd);

/*
 * 32 random bits from the kernel without opening a file (getrandom on
 * Linux, arc4random on macOS), for seeding jansson's hash tables
 * (json_object_seed).  Returns 0 where the platform cannot say: jansson
 * then seeds itself from /dev/urandom.
 */
uint32_t osdep_random32(void);
/*
 * len bytes from the kernel's random generator, for secrets (the
 * owner's reply codes): getrandom on Linux (blocking only until the
 * pool is first ready), arc4random_buf on macOS.  Returns 0, or -1
 * where the platform has none (its callers then make no secret).
 */
int	 osdep_random_buf(void *buf, size_t len);

#endif /* CARAPACE_OSDEP_H */
