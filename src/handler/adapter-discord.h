/*
 * The Discord adapter's carapace-discord command-line builders
 * (adapter-discord.c), pure, so tests/unit/test_argv.c checks them row
 * by row.
 * The contract all builders keep is in cmdline.h.
 */
#ifndef CARAPACE_ADAPTER_DISCORD_H
#define CARAPACE_ADAPTER_DISCORD_H

#include <jansson.h>

#include "channel.h"
#include "cmdline.h"
#include "conf.h"

/* send: delivery {to (channel:ID | user:ID), files?[one absolute path]}. */
int	 cmdline_discord_send(const struct config *, const struct channel *,
	    json_t *delivery, struct tool_argv *, const char **cause);
/*
 * read (messages.history): {to (channel:ID | user:ID, normalised),
 * limit? (1..100, default 50), before?, after?}.
 */
int	 cmdline_discord_history(const struct config *, const struct channel *,
	    json_t *params, struct tool_argv *, const char **cause);
/* channels --all (chats.list). */
int	 cmdline_discord_chats(const struct config *, const struct channel *,
	    struct tool_argv *, const char **cause);
int	 cmdline_discord_status(const struct config *, const struct channel *,
	    struct tool_argv *, const char **cause);
/* channel (resolving a channel:ID target): {to (channel:ID)}. */
int	 cmdline_discord_channel(const struct config *,
	    const struct channel *, json_t *params, struct tool_argv *,
	    const char **cause);

#endif /* CARAPACE_ADAPTER_DISCORD_H */
