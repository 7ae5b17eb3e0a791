/*
 * Owner approvals in the state store (database "owner"): reply codes,
 * kept only as their SHA-256, each bound to one hold and expiring; and
 * the marks of the messages the agent must never read (what the gateway
 * sent the owner, what it consumed from the owner).  Keys:
 *
 *	'c' HASH	the code: {"hold","channel","created_ms","expires_ms"}
 *	'h' HOLD-ID	the hold's live code: HASH
 *	'x' HASH	a hidden message's mark: 8 bytes, when (ms)
 *
 * Every write is synced before it returns: a code must exist before its
 * notice goes out, and a used code must be gone before its hold moves.
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <lmdb.h>

#include "compat.h"
#include "state.h"
#include "state-private.h"

#define HASH_LEN	(STATE_HASH_HEX - 1)
#define OWNER_KEY_MAX	(1 + STATE_HOLD_ID_MAX + HASH_LEN)

static int	 hash_ok(const char *);
static size_t	 owner_key(unsigned char [OWNER_KEY_MAX], char, const char *);
static int	 code_decode(const MDB_val *, struct state_code *);
static int	 owner_commit(struct state *, MDB_txn *);

static int
hash_ok(const char *h)
{
	size_t	 i;

	if (h == NULL)
		return 0;
	for (i = 0; i < HASH_LEN; i++)
		if (!((h[i] >= '0' && h[i] <= '9') ||
		    (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return h[HASH_LEN] == '\0';
}

/* 0 when s does not fit (callers refuse it: STATE_E_INVALID). */
static size_t
owner_key(unsigned char key[OWNER_KEY_MAX], char kind, const char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || len > OWNER_KEY_MAX - 1)
		return 0;
	key[0] = (unsigned char)kind;
	memcpy(key + 1, s, len);
	return len + 1;
}

static int
code_decode(const MDB_val *val, struct state_code *out)
{
	json_t		*rec;
	const char	*hold, *channel;
	json_int_t	 created, expires;
	int		 r = STATE_E_CORRUPT;

	memset(out, 0, sizeof(*out));
	rec = json_loadb(val->mv_data, val->mv_size, STATE_JSON_LOAD, NULL);
	if (rec != NULL && json_unpack(rec, "{s:s,s:s,s:I,s:I}", "hold", &hold,
	    "channel", &channel, "created_ms", &created, "expires_ms",
	    &expires) == 0 && created >= 0 && expires >= 0 &&
	    strlcpy(out->hold_id, hold, sizeof(out->hold_id)) <
	    sizeof(out->hold_id) && strlcpy(out->channel, channel,
	    sizeof(out->channel)) < sizeof(out->channel)) {
		out->created_ms = (uint64_t)created;
		out->expires_ms = (uint64_t)expires;
		r = 0;
	}
	json_decref(rec);
	return r;
}

/* Commit and sync; a failed sync is returned (the commit stands). */
static int
owner_commit(struct state *st, MDB_txn *txn)
{
	int	 r;

	if ((r = state_lmdb(mdb_txn_commit(txn))) != 0)
		return r;
	return state_fsync(st);
}

int
state_code_put(struct state *st, const char *code_hash,
    const struct state_code *code)
{
	unsigned char	 ck[OWNER_KEY_MAX], hk[OWNER_KEY_MAX];
	MDB_txn		*txn;
	MDB_val		 key, val;
	json_t		*rec;
	char		*text, old[STATE_HASH_HEX];
	size_t		 hklen;
	int		 rc, r;

	if (!hash_ok(code_hash) || code == NULL ||
	    code->expires_ms > INT64_MAX || code->created_ms > INT64_MAX ||
	    (hklen = owner_key(hk, 'h', code->hold_id)) == 0)
		return STATE_E_INVALID;
	rec = json_pack("{s:s,s:s,s:I,s:I}", "hold", code->hold_id,
	    "channel", code->channel, "created_ms",
	    (json_int_t)code->created_ms, "expires_ms",
	    (json_int_t)code->expires_ms);
	text = rec != NULL ? json_dumps(rec, STATE_JSON_FLAGS) : NULL;
	json_decref(rec);
	if (text == NULL)
		return STATE_E_SYSTEM;
	if ((r = state_begin(st, 0, &txn)) != 0) {
		free(text);
		return r;
	}
	/* The hold's earlier code, if any, is superseded. */
	key.mv_data = hk;
	key.mv_size = hklen;
	rc = mdb_get(txn, st->dbi[DB_OWNER], &key, &val);
	if (rc == 0 && val.mv_size == HASH_LEN) {
		memcpy(old, val.mv_data, HASH_LEN);
		old[HASH_LEN] = '\0';
		key.mv_data = ck;
		key.mv_size = owner_key(ck, 'c', old);
		rc = mdb_del(txn, st->dbi[DB_OWNER], &key, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	} else if (rc == MDB_NOTFOUND)
		rc = 0;
	if (rc == 0) {
		key.mv_data = ck;
		key.mv_size = owner_key(ck, 'c', code_hash);
		val.mv_data = text;
		val.mv_size = strlen(text);
		rc = mdb_put(txn, st->dbi[DB_OWNER], &key, &val, 0);
	}
	if (rc == 0) {
		key.mv_data = hk;
		key.mv_size = hklen;
		val.mv_data = (void *)code_hash;
		val.mv_size = HASH_LEN;
		rc = mdb_put(txn, st->dbi[DB_OWNER], &key, &val, 0);
	}
	free(text);
	if (rc != 0)
		return state_abort(txn, state_lmdb(rc));
	return owner_commit(st, txn);
}

int
state_code_find(struct state *st, const char *code_hash, uint64_t now_ms,
    struct state_code *out)
{
	unsigned char	 ck[OWNER_KEY_MAX];
	MDB_txn		*txn;
	MDB_val		 key, val;
	int		 rc, r;

	memset(out, 0, sizeof(*out));
	if (!hash_ok(code_hash))
		return STATE_E_INVALID;
	if (st->owner_absent)
		return STATE_E_NOTFOUND;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	key.mv_data = ck;
	key.mv_size = owner_key(ck, 'c', code_hash);
	rc = mdb_get(txn, st->dbi[DB_OWNER], &key, &val);
	r = rc == 0 ? code_decode(&val, out) : state_lmdb(rc);
	mdb_txn_abort(txn);
	if (r != 0)
		return r;
	return now_ms >= out->expires_ms ? STATE_E_EXPIRED : 0;
}

int
state_code_of_hold(struct state *st, const char *hold_id,
    struct state_code *out, char *hash)
{
	unsigned char	 ck[OWNER_KEY_MAX], hk[OWNER_KEY_MAX];
	MDB_txn		*txn;
	MDB_val		 key, val;
	char		 h[STATE_HASH_HEX];
	int		 rc, r;

	memset(out, 0, sizeof(*out));
	if (hold_id == NULL || owner_key(hk, 'h', hold_id) == 0)
		return STATE_E_INVALID;
	if (st->owner_absent)
		return STATE_E_NOTFOUND;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	key.mv_data = hk;
	key.mv_size = owner_key(hk, 'h', hold_id);
	rc = mdb_get(txn, st->dbi[DB_OWNER], &key, &val);
	if (rc == 0 && val.mv_size != HASH_LEN)
		r = STATE_E_CORRUPT;
	else if (rc != 0)
		r = state_lmdb(rc);
	else {
		memcpy(h, val.mv_data, HASH_LEN);
		h[HASH_LEN] = '\0';
		key.mv_data = ck;
		key.mv_size = owner_key(ck, 'c', h);
		rc = mdb_get(txn, st->dbi[DB_OWNER], &key, &val);
		r = rc == 0 ? code_decode(&val, out) : state_lmdb(rc);
	}
	mdb_txn_abort(txn);
	if (r == 0 && hash != NULL)
		memcpy(hash, h, STATE_HASH_HEX);
	return r;
}

int
state_code_forget(struct state *st, const char *hold_id)
{
	unsigned char	 ck[OWNER_KEY_MAX], hk[OWNER_KEY_MAX];
	MDB_txn		*txn;
	MDB_val		 key, val;
	char		 h[STATE_HASH_HEX];
	int		 rc, r;

	if (hold_id == NULL || owner_key(hk, 'h', hold_id) == 0)
		return STATE_E_INVALID;
	if (st->owner_absent)
		return 0;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	key.mv_data = hk;
	key.mv_size = owner_key(hk, 'h', hold_id);
	rc = mdb_get(txn, st->dbi[DB_OWNER], &key, &val);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return 0;
	}
	if (rc == 0 && val.mv_size == HASH_LEN) {
		memcpy(h, val.mv_data, HASH_LEN);
		h[HASH_LEN] = '\0';
		rc = mdb_del(txn, st->dbi[DB_OWNER], &key, NULL);
		key.mv_data = ck;
		key.mv_size = owner_key(ck, 'c', h);
		if (rc == 0 && (rc = mdb_del(txn, st->dbi[DB_OWNER], &key,
		    NULL)) == MDB_NOTFOUND)
			rc = 0;
	} else if (rc == 0)
		rc = mdb_del(txn, st->dbi[DB_OWNER], &key, NULL);
	if (rc != 0)
		return state_abort(txn, state_lmdb(rc));
	return owner_commit(st, txn);
}

int
state_code_foreach(struct state *st,
    int (*fn)(const char *, const struct state_code *, void *), void *arg)
{
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 key, val;
	struct state_code code;
	char		 h[STATE_HASH_HEX];
	int		 rc, r = 0;

	if (st->owner_absent)
		return 0;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_OWNER], &cur)) != 0)
		return state_abort(txn, state_lmdb(rc));
	key.mv_data = (void *)"c";
	key.mv_size = 1;
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	while (rc == 0 && key.mv_size == 1 + HASH_LEN &&
	    ((unsigned char *)key.mv_data)[0] == 'c') {
		memcpy(h, (unsigned char *)key.mv_data + 1, HASH_LEN);
		h[HASH_LEN] = '\0';
		if ((r = code_decode(&val, &code)) != 0)
			break;
		if (fn(h, &code, arg) != 0)
			break;
		rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = state_lmdb(rc);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return r;
}

int
state_hide_mark(struct state *st, const char *key_hash, uint64_t now_ms)
{
	unsigned char	 k[OWNER_KEY_MAX], when[8];
	MDB_txn		*txn;
	MDB_val		 key, val;
	int		 rc, r;

	if (!hash_ok(key_hash))
		return STATE_E_INVALID;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	le_encode(when, now_ms, sizeof(when));
	key.mv_data = k;
	key.mv_size = owner_key(k, 'x', key_hash);
	val.mv_data = when;
	val.mv_size = sizeof(when);
	if ((rc = mdb_put(txn, st->dbi[DB_OWNER], &key, &val, 0)) != 0)
		return state_abort(txn, state_lmdb(rc));
	return owner_commit(st, txn);
}

int
state_is_hidden(struct state *st, const char *key_hash, int *hidden)
{
	unsigned char	 k[OWNER_KEY_MAX];
	MDB_txn		*txn;
	MDB_val		 key, val;
	int		 rc, r;

	*hidden = 0;
	if (!hash_ok(key_hash))
		return STATE_E_INVALID;
	if (st->owner_absent)
		return 0;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	key.mv_data = k;
	key.mv_size = owner_key(k, 'x', key_hash);
	rc = mdb_get(txn, st->dbi[DB_OWNER], &key, &val);
	mdb_txn_abort(txn);
	if (rc == 0)
		*hidden = 1;
	else if (rc != MDB_NOTFOUND)
		return state_lmdb(rc);
	return 0;
}
