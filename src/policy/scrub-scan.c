/*
 * The scrubber's scanner: finds one-time codes and authentication links
 * in a view (scrub-view.c: lower case, folded, markup removed) and
 * reports them as spans.  What it detects is described at the top of
 * scrub.c.
 *
 * Keyword positions are found first, in one pass, into one list per
 * kind; the main pass then moves a cursor through each list, and every
 * look-back or look-ahead is bounded by a constant, so the whole is
 * linear in the input and needs no regular expressions.
 */
#include "config.h"

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "policy.h"
#include "scrub.h"

#define OTP_MIN_DIGITS	4
#define OTP_MAX_DIGITS	8
#define ALNUM_MIN	5
#define ALNUM_MAX	10
#define KEYWORD_WINDOW	60	/* keyword to number, same sentence */
#define SHARE_WINDOW	100	/* code, then "do not share" */
#define LINK_BEFORE	80	/* "reset your password:" to its link */
#define LINK_AFTER	40
#define ADJACENT_GAP	4	/* separators between a word and a code */
#define COPULA_GAP	16	/* keyword to code, with "is" in between */
#define OPAQUE_KNOWN	16	/* token on a sign-in provider's link */
#define OPAQUE_CONTEXT	6	/* token next to "reset", "sign in" */
#define HOST_MAX	253	/* longest host name */

struct kwlist {
	struct scrub_span	*v;
	size_t			 n, cap;
	size_t			 cursor;	/* first one not before here */
};

/* The keyword table by first byte: lists through next[], 0 ends one. */
#define KEYWORDS_MAX	255
#define SUFFIX_MAX	16
struct kwindex {
	unsigned char	 head[256];
	unsigned char	 next[KEYWORDS_MAX + 1];
	unsigned char	 len[KEYWORDS_MAX];
	unsigned char	 suffix[SUFFIX_MAX];
	size_t		 nsuffix;
};

struct scan {
	const char		*s;
	size_t			 n;
	struct kwindex		 idx;
	struct kwlist		 otp, alnum, share, link;
	struct scrub_spans	*out;
};

static inline int is_digit(int);
static inline int is_ascii_alnum(int);
static inline int word_byte(const struct scan *, size_t);
static inline int letter(const struct scan *, size_t);
static int	 is_space(int);
static int	 at(const char *, size_t, size_t, const char *);
static int	 word_in(const char *, size_t, const char *const *, size_t);
static size_t	 word_end(const struct scan *, size_t);
static int	 kw_push(struct kwlist *, size_t, size_t);
static int	 record(struct scan *, size_t, size_t, int);
static size_t	 prev_word(const struct scan *, size_t, size_t *, int);
static size_t	 next_word(const struct scan *, size_t, size_t *);
static int	 qualified(const struct scan *, size_t, size_t, int);
static int	 index_keywords(struct kwindex *);
static int	 find_keywords(struct scan *);
static int	 sentence_break(const struct scan *, size_t, size_t);
static int	 near(const struct scan *, struct kwlist *, size_t, size_t,
		    size_t, size_t, int);
static int	 copula_gap(const struct scan *, size_t, size_t);
static int	 keyword_before(const struct scan *, struct kwlist *, size_t);
static int	 keyword_adjacent(struct scan *, size_t, size_t);
static int	 is_reference(const struct scan *, size_t);
static int	 bad_left(const struct scan *, size_t);
static int	 bad_right(const struct scan *, size_t);
static int	 origin_bound(const struct scan *, size_t);
static int	 alone_on_line(const struct scan *, size_t, size_t);
static int	 numeric_code(struct scan *, size_t, size_t *);
static int	 letter_code(struct scan *, size_t, size_t *);
static int	 alnum_code(struct scan *, size_t, size_t *);
static size_t	 bare_host(const struct scan *, size_t);
static size_t	 url_at(const struct scan *, size_t);
static int	 host_known(const char *, size_t);
static int	 reference_segment(const char *, size_t);
static int	 url_is_auth(struct scan *, size_t, size_t);
static int	 add_span(struct scan *, size_t, size_t, int);

static inline int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
is_ascii_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Part of a word: ASCII letters and digits, and the letters of 2-byte
 * UTF-8 (Latin, Greek, Cyrillic...; not U+0080..U+00BF, which are
 * signs).  CJK characters are not: a code may follow them directly.
 */
static inline int
word_byte(const struct scan *sc, size_t i)
{
	const unsigned char	*u = (const unsigned char *)sc->s;

	if (i >= sc->n)
		return 0;
	if (is_ascii_alnum(u[i]))
		return 1;
	if (u[i] >= 0xc3 && u[i] <= 0xdf)
		return 1;
	return (u[i] & 0xc0) == 0x80 && i > 0 && u[i - 1] >= 0xc3 &&
	    u[i - 1] <= 0xdf;
}

static inline int
letter(const struct scan *sc, size_t i)
{
	return word_byte(sc, i) && !is_digit((unsigned char)sc->s[i]);
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Does s[i..n) start with w? */
static int
at(const char *s, size_t n, size_t i, const char *w)
{
	size_t	len = strlen(w);

	return i <= n && n - i >= len && memcmp(s + i, w, len) == 0;
}

static int
word_in(const char *w, size_t len, const char *const *list, size_t n)
{
	size_t	k;

	if (len == 0)
		return 0;
	for (k = 0; k < n; k++)
		if (list[k][0] == w[0] && strncmp(list[k], w, len) == 0 &&
		    list[k][len] == '\0')
			return 1;
	return 0;
}

static size_t
word_end(const struct scan *sc, size_t i)
{
	while (i < sc->n && word_byte(sc, i))
		i++;
	return i;
}

static int
kw_push(struct kwlist *l, size_t start, size_t end)
{
	struct scrub_span	*nv;
	size_t			 ncap;

	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 16 : l->cap * 2;
		if ((nv = reallocarray(l->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].start = start;
	l->v[l->n].end = end;
	l->v[l->n].kind = 0;
	l->n++;
	return 0;
}

static int
record(struct scan *sc, size_t start, size_t end, int kind)
{
	if (qualified(sc, start, end, kind))
		kind &= ~(KW_OTP | KW_ALNUM);
	if (((kind & KW_OTP) && kw_push(&sc->otp, start, end) == -1) ||
	    ((kind & KW_ALNUM) && kw_push(&sc->alnum, start, end) == -1) ||
	    ((kind & KW_SHARE) && kw_push(&sc->share, start, end) == -1) ||
	    ((kind & KW_LINK) && kw_push(&sc->link, start, end) == -1))
		return -1;
	return 0;
}

/*
 * The word before position i, skipping at most ADJACENT_GAP separator
 * bytes; with skip_copula, one copula ("code is 1234") is skipped too.
 * Returns its length (0: none), its start in *ws.
 */
static size_t
prev_word(const struct scan *sc, size_t i, size_t *ws, int skip_copula)
{
	size_t	gap, e;

	for (;;) {
		for (gap = 0; i > 0 && gap <= ADJACENT_GAP &&
		    sc->s[i - 1] != '\0' &&
		    strchr(" \t:=#\"'*", sc->s[i - 1]) != NULL; gap++)
			i--;
		if (gap > ADJACENT_GAP || i == 0 || !letter(sc, i - 1))
			return 0;
		e = i;
		while (i > 0 && word_byte(sc, i - 1))
			i--;
		if (is_digit((unsigned char)sc->s[i]))
			return 0;
		if (skip_copula && word_in(sc->s + i, e - i, scrub_copulas,
		    scrub_ncopulas)) {
			skip_copula = 0;
			continue;
		}
		*ws = i;
		return e - i;
	}
}

/* The word after position i (past spaces and hyphens); its length. */
static size_t
next_word(const struct scan *sc, size_t i, size_t *ws)
{
	size_t	gap;

	for (gap = 0; i < sc->n && gap < ADJACENT_GAP &&
	    (sc->s[i] == ' ' || sc->s[i] == '-'); gap++)
		i++;
	*ws = i;
	return word_end(sc, i) - i;
}

/*
 * Is the keyword s[a..b) about something that is no secret: "zip code",
 * "promo code", "código postal", "codice sconto", "クーポンコード"?
 */
static int
qualified(const struct scan *sc, size_t a, size_t b, int kind)
{
	size_t	ws, len, k, qlen;

	if ((kind & (KW_OTP | KW_ALNUM)) == 0)
		return 0;
	if ((len = prev_word(sc, a, &ws, 0)) > 0 &&
	    word_in(sc->s + ws, len, scrub_qualifiers, scrub_nqualifiers))
		return 1;
	if ((len = next_word(sc, b, &ws)) > 0) {
		if ((len == 2 && (at(sc->s, sc->n, ws, "de") ||
		    at(sc->s, sc->n, ws, "di") || at(sc->s, sc->n, ws, "of"))))
			len = next_word(sc, ws + 2, &ws);
		if (len > 0 && word_in(sc->s + ws, len, scrub_qualifiers,
		    scrub_nqualifiers))
			return 1;
	}
	/* Scripts without spaces: the qualifier sits right before. */
	for (k = 0; k < scrub_nqualifiers; k++) {
		qlen = strlen(scrub_qualifiers[k]);
		if ((unsigned char)scrub_qualifiers[k][0] >= 0xe0 &&
		    a >= qlen && memcmp(sc->s + a - qlen, scrub_qualifiers[k],
		    qlen) == 0)
			return 1;
	}
	if (a >= 2 && at(sc->s, sc->n, a - 2, "qr"))
		return 1;
	return 0;
}

/*
 * Chain the keywords by first byte (entry k + 1; 0 ends a chain), so a
 * word is compared only with the keywords that start like it.  -1 if
 * the tables outgrew the index.
 */
static int
index_keywords(struct kwindex *x)
{
	size_t		k, len;
	unsigned char	first;

	memset(x, 0, sizeof(*x));
	if (scrub_nkeywords > KEYWORDS_MAX)
		return -1;
	for (k = scrub_nkeywords; k-- > 0; ) {
		len = strlen(scrub_keywords[k].word);
		if (len == 0 || len > UCHAR_MAX)
			return -1;
		x->len[k] = (unsigned char)len;
		first = (unsigned char)scrub_keywords[k].word[0];
		if (scrub_keywords[k].match == KM_SUFFIX) {
			if (x->nsuffix == SUFFIX_MAX)
				return -1;
			x->suffix[x->nsuffix++] = (unsigned char)k;
			continue;
		}
		x->next[k + 1] = x->head[first];
		x->head[first] = (unsigned char)(k + 1);
	}
	return 0;
}

static int
find_keywords(struct scan *sc)
{
	const struct scrub_keyword	*kw;
	const unsigned char		*u = (const unsigned char *)sc->s;
	size_t				 i, k, w, len, matched, e;

	if (index_keywords(&sc->idx) == -1)
		return -1;
	for (i = 0; i < sc->n; ) {
		if ((u[i] & 0xf0) == 0xe0) {
			/* CJK: keywords anywhere. */
			for (e = sc->idx.head[u[i]], matched = 0; e != 0;
			    e = sc->idx.next[e]) {
				kw = &scrub_keywords[e - 1];
				len = sc->idx.len[e - 1];
				if (kw->match != KM_CJK || sc->n - i < len ||
				    memcmp(sc->s + i, kw->word, len) != 0)
					continue;
				matched = len;
				if (record(sc, i, i + matched, kw->kind) == -1)
					return -1;
				break;
			}
			i += matched > 0 ? matched : 1;
			continue;
		}
		if (!word_byte(sc, i) || (i > 0 && word_byte(sc, i - 1))) {
			i++;
			continue;
		}
		w = word_end(sc, i);
		for (e = sc->idx.head[u[i]], matched = 0; e != 0;
		    e = sc->idx.next[e]) {
			kw = &scrub_keywords[e - 1];
			len = sc->idx.len[e - 1];
			if ((kw->match != KM_EXACT && kw->match != KM_PREFIX) ||
			    sc->n - i < len || (len > 1 && sc->s[i + 1] !=
			    kw->word[1]) ||
			    memcmp(sc->s + i, kw->word, len) != 0)
				continue;
			if (kw->match == KM_EXACT && word_byte(sc, i + len))
				continue;
			len = word_end(sc, i + len) - i;
			if (record(sc, i, i + len, kw->kind) == -1)
				return -1;
			matched = len;
			break;
		}
		/* Compounds: "Bestätigungscode", "Einmalpasswort". */
		for (k = 0; k < sc->idx.nsuffix; k++) {
			kw = &scrub_keywords[sc->idx.suffix[k]];
			len = sc->idx.len[sc->idx.suffix[k]];
			if (w - i <= len || sc->s[w - 1] != kw->word[len - 1] ||
			    memcmp(sc->s + w - len, kw->word, len) != 0 ||
			    word_in(sc->s + i, w - i, scrub_suffix_stop,
			    scrub_nsuffix_stop))
				continue;
			if (record(sc, i, w, kw->kind) == -1)
				return -1;
			break;
		}
		i = matched > w - i ? i + matched : w;
	}
	return 0;
}

/* Is there a sentence end in s[a..b)? */
static int
sentence_break(const struct scan *sc, size_t a, size_t b)
{
	size_t	i;

	size_t	j;

	for (i = a; i < b && i < sc->n; i++) {
		if (sc->s[i] == '\n' || sc->s[i] == '\r') {
			/* "Your code:\n482913" runs on over the line end. */
			for (j = i; j > a &&
			    is_space((unsigned char)sc->s[j - 1]); j--)
				;
			if (j > a && sc->s[j - 1] == ':')
				continue;
			return 1;
		}
		if ((sc->s[i] == '.' || sc->s[i] == '!' || sc->s[i] == '?') &&
		    (i + 1 >= sc->n || is_space((unsigned char)sc->s[i + 1])))
			return 1;
	}
	return 0;
}

/*
 * Is a keyword of list l within before bytes before s[a..b) or after
 * bytes after it (and, with same_sentence, no sentence end between)?
 * Only the nearest keyword on each side needs a look; candidates come
 * in increasing order, so the cursor only moves forward.
 */
static int
near(const struct scan *sc, struct kwlist *l, size_t a, size_t b,
    size_t before, size_t after, int same_sentence)
{
	size_t	j;

	while (l->cursor < l->n && l->v[l->cursor].start < a)
		l->cursor++;
	if (before > 0 && l->cursor > 0) {
		j = l->cursor - 1;
		if (l->v[j].end <= a && a - l->v[j].end <= before &&
		    (!same_sentence || !sentence_break(sc, l->v[j].end, a)))
			return 1;
	}
	for (j = l->cursor; j < l->n && l->v[j].start < b; j++)
		;
	if (after > 0 && j < l->n && l->v[j].start - b <= after &&
	    (!same_sentence || !sentence_break(sc, b, l->v[j].start)))
		return 1;
	return 0;
}

/*
 * Does s[e..i) hold only separators and at most one copula ("is",
 * "lautet", "是", "は")?
 */
static int
copula_gap(const struct scan *sc, size_t e, size_t i)
{
	size_t	k, len = 0;
	int	copula = 0;

	if (i < e || i - e > COPULA_GAP)
		return 0;
	while (e < i) {
		if (strchr(" \t\r\n:=#\"'*", sc->s[e]) != NULL) {
			e++;
			continue;
		}
		if (copula)
			return 0;
		for (k = 0; k < scrub_ncopulas; k++) {
			len = strlen(scrub_copulas[k]);
			if (at(sc->s, i, e, scrub_copulas[k]) &&
			    ((unsigned char)scrub_copulas[k][0] >= 0xe0 ||
			    !word_byte(sc, e + len)))
				break;
		}
		if (k == scrub_ncopulas)
			return 0;
		e += len;
		copula = 1;
	}
	return 1;
}

/* Is the last keyword of l before i right before it ("code: ", "码是")? */
static int
keyword_before(const struct scan *sc, struct kwlist *l, size_t i)
{
	size_t	j;

	while (l->cursor < l->n && l->v[l->cursor].start < i)
		l->cursor++;
	if (l->cursor == 0)
		return 0;
	j = l->cursor - 1;
	return l->v[j].end <= i && copula_gap(sc, l->v[j].end, i);
}

/* A keyword right before s[a..b) ("code: 1234", "use 1234") or after. */
static int
keyword_adjacent(struct scan *sc, size_t a, size_t b)
{
	static const char *const verbs[] = {
		"use", "enter", "type", "utilisez", "saisissez", "entrez",
		"usa", "introduce", "ingresa", "digite", "insira",
		"inserisci", "gebruik", "voer", "eingeben", "verwenden",
		"\xd0\xb2\xd0\xb2\xd0\xb5\xd0\xb4\xd0\xb8\xd1\x82\xd0\xb5"
	};
	size_t	ws, len, i;

	if (keyword_before(sc, &sc->otp, a))
		return 1;
	if ((len = prev_word(sc, a, &ws, 0)) > 0 && word_in(sc->s + ws, len,
	    verbs, sizeof(verbs) / sizeof(verbs[0])))
		return 1;
	for (i = b; i < sc->n && i - b < ADJACENT_GAP &&
	    is_space((unsigned char)sc->s[i]); i++)
		;
	if (i > b && at(sc->s, sc->n, i, "is your") && !word_byte(sc, i + 7))
		return 1;
	return 0;
}

/* "Order 123456", "Invoice #123456", "order number 123456". */
static int
is_reference(const struct scan *sc, size_t i)
{
	static const char *const number_words[] = {
		"number", "no", "nr", "nummer", "num\xc3\xa9ro", "numero",
		"n\xc3\xbamero", "id",
		"\xd0\xbd\xd0\xbe\xd0\xbc\xd0\xb5\xd1\x80"
	};
	size_t	ws, len;

	if ((len = prev_word(sc, i, &ws, 0)) == 0)
		return 0;
	if (word_in(sc->s + ws, len, number_words,
	    sizeof(number_words) / sizeof(number_words[0]))) {
		if (ws > 0 && sc->s[ws - 1] == '.')
			ws--;
		if ((len = prev_word(sc, ws, &ws, 0)) == 0)
			return 0;
	}
	return word_in(sc->s + ws, len, scrub_reference_words,
	    scrub_nreference_words);
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
	if (word_byte(sc, i - 1) || strchr("$#+@/\\.,_&%~-", c) != NULL)
		return 1;
	/* Currency signs: pound, yen; euro, rupee, ruble; full-width yen. */
	if (i >= 2 && u[i - 2] == 0xc2 && (c == 0xa3 || c == 0xa5))
		return 1;
	if (i >= 3 && u[i - 3] == 0xe2 && u[i - 2] == 0x82 &&
	    (c == 0xac || c == 0xb9 || c == 0xbd))
		return 1;
	if (i >= 3 && u[i - 3] == 0xef && u[i - 2] == 0xbf && c == 0xa5)
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
	if (letter(sc, e) || c == '_' || c == '%')
		return 1;
	if ((c == '-' || c == '/' || c == '\\' || c == '@') &&
	    e + 1 < sc->n && is_ascii_alnum((unsigned char)sc->s[e + 1]))
		return 1;
	if ((c == '.' || c == ',') && e + 1 < sc->n &&
	    is_digit((unsigned char)sc->s[e + 1]))
		return 1;
	return 0;
}

/* Is s[a..b) all there is on its line, but for white space? */
static int
alone_on_line(const struct scan *sc, size_t a, size_t b)
{
	size_t	i, gap;

	for (i = a, gap = 0; i > 0 && gap < ADJACENT_GAP &&
	    (sc->s[i - 1] == ' ' || sc->s[i - 1] == '\t'); i--, gap++)
		;
	if (i > 0 && sc->s[i - 1] != '\n' && sc->s[i - 1] != '\r')
		return 0;
	for (i = b, gap = 0; i < sc->n && gap < ADJACENT_GAP &&
	    (sc->s[i] == ' ' || sc->s[i] == '\t'); i++, gap++)
		;
	return i == sc->n || sc->s[i] == '\n' || sc->s[i] == '\r';
}

/*
 * "@example.com #123456": the origin-bound one-time code line that Apple
 * and the WebOTP API define (a host after '@', then the code after '#'),
 * found at the end of sign-in SMS.
 */
static int
origin_bound(const struct scan *sc, size_t i)
{
	size_t	j, host = 0;

	if (i < 4 || sc->s[i - 1] != '#' || sc->s[i - 2] != ' ')
		return 0;
	for (j = i - 2; j > 0 && host < HOST_MAX &&
	    (is_ascii_alnum((unsigned char)sc->s[j - 1]) ||
	    sc->s[j - 1] == '.' || sc->s[j - 1] == '-'); j--, host++)
		;
	return host > 0 && j > 0 && sc->s[j - 1] == '@' &&
	    (j == 1 || is_space((unsigned char)sc->s[j - 2]));
}

/*
 * A run of digits starts at i (a word start).  Sets *end past what was
 * looked at and returns 1 if s[i..*end) is a one-time code.
 */
static int
numeric_code(struct scan *sc, size_t i, size_t *end)
{
	size_t	g1s = i, g1e, g2s, g2e, j, ngroups = 1, len, digits;
	char	sep = '\0', c;
	int	year, singles = 1, mixed = 0;

	for (j = i; j < sc->n && is_digit((unsigned char)sc->s[j]); j++)
		;
	g1e = g2s = g2e = j;
	digits = j - i;
	if (digits != 1)
		singles = 0;
	/* Swallow the whole separated digit sequence. */
	while (j + 1 < sc->n && sc->s[j] != '\0' &&
	    strchr(" -.,/:", sc->s[j]) != NULL &&
	    is_digit((unsigned char)sc->s[j + 1])) {
		c = sc->s[j];
		if (ngroups == 1) {
			sep = c;
			g2s = j + 1;
		} else if (c != sep)
			mixed = 1;
		for (len = 0, j++; j < sc->n &&
		    is_digit((unsigned char)sc->s[j]); j++, len++)
			;
		if (len != 1)
			singles = 0;
		digits += len;
		if (ngroups == 1)
			g2e = j;
		ngroups++;
	}
	*end = j;
	if (ngroups == 1 && origin_bound(sc, g1s) && !bad_right(sc, j) &&
	    j - g1s >= OTP_MIN_DIGITS && j - g1s <= OTP_MAX_DIGITS)
		return 1;
	if (bad_left(sc, g1s))
		return 0;

	if (singles && !mixed && (sep == ' ' || sep == '-') &&
	    ngroups >= OTP_MIN_DIGITS && ngroups <= OTP_MAX_DIGITS) {
		/* "7 3 1 9 6 4": one digit at a time, or one per cell. */
		if (bad_right(sc, j))
			return 0;
	} else if (ngroups == 3 && sep == ' ' && !mixed && digits == 6 &&
	    g1e - g1s == 2 && g2e - g2s == 2) {
		/* "39 01 82": three pairs. */
		if (bad_right(sc, j))
			return 0;
	} else if (ngroups == 2 && (sep == ' ' || sep == '-') &&
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
	if (year)
		return 0;
	/* A code alone on its line goes with the lines around it. */
	return near(sc, &sc->otp, g1s, *end, KEYWORD_WINDOW, KEYWORD_WINDOW,
	    !alone_on_line(sc, g1s, *end)) ||
	    near(sc, &sc->share, g1s, *end, 0, SHARE_WINDOW, 0);
}

/* "G-123456": one letter, a dash, 4..8 digits, near a keyword. */
static int
letter_code(struct scan *sc, size_t i, size_t *end)
{
	size_t	j;

	if (i + 2 >= sc->n || !is_ascii_alnum((unsigned char)sc->s[i]) ||
	    is_digit((unsigned char)sc->s[i]) || sc->s[i + 1] != '-' ||
	    !is_digit((unsigned char)sc->s[i + 2]))
		return 0;
	for (j = i + 2; j < sc->n && is_digit((unsigned char)sc->s[j]); j++)
		;
	if (j - i - 2 < OTP_MIN_DIGITS || j - i - 2 > OTP_MAX_DIGITS ||
	    bad_right(sc, j))
		return 0;
	*end = j;
	return keyword_adjacent(sc, i, j) || near(sc, &sc->otp, i, j,
	    KEYWORD_WINDOW, KEYWORD_WINDOW, 1) || near(sc, &sc->share, i, j,
	    0, SHARE_WINDOW, 0);
}

/*
 * "code: A7K2Q9", "Your code is X9Q2-7KLM", "login token: 8f3a9c2d": a
 * token of ASCII letters and digits (one inner dash allowed) right
 * after a code keyword, with a digit and a letter in it, that does not
 * read as a word with a number ("SAVE20", "10min").
 */
static int
alnum_code(struct scan *sc, size_t i, size_t *end)
{
	size_t	j, digits = 0, letters = 0, run = 0, maxrun = 0;
	size_t	dashes = 0;
	size_t	lead_letters = 0, lead_digits = 0;
	int	seen_digit = 0, seen_letter = 0;

	for (j = i; j < sc->n; j++) {
		unsigned char	c = (unsigned char)sc->s[j];

		if (is_digit(c)) {
			digits++;
			run = 0;
			seen_digit = 1;
			if (!seen_letter)
				lead_digits++;
		} else if (c >= 'a' && c <= 'z') {
			letters++;
			if (++run > maxrun)
				maxrun = run;
			seen_letter = 1;
			if (!seen_digit)
				lead_letters++;
		} else if (c == '-' && dashes == 0 && j > i && j + 1 < sc->n &&
		    is_ascii_alnum((unsigned char)sc->s[j + 1])) {
			dashes++;
			run = 0;
		} else
			break;
	}
	*end = j;
	if (digits + letters < ALNUM_MIN || digits + letters > ALNUM_MAX ||
	    digits == 0 || letters == 0 || maxrun > 4 || word_byte(sc, j) ||
	    bad_right(sc, j))
		return 0;
	/* "save20", "summer2024"; "10min", "128gb". */
	if ((lead_letters >= 3 && lead_letters == letters) ||
	    (lead_digits == digits && letters <= 3 && dashes == 0))
		return 0;
	if (keyword_before(sc, &sc->alnum, i))
		return 1;
	/* "código de verificación de Epic Games: 8P4K2W". */
	for (j = i; j > 0 && i - j < ADJACENT_GAP && sc->s[j - 1] == ' '; j--)
		;
	return j > 0 && sc->s[j - 1] == ':' && near(sc, &sc->alnum, j - 1, i,
	    KEYWORD_WINDOW, 0, 1);
}

/*
 * A link written without its scheme, as sign-in SMS do
 * ("v.whatsapp.com/552018"): a host of two or more labels ending in 2 to
 * 6 letters, right followed by '/', not part of an address or a longer
 * name.  Returns the position of the '/', or 0.
 */
static size_t
bare_host(const struct scan *sc, size_t i)
{
	size_t	j, dots = 0, last = i;

	if (i > 0 && (sc->s[i - 1] == '@' || sc->s[i - 1] == '.' ||
	    sc->s[i - 1] == '/' || word_byte(sc, i - 1)) )
		return 0;
	for (j = i; j < sc->n && j - i < HOST_MAX &&
	    (is_ascii_alnum((unsigned char)sc->s[j]) || sc->s[j] == '-' ||
	    sc->s[j] == '.'); j++)
		if (sc->s[j] == '.') {
			if (j == i || sc->s[j - 1] == '.')
				return 0;
			dots++;
			last = j + 1;
		}
	if (dots == 0 || j >= sc->n || sc->s[j] != '/' || j - last < 2 ||
	    j - last > 6)
		return 0;
	for (; last < j; last++)
		if (!(sc->s[last] >= 'a' && sc->s[last] <= 'z'))
			return 0;
	return j;
}

/*
 * Length of a URL starting at i ("http://", "https://", "www.", or a
 * bare host and path), or 0.
 */
static size_t
url_at(const struct scan *sc, size_t i)
{
	size_t	j, open = 0, close = 0;
	char	c;

	if (at(sc->s, sc->n, i, "https://"))
		j = i + 8;
	else if (at(sc->s, sc->n, i, "http://"))
		j = i + 7;
	else if (at(sc->s, sc->n, i, "www."))
		j = i + 4;
	else if ((j = bare_host(sc, i)) == 0)
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
 * Is the path segment before the token at u[ts] a reference word
 * ("/orders/482913", "/ticket/4829")?  Plurals count.
 */
static int
reference_segment(const char *u, size_t ts)
{
	size_t	e, b;

	if (ts < 2 || u[ts - 1] != '/')
		return 0;
	for (e = b = ts - 1; b > 0 && u[b - 1] != '/' && e - b < 32; b--)
		;
	if (e - b > 1 && u[e - 1] == 's')
		e--;
	return word_in(u + b, e - b, scrub_reference_words,
	    scrub_nreference_words);
}

/* Is the host h[0..len) a listed provider or under one? */
static int
host_known(const char *h, size_t len)
{
	size_t	k, dl;

	for (k = 0; k < scrub_nauth_domains; k++) {
		dl = strlen(scrub_auth_domains[k]);
		if (dl > len || memcmp(h + len - dl, scrub_auth_domains[k],
		    dl) != 0)
			continue;
		if (dl == len || h[len - dl - 1] == '.')
			return 1;
	}
	return 0;
}

/*
 * Does the link s[at..at+len) carry authority?  Credentials in the
 * authority part, a login host, a path or query word about signing in,
 * resets, verification and the like, a credential-bearing parameter,
 * or an opaque token: a long one ("/r/AbC9...") on a sign-in provider's
 * link, a short one next to words like "reset your password".
 */
static int
url_is_auth(struct scan *sc, size_t start, size_t len)
{
	static const char *const params[] = {
		"token", "code", "ticket", "nonce", "otp", "pin", "key"
	};
	static const char *const first[] = { "sign", "log" };
	static const char *const second[] = { "in", "on" };
	static const char *const hosts[] = { "login", "signin", "auth", "sso" };
	const char	*u = sc->s + start;
	size_t		 i, ts, tl, k, plen, hs, hostend, prevseg;
	size_t		 seglen = 0;
	size_t		 digits, letters, flips, nseg = 0;
	int		 kind;
	int		 known, context;
	int		 opaque_known = 0, opaque_context = 0, code_token = 0;
	char		 prev[8] = "";

	if (at(u, len, 0, "https://"))
		i = 8;
	else if (at(u, len, 0, "http://"))
		i = 7;
	else
		i = 0;
	hs = i;
	for (hostend = i; hostend < len && strchr("/?#", u[hostend]) == NULL;
	    hostend++)
		if (u[hostend] == '@')
			return 1;
	for (k = hs; k < hostend && u[k] != ':'; k++)
		;
	known = host_known(u + hs, k - hs) &&
	    !at(u, len, hs, "docs.") && !at(u, len, hs, "drive.");
	context = near(sc, &sc->link, start, start + len, LINK_BEFORE,
	    LINK_AFTER, 0);

	/* Opaque tokens: runs of letters, digits, '-' and '_'. */
	for (i = hostend, prevseg = SIZE_MAX; i < len; ) {
		if (!is_ascii_alnum((unsigned char)u[i]) && u[i] != '-' &&
		    u[i] != '_') {
			if (u[i] == '/' || u[i] == '?' || u[i] == '&' ||
			    u[i] == '=' || u[i] == '#')
				prevseg = seglen;
			seglen = 0;
			i++;
			continue;
		}
		for (ts = i, digits = letters = flips = 0, kind = 0; i < len &&
		    (is_ascii_alnum((unsigned char)u[i]) || u[i] == '-' ||
		    u[i] == '_'); i++) {
			if (u[i] == '-' || u[i] == '_')
				continue;
			if (is_digit((unsigned char)u[i]))
				digits++;
			else
				letters++;
			if (kind != 0 && kind != 1 +
			    is_digit((unsigned char)u[i]))
				flips++;
			kind = 1 + is_digit((unsigned char)u[i]);
		}
		tl = seglen = i - ts;
		nseg++;
		/* Random, not "jane-doe-4829137a": letters and digits mix. */
		if (tl >= OPAQUE_KNOWN && digits >= 2 && letters >= 2 &&
		    flips >= 3 &&
		    (nseg == 1 || prevseg <= 2 || (ts > 0 && u[ts - 1] == '=')))
			opaque_known = 1;
		if (tl >= OPAQUE_CONTEXT && digits >= 1 && letters >= 1)
			opaque_context = 1;
		/* The code itself in the path ("/l/943016"); not a year. */
		if (letters == 0 && digits >= OTP_MIN_DIGITS &&
		    digits <= OTP_MAX_DIGITS && tl == digits &&
		    !reference_segment(u, ts) && !(tl == 4 &&
		    (at(u, len, ts, "19") || at(u, len, ts, "20"))))
			code_token = 1;
	}
	if (code_token && near(sc, &sc->otp, start, start + len,
	    KEYWORD_WINDOW, KEYWORD_WINDOW, 0))
		return 1;
	if ((known && opaque_known) || (context && opaque_context))
		return 1;

	for (i = hs; i < len; ) {
		if (!is_ascii_alnum((unsigned char)u[i])) {
			i++;
			continue;
		}
		ts = i;
		while (i < len && is_ascii_alnum((unsigned char)u[i]))
			i++;
		tl = i - ts;
		if (ts < hostend) {
			if (i < hostend && u[i] == '.' && word_in(u + ts, tl,
			    hosts, sizeof(hosts) / sizeof(hosts[0])))
				return 1;
			continue;
		}
		for (k = 0; k < scrub_nlink_words; k++) {
			plen = strlen(scrub_link_words[k].word);
			if (tl < plen || memcmp(u + ts,
			    scrub_link_words[k].word, plen) != 0)
				continue;
			if (scrub_link_words[k].match == KM_PREFIX)
				return 1;
			/* "/mfa", "/otp/1", "?session=": not in a slug. */
			if (tl == plen &&
			    strchr("/?&=#;.", u[ts - 1]) != NULL &&
			    (i == len || strchr("/?&=#;.", u[i]) != NULL))
				return 1;
		}
		if (i < len && u[i] == '=' && word_in(u + ts, tl, params,
		    sizeof(params) / sizeof(params[0])))
			return 1;
		/* "sign-in", "log_in", "sign/on", "one-time". */
		if ((word_in(prev, strlen(prev), first, 2) &&
		    word_in(u + ts, tl, second, 2)) ||
		    (strcmp(prev, "one") == 0 && tl == 4 &&
		    at(u, len, ts, "time")))
			return 1;
		prev[0] = '\0';
		if (tl < sizeof(prev)) {
			memcpy(prev, u + ts, tl);
			prev[tl] = '\0';
		}
	}
	return 0;
}

static int
add_span(struct scan *sc, size_t start, size_t end, int kind)
{
	struct scrub_spans	*o = sc->out;
	struct scrub_span	*nv;
	size_t			 ncap;

	if (o->n == o->cap) {
		ncap = o->cap == 0 ? 8 : o->cap * 2;
		if ((nv = reallocarray(o->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		o->v = nv;
		o->cap = ncap;
	}
	o->v[o->n].start = start;
	o->v[o->n].end = end;
	o->v[o->n].kind = kind;
	o->n++;
	return 0;
}

int
scrub_scan(unsigned int flags, const struct scrub_view *v,
    struct scrub_spans *out)
{
	struct scan	 sc;
	size_t		 i, e, w;
	int		 redact, rc = -1;

	memset(&sc, 0, sizeof(sc));
	sc.s = v->s;
	sc.n = v->n;
	sc.out = out;
	if ((flags & (SCRUB_OTP | SCRUB_AUTH_LINKS)) == 0)
		return 0;
	if (find_keywords(&sc) == -1)
		goto done;

	for (i = 0; i < sc.n; ) {
		/* Work happens only at word starts. */
		if (!is_ascii_alnum((unsigned char)sc.s[i]) ||
		    (i > 0 && word_byte(&sc, i - 1))) {
			i++;
			continue;
		}
		if ((e = url_at(&sc, i)) > 0) {
			if ((flags & SCRUB_AUTH_LINKS) &&
			    url_is_auth(&sc, i, e) &&
			    add_span(&sc, i, i + e, SCRUB_SPAN_LINK) == -1)
				goto done;
			i += e;
			continue;
		}
		w = word_end(&sc, i);
		redact = 0;
		e = w;
		if (flags & SCRUB_OTP) {
			if (is_digit((unsigned char)sc.s[i]) && w - i ==
			    strspn(sc.s + i, "0123456789"))
				redact = numeric_code(&sc, i, &e);
			else if (w - i == 1 && letter_code(&sc, i, &e))
				redact = 1;
			else if (alnum_code(&sc, i, &e))
				redact = 1;
			if (!redact && e < w)
				e = w;
		}
		if (redact && add_span(&sc, i, e, SCRUB_SPAN_CODE) == -1)
			goto done;
		i = e > i ? e : i + 1;
	}
	rc = 0;
done:
	free(sc.otp.v);
	free(sc.alnum.v);
	free(sc.share.v);
	free(sc.link.v);
	return rc;
}
