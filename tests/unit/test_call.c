/*
 * call_audit and the client's request window: a window still pending
 * when the record is written (a refusal, or a method the handler
 * answers alone, METHOD_LOCAL) is charged in the record's commit.  If
 * another handler filled the window between dispatch's peek and that
 * commit, an answer is withheld and the client told it is limited; a
 * refusal is recorded as it was.  A delivery's gate: its charge and
 * record made while the tool starts, the tool fed only once they are
 * made, killed unfed when they cannot be; any other run opens the gate
 * first.  Real state in a temporary directory, another handler played
 * by state_rate_take on the same key, /bin/sh as the tool.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>

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
#include "handler.h"
#include "spawn.h"
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

/*
 * The gate the send pipeline leaves for a delivery: waits (bounded)
 * for the tool to show it runs when wait_for is set, then charges the
 * window and writes the delivering record (call_charge), and leaves
 * the mark "charged" once they are made.
 */
struct gate_log {
	const char	*wait_for;
	const char	*charged;
	int		 calls;
	int		 saw_tool;
	int		 freeze;	/* the owner freezes imsg meanwhile */
	uint64_t	 until_ms;	/* then holds until this time (a slow
					   commit) */
};

static int
gate_charge(struct call *c, void *arg)
{
	struct gate_log	*g = arg;
	struct stat	 sb;
	size_t		 which;
	uint64_t	 retry, end = util_mono_ms() + 10000;
	FILE		*fp;

	g->calls++;
	if (g->wait_for != NULL) {
		while (stat(g->wait_for, &sb) == -1 && util_mono_ms() < end)
			(void)poll(NULL, 0, 5);
		g->saw_tool = stat(g->wait_for, &sb) == 0;
	}
	if (g->freeze && state_freeze_set(c->env->state, "imsg", 1,
	    util_now_ms()) != 0)
		return -1;
	while (util_mono_ms() <= g->until_ms)
		(void)poll(NULL, 0, 5);
	if (call_charge(c, NULL, 0, 1, &which, &retry) != 0)
		return -1;
	if ((fp = fopen(g->charged, "w")) != NULL)
		(void)fclose(fp);
	return 0;
}

struct gate_fixture {
	struct channel	 ch;
	struct tool_argv a;
	struct gate_log	 log;
	char		 script[4 * PATH_MAX];
	char		 up[PATH_MAX];
	char		 acted[PATH_MAX];
	char		 charged[PATH_MAX];
};

enum gate_tool {
	TOOL_UP_THEN_FED,	/* marks it is up, reads a line, acts if
				   charged by the time the line came */
	TOOL_UP_THEN_READS,	/* marks it is up, reads, then acts */
	TOOL_READS_IF_CHARGED,	/* reads and acts only if already charged */
	TOOL_ACTS_IF_CHARGED	/* acts only if already charged */
};

/* A delivery about to run one of the tools above under "sh -c". */
static void
gate_setup(struct fixture *f, struct gate_fixture *g, enum gate_tool t)
{
	memset(g, 0, sizeof(*g));
	(void)snprintf(g->up, sizeof(g->up), "%s/up", f->dir);
	(void)snprintf(g->acted, sizeof(g->acted), "%s/acted", f->dir);
	(void)snprintf(g->charged, sizeof(g->charged), "%s/charged", f->dir);
	switch (t) {
	case TOOL_UP_THEN_FED:
		(void)snprintf(g->script, sizeof(g->script), "echo up > '%s'; "
		    "read -r line; test -f '%s' && echo acted > '%s'; "
		    "echo \"$line\"", g->up, g->charged, g->acted);
		break;
	case TOOL_UP_THEN_READS:
		(void)snprintf(g->script, sizeof(g->script), "echo up > '%s'; "
		    "cat >/dev/null; echo acted > '%s'", g->up, g->acted);
		break;
	case TOOL_READS_IF_CHARGED:
		(void)snprintf(g->script, sizeof(g->script), "test -f '%s' && "
		    "cat && echo acted > '%s'", g->charged, g->acted);
		break;
	case TOOL_ACTS_IF_CHARGED:
		(void)snprintf(g->script, sizeof(g->script), "test -f '%s' && "
		    "echo acted > '%s'", g->charged, g->acted);
		break;
	}
	g->ch.configured = 1;
	g->ch.tool = (char *)"/bin/sh";
	g->ch.timeout_ms = 10000;
	g->ch.max_output = 65536;
	tool_argv_add(&g->a, "sh");
	tool_argv_add(&g->a, "-c");
	tool_argv_add(&g->a, g->script);
	g->log.charged = g->charged;
	f->c.method = "send";
	f->c.channel = "imsg";
	f->c.gate = gate_charge;
	f->c.gate_arg = &g->log;
}

static void
gate_teardown(struct fixture *f, struct gate_fixture *g)
{
	tool_argv_free(&g->a);
	(void)unlink(g->up);
	(void)unlink(g->acted);
	(void)unlink(g->charged);
	(void)f;
}

/*
 * Gated: the tool was up before the record was made, and had its
 * request only after; the gate is opened once, and the delivering
 * record is the chain's last.
 */
static void
test_gate_overlaps_tool_start(void **statep)
{
	struct fixture		*f = *statep;
	struct gate_fixture	 g;
	struct spawn_result	 res;
	struct stat		 sb;
	char			 outcome[32];

	gate_setup(f, &g, TOOL_UP_THEN_FED);
	g.log.wait_for = g.up;
	assert_int_equal(tool_run_text(&f->c, &g.ch, &g.a, "request\n",
	    &res), 0);
	assert_int_equal(g.log.calls, 1);
	assert_true(g.log.saw_tool);
	assert_null(f->c.gate);
	assert_string_equal(res.out, "request\n");
	spawn_result_free(&res);
	/* Its request came after the record was made, not before. */
	assert_int_equal(stat(g.acted, &sb), 0);
	assert_true(f->c.delivery > 0);
	outcome_of_last(f, outcome);
	assert_string_equal(outcome, "delivering");
	gate_teardown(f, &g);
}

/*
 * The window filled between dispatch's peek and the gate: refused
 * limited, nothing recorded as delivering, and the tool, already up,
 * was killed before it had its request or the end of its input.
 */
static void
test_gate_shut_tool_killed_unfed(void **statep)
{
	struct fixture		*f = *statep;
	struct gate_fixture	 g;
	struct spawn_result	 res;
	struct stat		 sb;

	gate_setup(f, &g, TOOL_UP_THEN_READS);
	g.log.wait_for = g.up;
	assert_int_equal(take_window(f), 0);
	assert_int_equal(tool_run_text(&f->c, &g.ch, &g.a, "request\n",
	    &res), -1);
	assert_int_equal(g.log.calls, 1);
	assert_true(g.log.saw_tool);
	assert_int_equal(f->c.code, CP_ERR_RATE_LIMITED);
	assert_int_equal(f->c.delivery, 0);
	assert_int_equal(stat(g.acted, &sb), -1);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	/* Shut for good: no later run of the call starts a tool. */
	assert_int_equal(tool_run_input(&f->c, &g.ch, &g.a, -1, &res), -1);
	assert_int_equal(tool_run_text(&f->c, &g.ch, &g.a, "request\n",
	    &res), -1);
	assert_int_equal(g.log.calls, 1);
	assert_int_equal(f->c.code, CP_ERR_RATE_LIMITED);
	assert_int_equal(stat(g.up, &sb), 0);
	(void)unlink(g.up);
	assert_int_equal(tool_run_input(&f->c, &g.ch, &g.a, -1, &res), -1);
	assert_int_equal(stat(g.up, &sb), -1);
	gate_teardown(f, &g);
}

/*
 * Frozen by the owner after dispatch looked (the freeze committed
 * while the tool started): the delivery's own commit sees it, refuses
 * frozen, records nothing as delivering, charges nothing but leaves
 * the request window to the call's record; the tool is killed unfed.
 */
static void
test_gate_frozen_meanwhile(void **statep)
{
	struct fixture		*f = *statep;
	struct gate_fixture	 g;
	struct spawn_result	 res;
	struct stat		 sb;
	char			 outcome[32];

	gate_setup(f, &g, TOOL_UP_THEN_READS);
	g.log.wait_for = g.up;
	g.log.freeze = 1;
	assert_int_equal(tool_run_text(&f->c, &g.ch, &g.a, "request\n",
	    &res), -1);
	assert_true(g.log.saw_tool);
	assert_int_equal(f->c.code, CP_ERR_FROZEN);
	assert_string_equal(f->c.rule, "owner.freeze");
	assert_int_equal(f->c.delivery, 0);
	assert_int_equal(f->c.spend_pending, 1);
	assert_int_equal(stat(g.acted, &sb), -1);
	outcome_of_last(f, outcome);
	assert_string_equal(outcome, "");
	call_audit(&f->c);
	outcome_of_last(f, outcome);
	assert_string_equal(outcome, "refused");
	assert_int_equal(take_window(f), STATE_E_LIMITED);
	gate_teardown(f, &g);
}

/*
 * The connection's deadline passed while the record was made: the
 * record stands, but the tool never has the request; it is killed
 * unfed and the call says nothing was delivered (a timeout by rule
 * handler_timeout, outcome failed), not that it may have been.
 */
static void
test_gate_deadline_passed(void **statep)
{
	struct fixture		*f = *statep;
	struct gate_fixture	 g;
	struct spawn_result	 res;
	struct stat		 sb;

	gate_setup(f, &g, TOOL_UP_THEN_READS);
	g.log.wait_for = g.up;
	f->env.deadline_ms = util_mono_ms() + 2000;
	g.log.until_ms = f->env.deadline_ms;
	assert_int_equal(tool_run_text(&f->c, &g.ch, &g.a, "request\n",
	    &res), -1);
	assert_true(g.log.saw_tool);
	assert_true(f->c.delivery > 0);
	assert_int_equal(f->c.code, CP_ERR_TIMEOUT);
	assert_string_equal(f->c.rule, "handler_timeout");
	assert_int_equal(f->c.outcome, AUDIT_OUTCOME_FAILED);
	assert_non_null(strstr(f->c.message, "nothing was delivered"));
	assert_int_equal(stat(g.acted, &sb), -1);
	gate_teardown(f, &g);
}

/*
 * Not gated (a request larger than a pipe surely holds, or a tool run
 * with its own stdin): the gate opens before the tool starts, and a
 * shut gate starts nothing.
 */
static void
test_gate_opened_before_other_runs(void **statep)
{
	struct fixture		*f = *statep;
	struct gate_fixture	 g;
	struct spawn_result	 res;
	struct stat		 sb;
	char			*big;

	assert_non_null(big = malloc(SPAWN_GATED_MAX + 2));
	memset(big, 'x', SPAWN_GATED_MAX + 1);
	big[SPAWN_GATED_MAX + 1] = '\0';
	gate_setup(f, &g, TOOL_READS_IF_CHARGED);
	assert_int_equal(tool_run_text(&f->c, &g.ch, &g.a, big, &res), 0);
	assert_int_equal(g.log.calls, 1);
	assert_int_equal(res.outlen, SPAWN_GATED_MAX + 1);
	spawn_result_free(&res);
	free(big);
	gate_teardown(f, &g);

	f->c.delivery = 0;
	f->c.spend_pending = 1;
	gate_setup(f, &g, TOOL_ACTS_IF_CHARGED);
	assert_int_equal(take_window(f), STATE_E_LIMITED);
	assert_int_equal(tool_run_input(&f->c, &g.ch, &g.a, -1, &res), -1);
	assert_int_equal(g.log.calls, 1);
	assert_int_equal(f->c.code, CP_ERR_RATE_LIMITED);
	assert_int_equal(stat(g.acted, &sb), -1);
	gate_teardown(f, &g);
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
		cmocka_unit_test_setup_teardown(test_gate_overlaps_tool_start,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gate_shut_tool_killed_unfed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gate_opened_before_other_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_frozen_meanwhile,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_deadline_passed,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
