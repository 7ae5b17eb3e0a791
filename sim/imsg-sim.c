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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "log.h"
#include "shim.h"
#include "util.h"

#define SIM_VERSION	"0.9.2-sim"
#define FLOOD_BYTES	(64 * 1024 * 1024)
#define FAIL_MAX	(64 * 1024)
#define HEAD_BYTES	64

struct sim {
	int			 argc;
	char			**argv;
	struct shim_imsg_args	 args;
	const char		*dir;
	json_t			*params;	/* what the shim would send */
};

static int	 knob(const char *, const char *);
static void	 fault_knobs(const char *);
static json_t	*load_array(const char *, const char *);
static int	 parse_iso(const char *, int64_t *);
static int64_t	 created_ms(json_t *);
static int	 newest_first(const void *, const void *);
static int	 by_last_message(const void *, const void *);
static int	 cmd_chats(struct sim *);
static int	 cmd_history(struct sim *);
static int	 cmd_send(struct sim *);
static int	 cmd_status(struct sim *);
static int	 spool_record(struct sim *, json_t *);
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

/*
 * ISO 8601 with a time and a zone: 2026-05-16T15:24:36[.123](Z|+02:00).
 * Milliseconds since the epoch in *ms; 0 or -1.
 */
static int
parse_iso(const char *s, int64_t *ms)
{
	struct tm	 tm;
	int		 year, mon, day, hour, min, sec, n = 0, frac = 0;
	int		 digits = 0, sign, oh, om;
	time_t		 t;
	const char	*p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day, &hour,
	    &min, &sec, &n) != 6 || n != 19)
		return -1;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 ||
	    min > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	if (strcmp(p, "Z") == 0)
		sign = 0, oh = 0, om = 0;
	else if ((*p == '+' || *p == '-') &&
	    (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 &&
	    p[6] == '\0') && oh <= 23 && om <= 59)
		sign = *p == '+' ? 1 : -1;
	else
		return -1;
	t -= (time_t)sign * (oh * 3600 + om * 60);
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}

static int64_t
created_ms(json_t *m)
{
	json_t	*v;
	int64_t	 ms;

	v = json_object_get(m, "created_at");
	if (!json_is_string(v) || parse_iso(json_string_value(v), &ms) == -1)
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
	if (s->args.start != NULL && parse_iso(s->args.start, &start) == -1) {
		swift_error("invalidISODate", s->args.start);
		return 1;
	}
	if (s->args.end != NULL && parse_iso(s->args.end, &end) == -1) {
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
	static unsigned int	 counter;
	char			 dir[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
	char			*text;
	size_t			 len, off = 0;
	ssize_t			 n;
	uint64_t		 now;
	int			 fd;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/spool", s->dir) >=
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
