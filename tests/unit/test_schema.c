/*
 * Unit tests for the inbound field schemas: the generic filter
 * (src/policy/schema.c) on hand-made objects, and each channel's
 * tables (src/channel/chan-*.c) on full messages as the real tools
 * print them (tests/data/inbound/<channel>/).  For every fixture:
 * benign text passes unchanged (the output equals the .expected file,
 * which differs only by the fields left out on purpose, such as paths
 * inside the carapace account), every field the schema lists occurs in
 * the fixture (so a table cannot grow past its test), and with a
 * one-time code and a reset link planted in every string, neither
 * survives anywhere in the output.
 */
#include "config.h"

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compat.h"
#include "base64url.h"
#include "channel.h"
#include "policy.h"
#include "schema.h"
#include "testdata.h"

#define SECRET_CODE	"482913"
#define SECRET_TOKEN	"Zq8Kx3Wm"
#define PLANT		" Your verification code is " SECRET_CODE \
			". Reset: https://example.com/reset?token=" SECRET_TOKEN
#define SEEN_MAX	1024

struct seen {
	const struct schema_field	*f[SEEN_MAX];
	size_t				 n;
};

static json_t	*load(const char *);
static json_t	*filtered(const char *, enum inbound_shape, json_t *);
static void	 plant(json_t *, const char *);
static void	 assert_clean(json_t *, const char *);
static void	 mark(struct seen *, const struct schema_field *, json_t *,
		    int);
static void	 check_covered(struct seen *, const struct schema_field *,
		    const struct schema_field **, size_t *, const char *);
static void	 check_fixture(const char *, enum inbound_shape, const char *);

static json_t *
load(const char *rel)
{
	FILE		*f = testdata_open(rel);
	json_t		*v;
	json_error_t	 err;

	v = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	(void)fclose(f);
	if (v == NULL)
		fail_msg("%s:%d: %s", rel, err.line, err.text);
	return v;
}

/* A deep copy of in, filtered as channel's shape with full scrubbing. */
static json_t *
filtered(const char *channel, enum inbound_shape shape, json_t *in)
{
	struct channel	 ch;
	json_t		*copy = json_deep_copy(in);

	memset(&ch, 0, sizeof(ch));
	ch.driver = channel_driver(channel_lookup(channel));
	ch.scrub = SCRUB_OTP | SCRUB_AUTH_LINKS;
	assert_non_null(ch.driver);
	assert_int_equal(inbound_filter(&ch, shape, copy), 0);
	return copy;
}

static int
base64_key(const char *key)
{
	return key != NULL && (strcmp(key, "data") == 0 ||
	    strcmp(key, "raw") == 0);
}

/*
 * The secret appended to every string under v (key: the member name v
 * is, or NULL); base64url bodies get it inside their decoded text.
 */
static void
plant_string(json_t *v, const char *key)
{
	char	*plain, *buf, *enc;
	size_t	 len, n;

	if (base64_key(key) &&
	    (plain = base64url_decode(json_string_value(v), &len)) != NULL) {
		n = len + sizeof(PLANT);
		buf = malloc(n);
		assert_non_null(buf);
		memcpy(buf, plain, len);
		memcpy(buf + len, PLANT, sizeof(PLANT));
		enc = base64url_encode(buf, n - 1, 0);
		assert_non_null(enc);
		assert_int_equal(json_string_set(v, enc), 0);
		free(enc);
		free(buf);
		free(plain);
		return;
	}
	n = strlen(json_string_value(v)) + sizeof(PLANT);
	buf = malloc(n);
	assert_non_null(buf);
	(void)snprintf(buf, n, "%s%s", json_string_value(v), PLANT);
	assert_int_equal(json_string_set(v, buf), 0);
	free(buf);
}

static void
plant(json_t *v, const char *key)
{
	const char	*k;
	json_t		*e;
	size_t		 i;

	if (json_is_string(v))
		plant_string(v, key);
	else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			plant(e, key);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			plant(e, k);
	}
}

/* No string under v, decoded where it is a body, holds a secret. */
static void
assert_clean(json_t *v, const char *key)
{
	const char	*k, *s;
	char		*plain;
	json_t		*e;
	size_t		 i, len;

	if (json_is_string(v)) {
		s = json_string_value(v);
		if (strstr(s, SECRET_CODE) != NULL ||
		    strstr(s, SECRET_TOKEN) != NULL)
			fail_msg("a secret survived in %s: %s", key, s);
		if (base64_key(key) &&
		    (plain = base64url_decode(s, &len)) != NULL) {
			for (i = 0; i < len; i++)
				if (plain[i] == '\0')
					plain[i] = ' ';
			if (strstr(plain, SECRET_CODE) != NULL ||
			    strstr(plain, SECRET_TOKEN) != NULL)
				fail_msg("a secret survived in %s (decoded): "
				    "%s", key, plain);
			free(plain);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			assert_clean(e, key);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			assert_clean(e, k);
	}
}

static void
seen_add(struct seen *s, const struct schema_field *f)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->f[i] == f)
			return;
	assert_true(s->n < SEEN_MAX);
	s->f[s->n++] = f;
}

/* Record which fields of table (and its sub-tables) v has. */
static void
mark(struct seen *s, const struct schema_field *table, json_t *v, int depth)
{
	const struct schema_field	*f, *sub;
	json_t				*x, *e;
	size_t				 i;

	if (!json_is_object(v) || depth > SCHEMA_DEPTH_MAX)
		return;
	for (f = table; f->name != NULL; f++) {
		if ((x = json_object_get(v, f->name)) == NULL)
			continue;
		seen_add(s, f);
		if (SCHEMA_TYPE(f->type) != SCHEMA_OBJECT)
			continue;
		sub = f->sub != NULL ? f->sub : table;
		if (json_is_array(x)) {
			json_array_foreach(x, i, e)
				mark(s, sub, e, depth + 1);
		} else
			mark(s, sub, x, depth + 1);
	}
}

/* Every field reachable from table was seen. */
static void
check_covered(struct seen *s, const struct schema_field *table,
    const struct schema_field **done, size_t *ndone, const char *what)
{
	const struct schema_field	*f;
	size_t				 i;

	for (i = 0; i < *ndone; i++)
		if (done[i] == table)
			return;
	assert_true(*ndone < SEEN_MAX);
	done[(*ndone)++] = table;
	for (f = table; f->name != NULL; f++) {
		for (i = 0; i < s->n && s->f[i] != f; i++)
			;
		if (i == s->n)
			fail_msg("%s: the fixture lacks field \"%s\"", what,
			    f->name);
		if (SCHEMA_TYPE(f->type) == SCHEMA_OBJECT)
			check_covered(s, f->sub != NULL ? f->sub : table, done,
			    ndone, what);
	}
}

static void
check_fixture(const char *channel, enum inbound_shape shape, const char *name)
{
	const struct channel_driver	*d;
	const struct schema_field	*done[SEEN_MAX];
	struct seen			 seen;
	char				 rel[256], *a;
	json_t				*in, *expected, *out;
	size_t				 ndone = 0;

	d = channel_driver(channel_lookup(channel));
	assert_non_null(d);
	assert_non_null(d->schema[shape]);
	(void)snprintf(rel, sizeof(rel), "inbound/%s/%s.json", channel, name);
	in = load(rel);
	(void)snprintf(rel, sizeof(rel), "inbound/%s/%s.expected.json",
	    channel, name);
	expected = load(rel);

	/* Benign text in every field passes unchanged. */
	out = filtered(channel, shape, in);
	if (!json_equal(out, expected)) {
		/* cmocka cuts long messages: the whole output to a file. */
		(void)snprintf(rel, sizeof(rel), "schema-%s-%s.out.json",
		    channel, name);
		(void)json_dump_file(out, rel, JSON_INDENT(2));
		fail_msg("%s/%s: the output differs from %s.expected.json; "
		    "it is in %s", channel, name, name, rel);
	}
	json_decref(out);

	/* The fixture has every field the schema lists. */
	memset(&seen, 0, sizeof(seen));
	mark(&seen, d->schema[shape], in, 0);
	(void)snprintf(rel, sizeof(rel), "%s/%s", channel, name);
	check_covered(&seen, d->schema[shape], done, &ndone, rel);

	/* A secret in every string survives nowhere. */
	plant(in, NULL);
	out = filtered(channel, shape, in);
	assert_clean(out, NULL);
	/* ... and the planted fixture really carried it. */
	a = json_dumps(in, 0);
	assert_non_null(strstr(a, SECRET_CODE));
	free(a);
	json_decref(out);
	json_decref(expected);
	json_decref(in);
}

static void
test_imsg(void **state)
{
	(void)state;
	check_fixture("imsg", INBOUND_MESSAGE, "message");
	check_fixture("imsg", INBOUND_CHAT, "chat");
}

static void
test_signal(void **state)
{
	(void)state;
	check_fixture("signal", INBOUND_MESSAGE, "message");
	check_fixture("signal", INBOUND_GROUP, "group");
	check_fixture("signal", INBOUND_CONTACT, "contact");
}

static void
test_discord(void **state)
{
	(void)state;
	check_fixture("discord", INBOUND_MESSAGE, "message");
	check_fixture("discord", INBOUND_CHAT, "chat");
}

static void
test_gmail(void **state)
{
	(void)state;
	check_fixture("gmail", INBOUND_MESSAGE, "message");
	check_fixture("gmail", INBOUND_DOCUMENT, "document");
}

/* A shape a driver has no table for is never shown. */
static void
test_no_schema(void **state)
{
	struct channel	 ch;
	json_t		*v = json_pack("{s:s}", "text", "hi");

	(void)state;
	memset(&ch, 0, sizeof(ch));
	ch.driver = channel_driver(channel_lookup("imsg"));
	assert_int_equal(inbound_filter(&ch, INBOUND_CONTACT, v), -1);
	assert_int_equal(inbound_filter(&ch, INBOUND_SHAPES, v), -1);
	ch.driver = NULL;
	assert_int_equal(inbound_scrub(&ch, v), -1);
	json_decref(v);
}

static const struct schema_field inner_fields[] = {
	{ "text", SCHEMA_TEXT, NULL },
	{ "inner", SCHEMA_OBJECT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static const struct schema_field outer_fields[] = {
	{ "text", SCHEMA_TEXT, NULL },
	{ "id", SCHEMA_ID, NULL },
	{ "n", SCHEMA_INT, NULL },
	{ "x", SCHEMA_REAL, NULL },
	{ "b", SCHEMA_BOOL, NULL },
	{ "nonce", SCHEMA_ID_OR_INT, NULL },
	{ "ids", SCHEMA_ID | SCHEMA_ARRAY, NULL },
	{ "o", SCHEMA_OBJECT, inner_fields },
	{ "list", SCHEMA_OBJECT | SCHEMA_ARRAY, inner_fields },
	{ "data", SCHEMA_BASE64_TEXT, NULL },
	{ NULL, SCHEMA_END, NULL }
};

static json_t *
run(json_t *in)
{
	json_t	*out = schema_filter(outer_fields, SCRUB_OTP |
		    SCRUB_AUTH_LINKS, in);

	assert_non_null(out);
	json_decref(in);
	return out;
}

/* Types, unknown fields, nulls, ids, arrays, base64, order. */
static void
test_filter(void **state)
{
	json_t	*out;
	char	*s, *enc, *plain;
	size_t	 len;

	(void)state;
	out = run(json_pack("{s:s,s:s,s:i,s:f,s:b,s:i,s:s,s:n,s:[s,i,s]}",
	    "secret", "Your code is 482913", "text", "lunch at noon",
	    "n", 3, "x", 1.5, "b", 1, "nonce", 7, "id", "A1-B2", "o",
	    "ids", "ok", 5, "two words"));
	s = json_dumps(out, JSON_COMPACT);
	assert_string_equal(s, "{\"text\":\"lunch at noon\",\"n\":3,"
	    "\"x\":1.5,\"b\":true,\"nonce\":7,\"id\":\"A1-B2\",\"o\":null,"
	    "\"ids\":[\"ok\"]}");
	free(s);
	json_decref(out);

	/* Wrong types dropped: a number as text, text as a number... */
	out = run(json_pack("{s:i,s:s,s:s,s:i,s:s,s:b,s:s,s:{}}", "text", 5,
	    "n", "5", "x", "1.5", "b", 1, "o", "obj", "nonce", 0,
	    "list", "not a list", "data", ""));
	assert_int_equal(json_object_size(out), 0);
	json_decref(out);
	out = run(json_pack("{s:I}", "x", (json_int_t)2));
	assert_true(json_is_integer(json_object_get(out, "x")));
	json_decref(out);

	/* Text is scrubbed; an id that is text or a link is dropped. */
	out = run(json_pack("{s:s,s:s}", "text", "Your code is 482913",
	    "id", "https://example.com/reset?token=abc"));
	assert_null(json_object_get(out, "id"));
	assert_null(strstr(json_string_value(json_object_get(out, "text")),
	    "482913"));
	json_decref(out);
	out = run(json_pack("{s:s}", "id", "caf\xc3\xa9"));
	assert_null(json_object_get(out, "id"));
	json_decref(out);
	out = run(json_pack("{s:s}", "nonce", "a\tb"));
	assert_null(json_object_get(out, "nonce"));
	json_decref(out);

	/* Nested objects and arrays walked to their leaves. */
	out = run(json_pack("{s:{s:s,s:s,s:{s:s}},s:[{s:s},s,{s:i}]}", "o",
	    "text", "code: 482913", "extra", "x", "inner", "text",
	    "Your code is 482913", "list", "text", "fine", "stray", "text",
	    1));
	s = json_dumps(out, JSON_COMPACT);
	assert_null(strstr(s, "482913"));
	assert_null(strstr(s, "extra"));
	assert_null(strstr(s, "stray"));
	assert_non_null(strstr(s, "\"list\":[{\"text\":\"fine\"},{}]"));
	free(s);
	json_decref(out);

	/* base64url: scrubbed inside, re-encoded; undecodable dropped. */
	enc = base64url_encode("Your code is 482913", 19, 0);
	out = run(json_pack("{s:s}", "data", enc));
	free(enc);
	plain = base64url_decode(json_string_value(json_object_get(out,
	    "data")), &len);
	assert_non_null(plain);
	assert_null(strstr(plain, "482913"));
	free(plain);
	json_decref(out);
	out = run(json_pack("{s:s}", "data", "not*base64"));
	assert_null(json_object_get(out, "data"));
	json_decref(out);
	enc = base64url_encode("\0Your code is 482913", 20, 0);
	out = run(json_pack("{s:s}", "data", enc));
	free(enc);
	assert_null(json_object_get(out, "data"));
	json_decref(out);

	/* Not an object: an empty one. */
	out = run(json_string("Your code is 482913"));
	assert_true(json_is_object(out));
	assert_int_equal(json_object_size(out), 0);
	json_decref(out);
}

/* Nesting deeper than the bound is cut, and the output stays JSON. */
static void
test_depth(void **state)
{
	json_t	*v, *inner, *out, *p;
	int	 i, depth;

	(void)state;
	v = json_pack("{s:s}", "text", "bottom");
	for (i = 0; i < 200; i++) {
		inner = json_pack("{s:o,s:s}", "inner", v, "text", "level");
		v = inner;
	}
	out = schema_filter(inner_fields, SCRUB_OTP, v);
	assert_non_null(out);
	for (depth = 0, p = out; json_object_get(p, "inner") != NULL;
	    p = json_object_get(p, "inner"))
		depth++;
	assert_true(depth <= SCHEMA_DEPTH_MAX);
	assert_true(depth >= SCHEMA_DEPTH_MAX - 1);
	json_decref(out);
	json_decref(v);
}

/* Filtering twice gives what filtering once gave (inbox re-reads). */
static void
test_idempotent(void **state)
{
	json_t	*in, *once, *twice;

	(void)state;
	in = load("inbound/signal/message.json");
	plant(in, NULL);
	once = filtered("signal", INBOUND_MESSAGE, in);
	twice = filtered("signal", INBOUND_MESSAGE, once);
	assert_true(json_equal(once, twice));
	json_decref(twice);
	json_decref(once);
	json_decref(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_no_schema),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_imsg),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_discord),
		cmocka_unit_test(test_gmail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
