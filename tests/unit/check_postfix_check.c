/*
 * NAME
 *	check_postfix_check 1
 * SUMMARY
 *	unit tests for src/postfix_parse.c: how the check mode reads
 *	postconf's output
 * DESCRIPTION
 *	Lists with milter groups, booleans, time values, master.cf lines,
 *	milter socket names on both sides (inet port order, unix paths in
 *	and out of a chroot), the domains Postfix accepts against -d, and
 *	the --postfix-dir and --check-address options.
 *	Each test asserts one behaviour.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "postfix_parse.h"

#define QDIR "/var/spool/postfix"

/* ------------------------------------------------------------ lists */

START_TEST(test_split_commas_and_blanks)
{
	char s[] = " mx.example.com, localhost.example.com,,localhost\n";
	char *w[8];

	ck_assert_int_eq(postfix_list_split(s, w, 8), 3);
	ck_assert_str_eq(w[0], "mx.example.com");
	ck_assert_str_eq(w[1], "localhost.example.com");
	ck_assert_str_eq(w[2], "localhost");
}
END_TEST

START_TEST(test_split_empty)
{
	char s[] = "  \n";
	char *w[8];

	ck_assert_int_eq(postfix_list_split(s, w, 8), 0);
}
END_TEST

START_TEST(test_split_group)
{
	char s[] = "{ inet:127.0.0.1:99, command_timeout=10s }, unix:/x";
	char *w[8];

	ck_assert_int_eq(postfix_list_split(s, w, 8), 2);
	ck_assert_str_eq(w[0], "inet:127.0.0.1:99, command_timeout=10s");
	ck_assert_str_eq(w[1], "unix:/x");
}
END_TEST

START_TEST(test_split_refuses_open_brace)
{
	char s[] = "{ inet:127.0.0.1:99, command_timeout=10s";
	char *w[8];

	ck_assert_int_eq(postfix_list_split(s, w, 8), -1);
}
END_TEST

START_TEST(test_split_bounded)
{
	char s[] = "a b c d";
	char *w[3];

	ck_assert_int_eq(postfix_list_split(s, w, 3), -1);
}
END_TEST

START_TEST(test_milter_attr)
{
	char buf[32];

	ck_assert_int_eq(postfix_milter_attr("inet:h:1, command_timeout=10s,"
	    " default_action=accept", "default_action", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "accept");
	ck_assert_int_eq(postfix_milter_attr("inet:h:1", "command_timeout",
	    buf, sizeof(buf)), -1);
	postfix_milter_socket("inet:h:1, command_timeout=10s", buf,
	    sizeof(buf));
	ck_assert_str_eq(buf, "inet:h:1");
}
END_TEST

/* ------------------------------------------------- values and lines */

START_TEST(test_bool)
{
	ck_assert_int_eq(postfix_bool("yes"), 1);
	ck_assert_int_eq(postfix_bool(" No\n"), 0);
	ck_assert_int_eq(postfix_bool("true"), -1);
	ck_assert_int_eq(postfix_bool("yes no"), -1);
	ck_assert_int_eq(postfix_bool(""), -1);
}
END_TEST

START_TEST(test_time)
{
	double t;

	ck_assert_int_eq(postfix_time("30s", &t), 0);
	ck_assert_double_eq(t, 30);
	ck_assert_int_eq(postfix_time("45", &t), 0);
	ck_assert_double_eq(t, 45);
	ck_assert_int_eq(postfix_time("2m\n", &t), 0);
	ck_assert_double_eq(t, 120);
	ck_assert_int_eq(postfix_time("1h", &t), 0);
	ck_assert_double_eq(t, 3600);
	ck_assert_int_eq(postfix_time("10x", &t), -1);
	ck_assert_int_eq(postfix_time("-5s", &t), -1);
	ck_assert_int_eq(postfix_time("", &t), -1);
}
END_TEST

START_TEST(test_master_smtpd)
{
	ck_assert_int_eq(postfix_master_smtpd("smtp       inet  n       -"
	    "       y       -       -       smtpd"), 1);
	ck_assert_int_eq(postfix_master_smtpd("127.0.0.1:25 inet n - n - -"
	    " smtpd -o smtpd_milters="), 0);
	ck_assert_int_eq(postfix_master_smtpd("smtp inet n - - - - smtpd"), 0);
	ck_assert_int_eq(postfix_master_smtpd("smtp unix - - y - - smtp"), -1);
	ck_assert_int_eq(postfix_master_smtpd("pickup unix n - y 60 1 pickup"),
	    -1);
	ck_assert_int_eq(postfix_master_smtpd("smtp inet n -"), -1);
}
END_TEST

START_TEST(test_same_chars)
{
	ck_assert(postfix_same_chars("+-", "-+"));
	ck_assert(postfix_same_chars(NULL, ""));
	ck_assert(!postfix_same_chars("+", NULL));
	ck_assert(!postfix_same_chars("+", "+-"));
}
END_TEST

/* ------------------------------------------------------------ sockets */

START_TEST(test_socket_inet_order)
{
	ck_assert(postfix_socket_same("inet:8899@127.0.0.1",
	    "inet:127.0.0.1:8899", QDIR, 1));
	ck_assert(!postfix_socket_same("inet:8899@127.0.0.1",
	    "inet:127.0.0.1:8898", QDIR, 1));
	ck_assert(!postfix_socket_same("inet:8899@10.0.0.1",
	    "inet:127.0.0.1:8899", QDIR, 1));
}
END_TEST

START_TEST(test_socket_inet_any_and_loopback)
{
	ck_assert(postfix_socket_same("inet:8899", "inet:10.0.0.1:8899",
	    QDIR, 0));
	ck_assert(postfix_socket_same("inet:8899@localhost",
	    "inet:127.0.0.1:8899", QDIR, 0));
	ck_assert(postfix_socket_same("inet6:8899@::1", "inet:[::1]:8899",
	    QDIR, 0));
}
END_TEST

START_TEST(test_socket_unix_plain)
{
	ck_assert(postfix_socket_same("unix:/run/m/m.sock",
	    "unix:/run/m//m.sock", QDIR, 0));
	ck_assert(postfix_socket_same("local:/run/m/m.sock",
	    "unix:/run/m/m.sock", QDIR, 0));
	ck_assert(!postfix_socket_same("unix:/run/m/m.sock",
	    "inet:127.0.0.1:8899", QDIR, 0));
}
END_TEST

START_TEST(test_socket_unix_chroot)
{
	/* a chrooted smtpd sees /run/m/m.sock below the queue directory */
	ck_assert(!postfix_socket_same("unix:/run/m/m.sock",
	    "unix:/run/m/m.sock", QDIR, 1));
	ck_assert(postfix_socket_same("unix:" QDIR "/m/m.sock",
	    "unix:/m/m.sock", QDIR, 1));
}
END_TEST

START_TEST(test_socket_unix_relative)
{
	ck_assert(postfix_socket_same("unix:" QDIR "/m/m.sock",
	    "unix:m/m.sock", QDIR, 0));
}
END_TEST

START_TEST(test_socket_form)
{
	char buf[256];

	ck_assert_int_eq(postfix_socket_form("inet:8899@127.0.0.1", QDIR, 1,
	    buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "inet:127.0.0.1:8899");
	ck_assert_int_eq(postfix_socket_form("unix:/run/m.sock", QDIR, 0,
	    buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "unix:/run/m.sock");
	ck_assert_int_eq(postfix_socket_form("unix:" QDIR "/m/m.sock", QDIR,
	    1, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "unix:/m/m.sock");
	ck_assert_int_eq(postfix_socket_form("unix:/run/m.sock", QDIR, 1,
	    buf, sizeof(buf)), -1);
	ck_assert_int_eq(postfix_socket_form("unix:/var/spool/postfixx/m",
	    QDIR, 1, buf, sizeof(buf)), -1);
}
END_TEST

/* ------------------------------------------------------------ domains */

static struct config cfg;

/* setup - -d example.com, --subdomains yes (the default) */
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

START_TEST(test_cover_plain)
{
	ck_assert_int_eq(postfix_domain_cover(&cfg, "example.com", 0),
	    POSTFIX_COVERED);
	ck_assert_int_eq(postfix_domain_cover(&cfg, "EXAMPLE.com", 1),
	    POSTFIX_COVERED);
	ck_assert_int_eq(postfix_domain_cover(&cfg, "example.org", 0),
	    POSTFIX_MISSING);
}
END_TEST

START_TEST(test_cover_subdomains_off)
{
	ck_assert_int_eq(config_apply(&cfg, "subdomains", "no", stderr), 0);
	ck_assert_int_eq(postfix_domain_cover(&cfg, "example.com", 0),
	    POSTFIX_COVERED);
	ck_assert_int_eq(postfix_domain_cover(&cfg, "example.com", 1),
	    POSTFIX_SUBDOMAINS);
	ck_assert_int_eq(postfix_domain_cover(&cfg, ".example.com", 0),
	    POSTFIX_SUBDOMAINS);
}
END_TEST

START_TEST(test_cover_dotted)
{
	ck_assert_int_eq(postfix_domain_cover(&cfg, ".example.com", 0),
	    POSTFIX_COVERED);
	ck_assert_int_eq(postfix_domain_cover(&cfg, ".example.org", 0),
	    POSTFIX_MISSING);
}
END_TEST

START_TEST(test_list_without)
{
	char *w[] = { "a.example", "b.example", "c.example" };
	char buf[64];

	postfix_list_without(w, 3, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a.example, c.example");
	postfix_list_without(w, 1, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	postfix_list_without(w, 3, 0, buf, 8);
	ck_assert_str_eq(buf, "b.examp");
}
END_TEST

START_TEST(test_list_without_group)
{
	char *w[] = { "unix:/old", "inet:h:1, command_timeout=10s" };
	char buf[64];

	postfix_list_without(w, 2, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{ inet:h:1, command_timeout=10s }");
}
END_TEST

/* ------------------------------------------------------------ options */

START_TEST(test_option_postfix_dir)
{
	FILE *null = fopen("/dev/null", "w");

	ck_assert_ptr_nonnull(null);
	ck_assert_int_eq(config_apply(&cfg, "postfix-dir", "etc/postfix",
	    null), -1);
	ck_assert_int_eq(config_apply(&cfg, "postfix-dir", "/etc/postfix",
	    null), 0);
	ck_assert_str_eq(cfg.postfix_dir, "/etc/postfix");
	ck_assert_int_eq(config_apply(&cfg, "postfix-dir", "none", null), 0);
	fclose(null);
}
END_TEST

START_TEST(test_option_check_address)
{
	char *bad[] = { "milter-tarpit", "--check-address", "no address", NULL };
	char *good[] = { "milter-tarpit", "--check-address", "alice@example.com",
	    "--check-address", "bob@example.com", NULL };
	FILE *null = fopen("/dev/null", "w");
	struct config c;

	ck_assert_ptr_nonnull(null);
	/* a check-mode argument: not taken from an options file */
	ck_assert_int_eq(config_apply(&cfg, "check-address",
	    "alice@example.com", null), -2);
	config_init(&c);
	ck_assert_int_eq(config_parse(&c, 3, bad, null, null), CONFIG_USAGE);
	config_free(&c);
	config_init(&c);
	ck_assert_int_eq(config_parse(&c, 5, good, null, null), CONFIG_OK);
	ck_assert_uint_eq(c.ncheck_addrs, 2);
	ck_assert_str_eq(c.check_addrs[1], "bob@example.com");
	config_free(&c);
	fclose(null);
}
END_TEST

/* postfix_suite - every case */
static Suite *
postfix_suite(void)
{
	Suite *s = suite_create("postfix_parse");
	TCase *tc = tcase_create("lists");

	tcase_add_test(tc, test_split_commas_and_blanks);
	tcase_add_test(tc, test_split_empty);
	tcase_add_test(tc, test_split_group);
	tcase_add_test(tc, test_split_refuses_open_brace);
	tcase_add_test(tc, test_split_bounded);
	tcase_add_test(tc, test_milter_attr);
	tcase_add_test(tc, test_bool);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_master_smtpd);
	tcase_add_test(tc, test_same_chars);
	suite_add_tcase(s, tc);

	tc = tcase_create("sockets");
	tcase_add_test(tc, test_socket_inet_order);
	tcase_add_test(tc, test_socket_inet_any_and_loopback);
	tcase_add_test(tc, test_socket_unix_plain);
	tcase_add_test(tc, test_socket_unix_chroot);
	tcase_add_test(tc, test_socket_unix_relative);
	tcase_add_test(tc, test_socket_form);
	suite_add_tcase(s, tc);

	tc = tcase_create("domains");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cover_plain);
	tcase_add_test(tc, test_cover_subdomains_off);
	tcase_add_test(tc, test_cover_dotted);
	tcase_add_test(tc, test_list_without);
	tcase_add_test(tc, test_list_without_group);
	tcase_add_test(tc, test_option_postfix_dir);
	tcase_add_test(tc, test_option_check_address);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(postfix_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
