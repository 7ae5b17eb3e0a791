/*
 * Diagnostics for Carapace programs.  This is not the audit trail:
 * audit records go through audit.c and are never optional.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "compat.h"
#include "log.h"

static const char	*log_progname = "carapace";
static int		 log_where = LOG_TO_STDERR;
static int		 log_verbose;

void
log_init(const char *progname, int where, int verbose)
{
	log_progname = progname;
	log_where = where;
	log_verbose = verbose;
	if (where & LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void __attribute__((__format__(__printf__, 2, 0)))
log_vwrite(int pri, const char *fmt, va_list ap, int with_errno, int saved)
{
	char	msg[1024];

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_where & LOG_TO_STDERR) {
		if (with_errno)
			(void)fprintf(stderr, "%s: %s: %s\n", log_progname, msg,
			    strerror(saved));
		else
			(void)fprintf(stderr, "%s: %s\n", log_progname, msg);
	}
	if (log_where & LOG_TO_SYSLOG) {
		if (with_errno)
			syslog(pri, "%s: %s", msg, strerror(saved));
		else
			syslog(pri, "%s", msg);
	}
}

void
log_warn(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, 1, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, 0, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 1, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 0, 0);
	va_end(ap);
	exit(1);
}
