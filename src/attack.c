/*
 * NAME
 *	attack 3
 * SUMMARY
 *	attack mode: when it starts and ends, and its budget
 * DESCRIPTION
 *	See attack.h. Half the threshold ends it, not the threshold, so a
 *	count that hovers around the threshold does not switch the mode
 *	on and off with every probe, and the hold time keeps it on through
 *	an attacker's pauses.
 */
#include "autoconfig.h"

#include <string.h>

#include "attack.h"

/* attack_update - start or end attack mode; what changed */
enum attack_change
attack_update(struct attack *a, const struct attack_opts *o, double count,
    int full, double now)
{
	int high = full || (o->threshold > 0 && count >= o->threshold / 2);

	if (!a->on) {
		if (!full && (o->threshold <= 0 || count < o->threshold))
			return ATTACK_SAME;
		memset(a, 0, sizeof(*a));
		a->on = 1;
		a->since = a->last_high = a->stamp = now;
		a->peak = count;
		a->full = full;
		return ATTACK_STARTED;
	}
	if (count > a->peak)
		a->peak = count;
	if (high) {
		a->last_high = now;
		return ATTACK_SAME;
	}
	if (now - a->last_high < o->hold)
		return ATTACK_SAME;
	a->on = 0;
	return ATTACK_ENDED;
}

/* attack_take - one place in the budget, if there is one; 1 taken */
int
attack_take(struct attack *a, const struct attack_opts *o, double now)
{
	double cap = o->budget > 1 ? o->budget : 1;

	if (!a->on || o->budget <= 0)
		return 0;
	if (now > a->stamp) {
		a->tokens += (now - a->stamp) * o->budget / 60;
		a->stamp = now;
	}
	if (a->tokens > cap)
		a->tokens = cap;
	if (a->tokens < 1)
		return 0;
	a->tokens -= 1;
	a->passed++;
	return 1;
}
