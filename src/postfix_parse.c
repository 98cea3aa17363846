/*
 * NAME
 *	postfix_parse 3
 * SUMMARY
 *	reading Postfix's parameter values, for the check mode
 * DESCRIPTION
 *	Postfix lists are separated by commas and white space, and a
 *	milter with its own settings is a "{ socket, name=value }" group
 *	(Postfix 3.0 and later). Milter sockets are named differently on
 *	the two sides: libmilter's inet:PORT@HOST is Postfix's
 *	inet:HOST:PORT, and a chrooted smtpd finds unix: paths below its
 *	queue directory. Every input is bounded and a malformed one is
 *	refused, never guessed at.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "postfix_parse.h"
#include "util.h"

#define SEPARATORS	", \t\r\n"
#define PATH_MAX_LEN	1024
#define HOST_MAX_LEN	256

struct sock {
	int	unix_path;		/* 1 unix, 0 inet */
	char	path[PATH_MAX_LEN];
	char	host[HOST_MAX_LEN];	/* "" for any address */
	long	port;
	int	v6;
};

/* trim - cut white space off both ends, in place */
static char *
trim(char *s)
{
	size_t n;

	while (*s && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* postfix_list_split - split a Postfix list in place into words */
int
postfix_list_split(char *s, char **words, int max)
{
	int n = 0, depth;
	char *p = s, *start;

	for (;;) {
		p += strspn(p, SEPARATORS);
		if (*p == '\0')
			return n;
		if (n == max)
			return -1;
		if (*p == '{') {
			start = ++p;
			for (depth = 1; *p && depth > 0; p++)
				depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
			if (depth > 0)
				return -1;
			p[-1] = '\0';
			words[n++] = trim(start);
			continue;
		}
		if (*p == '}')
			return -1;
		words[n++] = p;
		p += strcspn(p, SEPARATORS "{}");
		if (*p == '{' || *p == '}')
			return -1;
		if (*p)
			*p++ = '\0';
	}
}

/* postfix_bool - 1 for yes, 0 for no, else -1 */
int
postfix_bool(const char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strcspn(s, " \t\r\n");
	if (s[n + strspn(s + n, " \t\r\n")] != '\0')
		return -1;
	if (n == 3 && strncasecmp(s, "yes", 3) == 0)
		return 1;
	if (n == 2 && strncasecmp(s, "no", 2) == 0)
		return 0;
	return -1;
}

/* postfix_time - a Postfix time value in seconds; 0 ok, -1 bad */
int
postfix_time(const char *s, double *secs)
{
	static const char units[] = "smhdw";
	static const double mult[] = { 1, 60, 3600, 86400, 604800 };
	const char *u;
	char *end;
	long v;

	s += strspn(s, " \t");
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (v < 0 || v > 100000000L)
		return -1;
	*secs = (double)v;
	if (*end && (u = strchr(units, tolower((unsigned char)*end))) != NULL) {
		*secs *= mult[u - units];
		end++;
	}
	end += strspn(end, " \t\r\n");
	return *end == '\0' ? 0 : -1;
}

/* postfix_master_smtpd - an smtpd inet service: 1 chrooted, 0 not; else -1 */
int
postfix_master_smtpd(const char *line)
{
	char copy[2048], *f[8], *save = NULL, *cmd;
	int i;

	if (util_strlcpy(copy, line, sizeof(copy)) >= sizeof(copy))
		return -1;
	for (i = 0; i < 8; i++)
		if ((f[i] = strtok_r(i ? NULL : copy, " \t\r\n", &save)) == NULL)
			return -1;
	cmd = strrchr(f[7], '/') ? strrchr(f[7], '/') + 1 : f[7];
	if (strcmp(f[1], "inet") != 0 || strcmp(cmd, "smtpd") != 0)
		return -1;
	return strcmp(f[4], "y") == 0 || strcmp(f[4], "yes") == 0;
}

/* postfix_milter_attr - a milter group's attribute value; 0 found, -1 not */
int
postfix_milter_attr(const char *group, const char *name, char *buf,
    size_t len)
{
	size_t n = strlen(name);
	const char *p = group + strcspn(group, SEPARATORS);

	while (*p) {
		p += strspn(p, SEPARATORS);
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			p += n + 1;
			n = strcspn(p, SEPARATORS);
			util_strlcpy(buf, p, n + 1 < len ? n + 1 : len);
			return 0;
		}
		p += strcspn(p, SEPARATORS);
	}
	return -1;
}

/* postfix_milter_socket - the socket of a milter group */
void
postfix_milter_socket(const char *group, char *buf, size_t len)
{
	size_t n = strcspn(group, SEPARATORS);

	util_strlcpy(buf, group, n + 1 < len ? n + 1 : len);
}

/* norm_path - collapse repeated and trailing slashes; -1 too long */
static int
norm_path(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in; in++) {
		if (*in == '/' && o > 0 && out[o - 1] == '/')
			continue;
		if (o + 1 >= len)
			return -1;
		out[o++] = *in;
	}
	while (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

/* set_host - a host name or address, without [ ], lower case */
static int
set_host(struct sock *s, const char *h, size_t n)
{
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n >= sizeof(s->host))
		return -1;
	memcpy(s->host, h, n);
	s->host[n] = '\0';
	util_lower(s->host);
	return 0;
}

/* parse_ours - the daemon's -p (libmilter syntax) */
static int
parse_ours(const char *spec, struct sock *s)
{
	const char *at;
	char *end;

	memset(s, 0, sizeof(*s));
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0 ||
	    spec[0] == '/') {
		s->unix_path = 1;
		spec = spec[0] == '/' ? spec : strchr(spec, ':') + 1;
		return norm_path(spec, s->path, sizeof(s->path));
	}
	if (strncmp(spec, "inet:", 5) == 0)
		spec += 5;
	else if (strncmp(spec, "inet6:", 6) == 0) {
		spec += 6;
		s->v6 = 1;
	} else
		return -1;
	s->port = strtol(spec, &end, 10);
	if (end == spec || s->port < 1 || s->port > 65535 ||
	    (*end != '\0' && *end != '@'))
		return -1;
	at = *end == '@' ? end + 1 : end;
	return set_host(s, at, strlen(at));
}

/* parse_theirs - one smtpd_milters socket (Postfix syntax), resolved */
static int
parse_theirs(const char *spec, const char *qdir, int chroot, struct sock *s)
{
	char joined[PATH_MAX_LEN * 2];
	const char *colon;
	char *end;

	memset(s, 0, sizeof(*s));
	if (strncmp(spec, "unix:", 5) == 0) {
		s->unix_path = 1;
		spec += 5;
		if (spec[0] != '/' || chroot)
			snprintf(joined, sizeof(joined), "%s/%s", qdir, spec);
		else
			util_strlcpy(joined, spec, sizeof(joined));
		return norm_path(joined, s->path, sizeof(s->path));
	}
	if (strncmp(spec, "inet:", 5) != 0)
		return -1;
	spec += 5;
	if ((colon = strrchr(spec, ':')) == NULL)
		return -1;
	s->port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || s->port < 1 ||
	    s->port > 65535)
		return -1;
	return set_host(s, spec, (size_t)(colon - spec));
}

/* host_any - the wildcard address, or none given */
static int
host_any(const char *h)
{
	return !*h || strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0 ||
	    strcmp(h, "*") == 0;
}

/* host_loopback - a name of this host's loopback interface */
static int
host_loopback(const char *h)
{
	return strcmp(h, "localhost") == 0 || strcmp(h, "127.0.0.1") == 0 ||
	    strcmp(h, "::1") == 0;
}

/* postfix_socket_same - does Postfix's milter theirs reach our -p */
int
postfix_socket_same(const char *ours, const char *theirs, const char *qdir,
    int chroot)
{
	struct sock a, b;

	if (parse_ours(ours, &a) < 0 ||
	    parse_theirs(theirs, qdir, chroot, &b) < 0 ||
	    a.unix_path != b.unix_path)
		return 0;
	if (a.unix_path)
		return strcmp(a.path, b.path) == 0;
	return a.port == b.port && (host_any(a.host) ||
	    strcmp(a.host, b.host) == 0 ||
	    (host_loopback(a.host) && host_loopback(b.host)));
}

/* postfix_socket_form - our -p as smtpd_milters names it; -1 unreachable */
int
postfix_socket_form(const char *ours, const char *qdir, int chroot,
    char *buf, size_t len)
{
	char root[PATH_MAX_LEN];
	struct sock a;
	size_t n;

	if (parse_ours(ours, &a) < 0)
		return -1;
	if (!a.unix_path) {
		const char *h = host_any(a.host) ? (a.v6 ? "::1" :
		    "127.0.0.1") : a.host;

		snprintf(buf, len, strchr(h, ':') ? "inet:[%s]:%ld" :
		    "inet:%s:%ld", h, a.port);
		return 0;
	}
	if (!chroot) {
		snprintf(buf, len, "unix:%s", a.path);
		return 0;
	}
	if (norm_path(qdir, root, sizeof(root)) < 0)
		return -1;
	n = strlen(root);
	if (strncmp(a.path, root, n) != 0 || a.path[n] != '/')
		return -1;
	snprintf(buf, len, "unix:%s", a.path + n);
	return 0;
}

/* postfix_same_chars - do two delimiter sets hold the same characters */
int
postfix_same_chars(const char *a, const char *b)
{
	const char *p;

	a = a ? a : "";
	b = b ? b : "";
	for (p = a; *p; p++)
		if (!isspace((unsigned char)*p) && strchr(b, *p) == NULL)
			return 0;
	for (p = b; *p; p++)
		if (!isspace((unsigned char)*p) && strchr(a, *p) == NULL)
			return 0;
	return 1;
}

/* postfix_domain_cover - does -d cover a domain Postfix accepts */
enum postfix_cover
postfix_domain_cover(const struct config *cfg, const char *item, int parent)
{
	char sub[ADDR_DOMAIN_MAX + 8];
	int dotted = item[0] == '.';
	const char *d = item + dotted;

	if (!dotted && !config_is_local(cfg, d))
		return POSTFIX_MISSING;
	if (!dotted && !parent)
		return POSTFIX_COVERED;
	snprintf(sub, sizeof(sub), "sub.%s", d);
	if (config_is_local(cfg, sub))
		return POSTFIX_COVERED;
	return config_is_local(cfg, d) ? POSTFIX_SUBDOMAINS : POSTFIX_MISSING;
}

/* postfix_list_without - the list without item i, "a, b" into buf */
void
postfix_list_without(char *const *words, int n, int i, char *buf, size_t len)
{
	size_t o = 0;
	int k, group;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (k = 0; k < n; k++) {
		if (k == i)
			continue;
		group = words[k][strcspn(words[k], SEPARATORS)] != '\0';
		o += (size_t)snprintf(buf + (o < len ? o : len - 1),
		    o < len ? len - o : 1, "%s%s%s%s", o ? ", " : "",
		    group ? "{ " : "", words[k], group ? " }" : "");
	}
}
