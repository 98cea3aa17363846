/*
 * NAME
 *	attack 3h
 * SUMMARY
 *	attack mode: when it starts and ends, and its budget
 * DESCRIPTION
 *	A pure state machine with the clock passed in. Attack mode starts
 *	when the daemon-wide count of unknown recipients (from clients not
 *	known to be good, decayed with a half-life of a minute) reaches
 *	the threshold, or when the tarpit is full. It ends once the count
 *	has stayed below half the threshold, with the tarpit not full, for
 *	the hold time. While it lasts, a greylisted recipient that is
 *	retried may be answered as usual only with a place in the budget:
 *	a token bucket that fills at budget per minute up to budget, and
 *	starts empty, so what clients that are not known-good learn per
 *	minute is at most the budget. The caller locks.
 */
#ifndef MT_ATTACK_H
#define MT_ATTACK_H

#define ATTACK_HALF_LIFE 60.0	/* the daemon-wide count's, in seconds */

struct attack_opts {
	double		threshold;	/* count that starts it; 0: off */
	double		hold;		/* seconds quiet before it ends */
	double		budget;		/* answers let through per minute */
};

struct attack {
	int		on;
	double		since;		/* when it started */
	double		last_high;	/* a trigger held then */
	double		peak;		/* highest count since it started */
	double		tokens, stamp;	/* the budget, and when counted */
	int		full;		/* the tarpit being full started it */
	unsigned long	greylisted;	/* answers "try again later" */
	unsigned long	passed;		/* retries let through */
};

enum attack_change { ATTACK_SAME, ATTACK_STARTED, ATTACK_ENDED };

/*
 * attack_update - with the count now and whether the tarpit is full:
 * start or end attack mode; what changed
 */
enum attack_change attack_update(struct attack *a,
    const struct attack_opts *o, double count, int full, double now);

/* attack_take - one place in the budget, if there is one; 1 taken */
int attack_take(struct attack *a, const struct attack_opts *o, double now);

#endif
