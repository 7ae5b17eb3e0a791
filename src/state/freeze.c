/*
 * The owner's freeze flags, in the meta database: "frozen" (every
 * channel) and "frozen", a NUL and a channel's name (that channel),
 * each holding when it was set (8 bytes, little-endian ms).  A key that
 * is present means frozen, whatever its value holds: a damaged flag
 * still stops sends.  Flags are set and cleared in one short write
 * transaction each, synced before the owner is told (a freeze that a
 * power cut could undo is no freeze); they are read in a read-only
 * transaction, on every outbound request.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "compat.h"
#include "state.h"
#include "state-private.h"

#define FROZEN_NAME	"frozen"
#define FROZEN_LEN	(sizeof(FROZEN_NAME) - 1)

struct frozen_entry {
	char		 channel[STATE_CHANNEL_MAX];	/* "" for all */
	uint64_t	 since_ms;
};

static size_t	frozen_key(unsigned char [STATE_NAME_MAX], const char *);
static int	frozen_flag(const MDB_val *);
static int	frozen_get(struct state *, MDB_txn *, const char *, int *);

/*
 * The flag's key for channel (NULL: every channel); 0 when channel is
 * not a channel name (1 to STATE_CHANNEL_MAX - 1 bytes of [a-z0-9_-]).
 */
static size_t
frozen_key(unsigned char key[STATE_NAME_MAX], const char *channel)
{
	size_t	len;

	memcpy(key, FROZEN_NAME, FROZEN_LEN);
	if (channel == NULL)
		return FROZEN_LEN;
	len = strlen(channel);
	if (len == 0 || len >= STATE_CHANNEL_MAX ||
	    strspn(channel, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len)
		return 0;
	key[FROZEN_LEN] = '\0';
	memcpy(key + FROZEN_LEN + 1, channel, len);
	return FROZEN_LEN + 1 + len;
}

/*
 * Is key a flag's?  Bytewise, "frozen" sorts first, then every
 * "frozen", NUL, channel: the flags are one run of keys.
 */
static int
frozen_flag(const MDB_val *key)
{
	const unsigned char	*k = key->mv_data;

	if (key->mv_size < FROZEN_LEN ||
	    memcmp(k, FROZEN_NAME, FROZEN_LEN) != 0)
		return 0;
	return key->mv_size == FROZEN_LEN ||
	    (key->mv_size > FROZEN_LEN + 1 &&
	    key->mv_size < FROZEN_LEN + 1 + STATE_CHANNEL_MAX &&
	    k[FROZEN_LEN] == '\0');
}

static int
frozen_get(struct state *st, MDB_txn *txn, const char *channel, int *frozen)
{
	unsigned char	 buf[STATE_NAME_MAX];
	MDB_val		 key, val;
	int		 rc;

	key.mv_data = buf;
	if ((key.mv_size = frozen_key(buf, channel)) == 0)
		return STATE_E_INVALID;
	rc = mdb_get(txn, st->dbi[DB_META], &key, &val);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return state_lmdb(rc);
	*frozen = 1;
	return 0;
}

int
state_frozen_txn(struct state *st, MDB_txn *txn, const char *channel,
    int *frozen)
{
	int	r;

	*frozen = 0;
	r = frozen_get(st, txn, NULL, frozen);
	if (r == 0 && !*frozen && channel != NULL)
		r = frozen_get(st, txn, channel, frozen);
	if (r != 0)
		*frozen = 0;
	return r;
}

int
state_frozen(struct state *st, const char *channel, int *frozen)
{
	MDB_txn	*txn;
	int	 r;

	if (frozen != NULL)
		*frozen = 0;
	if (st == NULL || frozen == NULL)
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	r = state_frozen_txn(st, txn, channel, frozen);
	mdb_txn_abort(txn);
	return r;
}

int
state_freeze_set(struct state *st, const char *channel, int frozen,
    uint64_t now_ms)
{
	unsigned char	 buf[STATE_NAME_MAX], when[8];
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 key, val;
	int		 rc, r;

	if (st == NULL)
		return STATE_E_INVALID;
	key.mv_data = buf;
	if ((key.mv_size = frozen_key(buf, channel)) == 0)
		return STATE_E_INVALID;
	if ((r = state_begin(st, 0, &txn)) != 0)
		return r;
	if (frozen) {
		/* Already frozen: it stays frozen since the first time. */
		le_encode(when, now_ms, sizeof(when));
		val.mv_data = when;
		val.mv_size = sizeof(when);
		rc = mdb_put(txn, st->dbi[DB_META], &key, &val,
		    MDB_NOOVERWRITE);
		if (rc == MDB_KEYEXIST) {
			mdb_txn_abort(txn);
			return 0;
		}
	} else if (channel != NULL) {
		rc = mdb_del(txn, st->dbi[DB_META], &key, NULL);
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			return 0;
		}
	} else {
		/*
		 * Thawing every channel clears every flag.  After a delete,
		 * MDB_NEXT gives the record that followed the deleted one.
		 */
		if ((rc = mdb_cursor_open(txn, st->dbi[DB_META], &cur)) != 0)
			return state_abort(txn, state_lmdb(rc));
		for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
		    rc == 0 && frozen_flag(&key);
		    rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	if (rc != 0)
		return state_abort(txn, state_lmdb(rc));
	if ((rc = mdb_txn_commit(txn)) != 0)
		return state_lmdb(rc);
	return state_fsync(st);
}

int
state_freeze_foreach(struct state *st,
    int (*fn)(const char *channel, uint64_t since_ms, void *arg), void *arg)
{
	struct frozen_entry	*list = NULL, *grown;
	MDB_txn			*txn;
	MDB_cursor		*cur;
	MDB_val			 key, val;
	size_t			 n = 0, cap = 0, i, len;
	int			 rc, r;

	if (st == NULL || fn == NULL)
		return STATE_E_INVALID;
	if ((r = state_begin(st, MDB_RDONLY, &txn)) != 0)
		return r;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_META], &cur)) != 0)
		return state_abort(txn, state_lmdb(rc));
	key.mv_data = (void *)(uintptr_t)FROZEN_NAME;
	key.mv_size = FROZEN_LEN;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	    rc == 0 && frozen_flag(&key);
	    rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		len = key.mv_size - FROZEN_LEN;
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((grown = reallocarray(list, cap,
			    sizeof(*list))) == NULL) {
				rc = ENOMEM;
				break;
			}
			list = grown;
		}
		memset(&list[n], 0, sizeof(list[n]));
		if (len > 0)
			memcpy(list[n].channel, (char *)key.mv_data +
			    FROZEN_LEN + 1, len - 1);
		if (val.mv_size == 8)
			list[n].since_ms = le_decode(val.mv_data, 8);
		n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(list);
		return state_lmdb(rc);
	}
	/* Outside the transaction: fn may call state functions. */
	for (i = 0, r = 0; r == 0 && i < n; i++)
		r = fn(list[i].channel[0] != '\0' ? list[i].channel : NULL,
		    list[i].since_ms, arg) != 0;
	free(list);
	return 0;
}
