/* carapace-discord: Discord's REST API for the handler and the watcher. */
#include "config.h"

#include "compat.h"
#include "discord.h"

int
main(int argc, char **argv)
{
	return discord_main(argc, argv);
}
