/*
 * carapacectl: the owner's tool.  It runs as the carapace user (or the
 * owner with access to the state directory), never through the gateway
 * socket, so nothing an agent sends can reach these commands.
 */
#ifndef CARAPACE_CTL_H
#define CARAPACE_CTL_H

struct call_env;
struct channel;
struct identity_set;
struct state;
struct verdict;

int	 ctl_main(int argc, char **argv);
/*
 * policy test OPTIONS (policy-test.c) on a loaded configuration
 * (env->cfg): prints the decision; returns the exit status (0 send, 1
 * refuse, 3 hold; exits 2 on a usage error).
 */
int	 ctl_policy_test(struct call_env *env, int argc, char **argv);
/*
 * One recipient decided as the send pipeline decides it (send.c), for
 * the owner's tools: normalised into norm ("" when it cannot be),
 * resolved to what it reaches (set; n is 0 when it cannot be), judged
 * (v).  Chats and groups are looked up with the channel's tool,
 * read-only.  v->rule is a string that lives as long as env->cfg.
 */
void	 ctl_decide(struct call_env *env, const struct channel *ch,
	    const char *to, char *norm, size_t normlen,
	    struct identity_set *set, struct verdict *v);
/*
 * audit replay (replay.c): st's chain decided again under newenv's
 * configuration; prints each request whose recipient decision would
 * change.  Returns 0 when none would, 1 when some would.
 */
int	 ctl_audit_replay(struct state *st, struct call_env *newenv);

#endif /* CARAPACE_CTL_H */
