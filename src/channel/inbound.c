/*
 * Inbound policy, one entry point for every channel and every path an
 * agent can read (the watcher's stream, the inbox, histories, lists):
 * each channel's driver decides on messages in its own tool's shape.
 */
#include "config.h"

#include <jansson.h>

#include "channel.h"
#include "policy.h"

int
inbound_message_visible(const struct config *cfg, const struct channel *ch,
    json_t *m)
{
	if (ch->driver == NULL || ch->driver->visible == NULL)
		return 0;
	return ch->driver->visible(cfg, ch, m);
}

int
inbound_scrub(const struct channel *ch, json_t *m)
{
	if (ch->driver == NULL || ch->driver->scrub == NULL)
		return -1;
	return ch->driver->scrub(ch, m);
}

const char *
inbound_sender(const struct channel *ch, json_t *m)
{
	if (ch->driver == NULL || ch->driver->sender == NULL)
		return NULL;
	return ch->driver->sender(m);
}
