/*
 * libFuzzer target for the signal-cli shim's HTTP server parsers: the
 * input is a request head for shim_http_parse_head (with a small and a
 * large bound), and, once parsed, its Host goes through
 * shim_http_host_allowed and its query through shim_http_query_get.
 * The head length reported must lie within the input and the bound;
 * every string field must be NUL-terminated within its array.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "shim-signal.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const char *buf, size_t len, size_t max)
{
	struct shim_http_request	 req;
	char				 out[64];
	int				 r;

	r = shim_http_parse_head(buf, len, max, &req);
	if (r != SHIM_HTTP_COMPLETE)
		return;
	if (req.head_len == 0 || req.head_len > len || req.head_len > max)
		abort();
	if (memchr(req.method, '\0', sizeof(req.method)) == NULL ||
	    memchr(req.path, '\0', sizeof(req.path)) == NULL ||
	    memchr(req.query, '\0', sizeof(req.query)) == NULL ||
	    memchr(req.host, '\0', sizeof(req.host)) == NULL ||
	    memchr(req.content_type, '\0', sizeof(req.content_type)) ==
	    NULL)
		abort();
	if (req.path[0] != '/')
		abort();
	(void)shim_http_host_allowed(req.host, "localhost", 8080);
	(void)shim_http_host_allowed(req.host, "[::1]", 0);
	(void)shim_http_query_get(req.query, "account", out, sizeof(out));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check((const char *)data, size, 64);
	check((const char *)data, size, SHIM_HTTP_MAX_HEAD);
	return 0;
}
