/*
 * Running a channel's real tool for one request: a fixed argv built by
 * the adapter, spawn_run's confinement, and the tool's failure mapped
 * onto the gateway's errors (unavailable, timeout, tool failed with the
 * tail of its output).
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "spawn.h"
#include "util.h"

#define TAIL_MAX	512

/*
 * The last TAIL_MAX bytes of a tool's output as a JSON string: NULs,
 * and every non-ASCII byte when the tail is not valid UTF-8, become '?'.
 */
json_t *
tool_output_tail(const char *s, size_t len)
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

/*
 * The call's tool was cut off by the handler's deadline (or not started
 * for lack of time): a delivery whose tool was interrupted may or may
 * not have reached anyone, and its record says so.
 */
int
tool_deadline(struct call *c)
{
	if (c->delivery != 0) {
		/* Policy allowed it; only its fate is unknown. */
		c->decision = AUDIT_DECISION_ALLOW;
		c->outcome = AUDIT_OUTCOME_INTERRUPTED;
	} else
		c->outcome = AUDIT_OUTCOME_TIMEOUT;
	c->rule = "handler_timeout";
	return call_error(c, CP_ERR_TIMEOUT, json_pack("{s:I,s:s}",
	    "timeout_ms", (json_int_t)c->env->cfg->handler_timeout_ms,
	    "rule", "handler_timeout"),
	    "%s: the gateway's deadline for this connection was reached%s",
	    c->channel, c->delivery != 0 ?
	    "; the delivery may or may not have been made" : "");
}

uint64_t
tool_time_left(const struct call *c, uint64_t timeout_ms, int *clamped)
{
	uint64_t	now;

	*clamped = 0;
	if (c->env->deadline_ms == 0)
		return timeout_ms;
	now = util_mono_ms();
	if (now >= c->env->deadline_ms) {
		*clamped = 1;
		return 0;
	}
	if (c->env->deadline_ms - now < timeout_ms) {
		*clamped = 1;
		return c->env->deadline_ms - now;
	}
	return timeout_ms;
}

/* Has the connection's deadline passed? */
static int
past_deadline(const struct call *c)
{
	return c->env->deadline_ms != 0 &&
	    util_mono_ms() >= c->env->deadline_ms;
}

/* The gate of spawn_run_gated: the call's own. */
static int
tool_gate(void *arg)
{
	return call_gate_open(arg);
}

/*
 * The tool's run (stdin_fd, or gated when g is not NULL) and what its
 * end means for the call: 0, or -1 with the call's error set.
 */
static int
tool_exec(struct call *c, const struct channel *ch,
    const struct tool_argv *a, int stdin_fd, const struct spawn_gate *g,
    struct spawn_result *res)
{
	char		**env = spawn_default_env();
	uint64_t	  timeout;
	int		  clamped, r;

	/* No tool runs past the process's deadline. */
	if ((timeout = tool_time_left(c, ch->timeout_ms, &clamped)) == 0)
		return tool_deadline(c);
	if (g != NULL)
		r = spawn_run_gated(ch->tool, (char *const *)a->v, env, g,
		    timeout, ch->max_output, res);
	else
		r = spawn_run(ch->tool, (char *const *)a->v, env, stdin_fd,
		    timeout, ch->max_output, res);
	if (r == 0 && res->refused) {
		/* The gate's refusal is the call's error already. */
		spawn_result_free(res);
		return -1;
	}
	if (r == 0 && res->unfed) {
		/* Recorded as delivering, but the tool never had it. */
		spawn_result_free(res);
		c->outcome = AUDIT_OUTCOME_FAILED;
		if (past_deadline(c)) {
			c->rule = "handler_timeout";
			return call_error(c, CP_ERR_TIMEOUT,
			    json_pack("{s:I,s:s}", "timeout_ms",
			    (json_int_t)c->env->cfg->handler_timeout_ms,
			    "rule", "handler_timeout"),
			    "%s: the gateway's deadline for this connection "
			    "was reached before the tool had the request; "
			    "nothing was delivered", c->channel);
		}
		return call_error(c, CP_ERR_TOOL_FAILED, NULL,
		    "%s failed: the tool ended before it had the request; "
		    "nothing was delivered", c->channel);
	}
	if (r == -1) {
		log_warn("spawn %s", ch->tool);
		c->outcome = AUDIT_OUTCOME_FAILED;
		return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE,
		    json_pack("{s:s}", "channel", c->channel),
		    "channel %s unavailable: cannot run its tool", c->channel);
	}
	/* Cut off by the connection's deadline, not by its own. */
	if (res->timed_out && (clamped || past_deadline(c))) {
		spawn_result_free(res);
		return tool_deadline(c);
	}
	if (res->timed_out) {
		spawn_result_free(res);
		c->outcome = AUDIT_OUTCOME_TIMEOUT;
		return call_error(c, CP_ERR_TIMEOUT, json_pack("{s:I}",
		    "timeout_ms", (json_int_t)ch->timeout_ms),
		    "%s timed out after %llu ms", c->channel,
		    (unsigned long long)ch->timeout_ms);
	}
	if (!res->exited || res->status != 0) {
		json_t *tail = res->errlen > 0 ?
		    tool_output_tail(res->err, res->errlen) :
		    tool_output_tail(res->out, res->outlen);

		c->outcome = AUDIT_OUTCOME_FAILED;
		call_error(c, CP_ERR_TOOL_FAILED, json_pack("{s:i,s:o*}",
		    "exit_status", res->exited ? res->status :
		    128 + res->status, "stderr", tail),
		    res->exited ? "%s failed (exit status %d)" :
		    "%s failed (signal %d)", c->channel, res->status);
		spawn_result_free(res);
		return -1;
	}
	return 0;
}

int
tool_run_input(struct call *c, const struct channel *ch,
    const struct tool_argv *a, int stdin_fd, struct spawn_result *res)
{
	/* Nothing runs under a delivery not yet charged and recorded. */
	if (call_gate_open(c) != 0)
		return -1;
	return tool_exec(c, ch, a, stdin_fd, NULL, res);
}

int
tool_run_text(struct call *c, const struct channel *ch,
    const struct tool_argv *a, const char *text, struct spawn_result *res)
{
	struct spawn_gate	 g;
	size_t			 len = strlen(text);
	int			 fd, r;

	if (c->gate != NULL && len <= SPAWN_GATED_MAX) {
		g.open = tool_gate;
		g.arg = c;
		g.data = text;
		g.len = len;
		g.deadline_ms = c->env->deadline_ms;
		return tool_exec(c, ch, a, -1, &g, res);
	}
	if (call_gate_open(c) != 0)
		return -1;
	if ((fd = send_spool_text(c, text)) == -1)
		return -1;
	r = tool_exec(c, ch, a, fd, NULL, res);
	(void)close(fd);
	return r;
}

int
tool_run(struct call *c, const struct channel *ch, const struct tool_argv *a,
    struct spawn_result *res)
{
	return tool_run_input(c, ch, a, -1, res);
}

void
tool_json_lines(const char *out, size_t len,
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

void
read_filter_message(json_t *m, void *arg)
{
	struct read_filter	*f = arg;

	if ((json_int_t)json_array_size(f->keep) >= f->limit)
		return;
	if (!inbound_message_visible(f->c->env->cfg, f->ch, m) ||
	    inbound_scrub(f->ch, m) == -1) {
		f->hidden++;
		return;
	}
	json_array_append(f->keep, m);
}

void
tool_read_filtered(struct call *c, const struct channel *ch,
    struct spawn_result *res, json_int_t limit,
    void (*fn)(json_t *, void *), const char *key)
{
	struct read_filter	f;

	memset(&f, 0, sizeof(f));
	f.c = c;
	f.ch = ch;
	f.limit = limit;
	f.keep = json_array();
	tool_json_lines(res->out, res->outlen, fn, &f);
	spawn_result_free(res);
	c->result = json_pack("{s:o}", key, f.keep);
	if (f.hidden > 0)
		c->rule = "inbound.allow";
}

int
tool_unexpected(struct call *c)
{
	c->outcome = AUDIT_OUTCOME_FAILED;
	return call_error(c, CP_ERR_TOOL_FAILED, json_pack("{s:i,s:s}",
	    "exit_status", 0, "stderr", "unexpected output"),
	    "%s: unexpected tool output", c->channel);
}

static void
keep_last(json_t *v, void *arg)
{
	json_t	**last = arg;

	json_decref(*last);
	*last = json_incref(v);
}

json_t *
tool_last_object(struct call *c, const struct channel *ch,
    const struct tool_argv *a, int stdin_fd)
{
	struct spawn_result	 res;
	json_t			*last = NULL;

	if (tool_run_input(c, ch, a, stdin_fd, &res) == -1)
		return NULL;
	tool_json_lines(res.out, res.outlen, keep_last, &last);
	spawn_result_free(&res);
	if (last == NULL)
		(void)tool_unexpected(c);
	return last;
}
