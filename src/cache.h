/*
 * NAME
 *	cache 3h
 * SUMMARY
 *	a caching directory in front of another directory
 * DESCRIPTION
 *	cache_wrap() turns a directory into a cached one. Positive and
 *	negative answers are kept for their own TTLs; errors are never
 *	cached. Concurrent lookups of one address share one query. When the
 *	directory fails, an expired positive answer younger than the stale
 *	limit still answers "found"; an expired negative one never does
 *	anything but fail, so it can never turn into a 5xx.
 */
#ifndef MT_CACHE_H
#define MT_CACHE_H

#include <stddef.h>

#include "directory.h"

struct cache_config {
	size_t	max_entries;	/* bound on entries (and so on memory) */
	double	ttl_positive;	/* seconds a "found" is trusted */
	double	ttl_negative;	/* seconds a "not found" is trusted */
	double	stale_max;	/* extra seconds a "found" may serve when down */
	double	wait_max;	/* longest wait for a shared query */
};

struct cache_stats {
	unsigned long	hits, misses, shared, stale, entries;
};

/* cache_wrap - put a cache in front of inner; d takes ownership of inner */
int cache_wrap(struct directory *d, const struct directory *inner,
    const struct cache_config *cc);

/*
 * cache_adopt - copy every answer the cache from holds into the cache to
 * (which nobody uses yet), oldest first, within to's bound; the number of
 * entries to holds then, 0 if either is not a cache, -1 out of memory
 */
long cache_adopt(struct directory *to, const struct directory *from);

/* cache_get_stats - counters of the cache behind d (which must be one) */
void cache_get_stats(const struct directory *d, struct cache_stats *st);

#endif
