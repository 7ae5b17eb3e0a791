/*
 * Test helper for approvals by reply: what the notices (owner-notify.c)
 * store, stored by hand, so that the end-to-end tests can give a hold a
 * reply code, or mark a notice's text, through the real state and the
 * real owner_code_hash and owner_message_key.
 *
 *   owner_state CONFIG code HOLD_ID CHANNEL CODE EXPIRES_IN_SECONDS
 *	(a negative time: a code already expired)
 *   owner_state CONFIG notice CHANNEL TEXT
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "conf.h"
#include "handler.h"
#include "owner.h"
#include "state.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct config		*cf = NULL;
	struct config_errors	 errs = { NULL, 0 };
	struct state		*st;
	struct state_code	 sc;
	const char		*errstr;
	char			 hash[65];
	long long		 secs;
	uint64_t		 now;
	int			 r;

	if (argc < 3 || config_load(argv[1], 0, &cf, &errs) != 0) {
		fprintf(stderr, "usage: owner_state CONFIG code|claim|notice ...\n");
		return 2;
	}
	if ((r = state_open(cf->state_dir, cf->map_size, 0, &st)) != 0) {
		fprintf(stderr, "state: %s\n", state_strerror(r));
		return 1;
	}
	now = util_now_ms();
	if (strcmp(argv[2], "code") == 0 && argc == 7) {
		secs = strtonum(argv[6], -86400, 86400, &errstr);
		if (errstr != NULL || owner_code_hash(argv[5], hash) == -1) {
			fprintf(stderr, "bad code or time\n");
			return 2;
		}
		memset(&sc, 0, sizeof(sc));
		(void)strlcpy(sc.hold_id, argv[3], sizeof(sc.hold_id));
		(void)strlcpy(sc.channel, argv[4], sizeof(sc.channel));
		sc.created_ms = now - 1000;
		sc.expires_ms = (uint64_t)((long long)now + secs * 1000);
		r = state_code_put(st, hash, &sc);
	} else if (strcmp(argv[2], "claim") == 0 && argc == 4) {
		/* A decider at work on the hold (holds_decide's claim). */
		r = state_hold_claim(st, argv[3], now, HOLDS_CLAIM_LEASE_MS);
	} else if (strcmp(argv[2], "notice") == 0 && argc == 5) {
		owner_message_key(argv[3], NULL, argv[4], hash);
		r = state_hide_mark(st, hash, now);
	} else {
		fprintf(stderr, "usage: owner_state CONFIG code|claim|notice ...\n");
		return 2;
	}
	if (r != 0)
		fprintf(stderr, "state: %s\n", state_strerror(r));
	state_close(st);
	config_free(cf);
	return r == 0 ? 0 : 1;
}
