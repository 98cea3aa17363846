/*
 * NAME
 *	cidr 3
 * SUMMARY
 *	IPv4 and IPv6 addresses, networks and network keys
 * DESCRIPTION
 *	Pure functions over byte arrays; inet_pton() and inet_ntop() do the
 *	text work.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "util.h"

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* cidr_addr_parse - parse an address; 0 ok, -1 bad */
int
cidr_addr_parse(const char *s, struct ipaddr *a)
{
	unsigned char buf[16];

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, buf) == 1) {
		a->family = 4;
		memcpy(a->b, buf, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		if (memcmp(buf, v4mapped, 12) == 0) {
			a->family = 4;
			memcpy(a->b, buf + 12, 4);
		} else {
			a->family = 6;
			memcpy(a->b, buf, 16);
		}
		return 0;
	}
	return -1;
}

/* mask - clear every bit of a past prefix */
static void
mask(struct ipaddr *a, int prefix)
{
	int len = a->family == 4 ? 4 : 16, i;

	for (i = 0; i < len; i++) {
		int bits = prefix - i * 8;

		if (bits >= 8)
			continue;
		a->b[i] &= bits <= 0 ? 0 : (unsigned char)(0xff << (8 - bits));
	}
}

/* cidr_parse - parse "addr/len" or "addr"; 0 ok, -1 bad */
int
cidr_parse(const char *s, struct cidr *c)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	long len;

	if (strlen(s) >= sizeof(buf))
		return -1;
	util_strlcpy(buf, s, sizeof(buf));
	if (slash)
		buf[slash - s] = '\0';
	if (cidr_addr_parse(buf, &c->net) < 0)
		return -1;
	if (slash == NULL) {
		c->prefix = c->net.family == 4 ? 32 : 128;
		return 0;
	}
	if (util_parse_long(slash + 1, 0, strchr(buf, ':') ? 128 : 32, &len) < 0)
		return -1;
	/* "::ffff:192.0.2.0/120" is a v4 network of length 120 - 96. */
	if (c->net.family == 4 && strchr(buf, ':') != NULL) {
		if (len < 96)
			return -1;
		len -= 96;
	}
	c->prefix = (int)len;
	mask(&c->net, c->prefix);
	return 0;
}

/* cidr_match - is a inside c */
int
cidr_match(const struct cidr *c, const struct ipaddr *a)
{
	struct ipaddr m;

	if (a->family != c->net.family)
		return 0;
	m = *a;
	mask(&m, c->prefix);
	return memcmp(m.b, c->net.b, a->family == 4 ? 4 : 16) == 0;
}

/* cidr_key - "192.0.2.0/24"-style text of a's network, for tables and logs */
void
cidr_key(const struct ipaddr *a, int prefix4, int prefix6, char *out,
    size_t outlen)
{
	char text[INET6_ADDRSTRLEN];
	struct ipaddr m = *a;
	int prefix = a->family == 4 ? prefix4 : prefix6;

	mask(&m, prefix);
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, m.b, text, sizeof(text));
	snprintf(out, outlen, "%s/%d", text, prefix);
}
