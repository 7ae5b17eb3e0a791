/*
 * Durable gateway state in one LMDB environment under state_dir:
 * schema version, rate-limit windows, the holds queue, the audit hash
 * chain, the inbox and the watchers' resume positions.
 *
 * One struct state per process; never carried across fork().  All
 * functions return 0 on success or a negative STATE_E_* code; see
 * state_strerror().  Transactions are short and internal.
 */
#ifndef CARAPACE_STATE_H
#define CARAPACE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define STATE_SCHEMA_VERSION	1

#define STATE_E_SYSTEM		-1	/* errno is set */
#define STATE_E_FULL		-2	/* the LMDB map is full */
#define STATE_E_NOTFOUND	-3
#define STATE_E_CORRUPT		-4	/* malformed record */
#define STATE_E_SCHEMA		-5	/* unknown schema version */
#define STATE_E_LMDB		-6	/* other LMDB failure */
#define STATE_E_PERM		-7	/* state_dir ownership/mode wrong */
#define STATE_E_INVALID		-8	/* bad argument */
#define STATE_E_LIMITED		-9	/* rate limit reached */
#define STATE_E_FROZEN		-12	/* the owner froze the channel */

struct state;

#define STATE_RDONLY	0x01	/* open read-only (carapacectl audit) */

/*
 * Open (creating if needed) the environment in dir.  dir must exist,
 * be owned by the calling user and not be group/world writable
 * (STATE_E_PERM otherwise).  map_size 0 means the default (64 MiB).
 * A read-write open also creates the inbox wake file if missing
 * (STATE_E_SYSTEM if it cannot, e.g. a link or a FIFO in its place).
 */
int		 state_open(const char *dir, uint64_t map_size, int flags,
		    struct state **out);
void		 state_close(struct state *);
const char	*state_strerror(int);

/*
 * Is there room for at least bytes more in the map?  0, or STATE_E_FULL.
 * Checked before anything irreversible (a send) so that the request's
 * audit record, written afterwards, cannot be refused for want of space.
 */
int		 state_headroom(struct state *, size_t bytes);

/*
 * Bytes of the map in use (pages up to the last one written, less the
 * free pages LMDB will reuse) and the map's size.  0 or a STATE_E_*.
 */
int		 state_usage(struct state *, uint64_t *used, uint64_t *mapsize);

/* Force what was committed so far to disk (fsync). */
int		 state_sync(struct state *);

/* One window to charge: key is opaque (e.g. "imsg|recipient|+1415..."). */
struct rate_request {
	const char	*key;
	unsigned int	 max;
	uint64_t	 window_ms;
};

/*
 * Charge one event against every window in reqs atomically (one write
 * transaction, so exact across processes): either all windows have room
 * and each records now_ms, or none is charged, the call returns
 * STATE_E_LIMITED, *which is the index of the first full window and
 * *retry_ms how long until it has room.  Sliding-window semantics: at
 * most max events in any window_ms interval.
 */
int		 state_rate_take(struct state *, const struct rate_request *reqs,
		    size_t n, uint64_t now_ms, size_t *which,
		    uint64_t *retry_ms);
/*
 * state_rate_take's answer without charging anything (a read-only
 * transaction, no write lock, no flush): 0 if every window has room now,
 * else STATE_E_LIMITED with *which and *retry_ms as above.  Advisory
 * only: another process may fill a window before the caller charges it,
 * so the charge itself must still be taken with state_rate_take or
 * state_audit_append_charged, which check again.
 */
int		 state_rate_peek(struct state *, const struct rate_request *reqs,
		    size_t n, uint64_t now_ms, size_t *which,
		    uint64_t *retry_ms);

/*
 * Holds queue (dead-letter queue).  hold is a JSON object; state adds
 * "id" (a new unique string) and "created_ms" and stores it, durably
 * (synced before returning).  The id is written to id_out.
 */
#define STATE_HOLD_ID_MAX	32
int		 state_hold_put(struct state *, json_t *hold, uint64_t now_ms,
		    char *id_out, size_t id_len);
/* *out gets a new reference to the stored object. */
int		 state_hold_get(struct state *, const char *id, json_t **out);
/* Calls fn for each hold in id order until fn returns non-zero. */
int		 state_hold_foreach(struct state *,
		    int (*fn)(json_t *hold, void *arg), void *arg);
/* Remove the hold and its claim (durable).  STATE_E_NOTFOUND if absent. */
int		 state_hold_del(struct state *, const char *id);

/*
 * One decision at a time on a hold (the owner at the terminal, the
 * owner's reply, an expiry): claim it before acting, in one synced write
 * transaction.  STATE_E_NOTFOUND when there is no such hold;
 * STATE_E_BUSY when another claim younger than lease_ms holds it (one
 * older belongs to a decider that died: its hold's fate is for the
 * owner to see, and it may be claimed again).  state_hold_del removes the
 * claim with the hold; state_hold_unclaim releases it (the hold stays).
 * state_hold_claimed: *claimed 1 while a claim younger than lease_ms
 * stands.
 */
#define STATE_E_BUSY		-11	/* another decision is under way */
int		 state_hold_claim(struct state *, const char *id,
		    uint64_t now_ms, uint64_t lease_ms);
int		 state_hold_unclaim(struct state *, const char *id);
int		 state_hold_claimed(struct state *, const char *id,
		    uint64_t now_ms, uint64_t lease_ms, int *claimed);

/*
 * What holds may take: per client (the hold's "client" member) at most
 * count holds and bytes bytes, and all holds together at most
 * total_bytes.  A hold's size is its stored record plus its integer
 * "spool_bytes" member (the attachments it keeps in the spool).  0
 * means no limit.  reserve: bytes of the map the hold must leave free.
 */
struct state_hold_limits {
	uint64_t	 count;
	uint64_t	 bytes;
	uint64_t	 total_bytes;
	uint64_t	 reserve;
};
#define STATE_HOLD_COUNT	1	/* *which: the client's count */
#define STATE_HOLD_BYTES	2	/* the client's bytes */
#define STATE_HOLD_TOTAL	3	/* all holds' bytes */
#define STATE_HOLD_RESERVE	4	/* the map's reserve */

/*
 * state_hold_put within limits, checked and charged in the same write
 * transaction (exact across processes).  Over a limit: STATE_E_LIMITED
 * with *which one of STATE_HOLD_*, and nothing stored.  The per-client
 * and total counts are kept in the meta records "holds" (count and
 * bytes, per client and in total) and released by state_hold_del.
 */
int		 state_hold_put_limited(struct state *, json_t *hold,
		    uint64_t now_ms, const struct state_hold_limits *,
		    int *which, char *id_out, size_t id_len);
/* Holds and their bytes, of client (NULL: all clients). */
int		 state_hold_usage(struct state *, const char *client,
		    uint64_t *count, uint64_t *bytes);

/*
 * Audit hash chain.  record is a JSON object without "seq", "prev" or
 * "hash"; state_audit_append sets "seq" (1, 2, ...), "prev" (hex SHA-256
 * of the previous record, 64 zeros for the first) and "hash" (hex
 * SHA-256 over the record's compact, key-sorted serialisation without
 * "hash") in one write transaction, so concurrent writers form one
 * chain.
 */
#define STATE_HASH_HEX	65
int		 state_audit_append(struct state *, json_t *record);
/*
 * What a delivery commits before its tool runs, in one write transaction
 * (one flush): charge every window in reqs as state_rate_take does, and
 * append record as state_audit_append does.  If a window is full,
 * nothing is charged and nothing appended: STATE_E_LIMITED with *which
 * and *retry_ms as state_rate_take (which and retry_ms may be NULL only
 * when n is 0).  flags: STATE_APPEND_SYNC, once committed, forces it to
 * disk (state_sync), so that the record survives a power cut; a failure
 * to sync is returned although the transaction is committed.
 * STATE_APPEND_UNFROZEN refuses, in the same transaction, when the
 * owner froze every channel or the record's "channel" (STATE_E_FROZEN,
 * nothing charged or appended; a record without a channel name is
 * STATE_E_INVALID): a freeze committed before the delivery stops it,
 * whenever the caller last looked.  On any error other than
 * a failed sync the record is left without "seq", "prev" and "hash".
 */
#define STATE_APPEND_SYNC	0x1
#define STATE_APPEND_UNFROZEN	0x2
int		 state_audit_append_charged(struct state *, json_t *record,
		    const struct rate_request *reqs, size_t n, uint64_t now_ms,
		    unsigned int flags, size_t *which, uint64_t *retry_ms);

/*
 * Walk the chain from its base (seq 1, or the first record after the
 * archived ones).  Returns 0 if every link holds, else
 * STATE_E_CORRUPT with *bad_seq the first record whose hash or prev
 * link is wrong (or whose seq is out of order) and *count the records
 * checked; cause gets a short description.
 */
int		 state_audit_verify(struct state *, uint64_t *count,
		    uint64_t *bad_seq, char *cause, size_t causelen);

/*
 * Archiving.  The records up to seq `upto` (which must be below the
 * newest, so the chain keeps its head) are removed in short write
 * transactions, oldest first, each moving the chain's base (the seq
 * and hash of the newest removed record, kept in meta) with it: what
 * remains verifies from the base on.  The caller has saved the records
 * first (state_audit_foreach).  upto_hash must be the hash of record
 * upto (else STATE_E_INVALID): what was saved is what is removed.
 * *removed gets the number removed.
 */
int		 state_audit_prune(struct state *, uint64_t upto,
		    const char *upto_hash, uint64_t *removed);
/*
 * The chain's base: the seq and hash of the newest archived record (0
 * and 64 zeros when none was archived).  hash holds STATE_HASH_HEX.
 */
int		 state_audit_base(struct state *, uint64_t *seq, char *hash);

/*
 * Check an archive (one record a line, as state_audit_foreach gives
 * them) the way state_audit_verify checks the chain: it must start
 * right after *seq with prev equal to hash (64 zeros and 0 for the
 * first archive), every link holding.  On success *seq and hash move to
 * its last record, so archives are checked in order and the last one
 * must end at the chain's base.  0, or STATE_E_CORRUPT with *bad_seq
 * and cause as state_audit_verify.
 */
int		 state_audit_verify_lines(FILE *, uint64_t *seq, char *hash,
		    uint64_t *count, uint64_t *bad_seq, char *cause,
		    size_t causelen);

/* Calls fn for each audit record from seq `from` on. */
int		 state_audit_foreach(struct state *, uint64_t from,
		    int (*fn)(json_t *rec, void *arg), void *arg);

/*
 * Inbox.  Each channel has its own sequence of cursors, strictly
 * increasing.  Watchers publish what inbound policy lets through;
 * handlers read from a cursor on.  A watcher's own resume position in
 * its tool's stream is stored in the same transaction as the message it
 * produced, so a crash or restart neither loses nor repeats a message.
 * A channel name is 1 to STATE_CHANNEL_MAX - 1 bytes of [a-z0-9_-] (else
 * STATE_E_INVALID); cursors start at 1 and stay below 2^63, so that they
 * fit a JSON integer.
 */
#define STATE_CHANNEL_MAX	32	/* longest channel name + 1 */
#define STATE_POSITION_MAX	256	/* longest watcher position + 1 */

/*
 * In one write transaction: store msg (a JSON object; NULL when the
 * message was hidden by policy and only the position moves) under a new
 * cursor for channel, and record position as the watcher's resume
 * point.  The cursor is cursor_hint when that is larger than every
 * earlier cursor of the channel (imsg uses its rowids), else the last
 * cursor + 1; the cursors of messages removed by retention are never
 * reused.  position NULL leaves the stored one as it is.  *cursor_out
 * (may be NULL) gets the cursor, 0 when msg is NULL or on error.  After
 * the commit, when a message was stored, the inbox wake file is touched
 * so that subscribers wake (a failure to touch is only logged).
 * STATE_E_INVALID also for a message that could not be read back (too
 * deeply nested); STATE_E_FULL when the map is full or the channel's
 * cursors are exhausted.  On error nothing is stored, position included.
 * Not synced: a committed publish survives a crash of the process; a
 * power cut may lose the last few, messages and positions together.
 */
int		 state_inbox_publish(struct state *, const char *channel,
		    json_t *msg, uint64_t cursor_hint, uint64_t now_ms,
		    const char *position, uint64_t *cursor_out);

/*
 * The watcher's resume position for channel; "" when none yet.
 * STATE_E_INVALID (and "") when it does not fit in outlen.
 */
int		 state_watch_position(struct state *, const char *channel,
		    char *out, size_t outlen);

/* The last cursor published on channel (0 if none). */
int		 state_inbox_last(struct state *, const char *channel,
		    uint64_t *cursor);

/*
 * Call fn for up to limit (0: no limit) messages of channel with
 * cursor > since, in cursor order, until fn returns non-zero (still a
 * success).  msg is borrowed.  fn runs outside any transaction and may
 * call state functions.  STATE_E_CORRUPT at a malformed record, after
 * the messages before it were passed to fn.
 */
int		 state_inbox_read(struct state *, const char *channel,
		    uint64_t since, size_t limit,
		    int (*fn)(uint64_t cursor, json_t *msg, void *arg),
		    void *arg);

/*
 * Retention: remove the oldest messages of channel beyond max_count
 * (0: no count limit) or published more than max_age_ms ago (0: no age
 * limit), at most batch per call (short write transactions, so writers
 * are never held up for long; batch must be at least 1).  *removed gets
 * the number removed; call again while it equals batch.
 */
int		 state_inbox_compact(struct state *, const char *channel,
		    size_t max_count, uint64_t max_age_ms, uint64_t now_ms,
		    size_t batch, size_t *removed);

/*
 * The file touched after every publish of a message (state_dir/
 * inbox.wake, created 0600 by a read-write state_open): subscribers
 * watch it (inotify IN_MODIFY, kqueue NOTE_WRITE) to sleep until the
 * inbox changes, and re-read on a timer too.  Returns its path.
 */
const char	*state_inbox_wake_path(struct state *);

/*
 * Owner approvals (owner.c).  A hold the owner was told of gets a reply
 * code: random, single-use, bound to that hold, expiring.  The store
 * keeps only the code's SHA-256 (hex), never the code, so a copy of the
 * state gives no code away.  What the gateway sent the owner (notices)
 * and what it consumed from the owner (replies) are kept as keys the
 * inbound filter asks about, so that the agent never reads either.
 */
#define STATE_E_EXPIRED		-10	/* the code's time is over */

struct state_code {
	char		 hold_id[STATE_HOLD_ID_MAX];
	char		 channel[32];	/* where the notice went */
	uint64_t	 created_ms;
	uint64_t	 expires_ms;
};

/*
 * Store code_hash (STATE_HASH_HEX - 1 hex digits) for code->hold_id,
 * replacing the hold's earlier code if it had one (a later notice
 * supersedes it).  Durable (synced) before it returns: a notice is only
 * sent once its code is stored.  STATE_E_INVALID for a malformed hash.
 */
int		 state_code_put(struct state *, const char *code_hash,
		    const struct state_code *code);
/*
 * What the code is bound to, in *out.  STATE_E_NOTFOUND when no such
 * code is stored; STATE_E_EXPIRED when its time is over at now_ms (*out
 * filled all the same).  Nothing changes: a code is used up when its
 * hold is decided (holds_decide forgets it, under the hold's claim), so
 * a second use finds nothing, and a delivery that failed leaves it for
 * the owner to try again.
 */
int		 state_code_find(struct state *, const char *code_hash,
		    uint64_t now_ms, struct state_code *out);
/*
 * The live code of a hold, if any: 0 with *out (and hash, which holds
 * STATE_HASH_HEX, when not NULL), else STATE_E_NOTFOUND.
 */
int		 state_code_of_hold(struct state *, const char *hold_id,
		    struct state_code *out, char *hash);
/* Forget the code of a hold (approved or dropped otherwise). */
int		 state_code_forget(struct state *, const char *hold_id);
/*
 * Call fn for each stored code, in no particular order, until fn
 * returns non-zero.  fn may not call state functions that write; it
 * collects what it needs and acts afterwards.
 */
int		 state_code_foreach(struct state *,
		    int (*fn)(const char *hash, const struct state_code *,
		    void *), void *arg);

/*
 * Messages the agent must not read: key_hash (hex SHA-256 of what
 * identifies the message; see the handler's owner.c) is marked at
 * now_ms.  Durable.  state_is_hidden: *hidden 1 when marked, else 0 (a store
 * that predates the marks has none).
 */
int		 state_hide_mark(struct state *, const char *key_hash,
		    uint64_t now_ms);
int		 state_is_hidden(struct state *, const char *key_hash,
		    int *hidden);

/*
 * The owner's freeze (carapacectl freeze, or "freeze" from the owner's
 * phone): while a channel is frozen, or every channel is, the gateway
 * refuses everything outbound on it.  channel NULL means every channel;
 * else a channel name as for the inbox (STATE_E_INVALID otherwise).
 */

/*
 * Freeze (frozen non-zero) or thaw channel.  Thawing every channel
 * (NULL) clears every flag, the channels' own included; thawing one
 * channel clears its own flag only (every channel may still be frozen).
 * Freezing what is frozen keeps the time it was first frozen.  Durable:
 * synced before returning.
 */
int		 state_freeze_set(struct state *, const char *channel,
		    int frozen, uint64_t now_ms);
/*
 * *frozen non-zero when channel is frozen, or every channel is (channel
 * NULL: whether every channel is).  A read-only transaction, no lock,
 * no flush: cheap enough for every outbound request.  A store that
 * predates the flags reads as not frozen.  0, or a STATE_E_* with
 * *frozen 0 (the caller must then refuse, not send).
 */
int		 state_frozen(struct state *, const char *channel,
		    int *frozen);
/*
 * Call fn for each flag that is set: channel NULL for every channel
 * (first), then each frozen channel by name, with the time it was
 * frozen (ms; 0 if unknown).  fn runs outside any transaction; it
 * returns non-zero to stop (still a success).
 */
int		 state_freeze_foreach(struct state *,
		    int (*fn)(const char *channel, uint64_t since_ms,
		    void *arg), void *arg);

#endif /* CARAPACE_STATE_H */
