/*
 * carapacectl: the owner's tool.  It runs as the carapace user (or the
 * owner with access to the state directory), never through the gateway
 * socket, so nothing an agent sends can reach these commands.
 */
#ifndef CARAPACE_CTL_H
#define CARAPACE_CTL_H

struct call_env;
struct state;

int	 ctl_main(int argc, char **argv);
/*
 * policy test OPTIONS (policy-test.c) on a loaded configuration
 * (env->cfg): prints the decision; returns the exit status (0 send, 1
 * refuse, 3 hold; exits 2 on a usage error).
 */
int	 ctl_policy_test(struct call_env *env, int argc, char **argv);
/*
 * audit replay (replay.c): st's chain decided again under newenv's
 * configuration; prints each request whose recipient decision would
 * change.  Returns 0 when none would, 1 when some would.
 */
int	 ctl_audit_replay(struct state *st, struct call_env *newenv);

#endif /* CARAPACE_CTL_H */
