/*
 * The owner's decision on a held request, wherever it comes from
 * (carapacectl holds approve/drop at the terminal, or a reply from the
 * owner's identity that a watcher read): approve delivers it through
 * the same adapter as a live send, drop discards it; either way one
 * audit record names who decided, and the hold and its spooled
 * attachments go only once that is done.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "handler.h"
#include "log.h"
#include "protocol.h"
#include "state.h"
#include "util.h"

static int	 holds_audit(struct call_env *, struct call *, json_t *,
		    const char *, const char *);

/* One audit record for an owner's decision on a hold. */
static int
holds_audit(struct call_env *env, struct call *c, json_t *hold,
    const char *method, const char *by)
{
	struct audit_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.uid = env->peer.uid;
	ev.gid = env->peer.gid;
	ev.pid = env->peer.pid;
	ev.client = by;
	ev.method = method;
	ev.channel = json_string_value(json_object_get(hold, "channel"));
	ev.recipient = c->recipient[0] != '\0' ? c->recipient :
	    json_string_value(json_object_get(hold, "recipient"));
	ev.recipients = c->recipients != NULL ? c->recipients :
	    json_object_get(hold, "recipients");
	ev.delivery = c->delivery;
	ev.decision = AUDIT_DECISION_ALLOW;
	ev.rule = "owner";
	ev.outcome = c->outcome != AUDIT_OUTCOME_UNSET ? c->outcome :
	    (c->code == 0 ? AUDIT_OUTCOME_OK : AUDIT_OUTCOME_FAILED);
	/* The owner allowed it; the freeze refused it, and says so. */
	if (c->code == CP_ERR_FROZEN) {
		ev.decision = AUDIT_DECISION_DENY;
		ev.rule = c->rule;
		ev.outcome = AUDIT_OUTCOME_REFUSED;
	}
	ev.reason = c->code != 0 ? c->message : NULL;
	ev.hold_id = json_string_value(json_object_get(hold, "id"));
	ev.code = c->code;
	return audit_write(env->audit, &ev);
}

int
holds_decide(struct call_env *env, const char *id, int approve,
    const char *by, char *msg, size_t msglen)
{
	struct call	 c;
	json_t		*hold = NULL;
	int		 ch, r, rv = -1;

	/* One decision at a time: the others find it claimed. */
	if ((r = state_hold_claim(env->state, id, util_now_ms(),
	    HOLDS_CLAIM_LEASE_MS)) != 0 ||
	    (r = state_hold_get(env->state, id, &hold)) != 0) {
		(void)snprintf(msg, msglen, "hold %s: %s", id,
		    state_strerror(r));
		if (r != STATE_E_BUSY && r != STATE_E_NOTFOUND)
			(void)state_hold_unclaim(env->state, id);
		return -2;
	}
	memset(&c, 0, sizeof(c));
	c.env = env;
	c.method = "holds.approve";
	c.rule = "owner";
	c.by = by;
	(void)strlcpy(c.hold_id, id, sizeof(c.hold_id));
	if (approve) {
		ch = channel_lookup(json_string_value(json_object_get(hold,
		    "channel")));
		if (ch != -1)
			c.adapter = handler_adapter(&env->cfg->channels[ch]);
		r = deliver_hold(&c, hold);
		if (holds_audit(env, &c, hold, "holds.approve", by) == -1)
			log_warnx("audit record not written");
		if (r == 0) {
			if ((r = state_hold_del(env->state, id)) != 0)
				log_warnx("hold %s delivered but not removed: "
				    "%s", id, state_strerror(r));
			send_unspool(json_object_get(hold, "params"));
			(void)snprintf(msg, msglen, "%s: approved and sent to "
			    "%s", id, c.recipient);
			rv = 0;
		} else
			(void)snprintf(msg, msglen, "%s: delivery failed, "
			    "still held: %s", id, c.message);
	} else {
		c.outcome = AUDIT_OUTCOME_DROPPED;
		rv = -2;
		if (holds_audit(env, &c, hold, "holds.drop", by) == -1)
			(void)snprintf(msg, msglen, "audit unavailable: hold "
			    "kept");
		else if ((r = state_hold_del(env->state, id)) != 0)
			(void)snprintf(msg, msglen, "hold %s: %s", id,
			    state_strerror(r));
		else {
			send_unspool(json_object_get(hold, "params"));
			(void)snprintf(msg, msglen, "%s: dropped", id);
			rv = 0;
		}
	}
	/* Decided: the hold and its claim are gone, and its code with them. */
	if (rv == 0)
		(void)state_code_forget(env->state, id);
	else if ((r = state_hold_unclaim(env->state, id)) != 0)
		log_warnx("hold %s: claim not released: %s", id,
		    state_strerror(r));
	call_clear(&c);
	json_decref(hold);
	return rv;
}
