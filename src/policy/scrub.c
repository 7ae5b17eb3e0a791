/*
 * Scrubbing of inbound text before the agent reads it: one-time codes
 * (SCRUB_OTP) and links that log in, reset, verify or otherwise carry
 * authority (SCRUB_AUTH_LINKS) are replaced by "[redacted code]" and
 * "[redacted link]", so that a message the owner receives cannot be
 * turned into an account takeover by an agent that was talked into
 * forwarding it.  How well it does is measured on the corpus in
 * tests/data/scrub/corpus.txt (bench/scrub-bench prints recall, false
 * positives and throughput; tests/unit/test_scrub requires every case).
 *
 * The scan reads a view of the text (scrub-view.c): lower case (ASCII,
 * Latin-1, Cyrillic), full-width digits and letters as ASCII, CJK
 * sentence marks as ". " and ", ", odd spaces as ' ', zero-width and
 * bidi characters dropped.  A redaction found in the view is made in
 * the original bytes.  Keyword positions are found first in one pass;
 * every later look-back or look-ahead is bounded by a constant, so the
 * whole is linear in the input and needs no regular expressions
 * (scrub-scan.c).  Keywords come in English, German, French, Spanish,
 * Portuguese, Italian, Dutch, Russian, Chinese and Japanese
 * (scrub-words.c); German and Dutch compounds count by their ending
 * ("Bestätigungscode", "verificatiecode", "Einmalpasswort"), CJK ones
 * anywhere ("验证码", "認証コード").
 *
 * HTML (a text with tags of common HTML elements): links are scrubbed
 * in the markup as written (href, src, text), then codes and links in
 * the text a reader sees: tags removed (inline ones leave nothing, table
 * cells a space, blocks a line break), character references decoded,
 * alt/title/aria-label/placeholder/value/content attributes read as
 * text, comments, <style> and <script> skipped.  A code split over tags
 * ("<td>4</td><td>8</td>...", "4<span>82</span>913", "&#52;82913") is
 * redacted by writing the placeholder where it starts and dropping
 * every text byte it covers, keeping the tags in between, so the
 * markup still nests and no digit of the code is left in it.
 *
 * What counts as a one-time code:
 *
 * - A number of 4 to 8 digits standing alone: not glued to letters, not
 *   after a currency sign, '#', '+', '/', '@' or '-', not before '%',
 *   and not part of a longer number written with '.', ',', '/', ':' or
 *   '-' (prices "$123,456.00", dates "2026-05-16", "16/05/2026", times
 *   "10:30", phone numbers "415-555-0100").  Digits split once by a space
 *   or dash into two equal halves of 3 or 4 ("123 456", "1234-5678")
 *   are one code, as are three pairs split by spaces ("39 01 82") and
 *   4 to 8 single digits split by spaces or dashes ("7 3 1 9 6 4", one
 *   per table cell).  Other digit groups are read as one number (a
 *   phone number "555 0100", "+1 415 555 0100", a card) and are not
 *   codes, except that a code may be followed by a number of at most
 *   two digits ("482913 10 min").  "G-123456" (one letter, dash,
 *   digits) is a code form too.
 * - ... and one of: a code keyword ("code", "passcode", "OTP", "PIN",
 *   "token", "verify", "one-time", "2FA", "password", "authentication",
 *   "TAN", "código", "codice", "Passwort", "mot de passe", "senha",
 *   "wachtwoord", "код", "пароль", "验证码", "密码", "認証", "コード" ...)
 *   within 60 bytes before or after and in the same sentence (no ". ",
 *   "! ", "? ", "。" or newline in between, though a line ending in ':'
 *   runs on, and a number alone on its line goes with the lines next
 *   to it: "Your code:\n\n482913"); a keyword right before it,
 *   perhaps with a copula ("code is", "Code lautet", "码是", "コードは");
 *   "use 123456", "enter 123456", "saisissez", "введите" ...; "123456 is
 *   your"; or a "do not share" warning within 100 bytes after it, across
 *   sentences ("Acme: 482913. Do not share", "Никому не сообщайте",
 *   "请勿泄露").
 * - The origin-bound line of Apple and the WebOTP API, "@example.com
 *   #123456", needs no keyword.
 * - A keyword that names something else does not count: "zip code",
 *   "promo code", "gift code", "code review", "code of conduct",
 *   "código postal", "codice sconto",
 *   "Gutscheincode", "クーポンコード" (scrub_qualifiers and the compound
 *   stop list).
 * - A number right after an order, invoice, ticket, booking, flight,
 *   parcel ... word, also "order number 123456" and "Bestellung",
 *   "commande", "pedido", "заказ", is a reference, not a code.  A
 *   4-digit number that reads as a year (1900-2099) only counts with a
 *   keyword right next to it ("code 2024"), so "verify by May 16, 2026"
 *   keeps its year.
 * - Right after a code keyword ("code:", "code is", "login token:",
 *   "验证码："), a token of 5 to 10 ASCII letters and digits, one inner
 *   dash allowed, with at least one of each and no run of more than
 *   four letters, that does not read as a word and a number ("SAVE20")
 *   or a number and a unit ("128GB"): "A7K2Q9", "X9Q2-7KLM", "2XHJQ".
 *
 * Numbers inside URLs are left to the link scrubber.
 *
 * What counts as an authentication link (http://, https://, www., or
 * a bare host of two or more labels ending in 2 to 6 letters followed by
 * a path, as SMS write them: "v.whatsapp.com/552018"):
 * credentials before the host ("user:pass@"), a host whose first labels
 * say login, signin, auth or sso, a path or query word starting with
 * login, logon, signin, magic, verif, reset, passw, confirm, activat,
 * authent, authoriz, oauth, invit, recover (and anmeld, passwort,
 * connexion, reinitialis, contrasena, senha, redefin, inlog, wachtwoord,
 * accedi ...), the words auth, otp, sso, 2fa, mfa, session, "sign in",
 * "log in", "one time", or a credential-bearing parameter (token=,
 * code=, ticket=, nonce=, otp=, pin=, key=).  Opaque links count too: a
 * token of 16 or more letters, digits, '-' and '_' with at least two
 * letters and two digits, as the first path segment, after a segment
 * of one or two characters ("/r/AbC9...") or as a query value, on the
 * link of a mail or sign-in provider (scrub_auth_domains: Google
 * accounts, Apple, Microsoft, Facebook, banks ...); and any token of 6
 * or more with a letter and a digit when a sign-in, reset or verify word
 * stands within 80 bytes before the link or 40 after ("Reset your
 * password: https://amzn.to/3xYz9Qw").  A link whose path holds a
 * number of 4 to 8 digits (not a year, not after a reference segment
 * such as "/orders/") with a code keyword within 60 bytes carries the
 * code itself ("tap to verify: v.whatsapp.com/552018").  The word "unsubscribe" alone
 * does not make a link one, though a token in it does.  Prose
 * punctuation after a link is not part of it.
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "policy.h"
#include "scrub.h"

#define REDACTED_CODE	"[redacted code]"
#define REDACTED_LINK	"[redacted link]"

struct outbuf {
	char	*buf;
	size_t	 len, cap;
	int	 failed;
};

static void	 out_add(struct outbuf *, const char *, size_t);
static char	*rebuild(const char *, size_t, const struct scrub_view *,
		    const struct scrub_spans *);
static char	*scrub_pass(unsigned int, const char *, int, int *);

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
		ncap = o->cap < 64 ? 64 : o->cap;
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

/*
 * The original s[0..n) with each span replaced by its placeholder.  In
 * HTML the tags a span covers are kept (the markup stays whole), its
 * text is dropped.  NULL on allocation failure.
 */
static char *
rebuild(const char *s, size_t n, const struct scrub_view *v,
    const struct scrub_spans *sp)
{
	struct outbuf	 o;
	size_t		 k, pos = 0, a, b, j, t;
	int		 quote;

	memset(&o, 0, sizeof(o));
	out_add(&o, "", 0);
	for (k = 0; k < sp->n; k++) {
		a = v->from[sp->v[k].start];
		b = v->to[sp->v[k].end - 1];
		if (a < pos)
			a = pos;
		if (b < a)
			b = a;
		out_add(&o, s + pos, a - pos);
		if (sp->v[k].kind == SCRUB_SPAN_LINK)
			out_add(&o, REDACTED_LINK, sizeof(REDACTED_LINK) - 1);
		else
			out_add(&o, REDACTED_CODE, sizeof(REDACTED_CODE) - 1);
		for (j = a; v->html && j < b; j++) {
			if (!scrub_tag_start(s, b, j))
				continue;
			for (t = j, quote = 0; t < b; t++) {
				if (quote != 0) {
					if (s[t] == quote)
						quote = 0;
				} else if (s[t] == '"' || s[t] == '\'')
					quote = s[t];
				else if (s[t] == '>')
					break;
			}
			if (t < b) {
				out_add(&o, s + j, t + 1 - j);
				j = t;
			}
		}
		pos = b;
	}
	out_add(&o, s + pos, n - pos);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

/* One scan of text as plain text or HTML; *did set when it redacted. */
static char *
scrub_pass(unsigned int scrub, const char *text, int html, int *did)
{
	struct scrub_view	 v;
	struct scrub_spans	 sp;
	size_t			 n = strlen(text);
	char			*out = NULL;

	memset(&sp, 0, sizeof(sp));
	if (scrub_view_build(&v, text, n, html) == -1 ||
	    scrub_scan(scrub, &v, &sp) == -1)
		goto done;
	if (sp.n == 0)
		out = strdup(text);
	else if ((out = rebuild(text, n, &v, &sp)) != NULL)
		*did = 1;
done:
	scrub_view_free(&v);
	free(sp.v);
	return out;
}

char *
scrub_text(unsigned int scrub, const char *text, int *changed)
{
	char	*links, *out;
	int	 did = 0;

	if (changed != NULL)
		*changed = 0;
	if (text == NULL)
		return NULL;
	scrub &= SCRUB_OTP | SCRUB_AUTH_LINKS;
	if (scrub == 0)
		return strdup(text);
	if (!scrub_looks_html(text, strlen(text)))
		out = scrub_pass(scrub, text, 0, &did);
	else {
		/* Links in the markup (href, src), then the text seen. */
		if ((links = scrub_pass(scrub & SCRUB_AUTH_LINKS, text, 0,
		    &did)) == NULL)
			return NULL;
		out = scrub_pass(scrub, links, 1, &did);
		free(links);
	}
	if (out != NULL && changed != NULL)
		*changed = did;
	return out;
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
