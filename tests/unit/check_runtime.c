/*
 * NAME
 *	check_runtime 1
 * SUMMARY
 *	unit tests for src/runtime.c: references and the stop
 * DESCRIPTION
 *	runtime_stop() must not return while a session still holds the
 *	runtime, unless its bound runs out: a holder that lets go after a
 *	while is waited for (and the stop returns 0 only after that), one
 *	that never lets go is reported when the bound ends. After the stop
 *	no one can take the runtime any more. No timing is asserted.
 */
#include "autoconfig.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "runtime.h"

static atomic_int released;

/* new_runtime - an empty runtime made current */
static void
new_runtime(void)
{
	struct runtime *rt = calloc(1, sizeof(*rt));
	static char *argv[] = { "milter-tarpit", NULL };

	ck_assert_ptr_nonnull(rt);
	config_init(&rt->cfg);
	runtime_start(rt, 1, argv);
}

/* holder - take the runtime, keep it a moment, let go */
static void *
holder(void *arg)
{
	struct runtime *rt = arg;

	usleep(300000);
	atomic_store(&released, 1);
	runtime_release(rt);
	return NULL;
}

START_TEST(test_stop_waits_for_holder)
{
	struct runtime *rt;
	pthread_t t;

	new_runtime();
	ck_assert_ptr_nonnull(rt = runtime_acquire());
	atomic_store(&released, 0);
	ck_assert_int_eq(pthread_create(&t, NULL, holder, rt), 0);
	ck_assert_uint_eq(runtime_stop(30), 0);
	ck_assert_int_eq(atomic_load(&released), 1);
	ck_assert_ptr_null(runtime_acquire());
	pthread_join(t, NULL);
}
END_TEST

START_TEST(test_stop_bounded)
{
	struct runtime *rt;

	new_runtime();
	ck_assert_ptr_nonnull(rt = runtime_acquire());
	ck_assert_uint_eq(runtime_stop(0.1), 1);	/* still held */
	ck_assert_ptr_null(runtime_acquire());
	runtime_release(rt);	/* the last reference frees it */
	ck_assert_uint_eq(runtime_stop(0.1), 0);
}
END_TEST

static Suite *
runtime_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("stop");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_stop_waits_for_holder);
	tcase_add_test(tc, test_stop_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(runtime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
