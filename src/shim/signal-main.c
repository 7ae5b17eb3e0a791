/*
 * The signal-cli shim installed in place of the real signal-cli:
 * everything happens in shim_signal_main() (src/shim/shim-signal-cli.c)
 * so tests can drive it.
 */
#include "config.h"

#include "compat.h"
#include "shim-signal.h"

int
main(int argc, char **argv)
{
	return shim_signal_main(argc, argv);
}
