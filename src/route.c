/*
 * NAME
 *	route 3
 * SUMMARY
 *	the address Postfix will route a recipient to
 * DESCRIPTION
 *	Postfix's resolver, as far as the milter can know it: while the
 *	domain after the last '@' is one of ours (a -d domain, or an
 *	address literal of one of the MTA's own addresses), strip it and
 *	look at the local part:
 *
 *	    "u@d"	the last '@' splits it again;
 *	    "d!u"	becomes u@d at the first '!' (swap_bangpath);
 *	    "u%d"	becomes u@d at the last '%' (allow_percent_hack).
 *
 *	Where the local part is a dot-atom '!' goes before '%'; where it
 *	needs quotes Postfix cracks the quoted string open and '%' goes
 *	first. Each step makes the address shorter, so the loop ends.
 *	Postfix rewrites this way only for its own domains ($mydestination
 *	and its address literals); in a relay domain it leaves the address
 *	alone and refuses it to anonymous clients itself ("Relay access
 *	denied"), so deciding the rewritten form is right, or moot, in
 *	both cases.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cidr.h"
#include "route.h"
#include "util.h"

/* route_class_name - "ours", "foreign", "literal" or "bare" */
const char *
route_class_name(enum route_class c)
{
	switch (c) {
	case ROUTE_OURS:
		return "ours";
	case ROUTE_FOREIGN:
		return "foreign";
	case ROUTE_LITERAL:
		return "literal";
	case ROUTE_BARE:
		return "bare";
	}
	return "?";
}

/* route_literal_is_ours - domain is "[IP]" of one of the MTA's addresses */
int
route_literal_is_ours(const struct config *cfg, const char *domain)
{
	char ip[ADDR_DOMAIN_MAX + 1];
	struct ipaddr a;
	size_t n = strlen(domain), i;
	const char *p = domain + 1;

	if (n < 3 || domain[0] != '[' || domain[n - 1] != ']')
		return 0;
	if (strncasecmp(p, "ipv6:", 5) == 0)
		p += 5;
	n = (size_t)(domain + n - 1 - p);
	if (n == 0 || n >= sizeof(ip))
		return 0;
	memcpy(ip, p, n);
	ip[n] = '\0';
	if (cidr_addr_parse(ip, &a) < 0 || (p == domain + 1 && a.family != 4))
		return 0;
	if (cfg->own_any)
		return 1;
	for (i = 0; i < cfg->nown; i++)
		if (cidr_match(&cfg->own[i], &a))
			return 1;
	return 0;
}

/* set_parts - a becomes local@domain (domain may be empty) */
static void
set_parts(struct addr *a, const char *local, size_t llen, const char *domain,
    size_t dlen)
{
	char l[ADDR_LOCAL_MAX + 1], d[ADDR_DOMAIN_MAX + 1];

	if (dlen > 1 && domain[dlen - 1] == '.' && domain[0] != '[')
		dlen--;		/* trailing root dot */
	memcpy(l, local, llen);
	l[llen] = '\0';
	memcpy(d, domain, dlen);
	d[dlen] = '\0';
	util_strlcpy(a->local, l, sizeof(a->local));
	util_strlcpy(a->domain, d, sizeof(a->domain));
	if (dlen)
		snprintf(a->full, sizeof(a->full), "%s@%s", l, d);
	else
		util_strlcpy(a->full, l, sizeof(a->full));
}

/* reroute - one rewrite of a's local part; 0 if it has no operator */
static int
reroute(const struct config *cfg, struct addr *a)
{
	char local[ADDR_LOCAL_MAX + 1];
	const char *at, *bang, *pct, *l = local;
	size_t n;

	n = util_strlcpy(local, a->local, sizeof(local));
	at = strrchr(l, '@');
	bang = cfg->swap_bangpath ? strchr(l, '!') : NULL;
	pct = cfg->percent_hack ? strrchr(l, '%') : NULL;
	if (at) {
		bang = NULL;
		pct = at;
	} else if (bang && pct && !addr_is_dot_atom(l)) {
		bang = NULL;	/* a quoted string: Postfix takes '%' first */
	}
	if (bang && bang > l && bang[1] != '\0') {	/* d!u -> u@d */
		set_parts(a, bang + 1, n - (size_t)(bang + 1 - l), l,
		    (size_t)(bang - l));
		return 1;
	}
	if (pct && !bang && pct > l) {		/* u%d, u@d -> u@d */
		set_parts(a, l, (size_t)(pct - l), pct + 1,
		    n - (size_t)(pct + 1 - l));
		return 1;
	}
	return 0;
}

/* route_resolve - the address Postfix routes in to, into out */
enum route_class
route_resolve(const struct config *cfg, const struct addr *in,
    struct addr *out)
{
	int literal;

	*out = *in;
	for (;;) {
		if (out->domain[0] == '\0') {
			if (!reroute(cfg, out))
				return ROUTE_BARE;
			continue;
		}
		literal = out->domain[0] == '[';
		if (literal ? !route_literal_is_ours(cfg, out->domain) :
		    !config_is_local(cfg, out->domain))
			return ROUTE_FOREIGN;
		if (!reroute(cfg, out))
			return literal ? ROUTE_LITERAL : ROUTE_OURS;
	}
}
