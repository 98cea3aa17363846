/*
 * NAME
 *	ldap_escape 3h
 * SUMMARY
 *	RFC 4515 value escaping and search filter expansion
 * DESCRIPTION
 *	filter_expand() fills a filter template with the parts of an address:
 *	%s the whole address, %u the local part, %d the domain, %% a percent
 *	sign. Every value is escaped first, so no address can add, remove or
 *	widen a clause of the filter.
 */
#ifndef MT_LDAP_ESCAPE_H
#define MT_LDAP_ESCAPE_H

#include <stddef.h>

/* ldap_escape_value - escape one assertion value; returns the length needed */
size_t ldap_escape_value(const char *in, char *out, size_t outlen);

/* filter_check - validate a template; 0 ok, -1 with *why set */
int filter_check(const char *tmpl, const char **why);

/*
 * filter_expand - expand tmpl; returns the length needed (excluding the
 * terminator), so a result >= outlen means out was too small.
 */
size_t filter_expand(const char *tmpl, const char *full, const char *local,
    const char *domain, char *out, size_t outlen);

#endif
