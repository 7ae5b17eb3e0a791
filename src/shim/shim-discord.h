/*
 * The discord shim: Carapace's own small Discord command (there is no
 * standard Discord CLI), on top of the generic gateway client (shim.h).
 * doc/discord.1 documents the command line, output and exit statuses.
 */
#ifndef CARAPACE_SHIM_DISCORD_H
#define CARAPACE_SHIM_DISCORD_H

#include <stdio.h>

#include <jansson.h>

/* Exit statuses (doc/discord.1). */
#define SHIM_DISCORD_OK		0
#define SHIM_DISCORD_FAILED	1	/* Discord or the tool failed */
#define SHIM_DISCORD_USAGE	2	/* bad command line */
#define SHIM_DISCORD_REFUSED	3	/* policy refused */
#define SHIM_DISCORD_HELD	4	/* held for the owner's approval */
#define SHIM_DISCORD_LIMITED	5	/* rate limited; retry later */
#define SHIM_DISCORD_UNAVAILABLE 6	/* gateway or channel unavailable */

enum shim_discord_cmd {
	SHIM_DISCORD_NONE = 0,
	SHIM_DISCORD_SEND,
	SHIM_DISCORD_READ,
	SHIM_DISCORD_CHANNELS,
	SHIM_DISCORD_STATUS
};

/*
 * Print a gateway result for cmd: --json as one JSON object per line,
 * else plain text (doc/discord.1).  Returns SHIM_DISCORD_OK, or
 * SHIM_DISCORD_FAILED when the result has not the expected shape.
 */
int	 shim_discord_print(enum shim_discord_cmd, int json, json_t *result,
	    FILE *out);
/*
 * Print a gateway error (text on err as "discord: ...", or with json a
 * {"error":{code,message,data}} line on out) and return the exit status
 * it maps to.
 */
int	 shim_discord_print_error(int json, int code, const char *message,
	    json_t *data, FILE *out, FILE *err);
/* Run the command line against the gateway at socket; exit status. */
int	 shim_discord_run(int argc, char **argv, const char *socket,
	    int timeout_ms, FILE *in, FILE *out, FILE *err);
int	 shim_discord_main(int argc, char **argv);

#endif /* CARAPACE_SHIM_DISCORD_H */
