/*
 * NAME
 *	clients 3h
 * SUMMARY
 *	everything known about clients: scores, good records, attack mode
 * DESCRIPTION
 *	One process-wide object holds every piece of state about clients:
 *	the scores of client networks and of the wide networks around them,
 *	the good records of networks that delivered mail, the greylisting
 *	of attack mode and its budget, the daemon-wide count of unknown
 *	recipients that starts and ends attack mode, their sharing through
 *	Redis (--redis), and the state file that keeps them across a
 *	restart (--state-file). The milter asks it for a view of a client
 *	before each decision and reports what happened after; it never
 *	sees a table or a Redis request. Every function may be called from
 *	any thread; the tables lock inside, attack mode under its own lock.
 */
#ifndef MT_CLIENTS_H
#define MT_CLIENTS_H

#include <stddef.h>

#include "config.h"

struct clients;
struct client;

/* What a decision needs to know of its client. */
struct client_view {
	double		score;		/* the client network's, decayed */
	double		wide_score;	/* the wide network's around it */
	unsigned	asleep_net;	/* sessions of the network asleep */
	int		good;		/* known-good: delivered mail lately */
	int		attack;		/* attack mode is on */
};

/* clients_new - the tables, sized by cfg; NULL if out of memory */
struct clients *clients_new(const struct config *cfg);

/*
 * clients_share - with --redis, share scores, good records and the
 * attack count with every host from now on; 0 ok (or no --redis), -1
 * out of memory
 */
int clients_share(struct clients *cs, const struct config *cfg);

/*
 * clients_load - read --state-file, if there is one (logged); 0 ok or
 * nothing to read, -1 the file is bad (logged; the tables stay empty)
 */
int clients_load(struct clients *cs, const struct config *cfg);

/*
 * clients_tick - once a second from a thread of its own: attack mode's
 * end, and the state file every --state-interval
 */
void clients_tick(struct clients *cs, const struct config *cfg);

/* clients_stop - at exit: write the state file, stop sharing */
void clients_stop(struct clients *cs, const struct config *cfg);

/*
 * clients_connect - a new session from addr (text; "" or unparsable: no
 * network), trusted or not; NULL if out of memory. With --redis the
 * shared values are asked for now, so that they are in by the first
 * RCPT.
 */
struct client *clients_connect(struct clients *cs, const struct config *cfg,
    const char *addr);

/* clients_close - the session ended */
void clients_close(struct client *c);

/* clients_net - the client network's key ("192.0.2.7/32"), or "" */
const char *clients_net(const struct client *c);

/* clients_wide - the wide network's key, or "" */
const char *clients_wide(const struct client *c);

/*
 * clients_view - the client as it stands before a decision (exempt: an
 * authenticated or trusted session, which waits on nothing); the
 * tarpit's occupancy can start attack mode
 */
void clients_view(struct clients *cs, struct client *c,
    const struct config *cfg, int exempt, unsigned asleep_total,
    struct client_view *v);

/*
 * clients_pass - in attack mode: was this recipient greylisted for this
 * client and sender at least --greylist-time ago, and is there room in
 * the attack budget (taken if so); 1 let it through
 */
int clients_pass(struct clients *cs, struct client *c,
    const struct config *cfg, const char *sender, const char *rcpt);

/* clients_greylisted - attack mode answered "try again later" */
void clients_greylisted(struct clients *cs, struct client *c,
    const char *sender, const char *rcpt);

/*
 * clients_unknown - an unknown recipient from a client that is not
 * exempt: counted for attack mode; for the client's networks unless
 * the answer was hidden (it told nothing, so no later one may); a trap
 * makes the client suspect at once. The scores after it in *score and
 * *wide.
 */
void clients_unknown(struct clients *cs, struct client *c,
    const struct config *cfg, int good, int hidden, int trap,
    double *score, double *wide);

/*
 * clients_shared - the client network's shared score after the last
 * add, if Redis answered (waits for that answer, bounded), else score
 */
double clients_shared(struct clients *cs, struct client *c, double score);

/* clients_delivered - a message with valid recipients was accepted */
void clients_delivered(struct clients *cs, struct client *c);

/* clients_sleep_enter - one more sleeper of the network, if below cap */
int clients_sleep_enter(struct clients *cs, struct client *c, unsigned cap);

/* clients_sleep_leave - one sleeper of the network woke up */
void clients_sleep_leave(struct clients *cs, struct client *c);

/* clients_in_attack - is attack mode on (the statistics' gauge) */
int clients_in_attack(struct clients *cs);

/* clients_count - networks in the score table (the statistics' gauge) */
size_t clients_count(struct clients *cs);

/* What the control socket tells of one network. */
struct clients_entry {
	char		net[56];	/* "192.0.2.7/32", or "" */
	double		score;		/* decayed to now */
	double		updated;	/* seconds since set; -1 never */
	double		good;		/* good record, decayed */
	double		trust_left;	/* seconds exempt by control; 0 */
	unsigned	asleep;		/* its sessions in the tarpit */
};

/*
 * clients_list - fn for every network with a score, a good record or a
 * trust (client and wide networks alike), without any lock held; -1
 * out of memory
 */
int clients_list(struct clients *cs,
    void (*fn)(void *arg, const struct clients_entry *e), void *arg);

/*
 * clients_show - what is known of the client network net, and of the
 * wide network around it (wide->net "" if none)
 */
void clients_show(struct clients *cs, const struct config *cfg,
    const char *net, struct clients_entry *e, struct clients_entry *wide);

/*
 * clients_forget - drop net's score and good record, here and, with
 * --redis, in Redis; 1 if anything was known of it here
 */
int clients_forget(struct clients *cs, const char *net);

/* Where clients_trust() gave or ended a trust. */
enum clients_where {
	CLIENTS_HERE,		/* this host: no --redis */
	CLIENTS_SHARED,		/* every host sharing the Redis */
	CLIENTS_UNSHARED	/* this host only: Redis did not answer */
};

/*
 * clients_trust - treat net as --trusted-networks for secs from now (0:
 * no longer), and with --redis on every host sharing it (waits for
 * Redis, bounded); an enum clients_where, or -1 too many networks
 * trusted at once
 */
int clients_trust(struct clients *cs, const char *net, double secs);

/*
 * clients_is_trusted - is c's network trusted through the control socket,
 * here or, with --redis, on any host (the first call waits for the answer
 * asked for at connect, bounded by --redis-timeout)
 */
int clients_is_trusted(struct clients *cs, struct client *c);

#endif
