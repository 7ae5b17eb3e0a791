/* carapace-watch: publish one channel's inbound messages into the inbox. */
#include "config.h"

#include "compat.h"
#include "watch.h"

int
main(int argc, char **argv)
{
	return watch_main(argc, argv);
}
