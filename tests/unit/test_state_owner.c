/*
 * Unit tests for the owner approvals in the state store: reply codes
 * (bound to one hold, used up with its decision, expiring, superseded by
 * a later notice, malformed hashes refused), the claim that makes one
 * decision at a time and the marks of hidden messages.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "compat.h"
#include "sha256.h"
#include "state.h"

struct fixture {
	char		 dir[64];
	struct state	*st;
};

static int
setup(void **statep)
{
	struct fixture	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	(void)strlcpy(f->dir, "/tmp/test_owner.XXXXXX", sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(state_open(f->dir, 0, 0, &f->st), 0);
	*statep = f;
	return 0;
}

static int
teardown(void **statep)
{
	struct fixture	*f = *statep;
	char		 path[128];

	state_close(f->st);
	(void)snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/inbox.wake", f->dir);
	(void)unlink(path);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void
code(struct state_code *c, const char *hold, uint64_t created,
    uint64_t expires)
{
	memset(c, 0, sizeof(*c));
	(void)strlcpy(c->hold_id, hold, sizeof(c->hold_id));
	(void)strlcpy(c->channel, "signal", sizeof(c->channel));
	c->created_ms = created;
	c->expires_ms = expires;
}

static void
test_code_single_use(void **statep)
{
	struct fixture		*f = *statep;
	struct state_code	 c, got;
	char			 h[65], h2[65];

	sha256_hex("K7QX2M9P", 8, h);
	code(&c, "h-0000000001", 1000, 5000);
	assert_int_equal(state_code_put(f->st, h, &c), 0);
	assert_int_equal(state_code_of_hold(f->st, "h-0000000001", &got, h2),
	    0);
	assert_string_equal(h2, h);
	assert_int_equal(got.expires_ms, 5000);
	/* Found until its hold is decided: then forgotten, for good. */
	assert_int_equal(state_code_find(f->st, h, 2000, &got), 0);
	assert_string_equal(got.hold_id, "h-0000000001");
	assert_string_equal(got.channel, "signal");
	assert_int_equal(state_code_find(f->st, h, 2000, &got), 0);
	assert_int_equal(state_code_forget(f->st, "h-0000000001"), 0);
	assert_int_equal(state_code_find(f->st, h, 2000, &got),
	    STATE_E_NOTFOUND);
	assert_int_equal(state_code_of_hold(f->st, "h-0000000001", &got,
	    NULL), STATE_E_NOTFOUND);
}

static void
test_code_expired(void **statep)
{
	struct fixture		*f = *statep;
	struct state_code	 c, got;
	char			 h[65];

	sha256_hex("AAAA0000", 8, h);
	code(&c, "h-0000000002", 1000, 5000);
	assert_int_equal(state_code_put(f->st, h, &c), 0);
	/* An expired code says so, and stays for the expiry to decide. */
	assert_int_equal(state_code_find(f->st, h, 5000, &got),
	    STATE_E_EXPIRED);
	assert_string_equal(got.hold_id, "h-0000000002");
	assert_int_equal(state_code_find(f->st, h, 4999, &got), 0);
}

static void
test_code_superseded(void **statep)
{
	struct fixture		*f = *statep;
	struct state_code	 c, got;
	char			 h1[65], h2[65], h[65];

	sha256_hex("FIRST000", 8, h1);
	sha256_hex("SECOND00", 8, h2);
	code(&c, "h-0000000003", 1000, 9000);
	assert_int_equal(state_code_put(f->st, h1, &c), 0);
	code(&c, "h-0000000003", 2000, 9000);
	assert_int_equal(state_code_put(f->st, h2, &c), 0);
	assert_int_equal(state_code_find(f->st, h1, 3000, &got),
	    STATE_E_NOTFOUND);
	assert_int_equal(state_code_of_hold(f->st, "h-0000000003", &got, h),
	    0);
	assert_string_equal(h, h2);
	assert_int_equal(state_code_forget(f->st, "h-0000000003"), 0);
	assert_int_equal(state_code_find(f->st, h2, 3000, &got),
	    STATE_E_NOTFOUND);
	assert_int_equal(state_code_forget(f->st, "h-0000000003"), 0);
}

struct count {
	int	n;
	int	other;
};

static int
count_one(const char *hash, const struct state_code *c, void *arg)
{
	struct count	*k = arg;

	assert_int_equal(strlen(hash), 64);
	if (strncmp(c->hold_id, "h-1", 3) == 0)
		k->n++;
	else
		k->other++;
	return 0;
}

static void
test_code_foreach_and_bad(void **statep)
{
	struct fixture		*f = *statep;
	struct state_code	 c, got;
	struct count		 k = { 0, 0 };
	char			 h[65], name[16];
	int			 i;

	for (i = 0; i < 40; i++) {
		(void)snprintf(name, sizeof(name), "h-1%09d", i);
		sha256_hex(name, strlen(name), h);
		code(&c, name, 1, 2);
		assert_int_equal(state_code_put(f->st, h, &c), 0);
	}
	assert_int_equal(state_code_foreach(f->st, count_one, &k), 0);
	assert_int_equal(k.n, 40);
	assert_int_equal(k.other, 0);
	/* Malformed hashes and hold ids are refused, never stored. */
	code(&c, "h-0000000009", 1, 2);
	assert_int_equal(state_code_put(f->st, "ABC", &c), STATE_E_INVALID);
	(void)memset(h, 'A', 64);
	h[64] = '\0';
	assert_int_equal(state_code_put(f->st, h, &c), STATE_E_INVALID);
	assert_int_equal(state_code_find(f->st, h, 1, &got),
	    STATE_E_INVALID);
	code(&c, "", 1, 2);
	sha256_hex("x", 1, h);
	assert_int_equal(state_code_put(f->st, h, &c), STATE_E_INVALID);
}

/* One decision at a time: a claim, its lease, and its release. */
static void
test_hold_claim(void **statep)
{
	struct fixture	*f = *statep;
	json_t		*hold;
	char		 id[STATE_HOLD_ID_MAX];
	int		 claimed = -1;

	hold = json_pack("{s:s,s:s}", "client", "agent", "channel", "imsg");
	assert_non_null(hold);
	assert_int_equal(state_hold_put(f->st, hold, 1000, id, sizeof(id)),
	    0);
	json_decref(hold);
	assert_int_equal(state_hold_claim(f->st, "h9999999999", 1000, 100),
	    STATE_E_NOTFOUND);
	assert_int_equal(state_hold_claimed(f->st, id, 1000, 100, &claimed),
	    0);
	assert_int_equal(claimed, 0);
	assert_int_equal(state_hold_claim(f->st, id, 1000, 100), 0);
	assert_int_equal(state_hold_claimed(f->st, id, 1050, 100, &claimed),
	    0);
	assert_int_equal(claimed, 1);
	/* A second decider is refused while the lease runs... */
	assert_int_equal(state_hold_claim(f->st, id, 1099, 100),
	    STATE_E_BUSY);
	/* ...and may take over a dead one's once it is over. */
	assert_int_equal(state_hold_claim(f->st, id, 1100, 100), 0);
	assert_int_equal(state_hold_unclaim(f->st, id), 0);
	assert_int_equal(state_hold_claim(f->st, id, 1101, 100), 0);
	/* Removing the hold removes its claim. */
	assert_int_equal(state_hold_del(f->st, id), 0);
	assert_int_equal(state_hold_claimed(f->st, id, 1102, 100, &claimed),
	    0);
	assert_int_equal(claimed, 0);
	assert_int_equal(state_hold_claim(f->st, "", 1, 1), STATE_E_INVALID);
}

static void
test_hidden_marks(void **statep)
{
	struct fixture	*f = *statep;
	char		 h[65], other[65];
	int		 hidden = -1;

	sha256_hex("notice", 6, h);
	sha256_hex("other", 5, other);
	assert_int_equal(state_is_hidden(f->st, h, &hidden), 0);
	assert_int_equal(hidden, 0);
	assert_int_equal(state_hide_mark(f->st, h, 1234), 0);
	assert_int_equal(state_is_hidden(f->st, h, &hidden), 0);
	assert_int_equal(hidden, 1);
	assert_int_equal(state_is_hidden(f->st, other, &hidden), 0);
	assert_int_equal(hidden, 0);
	assert_int_equal(state_hide_mark(f->st, "nothex", 1), STATE_E_INVALID);
	assert_int_equal(state_is_hidden(f->st, "nothex", &hidden),
	    STATE_E_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_code_single_use, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_code_expired, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_code_superseded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_code_foreach_and_bad,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_claim, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hidden_marks, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
