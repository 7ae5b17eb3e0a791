/*
 * libFuzzer target for the content checks on outbound text and the
 * scrubbing of inbound text: content_normalize, content_check with a
 * fixed set of rules (every detector, a case-folded and a case-exact
 * regular expression, block and hold actions), and scrub_text with
 * each scrubber.  Checked properties:
 *
 *	- normalised text never grows and is valid UTF-8; invalid UTF-8
 *	  is refused by both content_normalize and content_check;
 *	- content_check returns one of its three verdicts, with a rule
 *	  named for DENY and HOLD;
 *	- scrub_text returns the input unchanged when it reports no
 *	  change, and with no scrubber selected it changes nothing;
 *	- whatever text comes before it, a line with a one-time code and
 *	  one with a reset link planted after the input lose their secrets.
 */
#include "config.h"

#include <sys/types.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "conf.h"
#include "policy.h"
#include "util.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 setup(void);
static void	 scrub_one(unsigned int, const char *);
static void	 scrub_planted(const char *);

struct rule_spec {
	const char	*name;
	unsigned int	 detect;
	const char	*pattern;
	int		 icase;
	enum rule_action action;
};

static const struct rule_spec specs[] = {
	{ "secrets", DETECT_PRIVATE_KEY | DETECT_AWS_KEY |
	    DETECT_GITHUB_TOKEN | DETECT_SLACK_TOKEN | DETECT_JWT, NULL, 1,
	    RULE_BLOCK },
	{ "cards", DETECT_CREDIT_CARD, NULL, 1, RULE_HOLD },
	{ "wire", 0, "wire (the )?money|iban[: ]*[a-z]{2}[0-9]{2}", 1,
	    RULE_BLOCK },
	{ "Shout", 0, "^[A-Z ]{12,}!+$", 0, RULE_HOLD },
	{ "password", 0, "pass(word)?[[:space:]]*[:=]", 1, RULE_HOLD }
};
#define NRULES	(sizeof(specs) / sizeof(specs[0]))

static struct config		cfg;
static struct content_rule	rules[NRULES];
static char			names[NRULES][16];
static char			patterns[NRULES][64];

static void
setup(void)
{
	size_t	i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.content_max_length = 4000;
	cfg.rules = rules;
	cfg.nrules = NRULES;
	for (i = 0; i < NRULES; i++) {
		(void)strlcpy(names[i], specs[i].name, sizeof(names[i]));
		rules[i].name = names[i];
		rules[i].detect = specs[i].detect;
		rules[i].icase = specs[i].icase;
		rules[i].action = specs[i].action;
		if (specs[i].pattern == NULL)
			continue;
		(void)strlcpy(patterns[i], specs[i].pattern,
		    sizeof(patterns[i]));
		rules[i].pattern = patterns[i];
		/* As the configuration loader compiles it. */
		if (regcomp(&rules[i].regex, patterns[i], REG_EXTENDED |
		    REG_NOSUB | (specs[i].icase ? REG_ICASE : 0)) != 0)
			abort();
	}
}

static void
scrub_one(unsigned int which, const char *text)
{
	char	*out;
	int	 changed = -1;

	if ((out = scrub_text(which, text, &changed)) == NULL)
		abort();
	if (changed != 0 && changed != 1)
		abort();
	if ((!changed || which == 0) && strcmp(out, text) != 0)
		abort();
	if (which == 0 && changed)
		abort();
	free(out);
}

/* Planted secrets go, whatever the input before them says. */
static void
scrub_planted(const char *text)
{
	static const char	 plant[] = "\nYour code is 482913\n"
	    "Reset your password: https://example.com/r?t=Zx81Qm4rT7pL0aB2\n";
	char			*in, *out;
	size_t			 len = strlen(text);

	if (strstr(text, "482913") != NULL || strstr(text, "Zx81Qm") != NULL)
		return;
	if ((in = malloc(len + sizeof(plant))) == NULL)
		abort();
	memcpy(in, text, len);
	memcpy(in + len, plant, sizeof(plant));
	if ((out = scrub_text(SCRUB_OTP | SCRUB_AUTH_LINKS, in, NULL)) == NULL)
		abort();
	if (strstr(out, "482913") != NULL || strstr(out, "Zx81Qm") != NULL)
		abort();
	free(out);
	free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	struct verdict	 v;
	char		*text, *norm;
	int		 valid;

	if (!ready) {
		setup();
		ready = 1;
	}
	/* A copy, so reads past size are caught and a NUL ends it. */
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	valid = util_utf8_valid(text, size);

	norm = content_normalize(text, size);
	if (norm != NULL) {
		if (!valid || strlen(norm) > size ||
		    !util_utf8_valid(norm, strlen(norm)))
			abort();
		free(norm);
	} else if (valid && memchr(text, '\0', size) == NULL)
		abort();

	content_check(&cfg, text, size, &v);
	if (v.kind == VERDICT_ALLOW) {
		if (!valid || v.rule != NULL)
			abort();
	} else if (v.kind == VERDICT_DENY || v.kind == VERDICT_HOLD) {
		if (v.rule == NULL || v.reason[0] == '\0')
			abort();
	} else
		abort();

	/* Inbound text is a C string: scrub up to the first NUL. */
	scrub_one(0, text);
	scrub_one(SCRUB_OTP, text);
	scrub_one(SCRUB_AUTH_LINKS, text);
	scrub_one(SCRUB_OTP | SCRUB_AUTH_LINKS, text);
	scrub_planted(text);
	free(text);
	return 0;
}
