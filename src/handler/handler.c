/*
 * The connection loop: read a line, decode it strictly, run the request
 * through the method table, write exactly one audit record, answer.
 * Batches are a list of requests answered together; notifications are
 * executed and audited but never answered.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "deadline.h"
#include "handler.h"
#include "log.h"
#include "osdep.h"
#include "protocol.h"
#include "rpc.h"
#include "util.h"


int
call_error(struct call *c, int code, json_t *data, const char *fmt, ...)
{
	va_list	ap;

	c->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	json_decref(c->data);
	c->data = data;
	if (c->decision == NULL)
		c->decision = "deny";
	if (c->outcome == NULL)
		c->outcome = "refused";
	return -1;
}

/*
 * Write the audit record for a finished call.  If it cannot be written,
 * the answer becomes a refusal: nothing is answered without its record.
 */
static void
call_audit(struct call *c)
{
	struct session		*s = c->s;
	struct audit_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.uid = s->peer.uid;
	ev.gid = s->peer.gid;
	ev.pid = s->peer.pid;
	ev.client = s->client != NULL ? s->client->name : NULL;
	ev.method = c->method;
	ev.channel = c->channel;
	ev.recipient = c->recipient[0] != '\0' ? c->recipient : NULL;
	ev.decision = c->decision != NULL ? c->decision :
	    (c->code == 0 ? "allow" : "deny");
	ev.rule = c->rule;
	ev.outcome = c->outcome != NULL ? c->outcome :
	    (c->code == 0 ? "ok" : "refused");
	ev.reason = c->code != 0 ? c->message : NULL;
	ev.hold_id = c->hold_id[0] != '\0' ? c->hold_id : NULL;
	ev.code = c->code;
	ev.request_id = c->id;
	if (audit_write(s->audit, &ev) == -1) {
		log_warnx("audit failed for %s from uid %u: refusing",
		    c->method != NULL ? c->method : "-", (unsigned)s->peer.uid);
		json_decref(c->result);
		c->result = NULL;
		c->code = CP_ERR_AUDIT_UNAVAILABLE;
		(void)strlcpy(c->message, "audit unavailable: request refused",
		    sizeof(c->message));
		json_decref(c->data);
		c->data = NULL;
	}
}

static json_t *
call_response(struct call *c)
{
	json_t	*resp;

	if (c->code != 0) {
		resp = rpc_error(c->id, c->code, c->message, c->data);
		c->data = NULL;
	} else {
		resp = rpc_result(c->id, c->result);
		c->result = NULL;
	}
	return resp;
}

static void
call_clear(struct call *c)
{
	json_decref(c->result);
	json_decref(c->data);
}

/* Run one request object; returns the response or NULL (notification). */
static json_t *
handle_request(struct session *s, json_t *v)
{
	struct call		 c;
	struct rpc_request	 req;
	const struct method	*m;
	const struct channel	*ch = NULL;
	json_t			*params, *empty = NULL, *resp;
	const char		*chname;
	char			 msg[RPC_MSG_MAX];
	int			 notification = 0, id, known;

	memset(&c, 0, sizeof(c));
	c.s = s;
	memset(&req, 0, sizeof(req));
	if (rpc_parse_request(v, &req, msg, sizeof(msg)) != 0) {
		c.id = req.id;
		c.decision = "invalid";
		call_error(&c, RPC_INVALID_REQUEST, NULL, "%s", msg);
		goto done;
	}
	c.id = req.id;
	notification = req.id == NULL;
	c.method = req.method;
	chname = json_string_value(json_object_get(req.params, "channel"));
	m = method_lookup(req.method, chname, &known);
	if (m == NULL && !known) {
		c.decision = "invalid";
		call_error(&c, RPC_METHOD_NOT_FOUND, NULL,
		    "method not found");
		goto done;
	}
	if (m != NULL)
		c.method = m->name;
	if (m == NULL || (m->flags & METHOD_CHANNEL)) {
		if ((id = channel_lookup(chname)) == -1) {
			c.decision = "invalid";
			call_error(&c, RPC_INVALID_PARAMS, NULL,
			    chname == NULL ? "param channel: required, a string" :
			    "param channel: unknown channel");
			goto done;
		}
		c.channel = channel_name(id);
		if ((s->client->channels & (1U << id)) == 0) {
			c.rule = "clients.channels";
			call_error(&c, CP_ERR_CHANNEL_DENIED,
			    json_pack("{s:s}", "channel", c.channel),
			    "client %s may not use channel %s",
			    s->client->name, c.channel);
			goto done;
		}
		ch = &s->cfg->channels[id];
		if (!ch->configured) {
			c.rule = "channels";
			call_error(&c, CP_ERR_CHANNEL_UNAVAILABLE,
			    json_pack("{s:s}", "channel", c.channel),
			    "channel %s is not configured", c.channel);
			goto done;
		}
		if (m == NULL) {
			c.decision = "invalid";
			call_error(&c, RPC_METHOD_NOT_FOUND,
			    json_pack("{s:s}", "channel", c.channel),
			    "method not found on channel %s", c.channel);
			goto done;
		}
	}
	/*
	 * Params after the channel checks: a client refused the channel
	 * hears that, whatever that channel's entry takes.
	 */
	params = req.params;
	if (params == NULL)
		params = empty = json_object();
	if (rpc_check_params(params, m->params, msg, sizeof(msg)) != 0) {
		c.decision = "invalid";
		call_error(&c, RPC_INVALID_PARAMS, NULL, "%s", msg);
		goto done;
	}
	c.params = params;
	if (m->fn(&c, ch) == 0) {
		if (c.decision == NULL)
			c.decision = "allow";
		if (c.outcome == NULL)
			c.outcome = "ok";
		if (c.result == NULL)
			c.result = json_object();
	}
done:
	call_audit(&c);
	resp = NULL;
	/* A valid notification is never answered, whatever happened. */
	if (!notification || c.code == RPC_INVALID_REQUEST)
		resp = call_response(&c);
	call_clear(&c);
	json_decref(empty);
	return resp;
}

/* Answer something that was not a request at all (parse errors). */
static void
handle_garbage(struct session *s, int code, const char *msg)
{
	struct call	 c;
	json_t		*resp;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.decision = "invalid";
	call_error(&c, code, NULL, "%s", msg);
	call_audit(&c);
	resp = call_response(&c);
	if (rpc_write(s->fd, resp) == -1)
		s->closing = 1;
	json_decref(resp);
	call_clear(&c);
}

static void
handle_line(struct session *s, const char *line, size_t len)
{
	json_t	*v, *resp, *out;
	char	 msg[RPC_MSG_MAX];
	int	 code;
	size_t	 i;

	if ((v = rpc_decode(line, len, RPC_MAX_DEPTH, &code, msg,
	    sizeof(msg))) == NULL) {
		handle_garbage(s, code, msg);
		return;
	}
	if (!json_is_array(v)) {
		resp = handle_request(s, v);
		if (resp != NULL && rpc_write(s->fd, resp) == -1)
			s->closing = 1;
		json_decref(resp);
		json_decref(v);
		return;
	}
	if (json_array_size(v) == 0 || json_array_size(v) > RPC_MAX_BATCH) {
		handle_garbage(s, RPC_INVALID_REQUEST,
		    json_array_size(v) == 0 ? "empty batch" :
		    "batch too large");
		json_decref(v);
		return;
	}
	out = json_array();
	for (i = 0; i < json_array_size(v); i++) {
		resp = handle_request(s, json_array_get(v, i));
		if (resp != NULL)
			json_array_append_new(out, resp);
	}
	if (json_array_size(out) > 0 && rpc_write(s->fd, out) == -1)
		s->closing = 1;
	json_decref(out);
	json_decref(v);
}

/*
 * Wait for input until the session's deadline (none while a
 * subscription is open), pumping the inbox when it changes.  Returns 1
 * when the connection is readable, 0 to end the session.
 */
static int
wait_readable(struct session *s, uint64_t deadline)
{
	enum deadline_wait	r;
	int			subscribed;

	for (;;) {
		subscribed = inbox_subscribed(s);
		if (!subscribed && deadline_left_ms(deadline) == 0)
			return 0;
		/*
		 * Subscribed: no session deadline, but look at the inbox at
		 * least once a second, and at once when the wake fd says it
		 * changed.
		 */
		r = deadline_wait(s->fd, POLLIN, subscribed ? s->wake_fd : -1,
		    subscribed ? deadline_in(1000) : deadline);
		if (r == DEADLINE_ERROR)
			return 0;
		if (r == DEADLINE_CANCELLED)
			osdep_watch_drain(s->wake_fd);
		if (subscribed && inbox_pump(s) == -1)
			return 0;
		if (r == DEADLINE_READY)
			return 1;
	}
}

void
handler_serve(struct session *s)
{
	uint64_t	 deadline;
	char		*line;
	size_t		 len;
	int		 r;

	deadline = util_mono_ms() + s->cfg->handler_timeout_ms;
	linereader_init(&s->reader, s->fd, s->cfg->max_line);
	while (!s->closing) {
		r = linereader_next(&s->reader, &line, &len);
		if (r == LINE_OK) {
			handle_line(s, line, len);
			/* Descriptors not claimed by that line are dropped. */
			linereader_drop_fds(&s->reader);
			/* A new subscription may start from the past. */
			if (inbox_subscribed(s) && inbox_pump(s) == -1)
				break;
			continue;
		}
		if (r == LINE_EOF)
			break;
		if (r == LINE_TOOLONG) {
			handle_garbage(s, RPC_PARSE_ERROR, "line too long");
			break;
		}
		if (!wait_readable(s, deadline)) {
			log_debug("connection deadline reached");
			break;
		}
		r = linereader_fill(&s->reader);
		if (r == LINE_TOOMANYFDS) {
			handle_garbage(s, RPC_INVALID_REQUEST,
			    "too many descriptors");
			break;
		}
		if (r == LINE_ERROR && errno != EINTR && errno != EAGAIN)
			break;
	}
	linereader_free(&s->reader);
	if (s->wake_fd != -1)
		close(s->wake_fd);
}

void
handler_refuse(struct session *s, int code, const char *reason)
{
	struct call	 c;
	json_t		*resp, *data = NULL;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.rule = "clients";
	if (code == CP_ERR_PEER_UNAUTHORIZED)
		data = json_pack("{s:I}", "uid", (json_int_t)s->peer.uid);
	call_error(&c, code, data, "%s", reason);
	call_audit(&c);
	resp = call_response(&c);
	(void)rpc_write(s->fd, resp);
	json_decref(resp);
	call_clear(&c);
}
