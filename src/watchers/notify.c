/*
 * The watcher's side of the service manager's notification protocol:
 * readiness, a status line and the watchdog (sd_notify(3)).  Built
 * with libsystemd where configure found it; everywhere else (macOS and
 * launchd, a build without libsystemd) every call does nothing.  With
 * libsystemd but outside a Type=notify unit, NOTIFY_SOCKET is unset and
 * sd_notify returns 0 without sending: the same no-op.
 *
 * Only carapace-watch links this file (and libsystemd): the handler,
 * started once per connection, must not pay for loading libsystemd's
 * dependencies on every exec (doc/HACKING.md, bench/sd-startup.sh).
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "compat.h"
#include "watch.h"

#ifdef HAVE_LIBSYSTEMD
/*
 * NOTIFY_SOCKET stays in our environment (unset_environment 0) for the
 * next message; the tools never see it, their environment is built
 * from scratch (spawn_default_env), and the units keep the default
 * NotifyAccess=main so that no child can report for the watcher.
 */
static void
notify(const char *msg)
{
	(void)sd_notify(0, msg);
}

uint64_t
watch_notify_watchdog_ms(void)
{
	uint64_t	usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec / 1000 > 0 ? usec / 1000 : 1;
}
#else
static void
notify(const char *msg)
{
	(void)msg;
}

uint64_t
watch_notify_watchdog_ms(void)
{
	return 0;
}
#endif

void
watch_notify_ready(void)
{
	notify("READY=1");
}

void
watch_notify_watchdog(void)
{
	notify("WATCHDOG=1");
}

void
watch_notify_stopping(void)
{
	notify("STOPPING=1");
}

void
watch_notify_status(const char *fmt, ...)
{
	char	line[256];
	va_list	ap;
	int	n;

	n = snprintf(line, sizeof(line), "STATUS=");
	va_start(ap, fmt);
	/* A cut status line is still a status line. */
	(void)vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	notify(line);
}
