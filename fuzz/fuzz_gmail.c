/*
 * libFuzzer target for the Gmail pieces.  The first byte picks one:
 * the gog command line (the rest, split on NUL bytes, through
 * gog_parse), a gog JSON message through the inbound schema (which
 * must either refuse it or leave valid JSON), or base64url, which must
 * decode back to what was encoded.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "base64url.h"
#include "conf.h"
#include "chan-gmail.h"
#include "channel.h"
#include "policy.h"
#include "shim-gog.h"

#define MAX_ARGS	64

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_args(const uint8_t *data, size_t size)
{
	struct gog_args	 a;
	char		*copy, *argv[MAX_ARGS + 2], err[512];
	size_t		 i, start = 0;
	int		 argc = 0;

	if ((copy = malloc(size + 1)) == NULL)
		return;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = (char *)"gog";
	for (i = 0; i <= size && argc <= MAX_ARGS; i++)
		if (i == size || copy[i] == '\0') {
			argv[argc++] = copy + start;
			start = i + 1;
		}
	argv[argc] = NULL;
	(void)gog_parse(argc, argv, &a, err, sizeof(err));
	free(copy);
}

static void
fuzz_scrub(const uint8_t *data, size_t size)
{
	struct channel	 ch;
	json_t		*m;
	char		*out;

	if ((m = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return;
	memset(&ch, 0, sizeof(ch));
	ch.scrub = SCRUB_OTP | SCRUB_AUTH_LINKS;
	ch.driver = channel_driver(channel_lookup("gmail"));
	if (inbound_scrub(&ch, m) == 0) {
		if ((out = json_dumps(m, JSON_ENCODE_ANY)) == NULL)
			abort();
		free(out);
	}
	json_decref(m);
}

static void
fuzz_base64(const uint8_t *data, size_t size)
{
	char	*enc, *dec;
	size_t	 len;

	if ((enc = base64url_encode((const char *)data, size,
	    size & 1)) == NULL)
		return;
	if ((dec = base64url_decode(enc, &len)) == NULL ||
	    len != size || memcmp(dec, data, size) != 0)
		abort();
	free(dec);
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_args(data + 1, size - 1);
		break;
	case 1:
		fuzz_scrub(data + 1, size - 1);
		break;
	default:
		fuzz_base64(data + 1, size - 1);
		break;
	}
	return 0;
}
