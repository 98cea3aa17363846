/*
 * NAME
 *	addr 3h
 * SUMMARY
 *	parse and normalise RFC 5321 envelope addresses
 * DESCRIPTION
 *	addr_parse() takes the address as the MTA hands it to the milter
 *	("<user@example.com>", with or without brackets, with source route,
 *	quoted or obsolete dot-separated quoted local part, comments) and
 *	yields the internal (unquoted) form that Postfix uses for table
 *	lookups, lower-cased like Postfix's own LDAP lookups. The domain is
 *	what follows the last '@' outside quotes; any '@', '%' or '!' before
 *	it stays in the local part for route_resolve(). It is strict where
 *	the input cannot name a mailbox and lenient with odd local-part
 *	characters, which then go to the directory escaped and simply match
 *	nothing.
 */
#ifndef MT_ADDR_H
#define MT_ADDR_H

#include <stddef.h>

#define ADDR_INPUT_MAX	1024	/* longer raw input is refused */
#define ADDR_LOCAL_MAX	256	/* RFC 5321 says 64; be generous */
#define ADDR_DOMAIN_MAX	255

enum addr_status {
	ADDR_OK = 0,
	ADDR_NULL,		/* <> */
	ADDR_TOO_LONG,
	ADDR_SYNTAX
};

struct addr {
	char local[ADDR_LOCAL_MAX + 1];		/* unquoted, lower case */
	char domain[ADDR_DOMAIN_MAX + 1];	/* lower case, "" if none */
	char full[ADDR_LOCAL_MAX + ADDR_DOMAIN_MAX + 2]; /* local@domain */
};

/* addr_parse - parse input into a; on error *why says what is wrong */
enum addr_status addr_parse(const char *input, struct addr *a, const char **why);

/*
 * addr_domain_hint - for an input addr_parse() refused: the domain it
 * names as far as that can be told, lower case; 0 if none
 */
int addr_domain_hint(const char *input, char *dom, size_t len);

/* addr_is_dot_atom - local needs no quotes (Postfix's dot-string test) */
int addr_is_dot_atom(const char *local);

/* addr_is_postmaster - the local part is "postmaster" (any case) */
int addr_is_postmaster(const struct addr *a);

/* addr_strip_extension - base address without "+tag"; 1 if stripped */
int addr_strip_extension(const struct addr *a, const char *delims, struct addr *base);

#endif
