/*
 * Rate-limit windows of the state store: sliding-window logs charged in
 * one write transaction, exact across processes (state_rate_take), or
 * only looked at (state_rate_peek); and the audit append that charges
 * windows in its own transaction (state_audit_append_charged), so that
 * a delivery commits, and flushes, once before its tool runs.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <lmdb.h>

#include "compat.h"
#include "state.h"
#include "state-private.h"

static int	rate_charge(struct state *, MDB_txn *,
		    const struct rate_request *, uint64_t, uint64_t *, int);
static int	rate_valid(const struct rate_request *, size_t);
static int	rate_charge_all(struct state *, MDB_txn *,
		    const struct rate_request *, size_t, uint64_t, size_t *,
		    uint64_t *, int);

/*
 * Sliding-window log: the value under req->key is the packed array of
 * the little-endian uint64 times (ms) of the events still in the window.
 * dry: only look (a read-only transaction), store nothing.
 */
static int
rate_charge(struct state *st, MDB_txn *txn, const struct rate_request *req,
    uint64_t now, uint64_t *retry_ms, int dry)
{
	MDB_val		 key, val;
	unsigned char	*buf;
	uint64_t	 ts, oldest = UINT64_MAX;
	size_t		 i, stored = 0, kept = 0;
	int		 rc, r;

	key.mv_data = (void *)req->key;
	key.mv_size = strlen(req->key);
	rc = mdb_get(txn, st->dbi[DB_RATE], &key, &val);
	if (rc == 0) {
		if (val.mv_size % 8 != 0)
			return STATE_E_CORRUPT;
		stored = val.mv_size / 8;
	} else if (rc != MDB_NOTFOUND)
		return state_lmdb(rc);

	/* Decode before mdb_put, which may move what val points to. */
	if ((buf = reallocarray(NULL, stored + 1, 8)) == NULL)
		return STATE_E_SYSTEM;
	for (i = 0; i < stored; i++) {
		ts = le_decode((unsigned char *)val.mv_data + 8 * i, 8);
		if (ts <= now && now - ts >= req->window_ms)
			continue;	/* expired */
		if (ts < oldest)
			oldest = ts;
		le_encode(buf + 8 * kept++, ts, 8);
	}
	if (kept >= req->max) {
		/* Room comes back when the oldest event leaves the window. */
		if (oldest <= now)
			*retry_ms = req->window_ms - (now - oldest);
		else if (oldest - now <= UINT64_MAX - req->window_ms)
			*retry_ms = req->window_ms + (oldest - now);
		else
			*retry_ms = UINT64_MAX;
		free(buf);
		return STATE_E_LIMITED;
	}
	if (dry) {
		free(buf);
		return 0;
	}
	le_encode(buf + 8 * kept++, now, 8);
	val.mv_data = buf;
	val.mv_size = kept * 8;
	r = state_lmdb(mdb_put(txn, st->dbi[DB_RATE], &key, &val, 0));
	free(buf);
	return r;
}

/* Are the rate requests well formed?  0 or STATE_E_INVALID. */
static int
rate_valid(const struct rate_request *reqs, size_t n)
{
	size_t	 i, len;

	if (reqs == NULL && n > 0)
		return STATE_E_INVALID;
	for (i = 0; i < n; i++) {
		if (reqs[i].key == NULL || reqs[i].max == 0 ||
		    reqs[i].max > STATE_RATE_MAX || reqs[i].window_ms == 0)
			return STATE_E_INVALID;
		len = strlen(reqs[i].key);
		if (len == 0 || len > STATE_KEY_MAX)
			return STATE_E_INVALID;
	}
	return 0;
}

/* Charge (or, dry, look at) every window in txn; the txn is kept. */
static int
rate_charge_all(struct state *st, MDB_txn *txn,
    const struct rate_request *reqs, size_t n, uint64_t now_ms,
    size_t *which, uint64_t *retry_ms, int dry)
{
	size_t	 i;
	int	 r;

	for (i = 0; i < n; i++) {
		/* The txn sees its own writes: repeated keys charge twice. */
		if ((r = rate_charge(st, txn, &reqs[i], now_ms, retry_ms,
		    dry)) != 0) {
			if (r == STATE_E_LIMITED)
				*which = i;
			return r;
		}
	}
	return 0;
}

int
state_rate_take(struct state *st, const struct rate_request *reqs, size_t n,
    uint64_t now_ms, size_t *which, uint64_t *retry_ms)
{
	MDB_txn	*txn;
	int	 r;

	if (st == NULL || which == NULL || retry_ms == NULL ||
	    rate_valid(reqs, n) != 0)
		return STATE_E_INVALID;
	if (n == 0)
		return 0;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	if ((r = rate_charge_all(st, txn, reqs, n, now_ms, which, retry_ms,
	    0)) != 0)
		return state_abort(txn, r);
	return state_lmdb(mdb_txn_commit(txn));
}

int
state_rate_peek(struct state *st, const struct rate_request *reqs, size_t n,
    uint64_t now_ms, size_t *which, uint64_t *retry_ms)
{
	MDB_txn	*txn;
	int	 r;

	if (st == NULL || which == NULL || retry_ms == NULL ||
	    rate_valid(reqs, n) != 0)
		return STATE_E_INVALID;
	if (n == 0)
		return 0;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	r = rate_charge_all(st, txn, reqs, n, now_ms, which, retry_ms, 1);
	mdb_txn_abort(txn);
	return r;
}

int
state_audit_append(struct state *st, json_t *record)
{
	return state_audit_append_charged(st, record, NULL, 0, 0, 0, NULL,
	    NULL);
}

int
state_audit_append_charged(struct state *st, json_t *record,
    const struct rate_request *reqs, size_t n, uint64_t now_ms,
    unsigned int flags, size_t *which, uint64_t *retry_ms)
{
	MDB_txn		*txn;
	const char	*channel;
	int		 r, frozen;

	if (st == NULL || !json_is_object(record) ||
	    json_object_get(record, "seq") != NULL ||
	    json_object_get(record, "prev") != NULL ||
	    json_object_get(record, "hash") != NULL ||
	    (n > 0 && (which == NULL || retry_ms == NULL)) ||
	    rate_valid(reqs, n) != 0)
		return STATE_E_INVALID;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	if (flags & STATE_APPEND_UNFROZEN) {
		/* No channel, or a damaged one: refused, not let through. */
		if ((channel = json_string_value(json_object_get(record,
		    "channel"))) == NULL)
			return state_abort(txn, STATE_E_INVALID);
		if ((r = state_frozen_txn(st, txn, channel, &frozen)) != 0)
			return state_abort(txn, r);
		if (frozen)
			return state_abort(txn, STATE_E_FROZEN);
	}
	if ((r = rate_charge_all(st, txn, reqs, n, now_ms, which, retry_ms,
	    0)) != 0)
		return state_abort(txn, r);
	if ((r = audit_append_txn(st, txn, record)) != 0)
		goto fail;
	if ((r = state_lmdb(mdb_txn_commit(txn))) != 0)
		goto undo;
	/*
	 * The commit flushed the data pages (MDB_NOMETASYNC) but not the
	 * meta page that makes them current: until it is on disk, a power
	 * cut reopens the previous meta page and this record is lost.
	 * mdb_env_sync(force) flushes it.  (Clearing MDB_NOMETASYNC for
	 * this commit instead would write the meta page through the O_DSYNC
	 * descriptor: the same two flushes.)
	 */
	if (flags & STATE_APPEND_SYNC)
		return state_fsync(st);
	return 0;

fail:
	r = state_abort(txn, r);
undo:
	json_object_del(record, "seq");
	json_object_del(record, "prev");
	json_object_del(record, "hash");
	return r;
}
