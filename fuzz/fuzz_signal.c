/*
 * libFuzzer target for what the Signal watcher reads from the signal-cli
 * daemon: one line of the daemon's stream through the watcher's parser,
 * then, for a message, the Signal inbound decision and scrubbing.
 * Checked properties:
 *
 *	- parse returns 1 only with a message that has an envelope object,
 *	  and never a message otherwise;
 *	- the schema filter (inbound_scrub) succeeds on any message, and
 *	  running it again on its own output (the inbox filters stored
 *	  messages once more when it serves them) does not change whether
 *	  it is visible (scrub_text is not idempotent, so only the
 *	  decision is compared).  A first pass may hide a visible message
 *	  whose address is not id-shaped (fail-closed); every caller
 *	  decides visibility before filtering, so a hidden message is
 *	  never filtered and then shown.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "chan-discord.h"
#include "chan-gmail.h"
#include "chan-imsg.h"
#include "chan-signal.h"
#include "channel.h"
#include "conf.h"
#include "log.h"
#include "policy.h"
#include "watch.h"

extern const struct watch_adapter signal_watch_adapter;

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 allow0[] = "+14155550100", allow1[] = "group:abc=";
static char	*allow_items[] = { allow0, allow1 };
static struct config	cfg;
static struct signal_opts opts;

static void
setup(void)
{
	struct channel	*ch = &cfg.channels[channel_lookup("signal")];

	memset(&cfg, 0, sizeof(cfg));
	ch->configured = 1;
	ch->id = channel_lookup("signal");
	ch->driver = &signal_driver;
	ch->opts = &opts;
	memcpy(ch->region, "US", 3);
	ch->inbound_mode = INBOUND_ALLOWLIST;
	ch->inbound_allow.items = allow_items;
	ch->inbound_allow.count = 2;
	ch->scrub = SCRUB_OTP | SCRUB_AUTH_LINKS;
	ch->from_me = 1;
	log_init("fuzz_signal", LOG_TO_STDERR, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	struct channel	*ch = &cfg.channels[channel_lookup("signal")];
	json_t		*msg = NULL, *again;
	uint64_t	 pos = 0;
	int		 r, before;

	if (!ready) {
		setup();
		ready = 1;
	}
	r = signal_watch_adapter.parse((const char *)data, size, &msg, &pos);
	if (r != 1) {
		if (msg != NULL)
			abort();
		return 0;
	}
	if (!json_is_object(json_object_get(msg, "envelope")))
		abort();
	if (inbound_scrub(ch, msg) != 0)
		abort();
	before = inbound_message_visible(&cfg, ch, msg);
	if ((again = json_deep_copy(msg)) == NULL)
		abort();
	if (inbound_scrub(ch, again) != 0 ||
	    inbound_message_visible(&cfg, ch, again) != before)
		abort();
	json_decref(again);
	(void)inbound_sender(ch, msg);
	json_decref(msg);
	return 0;
}
