/*
 * Default-deny field schemas for what an agent reads: a schema is a
 * static table of the fields an object may have, each with its type;
 * filtering rebuilds the object from the table, so a field nobody
 * listed never reaches the agent.  The channel drivers own the tables
 * (one per shape their tool prints); this file knows no channel.
 */
#ifndef CARAPACE_SCHEMA_H
#define CARAPACE_SCHEMA_H

#include <jansson.h>

enum schema_type {
	SCHEMA_END = 0,		/* ends a table (name NULL) */
	SCHEMA_TEXT,		/* free text: through the scrubber */
	/*
	 * A string that is not free text (an id, a timestamp, an enum
	 * value): kept as it is when it is at most SCHEMA_ID_MAX bytes of
	 * printable ASCII without blanks and the scrubber would not change
	 * it; otherwise dropped, never rewritten, so no free text passes
	 * as an id.
	 */
	SCHEMA_ID,
	SCHEMA_INT,		/* a JSON integer */
	SCHEMA_REAL,		/* a JSON number, integer or real */
	SCHEMA_BOOL,
	SCHEMA_OBJECT,		/* an object with the sub-schema */
	/* base64url-encoded text: decoded, scrubbed, encoded again. */
	SCHEMA_BASE64_TEXT,
	/* An id or an integer: a Discord nonce is printed either way. */
	SCHEMA_ID_OR_INT,
};

/* Or'ed into a type: an array of that type (wrong elements dropped). */
#define SCHEMA_ARRAY	0x100
#define SCHEMA_TYPE(t)	((t) & 0xff)

/* Longest SCHEMA_ID value kept. */
#define SCHEMA_ID_MAX	512
/* Objects nested deeper than this are dropped with their contents. */
#define SCHEMA_DEPTH_MAX 24

struct schema_field {
	const char			*name;
	unsigned int			 type;
	/*
	 * For SCHEMA_OBJECT: the sub-schema; NULL means the table this
	 * field is in (a Gmail part's parts, a Discord message's
	 * referenced_message).
	 */
	const struct schema_field	*sub;
};

/*
 * Rebuild in from schema (a table ended by a NULL name): fields the
 * table does not list, or of another type, are dropped, free text goes
 * through scrub_text(scrub, ...) (scrub 0: kept as it is) and objects
 * and arrays are walked to their leaves.  JSON null passes for any
 * field (it carries nothing).  Returns a new object (empty when in is
 * not an object), or NULL on allocation failure (hide the message
 * then).
 */
json_t	*schema_filter(const struct schema_field *schema, unsigned int scrub,
	    json_t *in);

/*
 * The same, in place: obj's fields are replaced by the rebuilt ones.
 * 0, or -1 on allocation failure or when obj is not an object.
 */
int	 schema_filter_in_place(const struct schema_field *schema,
	    unsigned int scrub, json_t *obj);

#endif /* CARAPACE_SCHEMA_H */
