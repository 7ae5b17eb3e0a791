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
#include "chan-imsg.h"
#include "channel.h"
#include "watch.h"
#include "watch-imsg.h"

int
watch_argv_imsg(const struct config *cfg, const struct channel *ch,
    int have_position, uint64_t position, struct tool_argv *a,
    const char **cause)
{
	if (ch->driver->tool_argv(cfg, ch, "watch", a, cause) == -1)
		return -1;
	tool_argv_add(a, "--attachments");
	tool_argv_add(a, "--reactions");
	if (have_position) {
		(void)snprintf(a->num[0], sizeof(a->num[0]), "%llu",
		    (unsigned long long)position);
		tool_argv_add(a, "--since-rowid");
		tool_argv_add(a, a->num[0]);
	}
	return 0;
}

static int
imsg_argv(const struct config *cfg, const struct channel *ch,
    uint64_t position, int have_position, struct tool_argv *a)
{
	const char	*cause = NULL;

	return watch_argv_imsg(cfg, ch, have_position, position, a, &cause);
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

const struct watch_adapter imsg_watch_adapter = {
	.driver = &imsg_driver,
	.poll_ms = 0,
	.argv = imsg_argv,
	.parse = imsg_parse,
};
