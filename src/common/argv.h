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
};

/* Empty the command line. */
void	 tool_argv_reset(struct tool_argv *);
/* Append one argument (fatal past TOOL_ARGV_MAX: a template bug). */
void	 tool_argv_add(struct tool_argv *, const char *);

#endif /* CARAPACE_ARGV_H */
