/*
 * Audit decisions and outcomes: every enum value has a name, the names
 * are distinct, a record carries them as the strings log readers grep
 * for, and a value outside the enum is written as a denial, never as
 * an allow and never as a crash.
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "audit.h"

static void
test_decision_names(void **state)
{
	int		 i, j;
	const char	*a;

	(void)state;
	for (i = AUDIT_DECISION_UNSET + 1; i < AUDIT_DECISION_COUNT; i++) {
		a = audit_decision_name((enum audit_decision)i);
		assert_non_null(a);
		assert_true(a[0] != '\0');
		for (j = i + 1; j < AUDIT_DECISION_COUNT; j++)
			assert_string_not_equal(a,
			    audit_decision_name((enum audit_decision)j));
	}
}

static void
test_outcome_names(void **state)
{
	int		 i, j;
	const char	*a;

	(void)state;
	for (i = AUDIT_OUTCOME_UNSET + 1; i < AUDIT_OUTCOME_COUNT; i++) {
		a = audit_outcome_name((enum audit_outcome)i);
		assert_non_null(a);
		assert_true(a[0] != '\0');
		assert_string_not_equal(a, "unknown");
		for (j = i + 1; j < AUDIT_OUTCOME_COUNT; j++)
			assert_string_not_equal(a,
			    audit_outcome_name((enum audit_outcome)j));
	}
}

/* The strings the records carried as free strings, unchanged. */
static void
test_names_are_the_record_strings(void **state)
{
	static const struct {
		enum audit_decision	 d;
		const char		*name;
	} decisions[] = {
		{ AUDIT_DECISION_ALLOW, "allow" },
		{ AUDIT_DECISION_DENY, "deny" },
		{ AUDIT_DECISION_HOLD, "hold" },
		{ AUDIT_DECISION_INVALID, "invalid" },
	};
	static const struct {
		enum audit_outcome	 o;
		const char		*name;
	} outcomes[] = {
		{ AUDIT_OUTCOME_OK, "ok" },
		{ AUDIT_OUTCOME_SENT, "sent" },
		{ AUDIT_OUTCOME_REFUSED, "refused" },
		{ AUDIT_OUTCOME_HELD, "held" },
		{ AUDIT_OUTCOME_FAILED, "failed" },
		{ AUDIT_OUTCOME_TIMEOUT, "timeout" },
		{ AUDIT_OUTCOME_LIMITED, "limited" },
		{ AUDIT_OUTCOME_DRAFTED, "drafted" },
		{ AUDIT_OUTCOME_TYPING, "typing" },
		{ AUDIT_OUTCOME_TYPING_STOPPED, "typing stopped" },
		{ AUDIT_OUTCOME_READ, "read" },
		{ AUDIT_OUTCOME_REACTED, "reacted" },
		{ AUDIT_OUTCOME_DROPPED, "dropped" },
		{ AUDIT_OUTCOME_HIDDEN, "hidden" },
		{ AUDIT_OUTCOME_DELIVERING, "delivering" },
		{ AUDIT_OUTCOME_INTERRUPTED, "interrupted" },
	};
	size_t	 i;

	(void)state;
	assert_int_equal(sizeof(decisions) / sizeof(decisions[0]),
	    AUDIT_DECISION_COUNT - 1);
	assert_int_equal(sizeof(outcomes) / sizeof(outcomes[0]),
	    AUDIT_OUTCOME_COUNT - 1);
	for (i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++)
		assert_string_equal(audit_decision_name(decisions[i].d),
		    decisions[i].name);
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		assert_string_equal(audit_outcome_name(outcomes[i].o),
		    outcomes[i].name);
}

static void
test_unknown_fails_closed(void **state)
{
	(void)state;
	assert_string_equal(audit_decision_name(AUDIT_DECISION_UNSET), "deny");
	assert_string_equal(audit_decision_name(AUDIT_DECISION_COUNT), "deny");
	assert_string_equal(audit_decision_name((enum audit_decision)-1),
	    "deny");
	assert_string_equal(audit_decision_name((enum audit_decision)1000),
	    "deny");
	assert_string_equal(audit_outcome_name(AUDIT_OUTCOME_UNSET),
	    "unknown");
	assert_string_equal(audit_outcome_name(AUDIT_OUTCOME_COUNT),
	    "unknown");
	assert_string_equal(audit_outcome_name((enum audit_outcome)-1),
	    "unknown");
}

static void
test_record_strings(void **state)
{
	struct audit_event	 ev;
	json_t			*rec;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.method = "send";
	ev.decision = AUDIT_DECISION_ALLOW;
	ev.outcome = AUDIT_OUTCOME_TYPING_STOPPED;
	rec = audit_record(&ev, 0);
	assert_string_equal(json_string_value(json_object_get(rec,
	    "decision")), "allow");
	assert_string_equal(json_string_value(json_object_get(rec,
	    "outcome")), "typing stopped");
	json_decref(rec);

	/* Nothing set, or something corrupt: a definite denial. */
	memset(&ev, 0, sizeof(ev));
	rec = audit_record(&ev, 0);
	assert_string_equal(json_string_value(json_object_get(rec,
	    "decision")), "deny");
	assert_string_equal(json_string_value(json_object_get(rec,
	    "outcome")), "unknown");
	json_decref(rec);
	ev.decision = (enum audit_decision)77;
	ev.outcome = (enum audit_outcome)77;
	rec = audit_record(&ev, 0);
	assert_string_equal(json_string_value(json_object_get(rec,
	    "decision")), "deny");
	assert_string_equal(json_string_value(json_object_get(rec,
	    "outcome")), "unknown");
	json_decref(rec);
}

/*
 * Every recipient of a message is in its record, as a list, however
 * many there are: none is lost to a fixed-size field.
 */
static void
test_record_recipients(void **state)
{
	struct audit_event	 ev;
	json_t			*list, *rec, *got;
	char			 addr[64];
	int			 i;

	(void)state;
	list = json_array();
	for (i = 0; i < 63; i++) {
		(void)snprintf(addr, sizeof(addr),
		    "a-rather-long-mailbox-name-%02d@example.com", i);
		json_array_append_new(list, json_string(addr));
	}
	json_array_append_new(list, json_string("bcc@elsewhere.example"));
	memset(&ev, 0, sizeof(ev));
	ev.method = "send";
	ev.recipient = "joined,and,cut";
	ev.recipients = list;
	ev.decision = AUDIT_DECISION_ALLOW;
	ev.outcome = AUDIT_OUTCOME_SENT;
	ev.delivery = 41;
	rec = audit_record(&ev, 0);
	got = json_object_get(rec, "recipients");
	assert_int_equal(json_array_size(got), 64);
	assert_string_equal(json_string_value(json_array_get(got, 63)),
	    "bcc@elsewhere.example");
	/* Never both: a reader must not take a joined string for the list. */
	assert_null(json_object_get(rec, "recipient"));
	assert_int_equal(json_integer_value(json_object_get(rec, "delivery")),
	    41);
	json_decref(rec);

	/* One recipient: the "recipient" string, as records always had. */
	json_array_clear(list);
	json_array_append_new(list, json_string("+14155550100"));
	ev.recipient = "+14155550100";
	ev.delivery = 0;
	rec = audit_record(&ev, 0);
	assert_string_equal(json_string_value(json_object_get(rec,
	    "recipient")), "+14155550100");
	assert_null(json_object_get(rec, "recipients"));
	assert_null(json_object_get(rec, "delivery"));
	json_decref(rec);
	json_decref(list);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision_names),
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test(test_names_are_the_record_strings),
		cmocka_unit_test(test_unknown_fails_closed),
		cmocka_unit_test(test_record_strings),
		cmocka_unit_test(test_record_recipients),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
