/*
 * NAME
 *	ldap_mux 3h
 * SUMMARY
 *	many searches in flight on one LDAP connection
 * DESCRIPTION
 *	A mux is one slot of the pool: it holds at most one bound connection
 *	at a time and a reader thread for it. Any number of threads search
 *	through it at once; each waits for its own answer, never past its own
 *	deadline. A connection that fails, or on which a search timed out,
 *	is closed by the reader thread, which then tells the pool through the
 *	down callback (called without the mux's lock held).
 */
#ifndef MT_LDAP_MUX_H
#define MT_LDAP_MUX_H

#include <ldap.h>

#include "directory_ldap_ref.h"

struct ldap_mux;

/*
 * ldap_mux_down_fn - the connection of generation gen is closed: called
 * from the reader thread, after the socket is closed
 */
typedef void ldap_mux_down_fn(void *arg, unsigned long gen);

/* ldap_mux_new - an empty slot; NULL without memory */
struct ldap_mux *ldap_mux_new(ldap_mux_down_fn *down, void *arg);

/*
 * ldap_mux_attach - hand the bound connection l over to m (which must
 * hold none): its generation number, or 0 when the reader thread cannot
 * start (l is then closed)
 */
unsigned long ldap_mux_attach(struct ldap_mux *m, LDAP *l);

/*
 * ldap_mux_search - one search (no attributes, one entry) of base, the
 * answer in a, read before the deadline; a->rc LDAP_SERVER_DOWN when
 * the connection is gone (or went while the search was in flight),
 * LDAP_TIMEOUT when the deadline passed (the message id is abandoned and
 * the connection dropped). Returns 1 when this search is the one to hold
 * the failure against the server (once per connection), else 0; *gen
 * the generation of the connection used.
 */
int ldap_mux_search(struct ldap_mux *m, const char *base, int scope,
    const char *filter, double deadline, struct ldap_answer *a,
    unsigned long *gen);

/* ldap_mux_drop - close the connection of generation gen, if still open */
void ldap_mux_drop(struct ldap_mux *m, unsigned long gen);

/* ldap_mux_free - stop the reader, close the connection, free m */
void ldap_mux_free(struct ldap_mux *m);

#endif
