/*
 * The discord shim, installed as `discord` in the shim directory:
 * everything happens in shim_discord_main() (src/shim/shim-discord.c)
 * so tests can drive it.
 */
#include "config.h"

#include "compat.h"
#include "shim-discord.h"

int
main(int argc, char **argv)
{
	return shim_discord_main(argc, argv);
}
