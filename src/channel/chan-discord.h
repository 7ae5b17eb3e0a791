/*
 * Discord policy helpers shared by the handler's adapter, the watcher
 * and carapace-discord: snowflake arithmetic, the api_base check, which
 * channels the inbound policy lets Carapace read, and the inbound
 * decision and scrubbing on Discord message objects.  No I/O.
 */
#ifndef CARAPACE_CHAN_DISCORD_H
#define CARAPACE_CHAN_DISCORD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"

/* Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds. */
#define DISCORD_EPOCH_MS	1420070400000ULL
#define DISCORD_ID_MAX		21	/* 20 digits and a NUL */
#define DISCORD_API_BASE	"https://discord.com/api/v10"

/* channels.discord's own keys. */
struct discord_opts {
	char		*token_file;	/* the bot token, mode 0600 */
	char		*api_base;
};

#define DISCORD_OPTS(ch)	((const struct discord_opts *)(ch)->opts)

/* The smallest snowflake at Unix time ms (0 before the epoch). */
uint64_t	 discord_snowflake_at(uint64_t ms);
/* Unix milliseconds of a snowflake. */
uint64_t	 discord_snowflake_ms(uint64_t id);
/*
 * Is s a snowflake (1..20 digits, no sign, below 2^63)?  Returns 1 and
 * sets *id (may be NULL), or 0.
 */
int		 discord_snowflake(const char *s, uint64_t *id);
/*
 * Is url an acceptable api_base: https://host..., or http:// on
 * 127.0.0.1 / localhost only (a test server on loopback)?  1 or 0.
 */
int		 discord_api_base_ok(const char *url);

/*
 * The Discord targets named in an inbound (or outbound) list, aliases
 * expanded: "channel:<id>" into channels, "user:<id>" into users (both
 * arrays of id strings, new references).  Returns 0.
 */
int		 discord_list_targets(const struct config *,
		    const struct channel *, const struct strlist *,
		    json_t **channels, json_t **users);

/*
 * Inbound decision on one Discord message object (as carapace-discord
 * prints it: channel_id, author{id,bot}, and is_dm / is_from_me for a
 * direct-message channel).  Visible when inbound mode is open, when
 * "channel:<channel_id>" is allowed, or in a DM when the author's
 * "user:<id>" is allowed (the bot's own DM messages: inbound.from_me).
 * Returns 1 visible, 0 hidden.
 */
int		 discord_message_visible(const struct config *,
		    const struct channel *, json_t *msg);
/* Is a channel (by id, a DM with dm_user or not) readable?  1 or 0. */
int		 discord_channel_visible(const struct config *,
		    const struct channel *, const char *channel_id,
		    const char *dm_user);

/* The channel's driver (channel.h). */
extern const struct channel_driver discord_driver;

#endif /* CARAPACE_CHAN_DISCORD_H */
