/*
 * Is a Gmail message's From true?  The only evidence is the
 * Authentication-Results header (RFC 8601) Gmail adds to received mail:
 *
 *	Authentication-Results: mx.google.com;
 *	       dkim=pass header.i=@example.com header.s=s1 header.b=Hx2K;
 *	       spf=pass (google.com: domain of x@example.com designates
 *	       192.0.2.1 as permitted sender) smtp.mailfrom=x@example.com;
 *	       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com
 *
 * Any sender can write an Authentication-Results of its own, with any
 * authserv-id, so only those naming Gmail's (mx.google.com) count, and
 * every one of those must pass: a forged "mx.google.com" header beside
 * Gmail's real one cannot turn a failure into a pass.
 *
 * A header passes for a From domain when it shows dmarc=pass with
 * header.from equal to that domain, or spf=pass whose smtp.mailfrom
 * domain is aligned with it, or dkim=pass whose header.d (and header.i,
 * when given) are aligned with it.  DMARC's relaxed alignment needs the
 * public-suffix list to find an organisational domain; without it,
 * alignment here is stricter: the domain is the From domain or one of
 * its subdomains (mail.example.com for example.com), which only the
 * From domain's owner can delegate.  A parent or a sibling domain
 * (example.com for mail.example.com, b.example.com for a.example.com)
 * does not align: on a public suffix (github.io) siblings have
 * different owners.
 *
 * The parser takes RFC 8601's syntax as Gmail writes it and as a
 * hostile sender might: comments in parentheses (nested, with quoted
 * pairs) anywhere, folded lines, quoted values, any case, a method
 * version (dkim/1), several results per header.  What it cannot parse
 * does not pass.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "chan-gmail.h"

#define TOKEN_MAX	320	/* an address or a domain, with room */

struct cursor {
	const char	*p;
	int		 error;
};

static void	 skip_cfws(struct cursor *);
static size_t	 read_token(struct cursor *, char *, size_t, int);
static const char *domain_of(const char *);
static int	 set_property(char *, const char *);

/* Blanks, folded line breaks and comments (nested, with \-pairs). */
static void
skip_cfws(struct cursor *c)
{
	int	depth;

	for (;;) {
		while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' ||
		    *c->p == '\n')
			c->p++;
		if (*c->p != '(')
			return;
		for (depth = 0;;) {
			if (*c->p == '\0') {
				c->error = 1;
				return;
			}
			if (*c->p == '\\' && c->p[1] != '\0')
				c->p++;
			else if (*c->p == '(')
				depth++;
			else if (*c->p == ')' && --depth == 0) {
				c->p++;
				break;
			}
			c->p++;
		}
	}
}

/*
 * A token into out, lower-cased: a quoted string, or a run of characters
 * up to a blank, ';', '(' or '"' (and '=' unless value: base64 values
 * end in '=').  Returns its length; 0 with c->error set when there is
 * none or it does not fit.
 */
static size_t
read_token(struct cursor *c, char *out, size_t outlen, int value)
{
	size_t	n = 0;

	if (*c->p == '"') {
		for (c->p++; *c->p != '"'; c->p++) {
			if (*c->p == '\\' && c->p[1] != '\0')
				c->p++;
			if (*c->p == '\0' || n + 1 >= outlen) {
				c->error = 1;
				return 0;
			}
			out[n++] = (char)tolower((unsigned char)*c->p);
		}
		c->p++;
	} else {
		while (*c->p != '\0' && strchr(" \t\r\n;(\"", *c->p) == NULL &&
		    (value || *c->p != '=')) {
			if (n + 1 >= outlen) {
				c->error = 1;
				return 0;
			}
			out[n++] = (char)tolower((unsigned char)*c->p++);
		}
	}
	out[n] = '\0';
	if (n == 0)
		c->error = 1;
	return n;
}

/* The domain of "user@domain", "@domain" or "domain". */
static const char *
domain_of(const char *s)
{
	const char	*at = strrchr(s, '@');

	return at != NULL ? at + 1 : s;
}

/*
 * A property of one result (both TOKEN_MAX): 0, or -1 when it was given
 * before with another value (which one Gmail meant is unclear).
 */
static int
set_property(char *slot, const char *value)
{
	if (slot[0] == '\0') {
		(void)strlcpy(slot, value, TOKEN_MAX);
		return 0;
	}
	return strcmp(slot, value) == 0 ? 0 : -1;
}

int
gmail_auth_aligned(const char *domain, const char *from_domain)
{
	size_t	dl = strlen(domain), fl = strlen(from_domain);

	if (fl == 0 || dl == 0)
		return 0;
	if (dl == fl)
		return strcasecmp(domain, from_domain) == 0;
	return dl > fl + 1 && domain[dl - fl - 1] == '.' &&
	    strcasecmp(domain + dl - fl, from_domain) == 0;
}

/* One resinfo's verdict: does it pass for from_domain? */
static int
resinfo_pass(const char *method, const char *result, const char *from,
    const char *mailfrom, const char *d, const char *i,
    const char *from_domain)
{
	if (strcmp(result, "pass") != 0)
		return 0;
	if (strcmp(method, "dmarc") == 0)
		return from[0] != '\0' && strcasecmp(from, from_domain) == 0;
	if (strcmp(method, "spf") == 0)
		return mailfrom[0] != '\0' &&
		    gmail_auth_aligned(domain_of(mailfrom), from_domain);
	if (strcmp(method, "dkim") == 0) {
		if (d[0] == '\0' && i[0] == '\0')
			return 0;
		return (d[0] == '\0' || gmail_auth_aligned(d, from_domain)) &&
		    (i[0] == '\0' || gmail_auth_aligned(domain_of(i),
		    from_domain));
	}
	return 0;
}

int
gmail_auth_result(const char *value, const char *from_domain)
{
	struct cursor	 c;
	char		 id[TOKEN_MAX], method[TOKEN_MAX], result[TOKEN_MAX];
	char		 name[TOKEN_MAX], val[TOKEN_MAX];
	char		 from[TOKEN_MAX], mailfrom[TOKEN_MAX], d[TOKEN_MAX];
	char		 i[TOKEN_MAX], *slash;
	int		 pass = 0;

	if (value == NULL || from_domain == NULL)
		return GMAIL_AUTH_OTHER;
	c.p = value;
	c.error = 0;
	skip_cfws(&c);
	if (c.error || read_token(&c, id, sizeof(id), 0) == 0 ||
	    strcmp(id, GMAIL_AUTHSERV_ID) != 0)
		return GMAIL_AUTH_OTHER;
	/* From here on the header claims to be Gmail's: unreadable fails. */
	skip_cfws(&c);
	if (isdigit((unsigned char)*c.p) &&
	    read_token(&c, val, sizeof(val), 0) > 0)
		skip_cfws(&c);
	while (!c.error && *c.p != '\0') {
		if (*c.p != ';')
			return GMAIL_AUTH_FAIL;
		c.p++;
		skip_cfws(&c);
		if (*c.p == '\0' || *c.p == ';')
			continue;
		if (read_token(&c, method, sizeof(method), 0) == 0)
			break;
		if ((slash = strchr(method, '/')) != NULL)
			*slash = '\0';
		skip_cfws(&c);
		if (strcmp(method, "none") == 0 && (*c.p == ';' ||
		    *c.p == '\0'))
			continue;
		if (*c.p != '=')
			return GMAIL_AUTH_FAIL;
		c.p++;
		skip_cfws(&c);
		if (read_token(&c, result, sizeof(result), 0) == 0)
			break;
		from[0] = mailfrom[0] = d[0] = i[0] = '\0';
		for (;;) {
			skip_cfws(&c);
			if (c.error || *c.p == ';' || *c.p == '\0')
				break;
			if (read_token(&c, name, sizeof(name), 0) == 0)
				break;
			skip_cfws(&c);
			if (*c.p != '=') {
				c.error = 1;
				break;
			}
			c.p++;
			skip_cfws(&c);
			if (read_token(&c, val, sizeof(val), 1) == 0)
				break;
			if ((strcmp(name, "header.from") == 0 &&
			    set_property(from, val) == -1) ||
			    (strcmp(name, "smtp.mailfrom") == 0 &&
			    set_property(mailfrom, val) == -1) ||
			    (strcmp(name, "header.d") == 0 &&
			    set_property(d, val) == -1) ||
			    (strcmp(name, "header.i") == 0 &&
			    set_property(i, val) == -1))
				return GMAIL_AUTH_FAIL;
		}
		if (c.error)
			break;
		if (resinfo_pass(method, result, from, mailfrom, d, i,
		    from_domain))
			pass = 1;
	}
	if (c.error)
		return GMAIL_AUTH_FAIL;
	return pass ? GMAIL_AUTH_PASS : GMAIL_AUTH_FAIL;
}

int
gmail_auth_verified(json_t *headers, const char *from)
{
	json_t		*h;
	const char	*name, *at;
	size_t		 k;
	int		 gmail = 0, froms = 0;

	if (from == NULL || (at = strrchr(from, '@')) == NULL)
		return 0;
	json_array_foreach(headers, k, h) {
		name = json_string_value(json_object_get(h, "name"));
		if (name == NULL)
			continue;
		/* Two From headers: which one the agent reads is unclear. */
		if (strcasecmp(name, "From") == 0 && ++froms > 1)
			return 0;
		if (strcasecmp(name, "Authentication-Results") != 0)
			continue;
		switch (gmail_auth_result(json_string_value(json_object_get(h,
		    "value")), at + 1)) {
		case GMAIL_AUTH_OTHER:
			break;
		case GMAIL_AUTH_PASS:
			gmail = 1;
			break;
		default:
			return 0;
		}
	}
	return gmail;
}
