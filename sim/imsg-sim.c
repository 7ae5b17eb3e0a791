/*
 * A simulated imsg for the tests and the sandbox demo, where the real
 * tool (macOS only) cannot run.  It takes the real command line, parsed
 * by the same code as the imsg shim with the real tool's rules, and
 * answers from fixture files instead of the Messages database:
 *
 *   --db DIR		the data directory (IMSG_SIM_DB when absent)
 *   DIR/chats.json	array of chat objects, as `imsg chats --json`
 *   DIR/messages.json	array of message objects (with chat_id)
 *   DIR/spool/		one JSON record per successful send: what
 *			"reached the network"
 *   DIR/inbound.jsonl	what watch streams: one message object per line,
 *			as `imsg watch --json` prints them ("id" is the
 *			rowid); tests append to it while watch runs
 *
 * Fault knobs, files in DIR: sim-fail (send prints its contents on
 * stderr and exits 1), sim-hang (sleep until killed), sim-flood (write
 * 64 MiB on stdout, exit 0).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "log.h"
#include "osdep.h"
#include "shim.h"
#include "util.h"

#define SIM_VERSION	"0.9.2-sim"
#define FLOOD_BYTES	(64 * 1024 * 1024)
#define FAIL_MAX	(64 * 1024)
#define HEAD_BYTES	64

#define INBOUND_FILE	"inbound.jsonl"
#define WATCH_MAX_LINE	(1024 * 1024)	/* newline excluded */
#define WATCH_CHUNK	(64 * 1024)
#define WATCH_POLL_MS	10	/* no file watch: look this often */
#define WATCH_IDLE_MS	250	/* with one: notice a replaced file */

struct sim {
	int			 argc;
	char			**argv;
	struct shim_imsg_args	 args;
	const char		*dir;
	json_t			*params;	/* what the shim would send */
};

/* watch: following DIR/inbound.jsonl. */
struct tail {
	struct sim	*s;
	char		 path[PATH_MAX];
	int		 fd;		/* -1 until the file exists */
	int		 wfd;		/* osdep_watch_file(), or -1 */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 pos;		/* bytes read from fd */
	char		*buf;		/* the unfinished line */
	size_t		 len;
	int		 skipping;	/* inside an over-long line */
	int		 scanning;	/* reading what was there first */
	int64_t		 cursor;	/* the last rowid passed */
	int		 closed;	/* stdout closed, or told to stop */
};

static volatile sig_atomic_t	 watch_stop;

static int	 knob(const char *, const char *);
static void	 fault_knobs(const char *);
static json_t	*load_array(const char *, const char *);
static int64_t	 created_ms(json_t *);
static int	 newest_first(const void *, const void *);
static int	 by_last_message(const void *, const void *);
static int	 cmd_chats(struct sim *);
static int	 cmd_history(struct sim *);
static int	 cmd_send(struct sim *);
static int	 cmd_status(struct sim *);
static int	 cmd_watch(struct sim *);
static void	 on_watch_signal(int);
static int	 out_write(struct tail *, const char *, size_t);
static int	 tail_line(struct tail *, char *, size_t);
static int	 tail_too_long(struct tail *);
static int	 tail_lines(struct tail *);
static int	 tail_open(struct tail *);
static void	 tail_close(struct tail *);
static int	 tail_check(struct tail *);
static int	 spool_record(struct sim *, json_t *);
static int	 record_in(struct sim *, const char *, json_t *);
static int	 cmd_signal(struct sim *);
static int	 cmd_group(struct sim *);
static int	 cmd_search(struct sim *);
static int	 record_file(json_t *, const char *, const char **);
static void	 swift_error(const char *, const char *);

static int
knob(const char *dir, const char *name)
{
	char		path[PATH_MAX];
	struct stat	st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return 0;
	return stat(path, &st) == 0;
}

static void
fault_knobs(const char *dir)
{
	char	buf[65536];
	size_t	off;
	ssize_t	n;

	if (dir == NULL)
		return;
	if (knob(dir, "sim-hang"))
		for (;;)
			(void)pause();
	if (knob(dir, "sim-flood")) {
		memset(buf, 'x', sizeof(buf));
		buf[sizeof(buf) - 1] = '\n';
		for (off = 0; off < FLOOD_BYTES; off += (size_t)n) {
			n = write(STDOUT_FILENO, buf, sizeof(buf));
			if (n == -1 && errno == EINTR)
				n = 0;
			else if (n == -1)
				exit(1);
		}
		exit(0);
	}
}

/* The real tool's own errors print as Swift's debug form: name("..."). */
static void
swift_error(const char *name, const char *detail)
{
	const char	*p;

	(void)printf("%s(\"", name);
	for (p = detail; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			(void)putchar('\\');
		(void)putchar(*p);
	}
	(void)printf("\")\n");
}

static json_t *
load_array(const char *dir, const char *name)
{
	char		 path[PATH_MAX];
	json_error_t	 jerr;
	json_t		*v;

	if (dir == NULL) {
		(void)printf("unable to open database file: no --db DIR\n");
		return NULL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		(void)printf("unable to open database file: %s/%s: %s\n", dir,
		    name, strerror(ENAMETOOLONG));
		return NULL;
	}
	v = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		(void)printf("unable to open database file: %s: %s\n", path,
		    jerr.text);
		return NULL;
	}
	if (!json_is_array(v)) {
		(void)printf("unable to open database file: %s: not an "
		    "array\n", path);
		json_decref(v);
		return NULL;
	}
	return v;
}

static int64_t
created_ms(json_t *m)
{
	json_t	*v;
	int64_t	 ms;

	v = json_object_get(m, "created_at");
	if (!json_is_string(v) ||
	    shim_imsg_parse_iso(json_string_value(v), &ms) == -1)
		return 0;
	return ms;
}

static int
newest_first(const void *a, const void *b)
{
	json_t	*x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t	 tx, ty;

	tx = created_ms(x);
	ty = created_ms(y);
	if (tx != ty)
		return tx < ty ? 1 : -1;
	tx = json_integer_value(json_object_get(x, "id"));
	ty = json_integer_value(json_object_get(y, "id"));
	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

static int
by_last_message(const void *a, const void *b)
{
	json_t		*x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char	*sx, *sy;

	sx = json_string_value(json_object_get(x, "last_message_at"));
	sy = json_string_value(json_object_get(y, "last_message_at"));
	return strcmp(sy != NULL ? sy : "", sx != NULL ? sx : "");
}

static int
cmd_chats(struct sim *s)
{
	json_t		*chats, *chat, **sorted;
	json_int_t	 limit = 20;
	size_t		 i, n;

	if (json_is_integer(json_object_get(s->params, "limit")))
		limit = json_integer_value(json_object_get(s->params, "limit"));
	if ((chats = load_array(s->dir, "chats.json")) == NULL)
		return 1;
	n = json_array_size(chats);
	sorted = xcalloc(n, sizeof(*sorted));
	json_array_foreach(chats, i, chat)
		sorted[i] = chat;
	qsort(sorted, n, sizeof(*sorted), by_last_message);
	for (i = 0; i < n && (json_int_t)i < limit; i++)
		(void)shim_imsg_print_chat(stdout, sorted[i], s->args.json);
	free(sorted);
	json_decref(chats);
	return 0;
}

static int
cmd_history(struct sim *s)
{
	json_t		*all, *m, **picked, *want, *sender, *p;
	json_int_t	 chat_id, limit = 50;
	int64_t		 start = INT64_MIN, end = INT64_MAX, t;
	size_t		 i, j, n = 0;
	int		 ok;

	chat_id = json_integer_value(json_object_get(s->params, "chat_id"));
	if (json_is_integer(json_object_get(s->params, "limit")))
		limit = json_integer_value(json_object_get(s->params, "limit"));
	if (s->args.start != NULL &&
	    shim_imsg_parse_iso(s->args.start, &start) == -1) {
		swift_error("invalidISODate", s->args.start);
		return 1;
	}
	if (s->args.end != NULL &&
	    shim_imsg_parse_iso(s->args.end, &end) == -1) {
		swift_error("invalidISODate", s->args.end);
		return 1;
	}
	if ((all = load_array(s->dir, "messages.json")) == NULL)
		return 1;
	picked = xcalloc(json_array_size(all), sizeof(*picked));
	want = json_object_get(s->params, "participants");
	json_array_foreach(all, i, m) {
		if (json_integer_value(json_object_get(m, "chat_id")) !=
		    chat_id)
			continue;
		t = created_ms(m);
		if (t < start || t >= end)
			continue;
		if (json_array_size(want) > 0) {
			sender = json_object_get(m, "sender");
			ok = 0;
			json_array_foreach(want, j, p)
				if (json_equal(p, sender))
					ok = 1;
			if (!ok)
				continue;
		}
		picked[n++] = m;
	}
	qsort(picked, n, sizeof(*picked), newest_first);
	for (i = 0; i < n && (json_int_t)i < limit; i++)
		(void)shim_imsg_print_message(stdout, picked[i], s->args.json,
		    s->args.attachments);
	free(picked);
	json_decref(all);
	return 0;
}

/*
 * Size and first bytes of the attachment, as proof it arrived.  Returns
 * 0, or -1 with why set.
 */
static int
record_file(json_t *rec, const char *path, const char **why)
{
	unsigned char	 head[HEAD_BYTES];
	char		 hex[2 * HEAD_BYTES + 1];
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*why = strerror(errno);
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		(void)close(fd);
		return -1;
	}
	while (got < sizeof(head)) {
		n = read(fd, head + got, sizeof(head) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*why = strerror(errno);
			(void)close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	(void)close(fd);
	util_hex(head, got, hex);
	if (json_object_set_new(rec, "file_size",
	    json_integer((json_int_t)st.st_size)) == -1 ||
	    json_object_set_new(rec, "file_head", json_string(hex)) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static int
spool_record(struct sim *s, json_t *rec)
{
	return record_in(s, "spool", rec);
}

/* One record in DIR/sub/, written under a temporary name and renamed. */
static int
record_in(struct sim *s, const char *sub, json_t *rec)
{
	static unsigned int	 counter;
	char			 dir[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
	char			*text;
	size_t			 len, off = 0;
	ssize_t			 n;
	uint64_t		 now;
	int			 fd;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", s->dir, sub) >=
	    sizeof(dir))
		return -1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	now = util_now_ms();
	if ((size_t)snprintf(dst, sizeof(dst), "%s/%llu-%ld-%u.json", dir,
	    (unsigned long long)now, (long)getpid(), counter) >= sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%llu-%ld-%u.tmp", dir,
	    (unsigned long long)now, (long)getpid(), counter) >= sizeof(tmp))
		return -1;
	counter++;
	if ((text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		return -1;
	len = strlen(text);
	text[len] = '\n';	/* replaces the NUL; len + 1 bytes written */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		free(text);
		return -1;
	}
	while (off < len + 1) {
		n = write(fd, text + off, len + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		off += (size_t)n;
	}
	free(text);
	if (off < len + 1 || close(fd) == -1 || rename(tmp, dst) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

static int
cmd_send(struct sim *s)
{
	json_t		*chats, *chat, *rec, *argv, *id;
	const char	*ident = "", *guid = "", *why;
	char		 resolved_ident[512] = "", resolved_guid[512] = "";
	char		 buf[FAIL_MAX], detail[PATH_MAX + 128], path[PATH_MAX];
	FILE		*f;
	size_t		 i, n;
	int		 found = 0, i_arg;

	/* --chat-id: the real tool looks the chat up before sending. */
	id = json_object_get(s->params, "chat_id");
	if (id != NULL) {
		if ((chats = load_array(s->dir, "chats.json")) == NULL)
			return 1;
		json_array_foreach(chats, i, chat) {
			if (!json_equal(json_object_get(chat, "id"), id))
				continue;
			found = 1;
			if (json_is_string(json_object_get(chat, "identifier")))
				ident = json_string_value(
				    json_object_get(chat, "identifier"));
			if (json_is_string(json_object_get(chat, "guid")))
				guid = json_string_value(
				    json_object_get(chat, "guid"));
			break;
		}
		if (!found) {
			(void)snprintf(detail, sizeof(detail),
			    "Unknown chat id %lld",
			    (long long)json_integer_value(id));
			swift_error("invalidChatTarget", detail);
			json_decref(chats);
			return 1;
		}
		(void)strlcpy(resolved_ident, ident, sizeof(resolved_ident));
		(void)strlcpy(resolved_guid, guid, sizeof(resolved_guid));
		if (*ident == '\0' && *guid == '\0') {
			swift_error("invalidChatTarget",
			    "Missing chat identifier or guid");
			json_decref(chats);
			return 1;
		}
		json_decref(chats);
	}
	if (s->dir == NULL) {
		(void)printf("imsg-sim: no --db DIR: nowhere to record the "
		    "send\n");
		return 1;
	}

	/* The network "fails": as the real tool's AppleScript might. */
	if (knob(s->dir, "sim-fail")) {
		(void)snprintf(path, sizeof(path), "%s/sim-fail", s->dir);
		if ((f = fopen(path, "r")) != NULL) {
			n = fread(buf, 1, sizeof(buf), f);
			(void)fwrite(buf, 1, n, stderr);
			(void)fclose(f);
		}
		return 1;
	}

	rec = json_object();
	argv = json_array();
	if (rec == NULL || argv == NULL ||
	    json_object_set_new(rec, "argv", argv) == -1)
		fatalx("out of memory");
	for (i_arg = 1; i_arg < s->argc; i_arg++)
		(void)json_array_append_new(argv,
		    shim_json_string(s->argv[i_arg]));
#define COPY(key)	do {						\
	if (json_object_get(s->params, key) != NULL)			\
		(void)json_object_set(rec, key,				\
		    json_object_get(s->params, key));			\
} while (0)
	COPY("to");
	COPY("chat_id");
	COPY("chat_identifier");
	COPY("chat_guid");
	COPY("text");
#undef COPY
	if (id != NULL) {
		(void)json_object_set_new(rec, "resolved_chat_identifier",
		    json_string(resolved_ident));
		(void)json_object_set_new(rec, "resolved_chat_guid",
		    json_string(resolved_guid));
	}
	(void)json_object_set_new(rec, "service", shim_json_string(
	    s->args.service != NULL ? s->args.service : "auto"));
	(void)json_object_set_new(rec, "region", shim_json_string(
	    s->args.region != NULL && *s->args.region != '\0' ?
	    s->args.region : "US"));
	if (s->args.file != NULL && *s->args.file != '\0') {
		(void)json_object_set_new(rec, "file",
		    shim_json_string(s->args.file));
		if (record_file(rec, s->args.file, &why) == -1) {
			(void)snprintf(detail, sizeof(detail),
			    "Cannot read attachment %s: %s", s->args.file, why);
			swift_error("appleScriptFailure", detail);
			json_decref(rec);
			return 1;
		}
	}
	(void)json_object_set_new(rec, "time_ms",
	    json_integer((json_int_t)util_now_ms()));
	if (spool_record(s, rec) == -1) {
		(void)snprintf(detail, sizeof(detail),
		    "cannot record the send in %s/spool: %s", s->dir,
		    strerror(errno));
		swift_error("appleScriptFailure", detail);
		json_decref(rec);
		return 1;
	}
	json_decref(rec);
	(void)printf("%s\n", s->args.json ? "{\"status\":\"sent\"}" : "sent");
	return 0;
}

/*
 * typing and read: checked as the real commands check them, a --chat-id
 * looked up, and each recorded in DIR/signals/ (the typing indicator or
 * read receipt that "reached the network"), then reported as the real
 * commands report them.
 */
static int
cmd_signal(struct sim *s)
{
	json_t		*chats, *chat, *rec, *argv, *id, *empty;
	char		 detail[128];
	size_t		 i;
	int		 found = 0, i_arg;
	double		 ms;
	struct timespec	 ts;

	id = json_object_get(s->params, "chat_id");
	if (id != NULL) {
		if ((chats = load_array(s->dir, "chats.json")) == NULL)
			return 1;
		json_array_foreach(chats, i, chat)
			if (json_equal(json_object_get(chat, "id"), id))
				found = 1;
		json_decref(chats);
		if (!found) {
			(void)snprintf(detail, sizeof(detail),
			    "Unknown chat id %lld",
			    (long long)json_integer_value(id));
			swift_error("invalidChatTarget", detail);
			return 1;
		}
	}
	if (s->dir == NULL) {
		(void)printf("imsg-sim: no --db DIR: nowhere to record it\n");
		return 1;
	}
	if (knob(s->dir, "sim-fail")) {
		(void)fprintf(stderr, "imsg-sim: %s failed (sim-fail)\n",
		    s->args.cmd_name);
		return 1;
	}
	rec = json_pack("{s:s}", "command", s->args.cmd_name);
	argv = json_array();
	if (rec == NULL || argv == NULL)
		fatalx("out of memory");
	for (i_arg = 0; i_arg < s->argc; i_arg++)
		(void)json_array_append_new(argv,
		    shim_json_string(s->argv[i_arg]));
	(void)json_object_set_new(rec, "argv", argv);
	if (s->args.cmd == SHIM_IMSG_READ)
		(void)json_object_set_new(rec, "handle",
		    shim_json_string(s->args.handle));
	else {
		(void)json_object_update(rec, s->params);
		(void)json_object_del(rec, "channel");
	}
	(void)json_object_set_new(rec, "time_ms",
	    json_integer((json_int_t)util_now_ms()));
	if (record_in(s, "signals", rec) == -1) {
		json_decref(rec);
		(void)snprintf(detail, sizeof(detail), "cannot record in "
		    "signals/: %s", strerror(errno));
		swift_error("typingIndicatorFailed", detail);
		return 1;
	}
	json_decref(rec);
	/* typing --duration: shown for that long, then stopped. */
	if (s->args.cmd == SHIM_IMSG_TYPING && s->args.duration != NULL &&
	    *s->args.duration != '\0' && (s->args.stop == NULL ||
	    strcmp(s->args.stop, "true") != 0) &&
	    shim_imsg_parse_duration(s->args.duration, &ms) == 0) {
		ts.tv_sec = (time_t)(ms / 1000);
		ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	if ((empty = json_object()) == NULL)
		fatalx("out of memory");
	(void)shim_imsg_print_result(stdout, &s->args, empty);
	json_decref(empty);
	return 0;
}

/* group: the chat from chats.json, printed with the shim's code. */
static int
cmd_group(struct sim *s)
{
	json_t	*chats, *result;
	int	 rc;

	if ((chats = load_array(s->dir, "chats.json")) == NULL)
		return 1;
	if ((result = json_pack("{s:o}", "chats", chats)) == NULL)
		fatalx("out of memory");
	rc = shim_imsg_print_result(stdout, &s->args, result);
	json_decref(result);
	return rc == 0 ? 0 : 1;
}

/*
 * search: messages whose text contains the query (ignoring case), or
 * equals it with --match exact, in every chat, newest first.
 */
static int
cmd_search(struct sim *s)
{
	json_t		*all, *m, **picked, *t;
	json_int_t	 limit = 50;
	const char	*q = s->args.query, *text;
	size_t		 i, n = 0, qlen = strlen(q), j;
	int		 exact, hit;

	exact = s->args.match != NULL &&
	    strcasecmp(s->args.match, "exact") == 0;
	if (s->args.has_limit)
		limit = s->args.limit;
	if ((all = load_array(s->dir, "messages.json")) == NULL)
		return 1;
	picked = xcalloc(json_array_size(all) + 1, sizeof(*picked));
	json_array_foreach(all, i, m) {
		t = json_object_get(m, "text");
		if (!json_is_string(t) || json_is_true(json_object_get(m,
		    "is_reaction")))
			continue;
		text = json_string_value(t);
		hit = 0;
		if (exact)
			hit = strcasecmp(text, q) == 0;
		else
			for (j = 0; !hit && text[j] != '\0'; j++)
				hit = strncasecmp(text + j, q, qlen) == 0;
		if (hit)
			picked[n++] = m;
	}
	qsort(picked, n, sizeof(*picked), newest_first);
	for (i = 0; i < n && (json_int_t)i < limit; i++)
		(void)shim_imsg_print_message(stdout, picked[i], s->args.json,
		    0);
	free(picked);
	json_decref(all);
	return 0;
}

static int
cmd_status(struct sim *s)
{
	json_t		*st, *methods;
	const char	*names[] = { "chats.list", "messages.history",
			    "watch.subscribe", "watch.unsubscribe", "send",
			    "typing", "read" };
	size_t		 i;

	st = json_pack("{s:s, s:b, s:b, s:b, s:b, s:s, s:s, s:i, s:b, s:{}}",
	    "version", SIM_VERSION, "basic_features", 1,
	    "advanced_features", 0, "typing_indicators", 0,
	    "read_receipts", 0, "sip", "enabled",
	    "message", "IMCore bridge not available (simulated imsg)",
	    "bridge_version", 0, "v2_ready", 0, "selectors");
	methods = json_array();
	if (st == NULL || methods == NULL ||
	    json_object_set_new(st, "rpc_methods", methods) == -1)
		fatalx("out of memory");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)json_array_append_new(methods, json_string(names[i]));
	(void)shim_imsg_print_status(stdout, st, s->args.json);
	json_decref(st);
	return 0;
}

static void
on_watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/*
 * Write one output block whole.  Returns 0, or -1 when the stream ends:
 * stdout closed (t->closed) or a write error (reported, exit 1).
 */
static int
out_write(struct tail *t, const char *buf, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		n = write(STDOUT_FILENO, buf + off, len - off);
		if (n == -1) {
			/* A line begun is finished; one not begun is not. */
			if (errno == EINTR && (off > 0 || !watch_stop))
				continue;
			if (errno == EINTR || errno == EPIPE) {
				t->closed = 1;
				return -1;
			}
			log_warn("write");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * One complete line (line[len] is its newline).  While scanning, only
 * note its rowid.  Afterwards a message past the cursor that the options
 * let through is printed: as stored, byte for byte, with --json; as the
 * text line otherwise.  A line that is no message object (not JSON, no
 * integer "id") is passed on as-is in JSON mode when no option needs to
 * read it, so tests can feed a watcher malformed output.
 */
static int
tail_line(struct tail *t, char *line, size_t len)
{
	struct shim_imsg_args	*a = &t->s->args;
	json_t			*m, *id;
	FILE			*f;
	char			*text = NULL;
	size_t			 textlen = 0;
	int64_t			 rowid;
	int			 r = 0;

	m = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	id = json_object_get(m, "id");
	if (!json_is_object(m) || !json_is_integer(id)) {
		json_decref(m);
		if (t->scanning || !a->json || a->has_chat_id ||
		    a->nparticipants > 0 || a->start != NULL || a->end != NULL)
			return 0;
		return out_write(t, line, len + 1);
	}
	rowid = json_integer_value(id);
	if (t->scanning) {
		if (rowid > t->cursor)
			t->cursor = rowid;
		json_decref(m);
		return 0;
	}
	if (rowid <= t->cursor) {
		json_decref(m);
		return 0;
	}
	t->cursor = rowid;
	if (!shim_imsg_watch_allows(a, m)) {
		json_decref(m);
		return 0;
	}
	if (a->json)
		r = out_write(t, line, len + 1);
	else {
		if ((f = open_memstream(&text, &textlen)) == NULL)
			fatal("open_memstream");
		(void)shim_imsg_print_message(f, m, 0, a->attachments);
		if (fclose(f) != 0)
			fatal("open_memstream");
		r = out_write(t, text, textlen);
		free(text);
	}
	json_decref(m);
	return r;
}

/* An over-long line is reported (unless scanning) and skipped. */
static int
tail_too_long(struct tail *t)
{
	char	line[128];
	int	n;

	if (t->skipping || t->scanning)
		return 0;
	n = snprintf(line, sizeof(line), "imsg-sim: %s: line longer than %d "
	    "bytes skipped\n", INBOUND_FILE, WATCH_MAX_LINE);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return 0;
	return out_write(t, line, (size_t)n);
}

/* Take the complete lines out of the buffer; bound the rest. */
static int
tail_lines(struct tail *t)
{
	char	*p = t->buf, *end = t->buf + t->len, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if ((size_t)(nl - p) > WATCH_MAX_LINE &&
		    tail_too_long(t) == -1)
			return -1;
		if (t->skipping || (size_t)(nl - p) > WATCH_MAX_LINE)
			t->skipping = 0;	/* the end of a long one */
		else if (tail_line(t, p, (size_t)(nl - p)) == -1)
			return -1;
		p = nl + 1;
	}
	t->len = (size_t)(end - p);
	memmove(t->buf, p, t->len);
	if (t->len > WATCH_MAX_LINE) {
		if (tail_too_long(t) == -1)
			return -1;
		t->skipping = 1;
		t->len = 0;
	}
	return 0;
}

/* Open the file if it is there: 0 (t->fd may stay -1), or -1. */
static int
tail_open(struct tail *t)
{
	struct stat	 st;
	const char	*why = NULL;

	t->fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (t->fd == -1) {
		if (errno == ENOENT)
			return 0;
		(void)printf("unable to open database file: %s: %s\n",
		    t->path, strerror(errno));
		return -1;
	}
	if (fstat(t->fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why != NULL) {
		(void)printf("unable to open database file: %s: %s\n",
		    t->path, why);
		(void)close(t->fd);
		t->fd = -1;
		return -1;
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->pos = 0;
	t->len = 0;
	t->skipping = 0;
	t->wfd = osdep_watch_file(t->path);
	return 0;
}

static void
tail_close(struct tail *t)
{
	if (t->wfd != -1)
		(void)close(t->wfd);
	if (t->fd != -1)
		(void)close(t->fd);
	t->wfd = t->fd = -1;
	t->len = 0;
	t->skipping = 0;
}

/*
 * At the end of the file: was it truncated (start again from its
 * beginning) or replaced (open the new one)?  Rowids already passed are
 * not printed again either way.  Returns 0, or -1 on error.
 */
static int
tail_check(struct tail *t)
{
	struct stat	st;

	if (fstat(t->fd, &st) == -1) {
		log_warn("%s", t->path);
		return -1;
	}
	if (st.st_size < t->pos) {
		if (lseek(t->fd, 0, SEEK_SET) == -1) {
			log_warn("%s", t->path);
			return -1;
		}
		t->pos = 0;
		t->len = 0;
		t->skipping = 0;
		return 0;
	}
	if (stat(t->path, &st) == -1 || st.st_dev != t->dev ||
	    st.st_ino != t->ino)
		tail_close(t);
	return 0;
}

/*
 * watch: print the messages of DIR/inbound.jsonl past the start rowid,
 * then follow the file for ever, as the real tool follows chat.db.  As
 * in the real tool, the start is --since-rowid N, or (without it, or
 * with 0) the highest rowid there at start-up: only new messages.
 */
static int
cmd_watch(struct sim *s)
{
	struct tail		 t;
	struct sigaction	 sa;
	struct stat		 st;
	struct pollfd		 pfd[2];
	const char		*why = NULL;
	nfds_t			 npfd;
	ssize_t			 n;
	int			 rc = 1;

	if (s->dir == NULL) {
		(void)printf("unable to open database file: no --db DIR\n");
		return 1;
	}
	if (stat(s->dir, &st) == -1)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	if (why != NULL) {
		(void)printf("unable to open database file: %s: %s\n", s->dir,
		    why);
		return 1;
	}
	memset(&t, 0, sizeof(t));
	t.s = s;
	t.fd = t.wfd = -1;
	if ((size_t)snprintf(t.path, sizeof(t.path), "%s/%s", s->dir,
	    INBOUND_FILE) >= sizeof(t.path)) {
		(void)printf("unable to open database file: %s/%s: %s\n",
		    s->dir, INBOUND_FILE, strerror(ENAMETOOLONG));
		return 1;
	}
	if (s->args.has_since_rowid && s->args.since_rowid != 0)
		t.cursor = s->args.since_rowid;
	else
		t.scanning = 1;
	t.buf = xcalloc(WATCH_MAX_LINE + 1 + WATCH_CHUNK, 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_watch_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	if (fflush(stdout) == EOF)
		goto out;

	while (!watch_stop) {
		if (t.fd == -1 && tail_open(&t) == -1)
			goto out;
		if (t.fd != -1) {
			n = read(t.fd, t.buf + t.len, WATCH_CHUNK);
			if (n > 0) {
				t.pos += n;
				t.len += (size_t)n;
				if (tail_lines(&t) == -1)
					goto done;
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				log_warn("%s", t.path);
				goto out;
			}
			t.scanning = 0;
			if (tail_check(&t) == -1)
				goto out;
			if (t.fd == -1)
				continue;	/* replaced: open the new */
		} else
			t.scanning = 0;	/* no file: nothing yet */

		/* Wait for more, and notice a reader that went away. */
		pfd[0].fd = STDOUT_FILENO;
		pfd[0].events = 0;
		pfd[0].revents = 0;
		npfd = 1;
		if (t.wfd != -1) {
			pfd[1].fd = t.wfd;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			npfd = 2;
		}
		if (poll(pfd, npfd, t.wfd != -1 ? WATCH_IDLE_MS :
		    WATCH_POLL_MS) == -1 && errno != EINTR) {
			log_warn("poll");
			goto out;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP)) {
			t.closed = 1;	/* the reader went away */
			break;
		}
		if (npfd == 2 && (pfd[1].revents & POLLIN))
			osdep_watch_drain(t.wfd);
	}
done:
	rc = t.closed || watch_stop ? 0 : 1;
out:
	tail_close(&t);
	free(t.buf);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sim		 s;
	enum shim_imsg_action	 action;
	const char		*method;
	char			 msg[SHIM_IMSG_MSG_MAX];
	int			 rc = 1;

	memset(&s, 0, sizeof(s));
	s.argc = argc;
	s.argv = argv;
	action = shim_imsg_parse(argc, argv, SHIM_IMSG_STRICT, &s.args, msg,
	    sizeof(msg));
	switch (action) {
	case SHIM_IMSG_VERSION:
		(void)printf("%s\n", SIM_VERSION);
		rc = 0;
		goto done;
	case SHIM_IMSG_HELP:
		shim_imsg_print_help(stdout, s.args.help_cmd, SIM_VERSION);
		rc = 0;
		goto done;
	case SHIM_IMSG_ERROR:
		(void)printf("%s\n", msg);
		goto done;
	case SHIM_IMSG_ERROR_HELP:
		(void)printf("%s\n", msg);
		shim_imsg_print_help(stdout, NULL, SIM_VERSION);
		goto done;
	case SHIM_IMSG_UNAVAILABLE:
		(void)printf("imsg-sim: %s is not simulated\n",
		    s.args.cmd_name);
		goto done;
	case SHIM_IMSG_RUN:
		break;
	}

	s.dir = s.args.db != NULL ? s.args.db : getenv("IMSG_SIM_DB");
	if (s.dir != NULL && *s.dir == '\0')
		s.dir = NULL;
	fault_knobs(s.dir);

	if (s.args.cmd == SHIM_IMSG_BRIDGE) {
		/* The real tool, its bridge down. */
		(void)printf(s.args.json ? "{\"success\":false,\"error\":"
		    "\"IMCore bridge not available (simulated imsg)\"}\n" :
		    "Error: IMCore bridge not available (simulated imsg)\n");
		goto done;
	}
	if (s.args.cmd == SHIM_IMSG_RPC) {
		(void)printf("imsg-sim: rpc is not simulated\n");
		goto done;
	}
	/* The same checks, in the same order, as the real command. */
	if ((s.params = shim_imsg_build_request(&s.args, &method, msg,
	    sizeof(msg))) == NULL) {
		(void)printf("%s\n", msg);
		goto done;
	}
	switch (s.args.cmd) {
	case SHIM_IMSG_CHATS:
		rc = cmd_chats(&s);
		break;
	case SHIM_IMSG_HISTORY:
		rc = cmd_history(&s);
		break;
	case SHIM_IMSG_SEND:
		rc = cmd_send(&s);
		break;
	case SHIM_IMSG_STATUS:
		rc = cmd_status(&s);
		break;
	case SHIM_IMSG_WATCH:
		rc = cmd_watch(&s);
		break;
	case SHIM_IMSG_TYPING:
	case SHIM_IMSG_READ:
	case SHIM_IMSG_REACT:
		rc = cmd_signal(&s);
		break;
	case SHIM_IMSG_GROUP:
		rc = cmd_group(&s);
		break;
	case SHIM_IMSG_SEARCH:
		rc = cmd_search(&s);
		break;
	default:
		break;
	}

done:
	json_decref(s.params);
	shim_imsg_args_free(&s.args);
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = 1;
	return rc;
}
