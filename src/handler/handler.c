/*
 * The connection loop: read a line, decode it strictly, run the request
 * through the method table, write exactly one audit record, answer.
 * Batches are a list of requests answered together; notifications are
 * executed and audited but never answered.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

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
#include "owner.h"
#include "protocol.h"
#include "rpc.h"
#include "util.h"


/*
 * Too close to the connection's deadline to start a request: it could
 * not finish, and its tool would be killed mid-act.
 */
static int
deadline_near(const struct session *s)
{
	uint64_t	deadline = s->env.deadline_ms;

	return deadline != 0 &&
	    util_mono_ms() + HANDLER_DEADLINE_MARGIN_MS >= deadline;
}

/* Run one request object; returns the response or NULL (notification). */
static json_t *
handle_request(struct session *s, json_t *v)
{
	struct call		 c;
	struct dispatch		 d;
	json_t			*resp;

	memset(&c, 0, sizeof(c));
	c.env = &s->env;
	c.s = s;
	if (dispatch(&c, v, &d) == 0 && deadline_near(s)) {
		/* Recorded and answered, never run: no time to finish it. */
		c.rule = "handler_timeout";
		c.outcome = AUDIT_OUTCOME_REFUSED;
		(void)call_error(&c, CP_ERR_TIMEOUT, json_pack("{s:I,s:s}",
		    "timeout_ms", (json_int_t)s->env.cfg->handler_timeout_ms,
		    "rule", "handler_timeout"),
		    "the gateway's deadline for this connection was reached: "
		    "request not run");
	} else if (d.method != NULL && c.code == 0 &&
	    d.method->fn(&c, d.channel) == 0) {
		if (c.decision == AUDIT_DECISION_UNSET)
			c.decision = AUDIT_DECISION_ALLOW;
		if (c.outcome == AUDIT_OUTCOME_UNSET)
			c.outcome = AUDIT_OUTCOME_OK;
		if (c.result == NULL)
			c.result = json_object();
	}
	call_audit(&c);
	/*
	 * A hold just stored, and recorded: the owner hears of it now
	 * (owner-notify.c; never fails it), unless the connection's time
	 * is nearly up: then the watcher's tick tells of it.  Here, not in
	 * send.c, whose adapters the notice itself goes through.
	 */
	if (c.code == CP_ERR_HELD && c.hold_id[0] != '\0' && !deadline_near(s))
		owner_notify_hold(&s->env, c.hold_id);
	resp = NULL;
	/* A valid notification is never answered, whatever happened. */
	if (!d.notification || c.code == RPC_INVALID_REQUEST)
		resp = call_response(&c);
	call_clear(&c);
	dispatch_clear(&d);
	return resp;
}

/* Answer something that was not a request at all (parse errors). */
static void
handle_garbage(struct session *s, int code, const char *msg)
{
	struct call	 c;
	json_t		*resp;

	memset(&c, 0, sizeof(c));
	c.env = &s->env;
	c.s = s;
	c.decision = AUDIT_DECISION_INVALID;
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

	deadline = util_mono_ms() + s->env.cfg->handler_timeout_ms;
	linereader_init(&s->reader, s->fd, s->env.cfg->max_line);
	while (!s->closing) {
		r = linereader_next(&s->reader, &line, &len);
		if (r == LINE_OK) {
			handle_line(s, line, len);
			/* Past the deadline: what was read is answered, no more. */
			if (deadline_near(s))
				s->closing = 1;
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
	c.env = &s->env;
	c.s = s;
	c.rule = "clients";
	if (code == CP_ERR_PEER_UNAUTHORIZED)
		data = json_pack("{s:I}", "uid", (json_int_t)s->env.peer.uid);
	call_error(&c, code, data, "%s", reason);
	call_audit(&c);
	resp = call_response(&c);
	(void)rpc_write(s->fd, resp);
	json_decref(resp);
	call_clear(&c);
}

/*
 * The refusal is written; now let the client finish its request so it
 * reads the answer.  Closing with the request unread would make the
 * client's write fail (EPIPE) and, on some systems, its read fail
 * (ECONNRESET) before it sees the answer.  Half-close first (the client
 * reads the answer, then end of file), then read and discard, unparsed,
 * up to the end of the first line, end of file, max_bytes or deadline.
 */
void
handler_linger(int fd, size_t max_bytes, uint64_t deadline)
{
	char			 chunk[4096];
	enum deadline_wait	 r;
	size_t			 seen = 0;
	ssize_t			 n;

	if (shutdown(fd, SHUT_WR) == -1)
		return;
	while (seen < max_bytes) {
		n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n == 0)
			return;
		if (n > 0) {
			if (memchr(chunk, '\n', (size_t)n) != NULL)
				return;
			seen += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return;
		r = deadline_wait(fd, POLLIN, -1, deadline);
		if (r != DEADLINE_READY)
			return;
	}
}
