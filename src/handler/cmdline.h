/*
 * The contract of the command lines the handler runs, one pure
 * builder per tool command, declared in each adapter's own header
 * (adapter-<channel>.h): no I/O and no call state, only the channel, the
 * configuration and the request's params (or a delivery, as the send
 * method stored it), so each can be tested row by row
 * (tests/unit/test_argv.c).  The adapters validate and explain first;
 * a builder is the last line and refuses on its own any value that the
 * tool would read as an option (DESIGN.md, invariant 2):
 *
 *   imsg takes every argument starting with '-' for an option and has
 *   no --opt=value form: a client value goes right after the option it
 *   fills and must not start with '-'.
 *   gog: client values sit in a fixed "--opt=" prefix or after "--".
 *   carapace-discord: every value is a snowflake (digits only).
 *
 * Each builder returns 0 with a filled (tool_argv_free it when done:
 * some arguments are made, not borrowed), or -1 with *cause set and a
 * holding nothing to free.  Arguments borrowed from params live as
 * long as params.
 */
#ifndef CARAPACE_CMDLINE_H
#define CARAPACE_CMDLINE_H

#include <jansson.h>

#include "channel.h"
#include "conf.h"

#endif /* CARAPACE_CMDLINE_H */
