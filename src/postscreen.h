/*
 * NAME
 *	postscreen 3h
 * SUMMARY
 *	harvesters in front of smtpd: a cidr: table for postscreen_access_list
 * DESCRIPTION
 *	With --postscreen-file, the client networks past the harvest score
 *	are written to a Postfix cidr: table, one "NET reject" line each,
 *	so that postscreen(8) turns them away before any smtpd process or
 *	milter session starts. A network stays listed while its score is
 *	at least the suspect score (it decays while postscreen keeps it
 *	out, and would otherwise come back at once), and only client
 *	networks are listed, never a wide one: a neighbour is not blocked.
 *	The file is written atomically, and only when its content changes,
 *	so that whatever reloads Postfix on a change does so rarely.
 */
#ifndef MT_POSTSCREEN_H
#define MT_POSTSCREEN_H

#include <stddef.h>

#include "clients.h"
#include "config.h"

#define POSTSCREEN_EVERY 5.0	/* seconds between two looks */

struct postscreen;

/* postscreen_new - nothing listed yet; NULL if out of memory */
struct postscreen *postscreen_new(void);

/*
 * postscreen_update - list the harvesters in cfg->postscreen_file if that
 * changed; 1 written, 0 unchanged, -1 failed (logged once a failure)
 */
int postscreen_update(struct postscreen *ps, struct clients *cs,
    const struct config *cfg);

/*
 * postscreen_listed - should net (a client network key: its prefix is
 * the configured one) with score be listed, given whether it was
 */
int postscreen_listed(const struct config *cfg, const char *net,
    double score, int was);

/* postscreen_free - forget the list */
void postscreen_free(struct postscreen *ps);

#endif
