/*
 * carapace-discord: the Discord REST API (v10) for Carapace.  The
 * handler runs it as the discord channel's tool (fixed argv, an
 * environment built from scratch, a deadline) and the watcher runs its
 * poll command on a timer.  It alone links libcurl, so the
 * per-connection handler stays lean.
 *
 * Retries: every request here is safe to repeat.  GETs are; a DM
 * channel is opened with the same answer however often it is asked;
 * a message is sent with a nonce and enforce_nonce, so Discord answers
 * a repeat with the message it already created.  A 429 is retried
 * after its retry_after when that still fits the deadline
 * (channels.discord.timeout, the same the handler enforces), and a
 * bucket that reports X-RateLimit-Remaining: 0 is waited out before
 * the next request.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "compat.h"
#include "chan-discord.h"
#include "channel.h"
#include "conf.h"
#include "discord.h"
#include "policy.h"
#include "util.h"

#define TOKEN_MAX		256
#define BODY_MAX		(8 * 1024 * 1024)
#define STDIN_MAX		(256 * 1024)
#define ATTEMPTS_MAX		6	/* transport errors and 5xx */
#define LIMITED_MAX		10	/* 429 answers waited out */
#define MARGIN_MS		300	/* left to print and exit */
#define BACKOFF_MS		250
#define SETTLE_MS		2000	/* poll: how late a message may show */
#define PAGE_MAX		100	/* Discord's limit per page */
#define USER_AGENT		"DiscordBot (https://github.com/carapace, " \
				    PACKAGE_VERSION ")"

struct discord {
	struct config	*cfg;
	const struct channel *ch;
	char		 auth[TOKEN_MAX + 32];	/* "Authorization: Bot ..." */
	uint64_t	 deadline;		/* monotonic ms */
	uint64_t	 wait_until;		/* monotonic ms: bucket empty */
	int		 http_ok;		/* api_base is loopback http */
	CURL		*curl;

	/* The last response. */
	long		 status;
	char		*body;
	size_t		 bodylen;
	int		 body_overflow;
	double		 retry_after_hdr;	/* seconds, -1 if none */
	double		 reset_after;		/* seconds, -1 if none */
	int		 remaining;		/* -1 if none */
	int		 global;
	uint64_t	 date_ms;		/* server's Date, 0 if none */
};

static void __attribute__((__noreturn__, __format__(__printf__, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list	ap;

	(void)fprintf(stderr, "carapace-discord: ");
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "\n");
	exit(status);
}

static void
sleep_ms(uint64_t ms)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint64_t
time_left(const struct discord *d)
{
	uint64_t	now = util_mono_ms();

	return now + MARGIN_MS >= d->deadline ? 0 :
	    d->deadline - MARGIN_MS - now;
}

/*
 * The bot token: a regular file of the running user (or root), not
 * readable by group or others, one line of printable ASCII.
 */
static void
read_token(struct discord *d, const char *path)
{
	struct stat	 st;
	char		 buf[TOKEN_MAX + 2];
	ssize_t		 n;
	size_t		 len, i;
	int		 fd;

	if (path == NULL)
		die(DISCORD_EXIT_USAGE, "channels.discord.token_file is not "
		    "set");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		die(DISCORD_EXIT_USAGE, "token file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		die(DISCORD_EXIT_USAGE, "token file %s: not a regular file",
		    path);
	if ((st.st_mode & 077) != 0)
		die(DISCORD_EXIT_USAGE, "token file %s: readable by group or "
		    "others (chmod 600)", path);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		die(DISCORD_EXIT_USAGE, "token file %s: not owned by this "
		    "user or root", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		die(DISCORD_EXIT_USAGE, "token file %s: %s", path,
		    strerror(errno));
	len = (size_t)n;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' '))
		len--;
	if (len == 0 || len > TOKEN_MAX)
		die(DISCORD_EXIT_USAGE, "token file %s: empty or too long",
		    path);
	for (i = 0; i < len; i++)
		if (buf[i] <= ' ' || buf[i] >= 0x7f)
			die(DISCORD_EXIT_USAGE, "token file %s: one line of "
			    "printable characters expected", path);
	buf[len] = '\0';
	if ((size_t)snprintf(d->auth, sizeof(d->auth),
	    "Authorization: Bot %s", buf) >= sizeof(d->auth))
		die(DISCORD_EXIT_USAGE, "token file %s: too long", path);
	explicit_bzero(buf, sizeof(buf));
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct discord	*d = arg;
	size_t		 len = size * n;
	char		*nb;

	if (d->bodylen + len > BODY_MAX) {
		d->body_overflow = 1;
		return 0;
	}
	if ((nb = realloc(d->body, d->bodylen + len + 1)) == NULL)
		return 0;
	d->body = nb;
	memcpy(d->body + d->bodylen, p, len);
	d->bodylen += len;
	d->body[d->bodylen] = '\0';
	return len;
}

/* A header's value if line is "name: value", else NULL (copied). */
static int
header_value(const char *line, size_t len, const char *name, char *out,
    size_t outlen)
{
	size_t	n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return 0;
	line += n + 1;
	len -= n + 1;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
	    line[len - 1] == ' '))
		len--;
	if (len >= outlen)
		return 0;
	memcpy(out, line, len);
	out[len] = '\0';
	return 1;
}

static double
parse_seconds(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 86400)
		return -1;
	return v;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct discord	*d = arg;
	size_t		 len = size * n;
	char		 v[128];
	const char	*errstr;
	time_t		 t;

	if (header_value(p, len, "Retry-After", v, sizeof(v)))
		d->retry_after_hdr = parse_seconds(v);
	else if (header_value(p, len, "X-RateLimit-Reset-After", v, sizeof(v)))
		d->reset_after = parse_seconds(v);
	else if (header_value(p, len, "X-RateLimit-Remaining", v, sizeof(v))) {
		d->remaining = (int)strtonum(v, 0, INT_MAX, &errstr);
		if (errstr != NULL)
			d->remaining = -1;
	} else if (header_value(p, len, "X-RateLimit-Global", v, sizeof(v)))
		d->global = strcasecmp(v, "true") == 0;
	else if (header_value(p, len, "Date", v, sizeof(v))) {
		if ((t = curl_getdate(v, NULL)) > 0)
			d->date_ms = (uint64_t)t * 1000;
	}
	return len;
}

/*
 * One request with retries.  Returns the parsed JSON answer of a 2xx
 * (json null for an empty body); exits with a DISCORD_EXIT_* status
 * when it cannot succeed.
 */
static json_t *
request_mime(struct discord *d, const char *method, const char *path,
    json_t *body, curl_mime *mime)
{
	struct curl_slist	*hdrs = NULL;
	char			 url[2048], errbuf[CURL_ERROR_SIZE];
	char			*payload = NULL;
	json_t			*answer, *ra;
	json_error_t		 je;
	CURLcode		 cc;
	uint64_t		 left, wait;
	int			 attempts = 0, limited = 0;
	double			 retry;

	if ((size_t)snprintf(url, sizeof(url), "%s%s",
	    DISCORD_OPTS(d->ch)->api_base, path) >= sizeof(url))
		die(DISCORD_EXIT_USAGE, "URL too long");
	hdrs = curl_slist_append(hdrs, d->auth);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL && mime == NULL) {
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
		if ((payload = json_dumps(body, JSON_COMPACT)) == NULL)
			die(DISCORD_EXIT_USAGE, "out of memory");
	}
	if (hdrs == NULL)
		die(DISCORD_EXIT_USAGE, "out of memory");

	for (;;) {
		/* A bucket said it was empty: wait for its reset first. */
		if (d->wait_until > util_mono_ms()) {
			wait = d->wait_until - util_mono_ms();
			if (wait >= time_left(d))
				die(DISCORD_EXIT_LIMITED, "rate limited by "
				    "Discord: bucket resets in %llu ms, past "
				    "the deadline; retry_after=%llu",
				    (unsigned long long)wait,
				    (unsigned long long)(wait + 999) / 1000);
			sleep_ms(wait);
		}
		if ((left = time_left(d)) == 0)
			die(DISCORD_EXIT_TIMEOUT, "deadline passed");
		free(d->body);
		d->body = NULL;
		d->bodylen = 0;
		d->body_overflow = 0;
		d->status = 0;
		d->retry_after_hdr = d->reset_after = -1;
		d->remaining = -1;
		d->global = 0;

		curl_easy_reset(d->curl);
		errbuf[0] = '\0';
		(void)curl_easy_setopt(d->curl, CURLOPT_URL, url);
		(void)curl_easy_setopt(d->curl, CURLOPT_ERRORBUFFER, errbuf);
		(void)curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdrs);
		(void)curl_easy_setopt(d->curl, CURLOPT_USERAGENT, USER_AGENT);
		(void)curl_easy_setopt(d->curl, CURLOPT_PROTOCOLS_STR,
		    d->http_ok ? "http" : "https");
		(void)curl_easy_setopt(d->curl, CURLOPT_FOLLOWLOCATION, 0L);
		(void)curl_easy_setopt(d->curl, CURLOPT_SSL_VERIFYPEER, 1L);
		(void)curl_easy_setopt(d->curl, CURLOPT_SSL_VERIFYHOST, 2L);
		(void)curl_easy_setopt(d->curl, CURLOPT_NOSIGNAL, 1L);
		(void)curl_easy_setopt(d->curl, CURLOPT_NOPROXY, "*");
		(void)curl_easy_setopt(d->curl, CURLOPT_TIMEOUT_MS, (long)left);
		(void)curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, on_body);
		(void)curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, d);
		(void)curl_easy_setopt(d->curl, CURLOPT_HEADERFUNCTION,
		    on_header);
		(void)curl_easy_setopt(d->curl, CURLOPT_HEADERDATA, d);
		(void)curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, method);
		if (mime != NULL)
			(void)curl_easy_setopt(d->curl, CURLOPT_MIMEPOST, mime);
		else if (payload != NULL)
			(void)curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS,
			    payload);
		cc = curl_easy_perform(d->curl);
		if (cc == CURLE_OK)
			(void)curl_easy_getinfo(d->curl,
			    CURLINFO_RESPONSE_CODE, &d->status);

		if (d->remaining == 0 && d->reset_after > 0)
			d->wait_until = util_mono_ms() +
			    (uint64_t)(d->reset_after * 1000 + 0.5);

		if (cc != CURLE_OK || d->status >= 500) {
			/*
			 * The request may have been carried out and only its
			 * answer lost: repeating it is safe (see the top).
			 */
			if (d->body_overflow)
				die(DISCORD_EXIT_NETWORK, "%s %s: answer "
				    "larger than %d bytes", method, path,
				    BODY_MAX);
			if (++attempts >= ATTEMPTS_MAX)
				die(DISCORD_EXIT_NETWORK, "%s %s: %s", method,
				    path, cc != CURLE_OK ? (errbuf[0] != '\0' ?
				    errbuf : curl_easy_strerror(cc)) :
				    "server error");
			wait = (uint64_t)BACKOFF_MS << (attempts - 1);
			if (wait >= time_left(d))
				die(cc == CURLE_OPERATION_TIMEDOUT ?
				    DISCORD_EXIT_TIMEOUT : DISCORD_EXIT_NETWORK,
				    "%s %s: %s; no time left to retry",
				    method, path, cc != CURLE_OK ?
				    curl_easy_strerror(cc) : "server error");
			sleep_ms(wait);
			continue;
		}
		if (d->status == 429) {
			answer = json_loadb(d->body != NULL ? d->body : "",
			    d->bodylen, 0, &je);
			ra = json_object_get(answer, "retry_after");
			retry = json_is_number(ra) ? json_number_value(ra) :
			    d->retry_after_hdr;
			if (json_is_true(json_object_get(answer, "global")))
				d->global = 1;
			json_decref(answer);
			if (retry < 0 || retry > 86400)
				retry = 1;
			wait = (uint64_t)(retry * 1000 + 0.5);
			if (++limited > LIMITED_MAX || wait >= time_left(d))
				die(DISCORD_EXIT_LIMITED, "rate limited by "
				    "Discord%s; retry_after=%llu",
				    d->global ? " (global)" : "",
				    (unsigned long long)(wait + 999) / 1000);
			sleep_ms(wait);
			continue;
		}
		break;
	}
	curl_slist_free_all(hdrs);
	free(payload);

	answer = d->bodylen == 0 ? json_null() : json_loadb(d->body,
	    d->bodylen, JSON_REJECT_DUPLICATES, &je);
	if (d->status < 200 || d->status > 299) {
		const char *msg = json_string_value(json_object_get(answer,
		    "message"));

		die(DISCORD_EXIT_REFUSED, "%s %s: HTTP %ld%s%s", method, path,
		    d->status, msg != NULL ? ": " : "",
		    msg != NULL ? msg : "");
	}
	if (answer == NULL)
		die(DISCORD_EXIT_NETWORK, "%s %s: answer is not JSON: %s",
		    method, path, je.text);
	return answer;
}

static json_t *
request(struct discord *d, const char *method, const char *path,
    json_t *body)
{
	return request_mime(d, method, path, body, NULL);
}

static void
print_json(json_t *v)
{
	char	*s;

	if ((s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		die(DISCORD_EXIT_USAGE, "out of memory");
	(void)printf("%s\n", s);
	free(s);
}

static const char *
snowflake_arg(const char *what, const char *s)
{
	if (!discord_snowflake(s, NULL))
		die(DISCORD_EXIT_USAGE, "%s: not a Discord id: %s", what,
		    s != NULL ? s : "(missing)");
	return s;
}

/* The DM channel with user (opened if need be): its id, copied. */
static void
dm_channel(struct discord *d, const char *user, char *out, size_t outlen)
{
	json_t		*ch, *body;
	const char	*id;

	body = json_pack("{s:s}", "recipient_id", user);
	ch = request(d, "POST", "/users/@me/channels", body);
	json_decref(body);
	id = json_string_value(json_object_get(ch, "id"));
	if (!discord_snowflake(id, NULL) || strlen(id) >= outlen)
		die(DISCORD_EXIT_NETWORK, "DM channel: no id in the answer");
	(void)strlcpy(out, id, outlen);
	json_decref(ch);
}

/* The whole of stdin, bounded. */
static json_t *
read_stdin_json(void)
{
	char		*buf = xcalloc(1, STDIN_MAX + 1);
	size_t		 len = 0;
	ssize_t		 n;
	json_t		*v;
	json_error_t	 je;

	while ((n = read(STDIN_FILENO, buf + len, STDIN_MAX + 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			die(DISCORD_EXIT_USAGE, "stdin: %s", strerror(errno));
		len += (size_t)n;
		if (len > STDIN_MAX)
			die(DISCORD_EXIT_USAGE, "stdin: more than %d bytes",
			    STDIN_MAX);
	}
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (!json_is_object(v))
		die(DISCORD_EXIT_USAGE, "stdin: a JSON object expected "
		    "(%s)", v == NULL ? je.text : "not an object");
	return v;
}

/* A nonce for one message: 25 characters at most (Discord's limit). */
static void
make_nonce(char *out, size_t outlen)
{
	unsigned char	r[8];
	uint64_t	v = 0;
	size_t		i;
	int		fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1 ||
	    read(fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		die(DISCORD_EXIT_USAGE, "/dev/urandom: %s", strerror(errno));
	close(fd);
	for (i = 0; i < sizeof(r); i++)
		v = v << 8 | r[i];
	(void)snprintf(out, outlen, "%llu",
	    (unsigned long long)(v & UINT64_C(0x7fffffffffffffff)));
}

/*
 * send (CHANNEL_ID | --user USER_ID) [--file PATH]; stdin {"content"?,
 * "nonce"?, "reply_to"?}.  Prints the message Discord created (or, on
 * a repeat nonce, the one it had created).  A file goes as multipart
 * form data: payload_json and files[0].
 */
static int
cmd_send(struct discord *d, int argc, char **argv)
{
	json_t		*in, *body, *msg, *v, *atts;
	const char	*content, *nonce, *reply, *file = NULL, *name;
	const char	*chanarg = NULL, *user = NULL;
	char		 chan[DISCORD_ID_MAX], path[128], nbuf[32], *pj;
	curl_mime	*mime = NULL;
	curl_mimepart	*part;
	int		 i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			user = snowflake_arg("--user", argv[++i]);
		else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc &&
		    argv[i + 1][0] == '/')
			file = argv[++i];
		else if (chanarg == NULL && argv[i][0] != '-')
			chanarg = snowflake_arg("channel", argv[i]);
		else
			die(DISCORD_EXIT_USAGE, "usage: send (CHANNEL_ID | "
			    "--user USER_ID) [--file /PATH] (message as JSON "
			    "on stdin)");
	}
	if ((chanarg == NULL) == (user == NULL))
		die(DISCORD_EXIT_USAGE, "usage: send (CHANNEL_ID | --user "
		    "USER_ID) [--file /PATH]");
	in = read_stdin_json();
	json_object_foreach(in, content, v) {
		if (strcmp(content, "content") != 0 &&
		    strcmp(content, "nonce") != 0 &&
		    strcmp(content, "reply_to") != 0)
			die(DISCORD_EXIT_USAGE, "stdin: unknown key %s",
			    content);
	}
	content = json_string_value(json_object_get(in, "content"));
	nonce = json_string_value(json_object_get(in, "nonce"));
	reply = json_string_value(json_object_get(in, "reply_to"));
	if ((json_object_get(in, "content") != NULL && (content == NULL ||
	    content[0] == '\0')) || (content == NULL && file == NULL))
		die(DISCORD_EXIT_USAGE, "stdin: \"content\" must be a "
		    "non-empty string (or send a file)");
	if (json_object_get(in, "nonce") != NULL && (nonce == NULL ||
	    strlen(nonce) == 0 || strlen(nonce) > 25))
		die(DISCORD_EXIT_USAGE, "stdin: \"nonce\" must be 1 to 25 "
		    "characters");
	if (reply != NULL)
		(void)snowflake_arg("reply_to", reply);
	if (file != NULL && access(file, R_OK) == -1)
		die(DISCORD_EXIT_USAGE, "%s: %s", file, strerror(errno));
	if (nonce == NULL) {
		make_nonce(nbuf, sizeof(nbuf));
		nonce = nbuf;
	}
	/* After reading stdin: opening the DM is the first request. */
	if (user != NULL)
		dm_channel(d, user, chan, sizeof(chan));
	else
		(void)strlcpy(chan, chanarg, sizeof(chan));

	body = json_pack("{s:s,s:b,s:{s:[]}}", "nonce", nonce,
	    "enforce_nonce", 1, "allowed_mentions", "parse");
	if (content != NULL)
		json_object_set_new(body, "content", json_string(content));
	if (reply != NULL)
		json_object_set_new(body, "message_reference",
		    json_pack("{s:s,s:b}", "message_id", reply,
		    "fail_if_not_exists", 0));
	if (file != NULL) {
		name = strrchr(file, '/') + 1;
		atts = json_pack("[{s:i,s:s}]", "id", 0, "filename", name);
		json_object_set_new(body, "attachments", atts);
		if ((pj = json_dumps(body, JSON_COMPACT)) == NULL ||
		    (mime = curl_mime_init(d->curl)) == NULL)
			die(DISCORD_EXIT_USAGE, "out of memory");
		part = curl_mime_addpart(mime);
		(void)curl_mime_name(part, "payload_json");
		(void)curl_mime_data(part, pj, CURL_ZERO_TERMINATED);
		(void)curl_mime_type(part, "application/json");
		part = curl_mime_addpart(mime);
		(void)curl_mime_name(part, "files[0]");
		if (curl_mime_filedata(part, file) != CURLE_OK)
			die(DISCORD_EXIT_USAGE, "%s: cannot attach", file);
		(void)curl_mime_filename(part, name);
		free(pj);
	}
	(void)snprintf(path, sizeof(path), "/channels/%s/messages", chan);
	msg = request_mime(d, "POST", path, body, mime);
	curl_mime_free(mime);
	json_decref(body);
	json_decref(in);
	if (!json_is_object(msg) ||
	    !json_is_string(json_object_get(msg, "id")))
		die(DISCORD_EXIT_NETWORK, "send: no message in the answer");
	print_json(msg);
	json_decref(msg);
	return 0;
}

static int
cmp_ids(const void *a, const void *b)
{
	uint64_t	x = 0, y = 0;

	(void)discord_snowflake(json_string_value(json_object_get(
	    *(json_t *const *)a, "id")), &x);
	(void)discord_snowflake(json_string_value(json_object_get(
	    *(json_t *const *)b, "id")), &y);
	return x < y ? -1 : x > y;
}

/* The messages of an array, well formed ones only, oldest first. */
static size_t
sorted_messages(json_t *arr, json_t ***out)
{
	json_t	**v, *m;
	size_t	  i, n = 0;

	v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	json_array_foreach(arr, i, m) {
		if (json_is_object(m) && discord_snowflake(json_string_value(
		    json_object_get(m, "id")), NULL) &&
		    discord_snowflake(json_string_value(json_object_get(m,
		    "channel_id")), NULL))
			v[n++] = m;
	}
	qsort(v, n, sizeof(*v), cmp_ids);
	*out = v;
	return n;
}

/* Mark a DM's messages: is_dm, and is_from_me unless the user wrote. */
static void
mark_dm(json_t *m, const char *user)
{
	const char	*author = json_string_value(json_object_get(
			    json_object_get(m, "author"), "id"));

	json_object_set_new(m, "is_dm", json_true());
	json_object_set_new(m, "is_from_me", json_boolean(author == NULL ||
	    strcmp(author, user) != 0));
}

static json_t *
get_messages(struct discord *d, const char *chan, const char *after,
    const char *before, long limit)
{
	char	path[256];
	json_t	*arr;

	(void)snprintf(path, sizeof(path), "/channels/%s/messages?limit=%ld"
	    "%s%s%s%s", chan, limit, after != NULL ? "&after=" : "",
	    after != NULL ? after : "", before != NULL ? "&before=" : "",
	    before != NULL ? before : "");
	arr = request(d, "GET", path, NULL);
	if (!json_is_array(arr))
		die(DISCORD_EXIT_NETWORK, "GET %s: not an array", path);
	return arr;
}

static long
limit_arg(const char *s)
{
	const char	*errstr;
	long		 v;

	v = (long)strtonum(s != NULL ? s : "", 1, PAGE_MAX, &errstr);
	if (errstr != NULL)
		die(DISCORD_EXIT_USAGE, "--limit: %s (1 to %d)",
		    s != NULL ? errstr : "missing", PAGE_MAX);
	return v;
}

/* read (CHANNEL_ID | --user USER_ID) [--after ID] [--before ID] [--limit N] */
static int
cmd_read(struct discord *d, int argc, char **argv)
{
	const char	*chanarg = NULL, *user = NULL, *after = NULL;
	const char	*before = NULL;
	char		 chan[DISCORD_ID_MAX];
	long		 limit = 50;
	json_t		*arr, **v;
	size_t		 i, n;

	for (i = 0; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < (size_t)argc)
			user = snowflake_arg("--user", argv[++i]);
		else if (strcmp(argv[i], "--after") == 0 &&
		    i + 1 < (size_t)argc)
			after = snowflake_arg("--after", argv[++i]);
		else if (strcmp(argv[i], "--before") == 0 &&
		    i + 1 < (size_t)argc)
			before = snowflake_arg("--before", argv[++i]);
		else if (strcmp(argv[i], "--limit") == 0 &&
		    i + 1 < (size_t)argc)
			limit = limit_arg(argv[++i]);
		else if (chanarg == NULL && argv[i][0] != '-')
			chanarg = snowflake_arg("channel", argv[i]);
		else
			die(DISCORD_EXIT_USAGE, "read: unexpected %s",
			    argv[i]);
	}
	if ((chanarg == NULL) == (user == NULL))
		die(DISCORD_EXIT_USAGE, "usage: read (CHANNEL_ID | --user "
		    "USER_ID) [--after ID] [--before ID] [--limit N]");
	if (user != NULL)
		dm_channel(d, user, chan, sizeof(chan));
	else
		(void)strlcpy(chan, chanarg, sizeof(chan));
	arr = get_messages(d, chan, after, before, limit);
	n = sorted_messages(arr, &v);
	for (i = 0; i < n; i++) {
		if (user != NULL)
			mark_dm(v[i], user);
		print_json(v[i]);
	}
	free(v);
	json_decref(arr);
	return 0;
}

static const char *dm_recipient(json_t *);

static void
print_array(json_t *arr, const char *what)
{
	json_t	*v;
	size_t	 i;

	if (!json_is_array(arr))
		die(DISCORD_EXIT_NETWORK, "%s: not an array", what);
	json_array_foreach(arr, i, v)
		if (json_is_object(v))
			print_json(v);
}

/*
 * The DMs of the users inbound.allow names that Discord did not list
 * (a bot's list is often empty): opened, and printed.
 */
static void
allowed_dms(struct discord *d, json_t *listed)
{
	json_t		*chans, *users, *u, *c, *body;
	const char	*r;
	size_t		 i, j;
	int		 seen;

	(void)discord_list_targets(d->cfg, d->ch, &d->ch->inbound_allow,
	    &chans, &users);
	json_array_foreach(users, i, u) {
		seen = 0;
		json_array_foreach(listed, j, c) {
			r = dm_recipient(c);
			if (r != NULL && strcmp(r, json_string_value(u)) == 0)
				seen = 1;
		}
		if (seen)
			continue;
		body = json_pack("{s:O}", "recipient_id", u);
		c = request(d, "POST", "/users/@me/channels", body);
		json_decref(body);
		if (json_is_object(c))
			print_json(c);
		json_decref(c);
	}
	json_decref(chans);
	json_decref(users);
}

/* channels GUILD_ID | --dms | --all (every guild of the bot, and DMs) */
static int
cmd_channels(struct discord *d, int argc, char **argv)
{
	json_t		*arr, *guilds, *g;
	char		 path[128];
	const char	*id;
	size_t		 i;

	if (argc != 1)
		die(DISCORD_EXIT_USAGE, "usage: channels GUILD_ID | --dms | "
		    "--all");
	if (strcmp(argv[0], "--dms") != 0 && strcmp(argv[0], "--all") != 0) {
		(void)snprintf(path, sizeof(path), "/guilds/%s/channels",
		    snowflake_arg("guild", argv[0]));
		arr = request(d, "GET", path, NULL);
		print_array(arr, path);
		json_decref(arr);
		return 0;
	}
	if (strcmp(argv[0], "--all") == 0) {
		guilds = request(d, "GET", "/users/@me/guilds", NULL);
		if (!json_is_array(guilds))
			die(DISCORD_EXIT_NETWORK, "guilds: not an array");
		json_array_foreach(guilds, i, g) {
			id = json_string_value(json_object_get(g, "id"));
			if (!discord_snowflake(id, NULL))
				continue;
			(void)snprintf(path, sizeof(path),
			    "/guilds/%s/channels", id);
			arr = request(d, "GET", path, NULL);
			print_array(arr, path);
			json_decref(arr);
		}
		json_decref(guilds);
	}
	arr = request(d, "GET", "/users/@me/channels", NULL);
	print_array(arr, "/users/@me/channels");
	if (strcmp(argv[0], "--all") == 0)
		allowed_dms(d, arr);
	json_decref(arr);
	return 0;
}

/* The recipient of a DM channel object, or NULL. */
static const char *
dm_recipient(json_t *c)
{
	json_t	*r = json_object_get(c, "recipients");

	if (json_integer_value(json_object_get(c, "type")) != 1 ||
	    json_array_size(r) != 1)
		return NULL;
	return json_string_value(json_object_get(json_array_get(r, 0), "id"));
}

/*
 * The DM channels Carapace may read, as {channel id: user id}: each
 * user's DM, opened with POST /users/@me/channels (it answers the
 * existing channel; a bot cannot list its DMs), and in inbound mode
 * open every DM Discord lists as well.
 */
static json_t *
direct_messages(struct discord *d, json_t *users)
{
	json_t		*dms = json_object(), *arr, *c;
	const char	*id, *user;
	char		 dmid[DISCORD_ID_MAX];
	size_t		 i;

	json_array_foreach(users, i, c) {
		dm_channel(d, json_string_value(c), dmid, sizeof(dmid));
		json_object_set(dms, dmid, c);
	}
	if (d->ch->inbound_mode != INBOUND_OPEN)
		return dms;
	arr = request(d, "GET", "/users/@me/channels", NULL);
	json_array_foreach(arr, i, c) {
		id = json_string_value(json_object_get(c, "id"));
		if ((user = dm_recipient(c)) != NULL &&
		    discord_snowflake(id, NULL) &&
		    discord_snowflake(user, NULL))
			json_object_set_new(dms, id, json_string(user));
	}
	json_decref(arr);
	return dms;
}

/*
 * poll [--after ID] [--settle-ms N]: what is new since ID in every
 * channel the inbound policy lets Carapace read, merged oldest first.
 *
 * The watcher keeps one position for all channels: the largest
 * snowflake it published.  Snowflakes are time-ordered across
 * channels, but a message becomes readable a moment after its id was
 * taken, so one with a smaller id can show up after a larger one was
 * seen.  Only messages older than the horizon (the server's clock less
 * the settle time) are printed; newer ones wait for the next poll, by
 * when every message below the horizon is readable.  A channel that
 * filled its page lowers the horizon to the last id it returned, since
 * what follows in it is not known yet.
 */
static int
cmd_poll(struct discord *d, int argc, char **argv)
{
	json_t		*chans, *users, *dms, *c, *arr, *all, *targets, **v;
	const char	*after = NULL, *errstr, *id, *user;
	uint64_t	 settle = SETTLE_MS, horizon, last, mid, now;
	size_t		 i, j, n;

	for (i = 0; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--after") == 0 && i + 1 < (size_t)argc)
			after = snowflake_arg("--after", argv[++i]);
		else if (strcmp(argv[i], "--settle-ms") == 0 &&
		    i + 1 < (size_t)argc) {
			settle = (uint64_t)strtonum(argv[++i], 0, 600000,
			    &errstr);
			if (errstr != NULL)
				die(DISCORD_EXIT_USAGE, "--settle-ms: %s",
				    errstr);
		} else
			die(DISCORD_EXIT_USAGE, "usage: poll [--after ID] "
			    "[--settle-ms N]");
	}
	(void)discord_list_targets(d->cfg, d->ch, &d->ch->inbound_allow,
	    &chans, &users);
	if (d->ch->inbound_mode == INBOUND_OPEN) {
		json_decref(chans);
		json_decref(users);
		(void)discord_list_targets(d->cfg, d->ch,
		    &d->ch->outbound_allow, &chans, &users);
		(void)discord_list_targets(d->cfg, d->ch, &d->ch->inbound_allow,
		    &all, &dms);
		json_array_extend(chans, all);
		json_decref(all);
		json_decref(dms);
	}

	dms = direct_messages(d, users);

	/* Named channels, then DM channels not named already. */
	targets = json_array();
	json_array_foreach(chans, i, c)
		if (json_object_get(dms, json_string_value(c)) == NULL)
			json_array_append_new(targets, json_pack("{s:O}",
			    "id", c));
	json_object_foreach(dms, id, c)
		json_array_append_new(targets, json_pack("{s:s,s:O}", "id", id,
		    "user", c));

	all = json_array();
	horizon = UINT64_MAX;
	json_array_foreach(targets, i, c) {
		id = json_string_value(json_object_get(c, "id"));
		user = json_string_value(json_object_get(c, "user"));
		arr = get_messages(d, id, after != NULL ? after : "0", NULL,
		    PAGE_MAX);
		n = sorted_messages(arr, &v);
		if (n == PAGE_MAX) {
			(void)discord_snowflake(json_string_value(
			    json_object_get(v[n - 1], "id")), &last);
			if (last < horizon)
				horizon = last;
		}
		for (j = 0; j < n; j++) {
			if (user != NULL)
				mark_dm(v[j], user);
			json_array_append(all, v[j]);
		}
		free(v);
		json_decref(arr);
	}
	/* The server's clock, or ours when it sent no Date. */
	now = d->date_ms != 0 ? d->date_ms : util_now_ms();
	mid = discord_snowflake_at(now > settle ? now - settle : 0);
	if (mid < horizon)
		horizon = mid;
	n = sorted_messages(all, &v);
	for (i = 0; i < n; i++) {
		(void)discord_snowflake(json_string_value(json_object_get(v[i],
		    "id")), &last);
		if (last > horizon)
			break;
		print_json(v[i]);
	}
	free(v);
	json_decref(all);
	json_decref(targets);
	json_decref(dms);
	json_decref(chans);
	json_decref(users);
	return 0;
}

/*
 * channel CHANNEL_ID: the channel as Discord answers GET
 * /channels/{id} (a guild channel, or a DM, type 1, with its one
 * recipient): what the handler resolves a channel:<id> target with.
 */
static int
cmd_channel(struct discord *d, int argc, char **argv)
{
	json_t	*c;
	char	 path[128];

	if (argc != 1)
		die(DISCORD_EXIT_USAGE, "usage: channel CHANNEL_ID");
	(void)snprintf(path, sizeof(path), "/channels/%s",
	    snowflake_arg("channel", argv[0]));
	c = request(d, "GET", path, NULL);
	if (!json_is_object(c))
		die(DISCORD_EXIT_NETWORK, "%s: not an object", path);
	print_json(c);
	json_decref(c);
	return 0;
}

/* status: who the bot is. */
static int
cmd_status(struct discord *d, int argc, char **argv)
{
	json_t	*me, *out;

	if (argc != 0)
		die(DISCORD_EXIT_USAGE, "usage: status");
	me = request(d, "GET", "/users/@me", NULL);
	out = json_pack("{s:O*,s:O*,s:O*}", "id", json_object_get(me, "id"),
	    "username", json_object_get(me, "username"), "bot",
	    json_object_get(me, "bot"));
	print_json(out);
	json_decref(out);
	json_decref(me);
	return 0;
}

static void __attribute__((__noreturn__))
usage(void)
{
	(void)fprintf(stderr, "usage: carapace-discord [-c config] command "
	    "[args]\n"
	    "  send (CHANNEL_ID | --user USER_ID) [--file /PATH]   (JSON on "
	    "stdin)\n"
	    "  read (CHANNEL_ID | --user USER_ID) [--after ID] [--before ID] "
	    "[--limit N]\n"
	    "  channels GUILD_ID | --dms | --all\n"
	    "  channel CHANNEL_ID\n"
	    "  poll [--after ID] [--settle-ms N]\n"
	    "  status\n");
	exit(DISCORD_EXIT_USAGE);
}

int
discord_main(int argc, char **argv)
{
	struct discord		 d;
	struct config_errors	 errs = { NULL, 0 };
	const char		*conf = NULL, *cmd;
	size_t			 i;
	int			 r;

	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		conf = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (strcmp(cmd, "send") != 0 && strcmp(cmd, "read") != 0 &&
	    strcmp(cmd, "channels") != 0 && strcmp(cmd, "channel") != 0 &&
	    strcmp(cmd, "poll") != 0 &&
	    strcmp(cmd, "status") != 0)
		usage();

	memset(&d, 0, sizeof(d));
	if (config_load(config_path(conf), 1, &d.cfg, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			(void)fprintf(stderr, "%s\n", errs.items[i].message);
		config_errors_free(&errs);
		die(DISCORD_EXIT_USAGE, "invalid configuration");
	}
	d.ch = &d.cfg->channels[channel_lookup(discord_driver.name)];
	if (!d.ch->configured)
		die(DISCORD_EXIT_USAGE, "channel discord is not configured");
	if (DISCORD_OPTS(d.ch)->api_base == NULL ||
	    !discord_api_base_ok(DISCORD_OPTS(d.ch)->api_base))
		die(DISCORD_EXIT_USAGE, "channels.discord.api_base must be "
		    "https:// (or http:// on loopback)");
	d.http_ok = strncmp(DISCORD_OPTS(d.ch)->api_base, "http://", 7) == 0;
	d.deadline = util_mono_ms() + d.ch->timeout_ms;
	read_token(&d, DISCORD_OPTS(d.ch)->token_file);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (d.curl = curl_easy_init()) == NULL)
		die(DISCORD_EXIT_USAGE, "cannot initialise libcurl");

	if (strcmp(cmd, "send") == 0)
		r = cmd_send(&d, argc, argv);
	else if (strcmp(cmd, "read") == 0)
		r = cmd_read(&d, argc, argv);
	else if (strcmp(cmd, "channels") == 0)
		r = cmd_channels(&d, argc, argv);
	else if (strcmp(cmd, "channel") == 0)
		r = cmd_channel(&d, argc, argv);
	else if (strcmp(cmd, "poll") == 0)
		r = cmd_poll(&d, argc, argv);
	else
		r = cmd_status(&d, argc, argv);

	if (fflush(stdout) == EOF || ferror(stdout))
		die(DISCORD_EXIT_USAGE, "stdout: write error");
	explicit_bzero(d.auth, sizeof(d.auth));
	curl_easy_cleanup(d.curl);
	curl_global_cleanup();
	free(d.body);
	config_free(d.cfg);
	return r;
}
