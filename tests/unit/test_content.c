/*
 * Unit tests for content normalisation, the built-in detectors and the
 * content rules (src/policy/content.c).  Cases are data-driven from
 * tests/data/content/cases.txt against a rule set built by hand; the
 * cost check the loader applies to configured patterns is tested
 * directly.
 */
#include "config.h"

#include <sys/types.h>

#include <regex.h>
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
#define MAX_LENGTH	100

struct rule_spec {
	const char	*name;
	unsigned int	 detect;
	const char	*pattern;
	int		 icase;
	enum rule_action action;
};

/*
 * The rule set the data file is written against (the order matters:
 * a block rule later in the list still wins over an earlier hold).
 */
static const struct rule_spec rule_specs[] = {
	{ "keys", DETECT_PRIVATE_KEY | DETECT_AWS_KEY | DETECT_GITHUB_TOKEN |
	    DETECT_SLACK_TOKEN | DETECT_JWT, NULL, 1, RULE_BLOCK },
	{ "cards", DETECT_CREDIT_CARD, NULL, 1, RULE_HOLD },
	{ "review", 0, "wire transfer", 1, RULE_HOLD },
	{ "passwords", 0, "password[[:space:]]*[:=]", 1, RULE_BLOCK },
	{ "codeword", 0, "Falcon", 0, RULE_BLOCK }
};

static unsigned int detector(const char *);
static enum verdict_kind verdict_from_name(const char *);
static void	 build_config(struct config *);
static void	 free_config(struct config *);
static void	 test_cases_file(void **);
static void	 test_normalize_api(void **);
static void	 test_luhn(void **);
static void	 test_max_length(void **);
static void	 test_failures(void **);
static void	 test_hostile(void **);
static void	 test_pattern_cost(void **);

static unsigned int
detector(const char *name)
{
	static const struct {
		const char	*name;
		unsigned int	 bit;
	} names[] = {
		{ "private_key", DETECT_PRIVATE_KEY },
		{ "aws_key", DETECT_AWS_KEY },
		{ "github_token", DETECT_GITHUB_TOKEN },
		{ "slack_token", DETECT_SLACK_TOKEN },
		{ "jwt", DETECT_JWT },
		{ "credit_card", DETECT_CREDIT_CARD }
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].bit;
	fail_msg("unknown detector %s", name);
	return 0;
}

static enum verdict_kind
verdict_from_name(const char *s)
{
	if (strcmp(s, "ALLOW") == 0)
		return VERDICT_ALLOW;
	if (strcmp(s, "DENY") == 0)
		return VERDICT_DENY;
	if (strcmp(s, "HOLD") == 0)
		return VERDICT_HOLD;
	fail_msg("unknown verdict %s", s);
	return VERDICT_DENY;
}

static void
build_config(struct config *cfg)
{
	const struct rule_spec	*rs;
	struct content_rule	*r;
	size_t			 i, n;

	n = sizeof(rule_specs) / sizeof(rule_specs[0]);
	memset(cfg, 0, sizeof(*cfg));
	cfg->content_max_length = MAX_LENGTH;
	cfg->rules = calloc(n, sizeof(*cfg->rules));
	assert_non_null(cfg->rules);
	cfg->nrules = n;
	for (i = 0; i < n; i++) {
		rs = &rule_specs[i];
		r = &cfg->rules[i];
		r->name = strdup(rs->name);
		assert_non_null(r->name);
		r->detect = rs->detect;
		r->icase = rs->icase;
		r->action = rs->action;
		if (rs->pattern == NULL)
			continue;
		r->pattern = strdup(rs->pattern);
		assert_non_null(r->pattern);
		/* As config.c compiles it. */
		assert_int_equal(regcomp(&r->regex, r->pattern,
		    REG_EXTENDED | REG_NOSUB | (r->icase ? REG_ICASE : 0)), 0);
	}
}

static void
free_config(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nrules; i++) {
		free(cfg->rules[i].name);
		if (cfg->rules[i].pattern != NULL)
			regfree(&cfg->rules[i].regex);
		free(cfg->rules[i].pattern);
	}
	free(cfg->rules);
}

/*
 * Lines (fields separated by one TAB):
 *   norm      input  expected     content_normalize output
 *   normfail  input               content_normalize must return NULL
 *   detect    name   0|1   text   detector on the normalised text
 *   check     ALLOW|DENY|HOLD  rule|-  text   content_check verdict
 */
static void
test_cases_file(void **state)
{
	FILE		*f = testdata_open("content/cases.txt");
	struct config	 cfg;
	struct verdict	 v;
	char		 line[LINE_MAX_LEN], a[LINE_MAX_LEN], b[LINE_MAX_LEN];
	char		*field[4], *p, *norm;
	size_t		 lineno = 0, nf, alen, ncases = 0;
	int		 want;

	(void)state;
	build_config(&cfg);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		p = line;
		for (nf = 0; nf < 4 && p != NULL; nf++)
			field[nf] = strsep(&p, "\t");
		ncases++;
		if (strcmp(field[0], "norm") == 0 && nf == 3) {
			alen = testdata_unescape(field[1], a, sizeof(a));
			(void)testdata_unescape(field[2], b, sizeof(b));
			norm = content_normalize(a, alen);
			if (norm == NULL || strcmp(norm, b) != 0)
				fail_msg("cases.txt:%zu: got \"%s\"", lineno,
				    norm == NULL ? "(null)" : norm);
			free(norm);
		} else if (strcmp(field[0], "normfail") == 0 && nf == 2) {
			alen = testdata_unescape(field[1], a, sizeof(a));
			norm = content_normalize(a, alen);
			if (norm != NULL)
				fail_msg("cases.txt:%zu: accepted as \"%s\"",
				    lineno, norm);
			/* Whatever the rules, such text is denied. */
			content_check(&cfg, a, alen, &v);
			if (v.kind != VERDICT_DENY)
				fail_msg("cases.txt:%zu: not denied", lineno);
		} else if (strcmp(field[0], "detect") == 0 && nf == 4) {
			alen = testdata_unescape(field[3], a, sizeof(a));
			want = strcmp(field[2], "1") == 0;
			norm = content_normalize(a, alen);
			assert_non_null(norm);
			if (content_detect(detector(field[1]), norm) != want)
				fail_msg("cases.txt:%zu: %s should %sfind "
				    "\"%s\"", lineno, field[1],
				    want ? "" : "not ", field[3]);
			free(norm);
		} else if (strcmp(field[0], "check") == 0 && nf == 4) {
			alen = testdata_unescape(field[3], a, sizeof(a));
			content_check(&cfg, a, alen, &v);
			if (v.kind != verdict_from_name(field[1]))
				fail_msg("cases.txt:%zu: verdict %d, want %s "
				    "(rule %s)", lineno, v.kind, field[1],
				    v.rule == NULL ? "-" : v.rule);
			if (strcmp(field[2], "-") == 0) {
				if (v.rule != NULL)
					fail_msg("cases.txt:%zu: rule %s",
					    lineno, v.rule);
			} else if (v.rule == NULL ||
			    strcmp(v.rule, field[2]) != 0)
				fail_msg("cases.txt:%zu: rule %s, want %s",
				    lineno, v.rule == NULL ? "-" : v.rule,
				    field[2]);
			if (v.kind != VERDICT_ALLOW && v.reason[0] == '\0')
				fail_msg("cases.txt:%zu: no reason", lineno);
		} else
			fail_msg("cases.txt:%zu: malformed line", lineno);
	}
	fclose(f);
	free_config(&cfg);
	assert_true(ncases >= 80);
}

static void
test_normalize_api(void **state)
{
	char	*s;

	(void)state;
	assert_null(content_normalize(NULL, 0));
	s = content_normalize("", 0);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* len bounds the input: no reading past it, no NUL needed. */
	s = content_normalize("ABCDEF", 3);
	assert_non_null(s);
	assert_string_equal(s, "abc");
	free(s);
	/* A NUL inside the text refuses it rather than cutting it short. */
	assert_null(content_normalize("pass\0word: x", 12));
	/* A multibyte sequence cut by len is invalid. */
	assert_null(content_normalize("a\xe2\x80\x8b", 3));
	s = content_normalize("a\xe2\x80\x8b", 4);
	assert_non_null(s);
	assert_string_equal(s, "a");
	free(s);
}

static void
test_luhn(void **state)
{
	(void)state;
	assert_int_equal(luhn_valid("4111111111111111", 16), 1);
	assert_int_equal(luhn_valid("4111111111111112", 16), 0);
	assert_int_equal(luhn_valid("378282246310005", 15), 1);
	assert_int_equal(luhn_valid("79927398713", 11), 1);
	assert_int_equal(luhn_valid("79927398710", 11), 0);
	/* n bounds the digits; anything not a digit fails. */
	assert_int_equal(luhn_valid("4111111111111111999", 16), 1);
	assert_int_equal(luhn_valid("4111 1111", 9), 0);
	assert_int_equal(luhn_valid("", 0), 0);
	assert_int_equal(luhn_valid("0", 1), 0);
	assert_int_equal(luhn_valid(NULL, 16), 0);
}

static void
test_max_length(void **state)
{
	struct config	 cfg;
	struct verdict	 v;
	char		 text[4 * (MAX_LENGTH + 1) + 1];
	size_t		 i;

	(void)state;
	build_config(&cfg);
	/* Exactly the limit, in ASCII and in 2-, 3- and 4-byte characters. */
	memset(text, 'a', MAX_LENGTH);
	content_check(&cfg, text, MAX_LENGTH, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	content_check(&cfg, text, MAX_LENGTH + 1, &v);	/* NUL: invalid */
	assert_int_equal(v.kind, VERDICT_DENY);
	text[MAX_LENGTH] = 'a';
	content_check(&cfg, text, MAX_LENGTH + 1, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "content.max_length");
	for (i = 0; i < MAX_LENGTH; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	content_check(&cfg, text, 2 * MAX_LENGTH, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	for (i = 0; i < MAX_LENGTH; i++)
		memcpy(text + 4 * i, "\xf0\x9f\x98\x80", 4);
	content_check(&cfg, text, 4 * MAX_LENGTH, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	memcpy(text + 4 * MAX_LENGTH, "!", 1);
	content_check(&cfg, text, 4 * MAX_LENGTH + 1, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "content.max_length");
	/* Invisible characters count: the limit is on the original. */
	for (i = 0; i < MAX_LENGTH + 1; i++)
		memcpy(text + 3 * i, "\xe2\x80\x8b", 3);
	content_check(&cfg, text, 3 * (MAX_LENGTH + 1), &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "content.max_length");
	/* The length check comes before any rule. */
	memset(text, 'x', MAX_LENGTH + 1);
	memcpy(text, "password: x", 11);
	content_check(&cfg, text, MAX_LENGTH + 1, &v);
	assert_string_equal(v.rule, "content.max_length");
	/* A limit of 0 admits only the empty text. */
	cfg.content_max_length = 0;
	content_check(&cfg, "", 0, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	content_check(&cfg, "a", 1, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	free_config(&cfg);
}

static void
test_failures(void **state)
{
	struct config	 cfg;
	struct verdict	 v;

	(void)state;
	build_config(&cfg);
	content_check(NULL, "hi", 2, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_non_null(v.rule);
	content_check(&cfg, NULL, 0, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	content_check(&cfg, "hi", 2, NULL);		/* no crash */
	/* An action this build does not know blocks. */
	cfg.rules[2].action = (enum rule_action)9;
	content_check(&cfg, "wire transfer", 13, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "review");
	/* A detector bit this build does not know matches. */
	cfg.rules[2].action = RULE_HOLD;
	cfg.rules[0].detect |= 0x8000;
	content_check(&cfg, "hello", 5, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "keys");
	assert_int_equal(content_detect(0x8000, "hello"), 1);
	assert_int_equal(content_detect(0, "hello"), 0);
	assert_int_equal(content_detect(DETECT_JWT, NULL), 1);
	/* No rules: everything within the limit passes. */
	cfg.rules[0].detect &= ~0x8000U;
	cfg.nrules = 0;
	content_check(&cfg, "password: x", 11, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	cfg.nrules = sizeof(rule_specs) / sizeof(rule_specs[0]);
	free_config(&cfg);
}

/* Long and adversarial input: bounded time, no crash, right answer. */
static void
test_hostile(void **state)
{
	static const char *const fills[] = {
		"1 ", "1-", "eyj", "eyJaaaaaaaaaa.", "-----", "private key",
		"akia", "ghp_", "xoxb-", "\xe2\x80\x8b", "4111 ", "a.", "9"
	};
	size_t		 n = 1 << 20, i, k, flen;
	char		*big, *norm;
	struct config	 cfg;
	struct verdict	 v;

	(void)state;
	build_config(&cfg);
	cfg.content_max_length = n;
	big = malloc(n + 1);
	assert_non_null(big);
	for (k = 0; k < sizeof(fills) / sizeof(fills[0]); k++) {
		flen = strlen(fills[k]);
		for (i = 0; i + flen <= n; i += flen)
			memcpy(big + i, fills[k], flen);
		big[i] = '\0';
		norm = content_normalize(big, i);
		assert_non_null(norm);
		(void)content_detect(DETECT_PRIVATE_KEY | DETECT_AWS_KEY |
		    DETECT_GITHUB_TOKEN | DETECT_SLACK_TOKEN | DETECT_JWT |
		    DETECT_CREDIT_CARD, norm);
		free(norm);
		content_check(&cfg, big, i, &v);
	}
	/* Only ones, single-spaced: no window is Luhn-valid. */
	for (i = 0; i + 2 <= n; i += 2)
		memcpy(big + i, "1 ", 2);
	content_check(&cfg, big, i, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	/* A card in a megabyte of card-shaped text: held. */
	for (i = 0; i + 20 <= n; i += 20)
		memcpy(big + i, "4111 1111 1111 1111 ", 20);
	content_check(&cfg, big, i, &v);
	assert_int_equal(v.kind, VERDICT_HOLD);
	assert_string_equal(v.rule, "cards");
	/* ... and a key at the very end still blocks. */
	memcpy(big + i - 20, "AKIAIOSFODNN7EXAMPLE", 20);
	content_check(&cfg, big, i, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "keys");
	free(big);
	free_config(&cfg);
}

/*
 * The loader refuses patterns that would cost too much to compile or
 * match; ordinary ones, bounded repetition included, pass.
 */
static void
test_pattern_cost(void **state)
{
	static const char *const cheap[] = {
		"password[[:space:]]*[:=]",
		"(secret|token)[[:space:]]*[:=][^ ]{8,64}",
		"wire transfer",
		"a{255}",
		"(a{100}){100}",		/* 10,100: under the limit */
		"[[:alpha:]]{3}[]a{]x{2,1}",
		"\\(a\\)+",
		"a+b+c+",
		""
	};
	static const struct {
		const char	*pattern;
		const char	*why;
	} costly[] = {
		{ "pass+++++++++++++++++word",
		    "too costly to compile (nested repetition)" },
		{ "((ab{200}){200}){200}",
		    "too costly to compile (nested repetition)" },
		{ "(a{200}){200}",
		    "too costly to compile (nested repetition)" },
		{ "a{1000}", "a repetition count above 255" },
		{ "a{1,256}", "a repetition count above 255" },
		{ "(a)\\1", "back-references are not supported" },
		{ "((((((((((((((((((((((((((((((((("
		    "a)))))))))))))))))))))))))))))))))",
		    "groups nested too deeply" }
	};
	char		 big[1100];
	const char	*why;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cheap) / sizeof(cheap[0]); i++) {
		why = content_pattern_too_costly(cheap[i]);
		if (why != NULL)
			fail_msg("\"%s\" refused: %s", cheap[i], why);
	}
	for (i = 0; i < sizeof(costly) / sizeof(costly[0]); i++) {
		why = content_pattern_too_costly(costly[i].pattern);
		if (why == NULL)
			fail_msg("\"%s\" accepted", costly[i].pattern);
		assert_string_equal(why, costly[i].why);
	}
	memset(big, 'a', 1024);
	big[1024] = '\0';
	assert_null(content_pattern_too_costly(big));
	big[1024] = 'a';
	big[1025] = '\0';
	assert_string_equal(content_pattern_too_costly(big),
	    "longer than 1024 bytes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_file),
		cmocka_unit_test(test_normalize_api),
		cmocka_unit_test(test_luhn),
		cmocka_unit_test(test_max_length),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_pattern_cost)
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
