/*
 * The configuration loader.  carapace.yaml is read with libyaml's event
 * parser and checked against the schema while it is read, in one pass
 * and without building a document tree: the handler loads it once per
 * connection, so loading must cost microseconds.  Every problem is
 * collected with its line and column, and reading goes on after a bad
 * value so that one run reports them all; only a YAML syntax error stops
 * the reading.  A configuration with any problem is never returned.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <yaml.h>

#include "compat.h"
#include "conf.h"
#include "channel.h"
#include "log.h"
#include "policy.h"
#include "protocol.h"
#include "util.h"

#define CONFIG_MAX_FILE		(1024 * 1024)	/* bytes */
#define CONFIG_MAX_LIST		1000		/* entries in one list */
#define CONFIG_MAX_STRING	4096		/* bytes in one string */
#define CONFIG_MAX_ERRORS	100		/* then give up */
#define CONFIG_MAX_NESTING	64		/* open mappings and lists */
#define CONFIG_MAX_PATH		8		/* key path kept for messages */

#define KIB			1024ULL
#define MIB			(1024ULL * 1024)
#define GIB			(1024ULL * 1024 * 1024)
#define SECOND_MS		1000ULL
#define MINUTE_MS		(60 * SECOND_MS)
#define HOUR_MS			(60 * MINUTE_MS)
#define DAY_MS			(24 * HOUR_MS)

/* One step of the key path shown in messages ("channels.imsg.timeout"). */
struct path_step {
	const char	*name;		/* NULL: a list index */
	size_t		 index;
};

/*
 * An allow or deny entry that names a contact alias; checked once the
 * whole file (and so every contact) has been read.
 */
struct alias_ref {
	const char	*name;
	const char	*list;		/* "outbound.allow", ... */
	size_t		 index;
	int		 channel;
	yaml_mark_t	 mark;
};

/* Where an error is, to list them in file order. */
struct error_pos {
	size_t		 line;
	size_t		 column;
};

struct parse {
	yaml_parser_t	 parser;
	yaml_event_t	 event;		/* the current event */
	int		 have_event;
	int		 stop;		/* syntax error or too many errors */
	int		 nesting;

	const char	*file;
	const unsigned char *text;
	size_t		 textlen;
	struct config	*cf;
	struct config_errors *errs;
	size_t		 first_error;	/* errs->items index of the first */
	size_t		 nerrors;
	struct error_pos *positions;	/* one per error from first_error */

	struct path_step path[CONFIG_MAX_PATH];
	size_t		 depth;
	yaml_mark_t	 key_mark;	/* of the key being handled */

	/* Where each client, contact and rule was named (duplicates). */
	size_t		*client_lines;
	size_t		*contact_lines;
	size_t		*rule_lines;

	struct alias_ref *refs;
	size_t		 nrefs;

	/* The channels' names and bits, from channel_drivers[]. */
	const char	*chan_names[CHANNEL_MAX];
	unsigned int	 chan_bits[CHANNEL_MAX];
	int		 nchannels;
};

/* What a channel driver's check reports to, at its block's start. */
struct conf_report {
	struct parse		*p;
	yaml_mark_t		 mark;
	const struct channel_ctx *ctx;
	uint64_t		 seen;		/* bit per ctx->names[] */
};

typedef void	(*key_fn)(struct parse *, void *, int);
typedef void	(*item_fn)(struct parse *, void *, size_t);

static void	 report(struct parse *, yaml_mark_t, int, const char *,
		    va_list) __attribute__((__format__(__printf__, 4, 0)));
static void	 error_at(struct parse *, yaml_mark_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static void	 error_nopath(struct parse *, yaml_mark_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static void	 file_error(struct config_errors *, const char *,
		    const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static void	 errors_add(struct config_errors *, char *);
static void	 add_position(struct parse *, size_t, size_t);
static void	 sort_errors(struct parse *);
static void	 syntax_error(struct parse *);
static void	 advance(struct parse *);
static void	 skip_node(struct parse *);
static const char *quote(const char *, size_t, char *, size_t);
static const char *node_kind(const yaml_event_t *, char *, size_t);
static int	 is_null(const yaml_event_t *);
static int	 expect(struct parse *, yaml_event_type_t, const char *);
static void	 path_push(struct parse *, const char *);
static void	 path_push_index(struct parse *, size_t);
static void	 path_pop(struct parse *);
static int	 walk_mapping(struct parse *, const char *const *, int,
		    const char *, key_fn, void *, uint64_t *, yaml_mark_t *);
static int	 walk_sequence(struct parse *, item_fn, void *);
static int	 key_lookup(const char *const *, int, const char *, size_t);
static int	 get_text(struct parse *, char **, const char *);
static int	 get_string(struct parse *, char **);
static int	 get_path(struct parse *, char **);
static int	 get_uint(struct parse *, uint64_t, uint64_t, uint64_t *);
static int	 get_bool(struct parse *, int *);
static int	 get_size(struct parse *, uint64_t, uint64_t, uint64_t *);
static int	 get_duration(struct parse *, uint64_t, uint64_t,
		    uint64_t *);
static int	 get_name(struct parse *, const char *const *, int, int *);
static int	 get_flags(struct parse *, const char *const *,
		    const unsigned int *, int, int, unsigned int *);
static void	 format_size(uint64_t, char *, size_t);
static void	 format_duration(uint64_t, char *, size_t);
static void	 join_names(const char *const *, int, char *, size_t);
static void	*grow(void *, size_t, size_t);
static void	 strlist_add(struct strlist *, char *);
static void	 strlist_free(struct strlist *);
static int	 valid_alias(const char *);
static int	 looks_like_alias(const char *);
static int	 valid_account_name(const char *);

static void	 parse_document(struct parse *);
static void	 top_key(struct parse *, void *, int);
static void	 audit_key(struct parse *, void *, int);
static void	 client_item(struct parse *, void *, size_t);
static void	 client_key(struct parse *, void *, int);
static void	 principal_item(struct parse *, void *, size_t);
static void	 parse_contacts(struct parse *);
static void	 contact_key(struct parse *, void *, int);
static void	 channel_block(struct parse *, void *, int);
static void	 channel_key(struct parse *, void *, int);
static void	 outbound_key(struct parse *, void *, int);
static void	 inbound_key(struct parse *, void *, int);
static void	 address_item(struct parse *, void *, size_t);
static void	 label_item(struct parse *, void *, size_t);
static void	 limit_item(struct parse *, void *, size_t);
static void	 limit_key(struct parse *, void *, int);
static void	 content_key(struct parse *, void *, int);
static void	 rule_item(struct parse *, void *, size_t);
static void	 rule_key(struct parse *, void *, int);
static void	 check_alias_refs(struct parse *);
static void	 set_defaults(struct config *);
static int	 read_file(const char *, int, struct config_errors *,
		    unsigned char **, size_t *);

/*
 * The schema.  Each mapping has its keys listed in an enum and a name
 * table in the same order.
 */

enum top_key {
	TOP_VERSION, TOP_STATE_DIR, TOP_MAP_SIZE, TOP_MAX_LINE,
	TOP_HANDLER_TIMEOUT, TOP_AUDIT, TOP_CLIENTS, TOP_CONTACTS,
	TOP_CHANNELS, TOP_CONTENT, TOP_NKEYS
};
static const char *const top_keys[TOP_NKEYS] = {
	[TOP_VERSION] = "version",
	[TOP_STATE_DIR] = "state_dir",
	[TOP_MAP_SIZE] = "map_size",
	[TOP_MAX_LINE] = "max_line",
	[TOP_HANDLER_TIMEOUT] = "handler_timeout",
	[TOP_AUDIT] = "audit",
	[TOP_CLIENTS] = "clients",
	[TOP_CONTACTS] = "contacts",
	[TOP_CHANNELS] = "channels",
	[TOP_CONTENT] = "content",
};

enum audit_key {
	AUDIT_SINK, AUDIT_SOCKET, AUDIT_IDENT, AUDIT_FACILITY, AUDIT_NKEYS
};
static const char *const audit_keys[AUDIT_NKEYS] = {
	[AUDIT_SINK] = "sink",
	[AUDIT_SOCKET] = "socket",
	[AUDIT_IDENT] = "ident",
	[AUDIT_FACILITY] = "facility",
};
static const char *const audit_sinks[] = {
	[AUDIT_SINK_JOURNALD] = "journald",
	[AUDIT_SINK_SYSLOG] = "syslog",
	[AUDIT_SINK_STDERR] = "stderr",
};
static const char *const facility_names[] = {
	"auth", "authpriv", "daemon", "user", "local0", "local1", "local2",
	"local3", "local4", "local5", "local6", "local7",
};
static const int facility_values[] = {
	LOG_AUTH, LOG_AUTHPRIV, LOG_DAEMON, LOG_USER, LOG_LOCAL0, LOG_LOCAL1,
	LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
};

enum client_key {
	CLIENT_NAME, CLIENT_USERS, CLIENT_GROUPS, CLIENT_CHANNELS,
	CLIENT_NKEYS
};
static const char *const client_keys[CLIENT_NKEYS] = {
	[CLIENT_NAME] = "name",
	[CLIENT_USERS] = "users",
	[CLIENT_GROUPS] = "groups",
	[CLIENT_CHANNELS] = "channels",
};

/*
 * The keys every channel takes; a driver's own keys (its keys[]) follow
 * them in the channel's key list.
 */
enum channel_key {
	CH_TOOL, CH_TIMEOUT, CH_REGION, CH_MAX_OUTPUT, CH_MAX_ATTACHMENT,
	CH_OUTBOUND, CH_INBOUND, CH_LIMITS, CH_NCOMMON
};
static const char *const channel_keys[CH_NCOMMON] = {
	[CH_TOOL] = "tool",
	[CH_TIMEOUT] = "timeout",
	[CH_REGION] = "region",
	[CH_MAX_OUTPUT] = "max_output",
	[CH_MAX_ATTACHMENT] = "max_attachment",
	[CH_OUTBOUND] = "outbound",
	[CH_INBOUND] = "inbound",
	[CH_LIMITS] = "limits",
};
/* Room for the common keys and every driver's. */
#define CH_KEYS_MAX	64

/* A channel's block being read. */
struct channel_ctx {
	struct channel	*ch;
	const char	*names[CH_KEYS_MAX];	/* common, then drivers' */
	int		 nnames;
};

enum outbound_key { OUT_MODE, OUT_ALLOW, OUT_DENY, OUT_NKEYS };
static const char *const outbound_keys[OUT_NKEYS] = {
	[OUT_MODE] = "mode",
	[OUT_ALLOW] = "allow",
	[OUT_DENY] = "deny",
};
static const char *const outbound_modes[] = {
	[OUTBOUND_ALLOWLIST] = "allowlist",
	[OUTBOUND_APPROVAL] = "approval",
	[OUTBOUND_OPEN] = "open",
};

enum inbound_key { IN_MODE, IN_ALLOW, IN_SCRUB, IN_FROM_ME, IN_KEEP_MESSAGES,
	IN_KEEP_FOR, IN_HIDE_LABELS, IN_NKEYS };
static const char *const inbound_keys[IN_NKEYS] = {
	[IN_MODE] = "mode",
	[IN_ALLOW] = "allow",
	[IN_SCRUB] = "scrub",
	[IN_FROM_ME] = "from_me",
	[IN_KEEP_MESSAGES] = "keep_messages",
	[IN_KEEP_FOR] = "keep_for",
	[IN_HIDE_LABELS] = "hide_labels",
};
static const char *const from_me_modes[] = { "hide", "show" };
static const char *const inbound_modes[] = {
	[INBOUND_ALLOWLIST] = "allowlist",
	[INBOUND_OPEN] = "open",
};
static const char *const scrub_names[] = { "otp", "auth_links" };
static const unsigned int scrub_bits[] = { SCRUB_OTP, SCRUB_AUTH_LINKS };

enum limit_key { LIM_PER, LIM_MAX, LIM_WINDOW, LIM_NKEYS };
static const char *const limit_keys[LIM_NKEYS] = {
	[LIM_PER] = "per",
	[LIM_MAX] = "max",
	[LIM_WINDOW] = "window",
};
static const char *const limit_scopes[] = {
	[LIMIT_PER_RECIPIENT] = "recipient",
	[LIMIT_PER_CHANNEL] = "channel",
	[LIMIT_PER_CLIENT] = "client",
};

enum content_key { CONTENT_MAX_LENGTH, CONTENT_RULES, CONTENT_NKEYS };
static const char *const content_keys[CONTENT_NKEYS] = {
	[CONTENT_MAX_LENGTH] = "max_length",
	[CONTENT_RULES] = "rules",
};

enum rule_key {
	RULE_NAME, RULE_DETECT, RULE_PATTERN, RULE_ICASE, RULE_ACTION,
	RULE_NKEYS
};
static const char *const rule_keys[RULE_NKEYS] = {
	[RULE_NAME] = "name",
	[RULE_DETECT] = "detect",
	[RULE_PATTERN] = "pattern",
	[RULE_ICASE] = "icase",
	[RULE_ACTION] = "action",
};
static const char *const detect_names[] = {
	"private_key", "aws_key", "github_token", "slack_token", "jwt",
	"credit_card",
};
static const unsigned int detect_bits[] = {
	DETECT_PRIVATE_KEY, DETECT_AWS_KEY, DETECT_GITHUB_TOKEN,
	DETECT_SLACK_TOKEN, DETECT_JWT, DETECT_CREDIT_CARD,
};
static const char *const rule_actions[] = {
	[RULE_BLOCK] = "block",
	[RULE_HOLD] = "hold",
};

#define NITEMS(a)	((int)(sizeof(a) / sizeof((a)[0])))
#define BIT(k)		(1ULL << (k))

/* Per-item state while one list entry is read. */
struct client_ctx {
	struct client	*client;
	yaml_mark_t	 name_mark;
};

struct list_ctx {
	struct channel	*channel;
	struct strlist	*list;
	const char	*what;		/* "outbound.allow", ... */
};

struct rule_ctx {
	struct content_rule *rule;
	char		*pattern;	/* moved to rule once it compiles */
	yaml_mark_t	 name_mark;
	yaml_mark_t	 pattern_mark;
};

/* Errors. */

static void
errors_add(struct config_errors *errs, char *message)
{
	errs->items = grow(errs->items, errs->count, sizeof(*errs->items));
	errs->items[errs->count++].message = message;
}

static void
file_error(struct config_errors *errs, const char *file, const char *fmt,
    ...)
{
	char	 text[512], message[1024];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	(void)snprintf(message, sizeof(message), "%s: %s", file, text);
	errors_add(errs, xstrdup(message));
}

static void
report(struct parse *p, yaml_mark_t mark, int with_path, const char *fmt,
    va_list ap)
{
	char	 text[768], where[256], message[1280];
	size_t	 i, off = 0;
	int	 n;

	if (p->nerrors >= CONFIG_MAX_ERRORS)
		return;
	where[0] = '\0';
	for (i = 0; with_path && i < p->depth && i < CONFIG_MAX_PATH &&
	    off < sizeof(where); i++) {
		if (p->path[i].name != NULL)
			n = snprintf(where + off, sizeof(where) - off, "%s%s",
			    i == 0 ? "" : ".", p->path[i].name);
		else
			n = snprintf(where + off, sizeof(where) - off,
			    "[%zu]", p->path[i].index);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	(void)snprintf(message, sizeof(message), "%s:%zu:%zu: %s%s%s",
	    p->file, mark.line + 1, mark.column + 1, where,
	    where[0] != '\0' ? ": " : "", text);
	errors_add(p->errs, xstrdup(message));
	add_position(p, mark.line, mark.column);
	if (++p->nerrors == CONFIG_MAX_ERRORS) {
		file_error(p->errs, p->file, "too many errors; stopped after "
		    "%d", CONFIG_MAX_ERRORS);
		add_position(p, SIZE_MAX, SIZE_MAX);
		p->stop = 1;
	}
}

static void
add_position(struct parse *p, size_t line, size_t column)
{
	size_t	 n = p->errs->count - 1 - p->first_error;

	p->positions = grow(p->positions, n, sizeof(*p->positions));
	p->positions[n].line = line;
	p->positions[n].column = column;
}

/*
 * Put this file's errors in file order: a missing key is only noticed
 * at the end of its mapping, and contact references at the end of the
 * file.  Insertion sort: stable, and there are at most a hundred.
 */
static void
sort_errors(struct parse *p)
{
	struct config_error	*items, item;
	struct error_pos	 pos;
	size_t			 n = p->errs->count - p->first_error, i, j;

	if (n < 2)
		return;
	items = p->errs->items + p->first_error;
	for (i = 1; i < n; i++) {
		item = items[i];
		pos = p->positions[i];
		for (j = i; j > 0 && (p->positions[j - 1].line > pos.line ||
		    (p->positions[j - 1].line == pos.line &&
		    p->positions[j - 1].column > pos.column)); j--) {
			items[j] = items[j - 1];
			p->positions[j] = p->positions[j - 1];
		}
		items[j] = item;
		p->positions[j] = pos;
	}
}

static void
error_at(struct parse *p, yaml_mark_t mark, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	report(p, mark, 1, fmt, ap);
	va_end(ap);
}

static void
error_nopath(struct parse *p, yaml_mark_t mark, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	report(p, mark, 0, fmt, ap);
	va_end(ap);
}

static void
syntax_error(struct parse *p)
{
	yaml_parser_t	*ps = &p->parser;
	yaml_mark_t	 mark;
	size_t		 i;
	char		 context[128];

	memset(&mark, 0, sizeof(mark));
	switch (ps->error) {
	case YAML_MEMORY_ERROR:
		error_nopath(p, mark, "out of memory while reading YAML");
		break;
	case YAML_READER_ERROR:
		/* The reader gives a byte offset, not a mark. */
		for (i = 0; i < ps->problem_offset && i < p->textlen; i++) {
			if (p->text[i] == '\n') {
				mark.line++;
				mark.column = 0;
			} else if ((p->text[i] & 0xc0) != 0x80)
				mark.column++;
		}
		if (ps->problem_value != -1)
			error_nopath(p, mark, "%s (byte 0x%02x)",
			    ps->problem != NULL ? ps->problem :
			    "unreadable input", (unsigned)ps->problem_value);
		else
			error_nopath(p, mark, "%s", ps->problem != NULL ?
			    ps->problem : "unreadable input");
		break;
	default:
		context[0] = '\0';
		if (ps->context != NULL)
			(void)snprintf(context, sizeof(context),
			    " (%s at line %zu, column %zu)", ps->context,
			    ps->context_mark.line + 1,
			    ps->context_mark.column + 1);
		error_nopath(p, ps->problem_mark, "syntax error: %s%s",
		    ps->problem != NULL ? ps->problem : "unknown problem",
		    context);
		break;
	}
}

/* Events. */

/*
 * Move to the next event.  Anchors, aliases and tags are refused here,
 * wherever they appear.  After a syntax error the current event is
 * YAML_NO_EVENT for good.
 */
static void
advance(struct parse *p)
{
	yaml_event_t		*ev = &p->event;
	const yaml_char_t	*anchor = NULL, *tag = NULL;

	if (p->have_event) {
		yaml_event_delete(ev);
		p->have_event = 0;
	}
	memset(ev, 0, sizeof(*ev));
	if (p->stop)
		return;
	if (!yaml_parser_parse(&p->parser, ev)) {
		syntax_error(p);
		p->stop = 1;
		memset(ev, 0, sizeof(*ev));
		return;
	}
	p->have_event = 1;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		error_nopath(p, ev->start_mark, "aliases (*%s) are not "
		    "allowed", (const char *)ev->data.alias.anchor);
		return;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		p->nesting++;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		p->nesting++;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		p->nesting--;
		return;
	default:
		return;
	}
	if (anchor != NULL)
		error_nopath(p, ev->start_mark, "anchors (&%s) are not "
		    "allowed", (const char *)anchor);
	if (tag != NULL)
		error_nopath(p, ev->start_mark, "tags are not allowed");
	if (p->nesting > CONFIG_MAX_NESTING) {
		error_nopath(p, ev->start_mark, "nested too deeply (more "
		    "than %d levels)", CONFIG_MAX_NESTING);
		p->stop = 1;
	}
}

/* Consume the node that starts at the current event. */
static void
skip_node(struct parse *p)
{
	int	 depth = 0;

	do {
		switch (p->event.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			break;
		default:
			return;
		}
		advance(p);
	} while (depth > 0 && !p->stop);
}

/*
 * A copy of s safe to put in a message: control characters replaced,
 * long values cut (at a character boundary) and marked with "...".
 */
static const char *
quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t	 i, n = len, max = size - 4;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static int
is_null(const yaml_event_t *ev)
{
	const char	*s = (const char *)ev->data.scalar.value;

	if (ev->type != YAML_SCALAR_EVENT ||
	    ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return ev->data.scalar.length == 0 || strcmp(s, "~") == 0 ||
	    strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0;
}

/* What a node is, for "expected X, found Y". */
static const char *
node_kind(const yaml_event_t *ev, char *buf, size_t size)
{
	char	 q[64];

	switch (ev->type) {
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_SCALAR_EVENT:
		if (is_null(ev))
			return "an empty value";
		(void)snprintf(buf, size, "\"%s\"",
		    quote((const char *)ev->data.scalar.value,
		    ev->data.scalar.length, q, sizeof(q)));
		return buf;
	default:
		return "nothing";
	}
}

/*
 * Check the current node's type.  If it is not the one wanted, report
 * it (an alias was reported already), skip it and return -1.
 */
static int
expect(struct parse *p, yaml_event_type_t type, const char *what)
{
	char	 kind[80];

	if (p->event.type == type)
		return 0;
	if (p->event.type != YAML_ALIAS_EVENT && !p->stop)
		error_at(p, p->event.start_mark, "expected %s, found %s", what,
		    node_kind(&p->event, kind, sizeof(kind)));
	skip_node(p);
	return -1;
}

static void
path_push(struct parse *p, const char *name)
{
	if (p->depth < CONFIG_MAX_PATH) {
		p->path[p->depth].name = name;
		p->path[p->depth].index = 0;
	}
	p->depth++;
}

static void
path_push_index(struct parse *p, size_t index)
{
	if (p->depth < CONFIG_MAX_PATH) {
		p->path[p->depth].name = NULL;
		p->path[p->depth].index = index;
	}
	p->depth++;
}

static void
path_pop(struct parse *p)
{
	p->depth--;
}

static int
key_lookup(const char *const *keys, int nkeys, const char *s, size_t len)
{
	int	 i;

	for (i = 0; i < nkeys; i++) {
		if (keys[i] != NULL && strlen(keys[i]) == len &&
		    memcmp(keys[i], s, len) == 0)
			return i;
	}
	return -1;
}

/*
 * Read a mapping whose keys come from keys[]; fn reads the value of
 * each key and must consume it.  Unknown and duplicate keys are
 * reported and their values skipped.  *seen gets a bit per key found,
 * *start the mapping's position.  Returns -1 if the node is not a
 * mapping or reading stopped; the caller then skips its own checks.
 */
static int
walk_mapping(struct parse *p, const char *const *keys, int nkeys,
    const char *noun, key_fn fn, void *arg, uint64_t *seen,
    yaml_mark_t *start)
{
	yaml_mark_t	 first[64];
	const char	*s;
	size_t		 len;
	char		 q[80], kind[80], hint[128];
	int		 k;

	*seen = 0;
	if (expect(p, YAML_MAPPING_START_EVENT, "a mapping") == -1)
		return -1;
	*start = p->event.start_mark;
	advance(p);
	while (!p->stop && p->event.type != YAML_MAPPING_END_EVENT) {
		if (p->event.type != YAML_SCALAR_EVENT) {
			if (p->event.type != YAML_ALIAS_EVENT)
				error_at(p, p->event.start_mark, "keys must "
				    "be strings, found %s",
				    node_kind(&p->event, kind, sizeof(kind)));
			skip_node(p);
			skip_node(p);
			continue;
		}
		s = (const char *)p->event.data.scalar.value;
		len = p->event.data.scalar.length;
		k = key_lookup(keys, nkeys, s, len);
		if (k == -1) {
			hint[0] = '\0';
			if (nkeys <= 4) {
				(void)strlcpy(hint, " (expected ",
				    sizeof(hint));
				join_names(keys, nkeys, hint + strlen(hint),
				    sizeof(hint) - strlen(hint));
				(void)strlcat(hint, ")", sizeof(hint));
			}
			error_at(p, p->event.start_mark, "unknown %s \"%s\"%s",
			    noun, quote(s, len, q, sizeof(q)), hint);
			advance(p);
			skip_node(p);
			continue;
		}
		if (*seen & BIT(k)) {
			error_at(p, p->event.start_mark, "duplicate key "
			    "\"%s\" (first at line %zu)", keys[k],
			    first[k].line + 1);
			advance(p);
			skip_node(p);
			continue;
		}
		*seen |= BIT(k);
		first[k] = p->event.start_mark;
		p->key_mark = p->event.start_mark;
		advance(p);
		path_push(p, keys[k]);
		fn(p, arg, k);
		path_pop(p);
	}
	if (p->stop)
		return -1;
	advance(p);
	return 0;
}

/* Read a list; fn reads each entry and must consume it. */
static int
walk_sequence(struct parse *p, item_fn fn, void *arg)
{
	size_t	 i;

	if (expect(p, YAML_SEQUENCE_START_EVENT, "a list") == -1)
		return -1;
	advance(p);
	for (i = 0; !p->stop && p->event.type != YAML_SEQUENCE_END_EVENT;
	    i++) {
		if (i == CONFIG_MAX_LIST) {
			error_at(p, p->event.start_mark, "too many entries "
			    "(at most %d)", CONFIG_MAX_LIST);
			while (!p->stop &&
			    p->event.type != YAML_SEQUENCE_END_EVENT)
				skip_node(p);
			break;
		}
		path_push_index(p, i);
		fn(p, arg, i);
		path_pop(p);
	}
	if (p->stop)
		return -1;
	advance(p);
	return 0;
}

/* Scalars.  Each getter consumes the node, whatever it is. */

/*
 * A non-empty scalar of printable characters, copied into *dst; what
 * names the kind of value expected, for messages.
 */
static int
get_text(struct parse *p, char **dst, const char *what)
{
	const yaml_event_t	*ev = &p->event;
	const char		*s;
	size_t			 len, i;
	char			*copy;

	if (expect(p, YAML_SCALAR_EVENT, what) == -1)
		return -1;
	s = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	if (is_null(ev)) {
		error_at(p, ev->start_mark, "expected %s, found an empty "
		    "value", what);
		goto fail;
	}
	if (len == 0) {
		error_at(p, ev->start_mark, "must not be empty");
		goto fail;
	}
	if (len > CONFIG_MAX_STRING) {
		error_at(p, ev->start_mark, "too long (%zu bytes, at most %d)",
		    len, CONFIG_MAX_STRING);
		goto fail;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			error_at(p, ev->start_mark, "contains a control "
			    "character");
			goto fail;
		}
	}
	if ((copy = malloc(len + 1)) == NULL) {
		error_at(p, ev->start_mark, "out of memory");
		goto fail;
	}
	memcpy(copy, s, len + 1);
	free(*dst);
	*dst = copy;
	advance(p);
	return 0;
fail:
	advance(p);
	return -1;
}

static int
get_string(struct parse *p, char **dst)
{
	return get_text(p, dst, "a string");
}

static int
get_path(struct parse *p, char **dst)
{
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL, q[80];

	if (get_text(p, &s, "a path") == -1)
		return -1;
	if (s[0] != '/') {
		error_at(p, mark, "\"%s\" is not an absolute path",
		    quote(s, strlen(s), q, sizeof(q)));
		free(s);
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* A plain decimal integer in [min, max]: no sign, exponent or quotes. */
static int
get_uint(struct parse *p, uint64_t min, uint64_t max, uint64_t *out)
{
	const yaml_event_t	*ev = &p->event;
	const char		*s;
	size_t			 len, i;
	uint64_t		 v = 0;
	char			 q[80];

	if (expect(p, YAML_SCALAR_EVENT, "an integer") == -1)
		return -1;
	s = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		error_at(p, ev->start_mark, "expected a decimal integer, found "
		    "a quoted string (write the number without quotes)");
		goto fail;
	}
	if (is_null(ev)) {
		error_at(p, ev->start_mark, "expected a decimal integer, "
		    "found an empty value");
		goto fail;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			error_at(p, ev->start_mark, "expected a decimal "
			    "integer (digits only), found \"%s\"",
			    quote(s, len, q, sizeof(q)));
			goto fail;
		}
		if (v > (UINT64_MAX - 9) / 10) {
			error_at(p, ev->start_mark, "%s is out of range "
			    "(%llu to %llu)", quote(s, len, q, sizeof(q)),
			    (unsigned long long)min, (unsigned long long)max);
			goto fail;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (len > 1 && s[0] == '0') {
		error_at(p, ev->start_mark, "leading zeros are not allowed "
		    "(\"%s\")", quote(s, len, q, sizeof(q)));
		goto fail;
	}
	if (v < min || v > max) {
		error_at(p, ev->start_mark, "%llu is out of range (%llu to "
		    "%llu)", (unsigned long long)v, (unsigned long long)min,
		    (unsigned long long)max);
		goto fail;
	}
	*out = v;
	advance(p);
	return 0;
fail:
	advance(p);
	return -1;
}

static int
get_bool(struct parse *p, int *out)
{
	const yaml_event_t	*ev = &p->event;
	const char		*s;
	char			 kind[80];

	if (expect(p, YAML_SCALAR_EVENT, "true or false") == -1)
		return -1;
	s = (const char *)ev->data.scalar.value;
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp(s, "true") == 0)
		*out = 1;
	else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp(s, "false") == 0)
		*out = 0;
	else {
		error_at(p, ev->start_mark, "expected true or false, found "
		    "%s%s", node_kind(ev, kind, sizeof(kind)),
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" :
		    " (quoted)");
		advance(p);
		return -1;
	}
	advance(p);
	return 0;
}

static void
format_size(uint64_t v, char *buf, size_t size)
{
	if (v != 0 && v % GIB == 0)
		(void)snprintf(buf, size, "%lluG",
		    (unsigned long long)(v / GIB));
	else if (v != 0 && v % MIB == 0)
		(void)snprintf(buf, size, "%lluM",
		    (unsigned long long)(v / MIB));
	else if (v != 0 && v % KIB == 0)
		(void)snprintf(buf, size, "%lluK",
		    (unsigned long long)(v / KIB));
	else
		(void)snprintf(buf, size, "%llu", (unsigned long long)v);
}

static void
format_duration(uint64_t ms, char *buf, size_t size)
{
	if (ms != 0 && ms % DAY_MS == 0)
		(void)snprintf(buf, size, "%llud",
		    (unsigned long long)(ms / DAY_MS));
	else if (ms != 0 && ms % HOUR_MS == 0)
		(void)snprintf(buf, size, "%lluh",
		    (unsigned long long)(ms / HOUR_MS));
	else if (ms != 0 && ms % MINUTE_MS == 0)
		(void)snprintf(buf, size, "%llum",
		    (unsigned long long)(ms / MINUTE_MS));
	else if (ms != 0 && ms % SECOND_MS == 0)
		(void)snprintf(buf, size, "%llus",
		    (unsigned long long)(ms / SECOND_MS));
	else
		(void)snprintf(buf, size, "%llums", (unsigned long long)ms);
}

/* A size ("64M") in [min, max] bytes. */
static int
get_size(struct parse *p, uint64_t min, uint64_t max, uint64_t *out)
{
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL, q[80], lo[32], hi[32];
	uint64_t	 v;
	int		 rc = -1;

	if (get_text(p, &s, "a size") == -1)
		return -1;
	if (util_parse_size(s, &v) == -1)
		error_at(p, mark, "bad size \"%s\" (bytes, or a number with "
		    "K, M or G, e.g. 64M)", quote(s, strlen(s), q, sizeof(q)));
	else if (v < min || v > max) {
		format_size(min, lo, sizeof(lo));
		format_size(max, hi, sizeof(hi));
		error_at(p, mark, "size %s is out of range (%s to %s)",
		    quote(s, strlen(s), q, sizeof(q)), lo, hi);
	} else {
		*out = v;
		rc = 0;
	}
	free(s);
	return rc;
}

/* A duration ("30s") in [min, max] milliseconds. */
static int
get_duration(struct parse *p, uint64_t min, uint64_t max, uint64_t *out)
{
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL, q[80], lo[32], hi[32];
	uint64_t	 v;
	int		 rc = -1;

	if (get_text(p, &s, "a duration") == -1)
		return -1;
	if (util_parse_duration(s, &v) == -1)
		error_at(p, mark, "bad duration \"%s\" (seconds, or a number "
		    "with ms, s, m, h or d, e.g. 30s)",
		    quote(s, strlen(s), q, sizeof(q)));
	else if (v < min || v > max) {
		format_duration(min, lo, sizeof(lo));
		format_duration(max, hi, sizeof(hi));
		error_at(p, mark, "duration %s is out of range (%s to %s)",
		    quote(s, strlen(s), q, sizeof(q)), lo, hi);
	} else {
		*out = v;
		rc = 0;
	}
	free(s);
	return rc;
}

static void
join_names(const char *const *names, int n, char *buf, size_t size)
{
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)strlcat(buf, i == n - 1 ? " or " : ", ", size);
		(void)strlcat(buf, names[i], size);
	}
}

/* One of names[]; its index goes to *out. */
static int
get_name(struct parse *p, const char *const *names, int n, int *out)
{
	const yaml_event_t	*ev = &p->event;
	char			 list[256], kind[80];
	int			 k;

	if (expect(p, YAML_SCALAR_EVENT, "a name") == -1)
		return -1;
	k = key_lookup(names, n, (const char *)ev->data.scalar.value,
	    ev->data.scalar.length);
	if (k == -1) {
		join_names(names, n, list, sizeof(list));
		error_at(p, ev->start_mark, "expected %s, found %s", list,
		    node_kind(ev, kind, sizeof(kind)));
		advance(p);
		return -1;
	}
	*out = k;
	advance(p);
	return 0;
}

/*
 * A list of names from names[], or with allow_scalar a single name;
 * the matching bits[] are or-ed into *out.
 */
static int
get_flags(struct parse *p, const char *const *names,
    const unsigned int *bits, int n, int allow_scalar, unsigned int *out)
{
	size_t	 count = 0;
	int	 k, rc = 0;

	if (allow_scalar && p->event.type == YAML_SCALAR_EVENT) {
		if (get_name(p, names, n, &k) == -1)
			return -1;
		*out |= bits[k];
		return 0;
	}
	if (expect(p, YAML_SEQUENCE_START_EVENT, allow_scalar ?
	    "a name or a list" : "a list") == -1)
		return -1;
	advance(p);
	while (!p->stop && p->event.type != YAML_SEQUENCE_END_EVENT) {
		if (count++ == CONFIG_MAX_LIST) {
			error_at(p, p->event.start_mark, "too many entries "
			    "(at most %d)", CONFIG_MAX_LIST);
			while (!p->stop &&
			    p->event.type != YAML_SEQUENCE_END_EVENT)
				skip_node(p);
			rc = -1;
			break;
		}
		path_push_index(p, count - 1);
		if (get_name(p, names, n, &k) == 0)
			*out |= bits[k];
		else
			rc = -1;
		path_pop(p);
	}
	if (p->stop)
		return -1;
	advance(p);
	return rc;
}

/* Arrays. */

/*
 * Make room for element count in an array grown by doubling (4, 8,
 * 16...): the capacity is implied by the count, so the structures need
 * no extra field.
 */
static void *
grow(void *array, size_t count, size_t size)
{
	if (count == 0)
		return xreallocarray(array, 4, size);
	if (count >= 4 && (count & (count - 1)) == 0)
		return xreallocarray(array, count * 2, size);
	return array;
}

static void
strlist_add(struct strlist *list, char *s)
{
	list->items = grow(list->items, list->count, sizeof(*list->items));
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

/* Names. */

/* A contact alias: a letter, then letters, digits, '_', '-' or '.'. */
static int
valid_alias(const char *s)
{
	const char	*c;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (c = s + 1; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		    *c == '.'))
			return 0;
	}
	return 1;
}

/*
 * Would the policy read this allow or deny entry as a contact alias?
 * Addresses and patterns have an '@', a '+', a ':' or a '*', or start
 * with a digit or '(' (a national phone number).
 */
static int
looks_like_alias(const char *s)
{
	if ((*s >= '0' && *s <= '9') || *s == '(')
		return 0;
	return strpbrk(s, "@+:*") == NULL;
}

/* A user or group name, or a decimal id. */
static int
valid_account_name(const char *s)
{
	const char	*c;
	uint64_t	 id = 0;

	if (*s >= '0' && *s <= '9') {
		for (c = s; *c != '\0'; c++) {
			if (*c < '0' || *c > '9')
				return 0;
			id = id * 10 + (uint64_t)(*c - '0');
			if (id > UINT32_MAX - 1)
				return 0;
		}
		return 1;
	}
	if (*s == '-' || strlen(s) > 256)
		return 0;
	for (c = s; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		    *c == '.' || *c == '@' || (*c == '$' && c[1] == '\0')))
			return 0;
	}
	return 1;
}

/* The document. */

static void
parse_document(struct parse *p)
{
	uint64_t	 seen;
	yaml_mark_t	 start;

	advance(p);		/* stream start */
	advance(p);
	if (p->event.type == YAML_STREAM_END_EVENT) {
		error_nopath(p, p->event.start_mark, "empty configuration "
		    "(no YAML document)");
		return;
	}
	if (p->event.type != YAML_DOCUMENT_START_EVENT)
		return;
	advance(p);
	if (walk_mapping(p, top_keys, TOP_NKEYS, "key", top_key, p, &seen,
	    &start) == 0) {
		if (!(seen & BIT(TOP_VERSION)))
			error_at(p, start, "missing required key \"version\"");
		if (!(seen & BIT(TOP_STATE_DIR)))
			error_at(p, start, "missing required key "
			    "\"state_dir\"");
	}
	if (p->stop)
		return;
	advance(p);		/* document end */
	if (p->event.type == YAML_DOCUMENT_START_EVENT)
		error_nopath(p, p->event.start_mark, "more than one YAML "
		    "document (only one is read)");
}

static void
top_key(struct parse *p, void *arg, int key)
{
	struct config	*cf = p->cf;
	yaml_mark_t	 mark = p->event.start_mark, start;
	uint64_t	 v, seen;

	(void)arg;
	switch (key) {
	case TOP_VERSION:
		if (get_uint(p, 0, UINT32_MAX, &v) == 0) {
			if (v != 1)
				error_at(p, mark, "unsupported version %llu "
				    "(this program reads version 1)",
				    (unsigned long long)v);
			else
				cf->version = 1;
		}
		break;
	case TOP_STATE_DIR:
		(void)get_path(p, &cf->state_dir);
		break;
	case TOP_MAP_SIZE:
		if (get_size(p, 1 * MIB, SIZE_MAX < 1024 * GIB ?
		    (uint64_t)SIZE_MAX : 1024 * GIB, &v) == 0)
			cf->map_size = v;
		break;
	case TOP_MAX_LINE:
		if (get_size(p, 1 * KIB, 16 * MIB, &v) == 0)
			cf->max_line = (size_t)v;
		break;
	case TOP_HANDLER_TIMEOUT:
		(void)get_duration(p, 1, DAY_MS, &cf->handler_timeout_ms);
		break;
	case TOP_AUDIT:
		if (walk_mapping(p, audit_keys, AUDIT_NKEYS, "key", audit_key,
		    cf, &seen, &start) == 0 &&
		    (seen & BIT(AUDIT_SOCKET)) &&
		    cf->audit_sink == AUDIT_SINK_STDERR)
			error_at(p, start, "socket does not apply to the "
			    "stderr sink");
		break;
	case TOP_CLIENTS:
		(void)walk_sequence(p, client_item, NULL);
		break;
	case TOP_CONTACTS:
		parse_contacts(p);
		break;
	case TOP_CHANNELS:
		(void)walk_mapping(p, p->chan_names, p->nchannels, "channel",
		    channel_block, NULL, &seen, &start);
		break;
	case TOP_CONTENT:
		(void)walk_mapping(p, content_keys, CONTENT_NKEYS, "key",
		    content_key, NULL, &seen, &start);
		break;
	}
}

static void
audit_key(struct parse *p, void *arg, int key)
{
	struct config	*cf = arg;
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL, q[80];
	const char	*c;
	int		 k;

	switch (key) {
	case AUDIT_SINK:
		if (get_name(p, audit_sinks, NITEMS(audit_sinks), &k) == 0)
			cf->audit_sink = (enum audit_sink)k;
		break;
	case AUDIT_SOCKET:
		(void)get_path(p, &cf->audit_socket);
		break;
	case AUDIT_IDENT:
		if (get_string(p, &s) == -1)
			break;
		for (c = s; *c != '\0'; c++) {
			if (!((*c >= 'a' && *c <= 'z') ||
			    (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '_' ||
			    *c == '-' || *c == '.'))
				break;
		}
		if (*c != '\0' || c - s > 64) {
			error_at(p, mark, "bad ident \"%s\" (at most 64 "
			    "letters, digits, '_', '-' or '.')",
			    quote(s, strlen(s), q, sizeof(q)));
			free(s);
			break;
		}
		free(cf->audit_ident);
		cf->audit_ident = s;
		break;
	case AUDIT_FACILITY:
		if (get_name(p, facility_names, NITEMS(facility_names),
		    &k) == 0)
			cf->audit_facility = facility_values[k];
		break;
	}
}

/* Clients. */

static void
client_item(struct parse *p, void *arg, size_t index)
{
	struct config		*cf = p->cf;
	struct client_ctx	 ctx;
	struct client		*c;
	uint64_t		 seen;
	yaml_mark_t		 start;
	size_t			 i, before;
	char			 q[80];

	(void)arg;
	(void)index;
	cf->clients = grow(cf->clients, cf->nclients, sizeof(*cf->clients));
	p->client_lines = grow(p->client_lines, cf->nclients,
	    sizeof(*p->client_lines));
	c = &cf->clients[cf->nclients];
	memset(c, 0, sizeof(*c));
	p->client_lines[cf->nclients] = 0;
	cf->nclients++;

	memset(&ctx, 0, sizeof(ctx));
	ctx.client = c;
	before = p->nerrors;
	if (walk_mapping(p, client_keys, CLIENT_NKEYS, "key", client_key,
	    &ctx, &seen, &start) == -1)
		return;
	if (!(seen & BIT(CLIENT_NAME)))
		error_at(p, start, "missing required key \"name\"");
	if (!(seen & (BIT(CLIENT_USERS) | BIT(CLIENT_GROUPS))))
		error_at(p, start, "a client needs users or groups");
	else if (c->users.count == 0 && c->groups.count == 0 &&
	    p->nerrors == before)
		error_at(p, start, "a client needs at least one user or "
		    "group");
	if (c->name == NULL)
		return;
	p->client_lines[cf->nclients - 1] = ctx.name_mark.line + 1;
	for (i = 0; i + 1 < cf->nclients; i++) {
		if (cf->clients[i].name != NULL &&
		    strcmp(cf->clients[i].name, c->name) == 0) {
			error_at(p, ctx.name_mark, "duplicate client name "
			    "\"%s\" (first at line %zu)",
			    quote(c->name, strlen(c->name), q, sizeof(q)),
			    p->client_lines[i]);
			break;
		}
	}
}

static void
client_key(struct parse *p, void *arg, int key)
{
	struct client_ctx	*ctx = arg;
	struct client		*c = ctx->client;

	switch (key) {
	case CLIENT_NAME:
		ctx->name_mark = p->event.start_mark;
		(void)get_string(p, &c->name);
		break;
	case CLIENT_USERS:
		(void)walk_sequence(p, principal_item, &c->users);
		break;
	case CLIENT_GROUPS:
		(void)walk_sequence(p, principal_item, &c->groups);
		break;
	case CLIENT_CHANNELS:
		(void)get_flags(p, p->chan_names, p->chan_bits, p->nchannels,
		    0, &c->channels);
		break;
	}
}

/* A user or group of a client. */
static void
principal_item(struct parse *p, void *arg, size_t index)
{
	struct strlist	*list = arg;
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL, q[80];

	(void)index;
	if (get_string(p, &s) == -1)
		return;
	if (!valid_account_name(s)) {
		error_at(p, mark, "bad name \"%s\" (expected a user or group "
		    "name, or a decimal id)", quote(s, strlen(s), q,
		    sizeof(q)));
		free(s);
		return;
	}
	strlist_add(list, s);
}

/* Contacts: a mapping from alias to addresses, one per channel. */

static void
parse_contacts(struct parse *p)
{
	struct config	*cf = p->cf;
	struct contact	*contact;
	const char	*s;
	size_t		 len, i;
	uint64_t	 seen;
	yaml_mark_t	 mark, start;
	char		 q[80], kind[80];
	int		 duplicate;

	if (expect(p, YAML_MAPPING_START_EVENT, "a mapping") == -1)
		return;
	advance(p);
	while (!p->stop && p->event.type != YAML_MAPPING_END_EVENT) {
		mark = p->event.start_mark;
		if (p->event.type != YAML_SCALAR_EVENT) {
			if (p->event.type != YAML_ALIAS_EVENT)
				error_at(p, mark, "contact names must be "
				    "strings, found %s", node_kind(&p->event,
				    kind, sizeof(kind)));
			skip_node(p);
			skip_node(p);
			continue;
		}
		s = (const char *)p->event.data.scalar.value;
		len = p->event.data.scalar.length;
		if (cf->ncontacts == CONFIG_MAX_LIST) {
			error_at(p, mark, "too many contacts (at most %d)",
			    CONFIG_MAX_LIST);
			while (!p->stop &&
			    p->event.type != YAML_MAPPING_END_EVENT)
				skip_node(p);
			break;
		}
		if (strlen(s) != len || len > 64 || !valid_alias(s)) {
			error_at(p, mark, "bad contact alias \"%s\" (at most "
			    "64 letters, digits, '_', '-' or '.', starting "
			    "with a letter)", quote(s, len, q, sizeof(q)));
			advance(p);
			skip_node(p);
			continue;
		}
		duplicate = 0;
		for (i = 0; i < cf->ncontacts; i++) {
			if (strcmp(cf->contacts[i].name, s) == 0) {
				error_at(p, mark, "duplicate contact \"%s\" "
				    "(first at line %zu)", s,
				    p->contact_lines[i]);
				duplicate = 1;
				break;
			}
		}
		if (duplicate) {
			advance(p);
			skip_node(p);
			continue;
		}
		cf->contacts = grow(cf->contacts, cf->ncontacts,
		    sizeof(*cf->contacts));
		p->contact_lines = grow(p->contact_lines, cf->ncontacts,
		    sizeof(*p->contact_lines));
		contact = &cf->contacts[cf->ncontacts];
		memset(contact, 0, sizeof(*contact));
		contact->name = xstrdup(s);
		p->contact_lines[cf->ncontacts] = mark.line + 1;
		cf->ncontacts++;

		advance(p);
		path_push(p, contact->name);
		if (walk_mapping(p, p->chan_names, p->nchannels, "channel",
		    contact_key, contact, &seen, &start) == 0 && seen == 0)
			error_at(p, start, "a contact needs at least one "
			    "address");
		path_pop(p);
	}
	if (!p->stop)
		advance(p);
}

static void
contact_key(struct parse *p, void *arg, int key)
{
	struct contact	*contact = arg;

	(void)get_string(p, &contact->address[key]);
}

/* Channels. */

void
conf_problem(struct conf_report *r, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_at(r->p, r->mark, "%s", msg);
}

int
conf_key_seen(const struct conf_report *r, const char *name)
{
	int	 k;

	for (k = 0; k < r->ctx->nnames; k++)
		if (strcmp(r->ctx->names[k], name) == 0)
			return (r->seen & BIT(k)) != 0;
	return 0;
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

/*
 * A channel's key list: the common keys, then every driver's own (each
 * name once), so that a key of another channel is named as such rather
 * than unknown.
 */
static void
channel_key_names(struct channel_ctx *ctx)
{
	const struct channel_driver	*d;
	size_t				 id, i;
	int				 k, dup;

	for (k = 0; k < CH_NCOMMON; k++)
		ctx->names[k] = channel_keys[k];
	ctx->nnames = CH_NCOMMON;
	for (id = 0; id < channel_count; id++) {
		d = channel_drivers[id];
		for (i = 0; i < d->nkeys; i++) {
			for (dup = 0, k = 0; k < ctx->nnames && !dup; k++)
				dup = strcmp(ctx->names[k], d->keys[i].name) ==
				    0;
			if (dup)
				continue;
			if (ctx->nnames == CH_KEYS_MAX)
				fatalx("too many channel keys");
			ctx->names[ctx->nnames++] = d->keys[i].name;
		}
	}
}

static void
channel_block(struct parse *p, void *arg, int id)
{
	struct channel		*ch = &p->cf->channels[id];
	struct channel_ctx	 ctx;
	struct conf_report	 report;
	uint64_t		 seen;
	yaml_mark_t		 start;

	(void)arg;
	ch->configured = 1;
	ctx.ch = ch;
	channel_key_names(&ctx);
	if (walk_mapping(p, ctx.names, ctx.nnames, "key", channel_key, &ctx,
	    &seen, &start) == -1)
		return;
	report.p = p;
	report.mark = start;
	report.ctx = &ctx;
	report.seen = seen;
	if (ch->driver->check != NULL)
		ch->driver->check(ch, &report);
}

/* A driver's own key, read by its type into its options (or ch). */
static void
driver_key_read(struct parse *p, struct channel *ch, const struct conf_key *k)
{
	yaml_mark_t	 mark = p->event.start_mark;
	char		*base, *s = NULL, q[80];
	const char	*bad;
	int		 n, v;

	base = (k->flags & CONF_KEY_COMMON) ? (char *)ch : (char *)ch->opts;
	switch (k->type) {
	case CONF_PATH:
		(void)get_path(p, (char **)(void *)(base + k->offset));
		break;
	case CONF_STRING:
		if (get_string(p, &s) == -1)
			break;
		if (k->check != NULL && (bad = k->check(s)) != NULL) {
			error_at(p, mark, "bad %s \"%s\" (%s)", k->noun,
			    quote(s, strlen(s), q, sizeof(q)), bad);
			free(s);
			break;
		}
		free(*(char **)(void *)(base + k->offset));
		*(char **)(void *)(base + k->offset) = s;
		break;
	case CONF_DURATION:
		(void)get_duration(p, k->min, k->max,
		    (uint64_t *)(void *)(base + k->offset));
		break;
	case CONF_NAME:
		for (n = 0; k->names[n] != NULL; n++)
			;
		if (get_name(p, k->names, n, &v) == 0)
			*(int *)(void *)(base + k->offset) = v;
		break;
	}
}

static void
channel_key(struct parse *p, void *arg, int key)
{
	struct channel_ctx	*ctx = arg;
	struct channel		*ch = ctx->ch;
	const struct conf_key	*dk;
	yaml_mark_t		 mark = p->event.start_mark, start;
	struct list_ctx		 lctx;
	char			*s = NULL, q[80], list[64];
	const char		*names[CHANNEL_MAX] = { NULL };
	uint64_t		 seen;
	size_t			 id;
	int			 n;

	if (key >= CH_NCOMMON) {
		if ((dk = driver_key(ch->driver, ctx->names[key])) != NULL) {
			driver_key_read(p, ch, dk);
			return;
		}
		for (n = 0, id = 0; id < channel_count; id++)
			if (driver_key(channel_drivers[id],
			    ctx->names[key]) != NULL)
				names[n++] = channel_drivers[id]->name;
		join_names(names, n, list, sizeof(list));
		error_at(p, p->key_mark, "only %s take%s this key", list,
		    n == 1 ? "s" : "");
		skip_node(p);
		return;
	}
	switch (key) {
	case CH_TOOL:
		(void)get_path(p, &ch->tool);
		break;
	case CH_TIMEOUT:
		(void)get_duration(p, 1, 10 * MINUTE_MS, &ch->timeout_ms);
		break;
	case CH_REGION:
		if (get_string(p, &s) == -1)
			break;
		if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' ||
		    s[1] < 'A' || s[1] > 'Z')
			error_at(p, mark, "bad region \"%s\" (two upper-case "
			    "letters, e.g. US)", quote(s, strlen(s), q,
			    sizeof(q)));
		else
			memcpy(ch->region, s, 3);
		free(s);
		break;
	case CH_MAX_OUTPUT:
		(void)get_size(p, 1 * KIB, 1 * GIB, &ch->max_output);
		break;
	case CH_MAX_ATTACHMENT:
		(void)get_size(p, 1 * KIB, 4 * GIB, &ch->max_attachment);
		break;
	case CH_OUTBOUND:
		lctx.channel = ch;
		(void)walk_mapping(p, outbound_keys, OUT_NKEYS, "key",
		    outbound_key, &lctx, &seen, &start);
		break;
	case CH_INBOUND:
		lctx.channel = ch;
		(void)walk_mapping(p, inbound_keys, IN_NKEYS, "key",
		    inbound_key, &lctx, &seen, &start);
		break;
	case CH_LIMITS:
		(void)walk_sequence(p, limit_item, ch);
		break;
	}
}

static void
outbound_key(struct parse *p, void *arg, int key)
{
	struct list_ctx	*ctx = arg;
	struct channel	*ch = ctx->channel;
	int		 k;

	switch (key) {
	case OUT_MODE:
		if (get_name(p, outbound_modes, NITEMS(outbound_modes),
		    &k) == 0)
			ch->outbound_mode = (enum outbound_mode)k;
		break;
	case OUT_ALLOW:
		ctx->list = &ch->outbound_allow;
		ctx->what = "outbound.allow";
		(void)walk_sequence(p, address_item, ctx);
		break;
	case OUT_DENY:
		ctx->list = &ch->outbound_deny;
		ctx->what = "outbound.deny";
		(void)walk_sequence(p, address_item, ctx);
		break;
	}
}

static void
inbound_key(struct parse *p, void *arg, int key)
{
	struct list_ctx	*ctx = arg;
	struct channel	*ch = ctx->channel;
	int		 k;

	switch (key) {
	case IN_MODE:
		if (get_name(p, inbound_modes, NITEMS(inbound_modes), &k) == 0)
			ch->inbound_mode = (enum inbound_mode)k;
		break;
	case IN_ALLOW:
		ctx->list = &ch->inbound_allow;
		ctx->what = "inbound.allow";
		(void)walk_sequence(p, address_item, ctx);
		break;
	case IN_SCRUB:
		(void)get_flags(p, scrub_names, scrub_bits, NITEMS(scrub_names),
		    0, &ch->scrub);
		break;
	case IN_FROM_ME:
		if (get_name(p, from_me_modes, NITEMS(from_me_modes), &k) == 0)
			ch->from_me = k;
		break;
	case IN_KEEP_MESSAGES:
		(void)get_uint(p, 0, 100000000, &ch->keep_messages);
		break;
	case IN_KEEP_FOR:
		(void)get_duration(p, 0, 3660 * DAY_MS, &ch->keep_for_ms);
		break;
	case IN_HIDE_LABELS:
		(void)walk_sequence(p, label_item, &ch->hide_labels);
		break;
	}
}

/* A label name or id (gmail inbound.hide_labels): any non-empty string. */
static void
label_item(struct parse *p, void *arg, size_t index)
{
	struct strlist	*list = arg;
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL;

	(void)index;
	if (get_string(p, &s) == -1)
		return;
	if (s[0] == '\0') {
		error_at(p, mark, "empty label name");
		free(s);
		return;
	}
	strlist_add(list, s);
}

/* An allow or deny entry: an address, a pattern or a contact alias. */
static void
address_item(struct parse *p, void *arg, size_t index)
{
	struct list_ctx		*ctx = arg;
	struct alias_ref	*ref;
	yaml_mark_t		 mark = p->event.start_mark;
	char			*s = NULL;

	if (get_string(p, &s) == -1)
		return;
	strlist_add(ctx->list, s);
	if (!looks_like_alias(s))
		return;
	p->refs = grow(p->refs, p->nrefs, sizeof(*p->refs));
	ref = &p->refs[p->nrefs++];
	ref->name = s;
	ref->list = ctx->what;
	ref->index = index;
	ref->channel = ctx->channel->id;
	ref->mark = mark;
}

static void
limit_item(struct parse *p, void *arg, size_t index)
{
	struct channel	*ch = arg;
	struct limit	*limit;
	uint64_t	 seen;
	yaml_mark_t	 start;
	int		 k;

	(void)index;
	ch->limits = grow(ch->limits, ch->nlimits, sizeof(*ch->limits));
	limit = &ch->limits[ch->nlimits++];
	memset(limit, 0, sizeof(*limit));
	if (walk_mapping(p, limit_keys, LIM_NKEYS, "key", limit_key, limit,
	    &seen, &start) == -1)
		return;
	for (k = 0; k < LIM_NKEYS; k++) {
		if (!(seen & BIT(k)))
			error_at(p, start, "missing required key \"%s\"",
			    limit_keys[k]);
	}
}

static void
limit_key(struct parse *p, void *arg, int key)
{
	struct limit	*limit = arg;
	uint64_t	 v;
	int		 k;

	switch (key) {
	case LIM_PER:
		if (get_name(p, limit_scopes, NITEMS(limit_scopes), &k) == 0)
			limit->per = (enum limit_scope)k;
		break;
	case LIM_MAX:
		if (get_uint(p, 1, LIMIT_MAX_COUNT, &v) == 0)
			limit->max = (unsigned int)v;
		break;
	case LIM_WINDOW:
		(void)get_duration(p, 1, 366 * DAY_MS, &limit->window_ms);
		break;
	}
}

/* Content rules. */

static void
content_key(struct parse *p, void *arg, int key)
{
	uint64_t	 v;

	(void)arg;
	switch (key) {
	case CONTENT_MAX_LENGTH:
		if (get_uint(p, 1, 16 * MIB, &v) == 0)
			p->cf->content_max_length = (size_t)v;
		break;
	case CONTENT_RULES:
		(void)walk_sequence(p, rule_item, NULL);
		break;
	}
}

/*
 * The regex library expands bounded repetition by copying the repeated
 * expression, so "(a{100}){100}" or "a++++..." compiles to a huge
 * automaton: a configuration could exhaust the handler's memory before
 * a single request.  Refuse patterns whose expansion, estimated the same
 * way, passes PATTERN_COST_MAX, and back-references (exponential to
 * match).  Returns NULL, or why the pattern is refused.
 */
#define PATTERN_LEN_MAX		1024
#define PATTERN_COST_MAX	20000
#define PATTERN_DEPTH_MAX	32

static const char *
pattern_too_costly(const char *re)
{
	uint64_t	 total[PATTERN_DEPTH_MAX + 1], last = 0, lo, hi;
	const char	*p;
	char		*end;
	int		 depth = 0;

	if (strlen(re) > PATTERN_LEN_MAX)
		return "longer than 1024 bytes";
	total[0] = 0;
	for (p = re; *p != '\0'; p++) {
		switch (*p) {
		case '(':
			if (depth == PATTERN_DEPTH_MAX)
				return "groups nested too deeply";
			total[++depth] = 0;
			last = 0;
			break;
		case ')':
			if (depth == 0)
				break;
			last = total[depth] + 1;
			total[--depth] += last;
			break;
		case '*':
		case '?':
			break;
		case '+':
			/* a+ is compiled as aa*. */
			total[depth] += last;
			last *= 2;
			break;
		case '{':
			lo = strtoull(p + 1, &end, 10);
			hi = lo;
			if (*end == ',') {
				hi = strtoull(end + 1, &end, 10);
				if (hi < lo)
					hi = lo;
			}
			if (*end != '}')
				break;
			if (hi > 255)
				return "a repetition count above 255";
			total[depth] += last * (hi > 0 ? hi - 1 : 0);
			last *= hi > 0 ? hi : 1;
			p = end;
			break;
		case '[':
			/* A bracket expression is one atom. */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' ||
				    p[1] == '=')) {
					end = strstr(p + 2, p[1] == ':' ? ":]" :
					    p[1] == '.' ? ".]" : "=]");
					if (end == NULL)
						break;
					p = end + 1;
				}
				p++;
			}
			if (*p == '\0')
				p--;
			last = 1;
			total[depth] += last;
			break;
		case '\\':
			if (p[1] >= '1' && p[1] <= '9')
				return "back-references are not supported";
			if (p[1] != '\0')
				p++;
			last = 1;
			total[depth] += last;
			break;
		default:
			last = 1;
			total[depth] += last;
			break;
		}
		if (total[depth] > PATTERN_COST_MAX || last > PATTERN_COST_MAX)
			return "too costly to compile (nested repetition)";
	}
	return NULL;
}

static void
rule_item(struct parse *p, void *arg, size_t index)
{
	const char	*why;
	struct config		*cf = p->cf;
	struct content_rule	*rule;
	struct rule_ctx		 ctx;
	uint64_t		 seen;
	yaml_mark_t		 start;
	size_t			 i;
	char			 q[80], problem[256];
	int			 rc;

	(void)arg;
	(void)index;
	cf->rules = grow(cf->rules, cf->nrules, sizeof(*cf->rules));
	p->rule_lines = grow(p->rule_lines, cf->nrules,
	    sizeof(*p->rule_lines));
	rule = &cf->rules[cf->nrules];
	memset(rule, 0, sizeof(*rule));
	rule->icase = 1;
	p->rule_lines[cf->nrules] = 0;
	cf->nrules++;

	memset(&ctx, 0, sizeof(ctx));
	ctx.rule = rule;
	if (walk_mapping(p, rule_keys, RULE_NKEYS, "key", rule_key, &ctx,
	    &seen, &start) == -1) {
		free(ctx.pattern);
		return;
	}
	if (!(seen & BIT(RULE_NAME)))
		error_at(p, start, "missing required key \"name\"");
	if (!(seen & BIT(RULE_ACTION)))
		error_at(p, start, "missing required key \"action\"");
	if (!(seen & (BIT(RULE_DETECT) | BIT(RULE_PATTERN))))
		error_at(p, start, "a rule needs detect or pattern");

	/* Compiled last: icase may come after the pattern. */
	if (ctx.pattern != NULL) {
		if ((why = pattern_too_costly(ctx.pattern)) != NULL) {
			path_push(p, rule_keys[RULE_PATTERN]);
			error_at(p, ctx.pattern_mark, "regular expression "
			    "refused: %s", why);
			path_pop(p);
			free(ctx.pattern);
			ctx.pattern = NULL;
		}
	}
	if (ctx.pattern != NULL) {
		rc = regcomp(&rule->regex, ctx.pattern, REG_EXTENDED |
		    REG_NOSUB | (rule->icase ? REG_ICASE : 0));
		if (rc != 0) {
			(void)regerror(rc, &rule->regex, problem,
			    sizeof(problem));
			path_push(p, rule_keys[RULE_PATTERN]);
			error_at(p, ctx.pattern_mark, "bad regular "
			    "expression: %s", problem);
			path_pop(p);
			free(ctx.pattern);
		} else
			rule->pattern = ctx.pattern;
	}

	if (rule->name == NULL)
		return;
	p->rule_lines[cf->nrules - 1] = ctx.name_mark.line + 1;
	for (i = 0; i + 1 < cf->nrules; i++) {
		if (cf->rules[i].name != NULL &&
		    strcmp(cf->rules[i].name, rule->name) == 0) {
			error_at(p, ctx.name_mark, "duplicate rule name "
			    "\"%s\" (first at line %zu)",
			    quote(rule->name, strlen(rule->name), q,
			    sizeof(q)), p->rule_lines[i]);
			break;
		}
	}
}

static void
rule_key(struct parse *p, void *arg, int key)
{
	struct rule_ctx		*ctx = arg;
	struct content_rule	*rule = ctx->rule;
	int			 k;

	switch (key) {
	case RULE_NAME:
		ctx->name_mark = p->event.start_mark;
		(void)get_string(p, &rule->name);
		break;
	case RULE_DETECT:
		(void)get_flags(p, detect_names, detect_bits,
		    NITEMS(detect_names), 1, &rule->detect);
		break;
	case RULE_PATTERN:
		ctx->pattern_mark = p->event.start_mark;
		(void)get_string(p, &ctx->pattern);
		break;
	case RULE_ICASE:
		(void)get_bool(p, &rule->icase);
		break;
	case RULE_ACTION:
		if (get_name(p, rule_actions, NITEMS(rule_actions), &k) == 0)
			rule->action = (enum rule_action)k;
		break;
	}
}

/* Checks that need the whole file. */

static void
check_alias_refs(struct parse *p)
{
	const struct alias_ref	*ref;
	const struct contact	*contact;
	size_t			 i;
	char			 q[80];

	for (i = 0; i < p->nrefs; i++) {
		ref = &p->refs[i];
		quote(ref->name, strlen(ref->name), q, sizeof(q));
		contact = config_contact(p->cf, ref->name);
		if (contact == NULL)
			error_nopath(p, ref->mark, "channels.%s.%s[%zu]: "
			    "unknown contact \"%s\" (not in contacts, and not "
			    "an address or pattern)",
			    p->chan_names[ref->channel], ref->list,
			    ref->index, q);
		else if (contact->address[ref->channel] == NULL)
			error_nopath(p, ref->mark, "channels.%s.%s[%zu]: "
			    "contact \"%s\" has no %s address",
			    p->chan_names[ref->channel], ref->list,
			    ref->index, q, p->chan_names[ref->channel]);
	}
}

static void
set_defaults(struct config *cf)
{
	struct channel	*ch;
	int		 id;

	cf->map_size = 64 * MIB;
	cf->max_line = RPC_MAX_LINE_DEFAULT;
	cf->handler_timeout_ms = 60 * SECOND_MS;
	cf->audit_sink = AUDIT_SINK_JOURNALD;
	cf->audit_ident = xstrdup("carapace");
	cf->audit_facility = LOG_AUTHPRIV;
	cf->content_max_length = 4000;
	for (id = 0; id < (int)channel_count; id++) {
		ch = &cf->channels[id];
		ch->id = id;
		ch->driver = channel_drivers[id];
		ch->opts = xcalloc(1, ch->driver->opts_size);
		ch->timeout_ms = 30 * SECOND_MS;
		memcpy(ch->region, "US", 3);
		ch->max_output = 4 * MIB;
		ch->max_attachment = 100 * MIB;
		ch->outbound_mode = OUTBOUND_ALLOWLIST;
		ch->inbound_mode = INBOUND_ALLOWLIST;
		ch->from_me = 1;
		ch->keep_messages = 100000;
		ch->keep_for_ms = 30 * DAY_MS;
	}
}

/*
 * Read the whole file (at most CONFIG_MAX_FILE bytes) into a buffer the
 * caller frees.  The checks are made on the opened file, so a symbolic
 * link to the configuration is fine and cannot be swapped in between.
 */
static int
read_file(const char *path, int check_perms, struct config_errors *errs,
    unsigned char **out, size_t *outlen)
{
	struct stat	 st;
	unsigned char	*buf = NULL, *nbuf;
	size_t		 len = 0, size;
	ssize_t		 n;
	int		 fd, flags;

	*out = NULL;
	*outlen = 0;
	/* O_NONBLOCK: opening a FIFO must not hang; cleared below. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		file_error(errs, path, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		file_error(errs, path, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (check_perms && !S_ISREG(st.st_mode)) {
		file_error(errs, path, "not a regular file");
		goto fail;
	}
	if (check_perms && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		file_error(errs, path, "refused: the file is %s writable "
		    "(mode %04o); run chmod go-w on it",
		    (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH) ?
		    "group and world" : (st.st_mode & S_IWGRP) ? "group" :
		    "world", (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		file_error(errs, path, "is a directory");
		goto fail;
	}
	if (S_ISREG(st.st_mode) && st.st_size > CONFIG_MAX_FILE) {
		file_error(errs, path, "too large (%lld bytes, at most %d)",
		    (long long)st.st_size, CONFIG_MAX_FILE);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)) {
		file_error(errs, path, "fcntl: %s", strerror(errno));
		goto fail;
	}

	size = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
	buf = xcalloc(1, size);
	for (;;) {
		if (len == size) {
			if (size > CONFIG_MAX_FILE) {
				file_error(errs, path, "too large (more than "
				    "%d bytes)", CONFIG_MAX_FILE);
				goto fail;
			}
			size = size * 2 > CONFIG_MAX_FILE + 1 ?
			    CONFIG_MAX_FILE + 1 : size * 2;
			nbuf = xreallocarray(buf, size, 1);
			buf = nbuf;
		}
		n = read(fd, buf + len, size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			file_error(errs, path, "read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CONFIG_MAX_FILE) {
		file_error(errs, path, "too large (more than %d bytes)",
		    CONFIG_MAX_FILE);
		goto fail;
	}
	(void)close(fd);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	free(buf);
	(void)close(fd);
	return -1;
}

int
config_load(const char *path, int check_perms, struct config **out,
    struct config_errors *errs)
{
	struct parse		 p;
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
	if (read_file(path, check_perms, errs, &text, &len) == -1)
		return -1;

	cf = xcalloc(1, sizeof(*cf));
	cf->path = xstrdup(path);
	set_defaults(cf);

	memset(&p, 0, sizeof(p));
	p.file = path;
	p.text = text;
	p.textlen = len;
	p.cf = cf;
	p.errs = errs;
	p.first_error = errs->count;
	for (p.nchannels = 0; p.nchannels < (int)channel_count; p.nchannels++) {
		p.chan_names[p.nchannels] = channel_name(p.nchannels);
		p.chan_bits[p.nchannels] = 1U << p.nchannels;
	}
	if (!yaml_parser_initialize(&p.parser)) {
		file_error(errs, path, "cannot initialise the YAML parser");
		free(text);
		config_free(cf);
		return -1;
	}
	yaml_parser_set_encoding(&p.parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&p.parser, text, len);

	parse_document(&p);
	if (!p.stop)
		check_alias_refs(&p);
	sort_errors(&p);

	if (p.have_event)
		yaml_event_delete(&p.event);
	yaml_parser_delete(&p.parser);
	free(p.refs);
	free(p.positions);
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

/* The strings a driver's keys put in its options, and the options. */
static void
opts_free(struct channel *ch)
{
	const struct conf_key	*k;
	size_t			 i;

	if (ch->driver == NULL || ch->opts == NULL)
		return;
	for (i = 0; i < ch->driver->nkeys; i++) {
		k = &ch->driver->keys[i];
		if ((k->flags & CONF_KEY_COMMON) == 0 &&
		    (k->type == CONF_STRING || k->type == CONF_PATH))
			free(*(char **)(void *)((char *)ch->opts + k->offset));
	}
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
	free(cf->state_dir);
	free(cf->audit_socket);
	free(cf->audit_ident);
	for (i = 0; i < cf->nclients; i++) {
		free(cf->clients[i].name);
		strlist_free(&cf->clients[i].users);
		strlist_free(&cf->clients[i].groups);
	}
	free(cf->clients);
	for (i = 0; i < cf->ncontacts; i++) {
		free(cf->contacts[i].name);
		for (k = 0; k < CHANNEL_MAX; k++)
			free(cf->contacts[i].address[k]);
	}
	free(cf->contacts);
	for (id = 0; id < CHANNEL_MAX; id++) {
		ch = &cf->channels[id];
		free(ch->tool);
		opts_free(ch);
		strlist_free(&ch->outbound_allow);
		strlist_free(&ch->outbound_deny);
		strlist_free(&ch->inbound_allow);
		strlist_free(&ch->hide_labels);
		free(ch->limits);
	}
	for (i = 0; i < cf->nrules; i++) {
		free(cf->rules[i].name);
		if (cf->rules[i].pattern != NULL) {
			regfree(&cf->rules[i].regex);
			free(cf->rules[i].pattern);
		}
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
