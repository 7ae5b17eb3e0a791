/* carapacectl: check the configuration, manage holds, verify the audit. */
#include "config.h"

#include "compat.h"
#include "ctl.h"

int
main(int argc, char **argv)
{
	return ctl_main(argc, argv);
}
