/*
 * A call's error, its audit record and its response (call.h).
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "audit.h"
#include "call.h"
#include "freeze.h"
#include "log.h"
#include "protocol.h"
#include "rpc.h"
#include "state.h"
#include "util.h"

int
call_error(struct call *c, int code, json_t *data, const char *fmt, ...)
{
	va_list	ap;

	c->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	json_decref(c->data);
	c->data = data;
	if (c->decision == AUDIT_DECISION_UNSET)
		c->decision = AUDIT_DECISION_DENY;
	if (c->outcome == AUDIT_OUTCOME_UNSET)
		c->outcome = AUDIT_OUTCOME_REFUSED;
	return -1;
}

/* The call's record, as it stands, into ev. */
static void
call_event(const struct call *c, struct audit_event *ev)
{
	const struct call_env	*env = c->env;

	memset(ev, 0, sizeof(*ev));
	ev->uid = env->peer.uid;
	ev->gid = env->peer.gid;
	ev->pid = env->peer.pid;
	ev->client = env->client != NULL ? env->client->name : NULL;
	ev->method = c->method;
	ev->channel = c->channel;
	ev->recipient = c->recipient[0] != '\0' ? c->recipient : NULL;
	ev->recipients = c->recipients;
	ev->delivery = c->delivery;
	ev->decision = c->decision != AUDIT_DECISION_UNSET ? c->decision :
	    (c->code == 0 ? AUDIT_DECISION_ALLOW : AUDIT_DECISION_DENY);
	ev->rule = c->rule;
	ev->outcome = c->outcome != AUDIT_OUTCOME_UNSET ? c->outcome :
	    (c->code == 0 ? AUDIT_OUTCOME_OK : AUDIT_OUTCOME_REFUSED);
	ev->reason = c->code != 0 ? c->message : NULL;
	ev->hold_id = c->hold_id[0] != '\0' ? c->hold_id : NULL;
	ev->code = c->code;
	ev->request_id = c->id;
}

void
call_audit(struct call *c)
{
	const struct call_env	*env = c->env;
	struct audit_event	 ev;
	struct rate_request	 rq;
	size_t			 which;
	uint64_t		 retry;
	int			 r;

	call_event(c, &ev);
	if (c->spend_pending) {
		/*
		 * The window still to charge (a refusal, or a method
		 * answered by the handler alone) is charged in the
		 * record's commit: one flush, not two.  If it filled up
		 * meanwhile, a refusal is recorded as it is, and an
		 * answer is withheld: the client is told it is limited.
		 */
		rq.key = c->spend_key;
		rq.max = c->spend_max;
		rq.window_ms = c->spend_window_ms;
		c->spend_pending = 0;
		r = audit_write_charged(env->audit, &ev, &rq, 1,
		    util_now_ms(), 0, &which, &retry, NULL);
		if (r == 1) {
			if (c->code == 0) {
				json_decref(c->result);
				c->result = NULL;
				(void)call_request_limited(c, retry);
				call_event(c, &ev);
			}
			r = audit_write(env->audit, &ev);
		}
	} else
		r = audit_write(env->audit, &ev);
	if (r == -1) {
		log_warnx("audit failed for %s from uid %u: refusing",
		    c->method != NULL ? c->method : "-",
		    (unsigned)env->peer.uid);
		json_decref(c->result);
		c->result = NULL;
		c->code = CP_ERR_AUDIT_UNAVAILABLE;
		(void)strlcpy(c->message, "audit unavailable: request refused",
		    sizeof(c->message));
		json_decref(c->data);
		c->data = NULL;
	}
}

/* The delivering record of the call, into ev. */
static void
delivery_event(const struct call *c, struct audit_event *ev)
{
	const struct call_env	*env = c->env;

	memset(ev, 0, sizeof(*ev));
	ev->uid = env->peer.uid;
	ev->gid = env->peer.gid;
	ev->pid = env->peer.pid;
	ev->client = c->by != NULL ? c->by : env->client != NULL ?
	    env->client->name : (c->s == NULL ? "carapacectl" : NULL);
	ev->method = c->method;
	ev->channel = c->channel;
	ev->recipient = c->recipient[0] != '\0' ? c->recipient : NULL;
	ev->recipients = c->recipients;
	ev->decision = AUDIT_DECISION_ALLOW;
	ev->rule = c->rule;
	ev->outcome = AUDIT_OUTCOME_DELIVERING;
	ev->hold_id = c->hold_id[0] != '\0' ? c->hold_id : NULL;
	ev->request_id = c->id;
}

int
call_request_limited(struct call *c, uint64_t retry_ms)
{
	const struct client	*cl = c->env->client;
	uint64_t		 secs = (retry_ms + 999) / 1000;

	c->rule = "clients.limits.requests";
	c->outcome = AUDIT_OUTCOME_LIMITED;
	return call_error(c, CP_ERR_RATE_LIMITED,
	    json_pack("{s:I,s:s}", "retry_after", (json_int_t)secs,
	    "rule", c->rule),
	    "rate limited: at most %llu requests per %llus; retry in %llus",
	    (unsigned long long)(cl != NULL ? cl->max_requests : 0),
	    (unsigned long long)(cl != NULL ? cl->requests_window_ms / 1000 :
	    0), (unsigned long long)secs);
}

int
call_frozen(struct call *c)
{
	c->rule = FREEZE_RULE;
	return call_error(c, CP_ERR_FROZEN,
	    json_pack("{s:s?,s:s}", "channel", c->channel, "rule",
	    FREEZE_RULE),
	    "channel %s is frozen by the owner: nothing is sent until the "
	    "owner thaws it", c->channel != NULL ? c->channel : "(every)");
}

int
call_charge(struct call *c, const struct rate_request *reqs, size_t n,
    int delivering, size_t *which, uint64_t *retry_ms)
{
	const struct call_env	*env = c->env;
	struct rate_request	*all;
	struct audit_event	 ev;
	size_t			 first = c->spend_pending ? 1 : 0, i;
	int			 r;

	if ((all = reallocarray(NULL, n + 1, sizeof(*all))) == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "out of memory");
	if (first) {
		all[0].key = c->spend_key;
		all[0].max = c->spend_max;
		all[0].window_ms = c->spend_window_ms;
	}
	for (i = 0; i < n; i++)
		all[first + i] = reqs[i];
	*which = 0;
	*retry_ms = 0;
	if (delivering) {
		/*
		 * The record of an act must survive the act: with
		 * audit.sync it is on disk before the tool runs, else a
		 * power cut could keep the message sent and lose its
		 * record.  The windows are charged in the same commit.
		 */
		delivery_event(c, &ev);
		r = audit_write_charged(env->audit, &ev, all, first + n,
		    util_now_ms(), STATE_APPEND_UNFROZEN |
		    (env->cfg->audit_sync ? STATE_APPEND_SYNC : 0), which,
		    retry_ms, &c->delivery);
		r = r == 1 ? STATE_E_LIMITED : r == 2 ? STATE_E_FROZEN : r;
	} else
		r = state_rate_take(env->state, all, first + n, util_now_ms(),
		    which, retry_ms);
	free(all);
	if (r == STATE_E_LIMITED) {
		if (first && *which == 0) {
			/* Refused by its own window: not charged. */
			c->spend_pending = 0;
			return call_request_limited(c, *retry_ms);
		}
		/* The request window is charged by call_audit. */
		*which -= first;
		return 1;
	}
	if (r == STATE_E_FROZEN) {
		/*
		 * Frozen since dispatch looked: nothing charged, nothing
		 * delivered; the request window is charged by call_audit.
		 */
		c->delivery = 0;
		return call_frozen(c);
	}
	/* Charged, or (on failure) not to be charged twice. */
	c->spend_pending = 0;
	if (r == 0)
		return 0;
	if (delivering) {
		c->delivery = 0;
		log_warnx("audit failed before delivery on %s: refusing",
		    c->channel != NULL ? c->channel : "-");
		c->outcome = AUDIT_OUTCOME_REFUSED;
		return call_error(c, CP_ERR_AUDIT_UNAVAILABLE, NULL,
		    "audit unavailable: request refused");
	}
	return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
	    "state unavailable: %s", state_strerror(r));
}

/* A gate that failed stays shut: nothing runs after its refusal. */
static int
gate_shut(struct call *c, void *arg)
{
	(void)arg;
	if (c->code == 0)
		(void)call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "delivery refused");
	return -1;
}

int
call_gate_open(struct call *c)
{
	int	(*gate)(struct call *, void *) = c->gate;

	if (gate == NULL)
		return 0;
	/* Opened once: the gate itself must not run again meanwhile. */
	c->gate = gate_shut;
	if (gate(c, c->gate_arg) != 0)
		return -1;
	c->gate = NULL;
	return 0;
}

int
call_audit_delivery(struct call *c)
{
	size_t		 which;
	uint64_t	 retry;

	/* No windows of its own: 1 cannot come back. */
	return call_charge(c, NULL, 0, 1, &which, &retry) == 0 ? 0 : -1;
}

void
call_set_recipients(struct call *c, const char *const *r, size_t n)
{
	size_t	i;

	json_decref(c->recipients);
	c->recipients = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(c->recipients, json_string(r[i]));
	/* The joined form is only for answers; records take the list. */
	c->recipient[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)strlcat(c->recipient, ",", sizeof(c->recipient));
		(void)strlcat(c->recipient, r[i], sizeof(c->recipient));
	}
}

json_t *
call_response(struct call *c)
{
	json_t	*resp;

	if (c->code != 0) {
		resp = rpc_error(c->id, c->code, c->message, c->data);
		c->data = NULL;
	} else {
		resp = rpc_result(c->id, c->result);
		c->result = NULL;
	}
	return resp;
}

void
call_clear(struct call *c)
{
	json_decref(c->result);
	c->result = NULL;
	json_decref(c->data);
	c->data = NULL;
	json_decref(c->recipients);
	c->recipients = NULL;
}

uint64_t
call_reserve(const struct config *cfg)
{
	uint64_t	quarter = cfg->map_size / 4;

	return cfg->map_reserve < quarter ? cfg->map_reserve : quarter;
}
