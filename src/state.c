/*
 * NAME
 *	state 3
 * SUMMARY
 *	score tables saved to a file and loaded back after a restart
 * DESCRIPTION
 *	Saving copies each table under its lock (score_each(): keys and
 *	scores only, no formatting and no I/O while milter threads wait)
 *	and then writes the copy oldest entry first, so that loading the
 *	lines in file order rebuilds each table's LRU order, and when the
 *	file holds more than a table can, the newest entries are the ones
 *	that stay. The file is written as in stats_write_file(): PATH.tmp,
 *	fsync, rename over PATH, fsync of the directory, so a reader finds
 *	the old file or the new one, never a part. One saver at a time.
 *
 *	Numbers are written from integers (fixed point, at most six
 *	decimals, no exponent) and read with util_parse_seconds(), so the
 *	file does not depend on LC_NUMERIC. A key that could not be read
 *	back (a blank or control character, over STATE_KEY_MAX bytes) is
 *	not saved.
 *
 *	Loading reads the file twice: once to check every line, then, only
 *	if all are good, to raise the tables (score_raise(): never lowers a
 *	score). Memory stays constant whatever the file holds. A file
 *	rewritten in place between the two readings could be loaded in
 *	part; state_save() replaces it by rename, which leaves an open file
 *	as it was. A line for a table the caller did not name (a newer
 *	version's table, or one whose score_table is NULL) is skipped, and
 *	so is an entry decayed below SCORE_NEGLIGIBLE.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "score.h"
#include "state.h"
#include "util.h"

#define STATE_MAGIC	"milter-tarpit-state"
#define STATE_VERSION	"1"
#define STATE_LINE_MAX	512		/* a line, its '\n' and a NUL */
#define STATE_NUM_MAX	1e13		/* largest number written or read */
#define STATE_FIELDS	3

struct snap_item {
	size_t		off;		/* of the key in snap.keys */
	double		score;
};

/* one table's entries, copied under its lock */
struct snap {
	char		*keys;		/* "key\0key\0..." */
	size_t		klen, kcap;
	struct snap_item *items;	/* newest first */
	size_t		n, cap;
	int		failed;		/* out of memory */
};

/* one state_load() */
struct load {
	const char	*path;
	const struct state_table *tabs;
	size_t		ntabs;
	double		now, wall, gap;
	int		apply;		/* 0: only check the lines */
	unsigned long	line;
	size_t		loaded, skipped;
};

/* say - format into msg, if the caller gave room for one */
static void __attribute__((format(printf, 3, 4)))
say(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

/* name_ok - a table name: 1 to STATE_NAME_MAX of [a-z0-9_] */
static int
name_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n > 0 && n <= STATE_NAME_MAX;
}

/* bad_key_byte - the first byte of key that is blank, control or 8-bit */
static const char *
bad_key_byte(const char *key)
{
	for (; *key; key++)
		if ((unsigned char)*key <= 0x20 || (unsigned char)*key >= 0x7f)
			return key;
	return NULL;
}

/* fmt_number - v in [0, STATE_NUM_MAX], fixed point, no trailing zeros */
static void
fmt_number(char *buf, size_t len, double v)
{
	uint64_t r;
	char frac[8];
	int i;

	if (!(v > 0))
		v = 0;
	if (v > STATE_NUM_MAX)
		v = STATE_NUM_MAX;
	r = (uint64_t)(v * 1e6 + 0.5);
	snprintf(frac, sizeof(frac), "%06u", (unsigned)(r % 1000000));
	for (i = 5; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	snprintf(buf, len, "%llu%s%s", (unsigned long long)(r / 1000000),
	    frac[0] ? "." : "", frac);
}

/* grow - p with room for need items of size (doubling); NULL if no memory */
static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;

	if (need <= *cap)
		return p;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			return NULL;
		c *= 2;
	}
	if ((p = realloc(p, c * size)) != NULL)
		*cap = c;
	return p;
}

/* snap_add - score_each callback: copy one entry, if it can be read back */
static void
snap_add(void *arg, const char *key, double score)
{
	struct snap *s = arg;
	size_t len = strlen(key);
	void *p;

	if (s->failed || len == 0 || len > STATE_KEY_MAX ||
	    bad_key_byte(key) != NULL)
		return;
	if ((p = grow(s->keys, &s->kcap, s->klen + len + 1, 1)) == NULL)
		goto nomem;
	s->keys = p;
	if ((p = grow(s->items, &s->cap, s->n + 1, sizeof(*s->items))) ==
	    NULL)
		goto nomem;
	s->items = p;
	memcpy(s->keys + s->klen, key, len + 1);
	s->items[s->n].off = s->klen;
	s->items[s->n++].score = score;
	s->klen += len + 1;
	return;
nomem:
	s->failed = 1;
}

/* write_table - one table's lines, oldest first; 0 ok, -1 errno set */
static int
write_table(FILE *fp, const struct state_table *st, double now,
    size_t *count)
{
	struct snap s;
	char num[32];
	size_t i;
	int rc = 0;

	if (st->table == NULL)
		return 0;
	memset(&s, 0, sizeof(s));
	score_each(st->table, now, snap_add, &s);
	if (s.failed) {
		errno = ENOMEM;
		rc = -1;
	}
	for (i = s.n; i > 0 && rc == 0; i--) {
		fmt_number(num, sizeof(num), s.items[i - 1].score);
		if (fprintf(fp, "%s %s %s\n", st->name,
		    s.keys + s.items[i - 1].off, num) < 0)
			rc = -1;
		else
			(*count)++;
	}
	free(s.keys);
	free(s.items);
	return rc;
}

/* check_tabs - every name a word, none twice; 0 ok, -1 (why in msg) */
static int
check_tabs(const struct state_table *tabs, size_t n, char *msg, size_t len)
{
	char esc[4 * STATE_NAME_MAX + 1];
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (tabs[i].name == NULL || !name_ok(tabs[i].name)) {
			util_log_escape(tabs[i].name ? tabs[i].name : "(null)",
			    esc, sizeof(esc), 0);
			say(msg, len, "bad table name \"%s\"", esc);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(tabs[i].name, tabs[j].name) == 0) {
				say(msg, len, "table name \"%s\" given twice",
				    tabs[i].name);
				return -1;
			}
	}
	return 0;
}

/* write_all - header and every table into fd; 0 ok, -1 errno set */
static int
write_all(int fd, const struct state_table *tabs, size_t n, double now,
    double wall, size_t *count)
{
	FILE *fp;
	char num[32];
	size_t i;
	int rc = 0, saved;

	/* 0600 even if a stale PATH.tmp was there with another mode */
	if (fchmod(fd, 0600) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	fmt_number(num, sizeof(num), wall);
	if (fprintf(fp, "%s %s %s\n", STATE_MAGIC, STATE_VERSION, num) < 0)
		rc = -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = write_table(fp, &tabs[i], now, count);
	if (rc == 0 && (fflush(fp) != 0 || ferror(fp) ||
	    fsync(fileno(fp)) == -1))
		rc = -1;
	saved = errno;
	if (fclose(fp) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == -1 && saved == 0)
		saved = EIO;
	errno = saved;
	return rc;
}

/* state_save - every table's entries to path, atomically; 0 ok, -1 failed */
int
state_save(const char *path, const struct state_table *tabs, size_t n,
    double now, double wall, char *msg, size_t len)
{
	size_t count = 0, tlen = strlen(path) + sizeof(".tmp");
	char *tmp;
	int fd;

	if (check_tabs(tabs, n, msg, len) == -1)
		return -1;
	if (!isfinite(wall) || wall < 0 || wall > STATE_NUM_MAX) {
		say(msg, len, "%s: bad wall-clock time", path);
		return -1;
	}
	if ((tmp = malloc(tlen)) == NULL) {
		say(msg, len, "%s: out of memory", path);
		return -1;
	}
	snprintf(tmp, tlen, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		say(msg, len, "%s: create %s: %s", path, tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (write_all(fd, tabs, n, now, wall, &count) == -1) {
		say(msg, len, "%s: write %s: %s", path, tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		say(msg, len, "%s: rename %s: %s", path, tmp, strerror(errno));
		goto fail;
	}
	free(tmp);
	util_sync_dir(path);
	say(msg, len, "%s: %zu entries saved", path, count);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return -1;
}

/* split - blank-separated fields of line into f (up to max); how many */
static int
split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0')
			return n;
		if (n < max)
			f[n] = p;
		n++;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
}

/* parse_header - the first line; 0 ok (ld->gap set), -1 (why) */
static int
parse_header(struct load *ld, char *line, char *why, size_t wlen)
{
	char *f[STATE_FIELDS], esc[64];
	double saved;
	int n = split(line, f, STATE_FIELDS);

	if (n < 1 || strcmp(f[0], STATE_MAGIC) != 0) {
		say(why, wlen, "not a milter-tarpit state file (no \"%s\""
		    " header)", STATE_MAGIC);
		return -1;
	}
	if (n != STATE_FIELDS) {
		say(why, wlen, "header: expected \"%s VERSION WALL\", found %d"
		    " fields", STATE_MAGIC, n);
		return -1;
	}
	if (strcmp(f[1], STATE_VERSION) != 0) {
		util_log_escape(f[1], esc, sizeof(esc), 0);
		say(why, wlen, "unsupported version \"%s\" (want %s)", esc,
		    STATE_VERSION);
		return -1;
	}
	if (util_parse_seconds(f[2], 0, STATE_NUM_MAX, &saved) == -1) {
		util_log_escape(f[2], esc, sizeof(esc), 0);
		say(why, wlen, "bad save time \"%s\"", esc);
		return -1;
	}
	ld->gap = ld->wall - saved;
	if (!(ld->gap > 0))
		ld->gap = 0;	/* saved "in the future": the clock went back */
	return 0;
}

/* find_table - the caller's table named name, or NULL */
static struct score_table *
find_table(const struct load *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->ntabs; i++)
		if (strcmp(ld->tabs[i].name, name) == 0)
			return ld->tabs[i].table;
	return NULL;
}

/* parse_entry - a TABLE KEY SCORE line, applied if ld->apply; -1 (why) */
static int
parse_entry(struct load *ld, char *line, char *why, size_t wlen)
{
	char *f[STATE_FIELDS], esc[64];
	const char *bad;
	struct score_table *t;
	double score;
	int n = split(line, f, STATE_FIELDS);

	if (n != STATE_FIELDS) {
		say(why, wlen, "expected TABLE KEY SCORE, found %d field%s", n,
		    n == 1 ? "" : "s");
		return -1;
	}
	if (!name_ok(f[0])) {
		util_log_escape(f[0], esc, sizeof(esc), 0);
		say(why, wlen, "bad table name \"%s\" (want 1 to %d of"
		    " a-z, 0-9, _)", esc, STATE_NAME_MAX);
		return -1;
	}
	if (strlen(f[1]) > STATE_KEY_MAX) {
		say(why, wlen, "key longer than %d bytes", STATE_KEY_MAX);
		return -1;
	}
	if ((bad = bad_key_byte(f[1])) != NULL) {
		say(why, wlen, "bad byte \\x%02x in key", (unsigned char)*bad);
		return -1;
	}
	if (util_parse_seconds(f[2], 0, STATE_NUM_MAX, &score) == -1) {
		util_log_escape(f[2], esc, sizeof(esc), 0);
		say(why, wlen, "bad score \"%s\" (want a plain decimal from 0"
		    " to %.0f)", esc, STATE_NUM_MAX);
		return -1;
	}
	if (!ld->apply)
		return 0;
	if ((t = find_table(ld, f[0])) != NULL)
		score *= exp2(-ld->gap / score_half_life(t));
	if (t == NULL || score < SCORE_NEGLIGIBLE) {
		ld->skipped++;
		return 0;
	}
	score_raise(t, f[1], score, ld->now);
	ld->loaded++;
	return 0;
}

/* check_line - why a line read by util_read_line is unusable, or NULL */
static const char *
check_line(enum util_line r, const char *buf)
{
	if (r == UTIL_LINE_LONG)
		return "line too long";
	if (r == UTIL_LINE_NUL)
		return "NUL byte in line";
	if (buf[strlen(buf) - 1] != '\n')
		return "last line cut short (no newline)";
	return NULL;
}

/* load_pass - read every line of fp; 0 ok, -1 (PATH:LINE: why in msg) */
static int
load_pass(FILE *fp, struct load *ld, char *msg, size_t len)
{
	char buf[STATE_LINE_MAX], why[160];
	const char *bad;
	enum util_line r;
	int rc;

	ld->line = 0;
	ld->loaded = ld->skipped = 0;
	while ((r = util_read_line(fp, buf, sizeof(buf))) != UTIL_LINE_EOF) {
		ld->line++;
		if ((bad = check_line(r, buf)) != NULL) {
			say(msg, len, "%s:%lu: %s", ld->path, ld->line, bad);
			return -1;
		}
		if (ld->line == 1)
			rc = parse_header(ld, buf, why, sizeof(why));
		else
			rc = parse_entry(ld, buf, why, sizeof(why));
		if (rc == -1) {
			say(msg, len, "%s:%lu: %s", ld->path, ld->line, why);
			return -1;
		}
	}
	if (ferror(fp)) {
		say(msg, len, "%s:%lu: read: %s", ld->path, ld->line + 1,
		    strerror(errno ? errno : EIO));
		return -1;
	}
	if (ld->line == 0) {
		say(msg, len, "%s:1: empty file (no \"%s\" header)", ld->path,
		    STATE_MAGIC);
		return -1;
	}
	return 0;
}

/* open_state - path for reading: a FILE, or NULL (errno; ENOENT: none) */
static FILE *
open_state(const char *path, char *msg, size_t len)
{
	struct stat st;
	FILE *fp;
	int fd, saved;

	/* O_NONBLOCK: a FIFO planted at path must not hang the start */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		saved = errno;
		say(msg, len, "%s: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		say(msg, len, "%s: not a regular file", path);
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		saved = errno;
		say(msg, len, "%s: %s", path, strerror(saved));
		close(fd);
		errno = saved;
	}
	return fp;
}

/* state_load - path's entries into the tables: 1 loaded, 0 none, -1 bad */
int
state_load(const char *path, const struct state_table *tabs, size_t n,
    double now, double wall, char *msg, size_t len)
{
	struct load ld;
	FILE *fp;
	int rc;

	if (check_tabs(tabs, n, msg, len) == -1)
		return -1;
	if ((fp = open_state(path, msg, len)) == NULL)
		return errno == ENOENT ? 0 : -1;
	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.tabs = tabs;
	ld.ntabs = n;
	ld.now = now;
	ld.wall = wall;
	rc = load_pass(fp, &ld, msg, len);
	if (rc == 0) {
		rewind(fp);
		ld.apply = 1;
		rc = load_pass(fp, &ld, msg, len);
	}
	fclose(fp);
	if (rc == -1)
		return -1;
	say(msg, len, "%s: %zu entries loaded, %zu skipped", path, ld.loaded,
	    ld.skipped);
	return 1;
}
