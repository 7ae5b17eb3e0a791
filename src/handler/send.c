/*
 * The outbound pipeline every channel's send goes through, in this
 * order: recipient policy on every recipient (one denied refuses the
 * whole message), content rules, room in the state for the audit
 * record, attachments copied into the spool, then either a hold for the
 * owner or the rate limits and delivery by the channel's adapter.  A
 * held request keeps what delivery needs, so carapacectl approves it
 * through the same adapter.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "freeze.h"
#include "handler.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "spawn.h"
#include "state.h"
#include "util.h"

/*
 * Room the state must have before a send: its audit record, a hold and
 * rate windows, for this and every concurrent handler (LMDB copies
 * pages on write), with a wide margin.
 */
#define SEND_HEADROOM	(256 * 1024)

/*
 * Identities one message may reach, all recipients together: each is a
 * rate-limit key per "per: recipient" limit.
 */
#define MESSAGE_IDENTITY_MAX	64

/* The distinct canonical identities a message reaches (rate keys). */
struct reached {
	size_t		 n;
	char		 ids[MESSAGE_IDENTITY_MAX][ADDR_MAX];
};

/* What a delivery's gate charges, and the rule it restores if refused. */
struct send_gate {
	const struct channel	*ch;
	const struct reached	*who;
	const char		*prev;
	const char		*rule;
};

int
check_argument(struct call *c, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	if (value[0] == '-')
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param %s: must not start with '-'", name);
	return 0;
}

int
send_resolve(struct call *c, const struct channel *ch, const char *param,
    const char *in, char *out, size_t outlen, enum addr_kind *kind)
{
	const char	*cause = NULL;

	if (addr_resolve(c->env->cfg, ch->id, in, out, outlen, kind,
	    &cause) == -1) {
		c->rule = "address";
		return call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", "", "rule", "address"),
		    "recipient not allowed: param %s: cannot normalise (%s)",
		    param, cause != NULL ? cause : "invalid address");
	}
	return 0;
}

/*
 * A new file in the spool under state_dir, "PREFIX-XXXXXX" plus suffix,
 * mode 0600: its descriptor with path filled, or -1 with the call's
 * error set.
 */
static int
spool_create(struct call *c, const char *prefix, const char *suffix,
    char *path, size_t pathlen)
{
	int	fd;

	if ((size_t)snprintf(path, pathlen, "%s/spool", c->env->cfg->state_dir) >=
	    pathlen || (mkdir(path, 0700) == -1 && errno != EEXIST) ||
	    (size_t)snprintf(path, pathlen, "%s/spool/%s-XXXXXX%s",
	    c->env->cfg->state_dir, prefix, suffix) >= pathlen)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "spool path too long");
	if ((fd = mkostemps(path, (int)strlen(suffix), O_CLOEXEC)) == -1) {
		log_warn("spool %s", path);
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "cannot write to the spool");
	}
	return fd;
}

int
send_spool_text(struct call *c, const char *text)
{
	char	 path[PATH_MAX];
	size_t	 len = strlen(text), off = 0;
	ssize_t	 w;
	int	 fd;

	/* Usually in a pipe; a file only when the pipe cannot hold it. */
	if ((fd = spawn_input(text, len)) != -1)
		return fd;
	if ((fd = spool_create(c, "body", "", path, sizeof(path))) == -1)
		return -1;
	(void)unlink(path);
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off < len || lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "cannot write to the spool");
	}
	return fd;
}

/* Copy one descriptor the client passed into the spool. */
static int
spool_one(struct call *c, const struct channel *ch, json_t *att,
    char *path, size_t pathlen)
{
	struct stat	 st;
	const char	*name, *ext, *p;
	char		 buf[65536], suffix[16] = "";
	int		 fd, out = -1;
	ssize_t		 r;
	uint64_t	 total = 0;

	name = json_string_value(json_object_get(att, "name"));
	if (!json_is_object(att) ||
	    json_object_size(att) != (name != NULL ? 1U : 0U))
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachment: only \"name\" is accepted");
	if (c->s == NULL || (fd = linereader_take_fd(&c->s->reader)) == -1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachment: no descriptor was passed with the "
		    "request (attachments go by descriptor, not path)");
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachment: not a regular file");
	}
	if ((uint64_t)st.st_size > ch->max_attachment) {
		close(fd);
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param attachment: larger than %llu bytes",
		    (unsigned long long)ch->max_attachment);
	}
	/* Keep a short, safe extension so the tool can tell the type. */
	if (name != NULL && (ext = strrchr(name, '.')) != NULL &&
	    strlen(ext) < sizeof(suffix)) {
		for (p = ext + 1; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
				break;
		if (*p == '\0' && p != ext + 1)
			(void)strlcpy(suffix, ext, sizeof(suffix));
	}
	if ((out = spool_create(c, "att", suffix, path, pathlen)) == -1) {
		close(fd);
		return -1;
	}
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		total += (uint64_t)r;
		if (total > ch->max_attachment ||
		    write(out, buf, (size_t)r) != r) {
			r = -1;
			break;
		}
	}
	close(fd);
	if (r != 0 || close(out) == -1) {
		(void)unlink(path);
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "cannot spool the attachment");
	}
	return 0;
}

void
send_unspool(json_t *delivery)
{
	json_t		*f;
	size_t		 i;
	const char	*path;

	json_array_foreach(json_object_get(delivery, "files"), i, f) {
		path = json_string_value(f);
		if (path != NULL && unlink(path) == -1 && errno != ENOENT)
			log_warn("remove %s", path);
	}
}

/* Spool every attachment; their paths go to delivery's "files". */
static int
spool_all(struct call *c, const struct channel *ch, json_t *atts,
    json_t *delivery)
{
	json_t	*files, *att;
	size_t	 i;
	char	 path[PATH_MAX];

	files = json_array();
	json_object_set_new(delivery, "files", files);
	json_array_foreach(atts, i, att) {
		if (spool_one(c, ch, att, path, sizeof(path)) == -1) {
			send_unspool(delivery);
			json_object_del(delivery, "files");
			return -1;
		}
		json_array_append_new(files, json_string(path));
	}
	return 0;
}

static int	 deliver_gate(struct call *, void *);
static int	 charge_some(struct call *, const struct channel *,
		    const struct reached *, struct rate_request *,
		    char (*)[512], size_t *, size_t *);
static int	 charge_take(struct call *, const struct channel *,
		    struct rate_request *, const size_t *, size_t, int);

static uint64_t
retry_seconds(uint64_t ms)
{
	return (ms + 999) / 1000;
}

/*
 * Charge the channel's rate limits: "per: recipient" once for every
 * canonical identity the message reaches, so one person addressed many
 * ways has one window.  delivering: and write the delivering record in
 * the same commit (call_charge).  0 or the call's error.
 */
static int
charge_limits(struct call *c, const struct channel *ch,
    const struct reached *who, int delivering)
{
	struct rate_request	*reqs;
	char			(*keys)[512];
	size_t			 i, n = 0, total = 0, *idx;
	int			 r;

	/* Sized by the message: every identity under every limit. */
	for (i = 0; i < ch->nlimits; i++)
		total += ch->limits[i].per == LIMIT_PER_RECIPIENT ? who->n : 1;
	if (total == 0)
		return charge_take(c, ch, NULL, NULL, 0, delivering);
	reqs = xcalloc(total, sizeof(*reqs));
	keys = xcalloc(total, sizeof(*keys));
	idx = xcalloc(total, sizeof(*idx));
	r = charge_some(c, ch, who, reqs, keys, idx, &n);
	if (r == 0)
		r = charge_take(c, ch, reqs, idx, n, delivering);
	free(idx);
	free(reqs);
	free(keys);
	return r;
}

/* The rate requests for every limit: n of them, or the call's error. */
static int
charge_some(struct call *c, const struct channel *ch,
    const struct reached *who, struct rate_request *reqs, char (*keys)[512],
    size_t *idx, size_t *np)
{
	size_t			 i, j, n = 0;
	const struct limit	*l;

	for (i = 0; i < ch->nlimits; i++) {
		l = &ch->limits[i];
		for (j = 0; j < (l->per == LIMIT_PER_RECIPIENT ?
		    who->n : 1); j++) {
			switch (l->per) {
			case LIMIT_PER_RECIPIENT:
				(void)snprintf(keys[n], sizeof(keys[n]),
				    "%s|recipient|%u|%llu|%s", c->channel,
				    l->max, (unsigned long long)l->window_ms,
				    who->ids[j]);
				break;
			case LIMIT_PER_CHANNEL:
				(void)snprintf(keys[n], sizeof(keys[n]),
				    "%s|channel|%u|%llu", c->channel, l->max,
				    (unsigned long long)l->window_ms);
				break;
			case LIMIT_PER_CLIENT:
				(void)snprintf(keys[n], sizeof(keys[n]),
				    "%s|client|%u|%llu|%s", c->channel,
				    l->max, (unsigned long long)l->window_ms,
				    c->env->client->name);
				break;
			}
			reqs[n].key = keys[n];
			reqs[n].max = l->max;
			reqs[n].window_ms = l->window_ms;
			idx[n] = i;
			n++;
		}
	}
	*np = n;
	return 0;
}

/*
 * Take the n rate requests at once (with the request window dispatch
 * left pending, and the delivering record when delivering): 0, or the
 * call's error.
 */
static int
charge_take(struct call *c, const struct channel *ch,
    struct rate_request *reqs, const size_t *idx, size_t n, int delivering)
{
	size_t			 which = 0;
	uint64_t		 retry = 0;
	const struct limit	*l;
	int			 r;

	if (n == 0 && !delivering && !c->spend_pending)
		return 0;
	r = call_charge(c, reqs, n, delivering, &which, &retry);
	if (r == 1) {
		l = &ch->limits[idx[which]];
		(void)snprintf(c->rulebuf, sizeof(c->rulebuf),
		    "limits[%zu]", idx[which]);
		c->rule = c->rulebuf;
		c->outcome = AUDIT_OUTCOME_LIMITED;
		return call_error(c, CP_ERR_RATE_LIMITED,
		    json_pack("{s:I,s:s}", "retry_after",
		    (json_int_t)retry_seconds(retry), "rule", c->rulebuf),
		    "rate limited: at most %u per %llus; retry in %llus",
		    l->max, (unsigned long long)(l->window_ms / 1000),
		    (unsigned long long)retry_seconds(retry));
	}
	return r;
}

/* Bytes of the spooled files a delivery names. */
static uint64_t
spool_bytes(json_t *delivery)
{
	struct stat	 st;
	json_t		*f;
	size_t		 i;
	uint64_t	 total = 0;
	const char	*path;

	json_array_foreach(json_object_get(delivery, "files"), i, f) {
		path = json_string_value(f);
		if (path != NULL && stat(path, &st) == 0 && st.st_size > 0)
			total += (uint64_t)st.st_size;
	}
	return total;
}

/*
 * Does target stand for others only the tool can name (a chat for its
 * participants, a group for its members)?  What the agent is told of
 * such a target never says who is behind it, nor whether it exists:
 * its participants may be hidden from the agent (no oracles).
 */
static int
stands_for_others(const struct channel *ch, const char *target)
{
	return (ch->driver->resolve_kinds &
	    (1U << addr_kind_of(target))) != 0;
}

/*
 * Store a held request for the owner; answers "held".  The hold keeps
 * every recipient, and names the one that needed approval (NULL when
 * a content rule held it) with the rule, in "recipient" and the reason.
 * What a client keeps waiting is bounded (clients[].limits.holds and
 * hold_bytes, spool_max for all clients, and the map's reserve),
 * checked in the same transaction that stores the hold.
 */
static int
hold_request(struct call *c, const struct channel *ch,
    const struct verdict *v, const char *cause, json_t *delivery)
{
	const struct client	*cl = c->env->client;
	struct state_hold_limits lim;
	json_t			*hold, *data;
	const char		*rule = NULL;
	char			 reason[sizeof(v->reason) + 2 * ADDR_MAX + 16];
	uint64_t		 limit = 0;
	int			 r, which = 0;

	if (cause != NULL)
		(void)snprintf(reason, sizeof(reason), "%s: %s (rule %s)",
		    cause, v->reason, v->rule != NULL ? v->rule : "?");
	else
		(void)strlcpy(reason, v->reason, sizeof(reason));
	hold = json_pack("{s:s,s:I,s:s,s:s,s:s,s:O,s:s,s:s,s:O,s:I}",
	    "client", cl->name, "uid", (json_int_t)c->env->peer.uid,
	    "channel", c->channel, "method", c->method,
	    "recipient", cause != NULL ? cause : "",
	    "recipients", c->recipients, "rule", v->rule != NULL ? v->rule : "",
	    "reason", reason, "params", delivery,
	    "spool_bytes", (json_int_t)spool_bytes(delivery));
	if (hold == NULL)
		return call_error(c, RPC_INTERNAL_ERROR, NULL, "out of memory");
	memset(&lim, 0, sizeof(lim));
	lim.count = cl->max_holds;
	lim.bytes = cl->max_hold_bytes;
	lim.total_bytes = c->env->cfg->spool_max;
	lim.reserve = call_reserve(c->env->cfg);
	r = state_hold_put_limited(c->env->state, hold, util_now_ms(), &lim,
	    &which, c->hold_id, sizeof(c->hold_id));
	json_decref(hold);
	if (r == STATE_E_LIMITED) {
		c->hold_id[0] = '\0';
		switch (which) {
		case STATE_HOLD_COUNT:
			rule = "clients.limits.holds";
			limit = lim.count;
			break;
		case STATE_HOLD_BYTES:
			rule = "clients.limits.hold_bytes";
			limit = lim.bytes;
			break;
		case STATE_HOLD_TOTAL:
			rule = "spool_max";
			limit = lim.total_bytes;
			break;
		default:
			rule = "map_reserve";
			limit = lim.reserve;
			break;
		}
		c->rule = rule;
		return call_error(c, CP_ERR_LIMIT_REACHED,
		    json_pack("{s:s,s:I}", "rule", rule, "limit",
		    (json_int_t)limit),
		    "not held: %s (%llu) reached; the owner must approve or "
		    "drop held messages first", rule,
		    (unsigned long long)limit);
	}
	if (r != 0) {
		c->hold_id[0] = '\0';
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "cannot hold the message: %s", state_strerror(r));
	}
	c->decision = AUDIT_DECISION_HOLD;
	c->outcome = AUDIT_OUTCOME_HELD;
	c->rule = v->rule;
	data = json_pack("{s:s,s:s}", "hold_id", c->hold_id, "rule",
	    v->rule != NULL ? v->rule : "");
	if (cause != NULL)
		json_object_set_new(data, "recipient", json_string(cause));
	/* The hold keeps the reason; the agent learns no one behind a chat. */
	if (cause != NULL && stands_for_others(ch, cause)) {
		(void)json_object_set_new(data, "rule",
		    json_string("recipient"));
		return call_error(c, CP_ERR_HELD, data, "held for approval: "
		    "hold %s (%s needs the owner's approval)", c->hold_id,
		    cause);
	}
	return call_error(c, CP_ERR_HELD, data,
	    "held for approval: hold %s (%s)", c->hold_id, reason);
}

/*
 * The one answer for a target that stands for others and is refused,
 * whether it is unknown, hidden or reaches someone not allowed; why is
 * for the owner (the log, and the rule in the audit record).
 */
static int
refuse_opaque(struct call *c, const char *target, const char *rule,
    const char *why)
{
	log_info("%s: recipient %s refused: %s", c->channel, target, why);
	c->rule = rule;
	return call_error(c, CP_ERR_RECIPIENT_DENIED, json_pack("{s:s,s:s}",
	    "recipient", target, "rule", "recipient"),
	    "recipient not allowed: %s", target);
}

int
send_identities(struct call *c, const struct channel *ch, const char *target,
    struct identity_set *set)
{
	const struct handler_adapter *ad = c->adapter;
	const char	*cause = "no canonical identity";
	json_t		*facts;
	char		 why[sizeof(c->message)];
	int		 kind = addr_kind_of(target), r;

	memset(set, 0, sizeof(*set));
	if ((ch->driver->resolve_kinds & (1U << kind)) == 0)
		r = identity_plain(set, c->env->cfg, target, &cause);
	else {
		/* Never the spelling: no lookup, no resolution, refused. */
		if (ch->driver->resolve == NULL || ad == NULL ||
		    ad->lookup == NULL) {
			c->rule = "address";
			return call_error(c, CP_ERR_RECIPIENT_DENIED,
			    json_pack("{s:s,s:s}", "recipient", target,
			    "rule", "address"), "recipient not allowed: %s "
			    "(cannot be resolved)", target);
		}
		/*
		 * A target the tool does not know, or cannot show (the
		 * adapter's lookup says which failures mean that), is
		 * answered as one that is not allowed; a tool that failed
		 * otherwise (timeout, unavailable, a bad token) says so.
		 */
		if ((facts = ad->lookup(c, ch, target)) == NULL) {
			if (c->code != CP_ERR_RECIPIENT_DENIED)
				return -1;
			(void)snprintf(why, sizeof(why), "%s", c->message);
			c->outcome = AUDIT_OUTCOME_UNSET;
			return refuse_opaque(c, target, "address", why);
		}
		r = ch->driver->resolve(c->env->cfg, ch, target, facts, set,
		    &cause);
		json_decref(facts);
		if (r == -1)
			return refuse_opaque(c, target, "address", cause);
	}
	if (r == -1) {
		c->rule = "address";
		return call_error(c, CP_ERR_RECIPIENT_DENIED,
		    json_pack("{s:s,s:s}", "recipient", target, "rule",
		    "address"), "recipient not allowed: %s (%s)", target,
		    cause);
	}
	return 0;
}

/*
 * send_pipeline with room for one target's identities (set) and the
 * message's (who).
 */
static int
pipeline(struct call *c, const struct channel *ch, struct outbound *o,
    struct identity_set *set, struct reached *who)
{
	const struct handler_adapter *ad;
	struct send_gate	 g;
	struct verdict	 rv, v, cv;
	const struct verdict *hold = NULL;
	const char	*cause = NULL;
	size_t		 i, j, k;
	int		 r;

	if (o->nrecipients == 0 || o->nrecipients > OUTBOUND_MAX ||
	    (ad = c->adapter) == NULL || ad->driver != ch->driver)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "no recipient or no adapter");
	/* The adapter's checks already kept other kinds out; fail closed. */
	for (i = 0; i < o->nrecipients; i++)
		if ((ch->driver->address_kinds &
		    (1U << addr_kind_of(o->recipients[i]))) == 0)
			return call_error(c, RPC_INTERNAL_ERROR, NULL,
			    "recipient kind not served by channel %s",
			    ch->driver->name);
	call_set_recipients(c, o->recipients, o->nrecipients);

	/*
	 * Every recipient must pass, decided on the identities it reaches;
	 * the first that needs approval holds.
	 */
	for (i = 0; i < o->nrecipients; i++) {
		if (send_identities(c, ch, o->recipients[i], set) == -1)
			return -1;
		policy_outbound_identities(c->env->cfg, ch, set, &v);
		if (v.kind == VERDICT_DENY &&
		    stands_for_others(ch, o->recipients[i]))
			return refuse_opaque(c, o->recipients[i],
			    v.rule != NULL ? v.rule : "policy", v.reason);
		if (v.kind == VERDICT_DENY) {
			c->rule = v.rule;
			(void)call_error(c, CP_ERR_RECIPIENT_DENIED,
			    json_pack("{s:s,s:s}", "recipient",
			    o->recipients[i], "rule",
			    v.rule != NULL ? v.rule : ""),
			    "recipient not allowed: %s (%s)",
			    o->recipients[i], v.reason);
			return -1;
		}
		if (i == 0 || (v.kind == VERDICT_HOLD &&
		    rv.kind != VERDICT_HOLD)) {
			rv = v;
			if (v.kind == VERDICT_HOLD)
				cause = o->recipients[i];
		}
		for (j = 0; j < set->n; j++) {
			for (k = 0; k < who->n; k++)
				if (strcmp(who->ids[k], set->ids[j]) == 0)
					break;
			if (k < who->n)
				continue;
			if (who->n == MESSAGE_IDENTITY_MAX) {
				(void)call_error(c, RPC_INVALID_PARAMS, NULL,
				    "params: the recipients reach more than "
				    "%d people", MESSAGE_IDENTITY_MAX);
				return -1;
			}
			(void)strlcpy(who->ids[who->n++], set->ids[j],
			    sizeof(who->ids[0]));
		}
	}
	cv.kind = VERDICT_ALLOW;
	cv.rule = NULL;
	if (o->text != NULL) {
		content_check(c->env->cfg, o->text, strlen(o->text), &cv);
		if (cv.kind == VERDICT_DENY) {
			c->rule = cv.rule;
			return call_error(c, CP_ERR_CONTENT_BLOCKED,
			    json_pack("{s:s}", "rule",
			    cv.rule != NULL ? cv.rule : ""),
			    "content blocked by rule %s",
			    cv.rule != NULL ? cv.rule : "?");
		}
	}

	/*
	 * Nothing irreversible happens unless its audit record will fit:
	 * a send the chain cannot record would be a send unaccounted for.
	 */
	if ((r = state_headroom(c->env->state, SEND_HEADROOM +
	    (size_t)call_reserve(c->env->cfg))) != 0)
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: %s", state_strerror(r));

	if (o->attachments != NULL && json_array_size(o->attachments) > 0 &&
	    spool_all(c, ch, o->attachments, o->delivery) == -1)
		return -1;

	if (rv.kind == VERDICT_HOLD)
		hold = &rv;
	else if (cv.kind == VERDICT_HOLD) {
		hold = &cv;
		cause = NULL;
	}
	if (hold != NULL) {
		r = hold_request(c, ch, hold, cause, o->delivery);
		/* A held message keeps its spooled files for the owner. */
		if (c->code != CP_ERR_HELD)
			send_unspool(o->delivery);
		return r;
	}
	/*
	 * The windows and the record naming every recipient, in one commit
	 * before the tool acts; the record carries the allowing rule, a
	 * refusal its own.  A gated adapter's tool starts while that
	 * commit is made (call_gate_open, tool_run_text).
	 */
	g.ch = ch;
	g.who = who;
	g.prev = c->rule;
	g.rule = c->rule = rv.rule;
	if (ad->gated) {
		c->gate = deliver_gate;
		c->gate_arg = &g;
		r = ad->deliver(c, ch, o->delivery);
		/* An adapter that ran nothing through its gate failed. */
		if (r == 0 && c->gate != NULL) {
			log_warnx("%s: delivered without its record",
			    c->channel);
			r = call_error(c, RPC_INTERNAL_ERROR, NULL,
			    "delivery ran without its record");
		}
		c->gate = NULL;
		c->gate_arg = NULL;
	} else if ((r = deliver_gate(c, &g)) == 0)
		r = ad->deliver(c, ch, o->delivery);
	send_unspool(o->delivery);
	return r;
}

/* A delivery's charge and record (charge_limits): 0 or the call's error. */
static int
deliver_gate(struct call *c, void *arg)
{
	struct send_gate	*g = arg;
	int			 r;

	if ((r = charge_limits(c, g->ch, g->who, 1)) != 0 &&
	    c->rule == g->rule)
		c->rule = g->prev;
	return r;
}

int
send_pipeline(struct call *c, const struct channel *ch, struct outbound *o)
{
	struct identity_set	*set;
	struct reached		*who;
	int			 r;

	if ((set = malloc(sizeof(*set))) == NULL ||
	    (who = calloc(1, sizeof(*who))) == NULL) {
		free(set);
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	r = pipeline(c, ch, o, set, who);
	free(set);
	free(who);
	return r;
}

/*
 * What is sent without being a message (a reaction, a typing indicator,
 * a receipt, a remote delete) spends the same windows as messages: one
 * charge on every identity the targets reach, as a send to them would,
 * committed with its delivering record.
 */
int
send_charge(struct call *c, const struct channel *ch,
    const char *const *targets, size_t n)
{
	struct identity_set	*set;
	struct reached		*who;
	size_t			 i, j, k;
	int			 r = 0;

	if ((set = malloc(sizeof(*set))) == NULL ||
	    (who = calloc(1, sizeof(*who))) == NULL) {
		free(set);
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	for (i = 0; r == 0 && i < n; i++) {
		if ((r = send_identities(c, ch, targets[i], set)) == -1)
			break;
		for (j = 0; r == 0 && j < set->n; j++) {
			for (k = 0; k < who->n; k++)
				if (strcmp(who->ids[k], set->ids[j]) == 0)
					break;
			if (k < who->n)
				continue;
			if (who->n == MESSAGE_IDENTITY_MAX)
				r = call_error(c, RPC_INVALID_PARAMS, NULL,
				    "params: the recipients reach more than "
				    "%d people", MESSAGE_IDENTITY_MAX);
			else
				(void)strlcpy(who->ids[who->n++], set->ids[j],
				    sizeof(who->ids[0]));
		}
	}
	if (r == 0)
		r = charge_limits(c, ch, who, 1);
	free(set);
	free(who);
	return r;
}

int
send_one(struct call *c, const struct channel *ch, const char *recipient,
    const char *text, json_t *attachment, json_t *delivery)
{
	struct outbound	 o;
	json_t		*atts = NULL;
	int		 r;

	if (attachment != NULL) {
		atts = json_array();
		json_array_append(atts, attachment);
	}
	memset(&o, 0, sizeof(o));
	o.recipients[0] = recipient;
	o.nrecipients = 1;
	o.text = text;
	o.attachments = atts;
	o.delivery = delivery;
	r = send_pipeline(c, ch, &o);
	json_decref(atts);
	return r;
}

int
deliver_hold(struct call *c, json_t *hold)
{
	const struct channel	*ch;
	const struct handler_adapter *ad;
	json_t			*p = json_object_get(hold, "params");
	json_t			*list = json_object_get(hold, "recipients");
	const char		*chname, *rcpt, *all[OUTBOUND_MAX];
	size_t			 i, n = 0;
	int			 id;

	chname = json_string_value(json_object_get(hold, "channel"));
	rcpt = json_string_value(json_object_get(hold, "recipient"));
	/* Holds stored before the list carry the joined "recipient". */
	if (json_is_array(list)) {
		if (json_array_size(list) == 0 ||
		    json_array_size(list) > OUTBOUND_MAX)
			return call_error(c, RPC_INTERNAL_ERROR, NULL,
			    "malformed hold");
		for (i = 0; i < json_array_size(list); i++)
			if ((all[n++] = json_string_value(json_array_get(list,
			    i))) == NULL)
				return call_error(c, RPC_INTERNAL_ERROR, NULL,
				    "malformed hold");
	} else if (rcpt != NULL)
		all[n++] = rcpt;
	if ((id = channel_lookup(chname)) == -1 || !json_is_object(p) ||
	    n == 0)
		return call_error(c, RPC_INTERNAL_ERROR, NULL,
		    "malformed hold");
	ch = &c->env->cfg->channels[id];
	c->channel = channel_name(id);
	call_set_recipients(c, all, n);
	if (!ch->configured || (ad = c->adapter) == NULL ||
	    ad->driver != ch->driver)
		return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE, NULL,
		    "channel %s unavailable", c->channel);
	/* Approved or not, nothing leaves a frozen channel. */
	if (freeze_check(c) != 0)
		return -1;
	if (call_audit_delivery(c) == -1)
		return -1;
	return ad->deliver(c, ch, p);
}
