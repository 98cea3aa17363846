/*
 * NAME
 *	score 3h
 * SUMMARY
 *	per-client-network scores that decay, and who is asleep where
 * DESCRIPTION
 *	Each client network (a key such as "192.0.2.7/32") has a score that
 *	grows by one for every unknown recipient it sends and halves every
 *	half-life. The table is bounded: past max_entries the entry updated
 *	longest ago goes, unless a session of that network is asleep in the
 *	tarpit. The clock is passed in, so tests need no sleeping.
 *	score_each() and score_age() let a caller save the table and tell
 *	how long a network has been known.
 */
#ifndef MT_SCORE_H
#define MT_SCORE_H

#include <stddef.h>

/* Scores below this are as good as gone: score_each() skips them. */
#define SCORE_NEGLIGIBLE	0.01

struct score_table;

/* score_new - an empty table; NULL if out of memory */
struct score_table *score_new(size_t max_entries, double half_life);

/* score_get - the score of key at now (0 if unknown); *asleep its sleepers */
double score_get(struct score_table *t, const char *key, double now,
    unsigned *asleep);

/* score_add - add delta to key's score at now; returns the new score */
double score_add(struct score_table *t, const char *key, double delta,
    double now);

/*
 * score_raise - bring key's score at now up to value, if below (an entry
 * is made only for a value above 0); returns the score
 */
double score_raise(struct score_table *t, const char *key, double value,
    double now);

/* score_sleep_enter - count one sleeper of key, if fewer than cap (0: none) */
int score_sleep_enter(struct score_table *t, const char *key, unsigned cap,
    double now);

/* score_sleep_leave - one sleeper of key woke up */
void score_sleep_leave(struct score_table *t, const char *key);

/* score_age - seconds since key's entry was made, at now; -1 if none */
double score_age(struct score_table *t, const char *key, double now);

/*
 * score_each - call fn for every entry, with its score decayed to now,
 * newest first; under the table's lock, so fn must not use the table
 * (entries below SCORE_NEGLIGIBLE are skipped)
 */
void score_each(struct score_table *t, double now,
    void (*fn)(void *arg, const char *key, double score), void *arg);

/* score_updated - seconds since key's score was last set, at now; -1 if none */
double score_updated(struct score_table *t, const char *key, double now);

/*
 * score_forget - drop key's entry (its score only, to 0, while sessions
 * of it are asleep, so their count stays); 1 if there was one
 */
int score_forget(struct score_table *t, const char *key, double now);

/* score_half_life - the table's half-life */
double score_half_life(const struct score_table *t);

/* score_count - entries in the table */
size_t score_count(struct score_table *t);

/* score_free - free the table */
void score_free(struct score_table *t);

#endif
