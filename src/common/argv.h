/*
 * A tool's command line (argv.c): a bounded list of fixed strings and
 * values, built by the channel drivers and adapters and handed to
 * posix_spawn; never a shell.
 */
#ifndef CARAPACE_ARGV_H
#define CARAPACE_ARGV_H

#include <stddef.h>

/* A tool's command line: fixed strings and values, never a shell. */
#define TOOL_ARGV_MAX	64

struct tool_argv {
	const char	*v[TOOL_ARGV_MAX + 1];
	size_t		 n;
	char		 num[2][32];	/* storage for numeric arguments */
	char		*owned[TOOL_ARGV_MAX];	/* tool_argv_addf's */
	size_t		 nowned;
};

/*
 * Empty the command line.  Forgets, without freeing, what
 * tool_argv_addf made: tool_argv_free a command line that may hold any
 * before it is reset.
 */
void	 tool_argv_reset(struct tool_argv *);
/* Append one argument (fatal past TOOL_ARGV_MAX: a template bug). */
void	 tool_argv_add(struct tool_argv *, const char *);
/*
 * Append one argument made printf-style (e.g. "--page=%s"), owned by
 * the command line until tool_argv_free.  Returns 0, or -1 when out of
 * memory (nothing appended).
 */
int	 tool_argv_addf(struct tool_argv *, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
/* Free what tool_argv_addf made and empty the command line. */
void	 tool_argv_free(struct tool_argv *);

#endif /* CARAPACE_ARGV_H */
