/*
 * Address normalisation.  Every recipient and sender is reduced to one
 * canonical form (E.164 phone number, lower-case email, "chat:<id>",
 * "group:<id>", "channel:<id>", "user:<id>") before it is compared with
 * anything, so that two spellings of one address can never be judged
 * differently.  Anything that cannot be normalised is refused.  Pure:
 * no configuration, no I/O.
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "address.h"

/* Longest raw input looked at; longer input is refused, not truncated. */
#define ADDR_INPUT_MAX	1024

#define E164_MIN_DIGITS	8
#define E164_MAX_DIGITS	15
/* Digits collected before giving up: E.164 plus the longest prefix. */
#define PHONE_MAX_RAW	(E164_MAX_DIGITS + 8)

#define EMAIL_LOCAL_MAX	64
#define EMAIL_DOMAIN_MAX 253
#define EMAIL_MAX	254
#define LABEL_MAX	63

#define CHAT_ID_MAX	64
#define GROUP_ID_MAX	128

enum national_rule {
	NATIONAL_NANP,		/* 10 digits, or 11 starting with 1 */
	NATIONAL_TRUNK,		/* leading trunk 0 dropped */
	NATIONAL_TRUNK_OPT,	/* trunk 0 dropped if present */
	NATIONAL_KEEP		/* no trunk prefix: digits kept as written */
};

struct region {
	const char	*code;		/* ISO 3166 alpha-2 */
	const char	*cc;		/* country calling code */
	const char	*idd;		/* international prefix besides "00" */
	enum national_rule rule;
	size_t		 nsn_min;	/* national significant number length */
	size_t		 nsn_max;
};

/*
 * Numbering plans Carapace can turn a national number into E.164 for.
 * A region not listed here cannot normalise national numbers: they are
 * refused rather than guessed.  Country calling codes are prefix-free,
 * which check_international relies on.
 */
static const struct region regions[] = {
	{ "US", "1",	"011",	NATIONAL_NANP,	10, 10 },
	{ "CA", "1",	"011",	NATIONAL_NANP,	10, 10 },
	{ "GB", "44",	NULL,	NATIONAL_TRUNK,	7, 10 },
	{ "DE", "49",	NULL,	NATIONAL_TRUNK,	5, 13 },
	{ "FR", "33",	NULL,	NATIONAL_TRUNK,	9, 9 },
	{ "NL", "31",	NULL,	NATIONAL_TRUNK,	9, 9 },
	{ "ES", "34",	NULL,	NATIONAL_KEEP,	9, 9 },
	{ "IT", "39",	NULL,	NATIONAL_KEEP,	6, 11 },
	{ "AU", "61",	"0011",	NATIONAL_TRUNK,	9, 9 },
	{ "IN", "91",	NULL,	NATIONAL_TRUNK_OPT, 10, 10 },
	{ "JP", "81",	"010",	NATIONAL_TRUNK,	9, 10 },
	{ "CH", "41",	NULL,	NATIONAL_TRUNK,	9, 9 },
	{ "AT", "43",	NULL,	NATIONAL_TRUNK,	4, 13 },
	{ "BE", "32",	NULL,	NATIONAL_TRUNK,	8, 9 },
	{ "IE", "353",	NULL,	NATIONAL_TRUNK,	7, 9 },
	{ "NZ", "64",	NULL,	NATIONAL_TRUNK,	8, 10 },
	{ "SE", "46",	NULL,	NATIONAL_TRUNK,	7, 9 }
};

static const struct region *region_find(const char *);
static int	 is_space(int);
static int	 is_digit(int);
static int	 is_alnum(int);
static int	 to_lower(int);
static int	 prefix_icase(const char *, size_t, const char *);
static int	 check_ascii(const char *, size_t, const char **);
static int	 put(char *, size_t, const char *, size_t, const char *,
		    size_t, const char **);
static int	 normalize_phone(const char *, size_t, const char *, char *,
		    size_t, const char **);
static int	 check_international(char *, size_t *, const char **);
static int	 normalize_email(const char *, size_t, char *, size_t,
		    const char **);
static int	 check_domain(const char *, size_t, const char **);
static int	 normalize_id(const char *, size_t, size_t, const char *,
		    size_t, int, char *, size_t, const char **);
static int	 chat_id_char(int);
static int	 group_id_char(int);

static const struct region *
region_find(const char *code)
{
	size_t	i;

	if (code == NULL || strnlen(code, 3) != 2)
		return NULL;
	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		if (to_lower((unsigned char)code[0]) ==
		    to_lower((unsigned char)regions[i].code[0]) &&
		    to_lower((unsigned char)code[1]) ==
		    to_lower((unsigned char)regions[i].code[1]))
			return &regions[i];
	}
	return NULL;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
to_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Does s (len bytes) start with the lower-case word w, ignoring case? */
static int
prefix_icase(const char *s, size_t len, const char *w)
{
	size_t	n = strlen(w), i;

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (to_lower((unsigned char)s[i]) != w[i])
			return 0;
	return 1;
}

/*
 * Addresses are plain ASCII.  Unicode in an address is refused outright:
 * invisible characters would let one address look like another, and
 * there is no case folding or confusable mapping here that could make
 * non-ASCII comparisons safe.
 */
static int
check_ascii(const char *s, size_t len, const char **cause)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i;
	unsigned int		 cp;

	for (i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f) {
			*cause = "control character in address";
			return -1;
		}
		if (u[i] < 0x80)
			continue;
		/* Name the usual invisible culprits precisely. */
		cp = 0;
		if (u[i] == 0xc2 && i + 1 < len)
			cp = ((u[i] & 0x1fU) << 6) | (u[i + 1] & 0x3fU);
		else if (u[i] >= 0xe0 && u[i] <= 0xef && i + 2 < len)
			cp = ((u[i] & 0x0fU) << 12) |
			    ((u[i + 1] & 0x3fU) << 6) | (u[i + 2] & 0x3fU);
		if (cp == 0xad || (cp >= 0x2000 && cp <= 0x206f) ||
		    cp == 0xfeff || (cp >= 0xfe00 && cp <= 0xfe0f))
			*cause = "invisible or formatting Unicode character "
			    "in address";
		else
			*cause = "non-ASCII character in address";
		return -1;
	}
	return 0;
}

/* Write prefix and body (lengths given) into out, NUL-terminated. */
static int
put(char *out, size_t outlen, const char *prefix, size_t plen,
    const char *body, size_t blen, const char **cause)
{
	if (out == NULL || outlen == 0 || plen + blen >= outlen) {
		*cause = "address too long for the output buffer";
		return -1;
	}
	memcpy(out, prefix, plen);
	memcpy(out + plen, body, blen);
	out[plen + blen] = '\0';
	return 0;
}

/*
 * digits (international form, without '+') must start with a country
 * code and have E.164 length.  For a known numbering plan with a trunk
 * prefix, a 0 written after the country code ("+44 (0)20 ...") is the
 * national trunk prefix and is dropped: no such number starts with 0 in
 * E.164, and keeping it would give one number two spellings.
 */
static int
check_international(char *digits, size_t *n, const char **cause)
{
	size_t	i, cclen;

	if (*n == 0 || digits[0] == '0') {
		*cause = "no country code";
		return -1;
	}
	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		cclen = strlen(regions[i].cc);
		if (*n <= cclen || memcmp(digits, regions[i].cc, cclen) != 0)
			continue;
		if ((regions[i].rule == NATIONAL_TRUNK ||
		    regions[i].rule == NATIONAL_TRUNK_OPT) &&
		    digits[cclen] == '0') {
			memmove(digits + cclen, digits + cclen + 1,
			    *n - cclen - 1);
			(*n)--;
			if (*n > cclen && digits[cclen] == '0') {
				*cause = "number starts with 0 after the "
				    "country code";
				return -1;
			}
		}
		if (regions[i].rule == NATIONAL_NANP &&
		    (*n != 11 || digits[1] < '2')) {
			*cause = "not a valid North American number";
			return -1;
		}
		break;
	}
	if (*n < E164_MIN_DIGITS) {
		*cause = "too few digits for an international number";
		return -1;
	}
	if (*n > E164_MAX_DIGITS) {
		*cause = "too many digits for an international number";
		return -1;
	}
	return 0;
}

static int
normalize_phone(const char *s, size_t len, const char *region, char *out,
    size_t outlen, const char **cause)
{
	char			 raw[PHONE_MAX_RAW + 1];
	char			 digits[PHONE_MAX_RAW + 1];
	const struct region	*r;
	size_t			 i, n = 0, nd, idd, skip = 0;
	int			 plus = 0, depth = 0;

	if (prefix_icase(s, len, "tel:")) {
		s += 4;
		len -= 4;
	}
	if (len == 0) {
		*cause = "empty address";
		return -1;
	}
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '+':
			if (plus || n > 0) {
				*cause = "misplaced '+' in phone number";
				return -1;
			}
			plus = 1;
			break;
		case '(':
			if (depth++ > 0) {
				*cause = "nested parentheses in phone number";
				return -1;
			}
			break;
		case ')':
			if (depth-- == 0) {
				*cause = "unbalanced parentheses in phone "
				    "number";
				return -1;
			}
			break;
		case ' ':
		case '-':
		case '.':
			break;
		default:
			if (!is_digit((unsigned char)s[i])) {
				*cause = "unexpected character in phone number";
				return -1;
			}
			if (n >= PHONE_MAX_RAW) {
				*cause = "too many digits in phone number";
				return -1;
			}
			raw[n++] = s[i];
			break;
		}
	}
	if (depth != 0) {
		*cause = "unbalanced parentheses in phone number";
		return -1;
	}
	if (n == 0) {
		*cause = "no digits in phone number";
		return -1;
	}
	raw[n] = '\0';
	r = region_find(region);

	if (plus) {
		memcpy(digits, raw, n);
		nd = n;
	} else if (r != NULL && r->idd != NULL &&
	    strncmp(raw, r->idd, strlen(r->idd)) == 0) {
		/* The region's own international prefix ("011"). */
		idd = strlen(r->idd);
		nd = n - idd;
		memcpy(digits, raw + idd, nd);
	} else if (n > 2 && raw[0] == '0' && raw[1] == '0') {
		nd = n - 2;
		memcpy(digits, raw + 2, nd);
	} else {
		/* A national number: only a known region says what it is. */
		if (r == NULL) {
			*cause = region == NULL || *region == '\0' ?
			    "national number and no region to interpret it" :
			    "national number in a region without a known "
			    "numbering plan";
			return -1;
		}
		switch (r->rule) {
		case NATIONAL_NANP:
			if (n == 11 && raw[0] == '1') {
				memcpy(digits, raw, n);
				nd = n;
			} else if (n == 10) {
				digits[0] = '1';
				memcpy(digits + 1, raw, n);
				nd = n + 1;
			} else {
				*cause = "not a valid North American number";
				return -1;
			}
			break;
		case NATIONAL_TRUNK:
		case NATIONAL_TRUNK_OPT:
			if (raw[0] == '0') {
				skip = 1;
				n--;
			} else if (r->rule == NATIONAL_TRUNK) {
				*cause = "national number without the trunk "
				    "prefix 0";
				return -1;
			}
			FALLTHROUGH;
		case NATIONAL_KEEP:
			if (n < r->nsn_min || n > r->nsn_max) {
				*cause = "wrong number of digits for a "
				    "national number in this region";
				return -1;
			}
			nd = strlen(r->cc);
			memcpy(digits, r->cc, nd);
			memcpy(digits + nd, raw + skip, n);
			nd += n;
			break;
		default:
			*cause = "unknown numbering plan";
			return -1;
		}
	}
	if (check_international(digits, &nd, cause) == -1)
		return -1;
	return put(out, outlen, "+", 1, digits, nd, cause);
}

/* Host name rules: letters, digits, inner hyphens, at least one dot. */
static int
check_domain(const char *d, size_t len, const char **cause)
{
	size_t	i, label = 0, dots = 0;

	if (len == 0 || len > EMAIL_DOMAIN_MAX) {
		*cause = "bad email domain length";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (d[i] == '.') {
			if (label == 0 || d[i - 1] == '-') {
				*cause = "empty or malformed label in email "
				    "domain";
				return -1;
			}
			label = 0;
			dots++;
			continue;
		}
		if (!is_alnum((unsigned char)d[i]) && d[i] != '-') {
			*cause = "unexpected character in email domain";
			return -1;
		}
		if (d[i] == '-' && label == 0) {
			*cause = "email domain label starts with '-'";
			return -1;
		}
		if (++label > LABEL_MAX) {
			*cause = "email domain label too long";
			return -1;
		}
	}
	if (label == 0 || d[len - 1] == '-') {
		*cause = "empty or malformed label in email domain";
		return -1;
	}
	if (dots == 0) {
		*cause = "email domain without a dot";
		return -1;
	}
	return 0;
}

static int
normalize_email(const char *s, size_t len, char *out, size_t outlen,
    const char **cause)
{
	/* RFC 5322 dot-atom text minus quotes, backquote and '*'. */
	static const char	 local_ok[] = ".!#$%&+-/=?^_{|}~";
	const char		*at;
	char			 buf[EMAIL_MAX + 1];
	size_t			 i, local;

	if ((at = memchr(s, '@', len)) == NULL ||
	    memchr(at + 1, '@', len - (size_t)(at - s) - 1) != NULL) {
		*cause = "email address must contain exactly one '@'";
		return -1;
	}
	if (len > EMAIL_MAX) {
		*cause = "email address too long";
		return -1;
	}
	local = (size_t)(at - s);
	if (local == 0 || local > EMAIL_LOCAL_MAX) {
		*cause = "bad email local part length";
		return -1;
	}
	if (s[0] == '-') {
		*cause = "email address starts with '-'";
		return -1;
	}
	for (i = 0; i < local; i++) {
		if (s[i] == '.' && (i == 0 || i + 1 == local ||
		    s[i - 1] == '.')) {
			*cause = "misplaced '.' in email local part";
			return -1;
		}
		if (!is_alnum((unsigned char)s[i]) &&
		    strchr(local_ok, s[i]) == NULL) {
			*cause = "unexpected character in email local part";
			return -1;
		}
	}
	if (check_domain(at + 1, len - local - 1, cause) == -1)
		return -1;
	for (i = 0; i < len; i++)
		buf[i] = (char)to_lower((unsigned char)s[i]);
	return put(out, outlen, "", 0, buf, len, cause);
}

/* chat ids: what imsg, signal and discord use, never option-like. */
static int
chat_id_char(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == ';' || c == '+' ||
	    c == '-';
}

/* group ids: base64 in either alphabet. */
static int
group_id_char(int c)
{
	return is_alnum(c) || c == '+' || c == '/' || c == '=' || c == '_' ||
	    c == '-';
}

/*
 * "chat:<id>" / "group:<id>".  The prefix is matched without regard to
 * case and written in lower case; the id is case-sensitive and kept.  An
 * id starting with '-' is refused for both kinds: tools receive the id
 * as an argument and it must never look like an option.
 */
static int
normalize_id(const char *s, size_t len, size_t plen, const char *prefix,
    size_t max, int group, char *out, size_t outlen, const char **cause)
{
	size_t	i;

	s += plen;
	len -= plen;
	if (len == 0 || len > max) {
		*cause = group ? "bad group id length" : "bad chat id length";
		return -1;
	}
	if (s[0] == '-') {
		*cause = "id starts with '-'";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (group ? !group_id_char((unsigned char)s[i]) :
		    !chat_id_char((unsigned char)s[i])) {
			*cause = group ? "unexpected character in group id" :
			    "unexpected character in chat id";
			return -1;
		}
	}
	return put(out, outlen, prefix, plen, s, len, cause);
}

/*
 * Discord's "channel:<id>" / "user:<id>": the id is a snowflake, 1 to
 * 20 decimal digits without leading zeros.
 */
static int
normalize_snowflake(const char *s, size_t len, size_t plen,
    const char *prefix, char *out, size_t outlen, const char **cause)
{
	size_t	i;

	s += plen;
	len -= plen;
	if (len == 0 || len > 20 || (s[0] == '0' && len > 1)) {
		*cause = "bad discord id";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i])) {
			*cause = "discord id must be decimal digits";
			return -1;
		}
	}
	return put(out, outlen, prefix, plen, s, len, cause);
}

void
addr_trim(const char **s, size_t *len)
{
	while (*len > 0 && is_space((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_space((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

int
addr_normalize(const char *in, const char *region, char *out, size_t outlen,
    enum addr_kind *kind, const char **cause)
{
	const char	*why = NULL, *s = in;
	size_t		 len;
	enum addr_kind	 k;
	int		 rc;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (in == NULL) {
		why = "no address";
		goto fail;
	}
	if ((len = strnlen(in, ADDR_INPUT_MAX + 1)) > ADDR_INPUT_MAX) {
		why = "address too long";
		goto fail;
	}
	addr_trim(&s, &len);
	if (len == 0) {
		why = "empty address";
		goto fail;
	}
	if (check_ascii(s, len, &why) == -1)
		goto fail;

	if (prefix_icase(s, len, "channel:")) {
		k = ADDR_CHANNEL;
		rc = normalize_snowflake(s, len, 8, "channel:", out, outlen,
		    &why);
	} else if (prefix_icase(s, len, "user:")) {
		k = ADDR_USER;
		rc = normalize_snowflake(s, len, 5, "user:", out, outlen, &why);
	} else if (prefix_icase(s, len, "chat:")) {
		k = ADDR_CHAT;
		rc = normalize_id(s, len, 5, "chat:", CHAT_ID_MAX, 0, out,
		    outlen, &why);
	} else if (prefix_icase(s, len, "group:")) {
		k = ADDR_GROUP;
		rc = normalize_id(s, len, 6, "group:", GROUP_ID_MAX, 1, out,
		    outlen, &why);
	} else if (memchr(s, '@', len) != NULL) {
		k = ADDR_EMAIL;
		rc = normalize_email(s, len, out, outlen, &why);
	} else {
		k = ADDR_PHONE;
		rc = normalize_phone(s, len, region, out, outlen, &why);
	}
	if (rc == -1)
		goto fail;
	if (kind != NULL)
		*kind = k;
	return 0;

fail:
	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (cause != NULL)
		*cause = why != NULL ? why : "invalid address";
	return -1;
}

int
addr_kind_of(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return 0;
	if (s[0] == '+')
		return ADDR_PHONE;
	if (strncmp(s, "chat:", 5) == 0)
		return ADDR_CHAT;
	if (strncmp(s, "group:", 6) == 0)
		return ADDR_GROUP;
	if (strncmp(s, "channel:", 8) == 0)
		return ADDR_CHANNEL;
	if (strncmp(s, "user:", 5) == 0)
		return ADDR_USER;
	if (strchr(s, '@') != NULL)
		return ADDR_EMAIL;
	return 0;
}

int
addr_valid_domain(const char *d, size_t len)
{
	const char	*why;

	return check_ascii(d, len, &why) == 0 && check_domain(d, len,
	    &why) == 0;
}
