/*
 * The simulated gog's send, drafts create and drafts send: gogcli's
 * checks in their order, the message built as buildRFC822 would, and a
 * spool record of what "reached Google" (see gog-sim.c for the sources).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "util.h"
#include "gog-sim.h"

static json_t	*csv(const char *);
static char	*joined(json_t *);
static char	*read_named(const char *);
static int	 blank(const char *);
static json_t	*part(const char *, const char *);
static void	 add_addresses(json_t *, const char *, const char *);
static void	 reply_all(struct sim *, json_t *, json_t *, json_t *);
static int	 compose(struct sim *, json_t **, json_t **);
static void	 stamp(json_t *, const char *);

char *
read_all(int fd)
{
	struct buf	 b;
	char		 chunk[8192];
	ssize_t		 r;

	buf_init(&b, 16 * 1024 * 1024);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&b, chunk, (size_t)r) == -1)
			break;
	if (buf_cstr(&b) == -1) {
		buf_free(&b);
		return NULL;
	}
	return b.data != NULL ? b.data : xstrdup("");
}

static json_t *
csv(const char *s)
{
	json_t		*out = json_array();
	char		*copy, *p, *save = NULL;

	if (s == NULL)
		return out;
	copy = xstrdup(s);
	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		if (*p != '\0')
			json_array_append_new(out, json_string(p));
	}
	free(copy);
	return out;
}

static char *
joined(json_t *list)
{
	struct buf	 b;
	json_t		*e;
	size_t		 i;

	buf_init(&b, 1024 * 1024);
	json_array_foreach(list, i, e) {
		if (i > 0)
			(void)buf_append(&b, ", ", 2);
		(void)buf_append(&b, json_string_value(e),
		    json_string_length(e));
	}
	(void)buf_cstr(&b);
	return b.data != NULL ? b.data : xstrdup("");
}

/* A body from a file, or standard input for "-"; NULL if unreadable. */
static char *
read_named(const char *path)
{
	char	*text;
	int	 fd;

	if (strcmp(path, "-") == 0)
		return read_all(STDIN_FILENO);
	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	text = read_all(fd);
	close(fd);
	return text;
}

/* strings.TrimSpace(s) == "" */
static int
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t\r\n\f\v")] == '\0';
}

/* A MIME part as the Gmail API returns it: {mimeType, body{data,size}}. */
static json_t *
part(const char *mime, const char *text)
{
	json_t	*p;
	char	*enc;

	enc = b64url_encode(text, strlen(text));
	p = json_pack("{s:s,s:{s:s,s:I}}", "mimeType", mime, "body", "data",
	    enc, "size", (json_int_t)strlen(text));
	free(enc);
	return p;
}

/*
 * The addresses of header value v (net/mail.ParseAddressList, or the
 * fallback split on ','), lower-cased, into out unless self or there.
 */
static void
add_addresses(json_t *out, const char *v, const char *self)
{
	json_t		*e;
	char		*copy, *p, *save = NULL, *lt, *gt, *q;
	size_t		 i;
	int		 seen;

	if (v == NULL)
		return;
	copy = xstrdup(v);
	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if ((lt = strrchr(p, '<')) != NULL &&
		    (gt = strrchr(p, '>')) != NULL && gt > lt) {
			*gt = '\0';
			p = lt + 1;
		} else if (strchr(p, '@') == NULL)
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		for (q = p + strlen(p); q > p && (q[-1] == ' ' ||
		    q[-1] == '\t'); q--)
			q[-1] = '\0';
		for (q = p; *q != '\0'; q++)
			*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
		if (*p == '\0' || strcasecmp(p, self) == 0)
			continue;
		seen = 0;
		json_array_foreach(out, i, e)
			if (strcmp(json_string_value(e), p) == 0)
				seen = 1;
		if (!seen)
			json_array_append_new(out, json_string(p));
	}
	free(copy);
}

/*
 * buildReplyAllRecipients (internal/cmd/gmail_send.go): Reply-To (else
 * From) and the original To into to, the original Cc into cc unless in
 * to; self left out.  A NULL list is one the command line gave.
 */
static void
reply_all(struct sim *s, json_t *orig, json_t *to, json_t *cc)
{
	json_t		*all_to = json_array(), *all_cc = json_array(), *e;
	const char	*reply = header_value(orig, "Reply-To");
	size_t		 i, j;
	int		 dup;

	add_addresses(all_to, reply[0] != '\0' ? reply :
	    header_value(orig, "From"), s->a.account);
	add_addresses(all_to, header_value(orig, "To"), s->a.account);
	add_addresses(all_cc, header_value(orig, "Cc"), s->a.account);
	if (to != NULL)
		json_array_extend(to, all_to);
	if (cc != NULL)
		json_array_foreach(all_cc, i, e) {
			dup = 0;
			for (j = 0; j < json_array_size(all_to); j++)
				if (strcmp(json_string_value(e),
				    json_string_value(json_array_get(all_to,
				    j))) == 0)
					dup = 1;
			if (!dup)
				json_array_append(cc, e);
		}
	json_decref(all_to);
	json_decref(all_cc);
}

/* send and drafts create: the message, its record, or an exit code. */
static int
compose(struct sim *s, json_t **msg_out, json_t **rec_out)
{
	json_t		*to, *cc, *bcc, *atts, *headers, *msg, *m;
	json_t		*orig = NULL, *parts, *payload;
	char		*body = NULL, *html = NULL, *tos, *ccs, *bccs, id[32];
	char		 snippet[201];
	const char	*thread = NULL;
	struct stat	 st;
	size_t		 i;
	int		 r = 0;

	/*
	 * The checks of gmail_send.go and gmail_drafts.go, in their order
	 * (openclaw/gogcli, commit 1a1341fd3a56d25fa57f0a092deef5612453692d,
	 * internal/cmd/gmail_send.go, GmailSendCmd.Run; the HTML file input
	 * of its later resolveComposeBodyInputs).
	 */
	if (s->a.body_file != NULL && s->a.body != NULL &&
	    *s->a.body != '\0')
		return fail(EXIT_USAGE, "use only one of --body or --body-file",
		    NULL);
	if (s->a.body_html_file != NULL && s->a.body_html != NULL &&
	    *s->a.body_html != '\0')
		return fail(EXIT_USAGE, "use only one of --body-html or "
		    "--body-html-file", NULL);
	if (s->a.body_file != NULL && s->a.body_html_file != NULL &&
	    strcmp(s->a.body_file, "-") == 0 &&
	    strcmp(s->a.body_html_file, "-") == 0)
		return fail(EXIT_USAGE, "--body-file and --body-html-file "
		    "cannot both read stdin", NULL);
	if (s->a.body_file != NULL) {
		if ((body = read_named(s->a.body_file)) == NULL)
			return fail(EXIT_ERROR, "read body file:",
			    s->a.body_file);
	} else if (s->a.body != NULL)
		body = xstrdup(s->a.body);
	if (s->a.body_html_file != NULL) {
		if ((html = read_named(s->a.body_html_file)) == NULL) {
			free(body);
			return fail(EXIT_ERROR, "read body file:",
			    s->a.body_html_file);
		}
	} else if (s->a.body_html != NULL)
		html = xstrdup(s->a.body_html);
	if (s->a.cmd == CMD_DRAFTS_CREATE) {
		if (s->a.to == NULL || *s->a.to == '\0' ||
		    s->a.subject == NULL || *s->a.subject == '\0')
			r = fail(EXIT_USAGE, "required: --to, --subject",
			    NULL);
	} else if (s->a.reply_to_message_id != NULL && s->a.thread_id != NULL)
		r = fail(EXIT_USAGE, "use only one of --reply-to-message-id "
		    "or --thread-id", NULL);
	else if (s->a.reply_all && s->a.reply_to_message_id == NULL &&
	    s->a.thread_id == NULL)
		r = fail(EXIT_USAGE, "--reply-all requires "
		    "--reply-to-message-id or --thread-id", NULL);
	else if ((s->a.to == NULL || *s->a.to == '\0') && !s->a.reply_all)
		r = fail(EXIT_USAGE, "required: --to (or use --reply-all with "
		    "--reply-to-message-id or --thread-id)", NULL);
	else if (s->a.subject == NULL || *s->a.subject == '\0')
		r = fail(EXIT_USAGE, "required: --subject", NULL);
	if (r == 0 && blank(body) && blank(html))
		r = fail(EXIT_USAGE, "required: --body, --body-file, or "
		    "--body-html", NULL);
	if (r != 0) {
		free(body);
		free(html);
		return r;
	}
	if (s->a.reply_to_message_id != NULL) {
		orig = find_message(s, s->a.reply_to_message_id);
		if (orig == NULL) {
			free(body);
			free(html);
			return fail(EXIT_NOT_FOUND, "Google API error "
			    "(404 notFound): Requested entity was not found.", NULL);
		}
		thread = str(orig, "threadId");
	} else if (s->a.thread_id != NULL) {
		/* selectLatestThreadMessage: the largest internalDate. */
		json_array_foreach(s->messages, i, m)
			if (strcmp(str(m, "threadId"), s->a.thread_id) == 0 &&
			    (orig == NULL || internal_date(m) >
			    internal_date(orig)))
				orig = m;
		if (orig == NULL) {
			free(body);
			free(html);
			return fail(EXIT_NOT_FOUND, "Google API error "
			    "(404 notFound): Requested entity was not found.", NULL);
		}
		thread = s->a.thread_id;
	}
	atts = json_array();
	for (i = 0; i < s->a.nattach; i++) {
		if (stat(s->a.attach[i], &st) == -1 || !S_ISREG(st.st_mode)) {
			json_decref(atts);
			free(body);
			free(html);
			return fail(EXIT_ERROR, "attachment not readable:",
			    s->a.attach[i]);
		}
		json_array_append_new(atts, json_pack("{s:s,s:I}", "name",
		    strrchr(s->a.attach[i], '/') != NULL ?
		    strrchr(s->a.attach[i], '/') + 1 : s->a.attach[i],
		    "size", (json_int_t)st.st_size));
	}
	to = csv(s->a.to);
	cc = csv(s->a.cc);
	bcc = csv(s->a.bcc);
	/* --reply-all fills what --to and --cc leave empty. */
	if (s->a.reply_all && orig != NULL) {
		reply_all(s, orig, json_array_size(to) == 0 ? to : NULL,
		    json_array_size(cc) == 0 ? cc : NULL);
		if (json_array_size(to) == 0) {
			json_decref(to);
			json_decref(cc);
			json_decref(bcc);
			json_decref(atts);
			free(body);
			free(html);
			return fail(EXIT_USAGE, "no recipients: specify --to or "
			    "use --reply-all with a message that has "
			    "recipients", NULL);
		}
	}
	tos = joined(to);
	ccs = joined(cc);
	bccs = joined(bcc);
	(void)snprintf(id, sizeof(id), "19b%013lx", next_serial(s));
	headers = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]",
	    "name", "From", "value", s->a.account, "name", "To", "value", tos,
	    "name", "Subject", "value", s->a.subject);
	if (ccs[0] != '\0')
		json_array_append_new(headers, json_pack("{s:s,s:s}", "name",
		    "Cc", "value", ccs));
	if (bccs[0] != '\0')
		json_array_append_new(headers, json_pack("{s:s,s:s}", "name",
		    "Bcc", "value", bccs));
	if (s->a.reply_to != NULL && *s->a.reply_to != '\0')
		json_array_append_new(headers, json_pack("{s:s,s:s}", "name",
		    "Reply-To", "value", s->a.reply_to));
	/* buildRFC822: text/plain, text/html, or both as alternatives. */
	parts = json_array();
	if (!blank(body))
		json_array_append_new(parts, part("text/plain", body));
	if (!blank(html))
		json_array_append_new(parts, part("text/html", html));
	(void)strlcpy(snippet, !blank(body) ? body : html, sizeof(snippet));
	msg = json_pack("{s:s,s:s,s:[],s:s,s:s,s:{s:s,s:o}}",
	    "id", id, "threadId", thread != NULL ? thread : id, "labelIds",
	    "snippet", snippet, "internalDate", "0", "payload", "mimeType",
	    json_array_size(parts) == 2 ? "multipart/alternative" : "",
	    "headers", headers);
	payload = json_object_get(msg, "payload");
	if (json_array_size(parts) == 2)
		json_object_set(payload, "parts", parts);
	else {
		json_object_set(payload, "mimeType", json_object_get(
		    json_array_get(parts, 0), "mimeType"));
		json_object_set(payload, "body", json_object_get(
		    json_array_get(parts, 0), "body"));
	}
	json_decref(parts);
	*rec_out = json_pack("{s:s,s:o,s:o,s:o,s:s,s:s,s:s*,s:s*,s:s*,"
	    "s:s*,s:o,s:s}",
	    "account", s->a.account, "to", to, "cc", cc, "bcc", bcc,
	    "subject", s->a.subject, "body", !blank(body) ? body : "",
	    "body_html", !blank(html) ? html : NULL, "reply_to",
	    s->a.reply_to, "reply_to_message_id",
	    s->a.reply_to_message_id, "thread_id", thread, "attachments",
	    atts, "message_id", id);
	*msg_out = msg;
	free(html);
	free(tos);
	free(ccs);
	free(bccs);
	free(body);
	return 0;
}

static void
stamp(json_t *msg, const char *label)
{
	char	now[32];

	(void)snprintf(now, sizeof(now), "%lld", (long long)time(NULL) * 1000);
	json_object_set_new(msg, "internalDate", json_string(now));
	json_array_append_new(json_object_get(msg, "labelIds"),
	    json_string(label));
}

int
cmd_send(struct sim *s)
{
	json_t	*msg, *rec, *out;
	int	 r;

	if ((r = compose(s, &msg, &rec)) != 0)
		return r;
	pause_knob(s);
	stamp(msg, "SENT");
	json_object_set_new(rec, "op", json_string("send"));
	spool(s, rec);
	json_array_append(s->messages, msg);
	save(s, "messages.json", s->messages);
	if (s->a.json) {
		out = json_pack("{s:s,s:s,s:s}", "from", s->a.account,
		    "messageId", str(msg, "id"), "threadId",
		    str(msg, "threadId"));
		print_json(out, NULL);
		json_decref(out);
	} else
		(void)printf("message_id\t%s\nthread_id\t%s\n",
		    str(msg, "id"), str(msg, "threadId"));
	json_decref(msg);
	json_decref(rec);
	return 0;
}

int
cmd_drafts_create(struct sim *s)
{
	json_t	*msg, *rec, *out;
	char	 id[32];
	int	 r;

	if ((r = compose(s, &msg, &rec)) != 0)
		return r;
	pause_knob(s);
	stamp(msg, "DRAFT");
	(void)snprintf(id, sizeof(id), "r-%lu", next_serial(s));
	json_object_set_new(rec, "op", json_string("draft"));
	json_object_set_new(rec, "draft_id", json_string(id));
	spool(s, rec);
	json_array_append_new(s->drafts, json_pack("{s:s,s:O}", "id", id,
	    "message", msg));
	save(s, "drafts.json", s->drafts);
	if (s->a.json) {
		out = json_pack("{s:s,s:{s:s,s:[s],s:s},s:s}", "draftId", id,
		    "message", "id", str(msg, "id"), "labelIds", "DRAFT",
		    "threadId", str(msg, "threadId"), "threadId",
		    s->a.reply_to_message_id != NULL ?
		    str(msg, "threadId") : "");
		print_json(out, NULL);
		json_decref(out);
	} else
		(void)printf("draft_id\t%s\nmessage_id\t%s\n", id,
		    str(msg, "id"));
	json_decref(msg);
	json_decref(rec);
	return 0;
}

int
cmd_drafts_send(struct sim *s, int delete)
{
	json_t	*d, *msg, *out, *rec;
	size_t	 i;

	/* confirmDestructive (internal/cmd/confirm.go) comes first. */
	if (delete && !s->a.force && (s->a.no_input || !isatty(0))) {
		(void)fprintf(stderr, "refusing to delete gmail draft %s "
		    "without --force (non-interactive)\n", s->a.positional[0]);
		return EXIT_USAGE;
	}
	if ((d = find_draft(s, s->a.positional[0], &i)) == NULL)
		return fail(EXIT_NOT_FOUND, "Google API error (404 notFound): "
		    "Requested entity was not found.", NULL);
	msg = json_incref(json_object_get(d, "message"));
	rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "op",
	    delete ? "drafts.delete" : "drafts.send", "draft_id",
	    s->a.positional[0], "to", header_value(msg, "To"), "cc",
	    header_value(msg, "Cc"), "bcc", header_value(msg, "Bcc"), "subject",
	    header_value(msg, "Subject"), "message_id", str(msg, "id"));
	spool(s, rec);
	json_decref(rec);
	(void)json_array_remove(s->drafts, i);
	save(s, "drafts.json", s->drafts);
	if (delete) {
		out = json_pack("{s:b,s:s}", "deleted", 1, "draftId",
		    s->a.positional[0]);
	} else {
		json_array_clear(json_object_get(msg, "labelIds"));
		stamp(msg, "SENT");
		json_array_append(s->messages, msg);
		save(s, "messages.json", s->messages);
		out = json_pack("{s:s,s:s}", "messageId", str(msg, "id"),
		    "threadId", str(msg, "threadId"));
	}
	if (s->a.json)
		print_json(out, NULL);
	else if (delete)
		(void)printf("deleted\ttrue\ndraft_id\t%s\n",
		    s->a.positional[0]);
	else
		(void)printf("message_id\t%s\nthread_id\t%s\n",
		    str(msg, "id"), str(msg, "threadId"));
	json_decref(out);
	json_decref(msg);
	return 0;
}
