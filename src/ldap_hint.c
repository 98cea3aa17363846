/*
 * NAME
 *	ldap_hint 3
 * SUMMARY
 *	why a connection to an LDAP server failed, in words
 * DESCRIPTION
 *	libldap reports a TLS handshake that the server rejected, a server
 *	that refuses connections and one that did not answer in time all
 *	as "Can't contact LDAP server". The caller tells a timeout by the
 *	clock and says so without asking here; for a quick failure over
 *	TLS, a plain TCP connect to the same host and port shows whether the
 *	server is there at all.
 *
 *	The probe (name lookup and connect) runs in a detached thread of its
 *	own, because getaddrinfo() takes no timeout: the caller waits for it
 *	only until the lookup's deadline, and gives no hint if it is late.
 *	The probe's state is shared by both and freed by whichever of the
 *	two lets go of it last.
 */
#include "autoconfig.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "ldap_hint.h"
#include "util.h"

#define PROBE_STACK	(256 * 1024)	/* getaddrinfo() and its NSS modules */

struct probe {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	int		refs;		/* guarded by mu: caller and thread */
	int		done;		/* guarded by mu */
	int		ok;		/* guarded by mu: TCP connected */
	double		deadline;	/* monotonic */
	char		port[16];
	char		host[];
};

/* probe_unref - let go of p; the last one out frees it */
static void
probe_unref(struct probe *p)
{
	int left;

	pthread_mutex_lock(&p->mu);
	left = --p->refs;
	pthread_mutex_unlock(&p->mu);
	if (left > 0)
		return;
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* tcp_connect - a non-blocking connect to ai, waited for until deadline */
static int
tcp_connect(const struct addrinfo *ai, double deadline)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, ok = 0, soerr = 0, ms;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		ok = 1;
	} else if (errno == EINPROGRESS) {
		ms = (int)((deadline - util_now()) * 1000);
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (ms > 0 && poll(&pfd, 1, ms) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
		    soerr == 0)
			ok = 1;
	}
	close(fd);
	return ok;
}

/* probe_main - the probe thread: resolve, connect, report, let go */
static void *
probe_main(void *arg)
{
	struct probe *p = arg;
	struct addrinfo hints, *res = NULL;
	int ok = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(p->host, p->port, &hints, &res) == 0 && res)
		ok = tcp_connect(res, p->deadline);
	if (res)
		freeaddrinfo(res);
	pthread_mutex_lock(&p->mu);
	p->ok = ok;
	p->done = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	probe_unref(p);
	return NULL;
}

/* probe_new - the probe of host:port, or NULL without memory */
static struct probe *
probe_new(const char *host, int port, double deadline)
{
	pthread_condattr_t attr;
	struct probe *p;
	size_t n = strlen(host);

	if ((p = calloc(1, sizeof(*p) + n + 1)) == NULL)
		return NULL;
	memcpy(p->host, host, n + 1);
	snprintf(p->port, sizeof(p->port), "%d", port);
	p->deadline = deadline;
	p->refs = 2;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &attr);
	pthread_condattr_destroy(&attr);
	return p;
}

/*
 * tcp_reachable - does a plain TCP connect to host:port succeed before
 * the deadline? 0 also when the probe could not be started or is late.
 */
static int
tcp_reachable(const char *host, int port, double deadline)
{
	struct timespec ts;
	pthread_attr_t attr;
	pthread_t tid;
	struct probe *p;
	int ok = 0, rc = 0;

	if ((p = probe_new(host, port, deadline)) == NULL)
		return 0;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, PROBE_STACK);
	if (pthread_create(&tid, &attr, probe_main, p) != 0) {
		pthread_attr_destroy(&attr);
		p->refs = 1;
		probe_unref(p);
		return 0;
	}
	pthread_attr_destroy(&attr);
	util_abstime(deadline, &ts);
	pthread_mutex_lock(&p->mu);
	while (!p->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	ok = p->done && p->ok;
	pthread_mutex_unlock(&p->mu);
	probe_unref(p);
	return ok;
}

/* ldap_hint_tls - append the likely cause when a TLS connection failed */
void
ldap_hint_tls(const char *uri, int rc, double deadline, char *msg, size_t len)
{
	LDAPURLDesc *lud = NULL;
	size_t n = strlen(msg);
	int port;

	if (rc != LDAP_SERVER_DOWN && rc != LDAP_CONNECT_ERROR)
		return;
	if (uri == NULL || ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS)
		return;
	if (lud->lud_host && lud->lud_host[0] != '\0' &&
	    strcasecmp(lud->lud_scheme, "ldapi") != 0) {
		port = lud->lud_port ? lud->lud_port :
		    strcasecmp(lud->lud_scheme, "ldaps") == 0 ? 636 : 389;
		if (n < len && tcp_reachable(lud->lud_host, port, deadline))
			snprintf(msg + n, len - n, " (TCP connects, so the TLS"
			    " handshake failed: is the server's certificate"
			    " signed by a CA in --tls-cacert or TLS_CACERT, and"
			    " does its name match the URI?)");
	}
	ldap_free_urldesc(lud);
}
