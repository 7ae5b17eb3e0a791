/*
 * Unit tests for the LMDB state store: opening and permission checks,
 * schema versions, sliding-window rate limits (also across processes),
 * the holds queue, the audit hash chain and its verification against
 * tampering, the inbox (cursors, watcher positions, retention, the wake
 * file, concurrent publishers) and behaviour when the map is full.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <lmdb.h>

#include "compat.h"
#include "sha256.h"
#include "state.h"

#define ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

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
	(void)strlcpy(f->dir, "/tmp/test_state.XXXXXX", sizeof(f->dir));
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
	remove_file(f->dir, "link");
	remove_file(f->dir, "file");
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void
open_state(struct fixture *f, uint64_t map_size, int flags)
{
	int	r;

	state_close(f->st);
	f->st = NULL;
	r = state_open(f->dir, map_size, flags, &f->st);
	if (r != 0)
		fail_msg("state_open: %s", state_strerror(r));
}

/*
 * Direct LMDB access, to tamper with the store as an attacker with file
 * access would.  The state must be closed first: one process must not
 * have the environment open twice.
 */
struct raw {
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
};

static void
raw_open(struct fixture *f, const char *db, struct raw *raw)
{
	state_close(f->st);
	f->st = NULL;
	assert_int_equal(mdb_env_create(&raw->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(raw->env, 8), 0);
	assert_int_equal(mdb_env_open(raw->env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(raw->env, NULL, 0, &raw->txn), 0);
	assert_int_equal(mdb_dbi_open(raw->txn, db, MDB_CREATE, &raw->dbi),
	    0);
}

static void
raw_put(struct raw *raw, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	MDB_val	key = { klen, (void *)k }, val = { vlen, (void *)v };

	assert_int_equal(mdb_put(raw->txn, raw->dbi, &key, &val, 0), 0);
}

static void
raw_close(struct raw *raw)
{
	assert_int_equal(mdb_txn_commit(raw->txn), 0);
	mdb_env_close(raw->env);
}

static void
seq_key(unsigned char key[8], uint64_t seq)
{
	int	i;

	for (i = 0; i < 8; i++)
		key[i] = (unsigned char)(seq >> (56 - 8 * i));
}

static void
test_open_creates_private_files(void **statep)
{
	struct fixture	*f = *statep;
	struct stat	 sb;
	char		 path[128];

	open_state(f, 0, 0);
	(void)snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	(void)snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	(void)snprintf(path, sizeof(path), "%s/inbox.wake", f->dir);
	assert_string_equal(state_inbox_wake_path(f->st), path);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(state_sync(f->st), 0);
	open_state(f, 0, 0);		/* reopen an existing store */
	open_state(f, 0, STATE_RDONLY);
}

static void
test_open_refuses_bad_dir(void **statep)
{
	struct fixture	*f = *statep;
	struct state	*st = (struct state *)1;
	char		 path[128];
	int		 fd;

	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(state_open(f->dir, 0, 0, &st), STATE_E_PERM);
	assert_null(st);
	assert_int_equal(chmod(f->dir, 0770), 0);
	assert_int_equal(state_open(f->dir, 0, 0, &st), STATE_E_PERM);
	assert_int_equal(chmod(f->dir, 0702), 0);
	assert_int_equal(state_open(f->dir, 0, 0, &st), STATE_E_PERM);
	assert_int_equal(chmod(f->dir, 0700), 0);

	/* A symbolic link to a good directory is refused too. */
	(void)snprintf(path, sizeof(path), "%s/link", f->dir);
	assert_int_equal(symlink(f->dir, path), 0);
	assert_int_equal(state_open(path, 0, 0, &st), STATE_E_PERM);
	(void)snprintf(path, sizeof(path), "%s/file", f->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	(void)close(fd);
	assert_int_equal(state_open(path, 0, 0, &st), STATE_E_PERM);
	(void)snprintf(path, sizeof(path), "%s/missing", f->dir);
	assert_int_equal(state_open(path, 0, 0, &st), STATE_E_SYSTEM);
	assert_int_equal(errno, ENOENT);

	assert_int_equal(state_open(NULL, 0, 0, &st), STATE_E_INVALID);
	assert_int_equal(state_open(f->dir, 0, 0x100, &st), STATE_E_INVALID);
	assert_int_equal(state_open(f->dir, 0, 0, NULL), STATE_E_INVALID);
	assert_null(st);
}

static void
test_open_refuses_foreign_dir(void **statep)
{
	struct fixture	*f = *statep;
	struct state	*st = NULL;

	if (geteuid() != 0)
		skip();	/* only root can give a directory away */
	assert_int_equal(chown(f->dir, 65534, (gid_t)-1), 0);
	assert_int_equal(state_open(f->dir, 0, 0, &st), STATE_E_PERM);
	assert_null(st);
	assert_int_equal(chown(f->dir, 0, (gid_t)-1), 0);
}

static void
test_schema(void **statep)
{
	struct fixture	*f = *statep;
	struct state	*st = NULL;
	struct raw	 raw;
	unsigned char	 v2[4] = { 2, 0, 0, 0 }, v1[4] = { 1, 0, 0, 0 };

	/* Read-only on an empty directory: nothing to read. */
	assert_true(state_open(f->dir, 0, STATE_RDONLY, &st) < 0);
	assert_null(st);

	/* An environment without our records is refused read-only. */
	raw_open(f, "other", &raw);
	raw_close(&raw);
	assert_int_equal(state_open(f->dir, 0, STATE_RDONLY, &st),
	    STATE_E_SCHEMA);

	open_state(f, 0, 0);
	raw_open(f, "meta", &raw);
	raw_put(&raw, "schema", 6, v2, sizeof(v2));
	raw_close(&raw);
	assert_int_equal(state_open(f->dir, 0, 0, &st), STATE_E_SCHEMA);
	assert_int_equal(state_open(f->dir, 0, STATE_RDONLY, &st),
	    STATE_E_SCHEMA);
	raw_open(f, "meta", &raw);
	raw_put(&raw, "schema", 6, v1, 3);	/* wrong width */
	raw_close(&raw);
	assert_int_equal(state_open(f->dir, 0, 0, &st), STATE_E_SCHEMA);
	raw_open(f, "meta", &raw);
	raw_put(&raw, "schema", 6, v1, sizeof(v1));
	raw_close(&raw);
	open_state(f, 0, 0);
	assert_null(st);
}

static void
test_rdonly_refuses_writes(void **statep)
{
	struct fixture		*f = *statep;
	struct rate_request	 req = { "k", 1, 1000 };
	json_t			*o, *got;
	char			 id[STATE_HOLD_ID_MAX];
	size_t			 which;
	uint64_t		 retry, count, bad;

	open_state(f, 0, 0);
	o = json_pack("{s:s}", "to", "+15550100");
	assert_int_equal(state_hold_put(f->st, o, 5, id, sizeof(id)), 0);
	json_decref(o);

	open_state(f, 0, STATE_RDONLY);
	assert_int_equal(state_rate_take(f->st, &req, 1, 1, &which, &retry),
	    STATE_E_INVALID);
	o = json_object();
	assert_int_equal(state_hold_put(f->st, o, 1, id, sizeof(id)),
	    STATE_E_INVALID);
	assert_int_equal(state_audit_append(f->st, o), STATE_E_INVALID);
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
	assert_int_equal(state_hold_del(f->st, id), STATE_E_INVALID);
	assert_int_equal(state_hold_get(f->st, id, &got), 0);
	assert_string_equal(json_string_value(json_object_get(got, "to")),
	    "+15550100");
	json_decref(got);
	assert_int_equal(state_audit_verify(f->st, &count, &bad, NULL, 0), 0);
	assert_int_equal(count, 0);
	assert_int_equal(state_sync(f->st), 0);
}

static int
take(struct state *st, const char *key, unsigned int max, uint64_t window,
    uint64_t now, uint64_t *retry)
{
	struct rate_request	req = { key, max, window };
	size_t			which = 99;
	int			r;

	*retry = 0;
	r = state_rate_take(st, &req, 1, now, &which, retry);
	if (r == STATE_E_LIMITED)
		assert_int_equal(which, 0);
	return r;
}

static void
test_rate_sliding_window(void **statep)
{
	struct fixture	*f = *statep;
	uint64_t	 retry;
	const uint64_t	 t = 1700000000000ULL;

	open_state(f, 0, 0);
	/* At most 3 events in any 1000 ms. */
	assert_int_equal(take(f->st, "k", 3, 1000, t, &retry), 0);
	assert_int_equal(take(f->st, "k", 3, 1000, t + 100, &retry), 0);
	assert_int_equal(take(f->st, "k", 3, 1000, t + 200, &retry), 0);
	assert_int_equal(take(f->st, "k", 3, 1000, t + 300, &retry),
	    STATE_E_LIMITED);
	assert_int_equal(retry, 700);		/* t leaves at t + 1000 */
	assert_int_equal(take(f->st, "k", 3, 1000, t + 999, &retry),
	    STATE_E_LIMITED);
	assert_int_equal(retry, 1);
	/* A refused event is not recorded: t has left, one slot free. */
	assert_int_equal(take(f->st, "k", 3, 1000, t + 1000, &retry), 0);
	assert_int_equal(take(f->st, "k", 3, 1000, t + 1050, &retry),
	    STATE_E_LIMITED);
	assert_int_equal(retry, 50);		/* t + 100 leaves at t + 1100 */
	/* Another key is independent. */
	assert_int_equal(take(f->st, "other", 1, 1000, t + 1050, &retry), 0);
	/* Windows survive reopening. */
	open_state(f, 0, 0);
	assert_int_equal(take(f->st, "k", 3, 1000, t + 1050, &retry),
	    STATE_E_LIMITED);
	assert_int_equal(take(f->st, "other", 1, 1000, t + 1051, &retry),
	    STATE_E_LIMITED);
	assert_int_equal(retry, 999);
	/* Small clock values do not wrap. */
	assert_int_equal(take(f->st, "early", 1, 1000, 0, &retry), 0);
	assert_int_equal(take(f->st, "early", 1, 1000, 999, &retry),
	    STATE_E_LIMITED);
	assert_int_equal(retry, 1);
	assert_int_equal(take(f->st, "early", 1, 1000, 1000, &retry), 0);
}

static void
test_rate_all_or_nothing(void **statep)
{
	struct fixture		*f = *statep;
	struct rate_request	 reqs[3] = {
		{ "global", 5, 60000 },
		{ "imsg|+15550100", 1, 60000 },
		{ "global", 5, 60000 },		/* charged twice */
	};
	size_t			 which = 99;
	uint64_t		 retry = 0;
	int			 i;

	open_state(f, 0, 0);
	assert_int_equal(state_rate_take(f->st, reqs, 3, 1000, &which,
	    &retry), 0);
	assert_int_equal(state_rate_take(f->st, reqs, 3, 2000, &which,
	    &retry), STATE_E_LIMITED);
	assert_int_equal(which, 1);
	assert_int_equal(retry, 59000);
	/* "global" holds 2 events, not 4: three more fit. */
	for (i = 0; i < 3; i++)
		assert_int_equal(take(f->st, "global", 5, 60000, 3000, &retry),
		    0);
	assert_int_equal(take(f->st, "global", 5, 60000, 3000, &retry),
	    STATE_E_LIMITED);
	assert_int_equal(state_rate_take(f->st, reqs, 0, 1, &which, &retry),
	    0);
}

/*
 * A delivery's windows and record in one transaction: a full window
 * leaves the chain and every window as they were; a peek charges
 * nothing.
 */
static void
test_audit_append_charged(void **statep)
{
	struct fixture		*f = *statep;
	struct rate_request	 reqs[2] = {
		{ "client|requests", 2, 60000 },
		{ "imsg|recipient", 1, 60000 },
	};
	json_t			*rec;
	size_t			 which = 99;
	uint64_t		 retry = 0, count = 0, bad = 0;
	char			 cause[128];
	int			 i;

	open_state(f, 0, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(state_rate_peek(f->st, reqs, 2, 1000, &which,
		    &retry), 0);
	rec = json_pack("{s:s}", "outcome", "delivering");
	assert_int_equal(state_audit_append_charged(f->st, rec, reqs, 2, 1000,
	    1, &which, &retry), 0);
	assert_int_equal(json_integer_value(json_object_get(rec, "seq")), 1);
	json_decref(rec);

	/* The recipient's window is full: nothing charged, no record. */
	assert_int_equal(state_rate_peek(f->st, reqs, 2, 2000, &which,
	    &retry), STATE_E_LIMITED);
	assert_int_equal(which, 1);
	rec = json_pack("{s:s}", "outcome", "delivering");
	assert_int_equal(state_audit_append_charged(f->st, rec, reqs, 2, 2000,
	    1, &which, &retry), STATE_E_LIMITED);
	assert_int_equal(which, 1);
	assert_int_equal(retry, 59000);
	assert_null(json_object_get(rec, "seq"));
	assert_null(json_object_get(rec, "hash"));
	json_decref(rec);
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), 0);
	assert_int_equal(count, 1);
	/* The request window holds the one charge: one more fits. */
	assert_int_equal(take(f->st, "client|requests", 2, 60000, 3000,
	    &retry), 0);
	assert_int_equal(take(f->st, "client|requests", 2, 60000, 3000,
	    &retry), STATE_E_LIMITED);
	assert_int_equal(state_rate_peek(f->st, reqs, 1, 3000, &which,
	    &retry), STATE_E_LIMITED);
	assert_int_equal(which, 0);

	/* No windows: a plain append.  Windows need which and retry. */
	rec = json_pack("{s:s}", "outcome", "ok");
	assert_int_equal(state_audit_append_charged(f->st, rec, NULL, 0, 0, 0,
	    NULL, NULL), 0);
	assert_int_equal(json_integer_value(json_object_get(rec, "seq")), 2);
	json_decref(rec);
	rec = json_object();
	assert_int_equal(state_audit_append_charged(f->st, rec, reqs, 2, 4000,
	    0, NULL, NULL), STATE_E_INVALID);
	assert_int_equal(state_rate_peek(f->st, reqs, 2, 4000, NULL, &retry),
	    STATE_E_INVALID);
	json_decref(rec);
}

static void
test_rate_bad_input(void **statep)
{
	struct fixture		*f = *statep;
	struct rate_request	 req;
	struct raw		 raw;
	char			 key[600];
	size_t			 which;
	uint64_t		 retry;

	open_state(f, 0, 0);
	memset(key, 'a', sizeof(key));
	key[512] = '\0';
	assert_int_equal(take(f->st, key, 1, 1, 1, &retry), STATE_E_INVALID);
	key[511] = '\0';
	assert_int_equal(take(f->st, key, 1, 1, 1, &retry), 0);
	assert_int_equal(take(f->st, "", 1, 1, 1, &retry), STATE_E_INVALID);
	assert_int_equal(take(f->st, "k", 0, 1, 1, &retry), STATE_E_INVALID);
	assert_int_equal(take(f->st, "k", 1, 0, 1, &retry), STATE_E_INVALID);
	req.key = NULL;
	req.max = 1;
	req.window_ms = 1;
	assert_int_equal(state_rate_take(f->st, &req, 1, 1, &which, &retry),
	    STATE_E_INVALID);
	assert_int_equal(state_rate_take(f->st, NULL, 1, 1, &which, &retry),
	    STATE_E_INVALID);

	raw_open(f, "rate", &raw);
	raw_put(&raw, "bad", 3, "1234567", 7);
	raw_close(&raw);
	open_state(f, 0, 0);
	assert_int_equal(take(f->st, "bad", 5, 1000, 1, &retry),
	    STATE_E_CORRUPT);
}

/* Children each open their own state and report successes by exit code. */
static int
child_rate(const char *dir)
{
	struct state	*st;
	struct rate_request req = { "shared", 37, 3600000 };
	size_t		 which;
	uint64_t	 retry;
	int		 i, r, ok = 0;

	if (state_open(dir, 0, 0, &st) != 0)
		return 100;
	for (i = 0; i < 10; i++) {
		r = state_rate_take(st, &req, 1, 1000 + (uint64_t)i, &which,
		    &retry);
		if (r == 0)
			ok++;
		else if (r != STATE_E_LIMITED || retry == 0)
			ok = 101;
	}
	state_close(st);
	return ok;
}

static int
child_audit(const char *dir, int id)
{
	struct state	*st;
	json_t		*rec;
	int		 i, bad = 0;

	if (state_open(dir, 0, 0, &st) != 0)
		return 100;
	for (i = 0; i < 50; i++) {
		rec = json_pack("{s:i,s:i}", "child", id, "n", i);
		if (rec == NULL || state_audit_append(st, rec) != 0)
			bad = 1;
		json_decref(rec);
	}
	state_close(st);
	return bad;
}

/* Fork n children running fn; return the sum of their exit codes. */
static int
run_children(struct fixture *f, int n, int (*fn)(const char *, int))
{
	pid_t	pid;
	int	i, status, sum = 0;

	state_close(f->st);	/* never carry an environment across fork */
	f->st = NULL;
	for (i = 0; i < n; i++) {
		if ((pid = fork()) == -1)
			fail_msg("fork: %s", strerror(errno));
		if (pid == 0)
			_exit(fn(f->dir, i));
	}
	for (i = 0; i < n; i++) {
		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) < 100);
		sum += WEXITSTATUS(status);
	}
	return sum;
}

static int
child_rate_fn(const char *dir, int i)
{
	(void)i;
	return child_rate(dir);
}

static int
count_seq(json_t *rec, void *arg)
{
	uint64_t	*next = arg;

	assert_int_equal(json_integer_value(json_object_get(rec, "seq")),
	    *next);
	(*next)++;
	return 0;
}

static void
test_concurrent_processes(void **statep)
{
	struct fixture	*f = *statep;
	uint64_t	 count, bad, next = 1;
	char		 cause[64];

	open_state(f, 0, 0);
	assert_int_equal(run_children(f, 16, child_rate_fn), 37);
	assert_int_equal(run_children(f, 8, child_audit), 0);
	open_state(f, 0, STATE_RDONLY);
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), 0);
	assert_int_equal(count, 400);
	assert_int_equal(state_audit_foreach(f->st, 0, count_seq, &next), 0);
	assert_int_equal(next, 401);
}

struct collect {
	char		 ids[8][STATE_HOLD_ID_MAX];
	int		 n;
	int		 stop_at;
	struct state	*del_from;
};

static int
collect_hold(json_t *hold, void *arg)
{
	struct collect	*c = arg;
	const char	*id = json_string_value(json_object_get(hold, "id"));

	assert_non_null(id);
	assert_true(c->n < 8);
	(void)strlcpy(c->ids[c->n++], id, sizeof(c->ids[0]));
	/* Callbacks run outside any transaction: they may write. */
	if (c->del_from != NULL)
		assert_int_equal(state_hold_del(c->del_from, id), 0);
	return c->n == c->stop_at;
}

struct delete_walk {
	struct state	*st;
	int		 n;
	long long	 last;
};

/* Ids come in increasing order; each is deleted from the callback. */
static int
delete_hold(json_t *hold, void *arg)
{
	struct delete_walk	*w = arg;
	const char		*id, *errstr;
	long long		 seq;

	id = json_string_value(json_object_get(hold, "id"));
	assert_non_null(id);
	seq = strtonum(id + 1, 1, 9999999999LL, &errstr);
	assert_null(errstr);
	assert_true(seq > w->last);
	w->last = seq;
	w->n++;
	assert_int_equal(state_hold_del(w->st, id), 0);
	return 0;
}

static void
test_holds(void **statep)
{
	struct fixture	*f = *statep;
	struct delete_walk walk;
	struct collect	 c;
	json_t		*h, *got;
	char		 id[STATE_HOLD_ID_MAX], want[16], small[4];
	int		 i;

	open_state(f, 0, 0);
	for (i = 1; i <= 3; i++) {
		h = json_pack("{s:s,s:i,s:s}", "channel", "imsg", "n", i,
		    "id", "caller-chosen");
		assert_int_equal(state_hold_put(f->st, h, 1000 + i, id,
		    sizeof(id)), 0);
		(void)snprintf(want, sizeof(want), "h%010d", i);
		assert_string_equal(id, want);
		assert_string_equal(json_string_value(json_object_get(h,
		    "id")), id);
		assert_int_equal(json_integer_value(json_object_get(h,
		    "created_ms")), 1000 + i);
		assert_int_equal(state_hold_get(f->st, id, &got), 0);
		assert_true(json_equal(got, h));
		json_decref(got);
		json_decref(h);
	}
	assert_string_equal(id, "h0000000003");

	/* A too-small id buffer: refused, nothing stored or added. */
	h = json_object();
	assert_int_equal(state_hold_put(f->st, h, 1, small, sizeof(small)),
	    STATE_E_INVALID);
	assert_int_equal(json_object_size(h), 0);
	json_decref(h);
	h = json_array();
	assert_int_equal(state_hold_put(f->st, h, 1, id, sizeof(id)),
	    STATE_E_INVALID);
	json_decref(h);

	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	assert_int_equal(state_hold_foreach(f->st, collect_hold, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.ids[0], "h0000000001");
	assert_string_equal(c.ids[1], "h0000000002");

	assert_int_equal(state_hold_del(f->st, "h0000000002"), 0);
	assert_int_equal(state_hold_del(f->st, "h0000000002"),
	    STATE_E_NOTFOUND);
	assert_int_equal(state_hold_get(f->st, "h0000000002", &got),
	    STATE_E_NOTFOUND);
	assert_null(got);
	assert_int_equal(state_hold_get(f->st, "", &got), STATE_E_INVALID);

	/* Ids are never reused, even after a delete and a reopen. */
	open_state(f, 0, 0);
	h = json_object();
	assert_int_equal(state_hold_put(f->st, h, 1, id, sizeof(id)), 0);
	assert_string_equal(id, "h0000000004");
	json_decref(h);

	memset(&c, 0, sizeof(c));
	c.del_from = f->st;
	assert_int_equal(state_hold_foreach(f->st, collect_hold, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.ids[0], "h0000000001");
	assert_string_equal(c.ids[1], "h0000000003");
	assert_string_equal(c.ids[2], "h0000000004");
	memset(&c, 0, sizeof(c));
	assert_int_equal(state_hold_foreach(f->st, collect_hold, &c), 0);
	assert_int_equal(c.n, 0);

	/* Across several read batches, deleting as we go. */
	for (i = 0; i < 70; i++) {
		h = json_object();
		assert_int_equal(state_hold_put(f->st, h, 1, id, sizeof(id)),
		    0);
		json_decref(h);
	}
	walk.st = f->st;
	walk.n = 0;
	walk.last = 0;
	assert_int_equal(state_hold_foreach(f->st, delete_hold, &walk), 0);
	assert_int_equal(walk.n, 70);
	assert_int_equal(walk.last, 74);
	walk.n = 0;
	assert_int_equal(state_hold_foreach(f->st, delete_hold, &walk), 0);
	assert_int_equal(walk.n, 0);
}

static void
test_hold_corrupt(void **statep)
{
	struct fixture	*f = *statep;
	struct collect	 c;
	struct raw	 raw;
	json_t		*got;

	raw_open(f, "holds", &raw);
	raw_put(&raw, "h0000000009", 11, "[1,2]", 5);
	raw_close(&raw);
	open_state(f, 0, 0);
	assert_int_equal(state_hold_get(f->st, "h0000000009", &got),
	    STATE_E_CORRUPT);
	memset(&c, 0, sizeof(c));
	assert_int_equal(state_hold_foreach(f->st, collect_hold, &c),
	    STATE_E_CORRUPT);
}

static void
append_n(struct state *st, int from, int to)
{
	json_t	*rec;
	int	 i;

	for (i = from; i <= to; i++) {
		rec = json_pack("{s:s,s:i,s:s}", "method", "send", "n", i,
		    "who", "agent \xc3\xa9");
		assert_non_null(rec);
		assert_int_equal(state_audit_append(st, rec), 0);
		assert_int_equal(json_integer_value(json_object_get(rec,
		    "seq")), i);
		json_decref(rec);
	}
}

static int
check_prev(json_t *rec, void *arg)
{
	const char	*want = arg;

	assert_int_equal(json_integer_value(json_object_get(rec, "seq")), 2);
	assert_string_equal(json_string_value(json_object_get(rec, "prev")),
	    want);
	return 1;
}

static int
collect_seq(json_t *rec, void *arg)
{
	json_t	*seqs = arg;

	assert_int_equal(json_array_append(seqs, json_object_get(rec, "seq")),
	    0);
	return json_array_size(seqs) == 40;
}

static void
test_audit_chain(void **statep)
{
	struct fixture	*f = *statep;
	json_t		*rec, *copy, *seqs, *deep, *inner;
	char		*text, hash[65], first[65];
	int		 i;
	uint64_t	 count = 0, bad = 99;
	char		 cause[64] = "x";

	open_state(f, 0, 0);
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), 0);
	assert_int_equal(count, 0);
	assert_string_equal(cause, "");

	/* The hash is SHA-256 of the compact key-sorted record sans hash. */
	rec = json_pack("{s:s}", "method", "send");
	assert_int_equal(state_audit_append(f->st, rec), 0);
	assert_int_equal(json_integer_value(json_object_get(rec, "seq")), 1);
	assert_string_equal(json_string_value(json_object_get(rec, "prev")),
	    ZERO_HASH);
	copy = json_copy(rec);
	assert_int_equal(json_object_del(copy, "hash"), 0);
	text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
	    "{\"method\":\"send\",\"prev\":\"" ZERO_HASH "\",\"seq\":1}");
	sha256_hex(text, strlen(text), hash);
	assert_string_equal(json_string_value(json_object_get(rec, "hash")),
	    hash);
	(void)strlcpy(first, hash, sizeof(first));
	free(text);
	json_decref(copy);
	/* A record that already carries chain fields is refused. */
	assert_int_equal(state_audit_append(f->st, rec), STATE_E_INVALID);
	json_decref(rec);

	append_n(f->st, 2, 100);
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), 0);
	assert_int_equal(count, 100);
	assert_int_equal(bad, 0);

	/* The second record links to the first. */
	assert_int_equal(state_audit_foreach(f->st, 2, check_prev, first), 0);
	seqs = json_array();
	assert_int_equal(state_audit_foreach(f->st, 61, collect_seq, seqs),
	    0);
	assert_int_equal(json_array_size(seqs), 40);
	assert_int_equal(json_integer_value(json_array_get(seqs, 0)), 61);
	assert_int_equal(json_integer_value(json_array_get(seqs, 39)), 100);
	json_array_clear(seqs);
	assert_int_equal(state_audit_foreach(f->st, 95, collect_seq, seqs),
	    0);
	assert_int_equal(json_array_size(seqs), 6);
	json_array_clear(seqs);
	assert_int_equal(state_audit_foreach(f->st, 101, collect_seq, seqs),
	    0);
	assert_int_equal(json_array_size(seqs), 0);
	json_decref(seqs);

	/* A NUL inside a string survives the round trip. */
	rec = json_pack("{s:s%}", "text", "a\0b", (size_t)3);
	assert_non_null(rec);
	assert_int_equal(state_audit_append(f->st, rec), 0);
	json_decref(rec);
	/* Nesting the parser would refuse later is refused now. */
	rec = json_object();
	deep = json_array();
	assert_int_equal(json_object_set_new(rec, "deep", deep), 0);
	for (i = 0; i < 5000; i++) {
		inner = json_array();
		assert_int_equal(json_array_append_new(deep, inner), 0);
		deep = inner;
	}
	assert_int_equal(state_audit_append(f->st, rec), STATE_E_INVALID);
	assert_null(json_object_get(rec, "seq"));
	json_decref(rec);
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), 0);
	assert_int_equal(count, 101);

	rec = json_object();
	assert_int_equal(json_object_set_new(rec, "seq", json_integer(5)), 0);
	assert_int_equal(state_audit_append(f->st, rec), STATE_E_INVALID);
	json_decref(rec);
	assert_int_equal(state_audit_append(f->st, NULL), STATE_E_INVALID);
}

/* Rewrite record seq through LMDB: set "n" to n, rehash if asked. */
static void
tamper(struct fixture *f, uint64_t seq, int n, int rehash)
{
	struct raw	 raw;
	unsigned char	 key[8];
	MDB_val		 k = { 8, key }, v;
	json_t		*rec;
	char		*text, hash[65];

	seq_key(key, seq);
	raw_open(f, "audit", &raw);
	assert_int_equal(mdb_get(raw.txn, raw.dbi, &k, &v), 0);
	rec = json_loadb(v.mv_data, v.mv_size, 0, NULL);
	assert_non_null(rec);
	assert_int_equal(json_object_set_new(rec, "n", json_integer(n)), 0);
	if (rehash) {
		assert_int_equal(json_object_del(rec, "hash"), 0);
		text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
		sha256_hex(text, strlen(text), hash);
		free(text);
		assert_int_equal(json_object_set_new(rec, "hash",
		    json_string(hash)), 0);
	}
	text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	raw_put(&raw, key, 8, text, strlen(text));
	free(text);
	json_decref(rec);
	raw_close(&raw);
}

/* Verify read-only, as carapacectl does; seq 0 means the chain holds. */
static void
expect_bad(struct fixture *f, uint64_t seq, const char *cause_prefix)
{
	uint64_t	count = 0, bad = 99;
	char		cause[64];

	open_state(f, 0, STATE_RDONLY);
	if (seq == 0) {
		assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
		    sizeof(cause)), 0);
		assert_int_equal(count, 100);
		assert_int_equal(bad, 0);
		return;
	}
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), STATE_E_CORRUPT);
	assert_int_equal(bad, seq);
	/* Records before the bad one checked good (a gap skips one). */
	assert_int_equal(count, strncmp(cause, "sequence gap", 12) == 0 ?
	    seq - 2 : seq - 1);
	assert_int_equal(strncmp(cause, cause_prefix, strlen(cause_prefix)),
	    0);
}

static void
test_audit_tamper(void **statep)
{
	struct fixture	*f = *statep;
	struct raw	 raw;
	unsigned char	 key[8];
	MDB_val		 k = { 8, key };

	open_state(f, 0, 0);
	append_n(f->st, 1, 100);

	tamper(f, 37, 1000, 0);
	expect_bad(f, 37, "hash mismatch");
	tamper(f, 37, 37, 0);			/* put it back */
	expect_bad(f, 0, NULL);

	/* Rehashed after the change: the next record's link breaks. */
	tamper(f, 37, 1000, 1);
	expect_bad(f, 38, "broken prev link");
	tamper(f, 37, 37, 1);
	expect_bad(f, 0, NULL);

	/* A deleted record leaves a gap. */
	seq_key(key, 50);
	raw_open(f, "audit", &raw);
	assert_int_equal(mdb_del(raw.txn, raw.dbi, &k, NULL), 0);
	raw_close(&raw);
	expect_bad(f, 51, "sequence gap");

	/* A record that is not JSON. */
	raw_open(f, "audit", &raw);
	raw_put(&raw, key, 8, "{\"seq\":", 7);
	raw_close(&raw);
	expect_bad(f, 50, "malformed record");
}

static int
count_hold(json_t *hold, void *arg)
{
	size_t	*n = arg;

	(void)hold;
	(*n)++;
	return 0;
}

/* Fill a small map: every write fails cleanly, reads and verify go on. */
static void
test_map_full(void **statep)
{
	struct fixture		*f = *statep;
	struct rate_request	 req;
	json_t			*rec;
	char			 id[STATE_HOLD_ID_MAX], key[32], pad[512];
	size_t			 which, holds, found;
	uint64_t		 retry, count, bad, n;
	int			 i, r;

	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	open_state(f, 64 * 1024, 0);
	for (n = 1; n < 100000; n++) {
		rec = json_pack("{s:I,s:s}", "n", (json_int_t)n, "pad", pad);
		r = state_audit_append(f->st, rec);
		if (r != 0) {
			/* Nothing of the failed append is left behind. */
			assert_null(json_object_get(rec, "seq"));
			assert_null(json_object_get(rec, "hash"));
		}
		json_decref(rec);
		if (r != 0)
			break;
	}
	assert_int_equal(r, STATE_E_FULL);
	assert_true(n > 3);		/* some fitted */
	assert_string_equal(state_strerror(r),
	    "state store is full (raise map_size)");

	/* Holds and rate windows meet the same wall. */
	for (holds = 0; holds < 100000; holds++) {
		rec = json_pack("{s:s}", "pad", pad);
		r = state_hold_put(f->st, rec, 1, id, sizeof(id));
		if (r != 0)
			assert_null(json_object_get(rec, "id"));
		json_decref(rec);
		if (r != 0)
			break;
	}
	assert_int_equal(r, STATE_E_FULL);
	for (i = 0; i < 100000; i++) {
		(void)snprintf(key, sizeof(key), "key-%d", i);
		req.key = key;
		req.max = 10;
		req.window_ms = 1000;
		if ((r = state_rate_take(f->st, &req, 1, 1, &which,
		    &retry)) != 0)
			break;
	}
	assert_int_equal(r, STATE_E_FULL);

	/* Everything committed before is intact and readable. */
	assert_int_equal(state_audit_verify(f->st, &count, &bad, NULL, 0), 0);
	assert_int_equal(count, n - 1);
	found = 0;
	assert_int_equal(state_hold_foreach(f->st, count_hold, &found), 0);
	assert_int_equal(found, holds);
	assert_int_equal(state_sync(f->st), 0);

	/* Reopened with a larger map, the store takes writes again. */
	open_state(f, 0, 0);
	append_n(f->st, (int)count + 1, (int)count + 5);
	assert_int_equal(state_audit_verify(f->st, &n, &bad, NULL, 0), 0);
	assert_int_equal(n, count + 5);
}

/* Inbox messages in these tests are {"n": n} or {"child": c, "n": n}. */
#define GOT_MAX		2048

struct got {
	uint64_t	 cursor[GOT_MAX];
	json_int_t	 n[GOT_MAX];
	json_int_t	 child[GOT_MAX];
	size_t		 count;
	size_t		 stop_at;	/* 0: never stop */
};

static int
got_one(uint64_t cursor, json_t *msg, void *arg)
{
	struct got	*g = arg;

	assert_true(g->count < GOT_MAX);
	assert_true(json_is_integer(json_object_get(msg, "n")));
	g->cursor[g->count] = cursor;
	g->n[g->count] = json_integer_value(json_object_get(msg, "n"));
	g->child[g->count] = json_integer_value(json_object_get(msg,
	    "child"));
	g->count++;
	return g->count == g->stop_at;
}

static int
never_called(uint64_t cursor, json_t *msg, void *arg)
{
	(void)cursor;
	(void)msg;
	(void)arg;
	fail_msg("callback called");
	return 1;
}

static size_t
read_from(struct state *st, const char *channel, uint64_t since,
    size_t limit, struct got *g)
{
	g->count = 0;
	assert_int_equal(state_inbox_read(st, channel, since, limit, got_one,
	    g), 0);
	return g->count;
}

/* Expect exactly the cursors from..to (none if from > to) after since. */
static void
expect_range(struct state *st, const char *channel, uint64_t since,
    uint64_t from, uint64_t to)
{
	struct got	*g;
	size_t		 i;

	g = calloc(1, sizeof(*g));
	assert_non_null(g);
	assert_int_equal(read_from(st, channel, since, 0, g),
	    from > to ? 0 : to - from + 1);
	for (i = 0; i < g->count; i++)
		assert_int_equal(g->cursor[i], from + i);
	free(g);
}

static uint64_t
publish(struct state *st, const char *channel, json_int_t n, uint64_t hint,
    uint64_t now, const char *position)
{
	json_t		*msg;
	uint64_t	 cursor = 0;

	msg = json_pack("{s:I}", "n", n);
	assert_non_null(msg);
	assert_int_equal(state_inbox_publish(st, channel, msg, hint, now,
	    position, &cursor), 0);
	assert_int_equal(json_object_size(msg), 1);	/* left as it was */
	json_decref(msg);
	assert_true(cursor > 0);
	return cursor;
}

static void
expect_position(struct state *st, const char *channel, const char *want)
{
	char	pos[STATE_POSITION_MAX];

	assert_int_equal(state_watch_position(st, channel, pos, sizeof(pos)),
	    0);
	assert_string_equal(pos, want);
}

static uint64_t
last_cursor(struct state *st, const char *channel)
{
	uint64_t	cursor = 99;

	assert_int_equal(state_inbox_last(st, channel, &cursor), 0);
	return cursor;
}

static size_t
compact(struct state *st, const char *channel, size_t max_count,
    uint64_t max_age_ms, uint64_t now_ms, size_t batch)
{
	size_t	removed = 99;

	assert_int_equal(state_inbox_compact(st, channel, max_count,
	    max_age_ms, now_ms, batch, &removed), 0);
	return removed;
}

static void
test_inbox_cursors(void **statep)
{
	struct fixture	*f = *statep;
	struct got	*g;
	const uint64_t	 all[] = { 1, 100, 101, 102, 103 };
	const json_int_t ns[] = { 1, 2, 3, 5, 6 };
	uint64_t	 cursor;
	size_t		 i, removed;

	g = calloc(1, sizeof(*g));
	assert_non_null(g);
	open_state(f, 0, 0);
	assert_int_equal(last_cursor(f->st, "imsg"), 0);
	expect_position(f->st, "imsg", "");
	expect_range(f->st, "imsg", 0, 1, 0);

	assert_int_equal(publish(f->st, "imsg", 1, 0, 1000, "rowid:7"), 1);
	/* A hint above the last cursor is taken (imsg rowids)... */
	assert_int_equal(publish(f->st, "imsg", 2, 100, 1001, "rowid:100"),
	    100);
	/* ...one below is not; a NULL position leaves it as it was. */
	assert_int_equal(publish(f->st, "imsg", 3, 50, 1002, NULL), 101);
	expect_position(f->st, "imsg", "rowid:100");
	/* A hidden message moves the position only. */
	cursor = 99;
	assert_int_equal(state_inbox_publish(f->st, "imsg", NULL, 500, 1003,
	    "rowid:500", &cursor), 0);
	assert_int_equal(cursor, 0);
	assert_int_equal(last_cursor(f->st, "imsg"), 101);
	expect_position(f->st, "imsg", "rowid:500");
	assert_int_equal(publish(f->st, "imsg", 5, 0, 1004, "rowid:501"), 102);
	assert_int_equal(publish(f->st, "imsg", 6, 102, 1005, "rowid:502"),
	    103);

	assert_int_equal(read_from(f->st, "imsg", 0, 0, g), 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(g->cursor[i], all[i]);
		assert_int_equal(g->n[i], ns[i]);
	}
	/* From the middle, with a limit, stopped by the callback. */
	expect_range(f->st, "imsg", 100, 101, 103);
	expect_range(f->st, "imsg", 102, 103, 103);
	assert_int_equal(read_from(f->st, "imsg", 99, 0, g), 4);
	assert_int_equal(g->cursor[0], 100);
	assert_int_equal(read_from(f->st, "imsg", 1, 2, g), 2);
	assert_int_equal(g->cursor[0], 100);
	assert_int_equal(g->cursor[1], 101);
	g->stop_at = 1;
	assert_int_equal(read_from(f->st, "imsg", 0, 0, g), 1);
	assert_int_equal(g->cursor[0], 1);
	g->stop_at = 0;
	expect_range(f->st, "imsg", 103, 1, 0);
	expect_range(f->st, "imsg", UINT64_MAX, 1, 0);

	/* All of it survives reopening; cursors go on from the last. */
	open_state(f, 0, 0);
	assert_int_equal(last_cursor(f->st, "imsg"), 103);
	expect_position(f->st, "imsg", "rowid:502");
	assert_int_equal(read_from(f->st, "imsg", 0, 0, g), 5);
	assert_int_equal(g->cursor[4], 103);
	assert_int_equal(publish(f->st, "imsg", 7, 0, 1006, "rowid:503"), 104);

	/* Read-only: reads work, writes are refused. */
	open_state(f, 0, STATE_RDONLY);
	assert_int_equal(last_cursor(f->st, "imsg"), 104);
	expect_position(f->st, "imsg", "rowid:503");
	expect_range(f->st, "imsg", 103, 104, 104);
	assert_int_equal(state_inbox_publish(f->st, "imsg", NULL, 0, 1, "x",
	    NULL), STATE_E_INVALID);
	assert_int_equal(state_inbox_compact(f->st, "imsg", 1, 0, 1, 10,
	    &removed), STATE_E_INVALID);
	assert_int_equal(removed, 0);
	expect_position(f->st, "imsg", "rowid:503");
	free(g);
}

static void
test_inbox_bad_input(void **statep)
{
	struct fixture	*f = *statep;
	const char	*bad[] = { "", "IMSG", "im sg", "imsg/1", "imsg.x",
	    "imsg\n", "0123456789abcdef0123456789abcdef", NULL };
	char		 pos[STATE_POSITION_MAX + 1], got[STATE_POSITION_MAX];
	char		 small[4] = "abc";
	json_t		*msg, *deep, *inner;
	uint64_t	 cursor;
	size_t		 i, removed;

	open_state(f, 0, 0);
	msg = json_pack("{s:i}", "n", 1);
	assert_non_null(msg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cursor = 99;
		assert_int_equal(state_inbox_publish(f->st, bad[i], msg, 0, 1,
		    "p", &cursor), STATE_E_INVALID);
		assert_int_equal(cursor, 0);
		assert_int_equal(state_inbox_read(f->st, bad[i], 0, 0,
		    never_called, NULL), STATE_E_INVALID);
		assert_int_equal(state_inbox_last(f->st, bad[i], &cursor),
		    STATE_E_INVALID);
		assert_int_equal(state_watch_position(f->st, bad[i], got,
		    sizeof(got)), STATE_E_INVALID);
		assert_int_equal(state_inbox_compact(f->st, bad[i], 1, 0, 1, 1,
		    &removed), STATE_E_INVALID);
	}
	/* The longest name, of every character allowed. */
	assert_int_equal(publish(f->st, "abcdefghijklmnopqrstuvwxyz-_089",
	    1, 0, 1, NULL), 1);

	/* Positions of up to STATE_POSITION_MAX - 1 bytes. */
	memset(pos, 'p', sizeof(pos) - 1);
	pos[sizeof(pos) - 1] = '\0';
	assert_int_equal(state_inbox_publish(f->st, "imsg", msg, 0, 1, pos,
	    &cursor), STATE_E_INVALID);
	pos[STATE_POSITION_MAX - 1] = '\0';
	assert_int_equal(publish(f->st, "imsg", 1, 0, 1, pos), 1);
	expect_position(f->st, "imsg", pos);
	/* Too small a buffer is an error, not a truncated position. */
	assert_int_equal(state_watch_position(f->st, "imsg", small,
	    sizeof(small)), STATE_E_INVALID);
	assert_string_equal(small, "");

	/* Not an object; cursors and times beyond JSON integers. */
	deep = json_array();
	assert_int_equal(state_inbox_publish(f->st, "imsg", deep, 0, 1, "x",
	    &cursor), STATE_E_INVALID);
	json_decref(deep);
	assert_int_equal(state_inbox_publish(f->st, "imsg", msg,
	    (uint64_t)INT64_MAX + 1, 1, "x", &cursor), STATE_E_INVALID);
	assert_int_equal(state_inbox_publish(f->st, "imsg", msg, 0,
	    (uint64_t)INT64_MAX + 1, "x", &cursor), STATE_E_INVALID);
	assert_int_equal(publish(f->st, "max", 1, INT64_MAX, 1, NULL),
	    INT64_MAX);
	assert_int_equal(state_inbox_publish(f->st, "max", msg, 0, 1, "x",
	    &cursor), STATE_E_FULL);
	expect_position(f->st, "max", "");
	expect_range(f->st, "max", INT64_MAX - 1, INT64_MAX, INT64_MAX);

	/* Nesting a reader would refuse is refused at publish. */
	deep = json_object();
	inner = json_array();
	assert_int_equal(json_object_set_new(deep, "deep", inner), 0);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(json_array_append_new(inner, json_array()),
		    0);
		inner = json_array_get(inner, 0);
	}
	assert_int_equal(state_inbox_publish(f->st, "imsg", deep, 0, 1, "x",
	    &cursor), STATE_E_INVALID);
	json_decref(deep);

	/* None of the refused publishes stored anything. */
	assert_int_equal(last_cursor(f->st, "imsg"), 1);
	expect_range(f->st, "imsg", 0, 1, 1);
	expect_position(f->st, "imsg", pos);

	assert_int_equal(state_inbox_publish(NULL, "imsg", msg, 0, 1, "x",
	    &cursor), STATE_E_INVALID);
	assert_int_equal(state_inbox_read(f->st, "imsg", 0, 0, NULL, NULL),
	    STATE_E_INVALID);
	assert_int_equal(state_inbox_last(f->st, "imsg", NULL),
	    STATE_E_INVALID);
	assert_int_equal(state_watch_position(f->st, "imsg", NULL, 10),
	    STATE_E_INVALID);
	assert_int_equal(state_inbox_compact(f->st, "imsg", 1, 0, 1, 0,
	    &removed), STATE_E_INVALID);
	assert_int_equal(state_inbox_compact(f->st, "imsg", 1, 0, 1, 1, NULL),
	    STATE_E_INVALID);
	assert_null(state_inbox_wake_path(NULL));
	json_decref(msg);
}

static void
test_inbox_channels(void **statep)
{
	struct fixture	*f = *statep;
	struct got	*g;
	const char	*names[] = { "imsg", "signal", "imsg2", "a" };
	char		 pos[32];
	size_t		 c, i;

	g = calloc(1, sizeof(*g));
	assert_non_null(g);
	open_state(f, 0, 0);
	/* Interleaved, each channel counts on its own. */
	for (i = 0; i < 40; i++) {
		for (c = 0; c < 4; c++) {
			(void)snprintf(pos, sizeof(pos), "%s:%zu", names[c], i);
			assert_int_equal(publish(f->st, names[c],
			    (json_int_t)(c * 100 + i), 0, 1000 + i, pos),
			    i + 1);
		}
	}
	for (c = 0; c < 4; c++) {
		/* Across several read batches. */
		assert_int_equal(read_from(f->st, names[c], 0, 0, g), 40);
		for (i = 0; i < 40; i++) {
			assert_int_equal(g->cursor[i], i + 1);
			assert_int_equal(g->n[i], c * 100 + i);
		}
		expect_range(f->st, names[c], 30, 31, 40);
		assert_int_equal(last_cursor(f->st, names[c]), 40);
		(void)snprintf(pos, sizeof(pos), "%s:39", names[c]);
		expect_position(f->st, names[c], pos);
	}
	assert_int_equal(last_cursor(f->st, "other"), 0);
	expect_range(f->st, "other", 0, 1, 0);
	expect_range(f->st, "ims", 0, 1, 0);
	free(g);
}

static void
test_inbox_compact(void **statep)
{
	struct fixture	*f = *statep;
	int		 i;

	open_state(f, 0, 0);
	for (i = 1; i <= 10; i++)	/* published at 1100, 1200, ... 2000 */
		assert_int_equal(publish(f->st, "imsg", i, 0, 1000 + 100 * i,
		    NULL), i);
	for (i = 1; i <= 5; i++)
		assert_int_equal(publish(f->st, "signal", i, 0, 0, NULL), i);

	/* By count, oldest first, at most batch per call. */
	assert_int_equal(compact(f->st, "imsg", 7, 0, 2000, 2), 2);
	expect_range(f->st, "imsg", 0, 3, 10);
	assert_int_equal(compact(f->st, "imsg", 7, 0, 2000, 2), 1);
	expect_range(f->st, "imsg", 0, 4, 10);
	assert_int_equal(compact(f->st, "imsg", 7, 0, 2000, 2), 0);

	/* By age: more than 450 ms old at 2000 means before 1550. */
	assert_int_equal(compact(f->st, "imsg", 0, 450, 2000, 1), 1);
	expect_range(f->st, "imsg", 0, 5, 10);
	assert_int_equal(compact(f->st, "imsg", 0, 450, 2000, 1), 1);
	expect_range(f->st, "imsg", 0, 6, 10);
	assert_int_equal(compact(f->st, "imsg", 0, 450, 2000, 1), 0);
	/* Exactly max_age old stays; a clock behind removes nothing. */
	assert_int_equal(compact(f->st, "imsg", 0, 400, 2000, 5), 0);
	assert_int_equal(compact(f->st, "imsg", 0, 1, 0, 5), 0);
	assert_int_equal(compact(f->st, "imsg", 0, 0, 2000, 5), 0);
	expect_range(f->st, "imsg", 0, 6, 10);

	/* Both limits: 6 and 7 beyond the count, 8 too old. */
	assert_int_equal(compact(f->st, "imsg", 3, 100, 2000, 10), 3);
	expect_range(f->st, "imsg", 0, 9, 10);
	expect_range(f->st, "signal", 0, 1, 5);	/* untouched */

	/* Emptied: cursors are not reused and the count goes on right. */
	assert_int_equal(compact(f->st, "imsg", 0, 1, 1000000, 10), 2);
	expect_range(f->st, "imsg", 0, 1, 0);
	assert_int_equal(last_cursor(f->st, "imsg"), 10);
	for (i = 11; i <= 13; i++)
		assert_int_equal(publish(f->st, "imsg", i, 0, 3000, NULL), i);
	assert_int_equal(compact(f->st, "imsg", 1, 0, 3000, 10), 2);
	expect_range(f->st, "imsg", 0, 13, 13);
	open_state(f, 0, 0);
	assert_int_equal(compact(f->st, "imsg", 1, 0, 3000, 10), 0);
	assert_int_equal(compact(f->st, "signal", 2, 0, 3000, 10), 3);
	expect_range(f->st, "signal", 0, 4, 5);
	assert_int_equal(compact(f->st, "none", 1, 1, 3000, 10), 0);
}

static void
inbox_key(unsigned char key[16], const char *channel, uint64_t cursor)
{
	size_t	len = strlen(channel);

	memcpy(key, channel, len + 1);
	seq_key(key + len + 1, cursor);
}

static void
test_inbox_corrupt(void **statep)
{
	struct fixture	*f = *statep;
	struct got	*g;
	struct raw	 raw;
	json_t		*msg;
	unsigned char	 key[16];
	const char	*good = "{\"msg\":{\"n\":50},\"ts_ms\":1}";
	char		 pos[16];
	size_t		 removed = 99;
	int		 i;

	g = calloc(1, sizeof(*g));
	assert_non_null(g);
	open_state(f, 0, 0);
	for (i = 1; i <= 3; i++)
		assert_int_equal(publish(f->st, "imsg", i, 0, 1, NULL), i);
	inbox_key(key, "imsg", 2);
	raw_open(f, "inbox", &raw);
	raw_put(&raw, key, 13, "{\"msg\":", 7);
	raw_close(&raw);
	open_state(f, 0, 0);
	/* The reader gets what comes before, then the error. */
	assert_int_equal(state_inbox_read(f->st, "imsg", 0, 0, got_one, g),
	    STATE_E_CORRUPT);
	assert_int_equal(g->count, 1);
	expect_range(f->st, "imsg", 2, 3, 3);
	/* Retention by age cannot date it: nothing is removed. */
	assert_int_equal(state_inbox_compact(f->st, "imsg", 0, 1, 1000, 10,
	    &removed), STATE_E_CORRUPT);
	assert_int_equal(removed, 0);
	g->count = 0;
	g->stop_at = 1;
	assert_int_equal(state_inbox_read(f->st, "imsg", 0, 0, got_one, g), 0);
	assert_int_equal(g->cursor[0], 1);

	/* A stored message above the recorded last cursor. */
	inbox_key(key, "imsg", 50);
	raw_open(f, "inbox", &raw);
	raw_put(&raw, key, 13, good, strlen(good));
	raw_close(&raw);
	open_state(f, 0, 0);
	assert_int_equal(state_inbox_publish(f->st, "imsg", NULL, 0, 1, "p",
	    NULL), 0);
	g->stop_at = 0;
	assert_int_equal(read_from(f->st, "imsg", 3, 0, g), 1);
	assert_int_equal(g->n[0], 50);
	msg = json_object();
	assert_int_equal(state_inbox_publish(f->st, "imsg", msg, 50, 1, "q",
	    NULL), STATE_E_CORRUPT);
	json_decref(msg);
	expect_position(f->st, "imsg", "p");
	assert_int_equal(publish(f->st, "imsg", 4, 0, 1, NULL), 4);

	/* A position with a NUL in it; a key of the wrong length. */
	memcpy(pos, "watch_pos\0imsg", 14);
	raw_open(f, "meta", &raw);
	raw_put(&raw, pos, 14, "a\0b", 3);
	raw_close(&raw);
	raw_open(f, "inbox", &raw);
	raw_put(&raw, "imsg\0zzz", 8, good, strlen(good));
	raw_close(&raw);
	open_state(f, 0, 0);
	assert_int_equal(state_watch_position(f->st, "imsg", pos,
	    sizeof(pos)), STATE_E_CORRUPT);
	assert_int_equal(state_inbox_read(f->st, "imsg", 4, 0, got_one, g),
	    STATE_E_CORRUPT);
	free(g);
}

static void
test_inbox_wake(void **statep)
{
	struct fixture	*f = *statep;
	struct state	*st = NULL;
	struct stat	 sb;
	char		 path[128];
#ifdef __linux__
	union {
		struct inotify_event	ev;
		char			buf[sizeof(struct inotify_event) + 256];
	} ev;
	int		 ifd;
#endif

	open_state(f, 0, 0);
	(void)strlcpy(path, state_inbox_wake_path(f->st), sizeof(path));
#ifdef __linux__
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(ifd >= 0);
	assert_true(inotify_add_watch(ifd, path, IN_MODIFY) >= 0);
#endif
	/* Only a stored message wakes subscribers. */
	assert_int_equal(state_inbox_publish(f->st, "imsg", NULL, 0, 1, "p",
	    NULL), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
#ifdef __linux__
	assert_int_equal(read(ifd, &ev, sizeof(ev)), -1);
	assert_int_equal(errno, EAGAIN);
#endif
	assert_int_equal(publish(f->st, "imsg", 1, 0, 1, NULL), 1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 1);
#ifdef __linux__
	assert_true(read(ifd, &ev, sizeof(ev)) >=
	    (ssize_t)sizeof(struct inotify_event));
	assert_true(ev.ev.mask & IN_MODIFY);
	assert_int_equal(publish(f->st, "signal", 1, 0, 1, NULL), 1);
	assert_true(read(ifd, &ev, sizeof(ev)) >=
	    (ssize_t)sizeof(struct inotify_event));
	assert_true(ev.ev.mask & IN_MODIFY);
	(void)close(ifd);
#endif

	/* Removed, it comes back with the next publish. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(publish(f->st, "imsg", 2, 0, 1, NULL), 2);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* If it cannot be touched, the publish still stands. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(publish(f->st, "imsg", 3, 0, 1, NULL), 3);
	assert_int_equal(rmdir(path), 0);

	/* Not a regular file at open: refused, without blocking. */
	state_close(f->st);
	f->st = NULL;
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(state_open(f->dir, 0, 0, &st), STATE_E_SYSTEM);
	assert_int_equal(errno, ENXIO);
	assert_null(st);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("data.mdb", path), 0);
	assert_int_equal(state_open(f->dir, 0, 0, &st), STATE_E_SYSTEM);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(unlink(path), 0);
	/* Read-only opens neither need nor create it. */
	open_state(f, 0, STATE_RDONLY);
	assert_string_equal(state_inbox_wake_path(f->st), path);
	assert_int_equal(stat(path, &sb), -1);
	open_state(f, 0, 0);
	assert_int_equal(stat(path, &sb), 0);
	expect_range(f->st, "imsg", 0, 1, 3);
}

/* A store written before the inbox existed opens, also read-only. */
static void
test_inbox_old_store(void **statep)
{
	struct fixture	*f = *statep;
	struct raw	 raw;
	const char	*dbs[] = { "rate", "holds", "audit" };
	unsigned char	 v1[4] = { 1, 0, 0, 0 };
	size_t		 i;

	raw_open(f, "meta", &raw);
	raw_put(&raw, "schema", 6, v1, sizeof(v1));
	raw_close(&raw);
	for (i = 0; i < 3; i++) {
		raw_open(f, dbs[i], &raw);
		raw_close(&raw);
	}
	open_state(f, 0, STATE_RDONLY);
	assert_int_equal(last_cursor(f->st, "imsg"), 0);
	expect_position(f->st, "imsg", "");
	expect_range(f->st, "imsg", 0, 1, 0);
	open_state(f, 0, 0);
	assert_int_equal(publish(f->st, "imsg", 1, 0, 1, "p"), 1);
	open_state(f, 0, STATE_RDONLY);
	expect_range(f->st, "imsg", 0, 1, 1);
	expect_position(f->st, "imsg", "p");
}

/* A publish that does not fit stores neither message nor position. */
static void
test_inbox_map_full(void **statep)
{
	struct fixture	*f = *statep;
	struct got	*g;
	json_t		*msg;
	char		 pad[512], pos[32];
	uint64_t	 n, cursor = 0;
	int		 r = 0;

	g = calloc(1, sizeof(*g));
	assert_non_null(g);
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	open_state(f, 64 * 1024, 0);
	for (n = 1; n < GOT_MAX; n++) {
		msg = json_pack("{s:I,s:s}", "n", (json_int_t)n, "pad", pad);
		(void)snprintf(pos, sizeof(pos), "pos-%llu",
		    (unsigned long long)n);
		r = state_inbox_publish(f->st, "imsg", msg, 0, 1, pos, &cursor);
		json_decref(msg);
		if (r != 0)
			break;
		assert_int_equal(cursor, n);
	}
	assert_int_equal(r, STATE_E_FULL);
	assert_int_equal(cursor, 0);
	assert_true(n > 3);
	assert_int_equal(last_cursor(f->st, "imsg"), n - 1);
	(void)snprintf(pos, sizeof(pos), "pos-%llu",
	    (unsigned long long)(n - 1));
	expect_position(f->st, "imsg", pos);
	assert_int_equal(read_from(f->st, "imsg", 0, 0, g), n - 1);
	assert_int_equal(g->n[n - 2], n - 1);
	/* With a larger map, publishing goes on where it stopped. */
	open_state(f, 0, 0);
	assert_int_equal(publish(f->st, "imsg", 0, 0, 1, "after"), n);
	free(g);
}

static int
child_publish(const char *dir, int id)
{
	struct state	*st;
	json_t		*msg;
	char		 pos[32];
	uint64_t	 cursor = 0, prev = 0;
	int		 i, bad = 0;

	if (state_open(dir, 0, 0, &st) != 0)
		return 100;
	for (i = 0; i < 500; i++) {
		msg = json_pack("{s:i,s:i}", "child", id, "n", i);
		(void)snprintf(pos, sizeof(pos), "%d:%d", id, i);
		if (msg == NULL || state_inbox_publish(st, "imsg", msg, 0,
		    1000, pos, &cursor) != 0 || cursor <= prev)
			bad = 1;
		prev = cursor;
		json_decref(msg);
	}
	state_close(st);
	return bad;
}

/*
 * Four publishers, one channel, a reader following them: every cursor
 * once and in order, each publisher's messages in its order, and the
 * position never ahead of the messages stored with it.
 */
static void
test_inbox_concurrent(void **statep)
{
	struct fixture	*f = *statep;
	struct got	*g;
	struct timespec	 pause = { 0, 1000000 };
	const char	*errstr;
	char		 pos[STATE_POSITION_MAX], want[32];
	long long	 k, seen[4] = { -1, -1, -1, -1 };
	json_int_t	 next[4] = { 0, 0, 0, 0 };
	uint64_t	 last = 0;
	time_t		 deadline;
	size_t		 total = 0, i;
	pid_t		 pid;
	int		 c, status;

	g = calloc(1, sizeof(*g));
	assert_non_null(g);
	open_state(f, 0, 0);
	state_close(f->st);
	f->st = NULL;
	for (c = 0; c < 4; c++) {
		if ((pid = fork()) == -1)
			fail_msg("fork: %s", strerror(errno));
		if (pid == 0)
			_exit(child_publish(f->dir, c));
	}
	open_state(f, 0, 0);
	deadline = time(NULL) + 120;
	while (total < 2000 && time(NULL) < deadline) {
		assert_int_equal(state_watch_position(f->st, "imsg", pos,
		    sizeof(pos)), 0);
		(void)read_from(f->st, "imsg", last, 0, g);
		for (i = 0; i < g->count; i++) {
			assert_int_equal(g->cursor[i], last + 1);
			last = g->cursor[i];
			c = (int)g->child[i];
			assert_true(c >= 0 && c < 4);
			assert_int_equal(g->n[i], next[c]);
			next[c]++;
		}
		total += g->count;
		if (pos[0] != '\0') {
			c = pos[0] - '0';
			assert_true(c >= 0 && c < 4 && pos[1] == ':');
			k = strtonum(pos + 2, 0, 499, &errstr);
			assert_null(errstr);
			assert_true(k < next[c]);	/* its message is in */
			assert_true(k >= seen[c]);	/* monotonic */
			seen[c] = k;
		}
		if (g->count == 0)
			(void)nanosleep(&pause, NULL);
	}
	for (c = 0; c < 4; c++) {
		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(total, 2000);
	for (c = 0; c < 4; c++)
		assert_int_equal(next[c], 500);
	assert_int_equal(last_cursor(f->st, "imsg"), 2000);
	/* The position is the one stored with the last message. */
	assert_int_equal(read_from(f->st, "imsg", 1999, 0, g), 1);
	assert_int_equal(g->n[0], 499);
	(void)snprintf(want, sizeof(want), "%d:499", (int)g->child[0]);
	expect_position(f->st, "imsg", want);
	free(g);
}

static void
test_strerror(void **unused)
{
	int	codes[] = {
		STATE_E_SYSTEM, STATE_E_FULL, STATE_E_NOTFOUND,
		STATE_E_CORRUPT, STATE_E_SCHEMA, STATE_E_LMDB, STATE_E_PERM,
		STATE_E_INVALID, STATE_E_LIMITED
	};
	size_t	i, j;

	(void)unused;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_string_not_equal(state_strerror(codes[i]),
		    state_strerror(-1000));
		for (j = 0; j < i; j++)
			assert_string_not_equal(state_strerror(codes[i]),
			    state_strerror(codes[j]));
	}
}

/* Holds within limits: per client count and bytes, all clients' bytes. */
static void
test_hold_limits(void **statep)
{
	struct fixture			*f = *statep;
	struct state_hold_limits	 lim;
	json_t				*h;
	char				 id[STATE_HOLD_ID_MAX], ids[3][STATE_HOLD_ID_MAX];
	uint64_t			 count, bytes;
	int				 i, which;

	open_state(f, 0, 0);
	memset(&lim, 0, sizeof(lim));
	lim.count = 3;
	lim.bytes = 1000000;
	lim.total_bytes = 2500000;
	for (i = 0; i < 3; i++) {
		h = json_pack("{s:s,s:i}", "client", "a", "spool_bytes", 1000);
		assert_int_equal(state_hold_put_limited(f->st, h, 1, &lim,
		    &which, ids[i], sizeof(ids[i])), 0);
		json_decref(h);
	}
	assert_int_equal(state_hold_usage(f->st, "a", &count, &bytes), 0);
	assert_int_equal(count, 3);
	assert_true(bytes > 3000 && bytes < 4000);
	/* The fourth is refused and nothing is stored. */
	h = json_pack("{s:s}", "client", "a");
	id[0] = '\0';
	assert_int_equal(state_hold_put_limited(f->st, h, 1, &lim, &which,
	    id, sizeof(id)), STATE_E_LIMITED);
	assert_int_equal(which, STATE_HOLD_COUNT);
	assert_null(json_object_get(h, "id"));
	assert_string_equal(id, "");
	json_decref(h);
	/* Another client has its own count. */
	h = json_pack("{s:s,s:i}", "client", "b", "spool_bytes", 999990);
	assert_int_equal(state_hold_put_limited(f->st, h, 1, &lim, &which,
	    id, sizeof(id)), STATE_E_LIMITED);
	assert_int_equal(which, STATE_HOLD_BYTES);
	json_decref(h);
	h = json_pack("{s:s,s:i}", "client", "b", "spool_bytes", 900000);
	assert_int_equal(state_hold_put_limited(f->st, h, 1, &lim, &which,
	    id, sizeof(id)), 0);
	json_decref(h);
	h = json_pack("{s:s,s:i}", "client", "c", "spool_bytes", 900000);
	assert_int_equal(state_hold_put_limited(f->st, h, 1, &lim, &which,
	    id, sizeof(id)), 0);
	json_decref(h);
	/* All clients together: 2.5 MB at most. */
	h = json_pack("{s:s,s:i}", "client", "d", "spool_bytes", 900000);
	assert_int_equal(state_hold_put_limited(f->st, h, 1, &lim, &which,
	    id, sizeof(id)), STATE_E_LIMITED);
	assert_int_equal(which, STATE_HOLD_TOTAL);
	json_decref(h);
	/* A deleted hold gives its place back. */
	assert_int_equal(state_hold_del(f->st, ids[0]), 0);
	assert_int_equal(state_hold_usage(f->st, "a", &count, &bytes), 0);
	assert_int_equal(count, 2);
	h = json_pack("{s:s}", "client", "a");
	assert_int_equal(state_hold_put_limited(f->st, h, 1, &lim, &which,
	    id, sizeof(id)), 0);
	json_decref(h);
	assert_int_equal(state_hold_usage(f->st, NULL, &count, &bytes), 0);
	assert_int_equal(count, 5);
	/* The reserve of the map is left alone. */
	lim.count = lim.bytes = lim.total_bytes = 0;
	lim.reserve = 1ULL << 40;
	h = json_pack("{s:s}", "client", "e");
	assert_int_equal(state_hold_put_limited(f->st, h, 1, &lim, &which,
	    id, sizeof(id)), STATE_E_LIMITED);
	assert_int_equal(which, STATE_HOLD_RESERVE);
	json_decref(h);
}

static int
write_line(json_t *rec, void *arg)
{
	char	*s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(s);
	assert_true(fprintf(arg, "%s\n", s) > 0);
	free(s);
	return 0;
}

/* The hash of the first record given. */
static int
first_hash(json_t *rec, void *arg)
{
	(void)strlcpy(arg, json_string_value(json_object_get(rec, "hash")),
	    STATE_HASH_HEX);
	return 1;
}

static int
first_seq(json_t *rec, void *arg)
{
	*(uint64_t *)arg = (uint64_t)json_integer_value(json_object_get(rec,
	    "seq"));
	return 1;
}

/*
 * Archive: records saved, pruned; what remains verifies from the base,
 * the archive verifies and joins it; space comes back; new records go
 * on from the base.
 */
static void
test_audit_prune(void **statep)
{
	struct fixture	*f = *statep;
	FILE		*fp, *all;
	char		 hash[STATE_HASH_HEX], line[4096];
	char		 cause[80], base[STATE_HASH_HEX];
	int		 n;
	uint64_t	 count, bad, seq, removed, used1, used2, size, first;
	json_t		*rec;
	char		 pad[2048];

	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	open_state(f, 0, 0);
	for (seq = 1; seq <= 2000; seq++) {
		rec = json_pack("{s:I,s:s}", "n", (json_int_t)seq, "pad", pad);
		assert_int_equal(state_audit_append(f->st, rec), 0);
		json_decref(rec);
	}
	append_n(f->st, 2001, 2010);
	assert_int_equal(state_usage(f->st, &used1, &size), 0);

	/* Archive 1..1990: the first 1990 lines of what foreach gives. */
	assert_non_null(all = tmpfile());
	assert_non_null(fp = tmpfile());
	assert_int_equal(state_audit_foreach(f->st, 1, write_line, all), 0);
	rewind(all);
	for (n = 0; n < 1990 && fgets(line, sizeof(line), all) != NULL; n++)
		(void)fputs(line, fp);
	fclose(all);
	rewind(fp);
	seq = 0;
	memset(hash, '0', STATE_HASH_HEX - 1);
	hash[STATE_HASH_HEX - 1] = '\0';
	assert_int_equal(state_audit_verify_lines(fp, &seq, hash, &count,
	    &bad, cause, sizeof(cause)), 0);
	assert_int_equal(seq, 1990);
	assert_int_equal(count, 1990);

	/* Only the hash of record 1990 itself is accepted. */
	assert_int_equal(state_audit_prune(f->st, 1990, ZERO_HASH, &removed),
	    STATE_E_INVALID);
	assert_int_equal(removed, 0);
	/* The newest record always stays. */
	assert_int_equal(state_audit_prune(f->st, 2010, hash, &removed),
	    STATE_E_INVALID);
	assert_int_equal(state_audit_prune(f->st, 1990, hash, &removed), 0);
	assert_int_equal(removed, 1990);
	assert_int_equal(state_audit_base(f->st, &seq, base), 0);
	assert_int_equal(seq, 1990);
	assert_string_equal(base, hash);

	/* What remains verifies from the base; space is free again. */
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), 0);
	assert_int_equal(count, 20);
	first = 0;
	assert_int_equal(state_audit_foreach(f->st, 1, first_seq, &first), 0);
	assert_int_equal(first, 1991);
	assert_int_equal(state_usage(f->st, &used2, &size), 0);
	assert_true(used2 < used1 / 2);
	append_n(f->st, 2011, 2012);
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), 0);
	assert_int_equal(count, 22);

	/* A tampered archive line is found. */
	{
		FILE	*bad_fp = tmpfile();

		n = 0;
		assert_non_null(bad_fp);
		rewind(fp);
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (++n == 7)
				line[20] = line[20] == 'a' ? 'b' : 'a';
			(void)fputs(line, bad_fp);
		}
		rewind(bad_fp);
		seq = 0;
		memset(hash, '0', STATE_HASH_HEX - 1);
		assert_int_equal(state_audit_verify_lines(bad_fp, &seq, hash,
		    &count, &bad, cause, sizeof(cause)), STATE_E_CORRUPT);
		assert_int_equal(bad, 7);
		fclose(bad_fp);
	}
	fclose(fp);

	/* Everything pruned but the head, then reopened: the chain goes on. */
	assert_int_equal(state_audit_foreach(f->st, 2011, first_hash, hash), 0);
	assert_int_equal(state_audit_prune(f->st, 2011, hash, &removed), 0);
	assert_int_equal(removed, 21);
	open_state(f, 0, 0);
	append_n(f->st, 2013, 2013);
	assert_int_equal(state_audit_verify(f->st, &count, &bad, cause,
	    sizeof(cause)), 0);
	assert_int_equal(count, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_private_files,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_bad_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_foreign_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_charged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rdonly_refuses_writes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_sliding_window,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_all_or_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_bad_input,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_processes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_corrupt,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_limits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_prune,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_cursors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_bad_input,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_channels,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_compact,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_corrupt,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_wake,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_old_store,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_map_full,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_concurrent,
		    setup, teardown),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
