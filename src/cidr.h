/*
 * NAME
 *	cidr 3h
 * SUMMARY
 *	IPv4 and IPv6 addresses, networks and network keys
 * DESCRIPTION
 *	cidr_parse() reads "192.0.2.0/24", "2001:db8::/32" or a bare
 *	address; cidr_match() tells whether an address lies in a network.
 *	cidr_key() maps an address to its network of a given prefix length
 *	(the unit the client score is kept for). IPv4-mapped IPv6 addresses
 *	(::ffff:192.0.2.1) count as IPv4.
 */
#ifndef MT_CIDR_H
#define MT_CIDR_H

#include <stddef.h>

struct ipaddr {
	int		family;		/* 4 or 6 */
	unsigned char	b[16];		/* 4 or 16 bytes used */
};

struct cidr {
	struct ipaddr	net;
	int		prefix;
};

/* cidr_addr_parse - parse an address; 0 ok, -1 bad */
int cidr_addr_parse(const char *s, struct ipaddr *a);

/* cidr_parse - parse "addr/len" or "addr"; 0 ok, -1 bad */
int cidr_parse(const char *s, struct cidr *c);

/* cidr_match - is a inside c */
int cidr_match(const struct cidr *c, const struct ipaddr *a);

/* cidr_key - "192.0.2.0/24"-style text of a's network, for tables and logs */
void cidr_key(const struct ipaddr *a, int prefix4, int prefix6, char *out,
    size_t outlen);

#endif
