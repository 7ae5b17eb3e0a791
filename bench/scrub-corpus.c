/*
 * Reading and judging the scrub corpus; see scrub-corpus.h.  The
 * flattening here is written apart from the scrubber's own view
 * (src/policy/scrub-view.c) on purpose: it is the reader the scrubber
 * must defeat, and a shared bug would hide a miss.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "policy.h"
#include "scrub-corpus.h"

#define CORPUS_LINE_MAX	16384

static size_t	 unescape(const char *, char *, size_t);
static int	 contains(const char *, const char *, int *);
static int	 hexval(int);

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* \t \n \r \\ \xHH; anything else as written. */
static size_t
unescape(const char *in, char *out, size_t outlen)
{
	size_t	o = 0;
	int	h, l;

	for (; *in != '\0' && o + 1 < outlen; in++) {
		if (*in != '\\' || in[1] == '\0') {
			out[o++] = *in;
			continue;
		}
		in++;
		switch (*in) {
		case 't': out[o++] = '\t'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case '\\': out[o++] = '\\'; break;
		case 'x':
			if ((h = hexval(in[1])) >= 0 && (l = hexval(in[2])) >= 0) {
				out[o++] = (char)(h * 16 + l);
				in += 2;
				break;
			}
			/* FALLTHROUGH */
		default:
			out[o++] = '\\';
			out[o++] = *in;
		}
	}
	out[o] = '\0';
	return o;
}

int
corpus_load(const char *path, struct corpus *c, char *err, size_t errlen)
{
	FILE			*f;
	char			 line[CORPUS_LINE_MAX], buf[CORPUS_LINE_MAX];
	char			*field[4], *p;
	struct corpus_case	*nc, *cc;
	size_t			 lineno = 0, nf, cap = 0, len;

	memset(c, 0, sizeof(*c));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%zu: line too long", path,
			    lineno);
			goto fail;
		}
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		p = line;
		for (nf = 0; nf < 4 && p != NULL; nf++)
			field[nf] = strsep(&p, "\t");
		if (nf != 4 || p != NULL || (strcmp(field[0], "+") != 0 &&
		    strcmp(field[0], "-") != 0) || field[3][0] == '\0') {
			snprintf(err, errlen, "%s:%zu: need + or -, flags, "
			    "secret, input", path, lineno);
			goto fail;
		}
		if (c->n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			if ((nc = reallocarray(c->cases, cap,
			    sizeof(*nc))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			c->cases = nc;
		}
		cc = &c->cases[c->n];
		memset(cc, 0, sizeof(*cc));
		cc->line = lineno;
		cc->positive = field[0][0] == '+';
		if ((len = strlen(field[1])) > 0 && field[1][len - 1] == '!') {
			field[1][len - 1] = '\0';
			cc->known = 1;
			c->nknown++;
		}
		if (strcmp(field[1], "otp") == 0)
			cc->flags = SCRUB_OTP;
		else if (strcmp(field[1], "links") == 0)
			cc->flags = SCRUB_AUTH_LINKS;
		else if (strcmp(field[1], "all") == 0)
			cc->flags = SCRUB_OTP | SCRUB_AUTH_LINKS;
		else {
			snprintf(err, errlen, "%s:%zu: flags %s", path, lineno,
			    field[1]);
			goto fail;
		}
		if (cc->positive == (strcmp(field[2], "-") == 0)) {
			snprintf(err, errlen, "%s:%zu: a positive names its "
			    "secret, a negative has \"-\"", path, lineno);
			goto fail;
		}
		unescape(field[3], buf, sizeof(buf));
		if ((cc->input = strdup(buf)) == NULL ||
		    (cc->secrets = strdup(field[2])) == NULL) {
			free(cc->input);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		c->n++;
		if (cc->positive)
			c->npositive++;
		else
			c->nnegative++;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	corpus_free(c);
	return -1;
}

void
corpus_free(struct corpus *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++) {
		free(c->cases[i].input);
		free(c->cases[i].secrets);
	}
	free(c->cases);
	memset(c, 0, sizeof(*c));
}

char *
corpus_flatten(const char *s, int markup)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*out;
	size_t			 i, o = 0, n = strlen(s);
	unsigned long		 v;
	int			 base;
	char			*end;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; ) {
		if (!markup && u[i] == '<' && (u[i + 1] == '/' ||
		    u[i + 1] == '!' || ((u[i + 1] | 0x20) >= 'a' &&
		    (u[i + 1] | 0x20) <= 'z'))) {
			/* The rendered text: markup skipped. */
			while (i < n && u[i] != '>')
				i++;
			i++;
			continue;
		}
		if (u[i] == '&' && u[i + 1] == '#') {
			base = (u[i + 2] == 'x' || u[i + 2] == 'X') ? 16 : 10;
			v = strtoul(s + i + (base == 16 ? 3 : 2), &end, base);
			if (end != s + i + (base == 16 ? 3 : 2)) {
				if (v < 0x80 && ((v >= '0' && v <= '9') ||
				    ((v | 0x20) >= 'a' && (v | 0x20) <= 'z')))
					out[o++] = (char)(v | (v >= 'A' ? 0x20 : 0));
				else if (v >= 0xff10 && v <= 0xff19)
					out[o++] = (char)('0' + v - 0xff10);
				i = (size_t)(end - s);
				if (i < n && s[i] == ';')
					i++;
				continue;
			}
		}
		if (u[i] == '&') {
			/* Named references are no letters of a secret. */
			size_t	j;

			for (j = i + 1; j < n && j - i < 10 &&
			    ((u[j] | 0x20) >= 'a' && (u[j] | 0x20) <= 'z'); j++)
				;
			if (j < n && u[j] == ';' && j > i + 1) {
				i = j + 1;
				continue;
			}
		}
		/* Full-width digits and letters: EF BC 90..99, A1..BA; EF BD 81..9A. */
		if (u[i] == 0xef && i + 2 < n && u[i + 1] == 0xbc &&
		    u[i + 2] >= 0x90 && u[i + 2] <= 0x99) {
			out[o++] = (char)('0' + u[i + 2] - 0x90);
			i += 3;
			continue;
		}
		if (u[i] == 0xef && i + 2 < n && u[i + 1] == 0xbc &&
		    u[i + 2] >= 0xa1 && u[i + 2] <= 0xba) {
			out[o++] = (char)('a' + u[i + 2] - 0xa1);
			i += 3;
			continue;
		}
		if (u[i] == 0xef && i + 2 < n && u[i + 1] == 0xbd &&
		    u[i + 2] >= 0x81 && u[i + 2] <= 0x9a) {
			out[o++] = (char)('a' + u[i + 2] - 0x81);
			i += 3;
			continue;
		}
		if ((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'z'))
			out[o++] = (char)u[i];
		else if (u[i] >= 'A' && u[i] <= 'Z')
			out[o++] = (char)(u[i] | 0x20);
		i++;
	}
	out[o] = '\0';
	return out;
}

/* Is the flattened secret in s, read as rendered text or as markup? */
static int
contains(const char *s, const char *flat_secret, int *failed)
{
	char	*a, *b;
	int	 found;

	if ((a = corpus_flatten(s, 0)) == NULL ||
	    (b = corpus_flatten(s, 1)) == NULL) {
		free(a);
		*failed = 1;
		return 0;
	}
	found = strstr(a, flat_secret) != NULL || strstr(b, flat_secret) != NULL;
	free(a);
	free(b);
	return found;
}

int
corpus_judge(const struct corpus_case *cc, char *why, size_t whylen)
{
	char	*out, *list, *p, *one, *flat_secret;
	int	 changed = -1, ok = 1, failed = 0;

	why[0] = '\0';
	if ((out = scrub_text(cc->flags, cc->input, &changed)) == NULL)
		return -1;
	if (!cc->positive) {
		if (strcmp(out, cc->input) != 0 || changed != 0) {
			snprintf(why, whylen, "changed: \"%s\"", out);
			ok = 0;
		}
		free(out);
		return ok;
	}
	if ((list = strdup(cc->secrets)) == NULL) {
		free(out);
		return -1;
	}
	for (p = list; ok == 1 && (one = strsep(&p, "|")) != NULL; ) {
		if ((flat_secret = corpus_flatten(one, 1)) == NULL) {
			failed = 1;
			break;
		}
		if (flat_secret[0] == '\0' ||
		    !contains(cc->input, flat_secret, &failed)) {
			snprintf(why, whylen, "secret \"%s\" is not in the "
			    "input", one);
			ok = 0;
		} else if (contains(out, flat_secret, &failed)) {
			snprintf(why, whylen, "secret \"%s\" survives: \"%s\"",
			    one, out);
			ok = 0;
		}
		free(flat_secret);
	}
	if (ok == 1 && changed != 1) {
		snprintf(why, whylen, "changed not set");
		ok = 0;
	}
	free(list);
	free(out);
	return failed ? -1 : ok;
}
