/*
 * NAME
 *	fleet_url 3
 * SUMMARY
 *	where the shared scores live: Redis URLs
 * DESCRIPTION
 *	The forms redis-cli and most Redis clients accept (redis://, with
 *	the database as the path), plus unix: for a local socket, which
 *	needs no password on a host where only the daemon's group may open
 *	it. Every refusal says what is wrong and what is accepted. A
 *	password in the URL is allowed (an options file is as private as a
 *	password file), but --redis-password-file is what the documentation
 *	recommends: a URL on the command line shows in ps(1).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "fleet_url.h"
#include "util.h"

#define FLEET_DB_MAX	65535

/* fail - the message for s, a -1 to return */
static int
fail(char *err, size_t errlen, const char *s, const char *why)
{
	snprintf(err, errlen, "\"%s\" %s", s, why);
	return -1;
}

/* hexval - value of a hex digit, or -1 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* decode - percent-decode n bytes of s into a new string; NULL if bad */
static char *
decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;
	int hi, lo;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
		    (lo = hexval((unsigned char)s[i + 2])) < 0 ||
		    (hi == 0 && lo == 0))
			break;
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	if (i < n) {
		free(out);
		return NULL;
	}
	*o = '\0';
	return out;
}

/* parse_db - a database number of at most FLEET_DB_MAX; 0 ok, -1 bad */
static int
parse_db(const char *s, size_t n, long *db)
{
	char buf[16];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return util_parse_long(buf, 0, FLEET_DB_MAX, db);
}

/* host_ok - a host name or IPv4 address: letters, digits, '-', '.', '_' */
static int
host_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.' || s[i] == '_'))
			return 0;
	return 1;
}

/* parse_unix - "unix:/path[?db=N]" or "unix:///path[?db=N]" */
static int
parse_unix(const char *s, struct fleet_url *u, char *err, size_t errlen)
{
	const char *p = s + 5, *q;
	size_t n;

	if (strncmp(p, "//", 2) == 0)
		p += 2;
	if (*p != '/')
		return fail(err, errlen, s, "has no absolute socket path"
		    " (unix:/run/redis/redis.sock)");
	q = strchr(p, '?');
	n = q ? (size_t)(q - p) : strlen(p);
	if (n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return fail(err, errlen, s, "has a socket path too long for"
		    " a unix socket");
	if (q && (strncmp(q, "?db=", 4) != 0 ||
	    parse_db(q + 4, strlen(q + 4), &u->db) < 0))
		return fail(err, errlen, s, "is not unix:/PATH or"
		    " unix:/PATH?db=N (N a database number from 0 to 65535)");
	u->path = strndup(p, n);
	return 0;
}

/* parse_auth - "user:password", ":password" or "user" */
static int
parse_auth(const char *s, const char *a, size_t n, struct fleet_url *u,
    char *err, size_t errlen)
{
	const char *colon = memchr(a, ':', n);
	size_t un = colon ? (size_t)(colon - a) : n;

	if (un > 0 && (u->user = decode(a, un)) == NULL)
		return fail(err, errlen, s, "has a bad %-escape in the user");
	if (colon == NULL)
		return 0;
	if (colon + 1 == a + n)
		return fail(err, errlen, s, "has an empty password after ':'");
	if ((u->password = decode(colon + 1, n - un - 1)) == NULL)
		return fail(err, errlen, s, "has a bad %-escape in the"
		    " password");
	return 0;
}

/* parse_hostport - "host", "host:port", "[v6]" or "[v6]:port" */
static int
parse_hostport(const char *s, const char *h, size_t n, struct fleet_url *u,
    char *err, size_t errlen)
{
	const char *end = h + n, *port = NULL, *close;
	char buf[8];
	long l;

	if (n > 0 && h[0] == '[') {
		close = memchr(h, ']', n);
		if (close == NULL || close == h + 1 ||
		    strspn(h + 1, "0123456789abcdefABCDEF:.") <
		    (size_t)(close - h - 1))
			return fail(err, errlen, s, "has a bad IPv6 address"
			    " (write it in brackets: redis://[::1]:6379)");
		u->host = strndup(h + 1, (size_t)(close - h - 1));
		if (close + 1 < end) {
			if (close[1] != ':')
				return fail(err, errlen, s, "has something"
				    " after the IPv6 address's ']'");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(h, ':', n);
		size_t hn = colon ? (size_t)(colon - h) : n;

		if (!host_ok(h, hn))
			return fail(err, errlen, s, "has no host name or"
			    " address (redis://HOST[:PORT][/DB])");
		u->host = strndup(h, hn);
		if (colon)
			port = colon + 1;
	}
	if (port == NULL)
		return 0;
	if (port == end || (size_t)(end - port) >= sizeof(buf))
		l = -1;
	else {
		memcpy(buf, port, (size_t)(end - port));
		buf[end - port] = '\0';
		if (util_parse_long(buf, 1, 65535, &l) < 0)
			l = -1;
	}
	if (l < 0)
		return fail(err, errlen, s, "has a port that is not a number"
		    " from 1 to 65535");
	u->port = (int)l;
	return 0;
}

/* parse_tcp - what follows "redis://" */
static int
parse_tcp(const char *s, const char *p, struct fleet_url *u, char *err,
    size_t errlen)
{
	size_t an = strcspn(p, "/?#");
	const char *at = NULL, *q, *rest = p + an;

	for (q = p; q < p + an; q++)
		if (*q == '@')
			at = q;		/* the last one: '@' may be in user */
	if (at == p)
		return fail(err, errlen, s, "has nothing before '@'");
	if (at && parse_auth(s, p, (size_t)(at - p), u, err, errlen) < 0)
		return -1;
	q = at ? at + 1 : p;
	if (parse_hostport(s, q, (size_t)(p + an - q), u, err, errlen) < 0)
		return -1;
	if (*rest == '\0' || strcmp(rest, "/") == 0)
		return 0;
	if (*rest != '/' || parse_db(rest + 1, strlen(rest + 1), &u->db) < 0)
		return fail(err, errlen, s, "is not redis://HOST[:PORT][/DB]"
		    " (DB a database number from 0 to 65535)");
	return 0;
}

/* fleet_url_parse - parse s into u; 0 ok, -1 bad (why in err) */
int
fleet_url_parse(const char *s, struct fleet_url *u, char *err, size_t errlen)
{
	int rc;

	memset(u, 0, sizeof(*u));
	u->port = FLEET_DEFAULT_PORT;
	if (strncasecmp(s, "rediss://", 9) == 0)
		return fail(err, errlen, s, "asks for TLS, which this build"
		    " cannot do: Debian 12's hiredis (0.14) has no TLS"
		    " support; use a unix: socket, a Redis on a private"
		    " network, or a TLS tunnel (stunnel, spiped) on"
		    " loopback");
	if (strncasecmp(s, "unix:", 5) == 0)
		rc = parse_unix(s, u, err, errlen);
	else if (strncasecmp(s, "redis://", 8) == 0)
		rc = parse_tcp(s, s + 8, u, err, errlen);
	else
		rc = fail(err, errlen, s, "is not a Redis URL"
		    " (redis://HOST[:PORT][/DB] or unix:/PATH[?db=DB])");
	if (rc < 0)
		fleet_url_free(u);
	return rc;
}

/* fleet_url_show - u for logs, without user or password */
void
fleet_url_show(const struct fleet_url *u, char *buf, size_t len)
{
	if (u->path)
		snprintf(buf, len, "unix:%s?db=%ld", u->path, u->db);
	else if (u->host && strchr(u->host, ':'))
		snprintf(buf, len, "redis://[%s]:%d/%ld", u->host, u->port,
		    u->db);
	else
		snprintf(buf, len, "redis://%s:%d/%ld", u->host ? u->host :
		    "?", u->port, u->db);
}

/* fleet_url_free - release what fleet_url_parse allocated */
void
fleet_url_free(struct fleet_url *u)
{
	free(u->host);
	free(u->path);
	free(u->user);
	if (u->password) {
		explicit_bzero(u->password, strlen(u->password));
		free(u->password);
	}
	memset(u, 0, sizeof(*u));
}
