/*
 * Inbox methods: subscribe / unsubscribe / read, and the pump that
 * streams what watchers published to subscribed connections.  Inbound
 * policy is applied again here, with the configuration of this
 * connection: a message published under an older, looser policy is
 * still hidden.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "handler.h"
#include "log.h"
#include "osdep.h"
#include "protocol.h"
#include "sha256.h"
#include "state.h"

#define INBOX_READ_DEFAULT	100
#define INBOX_READ_MAX		1000
#define INBOX_PUMP_BATCH	256

int
inbox_subscribed(const struct session *s)
{
	int	i;

	for (i = 0; i < SUBSCRIPTIONS_MAX; i++)
		if (s->subs[i].id != 0)
			return 1;
	return 0;
}

/* May the client read this channel?  Returns its id or call_error. */
static int
inbox_channel(struct call *c, const char *name)
{
	int	id;

	if ((id = channel_lookup(name)) == -1)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param channels: unknown channel");
	if ((c->env->client->channels & (1U << id)) == 0) {
		c->rule = "clients.channels";
		return call_error(c, CP_ERR_CHANNEL_DENIED,
		    json_pack("{s:s}", "channel", channel_name(id)),
		    "client %s may not use channel %s", c->env->client->name,
		    channel_name(id));
	}
	if (!c->env->cfg->channels[id].configured)
		return call_error(c, CP_ERR_CHANNEL_UNAVAILABLE,
		    json_pack("{s:s}", "channel", channel_name(id)),
		    "channel %s is not configured", channel_name(id));
	return id;
}

/*
 * A subscription holds one of its client's slots, across every
 * connection: state_dir/subs/<client>.<n> for n below
 * clients[].limits.subscriptions, each an exclusive flock(2) held as
 * long as the subscription (the kernel drops it when the handler
 * exits, however it ends).  The client's name is hashed: it may hold
 * any character.  Returns the locked descriptor, or -1 with the call's
 * error set.
 */
static int
subscription_slot(struct call *c)
{
	const struct client	*cl = c->env->client;
	char			 path[PATH_MAX], hash[65];
	uint64_t		 i;
	int			 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/subs",
	    c->env->cfg->state_dir) >= sizeof(path) ||
	    (mkdir(path, 0700) == -1 && errno != EEXIST))
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: cannot count subscriptions");
	sha256_hex(cl->name, strlen(cl->name), hash);
	for (i = 0; i < cl->max_subscriptions; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/subs/%.16s.%llu",
		    c->env->cfg->state_dir, hash, (unsigned long long)i) >=
		    sizeof(path))
			break;
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK, 0600);
		if (fd == -1)
			break;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		close(fd);
		if (errno != EWOULDBLOCK)
			break;
	}
	if (i < cl->max_subscriptions) {
		log_warn("subscription slot %s", path);
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: cannot count subscriptions");
	}
	c->rule = "clients.limits.subscriptions";
	return call_error(c, CP_ERR_LIMIT_REACHED,
	    json_pack("{s:s,s:I}", "rule", c->rule, "limit",
	    (json_int_t)cl->max_subscriptions),
	    "too many subscriptions: client %s has %llu open (%s)", cl->name,
	    (unsigned long long)cl->max_subscriptions, c->rule);
}

int
inbox_subscribe(struct call *c, const struct channel *unused)
{
	struct session		*s = c->s;
	struct subscription	*sub = NULL;
	json_t			*chans, *since, *v, *cursors;
	const char		*key;
	unsigned int		 want = 0;
	uint64_t		 last;
	size_t			 i;
	int			 id, r;

	for (i = 0; i < SUBSCRIPTIONS_MAX; i++)
		if (s->subs[i].id == 0) {
			sub = &s->subs[i];
			break;
		}
	if (sub == NULL)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "too many subscriptions on one connection");
	chans = json_object_get(c->params, "channels");
	since = json_object_get(c->params, "since");
	if (chans != NULL) {
		json_array_foreach(chans, i, v) {
			if ((id = inbox_channel(c, json_string_value(v))) < 0)
				return -1;
			want |= 1U << id;
		}
	} else {
		for (id = 0; id < (int)channel_count; id++)
			if ((s->env.client->channels & (1U << id)) &&
			    s->env.cfg->channels[id].configured)
				want |= 1U << id;
	}
	if (want == 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "params: no channel to subscribe to");
	json_object_foreach(since, key, v) {
		if ((id = channel_lookup(key)) == -1 ||
		    (want & (1U << id)) == 0)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param since: not a subscribed channel");
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return call_error(c, RPC_INVALID_PARAMS, NULL,
			    "param since: expected a cursor (integer >= 0)");
	}
	/* Last before success: nothing below fails once it is held. */
	if ((sub->slot_fd = subscription_slot(c)) == -1)
		return -1;
	if (s->wake_fd == -1)
		s->wake_fd = osdep_watch_file(
		    state_inbox_wake_path(s->env.state));
	cursors = json_object();
	for (id = 0; id < (int)channel_count; id++) {
		if ((want & (1U << id)) == 0)
			continue;
		if ((r = state_inbox_last(s->env.state, channel_name(id),
		    &last)) != 0) {
			json_decref(cursors);
			close(sub->slot_fd);
			sub->slot_fd = 0;
			return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
			    "state unavailable: %s", state_strerror(r));
		}
		v = json_object_get(since, channel_name(id));
		sub->cursor[id] = v != NULL ? (uint64_t)json_integer_value(v) :
		    last;
		json_object_set_new(cursors, channel_name(id),
		    json_integer((json_int_t)sub->cursor[id]));
	}
	sub->channels = want;
	sub->id = ++s->next_sub;
	/*
	 * The stream lives as long as the client: no connection deadline
	 * (each tool run is still bounded by its channel's timeout).
	 */
	(void)alarm(0);
	s->env.deadline_ms = 0;
	c->result = json_pack("{s:i,s:o}", "subscription", sub->id,
	    "cursor", cursors);
	return 0;
}

int
inbox_unsubscribe(struct call *c, const struct channel *unused)
{
	json_int_t	 id = json_integer_value(json_object_get(c->params,
			    "subscription"));
	int		 i;

	for (i = 0; i < SUBSCRIPTIONS_MAX; i++) {
		if (c->s->subs[i].id != 0 && c->s->subs[i].id == id) {
			close(c->s->subs[i].slot_fd);
			memset(&c->s->subs[i], 0, sizeof(c->s->subs[i]));
			c->result = json_pack("{s:b}", "ok", 1);
			return 0;
		}
	}
	return call_error(c, RPC_INVALID_PARAMS, NULL,
	    "param subscription: no such subscription");
}

struct read_ctx {
	struct session		*s;
	const struct channel	*ch;
	json_t			*out;		/* inbox.read: array */
	int			 sub;		/* pump: subscription id */
	size_t			 limit;		/* inbox.read: visible ones */
	uint64_t		 cursor;
	size_t			 n;
	int			 failed;
};

/* A stored message as the client sees it; NULL when hidden now. */
static json_t *
inbox_visible_copy(struct read_ctx *r, json_t *msg)
{
	json_t	*copy;

	if (!inbound_message_visible(r->s->env.cfg, r->ch, msg))
		return NULL;
	copy = json_deep_copy(msg);
	if (copy == NULL || inbound_scrub(r->ch, copy) == -1) {
		json_decref(copy);
		return NULL;
	}
	return copy;
}

/*
 * inbox.read: a page is limit visible messages, and its cursor the last
 * of them; hidden ones neither shorten a page nor move its cursor (a
 * short page or a cursor past the last message shown would count them).
 */
static int
read_one(uint64_t cursor, json_t *msg, void *arg)
{
	struct read_ctx	*r = arg;
	json_t		*copy;

	if (json_array_size(r->out) >= r->limit)
		return 1;
	r->n++;
	if ((copy = inbox_visible_copy(r, msg)) != NULL) {
		r->cursor = cursor;
		json_array_append_new(r->out, json_pack("{s:s,s:I,s:o}",
		    "channel", channel_name(r->ch->id), "cursor",
		    (json_int_t)cursor, "message", copy));
	}
	return 0;
}

int
inbox_read(struct call *c, const struct channel *ch)
{
	struct read_ctx	 r;
	json_t		*l = json_object_get(c->params, "limit");
	json_t		*since = json_object_get(c->params, "since");
	json_int_t	 limit = l != NULL ? json_integer_value(l) :
			    INBOX_READ_DEFAULT;
	int		 rv;

	if (limit < 1 || limit > INBOX_READ_MAX)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param limit: expected 1..%d", INBOX_READ_MAX);
	if (since != NULL && json_integer_value(since) < 0)
		return call_error(c, RPC_INVALID_PARAMS, NULL,
		    "param since: expected a cursor (integer >= 0)");
	memset(&r, 0, sizeof(r));
	r.s = c->s;
	r.ch = ch;
	r.out = json_array();
	r.limit = (size_t)limit;
	r.cursor = since != NULL ? (uint64_t)json_integer_value(since) : 0;
	if ((rv = state_inbox_read(c->env->state, channel_name(ch->id),
	    r.cursor, 0, read_one, &r)) != 0) {
		json_decref(r.out);
		return call_error(c, CP_ERR_STATE_UNAVAILABLE, NULL,
		    "state unavailable: %s", state_strerror(rv));
	}
	c->result = json_pack("{s:o,s:I}", "messages", r.out, "cursor",
	    (json_int_t)r.cursor);
	return 0;
}

static int
pump_one(uint64_t cursor, json_t *msg, void *arg)
{
	struct read_ctx	*r = arg;
	json_t		*copy, *note;

	r->cursor = cursor;
	r->n++;
	if ((copy = inbox_visible_copy(r, msg)) == NULL)
		return 0;
	note = json_pack("{s:s,s:s,s:{s:i,s:s,s:I,s:o}}", "jsonrpc", "2.0",
	    "method", "inbox.message", "params", "subscription", r->sub,
	    "channel", channel_name(r->ch->id), "cursor", (json_int_t)cursor,
	    "message", copy);
	if (note == NULL || rpc_write(r->s->fd, note) == -1) {
		json_decref(note);
		r->failed = 1;
		return 1;
	}
	json_decref(note);
	return 0;
}

int
inbox_pump(struct session *s)
{
	struct subscription	*sub;
	struct read_ctx		 r;
	int			 i, id, rv;

	for (i = 0; i < SUBSCRIPTIONS_MAX; i++) {
		sub = &s->subs[i];
		for (id = 0; sub->id != 0 && id < (int)channel_count;
		    id++) {
			if ((sub->channels & (1U << id)) == 0)
				continue;
			do {
				memset(&r, 0, sizeof(r));
				r.s = s;
				r.ch = &s->env.cfg->channels[id];
				r.sub = sub->id;
				r.cursor = sub->cursor[id];
				rv = state_inbox_read(s->env.state,
				    channel_name(id), sub->cursor[id],
				    INBOX_PUMP_BATCH, pump_one, &r);
				if (rv != 0) {
					log_warnx("inbox: %s", state_strerror(rv));
					return -1;
				}
				if (r.failed)
					return -1;
				sub->cursor[id] = r.cursor;
			} while (r.n == INBOX_PUMP_BATCH);
		}
	}
	return 0;
}
