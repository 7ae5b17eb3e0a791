/*
 * The scrubber's view of a text: what a reader sees, in a form the
 * scanner can match without caring about case, width or markup.  Each
 * view byte remembers the original bytes it stands for, so a redaction
 * found in the view is made in the original (scrub.c).
 *
 * Folding: ASCII, Latin-1 and Cyrillic capitals to small letters;
 * full-width ASCII (U+FF01..U+FF5E) to ASCII; ideographic and full-width
 * sentence marks to ". ", ", ", "! ", "? " (so a CJK sentence ends like
 * an English one and "123456，5分钟" is not read as one number); no-break,
 * ideographic and typographic spaces to ' '; dashes to '-'; curly quotes
 * to straight ones; zero-width characters, soft hyphens and bidi
 * controls dropped (they would otherwise split a code invisibly).
 * Invalid UTF-8 bytes are kept as they are.
 *
 * HTML: tags go (block elements and table cells leave a line break or a
 * space, inline ones nothing, so digits in adjacent <span>s or <td>s
 * stay together), the values of attributes a reader sees (alt, title,
 * aria-label, placeholder, value, content) come in as text, character
 * references (&amp; &nbsp; &#52; &#x34; ...) are decoded, comments and
 * the contents of <style> and <script> are skipped.  Anything that does
 * not close (a '<' with no '>', a comment or style with no end) is read
 * as text, so nothing escapes the scan by being malformed.  Every look
 * ahead that fails to find its end sets a flag, so the whole stays
 * linear.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "scrub.h"

#define ENTITY_MAX	12	/* longest character reference read */
#define TAGNAME_MAX	12

struct builder {
	struct scrub_view	*v;
	const char		*s;
	size_t			 n;
	int			 failed;
	int			 no_gt;		/* no tag closes from here */
	int			 no_comment_end;
	int			 no_raw_end;
};

static int	 grow(struct scrub_view *, size_t);
static void	 emit(struct builder *, char, size_t, size_t);
static void	 emit_sep(struct builder *, char, size_t, size_t);
static size_t	 utf8_decode(const char *, size_t, size_t, uint32_t *);
static void	 emit_utf8(struct builder *, uint32_t, size_t, size_t);
static void	 emit_cp(struct builder *, uint32_t, size_t, size_t);
static size_t	 entity(struct builder *, size_t, size_t);
static size_t	 tag(struct builder *, size_t);
static size_t	 find_icase(const char *, size_t, size_t, const char *);
static int	 name_in(const char *, size_t, const char *const *);
static void	 attribute_text(struct builder *, size_t, size_t);

static const char *const block_tags[] = {
	"br", "p", "div", "tr", "li", "ul", "ol", "h1", "h2", "h3", "h4",
	"h5", "h6", "table", "hr", "blockquote", "section", "header",
	"footer", "title", "center", "pre", "body", "head", "html", NULL
};
static const char *const cell_tags[] = {
	"td", "th", "img", "button", "input", "tbody", "thead", NULL
};
static const char *const text_attributes[] = {
	"alt", "title", "aria-label", "placeholder", "value", "content",
	NULL
};
static const char *const html_names[] = {
	"html", "head", "body", "div", "span", "p", "br", "td", "tr", "th",
	"table", "tbody", "thead", "a", "b", "i", "u", "strong", "em",
	"font", "img", "style", "meta", "h1", "h2", "h3", "h4", "h5", "h6",
	"li", "ul", "ol", "center", "hr", "title", "section", "small",
	"big", "sup", "sub", "wbr", "blockquote", "pre", "label", "button",
	"!doctype", NULL
};

static int
grow(struct scrub_view *v, size_t more)
{
	size_t		 ncap;
	char		*ns;
	uint32_t	*nf, *nt;

	if (v->n + more <= v->cap)
		return 0;
	ncap = v->cap < 64 ? 64 : v->cap;
	while (ncap < v->n + more) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if ((ns = realloc(v->s, ncap + 1)) == NULL)
		return -1;
	v->s = ns;
	if ((nf = reallocarray(v->from, ncap, sizeof(*nf))) == NULL)
		return -1;
	v->from = nf;
	if ((nt = reallocarray(v->to, ncap, sizeof(*nt))) == NULL)
		return -1;
	v->to = nt;
	v->cap = ncap;
	return 0;
}

/* One view byte c standing for the original bytes [from, to). */
static void
emit(struct builder *b, char c, size_t from, size_t to)
{
	struct scrub_view	*v = b->v;

	if (b->failed)
		return;
	if (grow(v, 1) == -1) {
		b->failed = 1;
		return;
	}
	v->s[v->n] = c;
	v->from[v->n] = (uint32_t)from;
	v->to[v->n] = (uint32_t)to;
	v->n++;
}

/* A separator for markup: not repeated, not at the very start. */
static void
emit_sep(struct builder *b, char c, size_t from, size_t to)
{
	struct scrub_view	*v = b->v;

	if (c == '\0' || v->n == 0)
		return;
	if (v->s[v->n - 1] == c ||
	    (c == ' ' && v->s[v->n - 1] == '\n'))
		return;
	/* A line break replaces a space (HTML collapses both). */
	if (c == '\n' && v->s[v->n - 1] == ' ') {
		v->s[v->n - 1] = '\n';
		return;
	}
	emit(b, c, from, to);
}

/*
 * The code point at s[i]; returns its length (1 for an invalid byte,
 * with *cp set to UINT32_MAX).
 */
static size_t
utf8_decode(const char *s, size_t n, size_t i, uint32_t *cp)
{
	const unsigned char	*u = (const unsigned char *)s + i;
	size_t			 len, k;
	uint32_t		 c;

	*cp = UINT32_MAX;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		c = u[0] & 0x07;
	} else
		return 1;
	if (i + len > n)
		return 1;
	for (k = 1; k < len; k++) {
		if ((u[k] & 0xc0) != 0x80)
			return 1;
		c = (c << 6) | (u[k] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 1;
	*cp = c;
	return len;
}

static void
emit_utf8(struct builder *b, uint32_t c, size_t from, size_t to)
{
	if (c < 0x80)
		emit(b, (char)c, from, to);
	else if (c < 0x800) {
		emit(b, (char)(0xc0 | (c >> 6)), from, to);
		emit(b, (char)(0x80 | (c & 0x3f)), from, to);
	} else if (c < 0x10000) {
		emit(b, (char)(0xe0 | (c >> 12)), from, to);
		emit(b, (char)(0x80 | ((c >> 6) & 0x3f)), from, to);
		emit(b, (char)(0x80 | (c & 0x3f)), from, to);
	} else {
		emit(b, (char)(0xf0 | (c >> 18)), from, to);
		emit(b, (char)(0x80 | ((c >> 12) & 0x3f)), from, to);
		emit(b, (char)(0x80 | ((c >> 6) & 0x3f)), from, to);
		emit(b, (char)(0x80 | (c & 0x3f)), from, to);
	}
}

/* One code point, folded, for the original bytes [from, to). */
static void
emit_cp(struct builder *b, uint32_t c, size_t from, size_t to)
{
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	/* Invisible: zero-width, soft hyphen, bidi controls, BOM. */
	if (c == 0xad || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff || c == 0x34f)
		return;
	if (c == 0xa0 || (c >= 0x2000 && c <= 0x200a) || c == 0x202f ||
	    c == 0x205f || c == 0x3000)
		c = ' ';
	else if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212)
		c = '-';
	else if (c == 0x2018 || c == 0x2019)
		c = '\'';
	else if (c == 0x201c || c == 0x201d)
		c = '"';
	else if (c == 0x3002 || c == 0xff61) {
		emit(b, '.', from, to);
		c = ' ';
	} else if (c == 0x3001 || c == 0xff0c || c == 0xff64) {
		emit(b, ',', from, to);
		c = ' ';
	} else if (c == 0xff01 || c == 0xff1f) {
		emit(b, c == 0xff01 ? '!' : '?', from, to);
		c = ' ';
	} else if (c >= 0xff01 && c <= 0xff5e) {
		c -= 0xfee0;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
	} else if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		c += 0x20;
	else if (c >= 0x410 && c <= 0x42f)
		c += 0x20;
	else if (c >= 0x400 && c <= 0x40f)
		c += 0x50;
	emit_utf8(b, c, from, to);
}

/*
 * A character reference at s[i] ('&'): emits what it stands for and
 * returns its length, or 0 if it is none (the '&' is then text).
 */
static size_t
entity(struct builder *b, size_t i, size_t limit)
{
	static const struct {
		const char	*name;
		uint32_t	 cp;
	} names[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "apos", '\'' }, { "nbsp", 0xa0 }, { "ensp", 0x2002 },
		{ "emsp", 0x2003 }, { "thinsp", 0x2009 }, { "zwnj", 0x200c },
		{ "zwj", 0x200d }, { "shy", 0xad }, { "ndash", 0x2013 },
		{ "mdash", 0x2014 }, { "colon", ':' }, { "num", '#' },
		{ "period", '.' }, { "comma", ',' }, { "hyphen", '-' },
		{ "dash", 0x2010 }, { "lrm", 0x200e }, { "rlm", 0x200f }
	};
	const char	*s = b->s;
	size_t		 j, k, len;
	uint32_t	 c = 0;
	int		 hex, digits = 0;

	j = i + 1;
	if (j < limit && s[j] == '#') {
		j++;
		hex = j < limit && (s[j] == 'x' || s[j] == 'X');
		if (hex)
			j++;
		for (; j < limit && j - i < ENTITY_MAX; j++, digits++) {
			if (s[j] >= '0' && s[j] <= '9')
				c = c * (hex ? 16 : 10) +
				    (uint32_t)(s[j] - '0');
			else if (hex && ((s[j] | 0x20) >= 'a' &&
			    (s[j] | 0x20) <= 'f'))
				c = c * 16 +
				    (uint32_t)((s[j] | 0x20) - 'a' + 10);
			else
				break;
		}
		if (digits == 0 || (j < limit && s[j] >= '0' && s[j] <= '9'))
			return 0;
		if (j < limit && s[j] == ';')
			j++;
		if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			c = 0xfffd;
		emit_cp(b, c, i, j);
		return j - i;
	}
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		len = strlen(names[k].name);
		if (i + 1 + len < limit && s[i + 1 + len] == ';' &&
		    strncmp(s + i + 1, names[k].name, len) == 0) {
			emit_cp(b, names[k].cp, i, i + len + 2);
			return len + 2;
		}
	}
	return 0;
}

/* Position of the lower-case w in s[i..n), ignoring ASCII case; n if none. */
static size_t
find_icase(const char *s, size_t n, size_t i, const char *w)
{
	size_t	len = strlen(w), k;

	for (; i + len <= n; i++) {
		for (k = 0; k < len; k++) {
			char	c = s[i + k];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (c != w[k])
				break;
		}
		if (k == len)
			return i;
	}
	return n;
}

static int
name_in(const char *name, size_t len, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && strncmp(*list, name, len) == 0)
			return 1;
	return 0;
}

/* The text of an attribute value s[a..e), between spaces. */
static void
attribute_text(struct builder *b, size_t a, size_t e)
{
	size_t		i, len;
	uint32_t	c;

	emit_sep(b, ' ', a, a);
	for (i = a; i < e && !b->failed; ) {
		if (b->s[i] == '&' && (len = entity(b, i, e)) > 0) {
			i += len;
			continue;
		}
		len = utf8_decode(b->s, e, i, &c);
		if (c == UINT32_MAX)
			emit(b, b->s[i], i, i + 1);
		else
			emit_cp(b, c, i, i + len);
		i += len;
	}
	emit(b, ' ', e, e);
}

/*
 * Markup at s[i] ('<'): emits what it leaves in the text and returns
 * how many bytes it took, or 0 when it is not markup (then text).
 */
static size_t
tag(struct builder *b, size_t i)
{
	const char	*s = b->s;
	char		 name[TAGNAME_MAX + 1];
	size_t		 n = b->n, j, nlen = 0, an, ae, vs, ve, end;
	int		 closing = 0, quote;

	if (!scrub_tag_start(s, n, i))
		return 0;
	if (i + 3 < n && strncmp(s + i, "<!--", 4) == 0) {
		if (b->no_comment_end)
			return 0;
		if ((j = find_icase(s, n, i + 4, "-->")) == n) {
			b->no_comment_end = 1;
			return 0;
		}
		emit_sep(b, ' ', i, j + 3);
		return j + 3 - i;
	}
	if (b->no_gt)
		return 0;
	j = i + 1;
	if (s[j] == '/') {
		closing = 1;
		j++;
	}
	for (; j < n && nlen < TAGNAME_MAX && (s[j] == '!' || s[j] == '-' ||
	    (s[j] >= '0' && s[j] <= '9') || ((s[j] | 0x20) >= 'a' &&
	    (s[j] | 0x20) <= 'z')); j++)
		name[nlen++] = (char)(s[j] >= 'A' && s[j] <= 'Z' ?
		    s[j] + 'a' - 'A' : s[j]);
	name[nlen] = '\0';
	/* Find the end, quotes respected; no end: the '<' is text. */
	for (end = j, quote = 0; end < n; end++) {
		if (quote != 0) {
			if (s[end] == quote)
				quote = 0;
		} else if (s[end] == '"' || s[end] == '\'')
			quote = s[end];
		else if (s[end] == '>')
			break;
	}
	if (end == n) {
		b->no_gt = 1;
		return 0;
	}
	if (name_in(name, nlen, block_tags))
		emit_sep(b, '\n', i, end + 1);
	else if (name_in(name, nlen, cell_tags))
		emit_sep(b, ' ', i, end + 1);
	/* Attributes a reader sees: name=value, the value as text. */
	while (!closing && j < end) {
		while (j < end && strchr(" \t\r\n/", s[j]) != NULL)
			j++;
		for (an = j; j < end && strchr(" \t\r\n/=", s[j]) == NULL; j++)
			;
		ae = j;
		while (j < end && strchr(" \t\r\n", s[j]) != NULL)
			j++;
		if (j >= end || s[j] != '=')
			continue;
		for (j++; j < end && strchr(" \t\r\n", s[j]) != NULL; j++)
			;
		if (j < end && (s[j] == '"' || s[j] == '\'')) {
			quote = s[j];
			vs = ++j;
			while (j < end && s[j] != quote)
				j++;
			ve = j;
			if (j < end)
				j++;
		} else {
			for (vs = j; j < end && strchr(" \t\r\n", s[j]) == NULL;
			    j++)
				;
			ve = j;
		}
		if (ae - an < TAGNAME_MAX) {
			char	aname[TAGNAME_MAX + 1];
			size_t	k;

			for (k = 0; k < ae - an; k++)
				aname[k] = (char)(s[an + k] >= 'A' &&
				    s[an + k] <= 'Z' ? s[an + k] + 'a' - 'A' :
				    s[an + k]);
			if (name_in(aname, k, text_attributes))
				attribute_text(b, vs, ve);
		}
	}
	end++;
	/* The contents of style and script are not text. */
	if (!closing && (strcmp(name, "style") == 0 ||
	    strcmp(name, "script") == 0) && !b->no_raw_end) {
		j = find_icase(s, n, end, name[1] == 't' ? "</style" :
		    "</script");
		if (j == n)
			b->no_raw_end = 1;
		else
			end = j;
	}
	return end - i;
}

int
scrub_tag_start(const char *s, size_t n, size_t i)
{
	char	c;

	if (i + 1 >= n || s[i] != '<')
		return 0;
	c = s[i + 1];
	return c == '/' || c == '!' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

int
scrub_looks_html(const char *s, size_t n)
{
	const char	*p;
	char		 name[TAGNAME_MAX + 1];
	size_t		 i, j, len;

	for (p = memchr(s, '<', n); p != NULL;
	    p = memchr(p + 1, '<', n - (size_t)(p + 1 - s))) {
		i = (size_t)(p - s) + 1;
		if (i < n && s[i] == '/')
			i++;
		if (i + 3 <= n && strncmp(s + i, "!--", 3) == 0)
			return 1;
		for (j = i, len = 0; j < n && len < TAGNAME_MAX &&
		    (s[j] == '!' || (s[j] >= '0' && s[j] <= '9') ||
		    ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z')); j++)
			name[len++] = (char)(s[j] >= 'A' && s[j] <= 'Z' ?
			    s[j] + 'a' - 'A' : s[j]);
		if (j < n && len > 0 && strchr(" \t\r\n>/", s[j]) != NULL &&
		    name_in(name, len, html_names))
			return 1;
		if (j >= n)
			break;
	}
	return 0;
}

int
scrub_view_build(struct scrub_view *v, const char *s, size_t n, int html)
{
	struct builder	b;
	size_t		i, len;
	uint32_t	c;

	memset(v, 0, sizeof(*v));
	v->html = html;
	if (n >= UINT32_MAX)
		return -1;
	memset(&b, 0, sizeof(b));
	b.v = v;
	b.s = s;
	b.n = n;
	if (grow(v, n + 16) == -1)
		return -1;
	for (i = 0; i < n && !b.failed; ) {
		if (html && s[i] == '<' && (len = tag(&b, i)) > 0) {
			i += len;
			continue;
		}
		if (html && s[i] == '&' && (len = entity(&b, i, n)) > 0) {
			i += len;
			continue;
		}
		if (html && strchr(" \t\r\n\f", s[i]) != NULL) {
			/* HTML collapses white space to one space. */
			emit_sep(&b, ' ', i, i + 1);
			i++;
			continue;
		}
		if ((unsigned char)s[i] < 0x80) {
			c = (unsigned char)s[i];
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (v->n < v->cap) {
				/* The common case, without a call. */
				v->s[v->n] = (char)c;
				v->from[v->n] = (uint32_t)i;
				v->to[v->n] = (uint32_t)(i + 1);
				v->n++;
			} else
				emit(&b, (char)c, i, i + 1);
			i++;
			continue;
		}
		len = utf8_decode(s, n, i, &c);
		if (c == UINT32_MAX)
			emit(&b, s[i], i, i + 1);
		else
			emit_cp(&b, c, i, i + len);
		i += len;
	}
	if (b.failed)
		return -1;
	v->s[v->n] = '\0';
	return 0;
}

void
scrub_view_free(struct scrub_view *v)
{
	free(v->s);
	free(v->from);
	free(v->to);
	memset(v, 0, sizeof(*v));
}
