/*
 * Taking the connection from the activator and deciding who is on the
 * other end.  Identity comes only from the kernel (osdep_peer_cred); the
 * request never names its sender.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "handler.h"
#include "util.h"

#define SD_LISTEN_FDS_START	3

/*
 * systemd's LISTEN_FDS convention: the variables are ours only if
 * LISTEN_PID names this process.  Unset them so nothing we spawn sees
 * them.
 */
static int
listen_fds_mine(void)
{
	const char	*pid, *fds, *errstr;
	long long	 p, n;

	pid = getenv("LISTEN_PID");
	fds = getenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (pid == NULL || fds == NULL)
		return 0;
	p = strtonum(pid, 1, INT32_MAX, &errstr);
	if (errstr != NULL || (pid_t)p != getpid())
		return 0;
	n = strtonum(fds, 0, 1024, &errstr);
	if (errstr != NULL)
		return -1;
	return (int)n;
}

static int
is_connected_unix_stream(int fd)
{
	struct stat		 st;
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 type;

	if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		return 0;
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_STREAM)
		return 0;
	len = sizeof(sun);
	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
	    sun.sun_family != AF_UNIX)
		return 0;
	len = sizeof(sun);
	if (getpeername(fd, (struct sockaddr *)&sun, &len) == -1)
		return 0;
	return 1;
}

static int
same_file(int a, int b)
{
	struct stat	sa, sb;

	if (fstat(a, &sa) == -1 || fstat(b, &sb) == -1)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
peer_connection(const char **cause)
{
	int	n, src, fd, null;

	n = listen_fds_mine();
	if (n < 0 || n > 1) {
		*cause = "expected exactly one socket from the activator";
		return -1;
	}
	src = n == 1 ? SD_LISTEN_FDS_START : STDIN_FILENO;
	if (!is_connected_unix_stream(src)) {
		*cause = "not started with a connected AF_UNIX stream socket";
		return -1;
	}
	if ((fd = fcntl(src, F_DUPFD_CLOEXEC, SD_LISTEN_FDS_START + 1)) == -1) {
		*cause = "cannot move the connection";
		return -1;
	}
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		*cause = "cannot open /dev/null";
		close(fd);
		return -1;
	}
	if (src != STDIN_FILENO)
		(void)close(src);
	/* Inetd style puts the socket on 0 and 1 (launchd: 2 as well). */
	(void)dup2(null, STDIN_FILENO);
	(void)dup2(null, STDOUT_FILENO);
	if (same_file(STDERR_FILENO, fd))
		(void)dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
	return fd;
}

/* A decimal id, or the name looked up; -1 if neither. */
static long long
resolve_id(const char *s, int group)
{
	const char	*errstr;
	long long	 id;
	struct passwd	*pw;
	struct group	*gr;

	id = strtonum(s, 0, UINT32_MAX - 1, &errstr);
	if (errstr == NULL)
		return id;
	if (group) {
		if ((gr = getgrnam(s)) == NULL)
			return -1;
		return gr->gr_gid;
	}
	if ((pw = getpwnam(s)) == NULL)
		return -1;
	return pw->pw_uid;
}

static int
peer_in_group(const struct peer_cred *pc, gid_t gid)
{
	size_t	i;

	if (pc->gid == gid)
		return 1;
	for (i = 0; i < pc->ngroups; i++)
		if (pc->groups[i] == gid)
			return 1;
	return 0;
}

const struct client *
peer_match(const struct config *cfg, const struct peer_cred *pc)
{
	const struct client	*c;
	size_t			 i, j;
	long long		 id;

	for (i = 0; i < cfg->nclients; i++) {
		c = &cfg->clients[i];
		for (j = 0; j < c->users.count; j++) {
			id = resolve_id(c->users.items[j], 0);
			if (id >= 0 && (uid_t)id == pc->uid)
				return c;
		}
		for (j = 0; j < c->groups.count; j++) {
			id = resolve_id(c->groups.items[j], 1);
			if (id >= 0 && peer_in_group(pc, (gid_t)id))
				return c;
		}
	}
	return NULL;
}
