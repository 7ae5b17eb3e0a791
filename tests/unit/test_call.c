/*
 * call_audit and the client's request window: a window still pending
 * when the record is written (a refusal, or a method the handler
 * answers alone, METHOD_LOCAL) is charged in the record's commit.  If
 * another handler filled the window between dispatch's peek and that
 * commit, an answer is withheld and the client told it is limited; a
 * refusal is recorded as it was.  Real state in a temporary directory,
 * another handler played by state_rate_take on the same key.
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "audit.h"
#include "call.h"
#include "conf.h"
#include "protocol.h"
#include "state.h"
#include "util.h"

#define WINDOW_MS	(3600 * 1000)
#define KEY		"client|requests|1|3600000|t"

struct fixture {
	char		 dir[64];
	struct config	 cfg;
	struct state	*st;
	struct audit	*audit;
	struct call_env	 env;
	struct call	 c;
	json_t		*id;
};

static int
setup(void **statep)
{
	struct fixture	*f;
	const char	*cause = NULL;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	(void)strlcpy(f->dir, "/tmp/test_call.XXXXXX", sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(state_open(f->dir, 0, 0, &f->st), 0);
	f->cfg.audit_sink = AUDIT_SINK_STDERR;
	f->audit = audit_open(&f->cfg, f->st, "test_call", &cause);
	assert_non_null(f->audit);
	f->env.cfg = &f->cfg;
	f->env.state = f->st;
	f->env.audit = f->audit;
	f->id = json_integer(1);
	f->c.env = &f->env;
	f->c.id = f->id;
	f->c.method = "gateway.ping";
	/* What dispatch_spend leaves after a peek that found room. */
	f->c.spend_pending = 1;
	(void)strlcpy(f->c.spend_key, KEY, sizeof(f->c.spend_key));
	f->c.spend_max = 1;
	f->c.spend_window_ms = WINDOW_MS;
	*statep = f;
	return 0;
}

static void
remove_file(const char *dir, const char *name)
{
	char	path[128];

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
}

static int
teardown(void **statep)
{
	struct fixture	*f = *statep;

	call_clear(&f->c);
	json_decref(f->id);
	audit_close(f->audit);
	state_close(f->st);
	remove_file(f->dir, "data.mdb");
	remove_file(f->dir, "lock.mdb");
	remove_file(f->dir, "inbox.wake");
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

/* Another handler's request in the same window. */
static int
take_window(struct fixture *f)
{
	struct rate_request	 rq = { KEY, 1, WINDOW_MS };
	size_t			 which;
	uint64_t		 retry;

	return state_rate_take(f->st, &rq, 1, util_now_ms(), &which, &retry);
}

static int
last_outcome(json_t *rec, void *arg)
{
	const char	*o = json_string_value(json_object_get(rec, "outcome"));

	(void)strlcpy(arg, o != NULL ? o : "", 32);
	return 0;
}

static void
outcome_of_last(struct fixture *f, char *out)
{
	out[0] = '\0';
	assert_int_equal(state_audit_foreach(f->st, 0, last_outcome, out), 0);
}

/* Room in the window: answered, and the window is charged. */
static void
test_answer_charged_with_record(void **statep)
{
	struct fixture	*f = *statep;
	char		 outcome[32];

	f->c.result = json_object();
	call_audit(&f->c);
	assert_int_equal(f->c.code, 0);
	assert_non_null(f->c.result);
	assert_int_equal(f->c.spend_pending, 0);
	outcome_of_last(f, outcome);
	assert_string_equal(outcome, "ok");
	/* The one request of the window is spent. */
	assert_int_equal(take_window(f), STATE_E_LIMITED);
}

/* Filled meanwhile: the answer is withheld, the record says limited. */
static void
test_answer_withheld_when_window_filled(void **statep)
{
	struct fixture	*f = *statep;
	char		 outcome[32];

	assert_int_equal(take_window(f), 0);
	f->c.result = json_object();
	call_audit(&f->c);
	assert_int_equal(f->c.code, CP_ERR_RATE_LIMITED);
	assert_null(f->c.result);
	assert_string_equal(f->c.rule, "clients.limits.requests");
	outcome_of_last(f, outcome);
	assert_string_equal(outcome, "limited");
}

/* A refusal is recorded as it is, window full or not. */
static void
test_refusal_recorded_when_window_filled(void **statep)
{
	struct fixture	*f = *statep;
	char		 outcome[32];

	assert_int_equal(take_window(f), 0);
	(void)call_error(&f->c, CP_ERR_PEER_UNAUTHORIZED, NULL, "no");
	call_audit(&f->c);
	assert_int_equal(f->c.code, CP_ERR_PEER_UNAUTHORIZED);
	outcome_of_last(f, outcome);
	assert_string_equal(outcome, "refused");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answer_charged_with_record,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_answer_withheld_when_window_filled, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_refusal_recorded_when_window_filled, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
