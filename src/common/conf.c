/*
 * Reading a loaded configuration (conf.h): lookups that the policy
 * layer makes, below the loader (config.c), and the content patterns
 * the loader was asked to leave for their first use.
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

/*
 * Compiling a content pattern costs tens of microseconds per rule; a
 * handler pays it per connection, most of which never check content.
 */
static int	 defer_patterns;

void
config_defer_patterns(int on)
{
	defer_patterns = on != 0;
}

int
config_patterns_deferred(void)
{
	return defer_patterns;
}

int
config_compile_patterns(struct config *cf, const char **why)
{
	struct content_rule	*rule;
	size_t			 i;

	*why = NULL;
	for (i = 0; i < cf->nrules; i++) {
		rule = &cf->rules[i];
		if (!rule->deferred)
			continue;
		if (regcomp(&rule->regex, rule->pattern, REG_EXTENDED |
		    REG_NOSUB | (rule->icase ? REG_ICASE : 0)) != 0) {
			*why = rule->name != NULL ? rule->name : "?";
			return -1;
		}
		rule->deferred = 0;
	}
	return 0;
}
