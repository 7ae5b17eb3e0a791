/*
 * Owner approvals by reply (doc/approvals.md): notices to the owner's
 * identity when a request is held (owner-notify.c), and the owner's
 * replies read by the watchers (owner.c): approve or drop by code,
 * freeze and thaw.  Neither a notice nor a reply ever reaches the agent:
 * each is marked in the state before it is sent or once it is consumed,
 * and the inbound veto (owner_install) hides what is marked, and every
 * owner's command, on every read path.
 */
#ifndef CARAPACE_OWNER_H
#define CARAPACE_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct call_env;
struct channel;

/* A reply code: OWNER_CODE_LEN characters of Crockford's base32. */
#define OWNER_CODE_LEN	8

/*
 * The key a message is marked under (hex SHA-256 into hash, 65 bytes):
 * channel, sender and text, text trimmed of white space at both ends
 * (addr_trim) and without carriage returns (a tool may give a text's
 * line ends as CRLF that was sent with LF).
 * sender: the normalised identity that wrote it, or NULL for what the
 * gateway's own account sent (a notice).
 */
void	 owner_message_key(const char *channel, const char *sender,
	    const char *text, char hash[65]);

/* owner-notify.c */
/*
 * A new random code (NUL-terminated, OWNER_CODE_LEN + 1 bytes), with at
 * least one letter and one digit.
 */
void	 owner_code_new(char *code);
/*
 * A code as the owner typed it, to the form it was stored under (hex
 * SHA-256 into hash): case, '-' and blanks ignored, O read as 0, I and
 * L as 1.  Returns 0, or -1 when it cannot be a code.
 */
int	 owner_code_hash(const char *typed, char hash[65]);
/*
 * Do the n bytes at s hold an ASCII letter and a digit?  Every code
 * does (owner_code_new), so a word without both is no code (owner.c).
 */
int	 owner_code_mixed(const char *s, size_t n);
/*
 * A request was just held (hold_id): tell the owner through each
 * approvals channel, within the notice rate; holds over the rate wait
 * for the next notice, which names every waiting hold.  Never fails the
 * hold: problems are logged and audited.
 */
void	 owner_notify_hold(struct call_env *, const char *hold_id);
/*
 * A watcher's periodic work on its channel: notices for waiting holds
 * when the rate allows, and expired codes (their holds dropped or kept,
 * per owner.approvals.on_expiry).
 */
void	 owner_tick(struct call_env *, const struct channel *,
	    uint64_t now_ms);

/* owner.c */
enum owner_cmd {
	OWNER_CMD_NONE = 0,
	OWNER_CMD_APPROVE,
	OWNER_CMD_DROP,
	OWNER_CMD_FREEZE,
	OWNER_CMD_THAW
};
/*
 * An owner's reply, parsed: approve/ok/yes CODE, drop/no/deny CODE,
 * freeze, thaw (any case, surrounding blanks and punctuation ignored);
 * the code as typed goes to code (codelen bytes).  OWNER_CMD_NONE for
 * anything else.
 */
enum owner_cmd owner_parse(const char *text, char *code, size_t codelen);
/*
 * In a process with state (handler, watcher): install the inbound veto
 * that hides the marked messages and the owner's commands.
 */
void	 owner_install(struct call_env *);
/*
 * A watcher read msg on ch: when it is the owner's command on an
 * approvals channel (the driver's owner_text), apply it, audit it, mark
 * it, and return 1 (consumed: never published); else 0.
 */
int	 owner_reply(struct call_env *, const struct channel *, json_t *msg);

#endif /* CARAPACE_OWNER_H */
