/*
 * Helpers for data-driven unit tests: cases files under tests/data,
 * found through $top_srcdir (set by make check; "." otherwise).
 */
#ifndef CARAPACE_TESTDATA_H
#define CARAPACE_TESTDATA_H

#include <stddef.h>
#include <stdio.h>

/* Open tests/data/<rel>; fails the running cmocka test if it cannot. */
FILE	*testdata_open(const char *rel);
/*
 * Decode \t \n \r \0 \\ and \xHH (anything else is kept as written)
 * into out, NUL-terminated; returns the decoded length.
 */
size_t	 testdata_unescape(const char *in, char *out, size_t outlen);

#endif /* CARAPACE_TESTDATA_H */
