/*
 * carapace-watch internals.  One watcher process per channel runs the
 * channel's receive mode (a streaming tool, or a tool polled on a
 * timer), applies inbound policy, and publishes into the LMDB inbox
 * together with its resume position, so a restart neither loses nor
 * repeats a message.  A channel is one adapter (watch-<channel>.c): how
 * to start the tool from a position, and how to read one line of its
 * output; the channel's driver decides on each message.
 */
#ifndef CARAPACE_WATCH_H
#define CARAPACE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "channel.h"
#include "conf.h"

struct watch_adapter {
	const struct channel_driver *driver;
	/* 0: a streaming tool; else run the tool every poll_ms. */
	uint64_t	 poll_ms;
	/*
	 * The tool's argv to continue after position, or from now on when
	 * there is no position yet (have_position 0).  Returns 0, or -1 if
	 * the channel's configuration cannot say.
	 */
	int		(*argv)(const struct config *, const struct channel *,
			    uint64_t position, int have_position,
			    struct tool_argv *);
	/*
	 * One line of the tool's output: returns 1 with *msg (a new
	 * reference) and *position (strictly increasing in the tool's
	 * stream), 0 for a line to skip (not a message), -1 if malformed.
	 */
	int		(*parse)(const char *line, size_t len, json_t **msg,
			    uint64_t *position);
	/*
	 * Optional, for a channel read from a daemon's socket rather than
	 * a tool's output (argv unused, no tool needed): connect and ask
	 * for the stream; returns the descriptor to read lines from, or
	 * -1 (logged; retried with backoff).
	 */
	int		(*connect)(const struct channel *);
	/*
	 * The stream has no positions of its own: each message gets the
	 * last position + 1 (parse's *position is ignored).
	 */
	int		 counted;
	/*
	 * Optional, for a polling tool that prints one JSON document per
	 * run (gog): called with the whole output of a run that exited 0
	 * (parse is then unused).  Returns a new array of {"position":
	 * integer, "message": object} in increasing position order, or
	 * NULL if the document is malformed (nothing is published).
	 */
	json_t		*(*document)(const char *out, size_t len);
	/*
	 * Optional: complete a new message with what its decision needs
	 * and the tool's listing left out (Gmail: the headers that say
	 * whether From is true), before it is decided and published.
	 * Returns 0, or -1 when it cannot now (the message and those after
	 * it wait for the next run).
	 */
	int		(*complete)(const struct config *,
			    const struct channel *, json_t *msg);
};

/* parse: the stream cannot go on (e.g. refused); reconnect/restart. */
#define WATCH_PARSE_RESTART	-2
/*
 * parse: the line is not a message but the source's confirmation that
 * the stream is open (a daemon's answer to the subscription).  Without
 * one, a connect adapter's stream never counts as open: no readiness,
 * no watchdog (see watch.c).
 */
#define WATCH_PARSE_OPEN	2

/* The adapter of a channel, or NULL (watch.c lists them). */
const struct watch_adapter *watch_adapter(const struct channel *);

/* Run the watcher until SIGTERM/SIGINT; returns the exit status. */
int	 watch_main(int argc, char **argv);

/*
 * Notifications to the service manager (notify.c): sd_notify(3) under
 * systemd, nothing under launchd, outside a Type=notify unit or in a
 * build without libsystemd.  They cannot fail in a way the watcher
 * could act on, so they return nothing.
 */
void	 watch_notify_ready(void);
void	 watch_notify_watchdog(void);
void	 watch_notify_stopping(void);
void	 watch_notify_status(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
/* The watchdog timeout (WatchdogSec=) in milliseconds, or 0 if none. */
uint64_t watch_notify_watchdog_ms(void);

#endif /* CARAPACE_WATCH_H */
