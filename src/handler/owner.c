/*
 * Approvals by reply (doc/approvals.md): the owner's commands read by a
 * watcher (approve or drop a hold by its code, freeze, thaw), and the
 * inbound veto that keeps every notice and every command from the
 * agent.  A command counts only when the channel's driver says the
 * owner's identity wrote it and the account did not (owner_text); the
 * words are few and strict, so that the owner's ordinary messages are
 * never taken for one.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "audit.h"
#include "freeze.h"
#include "call.h"
#include "channel.h"
#include "handler.h"
#include "log.h"
#include "owner.h"
#include "policy.h"
#include "state.h"
#include "util.h"

/* Longer than any command with its code: ordinary text, not read. */
#define OWNER_TEXT_MAX	128
#define OWNER_TEXTS	16	/* a message with more is hidden */
#define CANDIDATE_MAX	16	/* a word longer is no code */
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static int	 owner_veto(const struct config *, const struct channel *,
		    json_t *);
static int	 code_shaped(const char *, size_t);
static int	 live_code(struct state *, const char *);
static int	 live_candidate(struct state *, const char *, size_t,
		    const char *, size_t);
static enum owner_cmd verb(const char *, size_t);
static void	 owner_audit(struct call_env *, const struct channel *,
		    const char *, const char *, const char *, const char *,
		    const char *);
static void	 owner_decide(struct call_env *, const struct channel *,
		    const char *, const char *, int, const char *);

/* The process's env, for the veto: set once by owner_install. */
static struct call_env	*owner_env;

static const struct {
	const char	*word;
	enum owner_cmd	 cmd;
} owner_words[] = {
	{ "approve", OWNER_CMD_APPROVE },
	{ "ok", OWNER_CMD_APPROVE },
	{ "okay", OWNER_CMD_APPROVE },
	{ "yes", OWNER_CMD_APPROVE },
	{ "y", OWNER_CMD_APPROVE },
	{ "drop", OWNER_CMD_DROP },
	{ "no", OWNER_CMD_DROP },
	{ "deny", OWNER_CMD_DROP },
	{ "n", OWNER_CMD_DROP },
	{ "freeze", OWNER_CMD_FREEZE },
	{ "thaw", OWNER_CMD_THAW },
};

static int
blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
trailing(int c)
{
	return blank(c) || c == '.' || c == '!' || c == '?' || c == ',' ||
	    c == ';' || c == ':';
}

static enum owner_cmd
verb(const char *w, size_t n)
{
	size_t	i;

	for (i = 0; i < NITEMS(owner_words); i++)
		if (strlen(owner_words[i].word) == n &&
		    strncasecmp(owner_words[i].word, w, n) == 0)
			return owner_words[i].cmd;
	return OWNER_CMD_NONE;
}

/*
 * A word that can be a code as typed: OWNER_CODE_LEN letters and digits
 * of Crockford's base32 (U is not one; I, L and O are read as 1 and 0),
 * '-' anywhere between them.
 */
static int
code_shaped(const char *w, size_t n)
{
	size_t	i, count = 0;

	for (i = 0; i < n; i++) {
		if (w[i] == '-')
			continue;
		if (!isascii((unsigned char)w[i]) ||
		    !isalnum((unsigned char)w[i]) ||
		    w[i] == 'u' || w[i] == 'U')
			return 0;
		count++;
	}
	return count == OWNER_CODE_LEN;
}

/*
 * Strict on purpose: the verb is the first word, freeze and thaw stand
 * alone, approve and drop take code-shaped words only ("no problem" and
 * "ok, thanks" stay the owner's own conversation).  Several codes make
 * a command with no usable code (code is ""): it is refused and
 * audited, never applied to one of them, and never shown.  Anything not
 * ASCII (a look-alike letter, a non-breaking space) makes it no
 * command.
 */
enum owner_cmd
owner_parse(const char *text, char *code, size_t codelen)
{
	const char	*p, *end, *w;
	enum owner_cmd	 cmd;
	size_t		 n, len, words = 0;

	if (codelen > 0)
		code[0] = '\0';
	if (text == NULL || (len = strlen(text)) > OWNER_TEXT_MAX)
		return OWNER_CMD_NONE;
	for (p = text; *p != '\0'; p++)
		if (!isascii((unsigned char)*p) ||
		    (iscntrl((unsigned char)*p) && !blank(*p)))
			return OWNER_CMD_NONE;
	p = text;
	while (blank(*p))
		p++;
	end = text + len;
	while (end > p && trailing(end[-1]))
		end--;
	n = strcspn(p, " \t\r\n");
	if (n > (size_t)(end - p))
		n = (size_t)(end - p);
	if ((cmd = verb(p, n)) == OWNER_CMD_NONE)
		return OWNER_CMD_NONE;
	p += n;
	while (p < end) {
		while (p < end && blank(*p))
			p++;
		if (p == end)
			break;
		w = p;
		while (p < end && !blank(*p))
			p++;
		if (cmd == OWNER_CMD_FREEZE || cmd == OWNER_CMD_THAW ||
		    !code_shaped(w, (size_t)(p - w)))
			return OWNER_CMD_NONE;
		if (++words == 1 && (size_t)(p - w) < codelen) {
			memcpy(code, w, (size_t)(p - w));
			code[p - w] = '\0';
		} else if (codelen > 0)
			code[0] = '\0';
	}
	if ((cmd == OWNER_CMD_APPROVE || cmd == OWNER_CMD_DROP) && words == 0)
		return OWNER_CMD_NONE;
	return cmd;
}

/*
 * Is w (n bytes), followed by v (m bytes, may be 0), a code still bound
 * to a hold?  A code has a letter and a digit (owner_code_new), which
 * keeps ordinary words from costing a hash.  A state that cannot say
 * counts as yes.
 */
static int
live_candidate(struct state *st, const char *w, size_t n, const char *v,
    size_t m)
{
	struct state_code	 sc;
	char			 word[2 * CANDIDATE_MAX + 1], hash[65];
	int			 r;

	if (n + m > 2 * CANDIDATE_MAX)
		return 0;
	memcpy(word, w, n);
	if (m > 0)
		memcpy(word + n, v, m);
	word[n + m] = '\0';
	r = owner_code_mixed(word, n + m) && owner_code_hash(word, hash) == 0;
	explicit_bzero(word, sizeof(word));
	if (!r)
		return 0;
	r = state_code_find(st, hash, 0, &sc);
	explicit_bzero(hash, sizeof(hash));
	return r != STATE_E_NOTFOUND;
}

/*
 * Does text carry a code still bound to a hold, however it is written
 * around it: in a sentence, quoted, after "> ", with '-' or as two
 * halves ("K7QX 2M9P")?  Words are runs of ASCII letters, digits and
 * '-'; a candidate is one word, or two adjacent words of four.  Whoever
 * wrote it, it is hidden while its code can still decide a hold.
 */
static int
live_code(struct state *st, const char *text)
{
	const char	*p = text, *w, *prev = NULL;
	size_t		 n, prevn = 0;

	for (;;) {
		while (*p != '\0' && !isalnum((unsigned char)*p) && *p != '-')
			p++;
		if (*p == '\0')
			return 0;
		w = p;
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
		n = (size_t)(p - w);
		if (n <= CANDIDATE_MAX && live_candidate(st, w, n, NULL, 0))
			return 1;
		if (prev != NULL && prevn == 4 && n == 4 &&
		    live_candidate(st, prev, prevn, w, n))
			return 1;
		prev = w;
		prevn = n;
	}
}

/*
 * 1 hides msg: a notice (any text of msg marked as sent by the gateway),
 * a consumed reply, a command the owner wrote on an approvals channel
 * (whether consumed yet or not), and on any channel a text that carries
 * a live code (live_code) or, on an approvals channel, reads as approve
 * or drop with a code, whoever wrote it (the owner in a group, a quote
 * of a notice or a reply, a stranger's guess): a code is never shown,
 * wherever it turns up.  Hidden as well when the state cannot say, and a
 * message with more texts than the veto reads.
 */
static int
owner_veto(const struct config *cfg, const struct channel *ch, json_t *msg)
{
	const struct channel_driver	*d = ch->driver;
	const char			*texts[OWNER_TEXTS], *text, *identity;
	char				 key[65], code[64];
	size_t				 i, n;
	int				 hidden, cmd, approvals;

	if (owner_env == NULL || d == NULL)
		return 0;
	n = d->texts != NULL ? d->texts(msg, texts, OWNER_TEXTS) : 0;
	if (n == OWNER_TEXTS)
		return 1;
	approvals = (cfg->owner.approvals & (1U << ch->id)) != 0;
	for (i = 0; i < n; i++) {
		owner_message_key(d->name, NULL, texts[i], key);
		if (state_is_hidden(owner_env->state, key, &hidden) != 0 ||
		    hidden || live_code(owner_env->state, texts[i]))
			return 1;
		if (approvals) {
			cmd = owner_parse(texts[i], code, sizeof(code));
			explicit_bzero(code, sizeof(code));
			if (cmd == OWNER_CMD_APPROVE || cmd == OWNER_CMD_DROP)
				return 1;
		}
	}
	identity = cfg->owner.identity[ch->id];
	if (identity == NULL || d->owner_text == NULL ||
	    !d->owner_text(cfg, ch, msg, identity, &text))
		return 0;
	if (approvals) {
		cmd = owner_parse(text, code, sizeof(code));
		explicit_bzero(code, sizeof(code));
		if (cmd != OWNER_CMD_NONE)
			return 1;
	}
	owner_message_key(d->name, identity, text, key);
	return state_is_hidden(owner_env->state, key, &hidden) != 0 || hidden;
}

void
owner_install(struct call_env *env)
{
	/* Without approvals no code is live and nothing is marked anew. */
	if (env->cfg->owner.approvals == 0)
		return;
	owner_env = env;
	inbound_set_veto(owner_veto);
}

/* One record of a command that changed nothing (never its code). */
static void
owner_audit(struct call_env *env, const struct channel *ch, const char *by,
    const char *method, const char *rule, const char *reason,
    const char *hold_id)
{
	struct audit_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.uid = env->peer.uid;
	ev.gid = env->peer.gid;
	ev.pid = env->peer.pid;
	ev.client = by;
	ev.method = method;
	ev.channel = ch->driver->name;
	ev.recipient = env->cfg->owner.identity[ch->id];
	ev.decision = AUDIT_DECISION_DENY;
	ev.rule = rule;
	ev.outcome = AUDIT_OUTCOME_REFUSED;
	ev.reason = reason;
	ev.hold_id = hold_id;
	if (audit_write(env->audit, &ev) == -1)
		log_warnx("%s: audit record of %s not written",
		    ch->driver->name, method);
}

/*
 * approve or drop by code.  The code is bound to its hold, not to the
 * channel its notice went through: the owner may answer on any
 * approvals channel (the same person, wherever they were told).
 */
static void
owner_decide(struct call_env *env, const struct channel *ch, const char *by,
    const char *code, int approve, const char *method)
{
	struct state_code	 sc;
	json_t			*hold = NULL;
	char			 hash[65], msg[256];
	int			 r;

	memset(&sc, 0, sizeof(sc));
	if (code[0] == '\0' || owner_code_hash(code, hash) == -1)
		r = STATE_E_NOTFOUND;
	else
		r = state_code_find(env->state, hash, util_now_ms(), &sc);
	switch (r) {
	case 0:
		/*
		 * The hold's claim makes the code single-use: the decision
		 * forgets it, a second reply while this one runs finds the
		 * hold claimed, and a failed delivery leaves both for the
		 * owner to try again.
		 */
		r = holds_decide(env, sc.hold_id, approve, by, msg,
		    sizeof(msg));
		if (r == -2 && state_hold_get(env->state, sc.hold_id,
		    &hold) == STATE_E_NOTFOUND) {
			(void)state_code_forget(env->state, sc.hold_id);
			owner_audit(env, ch, by, method, "owner.code",
			    "no such hold", sc.hold_id);
		} else if (r == -2)
			owner_audit(env, ch, by, method, "owner.code", msg,
			    sc.hold_id);
		log_info("%s: %s", ch->driver->name, msg);
		break;
	case STATE_E_EXPIRED:
		/* Nothing changes: on_expiry decides the hold. */
		owner_audit(env, ch, by, method, "owner.code", "expired code",
		    sc.hold_id);
		break;
	case STATE_E_NOTFOUND:
		owner_audit(env, ch, by, method, "owner.code", "unknown code",
		    NULL);
		break;
	default:
		log_warnx("%s: reply code: %s", ch->driver->name,
		    state_strerror(r));
		owner_audit(env, ch, by, method, "owner.code",
		    "state unavailable", NULL);
		break;
	}
	json_decref(hold);
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(&sc, sizeof(sc));
}

int
owner_reply(struct call_env *env, const struct channel *ch, json_t *msg)
{
	const struct channel_driver	*d = ch->driver;
	const char			*identity, *text;
	char				 code[64], key[65], by[ADDR_MAX + 48];
	enum owner_cmd			 cmd;
	int				 r;

	identity = env->cfg->owner.identity[ch->id];
	if ((env->cfg->owner.approvals & (1U << ch->id)) == 0 ||
	    identity == NULL || d->owner_text == NULL ||
	    !d->owner_text(env->cfg, ch, msg, identity, &text) ||
	    (cmd = owner_parse(text, code, sizeof(code))) == OWNER_CMD_NONE)
		return 0;
	(void)snprintf(by, sizeof(by), "owner:%s:%s", d->name, identity);
	/* Marked first: once applied, it must never surface. */
	owner_message_key(d->name, identity, text, key);
	if ((r = state_hide_mark(env->state, key, util_now_ms())) != 0)
		log_warnx("%s: reply not marked: %s", d->name,
		    state_strerror(r));
	switch (cmd) {
	case OWNER_CMD_APPROVE:
		owner_decide(env, ch, by, code, 1, "owner.approve");
		break;
	case OWNER_CMD_DROP:
		owner_decide(env, ch, by, code, 0, "owner.drop");
		break;
	case OWNER_CMD_FREEZE:
	case OWNER_CMD_THAW:
		/* Every channel: a runaway agent is stopped everywhere. */
		(void)owner_freeze(env, NULL, cmd == OWNER_CMD_FREEZE, by);
		break;
	default:
		break;
	}
	explicit_bzero(code, sizeof(code));
	return 1;
}
