/*
 * Allow/deny matching of normalised addresses (address.c), in their
 * canonical form (identity.c), against the configuration's lists:
 * contact aliases, exact addresses, phone prefixes, "*@domain", chat
 * and group ids; and the outbound and inbound decisions built on it,
 * on one address or on everything one target reaches.  Every function
 * fails closed.
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "policy.h"

/* Longest raw input looked at; longer input is refused, not truncated. */
#define ADDR_INPUT_MAX	1024

static const char *channel_region(const struct config *, int);
static int	 is_normalized(const char *, enum addr_kind *);
static int	 match_one(const struct config *, int, const char *,
		    const char *, enum addr_kind);

static int
to_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static const char *
channel_region(const struct config *cfg, int ch)
{
	if (cfg == NULL || (unsigned int)ch >= CHANNEL_MAX)
		return NULL;
	return cfg->channels[ch].region;
}

int
addr_resolve(const struct config *cfg, int ch, const char *in,
    char *out, size_t outlen, enum addr_kind *kind, const char **cause)
{
	const struct contact	*c;
	char			 name[ADDR_INPUT_MAX + 1];
	const char		*s = in;
	size_t			 len;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (cfg == NULL || (unsigned int)ch >= CHANNEL_MAX || in == NULL) {
		if (cause != NULL)
			*cause = "no configuration, channel or address";
		return -1;
	}
	if ((len = strnlen(in, ADDR_INPUT_MAX + 1)) > ADDR_INPUT_MAX) {
		if (cause != NULL)
			*cause = "address too long";
		return -1;
	}
	addr_trim(&s, &len);
	memcpy(name, s, len);
	name[len] = '\0';
	if ((c = config_contact(cfg, name)) != NULL) {
		if (c->address[ch] == NULL) {
			if (cause != NULL)
				*cause = "contact has no address for this "
				    "channel";
			return -1;
		}
		return addr_normalize(c->address[ch], channel_region(cfg, ch),
		    out, outlen, kind, cause);
	}
	return addr_normalize(name, channel_region(cfg, ch), out, outlen,
	    kind, cause);
}

/*
 * Is s already in normal form?  Normal forms need no region, and
 * normalising is idempotent, so this is a round trip.
 */
static int
is_normalized(const char *s, enum addr_kind *kind)
{
	char	buf[ADDR_MAX];

	if (s == NULL || addr_normalize(s, NULL, buf, sizeof(buf), kind,
	    NULL) == -1)
		return 0;
	return strcmp(buf, s) == 0;
}

/* Does one list entry match the normalised address? */
static int
match_one(const struct config *cfg, int ch, const char *pattern,
    const char *addr, enum addr_kind kind)
{
	const struct contact	*c;
	const char		*p = pattern, *at;
	char			 buf[ADDR_MAX], canon[ADDR_MAX];
	size_t			 len, i;

	len = strnlen(p, ADDR_INPUT_MAX + 1);
	if (len > ADDR_INPUT_MAX)
		return 0;
	addr_trim(&p, &len);
	if (len == 0)
		return 0;

	/*
	 * "*@domain": that exact domain, not its subdomains; a domain
	 * that is an alias of another (googlemail.com) stands for it.
	 */
	if (len > 2 && p[0] == '*' && p[1] == '@') {
		if (kind != ADDR_EMAIL || !addr_valid_domain(p + 2, len - 2) ||
		    len - 2 >= sizeof(buf) || (at = strchr(addr, '@')) == NULL)
			return 0;
		at++;
		for (i = 0; i < len - 2; i++)
			buf[i] = (char)to_lower((unsigned char)p[2 + i]);
		buf[i] = '\0';
		return strcmp(identity_mail_domain(cfg, buf), at) == 0;
	}

	/* "+1415555*": a prefix of the E.164 form, digits only. */
	if (p[len - 1] == '*') {
		if (kind != ADDR_PHONE || len < 3 || p[0] != '+')
			return 0;
		for (i = 1; i < len - 1; i++)
			if (p[i] < '0' || p[i] > '9')
				return 0;
		return strncmp(addr, p, len - 1) == 0;
	}
	if (memchr(p, '*', len) != NULL)
		return 0;

	/* A contact alias stands for its address on this channel only. */
	if (len < sizeof(buf)) {
		memcpy(buf, p, len);
		buf[len] = '\0';
		if ((c = config_contact(cfg, buf)) != NULL) {
			if (c->address[ch] == NULL ||
			    addr_normalize(c->address[ch],
			    channel_region(cfg, ch), buf, sizeof(buf), NULL,
			    NULL) == -1 ||
			    identity_canonical(cfg, buf, canon,
			    sizeof(canon)) == -1)
				return 0;
			return strcmp(canon, addr) == 0;
		}
	}
	if (addr_normalize(pattern, channel_region(cfg, ch), buf, sizeof(buf),
	    NULL, NULL) == -1 ||
	    identity_canonical(cfg, buf, canon, sizeof(canon)) == -1)
		return 0;
	return strcmp(canon, addr) == 0;
}

int
policy_match(const struct config *cfg, int ch,
    const struct strlist *list, const char *normalized, const char **which)
{
	enum addr_kind	kind;
	size_t		i;
	char		canon[ADDR_MAX];

	if (which != NULL)
		*which = NULL;
	if (cfg == NULL || (unsigned int)ch >= CHANNEL_MAX || list == NULL ||
	    (list->count > 0 && list->items == NULL) ||
	    !is_normalized(normalized, &kind) ||
	    identity_canonical(cfg, normalized, canon, sizeof(canon)) == -1)
		return 0;
	for (i = 0; i < list->count; i++) {
		if (list->items[i] == NULL)
			continue;
		if (match_one(cfg, ch, list->items[i], canon, kind)) {
			if (which != NULL)
				*which = list->items[i];
			return 1;
		}
	}
	return 0;
}

void
policy_outbound(const struct config *cfg, const struct channel *chan,
    const char *normalized, struct verdict *v)
{
	const char	*which;

	if (v == NULL)
		return;
	memset(v, 0, sizeof(*v));
	v->kind = VERDICT_DENY;
	if (cfg == NULL || chan == NULL ||
	    (unsigned int)chan->id >= CHANNEL_MAX) {
		v->rule = "policy";
		(void)strlcpy(v->reason, "no configuration for this channel",
		    sizeof(v->reason));
		return;
	}
	if (!chan->configured) {
		v->rule = "policy";
		(void)strlcpy(v->reason, "channel is not configured",
		    sizeof(v->reason));
		return;
	}
	/*
	 * A deny list can only hold against a canonical address: anything
	 * else would slip past it, so it is refused before any list.
	 */
	if (!is_normalized(normalized, NULL)) {
		v->rule = "address";
		(void)strlcpy(v->reason,
		    "recipient is not a normalised address",
		    sizeof(v->reason));
		return;
	}
	if (policy_match(cfg, chan->id, &chan->outbound_deny, normalized,
	    &which)) {
		v->rule = which;
		(void)snprintf(v->reason, sizeof(v->reason),
		    "recipient matches deny entry \"%s\"", which);
		return;
	}
	if (policy_match(cfg, chan->id, &chan->outbound_allow, normalized,
	    &which)) {
		v->kind = VERDICT_ALLOW;
		v->rule = which;
		(void)snprintf(v->reason, sizeof(v->reason),
		    "recipient matches allow entry \"%s\"", which);
		return;
	}
	switch (chan->outbound_mode) {
	case OUTBOUND_ALLOWLIST:
		v->rule = "outbound.allow";
		(void)strlcpy(v->reason, "recipient not in allowlist",
		    sizeof(v->reason));
		break;
	case OUTBOUND_APPROVAL:
		v->kind = VERDICT_HOLD;
		v->rule = "outbound.approval";
		(void)strlcpy(v->reason,
		    "recipient not in allowlist: held for approval",
		    sizeof(v->reason));
		break;
	case OUTBOUND_OPEN:
		v->kind = VERDICT_ALLOW;
		v->rule = "outbound.open";
		(void)strlcpy(v->reason, "outbound mode is open",
		    sizeof(v->reason));
		break;
	default:
		v->rule = "policy";
		(void)strlcpy(v->reason, "unknown outbound mode",
		    sizeof(v->reason));
		break;
	}
}

int
policy_inbound_visible(const struct config *cfg, const struct channel *chan,
    const char *normalized)
{
	if (cfg == NULL || chan == NULL || normalized == NULL ||
	    (unsigned int)chan->id >= CHANNEL_MAX || !chan->configured)
		return 0;
	switch (chan->inbound_mode) {
	case INBOUND_OPEN:
		return 1;
	case INBOUND_ALLOWLIST:
		return policy_match(cfg, chan->id, &chan->inbound_allow,
		    normalized, NULL);
	default:
		return 0;
	}
}

/* Set v to a refusal naming the identity and the entry that matched. */
static void
deny_entry(struct verdict *v, const char *target, const char *id,
    const char *which)
{
	v->kind = VERDICT_DENY;
	v->rule = which;
	if (strcmp(target, id) == 0)
		(void)snprintf(v->reason, sizeof(v->reason),
		    "recipient matches deny entry \"%s\"", which);
	else
		(void)snprintf(v->reason, sizeof(v->reason),
		    "%.80s reaches %.80s, which matches deny entry "
		    "\"%.40s\"",
		    target, id, which);
}

void
policy_outbound_identities(const struct config *cfg,
    const struct channel *chan, const struct identity_set *set,
    struct verdict *v)
{
	struct verdict	 mv;
	const char	*which;
	size_t		 i;

	if (v == NULL)
		return;
	if (set == NULL || set->n == 0 || set->whole[0] == '\0') {
		memset(v, 0, sizeof(*v));
		v->kind = VERDICT_DENY;
		v->rule = "address";
		(void)strlcpy(v->reason, "recipient reaches no identity",
		    sizeof(v->reason));
		return;
	}
	/* The target as a whole: configuration, deny, allow, the mode. */
	policy_outbound(cfg, chan, set->whole, v);
	if (v->kind == VERDICT_DENY && v->rule != NULL &&
	    (strcmp(v->rule, "policy") == 0 || strcmp(v->rule, "address") == 0))
		return;
	/* A deny entry on anything the target reaches wins, in any mode. */
	if (policy_match(cfg, chan->id, &chan->outbound_deny, set->whole,
	    &which)) {
		deny_entry(v, set->whole, set->whole, which);
		return;
	}
	for (i = 0; i < set->naka; i++) {
		if (policy_match(cfg, chan->id, &chan->outbound_deny,
		    set->aka[i], &which)) {
			deny_entry(v, set->whole, set->aka[i], which);
			return;
		}
	}
	for (i = 0; i < set->n; i++) {
		if (policy_match(cfg, chan->id, &chan->outbound_deny,
		    set->ids[i], &which)) {
			deny_entry(v, set->whole, set->ids[i], which);
			return;
		}
	}
	/* The owner allowed the target itself ("chat:42"): all of it. */
	if (v->kind == VERDICT_ALLOW && v->rule != NULL &&
	    strncmp(v->rule, "outbound.", 9) != 0)
		return;
	for (i = 0; i < set->naka; i++) {
		if (policy_match(cfg, chan->id, &chan->outbound_allow,
		    set->aka[i], &which)) {
			memset(v, 0, sizeof(*v));
			v->kind = VERDICT_ALLOW;
			v->rule = which;
			(void)snprintf(v->reason, sizeof(v->reason),
			    "recipient matches allow entry \"%.200s\"", which);
			return;
		}
	}
	for (i = 0; i < set->n; i++)
		if (strcmp(set->ids[i], set->whole) != 0)
			break;
	if (i == set->n)
		return;		/* the target is its own one identity */
	/* Else each identity it reaches on its own; the strictest wins. */
	memset(v, 0, sizeof(*v));
	v->kind = VERDICT_ALLOW;
	for (i = 0; i < set->n; i++) {
		policy_outbound(cfg, chan, set->ids[i], &mv);
		if (mv.kind == VERDICT_DENY) {
			*v = mv;
			(void)snprintf(v->reason, sizeof(v->reason),
			    "%.80s reaches %.80s: %.80s", set->whole, set->ids[i],
			    mv.reason);
			return;
		}
		if ((mv.kind == VERDICT_HOLD && v->kind != VERDICT_HOLD) ||
		    v->rule == NULL) {
			*v = mv;
			(void)snprintf(v->reason, sizeof(v->reason),
			    "%.80s reaches %.80s: %.80s", set->whole, set->ids[i],
			    mv.reason);
		}
	}
}
