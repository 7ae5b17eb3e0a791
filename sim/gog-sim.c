/*
 * A simulated gog (gogcli, Gmail commands) for the tests and the sandbox
 * demo, where the real tool would need a Google account.  It follows
 * the real tool, not the gog shim: its command line, its JSON and its
 * tables are written here from gogcli's own source (steipete/gogcli,
 * commit 9a2a505d83207ebee59e6c9ae5185bab8e7d020b, and where the newer
 * gog that TOOLS.md describes differs, openclaw/gogcli), so that a test
 * comparing the shim with this program catches a shim that prints what
 * gog would not.  It shares no code with the shims.  It answers from
 * fixture files instead of the Gmail API:
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
 *   DIR/sim-pause	while present, a send or drafts create that has
 *			read its message waits before it "reaches Google",
 *			with DIR/paused/<pid> saying so (a test reads the
 *			running processes meanwhile)
 *
 * Search understands in:X, label:X, from:X, is:unread, after:EPOCH and
 * words (matched in subject and snippet); other operators are ignored.
 * Page tokens are offsets.
 *
 * Exit codes are those of the gog TOOLS.md describes: 2 usage, 5 not
 * found, 10 no account (the steipete/gogcli snapshot above maps every
 * failure but a usage error to 1).
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

static char	*b64url_decode(const char *);
static char	*find_part_body(json_t *, const char *);
static char	*best_body(json_t *, int *);
static void	 format_date(const char *, char *, size_t);
static json_t	*load(struct sim *, const char *);
static const char *label_name(struct sim *, const char *);
static int	 has_label(struct sim *, json_t *, const char *);
static int	 contains(const char *, const char *);
static int	 matches(struct sim *, json_t *, const char *);
static json_t	*label_names(struct sim *, json_t *);
static int	 by_date_desc(const void *, const void *);
static json_t	*summary(struct sim *, json_t *, const char *, int);
static int	 cmd_search(struct sim *, int);
static json_t	*formatted(json_t *, const char *, const char *);
static int	 cmd_get(struct sim *);
static void	 strip_tags(char *);
static int	 cut_runes(char *, size_t);
static int	 cmd_thread(struct sim *);
static void	 attachments(json_t *, json_t *, int);
static int	 cmd_labels(struct sim *);
static int	 cmd_drafts_list(struct sim *);
static int	 cmd_drafts_get(struct sim *);
static int	 injected_failure(struct sim *);

/* ---- Gmail messages ------------------------------------------------- */

const char *
str(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/*
 * headerValue (internal/cmd/gmail.go): the first header of the
 * message's payload with this name, any case, or "".
 */
const char *
header_value(json_t *msg, const char *name)
{
	json_t	*h;
	size_t	 i;

	json_array_foreach(json_object_get(json_object_get(msg, "payload"),
	    "headers"), i, h)
		if (strcasecmp(str(h, "name"), name) == 0)
			return str(h, "value");
	return "";
}

/*
 * base64.RawURLEncoding.DecodeString: URL alphabet, no padding ('='
 * is an error); CR and LF are skipped.  A malloc'd NUL-terminated
 * result, or NULL.
 */
static char *
b64url_decode(const char *in)
{
	char	*out;
	size_t	 len = strlen(in), o = 0, nbits = 0;
	unsigned int	 acc = 0;
	int	 v;

	out = xcalloc(len + 1, 1);
	for (; *in != '\0'; in++) {
		if (*in == '\r' || *in == '\n')
			continue;
		if (*in >= 'A' && *in <= 'Z')
			v = *in - 'A';
		else if (*in >= 'a' && *in <= 'z')
			v = *in - 'a' + 26;
		else if (*in >= '0' && *in <= '9')
			v = *in - '0' + 52;
		else if (*in == '-')
			v = 62;
		else if (*in == '_')
			v = 63;
		else {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (char)((acc >> nbits) & 0xff);
		}
	}
	/* A lone trailing character, or bits left over, is corrupt. */
	if (nbits >= 6 || (acc & ((1u << nbits) - 1)) != 0) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	return out;
}

/* base64.RawURLEncoding.EncodeToString: a malloc'd string. */
char *
b64url_encode(const char *in, size_t len)
{
	static const char	 alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char	*p = (const unsigned char *)in;
	char			*out;
	size_t			 i, o = 0;
	unsigned int		 v;

	out = xcalloc(len / 3 * 4 + 5, 1);
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8 |
		    p[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned int)p[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return out;
}

/*
 * findPartBody (internal/cmd/gmail_thread.go): depth first, the first
 * part of this MIME type whose body data decodes.  malloc'd, or NULL.
 */
static char *
find_part_body(json_t *part, const char *mime)
{
	json_t	*sub;
	char	*s;
	size_t	 i;

	if (part == NULL)
		return NULL;
	if (strcmp(str(part, "mimeType"), mime) == 0 &&
	    *str(json_object_get(part, "body"), "data") != '\0' &&
	    (s = b64url_decode(str(json_object_get(part, "body"),
	    "data"))) != NULL) {
		if (*s != '\0')
			return s;
		free(s);
	}
	json_array_foreach(json_object_get(part, "parts"), i, sub)
		if ((s = find_part_body(sub, mime)) != NULL)
			return s;
	return NULL;
}

/*
 * bestBodyText / bestBodyForDisplay: text/plain, else text/html (then
 * *html is set).  malloc'd, or NULL when there is no body.
 */
static char *
best_body(json_t *payload, int *html)
{
	char	*s;

	if (html != NULL)
		*html = 0;
	if ((s = find_part_body(payload, "text/plain")) != NULL)
		return s;
	if ((s = find_part_body(payload, "text/html")) != NULL &&
	    html != NULL)
		*html = 1;
	return s;
}

/*
 * formatGmailDate (internal/cmd/gmail.go): net/mail.ParseDate, then
 * "2006-01-02 15:04" in the date's own zone; the trimmed input when it
 * does not parse.  Accepted: [Day, ]D Mon YYYY HH:MM[:SS] ZONE, the
 * zone +hhmm/-hhmm or a name mail.ParseDate knows.
 */
static void
format_date(const char *in, char *out, size_t outlen)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const zones[] = { "UT", "UTC", "GMT", "EST", "EDT",
	    "CST", "CDT", "MST", "MDT", "PST", "PDT", NULL };
	char		 buf[256], *p, *tok[8], *save = NULL;
	size_t		 n = 0, start = 0, end, i;
	long		 day, year, hour, min, sec = 0;
	int		 mon = -1;
	const char	*zone, *errstr;

	end = strlen(in);
	while (start < end && (in[start] == ' ' || in[start] == '\t'))
		start++;
	while (end > start && (in[end - 1] == ' ' || in[end - 1] == '\t' ||
	    in[end - 1] == '\r' || in[end - 1] == '\n'))
		end--;
	(void)snprintf(out, outlen, "%.*s", (int)(end - start), in + start);
	if (end - start >= sizeof(buf))
		return;
	(void)snprintf(buf, sizeof(buf), "%.*s", (int)(end - start),
	    in + start);
	p = buf;
	if ((end = strcspn(p, ",")) < strlen(p))
		p += end + 1;
	for (tok[n] = strtok_r(p, " \t", &save); tok[n] != NULL && n < 7;
	    tok[++n] = strtok_r(NULL, " \t", &save))
		;
	if (n < 5)
		return;
	day = strtonum(tok[0], 1, 31, &errstr);
	if (errstr != NULL || strlen(tok[0]) > 2)
		return;
	for (i = 0; i < 12; i++)
		if (strcmp(tok[1], months[i]) == 0)
			mon = (int)i;
	if (mon == -1 || strlen(tok[2]) != 4)
		return;
	year = strtonum(tok[2], 1000, 9999, &errstr);
	if (errstr != NULL)
		return;
	if (sscanf(tok[3], "%2ld:%2ld:%2ld", &hour, &min, &sec) < 2 ||
	    hour > 23 || min > 59 || sec > 60)
		return;
	zone = tok[4];
	if ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 5 &&
	    strspn(zone + 1, "0123456789") == 4)
		;
	else {
		for (i = 0; zones[i] != NULL; i++)
			if (strcmp(zone, zones[i]) == 0)
				break;
		if (zones[i] == NULL)
			return;
	}
	(void)snprintf(out, outlen, "%04ld-%02d-%02ld %02ld:%02ld", year,
	    mon + 1, day, hour, min);
}

/* ---- the simulated mailbox ------------------------------------------ */

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

void
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

unsigned long
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

/*
 * DIR/sim-pause: wait, with DIR/paused/<pid> showing it, until the
 * knob is removed.  Not gog's: the tests' way to catch a send running.
 */
void
pause_knob(struct sim *s)
{
	char		 knob[PATH_MAX + 32], mark[PATH_MAX + 64];
	struct stat	 st;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 fd;

	(void)snprintf(knob, sizeof(knob), "%s/sim-pause", s->dir);
	if (stat(knob, &st) == -1)
		return;
	(void)snprintf(mark, sizeof(mark), "%s/paused", s->dir);
	(void)mkdir(mark, 0755);
	(void)snprintf(mark, sizeof(mark), "%s/paused/%ld", s->dir,
	    (long)getpid());
	if ((fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) != -1)
		(void)close(fd);
	while (stat(knob, &st) == 0)
		(void)nanosleep(&ts, NULL);
	(void)unlink(mark);
}

void
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


long long
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
			if (!contains(header_value(m, "From"), word + 5))
				return 0;
		} else if (strncasecmp(word, "after:", 6) == 0) {
			if (internal_date(m) / 1000 <= strtoll(word + 6,
			    NULL, 10))
				return 0;
		} else if (strchr(word, ':') != NULL)
			continue;
		else if (!contains(header_value(m, "Subject"), word) &&
		    !contains(str(m, "snippet"), word))
			return 0;
	}
	return 1;
}

json_t *
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
	format_date(header_value(m, "Date"), date, sizeof(date));
	if (date[0] != '\0')
		json_object_set_new(o, "date", json_string(date));
	if (header_value(m, "From")[0] != '\0')
		json_object_set_new(o, "from",
		    json_string(header_value(m, "From")));
	if (header_value(m, "Subject")[0] != '\0')
		json_object_set_new(o, "subject",
		    json_string(header_value(m, "Subject")));
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

	if (s->a.query[strspn(s->a.query, " \t\n")] == '\0')
		return fail(EXIT_USAGE, "missing query", NULL);
	max = s->a.max > 0 ? (size_t)s->a.max : 10;
	if (s->a.page != NULL) {
		start = (size_t)strtonum(s->a.page, 0, 1000000, &errstr);
		if (errstr != NULL)
			return fail(EXIT_ERROR, "Google API error (400): "
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
			char *body = best_body(json_object_get(
			    find_message(s, str(t, "id")), "payload"), NULL);

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
		print_json(out, items);
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
	print_table(rows, s->a.plain);
	json_decref(rows);
	json_decref(items);
	if (next[0] != '\0')
		(void)fprintf(stderr, "# Next page: --page %s\n", next);
	return 0;
}

/*
 * The message as Gmail returns it in format (a new reference).  For
 * metadata gog asks only for From, To, Subject and Date, or the
 * --headers it is given, and the newer gog adds List-Unsubscribe
 * (internal/cmd/gmail_get.go): other headers, Cc and Bcc among them,
 * are not in the answer.
 */
static json_t *
formatted(json_t *m, const char *format, const char *wanted)
{
	static const char *const meta[] = { "From", "To", "Subject", "Date",
	    NULL };
	json_t		*out, *payload, *headers, *h, *names;
	struct buf	 raw;
	char		*body, *enc, *copy, *p, *save = NULL;
	size_t		 i, j;

	if (strcmp(format, "full") == 0)
		return json_deep_copy(m);
	out = json_deep_copy(m);
	payload = json_object_get(out, "payload");
	if (strcmp(format, "metadata") == 0) {
		names = json_array();
		if (wanted != NULL) {
			copy = xstrdup(wanted);
			for (p = strtok_r(copy, ",", &save); p != NULL;
			    p = strtok_r(NULL, ",", &save)) {
				while (*p == ' ')
					p++;
				if (*p != '\0')
					json_array_append_new(names,
					    json_string(p));
			}
			free(copy);
		}
		if (json_array_size(names) == 0)
			for (j = 0; meta[j] != NULL; j++)
				json_array_append_new(names,
				    json_string(meta[j]));
		json_array_append_new(names, json_string("List-Unsubscribe"));
		headers = json_array();
		json_array_foreach(json_object_get(payload, "headers"), i, h)
			for (j = 0; j < json_array_size(names); j++)
				if (strcasecmp(str(h, "name"), json_string_value(
				    json_array_get(names, j))) == 0) {
					json_array_append(headers, h);
					break;
				}
		json_decref(names);
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
	if ((body = best_body(payload, NULL)) != NULL) {
		(void)buf_append(&raw, body, strlen(body));
		free(body);
	}
	enc = b64url_encode(raw.data != NULL ? raw.data : "", raw.len);
	buf_free(&raw);
	json_object_del(out, "payload");
	json_object_set_new(out, "raw", json_string(enc));
	free(enc);
	return out;
}

/*
 * gmail get (internal/cmd/gmail_get.go): --format full, metadata or
 * raw.  JSON: {"message"} with, in the newer gog, a flattened
 * "headers" map (from, to, cc, bcc, subject, date of the message as
 * returned) and for full the "body".  Text: id, thread_id, label_ids,
 * then the raw message, or from, to, subject, date and for full the
 * body after a blank line.
 */
static int
cmd_get(struct sim *s)
{
	const char	*format = s->a.format != NULL ? s->a.format : "full";
	json_t		*m, *out, *msg, *l;
	char		*body, *raw;
	size_t		 i;

	if (*s->a.positional[0] == '\0')
		return fail(EXIT_USAGE, "empty messageId", NULL);
	if (strcmp(format, "full") != 0 && strcmp(format, "metadata") != 0 &&
	    strcmp(format, "raw") != 0) {
		(void)fprintf(stderr, "invalid --format: \"%s\" (expected "
		    "full|metadata|raw)\n", format);
		return EXIT_ERROR;
	}
	if ((m = find_message(s, s->a.positional[0])) == NULL)
		return fail(EXIT_NOT_FOUND, "Google API error (404 notFound): "
		    "Requested entity was not found.", NULL);
	msg = formatted(m, format, s->a.headers);
	if (s->a.json) {
		out = json_pack("{s:o,s:{s:s,s:s,s:s,s:s,s:s,s:s}}", "message",
		    msg, "headers", "from", header_value(msg, "From"), "to",
		    header_value(msg, "To"), "cc", header_value(msg, "Cc"),
		    "bcc", header_value(msg, "Bcc"), "subject",
		    header_value(msg, "Subject"), "date",
		    header_value(msg, "Date"));
		if (strcmp(format, "full") == 0 && (body = best_body(
		    json_object_get(msg, "payload"), NULL)) != NULL) {
			json_object_set_new(out, "body", json_string(body));
			free(body);
		}
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	(void)printf("id\t%s\nthread_id\t%s\nlabel_ids\t", str(msg, "id"),
	    str(msg, "threadId"));
	json_array_foreach(json_object_get(msg, "labelIds"), i, l)
		(void)printf("%s%s", i > 0 ? "," : "", json_string_value(l) !=
		    NULL ? json_string_value(l) : "");
	(void)printf("\n");
	if (strcmp(format, "raw") == 0) {
		if (*str(msg, "raw") == '\0') {
			(void)fputs("Empty raw message\n", stderr);
			json_decref(msg);
			return 0;
		}
		if ((raw = b64url_decode(str(msg, "raw"))) == NULL) {
			json_decref(msg);
			return fail(EXIT_ERROR, "illegal base64 data", NULL);
		}
		(void)printf("\n%s\n", raw);
		free(raw);
		json_decref(msg);
		return 0;
	}
	(void)printf("from\t%s\nto\t%s\nsubject\t%s\ndate\t%s\n",
	    header_value(msg, "From"), header_value(msg, "To"),
	    header_value(msg, "Subject"), header_value(msg, "Date"));
	if (strcmp(format, "full") == 0 &&
	    (body = best_body(json_object_get(msg, "payload"), NULL)) != NULL) {
		(void)printf("\n%s\n", body);
		free(body);
	}
	json_decref(msg);
	return 0;
}

/*
 * stripHTMLTags (internal/cmd/gmail_thread.go), its four regular
 * expressions in order: "(?is)<script[^>]*>.*?</script>" and the same
 * for style removed; "<[^>]*>" replaced by a space; "\\s+" (Go's \\s:
 * tab, newline, form feed, carriage return, space) made one space;
 * then strings.TrimSpace.  In place.
 */
static void
strip_tags(char *s)
{
	static const char *const elements[] = { "script", "style", NULL };
	char		 close_tag[16];
	char		*start, *gt, *end, *r, *w;
	size_t		 i, n;

	for (i = 0; elements[i] != NULL; i++) {
		n = strlen(elements[i]);
		(void)snprintf(close_tag, sizeof(close_tag), "</%s>",
		    elements[i]);
		start = s;
		while ((start = strchr(start, '<')) != NULL) {
			if (strncasecmp(start + 1, elements[i], n) != 0 ||
			    (gt = strchr(start, '>')) == NULL ||
			    (end = strcasestr(gt + 1, close_tag)) == NULL) {
				start++;
				continue;
			}
			end += strlen(close_tag);
			memmove(start, end, strlen(end) + 1);
		}
	}
	for (r = w = s; *r != '\0'; r++) {
		if (*r == '<' && (gt = strchr(r, '>')) != NULL) {
			*w++ = ' ';
			r = gt;
		} else
			*w++ = *r;
	}
	*w = '\0';
	for (r = w = s; *r != '\0'; r++) {
		if (strchr("\t\n\f\r ", *r) != NULL) {
			while (r[1] != '\0' && strchr("\t\n\f\r ", r[1]) != NULL)
				r++;
			if (w != s && r[1] != '\0')
				*w++ = ' ';
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

/* The first n characters (runes) of s, in place. */
static int
cut_runes(char *s, size_t n)
{
	size_t	i, count = 0;

	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && count++ == n) {
			s[i] = '\0';
			return 1;
		}
	return 0;
}

/*
 * gmail thread get (internal/cmd/gmail_thread.go): JSON
 * {"downloaded":[],"thread":{...}}; text: "Thread contains N
 * message(s)", then per message a "=== Message i/N: ID ===" block with
 * From, To, Subject, Date and the body (text/plain, else HTML without
 * its tags) cut at 500 characters.
 */
static int
cmd_thread(struct sim *s)
{
	json_t		*msgs = json_array(), *m, *out, *atts, *a;
	size_t		 i, j, n;
	const char	*history = "", *snippet = "";
	char		*body;
	int		 html, cut;

	json_array_foreach(s->messages, i, m)
		if (strcmp(str(m, "threadId"), s->a.positional[0]) == 0) {
			json_array_append(msgs, m);
			history = str(m, "historyId");
			snippet = str(m, "snippet");
		}
	if (json_array_size(msgs) == 0) {
		json_decref(msgs);
		return fail(EXIT_NOT_FOUND, "Google API error (404 notFound): "
		    "Requested entity was not found.", NULL);
	}
	if (s->a.json) {
		/*
		 * gog prints the API's Thread resource as it comes
		 * (users.threads.get: id, snippet, historyId, messages):
		 * the snippet is the newest message's.
		 */
		out = json_pack("{s:[],s:{s:s,s:s,s:s,s:o}}", "downloaded",
		    "thread", "historyId", history, "id", s->a.positional[0],
		    "snippet", snippet, "messages", msgs);
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	n = json_array_size(msgs);
	/* Printf adds a newline to one that already has one. */
	(void)printf("Thread contains %zu message(s)\n\n\n", n);
	json_array_foreach(msgs, i, m) {
		(void)printf("=== Message %zu/%zu: %s ===\nFrom: %s\nTo: %s\n"
		    "Subject: %s\nDate: %s\n\n", i + 1, n, str(m, "id"),
		    header_value(m, "From"), header_value(m, "To"),
		    header_value(m, "Subject"), header_value(m, "Date"));
		if ((body = best_body(json_object_get(m, "payload"),
		    &html)) != NULL) {
			if (html)
				strip_tags(body);
			cut = cut_runes(body, 500);
			(void)printf("%s%s\n\n", body, cut ?
			    "... [truncated]" : "");
			free(body);
		}
		/* collectAttachments: a filename and an attachmentId. */
		atts = json_array();
		attachments(json_object_get(m, "payload"), atts, 0);
		if (json_array_size(atts) > 0) {
			(void)printf("Attachments:\n");
			json_array_foreach(atts, j, a)
				(void)printf("  - %s (%lld bytes)\n",
				    str(a, "filename"), (long long)
				    json_integer_value(json_object_get(
				    json_object_get(a, "body"), "size")));
			(void)printf("\n");
		}
		json_decref(atts);
	}
	json_decref(msgs);
	return 0;
}

/* The parts of p that are attachments, depth first, into out. */
static void
attachments(json_t *p, json_t *out, int depth)
{
	json_t	*part;
	size_t	 i;

	if (depth > 32 || !json_is_object(p))
		return;
	if (str(p, "filename")[0] != '\0' &&
	    str(json_object_get(p, "body"), "attachmentId")[0] != '\0')
		json_array_append(out, p);
	json_array_foreach(json_object_get(p, "parts"), i, part)
		attachments(part, out, depth + 1);
}

/*
 * gmail labels list (internal/cmd/gmail_labels.go): {"labels":[...]},
 * or the table ID NAME TYPE ("No labels" on stderr when there are
 * none).
 */
static int
cmd_labels(struct sim *s)
{
	json_t	*out, *rows, *l;
	size_t	 i;

	if (s->a.json) {
		out = json_pack("{s:O}", "labels", s->labels);
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	if (json_array_size(s->labels) == 0) {
		(void)fputs("No labels\n", stderr);
		return 0;
	}
	rows = json_pack("[[s,s,s]]", "ID", "NAME", "TYPE");
	json_array_foreach(s->labels, i, l)
		json_array_append_new(rows, json_pack("[s,s,s]", str(l, "id"),
		    str(l, "name"), str(l, "type")));
	print_table(rows, s->a.plain);
	json_decref(rows);
	return 0;
}

/*
 * gmail drafts list (internal/cmd/gmail_drafts.go): --max (default
 * 20); {"drafts":[{id,messageId,threadId}],"nextPageToken"}, or the
 * table ID MESSAGE_ID ("No drafts" on stderr when there are none).
 */
static int
cmd_drafts_list(struct sim *s)
{
	json_t	*items = json_array(), *d, *out, *msg, *rows;
	size_t	 i, max = s->a.max > 0 ? (size_t)s->a.max : 20;

	json_array_foreach(s->drafts, i, d) {
		if (i >= max)
			break;
		msg = json_object_get(d, "message");
		json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "id",
		    str(d, "id"), "messageId", str(msg, "id"), "threadId",
		    str(msg, "threadId")));
	}
	if (s->a.json) {
		out = json_pack("{s:o,s:s}", "drafts", items, "nextPageToken",
		    "");
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	if (json_array_size(items) == 0) {
		(void)fputs("No drafts\n", stderr);
		json_decref(items);
		return 0;
	}
	rows = json_pack("[[s,s]]", "ID", "MESSAGE_ID");
	json_array_foreach(items, i, d)
		json_array_append_new(rows, json_pack("[s,s]", str(d, "id"),
		    str(d, "messageId")));
	print_table(rows, s->a.plain);
	json_decref(rows);
	json_decref(items);
	return 0;
}

json_t *
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

/*
 * gmail drafts get (internal/cmd/gmail_drafts.go): {"draft":{...}}, or
 * Draft-ID, Message-ID, To, Cc, Subject, a blank line and the body.
 */
static int
cmd_drafts_get(struct sim *s)
{
	json_t	*d, *out, *msg;
	size_t	 i;
	char	*body;

	if ((d = find_draft(s, s->a.positional[0], &i)) == NULL)
		return fail(EXIT_NOT_FOUND, "Google API error (404 notFound): "
		    "Requested entity was not found.", NULL);
	if (s->a.json) {
		out = json_pack("{s:O}", "draft", d);
		print_json(out, NULL);
		json_decref(out);
		return 0;
	}
	msg = json_object_get(d, "message");
	(void)printf("Draft-ID: %s\nMessage-ID: %s\nTo: %s\nCc: %s\n"
	    "Subject: %s\n\n", str(d, "id"), str(msg, "id"),
	    header_value(msg, "To"), header_value(msg, "Cc"),
	    header_value(msg, "Subject"));
	if ((body = best_body(json_object_get(msg, "payload"), NULL)) !=
	    NULL) {
		(void)printf("%s\n\n", body);
		free(body);
	}
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

/*
 * Execute (internal/cmd/root.go): a parse error is printed as errfmt
 * formats it (internal/errfmt/errfmt.go: with a hint for an unknown
 * flag or a missing one) and exits 2; then the command runs, and its
 * error is one line on stderr.
 */
int
main(int argc, char **argv)
{
	struct sim	 s;
	char		 err[512], *slash;
	const char	*dir;
	int		 r;

	memset(&s, 0, sizeof(s));
	if ((r = parse_args(argc, argv, &s.a, err, sizeof(err))) != 0) {
		if (strncmp(err, "unknown flag", 12) == 0)
			(void)fprintf(stderr, "%s\nRun with --help to see "
			    "available flags\n", err);
		else if (strstr(err, "missing") != NULL ||
		    strstr(err, "required") != NULL)
			(void)fprintf(stderr, "%s\nRun with --help to see "
			    "usage\n", err);
		else
			(void)fprintf(stderr, "%s\n", err);
		return r;
	}
	if (s.a.cmd == CMD_VERSION) {
		(void)printf("%s\n", SIM_VERSION);
		return 0;
	}
	if (s.a.cmd == CMD_HELP) {
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
	/* requireAccount (internal/cmd/account.go). */
	if (s.a.account == NULL || *s.a.account == '\0')
		return fail(EXIT_CONFIG, "missing --account (or set "
		    "GOG_ACCOUNT)", NULL);
	s.messages = load(&s, "messages.json");
	s.labels = load(&s, "labels.json");
	s.drafts = load(&s, "drafts.json");
	switch (s.a.cmd) {
	case CMD_SEARCH:
		r = cmd_search(&s, 0);
		break;
	case CMD_MESSAGES_SEARCH:
		r = cmd_search(&s, 1);
		break;
	case CMD_GET:
		r = cmd_get(&s);
		break;
	case CMD_THREAD_GET:
		r = cmd_thread(&s);
		break;
	case CMD_LABELS_LIST:
		r = cmd_labels(&s);
		break;
	case CMD_DRAFTS_LIST:
		r = cmd_drafts_list(&s);
		break;
	case CMD_DRAFTS_GET:
		r = cmd_drafts_get(&s);
		break;
	case CMD_DRAFTS_CREATE:
		r = cmd_drafts_create(&s);
		break;
	case CMD_DRAFTS_SEND:
		r = cmd_drafts_send(&s, 0);
		break;
	case CMD_DRAFTS_DELETE:
		r = cmd_drafts_send(&s, 1);
		break;
	case CMD_SEND:
		r = cmd_send(&s);
		break;
	default:
		r = fail(EXIT_USAGE, "unknown command", NULL);
	}
	json_decref(s.messages);
	json_decref(s.labels);
	json_decref(s.drafts);
	if (fflush(stdout) == EOF || ferror(stdout))
		r = r == 0 ? EXIT_ERROR : r;
	return r;
}
