/*
 * carapacectl doctor on Linux: systemd's view of the units, watchers
 * found by their units or, without systemd, in /proc, and logins that
 * predate a group membership (a process's groups are fixed when its
 * session starts).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "channel.h"
#include "doctor.h"
#include "spawn.h"

#define SYSTEMCTL_TIMEOUT_MS	10000

const char *
doctor_os_user(void)
{
	return "carapace";
}

/* Is systemd the service manager here? */
static int
have_systemd(void)
{
	struct stat	 sb;

	return stat("/run/systemd/system", &sb) == 0 && S_ISDIR(sb.st_mode);
}

static const char *
systemctl_path(void)
{
	return access("/usr/bin/systemctl", X_OK) == 0 ?
	    "/usr/bin/systemctl" : "/bin/systemctl";
}

/* systemctl verb unit's first line of output into buf; 0 if it exits 0. */
static int
systemctl(const char *verb, const char *unit, char *buf, size_t len)
{
	struct spawn_result	 res;
	char			*argv[4];
	int			 ok;

	argv[0] = (char *)"systemctl";
	argv[1] = (char *)verb;
	argv[2] = (char *)unit;
	argv[3] = NULL;
	buf[0] = '\0';
	if (spawn_run(systemctl_path(), argv, spawn_default_env(), -1,
	    SYSTEMCTL_TIMEOUT_MS, 4096, &res) == -1) {
		(void)snprintf(buf, len, "cannot run systemctl: %s",
		    strerror(errno));
		return -1;
	}
	(void)snprintf(buf, len, "%.*s", (int)strcspn(res.out, "\n"),
	    res.out);
	ok = res.exited && res.status == 0;
	spawn_result_free(&res);
	return ok ? 0 : -1;
}

static void
check_unit(struct doctor *d, const char *unit)
{
	char	 check[96], enabled[64], active[64], fix[160];

	(void)snprintf(check, sizeof(check), "unit %s", unit);
	if (systemctl("is-enabled", unit, enabled, sizeof(enabled)) == -1) {
		(void)snprintf(fix, sizeof(fix), "systemctl enable --now %s",
		    unit);
		doctor_report(d, DOCTOR_FAIL, check, fix, "not enabled (%s)",
		    enabled[0] != '\0' ? enabled : "not installed");
		return;
	}
	if (systemctl("is-active", unit, active, sizeof(active)) == -1) {
		(void)snprintf(fix, sizeof(fix), "systemctl restart %s; "
		    "journalctl -u %s says why it stopped", unit, unit);
		doctor_report(d, DOCTOR_FAIL, check, fix, "%s, not active "
		    "(%s)", enabled, active);
		return;
	}
	doctor_report(d, DOCTOR_PASS, check, NULL, "%s, %s", enabled,
	    active);
}

void
doctor_os_services(struct doctor *d, const struct doctor_site *site)
{
	const struct channel	*ch;
	char			 unit[96];
	size_t			 id;

	if (!have_systemd()) {
		doctor_report(d, DOCTOR_SKIP, "systemd", NULL, "systemd is "
		    "not the service manager here (no /run/systemd/system): "
		    "unit checks skipped");
		return;
	}
	check_unit(d, "carapace.socket");
	for (id = 0; id < channel_count; id++) {
		ch = &site->cfg->channels[id];
		if (!ch->configured)
			continue;
		(void)snprintf(unit, sizeof(unit), "carapace-watch@%s.service",
		    ch->driver->name);
		check_unit(d, unit);
	}
}

/*
 * How many pid namespaces pid is in (the NSpid line of its status): a
 * process in a container below ours (systemd-nspawn, docker) has more
 * than we do, and a user id there is not the same account as ours.
 */
static int
pidns_depth(const char *pid)
{
	char	 path[PATH_MAX], line[512], *p;
	FILE	*f;
	int	 n = 0;

	(void)snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		for (p = line + 6; *p != '\0'; p++)
			if ((*p >= '0' && *p <= '9') &&
			    (p[-1] == ' ' || p[-1] == '\t'))
				n++;
		break;
	}
	(void)fclose(f);
	return n;
}

/* Is pid in our own pid namespace (not a container's)? */
static int
ours(const char *pid)
{
	static int	 self = -2;

	if (self == -2)
		self = pidns_depth("self");
	return pidns_depth(pid) == self;
}

/* argv of pid as read from /proc, NUL-separated, in buf; its length. */
static size_t
proc_cmdline(const char *pid, char *buf, size_t len)
{
	char	 path[PATH_MAX];
	FILE	*f;
	size_t	 n;

	(void)snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, len - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	return n;
}

/* Is pid's argv "... carapace-watch [options] channel"? */
static int
is_watcher(const char *pid, const char *channel)
{
	char		 buf[4096];
	const char	*arg, *base, *last = NULL;
	size_t		 n, off;

	if ((n = proc_cmdline(pid, buf, sizeof(buf))) == 0)
		return 0;
	base = strrchr(buf, '/');
	base = base != NULL ? base + 1 : buf;
	if (strcmp(base, "carapace-watch") != 0)
		return 0;
	for (off = strlen(buf) + 1; off < n; off += strlen(arg) + 1) {
		arg = buf + off;
		last = arg;
	}
	return last != NULL && strcmp(last, channel) == 0;
}

int
doctor_os_watcher(const char *channel, uid_t uid)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*dir;
	char		 unit[96], buf[64], path[PATH_MAX];
	int		 found = 0;

	if (have_systemd()) {
		(void)snprintf(unit, sizeof(unit), "carapace-watch@%s.service",
		    channel);
		return systemctl("is-active", unit, buf, sizeof(buf)) == 0;
	}
	if ((dir = opendir("/proc")) == NULL)
		return -1;
	while (!found && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%s", de->d_name);
		if (stat(path, &sb) == -1 || sb.st_uid != uid ||
		    !ours(de->d_name))
			continue;
		found = is_watcher(de->d_name, channel);
	}
	(void)closedir(dir);
	return found;
}

/*
 * The "Uid:" (real) and "Groups:" lines of /proc/PID/status: does a
 * process of uid run without gid?
 */
static int
lacks_group(const char *pid, uid_t uid, gid_t gid)
{
	char		 path[PATH_MAX], line[4096], *p, *end;
	unsigned long	 v;
	FILE		*f;
	int		 mine = 0, has = 0, seen = 0;

	(void)snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Uid:", 4) == 0)
			mine = strtoul(line + 4, NULL, 10) == (unsigned long)uid;
		else if (strncmp(line, "Gid:", 4) == 0 &&
		    strtoul(line + 4, NULL, 10) == (unsigned long)gid)
			has = 1;
		else if (strncmp(line, "Groups:", 7) == 0) {
			seen = 1;
			for (p = line + 7;; p = end) {
				v = strtoul(p, &end, 10);
				if (end == p)
					break;
				if (v == (unsigned long)gid)
					has = 1;
			}
		}
	}
	(void)fclose(f);
	return mine && seen && !has;
}

int
doctor_os_stale_login(uid_t uid, gid_t gid, pid_t *pid)
{
	struct dirent	*de;
	DIR		*dir;
	int		 stale = 0;

	if ((dir = opendir("/proc")) == NULL)
		return -1;
	while (!stale && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if ((stale = lacks_group(de->d_name, uid, gid) &&
		    ours(de->d_name)))
			*pid = (pid_t)strtol(de->d_name, NULL, 10);
	}
	(void)closedir(dir);
	return stale;
}

const char *
doctor_os_join_fix(const char *user, const char *group, char *buf,
    size_t len)
{
	(void)snprintf(buf, len, "usermod -aG %s %s, then log %s in again",
	    group, user, user);
	return buf;
}

const char *
doctor_os_start_fix(const char *what, char *buf, size_t len)
{
	if (strcmp(what, "socket") == 0)
		(void)snprintf(buf, len, "systemctl enable --now "
		    "carapace.socket");
	else
		(void)snprintf(buf, len, "systemctl enable --now "
		    "carapace-%s.service; journalctl -u carapace-%s.service "
		    "says why it stopped", what, what);
	return buf;
}
