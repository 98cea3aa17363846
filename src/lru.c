/*
 * NAME
 *	lru 3
 * SUMMARY
 *	a hash table of string keys with an LRU list and a payload per entry
 * DESCRIPTION
 *	Chained hashing on the low bits of a 64-bit FNV-1a hash, and a
 *	doubly linked list from the oldest entry to the newest. One
 *	allocation per entry holds the links, the payload and the key.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "lru.h"

/*
 * lru_hash - the hash of a key: FNV-1a, 64 bits, with the offset basis
 * the cache and the scores always had (a digit short of FNV's)
 */
uint64_t
lru_hash(const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h;
}

/* lru_init - an empty table with nbuckets chains (a power of two) */
int
lru_init(struct lru *t, size_t nbuckets, size_t payload_size,
    void (*release)(void *payload))
{
	memset(t, 0, sizeof(*t));
	if (nbuckets == 0 || (nbuckets & (nbuckets - 1)) != 0)
		return -1;
	if ((t->buckets = calloc(nbuckets, sizeof(*t->buckets))) == NULL)
		return -1;
	t->nbuckets = nbuckets;
	t->payload_size = payload_size;
	t->release = release;
	return 0;
}

/* lru_find - the entry for key (whose hash is h), or NULL */
struct lru_entry *
lru_find(const struct lru *t, const char *key, uint64_t h)
{
	struct lru_entry *e;

	for (e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* lru_unlink - take e out of the LRU list */
static void
lru_unlink(struct lru *t, struct lru_entry *e)
{
	if (e->older)
		e->older->newer = e->newer;
	else
		t->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		t->newest = e->older;
	e->older = e->newer = NULL;
}

/* lru_touch - make e the newest */
void
lru_touch(struct lru *t, struct lru_entry *e)
{
	if (t->newest == e)
		return;
	if (e->older || e->newer || t->oldest == e)
		lru_unlink(t, e);
	e->older = t->newest;
	if (t->newest)
		t->newest->newer = e;
	t->newest = e;
	if (t->oldest == NULL)
		t->oldest = e;
}

/* lru_insert - a new newest entry for key, payload zeroed; NULL: no memory */
struct lru_entry *
lru_insert(struct lru *t, const char *key, uint64_t h)
{
	size_t len = strlen(key), b;
	struct lru_entry *e;
	char *k;

	if ((e = calloc(1, sizeof(*e) + t->payload_size + len + 1)) == NULL)
		return NULL;
	k = (char *)e->payload + t->payload_size;
	memcpy(k, key, len + 1);
	e->key = k;
	e->hash = h;
	b = h & (t->nbuckets - 1);
	e->next = t->buckets[b];
	t->buckets[b] = e;
	t->count++;
	lru_touch(t, e);
	return e;
}

/* lru_remove - take e out of the table and free it */
void
lru_remove(struct lru *t, struct lru_entry *e)
{
	struct lru_entry **pp = &t->buckets[e->hash & (t->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	lru_unlink(t, e);
	t->count--;
	if (t->release)
		t->release(e->payload);
	free(e);
}

/* lru_evict - remove entries, oldest first, while there are max or more */
void
lru_evict(struct lru *t, size_t max, int (*keep)(const void *payload))
{
	struct lru_entry *e, *next;

	for (e = t->oldest; e && t->count >= max; e = next) {
		next = e->newer;
		if (keep == NULL || !keep(e->payload))
			lru_remove(t, e);
	}
}

/* lru_destroy - remove every entry and free the chains */
void
lru_destroy(struct lru *t)
{
	if (t->buckets == NULL)
		return;
	while (t->oldest)
		lru_remove(t, t->oldest);
	free(t->buckets);
	t->buckets = NULL;
}
