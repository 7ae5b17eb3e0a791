/*
 * Diagnostics for Carapace programs (not the audit trail: see audit.h).
 * Messages go to stderr, or to syslog once log_init() is told so.
 */
#ifndef CARAPACE_LOG_H
#define CARAPACE_LOG_H

#include <stdarg.h>

#define LOG_TO_STDERR	0x01
#define LOG_TO_SYSLOG	0x02

void	 log_init(const char *progname, int where, int verbose);
void	 log_warn(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	 log_warnx(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	 log_info(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	 log_debug(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	 fatal(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2), __noreturn__));
void	 fatalx(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

#endif /* CARAPACE_LOG_H */
