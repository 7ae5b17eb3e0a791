/*
 * The gateway configuration (carapace.yaml): its in-memory form and the
 * loader.  doc/carapace.yaml.5 documents every key.  The loader rejects
 * unknown keys, wrong types and bad values with file:line:column, and a
 * configuration that loaded without errors is the only kind a program
 * may act on (fail closed).
 */
#ifndef CARAPACE_CONF_H
#define CARAPACE_CONF_H

#include <sys/types.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Room for channels: a channel's id is its place in channel_drivers[]
 * (src/channel/channels.c), which holds at most CHANNEL_MAX.
 */
#define CHANNEL_MAX	8

struct channel_driver;

enum audit_sink {
	AUDIT_SINK_JOURNALD = 0,
	AUDIT_SINK_SYSLOG,
	AUDIT_SINK_STDERR
};

enum outbound_mode {
	OUTBOUND_ALLOWLIST = 0,	/* not allowed → refused */
	OUTBOUND_APPROVAL,	/* not allowed → held for the owner */
	OUTBOUND_OPEN		/* anything not denied */
};

enum inbound_mode {
	INBOUND_ALLOWLIST = 0,
	INBOUND_OPEN
};

enum limit_scope {
	LIMIT_PER_RECIPIENT = 0,
	LIMIT_PER_CHANNEL,
	LIMIT_PER_CLIENT
};

enum rule_action {
	RULE_BLOCK = 0,
	RULE_HOLD
};

/* Built-in content detectors (bit flags). */
#define DETECT_PRIVATE_KEY	0x01
#define DETECT_AWS_KEY		0x02
#define DETECT_GITHUB_TOKEN	0x04
#define DETECT_SLACK_TOKEN	0x08
#define DETECT_JWT		0x10
#define DETECT_CREDIT_CARD	0x20

/* Inbound scrubbers (bit flags). */
#define SCRUB_OTP		0x01
#define SCRUB_AUTH_LINKS	0x02

struct strlist {
	char		**items;
	size_t		  count;
};

struct limit {
	enum limit_scope  per;
	unsigned int	  max;		/* 1 .. LIMIT_MAX_COUNT */
	uint64_t	  window_ms;	/* > 0 */
};
#define LIMIT_MAX_COUNT	10000

struct client {
	char		*name;
	struct strlist	 users;		/* names or decimal uids */
	struct strlist	 groups;	/* names or decimal gids */
	unsigned int	 channels;	/* bit (1 << channel id) */

	/* What the client may spend (clients[].limits). */
	uint64_t	 max_requests;	/* requests per requests_window */
	uint64_t	 requests_window_ms;
	uint64_t	 max_holds;	/* holds kept for the owner */
	uint64_t	 max_hold_bytes;	/* their records and attachments */
	uint64_t	 max_subscriptions;	/* open at once, all connections */
};

struct contact {
	char		*name;
	char		*address[CHANNEL_MAX];	/* NULL where not given */
};

/*
 * mail_domains: how one domain spells its mailboxes, so that every
 * spelling of one mailbox compares as one identity (policy/identity.c).
 */
struct mail_domain {
	char		*domain;	/* lower case, as given */
	int		 tags;		/* "+tag" cut from the local part */
	int		 dots;		/* '.' dropped from the local part */
	char		*alias_of;	/* the domain whose mailboxes these
					   are (its rules apply), or NULL */
};

struct content_rule {
	char		*name;
	unsigned int	 detect;	/* DETECT_* */
	char		*pattern;	/* POSIX extended regex or NULL */
	int		 icase;		/* default 1 */
	regex_t		 regex;		/* compiled when pattern != NULL */
	enum rule_action action;
};

/*
 * owner: the owner's own identities, and approvals by reply through
 * the channels in approvals (each needs an identity, distinct from the
 * account the gateway uses on that channel).
 */
enum owner_expiry {
	OWNER_EXPIRY_DROP = 0,	/* an expired code's hold is dropped */
	OWNER_EXPIRY_KEEP	/* kept for carapacectl */
};

struct owner {
	char		*identity[CHANNEL_MAX];	/* normalised; NULL: none */
	unsigned int	 approvals;	/* bit per channel id: notices go
					   out and replies are read there */
	uint64_t	 expire_ms;	/* a reply code's life (30m) */
	int		 on_expiry;	/* enum owner_expiry */
	unsigned int	 notice_max;	/* notices per notice_window */
	uint64_t	 notice_window_ms;
	int		 desktop;	/* also notify-send / osascript */
};

struct channel {
	int		  configured;	/* present in the file */
	int		  id;		/* index in channel_drivers[] */
	const struct channel_driver *driver;
	void		 *opts;		/* the driver's own keys */
	char		 *tool;		/* absolute path of the real tool */
	uint64_t	  timeout_ms;	/* default 30000 */
	char		  region[3];	/* ISO 3166 alpha-2, default "US" */
	uint64_t	  max_output;	/* bytes captured from the tool */
	uint64_t	  max_attachment;/* bytes per attachment */
	uint64_t	  poll_ms;	/* polling watchers; 0: adapter's */

	enum outbound_mode outbound_mode;
	struct strlist	  outbound_allow;
	struct strlist	  outbound_deny;

	enum inbound_mode inbound_mode;
	struct strlist	  inbound_allow;
	unsigned int	  scrub;	/* SCRUB_* */
	int		  from_me;	/* show the owner's own messages */
	uint64_t	  keep_messages;/* inbox retention by count (0: none) */
	uint64_t	  keep_for_ms;	/* inbox retention by age (0: none) */
	struct strlist	  hide_labels;	/* gmail: messages with these hidden */
	int		  require_auth;	/* gmail: a driver's inbound key */

	struct limit	 *limits;
	size_t		  nlimits;
};

struct config {
	char		*path;
	int		 version;	/* must be 1 */
	char		*state_dir;
	uint64_t	 map_size;	/* LMDB map size, bytes */
	uint64_t	 map_reserve;	/* kept for refusals and carapacectl */
	uint64_t	 spool_max;	/* all holds together, bytes */
	size_t		 max_line;	/* protocol line limit, bytes */
	uint64_t	 handler_timeout_ms; /* whole-connection deadline */

	enum audit_sink	 audit_sink;
	char		*audit_socket;	/* NULL: the sink's default path */
	char		*audit_ident;	/* syslog ident, default "carapace" */
	int		 audit_facility;/* syslog facility, default LOG_AUTHPRIV */
	int		 audit_sync;	/* delivery records on disk before the tool */

	struct client	*clients;
	size_t		 nclients;

	struct contact	*contacts;
	size_t		 ncontacts;

	struct mail_domain *mail_domains;	/* besides the built-in */
	size_t		 nmail_domains;

	struct channel	 channels[CHANNEL_MAX];

	struct owner	 owner;

	size_t		 content_max_length;	/* default 4000 */
	struct content_rule *rules;
	size_t		 nrules;
};

/*
 * The schema as data: each mapping of the file is a table of keys, read
 * by one table-driven reader (config.c) into a struct at base + offset
 * (a channel driver's keys into its options, struct channel's opts, or
 * into struct channel itself with CONF_KEY_COMMON).  Numbers, names and
 * flags are stored by the field's size (CONF_FIELD sets it; 0 means the
 * type's own: uint64_t, or int for CONF_NAME and CONF_BOOL, unsigned
 * int for CONF_FLAGS); a table's max must fit its field.  Defaults come
 * from the tables too: before the file is read every key gets its
 * default (default_value, or default_string for the string types).
 */
enum conf_type {
	CONF_STRING = 0,	/* char *, any non-empty string (and check) */
	CONF_PATH,		/* char *, an absolute path */
	CONF_DURATION,		/* milliseconds, min..max ("30s") */
	CONF_NAME,		/* one of names: its index, or values[index] */
	CONF_SIZE,		/* bytes, min..max ("64M") */
	CONF_UINT,		/* a decimal integer, min..max */
	CONF_BOOL,		/* true (1) or false (0) */
	CONF_FLAGS,		/* a list of names: their values or-ed */
	CONF_CHARS,		/* char[size], a string (check bounds it) */
	CONF_LIST,		/* struct strlist of strings (check each) */
	CONF_MAPPING,		/* keys[], read into the same base */
	CONF_CALL		/* read by read(): lists of structured values */
};

#define CONF_KEY_COMMON		0x01	/* offset is into struct channel */
#define CONF_KEY_REQUIRED	0x02	/* missing: "missing required key" */
#define CONF_KEY_SCALAR		0x04	/* CONF_FLAGS: one name alone too */

/* Where a key's value goes: a field of the struct the table reads. */
#define CONF_FIELD(type, field)						\
	.offset = offsetof(type, field),				\
	.size = sizeof(((type *)0)->field)

struct conf_parse;
struct conf_report;

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;
	size_t		 size;		/* of the field; 0: the type's own */
	int		 flags;		/* CONF_KEY_* */
	uint64_t	 min, max;	/* CONF_UINT, _SIZE, _DURATION */
	uint64_t	 default_value;	/* as stored (a name's index, value) */
	const char	*default_string;/* CONF_STRING, CONF_CHARS */
	const char *const *names;	/* CONF_NAME, CONF_FLAGS; NULL-ended */
	const unsigned int *values;	/* stored for names[i]; NULL: i */
	/*
	 * CONF_STRING, CONF_CHARS and each CONF_LIST entry: NULL if the
	 * value is acceptable, else what was expected; the error reads
	 * "bad NOUN "value" (expected)".
	 */
	const char	*(*check)(const char *value);
	const char	*noun;
	/*
	 * CONF_MAPPING: its keys, and an optional check across them once
	 * the mapping is read (as a channel driver's check).
	 */
	const struct conf_key *keys;
	size_t		 nkeys;
	void		(*check_mapping)(void *base, struct conf_report *);
	/* CONF_CALL: reads (and must consume) the value; key is this entry. */
	void		(*read)(struct conf_parse *, void *base,
			    const struct conf_key *key);
};

/* Where a driver's check reports problems (conf_problem). */
void		 conf_problem(struct conf_report *, const char *fmt, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
/*
 * Did the block being checked name the key (whether or not its value
 * was good: a bad value has been reported already)?  1 or 0.
 */
int		 conf_key_seen(const struct conf_report *, const char *name);

/* One problem found in a configuration file. */
struct config_error {
	char		*message;	/* "file:line:col: text" */
};

struct config_errors {
	struct config_error *items;
	size_t		 count;
};

/*
 * Load and validate the file at path.  Returns 0 and sets *out on
 * success.  Returns -1 when the file has any problem; every problem
 * found is appended to errs (each as "file:line:column: message"; the
 * caller frees them with config_errors_free), and *out is left NULL.
 * check_perms != 0 also refuses a file that is group or world writable
 * or not a regular file.
 */
int		 config_load(const char *path, int check_perms,
		    struct config **out, struct config_errors *errs);
void		 config_free(struct config *);
void		 config_errors_free(struct config_errors *);

/*
 * The path a program should read: the -c argument if given, else
 * $CARAPACE_CONFIG if set and non-empty, else CARAPACE_DEFAULT_CONFIG.
 */
const char	*config_path(const char *arg);

/* Names (conf-names.c).  Each returns 1 if s is one, else 0. */
/* A contact alias: a letter, then letters, digits, '_', '-' or '.'. */
int		 conf_valid_alias(const char *s);
/* Would policy read this list entry as a contact alias (not an address)? */
int		 conf_looks_like_alias(const char *s);
/* A user or group name, or a decimal id below 2^32 - 1. */
int		 conf_valid_account_name(const char *s);

/* Returns the contact with that alias, or NULL. */
const struct contact *config_contact(const struct config *, const char *name);

#endif /* CARAPACE_CONF_H */
