/*
 * Unit tests for the Discord policy helpers (src/channel/chan-discord.c):
 * snowflakes, the api_base check, allow-list targets, the inbound
 * decision on Discord message objects and scrubbing.
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
#include "chan-discord.h"
#include "chan-gmail.h"
#include "chan-imsg.h"
#include "chan-signal.h"
#include "channel.h"
#include "chan-discord.h"
#include "policy.h"

static struct config *
load(const char *yaml)
{
	struct config_errors	 errs = { NULL, 0 };
	struct config		*cfg = NULL;
	char			 path[] = "/tmp/test_discord.XXXXXX";
	int			 fd;
	size_t			 i;

	assert_int_not_equal(fd = mkstemp(path), -1);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	if (config_load(path, 0, &cfg, &errs) == -1) {
		for (i = 0; i < errs.count; i++)
			print_error("%s\n", errs.items[i].message);
		fail_msg("config did not load");
	}
	unlink(path);
	return cfg;
}

static const char base_yaml[] =
    "version: 1\n"
    "state_dir: /tmp\n"
    "clients: [ { name: a, users: [root], channels: [discord] } ]\n"
    "contacts:\n"
    "  alice: { discord: \"user:600000000000000001\" }\n"
    "  general: { discord: \"channel:700000000000000001\" }\n"
    "channels:\n"
    "  discord:\n"
    "    token_file: /etc/carapace/discord.token\n"
    "    api_base: http://127.0.0.1:8080/api/v10\n"
    "    outbound: { allow: [general, \"channel:700000000000000009\"] }\n"
    "    inbound:\n"
    "      allow: [general, alice, \"+14155550100\"]\n"
    "      scrub: [otp, auth_links]\n"
    "      from_me: hide\n";

static void
test_snowflakes(void **state)
{
	uint64_t	id;

	(void)state;
	assert_true(discord_snowflake("0", &id));
	assert_true(id == 0);
	assert_true(discord_snowflake("1575037165232979968", &id));
	assert_true(id == UINT64_C(1575037165232979968));
	assert_true(discord_snowflake("9223372036854775807", NULL));
	assert_false(discord_snowflake("9223372036854775808", NULL));
	assert_false(discord_snowflake("", NULL));
	assert_false(discord_snowflake(NULL, NULL));
	assert_false(discord_snowflake("-1", NULL));
	assert_false(discord_snowflake("01", NULL));
	assert_false(discord_snowflake("12a", NULL));
	assert_false(discord_snowflake("123456789012345678901", NULL));
	/* Time round trip: the id's milliseconds are the time's. */
	id = discord_snowflake_at(UINT64_C(1764000000123));
	assert_true(discord_snowflake_ms(id) == UINT64_C(1764000000123));
	assert_true(discord_snowflake_ms(id | 0x3fffff) ==
	    UINT64_C(1764000000123));
	assert_true(discord_snowflake_at(1000) == 0);
}

static void
test_api_base(void **state)
{
	static const char *const good[] = {
		"https://discord.com/api/v10", "https://discord.com",
		"http://127.0.0.1:8080/api/v10", "http://localhost/api",
		"http://127.0.0.1", "http://localhost:1",
	};
	static const char *const bad[] = {
		"http://discord.com/api", "http://127.0.0.1.evil.com/api",
		"http://localhost.evil.com", "http://127.0.0.1:/x",
		"http://127.0.0.1:123456/x", "https://", "https:///x",
		"ftp://127.0.0.1/", "https://user@discord.com/",
		"https://discord.com/api?x=1", "https://discord.com/ a",
		"http://localhost@evil.com/", "", "discord.com",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!discord_api_base_ok(good[i]))
			fail_msg("refused %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (discord_api_base_ok(bad[i]))
			fail_msg("accepted %s", bad[i]);
	assert_false(discord_api_base_ok(NULL));
}

static void
test_targets(void **state)
{
	struct config	*cfg = load(base_yaml);
	const struct channel *ch = &cfg->channels[channel_lookup("discord")];
	json_t		*chans, *users;

	(void)state;
	assert_string_equal(DISCORD_OPTS(ch)->api_base, "http://127.0.0.1:8080/api/v10");
	assert_non_null(ch->tool);
	assert_true(ch->tool[0] == '/');
	discord_list_targets(cfg, ch, &ch->inbound_allow, &chans, &users);
	assert_int_equal(json_array_size(chans), 1);
	assert_string_equal(json_string_value(json_array_get(chans, 0)),
	    "700000000000000001");
	assert_int_equal(json_array_size(users), 1);
	assert_string_equal(json_string_value(json_array_get(users, 0)),
	    "600000000000000001");
	json_decref(chans);
	json_decref(users);
	config_free(cfg);
}

static json_t *
msg(const char *channel, const char *author, int dm, int from_me,
    const char *content)
{
	json_t	*m = json_pack("{s:s,s:s,s:{s:s},s:s}", "id", "1",
	    "channel_id", channel, "author", "id", author, "content", content);

	if (dm) {
		json_object_set_new(m, "is_dm", json_true());
		json_object_set_new(m, "is_from_me", json_boolean(from_me));
	}
	return m;
}

static void
test_visible(void **state)
{
	struct config	*cfg = load(base_yaml);
	const struct channel *ch = &cfg->channels[channel_lookup("discord")];
	static const struct {
		const char	*channel, *author;
		int		 dm, from_me, visible;
	} cases[] = {
		/* A named channel: everyone in it. */
		{ "700000000000000001", "600000000000000002", 0, 0, 1 },
		{ "700000000000000001", "600000000000000001", 0, 0, 1 },
		/* Another channel, even with an allowed author. */
		{ "700000000000000002", "600000000000000001", 0, 0, 0 },
		/* Outbound-only channel: not readable. */
		{ "700000000000000009", "600000000000000002", 0, 0, 0 },
		/* A DM: the allowed user only; own messages per from_me. */
		{ "500000000000000001", "600000000000000001", 1, 0, 1 },
		{ "500000000000000002", "600000000000000002", 1, 0, 0 },
		{ "500000000000000001", "900000000000000001", 1, 1, 0 },
		/* Malformed ids hide the message. */
		{ "-1", "600000000000000001", 1, 0, 0 },
		{ "500000000000000001", "abc", 1, 0, 0 },
	};
	json_t	*m;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = msg(cases[i].channel, cases[i].author, cases[i].dm,
		    cases[i].from_me, "hi");
		if (discord_message_visible(cfg, ch, m) != cases[i].visible)
			fail_msg("case %zu: visible should be %d", i,
			    cases[i].visible);
		json_decref(m);
	}
	assert_true(discord_channel_visible(cfg, ch, "700000000000000001",
	    NULL));
	assert_false(discord_channel_visible(cfg, ch, "700000000000000002",
	    NULL));
	assert_true(discord_channel_visible(cfg, ch, "500000000000000001",
	    "600000000000000001"));
	assert_false(discord_channel_visible(cfg, ch, "500000000000000002",
	    "600000000000000002"));
	/* Not an object, no author: hidden. */
	m = json_pack("{s:s}", "channel_id", "700000000000000001");
	assert_false(discord_message_visible(cfg, ch, m));
	json_decref(m);
	config_free(cfg);
}

static void
test_scrub(void **state)
{
	struct config	*cfg = load(base_yaml);
	const struct channel *ch = &cfg->channels[channel_lookup("discord")];
	json_t		*m;
	char		*s;

	(void)state;
	m = msg("700000000000000001", "600000000000000002", 0, 0,
	    "Your verification code is 482913");
	json_object_set_new(m, "referenced_message", json_pack("{s:s}",
	    "content", "code: 112233"));
	json_object_set_new(m, "embeds", json_pack("[{s:s,s:s,s:s}]",
	    "title", "Sign-in code 556677", "description",
	    "reset at https://example.com/reset?token=abc",
	    "url", "https://example.com/login?token=xyz"));
	assert_int_equal(inbound_scrub(ch, m), 0);
	s = json_dumps(m, JSON_COMPACT);
	assert_null(strstr(s, "482913"));
	assert_null(strstr(s, "112233"));
	assert_null(strstr(s, "556677"));
	assert_null(strstr(s, "token=abc"));
	assert_null(strstr(s, "token=xyz"));
	assert_non_null(strstr(s, "Your verification code is"));
	free(s);
	json_decref(m);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snowflakes),
		cmocka_unit_test(test_api_base),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_scrub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
