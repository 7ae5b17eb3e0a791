/*
 * A simulated gog (gogcli, Gmail commands) for the tests and the sandbox
 * demo, where the real tool would need a Google account.  It takes the
 * real command line, parsed by the same code as the gog shim, and
 * answers from fixture files instead of the Gmail API, printing what gog
 * prints (Go's pretty JSON, or tables and key<TAB>value lines):
 *
 *   DIR			GOG_SIM_DIR, else <dir of argv[0]>/../sim/gog
 *   DIR/messages.json	array of Gmail API messages (format full); sends
 *			and sent drafts are appended (label SENT)
 *   DIR/labels.json	array of Gmail API labels
 *   DIR/drafts.json	array of drafts {id, message} (created as needed)
 *   DIR/spool/		one JSON record per send, draft created, draft
 *			sent or deleted: what "reached Google"
 *   DIR/sim-fail		if present: its first line is an exit code, the
 *			rest is printed on stderr (every command fails)
 *
 * Search understands in:X, label:X, from:X, is:unread, after:EPOCH and
 * words (matched in subject and snippet); other operators are ignored.
 * Page tokens are offsets.  Exit codes are gog's: 2 usage, 5 not found,
 * 10 no account.
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
#include "base64url.h"
#include "buf.h"
#include "policy.h"
#include "shim-gog.h"
#include "util.h"

#define SIM_VERSION	"v0.9.0-sim"

struct sim {
	struct gog_args	 a;
	char		 dir[PATH_MAX];
	json_t		*messages;
	json_t		*labels;
	json_t		*drafts;
};

static int
fail(int code, const char *fmt, const char *arg)
{
	(void)fputs("Error: ", stderr);
	(void)fprintf(stderr, "%s%s%s\n", fmt, arg != NULL ? " " : "",
	    arg != NULL ? arg : "");
	return code;
}

static json_t *
load(struct sim *s, const char *name)
{
	char		 path[PATH_MAX + 32];
	json_t		*v;
	json_error_t	 e;

	(void)snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	if (access(path, F_OK) == -1)
		return json_array();
	if ((v = json_load_file(path, JSON_REJECT_DUPLICATES, &e)) == NULL ||
	    !json_is_array(v)) {
		(void)fprintf(stderr, "gog-sim: %s: %s\n", path, e.text);
		exit(1);
	}
	return v;
}

static void
save(struct sim *s, const char *name, json_t *v)
{
	char	path[PATH_MAX + 32], tmp[PATH_MAX + 40];

	(void)snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(v, tmp, JSON_INDENT(1)) == -1 ||
	    rename(tmp, path) == -1) {
		(void)fprintf(stderr, "gog-sim: cannot write %s\n", path);
		exit(1);
	}
}

static unsigned long
next_serial(struct sim *s)
{
	char		 path[PATH_MAX + 32], buf[32] = "";
	unsigned long	 n = 0;
	FILE		*f;

	(void)snprintf(path, sizeof(path), "%s/next-id", s->dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			n = strtoul(buf, NULL, 10);
		(void)fclose(f);
	}
	n++;
	if ((f = fopen(path, "w")) == NULL) {
		(void)fprintf(stderr, "gog-sim: cannot write %s\n", path);
		exit(1);
	}
	(void)fprintf(f, "%lu\n", n);
	(void)fclose(f);
	return n;
}

static void
spool(struct sim *s, json_t *rec)
{
	char	path[PATH_MAX + 64];

	(void)snprintf(path, sizeof(path), "%s/spool", s->dir);
	(void)mkdir(path, 0700);
	(void)snprintf(path, sizeof(path), "%s/spool/%06lu.json", s->dir,
	    next_serial(s));
	if (json_dump_file(rec, path, JSON_INDENT(2) | JSON_SORT_KEYS) ==
	    -1) {
		(void)fprintf(stderr, "gog-sim: cannot spool %s\n", path);
		exit(1);
	}
}

static void
print(json_t *v)
{
	json_t	*sorted = gog_json_sorted(v);

	gog_json_print(stdout, sorted);
	json_decref(sorted);
}

static const char *
str(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static long long
internal_date(json_t *m)
{
	return strtoll(str(m, "internalDate"), NULL, 10);
}

static const char *
label_name(struct sim *s, const char *id)
{
	json_t	*l;
	size_t	 i;

	json_array_foreach(s->labels, i, l)
		if (strcmp(str(l, "id"), id) == 0)
			return str(l, "name")[0] != '\0' ? str(l, "name") : id;
	return id;
}

static int
has_label(struct sim *s, json_t *m, const char *want)
{
	json_t		*l;
	size_t		 i;
	const char	*id;

	json_array_foreach(json_object_get(m, "labelIds"), i, l) {
		id = json_string_value(l);
		if (id != NULL && (strcasecmp(id, want) == 0 ||
		    strcasecmp(label_name(s, id), want) == 0))
			return 1;
	}
	return 0;
}

static int
contains(const char *hay, const char *needle)
{
	size_t	n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

static int
matches(struct sim *s, json_t *m, const char *query)
{
	char	 q[8192], *word, *save = NULL;

	(void)strlcpy(q, query, sizeof(q));
	for (word = strtok_r(q, " \t", &save); word != NULL;
	    word = strtok_r(NULL, " \t", &save)) {
		if (strncasecmp(word, "in:", 3) == 0 ||
		    strncasecmp(word, "label:", 6) == 0) {
			if (!has_label(s, m, strchr(word, ':') + 1))
				return 0;
		} else if (strcasecmp(word, "is:unread") == 0) {
			if (!has_label(s, m, "UNREAD"))
				return 0;
		} else if (strncasecmp(word, "from:", 5) == 0) {
			if (!contains(gog_header(m, "From"), word + 5))
				return 0;
		} else if (strncasecmp(word, "after:", 6) == 0) {
			if (internal_date(m) / 1000 <= strtoll(word + 6,
			    NULL, 10))
				return 0;
		} else if (strchr(word, ':') != NULL)
			continue;
		else if (!contains(gog_header(m, "Subject"), word) &&
		    !contains(str(m, "snippet"), word))
			return 0;
	}
	return 1;
}

static json_t *
find_message(struct sim *s, const char *id)
{
	json_t	*m;
	size_t	 i;

	json_array_foreach(s->messages, i, m)
		if (strcmp(str(m, "id"), id) == 0)
			return m;
	return NULL;
}

static json_t *
label_names(struct sim *s, json_t *m)
{
	json_t	*out = json_array(), *l;
	size_t	 i;

	json_array_foreach(json_object_get(m, "labelIds"), i, l)
		if (json_is_string(l))
			json_array_append_new(out,
			    json_string(label_name(s, json_string_value(l))));
	return out;
}

/* Newest first, as Gmail lists. */
static int
by_date_desc(const void *a, const void *b)
{
	long long	da = internal_date(*(json_t *const *)a);
	long long	db = internal_date(*(json_t *const *)b);

	return da < db ? 1 : da > db ? -1 : 0;
}

static json_t *
summary(struct sim *s, json_t *m, const char *id, int messages)
{
	json_t	*o = json_object(), *labels;
	char	 date[64];

	json_object_set_new(o, "id", json_string(id));
	if (messages)
		json_object_set_new(o, "threadId",
		    json_string(str(m, "threadId")));
	gog_format_date(gog_header(m, "Date"), date, sizeof(date));
	if (date[0] != '\0')
		json_object_set_new(o, "date", json_string(date));
	if (gog_header(m, "From")[0] != '\0')
		json_object_set_new(o, "from",
		    json_string(gog_header(m, "From")));
	if (gog_header(m, "Subject")[0] != '\0')
		json_object_set_new(o, "subject",
		    json_string(gog_header(m, "Subject")));
	labels = label_names(s, m);
	if (json_array_size(labels) > 0)
		json_object_set(o, "labels", labels);
	json_decref(labels);
	return o;
}

static int
cmd_search(struct sim *s, int messages)
{
	json_t		**list, *m, *items, *out, *rows, *t;
	json_t		 *first, *lbl;
	size_t		  i, j, n = 0, start = 0, max, k;
	const char	 *errstr, *tid;
	char		  next[32] = "", date[64];
	struct buf	  labels;
	int		  seen;

	max = s->a.max > 0 ? (size_t)s->a.max : 10;
	if (s->a.page != NULL) {
		start = (size_t)strtonum(s->a.page, 0, 1000000, &errstr);
		if (errstr != NULL)
			return fail(GOG_EXIT_ERROR, "Google API error (400): "
			    "Invalid pageToken", NULL);
	}
	list = xcalloc(json_array_size(s->messages) + 1, sizeof(*list));
	json_array_foreach(s->messages, i, m) {
		if (!matches(s, m, s->a.query))
			continue;
		if (!messages) {
			/* One entry per thread, where its newest match is. */
			seen = 0;
			for (j = 0; j < n; j++)
				if (strcmp(str(list[j], "threadId"),
				    str(m, "threadId")) == 0) {
					if (internal_date(m) >
					    internal_date(list[j]))
						list[j] = m;
					seen = 1;
				}
			if (seen)
				continue;
		}
		list[n++] = m;
	}
	qsort(list, n, sizeof(*list), by_date_desc);
	items = json_array();
	for (i = start; i < n && i < start + max; i++) {
		if (messages) {
			json_array_append_new(items, summary(s, list[i],
			    str(list[i], "id"), 1));
			continue;
		}
		/* A thread shows its first message. */
		tid = str(list[i], "threadId");
		first = NULL;
		json_array_foreach(s->messages, k, m)
			if (strcmp(str(m, "threadId"), tid) == 0 &&
			    (first == NULL ||
			    internal_date(m) < internal_date(first)))
				first = m;
		json_array_append_new(items, summary(s, first, tid, 0));
	}
	if (start + max < n)
		(void)snprintf(next, sizeof(next), "%zu", start + max);
	free(list);
	if (messages && s->a.include_body)
		json_array_foreach(items, i, t) {
			char *body = gog_best_body(json_object_get(
			    find_message(s, str(t, "id")), "payload"));

			if (body != NULL)
				json_object_set_new(t, "body",
				    json_string(body));
			free(body);
		}
	if (s->a.json) {
		out = json_object();
		json_object_set_new(out, "nextPageToken", json_string(next));
		json_object_set(out, messages ? "messages" : "threads",
		    json_array_size(items) > 0 || messages ? items :
		    json_null());
		gog_json_print(stdout, out);
		json_decref(out);
		json_decref(items);
		return 0;
	}
	if (json_array_size(items) == 0) {
		json_decref(items);
		(void)fputs("No results\n", stderr);
		return 0;
	}
	rows = json_pack("[[s,s,s,s,s]]", "ID", "DATE", "FROM", "SUBJECT",
	    "LABELS");
	json_array_foreach(items, i, t) {
		buf_init(&labels, 65536);
		json_array_foreach(json_object_get(t, "labels"), j, lbl) {
			if (j > 0)
				(void)buf_append(&labels, ",", 1);
			(void)buf_append(&labels, json_string_value(lbl),
			    json_string_length(lbl));
		}
		(void)buf_cstr(&labels);
		(void)strlcpy(date, str(t, "date"), sizeof(date));
		json_array_append_new(rows, json_pack("[s,s,s,s,s]",
		    str(t, "id"), date, str(t, "from"), str(t, "subject"),
		    labels.data != NULL ? labels.data : ""));
		buf_free(&labels);
	}
	gog_table_print(stdout, rows, s->a.plain);
	json_decref(rows);
	json_decref(items);
	if (next[0] != '\0')
		(void)fprintf(stderr, "# Next page: --page %s\n", next);
	return 0;
}

/* The message as Gmail returns it in format; a new reference. */
static json_t *
formatted(json_t *m, const char *format)
{
	static const char *const meta[] = { "From", "To", "Cc", "Bcc",
	    "Subject", "Date", "List-Unsubscribe", NULL };
	json_t		*out, *payload, *headers, *h;
	struct buf	 raw;
	char		*body, *enc;
	size_t		 i, j;

	if (strcmp(format, "full") == 0)
		return json_deep_copy(m);
	out = json_deep_copy(m);
	payload = json_object_get(out, "payload");
	if (strcmp(format, "metadata") == 0) {
		headers = json_array();
		json_array_foreach(json_object_get(payload, "headers"), i, h)
			for (j = 0; meta[j] != NULL; j++)
				if (strcasecmp(str(h, "name"), meta[j]) == 0)
					json_array_append(headers, h);
		json_object_set_new(out, "payload", json_pack("{s:s,s:o}",
		    "mimeType", str(payload, "mimeType"), "headers",
		    headers));
		return out;
	}
	buf_init(&raw, 16 * 1024 * 1024);
	json_array_foreach(json_object_get(payload, "headers"), i, h) {
		(void)buf_append(&raw, str(h, "name"), strlen(str(h, "name")));
		(void)buf_append(&raw, ": ", 2);
		(void)buf_append(&raw, str(h, "value"),
		    strlen(str(h, "value")));
		(void)buf_append(&raw, "\r\n", 2);
	}
	(void)buf_append(&raw, "\r\n", 2);
	if ((body = gog_best_body(payload)) != NULL) {
		(void)buf_append(&raw, body, strlen(body));
		free(body);
	}
	enc = base64url_encode(raw.data != NULL ? raw.data : "", raw.len,
	    0);
	buf_free(&raw);
	json_object_del(out, "payload");
	json_object_set_new(out, "raw", json_string(enc));
	free(enc);
	return out;
}

static int
cmd_get(struct sim *s)
{
	const char	*format = s->a.format != NULL ? s->a.format : "full";
	json_t		*m, *out, *msg;
	char		*body;

	if (strcmp(format, "full") != 0 && strcmp(format, "metadata") != 0 &&
	    strcmp(format, "raw") != 0)
		return fail(GOG_EXIT_USAGE, "invalid --format (expected "
		    "full|metadata|raw):", format);
	if ((m = find_message(s, s->a.positional[0])) == NULL)
		return fail(GOG_EXIT_NOT_FOUND, "Google API error (404): "
		    "Requested entity was not found.", NULL);
	msg = formatted(m, format);
	if (!s->a.json) {
		(void)printf("id\t%s\nthread_id\t%s\n", str(m, "id"),
		    str(m, "threadId"));
		(void)printf("from\t%s\nto\t%s\nsubject\t%s\ndate\t%s\n",
		    gog_header(m, "From"), gog_header(m, "To"),
		    gog_header(m, "Subject"), gog_header(m, "Date"));
		json_decref(msg);
		return 0;
	}
	out = json_pack("{s:o,s:{s:s,s:s,s:s,s:s,s:s,s:s}}", "message", msg,
	    "headers", "from", gog_header(m, "From"), "to",
	    gog_header(m, "To"), "cc", gog_header(m, "Cc"), "bcc",
	    gog_header(m, "Bcc"), "subject", gog_header(m, "Subject"),
	    "date", gog_header(m, "Date"));
	if (strcmp(format, "full") == 0 &&
	    (body = gog_best_body(json_object_get(m, "payload"))) != NULL) {
		if (body[0] != '\0')
			json_object_set_new(out, "body", json_string(body));
		free(body);
	}
	print(out);
	json_decref(out);
	return 0;
}

static int
cmd_thread(struct sim *s)
{
	json_t		*msgs = json_array(), *m, *out;
	size_t		 i;
	const char	*history = "";

	json_array_foreach(s->messages, i, m)
		if (strcmp(str(m, "threadId"), s->a.positional[0]) == 0) {
			json_array_append(msgs, m);
			history = str(m, "historyId");
		}
	if (json_array_size(msgs) == 0) {
		json_decref(msgs);
		return fail(GOG_EXIT_NOT_FOUND, "Google API error (404): "
		    "Requested entity was not found.", NULL);
	}
	out = json_pack("{s:[],s:{s:s,s:s,s:o}}", "downloaded", "thread",
	    "historyId", history, "id", s->a.positional[0], "messages", msgs);
	print(out);
	json_decref(out);
	return 0;
}

static int
cmd_labels(struct sim *s)
{
	json_t	*out, *rows, *l;
	size_t	 i;

	if (s->a.json) {
		out = json_pack("{s:O}", "labels", s->labels);
		print(out);
		json_decref(out);
		return 0;
	}
	rows = json_pack("[[s,s,s]]", "ID", "NAME", "TYPE");
	json_array_foreach(s->labels, i, l)
		json_array_append_new(rows, json_pack("[s,s,s]", str(l, "id"),
		    str(l, "name"), str(l, "type")));
	gog_table_print(stdout, rows, s->a.plain);
	json_decref(rows);
	return 0;
}

static int
cmd_drafts_list(struct sim *s)
{
	json_t	*items = json_array(), *d, *out, *msg;
	size_t	 i, max = s->a.max > 0 ? (size_t)s->a.max : 20;

	json_array_foreach(s->drafts, i, d) {
		if (i >= max)
			break;
		msg = json_object_get(d, "message");
		json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "id",
		    str(d, "id"), "messageId", str(msg, "id"), "threadId",
		    str(msg, "threadId")));
	}
	out = json_pack("{s:o,s:s}", "drafts", items, "nextPageToken", "");
	if (s->a.json)
		gog_json_print(stdout, out);
	else if (json_array_size(items) == 0)
		(void)fputs("No drafts\n", stderr);
	else
		json_array_foreach(items, i, d)
			(void)printf("%s\t%s\n", str(d, "id"),
			    str(d, "messageId"));
	json_decref(out);
	return 0;
}

static json_t *
find_draft(struct sim *s, const char *id, size_t *index)
{
	json_t	*d;
	size_t	 i;

	json_array_foreach(s->drafts, i, d)
		if (strcmp(str(d, "id"), id) == 0) {
			*index = i;
			return d;
		}
	return NULL;
}

static int
cmd_drafts_get(struct sim *s)
{
	json_t	*d, *out;
	size_t	 i;

	if ((d = find_draft(s, s->a.positional[0], &i)) == NULL)
		return fail(GOG_EXIT_NOT_FOUND, "Google API error (404): "
		    "Requested entity was not found.", NULL);
	out = json_pack("{s:O}", "draft", d);
	print(out);
	json_decref(out);
	return 0;
}

static char *
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

/* send and drafts create: the message, its record, or an exit code. */
static int
compose(struct sim *s, json_t **msg_out, json_t **rec_out)
{
	json_t		*to, *cc, *bcc, *atts, *headers, *msg;
	json_t		*orig = NULL;
	char		*body = NULL, *tos, *ccs, *bccs, *enc, id[32];
	char		 snippet[201];
	const char	*thread = NULL;
	struct stat	 st;
	size_t		 i;
	int		 fd;

	if (s->a.to == NULL || s->a.subject == NULL)
		return fail(GOG_EXIT_USAGE, "required: --to, --subject", NULL);
	if (s->a.reply_to_message_id != NULL && s->a.thread_id != NULL)
		return fail(GOG_EXIT_USAGE, "use only one of "
		    "--reply-to-message-id or --thread-id", NULL);
	if (s->a.body_file != NULL) {
		if (strcmp(s->a.body_file, "-") == 0)
			fd = STDIN_FILENO;
		else if ((fd = open(s->a.body_file, O_RDONLY)) == -1)
			return fail(GOG_EXIT_ERROR, "read body file:",
			    s->a.body_file);
		body = read_all(fd);
		if (fd != STDIN_FILENO)
			close(fd);
	} else if (s->a.body != NULL)
		body = xstrdup(s->a.body);
	if (body == NULL || body[0] == '\0') {
		free(body);
		return fail(GOG_EXIT_USAGE, "required: --body or --body-html",
		    NULL);
	}
	if (s->a.reply_to_message_id != NULL) {
		orig = find_message(s, s->a.reply_to_message_id);
		if (orig == NULL) {
			free(body);
			return fail(GOG_EXIT_NOT_FOUND, "Google API error "
			    "(404): Requested entity was not found.", NULL);
		}
		thread = str(orig, "threadId");
	} else if (s->a.thread_id != NULL) {
		json_array_foreach(s->messages, i, orig)
			if (strcmp(str(orig, "threadId"), s->a.thread_id) == 0)
				thread = s->a.thread_id;
		if (thread == NULL) {
			free(body);
			return fail(GOG_EXIT_NOT_FOUND, "Google API error "
			    "(404): Requested entity was not found.", NULL);
		}
	}
	atts = json_array();
	for (i = 0; i < s->a.nattach; i++) {
		if (stat(s->a.attach[i], &st) == -1 || !S_ISREG(st.st_mode)) {
			json_decref(atts);
			free(body);
			return fail(GOG_EXIT_ERROR, "attachment not readable:",
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
	enc = base64url_encode(body, strlen(body), 0);
	(void)strlcpy(snippet, body, sizeof(snippet));
	msg = json_pack("{s:s,s:s,s:[],s:s,s:s,s:{s:s,s:o,s:{s:s,s:I}}}",
	    "id", id, "threadId", thread != NULL ? thread : id, "labelIds",
	    "snippet", snippet, "internalDate", "0", "payload", "mimeType",
	    "text/plain", "headers", headers, "body", "data", enc, "size",
	    (json_int_t)strlen(body));
	*rec_out = json_pack("{s:s,s:o,s:o,s:o,s:s,s:s,s:s*,s:s*,s:o,s:s}",
	    "account", s->a.account, "to", to, "cc", cc, "bcc", bcc,
	    "subject", s->a.subject, "body", body, "reply_to_message_id",
	    s->a.reply_to_message_id, "thread_id", thread, "attachments",
	    atts, "message_id", id);
	*msg_out = msg;
	free(enc);
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

static int
cmd_send(struct sim *s)
{
	json_t	*msg, *rec, *out;
	int	 r;

	if ((r = compose(s, &msg, &rec)) != 0)
		return r;
	stamp(msg, "SENT");
	json_object_set_new(rec, "op", json_string("send"));
	spool(s, rec);
	json_array_append(s->messages, msg);
	save(s, "messages.json", s->messages);
	if (s->a.json) {
		out = json_pack("{s:s,s:s,s:s}", "from", s->a.account,
		    "messageId", str(msg, "id"), "threadId",
		    str(msg, "threadId"));
		gog_json_print(stdout, out);
		json_decref(out);
	} else
		(void)printf("message_id\t%s\nthread_id\t%s\n",
		    str(msg, "id"), str(msg, "threadId"));
	json_decref(msg);
	json_decref(rec);
	return 0;
}

static int
cmd_drafts_create(struct sim *s)
{
	json_t	*msg, *rec, *out;
	char	 id[32];
	int	 r;

	/* gogcli's drafts create has --body and --body-html only. */
	if (s->a.thread_id != NULL)
		return fail(GOG_EXIT_USAGE, "unknown flag --thread-id", NULL);
	if (s->a.body_file != NULL)
		return fail(GOG_EXIT_USAGE, "unknown flag --body-file", NULL);
	if ((r = compose(s, &msg, &rec)) != 0)
		return r;
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
		gog_json_print(stdout, out);
		json_decref(out);
	} else
		(void)printf("draft_id\t%s\nmessage_id\t%s\n", id,
		    str(msg, "id"));
	json_decref(msg);
	json_decref(rec);
	return 0;
}

static int
cmd_drafts_send(struct sim *s, int delete)
{
	json_t	*d, *msg, *out, *rec;
	size_t	 i;

	if ((d = find_draft(s, s->a.positional[0], &i)) == NULL)
		return fail(GOG_EXIT_NOT_FOUND, "Google API error (404): "
		    "Requested entity was not found.", NULL);
	if (delete && !s->a.force && s->a.no_input)
		return fail(GOG_EXIT_USAGE, "refusing to delete gmail draft "
		    "without --force (non-interactive)", NULL);
	msg = json_incref(json_object_get(d, "message"));
	rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "op",
	    delete ? "drafts.delete" : "drafts.send", "draft_id",
	    s->a.positional[0], "to", gog_header(msg, "To"), "cc",
	    gog_header(msg, "Cc"), "bcc", gog_header(msg, "Bcc"), "subject",
	    gog_header(msg, "Subject"), "message_id", str(msg, "id"));
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
		gog_json_print(stdout, out);
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

/* DIR/sim-fail: "CODE\nmessage" makes every command fail that way. */
static int
injected_failure(struct sim *s)
{
	char		 path[PATH_MAX + 32], *text;
	const char	*errstr;
	int		 fd, code;
	char		*nl;

	(void)snprintf(path, sizeof(path), "%s/sim-fail", s->dir);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	text = read_all(fd);
	close(fd);
	if (text == NULL)
		return 1;
	if ((nl = strchr(text, '\n')) != NULL)
		*nl++ = '\0';
	code = (int)strtonum(text, 1, 125, &errstr);
	(void)fprintf(stderr, "%s", nl != NULL ? nl : "");
	free(text);
	return errstr != NULL ? 1 : code;
}

int
main(int argc, char **argv)
{
	struct sim	 s;
	char		 err[512], *slash;
	const char	*dir;
	int		 r;

	memset(&s, 0, sizeof(s));
	if ((r = gog_parse(argc, argv, &s.a, err, sizeof(err))) != 0) {
		(void)fprintf(stderr, "gog: error: %s\n", err);
		return r;
	}
	if (s.a.cmd == GOG_VERSION) {
		(void)printf("%s\n", SIM_VERSION);
		return 0;
	}
	if (s.a.cmd == GOG_HELP) {
		(void)printf("Usage: gog <command> [flags]\n");
		return 0;
	}
	if ((dir = getenv("GOG_SIM_DIR")) != NULL && dir[0] != '\0')
		(void)strlcpy(s.dir, dir, sizeof(s.dir));
	else {
		(void)strlcpy(s.dir, argv[0], sizeof(s.dir));
		if ((slash = strrchr(s.dir, '/')) != NULL)
			*slash = '\0';
		else
			(void)strlcpy(s.dir, ".", sizeof(s.dir));
		(void)strlcat(s.dir, "/../sim/gog", sizeof(s.dir));
	}
	if ((r = injected_failure(&s)) != 0)
		return r;
	if (s.a.account == NULL)
		return fail(GOG_EXIT_CONFIG, "missing --account (or set "
		    "GOG_ACCOUNT)", NULL);
	s.messages = load(&s, "messages.json");
	s.labels = load(&s, "labels.json");
	s.drafts = load(&s, "drafts.json");
	switch (s.a.cmd) {
	case GOG_SEARCH:
		r = cmd_search(&s, 0);
		break;
	case GOG_MESSAGES_SEARCH:
		r = cmd_search(&s, 1);
		break;
	case GOG_GET:
		r = cmd_get(&s);
		break;
	case GOG_THREAD_GET:
		r = cmd_thread(&s);
		break;
	case GOG_LABELS_LIST:
		r = cmd_labels(&s);
		break;
	case GOG_DRAFTS_LIST:
		r = cmd_drafts_list(&s);
		break;
	case GOG_DRAFTS_GET:
		r = cmd_drafts_get(&s);
		break;
	case GOG_DRAFTS_CREATE:
		r = cmd_drafts_create(&s);
		break;
	case GOG_DRAFTS_SEND:
		r = cmd_drafts_send(&s, 0);
		break;
	case GOG_DRAFTS_DELETE:
		r = cmd_drafts_send(&s, 1);
		break;
	case GOG_SEND:
		r = cmd_send(&s);
		break;
	default:
		r = fail(GOG_EXIT_USAGE, "unknown command", NULL);
	}
	json_decref(s.messages);
	json_decref(s.labels);
	json_decref(s.drafts);
	return r;
}
