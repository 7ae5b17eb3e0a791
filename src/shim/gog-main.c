/*
 * The gog shim installed in place of the real gog: everything happens in
 * gog_main() (src/shim/gog-watch.c: gmail watch) and shim_gog_main()
 * (src/shim/shim-gog.c: the rest) so tests can drive it.
 */
#include "config.h"

#include "compat.h"
#include "shim-gog.h"

int
main(int argc, char **argv)
{
	return gog_main(argc, argv);
}
