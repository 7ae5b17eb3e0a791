/*
 * libFuzzer target for address normalisation and list matching.  The
 * first input byte picks the region, the rest is the address (up to its
 * first NUL, as a C string arrives).  Checked properties:
 *
 *	- a normalised address is in normal form: normalising it again,
 *	  with no region, gives the same string and kind (policy_match
 *	  and policy_outbound rely on this);
 *	- it fits ADDR_MAX and is printable ASCII;
 *	- matching it against a fixed list never fails open on a failed
 *	  normalisation, and the input used as a list entry is matched
 *	  against fixed normalised addresses without harm.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "chan-discord.h"
#include "chan-gmail.h"
#include "chan-imsg.h"
#include "chan-signal.h"
#include "channel.h"
#include "conf.h"
#include "policy.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 setup(void);

static const char *const regions[] = {
	NULL, "", "US", "CA", "GB", "DE", "FR", "NL", "ES", "IT", "AU", "IN",
	"JP", "CH", "AT", "BE", "IE", "NZ", "SE", "us", "XX", "U"
};

static char list_text[][24] = {
	"+14155550100", "+1 (415) 555-0199", "+4420*", "+49*",
	"*@example.com", "Alice@Example.COM", "chat:42", "group:abc",
	"bob", "carol", "not an address", "*@", "+*", "*"
};
#define NLIST	(sizeof(list_text) / sizeof(list_text[0]))
static char bob[] = "bob", bob_imsg[] = "+1 415 555 0123";
static char carol[] = "carol", carol_signal[] = "carol@example.org";

static const char *const fixed[] = {
	"+14155550100", "+442079460958", "alice@example.com", "chat:42",
	"group:abc", "+4915112345678"
};

static struct config	cfg;
static struct contact	contacts[2];
static struct strlist	list;
static char		*list_items[NLIST];

static void
setup(void)
{
	size_t	i;

	memset(&cfg, 0, sizeof(cfg));
	contacts[0].name = bob;
	contacts[0].address[channel_lookup("imsg")] = bob_imsg;
	contacts[1].name = carol;
	contacts[1].address[channel_lookup("signal")] = carol_signal;
	cfg.contacts = contacts;
	cfg.ncontacts = 2;
	(void)strlcpy(cfg.channels[channel_lookup("imsg")].region, "US",
	    sizeof(cfg.channels[channel_lookup("imsg")].region));
	(void)strlcpy(cfg.channels[channel_lookup("signal")].region, "GB",
	    sizeof(cfg.channels[channel_lookup("signal")].region));
	for (i = 0; i < NLIST; i++)
		list_items[i] = list_text[i];
	list.items = list_items;
	list.count = NLIST;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	char			*in, out[ADDR_MAX], again[ADDR_MAX];
	const char		*region, *cause, *which;
	struct strlist		 one;
	enum addr_kind		 kind, kind2;
	size_t			 i;
	int			 rc;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size == 0)
		return 0;
	region = regions[data[0] % (sizeof(regions) / sizeof(regions[0]))];
	if ((in = malloc(size)) == NULL)
		abort();
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';

	cause = NULL;
	memset(out, 'x', sizeof(out));
	rc = addr_normalize(in, region, out, sizeof(out), &kind, &cause);
	if (rc == -1) {
		if (cause == NULL || out[0] != '\0')
			abort();
	} else {
		if (rc != 0 || kind < ADDR_PHONE || kind > ADDR_USER ||
		    strnlen(out, sizeof(out)) >= sizeof(out) || out[0] == '\0')
			abort();
		for (i = 0; out[i] != '\0'; i++)
			if ((unsigned char)out[i] <= ' ' ||
			    (unsigned char)out[i] >= 0x7f)
				abort();
		if (addr_normalize(out, NULL, again, sizeof(again), &kind2,
		    NULL) != 0 || strcmp(out, again) != 0 || kind != kind2)
			abort();
		for (i = 0; i < CHANNEL_MAX; i++) {
			rc = policy_match(&cfg, i, &list, out,
			    &which);
			if (rc == 1 && which == NULL)
				abort();
		}
	}
	/* Whatever was given never matches as a normalised address ... */
	if (policy_match(&cfg, channel_lookup("imsg"), &list, in, NULL) == 1 &&
	    (addr_normalize(in, NULL, again, sizeof(again), NULL, NULL) != 0 ||
	    strcmp(in, again) != 0))
		abort();
	/* ... and as a list entry it is matched against known addresses. */
	one.items = &in;
	one.count = 1;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		(void)policy_match(&cfg, channel_lookup("imsg"), &one, fixed[i], &which);
	(void)addr_resolve(&cfg, channel_lookup("imsg"), in, out, sizeof(out), &kind,
	    &cause);
	free(in);
	return 0;
}
