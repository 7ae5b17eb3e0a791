/*
 * The imsg adapter: fixed argv templates for the real imsg CLI (TOOLS.md),
 * run through spawn_run, and the inbound filter applied to what it
 * returns.  The imsg parser takes any argument starting with '-' for an
 * option and has no --opt=value form, so callers refuse such values
 * before they get here; every template still puts values only in the
 * value position of a known option.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "spawn.h"
#include "util.h"

#define ARGV_MAX	32
#define TAIL_MAX	512

struct argv {
	const char	*v[ARGV_MAX + 1];
	size_t		 n;
};

static void
argv_add(struct argv *a, const char *s)
{
	if (a->n >= ARGV_MAX)
		fatalx("argv template overflow");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void
argv_start(struct argv *a, const struct channel *ch, const char *command)
{
	a->n = 0;
	argv_add(a, ch->tool);
	argv_add(a, command);
	/* imsg's status takes no --db: it reports on the whole system. */
	if (ch->db != NULL && strcmp(command, "status") != 0) {
		argv_add(a, "--db");
		argv_add(a, ch->db);
	}
	argv_add(a, "--json");
}

/*
 * The last TAIL_MAX bytes of a tool's output as a JSON string: NULs,
 * and every non-ASCII byte when the tail is not valid UTF-8, become '?'.
 */
static json_t *
output_tail(const char *s, size_t len)
{
	size_t	 start = len > TAIL_MAX ? len - TAIL_MAX : 0, i, n;
	char	 copy[TAIL_MAX];
	int	 valid;

	/* Do not start inside a multi-byte sequence. */
	while (start < len && ((unsigned char)s[start] & 0xc0) == 0x80)
		start++;
	n = len - start;
	memcpy(copy, s + start, n);
	for (i = 0; i < n; i++)
		if (copy[i] == '\0')
			copy[i] = '?';
	valid = util_utf8_valid(copy, n);
	for (i = 0; !valid && i < n; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	return json_stringn(copy, n);
}

/* Run the tool; 0 with res filled on exit 0, else call_error. */
static int
run_tool(struct call *c, const struct channel *ch, struct argv *a,
    struct spawn_result *res)
{
	char	**env = spawn_default_env();

	if (spawn_run(ch->tool, (char *const *)a->v, env, -1, ch->timeout_ms,
	    ch->max_output, res) == -1) {
		log_warn("spawn %s", ch->tool);
		c->outcome = "failed";
		return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE,
		    json_pack("{s:s}", "channel", c->channel),
		    "channel %s unavailable: cannot run its tool", c->channel);
	}
	if (res->timed_out) {
		spawn_result_free(res);
		c->outcome = "timeout";
		return call_error(c, CP_ERR_TIMEOUT, json_pack("{s:I}",
		    "timeout_ms", (json_int_t)ch->timeout_ms),
		    "%s timed out after %llu ms", c->channel,
		    (unsigned long long)ch->timeout_ms);
	}
	if (!res->exited || res->status != 0) {
		json_t *tail = res->errlen > 0 ?
		    output_tail(res->err, res->errlen) :
		    output_tail(res->out, res->outlen);

		c->outcome = "failed";
		call_error(c, CP_ERR_TOOL_FAILED, json_pack("{s:i,s:o*}",
		    "exit_status", res->exited ? res->status :
		    128 + res->status, "stderr", tail),
		    "%s failed (%s %d)", c->channel,
		    res->exited ? "exit status" : "signal", res->status);
		spawn_result_free(res);
		return -1;
	}
	return 0;
}

/* Calls fn on each JSON object line of out; returns lines parsed. */
static void
each_json_line(const char *out, size_t len,
    void (*fn)(json_t *, void *), void *arg)
{
	const char	*p = out, *end = out + len, *nl;
	json_t		*v;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl > p) {
			v = json_loadb(p, (size_t)(nl - p),
			    JSON_REJECT_DUPLICATES, NULL);
			if (json_is_object(v))
				fn(v, arg);
			json_decref(v);
		}
		p = nl + 1;
	}
}

static void
keep_last(json_t *v, void *arg)
{
	json_t	**last = arg;

	json_decref(*last);
	*last = json_incref(v);
}

int
imsg_send(struct call *c, const struct channel *ch,
    const struct send_target *t, const char *text, const char *file,
    const char *service, const char *region)
{
	struct argv		 a;
	struct spawn_result	 res;
	json_t			*last = NULL;
	const char		*status;

	argv_start(&a, ch, "send");
	if (t->to != NULL) {
		argv_add(&a, "--to");
		argv_add(&a, t->to);
	} else if (t->chat_id != NULL) {
		argv_add(&a, "--chat-id");
		argv_add(&a, t->chat_id);
	} else if (t->chat_identifier != NULL) {
		argv_add(&a, "--chat-identifier");
		argv_add(&a, t->chat_identifier);
	} else if (t->chat_guid != NULL) {
		argv_add(&a, "--chat-guid");
		argv_add(&a, t->chat_guid);
	} else
		return call_error(c, RPC_INTERNAL_ERROR, NULL, "no target");
	if (text != NULL) {
		argv_add(&a, "--text");
		argv_add(&a, text);
	}
	if (file != NULL) {
		argv_add(&a, "--file");
		argv_add(&a, file);
	}
	if (service != NULL) {
		argv_add(&a, "--service");
		argv_add(&a, service);
	}
	if (t->to != NULL) {
		argv_add(&a, "--region");
		argv_add(&a, region != NULL ? region : ch->region);
	}
	if (run_tool(c, ch, &a, &res) == -1)
		return -1;
	each_json_line(res.out, res.outlen, keep_last, &last);
	spawn_result_free(&res);
	status = json_string_value(json_object_get(last, "status"));
	if (status == NULL || strcmp(status, "sent") != 0) {
		json_decref(last);
		c->outcome = "failed";
		return call_error(c, CP_ERR_TOOL_FAILED,
		    json_pack("{s:i,s:s}", "exit_status", 0, "stderr",
		    "unexpected output"), "%s: unexpected tool output",
		    c->channel);
	}
	json_decref(last);
	c->outcome = "sent";
	c->result = json_pack("{s:s,s:s,s:s}", "status", "sent",
	    "channel", c->channel, "recipient", c->recipient);
	return 0;
}

/* Inbound filter shared by chats.list and messages.history. */
struct filter {
	struct call		*c;
	const struct channel	*ch;
	json_t			*keep;
	json_int_t		 limit;
	size_t			 hidden;
};

static void
filter_chat(json_t *chat, void *arg)
{
	struct filter	*f = arg;
	int		 explicit;

	if ((json_int_t)json_array_size(f->keep) >= f->limit)
		return;
	if (!json_is_integer(json_object_get(chat, "id")) ||
	    !inbound_chat_visible(f->c->s->cfg, f->ch,
	    (long long)json_integer_value(json_object_get(chat, "id")),
	    json_string_value(json_object_get(chat, "identifier")),
	    json_is_true(json_object_get(chat, "is_group")), &explicit)) {
		f->hidden++;
		return;
	}
	json_array_append(f->keep, chat);
}

static void
filter_message(json_t *m, void *arg)
{
	struct filter	*f = arg;

	if ((json_int_t)json_array_size(f->keep) >= f->limit)
		return;
	if (!inbound_message_visible(f->c->s->cfg, f->ch, m) ||
	    inbound_scrub(f->ch, m) == -1) {
		f->hidden++;
		return;
	}
	json_array_append(f->keep, m);
}

int
imsg_chats(struct call *c, const struct channel *ch, json_int_t limit)
{
	struct argv		 a;
	struct spawn_result	 res;
	struct filter		 f;
	char			 lim[24];

	/* Ask for more than the limit: some chats may be hidden. */
	(void)snprintf(lim, sizeof(lim), "%lld", (long long)(limit * 4 > 4000 ?
	    4000 : limit * 4));
	argv_start(&a, ch, "chats");
	argv_add(&a, "--limit");
	argv_add(&a, lim);
	if (run_tool(c, ch, &a, &res) == -1)
		return -1;
	memset(&f, 0, sizeof(f));
	f.c = c;
	f.ch = ch;
	f.limit = limit;
	f.keep = json_array();
	each_json_line(res.out, res.outlen, filter_chat, &f);
	spawn_result_free(&res);
	c->result = json_pack("{s:o}", "chats", f.keep);
	if (f.hidden > 0)
		c->rule = "inbound.allow";
	return 0;
}

int
imsg_history(struct call *c, const struct channel *ch, json_t *params)
{
	struct argv		 a;
	struct spawn_result	 res;
	struct filter		 f;
	struct buf		 parts;
	json_t			*p;
	size_t			 i;
	char			 lim[24], chat[24];
	const char		*s;

	(void)snprintf(chat, sizeof(chat), "%lld", (long long)
	    json_integer_value(json_object_get(params, "chat_id")));
	(void)snprintf(lim, sizeof(lim), "%lld", (long long)
	    (json_object_get(params, "limit") != NULL ?
	    json_integer_value(json_object_get(params, "limit")) : 50));
	(void)snprintf(c->recipient, sizeof(c->recipient), "chat:%s", chat);
	argv_start(&a, ch, "history");
	argv_add(&a, "--chat-id");
	argv_add(&a, chat);
	argv_add(&a, "--limit");
	argv_add(&a, lim);
	if (json_is_true(json_object_get(params, "attachments")))
		argv_add(&a, "--attachments");
	if ((s = json_string_value(json_object_get(params, "start"))) != NULL) {
		argv_add(&a, "--start");
		argv_add(&a, s);
	}
	if ((s = json_string_value(json_object_get(params, "end"))) != NULL) {
		argv_add(&a, "--end");
		argv_add(&a, s);
	}
	buf_init(&parts, 65536);
	json_array_foreach(json_object_get(params, "participants"), i, p) {
		if ((i > 0 && buf_append(&parts, ",", 1) == -1) ||
		    buf_append(&parts, json_string_value(p),
		    strlen(json_string_value(p))) == -1 ||
		    buf_cstr(&parts) == -1) {
			buf_free(&parts);
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param participants: too long");
		}
	}
	if (parts.len > 0) {
		argv_add(&a, "--participants");
		argv_add(&a, parts.data);
	}
	if (run_tool(c, ch, &a, &res) == -1) {
		buf_free(&parts);
		return -1;
	}
	buf_free(&parts);
	memset(&f, 0, sizeof(f));
	f.c = c;
	f.ch = ch;
	f.limit = 1000;
	f.keep = json_array();
	each_json_line(res.out, res.outlen, filter_message, &f);
	spawn_result_free(&res);
	c->result = json_pack("{s:o}", "messages", f.keep);
	if (f.hidden > 0)
		c->rule = "inbound.allow";
	return 0;
}

int
imsg_status(struct call *c, const struct channel *ch)
{
	struct argv		 a;
	struct spawn_result	 res;
	json_t			*last = NULL;

	argv_start(&a, ch, "status");
	if (run_tool(c, ch, &a, &res) == -1)
		return -1;
	each_json_line(res.out, res.outlen, keep_last, &last);
	spawn_result_free(&res);
	if (last == NULL) {
		c->outcome = "failed";
		return call_error(c, CP_ERR_TOOL_FAILED, json_pack("{s:i,s:s}",
		    "exit_status", 0, "stderr", "no status object"),
		    "%s: the tool printed no status", c->channel);
	}
	c->result = json_pack("{s:s,s:b,s:o}", "channel", c->channel,
	    "available", 1, "tool", last);
	return 0;
}

int
deliver_hold(struct call *c, json_t *hold)
{
	const struct channel	*ch;
	struct send_target	 t;
	json_t			*p = json_object_get(hold, "params"), *cid;
	const char		*chname, *rcpt;
	char			 idbuf[32];
	int			 id;

	chname = json_string_value(json_object_get(hold, "channel"));
	rcpt = json_string_value(json_object_get(hold, "recipient"));
	if ((id = channel_lookup(chname)) == -1 || !json_is_object(p) ||
	    rcpt == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "malformed hold");
	ch = &c->s->cfg->channels[id];
	c->channel = channel_name(id);
	(void)strlcpy(c->recipient, rcpt, sizeof(c->recipient));
	if (!ch->configured || id != CHANNEL_IMSG)
		return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE, NULL,
		    "channel %s unavailable", c->channel);
	memset(&t, 0, sizeof(t));
	t.to = json_string_value(json_object_get(p, "to"));
	t.chat_identifier = json_string_value(json_object_get(p,
	    "chat_identifier"));
	t.chat_guid = json_string_value(json_object_get(p, "chat_guid"));
	if ((cid = json_object_get(p, "chat_id")) != NULL) {
		(void)snprintf(idbuf, sizeof(idbuf), "%lld",
		    (long long)json_integer_value(cid));
		t.chat_id = idbuf;
	}
	return imsg_send(c, ch, &t,
	    json_string_value(json_object_get(p, "text")),
	    json_string_value(json_object_get(p, "file")),
	    json_string_value(json_object_get(p, "service")),
	    json_string_value(json_object_get(p, "region")));
}
