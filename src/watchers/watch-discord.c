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
#include "discord-policy.h"
#include "policy.h"
#include "util.h"
#include "watch.h"

#define DISCORD_POLL_MS		5000

static int
discord_argv(const struct channel *ch, uint64_t position, int have_position,
    struct watch_argv *a)
{
	/* No position yet: from when this watcher first started. */
	static uint64_t	start;

	if (watch_config == NULL || watch_config->path == NULL)
		return -1;
	if (!have_position) {
		if (start == 0)
			start = discord_snowflake_at(util_now_ms());
		position = start;
	}
	watch_argv_add(a, ch->tool);
	watch_argv_add(a, "-c");
	watch_argv_add(a, watch_config->path);
	watch_argv_add(a, "poll");
	(void)snprintf(a->since, sizeof(a->since), "%llu",
	    (unsigned long long)position);
	watch_argv_add(a, "--after");
	watch_argv_add(a, a->since);
	return 0;
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

/*
 * The author as "user:<id>" for the audit record of a hidden message
 * (kept in the message, which a hidden message never leaves).
 */
static const char *
discord_sender(json_t *msg)
{
	const char	*id = json_string_value(json_object_get(
			    json_object_get(msg, "author"), "id"));
	char		 buf[64];

	if (!discord_snowflake(id, NULL))
		return NULL;
	(void)snprintf(buf, sizeof(buf), "user:%s", id);
	json_object_set_new(msg, "_audit_sender", json_string(buf));
	return json_string_value(json_object_get(msg, "_audit_sender"));
}

const struct watch_adapter discord_watch_adapter = {
	.channel = "discord",
	.poll_ms = DISCORD_POLL_MS,
	.argv = discord_argv,
	.parse = discord_parse,
	.visible = discord_message_visible,
	.scrub = discord_scrub,
	.sender = discord_sender,
};
