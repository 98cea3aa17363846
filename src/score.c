/*
 * NAME
 *	score 3
 * SUMMARY
 *	per-client-network scores that decay, and who is asleep where
 * DESCRIPTION
 *	A hash table with an LRU list under one mutex. Every operation is a
 *	few memory accesses, so the lock is held only for those, never for a
 *	lookup or a sleep. A score is stored with the time it was last
 *	brought up to date and decayed on read:
 *
 *	    score(now) = score(t) * 2^(-(now - t) / half_life)
 *
 *	With shared scores (fleet.c) the table also takes what Redis says:
 *	score_raise() never lowers a score, so a Redis that lost its data
 *	cannot undo what this host has counted.
 *
 *	Each entry also keeps when it was made (born), which an update does
 *	not move; an entry evicted and made again is born again.
 */
#include "autoconfig.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"

struct sentry {
	struct sentry	*next;			/* hash chain */
	struct sentry	*older, *newer;		/* LRU list */
	uint64_t	hash;
	double		score;
	double		stamp;			/* when score was right */
	double		born;			/* when the entry was made */
	unsigned	asleep;
	char		key[];
};

struct score_table {
	pthread_mutex_t	mu;
	struct sentry	**buckets;
	size_t		nbuckets, count, max;
	struct sentry	*oldest, *newest;
	double		half_life;
};

/* hash - FNV-1a */
static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* score_new - an empty table; NULL if out of memory */
struct score_table *
score_new(size_t max_entries, double half_life)
{
	struct score_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	for (t->nbuckets = 64; t->nbuckets < max_entries && t->nbuckets <
	    (1u << 20); t->nbuckets <<= 1)
		;
	if ((t->buckets = calloc(t->nbuckets, sizeof(*t->buckets))) == NULL) {
		free(t);
		return NULL;
	}
	t->max = max_entries ? max_entries : 1;
	t->half_life = half_life > 0 ? half_life : 1;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

/* unlink_lru - take e out of the LRU list */
static void
unlink_lru(struct score_table *t, struct sentry *e)
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

/* touch - make e the newest */
static void
touch(struct score_table *t, struct sentry *e)
{
	if (t->newest == e)
		return;
	if (e->older || e->newer || t->oldest == e)
		unlink_lru(t, e);
	e->older = t->newest;
	if (t->newest)
		t->newest->newer = e;
	t->newest = e;
	if (t->oldest == NULL)
		t->oldest = e;
}

/* find - the entry for key, or NULL */
static struct sentry *
find(struct score_table *t, const char *key, uint64_t h)
{
	struct sentry *e;

	for (e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* drop - remove and free e */
static void
drop(struct score_table *t, struct sentry *e)
{
	struct sentry **pp = &t->buckets[e->hash & (t->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	unlink_lru(t, e);
	t->count--;
	free(e);
}

/* get_or_make - the entry for key, made (evicting the oldest) if needed */
static struct sentry *
get_or_make(struct score_table *t, const char *key, double now)
{
	uint64_t h = hash(key);
	struct sentry *e = find(t, key, h), *o, *next;
	size_t len;

	if (e)
		return e;
	for (o = t->oldest; o && t->count >= t->max; o = next) {
		next = o->newer;
		if (o->asleep == 0)
			drop(t, o);
	}
	len = strlen(key);
	if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
		return NULL;
	memcpy(e->key, key, len + 1);
	e->hash = h;
	e->stamp = e->born = now;
	e->next = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = e;
	t->count++;
	touch(t, e);
	return e;
}

/* decayed - e's score at now */
static double
decayed(const struct score_table *t, const struct sentry *e, double now)
{
	double age = now - e->stamp;

	return age <= 0 ? e->score : e->score * exp2(-age / t->half_life);
}

/* score_get - the score of key at now (0 if unknown); *asleep its sleepers */
double
score_get(struct score_table *t, const char *key, double now, unsigned *asleep)
{
	struct sentry *e;
	double s = 0;

	pthread_mutex_lock(&t->mu);
	e = find(t, key, hash(key));
	if (e)
		s = decayed(t, e, now);
	if (asleep)
		*asleep = e ? e->asleep : 0;
	pthread_mutex_unlock(&t->mu);
	return s;
}

/* score_add - add delta to key's score at now; returns the new score */
double
score_add(struct score_table *t, const char *key, double delta, double now)
{
	struct sentry *e;
	double s = 0;

	pthread_mutex_lock(&t->mu);
	if ((e = get_or_make(t, key, now)) != NULL) {
		e->score = decayed(t, e, now) + delta;
		e->stamp = now;
		s = e->score;
		touch(t, e);
	}
	pthread_mutex_unlock(&t->mu);
	return s;
}

/* score_raise - bring key's score at now up to value, if below */
double
score_raise(struct score_table *t, const char *key, double value, double now)
{
	struct sentry *e;
	double s = 0;

	pthread_mutex_lock(&t->mu);
	e = find(t, key, hash(key));
	if (e == NULL && value > 0)
		e = get_or_make(t, key, now);
	if (e) {
		s = decayed(t, e, now);
		if (value > s) {
			e->score = s = value;
			e->stamp = now;
			touch(t, e);
		}
	}
	pthread_mutex_unlock(&t->mu);
	return s;
}

/* score_sleep_enter - count one sleeper of key, if fewer than cap (0: none) */
int
score_sleep_enter(struct score_table *t, const char *key, unsigned cap,
    double now)
{
	struct sentry *e;
	int ok = 0;

	pthread_mutex_lock(&t->mu);
	if ((e = get_or_make(t, key, now)) != NULL &&
	    (cap == 0 || e->asleep < cap)) {
		e->asleep++;
		ok = 1;
	}
	pthread_mutex_unlock(&t->mu);
	return ok;
}

/* score_sleep_leave - one sleeper of key woke up */
void
score_sleep_leave(struct score_table *t, const char *key)
{
	struct sentry *e;

	pthread_mutex_lock(&t->mu);
	if ((e = find(t, key, hash(key))) != NULL && e->asleep > 0)
		e->asleep--;
	pthread_mutex_unlock(&t->mu);
}

/* score_age - seconds since key's entry was made, at now; -1 if none */
double
score_age(struct score_table *t, const char *key, double now)
{
	struct sentry *e;
	double age = -1;

	pthread_mutex_lock(&t->mu);
	if ((e = find(t, key, hash(key))) != NULL)
		age = now > e->born ? now - e->born : 0;
	pthread_mutex_unlock(&t->mu);
	return age;
}

/* score_updated - seconds since key's score was last set; -1 if none */
double
score_updated(struct score_table *t, const char *key, double now)
{
	struct sentry *e;
	double age = -1;

	pthread_mutex_lock(&t->mu);
	if ((e = find(t, key, hash(key))) != NULL)
		age = now > e->stamp ? now - e->stamp : 0;
	pthread_mutex_unlock(&t->mu);
	return age;
}

/* score_forget - drop key's entry (to 0 while asleep); 1 if there was one */
int
score_forget(struct score_table *t, const char *key, double now)
{
	struct sentry *e;
	int found;

	pthread_mutex_lock(&t->mu);
	e = find(t, key, hash(key));
	found = e != NULL;
	if (e && e->asleep > 0) {
		e->score = 0;
		e->stamp = e->born = now;
	} else if (e)
		drop(t, e);
	pthread_mutex_unlock(&t->mu);
	return found;
}

/* score_each - fn for every entry not negligible at now, newest first */
void
score_each(struct score_table *t, double now,
    void (*fn)(void *arg, const char *key, double score), void *arg)
{
	struct sentry *e;
	double s;

	pthread_mutex_lock(&t->mu);
	for (e = t->newest; e; e = e->older)
		if ((s = decayed(t, e, now)) >= SCORE_NEGLIGIBLE)
			fn(arg, e->key, s);
	pthread_mutex_unlock(&t->mu);
}

/* score_half_life - the table's half-life (1 if score_new got none) */
double
score_half_life(const struct score_table *t)
{
	return t->half_life;
}

/* score_count - entries in the table */
size_t
score_count(struct score_table *t)
{
	size_t n;

	pthread_mutex_lock(&t->mu);
	n = t->count;
	pthread_mutex_unlock(&t->mu);
	return n;
}

/* score_free - free the table */
void
score_free(struct score_table *t)
{
	if (t == NULL)
		return;
	while (t->oldest)
		drop(t, t->oldest);
	free(t->buckets);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
