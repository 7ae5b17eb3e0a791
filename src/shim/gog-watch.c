/*
 * gog gmail watch, as OpenClaw's Gmail hook runs it (openclaw
 * src/hooks/gmail.ts: `gog gmail watch start --account A --label L
 * --topic T`, then `gog gmail watch serve --account A --bind H --port P
 * --path /p --token T --hook-url URL --hook-token T [--include-body]
 * [--max-bytes N]`).  Real gog asks Gmail to push to a Pub/Sub topic
 * and serves those pushes, fetching each new message and POSTing it to
 * the hook (gogcli internal/cmd/gmail_watch_cmds.go,
 * gmail_watch_server.go, gmail_watch_types.go, steipete/gogcli commit
 * 9a2a505d83207ebee59e6c9ae5185bab8e7d020b).  Through Carapace the
 * gateway's Gmail watcher already polls the mailbox, so:
 *
 *   watch start   checks that the client may read the gateway's Gmail
 *		   inbox and prints the watch as gog does once it exists:
 *		   the inbox cursor stands for Gmail's historyId, with no
 *		   expiration (there is no Gmail watch to expire);
 *   watch serve   subscribes to that inbox and POSTs each message the
 *		   gateway lets the client see (inbound policy, scrubbed)
 *		   to --hook-url in gog's hook payload, with
 *		   "Authorization: Bearer <--hook-token>".  It listens on
 *		   nothing: no push reaches it.  The hook must be plain
 *		   http on the loopback interface (the shim has no TLS).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "protocol.h"
#include "shim.h"
#include "shim-gog.h"
#include "util.h"

#define HOOK_MAX_BYTES_DEFAULT	20000	/* defaultHookMaxBytes */
#define HOOK_TIMEOUT_S		10	/* defaultHookRequestTimeoutSec */
#define HOOK_PAYLOAD_MAX	(32 * 1024 * 1024)

struct hook {
	char		 host[256];	/* as the URL writes it (Host:) */
	char		 path[2048];
	struct sockaddr_storage	 ss;
	socklen_t	 sslen;
	const char	*url, *token;
	int		 include_body;
	long long	 max_bytes;
};

static int	 watch_usage(const char *);
static int	 loopback_bind(const char *);
static int	 parse_hook_url(const char *, struct hook *);
static void	 hook_json_string(struct buf *, const char *);
static void	 hook_json_member(struct buf *, const char *, const char *,
		    int *);
static char	*hook_payload(const struct gog_args *, const struct hook *,
		    json_int_t, json_t *);
static int	 hook_post(const struct hook *, const char *, char *, size_t);
static int	 hook_flags(const struct gog_args *, int, struct hook *);
static int	 serve_loop(const struct gog_args *, const struct hook *);
static void	 split_labels(const char *, json_t *);
static int	 gog_watch_start(const struct gog_args *);
static int	 gog_watch_serve(const struct gog_args *);

static int
watch_usage(const char *msg)
{
	(void)fprintf(stderr, "%s\n", msg);
	return GOG_EXIT_USAGE;
}

/* isLoopbackHost: "", localhost, or a loopback IP literal. */
static int
loopback_bind(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 h[256];
	size_t		 n;

	while (*host == ' ' || *host == '\t')
		host++;
	if (strlcpy(h, host, sizeof(h)) >= sizeof(h))
		return 0;
	n = strlen(h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		h[--n] = '\0';
	if (n == 0 || strcasecmp(h, "localhost") == 0)
		return 1;
	if (h[0] == '[' && h[n - 1] == ']') {
		memmove(h, h + 1, n - 2);
		h[n - 2] = '\0';
	}
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) &&
		    a6.s6_addr[12] == 127);
	return 0;
}

/*
 * http://HOST[:PORT][/PATH][?QUERY] with HOST on the loopback interface
 * (localhost, 127.0.0.0/8, [::1]).  0, or -1 with the reason printed.
 */
static int
parse_hook_url(const char *url, struct hook *h)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&h->ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&h->ss;
	const char		*p, *slash, *errstr;
	char			 name[256], *colon;
	long long		 port = 80;
	size_t			 n;

	memset(&h->ss, 0, sizeof(h->ss));
	if (strncasecmp(url, "https://", 8) == 0) {
		(void)fprintf(stderr, "carapace: --hook-url %s: https "
		    "is not supported (the gog shim has no TLS); give the "
		    "hook a plain http:// URL on the loopback interface\n",
		    url);
		return -1;
	}
	if (strncasecmp(url, "http://", 7) != 0) {
		(void)fprintf(stderr, "carapace: --hook-url %s: "
		    "expected an http:// URL\n", url);
		return -1;
	}
	p = url + 7;
	slash = p + strcspn(p, "/?#");
	n = (size_t)(slash - p);
	if (n == 0 || n >= sizeof(h->host) || memchr(p, '@', n) != NULL) {
		(void)fprintf(stderr, "carapace: --hook-url %s: "
		    "malformed host\n", url);
		return -1;
	}
	memcpy(h->host, p, n);
	h->host[n] = '\0';
	(void)strlcpy(name, h->host, sizeof(name));
	colon = name[0] == '[' ? strchr(name, ']') : name;
	if (colon != NULL && (colon = strrchr(colon, ':')) != NULL) {
		*colon = '\0';
		port = strtonum(colon + 1, 1, 65535, &errstr);
		if (errstr != NULL) {
			(void)fprintf(stderr, "carapace: --hook-url "
			    "%s: port %s\n", url, errstr);
			return -1;
		}
	}
	if (name[0] == '[') {
		n = strlen(name);
		if (n < 3 || name[n - 1] != ']') {
			(void)fprintf(stderr, "carapace: --hook-url "
			    "%s: malformed host\n", url);
			return -1;
		}
		name[n - 1] = '\0';
		memmove(name, name + 1, n - 1);
	}
	if (strcasecmp(name, "localhost") == 0)
		(void)strlcpy(name, "127.0.0.1", sizeof(name));
	if (inet_pton(AF_INET, name, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		h->sslen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, name, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		h->sslen = sizeof(*s6);
	} else
		h->sslen = 0;
	if (h->sslen == 0 || !loopback_bind(name)) {
		(void)fprintf(stderr, "carapace: --hook-url %s: the "
		    "hook must be on the loopback interface (localhost, "
		    "127.0.0.1, [::1])\n", url);
		return -1;
	}
	/* The request target: the path and query, never the fragment. */
	n = strcspn(slash, "#");
	if (n >= sizeof(h->path) - 1) {
		(void)fprintf(stderr, "carapace: --hook-url %s: path "
		    "too long\n", url);
		return -1;
	}
	if (slash[0] != '/')
		(void)snprintf(h->path, sizeof(h->path), "/%.*s", (int)n,
		    slash);
	else
		(void)snprintf(h->path, sizeof(h->path), "%.*s", (int)n,
		    slash);
	if (strpbrk(h->path, " \t\r\n") != NULL || strpbrk(h->host,
	    " \t\r\n") != NULL) {
		(void)fprintf(stderr, "carapace: --hook-url %s: "
		    "malformed\n", url);
		return -1;
	}
	h->url = url;
	return 0;
}

/*
 * hookFromFlags (gmail_watch_cmds.go): a hook token or hook options
 * need a URL; --max-bytes must be positive when given; --include-body
 * defaults it to 20000.  0, 1 (no hook), or an exit code.
 */
static int
hook_flags(const struct gog_args *a, int allow_no_hook, struct hook *h)
{
	const char	*errstr;
	long long	 max = HOOK_MAX_BYTES_DEFAULT;

	memset(h, 0, sizeof(*h));
	if (a->max_bytes != NULL) {
		max = strtonum(a->max_bytes, -2147483647LL, 2147483647LL,
		    &errstr);
		if (errstr != NULL) {
			(void)fprintf(stderr, "--max-bytes: "
			    "expected a valid 64 bit int but got \"%s\"\n",
			    a->max_bytes);
			return GOG_EXIT_USAGE;
		}
	}
	if (a->hook_url == NULL || a->hook_url[strspn(a->hook_url,
	    " \t")] == '\0') {
		if (a->hook_token != NULL && a->hook_token[0] != '\0')
			return watch_usage("--hook-url required when using "
			    "--hook-token");
		if (!allow_no_hook && (a->include_body ||
		    a->max_bytes != NULL))
			return watch_usage("--hook-url required when setting "
			    "hook options");
		return 1;
	}
	if (max <= 0) {
		if (a->include_body)
			max = HOOK_MAX_BYTES_DEFAULT;
		else if (a->max_bytes != NULL)
			return watch_usage("--max-bytes must be > 0");
	}
	h->url = a->hook_url;
	h->token = a->hook_token != NULL ? a->hook_token : "";
	h->include_body = a->include_body;
	h->max_bytes = max > 0 ? max : HOOK_MAX_BYTES_DEFAULT;
	return 0;
}

/* --label: repeatable, each comma-separated (kong's []string). */
static void
split_labels(const char *s, json_t *out)
{
	const char	*end;
	size_t		 n;

	for (; *s != '\0'; s = *end == ',' ? end + 1 : end) {
		end = s + strcspn(s, ",");
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		n = (size_t)(end - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n > 0)
			json_array_append_new(out, json_stringn(s, n));
	}
}

static int
gog_watch_start(const struct gog_args *a)
{
	struct shim_reply	 r;
	struct hook		 h;
	json_t			*params, *state, *labels, *hook, *out;
	json_t			*cursor;
	char			 err[SHIM_ERR_MAX], text[SHIM_ERR_MAX + 64];
	char			 history[32], when[64];
	struct timespec		 now;
	struct tm		 tm;
	long long		 ms;
	size_t			 i;
	int			 rv, have_hook;

	if (a->cmd == GOG_WATCH_STOP) {
		(void)fputs("permission denied: carapace: the Gmail "
		    "watch is the gateway's (its watcher polls the mailbox); "
		    "it is not stopped from here\n", stderr);
		return GOG_EXIT_PERMISSION;
	}
	if (a->account == NULL)
		return watch_usage("missing --account (or set GOG_ACCOUNT)");
	/* status and renew use the stored topic: only start needs one. */
	if (a->cmd == GOG_WATCH_START && (a->topic == NULL ||
	    a->topic[strspn(a->topic, " \t")] == '\0'))
		return watch_usage("--topic is required");
	if ((rv = hook_flags(a, 0, &h)) > 1)
		return rv;
	have_hook = rv == 0;
	/* The client may read the gateway's Gmail inbox: its cursor. */
	params = json_pack("{s:[s]}", "channels", "gmail");
	rv = shim_call(shim_socket_path(), "inbox.subscribe", params, -1,
	    SHIM_TIMEOUT_MS, SHIM_MAX_ANSWER, &r, err, sizeof(err));
	json_decref(params);
	if (rv != SHIM_OK) {
		(void)fprintf(stderr, "%s\n", err);
		return rv == SHIM_E_TIMEOUT ? GOG_EXIT_RETRYABLE :
		    GOG_EXIT_ERROR;
	}
	if (r.is_error) {
		shim_error_text(r.code, r.message, r.data, text, sizeof(text));
		(void)fprintf(stderr, "%s\n", text);
		rv = gog_gateway_exit(&r);
		shim_reply_free(&r);
		return rv;
	}
	cursor = json_object_get(json_object_get(r.result, "cursor"),
	    "gmail");
	(void)snprintf(history, sizeof(history), "%lld", (long long)
	    (json_is_integer(cursor) ? json_integer_value(cursor) : 0));
	shim_reply_free(&r);
	(void)clock_gettime(CLOCK_REALTIME, &now);
	ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;

	/* gmailWatchState, in its field order; empty fields omitted. */
	state = json_object();
	json_object_set_new(state, "account", shim_json_string(a->account));
	json_object_set_new(state, "topic", shim_json_string(a->topic != NULL ?
	    a->topic : ""));
	if (a->nlabels > 0) {
		labels = json_array();
		for (i = 0; i < a->nlabels; i++)
			split_labels(a->labels[i], labels);
		if (json_array_size(labels) > 0)
			json_object_set(state, "labels", labels);
		json_decref(labels);
	}
	json_object_set_new(state, "historyId", json_string(history));
	json_object_set_new(state, "updatedAtMs", json_integer(ms));
	if (have_hook) {
		hook = json_pack("{s:o}", "url", shim_json_string(h.url));
		if (h.token[0] != '\0')
			json_object_set_new(hook, "token",
			    shim_json_string(h.token));
		if (h.include_body)
			json_object_set_new(hook, "includeBody", json_true());
		json_object_set_new(hook, "maxBytes",
		    json_integer(h.max_bytes));
		json_object_set_new(state, "hook", hook);
	}
	if (a->json) {
		out = json_pack("{s:o}", "watch", state);
		gog_json_print(stdout, out);
		json_decref(out);
		return fflush(stdout) == 0 ? 0 : GOG_EXIT_ERROR;
	}
	(void)printf("account\t%s\ntopic\t%s\n", a->account,
	    a->topic != NULL ? a->topic : "");
	labels = json_object_get(state, "labels");
	for (i = 0; i < json_array_size(labels); i++)
		(void)printf("%s%s%s", i == 0 ? "labels\t" : ",",
		    json_string_value(json_array_get(labels, i)),
		    i + 1 == json_array_size(labels) ? "\n" : "");
	(void)printf("history_id\t%s\n", history);
	/* formatUnixMillis: RFC 3339 in local time. */
	(void)localtime_r(&now.tv_sec, &tm);
	if (strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm) > 0) {
		/* Go writes the offset +hh:mm, and Z for UTC. */
		i = strlen(when);
		if (strcmp(when + i - 5, "+0000") == 0)
			(void)strlcpy(when + i - 5, "Z", 2);
		else {
			memmove(when + i - 1, when + i - 2, 3);
			when[i - 2] = ':';
		}
		(void)printf("updated_at\t%s\n", when);
	}
	if (have_hook) {
		(void)printf("hook_url\t%s\n", h.url);
		if (h.include_body)
			(void)printf("hook_include_body\ttrue\n");
		(void)printf("hook_max_bytes\t%lld\n", h.max_bytes);
		if (h.token[0] != '\0')
			(void)printf("hook_token\t%s\n", h.token);
	}
	json_decref(state);
	return fflush(stdout) == 0 ? 0 : GOG_EXIT_ERROR;
}

/*
 * A JSON string as Go's json.Marshal writes it, which the hook POST
 * uses (HTML-escaping on: '<', '>' and '&' as \u003c, \u003e, \u0026;
 * U+2028 and U+2029 escaped; bytes that are not UTF-8 as \ufffd).
 */
static void
hook_json_string(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	char			 e[8];
	size_t			 i, n, len = strlen(s);

	(void)buf_append(b, "\"", 1);
	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] == '"' || p[i] == '\\') {
			e[0] = '\\';
			e[1] = (char)p[i];
			(void)buf_append(b, e, 2);
		} else if (p[i] == '\n')
			(void)buf_append(b, "\\n", 2);
		else if (p[i] == '\r')
			(void)buf_append(b, "\\r", 2);
		else if (p[i] == '\t')
			(void)buf_append(b, "\\t", 2);
		else if (p[i] < 0x20 || p[i] == '<' || p[i] == '>' ||
		    p[i] == '&') {
			(void)snprintf(e, sizeof(e), "\\u00%c%c",
			    hex[p[i] >> 4], hex[p[i] & 0xf]);
			(void)buf_append(b, e, 6);
		} else if (p[i] < 0x80)
			(void)buf_append(b, &p[i], 1);
		else {
			n = (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) ==
			    0xe0 ? 3 : (p[i] & 0xf8) == 0xf0 ? 4 : 0;
			if (n == 0 || i + n > len ||
			    !util_utf8_valid(s + i, n)) {
				(void)buf_append(b, "\\ufffd", 6);
				n = 1;
			} else if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
			    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
				(void)buf_append(b, p[i + 2] == 0xa8 ?
				    "\\u2028" : "\\u2029", 6);
			else
				(void)buf_append(b, s + i, n);
		}
	}
	(void)buf_append(b, "\"", 1);
}

/* ,"key":"value" (omitempty: nothing for an empty value). */
static void
hook_json_member(struct buf *b, const char *key, const char *value,
    int *first)
{
	if (value == NULL || value[0] == '\0')
		return;
	if (!*first)
		(void)buf_append(b, ",", 1);
	*first = 0;
	(void)buf_printf(b, "\"%s\":", key);
	hook_json_string(b, value);
}

/*
 * gmailHookPayload with one gmailHookMessage, compact, in Go's field
 * order (gmail_watch_types.go), from one inbox message; malloc'd.  The
 * body, with --include-body, is cut at max bytes on a UTF-8 boundary
 * (truncateUTF8Bytes), bodyTruncated then true.
 */
static char *
hook_payload(const struct gog_args *a, const struct hook *h,
    json_int_t cursor, json_t *m)
{
	static const char *const heads[] = { "from", "to", "subject", "date",
	    "snippet", NULL };
	struct buf	 b;
	json_t		*l;
	char		 history[32], *body = NULL;
	const char	*s;
	size_t		 i, n;
	int		 first = 1, cut = 0;

	buf_init(&b, HOOK_PAYLOAD_MAX);
	(void)snprintf(history, sizeof(history), "%lld", (long long)cursor);
	(void)buf_append(&b, "{", 1);
	hook_json_member(&b, "source", "gmail", &first);
	(void)buf_append(&b, ",\"account\":", 11);
	hook_json_string(&b, a->account != NULL ? a->account : "");
	(void)buf_append(&b, ",\"historyId\":", 13);
	hook_json_string(&b, history);
	(void)buf_append(&b, ",\"messages\":[{\"id\":", 19);
	hook_json_string(&b, json_string_value(json_object_get(m, "id")) ?
	    json_string_value(json_object_get(m, "id")) : "");
	(void)buf_append(&b, ",\"threadId\":", 12);
	s = json_string_value(json_object_get(m, "threadId"));
	hook_json_string(&b, s != NULL ? s : "");
	for (i = 0; heads[i] != NULL; i++)
		hook_json_member(&b, heads[i], json_string_value(
		    json_object_get(m, heads[i])), &first);
	s = json_string_value(json_object_get(m, "body"));
	if (h->include_body && s != NULL) {
		n = strlen(s);
		if ((long long)n > h->max_bytes) {
			n = (size_t)h->max_bytes;
			while (n > 0 && !util_utf8_valid(s, n))
				n--;
			cut = 1;
		}
		body = xcalloc(1, n + 1);
		memcpy(body, s, n);
		hook_json_member(&b, "body", body, &first);
		free(body);
		if (cut)
			(void)buf_append(&b, ",\"bodyTruncated\":true", 21);
	}
	if (json_array_size(json_object_get(m, "labels")) > 0) {
		(void)buf_append(&b, ",\"labels\":[", 11);
		json_array_foreach(json_object_get(m, "labels"), i, l) {
			if (i > 0)
				(void)buf_append(&b, ",", 1);
			hook_json_string(&b, json_string_value(l) != NULL ?
			    json_string_value(l) : "");
		}
		(void)buf_append(&b, "]", 1);
	}
	(void)buf_append(&b, "}]}", 3);
	if (buf_cstr(&b) == -1) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/*
 * POST the payload as Go's http.Client does (sendHook): Content-Type
 * application/json and, with a hook token, "Authorization: Bearer T".
 * Returns 0 on a 2xx answer, else -1 with the reason in err.
 */
static int
hook_post(const struct hook *h, const char *payload, char *err,
    size_t errlen)
{
	struct timeval	 tv = { HOOK_TIMEOUT_S, 0 };
	struct buf	 req;
	char		 answer[512];
	size_t		 off = 0, got = 0;
	ssize_t		 n;
	int		 fd, status = 0;

	if ((fd = socket(h->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&h->ss, h->sslen) == -1) {
		(void)snprintf(err, errlen, "Post \"%s\": connect: %s",
		    h->url, strerror(errno));
		close(fd);
		return -1;
	}
	buf_init(&req, HOOK_PAYLOAD_MAX + 8192);
	(void)buf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: Go-http-client/1.1\r\nContent-Length: %zu\r\n",
	    h->path, h->host, strlen(payload));
	if (h->token != NULL && h->token[0] != '\0')
		(void)buf_printf(&req, "Authorization: Bearer %s\r\n",
		    h->token);
	(void)buf_printf(&req, "Content-Type: application/json\r\n"
	    "Connection: close\r\n\r\n");
	if (buf_append(&req, payload, strlen(payload)) == -1) {
		buf_free(&req);
		close(fd);
		(void)snprintf(err, errlen, "payload too large");
		return -1;
	}
	while (off < req.len) {
		n = send(fd, req.data + off, req.len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR && shim_caught_signal() == 0)
			continue;
		if (n <= 0) {
			(void)snprintf(err, errlen, "Post \"%s\": write: %s",
			    h->url, strerror(errno));
			buf_free(&req);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	buf_free(&req);
	/* The status line is enough; the rest of the answer is ignored. */
	while (got < sizeof(answer) - 1 && memchr(answer, '\n', got) == NULL) {
		n = recv(fd, answer + got, sizeof(answer) - 1 - got, 0);
		if (n == -1 && errno == EINTR && shim_caught_signal() == 0)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	answer[got] = '\0';
	if (sscanf(answer, "HTTP/1.%*d %3d", &status) != 1) {
		(void)snprintf(err, errlen, "Post \"%s\": no HTTP answer",
		    h->url);
		return -1;
	}
	if (status < 200 || status >= 300) {
		(void)snprintf(err, errlen, "hook status %d", status);
		return -1;
	}
	return 0;
}

/* Subscribed to the Gmail inbox: one POST per message, until a signal. */
static int
serve_loop(const struct gog_args *a, const struct hook *h)
{
	struct shim_conn	 conn;
	struct shim_reply	 reply;
	json_t			*params, *note, *p, *cur, *m;
	json_int_t		 last = -1;
	const char		*method, *channel;
	char			*line, *payload, err[SHIM_ERR_MAX];
	char			 text[SHIM_ERR_MAX + 64];
	size_t			 len;
	int			 r, rc = GOG_EXIT_ERROR;

	if (shim_connect(&conn, shim_socket_path(), SHIM_TIMEOUT_MS,
	    SHIM_MAX_ANSWER, err, sizeof(err)) != SHIM_OK) {
		(void)fprintf(stderr, "%s\n", err);
		return GOG_EXIT_ERROR;
	}
	params = json_pack("{s:[s]}", "channels", "gmail");
	r = shim_send_request(&conn, "inbox.subscribe", params, -1, err,
	    sizeof(err));
	json_decref(params);
	if (r == SHIM_OK)
		r = shim_read_line(&conn, &line, &len, err, sizeof(err));
	if (r == SHIM_OK)
		r = shim_decode_answer(line, len, &reply, err, sizeof(err));
	if (r != SHIM_OK) {
		(void)fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (reply.is_error) {
		shim_error_text(reply.code, reply.message, reply.data, text,
		    sizeof(text));
		(void)fprintf(stderr, "%s\n", text);
		rc = gog_gateway_exit(&reply);
		shim_reply_free(&reply);
		goto out;
	}
	shim_reply_free(&reply);
	(void)fprintf(stderr, "watch: forwarding the gateway's Gmail inbox "
	    "to %s\n", h->url);
	conn.deadline = 0;
	conn.cancel_fd = shim_catch_signals();
	for (;;) {
		r = shim_read_line(&conn, &line, &len, err, sizeof(err));
		if (r == SHIM_E_CANCELLED) {
			rc = 0;
			break;
		}
		if (r != SHIM_OK) {
			(void)fprintf(stderr, "%s\n", err);
			break;
		}
		if ((note = json_loadb(line, len, 0, NULL)) == NULL)
			continue;
		method = json_string_value(json_object_get(note, "method"));
		p = json_object_get(note, "params");
		channel = json_string_value(json_object_get(p, "channel"));
		cur = json_object_get(p, "cursor");
		m = json_object_get(p, "message");
		/* A message published again is not news: no going back. */
		if (method == NULL || strcmp(method, "inbox.message") != 0 ||
		    channel == NULL || strcmp(channel, "gmail") != 0 ||
		    !json_is_integer(cur) || !json_is_object(m) ||
		    json_integer_value(cur) <= last) {
			json_decref(note);
			continue;
		}
		last = json_integer_value(cur);
		payload = hook_payload(a, h, last, m);
		json_decref(note);
		if (payload == NULL)
			(void)fprintf(stderr, "watch: hook failed: payload "
			    "too large\n");
		else if (hook_post(h, payload, err, sizeof(err)) == -1)
			(void)fprintf(stderr, "watch: hook failed: %s\n",
			    err);
		free(payload);
		if (shim_caught_signal() != 0) {
			rc = 0;
			break;
		}
	}
	shim_signals_restore();
out:
	shim_close(&conn);
	return rc;
}

static int
gog_watch_serve(const struct gog_args *a)
{
	struct hook	 h;
	const char	*errstr;
	long long	 port = 8788;
	int		 rv;

	if (a->account == NULL)
		return watch_usage("missing --account (or set GOG_ACCOUNT)");
	if (a->path != NULL && a->path[0] != '/')
		return watch_usage("--path must start with '/'");
	if (a->port != NULL) {
		port = strtonum(a->port, -2147483647LL, 2147483647LL, &errstr);
		if (errstr != NULL) {
			(void)fprintf(stderr, "--port: expected a "
			    "valid 64 bit int but got \"%s\"\n", a->port);
			return GOG_EXIT_USAGE;
		}
	}
	if (port <= 0)
		return watch_usage("--port must be > 0");
	if (!a->verify_oidc && (a->token == NULL || a->token[0] == '\0') &&
	    !loopback_bind(a->bind != NULL ? a->bind : "127.0.0.1"))
		return watch_usage("--verify-oidc or --token required when "
		    "binding non-loopback");
	if (a->oidc_email != NULL && a->oidc_email[0] != '\0' &&
	    !a->verify_oidc)
		return watch_usage("--oidc-email requires --verify-oidc");
	if (a->oidc_audience != NULL && a->oidc_audience[0] != '\0' &&
	    !a->verify_oidc)
		return watch_usage("--oidc-audience requires --verify-oidc");
	if ((rv = hook_flags(a, 1, &h)) > 1)
		return rv;
	/*
	 * Without a hook gog answers each push with the payload; no push
	 * reaches the shim, so a hook is what serve is for.
	 */
	if (rv == 1)
		return watch_usage("carapace: --hook-url is required (no "
		    "Pub/Sub push reaches this gateway; new mail goes to the "
		    "hook)");
	if (parse_hook_url(h.url, &h) == -1)
		return GOG_EXIT_USAGE;
	return serve_loop(a, &h);
}

int
gog_main(int argc, char **argv)
{
	struct gog_args	 a;
	char		 err[512];

	/* A command line gog refuses is shim_gog_main's to report. */
	if (gog_parse(argc, argv, &a, err, sizeof(err)) != 0 ||
	    (a.cmd != GOG_WATCH_START && a.cmd != GOG_WATCH_STATUS &&
	    a.cmd != GOG_WATCH_STOP && a.cmd != GOG_WATCH_SERVE) ||
	    (a.json && a.plain))
		return shim_gog_main(argc, argv);
	if (a.cmd == GOG_WATCH_SERVE)
		return gog_watch_serve(&a);
	return gog_watch_start(&a);
}
