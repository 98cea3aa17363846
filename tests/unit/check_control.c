/*
 * NAME
 *	check_control 1
 * SUMMARY
 *	unit tests for src/control_req.c: the control socket's requests
 * DESCRIPTION
 *	control_req_parse() on every command, its arguments and its
 *	refusals (unknown command, wrong argument count, bad network, a
 *	network of another prefix or with host bits, SECS out of range, an
 *	overlong or unprintable line); control_state() on each state.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "control_req.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

struct okrow {
	const char	*line;
	int		p4, p6;
	enum control_cmd cmd;
	const char	*net;
	long		secs;
};

/* requests that are accepted, with what they ask */
START_TEST(test_accepted)
{
	static const struct okrow rows[] = {
		{ "list", 32, 64, CONTROL_LIST, "", 0 },
		{ "list\n", 32, 64, CONTROL_LIST, "", 0 },
		{ "  stats \r\n", 32, 64, CONTROL_STATS, "", 0 },
		{ "show 192.0.2.7", 32, 64, CONTROL_SHOW, "192.0.2.7/32", 0 },
		{ "show 192.0.2.7", 24, 64, CONTROL_SHOW, "192.0.2.0/24", 0 },
		{ "show 192.0.2.0/24", 24, 64, CONTROL_SHOW, "192.0.2.0/24",
		    0 },
		{ "show 192.0.2.7/32", 32, 64, CONTROL_SHOW, "192.0.2.7/32",
		    0 },
		{ "forget 2001:db8::1", 32, 64, CONTROL_FORGET,
		    "2001:db8::/64", 0 },
		{ "forget 2001:db8:0:1::/64", 32, 64, CONTROL_FORGET,
		    "2001:db8:0:1::/64", 0 },
		{ "forget ::ffff:192.0.2.9", 32, 64, CONTROL_FORGET,
		    "192.0.2.9/32", 0 },
		{ "trust 192.0.2.7", 32, 64, CONTROL_TRUST, "192.0.2.7/32",
		    CONTROL_TRUST_DEFAULT },
		{ "trust\t192.0.2.7\t60", 32, 64, CONTROL_TRUST,
		    "192.0.2.7/32", 60 },
		{ "trust 192.0.2.7 0", 32, 64, CONTROL_TRUST, "192.0.2.7/32",
		    0 },
		{ "trust 192.0.2.7 604800", 32, 64, CONTROL_TRUST,
		    "192.0.2.7/32", 604800 },
	};
	struct control_req r;
	char err[256];
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		err[0] = '\0';
		ck_assert_msg(control_req_parse(rows[i].line, rows[i].p4,
		    rows[i].p6, &r, err, sizeof(err)) == 0,
		    "\"%s\" refused: %s", rows[i].line, err);
		ck_assert_int_eq(r.cmd, rows[i].cmd);
		ck_assert_str_eq(r.net, rows[i].net);
		ck_assert_int_eq(r.secs, rows[i].secs);
	}
}
END_TEST

struct badrow {
	const char	*line;
	const char	*msg;		/* the whole message */
};

/* requests that are refused, each with its precise message */
START_TEST(test_refused)
{
	static const struct badrow rows[] = {
		{ "", "empty request: list, show NET, forget NET,"
		    " trust NET [SECS] or stats" },
		{ "   \n", "empty request: list, show NET, forget NET,"
		    " trust NET [SECS] or stats" },
		{ "frobnicate", "unknown command \"frobnicate\": list, show"
		    " NET, forget NET, trust NET [SECS] or stats" },
		{ "LIST", "unknown command \"LIST\": list, show NET, forget"
		    " NET, trust NET [SECS] or stats" },
		{ "list all", "usage: list" },
		{ "stats now", "usage: stats" },
		{ "show", "usage: show NET" },
		{ "show 192.0.2.7 192.0.2.8", "usage: show NET" },
		{ "forget", "usage: forget NET" },
		{ "trust", "usage: trust NET [SECS]" },
		{ "trust 192.0.2.7 60 more", "usage: trust NET [SECS]" },
		{ "trust a b c d e", "usage: trust NET [SECS]" },
		{ "show example.com", "\"example.com\" is not an IPv4 or IPv6"
		    " address or network" },
		{ "show 192.0.2.300", "\"192.0.2.300\" is not an IPv4 or IPv6"
		    " address or network" },
		{ "show 192.0.2.0/33", "\"192.0.2.0/33\" is not an IPv4 or"
		    " IPv6 address or network" },
		{ "show 192.0.2.0/24", "192.0.2.0/24 is not a /32 network:"
		    " client networks are /32 (--ipv4-prefix); give an address"
		    " or a /32" },
		{ "forget 2001:db8::/48", "2001:db8::/48 is not a /64 network:"
		    " client networks are /64 (--ipv6-prefix); give an address"
		    " or a /64" },
		{ "trust 192.0.2.7 -1", "\"-1\" is not a number of seconds"
		    " from 0 (end the trust) to 604800 (a week)" },
		{ "trust 192.0.2.7 604801", "\"604801\" is not a number of"
		    " seconds from 0 (end the trust) to 604800 (a week)" },
		{ "trust 192.0.2.7 1h", "\"1h\" is not a number of seconds"
		    " from 0 (end the trust) to 604800 (a week)" },
		{ "show 192.0.2.7\x01", "the request is not printable ASCII" },
		{ "show 192.0.2.\xc3\xa9", "the request is not printable"
		    " ASCII" },
	};
	struct control_req r;
	char err[256];
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		err[0] = '\0';
		ck_assert_msg(control_req_parse(rows[i].line, 32, 64, &r, err,
		    sizeof(err)) == -1, "\"%s\" accepted", rows[i].line);
		ck_assert_str_eq(err, rows[i].msg);
	}
}
END_TEST

/* a network of the prefix with host bits set names its network */
START_TEST(test_host_bits)
{
	struct control_req r;
	char err[256];

	ck_assert_int_eq(control_req_parse("show 192.0.2.7/24", 24, 64, &r,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "192.0.2.7/24 has host bits set: the network is"
	    " 192.0.2.0/24");
}
END_TEST

/* the longest request is CONTROL_LINE_MAX - 1 bytes; one more is refused */
START_TEST(test_line_bound)
{
	struct control_req r;
	char line[CONTROL_LINE_MAX + 2], err[256];

	memset(line, ' ', sizeof(line));
	memcpy(line, "list", 4);
	line[CONTROL_LINE_MAX - 1] = '\0';
	ck_assert_int_eq(control_req_parse(line, 32, 64, &r, err,
	    sizeof(err)), 0);
	line[CONTROL_LINE_MAX - 1] = ' ';
	line[CONTROL_LINE_MAX] = '\0';
	ck_assert_int_eq(control_req_parse(line, 32, 64, &r, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "request longer than 255 bytes");
}
END_TEST

/* control_state: trust first, then harvest, suspect, known-good */
START_TEST(test_state)
{
	ck_assert_str_eq(control_state(0, 0, 0, 5, 25, 1), "-");
	ck_assert_str_eq(control_state(4.4, 0, 0, 5, 25, 1), "-");
	ck_assert_str_eq(control_state(4.5, 0, 0, 5, 25, 1), "suspect");
	ck_assert_str_eq(control_state(25, 0, 0, 5, 25, 1), "harvest");
	ck_assert_str_eq(control_state(0, 1, 0, 5, 25, 1), "known-good");
	ck_assert_str_eq(control_state(6, 3, 0, 5, 25, 1), "suspect");
	ck_assert_str_eq(control_state(30, 0, 10, 5, 25, 1), "trusted");
	/* a threshold of 0 is off */
	ck_assert_str_eq(control_state(30, 0, 0, 0, 0, 1), "-");
	ck_assert_str_eq(control_state(0, 5, 0, 5, 25, 0), "-");
}
END_TEST

static Suite *
control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_accepted);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_host_bits);
	tcase_add_test(tc, test_line_bound);
	tcase_add_test(tc, test_state);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
