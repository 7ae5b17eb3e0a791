/*
 * carapacectl doctor on macOS: the launchd jobs in the gateway
 * account's GUI domain (gui/<uid>), Messages running in that account's
 * session, and the privacy permissions imsg needs (doc/macos.md).
 * Full Disk Access and Automation are granted to the program macOS
 * holds responsible: run from a terminal, these checks see the
 * terminal's grants, so the verdicts say from where they were made.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "doctor.h"
#include "spawn.h"

#define DARWIN_TIMEOUT_MS	10000
#define LABEL_PREFIX		"org.carapace."

const char *
doctor_os_user(void)
{
	return "_carapace";
}

/* Run argv[0] (absolute); 0 if it exits 0; its output's first line. */
static int
run(char *const argv[], char *buf, size_t len, int want_state)
{
	struct spawn_result	 res;
	int			 ok;

	buf[0] = '\0';
	if (spawn_run(argv[0], argv, spawn_default_env(), -1,
	    DARWIN_TIMEOUT_MS, 64 * 1024, &res) == -1) {
		(void)snprintf(buf, len, "cannot run %s: %s", argv[0],
		    strerror(errno));
		return -1;
	}
	ok = res.exited && res.status == 0;
	/* launchctl print says "state = running" of a running job. */
	if (ok && want_state)
		ok = strstr(res.out, "state = running") != NULL;
	(void)snprintf(buf, len, "%.*s", (int)strcspn(res.err, "\n"),
	    res.err);
	spawn_result_free(&res);
	return ok ? 0 : -1;
}

/* launchctl print gui/<uid>/<label>: 0 if loaded (and running). */
static int
job(uid_t uid, const char *label, int running, char *buf, size_t len)
{
	char	 target[128];
	char	*argv[4];

	(void)snprintf(target, sizeof(target), "gui/%u/%s", (unsigned int)uid,
	    label);
	argv[0] = (char *)"/bin/launchctl";
	argv[1] = (char *)"print";
	argv[2] = target;
	argv[3] = NULL;
	return run(argv, buf, len, running);
}

void
doctor_os_services(struct doctor *d, const struct doctor_site *site)
{
	struct passwd	*pw;
	char		 buf[256], fix[256], path[PATH_MAX];
	char		*argv[6];
	uid_t		 uid = site->gateway_uid;

	if (!site->have_gateway)
		return;
	if (job(uid, LABEL_PREFIX "gateway", 0, buf, sizeof(buf)) == -1) {
		(void)snprintf(fix, sizeof(fix), "log in as %s; launchctl "
		    "bootstrap gui/%u ~%s/Library/LaunchAgents/"
		    LABEL_PREFIX "gateway.plist", site->gateway_user,
		    (unsigned int)uid, site->gateway_user);
		doctor_report(d, DOCTOR_FAIL, "launchd gateway job", fix,
		    "not loaded in gui/%u%s%s", (unsigned int)uid,
		    buf[0] != '\0' ? ": " : "", buf);
	} else
		doctor_report(d, DOCTOR_PASS, "launchd gateway job", NULL,
		    "loaded in gui/%u", (unsigned int)uid);

	argv[0] = (char *)"/usr/bin/pgrep";
	argv[1] = (char *)"-u";
	(void)snprintf(path, sizeof(path), "%u", (unsigned int)uid);
	argv[2] = path;
	argv[3] = (char *)"-x";
	argv[4] = (char *)"Messages";
	argv[5] = NULL;
	if (run(argv, buf, sizeof(buf), 0) == -1)
		doctor_report(d, DOCTOR_FAIL, "Messages", "log in as the "
		    "gateway account, open Messages and sign in to iMessage",
		    "Messages is not running in %s's session",
		    site->gateway_user);
	else
		doctor_report(d, DOCTOR_PASS, "Messages", NULL, "running in "
		    "%s's session", site->gateway_user);

	if (geteuid() != uid) {
		doctor_report(d, DOCTOR_SKIP, "Full Disk Access", NULL, "run "
		    "as %s to check", site->gateway_user);
		doctor_report(d, DOCTOR_SKIP, "Automation", NULL, "run as %s "
		    "in its session to check", site->gateway_user);
		return;
	}
	if ((pw = getpwuid(uid)) == NULL)
		return;
	(void)snprintf(path, sizeof(path), "%s/Library/Messages/chat.db",
	    pw->pw_dir);
	if (access(path, R_OK) == -1)
		doctor_report(d, DOCTOR_FAIL, "Full Disk Access",
		    "System Settings > Privacy & Security > Full Disk Access: "
		    "add carapace-watch and carapace-handler (doc/macos.md)",
		    "%s: %s (as seen from this process)", path,
		    strerror(errno));
	else
		doctor_report(d, DOCTOR_PASS, "Full Disk Access", NULL, "%s "
		    "readable (as seen from this process)", path);
	argv[0] = (char *)"/usr/bin/osascript";
	argv[1] = (char *)"-e";
	argv[2] = (char *)"tell application \"Messages\" to count chats";
	argv[3] = NULL;
	if (run(argv, buf, sizeof(buf), 0) == -1)
		doctor_report(d, DOCTOR_FAIL, "Automation", "System Settings "
		    "> Privacy & Security > Automation: allow the program "
		    "that runs imsg to control Messages (doc/macos.md)",
		    "Messages refused: %s", buf);
	else
		doctor_report(d, DOCTOR_PASS, "Automation", NULL, "Messages "
		    "answers AppleScript (as seen from this process)");
}

int
doctor_os_watcher(const char *channel, uid_t uid)
{
	char	 label[96], buf[256];

	(void)snprintf(label, sizeof(label), LABEL_PREFIX "watch.%s",
	    channel);
	return job(uid, label, 1, buf, sizeof(buf)) == 0;
}

/* macOS resolves group membership when it checks access: no stale login. */
int
doctor_os_stale_login(uid_t uid, gid_t gid, pid_t *pid)
{
	(void)uid;
	(void)gid;
	(void)pid;
	return 0;
}

const char *
doctor_os_join_fix(const char *user, const char *group, char *buf,
    size_t len)
{
	(void)snprintf(buf, len, "dseditgroup -o edit -a %s -t user %s",
	    user, group);
	return buf;
}

const char *
doctor_os_start_fix(const char *what, char *buf, size_t len)
{
	char	 stem[64];
	size_t	 i;

	/* "watch@imsg" is the job org.carapace.watch.imsg. */
	(void)strlcpy(stem, what, sizeof(stem));
	for (i = 0; stem[i] != '\0'; i++)
		if (stem[i] == '@')
			stem[i] = '.';
	if (strcmp(stem, "socket") == 0)
		(void)strlcpy(stem, "gateway", sizeof(stem));
	(void)snprintf(buf, len, "launchctl kickstart -k gui/$(id -u "
	    "_carapace)/" LABEL_PREFIX "%s", stem);
	return buf;
}
