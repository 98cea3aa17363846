/*
 * NAME
 *	directory_ldap 3
 * SUMMARY
 *	LDAP directory backend with a bounded connection pool
 * DESCRIPTION
 *	The pool has -P slots, each a mux (ldap_mux.c): at most one
 *	connection and any number of searches in flight on it, read by the
 *	slot's own thread. A lookup takes the open connection with the
 *	fewest searches in flight; it opens one more (in a free slot) only
 *	when every open one is already busy, so there are never more
 *	connections than slots, however many lookups run. The pool mutex
 *	guards only the slots' states, counts and the server state, never
 *	a network call; a lookup that finds every slot still connecting
 *	waits on a condition variable, but never past its deadline.
 *
 *	Each lookup has one deadline (the --ldap-timeout from its start)
 *	that bounds the wait for a slot, connect, StartTLS, bind and search
 *	together. A connection that fails or on which a search times out is
 *	dropped, never reused (the search's message id is abandoned first);
 *	a pooled connection that the server closed (a restart) is reopened
 *	once, as Postfix's dict_ldap does.
 *
 *	Failover: servers are tried in the order given, each with its share
 *	of the time left. A server that fails (connect, bind, or a search
 *	that times out or finds it gone) is skipped for 1, 2, 4 ... 60 s;
 *	when every server is being skipped, the one due first is tried. A
 *	failure counts once per connection, not once per search that was in
 *	flight on it. Connections are opened in directory_ldap_conn.c.
 *	Searches ask for no attributes and at most one entry.
 *
 *	Outcomes: entries found, or a size limit hit after one entry, is
 *	"found"; a search that succeeds with no entry is "not found";
 *	everything else, including a missing search base, is an error.
 *	Continuation references and referrals are followed (in
 *	directory_ldap_ref.c, synchronously, on connections of their own):
 *	"not found" only if every server referred to says so.
 */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "directory_ldap.h"
#include "directory_ldap_conn.h"
#include "directory_ldap_ref.h"
#include "ldap_escape.h"
#include "ldap_mux.h"
#include "log.h"
#include "util.h"

#define BACKOFF_MAX 60.0	/* seconds between tries of a dead server */

enum slot_state {
	SLOT_EMPTY,		/* no connection: free to open one */
	SLOT_CONNECTING,	/* a lookup is opening one */
	SLOT_UP			/* connected: searches go through mux */
};

struct ldap_slot {
	struct ldap_dir	*dir;
	struct ldap_mux	*mux;
	enum slot_state	state;		/* guarded by ldap_dir.mu, as below */
	unsigned long	gen;		/* the mux's generation when up */
	int		inflight;	/* lookups on it now */
	int		server;		/* index of the server it talks to */
};

struct ldap_server {
	char	*uri;		/* NULL: libldap's default (ldap.conf) */
	int	failures;	/* in a row; guarded by ldap_dir.mu */
	double	retry_at;	/* not before this (monotonic) */
};

struct ldap_dir {
	pthread_mutex_t	mu;		/* guards slot states, down, servers */
	pthread_cond_t	cv;		/* a slot came up or became free */
	struct ldap_slot *slots;
	int		nslots;
	int		down;		/* last lookup failed: log recovery */
	struct ldap_server *servers;
	int		nservers;
	char		*base;
	int		scope;
	char		*filter;
	struct ldap_conn_cfg conn;
	double		timeout;
};

/*
 * slot_take - a slot before the deadline (pool mutex not held): the open
 * connection with the fewest lookups on it, or, if allow_new and every
 * open one is busy, a free slot to connect (*fresh set, *had_up whether
 * an open one was there); NULL on timeout
 */
static struct ldap_slot *
slot_take(struct ldap_dir *ld, double deadline, int allow_new, int *fresh,
    int *had_up)
{
	struct ldap_slot *best, *empty, *found = NULL;
	struct timespec ts;
	int i, rc = 0, connecting;

	util_abstime(deadline, &ts);
	pthread_mutex_lock(&ld->mu);
	for (;;) {
		best = empty = NULL;
		connecting = 0;
		for (i = 0; i < ld->nslots; i++) {
			struct ldap_slot *s = &ld->slots[i];

			if (s->state == SLOT_UP && (best == NULL ||
			    s->inflight < best->inflight))
				best = s;
			else if (s->state == SLOT_EMPTY && empty == NULL)
				empty = s;
			else if (s->state == SLOT_CONNECTING)
				connecting++;
		}
		*had_up = best != NULL;
		if (allow_new && empty && (best == NULL || best->inflight > 0)) {
			empty->state = SLOT_CONNECTING;
			found = empty;
			*fresh = 1;
			break;
		}
		if (best) {
			best->inflight++;
			found = best;
			*fresh = 0;
			break;
		}
		if (rc == ETIMEDOUT || (!allow_new && connecting == 0))
			break;
		rc = pthread_cond_timedwait(&ld->cv, &ld->mu, &ts);
	}
	pthread_mutex_unlock(&ld->mu);
	return found;
}

/* slot_put - a lookup is done with the slot */
static void
slot_put(struct ldap_dir *ld, struct ldap_slot *slot)
{
	pthread_mutex_lock(&ld->mu);
	slot->inflight--;
	pthread_mutex_unlock(&ld->mu);
}

/* slot_settle - a connect ended: up with l (0), or free again (-1) */
static int
slot_settle(struct ldap_dir *ld, struct ldap_slot *slot, LDAP *l, int server)
{
	unsigned long gen = 0;

	pthread_mutex_lock(&ld->mu);
	/* Attached under the pool mutex, so the down callback comes after. */
	if (l)
		gen = ldap_mux_attach(slot->mux, l);
	if (gen) {
		slot->state = SLOT_UP;
		slot->gen = gen;
		slot->server = server;
		slot->inflight++;
	} else {
		slot->state = SLOT_EMPTY;
	}
	pthread_cond_broadcast(&ld->cv);
	pthread_mutex_unlock(&ld->mu);
	return gen ? 0 : -1;
}

/* slot_down - the mux closed connection gen (its reader thread calls) */
static void
slot_down(void *arg, unsigned long gen)
{
	struct ldap_slot *slot = arg;
	struct ldap_dir *ld = slot->dir;

	pthread_mutex_lock(&ld->mu);
	if (slot->state == SLOT_UP && slot->gen == gen) {
		slot->state = SLOT_EMPTY;
		pthread_cond_broadcast(&ld->cv);
	}
	pthread_mutex_unlock(&ld->mu);
}

/* server_failed - note a failure of server i: back off exponentially */
static void
server_failed(struct ldap_dir *ld, int i)
{
	struct ldap_server *sv = &ld->servers[i];
	double wait;

	pthread_mutex_lock(&ld->mu);
	sv->failures++;
	wait = sv->failures > 6 ? BACKOFF_MAX : (double)(1 << (sv->failures - 1));
	sv->retry_at = util_now() + (wait < BACKOFF_MAX ? wait : BACKOFF_MAX);
	pthread_mutex_unlock(&ld->mu);
}

/* server_ok - server i answered: forget its failures */
static void
server_ok(struct ldap_dir *ld, int i)
{
	pthread_mutex_lock(&ld->mu);
	ld->servers[i].failures = 0;
	ld->servers[i].retry_at = 0;
	pthread_mutex_unlock(&ld->mu);
}

/*
 * server_order - the servers to try, in order: those not backing off, in
 * the order given; if every one is backing off, the one due first.
 */
static int
server_order(struct ldap_dir *ld, int *order)
{
	double now = util_now();
	int i, n = 0, soonest = 0;

	pthread_mutex_lock(&ld->mu);
	for (i = 0; i < ld->nservers; i++) {
		if (ld->servers[i].retry_at <= now)
			order[n++] = i;
		if (ld->servers[i].retry_at < ld->servers[soonest].retry_at)
			soonest = i;
	}
	pthread_mutex_unlock(&ld->mu);
	if (n == 0)
		order[n++] = soonest;
	return n;
}

/* slot_connect - connect the slot to the first server that answers */
static int
slot_connect(struct ldap_dir *ld, struct ldap_slot *slot, double deadline,
    struct dir_query *q)
{
	int order[64], n, k;
	double left;
	LDAP *l;

	n = server_order(ld, order);
	for (k = 0; k < n; k++) {
		left = deadline - util_now();
		if (left <= 0) {
			if (q->error[0] == '\0')
				snprintf(q->error, sizeof(q->error),
				    "timed out connecting");
			break;
		}
		/* Share what is left among the servers still to try. */
		l = ldap_conn_open(&ld->conn, ld->servers[order[k]].uri,
		    left / (n - k), q);
		if (l != NULL) {
			log_debug("ldap: connected to %s",
			    ld->servers[order[k]].uri ? ld->servers[order[k]].uri :
			    "(ldap.conf URI)");
			server_ok(ld, order[k]);
			q->error[0] = '\0';
			if (slot_settle(ld, slot, l, order[k]) == 0)
				return 0;
			snprintf(q->error, sizeof(q->error), "cannot start the"
			    " LDAP reader thread");
			return -1;
		}
		server_failed(ld, order[k]);
	}
	(void)slot_settle(ld, slot, NULL, 0);
	return -1;
}

/*
 * slot_get - a slot with a connection up for one lookup, *fresh when
 * this lookup opened it, *server the server it talks to; NULL with
 * q->error set
 */
static struct ldap_slot *
slot_get(struct ldap_dir *ld, double deadline, int *fresh, int *server,
    struct dir_query *q)
{
	struct ldap_slot *slot;
	int allow_new = 1, had_up;

	for (;;) {
		slot = slot_take(ld, deadline, allow_new, fresh, &had_up);
		if (slot == NULL) {
			if (q->error[0] == '\0')
				snprintf(q->error, sizeof(q->error), "no LDAP"
				    " connection free within %gs (all %d busy"
				    " connecting)", ld->timeout, ld->nslots);
			return NULL;
		}
		if (!*fresh || slot_connect(ld, slot, deadline, q) == 0)
			break;
		/* One more connection failed: the open ones still serve. */
		if (!had_up)
			return NULL;
		allow_new = 0;
	}
	pthread_mutex_lock(&ld->mu);
	*server = slot->server;
	pthread_mutex_unlock(&ld->mu);
	return slot;
}

/* ref_connect - ldap_conn_open() for a server a reference names */
static LDAP *
ref_connect(void *arg, const char *uri, double budget, struct dir_query *q)
{
	struct ldap_dir *ld = arg;

	return ldap_conn_open(&ld->conn, uri, budget, q);
}

/* conn_failure - does rc say the server (not the search) failed? */
static int
conn_failure(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ||
	    rc == LDAP_CONNECT_ERROR || rc == LDAP_UNAVAILABLE ||
	    rc == LDAP_BUSY;
}

/* note_state - log when the directory goes away or comes back, once */
static void
note_state(struct ldap_dir *ld, enum dir_result r, const struct dir_query *q)
{
	int was;

	pthread_mutex_lock(&ld->mu);
	was = ld->down;
	ld->down = (r == DIR_ERROR);
	pthread_mutex_unlock(&ld->mu);
	if (r == DIR_ERROR && !was)
		log_warnx("ldap: lookups failing: %s", q->error);
	else if (r != DIR_ERROR && was)
		log_info("ldap: lookups working again");
}

/* build_filter - the filter for one address, or "(|A B)" for several */
static char *
build_filter(const char *tmpl, const struct addr *alts, size_t nalts)
{
	size_t i, need = nalts > 1 ? 3 : 0, o;
	char *filter;

	for (i = 0; i < nalts; i++)
		need += filter_expand(tmpl, alts[i].full, alts[i].local,
		    alts[i].domain, NULL, 0);
	if ((filter = malloc(need + 1)) == NULL)
		return NULL;
	o = 0;
	if (nalts > 1) {
		memcpy(filter, "(|", 2);
		o = 2;
	}
	for (i = 0; i < nalts; i++)
		o += filter_expand(tmpl, alts[i].full, alts[i].local,
		    alts[i].domain, filter + o, need + 1 - o);
	if (nalts > 1)
		filter[o++] = ')';
	filter[o] = '\0';
	return filter;
}

/* ldap_lookup - the backend's lookup */
static enum dir_result
ldap_lookup(void *impl, const struct addr *alts, size_t nalts,
    struct dir_query *q)
{
	struct ldap_dir *ld = impl;
	double deadline = util_now() + ld->timeout;
	enum dir_result r = DIR_ERROR;
	struct ldap_ref_ctx c = { ref_connect, ld, NULL, ld->scope };
	struct ldap_answer a;
	struct ldap_slot *slot;
	unsigned long gen;
	char *filter;
	int attempt, rc, fresh, blame, server;

	if ((filter = build_filter(ld->filter, alts, nalts)) == NULL) {
		snprintf(q->error, sizeof(q->error), "out of memory");
		return DIR_ERROR;
	}
	util_strlcpy(q->filter, filter, sizeof(q->filter));
	c.filter = filter;
	for (attempt = 0; attempt < 2; attempt++) {
		if ((slot = slot_get(ld, deadline, &fresh, &server, q)) == NULL)
			break;
		memset(&a, 0, sizeof(a));
		blame = ldap_mux_search(slot->mux, ld->base, ld->scope, filter,
		    deadline, &a, &gen);
		slot_put(ld, slot);
		r = ldap_ref_finish(&c, &a, ld->base, deadline, q, &rc);
		ldap_answer_free(&a);
		/* No such base, or a server referred to failed: keep it. */
		if (r != DIR_ERROR || rc == LDAP_NO_SUCH_OBJECT ||
		    rc == LDAP_SUCCESS)
			break;
		if (blame && conn_failure(rc))
			server_failed(ld, server);
		ldap_mux_drop(slot->mux, gen);	/* never reuse a failed one */
		/*
		 * A connection that went down under the search: once more on
		 * another, while there is time. A fresh one too: with many
		 * searches in flight on a connection, its end may come from
		 * any of them.
		 */
		if (rc != LDAP_SERVER_DOWN || util_now() >= deadline)
			break;
		q->error[0] = '\0';
	}
	free(filter);
	note_state(ld, r, q);
	return r;
}

/* ldap_close - drop every connection and free the backend */
static void
ldap_close(void *impl)
{
	struct ldap_dir *ld = impl;
	int i;

	for (i = 0; i < ld->nslots; i++)
		if (ld->slots[i].mux)
			ldap_mux_free(ld->slots[i].mux);
	free(ld->slots);
	for (i = 0; i < ld->nservers; i++)
		free(ld->servers[i].uri);
	free(ld->servers);
	free(ld->conn.tls_cacert);
	free(ld->conn.tls_cacertdir);
	free(ld->base);
	free(ld->filter);
	free(ld->conn.bind_dn);
	if (ld->conn.password) {
		explicit_bzero(ld->conn.password, strlen(ld->conn.password));
		free(ld->conn.password);
	}
	pthread_cond_destroy(&ld->cv);
	pthread_mutex_destroy(&ld->mu);
	free(ld);
}

static const struct directory_ops ldap_ops = { ldap_lookup, ldap_close };

/* copy - strdup of s, or NULL for NULL; *ok cleared if it failed */
static char *
copy(const char *s, int *ok)
{
	char *c = s ? strdup(s) : NULL;

	if (s && c == NULL)
		*ok = 0;
	return c;
}

/* add_servers - the server list of uris (NULL: ldap.conf's); 0, or -1 */
static int
add_servers(struct ldap_dir *ld, const char *uris)
{
	char *list, *tok, *save = NULL;
	int ok = 1;

	if (uris == NULL) {
		ld->servers = calloc(1, sizeof(*ld->servers));
		ld->nservers = ld->servers ? 1 : 0;	/* uri NULL */
		return ld->servers ? 0 : -1;
	}
	if ((list = strdup(uris)) == NULL ||
	    (ld->servers = calloc(64, sizeof(*ld->servers))) == NULL) {
		free(list);
		return -1;
	}
	for (tok = strtok_r(list, " ", &save); tok && ok && ld->nservers < 64;
	    tok = strtok_r(NULL, " ", &save))
		if ((ld->servers[ld->nservers].uri = copy(tok, &ok)) != NULL)
			ld->nservers++;
	free(list);
	return ok ? 0 : -1;
}

/* ldap_dir_new - the backend for cfg, not connected; NULL: no memory */
static struct ldap_dir *
ldap_dir_new(const struct config *cfg, const char *defbase)
{
	struct ldap_dir *ld = calloc(1, sizeof(*ld));
	pthread_condattr_t attr;
	int ok;

	if (ld == NULL)
		return NULL;
	pthread_mutex_init(&ld->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ld->cv, &attr);
	pthread_condattr_destroy(&attr);
	if ((ld->slots = calloc((size_t)cfg->pool_size,
	    sizeof(*ld->slots))) != NULL)
		ld->nslots = (int)cfg->pool_size;
	ok = ld->slots != NULL && add_servers(ld, cfg->uris) == 0;
	ld->conn.sasl_external = cfg->sasl_mech != NULL;
	ld->conn.tls_cacert = copy(cfg->tls_cacert, &ok);
	ld->conn.tls_cacertdir = copy(cfg->tls_cacertdir, &ok);
	ld->base = copy(cfg->base ? cfg->base : defbase, &ok);
	ld->scope = cfg->scope == SCOPE_BASE ? LDAP_SCOPE_BASE :
	    cfg->scope == SCOPE_ONE ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
	ld->filter = copy(cfg->filter, &ok);
	ld->conn.bind_dn = copy(cfg->bind_dn, &ok);
	ld->conn.password = copy(cfg->password, &ok);
	ld->conn.starttls = cfg->starttls;
	ld->timeout = cfg->ldap_timeout;
	if (!ok) {
		ldap_close(ld);
		return NULL;
	}
	return ld;
}

static int pool_init(struct ldap_dir *ld, struct directory *d,
    const struct config *cfg, char *err, size_t errlen);

/* directory_ldap_open - set up d from cfg; 0 ok, -1 with err filled */
int
directory_ldap_open(struct directory *d, const struct config *cfg, char *err,
    size_t errlen)
{
	struct ldap_dir *ld;
	char *defbase = NULL;
	LDAP *probe = NULL;
	int rc;

	/* Let libldap parse the URIs now, so a typo stops the start. */
	rc = ldap_initialize(&probe, cfg->uris);
	if (rc != LDAP_SUCCESS) {
		snprintf(err, errlen, "-H/--uri: %s: %s",
		    cfg->uris ? cfg->uris : "(ldap.conf)", ldap_err2string(rc));
		return -1;
	}
	if (cfg->base == NULL)
		ldap_get_option(probe, LDAP_OPT_DEFBASE, &defbase);
	ldap_unbind_ext(probe, NULL, NULL);
	if (cfg->base == NULL && (defbase == NULL || *defbase == '\0')) {
		snprintf(err, errlen, "no search base: give -b/--base or set"
		    " BASE in ldap.conf");
		if (defbase)
			ldap_memfree(defbase);
		return -1;
	}

	if (cfg->bind_dn && cfg->password == NULL) {
		snprintf(err, errlen, "-D/--bind-dn without a password"
		    " (-y/--password-file)");
		if (defbase)
			ldap_memfree(defbase);
		return -1;
	}
	ld = ldap_dir_new(cfg, defbase);
	if (defbase)
		ldap_memfree(defbase);
	if (ld == NULL) {
		snprintf(err, errlen, "LDAP: out of memory");
		return -1;
	}
	return pool_init(ld, d, cfg, err, errlen);
}

/* pool_init - a mux for every slot, then d is ready; 0, or -1 with err */
static int
pool_init(struct ldap_dir *ld, struct directory *d, const struct config *cfg,
    char *err, size_t errlen)
{
	int i;

	for (i = 0; i < ld->nslots; i++) {
		ld->slots[i].dir = ld;
		ld->slots[i].mux = ldap_mux_new(slot_down, &ld->slots[i]);
	}
	for (i = 0; i < ld->nslots && ld->slots[i].mux; i++)
		continue;
	if (ld->slots == NULL || i < ld->nslots || ld->base == NULL ||
	    ld->filter == NULL || ld->servers == NULL ||
	    (cfg->password && ld->conn.password == NULL)) {
		ldap_close(ld);
		snprintf(err, errlen, "out of memory for the LDAP pool");
		return -1;
	}
	d->ops = &ldap_ops;
	d->impl = ld;
	return 0;
}
