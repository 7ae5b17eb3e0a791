/*
 * libFuzzer target for the configuration loader: the input is written
 * to an anonymous memory file and config_load() reads it through
 * /proc/self/fd (no file on disk, nothing left behind).  A configuration
 * that loads is then used as the handler uses it: outbound decisions on
 * every channel and the content rules on a fixed text, so a pattern the
 * loader accepted is also executed.
 *
 * The loader's contract is checked: success returns a configuration
 * and no errors; failure returns none and at least one error.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "conf.h"
#include "policy.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 use_config(const struct config *);

static const char *const addresses[] = {
	"+14155550100", "bob@example.com", "chat:42", "group:abc"
};

static void
use_config(const struct config *cf)
{
	static const char	 text[] = "hello, the code is 123456";
	struct verdict		 v;
	size_t			 i, j;

	for (i = 0; i < CHANNEL_MAX; i++)
		for (j = 0; j < sizeof(addresses) / sizeof(addresses[0]);
		    j++) {
			policy_outbound(cf, &cf->channels[i], addresses[j], &v);
			if (v.kind != VERDICT_ALLOW && v.kind != VERDICT_DENY &&
			    v.kind != VERDICT_HOLD)
				abort();
			(void)policy_inbound_visible(cf, &cf->channels[i],
			    addresses[j]);
		}
	content_check(cf, text, sizeof(text) - 1, &v);
	if (v.kind != VERDICT_ALLOW && v.kind != VERDICT_DENY &&
	    v.kind != VERDICT_HOLD)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 fd = -1;
	static char		 path[64];
	struct config		*cf = NULL;
	struct config_errors	 errs;
	size_t			 i;
	int			 rc;

	if (fd == -1) {
		if ((fd = memfd_create("fuzz_config", MFD_CLOEXEC)) == -1)
			abort();
		(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();

	memset(&errs, 0, sizeof(errs));
	rc = config_load(path, 0, &cf, &errs);
	if (rc == 0) {
		if (cf == NULL || errs.count != 0)
			abort();
		use_config(cf);
		config_free(cf);
	} else {
		if (rc != -1 || cf != NULL || errs.count == 0)
			abort();
		for (i = 0; i < errs.count; i++)
			if (errs.items[i].message == NULL)
				abort();
	}
	config_errors_free(&errs);
	return 0;
}
