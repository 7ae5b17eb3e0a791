/*
 * owner: the owner's own identity on each channel, and approvals by
 * reply (doc/approvals.md).  An identity is an address of a person on
 * its channel, never the account the gateway itself uses there: on such
 * a channel the owner's messages could not be told from the agent's
 * sends, so approvals by reply are refused there, with the reason.
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "compat.h"
#include "address.h"
#include "channel.h"
#include "conf.h"
#include "conf-yaml.h"
#include "config-private.h"
#include "util.h"

static void	 read_identities(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 identity_key(struct conf_yaml *, void *, int);
static void	 read_approvals(struct conf_parse *, void *,
		    const struct conf_key *);

static const char *const expiry_names[] = {
	[OWNER_EXPIRY_DROP] = "drop",
	[OWNER_EXPIRY_KEEP] = "keep",
	NULL
};

/* owner: approvals: */
static const struct conf_key approval_keys[] = {
	{ .name = "channels", .type = CONF_CALL,
	  CONF_FIELD(struct config, owner.approvals),
	  .read = read_approvals },
	{ .name = "expire", .type = CONF_DURATION,
	  CONF_FIELD(struct config, owner.expire_ms),
	  .min = MINUTE_MS, .max = 7 * DAY_MS, .default_value = 30 * MINUTE_MS },
	{ .name = "on_expiry", .type = CONF_NAME,
	  CONF_FIELD(struct config, owner.on_expiry),
	  .names = expiry_names, .default_value = OWNER_EXPIRY_DROP },
	{ .name = "notices", .type = CONF_UINT,
	  CONF_FIELD(struct config, owner.notice_max),
	  .min = 1, .max = 1000, .default_value = 6 },
	{ .name = "notice_window", .type = CONF_DURATION,
	  CONF_FIELD(struct config, owner.notice_window_ms),
	  .min = SECOND_MS, .max = DAY_MS, .default_value = 10 * MINUTE_MS },
	{ .name = "desktop", .type = CONF_BOOL,
	  CONF_FIELD(struct config, owner.desktop), .default_value = 0 },
};

/* owner: */
const struct conf_key config_owner_keys[CONFIG_OWNER_NKEYS] = {
	{ .name = "identities", .type = CONF_CALL, .read = read_identities },
	{ .name = "approvals", .type = CONF_MAPPING,
	  .keys = approval_keys, .nkeys = NITEMS(approval_keys) },
};

/* identities: CHANNEL: ADDRESS */
static void
read_identities(struct conf_parse *p, void *base, const struct conf_key *key)
{
	uint64_t	 seen;
	yaml_mark_t	 start;

	(void)base;
	(void)key;
	(void)conf_yaml_mapping(&p->y, p->chan_names, p->nchannels, "channel",
	    identity_key, p, &seen, &start);
}

static void
identity_key(struct conf_yaml *y, void *arg, int key)
{
	struct conf_parse	*p = arg;

	p->identity_marks[key] = y->event.start_mark;
	(void)conf_yaml_get_string(y, &p->cf->owner.identity[key]);
}

/* approvals: channels: [ ... ] */
static void
read_approvals(struct conf_parse *p, void *base, const struct conf_key *key)
{
	p->approvals_mark = p->y.event.start_mark;
	p->approvals_seen = 1;
	(void)conf_yaml_get_flags(&p->y, p->chan_names, p->chan_bits,
	    p->nchannels, 0,
	    (unsigned int *)(void *)((char *)base + key->offset));
}

/* Does the driver take key in its channel's inbound: mapping? */
static int
has_inbound_key(const struct channel_driver *d, const char *key)
{
	size_t	i;

	for (i = 0; i < d->ninbound_keys; i++)
		if (strcmp(d->inbound_keys[i].name, key) == 0)
			return 1;
	return 0;
}

/*
 * Each identity an address of a person that its channel takes, in
 * normalised form; each approvals channel configured, with an identity
 * that is not the gateway's account there.
 */
void
config_owner_check(struct conf_parse *p)
{
	struct owner			*o = &p->cf->owner;
	const struct channel		*ch;
	const struct channel_driver	*d;
	enum addr_kind			 kind;
	const char			*cause, *name;
	char				 norm[ADDR_MAX], self[ADDR_MAX];
	int				 id;

	for (id = 0; id < p->nchannels; id++) {
		ch = &p->cf->channels[id];
		d = ch->driver;
		name = p->chan_names[id];
		if (o->identity[id] == NULL)
			continue;
		if (!ch->configured) {
			conf_yaml_error_nopath(&p->y, p->identity_marks[id],
			    "owner.identities.%s: channel %s is not "
			    "configured", name, name);
			continue;
		}
		if (addr_normalize(o->identity[id], ch->region, norm,
		    sizeof(norm), &kind, &cause) == -1 ||
		    (kind != ADDR_PHONE && kind != ADDR_EMAIL &&
		    kind != ADDR_USER) ||
		    (d->address_kinds & (1U << kind)) == 0) {
			conf_yaml_error_nopath(&p->y, p->identity_marks[id],
			    "owner.identities.%s: not the address of a "
			    "person on %s", name, name);
			continue;
		}
		free(o->identity[id]);
		o->identity[id] = xstrdup(norm);
	}
	if (!p->approvals_seen)
		return;
	for (id = 0; id < p->nchannels; id++) {
		if ((o->approvals & (1U << id)) == 0)
			continue;
		ch = &p->cf->channels[id];
		d = ch->driver;
		name = p->chan_names[id];
		if (!ch->configured)
			conf_yaml_error_nopath(&p->y, p->approvals_mark,
			    "owner.approvals.channels: channel %s is not "
			    "configured", name);
		else if (o->identity[id] == NULL)
			conf_yaml_error_nopath(&p->y, p->approvals_mark,
			    "owner.approvals.channels: %s needs the owner's "
			    "identity (owner.identities.%s)", name, name);
		else if (d->owner_text == NULL)
			conf_yaml_error_nopath(&p->y, p->approvals_mark,
			    "owner.approvals.channels: %s cannot take "
			    "approvals by reply", name);
		else if (d->account != NULL &&
		    d->account(ch, self, sizeof(self)) == 0)
			conf_yaml_error_nopath(&p->y, p->approvals_mark,
			    "owner.approvals.channels: %s needs "
			    "channels.%s.account, the account the gateway "
			    "uses there, to tell the owner's messages from "
			    "its own", name, name);
		else if (has_inbound_key(d, "require_auth") &&
		    !ch->require_auth)
			conf_yaml_error_nopath(&p->y, p->approvals_mark,
			    "owner.approvals.channels: %s needs "
			    "channels.%s.inbound.require_auth on: without it "
			    "anyone can write From the owner's address", name,
			    name);
		else if (d->account != NULL &&
		    strcmp(self, o->identity[id]) == 0)
			conf_yaml_error_nopath(&p->y, p->approvals_mark,
			    "owner.approvals.channels: on %s the owner's "
			    "identity %s is the account the gateway sends "
			    "as: the owner's replies could not be told from "
			    "the agent's own sends (give the owner an "
			    "identity of their own)", name, o->identity[id]);
	}
}
