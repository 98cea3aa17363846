/*
 * NAME
 *	check_attack 1
 * SUMMARY
 *	unit tests for src/attack.c: when attack mode starts and ends
 * DESCRIPTION
 *	With an injected clock: the count that starts it (the threshold,
 *	not one below), a full tarpit that starts it whatever the count,
 *	the end only after the hold time below half the threshold (a count
 *	between half and the threshold keeps it on), and the budget: empty
 *	at the start, filled at budget per minute, never above budget.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

static const struct attack_opts opts = { 20, 600, 6 };

START_TEST(test_start)
{
	struct attack a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(attack_update(&a, &opts, 19.9, 0, 100), ATTACK_SAME);
	ck_assert_int_eq(a.on, 0);
	ck_assert_int_eq(attack_update(&a, &opts, 20, 0, 101), ATTACK_STARTED);
	ck_assert_int_eq(a.on, 1);
	ck_assert(a.since == 101 && a.full == 0);
	ck_assert_int_eq(attack_update(&a, &opts, 40, 0, 102), ATTACK_SAME);
	ck_assert(a.peak == 40);
}
END_TEST

START_TEST(test_full_starts)
{
	struct attack a;
	struct attack_opts off = { 0, 600, 6 };

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(attack_update(&a, &off, 1e6, 0, 5), ATTACK_SAME);
	ck_assert_int_eq(attack_update(&a, &off, 0, 1, 6), ATTACK_STARTED);
	ck_assert_int_eq(a.full, 1);
}
END_TEST

START_TEST(test_end)
{
	struct attack a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(attack_update(&a, &opts, 25, 0, 0), ATTACK_STARTED);
	/* between half and the threshold: still high, the hold restarts */
	ck_assert_int_eq(attack_update(&a, &opts, 10, 0, 500), ATTACK_SAME);
	ck_assert_int_eq(attack_update(&a, &opts, 9.9, 0, 1099), ATTACK_SAME);
	ck_assert_int_eq(a.on, 1);
	ck_assert_int_eq(attack_update(&a, &opts, 9.9, 0, 1100), ATTACK_ENDED);
	ck_assert_int_eq(a.on, 0);
	/* a full tarpit keeps it on whatever the count */
	ck_assert_int_eq(attack_update(&a, &opts, 30, 0, 2000),
	    ATTACK_STARTED);
	ck_assert_int_eq(attack_update(&a, &opts, 0, 1, 2500), ATTACK_SAME);
	ck_assert_int_eq(attack_update(&a, &opts, 0, 0, 3099), ATTACK_SAME);
	ck_assert_int_eq(attack_update(&a, &opts, 0, 0, 3100), ATTACK_ENDED);
}
END_TEST

START_TEST(test_budget)
{
	struct attack a;
	int i, n;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(attack_take(&a, &opts, 0), 0);	/* off */
	ck_assert_int_eq(attack_update(&a, &opts, 20, 0, 0), ATTACK_STARTED);
	ck_assert_int_eq(attack_take(&a, &opts, 0), 0);	/* starts empty */
	ck_assert_int_eq(attack_take(&a, &opts, 9.9), 0);	/* 0.99 */
	ck_assert_int_eq(attack_take(&a, &opts, 10), 1);	/* 6/min */
	ck_assert_int_eq(attack_take(&a, &opts, 10), 0);
	/* an hour later: at most the budget, not 360 */
	for (n = 0, i = 0; i < 100; i++)
		n += attack_take(&a, &opts, 3610);
	ck_assert_int_eq(n, 6);
	ck_assert_uint_eq(a.passed, 7);
}
END_TEST

static Suite *
attack_suite(void)
{
	Suite *s = suite_create("attack");
	TCase *tc = tcase_create("attack");

	tcase_add_test(tc, test_start);
	tcase_add_test(tc, test_full_starts);
	tcase_add_test(tc, test_end);
	tcase_add_test(tc, test_budget);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(attack_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
