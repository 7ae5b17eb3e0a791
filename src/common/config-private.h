/*
 * What the configuration loader's files share (config.c and the
 * readers of its sections, config-*.c), private to them: the units,
 * the loader's state and the readers other sections call.
 */
#ifndef CARAPACE_CONFIG_PRIVATE_H
#define CARAPACE_CONFIG_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "conf.h"
#include "conf-yaml.h"

#define KIB			1024ULL
#define MIB			(1024ULL * 1024)
#define GIB			(1024ULL * 1024 * 1024)
#define SECOND_MS		1000ULL
#define MINUTE_MS		(60 * SECOND_MS)
#define HOUR_MS			(60 * MINUTE_MS)
#define DAY_MS			(24 * HOUR_MS)

/* The LMDB map is mapped whole: at most what size_t can address. */
#define MAP_SIZE_MAX		(SIZE_MAX < 1024 * GIB ? \
				    (uint64_t)SIZE_MAX : 1024 * GIB)

#define NITEMS(a)		(sizeof(a) / sizeof((a)[0]))
#define BIT(k)			(1ULL << (k))

/*
 * An allow or deny entry that names a contact alias; checked once the
 * whole file (and so every contact) has been read.
 */
struct alias_ref {
	const char	*name;
	const char	*list;		/* "outbound.allow", ... */
	size_t		 index;
	int		 channel;
	yaml_mark_t	 mark;
};

/* The loader's state: the walker, and what the schema's checks need. */
struct conf_parse {
	struct conf_yaml y;
	struct config	*cf;

	/* Where each client, contact and rule was named (duplicates). */
	size_t		*client_lines;
	size_t		*contact_lines;
	size_t		*rule_lines;

	struct alias_ref *refs;
	size_t		 nrefs;

	/* The channels' names and bits, from channel_drivers[]. */
	const char	*chan_names[CHANNEL_MAX];
	unsigned int	 chan_bits[CHANNEL_MAX];
	int		 nchannels;

	/* owner: where each identity and the approvals list were given. */
	yaml_mark_t	 identity_marks[CHANNEL_MAX];
	yaml_mark_t	 approvals_mark;
	int		 approvals_seen;
};

/* owner: (config-owner.c). */
#define CONFIG_OWNER_NKEYS	2
extern const struct conf_key config_owner_keys[CONFIG_OWNER_NKEYS];
/* Checks that need every channel read: identities and approvals. */
void	 config_owner_check(struct conf_parse *);

#endif /* CARAPACE_CONFIG_PRIVATE_H */
