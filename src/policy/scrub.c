/*
 * Scrubbing of inbound text before the agent reads it: one-time codes
 * (SCRUB_OTP) and links that log in, reset, verify or otherwise carry
 * authority (SCRUB_AUTH_LINKS) are replaced by placeholders, so that a
 * message the owner receives cannot be turned into an account takeover
 * by an agent that was talked into forwarding it.
 *
 * The scanner makes one pass over the text.  Keyword positions are
 * found first, in one more pass; every later look-back or look-ahead is
 * bounded by a constant, so the whole is linear in the input and needs
 * no regular expressions.
 *
 * What counts as a one-time code (a deliberately conservative reading):
 *
 * - A number of 4 to 8 digits standing alone: not glued to letters, not
 *   after a currency sign, '#', '+', '/', '@' or '-', not before '%',
 *   and not part of a longer number written with '.', ',', '/', ':' or
 *   '-' (prices "$123,456.00", dates "2026-05-16", "16/05/2026", times
 *   "10:30", phone numbers "415-555-0100").  Digits split once by a space
 *   or dash into two equal halves of 3 or 4 ("123 456", "1234-5678")
 *   are one code.  Other space-separated digit groups are read as one
 *   number (a phone number "555 0100", "+1 415 555 0100", a card) and
 *   are not codes, except that a code may be followed by a number of
 *   at most two digits ("482913 10 min").  "G-123456" (one letter, dash,
 *   digits) is a code form too.
 * - ... and a keyword near it: "code", "passcode", "otp", "pin",
 *   "verify"/"verification", "one-time", "2fa", "password",
 *   "authentication" ... within 60 bytes before or after and in the same
 *   sentence (no ". ", "! ", "? " or newline in between); or directly
 *   "use 123456", "enter 123456", "123456 is your".
 * - A number right after an order, invoice, ticket, booking ... word
 *   ("Order 123456", "Order #123456") is a reference, not a code.  A
 *   4-digit number that reads as a year (1900-2099) only counts with a
 *   keyword right next to it ("code 2024"), so "verify by May 16, 2026"
 *   keeps its year.
 * - After "code:" (also "passcode:"), a 6 to 8 character token of
 *   letters and digits with at least two digits ("code: A7K2Q9").
 *
 * Numbers inside URLs are left to the link scrubber.
 *
 * What counts as an authentication link (http://, https:// or www.):
 * credentials before the host ("user:pass@"), a host whose first labels
 * say login, signin, auth or sso, a path or query word starting with
 * login, logon, signin, magic, verif, reset, passw, confirm, activat,
 * authent, authoriz, oauth or invit, the words auth, otp, sso, 2fa, mfa,
 * session, "sign in", "log in", "one time", or a credential-bearing
 * parameter (token=, code=, ticket=, nonce=, otp=, pin=, key=).  The
 * word "unsubscribe" alone does not make a link one, though a token in
 * it does.  Prose punctuation after a link is not part of it.
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "policy.h"

#define REDACTED_CODE	"[redacted code]"
#define REDACTED_LINK	"[redacted link]"

#define OTP_MIN_DIGITS	4
#define OTP_MAX_DIGITS	8
#define ALNUM_MIN	6
#define ALNUM_MAX	8
#define KEYWORD_WINDOW	60
/* How many separator bytes an adjacent keyword may be away. */
#define ADJACENT_GAP	4

struct keyword {
	const char	*word;
	int		 prefix;	/* matches longer words too */
};

/* Keywords that make a nearby number a one-time code. */
static const struct keyword otp_keywords[] = {
	{ "code", 0 },
	{ "codes", 0 },
	{ "passcode", 1 },
	{ "otp", 0 },
	{ "pin", 0 },
	{ "verif", 1 },
	{ "one-time", 1 },
	{ "one time", 1 },
	{ "2fa", 0 },
	{ "mfa", 0 },
	{ "two-factor", 1 },
	{ "two factor", 1 },
	{ "2-step", 1 },
	{ "authenticat", 1 },
	{ "password", 1 }
};

/* Words after which a number is a reference, not a code. */
static const char *const reference_words[] = {
	"order", "invoice", "ticket", "tracking", "ref", "reference",
	"case", "account", "acct", "booking", "reservation", "flight",
	"room", "ext", "extension", "apt", "suite", "unit", "zip", "item",
	"sku", "model", "serial"
};

/* Path and query words that make a link an authentication link. */
static const struct keyword link_words[] = {
	{ "login", 1 }, { "logon", 1 }, { "signin", 1 }, { "signon", 1 },
	{ "magic", 1 }, { "verif", 1 }, { "reset", 1 }, { "passw", 1 },
	{ "passcode", 1 }, { "confirm", 1 }, { "activat", 1 },
	{ "authent", 1 }, { "authoriz", 1 }, { "oauth", 1 }, { "invit", 1 },
	{ "onetime", 1 }, { "auth", 0 }, { "otp", 0 }, { "sso", 0 },
	{ "2fa", 0 }, { "mfa", 0 }, { "session", 0 }, { "sessionid", 0 }
};

/* Query parameter names ("token=") that carry a credential. */
static const char *const link_params[] = {
	"token", "code", "ticket", "nonce", "otp", "pin", "key"
};

/* Two-word link phrases: "sign-in", "log_in", "sign/on", "one-time". */
static const char *const link_first[] = { "sign", "log" };
static const char *const link_second[] = { "in", "on" };

/* Host labels that mark a login service. */
static const char *const link_hosts[] = {
	"login", "signin", "auth", "sso"
};

struct span {
	size_t	start, end;
};

struct scan {
	const char	*s;
	size_t		 n;
	struct span	*kw;		/* keyword positions, in order */
	size_t		 nkw, kwcap;
	size_t		 kwi;		/* first keyword not before here */
};

struct outbuf {
	char	*buf;
	size_t	 len, cap;
	int	 failed;
};

static int	 lower(int);
static int	 is_alpha(int);
static int	 is_digit(int);
static int	 is_alnum(int);
static int	 is_space(int);
static int	 at_icase(const char *, size_t, size_t, const char *);
static void	 out_add(struct outbuf *, const char *, size_t);
static size_t	 keyword_at(const struct scan *, size_t);
static int	 find_keywords(struct scan *);
static int	 sentence_break(const struct scan *, size_t, size_t);
static int	 keyword_near(struct scan *, size_t, size_t);
static size_t	 prev_word(const struct scan *, size_t, size_t *, int);
static int	 keyword_adjacent(const struct scan *, size_t, size_t);
static int	 is_reference(const struct scan *, size_t);
static int	 bad_left(const struct scan *, size_t);
static int	 bad_right(const struct scan *, size_t);
static int	 numeric_code(struct scan *, size_t, size_t *);
static int	 letter_code(struct scan *, size_t, size_t *);
static int	 alnum_code(const struct scan *, size_t, size_t);
static size_t	 url_at(const struct scan *, size_t);
static int	 url_is_auth(const char *, size_t);
static int	 word_in(const char *, size_t, const char *const *, size_t);

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
is_alpha(int c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Does s[i..n) start with the lower-case string w, ignoring case? */
static int
at_icase(const char *s, size_t n, size_t i, const char *w)
{
	for (; *w != '\0'; i++, w++)
		if (i >= n || lower((unsigned char)s[i]) != *w)
			return 0;
	return 1;
}

static void
out_add(struct outbuf *o, const char *p, size_t len)
{
	char	*nb;
	size_t	 ncap;

	if (o->failed)
		return;
	if (len > SIZE_MAX - o->len - 1) {
		o->failed = 1;
		return;
	}
	if (o->len + len + 1 > o->cap) {
		ncap = o->cap;
		while (ncap < o->len + len + 1)
			ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
		if ((nb = realloc(o->buf, ncap)) == NULL) {
			o->failed = 1;
			return;
		}
		o->buf = nb;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, p, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

/* Length of the one-time-code keyword starting at word start i, or 0. */
static size_t
keyword_at(const struct scan *sc, size_t i)
{
	size_t	k, len;

	if (i > 0 && is_alnum((unsigned char)sc->s[i - 1]))
		return 0;
	for (k = 0; k < sizeof(otp_keywords) / sizeof(otp_keywords[0]); k++) {
		if (!at_icase(sc->s, sc->n, i, otp_keywords[k].word))
			continue;
		len = strlen(otp_keywords[k].word);
		if (otp_keywords[k].prefix) {
			while (i + len < sc->n &&
			    is_alpha((unsigned char)sc->s[i + len]))
				len++;
			return len;
		}
		if (i + len < sc->n && is_alnum((unsigned char)sc->s[i + len]))
			continue;
		return len;
	}
	return 0;
}

static int
find_keywords(struct scan *sc)
{
	struct span	*nk;
	size_t		 i, len;

	for (i = 0; i < sc->n; i++) {
		if (!is_alnum((unsigned char)sc->s[i]) ||
		    (len = keyword_at(sc, i)) == 0)
			continue;
		if (sc->nkw == sc->kwcap) {
			sc->kwcap = sc->kwcap == 0 ? 16 : sc->kwcap * 2;
			if ((nk = reallocarray(sc->kw, sc->kwcap,
			    sizeof(*nk))) == NULL)
				return -1;
			sc->kw = nk;
		}
		sc->kw[sc->nkw].start = i;
		sc->kw[sc->nkw].end = i + len;
		sc->nkw++;
		i += len - 1;
	}
	return 0;
}

/* Is there a sentence end in s[a..b)? */
static int
sentence_break(const struct scan *sc, size_t a, size_t b)
{
	size_t	i;

	for (i = a; i < b && i < sc->n; i++) {
		if (sc->s[i] == '\n' || sc->s[i] == '\r')
			return 1;
		if ((sc->s[i] == '.' || sc->s[i] == '!' || sc->s[i] == '?') &&
		    (i + 1 >= sc->n || is_space((unsigned char)sc->s[i + 1])))
			return 1;
	}
	return 0;
}

/*
 * Is a keyword within KEYWORD_WINDOW bytes of s[a..b), in the same
 * sentence?  Only the nearest keyword on each side needs a look: a
 * farther one is farther and has the same sentence ends in between.
 * Candidates come in increasing order, so the cursor only moves forward.
 */
static int
keyword_near(struct scan *sc, size_t a, size_t b)
{
	size_t	j;

	while (sc->kwi < sc->nkw && sc->kw[sc->kwi].start < a)
		sc->kwi++;
	if (sc->kwi > 0) {
		j = sc->kwi - 1;
		if (sc->kw[j].end <= a && a - sc->kw[j].end <= KEYWORD_WINDOW &&
		    !sentence_break(sc, sc->kw[j].end, a))
			return 1;
	}
	for (j = sc->kwi; j < sc->nkw && sc->kw[j].start < b; j++)
		;
	if (j < sc->nkw && sc->kw[j].start - b <= KEYWORD_WINDOW &&
	    !sentence_break(sc, b, sc->kw[j].start))
		return 1;
	return 0;
}

/*
 * The word (letters only) before position i, skipping at most
 * ADJACENT_GAP separator bytes; with skip_is, a word "is" in between is
 * skipped too ("code is 1234").  Returns its length, start in *ws.
 */
static size_t
prev_word(const struct scan *sc, size_t i, size_t *ws, int skip_is)
{
	size_t	gap, e;

	for (;;) {
		for (gap = 0; i > 0 && gap <= ADJACENT_GAP &&
		    strchr(" \t:=#\"'*", sc->s[i - 1]) != NULL &&
		    sc->s[i - 1] != '\0'; gap++)
			i--;
		if (gap > ADJACENT_GAP || i == 0 ||
		    !is_alpha((unsigned char)sc->s[i - 1]))
			return 0;
		e = i;
		while (i > 0 && is_alpha((unsigned char)sc->s[i - 1]))
			i--;
		if (i > 0 && is_digit((unsigned char)sc->s[i - 1]))
			return 0;
		if (skip_is && e - i == 2 && at_icase(sc->s, sc->n, i, "is")) {
			skip_is = 0;
			continue;
		}
		*ws = i;
		return e - i;
	}
}

/* A keyword right before s[a..b) ("code: 1234", "use 1234") or after. */
static int
keyword_adjacent(const struct scan *sc, size_t a, size_t b)
{
	size_t	ws, len, i;

	if ((len = prev_word(sc, a, &ws, 1)) > 0) {
		if ((len == 3 && at_icase(sc->s, sc->n, ws, "use")) ||
		    (len == 5 && at_icase(sc->s, sc->n, ws, "enter")) ||
		    keyword_at(sc, ws) == len)
			return 1;
	}
	for (i = b; i < sc->n && i - b < ADJACENT_GAP &&
	    (sc->s[i] == ' ' || sc->s[i] == '\t'); i++)
		;
	if (i > b && at_icase(sc->s, sc->n, i, "is your") &&
	    (i + 7 >= sc->n || !is_alnum((unsigned char)sc->s[i + 7])))
		return 1;
	return 0;
}

static int
word_in(const char *w, size_t len, const char *const *list, size_t n)
{
	size_t	k, j;

	for (k = 0; k < n; k++) {
		if (strlen(list[k]) != len)
			continue;
		for (j = 0; j < len; j++)
			if (lower((unsigned char)w[j]) != list[k][j])
				break;
		if (j == len)
			return 1;
	}
	return 0;
}

/* "Order 123456", "Invoice #123456", "ticket: 123456". */
static int
is_reference(const struct scan *sc, size_t i)
{
	size_t	ws, len;

	if ((len = prev_word(sc, i, &ws, 0)) == 0)
		return 0;
	return word_in(sc->s + ws, len, reference_words,
	    sizeof(reference_words) / sizeof(reference_words[0]));
}

/* What comes before a number that makes it not a code. */
static int
bad_left(const struct scan *sc, size_t i)
{
	const unsigned char	*u = (const unsigned char *)sc->s;
	unsigned char		 c;

	if (i == 0)
		return 0;
	c = u[i - 1];
	if (is_alnum(c) || strchr("$#+@/\\.,_&%~-", c) != NULL)
		return 1;
	/* Currency signs: pound, yen; euro, rupee. */
	if (i >= 2 && u[i - 2] == 0xc2 && (c == 0xa3 || c == 0xa5))
		return 1;
	if (i >= 3 && u[i - 3] == 0xe2 && u[i - 2] == 0x82 &&
	    (c == 0xac || c == 0xb9))
		return 1;
	return 0;
}

/*
 * What comes after a number that makes it not a code: letters glued to
 * it, a percent sign, or a dash, slash or '@' leading into a longer
 * token ("123456-abc", "123456/7").  A full stop followed by a letter is
 * still a sentence end ("code 123456.Thanks").
 */
static int
bad_right(const struct scan *sc, size_t e)
{
	char	c;

	if (e >= sc->n)
		return 0;
	c = sc->s[e];
	if (is_alpha((unsigned char)c) || c == '_' || c == '%')
		return 1;
	if ((c == '-' || c == '/' || c == '\\' || c == '@') &&
	    e + 1 < sc->n && is_alnum((unsigned char)sc->s[e + 1]))
		return 1;
	if ((c == '.' || c == ',') && e + 1 < sc->n &&
	    is_digit((unsigned char)sc->s[e + 1]))
		return 1;
	return 0;
}

/*
 * A run of digits starts at i (a word start).  Sets *end past what was
 * looked at and returns 1 if s[i..*end) is a one-time code.
 */
static int
numeric_code(struct scan *sc, size_t i, size_t *end)
{
	size_t	g1s = i, g1e, g2s, g2e, j, ngroups = 1, len;
	char	sep = '\0', c;
	int	year;

	for (j = i; j < sc->n && is_digit((unsigned char)sc->s[j]); j++)
		;
	g1e = g2s = g2e = j;
	/* Swallow the whole separated digit sequence. */
	while (j + 1 < sc->n && strchr(" -.,/:", sc->s[j]) != NULL &&
	    sc->s[j] != '\0' && is_digit((unsigned char)sc->s[j + 1])) {
		c = sc->s[j];
		if (ngroups == 1) {
			sep = c;
			g2s = j + 1;
		}
		for (j++; j < sc->n && is_digit((unsigned char)sc->s[j]); j++)
			;
		if (ngroups == 1)
			g2e = j;
		ngroups++;
	}
	*end = j;
	if (bad_left(sc, g1s))
		return 0;

	if (ngroups == 2 && (sep == ' ' || sep == '-') &&
	    g1e - g1s == g2e - g2s && (g1e - g1s == 3 || g1e - g1s == 4)) {
		/* "123 456", "1234-5678": one code in two halves. */
		if (bad_right(sc, j))
			return 0;
	} else if (ngroups == 1 ||
	    (ngroups == 2 && sep == ' ' && g2e - g2s <= 2)) {
		/* One number, perhaps followed by a small one ("10 min"). */
		*end = j = g1e;
		len = g1e - g1s;
		if (len < OTP_MIN_DIGITS || len > OTP_MAX_DIGITS ||
		    (ngroups == 1 && bad_right(sc, j)))
			return 0;
	} else
		return 0;

	if (is_reference(sc, g1s))
		return 0;
	year = *end - g1s == 4 &&
	    ((sc->s[g1s] == '1' && sc->s[g1s + 1] == '9') ||
	    (sc->s[g1s] == '2' && sc->s[g1s + 1] == '0'));
	if (keyword_adjacent(sc, g1s, *end))
		return 1;
	return !year && keyword_near(sc, g1s, *end);
}

/* "G-123456": one letter, a dash, 4..8 digits, near a keyword. */
static int
letter_code(struct scan *sc, size_t i, size_t *end)
{
	size_t	j;

	if (i + 2 >= sc->n || !is_alpha((unsigned char)sc->s[i]) ||
	    sc->s[i + 1] != '-' || !is_digit((unsigned char)sc->s[i + 2]))
		return 0;
	for (j = i + 2; j < sc->n && is_digit((unsigned char)sc->s[j]); j++)
		;
	if (j - i - 2 < OTP_MIN_DIGITS || j - i - 2 > OTP_MAX_DIGITS ||
	    bad_right(sc, j))
		return 0;
	*end = j;
	return keyword_adjacent(sc, i, j) || keyword_near(sc, i, j);
}

/* "code: A7K2Q9": the word s[i..e) right after "code:". */
static int
alnum_code(const struct scan *sc, size_t i, size_t e)
{
	static const char *const words[] = { "code", "passcode", "otp" };
	size_t	j, digits = 0, ws, len;

	if (e - i < ALNUM_MIN || e - i > ALNUM_MAX || bad_right(sc, e))
		return 0;
	for (j = i; j < e; j++)
		if (is_digit((unsigned char)sc->s[j]))
			digits++;
	if (digits < 2)
		return 0;
	/* Exactly the word "code" (not "postcode"), then a colon. */
	for (j = i; j > 0 && i - j < ADJACENT_GAP && sc->s[j - 1] == ' '; j--)
		;
	if (j == 0 || sc->s[j - 1] != ':')
		return 0;
	if ((len = prev_word(sc, j, &ws, 0)) == 0)
		return 0;
	return word_in(sc->s + ws, len, words,
	    sizeof(words) / sizeof(words[0]));
}

/* Length of a URL starting at i ("http://", "https://", "www."), or 0. */
static size_t
url_at(const struct scan *sc, size_t i)
{
	size_t	j, open = 0, close = 0;
	char	c;

	if (at_icase(sc->s, sc->n, i, "https://"))
		j = i + 8;
	else if (at_icase(sc->s, sc->n, i, "http://"))
		j = i + 7;
	else if (at_icase(sc->s, sc->n, i, "www."))
		j = i + 4;
	else
		return 0;
	for (; j < sc->n; j++) {
		c = sc->s[j];
		if ((unsigned char)c <= ' ' || c == 0x7f ||
		    strchr("<>\"'`{}|\\^", c) != NULL)
			break;
		if (c == '(')
			open++;
		else if (c == ')')
			close++;
	}
	/* Prose punctuation after a link is not part of it. */
	while (j > i) {
		c = sc->s[j - 1];
		if (strchr(".,;:!?", c) != NULL)
			j--;
		else if (c == ')' && close > open) {
			close--;
			j--;
		} else
			break;
	}
	return j - i;
}

/*
 * Does the link carry authority?  Credentials in the authority part, a
 * login host, or a path/query word about signing in, magic links,
 * verification, resets, passwords, confirmation, activation, sessions,
 * invitations, or a credential-bearing parameter ("token=", "code=").
 */
static int
url_is_auth(const char *u, size_t len)
{
	size_t	i, ts, tl, k, plen, hostend;
	char	prev[8] = "";

	if (at_icase(u, len, 0, "https://"))
		i = 8;
	else if (at_icase(u, len, 0, "http://"))
		i = 7;
	else
		i = 0;
	for (hostend = i; hostend < len && strchr("/?#", u[hostend]) == NULL;
	    hostend++)
		if (u[hostend] == '@')
			return 1;

	while (i < len) {
		if (!is_alnum((unsigned char)u[i])) {
			i++;
			continue;
		}
		ts = i;
		while (i < len && is_alnum((unsigned char)u[i]))
			i++;
		tl = i - ts;
		if (ts < hostend) {
			if (i < hostend && u[i] == '.' && word_in(u + ts, tl,
			    link_hosts, sizeof(link_hosts) /
			    sizeof(link_hosts[0])))
				return 1;
			continue;
		}
		for (k = 0; k < sizeof(link_words) / sizeof(link_words[0]);
		    k++) {
			plen = strlen(link_words[k].word);
			if (tl >= plen && (link_words[k].prefix ||
			    tl == plen) && at_icase(u, len, ts,
			    link_words[k].word))
				return 1;
		}
		if (i < len && u[i] == '=' && word_in(u + ts, tl, link_params,
		    sizeof(link_params) / sizeof(link_params[0])))
			return 1;
		/* "sign-in", "log_in", "sign/on", "one-time". */
		if ((word_in(prev, strlen(prev), link_first,
		    sizeof(link_first) / sizeof(link_first[0])) &&
		    word_in(u + ts, tl, link_second,
		    sizeof(link_second) / sizeof(link_second[0]))) ||
		    (strcmp(prev, "one") == 0 && tl == 4 &&
		    at_icase(u, len, ts, "time")))
			return 1;
		prev[0] = '\0';
		if (tl < sizeof(prev)) {
			for (k = 0; k < tl; k++)
				prev[k] = (char)lower((unsigned char)u[ts + k]);
			prev[tl] = '\0';
		}
	}
	return 0;
}

char *
scrub_text(unsigned int scrub, const char *text, int *changed)
{
	struct scan	 sc;
	struct outbuf	 o;
	size_t		 i, e, w;
	int		 redact, did = 0;

	if (changed != NULL)
		*changed = 0;
	if (text == NULL)
		return NULL;
	memset(&sc, 0, sizeof(sc));
	memset(&o, 0, sizeof(o));
	sc.s = text;
	sc.n = strlen(text);
	if ((scrub & SCRUB_OTP) && find_keywords(&sc) == -1)
		goto fail;
	o.cap = sc.n + 1;
	if ((o.buf = malloc(o.cap)) == NULL)
		goto fail;
	o.buf[0] = '\0';

	i = 0;
	while (i < sc.n) {
		/* Work happens only at word starts; copy the rest. */
		if (!is_alnum((unsigned char)text[i]) ||
		    (i > 0 && is_alnum((unsigned char)text[i - 1])) ||
		    (scrub & (SCRUB_OTP | SCRUB_AUTH_LINKS)) == 0) {
			out_add(&o, text + i, 1);
			i++;
			continue;
		}
		if ((e = url_at(&sc, i)) > 0) {
			if ((scrub & SCRUB_AUTH_LINKS) &&
			    url_is_auth(text + i, e)) {
				out_add(&o, REDACTED_LINK,
				    sizeof(REDACTED_LINK) - 1);
				did = 1;
			} else
				out_add(&o, text + i, e);
			i += e;
			continue;
		}
		for (w = i; w < sc.n && is_alnum((unsigned char)text[w]); w++)
			;
		redact = 0;
		e = w;
		if (scrub & SCRUB_OTP) {
			if (is_digit((unsigned char)text[i]) && w - i ==
			    strspn(text + i, "0123456789"))
				redact = numeric_code(&sc, i, &e);
			else if (w - i == 1 && letter_code(&sc, i, &e))
				redact = 1;
			else if (alnum_code(&sc, i, w))
				redact = 1;
			if (!redact && e < w)
				e = w;
		}
		if (redact) {
			out_add(&o, REDACTED_CODE, sizeof(REDACTED_CODE) - 1);
			did = 1;
		} else
			out_add(&o, text + i, e - i);
		i = e;
	}
	if (o.failed)
		goto fail;
	free(sc.kw);
	if (changed != NULL)
		*changed = did;
	return o.buf;

fail:
	free(sc.kw);
	free(o.buf);
	return NULL;
}

int
scrub_json_field(unsigned int scrub, json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);
	char	*s;
	int	 changed = 0;

	if (!json_is_string(v))
		return 0;
	if ((s = scrub_text(scrub, json_string_value(v), &changed)) == NULL)
		return -1;
	if (changed)
		json_object_set_new(obj, key, json_string(s));
	free(s);
	return 0;
}
