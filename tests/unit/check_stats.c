/*
 * NAME
 *	check_stats 1
 * SUMMARY
 *	unit tests for src/stats.c: counters, gauges, histogram, output
 * DESCRIPTION
 *	Counters and the histogram hammered from many threads must sum
 *	exactly, and snapshots taken meanwhile must stay consistent. The
 *	Prometheus text is run through a small checker of the exposition
 *	format 0.0.4 (sample grammar, # TYPE before samples, families kept
 *	together, cumulative buckets ending in +Inf equal to _count), which
 *	is itself tested on broken input. stats_write_file() is checked for
 *	atomic replacement while another thread keeps reading the file.
 */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#define NTHREADS	8
#define NITER		100000

/* ------------------------------------------------- exposition checker */

#define MAXFAM	32
#define MAXSER	128

struct fam {
	char	name[128];
	char	type[16];		/* "" until # TYPE */
	int	help, samples;
	/* histograms only */
	double	last_le, last_bucket, inf, count;
	int	has_inf, has_sum, has_count;
};

struct prom {
	struct fam fam[MAXFAM];
	int	nfam;
	char	series[MAXSER][192];
	int	nser;
	int	cur;			/* family of the previous sample */
};

/* find_fam - family by exact name, or NULL */
static struct fam *
find_fam(struct prom *p, const char *name, size_t n)
{
	int i;

	for (i = 0; i < p->nfam; i++)
		if (strlen(p->fam[i].name) == n &&
		    strncmp(p->fam[i].name, name, n) == 0)
			return &p->fam[i];
	return NULL;
}

/* add_fam - a new family, or NULL when full or the name is too long */
static struct fam *
add_fam(struct prom *p, const char *name, size_t n)
{
	struct fam *f;

	if (p->nfam == MAXFAM || n >= sizeof(f->name))
		return NULL;
	f = &p->fam[p->nfam++];
	memset(f, 0, sizeof(*f));
	memcpy(f->name, name, n);
	f->last_le = -INFINITY;
	f->last_bucket = -1;
	return f;
}

/* name_len - length of a valid metric (colons) or label name at s */
static size_t
name_len(const char *s, int metric)
{
	size_t n = 0;

	for (;; n++) {
		char c = s[n];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (metric && c == ':'))
			continue;
		if (n > 0 && c >= '0' && c <= '9')
			continue;
		return n;
	}
}

/* parse_float - a whole sample value as Prometheus reads it; -1 bad */
static int
parse_float(const char *s, size_t n, double *v)
{
	char buf[64], *end;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcmp(buf, "+Inf") == 0)
		*v = INFINITY;
	else if (strcmp(buf, "-Inf") == 0)
		*v = -INFINITY;
	else if (strcmp(buf, "NaN") == 0)
		*v = NAN;
	else {
		if (strchr("0123456789+-.", buf[0]) == NULL)
			return -1;	/* no "inf", "nan", hex words... */
		*v = strtod(buf, &end);
		if (*end != '\0')
			return -1;
	}
	return 0;
}

/* has_suffix - name[0..n) ends in suf */
static int
has_suffix(const char *name, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n > k && strncmp(name + n - k, suf, k) == 0;
}

#define BAD(...) do {							\
	snprintf(err, errlen, "line %d: ", lineno);			\
	snprintf(err + strlen(err), errlen - strlen(err), __VA_ARGS__);	\
	return -1;							\
} while (0)

/* check_comment - a # HELP or # TYPE line (others are plain comments) */
static int
check_comment(struct prom *p, const char *l, int lineno, char *err,
    size_t errlen)
{
	static const char *const types[] = {
		"counter", "gauge", "histogram", "summary", "untyped"
	};
	int is_type = strncmp(l, "# TYPE ", 7) == 0;
	struct fam *f;
	const char *name;
	size_t n, i;

	if (!is_type && strncmp(l, "# HELP ", 7) != 0)
		return 0;
	name = l + 7;
	if ((n = name_len(name, 1)) == 0 || name[n] != ' ')
		BAD("bad name in %s", l);
	if ((f = find_fam(p, name, n)) == NULL &&
	    (f = add_fam(p, name, n)) == NULL)
		BAD("too many families");
	if (f->samples)
		BAD("%s after the samples of %s", is_type ? "TYPE" : "HELP",
		    f->name);
	if (!is_type) {
		if (f->help++)
			BAD("second HELP for %s", f->name);
		return 0;
	}
	if (f->type[0])
		BAD("second TYPE for %s", f->name);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(name + n + 1, types[i]) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		BAD("unknown type %s", name + n + 1);
	strcpy(f->type, types[i]);
	return 0;
}

/* check_sample - name{labels} value, against what came before */
static int
check_sample(struct prom *p, const char *l, const char *prefix, int lineno,
    char *err, size_t errlen)
{
	const char *s = l, *v;
	char le[32] = "", key[192];
	size_t n = name_len(l, 1), fn, k;
	struct fam *f;
	double val, lev;
	int i, has_le = 0;

	if (n == 0)
		BAD("no metric name: %s", l);
	if (strncmp(l, prefix, strlen(prefix)) != 0)
		BAD("name without prefix %s: %s", prefix, l);
	s = l + n;
	if (*s == '{') {
		s++;
		while (*s != '}') {
			const char *lname = s;
			size_t ln = name_len(s, 0);
			size_t j = 0;

			if (ln == 0 || s[ln] != '=' || s[ln + 1] != '"')
				BAD("bad label: %s", l);
			s += ln + 2;
			for (; *s != '"'; s++) {
				if (*s == '\0')
					BAD("unterminated label value: %s", l);
				if (*s == '\\' && strchr("\\\"n", s[1]) == NULL)
					BAD("bad escape in label value: %s", l);
				if (*s == '\\')
					s++;
				if (j + 1 < sizeof(le))
					le[j++] = *s;
			}
			if (ln == 2 && strncmp(lname, "le", 2) == 0) {
				le[j] = '\0';
				has_le = 1;
			}
			s++;
			if (*s == ',')
				s++;
			else if (*s != '}')
				BAD("expected , or }: %s", l);
		}
		s++;
	}
	k = (size_t)(s - l);
	if (*s != ' ')
		BAD("expected one space before the value: %s", l);
	v = ++s;
	s += strcspn(s, " ");
	if (*s == ' ')
		BAD("unexpected timestamp or junk: %s", l);
	if (parse_float(v, (size_t)(s - v), &val) == -1)
		BAD("bad value: %s", l);

	/* the family: the name itself, or a histogram's or summary's part */
	fn = n;
	if ((f = find_fam(p, l, n)) == NULL || f->type[0] == '\0') {
		f = NULL;
		if (has_suffix(l, n, "_bucket"))
			fn = n - 7;
		else if (has_suffix(l, n, "_count"))
			fn = n - 6;
		else if (has_suffix(l, n, "_sum"))
			fn = n - 4;
		if (fn != n)
			f = find_fam(p, l, fn);
		if (f != NULL && strcmp(f->type, "histogram") != 0 &&
		    (strcmp(f->type, "summary") != 0 || l[fn + 1] == 'b'))
			f = NULL;
		if (f == NULL)
			BAD("sample without # TYPE before it: %s", l);
	} else if (strcmp(f->type, "histogram") == 0)
		BAD("histogram sample without _bucket/_sum/_count: %s", l);
	if (p->cur != f - p->fam) {
		if (f->samples)
			BAD("samples of %s are not together", f->name);
		p->cur = (int)(f - p->fam);
	}
	f->samples++;

	if (k >= sizeof(key))
		BAD("series too long");
	memcpy(key, l, k);
	key[k] = '\0';
	for (i = 0; i < p->nser; i++)
		if (strcmp(p->series[i], key) == 0)
			BAD("duplicate series %s", key);
	if (p->nser == MAXSER)
		BAD("too many series");
	strcpy(p->series[p->nser++], key);

	if (strcmp(f->type, "counter") == 0) {
		if (!has_suffix(l, n, "_total"))
			BAD("counter %s does not end in _total", f->name);
		if (!(val >= 0))
			BAD("counter below 0: %s", l);
	}
	if (strcmp(f->type, "histogram") != 0)
		return 0;
	if (fn == n - 7) {			/* _bucket */
		if (!has_le || parse_float(le, strlen(le), &lev) == -1 ||
		    isnan(lev))
			BAD("bucket without a valid le: %s", l);
		if (f->has_inf)
			BAD("bucket after +Inf: %s", l);
		if (!(lev > f->last_le))
			BAD("le not increasing: %s", l);
		if (!(val >= f->last_bucket))
			BAD("bucket counts not cumulative: %s", l);
		if (val != floor(val))
			BAD("bucket count not an integer: %s", l);
		f->last_le = lev;
		f->last_bucket = val;
		if (isinf(lev)) {
			f->has_inf = 1;
			f->inf = val;
		}
	} else if (fn == n - 6) {		/* _count */
		f->has_count = 1;
		f->count = val;
	} else
		f->has_sum = 1;
	return 0;
}

/*
 * prom_check - whether text is valid exposition format 0.0.4 with every
 * metric typed, prefixed, and with sane histograms; 0 ok, -1 see err
 */
static int
prom_check(const char *text, const char *prefix, char *err, size_t errlen)
{
	static struct prom p;	/* big; one check at a time */
	char line[512];
	const char *t = text;
	int lineno = 0, i;

	memset(&p, 0, sizeof(p));
	p.cur = -1;
	if (*t == '\0' || t[strlen(t) - 1] != '\n')
		BAD("empty, or the last line has no newline");
	while (*t) {
		size_t n = strcspn(t, "\n");

		lineno++;
		if (n >= sizeof(line))
			BAD("line too long");
		memcpy(line, t, n);
		line[n] = '\0';
		t += n + 1;
		if (n == 0)
			BAD("empty line");
		if (line[0] == '#') {
			if (check_comment(&p, line, lineno, err, errlen) == -1)
				return -1;
		} else if (check_sample(&p, line, prefix, lineno, err,
		    errlen) == -1)
			return -1;
	}
	for (i = 0; i < p.nfam; i++) {
		struct fam *f = &p.fam[i];

		lineno = 0;
		if (f->type[0] == '\0')
			BAD("HELP without TYPE for %s", f->name);
		if (f->samples == 0)
			BAD("no samples for %s", f->name);
		if (strcmp(f->type, "histogram") != 0)
			continue;
		if (!f->has_inf || !f->has_sum || !f->has_count)
			BAD("%s lacks +Inf bucket, _sum or _count", f->name);
		if (f->inf != f->count)
			BAD("%s: +Inf bucket %g != _count %g", f->name, f->inf,
			    f->count);
	}
	return 0;
}

#undef BAD

/* prom_value - the value of the series "name{labels}" in text, NAN if none */
static double
prom_value(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *t = text;

	for (; t != NULL && *t; t = strchr(t, '\n'), t = t ? t + 1 : t)
		if (strncmp(t, series, n) == 0 && t[n] == ' ')
			return strtod(t + n + 1, NULL);
	return NAN;
}

/* render - the Prometheus text of a fresh snapshot; caller frees */
static char *
render(void)
{
	struct stats_snapshot s;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	stats_snapshot(&s);
	ck_assert_int_eq(stats_format_prometheus(&s, fp), 0);
	fclose(fp);
	return buf;
}

/* assert_valid - prom_check must pass */
static void
assert_valid(const char *text)
{
	char err[256];

	ck_assert_msg(prom_check(text, "milter_tarpit_", err,
	    sizeof(err)) == 0,
	    "invalid exposition: %s\n%s", err, text);
}

/* assert_invalid - prom_check must fail */
static void
assert_invalid(const char *text)
{
	char err[256];

	ck_assert_msg(prom_check(text, "milter_tarpit_", err,
	    sizeof(err)) == -1,
	    "checker accepted:\n%s", text);
}

/* ------------------------------------------------------------ threads */

static int stop_reader;
static int reader_bad;
static unsigned long reader_snaps;

/* hammer - NITER rounds of every kind of update */
static void *
hammer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NITER; i++) {
		stats_inc(STATS_RCPT_CHECKED);
		stats_inc(STATS_DIR_QUERIES);
		stats_inc(STATS_DIR_QUERIES);
		if (i % 10 == 0)
			stats_observe_lookup(0.003);
		if (i % 100 == 0) {
			stats_tarpit_enter();
			stats_tarpit_leave(0.001);
		}
	}
	return NULL;
}

/* snapper - snapshots while others write: each consistent, none going back */
static void *
snapper(void *arg)
{
	struct stats_snapshot a, b;
	int i;

	(void)arg;
	stats_snapshot(&a);
	while (!__atomic_load_n(&stop_reader, __ATOMIC_RELAXED)) {
		stats_snapshot(&b);
		reader_snaps++;
		if (b.buckets[STATS_BUCKETS - 1] != b.lookup_count ||
		    b.asleep_peak < b.asleep_now)
			reader_bad = 1;
		for (i = 1; i < STATS_BUCKETS; i++)
			if (b.buckets[i] < b.buckets[i - 1])
				reader_bad = 1;
		for (i = 0; i < STATS__COUNT; i++)
			if (b.counters[i] < a.counters[i])
				reader_bad = 1;
		if (b.lookup_count < a.lookup_count ||
		    b.tarpit_seconds < a.tarpit_seconds)
			reader_bad = 1;
		a = b;
	}
	return NULL;
}

START_TEST(test_counters_threads)
{
	pthread_t t[NTHREADS], r;
	struct stats_snapshot s;
	int i;

	stats_reset();
	stop_reader = reader_bad = 0;
	reader_snaps = 0;
	ck_assert_int_eq(pthread_create(&r, NULL, snapper, NULL), 0);
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&stop_reader, 1, __ATOMIC_RELAXED);
	pthread_join(r, NULL);

	stats_snapshot(&s);
	ck_assert_uint_eq(s.counters[STATS_RCPT_CHECKED],
	    (unsigned long)NTHREADS * NITER);
	ck_assert_uint_eq(s.counters[STATS_DIR_QUERIES],
	    2UL * NTHREADS * NITER);
	ck_assert_uint_eq(s.counters[STATS_SESSIONS], 0);
	ck_assert_uint_eq(s.lookup_count, (unsigned long)NTHREADS * NITER / 10);
	ck_assert_uint_eq(s.buckets[1], 0);		/* le=0.0025 */
	ck_assert_uint_eq(s.buckets[2], s.lookup_count);	/* le=0.005 */
	ck_assert_double_eq_tol(s.lookup_sum, 0.003 * s.lookup_count, 1e-6);
	ck_assert_uint_eq(s.asleep_now, 0);
	ck_assert(s.asleep_peak >= 1 && s.asleep_peak <= NTHREADS);
	ck_assert_double_eq_tol(s.tarpit_seconds,
	    0.001 * NTHREADS * NITER / 100, 1e-9);
	ck_assert_msg(!reader_bad, "an inconsistent snapshot in %lu",
	    reader_snaps);
}
END_TEST

/* add - n times stats_inc */
static void
add(enum stats_counter c, unsigned long n)
{
	while (n-- > 0)
		stats_inc(c);
}

START_TEST(test_counters_all)
{
	struct stats_snapshot s;
	int i;

	stats_reset();
	for (i = 0; i < STATS__COUNT; i++)
		add((enum stats_counter)i, (unsigned long)i * 10);
	for (i = 0; i < STATS__COUNT; i++)
		stats_inc((enum stats_counter)i);
	stats_inc(STATS__COUNT);		/* out of range: ignored */
	stats_inc((enum stats_counter)-1);
	stats_snapshot(&s);
	for (i = 0; i < STATS__COUNT; i++)
		ck_assert_uint_eq(s.counters[i], (unsigned long)i * 10 + 1);
	stats_reset();
	stats_snapshot(&s);
	for (i = 0; i < STATS__COUNT; i++)
		ck_assert_uint_eq(s.counters[i], 0);
	ck_assert(s.start_time >= (double)time(NULL) - 5 &&
	    s.start_time <= (double)time(NULL) + 1);
}
END_TEST

/* -------------------------------------------------------------- tarpit */

START_TEST(test_peak_sequential)
{
	struct stats_snapshot s;

	stats_reset();
	stats_tarpit_enter();
	stats_tarpit_enter();
	stats_tarpit_enter();
	stats_snapshot(&s);
	ck_assert_uint_eq(s.asleep_now, 3);
	ck_assert_uint_eq(s.asleep_peak, 3);
	stats_tarpit_leave(1.5);
	stats_tarpit_leave(0.25);
	stats_snapshot(&s);
	ck_assert_uint_eq(s.asleep_now, 1);
	ck_assert_uint_eq(s.asleep_peak, 3);
	ck_assert(s.tarpit_seconds == 1.75);
	stats_tarpit_enter();
	stats_snapshot(&s);
	ck_assert_uint_eq(s.asleep_now, 2);
	ck_assert_uint_eq(s.asleep_peak, 3);
	stats_tarpit_enter();
	stats_tarpit_enter();
	stats_snapshot(&s);
	ck_assert_uint_eq(s.asleep_now, 4);
	ck_assert_uint_eq(s.asleep_peak, 4);
	stats_tarpit_leave(NAN);		/* garbage adds nothing */
	stats_tarpit_leave(-3);
	stats_tarpit_leave(0.0000004);		/* rounds to 0 us */
	stats_tarpit_leave(0.0000006);		/* rounds to 1 us */
	stats_snapshot(&s);
	ck_assert_uint_eq(s.asleep_now, 0);
	ck_assert_uint_eq(s.asleep_peak, 4);
	ck_assert_double_eq_tol(s.tarpit_seconds, 1.750001, 1e-12);
}
END_TEST

static pthread_barrier_t all_asleep;

/* sleeper - enter, wait until every sleeper has entered, leave */
static void *
sleeper(void *arg)
{
	(void)arg;
	stats_tarpit_enter();
	pthread_barrier_wait(&all_asleep);
	stats_tarpit_leave(0.5);
	return NULL;
}

START_TEST(test_peak_threads)
{
	pthread_t t[NTHREADS * 4];
	struct stats_snapshot s;
	int i, n = NTHREADS * 4;

	stats_reset();
	pthread_barrier_init(&all_asleep, NULL, (unsigned)n);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, sleeper, NULL),
		    0);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&all_asleep);
	stats_snapshot(&s);
	ck_assert_uint_eq(s.asleep_now, 0);
	ck_assert_uint_eq(s.asleep_peak, (unsigned long)n);
	ck_assert(s.tarpit_seconds == 0.5 * n);
}
END_TEST

/* ----------------------------------------------------------- histogram */

/* assert_in_bucket - one observation of v lands in bucket b exactly */
static void
assert_in_bucket(double v, int b)
{
	struct stats_snapshot s;
	int i;

	stats_reset();
	stats_observe_lookup(v);
	stats_snapshot(&s);
	ck_assert_uint_eq(s.lookup_count, 1);
	for (i = 0; i < STATS_BUCKETS; i++)
		ck_assert_msg(s.buckets[i] == (i >= b ? 1UL : 0UL),
		    "%.17g: bucket %d (le %g) = %lu, want it first in %d", v,
		    i, stats_bucket_bound(i), s.buckets[i], b);
}

START_TEST(test_bucket_bounds)
{
	static const double want[] = {
		0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
		2.5, 5, 10
	};
	int i;

	ck_assert_int_eq(STATS_BUCKETS, 14);
	for (i = 0; i < STATS_BUCKETS - 1; i++)
		ck_assert(stats_bucket_bound(i) == want[i]);
	ck_assert(isinf(stats_bucket_bound(STATS_BUCKETS - 1)));
	ck_assert(isinf(stats_bucket_bound(-1)));
	ck_assert(isinf(stats_bucket_bound(99)));
}
END_TEST

START_TEST(test_bucket_boundaries)
{
	int i;

	for (i = 0; i < STATS_BUCKETS - 1; i++) {
		double b = stats_bucket_bound(i);

		assert_in_bucket(b, i);			/* le is inclusive */
		assert_in_bucket(nextafter(b, INFINITY), i + 1);
		assert_in_bucket(nextafter(b, 0), i);
	}
	assert_in_bucket(0, 0);
	assert_in_bucket(-1, 0);			/* counted as 0 */
	assert_in_bucket(1e-9, 0);
	assert_in_bucket(10.0001, STATS_BUCKETS - 1);
	assert_in_bucket(3600, STATS_BUCKETS - 1);
	assert_in_bucket(INFINITY, STATS_BUCKETS - 1);
}
END_TEST

START_TEST(test_histogram_sum)
{
	struct stats_snapshot s;

	stats_reset();
	stats_observe_lookup(0.001);
	stats_observe_lookup(0.25);
	stats_observe_lookup(2);
	stats_observe_lookup(-5);		/* counted, adds 0 */
	stats_observe_lookup(NAN);		/* ignored altogether */
	stats_snapshot(&s);
	ck_assert_uint_eq(s.lookup_count, 4);
	ck_assert_double_eq_tol(s.lookup_sum, 2.251, 1e-9);
	ck_assert_uint_eq(s.buckets[0], 2);		/* 0.001 and -5 */
	ck_assert_uint_eq(s.buckets[6], 2);		/* le=0.1 */
	ck_assert_uint_eq(s.buckets[7], 3);		/* le=0.25 */
	ck_assert_uint_eq(s.buckets[9], 3);		/* le=1 */
	ck_assert_uint_eq(s.buckets[10], 4);		/* le=2.5 */
	ck_assert_uint_eq(s.buckets[STATS_BUCKETS - 1], 4);
}
END_TEST

START_TEST(test_quantile)
{
	struct stats_snapshot s;
	int i;

	stats_reset();
	stats_snapshot(&s);
	ck_assert(stats_quantile(&s, 0.5) == -1);	/* no data */

	for (i = 0; i < 100; i++)
		stats_observe_lookup(0.003);		/* (0.0025, 0.005] */
	stats_snapshot(&s);
	ck_assert_double_eq_tol(stats_quantile(&s, 0.5), 0.00375, 1e-12);
	ck_assert_double_eq_tol(stats_quantile(&s, 0.99), 0.004975, 1e-12);
	ck_assert_double_eq_tol(stats_quantile(&s, 1), 0.005, 1e-12);
	ck_assert_double_eq_tol(stats_quantile(&s, 0), 0.0025, 1e-12);

	/* 90 fast, 10 slow: p50 in the first bucket, p99 in (0.5, 1] */
	stats_reset();
	for (i = 0; i < 90; i++)
		stats_observe_lookup(0.0005);
	for (i = 0; i < 10; i++)
		stats_observe_lookup(0.7);
	stats_snapshot(&s);
	ck_assert_double_eq_tol(stats_quantile(&s, 0.5), 0.001 * 50 / 90,
	    1e-12);
	ck_assert_double_eq_tol(stats_quantile(&s, 0.99), 0.5 + 0.5 * 9 / 10,
	    1e-12);

	/* beyond the last finite bound: capped there */
	stats_reset();
	stats_observe_lookup(30);
	stats_snapshot(&s);
	ck_assert(stats_quantile(&s, 0.5) == 10);
	ck_assert(stats_quantile(&s, 0.99) == 10);
}
END_TEST

/* ---------------------------------------------------------- prometheus */

/* populate - a known, nonzero value everywhere */
static void
populate(void)
{
	int i;

	stats_reset();
	for (i = 0; i < STATS__COUNT; i++)
		add((enum stats_counter)i, 100 + (unsigned long)i);
	stats_tarpit_enter();
	stats_tarpit_enter();
	stats_tarpit_enter();
	stats_tarpit_leave(20.000001);
	stats_tarpit_leave(0.25);
	stats_observe_lookup(0.001);
	stats_observe_lookup(0.004);
	stats_observe_lookup(0.004);
	stats_observe_lookup(0.3);
	stats_observe_lookup(12);
	stats_decision("accept", "exists");
	stats_decision("accept", "exists");
	stats_decision("reject", "unknown");
	stats_decision("disconnect", "harvest");
}

/* decisions - the value of decisions_total{action,reason} in text */
static double
decisions(const char *text, const char *action, const char *reason)
{
	char series[160];

	snprintf(series, sizeof(series), "milter_tarpit_decisions_total"
	    "{action=\"%s\",reason=\"%s\"}", action, reason);
	return prom_value(text, series);
}

START_TEST(test_decision_labels)
{
	static const char *const pairs[][2] = {
		{ "accept", "exists" }, { "accept", "non-local" },
		{ "accept", "postmaster" }, { "accept", "exempt" },
		{ "reject", "unknown" }, { "reject", "unknown-busy" },
		{ "reject", "bad-address" }, { "reject", "sender-unknown" },
		{ "reject", "sender-needs-auth" },
		{ "tempfail", "directory-error" }, { "tempfail", "attack" },
		{ "tempfail", "tarpit-full" },
		{ "disconnect", "harvest" }, { "disconnect", "tarpit-full" },
	};
	size_t i, n = sizeof(pairs) / sizeof(pairs[0]);
	char *text;

	/* every answer the policy gives has its series, from the start */
	stats_reset();
	text = render();
	assert_valid(text);
	for (i = 0; i < n; i++)
		ck_assert_msg(decisions(text, pairs[i][0], pairs[i][1]) == 0,
		    "no 0 for %s %s", pairs[i][0], pairs[i][1]);
	ck_assert(isnan(decisions(text, "reject", "other")));
	ck_assert(isnan(decisions(text, "accept", "unknown")));
	free(text);

	/* each counted under its own pair; the harvest 421 is no tempfail */
	for (i = 0; i < n; i++)
		stats_decision(pairs[i][0], pairs[i][1]);
	stats_decision("disconnect", "harvest");
	stats_decision("reject", "no-such-reason");	/* bounded: "other" */
	stats_decision("reject", "another-one");
	stats_decision("no-such-action", "exists");	/* ignored */
	text = render();
	assert_valid(text);
	for (i = 0; i < n; i++)
		ck_assert_msg(decisions(text, pairs[i][0], pairs[i][1]) ==
		    1 + (i == n - 2), "%s %s = %g", pairs[i][0], pairs[i][1],
		    decisions(text, pairs[i][0], pairs[i][1]));
	ck_assert(decisions(text, "reject", "other") == 2);
	ck_assert(isnan(decisions(text, "accept", "other")));
	ck_assert(strstr(text, "no-such") == NULL);
	free(text);
}
END_TEST

/* count_42 - a score table of 42 networks */
static size_t
count_42(void *arg)
{
	return arg == (void *)count_42 ? 42 : 0;
}

START_TEST(test_networks_hook)
{
	char *text;

	stats_reset();
	stats_networks_hook(count_42, (void *)count_42);
	text = render();
	ck_assert(prom_value(text, "milter_tarpit_score_networks") == 42);
	free(text);
	stats_networks_hook(NULL, NULL);
	text = render();
	ck_assert(prom_value(text, "milter_tarpit_score_networks") == 0);
	free(text);
}
END_TEST

START_TEST(test_prometheus_names)
{
	static const char *const want[] = {
		"milter_tarpit_sessions_total counter",
		"milter_tarpit_recipients_checked_total counter",
		"milter_tarpit_decisions_total counter",
		"milter_tarpit_harvest_disconnects_total counter",
		"milter_tarpit_attack_mode gauge",
		"milter_tarpit_greylisted_total counter",
		"milter_tarpit_good_records_earned_total counter",
		"milter_tarpit_senders_checked_total counter",
		"milter_tarpit_sleep_seconds_total counter",
		"milter_tarpit_sleeping_threads gauge",
		"milter_tarpit_sleeping_threads_peak gauge",
		"milter_tarpit_cache_lookups_total counter",
		"milter_tarpit_directory_queries_total counter",
		"milter_tarpit_directory_errors_total counter",
		"milter_tarpit_directory_lookup_seconds histogram",
		"milter_tarpit_start_time_seconds gauge",
		"milter_tarpit_build_info gauge",
		"milter_tarpit_score_networks gauge",
	};
	size_t i = 0, n = sizeof(want) / sizeof(want[0]);
	char *text, *t;

	stats_reset();
	text = render();
	for (t = text; (t = strstr(t, "# TYPE ")) != NULL; t += 7) {
		size_t len = strcspn(t + 7, "\n");

		ck_assert_msg(i < n, "extra family %.*s", (int)len, t + 7);
		ck_assert_msg(strlen(want[i]) == len &&
		    strncmp(t + 7, want[i], len) == 0, "family %zu: %.*s,"
		    " want %s", i, (int)len, t + 7, want[i]);
		i++;
	}
	ck_assert_uint_eq(i, n);
	free(text);
}
END_TEST

START_TEST(test_prometheus_zero)
{
	char *text;

	stats_reset();
	text = render();
	assert_valid(text);
	ck_assert(prom_value(text, "milter_tarpit_sessions_total") == 0);
	ck_assert(prom_value(text,
	    "milter_tarpit_directory_lookup_seconds_bucket{le=\"+Inf\"}") == 0);
	ck_assert(prom_value(text,
	    "milter_tarpit_directory_lookup_seconds_sum") == 0);
	ck_assert(strstr(text,
	    "\nmilter_tarpit_sleep_seconds_total 0.000000\n") != NULL);
	free(text);
}
END_TEST

START_TEST(test_prometheus_values)
{
	static const struct {
		const char *series;
		double value;
	} want[] = {
		{ "milter_tarpit_sessions_total", 100 },
		{ "milter_tarpit_recipients_checked_total", 101 },
		{ "milter_tarpit_decisions_total{action=\"accept\","
		  "reason=\"exists\"}", 2 },
		{ "milter_tarpit_decisions_total{action=\"reject\","
		  "reason=\"unknown\"}", 1 },
		{ "milter_tarpit_decisions_total{action=\"disconnect\","
		  "reason=\"harvest\"}", 1 },
		{ "milter_tarpit_decisions_total{action=\"tempfail\","
		  "reason=\"directory-error\"}", 0 },
		{ "milter_tarpit_harvest_disconnects_total", 105 },
		{ "milter_tarpit_cache_lookups_total{result=\"hit\"}", 106 },
		{ "milter_tarpit_cache_lookups_total{result=\"miss\"}", 107 },
		{ "milter_tarpit_directory_queries_total", 108 },
		{ "milter_tarpit_directory_errors_total", 109 },
		{ "milter_tarpit_senders_checked_total", 115 },
		{ "milter_tarpit_sleep_seconds_total", 20.250001 },
		{ "milter_tarpit_sleeping_threads", 1 },
		{ "milter_tarpit_sleeping_threads_peak", 3 },
		{ "milter_tarpit_directory_lookup_seconds_bucket{le=\"0.001\"}",
		  1 },
		{ "milter_tarpit_directory_lookup_seconds_bucket"
		  "{le=\"0.0025\"}", 1 },
		{ "milter_tarpit_directory_lookup_seconds_bucket{le=\"0.005\"}",
		  3 },
		{ "milter_tarpit_directory_lookup_seconds_bucket{le=\"0.25\"}",
		  3 },
		{ "milter_tarpit_directory_lookup_seconds_bucket{le=\"0.5\"}",
		  4 },
		{ "milter_tarpit_directory_lookup_seconds_bucket{le=\"10\"}",
		  4 },
		{ "milter_tarpit_directory_lookup_seconds_bucket{le=\"+Inf\"}",
		  5 },
		{ "milter_tarpit_directory_lookup_seconds_count", 5 },
		{ "milter_tarpit_directory_lookup_seconds_sum", 12.309 },
	};
	size_t i;
	char *text;

	populate();
	text = render();
	assert_valid(text);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		double v = prom_value(text, want[i].series);

		ck_assert_msg(fabs(v - want[i].value) < 1e-9, "%s = %g, want"
		    " %g", want[i].series, v, want[i].value);
	}
	ck_assert(strstr(text,
	    "\nmilter_tarpit_sleep_seconds_total 20.250001\n") != NULL);
	ck_assert(strstr(text,
	    "\nmilter_tarpit_directory_lookup_seconds_sum 12.309000\n") !=
	    NULL);
	ck_assert(prom_value(text, "milter_tarpit_start_time_seconds") >=
	    (double)time(NULL) - 5);
	ck_assert(prom_value(text, "milter_tarpit_build_info{version=\""
	    PACKAGE_VERSION "\"}") == 1);
	ck_assert(prom_value(text, "milter_tarpit_score_networks") == 0);
	free(text);
}
END_TEST

START_TEST(test_prometheus_write_error)
{
	struct stats_snapshot s;
	FILE *fp = fopen("/dev/full", "w");

	if (fp == NULL)
		return;		/* no /dev/full here */
	stats_reset();
	stats_snapshot(&s);
	errno = 0;
	ck_assert_int_eq(stats_format_prometheus(&s, fp), -1);
	ck_assert_int_eq(errno, ENOSPC);
	fclose(fp);
}
END_TEST

START_TEST(test_checker_rejects)
{
	static const char *const bad[] = {
		"",
		"# TYPE milter_tarpit_a_total counter\nmilter_tarpit_a_total 1",
		"milter_tarpit_a_total 1\n",
		"# TYPE milter_tarpit_a_total counter\n"
		    "milter_tarpit_a_total  1\n",
		"# TYPE milter_tarpit_a_total counter\n"
		    "milter_tarpit_a_total 1 1234\n",
		"# TYPE milter_tarpit_a_total counter\n"
		    "milter_tarpit_a_total one\n",
		"# TYPE milter_tarpit_a_total counter\n"
		    "milter_tarpit_a_total{x=\"1} 1\n",
		"# TYPE milter_tarpit_a_total counter\n"
		    "milter_tarpit_a_total{1x=\"1\"} 1\n",
		"# TYPE milter_tarpit_a counter\nmilter_tarpit_a 1\n",
		"# TYPE milter_tarpit_a_total counter\n"
		    "milter_tarpit_a_total -1\n",
		"# TYPE milter_tarpit_a gauge\nmilter_tarpit_a 1\n"
		    "milter_tarpit_a 2\n",
		"# TYPE milter_tarpit_a gauge\n# TYPE milter_tarpit_b gauge\n"
		    "milter_tarpit_a 1\nmilter_tarpit_b 1\n"
		    "milter_tarpit_a{x=\"y\"} 1\n",
		"# TYPE milter_tarpit_a gauge\nmilter_tarpit_a 1\n"
		    "# TYPE milter_tarpit_a gauge\n",
		"# TYPE milter_tarpit_a gaug\nmilter_tarpit_a 1\n",
		"# TYPE other gauge\nother 1\n",
		"# TYPE milter_tarpit_a gauge\n\nmilter_tarpit_a 1\n",
		/* histograms */
		"# TYPE milter_tarpit_h histogram\n"
		    "milter_tarpit_h_bucket{le=\"1\"} 2\n"
		    "milter_tarpit_h_bucket{le=\"2\"} 1\n"
		    "milter_tarpit_h_bucket{le=\"+Inf\"} 2\n"
		    "milter_tarpit_h_sum 1\nmilter_tarpit_h_count 2\n",
		"# TYPE milter_tarpit_h histogram\n"
		    "milter_tarpit_h_bucket{le=\"1\"} 1\n"
		    "milter_tarpit_h_bucket{le=\"+Inf\"} 2\n"
		    "milter_tarpit_h_sum 1\nmilter_tarpit_h_count 3\n",
		"# TYPE milter_tarpit_h histogram\n"
		    "milter_tarpit_h_bucket{le=\"1\"} 1\n"
		    "milter_tarpit_h_sum 1\nmilter_tarpit_h_count 1\n",
		"# TYPE milter_tarpit_h histogram\n"
		    "milter_tarpit_h_bucket{le=\"2\"} 1\n"
		    "milter_tarpit_h_bucket{le=\"1\"} 1\n"
		    "milter_tarpit_h_bucket{le=\"+Inf\"} 1\n"
		    "milter_tarpit_h_sum 1\nmilter_tarpit_h_count 1\n",
		"# TYPE milter_tarpit_h histogram\n"
		    "milter_tarpit_h_bucket 1\n"
		    "milter_tarpit_h_bucket{le=\"+Inf\"} 1\n"
		    "milter_tarpit_h_sum 1\nmilter_tarpit_h_count 1\n",
		"# TYPE milter_tarpit_h histogram\nmilter_tarpit_h 1\n",
		"# TYPE milter_tarpit_h gauge\nmilter_tarpit_h_bucket 1\n",
	};
	static const char good[] =
	    "# HELP milter_tarpit_a_total A \\\\ help.\n"
	    "# TYPE milter_tarpit_a_total counter\n"
	    "milter_tarpit_a_total{x=\"a\\\"b\",y=\"\"} 1\n"
	    "milter_tarpit_a_total{x=\"c\",} 1.5e3\n"
	    "# a plain comment\n"
	    "# TYPE milter_tarpit_h histogram\n"
	    "milter_tarpit_h_bucket{le=\"0.5\"} 0\n"
	    "milter_tarpit_h_bucket{le=\"1\"} 1\n"
	    "milter_tarpit_h_bucket{le=\"+Inf\"} 2\n"
	    "milter_tarpit_h_sum 3.5\n"
	    "milter_tarpit_h_count 2\n";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_invalid(bad[i]);
	assert_valid(good);
}
END_TEST

/* -------------------------------------------------------------- files */

/* slurp - whole file, or NULL with errno */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	size_t n;

	if (fp == NULL)
		return NULL;
	buf = malloc(65536);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* count_entries - names in dir other than . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static char tmpdir[64];
static char prom_path[128], tmp_path[160];

/* make_dir - a fresh directory for one test */
static void
make_dir(void)
{
	strcpy(tmpdir, "/tmp/check_stats.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(prom_path, sizeof(prom_path), "%s/milter_tarpit.prom",
	    tmpdir);
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", prom_path);
}

/* remove_dir - undo make_dir */
static void
remove_dir(void)
{
	unlink(prom_path);
	unlink(tmp_path);
	ck_assert_int_eq(rmdir(tmpdir), 0);
}

START_TEST(test_write_file)
{
	struct stat st1, st2;
	char *text;
	FILE *fp;

	make_dir();
	populate();
	ck_assert_int_eq(stats_write_file(prom_path), 0);
	ck_assert_int_eq(count_entries(tmpdir), 1);
	ck_assert_int_eq(access(tmp_path, F_OK), -1);
	text = slurp(prom_path);
	ck_assert_ptr_nonnull(text);
	assert_valid(text);
	ck_assert(prom_value(text, "milter_tarpit_sessions_total") == 100);
	ck_assert(strstr(text, "\nmilter_tarpit_start_time_seconds ") !=
	    NULL);
	free(text);

	/* replaced by rename (a new inode), not rewritten in place */
	ck_assert_int_eq(stat(prom_path, &st1), 0);
	stats_inc(STATS_SESSIONS);
	ck_assert_int_eq(stats_write_file(prom_path), 0);
	ck_assert_int_eq(stat(prom_path, &st2), 0);
	ck_assert(st1.st_ino != st2.st_ino);
	text = slurp(prom_path);
	ck_assert(prom_value(text, "milter_tarpit_sessions_total") == 101);
	free(text);

	/* a .tmp left by a crash is overwritten, then gone */
	fp = fopen(tmp_path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("garbage that is longer than nothing\n", fp);
	fclose(fp);
	ck_assert_int_eq(stats_write_file(prom_path), 0);
	ck_assert_int_eq(count_entries(tmpdir), 1);
	text = slurp(prom_path);
	assert_valid(text);
	free(text);
	remove_dir();
}
END_TEST

START_TEST(test_write_file_errors)
{
	char path[160];

	make_dir();
	/* no such directory */
	snprintf(path, sizeof(path), "%s/nodir/x.prom", tmpdir);
	errno = 0;
	ck_assert_int_eq(stats_write_file(path), -1);
	ck_assert_int_eq(errno, ENOENT);

	/* the target is a directory: rename fails, the .tmp is removed */
	ck_assert_int_eq(mkdir(prom_path, 0700), 0);
	errno = 0;
	ck_assert_int_eq(stats_write_file(prom_path), -1);
	ck_assert(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
	ck_assert_int_eq(access(tmp_path, F_OK), -1);
	ck_assert_int_eq(rmdir(prom_path), 0);
	ck_assert_int_eq(count_entries(tmpdir), 0);

	/* a symlink planted at the .tmp name is not followed */
	ck_assert_int_eq(symlink("/tmp/check_stats-target", tmp_path), 0);
	ck_assert_int_eq(stats_write_file(prom_path), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(access("/tmp/check_stats-target", F_OK), -1);
	remove_dir();
}
END_TEST

static int reads_done, reads_bad;
static char reads_err[256];

/* reader - read the file over and over; every read must be whole */
static void *
reader(void *arg)
{
	char err[256];

	(void)arg;
	while (!__atomic_load_n(&stop_reader, __ATOMIC_RELAXED)) {
		char *text = slurp(prom_path);

		if (text == NULL || prom_check(text, "milter_tarpit_", err,
		    sizeof(err)) == -1) {
			if (!reads_bad)
				snprintf(reads_err, sizeof(reads_err), "%s",
				    text ? err : strerror(errno));
			reads_bad++;
		}
		free(text);
		__atomic_add_fetch(&reads_done, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

START_TEST(test_write_file_atomic)
{
	pthread_t r;
	int i;

	make_dir();
	populate();
	ck_assert_int_eq(stats_write_file(prom_path), 0);
	stop_reader = reads_done = reads_bad = 0;
	ck_assert_int_eq(pthread_create(&r, NULL, reader, NULL), 0);
	for (i = 0; i < 200 ||
	    __atomic_load_n(&reads_done, __ATOMIC_RELAXED) < 20; i++) {
		stats_inc(STATS_SESSIONS);
		stats_observe_lookup(0.01 * (i % 50));
		ck_assert_int_eq(stats_write_file(prom_path), 0);
	}
	__atomic_store_n(&stop_reader, 1, __ATOMIC_RELAXED);
	pthread_join(r, NULL);
	ck_assert_msg(reads_bad == 0, "%d of %d reads bad, first: %s",
	    reads_bad, reads_done, reads_err);
	ck_assert_int_eq(count_entries(tmpdir), 1);
	remove_dir();
}
END_TEST

/* ----------------------------------------------------------------- log */

START_TEST(test_line_keys)
{
	static const char *const keys[] = {
		"sessions", "rcpt", "accepted", "rejected", "tempfailed",
		"harvest", "tarpit_seconds", "asleep", "asleep_peak",
		"cache_hits", "cache_misses", "dir_queries", "dir_errors",
		"lookup_p50", "lookup_p99", "attack", "greylisted",
		"good_earned", "senders"
	};
	struct stats_snapshot s;
	char line[512], *p, *tok;
	size_t i = 0;

	populate();
	stats_snapshot(&s);
	stats_format_line(&s, line, sizeof(line));
	ck_assert_msg(strncmp(line, "stats ", 6) == 0, "%s", line);
	p = line + 6;
	while ((tok = strsep(&p, " ")) != NULL) {
		char *eq = strchr(tok, '=');

		ck_assert_msg(i < sizeof(keys) / sizeof(keys[0]), "extra %s",
		    tok);
		ck_assert_msg(eq != NULL && eq[1] != '\0', "no value: %s", tok);
		*eq = '\0';
		ck_assert_str_eq(tok, keys[i]);
		i++;
	}
	ck_assert_uint_eq(i, sizeof(keys) / sizeof(keys[0]));
}
END_TEST

START_TEST(test_line_values)
{
	struct stats_snapshot s;
	char line[512];

	populate();
	stats_snapshot(&s);
	stats_format_line(&s, line, sizeof(line));
	/* p50: rank 2.5 of 5 in (0.0025, 0.005] holding 2 (from rank 1) */
	ck_assert_str_eq(line, "stats sessions=100 rcpt=101 accepted=102"
	    " rejected=103 tempfailed=104 harvest=105 tarpit_seconds=20.250"
	    " asleep=1 asleep_peak=3 cache_hits=106 cache_misses=107"
	    " dir_queries=108 dir_errors=109 lookup_p50=0.0044"
	    " lookup_p99=10.0000 attack=off greylisted=113 good_earned=114"
	    " senders=115");

	stats_reset();
	stats_snapshot(&s);
	stats_format_line(&s, line, sizeof(line));
	ck_assert_str_eq(line, "stats sessions=0 rcpt=0 accepted=0"
	    " rejected=0 tempfailed=0 harvest=0 tarpit_seconds=0.000"
	    " asleep=0 asleep_peak=0 cache_hits=0 cache_misses=0"
	    " dir_queries=0 dir_errors=0 lookup_p50=- lookup_p99=-"
	    " attack=off greylisted=0 good_earned=0 senders=0");
}
END_TEST

START_TEST(test_line_truncated)
{
	struct stats_snapshot s;
	char line[20];

	populate();
	stats_snapshot(&s);
	memset(line, 'x', sizeof(line));
	stats_format_line(&s, line, sizeof(line));
	ck_assert_uint_eq(strlen(line), sizeof(line) - 1);
	ck_assert(strncmp(line, "stats sessions=100 ", 19) == 0);
	stats_format_line(&s, line, 0);		/* must not write */
	stats_format_line(&s, line, 1);
	ck_assert_str_eq(line, "");
}
END_TEST

static Suite *
stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc;

	tc = tcase_create("counters");
	tcase_set_timeout(tc, 120);	/* valgrind serializes the threads */
	tcase_add_test(tc, test_counters_threads);
	tcase_add_test(tc, test_counters_all);
	suite_add_tcase(s, tc);

	tc = tcase_create("tarpit");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_peak_sequential);
	tcase_add_test(tc, test_peak_threads);
	suite_add_tcase(s, tc);

	tc = tcase_create("histogram");
	tcase_add_test(tc, test_bucket_bounds);
	tcase_add_test(tc, test_bucket_boundaries);
	tcase_add_test(tc, test_histogram_sum);
	tcase_add_test(tc, test_quantile);
	suite_add_tcase(s, tc);

	tc = tcase_create("prometheus");
	tcase_add_test(tc, test_prometheus_names);
	tcase_add_test(tc, test_prometheus_zero);
	tcase_add_test(tc, test_prometheus_values);
	tcase_add_test(tc, test_decision_labels);
	tcase_add_test(tc, test_networks_hook);
	tcase_add_test(tc, test_prometheus_write_error);
	tcase_add_test(tc, test_checker_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_write_file);
	tcase_add_test(tc, test_write_file_errors);
	tcase_add_test(tc, test_write_file_atomic);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_test(tc, test_line_keys);
	tcase_add_test(tc, test_line_values);
	tcase_add_test(tc, test_line_truncated);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(stats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
