/*
 * NAME
 *	trust 3h
 * SUMMARY
 *	timed exemptions: networks treated as trusted until a given time
 * DESCRIPTION
 *	The control socket's "trust NET SECS" puts a client network here;
 *	until its time is up the network is treated as --trusted-networks
 *	(never delayed, never scored); with --redis every host learns it
 *	(trust_learn). The table is small and bounded; an
 *	entry past its time is as good as gone and is reused. One mutex,
 *	held for a scan of the table only. Times are util_now() seconds.
 */
#ifndef MT_TRUST_H
#define MT_TRUST_H

#include <stddef.h>

#define TRUST_MAX	1024	/* networks trusted at once */

struct trust;

/* trust_new - an empty table; NULL if out of memory */
struct trust *trust_new(void);

/*
 * trust_set - trust key until (replacing what it had; until <= now ends
 * it); 0 ok, -1 the table is full
 */
int trust_set(struct trust *t, const char *key, double until, double now);

/*
 * trust_learn - what Redis holds for key: trusted for left more seconds
 * (the entry is then shared), or not at all (left 0: a shared entry
 * ends, one given here while Redis was away stays); -1 the table is full
 */
int trust_learn(struct trust *t, const char *key, double left, double now);

/* trust_left - seconds key is still trusted at now; 0 if not */
double trust_left(struct trust *t, const char *key, double now);

/*
 * trust_each - fn for every network trusted at now, with its seconds
 * left; under the lock, so fn must not use the table
 */
void trust_each(struct trust *t, double now,
    void (*fn)(void *arg, const char *key, double left), void *arg);

/* trust_free - free the table */
void trust_free(struct trust *t);

#endif
