/*
 * The gog shim installed in place of the real gog: everything happens in
 * shim_gog_main() (src/shim/shim-gog.c) so tests can drive it.
 */
#include "config.h"

#include "compat.h"
#include "shim-gog.h"

int
main(int argc, char **argv)
{
	return shim_gog_main(argc, argv);
}
