/*
 * The configuration loader: carapace.yaml's schema and what reads it.
 * The schema is data: each mapping of the file is a table of keys
 * (name, type, range, default, and where the value is stored), read by
 * one table-driven reader over the YAML walker (conf-yaml.c), and the
 * defaults are the tables' too.  The few structured values (clients,
 * contacts, channels, address lists, limits, content rules) have their
 * own readers, called from the tables.  Every problem is collected
 * with its line and column; a configuration with any problem is never
 * returned.
 */
#include "config.h"

#include <sys/types.h>

#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <yaml.h>

#include "compat.h"
#include "conf.h"
#include "conf-yaml.h"
#include "config-private.h"
#include "channel.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "util.h"

/* A list being read for a key of a table. */
struct item_ctx {
	struct conf_parse *p;
	void		*base;
	const struct conf_key *key;
};

static int	 read_mapping(struct conf_parse *, const struct conf_key *,
		    size_t, void *, struct conf_report *);
static void	 table_key(struct conf_yaml *, void *, int);
static void	 read_value(struct conf_parse *, const struct conf_key *,
		    void *);
static void	 list_item(struct conf_yaml *, void *, size_t);
static size_t	 field_size(const struct conf_key *);
static void	 store_number(void *, size_t, uint64_t);
static uint64_t	 load_number(const void *, size_t);
static void	 apply_defaults(const struct conf_key *, size_t, void *);
static void	 free_values(const struct conf_key *, size_t, void *);
static const yaml_mark_t *value_mark(const struct conf_report *,
		    const char *);

static void	 strlist_add(struct strlist *, char *);
static void	 strlist_free(struct strlist *);
static const char *account_check(const char *);
static const char *ident_check(const char *);
static const char *region_check(const char *);

static void	 parse_document(struct conf_parse *);
static void	 read_version(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 audit_check(void *, struct conf_report *);
static void	 read_clients(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 client_item(struct conf_yaml *, void *, size_t);
static void	 read_channel_set(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 read_mail_domains(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 read_contacts(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 contact_key(struct conf_yaml *, void *, int);
static void	 read_channels(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 channel_block(struct conf_yaml *, void *, int);
static void	 channel_key(struct conf_yaml *, void *, int);
static const struct conf_key *driver_key(const struct channel_driver *,
		    const char *);
static void	*driver_base(struct channel *, const struct conf_key *);
static void	 read_addresses(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 address_item(struct conf_yaml *, void *, size_t);
static void	 read_limits(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 read_inbound(struct conf_parse *, struct channel *);
static void	 limit_item(struct conf_yaml *, void *, size_t);
static void	 read_rules(struct conf_parse *, void *,
		    const struct conf_key *);
static void	 rule_item(struct conf_yaml *, void *, size_t);
static void	 check_alias_refs(struct conf_parse *);
static void	 set_defaults(struct config *);
static void	 opts_free(struct channel *);

/*
 * The schema, one table per mapping (doc/carapace.yaml.5 documents each
 * key).  Name lists end with NULL; a key's place in its table is the
 * order its mapping's messages list it in.
 */

static const char *const audit_sinks[] = {
	[AUDIT_SINK_JOURNALD] = "journald",
	[AUDIT_SINK_SYSLOG] = "syslog",
	[AUDIT_SINK_STDERR] = "stderr",
	NULL
};
static const char *const facility_names[] = {
	"auth", "authpriv", "daemon", "user", "local0", "local1", "local2",
	"local3", "local4", "local5", "local6", "local7", NULL
};
static const unsigned int facility_values[] = {
	LOG_AUTH, LOG_AUTHPRIV, LOG_DAEMON, LOG_USER, LOG_LOCAL0, LOG_LOCAL1,
	LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
};
static const char *const outbound_modes[] = {
	[OUTBOUND_ALLOWLIST] = "allowlist",
	[OUTBOUND_APPROVAL] = "approval",
	[OUTBOUND_OPEN] = "open",
	NULL
};
static const char *const inbound_modes[] = {
	[INBOUND_ALLOWLIST] = "allowlist",
	[INBOUND_OPEN] = "open",
	NULL
};
static const char *const from_me_modes[] = { "hide", "show", NULL };
static const char *const scrub_names[] = { "otp", "auth_links", NULL };
static const unsigned int scrub_bits[] = { SCRUB_OTP, SCRUB_AUTH_LINKS };
static const char *const limit_scopes[] = {
	[LIMIT_PER_RECIPIENT] = "recipient",
	[LIMIT_PER_CHANNEL] = "channel",
	[LIMIT_PER_CLIENT] = "client",
	NULL
};
static const char *const detect_names[] = {
	"private_key", "aws_key", "github_token", "slack_token", "jwt",
	"credit_card", NULL
};
static const unsigned int detect_bits[] = {
	DETECT_PRIVATE_KEY, DETECT_AWS_KEY, DETECT_GITHUB_TOKEN,
	DETECT_SLACK_TOKEN, DETECT_JWT, DETECT_CREDIT_CARD,
};
static const char *const rule_actions[] = {
	[RULE_BLOCK] = "block",
	[RULE_HOLD] = "hold",
	NULL
};

/* audit: */
static const struct conf_key audit_keys[] = {
	{ .name = "sink", .type = CONF_NAME,
	  CONF_FIELD(struct config, audit_sink),
	  .names = audit_sinks, .default_value = AUDIT_SINK_JOURNALD },
	{ .name = "socket", .type = CONF_PATH,
	  CONF_FIELD(struct config, audit_socket) },
	{ .name = "ident", .type = CONF_STRING,
	  CONF_FIELD(struct config, audit_ident),
	  .check = ident_check, .noun = "ident",
	  .default_string = "carapace" },
	{ .name = "facility", .type = CONF_NAME,
	  CONF_FIELD(struct config, audit_facility),
	  .names = facility_names, .values = facility_values,
	  .default_value = LOG_AUTHPRIV },
	{ .name = "sync", .type = CONF_BOOL,
	  CONF_FIELD(struct config, audit_sync), .default_value = 1 },
};

/* clients: [ ... ], each: limits: */
static const struct conf_key client_limit_keys[] = {
	{ .name = "requests", .type = CONF_UINT,
	  CONF_FIELD(struct client, max_requests),
	  .min = 1, .max = LIMIT_MAX_COUNT, .default_value = 3000 },
	{ .name = "window", .type = CONF_DURATION,
	  CONF_FIELD(struct client, requests_window_ms),
	  .min = 1, .max = DAY_MS, .default_value = MINUTE_MS },
	{ .name = "holds", .type = CONF_UINT,
	  CONF_FIELD(struct client, max_holds),
	  .min = 1, .max = 1000000, .default_value = 100 },
	{ .name = "hold_bytes", .type = CONF_SIZE,
	  CONF_FIELD(struct client, max_hold_bytes),
	  .min = 1 * KIB, .max = 64 * GIB, .default_value = 256 * MIB },
	{ .name = "subscriptions", .type = CONF_UINT,
	  CONF_FIELD(struct client, max_subscriptions),
	  .min = 1, .max = 1024, .default_value = 16 },
};

/* clients: [ ... ], each */
static const struct conf_key client_keys[] = {
	{ .name = "name", .type = CONF_STRING, .flags = CONF_KEY_REQUIRED,
	  CONF_FIELD(struct client, name) },
	{ .name = "users", .type = CONF_LIST,
	  CONF_FIELD(struct client, users),
	  .check = account_check, .noun = "name" },
	{ .name = "groups", .type = CONF_LIST,
	  CONF_FIELD(struct client, groups),
	  .check = account_check, .noun = "name" },
	{ .name = "channels", .type = CONF_CALL,
	  CONF_FIELD(struct client, channels), .read = read_channel_set },
	{ .name = "limits", .type = CONF_MAPPING,
	  .keys = client_limit_keys, .nkeys = NITEMS(client_limit_keys) },
};

/* channels: NAME: outbound: */
static const struct conf_key outbound_keys[] = {
	{ .name = "mode", .type = CONF_NAME,
	  CONF_FIELD(struct channel, outbound_mode),
	  .names = outbound_modes, .default_value = OUTBOUND_ALLOWLIST },
	{ .name = "allow", .type = CONF_CALL,
	  CONF_FIELD(struct channel, outbound_allow),
	  .read = read_addresses, .noun = "outbound.allow" },
	{ .name = "deny", .type = CONF_CALL,
	  CONF_FIELD(struct channel, outbound_deny),
	  .read = read_addresses, .noun = "outbound.deny" },
};

/* channels: NAME: inbound: */
static const struct conf_key inbound_keys[] = {
	{ .name = "mode", .type = CONF_NAME,
	  CONF_FIELD(struct channel, inbound_mode),
	  .names = inbound_modes, .default_value = INBOUND_ALLOWLIST },
	{ .name = "allow", .type = CONF_CALL,
	  CONF_FIELD(struct channel, inbound_allow),
	  .read = read_addresses, .noun = "inbound.allow" },
	{ .name = "scrub", .type = CONF_FLAGS,
	  CONF_FIELD(struct channel, scrub),
	  .names = scrub_names, .values = scrub_bits },
	{ .name = "from_me", .type = CONF_NAME,
	  CONF_FIELD(struct channel, from_me),
	  .names = from_me_modes, .default_value = 1 },
	{ .name = "keep_messages", .type = CONF_UINT,
	  CONF_FIELD(struct channel, keep_messages),
	  .min = 0, .max = 100000000, .default_value = 100000 },
	{ .name = "keep_for", .type = CONF_DURATION,
	  CONF_FIELD(struct channel, keep_for_ms),
	  .min = 0, .max = 3660 * DAY_MS, .default_value = 30 * DAY_MS },
	{ .name = "hide_labels", .type = CONF_LIST,
	  CONF_FIELD(struct channel, hide_labels) },
};

/* channels: NAME: limits: [ ... ], each */
static const struct conf_key limit_keys[] = {
	{ .name = "per", .type = CONF_NAME, .flags = CONF_KEY_REQUIRED,
	  CONF_FIELD(struct limit, per), .names = limit_scopes },
	{ .name = "max", .type = CONF_UINT, .flags = CONF_KEY_REQUIRED,
	  CONF_FIELD(struct limit, max), .min = 1, .max = LIMIT_MAX_COUNT },
	{ .name = "window", .type = CONF_DURATION, .flags = CONF_KEY_REQUIRED,
	  CONF_FIELD(struct limit, window_ms), .min = 1, .max = 366 * DAY_MS },
};

/*
 * channels: NAME: the keys every channel takes; a driver's own keys
 * (its keys[]) follow them in the channel's key list.
 */
static const struct conf_key channel_keys[] = {
	{ .name = "tool", .type = CONF_PATH,
	  CONF_FIELD(struct channel, tool) },
	{ .name = "timeout", .type = CONF_DURATION,
	  CONF_FIELD(struct channel, timeout_ms),
	  .min = 1, .max = 10 * MINUTE_MS, .default_value = 30 * SECOND_MS },
	{ .name = "region", .type = CONF_CHARS,
	  CONF_FIELD(struct channel, region),
	  .check = region_check, .noun = "region", .default_string = "US" },
	{ .name = "max_output", .type = CONF_SIZE,
	  CONF_FIELD(struct channel, max_output),
	  .min = 1 * KIB, .max = 1 * GIB, .default_value = 4 * MIB },
	{ .name = "max_attachment", .type = CONF_SIZE,
	  CONF_FIELD(struct channel, max_attachment),
	  .min = 1 * KIB, .max = 4 * GIB, .default_value = 100 * MIB },
	{ .name = "outbound", .type = CONF_MAPPING,
	  .keys = outbound_keys, .nkeys = NITEMS(outbound_keys) },
	{ .name = "inbound", .type = CONF_MAPPING,
	  .keys = inbound_keys, .nkeys = NITEMS(inbound_keys) },
	{ .name = "limits", .type = CONF_CALL, .read = read_limits },
};

/* content: rules: [ ... ], each */
static const struct conf_key rule_keys[] = {
	{ .name = "name", .type = CONF_STRING, .flags = CONF_KEY_REQUIRED,
	  CONF_FIELD(struct content_rule, name) },
	{ .name = "detect", .type = CONF_FLAGS, .flags = CONF_KEY_SCALAR,
	  CONF_FIELD(struct content_rule, detect),
	  .names = detect_names, .values = detect_bits },
	/* Compiled once the whole rule is read: icase may follow it. */
	{ .name = "pattern", .type = CONF_STRING,
	  CONF_FIELD(struct content_rule, pattern) },
	{ .name = "icase", .type = CONF_BOOL,
	  CONF_FIELD(struct content_rule, icase), .default_value = 1 },
	{ .name = "action", .type = CONF_NAME, .flags = CONF_KEY_REQUIRED,
	  CONF_FIELD(struct content_rule, action), .names = rule_actions },
};

/* content: */
static const struct conf_key content_keys[] = {
	{ .name = "max_length", .type = CONF_UINT,
	  CONF_FIELD(struct config, content_max_length),
	  .min = 1, .max = 16 * MIB, .default_value = 4000 },
	{ .name = "rules", .type = CONF_CALL, .read = read_rules },
};

static const char *
check_mail_domain(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return "a domain in lower case";
	return addr_valid_domain(s, i) ? NULL : "a domain name";
}

/* mail_domains: DOMAIN: { ... } */
static const struct conf_key mail_domain_keys[] = {
	{ .name = "tags", .type = CONF_BOOL,
	  CONF_FIELD(struct mail_domain, tags), .default_value = 1 },
	{ .name = "dots", .type = CONF_BOOL,
	  CONF_FIELD(struct mail_domain, dots), .default_value = 0 },
	{ .name = "alias_of", .type = CONF_STRING,
	  CONF_FIELD(struct mail_domain, alias_of),
	  .check = check_mail_domain, .noun = "domain" },
};

/* The top level. */
static const struct conf_key top_keys[] = {
	{ .name = "version", .type = CONF_CALL, .flags = CONF_KEY_REQUIRED,
	  CONF_FIELD(struct config, version), .read = read_version },
	{ .name = "state_dir", .type = CONF_PATH, .flags = CONF_KEY_REQUIRED,
	  CONF_FIELD(struct config, state_dir) },
	{ .name = "map_size", .type = CONF_SIZE,
	  CONF_FIELD(struct config, map_size),
	  .min = 1 * MIB, .max = MAP_SIZE_MAX, .default_value = 64 * MIB },
	{ .name = "map_reserve", .type = CONF_SIZE,
	  CONF_FIELD(struct config, map_reserve),
	  .min = 64 * KIB, .max = MAP_SIZE_MAX, .default_value = 4 * MIB },
	{ .name = "spool_max", .type = CONF_SIZE,
	  CONF_FIELD(struct config, spool_max),
	  .min = 1 * KIB, .max = 1024 * GIB, .default_value = 1 * GIB },
	{ .name = "max_line", .type = CONF_SIZE,
	  CONF_FIELD(struct config, max_line),
	  .min = 1 * KIB, .max = 16 * MIB,
	  .default_value = RPC_MAX_LINE_DEFAULT },
	{ .name = "handler_timeout", .type = CONF_DURATION,
	  CONF_FIELD(struct config, handler_timeout_ms),
	  .min = 1, .max = DAY_MS, .default_value = 60 * SECOND_MS },
	{ .name = "audit", .type = CONF_MAPPING,
	  .keys = audit_keys, .nkeys = NITEMS(audit_keys),
	  .check_mapping = audit_check },
	{ .name = "clients", .type = CONF_CALL, .read = read_clients },
	{ .name = "contacts", .type = CONF_CALL, .read = read_contacts },
	{ .name = "mail_domains", .type = CONF_CALL,
	  .read = read_mail_domains },
	{ .name = "channels", .type = CONF_CALL, .read = read_channels },
	{ .name = "content", .type = CONF_MAPPING,
	  .keys = content_keys, .nkeys = NITEMS(content_keys) },
	{ .name = "owner", .type = CONF_MAPPING,
	  .keys = config_owner_keys, .nkeys = CONFIG_OWNER_NKEYS },
};

/* The table-driven reader. */

/*
 * Read a mapping whose keys are keys[] into base; *r gets what was
 * found.  Required keys that are missing are reported at the mapping.
 * Returns -1 as conf_yaml_mapping (the caller then skips its checks).
 */
static int
read_mapping(struct conf_parse *p, const struct conf_key *keys, size_t n,
    void *base, struct conf_report *r)
{
	size_t	 i;

	if (n > CONF_YAML_MAX_KEYS)
		fatalx("%s: a mapping of %zu keys", __func__, n);
	r->p = p;
	r->y = &p->y;
	r->base = base;
	r->keys = keys;
	for (i = 0; i < n; i++)
		r->names[i] = keys[i].name;
	r->nnames = (int)n;
	if (conf_yaml_mapping(&p->y, r->names, r->nnames, "key", table_key, r,
	    &r->seen, &r->mark) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((keys[i].flags & CONF_KEY_REQUIRED) && !(r->seen & BIT(i)))
			conf_yaml_error(&p->y, r->mark, "missing required key "
			    "\"%s\"", keys[i].name);
	}
	return 0;
}

static void
table_key(struct conf_yaml *y, void *arg, int k)
{
	struct conf_report	*r = arg;

	r->marks[k] = y->event.start_mark;
	read_value(r->p, &r->keys[k], r->base);
}

/* One key's value, read by its type into base + offset. */
static void
read_value(struct conf_parse *p, const struct conf_key *k, void *base)
{
	struct conf_yaml	*y = &p->y;
	struct conf_report	 r;
	struct item_ctx		 ctx;
	yaml_mark_t		 mark = y->event.start_mark;
	void			*field = (char *)base + k->offset;
	char			*s = NULL, **dst = field, q[80];
	const char		*bad;
	unsigned int		 bits;
	uint64_t		 v;
	int			 n, i;

	switch (k->type) {
	case CONF_STRING:
	case CONF_CHARS:
		if (conf_yaml_get_string(y, &s) == -1)
			break;
		if (k->check != NULL && (bad = k->check(s)) != NULL) {
			conf_yaml_error(y, mark, "bad %s \"%s\" (%s)", k->noun,
			    conf_yaml_quote(s, strlen(s), q, sizeof(q)), bad);
			free(s);
			break;
		}
		if (k->type == CONF_CHARS) {
			/* The check has bounded it; a table bug otherwise. */
			if (strlcpy(field, s, k->size) >= k->size)
				fatalx("%s: %s does not fit", __func__,
				    k->name);
			free(s);
			break;
		}
		free(*dst);
		*dst = s;
		break;
	case CONF_PATH:
		(void)conf_yaml_get_path(y, dst);
		break;
	case CONF_DURATION:
		if (conf_yaml_get_duration(y, k->min, k->max, &v) == 0)
			store_number(field, field_size(k), v);
		break;
	case CONF_SIZE:
		if (conf_yaml_get_size(y, k->min, k->max, &v) == 0)
			store_number(field, field_size(k), v);
		break;
	case CONF_UINT:
		if (conf_yaml_get_uint(y, k->min, k->max, &v) == 0)
			store_number(field, field_size(k), v);
		break;
	case CONF_BOOL:
		if (conf_yaml_get_bool(y, &i) == 0)
			store_number(field, field_size(k), (uint64_t)i);
		break;
	case CONF_NAME:
		for (n = 0; k->names[n] != NULL; n++)
			;
		if (conf_yaml_get_name(y, k->names, n, &i) == 0)
			store_number(field, field_size(k), k->values != NULL ?
			    k->values[i] : (uint64_t)i);
		break;
	case CONF_FLAGS:
		for (n = 0; k->names[n] != NULL; n++)
			;
		bits = (unsigned int)load_number(field, field_size(k));
		(void)conf_yaml_get_flags(y, k->names, k->values, n,
		    (k->flags & CONF_KEY_SCALAR) != 0, &bits);
		store_number(field, field_size(k), bits);
		break;
	case CONF_LIST:
		ctx.p = p;
		ctx.base = base;
		ctx.key = k;
		(void)conf_yaml_sequence(y, list_item, &ctx);
		break;
	case CONF_MAPPING:
		if (read_mapping(p, k->keys, k->nkeys, base, &r) == 0 &&
		    k->check_mapping != NULL)
			k->check_mapping(base, &r);
		break;
	case CONF_CALL:
		k->read(p, base, k);
		break;
	}
}

/* An entry of a CONF_LIST: a string, checked. */
static void
list_item(struct conf_yaml *y, void *arg, size_t index)
{
	struct item_ctx		*ctx = arg;
	const struct conf_key	*k = ctx->key;
	yaml_mark_t		 mark = y->event.start_mark;
	char			*s = NULL, q[80];
	const char		*bad;

	(void)index;
	if (conf_yaml_get_string(y, &s) == -1)
		return;
	if (k->check != NULL && (bad = k->check(s)) != NULL) {
		conf_yaml_error(y, mark, "bad %s \"%s\" (%s)", k->noun,
		    conf_yaml_quote(s, strlen(s), q, sizeof(q)), bad);
		free(s);
		return;
	}
	strlist_add((struct strlist *)(void *)((char *)ctx->base + k->offset),
	    s);
}

/* The size of a key's field: CONF_FIELD's, else its type's own. */
static size_t
field_size(const struct conf_key *k)
{
	if (k->size != 0)
		return k->size;
	switch (k->type) {
	case CONF_NAME:
	case CONF_BOOL:
		return sizeof(int);
	case CONF_FLAGS:
		return sizeof(unsigned int);
	default:
		return sizeof(uint64_t);
	}
}

/*
 * Numbers, names and flags go into fields of 4 or 8 bytes (enums, int,
 * unsigned int, size_t, uint64_t), copied whole so that the field's
 * declared type does not matter.
 */
static void
store_number(void *field, size_t size, uint64_t v)
{
	uint32_t	 v32 = (uint32_t)v;

	if (size == sizeof(uint64_t))
		memcpy(field, &v, sizeof(v));
	else if (size == sizeof(uint32_t))
		memcpy(field, &v32, sizeof(v32));
	else
		fatalx("%s: a field of %zu bytes", __func__, size);
}

static uint64_t
load_number(const void *field, size_t size)
{
	uint64_t	 v;
	uint32_t	 v32;

	if (size == sizeof(uint64_t)) {
		memcpy(&v, field, sizeof(v));
		return v;
	}
	if (size == sizeof(uint32_t)) {
		memcpy(&v32, field, sizeof(v32));
		return v32;
	}
	fatalx("%s: a field of %zu bytes", __func__, size);
}

/* Give every key of the table (and of its mappings) its default. */
static void
apply_defaults(const struct conf_key *keys, size_t n, void *base)
{
	const struct conf_key	*k;
	void			*field;
	char			**dst;
	size_t			 i;

	for (i = 0; i < n; i++) {
		k = &keys[i];
		field = (char *)base + k->offset;
		switch (k->type) {
		case CONF_STRING:
			if (k->default_string == NULL)
				break;
			dst = field;
			free(*dst);
			*dst = xstrdup(k->default_string);
			break;
		case CONF_CHARS:
			if (k->default_string != NULL &&
			    strlcpy(field, k->default_string, k->size) >=
			    k->size)
				fatalx("%s: %s does not fit", __func__,
				    k->name);
			break;
		case CONF_DURATION:
		case CONF_SIZE:
		case CONF_UINT:
		case CONF_BOOL:
		case CONF_NAME:
		case CONF_FLAGS:
			store_number(field, field_size(k), k->default_value);
			break;
		case CONF_MAPPING:
			apply_defaults(k->keys, k->nkeys, base);
			break;
		case CONF_PATH:
		case CONF_LIST:
		case CONF_CALL:
			break;
		}
	}
}

/* Free the strings and lists the table's keys stored in base. */
static void
free_values(const struct conf_key *keys, size_t n, void *base)
{
	const struct conf_key	*k;
	void			*field;
	char			**s;
	size_t			 i;

	for (i = 0; i < n; i++) {
		k = &keys[i];
		field = (char *)base + k->offset;
		switch (k->type) {
		case CONF_STRING:
		case CONF_PATH:
			s = field;
			free(*s);
			*s = NULL;
			break;
		case CONF_LIST:
			strlist_free(field);
			break;
		case CONF_MAPPING:
			free_values(k->keys, k->nkeys, base);
			break;
		default:
			break;
		}
	}
}

/* Where the value of a key the mapping named starts (NULL: not named). */
static const yaml_mark_t *
value_mark(const struct conf_report *r, const char *name)
{
	int	 k;

	for (k = 0; k < r->nnames; k++)
		if (strcmp(r->names[k], name) == 0)
			return (r->seen & BIT(k)) ? &r->marks[k] : NULL;
	return NULL;
}

/* Lists of strings. */

static void
strlist_add(struct strlist *list, char *s)
{
	list->items = conf_yaml_grow(list->items, list->count,
	    sizeof(*list->items));
	list->items[list->count++] = s;
}


static void
strlist_free(struct strlist *list)
{
	size_t	 i;

	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* Checks of string values: NULL, or what was expected. */

static const char *
account_check(const char *s)
{
	return conf_valid_account_name(s) ? NULL :
	    "expected a user or group name, or a decimal id";
}

static const char *
ident_check(const char *s)
{
	const char	*c;

	for (c = s; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		    *c == '.'))
			break;
	}
	if (*c != '\0' || c - s > 64)
		return "at most 64 letters, digits, '_', '-' or '.'";
	return NULL;
}

static const char *
region_check(const char *s)
{
	if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
	    s[1] > 'Z')
		return "two upper-case letters, e.g. US";
	return NULL;
}

/* The document. */

static void
parse_document(struct conf_parse *p)
{
	struct conf_report	 r;

	if (conf_yaml_begin(&p->y) == -1)
		return;
	(void)read_mapping(p, top_keys, NITEMS(top_keys), p->cf, &r);
	conf_yaml_end(&p->y);
}

static void
read_version(struct conf_parse *p, void *base, const struct conf_key *key)
{
	struct config	*cf = base;
	yaml_mark_t	 mark = p->y.event.start_mark;
	uint64_t	 v;

	(void)key;
	if (conf_yaml_get_uint(&p->y, 0, UINT32_MAX, &v) == -1)
		return;
	if (v != 1)
		conf_yaml_error(&p->y, mark, "unsupported version %llu (this "
		    "program reads version 1)", (unsigned long long)v);
	else
		cf->version = 1;
}

static void
audit_check(void *base, struct conf_report *r)
{
	const struct config	*cf = base;

	if (conf_key_seen(r, "socket") && cf->audit_sink == AUDIT_SINK_STDERR)
		conf_problem(r, "socket does not apply to the stderr sink");
}

/* Clients. */

static void
read_clients(struct conf_parse *p, void *base, const struct conf_key *key)
{
	(void)base;
	(void)key;
	(void)conf_yaml_sequence(&p->y, client_item, p);
}

static void
client_item(struct conf_yaml *y, void *arg, size_t index)
{
	struct conf_parse	*p = arg;
	struct config		*cf = p->cf;
	struct conf_report	 r;
	struct client		*c;
	const yaml_mark_t	*name_mark;
	size_t			 i, before;
	char			 q[80];

	(void)index;
	cf->clients = conf_yaml_grow(cf->clients, cf->nclients,
	    sizeof(*cf->clients));
	p->client_lines = conf_yaml_grow(p->client_lines, cf->nclients,
	    sizeof(*p->client_lines));
	c = &cf->clients[cf->nclients];
	memset(c, 0, sizeof(*c));
	apply_defaults(client_keys, NITEMS(client_keys), c);
	p->client_lines[cf->nclients] = 0;
	cf->nclients++;

	before = y->nerrors;
	if (read_mapping(p, client_keys, NITEMS(client_keys), c, &r) == -1)
		return;
	if (!conf_key_seen(&r, "users") && !conf_key_seen(&r, "groups"))
		conf_problem(&r, "a client needs users or groups");
	else if (c->users.count == 0 && c->groups.count == 0 &&
	    y->nerrors == before)
		conf_problem(&r, "a client needs at least one user or group");
	if (c->name == NULL || (name_mark = value_mark(&r, "name")) == NULL)
		return;
	p->client_lines[cf->nclients - 1] = name_mark->line + 1;
	for (i = 0; i + 1 < cf->nclients; i++) {
		if (cf->clients[i].name != NULL &&
		    strcmp(cf->clients[i].name, c->name) == 0) {
			conf_yaml_error(y, *name_mark, "duplicate client name "
			    "\"%s\" (first at line %zu)",
			    conf_yaml_quote(c->name, strlen(c->name), q,
			    sizeof(q)), p->client_lines[i]);
			break;
		}
	}
}

/* A client's channels: the names of channel_drivers[]. */
static void
read_channel_set(struct conf_parse *p, void *base, const struct conf_key *key)
{
	(void)conf_yaml_get_flags(&p->y, p->chan_names, p->chan_bits,
	    p->nchannels, 0,
	    (unsigned int *)(void *)((char *)base + key->offset));
}

/* Contacts: a mapping from alias to addresses, one per channel. */

static void
read_contacts(struct conf_parse *p, void *base, const struct conf_key *key)
{
	struct conf_yaml	*y = &p->y;
	struct config		*cf = p->cf;
	struct contact		*contact;
	const char		*s;
	size_t			 len, i;
	uint64_t		 seen;
	yaml_mark_t		 mark, start;
	char			 q[80], kind[80];
	int			 duplicate;

	(void)base;
	(void)key;
	if (conf_yaml_expect(y, YAML_MAPPING_START_EVENT, "a mapping") == -1)
		return;
	conf_yaml_advance(y);
	while (!y->stop && y->event.type != YAML_MAPPING_END_EVENT) {
		mark = y->event.start_mark;
		if (y->event.type != YAML_SCALAR_EVENT) {
			if (y->event.type != YAML_ALIAS_EVENT)
				conf_yaml_error(y, mark, "contact names must "
				    "be strings, found %s",
				    conf_yaml_node_kind(&y->event, kind,
				    sizeof(kind)));
			conf_yaml_skip(y);
			conf_yaml_skip(y);
			continue;
		}
		s = (const char *)y->event.data.scalar.value;
		len = y->event.data.scalar.length;
		if (cf->ncontacts == CONF_YAML_MAX_LIST) {
			conf_yaml_error(y, mark, "too many contacts (at most "
			    "%d)", CONF_YAML_MAX_LIST);
			while (!y->stop &&
			    y->event.type != YAML_MAPPING_END_EVENT)
				conf_yaml_skip(y);
			break;
		}
		if (strlen(s) != len || len > 64 || !conf_valid_alias(s)) {
			conf_yaml_error(y, mark, "bad contact alias \"%s\" (at "
			    "most 64 letters, digits, '_', '-' or '.', "
			    "starting with a letter)",
			    conf_yaml_quote(s, len, q, sizeof(q)));
			conf_yaml_advance(y);
			conf_yaml_skip(y);
			continue;
		}
		duplicate = 0;
		for (i = 0; i < cf->ncontacts; i++) {
			if (strcmp(cf->contacts[i].name, s) == 0) {
				conf_yaml_error(y, mark, "duplicate contact "
				    "\"%s\" (first at line %zu)", s,
				    p->contact_lines[i]);
				duplicate = 1;
				break;
			}
		}
		if (duplicate) {
			conf_yaml_advance(y);
			conf_yaml_skip(y);
			continue;
		}
		cf->contacts = conf_yaml_grow(cf->contacts, cf->ncontacts,
		    sizeof(*cf->contacts));
		p->contact_lines = conf_yaml_grow(p->contact_lines,
		    cf->ncontacts, sizeof(*p->contact_lines));
		contact = &cf->contacts[cf->ncontacts];
		memset(contact, 0, sizeof(*contact));
		contact->name = xstrdup(s);
		p->contact_lines[cf->ncontacts] = mark.line + 1;
		cf->ncontacts++;

		conf_yaml_advance(y);
		conf_yaml_path_push(y, contact->name);
		if (conf_yaml_mapping(y, p->chan_names, p->nchannels,
		    "channel", contact_key, contact, &seen, &start) == 0 &&
		    seen == 0)
			conf_yaml_error(y, start, "a contact needs at least "
			    "one address");
		conf_yaml_path_pop(y);
	}
	if (!y->stop)
		conf_yaml_advance(y);
}

/*
 * mail_domains: domain (lower case, once each) -> its rules; alias_of
 * names neither itself nor an alias (one hop).
 */
static void
read_mail_domains(struct conf_parse *p, void *base,
    const struct conf_key *key)
{
	struct conf_yaml	*y = &p->y;
	struct config		*cf = p->cf;
	struct mail_domain	*md;
	struct conf_report	 r;
	const char		*s, *why;
	size_t			 len, i;
	yaml_mark_t		 mark;
	char			 q[80], kind[80];

	(void)base;
	(void)key;
	if (conf_yaml_expect(y, YAML_MAPPING_START_EVENT, "a mapping") == -1)
		return;
	conf_yaml_advance(y);
	while (!y->stop && y->event.type != YAML_MAPPING_END_EVENT) {
		mark = y->event.start_mark;
		if (y->event.type != YAML_SCALAR_EVENT) {
			conf_yaml_error(y, mark, "mail domains must be "
			    "strings, found %s", conf_yaml_node_kind(&y->event,
			    kind, sizeof(kind)));
			conf_yaml_skip(y);
			conf_yaml_skip(y);
			continue;
		}
		s = (const char *)y->event.data.scalar.value;
		len = y->event.data.scalar.length;
		why = strlen(s) != len ? "a domain name" :
		    check_mail_domain(s);
		for (i = 0; why == NULL && i < cf->nmail_domains; i++)
			if (strcmp(cf->mail_domains[i].domain, s) == 0)
				why = "each domain once";
		if (why == NULL && cf->nmail_domains == CONF_YAML_MAX_LIST)
			why = "fewer domains";
		if (why != NULL) {
			conf_yaml_error(y, mark, "bad mail domain \"%s\" "
			    "(expected %s)", conf_yaml_quote(s, len, q,
			    sizeof(q)), why);
			conf_yaml_advance(y);
			conf_yaml_skip(y);
			continue;
		}
		cf->mail_domains = conf_yaml_grow(cf->mail_domains,
		    cf->nmail_domains, sizeof(*cf->mail_domains));
		md = &cf->mail_domains[cf->nmail_domains++];
		memset(md, 0, sizeof(*md));
		apply_defaults(mail_domain_keys, NITEMS(mail_domain_keys), md);
		md->domain = xstrdup(s);
		conf_yaml_advance(y);
		conf_yaml_path_push(y, md->domain);
		if (read_mapping(p, mail_domain_keys,
		    NITEMS(mail_domain_keys), md, &r) == 0 &&
		    md->alias_of != NULL &&
		    strcmp(md->alias_of, md->domain) == 0)
			conf_problem(&r, "alias_of names the domain itself");
		conf_yaml_path_pop(y);
	}
	if (!y->stop)
		conf_yaml_advance(y);
	/* One hop: an alias of an alias would hide which rules apply. */
	for (i = 0; i < cf->nmail_domains; i++) {
		md = &cf->mail_domains[i];
		if (md->alias_of == NULL)
			continue;
		for (len = 0; len < cf->nmail_domains; len++)
			if (cf->mail_domains[len].alias_of != NULL &&
			    strcmp(cf->mail_domains[len].domain,
			    md->alias_of) == 0)
				conf_yaml_error(y, mark, "mail domain \"%s\": "
				    "alias_of names \"%s\", itself an alias",
				    md->domain, md->alias_of);
	}
}

static void
contact_key(struct conf_yaml *y, void *arg, int key)
{
	struct contact	*contact = arg;

	(void)conf_yaml_get_string(y, &contact->address[key]);
}

/* Channels. */

static void
read_channels(struct conf_parse *p, void *base, const struct conf_key *key)
{
	uint64_t	 seen;
	yaml_mark_t	 start;

	(void)base;
	(void)key;
	(void)conf_yaml_mapping(&p->y, p->chan_names, p->nchannels, "channel",
	    channel_block, p, &seen, &start);
}

/* A driver's own key, by name; NULL if the driver has none so named. */
static const struct conf_key *
driver_key(const struct channel_driver *d, const char *name)
{
	size_t	 i;

	for (i = 0; i < d->nkeys; i++)
		if (strcmp(d->keys[i].name, name) == 0)
			return &d->keys[i];
	return NULL;
}

/* Where a driver's key is stored: its options, or struct channel. */
static void *
driver_base(struct channel *ch, const struct conf_key *k)
{
	return (k->flags & CONF_KEY_COMMON) ? (void *)ch : ch->opts;
}

/*
 * A channel's block.  Its key list is the common keys (channel_keys[]),
 * then every driver's own (each name once), so that a key of another
 * channel is named as such rather than unknown.
 */
static void
channel_block(struct conf_yaml *y, void *arg, int id)
{
	struct conf_parse		*p = arg;
	struct channel			*ch = &p->cf->channels[id];
	const struct channel_driver	*d;
	struct conf_report		 r;
	size_t				 i, did;
	int				 k, dup;

	ch->configured = 1;
	memset(&r, 0, sizeof(r));
	r.p = p;
	r.y = &p->y;
	r.base = ch;
	for (i = 0; i < NITEMS(channel_keys); i++)
		r.names[r.nnames++] = channel_keys[i].name;
	for (did = 0; did < channel_count; did++) {
		d = channel_drivers[did];
		for (i = 0; i < d->nkeys; i++) {
			for (dup = 0, k = 0; k < r.nnames && !dup; k++)
				dup = strcmp(r.names[k], d->keys[i].name) == 0;
			if (dup)
				continue;
			if (r.nnames == CONF_YAML_MAX_KEYS)
				fatalx("too many channel keys");
			r.names[r.nnames++] = d->keys[i].name;
		}
	}
	if (conf_yaml_mapping(y, r.names, r.nnames, "key", channel_key, &r,
	    &r.seen, &r.mark) == -1)
		return;
	if (ch->driver->check != NULL)
		ch->driver->check(ch, &r);
}

static void
channel_key(struct conf_yaml *y, void *arg, int key)
{
	struct conf_report	*r = arg;
	struct channel		*ch = r->base;
	const struct conf_key	*dk;
	const char		*names[CHANNEL_MAX] = { NULL };
	char			 list[64];
	size_t			 id;
	int			 n;

	r->marks[key] = y->event.start_mark;
	if ((size_t)key < NITEMS(channel_keys)) {
		if (channel_keys[key].keys == inbound_keys)
			read_inbound(r->p, ch);
		else
			read_value(r->p, &channel_keys[key], ch);
		return;
	}
	if ((dk = driver_key(ch->driver, r->names[key])) != NULL) {
		read_value(r->p, dk, driver_base(ch, dk));
		return;
	}
	for (n = 0, id = 0; id < channel_count; id++)
		if (driver_key(channel_drivers[id], r->names[key]) != NULL)
			names[n++] = channel_drivers[id]->name;
	conf_yaml_join_names(names, n, list, sizeof(list));
	conf_yaml_error(y, y->key_mark, "only %s take%s this key", list,
	    n == 1 ? "s" : "");
	conf_yaml_skip(y);
}

/* inbound: the common keys (inbound_keys[]), then the driver's own. */
static void
read_inbound(struct conf_parse *p, struct channel *ch)
{
	const struct channel_driver	*d = ch->driver;
	struct conf_key			 keys[CONF_YAML_MAX_KEYS];
	struct conf_report		 r;
	size_t				 n = NITEMS(inbound_keys);

	if (n + d->ninbound_keys > NITEMS(keys))
		fatalx("%s: too many inbound keys", d->name);
	memcpy(keys, inbound_keys, sizeof(inbound_keys));
	if (d->ninbound_keys > 0)
		memcpy(keys + n, d->inbound_keys,
		    d->ninbound_keys * sizeof(keys[0]));
	memset(&r, 0, sizeof(r));
	(void)read_mapping(p, keys, n + d->ninbound_keys, ch, &r);
}

/*
 * An allow or deny list (outbound.allow, ...: the key's noun) of
 * addresses, patterns and contact aliases.
 */
static void
read_addresses(struct conf_parse *p, void *base, const struct conf_key *key)
{
	struct item_ctx	 ctx;

	ctx.p = p;
	ctx.base = base;
	ctx.key = key;
	(void)conf_yaml_sequence(&p->y, address_item, &ctx);
}

static void
address_item(struct conf_yaml *y, void *arg, size_t index)
{
	struct item_ctx		*ctx = arg;
	struct conf_parse	*p = ctx->p;
	struct channel		*ch = ctx->base;
	struct alias_ref	*ref;
	yaml_mark_t		 mark = y->event.start_mark;
	char			*s = NULL;

	if (conf_yaml_get_string(y, &s) == -1)
		return;
	strlist_add((struct strlist *)(void *)((char *)ch +
	    ctx->key->offset), s);
	if (!conf_looks_like_alias(s))
		return;
	p->refs = conf_yaml_grow(p->refs, p->nrefs, sizeof(*p->refs));
	ref = &p->refs[p->nrefs++];
	ref->name = s;
	ref->list = ctx->key->noun;
	ref->index = index;
	ref->channel = ch->id;
	ref->mark = mark;
}

static void
read_limits(struct conf_parse *p, void *base, const struct conf_key *key)
{
	struct item_ctx	 ctx;

	ctx.p = p;
	ctx.base = base;
	ctx.key = key;
	(void)conf_yaml_sequence(&p->y, limit_item, &ctx);
}

static void
limit_item(struct conf_yaml *y, void *arg, size_t index)
{
	struct item_ctx		*ctx = arg;
	struct channel		*ch = ctx->base;
	struct limit		*limit;
	struct conf_report	 r;

	(void)y;
	(void)index;
	ch->limits = conf_yaml_grow(ch->limits, ch->nlimits,
	    sizeof(*ch->limits));
	limit = &ch->limits[ch->nlimits++];
	memset(limit, 0, sizeof(*limit));
	(void)read_mapping(ctx->p, limit_keys, NITEMS(limit_keys), limit, &r);
}

/* Content rules. */

static void
read_rules(struct conf_parse *p, void *base, const struct conf_key *key)
{
	(void)base;
	(void)key;
	(void)conf_yaml_sequence(&p->y, rule_item, p);
}

static void
rule_item(struct conf_yaml *y, void *arg, size_t index)
{
	struct conf_parse	*p = arg;
	struct config		*cf = p->cf;
	struct content_rule	*rule;
	struct conf_report	 r;
	const yaml_mark_t	*name_mark, *pattern_mark;
	const char		*why;
	size_t			 i;
	char			 q[80], problem[256];
	int			 rc;

	(void)index;
	cf->rules = conf_yaml_grow(cf->rules, cf->nrules, sizeof(*cf->rules));
	p->rule_lines = conf_yaml_grow(p->rule_lines, cf->nrules,
	    sizeof(*p->rule_lines));
	rule = &cf->rules[cf->nrules];
	memset(rule, 0, sizeof(*rule));
	apply_defaults(rule_keys, NITEMS(rule_keys), rule);
	p->rule_lines[cf->nrules] = 0;
	cf->nrules++;

	/* rule->pattern stays set only once it compiles (config_free). */
	if (read_mapping(p, rule_keys, NITEMS(rule_keys), rule, &r) == -1) {
		free(rule->pattern);
		rule->pattern = NULL;
		return;
	}
	if (!conf_key_seen(&r, "detect") && !conf_key_seen(&r, "pattern"))
		conf_problem(&r, "a rule needs detect or pattern");

	/* Compiled last: icase may come after the pattern. */
	pattern_mark = value_mark(&r, "pattern");
	if (rule->pattern != NULL &&
	    (why = content_pattern_too_costly(rule->pattern)) != NULL) {
		conf_yaml_path_push(y, "pattern");
		conf_yaml_error(y, *pattern_mark, "regular expression "
		    "refused: %s", why);
		conf_yaml_path_pop(y);
		free(rule->pattern);
		rule->pattern = NULL;
	}
	if (rule->pattern != NULL) {
		rc = regcomp(&rule->regex, rule->pattern, REG_EXTENDED |
		    REG_NOSUB | (rule->icase ? REG_ICASE : 0));
		if (rc != 0) {
			(void)regerror(rc, &rule->regex, problem,
			    sizeof(problem));
			conf_yaml_path_push(y, "pattern");
			conf_yaml_error(y, *pattern_mark, "bad regular "
			    "expression: %s", problem);
			conf_yaml_path_pop(y);
			free(rule->pattern);
			rule->pattern = NULL;
		}
	}

	if (rule->name == NULL || (name_mark = value_mark(&r, "name")) == NULL)
		return;
	p->rule_lines[cf->nrules - 1] = name_mark->line + 1;
	for (i = 0; i + 1 < cf->nrules; i++) {
		if (cf->rules[i].name != NULL &&
		    strcmp(cf->rules[i].name, rule->name) == 0) {
			conf_yaml_error(y, *name_mark, "duplicate rule name "
			    "\"%s\" (first at line %zu)",
			    conf_yaml_quote(rule->name, strlen(rule->name), q,
			    sizeof(q)), p->rule_lines[i]);
			break;
		}
	}
}

/* Checks that need the whole file. */

static void
check_alias_refs(struct conf_parse *p)
{
	const struct alias_ref	*ref;
	const struct contact	*contact;
	size_t			 i;
	char			 q[80];

	for (i = 0; i < p->nrefs; i++) {
		ref = &p->refs[i];
		conf_yaml_quote(ref->name, strlen(ref->name), q, sizeof(q));
		contact = config_contact(p->cf, ref->name);
		if (contact == NULL)
			conf_yaml_error_nopath(&p->y, ref->mark,
			    "channels.%s.%s[%zu]: unknown contact \"%s\" (not "
			    "in contacts, and not an address or pattern)",
			    p->chan_names[ref->channel], ref->list,
			    ref->index, q);
		else if (contact->address[ref->channel] == NULL)
			conf_yaml_error_nopath(&p->y, ref->mark,
			    "channels.%s.%s[%zu]: contact \"%s\" has no %s "
			    "address", p->chan_names[ref->channel], ref->list,
			    ref->index, q, p->chan_names[ref->channel]);
	}
}

/* Every key's default, from the tables (the channels' drivers' too). */
static void
set_defaults(struct config *cf)
{
	struct channel			*ch;
	const struct channel_driver	*d;
	size_t				 i;
	int				 id;

	apply_defaults(top_keys, NITEMS(top_keys), cf);
	for (id = 0; id < (int)channel_count; id++) {
		ch = &cf->channels[id];
		d = channel_drivers[id];
		ch->id = id;
		ch->driver = d;
		ch->opts = xcalloc(1, d->opts_size);
		apply_defaults(channel_keys, NITEMS(channel_keys), ch);
		for (i = 0; i < d->nkeys; i++)
			apply_defaults(&d->keys[i], 1, driver_base(ch,
			    &d->keys[i]));
		apply_defaults(d->inbound_keys, d->ninbound_keys, ch);
	}
}

int
config_load(const char *path, int check_perms, struct config **out,
    struct config_errors *errs)
{
	struct conf_parse	 p;
	struct config		*cf;
	struct config_errors	 ignored = { NULL, 0 };
	unsigned char		*text;
	size_t			 len, before;
	int			 rc;

	*out = NULL;
	if (errs == NULL) {
		rc = config_load(path, check_perms, out, &ignored);
		config_errors_free(&ignored);
		return rc;
	}
	before = errs->count;
	if (conf_yaml_read_file(path, check_perms, errs, &text, &len) == -1)
		return -1;

	cf = xcalloc(1, sizeof(*cf));
	cf->path = xstrdup(path);
	set_defaults(cf);

	memset(&p, 0, sizeof(p));
	p.cf = cf;
	for (p.nchannels = 0; p.nchannels < (int)channel_count; p.nchannels++) {
		p.chan_names[p.nchannels] = channel_name(p.nchannels);
		p.chan_bits[p.nchannels] = 1U << p.nchannels;
	}
	if (conf_yaml_open(&p.y, path, text, len, errs) == -1) {
		free(text);
		config_free(cf);
		return -1;
	}
	parse_document(&p);
	if (!p.y.stop) {
		check_alias_refs(&p);
		config_owner_check(&p);
	}
	conf_yaml_close(&p.y);

	free(p.refs);
	free(p.client_lines);
	free(p.contact_lines);
	free(p.rule_lines);
	free(text);

	if (errs->count != before) {
		config_free(cf);
		return -1;
	}
	*out = cf;
	return 0;
}

/* The values a driver's keys put in its options, and the options. */
static void
opts_free(struct channel *ch)
{
	size_t	 i;

	if (ch->driver == NULL || ch->opts == NULL)
		return;
	for (i = 0; i < ch->driver->nkeys; i++)
		free_values(&ch->driver->keys[i], 1,
		    driver_base(ch, &ch->driver->keys[i]));
	free(ch->opts);
	ch->opts = NULL;
}

void
config_free(struct config *cf)
{
	struct channel	*ch;
	size_t		 i;
	int		 id, k;

	if (cf == NULL)
		return;
	free(cf->path);
	free_values(top_keys, NITEMS(top_keys), cf);
	for (i = 0; i < cf->nclients; i++)
		free_values(client_keys, NITEMS(client_keys),
		    &cf->clients[i]);
	free(cf->clients);
	for (i = 0; i < cf->ncontacts; i++) {
		free(cf->contacts[i].name);
		for (k = 0; k < CHANNEL_MAX; k++)
			free(cf->contacts[i].address[k]);
	}
	free(cf->contacts);
	for (i = 0; i < cf->nmail_domains; i++) {
		free(cf->mail_domains[i].domain);
		free(cf->mail_domains[i].alias_of);
	}
	free(cf->mail_domains);
	for (k = 0; k < CHANNEL_MAX; k++)
		free(cf->owner.identity[k]);
	for (id = 0; id < CHANNEL_MAX; id++) {
		ch = &cf->channels[id];
		opts_free(ch);
		free_values(channel_keys, NITEMS(channel_keys), ch);
		strlist_free(&ch->outbound_allow);
		strlist_free(&ch->outbound_deny);
		strlist_free(&ch->inbound_allow);
		if (ch->driver != NULL)
			free_values(ch->driver->inbound_keys,
			    ch->driver->ninbound_keys, ch);
		free(ch->limits);
	}
	for (i = 0; i < cf->nrules; i++) {
		if (cf->rules[i].pattern != NULL)
			regfree(&cf->rules[i].regex);
		free_values(rule_keys, NITEMS(rule_keys), &cf->rules[i]);
	}
	free(cf->rules);
	free(cf);
}

void
config_errors_free(struct config_errors *errs)
{
	size_t	 i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->count; i++)
		free(errs->items[i].message);
	free(errs->items);
	errs->items = NULL;
	errs->count = 0;
}
