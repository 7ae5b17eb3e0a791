/*
 * The audit trail: one record per request, written before the request
 * is answered.  A record goes into the LMDB hash chain (state.h) and to
 * the configured sink (journald native protocol, syslog datagrams or
 * stderr).  If either cannot be written, audit_write fails and the
 * caller refuses the request.
 */
#ifndef CARAPACE_AUDIT_H
#define CARAPACE_AUDIT_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "conf.h"

struct state;
struct rate_request;

/*
 * What policy decided about a request, and what became of it.  0 is
 * "unset": the caller's default applies (call_audit), and a record that
 * still holds it, or any value outside the enum, is written as decision
 * "deny" / outcome "unknown", never as an allow.  The names are the
 * strings the records have always carried (tests and log readers grep
 * them): change a name only with every reader.
 */
enum audit_decision {
	AUDIT_DECISION_UNSET = 0,
	AUDIT_DECISION_ALLOW,
	AUDIT_DECISION_DENY,
	AUDIT_DECISION_HOLD,
	AUDIT_DECISION_INVALID,		/* not a well-formed request */
	AUDIT_DECISION_COUNT		/* not a decision: the table's size */
};

enum audit_outcome {
	AUDIT_OUTCOME_UNSET = 0,
	AUDIT_OUTCOME_OK,		/* answered (reads, status...) */
	AUDIT_OUTCOME_SENT,
	AUDIT_OUTCOME_REFUSED,
	AUDIT_OUTCOME_HELD,
	AUDIT_OUTCOME_FAILED,		/* the tool or daemon failed */
	AUDIT_OUTCOME_TIMEOUT,
	AUDIT_OUTCOME_LIMITED,		/* by a rate limit, ours or theirs */
	AUDIT_OUTCOME_DRAFTED,
	AUDIT_OUTCOME_TYPING,
	AUDIT_OUTCOME_TYPING_STOPPED,
	AUDIT_OUTCOME_READ,
	AUDIT_OUTCOME_REACTED,
	AUDIT_OUTCOME_DROPPED,		/* a hold the owner dropped */
	AUDIT_OUTCOME_HIDDEN,		/* an inbound message withheld */
	AUDIT_OUTCOME_DELIVERING,	/* the tool is about to act */
	AUDIT_OUTCOME_INTERRUPTED,	/* cut off mid-act: fate unknown */
	AUDIT_OUTCOME_COUNT		/* not an outcome: the table's size */
};

/*
 * The record's string for a decision or an outcome.  Never NULL:
 * "deny" for AUDIT_DECISION_UNSET or a value outside the enum (fail
 * closed), "unknown" for such an outcome.
 */
const char	*audit_decision_name(enum audit_decision);
const char	*audit_outcome_name(enum audit_outcome);

struct audit_event {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	const char	*client;	/* client name, NULL if none matched */
	const char	*method;	/* NULL when the request had none */
	const char	*channel;
	const char	*recipient;	/* normalised, where there is one */
	json_t		*recipients;	/* borrowed array of strings: every
					   recipient, when more than one
					   (then recipient is not written) */
	enum audit_decision decision;
	const char	*rule;		/* the rule or list entry that decided */
	enum audit_outcome outcome;
	const char	*reason;	/* human-readable cause */
	const char	*hold_id;
	int		 code;		/* JSON-RPC error code, 0 on success */
	json_t		*request_id;	/* borrowed; NULL for notifications */
	uint64_t	 delivery;	/* seq of the "delivering" record this
					   outcome answers, or 0 */
};

struct audit;

/*
 * Prepare the sink from cfg (connecting its socket) and remember st for
 * the hash chain (st may be NULL only for records that cannot reach the
 * state, e.g. when it failed to open: then audit_write fails).
 * Returns NULL with *cause set when the sink cannot be opened.
 */
struct audit	*audit_open(const struct config *cfg, struct state *st,
		    const char *ident, const char **cause);
void		 audit_close(struct audit *);
/*
 * Leave at least bytes of the state map free: a record that would eat
 * into them is not written (audit_write fails, the request is refused
 * unanswered-for).  The handler keeps this part of the map for the
 * owner's carapacectl, which sets none.
 */
void		 audit_set_floor(struct audit *, uint64_t bytes);

/*
 * Write one record.  Returns 0 once the chain holds it and the sink took
 * it; -1 otherwise (the caller must refuse what it was about to answer).
 */
int		 audit_write(struct audit *, const struct audit_event *);
/* audit_write that also gives the record's seq in the chain. */
int		 audit_write_seq(struct audit *, const struct audit_event *,
		    uint64_t *seq);
/*
 * audit_write_seq with the record and the charge of the rate windows
 * reqs committed in one state transaction (state_audit_append_charged,
 * with its STATE_APPEND_* flags: forced to disk before the sink is
 * written, refused when the record's channel, or every channel, is
 * frozen).  Returns 0
 * once the chain holds it (synced when asked) and the sink took it; 1
 * when a window is full (*which and *retry_ms set, nothing charged,
 * nothing written); 2 when the channel is frozen (nothing charged,
 * nothing written); -1 otherwise.
 */
int		 audit_write_charged(struct audit *, const struct audit_event *,
		    const struct rate_request *reqs, size_t n, uint64_t now_ms,
		    unsigned int flags, size_t *which, uint64_t *retry_ms,
		    uint64_t *seq);

/* Build the JSON form of a record (also used by tests). */
json_t		*audit_record(const struct audit_event *, uint64_t now_ms);

/*
 * journald native protocol: encode fields (each "KEY=value", value may
 * hold any bytes) into out; values containing '\n' use the binary-safe
 * form (KEY\n, 64-bit little-endian length, value, \n).  Returns 0, or
 * -1 if out's maximum was reached or a key is invalid (keys must be
 * upper-case letters, digits and '_', not starting with '_' or a digit).
 */
struct journal_field {
	const char	*key;
	const char	*value;
	size_t		 len;
};
int		 journal_encode(const struct journal_field *, size_t n,
		    struct buf *out);
/*
 * Send an encoded entry to the journal socket at path (a datagram
 * socket), passing it in a sealed memfd when it is too large for a
 * datagram.  Returns 0 or -1 with errno set.
 */
int		 journal_send(int fd, const char *path, const struct buf *entry);

#endif /* CARAPACE_AUDIT_H */
