/*
 * Unit tests for address normalisation and allow/deny matching
 * (src/common/address.c).  Normalisation cases are data-driven from
 * tests/data/address/cases.txt; the policy tests build a configuration
 * by hand.
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
#include "chan-discord.h"
#include "chan-gmail.h"
#include "chan-imsg.h"
#include "chan-signal.h"
#include "channel.h"
#include "policy.h"
#include "testdata.h"

#define LINE_MAX_LEN	4096

static int	 kind_from_name(const char *);
static void	 test_cases_file(void **);
static void	 test_idempotent(void **);
static void	 test_bad_arguments(void **);
static void	 test_lengths(void **);
static void	 test_hostile(void **);
static void	 make_list(struct strlist *, const char *const *, size_t);
static void	 free_list(struct strlist *);
static char	*dup(const char *);
static void	 build_config(struct config *);
static void	 free_config(struct config *);
static void	 test_resolve(void **);
static void	 test_match(void **);
static void	 test_outbound(void **);
static void	 test_inbound(void **);

static int
kind_from_name(const char *s)
{
	if (strcmp(s, "phone") == 0)
		return ADDR_PHONE;
	if (strcmp(s, "email") == 0)
		return ADDR_EMAIL;
	if (strcmp(s, "chat") == 0)
		return ADDR_CHAT;
	if (strcmp(s, "group") == 0)
		return ADDR_GROUP;
	if (strcmp(s, "channel") == 0)
		return ADDR_CHANNEL;
	if (strcmp(s, "user") == 0)
		return ADDR_USER;
	fail_msg("unknown kind %s", s);
	return 0;
}

/*
 * Each line: input TAB region TAB expected [TAB kind].  region "-" is
 * none; expected "REJECT" means normalisation must fail with a cause.
 */
static void
test_cases_file(void **state)
{
	FILE		*f = testdata_open("address/cases.txt");
	char		 line[LINE_MAX_LEN], in[LINE_MAX_LEN], out[ADDR_MAX];
	char		*field[4], *p;
	const char	*cause, *region;
	enum addr_kind	 kind;
	size_t		 lineno = 0, ncases = 0, nf;
	int		 rc;

	(void)state;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		p = line;
		for (nf = 0; nf < 4 && p != NULL; nf++)
			field[nf] = strsep(&p, "\t");
		if (nf < 3)
			fail_msg("cases.txt:%zu: need 3 or 4 fields", lineno);
		testdata_unescape(field[0], in, sizeof(in));
		region = strcmp(field[1], "-") == 0 ? NULL : field[1];
		cause = NULL;
		kind = 0;
		rc = addr_normalize(in, region, out, sizeof(out), &kind,
		    &cause);
		if (strcmp(field[2], "REJECT") == 0) {
			if (rc != -1)
				fail_msg("cases.txt:%zu: \"%s\" accepted as "
				    "\"%s\"", lineno, field[0], out);
			assert_non_null(cause);
			assert_string_equal(out, "");
		} else {
			if (rc != 0)
				fail_msg("cases.txt:%zu: \"%s\" rejected: %s",
				    lineno, field[0], cause);
			if (strcmp(out, field[2]) != 0)
				fail_msg("cases.txt:%zu: \"%s\" gave \"%s\", "
				    "want \"%s\"", lineno, field[0], out,
				    field[2]);
			if (nf == 4 && (int)kind != kind_from_name(field[3]))
				fail_msg("cases.txt:%zu: wrong kind %d",
				    lineno, kind);
		}
		ncases++;
	}
	fclose(f);
	assert_true(ncases >= 100);
}

/* Normal forms are fixed points, whatever region is given. */
static void
test_idempotent(void **state)
{
	static const char *const forms[] = {
		"+14155550100", "+442079460958", "+390612345678",
		"+61412345678", "alice@example.com", "chat:iMessage;-;+1",
		"group:YWJj+/==", "+4915123456789"
	};
	static const char *const regions_tried[] = {
		NULL, "US", "GB", "DE", "IT", "XX"
	};
	char	out[ADDR_MAX];
	size_t	i, j;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		for (j = 0; j < sizeof(regions_tried) /
		    sizeof(regions_tried[0]); j++) {
			assert_int_equal(addr_normalize(forms[i],
			    regions_tried[j], out, sizeof(out), NULL, NULL), 0);
			assert_string_equal(out, forms[i]);
		}
	}
}

static void
test_bad_arguments(void **state)
{
	char		 out[ADDR_MAX], tiny[8];
	const char	*cause = NULL;
	enum addr_kind	 kind = 0;

	(void)state;
	assert_int_equal(addr_normalize(NULL, "US", out, sizeof(out), &kind,
	    &cause), -1);
	assert_non_null(cause);
	assert_int_equal(addr_normalize("+14155550100", "US", NULL, 0, NULL,
	    NULL), -1);
	/* Output that does not fit is refused, not truncated. */
	cause = NULL;
	memset(tiny, 'x', sizeof(tiny));
	assert_int_equal(addr_normalize("+14155550100", "US", tiny,
	    sizeof(tiny), NULL, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(tiny, "");
	/* Just fits: 12 characters and the NUL. */
	assert_int_equal(addr_normalize("+14155550100", NULL, out, 13, &kind,
	    NULL), 0);
	assert_string_equal(out, "+14155550100");
	assert_int_equal(kind, ADDR_PHONE);
	/* A region that is not two letters is no region. */
	assert_int_equal(addr_normalize("4155550100", "USA", out, sizeof(out),
	    NULL, NULL), -1);
	assert_int_equal(addr_normalize("4155550100", "", out, sizeof(out),
	    NULL, NULL), -1);
}

static void
test_lengths(void **state)
{
	char	in[600], out[ADDR_MAX];

	(void)state;
	/* Local part: 64 allowed, 65 not. */
	memset(in, 'a', 64);
	strlcpy(in + 64, "@example.com", sizeof(in) - 64);
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), 0);
	memset(in, 'a', 65);
	strlcpy(in + 65, "@example.com", sizeof(in) - 65);
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), -1);
	/* Domain label: 63 allowed, 64 not. */
	strlcpy(in, "a@", sizeof(in));
	memset(in + 2, 'b', 63);
	strlcpy(in + 65, ".com", sizeof(in) - 65);
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), 0);
	strlcpy(in, "a@", sizeof(in));
	memset(in + 2, 'b', 64);
	strlcpy(in + 66, ".com", sizeof(in) - 66);
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), -1);
	/* Whole address over 254. */
	strlcpy(in, "a@", sizeof(in));
	memset(in + 2, 'b', 60);
	memcpy(in + 62, ".", 1);
	memset(in + 63, 'c', 60);
	memcpy(in + 123, ".", 1);
	memset(in + 124, 'd', 60);
	memcpy(in + 184, ".", 1);
	memset(in + 185, 'e', 63);
	strlcpy(in + 248, ".example", sizeof(in) - 248);
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), -1);
	/* chat ids 1..64, group ids 1..128. */
	strlcpy(in, "chat:", sizeof(in));
	memset(in + 5, 'x', 64);
	in[69] = '\0';
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), 0);
	memset(in + 5, 'x', 65);
	in[70] = '\0';
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), -1);
	strlcpy(in, "group:", sizeof(in));
	memset(in + 6, 'A', 128);
	in[134] = '\0';
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), 0);
	memset(in + 6, 'A', 129);
	in[135] = '\0';
	assert_int_equal(addr_normalize(in, NULL, out, sizeof(out), NULL,
	    NULL), -1);
}

/* Very long and odd input: refused cleanly. */
static void
test_hostile(void **state)
{
	size_t		 n = 1 << 20, i;
	char		*big, out[ADDR_MAX];
	const char	*cause;

	(void)state;
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '1', n);
	big[0] = '+';
	big[n] = '\0';
	cause = NULL;
	assert_int_equal(addr_normalize(big, "US", out, sizeof(out), NULL,
	    &cause), -1);
	assert_non_null(cause);
	memset(big, ' ', n);
	assert_int_equal(addr_normalize(big, "US", out, sizeof(out), NULL,
	    NULL), -1);
	/* Every byte value once as a one-byte address. */
	for (i = 1; i < 256; i++) {
		big[0] = (char)i;
		big[1] = '\0';
		assert_int_equal(addr_normalize(big, "US", out, sizeof(out),
		    NULL, NULL), -1);
	}
	/* Every byte value inside a valid number or email. */
	for (i = 1; i < 256; i++) {
		if ((i >= '0' && i <= '9') || strchr(" -.()", (int)i) != NULL)
			continue;
		(void)snprintf(big, n, "+1415%c5550100", (int)i);
		assert_int_equal(addr_normalize(big, "US", out, sizeof(out),
		    NULL, NULL), -1);
	}
	for (i = 1; i < 256; i++) {
		if ((i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') ||
		    (i >= '0' && i <= '9') || strchr(".-", (int)i) != NULL)
			continue;
		(void)snprintf(big, n, "alice@exa%cmple.com", (int)i);
		assert_int_equal(addr_normalize(big, NULL, out, sizeof(out),
		    NULL, NULL), -1);
	}
	free(big);
}

/*
 * A configuration as config_load would leave it, built by hand: imsg
 * (US) and signal (GB) channels and three contacts.
 */
static const char *const imsg_allow[] = {
	"mom", "+1415555*", "*@Example.com", "chat:42", "dad",
	"(212) 555-0199", "group:YWJj", "not an address", "+14*5*",
	"*@", "+*", "*"
};
static const char *const imsg_deny[] = { "+14155550666", "*@evil.example" };
static const char *const inbound_allow[] = { "mom", "*@example.com" };
static const char *const signal_allow[] = { "mom", "07911 123456" };

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static void
make_list(struct strlist *l, const char *const *items, size_t n)
{
	size_t	i;

	l->items = calloc(n, sizeof(*l->items));
	assert_non_null(l->items);
	for (i = 0; i < n; i++) {
		l->items[i] = strdup(items[i]);
		assert_non_null(l->items[i]);
	}
	l->count = n;
}

static void
free_list(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
}

static char *
dup(const char *s)
{
	char	*p = strdup(s);

	assert_non_null(p);
	return p;
}

static void
build_config(struct config *cfg)
{
	struct channel	*ch;
	int		 i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->contacts = calloc(3, sizeof(*cfg->contacts));
	assert_non_null(cfg->contacts);
	cfg->ncontacts = 3;
	cfg->contacts[0].name = dup("mom");
	cfg->contacts[0].address[channel_lookup("imsg")] = dup("(415) 555-0100");
	cfg->contacts[0].address[channel_lookup("signal")] = dup("020 7946 0958");
	cfg->contacts[1].name = dup("dad");
	cfg->contacts[1].address[channel_lookup("signal")] = dup("+14155550111");
	cfg->contacts[2].name = dup("broken");
	cfg->contacts[2].address[channel_lookup("imsg")] = dup("not a number");

	for (i = 0; i < CHANNEL_MAX; i++)
		cfg->channels[i].id = i;

	ch = &cfg->channels[channel_lookup("imsg")];
	ch->configured = 1;
	strlcpy(ch->region, "US", sizeof(ch->region));
	ch->outbound_mode = OUTBOUND_ALLOWLIST;
	make_list(&ch->outbound_allow, imsg_allow, NITEMS(imsg_allow));
	make_list(&ch->outbound_deny, imsg_deny, NITEMS(imsg_deny));
	ch->inbound_mode = INBOUND_ALLOWLIST;
	make_list(&ch->inbound_allow, inbound_allow, NITEMS(inbound_allow));

	ch = &cfg->channels[channel_lookup("signal")];
	ch->configured = 1;
	strlcpy(ch->region, "GB", sizeof(ch->region));
	ch->outbound_mode = OUTBOUND_APPROVAL;
	make_list(&ch->outbound_allow, signal_allow, NITEMS(signal_allow));
	ch->inbound_mode = INBOUND_OPEN;
}

static void
free_config(struct config *cfg)
{
	size_t	i, j;

	for (i = 0; i < cfg->ncontacts; i++) {
		free(cfg->contacts[i].name);
		for (j = 0; j < CHANNEL_MAX; j++)
			free(cfg->contacts[i].address[j]);
	}
	free(cfg->contacts);
	for (i = 0; i < CHANNEL_MAX; i++) {
		free_list(&cfg->channels[i].outbound_allow);
		free_list(&cfg->channels[i].outbound_deny);
		free_list(&cfg->channels[i].inbound_allow);
	}
}

static void
test_resolve(void **state)
{
	struct config	 cfg;
	char		 out[ADDR_MAX];
	const char	*cause;
	enum addr_kind	 kind;

	(void)state;
	build_config(&cfg);
	/* An alias resolves per channel, with that channel's region. */
	assert_int_equal(addr_resolve(&cfg, channel_lookup("imsg"), "mom", out,
	    sizeof(out), &kind, NULL), 0);
	assert_string_equal(out, "+14155550100");
	assert_int_equal(kind, ADDR_PHONE);
	assert_int_equal(addr_resolve(&cfg, channel_lookup("signal"), " mom ", out,
	    sizeof(out), NULL, NULL), 0);
	assert_string_equal(out, "+442079460958");
	/* No address on this channel: refused, with a cause. */
	cause = NULL;
	assert_int_equal(addr_resolve(&cfg, channel_lookup("imsg"), "dad", out,
	    sizeof(out), NULL, &cause), -1);
	assert_non_null(cause);
	assert_int_equal(addr_resolve(&cfg, channel_lookup("imsg"), "broken", out,
	    sizeof(out), NULL, NULL), -1);
	/* Raw addresses use the channel region. */
	assert_int_equal(addr_resolve(&cfg, channel_lookup("imsg"), "212-555-0199",
	    out, sizeof(out), NULL, NULL), 0);
	assert_string_equal(out, "+12125550199");
	assert_int_equal(addr_resolve(&cfg, channel_lookup("signal"), "212-555-0199",
	    out, sizeof(out), NULL, NULL), -1);
	/* Unknown alias and not an address. */
	assert_int_equal(addr_resolve(&cfg, channel_lookup("imsg"), "aunt", out,
	    sizeof(out), NULL, NULL), -1);
	assert_string_equal(out, "");
	assert_int_equal(addr_resolve(NULL, channel_lookup("imsg"), "mom", out,
	    sizeof(out), NULL, NULL), -1);
	assert_int_equal(addr_resolve(&cfg, CHANNEL_MAX, "mom", out,
	    sizeof(out), NULL, NULL), -1);
	assert_int_equal(addr_resolve(&cfg, channel_lookup("imsg"), NULL, out,
	    sizeof(out), NULL, NULL), -1);
	free_config(&cfg);
}

static void
test_match(void **state)
{
	static const char *const dad[] = { "dad" };
	struct config		 cfg;
	struct strlist		 only_dad;
	const struct strlist	*allow;
	const char		*which;

	(void)state;
	build_config(&cfg);
	allow = &cfg.channels[channel_lookup("imsg")].outbound_allow;

	/* Alias, expanded for this channel. */
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "+14155550100", &which), 1);
	assert_string_equal(which, "mom");
	/* Prefix. */
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "+14155559999", &which), 1);
	assert_string_equal(which, "+1415555*");
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "+14165559999", &which), 0);
	assert_null(which);
	/* Domain: exact, case-insensitive, not subdomains. */
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "bob@example.com", &which), 1);
	assert_string_equal(which, "*@Example.com");
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "bob@sub.example.com", NULL), 0);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "bob@example.com.evil", NULL), 0);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "bob@notexample.com", NULL), 0);
	/* chat and group ids: exact and case-sensitive. */
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow, "chat:42",
	    NULL), 1);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow, "chat:420",
	    NULL), 0);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow, "group:YWJj",
	    NULL), 1);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow, "group:ywjj",
	    NULL), 0);
	/* An exact pattern is normalised with the channel region. */
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "+12125550199", &which), 1);
	assert_string_equal(which, "(212) 555-0199");
	/* dad has no imsg address: that entry matches nothing here. */
	make_list(&only_dad, dad, 1);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), &only_dad,
	    "+14155550111", NULL), 0);
	assert_int_equal(policy_match(&cfg, channel_lookup("signal"), &only_dad,
	    "+14155550111", NULL), 1);
	free_list(&only_dad);
	/* ... but on signal the same alias list entry works (mom, GB). */
	assert_int_equal(policy_match(&cfg, channel_lookup("signal"),
	    &cfg.channels[channel_lookup("signal")].outbound_allow, "+442079460958",
	    &which), 1);
	assert_string_equal(which, "mom");
	assert_int_equal(policy_match(&cfg, channel_lookup("signal"),
	    &cfg.channels[channel_lookup("signal")].outbound_allow, "+447911123456",
	    &which), 1);
	assert_string_equal(which, "07911 123456");
	/* Broken patterns ("+14*5*", "*@", "+*", "*") match nothing. */
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "+14005550100", NULL), 0);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "+33123456789", NULL), 0);
	/* The address itself must be normalised; anything else: no. */
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "(415) 555-0100", NULL), 0);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow,
	    "Bob@Example.com", NULL), 0);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow, " chat:42",
	    NULL), 0);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), allow, NULL,
	    &which), 0);
	assert_null(which);
	assert_int_equal(policy_match(&cfg, channel_lookup("imsg"), NULL, "chat:42",
	    NULL), 0);
	assert_int_equal(policy_match(NULL, channel_lookup("imsg"), allow, "chat:42",
	    NULL), 0);
	assert_int_equal(policy_match(&cfg, CHANNEL_MAX, allow, "chat:42",
	    NULL), 0);
	free_config(&cfg);
}

static void
test_outbound(void **state)
{
	struct config	 cfg;
	struct channel	*imsg, *signal;
	struct verdict	 v;

	(void)state;
	build_config(&cfg);
	imsg = &cfg.channels[channel_lookup("imsg")];
	signal = &cfg.channels[channel_lookup("signal")];

	/* Deny wins over an allow prefix. */
	policy_outbound(&cfg, imsg, "+14155550666", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "+14155550666");
	assert_true(strlen(v.reason) > 0);
	policy_outbound(&cfg, imsg, "x@evil.example", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "*@evil.example");

	policy_outbound(&cfg, imsg, "+14155550100", &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	assert_string_equal(v.rule, "mom");

	policy_outbound(&cfg, imsg, "+33123456789", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "outbound.allow");
	assert_string_equal(v.reason, "recipient not in allowlist");

	/* Approval mode holds what is not allowed. */
	policy_outbound(&cfg, signal, "+33123456789", &v);
	assert_int_equal(v.kind, VERDICT_HOLD);
	assert_string_equal(v.rule, "outbound.approval");
	policy_outbound(&cfg, signal, "+447911123456", &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);

	/* Open mode allows anything not denied. */
	imsg->outbound_mode = OUTBOUND_OPEN;
	policy_outbound(&cfg, imsg, "+33123456789", &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	policy_outbound(&cfg, imsg, "+14155550666", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	/* ... but never an address that is not normalised. */
	policy_outbound(&cfg, imsg, "+1 415 555 0666", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	policy_outbound(&cfg, imsg, "X@Evil.Example", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	policy_outbound(&cfg, imsg, NULL, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_non_null(v.rule);

	/* Unknown mode, unconfigured channel, no config: deny. */
	imsg->outbound_mode = (enum outbound_mode)42;
	policy_outbound(&cfg, imsg, "+14155550100", &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);	/* allow list first */
	policy_outbound(&cfg, imsg, "+33123456789", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	policy_outbound(&cfg, &cfg.channels[channel_lookup("gmail")], "a@example.com",
	    &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	policy_outbound(NULL, imsg, "+14155550100", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	policy_outbound(&cfg, NULL, "+14155550100", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	policy_outbound(&cfg, imsg, "+14155550100", NULL);	/* no crash */
	free_config(&cfg);
}

static void
test_inbound(void **state)
{
	struct config	 cfg;
	struct channel	*imsg, *signal;

	(void)state;
	build_config(&cfg);
	imsg = &cfg.channels[channel_lookup("imsg")];
	signal = &cfg.channels[channel_lookup("signal")];

	assert_int_equal(policy_inbound_visible(&cfg, imsg, "+14155550100"),
	    1);
	assert_int_equal(policy_inbound_visible(&cfg, imsg,
	    "news@example.com"), 1);
	assert_int_equal(policy_inbound_visible(&cfg, imsg, "+14155559999"),
	    0);
	assert_int_equal(policy_inbound_visible(&cfg, imsg, "(415) 555-0100"),
	    0);
	/* Open mode shows every sender. */
	assert_int_equal(policy_inbound_visible(&cfg, signal, "+14155559999"),
	    1);
	assert_int_equal(policy_inbound_visible(&cfg, signal, "anything"), 1);
	assert_int_equal(policy_inbound_visible(&cfg, signal, NULL), 0);
	/* Unknown mode, missing config, unconfigured channel: hidden. */
	imsg->inbound_mode = (enum inbound_mode)7;
	assert_int_equal(policy_inbound_visible(&cfg, imsg, "+14155550100"),
	    0);
	assert_int_equal(policy_inbound_visible(NULL, signal, "+1415555010"),
	    0);
	assert_int_equal(policy_inbound_visible(&cfg, NULL, "+14155550100"),
	    0);
	cfg.channels[channel_lookup("gmail")].inbound_mode = INBOUND_OPEN;
	assert_int_equal(policy_inbound_visible(&cfg,
	    &cfg.channels[channel_lookup("gmail")], "a@example.com"), 0);
	free_config(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_file),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_outbound),
		cmocka_unit_test(test_inbound)
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
