/*
 * Notices to the owner (owner.h, doc/approvals.md): when a request is
 * held, the gateway tells the owner's own identity, through each
 * approvals channel and as the gateway's account there, what waits and
 * the reply code that approves or drops it.  A code is random, bound to
 * one hold, single-use and expiring; the state keeps only its hash, and
 * it is stored before the notice goes out.  The notice's text is marked
 * hidden before it goes out too, so that the agent never reads it on
 * any read path.  Notices are rate-limited per channel
 * (owner.approvals.notices per notice_window); holds over the rate
 * wait, and the next notice (the next hold's, or a watcher's tick)
 * names every waiting hold in one message.  Nothing here fails a hold:
 * problems are logged and audited.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "handler.h"
#include "log.h"
#include "osdep.h"
#include "owner.h"
#include "protocol.h"
#include "sha256.h"
#include "state.h"
#include "util.h"

/* Crockford's base32: no I, L, O or U. */
static const char	 code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define NOTICE_LINES	5	/* holds one notice names; then "N more" */
#define NOTICE_EXCERPT	80	/* characters of a held text shown */
#define NOTICE_FIELD	40	/* characters of a client or recipient */
#define NOTICE_TEXT_MAX	4096	/* bytes of one notice */
#define NOTICE_SCAN_MAX	4096	/* holds looked at for one notice */
#define EXPIRED_MAX	256	/* expired codes acted on per tick */

/* The holds waiting for a notice, oldest first. */
struct waiting {
	json_t		*holds[NOTICE_LINES];	/* owned */
	size_t		 n;
	size_t		 more;		/* waiting, not named this time */
};

/* One named hold's code, until the notice is sent or given up. */
struct notice {
	char		 code[NOTICE_LINES][OWNER_CODE_LEN + 1];
	char		 ids[NOTICE_LINES * STATE_HOLD_ID_MAX];
	char		 text[NOTICE_TEXT_MAX];
};

struct expired {
	char		 hold_id[STATE_HOLD_ID_MAX];
	uint64_t	 expires_ms;
};

struct expired_list {
	const char	*channel;
	uint64_t	 now_ms;
	struct expired	 e[EXPIRED_MAX];
	size_t		 n;
};

static int	 code_form(const char *, char *);
static int	 collect_hold(json_t *, void *);
static void	 waiting_holds(struct call_env *, struct waiting *);
static void	 waiting_free(struct waiting *);
static void	 excerpt(const char *, size_t, char *, size_t);
static const char *hold_text(json_t *);
static void	 hold_line(json_t *, char *, size_t);
static void	 expiry_words(uint64_t, char *, size_t);
static size_t	 notice_codes(struct call_env *, const struct channel *,
		    struct waiting *, struct notice *, uint64_t);
static int	 notice_text(struct call_env *, struct waiting *,
		    struct notice *, size_t);
static void	 notice_forget(struct call_env *, struct waiting *, size_t);
static const char *notice_failure(struct notice *, struct call *);
static void	 notice_audit(struct call_env *, const struct channel *,
		    const char *, struct notice *, struct call *);
static int	 notice_lock(struct call_env *);
static void	 notify_on(struct call_env *, const struct channel *,
		    uint64_t);
static int	 collect_expired(const char *, const struct state_code *,
		    void *);
static void	 expire_codes(struct call_env *, const struct channel *,
		    uint64_t);

void
owner_code_new(char *code)
{
	unsigned char	 r[OWNER_CODE_LEN];
	size_t		 i;

	/*
	 * Every byte's low five bits pick one of 32 characters: uniform,
	 * 40 bits a code; drawn again until it has a letter and a digit
	 * (under 6% of draws), so that the inbound veto can tell a
	 * possible code from an ordinary word (owner.c) at no cost.
	 * Without a kernel generator there is no code (an empty string,
	 * which owner_code_hash refuses).
	 */
	do {
		if (osdep_random_buf(r, sizeof(r)) == -1) {
			code[0] = '\0';
			return;
		}
		for (i = 0; i < OWNER_CODE_LEN; i++)
			code[i] = code_alphabet[r[i] & 0x1f];
		code[OWNER_CODE_LEN] = '\0';
	} while (!owner_code_mixed(code, OWNER_CODE_LEN));
	explicit_bzero(r, sizeof(r));
}

/*
 * A code as typed to its one form (OWNER_CODE_LEN characters of the
 * alphabet into form): case, '-' and blanks ignored, O read as 0, I and
 * L as 1, as Crockford's decoding does.  0 or -1.
 */
static int
code_form(const char *typed, char *form)
{
	size_t	 n = 0;
	int	 c;

	for (; *typed != '\0'; typed++) {
		c = (unsigned char)*typed;
		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (n == OWNER_CODE_LEN || strchr(code_alphabet, c) == NULL)
			return -1;
		form[n++] = (char)c;
	}
	return n == OWNER_CODE_LEN ? 0 : -1;
}

int
owner_code_hash(const char *typed, char hash[65])
{
	struct sha256_ctx	 ctx;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	char			 form[OWNER_CODE_LEN];
	int			 r;

	hash[0] = '\0';
	if ((r = code_form(typed, form)) == 0) {
		/* A prefix of its own: no other hash here is of a code. */
		sha256_init(&ctx);
		sha256_update(&ctx, "carapace-owner-code", 20);	/* its NUL */
		sha256_update(&ctx, form, sizeof(form));
		sha256_final(&ctx, md);
		util_hex(md, sizeof(md), hash);
		explicit_bzero(md, sizeof(md));
	}
	explicit_bzero(form, sizeof(form));
	return r;
}

/* A state_hold_foreach callback: every hold, into an array. */
static int
collect_hold(json_t *hold, void *arg)
{
	json_t	*all = arg;

	if (json_array_size(all) >= NOTICE_SCAN_MAX)
		return 1;
	return json_array_append(all, hold) == 0 ? 0 : 1;
}

/*
 * The holds waiting for a notice: those without a code (an expired code
 * still counts as told) that no one is deciding.  The first NOTICE_LINES, oldest first (ids
 * grow), are kept; the rest are counted.
 */
static void
waiting_holds(struct call_env *env, struct waiting *w)
{
	struct state_code	 sc;
	json_t			*all, *hold;
	const char		*id;
	uint64_t		 now = util_now_ms();
	size_t			 i;
	int			 r, claimed;

	memset(w, 0, sizeof(*w));
	if ((all = json_array()) == NULL)
		return;
	/* Collected first: no state call runs inside the iteration. */
	if ((r = state_hold_foreach(env->state, collect_hold, all)) != 0)
		log_warnx("owner notices: holds: %s", state_strerror(r));
	json_array_foreach(all, i, hold) {
		id = json_string_value(json_object_get(hold, "id"));
		/* One being decided waits for nothing (its code is in use). */
		if (id == NULL ||
		    state_code_of_hold(env->state, id, &sc, NULL) !=
		    STATE_E_NOTFOUND ||
		    state_hold_claimed(env->state, id, now,
		    HOLDS_CLAIM_LEASE_MS, &claimed) != 0 || claimed)
			continue;
		if (w->n < NOTICE_LINES)
			w->holds[w->n++] = json_incref(hold);
		else
			w->more++;
	}
	json_decref(all);
}

static void
waiting_free(struct waiting *w)
{
	size_t	 i;

	for (i = 0; i < w->n; i++)
		json_decref(w->holds[i]);
	w->n = 0;
}

/*
 * At most max characters of s, on one line, for a phone's screen:
 * controls become spaces, runs of blanks one space, zero-width and
 * direction marks go (so that a held text cannot make the notice read
 * as something else), '"' becomes '\'' (the excerpt is quoted), and a
 * cut is marked with an ellipsis.  s is UTF-8 (jansson's).
 */
static void
excerpt(const char *s, size_t max, char *out, size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 o = 0, chars = 0, len;
	int			 space = 1;

	while (*p != '\0' && o + 8 < outlen) {
		len = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		if (strnlen((const char *)p, len) < len)
			break;
		/* U+200B-200F, U+202A-202E, U+2066-2069, U+FEFF. */
		if (len == 3 && ((p[0] == 0xe2 && p[1] == 0x80 &&
		    ((p[2] >= 0x8b && p[2] <= 0x8f) ||
		    (p[2] >= 0xaa && p[2] <= 0xae))) ||
		    (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 &&
		    p[2] <= 0xa9) ||
		    (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf))) {
			p += len;
			continue;
		}
		if (len == 1 && (*p < 0x20 || *p == 0x7f || *p == ' ')) {
			p++;
			if (!space && chars < max) {
				out[o++] = ' ';
				chars++;
			}
			space = 1;
			continue;
		}
		if (chars == max)
			break;
		if (len == 1 && *p == '"')
			out[o++] = '\'';
		else {
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
		chars++;
		space = 0;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (*p != '\0' && o + 4 <= outlen) {
		memcpy(out + o, "\xe2\x80\xa6", 3);	/* U+2026 */
		o += 3;
	}
	out[o] = '\0';
}

/* What a held request says: its text, a mail's subject, or NULL. */
static const char *
hold_text(json_t *hold)
{
	json_t		*p = json_object_get(hold, "params");
	const char	*s;

	if ((s = json_string_value(json_object_get(p, "text"))) != NULL ||
	    (s = json_string_value(json_object_get(p, "subject"))) != NULL ||
	    (s = json_string_value(json_object_get(p, "body"))) != NULL)
		return s;
	return NULL;
}

/*
 * "client C on CH to R: "excerpt" (rule X)".  Every part comes from the
 * hold, which holds nothing of a code.
 */
static void
hold_line(json_t *hold, char *out, size_t outlen)
{
	json_t		*list = json_object_get(hold, "recipients");
	const char	*s, *rule;
	char		 client[NOTICE_FIELD * 4 + 8], chname[40];
	char		 to[NOTICE_FIELD * 4 + 8], text[NOTICE_EXCERPT * 4 + 8];
	char		 others[32] = "";

	s = json_string_value(json_object_get(hold, "client"));
	excerpt(s != NULL ? s : "?", NOTICE_FIELD, client, sizeof(client));
	s = json_string_value(json_object_get(hold, "channel"));
	excerpt(s != NULL ? s : "?", 16, chname, sizeof(chname));
	s = json_string_value(json_array_get(list, 0));
	if (s == NULL)
		s = json_string_value(json_object_get(hold, "recipient"));
	excerpt(s != NULL && *s != '\0' ? s : "?", NOTICE_FIELD, to,
	    sizeof(to));
	if (json_array_size(list) > 1)
		(void)snprintf(others, sizeof(others), " and %zu more",
		    json_array_size(list) - 1);
	if ((s = hold_text(hold)) != NULL)
		excerpt(s, NOTICE_EXCERPT, text, sizeof(text));
	else
		(void)strlcpy(text, "(an attachment)", sizeof(text));
	rule = json_string_value(json_object_get(hold, "rule"));
	if (rule == NULL || *rule == '\0')
		rule = "?";
	(void)snprintf(out, outlen, "client %s wants to send on %s to %s%s: "
	    "\"%s\" (rule %.64s)", client, chname, to, others, text, rule);
}

/* "30 min", "2 h": how long a code lives. */
static void
expiry_words(uint64_t ms, char *out, size_t outlen)
{
	uint64_t	 min = ms / 60000;

	if (min >= 120 && min % 60 == 0)
		(void)snprintf(out, outlen, "%llu h",
		    (unsigned long long)(min / 60));
	else
		(void)snprintf(out, outlen, "%llu min",
		    (unsigned long long)min);
}

/*
 * Give the first waiting holds each a new code, stored (as its hash)
 * before the notice exists: a code the owner reads is always one the
 * state knows.  Stops at the first hold whose code cannot be stored;
 * that hold and the rest keep waiting (counted in w->more).  Returns
 * how many holds have codes.
 */
static size_t
notice_codes(struct call_env *env, const struct channel *ch,
    struct waiting *w, struct notice *nt, uint64_t now)
{
	struct state_code	 sc;
	char			 hash[65];
	const char		*id;
	size_t			 k;
	int			 r;

	for (k = 0; k < w->n; k++) {
		id = json_string_value(json_object_get(w->holds[k], "id"));
		owner_code_new(nt->code[k]);
		if (owner_code_hash(nt->code[k], hash) == -1) {
			log_warnx("owner notices: no random generator: no "
			    "reply codes");
			break;
		}
		memset(&sc, 0, sizeof(sc));
		(void)strlcpy(sc.hold_id, id, sizeof(sc.hold_id));
		(void)strlcpy(sc.channel, ch->driver->name,
		    sizeof(sc.channel));
		sc.created_ms = now;
		sc.expires_ms = now + env->cfg->owner.expire_ms;
		if ((r = state_code_put(env->state, hash, &sc)) != 0) {
			log_warnx("owner notices: hold %s: code not stored: "
			    "%s", id, state_strerror(r));
			break;
		}
		if (nt->ids[0] != '\0')
			(void)strlcat(nt->ids, ",", sizeof(nt->ids));
		(void)strlcat(nt->ids, id, sizeof(nt->ids));
	}
	explicit_bzero(hash, sizeof(hash));
	w->more += w->n - k;
	return k;
}

/* Forget the codes of the first k holds: their notice never went out. */
static void
notice_forget(struct call_env *env, struct waiting *w, size_t k)
{
	const char	*id;
	size_t		 i;
	int		 r;

	for (i = 0; i < k; i++) {
		id = json_string_value(json_object_get(w->holds[i], "id"));
		if ((r = state_code_forget(env->state, id)) != 0 &&
		    r != STATE_E_NOTFOUND)
			log_warnx("owner notices: hold %s: code not "
			    "forgotten: %s", id, state_strerror(r));
	}
}

/*
 * The notice naming the first k holds of w with their codes, short
 * enough for a phone: one hold in one sentence, several as a list of
 * at most NOTICE_LINES lines, then how many more wait.  0, or -1 when
 * it does not fit (never expected: every part is bounded).
 */
static int
notice_text(struct call_env *env, struct waiting *w, struct notice *nt,
    size_t k)
{
	char		 line[NOTICE_TEXT_MAX / 2], within[32];
	size_t		 i, len;

	expiry_words(env->cfg->owner.expire_ms, within, sizeof(within));
	if (k == 1 && w->more == 0) {
		hold_line(w->holds[0], line, sizeof(line));
		len = (size_t)snprintf(nt->text, sizeof(nt->text),
		    "Carapace: %s. Reply approve %s or drop %s within %s.",
		    line, nt->code[0], nt->code[0], within);
		explicit_bzero(line, sizeof(line));
		return len < sizeof(nt->text) ? 0 : -1;
	}
	len = (size_t)snprintf(nt->text, sizeof(nt->text),
	    "Carapace: %zu held messages. Reply approve CODE or drop CODE "
	    "within %s.", k + w->more, within);
	for (i = 0; i < k && len < sizeof(nt->text); i++) {
		hold_line(w->holds[i], line, sizeof(line));
		len += (size_t)snprintf(nt->text + len, sizeof(nt->text) - len,
		    "\n%s: %s", nt->code[i], line);
	}
	if (w->more > 0 && len < sizeof(nt->text))
		len += (size_t)snprintf(nt->text + len, sizeof(nt->text) - len,
		    "\nand %zu more: carapacectl holds list", w->more);
	explicit_bzero(line, sizeof(line));
	return len < sizeof(nt->text) ? 0 : -1;
}

/*
 * Why a notice failed, for the audit and the log: the call's message,
 * unless it quotes a code (a tool echoing its input).
 */
static const char *
notice_failure(struct notice *nt, struct call *c)
{
	size_t	 i;

	for (i = 0; i < NOTICE_LINES; i++)
		if (nt->code[i][0] != '\0' &&
		    strstr(c->message, nt->code[i]) != NULL)
			return "the notice was not sent (the tool's message "
			    "quoted it and is left out)";
	return c->message;
}

/*
 * The notice's one audit record: the gateway's own act (client
 * "carapace", its own ids), to the owner's identity, naming the holds;
 * never the text, which holds the codes.
 */
static void
notice_audit(struct call_env *env, const struct channel *ch,
    const char *identity, struct notice *nt, struct call *c)
{
	struct audit_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.uid = getuid();
	ev.gid = getgid();
	ev.pid = getpid();
	ev.client = "carapace";
	ev.method = "owner.notify";
	ev.channel = ch->driver->name;
	ev.recipient = identity;
	ev.decision = AUDIT_DECISION_ALLOW;
	ev.rule = "owner";
	ev.hold_id = nt->ids;
	ev.code = c->code;
	ev.outcome = c->code == 0 ? AUDIT_OUTCOME_SENT :
	    c->outcome == AUDIT_OUTCOME_TIMEOUT ? AUDIT_OUTCOME_TIMEOUT :
	    AUDIT_OUTCOME_FAILED;
	if (c->code != 0)
		ev.reason = notice_failure(nt, c);
	if (audit_write(env->audit, &ev) == -1)
		log_warnx("%s: owner notice: audit record not written",
		    ch->driver->name);
}

/*
 * Who gives codes: one process at a time (handlers holding at once, a
 * watcher's tick), from the look at what waits to the codes stored, so
 * that two notices never name one hold (the later code would void the
 * earlier).  Not held while a notice is sent.  The descriptor (closing
 * it unlocks), or -1: then unserialised, which costs at most a void
 * code, never a hold.
 */
static int
notice_lock(struct call_env *env)
{
	char	 path[1024];
	int	 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/owner-notice.lock",
	    env->cfg->state_dir) >= sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		log_warn("owner notices: %s", path);
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			log_warn("owner notices: lock %s", path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * One notice on ch, when holds wait and its window has room: codes
 * stored, the text marked hidden, then sent through the channel's
 * adapter as the gateway's account to the owner's identity.  The
 * owner's identity comes from the configuration alone, so recipient
 * policy does not apply; the send is audited.  When it fails, the codes
 * are forgotten: the holds wait for the next notice.
 */
static void
notify_on(struct call_env *env, const struct channel *ch, uint64_t now)
{
	const struct owner		*o = &env->cfg->owner;
	const struct handler_adapter	*ad = handler_adapter(ch);
	const char			*name = ch->driver->name;
	const char			*identity = o->identity[ch->id];
	const char			*cause = NULL;
	struct rate_request		 rq;
	struct waiting			 w;
	struct notice			*nt;
	struct call			 c;
	json_t				*d;
	char				 key[64], mark[65];
	uint64_t			 retry = 0;
	size_t				 which, k;
	int				 r, lock;

	if (ad == NULL || ad->notice == NULL) {
		log_warnx("%s: owner notices: this channel cannot send them",
		    name);
		return;
	}
	lock = notice_lock(env);
	waiting_holds(env, &w);
	if (w.n == 0) {
		if (lock != -1)
			close(lock);
		return;
	}
	(void)snprintf(key, sizeof(key), "owner|notice|%s", name);
	rq.key = key;
	rq.max = o->notice_max;
	rq.window_ms = o->notice_window_ms;
	if ((r = state_rate_take(env->state, &rq, 1, now, &which,
	    &retry)) != 0) {
		if (r == STATE_E_LIMITED)
			log_info("%s: owner notices: %u sent in the window; "
			    "%zu holds wait (next in %llu s)", name,
			    o->notice_max, w.n + w.more,
			    (unsigned long long)(retry + 999) / 1000);
		else
			log_warnx("%s: owner notices: %s", name,
			    state_strerror(r));
		if (lock != -1)
			close(lock);
		waiting_free(&w);
		return;
	}
	if ((nt = calloc(1, sizeof(*nt))) == NULL) {
		if (lock != -1)
			close(lock);
		waiting_free(&w);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.env = env;
	c.adapter = ad;
	c.method = "owner.notify";
	c.channel = name;
	c.rule = "owner";
	call_set_recipients(&c, &identity, 1);
	d = NULL;
	k = notice_codes(env, ch, &w, nt, now);
	if (lock != -1)
		close(lock);
	if (k == 0)
		goto out;
	if (notice_text(env, &w, nt, k) == -1) {
		(void)call_error(&c, RPC_INTERNAL_ERROR, NULL,
		    "the notice does not fit");
		goto fail;
	}
	/* Marked before it exists: the agent never reads it. */
	owner_message_key(name, NULL, nt->text, mark);
	if ((r = state_hide_mark(env->state, mark, now)) != 0) {
		(void)call_error(&c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "the notice could not be marked hidden: %s",
		    state_strerror(r));
		goto fail;
	}
	if ((d = ad->notice(ch, identity, nt->text, &cause)) == NULL) {
		(void)call_error(&c, CP_ERR_CHANNEL_UNAVAILABLE, NULL,
		    "%s cannot carry a notice: %s", name,
		    cause != NULL ? cause : "?");
		goto fail;
	}
	if (ad->deliver(&c, ch, d) == 0) {
		c.code = 0;
		log_info("%s: owner notice sent for %zu holds (%s)", name, k,
		    nt->ids);
		notice_audit(env, ch, identity, nt, &c);
		goto out;
	}
 fail:
	if (c.code == 0)
		(void)call_error(&c, CP_ERR_TOOL_FAILED, NULL, "failed");
	log_warnx("%s: owner notice for %s not sent; the holds wait: %s",
	    name, nt->ids, notice_failure(nt, &c));
	notice_audit(env, ch, identity, nt, &c);
	notice_forget(env, &w, k);
 out:
	json_decref(d);
	call_clear(&c);
	explicit_bzero(nt, sizeof(*nt));
	free(nt);
	waiting_free(&w);
}

void
owner_notify_hold(struct call_env *env, const char *hold_id)
{
	const struct owner	*o = &env->cfg->owner;
	const struct channel	*ch;
	uint64_t		 now = util_now_ms();
	int			 id;

	if (o->approvals == 0)
		return;
	log_debug("hold %s: telling the owner", hold_id);
	/*
	 * In channel order: a hold has one code, so the first channel with
	 * room tells of it, and the next only of what still waits.
	 */
	for (id = 0; id < CHANNEL_MAX; id++) {
		if ((o->approvals & (1U << id)) == 0)
			continue;
		ch = &env->cfg->channels[id];
		if (!ch->configured || o->identity[id] == NULL)
			continue;
		notify_on(env, ch, now);
	}
}

/* A state_code_foreach callback: ch's codes past their time. */
static int
collect_expired(const char *hash, const struct state_code *sc, void *arg)
{
	struct expired_list	*l = arg;

	(void)hash;
	if (sc->expires_ms > l->now_ms)
		return 0;
	if (l->n == EXPIRED_MAX)
		return 1;
	(void)strlcpy(l->e[l->n].hold_id, sc->hold_id,
	    sizeof(l->e[0].hold_id));
	l->e[l->n++].expires_ms = sc->expires_ms;
	return 0;
}

/*
 * Every code whose time is over, whichever channel its notice went
 * through (a code belongs to its hold; a channel whose watcher is down
 * must not keep its holds told forever): their holds dropped (audited
 * as decided by "owner.expiry"; the hold's claim keeps two watchers
 * from both dropping one), or kept for carapacectl with the expired
 * code, which no longer counts as waiting, logged once.
 */
static void
expire_codes(struct call_env *env, const struct channel *ch, uint64_t now)
{
	static uint64_t		 logged_upto;	/* keep: said until here */
	struct expired_list	*l;
	json_t			*hold;
	char			 msg[256];
	size_t			 i;
	int			 r;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return;
	l->channel = ch->driver->name;
	l->now_ms = now;
	if ((r = state_code_foreach(env->state, collect_expired, l)) != 0)
		log_warnx("%s: owner codes: %s", l->channel,
		    state_strerror(r));
	for (i = 0; i < l->n; i++) {
		if (state_hold_get(env->state, l->e[i].hold_id, &hold) ==
		    STATE_E_NOTFOUND) {
			/* Decided some other way: the code is stale. */
			(void)state_code_forget(env->state, l->e[i].hold_id);
			continue;
		}
		json_decref(hold);
		if (env->cfg->owner.on_expiry == OWNER_EXPIRY_KEEP) {
			if (l->e[i].expires_ms > logged_upto)
				log_info("%s: hold %s: reply code expired; "
				    "kept for carapacectl holds", l->channel,
				    l->e[i].hold_id);
			continue;
		}
		(void)holds_decide(env, l->e[i].hold_id, 0, "owner.expiry",
		    msg, sizeof(msg));
		log_info("%s: reply code expired: %s", l->channel, msg);
	}
	if (now > logged_upto)
		logged_upto = now;
	free(l);
}

void
owner_tick(struct call_env *env, const struct channel *ch, uint64_t now_ms)
{
	const struct owner	*o = &env->cfg->owner;

	if ((o->approvals & (1U << ch->id)) == 0 || !ch->configured ||
	    o->identity[ch->id] == NULL)
		return;
	expire_codes(env, ch, now_ms);
	notify_on(env, ch, now_ms);
}
