/*
 * The imsg shim installed in place of the real imsg: everything happens
 * in shim_imsg_main() (src/shim/shim-imsg.c) so tests can drive it.
 */
#include "config.h"

#include "compat.h"
#include "shim.h"

int
main(int argc, char **argv)
{
	return shim_imsg_main(argc, argv);
}
