/*
 * NAME
 *	fleet_url 3h
 * SUMMARY
 *	where the shared scores live: Redis URLs
 * DESCRIPTION
 *	fleet_url_parse() reads the --redis value:
 *
 *	    redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
 *	    unix:/PATH[?db=DB]          (also unix:///PATH)
 *
 *	HOST may be a name, an IPv4 address or an IPv6 address in brackets;
 *	PORT defaults to 6379, DB to 0. USER and PASSWORD may be
 *	percent-encoded. rediss:// (TLS) is refused with the reason: the
 *	hiredis this is built with has no TLS. No I/O, no libraries: the
 *	flags are checked with it, and it is unit-tested directly.
 */
#ifndef MT_FLEET_URL_H
#define MT_FLEET_URL_H

#include <stddef.h>

#define FLEET_DEFAULT_PORT	6379

struct fleet_url {
	char	*host;		/* TCP: name or address; NULL for unix: */
	int	port;
	char	*path;		/* unix: socket path; NULL for TCP */
	long	db;
	char	*user;		/* ACL user (Redis 6), or NULL */
	char	*password;	/* from the URL, or NULL */
};

/* fleet_url_parse - parse s into u; 0 ok, -1 bad (why in err) */
int fleet_url_parse(const char *s, struct fleet_url *u, char *err,
    size_t errlen);

/* fleet_url_show - u for logs, without user or password */
void fleet_url_show(const struct fleet_url *u, char *buf, size_t len);

/* fleet_url_free - release what fleet_url_parse allocated */
void fleet_url_free(struct fleet_url *u);

#endif
