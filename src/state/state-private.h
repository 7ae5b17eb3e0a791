/*
 * What the state store's files share (state.c, holds.c), private to
 * src/state: the environment, its databases, the transaction helpers
 * and the batched walk.  Everyone else uses state.h.
 */
#ifndef CARAPACE_STATE_PRIVATE_H
#define CARAPACE_STATE_PRIVATE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <lmdb.h>

#define STATE_MAP_DEFAULT	(64ULL * 1024 * 1024)
#define STATE_MAXDBS		8
#define STATE_MAXREADERS	126
#define STATE_KEY_MAX		511	/* LMDB's maximum key size */
#define STATE_RATE_MAX		65536	/* most events one window may hold */
#define STATE_HOLD_SEQ_MAX	9999999999ULL	/* ten digits in a hold id */
#define STATE_WALK_BATCH	32	/* records per foreach transaction */
#define STATE_NAME_MAX		64	/* longest meta key */
#define STATE_INBOX_KEY		(STATE_CHANNEL_MAX + 8)	/* name, NUL, cursor */
#define STATE_CURSOR_MAX	((uint64_t)INT64_MAX)	/* a JSON integer */

/*
 * How records are stored, and what the audit hash covers: compact, keys
 * sorted bytewise, UTF-8 left as is.  Verification re-serialises each
 * stored record with the same flags, so both sides must use this.
 */
#define STATE_JSON_FLAGS	(JSON_COMPACT | JSON_SORT_KEYS)
#define STATE_JSON_LOAD		(JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

enum state_db {
	DB_META,
	DB_RATE,
	DB_HOLDS,
	DB_AUDIT,
	DB_INBOX,
	DB_OWNER,
	DB_COUNT
};

struct state {
	MDB_env		*env;
	MDB_dbi		 dbi[DB_COUNT];
	int		 rdonly;
	int		 inbox_absent;	/* read-only, store predates it */
	int		 owner_absent;	/* the same, for the owner's db */
	char		 wake[PATH_MAX];
};

struct walk_entry {
	unsigned char	 key[STATE_KEY_MAX];
	size_t		 keylen;
	json_t		*rec;		/* NULL if not a JSON object */
};

/* Returns 0 to go on, > 0 to stop, < 0 (a STATE_E_*) to fail. */
typedef int	(*walk_cb)(const unsigned char *, size_t, json_t *, void *);

struct foreach_arg {
	int		(*fn)(json_t *, void *);
	void		*arg;
};

/* Map an LMDB or errno return value to a STATE_E_* code. */
int		 state_lmdb(int);
/* Abort txn and return error, keeping errno for STATE_E_SYSTEM. */
int		 state_abort(MDB_txn *, int);
int		 state_begin(struct state *, unsigned int, MDB_txn **);
int		 state_fsync(struct state *);
/* Little-endian integers of width bytes. */
void		 le_encode(unsigned char *, uint64_t, size_t);
/*
 * In txn: *frozen non-zero when every channel is frozen or channel is
 * (NULL: every channel only).  0 or a STATE_E_*.
 */
int		 state_frozen_txn(struct state *, MDB_txn *, const char *channel,
		    int *frozen);
uint64_t	 le_decode(const unsigned char *, size_t);
/* A meta integer of width bytes, by name (and channel, or NULL). */
int		 meta_get(struct state *, MDB_txn *, const char *,
		    const char *, size_t, uint64_t *);
int		 meta_put(struct state *, MDB_txn *, const char *,
		    const char *, size_t, uint64_t);
/*
 * Call cb for each record of db from key start (all if startlen is 0)
 * whose key begins with the first prefixlen bytes of start.
 */
int		 state_walk(struct state *, enum state_db, const void *,
		    size_t, size_t, walk_cb, void *);
/*
 * Append record to the audit chain in txn (sets "seq", "prev", "hash");
 * 0 or a STATE_E_*, then record may be half set and txn must be aborted.
 */
int		 audit_append_txn(struct state *, MDB_txn *, json_t *);
/* A walk_cb calling a struct foreach_arg's fn with each record. */
int		 foreach_one(const unsigned char *, size_t, json_t *, void *);

#endif /* CARAPACE_STATE_PRIVATE_H */
