/*
 * NAME
 *	check_cidr 1
 * SUMMARY
 *	unit tests for src/cidr.c: addresses, networks, network keys
 * DESCRIPTION
 *	cidr_addr_parse() on IPv4, IPv6, IPv4-mapped IPv6 and garbage;
 *	cidr_parse() on networks, bare addresses, host bits, bad prefixes
 *	and mapped networks; cidr_match() within and across families, at
 *	/0 and on prefixes that do not end on a byte; cidr_key() text.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* hex - the used bytes of a, for messages */
static const char *
hex(const struct ipaddr *a, char *buf, size_t len)
{
	int i, n = a->family == 6 ? 16 : 4;
	size_t off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off + 3 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%02x",
		    a->b[i]);
	return buf;
}

/* ------------------------------------------------------------ addresses */

struct arow {
	const char	*text;
	int		family;		/* 0: must be refused */
	unsigned char	b[16];
};

START_TEST(test_addr_parse)
{
	static const struct arow rows[] = {
		{ "192.0.2.1", 4, { 192, 0, 2, 1 } },
		{ "0.0.0.0", 4, { 0 } },
		{ "255.255.255.255", 4, { 255, 255, 255, 255 } },
		{ "2001:db8::1", 6, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		  0, 0, 0, 0, 0, 0, 0, 1 } },
		{ "2001:DB8:0:0:0:0:0:1", 6, { 0x20, 0x01, 0x0d, 0xb8, 0, 0,
		  0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
		{ "::1", 6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  1 } },
		{ "::", 6, { 0 } },
		{ "fe80::1:2", 6, { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  0, 1, 0, 2 } },
		/* IPv4-mapped IPv6 counts as IPv4 */
		{ "::ffff:192.0.2.1", 4, { 192, 0, 2, 1 } },
		{ "::FFFF:192.0.2.1", 4, { 192, 0, 2, 1 } },
		{ "::ffff:c000:201", 4, { 192, 0, 2, 1 } },
		{ "0:0:0:0:0:ffff:10.1.2.3", 4, { 10, 1, 2, 3 } },
		/* ...but not the other embeddings */
		{ "::192.0.2.1", 6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  192, 0, 2, 1 } },
		{ "::fffe:192.0.2.1", 6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  0xff, 0xfe, 192, 0, 2, 1 } },
		{ "64:ff9b::192.0.2.1", 6, { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0,
		  0, 0, 0, 0, 192, 0, 2, 1 } },
		/* garbage */
		{ "", 0, { 0 } },
		{ "abc", 0, { 0 } },
		{ "192.0.2", 0, { 0 } },
		{ "192.0.2.256", 0, { 0 } },
		{ "192.0.2.1.5", 0, { 0 } },
		{ " 192.0.2.1", 0, { 0 } },
		{ "192.0.2.1 ", 0, { 0 } },
		{ "192.0.2.1/32", 0, { 0 } },
		{ "192.0.2.-1", 0, { 0 } },
		{ "2001:db8::1::2", 0, { 0 } },
		{ "2001:db8::g", 0, { 0 } },
		{ "2001:db8:1:2:3:4:5:6:7", 0, { 0 } },
		{ ":::", 0, { 0 } },
		{ "[2001:db8::1]", 0, { 0 } },
		{ "localhost", 0, { 0 } },
		{ "::ffff:192.0.2.256", 0, { 0 } },
	};
	struct ipaddr a;
	char got[40], want[40];
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		const struct arow *r = &rows[i];
		struct ipaddr w;
		int rc;

		memset(&a, 0x5a, sizeof(a));
		rc = cidr_addr_parse(r->text, &a);
		if (r->family == 0) {
			ck_assert_msg(rc == -1, "\"%s\" accepted", r->text);
			continue;
		}
		ck_assert_msg(rc == 0, "\"%s\" refused", r->text);
		ck_assert_msg(a.family == r->family, "%s: family %d want %d",
		    r->text, a.family, r->family);
		memset(&w, 0, sizeof(w));
		w.family = r->family;
		memcpy(w.b, r->b, sizeof(w.b));
		ck_assert_msg(memcmp(a.b, r->b, r->family == 4 ? 4 : 16) == 0,
		    "%s: bytes %s want %s", r->text, hex(&a, got, sizeof(got)),
		    hex(&w, want, sizeof(want)));
	}
}
END_TEST

/* ------------------------------------------------------------- networks */

struct nrow {
	const char	*text;
	int		ok;
	int		family;
	int		prefix;
	const char	*net;		/* the masked network address */
};

START_TEST(test_parse)
{
	static const struct nrow rows[] = {
		{ "192.0.2.0/24", 1, 4, 24, "192.0.2.0" },
		{ "2001:db8::/32", 1, 6, 32, "2001:db8::" },
		{ "10.0.0.0/8", 1, 4, 8, "10.0.0.0" },
		{ "192.0.2.0/32", 1, 4, 32, "192.0.2.0" },
		{ "2001:db8::/128", 1, 6, 128, "2001:db8::" },
		/* bare addresses */
		{ "192.0.2.7", 1, 4, 32, "192.0.2.7" },
		{ "2001:db8::7", 1, 6, 128, "2001:db8::7" },
		{ "::ffff:192.0.2.7", 1, 4, 32, "192.0.2.7" },
		/* host bits are masked */
		{ "192.0.2.77/24", 1, 4, 24, "192.0.2.0" },
		{ "192.0.2.255/25", 1, 4, 25, "192.0.2.128" },
		{ "10.255.1.1/9", 1, 4, 9, "10.128.0.0" },
		{ "10.255.1.1/0", 1, 4, 0, "0.0.0.0" },
		{ "2001:db8:ffff::1/32", 1, 6, 32, "2001:db8::" },
		{ "2001:db8:0:3:ffff::1/63", 1, 6, 63, "2001:db8:0:2::" },
		{ "2001:db8::1/0", 1, 6, 0, "::" },
		{ "0.0.0.0/0", 1, 4, 0, "0.0.0.0" },
		{ "::/0", 1, 6, 0, "::" },
		/* IPv4-mapped networks are IPv4, prefix less 96 */
		{ "::ffff:192.0.2.0/120", 1, 4, 24, "192.0.2.0" },
		{ "::ffff:192.0.2.77/120", 1, 4, 24, "192.0.2.0" },
		{ "::ffff:192.0.2.7/128", 1, 4, 32, "192.0.2.7" },
		{ "::ffff:192.0.2.0/96", 1, 4, 0, "0.0.0.0" },
		{ "::ffff:192.0.2.129/121", 1, 4, 25, "192.0.2.128" },
		/* bad prefixes */
		{ "192.0.2.0/33", 0, 0, 0, NULL },
		{ "192.0.2.0/-1", 0, 0, 0, NULL },
		{ "192.0.2.0/abc", 0, 0, 0, NULL },
		{ "192.0.2.0/", 0, 0, 0, NULL },
		{ "192.0.2.0/2a", 0, 0, 0, NULL },
		{ "192.0.2.0/ 24", 0, 0, 0, NULL },
		{ "192.0.2.0/24 ", 0, 0, 0, NULL },
		{ "192.0.2.0/+24", 0, 0, 0, NULL },
		{ "192.0.2.0/24/8", 0, 0, 0, NULL },
		{ "192.0.2.0/2.5", 0, 0, 0, NULL },
		{ "192.0.2.0/99999999999999999999", 0, 0, 0, NULL },
		{ "2001:db8::/129", 0, 0, 0, NULL },
		{ "2001:db8::/-1", 0, 0, 0, NULL },
		{ "2001:db8::/", 0, 0, 0, NULL },
		{ "2001:db8::/x", 0, 0, 0, NULL },
		{ "::ffff:192.0.2.0/95", 0, 0, 0, NULL },
		{ "::ffff:192.0.2.0/24", 0, 0, 0, NULL },
		{ "::ffff:192.0.2.0/129", 0, 0, 0, NULL },
		/* bad addresses */
		{ "", 0, 0, 0, NULL },
		{ "/24", 0, 0, 0, NULL },
		{ "/", 0, 0, 0, NULL },
		{ "garbage/24", 0, 0, 0, NULL },
		{ "192.0.2/24", 0, 0, 0, NULL },
		{ "192.0.2.256/24", 0, 0, 0, NULL },
		{ "2001:db8::g/32", 0, 0, 0, NULL },
		{ "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/0",
		  0, 0, 0, NULL },
		{ "1111111111111111111111111111111111111111111111111111111111111"
		  "111111111111/24", 0, 0, 0, NULL },
	};
	struct cidr c;
	struct ipaddr want;
	char got_hex[40], want_hex[40];
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		const struct nrow *r = &rows[i];
		int rc;

		memset(&c, 0x5a, sizeof(c));
		rc = cidr_parse(r->text, &c);
		if (!r->ok) {
			ck_assert_msg(rc == -1, "\"%s\" accepted (family %d "
			    "prefix %d)", r->text, c.net.family, c.prefix);
			continue;
		}
		ck_assert_msg(rc == 0, "\"%s\" refused", r->text);
		ck_assert_msg(c.net.family == r->family,
		    "%s: family %d want %d", r->text, c.net.family, r->family);
		ck_assert_msg(c.prefix == r->prefix, "%s: prefix %d want %d",
		    r->text, c.prefix, r->prefix);
		ck_assert_int_eq(cidr_addr_parse(r->net, &want), 0);
		ck_assert_msg(memcmp(c.net.b, want.b,
		    r->family == 4 ? 4 : 16) == 0, "%s: net %s want %s",
		    r->text, hex(&c.net, got_hex, sizeof(got_hex)),
		    hex(&want, want_hex, sizeof(want_hex)));
	}
}
END_TEST

/* ---------------------------------------------------------------- match */

struct mrow {
	const char	*net;
	const char	*addr;
	int		in;
};

START_TEST(test_match)
{
	static const struct mrow rows[] = {
		{ "192.0.2.0/24", "192.0.2.1", 1 },
		{ "192.0.2.0/24", "192.0.2.0", 1 },
		{ "192.0.2.0/24", "192.0.2.255", 1 },
		{ "192.0.2.0/24", "192.0.3.0", 0 },
		{ "192.0.2.0/24", "192.0.1.255", 0 },
		{ "192.0.2.0/24", "::ffff:192.0.2.9", 1 },
		{ "192.0.2.0/24", "::ffff:192.0.3.9", 0 },
		/* host bits set in the network */
		{ "192.0.2.77/24", "192.0.2.1", 1 },
		{ "192.0.2.77/24", "192.0.3.77", 0 },
		/* bare addresses */
		{ "192.0.2.1", "192.0.2.1", 1 },
		{ "192.0.2.1", "192.0.2.2", 0 },
		{ "192.0.2.1", "::ffff:192.0.2.1", 1 },
		{ "2001:db8::1", "2001:db8::1", 1 },
		{ "2001:db8::1", "2001:db8::2", 0 },
		{ "2001:db8::1", "2001:db8:0:0:0:0:0:1", 1 },
		/* not on a byte boundary */
		{ "192.0.2.0/25", "192.0.2.127", 1 },
		{ "192.0.2.0/25", "192.0.2.128", 0 },
		{ "192.0.2.128/25", "192.0.2.127", 0 },
		{ "192.0.2.128/25", "192.0.2.128", 1 },
		{ "192.0.2.128/25", "192.0.2.255", 1 },
		{ "192.0.2.0/31", "192.0.2.1", 1 },
		{ "192.0.2.0/31", "192.0.2.2", 0 },
		{ "10.0.0.0/9", "10.0.0.1", 1 },
		{ "10.0.0.0/9", "10.127.255.255", 1 },
		{ "10.0.0.0/9", "10.128.0.0", 0 },
		{ "10.128.0.0/9", "10.200.1.1", 1 },
		{ "10.128.0.0/9", "10.127.1.1", 0 },
		{ "10.0.0.0/9", "11.0.0.0", 0 },
		{ "0.0.0.0/1", "127.255.255.255", 1 },
		{ "0.0.0.0/1", "128.0.0.0", 0 },
		{ "2001:db8::/63", "2001:db8:0:1:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8::/63", "2001:db8:0:2::", 0 },
		{ "2001:db8:0:2::/63", "2001:db8:0:3::1", 1 },
		{ "2001:db8:0:2::/63", "2001:db8:0:1::1", 0 },
		{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
		{ "2001:db8::/33", "2001:db8:8000::1", 0 },
		{ "2001:db8::/127", "2001:db8::1", 1 },
		{ "2001:db8::/127", "2001:db8::2", 0 },
		/* IPv6 networks */
		{ "2001:db8::/32", "2001:db8::1", 1 },
		{ "2001:db8::/32", "2001:db8:ffff:ffff::1", 1 },
		{ "2001:db8::/32", "2001:db9::", 0 },
		{ "2001:db8::/32", "2001:db7:ffff::", 0 },
		/* /0: all of its family, none of the other */
		{ "0.0.0.0/0", "192.0.2.1", 1 },
		{ "0.0.0.0/0", "255.255.255.255", 1 },
		{ "0.0.0.0/0", "0.0.0.0", 1 },
		{ "0.0.0.0/0", "::ffff:10.0.0.1", 1 },
		{ "0.0.0.0/0", "2001:db8::1", 0 },
		{ "0.0.0.0/0", "::1", 0 },
		{ "0.0.0.0/0", "::", 0 },
		{ "10.1.2.3/0", "203.0.113.9", 1 },
		{ "::/0", "2001:db8::1", 1 },
		{ "::/0", "::1", 1 },
		{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "::/0", "192.0.2.1", 0 },
		{ "::/0", "::ffff:192.0.2.1", 0 },
		/* across families */
		{ "192.0.2.0/24", "2001:db8::1", 0 },
		{ "192.0.2.0/24", "::192.0.2.1", 0 },
		{ "2001:db8::/32", "192.0.2.1", 0 },
		{ "::/96", "192.0.2.1", 0 },
		{ "::/96", "::192.0.2.1", 1 },
		/* mapped networks */
		{ "::ffff:192.0.2.0/120", "192.0.2.200", 1 },
		{ "::ffff:192.0.2.0/120", "::ffff:192.0.2.200", 1 },
		{ "::ffff:192.0.2.0/120", "192.0.3.1", 0 },
		{ "::ffff:192.0.2.0/120", "2001:db8::1", 0 },
		{ "::ffff:0.0.0.0/96", "198.51.100.1", 1 },
	};
	struct cidr c;
	struct ipaddr a;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		const struct mrow *r = &rows[i];

		ck_assert_msg(cidr_parse(r->net, &c) == 0, "%s refused",
		    r->net);
		ck_assert_msg(cidr_addr_parse(r->addr, &a) == 0, "%s refused",
		    r->addr);
		ck_assert_msg(cidr_match(&c, &a) == r->in, "%s in %s: %d "
		    "want %d", r->addr, r->net, cidr_match(&c, &a), r->in);
	}
}
END_TEST

/* every prefix length: the first address past the network is outside */
START_TEST(test_match_every_prefix)
{
	struct cidr c;
	struct ipaddr a;
	char text[64];
	int p;

	for (p = 0; p <= 32; p++) {
		snprintf(text, sizeof(text), "255.255.255.255/%d", p);
		ck_assert_int_eq(cidr_parse(text, &c), 0);
		ck_assert_int_eq(c.prefix, p);
		ck_assert_int_eq(cidr_addr_parse("255.255.255.255", &a), 0);
		ck_assert(cidr_match(&c, &a));
		if (p == 0)
			continue;
		/* flip the last bit of the prefix */
		a.b[(p - 1) / 8] ^= (unsigned char)(0x80 >> ((p - 1) % 8));
		ck_assert_msg(!cidr_match(&c, &a), "/%d: bit %d ignored", p,
		    p - 1);
		a.b[(p - 1) / 8] ^= (unsigned char)(0x80 >> ((p - 1) % 8));
		/* and the first bit past it: still inside */
		if (p < 32) {
			a.b[p / 8] ^= (unsigned char)(0x80 >> (p % 8));
			ck_assert_msg(cidr_match(&c, &a), "/%d: bit %d "
			    "counted", p, p);
		}
	}
	for (p = 0; p <= 128; p++) {
		snprintf(text, sizeof(text),
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/%d", p);
		ck_assert_int_eq(cidr_parse(text, &c), 0);
		ck_assert_int_eq(c.net.family, 6);
		ck_assert_int_eq(c.prefix, p);
		ck_assert_int_eq(cidr_addr_parse(
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a), 0);
		ck_assert(cidr_match(&c, &a));
		if (p == 0)
			continue;
		a.b[(p - 1) / 8] ^= (unsigned char)(0x80 >> ((p - 1) % 8));
		ck_assert_msg(!cidr_match(&c, &a), "/%d: bit %d ignored", p,
		    p - 1);
		a.b[(p - 1) / 8] ^= (unsigned char)(0x80 >> ((p - 1) % 8));
		if (p < 128) {
			a.b[p / 8] ^= (unsigned char)(0x80 >> (p % 8));
			ck_assert_msg(cidr_match(&c, &a), "/%d: bit %d "
			    "counted", p, p);
		}
	}
}
END_TEST

/* ------------------------------------------------------------------ key */

struct krow {
	const char	*addr;
	int		prefix4, prefix6;
	const char	*key;
};

START_TEST(test_key)
{
	static const struct krow rows[] = {
		{ "192.0.2.7", 32, 64, "192.0.2.7/32" },
		{ "192.0.2.7", 24, 64, "192.0.2.0/24" },
		{ "192.0.2.200", 25, 64, "192.0.2.128/25" },
		{ "10.255.1.1", 9, 64, "10.128.0.0/9" },
		{ "192.0.2.7", 0, 64, "0.0.0.0/0" },
		{ "::ffff:192.0.2.7", 32, 64, "192.0.2.7/32" },
		{ "::ffff:192.0.2.7", 24, 48, "192.0.2.0/24" },
		{ "2001:db8:1:2:3:4:5:6", 32, 64, "2001:db8:1:2::/64" },
		{ "2001:db8:1:2::", 32, 64, "2001:db8:1:2::/64" },
		{ "2001:db8:1:2:3:4:5:6", 32, 48, "2001:db8:1::/48" },
		{ "2001:db8:1:2:3:4:5:6", 32, 56, "2001:db8:1::/56" },
		{ "2001:db8:1:2ff:3:4:5:6", 32, 56, "2001:db8:1:200::/56" },
		{ "2001:db8:1:3:3:4:5:6", 32, 63, "2001:db8:1:2::/63" },
		{ "2001:db8:1:2:3:4:5:6", 32, 128,
		  "2001:db8:1:2:3:4:5:6/128" },
		{ "2001:db8::1", 32, 0, "::/0" },
		{ "::1", 32, 64, "::/64" },
	};
	struct ipaddr a, copy;
	char key[64];
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		const struct krow *r = &rows[i];

		ck_assert_int_eq(cidr_addr_parse(r->addr, &a), 0);
		copy = a;
		memset(key, 'x', sizeof(key));
		cidr_key(&a, r->prefix4, r->prefix6, key, sizeof(key));
		ck_assert_msg(strcmp(key, r->key) == 0, "%s /%d /%d: %s want "
		    "%s", r->addr, r->prefix4, r->prefix6, key, r->key);
		/* the address itself is left alone */
		ck_assert(memcmp(&a, &copy, sizeof(a)) == 0);
	}
}
END_TEST

/* addresses of one network share a key; the key parses as that network */
START_TEST(test_key_roundtrip)
{
	static const char *const addrs[] = {
		"192.0.2.1", "192.0.2.254", "::ffff:192.0.2.9",
		"2001:db8:1:2::1", "2001:db8:1:2:ffff::9",
	};
	struct ipaddr a;
	struct cidr c;
	char key[64], first4[64], first6[64];
	size_t i;

	first4[0] = first6[0] = '\0';
	for (i = 0; i < NROWS(addrs); i++) {
		ck_assert_int_eq(cidr_addr_parse(addrs[i], &a), 0);
		cidr_key(&a, 24, 64, key, sizeof(key));
		if (a.family == 4) {
			if (first4[0] == '\0')
				strcpy(first4, key);
			ck_assert_str_eq(key, first4);
		} else {
			if (first6[0] == '\0')
				strcpy(first6, key);
			ck_assert_str_eq(key, first6);
		}
		ck_assert_msg(cidr_parse(key, &c) == 0, "key %s refused", key);
		ck_assert_msg(cidr_match(&c, &a), "%s not in its key %s",
		    addrs[i], key);
	}
	ck_assert_str_eq(first4, "192.0.2.0/24");
	ck_assert_str_eq(first6, "2001:db8:1:2::/64");
}
END_TEST

/* a short buffer is truncated and terminated, never overrun */
START_TEST(test_key_short_buffer)
{
	struct ipaddr a;
	char buf[16];

	ck_assert_int_eq(cidr_addr_parse("192.0.2.7", &a), 0);
	memset(buf, 'x', sizeof(buf));
	cidr_key(&a, 32, 64, buf, 8);
	ck_assert_str_eq(buf, "192.0.2");
	ck_assert_int_eq(buf[8], 'x');
	memset(buf, 'x', sizeof(buf));
	cidr_key(&a, 32, 64, buf, 1);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'x');
}
END_TEST

static Suite *
cidr_suite(void)
{
	Suite *s = suite_create("cidr");
	TCase *tc;

	tc = tcase_create("address");
	tcase_add_test(tc, test_addr_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("network");
	tcase_add_test(tc, test_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_match_every_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("key");
	tcase_add_test(tc, test_key);
	tcase_add_test(tc, test_key_roundtrip);
	tcase_add_test(tc, test_key_short_buffer);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cidr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
