/* Small helpers shared by every program. */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat.h"
#include "log.h"
#include "util.h"

uint64_t
util_now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
util_mono_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * UTC by arithmetic (the civil calendar from a day count, after Howard
 * Hinnant's days_from_civil inverse): glibc's gmtime_r loads the local
 * time zone on first use, a read of /etc/localtime in every handler
 * process for a result that never depends on it.
 */
void
util_iso8601(uint64_t ms, char *out, size_t outlen)
{
	uint64_t	secs = ms / 1000, days = secs / 86400, rest = secs % 86400;
	uint64_t	z = days + 719468, era = z / 146097, doe, yoe, doy, mp;
	uint64_t	year, month, day;

	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	day = doy - (153 * mp + 2) / 5 + 1;
	month = mp < 10 ? mp + 3 : mp - 9;
	year = yoe + era * 400 + (month <= 2);
	(void)snprintf(out, outlen, "%04llu-%02llu-%02lluT%02llu:%02llu:%02llu"
	    ".%03uZ", (unsigned long long)year, (unsigned long long)month,
	    (unsigned long long)day, (unsigned long long)(rest / 3600),
	    (unsigned long long)(rest % 3600 / 60),
	    (unsigned long long)(rest % 60), (unsigned int)(ms % 1000));
}

void
util_hex(const unsigned char *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		fatal("calloc");
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if ((p = reallocarray(old, n == 0 ? 1 : n, size == 0 ? 1 : size)) ==
	    NULL)
		fatal("reallocarray");
	return p;
}

int
util_utf8_valid(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, n, k;
	uint32_t		 cp;

	while (i < len) {
		unsigned char c = s[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
parse_scaled(const char *s, const char *const *units,
    const uint64_t *scales, size_t nunits, uint64_t *out)
{
	uint64_t	 v = 0;
	const char	*p = s;
	size_t		 i;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	for (i = 0; i < nunits; i++) {
		if (strcmp(p, units[i]) == 0) {
			if (scales[i] != 0 && v > UINT64_MAX / scales[i])
				return -1;
			*out = v * scales[i];
			return 0;
		}
	}
	return -1;
}

int
util_parse_duration(const char *s, uint64_t *ms)
{
	static const char *const units[] =
	    { "ms", "", "s", "m", "h", "d" };
	static const uint64_t scales[] =
	    { 1, 1000, 1000, 60000, 3600000, 86400000 };

	return parse_scaled(s, units, scales, sizeof(scales) / sizeof(scales[0]),
	    ms);
}

int
util_parse_size(const char *s, uint64_t *bytes)
{
	static const char *const units[] =
	    { "", "K", "KiB", "M", "MiB", "G", "GiB" };
	static const uint64_t scales[] =
	    { 1, 1024, 1024, 1048576, 1048576, 1073741824, 1073741824 };

	return parse_scaled(s, units, scales, sizeof(scales) / sizeof(scales[0]),
	    bytes);
}
