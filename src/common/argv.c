/*
 * Building a tool's command line (argv.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "compat.h"
#include "argv.h"
#include "log.h"

void
tool_argv_reset(struct tool_argv *a)
{
	a->n = 0;
	a->v[0] = NULL;
	a->nowned = 0;
}

void
tool_argv_add(struct tool_argv *a, const char *s)
{
	if (a->n >= TOOL_ARGV_MAX)
		fatalx("argv template overflow");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

int
tool_argv_addf(struct tool_argv *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 r;

	if (a->n >= TOOL_ARGV_MAX || a->nowned >= TOOL_ARGV_MAX)
		fatalx("argv template overflow");
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r == -1)
		return -1;
	a->owned[a->nowned++] = s;
	tool_argv_add(a, s);
	return 0;
}

void
tool_argv_free(struct tool_argv *a)
{
	size_t	 i;

	for (i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	tool_argv_reset(a);
}
