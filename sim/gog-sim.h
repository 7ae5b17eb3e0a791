/*
 * The simulated gog's parts (gog-sim.c: the mailbox, the reading
 * commands and main; gog-sim-args.c: the command line; gog-sim-out.c:
 * Go's JSON and tabwriter output; gog-sim-send.c: send and drafts),
 * written from gogcli's source as gog-sim.c says.  Private to sim/.
 */
#ifndef CARAPACE_SIM_GOG_SIM_H
#define CARAPACE_SIM_GOG_SIM_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define SIM_VERSION	"v0.9.0-sim"

/* Exit codes (gog-sim.c says which gog they follow). */
#define EXIT_OK		0
#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define EXIT_NOT_FOUND	5
#define EXIT_CONFIG	10

#define ATTACH_MAX	8
#define ARGS_MAX	64

enum command {
	CMD_NONE = 0,
	CMD_VERSION,
	CMD_HELP,
	CMD_SEARCH,		/* gmail search <query...> */
	CMD_MESSAGES_SEARCH,	/* gmail messages search <query...> */
	CMD_GET,		/* gmail get <messageId> */
	CMD_THREAD_GET,		/* gmail thread get <threadId> */
	CMD_LABELS_LIST,	/* gmail labels list */
	CMD_DRAFTS_LIST,
	CMD_DRAFTS_GET,
	CMD_DRAFTS_CREATE,
	CMD_DRAFTS_SEND,
	CMD_DRAFTS_DELETE,
	CMD_SEND		/* gmail send */
};

/* The parsed command line: kong's view of RootFlags and the command. */
struct args {
	enum command	 cmd;
	const char	*account;	/* --account or GOG_ACCOUNT */
	int		 json;		/* --json or GOG_JSON */
	int		 plain;		/* --plain or GOG_PLAIN */
	int		 no_input;
	int		 force;
	int		 verbose;
	const char	*color;
	const char	*positional[ARGS_MAX];
	size_t		 npositional;
	long long	 max;		/* -1: the command's default */
	const char	*page;
	const char	*format;
	const char	*headers;
	const char	*to, *cc, *bcc, *subject, *body, *body_html;
	const char	*body_file, *body_html_file;
	const char	*reply_to_message_id, *thread_id, *reply_to;
	const char	*from;
	const char	*out_dir;
	const char	*attach[ATTACH_MAX];
	size_t		 nattach;
	int		 include_body;
	int		 reply_all;
	int		 download;
	char		 query[8192];	/* positional words joined */
};

struct sim {
	struct args	 a;
	char		 dir[PATH_MAX];
	json_t		*messages;
	json_t		*labels;
	json_t		*drafts;
};

int	 parse_args(int, char **, struct args *, char *, size_t);
void	 print_json(json_t *, json_t *);
void	 print_table(json_t *, int);
int	 fail(int, const char *, const char *);
const char *str(json_t *, const char *);
const char *header_value(json_t *, const char *);
char	*b64url_encode(const char *, size_t);
json_t	*find_message(struct sim *, const char *);
json_t	*find_draft(struct sim *, const char *, size_t *);
unsigned long	 next_serial(struct sim *);
void	 spool(struct sim *, json_t *);
void	 pause_knob(struct sim *);
void	 save(struct sim *, const char *, json_t *);
long long	 internal_date(json_t *);
char	*read_all(int);
int	 cmd_send(struct sim *);
int	 cmd_drafts_create(struct sim *);
int	 cmd_drafts_send(struct sim *, int);

#endif /* CARAPACE_SIM_GOG_SIM_H */
