/*
 * The probe carapacectl doctor asks of a channel that runs a tool: its
 * command line from the driver, run with the usual confinement, and
 * the answer judged by its exit status and its JSON.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "address.h"
#include "channel.h"
#include "spawn.h"

/* What a probe keeps of a tool's answer. */
#define PROBE_MAX_OUTPUT	(64 * 1024)

/* The first line of s, at most len - 1 bytes of it, into buf. */
static void
probe_first_line(char *buf, size_t len, const char *prefix, const char *s)
{
	size_t	 n = strcspn(s, "\n");

	(void)snprintf(buf, len, "%s%.*s", prefix, (int)(n > 200 ? 200 : n),
	    s);
}

int
channel_probe_tool(const struct config *cfg, const struct channel *ch,
    const char *command, const char *const *args, char *answer, size_t len)
{
	struct tool_argv	 a;
	struct spawn_result	 res;
	json_t			*j;
	char			*dump;
	const char		*cause;
	size_t			 i;
	int			 r = -1;

	memset(&a, 0, sizeof(a));
	/* The driver's own hook: this file sits below channels.c. */
	cause = NULL;
	if (ch->driver->tool_argv == NULL ||
	    ch->driver->tool_argv(cfg, ch, command, &a, &cause) == -1) {
		(void)snprintf(answer, len, "%s", cause != NULL ? cause :
		    "the channel runs no tool");
		return -1;
	}
	for (i = 0; args != NULL && args[i] != NULL; i++)
		tool_argv_add(&a, args[i]);
	if (spawn_run(ch->tool, (char *const *)a.v, spawn_default_env(), -1,
	    ch->timeout_ms, PROBE_MAX_OUTPUT, &res) == -1) {
		(void)snprintf(answer, len, "cannot run %s: %s", ch->tool,
		    strerror(errno));
		tool_argv_free(&a);
		return -1;
	}
	tool_argv_free(&a);
	if (res.timed_out)
		(void)snprintf(answer, len, "no answer within %llu ms",
		    (unsigned long long)ch->timeout_ms);
	else if (!res.exited)
		(void)snprintf(answer, len, "killed by signal %d", res.status);
	else if (res.status != 0)
		probe_first_line(answer, len, "failed: ",
		    res.errlen > 0 ? res.err : res.out);
	else if ((j = json_loads(res.out, JSON_DISABLE_EOF_CHECK, NULL)) ==
	    NULL || !json_is_object(j)) {
		json_decref(j);
		probe_first_line(answer, len, "not a JSON answer: ", res.out);
	} else {
		dump = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		probe_first_line(answer, len, "", dump != NULL ? dump : "{}");
		free(dump);
		r = 0;
	}
	spawn_result_free(&res);
	return r;
}

int
channel_account(const struct channel *ch, const char *address, char *out,
    size_t outlen)
{
	enum addr_kind	 kind;

	if (address == NULL || addr_normalize(address, ch->region, out,
	    outlen, &kind, NULL) == -1)
		return 0;
	return 1;
}
