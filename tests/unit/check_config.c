/*
 * NAME
 *	check_config 1
 * SUMMARY
 *	unit tests for src/config.c: flags, validation, password file
 * DESCRIPTION
 *	config_parse() is run on argument vectors built by the tests, with
 *	its two streams captured by open_memstream(3), so every message can
 *	be checked for the flag it names and what it says is accepted.
 *	Every test frees what it made: the program is meant to be clean
 *	under valgrind with CK_FORK=no.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "optfile.h"

#define MAXARGS 64

static struct config cfg;
static char *out_txt, *err_txt;	/* what the last call wrote */
static char last_arg[128];		/* for failure messages */

static void
setup(void)
{
	config_init(&cfg);
	out_txt = err_txt = NULL;
}

static void
teardown(void)
{
	config_free(&cfg);
	free(out_txt);
	free(err_txt);
	out_txt = err_txt = NULL;
}

/* parse_v - config_parse on "milter-tarpit" + args (NULL-terminated) */
static enum config_status
parse_v(const char *const *args)
{
	char *argv[MAXARGS + 2];
	size_t outlen, errlen;
	FILE *out, *err;
	enum config_status st;
	int argc = 0, i;

	free(out_txt);
	free(err_txt);
	out_txt = err_txt = NULL;
	argv[argc++] = strdup("milter-tarpit");
	for (; *args; args++) {
		ck_assert_int_lt(argc, MAXARGS);
		argv[argc++] = strdup(*args);
	}
	argv[argc] = NULL;
	snprintf(last_arg, sizeof(last_arg), "%s", argv[argc - 1]);
	out = open_memstream(&out_txt, &outlen);
	err = open_memstream(&err_txt, &errlen);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	st = config_parse(&cfg, argc, argv, out, err);
	fclose(out);
	fclose(err);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return st;
}

#define PARSE(...) parse_v((const char *const[]){ __VA_ARGS__, NULL })
#define PARSE0() parse_v((const char *const[]){ NULL })

/* has - s contains every word (NULL-terminated list) */
static void
has_v(const char *s, const char *const *words)
{
	ck_assert_ptr_nonnull(s);
	for (; *words; words++)
		ck_assert_msg(strstr(s, *words) != NULL,
		    "message \"%s\" lacks \"%s\"", s, *words);
}

#define HAS(s, ...) has_v((s), (const char *const[]){ __VA_ARGS__, NULL })

/* refused - the last parse said CONFIG_USAGE with one message line */
static void
refused(enum config_status st)
{
	ck_assert_msg(st == CONFIG_USAGE, "status %d, want CONFIG_USAGE (%d);"
	    " last argument \"%s\"", (int)st, (int)CONFIG_USAGE, last_arg);
	ck_assert_ptr_nonnull(err_txt);
	ck_assert_msg(strncmp(err_txt, "milter-tarpit: ", 15) == 0,
	    "message \"%s\" lacks the program name", err_txt);
	ck_assert_msg(strlen(err_txt) > 20 &&
	    err_txt[strlen(err_txt) - 1] == '\n', "message \"%s\"", err_txt);
	ck_assert_str_eq(out_txt, "");
}

/* check_cfg - config_check with the message captured into err_txt */
static int
check_cfg(void)
{
	size_t errlen;
	FILE *err;
	int rc;

	free(err_txt);
	err_txt = NULL;
	err = open_memstream(&err_txt, &errlen);
	ck_assert_ptr_nonnull(err);
	rc = config_check(&cfg, err);
	fclose(err);
	return rc;
}

/* load_pw - config_load_password with the message captured */
static int
load_pw(void)
{
	size_t errlen;
	FILE *err;
	int rc;

	free(err_txt);
	err_txt = NULL;
	err = open_memstream(&err_txt, &errlen);
	ck_assert_ptr_nonnull(err);
	rc = config_load_password(&cfg, err);
	fclose(err);
	return rc;
}

/* ----------------------------------------------------------- defaults */

START_TEST(test_init_defaults)
{
	ck_assert_str_eq(cfg.socket, CONFIG_DEFAULT_SOCKET);
	ck_assert_str_eq(cfg.socket, "unix:/run/milter-tarpit/milter-tarpit.sock");
	ck_assert_ptr_null(cfg.uris);
	ck_assert_ptr_null(cfg.base);
	ck_assert_int_eq(cfg.scope, SCOPE_SUB);
	ck_assert_str_eq(cfg.filter, "(mail=%s)");
	ck_assert_ptr_null(cfg.bind_dn);
	ck_assert_ptr_null(cfg.password_file);
	ck_assert_ptr_null(cfg.password);
	ck_assert_int_eq(cfg.starttls, 0);
	ck_assert(cfg.ldap_timeout == 5.0);
	ck_assert_int_eq(cfg.pool_size, 4);
	ck_assert_ptr_null(cfg.domains);
	ck_assert_uint_eq(cfg.ndomains, 0);
	ck_assert_ptr_null(cfg.delimiters);
	ck_assert(cfg.delay == 20.0);
	ck_assert(cfg.milter_timeout == 30.0);
	ck_assert_str_eq(cfg.reject_text,
	    "Recipient address rejected: User unknown");
	ck_assert_int_eq(cfg.foreground, 0);
	ck_assert_int_eq(cfg.verbose, 0);
}
END_TEST

START_TEST(test_no_args)
{
	ck_assert_int_eq(PARSE0(), CONFIG_OK);
	ck_assert_str_eq(err_txt, "");
	ck_assert_str_eq(out_txt, "");
	ck_assert_str_eq(cfg.socket, CONFIG_DEFAULT_SOCKET);
	ck_assert(cfg.delay == 20.0);
	ck_assert_uint_eq(cfg.ndomains, 0);
}
END_TEST

START_TEST(test_free_twice)
{
	ck_assert_int_eq(PARSE("-d", "example.com", "-b", "dc=x"), CONFIG_OK);
	config_free(&cfg);
	ck_assert_ptr_null(cfg.socket);
	ck_assert_ptr_null(cfg.domains);
	ck_assert_uint_eq(cfg.ndomains, 0);
	config_free(&cfg);	/* and teardown a third time */
}
END_TEST

/* -------------------------------------------------------------- parse */

START_TEST(test_short_options)
{
	ck_assert_int_eq(PARSE("-p", "inet:8890@127.0.0.1",
	    "-H", "ldap://127.0.0.1:389",
	    "-b", "dc=example,dc=com",
	    "-s", "one",
	    "-F", "(uid=%u)",
	    "-D", "cn=milter,dc=example,dc=com",
	    "-y", "/etc/milter-tarpit/ldap.secret",
	    "-Z",
	    "-t", "2.5",
	    "-P", "8",
	    "-d", "example.com",
	    "-e", "+",
	    "-T", "7.25",
	    "-M", "60",
	    "-R", "No such user here",
	    "-f", "-v"), CONFIG_OK);
	ck_assert_str_eq(err_txt, "");
	ck_assert_str_eq(cfg.socket, "inet:8890@127.0.0.1");
	ck_assert_str_eq(cfg.uris, "ldap://127.0.0.1:389");
	ck_assert_str_eq(cfg.base, "dc=example,dc=com");
	ck_assert_int_eq(cfg.scope, SCOPE_ONE);
	ck_assert_str_eq(cfg.filter, "(uid=%u)");
	ck_assert_str_eq(cfg.bind_dn, "cn=milter,dc=example,dc=com");
	ck_assert_str_eq(cfg.password_file, "/etc/milter-tarpit/ldap.secret");
	ck_assert_ptr_null(cfg.password);	/* read later, not here */
	ck_assert_int_eq(cfg.starttls, 1);
	ck_assert(cfg.ldap_timeout == 2.5);
	ck_assert_int_eq(cfg.pool_size, 8);
	ck_assert_uint_eq(cfg.ndomains, 1);
	ck_assert_str_eq(cfg.domains[0], "example.com");
	ck_assert_str_eq(cfg.delimiters, "+");
	ck_assert(cfg.delay == 7.25);
	ck_assert(cfg.milter_timeout == 60);
	ck_assert_str_eq(cfg.reject_text, "No such user here");
	ck_assert_int_eq(cfg.foreground, 1);
	ck_assert_int_eq(cfg.verbose, 1);
}
END_TEST

START_TEST(test_long_options)
{
	ck_assert_int_eq(PARSE("--socket", "unix:/tmp/mt.sock",
	    "--uri=ldaps://ldap.example.com",
	    "--base", "ou=people,dc=example,dc=com",
	    "--scope=base",
	    "--filter", "(|(mail=%s)(mailAlternateAddress=%s))",
	    "--bind-dn=cn=admin,dc=example,dc=com",
	    "--password-file", "/run/secret",
	    "--starttls",
	    "--ldap-timeout=0.1",
	    "--pool-size", "64",
	    "--domain=Example.ORG",
	    "--delimiter", "+-",
	    "--delay=0",
	    "--milter-timeout", "3600",
	    "--reject-text=Mailbox unavailable",
	    "--foreground", "--verbose"), CONFIG_OK);
	ck_assert_str_eq(err_txt, "");
	ck_assert_str_eq(cfg.socket, "unix:/tmp/mt.sock");
	ck_assert_str_eq(cfg.uris, "ldaps://ldap.example.com");
	ck_assert_str_eq(cfg.base, "ou=people,dc=example,dc=com");
	ck_assert_int_eq(cfg.scope, SCOPE_BASE);
	ck_assert_str_eq(cfg.filter, "(|(mail=%s)(mailAlternateAddress=%s))");
	ck_assert_str_eq(cfg.bind_dn, "cn=admin,dc=example,dc=com");
	ck_assert_str_eq(cfg.password_file, "/run/secret");
	ck_assert_int_eq(cfg.starttls, 1);
	ck_assert(cfg.ldap_timeout == 0.1);
	ck_assert_int_eq(cfg.pool_size, 64);
	ck_assert_uint_eq(cfg.ndomains, 1);
	ck_assert_str_eq(cfg.domains[0], "example.org");
	ck_assert_str_eq(cfg.delimiters, "+-");
	ck_assert(cfg.delay == 0);
	ck_assert(cfg.milter_timeout == 3600);
	ck_assert_str_eq(cfg.reject_text, "Mailbox unavailable");
	ck_assert_int_eq(cfg.foreground, 1);
	ck_assert_int_eq(cfg.verbose, 1);
}
END_TEST

START_TEST(test_sockets)
{
	ck_assert_int_eq(PARSE("-p", "unix:/run/x.sock"), CONFIG_OK);
	ck_assert_str_eq(cfg.socket, "unix:/run/x.sock");
	ck_assert_int_eq(PARSE("-p", "local:/run/y.sock"), CONFIG_OK);
	ck_assert_str_eq(cfg.socket, "local:/run/y.sock");
	ck_assert_int_eq(PARSE("-p", "inet6:8890@[::1]"), CONFIG_OK);
	ck_assert_str_eq(cfg.socket, "inet6:8890@[::1]");
	ck_assert_int_eq(PARSE("--socket=/run/z.sock"), CONFIG_OK);
	ck_assert_str_eq(cfg.socket, "/run/z.sock");
}
END_TEST

START_TEST(test_scopes)
{
	static const struct { const char *arg; enum config_scope want; } t[] = {
		{ "base", SCOPE_BASE }, { "BASE", SCOPE_BASE },
		{ "one", SCOPE_ONE }, { "onelevel", SCOPE_ONE },
		{ "sub", SCOPE_SUB }, { "subtree", SCOPE_SUB },
		{ "One", SCOPE_ONE },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cfg.scope = i % 2 ? SCOPE_BASE : SCOPE_ONE;
		if (cfg.scope == t[i].want)
			cfg.scope = SCOPE_SUB;
		ck_assert_int_eq(PARSE("-s", t[i].arg), CONFIG_OK);
		ck_assert_msg(cfg.scope == t[i].want, "-s %s: scope %d",
		    t[i].arg, (int)cfg.scope);
	}
}
END_TEST

START_TEST(test_later_wins)
{
	ck_assert_int_eq(PARSE("-p", "unix:/a", "-p", "unix:/b",
	    "-b", "dc=a", "--base", "dc=b", "-F", "(uid=%u)", "-F", "(cn=%u)",
	    "-D", "cn=a", "-D", "cn=b", "-y", "/a", "-y", "/b",
	    "-e", "+", "-e", "-", "-R", "one", "-R", "two",
	    "-T", "1", "-T", "2", "-t", "1", "-t", "3", "-P", "1", "-P", "2",
	    "-M", "10", "-M", "40"), CONFIG_OK);
	ck_assert_str_eq(cfg.socket, "unix:/b");
	ck_assert_str_eq(cfg.base, "dc=b");
	ck_assert_str_eq(cfg.filter, "(cn=%u)");
	ck_assert_str_eq(cfg.bind_dn, "cn=b");
	ck_assert_str_eq(cfg.password_file, "/b");
	ck_assert_str_eq(cfg.delimiters, "-");
	ck_assert_str_eq(cfg.reject_text, "two");
	ck_assert(cfg.delay == 2);
	ck_assert(cfg.ldap_timeout == 3);
	ck_assert_int_eq(cfg.pool_size, 2);
	ck_assert(cfg.milter_timeout == 40);
}
END_TEST

START_TEST(test_domains)
{
	ck_assert_int_eq(PARSE("-d", "Example.COM,Other.Example",
	    "-d", "THIRD.example", "--domain=a.example b.example",
	    "--domain", "trailing.example.", "-d", "x_y.example, z.example"),
	    CONFIG_OK);
	ck_assert_str_eq(err_txt, "");
	ck_assert_uint_eq(cfg.ndomains, 8);
	ck_assert_str_eq(cfg.domains[0], "example.com");
	ck_assert_str_eq(cfg.domains[1], "other.example");
	ck_assert_str_eq(cfg.domains[2], "third.example");
	ck_assert_str_eq(cfg.domains[3], "a.example");
	ck_assert_str_eq(cfg.domains[4], "b.example");
	ck_assert_str_eq(cfg.domains[5], "trailing.example");
	ck_assert_str_eq(cfg.domains[6], "x_y.example");
	ck_assert_str_eq(cfg.domains[7], "z.example");
}
END_TEST

START_TEST(test_domain_8bit)
{
	ck_assert_int_eq(PARSE("-d", "Ex\xc3\xa4mple.DE"), CONFIG_OK);
	ck_assert_uint_eq(cfg.ndomains, 1);
	/* kept as A-labels: the UTF-8 and the ASCII form are one domain */
	ck_assert_str_eq(cfg.domains[0], "xn--exmple-cua.de");
}
END_TEST

START_TEST(test_starttls)
{
	ck_assert_int_eq(PARSE("-Z"), CONFIG_OK);
	ck_assert_int_eq(cfg.starttls, 1);
	cfg.starttls = 0;
	ck_assert_int_eq(PARSE("-ZZ"), CONFIG_OK);
	ck_assert_int_eq(cfg.starttls, 2);
	cfg.starttls = 0;
	ck_assert_int_eq(PARSE("-Z", "-Z"), CONFIG_OK);
	ck_assert_int_eq(cfg.starttls, 2);
	cfg.starttls = 0;
	ck_assert_int_eq(PARSE("--starttls", "--starttls"), CONFIG_OK);
	ck_assert_int_eq(cfg.starttls, 2);
	cfg.starttls = 0;
	ck_assert_int_eq(PARSE("-ZZZ"), CONFIG_OK);
	ck_assert_int_eq(cfg.starttls, 2);
	cfg.starttls = 0;
	ck_assert_int_eq(PARSE("-fZvZ"), CONFIG_OK);
	ck_assert_int_eq(cfg.starttls, 2);
	ck_assert_int_eq(cfg.foreground, 1);
	ck_assert_int_eq(cfg.verbose, 1);
}
END_TEST

START_TEST(test_uris)
{
	ck_assert_int_eq(PARSE("-H", "ldap://a.example ldap://b.example",
	    "-H", "ldaps://c.example,ldapi://%2frun%2fslapd%2fldapi",
	    "--uri", "LDAP://d.example , ldap://e.example:3890"), CONFIG_OK);
	ck_assert_str_eq(err_txt, "");
	ck_assert_str_eq(cfg.uris, "ldap://a.example ldap://b.example "
	    "ldaps://c.example ldapi://%2frun%2fslapd%2fldapi "
	    "LDAP://d.example ldap://e.example:3890");
}
END_TEST

START_TEST(test_attached_values)
{
	ck_assert_int_eq(PARSE("-T5", "-dexample.com", "-P16", "-sbase"),
	    CONFIG_OK);
	ck_assert(cfg.delay == 5);
	ck_assert_uint_eq(cfg.ndomains, 1);
	ck_assert_str_eq(cfg.domains[0], "example.com");
	ck_assert_int_eq(cfg.pool_size, 16);
	ck_assert_int_eq(cfg.scope, SCOPE_BASE);
}
END_TEST

START_TEST(test_number_forms)
{
	ck_assert_int_eq(PARSE("-T", "0.5", "-t", "60", "-M", "1"), CONFIG_OK);
	ck_assert(cfg.delay == 0.5);
	ck_assert(cfg.ldap_timeout == 60);
	ck_assert(cfg.milter_timeout == 1);
	ck_assert_int_eq(PARSE("-T", "3600", "-P", "1"), CONFIG_OK);
	ck_assert(cfg.delay == 3600);
	ck_assert_int_eq(cfg.pool_size, 1);
	ck_assert_int_eq(PARSE("-T", ".5", "-t", "5."), CONFIG_OK);
	ck_assert(cfg.delay == 0.5);
	ck_assert(cfg.ldap_timeout == 5);
	ck_assert_int_eq(PARSE("-T", "007"), CONFIG_OK);
	ck_assert(cfg.delay == 7);
}
END_TEST

START_TEST(test_reparse)
{
	/* a refused cluster must not leave getopt state behind */
	ck_assert_int_eq(PARSE("-Zx"), CONFIG_USAGE);
	cfg.starttls = 0;
	ck_assert_int_eq(PARSE("-Z"), CONFIG_OK);
	ck_assert_int_eq(cfg.starttls, 1);
	ck_assert_int_eq(PARSE("-T", "abc"), CONFIG_USAGE);
	ck_assert_int_eq(PARSE("-T", "3"), CONFIG_OK);
	ck_assert(cfg.delay == 3);
}
END_TEST

/* --------------------------------------------------------- bad values */

START_TEST(test_bad_delay)
{
	static const char *const bad[] = {
		"abc", "-1", "3601", "1e3", "", "1.2.3", " 5", "5s", "0x10",
		"inf", "nan", ".", "+5", "3600.5",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char quoted[32];

		snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
		refused(PARSE("-T", bad[i]));
		HAS(err_txt, "-T/--delay", quoted, "seconds", "0 to 3600");
		ck_assert_msg(cfg.delay == 20.0, "-T %s changed delay",
		    bad[i]);
		refused(PARSE("--delay", bad[i]));
		HAS(err_txt, "-T/--delay", quoted, "0 to 3600");
	}
	refused(PARSE("--delay="));
	HAS(err_txt, "-T/--delay", "\"\"", "0 to 3600");
}
END_TEST

START_TEST(test_bad_ldap_timeout)
{
	static const char *const bad[] = { "0", "61", "0.05", "abc", "-5", "" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused(PARSE("-t", bad[i]));
		HAS(err_txt, "-t/--ldap-timeout", "seconds", "0.1 to 60");
		ck_assert(cfg.ldap_timeout == 5.0);
	}
	refused(PARSE("--ldap-timeout=61"));
	HAS(err_txt, "-t/--ldap-timeout", "\"61\"", "0.1 to 60");
}
END_TEST

START_TEST(test_bad_pool_size)
{
	static const char *const bad[] = { "0", "65", "1.5", "-1", "four",
	    "", "99999999999999999999" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused(PARSE("-P", bad[i]));
		HAS(err_txt, "-P/--pool-size", "whole number", "1 to 64");
		ck_assert_int_eq(cfg.pool_size, 4);
	}
	refused(PARSE("--pool-size", "1.5"));
	HAS(err_txt, "-P/--pool-size", "\"1.5\"", "1 to 64");
}
END_TEST

START_TEST(test_thread_stack)
{
	static const char *const bad[] = { "1", "63", "65537", "-1", "256k",
	    "1.5", "" };
	size_t i;

	ck_assert_int_eq(cfg.thread_stack_kb, 256);
	ck_assert_int_eq(PARSE("--thread-stack", "64"), CONFIG_OK);
	ck_assert_int_eq(cfg.thread_stack_kb, 64);
	ck_assert_int_eq(PARSE("--thread-stack=65536"), CONFIG_OK);
	ck_assert_int_eq(cfg.thread_stack_kb, 65536);
	ck_assert_int_eq(PARSE("--thread-stack", "0"), CONFIG_OK);
	ck_assert_int_eq(cfg.thread_stack_kb, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused(PARSE("--thread-stack", bad[i]));
		HAS(err_txt, "--thread-stack", "KiB", "64 to 65536");
	}
}
END_TEST

START_TEST(test_bad_milter_timeout)
{
	static const char *const bad[] = { "0", "0.5", "3601", "x", "" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused(PARSE("-M", bad[i]));
		HAS(err_txt, "-M/--milter-timeout", "seconds", "1 to 3600");
		ck_assert(cfg.milter_timeout == 30.0);
	}
	refused(PARSE("--milter-timeout=0"));
	HAS(err_txt, "-M/--milter-timeout", "\"0\"");
}
END_TEST

START_TEST(test_bad_scope)
{
	refused(PARSE("-s", "tree"));
	HAS(err_txt, "-s/--scope", "\"tree\"", "base, one or sub");
	ck_assert_int_eq(cfg.scope, SCOPE_SUB);
	refused(PARSE("--scope=children"));
	HAS(err_txt, "-s/--scope", "\"children\"", "base, one or sub");
	refused(PARSE("-s", ""));
	HAS(err_txt, "-s/--scope");
}
END_TEST

START_TEST(test_bad_filter)
{
	refused(PARSE("-F", "(mail=%x)"));
	HAS(err_txt, "-F/--filter", "(mail=%x)", "%");
	ck_assert_str_eq(cfg.filter, "(mail=%s)");
	refused(PARSE("--filter", "mail=%s"));
	HAS(err_txt, "-F/--filter", "start");
	refused(PARSE("-F", "(mail=%s"));
	HAS(err_txt, "-F/--filter", "unbalanced");
	refused(PARSE("-F", "(mail=alice)"));
	HAS(err_txt, "-F/--filter", "%s, %u, %d");
	refused(PARSE("-F", "(mail=%s)(uid=%u)"));
	HAS(err_txt, "-F/--filter", "after");
	refused(PARSE("-F", "(mail=%s\n)"));
	HAS(err_txt, "-F/--filter", "control");
	ck_assert_str_eq(cfg.filter, "(mail=%s)");
}
END_TEST

START_TEST(test_bad_uri)
{
	refused(PARSE("-H", "http://ldap.example.com"));
	HAS(err_txt, "-H/--uri", "\"http://ldap.example.com\"", "ldap://",
	    "ldaps://", "ldapi://");
	refused(PARSE("--uri", "ldap://ok.example,ldap.example.com"));
	HAS(err_txt, "-H/--uri", "\"ldap.example.com\"", "ldap://");
	refused(PARSE("-H", ""));
	HAS(err_txt, "-H/--uri", "empty");
	refused(PARSE("-H", " , "));
	HAS(err_txt, "-H/--uri", "empty");
}
END_TEST

START_TEST(test_bad_socket)
{
	refused(PARSE("-p", "foo"));
	HAS(err_txt, "-p/--socket", "\"foo\"", "unix:", "inet:");
	ck_assert_str_eq(cfg.socket, CONFIG_DEFAULT_SOCKET);
	refused(PARSE("--socket=tcp:25"));
	HAS(err_txt, "-p/--socket", "\"tcp:25\"", "unix:");
}
END_TEST

START_TEST(test_bad_domain)
{
	static const char *const bad[] = {
		"a..b", ".example.com", ".", "exa!mple.com", "exa/mple",
		"example.com..", "ex@mple.com",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused(PARSE("-d", bad[i]));
		HAS(err_txt, "-d/--domain", "domain name", "letters");
	}
	refused(PARSE("-d", "a..b"));
	HAS(err_txt, "\"a..b\"");
	refused(PARSE("-d", ""));
	HAS(err_txt, "-d/--domain", "domain");
	refused(PARSE("--domain=,"));
	HAS(err_txt, "-d/--domain", "domain");
}
END_TEST

START_TEST(test_long_domain)
{
	char dom[300];
	int i;

	/* labels of 63 octets; 256 octets in all, no trailing dot */
	for (i = 0; i < 256; i++)
		dom[i] = (i % 64 == 63 && i < 255) ? '.' : 'a';
	dom[256] = '\0';
	refused(PARSE("-d", dom));
	HAS(err_txt, "-d/--domain");
	dom[255] = '\0';
	ck_assert_int_eq(PARSE("-d", dom), CONFIG_OK);
	ck_assert_str_eq(cfg.domains[0], dom);
}
END_TEST

START_TEST(test_bad_delimiter)
{
	static const char *const bad[] = { "@", "", "+@", "\"", " ", "<",
	    ">", "+-=_.~!#$", "\t" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused(PARSE("-e", bad[i]));
		HAS(err_txt, "-e/--delimiter", "delimiter", "1 to 8");
		ck_assert_ptr_null(cfg.delimiters);
	}
	refused(PARSE("--delimiter=@"));
	HAS(err_txt, "-e/--delimiter", "\"@\"");
	ck_assert_int_eq(PARSE("-e", "+-=_.~!#"), CONFIG_OK);
	ck_assert_str_eq(cfg.delimiters, "+-=_.~!#");
}
END_TEST

START_TEST(test_bad_reject_text)
{
	char big[402];

	refused(PARSE("-R", "User unknown\n250 OK"));
	HAS(err_txt, "-R/--reject-text", "printable");
	ck_assert_str_eq(cfg.reject_text, CONFIG_DEFAULT_REJECT);
	refused(PARSE("--reject-text", "a\rb"));
	HAS(err_txt, "-R/--reject-text", "printable");
	refused(PARSE("-R", ""));
	HAS(err_txt, "-R/--reject-text", "1 to 400");
	refused(PARSE("-R", "Benutzer unbekannt \xc3\xbc"));
	HAS(err_txt, "-R/--reject-text", "ASCII");
	memset(big, 'x', 401);
	big[401] = '\0';
	refused(PARSE("-R", big));
	HAS(err_txt, "-R/--reject-text", "1 to 400");
	big[400] = '\0';
	ck_assert_int_eq(PARSE("-R", big), CONFIG_OK);
	ck_assert_str_eq(cfg.reject_text, big);
	ck_assert_int_eq(PARSE("-R", "100% unknown"), CONFIG_OK);
	ck_assert_str_eq(cfg.reject_text, "100% unknown");
}
END_TEST

/* ---------------------------------------------------------- usage etc */

START_TEST(test_unknown_option)
{
	refused(PARSE("-x"));
	HAS(err_txt, "unknown option", "-x", "--help");
	refused(PARSE("-d", "example.com", "--bogus"));
	HAS(err_txt, "unknown option", "--bogus", "--help");
	refused(PARSE("--bogus=1"));
	HAS(err_txt, "unknown option", "--bogus");
}
END_TEST

START_TEST(test_flag_with_value)
{
	/* a flag that takes no value, given one, is not "unknown -f" */
	refused(PARSE("--foreground=yes"));
	HAS(err_txt, "--foreground");
	refused(PARSE("--starttls=2"));
	HAS(err_txt, "--starttls");
}
END_TEST

START_TEST(test_missing_value)
{
	refused(PARSE("-T"));
	HAS(err_txt, "-T/--delay", "needs a value");
	refused(PARSE("--delay"));
	HAS(err_txt, "-T/--delay", "needs a value");
	refused(PARSE("-f", "-d"));
	HAS(err_txt, "-d/--domain", "needs a value");
	refused(PARSE("--password-file"));
	HAS(err_txt, "-y/--password-file", "needs a value");
	ck_assert_uint_eq(cfg.ndomains, 0);
}
END_TEST

START_TEST(test_stray_argument)
{
	refused(PARSE("-d", "example.com", "extra"));
	HAS(err_txt, "unexpected argument", "\"extra\"");
	refused(PARSE("stray", "-f"));
	HAS(err_txt, "unexpected argument", "\"stray\"");
	refused(PARSE("-f", "--", "-v"));
	HAS(err_txt, "unexpected argument", "\"-v\"");
}
END_TEST

START_TEST(test_help)
{
	static const char *const longs[] = {
		"--socket", "--uri", "--base", "--scope", "--filter",
		"--bind-dn", "--password-file", "--starttls", "--ldap-timeout",
		"--pool-size", "--domain", "--delimiter", "--delay",
		"--milter-timeout", "--reject-text", "--foreground",
		"--verbose", "--help", "--version",
	};
	size_t i;

	ck_assert_int_eq(PARSE("--help"), CONFIG_DONE);
	ck_assert_str_eq(err_txt, "");
	HAS(out_txt, "Usage: milter-tarpit");
	for (i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
		HAS(out_txt, longs[i]);
	ck_assert_int_eq(PARSE("-d", "example.com", "-h"), CONFIG_DONE);
	HAS(out_txt, "Usage: milter-tarpit");
	ck_assert_str_eq(err_txt, "");
}
END_TEST

START_TEST(test_version)
{
	ck_assert_int_eq(PARSE("--version"), CONFIG_DONE);
	ck_assert_str_eq(out_txt, "milter-tarpit " PACKAGE_VERSION "\n");
	ck_assert_str_eq(out_txt, "milter-tarpit 0.1.0\n");
	ck_assert_str_eq(err_txt, "");
	ck_assert_int_eq(PARSE("-V"), CONFIG_DONE);
	ck_assert_str_eq(out_txt, "milter-tarpit 0.1.0\n");
}
END_TEST

/* -------------------------------------------------------------- check */

START_TEST(test_check_ok)
{
	ck_assert_int_eq(PARSE("-d", "example.com"), CONFIG_OK);
	ck_assert_int_eq(check_cfg(), 0);
	ck_assert_str_eq(err_txt, "");
	ck_assert_int_eq(PARSE("-D", "cn=x", "-y", "/nonexistent"), CONFIG_OK);
	ck_assert_int_eq(check_cfg(), 0);	/* the file is read later */
	ck_assert_str_eq(err_txt, "");
}
END_TEST

START_TEST(test_check_no_domain)
{
	ck_assert_int_eq(PARSE("-b", "dc=example,dc=com"), CONFIG_OK);
	ck_assert_int_eq(check_cfg(), -1);
	HAS(err_txt, "milter-tarpit: ", "-d/--domain");
}
END_TEST

START_TEST(test_check_bind)
{
	ck_assert_int_eq(PARSE("-d", "example.com", "-D", "cn=x"), CONFIG_OK);
	ck_assert_int_eq(check_cfg(), -1);
	HAS(err_txt, "-D/--bind-dn", "-y/--password-file");
	config_free(&cfg);
	config_init(&cfg);
	ck_assert_int_eq(PARSE("-d", "example.com", "-y", "/tmp/pw"),
	    CONFIG_OK);
	ck_assert_int_eq(check_cfg(), -1);
	HAS(err_txt, "-y/--password-file", "-D/--bind-dn");
}
END_TEST

START_TEST(test_check_all_reported)
{
	ck_assert_int_eq(PARSE("-D", "cn=x", "-T", "100"), CONFIG_OK);
	ck_assert_int_eq(check_cfg(), -1);
	HAS(err_txt, "-d/--domain", "-y/--password-file", "margin");
}
END_TEST

/* margin - parse args with -d, run config_check, return its result */
static int
margin_v(const char *const *args)
{
	const char *argv[MAXARGS];
	int n = 0;

	argv[n++] = "-d";
	argv[n++] = "example.com";
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	config_free(&cfg);
	config_init(&cfg);
	ck_assert_int_eq(parse_v(argv), CONFIG_OK);
	return check_cfg();
}

#define MARGIN(...) margin_v((const char *const[]){ __VA_ARGS__, NULL })

START_TEST(test_check_margin)
{
	ck_assert_int_eq(MARGIN("-T", "26"), -1);
	HAS(err_txt, "margin", "-T/--delay", "-M/--milter-timeout", "26",
	    "30");
	ck_assert_int_eq(MARGIN("-T", "20"), 0);
	ck_assert_str_eq(err_txt, "");
	ck_assert_int_eq(MARGIN("-T", "40", "-M", "60"), 0);
	ck_assert_int_eq(MARGIN("-T", "40"), -1);
	HAS(err_txt, "margin");
	/* exactly on the edge: 24.5 + 0.5 + 5 = 30 */
	ck_assert_int_eq(MARGIN("-T", "24.5", "-t", "0.5"), 0);
	ck_assert_int_eq(MARGIN("-T", "24.5", "-t", "1"), -1);
	ck_assert_int_eq(MARGIN("-T", "25"), -1);
	/* the LDAP timeout counts as well */
	ck_assert_int_eq(MARGIN("-T", "0", "-t", "60"), -1);
	HAS(err_txt, "margin", "-t/--ldap-timeout");
	ck_assert_int_eq(MARGIN("-T", "0", "-t", "60", "-M", "65"), 0);
	ck_assert_int_eq(MARGIN("-T", "0", "-t", "0.1", "-M", "1"), -1);
	ck_assert_int_eq(MARGIN("-T", "3600", "-M", "3600"), -1);
}
END_TEST

/* ----------------------------------------------------------- password */

static char pw_path[64];

/* pw_file - create a temporary file with content and mode */
static const char *
pw_file(const char *content, size_t len, mode_t mode)
{
	int fd;
	const char *tmp = getenv("TMPDIR");

	snprintf(pw_path, sizeof(pw_path), "%s/check_config.XXXXXX",
	    tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	fd = mkstemp(pw_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	free(cfg.password_file);
	cfg.password_file = strdup(pw_path);
	return pw_path;
}

#define PW(s, mode) pw_file((s), sizeof(s) - 1, (mode))

static void
pw_teardown(void)
{
	if (pw_path[0])
		unlink(pw_path);
	pw_path[0] = '\0';
	teardown();
}

START_TEST(test_pw_none)
{
	ck_assert_int_eq(load_pw(), 0);
	ck_assert_ptr_null(cfg.password);
	ck_assert_str_eq(err_txt, "");
}
END_TEST

START_TEST(test_pw_first_line)
{
	PW("s3cret\nsecond line\n", 0600);
	ck_assert_int_eq(load_pw(), 0);
	ck_assert_str_eq(cfg.password, "s3cret");
	ck_assert_str_eq(err_txt, "");
}
END_TEST

START_TEST(test_pw_forms)
{
	PW("no-newline", 0600);
	ck_assert_int_eq(load_pw(), 0);
	ck_assert_str_eq(cfg.password, "no-newline");
	unlink(pw_path);
	PW("crlf\r\nrest\r\n", 0400);
	ck_assert_int_eq(load_pw(), 0);	/* loading again replaces */
	ck_assert_str_eq(cfg.password, "crlf");
	unlink(pw_path);
	PW("  pass word #x \t\n", 0600);
	ck_assert_int_eq(load_pw(), 0);
	ck_assert_str_eq(cfg.password, "  pass word #x \t");
	ck_assert_str_eq(err_txt, "");
}
END_TEST

START_TEST(test_pw_long)
{
	char buf[1100];

	memset(buf, 'p', sizeof(buf));
	buf[1024] = '\n';
	pw_file(buf, 1025, 0600);
	ck_assert_int_eq(load_pw(), 0);
	ck_assert_uint_eq(strlen(cfg.password), 1024);
	unlink(pw_path);
	pw_file(buf, 1024, 0600);	/* no newline */
	ck_assert_int_eq(load_pw(), 0);
	ck_assert_uint_eq(strlen(cfg.password), 1024);
	unlink(pw_path);
	memset(buf, 'p', sizeof(buf));
	buf[1025] = '\n';
	pw_file(buf, 1026, 0600);
	ck_assert_int_eq(load_pw(), -1);
	HAS(err_txt, "-y/--password-file", pw_path, "longer");
	unlink(pw_path);
	pw_file(buf, sizeof(buf), 0600);
	ck_assert_int_eq(load_pw(), -1);
	HAS(err_txt, "longer");
}
END_TEST

START_TEST(test_pw_nul)
{
	PW("pass\0word\n", 0600);
	ck_assert_int_eq(load_pw(), -1);
	HAS(err_txt, "-y/--password-file", pw_path, "NUL byte");
	ck_assert_ptr_null(cfg.password);
}
END_TEST

/* optfile - optfile_read on content (with NULs) */
static int
optfile(const char *content, size_t len)
{
	size_t errlen;
	FILE *err;
	int rc;

	pw_file(content, len, 0600);
	free(err_txt);
	err_txt = NULL;
	err = open_memstream(&err_txt, &errlen);
	ck_assert_ptr_nonnull(err);
	rc = optfile_read(&cfg, pw_path, err);
	fclose(err);
	return rc;
}
#define OPTFILE(s) optfile((s), sizeof(s) - 1)

START_TEST(test_optfile_nul)
{
	char where[80];

	/* named as such, on its line; the lines around it still count */
	ck_assert_int_eq(OPTFILE("domain example.com\nreject-text x\0y\n"
	    "delay 7\n"), -1);
	snprintf(where, sizeof(where), "%s:2:", pw_path);
	HAS(err_txt, where, "NUL byte");
	ck_assert_msg(strstr(err_txt, "longer") == NULL, "%s", err_txt);
	ck_assert(cfg.delay == 7.0);
	unlink(pw_path);
	/* the last line, without a newline: refused, not cut at the NUL */
	ck_assert_int_eq(OPTFILE("domain example.org\0junk"), -1);
	snprintf(where, sizeof(where), "%s:1:", pw_path);
	HAS(err_txt, where, "NUL byte");
	unlink(pw_path);
	/* a line of exactly the maximum is still fine */
	ck_assert_int_eq(OPTFILE("# comment\ndelay 9"), 0);
	ck_assert(cfg.delay == 9.0);
	unlink(pw_path);
}
END_TEST

START_TEST(test_pw_empty)
{
	PW("", 0600);
	ck_assert_int_eq(load_pw(), -1);
	HAS(err_txt, "-y/--password-file", pw_path, "empty");
	ck_assert_ptr_null(cfg.password);
	unlink(pw_path);
	PW("\nsecond\n", 0600);
	ck_assert_int_eq(load_pw(), -1);
	HAS(err_txt, pw_path, "empty");
	ck_assert_ptr_null(cfg.password);
}
END_TEST

START_TEST(test_pw_missing)
{
	cfg.password_file = strdup("/nonexistent/dir/ldap.secret");
	ck_assert_int_eq(load_pw(), -1);
	HAS(err_txt, "milter-tarpit: ", "-y/--password-file",
	    "/nonexistent/dir/ldap.secret", "No such file");
	ck_assert_ptr_null(cfg.password);
}
END_TEST

START_TEST(test_pw_world_readable)
{
	PW("s3cret\n", 0644);
	ck_assert_int_eq(load_pw(), 0);
	ck_assert_str_eq(cfg.password, "s3cret");
	HAS(err_txt, "warning", pw_path, "everyone");
	unlink(pw_path);
	PW("s3cret\n", 0640);	/* group-readable is the Debian way */
	ck_assert_int_eq(load_pw(), 0);
	ck_assert_str_eq(err_txt, "");
}
END_TEST

/* -------------------------------------------------------------- local */

START_TEST(test_is_local)
{
	ck_assert(!config_is_local(&cfg, "example.com"));
	ck_assert_int_eq(PARSE("-d", "Example.com,b.example"), CONFIG_OK);
	ck_assert(config_is_local(&cfg, "example.com"));
	ck_assert(config_is_local(&cfg, "b.example"));
	ck_assert(!config_is_local(&cfg, "c.example"));
	/* subdomains count, as relay_domains does in Postfix by default */
	ck_assert(config_is_local(&cfg, "sub.example.com"));
	ck_assert(!config_is_local(&cfg, "example.co"));
	ck_assert(!config_is_local(&cfg, "example.com.evil"));
	ck_assert(!config_is_local(&cfg, ""));
	ck_assert_int_eq(PARSE("-d", "example.com", "--subdomains", "no"),
	    CONFIG_OK);
	ck_assert(!config_is_local(&cfg, "sub.example.com"));
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("defaults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_defaults);
	tcase_add_test(tc, test_no_args);
	tcase_add_test(tc, test_free_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_short_options);
	tcase_add_test(tc, test_long_options);
	tcase_add_test(tc, test_sockets);
	tcase_add_test(tc, test_scopes);
	tcase_add_test(tc, test_later_wins);
	tcase_add_test(tc, test_domains);
	tcase_add_test(tc, test_domain_8bit);
	tcase_add_test(tc, test_starttls);
	tcase_add_test(tc, test_uris);
	tcase_add_test(tc, test_attached_values);
	tcase_add_test(tc, test_number_forms);
	tcase_add_test(tc, test_reparse);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad_values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bad_delay);
	tcase_add_test(tc, test_bad_ldap_timeout);
	tcase_add_test(tc, test_bad_pool_size);
	tcase_add_test(tc, test_thread_stack);
	tcase_add_test(tc, test_bad_milter_timeout);
	tcase_add_test(tc, test_bad_scope);
	tcase_add_test(tc, test_bad_filter);
	tcase_add_test(tc, test_bad_uri);
	tcase_add_test(tc, test_bad_socket);
	tcase_add_test(tc, test_bad_domain);
	tcase_add_test(tc, test_long_domain);
	tcase_add_test(tc, test_bad_delimiter);
	tcase_add_test(tc, test_bad_reject_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("usage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unknown_option);
	tcase_add_test(tc, test_flag_with_value);
	tcase_add_test(tc, test_missing_value);
	tcase_add_test(tc, test_stray_argument);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_version);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_check_ok);
	tcase_add_test(tc, test_check_no_domain);
	tcase_add_test(tc, test_check_bind);
	tcase_add_test(tc, test_check_all_reported);
	tcase_add_test(tc, test_check_margin);
	suite_add_tcase(s, tc);

	tc = tcase_create("password");
	tcase_add_checked_fixture(tc, setup, pw_teardown);
	tcase_add_test(tc, test_pw_none);
	tcase_add_test(tc, test_pw_first_line);
	tcase_add_test(tc, test_pw_forms);
	tcase_add_test(tc, test_pw_long);
	tcase_add_test(tc, test_pw_nul);
	tcase_add_test(tc, test_optfile_nul);
	tcase_add_test(tc, test_pw_empty);
	tcase_add_test(tc, test_pw_missing);
	tcase_add_test(tc, test_pw_world_readable);
	suite_add_tcase(s, tc);

	tc = tcase_create("local");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_is_local);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
