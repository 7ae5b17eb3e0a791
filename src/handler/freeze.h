/*
 * The owner's freeze, in the programs: the refusal every outbound
 * request meets while its channel is frozen, and the owner's act of
 * freezing or thawing (carapacectl freeze/thaw, or "freeze"/"thaw" sent
 * from the owner's own identity and seen by a watcher).  The flags
 * themselves are in the state (state_freeze_set, state_frozen).
 * Nothing an agent sends reaches owner_freeze: no method calls it.
 */
#ifndef CARAPACE_FREEZE_H
#define CARAPACE_FREEZE_H

struct call;
struct call_env;

#define FREEZE_RULE	"owner.freeze"	/* also call_frozen's (call.c) */

/*
 * Refuse the call when its channel (c->channel; NULL: only "every
 * channel" counts) is frozen: CP_ERR_FROZEN with data {channel, rule},
 * rule owner.freeze, decision deny.  When the flags cannot be read it
 * refuses too (state unavailable): a freeze must not fail open.  With
 * no state (the fuzzer) nothing is read.  0 when the call may go on,
 * else -1 with the call's error set.
 */
int	 freeze_check(struct call *);

/*
 * The owner freezes (frozen non-zero) or thaws channel (NULL: every
 * channel; thawing every channel clears every flag) and it is audited:
 * one record, method "owner.freeze" or "owner.thaw", client by (e.g.
 * "carapacectl", or the owner's identity), rule "owner".  channel must
 * be a known channel name, and configured to be frozen.  A freeze is
 * set before its record is written (a freeze is never lost to an audit
 * failure); a thaw only after its record is written (no thaw goes
 * unrecorded).  Returns 0, or -1 with the cause logged.
 */
int	 owner_freeze(struct call_env *env, const char *channel, int frozen,
	    const char *by);

#endif /* CARAPACE_FREEZE_H */
