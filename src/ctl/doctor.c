/*
 * carapacectl doctor: is this installation one that can work?  It
 * checks, in order: the configuration; the gateway account; every
 * file the configuration names (tools, daemon sockets, token files,
 * data) for existence, ownership and mode; the state directory; the
 * gateway socket and who can reach it; each client's account and its
 * membership of the client group now; each channel's tool, probed as
 * the gateway account; the watchers; and the service manager's view
 * (doctor-<system>.c).  Every check prints one line, and a failure
 * the command or setting that mends it.  Exit 0 only when none fails.
 *
 * It only reads: nothing is created, started or changed, and the
 * probes ask the tools nothing that sends or marks anything.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "channel.h"
#include "doctor.h"
#include "log.h"
#include "protocol.h"
#include "state.h"
#include "util.h"

#define DOCTOR_CLIENT_GROUP	"carapace-clients"
#define DOCTOR_MAX_FILES	8
#define DOCTOR_ANSWER_MAX	256

/* "0640" for a mode. */
static const char *
mode_str(mode_t m, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%04o", (unsigned int)(m & 07777));
	return buf;
}

/*
 * A tool the gateway runs: a regular executable that nobody but root
 * and the gateway account can change (whoever can replace it runs
 * with the account's credentials).
 */
static void
check_tool(struct doctor *d, const struct doctor_site *site,
    const char *chname, const char *path)
{
	struct stat	 sb;
	char		 check[64], fix[PATH_MAX + 64], m[8];

	(void)snprintf(check, sizeof(check), "%s tool", chname);
	if (stat(path, &sb) == -1) {
		(void)snprintf(fix, sizeof(fix), "install the tool at %s, or "
		    "set channels.%s.tool to where it is", path, chname);
		doctor_report(d, DOCTOR_FAIL, check, fix, "%s: %s", path,
		    strerror(errno));
		return;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 0111) == 0) {
		(void)snprintf(fix, sizeof(fix), "chmod 0755 %s", path);
		doctor_report(d, DOCTOR_FAIL, check, fix, "%s is not an "
		    "executable file", path);
		return;
	}
	if (sb.st_uid != 0 && (!site->have_gateway ||
	    sb.st_uid != site->gateway_uid)) {
		(void)snprintf(fix, sizeof(fix), "chown root %s", path);
		doctor_report(d, DOCTOR_FAIL, check, fix, "%s belongs to uid "
		    "%u: only root or %s may own what runs with the "
		    "credentials", path, (unsigned int)sb.st_uid,
		    site->gateway_user);
		return;
	}
	if (sb.st_mode & 0022) {
		(void)snprintf(fix, sizeof(fix), "chmod go-w %s", path);
		doctor_report(d, DOCTOR_FAIL, check, fix, "%s is mode %s: "
		    "others can replace it", path,
		    mode_str(sb.st_mode, m, sizeof(m)));
		return;
	}
	doctor_report(d, DOCTOR_PASS, check, NULL, "%s", path);
}

/* A file a channel's keys name (channel.h, struct channel_file). */
static void
check_channel_file(struct doctor *d, const struct doctor_site *site,
    const char *chname, const struct channel_file *f)
{
	struct stat	 sb;
	char		 check[96], fix[PATH_MAX + 96], m[8];
	int		 as_gateway = site->have_gateway &&
			    geteuid() == site->gateway_uid;

	(void)snprintf(check, sizeof(check), "%s %s", chname, f->what);
	if (stat(f->path, &sb) == -1) {
		if (f->service != NULL)
			(void)doctor_os_start_fix(f->service, fix,
			    sizeof(fix));
		else
			(void)snprintf(fix, sizeof(fix), "create %s, or set "
			    "the channels.%s key that names it", f->path,
			    chname);
		doctor_report(d, DOCTOR_FAIL, check, fix, "%s: %s", f->path,
		    strerror(errno));
		return;
	}
	switch (f->kind) {
	case CHANNEL_FILE_SOCKET:
		if (!S_ISSOCK(sb.st_mode)) {
			doctor_report(d, DOCTOR_FAIL, check, "point the key "
			    "at the daemon's socket", "%s is not a socket",
			    f->path);
			return;
		}
		break;
	case CHANNEL_FILE_SECRET:
		if (!S_ISREG(sb.st_mode)) {
			doctor_report(d, DOCTOR_FAIL, check, NULL,
			    "%s is not a regular file", f->path);
			return;
		}
		if (site->have_gateway && sb.st_uid != site->gateway_uid) {
			(void)snprintf(fix, sizeof(fix), "chown %s %s && "
			    "chmod 0600 %s", site->gateway_user, f->path,
			    f->path);
			doctor_report(d, DOCTOR_FAIL, check, fix, "%s belongs "
			    "to uid %u, not %s", f->path,
			    (unsigned int)sb.st_uid, site->gateway_user);
			return;
		}
		if (sb.st_mode & 0077) {
			(void)snprintf(fix, sizeof(fix), "chmod 0600 %s",
			    f->path);
			doctor_report(d, DOCTOR_FAIL, check, fix, "%s is mode "
			    "%s: other accounts can read the credential",
			    f->path, mode_str(sb.st_mode, m, sizeof(m)));
			return;
		}
		break;
	default:
		break;
	}
	/* Only the gateway account itself can say what it may read. */
	if (as_gateway && f->kind != CHANNEL_FILE_SOCKET &&
	    access(f->path, R_OK) == -1) {
		(void)snprintf(fix, sizeof(fix), "let %s read %s%s",
		    site->gateway_user, f->path, f->kind == CHANNEL_FILE_DATA ?
		    " (on macOS: Full Disk Access, doc/macos.md)" : "");
		doctor_report(d, DOCTOR_FAIL, check, fix, "%s: %s", f->path,
		    strerror(errno));
		return;
	}
	doctor_report(d, DOCTOR_PASS, check, NULL, "%s", f->path);
}

static void
check_files(struct doctor *d, const struct doctor_site *site)
{
	const struct channel	*ch;
	struct channel_file	 files[DOCTOR_MAX_FILES];
	size_t			 id, i, n;

	for (id = 0; id < channel_count; id++) {
		ch = &site->cfg->channels[id];
		if (!ch->configured)
			continue;
		if (ch->tool != NULL)
			check_tool(d, site, ch->driver->name, ch->tool);
		if (ch->driver->files == NULL)
			continue;
		n = ch->driver->files(ch, files, DOCTOR_MAX_FILES);
		for (i = 0; i < n; i++)
			check_channel_file(d, site, ch->driver->name,
			    &files[i]);
	}
}

/* The state directory: the gateway's alone, and an LMDB that opens. */
static void
check_state(struct doctor *d, const struct doctor_site *site)
{
	const char	*dir = site->cfg->state_dir;
	struct state	*st;
	struct stat	 sb;
	char		 fix[PATH_MAX * 2 + 64], m[8];
	int		 r;

	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		(void)snprintf(fix, sizeof(fix), "install -d -m 0700 -o %s "
		    "%s", site->gateway_user, dir);
		doctor_report(d, DOCTOR_FAIL, "state directory", fix,
		    "%s: %s", dir, errno != 0 ? strerror(errno) :
		    "not a directory");
		return;
	}
	if (site->have_gateway && sb.st_uid != site->gateway_uid) {
		(void)snprintf(fix, sizeof(fix), "chown -R %s %s",
		    site->gateway_user, dir);
		doctor_report(d, DOCTOR_FAIL, "state directory", fix,
		    "%s belongs to uid %u, not %s", dir,
		    (unsigned int)sb.st_uid, site->gateway_user);
		return;
	}
	if (sb.st_mode & 0077) {
		(void)snprintf(fix, sizeof(fix), "chmod 0700 %s", dir);
		doctor_report(d, DOCTOR_FAIL, "state directory", fix,
		    "%s is mode %s: other accounts can reach the audit "
		    "chain and the holds", dir,
		    mode_str(sb.st_mode, m, sizeof(m)));
		return;
	}
	doctor_report(d, DOCTOR_PASS, "state directory", NULL, "%s, mode %s",
	    dir, mode_str(sb.st_mode, m, sizeof(m)));

	/* No gateway has written yet: nothing more to read. */
	(void)snprintf(fix, sizeof(fix), "%s/data.mdb", dir);
	if (access(fix, F_OK) == -1)
		return;
	r = state_open(dir, site->cfg->map_size, STATE_RDONLY, &st);
	if (r != 0) {
		doctor_report(d, DOCTOR_FAIL, "state", "run carapacectl as "
		    "the gateway account, or restore the state from a "
		    "backup", "%s: %s", dir, state_strerror(r));
		return;
	}
	state_close(st);
	doctor_report(d, DOCTOR_PASS, "state", NULL, "%s opens", dir);
}

/*
 * The gateway socket: a socket whose group is the client group, which
 * that group may use and nobody else, in a directory clients can
 * traverse.
 */
static void
check_socket(struct doctor *d, const struct doctor_site *site)
{
	struct stat	 sb;
	char		 dir[PATH_MAX], fix[PATH_MAX + 128], m[8], *slash;

	if (strlcpy(dir, site->socket, sizeof(dir)) >= sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL) {
		doctor_report(d, DOCTOR_FAIL, "socket", "name the socket by "
		    "an absolute path", "%s: not an absolute path",
		    site->socket);
		return;
	}
	*slash = '\0';
	if (dir[0] == '\0')
		(void)strlcpy(dir, "/", sizeof(dir));
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		(void)doctor_os_start_fix("socket", fix, sizeof(fix));
		doctor_report(d, DOCTOR_FAIL, "socket directory", fix,
		    "%s: %s", dir, errno != 0 ? strerror(errno) :
		    "not a directory");
		return;
	}
	if (sb.st_mode & 0022) {
		(void)snprintf(fix, sizeof(fix), "chmod go-w %s", dir);
		doctor_report(d, DOCTOR_FAIL, "socket directory", fix,
		    "%s is mode %s: others can replace the socket", dir,
		    mode_str(sb.st_mode, m, sizeof(m)));
		return;
	}
	if (sb.st_uid != 0 && (!site->have_gateway ||
	    sb.st_uid != site->gateway_uid)) {
		(void)snprintf(fix, sizeof(fix), "chown %s %s",
		    site->gateway_user, dir);
		doctor_report(d, DOCTOR_FAIL, "socket directory", fix,
		    "%s belongs to uid %u: only root or %s may own it", dir,
		    (unsigned int)sb.st_uid, site->gateway_user);
		return;
	}
	if ((sb.st_mode & 0011) == 0 || ((sb.st_mode & 0001) == 0 &&
	    (!site->have_group || sb.st_gid != site->client_gid))) {
		(void)snprintf(fix, sizeof(fix), "chmod 0755 %s", dir);
		doctor_report(d, DOCTOR_FAIL, "socket directory", fix,
		    "%s is mode %s: %s cannot reach the socket", dir,
		    mode_str(sb.st_mode, m, sizeof(m)), site->client_group);
		return;
	}
	doctor_report(d, DOCTOR_PASS, "socket directory", NULL, "%s, mode %s",
	    dir, mode_str(sb.st_mode, m, sizeof(m)));

	if (stat(site->socket, &sb) == -1 || !S_ISSOCK(sb.st_mode)) {
		(void)doctor_os_start_fix("socket", fix, sizeof(fix));
		doctor_report(d, DOCTOR_FAIL, "socket", fix, "%s: %s",
		    site->socket, errno != 0 ? strerror(errno) :
		    "not a socket");
		return;
	}
	if (!site->have_group || sb.st_gid != site->client_gid) {
		doctor_report(d, DOCTOR_FAIL, "socket", "SocketGroup= the "
		    "client group in carapace.socket (launchd: the socket's "
		    "SockPathGroup)", "%s has gid %u, not %s", site->socket,
		    (unsigned int)sb.st_gid, site->client_group);
		return;
	}
	if ((sb.st_mode & 0060) != 0060 || (sb.st_mode & 0007) != 0) {
		doctor_report(d, DOCTOR_FAIL, "socket", "SocketMode=0660 in "
		    "carapace.socket (launchd: SockPathMode 432)",
		    "%s is mode %s: the client group, and only it, must be "
		    "able to connect", site->socket,
		    mode_str(sb.st_mode, m, sizeof(m)));
		return;
	}
	doctor_report(d, DOCTOR_PASS, "socket", NULL, "%s, group %s, mode %s",
	    site->socket, site->client_group,
	    mode_str(sb.st_mode, m, sizeof(m)));
}

/* Is uid (primary group gid, name user) in group now, by the database? */
static int
in_group(const char *user, gid_t primary, gid_t group)
{
	gid_t	 groups[NGROUPS_MAX + 1];
	int	 n = NGROUPS_MAX + 1, i;

	if (primary == group)
		return 1;
#ifdef __APPLE__
	if (getgrouplist(user, (int)primary, (int *)groups, &n) == -1)
		return 0;
#else
	if (getgrouplist(user, primary, groups, &n) == -1)
		return 0;
#endif
	for (i = 0; i < n; i++)
		if (groups[i] == group)
			return 1;
	return 0;
}

/* One client account: it exists and can reach the socket now. */
static void
check_client_user(struct doctor *d, const struct doctor_site *site,
    const char *client, const char *user)
{
	struct passwd	*pw;
	const char	*errstr;
	char		 check[128], fix[256], name[64];
	uid_t		 uid;
	pid_t		 pid = 0;

	(void)snprintf(check, sizeof(check), "client %s account %s", client,
	    user);
	uid = (uid_t)strtonum(user, 0, UINT32_MAX - 1, &errstr);
	pw = errstr == NULL ? getpwuid(uid) : getpwnam(user);
	if (pw == NULL) {
		(void)snprintf(fix, sizeof(fix), "create the agent's account "
		    "%s, or correct clients.%s.users", user, client);
		doctor_report(d, DOCTOR_FAIL, check, fix, "no such account");
		return;
	}
	(void)strlcpy(name, pw->pw_name, sizeof(name));
	uid = pw->pw_uid;
	if (!site->have_group) {
		doctor_report(d, DOCTOR_SKIP, check, NULL, "no group %s to "
		    "be in", site->client_group);
		return;
	}
	if (!in_group(name, pw->pw_gid, site->client_gid)) {
		doctor_report(d, DOCTOR_FAIL, check, doctor_os_join_fix(name,
		    site->client_group, fix, sizeof(fix)), "%s is not in %s: "
		    "it cannot reach the socket", name, site->client_group);
		return;
	}
	switch (doctor_os_stale_login(uid, site->client_gid, &pid)) {
	case 1:
		(void)snprintf(fix, sizeof(fix), "log %s out and in again, "
		    "or restart its agent (pid %ld)", name, (long)pid);
		doctor_report(d, DOCTOR_FAIL, check, fix, "%s is in %s, but "
		    "pid %ld of it started before and cannot reach the "
		    "socket: it needs a new login", name, site->client_group,
		    (long)pid);
		return;
	case -1:
		doctor_report(d, DOCTOR_PASS, check, NULL, "%s is in %s (new "
		    "members need a new login)", name, site->client_group);
		return;
	default:
		break;
	}
	doctor_report(d, DOCTOR_PASS, check, NULL, "%s is in %s", name,
	    site->client_group);
}

static void
check_clients(struct doctor *d, const struct doctor_site *site)
{
	const struct client	*c;
	const char		*errstr;
	char			 check[128], fix[256];
	size_t			 i, j;

	if (!site->have_group)
		doctor_report(d, DOCTOR_FAIL, "client group", "create it: "
		    "systemd-sysusers carapace.conf (macOS: dseditgroup -o "
		    "create)", "no group %s", site->client_group);
	else
		doctor_report(d, DOCTOR_PASS, "client group", NULL, "%s, gid "
		    "%u", site->client_group, (unsigned int)site->client_gid);
	for (i = 0; i < site->cfg->nclients; i++) {
		c = &site->cfg->clients[i];
		for (j = 0; j < c->users.count; j++)
			check_client_user(d, site, c->name, c->users.items[j]);
		for (j = 0; j < c->groups.count; j++) {
			(void)snprintf(check, sizeof(check), "client %s group "
			    "%s", c->name, c->groups.items[j]);
			(void)strtonum(c->groups.items[j], 0, UINT32_MAX - 1,
			    &errstr);
			if (errstr != NULL &&
			    getgrnam(c->groups.items[j]) == NULL) {
				(void)snprintf(fix, sizeof(fix), "create the "
				    "group or correct clients.%s.groups",
				    c->name);
				doctor_report(d, DOCTOR_FAIL, check, fix,
				    "no such group");
			} else
				doctor_report(d, DOCTOR_PASS, check, NULL,
				    "exists");
		}
	}
}

/*
 * Each channel's probe, run as the gateway account (doctor_main has
 * become it), so a tool sees the credentials and permissions it has in
 * service; in a child, so that a driver's probe cannot disturb the
 * checks that follow.
 */
static void
check_probes(struct doctor *d, const struct doctor_site *site)
{
	const struct channel	*ch;
	char			 check[64], answer[DOCTOR_ANSWER_MAX], fix[128];
	ssize_t			 n;
	size_t			 id, got;
	pid_t			 pid;
	int			 p[2], status, r;

	for (id = 0; id < channel_count; id++) {
		ch = &site->cfg->channels[id];
		if (!ch->configured || ch->driver->probe == NULL)
			continue;
		(void)snprintf(check, sizeof(check), "%s probe",
		    ch->driver->name);
		if (!site->have_gateway || geteuid() != site->gateway_uid) {
			doctor_report(d, DOCTOR_SKIP, check, NULL, "run as "
			    "root or as %s to probe the tool as the gateway",
			    site->gateway_user);
			continue;
		}
		if (pipe(p) == -1 || (pid = fork()) == -1) {
			doctor_report(d, DOCTOR_SKIP, check, NULL, "cannot "
			    "start a probe: %s", strerror(errno));
			continue;
		}
		if (pid == 0) {
			(void)close(p[0]);
			r = ch->driver->probe(site->cfg, ch, answer,
			    sizeof(answer));
			/* A short write leaves a partial answer: still a verdict. */
			if (write(p[1], r == 0 ? "0" : "1", 1) != 1 ||
			    write(p[1], answer, strlen(answer)) == -1)
				_exit(1);
			_exit(0);
		}
		(void)close(p[1]);
		got = 0;
		while (got < sizeof(answer) - 1 && (n = read(p[0],
		    answer + got, sizeof(answer) - 1 - got)) != 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				break;
			got += (size_t)n;
		}
		answer[got] = '\0';
		(void)close(p[0]);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (got == 0) {
			doctor_report(d, DOCTOR_FAIL, check, NULL, "the probe "
			    "died");
			continue;
		}
		if (answer[0] == '0')
			doctor_report(d, DOCTOR_PASS, check, NULL, "%s",
			    answer + 1);
		else {
			(void)snprintf(fix, sizeof(fix), "see %s's own "
			    "documentation; doc/carapace.yaml.5 for "
			    "channels.%s", ch->driver->name, ch->driver->name);
			doctor_report(d, DOCTOR_FAIL, check, fix, "%s",
			    answer + 1);
		}
	}
}

/* Each configured channel's watcher runs; its position, if any. */
static void
check_watchers(struct doctor *d, const struct doctor_site *site,
    struct state *st)
{
	const struct channel	*ch;
	char			 check[64], unit[64], fix[256];
	char			 pos[STATE_POSITION_MAX];
	uint64_t		 cursor = 0;
	size_t			 id;

	for (id = 0; id < channel_count; id++) {
		ch = &site->cfg->channels[id];
		if (!ch->configured)
			continue;
		(void)snprintf(check, sizeof(check), "%s watcher",
		    ch->driver->name);
		pos[0] = '\0';
		if (st != NULL) {
			(void)state_watch_position(st, ch->driver->name, pos,
			    sizeof(pos));
			(void)state_inbox_last(st, ch->driver->name,
			    &cursor);
		}
		switch (doctor_os_watcher(ch->driver->name,
		    site->gateway_uid)) {
		case 1:
			doctor_report(d, DOCTOR_PASS, check, NULL, "running; "
			    "%llu message%s published, position \"%s\"",
			    (unsigned long long)cursor, cursor == 1 ? "" : "s",
			    pos);
			break;
		case 0:
			(void)snprintf(unit, sizeof(unit), "watch@%s",
			    ch->driver->name);
			(void)doctor_os_start_fix(unit, fix, sizeof(fix));
			doctor_report(d, DOCTOR_FAIL, check, fix, "not "
			    "running: agents see no new %s messages",
			    ch->driver->name);
			break;
		default:
			doctor_report(d, DOCTOR_SKIP, check, NULL, "this "
			    "system cannot tell whether it runs");
			break;
		}
	}
}

/* Drop root for the gateway account, for good.  0, or -1 with errno. */
static int
become(const struct doctor_site *site)
{
	if (initgroups(site->gateway_user, site->gateway_gid) == -1 ||
	    setgid(site->gateway_gid) == -1 ||
	    setuid(site->gateway_uid) == -1)
		return -1;
	if (setuid(0) != -1) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static void __attribute__((__noreturn__))
doctor_usage(void)
{
	(void)fprintf(stderr, "usage: carapacectl [-c file] doctor [--json] "
	    "[-g group] [-s socket] [-u user]\n");
	exit(2);
}

int
doctor_main(const char *conf, int argc, char **argv)
{
	struct doctor		*d;
	struct doctor_site	 site;
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg = NULL;
	struct passwd		*pw;
	struct group		*gr;
	struct state		*st = NULL;
	const char		*path = config_path(conf);
	char			 dbfile[PATH_MAX];
	int			 i, json = 0;

	memset(&site, 0, sizeof(site));
	site.client_group = DOCTOR_CLIENT_GROUP;
	if ((site.socket = getenv("CARAPACE_SOCKET")) == NULL ||
	    site.socket[0] == '\0')
		site.socket = CARAPACE_DEFAULT_SOCKET;
	/* The gateway account: -u, else whoever runs this if not root. */
	if (geteuid() != 0 && (pw = getpwuid(geteuid())) != NULL)
		site.gateway_user = strdup(pw->pw_name);
	else
		site.gateway_user = doctor_os_user();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc)
			site.gateway_user = argv[++i];
		else if (strcmp(argv[i], "-g") == 0 && i + 1 < argc)
			site.client_group = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			site.socket = argv[++i];
		else
			doctor_usage();
	}
	if (site.gateway_user == NULL)
		fatal("strdup");
	d = doctor_new(json);

	if (config_load(path, 1, &cfg, &errs) == -1) {
		doctor_report(d, DOCTOR_FAIL, "configuration", "carapacectl "
		    "check names each problem", "%s: %zu problem%s%s%s", path,
		    errs.count, errs.count == 1 ? "" : "s",
		    errs.count > 0 ? ", first: " : "",
		    errs.count > 0 ? errs.items[0].message : "");
		config_errors_free(&errs);
		goto done;
	}
	doctor_report(d, DOCTOR_PASS, "configuration", NULL, "%s parses",
	    path);
	site.cfg = cfg;

	if ((pw = getpwnam(site.gateway_user)) != NULL && pw->pw_uid == 0)
		/* The handler refuses root; nothing runs as root here either. */
		doctor_report(d, DOCTOR_FAIL, "gateway account", "run the "
		    "gateway as its own account (-u names it)", "%s is uid 0: "
		    "the gateway never runs as root", site.gateway_user);
	else if (pw != NULL) {
		site.have_gateway = 1;
		site.gateway_uid = pw->pw_uid;
		site.gateway_gid = pw->pw_gid;
		doctor_report(d, DOCTOR_PASS, "gateway account", NULL,
		    "%s, uid %u", site.gateway_user,
		    (unsigned int)pw->pw_uid);
	} else
		doctor_report(d, DOCTOR_FAIL, "gateway account",
		    "create it: systemd-sysusers carapace.conf (macOS: "
		    "doc/macos.md); or name it with -u", "no account %s",
		    site.gateway_user);
	/*
	 * Root looks as the gateway account: what it may read, the state
	 * it opens (which refuses other owners) and the tools it runs.
	 */
	if (site.have_gateway && geteuid() == 0 && site.gateway_uid != 0 &&
	    become(&site) == -1)
		doctor_report(d, DOCTOR_FAIL, "gateway account", NULL,
		    "cannot become %s: %s", site.gateway_user,
		    strerror(errno));
	if ((gr = getgrnam(site.client_group)) != NULL) {
		site.have_group = 1;
		site.client_gid = gr->gr_gid;
	}

	check_files(d, &site);
	check_state(d, &site);
	check_socket(d, &site);
	check_clients(d, &site);
	check_probes(d, &site);
	(void)snprintf(dbfile, sizeof(dbfile), "%s/data.mdb", cfg->state_dir);
	if (access(dbfile, F_OK) == 0 && state_open(cfg->state_dir,
	    cfg->map_size, STATE_RDONLY, &st) != 0)
		st = NULL;
	check_watchers(d, &site, st);
	if (st != NULL)
		state_close(st);
	doctor_os_services(d, &site);

done:
	config_free(cfg);
	return doctor_end(d) ? 1 : 0;
}
