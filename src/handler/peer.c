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

/*
 * The peer's names, looked up once and only when a name in clients
 * needs them: the user's name for its uid, each group's name for its
 * gid.  Looking up every name in clients instead costs a scan of the
 * user or group database per entry, on every connection.
 */
struct peer_names {
	const struct peer_cred	*pc;
	int			 user_done;
	char			*user;		/* NULL: no name */
	int			 groups_done;
	char			**groups;	/* [ngroups + 1]; NULL: none */
};

/* A decimal id: 1 with *id set; 0 for a name. */
static int
numeric_id(const char *s, long long *id)
{
	const char	*errstr;

	*id = strtonum(s, 0, UINT32_MAX - 1, &errstr);
	return errstr == NULL;
}

static const char *
peer_user_name(struct peer_names *n)
{
	struct passwd	*pw;

	if (!n->user_done) {
		n->user_done = 1;
		if ((pw = getpwuid(n->pc->uid)) != NULL &&
		    pw->pw_name != NULL)
			n->user = strdup(pw->pw_name);
	}
	return n->user;
}

/* The name of the peer's i-th group (0: its primary), or NULL. */
static const char *
peer_group_name(struct peer_names *n, size_t i)
{
	struct group	*gr;
	size_t		 j;
	gid_t		 gid;

	if (!n->groups_done) {
		n->groups_done = 1;
		n->groups = calloc(n->pc->ngroups + 1, sizeof(*n->groups));
		for (j = 0; n->groups != NULL && j <= n->pc->ngroups; j++) {
			gid = j == 0 ? n->pc->gid : n->pc->groups[j - 1];
			if ((gr = getgrgid(gid)) != NULL && gr->gr_name != NULL)
				n->groups[j] = strdup(gr->gr_name);
		}
	}
	return n->groups != NULL ? n->groups[i] : NULL;
}

static void
peer_names_free(struct peer_names *n)
{
	size_t	i;

	free(n->user);
	if (n->groups != NULL)
		for (i = 0; i <= n->pc->ngroups; i++)
			free(n->groups[i]);
	free(n->groups);
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

static int
peer_has_group_name(struct peer_names *n, const char *name)
{
	const char	*g;
	size_t		 i;

	for (i = 0; i <= n->pc->ngroups; i++)
		if ((g = peer_group_name(n, i)) != NULL &&
		    strcmp(g, name) == 0)
			return 1;
	return 0;
}

/*
 * A name matches by the peer's own name, never by looking the
 * configured name up: a user with two names in the database (an
 * alias of the same uid) matches only by the first, which is refused,
 * not wrongly admitted.
 */
const struct client *
peer_match(const struct config *cfg, const struct peer_cred *pc)
{
	const struct client	*c, *found = NULL;
	struct peer_names	 names;
	const char		*name;
	size_t			 i, j;
	long long		 id;

	memset(&names, 0, sizeof(names));
	names.pc = pc;
	for (i = 0; found == NULL && i < cfg->nclients; i++) {
		c = &cfg->clients[i];
		for (j = 0; found == NULL && j < c->users.count; j++) {
			name = c->users.items[j];
			if (numeric_id(name, &id) ? (uid_t)id == pc->uid :
			    (peer_user_name(&names) != NULL &&
			    strcmp(peer_user_name(&names), name) == 0))
				found = c;
		}
		for (j = 0; found == NULL && j < c->groups.count; j++) {
			name = c->groups.items[j];
			if (numeric_id(name, &id) ?
			    peer_in_group(pc, (gid_t)id) :
			    peer_has_group_name(&names, name))
				found = c;
		}
	}
	peer_names_free(&names);
	return found;
}
