/*
 * NAME
 *	route 3h
 * SUMMARY
 *	the address Postfix will route a recipient to
 * DESCRIPTION
 *	route_resolve() repeats what Postfix's trivial-rewrite resolver
 *	does with an address in one of our domains: it strips the domain,
 *	and where the local part still holds a routing operator ('@', and
 *	with its defaults allow_percent_hack = yes and swap_bangpath = yes
 *	'%' and '!') it rewrites "user@domain" out of it and goes on. What
 *	is left is the address to judge.
 */
#ifndef MT_ROUTE_H
#define MT_ROUTE_H

#include "addr.h"
#include "config.h"

enum route_class {
	ROUTE_OURS,	/* user@one-of-our-domains: judge it */
	ROUTE_FOREIGN,	/* user@somewhere-else: not ours to judge */
	ROUTE_LITERAL,	/* user@[our-address]: Postfix's local class */
	ROUTE_BARE	/* no domain: Postfix appends $myorigin */
};

/* route_resolve - the address Postfix routes in to, into out */
enum route_class route_resolve(const struct config *cfg,
    const struct addr *in, struct addr *out);

/* route_literal_is_ours - domain is "[IP]" of one of the MTA's addresses */
int route_literal_is_ours(const struct config *cfg, const char *domain);

/* route_class_name - "ours", "foreign", "literal" or "bare" */
const char *route_class_name(enum route_class c);

#endif
