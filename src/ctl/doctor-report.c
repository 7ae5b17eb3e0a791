/*
 * carapacectl doctor's verdicts: one line each (a fix under a
 * failure), or one JSON document at the end, and the counts.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "doctor.h"
#include "log.h"

struct doctor {
	int		 json;
	json_t		*checks;
	unsigned int	 passed, failed, skipped;
};

void
doctor_report(struct doctor *d, enum doctor_verdict v, const char *check,
    const char *fix, const char *fmt, ...)
{
	static const char *const names[] = { "pass", "FAIL", "skip" };
	va_list	 ap;
	char	 detail[1024];
	json_t	*o;

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	switch (v) {
	case DOCTOR_PASS:
		d->passed++;
		fix = NULL;
		break;
	case DOCTOR_FAIL:
		d->failed++;
		break;
	default:
		d->skipped++;
		fix = NULL;
		break;
	}
	if (d->json) {
		o = json_pack("{s:s,s:s,s:s}", "check", check, "verdict",
		    v == DOCTOR_PASS ? "pass" : v == DOCTOR_FAIL ? "fail" :
		    "skip", "detail", detail);
		if (o != NULL && fix != NULL)
			(void)json_object_set_new(o, "fix", json_string(fix));
		if (o != NULL)
			(void)json_array_append_new(d->checks, o);
		return;
	}
	(void)printf("%s  %s: %s\n", names[v], check, detail);
	if (fix != NULL)
		(void)printf("      fix: %s\n", fix);
}

struct doctor *
doctor_new(int json)
{
	struct doctor	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("calloc");
	d->json = json;
	if (json && (d->checks = json_array()) == NULL)
		fatal("json_array");
	return d;
}

int
doctor_end(struct doctor *d)
{
	json_t	*out;
	char	*dump;
	int	 failed = d->failed != 0;

	if (d->json) {
		out = json_pack("{s:o,s:I,s:I,s:I}", "checks", d->checks,
		    "passed", (json_int_t)d->passed, "failed",
		    (json_int_t)d->failed, "skipped", (json_int_t)d->skipped);
		if (out == NULL || (dump = json_dumps(out, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER)) == NULL)
			fatal("json_dumps");
		(void)printf("%s\n", dump);
		free(dump);
		json_decref(out);
	} else
		(void)printf("doctor: %u passed, %u failed, %u skipped\n",
		    d->passed, d->failed, d->skipped);
	free(d);
	return failed;
}
