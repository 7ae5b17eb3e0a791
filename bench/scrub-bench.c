/*
 * Benchmark: how well and how fast the inbound scrubber works.
 *
 *	scrub-bench [-m MiB] CORPUS
 *
 * Quality on the corpus (tests/data/scrub/corpus.txt): recall is the
 * share of positives whose every secret is gone (target >= 99 %), the
 * false-positive rate the share of negatives changed in any way
 * (target <= 1 %).  Speed: scrub_text with both scrubbers on a
 * generated mixed text of -m MiB (default 32) made of the corpus's own
 * messages and filler prose with prices, dates, phone numbers and
 * links, once as plain messages of a few KiB each, once as HTML mail
 * bodies, and once as a single plain text of the whole size (the scan
 * is linear, so this one is not much slower; what it loses is cache, its
 * view being ten times its size).  The generator is seeded,
 * so every run scrubs the same bytes.  Throughput is over the process's
 * CPU time, so other work on the machine does not lower it.
 *
 * Prints "key value" lines; misses go to stderr as "corpus.txt:LINE:".
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "policy.h"
#include "scrub-corpus.h"

#define MESSAGE_MAX	4096

struct text {
	char	*buf;
	size_t	 len, cap;
	size_t	*starts;	/* message boundaries, when split */
	size_t	 nmsg, msgcap;
};

static void	 usage(void) __attribute__((noreturn));
static uint32_t	 next_random(uint32_t *);
static void	 add(struct text *, const char *, size_t);
static void	 generate(struct text *, const struct corpus *, size_t, int);
static double	 now(void);
static double	 throughput(const struct text *, int);

static const char *const filler[] = {
	"Thanks for your order! Your total is $123.45 and ships in 3-5 days. ",
	"Meeting moved to 14:30 on 2026-05-16, room 4.12. ",
	"Call us at +1 (415) 555-0100 or 0800 123 4567. ",
	"Flight LH 404 departs FRA 10:35, gate B22, seat 14C. ",
	"Version 2.31.4 is now available: https://example.com/blog/release-2-31. ",
	"Ihre Bestellung 304-1928374-2219 wurde versandt, 49,99 EUR. ",
	"Votre colis 6A12345678901 arrive le 16/05/2026 avant 13h. ",
	"Tu pedido #88123 llegará el 16 de mayo. Total: 1.299,00 EUR. ",
	"Ваш заказ 48291 доставлен. Сумма 2 450 руб. ",
	"您的订单 2026051612345 已发货，金额 ¥1,280。",
	"ご注文番号 250-1234567-8901234 の商品を発送しました。",
	"See you at 221B Baker Street, London NW1 6XE at 7pm. ",
	"The quick brown fox jumps over the lazy dog 1234 times. ",
	"Unsubscribe: https://news.example.com/unsubscribe?list=42 ",
	"Tracking 1Z999AA10123456784, estimated delivery Friday. "
};

static void
usage(void)
{
	fprintf(stderr, "usage: scrub-bench [-m MiB] corpus\n");
	exit(2);
}

/* xorshift32: the same text on every run. */
static uint32_t
next_random(uint32_t *state)
{
	uint32_t	x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void
add(struct text *t, const char *p, size_t len)
{
	while (t->len + len + 1 > t->cap) {
		t->cap = t->cap == 0 ? 1 << 20 : t->cap * 2;
		if ((t->buf = realloc(t->buf, t->cap)) == NULL) {
			perror("realloc");
			exit(1);
		}
	}
	memcpy(t->buf + t->len, p, len);
	t->len += len;
	t->buf[t->len] = '\0';
}

/*
 * About size bytes of messages: corpus inputs (HTML ones only when html,
 * then wrapped in a mail body) between filler sentences.  Each message
 * ends with a NUL, its start recorded.
 */
static void
generate(struct text *t, const struct corpus *c, size_t size, int html)
{
	uint32_t	 seed = 0x5eed1234;
	size_t		 start, k, nfill = sizeof(filler) / sizeof(filler[0]);
	const char	*in;

	while (t->len < size) {
		if (t->nmsg == t->msgcap) {
			t->msgcap = t->msgcap == 0 ? 1024 : t->msgcap * 2;
			if ((t->starts = reallocarray(t->starts, t->msgcap,
			    sizeof(*t->starts))) == NULL) {
				perror("reallocarray");
				exit(1);
			}
		}
		start = t->len;
		t->starts[t->nmsg++] = start;
		if (html)
			add(t, "<html><body><table><tr><td><p>", 30);
		while (t->len - start < MESSAGE_MAX - 512) {
			if (next_random(&seed) % 3 == 0) {
				in = c->cases[next_random(&seed) % c->n].input;
				if (!html && strchr(in, '<') != NULL)
					continue;
				add(t, in, strlen(in));
				add(t, html ? "</p><p>" : "\n", html ? 7 : 1);
			} else {
				k = next_random(&seed) % nfill;
				add(t, filler[k], strlen(filler[k]));
			}
		}
		if (html)
			add(t, "</p></td></tr></table></body></html>", 36);
		add(t, "", 0);
		t->len++;	/* keep the NUL: messages are C strings */
	}
}

static double
now(void)
{
	struct timespec	ts;

	/* CPU time: a loaded machine slows the wall clock, not the scan. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* MB/s (10^6 bytes) scrubbing every message, or the whole as one. */
static double
throughput(const struct text *t, int whole)
{
	double	 t0, t1;
	size_t	 i, bytes = 0;
	char	*out, *one;
	int	 changed;

	if (whole) {
		/* One string: the NULs between messages become newlines. */
		if ((one = malloc(t->len + 1)) == NULL)
			exit(1);
		for (i = 0; i < t->len; i++)
			one[i] = t->buf[i] == '\0' ? '\n' : t->buf[i];
		one[t->len] = '\0';
		t0 = now();
		if ((out = scrub_text(SCRUB_OTP | SCRUB_AUTH_LINKS, one,
		    &changed)) == NULL)
			exit(1);
		t1 = now();
		free(out);
		free(one);
		return (double)t->len / 1e6 / (t1 - t0);
	}
	t0 = now();
	for (i = 0; i < t->nmsg; i++) {
		one = t->buf + t->starts[i];
		if ((out = scrub_text(SCRUB_OTP | SCRUB_AUTH_LINKS, one,
		    &changed)) == NULL)
			exit(1);
		bytes += strlen(one);
		free(out);
	}
	t1 = now();
	return (double)bytes / 1e6 / (t1 - t0);
}

int
main(int argc, char *argv[])
{
	struct corpus	 c;
	struct text	 plain, html;
	char		 err[512], why[20000];
	const char	*errstr;
	size_t		 i, mib = 32, tp = 0, fp = 0, nerr = 0;
	double		 recall, fprate;
	int		 ch, r;

	while ((ch = getopt(argc, argv, "m:")) != -1) {
		switch (ch) {
		case 'm':
			mib = (size_t)strtonum(optarg, 1, 4000, &errstr);
			if (errstr != NULL)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if (corpus_load(argv[optind], &c, err, sizeof(err)) == -1) {
		fprintf(stderr, "scrub-bench: %s\n", err);
		return 1;
	}
	for (i = 0; i < c.n; i++) {
		r = corpus_judge(&c.cases[i], why, sizeof(why));
		if (r == -1)
			nerr++;
		else if (c.cases[i].positive && r == 1)
			tp++;
		else if (!c.cases[i].positive && r == 0)
			fp++;
		if (r != 1)
			fprintf(stderr, "corpus.txt:%zu: %s\n", c.cases[i].line,
			    r == -1 ? "scrub_text failed" : why);
	}
	recall = c.npositive ? 100.0 * (double)tp / (double)c.npositive : 0;
	fprate = c.nnegative ? 100.0 * (double)fp / (double)c.nnegative : 0;
	printf("scrub_corpus_positives %zu\n", c.npositive);
	printf("scrub_corpus_negatives %zu\n", c.nnegative);
	printf("scrub_recall_pct %.2f (target >= 99)\n", recall);
	printf("scrub_false_positive_pct %.2f (target <= 1)\n", fprate);
	printf("scrub_known_misses %zu (listed in the corpus)\n", c.nknown);
	printf("scrub_errors %zu\n", nerr);

	memset(&plain, 0, sizeof(plain));
	memset(&html, 0, sizeof(html));
	generate(&plain, &c, mib << 20, 0);
	generate(&html, &c, mib << 20, 1);
	printf("scrub_text_mib %zu\n", mib);
	printf("scrub_plain_mb_s %.1f (%zu messages)\n",
	    throughput(&plain, 0), plain.nmsg);
	printf("scrub_html_mb_s %.1f (%zu messages)\n",
	    throughput(&html, 0), html.nmsg);
	printf("scrub_one_text_mb_s %.1f (one plain text of %zu bytes)\n",
	    throughput(&plain, 1), plain.len);
	free(plain.buf);
	free(plain.starts);
	free(html.buf);
	free(html.starts);
	corpus_free(&c);
	return recall >= 99.0 && fprate <= 1.0 && nerr == 0 ? 0 : 3;
}
