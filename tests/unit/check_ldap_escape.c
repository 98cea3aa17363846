/*
 * NAME
 *	check_ldap_escape 1
 * SUMMARY
 *	unit tests for src/ldap_escape.c: RFC 4515 escaping and filters
 * DESCRIPTION
 *	ldap_escape_value() and filter_expand() must escape every special
 *	byte, report the length they needed like snprintf(), and never
 *	write past the buffer. filter_check() must accept the templates the
 *	manual shows and refuse malformed ones with a reason.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldap_escape.h"

/* esc - escape in into a large buffer and check the returned length */
static const char *
esc(const char *in)
{
	static char buf[4096];
	size_t n;

	n = ldap_escape_value(in, buf, sizeof(buf));
	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

/* ------------------------------------------------------------- escape */

START_TEST(test_specials)
{
	ck_assert_str_eq(esc("*"), "\\2a");
	ck_assert_str_eq(esc("("), "\\28");
	ck_assert_str_eq(esc(")"), "\\29");
	ck_assert_str_eq(esc("\\"), "\\5c");
	ck_assert_str_eq(esc("a*b(c)d\\e"), "a\\2ab\\28c\\29d\\5ce");
}
END_TEST

START_TEST(test_controls_space_8bit)
{
	ck_assert_str_eq(esc(" "), "\\20");
	ck_assert_str_eq(esc("\x01"), "\\01");
	ck_assert_str_eq(esc("\t\n\r"), "\\09\\0a\\0d");
	ck_assert_str_eq(esc("\x1f"), "\\1f");
	ck_assert_str_eq(esc("\x7f"), "\\7f");
	ck_assert_str_eq(esc("\x80"), "\\80");
	ck_assert_str_eq(esc("\xff"), "\\ff");
	ck_assert_str_eq(esc("j\xc3\xbcrgen"), "j\\c3\\bcrgen");
	ck_assert_str_eq(esc("john doe"), "john\\20doe");
}
END_TEST

START_TEST(test_plain_unchanged)
{
	const char *plain = "alice.smith-1_2+tag@example.com";
	const char *printable = "!\"#$%&'+,-./09:;<=>?@AZ[]^_`az{|}~";

	ck_assert_str_eq(esc(plain), plain);
	ck_assert_str_eq(esc(printable), printable);
	ck_assert_str_eq(esc(""), "");
}
END_TEST

START_TEST(test_every_byte)
{
	char in[2], out[8];
	int c;

	for (c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		size_t n = ldap_escape_value(in, out, sizeof(out));
		int special = c == '*' || c == '(' || c == ')' || c == '\\' ||
		    c <= 0x20 || c >= 0x7f;

		if (special) {
			char want[4];

			snprintf(want, sizeof(want), "\\%02x", c);
			ck_assert_uint_eq(n, 3);
			ck_assert_str_eq(out, want);
		} else {
			ck_assert_uint_eq(n, 1);
			ck_assert_int_eq(out[0], c);
			ck_assert_int_eq(out[1], '\0');
		}
	}
}
END_TEST

/* ---------------------------------------------------------- truncation */

START_TEST(test_return_length)
{
	ck_assert_uint_eq(ldap_escape_value("abc", NULL, 0), 3);
	ck_assert_uint_eq(ldap_escape_value("a*b", NULL, 0), 5);
	ck_assert_uint_eq(ldap_escape_value("*)(uid=*", NULL, 0), 16);
	ck_assert_uint_eq(ldap_escape_value("", NULL, 0), 0);
}
END_TEST

START_TEST(test_truncation)
{
	char buf[32];
	size_t len, n;

	for (len = 1; len <= 20; len++) {
		memset(buf, 'Z', sizeof(buf));
		n = ldap_escape_value("a*b(c)", buf, len);
		ck_assert_uint_eq(n, 12);	/* a\2ab\28c\29 */
		ck_assert_msg(memchr(buf, '\0', len) != NULL,
		    "outlen %zu: not terminated", len);
		ck_assert_uint_eq(strlen(buf), len - 1 < n ? len - 1 : n);
		ck_assert_int_eq(strncmp(buf, "a\\2ab\\28c\\29", strlen(buf)), 0);
		/* nothing past outlen was touched */
		for (size_t i = len; i < sizeof(buf); i++)
			ck_assert_msg(buf[i] == 'Z', "outlen %zu: byte %zu "
			    "written", len, i);
	}
	/* outlen 0: nothing is written at all */
	memset(buf, 'Z', sizeof(buf));
	ck_assert_uint_eq(ldap_escape_value("a*b", buf, 0), 5);
	ck_assert_int_eq(buf[0], 'Z');
}
END_TEST

START_TEST(test_expand_truncation)
{
	char buf[64];
	const char *want = "(mail=a\\2a@example.com)";
	size_t len, n;

	for (len = 1; len <= sizeof(buf) - 8; len++) {
		memset(buf, 'Z', sizeof(buf));
		n = filter_expand("(mail=%s)", "a*@example.com", "a*",
		    "example.com", buf, len);
		ck_assert_uint_eq(n, strlen(want));
		ck_assert(memchr(buf, '\0', len) != NULL);
		ck_assert_int_eq(strncmp(buf, want, strlen(buf)), 0);
		for (size_t i = len; i < sizeof(buf); i++)
			ck_assert_msg(buf[i] == 'Z', "outlen %zu: byte %zu "
			    "written", len, i);
	}
	ck_assert_uint_eq(filter_expand("(mail=%s)", "a*@example.com", "a*",
	    "example.com", NULL, 0), strlen(want));
}
END_TEST

/* -------------------------------------------------------------- expand */

/* expand - filter_expand into a large buffer and check the length */
static const char *
expand(const char *tmpl, const char *full, const char *local,
    const char *domain)
{
	static char buf[4096];
	size_t n;

	n = filter_expand(tmpl, full, local, domain, buf, sizeof(buf));
	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

START_TEST(test_expand_basic)
{
	ck_assert_str_eq(expand("(mail=%s)", "alice@example.com", "alice",
	    "example.com"), "(mail=alice@example.com)");
	ck_assert_str_eq(expand("(&(uid=%u)(dc=%d))", "alice@example.com",
	    "alice", "example.com"), "(&(uid=alice)(dc=example.com))");
	ck_assert_str_eq(expand("(|(mail=%s)(mailAlternateAddress=%s))",
	    "a@x", "a", "x"), "(|(mail=a@x)(mailAlternateAddress=a@x))");
	ck_assert_str_eq(expand("(&(mail=%s)(pct=100%%))", "a@x", "a", "x"),
	    "(&(mail=a@x)(pct=100%))");
	ck_assert_str_eq(expand("(x=%u%%%d)", "a@x", "a", "x"), "(x=a%x)");
	ck_assert_str_eq(expand("(x=%u%u%d%d)", "a@x", "a", "x"),
	    "(x=aaxx)");
}
END_TEST

START_TEST(test_expand_escapes)
{
	ck_assert_str_eq(expand("(mail=%s)", "john doe@example.com",
	    "john doe", "example.com"), "(mail=john\\20doe@example.com)");
	ck_assert_str_eq(expand("(uid=%u)", "a\\29b@example.com", "a\\29b",
	    "example.com"), "(uid=a\\5c29b)");
	ck_assert_str_eq(expand("(uid=%u)", "*)(uid=*@example.com",
	    "*)(uid=*", "example.com"), "(uid=\\2a\\29\\28uid=\\2a)");
	ck_assert_str_eq(expand("(dc=%d)", "a@b(c", "a", "b(c"),
	    "(dc=b\\28c)");
}
END_TEST

/* parens - count '(' and ')' in s; check every '\' starts \XX */
static void
parens(const char *s, int *open, int *close)
{
	*open = *close = 0;
	for (; *s; s++) {
		if (*s == '(')
			(*open)++;
		else if (*s == ')')
			(*close)++;
		else if (*s == '\\')
			ck_assert_msg(strchr("0123456789abcdef", s[1]) && s[1] &&
			    strchr("0123456789abcdef", s[2]) && s[2],
			    "bad escape in \"%s\"", s);
	}
}

START_TEST(test_injection_structure)
{
	static const char *tmpls[] = {
		"(mail=%s)",
		"(|(mail=%s)(mailAlternateAddress=%s))",
		"(&(uid=%u)(dc=%d))",
		"(&(objectClass=inetOrgPerson)(|(mail=%s)(uid=%u)))",
	};
	static const char *values[][3] = {
		{ "*)(uid=*@example.com", "*)(uid=*", "example.com" },
		{ "a\\29b@example.com", "a\\29b", "example.com" },
		{ "*@*", "*", "*" },
		{ "x)(|(objectClass=*@a)(b", "x)(|(objectClass=*", "a)(b" },
		{ "\\@\\", "\\", "\\" },
		{ "((((@))))", "((((", "))))" },
	};
	size_t t, v;
	int to, tc, eo, ec;

	for (t = 0; t < sizeof(tmpls) / sizeof(tmpls[0]); t++) {
		parens(tmpls[t], &to, &tc);
		for (v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			const char *f = expand(tmpls[t], values[v][0],
			    values[v][1], values[v][2]);

			parens(f, &eo, &ec);
			ck_assert_msg(eo == to && ec == tc,
			    "template %s value %s: \"%s\" has %d '(' %d ')',"
			    " template %d %d", tmpls[t], values[v][0], f, eo,
			    ec, to, tc);
			ck_assert_ptr_null(strchr(f, '*'));
		}
	}
}
END_TEST

/* --------------------------------------------------------------- check */

/* check_ok - filter_check accepts tmpl */
static void
check_ok(const char *tmpl)
{
	const char *why = NULL;

	ck_assert_msg(filter_check(tmpl, &why) == 0, "\"%s\" refused: %s",
	    tmpl, why ? why : "(null)");
}

/* check_bad - filter_check refuses tmpl with a why containing word */
static void
check_bad(const char *tmpl, const char *word)
{
	const char *why = NULL;

	ck_assert_msg(filter_check(tmpl, &why) == -1, "\"%s\" accepted",
	    tmpl ? tmpl : "(null)");
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, word) != NULL, "\"%s\": why \"%s\" lacks"
	    " \"%s\"", tmpl ? tmpl : "(null)", why, word);
}

START_TEST(test_check_accepts)
{
	check_ok("(mail=%s)");
	check_ok("(|(mail=%s)(mailAlternateAddress=%s))");
	check_ok("(&(uid=%u)(dc=%d))");
	check_ok("(&(objectClass=*)(mail=%s)(pct=100%%))");
	check_ok("(uid=%u)");
	check_ok("(dc=%d)");
	/* RFC 4515 escapes written in the template */
	check_ok("(cn=\\2a%u)");
	check_ok("(&(cn=x\\28y\\29)(mail=%s))");
}
END_TEST

START_TEST(test_check_refuses)
{
	check_bad(NULL, "(");
	check_bad("", "start");
	check_bad("mail=%s", "start");
	check_bad(" (mail=%s)", "start");
	check_bad("(mail=%s", "unbalanced");
	check_bad("(&(uid=%u)(dc=%d)", "unbalanced");
	check_bad("(mail=%s))", ")");
	check_bad("(mail=%s)(uid=%u)", "after");
	check_bad("(mail=%s) ", "after");
	check_bad("(mail=%x)", "%");
	check_bad("(mail=%s%)", "%");
	/* a value outside an assertion value could add structure */
	check_bad("(%u)", "assertion value");
	check_bad("(%u=x)", "assertion value");
	check_bad("(|(mail=%s)(%u))", "assertion value");
	check_bad("(mail=%s)%", "after");
	check_bad("(mail=%)", "%");
	check_bad("(mail=alice@example.com)", "none");
	check_bad("(mail=%%s)", "none");
	check_bad("(mail=%s\n)", "control");
	check_bad("(mail=%s\r)", "control");
	check_bad("(\tmail=%s)", "control");
	/* a backslash the value would complete: "29" after it makes ')' */
	check_bad("(cn=\\%u)", "two hex digits");
	check_bad("(cn=\\2%u)", "two hex digits");
	check_bad("(cn=x\\)(mail=%s)", "two hex digits");
	check_bad("(mail=%s\\", "two hex digits");
}
END_TEST

static Suite *
ldap_escape_suite(void)
{
	Suite *s = suite_create("ldap_escape");
	TCase *tc;

	tc = tcase_create("escape");
	tcase_add_test(tc, test_specials);
	tcase_add_test(tc, test_controls_space_8bit);
	tcase_add_test(tc, test_plain_unchanged);
	tcase_add_test(tc, test_every_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("truncation");
	tcase_add_test(tc, test_return_length);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_expand_truncation);
	suite_add_tcase(s, tc);

	tc = tcase_create("expand");
	tcase_add_test(tc, test_expand_basic);
	tcase_add_test(tc, test_expand_escapes);
	tcase_add_test(tc, test_injection_structure);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_test(tc, test_check_accepts);
	tcase_add_test(tc, test_check_refuses);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ldap_escape_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
