/*
 * carapacectl doctor: checks of a real installation, each with a
 * one-line verdict and, when it fails, the command or setting that
 * mends it.  doctor.c holds the checks every system shares; the
 * service manager and the login-session checks are the system's own
 * (doctor-linux.c, doctor-darwin.c, doctor-unknown.c).
 */
#ifndef CARAPACE_DOCTOR_H
#define CARAPACE_DOCTOR_H

#include <sys/types.h>

struct config;
struct doctor;

enum doctor_verdict {
	DOCTOR_PASS = 0,
	DOCTOR_FAIL,
	DOCTOR_SKIP		/* cannot be checked here: says why */
};

/* What the doctor knows of the installation it looks at. */
struct doctor_site {
	const struct config *cfg;
	const char	*gateway_user;
	uid_t		 gateway_uid;
	gid_t		 gateway_gid;
	int		 have_gateway;	/* the account exists */
	const char	*client_group;
	gid_t		 client_gid;
	int		 have_group;
	const char	*socket;
};

/* A report: printed as it goes, or as JSON (json) at its end. */
struct doctor	*doctor_new(int json);
/* Print what is left (counts, JSON) and free; 1 if a check failed. */
int		 doctor_end(struct doctor *);

/*
 * Record one check: its name, verdict, what was found (printf-style),
 * and for a failure the fix (NULL: none to give).
 */
void	 doctor_report(struct doctor *, enum doctor_verdict,
	    const char *check, const char *fix, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 5, 6)));

/*
 * The system's own part.  doctor_os_user is the gateway account's
 * usual name.  doctor_os_services checks the service manager's view:
 * the socket and each configured channel's watcher installed, enabled
 * and running.  doctor_os_watcher: 1 if a watcher for channel runs as
 * uid, 0 if none does, -1 if this system cannot tell.
 * doctor_os_stale_login: 1 (and *pid) if a process of uid runs without
 * gid among its groups (it started before the account joined: it needs
 * a new login), 0 if none does, -1 if this system cannot tell.
 * doctor_os_join_fix is the command that adds user to group;
 * doctor_os_start_fix the one that (re)starts what, a unit or job
 * name stem ("watch@imsg", "socket", "signal-cli").
 */
const char	*doctor_os_user(void);
void		 doctor_os_services(struct doctor *,
		    const struct doctor_site *);
int		 doctor_os_watcher(const char *channel, uid_t uid);
int		 doctor_os_stale_login(uid_t uid, gid_t gid, pid_t *pid);
const char	*doctor_os_join_fix(const char *user, const char *group,
		    char *buf, size_t len);
const char	*doctor_os_start_fix(const char *what, char *buf,
		    size_t len);

/* carapacectl doctor [--json] [-u user] [-g group] [-s socket]. */
int	 doctor_main(const char *conf, int argc, char **argv);

#endif /* CARAPACE_DOCTOR_H */
