/*
 * NAME
 *	ldap_hint 3h
 * SUMMARY
 *	why a connection to an LDAP server failed, in words
 * DESCRIPTION
 *	ldap_hint_tls() tells a certificate problem from a server that is
 *	down, with a TCP probe that never outlasts the lookup's deadline.
 */
#ifndef MT_LDAP_HINT_H
#define MT_LDAP_HINT_H

#include <stddef.h>

/*
 * ldap_hint_tls - after a TLS connection to uri failed quickly with rc:
 * if a plain TCP connect succeeds before the deadline (monotonic), append
 * that the handshake failed and the certificate is the likely cause
 */
void ldap_hint_tls(const char *uri, int rc, double deadline, char *msg,
    size_t len);

#endif
