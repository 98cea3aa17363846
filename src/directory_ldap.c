/*
 * NAME
 *	directory_ldap 3
 * SUMMARY
 *	LDAP directory backend with a bounded connection pool
 * DESCRIPTION
 *	Ownership rule: the pool owns every LDAP handle. A worker thread
 *	borrows one slot for the length of one lookup, and only that thread
 *	touches the slot's handle until it gives it back; the pool mutex
 *	guards only the busy flags, never a network call. A thread that
 *	finds no free slot waits on a condition variable, but never past
 *	the lookup's deadline.
 *
 *	Each lookup has one deadline (the --ldap-timeout from its start)
 *	that bounds the wait for a slot, connect, StartTLS, bind and search
 *	together. A connection that fails or times out is dropped, never
 *	reused; a pooled connection that the server closed (a restart) is
 *	reopened once, as Postfix's dict_ldap does.
 *
 *	Failover: servers are tried in the order given, each with its share
 *	of the time left. A server that fails (connect, bind, or a search
 *	that times out or finds it gone) is skipped for 1, 2, 4 ... 60 s;
 *	when every server is being skipped, the one due first is tried. A
 *	new connection binds at once (anonymously if nothing else), so a
 *	dead server shows before the search. Searches ask for no
 *	attributes and at most one entry, and never dereference aliases.
 *
 *	Connections are opened asynchronously (LDAP_OPT_CONNECT_ASYNC), so
 *	that the ldaps:// handshake waits where the deadline bounds it.
 *
 *	Outcomes: entries found, or a size limit hit after one entry, is
 *	"found"; a search that succeeds with no entry is "not found";
 *	everything else, including a missing search base, is an error.
 *	Continuation references and referrals are followed (in
 *	directory_ldap_ref.c): "not found" only if every server referred
 *	to says so.
 */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "directory_ldap.h"
#include "directory_ldap_ref.h"
#include "ldap_hint.h"
#include "ldap_escape.h"
#include "log.h"
#include "util.h"

#define BACKOFF_MAX 60.0	/* seconds between tries of a dead server */

struct ldap_slot {
	LDAP	*ld;
	int	busy;
	int	server;		/* index of the server ld talks to */
};

struct ldap_server {
	char	*uri;		/* NULL: libldap's default (ldap.conf) */
	int	failures;	/* in a row; guarded by ldap_dir.mu */
	double	retry_at;	/* not before this (monotonic) */
};

struct ldap_dir {
	pthread_mutex_t	mu;		/* guards busy, down, server state */
	pthread_cond_t	cv;		/* a slot was given back */
	struct ldap_slot *slots;
	int		nslots;
	int		down;		/* last lookup failed: log recovery */
	struct ldap_server *servers;
	int		nservers;
	char		*base;
	int		scope;
	char		*filter;
	char		*bind_dn;
	char		*password;
	int		sasl_external;
	int		starttls;
	char		*tls_cacert;
	char		*tls_cacertdir;
	double		timeout;
};

/* to_timeval - seconds to a struct timeval, at least 1 ms */
static struct timeval
to_timeval(double s)
{
	struct timeval tv;

	if (s < 0.001)
		s = 0.001;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* slot_acquire - borrow a slot before the deadline; NULL on timeout */
static struct ldap_slot *
slot_acquire(struct ldap_dir *ld, double deadline)
{
	struct ldap_slot *found = NULL;
	struct timespec ts;
	int i, rc = 0;

	util_abstime(deadline, &ts);
	pthread_mutex_lock(&ld->mu);
	for (;;) {
		/* Prefer an open connection, then any free slot. */
		for (i = 0; i < ld->nslots; i++)
			if (!ld->slots[i].busy && ld->slots[i].ld) {
				found = &ld->slots[i];
				break;
			}
		for (i = 0; found == NULL && i < ld->nslots; i++)
			if (!ld->slots[i].busy)
				found = &ld->slots[i];
		if (found || rc == ETIMEDOUT)
			break;
		rc = pthread_cond_timedwait(&ld->cv, &ld->mu, &ts);
	}
	if (found)
		found->busy = 1;
	pthread_mutex_unlock(&ld->mu);
	return found;
}

/* slot_release - give a slot back and wake one waiter */
static void
slot_release(struct ldap_dir *ld, struct ldap_slot *slot)
{
	pthread_mutex_lock(&ld->mu);
	slot->busy = 0;
	pthread_cond_signal(&ld->cv);
	pthread_mutex_unlock(&ld->mu);
}

/* slot_drop - close the slot's connection; the slot stays borrowed */
static void
slot_drop(struct ldap_slot *slot)
{
	if (slot->ld) {
		ldap_unbind_ext(slot->ld, NULL, NULL);
		slot->ld = NULL;
	}
}

/* set_error - describe rc (and the server's diagnostic) into q->error */
static void
set_error(LDAP *ld, struct dir_query *q, const char *what, int rc)
{
	char *diag = NULL;

	if (ld)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	snprintf(q->error, sizeof(q->error), "%s: %s%s%s", what,
	    ldap_err2string(rc), diag && *diag ? ": " : "", diag ? diag : "");
	if (diag)
		ldap_memfree(diag);
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

/* handle_new - a handle for uri with every option set; NULL on error */
static LDAP *
handle_new(struct ldap_dir *ld, const char *uri, double budget,
    struct dir_query *q)
{
	int rc, version = LDAP_VERSION3, deref = LDAP_DEREF_NEVER, zero = 0;
	struct timeval tv = to_timeval(budget);
	LDAP *l = NULL;

	rc = ldap_initialize(&l, uri);
	if (rc != LDAP_SUCCESS) {
		set_error(NULL, q, "ldap_initialize", rc);
		return NULL;
	}
	ldap_set_option(l, LDAP_OPT_PROTOCOL_VERSION, &version);
	ldap_set_option(l, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(l, LDAP_OPT_RESTART, LDAP_OPT_ON);
	ldap_set_option(l, LDAP_OPT_DEREF, &deref);
	/*
	 * Connect without blocking: with a network timeout alone, libldap
	 * (2.5, GnuTLS) retries the ldaps:// handshake in a busy loop for
	 * as long as a server that accepted the TCP connection stays silent.
	 * Asynchronously, the handshake waits in ldap_result(), which the
	 * API timeout bounds.
	 */
	ldap_set_option(l, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON);
	ldap_set_option(l, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(l, LDAP_OPT_TIMEOUT, &tv);
	if (ld->tls_cacert || ld->tls_cacertdir) {
		if (ld->tls_cacert)
			ldap_set_option(l, LDAP_OPT_X_TLS_CACERTFILE,
			    ld->tls_cacert);
		if (ld->tls_cacertdir)
			ldap_set_option(l, LDAP_OPT_X_TLS_CACERTDIR,
			    ld->tls_cacertdir);
		ldap_set_option(l, LDAP_OPT_X_TLS_NEWCTX, &zero);
	}
	return l;
}

/*
 * connect_failed - describe a failed connect (step "what" of uri): a
 * timeout names the time, a quick TLS failure gets the TCP probe's hint
 */
static void
connect_failed(LDAP *l, const char *uri, const char *what, int rc,
    double budget, double deadline, int tls, struct dir_query *q)
{
	char label[300];

	snprintf(label, sizeof(label), "%s: %s", uri ? uri : "(ldap.conf URI)",
	    what);
	/* libldap reports a handshake cut short by the timeout as "down". */
	if (rc == LDAP_TIMEOUT || util_now() >= deadline - 0.01) {
		snprintf(q->error, sizeof(q->error), "%s: timed out: no answer"
		    " within %.3gs%s%s (is the server hung or overloaded?)",
		    label, budget, rc == LDAP_TIMEOUT ? "" : "; libldap says: ",
		    rc == LDAP_TIMEOUT ? "" : ldap_err2string(rc));
		return;
	}
	set_error(l, q, label, rc);
	if (tls)
		ldap_hint_tls(uri, rc, deadline, q->error, sizeof(q->error));
}

/* start_tls - -Z/-ZZ: 0 go on (with TLS, or without it for -Z), -1 fail */
static int
start_tls(struct ldap_dir *ld, LDAP *l, const char *uri, double budget,
    double deadline, struct dir_query *q)
{
	int rc;

	rc = ldap_start_tls_s(l, NULL, NULL);
	if (rc == LDAP_SUCCESS)
		return 0;
	if (ld->starttls > 1 || rc == LDAP_SERVER_DOWN ||
	    rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR) {
		connect_failed(l, uri, "StartTLS", rc, budget, deadline,
		    rc == LDAP_CONNECT_ERROR, q);
		return -1;
	}
	log_warnx("ldap: %s: StartTLS failed, going on without it (give -ZZ"
	    " to require it): %s", uri ? uri : "(ldap.conf URI)",
	    ldap_err2string(rc));
	return 0;
}

/* bind_now - bind as configured (anonymously if nothing is); LDAP code */
static int
bind_now(struct ldap_dir *ld, LDAP *l, const char **what)
{
	struct berval cred = { 0, NULL };

	if (ld->sasl_external) {
		/*
		 * An empty (not absent) initial response: "no authorization
		 * identity", so the bind completes in one round trip.
		 */
		*what = "SASL EXTERNAL bind";
		cred.bv_val = (char *)"";
		return ldap_sasl_bind_s(l, NULL, "EXTERNAL", &cred, NULL, NULL,
		    NULL);
	}
	if (ld->bind_dn) {
		*what = "bind";
		cred.bv_val = ld->password;
		cred.bv_len = strlen(ld->password);
		return ldap_sasl_bind_s(l, ld->bind_dn, LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL);
	}
	*what = "anonymous bind";
	return ldap_sasl_bind_s(l, "", LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
}

/*
 * connect_one - open, StartTLS and bind one connection within budget:
 * the TCP connect, the TLS handshake, StartTLS and the bind all end by
 * the same deadline
 */
static LDAP *
connect_one(struct ldap_dir *ld, const char *uri, double budget,
    struct dir_query *q)
{
	double deadline = util_now() + budget;
	struct timeval tv;
	const char *what;
	char label[300];
	LDAP *l;
	int rc;

	if ((l = handle_new(ld, uri, budget, q)) == NULL)
		return NULL;
	if (ld->starttls && start_tls(ld, l, uri, budget, deadline, q) < 0) {
		ldap_unbind_ext(l, NULL, NULL);
		return NULL;
	}

	/*
	 * Bind now, even anonymously, so that a dead server shows here and
	 * the next server can be tried within the same lookup.
	 */
	tv = to_timeval(deadline - util_now());
	ldap_set_option(l, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(l, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	rc = bind_now(ld, l, &what);
	if (rc != LDAP_SUCCESS) {
		snprintf(label, sizeof(label), "%s%s%s", what,
		    ld->bind_dn ? " as " : "", ld->bind_dn ? ld->bind_dn : "");
		connect_failed(l, uri, label, rc, budget, deadline,
		    uri && strncasecmp(uri, "ldaps:", 6) == 0, q);
		ldap_unbind_ext(l, NULL, NULL);
		return NULL;
	}
	return l;
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
			return -1;
		}
		/* Share what is left among the servers still to try. */
		l = connect_one(ld, ld->servers[order[k]].uri, left / (n - k), q);
		if (l != NULL) {
			log_debug("ldap: connected to %s",
			    ld->servers[order[k]].uri ? ld->servers[order[k]].uri :
			    "(ldap.conf URI)");
			server_ok(ld, order[k]);
			slot->ld = l;
			slot->server = order[k];
			q->error[0] = '\0';
			return 0;
		}
		server_failed(ld, order[k]);
	}
	return -1;
}

/* ref_connect - connect_one() for a server a reference names */
static LDAP *
ref_connect(void *arg, const char *uri, double budget, struct dir_query *q)
{
	return connect_one(arg, uri, budget, q);
}

/*
 * slot_search - one search, continuation references followed; DIR_*
 * result, and the LDAP code of the search on the slot's own connection
 * in *rcp
 */
static enum dir_result
slot_search(struct ldap_dir *ld, struct ldap_slot *slot, const char *filter,
    double deadline, struct dir_query *q, int *rcp)
{
	struct ldap_ref_ctx c;

	c.connect_fn = ref_connect;
	c.arg = ld;
	c.filter = filter;
	c.scope = ld->scope;
	return ldap_ref_search(&c, slot->ld, ld->base, deadline, q, rcp);
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
	struct ldap_slot *slot;
	char *filter;
	int attempt, rc, fresh;

	if ((filter = build_filter(ld->filter, alts, nalts)) == NULL) {
		snprintf(q->error, sizeof(q->error), "out of memory");
		return DIR_ERROR;
	}
	util_strlcpy(q->filter, filter, sizeof(q->filter));

	if ((slot = slot_acquire(ld, deadline)) == NULL) {
		snprintf(q->error, sizeof(q->error), "no LDAP connection free"
		    " within %gs (all %d busy)", ld->timeout, ld->nslots);
		free(filter);
		note_state(ld, DIR_ERROR, q);
		return DIR_ERROR;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		fresh = slot->ld == NULL;
		if (fresh && slot_connect(ld, slot, deadline, q) < 0)
			break;
		r = slot_search(ld, slot, filter, deadline, q, &rc);
		/* No such base, or a server referred to failed: keep it. */
		if (r != DIR_ERROR || rc == LDAP_NO_SUCH_OBJECT ||
		    rc == LDAP_SUCCESS)
			break;
		if (rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ||
		    rc == LDAP_CONNECT_ERROR || rc == LDAP_UNAVAILABLE ||
		    rc == LDAP_BUSY)
			server_failed(ld, slot->server);
		slot_drop(slot);	/* never reuse a failed connection */
		/* A pooled connection the server closed: reopen once. */
		if (fresh || rc != LDAP_SERVER_DOWN || util_now() >= deadline)
			break;
	}
	slot_release(ld, slot);
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
		slot_drop(&ld->slots[i]);
	free(ld->slots);
	for (i = 0; i < ld->nservers; i++)
		free(ld->servers[i].uri);
	free(ld->servers);
	free(ld->tls_cacert);
	free(ld->tls_cacertdir);
	free(ld->base);
	free(ld->filter);
	free(ld->bind_dn);
	if (ld->password) {
		explicit_bzero(ld->password, strlen(ld->password));
		free(ld->password);
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
	ld->sasl_external = cfg->sasl_mech != NULL;
	ld->tls_cacert = copy(cfg->tls_cacert, &ok);
	ld->tls_cacertdir = copy(cfg->tls_cacertdir, &ok);
	ld->base = copy(cfg->base ? cfg->base : defbase, &ok);
	ld->scope = cfg->scope == SCOPE_BASE ? LDAP_SCOPE_BASE :
	    cfg->scope == SCOPE_ONE ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
	ld->filter = copy(cfg->filter, &ok);
	ld->bind_dn = copy(cfg->bind_dn, &ok);
	ld->password = copy(cfg->password, &ok);
	ld->starttls = cfg->starttls;
	ld->timeout = cfg->ldap_timeout;
	if (!ok) {
		ldap_close(ld);
		return NULL;
	}
	return ld;
}

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
	d->ops = &ldap_ops;
	d->impl = ld;
	return 0;
}
