/*
 * A call's error, its audit record and its response (call.h).
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "audit.h"
#include "call.h"
#include "log.h"
#include "protocol.h"
#include "rpc.h"
#include "state.h"

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

void
call_audit(struct call *c)
{
	const struct call_env	*env = c->env;
	struct audit_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.uid = env->peer.uid;
	ev.gid = env->peer.gid;
	ev.pid = env->peer.pid;
	ev.client = env->client != NULL ? env->client->name : NULL;
	ev.method = c->method;
	ev.channel = c->channel;
	ev.recipient = c->recipient[0] != '\0' ? c->recipient : NULL;
	ev.recipients = c->recipients;
	ev.delivery = c->delivery;
	ev.decision = c->decision != AUDIT_DECISION_UNSET ? c->decision :
	    (c->code == 0 ? AUDIT_DECISION_ALLOW : AUDIT_DECISION_DENY);
	ev.rule = c->rule;
	ev.outcome = c->outcome != AUDIT_OUTCOME_UNSET ? c->outcome :
	    (c->code == 0 ? AUDIT_OUTCOME_OK : AUDIT_OUTCOME_REFUSED);
	ev.reason = c->code != 0 ? c->message : NULL;
	ev.hold_id = c->hold_id[0] != '\0' ? c->hold_id : NULL;
	ev.code = c->code;
	ev.request_id = c->id;
	if (audit_write(env->audit, &ev) == -1) {
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

int
call_audit_delivery(struct call *c)
{
	const struct call_env	*env = c->env;
	struct audit_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.uid = env->peer.uid;
	ev.gid = env->peer.gid;
	ev.pid = env->peer.pid;
	ev.client = env->client != NULL ? env->client->name :
	    (c->s == NULL ? "carapacectl" : NULL);
	ev.method = c->method;
	ev.channel = c->channel;
	ev.recipient = c->recipient[0] != '\0' ? c->recipient : NULL;
	ev.recipients = c->recipients;
	ev.decision = AUDIT_DECISION_ALLOW;
	ev.rule = c->rule;
	ev.outcome = AUDIT_OUTCOME_DELIVERING;
	ev.hold_id = c->hold_id[0] != '\0' ? c->hold_id : NULL;
	ev.request_id = c->id;
	/*
	 * The record of an act must survive the act: with audit.sync it
	 * is on disk before the tool runs, else a power cut could keep the
	 * message sent and lose its record.
	 */
	if (audit_write_seq(env->audit, &ev, &c->delivery) == -1 ||
	    (env->cfg->audit_sync && state_sync(env->state) != 0)) {
		c->delivery = 0;
		log_warnx("audit failed before delivery on %s: refusing",
		    c->channel != NULL ? c->channel : "-");
		c->outcome = AUDIT_OUTCOME_REFUSED;
		return call_error(c, CP_ERR_AUDIT_UNAVAILABLE, NULL,
		    "audit unavailable: request refused");
	}
	return 0;
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
