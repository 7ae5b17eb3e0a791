/*
 * The discord watcher adapter: a polling tool.  Every poll interval the
 * watcher runs `carapace-discord poll --after POSITION`, which prints
 * the new messages of every channel the inbound policy lets Carapace
 * read (named channels and the DMs of allowed users), merged oldest
 * first.  The position is the largest snowflake published: snowflakes
 * are time-ordered across channels, and the tool prints only messages
 * older than a settle horizon, so a message that shows up late is still
 * above the position when it is printed (see cmd_poll in
 * src/discord/discord.c).  Position and message are committed together,
 * so a restart neither repeats nor loses one.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "chan-discord.h"
#include "channel.h"
#include "policy.h"
#include "util.h"
#include "watch.h"
#include "watch-discord.h"

#define DISCORD_POLL_MS		5000

int
watch_argv_discord(const struct config *cfg, const struct channel *ch,
    uint64_t after, struct tool_argv *a, const char **cause)
{
	if (ch->driver->tool_argv(cfg, ch, "poll", a, cause) == -1)
		return -1;
	(void)snprintf(a->num[0], sizeof(a->num[0]), "%llu",
	    (unsigned long long)after);
	tool_argv_add(a, "--after");
	tool_argv_add(a, a->num[0]);
	return 0;
}

static int
discord_argv(const struct config *cfg, const struct channel *ch,
    uint64_t position, int have_position, struct tool_argv *a)
{
	/* No position yet: from when this watcher first started. */
	static uint64_t	 start;
	const char	*cause = NULL;

	if (!have_position) {
		if (start == 0)
			start = discord_snowflake_at(util_now_ms());
		position = start;
	}
	return watch_argv_discord(cfg, ch, position, a, &cause);
}

static int
discord_parse(const char *line, size_t len, json_t **msg, uint64_t *position)
{
	json_t		*v;
	json_error_t	 e;
	uint64_t	 id;

	*msg = NULL;
	if (len == 0)
		return 0;
	if ((v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e)) == NULL)
		return -1;
	if (!json_is_object(v) || !discord_snowflake(json_string_value(
	    json_object_get(v, "id")), &id) || id == 0 ||
	    !discord_snowflake(json_string_value(json_object_get(v,
	    "channel_id")), NULL)) {
		json_decref(v);
		return -1;
	}
	*position = id;
	*msg = v;
	return 1;
}

const struct watch_adapter discord_watch_adapter = {
	.driver = &discord_driver,
	.poll_ms = DISCORD_POLL_MS,
	.argv = discord_argv,
	.parse = discord_parse,
};
