/*
 * NAME
 *	directory_ldap_ref 3h
 * SUMMARY
 *	LDAP searches that follow continuation references
 * DESCRIPTION
 *	ldap_ref_search() runs one search and, when it finds no entry but
 *	the server answered with continuation references (or a referral),
 *	asks the servers they name, within the same deadline and through
 *	the caller's connect function (so with the same TLS settings and
 *	bind credentials). "Not found" only if every server asked says so.
 */
#ifndef MT_DIRECTORY_LDAP_REF_H
#define MT_DIRECTORY_LDAP_REF_H

#include <ldap.h>

#include "directory.h"

struct ldap_ref_ctx {
	/* connect_fn - a bound connection to uri within budget, or NULL */
	LDAP	*(*connect_fn)(void *arg, const char *uri, double budget,
		    struct dir_query *q);
	void	*arg;
	const char *filter;
	int	scope;		/* LDAP_SCOPE_* of the first search */
};

/*
 * ldap_ref_search - search base on l (the lookup's own connection) and
 * follow what it refers to; DIR_* result, the first search's LDAP code in
 * *rcp (for the caller's reconnect logic), q->error set on DIR_ERROR
 */
enum dir_result ldap_ref_search(const struct ldap_ref_ctx *c, LDAP *l,
    const char *base, double deadline, struct dir_query *q, int *rcp);

#endif
