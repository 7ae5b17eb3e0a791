/*
 * Reading a loaded configuration (conf.h): lookups that the policy
 * layer makes, below the loader (config.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "conf.h"
#include "protocol.h"

const char *
config_path(const char *arg)
{
	const char	*env;

	if (arg != NULL)
		return arg;
	if ((env = getenv("CARAPACE_CONFIG")) != NULL && *env != '\0')
		return env;
	return CARAPACE_DEFAULT_CONFIG;
}

const struct contact *
config_contact(const struct config *cf, const char *name)
{
	size_t	 i;

	if (cf == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cf->ncontacts; i++) {
		if (strcmp(cf->contacts[i].name, name) == 0)
			return &cf->contacts[i];
	}
	return NULL;
}
