/*
 * Reading the mail the Gmail adapter composes or answers: the address
 * headers of an original (for the reply check and for --reply-all, whose
 * recipients the adapter works out itself, as gog would, so that policy
 * sees every one before gog runs), and the text of an HTML body for the
 * content rules; and the mail an owner's notice is (owner-notify.c).
 * No I/O: the adapter runs gog; the contracts are in gmail-compose.h.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "address.h"
#include "base64url.h"
#include "buf.h"
#include "call.h"
#include "chan-gmail.h"
#include "channel.h"
#include "handler.h"
#include "protocol.h"
#include "rpc.h"
#include "gmail-compose.h"
#include "util.h"

#define HTML_TEXT_MAX	(8 * 1024 * 1024)

static void	 lower(char *);
static int	 append_unique(json_t *, const char *, const char *);
static int	 in_list(json_t *, const char *);
static size_t	 html_reference(const char *, struct buf *);
static void	 put_code_point(unsigned long, struct buf *);

const char *
gmail_msg_header(json_t *m, const char *name)
{
	json_t		*h;
	size_t		 i;
	const char	*n;

	json_array_foreach(json_object_get(json_object_get(m, "payload"),
	    "headers"), i, h) {
		n = json_string_value(json_object_get(h, "name"));
		if (n != NULL && strcasecmp(n, name) == 0)
			return json_string_value(json_object_get(h, "value"));
	}
	return NULL;
}

int
gmail_split_addresses(const char *list, json_t *out)
{
	char		 entry[1024], addr[ADDR_MAX];
	const char	*p, *start;
	int		 quoted = 0, angle = 0;
	size_t		 n;

	if (list == NULL)
		return 0;
	for (p = start = list;; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '<' && !quoted)
			angle = 1;
		else if (*p == '>' && !quoted)
			angle = 0;
		if (*p != '\0' && (*p != ',' || quoted || angle))
			continue;
		n = (size_t)(p - start);
		if (n >= sizeof(entry))
			return -1;
		memcpy(entry, start, n);
		entry[n] = '\0';
		if (strspn(entry, " \t") != n) {
			if (gmail_address(entry, addr, sizeof(addr)) == -1)
				return -1;
			json_array_append_new(out, json_string(addr));
		}
		if (*p == '\0')
			break;
		start = p + 1;
	}
	return 0;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Is addr (lower case) in list? */
static int
in_list(json_t *list, const char *addr)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(list, i, e)
		if (strcmp(json_string_value(e), addr) == 0)
			return 1;
	return 0;
}

/* Append the addresses of header value v, lower-cased, but self and repeats. */
static int
append_unique(json_t *out, const char *v, const char *self)
{
	json_t		*all = json_array(), *e;
	char		 addr[ADDR_MAX];
	size_t		 i;
	int		 r;

	r = gmail_split_addresses(v, all);
	json_array_foreach(all, i, e) {
		if (strlcpy(addr, json_string_value(e), sizeof(addr)) >=
		    sizeof(addr))
			continue;
		lower(addr);
		if (strcasecmp(addr, self) != 0 && !in_list(out, addr))
			json_array_append_new(out, json_string(addr));
	}
	json_decref(all);
	return r;
}

int
gmail_reply_all_recipients(json_t *msg, const char *self, json_t *to,
    json_t *cc)
{
	json_t		*ccs = json_array(), *e;
	const char	*reply;
	size_t		 i;
	int		 r = 0;

	/* RFC 5322: Reply-To, when there is one, stands for From. */
	reply = gmail_msg_header(msg, "Reply-To");
	if (reply == NULL || reply[strspn(reply, " \t")] == '\0')
		reply = gmail_msg_header(msg, "From");
	if (append_unique(to, reply, self) == -1 ||
	    append_unique(to, gmail_msg_header(msg, "To"), self) == -1 ||
	    append_unique(ccs, gmail_msg_header(msg, "Cc"), self) == -1)
		r = -1;
	json_array_foreach(ccs, i, e)
		if (!in_list(to, json_string_value(e)))
			json_array_append(cc, e);
	json_decref(ccs);
	return r;
}

static void
put_code_point(unsigned long cp, struct buf *out)
{
	char	u[4];
	size_t	n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	(void)buf_append(out, u, n);
}

/*
 * A character reference at p ('&'): decoded into out, and the bytes it
 * took; 0 when it is none (the '&' is then text).  Numeric ones, and
 * the named ones a mail body uses to write markup and spaces.
 */
static size_t
html_reference(const char *p, struct buf *out)
{
	static const struct {
		const char	*name;
		unsigned long	 cp;
	} named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "apos", '\'' }, { "nbsp", ' ' }, { "colon", ':' },
		{ "equals", '=' }, { "period", '.' }, { "sol", '/' },
		{ "commat", '@' }, { "lowbar", '_' }, { "hyphen", '-' },
		{ "dash", '-' }, { "Tab", ' ' }, { "NewLine", ' ' },
		{ NULL, 0 }
	};
	const char	*q = p + 1;
	unsigned long	 cp = 0;
	size_t		 i, n;
	int		 digits = 0, hex = 0;

	if (*q == '#') {
		q++;
		if (*q == 'x' || *q == 'X') {
			hex = 1;
			q++;
		}
		for (; hex ? isxdigit((unsigned char)*q) :
		    isdigit((unsigned char)*q); q++) {
			if (cp <= 0x10ffff)
				cp = cp * (hex ? 16 : 10) + (unsigned long)(
				    isdigit((unsigned char)*q) ? *q - '0' :
				    tolower((unsigned char)*q) - 'a' + 10);
			digits++;
		}
		if (digits == 0)
			return 0;
		/* Browsers take a reference without its ';' too. */
		if (*q == ';')
			q++;
		put_code_point(cp, out);
		return (size_t)(q - p);
	}
	for (i = 0; named[i].name != NULL; i++) {
		n = strlen(named[i].name);
		if (strncmp(q, named[i].name, n) == 0) {
			q += n;
			if (*q == ';')
				q++;
			put_code_point(named[i].cp, out);
			return (size_t)(q - p);
		}
	}
	return 0;
}

char *
gmail_html_text(const char *html)
{
	struct buf	 text, tags;
	const char	*p, *end = html + strlen(html);
	size_t		 n;
	int		 in_tag = 0, r = 0;

	buf_init(&text, HTML_TEXT_MAX);
	buf_init(&tags, HTML_TEXT_MAX);
	for (p = html; p < end; p++) {
		if (!in_tag && *p == '<' && p + 1 < end &&
		    (isalpha((unsigned char)p[1]) || p[1] == '/' ||
		    p[1] == '!' || p[1] == '?')) {
			in_tag = 1;
			continue;
		}
		if (in_tag && *p == '>') {
			in_tag = 0;
			(void)buf_append(&tags, " ", 1);
			continue;
		}
		if (*p == '&' && (n = html_reference(p,
		    in_tag ? &tags : &text)) > 0) {
			p += n - 1;
			continue;
		}
		if (buf_append(in_tag ? &tags : &text, p, 1) == -1)
			r = -1;
	}
	if (buf_append(&text, "\n", 1) == -1 || (tags.data != NULL &&
	    buf_append(&text, tags.data, tags.len) == -1) ||
	    buf_cstr(&text) == -1)
		r = -1;
	buf_free(&tags);
	if (r == -1) {
		buf_free(&text);
		return NULL;
	}
	return text.data;
}

/*
 * The bodies of send and drafts.create: body or body_html, one of them
 * (gog reads the one it is given on its standard input), and the text
 * the content rules read, subject first; *text is malloc'd.  0 or the
 * call's error.
 */
int
gmail_compose_text(struct call *c, const char *subject, const char **body,
    const char **html, char **text)
{
	char	*plain;
	size_t	 len;

	*text = NULL;
	if (*body != NULL && (*body)[0] == '\0')
		*body = NULL;
	if (*html != NULL && (*html)[0] == '\0')
		*html = NULL;
	if (*body == NULL && *html == NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param body: required: body or body_html");
	if (*body != NULL && *html != NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param body_html: use only one of body or body_html "
		    "(through carapace gog reads the body on its standard "
		    "input, which carries one)");
	/* The policy reads the HTML's text, references decoded. */
	if (*html != NULL) {
		if ((plain = gmail_html_text(*html)) == NULL) {
			c->rule = "max_length";
			return call_error(c, CP_ERR_CONTENT_BLOCKED,
			    json_pack("{s:s}", "rule", "max_length"),
			    "content blocked: the HTML body is too large "
			    "to check");
		}
	} else
		plain = xstrdup(*body);
	len = strlen(subject) + strlen(plain) + 2;
	*text = xcalloc(1, len);
	(void)snprintf(*text, len, "%s\n%s", subject, plain);
	free(plain);
	return 0;
}

/*
 * reply_all: the recipients gog would give the reply (gogcli
 * internal/cmd/gmail_send.go, buildReplyAllRecipients), where the
 * client named none: explicit to and cc replace them, as in gog.  The
 * adapter hands gog the list, never --reply-all, so gog sends to no
 * one policy did not see.  0 or the call's error.
 */
int
gmail_reply_all_lists(struct call *c, const struct channel *ch, json_t *original,
    json_t **to_in, json_t **cc_in)
{
	json_t		*to = json_array(), *cc = json_array();
	char		 self[ADDR_MAX] = "";

	if (GMAIL_OPTS(ch)->account != NULL)
		(void)strlcpy(self, GMAIL_OPTS(ch)->account, sizeof(self));
	if (gmail_reply_all_recipients(original, self, to, cc) == -1) {
		json_decref(to);
		json_decref(cc);
		c->rule = "reply";
		return call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", "", "rule", "reply"),
		    "recipient not allowed: the original's addresses "
		    "cannot be read");
	}
	if (json_array_size(*to_in) == 0)
		*to_in = to;
	else
		json_decref(to);
	if (json_array_size(*cc_in) == 0)
		*cc_in = cc;
	else
		json_decref(cc);
	return 0;
}

json_t *
gmail_notice(const struct channel *ch, const char *address, const char *text,
    const char **cause)
{
	json_t	*d;

	if (GMAIL_OPTS(ch)->send == GMAIL_SEND_DRAFT) {
		*cause = "channels.gmail.send is draft: a notice would only "
		    "be a draft";
		return NULL;
	}
	d = json_pack("{s:[s],s:[],s:[],s:[],s:s,s:s,s:s}", "to", address,
	    "cc", "bcc", "reply_to", "subject", "Carapace: held message",
	    "body", text, "mode", "send");
	if (d == NULL)
		*cause = "out of memory";
	return d;
}

int
gmail_draft_text(json_t *part, struct buf *out, int depth)
{
	json_t		*p;
	const char	*data, *mime;
	char		*plain;
	size_t		 i, len;

	if (depth > 16)
		return -1;
	if (!json_is_object(part))
		return 0;
	mime = json_string_value(json_object_get(part, "mimeType"));
	data = json_string_value(json_object_get(json_object_get(part,
	    "body"), "data"));
	if (data != NULL && mime != NULL && strncmp(mime, "text/", 5) == 0) {
		if ((plain = base64url_decode(data, &len)) == NULL)
			return -1;
		(void)buf_append(out, "\n", 1);
		(void)buf_append(out, plain, len);
		free(plain);
	}
	json_array_foreach(json_object_get(part, "parts"), i, p)
		if (gmail_draft_text(p, out, depth + 1) == -1)
			return -1;
	return 0;
}
