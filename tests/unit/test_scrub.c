/*
 * Unit tests for inbound scrubbing (src/policy/scrub.c): one-time codes
 * and authentication links are redacted, near misses (prices, dates,
 * times, phone and order numbers, ordinary links) survive.  Cases are
 * data-driven from tests/data/scrub/cases.txt.
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
#include "policy.h"
#include "testdata.h"

#define LINE_MAX_LEN	8192

static unsigned int flags_from_name(const char *);
static void	 test_cases_file(void **);
static void	 test_api(void **);
static void	 test_hostile(void **);

static unsigned int
flags_from_name(const char *s)
{
	if (strcmp(s, "otp") == 0)
		return SCRUB_OTP;
	if (strcmp(s, "links") == 0)
		return SCRUB_AUTH_LINKS;
	if (strcmp(s, "all") == 0)
		return SCRUB_OTP | SCRUB_AUTH_LINKS;
	if (strcmp(s, "none") == 0)
		return 0;
	fail_msg("unknown scrub flags %s", s);
	return 0;
}

/*
 * Each line: flags TAB input TAB expected, flags one of otp, links, all,
 * none; expected "=" means the input must come back unchanged (and
 * *changed 0).
 */
static void
test_cases_file(void **state)
{
	FILE		*f = testdata_open("scrub/cases.txt");
	char		 line[LINE_MAX_LEN], in[LINE_MAX_LEN];
	char		 want[LINE_MAX_LEN];
	char		*field[3], *p, *out;
	size_t		 lineno = 0, nf, ncases = 0, nsame = 0;
	unsigned int	 flags;
	int		 changed, same;

	(void)state;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		p = line;
		for (nf = 0; nf < 3 && p != NULL; nf++)
			field[nf] = strsep(&p, "\t");
		if (nf != 3 || p != NULL)
			fail_msg("cases.txt:%zu: need 3 fields", lineno);
		flags = flags_from_name(field[0]);
		testdata_unescape(field[1], in, sizeof(in));
		same = strcmp(field[2], "=") == 0;
		if (same)
			strlcpy(want, in, sizeof(want));
		else
			testdata_unescape(field[2], want, sizeof(want));
		changed = -1;
		out = scrub_text(flags, in, &changed);
		if (out == NULL)
			fail_msg("cases.txt:%zu: NULL", lineno);
		if (strcmp(out, want) != 0)
			fail_msg("cases.txt:%zu:\n  got  \"%s\"\n  want \"%s\"",
			    lineno, out, want);
		if (changed != (strcmp(in, want) != 0))
			fail_msg("cases.txt:%zu: changed %d", lineno, changed);
		free(out);
		ncases++;
		nsame += same;
	}
	fclose(f);
	assert_true(ncases >= 80);
	assert_true(nsame >= 30);
}

static void
test_api(void **state)
{
	char	*out;
	int	 changed;

	(void)state;
	changed = 5;
	assert_null(scrub_text(SCRUB_OTP, NULL, &changed));
	assert_int_equal(changed, 0);
	out = scrub_text(SCRUB_OTP, "", &changed);
	assert_non_null(out);
	assert_string_equal(out, "");
	assert_int_equal(changed, 0);
	free(out);
	/* changed may be NULL. */
	out = scrub_text(SCRUB_OTP, "Your code is 123456", NULL);
	assert_non_null(out);
	assert_string_equal(out, "Your code is [redacted code]");
	free(out);
	/* Unknown bits alone do nothing. */
	out = scrub_text(0x80, "Your code is 123456", &changed);
	assert_non_null(out);
	assert_string_equal(out, "Your code is 123456");
	assert_int_equal(changed, 0);
	free(out);
	/* Invalid UTF-8 passes through untouched, codes still go. */
	out = scrub_text(SCRUB_OTP, "\xff\xfe code \xc0 123456 \x80", &changed);
	assert_non_null(out);
	assert_string_equal(out, "\xff\xfe code \xc0 [redacted code] \x80");
	assert_int_equal(changed, 1);
	free(out);
}

/*
 * Big adversarial inputs: no crash and the right output.  A scan that
 * went quadratic on any of these fills would not finish within the
 * test harness timeout, so they double as a complexity check.
 */
static void
test_hostile(void **state)
{
	static const char *const fills[] = {
		"code 1234 ", "1 ", "1-", "code ", "123 456 ", "G-1234 code ",
		"https://", "https://x/login?", "a", "code:", ". ", "0",
		"code: A1B2C3 ", "www.", "((((", "$1234 ", "code\n1234 "
	};
	size_t		 n = 1 << 20, i, k, flen;
	char		*big, *out;
	int		 changed;

	(void)state;
	big = malloc(n + 1);
	assert_non_null(big);
	for (k = 0; k < sizeof(fills) / sizeof(fills[0]); k++) {
		flen = strlen(fills[k]);
		for (i = 0; i + flen <= n; i += flen)
			memcpy(big + i, fills[k], flen);
		big[i] = '\0';
		out = scrub_text(SCRUB_OTP | SCRUB_AUTH_LINKS, big, &changed);
		assert_non_null(out);
		free(out);
	}

	/* Every code in a megabyte of "code 1234 " goes. */
	for (i = 0; i + 10 <= n; i += 10)
		memcpy(big + i, "code 1234 ", 10);
	big[i] = '\0';
	out = scrub_text(SCRUB_OTP, big, &changed);
	assert_non_null(out);
	assert_int_equal(changed, 1);
	assert_null(strstr(out, "1234"));
	free(out);
	/* Prices stay, however many. */
	for (i = 0; i + 12 <= n; i += 12)
		memcpy(big + i, "code $1234. ", 12);
	big[i] = '\0';
	out = scrub_text(SCRUB_OTP, big, &changed);
	assert_non_null(out);
	assert_int_equal(changed, 0);
	assert_string_equal(out, big);
	free(out);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_file),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_hostile)
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
