/*
 * NAME
 *	check_lru 1
 * SUMMARY
 *	unit tests for src/lru.c: the hash table with an LRU list
 * DESCRIPTION
 *	The hash is the FNV-1a variant of old (known values); entries are found by key, also
 *	when every key shares one chain; a new entry's payload is zeroed
 *	and aligned, its key a copy; the list runs from the oldest to the
 *	newest and a touch moves an entry to the newest end; removal and
 *	eviction call the release hook once per entry; eviction goes oldest
 *	first, stops at the bound and skips what the caller keeps; a table
 *	needs a power of two chains. Clean under valgrind with CK_FORK=no.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lru.h"

struct pay {
	double		d;
	int		keep;
	int		*released;	/* counter bumped by release */
};

static int released_total;

/* release - count payloads released */
static void
release(void *payload)
{
	struct pay *p = payload;

	released_total++;
	if (p->released)
		(*p->released)++;
}

/* pay - the payload of e */
static struct pay *
pay(struct lru_entry *e)
{
	return (struct pay *)(void *)e->payload;
}

/* keep - the caller's "must stay" */
static int
keep(const void *payload)
{
	return ((const struct pay *)payload)->keep;
}

/* add - insert key, failing the test if out of memory */
static struct lru_entry *
add(struct lru *t, const char *key)
{
	struct lru_entry *e = lru_insert(t, key, lru_hash(key));

	ck_assert_ptr_nonnull(e);
	return e;
}

/* order - the keys from the oldest to the newest, joined by spaces */
static void
order(const struct lru *t, char *buf, size_t len)
{
	const struct lru_entry *e;
	size_t n = 0;

	buf[0] = '\0';
	for (e = t->oldest; e && n < len; e = e->newer)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "",
		    e->key);
}

START_TEST(test_hash_fnv1a)
{
	/*
	 * The offset basis the cache and the scores have always used
	 * (1469598103934665603, not FNV's 14695981039346656037): the
	 * same spread of keys over shards and chains as before.
	 */
	ck_assert_uint_eq(lru_hash(""), 0x14650fb0739d0383ULL);
	ck_assert_uint_eq(lru_hash("a"), 0x44bd8ad473cd9906ULL);
	ck_assert_uint_eq(lru_hash("foobar"), 0x88fad7c0a8ff07f2ULL);
}
END_TEST

START_TEST(test_init_needs_power_of_two)
{
	struct lru t;

	ck_assert_int_eq(lru_init(&t, 0, 8, NULL), -1);
	ck_assert_int_eq(lru_init(&t, 12, 8, NULL), -1);
	ck_assert_int_eq(lru_init(&t, 16, 8, NULL), 0);
	ck_assert_uint_eq(t.count, 0);
	ck_assert_ptr_null(t.oldest);
	ck_assert_ptr_null(t.newest);
	lru_destroy(&t);
	lru_destroy(&t);	/* twice is harmless */
}
END_TEST

START_TEST(test_insert_find)
{
	struct lru t;
	struct lru_entry *a, *b;
	char key[16] = "alice";
	struct pay *p;

	ck_assert_int_eq(lru_init(&t, 16, sizeof(struct pay), NULL), 0);
	a = add(&t, key);
	strcpy(key, "bob");	/* the table keeps its own copy */
	b = add(&t, key);
	ck_assert_str_eq(a->key, "alice");
	ck_assert_ptr_eq(lru_find(&t, "alice", lru_hash("alice")), a);
	ck_assert_ptr_eq(lru_find(&t, "bob", lru_hash("bob")), b);
	ck_assert_ptr_null(lru_find(&t, "carol", lru_hash("carol")));
	/* the same hash with another key is not a match */
	ck_assert_ptr_null(lru_find(&t, "alicf", lru_hash("alice")));
	ck_assert_uint_eq(t.count, 2);
	p = pay(a);
	ck_assert(p->d == 0 && p->keep == 0 && p->released == NULL);
	ck_assert_uint_eq((uintptr_t)a->payload % _Alignof(max_align_t), 0);
	p->d = 1.5;
	ck_assert(pay(lru_find(&t, "alice", lru_hash("alice")))->d == 1.5);
	lru_destroy(&t);
}
END_TEST

START_TEST(test_one_chain)
{
	struct lru t;
	char key[32];
	int i;

	/* one chain: every key collides on the bucket, all are found */
	ck_assert_int_eq(lru_init(&t, 1, 0, NULL), 0);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		add(&t, key);
	}
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_str_eq(lru_find(&t, key, lru_hash(key))->key, key);
	}
	lru_remove(&t, lru_find(&t, "k100", lru_hash("k100")));
	ck_assert_ptr_null(lru_find(&t, "k100", lru_hash("k100")));
	ck_assert_ptr_nonnull(lru_find(&t, "k99", lru_hash("k99")));
	ck_assert_ptr_nonnull(lru_find(&t, "k101", lru_hash("k101")));
	ck_assert_uint_eq(t.count, 199);
	lru_destroy(&t);
}
END_TEST

START_TEST(test_touch_order)
{
	struct lru t;
	struct lru_entry *a, *b, *c;
	char buf[64];

	ck_assert_int_eq(lru_init(&t, 16, 0, NULL), 0);
	a = add(&t, "a");
	b = add(&t, "b");
	c = add(&t, "c");
	order(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a b c");
	lru_touch(&t, a);
	order(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "b c a");
	lru_touch(&t, a);	/* already the newest */
	lru_touch(&t, c);
	order(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "b a c");
	ck_assert_ptr_eq(t.oldest, b);
	ck_assert_ptr_eq(t.newest, c);
	lru_remove(&t, a);
	order(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "b c");
	ck_assert_ptr_null(b->older);
	ck_assert_ptr_null(c->newer);
	lru_remove(&t, b);
	lru_remove(&t, c);
	ck_assert_ptr_null(t.oldest);
	ck_assert_ptr_null(t.newest);
	ck_assert_uint_eq(t.count, 0);
	lru_destroy(&t);
}
END_TEST

START_TEST(test_evict_oldest_first)
{
	struct lru t;
	char buf[64];

	ck_assert_int_eq(lru_init(&t, 16, sizeof(struct pay), release), 0);
	released_total = 0;
	add(&t, "a");
	add(&t, "b");
	add(&t, "c");
	add(&t, "d");
	lru_evict(&t, 10, keep);	/* under the bound: nothing goes */
	ck_assert_uint_eq(t.count, 4);
	lru_evict(&t, 3, keep);		/* room for one more under 3 */
	order(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "c d");
	ck_assert_int_eq(released_total, 2);
	lru_destroy(&t);
	ck_assert_int_eq(released_total, 4);
}
END_TEST

START_TEST(test_evict_skips_kept)
{
	struct lru t;
	struct lru_entry *a, *b;
	int ra = 0, rb = 0;
	char buf[64];

	ck_assert_int_eq(lru_init(&t, 16, sizeof(struct pay), release), 0);
	a = add(&t, "a");
	b = add(&t, "b");
	add(&t, "c");
	pay(a)->keep = 1;
	pay(a)->released = &ra;
	pay(b)->released = &rb;
	lru_evict(&t, 2, keep);
	order(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a");
	ck_assert_int_eq(ra, 0);
	ck_assert_int_eq(rb, 1);
	/* everything kept: the table may stay over the bound */
	lru_evict(&t, 1, keep);
	ck_assert_uint_eq(t.count, 1);
	/* no keep function: nothing is kept */
	lru_evict(&t, 1, NULL);
	ck_assert_uint_eq(t.count, 0);
	ck_assert_int_eq(ra, 1);
	lru_destroy(&t);
}
END_TEST

static Suite *
lru_suite(void)
{
	Suite *s = suite_create("lru");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_hash_fnv1a);
	tcase_add_test(tc, test_init_needs_power_of_two);
	tcase_add_test(tc, test_insert_find);
	tcase_add_test(tc, test_one_chain);
	tcase_add_test(tc, test_touch_order);
	tcase_add_test(tc, test_evict_oldest_first);
	tcase_add_test(tc, test_evict_skips_kept);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(lru_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
