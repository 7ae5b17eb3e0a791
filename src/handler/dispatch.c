/*
 * Dispatch: what a request object asks for, decided without running it
 * and without I/O: the request's shape, the method, the channel the
 * client may use and the method's parameters.  The connection loop and
 * the fuzzer both run requests through this one step.
 */
#include "config.h"

#include <sys/types.h>

#include <string.h>

#include "compat.h"
#include "channel.h"
#include "handler.h"
#include "protocol.h"
#include "rpc.h"

int
dispatch(struct call *c, json_t *v, struct dispatch *d)
{
	const struct client	*cl = c->env->client;
	struct rpc_request	 req;
	const struct method	*m;
	const struct channel	*ch = NULL;
	json_t			*params;
	const char		*chname;
	char			 msg[RPC_MSG_MAX];
	int			 id, known;

	memset(d, 0, sizeof(*d));
	memset(&req, 0, sizeof(req));
	if (rpc_parse_request(v, &req, msg, sizeof(msg)) != 0) {
		c->id = req.id;
		c->decision = AUDIT_DECISION_INVALID;
		return call_error(c, RPC_INVALID_REQUEST, NULL, "%s", msg);
	}
	c->id = req.id;
	d->notification = req.id == NULL;
	c->method = req.method;
	chname = json_string_value(json_object_get(req.params, "channel"));
	m = method_lookup(req.method, chname, &known);
	if (m == NULL && !known) {
		c->decision = AUDIT_DECISION_INVALID;
		return call_error(c, RPC_METHOD_NOT_FOUND, NULL,
		    "method not found");
	}
	if (m != NULL)
		c->method = m->name;
	if (m == NULL || (m->flags & METHOD_CHANNEL)) {
		if ((id = channel_lookup(chname)) == -1) {
			c->decision = AUDIT_DECISION_INVALID;
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    chname == NULL ? "param channel: required, a string" :
			    "param channel: unknown channel");
		}
		c->channel = channel_name(id);
		if (cl == NULL || (cl->channels & (1U << id)) == 0) {
			c->rule = "clients.channels";
			return call_error(c, CP_ERR_CHANNEL_DENIED,
			    json_pack("{s:s}", "channel", c->channel),
			    "client %s may not use channel %s",
			    cl != NULL ? cl->name : "-", c->channel);
		}
		ch = &c->env->cfg->channels[id];
		if (!ch->configured) {
			c->rule = "channels";
			return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE,
			    json_pack("{s:s}", "channel", c->channel),
			    "channel %s is not configured", c->channel);
		}
		if (m == NULL) {
			c->decision = AUDIT_DECISION_INVALID;
			return call_error(c, RPC_METHOD_NOT_FOUND,
			    json_pack("{s:s}", "channel", c->channel),
			    "method not found on channel %s", c->channel);
		}
	}
	/*
	 * Params after the channel checks: a client refused the channel
	 * hears that, whatever that channel's entry takes.
	 */
	params = req.params;
	if (params == NULL)
		params = d->empty = json_object();
	if (rpc_check_params(params, m->params, msg, sizeof(msg)) != 0) {
		c->decision = AUDIT_DECISION_INVALID;
		return call_error(c, RPC_INVALID_PARAMS, NULL, "%s", msg);
	}
	c->params = params;
	c->adapter = ch != NULL ? handler_adapter(ch) : NULL;
	d->method = m;
	d->channel = ch;
	return 0;
}

void
dispatch_clear(struct dispatch *d)
{
	json_decref(d->empty);
	d->empty = NULL;
}
