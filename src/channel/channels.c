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
