/*
 * The signal-cli command line on top of shim-signal.c: global options and
 * the commands clients use (send, receive, listGroups, listContacts,
 * sendReaction, sendTyping, sendReceipt, remoteDelete), `jsonRpc` on
 * stdio and `daemon --http` / `--socket`.  Every command builds the params signal-cli's JSON-RPC would
 * take and goes through shim_signal_call(), so the command line, stdio
 * and HTTP share one mapping onto the gateway.  Output text, streams and
 * exit codes follow signal-cli (results on stdout, errors on stderr;
 * 1 user error, 2 unexpected, 3 I/O, 4 untrusted key, 5 rate limit).
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "protocol.h"
#include "shim.h"
#include "shim-signal.h"
#include "util.h"

#define STDIN_MAX		(16 * 1024 * 1024)

enum opt_kind { OPT_FLAG, OPT_VALUE, OPT_INTEGER, OPT_LIST, OPT_INT_LIST,
    OPT_OPTIONAL };

struct opt {
	const char	*shortname;
	const char	*longname;
	const char	*alias;
	enum opt_kind	 kind;
	const char	*key;		/* the JSON-RPC param */
};

struct command {
	const char		*name;
	const char		*positional;	/* key, or NULL: none */
	const struct opt	*opts;
};

static const struct opt send_opts[] = {
	{ "-g", "--group-id", "--group", OPT_LIST, "groupId" },
	{ "-u", "--username", NULL, OPT_LIST, "username" },
	{ "-m", "--message", NULL, OPT_VALUE, "message" },
	{ NULL, "--message-from-stdin", NULL, OPT_FLAG, "messageFromStdin" },
	{ "-a", "--attachment", NULL, OPT_LIST, "attachment" },
	{ "-e", "--end-session", "--endsession", OPT_FLAG, "endSession" },
	{ NULL, "--note-to-self", NULL, OPT_FLAG, "noteToSelf" },
	{ NULL, "--notify-self", NULL, OPT_FLAG, "notifySelf" },
	{ NULL, "--mention", NULL, OPT_LIST, "mention" },
	{ NULL, "--text-style", NULL, OPT_LIST, "textStyle" },
	{ NULL, "--quote-timestamp", NULL, OPT_INTEGER, "quoteTimestamp" },
	{ NULL, "--quote-author", NULL, OPT_VALUE, "quoteAuthor" },
	{ NULL, "--quote-message", NULL, OPT_VALUE, "quoteMessage" },
	{ NULL, "--quote-mention", NULL, OPT_LIST, "quoteMention" },
	{ NULL, "--quote-attachment", NULL, OPT_LIST, "quoteAttachment" },
	{ NULL, "--quote-text-style", NULL, OPT_LIST, "quoteTextStyle" },
	{ NULL, "--sticker", NULL, OPT_VALUE, "sticker" },
	{ NULL, "--preview-url", NULL, OPT_VALUE, "previewUrl" },
	{ NULL, "--preview-title", NULL, OPT_VALUE, "previewTitle" },
	{ NULL, "--preview-description", NULL, OPT_VALUE,
	    "previewDescription" },
	{ NULL, "--preview-image", NULL, OPT_VALUE, "previewImage" },
	{ NULL, "--story-timestamp", NULL, OPT_INTEGER, "storyTimestamp" },
	{ NULL, "--story-author", NULL, OPT_VALUE, "storyAuthor" },
	{ NULL, "--edit-timestamp", NULL, OPT_INTEGER, "editTimestamp" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt reaction_opts[] = {
	{ "-g", "--group-id", "--group", OPT_LIST, "groupId" },
	{ "-u", "--username", NULL, OPT_LIST, "username" },
	{ "-e", "--emoji", NULL, OPT_VALUE, "emoji" },
	{ "-a", "--target-author", NULL, OPT_VALUE, "targetAuthor" },
	{ "-t", "--target-timestamp", NULL, OPT_INTEGER, "targetTimestamp" },
	{ "-r", "--remove", NULL, OPT_FLAG, "remove" },
	{ NULL, "--story", NULL, OPT_FLAG, "story" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt typing_opts[] = {
	{ "-g", "--group-id", "--group", OPT_LIST, "groupId" },
	{ "-s", "--stop", NULL, OPT_FLAG, "stop" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt receipt_opts[] = {
	{ "-t", "--target-timestamp", NULL, OPT_INT_LIST, "targetTimestamp" },
	{ NULL, "--type", NULL, OPT_VALUE, "type" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt delete_opts[] = {
	{ "-t", "--target-timestamp", NULL, OPT_INTEGER, "targetTimestamp" },
	{ "-g", "--group-id", "--group", OPT_LIST, "groupId" },
	{ "-u", "--username", NULL, OPT_LIST, "username" },
	{ NULL, "--note-to-self", NULL, OPT_FLAG, "noteToSelf" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt groups_opts[] = {
	{ "-d", "--detailed", NULL, OPT_FLAG, "detailed" },
	{ "-g", "--group-id", NULL, OPT_LIST, "groupId" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt contacts_opts[] = {
	{ "-a", "--all-recipients", NULL, OPT_FLAG, "allRecipients" },
	{ NULL, "--blocked", NULL, OPT_VALUE, "blocked" },
	{ NULL, "--name", NULL, OPT_VALUE, "name" },
	{ NULL, "--detailed", NULL, OPT_FLAG, "detailed" },
	{ NULL, "--internal", NULL, OPT_FLAG, "internal" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt receive_opts[] = {
	{ "-t", "--timeout", NULL, OPT_VALUE, "timeout" },
	{ NULL, "--max-messages", NULL, OPT_INTEGER, "maxMessages" },
	{ NULL, "--ignore-attachments", NULL, OPT_FLAG, "ignoreAttachments" },
	{ NULL, "--ignore-stories", NULL, OPT_FLAG, "ignoreStories" },
	{ NULL, "--ignore-avatars", NULL, OPT_FLAG, "ignoreAvatars" },
	{ NULL, "--ignore-stickers", NULL, OPT_FLAG, "ignoreStickers" },
	{ NULL, "--send-read-receipts", NULL, OPT_FLAG, "sendReadReceipts" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt daemon_opts[] = {
	{ NULL, "--http", NULL, OPT_OPTIONAL, "http" },
	{ NULL, "--socket", NULL, OPT_OPTIONAL, "socket" },
	{ NULL, "--tcp", NULL, OPT_OPTIONAL, "tcp" },
	{ NULL, "--dbus", NULL, OPT_FLAG, "dbus" },
	{ NULL, "--dbus-system", "--system", OPT_FLAG, "dbusSystem" },
	{ NULL, "--bus-name", NULL, OPT_VALUE, "busName" },
	{ NULL, "--receive-mode", NULL, OPT_VALUE, "receiveMode" },
	{ NULL, "--no-receive-stdout", NULL, OPT_FLAG, "noReceiveStdout" },
	{ NULL, "--ignore-attachments", NULL, OPT_FLAG, "ignoreAttachments" },
	{ NULL, "--ignore-stories", NULL, OPT_FLAG, "ignoreStories" },
	{ NULL, "--ignore-avatars", NULL, OPT_FLAG, "ignoreAvatars" },
	{ NULL, "--ignore-stickers", NULL, OPT_FLAG, "ignoreStickers" },
	{ NULL, "--send-read-receipts", NULL, OPT_FLAG, "sendReadReceipts" },
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct opt no_opts[] = {
	{ NULL, NULL, NULL, OPT_FLAG, NULL }
};

static const struct command commands[] = {
	{ "send", "recipient", send_opts },
	{ "sendReaction", "recipient", reaction_opts },
	{ "sendTyping", "recipient", typing_opts },
	{ "sendReceipt", "recipient", receipt_opts },
	{ "remoteDelete", "recipient", delete_opts },
	{ "listGroups", NULL, groups_opts },
	{ "listContacts", "recipient", contacts_opts },
	{ "listAccounts", NULL, no_opts },
	{ "receive", NULL, receive_opts },
	{ "daemon", NULL, daemon_opts },
	{ "jsonRpc", NULL, daemon_opts },
	{ NULL, NULL, NULL }
};

struct cli {
	const char	*account;
	int		 json;
	const struct command *cmd;
	json_t		*params;
};

static void	 usage_error(FILE *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
usage_error(FILE *err, const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	if (cmd == NULL)
		(void)fprintf(err, "usage: signal-cli [-h] [--version] "
		    "[-v] [--config CONFIG] [-a ACCOUNT] "
		    "[-o {plain-text,json}] COMMAND ...\n");
	else
		(void)fprintf(err, "usage: signal-cli %s [-h] ...\n", cmd);
	(void)fprintf(err, "signal-cli%s%s: error: ", cmd != NULL ? " " : "",
	    cmd != NULL ? cmd : "");
	va_start(ap, fmt);
	(void)vfprintf(err, fmt, ap);
	va_end(ap);
	(void)fputc('\n', err);
}

static void
print_help(FILE *out)
{
	const struct command	*c;

	(void)fprintf(out, "usage: signal-cli [-h] [--version] [-v] "
	    "[--config CONFIG] [-a ACCOUNT]\n"
	    "                  [-o {plain-text,json}] COMMAND ...\n\n"
	    "Commandline interface for Signal (Carapace shim).\n\n"
	    "Commands:\n");
	for (c = commands; c->name != NULL; c++)
		(void)fprintf(out, "    %s\n", c->name);
}

static const struct opt *
find_opt(const struct opt *opts, const char *arg, const char **inline_value)
{
	const struct opt	*o;
	const char		*eq;
	size_t			 len;

	*inline_value = NULL;
	/* argparse4j: a short option's value may follow it at once. */
	if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0' &&
	    arg[2] != '\0') {
		for (o = opts; o->key != NULL; o++)
			if (o->shortname != NULL && o->kind != OPT_FLAG &&
			    strncmp(arg, o->shortname, 2) == 0) {
				*inline_value = arg + 2;
				return o;
			}
		return NULL;
	}
	eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
	len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	for (o = opts; o->key != NULL; o++) {
		if ((o->shortname != NULL && eq == NULL &&
		    strcmp(arg, o->shortname) == 0) ||
		    (o->longname != NULL && strlen(o->longname) == len &&
		    strncmp(arg, o->longname, len) == 0) ||
		    (o->alias != NULL && strlen(o->alias) == len &&
		    strncmp(arg, o->alias, len) == 0)) {
			if (eq != NULL)
				*inline_value = eq + 1;
			return o;
		}
	}
	return NULL;
}

static int
parse_long(const char *s, long long *out)
{
	char	*end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return *s == '\0' || *end != '\0' || errno != 0 ? -1 : 0;
}

/* Append v (as a string or integer) to the list param key. */
static int
list_add(json_t *params, const char *key, json_t *v)
{
	json_t	*list;

	if ((list = json_object_get(params, key)) == NULL) {
		if ((list = json_array()) == NULL ||
		    json_object_set_new(params, key, list) == -1)
			return -1;
	}
	return json_array_append_new(list, v);
}

/* Parse a command's arguments into JSON-RPC params: 0 or -1 (printed). */
static int
parse_command(const struct command *cmd, int argc, char **argv, int i,
    json_t *params, FILE *err)
{
	const struct opt	*o;
	const char		*arg, *iv;
	long long		 n;
	int			 rest = 0;
	json_t			*v;

	for (; i < argc; i++) {
		arg = argv[i];
		if (rest || arg[0] != '-' || arg[1] == '\0') {
			if (cmd->positional == NULL) {
				usage_error(err, cmd->name,
				    "unrecognized arguments: '%s'", arg);
				return -1;
			}
			if (list_add(params, cmd->positional,
			    shim_json_string(arg)) == -1)
				return -1;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			rest = 1;
			continue;
		}
		if ((o = find_opt(cmd->opts, arg, &iv)) == NULL) {
			usage_error(err, cmd->name,
			    "unrecognized arguments: '%s'", arg);
			return -1;
		}
		switch (o->kind) {
		case OPT_FLAG:
			if (json_object_set_new(params, o->key, json_true()))
				return -1;
			break;
		case OPT_OPTIONAL:
			if (iv == NULL && i + 1 < argc && argv[i + 1][0] != '-')
				iv = argv[++i];
			if (json_object_set_new(params, o->key, iv != NULL ?
			    shim_json_string(iv) : json_true()) == -1)
				return -1;
			break;
		case OPT_VALUE:
		case OPT_INTEGER:
			if (iv == NULL) {
				if (i + 1 >= argc) {
					usage_error(err, cmd->name,
					    "argument %s: expected one "
					    "argument", o->longname);
					return -1;
				}
				iv = argv[++i];
			}
			if (o->kind == OPT_VALUE)
				v = shim_json_string(iv);
			else if (parse_long(iv, &n) == -1) {
				(void)fprintf(err, "usage: signal-cli %s "
				    "[-h] ...\nsignal-cli %s: error: "
				    "argument %s: could not convert '%s' to "
				    "Long\n", cmd->name, cmd->name,
				    o->longname, iv);
				return -1;
			} else
				v = json_integer(n);
			if (json_object_set_new(params, o->key, v) == -1)
				return -1;
			break;
		case OPT_LIST:
		case OPT_INT_LIST:
			/* nargs("*"): every following non-option. */
			if (json_object_get(params, o->key) == NULL &&
			    json_object_set_new(params, o->key,
			    json_array()) == -1)
				return -1;
			if (iv != NULL && list_add(params, o->key,
			    shim_json_string(iv)) == -1)
				return -1;
			while (iv == NULL && i + 1 < argc &&
			    (argv[i + 1][0] != '-' || argv[i + 1][1] == '\0')) {
				arg = argv[++i];
				if (o->kind == OPT_LIST)
					v = shim_json_string(arg);
				else if (parse_long(arg, &n) == -1) {
					(void)fprintf(err, "usage: signal-cli "
					    "%s [-h] ...\nsignal-cli %s: "
					    "error: argument %s: could not "
					    "convert '%s' to Long\n",
					    cmd->name, cmd->name, o->longname,
					    arg);
					return -1;
				} else
					v = json_integer(n);
				if (list_add(params, o->key, v) == -1)
					return -1;
			}
			break;
		}
	}
	return 0;
}

/* ---- output -------------------------------------------------------- */

static const char *
str(json_t *obj, const char *key)
{
	json_t	*v;

	v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

static const char *
boolstr(json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key)) ? "true" : "false";
}

/* Java's Set/List toString of member identifiers: "[+1555, uuid]". */
static void
print_members(FILE *out, json_t *members)
{
	json_t		*m;
	size_t		 i;
	const char	*id;

	(void)fputc('[', out);
	json_array_foreach(members, i, m) {
		id = json_is_string(json_object_get(m, "number")) ?
		    str(m, "number") : str(m, "uuid");
		(void)fprintf(out, "%s%s", i > 0 ? ", " : "", id);
	}
	(void)fputc(']', out);
}

static int
print_send_result(FILE *out, json_t *result)
{
	json_t		*results, *r, *addr, *ts;
	size_t		 i;
	int		 header = 0;
	const char	*type, *id;

	ts = json_object_get(result, "timestamp");
	if (!json_is_object(result))
		return -1;
	if (!json_is_integer(ts))
		return 0;	/* a daemon that answers {} */
	results = json_object_get(result, "results");
	json_array_foreach(results, i, r) {
		type = str(r, "type");
		if (strcmp(type, "SUCCESS") == 0 || *type == '\0')
			continue;
		if (!header++)
			(void)fprintf(out, "Failed to send (some) messages:\n");
		addr = json_object_get(r, "recipientAddress");
		id = json_is_string(json_object_get(addr, "number")) ?
		    str(addr, "number") : str(addr, "uuid");
		if (strcmp(type, "NETWORK_FAILURE") == 0)
			(void)fprintf(out, "Network failure for \"%s\"\n", id);
		else if (strcmp(type, "UNREGISTERED_FAILURE") == 0)
			(void)fprintf(out, "Unregistered user \"%s\"\n", id);
		else if (strcmp(type, "IDENTITY_FAILURE") == 0)
			(void)fprintf(out, "Untrusted Identity for \"%s\"\n",
			    id);
		else
			(void)fprintf(out, "%s for \"%s\"\n", type, id);
	}
	(void)fprintf(out, "%lld\n", (long long)json_integer_value(ts));
	return 0;
}

int
shim_signal_print_result(FILE *out, const char *command, json_t *result,
    int json, int detailed)
{
	json_t		*g, *c, *profile, *v;
	char		*text;
	size_t		 i;
	long long	 exp;

	if (json) {
		text = json_dumps(result, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_ENCODE_ANY);
		if (text == NULL)
			return -1;
		(void)fprintf(out, "%s\n", text);
		free(text);
		return 0;
	}
	/* SendMessageResultUtils.outputResult, for each of these. */
	if (strcmp(command, "send") == 0 ||
	    strcmp(command, "sendReaction") == 0 ||
	    strcmp(command, "sendTyping") == 0 ||
	    strcmp(command, "sendReceipt") == 0 ||
	    strcmp(command, "remoteDelete") == 0)
		return print_send_result(out, result);
	if (strcmp(command, "listGroups") == 0) {
		if (!json_is_array(result))
			return -1;
		json_array_foreach(result, i, g) {
			if (!detailed) {
				(void)fprintf(out, "Id: %s Name: %s  Active: "
				    "%s Blocked: %s\n", str(g, "id"),
				    str(g, "name"), boolstr(g, "isMember"),
				    boolstr(g, "isBlocked"));
				continue;
			}
			(void)fprintf(out, "Id: %s Name: %s Description: %s "
			    "Active: %s Blocked: %s Members: ", str(g, "id"),
			    str(g, "name"), str(g, "description"),
			    boolstr(g, "isMember"), boolstr(g, "isBlocked"));
			print_members(out, json_object_get(g, "members"));
			(void)fprintf(out, " Pending members: ");
			print_members(out, json_object_get(g,
			    "pendingMembers"));
			(void)fprintf(out, " Requesting members: ");
			print_members(out, json_object_get(g,
			    "requestingMembers"));
			(void)fprintf(out, " Admins: ");
			print_members(out, json_object_get(g, "admins"));
			(void)fprintf(out, " Banned: ");
			print_members(out, json_object_get(g, "banned"));
			exp = json_integer_value(json_object_get(g,
			    "messageExpirationTime"));
			if (exp == 0)
				(void)fprintf(out, " Message expiration: "
				    "disabled");
			else
				(void)fprintf(out, " Message expiration: "
				    "%llds", exp);
			v = json_object_get(g, "groupInviteLink");
			(void)fprintf(out, " Link: %s\n", json_is_string(v) ?
			    json_string_value(v) : "-");
		}
		return 0;
	}
	if (strcmp(command, "listAccounts") == 0) {
		if (!json_is_array(result))
			return -1;
		json_array_foreach(result, i, c)
			(void)fprintf(out, "Number: %s\n", str(c, "number"));
		return 0;
	}
	if (strcmp(command, "listContacts") == 0) {
		if (!json_is_array(result))
			return -1;
		json_array_foreach(result, i, c) {
			profile = json_object_get(c, "profile");
			exp = json_integer_value(json_object_get(c,
			    "messageExpirationTime"));
			(void)fprintf(out, "Number: %s ACI: %s Name: %s "
			    "Profile name: %s%s%s Username: %s Color: %s "
			    "Blocked: %s Message expiration: ",
			    str(c, "number"), str(c, "uuid"), str(c, "name"),
			    str(profile, "givenName"),
			    *str(profile, "familyName") != '\0' ? " " : "",
			    str(profile, "familyName"), str(c, "username"),
			    str(c, "color"), boolstr(c, "isBlocked"));
			if (exp == 0)
				(void)fprintf(out, "disabled\n");
			else
				(void)fprintf(out, "%llds\n", exp);
		}
		return 0;
	}
	return 0;
}

static void
print_ts(FILE *out, const char *label, json_t *v)
{
	char	iso[64];

	if (!json_is_integer(v))
		return;
	util_iso8601((uint64_t)json_integer_value(v), iso, sizeof(iso));
	(void)fprintf(out, "%s: %lld (%s)\n", label,
	    (long long)json_integer_value(v), iso);
}

int
shim_signal_print_envelope(FILE *out, json_t *message, int json)
{
	json_t		*env, *dm, *g, *atts, *a;
	char		*text;
	size_t		 i;

	if (!json_is_object(message) ||
	    !json_is_object(env = json_object_get(message, "envelope")))
		return -1;
	if (json) {
		if ((text = json_dumps(message, JSON_COMPACT |
		    JSON_PRESERVE_ORDER)) == NULL)
			return -1;
		(void)fprintf(out, "%s\n", text);
		free(text);
		return 0;
	}
	(void)fprintf(out, "Envelope from: ");
	if (*str(env, "sourceName") != '\0')
		(void)fprintf(out, "\xe2\x80\x9c%s\xe2\x80\x9d ",
		    str(env, "sourceName"));
	(void)fprintf(out, "%s (device: %lld) to %s\n",
	    *str(env, "sourceNumber") != '\0' ? str(env, "sourceNumber") :
	    str(env, "sourceUuid"),
	    (long long)json_integer_value(json_object_get(env,
	    "sourceDevice")), str(message, "account"));
	print_ts(out, "Timestamp", json_object_get(env, "timestamp"));
	if (json_is_object(dm = json_object_get(env, "dataMessage"))) {
		print_ts(out, "Message timestamp",
		    json_object_get(dm, "timestamp"));
		if (json_is_string(json_object_get(dm, "message")))
			(void)fprintf(out, "Body: %s\n", str(dm, "message"));
		if (json_is_object(g = json_object_get(dm, "groupInfo"))) {
			(void)fprintf(out, "Group info:\n  Id: %s\n",
			    str(g, "groupId"));
			if (*str(g, "groupName") != '\0')
				(void)fprintf(out, "  Name: %s\n",
				    str(g, "groupName"));
			(void)fprintf(out, "  Type: %s\n", str(g, "type"));
		}
		atts = json_object_get(dm, "attachments");
		if (json_array_size(atts) > 0) {
			(void)fprintf(out, "Attachments:\n");
			json_array_foreach(atts, i, a)
				(void)fprintf(out, "- %s (file: %s)\n",
				    str(a, "contentType"), str(a, "id"));
		}
	} else if (json_is_object(json_object_get(env, "typingMessage")))
		(void)fprintf(out, "Received a typing message\n");
	else if (json_is_object(json_object_get(env, "receiptMessage")))
		(void)fprintf(out, "Received a receipt message\n");
	(void)fputc('\n', out);
	return 0;
}

/* ---- commands ------------------------------------------------------ */

static int
fail(FILE *err, const struct shim_signal_error *e)
{
	(void)fprintf(err, "%s\n", e->message);
	return shim_signal_exit_status(e->code);
}

/* Read all of stdin (bounded) as the message. */
static int
read_stdin_message(json_t *params, FILE *err)
{
	char	*buf = NULL, *p;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;

	for (;;) {
		if (len == cap) {
			if (cap >= STDIN_MAX) {
				(void)fprintf(err, "Failed to read message "
				    "from stdin: too long\n");
				free(buf);
				return -1;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			if ((p = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				return -1;
			}
			buf = p;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)fprintf(err, "Failed to read message from "
			    "stdin: %s\n", strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (buf == NULL)
		return 0;
	buf[len] = '\0';
	if (json_object_set_new(params, "message",
	    shim_json_string(buf)) == -1) {
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

static int
run_receive(const struct shim_signal_ctx *ctx, json_t *params, int json,
    FILE *out, FILE *err)
{
	struct shim_conn	 conn;
	struct shim_reply	 reply;
	json_t			*sub, *msg, *v;
	char			 why[SHIM_ERR_MAX], *line, *end;
	size_t			 len;
	double			 timeout = 3.0;
	long long		 max = -1, count = 0;
	int			 rc, subscribed = 0, status = 0;

	if ((v = json_object_get(params, "timeout")) != NULL) {
		errno = 0;
		timeout = strtod(json_string_value(v), &end);
		if (*end != '\0' || errno != 0) {
			(void)fprintf(err, "usage: signal-cli receive [-h] "
			    "...\nsignal-cli receive: error: argument -t/"
			    "--timeout: could not convert '%s' to Double\n",
			    json_string_value(v));
			return SIGNAL_EXIT_USER;
		}
	}
	if ((v = json_object_get(params, "maxMessages")) != NULL)
		max = json_integer_value(v);
	if (shim_connect(&conn, ctx->socket_path, ctx->timeout_ms,
	    SHIM_MAX_ANSWER, why, sizeof(why)) != SHIM_OK) {
		(void)fprintf(err, "%s\n", why);
		return SIGNAL_EXIT_IO;
	}
	conn.cancel_fd = shim_catch_signals();
	sub = json_pack("{s:[s]}", "channels", "signal");
	rc = shim_send_request(&conn, "inbox.subscribe", sub, -1, why,
	    sizeof(why));
	json_decref(sub);
	while (rc == SHIM_OK && (max < 0 || count < max)) {
		if (subscribed)
			conn.deadline = timeout < 0 ? 0 : util_mono_ms() +
			    (uint64_t)(timeout * 1000);
		rc = shim_read_line(&conn, &line, &len, why, sizeof(why));
		if (rc != SHIM_OK)
			break;
		if ((msg = json_loadb(line, len, 0, NULL)) == NULL)
			continue;
		if (!subscribed && json_object_get(msg, "id") != NULL) {
			json_decref(msg);
			if ((rc = shim_decode_answer(line, len, &reply, why,
			    sizeof(why))) != SHIM_OK)
				break;
			if (reply.is_error) {
				struct shim_signal_error e;

				shim_signal_map_error(reply.code,
				    reply.message, reply.data, &e);
				shim_reply_free(&reply);
				status = fail(err, &e);
				goto out;
			}
			shim_reply_free(&reply);
			subscribed = 1;
			continue;
		}
		v = json_object_get(msg, "method");
		if (json_is_string(v) && strcmp(json_string_value(v),
		    "inbox.message") == 0 &&
		    shim_signal_print_envelope(out, json_object_get(
		    json_object_get(msg, "params"), "message"), json) == 0) {
			(void)fflush(out);
			count++;
		}
		json_decref(msg);
	}
	if (rc == SHIM_E_TIMEOUT && subscribed)
		rc = SHIM_OK;
	if (rc == SHIM_E_CANCELLED)
		rc = SHIM_OK;
	if (rc != SHIM_OK) {
		(void)fprintf(err, "%s\n", why);
		status = SIGNAL_EXIT_IO;
	}
out:
	shim_close(&conn);
	shim_signals_restore();
	return status;
}

/* ---- daemon -------------------------------------------------------- */

static int
run_daemon(const struct shim_signal_ctx *ctx, json_t *params, FILE *err)
{
	json_t		*http, *sock;
	const char	*addr, *colon, *path;
	char		 host[256], port[16], sockpath[512];
	size_t		 len;

	http = json_object_get(params, "http");
	sock = json_object_get(params, "socket");
	if (json_object_get(params, "tcp") != NULL ||
	    json_is_true(json_object_get(params, "dbus")) ||
	    json_is_true(json_object_get(params, "dbusSystem")) ||
	    (http != NULL && sock != NULL)) {
		(void)fprintf(err, "Only one of daemon --http, daemon "
		    "--socket is available through Carapace\n");
		return SIGNAL_EXIT_USER;
	}
	if (sock != NULL) {
		if (json_is_string(sock))
			path = json_string_value(sock);
		else if (shim_signal_socket_path(sockpath,
		    sizeof(sockpath)) == -1) {
			(void)fprintf(err, "Invalid socket path\n");
			return SIGNAL_EXIT_USER;
		} else
			path = sockpath;
		return shim_signal_socket_serve(ctx, path, params, err);
	}
	if (http == NULL) {
		/* DaemonCommand.setup: no channel given. */
		(void)fprintf(err, "At least one channel parameter is "
		    "required, e.g. --socket or --dbus.\n");
		return SIGNAL_EXIT_USER;
	}
	addr = json_is_string(http) ? json_string_value(http) :
	    "localhost:8080";
	if (addr[0] == '[') {
		colon = strstr(addr, "]:");
		if (colon == NULL)
			goto bad;
		/* Kept with its brackets: the Host rule uses it so. */
		len = (size_t)(colon - addr + 1);
		if (len <= 2 || len >= sizeof(host))
			goto bad;
		memcpy(host, addr, len);
		host[len] = '\0';
		colon++;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL)
			goto bad;
		len = (size_t)(colon - addr);
		if (len == 0 || len >= sizeof(host))
			goto bad;
		memcpy(host, addr, len);
		host[len] = '\0';
	}
	if (strlcpy(port, colon + 1, sizeof(port)) >= sizeof(port) ||
	    port[0] == '\0' || strspn(port, "0123456789") != strlen(port))
		goto bad;
	return shim_http_serve(ctx, host, port, err);
bad:
	(void)fprintf(err, "Invalid HTTP address: %s\n", addr);
	return SIGNAL_EXIT_USER;
}

/*
 * With -a, the account must be the one the gateway sends from, or
 * signal-cli's "User ... is not registered." (exit 1).  When the gateway
 * cannot say (unreachable, daemon down) the command goes on and meets
 * that error itself.  Returns 0 or the exit status.
 */
static int
check_account(const struct shim_signal_ctx *ctx, FILE *err)
{
	struct shim_signal_ctx		 multi;
	struct shim_signal_error	 e;
	json_t				*accounts, *number;
	int				 rc = 0;

	if (ctx->account == NULL)
		return 0;
	multi = *ctx;
	multi.account = NULL;
	if ((accounts = shim_signal_call(&multi, "listAccounts", NULL,
	    &e)) == NULL)
		return 0;
	number = json_object_get(json_array_get(accounts, 0), "number");
	if (json_is_string(number) &&
	    strcmp(json_string_value(number), ctx->account) != 0) {
		(void)fprintf(err, "User %s is not registered.\n",
		    ctx->account);
		rc = SIGNAL_EXIT_USER;
	}
	json_decref(accounts);
	return rc;
}

/* ---- main ---------------------------------------------------------- */

int
shim_signal_run(int argc, char **argv, const char *socket_path,
    int timeout_ms, FILE *out, FILE *err)
{
	struct shim_signal_ctx		 ctx;
	struct shim_signal_error	 e;
	const struct command		*cmd;
	const char			*arg, *v, *name;
	json_t				*params = NULL, *result;
	int				 i, json = 0, status, detailed;

	memset(&ctx, 0, sizeof(ctx));
	ctx.socket_path = socket_path;
	ctx.timeout_ms = timeout_ms;
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (arg[0] != '-')
			break;
		v = NULL;
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			print_help(out);
			return 0;
		}
		if (strcmp(arg, "--version") == 0 || strcmp(arg, "-v") == 0) {
			(void)fprintf(out, "signal-cli %s\n",
			    SHIM_SIGNAL_VERSION);
			return 0;
		}
		if (strcmp(arg, "--verbose") == 0 ||
		    strcmp(arg, "--scrub-log") == 0 ||
		    strcmp(arg, "--disable-send-log") == 0)
			continue;
		if (strcmp(arg, "--dbus") == 0 ||
		    strcmp(arg, "--dbus-system") == 0) {
			(void)fprintf(err, "D-Bus is not available through "
			    "Carapace\n");
			return SIGNAL_EXIT_USER;
		}
		name = arg;
		if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') != NULL)
			v = strchr(arg, '=') + 1;
#define LONG(n) (strncmp(arg, n, sizeof(n) - 1) == 0 && \
    (arg[sizeof(n) - 1] == '\0' || arg[sizeof(n) - 1] == '='))
		if (strcmp(arg, "-a") == 0 || LONG("--account") ||
		    strcmp(arg, "-c") == 0 || LONG("--config") ||
		    strcmp(arg, "-o") == 0 || LONG("--output") ||
		    LONG("--log-file") || LONG("--service-environment") ||
		    LONG("--trust-new-identities") || LONG("--bus-name")) {
			if (v == NULL) {
				if (i + 1 >= argc) {
					usage_error(err, NULL, "argument %s: "
					    "expected one argument", arg);
					return SIGNAL_EXIT_USER;
				}
				v = argv[++i];
			}
			if (strcmp(name, "-a") == 0 || LONG("--account"))
				ctx.account = v;
			else if (strcmp(name, "-o") == 0 || LONG("--output")) {
				if (strcmp(v, "json") == 0)
					json = 1;
				else if (strcmp(v, "plain-text") == 0)
					json = 0;
				else {
					usage_error(err, NULL, "argument "
					    "-o/--output: invalid choice: '%s' "
					    "(choose from 'plain-text', "
					    "'json')", v);
					return SIGNAL_EXIT_USER;
				}
			}
			continue;
		}
#undef LONG
		usage_error(err, NULL, "unrecognized arguments: '%s'", arg);
		return SIGNAL_EXIT_USER;
	}
	if (i >= argc) {
		usage_error(err, NULL, "too few arguments");
		return SIGNAL_EXIT_USER;
	}
	for (cmd = commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[i]) == 0)
			break;
	if (cmd->name == NULL) {
		usage_error(err, NULL, "argument command: invalid choice: "
		    "'%s'", argv[i]);
		return SIGNAL_EXIT_USER;
	}
	if (i + 1 < argc && (strcmp(argv[i + 1], "-h") == 0 ||
	    strcmp(argv[i + 1], "--help") == 0)) {
		(void)fprintf(out, "usage: signal-cli %s [-h] ...\n",
		    cmd->name);
		return 0;
	}
	if ((params = json_object()) == NULL)
		return SIGNAL_EXIT_UNEXPECTED;
	if (parse_command(cmd, argc, argv, i + 1, params, err) == -1) {
		json_decref(params);
		return SIGNAL_EXIT_USER;
	}
	/* sendReceipt's recipient is one positional argument. */
	if (strcmp(cmd->name, "sendReceipt") == 0 &&
	    json_is_array(json_object_get(params, "recipient"))) {
		if (json_array_size(json_object_get(params, "recipient")) !=
		    1) {
			usage_error(err, cmd->name, "recipient: expected "
			    "one argument");
			json_decref(params);
			return SIGNAL_EXIT_USER;
		}
		(void)json_object_set(params, "recipient", json_array_get(
		    json_object_get(params, "recipient"), 0));
	}
	if ((status = check_account(&ctx, err)) != 0)
		goto done;
	if (strcmp(cmd->name, "daemon") == 0) {
		status = run_daemon(&ctx, params, err);
		goto done;
	}
	if (strcmp(cmd->name, "jsonRpc") == 0) {
		status = shim_signal_jsonrpc(&ctx, params, out);
		goto done;
	}
	if (strcmp(cmd->name, "receive") == 0) {
		status = run_receive(&ctx, params, json, out, err);
		goto done;
	}
	if (strcmp(cmd->name, "send") == 0 &&
	    json_object_get(params, "message") == NULL &&
	    (json_is_true(json_object_get(params, "messageFromStdin")) ||
	    !isatty(STDIN_FILENO)) && read_stdin_message(params, err) == -1) {
		status = SIGNAL_EXIT_USER;
		goto done;
	}
	(void)json_object_del(params, "messageFromStdin");
	detailed = json_is_true(json_object_get(params, "detailed"));
	/* A multi-account command: the command line always has it. */
	if (strcmp(cmd->name, "listAccounts") == 0)
		ctx.account = NULL;
	memset(&e, 0, sizeof(e));
	if ((result = shim_signal_call(&ctx, cmd->name, params, &e)) == NULL) {
		status = fail(err, &e);
		goto done;
	}
	status = shim_signal_print_result(out, cmd->name, result, json,
	    detailed) == 0 ? 0 : SIGNAL_EXIT_UNEXPECTED;
	json_decref(result);
	(void)fflush(out);
done:
	json_decref(params);
	return status;
}

int
shim_signal_main(int argc, char **argv)
{
	return shim_signal_run(argc, argv, shim_socket_path(),
	    SHIM_TIMEOUT_MS, stdout, stderr);
}
