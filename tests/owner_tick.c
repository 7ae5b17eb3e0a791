/*
 * Test helper for the owner's notices: one watcher tick (owner_tick) on
 * CHANNEL as carapace-watch makes it, with the real state, audit and
 * adapter, at a time SECONDS from now, so that the end-to-end tests see
 * a notice window free up and reply codes expire without waiting.
 *
 *   owner_tick CONFIG CHANNEL SECONDS
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "audit.h"
#include "call.h"
#include "channel.h"
#include "conf.h"
#include "log.h"
#include "owner.h"
#include "state.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct config_errors	 errs = { NULL, 0 };
	struct call_env		 env;
	const char		*errstr, *cause = NULL;
	long long		 secs;
	int			 id, r;

	memset(&env, 0, sizeof(env));
	if (argc != 4 || (id = channel_lookup(argv[2])) == -1) {
		fprintf(stderr, "usage: owner_tick CONFIG CHANNEL SECONDS\n");
		return 2;
	}
	secs = strtonum(argv[3], 0, 7 * 86400, &errstr);
	if (errstr != NULL || config_load(argv[1], 0, &env.cfg, &errs) != 0) {
		fprintf(stderr, "owner_tick: bad time or configuration\n");
		return 2;
	}
	log_init("owner_tick", LOG_TO_STDERR, 0);
	if ((r = state_open(env.cfg->state_dir, env.cfg->map_size, 0,
	    &env.state)) != 0) {
		fprintf(stderr, "state: %s\n", state_strerror(r));
		return 1;
	}
	if ((env.audit = audit_open(env.cfg, env.state, "owner_tick",
	    &cause)) == NULL) {
		fprintf(stderr, "audit: %s\n", cause);
		return 1;
	}
	env.peer.uid = getuid();
	env.peer.gid = getgid();
	env.peer.pid = getpid();
	owner_tick(&env, &env.cfg->channels[id],
	    util_now_ms() + (uint64_t)secs * 1000);
	audit_close(env.audit);
	state_close(env.state);
	config_free(env.cfg);
	return 0;
}
