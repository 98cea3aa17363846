/*
 * NAME
 *	lru 3h
 * SUMMARY
 *	a hash table of string keys with an LRU list and a payload per entry
 * DESCRIPTION
 *	The table under the cache (cache.c) and the scores (score.c). Each
 *	entry holds its key and a payload of the size given to lru_init(),
 *	zeroed when the entry is made. The table has no lock: its user
 *	holds its own around every call. Nothing here evicts by itself:
 *	lru_evict() does, skipping the entries its caller must keep.
 */
#ifndef MT_LRU_H
#define MT_LRU_H

#include <stddef.h>
#include <stdint.h>

struct lru_entry {
	struct lru_entry *next;			/* hash chain */
	struct lru_entry *older, *newer;	/* LRU list */
	uint64_t	hash;
	const char	*key;			/* in the same allocation */
	_Alignas(max_align_t) unsigned char payload[];
};

struct lru {
	struct lru_entry **buckets;
	size_t		nbuckets;		/* a power of two */
	size_t		count;
	size_t		payload_size;
	struct lru_entry *oldest, *newest;
	void		(*release)(void *payload);	/* or NULL */
};

/* lru_hash - the hash of a key (FNV-1a, 64 bits) */
uint64_t lru_hash(const char *key);

/*
 * lru_init - an empty table with nbuckets chains (a power of two);
 * release, if not NULL, is called on a payload before its entry is
 * freed; 0 ok, -1 out of memory
 */
int lru_init(struct lru *t, size_t nbuckets, size_t payload_size,
    void (*release)(void *payload));

/* lru_find - the entry for key (whose hash is h), or NULL */
struct lru_entry *lru_find(const struct lru *t, const char *key, uint64_t h);

/* lru_insert - a new newest entry for key, payload zeroed; NULL: no memory */
struct lru_entry *lru_insert(struct lru *t, const char *key, uint64_t h);

/* lru_touch - make e the newest */
void lru_touch(struct lru *t, struct lru_entry *e);

/* lru_remove - take e out of the table and free it */
void lru_remove(struct lru *t, struct lru_entry *e);

/*
 * lru_evict - remove entries, oldest first, while there are max or more,
 * skipping those for which keep(payload) is nonzero (keep may be NULL)
 */
void lru_evict(struct lru *t, size_t max, int (*keep)(const void *payload));

/* lru_destroy - remove every entry and free the chains */
void lru_destroy(struct lru *t);

#endif
