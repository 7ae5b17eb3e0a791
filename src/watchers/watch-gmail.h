/*
 * The gmail watcher's command line (watch-gmail.c), pure (no I/O, no
 * watcher state) so that tests/unit/test_argv.c checks it row by row:
 * 0 with a filled (the numbers it holds live in a->num), or -1 with
 * *cause set when the configuration cannot say.
 */
#ifndef CARAPACE_WATCH_GMAIL_H
#define CARAPACE_WATCH_GMAIL_H

#include <stdint.h>

#include "channel.h"
#include "conf.h"

/* gog ... gmail messages search --max=500 --include-body -- in:inbox. */
int	 watch_argv_gmail(const struct config *, const struct channel *,
	    struct tool_argv *, const char **cause);

#endif /* CARAPACE_WATCH_GMAIL_H */
