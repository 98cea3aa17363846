/*
 * NAME
 *	directory_ldap_ref 3
 * SUMMARY
 *	LDAP searches that follow continuation references
 * DESCRIPTION
 *	A subtree search whose match lives on another server (a delegated
 *	subtree, an Active Directory child domain) finds no entry: the
 *	server sends a continuation reference (RFC 4511 4.5.3) instead, or
 *	a referral when the search base itself is elsewhere. Counting that
 *	as "no such entry" would reject a real user with a 5xx and cache
 *	the negative, so the servers referred to are asked too:
 *
 *	- an entry anywhere is "found", at the first server that has it;
 *	- "not found" only when every server referred to answered that it
 *	  has no entry (Active Directory refers every search from a domain
 *	  root to its DomainDnsZones, ForestDnsZones and Configuration
 *	  partitions; they hold no users and answer "no entry");
 *	- a referred server that cannot be asked (down, timed out, refuses
 *	  the bind, no such base there), or more references than REF_MAX,
 *	  or nesting deeper than REF_DEPTH, is an error: 451, never cached.
 *
 *	Every search and connection ends by the lookup's deadline; each
 *	server referred to gets a share of the time left. The search asks
 *	for no attributes and one entry, as the first one does. The scope
 *	stays a subtree for a subtree search (a one-level search continues
 *	as a base search, as RFC 4511 says); the reference's filter, if
 *	any, is not used: the lookup's own filter is.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "directory_ldap_ref.h"
#include "util.h"

#define REF_MAX		16	/* references followed per lookup */
#define REF_DEPTH	2	/* references of referred servers: once more */

struct walk {
	const struct ldap_ref_ctx *c;
	double		deadline;
	int		left;		/* references we may still follow */
	int		failed;		/* some referred server not asked */
	char		error[sizeof(((struct dir_query *)0)->error)];
};

/* refs_add - copy a NULL-terminated list of URLs in; -1 out of memory */
static int
refs_add(struct ldap_refs *r, char **list)
{
	char **grown;

	for (; list && *list; list++) {
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 4;
			grown = realloc(r->urls, r->cap * sizeof(*grown));
			if (grown == NULL)
				return -1;
			r->urls = grown;
		}
		if ((r->urls[r->n] = strdup(*list)) == NULL)
			return -1;
		r->n++;
	}
	return 0;
}

/* refs_free - free the copies */
static void
refs_free(struct ldap_refs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->urls[i]);
	free(r->urls);
	memset(r, 0, sizeof(*r));
}

/* ldap_answer_take - account for one search message; 1 when the last */
int
ldap_answer_take(LDAP *l, LDAPMessage *msg, struct ldap_answer *a)
{
	char **urls = NULL, *diag = NULL;
	int err = LDAP_OTHER, last = 0;

	switch (ldap_msgtype(msg)) {
	case LDAP_RES_SEARCH_ENTRY:
		a->entries++;
		break;
	case LDAP_RES_SEARCH_REFERENCE:
		if (ldap_parse_reference(l, msg, &urls, NULL, 0) == LDAP_SUCCESS
		    && refs_add(&a->refs, urls) < 0)
			a->rc = LDAP_NO_MEMORY;
		break;
	case LDAP_RES_SEARCH_RESULT:
		if (ldap_parse_result(l, msg, &err, NULL, &diag, &urls, NULL,
		    0) != LDAP_SUCCESS)
			err = LDAP_OTHER;
		if (err == LDAP_REFERRAL && refs_add(&a->refs, urls) < 0)
			err = LDAP_NO_MEMORY;
		if (a->rc != LDAP_NO_MEMORY)
			a->rc = err;
		if (diag)
			util_strlcpy(a->diag, diag, sizeof(a->diag));
		last = 1;
		break;
	}
	if (urls)
		ldap_memvfree((void **)urls);
	if (diag)
		ldap_memfree(diag);
	return last;
}

/* ldap_answer_free - free what the answer holds */
void
ldap_answer_free(struct ldap_answer *a)
{
	refs_free(&a->refs);
}

/* search_once - one search on l, every message read before the deadline */
static void
search_once(LDAP *l, const char *base, int scope, const char *filter,
    double deadline, struct ldap_answer *a)
{
	static char *attrs[] = { LDAP_NO_ATTRS, NULL };
	struct timeval tv = util_timeval(deadline - util_now());
	LDAPMessage *msg;
	int msgid, got, done = 0;

	a->rc = ldap_search_ext(l, base, scope, filter, attrs, 1, NULL, NULL,
	    &tv, 1, &msgid);
	while (a->rc == LDAP_SUCCESS && !done) {
		tv = util_timeval(deadline - util_now());
		msg = NULL;
		got = deadline > util_now() ? ldap_result(l, msgid, LDAP_MSG_ONE,
		    &tv, &msg) : 0;
		if (got == 0) {
			ldap_abandon_ext(l, msgid, NULL, NULL);
			a->rc = LDAP_TIMEOUT;
		} else if (got < 0) {
			ldap_get_option(l, LDAP_OPT_RESULT_CODE, &a->rc);
			if (a->rc == LDAP_SUCCESS)
				a->rc = LDAP_OTHER;
		} else {
			done = ldap_answer_take(l, msg, a);
		}
		if (msg)
			ldap_msgfree(msg);
	}
}

/* describe - what rc means (with the server's diagnostic) into buf */
static void
describe(const struct ldap_answer *a, char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "%s: %s%s%s", what, ldap_err2string(a->rc),
	    a->diag[0] ? ": " : "", a->diag);
}

/*
 * ref_target - the server URI (no DN) and the base DN a reference names;
 * 0 ok, -1 with why set (a URL we cannot use, or out of memory)
 */
static int
ref_target(const char *url, const char *base, char **uri, char **dn,
    const char **why)
{
	LDAPURLDesc *lud = NULL, server;

	*uri = *dn = NULL;
	if (ldap_url_parse(url, &lud) != LDAP_URL_SUCCESS) {
		*why = "not an LDAP URL";
		return -1;
	}
	if (lud->lud_host == NULL || lud->lud_host[0] == '\0') {
		ldap_free_urldesc(lud);
		*why = "no server named";
		return -1;
	}
	memset(&server, 0, sizeof(server));
	server.lud_scheme = lud->lud_scheme;
	server.lud_host = lud->lud_host;
	server.lud_port = lud->lud_port;
	server.lud_scope = LDAP_SCOPE_DEFAULT;
	*uri = ldap_url_desc2str(&server);
	*dn = strdup(lud->lud_dn && lud->lud_dn[0] ? lud->lud_dn : base);
	ldap_free_urldesc(lud);
	if (*uri == NULL || *dn == NULL) {
		if (*uri)
			ldap_memfree(*uri);
		free(*dn);
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static enum dir_result follow_all(struct walk *w, const struct ldap_refs *refs,
    const char *base, int scope, int depth);

/* ref_failed - a referred server could not be asked: remember why */
static void
ref_failed(struct walk *w, const char *url, const char *why)
{
	const char *part[] = { "reference ", url, ": ", why };
	size_t i, n;

	if (w->failed)
		return;
	w->failed = 1;
	w->error[0] = '\0';
	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		n = strlen(w->error);
		util_strlcpy(w->error + n, part[i], sizeof(w->error) - n);
	}
}

/* follow_one - ask the server that url names; DIR_* result */
static enum dir_result
follow_one(struct walk *w, const char *url, const char *base, int scope,
    double budget, int depth)
{
	struct ldap_answer a = { 0 };
	struct dir_query sub = { 0 };
	enum dir_result r = DIR_NOTFOUND;
	const char *why;
	char *uri, *dn;
	LDAP *l;

	if (ref_target(url, base, &uri, &dn, &why) < 0) {
		ref_failed(w, url, why);
		return DIR_ERROR;
	}
	if ((l = w->c->connect_fn(w->c->arg, uri, budget, &sub)) == NULL) {
		ref_failed(w, url, sub.error);
		r = DIR_ERROR;
	} else {
		search_once(l, dn, scope, w->c->filter, w->deadline, &a);
		if (a.entries > 0 || a.rc == LDAP_SIZELIMIT_EXCEEDED)
			r = DIR_FOUND;
		else if (a.refs.n > 0 && (a.rc == LDAP_SUCCESS ||
		    a.rc == LDAP_REFERRAL))
			r = follow_all(w, &a.refs, dn, scope, depth + 1);
		else if (a.rc == LDAP_SUCCESS)
			r = DIR_NOTFOUND;
		else {
			describe(&a, sub.error, sizeof(sub.error), "search");
			ref_failed(w, url, sub.error);
			r = DIR_ERROR;
		}
		ldap_unbind_ext(l, NULL, NULL);
	}
	ldap_answer_free(&a);
	ldap_memfree(uri);
	free(dn);
	return r;
}

/* follow_all - ask each server referred to; FOUND at the first with it */
static enum dir_result
follow_all(struct walk *w, const struct ldap_refs *refs, const char *base,
    int scope, int depth)
{
	enum dir_result r, out = DIR_NOTFOUND;
	double left;
	size_t i;

	for (i = 0; i < refs->n; i++) {
		left = w->deadline - util_now();
		if (depth > REF_DEPTH || w->left <= 0 || left <= 0) {
			ref_failed(w, refs->urls[i], depth > REF_DEPTH ?
			    "references nested too deep, not followed" :
			    left <= 0 ? "timed out before it could be asked" :
			    "too many references, not followed");
			return DIR_ERROR;
		}
		w->left--;
		r = follow_one(w, refs->urls[i],
		    base, scope, left / (double)(refs->n - i), depth);
		if (r == DIR_FOUND)
			return DIR_FOUND;
		if (r == DIR_ERROR)
			out = DIR_ERROR;
	}
	return out;
}

/* ldap_ref_finish - judge the first search's answer, follow its references */
enum dir_result
ldap_ref_finish(const struct ldap_ref_ctx *c, const struct ldap_answer *a,
    const char *base, double deadline, struct dir_query *q, int *rcp)
{
	struct walk w;
	enum dir_result r;

	*rcp = a->rc;
	if (a->entries > 0 || a->rc == LDAP_SIZELIMIT_EXCEEDED) {
		r = DIR_FOUND;
	} else if ((a->rc == LDAP_SUCCESS || a->rc == LDAP_REFERRAL) &&
	    a->refs.n > 0) {
		memset(&w, 0, sizeof(w));
		w.c = c;
		w.deadline = deadline;
		w.left = REF_MAX;
		/* A referral moves the whole search; a reference, a part. */
		r = follow_all(&w, &a->refs, base, a->rc == LDAP_SUCCESS &&
		    c->scope == LDAP_SCOPE_ONELEVEL ? LDAP_SCOPE_BASE :
		    c->scope, 1);
		if (r == DIR_ERROR)
			util_strlcpy(q->error, w.error, sizeof(q->error));
		*rcp = LDAP_SUCCESS;	/* the connection itself is fine */
	} else if (a->rc == LDAP_SUCCESS) {
		r = DIR_NOTFOUND;
	} else {
		describe(a, q->error, sizeof(q->error), a->rc ==
		    LDAP_NO_SUCH_OBJECT ? "search base does not exist" :
		    "search");
		r = DIR_ERROR;
	}
	return r;
}
