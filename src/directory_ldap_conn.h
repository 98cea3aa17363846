/*
 * NAME
 *	directory_ldap_conn 3h
 * SUMMARY
 *	open, secure and bind one LDAP connection within a deadline
 * DESCRIPTION
 *	ldap_conn_open() gives a bound connection ready for searches, or
 *	NULL with the reason in q->error. The pool (directory_ldap.c) and
 *	the servers that references name (directory_ldap_ref.c) both open
 *	their connections here, so with the same TLS settings and
 *	credentials.
 */
#ifndef MT_DIRECTORY_LDAP_CONN_H
#define MT_DIRECTORY_LDAP_CONN_H

#include <ldap.h>

#include "directory.h"

struct ldap_conn_cfg {
	char	*bind_dn;	/* NULL: anonymous (or SASL EXTERNAL) */
	char	*password;
	int	sasl_external;
	int	starttls;	/* 0 no, 1 try (-Z), 2 require (-ZZ) */
	char	*tls_cacert;
	char	*tls_cacertdir;
};

/*
 * ldap_conn_open - open, StartTLS and bind a connection to uri (NULL:
 * ldap.conf's) within budget seconds; NULL with q->error filled
 */
LDAP *ldap_conn_open(const struct ldap_conn_cfg *cc, const char *uri,
    double budget, struct dir_query *q);

#endif
