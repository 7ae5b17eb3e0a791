/*
 * libFuzzer target for the inbound field schemas: the first byte picks
 * the channel (bits 0-1: imsg, signal, gmail, discord) and the shape
 * (bits 2-4, enum inbound_shape); the rest is a JSON document, which
 * gets a one-time code and a reset link planted in every string (for
 * Gmail, inside base64url bodies too) before inbound_filter rebuilds
 * it from the channel driver's table.  Checked properties:
 *
 *	- on success the output is an object that encodes to JSON and
 *	  decodes back equal;
 *	- neither planted secret survives in any string of the output,
 *	  decoded where it is a Gmail body.  An input that holds a secret
 *	  of its own (in any string, number or decoded body) is skipped:
 *	  only what was planted is asked after.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "base64url.h"
#include "channel.h"
#include "policy.h"

#define SECRET_CODE	"482913"
#define SECRET_TOKEN	"Zq8Kx3Wm"
#define PLANT		" Your verification code is " SECRET_CODE \
			". Reset: https://example.com/reset?token=" SECRET_TOKEN

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 gmail;

static int
body_key(const char *key)
{
	return gmail && key != NULL && (strcmp(key, "data") == 0 ||
	    strcmp(key, "raw") == 0);
}

static int
has_secret(const char *s, size_t len)
{
	return memmem(s, len, SECRET_CODE, sizeof(SECRET_CODE) - 1) != NULL ||
	    memmem(s, len, SECRET_TOKEN, sizeof(SECRET_TOKEN) - 1) != NULL;
}

/* A secret in a string under v (decoded too, for bodies): 1 or 0. */
static int
holds_secret(json_t *v, const char *key)
{
	const char	*k;
	char		*plain;
	json_t		*e;
	size_t		 i, len;
	int		 r = 0;

	if (json_is_string(v)) {
		if (has_secret(json_string_value(v), json_string_length(v)))
			return 1;
		if (body_key(key) && (plain = base64url_decode(
		    json_string_value(v), &len)) != NULL) {
			r = has_secret(plain, len);
			free(plain);
		}
		return r;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (holds_secret(e, key))
				return 1;
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			if (holds_secret(e, k))
				return 1;
	}
	return 0;
}

static void
plant_string(json_t *v, const char *key)
{
	const char	*s = json_string_value(v);
	char		*plain, *buf, *enc;
	size_t		 len, n;

	if (body_key(key) && (plain = base64url_decode(s, &len)) != NULL) {
		n = len + sizeof(PLANT) - 1;
		if ((buf = malloc(n)) == NULL)
			abort();
		memcpy(buf, plain, len);
		memcpy(buf + len, PLANT, sizeof(PLANT) - 1);
		if ((enc = base64url_encode(buf, n, 0)) == NULL ||
		    json_string_set(v, enc) == -1)
			abort();
		free(enc);
		free(buf);
		free(plain);
		return;
	}
	len = json_string_length(v);
	n = len + sizeof(PLANT) - 1;
	if ((buf = malloc(n)) == NULL)
		abort();
	memcpy(buf, s, len);
	memcpy(buf + len, PLANT, sizeof(PLANT) - 1);
	if (json_string_setn(v, buf, n) == -1)
		abort();
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct channel	 ch;
	json_t		*v, *back;
	char		*dump;
	int		 shape;

	if (size == 0)
		return 0;
	memset(&ch, 0, sizeof(ch));
	ch.driver = channel_driver(data[0] & 3);
	ch.scrub = SCRUB_OTP | SCRUB_AUTH_LINKS;
	shape = (data[0] >> 2) & 7;
	gmail = ch.driver != NULL && strcmp(ch.driver->name, "gmail") == 0;
	if ((v = json_loadb((const char *)data + 1, size - 1,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	/* A number holding a secret counts too: dump it to look. */
	if ((dump = json_dumps(v, JSON_ENCODE_ANY)) == NULL)
		abort();
	if (has_secret(dump, strlen(dump)) || holds_secret(v, NULL)) {
		free(dump);
		json_decref(v);
		return 0;
	}
	free(dump);
	plant(v, NULL);
	if (inbound_filter(&ch, (enum inbound_shape)shape, v) == 0) {
		if (!json_is_object(v) ||
		    (dump = json_dumps(v, 0)) == NULL)
			abort();
		if ((back = json_loads(dump, JSON_REJECT_DUPLICATES,
		    NULL)) == NULL || !json_equal(back, v))
			abort();
		json_decref(back);
		free(dump);
		if (holds_secret(v, NULL))
			abort();
	}
	json_decref(v);
	return 0;
}
