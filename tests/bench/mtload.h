/*
 * NAME
 *	mtload 3h
 * SUMMARY
 *	the milter load generator: options, sessions, figures
 * DESCRIPTION
 *	mtload.c reads the options, runs the event loop and prints the
 *	figures; mtload_session.c speaks the milter protocol for one
 *	session at a time, as Postfix's smtpd does, and calls back here
 *	(mtload_rcpt_next, mtload_record) for each recipient.
 */
#ifndef MT_MTLOAD_H
#define MT_MTLOAD_H

#include <stddef.h>
#include <stdint.h>

/* recipient classes, and what the filter answered to a recipient */
enum mtl_class { CLS_VALID, CLS_UNKNOWN, CLS_NONLOCAL, NCLS };
enum mtl_outcome { OUT_ACCEPT, OUT_REJECT, OUT_TEMPFAIL, OUT_OTHER,
	OUT_NOREPLY, NOUT };

/* why a session ended badly */
enum mtl_error { ERR_CONNECT, ERR_PROTOCOL, ERR_TIMEOUT, ERR_CLOSED,
	ERR_REFUSED, NERR };

#define MTL_ADDR_MAX	256
#define MTL_INLINE	256	/* input bytes kept inside the session */
#define MTL_PACKET_MAX	(1024 * 1024)

struct mtl_opts {
	const char *socket;		/* libmilter syntax */
	unsigned long concurrency;	/* sessions open at once */
	unsigned long sessions;		/* in all; 0: until the duration */
	unsigned long rcpts;		/* per transaction */
	unsigned long mails;		/* transactions per session */
	double duration;		/* measured seconds; 0: until sessions */
	double warmup;			/* seconds not measured */
	double timeout;			/* for one reply */
	double drain;			/* at the end, for replies under way */
	double connect_rate;		/* new sessions per second; 0: any */
	unsigned long opening_max;	/* sessions connecting at once */
	double mix[NCLS];		/* weights of the classes */
	const char *pattern[NCLS];	/* printf-like, %d index, %n serial */
	unsigned long range[NCLS];	/* indexes 0..range-1 */
	unsigned long repeat;		/* 0: unique; else first N, at random */
	const char *auth;		/* {auth_authen}, or NULL */
	const char *sender;
	const char *helo;
	unsigned char client[16];	/* first client address */
	int client_family;		/* AF_INET or AF_INET6 */
	uint64_t client_count;		/* addresses to cycle through */
	int expect[NCLS];		/* enum mtl_outcome, -1: anything */
	int strict;			/* errors make the exit status 1 */
	int hold;
	int verbose;
	int quiet;
	const char *status_file;
	unsigned long seed;
};

/* the milter a session talks to, as negotiated */
struct mtl_neg {
	unsigned long version, actions, proto;
	char *macros[7];		/* names per stage, NULL: Postfix's */
};

struct mtl_session {
	int fd;				/* -1: slot free */
	int state;			/* enum in mtload_session.c */
	uint64_t serial;		/* run-unique number */
	unsigned long mail_i, rcpt_i;	/* done in this session */
	double sent;			/* when the awaited command left */
	double since;			/* waiting since */
	int cls;			/* class of the recipient awaited */
	unsigned long proto;		/* negotiated protocol flags */
	int opening;			/* not negotiated yet */
	char rcpt[MTL_ADDR_MAX];
	unsigned char inl[MTL_INLINE];	/* input, while it fits */
	unsigned char *in;		/* inl or a larger heap buffer */
	size_t inlen, incap;
	unsigned char *pend;		/* output the socket did not take */
	size_t pendlen, pendoff;
};

extern struct mtl_opts mtl_o;
extern struct mtl_neg mtl_neg;
extern unsigned long mtl_opening;	/* sessions with opening set */

/* mtload_session.c */
int mtl_session_open(struct mtl_session *s, int epfd, uint64_t serial,
    double now);
int mtl_session_event(struct mtl_session *s, int epfd, uint32_t events,
    double now);
void mtl_session_close(struct mtl_session *s, int epfd, int quit);
void mtl_session_stop(struct mtl_session *s, int epfd);
int mtl_socket_parse(const char *spec, char *err, size_t errlen);
int mtl_session_waiting_rcpt(const struct mtl_session *s);

/* mtload.c: called by the sessions */
int mtload_rcpt_next(struct mtl_session *s, char *buf, size_t len);
void mtload_record(struct mtl_session *s, int outcome, double now,
    const char *reply);
void mtload_error(struct mtl_session *s, int err, const char *what);
int mtload_stopping(void);

#endif
