/*
 * The owner's freeze in the programs (freeze.h): the refusal dispatch
 * gives every outbound method while its channel is frozen, and that
 * deliver_hold gives a held message, whoever approves it (a freeze set
 * after these looked is found again in the delivery's own commit:
 * call_charge); and the owner's own act of freezing or thawing, audited.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "audit.h"
#include "call.h"
#include "channel.h"
#include "freeze.h"
#include "log.h"
#include "protocol.h"
#include "state.h"
#include "util.h"

int
freeze_check(struct call *c)
{
	int	frozen = 0, r;

	if (c->env->state == NULL)
		return 0;
	if ((r = state_frozen(c->env->state, c->channel, &frozen)) != 0) {
		c->rule = FREEZE_RULE;
		return call_error(c, CP_ERR_STATE_UNAVAILABLE,
		    json_pack("{s:s}", "rule", FREEZE_RULE),
		    "state unavailable: %s; the owner's freeze cannot be "
		    "checked", state_strerror(r));
	}
	if (!frozen)
		return 0;
	return call_frozen(c);
}

/* The record of an owner's freeze or thaw. */
static int
freeze_audit(struct call_env *env, const char *channel, int frozen,
    const char *by, int failed, const char *reason)
{
	struct audit_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.uid = env->peer.uid;
	ev.gid = env->peer.gid;
	ev.pid = env->peer.pid;
	ev.client = by;
	ev.method = frozen ? "owner.freeze" : "owner.thaw";
	ev.channel = channel;
	ev.decision = AUDIT_DECISION_ALLOW;
	ev.rule = "owner";
	ev.outcome = failed ? AUDIT_OUTCOME_FAILED : AUDIT_OUTCOME_OK;
	ev.reason = reason;
	return audit_write(env->audit, &ev);
}

int
owner_freeze(struct call_env *env, const char *channel, int frozen,
    const char *by)
{
	char	what[128], failure[256];
	int	id = -1, r;

	if (env == NULL || env->cfg == NULL || env->state == NULL ||
	    by == NULL) {
		log_warnx("freeze: no configuration, state or owner");
		return -1;
	}
	if (channel != NULL && (id = channel_lookup(channel)) == -1) {
		log_warnx("freeze: unknown channel %s", channel);
		return -1;
	}
	if (channel != NULL && frozen && !env->cfg->channels[id].configured) {
		log_warnx("freeze: channel %s is not configured", channel);
		return -1;
	}
	(void)snprintf(what, sizeof(what), "%s %s by %s",
	    channel != NULL ? channel : "every channel",
	    frozen ? "frozen" : "thawed", by);
	/* A thaw lets sends go again: not before its record is written. */
	if (!frozen && freeze_audit(env, channel, frozen, by, 0, what) == -1) {
		log_warnx("thaw of %s refused: audit unavailable",
		    channel != NULL ? channel : "every channel");
		return -1;
	}
	if ((r = state_freeze_set(env->state, channel, frozen,
	    util_now_ms())) != 0) {
		(void)snprintf(failure, sizeof(failure), "%s failed: %s",
		    what, state_strerror(r));
		log_warnx("%s", failure);
		(void)freeze_audit(env, channel, frozen, by, 1, failure);
		return -1;
	}
	/* A freeze stands even when its record cannot be written. */
	if (frozen && freeze_audit(env, channel, frozen, by, 0, what) == -1) {
		log_warnx("%s, but its audit record was not written", what);
		return -1;
	}
	return 0;
}
