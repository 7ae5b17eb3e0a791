/*
 * Content rules for outbound text: the length limit, the built-in
 * secret detectors (private keys, cloud and chat tokens, JWTs, card
 * numbers) and the configured patterns.  Text is matched after removing
 * invisible characters and folding width and case, so that zero-width
 * joiners, bidi overrides, soft hyphens, full-width letters or mixed
 * case cannot hide a match.  Every failure denies.  The loader asks
 * here whether a configured pattern is too costly to compile.
 */
#include "config.h"

#include <sys/types.h>

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "policy.h"
#include "util.h"

#define DETECT_ALL	(DETECT_PRIVATE_KEY | DETECT_AWS_KEY | \
			 DETECT_GITHUB_TOKEN | DETECT_SLACK_TOKEN | \
			 DETECT_JWT | DETECT_CREDIT_CARD)

#define CARD_MIN_DIGITS	13
#define CARD_MAX_DIGITS	19
#define JWT_MIN_SEGMENT	10
/* How far before "private key" a PEM "-----begin" may be, same line. */
#define PEM_WINDOW	64

struct range {
	uint32_t	lo, hi;
};

/*
 * Characters that render as nothing (or as blank filler) and so can be
 * slipped into a word without a reader noticing: zero-width and joiner
 * characters, bidi embeddings, overrides and isolates, invisible
 * operators, the BOM, soft hyphen, combining grapheme joiner, Hangul and
 * Mongolian fillers, variation selectors, interlinear annotation marks,
 * musical formatting controls and tag characters.
 */
static const struct range invisible[] = {
	{ 0x00ad, 0x00ad },	/* soft hyphen */
	{ 0x034f, 0x034f },	/* combining grapheme joiner */
	{ 0x061c, 0x061c },	/* Arabic letter mark */
	{ 0x115f, 0x1160 },	/* Hangul fillers */
	{ 0x17b4, 0x17b5 },	/* Khmer inherent vowels */
	{ 0x180b, 0x180f },	/* Mongolian selectors, vowel separator */
	{ 0x200b, 0x200f },	/* zero width space .. RLM */
	{ 0x202a, 0x202e },	/* bidi embeddings and overrides */
	{ 0x2060, 0x206f },	/* word joiner, invisible ops, isolates */
	{ 0x3164, 0x3164 },	/* Hangul filler */
	{ 0xfe00, 0xfe0f },	/* variation selectors */
	{ 0xfeff, 0xfeff },	/* byte order mark, ZWNBSP */
	{ 0xffa0, 0xffa0 },	/* half-width Hangul filler */
	{ 0xfff9, 0xfffb },	/* interlinear annotation */
	{ 0x1bca0, 0x1bca3 },	/* shorthand format controls */
	{ 0x1d173, 0x1d17a },	/* musical formatting */
	{ 0xe0000, 0xe007f },	/* tags */
	{ 0xe0100, 0xe01ef }	/* variation selectors supplement */
};

static int	 utf8_decode(const unsigned char *, size_t, uint32_t *);
static size_t	 utf8_encode(uint32_t, char *);
static int	 is_invisible(uint32_t);
static uint32_t	 fold_case(uint32_t);
static char	*normalize_text(const char *, size_t, int);
static void	 free_text(char *);
static int	 lower(int);
static int	 is_digit(int);
static int	 is_lower_alnum(int);
static int	 is_base64url(int);
static int	 starts_with(const char *, const char *);
static int	 window_has(const char *, size_t, const char *);
static int	 detect_private_key(const char *);
static int	 detect_aws_key(const char *);
static int	 detect_github_token(const char *);
static int	 detect_slack_token(const char *);
static int	 detect_jwt(const char *);
static int	 detect_credit_card(const char *);

/*
 * Decode one UTF-8 sequence of at most len bytes.  Returns its length,
 * or -1 for anything malformed (overlong forms, surrogates, beyond
 * U+10FFFF, truncation) and for NUL, which would cut the text short
 * for every later consumer.
 */
static int
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	c;
	size_t		n, k;

	if (len == 0 || s[0] == 0)
		return -1;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 1;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 2;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 3;
		c = s[0] & 0x07;
	} else
		return -1;
	if (len <= n)
		return -1;
	for (k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[k] & 0x3f);
	}
	if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return -1;
	*cp = c;
	return (int)n + 1;
}

static size_t
utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
is_invisible(uint32_t cp)
{
	size_t	i;

	if (cp < 0xad)
		return 0;
	for (i = 0; i < sizeof(invisible) / sizeof(invisible[0]); i++)
		if (cp >= invisible[i].lo && cp <= invisible[i].hi)
			return 1;
	return 0;
}

/*
 * Simple case folding for ASCII, Latin-1, Latin Extended-A, Greek and
 * basic Cyrillic, plus the few letters whose folding lands in ASCII
 * (Kelvin sign, long s, dotted capital I) since those are the ones that
 * defeat an ASCII pattern.  Every mapping keeps or shrinks the UTF-8
 * length, which normalize_text relies on.
 */
static uint32_t
fold_case(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
	if (c < 0x100) {
		if (c >= 0xc0 && c <= 0xde && c != 0xd7)
			return c + 0x20;
		if (c == 0xb5)
			return 0x3bc;		/* micro sign → mu */
		return c;
	}
	if (c <= 0x17f) {
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xff;
		if (c == 0x17f)
			return 's';
		if ((c >= 0x100 && c <= 0x12f) || (c >= 0x132 && c <= 0x137) ||
		    (c >= 0x14a && c <= 0x177))
			return (c & 1) ? c : c + 1;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c + 1 : c;
		return c;
	}
	if (c >= 0x386 && c <= 0x3ab) {
		if (c == 0x386)
			return 0x3ac;
		if (c >= 0x388 && c <= 0x38a)
			return c + 0x25;
		if (c == 0x38c)
			return 0x3cc;
		if (c == 0x38e || c == 0x38f)
			return c + 0x3f;
		if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
			return c + 0x20;
		return c;
	}
	if (c == 0x3c2)
		return 0x3c3;			/* final sigma */
	if (c >= 0x400 && c <= 0x52f) {
		if (c <= 0x40f)
			return c + 0x50;
		if (c <= 0x42f)
			return c + 0x20;
		if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
		    (c >= 0x4d0 && c <= 0x52f))
			return (c & 1) ? c : c + 1;
		if (c == 0x4c0)
			return 0x4cf;
		if (c >= 0x4c1 && c <= 0x4ce)
			return (c & 1) ? c + 1 : c;
		return c;
	}
	if (c == 0x1e9e)
		return 0xdf;			/* capital sharp s */
	if (c == 0x2126)
		return 0x3c9;			/* ohm sign */
	if (c == 0x212a)
		return 'k';			/* Kelvin sign */
	if (c == 0x212b)
		return 0xe5;			/* angstrom sign */
	return c;
}

/*
 * The shared normaliser: drops invisibles, folds full-width ASCII and
 * the ideographic space, and folds case when fold is set.  Output never
 * grows, so len + 1 bytes are enough.
 */
static char *
normalize_text(const char *text, size_t len, int fold)
{
	const unsigned char	*s = (const unsigned char *)text;
	char			*out;
	size_t			 i = 0, o = 0;
	uint32_t		 cp;
	int			 n;

	if (text == NULL || len == SIZE_MAX)
		return NULL;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, &cp)) == -1) {
			explicit_bzero(out, o);
			free(out);
			return NULL;
		}
		i += (size_t)n;
		if (is_invisible(cp))
			continue;
		if (cp >= 0xff01 && cp <= 0xff5e)
			cp -= 0xfee0;
		else if (cp == 0x3000)
			cp = ' ';
		if (fold)
			cp = fold_case(cp);
		o += utf8_encode(cp, out + o);
	}
	out[o] = '\0';
	return out;
}

/* Text under inspection may hold a secret: wipe it before freeing. */
static void
free_text(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

char *
content_normalize(const char *text, size_t len)
{
	return normalize_text(text, len, 1);
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Letters or digits; detectors ignore case so raw text works too. */
static int
is_lower_alnum(int c)
{
	c = lower(c);
	return is_digit(c) || (c >= 'a' && c <= 'z');
}

static int
is_base64url(int c)
{
	return is_lower_alnum(c) || c == '-' || c == '_';
}

/* Does s start with the lower-case word w, ignoring ASCII case? */
static int
starts_with(const char *s, const char *w)
{
	for (; *w != '\0'; s++, w++)
		if (lower((unsigned char)*s) != *w)
			return 0;
	return 1;
}

/* Is w in the n bytes at s (which may end earlier at NUL)? */
static int
window_has(const char *s, size_t n, const char *w)
{
	size_t	i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		if (starts_with(s + i, w))
			return 1;
	return 0;
}

/*
 * PEM, OpenSSH, PGP and PuTTY private keys: "private key" on the same
 * line as, and shortly after, "-----begin" or "-----end", or directly
 * followed by dashes.
 */
static int
detect_private_key(const char *s)
{
	const char	*p, *q, *lo;

	if (window_has(s, SIZE_MAX, "openssh private key") ||
	    window_has(s, SIZE_MAX, "putty-user-key-file-"))
		return 1;
	for (p = s; *p != '\0'; p++) {
		if (!starts_with(p, "private key"))
			continue;
		q = p + strlen("private key");
		if (starts_with(q, "-----") || starts_with(q, " block-----"))
			return 1;
		lo = (size_t)(p - s) > PEM_WINDOW ? p - PEM_WINDOW : s;
		for (q = p; q > lo && q[-1] != '\n'; q--)
			;
		if (window_has(q, (size_t)(p - q), "-----begin") ||
		    window_has(q, (size_t)(p - q), "-----end"))
			return 1;
	}
	return 0;
}

/* AWS access key ids: AKIA or ASIA and 16 letters or digits. */
static int
detect_aws_key(const char *s)
{
	size_t	i;

	for (; *s != '\0'; s++) {
		if (!starts_with(s, "akia") && !starts_with(s, "asia"))
			continue;
		for (i = 4; i < 20 && is_lower_alnum((unsigned char)s[i]); i++)
			;
		if (i == 20)
			return 1;
	}
	return 0;
}

/* GitHub tokens: gh[pousr]_ and 36 letters or digits, github_pat_ ... */
static int
detect_github_token(const char *s)
{
	size_t	i;

	for (; *s != '\0'; s++) {
		if (starts_with(s, "github_pat_")) {
			for (i = 11; i < 33 && (is_lower_alnum(
			    (unsigned char)s[i]) || s[i] == '_'); i++)
				;
			if (i == 33)
				return 1;
			continue;
		}
		if (lower((unsigned char)s[0]) != 'g' ||
		    lower((unsigned char)s[1]) != 'h' ||
		    strchr("pousr", lower((unsigned char)s[2])) == NULL ||
		    s[2] == '\0' || s[3] != '_')
			continue;
		for (i = 4; i < 40 && is_lower_alnum((unsigned char)s[i]); i++)
			;
		if (i == 40)
			return 1;
	}
	return 0;
}

/* Slack tokens: xox[abposr]- and at least 10 letters, digits, dashes. */
static int
detect_slack_token(const char *s)
{
	size_t	i;

	for (; *s != '\0'; s++) {
		if (!starts_with(s, "xox") || s[3] == '\0' ||
		    strchr("abposr", lower((unsigned char)s[3])) == NULL ||
		    s[4] != '-')
			continue;
		for (i = 5; i < 15 && (is_lower_alnum((unsigned char)s[i]) ||
		    s[i] == '-'); i++)
			;
		if (i == 15)
			return 1;
	}
	return 0;
}

/*
 * JWTs: three base64url segments joined by dots, the first starting
 * "eyj" (a JSON object, base64url-encoded), each at least 10 long.  The
 * text is walked one run of base64url characters at a time, so the work
 * stays linear however the runs are arranged.
 */
static int
detect_jwt(const char *s)
{
	const char	*p = s, *q, *eyj;
	size_t		 seg, n;

	while (*p != '\0') {
		if (!is_base64url((unsigned char)*p)) {
			p++;
			continue;
		}
		eyj = NULL;
		while (is_base64url((unsigned char)*p)) {
			if (eyj == NULL && starts_with(p, "eyj"))
				eyj = p;
			p++;
		}
		if (eyj == NULL || p - eyj < JWT_MIN_SEGMENT || *p != '.')
			continue;
		/* Two more segments after the first. */
		for (q = p, seg = 0; seg < 2; seg++) {
			if (*q != '.')
				break;
			q++;
			for (n = 0; is_base64url((unsigned char)q[n]); n++)
				;
			if (n < JWT_MIN_SEGMENT)
				break;
			q += n;
		}
		if (seg == 2)
			return 1;
	}
	return 0;
}

int
luhn_valid(const char *digits, size_t n)
{
	size_t		i;
	unsigned int	sum = 0, d;
	int		dbl = 0;

	if (digits == NULL || n < 2)
		return 0;
	for (i = n; i > 0; i--) {
		if (!is_digit((unsigned char)digits[i - 1]))
			return 0;
		d = (unsigned int)(digits[i - 1] - '0');
		if (dbl) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

/*
 * Card numbers: 13..19 digits, groups separated by one space or dash,
 * Luhn-valid, and made of whole digit runs (a longer run of digits is
 * not a card, nor is part of one).  Each time a group is read, every
 * window of whole groups ending with it is tried.  Luhn counts from the
 * right, and all those windows share their right end, so one walk
 * backwards over at most 19 digits checks them all: the scan is linear.
 */
static int
detect_credit_card(const char *s)
{
	size_t		start[CARD_MAX_DIGITS], glen[CARD_MAX_DIGITS];
	size_t		i = 0, ng, k, n, a, j;
	unsigned int	sum, d;

	while (s[i] != '\0') {
		if (!is_digit((unsigned char)s[i])) {
			i++;
			continue;
		}
		ng = 0;
		for (;;) {
			k = i;
			while (is_digit((unsigned char)s[i]))
				i++;
			if (ng == CARD_MAX_DIGITS) {
				/* Older groups can no longer be in a window. */
				memmove(start, start + 1,
				    (ng - 1) * sizeof(start[0]));
				memmove(glen, glen + 1,
				    (ng - 1) * sizeof(glen[0]));
				ng--;
			}
			start[ng] = k;
			glen[ng] = i - k;
			ng++;
			n = 0;
			sum = 0;
			for (a = ng; a > 0 &&
			    n + glen[a - 1] <= CARD_MAX_DIGITS; a--) {
				for (j = glen[a - 1]; j > 0; j--, n++) {
					d = (unsigned int)(s[start[a - 1] +
					    j - 1] - '0');
					if (n % 2 == 1 && (d *= 2) > 9)
						d -= 9;
					sum += d;
				}
				if (n >= CARD_MIN_DIGITS && sum % 10 == 0)
					return 1;
			}
			if ((s[i] == ' ' || s[i] == '-') &&
			    is_digit((unsigned char)s[i + 1])) {
				i++;
				continue;
			}
			break;
		}
	}
	return 0;
}

int
content_detect(unsigned int detect, const char *s)
{
	if (detect == 0)
		return 0;
	/* A detector this build does not know counts as found. */
	if (s == NULL || (detect & ~(unsigned int)DETECT_ALL) != 0)
		return 1;
	if ((detect & DETECT_PRIVATE_KEY) && detect_private_key(s))
		return 1;
	if ((detect & DETECT_AWS_KEY) && detect_aws_key(s))
		return 1;
	if ((detect & DETECT_GITHUB_TOKEN) && detect_github_token(s))
		return 1;
	if ((detect & DETECT_SLACK_TOKEN) && detect_slack_token(s))
		return 1;
	if ((detect & DETECT_JWT) && detect_jwt(s))
		return 1;
	if ((detect & DETECT_CREDIT_CARD) && detect_credit_card(s))
		return 1;
	return 0;
}

void
content_check(const struct config *cfg, const char *text, size_t len,
    struct verdict *v)
{
	const struct content_rule	*r, *hold = NULL;
	char				*folded = NULL, *plain = NULL;
	const char			*subject;
	size_t				 i, chars = 0;
	int				 matched, rc;

	if (v == NULL)
		return;
	memset(v, 0, sizeof(*v));
	v->kind = VERDICT_DENY;
	v->rule = "content";
	if (cfg == NULL || text == NULL || (cfg->nrules > 0 &&
	    cfg->rules == NULL)) {
		(void)strlcpy(v->reason, "no content policy",
		    sizeof(v->reason));
		return;
	}
	if (!util_utf8_valid(text, len)) {
		v->rule = "content.encoding";
		(void)strlcpy(v->reason, "text is not valid UTF-8",
		    sizeof(v->reason));
		return;
	}
	for (i = 0; i < len; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			chars++;
	if (chars > cfg->content_max_length) {
		v->rule = "content.max_length";
		(void)snprintf(v->reason, sizeof(v->reason),
		    "text has %zu characters, more than %zu", chars,
		    cfg->content_max_length);
		return;
	}
	if ((folded = normalize_text(text, len, 1)) == NULL) {
		(void)strlcpy(v->reason, "cannot normalise text",
		    sizeof(v->reason));
		return;
	}

	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		matched = content_detect(r->detect, folded);
		if (!matched && r->pattern != NULL) {
			if (r->icase)
				subject = folded;
			else {
				if (plain == NULL &&
				    (plain = normalize_text(text, len, 0)) ==
				    NULL) {
					(void)strlcpy(v->reason,
					    "cannot normalise text",
					    sizeof(v->reason));
					goto done;
				}
				subject = plain;
			}
			rc = regexec(&r->regex, subject, 0, NULL, 0);
			if (rc != 0 && rc != REG_NOMATCH) {
				v->rule = r->name != NULL ? r->name :
				    "content.rule";
				(void)strlcpy(v->reason,
				    "content rule could not be evaluated",
				    sizeof(v->reason));
				goto done;
			}
			matched = rc == 0;
		}
		if (!matched)
			continue;
		if (r->action != RULE_HOLD) {
			/* Block, or an action this build does not know. */
			v->rule = r->name != NULL ? r->name : "content.rule";
			(void)snprintf(v->reason, sizeof(v->reason),
			    "content blocked by rule \"%s\"", v->rule);
			goto done;
		}
		if (hold == NULL)
			hold = r;
	}
	if (hold != NULL) {
		v->kind = VERDICT_HOLD;
		v->rule = hold->name != NULL ? hold->name : "content.rule";
		(void)snprintf(v->reason, sizeof(v->reason),
		    "content held by rule \"%s\"", v->rule);
	} else {
		v->kind = VERDICT_ALLOW;
		v->rule = NULL;
		v->reason[0] = '\0';
	}
done:
	free_text(folded);
	free_text(plain);
}

/*
 * The regex library expands bounded repetition by copying the repeated
 * expression, so "(a{100}){100}" or "a++++..." compiles to a huge
 * automaton: a configuration could exhaust the handler's memory before
 * a single request.  Refuse patterns whose expansion, estimated the same
 * way, passes PATTERN_COST_MAX, and back-references (exponential to
 * match).
 */
#define PATTERN_LEN_MAX		1024
#define PATTERN_COST_MAX	20000
#define PATTERN_DEPTH_MAX	32

const char *
content_pattern_too_costly(const char *re)
{
	uint64_t	 total[PATTERN_DEPTH_MAX + 1], last = 0, lo, hi;
	const char	*p;
	char		*end;
	int		 depth = 0;

	if (strlen(re) > PATTERN_LEN_MAX)
		return "longer than 1024 bytes";
	total[0] = 0;
	for (p = re; *p != '\0'; p++) {
		switch (*p) {
		case '(':
			if (depth == PATTERN_DEPTH_MAX)
				return "groups nested too deeply";
			total[++depth] = 0;
			last = 0;
			break;
		case ')':
			if (depth == 0)
				break;
			last = total[depth] + 1;
			total[--depth] += last;
			break;
		case '*':
		case '?':
			break;
		case '+':
			/* a+ is compiled as aa*. */
			total[depth] += last;
			last *= 2;
			break;
		case '{':
			lo = strtoull(p + 1, &end, 10);
			hi = lo;
			if (*end == ',') {
				hi = strtoull(end + 1, &end, 10);
				if (hi < lo)
					hi = lo;
			}
			if (*end != '}')
				break;
			if (hi > 255)
				return "a repetition count above 255";
			total[depth] += last * (hi > 0 ? hi - 1 : 0);
			last *= hi > 0 ? hi : 1;
			p = end;
			break;
		case '[':
			/* A bracket expression is one atom. */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' ||
				    p[1] == '=')) {
					end = strstr(p + 2, p[1] == ':' ? ":]" :
					    p[1] == '.' ? ".]" : "=]");
					if (end == NULL)
						break;
					p = end + 1;
				}
				p++;
			}
			if (*p == '\0')
				p--;
			last = 1;
			total[depth] += last;
			break;
		case '\\':
			if (p[1] >= '1' && p[1] <= '9')
				return "back-references are not supported";
			if (p[1] != '\0')
				p++;
			last = 1;
			total[depth] += last;
			break;
		default:
			last = 1;
			total[depth] += last;
			break;
		}
		if (total[depth] > PATTERN_COST_MAX || last > PATTERN_COST_MAX)
			return "too costly to compile (nested repetition)";
	}
	return NULL;
}
