/*
 * The scrub corpus (tests/data/scrub/corpus.txt): reading it and
 * judging the scrubber's output on each case, shared by the unit test
 * (tests/unit/test_scrub.c, which requires every case) and the
 * benchmark (bench/scrub-bench.c, which prints recall and false
 * positives).
 */
#ifndef CARAPACE_SCRUB_CORPUS_H
#define CARAPACE_SCRUB_CORPUS_H

#include <stddef.h>

struct corpus_case {
	int		 positive;	/* 1: a secret must go; 0: unchanged */
	unsigned int	 flags;		/* SCRUB_* */
	char		*secrets;	/* " | "-separated, positives only */
	char		*input;
	size_t		 line;
	int		 known;		/* a known miss ("all!"), justified */
};

struct corpus {
	struct corpus_case	*cases;
	size_t			 n;
	size_t			 npositive, nnegative, nknown;
};

/*
 * Read the corpus at path.  0, or -1 with a message in err (a bad line
 * names its number).
 */
int	 corpus_load(const char *path, struct corpus *, char *err,
	    size_t errlen);
void	 corpus_free(struct corpus *);
/*
 * Judge one case: scrub its input and compare.  1 if the scrubber did
 * what the case asks, 0 if not (why in why), -1 if scrub_text failed.
 */
int	 corpus_judge(const struct corpus_case *, char *why, size_t whylen);
/*
 * The careful reader's view of s, used to look for a secret: character
 * references decoded, full-width digits and letters folded, ASCII
 * lower-cased, everything but letters and digits dropped; with markup
 * 0 tags are skipped (the rendered text), with 1 they are read too (a
 * reader of the source).  Allocated; NULL when out of memory.
 */
char	*corpus_flatten(const char *s, int markup);

#endif /* CARAPACE_SCRUB_CORPUS_H */
