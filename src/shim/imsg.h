/*
 * What the pieces of the imsg shim share beyond shim.h: imsg-args.c
 * (the command line), imsg-request.c (gateway requests), imsg-print.c
 * (output), shim-imsg.c (dispatch) and imsg-rpc.c (imsg rpc).
 */
#ifndef CARAPACE_IMSG_H
#define CARAPACE_IMSG_H

#include <jansson.h>

/* The gateway channel every imsg request names. */
#define IMSG_CHANNEL		"imsg"

/* Whether s is set and not empty: 1 or 0. */
int		 imsg_nonempty(const char *s);

/*
 * Set obj[key] to value as a JSON string (invalid UTF-8 replaced, as
 * shim_json_string does).  Returns 0, or -1 when out of memory.
 */
int		 imsg_set_string(json_t *obj, const char *key,
		    const char *value);

#endif /* CARAPACE_IMSG_H */
