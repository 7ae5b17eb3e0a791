/*
 * Inbound policy for messages shaped as imsg prints them (chat_id,
 * chat_identifier, is_group, is_from_me, sender, text): one decision
 * used on every path an agent can read, the live stream (watcher), the
 * inbox (handler) and history and chat lists (adapter).  Messages of
 * the other channels are handed to their own decisions (Signal, Gmail,
 * Discord), so inbound_message_visible and inbound_scrub are the one
 * entry point for every channel.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "discord-policy.h"
#include "policy.h"

int
inbound_chat_visible(const struct config *cfg, const struct channel *ch,
    long long chat_id, const char *identifier, int is_group, int *explicit)
{
	char		 want[64], norm[ADDR_MAX];
	enum addr_kind	 kind;

	*explicit = 0;
	if (ch->inbound_mode == INBOUND_OPEN) {
		*explicit = 1;
		return 1;
	}
	(void)snprintf(want, sizeof(want), "chat:%lld", chat_id);
	if (policy_match(cfg, ch->id, &ch->inbound_allow, want, NULL)) {
		*explicit = 1;
		return 1;
	}
	/* A group is visible only when named: its members are many. */
	if (is_group || identifier == NULL)
		return 0;
	if (addr_normalize(identifier, ch->region, norm, sizeof(norm),
	    &kind, NULL) == -1)
		return 0;
	return policy_inbound_visible(cfg, ch, norm);
}

int
inbound_message_visible(const struct config *cfg, const struct channel *ch,
    json_t *m)
{
	json_t		*chat = json_object_get(m, "chat_id");
	const char	*sender;
	char		 norm[ADDR_MAX];
	enum addr_kind	 kind;
	int		 explicit, from_me;

	switch (ch->id) {
	case CHANNEL_SIGNAL:
		return inbound_signal_visible(cfg, ch, m);
	case CHANNEL_GMAIL:
		return gmail_message_visible(cfg, ch, m);
	case CHANNEL_DISCORD:
		return discord_message_visible(cfg, ch, m);
	default:
		break;
	}
	if (!json_is_integer(chat) || !inbound_chat_visible(cfg, ch,
	    (long long)json_integer_value(chat),
	    json_string_value(json_object_get(m, "chat_identifier")),
	    json_is_true(json_object_get(m, "is_group")), &explicit))
		return 0;
	from_me = json_is_true(json_object_get(m, "is_from_me"));
	if (from_me)
		return ch->from_me;
	if (explicit)
		return 1;
	sender = json_string_value(json_object_get(m, "sender"));
	if (sender == NULL || addr_normalize(sender, ch->region, norm,
	    sizeof(norm), &kind, NULL) == -1)
		return 0;
	return policy_inbound_visible(cfg, ch, norm);
}

int
inbound_scrub(const struct channel *ch, json_t *m)
{
	json_t	*text = json_object_get(m, "text");
	char	*scrubbed;
	int	 changed = 0;

	switch (ch->id) {
	case CHANNEL_SIGNAL:
		return inbound_signal_scrub(ch, m);
	case CHANNEL_GMAIL:
		return gmail_message_scrub(ch, m);
	case CHANNEL_DISCORD:
		return discord_scrub(ch, m);
	default:
		break;
	}
	if (ch->scrub == 0 || !json_is_string(text))
		return 0;
	if ((scrubbed = scrub_text(ch->scrub, json_string_value(text),
	    &changed)) == NULL)
		return -1;
	if (changed)
		json_object_set_new(m, "text", json_string(scrubbed));
	free(scrubbed);
	return 0;
}
