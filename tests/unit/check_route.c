/*
 * NAME
 *	check_route 1
 * SUMMARY
 *	unit tests for src/route.c and config_is_local(): our domains and
 *	the address Postfix routes a recipient to
 * DESCRIPTION
 *	The configuration is built with config_apply(), as an options file
 *	would, so the option names and their defaults are tested too. Each
 *	route case parses one RCPT TO argument, resolves it and checks the
 *	class and the address that would be judged; the expected results
 *	follow Postfix's resolver with allow_percent_hack = yes and
 *	swap_bangpath = yes (its defaults) unless a case turns them off.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "route.h"

static struct config cfg;

/* setup - a configuration with -d example.com and the defaults */
static void
setup(void)
{
	config_init(&cfg);
	ck_assert_int_eq(config_apply(&cfg, "domain", "example.com", stderr), 0);
}

/* teardown - release the configuration */
static void
teardown(void)
{
	config_free(&cfg);
}

/* set - apply one option, which must be accepted */
static void
set(const char *name, const char *value)
{
	ck_assert_msg(config_apply(&cfg, name, value, stderr) == 0,
	    "--%s %s refused", name, value);
}

/* refused - apply one option, which must be refused */
static void
refused(const char *name, const char *value)
{
	FILE *devnull = fopen("/dev/null", "w");

	ck_assert_ptr_nonnull(devnull);
	ck_assert_msg(config_apply(&cfg, name, value, devnull) == -1,
	    "--%s %s accepted", name, value);
	fclose(devnull);
}

/* expect_route - resolve input; require class want and address full */
static void
expect_route(const char *input, enum route_class want, const char *full)
{
	struct addr a, r;
	enum route_class got;

	ck_assert_msg(addr_parse(input, &a, NULL) == ADDR_OK,
	    "\"%s\" does not parse", input);
	got = route_resolve(&cfg, &a, &r);
	ck_assert_msg(got == want, "\"%s\": class %s, want %s (%s)", input,
	    route_class_name(got), route_class_name(want), r.full);
	ck_assert_msg(strcmp(r.full, full) == 0, "\"%s\": routed to \"%s\","
	    " want \"%s\"", input, r.full, full);
}

/* ------------------------------------------------------------ domains */

START_TEST(test_exact_and_case)
{
	ck_assert(config_is_local(&cfg, "example.com"));
	ck_assert(config_is_local(&cfg, "EXAMPLE.Com"));
	ck_assert(config_is_local(&cfg, "example.com."));
	ck_assert(!config_is_local(&cfg, "example.org"));
	ck_assert(!config_is_local(&cfg, ""));
}
END_TEST

START_TEST(test_subdomains_default)
{
	/* Postfix: parent_domain_matches_subdomains has relay_domains */
	ck_assert(config_is_local(&cfg, "mx.example.com"));
	ck_assert(config_is_local(&cfg, "a.b.Example.COM."));
	ck_assert(!config_is_local(&cfg, "notexample.com"));
	ck_assert(!config_is_local(&cfg, "example.com.evil.org"));
	ck_assert(!config_is_local(&cfg, ".example.com"));
}
END_TEST

START_TEST(test_subdomains_off)
{
	set("subdomains", "no");
	ck_assert(config_is_local(&cfg, "example.com"));
	ck_assert(!config_is_local(&cfg, "mx.example.com"));
	set("subdomains", "yes");
	ck_assert(config_is_local(&cfg, "mx.example.com"));
	refused("subdomains", "maybe");
}
END_TEST

START_TEST(test_idn_ulabel_option)
{
	/* -d bücher.example: the A-label form of the recipient matches */
	set("domain", "b\xc3\xbc" "cher.example");
	ck_assert(config_is_local(&cfg, "xn--bcher-kva.example"));
	ck_assert(config_is_local(&cfg, "b\xc3\xbc" "cher.example"));
	ck_assert(config_is_local(&cfg, "B\xc3\x9c" "CHER.example"));
	ck_assert(config_is_local(&cfg, "mx.b\xc3\xbc" "cher.example"));
	ck_assert(!config_is_local(&cfg, "bucher.example"));
	/* the first -d still holds */
	ck_assert(config_is_local(&cfg, "example.com"));
}
END_TEST

START_TEST(test_idn_alabel_option)
{
	/* -d xn--bcher-kva.example: the UTF-8 form of the recipient matches */
	set("domain", "xn--bcher-kva.example");
	ck_assert(config_is_local(&cfg, "b\xc3\xbc" "cher.example"));
	ck_assert(config_is_local(&cfg, "XN--BCHER-KVA.example"));
	/* bytes that are not UTF-8 name no domain of ours */
	ck_assert(!config_is_local(&cfg, "b\xfc" "cher.example"));
	refused("domain", "b\xfc" "cher.example");
}
END_TEST

/* ----------------------------------------------------- address literals */

START_TEST(test_literals)
{
	/* default: any literal is one of the MTA's own addresses */
	ck_assert(route_literal_is_ours(&cfg, "[127.0.0.1]"));
	ck_assert(route_literal_is_ours(&cfg, "[ipv6:2001:db8::1]"));
	ck_assert(!route_literal_is_ours(&cfg, "example.com"));
	set("own-addresses", "192.0.2.0/24, 2001:db8::1");
	ck_assert(route_literal_is_ours(&cfg, "[192.0.2.25]"));
	ck_assert(route_literal_is_ours(&cfg, "[ipv6:2001:db8::1]"));
	ck_assert(!route_literal_is_ours(&cfg, "[127.0.0.1]"));
	ck_assert(!route_literal_is_ours(&cfg, "[ipv6:2001:db8::2]"));
	ck_assert(!route_literal_is_ours(&cfg, "[not-an-ip]"));
	set("own-addresses", "none");
	ck_assert(!route_literal_is_ours(&cfg, "[192.0.2.25]"));
	set("own-addresses", "any");
	ck_assert(route_literal_is_ours(&cfg, "[198.51.100.7]"));
	refused("own-addresses", "192.0.2.300");
}
END_TEST

/* -------------------------------------------------------------- routes */

START_TEST(test_plain)
{
	expect_route("<alice@example.com>", ROUTE_OURS, "alice@example.com");
	expect_route("<nobody@mx.example.com>", ROUTE_OURS,
	    "nobody@mx.example.com");
	expect_route("<alice@example.com.>", ROUTE_OURS, "alice@example.com");
	expect_route("<someone@elsewhere.org>", ROUTE_FOREIGN,
	    "someone@elsewhere.org");
	expect_route("<postmaster>", ROUTE_BARE, "postmaster");
	/* a literal of ours with a plain local part: Postfix's local class */
	expect_route("<nobody@[127.0.0.1]>", ROUTE_LITERAL,
	    "nobody@[127.0.0.1]");
}
END_TEST

START_TEST(test_percent_hack)
{
	expect_route("<nobody%example.com@[127.0.0.1]>", ROUTE_OURS,
	    "nobody@example.com");
	expect_route("<nobody%example.com@example.com>", ROUTE_OURS,
	    "nobody@example.com");
	expect_route("<Alice%Example.COM@mx.example.com>", ROUTE_OURS,
	    "alice@example.com");
	/* the rightmost % */
	expect_route("<a%b%example.com@example.com>", ROUTE_FOREIGN, "a@b");
	/* out of our domains: Postfix relays, we pass */
	expect_route("<user%other.org@example.com>", ROUTE_FOREIGN,
	    "user@other.org");
	/* not behind one of ours: Postfix does not rewrite it */
	expect_route("<nobody%example.com@other.org>", ROUTE_FOREIGN,
	    "nobody%example.com@other.org");
	expect_route("<nobody%example.com@[192.0.2.1]>", ROUTE_OURS,
	    "nobody@example.com");
	set("own-addresses", "127.0.0.1");
	expect_route("<nobody%example.com@[192.0.2.1]>", ROUTE_FOREIGN,
	    "nobody%example.com@[192.0.2.1]");
	/* a bare local part: Postfix's rewrite turns it into user@domain */
	expect_route("<nobody%example.com>", ROUTE_OURS, "nobody@example.com");
}
END_TEST

START_TEST(test_percent_hack_off)
{
	set("percent-hack", "no");
	expect_route("<nobody%example.com@example.com>", ROUTE_OURS,
	    "nobody%example.com@example.com");
	expect_route("<nobody%example.com@[127.0.0.1]>", ROUTE_LITERAL,
	    "nobody%example.com@[127.0.0.1]");
	refused("percent-hack", "sometimes");
}
END_TEST

START_TEST(test_bang_path)
{
	expect_route("<example.com!nobody@[127.0.0.1]>", ROUTE_OURS,
	    "nobody@example.com");
	expect_route("<example.com!nobody@example.com>", ROUTE_OURS,
	    "nobody@example.com");
	expect_route("<example.com!nobody>", ROUTE_OURS, "nobody@example.com");
	/* the first ! goes first: a!b!user is b!user@a */
	expect_route("<example.com!other.org!user@example.com>", ROUTE_FOREIGN,
	    "user@other.org");
	expect_route("<other.org!example.com!user@example.com>", ROUTE_FOREIGN,
	    "example.com!user@other.org");
	/* unquoted, ! comes before % */
	expect_route("<example.com!nobody%other.org@example.com>",
	    ROUTE_FOREIGN, "nobody@other.org");
	set("swap-bangpath", "no");
	expect_route("<example.com!nobody@example.com>", ROUTE_OURS,
	    "example.com!nobody@example.com");
}
END_TEST

START_TEST(test_at_routes)
{
	expect_route("<nobody@example.com@[127.0.0.1]>", ROUTE_OURS,
	    "nobody@example.com");
	expect_route("<\"nobody@example.com\"@example.com>", ROUTE_OURS,
	    "nobody@example.com");
	expect_route("<alice@example.com@mx.example.com>", ROUTE_OURS,
	    "alice@example.com");
	expect_route("<user@other.org@example.com>", ROUTE_FOREIGN,
	    "user@other.org");
	/* the domain after the last @ is foreign: nothing is rewritten */
	expect_route("<nobody@example.com@other.org>", ROUTE_FOREIGN,
	    "nobody@example.com@other.org");
	/* a quoted local part is cracked open too */
	expect_route("<\"a b%example.com\"@example.com>", ROUTE_OURS,
	    "a b@example.com");
}
END_TEST

START_TEST(test_route_bounded)
{
	char in[ADDR_INPUT_MAX + 1];
	size_t o = 0;
	int i;

	/* 18 hops of "example.com!": each strips one, the end is ours */
	in[o++] = '<';
	for (i = 0; i < 18; i++) {
		memcpy(in + o, "example.com!", 12);
		o += 12;
	}
	memcpy(in + o, "nobody@example.com>", 20);
	expect_route(in, ROUTE_OURS, "nobody@example.com");
}
END_TEST

START_TEST(test_class_names)
{
	ck_assert_str_eq(route_class_name(ROUTE_OURS), "ours");
	ck_assert_str_eq(route_class_name(ROUTE_FOREIGN), "foreign");
	ck_assert_str_eq(route_class_name(ROUTE_LITERAL), "literal");
	ck_assert_str_eq(route_class_name(ROUTE_BARE), "bare");
}
END_TEST

static Suite *
route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc;

	tc = tcase_create("domains");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_exact_and_case);
	tcase_add_test(tc, test_subdomains_default);
	tcase_add_test(tc, test_subdomains_off);
	tcase_add_test(tc, test_idn_ulabel_option);
	tcase_add_test(tc, test_idn_alabel_option);
	tcase_add_test(tc, test_literals);
	suite_add_tcase(s, tc);

	tc = tcase_create("routes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_percent_hack);
	tcase_add_test(tc, test_percent_hack_off);
	tcase_add_test(tc, test_bang_path);
	tcase_add_test(tc, test_at_routes);
	tcase_add_test(tc, test_route_bounded);
	tcase_add_test(tc, test_class_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(route_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
