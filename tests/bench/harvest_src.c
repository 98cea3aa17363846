/*
 * NAME
 *	harvest_src 3
 * SUMMARY
 *	the harvest simulator's source addresses: a list, or a botnet
 * DESCRIPTION
 *	Each new connection is bound, before connect, to the next source
 *	address. With --from (opt.src) that is the next of a list, used in
 *	turn. With --source-prefix it is a fresh address every session, as
 *	a botnet's: for IPv4 the next address of the prefix, from the one
 *	given (127.16.0.0/9 walks 127.16.0.1, 127.16.0.2 ... of
 *	127.0.0.0/9, wrapping round), skipping those ending in .0 and .255;
 *	for IPv6 each session from another /48 of the prefix (a walk that
 *	visits each /48 once before any again), the bits below the /48
 *	random. Binding to an IPv6 address nobody configured needs a local
 *	route for the prefix and IPV6_FREEBIND (asked for here) or
 *	net.ipv6.ip_nonlocal_bind = 1. The random bits come from a fixed
 *	seed: runs are repeatable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harvest.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

static struct {
	int family;			/* 0: no --source-prefix */
	int bits;
	uint32_t base4, count4, start4;	/* IPv4: the prefix, where to begin */
	unsigned char base6[16];	/* IPv6: the prefix */
	uint64_t n48, stride;		/* its /48s, the walk's step (odd) */
	uint64_t rng;
	char spec[64];
} bot;
static unsigned long sessions;		/* addresses handed out */
static size_t next_src;

/* rnd - xorshift64*: the random host bits */
static uint64_t
rnd(void)
{
	bot.rng ^= bot.rng >> 12;
	bot.rng ^= bot.rng << 25;
	bot.rng ^= bot.rng >> 27;
	return bot.rng * 2685821657736338717ULL;
}

/* set_bits - bits [from, to) of the 128-bit address a, from v's low bits */
static void
set_bits(unsigned char *a, int from, int to, uint64_t v)
{
	int i;

	for (i = to - 1; i >= from; i--, v >>= 1) {
		unsigned char m = (unsigned char)(0x80 >> (i % 8));

		a[i / 8] = (unsigned char)((v & 1) ? a[i / 8] | m : a[i / 8] & ~m);
	}
}

/* src_prefix_parse - --source-prefix ADDR/N: a fresh address per session */
void
src_prefix_parse(const char *spec)
{
	char host[64];
	const char *slash = strchr(spec, '/');
	char *end;
	long bits;

	if (slash == NULL || (size_t)(slash - spec) >= sizeof(host))
		die("--source-prefix: '%s': want ADDR/N", spec);
	memcpy(host, spec, (size_t)(slash - spec));
	host[slash - spec] = '\0';
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	if (errno || *end != '\0' || end == slash + 1)
		die("--source-prefix: '%s': want ADDR/N", spec);
	snprintf(bot.spec, sizeof(bot.spec), "%s", spec);
	bot.rng = 0x9e3779b97f4a7c15ULL;
	if (inet_pton(AF_INET, host, &bot.base4) == 1) {
		uint32_t a = ntohl(bot.base4);

		if (bits < 8 || bits > 30)
			die("--source-prefix: IPv4 prefix length 8 to 30");
		bot.family = AF_INET;
		bot.count4 = (uint32_t)1 << (32 - bits);
		bot.base4 = a & ~(bot.count4 - 1);
		bot.start4 = a - bot.base4;
	} else if (inet_pton(AF_INET6, host, bot.base6) == 1) {
		if (bits < 16 || bits > 64)
			die("--source-prefix: IPv6 prefix length 16 to 64");
		bot.family = AF_INET6;
		set_bits(bot.base6, (int)bits, 128, 0);
		bot.n48 = bits < 48 ? (uint64_t)1 << (48 - bits) : 1;
		bot.stride = (0x9e3779b1ULL % bot.n48) | 1;
	} else {
		die("--source-prefix: '%s' is not an IPv4 or IPv6 address", host);
	}
	bot.bits = (int)bits;
}

/* src_family - the sources' address family; 0 when the kernel chooses */
int
src_family(void)
{
	if (bot.family)
		return bot.family;
	return opt.nsrc > 0 ? AF_INET : 0;
}

/* next4 - the botnet's next IPv4 address, not ending in .0 or .255 */
static uint32_t
next4(void)
{
	uint32_t a;
	int i;

	for (i = 0; i < 3; i++) {	/* at most two in a row are skipped */
		a = bot.base4 + (uint32_t)((bot.start4 + next_src++) % bot.count4);
		if (bot.count4 < 256 || ((a & 0xff) != 0 && (a & 0xff) != 255))
			break;
	}
	return a;
}

/* next6 - the botnet's next IPv6 address: the next /48, random below */
static void
next6(unsigned char *a)
{
	memcpy(a, bot.base6, 16);
	if (bot.bits < 48)
		set_bits(a, bot.bits, 48, (next_src++ * bot.stride) % bot.n48);
	set_bits(a, bot.bits < 48 ? 48 : bot.bits, 96, rnd());
	set_bits(a, 96, 128, rnd());
}

/* src_bind - bind fd to the next source address (if any); 0 or -1 */
int
src_bind(int fd, char *name, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	if (bot.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		next6(s6->sin6_addr.s6_addr);
		sl = sizeof(*s6);
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one,
		    sizeof(one));
		inet_ntop(AF_INET6, &s6->sin6_addr, name, (socklen_t)len);
	} else if (bot.family == AF_INET || opt.nsrc > 0) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		if (bot.family)
			s4->sin_addr.s_addr = htonl(next4());
		else
			s4->sin_addr = opt.src[next_src++ % opt.nsrc];
		sl = sizeof(*s4);
		inet_ntop(AF_INET, &s4->sin_addr, name, (socklen_t)len);
	} else {
		return 0;
	}
	sessions++;
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
	return bind(fd, (struct sockaddr *)&ss, sl);
}

/* src_used - distinct source addresses of the run (at least 1) */
unsigned long
src_used(void)
{
	unsigned long cap;

	if (bot.family == AF_INET6)
		return sessions ? sessions : 1;	/* random bits: all differ */
	if (bot.family == AF_INET) {
		cap = bot.count4 < 256 ? bot.count4 : bot.count4 / 256 * 254;
		return sessions < cap ? (sessions ? sessions : 1) : cap;
	}
	return opt.nsrc ? opt.nsrc : 1;
}

/* src_describe - the sources, for the report */
const char *
src_describe(void)
{
	return bot.family ? bot.spec : NULL;
}
