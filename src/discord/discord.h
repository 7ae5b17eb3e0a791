/*
 * carapace-discord: Discord's REST API (v10) for the handler and the
 * watcher.  It runs as the carapace user, reads the bot token from
 * channels.discord.token_file itself (never from argv or the
 * environment), speaks HTTPS through libcurl with certificate
 * verification, honours Discord's rate-limit headers and 429 answers
 * within its deadline (channels.discord.timeout), and sends with a
 * nonce and enforce_nonce so a retry after a lost answer cannot post
 * twice.  Output: one JSON object per line on stdout.
 */
#ifndef CARAPACE_DISCORD_H
#define CARAPACE_DISCORD_H

#include <stddef.h>
#include <stdint.h>

#include "chan-discord.h"

/* Exit statuses (doc/protocol.md, the handler maps them). */
#define DISCORD_EXIT_OK		0
#define DISCORD_EXIT_USAGE	1	/* usage, configuration, token */
#define DISCORD_EXIT_REFUSED	2	/* Discord answered 4xx */
#define DISCORD_EXIT_NETWORK	3	/* transport or 5xx after retries */
#define DISCORD_EXIT_LIMITED	4	/* 429 past the deadline */
#define DISCORD_EXIT_TIMEOUT	5	/* deadline passed */

/* Run the program; returns its exit status. */
int		 discord_main(int argc, char **argv);

#endif /* CARAPACE_DISCORD_H */
