/*
 * Portability: declarations for functions src/compat supplies where the
 * system lacks them.  Include after config.h in every source file.
 */
#ifndef CARAPACE_COMPAT_H
#define CARAPACE_COMPAT_H

#include <sys/types.h>
#include <stddef.h>

#ifndef HAVE_STRLCPY
size_t	 strlcpy(char *, const char *, size_t);
#endif
#ifndef HAVE_STRLCAT
size_t	 strlcat(char *, const char *, size_t);
#endif
#ifndef HAVE_STRTONUM
long long strtonum(const char *, long long, long long, const char **);
#endif
#ifndef HAVE_REALLOCARRAY
void	*reallocarray(void *, size_t, size_t);
#endif
#ifndef HAVE_EXPLICIT_BZERO
void	 explicit_bzero(void *, size_t);
#endif
#ifndef HAVE_CLOSEFROM
void	 closefrom(int);
#endif
#ifndef HAVE_TIMINGSAFE_BCMP
int	 timingsafe_bcmp(const void *, const void *, size_t);
#endif

/*
 * A deliberate fall-through between switch labels: gcc also honours a
 * FALLTHROUGH comment, clang only the attribute.
 */
#if defined(__has_attribute)
#if __has_attribute(__fallthrough__)
#define FALLTHROUGH	__attribute__((__fallthrough__))
#endif
#endif
#ifndef FALLTHROUGH
#define FALLTHROUGH	do { } while (0)
#endif

#endif /* CARAPACE_COMPAT_H */
