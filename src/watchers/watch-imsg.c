/*
 * The imsg watcher adapter: `imsg watch --json --since-rowid N`, one
 * message object per line; the rowid is the stream position (and the
 * inbox cursor, so `imsg watch --since-rowid` maps onto the inbox).
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "policy.h"
#include "watch.h"

static int
imsg_argv(const struct channel *ch, uint64_t position, int have_position,
    struct watch_argv *a)
{
	watch_argv_add(a, ch->tool);
	watch_argv_add(a, "watch");
	if (ch->db != NULL) {
		watch_argv_add(a, "--db");
		watch_argv_add(a, ch->db);
	}
	watch_argv_add(a, "--json");
	watch_argv_add(a, "--attachments");
	watch_argv_add(a, "--reactions");
	if (have_position) {
		(void)snprintf(a->since, sizeof(a->since), "%llu",
		    (unsigned long long)position);
		watch_argv_add(a, "--since-rowid");
		watch_argv_add(a, a->since);
	}
	return 0;
}

static int
imsg_parse(const char *line, size_t len, json_t **msg, uint64_t *position)
{
	json_t		*v, *id;
	json_error_t	 e;

	*msg = NULL;
	if (len == 0)
		return 0;
	if ((v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e)) == NULL)
		return -1;
	id = json_object_get(v, "id");
	if (!json_is_object(v) || !json_is_integer(id) ||
	    json_integer_value(id) < 1 ||
	    !json_is_integer(json_object_get(v, "chat_id"))) {
		json_decref(v);
		return -1;
	}
	*position = (uint64_t)json_integer_value(id);
	*msg = v;
	return 1;
}

static const char *
imsg_sender(json_t *msg)
{
	return json_string_value(json_object_get(msg, "sender"));
}

static const struct watch_adapter imsg_adapter = {
	.channel = "imsg",
	.poll_ms = 0,
	.argv = imsg_argv,
	.parse = imsg_parse,
	.visible = inbound_message_visible,
	.scrub = inbound_scrub,
	.sender = imsg_sender,
};

const struct watch_adapter *
watch_adapter(enum channel_id id)
{
	switch (id) {
	case CHANNEL_IMSG:
		return &imsg_adapter;
	case CHANNEL_SIGNAL:
		return &signal_watch_adapter;
	case CHANNEL_GMAIL:
		return &gmail_watch_adapter;
	case CHANNEL_DISCORD:
		return &discord_watch_adapter;
	default:
		return NULL;
	}
}
