/*
 * NAME
 *	check_addr 1
 * SUMMARY
 *	unit tests for src/addr.c: envelope address parsing
 * DESCRIPTION
 *	Each test feeds addr_parse() one input shape from RFC 5321 (and a
 *	few that are not) and checks the status, the parts and the *why
 *	text. addr_is_postmaster() and addr_strip_extension() follow.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* expect_ok - parse input, require ADDR_OK and the given parts */
static void
expect_ok(const char *input, const char *local, const char *domain,
    const char *full)
{
	struct addr a;
	const char *why = NULL;
	enum addr_status st;

	st = addr_parse(input, &a, &why);
	ck_assert_msg(st == ADDR_OK, "\"%s\": status %d (%s), want ADDR_OK",
	    input, (int)st, why ? why : "(null)");
	ck_assert_str_eq(a.local, local);
	ck_assert_str_eq(a.domain, domain);
	ck_assert_str_eq(a.full, full);
}

/* expect_bad - parse input, require status st and a why containing word */
static void
expect_bad(const char *input, enum addr_status want, const char *word)
{
	struct addr a;
	const char *why = NULL;
	enum addr_status st;

	st = addr_parse(input, &a, &why);
	ck_assert_msg(st == want, "\"%.60s\": status %d (%s), want %d",
	    input, (int)st, why ? why : "(null)", (int)want);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(why[0] != '\0', "\"%.60s\": empty why", input);
	if (word)
		ck_assert_msg(strstr(why, word) != NULL,
		    "\"%.60s\": why \"%s\" lacks \"%s\"", input, why, word);
}

/* repeat - malloc'd string of n copies of c */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ---------------------------------------------------------------- basic */

START_TEST(test_plain_forms)
{
	expect_ok("<alice@example.com>", "alice", "example.com",
	    "alice@example.com");
	expect_ok("alice@example.com", "alice", "example.com",
	    "alice@example.com");
	expect_ok("  <alice@example.com>\t", "alice", "example.com",
	    "alice@example.com");
	expect_ok("first.last@sub.example.com", "first.last",
	    "sub.example.com", "first.last@sub.example.com");
}
END_TEST

START_TEST(test_null_address)
{
	struct addr a;
	const char *why = NULL;

	ck_assert_int_eq(addr_parse("<>", &a, &why), ADDR_NULL);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(addr_parse(" <> ", &a, NULL), ADDR_NULL);
	ck_assert_str_eq(a.full, "");
}
END_TEST

START_TEST(test_case_folding)
{
	expect_ok("Alice@Example.COM", "alice", "example.com",
	    "alice@example.com");
	expect_ok("<ALICE@EXAMPLE.COM>", "alice", "example.com",
	    "alice@example.com");
	expect_ok("\"John.DOE\"@Example.Com", "john.doe", "example.com",
	    "john.doe@example.com");
}
END_TEST

START_TEST(test_null_input)
{
	struct addr a;
	const char *why = NULL;

	ck_assert_int_eq(addr_parse(NULL, &a, &why), ADDR_SYNTAX);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_ne(why, "");
}
END_TEST

/* ----------------------------------------------------------- rfc 5321 */

START_TEST(test_quoted_local)
{
	expect_ok("\"john doe\"@example.com", "john doe", "example.com",
	    "john doe@example.com");
	expect_ok("<\"john doe\"@example.com>", "john doe", "example.com",
	    "john doe@example.com");
	expect_ok("\"a\\\"b\"@x", "a\"b", "x", "a\"b@x");
	expect_ok("\"a\\\\b\"@x", "a\\b", "x", "a\\b@x");
	expect_ok("\"a@b\"@example.com", "a@b", "example.com",
	    "a@b@example.com");
}
END_TEST

START_TEST(test_obsolete_local)
{
	/* RFC 5322 obs-local-part: words, quoted or not, joined by dots */
	expect_ok("<\"erin\".mixed@example.com>", "erin.mixed", "example.com",
	    "erin.mixed@example.com");
	expect_ok("<\"John\".\"Doe\"@gmail.com>", "john.doe", "gmail.com",
	    "john.doe@gmail.com");
	expect_ok("<a.\"b c\".d@example.com>", "a.b c.d", "example.com",
	    "a.b c.d@example.com");
	expect_ok("<first.\"last\"@example.com>", "first.last", "example.com",
	    "first.last@example.com");
	/* a quoted word must stand between dots */
	expect_bad("<\"erin\"mixed@example.com>", ADDR_SYNTAX, "junk");
	expect_bad("<erin\"mixed\"@example.com>", ADDR_SYNTAX, "quote");
	expect_bad("<\"erin\".\"mixed@example.com>", ADDR_SYNTAX, "quote");
}
END_TEST

START_TEST(test_routing_local)
{
	/* the domain follows the last unquoted @; the rest is local part */
	expect_ok("<nobody@example.com@[127.0.0.1]>", "nobody@example.com",
	    "[127.0.0.1]", "nobody@example.com@[127.0.0.1]");
	expect_ok("alice@example.com@other", "alice@example.com", "other",
	    "alice@example.com@other");
	expect_ok("<nobody%example.com@[127.0.0.1]>", "nobody%example.com",
	    "[127.0.0.1]", "nobody%example.com@[127.0.0.1]");
	expect_ok("<example.com!nobody@example.com>", "example.com!nobody",
	    "example.com", "example.com!nobody@example.com");
	expect_ok("<\"a@b\"@c@example.com>", "a@b@c", "example.com",
	    "a@b@c@example.com");
	expect_bad("<@example.com@example.com>", ADDR_SYNTAX, NULL);
}
END_TEST

START_TEST(test_comments)
{
	/* Postfix's parser drops comments: so do we, where they balance */
	expect_ok("<nobody@example.com(@evil.org)>", "nobody", "example.com",
	    "nobody@example.com");
	expect_ok("<nob(x (y))ody@example.com>", "nobody", "example.com",
	    "nobody@example.com");
	expect_ok("<\"(kept)\"@example.com>", "(kept)", "example.com",
	    "(kept)@example.com");
}
END_TEST

START_TEST(test_domain_hint)
{
	char d[ADDR_DOMAIN_MAX + 1];

	ck_assert(addr_domain_hint("<\"john\"doe@Elsewhere.ORG.>", d, sizeof(d)));
	ck_assert_str_eq(d, "elsewhere.org");
	ck_assert(addr_domain_hint("<\"odd@example.com>", d, sizeof(d)));
	ck_assert_str_eq(d, "example.com");
	ck_assert(addr_domain_hint("<a b@example.com(x)>", d, sizeof(d)));
	ck_assert_str_eq(d, "example.com");
	ck_assert(addr_domain_hint("<x@[127.0.0.1]>", d, sizeof(d)));
	ck_assert_str_eq(d, "[127.0.0.1]");
	ck_assert(!addr_domain_hint("<>", d, sizeof(d)));
	ck_assert(!addr_domain_hint("<nodomain>", d, sizeof(d)));
	ck_assert(!addr_domain_hint("<x@>", d, sizeof(d)));
}
END_TEST

START_TEST(test_source_route)
{
	expect_ok("<@a.example,@b.example:user@example.com>", "user",
	    "example.com", "user@example.com");
	expect_ok("<@a.example:User@Example.com>", "user", "example.com",
	    "user@example.com");
	expect_bad("<@a.example,@b.example>", ADDR_SYNTAX, NULL);
	expect_bad("<@a.example:>", ADDR_SYNTAX, "empty local");
}
END_TEST

START_TEST(test_trailing_dot)
{
	expect_ok("alice@example.com.", "alice", "example.com",
	    "alice@example.com");
	expect_ok("<alice@Example.COM.>", "alice", "example.com",
	    "alice@example.com");
	expect_bad("alice@example.com..", ADDR_SYNTAX, "empty label");
	expect_bad("alice@.", ADDR_SYNTAX, "empty domain");
}
END_TEST

START_TEST(test_ip_literal)
{
	expect_ok("<alice@[192.0.2.1]>", "alice", "[192.0.2.1]",
	    "alice@[192.0.2.1]");
	expect_ok("alice@[IPv6:2001:db8::1]", "alice", "[ipv6:2001:db8::1]",
	    "alice@[ipv6:2001:db8::1]");
	expect_bad("alice@[192.0.2.1", ADDR_SYNTAX, "bracket");
	expect_bad("alice@192.0.2.1]", ADDR_SYNTAX, "bad character");
	expect_bad("alice@[]", ADDR_SYNTAX, NULL);
	expect_bad("alice@[192.0.2 .1]", ADDR_SYNTAX, "address literal");
}
END_TEST

START_TEST(test_smtputf8)
{
	/* "Jürgen@Exämple.DE": ASCII folds, UTF-8 bytes pass unchanged */
	expect_ok("J\xc3\xbcrgen@Ex\xc3\xa4mple.DE", "j\xc3\xbcrgen",
	    "ex\xc3\xa4mple.de", "j\xc3\xbcrgen@ex\xc3\xa4mple.de");
	expect_ok("<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.cn>",
	    "\xe7\x94\xa8\xe6\x88\xb7", "\xe4\xbe\x8b\xe5\xad\x90.cn",
	    "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.cn");
}
END_TEST

START_TEST(test_postmaster)
{
	struct addr a;

	ck_assert_int_eq(addr_parse("postmaster", &a, NULL), ADDR_OK);
	ck_assert_str_eq(a.local, "postmaster");
	ck_assert_str_eq(a.domain, "");
	ck_assert_str_eq(a.full, "postmaster");
	ck_assert(addr_is_postmaster(&a));

	ck_assert_int_eq(addr_parse("<Postmaster>", &a, NULL), ADDR_OK);
	ck_assert_str_eq(a.local, "postmaster");
	ck_assert_str_eq(a.domain, "");
	ck_assert(addr_is_postmaster(&a));

	ck_assert_int_eq(addr_parse("<POSTMASTER@Example.com>", &a, NULL),
	    ADDR_OK);
	ck_assert_str_eq(a.domain, "example.com");
	ck_assert(addr_is_postmaster(&a));

	ck_assert_int_eq(addr_parse("<postmasters@example.com>", &a, NULL),
	    ADDR_OK);
	ck_assert(!addr_is_postmaster(&a));
	ck_assert_int_eq(addr_parse("<postmaster+x@example.com>", &a, NULL),
	    ADDR_OK);
	ck_assert(!addr_is_postmaster(&a));
	ck_assert_int_eq(addr_parse("<alice@example.com>", &a, NULL), ADDR_OK);
	ck_assert(!addr_is_postmaster(&a));
}
END_TEST

START_TEST(test_bare_local)
{
	expect_ok("alice", "alice", "", "alice");
	expect_ok("<Alice>", "alice", "", "alice");
}
END_TEST

/* ------------------------------------------------------------- syntax */

START_TEST(test_unbalanced)
{
	expect_bad("<alice@example.com", ADDR_SYNTAX, "angle");
	expect_bad("alice@example.com>", ADDR_SYNTAX, "angle");
	expect_bad("<<alice@example.com>>", ADDR_SYNTAX, "angle");
	expect_bad("<", ADDR_SYNTAX, "angle");
	expect_bad(">", ADDR_SYNTAX, "angle");
	expect_bad("\"alice@example.com", ADDR_SYNTAX, "quote");
	expect_bad("<\"alice@example.com>", ADDR_SYNTAX, "quote");
	expect_bad("alice\"@example.com", ADDR_SYNTAX, "quote");
	expect_bad("\"abc\\", ADDR_SYNTAX, "quote");
	expect_bad("\"alice\"bob@example.com", ADDR_SYNTAX, "junk");
}
END_TEST

START_TEST(test_empty_parts)
{
	expect_bad("@example.com", ADDR_SYNTAX, NULL);
	expect_bad("<@example.com>", ADDR_SYNTAX, NULL);
	expect_bad("\"\"@example.com", ADDR_SYNTAX, "empty local");
	expect_bad("alice@", ADDR_SYNTAX, "empty domain");
	expect_bad("<alice@>", ADDR_SYNTAX, "empty domain");
}
END_TEST

START_TEST(test_space_control)
{
	expect_bad("alice smith@example.com", ADDR_SYNTAX, "space");
	expect_bad("< alice@example.com>", ADDR_SYNTAX, "space");
	expect_bad("ali\tce@example.com", ADDR_SYNTAX, "control");
	expect_bad("ali\x01" "ce@example.com", ADDR_SYNTAX, "control");
	expect_bad("ali\x7f" "ce@example.com", ADDR_SYNTAX, "control");
	expect_bad("alice@exa mple.com", ADDR_SYNTAX, "domain");
	expect_bad("alice@example.com\r\n", ADDR_SYNTAX, "domain");
	expect_bad("alice@exa\x01mple.com", ADDR_SYNTAX, "domain");
	expect_bad("\"a\x01" "b\"@example.com", ADDR_SYNTAX, "control");
	expect_bad("\"a\\\x01" "b\"@example.com", ADDR_SYNTAX, "control");
}
END_TEST

START_TEST(test_empty_labels)
{
	expect_bad("alice@a..b", ADDR_SYNTAX, "empty label");
	expect_bad("alice@.example.com", ADDR_SYNTAX, "empty label");
	expect_bad("<alice@example..com>", ADDR_SYNTAX, "empty label");
}
END_TEST

START_TEST(test_injection_shaped)
{
	/* lenient local part: kept literally, escaped later for LDAP */
	expect_ok("*)(uid=*@example.com", "*)(uid=*", "example.com",
	    "*)(uid=*@example.com");
	expect_ok("<a\\29b@example.com>", "a\\29b", "example.com",
	    "a\\29b@example.com");
	expect_ok("<*@example.com>", "*", "example.com", "*@example.com");
}
END_TEST

/* ------------------------------------------------------------- length */

START_TEST(test_local_length)
{
	char *local = repeat('a', ADDR_LOCAL_MAX), *in, *full;
	size_t n = ADDR_LOCAL_MAX + 40;

	in = malloc(n);
	full = malloc(n);
	snprintf(in, n, "<%s@example.com>", local);
	snprintf(full, n, "%s@example.com", local);
	expect_ok(in, local, "example.com", full);

	snprintf(in, n, "<%sa@example.com>", local);	/* 257 octets */
	expect_bad(in, ADDR_TOO_LONG, "local part");
	snprintf(in, n, "<\"%sa\"@example.com>", local);	/* quoted */
	expect_bad(in, ADDR_TOO_LONG, "local part");
	free(in);
	free(full);
	free(local);
}
END_TEST

START_TEST(test_domain_length)
{
	char dom[ADDR_DOMAIN_MAX + 3], in[ADDR_DOMAIN_MAX + 20];
	char full[ADDR_DOMAIN_MAX + 20];
	int i;

	/* 255 octets: labels of 63 "a" and dots, ending in "aaa" */
	for (i = 0; i < ADDR_DOMAIN_MAX; i++)
		dom[i] = (i % 64 == 63) ? '.' : 'a';
	dom[ADDR_DOMAIN_MAX] = '\0';
	ck_assert_int_eq((int)strlen(dom), 255);
	snprintf(in, sizeof(in), "<u@%s>", dom);
	snprintf(full, sizeof(full), "u@%s", dom);
	expect_ok(in, "u", dom, full);

	/* with a trailing root dot it is still 255 */
	snprintf(in, sizeof(in), "<u@%s.>", dom);
	expect_ok(in, "u", dom, full);

	/* 256 octets */
	snprintf(in, sizeof(in), "<u@%sb>", dom);
	expect_bad(in, ADDR_TOO_LONG, "domain");
}
END_TEST

START_TEST(test_max_full)
{
	char *local = repeat('l', ADDR_LOCAL_MAX);
	char dom[ADDR_DOMAIN_MAX + 1], in[ADDR_INPUT_MAX + 1];
	struct addr a;
	int i;

	for (i = 0; i < ADDR_DOMAIN_MAX; i++)
		dom[i] = (i % 64 == 63) ? '.' : 'd';
	dom[ADDR_DOMAIN_MAX] = '\0';
	snprintf(in, sizeof(in), "<%s@%s>", local, dom);
	ck_assert_int_eq(addr_parse(in, &a, NULL), ADDR_OK);
	ck_assert_uint_eq(strlen(a.full), ADDR_LOCAL_MAX + 1 + ADDR_DOMAIN_MAX);
	ck_assert_int_eq(strncmp(a.full, local, ADDR_LOCAL_MAX), 0);
	ck_assert_int_eq(a.full[ADDR_LOCAL_MAX], '@');
	ck_assert_str_eq(a.full + ADDR_LOCAL_MAX + 1, dom);
	free(local);
}
END_TEST

START_TEST(test_input_length)
{
	char *in = repeat(' ', 64 * 1024);
	size_t n;

	/* 1024 octets, mostly blanks trimmed away: fine */
	n = ADDR_INPUT_MAX - strlen("<alice@example.com>");
	memcpy(in + n, "<alice@example.com>", strlen("<alice@example.com>"));
	in[ADDR_INPUT_MAX] = '\0';
	expect_ok(in, "alice", "example.com", "alice@example.com");

	/* 1025 octets: refused before anything else */
	memset(in, ' ', 64 * 1024);
	n = ADDR_INPUT_MAX + 1 - strlen("<alice@example.com>");
	memcpy(in + n, "<alice@example.com>", strlen("<alice@example.com>"));
	in[ADDR_INPUT_MAX + 1] = '\0';
	expect_bad(in, ADDR_TOO_LONG, "1024");
	free(in);

	/* a long source route is still a long input */
	in = repeat('r', 2000);
	in[0] = '<';
	in[1] = '@';
	memcpy(in + 2000 - strlen(":u@example.com>"), ":u@example.com>",
	    strlen(":u@example.com>"));
	expect_bad(in, ADDR_TOO_LONG, NULL);
	free(in);

	/* 64 KiB of local part */
	in = repeat('x', 64 * 1024);
	memcpy(in + 64 * 1024 - 12, "@example.com", 12);
	expect_bad(in, ADDR_TOO_LONG, NULL);
	free(in);
}
END_TEST

/* ---------------------------------------------------------- extension */

/* strip - parse input, strip with delims; return result and base.full */
static int
strip(const char *input, const char *delims, struct addr *base)
{
	struct addr a;

	ck_assert_int_eq(addr_parse(input, &a, NULL), ADDR_OK);
	memset(base, 0x55, sizeof(*base));
	strcpy(base->full, "untouched");
	return addr_strip_extension(&a, delims, base);
}

START_TEST(test_strip_plus)
{
	struct addr b;

	ck_assert_int_eq(strip("<User+Tag@Example.com>", "+", &b), 1);
	ck_assert_str_eq(b.local, "user");
	ck_assert_str_eq(b.domain, "example.com");
	ck_assert_str_eq(b.full, "user@example.com");

	ck_assert_int_eq(strip("<user+a+b@example.com>", "+", &b), 1);
	ck_assert_str_eq(b.full, "user@example.com");

	ck_assert_int_eq(strip("user+tag", "+", &b), 1);
	ck_assert_str_eq(b.local, "user");
	ck_assert_str_eq(b.domain, "");
	ck_assert_str_eq(b.full, "user");
}
END_TEST

START_TEST(test_strip_multi)
{
	struct addr b;

	ck_assert_int_eq(strip("<user-tag@example.com>", "+-", &b), 1);
	ck_assert_str_eq(b.full, "user@example.com");
	ck_assert_int_eq(strip("<user+tag@example.com>", "+-", &b), 1);
	ck_assert_str_eq(b.full, "user@example.com");
	ck_assert_int_eq(strip("<first-last+tag@example.com>", "+-", &b), 1);
	ck_assert_str_eq(b.full, "first@example.com");
	/* "-" is not a delimiter unless named */
	ck_assert_int_eq(strip("<user-tag@example.com>", "+", &b), 0);
}
END_TEST

START_TEST(test_strip_none)
{
	struct addr b;

	ck_assert_int_eq(strip("<user@example.com>", "+", &b), 0);
	ck_assert_str_eq(b.full, "untouched");
	ck_assert_int_eq(strip("<+tag@example.com>", "+", &b), 0);
	ck_assert_str_eq(b.full, "untouched");
	ck_assert_int_eq(strip("<user+tag@example.com>", "", &b), 0);
	ck_assert_str_eq(b.full, "untouched");
	ck_assert_int_eq(strip("<user+tag@example.com>", NULL, &b), 0);
	ck_assert_str_eq(b.full, "untouched");
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("basic");
	tcase_add_test(tc, test_plain_forms);
	tcase_add_test(tc, test_null_address);
	tcase_add_test(tc, test_case_folding);
	tcase_add_test(tc, test_null_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc5321");
	tcase_add_test(tc, test_quoted_local);
	tcase_add_test(tc, test_obsolete_local);
	tcase_add_test(tc, test_routing_local);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_domain_hint);
	tcase_add_test(tc, test_source_route);
	tcase_add_test(tc, test_trailing_dot);
	tcase_add_test(tc, test_ip_literal);
	tcase_add_test(tc, test_smtputf8);
	tcase_add_test(tc, test_postmaster);
	tcase_add_test(tc, test_bare_local);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_unbalanced);
	tcase_add_test(tc, test_empty_parts);
	tcase_add_test(tc, test_space_control);
	tcase_add_test(tc, test_empty_labels);
	tcase_add_test(tc, test_injection_shaped);
	suite_add_tcase(s, tc);

	tc = tcase_create("length");
	tcase_add_test(tc, test_local_length);
	tcase_add_test(tc, test_domain_length);
	tcase_add_test(tc, test_max_full);
	tcase_add_test(tc, test_input_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("extension");
	tcase_add_test(tc, test_strip_plus);
	tcase_add_test(tc, test_strip_multi);
	tcase_add_test(tc, test_strip_none);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
