/*
 * NAME
 *	cache 3
 * SUMMARY
 *	a caching directory in front of another directory
 * DESCRIPTION
 *	The table is split into shards by a hash of the key, each with its
 *	own mutex, condition variable, hash chains and LRU list, so threads
 *	looking up different addresses rarely meet on a lock. A lock is held
 *	only to read or update the table, never during a directory query.
 *
 *	Single flight: the first thread to miss marks the entry "in flight"
 *	and queries; others that want the same key wait on the shard's
 *	condition variable (bounded by wait_max) and take its answer, error
 *	included. Entries in flight or with waiters are never evicted or
 *	freed. Each shard holds at most max_entries / shards entries (there
 *	are never more shards than entries); the least recently used one in
 *	the shard goes first. Keys are bounded (an address is
 *	at most 512 bytes), so the entry bound is also a memory bound.
 *
 *	The key is the first alternative's address: the other alternatives
 *	(the address without its extension) follow from it.
 *
 *	cache_adopt() copies the answers of an old cache into a new one (a
 *	reload that keeps the directory): each old shard's lock is held,
 *	and within it the lock of one new shard at a time, always in that
 *	order; the new cache is not in use yet, so no one waits the other
 *	way round. An entry keeps when it was stored, so the new cache's
 *	TTLs and stale limit decide what it is still worth.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "lru.h"
#include "util.h"

#define CACHE_SHARDS 64

struct centry {				/* the payload of a table entry */
	int		has_value;	/* value and stored are valid */
	enum dir_result	value;		/* DIR_FOUND or DIR_NOTFOUND */
	double		stored;
	int		inflight;
	unsigned	waiters;
	unsigned long	gen;		/* bumped when a flight lands */
	enum dir_result	flight_result;
	char		*flight_error;	/* last flight's error, or NULL */
	int		flight_nomem;	/* ... which did not fit in memory */
};

struct shard {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	struct lru	table;		/* payload: struct centry */
	size_t		max;
	unsigned long	hits, misses, shared, stale;
};

struct cache {
	struct directory	inner;
	struct cache_config	cfg;
	size_t			nshards;	/* <= CACHE_SHARDS, <= max_entries */
	struct shard		shards[CACHE_SHARDS];
};

/* centry - the cache's part of a table entry */
static struct centry *
centry(struct lru_entry *e)
{
	return (struct centry *)e->payload;
}

/* centry_release - free what an entry holds, before the table frees it */
static void
centry_release(void *payload)
{
	free(((struct centry *)payload)->flight_error);
}

/* centry_busy - must an entry stay: in flight, or waited for */
static int
centry_busy(const void *payload)
{
	const struct centry *ce = payload;

	return ce->inflight || ce->waiters > 0;
}

/* entry_new - add an empty entry for key, evicting; NULL if out of memory */
static struct lru_entry *
entry_new(struct shard *sh, const char *key, uint64_t h)
{
	lru_evict(&sh->table, sh->max, centry_busy);
	return lru_insert(&sh->table, key, h);
}

/* fresh - does the entry's value still count as an answer */
static int
fresh(const struct cache *c, const struct centry *e, double now)
{
	double ttl;

	if (!e->has_value)
		return 0;
	ttl = e->value == DIR_FOUND ? c->cfg.ttl_positive : c->cfg.ttl_negative;
	return now - e->stored < ttl;
}

/* flight_wait - take the answer of a flight in progress (lock held) */
static enum dir_result
flight_wait(struct cache *c, struct shard *sh, struct centry *e, double now,
    struct dir_query *q)
{
	unsigned long gen = e->gen;
	struct timespec until;
	enum dir_result r;
	int rc = 0;

	sh->shared++;
	e->waiters++;
	util_abstime(now + c->cfg.wait_max, &until);
	while (e->gen == gen && rc == 0)
		rc = pthread_cond_timedwait(&sh->cv, &sh->mu, &until);
	e->waiters--;
	q->cache = "shared";
	if (e->gen == gen) {
		util_strlcpy(q->error, "timed out waiting for a shared"
		    " lookup of the same address", sizeof(q->error));
		return DIR_ERROR;
	}
	r = e->flight_result;
	util_strlcpy(q->error, e->flight_error ? e->flight_error :
	    e->flight_nomem ? "out of memory for the error of a shared"
	    " lookup" : "", sizeof(q->error));
	return r;
}

/* flight_land - store a flight's answer and wake its waiters (lock held) */
static enum dir_result
flight_land(struct cache *c, struct shard *sh, struct lru_entry *le,
    enum dir_result r, const char *error, struct dir_query *q)
{
	struct centry *e = centry(le);
	double now = util_now();

	if (r != DIR_ERROR) {
		e->has_value = 1;
		e->value = r;
		e->stored = now;
	} else if (e->has_value && e->value == DIR_FOUND &&
	    now - e->stored < c->cfg.ttl_positive + c->cfg.stale_max) {
		/* Directory down: a recent "found" still delivers mail. */
		r = DIR_FOUND;
		q->cache = "stale";
		sh->stale++;
	}
	e->flight_result = r;
	free(e->flight_error);
	e->flight_error = r == DIR_ERROR ? strdup(error) : NULL;
	e->flight_nomem = r == DIR_ERROR && e->flight_error == NULL;
	e->inflight = 0;
	e->waiters--;
	e->gen++;
	lru_touch(&sh->table, le);
	pthread_cond_broadcast(&sh->cv);
	return r;
}

/* cache_lookup - answer from the table, or query once for everyone */
static enum dir_result
cache_lookup(void *impl, const struct addr *alts, size_t nalts,
    struct dir_query *q)
{
	struct cache *c = impl;
	const char *key = alts[0].full;
	uint64_t h = lru_hash(key);
	struct shard *sh = &c->shards[h % c->nshards];
	struct dir_query iq;
	struct lru_entry *le;
	struct centry *e;
	enum dir_result r;
	double now = util_now();

	pthread_mutex_lock(&sh->mu);
	le = lru_find(&sh->table, key, h);
	e = le ? centry(le) : NULL;
	if (e && fresh(c, e, now)) {
		sh->hits++;
		lru_touch(&sh->table, le);
		r = e->value;
		pthread_mutex_unlock(&sh->mu);
		q->cache = "hit";
		return r;
	}
	if (e && e->inflight) {
		/* Someone is asking already: take their answer. */
		r = flight_wait(c, sh, e, now, q);
		pthread_mutex_unlock(&sh->mu);
		return r;
	}
	if (le == NULL && (le = entry_new(sh, key, h)) == NULL) {
		pthread_mutex_unlock(&sh->mu);
		util_strlcpy(q->error, "out of memory", sizeof(q->error));
		return DIR_ERROR;
	}
	e = centry(le);
	sh->misses++;
	e->inflight = 1;
	e->waiters++;		/* keeps e alive while the lock is dropped */
	pthread_mutex_unlock(&sh->mu);

	r = directory_lookup(&c->inner, alts, nalts, &iq);
	util_strlcpy(q->filter, iq.filter, sizeof(q->filter));
	util_strlcpy(q->error, iq.error, sizeof(q->error));
	q->cache = "miss";

	pthread_mutex_lock(&sh->mu);
	r = flight_land(c, sh, le, r, iq.error, q);
	pthread_mutex_unlock(&sh->mu);
	return r;
}

/* shards_free - free the first n shards' tables and locks */
static void
shards_free(struct cache *c, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct shard *sh = &c->shards[i];

		lru_destroy(&sh->table);
		pthread_mutex_destroy(&sh->mu);
		pthread_cond_destroy(&sh->cv);
	}
}

/* cache_close - free the table and close the backend */
static void
cache_close(void *impl)
{
	struct cache *c = impl;

	shards_free(c, CACHE_SHARDS);
	directory_close(&c->inner);
	free(c);
}

static const struct directory_ops cache_ops = {
	cache_lookup, cache_close
};

/* shard_init - an empty shard of per entries in nb chains; 0 ok, -1 */
static int
shard_init(struct shard *sh, size_t per, size_t nb,
    const pthread_condattr_t *attr)
{
	if (pthread_mutex_init(&sh->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&sh->cv, attr) != 0) {
		pthread_mutex_destroy(&sh->mu);
		return -1;
	}
	if (lru_init(&sh->table, nb, sizeof(struct centry),
	    centry_release) < 0) {
		pthread_cond_destroy(&sh->cv);
		pthread_mutex_destroy(&sh->mu);
		return -1;
	}
	sh->max = per;
	return 0;
}

/* cache_wrap - put a cache in front of inner; d takes ownership of inner */
int
cache_wrap(struct directory *d, const struct directory *inner,
    const struct cache_config *cc)
{
	pthread_condattr_t attr;
	struct cache *c;
	size_t per, nb;
	int i, rc = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->inner = *inner;
	c->cfg = *cc;
	/* Fewer shards than entries, so the total never passes the bound. */
	c->nshards = cc->max_entries < CACHE_SHARDS ? cc->max_entries : CACHE_SHARDS;
	if (c->nshards == 0)
		c->nshards = 1;
	per = cc->max_entries / c->nshards;
	if (per == 0)
		per = 1;
	for (nb = 16; nb < per && nb < 65536; nb <<= 1)
		;
	if (pthread_condattr_init(&attr) != 0) {
		free(c);
		return -1;
	}
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	for (i = 0; i < CACHE_SHARDS && rc == 0; i++)
		if ((rc = shard_init(&c->shards[i], per, nb, &attr)) < 0)
			shards_free(c, i);	/* the ones made before */
	pthread_condattr_destroy(&attr);
	if (rc < 0) {
		free(c);	/* inner stays the caller's */
		return -1;
	}
	d->ops = &cache_ops;
	d->impl = c;
	return 0;
}

/* cache_adopt_shard - copy one shard's answers into c; -1 out of memory */
static int
cache_adopt_shard(struct cache *c, struct shard *from)
{
	struct lru_entry *le, *ne;
	struct centry *e, *n;
	struct shard *to;
	int rc = 0;

	pthread_mutex_lock(&from->mu);
	for (le = from->table.oldest; le && rc == 0; le = le->newer) {
		e = centry(le);
		if (!e->has_value)
			continue;	/* a first flight: nothing known yet */
		to = &c->shards[le->hash % c->nshards];
		pthread_mutex_lock(&to->mu);
		if ((ne = lru_find(&to->table, le->key, le->hash)) == NULL &&
		    (ne = entry_new(to, le->key, le->hash)) == NULL)
			rc = -1;
		else {
			n = centry(ne);
			n->has_value = 1;
			n->value = e->value;
			n->stored = e->stored;
		}
		pthread_mutex_unlock(&to->mu);
	}
	pthread_mutex_unlock(&from->mu);
	return rc;
}

/* cache_adopt - copy the answers of the cache from into the cache to */
long
cache_adopt(struct directory *to, const struct directory *from)
{
	struct cache *c = to->impl, *old = from->impl;
	struct cache_stats st;
	int i;

	if (to->ops != &cache_ops || from->ops != &cache_ops || c == old)
		return 0;
	for (i = 0; i < CACHE_SHARDS; i++)
		if (cache_adopt_shard(c, &old->shards[i]) < 0)
			return -1;
	cache_get_stats(to, &st);
	return (long)st.entries;
}

/* cache_get_stats - counters of the cache behind d (which must be one) */
void
cache_get_stats(const struct directory *d, struct cache_stats *st)
{
	struct cache *c = d->impl;
	int i;

	memset(st, 0, sizeof(*st));
	if (d->ops != &cache_ops)
		return;
	for (i = 0; i < CACHE_SHARDS; i++) {
		struct shard *sh = &c->shards[i];

		pthread_mutex_lock(&sh->mu);
		st->hits += sh->hits;
		st->misses += sh->misses;
		st->shared += sh->shared;
		st->stale += sh->stale;
		st->entries += sh->table.count;
		pthread_mutex_unlock(&sh->mu);
	}
}
