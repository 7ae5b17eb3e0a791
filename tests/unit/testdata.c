/* Shared helpers for the data-driven unit tests. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "testdata.h"

size_t
testdata_unescape(const char *in, char *out, size_t outlen)
{
	size_t		 o = 0;
	unsigned int	 v;

	while (*in != '\0' && o + 1 < outlen) {
		if (in[0] == '\\' && in[1] != '\0') {
			switch (in[1]) {
			case 't':
				out[o++] = '\t';
				in += 2;
				continue;
			case 'n':
				out[o++] = '\n';
				in += 2;
				continue;
			case 'r':
				out[o++] = '\r';
				in += 2;
				continue;
			case '\\':
				out[o++] = '\\';
				in += 2;
				continue;
			case '0':
				out[o++] = '\0';
				in += 2;
				continue;
			case 'x':
				if (sscanf(in + 2, "%2x", &v) == 1) {
					out[o++] = (char)v;
					in += 4;
					continue;
				}
				break;
			}
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
	return o;
}

FILE *
testdata_open(const char *rel)
{
	const char	*top = getenv("top_srcdir");
	char		 path[1024];
	FILE		*f;

	if (top == NULL || *top == '\0')
		top = ".";
	(void)snprintf(path, sizeof(path), "%s/tests/data/%s", top, rel);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	return f;
}
