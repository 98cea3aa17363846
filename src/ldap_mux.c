/*
 * NAME
 *	ldap_mux 3
 * SUMMARY
 *	many searches in flight on one LDAP connection
 * DESCRIPTION
 *	Searches are sent with ldap_search_ext() by the threads that want
 *	them, each under its own message id; one reader thread per
 *	connection takes every message that arrives (ldap_result() on any
 *	id, never blocking) and hands it to the search it belongs to, which
 *	sleeps on a condition variable of its own until its final message
 *	or its deadline. So a slow answer holds up nobody else's, and the
 *	pool needs no more connections than -P however many lookups run.
 *
 *	Locking: m->mu guards the handle, the list of searches in flight and
 *	every flag; every call into libldap on the handle is made with it
 *	held, so libldap never sees two threads on one handle. The reader
 *	waits in poll() on the socket and a wake-up pipe without the lock,
 *	and calls the pool's down callback without it too (the pool's lock
 *	may be taken before m->mu, never after).
 *
 *	Only the reader thread closes a connection: a search that fails to
 *	send, or times out, marks it dead and wakes the reader, which fails
 *	every search still in flight with LDAP_SERVER_DOWN, unbinds, and
 *	then tells the pool. A search whose deadline passes abandons its
 *	message id first. The failure counts once against the server: for
 *	the search that timed out or saw the error, not for the others that
 *	lost their connection with it (they may reconnect once).
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "ldap_mux.h"
#include "util.h"

struct mux_req {
	struct mux_req	*next, *prev;
	int		msgid;
	int		done;		/* the final message came, or failed */
	int		blame;		/* count the failure against the server */
	struct ldap_answer *a;
	pthread_cond_t	cv;
};

struct ldap_mux {
	pthread_mutex_t	mu;		/* guards all below but wake[] and tid */
	pthread_cond_t	cv;		/* the reader: a connection, or stop */
	pthread_condattr_t cvattr;	/* CLOCK_MONOTONIC, for mux_req.cv */
	LDAP		*l;		/* NULL: no connection */
	unsigned long	gen;		/* of l; bumped by each attach */
	int		dead;		/* close l: a search failed on it */
	int		stop;
	int		started;	/* the reader thread runs */
	pthread_t	tid;
	int		wake[2];	/* pipe: wakes the reader from poll() */
	struct mux_req	*pending;	/* searches in flight on l */
	ldap_mux_down_fn *down;
	void		*arg;
};

/* mux_wake - get the reader out of poll() */
static void
mux_wake(struct ldap_mux *m)
{
	char c = 0;

	/* A full pipe already holds a wake-up. */
	if (write(m->wake[1], &c, 1) < 0 && errno != EAGAIN)
		return;
}

/* req_unlink - take r off the list in flight (m->mu held) */
static void
req_unlink(struct ldap_mux *m, struct mux_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		m->pending = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

/* req_finish - r is over (m->mu held): off the list, its thread woken */
static void
req_finish(struct ldap_mux *m, struct mux_req *r)
{
	req_unlink(m, r);
	r->done = 1;
	pthread_cond_signal(&r->cv);
}

/*
 * mux_close - fail every search in flight with rc (the first one blamed
 * if blame), close the connection (m->mu held); the generation closed
 */
static unsigned long
mux_close(struct ldap_mux *m, int rc, int blame)
{
	while (m->pending) {
		m->pending->a->rc = rc;
		m->pending->blame = blame;
		blame = 0;
		req_finish(m, m->pending);
	}
	ldap_unbind_ext(m->l, NULL, NULL);
	m->l = NULL;
	m->dead = 0;
	return m->gen;
}

/* mux_read - take every message that is there (m->mu held) */
static void
mux_read(struct ldap_mux *m, int hangup)
{
	struct timeval zero = { 0, 0 };
	struct mux_req *r;
	LDAPMessage *msg;
	int got, id, rc, n = 0;

	for (;;) {
		msg = NULL;
		got = ldap_result(m->l, LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &msg);
		if (got == 0)
			break;
		if (got < 0) {
			rc = LDAP_SERVER_DOWN;
			ldap_get_option(m->l, LDAP_OPT_RESULT_CODE, &rc);
			(void)mux_close(m, rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN :
			    rc, 1);
			m->dead = 1;	/* the reader still owes the callback */
			return;
		}
		n++;
		id = ldap_msgid(msg);
		for (r = m->pending; r && r->msgid != id; r = r->next)
			continue;
		/* No one waits for an abandoned search's messages. */
		if (r && ldap_answer_take(m->l, msg, r->a))
			req_finish(m, r);
		ldap_msgfree(msg);
	}
	/* A hang-up with nothing to read: do not spin on it. */
	if (hangup && n == 0)
		m->dead = 1;
}

/* mux_main - the reader thread: read the connection until told to stop */
static void *
mux_main(void *arg)
{
	struct ldap_mux *m = arg;
	struct pollfd pfd[2];
	unsigned long gen;
	char buf[64];
	int fd;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		if (m->l == NULL && !m->dead) {
			pthread_cond_wait(&m->cv, &m->mu);
			continue;
		}
		if (m->dead) {
			gen = m->l ? mux_close(m, LDAP_SERVER_DOWN, 0) : m->gen;
			m->dead = 0;
			pthread_mutex_unlock(&m->mu);
			m->down(m->arg, gen);
			pthread_mutex_lock(&m->mu);
			continue;
		}
		fd = -1;
		if (ldap_get_option(m->l, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS
		    || fd < 0) {
			m->dead = 1;
			continue;
		}
		pthread_mutex_unlock(&m->mu);
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = m->wake[0];
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			pfd[0].revents = POLLERR;
		if (pfd[1].revents)
			while (read(m->wake[0], buf, sizeof(buf)) > 0)
				continue;
		pthread_mutex_lock(&m->mu);
		/* Only this thread closes l, so it is still the one polled. */
		if (m->l && !m->dead && pfd[0].revents)
			mux_read(m, (pfd[0].revents & (POLLHUP | POLLERR |
			    POLLNVAL)) != 0);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* ldap_mux_new - an empty slot; NULL without memory */
struct ldap_mux *
ldap_mux_new(ldap_mux_down_fn *down, void *arg)
{
	struct ldap_mux *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (pipe2(m->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	pthread_condattr_init(&m->cvattr);
	pthread_condattr_setclock(&m->cvattr, CLOCK_MONOTONIC);
	m->down = down;
	m->arg = arg;
	return m;
}

/* ldap_mux_attach - hand l over to m; its generation, 0 on failure */
unsigned long
ldap_mux_attach(struct ldap_mux *m, LDAP *l)
{
	unsigned long gen = 0;

	pthread_mutex_lock(&m->mu);
	/* Started on first use: after the daemon has forked, not before. */
	if (!m->started && pthread_create(&m->tid, NULL, mux_main, m) == 0)
		m->started = 1;
	if (m->started && m->l == NULL) {
		m->l = l;
		m->dead = 0;
		gen = ++m->gen;
		l = NULL;
		pthread_cond_signal(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	if (l)
		ldap_unbind_ext(l, NULL, NULL);
	return gen;
}

/* req_wait - wait for r until the deadline (m->mu held); 1 if answered */
static int
req_wait(struct ldap_mux *m, struct mux_req *r, double deadline)
{
	struct timespec ts;
	int rc = 0;

	util_abstime(deadline, &ts);
	while (!r->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&r->cv, &m->mu, &ts);
	return r->done;
}

/* ldap_mux_search - one search through m before the deadline */
int
ldap_mux_search(struct ldap_mux *m, const char *base, int scope,
    const char *filter, double deadline, struct ldap_answer *a,
    unsigned long *gen)
{
	static char *attrs[] = { LDAP_NO_ATTRS, NULL };
	struct mux_req r;
	struct timeval tv;
	double left;
	int rc;

	memset(&r, 0, sizeof(r));
	r.a = a;
	pthread_mutex_lock(&m->mu);
	*gen = m->gen;
	left = deadline - util_now();
	if (m->l == NULL || m->dead || left <= 0) {
		a->rc = left <= 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
		pthread_mutex_unlock(&m->mu);
		return 0;
	}
	tv.tv_sec = (time_t)left;
	tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
	rc = ldap_search_ext(m->l, base, scope, filter, attrs, 1, NULL, NULL,
	    &tv, 1, &r.msgid);
	if (rc != LDAP_SUCCESS) {
		a->rc = rc;
		m->dead = 1;	/* never reuse a connection that failed */
		mux_wake(m);
		pthread_mutex_unlock(&m->mu);
		return 1;
	}
	pthread_cond_init(&r.cv, &m->cvattr);
	r.next = m->pending;
	if (m->pending)
		m->pending->prev = &r;
	m->pending = &r;
	if (!req_wait(m, &r, deadline)) {
		req_unlink(m, &r);
		a->rc = LDAP_TIMEOUT;
		/* The first search to time out drops the connection. */
		r.blame = m->l != NULL && m->gen == *gen && !m->dead;
		if (r.blame) {
			ldap_abandon_ext(m->l, r.msgid, NULL, NULL);
			m->dead = 1;
			mux_wake(m);
		}
	}
	pthread_mutex_unlock(&m->mu);
	pthread_cond_destroy(&r.cv);
	return r.blame;
}

/* ldap_mux_drop - close the connection of generation gen, if still open */
void
ldap_mux_drop(struct ldap_mux *m, unsigned long gen)
{
	pthread_mutex_lock(&m->mu);
	if (m->l != NULL && m->gen == gen && !m->dead) {
		m->dead = 1;
		mux_wake(m);
	}
	pthread_mutex_unlock(&m->mu);
}

/* ldap_mux_free - stop the reader, close the connection, free m */
void
ldap_mux_free(struct ldap_mux *m)
{
	pthread_mutex_lock(&m->mu);
	m->stop = 1;
	pthread_cond_signal(&m->cv);
	mux_wake(m);
	pthread_mutex_unlock(&m->mu);
	if (m->started)
		pthread_join(m->tid, NULL);
	if (m->l)
		(void)mux_close(m, LDAP_SERVER_DOWN, 0);
	close(m->wake[0]);
	close(m->wake[1]);
	pthread_condattr_destroy(&m->cvattr);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
}
