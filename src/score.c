/*
 * NAME
 *	score 3
 * SUMMARY
 *	per-client-network scores that decay, and who is asleep where
 * DESCRIPTION
 *	A hash table with an LRU list (lru.c) under one mutex. Every
 *	operation is a few memory accesses, so the lock is held only for
 *	those, never for a lookup or a sleep. A score is stored with the time it was last
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
#include <stdlib.h>
#include <string.h>

#include "lru.h"
#include "score.h"

struct sentry {
	double		score;
	double		stamp;			/* when score was right */
	double		born;			/* when the entry was made */
	unsigned	asleep;
};

struct score_table {
	pthread_mutex_t	mu;
	struct lru	lru;			/* payload: struct sentry */
	size_t		max;
	double		half_life;
};

/* score_new - an empty table; NULL if out of memory */
struct score_table *
score_new(size_t max_entries, double half_life)
{
	struct score_table *t = calloc(1, sizeof(*t));
	size_t nb;

	if (t == NULL)
		return NULL;
	for (nb = 64; nb < max_entries && nb < (1u << 20); nb <<= 1)
		;
	if (lru_init(&t->lru, nb, sizeof(struct sentry), NULL) < 0) {
		free(t);
		return NULL;
	}
	t->max = max_entries ? max_entries : 1;
	t->half_life = half_life > 0 ? half_life : 1;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

/* sentry - the scores an entry holds */
static struct sentry *
sentry(struct lru_entry *e)
{
	return (struct sentry *)e->payload;
}

/* find - the entry for key, or NULL */
static struct lru_entry *
find(struct score_table *t, const char *key)
{
	return lru_find(&t->lru, key, lru_hash(key));
}

/* asleep_here - must an entry stay: a session of its network is asleep */
static int
asleep_here(const void *payload)
{
	return ((const struct sentry *)payload)->asleep > 0;
}

/* get_or_make - the entry for key, made (evicting the oldest) if needed */
static struct lru_entry *
get_or_make(struct score_table *t, const char *key, double now)
{
	uint64_t h = lru_hash(key);
	struct lru_entry *e = lru_find(&t->lru, key, h);

	if (e)
		return e;
	lru_evict(&t->lru, t->max, asleep_here);
	if ((e = lru_insert(&t->lru, key, h)) == NULL)
		return NULL;
	sentry(e)->stamp = sentry(e)->born = now;
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
	struct lru_entry *e;
	double s = 0;

	pthread_mutex_lock(&t->mu);
	e = find(t, key);
	if (e)
		s = decayed(t, sentry(e), now);
	if (asleep)
		*asleep = e ? sentry(e)->asleep : 0;
	pthread_mutex_unlock(&t->mu);
	return s;
}

/* score_add - add delta to key's score at now; returns the new score */
double
score_add(struct score_table *t, const char *key, double delta, double now)
{
	struct lru_entry *e;
	struct sentry *se;
	double s = 0;

	pthread_mutex_lock(&t->mu);
	if ((e = get_or_make(t, key, now)) != NULL) {
		se = sentry(e);
		se->score = decayed(t, se, now) + delta;
		se->stamp = now;
		s = se->score;
		lru_touch(&t->lru, e);
	}
	pthread_mutex_unlock(&t->mu);
	return s;
}

/* score_raise - bring key's score at now up to value, if below */
double
score_raise(struct score_table *t, const char *key, double value, double now)
{
	struct lru_entry *e;
	struct sentry *se;
	double s = 0;

	pthread_mutex_lock(&t->mu);
	e = find(t, key);
	if (e == NULL && value > 0)
		e = get_or_make(t, key, now);
	if (e) {
		se = sentry(e);
		s = decayed(t, se, now);
		if (value > s) {
			se->score = s = value;
			se->stamp = now;
			lru_touch(&t->lru, e);
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
	struct lru_entry *e;
	int ok = 0;

	pthread_mutex_lock(&t->mu);
	if ((e = get_or_make(t, key, now)) != NULL &&
	    (cap == 0 || sentry(e)->asleep < cap)) {
		sentry(e)->asleep++;
		ok = 1;
	}
	pthread_mutex_unlock(&t->mu);
	return ok;
}

/* score_sleep_leave - one sleeper of key woke up */
void
score_sleep_leave(struct score_table *t, const char *key)
{
	struct lru_entry *e;

	pthread_mutex_lock(&t->mu);
	if ((e = find(t, key)) != NULL && sentry(e)->asleep > 0)
		sentry(e)->asleep--;
	pthread_mutex_unlock(&t->mu);
}

/* score_age - seconds since key's entry was made, at now; -1 if none */
double
score_age(struct score_table *t, const char *key, double now)
{
	struct lru_entry *e;
	double age = -1;

	pthread_mutex_lock(&t->mu);
	if ((e = find(t, key)) != NULL)
		age = now > sentry(e)->born ? now - sentry(e)->born : 0;
	pthread_mutex_unlock(&t->mu);
	return age;
}

/* score_updated - seconds since key's score was last set; -1 if none */
double
score_updated(struct score_table *t, const char *key, double now)
{
	struct lru_entry *e;
	double age = -1;

	pthread_mutex_lock(&t->mu);
	if ((e = find(t, key)) != NULL)
		age = now > sentry(e)->stamp ? now - sentry(e)->stamp : 0;
	pthread_mutex_unlock(&t->mu);
	return age;
}

/* score_forget - drop key's entry (to 0 while asleep); 1 if there was one */
int
score_forget(struct score_table *t, const char *key, double now)
{
	struct lru_entry *e;
	struct sentry *se;
	int found;

	pthread_mutex_lock(&t->mu);
	e = find(t, key);
	found = e != NULL;
	se = e ? sentry(e) : NULL;
	if (se && se->asleep > 0) {
		se->score = 0;
		se->stamp = se->born = now;
	} else if (e)
		lru_remove(&t->lru, e);
	pthread_mutex_unlock(&t->mu);
	return found;
}

/* score_each - fn for every entry not negligible at now, newest first */
void
score_each(struct score_table *t, double now,
    void (*fn)(void *arg, const char *key, double score), void *arg)
{
	struct lru_entry *e;
	double s;

	pthread_mutex_lock(&t->mu);
	for (e = t->lru.newest; e; e = e->older)
		if ((s = decayed(t, sentry(e), now)) >= SCORE_NEGLIGIBLE)
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
	n = t->lru.count;
	pthread_mutex_unlock(&t->mu);
	return n;
}

/* score_free - free the table */
void
score_free(struct score_table *t)
{
	if (t == NULL)
		return;
	lru_destroy(&t->lru);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
