/*
 * NAME
 *	harvest 3h
 * SUMMARY
 *	the harvest simulator's shared state
 * DESCRIPTION
 *	harvest.c reads the options and the candidates and prints what the
 *	run learnt; harvest_smtp.c runs the SMTP connections. One thread:
 *	the globals below need no lock.
 */
#ifndef MT_HARVEST_H
#define MT_HARVEST_H

#include <netinet/in.h>
#include <stddef.h>

enum strategy { S_WAIT, S_RECONNECT, S_ORACLE, S_CLEAN };

enum verdict { V_NONE, V_VALID, V_UNKNOWN };

struct cand {
	char *addr;
	unsigned char valid;		/* the truth */
	unsigned char verdict;		/* what the attacker concluded */
	unsigned char tries;		/* unanswered attempts so far */
};

struct samples {
	double *v;
	size_t n, cap;
};

struct target {				/* one server: HOST:PORT */
	struct sockaddr_in addr;
	const char *name;		/* as given */
	unsigned long conns, rcpts, n2xx, n5xx, n421, n4xx, timeouts;
};

struct harvest_opt {
	enum strategy strat;
	int nconn, rcpts, retries;
	unsigned long count;		/* clean: stop after this many; 0 no */
	double duration, timeout, rcpt_timeout, cmd_timeout, interval;
	const char *helo, *sender;
	struct target *targets;		/* new connections go to each in turn */
	size_t ntargets;
	struct in_addr *src;		/* source addresses, used in turn */
	size_t nsrc;
};

struct harvest_stats {
	unsigned long conns, connfail, probes, answered, n2xx, n5xx, n421,
	    n4xx, timeouts, oracle, lost, refused, tp, fp, tn, fn, gaveup;
	unsigned long clean_ok, clean_bad;
	struct samples rcpt, session;	/* RCPT answer, connect to answer */
};

extern struct harvest_opt opt;
extern struct harvest_stats st;
extern struct cand *cands;
extern size_t ncands;
extern char **to_list;			/* clean: its recipients */
extern size_t nto;
extern int *queue;			/* candidates to try: a ring */
extern size_t qhead, qlen;

/* die - print a message and exit 2 */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* sample_add - remember one measurement */
void sample_add(struct samples *s, double v);

/* queue_push - put candidate i at the back of the work queue */
void queue_push(int i);

/* smtp_setup - the connections and the epoll set */
void smtp_setup(void);

/* smtp_run - the event loop, until opt.duration or no work; the seconds */
double smtp_run(void);

/* smtp_in_flight - candidates sent and not answered yet */
size_t smtp_in_flight(void);

#endif
