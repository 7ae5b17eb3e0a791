/*
 * carapacectl doctor on a system Carapace knows no service manager of:
 * the checks every system shares run; these say what they cannot tell.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>

#include "doctor.h"

const char *
doctor_os_user(void)
{
	return "carapace";
}

void
doctor_os_services(struct doctor *d, const struct doctor_site *site)
{
	(void)site;
	doctor_report(d, DOCTOR_SKIP, "service manager", NULL, "not known "
	    "on this system: check that the socket and the watchers start "
	    "at boot");
}

int
doctor_os_watcher(const char *channel, uid_t uid)
{
	(void)channel;
	(void)uid;
	return -1;
}

int
doctor_os_stale_login(uid_t uid, gid_t gid, pid_t *pid)
{
	(void)uid;
	(void)gid;
	(void)pid;
	return -1;
}

const char *
doctor_os_join_fix(const char *user, const char *group, char *buf,
    size_t len)
{
	(void)snprintf(buf, len, "add %s to the group %s, then log %s in "
	    "again", user, group, user);
	return buf;
}

const char *
doctor_os_start_fix(const char *what, char *buf, size_t len)
{
	(void)snprintf(buf, len, "start carapace's %s", what);
	return buf;
}
