/*
 * Unit tests for the owner's freeze: the flags in the state store
 * (per channel and for every channel, durable, listed, cleared without
 * touching other meta records, read from a read-only store and from a
 * store that predates them, seen across processes), a delivery's own
 * commit refused when its channel is frozen (STATE_APPEND_UNFROZEN:
 * nothing charged, nothing appended), and the method
 * tables: every method that delivers, and every channel method that
 * makes something happen for others to see, carries METHOD_OUTBOUND
 * (the flag dispatch checks), every read does not, and no method an
 * agent can call freezes or thaws.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

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
#include <lmdb.h>

#include "compat.h"
#include "channel.h"
#include "handler.h"
#include "state.h"

struct fixture {
	char		 dir[64];
	struct state	*st;
};

/* What state_freeze_foreach gave: "*" for every channel. */
struct listed {
	char		 names[64][STATE_CHANNEL_MAX];
	uint64_t	 since[64];
	size_t		 n;
};

static int
setup(void **statep)
{
	struct fixture	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	(void)strlcpy(f->dir, "/tmp/test_freeze.XXXXXX", sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
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

	state_close(f->st);
	remove_file(f->dir, "data.mdb");
	remove_file(f->dir, "lock.mdb");
	remove_file(f->dir, "inbox.wake");
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void
open_state(struct fixture *f, int flags)
{
	int	r;

	state_close(f->st);
	f->st = NULL;
	if ((r = state_open(f->dir, 0, flags, &f->st)) != 0)
		fail_msg("state_open: %s", state_strerror(r));
}

static int
frozen(struct state *st, const char *channel)
{
	int	v = -1;

	assert_int_equal(state_frozen(st, channel, &v), 0);
	assert_true(v == 0 || v == 1);
	return v;
}

static int
list_one(const char *channel, uint64_t since_ms, void *arg)
{
	struct listed	*l = arg;

	assert_true(l->n < 64);
	(void)strlcpy(l->names[l->n], channel != NULL ? channel : "*",
	    sizeof(l->names[0]));
	l->since[l->n++] = since_ms;
	return 0;
}

static void
list(struct state *st, struct listed *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(state_freeze_foreach(st, list_one, l), 0);
}

/* A fresh store: nothing frozen, nothing listed. */
static void
test_fresh(void **statep)
{
	struct fixture	*f = *statep;
	struct listed	 l;

	open_state(f, 0);
	assert_int_equal(frozen(f->st, NULL), 0);
	assert_int_equal(frozen(f->st, "imsg"), 0);
	list(f->st, &l);
	assert_int_equal(l.n, 0);
}

/* One channel frozen leaves the others; every channel covers all. */
static void
test_channel_and_all(void **statep)
{
	struct fixture	*f = *statep;
	struct listed	 l;

	open_state(f, 0);
	assert_int_equal(state_freeze_set(f->st, "imsg", 1, 1000), 0);
	assert_int_equal(frozen(f->st, "imsg"), 1);
	assert_int_equal(frozen(f->st, "signal"), 0);
	assert_int_equal(frozen(f->st, NULL), 0);
	list(f->st, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "imsg");
	assert_int_equal(l.since[0], 1000);

	/* Freezing again keeps the first time. */
	assert_int_equal(state_freeze_set(f->st, "imsg", 1, 5000), 0);
	list(f->st, &l);
	assert_int_equal(l.since[0], 1000);

	assert_int_equal(state_freeze_set(f->st, NULL, 1, 2000), 0);
	assert_int_equal(frozen(f->st, NULL), 1);
	assert_int_equal(frozen(f->st, "signal"), 1);
	assert_int_equal(frozen(f->st, "discord"), 1);
	list(f->st, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[0], "*");
	assert_int_equal(l.since[0], 2000);
	assert_string_equal(l.names[1], "imsg");

	/* Thawing one channel leaves every channel frozen, and it. */
	assert_int_equal(state_freeze_set(f->st, "imsg", 0, 3000), 0);
	assert_int_equal(frozen(f->st, "imsg"), 1);
	list(f->st, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "*");
	/* Thawing what is not frozen is no error. */
	assert_int_equal(state_freeze_set(f->st, "gmail", 0, 3000), 0);

	assert_int_equal(state_freeze_set(f->st, NULL, 0, 4000), 0);
	assert_int_equal(frozen(f->st, "imsg"), 0);
	assert_int_equal(frozen(f->st, NULL), 0);
	assert_int_equal(state_freeze_set(f->st, NULL, 0, 4000), 0);
}

/*
 * Thawing every channel clears every channel's flag (more than a
 * listing batch of them), and nothing else in meta: the schema, the
 * hold accounting and the inbox counters stay.
 */
static void
test_thaw_all_keeps_other_meta(void **statep)
{
	struct fixture	*f = *statep;
	struct listed	 l;
	json_t		*hold, *msg;
	char		 name[16], id[STATE_HOLD_ID_MAX];
	uint64_t	 count = 0, bytes = 0, cursor = 0;
	int		 i;

	open_state(f, 0);
	hold = json_pack("{s:s,s:s}", "client", "agent", "channel", "imsg");
	assert_int_equal(state_hold_put(f->st, hold, 1, id, sizeof(id)), 0);
	json_decref(hold);
	msg = json_pack("{s:s}", "text", "hi");
	assert_int_equal(state_inbox_publish(f->st, "imsg", msg, 7, 1, "p",
	    &cursor), 0);
	json_decref(msg);
	assert_int_equal(cursor, 7);
	/* "frozen" sorts before the hold and inbox records. */
	for (i = 0; i < 40; i++) {
		(void)snprintf(name, sizeof(name), "ch%02d", i);
		assert_int_equal(state_freeze_set(f->st, name, 1, 10 + i), 0);
	}
	assert_int_equal(state_freeze_set(f->st, NULL, 1, 9), 0);
	list(f->st, &l);
	assert_int_equal(l.n, 41);
	assert_string_equal(l.names[0], "*");
	assert_string_equal(l.names[40], "ch39");
	assert_int_equal(l.since[40], 49);

	assert_int_equal(state_freeze_set(f->st, NULL, 0, 100), 0);
	list(f->st, &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(frozen(f->st, "ch17"), 0);
	assert_int_equal(state_hold_usage(f->st, NULL, &count, &bytes), 0);
	assert_int_equal(count, 1);
	assert_int_equal(state_inbox_last(f->st, "imsg", &cursor), 0);
	assert_int_equal(cursor, 7);
	/* The schema record too: the store opens again. */
	open_state(f, STATE_RDONLY);
	assert_int_equal(frozen(f->st, "imsg"), 0);
}

/* Count the records of the chain. */
static uint64_t
chain_length(struct state *st)
{
	uint64_t	count = 0, bad = 0;
	char		cause[128];

	assert_int_equal(state_audit_verify(st, &count, &bad, cause,
	    sizeof(cause)), 0);
	return count;
}

/*
 * A delivery's commit looks at the flags in its own transaction: a
 * freeze of its channel, or of every channel, refuses it with nothing
 * charged and nothing appended; another channel's does not; without
 * the flag nothing is looked at.
 */
static void
test_delivery_commit(void **statep)
{
	struct fixture		*f = *statep;
	struct rate_request	 rq = { "imsg|recipient|1|60000|x", 1, 60000 };
	json_t			*rec;
	size_t			 which;
	uint64_t		 retry;

	open_state(f, 0);
	assert_int_equal(state_freeze_set(f->st, "signal", 1, 1000), 0);
	rec = json_pack("{s:s,s:s}", "channel", "imsg", "outcome",
	    "delivering");
	assert_int_equal(state_audit_append_charged(f->st, rec, &rq, 1, 1000,
	    STATE_APPEND_UNFROZEN, &which, &retry), 0);
	json_decref(rec);
	assert_int_equal(chain_length(f->st), 1);

	rq.key = "imsg|recipient|1|60000|y";
	assert_int_equal(state_freeze_set(f->st, "imsg", 1, 2000), 0);
	rec = json_pack("{s:s,s:s}", "channel", "imsg", "outcome",
	    "delivering");
	assert_int_equal(state_audit_append_charged(f->st, rec, &rq, 1, 2000,
	    STATE_APPEND_UNFROZEN | STATE_APPEND_SYNC, &which, &retry),
	    STATE_E_FROZEN);
	assert_null(json_object_get(rec, "seq"));
	json_decref(rec);
	assert_int_equal(chain_length(f->st), 1);
	/* Not charged: the window's one send is still there. */
	assert_int_equal(state_rate_take(f->st, &rq, 1, 2000, &which,
	    &retry), 0);

	/* Every channel frozen: refused, whatever channel it names. */
	assert_int_equal(state_freeze_set(f->st, "imsg", 0, 3000), 0);
	assert_int_equal(state_freeze_set(f->st, NULL, 1, 3000), 0);
	rec = json_pack("{s:s,s:s}", "channel", "gmail", "outcome",
	    "delivering");
	assert_int_equal(state_audit_append_charged(f->st, rec, NULL, 0, 3000,
	    STATE_APPEND_UNFROZEN, NULL, NULL), STATE_E_FROZEN);
	json_decref(rec);
	/* A delivery that names no channel is refused, thawed or not. */
	assert_int_equal(state_freeze_set(f->st, NULL, 0, 3000), 0);
	rec = json_pack("{s:s}", "outcome", "delivering");
	assert_int_equal(state_audit_append_charged(f->st, rec, NULL, 0, 3000,
	    STATE_APPEND_UNFROZEN, NULL, NULL), STATE_E_INVALID);
	json_decref(rec);
	/* Without the flag the commit does not look. */
	rec = json_pack("{s:s,s:s}", "channel", "imsg", "outcome", "ok");
	assert_int_equal(state_audit_append_charged(f->st, rec, NULL, 0, 3000,
	    0, NULL, NULL), 0);
	json_decref(rec);
	assert_int_equal(chain_length(f->st), 2);
	assert_string_equal(state_strerror(STATE_E_FROZEN),
	    "frozen by the owner");
}

static void
test_invalid(void **statep)
{
	struct fixture	*f = *statep;
	char		 longname[STATE_CHANNEL_MAX + 1];
	int		 v = 1;

	open_state(f, 0);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(state_freeze_set(f->st, "", 1, 1), STATE_E_INVALID);
	assert_int_equal(state_freeze_set(f->st, "IMSG", 1, 1),
	    STATE_E_INVALID);
	assert_int_equal(state_freeze_set(f->st, "a/b", 1, 1),
	    STATE_E_INVALID);
	assert_int_equal(state_freeze_set(f->st, longname, 1, 1),
	    STATE_E_INVALID);
	assert_int_equal(state_frozen(f->st, "a b", &v), STATE_E_INVALID);
	/* An error reads as "not known to be frozen": the caller refuses. */
	assert_int_equal(v, 0);
	assert_int_equal(state_frozen(NULL, "imsg", &v), STATE_E_INVALID);
	assert_int_equal(state_freeze_set(NULL, "imsg", 1, 1),
	    STATE_E_INVALID);
	assert_int_equal(state_freeze_foreach(f->st, NULL, NULL),
	    STATE_E_INVALID);
}

/* Set, closed, opened again (read-only): still frozen. */
static void
test_durable_and_readonly(void **statep)
{
	struct fixture	*f = *statep;
	struct listed	 l;

	open_state(f, 0);
	assert_int_equal(state_freeze_set(f->st, "signal", 1, 42), 0);
	open_state(f, STATE_RDONLY);
	assert_int_equal(frozen(f->st, "signal"), 1);
	assert_int_equal(frozen(f->st, "imsg"), 0);
	list(f->st, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.since[0], 42);
	/* A read-only store cannot be frozen or thawed. */
	assert_int_equal(state_freeze_set(f->st, "signal", 0, 1),
	    STATE_E_INVALID);
	assert_int_equal(frozen(f->st, "signal"), 1);
}

/*
 * A store written before the flags existed (only the databases and the
 * schema record of the first version), opened read-only: nothing is
 * frozen, and a writer can freeze it afterwards.
 */
static void
test_old_store(void **statep)
{
	struct fixture	*f = *statep;
	struct listed	 l;
	const char	*dbs[] = { "meta", "rate", "holds", "audit" };
	unsigned char	 v1[4] = { 1, 0, 0, 0 };
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 key = { 6, (void *)(uintptr_t)"schema" };
	MDB_val		 val = { sizeof(v1), v1 };
	size_t		 i;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		assert_int_equal(mdb_dbi_open(txn, dbs[i], MDB_CREATE, &dbi),
		    0);
		if (i == 0)
			assert_int_equal(mdb_put(txn, dbi, &key, &val, 0), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	open_state(f, STATE_RDONLY);
	assert_int_equal(frozen(f->st, NULL), 0);
	assert_int_equal(frozen(f->st, "imsg"), 0);
	list(f->st, &l);
	assert_int_equal(l.n, 0);
	open_state(f, 0);
	assert_int_equal(state_freeze_set(f->st, NULL, 1, 5), 0);
	open_state(f, STATE_RDONLY);
	assert_int_equal(frozen(f->st, "imsg"), 1);
}

/* A freeze set by one process is seen by another's next read. */
static void
test_across_processes(void **statep)
{
	struct fixture	*f = *statep;
	struct state	*st;
	pid_t		 pid;
	int		 status;

	open_state(f, 0);
	assert_int_equal(frozen(f->st, "discord"), 0);
	if ((pid = fork()) == 0) {
		if (state_open(f->dir, 0, 0, &st) != 0 ||
		    state_freeze_set(st, "discord", 1, 7) != 0)
			_exit(1);
		state_close(st);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(frozen(f->st, "discord"), 1);
}

/*
 * Every channel method, classified: 1 when it makes something happen on
 * the account that others see (refused while frozen), 0 when it reads.
 * A method missing here fails the test, so a new method must be
 * classified (and flagged) before it can be merged.
 */
static const struct {
	const char	*channel;
	const char	*method;
	int		 outbound;
} classified[] = {
	{ "imsg", "send", 1 },
	{ "imsg", "react", 1 },
	{ "imsg", "typing", 1 },
	{ "imsg", "read", 1 },
	{ "imsg", "chats.list", 0 },
	{ "imsg", "messages.history", 0 },
	{ "imsg", "messages.search", 0 },
	{ "imsg", "status", 0 },
	{ "signal", "send", 1 },
	{ "signal", "react", 1 },
	{ "signal", "typing", 1 },
	{ "signal", "receipt", 1 },
	{ "signal", "delete", 1 },
	{ "signal", "groups.list", 0 },
	{ "signal", "contacts.list", 0 },
	{ "signal", "status", 0 },
	{ "signal", "attachment.get", 0 },
	{ "gmail", "send", 1 },
	{ "gmail", "gmail.drafts.create", 1 },
	{ "gmail", "gmail.drafts.send", 1 },
	{ "gmail", "gmail.search", 0 },
	{ "gmail", "gmail.get", 0 },
	{ "gmail", "gmail.thread", 0 },
	{ "gmail", "gmail.labels", 0 },
	{ "gmail", "gmail.drafts.list", 0 },
	{ "discord", "send", 1 },
	{ "discord", "messages.history", 0 },
	{ "discord", "chats.list", 0 },
	{ "discord", "status", 0 },
};

static void
test_method_flags(void **statep)
{
	const struct handler_adapter	*ad;
	const struct method		*m;
	struct channel			 ch;
	size_t				 id, i, k, seen = 0;
	int				 found;

	(void)statep;
	for (id = 0; id < channel_count; id++) {
		memset(&ch, 0, sizeof(ch));
		ch.driver = channel_driver((int)id);
		ch.id = (int)id;
		if ((ad = handler_adapter(&ch)) == NULL)
			fail_msg("channel %s has no adapter", ch.driver->name);
		for (i = 0; i < ad->nmethods; i++) {
			m = &ad->methods[i];
			if ((m->flags & METHOD_DELIVERS) &&
			    (m->flags & METHOD_OUTBOUND) == 0)
				fail_msg("%s %s delivers but is not flagged "
				    "METHOD_OUTBOUND: a freeze would not "
				    "stop it", ch.driver->name, m->name);
			for (k = 0, found = 0; k < sizeof(classified) /
			    sizeof(classified[0]); k++) {
				if (strcmp(classified[k].channel,
				    ch.driver->name) != 0 ||
				    strcmp(classified[k].method, m->name) != 0)
					continue;
				found = 1;
				if (classified[k].outbound !=
				    ((m->flags & METHOD_OUTBOUND) != 0))
					fail_msg("%s %s: METHOD_OUTBOUND "
					    "expected %s", ch.driver->name,
					    m->name, classified[k].outbound ?
					    "set" : "clear");
			}
			if (!found)
				fail_msg("%s %s is not classified here as "
				    "outbound or read: decide whether a "
				    "freeze stops it", ch.driver->name,
				    m->name);
			seen++;
		}
	}
	/* Nothing classified has gone missing from the tables either. */
	assert_int_equal(seen, sizeof(classified) / sizeof(classified[0]));
}

/* The core methods read; no method of any channel freezes or thaws. */
static void
test_no_agent_freeze(void **statep)
{
	static const char *const core[] = { "gateway.ping", "gateway.whoami",
	    "inbox.subscribe", "inbox.unsubscribe", "inbox.read" };
	static const char *const names[] = { "freeze", "thaw",
	    "owner.freeze", "owner.thaw", "gateway.freeze", "gateway.thaw",
	    "holds.approve", "holds.drop", "state.freeze" };
	const struct method	*m;
	size_t			 i, id;
	int			 known;

	(void)statep;
	for (i = 0; i < sizeof(core) / sizeof(core[0]); i++) {
		m = method_lookup(core[i], "imsg", &known);
		assert_non_null(m);
		assert_int_equal(m->flags & METHOD_OUTBOUND, 0);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_null(method_lookup(names[i], NULL, &known));
		assert_int_equal(known, 0);
		for (id = 0; id < channel_count; id++) {
			assert_null(method_lookup(names[i],
			    channel_name((int)id), &known));
			assert_int_equal(known, 0);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_and_all, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_thaw_all_keeps_other_meta,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivery_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_durable_and_readonly,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_across_processes, setup,
		    teardown),
		cmocka_unit_test(test_method_flags),
		cmocka_unit_test(test_no_agent_freeze),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
