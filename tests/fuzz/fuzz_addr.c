/*
 * NAME
 *	fuzz_addr 1
 * SUMMARY
 *	libFuzzer target for src/addr.c: addr_parse, addr_strip_extension,
 *	addr_is_postmaster
 * DESCRIPTION
 *	The input is split at its first NUL byte: the bytes before it are
 *	the envelope address as the MTA would hand it over, the bytes after
 *	it (at most 8) the recipient delimiter set; without a NUL the set
 *	is "+". Every result of addr_parse() is checked against what
 *	addr.h promises:
 *
 *	  - the status is one of the four; *why is set, and empty only on
 *	    ADDR_OK;
 *	  - an input longer than ADDR_INPUT_MAX is ADDR_TOO_LONG;
 *	  - on ADDR_OK: 1 <= strlen(local) <= ADDR_LOCAL_MAX,
 *	    strlen(domain) <= ADDR_DOMAIN_MAX, full is exactly
 *	    local "@" domain (or local when domain is ""), i.e. nothing was
 *	    cut off and there is no NUL inside; local and domain contain no
 *	    upper-case ASCII and no control character; the domain is a
 *	    host name (letters, digits, '-', '_', '.', 8-bit; no empty
 *	    label, no trailing dot) or an address literal "[...]";
 *	  - normalisation is idempotent: when the local part needs no
 *	    quoting, parsing full again gives the same local, domain, full;
 *	  - addr_is_postmaster() is exactly strcmp(local, "postmaster") == 0;
 *	  - addr_strip_extension() leaves base untouched when it returns 0;
 *	    when it returns 1, base.local is a non-empty proper prefix of
 *	    local that ends right before a delimiter, the domain is kept and
 *	    base.full is consistent again.
 *
 *	A violated invariant prints what it saw and calls abort(), which
 *	libFuzzer reports as a crash with the input saved.
 */
#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_addr: invariant failed: " __VA_ARGS__);	\
	fprintf(stderr, "\n");						\
	abort();							\
} while (0)

/* has_upper_or_ctl - any A-Z or control byte (< 0x20, 0x7f) in s */
static int
has_upper_or_ctl(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if ((*p >= 'A' && *p <= 'Z') || *p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

/* domain_ok - a host name or an address literal, as addr.c promises */
static int
domain_ok(const char *d)
{
	size_t n = strlen(d);
	const unsigned char *p;

	if (n == 0)
		return 0;
	if (d[0] == '[')
		return n >= 3 && d[n - 1] == ']' &&
		    strcspn(d + 1, "[]\\ ") == n - 2;
	if (d[0] == '.' || d[n - 1] == '.' || strstr(d, "..") != NULL)
		return 0;
	for (p = (const unsigned char *)d; *p; p++)
		if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_'))
			return 0;
	return 1;
}

/* plain_local - may local stand unquoted (parsing full gives it back) */
static int
plain_local(const char *l)
{
	const unsigned char *p;

	for (p = (const unsigned char *)l; *p; p++)
		if (*p < 0x80 && (*p <= 0x20 || *p == 0x7f || *p == '"' ||
		    *p == '<' || *p == '>' || *p == '@' || *p == '(' ||
		    *p == ')'))
			return 0;
	return 1;
}

/* check_full - full is local "@" domain, or local alone */
static void
check_full(const struct addr *a, const char *what)
{
	size_t ll = strlen(a->local), dl = strlen(a->domain);

	if (a->domain[0] == '\0') {
		if (strcmp(a->full, a->local) != 0)
			FAIL("%s: full \"%s\" != local \"%s\"", what, a->full,
			    a->local);
		return;
	}
	if (strlen(a->full) != ll + 1 + dl ||
	    strncmp(a->full, a->local, ll) != 0 || a->full[ll] != '@' ||
	    strcmp(a->full + ll + 1, a->domain) != 0)
		FAIL("%s: full \"%s\" != \"%s\" \"@\" \"%s\"", what, a->full,
		    a->local, a->domain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t alen = nul ? (size_t)(nul - data) : size;
	char *input, delims[9];
	struct addr a, a2, base, sentinel;
	const char *why = NULL, *why2 = NULL;
	enum addr_status st, st2;
	size_t dlen, ll, n;
	int r;

	/* Exactly sized, so ASan sees a read past the terminator. */
	if ((input = malloc(alen + 1)) == NULL)
		return 0;
	memcpy(input, data, alen);
	input[alen] = '\0';
	if (nul) {
		dlen = size - alen - 1;
		if (dlen > 8)
			dlen = 8;
		memcpy(delims, nul + 1, dlen);
		delims[dlen] = '\0';	/* may be shorter: a NUL inside */
	} else {
		strcpy(delims, "+");
	}

	st = addr_parse(input, &a, &why);
	if (why == NULL)
		FAIL("why left NULL (status %d)", (int)st);
	switch (st) {
	case ADDR_OK:
		if (why[0] != '\0')
			FAIL("ADDR_OK with why \"%s\"", why);
		break;
	case ADDR_NULL:
	case ADDR_TOO_LONG:
	case ADDR_SYNTAX:
		if (why[0] == '\0')
			FAIL("status %d with an empty why", (int)st);
		break;
	default:
		FAIL("unknown status %d", (int)st);
	}
	if (alen > ADDR_INPUT_MAX && st != ADDR_TOO_LONG)
		FAIL("input of %zu bytes: status %d, want ADDR_TOO_LONG", alen,
		    (int)st);
	/* The same answer without a why pointer. */
	if (addr_parse(input, &a2, NULL) != st || memcmp(&a, &a2, sizeof(a)))
		FAIL("addr_parse(..., NULL) differs from addr_parse(..., &why)");

	if (st != ADDR_OK)
		goto out;

	/* Terminated inside the arrays: strnlen stops at the array end. */
	ll = strnlen(a.local, sizeof(a.local));
	if (ll == 0 || ll > ADDR_LOCAL_MAX)
		FAIL("local length %zu", ll);
	if (strnlen(a.domain, sizeof(a.domain)) > ADDR_DOMAIN_MAX)
		FAIL("domain length %zu", strnlen(a.domain, sizeof(a.domain)));
	if (strnlen(a.full, sizeof(a.full)) == sizeof(a.full))
		FAIL("full not terminated");
	check_full(&a, "parse");
	if (has_upper_or_ctl(a.local))
		FAIL("local \"%s\" has upper case or a control byte", a.local);
	if (has_upper_or_ctl(a.domain))
		FAIL("domain \"%s\" has upper case or a control byte", a.domain);
	if (a.domain[0] != '\0' && !domain_ok(a.domain))
		FAIL("domain \"%s\" is not a host name or literal", a.domain);
	/* an '@' in a quoted word or a comment names no domain */
	if (a.domain[0] == '\0' && memchr(input, '@', alen) != NULL &&
	    memchr(input, '"', alen) == NULL &&
	    memchr(input, '(', alen) == NULL &&
	    input[strspn(input, " \t<")] != '@')
		FAIL("input has '@' but the domain is empty");

	/* Idempotent: the normal form parses to itself. */
	if (plain_local(a.local)) {
		st2 = addr_parse(a.full, &a2, &why2);
		if (st2 != ADDR_OK)
			FAIL("full \"%s\" does not parse again: %s", a.full, why2);
		if (strcmp(a.local, a2.local) || strcmp(a.domain, a2.domain) ||
		    strcmp(a.full, a2.full))
			FAIL("not idempotent: \"%s\" -> \"%s\"", a.full, a2.full);
	}

	r = addr_is_postmaster(&a);
	if (r != (strcmp(a.local, "postmaster") == 0))
		FAIL("addr_is_postmaster(\"%s\") = %d", a.local, r);

	memset(&sentinel, 0x5a, sizeof(sentinel));
	base = sentinel;
	r = addr_strip_extension(&a, delims, &base);
	if (r == 0) {
		if (memcmp(&base, &sentinel, sizeof(base)) != 0)
			FAIL("strip returned 0 but wrote base");
		n = strcspn(a.local, delims);
		if (delims[0] != '\0' && n > 0 && a.local[n] != '\0')
			FAIL("strip of \"%s\" by \"%s\" returned 0", a.local,
			    delims);
	} else if (r == 1) {
		n = strlen(base.local);
		if (n == 0 || n >= ll || strncmp(base.local, a.local, n) != 0 ||
		    strchr(delims, a.local[n]) == NULL ||
		    strcspn(a.local, delims) != n)
			FAIL("strip \"%s\" by \"%s\" gave \"%s\"", a.local,
			    delims, base.local);
		if (strcmp(base.domain, a.domain) != 0)
			FAIL("strip changed the domain");
		check_full(&base, "strip");
		if (addr_is_postmaster(&base) !=
		    (strcmp(base.local, "postmaster") == 0))
			FAIL("addr_is_postmaster(base)");
	} else {
		FAIL("addr_strip_extension returned %d", r);
	}
out:
	free(input);
	return 0;
}
