/*
 * NAME
 *	check_cache 1
 * SUMMARY
 *	unit tests for src/cache.c: TTLs, stale answers, single flight, bound
 * DESCRIPTION
 *	The cache is put in front of a fake directory written here: its
 *	lookup answers from a script (one result per address, a default for
 *	the rest), counts its calls, and can sleep or block on a gate so
 *	that concurrent callers pile up behind one query. Its close frees it
 *	and counts. A reload that keeps the directory copies the old cache's
 *	answers into the new one (cache_adopt): answers, not errors or
 *	flights, judged by the new TTLs, within the new bound.
 *
 *	Timing tests use tiny TTLs and sleep well past them; they assert
 *	only the order of events (fresh, then expired), never speeds. The
 *	short TTL is always the one that must run out; anything that must
 *	still be fresh gets a long one, so a slow machine (or valgrind)
 *	cannot turn a pass into a failure.
 *
 *	Every test frees what it made: the program is meant to be clean
 *	under valgrind with CK_FORK=no.
 */
#include "autoconfig.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cache.h"
#include "directory.h"
#include "util.h"

/* cache.c splits its table into min(max_entries, SHARDS) shards (at
 * least one), each holding at most max(1, max_entries / shards) entries:
 * so never more than max_entries in all (for max_entries >= 1). */
#define SHARDS	64

#define LONG	3600.0		/* a TTL that never runs out in a test */
#define SHORT	0.2		/* a TTL that does */

/* --------------------------------------------------------- fake inner */

#define FAKE_SCRIPT 16

struct fake {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	struct {
		char		key[ADDR_LOCAL_MAX + ADDR_DOMAIN_MAX + 2];
		enum dir_result	r;
	}		script[FAKE_SCRIPT];
	size_t		nscript;
	enum dir_result	dflt;		/* for addresses not scripted */
	unsigned	calls;		/* lookups, all addresses */
	unsigned	entered;	/* lookups that have started */
	size_t		last_nalts;
	char		last_key[ADDR_LOCAL_MAX + ADDR_DOMAIN_MAX + 2];
	char		last_alt1[ADDR_LOCAL_MAX + ADDR_DOMAIN_MAX + 2];
	useconds_t	delay;		/* sleep in every lookup */
	int		gated;		/* lookups block until the gate opens */
	int		gate_open;
	char		gate_key[ADDR_LOCAL_MAX + ADDR_DOMAIN_MAX + 2];
					/* if set, only this key is gated */
};

static unsigned fake_closed;	/* fake_close calls, reset by fake_new */

static enum dir_result
fake_lookup(void *impl, const struct addr *alts, size_t nalts,
    struct dir_query *q)
{
	struct fake *f = impl;
	enum dir_result r;
	useconds_t delay;
	size_t i;

	pthread_mutex_lock(&f->mu);
	f->calls++;
	f->entered++;
	f->last_nalts = nalts;
	util_strlcpy(f->last_key, alts[0].full, sizeof(f->last_key));
	util_strlcpy(f->last_alt1, nalts > 1 ? alts[1].full : "",
	    sizeof(f->last_alt1));
	r = f->dflt;
	for (i = 0; i < f->nscript; i++)
		if (strcmp(f->script[i].key, alts[0].full) == 0)
			r = f->script[i].r;
	pthread_cond_broadcast(&f->cv);
	while (f->gated && !f->gate_open &&
	    (f->gate_key[0] == '\0' || strcmp(f->gate_key, alts[0].full) == 0))
		pthread_cond_wait(&f->cv, &f->mu);
	delay = f->delay;
	pthread_mutex_unlock(&f->mu);
	if (delay)
		usleep(delay);
	snprintf(q->filter, sizeof(q->filter), "(fake=%.50s)", alts[0].full);
	if (r == DIR_ERROR)
		snprintf(q->error, sizeof(q->error), "fake: %.480s unreachable",
		    alts[0].full);
	return r;
}

static void
fake_close(void *impl)
{
	struct fake *f = impl;

	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
	fake_closed++;
}

static const struct directory_ops fake_ops = {
	fake_lookup, fake_close
};

/* fake_new - a fake that answers dflt for everything */
static struct fake *
fake_new(enum dir_result dflt)
{
	struct fake *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->dflt = dflt;
	fake_closed = 0;
	return f;
}

/* fake_set - from now on, answer r for addr (as parsed) */
static void
fake_set(struct fake *f, const char *addr, enum dir_result r)
{
	struct addr a;
	size_t i;

	ck_assert_int_eq(addr_parse(addr, &a, NULL), ADDR_OK);
	pthread_mutex_lock(&f->mu);
	for (i = 0; i < f->nscript; i++)
		if (strcmp(f->script[i].key, a.full) == 0)
			break;
	ck_assert_uint_lt(i, FAKE_SCRIPT);
	util_strlcpy(f->script[i].key, a.full, sizeof(f->script[i].key));
	f->script[i].r = r;
	if (i == f->nscript)
		f->nscript++;
	pthread_mutex_unlock(&f->mu);
}

static unsigned
fake_calls(struct fake *f)
{
	unsigned n;

	pthread_mutex_lock(&f->mu);
	n = f->calls;
	pthread_mutex_unlock(&f->mu);
	return n;
}

/* fake_gate - make lookups (of key, or all if NULL) block */
static void
fake_gate(struct fake *f, const char *key)
{
	pthread_mutex_lock(&f->mu);
	f->gated = 1;
	f->gate_open = 0;
	util_strlcpy(f->gate_key, key ? key : "", sizeof(f->gate_key));
	pthread_mutex_unlock(&f->mu);
}

/* fake_open_gate - let blocked lookups go, and all later ones */
static void
fake_open_gate(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	f->gate_open = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* fake_wait_entered - wait until n lookups have started */
static void
fake_wait_entered(struct fake *f, unsigned n)
{
	pthread_mutex_lock(&f->mu);
	while (f->entered < n)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

/* ------------------------------------------------------------ helpers */

/* mkcache - a cache in front of f */
static void
mkcache(struct directory *d, struct fake *f, size_t max, double ttl_pos,
    double ttl_neg, double stale_max, double wait_max)
{
	struct directory inner = { &fake_ops, f };
	struct cache_config cc;

	memset(&cc, 0, sizeof(cc));
	cc.max_entries = max;
	cc.ttl_positive = ttl_pos;
	cc.ttl_negative = ttl_neg;
	cc.stale_max = stale_max;
	cc.wait_max = wait_max;
	ck_assert_int_eq(cache_wrap(d, &inner, &cc), 0);
}

/* look - look addr up alone */
static enum dir_result
look(struct directory *d, const char *addr, struct dir_query *q)
{
	struct addr a;

	ck_assert_msg(addr_parse(addr, &a, NULL) == ADDR_OK, "bad test "
	    "address %s", addr);
	return directory_lookup(d, &a, 1, q);
}

/* expect - look addr up; check the result and q.cache */
#define expect(d, addr, want, want_cache) do {				\
	struct dir_query q_;						\
	enum dir_result r_ = look((d), (addr), &q_);			\
									\
	ck_assert_msg(r_ == (want), "%s: got %s, want %s", (addr),	\
	    directory_result_name(r_), directory_result_name(want));	\
	ck_assert_msg(strcmp(q_.cache, (want_cache)) == 0,		\
	    "%s: cache \"%s\", want \"%s\"", (addr), q_.cache,		\
	    (want_cache));						\
} while (0)

static struct cache_stats
stats(const struct directory *d)
{
	struct cache_stats st;

	cache_get_stats(d, &st);
	return st;
}

static void
sleep_s(double s)
{
	double until = util_now() + s;

	while (util_now() < until)
		usleep(10000);
}

/* worker - a thread doing one lookup */
struct worker {
	pthread_t		tid;
	struct directory	*d;
	const char		*addr;
	pthread_barrier_t	*bar;	/* wait on this first, if set */
	enum dir_result		r;
	struct dir_query	q;
	atomic_int		done;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct addr a;

	if (addr_parse(w->addr, &a, NULL) != ADDR_OK)
		abort();
	if (w->bar)
		pthread_barrier_wait(w->bar);
	w->r = directory_lookup(w->d, &a, 1, &w->q);
	atomic_store(&w->done, 1);
	return NULL;
}

static void
worker_start(struct worker *w, struct directory *d, const char *addr,
    pthread_barrier_t *bar)
{
	memset(w, 0, sizeof(*w));
	w->d = d;
	w->addr = addr;
	w->bar = bar;
	atomic_init(&w->done, 0);
	ck_assert_int_eq(pthread_create(&w->tid, NULL, worker_run, w), 0);
}

/* wait_shared - poll the stats until n lookups wait on a flight */
static void
wait_shared(const struct directory *d, unsigned long n)
{
	double until = util_now() + 30;

	while (stats(d).shared < n) {
		ck_assert_msg(util_now() < until, "only %lu of %lu waiters",
		    stats(d).shared, n);
		usleep(1000);
	}
}

/* -------------------------------------------------------------- basic */

START_TEST(test_miss_then_hit)
{
	struct directory d;
	struct fake *f = fake_new(DIR_NOTFOUND);
	struct cache_stats st;

	fake_set(f, "alice@example.com", DIR_FOUND);
	mkcache(&d, f, 1000, LONG, LONG, 0, 5);

	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	ck_assert_uint_eq(fake_calls(f), 1);
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 1);

	expect(&d, "nobody@example.com", DIR_NOTFOUND, "miss");
	ck_assert_uint_eq(fake_calls(f), 2);
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 2);

	st = stats(&d);
	ck_assert_uint_eq(st.misses, 2);
	ck_assert_uint_eq(st.hits, 3);
	ck_assert_uint_eq(st.shared, 0);
	ck_assert_uint_eq(st.stale, 0);
	ck_assert_uint_eq(st.entries, 2);
	directory_close(&d);
	ck_assert_uint_eq(fake_closed, 1);
}
END_TEST

START_TEST(test_key_is_normalised_address)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);

	mkcache(&d, f, 1000, LONG, LONG, 0, 5);
	expect(&d, "<Alice@Example.COM>", DIR_FOUND, "miss");
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	expect(&d, "\"alice\"@example.com", DIR_FOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 1);
	expect(&d, "alice@example.org", DIR_FOUND, "miss");
	ck_assert_uint_eq(fake_calls(f), 2);
	directory_close(&d);
}
END_TEST

START_TEST(test_alternatives_passed_through)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	struct addr alts[2];
	struct dir_query q;

	mkcache(&d, f, 1000, LONG, LONG, 0, 5);
	ck_assert_int_eq(addr_parse("bob+tag@example.com", &alts[0], NULL),
	    ADDR_OK);
	ck_assert_int_eq(addr_strip_extension(&alts[0], "+", &alts[1]), 1);
	ck_assert_int_eq(directory_lookup(&d, alts, 2, &q), DIR_FOUND);
	ck_assert_str_eq(q.cache, "miss");
	ck_assert_uint_eq(f->last_nalts, 2);
	ck_assert_str_eq(f->last_key, "bob+tag@example.com");
	ck_assert_str_eq(f->last_alt1, "bob@example.com");
	/* the inner's filter reaches the caller on a miss */
	ck_assert_str_eq(q.filter, "(fake=bob+tag@example.com)");
	ck_assert_int_eq(directory_lookup(&d, alts, 2, &q), DIR_FOUND);
	ck_assert_str_eq(q.cache, "hit");
	ck_assert_uint_eq(fake_calls(f), 1);
	directory_close(&d);
}
END_TEST

START_TEST(test_errors_not_cached)
{
	struct directory d;
	struct fake *f = fake_new(DIR_ERROR);
	struct dir_query q;
	int i;

	mkcache(&d, f, 1000, LONG, LONG, LONG, 5);
	for (i = 1; i <= 3; i++) {
		ck_assert_int_eq(look(&d, "alice@example.com", &q), DIR_ERROR);
		ck_assert_str_eq(q.cache, "miss");
		ck_assert_str_eq(q.error, "fake: alice@example.com unreachable");
		ck_assert_uint_eq(fake_calls(f), (unsigned)i);
	}
	ck_assert_uint_eq(stats(&d).hits, 0);
	ck_assert_uint_eq(stats(&d).misses, 3);
	ck_assert_uint_eq(stats(&d).stale, 0);

	/* the directory comes back: the next lookup asks it */
	fake_set(f, "alice@example.com", DIR_FOUND);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 4);
	/* and an answer that was an error for a negative, too */
	fake_set(f, "bob@example.com", DIR_ERROR);
	expect(&d, "bob@example.com", DIR_ERROR, "miss");
	fake_set(f, "bob@example.com", DIR_NOTFOUND);
	expect(&d, "bob@example.com", DIR_NOTFOUND, "miss");
	expect(&d, "bob@example.com", DIR_NOTFOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 6);
	directory_close(&d);
}
END_TEST

START_TEST(test_fresh_hit_ignores_down_directory)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);

	fake_set(f, "nobody@example.com", DIR_NOTFOUND);
	mkcache(&d, f, 1000, LONG, LONG, 0, 5);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "miss");
	f->dflt = DIR_ERROR;
	fake_set(f, "nobody@example.com", DIR_ERROR);
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 2);
	directory_close(&d);
}
END_TEST

START_TEST(test_stats_other_directory)
{
	struct fake *f = fake_new(DIR_FOUND);
	struct directory inner = { &fake_ops, f };
	struct cache_stats st;

	memset(&st, 0xff, sizeof(st));
	cache_get_stats(&inner, &st);
	ck_assert_uint_eq(st.hits, 0);
	ck_assert_uint_eq(st.misses, 0);
	ck_assert_uint_eq(st.shared, 0);
	ck_assert_uint_eq(st.stale, 0);
	ck_assert_uint_eq(st.entries, 0);
	directory_close(&inner);
}
END_TEST

/* ---------------------------------------------------------------- ttl */

START_TEST(test_ttl_negative_shorter)
{
	struct directory d;
	struct fake *f = fake_new(DIR_NOTFOUND);

	fake_set(f, "alice@example.com", DIR_FOUND);
	mkcache(&d, f, 1000, LONG, SHORT, 0, 5);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "miss");
	sleep_s(SHORT + 0.1);
	/* the positive is still trusted, the negative is asked again */
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "miss");
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 3);
	directory_close(&d);
}
END_TEST

START_TEST(test_ttl_positive_shorter)
{
	struct directory d;
	struct fake *f = fake_new(DIR_NOTFOUND);

	fake_set(f, "alice@example.com", DIR_FOUND);
	mkcache(&d, f, 1000, SHORT, LONG, 0, 5);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "miss");
	sleep_s(SHORT + 0.1);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 3);
	directory_close(&d);
}
END_TEST

START_TEST(test_expired_negative_requeried)
{
	struct directory d;
	struct fake *f = fake_new(DIR_NOTFOUND);

	mkcache(&d, f, 1000, LONG, SHORT, 0, 5);
	expect(&d, "new@example.com", DIR_NOTFOUND, "miss");
	/* the user is created; the cache may say "no" until the TTL ends */
	fake_set(f, "new@example.com", DIR_FOUND);
	sleep_s(SHORT + 0.1);
	expect(&d, "new@example.com", DIR_FOUND, "miss");
	expect(&d, "new@example.com", DIR_FOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 2);
	directory_close(&d);
}
END_TEST

START_TEST(test_stale_positive)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	struct dir_query q;
	struct cache_stats st;

	/* found trusted 0.2 s, then may serve 1.0 s more while down */
	mkcache(&d, f, 1000, SHORT, LONG, 1.0, 5);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	f->dflt = DIR_ERROR;
	sleep_s(SHORT + 0.1);		/* age 0.3: expired, within stale */
	ck_assert_int_eq(look(&d, "alice@example.com", &q), DIR_FOUND);
	ck_assert_str_eq(q.cache, "stale");
	ck_assert_uint_eq(fake_calls(f), 2);	/* it did ask */
	/* a stale answer is not a refresh: the directory is asked again */
	expect(&d, "alice@example.com", DIR_FOUND, "stale");
	ck_assert_uint_eq(fake_calls(f), 3);
	st = stats(&d);
	ck_assert_uint_eq(st.stale, 2);
	ck_assert_uint_eq(st.misses, 3);
	ck_assert_uint_eq(st.hits, 0);

	sleep_s(1.2);			/* age 1.5 > ttl + stale = 1.2 */
	ck_assert_int_eq(look(&d, "alice@example.com", &q), DIR_ERROR);
	ck_assert_str_eq(q.cache, "miss");
	ck_assert_str_eq(q.error, "fake: alice@example.com unreachable");
	ck_assert_uint_eq(stats(&d).stale, 2);

	/* the directory is back */
	f->dflt = DIR_FOUND;
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	directory_close(&d);
}
END_TEST

START_TEST(test_stale_zero)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);

	mkcache(&d, f, 1000, SHORT, LONG, 0, 5);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	f->dflt = DIR_ERROR;
	sleep_s(SHORT + 0.1);
	expect(&d, "alice@example.com", DIR_ERROR, "miss");
	ck_assert_uint_eq(stats(&d).stale, 0);
	directory_close(&d);
}
END_TEST

START_TEST(test_negative_never_stale)
{
	struct directory d;
	struct fake *f = fake_new(DIR_NOTFOUND);
	struct dir_query q;

	/* a huge stale limit must not apply to "not found" */
	mkcache(&d, f, 1000, LONG, SHORT, LONG, 5);
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "miss");
	f->dflt = DIR_ERROR;
	sleep_s(SHORT + 0.1);
	ck_assert_int_eq(look(&d, "nobody@example.com", &q), DIR_ERROR);
	ck_assert_str_eq(q.cache, "miss");
	ck_assert_str_eq(q.error, "fake: nobody@example.com unreachable");
	expect(&d, "nobody@example.com", DIR_ERROR, "miss");
	ck_assert_uint_eq(stats(&d).stale, 0);
	ck_assert_uint_eq(fake_calls(f), 3);
	directory_close(&d);
}
END_TEST

START_TEST(test_stale_after_flip_to_negative)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);

	/* found, then expired and answered "not found": that replaces it,
	 * so a later failure has no positive to fall back on */
	mkcache(&d, f, 1000, SHORT, SHORT, LONG, 5);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	sleep_s(SHORT + 0.1);
	f->dflt = DIR_NOTFOUND;
	expect(&d, "alice@example.com", DIR_NOTFOUND, "miss");
	sleep_s(SHORT + 0.1);
	f->dflt = DIR_ERROR;
	expect(&d, "alice@example.com", DIR_ERROR, "miss");
	directory_close(&d);
}
END_TEST

/* ------------------------------------------------------------- flight */

#define NTHREADS 8

START_TEST(test_single_flight_sleep)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	struct worker w[NTHREADS];
	pthread_barrier_t bar;
	struct cache_stats st;
	int i, miss = 0, shared = 0, hit = 0;

	f->delay = 200000;
	mkcache(&d, f, 1000, LONG, LONG, 0, 30);
	pthread_barrier_init(&bar, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		worker_start(&w[i], &d, "alice@example.com", &bar);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(w[i].tid, NULL);
	pthread_barrier_destroy(&bar);

	ck_assert_uint_eq(fake_calls(f), 1);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_msg(w[i].r == DIR_FOUND, "thread %d: %s", i,
		    directory_result_name(w[i].r));
		if (strcmp(w[i].q.cache, "miss") == 0)
			miss++;
		else if (strcmp(w[i].q.cache, "shared") == 0)
			shared++;
		else if (strcmp(w[i].q.cache, "hit") == 0)
			hit++;
		else
			ck_abort_msg("thread %d: cache %s", i, w[i].q.cache);
	}
	ck_assert_int_eq(miss, 1);
	ck_assert_int_ge(shared, 1);
	ck_assert_int_eq(miss + shared + hit, NTHREADS);
	st = stats(&d);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.shared, (unsigned long)shared);
	ck_assert_uint_eq(st.hits, (unsigned long)hit);
	ck_assert_uint_eq(st.entries, 1);
	directory_close(&d);
}
END_TEST

/*
 * One flight, made deterministic: the first lookup blocks in the fake
 * until the other NTHREADS - 1 are known (from the stats) to be waiting
 * on it. Run for each result: all must get the flight's answer.
 */
static const enum dir_result flight_results[] = {
	DIR_FOUND, DIR_NOTFOUND, DIR_ERROR
};

START_TEST(test_single_flight_gated)
{
	enum dir_result want = flight_results[_i];
	struct directory d;
	struct fake *f = fake_new(want);
	struct worker w[NTHREADS];
	int i;

	fake_gate(f, NULL);
	mkcache(&d, f, 1000, LONG, LONG, LONG, 30);
	worker_start(&w[0], &d, "alice@example.com", NULL);
	fake_wait_entered(f, 1);
	for (i = 1; i < NTHREADS; i++)
		worker_start(&w[i], &d, "alice@example.com", NULL);
	wait_shared(&d, NTHREADS - 1);
	ck_assert_uint_eq(fake_calls(f), 1);
	fake_open_gate(f);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(w[i].tid, NULL);

	ck_assert_uint_eq(fake_calls(f), 1);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_msg(w[i].r == want, "thread %d: %s, want %s", i,
		    directory_result_name(w[i].r), directory_result_name(want));
		ck_assert_str_eq(w[i].q.cache, i == 0 ? "miss" : "shared");
		if (want == DIR_ERROR)
			ck_assert_str_eq(w[i].q.error,
			    "fake: alice@example.com unreachable");
	}
	ck_assert_uint_eq(stats(&d).misses, 1);
	ck_assert_uint_eq(stats(&d).shared, NTHREADS - 1);

	/* a shared error is still not cached; the others are */
	if (want == DIR_ERROR) {
		f->dflt = DIR_FOUND;
		expect(&d, "alice@example.com", DIR_FOUND, "miss");
		ck_assert_uint_eq(fake_calls(f), 2);
	} else {
		expect(&d, "alice@example.com", want, "hit");
		ck_assert_uint_eq(fake_calls(f), 1);
	}
	directory_close(&d);
}
END_TEST

START_TEST(test_shared_long_error)
{
	struct directory d;
	struct fake *f = fake_new(DIR_ERROR);
	struct worker w[3];
	char local[251], addr[300], want[512];
	int i;

	/* an error longer than 256 bytes reaches the waiters whole */
	memset(local, 'l', 250);
	local[250] = '\0';
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	snprintf(want, sizeof(want), "fake: %s unreachable", addr);
	ck_assert_uint_gt(strlen(want), 256);
	fake_gate(f, NULL);
	mkcache(&d, f, 1000, LONG, LONG, LONG, 30);
	worker_start(&w[0], &d, addr, NULL);
	fake_wait_entered(f, 1);
	for (i = 1; i < 3; i++)
		worker_start(&w[i], &d, addr, NULL);
	wait_shared(&d, 2);
	fake_open_gate(f);
	for (i = 0; i < 3; i++) {
		pthread_join(w[i].tid, NULL);
		ck_assert_int_eq(w[i].r, DIR_ERROR);
		ck_assert_str_eq(w[i].q.error, want);
	}
	ck_assert_uint_eq(fake_calls(f), 1);
	/* a later good flight clears it */
	f->dflt = DIR_FOUND;
	fake_gate(f, NULL);
	worker_start(&w[0], &d, addr, NULL);
	fake_wait_entered(f, 2);
	worker_start(&w[1], &d, addr, NULL);
	wait_shared(&d, 3);
	fake_open_gate(f);
	for (i = 0; i < 2; i++) {
		pthread_join(w[i].tid, NULL);
		ck_assert_int_eq(w[i].r, DIR_FOUND);
		ck_assert_str_eq(w[i].q.error, "");
	}
	directory_close(&d);
}
END_TEST

START_TEST(test_shared_stale)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	struct worker w[NTHREADS];
	int i;

	/* the flight fails but has a stale positive: waiters get "found" */
	mkcache(&d, f, 1000, SHORT, LONG, LONG, 30);
	expect(&d, "alice@example.com", DIR_FOUND, "miss");
	sleep_s(SHORT + 0.1);
	f->dflt = DIR_ERROR;
	fake_gate(f, NULL);
	worker_start(&w[0], &d, "alice@example.com", NULL);
	fake_wait_entered(f, 2);
	for (i = 1; i < NTHREADS; i++)
		worker_start(&w[i], &d, "alice@example.com", NULL);
	wait_shared(&d, NTHREADS - 1);
	fake_open_gate(f);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(w[i].tid, NULL);
	ck_assert_uint_eq(fake_calls(f), 2);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_msg(w[i].r == DIR_FOUND, "thread %d: %s", i,
		    directory_result_name(w[i].r));
		ck_assert_str_eq(w[i].q.cache, i == 0 ? "stale" : "shared");
	}
	ck_assert_uint_eq(stats(&d).stale, 1);
	directory_close(&d);
}
END_TEST

START_TEST(test_shared_wait_timeout)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	struct worker first;
	struct dir_query q;

	fake_gate(f, NULL);
	mkcache(&d, f, 1000, LONG, LONG, 0, 0.2);
	worker_start(&first, &d, "alice@example.com", NULL);
	fake_wait_entered(f, 1);
	/* the flight does not land within wait_max: an error, not a wait */
	ck_assert_int_eq(look(&d, "alice@example.com", &q), DIR_ERROR);
	ck_assert_str_eq(q.cache, "shared");
	ck_assert_ptr_nonnull(strstr(q.error, "timed out"));
	ck_assert_int_eq(atomic_load(&first.done), 0);
	fake_open_gate(f);
	pthread_join(first.tid, NULL);
	ck_assert_int_eq(first.r, DIR_FOUND);
	ck_assert_str_eq(first.q.cache, "miss");
	ck_assert_uint_eq(fake_calls(f), 1);
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	directory_close(&d);
}
END_TEST

/*
 * same_shard - find n addresses "probe<i>@example.com" that land in one
 * shard, without knowing the hash: in a cache of 64 entries (one per
 * shard) an address evicts the anchor exactly when it shares its shard.
 */
static void
same_shard(char out[][64], int n)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	char cand[64];
	unsigned before;
	int found = 1, i;

	mkcache(&d, f, SHARDS, LONG, LONG, 0, 5);
	snprintf(out[0], 64, "anchor@example.com");
	expect(&d, out[0], DIR_FOUND, "miss");
	for (i = 0; found < n; i++) {
		ck_assert_int_lt(i, 100000);
		snprintf(cand, sizeof(cand), "probe%d@example.com", i);
		expect(&d, cand, DIR_FOUND, "miss");
		before = fake_calls(f);
		look(&d, out[0], &(struct dir_query){ 0 });
		if (fake_calls(f) != before)	/* the anchor was evicted */
			snprintf(out[found++], 64, "%s", cand);
	}
	directory_close(&d);
}

START_TEST(test_no_lock_during_query)
{
	char keys[2][64];
	struct directory d;
	struct fake *f;
	struct worker slow, other;
	double until;

	same_shard(keys, 2);
	f = fake_new(DIR_FOUND);
	mkcache(&d, f, 1000, LONG, LONG, 0, 30);
	fake_gate(f, keys[0]);
	worker_start(&slow, &d, keys[0], NULL);
	fake_wait_entered(f, 1);
	/* same shard, other key: must not wait for the blocked query */
	worker_start(&other, &d, keys[1], NULL);
	until = util_now() + 10;
	while (!atomic_load(&other.done) && util_now() < until)
		usleep(1000);
	ck_assert_msg(atomic_load(&other.done), "lookup of %s waited for"
	    " the query of %s", keys[1], keys[0]);
	ck_assert_int_eq(atomic_load(&slow.done), 0);
	fake_open_gate(f);
	pthread_join(slow.tid, NULL);
	pthread_join(other.tid, NULL);
	ck_assert_int_eq(other.r, DIR_FOUND);
	ck_assert_str_eq(other.q.cache, "miss");
	ck_assert_int_eq(slow.r, DIR_FOUND);
	ck_assert_uint_eq(fake_calls(f), 2);
	directory_close(&d);
}
END_TEST

/* -------------------------------------------------------------- bound */

/* bound - the most entries cache.c keeps for max_entries */
static unsigned long
bound(size_t max)
{
	size_t shards = max < SHARDS ? max : SHARDS, per;

	if (shards == 0)
		shards = 1;
	per = max / shards;
	return shards * (per ? per : 1);
}

static const size_t bound_max[] = {
	1, 2, 10, 63, 64, 65, 100, 127, 128, 200, 1000
};

START_TEST(test_bound)
{
	size_t max = bound_max[_i];
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	char key[64];
	unsigned long peak = 0, n;
	int i;

	mkcache(&d, f, max, LONG, LONG, 0, 5);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "user%d@example.com", i);
		expect(&d, key, DIR_FOUND, "miss");
		n = stats(&d).entries;
		if (n > peak)
			peak = n;
		ck_assert_msg(n <= bound(max), "max_entries %zu: %lu entries"
		    " after %d inserts, bound %lu", max, n, i + 1, bound(max));
	}
	/* never more than asked for */
	ck_assert_uint_le(bound(max), max);
	ck_assert_uint_le(peak, max);
	/* and the table was actually used */
	ck_assert_uint_ge(peak, (bound(max) + 1) / 2);
	ck_assert_uint_eq(fake_calls(f), 5000);
	directory_close(&d);
}
END_TEST

START_TEST(test_bound_evicts_old_keeps_new)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	char key[64];
	int i;

	mkcache(&d, f, 64, LONG, LONG, 0, 5);
	expect(&d, "first@example.com", DIR_FOUND, "miss");
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "user%d@example.com", i);
		expect(&d, key, DIR_FOUND, "miss");
		/* the newest entry of a shard always stays */
		expect(&d, key, DIR_FOUND, "hit");
	}
	expect(&d, "first@example.com", DIR_FOUND, "miss");
	directory_close(&d);
}
END_TEST

START_TEST(test_lru_order)
{
	char k[3][64];
	struct directory d;
	struct fake *f;

	same_shard(k, 3);

	/* two per shard: A, B, touch A, C: B is the least recently used */
	f = fake_new(DIR_FOUND);
	mkcache(&d, f, 2 * SHARDS, LONG, LONG, 0, 5);
	expect(&d, k[0], DIR_FOUND, "miss");
	expect(&d, k[1], DIR_FOUND, "miss");
	expect(&d, k[0], DIR_FOUND, "hit");
	expect(&d, k[2], DIR_FOUND, "miss");
	ck_assert_uint_eq(stats(&d).entries, 2);
	expect(&d, k[0], DIR_FOUND, "hit");
	expect(&d, k[2], DIR_FOUND, "hit");
	expect(&d, k[1], DIR_FOUND, "miss");	/* evicts A now */
	expect(&d, k[2], DIR_FOUND, "hit");
	expect(&d, k[0], DIR_FOUND, "miss");
	directory_close(&d);

	/* untouched: A, B, C: A goes */
	f = fake_new(DIR_FOUND);
	mkcache(&d, f, 2 * SHARDS, LONG, LONG, 0, 5);
	expect(&d, k[0], DIR_FOUND, "miss");
	expect(&d, k[1], DIR_FOUND, "miss");
	expect(&d, k[2], DIR_FOUND, "miss");
	expect(&d, k[1], DIR_FOUND, "hit");
	expect(&d, k[2], DIR_FOUND, "hit");
	expect(&d, k[0], DIR_FOUND, "miss");
	directory_close(&d);
}
END_TEST

START_TEST(test_inflight_not_evicted)
{
	char k[2][64];
	struct directory d;
	struct fake *f;
	struct worker slow;

	same_shard(k, 2);
	f = fake_new(DIR_FOUND);
	mkcache(&d, f, SHARDS, LONG, LONG, 0, 30);
	fake_gate(f, k[0]);
	worker_start(&slow, &d, k[0], NULL);
	fake_wait_entered(f, 1);
	/* the shard is full with A in flight: B may not push it out */
	expect(&d, k[1], DIR_FOUND, "miss");
	ck_assert_uint_eq(stats(&d).entries, 2);
	fake_open_gate(f);
	pthread_join(slow.tid, NULL);
	ck_assert_int_eq(slow.r, DIR_FOUND);
	expect(&d, k[0], DIR_FOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 2);
	directory_close(&d);
}
END_TEST

/* ------------------------------------------------------------- reload */

START_TEST(test_adopt_keeps_answers)
{
	struct directory old, d;
	struct fake *f = fake_new(DIR_FOUND), *g;

	/* a reload that keeps the directory: the new cache knows both */
	fake_set(f, "nobody@example.com", DIR_NOTFOUND);
	mkcache(&old, f, 1000, LONG, LONG, LONG, 5);
	expect(&old, "alice@example.com", DIR_FOUND, "miss");
	expect(&old, "nobody@example.com", DIR_NOTFOUND, "miss");
	g = fake_new(DIR_ERROR);	/* the new directory is down */
	mkcache(&d, g, 1000, LONG, LONG, LONG, 5);
	ck_assert_int_eq(cache_adopt(&d, &old), 2);
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	expect(&d, "nobody@example.com", DIR_NOTFOUND, "hit");
	ck_assert_uint_eq(fake_calls(g), 0);
	/* the old cache still answers its own sessions */
	expect(&old, "alice@example.com", DIR_FOUND, "hit");
	ck_assert_uint_eq(fake_calls(f), 2);
	directory_close(&old);
	directory_close(&d);
}
END_TEST

START_TEST(test_adopt_new_ttls)
{
	struct directory old, d, e;
	struct fake *f = fake_new(DIR_FOUND), *g, *h;

	/* entries keep their age; the new TTL and stale limit judge them */
	mkcache(&old, f, 1000, LONG, LONG, 0, 5);
	expect(&old, "alice@example.com", DIR_FOUND, "miss");
	g = fake_new(DIR_ERROR);
	mkcache(&d, g, 1000, SHORT, LONG, LONG, 5);
	h = fake_new(DIR_ERROR);
	mkcache(&e, h, 1000, SHORT, LONG, 0, 5);
	ck_assert_int_eq(cache_adopt(&d, &old), 1);
	ck_assert_int_eq(cache_adopt(&e, &old), 1);
	expect(&d, "alice@example.com", DIR_FOUND, "hit");
	sleep_s(SHORT + 0.1);
	/* past the new positive TTL, directory down: stale, as in d */
	expect(&d, "alice@example.com", DIR_FOUND, "stale");
	/* ... and no stale limit in e: the error, never a "not found" */
	expect(&e, "alice@example.com", DIR_ERROR, "miss");
	directory_close(&old);
	directory_close(&d);
	directory_close(&e);
}
END_TEST

START_TEST(test_adopt_no_errors_no_flights)
{
	struct directory old, d;
	struct fake *f = fake_new(DIR_ERROR), *g;
	struct worker w;

	/* an error is never cached, and a first flight knows nothing yet */
	mkcache(&old, f, 1000, LONG, LONG, LONG, 30);
	expect(&old, "down@example.com", DIR_ERROR, "miss");
	f->dflt = DIR_FOUND;
	fake_gate(f, "flying@example.com");
	worker_start(&w, &old, "flying@example.com", NULL);
	fake_wait_entered(f, 2);
	g = fake_new(DIR_NOTFOUND);
	mkcache(&d, g, 1000, LONG, LONG, LONG, 5);
	ck_assert_int_eq(cache_adopt(&d, &old), 0);
	fake_open_gate(f);
	pthread_join(w.tid, NULL);
	ck_assert_int_eq(w.r, DIR_FOUND);
	expect(&d, "down@example.com", DIR_NOTFOUND, "miss");
	expect(&d, "flying@example.com", DIR_NOTFOUND, "miss");
	ck_assert_uint_eq(fake_calls(g), 2);
	directory_close(&old);
	directory_close(&d);
}
END_TEST

START_TEST(test_adopt_smaller_bound)
{
	struct directory old, d;
	struct fake *f = fake_new(DIR_FOUND), *g;
	char key[64];
	long n;
	int i;

	/* a smaller --cache-size: the new bound holds, no more is copied */
	mkcache(&old, f, 10000, LONG, LONG, 0, 5);
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "user%d@example.com", i);
		expect(&old, key, DIR_FOUND, "miss");
	}
	g = fake_new(DIR_ERROR);
	mkcache(&d, g, 100, LONG, LONG, 0, 5);
	n = cache_adopt(&d, &old);
	ck_assert_int_eq(n, (long)stats(&d).entries);
	ck_assert_int_le(n, 100);
	ck_assert_int_ge(n, 50);
	/* the newest of all was copied last: it is there */
	expect(&d, "user1999@example.com", DIR_FOUND, "hit");
	directory_close(&old);
	directory_close(&d);
}
END_TEST

START_TEST(test_adopt_needs_two_caches)
{
	struct directory old, d, plain;
	struct fake *f = fake_new(DIR_FOUND), *g = fake_new(DIR_FOUND);

	mkcache(&old, f, 1000, LONG, LONG, 0, 5);
	expect(&old, "alice@example.com", DIR_FOUND, "miss");
	plain.ops = &fake_ops;
	plain.impl = g;
	ck_assert_int_eq(cache_adopt(&plain, &old), 0);
	ck_assert_int_eq(cache_adopt(&old, &plain), 0);
	ck_assert_int_eq(cache_adopt(&old, &old), 0);	/* itself: nothing */
	ck_assert_uint_eq(stats(&old).entries, 1);
	mkcache(&d, g, 1000, LONG, LONG, 0, 5);
	ck_assert_int_eq(cache_adopt(&d, &old), 1);
	directory_close(&old);
	directory_close(&d);
}
END_TEST

/* -------------------------------------------------------------- close */

START_TEST(test_close_full_cache)
{
	struct directory d;
	struct fake *f = fake_new(DIR_FOUND);
	char key[64];
	int i;

	fake_set(f, "user7@example.com", DIR_NOTFOUND);
	mkcache(&d, f, 100000, LONG, LONG, 0, 5);
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "user%d@example.com", i);
		look(&d, key, &(struct dir_query){ 0 });
	}
	look(&d, "down@example.com", &(struct dir_query){ 0 });
	ck_assert_uint_eq(stats(&d).entries, 2001);
	directory_close(&d);
	ck_assert_uint_eq(fake_closed, 1);
	ck_assert_ptr_null(d.ops);
	ck_assert_ptr_null(d.impl);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc;

	tc = tcase_create("basic");
	tcase_add_test(tc, test_miss_then_hit);
	tcase_add_test(tc, test_key_is_normalised_address);
	tcase_add_test(tc, test_alternatives_passed_through);
	tcase_add_test(tc, test_errors_not_cached);
	tcase_add_test(tc, test_fresh_hit_ignores_down_directory);
	tcase_add_test(tc, test_stats_other_directory);
	suite_add_tcase(s, tc);

	tc = tcase_create("ttl");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ttl_negative_shorter);
	tcase_add_test(tc, test_ttl_positive_shorter);
	tcase_add_test(tc, test_expired_negative_requeried);
	tcase_add_test(tc, test_stale_positive);
	tcase_add_test(tc, test_stale_zero);
	tcase_add_test(tc, test_negative_never_stale);
	tcase_add_test(tc, test_stale_after_flip_to_negative);
	suite_add_tcase(s, tc);

	tc = tcase_create("flight");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_single_flight_sleep);
	tcase_add_loop_test(tc, test_single_flight_gated, 0,
	    sizeof(flight_results) / sizeof(flight_results[0]));
	tcase_add_test(tc, test_shared_long_error);
	tcase_add_test(tc, test_shared_stale);
	tcase_add_test(tc, test_shared_wait_timeout);
	tcase_add_test(tc, test_no_lock_during_query);
	suite_add_tcase(s, tc);

	tc = tcase_create("bound");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_bound, 0,
	    sizeof(bound_max) / sizeof(bound_max[0]));
	tcase_add_test(tc, test_bound_evicts_old_keeps_new);
	tcase_add_test(tc, test_lru_order);
	tcase_add_test(tc, test_inflight_not_evicted);
	suite_add_tcase(s, tc);

	tc = tcase_create("reload");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_adopt_keeps_answers);
	tcase_add_test(tc, test_adopt_new_ttls);
	tcase_add_test(tc, test_adopt_no_errors_no_flights);
	tcase_add_test(tc, test_adopt_smaller_bound);
	tcase_add_test(tc, test_adopt_needs_two_caches);
	suite_add_tcase(s, tc);

	tc = tcase_create("close");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_close_full_cache);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
