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
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "util.h"

#define CACHE_SHARDS 64

struct centry {
	struct centry	*next;		/* hash chain */
	struct centry	*lru_prev, *lru_next;
	uint64_t	hash;
	int		has_value;	/* value and stored are valid */
	enum dir_result	value;		/* DIR_FOUND or DIR_NOTFOUND */
	double		stored;
	int		inflight;
	unsigned	waiters;
	unsigned long	gen;		/* bumped when a flight lands */
	enum dir_result	flight_result;
	char		*flight_error;	/* last flight's error, or NULL */
	char		key[];
};

struct shard {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	struct centry	**buckets;
	size_t		nbuckets;	/* power of two */
	size_t		count, max;
	struct centry	*lru_head, *lru_tail;	/* head: most recent */
	unsigned long	hits, misses, shared, stale;
};

struct cache {
	struct directory	inner;
	struct cache_config	cfg;
	size_t			nshards;	/* <= CACHE_SHARDS, <= max_entries */
	struct shard		shards[CACHE_SHARDS];
};

/* hash_key - FNV-1a, 64 bits */
static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* lru_unlink - take e out of the LRU list */
static void
lru_unlink(struct shard *sh, struct centry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		sh->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		sh->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

/* lru_front - make e the most recently used */
static void
lru_front(struct shard *sh, struct centry *e)
{
	if (sh->lru_head == e)
		return;
	if (e->lru_prev || e->lru_next || sh->lru_tail == e)
		lru_unlink(sh, e);
	e->lru_next = sh->lru_head;
	if (sh->lru_head)
		sh->lru_head->lru_prev = e;
	sh->lru_head = e;
	if (sh->lru_tail == NULL)
		sh->lru_tail = e;
}

/* entry_find - the entry for key, or NULL */
static struct centry *
entry_find(struct shard *sh, const char *key, uint64_t h)
{
	struct centry *e;

	for (e = sh->buckets[h & (sh->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* entry_remove - unlink e from its chain and the LRU, and free it */
static void
entry_remove(struct shard *sh, struct centry *e)
{
	struct centry **pp = &sh->buckets[e->hash & (sh->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	lru_unlink(sh, e);
	sh->count--;
	free(e->flight_error);
	free(e);
}

/* shard_evict - make room for one more entry, oldest first */
static void
shard_evict(struct shard *sh)
{
	struct centry *e = sh->lru_tail, *prev;

	while (sh->count >= sh->max && e) {
		prev = e->lru_prev;
		if (!e->inflight && e->waiters == 0)
			entry_remove(sh, e);
		e = prev;
	}
}

/* entry_new - add an empty entry for key; NULL if out of memory */
static struct centry *
entry_new(struct shard *sh, const char *key, uint64_t h)
{
	size_t len = strlen(key);
	struct centry *e;
	size_t b;

	shard_evict(sh);
	if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
		return NULL;
	memcpy(e->key, key, len + 1);
	e->hash = h;
	b = h & (sh->nbuckets - 1);
	e->next = sh->buckets[b];
	sh->buckets[b] = e;
	sh->count++;
	lru_front(sh, e);
	return e;
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

/* cache_lookup - answer from the table, or query once for everyone */
static enum dir_result
cache_lookup(void *impl, const struct addr *alts, size_t nalts,
    struct dir_query *q)
{
	struct cache *c = impl;
	const char *key = alts[0].full;
	uint64_t h = hash_key(key);
	struct shard *sh = &c->shards[h % c->nshards];
	struct dir_query iq;
	struct centry *e;
	enum dir_result r;
	double now = util_now();
	unsigned long gen;
	struct timespec until;
	int rc = 0;

	pthread_mutex_lock(&sh->mu);
	e = entry_find(sh, key, h);
	if (e && fresh(c, e, now)) {
		sh->hits++;
		lru_front(sh, e);
		r = e->value;
		pthread_mutex_unlock(&sh->mu);
		q->cache = "hit";
		return r;
	}
	if (e && e->inflight) {
		/* Someone is asking already: take their answer. */
		sh->shared++;
		e->waiters++;
		gen = e->gen;
		util_abstime(now + c->cfg.wait_max, &until);
		while (e->gen == gen && rc == 0)
			rc = pthread_cond_timedwait(&sh->cv, &sh->mu, &until);
		e->waiters--;
		if (e->gen == gen) {
			pthread_mutex_unlock(&sh->mu);
			util_strlcpy(q->error, "timed out waiting for a shared"
			    " lookup of the same address", sizeof(q->error));
			q->cache = "shared";
			return DIR_ERROR;
		}
		r = e->flight_result;
		util_strlcpy(q->error, e->flight_error ? e->flight_error : "",
		    sizeof(q->error));
		pthread_mutex_unlock(&sh->mu);
		q->cache = "shared";
		return r;
	}
	if (e == NULL && (e = entry_new(sh, key, h)) == NULL) {
		pthread_mutex_unlock(&sh->mu);
		util_strlcpy(q->error, "out of memory", sizeof(q->error));
		return DIR_ERROR;
	}
	sh->misses++;
	e->inflight = 1;
	e->waiters++;		/* keeps e alive while the lock is dropped */
	pthread_mutex_unlock(&sh->mu);

	r = directory_lookup(&c->inner, alts, nalts, &iq);
	util_strlcpy(q->filter, iq.filter, sizeof(q->filter));
	util_strlcpy(q->error, iq.error, sizeof(q->error));
	q->cache = "miss";

	pthread_mutex_lock(&sh->mu);
	now = util_now();
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
	e->flight_error = r == DIR_ERROR ? strdup(iq.error) : NULL;
	e->inflight = 0;
	e->waiters--;
	e->gen++;
	lru_front(sh, e);
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
	return r;
}

/* cache_close - free the table and close the backend */
static void
cache_close(void *impl)
{
	struct cache *c = impl;
	int i;

	for (i = 0; i < CACHE_SHARDS; i++) {
		struct shard *sh = &c->shards[i];

		while (sh->lru_tail)
			entry_remove(sh, sh->lru_tail);
		free(sh->buckets);
		pthread_mutex_destroy(&sh->mu);
		pthread_cond_destroy(&sh->cv);
	}
	directory_close(&c->inner);
	free(c);
}

static const struct directory_ops cache_ops = {
	cache_lookup, cache_close
};

/* cache_wrap - put a cache in front of inner; d takes ownership of inner */
int
cache_wrap(struct directory *d, const struct directory *inner,
    const struct cache_config *cc)
{
	pthread_condattr_t attr;
	struct cache *c;
	size_t per, nb;
	int i;

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
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	for (i = 0; i < CACHE_SHARDS; i++) {
		struct shard *sh = &c->shards[i];

		pthread_mutex_init(&sh->mu, NULL);
		pthread_cond_init(&sh->cv, &attr);
		sh->max = per;
		sh->nbuckets = nb;
		sh->buckets = calloc(nb, sizeof(*sh->buckets));
		if (sh->buckets == NULL) {
			pthread_condattr_destroy(&attr);
			return -1;
		}
	}
	pthread_condattr_destroy(&attr);
	d->ops = &cache_ops;
	d->impl = c;
	return 0;
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
		st->entries += sh->count;
		pthread_mutex_unlock(&sh->mu);
	}
}
