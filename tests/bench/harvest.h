/*
 * NAME
 *	harvest 3h
 * SUMMARY
 *	the harvest simulator's shared state
 * DESCRIPTION
 *	harvest.c reads the options and the candidates and prints what the
 *	run learnt; harvest_smtp.c runs the SMTP connections; harvest_src.c
 *	picks each connection's source address. One thread:
 *	the globals below need no lock.
 */
#ifndef MT_HARVEST_H
#define MT_HARVEST_H

#include <netinet/in.h>
#include <sys/socket.h>
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

struct target {				/* one server: HOST:PORT, [HOST6]:PORT */
	struct sockaddr_storage addr;
	socklen_t alen;
	const char *name;		/* as given */
	unsigned long conns, rcpts, n2xx, n5xx, n421, n4xx, timeouts;
};

struct harvest_opt {
	enum strategy strat;
	int nconn, rcpts, retries;
	int per_conn;			/* reconnect: RCPTs per connection */
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
	int last_code;			/* clean: the last RCPT's answer */
	double last_rcpt;		/* ... and its time; -1 none */
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

/* src_prefix_parse - --source-prefix ADDR/N: a fresh address per session */
void src_prefix_parse(const char *spec);

/* src_family - the sources' address family; 0 when the kernel chooses */
int src_family(void);

/* src_bind - bind fd to the next source address (if any); 0 or -1 */
int src_bind(int fd, char *name, size_t len);

/* src_used - distinct source addresses of the run (at least 1) */
unsigned long src_used(void);

/* src_describe - the botnet prefix, for the report; NULL if none */
const char *src_describe(void);

/* smtp_setup - the connections and the epoll set */
void smtp_setup(void);

/* smtp_run - the event loop, until opt.duration or no work; the seconds */
double smtp_run(void);

/* smtp_in_flight - candidates sent and not answered yet */
size_t smtp_in_flight(void);

#endif
