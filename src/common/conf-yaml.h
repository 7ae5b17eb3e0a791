/*
 * The YAML walker under the configuration loader (private to it): one
 * pass over libyaml's events with typed getters, a key path for
 * messages and every problem collected as "file:line:column: path:
 * text".  It knows YAML and value syntax (sizes, durations, names), not
 * which keys Carapace has: config.c holds the schema.
 *
 * Getters consume the node at the current event whatever it is, report
 * what is wrong with it, and return 0, or -1 (nothing stored).
 */
#ifndef CARAPACE_CONF_YAML_H
#define CARAPACE_CONF_YAML_H

#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "conf.h"

#define CONF_YAML_MAX_FILE	(1024 * 1024)	/* bytes */
#define CONF_YAML_MAX_LIST	1000		/* entries in one list */
#define CONF_YAML_MAX_STRING	4096		/* bytes in one string */
#define CONF_YAML_MAX_ERRORS	100		/* then give up */
#define CONF_YAML_MAX_NESTING	64		/* open mappings and lists */
#define CONF_YAML_MAX_PATH	8		/* key path kept for messages */
#define CONF_YAML_MAX_KEYS	64		/* keys of one mapping */

/* One step of the key path shown in messages ("channels.imsg.timeout"). */
struct conf_yaml_step {
	const char	*name;		/* NULL: a list index */
	size_t		 index;
};

/* Where an error is, to list them in file order. */
struct conf_yaml_pos {
	size_t		 line;
	size_t		 column;
};

struct conf_yaml {
	yaml_parser_t	 parser;
	yaml_event_t	 event;		/* the current event */
	int		 have_event;
	int		 stop;		/* syntax error or too many errors */
	int		 nesting;

	const char	*file;
	const unsigned char *text;
	size_t		 textlen;
	struct config_errors *errs;
	size_t		 first_error;	/* errs->items index of the first */
	size_t		 nerrors;
	struct conf_yaml_pos *positions; /* one per error from first_error */

	struct conf_yaml_step path[CONF_YAML_MAX_PATH];
	size_t		 depth;
	yaml_mark_t	 key_mark;	/* of the key being handled */
};

typedef void	(*conf_yaml_key_fn)(struct conf_yaml *, void *, int);
typedef void	(*conf_yaml_item_fn)(struct conf_yaml *, void *, size_t);

/*
 * Read the whole file (at most CONF_YAML_MAX_FILE bytes) into a buffer
 * the caller frees.  check_perms != 0 also refuses a file that is not
 * regular or is group or world writable.  Returns 0, or -1 with the
 * problem appended to errs as "file: text".
 */
int	 conf_yaml_read_file(const char *path, int check_perms,
	    struct config_errors *, unsigned char **out, size_t *outlen);

/*
 * Start walking text, read from file (named in messages); problems go
 * to errs.  Returns 0, or -1 (reported) if libyaml cannot start.
 */
int	 conf_yaml_open(struct conf_yaml *, const char *file,
	    const unsigned char *text, size_t len, struct config_errors *);
/* Put the errors found in file order and release the walker. */
void	 conf_yaml_close(struct conf_yaml *);

/*
 * Move to the document's root node.  Returns 0, or -1 when there is no
 * document (an empty stream is reported) or reading stopped.
 */
int	 conf_yaml_begin(struct conf_yaml *);
/* After the root node: refuse a second document. */
void	 conf_yaml_end(struct conf_yaml *);

/* Report at mark, after the key path (or without it). */
void	 conf_yaml_error(struct conf_yaml *, yaml_mark_t, const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
void	 conf_yaml_error_nopath(struct conf_yaml *, yaml_mark_t,
	    const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
/* Append "file: text" to errs (a problem with the file as a whole). */
void	 conf_yaml_file_error(struct config_errors *, const char *file,
	    const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));

/*
 * Events.  advance moves to the next one (refusing anchors, aliases
 * and tags); skip consumes the node that starts at the current one;
 * expect returns 0 if the current node has that type, else reports
 * "expected what, found ...", skips it and returns -1.
 */
void	 conf_yaml_advance(struct conf_yaml *);
void	 conf_yaml_skip(struct conf_yaml *);
int	 conf_yaml_expect(struct conf_yaml *, yaml_event_type_t,
	    const char *what);

/* The key path shown in messages. */
void	 conf_yaml_path_push(struct conf_yaml *, const char *);
void	 conf_yaml_path_push_index(struct conf_yaml *, size_t);
void	 conf_yaml_path_pop(struct conf_yaml *);

/*
 * Read a mapping whose keys come from keys[] (at most
 * CONF_YAML_MAX_KEYS); fn reads the value of each key and must consume
 * it.  Unknown and duplicate keys are reported (as "unknown noun") and
 * their values skipped.  *seen gets a bit per key found, *start the
 * mapping's position.  Returns -1 if the node is not a mapping or
 * reading stopped; the caller then skips its own checks.
 */
int	 conf_yaml_mapping(struct conf_yaml *, const char *const *keys,
	    int nkeys, const char *noun, conf_yaml_key_fn, void *,
	    uint64_t *seen, yaml_mark_t *start);
/*
 * Read a list of at most CONF_YAML_MAX_LIST entries; fn reads each
 * entry and must consume it.  Returns -1 if the node is not a list or
 * reading stopped.
 */
int	 conf_yaml_sequence(struct conf_yaml *, conf_yaml_item_fn, void *);

/*
 * Scalars.  text: a non-empty string of printable characters (what
 * names it in messages), copied into *dst (the old value freed);
 * string: the same, "a string"; path: an absolute path; uint: a plain
 * decimal in [min, max]; bool: true or false; size: bytes, or with K,
 * M or G, in [min, max]; duration: milliseconds from ms, s, m, h or d,
 * in [min, max]; name: one of names[n], its index in *out; flags: a
 * list of names (or with allow_scalar one), their bits or-ed into *out
 * (those read before a bad one too).
 */
int	 conf_yaml_get_text(struct conf_yaml *, char **dst, const char *what);
int	 conf_yaml_get_string(struct conf_yaml *, char **dst);
int	 conf_yaml_get_path(struct conf_yaml *, char **dst);
int	 conf_yaml_get_uint(struct conf_yaml *, uint64_t min, uint64_t max,
	    uint64_t *out);
int	 conf_yaml_get_bool(struct conf_yaml *, int *out);
int	 conf_yaml_get_size(struct conf_yaml *, uint64_t min, uint64_t max,
	    uint64_t *out);
int	 conf_yaml_get_duration(struct conf_yaml *, uint64_t min,
	    uint64_t max, uint64_t *out);
int	 conf_yaml_get_name(struct conf_yaml *, const char *const *names,
	    int n, int *out);
int	 conf_yaml_get_flags(struct conf_yaml *, const char *const *names,
	    const unsigned int *bits, int n, int allow_scalar,
	    unsigned int *out);

/*
 * Messages.  quote: a copy of s[0..len) safe to print (control
 * characters replaced, long values cut and marked "..."), in buf;
 * node_kind: what the current node is ("a mapping", "\"x\"", ...);
 * join_names: "a, b or c" into buf.
 */
const char *conf_yaml_quote(const char *s, size_t len, char *buf,
	    size_t size);
const char *conf_yaml_node_kind(const yaml_event_t *, char *buf,
	    size_t size);
void	 conf_yaml_join_names(const char *const *names, int n, char *buf,
	    size_t size);
/* The index of s[0..len) in names[n] (NULL entries skipped), or -1. */
int	 conf_yaml_lookup(const char *const *names, int n, const char *s,
	    size_t len);

/*
 * Make room for element count in an array grown by doubling (4, 8,
 * 16...): the capacity is implied by the count, so the structures need
 * no extra field.  Returns the (possibly moved) array; fatal when out
 * of memory.
 */
void	*conf_yaml_grow(void *array, size_t count, size_t size);

struct conf_parse;

/*
 * A mapping once read: which of its keys it named, where it and each
 * value start.  Checks across keys (the readers here, a channel
 * driver's check, a table's check_mapping) report to it.
 */
struct conf_report {
	struct conf_parse *p;		/* the loader's, opaque here */
	struct conf_yaml *y;
	void		*base;
	const struct conf_key *keys;	/* NULL: a channel's block */
	const char	*names[CONF_YAML_MAX_KEYS];
	int		 nnames;
	uint64_t	 seen;		/* bit per names[] */
	yaml_mark_t	 mark;		/* the mapping's start */
	yaml_mark_t	 marks[CONF_YAML_MAX_KEYS]; /* each value's */
};

#endif /* CARAPACE_CONF_YAML_H */
