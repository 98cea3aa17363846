/*
 * NAME
 *	check_directory_file 1
 * SUMMARY
 *	unit tests for src/directory_file.c: the file of addresses
 * DESCRIPTION
 *	Each test writes its file with mkstemp(3) in /tmp, opens it with
 *	directory_file_open() and looks addresses up as the milter does
 *	(parsed with addr_parse, alone or with their form without "+tag").
 *	Lookups may only say found or not found; a bad file is refused
 *	whole, with a message naming file and line, and a reload that fails
 *	keeps the old contents answering.
 *
 *	Every test frees what it made and removes its file: the program is
 *	meant to be clean under valgrind with CK_FORK=no.
 */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "directory.h"
#include "directory_file.h"

#define LINE_MAX_LEN 2048	/* as in directory_file.c */

static pid_t main_pid;		/* names the files of this run */
static char path[64];		/* the test's file */
static struct directory dir;
static char err[512];

static void
setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_directory_file.%ld.XXXXXX",
	    (long)main_pid);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	memset(&dir, 0, sizeof(dir));
	err[0] = '\0';
}

static void
teardown(void)
{
	directory_close(&dir);
	unlink(path);
	path[0] = '\0';
}

/* remove_left - a failed test ends its process before its teardown */
static void
remove_left(void)
{
	char pat[64];
	glob_t g;
	size_t i;

	snprintf(pat, sizeof(pat), "/tmp/check_directory_file.%ld.*",
	    (long)main_pid);
	if (glob(pat, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
}

/* put - replace the file's contents */
static void
put(const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_ge(fputs(text, fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
}

/* load - put text and open it; it must be accepted */
static void
load(const char *text)
{
	put(text);
	ck_assert_msg(directory_file_open(&dir, path, err, sizeof(err)) == 0,
	    "refused: %s", err);
	ck_assert_ptr_nonnull(dir.ops);
}

/* look - look addr up alone, or with its base form if it has "+tag" */
static enum dir_result
look2(struct directory *d, const char *addr, int with_base)
{
	struct addr alts[DIR_ALTS_MAX];
	struct dir_query q;
	size_t n = 1;
	enum dir_result r;

	ck_assert_msg(addr_parse(addr, &alts[0], NULL) == ADDR_OK,
	    "bad test address %s", addr);
	if (with_base && addr_strip_extension(&alts[0], "+", &alts[1]))
		n = 2;
	r = directory_lookup(d, alts, n, &q);
	ck_assert_msg(r != DIR_ERROR, "%s: error \"%s\"", addr, q.error);
	ck_assert_str_eq(q.error, "");
	return r;
}

static enum dir_result
look(const char *addr)
{
	return look2(&dir, addr, 0);
}

#define found(a)	ck_assert_msg(look(a) == DIR_FOUND, "%s not found", (a))
#define notfound(a)	ck_assert_msg(look(a) == DIR_NOTFOUND, "%s found", (a))

/* refused - open refuses text, naming path:line and word */
static void
refused(const char *text, size_t line, const char *word)
{
	struct directory d = { NULL, NULL };
	char want[96];

	put(text);
	snprintf(want, sizeof(want), "%s:%zu:", path, line);
	ck_assert_msg(directory_file_open(&d, path, err, sizeof(err)) == -1,
	    "accepted: \"%s\"", text);
	ck_assert_ptr_null(d.ops);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "file \"%s\": "
	    "error \"%s\" does not start with \"%s\"", text, err, want);
	ck_assert_msg(strstr(err, word) != NULL, "file \"%s\": error \"%s\" "
	    "lacks \"%s\"", text, err, word);
}

/* counts - the file must load with these counts, as its summary says */
static void
counts(size_t want_addrs, size_t want_domains)
{
	struct directory d = { NULL, NULL };
	char want[160];

	ck_assert_msg(directory_file_open(&d, path, err, sizeof(err)) == 0,
	    "refused: %s", err);
	directory_close(&d);
	snprintf(want, sizeof(want), "%s: %zu addresses, %zu catch-all"
	    " domains", path, want_addrs, want_domains);
	ck_assert_str_eq(err, want);
}

/* ------------------------------------------------------------- lookup */

START_TEST(test_case_insensitive)
{
	load("Bob@Example.com\nALICE@EXAMPLE.ORG\n");
	/* a successful open says what it loaded */
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, "2 addresses"));
	ck_assert_ptr_nonnull(strstr(err, "0 catch-all"));
	found("bob@example.com");
	found("BOB@EXAMPLE.COM");
	found("<Bob@Example.Com>");
	found("alice@example.org");
	found("Alice@Example.Org.");
	notfound("bob@example.org");
	notfound("alice@example.com");
	notfound("bobby@example.com");
	notfound("bo@example.com");
	counts(2, 0);
}
END_TEST

START_TEST(test_quoting_normalised)
{
	load("\"Carol Smith\"@example.com\n"
	    "\"dave\"@example.com\n"
	    "erin@example.com\n"
	    "<frank@example.com>\n"
	    "\"q\\\"uote\"@example.com\n");
	found("\"carol smith\"@example.com");
	found("\"CAROL SMITH\"@EXAMPLE.COM");
	found("dave@example.com");
	found("\"dave\"@example.com");
	found("\"erin\"@example.com");
	found("\"er\\in\"@example.com");
	found("frank@example.com");
	found("\"q\\\"uote\"@example.com");
	notfound("carol@example.com");
	notfound("smith@example.com");
	counts(5, 0);
}
END_TEST

START_TEST(test_catch_all)
{
	load("@Example.ORG\n@example.net.\n@[192.0.2.1]\nbob@example.com\n");
	found("anyone@example.org");
	found("POSTMASTER@example.org");
	found("\"x y\"@example.org");
	found("anyone@example.net");
	found("anyone@[192.0.2.1]");
	notfound("anyone@sub.example.org");
	notfound("anyone@example.org.uk");
	notfound("anyone@org");
	notfound("anyone@example.com");
	found("bob@example.com");
	counts(1, 3);
}
END_TEST

START_TEST(test_comments_blank_whitespace)
{
	load("# the users\n"
	    "\n"
	    "   # indented comment\n"
	    "   \n"
	    "\t\n"
	    "  alice@example.com  \n"
	    "\tbob@example.com\t# trailing comment\n"
	    "carol@example.com# no space\n"
	    "dave@example.com\r\n"
	    "#eve@example.com\n"
	    "  # frank@example.com\n"
	    "@example.org # catch-all with a comment\n"
	    "\n");
	found("alice@example.com");
	found("bob@example.com");
	found("carol@example.com");
	found("dave@example.com");
	found("x@example.org");
	notfound("eve@example.com");
	notfound("frank@example.com");
	counts(4, 1);
}
END_TEST

START_TEST(test_last_line_without_newline)
{
	load("alice@example.com\nbob@example.com");
	found("alice@example.com");
	found("bob@example.com");
	counts(2, 0);
}
END_TEST

START_TEST(test_alternatives)
{
	load("user@example.com\ntagged+only@example.com\n@catch.example\n");
	/* only the base is listed: found through the second alternative */
	ck_assert_int_eq(look2(&dir, "user+tag@example.com", 1), DIR_FOUND);
	ck_assert_int_eq(look2(&dir, "user+tag@example.com", 0),
	    DIR_NOTFOUND);
	/* only the tagged form is listed: found through the first */
	ck_assert_int_eq(look2(&dir, "tagged+only@example.com", 1), DIR_FOUND);
	ck_assert_int_eq(look2(&dir, "tagged@example.com", 1), DIR_NOTFOUND);
	ck_assert_int_eq(look2(&dir, "tagged+other@example.com", 1),
	    DIR_NOTFOUND);
	/* neither */
	ck_assert_int_eq(look2(&dir, "other+tag@example.com", 1),
	    DIR_NOTFOUND);
	/* catch-all through either */
	ck_assert_int_eq(look2(&dir, "a+b@catch.example", 1), DIR_FOUND);
}
END_TEST

START_TEST(test_not_listed)
{
	struct addr a;
	struct dir_query q;

	load("alice@example.com\n@example.org\n");
	notfound("bob@example.com");
	notfound("alice@example.co");
	notfound("alice@example.com.au");
	notfound("lice@example.com");
	notfound("x@example.net");
	notfound("\"alice \"@example.com");
	/* an address without domain is not an error either */
	ck_assert_int_eq(addr_parse("postmaster", &a, NULL), ADDR_OK);
	ck_assert_int_eq(directory_lookup(&dir, &a, 1, &q), DIR_NOTFOUND);
	ck_assert_str_eq(q.cache, "off");
	ck_assert_str_eq(q.filter, "postmaster");
	ck_assert_str_eq(q.error, "");
}
END_TEST

START_TEST(test_query_filled)
{
	struct addr a;
	struct dir_query q;

	load("alice@example.com\n");
	ck_assert_int_eq(addr_parse("<Alice@Example.com>", &a, NULL), ADDR_OK);
	ck_assert_int_eq(directory_lookup(&dir, &a, 1, &q), DIR_FOUND);
	ck_assert_str_eq(q.filter, "alice@example.com");
	ck_assert_str_eq(q.cache, "off");
	ck_assert_str_eq(q.error, "");
	ck_assert(q.seconds >= 0);
}
END_TEST

START_TEST(test_many)
{
	FILE *fp = fopen(path, "w");
	char a[64];
	int i;

	ck_assert_ptr_nonnull(fp);
	/* written in an order that is not sorted */
	for (i = 0; i < 10000; i++)
		fprintf(fp, "User%d@Example.com\n", (i * 7919) % 10000);
	fclose(fp);
	ck_assert_int_eq(directory_file_open(&dir, path, err, sizeof(err)), 0);
	for (i = 0; i < 10000; i++) {
		snprintf(a, sizeof(a), "user%d@example.com", i);
		found(a);
	}
	notfound("user10000@example.com");
	notfound("user-1@example.com");
	notfound("user@example.com");
	counts(10000, 0);
}
END_TEST

START_TEST(test_duplicates)
{
	load("alice@example.com\nALICE@example.com\n@x.example\n@X.example\n");
	found("alice@example.com");
	found("a@x.example");
}
END_TEST

START_TEST(test_long_lines_accepted)
{
	char *text = malloc(3 * LINE_MAX_LEN);

	ck_assert_ptr_nonnull(text);
	/* a comment line of exactly LINE_MAX_LEN bytes, then an address */
	memset(text, 'x', LINE_MAX_LEN);
	text[0] = '#';
	strcpy(text + LINE_MAX_LEN, "\nalice@example.com\n");
	load(text);
	found("alice@example.com");
	directory_close(&dir);

	/* the last line may lack its newline at the full length too */
	memset(text, ' ', LINE_MAX_LEN);
	memcpy(text + LINE_MAX_LEN - 17, "bob@example.com", 15);
	text[LINE_MAX_LEN] = '\0';
	load(text);
	found("bob@example.com");
	directory_close(&dir);

	free(text);
}
END_TEST

/* dom255 - a valid domain of exactly ADDR_DOMAIN_MAX (255) octets */
static void
dom255(char dom[256])
{
	memset(dom, 'a', 255);
	dom[63] = dom[127] = dom[191] = '.';	/* four labels of 63 */
	dom[255] = '\0';
}

START_TEST(test_max_domain_address)
{
	char dom[256], text[600];

	dom255(dom);
	snprintf(text, sizeof(text), "u@%s\n", dom);
	load(text);
	snprintf(text, sizeof(text), "u@%s", dom);
	found(text);
	dom[254] = '\0';
	snprintf(text, sizeof(text), "u@%s", dom);
	notfound(text);
}
END_TEST

START_TEST(test_max_domain_catch_all)
{
	char dom[256], text[600];

	/* addr_parse takes a 255-octet domain; so must "@domain" */
	dom255(dom);
	snprintf(text, sizeof(text), "@%s\n", dom);
	load(text);
	snprintf(text, sizeof(text), "anyone@%s", dom);
	found(text);
	/* and a domain one octet shorter is another domain */
	dom[254] = '\0';
	snprintf(text, sizeof(text), "anyone@%s", dom);
	notfound(text);
}
END_TEST

/* ------------------------------------------------------------- errors */

static const struct {
	const char	*line;
	const char	*word;	/* the error must contain it */
} bad_lines[] = {
	{ "alice", "no domain" },
	{ "alice@", "empty domain" },
	{ "alice@example..com", "empty label" },
	{ "alice@exa mple.com", "bad character" },
	{ "al ice@example.com", "not an address" },
	{ "a@b@c", "bad character" },
	{ "<alice@example.com", "angle" },
	{ "\"alice@example.com", "quotes" },
	{ "<>", "not an address" },
	{ "@", "catch-all" },
	{ "@@example.com", "catch-all" },
	{ "@example..com", "catch-all" },
	{ "@bad domain", "catch-all" },
	{ "@example.com extra", "catch-all" },
	{ "alice@example.com bob@example.com", "not an address" },
};

START_TEST(test_bad_line)
{
	char text[256];

	snprintf(text, sizeof(text), "good@example.com\n# fine\n%s\n"
	    "after@example.com\n", bad_lines[_i].line);
	refused(text, 3, bad_lines[_i].word);
	/* the line itself is quoted in the message */
	ck_assert_msg(strstr(err, bad_lines[_i].line) != NULL,
	    "error \"%s\" does not quote the line", err);
	/* and on the first line too */
	snprintf(text, sizeof(text), "%s\n", bad_lines[_i].line);
	refused(text, 1, bad_lines[_i].word);
}
END_TEST

START_TEST(test_overlong_line)
{
	char *text = malloc(4 * LINE_MAX_LEN);

	ck_assert_ptr_nonnull(text);
	/* a comment one byte over the limit, on line 2 */
	strcpy(text, "alice@example.com\n");
	memset(text + 18, 'x', LINE_MAX_LEN + 1);
	text[18] = '#';
	strcpy(text + 18 + LINE_MAX_LEN + 1, "\nbob@example.com\n");
	refused(text, 2, "longer");

	/* far over, as the last line without a newline */
	memset(text + 18, ' ', 3 * LINE_MAX_LEN);
	text[18 + 3 * LINE_MAX_LEN] = '\0';
	refused(text, 2, "longer");
	free(text);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "alice@example.com\n\0\nbob@example.com\n";
	static const char last[] = "alice@example.com\nbob@example.com\0junk";
	char want[96];
	FILE *fp;

	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, sizeof(text) - 1, fp),
	    sizeof(text) - 1);
	ck_assert_int_eq(fclose(fp), 0);
	snprintf(want, sizeof(want), "%s:2: a NUL byte", path);
	ck_assert_int_eq(directory_file_open(&dir, path, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "error \"%s\"",
	    err);
	/* the last line, without a newline: refused, not cut at the NUL */
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(last, 1, sizeof(last) - 1, fp),
	    sizeof(last) - 1);
	ck_assert_int_eq(fclose(fp), 0);
	snprintf(want, sizeof(want), "%s:2: a NUL byte", path);
	ck_assert_int_eq(directory_file_open(&dir, path, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "error \"%s\"",
	    err);
}
END_TEST

START_TEST(test_missing_file)
{
	struct directory d = { NULL, NULL };
	char missing[96];

	snprintf(missing, sizeof(missing), "%s.missing/none", path);
	ck_assert_int_eq(directory_file_open(&d, missing, err, sizeof(err)),
	    -1);
	ck_assert_ptr_null(d.ops);
	ck_assert_msg(strstr(err, missing) != NULL, "error \"%s\"", err);
	ck_assert_ptr_nonnull(strstr(err, strerror(ENOENT)));
}
END_TEST

START_TEST(test_directory_refused)
{
	struct directory d = { NULL, NULL };

	ck_assert_int_eq(directory_file_open(&d, "/tmp", err, sizeof(err)),
	    -1);
	ck_assert_ptr_null(d.ops);
	ck_assert_msg(strncmp(err, "/tmp", 4) == 0, "error \"%s\"", err);
}
END_TEST

/* -------------------------------------------------------------- empty */

START_TEST(test_empty_file)
{
	load("");
	notfound("alice@example.com");
	notfound("x@example.org");
	counts(0, 0);
}
END_TEST

START_TEST(test_only_comments)
{
	load("# nothing yet\n\n   \n# @example.org\n");
	notfound("alice@example.com");
	notfound("x@example.org");
	counts(0, 0);
}
END_TEST



static Suite *
directory_file_suite(void)
{
	Suite *s = suite_create("directory_file");
	TCase *tc;

	tc = tcase_create("lookup");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_case_insensitive);
	tcase_add_test(tc, test_quoting_normalised);
	tcase_add_test(tc, test_catch_all);
	tcase_add_test(tc, test_comments_blank_whitespace);
	tcase_add_test(tc, test_last_line_without_newline);
	tcase_add_test(tc, test_alternatives);
	tcase_add_test(tc, test_not_listed);
	tcase_add_test(tc, test_query_filled);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_long_lines_accepted);
	tcase_add_test(tc, test_max_domain_address);
	tcase_add_test(tc, test_max_domain_catch_all);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad_line, 0,
	    sizeof(bad_lines) / sizeof(bad_lines[0]));
	tcase_add_test(tc, test_overlong_line);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("empty");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_only_comments);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(directory_file_suite());
	int failed;

	main_pid = getpid();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_left();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
