/*
 * NAME
 *	check_score 1
 * SUMMARY
 *	unit tests for src/score.c: decaying scores and sleepers
 * DESCRIPTION
 *	The clock is passed in, so every test picks its own "now" and none
 *	sleeps. Scores accumulate and halve every half-life; the table stays
 *	within max_entries by evicting the entry updated longest ago, but
 *	never one with a session asleep; sleepers respect their cap. Adds
 *	from many threads to one key must sum exactly. An entry's age counts
 *	from when it was made, not updated; score_each() visits entries
 *	newest first with decayed scores. Clean under valgrind
 *	with CK_FORK=no.
 */
#include "autoconfig.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"

#define NTHREADS	8
#define NITER		20000

/* near - equal within a relative 1e-9 */
static int
near(double got, double want)
{
	return fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
}

#define ck_assert_near(got, want) do { \
	double g_ = (got), w_ = (want); \
	ck_assert_msg(near(g_, w_), "%s = %.17g, want %.17g", #got, g_, w_); \
} while (0)

/* present - does key have an entry (a score above 0 or a sleeper) */
static int
present(struct score_table *t, const char *key, double now)
{
	unsigned asleep = 0;

	return score_get(t, key, now, &asleep) > 0 || asleep > 0;
}

/* --------------------------------------------------------------- basics */

START_TEST(test_unknown_key)
{
	struct score_table *t = score_new(16, 60);
	unsigned asleep = 12345;

	ck_assert_ptr_nonnull(t);
	ck_assert(score_get(t, "192.0.2.7/32", 100, &asleep) == 0);
	ck_assert_uint_eq(asleep, 0);
	ck_assert(score_get(t, "192.0.2.7/32", 100, NULL) == 0);
	/* a read makes no entry */
	ck_assert_uint_eq(score_count(t), 0);
	score_free(t);
}
END_TEST

START_TEST(test_add_accumulates)
{
	struct score_table *t = score_new(16, 60);
	unsigned asleep = 99;

	ck_assert_near(score_add(t, "a", 1, 1000), 1);
	ck_assert_near(score_add(t, "a", 1, 1000), 2);
	ck_assert_near(score_add(t, "a", 2.5, 1000), 4.5);
	ck_assert_near(score_get(t, "a", 1000, &asleep), 4.5);
	ck_assert_uint_eq(asleep, 0);
	ck_assert_uint_eq(score_count(t), 1);

	/* keys are independent */
	ck_assert_near(score_add(t, "b", 1, 1000), 1);
	ck_assert_near(score_get(t, "a", 1000, NULL), 4.5);
	ck_assert_near(score_get(t, "b", 1000, NULL), 1);
	ck_assert(score_get(t, "c", 1000, NULL) == 0);
	ck_assert_uint_eq(score_count(t), 2);

	/* similar keys are different keys */
	ck_assert_near(score_add(t, "192.0.2.0/24", 1, 1000), 1);
	ck_assert_near(score_add(t, "192.0.2.0/2", 1, 1000), 1);
	ck_assert_near(score_add(t, "192.0.2.0/24", 1, 1000), 2);
	ck_assert_uint_eq(score_count(t), 4);
	score_free(t);
}
END_TEST

/* ---------------------------------------------------------------- decay */

START_TEST(test_decay_half_life)
{
	struct score_table *t = score_new(16, 60);

	ck_assert_near(score_add(t, "k", 8, 1000), 8);
	ck_assert_near(score_get(t, "k", 1000, NULL), 8);
	ck_assert_near(score_get(t, "k", 1060, NULL), 4);
	ck_assert_near(score_get(t, "k", 1120, NULL), 2);
	ck_assert_near(score_get(t, "k", 1180, NULL), 1);
	ck_assert_near(score_get(t, "k", 1030, NULL), 8 / sqrt(2));
	ck_assert_near(score_get(t, "k", 1000 + 600, NULL), 8.0 / 1024);
	/* reading does not move the reference point */
	ck_assert_near(score_get(t, "k", 1120, NULL), 2);
	ck_assert_near(score_get(t, "k", 1060, NULL), 4);
	/* nor does time going backwards inflate the score */
	ck_assert(score_get(t, "k", 900, NULL) <= 8 * (1 + 1e-9));
	score_free(t);
}
END_TEST

START_TEST(test_decay_then_add)
{
	struct score_table *t = score_new(16, 10);

	score_add(t, "k", 8, 0);
	/* at t+half_life: 4 decayed, plus 1 */
	ck_assert_near(score_add(t, "k", 1, 10), 5);
	ck_assert_near(score_get(t, "k", 10, NULL), 5);
	/* the new sum decays from the time of the add */
	ck_assert_near(score_get(t, "k", 20, NULL), 2.5);
	ck_assert_near(score_get(t, "k", 30, NULL), 1.25);
	ck_assert_near(score_add(t, "k", 0, 30), 1.25);
	ck_assert_near(score_add(t, "k", 3, 50), 1.25 / 4 + 3);
	score_free(t);
}
END_TEST

START_TEST(test_decay_fractional_half_life)
{
	struct score_table *t = score_new(16, 0.5);

	score_add(t, "k", 1, 7);
	ck_assert_near(score_get(t, "k", 7.5, NULL), 0.5);
	ck_assert_near(score_get(t, "k", 8, NULL), 0.25);
	ck_assert_near(score_get(t, "k", 7.25, NULL), sqrt(0.5));
	score_free(t);
}
END_TEST

START_TEST(test_decay_long)
{
	struct score_table *t = score_new(16, 3600);

	score_add(t, "k", 100, 1e9);
	ck_assert_near(score_get(t, "k", 1e9 + 3600, NULL), 50);
	ck_assert_near(score_get(t, "k", 1e9 + 2 * 3600, NULL), 25);
	/* after a month, nothing measurable is left */
	ck_assert(score_get(t, "k", 1e9 + 30 * 86400, NULL) < 1e-50);
	ck_assert(score_get(t, "k", 1e9 + 30 * 86400, NULL) >= 0);
	score_free(t);
}
END_TEST

/* -------------------------------------------------------------- bounded */

START_TEST(test_bounded_count)
{
	struct score_table *t = score_new(8, 60);
	char key[32];
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d/32", i / 256, i % 256);
		ck_assert_near(score_add(t, key, 1, 100 + i), 1);
		ck_assert_msg(score_count(t) <= 8, "count %zu after %d",
		    score_count(t), i + 1);
	}
	ck_assert_uint_eq(score_count(t), 8);
	/* the last eight are there, the first one is gone */
	for (i = 992; i < 1000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d/32", i / 256, i % 256);
		ck_assert_msg(present(t, key, 1100), "%s evicted", key);
	}
	ck_assert(!present(t, "10.0.0.0/32", 1100));
	ck_assert(!present(t, "10.0.3.223/32", 1100));	/* i = 991 */
	score_free(t);
}
END_TEST

/* the entry updated longest ago goes, not the one added first */
START_TEST(test_bounded_lru)
{
	struct score_table *t = score_new(3, 60);

	score_add(t, "a", 1, 1);
	score_add(t, "b", 1, 2);
	score_add(t, "c", 1, 3);
	score_add(t, "a", 1, 4);	/* a is now the newest */
	score_add(t, "d", 1, 5);	/* evicts b */
	ck_assert_uint_eq(score_count(t), 3);
	ck_assert(present(t, "a", 5));
	ck_assert(!present(t, "b", 5));
	ck_assert(present(t, "c", 5));
	ck_assert(present(t, "d", 5));
	score_add(t, "e", 1, 6);	/* evicts c */
	ck_assert(!present(t, "c", 6));
	ck_assert(present(t, "a", 6));
	score_add(t, "f", 1, 7);	/* evicts a */
	ck_assert(!present(t, "a", 7));
	ck_assert(present(t, "d", 7));
	ck_assert(present(t, "e", 7));
	ck_assert(present(t, "f", 7));
	ck_assert_uint_eq(score_count(t), 3);
	score_free(t);
}
END_TEST

/* a read is not an update: it does not protect an entry */
START_TEST(test_bounded_get_is_not_update)
{
	struct score_table *t = score_new(3, 60);

	score_add(t, "a", 1, 1);
	score_add(t, "b", 1, 2);
	score_add(t, "c", 1, 3);
	ck_assert_near(score_get(t, "a", 4, NULL), pow(2, -3.0 / 60));
	score_add(t, "d", 1, 5);
	ck_assert(!present(t, "a", 5));
	ck_assert(present(t, "b", 5));
	score_free(t);
}
END_TEST

/* an evicted key comes back fresh */
START_TEST(test_bounded_evicted_restarts)
{
	struct score_table *t = score_new(2, 60);

	score_add(t, "a", 5, 1);
	score_add(t, "b", 1, 2);
	score_add(t, "c", 1, 3);	/* evicts a */
	ck_assert(!present(t, "a", 3));
	ck_assert_near(score_add(t, "a", 1, 4), 1);	/* evicts b */
	ck_assert(!present(t, "b", 4));
	ck_assert_uint_eq(score_count(t), 2);
	score_free(t);
}
END_TEST

START_TEST(test_bounded_one)
{
	struct score_table *t = score_new(1, 60);

	score_add(t, "a", 1, 1);
	score_add(t, "b", 2, 2);
	ck_assert_uint_eq(score_count(t), 1);
	ck_assert(!present(t, "a", 2));
	ck_assert_near(score_get(t, "b", 2, NULL), 2);
	score_free(t);
}
END_TEST

/* an entry with a sleeper is never evicted, however old */
START_TEST(test_bounded_sleeper_survives)
{
	struct score_table *t = score_new(4, 1e6);
	unsigned asleep = 0;
	char key[32];
	int i;

	score_add(t, "sleepy", 3, 1);
	ck_assert_int_eq(score_sleep_enter(t, "sleepy", 0, 1), 1);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		score_add(t, key, 1, 2 + i);
		ck_assert_msg(score_count(t) <= 4, "count %zu",
		    score_count(t));
		ck_assert_msg(present(t, "sleepy", 2 + i),
		    "sleeper evicted after %d inserts", i + 1);
	}
	ck_assert_uint_eq(score_count(t), 4);
	/* the others were evicted, oldest first */
	ck_assert(!present(t, "k0", 300));
	ck_assert(!present(t, "k196", 300));
	ck_assert(present(t, "k197", 300));
	ck_assert(present(t, "k199", 300));
	/* its score and sleeper are intact */
	ck_assert_near(score_get(t, "sleepy", 1, &asleep), 3);
	ck_assert_uint_eq(asleep, 1);

	/* awake, it is the oldest and goes next */
	score_sleep_leave(t, "sleepy");
	score_add(t, "next", 1, 400);
	ck_assert(!present(t, "sleepy", 400));
	ck_assert(present(t, "k197", 400));
	ck_assert_uint_eq(score_count(t), 4);
	score_free(t);
}
END_TEST

/* an entry made by score_sleep_enter (score 0) is kept too */
START_TEST(test_bounded_sleeper_zero_score)
{
	struct score_table *t = score_new(2, 60);
	unsigned asleep = 0;

	ck_assert_int_eq(score_sleep_enter(t, "s", 0, 1), 1);
	ck_assert_uint_eq(score_count(t), 1);
	score_add(t, "a", 1, 2);
	score_add(t, "b", 1, 3);
	score_add(t, "c", 1, 4);
	ck_assert(score_get(t, "s", 4, &asleep) == 0);
	ck_assert_uint_eq(asleep, 1);
	ck_assert(!present(t, "a", 4));
	ck_assert(!present(t, "b", 4));
	ck_assert(present(t, "c", 4));
	ck_assert_uint_eq(score_count(t), 2);
	score_free(t);
}
END_TEST

/* all entries asleep: none is evicted, the new key still counts */
START_TEST(test_bounded_all_asleep)
{
	struct score_table *t = score_new(2, 60);
	unsigned asleep = 0;

	ck_assert_int_eq(score_sleep_enter(t, "a", 0, 1), 1);
	ck_assert_int_eq(score_sleep_enter(t, "b", 0, 2), 1);
	ck_assert_near(score_add(t, "c", 1, 3), 1);
	score_get(t, "a", 3, &asleep);
	ck_assert_uint_eq(asleep, 1);
	score_get(t, "b", 3, &asleep);
	ck_assert_uint_eq(asleep, 1);
	ck_assert_near(score_get(t, "c", 3, NULL), 1);
	/* once they wake, the table shrinks back to its bound */
	score_sleep_leave(t, "a");
	score_sleep_leave(t, "b");
	score_add(t, "d", 1, 4);
	ck_assert_uint_le(score_count(t), 2);
	ck_assert(present(t, "d", 4));
	score_free(t);
}
END_TEST

/* ------------------------------------------------------------- sleepers */

START_TEST(test_sleep_cap)
{
	struct score_table *t = score_new(16, 60);
	unsigned asleep = 0;

	ck_assert_int_eq(score_sleep_enter(t, "n", 2, 1), 1);
	ck_assert_int_eq(score_sleep_enter(t, "n", 2, 1), 1);
	ck_assert_int_eq(score_sleep_enter(t, "n", 2, 1), 0);
	ck_assert_int_eq(score_sleep_enter(t, "n", 2, 1), 0);
	score_get(t, "n", 1, &asleep);
	ck_assert_uint_eq(asleep, 2);
	/* a higher cap for the same key lets one more in */
	ck_assert_int_eq(score_sleep_enter(t, "n", 3, 1), 1);
	score_get(t, "n", 1, &asleep);
	ck_assert_uint_eq(asleep, 3);
	score_sleep_leave(t, "n");
	score_sleep_leave(t, "n");
	score_get(t, "n", 1, &asleep);
	ck_assert_uint_eq(asleep, 1);
	ck_assert_int_eq(score_sleep_enter(t, "n", 2, 1), 1);
	ck_assert_int_eq(score_sleep_enter(t, "n", 2, 1), 0);
	/* the cap is per key */
	ck_assert_int_eq(score_sleep_enter(t, "m", 2, 1), 1);
	score_get(t, "m", 1, &asleep);
	ck_assert_uint_eq(asleep, 1);
	/* cap 1 */
	ck_assert_int_eq(score_sleep_enter(t, "one", 1, 1), 1);
	ck_assert_int_eq(score_sleep_enter(t, "one", 1, 1), 0);
	score_free(t);
}
END_TEST

START_TEST(test_sleep_no_cap)
{
	struct score_table *t = score_new(16, 60);
	unsigned asleep = 0;
	int i;

	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(score_sleep_enter(t, "n", 0, 1), 1);
	score_get(t, "n", 1, &asleep);
	ck_assert_uint_eq(asleep, 1000);
	for (i = 0; i < 1000; i++)
		score_sleep_leave(t, "n");
	score_get(t, "n", 1, &asleep);
	ck_assert_uint_eq(asleep, 0);
	score_free(t);
}
END_TEST

START_TEST(test_sleep_leave_floor)
{
	struct score_table *t = score_new(16, 60);
	unsigned asleep = 77;

	ck_assert_int_eq(score_sleep_enter(t, "n", 0, 1), 1);
	score_sleep_leave(t, "n");
	score_sleep_leave(t, "n");	/* one too many */
	score_sleep_leave(t, "n");
	score_get(t, "n", 1, &asleep);
	ck_assert_uint_eq(asleep, 0);
	/* no wrap to UINT_MAX: cap 1 still lets one in */
	ck_assert_int_eq(score_sleep_enter(t, "n", 1, 1), 1);
	score_get(t, "n", 1, &asleep);
	ck_assert_uint_eq(asleep, 1);
	/* leaving an unknown key is harmless and makes no entry */
	score_sleep_leave(t, "nobody");
	ck_assert_uint_eq(score_count(t), 1);
	score_free(t);
}
END_TEST

/* sleepers and scores do not touch each other */
START_TEST(test_sleep_keeps_score)
{
	struct score_table *t = score_new(16, 60);
	unsigned asleep = 0;

	score_add(t, "n", 4, 100);
	ck_assert_int_eq(score_sleep_enter(t, "n", 0, 160), 1);
	ck_assert_near(score_get(t, "n", 160, &asleep), 2);
	ck_assert_uint_eq(asleep, 1);
	ck_assert_near(score_add(t, "n", 1, 160), 3);
	score_get(t, "n", 160, &asleep);
	ck_assert_uint_eq(asleep, 1);
	score_sleep_leave(t, "n");
	ck_assert_near(score_get(t, "n", 220, &asleep), 1.5);
	ck_assert_uint_eq(asleep, 0);
	/* a new key entered asleep has score 0 */
	ck_assert_int_eq(score_sleep_enter(t, "z", 5, 100), 1);
	ck_assert(score_get(t, "z", 100, NULL) == 0);
	ck_assert_near(score_add(t, "z", 1, 100), 1);
	score_free(t);
}
END_TEST

/* ------------------------------------------------------------ age, each */

START_TEST(test_age)
{
	struct score_table *t = score_new(16, 60);

	ck_assert(score_age(t, "a", 100) == -1);
	score_add(t, "a", 1, 100);
	ck_assert(score_age(t, "a", 100) == 0);
	ck_assert(score_age(t, "a", 160) == 60);
	/* an update does not make it younger */
	score_add(t, "a", 1, 150);
	score_raise(t, "a", 50, 170);
	ck_assert(score_age(t, "a", 200) == 100);
	/* a read makes no entry; other keys are their own age */
	ck_assert(score_age(t, "b", 200) == -1);
	score_raise(t, "b", 2, 180);
	ck_assert(score_age(t, "b", 200) == 20);
	ck_assert_int_eq(score_sleep_enter(t, "c", 0, 190.5), 1);
	ck_assert(score_age(t, "c", 200) == 9.5);
	/* a clock that went back gives 0, never a negative age */
	ck_assert(score_age(t, "a", 50) == 0);
	/* score_raise to nothing makes no entry */
	score_raise(t, "d", 0, 200);
	ck_assert(score_age(t, "d", 200) == -1);
	score_free(t);
}
END_TEST

/* score_updated: time since the score was last set, moved by each add */
START_TEST(test_updated)
{
	struct score_table *t = score_new(16, 60);

	ck_assert(score_updated(t, "a", 100) == -1);
	score_add(t, "a", 1, 100);
	score_add(t, "a", 1, 150);
	ck_assert(score_updated(t, "a", 160) == 10);
	/* a read does not move it; a clock gone back gives 0 */
	score_get(t, "a", 170, NULL);
	ck_assert(score_updated(t, "a", 180) == 30);
	ck_assert(score_updated(t, "a", 10) == 0);
	score_free(t);
}
END_TEST

/* score_forget: the entry goes; with a sleeper, only its score */
START_TEST(test_forget)
{
	struct score_table *t = score_new(16, 60);
	unsigned asleep;

	ck_assert_int_eq(score_forget(t, "a", 100), 0);
	score_add(t, "a", 3, 100);
	ck_assert_int_eq(score_forget(t, "a", 110), 1);
	ck_assert(score_age(t, "a", 120) == -1);
	ck_assert(score_get(t, "a", 120, NULL) == 0);
	score_add(t, "b", 3, 100);
	ck_assert_int_eq(score_sleep_enter(t, "b", 0, 100), 1);
	ck_assert_int_eq(score_forget(t, "b", 110), 1);
	ck_assert(score_get(t, "b", 120, &asleep) == 0);
	ck_assert_uint_eq(asleep, 1);
	ck_assert(score_add(t, "b", 1, 120) == 1);
	score_free(t);
}
END_TEST

/* an entry evicted and made again is born again */
START_TEST(test_age_reborn)
{
	struct score_table *t = score_new(2, 60);

	score_add(t, "a", 1, 10);
	score_add(t, "b", 1, 20);
	score_add(t, "c", 1, 30);	/* evicts a */
	ck_assert(score_age(t, "a", 40) == -1);
	score_add(t, "a", 1, 40);	/* evicts b */
	ck_assert(score_age(t, "a", 45) == 5);
	ck_assert(score_age(t, "b", 45) == -1);
	ck_assert(score_age(t, "c", 45) == 15);
	score_free(t);
}
END_TEST

#define EACH_MAX	8

struct seen {
	int		n;
	char		key[EACH_MAX][32];
	double		score[EACH_MAX];
};

/* collect - score_each callback: note key and score */
static void
collect(void *arg, const char *key, double score)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, EACH_MAX);
	snprintf(s->key[s->n], sizeof(s->key[0]), "%s", key);
	s->score[s->n++] = score;
}

START_TEST(test_each)
{
	struct score_table *t = score_new(16, 60);
	struct seen s;

	memset(&s, 0, sizeof(s));
	score_each(t, 100, collect, &s);
	ck_assert_int_eq(s.n, 0);

	score_add(t, "a", 8, 100);
	score_add(t, "b", 4, 130);
	score_add(t, "c", 2, 160);
	score_each(t, 160, collect, &s);
	ck_assert_int_eq(s.n, 3);
	/* newest first, each decayed to now */
	ck_assert_str_eq(s.key[0], "c");
	ck_assert(s.score[0] == 2);
	ck_assert_str_eq(s.key[1], "b");
	ck_assert_near(s.score[1], 4 / sqrt(2));
	ck_assert_str_eq(s.key[2], "a");
	ck_assert(s.score[2] == 4);

	/* an update makes an entry the newest; a read does not */
	score_add(t, "a", 0, 220);
	(void)score_get(t, "b", 220, NULL);
	memset(&s, 0, sizeof(s));
	score_each(t, 220, collect, &s);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.key[0], "a");
	ck_assert(s.score[0] == 2);
	ck_assert_str_eq(s.key[1], "c");
	ck_assert(s.score[1] == 1);
	ck_assert_str_eq(s.key[2], "b");
	ck_assert_near(s.score[2], sqrt(2));	/* 4 * 2^-1.5 */
	/* score_each changes nothing */
	ck_assert(score_get(t, "c", 220, NULL) == 1);
	ck_assert_uint_eq(score_count(t), 3);
	score_free(t);
}
END_TEST

/* entries decayed below SCORE_NEGLIGIBLE, or never scored, are skipped */
START_TEST(test_each_skips_negligible)
{
	struct score_table *t = score_new(16, 10);
	struct seen s;

	memset(&s, 0, sizeof(s));
	score_add(t, "old", 1, 0);		/* 1/128 at 70: below 0.01 */
	score_add(t, "edge", 0.04, 50);		/* 0.01 at 70: kept */
	score_add(t, "tiny", 0.005, 70);
	ck_assert_int_eq(score_sleep_enter(t, "sleeper", 0, 70), 1);
	score_add(t, "new", 3, 70);
	score_each(t, 70, collect, &s);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.key[0], "new");
	ck_assert(s.score[0] == 3);
	ck_assert_str_eq(s.key[1], "edge");
	ck_assert(s.score[1] == 0.01);
	/* skipped, not dropped */
	ck_assert_uint_eq(score_count(t), 5);
	score_free(t);
}
END_TEST

START_TEST(test_half_life)
{
	struct score_table *t = score_new(16, 60);

	ck_assert(score_half_life(t) == 60);
	score_add(t, "a", 1, 1);
	ck_assert(score_half_life(t) == 60);
	score_free(t);
	t = score_new(16, 0.5);
	ck_assert(score_half_life(t) == 0.5);
	score_free(t);
	/* none given: the 1 s the table uses */
	t = score_new(16, 0);
	ck_assert(score_half_life(t) == 1);
	score_free(t);
	t = score_new(16, -5);
	ck_assert(score_half_life(t) == 1);
	score_free(t);
}
END_TEST

/* ---------------------------------------------------------- concurrency */

struct worker {
	struct score_table *t;
	int		id;
};

/* adder - NITER adds to the shared key, churning other keys meanwhile */
static void *
adder(void *arg)
{
	struct worker *w = arg;
	char key[32];
	int i;

	for (i = 0; i < NITER; i++) {
		score_add(w->t, "shared", 1, 500);
		if (score_sleep_enter(w->t, "shared", 0, 500))
			score_sleep_leave(w->t, "shared");
		snprintf(key, sizeof(key), "t%d-%d", w->id, i % 64);
		score_add(w->t, key, 1, 500);
		(void)score_get(w->t, key, 500, NULL);
		(void)score_count(w->t);
	}
	return NULL;
}

START_TEST(test_threads_sum)
{
	struct score_table *t = score_new(16, 60);
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	unsigned asleep = 0;
	int i;

	/* one standing sleeper keeps "shared" from being evicted */
	ck_assert_int_eq(score_sleep_enter(t, "shared", 0, 500), 1);
	for (i = 0; i < NTHREADS; i++) {
		w[i].t = t;
		w[i].id = i;
		ck_assert_int_eq(pthread_create(&th[i], NULL, adder, &w[i]),
		    0);
	}
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	ck_assert(score_get(t, "shared", 500, &asleep) ==
	    (double)NTHREADS * NITER);
	ck_assert_uint_eq(asleep, 1);
	ck_assert_uint_le(score_count(t), 16);
	score_free(t);
}
END_TEST

/* adder_only - NITER adds to one key, nothing else */
static void *
adder_only(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < NITER; i++)
		score_add(w->t, "one", 0.5, 42);
	return NULL;
}

START_TEST(test_threads_sum_unbounded_key)
{
	struct score_table *t = score_new(1, 60);
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	int i;

	for (i = 0; i < NTHREADS; i++) {
		w[i].t = t;
		w[i].id = i;
		ck_assert_int_eq(pthread_create(&th[i], NULL, adder_only,
		    &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	ck_assert(score_get(t, "one", 42, NULL) ==
	    0.5 * NTHREADS * NITER);
	ck_assert_uint_eq(score_count(t), 1);
	score_free(t);
}
END_TEST

/* ----------------------------------------------------------------- misc */

START_TEST(test_new_free)
{
	struct score_table *t;

	score_free(NULL);
	/* degenerate arguments still give a working table */
	t = score_new(0, 0);
	ck_assert_ptr_nonnull(t);
	score_add(t, "a", 1, 1);
	score_add(t, "b", 1, 1);
	ck_assert_uint_le(score_count(t), 1);
	score_free(t);
	t = score_new(100000, 60);
	ck_assert_ptr_nonnull(t);
	score_free(t);
	/* freeing a table with sleepers in it */
	t = score_new(4, 60);
	score_sleep_enter(t, "a", 0, 1);
	score_add(t, "b", 1, 1);
	score_free(t);
}
END_TEST

static Suite *
score_suite(void)
{
	Suite *s = suite_create("score");
	TCase *tc;

	tc = tcase_create("basics");
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_add_accumulates);
	tcase_add_test(tc, test_new_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("decay");
	tcase_add_test(tc, test_decay_half_life);
	tcase_add_test(tc, test_decay_then_add);
	tcase_add_test(tc, test_decay_fractional_half_life);
	tcase_add_test(tc, test_decay_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounded");
	tcase_add_test(tc, test_bounded_count);
	tcase_add_test(tc, test_bounded_lru);
	tcase_add_test(tc, test_bounded_get_is_not_update);
	tcase_add_test(tc, test_bounded_evicted_restarts);
	tcase_add_test(tc, test_bounded_one);
	tcase_add_test(tc, test_bounded_sleeper_survives);
	tcase_add_test(tc, test_bounded_sleeper_zero_score);
	tcase_add_test(tc, test_bounded_all_asleep);
	suite_add_tcase(s, tc);

	tc = tcase_create("sleepers");
	tcase_add_test(tc, test_sleep_cap);
	tcase_add_test(tc, test_sleep_no_cap);
	tcase_add_test(tc, test_sleep_leave_floor);
	tcase_add_test(tc, test_sleep_keeps_score);
	suite_add_tcase(s, tc);

	tc = tcase_create("age_each");
	tcase_add_test(tc, test_age);
	tcase_add_test(tc, test_age_reborn);
	tcase_add_test(tc, test_updated);
	tcase_add_test(tc, test_forget);
	tcase_add_test(tc, test_each);
	tcase_add_test(tc, test_each_skips_negligible);
	tcase_add_test(tc, test_half_life);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_threads_sum);
	tcase_add_test(tc, test_threads_sum_unbounded_key);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(score_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
