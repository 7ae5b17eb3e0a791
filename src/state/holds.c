/*
 * The holds queue (dead-letter queue) of the state store: held requests
 * by id, and what each client holds (count and bytes, kept in meta in
 * the same transactions) so that limits are exact across processes.
 * A hold is synced to disk before its id is given out, and its removal
 * before it is reported.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <lmdb.h>

#include "compat.h"
#include "state.h"
#include "state-private.h"

static size_t	acct_key(unsigned char [STATE_KEY_MAX], const char *);
static int	acct_get(struct state *, MDB_txn *, const char *, uint64_t *,
		    uint64_t *);
static int	acct_add(struct state *, MDB_txn *, const char *, int64_t,
		    int64_t);
static uint64_t	hold_size(json_t *, size_t);
static int	claim_del(struct state *, MDB_txn *, const char *);
static int	claim_id_ok(const char *);
static int	hold_put(struct state *, json_t *, uint64_t,
		    const struct state_hold_limits *, int *, char *, size_t);

/*
 * Hold accounting in meta: "holds", a NUL and the client's name (or
 * "holds_total") hold 16 bytes, the count and the bytes of the holds,
 * little-endian.  A client name too long for a key is refused by the
 * callers (STATE_E_INVALID).
 */
#define ACCT_NAME_MAX	(STATE_KEY_MAX - 8)

static size_t
acct_key(unsigned char key[STATE_KEY_MAX], const char *client)
{
	size_t	len;

	if (client == NULL) {
		memcpy(key, "holds_total", 11);
		return 11;
	}
	len = strlen(client);
	memcpy(key, "holds", 6);	/* with its NUL */
	memcpy(key + 6, client, len);
	return 6 + len;
}

static int
acct_get(struct state *st, MDB_txn *txn, const char *client,
    uint64_t *count, uint64_t *bytes)
{
	unsigned char	 buf[STATE_KEY_MAX];
	MDB_val		 key, val;
	int		 rc;

	*count = *bytes = 0;
	key.mv_data = buf;
	key.mv_size = acct_key(buf, client);
	if ((rc = mdb_get(txn, st->dbi[DB_META], &key, &val)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return state_lmdb(rc);
	if (val.mv_size != 16)
		return STATE_E_CORRUPT;
	*count = le_decode(val.mv_data, 8);
	*bytes = le_decode((unsigned char *)val.mv_data + 8, 8);
	return 0;
}

/* Add to a client's (or the total) count and bytes, never below 0. */
static int
acct_add(struct state *st, MDB_txn *txn, const char *client, int64_t dcount,
    int64_t dbytes)
{
	unsigned char	 buf[STATE_KEY_MAX], v[16];
	MDB_val		 key, val;
	uint64_t	 count, bytes;
	int		 r;

	if ((r = acct_get(st, txn, client, &count, &bytes)) != 0)
		return r;
	count = dcount < 0 && (uint64_t)-dcount > count ? 0 :
	    count + (uint64_t)dcount;
	bytes = dbytes < 0 && (uint64_t)-dbytes > bytes ? 0 :
	    bytes + (uint64_t)dbytes;
	le_encode(v, count, 8);
	le_encode(v + 8, bytes, 8);
	key.mv_data = buf;
	key.mv_size = acct_key(buf, client);
	val.mv_data = v;
	val.mv_size = sizeof(v);
	return state_lmdb(mdb_put(txn, st->dbi[DB_META], &key, &val, 0));
}

/* What a hold costs: its record and the spool bytes it names. */
static uint64_t
hold_size(json_t *hold, size_t textlen)
{
	json_t	*sb = json_object_get(hold, "spool_bytes");
	uint64_t size = textlen;

	if (json_is_integer(sb) && json_integer_value(sb) > 0)
		size += (uint64_t)json_integer_value(sb);
	return size;
}

int
state_hold_put(struct state *st, json_t *hold, uint64_t now_ms,
    char *id_out, size_t id_len)
{
	return hold_put(st, hold, now_ms, NULL, NULL, id_out, id_len);
}

int
state_hold_put_limited(struct state *st, json_t *hold, uint64_t now_ms,
    const struct state_hold_limits *lim, int *which, char *id_out,
    size_t id_len)
{
	if (lim == NULL || which == NULL)
		return STATE_E_INVALID;
	*which = 0;
	return hold_put(st, hold, now_ms, lim, which, id_out, id_len);
}

int
state_hold_usage(struct state *st, const char *client, uint64_t *count,
    uint64_t *bytes)
{
	MDB_txn	*txn;
	int	 r;

	if (st == NULL || count == NULL || bytes == NULL ||
	    (client != NULL && strlen(client) > ACCT_NAME_MAX))
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	r = acct_get(st, txn, client, count, bytes);
	mdb_txn_abort(txn);
	return r;
}

static int
hold_put(struct state *st, json_t *hold, uint64_t now_ms,
    const struct state_hold_limits *lim, int *which, char *id_out,
    size_t id_len)
{
	MDB_txn		*txn;
	MDB_val		 key, val;
	char		 id[STATE_HOLD_ID_MAX], *text = NULL;
	const char	*client;
	uint64_t	 seq = 0, size, count, bytes, used, mapsize;
	int		 r;

	client = json_string_value(json_object_get(hold, "client"));
	if (st == NULL || !json_is_object(hold) || id_out == NULL ||
	    now_ms > INT64_MAX ||
	    (client != NULL && strlen(client) > ACCT_NAME_MAX))
		return STATE_E_INVALID;
	/*
	 * The map's use is read before the write transaction (LMDB has no
	 * cursor on its free list in one): close enough for a reserve.
	 */
	if (lim != NULL && lim->reserve != 0 &&
	    (r = state_usage(st, &used, &mapsize)) != 0)
		return r;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	r = meta_get(st, txn, "hold_seq", NULL, 8, &seq);
	if (r == STATE_E_NOTFOUND)
		r = 0;
	if (r == 0 && seq >= STATE_HOLD_SEQ_MAX)
		r = STATE_E_FULL;
	if (r != 0)
		return state_abort(txn, r);
	seq++;
	(void)snprintf(id, sizeof(id), "h%010llu", (unsigned long long)seq);
	if (strlen(id) >= id_len)
		return state_abort(txn, STATE_E_INVALID);

	if (json_object_set_new(hold, "id", json_string(id)) == -1 ||
	    json_object_set_new(hold, "created_ms",
	    json_integer((json_int_t)now_ms)) == -1 ||
	    (text = json_dumps(hold, STATE_JSON_FLAGS)) == NULL) {
		errno = ENOMEM;
		r = STATE_E_SYSTEM;
		goto fail;
	}
	size = hold_size(hold, strlen(text));
	if (lim != NULL) {
		/* The limits are read and charged under the write lock. */
		if (client != NULL &&
		    (r = acct_get(st, txn, client, &count, &bytes)) != 0)
			goto fail;
		if (client != NULL && lim->count != 0 && count >= lim->count)
			*which = STATE_HOLD_COUNT;
		else if (client != NULL && lim->bytes != 0 &&
		    (size > lim->bytes || bytes > lim->bytes - size))
			*which = STATE_HOLD_BYTES;
		if (*which == 0 && lim->total_bytes != 0) {
			if ((r = acct_get(st, txn, NULL, &count,
			    &bytes)) != 0)
				goto fail;
			if (size > lim->total_bytes ||
			    bytes > lim->total_bytes - size)
				*which = STATE_HOLD_TOTAL;
		}
		if (*which == 0 && lim->reserve != 0) {
			if (used > mapsize || mapsize - used <
			    lim->reserve + strlen(text) * 2)
				*which = STATE_HOLD_RESERVE;
		}
		if (*which != 0) {
			r = STATE_E_LIMITED;
			goto fail;
		}
	}
	key.mv_data = id;
	key.mv_size = strlen(id);
	val.mv_data = text;
	val.mv_size = strlen(text);
	if ((r = state_lmdb(mdb_put(txn, st->dbi[DB_HOLDS], &key, &val,
	    MDB_NOOVERWRITE))) != 0 ||
	    (r = meta_put(st, txn, "hold_seq", NULL, 8, seq)) != 0 ||
	    (client != NULL &&
	    (r = acct_add(st, txn, client, 1, (int64_t)size)) != 0) ||
	    (r = acct_add(st, txn, NULL, 1, (int64_t)size)) != 0)
		goto fail;
	free(text);
	if ((r = state_lmdb(mdb_txn_commit(txn))) != 0)
		goto undo;
	/* Committed: the caller gets the id even if the sync fails. */
	(void)strlcpy(id_out, id, id_len);
	return state_fsync(st);

fail:
	free(text);
	r = state_abort(txn, r);
undo:
	json_object_del(hold, "id");
	json_object_del(hold, "created_ms");
	return r;
}

int
state_hold_get(struct state *st, const char *id, json_t **out)
{
	MDB_txn		*txn;
	MDB_val		 key, val;
	json_t		*hold;
	int		 rc, r;

	if (out != NULL)
		*out = NULL;
	if (st == NULL || id == NULL || out == NULL || *id == '\0' ||
	    strlen(id) > STATE_KEY_MAX)
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	key.mv_data = (void *)id;
	key.mv_size = strlen(id);
	if ((rc = mdb_get(txn, st->dbi[DB_HOLDS], &key, &val)) != 0)
		return state_abort(txn, state_lmdb(rc));
	hold = json_loadb(val.mv_data, val.mv_size, STATE_JSON_LOAD, NULL);
	mdb_txn_abort(txn);
	if (!json_is_object(hold)) {
		json_decref(hold);
		return STATE_E_CORRUPT;
	}
	*out = hold;
	return 0;
}

int
state_hold_del(struct state *st, const char *id)
{
	MDB_txn		*txn;
	MDB_val		 key, val;
	json_t		*hold;
	const char	*client;
	uint64_t	 size;
	int		 rc, r;

	if (st == NULL || id == NULL || *id == '\0' ||
	    strlen(id) > STATE_KEY_MAX)
		return STATE_E_INVALID;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	key.mv_data = (void *)id;
	key.mv_size = strlen(id);
	if ((rc = mdb_get(txn, st->dbi[DB_HOLDS], &key, &val)) != 0)
		return state_abort(txn, state_lmdb(rc));
	/* Release what the hold was charged (a malformed one: nothing). */
	hold = json_loadb(val.mv_data, val.mv_size, STATE_JSON_LOAD, NULL);
	size = hold_size(hold, val.mv_size);
	client = json_string_value(json_object_get(hold, "client"));
	if (json_is_object(hold) && client != NULL &&
	    strlen(client) <= ACCT_NAME_MAX)
		r = acct_add(st, txn, client, -1, -(int64_t)size);
	if (r == 0 && json_is_object(hold))
		r = acct_add(st, txn, NULL, -1, -(int64_t)size);
	json_decref(hold);
	if (r != 0)
		return state_abort(txn, r);
	if ((rc = mdb_del(txn, st->dbi[DB_HOLDS], &key, NULL)) != 0)
		return state_abort(txn, state_lmdb(rc));
	/* Its claim, if it had one, goes with it. */
	if ((r = claim_del(st, txn, id)) != 0)
		return state_abort(txn, r);
	if ((r = state_lmdb(mdb_txn_commit(txn))) != 0)
		return r;
	return state_fsync(st);
}

/*
 * A hold's claim in meta: "claim", a NUL and the hold's id hold 8 bytes,
 * when it was claimed (ms).
 */
static int
claim_del(struct state *st, MDB_txn *txn, const char *id)
{
	char	 name[STATE_NAME_MAX];
	MDB_val	 key;
	int	 rc;

	key.mv_data = name;
	key.mv_size = (size_t)snprintf(name, sizeof(name), "claim%c%s", '\0',
	    id);
	rc = mdb_del(txn, st->dbi[DB_META], &key, NULL);
	return rc == MDB_NOTFOUND ? 0 : state_lmdb(rc);
}

/* Is id a hold's id that fits a claim's key?  1 or 0. */
static int
claim_id_ok(const char *id)
{
	return id != NULL && *id != '\0' &&
	    strlen(id) < STATE_NAME_MAX - sizeof("claim");
}

int
state_hold_claim(struct state *st, const char *id, uint64_t now_ms,
    uint64_t lease_ms)
{
	MDB_txn		*txn;
	MDB_val		 key, val;
	uint64_t	 since;
	int		 rc, r;

	if (st == NULL || !claim_id_ok(id))
		return STATE_E_INVALID;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	key.mv_data = (void *)id;
	key.mv_size = strlen(id);
	if ((rc = mdb_get(txn, st->dbi[DB_HOLDS], &key, &val)) != 0)
		return state_abort(txn, state_lmdb(rc));
	r = meta_get(st, txn, "claim", id, 8, &since);
	if (r == 0 && now_ms < since + lease_ms)
		return state_abort(txn, STATE_E_BUSY);
	if (r != 0 && r != STATE_E_NOTFOUND && r != STATE_E_CORRUPT)
		return state_abort(txn, r);
	if ((r = meta_put(st, txn, "claim", id, 8, now_ms)) != 0)
		return state_abort(txn, r);
	if ((r = state_lmdb(mdb_txn_commit(txn))) != 0)
		return r;
	return state_fsync(st);
}

int
state_hold_unclaim(struct state *st, const char *id)
{
	MDB_txn	*txn;
	int	 r;

	if (st == NULL || !claim_id_ok(id))
		return STATE_E_INVALID;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	if ((r = claim_del(st, txn, id)) != 0)
		return state_abort(txn, r);
	if ((r = state_lmdb(mdb_txn_commit(txn))) != 0)
		return r;
	return state_fsync(st);
}

int
state_hold_claimed(struct state *st, const char *id, uint64_t now_ms,
    uint64_t lease_ms, int *claimed)
{
	MDB_txn		*txn;
	uint64_t	 since;
	int		 r;

	*claimed = 0;
	if (st == NULL || !claim_id_ok(id))
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	r = meta_get(st, txn, "claim", id, 8, &since);
	mdb_txn_abort(txn);
	if (r == 0)
		*claimed = now_ms < since + lease_ms;
	return r == STATE_E_NOTFOUND || r == STATE_E_CORRUPT ? 0 : r;
}

int
state_hold_foreach(struct state *st, int (*fn)(json_t *, void *), void *arg)
{
	struct foreach_arg	fa = { fn, arg };

	if (st == NULL || fn == NULL)
		return STATE_E_INVALID;
	return state_walk(st, DB_HOLDS, NULL, 0, 0, foreach_one, &fa);
}
