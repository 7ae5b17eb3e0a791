/*
 * The imsg shim's dispatch: the real imsg command line (imsg-args.c)
 * turned into a gateway request (imsg-request.c), sent, and the answer
 * printed (imsg-print.c); imsg rpc is handed to imsg-rpc.c.  watch is an
 * inbox subscription: the gateway pushes each message the watcher
 * published and policy let through, and the shim prints it as the real
 * watch does.  Calls go one way: from here into the other pieces, never
 * back.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "shim.h"
#include "util.h"
#include "imsg.h"

static const char *basename_of(const char *);
static int	 emit(FILE *, const char *, size_t);
static void	 say(FILE *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static int	 watch_print(FILE *, const struct shim_imsg_args *, json_t *);
static int	 watch_decode(const char *, size_t, json_int_t, json_t **,
		    char *, size_t);
static int	 run_watch(const struct shim_imsg_args *, json_t *,
		    const char *, const char *, int, FILE *, int *);
static int	 typing_wait_stop(const struct shim_imsg_args *, json_t *,
		    const char *, int, FILE *);
static int	 read_resolve(const struct shim_imsg_args *, const char *,
		    int, FILE *, char *, size_t);


/*
 * Write a whole block at once: one write(2) when out has a descriptor,
 * so a reader never sees half a message, and nothing waits in a buffer.
 * Returns 0, or -1 with errno set; EINTR only when a caught signal
 * stopped the write before its first byte.
 */
static int
emit(FILE *out, const char *buf, size_t len)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = fileno(out)) == -1) {
		if (fwrite(buf, 1, len, out) != len || fflush(out) == EOF)
			return -1;
		return 0;
	}
	if (fflush(out) == EOF)
		return -1;
	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n == -1) {
			/* A line begun is finished; one not begun is not. */
			if (errno == EINTR && (off > 0 ||
			    shim_caught_signal() == 0))
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* One line of our own (an error), written like a message. */
static void
say(FILE *out, const char *fmt, ...)
{
	char	line[SHIM_ERR_MAX + 128];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)emit(out, line, (size_t)n);
}

/* A message as watch prints it, in one write.  0, or -1 with errno. */
static int
watch_print(FILE *out, const struct shim_imsg_args *args, json_t *message)
{
	FILE	*f;
	char	*text = NULL, *p;
	size_t	 len = 0;
	int	 r;

	if (args->json) {
		if ((text = json_dumps(message, JSON_COMPACT |
		    JSON_PRESERVE_ORDER)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		len = strlen(text);
		if ((p = realloc(text, len + 2)) == NULL) {
			free(text);
			errno = ENOMEM;
			return -1;
		}
		text = p;
		text[len++] = '\n';
		text[len] = '\0';
	} else {
		if ((f = open_memstream(&text, &len)) == NULL)
			return -1;
		(void)shim_imsg_print_message(f, message, 0,
		    args->attachments);
		if (fclose(f) != 0) {
			free(text);
			return -1;
		}
	}
	r = emit(out, text, len);
	free(text);
	return r;
}

/*
 * One line of the subscription.  Returns 1 with *message (a new
 * reference) for an inbox message of our subscription, 0 for a line to
 * pass over (another notification), or -1 with msg set when the
 * gateway reports an error or sends what is not JSON-RPC.
 */
static int
watch_decode(const char *line, size_t len, json_int_t subscription,
    json_t **message, char *msg, size_t msglen)
{
	json_error_t	 jerr;
	json_t		*v, *version, *error, *method, *params, *sub;
	json_t		*chan, *m, *code, *text;
	const char	*why = NULL;

	*message = NULL;
	if ((v = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		(void)snprintf(msg, msglen,
		    "imsg: malformed answer from the gateway: %s", jerr.text);
		return -1;
	}
	version = json_object_get(v, "jsonrpc");
	if (!json_is_object(v) || !json_is_string(version) ||
	    strcmp(json_string_value(version), "2.0") != 0) {
		why = "not a JSON-RPC 2.0 message";
		goto bad;
	}
	if ((error = json_object_get(v, "error")) != NULL) {
		code = json_object_get(error, "code");
		text = json_object_get(error, "message");
		if (!json_is_integer(code) || !json_is_string(text)) {
			why = "malformed error object";
			goto bad;
		}
		shim_error_text((int)json_integer_value(code),
		    json_string_value(text), json_object_get(error, "data"),
		    msg, msglen);
		json_decref(v);
		return -1;
	}
	method = json_object_get(v, "method");
	if (!json_is_string(method)) {
		why = "unexpected answer";
		goto bad;
	}
	if (strcmp(json_string_value(method), "inbox.message") != 0) {
		json_decref(v);
		return 0;
	}
	params = json_object_get(v, "params");
	sub = json_object_get(params, "subscription");
	chan = json_object_get(params, "channel");
	m = json_object_get(params, "message");
	if (!json_is_object(params) || !json_is_integer(sub) ||
	    !json_is_string(chan) || !json_is_object(m)) {
		why = "malformed inbox message";
		goto bad;
	}
	if (json_integer_value(sub) != subscription ||
	    strcmp(json_string_value(chan), IMSG_CHANNEL) != 0) {
		json_decref(v);
		return 0;
	}
	*message = json_incref(m);
	json_decref(v);
	return 1;

bad:
	(void)snprintf(msg, msglen, "imsg: malformed answer from the gateway: "
	    "%s", why);
	json_decref(v);
	return -1;
}

/*
 * Subscribe, then print what comes until the gateway closes (1), a
 * signal or a closed output ends the stream (0, *quiet set so the
 * caller does not count the closed output as a failure).
 */
static int
run_watch(const struct shim_imsg_args *args, json_t *params,
    const char *method, const char *socket_path, int timeout_ms, FILE *out,
    int *quiet)
{
	struct shim_conn	 conn;
	struct shim_reply	 reply;
	json_t			*sub, *message, *id;
	json_int_t		 subscription, last_id = 0;
	char			*line, err[SHIM_ERR_MAX];
	char			 text[SHIM_ERR_MAX + 64];
	size_t			 len;
	int			 rc = 1, r, have_last = 0;

	*quiet = 0;
	if (shim_connect(&conn, socket_path, timeout_ms, SHIM_MAX_ANSWER, err,
	    sizeof(err)) != SHIM_OK) {
		say(out, "imsg: %s", err);
		return 1;
	}
	if ((r = shim_send_request(&conn, method, params, -1, err,
	    sizeof(err))) != SHIM_OK ||
	    (r = shim_read_line(&conn, &line, &len, err, sizeof(err))) !=
	    SHIM_OK) {
		if (r == SHIM_E_CLOSED)
			(void)snprintf(err, sizeof(err), "the gateway at %s "
			    "closed the connection without answering",
			    socket_path);
		say(out, "imsg: %s", err);
		goto out;
	}
	if (shim_decode_answer(line, len, &reply, err, sizeof(err)) !=
	    SHIM_OK) {
		say(out, "imsg: %s", err);
		goto out;
	}
	if (reply.is_error) {
		shim_error_text(reply.code, reply.message, reply.data, text,
		    sizeof(text));
		say(out, "%s", text);
		shim_reply_free(&reply);
		goto out;
	}
	sub = json_object_get(reply.result, "subscription");
	if (!json_is_integer(sub)) {
		say(out, "imsg: malformed answer from the gateway");
		shim_reply_free(&reply);
		goto out;
	}
	subscription = json_integer_value(sub);
	shim_reply_free(&reply);
	if (args->has_since_rowid) {
		have_last = 1;
		last_id = args->since_rowid < 0 ? 0 : args->since_rowid;
	}
	if (args->verbose)
		(void)fprintf(stderr, "imsg: subscription %lld\n",
		    (long long)subscription);

	/* Subscribed: no deadline any more, but a signal ends the wait. */
	conn.deadline = 0;
	conn.cancel_fd = shim_catch_signals();
	for (;;) {
		r = shim_read_line(&conn, &line, &len, err, sizeof(err));
		if (r == SHIM_E_CANCELLED) {
			rc = 0;
			break;
		}
		if (r != SHIM_OK) {
			say(out, "imsg: %s", err);
			break;
		}
		r = watch_decode(line, len, subscription, &message, text,
		    sizeof(text));
		if (r == -1) {
			say(out, "%s", text);
			break;
		}
		if (r == 0)
			continue;
		/*
		 * The real watch never prints a rowid twice or goes back:
		 * a message published again (a watcher that restarted
		 * from an older position) is not news.
		 */
		id = json_object_get(message, "id");
		if (json_is_integer(id)) {
			if (have_last && json_integer_value(id) <= last_id) {
				json_decref(message);
				continue;
			}
			have_last = 1;
			last_id = json_integer_value(id);
		}
		if (shim_imsg_watch_allows(args, message))
			r = watch_print(out, args, message);
		else
			r = 0;
		json_decref(message);
		if (r == -1) {
			/* The reader left, or a signal came between lines. */
			if (errno == EPIPE || errno == EINTR)
				rc = 0;
			*quiet = errno == EPIPE;
			break;
		}
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

/*
 * typing --duration: the indicator was started; wait, then stop it, as
 * the real command does.  Returns 0, or -1 with the error printed.
 */
static int
typing_wait_stop(const struct shim_imsg_args *args, json_t *params,
    const char *socket_path, int timeout_ms, FILE *out)
{
	struct shim_reply	 reply;
	struct timespec		 ts;
	double			 ms;
	char			 err[SHIM_ERR_MAX], text[SHIM_ERR_MAX];

	if (shim_imsg_parse_duration(args->duration, &ms) == -1)
		return -1;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1000000);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	if (json_object_set_new(params, "typing", json_false()) == -1) {
		(void)fprintf(out, "imsg: out of memory\n");
		return -1;
	}
	if (shim_call(socket_path, "typing", params, -1, timeout_ms,
	    SHIM_MAX_ANSWER, &reply, err, sizeof(err)) != SHIM_OK) {
		(void)fprintf(out, "imsg: %s\n", err);
		return -1;
	}
	if (reply.is_error) {
		shim_error_text(reply.code, reply.message, reply.data, text,
		    sizeof(text));
		(void)fprintf(out, "%s\n", text);
		shim_reply_free(&reply);
		return -1;
	}
	shim_reply_free(&reply);
	return 0;
}

/*
 * read --chat-id: ReadCommand.swift looks the chat up first and names
 * it by its guid, else its identifier (ChatTargetResolver.swift).  The
 * chat is the one the gateway's chats.list shows, as group finds it.
 * Returns 0 with handle set, or -1 with the real tool's error printed.
 */
static int
read_resolve(const struct shim_imsg_args *args, const char *socket_path,
    int timeout_ms, FILE *out, char *handle, size_t handlelen)
{
	struct shim_imsg_args	 lookup = *args;
	struct shim_reply	 reply;
	json_t			*params, *chat;
	const char		*method, *name;
	char			 msg[SHIM_IMSG_MSG_MAX], err[SHIM_ERR_MAX];
	char			 text[SHIM_ERR_MAX];
	int			 rc = -1;

	lookup.cmd = SHIM_IMSG_GROUP;
	if ((params = shim_imsg_build_request(&lookup, &method, msg,
	    sizeof(msg))) == NULL) {
		(void)fprintf(out, "%s\n", msg);
		return -1;
	}
	if (shim_call(socket_path, method, params, -1, timeout_ms,
	    SHIM_MAX_ANSWER, &reply, err, sizeof(err)) != SHIM_OK) {
		(void)fprintf(out, "imsg: %s\n", err);
		json_decref(params);
		return -1;
	}
	json_decref(params);
	if (reply.is_error) {
		shim_error_text(reply.code, reply.message, reply.data, text,
		    sizeof(text));
		(void)fprintf(out, "%s\n", text);
		goto out;
	}
	if (!json_is_array(json_object_get(reply.result, "chats"))) {
		(void)fprintf(out, "imsg: malformed answer from the gateway\n");
		goto out;
	}
	if ((chat = shim_imsg_find_chat(reply.result, args->chat_id)) ==
	    NULL) {
		(void)fprintf(out, "Invalid chat target: Unknown chat id "
		    "%lld\n", (long long)args->chat_id);
		goto out;
	}
	name = json_string_value(json_object_get(chat, "guid"));
	if (!imsg_nonempty(name))
		name = json_string_value(json_object_get(chat, "identifier"));
	if (!imsg_nonempty(name)) {
		(void)fprintf(out, "Invalid chat target: Missing chat "
		    "identifier or guid\n");
		goto out;
	}
	if (strlcpy(handle, name, handlelen) >= handlelen) {
		(void)fprintf(out, "imsg: chat %lld: identifier too long\n",
		    (long long)args->chat_id);
		goto out;
	}
	rc = 0;
out:
	shim_reply_free(&reply);
	return rc;
}

static const char *
basename_of(const char *path)
{
	const char	*slash;

	slash = strrchr(path, '/');
	return slash == NULL ? path : slash + 1;
}

int
shim_imsg_run(int argc, char **argv, const char *socket_path, int timeout_ms,
    FILE *out)
{
	struct shim_imsg_args	 args;
	struct shim_reply	 reply;
	enum shim_imsg_action	 action;
	json_t			*params = NULL, *att;
	const char		*method, *version;
	char			 msg[SHIM_IMSG_MSG_MAX], err[SHIM_ERR_MAX];
	char			 text[SHIM_ERR_MAX];
	char			 handle[SHIM_IMSG_MSG_MAX];
	int			 fd = -1, rc = 1, quiet = 0, r;
	uint64_t		 t0;

	version = getenv("IMSG_VERSION");
	if (version == NULL || *version == '\0')
		version = SHIM_IMSG_TOOL_VERSION;

	action = shim_imsg_parse(argc, argv, 0, &args, msg, sizeof(msg));
	switch (action) {
	case SHIM_IMSG_VERSION:
		(void)fprintf(out, "%s\n", version);
		rc = 0;
		goto done;
	case SHIM_IMSG_HELP:
		shim_imsg_print_help(out, args.help_cmd, version);
		rc = 0;
		goto done;
	case SHIM_IMSG_ERROR:
		(void)fprintf(out, "%s\n", msg);
		goto done;
	case SHIM_IMSG_ERROR_HELP:
		(void)fprintf(out, "%s\n", msg);
		shim_imsg_print_help(out, NULL, version);
		goto done;
	case SHIM_IMSG_UNAVAILABLE:
		(void)fprintf(out,
		    "imsg: %s is not available through this gateway yet\n",
		    args.cmd_name);
		goto done;
	case SHIM_IMSG_RUN:
		break;
	}

	if (args.cmd == SHIM_IMSG_BRIDGE) {
		/*
		 * The real tool's answer when the bridge cannot do it
		 * (BridgeOutput.emitError, BridgeMessagingCommands.swift).
		 */
		if (args.json)
			(void)fprintf(out, "{\"success\":false,\"error\":"
			    "\"%s is not available through this gateway\"}\n",
			    args.cmd_name);
		else
			(void)fprintf(out, "error: %s is not available "
			    "through this gateway\n", args.cmd_name);
		goto done;
	}
	if (args.cmd == SHIM_IMSG_SEND_ATTACHMENT &&
	    (r = shim_imsg_attachment_check(&args, msg, sizeof(msg))) != 0) {
		/*
		 * Needs the IMCore bridge: the real tool's bridge failure
		 * (BridgeOutput.emitError), worded so that a client that
		 * falls back to rpc send on "send-attachment ...
		 * unavailable" (OpenClaw) does.
		 */
		if (r == 1 && args.json)
			(void)fprintf(out, "{\"success\":false,\"error\":"
			    "\"%s\"}\n", msg);
		else
			(void)fprintf(out, r == 1 ? "error: %s\n" : "%s\n",
			    msg);
		goto done;
	}
	if (args.cmd == SHIM_IMSG_RPC) {
		if (fflush(out) == EOF || fileno(out) == -1)
			goto done;
		rc = shim_imsg_rpc(STDIN_FILENO, fileno(out), socket_path,
		    timeout_ms, args.verbose);
		goto done;
	}
	if ((params = shim_imsg_build_request(&args, &method, msg,
	    sizeof(msg))) == NULL) {
		(void)fprintf(out, "%s\n", msg);
		goto done;
	}
	/* The file is opened here, as the caller; only its name travels. */
	if ((args.cmd == SHIM_IMSG_SEND ||
	    args.cmd == SHIM_IMSG_SEND_ATTACHMENT) && imsg_nonempty(args.file)) {
		if ((fd = shim_open_attachment(args.file, err,
		    sizeof(err))) == -1) {
			(void)fprintf(out, "imsg: %s\n", err);
			goto done;
		}
		if ((att = json_object()) == NULL ||
		    json_object_set_new(params, "attachment", att) == -1 ||
		    imsg_set_string(att, "name", basename_of(args.file)) == -1) {
			(void)fprintf(out, "imsg: out of memory\n");
			goto done;
		}
	}

	if (args.verbose)
		(void)fprintf(stderr, "imsg: %s via %s\n", method, socket_path);
	if (args.cmd == SHIM_IMSG_READ && args.has_chat_id &&
	    read_resolve(&args, socket_path, timeout_ms, out, handle,
	    sizeof(handle)) == -1)
		goto done;
	if (args.cmd == SHIM_IMSG_WATCH) {
		rc = run_watch(&args, params, method, socket_path, timeout_ms,
		    out, &quiet);
		goto done;
	}
	t0 = util_mono_ms();
	if (shim_call(socket_path, method, params, fd, timeout_ms,
	    SHIM_MAX_ANSWER, &reply, err, sizeof(err)) != SHIM_OK) {
		(void)fprintf(out, "imsg: %s\n", err);
		goto done;
	}
	if (args.verbose)
		(void)fprintf(stderr, "imsg: answered in %llu ms\n",
		    (unsigned long long)(util_mono_ms() - t0));
	if (!reply.is_error && args.cmd == SHIM_IMSG_TYPING &&
	    imsg_nonempty(args.duration) &&
	    (args.stop == NULL || strcmp(args.stop, "true") != 0) &&
	    typing_wait_stop(&args, params, socket_path, timeout_ms, out) ==
	    -1) {
		shim_reply_free(&reply);
		goto done;
	}
	if (reply.is_error) {
		shim_error_text(reply.code, reply.message, reply.data, text,
		    sizeof(text));
		(void)fprintf(out, "%s\n", text);
	} else {
		if (args.cmd == SHIM_IMSG_READ && args.has_chat_id)
			r = shim_imsg_print_read(out, args.json, handle);
		else
			r = shim_imsg_print_result(out, &args, reply.result);
		if (r == -1)
			(void)fprintf(out,
			    "imsg: malformed answer from the gateway\n");
		else
			rc = r;
	}
	shim_reply_free(&reply);

done:
	if (fd != -1)
		(void)close(fd);
	json_decref(params);
	shim_imsg_args_free(&args);
	if ((fflush(out) == EOF || ferror(out)) && !quiet)
		rc = 1;
	return rc;
}

int
shim_imsg_main(int argc, char **argv)
{
	/* A reader that goes away must not kill us mid-write. */
	(void)signal(SIGPIPE, SIG_IGN);
	return shim_imsg_run(argc, argv, shim_socket_path(), SHIM_TIMEOUT_MS,
	    stdout);
}

