/*
 * NAME
 *	trust 3
 * SUMMARY
 *	timed exemptions: networks treated as trusted until a given time
 * DESCRIPTION
 *	A fixed array of TRUST_MAX slots, scanned under one mutex. Every
 *	RCPT asks trust_left(); while nothing is trusted that is a load of
 *	the count and no scan. An entry whose time is up is free again.
 *	An entry is "shared" once Redis has it (trust_learn): only such an
 *	entry ends when Redis says the network is no longer trusted, so a
 *	trust given here while Redis was away is not undone by it.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"
#include "util.h"

#define TRUST_KEY_MAX	56	/* "2001:db8::/64" and the like, with room */

struct tentry {
	char		key[TRUST_KEY_MAX];
	double		until;		/* 0: free */
	int		shared;		/* Redis has it (trust_learn) */
};

struct trust {
	pthread_mutex_t	mu;
	size_t		live;		/* slots in use, maybe expired */
	struct tentry	e[TRUST_MAX];
};

/* trust_new - an empty table; NULL if out of memory */
struct trust *
trust_new(void)
{
	struct trust *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

/* slot - key's slot, or NULL (t->mu held) */
static struct tentry *
slot(struct trust *t, const char *key)
{
	size_t i;

	for (i = 0; i < TRUST_MAX; i++)
		if (t->e[i].until > 0 && strcmp(t->e[i].key, key) == 0)
			return &t->e[i];
	return NULL;
}

/* expire - free the slots whose time is up at now (t->mu held) */
static void
expire(struct trust *t, double now)
{
	size_t i;

	for (i = 0; i < TRUST_MAX && t->live > 0; i++)
		if (t->e[i].until > 0 && t->e[i].until <= now) {
			t->e[i].until = 0;
			__atomic_sub_fetch(&t->live, 1, __ATOMIC_RELAXED);
		}
}

/*
 * put - set key's entry to until and shared, or end it (until <= now);
 * -1 the table is full (t->mu held)
 */
static int
put(struct trust *t, const char *key, double until, int shared, double now)
{
	struct tentry *e;
	size_t i;

	expire(t, now);
	if ((e = slot(t, key)) != NULL) {
		if (until > now) {
			e->until = until;
			e->shared = shared;
		} else {
			e->until = 0;
			__atomic_sub_fetch(&t->live, 1, __ATOMIC_RELAXED);
		}
		return 0;
	}
	if (until <= now)
		return 0;
	for (i = 0; i < TRUST_MAX && t->e[i].until > 0; i++)
		;
	if (i == TRUST_MAX)
		return -1;
	util_strlcpy(t->e[i].key, key, sizeof(t->e[i].key));
	t->e[i].until = until;
	t->e[i].shared = shared;
	__atomic_add_fetch(&t->live, 1, __ATOMIC_RELAXED);
	return 0;
}

/* trust_set - trust key until (until <= now ends it); -1 table full */
int
trust_set(struct trust *t, const char *key, double until, double now)
{
	int rc;

	if (strlen(key) >= TRUST_KEY_MAX)
		return -1;
	pthread_mutex_lock(&t->mu);
	rc = put(t, key, until, 0, now);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

/* trust_learn - what Redis says of key: left seconds, 0 none; -1 full */
int
trust_learn(struct trust *t, const char *key, double left, double now)
{
	struct tentry *e;
	int rc = 0;

	if (strlen(key) >= TRUST_KEY_MAX)
		return -1;
	pthread_mutex_lock(&t->mu);
	if (left > 0)
		rc = put(t, key, now + left, 1, now);
	else if ((e = slot(t, key)) != NULL && e->shared)
		rc = put(t, key, 0, 0, now);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

/* trust_left - seconds key is still trusted at now; 0 if not */
double
trust_left(struct trust *t, const char *key, double now)
{
	struct tentry *e;
	double left = 0;

	if (__atomic_load_n(&t->live, __ATOMIC_RELAXED) == 0)
		return 0;	/* the common case: nothing trusted */
	pthread_mutex_lock(&t->mu);
	if ((e = slot(t, key)) != NULL && e->until > now)
		left = e->until - now;
	pthread_mutex_unlock(&t->mu);
	return left;
}

/* trust_each - fn for every network trusted at now, with its time left */
void
trust_each(struct trust *t, double now,
    void (*fn)(void *arg, const char *key, double left), void *arg)
{
	size_t i;

	pthread_mutex_lock(&t->mu);
	for (i = 0; i < TRUST_MAX; i++)
		if (t->e[i].until > now)
			fn(arg, t->e[i].key, t->e[i].until - now);
	pthread_mutex_unlock(&t->mu);
}

/* trust_free - free the table */
void
trust_free(struct trust *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}
