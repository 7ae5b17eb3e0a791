/*
 * Canonical identities: the one spelling every policy decision compares.
 * A mailbox is named many ways ("Eve+x@GoogleMail.com", "e.ve@gmail.com"),
 * a person by a chat or a channel; deny, allow, approval and rate-limit
 * keys must all see the person, or a deny entry stops only the spelling
 * it was written in.  Here: mailboxes by the mail_domains rules, and the
 * sets of identities one target reaches (the channel driver's resolve
 * hook fills them; match.c decides on them).  Pure: no I/O.
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "channel.h"
#include "policy.h"

struct mail_rules {
	const char	*domain;
	int		 tags;
	int		 dots;
	const char	*alias_of;
};

/* Gmail's own rules, which the configuration may override per domain. */
static const struct mail_rules builtin_domains[] = {
	{ .domain = "gmail.com", .tags = 1, .dots = 1, .alias_of = NULL },
	{ .domain = "googlemail.com", .tags = 1, .dots = 1,
	  .alias_of = "gmail.com" },
};
/* Any other domain: "+tag" is a sub-address, dots are significant. */
static const struct mail_rules default_domain = {
	.domain = "*", .tags = 1, .dots = 0, .alias_of = NULL
};

/* The rules for domain: the configuration's, else built in. */
static void
domain_rules(const struct config *cfg, const char *domain,
    struct mail_rules *out)
{
	const struct mail_domain	*md;
	size_t				 i;

	for (i = 0; cfg != NULL && i < cfg->nmail_domains; i++) {
		md = &cfg->mail_domains[i];
		if (strcmp(md->domain, domain) == 0) {
			out->domain = md->domain;
			out->tags = md->tags;
			out->dots = md->dots;
			out->alias_of = md->alias_of;
			return;
		}
	}
	for (i = 0; i < sizeof(builtin_domains) / sizeof(builtin_domains[0]);
	    i++) {
		if (strcmp(builtin_domains[i].domain, domain) == 0) {
			*out = builtin_domains[i];
			return;
		}
	}
	*out = default_domain;
}

const char *
identity_mail_domain(const struct config *cfg, const char *domain)
{
	struct mail_rules	md;

	domain_rules(cfg, domain, &md);
	return md.alias_of != NULL ? md.alias_of : domain;
}

int
identity_canonical(const struct config *cfg, const char *normalized,
    char *out, size_t outlen)
{
	struct mail_rules	 md;
	const char		*at, *domain;
	size_t			 i, n = 0, local;
	int			 kind;

	if (normalized == NULL || out == NULL || outlen == 0)
		return -1;
	/* "+x@example.com" is a mailbox too, whatever its first byte. */
	kind = addr_kind_of(normalized);
	/*
	 * A group id is base64 in either alphabet (address.c takes both):
	 * one group, one spelling, the standard alphabet the daemon uses.
	 */
	if (kind == ADDR_GROUP) {
		if (strlcpy(out, normalized, outlen) >= outlen)
			return -1;
		for (i = 6; out[i] != '\0'; i++) {
			if (out[i] == '-')
				out[i] = '+';
			else if (out[i] == '_')
				out[i] = '/';
		}
		return 0;
	}
	if ((kind != ADDR_EMAIL && kind != ADDR_PHONE) ||
	    (at = strchr(normalized, '@')) == NULL) {
		if (strlcpy(out, normalized, outlen) >= outlen)
			return -1;
		return 0;
	}
	domain = identity_mail_domain(cfg, at + 1);
	domain_rules(cfg, domain, &md);
	local = (size_t)(at - normalized);
	for (i = 0; i < local; i++) {
		if (md.tags && normalized[i] == '+')
			break;
		if (md.dots && normalized[i] == '.')
			continue;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = normalized[i];
	}
	/* A local part that was all tag or dots names no mailbox. */
	if (n == 0 || n + 1 + strlen(domain) + 1 > outlen) {
		out[0] = '\0';
		return -1;
	}
	out[n++] = '@';
	(void)strlcpy(out + n, domain, outlen - n);
	return 0;
}

int
identity_add(struct identity_set *set, const struct config *cfg,
    const char *normalized, const char **cause)
{
	char	buf[ADDR_MAX];
	size_t	i;

	if (identity_canonical(cfg, normalized, buf, sizeof(buf)) == -1) {
		if (cause != NULL)
			*cause = "no canonical identity";
		return -1;
	}
	for (i = 0; i < set->n; i++)
		if (strcmp(set->ids[i], buf) == 0)
			return 0;
	if (set->n == IDENTITY_MAX) {
		if (cause != NULL)
			*cause = "reaches too many identities";
		return -1;
	}
	(void)strlcpy(set->ids[set->n++], buf, sizeof(set->ids[0]));
	return 0;
}

void
identity_aka(struct identity_set *set, const char *name)
{
	char	buf[ADDR_MAX];

	if (name == NULL || set->naka == IDENTITY_AKA_MAX ||
	    addr_normalize(name, NULL, buf, sizeof(buf), NULL, NULL) == -1 ||
	    strcmp(buf, name) != 0 || strcmp(buf, set->whole) == 0)
		return;
	(void)strlcpy(set->aka[set->naka++], buf, sizeof(set->aka[0]));
}

int
identity_plain(struct identity_set *set, const struct config *cfg,
    const char *normalized, const char **cause)
{
	memset(set, 0, sizeof(*set));
	if (identity_canonical(cfg, normalized, set->whole,
	    sizeof(set->whole)) == -1) {
		if (cause != NULL)
			*cause = "no canonical identity";
		return -1;
	}
	return identity_add(set, cfg, normalized, cause);
}
