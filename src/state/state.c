/*
 * Durable gateway state in one LMDB environment (data.mdb, lock.mdb in
 * state_dir): the schema version, rate-limit windows, the holds queue,
 * the audit hash chain, the inbox and the watchers' resume positions.
 * LMDB's single write lock serialises every read-modify-write below
 * across handler and watcher processes.
 *
 * Durability: the environment runs with MDB_NOMETASYNC.  A commit writes
 * its data pages and flushes them (fdatasync), then writes the meta page
 * that makes them current without waiting for it; the next commit's
 * flush, or state_sync, takes that meta page to disk.  So a power cut
 * can lose the last transactions committed since the last flush of a
 * meta page, never the file: LMDB then opens the previous meta page,
 * whose pages are all on disk.  (MDB_NOSYNC, used before, flushed
 * nothing: on a file system that does not keep write order, a meta page
 * could reach the disk before the pages it names, and the whole
 * environment, the audit chain with it, would be corrupt.)  What must
 * survive a power cut is forced with state_sync: a hold before the owner
 * is told it exists (state_hold_put, state_hold_del), a delivery's
 * record before its tool acts (state_audit_append_charged, which commits
 * the delivery's rate windows and its record in one transaction, from
 * call_audit_delivery, audit.sync).  Rate
 * windows, other audit records and inbox publishes are not: a power cut
 * may lose the last few, and a message rolls back with the watcher
 * position it advanced, so the watcher fetches it again and nothing is
 * duplicated.
 *
 * The foreach functions read records in small batches, each in its own
 * short read transaction, and call back outside any transaction: the
 * callback may call state functions (e.g. delete the hold it was given).
 * The holds queue is in holds.c; what both files share, in
 * state-private.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <lmdb.h>

#include "compat.h"
#include "log.h"
#include "sha256.h"
#include "state.h"
#include "state-private.h"

static const char *const state_db_names[DB_COUNT] = {
	[DB_META] = "meta",
	[DB_RATE] = "rate",
	[DB_HOLDS] = "holds",
	[DB_AUDIT] = "audit",
	[DB_INBOX] = "inbox",
	[DB_OWNER] = "owner",
};

struct inbox_walk {
	int		(*fn)(uint64_t, json_t *, void *);
	void		*arg;
	size_t		 keylen;
	size_t		 limit;
	size_t		 n;
};

struct audit_check {
	uint64_t	 next;			/* expected seq */
	uint64_t	 count;			/* records found good */
	uint64_t	 bad;
	char		 prev[STATE_HASH_HEX];
	char		 cause[80];
};

static int	state_setup(struct state *);
static void	be_encode(unsigned char *, uint64_t);
static uint64_t	be_decode(const unsigned char *);
static size_t	meta_name(char [STATE_NAME_MAX], const char *, const char *);
static int	meta_counter(struct state *, MDB_txn *, const char *,
		    const char *, uint64_t *);
static int	wake_file(struct state *, int);
static int	walk_batch(struct state *, enum state_db,
		    const unsigned char *, size_t, size_t, int,
		    struct walk_entry *, size_t *);
static int	hash_valid(const char *);
static int	audit_hash(json_t *, char [STATE_HASH_HEX]);
static int	audit_rehash(json_t *, char [STATE_HASH_HEX],
		    char [STATE_HASH_HEX]);
static int	audit_last(struct state *, MDB_txn *, uint64_t *,
		    char [STATE_HASH_HEX]);
static int	audit_check_one(const unsigned char *, size_t, json_t *,
		    void *);
static size_t	channel_len(const char *);
static size_t	inbox_key(unsigned char [STATE_INBOX_KEY], const char *, size_t,
		    uint64_t);
static int	inbox_record(json_t *, uint64_t, char **);
static int	inbox_ts(const MDB_val *, uint64_t *);
static int	inbox_one(const unsigned char *, size_t, json_t *, void *);
static int	free_pages(MDB_txn *, uint64_t *);
static int	usage_txn(struct state *, MDB_txn *, uint64_t *, uint64_t *);
static int	audit_base_txn(struct state *, MDB_txn *, uint64_t *,
		    char [STATE_HASH_HEX]);

/* Map an LMDB or errno return value to a STATE_E_* code. */
int
state_lmdb(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
		return STATE_E_FULL;
	case MDB_NOTFOUND:
		return STATE_E_NOTFOUND;
	}
	if (rc > 0) {
		errno = rc;
		return STATE_E_SYSTEM;
	}
	log_warnx("state: %s", mdb_strerror(rc));
	return STATE_E_LMDB;
}

/* Abort txn and return error, keeping errno for STATE_E_SYSTEM. */
int
state_abort(MDB_txn *txn, int error)
{
	int	saved = errno;

	mdb_txn_abort(txn);
	errno = saved;
	return error;
}

int
state_begin(struct state *st, unsigned int flags, MDB_txn **txn)
{
	int	rc;

	if ((flags & MDB_RDONLY) == 0 && st->rdonly)
		return STATE_E_INVALID;
	rc = mdb_txn_begin(st->env, NULL, flags, txn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map; adopt its size. */
		if ((rc = mdb_env_set_mapsize(st->env, 0)) == 0)
			rc = mdb_txn_begin(st->env, NULL, flags, txn);
	}
	return state_lmdb(rc);
}

int
state_fsync(struct state *st)
{
	int	rc;

	while ((rc = mdb_env_sync(st->env, 1)) == EINTR)
		;
	return state_lmdb(rc);
}

void
le_encode(unsigned char *p, uint64_t v, size_t width)
{
	size_t	i;

	for (i = 0; i < width; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

uint64_t
le_decode(const unsigned char *p, size_t width)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Audit and inbox keys are big-endian: LMDB's byte order is numeric. */
static void
be_encode(unsigned char *p, uint64_t v)
{
	int	i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t
be_decode(const unsigned char *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * A meta key: the name alone, or for a channel's records the name, a NUL
 * and the channel (names and channels are short: see channel_len).
 */
static size_t
meta_name(char buf[STATE_NAME_MAX], const char *name, const char *channel)
{
	if (channel == NULL)
		return strlcpy(buf, name, STATE_NAME_MAX);
	return (size_t)snprintf(buf, STATE_NAME_MAX, "%s%c%s", name, '\0',
	    channel);
}

/* meta integers are little-endian, of a fixed width (positions: text). */
int
meta_get(struct state *st, MDB_txn *txn, const char *name,
    const char *channel, size_t width, uint64_t *v)
{
	MDB_val	key, val;
	char	buf[STATE_NAME_MAX];
	int	rc;

	key.mv_data = buf;
	key.mv_size = meta_name(buf, name, channel);
	if ((rc = mdb_get(txn, st->dbi[DB_META], &key, &val)) != 0)
		return state_lmdb(rc);
	if (val.mv_size != width)
		return STATE_E_CORRUPT;
	*v = le_decode(val.mv_data, width);
	return 0;
}

int
meta_put(struct state *st, MDB_txn *txn, const char *name,
    const char *channel, size_t width, uint64_t v)
{
	unsigned char	buf[8];
	char		namebuf[STATE_NAME_MAX];
	MDB_val		key, val;

	le_encode(buf, v, width);
	key.mv_data = namebuf;
	key.mv_size = meta_name(namebuf, name, channel);
	val.mv_data = buf;
	val.mv_size = width;
	return state_lmdb(mdb_put(txn, st->dbi[DB_META], &key, &val, 0));
}

/* A 64-bit counter of channel that is 0 until first stored. */
static int
meta_counter(struct state *st, MDB_txn *txn, const char *name,
    const char *channel, uint64_t *v)
{
	int	r;

	*v = 0;
	if ((r = meta_get(st, txn, name, channel, 8, v)) == STATE_E_NOTFOUND)
		r = 0;
	return r;
}

/*
 * Create the wake file if it is missing; with touch, also write one byte
 * at offset 0 so that inotify (IN_MODIFY) and kqueue (NOTE_WRITE) fire.
 * Not a link; O_NONBLOCK: a FIFO in its place fails (ENXIO), not blocks.
 */
static int
wake_file(struct state *st, int touch)
{
	int	fd, saved, r = 0;

	fd = open(st->wake, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return STATE_E_SYSTEM;
	if (touch && pwrite(fd, "\n", 1, 0) != 1)
		r = STATE_E_SYSTEM;
	saved = errno;
	(void)close(fd);
	errno = saved;
	return r;
}

/* Open (or create) the named databases and check the schema version. */
static int
state_setup(struct state *st)
{
	MDB_txn		*txn;
	uint64_t	 version = STATE_SCHEMA_VERSION;
	int		 i, rc, r;

	if ((r = state_begin(st, st->rdonly ? MDB_RDONLY : 0, &txn)) != 0)
		return r;
	for (i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, state_db_names[i],
		    st->rdonly ? 0 : MDB_CREATE, &st->dbi[i]);
		/*
		 * A read-only open of a store that no writer has opened
		 * since the inbox was added sees an empty inbox.
		 */
		if (rc == MDB_NOTFOUND && i == DB_INBOX) {
			st->inbox_absent = 1;
			continue;
		}
		if (rc == MDB_NOTFOUND && i == DB_OWNER) {
			st->owner_absent = 1;
			continue;
		}
		if (rc == MDB_NOTFOUND)
			return state_abort(txn, STATE_E_SCHEMA);
		if (rc != 0)
			return state_abort(txn, state_lmdb(rc));
	}
	r = meta_get(st, txn, "schema", NULL, 4, &version);
	if (r == STATE_E_NOTFOUND && !st->rdonly)
		r = meta_put(st, txn, "schema", NULL, 4, version);
	if (r == STATE_E_NOTFOUND || r == STATE_E_CORRUPT ||
	    (r == 0 && version != STATE_SCHEMA_VERSION))
		r = STATE_E_SCHEMA;
	if (r != 0)
		return state_abort(txn, r);
	/* Committing (even read-only) keeps the dbi handles open. */
	return state_lmdb(mdb_txn_commit(txn));
}

int
state_open(const char *dir, uint64_t map_size, int flags, struct state **out)
{
	struct state	*st;
	struct stat	 sb;
	unsigned int	 envflags;
	int		 dead, len, r;

	if (out == NULL)
		return STATE_E_INVALID;
	*out = NULL;
	if (dir == NULL || (flags & ~STATE_RDONLY) != 0 ||
	    map_size > SIZE_MAX)
		return STATE_E_INVALID;
	/* lstat: a symbolic link is not accepted as state_dir. */
	if (lstat(dir, &sb) == -1)
		return STATE_E_SYSTEM;
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return STATE_E_PERM;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return STATE_E_SYSTEM;
	st->rdonly = (flags & STATE_RDONLY) != 0;
	len = snprintf(st->wake, sizeof(st->wake), "%s/inbox.wake", dir);
	if (len < 0 || (size_t)len >= sizeof(st->wake)) {
		free(st);
		errno = ENAMETOOLONG;
		return STATE_E_SYSTEM;
	}
	/*
	 * MDB_NOTLS ties a reader slot to a read transaction, not to the
	 * process for its lifetime, so the reader table limits concurrent
	 * reads rather than open handler processes.
	 */
	envflags = MDB_NOMETASYNC | MDB_NOTLS | (st->rdonly ? MDB_RDONLY : 0);
	if ((r = state_lmdb(mdb_env_create(&st->env))) != 0) {
		free(st);
		return r;
	}
	if ((r = state_lmdb(mdb_env_set_maxdbs(st->env, STATE_MAXDBS))) != 0 ||
	    (r = state_lmdb(mdb_env_set_mapsize(st->env,
	    map_size != 0 ? map_size : STATE_MAP_DEFAULT))) != 0 ||
	    (r = state_lmdb(mdb_env_set_maxreaders(st->env,
	    STATE_MAXREADERS))) != 0 ||
	    (r = state_lmdb(mdb_env_open(st->env, dir, envflags, 0600))) != 0 ||
	    (r = state_lmdb(mdb_reader_check(st->env, &dead))) != 0 ||
	    (r = state_setup(st)) != 0 ||
	    (!st->rdonly && (r = wake_file(st, 0)) != 0)) {
		state_close(st);
		return r;
	}
	*out = st;
	return 0;
}

void
state_close(struct state *st)
{
	int	saved = errno;

	if (st == NULL)
		return;
	mdb_env_close(st->env);
	free(st);
	errno = saved;
}

const char *
state_strerror(int error)
{
	switch (error) {
	case 0:
		return "success";
	case STATE_E_SYSTEM:
		return "system call failed";
	case STATE_E_FULL:
		return "state store is full (raise map_size)";
	case STATE_E_NOTFOUND:
		return "no such record";
	case STATE_E_CORRUPT:
		return "malformed record in the state store";
	case STATE_E_SCHEMA:
		return "state store missing or of an unknown schema version";
	case STATE_E_LMDB:
		return "state store (LMDB) failure";
	case STATE_E_PERM:
		return "state_dir must be a directory owned by this user and "
		    "not writable by group or others";
	case STATE_E_INVALID:
		return "invalid argument";
	case STATE_E_BUSY:
		return "being decided";
	case STATE_E_EXPIRED:
		return "expired";
	case STATE_E_LIMITED:
		return "rate limit reached";
	case STATE_E_FROZEN:
		return "frozen by the owner";
	}
	return "unknown state error";
}

int
state_sync(struct state *st)
{
	if (st == NULL)
		return STATE_E_INVALID;
	if (st->rdonly)
		return 0;	/* nothing of ours to write */
	return state_fsync(st);
}

/*
 * Read up to STATE_WALK_BATCH records of db in key order, starting at
 * from (at the first record if fromlen is 0; just past from if after)
 * and ending before the first key whose first prefixlen bytes differ
 * from from's.  On error nothing is left in batch.
 */
static int
walk_batch(struct state *st, enum state_db db, const unsigned char *from,
    size_t fromlen, size_t prefixlen, int after, struct walk_entry *batch,
    size_t *np)
{
	struct walk_entry	*e;
	MDB_txn			*txn;
	MDB_cursor		*cur;
	MDB_val			 key, val;
	MDB_cursor_op		 op;
	size_t			 n = 0;
	int			 rc, r;

	*np = 0;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	if ((rc = mdb_cursor_open(txn, st->dbi[db], &cur)) != 0)
		return state_abort(txn, state_lmdb(rc));
	key.mv_data = (void *)from;
	key.mv_size = fromlen;
	op = fromlen > 0 ? MDB_SET_RANGE : MDB_FIRST;
	while (n < STATE_WALK_BATCH &&
	    (rc = mdb_cursor_get(cur, &key, &val, op)) == 0) {
		op = MDB_NEXT;
		if (key.mv_size < prefixlen ||
		    memcmp(key.mv_data, from, prefixlen) != 0) {
			rc = MDB_NOTFOUND;
			break;
		}
		if (after && key.mv_size == fromlen &&
		    memcmp(key.mv_data, from, fromlen) == 0)
			continue;
		if (key.mv_size > sizeof(e->key)) {
			rc = MDB_BAD_VALSIZE;
			break;
		}
		e = &batch[n++];
		memcpy(e->key, key.mv_data, key.mv_size);
		e->keylen = key.mv_size;
		e->rec = json_loadb(val.mv_data, val.mv_size,
		    STATE_JSON_LOAD, NULL);
		if (e->rec != NULL && !json_is_object(e->rec)) {
			json_decref(e->rec);
			e->rec = NULL;
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		while (n > 0)
			json_decref(batch[--n].rec);
		return state_abort(txn, state_lmdb(rc));
	}
	mdb_txn_abort(txn);
	*np = n;
	return 0;
}

/*
 * Call cb for each record of db from key start (all if startlen is 0)
 * whose key begins with the first prefixlen bytes of start.
 */
int
state_walk(struct state *st, enum state_db db, const void *start,
    size_t startlen, size_t prefixlen, walk_cb cb, void *arg)
{
	struct walk_entry	*batch, *last;
	unsigned char		 from[STATE_KEY_MAX];
	size_t			 fromlen = startlen, n, i;
	int			 after = 0, r;

	if ((batch = calloc(STATE_WALK_BATCH, sizeof(*batch))) == NULL)
		return STATE_E_SYSTEM;
	if (startlen > 0)
		memcpy(from, start, startlen);
	for (;;) {
		if ((r = walk_batch(st, db, from, fromlen, prefixlen, after,
		    batch, &n)) != 0)
			break;
		for (i = 0; i < n; i++) {
			if (r == 0)
				r = cb(batch[i].key, batch[i].keylen,
				    batch[i].rec, arg);
			json_decref(batch[i].rec);
		}
		if (r != 0 || n < STATE_WALK_BATCH)
			break;
		last = &batch[n - 1];
		memcpy(from, last->key, last->keylen);
		fromlen = last->keylen;
		after = 1;
	}
	free(batch);
	return r < 0 ? r : 0;
}

int
foreach_one(const unsigned char *key, size_t keylen, json_t *rec, void *arg)
{
	struct foreach_arg	*fa = arg;

	(void)key;
	(void)keylen;
	if (rec == NULL)
		return STATE_E_CORRUPT;
	return fa->fn(rec, fa->arg) != 0;
}

static int
hash_valid(const char *s)
{
	return s != NULL && strlen(s) == STATE_HASH_HEX - 1 &&
	    strspn(s, "0123456789abcdef") == STATE_HASH_HEX - 1;
}

/* Hash of record, which must not hold "hash" (see STATE_JSON_FLAGS). */
static int
audit_hash(json_t *record, char hash[STATE_HASH_HEX])
{
	char	*text;

	if ((text = json_dumps(record, STATE_JSON_FLAGS)) == NULL) {
		errno = ENOMEM;
		return STATE_E_SYSTEM;
	}
	sha256_hex(text, strlen(text), hash);
	free(text);
	return 0;
}

/*
 * Take the "hash" member out of a stored record into stored and
 * recompute it into hash.  STATE_E_CORRUPT if the member is malformed.
 */
static int
audit_rehash(json_t *rec, char stored[STATE_HASH_HEX],
    char hash[STATE_HASH_HEX])
{
	const char	*s = json_string_value(json_object_get(rec, "hash"));

	if (!hash_valid(s))
		return STATE_E_CORRUPT;
	(void)strlcpy(stored, s, STATE_HASH_HEX);
	json_object_del(rec, "hash");
	return audit_hash(rec, hash);
}

/* Seq and hash of the newest record (0 and 64 zeros if none). */
static int
audit_last(struct state *st, MDB_txn *txn, uint64_t *seq,
    char hash[STATE_HASH_HEX])
{
	MDB_cursor	*cur;
	MDB_val		 key, val;
	json_t		*rec;
	const char	*s;
	int		 rc, r = 0;

	*seq = 0;
	memset(hash, '0', STATE_HASH_HEX - 1);
	hash[STATE_HASH_HEX - 1] = '\0';
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_AUDIT], &cur)) != 0)
		return state_lmdb(rc);
	rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
	if (rc == 0 && key.mv_size == 8) {
		*seq = be_decode(key.mv_data);
		rec = json_loadb(val.mv_data, val.mv_size, STATE_JSON_LOAD,
		    NULL);
		s = json_string_value(json_object_get(rec, "hash"));
		if (*seq == 0 || *seq >= INT64_MAX || !hash_valid(s))
			r = STATE_E_CORRUPT;
		else
			(void)strlcpy(hash, s, STATE_HASH_HEX);
		json_decref(rec);
	} else if (rc == 0)
		r = STATE_E_CORRUPT;
	else if (rc != MDB_NOTFOUND)
		r = state_lmdb(rc);
	mdb_cursor_close(cur);
	/* Everything archived: the chain goes on from its base. */
	if (rc == MDB_NOTFOUND)
		r = audit_base_txn(st, txn, seq, hash);
	return r;
}

/* The archived base: "audit_base" (8 bytes) and "audit_base_hash". */
static int
audit_base_txn(struct state *st, MDB_txn *txn, uint64_t *seq,
    char hash[STATE_HASH_HEX])
{
	MDB_val	key, val;
	int	r, rc;

	*seq = 0;
	memset(hash, '0', STATE_HASH_HEX - 1);
	hash[STATE_HASH_HEX - 1] = '\0';
	if ((r = meta_get(st, txn, "audit_base", NULL, 8, seq)) ==
	    STATE_E_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	key.mv_data = (void *)(uintptr_t)"audit_base_hash";
	key.mv_size = strlen("audit_base_hash");
	if ((rc = mdb_get(txn, st->dbi[DB_META], &key, &val)) != 0)
		return rc == MDB_NOTFOUND ? STATE_E_CORRUPT : state_lmdb(rc);
	if (val.mv_size != STATE_HASH_HEX - 1)
		return STATE_E_CORRUPT;
	memcpy(hash, val.mv_data, STATE_HASH_HEX - 1);
	if (!hash_valid(hash) || *seq >= INT64_MAX)
		return STATE_E_CORRUPT;
	return 0;
}

int
state_audit_base(struct state *st, uint64_t *seq, char *hash)
{
	MDB_txn	*txn;
	int	 r;

	if (st == NULL || seq == NULL || hash == NULL)
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	r = audit_base_txn(st, txn, seq, hash);
	mdb_txn_abort(txn);
	return r;
}

/* Records removed per write transaction while pruning. */
#define STATE_PRUNE_BATCH	256

int
state_audit_prune(struct state *st, uint64_t upto, const char *upto_hash,
    uint64_t *removed)
{
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 key, val;
	unsigned char	 seqkey[8];
	char		 last[STATE_HASH_HEX], hash[STATE_HASH_HEX];
	json_t		*rec;
	const char	*h;
	uint64_t	 seq, newest, n;
	int		 rc, r, done = 0;

	if (removed != NULL)
		*removed = 0;
	if (st == NULL || upto == 0 || upto >= INT64_MAX ||
	    !hash_valid(upto_hash))
		return STATE_E_INVALID;
	/* Check first: record upto is there, is what was saved, not the head. */
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	if ((r = audit_last(st, txn, &newest, last)) != 0)
		return state_abort(txn, r);
	be_encode(seqkey, upto);
	key.mv_data = seqkey;
	key.mv_size = sizeof(seqkey);
	if (upto >= newest ||
	    (rc = mdb_get(txn, st->dbi[DB_AUDIT], &key, &val)) != 0) {
		mdb_txn_abort(txn);
		return STATE_E_INVALID;
	}
	rec = json_loadb(val.mv_data, val.mv_size, STATE_JSON_LOAD, NULL);
	h = json_string_value(json_object_get(rec, "hash"));
	r = h != NULL && strcmp(h, upto_hash) == 0 ? 0 : STATE_E_INVALID;
	json_decref(rec);
	mdb_txn_abort(txn);
	if (r != 0)
		return r;

	while (!done) {
		if ((r = state_begin(st, 0, &txn)) != 0)
			return r;
		if ((rc = mdb_cursor_open(txn, st->dbi[DB_AUDIT],
		    &cur)) != 0)
			return state_abort(txn, state_lmdb(rc));
		seq = 0;
		for (n = 0; n < STATE_PRUNE_BATCH; n++) {
			rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST);
			if (rc != 0 || key.mv_size != 8 ||
			    (seq = be_decode(key.mv_data)) > upto) {
				done = 1;
				break;
			}
			rec = json_loadb(val.mv_data, val.mv_size,
			    STATE_JSON_LOAD, NULL);
			h = json_string_value(json_object_get(rec, "hash"));
			r = hash_valid(h) ? 0 : STATE_E_CORRUPT;
			if (r == 0)
				(void)strlcpy(hash, h, sizeof(hash));
			json_decref(rec);
			if (r != 0 || (rc = mdb_cursor_del(cur, 0)) != 0) {
				mdb_cursor_close(cur);
				return state_abort(txn, r != 0 ? r :
				    state_lmdb(rc));
			}
			/* The base moves with each record removed. */
			if ((r = meta_put(st, txn, "audit_base", NULL, 8,
			    seq)) != 0) {
				mdb_cursor_close(cur);
				return state_abort(txn, r);
			}
			key.mv_data = (void *)(uintptr_t)"audit_base_hash";
			key.mv_size = strlen("audit_base_hash");
			val.mv_data = hash;
			val.mv_size = STATE_HASH_HEX - 1;
			if ((r = state_lmdb(mdb_put(txn, st->dbi[DB_META],
			    &key, &val, 0))) != 0) {
				mdb_cursor_close(cur);
				return state_abort(txn, r);
			}
			if (removed != NULL)
				(*removed)++;
			if (seq == upto) {
				done = 1;
				n++;
				break;
			}
		}
		mdb_cursor_close(cur);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return state_abort(txn, state_lmdb(rc));
		if ((r = state_lmdb(mdb_txn_commit(txn))) != 0)
			return r;
	}
	return state_fsync(st);
}

int
audit_append_txn(struct state *st, MDB_txn *txn, json_t *record)
{
	MDB_val		 key, val;
	unsigned char	 seqkey[8];
	char		 prev[STATE_HASH_HEX], hash[STATE_HASH_HEX];
	char		 stored[STATE_HASH_HEX], again[STATE_HASH_HEX];
	char		*text = NULL;
	json_t		*check;
	uint64_t	 seq;
	int		 r;

	if ((r = audit_last(st, txn, &seq, prev)) != 0)
		return r;
	seq++;
	if (json_object_set_new(record, "seq",
	    json_integer((json_int_t)seq)) == -1 ||
	    json_object_set_new(record, "prev", json_string(prev)) == -1) {
		errno = ENOMEM;
		return STATE_E_SYSTEM;
	}
	if ((r = audit_hash(record, hash)) != 0)
		return r;
	if (json_object_set_new(record, "hash", json_string(hash)) == -1 ||
	    (text = json_dumps(record, STATE_JSON_FLAGS)) == NULL) {
		errno = ENOMEM;
		return STATE_E_SYSTEM;
	}
	/* Store only what verification will accept (e.g. not too deep). */
	check = json_loadb(text, strlen(text), STATE_JSON_LOAD, NULL);
	if (check == NULL || audit_rehash(check, stored, again) != 0 ||
	    strcmp(again, hash) != 0)
		r = STATE_E_INVALID;
	json_decref(check);
	if (r != 0) {
		free(text);
		return r;
	}
	be_encode(seqkey, seq);
	key.mv_data = seqkey;
	key.mv_size = sizeof(seqkey);
	val.mv_data = text;
	val.mv_size = strlen(text);
	r = state_lmdb(mdb_put(txn, st->dbi[DB_AUDIT], &key, &val,
	    MDB_APPEND));
	free(text);
	return r;
}

static int
audit_check_one(const unsigned char *key, size_t keylen, json_t *rec,
    void *arg)
{
	struct audit_check	*c = arg;
	json_t			*seqv;
	char			 stored[STATE_HASH_HEX], hash[STATE_HASH_HEX];
	const char		*s;
	int			 r;

	if (keylen != 8) {
		c->bad = c->next;
		(void)strlcpy(c->cause, "malformed key", sizeof(c->cause));
		return 1;
	}
	c->bad = be_decode(key);
	if (c->bad != c->next) {
		(void)snprintf(c->cause, sizeof(c->cause),
		    "sequence gap (expected %llu)",
		    (unsigned long long)c->next);
		return 1;
	}
	seqv = json_object_get(rec, "seq");
	if (rec == NULL || !json_is_integer(seqv) ||
	    (r = audit_rehash(rec, stored, hash)) == STATE_E_CORRUPT) {
		(void)strlcpy(c->cause, "malformed record", sizeof(c->cause));
		return 1;
	}
	if (r != 0)
		return r;
	if ((uint64_t)json_integer_value(seqv) != c->bad) {
		(void)strlcpy(c->cause, "seq does not match its key",
		    sizeof(c->cause));
		return 1;
	}
	if (strcmp(hash, stored) != 0) {
		(void)strlcpy(c->cause, "hash mismatch", sizeof(c->cause));
		return 1;
	}
	s = json_string_value(json_object_get(rec, "prev"));
	if (s == NULL || strcmp(s, c->prev) != 0) {
		(void)strlcpy(c->cause, "broken prev link", sizeof(c->cause));
		return 1;
	}
	(void)strlcpy(c->prev, stored, sizeof(c->prev));
	c->next++;
	c->count++;
	return 0;
}

int
state_audit_verify(struct state *st, uint64_t *count, uint64_t *bad_seq,
    char *cause, size_t causelen)
{
	struct audit_check	c;
	int			r;

	if (st == NULL)
		return STATE_E_INVALID;
	memset(&c, 0, sizeof(c));
	if ((r = state_audit_base(st, &c.next, c.prev)) != 0)
		return r;
	c.next++;
	r = state_walk(st, DB_AUDIT, NULL, 0, 0, audit_check_one, &c);
	if (r == 0 && c.cause[0] != '\0')
		r = STATE_E_CORRUPT;
	if (count != NULL)
		*count = c.count;
	if (bad_seq != NULL)
		*bad_seq = r == STATE_E_CORRUPT ? c.bad : 0;
	if (cause != NULL && causelen > 0)
		(void)strlcpy(cause, c.cause, causelen);
	return r;
}

int
state_audit_verify_lines(FILE *fp, uint64_t *seq, char *hash,
    uint64_t *count, uint64_t *bad_seq, char *cause, size_t causelen)
{
	struct audit_check	 c;
	unsigned char		 key[8];
	char			*line = NULL;
	size_t			 cap = 0;
	ssize_t			 len;
	json_t			*rec, *sv;
	int			 r = 0;

	if (fp == NULL || seq == NULL || !hash_valid(hash))
		return STATE_E_INVALID;
	memset(&c, 0, sizeof(c));
	c.next = *seq + 1;
	(void)strlcpy(c.prev, hash, sizeof(c.prev));
	while (r == 0 && (len = getline(&line, &cap, fp)) != -1) {
		rec = json_loadb(line, (size_t)len, STATE_JSON_LOAD, NULL);
		if (!json_is_object(rec)) {
			json_decref(rec);
			rec = NULL;
		}
		sv = json_object_get(rec, "seq");
		be_encode(key, json_is_integer(sv) &&
		    json_integer_value(sv) > 0 ?
		    (uint64_t)json_integer_value(sv) : 0);
		r = audit_check_one(key, sizeof(key), rec, &c);
		json_decref(rec);
	}
	free(line);
	if (r == 0 && ferror(fp)) {
		r = STATE_E_SYSTEM;
	} else if (r > 0 || c.cause[0] != '\0')
		r = STATE_E_CORRUPT;
	if (count != NULL)
		*count = c.count;
	if (bad_seq != NULL)
		*bad_seq = r == STATE_E_CORRUPT ? c.bad : 0;
	if (cause != NULL && causelen > 0)
		(void)strlcpy(cause, c.cause, causelen);
	if (r == 0) {
		*seq = c.next - 1;
		(void)strlcpy(hash, c.prev, STATE_HASH_HEX);
	}
	return r;
}

int
state_audit_foreach(struct state *st, uint64_t from,
    int (*fn)(json_t *, void *), void *arg)
{
	struct foreach_arg	fa = { fn, arg };
	unsigned char		start[8];

	if (st == NULL || fn == NULL)
		return STATE_E_INVALID;
	be_encode(start, from);
	return state_walk(st, DB_AUDIT, start, from > 0 ? sizeof(start) : 0,
	    0, foreach_one, &fa);
}

/* Length of a valid channel name (1 to 31 of [a-z0-9_-]), else 0. */
static size_t
channel_len(const char *channel)
{
	size_t	len;

	if (channel == NULL)
		return 0;
	len = strspn(channel, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	if (channel[len] != '\0' || len >= STATE_CHANNEL_MAX)
		return 0;
	return len;
}

/* Inbox key: channel, a NUL, the big-endian cursor; one range each. */
static size_t
inbox_key(unsigned char key[STATE_INBOX_KEY], const char *channel,
    size_t len, uint64_t cursor)
{
	memcpy(key, channel, len);
	key[len] = '\0';
	be_encode(key + len + 1, cursor);
	return len + 9;
}

/*
 * The stored form {"msg": msg, "ts_ms": now}, refused (STATE_E_INVALID)
 * unless it loads back: a reader must never meet a record it cannot
 * parse, which would stop the channel.
 */
static int
inbox_record(json_t *msg, uint64_t now_ms, char **text)
{
	json_t	*rec, *check;

	rec = json_pack("{s:O,s:I}", "msg", msg, "ts_ms", (json_int_t)now_ms);
	/* Messages keep the tool's key order: clients may read it. */
	*text = rec != NULL ? json_dumps(rec, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL;
	json_decref(rec);
	if (*text == NULL) {
		errno = ENOMEM;
		return STATE_E_SYSTEM;
	}
	if ((check = json_loadb(*text, strlen(*text), STATE_JSON_LOAD,
	    NULL)) == NULL) {
		free(*text);
		*text = NULL;
		return STATE_E_INVALID;
	}
	json_decref(check);
	return 0;
}

int
state_inbox_publish(struct state *st, const char *channel, json_t *msg,
    uint64_t cursor_hint, uint64_t now_ms, const char *position,
    uint64_t *cursor_out)
{
	MDB_txn		*txn;
	MDB_val		 key, val;
	unsigned char	 ikey[STATE_INBOX_KEY];
	char		 name[STATE_NAME_MAX], *text = NULL;
	uint64_t	 last, count, cursor = 0;
	size_t		 len;
	int		 rc, r;

	if (cursor_out != NULL)
		*cursor_out = 0;
	if (st == NULL || (len = channel_len(channel)) == 0 ||
	    (msg != NULL && !json_is_object(msg)) ||
	    cursor_hint > STATE_CURSOR_MAX || now_ms > INT64_MAX ||
	    (position != NULL && strlen(position) >= STATE_POSITION_MAX))
		return STATE_E_INVALID;
	/* Serialise before taking the write lock. */
	if (msg != NULL && (r = inbox_record(msg, now_ms, &text)) != 0)
		return r;
	if ((r = state_begin(st, 0, &txn)) != 0)
		goto out;
	if (msg != NULL) {
		if ((r = meta_counter(st, txn, "inbox_last", channel,
		    &last)) != 0 ||
		    (r = meta_counter(st, txn, "inbox_count", channel,
		    &count)) != 0)
			goto fail;
		if (last >= STATE_CURSOR_MAX) {
			r = STATE_E_FULL;
			goto fail;
		}
		cursor = cursor_hint > last ? cursor_hint : last + 1;
		key.mv_data = ikey;
		key.mv_size = inbox_key(ikey, channel, len, cursor);
		val.mv_data = text;
		val.mv_size = strlen(text);
		rc = mdb_put(txn, st->dbi[DB_INBOX], &key, &val,
		    MDB_NOOVERWRITE);
		/* A stored cursor above inbox_last: the meta record lies. */
		r = rc == MDB_KEYEXIST ? STATE_E_CORRUPT : state_lmdb(rc);
		if (r != 0 ||
		    (r = meta_put(st, txn, "inbox_last", channel, 8,
		    cursor)) != 0 ||
		    (r = meta_put(st, txn, "inbox_count", channel, 8,
		    count + 1)) != 0)
			goto fail;
	}
	if (position != NULL) {
		key.mv_data = name;
		key.mv_size = meta_name(name, "watch_pos", channel);
		val.mv_data = (void *)position;
		val.mv_size = strlen(position);
		if ((r = state_lmdb(mdb_put(txn, st->dbi[DB_META], &key, &val,
		    0))) != 0)
			goto fail;
	}
	if ((r = state_lmdb(mdb_txn_commit(txn))) != 0)
		goto out;
	/* Subscribers also poll on a timer: a missed wake only delays. */
	if (msg != NULL && wake_file(st, 1) != 0)
		log_warn("state: %s", st->wake);
	if (cursor_out != NULL)
		*cursor_out = cursor;
	goto out;

fail:
	r = state_abort(txn, r);
out:
	free(text);
	return r;
}

int
state_watch_position(struct state *st, const char *channel, char *out,
    size_t outlen)
{
	MDB_txn		*txn;
	MDB_val		 key, val;
	char		 name[STATE_NAME_MAX];
	int		 rc, r;

	if (out != NULL && outlen > 0)
		*out = '\0';
	if (st == NULL || channel_len(channel) == 0 || out == NULL ||
	    outlen == 0)
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	key.mv_data = name;
	key.mv_size = meta_name(name, "watch_pos", channel);
	if ((rc = mdb_get(txn, st->dbi[DB_META], &key, &val)) != 0)
		r = rc == MDB_NOTFOUND ? 0 : state_lmdb(rc);
	else if (val.mv_size >= STATE_POSITION_MAX ||
	    memchr(val.mv_data, '\0', val.mv_size) != NULL)
		r = STATE_E_CORRUPT;
	else if (val.mv_size >= outlen)
		r = STATE_E_INVALID;
	else {
		memcpy(out, val.mv_data, val.mv_size);
		out[val.mv_size] = '\0';
	}
	return state_abort(txn, r);
}

int
state_inbox_last(struct state *st, const char *channel, uint64_t *cursor)
{
	MDB_txn	*txn;
	int	 r;

	if (cursor != NULL)
		*cursor = 0;
	if (st == NULL || channel_len(channel) == 0 || cursor == NULL)
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	r = meta_counter(st, txn, "inbox_last", channel, cursor);
	return state_abort(txn, r);
}

static int
inbox_one(const unsigned char *key, size_t keylen, json_t *rec, void *arg)
{
	struct inbox_walk	*w = arg;
	json_t			*msg = json_object_get(rec, "msg");

	if (keylen != w->keylen || !json_is_object(msg))
		return STATE_E_CORRUPT;
	if (w->fn(be_decode(key + keylen - 8), msg, w->arg) != 0)
		return 1;
	return w->limit != 0 && ++w->n == w->limit;
}

int
state_inbox_read(struct state *st, const char *channel, uint64_t since,
    size_t limit, int (*fn)(uint64_t, json_t *, void *), void *arg)
{
	struct inbox_walk	w = { fn, arg, 0, limit, 0 };
	unsigned char		start[STATE_INBOX_KEY];
	size_t			len;

	if (st == NULL || (len = channel_len(channel)) == 0 || fn == NULL)
		return STATE_E_INVALID;
	if (st->inbox_absent || since >= STATE_CURSOR_MAX)
		return 0;
	w.keylen = inbox_key(start, channel, len, since + 1);
	return state_walk(st, DB_INBOX, start, w.keylen, len + 1, inbox_one,
	    &w);
}

/* The publish time of a stored inbox record. */
static int
inbox_ts(const MDB_val *val, uint64_t *ts)
{
	json_t	*rec, *t;
	int	 r = STATE_E_CORRUPT;

	rec = json_loadb(val->mv_data, val->mv_size, STATE_JSON_LOAD, NULL);
	t = json_object_get(rec, "ts_ms");
	if (json_is_integer(t) && json_integer_value(t) >= 0) {
		*ts = (uint64_t)json_integer_value(t);
		r = 0;
	}
	json_decref(rec);
	return r;
}

int
state_inbox_compact(struct state *st, const char *channel, size_t max_count,
    uint64_t max_age_ms, uint64_t now_ms, size_t batch, size_t *removed)
{
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 key, val;
	unsigned char	 start[STATE_INBOX_KEY];
	uint64_t	 count, ts;
	size_t		 len, n = 0;
	int		 rc, r;

	if (removed != NULL)
		*removed = 0;
	if (st == NULL || (len = channel_len(channel)) == 0 || batch == 0 ||
	    removed == NULL)
		return STATE_E_INVALID;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	if ((r = meta_counter(st, txn, "inbox_count", channel, &count)) != 0)
		return state_abort(txn, r);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_INBOX], &cur)) != 0)
		return state_abort(txn, state_lmdb(rc));
	key.mv_data = start;
	key.mv_size = inbox_key(start, channel, len, 0);
	/* Oldest first: stop at the first message that may stay. */
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	while (rc == 0 && n < batch && key.mv_size == len + 9 &&
	    memcmp(key.mv_data, start, len + 1) == 0) {
		if (max_count == 0 || count <= max_count) {
			if (max_age_ms == 0 || (r = inbox_ts(&val, &ts)) != 0 ||
			    ts > now_ms || now_ms - ts <= max_age_ms)
				break;
		}
		if (count == 0) {
			r = STATE_E_CORRUPT;	/* more stored than counted */
			break;
		}
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		count--;
		n++;
		rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = state_lmdb(rc);
	if (r == 0 && n > 0)
		r = meta_put(st, txn, "inbox_count", channel, 8, count);
	if (r != 0 || n == 0)
		return state_abort(txn, r);
	if ((r = state_lmdb(mdb_txn_commit(txn))) == 0)
		*removed = n;
	return r;
}

const char *
state_inbox_wake_path(struct state *st)
{
	return st != NULL ? st->wake : NULL;
}

/*
 * Pages on LMDB's free list (database 0: each record a list of page
 * numbers whose first word is their count), which later writes reuse:
 * after the audit chain is pruned the map has room again although its
 * last page stays where it was.
 */
static int
free_pages(MDB_txn *txn, uint64_t *pages)
{
	MDB_cursor	*cur;
	MDB_val		 key, val;
	size_t		 n;
	int		 rc;

	*pages = 0;
	if ((rc = mdb_cursor_open(txn, 0, &cur)) != 0)
		return state_lmdb(rc);
	while ((rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) == 0) {
		if (val.mv_size < sizeof(size_t))
			continue;
		memcpy(&n, val.mv_data, sizeof(n));
		*pages += n;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : state_lmdb(rc);
}

static int
usage_txn(struct state *st, MDB_txn *txn, uint64_t *used, uint64_t *mapsize)
{
	MDB_envinfo	info;
	MDB_stat	stat;
	uint64_t	pages, freed;
	int		r;

	if (mdb_env_info(st->env, &info) != 0 ||
	    mdb_env_stat(st->env, &stat) != 0)
		return STATE_E_LMDB;
	if ((r = free_pages(txn, &freed)) != 0)
		return r;
	pages = (uint64_t)info.me_last_pgno + 1;
	/* Freed pages a reader still pins are counted free: a bound. */
	*used = (pages > freed ? pages - freed : 0) * stat.ms_psize;
	*mapsize = info.me_mapsize;
	return 0;
}

int
state_usage(struct state *st, uint64_t *used, uint64_t *mapsize)
{
	MDB_txn	*txn;
	int	 r;

	if (st == NULL || used == NULL || mapsize == NULL)
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	r = usage_txn(st, txn, used, mapsize);
	mdb_txn_abort(txn);
	return r;
}

int
state_headroom(struct state *st, size_t bytes)
{
	uint64_t	used, mapsize;
	int		r;

	if ((r = state_usage(st, &used, &mapsize)) != 0)
		return r;
	if (mapsize < used || mapsize - used < bytes)
		return STATE_E_FULL;
	return 0;
}
