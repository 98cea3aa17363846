/*
 * NAME
 *	tarpit 3h
 * SUMMARY
 *	interruptible sleeps in the worker threads
 * DESCRIPTION
 *	tarpit_sleep() holds the calling thread for a while; tarpit_stop()
 *	wakes every sleeper at once (shutdown) and makes later sleeps return
 *	immediately.
 */
#ifndef MT_TARPIT_H
#define MT_TARPIT_H

/* How to sleep: a cap on sleepers, and progress calls while asleep. */
struct tarpit_opts {
	unsigned	cap;		/* sleepers at once; 0: no cap */
	double		every;		/* call progress this often; 0: never */
	void		(*progress)(void *arg);
	void		*arg;
};

/*
 * tarpit_sleep - sleep up to seconds; returns the time slept, or -1 at
 * once if o->cap sleepers are asleep already
 */
double tarpit_sleep(double seconds, const struct tarpit_opts *o);

/* tarpit_stop - wake every sleeper now and refuse further sleeps */
void tarpit_stop(void);

/* tarpit_stopping - nonzero once tarpit_stop() was called */
int tarpit_stopping(void);

/* tarpit_sleepers - threads asleep right now */
unsigned tarpit_sleepers(void);

#endif
