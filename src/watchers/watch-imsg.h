/*
 * The imsg watcher's command line (watch-imsg.c), pure (no I/O, no
 * watcher state) so that tests/unit/test_argv.c checks it row by row:
 * 0 with a filled (the numbers it holds live in a->num), or -1 with
 * *cause set when the configuration cannot say.
 */
#ifndef CARAPACE_WATCH_IMSG_H
#define CARAPACE_WATCH_IMSG_H

#include <stdint.h>

#include "channel.h"
#include "conf.h"

/* imsg watch --json --attachments --reactions [--since-rowid N]. */
int	 watch_argv_imsg(const struct config *, const struct channel *,
	    int have_position, uint64_t position, struct tool_argv *,
	    const char **cause);

#endif /* CARAPACE_WATCH_IMSG_H */
