/*
 * Default-deny field schemas (schema.h): what an agent reads of an
 * inbound message, a chat or a contact is rebuilt from a static table
 * of the fields it may have.  A field the table does not list, or one
 * of the wrong type, is dropped; free text goes through the scrubber;
 * ids must look like ids; objects and arrays are walked to their
 * leaves, to a fixed depth.  The output is always a JSON object.
 */
#include "config.h"

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "base64url.h"
#include "policy.h"
#include "schema.h"

static json_t	*filter_object(const struct schema_field *, unsigned int,
		    json_t *, int);
static json_t	*filter_value(const struct schema_field *,
		    const struct schema_field *, unsigned int, json_t *, int);

/* The scrubbed text as a new string, or NULL (allocation failure). */
static json_t *
filter_text(unsigned int scrub, json_t *v)
{
	char	*s;
	json_t	*out;
	int	 changed = 0;

	if (scrub == 0)
		return json_incref(v);
	if ((s = scrub_text(scrub, json_string_value(v), &changed)) == NULL)
		return NULL;
	out = changed ? json_string(s) : json_incref(v);
	free(s);
	return out;
}

/*
 * An id is printable ASCII without blanks: free text (which has them)
 * cannot pass as one, and neither can what the scrubber would redact
 * (a bare link).  Returns 1 if v may pass.
 */
static int
id_ok(unsigned int scrub, json_t *v)
{
	const char	*s = json_string_value(v);
	size_t		 i, len = json_string_length(v);
	char		*t;
	int		 changed = 0;

	if (len > SCHEMA_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	if (scrub == 0 || len == 0)
		return 1;
	if ((t = scrub_text(scrub, s, &changed)) == NULL)
		return 0;
	free(t);
	return !changed;
}

/*
 * base64url text: decoded, scrubbed and encoded again (with padding
 * when the input had it).  Text that cannot be decoded, or binary (a
 * NUL inside) in which any run would be scrubbed, is dropped: the
 * agent must not read what the scrubber could not see.  NULL: drop.
 */
static json_t *
filter_base64(unsigned int scrub, json_t *v)
{
	const char	*in = json_string_value(v);
	char		*plain, *s, *enc;
	size_t		 len;
	json_t		*out;
	int		 changed = 0;

	if ((plain = base64url_decode(in, &len)) == NULL)
		return NULL;
	if (scrub == 0) {
		free(plain);
		return json_incref(v);
	}
	if (memchr(plain, '\0', len) != NULL) {
		for (s = plain; s < plain + len && !changed;
		    s += strlen(s) + 1) {
			if ((enc = scrub_text(scrub, s, &changed)) == NULL)
				changed = 1;
			free(enc);
		}
		free(plain);
		return changed ? NULL : json_incref(v);
	}
	s = scrub_text(scrub, plain, &changed);
	free(plain);
	if (s == NULL)
		return NULL;
	if (!changed) {
		free(s);
		return json_incref(v);
	}
	enc = base64url_encode(s, strlen(s), strchr(in, '=') != NULL);
	free(s);
	if (enc == NULL)
		return NULL;
	out = json_string(enc);
	free(enc);
	return out;
}

/*
 * One value of field f (f->type without SCHEMA_ARRAY); table is the
 * table f is in.  A new reference, or NULL: drop it.
 */
static json_t *
filter_value(const struct schema_field *table, const struct schema_field *f,
    unsigned int scrub, json_t *v, int depth)
{
	switch (SCHEMA_TYPE(f->type)) {
	case SCHEMA_TEXT:
		return json_is_string(v) ? filter_text(scrub, v) : NULL;
	case SCHEMA_ID:
		return json_is_string(v) && id_ok(scrub, v) ?
		    json_incref(v) : NULL;
	case SCHEMA_ID_OR_INT:
		if (json_is_integer(v))
			return json_incref(v);
		return json_is_string(v) && id_ok(scrub, v) ?
		    json_incref(v) : NULL;
	case SCHEMA_INT:
		return json_is_integer(v) ? json_incref(v) : NULL;
	case SCHEMA_REAL:
		return json_is_number(v) ? json_incref(v) : NULL;
	case SCHEMA_BOOL:
		return json_is_boolean(v) ? json_incref(v) : NULL;
	case SCHEMA_BASE64_TEXT:
		return json_is_string(v) ? filter_base64(scrub, v) : NULL;
	case SCHEMA_OBJECT:
		if (!json_is_object(v) || depth >= SCHEMA_DEPTH_MAX)
			return NULL;
		return filter_object(f->sub != NULL ? f->sub : table, scrub,
		    v, depth + 1);
	default:
		return NULL;
	}
}

static json_t *
filter_array(const struct schema_field *table, const struct schema_field *f,
    unsigned int scrub, json_t *in, int depth)
{
	json_t	*out, *e, *v;
	size_t	 i;

	if (!json_is_array(in) || depth >= SCHEMA_DEPTH_MAX ||
	    (out = json_array()) == NULL)
		return NULL;
	json_array_foreach(in, i, e) {
		if ((v = filter_value(table, f, scrub, e, depth + 1)) == NULL)
			continue;
		if (json_array_append_new(out, v) == -1) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* The field of the table with that name, or NULL. */
static const struct schema_field *
field_named(const struct schema_field *schema, const char *name)
{
	const struct schema_field	*f;

	for (f = schema; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* In the input's order, which is the order the tool printed. */
static json_t *
filter_object(const struct schema_field *schema, unsigned int scrub,
    json_t *in, int depth)
{
	const struct schema_field	*f;
	const char			*key;
	json_t				*out, *v, *nv;

	if ((out = json_object()) == NULL)
		return NULL;
	json_object_foreach(in, key, v) {
		if ((f = field_named(schema, key)) == NULL)
			continue;
		if (json_is_null(v))
			nv = json_null();
		else if (f->type & SCHEMA_ARRAY)
			nv = filter_array(schema, f, scrub, v, depth);
		else
			nv = filter_value(schema, f, scrub, v, depth);
		if (nv != NULL && json_object_set_new(out, f->name, nv) == -1) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

json_t *
schema_filter(const struct schema_field *schema, unsigned int scrub,
    json_t *in)
{
	if (!json_is_object(in))
		return json_object();
	return filter_object(schema, scrub, in, 0);
}

int
schema_filter_in_place(const struct schema_field *schema, unsigned int scrub,
    json_t *obj)
{
	json_t	*out;
	int	 r;

	if (!json_is_object(obj) ||
	    (out = schema_filter(schema, scrub, obj)) == NULL)
		return -1;
	r = json_object_clear(obj) == -1 || json_object_update(obj, out) == -1 ?
	    -1 : 0;
	json_decref(out);
	return r;
}
