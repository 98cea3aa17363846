/*
 * NAME
 *	check_state 1
 * SUMMARY
 *	unit tests for src/state.c: score tables saved and loaded back
 * DESCRIPTION
 *	Both clocks are passed in: a save at one monotonic and wall-clock
 *	time, a load "after a restart" at another, and the scores must come
 *	back decayed by exactly the wall-clock gap, each table with its own
 *	half-life. The file format is pinned byte for byte. Every kind of
 *	malformed line must fail the load with its line number and load
 *	nothing; a mutated file must never crash the loader. A failed save
 *	leaves the old file as it was, and the file is mode 0600.
 */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "score.h"
#include "state.h"

#define WALL	1700000000.0	/* wall-clock time of the save */
#define HOUR	3600.0

static char tmpdir[64];
static char path[128], tmp_path[160];
static char msg[512];

/* near - equal within a relative 1e-9 */
static int
near(double got, double want)
{
	return fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
}

#define ck_assert_near(got, want) do { \
	double g_ = (got), w_ = (want); \
	ck_assert_msg(near(g_, w_), "%s = %.17g, want %.17g", #got, g_, w_); \
} while (0)

/* setup - a fresh directory for one test */
static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_state.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/state", tmpdir);
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path);
	msg[0] = '\0';
}

/* teardown - undo setup */
static void
teardown(void)
{
	unlink(path);
	unlink(tmp_path);
	rmdir(tmp_path);
	ck_assert_int_eq(rmdir(tmpdir), 0);
}

/* make_tabs - "score" (1 h), "wide" (2 h) and "good" (30 min), max each */
static void
make_tabs(struct state_table *tabs, size_t max)
{
	tabs[0].name = "score";
	tabs[0].table = score_new(max, HOUR);
	tabs[1].name = "wide";
	tabs[1].table = score_new(max, 2 * HOUR);
	tabs[2].name = "good";
	tabs[2].table = score_new(max, HOUR / 2);
	ck_assert_ptr_nonnull(tabs[0].table);
	ck_assert_ptr_nonnull(tabs[1].table);
	ck_assert_ptr_nonnull(tabs[2].table);
}

/* free_tabs - undo make_tabs */
static void
free_tabs(struct state_table *tabs)
{
	int i;

	for (i = 0; i < 3; i++)
		score_free(tabs[i].table);
}

/* total - entries in all three tables */
static size_t
total(const struct state_table *tabs)
{
	return score_count(tabs[0].table) + score_count(tabs[1].table) +
	    score_count(tabs[2].table);
}

/* put - write len bytes to path */
static void
put(const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

/* slurp - all of file, NUL-terminated; caller frees */
static char *
slurp(const char *file)
{
	FILE *fp = fopen(file, "r");
	char *buf;
	size_t n;

	ck_assert_ptr_nonnull(fp);
	buf = calloc(1, 1 << 20);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, (1 << 20) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* load - state_load into tabs at monotonic 5, wall-clock WALL + gap */
static int
load(const struct state_table *tabs, double gap)
{
	return state_load(path, tabs, 3, 5, WALL + gap, msg, sizeof(msg));
}

/* ----------------------------------------------------------- round trip */

START_TEST(test_round_trip)
{
	struct state_table a[3], b[3];
	char *text, want[256];

	make_tabs(a, 16);
	score_add(a[0].table, "10.0.0.1/32", 6, 1000 - HOUR);	/* 3 by 1000 */
	score_add(a[0].table, "192.0.2.7/32", 8, 1000);
	score_add(a[0].table, "198.51.100.0/24", 3, 1000);
	score_add(a[1].table, "2001:db8::/48", 16, 1000);
	score_add(a[2].table, "203.0.113.9/32", 4, 1000);
	score_add(a[2].table, "token-without-spaces", 0.25, 1000);
	ck_assert_int_eq(state_save(path, a, 3, 1000, WALL, msg, sizeof(msg)),
	    0);
	snprintf(want, sizeof(want), "%s: 6 entries saved", path);
	ck_assert_str_eq(msg, want);

	/* the format, byte for byte: oldest first, scores decayed to then */
	text = slurp(path);
	ck_assert_str_eq(text,
	    "milter-tarpit-state 1 1700000000\n"
	    "score 10.0.0.1/32 3\n"
	    "score 192.0.2.7/32 8\n"
	    "score 198.51.100.0/24 3\n"
	    "wide 2001:db8::/48 16\n"
	    "good 203.0.113.9/32 4\n"
	    "good token-without-spaces 0.25\n");
	free(text);
	ck_assert_int_eq(access(tmp_path, F_OK), -1);

	/* a restart: another monotonic clock, one hour of wall clock later */
	make_tabs(b, 16);
	ck_assert_int_eq(load(b, HOUR), 1);
	snprintf(want, sizeof(want), "%s: 6 entries loaded, 0 skipped", path);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_eq(total(b), 6);
	ck_assert(score_get(b[0].table, "10.0.0.1/32", 5, NULL) == 1.5);
	ck_assert(score_get(b[0].table, "192.0.2.7/32", 5, NULL) == 4);
	ck_assert(score_get(b[0].table, "198.51.100.0/24", 5, NULL) == 1.5);
	ck_assert_near(score_get(b[1].table, "2001:db8::/48", 5, NULL),
	    16 / sqrt(2));
	ck_assert(score_get(b[2].table, "203.0.113.9/32", 5, NULL) == 1);
	ck_assert(score_get(b[2].table, "token-without-spaces", 5, NULL) ==
	    0.0625);
	/* loaded entries are new to this process, and decay from now on */
	ck_assert(score_age(b[0].table, "192.0.2.7/32", 5) == 0);
	ck_assert(score_get(b[0].table, "192.0.2.7/32", 5 + HOUR, NULL) == 2);
	/* nothing leaks between tables */
	ck_assert(score_get(b[1].table, "192.0.2.7/32", 5, NULL) == 0);
	free_tabs(a);
	free_tabs(b);
}
END_TEST

/* saved again from the loaded tables, the file says the same */
START_TEST(test_round_trip_twice)
{
	struct state_table a[3], b[3];
	char *first, *second;
	char key[32];
	int i;

	make_tabs(a, 2000);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "10.%d.%d.0/24", i / 256, i % 256);
		score_add(a[i % 3].table, key, 1 + i % 7, 100 + i);
	}
	ck_assert_int_eq(state_save(path, a, 3, 2000, WALL, msg, sizeof(msg)),
	    0);
	first = slurp(path);
	make_tabs(b, 2000);
	ck_assert_int_eq(load(b, 0), 1);
	ck_assert_uint_eq(total(b), 1000);
	ck_assert_int_eq(state_save(path, b, 3, 5, WALL, msg, sizeof(msg)), 0);
	second = slurp(path);
	ck_assert_str_eq(first, second);
	free(first);
	free(second);
	free_tabs(a);
	free_tabs(b);
}
END_TEST

/* more lines than a table holds: it fills up, and the newest stay */
START_TEST(test_load_bounded_lru)
{
	struct state_table a[3], b[3];

	make_tabs(a, 16);
	score_add(a[0].table, "a", 5, 1);
	score_add(a[0].table, "b", 5, 2);
	score_add(a[0].table, "c", 5, 3);
	score_add(a[0].table, "d", 5, 4);
	score_add(a[0].table, "a", 0, 5);	/* a is the newest now */
	ck_assert_int_eq(state_save(path, a, 3, 5, WALL, msg, sizeof(msg)), 0);
	make_tabs(b, 2);
	ck_assert_int_eq(load(b, 0), 1);
	ck_assert_uint_eq(score_count(b[0].table), 2);
	ck_assert(score_get(b[0].table, "a", 5, NULL) > 0);
	ck_assert(score_get(b[0].table, "d", 5, NULL) > 0);
	ck_assert(score_get(b[0].table, "b", 5, NULL) == 0);
	ck_assert(score_get(b[0].table, "c", 5, NULL) == 0);
	free_tabs(a);
	free_tabs(b);
}
END_TEST

/* ---------------------------------------------------------------- loads */

START_TEST(test_load_missing)
{
	struct state_table b[3];

	make_tabs(b, 16);
	ck_assert_int_eq(load(b, 0), 0);
	ck_assert_uint_eq(total(b), 0);
	ck_assert_ptr_nonnull(strstr(msg, path));
	free_tabs(b);
}
END_TEST

START_TEST(test_load_not_regular)
{
	struct state_table b[3];

	make_tabs(b, 16);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(load(b, 0), -1);
	ck_assert_ptr_nonnull(strstr(msg, path));
	ck_assert_int_eq(rmdir(path), 0);
	free_tabs(b);
}
END_TEST

/* a table this version does not have, or one not in use, is skipped */
START_TEST(test_load_unknown_table)
{
	static const char text[] = "milter-tarpit-state 1 1700000000\n"
	    "score 192.0.2.7/32 8\n"
	    "newer 192.0.2.7/32 8\n"
	    "good 192.0.2.8/32 8\n"
	    "wide 2001:db8::/48 8\n";
	struct state_table b[3];
	struct score_table *wide;
	char want[256];

	make_tabs(b, 16);
	wide = b[1].table;
	b[1].table = NULL;
	put(text, sizeof(text) - 1);
	ck_assert_int_eq(load(b, 0), 1);
	snprintf(want, sizeof(want), "%s: 2 entries loaded, 2 skipped", path);
	ck_assert_str_eq(msg, want);
	ck_assert(score_get(b[0].table, "192.0.2.7/32", 5, NULL) == 8);
	ck_assert(score_get(b[2].table, "192.0.2.8/32", 5, NULL) == 8);
	ck_assert_uint_eq(score_count(wide), 0);
	b[1].table = wide;
	free_tabs(b);
}
END_TEST

/* saved "in the future" (the clock went back): no decay, not growth */
START_TEST(test_load_future_save)
{
	static const char text[] = "milter-tarpit-state 1 1700007200\n"
	    "score 192.0.2.7/32 8\n";
	struct state_table b[3];

	make_tabs(b, 16);
	put(text, sizeof(text) - 1);
	ck_assert_int_eq(load(b, 0), 1);	/* 2 h before the save */
	ck_assert(score_get(b[0].table, "192.0.2.7/32", 5, NULL) == 8);
	free_tabs(b);
}
END_TEST

/* loading raises scores, never lowers them */
START_TEST(test_load_never_lowers)
{
	static const char text[] = "milter-tarpit-state 1 1700000000\n"
	    "score high 8\n"
	    "score low 8\n"
	    "score low 2\n"		/* a duplicate: the higher one wins */
	    "score zero 0\n";
	struct state_table b[3];

	make_tabs(b, 16);
	score_add(b[0].table, "high", 20, 5);
	score_add(b[0].table, "low", 1, 5);
	put(text, sizeof(text) - 1);
	ck_assert_int_eq(load(b, HOUR), 1);
	ck_assert(score_get(b[0].table, "high", 5, NULL) == 20);
	ck_assert(score_get(b[0].table, "low", 5, NULL) == 4);
	ck_assert(score_get(b[0].table, "zero", 5, NULL) == 0);
	ck_assert_uint_eq(score_count(b[0].table), 2);
	free_tabs(b);
}
END_TEST

/* after a long time away, nothing is worth loading */
START_TEST(test_load_decayed_away)
{
	static const char text[] = "milter-tarpit-state 1 1700000000\n"
	    "score 192.0.2.7/32 1000\n"
	    "good 192.0.2.8/32 1000\n";
	struct state_table b[3];
	char want[256];

	make_tabs(b, 16);
	put(text, sizeof(text) - 1);
	ck_assert_int_eq(load(b, 30 * 86400.0), 1);
	snprintf(want, sizeof(want), "%s: 0 entries loaded, 2 skipped", path);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_eq(total(b), 0);
	free_tabs(b);
}
END_TEST

/* ------------------------------------------------------ malformed files */

struct bad {
	const char	*text;		/* the whole file */
	size_t		len;		/* 0: strlen(text) */
	int		line;
	const char	*why;
};

#define HDR	"milter-tarpit-state 1 1700000000\n"
#define GOOD	"score 192.0.2.1/32 5\n"

static const struct bad bad_files[] = {
	{ "", 0, 1, "empty file" },
	{ "hello\n", 0, 1, "not a milter-tarpit state file" },
	{ "\n" GOOD, 0, 1, "not a milter-tarpit state file" },
	{ GOOD, 0, 1, "not a milter-tarpit state file" },
	{ "milter-tarpit-state 1\n", 0, 1, "found 2 fields" },
	{ "milter-tarpit-state 1 17 x\n", 0, 1, "found 4 fields" },
	{ "milter-tarpit-state 2 1700000000\n", 0, 1,
	    "unsupported version \"2\"" },
	{ "milter-tarpit-state 1 -5\n", 0, 1, "bad save time \"-5\"" },
	{ "milter-tarpit-state 1 nan\n", 0, 1, "bad save time \"nan\"" },
	{ "milter-tarpit-state 1 1700000000", 0, 1, "cut short" },
	{ HDR GOOD "score 192.0.2.7/32\n", 0, 3,
	    "expected TABLE KEY SCORE, found 2 fields" },
	{ HDR GOOD "score 192.0.2.7/32 1 extra\n", 0, 3, "found 4 fields" },
	{ HDR GOOD "\n", 0, 3, "found 0 fields" },
	{ HDR GOOD "   \t \n", 0, 3, "found 0 fields" },
	{ HDR GOOD "score\n", 0, 3, "found 1 field" },
	{ HDR GOOD "score 192.0.2.7/32 abc\n", 0, 3, "bad score \"abc\"" },
	{ HDR GOOD "score 192.0.2.7/32 -1\n", 0, 3, "bad score \"-1\"" },
	{ HDR GOOD "score 192.0.2.7/32 -0\n", 0, 3, "bad score \"-0\"" },
	{ HDR GOOD "score 192.0.2.7/32 nan\n", 0, 3, "bad score \"nan\"" },
	{ HDR GOOD "score 192.0.2.7/32 NaN\n", 0, 3, "bad score \"NaN\"" },
	{ HDR GOOD "score 192.0.2.7/32 inf\n", 0, 3, "bad score \"inf\"" },
	{ HDR GOOD "score 192.0.2.7/32 1e5\n", 0, 3, "bad score \"1e5\"" },
	{ HDR GOOD "score 192.0.2.7/32 0x10\n", 0, 3, "bad score \"0x10\"" },
	{ HDR GOOD "score 192.0.2.7/32 1.2.3\n", 0, 3, "bad score \"1.2.3\"" },
	{ HDR GOOD "score 192.0.2.7/32 .\n", 0, 3, "bad score \".\"" },
	{ HDR GOOD "score 192.0.2.7/32 +1\n", 0, 3, "bad score \"+1\"" },
	{ HDR GOOD "score 192.0.2.7/32 100000000000000\n", 0, 3,
	    "bad score \"100000000000000\"" },
	{ HDR GOOD "Score 192.0.2.7/32 1\n", 0, 3, "bad table name \"Score\"" },
	{ HDR GOOD "sc\x01ore 192.0.2.7/32 1\n", 0, 3,
	    "bad table name \"sc\\x01ore\"" },
	{ HDR GOOD "a23456789012345678901234567890123 k 1\n", 0, 3,
	    "bad table name" },
	{ HDR GOOD "score 192.0.2\x01.7/32 1\n", 0, 3,
	    "bad byte \\x01 in key" },
	{ HDR GOOD "score 192.0.2.7/32\x7f 1\n", 0, 3,
	    "bad byte \\x7f in key" },
	{ HDR GOOD "score 192.0.2.\xc3\xa9 1\n", 0, 3,
	    "bad byte \\xc3 in key" },
	{ HDR GOOD "score 192.0.2.7/32\r 1\n", 0, 3, "bad byte \\x0d in key" },
	{ HDR GOOD "score 192.0.2.7/32 1\r\n", 0, 3, "bad score \"1\\x0d\"" },
	{ HDR GOOD "score 192.0.2.7/32\0 1\n", sizeof(HDR GOOD) + 21, 3,
	    "NUL byte in line" },
	{ HDR GOOD "score 192.0.2.7/32 1", 0, 3, "cut short" },
	{ HDR GOOD GOOD GOOD "score k 1\nwide k2 x\n" GOOD, 0, 6,
	    "bad score \"x\"" },
};

/* load_bad - a malformed file fails at its line and loads nothing */
static void
load_bad(const char *text, size_t len, int line, const char *why)
{
	struct state_table b[3];
	char want[256];

	make_tabs(b, 16);
	put(text, len);
	ck_assert_int_eq(load(b, 0), -1);
	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0,
	    "message \"%s\", want it to start \"%s\"", msg, want);
	ck_assert_msg(strstr(msg, why) != NULL,
	    "message \"%s\", want \"%s\" in it", msg, why);
	ck_assert_uint_eq(total(b), 0);
	free_tabs(b);
}

START_TEST(test_load_bad)
{
	const struct bad *b = &bad_files[_i];

	load_bad(b->text, b->len ? b->len : strlen(b->text), b->line, b->why);
}
END_TEST

/* keys of 200 bytes load; of 201, fail; a too-long line fails too */
START_TEST(test_load_long)
{
	struct state_table b[3];
	char key[STATE_KEY_MAX + 2], text[1200];

	memset(key, 'k', sizeof(key) - 2);
	key[sizeof(key) - 2] = '\0';
	snprintf(text, sizeof(text), HDR "score %s 2\n", key);
	make_tabs(b, 16);
	put(text, strlen(text));
	ck_assert_int_eq(load(b, 0), 1);
	ck_assert(score_get(b[0].table, key, 5, NULL) == 2);
	free_tabs(b);

	strcat(key, "k");
	snprintf(text, sizeof(text), HDR GOOD "score %s 2\n", key);
	load_bad(text, strlen(text), 3, "key longer than 200 bytes");

	memset(text, 0, sizeof(text));
	strcpy(text, HDR GOOD "score k ");
	memset(text + strlen(text), '1', 600);
	strcat(text, "\n");
	load_bad(text, strlen(text), 3, "line too long");
}
END_TEST

/* xorshift - a small reproducible PRNG */
static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* mutate - n random byte edits of buf (len bytes, room for cap) */
static size_t
mutate(char *buf, size_t len, size_t cap, uint32_t *seed, int n)
{
	static const char pick[] = " \t\n\0\r.-/:0123456789abcdefscorewidegood"
	    "\x01\x7f\xff";
	size_t at;
	char c;

	while (n-- > 0 && len > 0) {
		at = xorshift(seed) % len;
		c = xorshift(seed) % 2 ? (char)xorshift(seed) :
		    pick[xorshift(seed) % (sizeof(pick) - 1)];
		switch (xorshift(seed) % 4) {
		case 0:
			buf[at] = c;
			break;
		case 1:
			if (len + 1 < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			}
			break;
		case 2:
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		default:		/* repeat a piece */
			if (len + 40 < cap) {
				memmove(buf + at + 40, buf + at, len - at);
				len += 40;
			}
			break;
		}
	}
	return len;
}

/* a mutated file loads, or fails cleanly with nothing loaded */
START_TEST(test_load_fuzz)
{
	static const char base[] = HDR
	    "score 192.0.2.7/32 8\n"
	    "score 10.0.0.0/8 0.5\n"
	    "wide 2001:db8::/48 16.25\n"
	    "good 203.0.113.9/32 4\n"
	    "newer token 3\n";
	struct state_table b[3];
	char buf[4096];
	uint32_t seed = 0x2545f491;
	size_t len;
	int i, rc, ok = 0, bad = 0;

	for (i = 0; i < 3000; i++) {
		memset(buf, '#', sizeof(buf));	/* what a repeat may expose */
		memcpy(buf, base, sizeof(base) - 1);
		len = mutate(buf, sizeof(base) - 1, sizeof(buf), &seed,
		    1 + i % 4);
		make_tabs(b, 4);
		put(buf, len);
		rc = load(b, (double)(i % 5) * HOUR);
		if (rc == 1) {
			ok++;
			ck_assert_uint_le(total(b), 12);
		} else {
			bad++;
			ck_assert_int_eq(rc, -1);
			ck_assert_uint_eq(total(b), 0);
			ck_assert_int_eq(strncmp(msg, path, strlen(path)), 0);
			ck_assert_int_eq(msg[strlen(path)], ':');
		}
		free_tabs(b);
	}
	/* the mutations reach both outcomes */
	ck_assert_int_gt(ok, 0);
	ck_assert_int_gt(bad, 0);
}
END_TEST

/* ---------------------------------------------------------------- saves */

START_TEST(test_save_mode)
{
	struct state_table a[3];
	struct stat st;
	mode_t old = umask(0);
	FILE *fp;

	make_tabs(a, 16);
	score_add(a[0].table, "k", 1, 1);
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	/* a stale PATH.tmp of another mode does not pass its mode on */
	fp = fopen(tmp_path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("stale\n", fp);
	fclose(fp);
	ck_assert_int_eq(chmod(tmp_path, 0666), 0);
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(access(tmp_path, F_OK), -1);
	umask(old);
	free_tabs(a);
}
END_TEST

/* a failed save leaves the old file as it was */
START_TEST(test_save_atomic)
{
	struct state_table a[3];
	struct stat st1, st2;
	char *before, *after, other[256];

	make_tabs(a, 16);
	score_add(a[0].table, "first", 1, 1);
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)), 0);
	before = slurp(path);
	ck_assert_int_eq(stat(path, &st1), 0);

	/* PATH.tmp cannot be made (a directory is in the way) */
	score_add(a[0].table, "second", 1, 2);
	ck_assert_int_eq(mkdir(tmp_path, 0700), 0);
	ck_assert_int_eq(state_save(path, a, 3, 2, WALL, msg, sizeof(msg)),
	    -1);
	ck_assert_ptr_nonnull(strstr(msg, path));
	after = slurp(path);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert(st1.st_ino == st2.st_ino);
	ck_assert_int_eq(rmdir(tmp_path), 0);
	free(after);

	/* a symlink planted at PATH.tmp is not followed */
	ck_assert_int_eq(symlink("/tmp/check_state-target", tmp_path), 0);
	ck_assert_int_eq(state_save(path, a, 3, 2, WALL, msg, sizeof(msg)),
	    -1);
	ck_assert_int_eq(access("/tmp/check_state-target", F_OK), -1);
	ck_assert_int_eq(unlink(tmp_path), 0);
	after = slurp(path);
	ck_assert_str_eq(before, after);
	free(after);
	free(before);

	/* a directory that does not exist */
	snprintf(other, sizeof(other), "%s/nodir/state", tmpdir);
	ck_assert_int_eq(state_save(other, a, 3, 2, WALL, msg, sizeof(msg)),
	    -1);
	ck_assert_ptr_nonnull(strstr(msg, other));
	ck_assert_ptr_nonnull(strstr(msg, strerror(ENOENT)));
	free_tabs(a);
}
END_TEST

/* the target is a directory: the rename fails, PATH.tmp is removed */
START_TEST(test_save_rename_fails)
{
	struct state_table a[3];

	make_tabs(a, 16);
	score_add(a[0].table, "k", 1, 1);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)),
	    -1);
	ck_assert_ptr_nonnull(strstr(msg, "rename"));
	ck_assert_int_eq(access(tmp_path, F_OK), -1);
	ck_assert_int_eq(rmdir(path), 0);
	free_tabs(a);
}
END_TEST

/* keys that could not be read back, and negligible scores, are not saved */
START_TEST(test_save_skips)
{
	struct state_table a[3], b[3];
	char key[STATE_KEY_MAX + 2], *text;

	make_tabs(a, 16);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';		/* 201 bytes */
	score_add(a[0].table, key, 1, 1);
	score_add(a[0].table, "with space", 1, 1);
	score_add(a[0].table, "with\ttab", 1, 1);
	score_add(a[0].table, "ctl\x01", 1, 1);
	score_add(a[0].table, "8bit\xe9", 1, 1);
	score_add(a[0].table, "", 1, 1);
	score_add(a[0].table, "tiny", 0.001, 1);
	ck_assert_int_eq(score_sleep_enter(a[0].table, "asleep", 0, 1), 1);
	key[STATE_KEY_MAX] = '\0';		/* 200 bytes: kept */
	score_add(a[0].table, key, 1, 1);
	score_add(a[1].table, "ok", 1, 1);
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)), 0);
	text = slurp(path);
	ck_assert_ptr_null(strstr(text, "with"));
	ck_assert_ptr_null(strstr(text, "ctl"));
	ck_assert_ptr_null(strstr(text, "8bit"));
	ck_assert_ptr_null(strstr(text, "tiny"));
	ck_assert_ptr_null(strstr(text, "asleep"));
	ck_assert_ptr_nonnull(strstr(text, "wide ok 1\n"));
	free(text);
	make_tabs(b, 16);
	ck_assert_int_eq(load(b, 0), 1);
	ck_assert_uint_eq(total(b), 2);
	ck_assert(score_get(b[0].table, key, 5, NULL) == 1);
	free_tabs(a);
	free_tabs(b);
}
END_TEST

/* table names must be words, each given once */
START_TEST(test_bad_names)
{
	struct state_table a[3];

	make_tabs(a, 16);
	a[1].name = "Wide";
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)),
	    -1);
	ck_assert_ptr_nonnull(strstr(msg, "bad table name \"Wide\""));
	ck_assert_int_eq(load(a, 0), -1);
	a[1].name = "two words";
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)),
	    -1);
	a[1].name = "";
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)),
	    -1);
	a[1].name = "score";
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL, msg, sizeof(msg)),
	    -1);
	ck_assert_ptr_nonnull(strstr(msg, "given twice"));
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(access(tmp_path, F_OK), -1);
	/* no tables, no room for a message: still a valid file */
	ck_assert_int_eq(state_save(path, NULL, 0, 1, WALL, NULL, 0), 0);
	ck_assert_int_eq(state_load(path, NULL, 0, 1, WALL, NULL, 0), 1);
	free_tabs(a);
}
END_TEST

/* fractions of the save time and scores survive to the microsecond */
START_TEST(test_save_fractions)
{
	struct state_table a[3], b[3];
	char *text;

	make_tabs(a, 16);
	score_add(a[0].table, "k", 1.125, 1);
	score_add(a[0].table, "m", 2.0000004, 1);	/* to 2 */
	ck_assert_int_eq(state_save(path, a, 3, 1, WALL + 0.5, msg,
	    sizeof(msg)), 0);
	text = slurp(path);
	ck_assert_str_eq(text, "milter-tarpit-state 1 1700000000.5\n"
	    "score k 1.125\nscore m 2\n");
	free(text);
	make_tabs(b, 16);
	ck_assert_int_eq(load(b, HOUR + 0.5), 1);
	ck_assert(score_get(b[0].table, "k", 5, NULL) == 0.5625);
	free_tabs(a);
	free_tabs(b);
}
END_TEST

static Suite *
state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc;

	tc = tcase_create("round_trip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_round_trip_twice);
	tcase_add_test(tc, test_load_bounded_lru);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_missing);
	tcase_add_test(tc, test_load_not_regular);
	tcase_add_test(tc, test_load_unknown_table);
	tcase_add_test(tc, test_load_future_save);
	tcase_add_test(tc, test_load_never_lowers);
	tcase_add_test(tc, test_load_decayed_away);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_load_bad, 0,
	    (int)(sizeof(bad_files) / sizeof(bad_files[0])));
	tcase_add_test(tc, test_load_long);
	tcase_add_test(tc, test_load_fuzz);
	suite_add_tcase(s, tc);

	tc = tcase_create("save");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_save_mode);
	tcase_add_test(tc, test_save_atomic);
	tcase_add_test(tc, test_save_rename_fails);
	tcase_add_test(tc, test_save_skips);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_save_fractions);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
