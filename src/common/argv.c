/*
 * Building a tool's command line (argv.h).
 */
#include "config.h"

#include <stddef.h>

#include "compat.h"
#include "argv.h"
#include "log.h"

void
tool_argv_reset(struct tool_argv *a)
{
	a->n = 0;
	a->v[0] = NULL;
}

void
tool_argv_add(struct tool_argv *a, const char *s)
{
	if (a->n >= TOOL_ARGV_MAX)
		fatalx("argv template overflow");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}
