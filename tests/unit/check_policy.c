/*
 * NAME
 *	check_policy 1
 * SUMMARY
 *	unit tests for src/policy.c: the decision table
 * DESCRIPTION
 *	Every recipient class crossed with anonymous/authenticated sessions
 *	and a tarpit delay of 0 and of more than 0, against the table in
 *	SPEC.md: action, SMTP code, enhanced code, delay and log reason.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

struct row {
	enum rcpt_class	cls;
	int		authenticated;
	double		cfg_delay;
	enum policy_action action;
	const char	*rcode;
	const char	*xcode;		/* NULL: none */
	double		delay;
	const char	*reason;
};

static const char *const class_names[] = {
	"exists", "unknown", "lookup-failed", "nonlocal", "postmaster",
	"bad-syntax"
};

/* check_row - run policy_decide for one row and compare every field */
static void
check_row(const struct row *r)
{
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	char what[96];

	snprintf(what, sizeof(what), "%s %s delay=%g",
	    class_names[r->cls], r->authenticated ? "auth" : "anon",
	    r->cfg_delay);
	memset(&cfg, 0, sizeof(cfg));	/* defence off: the plain table */
	memset(&in, 0, sizeof(in));
	cfg.delay = r->cfg_delay;
	in.cls = r->cls;
	in.authenticated = r->authenticated;
	memset(&d, 0x5a, sizeof(d));	/* no field may be left unset */
	policy_decide(&cfg, &in, &d);

	ck_assert_msg(d.action == r->action, "%s: action %d want %d", what,
	    (int)d.action, (int)r->action);
	ck_assert_msg(d.rcode && strcmp(d.rcode, r->rcode) == 0,
	    "%s: rcode %s want %s", what, d.rcode ? d.rcode : "(null)",
	    r->rcode);
	if (r->xcode == NULL)
		ck_assert_msg(d.xcode == NULL, "%s: xcode %s want none", what,
		    d.xcode);
	else
		ck_assert_msg(d.xcode && strcmp(d.xcode, r->xcode) == 0,
		    "%s: xcode %s want %s", what, d.xcode ? d.xcode : "(null)",
		    r->xcode);
	ck_assert_msg(d.delay == r->delay, "%s: delay %g want %g", what,
	    d.delay, r->delay);
	ck_assert_msg(d.reason && strcmp(d.reason, r->reason) == 0,
	    "%s: reason %s want %s", what, d.reason ? d.reason : "(null)",
	    r->reason);
}

/* check_rows - check_row for each of n rows */
static void
check_rows(const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_row(&rows[i]);
}

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ directory */

START_TEST(test_exists)
{
	static const struct row rows[] = {
		{ RCPT_EXISTS, 0, 0, ACTION_ACCEPT, "250", NULL, 0, "exists" },
		{ RCPT_EXISTS, 0, 20, ACTION_ACCEPT, "250", NULL, 0, "exists" },
		{ RCPT_EXISTS, 1, 0, ACTION_ACCEPT, "250", NULL, 0, "exists" },
		{ RCPT_EXISTS, 1, 20, ACTION_ACCEPT, "250", NULL, 0, "exists" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

START_TEST(test_unknown)
{
	static const struct row rows[] = {
		{ RCPT_UNKNOWN, 0, 20, ACTION_REJECT, "550", "5.1.1", 20,
		  "unknown" },
		{ RCPT_UNKNOWN, 0, 0.25, ACTION_REJECT, "550", "5.1.1", 0.25,
		  "unknown" },
		{ RCPT_UNKNOWN, 0, 3600, ACTION_REJECT, "550", "5.1.1", 3600,
		  "unknown" },
		{ RCPT_UNKNOWN, 0, 0, ACTION_REJECT, "550", "5.1.1", 0,
		  "unknown" },
		{ RCPT_UNKNOWN, 1, 20, ACTION_REJECT, "550", "5.1.1", 0,
		  "unknown" },
		{ RCPT_UNKNOWN, 1, 0, ACTION_REJECT, "550", "5.1.1", 0,
		  "unknown" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

START_TEST(test_lookup_failed)
{
	static const struct row rows[] = {
		{ RCPT_LOOKUP_FAILED, 0, 0, ACTION_TEMPFAIL, "451", "4.3.0", 0,
		  "directory-error" },
		{ RCPT_LOOKUP_FAILED, 0, 20, ACTION_TEMPFAIL, "451", "4.3.0", 0,
		  "directory-error" },
		{ RCPT_LOOKUP_FAILED, 1, 0, ACTION_TEMPFAIL, "451", "4.3.0", 0,
		  "directory-error" },
		{ RCPT_LOOKUP_FAILED, 1, 20, ACTION_TEMPFAIL, "451", "4.3.0", 0,
		  "directory-error" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

/* ------------------------------------------------------------ unchecked */

START_TEST(test_nonlocal)
{
	static const struct row rows[] = {
		{ RCPT_NONLOCAL, 0, 0, ACTION_ACCEPT, "250", NULL, 0,
		  "non-local" },
		{ RCPT_NONLOCAL, 0, 20, ACTION_ACCEPT, "250", NULL, 0,
		  "non-local" },
		{ RCPT_NONLOCAL, 1, 0, ACTION_ACCEPT, "250", NULL, 0,
		  "non-local" },
		{ RCPT_NONLOCAL, 1, 20, ACTION_ACCEPT, "250", NULL, 0,
		  "non-local" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

START_TEST(test_postmaster)
{
	static const struct row rows[] = {
		{ RCPT_POSTMASTER, 0, 0, ACTION_ACCEPT, "250", NULL, 0,
		  "postmaster" },
		{ RCPT_POSTMASTER, 0, 20, ACTION_ACCEPT, "250", NULL, 0,
		  "postmaster" },
		{ RCPT_POSTMASTER, 1, 0, ACTION_ACCEPT, "250", NULL, 0,
		  "postmaster" },
		{ RCPT_POSTMASTER, 1, 20, ACTION_ACCEPT, "250", NULL, 0,
		  "postmaster" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

START_TEST(test_bad_syntax)
{
	static const struct row rows[] = {
		{ RCPT_BAD_SYNTAX, 0, 0, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
		{ RCPT_BAD_SYNTAX, 0, 20, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
		{ RCPT_BAD_SYNTAX, 1, 0, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
		{ RCPT_BAD_SYNTAX, 1, 20, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

/* ---------------------------------------------------------- invariants */

START_TEST(test_only_unknown_anon_sleeps)
{
	struct policy_config cfg = { 7.5 };
	struct policy_input in;
	struct decision d;
	int cls, auth;

	memset(&in, 0, sizeof(in));
	for (cls = RCPT_EXISTS; cls <= RCPT_BAD_SYNTAX; cls++)
		for (auth = 0; auth <= 1; auth++) {
			in.cls = (enum rcpt_class)cls;
			in.authenticated = auth;
			policy_decide(&cfg, &in, &d);
			if (cls == RCPT_UNKNOWN && !auth)
				ck_assert(d.delay == 7.5);
			else
				ck_assert_msg(d.delay == 0, "%s auth=%d sleeps"
				    " %g", class_names[cls], auth, d.delay);
			/* 5xx only for a definite answer or bad syntax */
			if (d.rcode[0] == '5')
				ck_assert(cls == RCPT_UNKNOWN ||
				    cls == RCPT_BAD_SYNTAX);
			/* xcode class agrees with rcode class */
			if (d.xcode)
				ck_assert_int_eq(d.xcode[0], d.rcode[0]);
		}
}
END_TEST

START_TEST(test_authenticated_truthy)
{
	struct policy_config cfg = { 20 };
	struct policy_input in = { RCPT_UNKNOWN, 42 };
	struct decision d;

	policy_decide(&cfg, &in, &d);
	ck_assert_int_eq(d.action, ACTION_REJECT);
	ck_assert(d.delay == 0);
}
END_TEST

START_TEST(test_action_names)
{
	ck_assert_str_eq(policy_action_name(ACTION_ACCEPT), "accept");
	ck_assert_str_eq(policy_action_name(ACTION_REJECT), "reject");
	ck_assert_str_eq(policy_action_name(ACTION_TEMPFAIL), "tempfail");
	ck_assert_str_eq(policy_action_name((enum policy_action)99), "?");
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("directory");
	tcase_add_test(tc, test_exists);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_lookup_failed);
	suite_add_tcase(s, tc);

	tc = tcase_create("unchecked");
	tcase_add_test(tc, test_nonlocal);
	tcase_add_test(tc, test_postmaster);
	tcase_add_test(tc, test_bad_syntax);
	suite_add_tcase(s, tc);

	tc = tcase_create("invariants");
	tcase_add_test(tc, test_only_unknown_anon_sleeps);
	tcase_add_test(tc, test_authenticated_truthy);
	tcase_add_test(tc, test_action_names);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
