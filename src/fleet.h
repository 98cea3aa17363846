/*
 * NAME
 *	fleet 3h
 * SUMMARY
 *	shared scores: client-network scores kept in Redis for every MX host
 * DESCRIPTION
 *	With --redis, every unknown recipient is also added to the client
 *	network's score in Redis, and the score there is read once per
 *	session and before each recipient of a client that has one. Redis
 *	applies the decay of score.c itself, in a Lua script, on its own
 *	clock, so every host sees one score. Each answer raises the local
 *	table (score.c) to the shared score; the local table stays the one
 *	the decisions read, so that with Redis slow or gone they go on from
 *	what it last said, and nothing waits for Redis longer than
 *	--redis-timeout.
 *
 *	Requests go to one I/O thread that owns the connection. A caller
 *	gets a request back (or NULL when Redis is down: use the local
 *	table), may wait for it until its deadline, and lets go of it with
 *	fleet_release() whether or not it waited: the add is made anyway.
 *
 *	FLEET_TRUST is no score: fleet_read() asks for the seconds a network
 *	is still trusted, fleet_add() trusts it for delta seconds on every
 *	host, fleet_forget() ends that; each answer (the seconds left) goes
 *	to the trust table (trust_learn()), and to a waiter.
 */
#ifndef MT_FLEET_H
#define MT_FLEET_H

#include <stddef.h>

#include "fleet_url.h"

#define FLEET_DEFAULT_TIMEOUT	0.1
#define FLEET_DEFAULT_PREFIX	"mt:"
#define FLEET_BACKOFF_MIN	0.5	/* first reconnect after a failure */
#define FLEET_BACKOFF_MAX	10.0	/* longest wait between attempts */

struct fleet;
struct fleet_req;
struct score_table;
struct trust;

/* What is shared: each kind a local table with its own half-life. */
enum fleet_kind {
	FLEET_SCORE,		/* client networks' scores: <prefix>score:NET */
	FLEET_GOOD,		/* good records: <prefix>good:NET */
	FLEET_ATTACK,		/* unknowns seen by every host: <prefix>attack:all */
	FLEET_TRUST,		/* trust NET SECS: <prefix>trust:NET (fleet_cmd.h) */
	FLEET_KINDS
};

struct fleet_opts {
	const struct fleet_url *url;
	const char	*password;	/* NULL: the URL's, if any */
	const char	*prefix;	/* key prefix, e.g. "mt:" */
	double		timeout;	/* connect, and one round trip */
	struct score_table *local[FLEET_KINDS];	/* raised to each answer */
	double		half_life[FLEET_KINDS];
	struct trust	*trust;		/* FLEET_TRUST's answers go here */
};

/*
 * fleet_start - connect (bounded by the timeout) and start the I/O
 * thread; the local table is raised to every score Redis returns.
 * Redis being down is no error: it is retried. NULL if out of memory.
 */
struct fleet *fleet_start(const struct fleet_opts *o);

/* fleet_stop - stop the thread and close the connection (at exit) */
void fleet_stop(struct fleet *f);

/* fleet_free - stop, and free f once no thread can use it (tests) */
void fleet_free(struct fleet *f);

/* fleet_read - ask for net's shared value; NULL if Redis is down */
struct fleet_req *fleet_read(struct fleet *f, enum fleet_kind kind,
    const char *net);

/*
 * fleet_add - add delta to net's shared score, which is first raised to
 * floor (this host's own view before the add); NULL if Redis is down
 */
struct fleet_req *fleet_add(struct fleet *f, enum fleet_kind kind,
    const char *net, double delta, double floor);

/* fleet_forget - delete net's shared value (the control socket's forget) */
struct fleet_req *fleet_forget(struct fleet *f, enum fleet_kind kind,
    const char *net);

/*
 * fleet_wait - wait for r until its deadline; 0 and *score set if Redis
 * answered, -1 if not (timed out, failed, or Redis went down)
 */
int fleet_wait(struct fleet *f, struct fleet_req *r, double *score);

/* fleet_release - the caller is done with r (NULL is fine) */
void fleet_release(struct fleet_req *r);

/*
 * fleet_probe - for -n: connect, authenticate, select, load the script
 * and read a score once; 0 ok, -1 failed; what happened in msg
 */
int fleet_probe(const struct fleet_opts *o, char *msg, size_t len);

/* fleet_backoff - seconds before reconnect attempt number streak (1, 2..) */
double fleet_backoff(unsigned streak);

/*
 * fleet_key - prefix + the kind's name ("score", "good", "attack") + ":"
 * + net into buf; -1 if it does not fit
 */
int fleet_key(const char *prefix, enum fleet_kind kind, const char *net,
    char *buf, size_t len);

/* fleet_key is in fleet_cmd.c, with the commands of FLEET_TRUST. */

/* fleet_script - the Lua script that reads and adds (for the tests) */
const char *fleet_script(void);

#endif
