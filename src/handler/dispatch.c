/*
 * Dispatch: what a request object asks for, decided without running it:
 * the request's shape, the method, the channel the client may use and
 * the method's parameters.  The connection loop and the fuzzer both run
 * requests through this one step.  Its only state access is what every
 * request spends (the map reserve check and the client's request
 * window, dispatch_spend, charged before a method runs unless the method
 * delivers); with no state (the fuzzer) it does no I/O.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "channel.h"
#include "freeze.h"
#include "handler.h"
#include "protocol.h"
#include "rpc.h"
#include "state.h"
#include "util.h"

static int	 dispatch_spend(struct call *);

/*
 * What every request spends, whatever it is: room in the state map
 * (a request is refused once only the reserve is left, so that the
 * refusals are still audited and the owner's carapacectl still works)
 * and one of the client's requests for the window.  The window is only
 * looked at here (no write, no flush); its charge is left pending on
 * the call for the call's first commit (dispatch's end, a delivery's
 * one commit, or call_audit), which checks it again.  0 or the call's
 * error.
 */
static int
dispatch_spend(struct call *c)
{
	const struct client	*cl = c->env->client;
	struct rate_request	 rq;
	size_t			 which = 0;
	uint64_t		 retry = 0;
	int			 r;

	if (c->env->state == NULL || cl == NULL)
		return 0;
	if ((r = state_headroom(c->env->state,
	    (size_t)call_reserve(c->env->cfg))) != 0) {
		c->rule = "map_reserve";
		return call_error(c, CP_ERR_STATE_UNAVAILABLE,
		    json_pack("{s:s}", "rule", "map_reserve"),
		    "state unavailable: %s; only the reserve is left",
		    state_strerror(r));
	}
	if ((size_t)snprintf(c->spend_key, sizeof(c->spend_key),
	    "client|requests|%llu|%llu|%s",
	    (unsigned long long)cl->max_requests,
	    (unsigned long long)cl->requests_window_ms, cl->name) >=
	    sizeof(c->spend_key))
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: client name too long for a key");
	rq.key = c->spend_key;
	rq.max = (unsigned int)cl->max_requests;
	rq.window_ms = cl->requests_window_ms;
	r = state_rate_peek(c->env->state, &rq, 1, util_now_ms(), &which,
	    &retry);
	if (r == STATE_E_LIMITED)
		return call_request_limited(c, retry);
	if (r != 0)
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: %s", state_strerror(r));
	c->spend_pending = 1;
	c->spend_max = rq.max;
	c->spend_window_ms = rq.window_ms;
	return 0;
}

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
	size_t			 which;
	uint64_t		 retry;
	int			 id, known, bad;

	memset(d, 0, sizeof(*d));
	memset(&req, 0, sizeof(req));
	bad = rpc_parse_request(v, &req, msg, sizeof(msg)) != 0;
	c->id = req.id;
	if (!bad) {
		c->method = req.method;
		d->notification = req.id == NULL;
	}
	/* Spent by every request, well-formed or not. */
	if (dispatch_spend(c) != 0)
		return -1;
	if (bad) {
		c->decision = AUDIT_DECISION_INVALID;
		return call_error(c, RPC_INVALID_REQUEST, NULL, "%s", msg);
	}
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
	/* The owner's freeze stops everything outbound before it runs. */
	if ((m->flags & METHOD_OUTBOUND) && freeze_check(c) != 0)
		return -1;
	/*
	 * Before the method runs, its window is charged (exact across
	 * processes), unless it delivers: then with the delivery; or
	 * unless it is answered by the handler alone: then with its
	 * record, before the answer leaves (call_audit), one commit and
	 * one flush instead of two.
	 */
	if (c->spend_pending &&
	    (m->flags & (METHOD_DELIVERS | METHOD_LOCAL)) == 0 &&
	    call_charge(c, NULL, 0, 0, &which, &retry) != 0)
		return -1;
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
