/*
 * Unit tests for canonical identities (src/policy/identity.c): mailbox
 * canonical forms under the built-in and configured mail_domains rules,
 * list matching on both sides canonical, the mail_domains key's errors,
 * the imsg driver's chat resolution and the decision over a set.
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
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "channel.h"
#include "policy.h"

static int
load_yaml(const char *yaml, struct config **cfg, struct config_errors *errs)
{
	char	 path[] = "/tmp/test_identity.XXXXXX";
	int	 fd, r;

	assert_int_not_equal(fd = mkstemp(path), -1);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	r = config_load(path, 0, cfg, errs);
	unlink(path);
	return r;
}

static struct config *
load(const char *yaml)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg = NULL;
	size_t			 i;

	if (load_yaml(yaml, &cfg, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			print_error("%s\n", errs.items[i].message);
		fail_msg("config did not load");
	}
	return cfg;
}

static const char base_yaml[] =
    "version: 1\n"
    "state_dir: /tmp\n"
    "clients: [ { name: a, users: [root], channels: [imsg, gmail] } ]\n"
    "mail_domains:\n"
    "  strict.example: { tags: false }\n"
    "  mail.example: { dots: true }\n"
    "  alias.example: { alias_of: mail.example }\n"
    "  gmail.com: { dots: true, tags: true }\n"
    "channels:\n"
    "  imsg:\n"
    "    tool: /usr/bin/true\n"
    "    region: US\n"
    "    outbound:\n"
    "      mode: open\n"
    "      allow: [\"chat:3\", \"*@googlemail.com\"]\n"
    "      deny: [\"+14155559999\", \"E.Ve+old@GoogleMail.com\"]\n"
    "  gmail:\n"
    "    tool: /usr/bin/true\n"
    "    account: me@example.com\n"
    "    outbound:\n"
    "      mode: allowlist\n"
    "      allow: [\"*@mail.example\", \"*@strict.example\"]\n"
    "      deny: [\"eve@gmail.com\", \"d.an@alias.example\"]\n";

static void
canon_is(const struct config *cfg, const char *in, const char *want)
{
	char	norm[ADDR_MAX], out[ADDR_MAX];

	assert_int_equal(addr_normalize(in, "US", norm, sizeof(norm), NULL,
	    NULL), 0);
	if (want == NULL) {
		assert_int_equal(identity_canonical(cfg, norm, out,
		    sizeof(out)), -1);
		return;
	}
	assert_int_equal(identity_canonical(cfg, norm, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void
test_canonical(void **state)
{
	struct config	*cfg = load(base_yaml);

	(void)state;
	/* Built in: Gmail's rules, googlemail.com folded. */
	canon_is(NULL, "E.Ve+x@GoogleMail.com", "eve@gmail.com");
	canon_is(NULL, "e.v.e@gmail.com", "eve@gmail.com");
	/* Any other domain: tags cut, dots kept. */
	canon_is(NULL, "Mal.Lory+a+b@Example.COM", "mal.lory@example.com");
	canon_is(cfg, "bob+x@strict.example", "bob+x@strict.example");
	canon_is(cfg, "d.a.n+z@alias.example", "dan@mail.example");
	canon_is(cfg, "d.an@mail.example", "dan@mail.example");
	/* Not mail: as normalised. */
	canon_is(cfg, "(415) 555-0100", "+14155550100");
	canon_is(cfg, "chat:3", "chat:3");
	/* All tag: no mailbox at all (if the normaliser lets it by). */
	{
		char	out[ADDR_MAX];

		assert_int_equal(identity_canonical(cfg, "+x@example.com",
		    out, sizeof(out)), -1);
	}
	config_free(cfg);
}

static void
test_match_both_sides(void **state)
{
	struct config		*cfg = load(base_yaml);
	const struct channel	*im = &cfg->channels[channel_lookup("imsg")];
	const struct channel	*gm = &cfg->channels[channel_lookup("gmail")];
	struct verdict		 v;
	const char		*which;

	(void)state;
	/* A deny written in one spelling holds against all others. */
	policy_outbound(cfg, gm, "e.ve+x@googlemail.com", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "eve@gmail.com");
	policy_outbound(cfg, gm, "dan@mail.example", &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	/* The entry itself may be spelt oddly. */
	assert_int_equal(policy_match(cfg, im->id, &im->outbound_deny,
	    "eve@gmail.com", &which), 1);
	/* "*@googlemail.com" is gmail.com's mailboxes. */
	assert_int_equal(policy_match(cfg, im->id, &im->outbound_allow,
	    "someone@gmail.com", NULL), 1);
	/* No tags on strict.example: another mailbox, allowed by "*@". */
	policy_outbound(cfg, gm, "dan+x@strict.example", &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	config_free(cfg);
}

static void
bad_config(const char *domains, const char *want)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg = NULL;
	char			 yaml[1024];
	size_t			 i;
	int			 found = 0;

	(void)snprintf(yaml, sizeof(yaml), "version: 1\nstate_dir: /tmp\n"
	    "mail_domains:\n%s", domains);
	assert_int_equal(load_yaml(yaml, &cfg, &errs), -1);
	for (i = 0; i < errs.count; i++)
		if (strstr(errs.items[i].message, want) != NULL)
			found = 1;
	if (!found) {
		for (i = 0; i < errs.count; i++)
			print_error("%s\n", errs.items[i].message);
		fail_msg("no error saying \"%s\"", want);
	}
	config_errors_free(&errs);
}

static void
test_config_errors(void **state)
{
	(void)state;
	bad_config("  Gmail.com: { dots: true }\n", "lower case");
	bad_config("  nodot: { dots: true }\n", "bad mail domain");
	bad_config("  a.example: { dots: 1 }\n", "");
	bad_config("  a.example: { colour: red }\n", "colour");
	bad_config("  a.example: {}\n  a.example: {}\n", "each domain once");
	bad_config("  a.example: { alias_of: a.example }\n", "itself");
	bad_config("  a.example: { alias_of: b.example }\n"
	    "  b.example: { alias_of: c.example }\n", "itself an alias");
	bad_config("  a.example: { alias_of: \"B.example\" }\n", "lower case");
}

static json_t *
group(void)
{
	/* As `imsg group --chat-id 3 --json` prints it (sim/data/imsg). */
	return json_loads("{\"id\":3,\"identifier\":\"chat4938\","
	    "\"guid\":\"iMessage;+;chat4938\",\"is_group\":true,"
	    "\"participants\":[\"+14155550100\",\"Alex+x@Example.com\","
	    "\"(415) 555-0142\"]}", 0, NULL);
}

static void
test_imsg_resolve(void **state)
{
	struct config		*cfg = load(base_yaml);
	const struct channel	*im = &cfg->channels[channel_lookup("imsg")];
	struct identity_set	*set = malloc(sizeof(*set));
	json_t			*facts = group(), *bad;
	const char		*cause = NULL;

	(void)state;
	assert_non_null(im->driver->resolve);
	assert_int_equal(im->driver->resolve(cfg, im, "chat:chat4938", facts,
	    set, &cause), 0);
	assert_string_equal(set->whole, "chat:3");
	assert_int_equal(set->n, 3);
	assert_string_equal(set->ids[1], "alex@example.com");
	assert_string_equal(set->ids[2], "+14155550142");
	assert_int_equal(im->driver->resolve(cfg, im,
	    "chat:iMessage;+;chat4938", facts, set, &cause), 0);
	assert_int_equal(im->driver->resolve(cfg, im, "chat:3", facts, set,
	    &cause), 0);
	assert_int_equal(set->naka, 2);
	assert_string_equal(set->aka[0], "chat:chat4938");
	assert_string_equal(set->aka[1], "chat:iMessage;+;chat4938");
	/* Facts about another chat: refused. */
	assert_int_equal(im->driver->resolve(cfg, im, "chat:4", facts, set,
	    &cause), -1);
	/* A participant that cannot be normalised leaves it unresolved. */
	bad = json_loads("{\"id\":5,\"participants\":[\"262966\"]}", 0, NULL);
	assert_int_equal(im->driver->resolve(cfg, im, "chat:5", bad, set,
	    &cause), -1);
	json_decref(bad);
	bad = json_loads("{\"id\":5,\"participants\":[]}", 0, NULL);
	assert_int_equal(im->driver->resolve(cfg, im, "chat:5", bad, set,
	    &cause), -1);
	json_decref(bad);
	json_decref(facts);
	free(set);
	config_free(cfg);
}

static void
test_decide_set(void **state)
{
	struct config		*cfg = load(base_yaml);
	struct channel		*im = &cfg->channels[channel_lookup("imsg")];
	struct identity_set	*set = malloc(sizeof(*set));
	struct verdict		 v;
	const char		*cause;
	json_t			*facts = group();

	(void)state;
	assert_int_equal(im->driver->resolve(cfg, im, "chat:3", facts, set,
	    &cause), 0);
	/* "chat:3" allowed as a whole: all of it. */
	policy_outbound_identities(cfg, im, set, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	/* ...unless a member is denied, in every mode. */
	(void)strlcpy(set->ids[set->n++], "+14155559999", sizeof(set->ids[0]));
	im->outbound_mode = OUTBOUND_APPROVAL;
	policy_outbound_identities(cfg, im, set, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "+14155559999");
	assert_non_null(strstr(v.reason, "reaches +14155559999"));
	/* Not allowed as a whole: member by member. */
	set->n--;
	(void)strlcpy(set->whole, "chat:7", sizeof(set->whole));
	policy_outbound_identities(cfg, im, set, &v);
	assert_int_equal(v.kind, VERDICT_HOLD);
	im->outbound_mode = OUTBOUND_ALLOWLIST;
	policy_outbound_identities(cfg, im, set, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	im->outbound_mode = OUTBOUND_OPEN;
	policy_outbound_identities(cfg, im, set, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	/* Entries naming the chat by guid hold as on its id. */
	im->outbound_mode = OUTBOUND_ALLOWLIST;
	assert_int_equal(im->driver->resolve(cfg, im, "chat:3", facts, set,
	    &cause), 0);
	(void)strlcpy(set->whole, "chat:8", sizeof(set->whole));
	(void)strlcpy(set->aka[0], "chat:3", sizeof(set->aka[0]));
	policy_outbound_identities(cfg, im, set, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	(void)strlcpy(set->aka[0], "+14155559999", sizeof(set->aka[0]));
	policy_outbound_identities(cfg, im, set, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "+14155559999");
	/* An empty set is refused. */
	set->n = 0;
	policy_outbound_identities(cfg, im, set, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	json_decref(facts);
	free(set);
	config_free(cfg);
}

static const char chat_yaml[] =
    "version: 1\n"
    "state_dir: /tmp\n"
    "clients: [ { name: a, users: [root], channels: [discord, signal] } ]\n"
    "channels:\n"
    "  discord:\n"
    "    token_file: /etc/carapace/discord.token\n"
    "    outbound:\n"
    "      mode: open\n"
    "      deny: [\"channel:700000000000000100\"]\n"
    "  signal:\n"
    "    daemon_socket: /run/s.sock\n"
    "    account: \"+14155550199\"\n"
    "    outbound:\n"
    "      mode: open\n"
    "      deny: [\"group:ab-_cd==\"]\n";

/*
 * A thread (or forum post) is read by whoever reads its parent channel:
 * a deny of the parent holds against its threads.
 */
static void
test_discord_thread(void **state)
{
	struct config		*cfg = load(chat_yaml);
	const struct channel	*dc = &cfg->channels[channel_lookup("discord")];
	struct identity_set	*set = malloc(sizeof(*set));
	struct verdict		 v;
	json_t			*facts;
	const char		*cause = NULL;

	(void)state;
	facts = json_loads("{\"id\":\"700000000000000200\",\"type\":11,"
	    "\"guild_id\":\"9\",\"parent_id\":\"700000000000000100\"}", 0,
	    NULL);
	assert_int_equal(dc->driver->resolve(cfg, dc,
	    "channel:700000000000000200", facts, set, &cause), 0);
	policy_outbound_identities(cfg, dc, set, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_string_equal(v.rule, "channel:700000000000000100");
	json_decref(facts);
	/* Another guild channel is its own identity. */
	facts = json_loads("{\"id\":\"700000000000000300\",\"type\":0,"
	    "\"guild_id\":\"9\",\"parent_id\":\"700000000000000100\"}", 0,
	    NULL);
	assert_int_equal(dc->driver->resolve(cfg, dc,
	    "channel:700000000000000300", facts, set, &cause), 0);
	policy_outbound_identities(cfg, dc, set, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	json_decref(facts);
	free(set);
	config_free(cfg);
}

/*
 * A Signal group id is base64 in either alphabet: "ab-_cd==" and
 * "ab+/cd==" are the same group, and a deny of one spelling holds
 * against the other.
 */
static void
test_group_alphabet(void **state)
{
	struct config		*cfg = load(chat_yaml);
	const struct channel	*sg = &cfg->channels[channel_lookup("signal")];
	struct identity_set	*set = malloc(sizeof(*set));
	struct verdict		 v;
	json_t			*facts;
	const char		*cause = NULL;

	(void)state;
	facts = json_loads("{\"id\":\"ab+/cd==\",\"members\":"
	    "[{\"number\":\"+14155550100\"}]}", 0, NULL);
	assert_int_equal(sg->driver->resolve(cfg, sg, "group:ab+/cd==",
	    facts, set, &cause), 0);
	policy_outbound_identities(cfg, sg, set, &v);
	assert_int_equal(v.kind, VERDICT_DENY);
	assert_int_equal(policy_match(cfg, sg->id, &sg->outbound_deny,
	    "group:ab+/cd==", NULL), 1);
	json_decref(facts);
	free(set);
	config_free(cfg);
}

/*
 * A member the daemon lists without a number (number privacy) may be
 * the person a deny entry names: in open mode the group cannot be
 * checked member by member, so it is refused unless the owner allowed
 * the group as a whole.
 */
static void
test_group_hidden_member(void **state)
{
	struct config		*cfg = load(
	    "version: 1\n"
	    "state_dir: /tmp\n"
	    "clients: [ { name: a, users: [root], channels: [signal] } ]\n"
	    "channels:\n"
	    "  signal:\n"
	    "    daemon_socket: /run/s.sock\n"
	    "    account: \"+14155550199\"\n"
	    "    outbound:\n"
	    "      mode: open\n"
	    "      allow: [\"group:T2s=\"]\n"
	    "      deny: [\"+14155550142\"]\n");
	const struct channel	*sg = &cfg->channels[channel_lookup("signal")];
	struct identity_set	*set = malloc(sizeof(*set));
	struct verdict		 v;
	json_t			*facts;
	const char		*cause = NULL;
	int			 r;

	(void)state;
	facts = json_loads("{\"id\":\"SGlk\",\"members\":"
	    "[{\"number\":\"+14155550100\"},{\"uuid\":\"0a1b\"}]}", 0, NULL);
	r = sg->driver->resolve(cfg, sg, "group:SGlk", facts, set, &cause);
	if (r == 0) {
		policy_outbound_identities(cfg, sg, set, &v);
		assert_int_equal(v.kind, VERDICT_DENY);
	}
	json_decref(facts);
	/* The same member list omitted entirely. */
	facts = json_loads("{\"id\":\"SGlk\"}", 0, NULL);
	r = sg->driver->resolve(cfg, sg, "group:SGlk", facts, set, &cause);
	if (r == 0) {
		policy_outbound_identities(cfg, sg, set, &v);
		assert_int_equal(v.kind, VERDICT_DENY);
	}
	json_decref(facts);
	/* A group the owner allowed as a whole still goes. */
	facts = json_loads("{\"id\":\"T2s=\",\"members\":"
	    "[{\"uuid\":\"0a1b\"}]}", 0, NULL);
	assert_int_equal(sg->driver->resolve(cfg, sg, "group:T2s=", facts,
	    set, &cause), 0);
	policy_outbound_identities(cfg, sg, set, &v);
	assert_int_equal(v.kind, VERDICT_ALLOW);
	json_decref(facts);
	free(set);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_match_both_sides),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_imsg_resolve),
		cmocka_unit_test(test_decide_set),
		cmocka_unit_test(test_discord_thread),
		cmocka_unit_test(test_group_alphabet),
		cmocka_unit_test(test_group_hidden_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
