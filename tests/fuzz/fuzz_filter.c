/*
 * NAME
 *	fuzz_filter 1
 * SUMMARY
 *	libFuzzer target for src/ldap_escape.c: filter_expand,
 *	ldap_escape_value, filter_check
 * DESCRIPTION
 *	Input layout: byte 0 picks a template, byte 1 a small output
 *	buffer size; the rest is split at NUL bytes into the values for
 *	%s (whole address), %u (local part), %d (domain) and, fourth, a
 *	template of the fuzzer's own. Missing values are "".
 *
 *	For every fixed template below (realistic ones, "(mail=%s)",
 *	"(|(mail=%s)(mailAlternateAddress=%s))",
 *	"(&(uid=%u)(associatedDomain=%d))" and more) and ANY values:
 *
 *	  1. the length contract: filter_expand() returns the same length
 *	     for a NULL/0, an exact and a too small buffer, never writes
 *	     past outlen (the buffers are exactly sized heap blocks, so
 *	     ASan sees one byte too many), always terminates, a cut result
 *	     is a prefix of the whole one, and the length equals strlen;
 *	  2. the structure: the sequence of unescaped '(' and ')' and of
 *	     the operators '&', '|', '!' right after an unescaped '(' is the
 *	     template's, the number of unescaped '*' is the template's (0
 *	     for all but the substring templates), every backslash is
 *	     followed by two hex digits, and no byte <= 0x20 or >= 0x7f is
 *	     left unescaped. ('&', '|' and '!' elsewhere are ordinary value
 *	     characters in RFC 4515 and need no escaping.)
 *	  3. the meaning, with libldap's own filter parser: the expanded
 *	     filter is BER-encoded by ldap_pvt_put_filter() (exported by
 *	     libldap, the parser ldap_search_ext() uses) and must encode to
 *	     exactly the bytes of a reference filter in which every byte of
 *	     every value is written as \XX. So the server receives the same
 *	     filter tree and the same raw assertion values.
 *
 *	ldap_escape_value() gets the same length contract on each value,
 *	its output must be in the safe alphabet, and unescaping it must
 *	give the value back.
 *
 *	The fuzzer's own template goes through filter_check() and, with
 *	the length contract, through filter_expand(). When filter_check()
 *	accepts it and it is "sane" (every %s, %u, %d stands in an
 *	assertion value, i.e. after an '=' in its parenthesised item, and
 *	every backslash of the template is followed by two hex digits),
 *	check 3 applies to it as well. With FUZZ_STRICT=1 in the
 *	environment the sanity condition is dropped: every template that
 *	filter_check() accepts must then keep its meaning, which shows
 *	what filter_check() lets through (see README, "Findings").
 */
#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lber.h>

#include "ldap_escape.h"

/* Exported by libldap (OpenLDAP 2.4, 2.5, 2.6), declared in ldap-int.h. */
int ldap_pvt_put_filter(BerElement *ber, const char *str);

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_filter: invariant failed: " __VA_ARGS__);	\
	fprintf(stderr, "\n");						\
	abort();							\
} while (0)

static const char *const templates[] = {
	"(mail=%s)",
	"(|(mail=%s)(mailAlternateAddress=%s))",
	"(&(uid=%u)(associatedDomain=%d))",
	"(proxyAddresses=smtp:%s)",
	"(&(objectClass=inetOrgPerson)(|(mail=%s)(mail=%u@%d)(!(uid=%u))))",
	"(description=100%%%s%%)",
	"(&(|(uid=%u)(cn=%u))(!(mail=%d)))",
	"(mail=%u*)",
	"(cn=*%u*%d*)",
	"(mail:caseExactMatch:=%s)",
	"(mail>=%s)",
	"(mail~=%u)",
};
#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

static int strict = -1;

static int
ishex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/*
 * skeleton - the structure of filter text s: unescaped '(' ')', an
 * operator right after an unescaped '(' and every unescaped '*', in
 * order. In template mode "%s", "%u", "%d" are values (skipped) and
 * "%%" is a literal '%'. Returns -1 for a backslash without two hex
 * digits, or a raw byte <= 0x20 or >= 0x7f.
 */
static int
skeleton(const char *s, int tmpl, char *out, size_t outlen)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (o + 2 >= outlen)
			return -2;
		if (tmpl && *p == '%' && p[1] != '\0') {
			p++;	/* a value, or "%%" */
			continue;
		}
		if (*p == '\\') {
			if (!ishex(p[1]) || !ishex(p[2]))
				return -1;
			p += 2;
			continue;
		}
		if (*p <= 0x20 || *p >= 0x7f)
			return -1;
		if (*p == '(' || *p == ')' || *p == '*')
			out[o++] = (char)*p;
		else if ((*p == '&' || *p == '|' || *p == '!') &&
		    p > (const unsigned char *)s && p[-1] == '(')
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return 0;
}

/* ref_expand - expand tmpl with every value byte written as \XX */
static char *
ref_expand(const char *tmpl, const char *full, const char *local,
    const char *domain)
{
	size_t cap, o = 0;
	char *out;
	const char *p, *v;
	const unsigned char *q;

	/* An exact bound: 3 bytes for each value byte. */
	cap = strlen(tmpl) + 1;
	for (p = tmpl; *p; p++)
		if (*p == '%' && p[1]) {
			p++;
			cap += 3 * (*p == 's' ? strlen(full) : *p == 'u' ?
			    strlen(local) : *p == 'd' ? strlen(domain) : 0);
		}
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (p = tmpl; *p; p++) {
		if (*p != '%' || p[1] == '\0') {
			out[o++] = *p;
			continue;
		}
		p++;
		v = *p == 's' ? full : *p == 'u' ? local : *p == 'd' ? domain :
		    NULL;
		if (v == NULL) {
			out[o++] = *p;
			continue;
		}
		for (q = (const unsigned char *)v; *q; q++) {
			snprintf(out + o, 4, "\\%02x", *q);
			o += 3;
		}
	}
	out[o] = '\0';
	return out;
}

/* encode - BER of filter text f as libldap sends it; NULL if refused */
static struct berval *
encode(const char *f)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval *bv = NULL;

	if (ber == NULL)
		abort();
	if (ldap_pvt_put_filter(ber, f) == 0) {
		if (ber_flatten(ber, &bv) != 0)
			bv = NULL;
	}
	ber_free(ber, 1);
	return bv;
}

/* same_meaning - expanded and reference filter encode to the same BER */
static void
same_meaning(const char *tmpl, const char *expanded, const char *full,
    const char *local, const char *domain, int must_parse)
{
	char *ref = ref_expand(tmpl, full, local, domain);
	struct berval *a, *b;

	if (ref == NULL)
		return;
	a = encode(expanded);
	b = encode(ref);
	if (must_parse && (a == NULL || b == NULL))
		FAIL("template \"%s\": libldap refused %s \"%s\"", tmpl,
		    a == NULL ? "the expansion" : "the reference",
		    a == NULL ? expanded : ref);
	if ((a == NULL) != (b == NULL) || (a && (a->bv_len != b->bv_len ||
	    memcmp(a->bv_val, b->bv_val, a->bv_len) != 0)))
		FAIL("template \"%s\": \"%s\" does not mean what \"%s\" means"
		    " (libldap: %s / %s)", tmpl, expanded, ref,
		    a ? "parsed" : "refused", b ? "parsed" : "refused");
	ber_bvfree(a);
	ber_bvfree(b);
	free(ref);
}

/* expand_checked - filter_expand with the length contract; malloc'd */
static char *
expand_checked(const char *tmpl, const char *full, const char *local,
    const char *domain, size_t small)
{
	size_t need, r, k;
	char *out, *buf;

	need = filter_expand(tmpl, full, local, domain, NULL, 0);
	if ((out = malloc(need + 1)) == NULL)
		return NULL;
	memset(out, 'Z', need + 1);
	r = filter_expand(tmpl, full, local, domain, out, need + 1);
	if (r != need)
		FAIL("filter_expand: %zu with an exact buffer, %zu with none",
		    r, need);
	if (strlen(out) != need)
		FAIL("filter_expand returned %zu, strlen %zu", need,
		    strlen(out));
	k = small % (need + 2);		/* 0 .. need+1 */
	if ((buf = malloc(k ? k : 1)) != NULL) {
		r = filter_expand(tmpl, full, local, domain, k ? buf : NULL, k);
		if (r != need)
			FAIL("filter_expand: %zu with outlen %zu, want %zu", r,
			    k, need);
		if (k > 0) {
			size_t cut = need < k - 1 ? need : k - 1;

			if (memchr(buf, '\0', k) == NULL || strlen(buf) != cut ||
			    memcmp(buf, out, cut) != 0)
				FAIL("filter_expand: bad cut result with outlen"
				    " %zu", k);
		}
		free(buf);
	}
	return out;
}

/* check_escape - ldap_escape_value on one value */
static void
check_escape(const char *v, size_t small)
{
	size_t need, r, k, i, n = 0;
	char *out, *buf, *back;

	need = ldap_escape_value(v, NULL, 0);
	if ((out = malloc(need + 1)) == NULL)
		return;
	r = ldap_escape_value(v, out, need + 1);
	if (r != need || strlen(out) != need)
		FAIL("ldap_escape_value: %zu / %zu / strlen %zu", need, r,
		    strlen(out));
	k = small % (need + 2);
	if ((buf = malloc(k ? k : 1)) != NULL) {
		r = ldap_escape_value(v, k ? buf : NULL, k);
		if (r != need)
			FAIL("ldap_escape_value: %zu with outlen %zu", r, k);
		if (k > 0 && (strlen(buf) != (need < k - 1 ? need : k - 1) ||
		    strncmp(buf, out, strlen(buf)) != 0))
			FAIL("ldap_escape_value: bad cut result with outlen %zu",
			    k);
		free(buf);
	}
	/* Safe alphabet, and unescaping gives v back. */
	if ((back = malloc(need + 1)) == NULL)
		abort();
	for (i = 0; out[i]; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c == '\\') {
			if (!ishex(out[i + 1]) || !ishex(out[i + 2]))
				FAIL("ldap_escape_value: bad escape in \"%s\"",
				    out);
			back[n++] = (char)(hexval(out[i + 1]) * 16 +
			    hexval(out[i + 2]));
			i += 2;
		} else if (c <= 0x20 || c >= 0x7f || c == '*' || c == '(' ||
		    c == ')') {
			FAIL("ldap_escape_value: raw byte 0x%02x in \"%s\"", c,
			    out);
		} else {
			back[n++] = (char)c;
		}
	}
	back[n] = '\0';
	if (strcmp(back, v) != 0)
		FAIL("ldap_escape_value: \"%s\" does not unescape to the value",
		    out);
	free(back);
	free(out);
}

/* sane_template - every value after '=' in its item; escapes well formed */
static int
sane_template(const char *t)
{
	int eq = 0;
	const char *p;

	for (p = t; *p; p++) {
		switch (*p) {
		case '(':
		case ')':
			eq = 0;
			break;
		case '=':
			eq = 1;
			break;
		case '\\':
			if (!ishex(p[1]) || !ishex(p[2]))
				return 0;
			p += 2;
			break;
		case '%':
			if (p[1] == 's' || p[1] == 'u' || p[1] == 'd') {
				if (!eq)
					return 0;
			}
			if (p[1])
				p++;
			break;
		}
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *vals[4] = { "", "", "", NULL }, *p, *end;
	char skel_t[512], skel_o[4096];
	const char *tmpl, *why;
	size_t small, i;
	char *out;
	int nv = 0, ok;

	if (strict < 0) {
		const char *e = getenv("FUZZ_STRICT");

		strict = e != NULL && *e == '1';
	}
	if (size < 2)
		return 0;
	tmpl = templates[data[0] % NTEMPLATES];
	small = data[1];
	if ((copy = malloc(size - 2 + 1)) == NULL)
		return 0;
	memcpy(copy, data + 2, size - 2);
	copy[size - 2] = '\0';
	end = copy + size - 2;
	for (p = copy; nv < 4 && p <= end; nv++) {
		vals[nv] = p;
		p += strlen(p) + 1;
	}

	/* The fixed template: length, structure, meaning. */
	out = expand_checked(tmpl, vals[0], vals[1], vals[2], small);
	if (out != NULL) {
		if (skeleton(tmpl, 1, skel_t, sizeof(skel_t)) != 0)
			abort();	/* the templates above are fine */
		ok = skeleton(out, 0, skel_o, sizeof(skel_o));
		if (ok == -1)
			FAIL("\"%s\": raw control/8-bit byte or bad escape",
			    out);
		if (ok == 0 && strcmp(skel_t, skel_o) != 0)
			FAIL("template \"%s\" skeleton \"%s\", expansion \"%s\""
			    " skeleton \"%s\"", tmpl, skel_t, out, skel_o);
		/*
		 * libldap refuses an empty substring ("(cn=***)"), so only
		 * templates without '*' must always parse.
		 */
		same_meaning(tmpl, out, vals[0], vals[1], vals[2],
		    strchr(tmpl, '*') == NULL);
		free(out);
	}

	for (i = 0; i < 3; i++)
		check_escape(vals[i], small + i);

	/* The fuzzer's own template. */
	if (vals[3] != NULL) {
		ok = filter_check(vals[3], &why) == 0;
		out = expand_checked(vals[3], vals[0], vals[1], vals[2], small);
		if (ok && out != NULL && (strict || sane_template(vals[3])))
			same_meaning(vals[3], out, vals[0], vals[1], vals[2], 0);
		free(out);
	}
	free(copy);
	return 0;
}
