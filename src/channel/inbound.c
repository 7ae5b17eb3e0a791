/*
 * Inbound policy, one entry point for every channel and every path an
 * agent can read (the watcher's stream, the inbox, histories, lists):
 * each channel's driver decides on messages in its own tool's shape,
 * and its schemas say which of their fields the agent reads.
 */
#include "config.h"

#include <jansson.h>

#include "channel.h"
#include "policy.h"
#include "schema.h"

static inbound_veto_fn	 inbound_veto;

void
inbound_set_veto(inbound_veto_fn fn)
{
	inbound_veto = fn;
}

int
inbound_message_visible(const struct config *cfg, const struct channel *ch,
    json_t *m)
{
	if (ch->driver == NULL || ch->driver->visible == NULL)
		return 0;
	if (!ch->driver->visible(cfg, ch, m))
		return 0;
	return inbound_veto == NULL || inbound_veto(cfg, ch, m) == 0;
}

/*
 * Default deny: what the agent reads is rebuilt from the driver's
 * table, so a field the tool adds tomorrow stays out until someone
 * lists it.
 */
int
inbound_filter(const struct channel *ch, enum inbound_shape shape, json_t *obj)
{
	if (ch->driver == NULL || shape < 0 || shape >= INBOUND_SHAPES ||
	    ch->driver->schema[shape] == NULL)
		return -1;
	return schema_filter_in_place(ch->driver->schema[shape], ch->scrub,
	    obj);
}

int
inbound_scrub(const struct channel *ch, json_t *m)
{
	return inbound_filter(ch, INBOUND_MESSAGE, m);
}

const char *
inbound_sender(const struct channel *ch, json_t *m)
{
	if (ch->driver == NULL || ch->driver->sender == NULL)
		return NULL;
	return ch->driver->sender(m);
}
