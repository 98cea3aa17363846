/*
 * NAME
 *	control 3
 * SUMMARY
 *	the control socket: run-time questions and orders from the admin
 * DESCRIPTION
 *	One thread, one connection at a time: accept, read one line of at
 *	most CONTROL_LINE_MAX bytes within CONTROL_IO_SECONDS, parse it
 *	(control_req.c) with the options in force, act on the client tables
 *	(clients.c), build the whole reply in memory, write it, close. No
 *	lock is held while the reply is written: clients_list() reports
 *	with every table's lock released, so a slow reader holds up only
 *	the next request, never a session. Who asked (SO_PEERCRED) is
 *	logged with every change.
 */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cidr.h"
#include "clients.h"
#include "config.h"
#include "control.h"
#include "control_req.h"
#include "daemon.h"
#include "log.h"
#include "runtime.h"
#include "stats.h"
#include "tarpit.h"
#include "trust.h"
#include "util.h"

#define CONTROL_IO_SECONDS	2	/* a client's read or write, at most */
#define CONTROL_DRAIN_MAX	65536	/* unread input read before close */

struct control {
	int		fd;
	char		*path;
	struct clients	*cs;
	pthread_t	thread;
	int		started;
};

/* The reply, built whole before it is written. */
struct reply {
	char		*buf;
	size_t		len, cap;
	int		failed;		/* out of memory */
};

/* Who asked, for the log. */
struct peer {
	long		uid, pid;
};

/* say - append a formatted line to r */
static void say(struct reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *b;
	int n;

	if (r->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (r->len + (size_t)n + 1 > r->cap) {
		for (cap = r->cap ? r->cap : 1024; cap < r->len + (size_t)n + 1;)
			cap *= 2;
		if ((b = realloc(r->buf, cap)) == NULL) {
			r->failed = 1;
			return;
		}
		r->buf = b;
		r->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
	va_end(ap);
	r->len += (size_t)n;
}

/* when - the wall-clock time secs from now (negative: ago), ISO 8601 UTC */
static const char *
when(double secs, char *buf, size_t len)
{
	time_t t = time(NULL) + (time_t)(secs < 0 ? secs - 0.5 : secs + 0.5);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		util_strlcpy(buf, "-", len);
	return buf;
}

/* kind - "client" or "wide" for a key of the tables */
static const char *
kind(const struct config *cfg, const char *net)
{
	struct cidr c;

	if (cidr_parse(net, &c) == 0 && c.prefix !=
	    (c.net.family == 4 ? cfg->prefix4 : cfg->prefix6))
		return "wide";
	return "client";
}

/* state - control_state() with the options in force */
static const char *
state(const struct config *cfg, const struct clients_entry *e)
{
	return control_state(e->score, e->good, e->trust_left,
	    cfg->suspect_score, cfg->harvest_score, cfg->good_messages);
}

struct listing {
	struct reply	*r;
	const struct config *cfg;
	unsigned long	n;
};

/* list_one - one line of list */
static void
list_one(void *arg, const struct clients_entry *e)
{
	struct listing *l = arg;
	char upd[32], until[32];

	if (e->updated >= 0)
		when(-e->updated, upd, sizeof(upd));
	else
		util_strlcpy(upd, "-", sizeof(upd));
	if (e->trust_left > 0)
		when(e->trust_left, until, sizeof(until));
	else
		util_strlcpy(until, "-", sizeof(until));
	say(l->r, "%s kind=%s score=%.2f state=%s updated=%s good=%.2f"
	    " asleep=%u trusted_until=%s\n", e->net, kind(l->cfg, e->net),
	    e->score, state(l->cfg, e), upd, e->good, e->asleep, until);
	l->n++;
}

/* do_list - every network known */
static void
do_list(struct clients *cs, const struct config *cfg, struct reply *r)
{
	struct listing l = { r, cfg, 0 };

	if (clients_list(cs, list_one, &l) < 0) {
		r->len = 0;
		say(r, "error: out of memory for the list\n");
		return;
	}
	say(r, "# %lu network%s\n", l.n, l.n == 1 ? "" : "s");
}

/* do_show - one network and its wide network */
static void
do_show(struct clients *cs, const struct config *cfg, const char *net,
    struct reply *r)
{
	struct clients_entry e, w;
	char buf[32];

	clients_show(cs, cfg, net, &e, &w);
	say(r, "net %s\nscore %.2f\nstate %s\n", e.net, e.score,
	    state(cfg, &e));
	if (e.updated >= 0)
		say(r, "updated %s (%.0f s ago)\n", when(-e.updated, buf,
		    sizeof(buf)), e.updated);
	else
		say(r, "updated never\n");
	say(r, "good %.2f\nasleep %u\n", e.good, e.asleep);
	if (e.trust_left > 0)
		say(r, "trusted until %s (%.0f s left)\n", when(e.trust_left,
		    buf, sizeof(buf)), e.trust_left);
	else
		say(r, "trusted no\n");
	if (w.net[0])
		say(r, "wide %s\nwide_score %.2f\n", w.net, w.score);
	else
		say(r, "wide none\n");
}

/* do_trust - exempt a network for a while, or no longer */
static void
do_trust(struct clients *cs, const struct control_req *q,
    const struct peer *p, struct reply *r)
{
	static const char *const given[] = {
		"", " on every host",
		" on this host only: Redis did not answer"
	}, *const ended[] = {
		"", " on any host", " on this host: Redis did not answer"
	};
	static const char *const shared[] = { "", " shared=yes", " shared=no" };
	char buf[32];
	int w = clients_trust(cs, q->net, (double)q->secs);

	if (w < 0) {
		say(r, "error: %d networks are trusted already; end one with"
		    " trust NET 0\n", TRUST_MAX);
		return;
	}
	if (q->secs == 0) {
		log_info("control: trust net=%s ended by uid=%ld pid=%ld%s",
		    q->net, p->uid, p->pid, shared[w]);
		say(r, "%s is no longer trusted%s\n", q->net, ended[w]);
		return;
	}
	when((double)q->secs, buf, sizeof(buf));
	log_info("control: trust net=%s secs=%ld until=%s by uid=%ld"
	    " pid=%ld%s", q->net, q->secs, buf, p->uid, p->pid, shared[w]);
	say(r, "%s trusted until %s (%ld s)%s\n", q->net, buf, q->secs,
	    given[w]);
}

/* do_forget - drop a network's score and good record */
static void
do_forget(struct clients *cs, const struct control_req *q,
    const struct peer *p, struct reply *r)
{
	int known = clients_forget(cs, q->net);

	log_info("control: forget net=%s known=%s by uid=%ld pid=%ld", q->net,
	    known ? "yes" : "no", p->uid, p->pid);
	say(r, known ? "%s forgotten\n" : "%s was not known here\n", q->net);
}

/* answer - the reply to one request line */
static void
answer(struct clients *cs, const char *line, const struct peer *p,
    struct reply *r)
{
	struct stats_snapshot snap;
	struct control_req q;
	struct runtime *rt;
	char err[300], stats[1024];

	if ((rt = runtime_acquire()) == NULL) {
		say(r, "error: the daemon is stopping\n");
		return;
	}
	if (control_req_parse(line, (int)rt->cfg.prefix4,
	    (int)rt->cfg.prefix6, &q, err, sizeof(err)) < 0) {
		say(r, "error: %s\n", err);
		runtime_release(rt);
		return;
	}
	switch (q.cmd) {
	case CONTROL_LIST:
		do_list(cs, &rt->cfg, r);
		break;
	case CONTROL_SHOW:
		do_show(cs, &rt->cfg, q.net, r);
		break;
	case CONTROL_FORGET:
		do_forget(cs, &q, p, r);
		break;
	case CONTROL_TRUST:
		do_trust(cs, &q, p, r);
		break;
	case CONTROL_STATS:
		stats_snapshot(&snap);
		stats_format_line(&snap, stats, sizeof(stats));
		say(r, "%s\n", stats);
		break;
	}
	runtime_release(rt);
}

/*
 * read_line - one request from fd into buf (len: CONTROL_LINE_MAX + 1);
 * 0 a line (or all there was), 1 longer than the bound, -1 failed
 */
static int
read_line(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (memchr(buf, '\n', got) != NULL)
			return 0;
	}
	buf[got] = '\0';
	return got == len - 1 ? 1 : 0;
}

/* write_all - the whole reply; -1 if the client went away */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * drain - read what the client still sends (bounded), so that closing
 * with unread input does not reset the connection before it has read
 * the reply
 */
static void
drain(int fd)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	shutdown(fd, SHUT_WR);
	while (total < CONTROL_DRAIN_MAX &&
	    (n = read(fd, buf, sizeof(buf))) > 0)
		total += (size_t)n;
}

/* serve_one - one connection: a request, its reply */
static void
serve_one(struct clients *cs, int fd)
{
	struct timeval tv = { CONTROL_IO_SECONDS, 0 };
	struct reply r = { NULL, 0, 0, 0 };
	struct peer p = { -1, -1 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char line[CONTROL_LINE_MAX + 1];
	int rc;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
		p.uid = (long)cred.uid;
		p.pid = (long)cred.pid;
	}
	rc = read_line(fd, line, sizeof(line));
	if (rc < 0)
		return;
	if (rc > 0)
		say(&r, "error: request longer than %d bytes\n",
		    CONTROL_LINE_MAX - 1);
	else
		answer(cs, line, &p, &r);
	if (r.failed)
		write_all(fd, "error: out of memory\n", 21);
	else if (r.len > 0)
		write_all(fd, r.buf, r.len);
	free(r.buf);
	drain(fd);
}

/* control_main - the thread: accept until the daemon stops */
static void *
control_main(void *arg)
{
	struct control *ctl = arg;
	struct pollfd pfd;
	int fd;

	pfd.fd = ctl->fd;
	pfd.events = POLLIN;
	while (!tarpit_stopping()) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				usleep(100000);	/* the next try may do */
			continue;
		}
		serve_one(ctl->cs, fd);
		close(fd);
	}
	return NULL;
}

/* listen_at - a listening unix socket at path, mode 0600; -1 with err */
static int
listen_at(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (util_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "--control-socket: path too long: %s",
		    path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "--control-socket: socket: %s",
		    strerror(errno));
		return -1;
	}
	old = umask(0177);	/* never a moment with a wider mode */
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || listen(fd, 8) < 0) {
		snprintf(err, errlen, "--control-socket: cannot listen on %s:"
		    " %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* control_open - make and listen on the socket at path; NULL with err */
struct control *
control_open(const char *path, const char *user, char *err, size_t errlen)
{
	struct control *ctl;
	char why[400];

	if (daemon_socket_prepare(path, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "--control-socket: %s", why);
		return NULL;
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL ||
	    (ctl->path = strdup(path)) == NULL) {
		free(ctl);
		snprintf(err, errlen, "out of memory for the control socket");
		return NULL;
	}
	if ((ctl->fd = listen_at(path, err, errlen)) < 0) {
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	if (daemon_socket_perms(path, user, 0600, NULL, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "--control-socket: %s", why);
		control_stop(ctl);
		return NULL;
	}
	return ctl;
}

/* control_start - answer requests about cs from a thread; -1 if none */
int
control_start(struct control *ctl, struct clients *cs)
{
	ctl->cs = cs;
	if (pthread_create(&ctl->thread, NULL, control_main, ctl) != 0)
		return -1;
	ctl->started = 1;
	return 0;
}

/* control_stop - stop answering, remove the socket (NULL is fine) */
void
control_stop(struct control *ctl)
{
	if (ctl == NULL)
		return;
	if (ctl->started)
		pthread_join(ctl->thread, NULL);	/* sees tarpit_stopping() */
	close(ctl->fd);
	unlink(ctl->path);	/* may fail after the drop: replaced at start */
	free(ctl->path);
	free(ctl);
}
