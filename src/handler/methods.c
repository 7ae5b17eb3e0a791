/*
 * The core method table (gateway.* and inbox.*) and the list of channel
 * adapters, whose own tables hold the channels' methods.  Every method
 * the gateway knows is in one of them with the parameters it takes;
 * anything else is "method not found".  No
 * method runs a command of the client's choosing, opens a path the
 * client names, changes policy or touches holds and the audit chain
 * beyond appending to it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "channel.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "state.h"
#include "util.h"

static int	m_ping(struct call *, const struct channel *);
static int	m_whoami(struct call *, const struct channel *);

static const struct rpc_param no_params[] = {
	{ NULL, 0, 0 }
};

static const struct rpc_param subscribe_params[] = {
	{ "channels", RPC_T_STRINGS, 0 },
	{ "since", RPC_T_OBJECT, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param unsubscribe_params[] = {
	{ "subscription", RPC_T_INTEGER, 1 },
	{ NULL, 0, 0 }
};

static const struct rpc_param read_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "since", RPC_T_INTEGER, 0 },
	{ "limit", RPC_T_INTEGER, 0 },
	{ NULL, 0, 0 }
};

static const struct method methods[] = {
	{ .name = "gateway.ping", .params = no_params, .flags = METHOD_LOCAL,
	  .fn = m_ping },
	{ .name = "gateway.whoami", .params = no_params, .flags = METHOD_LOCAL,
	  .fn = m_whoami },
	{ .name = "inbox.subscribe", .params = subscribe_params, .flags = 0,
	  .fn = inbox_subscribe },
	{ .name = "inbox.unsubscribe", .params = unsubscribe_params,
	  .flags = 0, .fn = inbox_unsubscribe },
	{ .name = "inbox.read", .params = read_params,
	  .flags = METHOD_CHANNEL | METHOD_INBOX, .fn = inbox_read },
};
static const size_t nmethods = sizeof(methods) / sizeof(methods[0]);

/*
 * The handler's channel adapters, one file each: their methods and how
 * they deliver.  The one list of them.
 */
extern const struct handler_adapter imsg_adapter;
extern const struct handler_adapter signal_adapter;
extern const struct handler_adapter gmail_adapter;
extern const struct handler_adapter discord_adapter;

static const struct handler_adapter *const adapters[] = {
	&imsg_adapter,
	&signal_adapter,
	&gmail_adapter,
	&discord_adapter,
};

const struct handler_adapter *
handler_adapter(const struct channel *ch)
{
	size_t	 i;

	for (i = 0; ch != NULL && i < sizeof(adapters) / sizeof(adapters[0]);
	    i++)
		if (adapters[i]->driver == ch->driver)
			return adapters[i];
	return NULL;
}

/* The entry named name in a table of n, or NULL. */
static const struct method *
table_lookup(const struct method *t, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

const struct method *
method_lookup(const char *name, const char *channel, int *known)
{
	const struct method		*m;
	const struct channel_driver	*d;
	size_t				 i;

	*known = 0;
	if ((m = table_lookup(methods, nmethods, name)) != NULL)
		return m;
	d = channel_driver(channel_lookup(channel));
	for (i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++) {
		m = table_lookup(adapters[i]->methods, adapters[i]->nmethods,
		    name);
		if (m == NULL)
			continue;
		*known = 1;
		if (d != NULL && adapters[i]->driver == d)
			return m;
	}
	return NULL;
}

static int
m_ping(struct call *c, const struct channel *ch)
{
	c->result = json_pack("{s:b,s:i}", "pong", 1, "protocol",
	    CARAPACE_PROTOCOL_VERSION);
	return 0;
}

static int
m_whoami(struct call *c, const struct channel *ch)
{
	const struct client	*cl = c->env->client;
	json_t			*chans;
	int			 i;

	chans = json_array();
	for (i = 0; i < (int)channel_count; i++)
		if (cl->channels & (1U << i))
			json_array_append_new(chans,
			    json_string(channel_name(i)));
	c->result = json_pack("{s:I,s:I,s:I,s:s,s:o}",
	    "uid", (json_int_t)c->env->peer.uid,
	    "gid", (json_int_t)c->env->peer.gid,
	    "pid", (json_int_t)c->env->peer.pid,
	    "client", cl->name, "channels", chans);
	return 0;
}

