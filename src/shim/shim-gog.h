/*
 * The gog command line (gogcli's Gmail part, TOOLS.md) shared by the gog
 * shim and the simulated gog: one parser with the real tool's rules, a
 * JSON printer that writes what Go's encoder writes (2-space indent,
 * <, > and & escaped), and gog's tab-separated tables.
 */
#ifndef CARAPACE_SHIM_GOG_H
#define CARAPACE_SHIM_GOG_H

#include <stdio.h>

#include <jansson.h>

/* gog's exit codes. */
#define GOG_EXIT_OK		0
#define GOG_EXIT_ERROR		1
#define GOG_EXIT_USAGE		2
#define GOG_EXIT_EMPTY		3
#define GOG_EXIT_AUTH		4
#define GOG_EXIT_NOT_FOUND	5
#define GOG_EXIT_PERMISSION	6
#define GOG_EXIT_RATE_LIMITED	7
#define GOG_EXIT_RETRYABLE	8
#define GOG_EXIT_CONFIG		10

#define GOG_ATTACH_MAX		8
#define GOG_ARGS_MAX		64

enum gog_command {
	GOG_NONE = 0,
	GOG_VERSION,
	GOG_HELP,
	GOG_SEARCH,		/* gmail search <query...> */
	GOG_MESSAGES_SEARCH,	/* gmail messages search <query...> */
	GOG_GET,		/* gmail get <messageId> */
	GOG_THREAD_GET,		/* gmail thread get <threadId> */
	GOG_LABELS_LIST,	/* gmail labels list */
	GOG_DRAFTS_LIST,
	GOG_DRAFTS_GET,
	GOG_DRAFTS_CREATE,
	GOG_DRAFTS_SEND,
	GOG_DRAFTS_DELETE,
	GOG_SEND,		/* gmail send */
	GOG_WATCH_START,	/* gmail watch start */
	GOG_WATCH_STATUS,	/* gmail watch status, renew */
	GOG_WATCH_SERVE,	/* gmail watch serve */
	GOG_WATCH_STOP		/* gmail watch stop */
};

struct gog_args {
	enum gog_command	 cmd;
	const char		*account;	/* --account or GOG_ACCOUNT */
	int			 json;		/* --json or GOG_JSON */
	int			 plain;
	int			 no_input;
	int			 force;
	int			 verbose;
	const char		*positional[GOG_ARGS_MAX];
	size_t			 npositional;
	long long		 max;		/* -1: the command's default */
	const char		*page;
	const char		*format;
	const char		*headers;	/* get --headers */
	const char		*to, *cc, *bcc, *subject, *body, *body_file;
	const char		*body_html, *body_html_file;
	const char		*reply_to_message_id, *thread_id;
	const char		*reply_to;	/* the Reply-To header */
	const char		*from;
	int			 reply_all;
	const char		*attach[GOG_ATTACH_MAX];
	size_t			 nattach;
	int			 include_body;
	/* gmail watch start and serve (gmail_watch_cmds.go) */
	const char		*topic, *ttl;
	const char		*labels[GOG_ARGS_MAX];	/* --label, repeatable */
	size_t			 nlabels;
	const char		*hook_url, *hook_token, *max_bytes;
	const char		*bind, *port, *path, *token;
	const char		*oidc_email, *oidc_audience;
	int			 verify_oidc, save_hook;
	char			 query[8192];	/* positional words joined */
};

/*
 * Parse argv (argv[0] is the program) as gog does: global flags
 * anywhere before "--", "--flag value" and "--flag=value", "--" ends the
 * flags.  Returns 0, or GOG_EXIT_USAGE with a message in err.
 */
int	 gog_parse(int argc, char **argv, struct gog_args *, char *err,
	    size_t errlen);

/* Print v as Go's json encoder with a 2-space indent, and a newline. */
void	 gog_json_print(FILE *, json_t *v);
/* A deep copy of v whose objects have their keys sorted (Go maps). */
json_t	*gog_json_sorted(json_t *v);

/*
 * A table as gog prints it: with plain, cells joined by tabs; else
 * aligned like Go's tabwriter (padding 2, spaces).  rows is an array of
 * arrays of strings; the first is the header.
 */
void	 gog_table_print(FILE *, json_t *rows, int plain);

/* "2006-01-02 15:04" from an RFC 5322 date; the input if unparsable. */
void	 gog_format_date(const char *in, char *out, size_t outlen);

/* The value of a header in a Gmail API message, or "". */
const char *gog_header(json_t *msg, const char *name);
/* The best body text (text/plain, else text/html) decoded; malloc'd. */
char	*gog_best_body(json_t *payload);

/* The shim. */
int	 shim_gog_main(int argc, char **argv);

struct shim_reply;
/* gog's exit code for a gateway error (the mapping atop shim-gog.c). */
int	 gog_gateway_exit(const struct shim_reply *);

/*
 * The gog program (gog-watch.c): gmail watch start, status and renew
 * print the watch as gog does, the gateway's Gmail inbox standing for
 * Gmail's push, and stop is refused; gmail watch serve POSTs every new,
 * visible, scrubbed message of that inbox to --hook-url as gog's hook
 * payload, until a signal; every other command is shim_gog_main()'s.
 * Returns gog's exit code.
 */
int	 gog_main(int argc, char **argv);

#endif /* CARAPACE_SHIM_GOG_H */
