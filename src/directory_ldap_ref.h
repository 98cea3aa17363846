/*
 * NAME
 *	directory_ldap_ref 3h
 * SUMMARY
 *	LDAP searches that follow continuation references
 * DESCRIPTION
 *	ldap_answer_take() gathers the messages of one search (read by
 *	whoever reads the connection) into a struct ldap_answer.
 *	ldap_ref_finish() judges that answer and, when it holds no entry but
 *	continuation references (or a referral), asks the servers they name,
 *	within the same deadline and through the caller's connect function
 *	(so with the same TLS settings and bind credentials), each on a
 *	short-lived connection of its own. "Not found" only if every server
 *	asked says so.
 */
#ifndef MT_DIRECTORY_LDAP_REF_H
#define MT_DIRECTORY_LDAP_REF_H

#include <ldap.h>

#include "directory.h"

struct ldap_refs {
	char	**urls;
	size_t	n, cap;
};

/* ldap_answer - what one search said so far */
struct ldap_answer {
	int		rc;		/* the search's LDAP result code */
	int		entries;
	struct ldap_refs refs;
	char		diag[256];	/* the server's diagnostic, if any */
};

struct ldap_ref_ctx {
	/* connect_fn - a bound connection to uri within budget, or NULL */
	LDAP	*(*connect_fn)(void *arg, const char *uri, double budget,
		    struct dir_query *q);
	void	*arg;
	const char *filter;
	int	scope;		/* LDAP_SCOPE_* of the first search */
};

/* ldap_answer_take - add msg (of the search) to a; 1 when it was the last */
int ldap_answer_take(LDAP *l, LDAPMessage *msg, struct ldap_answer *a);

/* ldap_answer_free - free what a holds (not a itself) */
void ldap_answer_free(struct ldap_answer *a);

/*
 * ldap_ref_finish - judge a, the answer of the search of base on the
 * lookup's own connection, and follow what it refers to; DIR_* result,
 * the first search's LDAP code in *rcp (for the caller's reconnect
 * logic), q->error set on DIR_ERROR
 */
enum dir_result ldap_ref_finish(const struct ldap_ref_ctx *c,
    const struct ldap_answer *a, const char *base, double deadline,
    struct dir_query *q, int *rcp);

#endif
