/*
 * NAME
 *	state 3h
 * SUMMARY
 *	score tables saved to a file and loaded back after a restart
 * DESCRIPTION
 *	state_save() writes the entries of some named score tables to one
 *	text file; state_load() reads it back into (fresh) tables after a
 *	restart, decayed by the wall-clock time the daemon was away, so a
 *	network tarpitted a minute before a restart is still tarpitted
 *	after it.
 *
 *	Two clocks: now is util_now()-style monotonic seconds, what the
 *	tables are stamped with; wall is time(NULL)-style wall-clock
 *	seconds, the only clock that means the same thing across a restart.
 *
 *	The file:
 *
 *	    milter-tarpit-state 1 WALL
 *	    TABLE KEY SCORE
 *	    ...
 *
 *	WALL is the wall-clock time of the save and SCORE the score decayed
 *	to then, both plain decimals. TABLE is a table's name, KEY has no
 *	blank or control character and at most STATE_KEY_MAX bytes.
 */
#ifndef MT_STATE_H
#define MT_STATE_H

#include <stddef.h>

#include "score.h"

#define STATE_KEY_MAX	200	/* longest key saved or loaded */
#define STATE_NAME_MAX	32	/* longest table name */

struct state_table {
	const char		*name;	/* "score", "wide", "good": a word */
	struct score_table	*table;	/* NULL: not in use, lines skipped */
};

/*
 * state_save - write every table's entries to path atomically (a
 * temporary file in the same directory, fsync, rename), mode 0600:
 * 0 ok, -1 failed (why in msg)
 */
int state_save(const char *path, const struct state_table *tabs, size_t n,
    double now, double wall, char *msg, size_t len);

/*
 * state_load - read path and raise each named table's entries to the
 * saved scores decayed by the wall-clock time since the save (each table
 * with its own half-life): 1 loaded (how many entries in msg), 0 no such
 * file (a first start), -1 unreadable or bad (PATH:LINE: what, in msg;
 * nothing is loaded from a bad file)
 */
int state_load(const char *path, const struct state_table *tabs, size_t n,
    double now, double wall, char *msg, size_t len);

#endif
