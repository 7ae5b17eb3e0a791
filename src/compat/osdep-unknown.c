/*
 * Platforms without a known way to ask the kernel who the peer is.
 * Unlike the usual fallback (answer with our own uid), this refuses:
 * no credentials, no service.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "compat.h"
#include "osdep.h"

int
osdep_peer_cred(int fd, struct peer_cred *pc)
{
	(void)fd;
	memset(pc, 0, sizeof(*pc));
	errno = ENOTSUP;
	return -1;
}

int
osdep_watch_file(const char *path)
{
	(void)path;
	return -1;
}

void
osdep_watch_drain(int fd)
{
	(void)fd;
}

uint32_t
osdep_random32(void)
{
	return 0;
}

int
osdep_random_buf(void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return -1;
}
