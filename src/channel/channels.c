/*
 * The table of channel drivers: the one list of the channels Carapace
 * serves.  A channel's id is its place here.  Adding a channel is one
 * driver file and one line in this table.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "compat.h"
#include "channel.h"

extern const struct channel_driver imsg_driver;
extern const struct channel_driver signal_driver;
extern const struct channel_driver gmail_driver;
extern const struct channel_driver discord_driver;

const struct channel_driver *const channel_drivers[] = {
	&imsg_driver,
	&signal_driver,
	&gmail_driver,
	&discord_driver,
};
const size_t channel_count =
    sizeof(channel_drivers) / sizeof(channel_drivers[0]);

/* Ids are bits in a client's channel mask and index fixed arrays. */
_Static_assert(sizeof(channel_drivers) / sizeof(channel_drivers[0]) <=
    CHANNEL_MAX, "more channels than CHANNEL_MAX");

const struct channel_driver *
channel_driver(int id)
{
	if (id < 0 || (size_t)id >= channel_count)
		return NULL;
	return channel_drivers[id];
}

const char *
channel_name(int id)
{
	const struct channel_driver	*d = channel_driver(id);

	return d != NULL ? d->name : "unknown";
}

int
channel_lookup(const char *name)
{
	size_t	 id;

	if (name == NULL)
		return -1;
	for (id = 0; id < channel_count; id++) {
		if (strcmp(channel_drivers[id]->name, name) == 0)
			return (int)id;
	}
	return -1;
}

int
channel_tool_argv(const struct config *cfg, const struct channel *ch,
    const char *command, struct tool_argv *a, const char **cause)
{
	*cause = NULL;
	if (ch->driver == NULL || ch->driver->tool_argv == NULL) {
		*cause = "the channel runs no tool";
		return -1;
	}
	if (ch->driver->tool_argv(cfg, ch, command, a, cause) == -1) {
		if (*cause == NULL)
			*cause = "cannot build the command line";
		return -1;
	}
	return 0;
}
