/*
 * The discord shim: `discord send|read|channels|status` turned into one
 * gateway request on channel "discord", the answer printed as plain
 * text or, with --json, one JSON object per line.  The command line and
 * its exit statuses are Carapace's own (doc/discord.1): no standard
 * Discord CLI exists to imitate.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "protocol.h"
#include "shim.h"
#include "shim-discord.h"

#define STDIN_TEXT_MAX	16384
#define ID_MAX		32

struct discord_args {
	enum shim_discord_cmd	 cmd;
	int			 json;
	const char		*to;
	const char		*text;
	const char		*reply_to;
	const char		*file;
	const char		*limit;
	const char		*before;
	char			 target[ID_MAX + 16];
};

static const char usage_text[] =
    "usage: discord [--json] send --to TARGET [--text TEXT] [--file PATH]"
    " [--reply-to ID]\n"
    "       discord [--json] read (--channel ID | --user ID | --to TARGET)"
    " [--limit N] [--before ID]\n"
    "       discord [--json] channels [--limit N]\n"
    "       discord [--json] status\n"
    "TARGET: channel:ID, user:ID (a direct message) or a contact alias;\n"
    "send reads the text from standard input when --text and --file are\n"
    "absent.\n";

static int __attribute__((__format__(__printf__, 2, 3)))
usage_error(FILE *err, const char *fmt, ...)
{
	va_list	ap;

	(void)fprintf(err, "discord: ");
	va_start(ap, fmt);
	(void)vfprintf(err, fmt, ap);
	va_end(ap);
	(void)fprintf(err, "\n%s", usage_text);
	return SHIM_DISCORD_USAGE;
}

/* Print s with control characters (but newline in text) replaced. */
static void
put_clean(FILE *out, const char *s, int keep_newline)
{
	for (; s != NULL && *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 && !(keep_newline && *s == '\n'))
			(void)fputc('?', out);
		else if (*s == 0x7f)
			(void)fputc('?', out);
		else
			(void)fputc(*s, out);
	}
}

static const char *
str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
print_line(FILE *out, json_t *v)
{
	char	*s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s != NULL) {
		(void)fprintf(out, "%s\n", s);
		free(s);
	}
}

int
shim_discord_print(enum shim_discord_cmd cmd, int json, json_t *result,
    FILE *out)
{
	json_t		*list, *v, *author, *r;
	size_t		 i;
	const char	*name;

	switch (cmd) {
	case SHIM_DISCORD_SEND:
		if (!json_is_string(json_object_get(result, "id")))
			return SHIM_DISCORD_FAILED;
		if (json) {
			v = json_pack("{s:s,s:s,s:s,s:s}", "status", "sent",
			    "id", str(result, "id"), "channel_id",
			    str(result, "channel_id"), "recipient",
			    str(result, "recipient"));
			print_line(out, v);
			json_decref(v);
		} else {
			(void)fprintf(out, "sent ");
			put_clean(out, str(result, "id"), 0);
			(void)fprintf(out, " to ");
			put_clean(out, str(result, "recipient"), 0);
			(void)fprintf(out, "\n");
		}
		return SHIM_DISCORD_OK;
	case SHIM_DISCORD_READ:
		if (!json_is_array(list = json_object_get(result, "messages")))
			return SHIM_DISCORD_FAILED;
		json_array_foreach(list, i, v) {
			if (json) {
				print_line(out, v);
				continue;
			}
			author = json_object_get(v, "author");
			name = str(author, "global_name");
			if (*name == '\0')
				name = str(author, "username");
			put_clean(out, str(v, "timestamp"), 0);
			(void)fprintf(out, " ");
			put_clean(out, name, 0);
			(void)fprintf(out, ": ");
			put_clean(out, str(v, "content"), 1);
			(void)fprintf(out, "\n");
		}
		return SHIM_DISCORD_OK;
	case SHIM_DISCORD_CHANNELS:
		if (!json_is_array(list = json_object_get(result, "chats")))
			return SHIM_DISCORD_FAILED;
		json_array_foreach(list, i, v) {
			if (json) {
				print_line(out, v);
				continue;
			}
			r = json_object_get(v, "recipients");
			if (json_integer_value(json_object_get(v, "type")) == 1 &&
			    json_array_size(r) == 1) {
				(void)fprintf(out, "user:");
				put_clean(out, str(json_array_get(r, 0), "id"),
				    0);
				(void)fprintf(out, " @");
				put_clean(out, str(json_array_get(r, 0),
				    "username"), 0);
				(void)fprintf(out, " (direct message)\n");
			} else {
				(void)fprintf(out, "channel:");
				put_clean(out, str(v, "id"), 0);
				(void)fprintf(out, " #");
				put_clean(out, str(v, "name"), 0);
				(void)fprintf(out, "\n");
			}
		}
		return SHIM_DISCORD_OK;
	case SHIM_DISCORD_STATUS:
		v = json_object_get(result, "bot");
		if (json)
			print_line(out, result);
		else {
			(void)fprintf(out, "discord: available, bot ");
			put_clean(out, str(v, "username"), 0);
			(void)fprintf(out, " (");
			put_clean(out, str(v, "id"), 0);
			(void)fprintf(out, ")\n");
		}
		return SHIM_DISCORD_OK;
	default:
		return SHIM_DISCORD_FAILED;
	}
}

int
shim_discord_print_error(int json, int code, const char *message,
    json_t *data, FILE *out, FILE *err)
{
	char	text[SHIM_ERR_MAX];
	json_t	*v;

	shim_error_text(code, message, data, text, sizeof(text));
	if (json) {
		v = json_pack("{s:{s:i,s:s,s:O*}}", "error", "code", code,
		    "message", text, "data", data);
		print_line(out, v);
		json_decref(v);
	} else
		(void)fprintf(err, "discord: %s\n", text);
	switch (code) {
	case CP_ERR_RECIPIENT_DENIED:
	case CP_ERR_CONTENT_BLOCKED:
	case CP_ERR_PEER_UNAUTHORIZED:
	case CP_ERR_CHANNEL_DENIED:
	case CP_ERR_FROZEN:
		return SHIM_DISCORD_REFUSED;
	case CP_ERR_HELD:
		return SHIM_DISCORD_HELD;
	case CP_ERR_RATE_LIMITED:
	case CP_ERR_LIMIT_REACHED:
		return SHIM_DISCORD_LIMITED;
	case CP_ERR_CHANNEL_UNAVAILABLE:
	case CP_ERR_TIMEOUT:
	case CP_ERR_AUDIT_UNAVAILABLE:
	case CP_ERR_STATE_UNAVAILABLE:
	case CP_ERR_CONFIG_INVALID:
		return SHIM_DISCORD_UNAVAILABLE;
	default:
		return SHIM_DISCORD_FAILED;
	}
}

/* A bare id becomes prefix:id; anything else is refused. */
static int
make_target(struct discord_args *a, const char *prefix, const char *id)
{
	size_t	i;

	if (id[0] == '\0' || strlen(id) > ID_MAX)
		return -1;
	for (i = 0; id[i] != '\0'; i++)
		if (id[i] < '0' || id[i] > '9')
			return -1;
	(void)snprintf(a->target, sizeof(a->target), "%s:%s", prefix, id);
	a->to = a->target;
	return 0;
}

static int
parse(int argc, char **argv, struct discord_args *a, FILE *out, FILE *err)
{
	const char	*opt, *val;
	int		 i, targets = 0;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		opt = argv[i];
		if (strcmp(opt, "--json") == 0) {
			a->json = 1;
			continue;
		}
		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			(void)fputs(usage_text, out);
			return -2;
		}
		if (strcmp(opt, "--version") == 0) {
			(void)fprintf(out, "discord (carapace) %s\n",
			    PACKAGE_VERSION);
			return -2;
		}
		if (opt[0] != '-') {
			if (a->cmd != SHIM_DISCORD_NONE)
				return usage_error(err, "unexpected argument "
				    "%s", opt);
			if (strcmp(opt, "send") == 0)
				a->cmd = SHIM_DISCORD_SEND;
			else if (strcmp(opt, "read") == 0)
				a->cmd = SHIM_DISCORD_READ;
			else if (strcmp(opt, "channels") == 0)
				a->cmd = SHIM_DISCORD_CHANNELS;
			else if (strcmp(opt, "status") == 0)
				a->cmd = SHIM_DISCORD_STATUS;
			else
				return usage_error(err, "unknown command %s",
				    opt);
			continue;
		}
		if (i + 1 >= argc)
			return usage_error(err, "option %s needs a value", opt);
		val = argv[++i];
		if (strcmp(opt, "--to") == 0) {
			a->to = val;
			targets++;
		} else if (strcmp(opt, "--channel") == 0) {
			if (make_target(a, "channel", val) == -1)
				return usage_error(err, "--channel: not a "
				    "Discord id: %s", val);
			targets++;
		} else if (strcmp(opt, "--user") == 0) {
			if (make_target(a, "user", val) == -1)
				return usage_error(err, "--user: not a "
				    "Discord id: %s", val);
			targets++;
		} else if (strcmp(opt, "--text") == 0)
			a->text = val;
		else if (strcmp(opt, "--reply-to") == 0)
			a->reply_to = val;
		else if (strcmp(opt, "--file") == 0)
			a->file = val;
		else if (strcmp(opt, "--limit") == 0)
			a->limit = val;
		else if (strcmp(opt, "--before") == 0)
			a->before = val;
		else
			return usage_error(err, "unknown option %s", opt);
	}
	if (a->cmd == SHIM_DISCORD_NONE)
		return usage_error(err, "%s", "a command is required");
	if (targets > 1)
		return usage_error(err, "%s", "give one of --to, --channel, "
		    "--user");
	switch (a->cmd) {
	case SHIM_DISCORD_SEND:
		if (a->to == NULL)
			return usage_error(err, "%s", "send: --to is required");
		if (a->limit != NULL || a->before != NULL)
			return usage_error(err, "%s", "send: --limit and "
			    "--before are for read");
		break;
	case SHIM_DISCORD_READ:
		if (a->to == NULL)
			return usage_error(err, "%s", "read: --channel, --user "
			    "or --to is required");
		if (a->text != NULL || a->reply_to != NULL ||
		    a->file != NULL)
			return usage_error(err, "%s", "read: --text, "
			    "--reply-to and --file are for send");
		break;
	default:
		if (a->to != NULL || a->text != NULL || a->reply_to != NULL ||
		    a->file != NULL ||
		    a->before != NULL || (a->limit != NULL &&
		    a->cmd != SHIM_DISCORD_CHANNELS))
			return usage_error(err, "%s", "this command takes no "
			    "such option");
		break;
	}
	return 0;
}

static int
read_text(FILE *in, char **text)
{
	char	*buf = malloc(STDIN_TEXT_MAX + 1);
	size_t	 n;

	if (buf == NULL)
		return -1;
	n = fread(buf, 1, STDIN_TEXT_MAX + 1, in);
	if (ferror(in) || n > STDIN_TEXT_MAX) {
		free(buf);
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	*text = buf;
	return 0;
}

int
shim_discord_run(int argc, char **argv, const char *socket, int timeout_ms,
    FILE *in, FILE *out, FILE *err)
{
	struct discord_args	 a;
	struct shim_reply	 reply;
	json_t			*params;
	const char		*method, *errstr;
	char			*stdin_text = NULL, msg[SHIM_ERR_MAX];
	const char		*base;
	long long		 limit;
	int			 r, rc, fd = -1;

	if ((r = parse(argc, argv, &a, out, err)) != 0)
		return r == -2 ? SHIM_DISCORD_OK : r;
	params = json_pack("{s:s}", "channel", "discord");
	switch (a.cmd) {
	case SHIM_DISCORD_SEND:
		method = "send";
		/* The file is opened here, as the caller; only its name
		 * travels, with the open descriptor. */
		if (a.file != NULL) {
			if ((fd = shim_open_attachment(a.file, msg,
			    sizeof(msg))) == -1) {
				json_decref(params);
				(void)fprintf(err, "discord: %s\n", msg);
				return SHIM_DISCORD_USAGE;
			}
			base = strrchr(a.file, '/');
			base = base != NULL ? base + 1 : a.file;
			json_object_set_new(params, "attachment",
			    json_pack("{s:o}", "name",
			    shim_json_string(base)));
		}
		if (a.text == NULL && a.file == NULL) {
			if (read_text(in, &stdin_text) == -1) {
				json_decref(params);
				return usage_error(err, "%s", "cannot read the "
				    "text from standard input (16 KiB at "
				    "most)");
			}
			a.text = stdin_text;
		}
		json_object_set_new(params, "to", shim_json_string(a.to));
		if (a.text != NULL)
			json_object_set_new(params, "text",
			    shim_json_string(a.text));
		if (a.reply_to != NULL)
			json_object_set_new(params, "reply_to",
			    shim_json_string(a.reply_to));
		break;
	case SHIM_DISCORD_READ:
		method = "messages.history";
		json_object_set_new(params, "to", shim_json_string(a.to));
		if (a.before != NULL)
			json_object_set_new(params, "before",
			    shim_json_string(a.before));
		break;
	case SHIM_DISCORD_CHANNELS:
		method = "chats.list";
		break;
	default:
		method = "status";
		break;
	}
	if (a.limit != NULL) {
		limit = strtonum(a.limit, 1, 1000, &errstr);
		if (errstr != NULL) {
			json_decref(params);
			free(stdin_text);
			if (fd != -1)
				close(fd);
			return usage_error(err, "--limit: %s", errstr);
		}
		json_object_set_new(params, "limit", json_integer(limit));
	}
	r = shim_call(socket, method, params, fd, timeout_ms,
	    SHIM_MAX_ANSWER, &reply, msg, sizeof(msg));
	if (fd != -1)
		close(fd);
	json_decref(params);
	free(stdin_text);
	if (r != SHIM_OK) {
		if (a.json) {
			json_t *v = json_pack("{s:{s:i,s:s}}", "error", "code",
			    CP_ERR_CHANNEL_UNAVAILABLE, "message", msg);

			print_line(out, v);
			json_decref(v);
		} else
			(void)fprintf(err, "discord: %s\n", msg);
		return SHIM_DISCORD_UNAVAILABLE;
	}
	if (reply.is_error)
		rc = shim_discord_print_error(a.json, reply.code,
		    reply.message, reply.data, out, err);
	else if ((rc = shim_discord_print(a.cmd, a.json, reply.result,
	    out)) != SHIM_DISCORD_OK)
		(void)fprintf(err, "discord: unexpected answer from the "
		    "gateway\n");
	shim_reply_free(&reply);
	if (fflush(out) == EOF)
		return SHIM_DISCORD_FAILED;
	return rc;
}

int
shim_discord_main(int argc, char **argv)
{
	return shim_discord_run(argc, argv, shim_socket_path(),
	    SHIM_TIMEOUT_MS, stdin, stdout, stderr);
}
