/*
 * NAME
 *	check_alloc 1
 * SUMMARY
 *	unit tests: every allocation of the option parser (src/flags.c) and
 *	of the LDAP backend set-up (src/directory_ldap.c) is checked
 * DESCRIPTION
 *	This program replaces malloc, calloc and realloc (glibc calls the
 *	replacement from strdup and strndup too) so that one chosen
 *	allocation fails. For each option, and for directory_ldap_open(),
 *	the n-th allocation fails for n = 0, 1, ... until the call makes
 *	fewer than n + 1: each failing run must be refused (-1) with a
 *	message, never crash and never report success; the run that is not
 *	disturbed must succeed. Under AddressSanitizer or ThreadSanitizer,
 *	which own malloc, the tests skip.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "config.h"
#include "directory.h"
#include "directory_ldap.h"
#include "flags.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define ALLOC_HOOK 0
#else
#define ALLOC_HOOK 1
#endif

static int countdown = -1;	/* allocations left before the failure */

#if ALLOC_HOOK
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

/* fail_now - is this the allocation chosen to fail */
static int
fail_now(void)
{
	return countdown >= 0 && countdown-- == 0;
}

/* malloc - the libc one, or NULL when chosen */
void *
malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}

/* calloc - the libc one, or NULL when chosen */
void *
calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __libc_calloc(n, size);
}

/* realloc - the libc one, or NULL when chosen */
void *
realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}
#endif

/* one option and its value */
static const struct {
	int	c;
	const char *arg;
} opts[] = {
	{ 'H', "ldap://a.example ldap://b.example,ldap://c.example" },
	{ 'H', "file:/etc/milter-tarpit/users" },
	{ 'd', "example.com, example.org" },	/* not IDN: libidn2 may */
						/* survive a failure */
	{ 'u', "milter:milter" },
	{ 'u', "milter" },
	{ OPT_TRUSTED, "192.0.2.0/24,2001:db8::/32" },
	{ OPT_OWN_ADDRESSES, "192.0.2.1 198.51.100.0/24" },
	{ 'b', "dc=example,dc=com" },
	{ 'p', "inet:10025@127.0.0.1" },
	{ 'F', "(uid=%u)" },
};

/* apply - flags_apply with allocation n failing; its status, *hit set */
static int
apply(int i, int n, int *hit, char **msg)
{
	struct config cfg;
	size_t len;
	FILE *err;
	int rc;

	config_init(&cfg);
	*msg = NULL;
	ck_assert_ptr_nonnull(err = open_memstream(msg, &len));
	countdown = n;
	rc = flags_apply(&cfg, opts[i].c, opts[i].arg, err);
	*hit = countdown < 0;
	countdown = -1;
	fclose(err);
	config_free(&cfg);
	return rc;
}

START_TEST(test_flags_oom)
{
	int n, hit, rc;
	char *msg;

	if (!ALLOC_HOOK)
		return;
	for (n = 0; n < 100; n++) {
		rc = apply(_i, n, &hit, &msg);
		if (!hit) {
			ck_assert_msg(rc == 0, "option %d \"%s\": %d without"
			    " a failure: %s", opts[_i].c, opts[_i].arg, rc, msg);
			free(msg);
			return;
		}
		ck_assert_msg(rc == -1 && strstr(msg, "out of memory"),
		    "option %d \"%s\", allocation %d failing: status %d,"
		    " message \"%s\"", opts[_i].c, opts[_i].arg, n, rc, msg);
		free(msg);
	}
	ck_abort_msg("option %d: more than 100 allocations", opts[_i].c);
}
END_TEST

START_TEST(test_ldap_open_oom)
{
	struct config cfg;
	struct directory d;
	char err[512];
	LDAP *warm = NULL;
	int n, rc, hit;

	if (!ALLOC_HOOK)
		return;
	/* libldap's one-time set-up (ldap.conf) is done before any failure */
	ck_assert_int_eq(ldap_initialize(&warm, "ldap://127.0.0.1:1"), 0);
	ldap_unbind_ext(warm, NULL, NULL);
	config_init(&cfg);
	ck_assert_int_eq(flags_apply(&cfg, 'H', "ldap://127.0.0.1:1"
	    " ldap://127.0.0.1:2", stderr), 0);
	ck_assert_int_eq(flags_apply(&cfg, 'b', "dc=example,dc=com",
	    stderr), 0);
	ck_assert_int_eq(flags_apply(&cfg, 'D', "cn=milter,dc=example,dc=com",
	    stderr), 0);
	cfg.password = strdup("secret");
	for (n = 0; n < 200; n++) {
		err[0] = '\0';
		memset(&d, 0, sizeof(d));
		countdown = n;
		rc = directory_ldap_open(&d, &cfg, err, sizeof(err));
		hit = countdown < 0;
		countdown = -1;
		if (!hit) {
			ck_assert_msg(rc == 0, "%d without a failure: %s", rc,
			    err);
			directory_close(&d);
			config_free(&cfg);
			return;
		}
		ck_assert_msg(rc == -1 && err[0] != '\0', "allocation %d"
		    " failing: status %d, message \"%s\"", n, rc, err);
	}
	ck_abort_msg("more than 200 allocations");
}
END_TEST

/* alloc_suite - the tests */
static Suite *
alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("oom");

	tcase_add_loop_test(tc, test_flags_oom, 0,
	    (int)(sizeof(opts) / sizeof(opts[0])));
	tcase_add_test(tc, test_ldap_open_oom);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(alloc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
