/*
 * Unit tests for inbound scrubbing (src/policy/scrub.c): one-time codes
 * and authentication links are redacted, near misses (prices, dates,
 * times, phone and order numbers, ordinary links) survive.  Cases are
 * data-driven: exact outputs in tests/data/scrub/cases.txt, and the
 * measured corpus in tests/data/scrub/corpus.txt, where every case must
 * pass (bench/scrub-bench prints the same corpus as recall and false
 * positive figures).
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
#include "scrub-corpus.h"

#define LINE_MAX_LEN	8192

static unsigned int flags_from_name(const char *);
static void	 test_cases_file(void **);
static void	 test_corpus(void **);
static void	 test_html(void **);
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

/*
 * The corpus: every positive loses its secret (as a careful reader
 * would look for it, markup and all), every negative comes back byte for
 * byte.  Any miss fails, with its line.
 */
static void
test_corpus(void **state)
{
	struct corpus	 c;
	const char	*top = getenv("top_srcdir");
	char		 path[1024], err[512], why[20000];
	size_t		 i, misses = 0;
	int		 r;

	(void)state;
	if (top == NULL || *top == '\0')
		top = ".";
	(void)snprintf(path, sizeof(path), "%s/tests/data/scrub/corpus.txt",
	    top);
	if (corpus_load(path, &c, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	for (i = 0; i < c.n; i++) {
		if ((r = corpus_judge(&c.cases[i], why, sizeof(why))) == -1)
			fail_msg("corpus.txt:%zu: scrub failed", c.cases[i].line);
		if (r == 0 && !c.cases[i].known) {
			print_message("corpus.txt:%zu: %s\n", c.cases[i].line,
			    why);
			misses++;
		} else if (r == 1 && c.cases[i].known) {
			print_message("corpus.txt:%zu: a known miss passes: "
			    "drop its \"!\"\n", c.cases[i].line);
			misses++;
		}
	}
	print_message("corpus: %zu positives, %zu negatives, %zu known "
	    "misses, %zu other misses\n", c.npositive, c.nnegative, c.nknown,
	    misses);
	assert_true(c.npositive >= 300);
	assert_true(c.nnegative >= 300);
	assert_true(c.nknown <= 5);
	corpus_free(&c);
	assert_int_equal(misses, 0);
}

/*
 * HTML: a code split over cells is redacted where it starts, the cells
 * stay, no digit is left; a plain text that merely contains '<' is not
 * read as HTML.
 */
static void
test_html(void **state)
{
	char	*out;
	int	 changed;

	(void)state;
	out = scrub_text(SCRUB_OTP, "<p>Your code:</p><table><tr><td>4</td>"
	    "<td>8</td><td>2</td><td>9</td></tr></table>", &changed);
	assert_non_null(out);
	assert_string_equal(out, "<p>Your code:</p><table><tr>"
	    "<td>[redacted code]</td><td></td><td></td><td></td></tr></table>");
	assert_int_equal(changed, 1);
	free(out);
	out = scrub_text(SCRUB_OTP, "<b>code</b> 48<i>29</i>13 &amp; more",
	    &changed);
	assert_non_null(out);
	assert_string_equal(out, "<b>code</b> [redacted code]<i></i> &amp; more");
	free(out);
	/* Entities and attributes a reader sees. */
	out = scrub_text(SCRUB_OTP, "<p title=\"code 551234\">code &#53;512&#x33;5</p>",
	    &changed);
	assert_non_null(out);
	assert_string_equal(out, "<p title=\"code [redacted code]\">code "
	    "[redacted code]</p>");
	free(out);
	/* Not HTML: "<" in prose; the text is scanned as it is. */
	out = scrub_text(SCRUB_OTP, "if a<b then code 4455", &changed);
	assert_non_null(out);
	assert_string_equal(out, "if a<b then code [redacted code]");
	free(out);
	/* Unclosed markup is text, so nothing hides behind it. */
	out = scrub_text(SCRUB_OTP, "<p>code <span 445566", &changed);
	assert_non_null(out);
	assert_string_equal(out, "<p>code <span [redacted code]");
	free(out);
	out = scrub_text(SCRUB_OTP, "<p>code <!-- 445566", &changed);
	assert_non_null(out);
	assert_null(strstr(out, "445566"));
	free(out);
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
		"code: A1B2C3 ", "www.", "((((", "$1234 ", "code\n1234 ",
		"<p>", "<td>4</td>", "&#52;", "<a href=\"", "<!--", "<style>",
		"\xef\xbc\x91", "\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81 ", "1 ",
		"code 1 2 3 4 5 6 7 8 9 ", "<span>code</span> 1<b>2",
		"https://accounts.google.com/r/a1b2c3d4e5f6g7h8 ", "@x.com #1234 ",
		"do not share ", "\xd0\x9a\xd0\xbe\xd0\xb4 "
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
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_hostile)
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
