/*
 * The YAML walker under the configuration loader: libyaml's event
 * parser read in one pass, without building a document tree (the
 * handler loads the configuration once per connection, so loading must
 * cost microseconds), with typed getters for the values and every
 * problem collected with its line, column and key path.  Reading goes
 * on after a bad value so that one run reports them all; only a YAML
 * syntax error, or too many errors, stops it.  Which keys exist is the
 * schema's business (config.c), not this file's.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "compat.h"
#include "conf.h"
#include "conf-yaml.h"
#include "util.h"

#define KIB			1024ULL
#define MIB			(1024ULL * 1024)
#define GIB			(1024ULL * 1024 * 1024)
#define SECOND_MS		1000ULL
#define MINUTE_MS		(60 * SECOND_MS)
#define HOUR_MS			(60 * MINUTE_MS)
#define DAY_MS			(24 * HOUR_MS)

#define BIT(k)			(1ULL << (k))

static void	 errors_add(struct config_errors *, char *);
static void	 report(struct conf_yaml *, yaml_mark_t, int, const char *,
		    va_list) __attribute__((__format__(__printf__, 4, 0)));
static void	 add_position(struct conf_yaml *, size_t, size_t);
static void	 sort_errors(struct conf_yaml *);
static void	 syntax_error(struct conf_yaml *);
static int	 is_null(const yaml_event_t *);
static void	 format_size(uint64_t, char *, size_t);
static void	 format_duration(uint64_t, char *, size_t);

int
conf_yaml_open(struct conf_yaml *p, const char *file,
    const unsigned char *text, size_t len, struct config_errors *errs)
{
	memset(p, 0, sizeof(*p));
	p->file = file;
	p->text = text;
	p->textlen = len;
	p->errs = errs;
	p->first_error = errs->count;
	if (!yaml_parser_initialize(&p->parser)) {
		conf_yaml_file_error(errs, file, "cannot initialise the YAML "
		    "parser");
		return -1;
	}
	yaml_parser_set_encoding(&p->parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&p->parser, text, len);
	return 0;
}

void
conf_yaml_close(struct conf_yaml *p)
{
	sort_errors(p);
	if (p->have_event)
		yaml_event_delete(&p->event);
	p->have_event = 0;
	yaml_parser_delete(&p->parser);
	free(p->positions);
	p->positions = NULL;
}

int
conf_yaml_begin(struct conf_yaml *p)
{
	conf_yaml_advance(p);		/* stream start */
	conf_yaml_advance(p);
	if (p->event.type == YAML_STREAM_END_EVENT) {
		conf_yaml_error_nopath(p, p->event.start_mark, "empty "
		    "configuration (no YAML document)");
		return -1;
	}
	if (p->event.type != YAML_DOCUMENT_START_EVENT)
		return -1;
	conf_yaml_advance(p);
	return 0;
}

void
conf_yaml_end(struct conf_yaml *p)
{
	if (p->stop)
		return;
	conf_yaml_advance(p);		/* document end */
	if (p->event.type == YAML_DOCUMENT_START_EVENT)
		conf_yaml_error_nopath(p, p->event.start_mark, "more than one "
		    "YAML document (only one is read)");
}

/* Errors. */

static void
errors_add(struct config_errors *errs, char *message)
{
	errs->items = conf_yaml_grow(errs->items, errs->count,
	    sizeof(*errs->items));
	errs->items[errs->count++].message = message;
}

void
conf_yaml_file_error(struct config_errors *errs, const char *file,
    const char *fmt, ...)
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
report(struct conf_yaml *p, yaml_mark_t mark, int with_path, const char *fmt,
    va_list ap)
{
	char	 text[768], where[256], message[1280];
	size_t	 i, off = 0;
	int	 n;

	if (p->nerrors >= CONF_YAML_MAX_ERRORS)
		return;
	where[0] = '\0';
	for (i = 0; with_path && i < p->depth && i < CONF_YAML_MAX_PATH &&
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
	if (++p->nerrors == CONF_YAML_MAX_ERRORS) {
		conf_yaml_file_error(p->errs, p->file, "too many errors; "
		    "stopped after %d", CONF_YAML_MAX_ERRORS);
		add_position(p, SIZE_MAX, SIZE_MAX);
		p->stop = 1;
	}
}

static void
add_position(struct conf_yaml *p, size_t line, size_t column)
{
	size_t	 n = p->errs->count - 1 - p->first_error;

	p->positions = conf_yaml_grow(p->positions, n, sizeof(*p->positions));
	p->positions[n].line = line;
	p->positions[n].column = column;
}

/*
 * Put this file's errors in file order: a missing key is only noticed
 * at the end of its mapping, and contact references at the end of the
 * file.  Insertion sort: stable, and there are at most a hundred.
 */
static void
sort_errors(struct conf_yaml *p)
{
	struct config_error	*items, item;
	struct conf_yaml_pos	 pos;
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

void
conf_yaml_error(struct conf_yaml *p, yaml_mark_t mark, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	report(p, mark, 1, fmt, ap);
	va_end(ap);
}

void
conf_yaml_error_nopath(struct conf_yaml *p, yaml_mark_t mark, const char *fmt,
    ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	report(p, mark, 0, fmt, ap);
	va_end(ap);
}

static void
syntax_error(struct conf_yaml *p)
{
	yaml_parser_t	*ps = &p->parser;
	yaml_mark_t	 mark;
	size_t		 i;
	char		 context[128];

	memset(&mark, 0, sizeof(mark));
	switch (ps->error) {
	case YAML_MEMORY_ERROR:
		conf_yaml_error_nopath(p, mark, "out of memory while reading "
		    "YAML");
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
			conf_yaml_error_nopath(p, mark, "%s (byte 0x%02x)",
			    ps->problem != NULL ? ps->problem :
			    "unreadable input", (unsigned)ps->problem_value);
		else
			conf_yaml_error_nopath(p, mark, "%s",
			    ps->problem != NULL ? ps->problem :
			    "unreadable input");
		break;
	default:
		context[0] = '\0';
		if (ps->context != NULL)
			(void)snprintf(context, sizeof(context),
			    " (%s at line %zu, column %zu)", ps->context,
			    ps->context_mark.line + 1,
			    ps->context_mark.column + 1);
		conf_yaml_error_nopath(p, ps->problem_mark, "syntax error: "
		    "%s%s", ps->problem != NULL ? ps->problem :
		    "unknown problem", context);
		break;
	}
}

/* Events. */

/*
 * Move to the next event.  Anchors, aliases and tags are refused here,
 * wherever they appear.  After a syntax error the current event is
 * YAML_NO_EVENT for good.
 */
void
conf_yaml_advance(struct conf_yaml *p)
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
		conf_yaml_error_nopath(p, ev->start_mark, "aliases (*%s) are "
		    "not allowed", (const char *)ev->data.alias.anchor);
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
		conf_yaml_error_nopath(p, ev->start_mark, "anchors (&%s) are "
		    "not allowed", (const char *)anchor);
	if (tag != NULL)
		conf_yaml_error_nopath(p, ev->start_mark, "tags are not "
		    "allowed");
	if (p->nesting > CONF_YAML_MAX_NESTING) {
		conf_yaml_error_nopath(p, ev->start_mark, "nested too deeply "
		    "(more than %d levels)", CONF_YAML_MAX_NESTING);
		p->stop = 1;
	}
}

/* Consume the node that starts at the current event. */
void
conf_yaml_skip(struct conf_yaml *p)
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
		conf_yaml_advance(p);
	} while (depth > 0 && !p->stop);
}

/*
 * A copy of s safe to put in a message: control characters replaced,
 * long values cut (at a character boundary) and marked with "...".
 */
const char *
conf_yaml_quote(const char *s, size_t len, char *buf, size_t size)
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
const char *
conf_yaml_node_kind(const yaml_event_t *ev, char *buf, size_t size)
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
		    conf_yaml_quote((const char *)ev->data.scalar.value,
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
int
conf_yaml_expect(struct conf_yaml *p, yaml_event_type_t type,
    const char *what)
{
	char	 kind[80];

	if (p->event.type == type)
		return 0;
	if (p->event.type != YAML_ALIAS_EVENT && !p->stop)
		conf_yaml_error(p, p->event.start_mark, "expected %s, found "
		    "%s", what, conf_yaml_node_kind(&p->event, kind,
		    sizeof(kind)));
	conf_yaml_skip(p);
	return -1;
}

void
conf_yaml_path_push(struct conf_yaml *p, const char *name)
{
	if (p->depth < CONF_YAML_MAX_PATH) {
		p->path[p->depth].name = name;
		p->path[p->depth].index = 0;
	}
	p->depth++;
}

void
conf_yaml_path_push_index(struct conf_yaml *p, size_t index)
{
	if (p->depth < CONF_YAML_MAX_PATH) {
		p->path[p->depth].name = NULL;
		p->path[p->depth].index = index;
	}
	p->depth++;
}

void
conf_yaml_path_pop(struct conf_yaml *p)
{
	p->depth--;
}

int
conf_yaml_lookup(const char *const *keys, int nkeys, const char *s,
    size_t len)
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
int
conf_yaml_mapping(struct conf_yaml *p, const char *const *keys, int nkeys,
    const char *noun, conf_yaml_key_fn fn, void *arg, uint64_t *seen,
    yaml_mark_t *start)
{
	yaml_mark_t	 first[CONF_YAML_MAX_KEYS];
	const char	*s;
	size_t		 len;
	char		 q[80], kind[80], hint[128];
	int		 k;

	*seen = 0;
	if (conf_yaml_expect(p, YAML_MAPPING_START_EVENT, "a mapping") == -1)
		return -1;
	*start = p->event.start_mark;
	conf_yaml_advance(p);
	while (!p->stop && p->event.type != YAML_MAPPING_END_EVENT) {
		if (p->event.type != YAML_SCALAR_EVENT) {
			if (p->event.type != YAML_ALIAS_EVENT)
				conf_yaml_error(p, p->event.start_mark,
				    "keys must be strings, found %s",
				    conf_yaml_node_kind(&p->event, kind,
				    sizeof(kind)));
			conf_yaml_skip(p);
			conf_yaml_skip(p);
			continue;
		}
		s = (const char *)p->event.data.scalar.value;
		len = p->event.data.scalar.length;
		k = conf_yaml_lookup(keys, nkeys, s, len);
		if (k == -1) {
			hint[0] = '\0';
			if (nkeys <= 4) {
				(void)strlcpy(hint, " (expected ",
				    sizeof(hint));
				conf_yaml_join_names(keys, nkeys,
				    hint + strlen(hint),
				    sizeof(hint) - strlen(hint));
				(void)strlcat(hint, ")", sizeof(hint));
			}
			conf_yaml_error(p, p->event.start_mark, "unknown %s "
			    "\"%s\"%s", noun, conf_yaml_quote(s, len, q,
			    sizeof(q)), hint);
			conf_yaml_advance(p);
			conf_yaml_skip(p);
			continue;
		}
		if (*seen & BIT(k)) {
			conf_yaml_error(p, p->event.start_mark, "duplicate key "
			    "\"%s\" (first at line %zu)", keys[k],
			    first[k].line + 1);
			conf_yaml_advance(p);
			conf_yaml_skip(p);
			continue;
		}
		*seen |= BIT(k);
		first[k] = p->event.start_mark;
		p->key_mark = p->event.start_mark;
		conf_yaml_advance(p);
		conf_yaml_path_push(p, keys[k]);
		fn(p, arg, k);
		conf_yaml_path_pop(p);
	}
	if (p->stop)
		return -1;
	conf_yaml_advance(p);
	return 0;
}

/* Read a list; fn reads each entry and must consume it. */
int
conf_yaml_sequence(struct conf_yaml *p, conf_yaml_item_fn fn, void *arg)
{
	size_t	 i;

	if (conf_yaml_expect(p, YAML_SEQUENCE_START_EVENT, "a list") == -1)
		return -1;
	conf_yaml_advance(p);
	for (i = 0; !p->stop && p->event.type != YAML_SEQUENCE_END_EVENT;
	    i++) {
		if (i == CONF_YAML_MAX_LIST) {
			conf_yaml_error(p, p->event.start_mark, "too many "
			    "entries (at most %d)", CONF_YAML_MAX_LIST);
			while (!p->stop &&
			    p->event.type != YAML_SEQUENCE_END_EVENT)
				conf_yaml_skip(p);
			break;
		}
		conf_yaml_path_push_index(p, i);
		fn(p, arg, i);
		conf_yaml_path_pop(p);
	}
	if (p->stop)
		return -1;
	conf_yaml_advance(p);
	return 0;
}

/* Scalars.  Each getter consumes the node, whatever it is. */

/*
 * A non-empty scalar of printable characters, copied into *dst; what
 * names the kind of value expected, for messages.
 */
int
conf_yaml_get_text(struct conf_yaml *p, char **dst, const char *what)
{
	const yaml_event_t	*ev = &p->event;
	const char		*s;
	size_t			 len, i;
	char			*copy;

	if (conf_yaml_expect(p, YAML_SCALAR_EVENT, what) == -1)
		return -1;
	s = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	if (is_null(ev)) {
		conf_yaml_error(p, ev->start_mark, "expected %s, found an "
		    "empty value", what);
		goto fail;
	}
	if (len == 0) {
		conf_yaml_error(p, ev->start_mark, "must not be empty");
		goto fail;
	}
	if (len > CONF_YAML_MAX_STRING) {
		conf_yaml_error(p, ev->start_mark, "too long (%zu bytes, at "
		    "most %d)", len, CONF_YAML_MAX_STRING);
		goto fail;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			conf_yaml_error(p, ev->start_mark, "contains a control "
			    "character");
			goto fail;
		}
	}
	if ((copy = malloc(len + 1)) == NULL) {
		conf_yaml_error(p, ev->start_mark, "out of memory");
		goto fail;
	}
	memcpy(copy, s, len + 1);
	free(*dst);
	*dst = copy;
	conf_yaml_advance(p);
	return 0;
fail:
	conf_yaml_advance(p);
	return -1;
}

int
conf_yaml_get_string(struct conf_yaml *p, char **dst)
{
	return conf_yaml_get_text(p, dst, "a string");
}

int
conf_yaml_get_path(struct conf_yaml *p, char **dst)
{
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL, q[80];

	if (conf_yaml_get_text(p, &s, "a path") == -1)
		return -1;
	if (s[0] != '/') {
		conf_yaml_error(p, mark, "\"%s\" is not an absolute path",
		    conf_yaml_quote(s, strlen(s), q, sizeof(q)));
		free(s);
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* A plain decimal integer in [min, max]: no sign, exponent or quotes. */
int
conf_yaml_get_uint(struct conf_yaml *p, uint64_t min, uint64_t max,
    uint64_t *out)
{
	const yaml_event_t	*ev = &p->event;
	const char		*s;
	size_t			 len, i;
	uint64_t		 v = 0;
	char			 q[80];

	if (conf_yaml_expect(p, YAML_SCALAR_EVENT, "an integer") == -1)
		return -1;
	s = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		conf_yaml_error(p, ev->start_mark, "expected a decimal "
		    "integer, found a quoted string (write the number without "
		    "quotes)");
		goto fail;
	}
	if (is_null(ev)) {
		conf_yaml_error(p, ev->start_mark, "expected a decimal "
		    "integer, found an empty value");
		goto fail;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			conf_yaml_error(p, ev->start_mark, "expected a decimal "
			    "integer (digits only), found \"%s\"",
			    conf_yaml_quote(s, len, q, sizeof(q)));
			goto fail;
		}
		if (v > (UINT64_MAX - 9) / 10) {
			conf_yaml_error(p, ev->start_mark, "%s is out of "
			    "range (%llu to %llu)",
			    conf_yaml_quote(s, len, q, sizeof(q)),
			    (unsigned long long)min, (unsigned long long)max);
			goto fail;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (len > 1 && s[0] == '0') {
		conf_yaml_error(p, ev->start_mark, "leading zeros are not "
		    "allowed (\"%s\")", conf_yaml_quote(s, len, q, sizeof(q)));
		goto fail;
	}
	if (v < min || v > max) {
		conf_yaml_error(p, ev->start_mark, "%llu is out of range "
		    "(%llu to %llu)", (unsigned long long)v,
		    (unsigned long long)min, (unsigned long long)max);
		goto fail;
	}
	*out = v;
	conf_yaml_advance(p);
	return 0;
fail:
	conf_yaml_advance(p);
	return -1;
}

int
conf_yaml_get_bool(struct conf_yaml *p, int *out)
{
	const yaml_event_t	*ev = &p->event;
	const char		*s;
	char			 kind[80];

	if (conf_yaml_expect(p, YAML_SCALAR_EVENT, "true or false") == -1)
		return -1;
	s = (const char *)ev->data.scalar.value;
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp(s, "true") == 0)
		*out = 1;
	else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp(s, "false") == 0)
		*out = 0;
	else {
		conf_yaml_error(p, ev->start_mark, "expected true or false, "
		    "found %s%s", conf_yaml_node_kind(ev, kind, sizeof(kind)),
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" :
		    " (quoted)");
		conf_yaml_advance(p);
		return -1;
	}
	conf_yaml_advance(p);
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
int
conf_yaml_get_size(struct conf_yaml *p, uint64_t min, uint64_t max,
    uint64_t *out)
{
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL, q[80], lo[32], hi[32];
	uint64_t	 v;
	int		 rc = -1;

	if (conf_yaml_get_text(p, &s, "a size") == -1)
		return -1;
	if (util_parse_size(s, &v) == -1)
		conf_yaml_error(p, mark, "bad size \"%s\" (bytes, or a number "
		    "with K, M or G, e.g. 64M)", conf_yaml_quote(s, strlen(s),
		    q, sizeof(q)));
	else if (v < min || v > max) {
		format_size(min, lo, sizeof(lo));
		format_size(max, hi, sizeof(hi));
		conf_yaml_error(p, mark, "size %s is out of range (%s to %s)",
		    conf_yaml_quote(s, strlen(s), q, sizeof(q)), lo, hi);
	} else {
		*out = v;
		rc = 0;
	}
	free(s);
	return rc;
}

/* A duration ("30s") in [min, max] milliseconds. */
int
conf_yaml_get_duration(struct conf_yaml *p, uint64_t min, uint64_t max,
    uint64_t *out)
{
	yaml_mark_t	 mark = p->event.start_mark;
	char		*s = NULL, q[80], lo[32], hi[32];
	uint64_t	 v;
	int		 rc = -1;

	if (conf_yaml_get_text(p, &s, "a duration") == -1)
		return -1;
	if (util_parse_duration(s, &v) == -1)
		conf_yaml_error(p, mark, "bad duration \"%s\" (seconds, or a "
		    "number with ms, s, m, h or d, e.g. 30s)",
		    conf_yaml_quote(s, strlen(s), q, sizeof(q)));
	else if (v < min || v > max) {
		format_duration(min, lo, sizeof(lo));
		format_duration(max, hi, sizeof(hi));
		conf_yaml_error(p, mark, "duration %s is out of range (%s to "
		    "%s)", conf_yaml_quote(s, strlen(s), q, sizeof(q)), lo, hi);
	} else {
		*out = v;
		rc = 0;
	}
	free(s);
	return rc;
}

void
conf_yaml_join_names(const char *const *names, int n, char *buf,
    size_t size)
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
int
conf_yaml_get_name(struct conf_yaml *p, const char *const *names, int n,
    int *out)
{
	const yaml_event_t	*ev = &p->event;
	char			 list[256], kind[80];
	int			 k;

	if (conf_yaml_expect(p, YAML_SCALAR_EVENT, "a name") == -1)
		return -1;
	k = conf_yaml_lookup(names, n, (const char *)ev->data.scalar.value,
	    ev->data.scalar.length);
	if (k == -1) {
		conf_yaml_join_names(names, n, list, sizeof(list));
		conf_yaml_error(p, ev->start_mark, "expected %s, found %s",
		    list, conf_yaml_node_kind(ev, kind, sizeof(kind)));
		conf_yaml_advance(p);
		return -1;
	}
	*out = k;
	conf_yaml_advance(p);
	return 0;
}

/*
 * A list of names from names[], or with allow_scalar a single name;
 * the matching bits[] are or-ed into *out.
 */
int
conf_yaml_get_flags(struct conf_yaml *p, const char *const *names,
    const unsigned int *bits, int n, int allow_scalar, unsigned int *out)
{
	size_t	 count = 0;
	int	 k, rc = 0;

	if (allow_scalar && p->event.type == YAML_SCALAR_EVENT) {
		if (conf_yaml_get_name(p, names, n, &k) == -1)
			return -1;
		*out |= bits[k];
		return 0;
	}
	if (conf_yaml_expect(p, YAML_SEQUENCE_START_EVENT, allow_scalar ?
	    "a name or a list" : "a list") == -1)
		return -1;
	conf_yaml_advance(p);
	while (!p->stop && p->event.type != YAML_SEQUENCE_END_EVENT) {
		if (count++ == CONF_YAML_MAX_LIST) {
			conf_yaml_error(p, p->event.start_mark, "too many "
			    "entries (at most %d)", CONF_YAML_MAX_LIST);
			while (!p->stop &&
			    p->event.type != YAML_SEQUENCE_END_EVENT)
				conf_yaml_skip(p);
			rc = -1;
			break;
		}
		conf_yaml_path_push_index(p, count - 1);
		if (conf_yaml_get_name(p, names, n, &k) == 0)
			*out |= bits[k];
		else
			rc = -1;
		conf_yaml_path_pop(p);
	}
	if (p->stop)
		return -1;
	conf_yaml_advance(p);
	return rc;
}

/* Arrays. */

/*
 * Make room for element count in an array grown by doubling (4, 8,
 * 16...): the capacity is implied by the count, so the structures need
 * no extra field.
 */
void *
conf_yaml_grow(void *array, size_t count, size_t size)
{
	if (count == 0)
		return xreallocarray(array, 4, size);
	if (count >= 4 && (count & (count - 1)) == 0)
		return xreallocarray(array, count * 2, size);
	return array;
}

/*
 * The checks are made on the opened file, so a symbolic link to the
 * configuration is fine and cannot be swapped in between.
 */
int
conf_yaml_read_file(const char *path, int check_perms,
    struct config_errors *errs, unsigned char **out, size_t *outlen)
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
		conf_yaml_file_error(errs, path, "cannot open: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		conf_yaml_file_error(errs, path, "cannot stat: %s",
		    strerror(errno));
		goto fail;
	}
	if (check_perms && !S_ISREG(st.st_mode)) {
		conf_yaml_file_error(errs, path, "not a regular file");
		goto fail;
	}
	if (check_perms && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		conf_yaml_file_error(errs, path, "refused: the file is %s "
		    "writable (mode %04o); run chmod go-w on it",
		    (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH) ?
		    "group and world" : (st.st_mode & S_IWGRP) ? "group" :
		    "world", (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		conf_yaml_file_error(errs, path, "is a directory");
		goto fail;
	}
	if (S_ISREG(st.st_mode) && st.st_size > CONF_YAML_MAX_FILE) {
		conf_yaml_file_error(errs, path, "too large (%lld bytes, at "
		    "most %d)", (long long)st.st_size, CONF_YAML_MAX_FILE);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)) {
		conf_yaml_file_error(errs, path, "fcntl: %s", strerror(errno));
		goto fail;
	}

	size = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
	buf = xcalloc(1, size);
	for (;;) {
		if (len == size) {
			if (size > CONF_YAML_MAX_FILE) {
				conf_yaml_file_error(errs, path, "too large "
				    "(more than %d bytes)",
				    CONF_YAML_MAX_FILE);
				goto fail;
			}
			size = size * 2 > CONF_YAML_MAX_FILE + 1 ?
			    CONF_YAML_MAX_FILE + 1 : size * 2;
			nbuf = xreallocarray(buf, size, 1);
			buf = nbuf;
		}
		n = read(fd, buf + len, size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			conf_yaml_file_error(errs, path, "read: %s",
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CONF_YAML_MAX_FILE) {
		conf_yaml_file_error(errs, path, "too large (more than %d "
		    "bytes)", CONF_YAML_MAX_FILE);
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

void
conf_problem(struct conf_report *r, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_yaml_error(r->y, r->mark, "%s", msg);
}

int
conf_key_seen(const struct conf_report *r, const char *name)
{
	int	 k;

	for (k = 0; k < r->nnames; k++)
		if (strcmp(r->names[k], name) == 0)
			return (r->seen & BIT(k)) != 0;
	return 0;
}
