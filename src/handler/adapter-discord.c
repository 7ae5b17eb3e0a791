/*
 * The discord adapter: gateway methods on channel "discord" (send,
 * messages.history, chats.list, status), run through carapace-discord
 * (the channel's tool) with command lines from the pure builders at the
 * end of this file (adapter-discord.h).  Every value that reaches the tool's
 * command line is a snowflake id, checked here and again by the
 * builders; the message text goes on the tool's stdin as JSON, never on
 * its command line.  Sends go through send_pipeline; what the agent reads goes
 * through the inbound policy and scrubbing (discord-policy.h).
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "adapter-discord.h"
#include "cmdline.h"
#include "chan-discord.h"
#include "channel.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "spawn.h"
#include "util.h"

/* carapace-discord's exit status for a 429 past its deadline. */
#define TOOL_EXIT_LIMITED	4
/* Discord's limit on a message's content, in characters. */
#define DISCORD_CONTENT_MAX	2000
/* What fits a pipe without blocking before the tool reads it. */
#define STDIN_PIPE_MAX		65536

static int	d_send(struct call *, const struct channel *);
static int	d_history(struct call *, const struct channel *);
static int	d_chats(struct call *, const struct channel *);
static int	d_status(struct call *, const struct channel *);

static const struct rpc_param send_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "to", RPC_T_STRING, 1 },
	{ "text", RPC_T_STRING, 0 },
	{ "reply_to", RPC_T_STRING, 0 },
	{ "attachment", RPC_T_OBJECT, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param history_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "to", RPC_T_STRING, 1 },
	{ "limit", RPC_T_INTEGER, 0 },
	{ "before", RPC_T_STRING, 0 },
	{ "after", RPC_T_STRING, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param chats_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ "limit", RPC_T_INTEGER, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_param status_params[] = {
	{ "channel", RPC_T_STRING, 1 },
	{ NULL, 0, 0 }
};

static int	 discord_deliver(struct call *, const struct channel *, json_t *);

static const struct method discord_methods[] = {
	{ .name = "send", .params = send_params,
	  .flags = METHOD_CHANNEL | METHOD_DELIVERS | METHOD_OUTBOUND,
	  .fn = d_send },
	{ .name = "messages.history", .params = history_params,
	  .flags = METHOD_CHANNEL,
	  .fn = d_history },
	{ .name = "chats.list", .params = chats_params,
	  .flags = METHOD_CHANNEL,
	  .fn = d_chats },
	{ .name = "status", .params = status_params, .flags = METHOD_CHANNEL,
	  .fn = d_status },
};

static json_t	*discord_lookup(struct call *, const struct channel *,
		    const char *);
static json_t	*discord_notice(const struct channel *, const char *,
		    const char *, const char **);

const struct handler_adapter discord_adapter = {
	.driver = &discord_driver,
	.methods = discord_methods,
	.nmethods = sizeof(discord_methods) / sizeof(discord_methods[0]),
	.deliver = discord_deliver,
	.lookup = discord_lookup,
	.notice = discord_notice,
};

static const char *
param_str(struct call *c, const char *name)
{
	return json_string_value(json_object_get(c->params, name));
}

/*
 * A builder (adapter-discord.h) refused: the checks here let every value through
 * only as a snowflake, so what is left is the configuration.
 */
static int
argv_refused(struct call *c, const char *cause)
{
	return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE,
	    json_pack("{s:s}", "channel", c->channel),
	    "channel %s unavailable: %s", c->channel, cause);
}

/*
 * The tool failed: a 429 it could not wait out within its deadline is
 * the gateway's "rate limited", with Discord's retry_after.
 */
static int
tool_failed(struct call *c)
{
	const char	*tail, *p;
	const char	*errstr;
	long long	 retry = 1;

	if (c->code != CP_ERR_TOOL_FAILED || json_integer_value(
	    json_object_get(c->data, "exit_status")) != TOOL_EXIT_LIMITED)
		return -1;
	tail = json_string_value(json_object_get(c->data, "stderr"));
	if (tail != NULL && (p = strstr(tail, "retry_after=")) != NULL) {
		char	num[16];
		size_t	n = strspn(p + 12, "0123456789");

		if (n > 0 && n < sizeof(num)) {
			memcpy(num, p + 12, n);
			num[n] = '\0';
			retry = strtonum(num, 0, 86400, &errstr);
			if (errstr != NULL)
				retry = 1;
		}
	}
	c->outcome = AUDIT_OUTCOME_LIMITED;
	c->rule = "discord";
	return call_error(c, CP_ERR_RATE_LIMITED, json_pack("{s:I,s:s}",
	    "retry_after", (json_int_t)retry, "rule", "discord"),
	    "rate limited by Discord; retry in %llds", retry);
}

/* A nonce for one message (decimal, at most 19 digits). */
static int
make_nonce(char *out, size_t outlen)
{
	unsigned char	r[8];
	uint64_t	v = 0;
	size_t		i;
	int		fd;
	ssize_t		n;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, r, sizeof(r));
	close(fd);
	if (n != (ssize_t)sizeof(r))
		return -1;
	for (i = 0; i < sizeof(r); i++)
		v = v << 8 | r[i];
	(void)snprintf(out, outlen, "%llu",
	    (unsigned long long)(v & UINT64_C(0x7fffffffffffffff)));
	return 0;
}

/*
 * A notice to the owner's user: a direct message, delivered as d_send's
 * "user:<id>" target is (carapace-discord opens the DM channel), with a
 * nonce of its own.
 */
static json_t *
discord_notice(const struct channel *ch, const char *address,
    const char *text, const char **cause)
{
	char	 nonce[32];
	json_t	*d;

	(void)ch;
	if (strncmp(address, "user:", 5) != 0 ||
	    !discord_snowflake(address + 5, NULL)) {
		*cause = "the owner's identity is not user:<id>";
		return NULL;
	}
	if (make_nonce(nonce, sizeof(nonce)) == -1) {
		*cause = "cannot make a nonce";
		return NULL;
	}
	if ((d = json_pack("{s:s,s:s,s:s}", "to", address, "nonce", nonce,
	    "text", text)) == NULL)
		*cause = "out of memory";
	return d;
}

/* Resolve "to" into a channel:/user: address; -1 with the error set. */
static int
resolve_target(struct call *c, const struct channel *ch, char *out,
    size_t outlen, enum addr_kind *kind)
{
	if (send_resolve(c, ch, "to", param_str(c, "to"), out, outlen,
	    kind) == -1)
		return -1;
	if (*kind != ADDR_CHANNEL && *kind != ADDR_USER) {
		c->rule = "address";
		return call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", out, "rule",
		    "address"), "recipient not allowed: %s (discord takes "
		    "channel:<id> or user:<id>)", out);
	}
	return 0;
}

static int
d_send(struct call *c, const struct channel *ch)
{
	enum addr_kind	 kind;
	const char	*text = param_str(c, "text");
	const char	*reply = param_str(c, "reply_to");
	json_t		*att = json_object_get(c->params, "attachment");
	char		 rcpt[ADDR_MAX], nonce[32];
	json_t		*d;
	size_t		 chars = 0, i;
	int		 r;

	if (text == NULL && att == NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: text or attachment is required");
	for (i = 0; text != NULL && text[i] != '\0'; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			chars++;
	if ((text != NULL && chars == 0) || chars > DISCORD_CONTENT_MAX)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param text: 1 to %d characters", DISCORD_CONTENT_MAX);
	if (reply != NULL && !discord_snowflake(reply, NULL))
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param reply_to: not a Discord message id");
	if (resolve_target(c, ch, rcpt, sizeof(rcpt), &kind) == -1)
		return -1;
	/*
	 * The nonce is chosen once, here, and kept with a held message:
	 * whoever repeats the delivery repeats the nonce.
	 */
	if (make_nonce(nonce, sizeof(nonce)) == -1)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "cannot make a nonce");
	d = json_pack("{s:s,s:s}", "to", rcpt, "nonce", nonce);
	if (text != NULL)
		json_object_set_new(d, "text", json_string(text));
	if (reply != NULL)
		json_object_set_new(d, "reply_to", json_string(reply));
	r = send_one(c, ch, rcpt, text, att, d);
	json_decref(d);
	return r;
}

static int
discord_deliver(struct call *c, const struct channel *ch, json_t *d)
{
	struct tool_argv	 a;
	json_t			*in, *last = NULL, *files;
	const char		*to, *text, *nonce, *reply, *id, *file = NULL;
	const char		*cause = NULL;
	char			*payload;
	size_t			 len;
	int			 fds[2], r;

	to = json_string_value(json_object_get(d, "to"));
	text = json_string_value(json_object_get(d, "text"));
	nonce = json_string_value(json_object_get(d, "nonce"));
	reply = json_string_value(json_object_get(d, "reply_to"));
	files = json_object_get(d, "files");
	if (json_array_size(files) == 1)
		file = json_string_value(json_array_get(files, 0));
	/* Spooled paths are the handler's own (state_dir/spool/att-...). */
	if (to == NULL || nonce == NULL || json_array_size(files) > 1 ||
	    (json_array_size(files) == 1 && (file == NULL ||
	    file[0] != '/')) || (text == NULL && file == NULL))
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "malformed delivery");
	if ((strncmp(to, "channel:", 8) != 0 || !discord_snowflake(to + 8,
	    NULL)) && (strncmp(to, "user:", 5) != 0 ||
	    !discord_snowflake(to + 5, NULL)))
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "malformed delivery");
	if (cmdline_discord_send(c->env->cfg, ch, d, &a, &cause) == -1)
		return argv_refused(c, cause);

	in = json_pack("{s:s}", "nonce", nonce);
	if (text != NULL)
		json_object_set_new(in, "content", json_string(text));
	if (reply != NULL)
		json_object_set_new(in, "reply_to", json_string(reply));
	payload = json_dumps(in, JSON_COMPACT);
	json_decref(in);
	if (payload == NULL || (len = strlen(payload)) >= STDIN_PIPE_MAX) {
		free(payload);
		tool_argv_free(&a);
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param text: too long");
	}
	if (pipe(fds) == -1) {
		free(payload);
		tool_argv_free(&a);
		return call_error(c, RPC_INTERNAL_ERROR, NULL, "pipe: %s",
		    strerror(errno));
	}
	(void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	r = write(fds[1], payload, len) == (ssize_t)len ? 0 : -1;
	close(fds[1]);
	free(payload);
	if (r == -1) {
		close(fds[0]);
		tool_argv_free(&a);
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "cannot pass the message to the tool");
	}
	last = tool_last_object(c, ch, &a, fds[0]);
	tool_argv_free(&a);
	close(fds[0]);
	if (last == NULL)
		return tool_failed(c);
	id = json_string_value(json_object_get(last, "id"));
	if (!discord_snowflake(id, NULL)) {
		json_decref(last);
		return tool_unexpected(c);
	}
	c->outcome = AUDIT_OUTCOME_SENT;
	c->result = json_pack("{s:s,s:s,s:s,s:s,s:O*}", "status", "sent",
	    "channel", c->channel, "recipient", c->recipient, "id", id,
	    "channel_id", json_object_get(last, "channel_id"));
	json_decref(last);
	return 0;
}

/* Is the conversation readable at all?  1 or 0. */
static int
target_readable(struct call *c, const struct channel *ch, const char *rcpt)
{
	if (ch->inbound_mode == INBOUND_OPEN)
		return 1;
	return policy_match(c->env->cfg, ch->id, &ch->inbound_allow, rcpt,
	    NULL);
}

static int
d_history(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	enum addr_kind		 kind;
	json_t			*l = json_object_get(c->params, "limit");
	json_int_t		 limit = l != NULL ? json_integer_value(l) : 50;
	const char		*before = param_str(c, "before");
	const char		*after = param_str(c, "after");
	const char		*cause = NULL;
	char			 rcpt[ADDR_MAX];
	json_t			*p;
	int			 r;

	if (limit < 1 || limit > 100)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param limit: expected 1..100");
	if ((before != NULL && !discord_snowflake(before, NULL)) ||
	    (after != NULL && !discord_snowflake(after, NULL)))
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params before, after: Discord message ids");
	if (resolve_target(c, ch, rcpt, sizeof(rcpt), &kind) == -1)
		return -1;
	(void)strlcpy(c->recipient, rcpt, sizeof(c->recipient));
	if (!target_readable(c, ch, rcpt)) {
		c->rule = "inbound.allow";
		return call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", rcpt, "rule",
		    "inbound.allow"), "not readable: %s is not in "
		    "inbound.allow", rcpt);
	}
	/* The tool gets the target as normalised, never as given. */
	p = json_copy(c->params);
	json_object_set_new(p, "to", json_string(rcpt));
	if (cmdline_discord_history(c->env->cfg, ch, p, &a, &cause) == -1) {
		json_decref(p);
		return argv_refused(c, cause);
	}
	r = tool_run(c, ch, &a, &res);
	tool_argv_free(&a);
	json_decref(p);
	if (r == -1)
		return tool_failed(c);
	tool_read_filtered(c, ch, &res, limit, read_filter_message, "messages");
	return 0;
}

static void
filter_chat(json_t *chat, void *arg)
{
	struct read_filter	*f = arg;
	const char	*id, *user = NULL;
	json_t		*r;

	if ((json_int_t)json_array_size(f->keep) >= f->limit)
		return;
	id = json_string_value(json_object_get(chat, "id"));
	r = json_object_get(chat, "recipients");
	if (json_integer_value(json_object_get(chat, "type")) == 1 &&
	    json_array_size(r) == 1)
		user = json_string_value(json_object_get(json_array_get(r, 0),
		    "id"));
	if (!discord_channel_visible(f->c->env->cfg, f->ch, id, user) ||
	    inbound_filter(f->ch, INBOUND_CHAT, chat) == -1) {
		f->hidden++;
		return;
	}
	json_array_append(f->keep, chat);
}

static int
d_chats(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	json_t			*l = json_object_get(c->params, "limit");
	json_int_t		 limit = l != NULL ? json_integer_value(l) : 100;
	const char		*cause = NULL;
	int			 r;

	if (limit < 1 || limit > 1000)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param limit: expected 1..1000");
	if (cmdline_discord_chats(c->env->cfg, ch, &a, &cause) == -1)
		return argv_refused(c, cause);
	r = tool_run(c, ch, &a, &res);
	tool_argv_free(&a);
	if (r == -1)
		return tool_failed(c);
	tool_read_filtered(c, ch, &res, limit, filter_chat, "chats");
	return 0;
}

static int
d_status(struct call *c, const struct channel *ch)
{
	struct tool_argv	 a;
	json_t			*last = NULL;
	const char		*cause = NULL;

	if (cmdline_discord_status(c->env->cfg, ch, &a, &cause) == -1)
		return argv_refused(c, cause);
	last = tool_last_object(c, ch, &a, -1);
	tool_argv_free(&a);
	if (last == NULL)
		return tool_failed(c);
	c->result = json_pack("{s:s,s:b,s:o}", "channel", c->channel,
	    "available", 1, "bot", last);
	return 0;
}

/*
 * Command lines (adapter-discord.h): `carapace-discord -c CONFIG COMMAND ...` (the
 * driver's head).  Every value is a snowflake, checked here: digits
 * only, so none can be read as an option, and a spooled file is an
 * absolute path after --file.
 */

/*
 * The target "channel:ID" or "user:ID": *id the snowflake, *user 1 for
 * a user (a DM).  0, or -1 with *cause.
 */
static int
discord_target(json_t *o, const char **id, int *user, const char **cause)
{
	const char	*to = json_string_value(json_object_get(o, "to"));

	*id = NULL;
	if (to != NULL && strncmp(to, "channel:", 8) == 0 &&
	    discord_snowflake(to + 8, NULL)) {
		*id = to + 8;
		*user = 0;
	} else if (to != NULL && strncmp(to, "user:", 5) == 0 &&
	    discord_snowflake(to + 5, NULL)) {
		*id = to + 5;
		*user = 1;
	} else {
		*cause = "malformed params: to is not channel:<id> or "
		    "user:<id>";
		return -1;
	}
	return 0;
}

/* The target: a channel id as the operand, a user's after --user. */
static void
discord_target_argv(struct tool_argv *a, const char *id, int user)
{
	if (user)
		tool_argv_add(a, "--user");
	tool_argv_add(a, id);
}

int
cmdline_discord_send(const struct config *cfg, const struct channel *ch,
    json_t *d, struct tool_argv *a, const char **cause)
{
	json_t		*files = json_object_get(d, "files");
	const char	*id, *file = NULL;
	int		 user;

	if (discord_target(d, &id, &user, cause) == -1)
		return -1;
	if ((files != NULL && !json_is_array(files)) ||
	    json_array_size(files) > 1) {
		*cause = "malformed delivery: at most one file";
		return -1;
	}
	/* Spooled paths are the handler's own (state_dir/spool/att-...). */
	if (json_array_size(files) == 1 && ((file = json_string_value(
	    json_array_get(files, 0))) == NULL || file[0] != '/')) {
		*cause = "malformed delivery: a file is not a spooled path";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "send", a, cause) == -1)
		return -1;
	discord_target_argv(a, id, user);
	if (file != NULL) {
		tool_argv_add(a, "--file");
		tool_argv_add(a, file);
	}
	return 0;
}

int
cmdline_discord_history(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	json_t		*l = json_object_get(p, "limit");
	json_int_t	 limit = l != NULL ? json_integer_value(l) : 50;
	const char	*before, *after, *id;
	int		 user;

	before = json_string_value(json_object_get(p, "before"));
	after = json_string_value(json_object_get(p, "after"));
	if (discord_target(p, &id, &user, cause) == -1)
		return -1;
	if ((l != NULL && !json_is_integer(l)) || limit < 1 || limit > 100) {
		*cause = "param limit: expected 1..100";
		return -1;
	}
	if ((json_object_get(p, "before") != NULL &&
	    !discord_snowflake(before, NULL)) ||
	    (json_object_get(p, "after") != NULL &&
	    !discord_snowflake(after, NULL))) {
		*cause = "params before, after: Discord message ids";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "read", a, cause) == -1)
		return -1;
	discord_target_argv(a, id, user);
	(void)snprintf(a->num[0], sizeof(a->num[0]), "%lld", (long long)limit);
	tool_argv_add(a, "--limit");
	tool_argv_add(a, a->num[0]);
	if (before != NULL) {
		tool_argv_add(a, "--before");
		tool_argv_add(a, before);
	}
	if (after != NULL) {
		tool_argv_add(a, "--after");
		tool_argv_add(a, after);
	}
	return 0;
}

int
cmdline_discord_chats(const struct config *cfg, const struct channel *ch,
    struct tool_argv *a, const char **cause)
{
	if (channel_tool_argv(cfg, ch, "channels", a, cause) == -1)
		return -1;
	tool_argv_add(a, "--all");
	return 0;
}

int
cmdline_discord_status(const struct config *cfg, const struct channel *ch,
    struct tool_argv *a, const char **cause)
{
	return channel_tool_argv(cfg, ch, "status", a, cause);
}

/* Does the failed tool's stderr, in the call's error data, hold what? */
static int
stderr_says(const struct call *c, const char *what)
{
	const char	*e;

	e = json_string_value(json_object_get(c->data, "stderr"));
	return e != NULL && strstr(e, what) != NULL;
}

/*
 * What Discord says of a channel:<id> a request names (carapace-discord
 * channel ID, GET /channels/{id}): the driver takes a DM for its
 * recipient.  An unknown channel fails the tool and is refused.
 */
static json_t *
discord_lookup(struct call *c, const struct channel *ch, const char *target)
{
	struct tool_argv	 a;
	json_t			*p, *facts;
	const char		*cause = NULL;
	int			 r;

	/* The command line points into p: it lives until the tool ran. */
	p = json_pack("{s:s}", "to", target);
	r = cmdline_discord_channel(c->env->cfg, ch, p, &a, &cause);
	if (r == -1) {
		json_decref(p);
		(void)argv_refused(c, cause);
		return NULL;
	}
	facts = tool_last_object(c, ch, &a, -1);
	tool_argv_free(&a);
	json_decref(p);
	/*
	 * A channel Discord will not show the bot (404, 403) is one the
	 * agent may not use, answered as such; any other failure (a bad
	 * token, the network) is the tool's.
	 */
	if (facts == NULL && c->code == CP_ERR_TOOL_FAILED &&
	    (stderr_says(c, "HTTP 404") || stderr_says(c, "HTTP 403"))) {
		c->rule = "address";
		c->outcome = AUDIT_OUTCOME_UNSET;
		(void)call_error(c, CP_ERR_RECIPIENT_DENIED, NULL,
		    "recipient not allowed: %s (Discord does not show it)",
		    target);
	}
	return facts;
}

int
cmdline_discord_channel(const struct config *cfg, const struct channel *ch,
    json_t *p, struct tool_argv *a, const char **cause)
{
	const char	*id;
	int		 user;

	if (discord_target(p, &id, &user, cause) == -1)
		return -1;
	if (user) {
		*cause = "malformed params: to is not channel:<id>";
		return -1;
	}
	if (channel_tool_argv(cfg, ch, "channel", a, cause) == -1)
		return -1;
	tool_argv_add(a, id);
	return 0;
}
