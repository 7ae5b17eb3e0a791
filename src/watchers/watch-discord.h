/*
 * The discord watcher's command line (watch-discord.c), pure (no I/O, no
 * watcher state) so that tests/unit/test_argv.c checks it row by row:
 * 0 with a filled (the numbers it holds live in a->num), or -1 with
 * *cause set when the configuration cannot say.
 */
#ifndef CARAPACE_WATCH_DISCORD_H
#define CARAPACE_WATCH_DISCORD_H

#include <stdint.h>

#include "channel.h"
#include "conf.h"

/* carapace-discord -c CONFIG poll --after SNOWFLAKE. */
int	 watch_argv_discord(const struct config *, const struct channel *,
	    uint64_t after, struct tool_argv *, const char **cause);

#endif /* CARAPACE_WATCH_DISCORD_H */
