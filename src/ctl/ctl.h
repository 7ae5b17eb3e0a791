/*
 * carapacectl: the owner's tool.  It runs as the carapace user (or the
 * owner with access to the state directory), never through the gateway
 * socket, so nothing an agent sends can reach these commands.
 */
#ifndef CARAPACE_CTL_H
#define CARAPACE_CTL_H

int	 ctl_main(int argc, char **argv);

#endif /* CARAPACE_CTL_H */
