/*
 * Private interface between the parts of the inbound scrubber: the
 * normalised view of a text (scrub-view.c), the scanner that finds
 * codes and links in a view (scrub-scan.c), the keyword tables
 * (scrub-words.c) and the public entry points (scrub.c).
 */
#ifndef CARAPACE_SCRUB_H
#define CARAPACE_SCRUB_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the scanner reads: the text lower-cased (ASCII, Latin-1 and
 * Cyrillic letters), full-width forms folded to ASCII, odd spaces made
 * ' ', invisible characters dropped and, for HTML, the text content
 * with tags removed and entities decoded.  View byte k stands for the
 * original bytes [from[k], to[k]).
 */
struct scrub_view {
	char		*s;
	size_t		 n, cap;
	uint32_t	*from, *to;
	int		 html;
};

/* A redaction found by the scanner, in view bytes [start, end). */
struct scrub_span {
	size_t	start, end;
	int	kind;			/* SCRUB_SPAN_CODE or _LINK */
};
#define SCRUB_SPAN_CODE	1
#define SCRUB_SPAN_LINK	2

struct scrub_spans {
	struct scrub_span	*v;
	size_t			 n, cap;
};

/*
 * Build the view of s[0..n); html selects tag removal and entity
 * decoding.  0, or -1 on allocation failure or an input of 4 GiB or
 * more.  scrub_view_free releases it (also after a failure).
 */
int	 scrub_view_build(struct scrub_view *, const char *s, size_t n,
	    int html);
void	 scrub_view_free(struct scrub_view *);
/* 1 if s[0..n) contains a tag of a common HTML element, else 0. */
int	 scrub_looks_html(const char *s, size_t n);
/* 1 if s[i..n) starts a tag or comment ('<' then a letter, '/' or '!'). */
int	 scrub_tag_start(const char *s, size_t n, size_t i);

/*
 * Find what the flags (SCRUB_OTP, SCRUB_AUTH_LINKS) ask for in the
 * view, appending spans in increasing order.  0, or -1 on allocation
 * failure.
 */
int	 scrub_scan(unsigned int flags, const struct scrub_view *,
	    struct scrub_spans *);

/*
 * Keyword kinds, what a keyword makes of what is near it: KW_OTP a
 * number is a one-time code; KW_ALNUM so is a letters-and-digits token
 * right after it; KW_SHARE ("do not share") a number before it is one;
 * KW_LINK an opaque link nearby signs in or resets.
 */
#define KW_OTP		0x01
#define KW_ALNUM	0x02
#define KW_SHARE	0x04
#define KW_LINK		0x08

/* How a keyword must sit in the text. */
#define KM_EXACT	1	/* a whole word (or words) */
#define KM_PREFIX	2	/* the start of a word */
#define KM_SUFFIX	3	/* the end of a longer word (compounds) */
#define KM_CJK		4	/* anywhere (no spaces between words) */

struct scrub_keyword {
	const char	*word;		/* lower case, UTF-8 */
	unsigned char	 kind;
	unsigned char	 match;
};

extern const struct scrub_keyword	scrub_keywords[];
extern const size_t			scrub_nkeywords;
/* Compounds ending in a keyword that are not about secrets. */
extern const char *const	scrub_suffix_stop[];
extern const size_t		scrub_nsuffix_stop;
/* Words before "code" that make it something else ("zip code"). */
extern const char *const	scrub_qualifiers[];
extern const size_t		scrub_nqualifiers;
/* Words after which a number is a reference, not a code. */
extern const char *const	scrub_reference_words[];
extern const size_t		scrub_nreference_words;
/* Words between a keyword and its code ("code is", "Code lautet"). */
extern const char *const	scrub_copulas[];
extern const size_t		scrub_ncopulas;
/* Path and query words that make a link an authentication link. */
extern const struct scrub_keyword	scrub_link_words[];
extern const size_t			scrub_nlink_words;
/* Registrable domains of mail and sign-in providers. */
extern const char *const	scrub_auth_domains[];
extern const size_t		scrub_nauth_domains;

#endif /* CARAPACE_SCRUB_H */
