/*
 * Small helpers shared by every program: clocks, checked string
 * duplication, hex encoding.
 */
#ifndef CARAPACE_UTIL_H
#define CARAPACE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds: wall clock since the epoch, and a monotonic clock. */
uint64_t	 util_now_ms(void);
uint64_t	 util_mono_ms(void);

/* ISO 8601 UTC with milliseconds ("2026-05-16T15:24:36.123Z"). */
void		 util_iso8601(uint64_t ms, char *out, size_t outlen);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
void		 util_hex(const unsigned char *in, size_t len, char *out);

/* strdup that aborts the program on allocation failure. */
char		*xstrdup(const char *);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);

/* Is s valid UTF-8 of len bytes without NUL?  1 yes, 0 no. */
int		 util_utf8_valid(const char *s, size_t len);

/*
 * Parse a duration ("30s", "1m", "250ms", "2h", "1d", or a bare number
 * of seconds) into milliseconds.  Returns 0, or -1 if malformed or out
 * of range.
 */
int		 util_parse_duration(const char *, uint64_t *ms);
/* Parse a size ("64M", "1G", "512K", bytes) into bytes; 0 or -1. */
int		 util_parse_size(const char *, uint64_t *bytes);

#endif /* CARAPACE_UTIL_H */
