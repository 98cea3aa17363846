/*
 * NAME
 *	directory_ldap_conn 3
 * SUMMARY
 *	open, secure and bind one LDAP connection within a deadline
 * DESCRIPTION
 *	A new connection binds at once (anonymously if nothing else), so a
 *	dead server shows before the search. The TCP connect, the TLS
 *	handshake, StartTLS and the bind all end by one deadline.
 *
 *	Connections are opened asynchronously (LDAP_OPT_CONNECT_ASYNC), so
 *	that the ldaps:// handshake waits where the deadline bounds it.
 *	Searches on the connection never dereference aliases and never
 *	chase referrals inside libldap (directory_ldap_ref.c does).
 *
 *	A failure is described in words into the query's error: a timeout
 *	names the time, a quick TLS failure gets the TCP probe's hint.
 */
#include "autoconfig.h"

#include <strings.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <ldap.h>

#include "directory_ldap_conn.h"
#include "ldap_hint.h"
#include "log.h"
#include "util.h"

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

/* handle_new - a handle for uri with every option set; NULL on error */
static LDAP *
handle_new(const struct ldap_conn_cfg *cc, const char *uri, double budget,
    struct dir_query *q)
{
	int rc, version = LDAP_VERSION3, deref = LDAP_DEREF_NEVER, zero = 0;
	struct timeval tv = util_timeval(budget);
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
	if (cc->tls_cacert || cc->tls_cacertdir) {
		if (cc->tls_cacert)
			ldap_set_option(l, LDAP_OPT_X_TLS_CACERTFILE,
			    cc->tls_cacert);
		if (cc->tls_cacertdir)
			ldap_set_option(l, LDAP_OPT_X_TLS_CACERTDIR,
			    cc->tls_cacertdir);
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
start_tls(const struct ldap_conn_cfg *cc, LDAP *l, const char *uri, double budget,
    double deadline, struct dir_query *q)
{
	int rc;

	rc = ldap_start_tls_s(l, NULL, NULL);
	if (rc == LDAP_SUCCESS)
		return 0;
	if (cc->starttls > 1 || rc == LDAP_SERVER_DOWN ||
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
bind_now(const struct ldap_conn_cfg *cc, LDAP *l, const char **what)
{
	struct berval cred = { 0, NULL };

	if (cc->sasl_external) {
		/*
		 * An empty (not absent) initial response: "no authorization
		 * identity", so the bind completes in one round trip.
		 */
		*what = "SASL EXTERNAL bind";
		cred.bv_val = (char *)"";
		return ldap_sasl_bind_s(l, NULL, "EXTERNAL", &cred, NULL, NULL,
		    NULL);
	}
	if (cc->bind_dn) {
		*what = "bind";
		cred.bv_val = cc->password;
		cred.bv_len = strlen(cc->password);
		return ldap_sasl_bind_s(l, cc->bind_dn, LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL);
	}
	*what = "anonymous bind";
	return ldap_sasl_bind_s(l, "", LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
}

/*
 * ldap_conn_open - open, StartTLS and bind one connection within budget:
 * the TCP connect, the TLS handshake, StartTLS and the bind all end by
 * the same deadline
 */
LDAP *
ldap_conn_open(const struct ldap_conn_cfg *cc, const char *uri, double budget,
    struct dir_query *q)
{
	double deadline = util_now() + budget;
	struct timeval tv;
	const char *what;
	char label[300];
	LDAP *l;
	int rc;

	if ((l = handle_new(cc, uri, budget, q)) == NULL)
		return NULL;
	if (cc->starttls && start_tls(cc, l, uri, budget, deadline, q) < 0) {
		ldap_unbind_ext(l, NULL, NULL);
		return NULL;
	}

	/*
	 * Bind now, even anonymously, so that a dead server shows here and
	 * the next server can be tried within the same lookup.
	 */
	tv = util_timeval(deadline - util_now());
	ldap_set_option(l, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(l, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	rc = bind_now(cc, l, &what);
	if (rc != LDAP_SUCCESS) {
		snprintf(label, sizeof(label), "%s%s%s", what,
		    cc->bind_dn ? " as " : "", cc->bind_dn ? cc->bind_dn : "");
		connect_failed(l, uri, label, rc, budget, deadline,
		    uri && strncasecmp(uri, "ldaps:", 6) == 0, q);
		ldap_unbind_ext(l, NULL, NULL);
		return NULL;
	}
	return l;
}
