/*
 * NAME
 *	harvest_smtp 3
 * SUMMARY
 *	the harvest simulator's SMTP connections: one thread, epoll
 * DESCRIPTION
 *	Each of opt.nconn connections is a small state machine: connect
 *	(bound to the next source address, harvest_src.c, to the next
 *	server), banner,
 *	EHLO, MAIL, then RCPTs, one at a time, each answer awaited up to a
 *	deadline; RSET after opt.rcpts of them. What an answer means for the
 *	candidate in flight depends on the strategy (see harvest.c). A
 *	connection that is done, refused or lost goes idle and reconnects at
 *	its wake time. Commands are a few bytes on a fresh socket: a short
 *	send counts as a lost connection rather than being buffered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harvest.h"

enum state { ST_IDLE, ST_CONNECT, ST_BANNER, ST_EHLO, ST_MAIL, ST_RCPT,
	ST_RSET };

struct conn {
	int fd;
	enum state st;
	int cand;			/* candidate in flight, or -1 */
	int rcpts;			/* RCPTs in this transaction */
	int nrcpt;			/* RCPTs answered on this connection */
	struct target *t;		/* the server of this connection */
	double wake;			/* idle: reconnect at; else: deadline */
	double sent;			/* when the awaited command went out */
	double t0;			/* when the connection was started */
	size_t len;
	char buf[2048];
};

static struct conn *conns;
static int ep = -1;
static size_t next_to, next_conn, target_skip;
static double now_t;

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* queue_push - put candidate i at the back of the work queue */
void
queue_push(int i)
{
	queue[(qhead + qlen) % ncands] = i;
	qlen++;
}

/* queue_pop - the next candidate to try, or -1 */
static int
queue_pop(void)
{
	int i;

	if (qlen == 0)
		return -1;
	i = queue[qhead];
	qhead = (qhead + 1) % ncands;
	qlen--;
	return i;
}

/* smtp_in_flight - candidates sent and not answered yet */
size_t
smtp_in_flight(void)
{
	size_t n = 0;
	int i;

	for (i = 0; i < opt.nconn; i++)
		if (conns[i].cand >= 0)
			n++;
	return n;
}

/* verdict - the attacker concluded v about candidate i */
static void
verdict(int i, enum verdict v)
{
	struct cand *c = &cands[i];

	c->verdict = (unsigned char)v;
	if (v == V_VALID && c->valid)
		st.tp++;
	else if (v == V_VALID)
		st.fp++;
	else if (c->valid)
		st.fn++;
	else
		st.tn++;
}

/* unanswered - no verdict for candidate i this time: retry or give up */
static void
unanswered(int i)
{
	if (++cands[i].tries > opt.retries)
		st.gaveup++;
	else
		queue_push(i);
}

/* conn_close - drop the connection; reconnect after delay seconds */
static void
conn_close(struct conn *c, double delay)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->st = ST_IDLE;
	c->len = 0;
	c->rcpts = 0;
	c->wake = now_t + delay;
}

/* conn_fail - the session failed: its candidate goes back; reconnect later */
static void
conn_fail(struct conn *c, double delay)
{
	if (opt.strat == S_CLEAN)
		st.clean_bad++;		/* a session without its 250 */
	if (c->cand >= 0) {
		unanswered(c->cand);
		c->cand = -1;
	}
	conn_close(c, delay);
}

/* conn_send - send one command; 0 ok, -1 the connection is lost */
static int
conn_send(struct conn *c, enum state next, double wait, const char *fmt, ...)
{
	char line[1100];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    send(c->fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		st.lost++;
		conn_fail(c, 0.01);
		return -1;
	}
	c->st = next;
	c->sent = now_t;
	c->wake = now_t + wait;
	return 0;
}

/* conn_quit - QUIT without waiting for the answer, and reconnect later */
static void
conn_quit(struct conn *c, double delay)
{
	(void)send(c->fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
	conn_close(c, delay);
}

/* next_rcpt - send the next RCPT on c, or QUIT when there is no work */
static void
next_rcpt(struct conn *c)
{
	const char *addr;
	double wait = opt.strat == S_ORACLE ? opt.timeout : opt.rcpt_timeout;

	if (opt.strat == S_CLEAN) {
		addr = to_list[next_to++ % nto];
	} else {
		if ((c->cand = queue_pop()) < 0) {
			conn_quit(c, 0.1);
			return;
		}
		addr = cands[c->cand].addr;
		st.probes++;
	}
	c->t->rcpts++;
	conn_send(c, ST_RCPT, wait, "RCPT TO:<%s>\r\n", addr);
}

/* rcpt_reply - act on the answer to an RCPT */
static void
rcpt_reply(struct conn *c, int code)
{
	int i = c->cand;

	if (code / 100 == 2) {
		st.n2xx++;
		c->t->n2xx++;
	} else if (code / 100 == 5) {
		st.n5xx++;
		c->t->n5xx++;
	} else if (code == 421) {
		st.n421++;
		c->t->n421++;
	} else {
		st.n4xx++;
		c->t->n4xx++;
	}
	if (opt.strat == S_CLEAN) {
		st.last_code = code;
		st.last_rcpt = now_t - c->sent;
		/* times of the 250s only: a refusal is counted, not timed */
		if (code / 100 == 2) {
			st.clean_ok++;
			sample_add(&st.rcpt, now_t - c->sent);
			sample_add(&st.session, now_t - c->t0);
		} else {
			st.clean_bad++;
		}
		conn_quit(c, opt.interval);
		return;
	}
	sample_add(&st.rcpt, now_t - c->sent);
	c->cand = -1;
	if (code / 100 == 2 || code / 100 == 5) {
		st.answered++;
		verdict(i, code / 100 == 2 ? V_VALID : V_UNKNOWN);
	} else {
		unanswered(i);
		if (code == 421) {	/* the server hangs up */
			conn_close(c, 0);
			return;
		}
	}
	if (opt.strat == S_RECONNECT && ++c->nrcpt >= opt.per_conn) {
		conn_quit(c, 0);
		return;
	}
	if (++c->rcpts >= opt.rcpts) {
		c->rcpts = 0;
		conn_send(c, ST_RSET, opt.cmd_timeout, "RSET\r\n");
		return;
	}
	next_rcpt(c);
}

/* on_reply - act on a complete reply with this code */
static void
on_reply(struct conn *c, int code)
{
	switch (c->st) {
	case ST_BANNER:
		if (code == 220) {
			conn_send(c, ST_EHLO, opt.cmd_timeout, "EHLO %s\r\n",
			    opt.helo);
			return;
		}
		break;
	case ST_EHLO:
	case ST_RSET:
		if (code == 250) {
			conn_send(c, ST_MAIL, opt.cmd_timeout,
			    "MAIL FROM:<%s>\r\n", opt.sender);
			return;
		}
		break;
	case ST_MAIL:
		if (code == 250) {
			next_rcpt(c);
			return;
		}
		break;
	case ST_RCPT:
		rcpt_reply(c, code);
		return;
	default:
		return;		/* unsolicited, e.g. before connect completed */
	}
	/* a refused banner, EHLO, MAIL or RSET: start again */
	st.refused++;
	if (code == 421) {
		st.n421++;
		c->t->n421++;
	}
	conn_fail(c, 0.05);
}

/* conn_input - read what arrived and act on every complete reply */
static void
conn_input(struct conn *c)
{
	for (;;) {
		char *nl;
		ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			st.lost++;
			conn_fail(c, 0.01);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		c->len += (size_t)n;
		while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			size_t ll = (size_t)(nl - c->buf) + 1;
			const char *l = c->buf;
			int final = ll < 5 || l[3] != '-';

			if (ll >= 4 && l[0] >= '2' && l[0] <= '5' &&
			    l[1] >= '0' && l[1] <= '9' && l[2] >= '0' &&
			    l[2] <= '9' && final) {
				int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 +
				    (l[2] - '0');

				memmove(c->buf, c->buf + ll, c->len - ll);
				c->len -= ll;
				on_reply(c, code);
				if (c->fd < 0)
					return;
				continue;
			}
			memmove(c->buf, c->buf + ll, c->len - ll);
			c->len -= ll;
		}
		if (c->len == sizeof(c->buf))
			c->len = 0;	/* an overlong line: forget it */
	}
}

/*
 * next_target - the server of the next connection: each in turn, the turn
 * skipping target_skip more after each pass through the source addresses
 */
static struct target *
next_target(void)
{
	size_t nsrc = opt.nsrc ? opt.nsrc : 1, n = next_conn++;

	return &opt.targets[(n + n / nsrc * target_skip) % opt.ntargets];
}

/* gcd - greatest common divisor */
static size_t
gcd(size_t a, size_t b)
{
	while (b) {
		size_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* conn_start - open connection c from the next source address */
static void
conn_start(struct conn *c)
{
	struct epoll_event ev;
	char name[INET6_ADDRSTRLEN];

	c->t = next_target();
	c->fd = socket(c->t->addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket: %s", strerror(errno));
	if (src_bind(c->fd, name, sizeof(name)) < 0)
		die("bind to %s: %s%s", name, strerror(errno),
		    errno == EADDRNOTAVAIL ? " (a local route for the prefix? "
		    "net.ipv6.ip_nonlocal_bind=1?)" : "");
	c->t0 = now_t;
	c->len = 0;
	c->rcpts = 0;
	c->nrcpt = 0;
	c->t->conns++;
	st.conns++;
	if (connect(c->fd, (struct sockaddr *)&c->t->addr, c->t->alen) < 0 &&
	    errno != EINPROGRESS) {
		st.connfail++;
		conn_fail(c, 0.05);
		return;
	}
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.u32 = (uint32_t)(c - conns);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	c->st = ST_CONNECT;
	c->wake = now_t + opt.cmd_timeout;
}

/* conn_event - the socket of c is readable or writable */
static void
conn_event(struct conn *c, uint32_t events)
{
	if (c->st == ST_CONNECT) {
		struct epoll_event ev;
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
		    err != 0) {
			st.connfail++;
			conn_fail(c, 0.05);
			return;
		}
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)(c - conns);
		(void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		c->st = ST_BANNER;
		c->sent = now_t;
		c->wake = now_t + opt.cmd_timeout;
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_input(c);
}

/* conn_timeout - c waited past its deadline */
static void
conn_timeout(struct conn *c)
{
	c->t->timeouts++;
	if (c->st == ST_RCPT && opt.strat == S_ORACLE) {
		st.oracle++;		/* no answer in time: "unknown" */
		verdict(c->cand, V_UNKNOWN);
		c->cand = -1;
		conn_close(c, 0);
		return;
	}
	if (c->st == ST_RCPT && opt.strat == S_CLEAN) {
		st.last_code = 0;	/* no answer in time */
		st.last_rcpt = now_t - c->sent;
	}
	st.timeouts++;
	conn_fail(c, 0.01);
}

/* has_work - is there anything left to try, now or after a retry */
static int
has_work(void)
{
	if (opt.strat == S_CLEAN)
		return opt.count == 0 || st.clean_ok + st.clean_bad < opt.count;
	return qlen > 0 || smtp_in_flight() > 0;
}

/* smtp_setup - the connections and the epoll set */
void
smtp_setup(void)
{
	int i;

	conns = calloc((size_t)opt.nconn, sizeof(*conns));
	if (conns == NULL)
		die("out of memory");
	for (i = 0; i < opt.nconn; i++) {
		conns[i].fd = -1;
		conns[i].st = ST_IDLE;
		conns[i].cand = -1;
	}
	/* plain turns when every source address meets every server anyway */
	while (gcd((opt.nsrc ? opt.nsrc : 1) + target_skip, opt.ntargets) > 1)
		target_skip++;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1: %s", strerror(errno));
}

/* smtp_run - the event loop, until opt.duration or no work; the seconds */
double
smtp_run(void)
{
	struct epoll_event evs[256];
	double start = now(), end = start + opt.duration;
	int i, n;

	now_t = start;
	while (now_t < end && has_work()) {
		double next = end;
		int ms;

		for (i = 0; i < opt.nconn; i++) {
			struct conn *c = &conns[i];

			if (c->st == ST_IDLE && c->wake <= now_t &&
			    (opt.strat == S_CLEAN || qlen > 0))
				conn_start(c);
			if (c->st == ST_IDLE && qlen == 0 &&
			    opt.strat != S_CLEAN && c->wake <= now_t)
				c->wake = now_t + 0.05;	/* poll for retries */
			if (c->wake < next)
				next = c->wake;
		}
		ms = next > now_t ? (int)((next - now_t) * 1000) + 1 : 0;
		n = epoll_wait(ep, evs, 256, ms);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		now_t = now();
		for (i = 0; i < n; i++) {
			struct conn *c = &conns[evs[i].data.u32];

			if (c->fd >= 0)
				conn_event(c, evs[i].events);
		}
		for (i = 0; i < opt.nconn; i++)
			if (conns[i].st != ST_IDLE && conns[i].wake <= now_t)
				conn_timeout(&conns[i]);
	}
	return now() - start;
}
