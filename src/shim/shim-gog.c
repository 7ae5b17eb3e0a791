/*
 * The gog shim: gogcli's Gmail command line (TOOLS.md) turned into
 * gateway calls (doc/protocol.md, gmail.*), and the answers printed as
 * gog prints them: pretty JSON as Go's encoder writes it (--json or
 * GOG_JSON), tab-separated tables and key<TAB>value lines otherwise,
 * errors on stderr, gog's exit codes.  The parser and printers here are
 * shared with the simulated gog, so both read and write the same way.
 *
 * Gateway errors map onto gog's exit codes: invalid params 2; peer not
 * authorized 4; recipient not allowed, content blocked, channel denied
 * 6 (permission denied); rate limited 7; timeout 8; channel unavailable
 * or gateway configuration invalid 10; a failed tool its own exit code
 * (1 to 10); anything else 1.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "base64url.h"
#include "policy.h"
#include "protocol.h"
#include "shim.h"
#include "shim-gog.h"
#include "util.h"

#define GOG_SHIM_VERSION	"v0.9.0 (carapace shim)"
#define GOG_BODY_MAX		(512 * 1024)

/* ---- parsing ---------------------------------------------------------- */

struct gog_flag {
	const char	*name;
	int		 takes_value;
	size_t		 offset;	/* in struct gog_args */
	int		 global;
};

#define ARGOFF(f)	offsetof(struct gog_args, f)
#define FLAG_BOOL(n, f, g)	{ n, 0, ARGOFF(f), g }
#define FLAG_STR(n, f)		{ n, 1, ARGOFF(f), 0 }

static const struct gog_flag gog_flags[] = {
	{ "account", 1, ARGOFF(account), 1 },
	FLAG_BOOL("json", json, 1),
	FLAG_BOOL("plain", plain, 1),
	FLAG_BOOL("no-input", no_input, 1),
	FLAG_BOOL("force", force, 1),
	FLAG_BOOL("verbose", verbose, 1),
	FLAG_STR("page", page),
	FLAG_STR("format", format),
	FLAG_STR("to", to),
	FLAG_STR("cc", cc),
	FLAG_STR("bcc", bcc),
	FLAG_STR("subject", subject),
	FLAG_STR("body", body),
	FLAG_STR("body-file", body_file),
	FLAG_STR("reply-to-message-id", reply_to_message_id),
	FLAG_STR("in-reply-to", reply_to_message_id),
	FLAG_STR("thread-id", thread_id),
	FLAG_BOOL("include-body", include_body, 0),
	/* gmail_get.go, gmail_send.go (and the newer gog's --body-html-file) */
	FLAG_STR("headers", headers),
	FLAG_STR("body-html", body_html),
	FLAG_STR("body-html-file", body_html_file),
	FLAG_STR("reply-to", reply_to),
	FLAG_STR("from", from),
	FLAG_BOOL("reply-all", reply_all, 0),
	/* gmail_watch_cmds.go: watch start and serve */
	FLAG_STR("topic", topic),
	FLAG_STR("ttl", ttl),
	FLAG_STR("hook-url", hook_url),
	FLAG_STR("hook-token", hook_token),
	FLAG_STR("max-bytes", max_bytes),
	FLAG_STR("bind", bind),
	FLAG_STR("port", port),
	FLAG_STR("path", path),
	FLAG_STR("token", token),
	FLAG_STR("oidc-email", oidc_email),
	FLAG_STR("oidc-audience", oidc_audience),
	FLAG_BOOL("verify-oidc", verify_oidc, 0),
	FLAG_BOOL("save-hook", save_hook, 0),
	{ NULL, 0, 0, 0 }
};

static int
truthy(const char *v)
{
	return v != NULL && (strcmp(v, "1") == 0 ||
	    strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0);
}

static int
usage_error(char *err, size_t errlen, const char *msg, const char *arg)
{
	if (arg != NULL)
		(void)snprintf(err, errlen, "%s %s", msg, arg);
	else
		(void)snprintf(err, errlen, "%s", msg);
	return GOG_EXIT_USAGE;
}

/* The command from the positional words; consumes them. */
static int
gog_command(struct gog_args *a, char *err, size_t errlen)
{
	const char	**p = a->positional;
	size_t		  n = a->npositional, used = 0, need = 0, i;
	const char	 *w0 = n > 0 ? p[0] : NULL;
	const char	 *w1 = n > 1 ? p[1] : NULL;
	const char	 *w2 = n > 2 ? p[2] : NULL;

	if (w0 == NULL) {
		a->cmd = GOG_HELP;
		return 0;
	}
	if (strcmp(w0, "gmail") != 0 && strcmp(w0, "mail") != 0)
		return usage_error(err, errlen, "unexpected argument", w0);
	if (w1 == NULL)
		return usage_error(err, errlen, "expected one of "
		    "\"search\", \"get\", \"thread\", \"labels\", \"drafts\", "
		    "\"send\"", NULL);
	if (strcmp(w1, "search") == 0) {
		a->cmd = GOG_SEARCH;
		used = 2;
	} else if (strcmp(w1, "messages") == 0 && w2 != NULL &&
	    strcmp(w2, "search") == 0) {
		a->cmd = GOG_MESSAGES_SEARCH;
		used = 3;
	} else if (strcmp(w1, "get") == 0) {
		a->cmd = GOG_GET;
		used = 2;
		need = 1;
	} else if (strcmp(w1, "thread") == 0 && w2 != NULL &&
	    strcmp(w2, "get") == 0) {
		a->cmd = GOG_THREAD_GET;
		used = 3;
		need = 1;
	} else if (strcmp(w1, "labels") == 0 && w2 != NULL &&
	    strcmp(w2, "list") == 0) {
		a->cmd = GOG_LABELS_LIST;
		used = 3;
	} else if (strcmp(w1, "drafts") == 0 && w2 != NULL) {
		used = 3;
		if (strcmp(w2, "list") == 0)
			a->cmd = GOG_DRAFTS_LIST;
		else if (strcmp(w2, "create") == 0)
			a->cmd = GOG_DRAFTS_CREATE;
		else {
			need = 1;
			if (strcmp(w2, "get") == 0)
				a->cmd = GOG_DRAFTS_GET;
			else if (strcmp(w2, "send") == 0)
				a->cmd = GOG_DRAFTS_SEND;
			else if (strcmp(w2, "delete") == 0)
				a->cmd = GOG_DRAFTS_DELETE;
			else
				return usage_error(err, errlen,
				    "unexpected argument", w2);
		}
	} else if (strcmp(w1, "send") == 0) {
		a->cmd = GOG_SEND;
		used = 2;
	} else if (strcmp(w1, "watch") == 0 && w2 != NULL &&
	    (strcmp(w2, "start") == 0 || strcmp(w2, "status") == 0 ||
	    strcmp(w2, "renew") == 0 || strcmp(w2, "serve") == 0 ||
	    strcmp(w2, "stop") == 0)) {
		a->cmd = strcmp(w2, "serve") == 0 ? GOG_WATCH_SERVE :
		    strcmp(w2, "stop") == 0 ? GOG_WATCH_STOP :
		    strcmp(w2, "start") == 0 ? GOG_WATCH_START :
		    GOG_WATCH_STATUS;
		used = 3;
	} else
		return usage_error(err, errlen, "unexpected argument",
		    n > 2 && (strcmp(w1, "thread") == 0 ||
		    strcmp(w1, "labels") == 0 || strcmp(w1, "drafts") == 0 ||
		    strcmp(w1, "watch") == 0) ?
		    w2 : w1);
	for (i = used; i < n; i++)
		p[i - used] = p[i];
	a->npositional = n - used;
	if (a->cmd == GOG_SEARCH || a->cmd == GOG_MESSAGES_SEARCH) {
		a->query[0] = '\0';
		for (i = 0; i < a->npositional; i++) {
			if (i > 0)
				(void)strlcat(a->query, " ", sizeof(a->query));
			if (strlcat(a->query, p[i], sizeof(a->query)) >=
			    sizeof(a->query))
				return usage_error(err, errlen,
				    "query too long", NULL);
		}
		if (a->query[strspn(a->query, " \t")] == '\0')
			return usage_error(err, errlen,
			    "missing query", NULL);
		return 0;
	}
	if (need == 1 && a->npositional != 1)
		return usage_error(err, errlen, a->npositional == 0 ?
		    "expected one positional argument (an id)" :
		    "unexpected argument", a->npositional == 0 ? NULL : p[1]);
	if (need == 0 && a->npositional != 0)
		return usage_error(err, errlen, "unexpected argument",
		    p[0]);
	return 0;
}

int
gog_parse(int argc, char **argv, struct gog_args *a, char *err,
    size_t errlen)
{
	const struct gog_flag	*f;
	const char		*arg, *name, *value, *eq;
	const char		*errstr;
	size_t			 namelen;
	int			 i, dashdash = 0, r;

	memset(a, 0, sizeof(*a));
	a->max = -1;
	a->account = getenv("GOG_ACCOUNT");
	if (a->account != NULL && a->account[0] == '\0')
		a->account = NULL;
	a->json = truthy(getenv("GOG_JSON"));
	a->plain = truthy(getenv("GOG_PLAIN"));
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			if (a->npositional == GOG_ARGS_MAX)
				return usage_error(err, errlen,
				    "too many arguments", NULL);
			a->positional[a->npositional++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (strcmp(arg, "--version") == 0) {
			a->cmd = GOG_VERSION;
			return 0;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			a->cmd = GOG_HELP;
			return 0;
		}
		if (strcmp(arg, "-v") == 0) {
			a->verbose = 1;
			continue;
		}
		if (strcmp(arg, "-j") == 0) {
			a->json = 1;
			continue;
		}
		if (strcmp(arg, "-p") == 0) {
			a->plain = 1;
			continue;
		}
		if (strcmp(arg, "-a") == 0) {
			if (i + 1 >= argc)
				return usage_error(err, errlen,
				    "expected a value for", arg);
			a->account = argv[++i];
			continue;
		}
		if (arg[1] != '-')
			return usage_error(err, errlen, "unknown flag", arg);
		name = arg + 2;
		eq = strchr(name, '=');
		namelen = eq != NULL ? (size_t)(eq - name) : strlen(name);
		value = eq != NULL ? eq + 1 : NULL;
		if (namelen == 3 && strncmp(name, "max", 3) == 0)
			goto max;
		if (namelen == 5 && strncmp(name, "limit", 5) == 0)
			goto max;
		if (namelen == 5 && strncmp(name, "label", 5) == 0) {
			if (value == NULL) {
				if (i + 1 >= argc)
					return usage_error(err, errlen,
					    "expected a value for", "--label");
				value = argv[++i];
			}
			if (a->nlabels == GOG_ARGS_MAX)
				return usage_error(err, errlen,
				    "too many --label", NULL);
			a->labels[a->nlabels++] = value;
			continue;
		}
		if (namelen == 6 && strncmp(name, "attach", 6) == 0) {
			if (value == NULL) {
				if (i + 1 >= argc)
					return usage_error(err, errlen,
					    "expected a value for", "--attach");
				value = argv[++i];
			}
			if (a->nattach == GOG_ATTACH_MAX)
				return usage_error(err, errlen,
				    "too many --attach", NULL);
			a->attach[a->nattach++] = value;
			continue;
		}
		for (f = gog_flags; f->name != NULL; f++)
			if (strlen(f->name) == namelen &&
			    strncmp(f->name, name, namelen) == 0)
				break;
		if (f->name == NULL)
			return usage_error(err, errlen, "unknown flag", arg);
		if (!f->takes_value) {
			if (value != NULL && !truthy(value) &&
			    strcmp(value, "false") != 0)
				return usage_error(err, errlen,
				    "expected a boolean for", arg);
			*(int *)(void *)((char *)a + f->offset) =
			    value == NULL || truthy(value);
			continue;
		}
		if (value == NULL) {
			if (i + 1 >= argc)
				return usage_error(err, errlen,
				    "expected a value for", arg);
			value = argv[++i];
		}
		*(const char **)(void *)((char *)a + f->offset) = value;
		continue;
max:
		if (value == NULL) {
			if (i + 1 >= argc)
				return usage_error(err, errlen,
				    "expected a value for", arg);
			value = argv[++i];
		}
		a->max = strtonum(value, 1, 100000, &errstr);
		if (errstr != NULL)
			return usage_error(err, errlen,
			    "--max: expected a positive integer, got",
			    value);
	}
	if ((r = gog_command(a, err, errlen)) != 0)
		return r;
	return 0;
}

/* ---- output ----------------------------------------------------------- */

/*
 * A JSON string as gog's encoder writes it: Go's encoding/json with
 * SetEscapeHTML(false) (gogcli internal/outfmt/outfmt.go), so '<', '>'
 * and '&' stay as they are; control characters and U+2028/U+2029 are
 * escaped.
 */
static void
json_string_print(FILE *f, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	(void)fputc('"', f);
	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case '"':
			(void)fputs("\\\"", f);
			break;
		case '\\':
			(void)fputs("\\\\", f);
			break;
		case '\n':
			(void)fputs("\\n", f);
			break;
		case '\r':
			(void)fputs("\\r", f);
			break;
		case '\t':
			(void)fputs("\\t", f);
			break;
		default:
			if (p[i] < 0x20)
				(void)fprintf(f, "\\u%04x", p[i]);
			else if (p[i] == 0xe2 && i + 2 < len &&
			    p[i + 1] == 0x80 &&
			    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
				(void)fprintf(f, "\\u%04x",
				    p[i + 2] == 0xa8 ? 0x2028 : 0x2029);
				i += 2;
			} else
				(void)fputc(p[i], f);
		}
	}
	(void)fputc('"', f);
}

static void
indent(FILE *f, int depth)
{
	int	i;

	for (i = 0; i < depth; i++)
		(void)fputs("  ", f);
}

static void
json_value_print(FILE *f, json_t *v, int depth)
{
	const char	*key;
	json_t		*e;
	size_t		 i, n;
	char		*num;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_size(v) == 0) {
			(void)fputs("{}", f);
			return;
		}
		(void)fputs("{\n", f);
		n = 0;
		json_object_foreach(v, key, e) {
			indent(f, depth + 1);
			json_string_print(f, key, strlen(key));
			(void)fputs(": ", f);
			json_value_print(f, e, depth + 1);
			(void)fputs(++n < json_object_size(v) ? ",\n" : "\n",
			    f);
		}
		indent(f, depth);
		(void)fputc('}', f);
		return;
	case JSON_ARRAY:
		if (json_array_size(v) == 0) {
			(void)fputs("[]", f);
			return;
		}
		(void)fputs("[\n", f);
		json_array_foreach(v, i, e) {
			indent(f, depth + 1);
			json_value_print(f, e, depth + 1);
			(void)fputs(i + 1 < json_array_size(v) ? ",\n" : "\n",
			    f);
		}
		indent(f, depth);
		(void)fputc(']', f);
		return;
	case JSON_STRING:
		json_string_print(f, json_string_value(v),
		    json_string_length(v));
		return;
	case JSON_TRUE:
		(void)fputs("true", f);
		return;
	case JSON_FALSE:
		(void)fputs("false", f);
		return;
	case JSON_NULL:
		(void)fputs("null", f);
		return;
	default:
		num = json_dumps(v, JSON_ENCODE_ANY);
		(void)fputs(num != NULL ? num : "0", f);
		free(num);
	}
}

void
gog_json_print(FILE *f, json_t *v)
{
	json_value_print(f, v, 0);
	(void)fputc('\n', f);
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
gog_json_sorted(json_t *v)
{
	const char	**keys, *key;
	json_t		 *out, *e;
	size_t		  i, n;

	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(out, gog_json_sorted(e));
		return out;
	}
	if (!json_is_object(v))
		return json_incref(v);
	n = json_object_size(v);
	keys = xcalloc(n + 1, sizeof(*keys));
	i = 0;
	json_object_foreach(v, key, e)
		keys[i++] = key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	out = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(out, keys[i],
		    gog_json_sorted(json_object_get(v, keys[i])));
	free(keys);
	return out;
}

/* Display width of a UTF-8 string: one per code point. */
static size_t
cell_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
gog_table_print(FILE *f, json_t *rows, int plain)
{
	json_t		*row, *cell;
	size_t		 widths[16], i, j, ncols = 0, w;
	const char	*s;

	memset(widths, 0, sizeof(widths));
	json_array_foreach(rows, i, row)
		json_array_foreach(row, j, cell) {
			if (j >= 16)
				break;
			if (j + 1 > ncols)
				ncols = j + 1;
			w = cell_width(json_string_value(cell));
			if (w > widths[j])
				widths[j] = w;
		}
	json_array_foreach(rows, i, row) {
		json_array_foreach(row, j, cell) {
			if (j >= 16)
				break;
			s = json_string_value(cell);
			(void)fputs(s != NULL ? s : "", f);
			if (j + 1 == json_array_size(row))
				break;
			if (plain) {
				(void)fputc('\t', f);
				continue;
			}
			/* tabwriter: a cell ends its column with 2 spaces. */
			for (w = cell_width(s != NULL ? s : "");
			    w < widths[j] + 2; w++)
				(void)fputc(' ', f);
		}
		(void)fputc('\n', f);
	}
}

void
gog_format_date(const char *in, char *out, size_t outlen)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char	*p = in;
	char		 mon[4];
	int		 day, year, hh, mm, n = 0, m;

	while (*p == ' ')
		p++;
	if (strchr(p, ',') != NULL && strchr(p, ',') - p <= 4)
		p = strchr(p, ',') + 1;
	if (sscanf(p, " %2d %3s %4d %2d:%2d%n", &day, mon, &year, &hh, &mm,
	    &n) != 5 || n == 0) {
		(void)strlcpy(out, in, outlen);
		return;
	}
	for (m = 0; m < 12; m++)
		if (strcmp(mon, months[m]) == 0)
			break;
	if (m == 12) {
		(void)strlcpy(out, in, outlen);
		return;
	}
	(void)snprintf(out, outlen, "%04d-%02d-%02d %02d:%02d", year, m + 1,
	    day, hh, mm);
}

const char *
gog_header(json_t *msg, const char *name)
{
	json_t		*h;
	size_t		 i;
	const char	*n, *v;

	json_array_foreach(json_object_get(json_object_get(msg, "payload"),
	    "headers"), i, h) {
		n = json_string_value(json_object_get(h, "name"));
		v = json_string_value(json_object_get(h, "value"));
		if (n != NULL && v != NULL && strcasecmp(n, name) == 0)
			return v;
	}
	return "";
}

static char *
find_body(json_t *part, const char *mime, int depth)
{
	json_t		*p;
	const char	*m, *data;
	char		*s;
	size_t		 i, len;

	if (depth > 16 || !json_is_object(part))
		return NULL;
	m = json_string_value(json_object_get(part, "mimeType"));
	data = json_string_value(json_object_get(json_object_get(part,
	    "body"), "data"));
	if (m != NULL && strcmp(m, mime) == 0 && data != NULL &&
	    data[0] != '\0' && (s = base64url_decode(data, &len)) != NULL)
		return s;
	json_array_foreach(json_object_get(part, "parts"), i, p)
		if ((s = find_body(p, mime, depth + 1)) != NULL)
			return s;
	return NULL;
}

char *
gog_best_body(json_t *payload)
{
	char	*s;

	if ((s = find_body(payload, "text/plain", 0)) != NULL)
		return s;
	return find_body(payload, "text/html", 0);
}

/* ---- the shim --------------------------------------------------------- */

static void
gog_usage(FILE *f)
{
	(void)fputs("Usage: gog <command> [flags]\n\n"
	    "Google CLI (Gmail through Carapace)\n\n"
	    "Flags:\n"
	    "  --account=STRING   Account email (GOG_ACCOUNT)\n"
	    "  --json             Output JSON (GOG_JSON)\n"
	    "  --plain            Output stable, tab-separated text\n"
	    "  --no-input         Never prompt\n"
	    "  --force            Skip confirmations\n"
	    "  --verbose          Verbose logging\n"
	    "  --version          Print version\n\n"
	    "Commands:\n"
	    "  gmail search <query> ...      [--max N] [--page TOKEN]\n"
	    "  gmail get <messageId>         [--format full|metadata]\n"
	    "  gmail thread get <threadId>\n"
	    "  gmail labels list\n"
	    "  gmail drafts list|get|create|send|delete\n"
	    "  gmail messages search <query> [--max N] [--page TOKEN]\n"
	    "  gmail send --to A[,B] [--cc] [--bcc] --subject S "
	    "(--body T | --body-file PATH|-\n"
	    "             | --body-html H | --body-html-file PATH|-)\n"
	    "             [--reply-to-message-id ID | --thread-id ID] "
	    "[--reply-all]\n"
	    "             [--reply-to A] [--attach FILE]\n"
	    "  gmail watch start --topic T [--label L]\n"
	    "  gmail watch serve --hook-url http://127.0.0.1:P/PATH "
	    "[--hook-token T]\n"
	    "             [--include-body] [--max-bytes N]\n", f);
}

int
gog_gateway_exit(const struct shim_reply *r)
{
	json_t		*st;
	json_int_t	 n;

	switch (r->code) {
	case RPC_INVALID_PARAMS:
		return GOG_EXIT_USAGE;
	case CP_ERR_PEER_UNAUTHORIZED:
		return GOG_EXIT_AUTH;
	case CP_ERR_RECIPIENT_DENIED:
	case CP_ERR_CONTENT_BLOCKED:
	case CP_ERR_CHANNEL_DENIED:
	case CP_ERR_FROZEN:
		return GOG_EXIT_PERMISSION;
	case CP_ERR_RATE_LIMITED:
	case CP_ERR_LIMIT_REACHED:
		return GOG_EXIT_RATE_LIMITED;
	case CP_ERR_TIMEOUT:
		return GOG_EXIT_RETRYABLE;
	case CP_ERR_CHANNEL_UNAVAILABLE:
	case CP_ERR_CONFIG_INVALID:
		return GOG_EXIT_CONFIG;
	case CP_ERR_TOOL_FAILED:
		st = json_object_get(r->data, "exit_status");
		n = json_is_integer(st) ? json_integer_value(st) : 1;
		return n >= 1 && n <= 10 ? (int)n : GOG_EXIT_ERROR;
	default:
		return GOG_EXIT_ERROR;
	}
}

/* Read a body: "-" is standard input, else a file opened as the user. */
static char *
read_body(const char *path, char *err, size_t errlen)
{
	struct buf	 b;
	char		 chunk[8192];
	ssize_t		 r;
	int		 fd;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		(void)snprintf(err, errlen, "read body file: open %s: %s",
		    path, strerror(errno));
		return NULL;
	}
	buf_init(&b, GOG_BODY_MAX);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf_append(&b, chunk, (size_t)r) == -1) {
			r = -2;
			break;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (r != 0 || buf_cstr(&b) == -1) {
		(void)snprintf(err, errlen, "read body file: %s", r == -2 ?
		    "too large" : strerror(errno));
		buf_free(&b);
		return NULL;
	}
	/* buf_cstr made it NUL-terminated; the caller frees it. */
	return b.data;
}

/* "a, b" → ["a","b"], empty entries dropped. */
static json_t *
split_csv(const char *s)
{
	json_t		*out = json_array();
	const char	*p, *end;
	size_t		 n;

	for (p = s; p != NULL && *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0)
			json_array_append_new(out, json_stringn(p, n));
	}
	return out;
}

static const char *
str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
print_kv(const char *k, const char *v)
{
	(void)printf("%s\t%s\n", k, v);
}

/* A search item in gog's field order, empty fields omitted. */
static json_t *
thread_item(json_t *t, int messages)
{
	json_t		*o = json_object(), *l;
	static const char *const keys[] = { "id", "threadId", "date", "from",
	    "subject", NULL };
	size_t		 i;

	for (i = 0; keys[i] != NULL; i++) {
		/* A message row names its thread; a thread row does not. */
		if (i == 1 && !messages)
			continue;
		if (str(t, keys[i])[0] != '\0' || i == 0)
			json_object_set_new(o, keys[i],
			    json_string(str(t, keys[i])));
	}
	l = json_object_get(t, "labels");
	if (json_array_size(l) > 0)
		json_object_set(o, "labels", l);
	/* messages search --include-body: the body last (messageItem). */
	if (messages && str(t, "body")[0] != '\0')
		json_object_set_new(o, "body", json_string(str(t, "body")));
	return o;
}

static void
print_search(const struct gog_args *a, json_t *res)
{
	int		 messages = a->cmd == GOG_MESSAGES_SEARCH;
	json_t		*threads = json_object_get(res, messages ? "messages" :
			    "threads");
	json_t		*t, *out;
	json_t		*items, *rows, *row, *l;
	struct buf	 labels;
	size_t		 i, j;
	const char	*next = str(res, "nextPageToken");

	if (a->json) {
		items = json_array_size(threads) > 0 ? json_array() :
		    json_null();
		json_array_foreach(threads, i, t)
			json_array_append_new(items, thread_item(t, messages));
		/* A Go map: its keys sorted. */
		out = messages ? json_pack("{s:o,s:s}", "messages", items,
		    "nextPageToken", next) : json_pack("{s:s,s:o}",
		    "nextPageToken", next, "threads", items);
		gog_json_print(stdout, out);
		json_decref(out);
		return;
	}
	if (json_array_size(threads) == 0) {
		(void)fputs("No results\n", stderr);
		return;
	}
	rows = json_pack("[[s,s,s,s,s]]", "ID", "DATE", "FROM", "SUBJECT",
	    "LABELS");
	json_array_foreach(threads, i, t) {
		buf_init(&labels, 65536);
		json_array_foreach(json_object_get(t, "labels"), j, l) {
			if (j > 0)
				(void)buf_append(&labels, ",", 1);
			if (json_is_string(l))
				(void)buf_append(&labels, json_string_value(l),
				    json_string_length(l));
		}
		(void)buf_cstr(&labels);
		row = json_pack("[s,s,s,s,s]", str(t, "id"), str(t, "date"),
		    str(t, "from"), str(t, "subject"),
		    labels.data != NULL ? labels.data : "");
		buf_free(&labels);
		json_array_append_new(rows, row);
	}
	gog_table_print(stdout, rows, a->plain);
	json_decref(rows);
	if (next[0] != '\0')
		(void)fprintf(stderr, "# Next page: --page %s\n", next);
}

static void
print_message_text(json_t *msg, int full)
{
	struct buf	 ids;
	json_t		*l;
	size_t		 i;
	char		*body;

	buf_init(&ids, 65536);
	json_array_foreach(json_object_get(msg, "labelIds"), i, l) {
		if (i > 0)
			(void)buf_append(&ids, ",", 1);
		if (json_is_string(l))
			(void)buf_append(&ids, json_string_value(l),
			    json_string_length(l));
	}
	(void)buf_cstr(&ids);
	print_kv("id", str(msg, "id"));
	print_kv("thread_id", str(msg, "threadId"));
	print_kv("label_ids", ids.data != NULL ? ids.data : "");
	buf_free(&ids);
	print_kv("from", gog_header(msg, "From"));
	/* gog prints these four only (internal/cmd/gmail_get.go). */
	print_kv("to", gog_header(msg, "To"));
	print_kv("subject", gog_header(msg, "Subject"));
	print_kv("date", gog_header(msg, "Date"));
	if (full && (body = gog_best_body(json_object_get(msg,
	    "payload"))) != NULL) {
		if (body[0] != '\0')
			(void)printf("\n%s\n", body);
		free(body);
	}
}

/*
 * gog's stripHTMLTags (internal/cmd/gmail_thread.go): script and style
 * elements removed with their content ("(?is)<script[^>]*>.*?</script>"),
 * every other tag replaced by a space, runs of white space made one
 * space, the ends trimmed.  In place.
 */
static void
strip_html(char *s)
{
	static const char *const blocks[][2] = {
		{ "<script", "</script>" }, { "<style", "</style>" } };
	char	*r, *w, *gt, *end;
	size_t	 k;
	int	 space = 0;

	for (k = 0; k < 2; k++)
		for (r = s; (r = strcasestr(r, blocks[k][0])) != NULL;) {
			if ((gt = strchr(r, '>')) == NULL ||
			    (end = strcasestr(gt, blocks[k][1])) == NULL) {
				r++;
				continue;
			}
			end += strlen(blocks[k][1]);
			memmove(r, end, strlen(end) + 1);
		}
	for (r = w = s; *r != '\0'; r++) {
		if (*r == '<' && (gt = strchr(r, '>')) != NULL) {
			r = gt;
			space = 1;
			continue;
		}
		if (strchr(" \t\n\f\r", *r) != NULL) {
			space = 1;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
}

/* Cut s after max code points; 1 if it was longer. */
static int
cut_runes(char *s, size_t max)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80 && n++ == max) {
			*s = '\0';
			return 1;
		}
	return 0;
}

/* collectAttachments: "  - NAME (SIZE bytes)" for each, depth first. */
static void
print_attachments(json_t *part, int depth, int *any)
{
	json_t		*body, *p;
	size_t		 i;
	const char	*name;

	if (depth > 16 || !json_is_object(part))
		return;
	name = str(part, "filename");
	body = json_object_get(part, "body");
	if (name[0] != '\0' && str(body, "attachmentId")[0] != '\0') {
		if (!*any)
			(void)printf("Attachments:\n");
		*any = 1;
		(void)printf("  - %s (%lld bytes)\n", name, (long long)
		    json_integer_value(json_object_get(body, "size")));
	}
	json_array_foreach(json_object_get(part, "parts"), i, p)
		print_attachments(p, depth + 1, any);
}

/* gmail thread get (gogcli internal/cmd/gmail_thread.go). */
static void
print_thread(const struct gog_args *a, json_t *res)
{
	json_t	*thread = json_object_get(res, "thread"), *m, *sorted;
	json_t	*msgs = json_object_get(thread, "messages"), *payload;
	size_t	 i, n = json_array_size(msgs);
	char	*body;
	int	 html = 0, any, cut;

	if (a->json) {
		sorted = gog_json_sorted(res);
		gog_json_print(stdout, sorted);
		json_decref(sorted);
		return;
	}
	if (n == 0) {
		(void)fputs("Empty thread\n", stderr);
		return;
	}
	/* Its Printf adds a newline to a format that ends in one. */
	(void)printf("Thread contains %zu message(s)\n\n\n", n);
	json_array_foreach(msgs, i, m) {
		if (!json_is_object(m))
			continue;
		(void)printf("=== Message %zu/%zu: %s ===\n", i + 1, n,
		    str(m, "id"));
		(void)printf("From: %s\nTo: %s\nSubject: %s\nDate: %s\n\n",
		    gog_header(m, "From"), gog_header(m, "To"),
		    gog_header(m, "Subject"), gog_header(m, "Date"));
		payload = json_object_get(m, "payload");
		if ((body = find_body(payload, "text/plain", 0)) == NULL ||
		    body[0] == '\0') {
			free(body);
			body = find_body(payload, "text/html", 0);
			html = 1;
		} else
			html = 0;
		/* An HTML body with no text still prints its empty line. */
		if (body != NULL && body[0] != '\0') {
			if (html)
				strip_html(body);
			cut = cut_runes(body, 500);
			(void)printf("%s%s\n\n", body, cut ?
			    "... [truncated]" : "");
		}
		free(body);
		any = 0;
		print_attachments(payload, 0, &any);
		if (any)
			(void)printf("\n");
	}
}

static void
print_labels(const struct gog_args *a, json_t *res)
{
	json_t	*labels = json_object_get(res, "labels"), *l, *rows, *out;
	size_t	 i;

	if (a->json) {
		out = gog_json_sorted(res);
		gog_json_print(stdout, out);
		json_decref(out);
		return;
	}
	if (json_array_size(labels) == 0) {
		(void)fputs("No labels\n", stderr);
		return;
	}
	rows = json_pack("[[s,s,s]]", "ID", "NAME", "TYPE");
	json_array_foreach(labels, i, l)
		json_array_append_new(rows, json_pack("[s,s,s]", str(l, "id"),
		    str(l, "name"), str(l, "type")));
	gog_table_print(stdout, rows, a->plain);
	json_decref(rows);
}

static void
print_drafts(const struct gog_args *a, json_t *res)
{
	json_t		*drafts = json_object_get(res, "drafts");
	json_t		*d, *items;
	json_t		*item, *rows, *out;
	size_t		 i;
	const char	*next = str(res, "nextPageToken");

	if (a->json) {
		items = json_array();
		json_array_foreach(drafts, i, d) {
			item = json_pack("{s:s}", "id", str(d, "id"));
			if (str(d, "messageId")[0] != '\0')
				json_object_set_new(item, "messageId",
				    json_string(str(d, "messageId")));
			if (str(d, "threadId")[0] != '\0')
				json_object_set_new(item, "threadId",
				    json_string(str(d, "threadId")));
			json_array_append_new(items, item);
		}
		out = json_pack("{s:o,s:s}", "drafts", items,
		    "nextPageToken", next);
		gog_json_print(stdout, out);
		json_decref(out);
		return;
	}
	if (json_array_size(drafts) == 0) {
		(void)fputs("No drafts\n", stderr);
		return;
	}
	rows = json_pack("[[s,s]]", "ID", "MESSAGE_ID");
	json_array_foreach(drafts, i, d)
		json_array_append_new(rows, json_pack("[s,s]", str(d, "id"),
		    str(d, "messageId")));
	gog_table_print(stdout, rows, a->plain);
	json_decref(rows);
	if (next[0] != '\0')
		(void)fprintf(stderr, "# Next page: --page %s\n", next);
}

/* send / drafts create / drafts send answers. */
static void
print_sent(const struct gog_args *a, json_t *res)
{
	const char	*status = str(res, "status");
	json_t		*out;
	int		 draft = strcmp(status, "draft") == 0;

	if (draft && a->cmd == GOG_SEND)
		(void)fprintf(stderr, "carapace: not sent: saved as draft %s "
		    "for the owner to review and send (draft mode)\n",
		    str(res, "draftId"));
	if (a->json) {
		if (a->cmd == GOG_DRAFTS_CREATE)
			out = json_pack("{s:s,s:{s:s,s:[s]},s:s}",
			    "draftId", str(res, "draftId"), "message", "id",
			    str(res, "messageId"), "labelIds", "DRAFT",
			    "threadId", str(res, "threadId"));
		else if (a->cmd == GOG_DRAFTS_SEND)
			out = json_pack("{s:s,s:s}", "messageId",
			    str(res, "messageId"), "threadId",
			    str(res, "threadId"));
		else if (draft)
			out = json_pack("{s:s,s:b,s:s,s:s,s:s}",
			    "draftId", str(res, "draftId"), "drafted", 1,
			    "from", str(res, "from"), "messageId",
			    str(res, "messageId"), "threadId",
			    str(res, "threadId"));
		else
			out = json_pack("{s:s,s:s,s:s}", "from",
			    str(res, "from"), "messageId",
			    str(res, "messageId"), "threadId",
			    str(res, "threadId"));
		gog_json_print(stdout, out);
		json_decref(out);
		return;
	}
	if (draft)
		print_kv("draft_id", str(res, "draftId"));
	print_kv("message_id", str(res, "messageId"));
	if (str(res, "threadId")[0] != '\0')
		print_kv("thread_id", str(res, "threadId"));
}

static int
call(const char *method, json_t *params, int fd, struct shim_reply *r)
{
	char	err[SHIM_ERR_MAX], text[SHIM_ERR_MAX + 64];
	int	rv;

	rv = shim_call(shim_socket_path(), method, params, fd,
	    SHIM_TIMEOUT_MS, SHIM_MAX_ANSWER, r, err, sizeof(err));
	if (rv != SHIM_OK) {
		(void)fprintf(stderr, "%s\n", err);
		return rv == SHIM_E_TIMEOUT ? GOG_EXIT_RETRYABLE :
		    GOG_EXIT_ERROR;
	}
	if (r->is_error) {
		shim_error_text(r->code, r->message, r->data, text,
		    sizeof(text));
		(void)fprintf(stderr, "%s\n", text);
		rv = gog_gateway_exit(r);
		shim_reply_free(r);
		return rv;
	}
	return 0;
}

/* --NAME or --NAME-file: the one given (read as the user), or NULL. */
static int
body_input(const char *inline_value, const char *file, const char *name,
    char **out)
{
	char	err[512];

	*out = NULL;
	if (inline_value != NULL && inline_value[0] != '\0' && file != NULL) {
		(void)fprintf(stderr, "use only one of --%s or "
		    "--%s-file\n", name, name);
		return GOG_EXIT_USAGE;
	}
	if (file != NULL) {
		if ((*out = read_body(file, err, sizeof(err))) == NULL) {
			(void)fprintf(stderr, "%s\n", err);
			return GOG_EXIT_ERROR;
		}
	} else if (inline_value != NULL)
		*out = xstrdup(inline_value);
	return 0;
}

static int
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t\r\n")] == '\0';
}

/*
 * send and drafts create, checked in gog's order (openclaw/gogcli,
 * internal/cmd/gmail_send.go, GmailSendCmd.Run).  --reply-all and
 * --reply-to go to the gateway, which works out the recipients as gog
 * would and puts every one through policy.
 */
static int
compose_params(const struct gog_args *a, json_t *params, int *fd)
{
	char		 err[512];
	char		*body = NULL, *html = NULL;
	const char	*base;
	int		 rv;

	if ((rv = body_input(a->body, a->body_file, "body", &body)) != 0)
		return rv;
	if ((rv = body_input(a->body_html, a->body_html_file, "body-html",
	    &html)) != 0) {
		free(body);
		return rv;
	}
	rv = GOG_EXIT_USAGE;
	if (a->reply_to_message_id != NULL && a->thread_id != NULL)
		(void)fputs("use only one of --reply-to-message-id or "
		    "--thread-id\n", stderr);
	else if (a->reply_all && a->reply_to_message_id == NULL &&
	    a->thread_id == NULL)
		(void)fputs("--reply-all requires --reply-to-message-id "
		    "or --thread-id\n", stderr);
	else if (blank(a->to) && !a->reply_all)
		(void)fputs("required: --to (or use --reply-all with "
		    "--reply-to-message-id or --thread-id)\n", stderr);
	else if (blank(a->subject))
		(void)fputs("required: --subject\n", stderr);
	else if (blank(body) && blank(html))
		(void)fputs("required: --body, --body-file, or "
		    "--body-html\n", stderr);
	else if (a->from != NULL) {
		(void)fputs("permission denied: carapace: --from is "
		    "not offered (mail leaves as the gateway's account)\n",
		    stderr);
		rv = GOG_EXIT_PERMISSION;
	} else
		rv = 0;
	if (rv != 0) {
		free(body);
		free(html);
		return rv;
	}
	if (!blank(a->to))
		json_object_set_new(params, "to", split_csv(a->to));
	if (a->cc != NULL)
		json_object_set_new(params, "cc", split_csv(a->cc));
	if (a->bcc != NULL)
		json_object_set_new(params, "bcc", split_csv(a->bcc));
	if (!blank(a->reply_to))
		json_object_set_new(params, "reply_to",
		    split_csv(a->reply_to));
	json_object_set_new(params, "subject", shim_json_string(a->subject));
	if (!blank(body))
		json_object_set_new(params, "body", shim_json_string(body));
	if (!blank(html))
		json_object_set_new(params, "body_html",
		    shim_json_string(html));
	free(body);
	free(html);
	if (a->reply_all)
		json_object_set_new(params, "reply_all", json_true());
	if (a->reply_to_message_id != NULL)
		json_object_set_new(params, "reply_to_message_id",
		    shim_json_string(a->reply_to_message_id));
	if (a->thread_id != NULL && a->cmd == GOG_SEND)
		json_object_set_new(params, "thread_id",
		    shim_json_string(a->thread_id));
	if (a->nattach > 1) {
		(void)fputs("carapace: one --attach per message\n",
		    stderr);
		return GOG_EXIT_USAGE;
	}
	if (a->nattach == 1) {
		if ((*fd = shim_open_attachment(a->attach[0], err,
		    sizeof(err))) == -1) {
			(void)fprintf(stderr, "%s\n", err);
			return GOG_EXIT_ERROR;
		}
		base = strrchr(a->attach[0], '/');
		base = base != NULL ? base + 1 : a->attach[0];
		json_object_set_new(params, "attachments",
		    json_pack("[{s:o}]", "name", shim_json_string(base)));
	}
	return 0;
}

/*
 * get --format metadata --headers A,B (gog's splitCSV): the names, and
 * From, which the gateway's inbound policy reads (a message without it
 * is not shown).
 */
static void
metadata_headers(const char *list, json_t *params)
{
	json_t		*names = split_csv(list), *e;
	struct buf	 b;
	size_t		 i;
	int		 from = 0;

	if (json_array_size(names) == 0) {
		json_decref(names);
		return;
	}
	buf_init(&b, 8192);
	json_array_foreach(names, i, e) {
		if (strcasecmp(json_string_value(e), "From") == 0)
			from = 1;
		if (i > 0)
			(void)buf_append(&b, ",", 1);
		(void)buf_append(&b, json_string_value(e),
		    json_string_length(e));
	}
	if (!from)
		(void)buf_append(&b, ",From", 5);
	if (buf_cstr(&b) == 0)
		json_object_set_new(params, "headers",
		    shim_json_string(b.data));
	buf_free(&b);
	json_decref(names);
}

/* --max and --page, as gmail.search and gmail.drafts.list take them. */
static void
paging_params(const struct gog_args *a, json_t *params)
{
	if (a->max != -1)
		json_object_set_new(params, "max", json_integer(a->max));
	if (a->page != NULL)
		json_object_set_new(params, "page", shim_json_string(a->page));
}

int
shim_gog_main(int argc, char **argv)
{
	struct gog_args		 a;
	struct shim_reply	 r;
	json_t			*params, *out;
	const char		*method = NULL;
	char			 err[512];
	int			 rv, fd = -1;

	if ((rv = gog_parse(argc, argv, &a, err, sizeof(err))) != 0) {
		/* errfmt.Format on kong's parse error (internal/errfmt). */
		if (strncmp(err, "unknown flag", 12) == 0)
			(void)fprintf(stderr, "%s\nRun with --help to see "
			    "available flags\n", err);
		else if (strstr(err, "missing") != NULL ||
		    strstr(err, "required") != NULL)
			(void)fprintf(stderr, "%s\nRun with --help to see "
			    "usage\n", err);
		else
			(void)fprintf(stderr, "%s\n", err);
		return rv;
	}
	if (a.cmd == GOG_VERSION) {
		(void)printf("%s\n", GOG_SHIM_VERSION);
		return 0;
	}
	if (a.cmd == GOG_HELP) {
		gog_usage(stdout);
		return 0;
	}
	if (a.json && a.plain) {
		(void)fputs("invalid output mode (cannot combine --json and "
		    "--plain)\n", stderr);
		return GOG_EXIT_USAGE;
	}
	params = json_pack("{s:s}", "channel", "gmail");
	switch (a.cmd) {
	case GOG_SEARCH:
	case GOG_MESSAGES_SEARCH:
		method = "gmail.search";
		json_object_set_new(params, "query", shim_json_string(a.query));
		if (a.cmd == GOG_MESSAGES_SEARCH)
			json_object_set_new(params, "messages", json_true());
		if (a.cmd == GOG_MESSAGES_SEARCH && a.include_body)
			json_object_set_new(params, "include_body",
			    json_true());
		paging_params(&a, params);
		break;
	case GOG_GET:
		method = "gmail.get";
		json_object_set_new(params, "id",
		    shim_json_string(a.positional[0]));
		if (a.format != NULL)
			json_object_set_new(params, "format",
			    shim_json_string(a.format));
		if (a.format != NULL && strcmp(a.format, "metadata") == 0 &&
		    a.headers != NULL)
			metadata_headers(a.headers, params);
		break;
	case GOG_THREAD_GET:
		method = "gmail.thread";
		json_object_set_new(params, "id",
		    shim_json_string(a.positional[0]));
		break;
	case GOG_LABELS_LIST:
		method = "gmail.labels";
		break;
	case GOG_DRAFTS_LIST:
		method = "gmail.drafts.list";
		paging_params(&a, params);
		break;
	case GOG_DRAFTS_SEND:
		method = "gmail.drafts.send";
		json_object_set_new(params, "id",
		    shim_json_string(a.positional[0]));
		break;
	case GOG_DRAFTS_CREATE:
	case GOG_SEND:
		method = a.cmd == GOG_SEND ? "send" : "gmail.drafts.create";
		if ((rv = compose_params(&a, params, &fd)) != 0) {
			json_decref(params);
			return rv;
		}
		break;
	default:
		json_decref(params);
		(void)fprintf(stderr, "permission denied: this gog "
		    "command is not offered through carapace\n");
		return GOG_EXIT_PERMISSION;
	}
	rv = call(method, params, fd, &r);
	json_decref(params);
	if (fd != -1)
		close(fd);
	if (rv != 0)
		return rv;
	switch (a.cmd) {
	case GOG_SEARCH:
	case GOG_MESSAGES_SEARCH:
		print_search(&a, r.result);
		break;
	case GOG_GET:
		if (a.json) {
			out = gog_json_sorted(r.result);
			gog_json_print(stdout, out);
			json_decref(out);
		} else
			print_message_text(json_object_get(r.result, "message"),
			    a.format == NULL || strcmp(a.format, "full") == 0);
		break;
	case GOG_THREAD_GET:
		print_thread(&a, r.result);
		break;
	case GOG_LABELS_LIST:
		print_labels(&a, r.result);
		break;
	case GOG_DRAFTS_LIST:
		print_drafts(&a, r.result);
		break;
	default:
		print_sent(&a, r.result);
		break;
	}
	shim_reply_free(&r);
	return fflush(stdout) == 0 ? 0 : GOG_EXIT_ERROR;
}
