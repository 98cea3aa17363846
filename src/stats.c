/*
 * NAME
 *	stats 3
 * SUMMARY
 *	process-wide counters, tarpit gauges and a lookup latency histogram
 * DESCRIPTION
 *	Every value is a plain integer updated with a relaxed __atomic
 *	read-modify-write, so the hot path (one call per recipient from
 *	every libmilter worker) takes no lock and never blocks. Relaxed
 *	order is enough: each value is independent, and nobody derives a
 *	decision from the order in which two of them changed.
 *
 *	Seconds are kept as integers too: tarpit time in microseconds and
 *	the lookup sum in nanoseconds (uint64_t: half a million years of
 *	sleep, or 584 years of lookups). On a 32-bit host the compiler may
 *	implement 64-bit atomics through libatomic.
 *
 *	The histogram stores one count per bucket, not cumulative counts,
 *	so each observation touches exactly one bucket; stats_snapshot()
 *	accumulates them and takes the total from the same reads. Hence the
 *	+Inf bucket always equals _count and the buckets never decrease,
 *	even while threads keep observing. Only _sum, read separately, may
 *	be one observation off.
 *
 *	The peak of sleeping threads is raised with a compare-and-swap
 *	loop after the increment; a snapshot taken between the two reports
 *	max(peak, now), so the peak is never seen below the current value.
 *
 *	Decisions are counted in a fixed table of action by reason, so the
 *	label set is bounded whatever a caller passes: an unknown reason is
 *	"other", an unknown action is not counted. The pairs the policy can
 *	give are always written, 0 included, so that rate() sees them from
 *	the start; any other pair once it has been counted.
 *
 *	The score table's size comes from a hook that main() sets before
 *	the threads start (the table is clients.c's, which locks it).
 *
 *	Numbers with a fraction are printed from integers (fixed point),
 *	never with %f or %g, so the output does not depend on LC_NUMERIC and
 *	never uses exponent notation.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"

#define RELAXED	__ATOMIC_RELAXED

/* Longest single observation counted, in seconds (keeps sums in range). */
#define STATS_OBS_MAX	1e9

static const double bucket_bound[STATS_BUCKETS - 1] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

/* The le="..." label of each bucket, as Prometheus clients write it. */
static const char *const bucket_label[STATS_BUCKETS] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "5", "10", "+Inf"
};

static const char *const action_name[STATS_ACTIONS] = {
	"accept", "reject", "tempfail", "disconnect"
};

/* The last is "other": every reason not in the list. */
static const char *const reason_name[STATS_REASONS] = {
	"exists", "non-local", "postmaster", "exempt", "unknown",
	"unknown-busy", "bad-address", "sender-unknown", "sender-needs-auth",
	"directory-error", "attack", "tarpit-full", "harvest", "sender-ok",
	"other"
};

/* The pairs the policy gives, as bits of reason_name, by action. */
#define R(i)	(1u << (i))
static const unsigned action_reasons[STATS_ACTIONS] = {
	R(0) | R(1) | R(2) | R(3),		/* accept */
	R(4) | R(5) | R(6) | R(7) | R(8),	/* reject */
	R(9) | R(10) | R(11),			/* tempfail */
	R(11) | R(12),				/* disconnect */
};
#undef R

static unsigned long stats_counters[STATS__COUNT];
static unsigned long stats_decisions[STATS_ACTIONS][STATS_REASONS];
static size_t (*stats_networks)(void *);	/* set before threads */
static void *stats_networks_arg;
static unsigned long stats_asleep, stats_peak;
static uint64_t stats_tarpit_us;
static unsigned long stats_hist[STATS_BUCKETS];	/* not cumulative */
static uint64_t stats_lookup_ns;
static uint64_t stats_start_ms;			/* unix time */
static int stats_redis;				/* enum stats_redis */
static int stats_attack;			/* attack mode is on */

/* unix_ms - the wall clock in milliseconds */
static uint64_t
unix_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* stats_init - the start time is when the program loads */
static void __attribute__((constructor))
stats_init(void)
{
	__atomic_store_n(&stats_start_ms, unix_ms(), RELAXED);
}

/* clamp_seconds - NaN and negatives to 0, huge values to STATS_OBS_MAX */
static double
clamp_seconds(double v)
{
	if (!(v > 0))
		return 0;
	return v > STATS_OBS_MAX ? STATS_OBS_MAX : v;
}

/* stats_inc - add one to a counter */
void
stats_inc(enum stats_counter c)
{
	if ((unsigned)c < STATS__COUNT)
		__atomic_fetch_add(&stats_counters[c], 1, RELAXED);
}

/* stats_tarpit_enter - a thread starts sleeping in the tarpit */
void
stats_tarpit_enter(void)
{
	unsigned long now, peak;

	now = __atomic_add_fetch(&stats_asleep, 1, RELAXED);
	peak = __atomic_load_n(&stats_peak, RELAXED);
	while (now > peak && !__atomic_compare_exchange_n(&stats_peak, &peak,
	    now, 1, RELAXED, RELAXED))
		;	/* peak now holds the newer value; try again */
}

/* stats_tarpit_leave - after slept seconds; exactly one per enter() */
void
stats_tarpit_leave(double slept)
{
	uint64_t us = (uint64_t)(clamp_seconds(slept) * 1e6 + 0.5);

	__atomic_fetch_sub(&stats_asleep, 1, RELAXED);
	__atomic_fetch_add(&stats_tarpit_us, us, RELAXED);
}

/* stats_observe_lookup - one directory lookup took seconds */
void
stats_observe_lookup(double seconds)
{
	int i;

	if (isnan(seconds))
		return;		/* a caller bug; do not poison the sum */
	seconds = clamp_seconds(seconds);
	for (i = 0; i < STATS_BUCKETS - 1; i++)
		if (seconds <= bucket_bound[i])
			break;
	__atomic_fetch_add(&stats_hist[i], 1, RELAXED);
	__atomic_fetch_add(&stats_lookup_ns,
	    (uint64_t)(seconds * 1e9 + 0.5), RELAXED);
}

/* name_index - the index of name in names[0..n), or -1 */
static int
name_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* stats_decision - one decision, by its log tokens action= and reason= */
void
stats_decision(const char *action, const char *reason)
{
	int a = name_index(action_name, STATS_ACTIONS, action);
	int r = name_index(reason_name, STATS_REASONS - 1, reason);

	if (a < 0)
		return;
	__atomic_fetch_add(&stats_decisions[a][r < 0 ? STATS_REASONS - 1 : r],
	    1, RELAXED);
}

/* stats_networks_hook - how to count the score table; before threads */
void
stats_networks_hook(size_t (*count)(void *), void *arg)
{
	stats_networks = count;
	stats_networks_arg = arg;
}

/* stats_attack_state - attack mode is on (1) or off (0) now */
void
stats_attack_state(int on)
{
	__atomic_store_n(&stats_attack, on, RELAXED);
}

/* stats_redis_state - the shared-score connection is up or down now */
void
stats_redis_state(enum stats_redis state)
{
	__atomic_store_n(&stats_redis, (int)state, RELAXED);
}

/* stats_bucket_bound - upper bound of histogram bucket i (+Inf for last) */
double
stats_bucket_bound(int i)
{
	if (i >= 0 && i < STATS_BUCKETS - 1)
		return bucket_bound[i];
	return INFINITY;
}

/* stats_snapshot - copy every value into s */
void
stats_snapshot(struct stats_snapshot *s)
{
	unsigned long cum = 0;
	int i, j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < STATS__COUNT; i++)
		s->counters[i] = __atomic_load_n(&stats_counters[i], RELAXED);
	for (i = 0; i < STATS_ACTIONS; i++)
		for (j = 0; j < STATS_REASONS; j++)
			s->decisions[i][j] = __atomic_load_n(
			    &stats_decisions[i][j], RELAXED);
	s->asleep_now = __atomic_load_n(&stats_asleep, RELAXED);
	s->asleep_peak = __atomic_load_n(&stats_peak, RELAXED);
	if (s->asleep_peak < s->asleep_now)
		s->asleep_peak = s->asleep_now;	/* enter() is mid-update */
	s->tarpit_seconds = __atomic_load_n(&stats_tarpit_us, RELAXED) / 1e6;
	for (i = 0; i < STATS_BUCKETS; i++) {
		cum += __atomic_load_n(&stats_hist[i], RELAXED);
		s->buckets[i] = cum;
	}
	s->lookup_count = cum;
	s->lookup_sum = __atomic_load_n(&stats_lookup_ns, RELAXED) / 1e9;
	s->start_time = (double)__atomic_load_n(&stats_start_ms, RELAXED) / 1e3;
	s->networks = stats_networks ?
	    (unsigned long)stats_networks(stats_networks_arg) : 0;
	s->redis = (enum stats_redis)__atomic_load_n(&stats_redis, RELAXED);
	s->attack = __atomic_load_n(&stats_attack, RELAXED);
}

/*
 * stats_quantile - estimate of quantile q from the histogram; -1 if empty
 *
 * The method of PromQL's histogram_quantile(): the wanted rank is
 * q * count; find the first bucket whose cumulative count reaches it and
 * interpolate linearly between that bucket's lower bound (the previous
 * bound, or 0 for the first bucket) and its upper bound, as if the
 * observations in it were spread evenly. A rank in the +Inf bucket gives
 * the largest finite bound (10 s): the estimate says "at least this".
 * Empty buckets are skipped, so q = 0 gives the lower bound of the
 * first bucket holding anything.
 * The error is at most the width of the bucket the rank falls in.
 */
double
stats_quantile(const struct stats_snapshot *s, double q)
{
	unsigned long count = s->buckets[STATS_BUCKETS - 1], prev;
	double rank, lower;
	int i;

	if (count == 0 || isnan(q))
		return -1;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = q * (double)count;
	for (i = 0; i < STATS_BUCKETS - 1; i++)
		if (s->buckets[i] > 0 && (double)s->buckets[i] >= rank)
			break;
	if (i == STATS_BUCKETS - 1)
		return bucket_bound[STATS_BUCKETS - 2];
	prev = i == 0 ? 0 : s->buckets[i - 1];	/* < buckets[i] */
	lower = i == 0 ? 0 : bucket_bound[i - 1];
	return lower + (bucket_bound[i] - lower) * (rank - (double)prev) /
	    (double)(s->buckets[i] - prev);
}

/* fmt_fixed - v >= 0 with exactly decimals (<= 6) digits after the point */
static void
fmt_fixed(char *buf, size_t len, double v, int decimals)
{
	uint64_t scale = 1, r;
	int i;

	for (i = 0; i < decimals; i++)
		scale *= 10;
	if (!(v > 0))
		v = 0;
	if (v > 1e13)
		v = 1e13;	/* 317,000 years; keeps r within 64 bits */
	r = (uint64_t)(v * (double)scale + 0.5);
	if (decimals == 0)
		snprintf(buf, len, "%" PRIu64, r);
	else
		snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64, r / scale,
		    decimals, r % scale);
}

/* prom_family - the # HELP and # TYPE lines of one metric */
static void
prom_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* prom_ulong - one sample with an integer value; labels may be NULL */
static void
prom_ulong(FILE *out, const char *name, const char *labels, unsigned long v)
{
	fprintf(out, "%s%s%s%s %lu\n", name, labels ? "{" : "",
	    labels ? labels : "", labels ? "}" : "", v);
}

/* prom_seconds - one sample in seconds, to the microsecond */
static void
prom_seconds(FILE *out, const char *name, double v)
{
	char num[32];

	fmt_fixed(num, sizeof(num), v, 6);
	fprintf(out, "%s %s\n", name, num);
}

#define P	"milter_tarpit_"

/* prom_decisions - the decision counts: the policy's pairs, others if any */
static void
prom_decisions(FILE *out, const struct stats_snapshot *s)
{
	char label[96];
	int a, r;

	for (a = 0; a < STATS_ACTIONS; a++)
		for (r = 0; r < STATS_REASONS; r++) {
			if (!(action_reasons[a] & (1u << r)) &&
			    s->decisions[a][r] == 0)
				continue;
			snprintf(label, sizeof(label),
			    "action=\"%s\",reason=\"%s\"", action_name[a],
			    reason_name[r]);
			prom_ulong(out, P "decisions_total", label,
			    s->decisions[a][r]);
		}
}

/* stats_format_prometheus - text exposition format 0.0.4; 0 ok, -1 error */
int
stats_format_prometheus(const struct stats_snapshot *s, FILE *out)
{
	const unsigned long *c = s->counters;
	char label[32];
	int i;

	prom_family(out, P "sessions_total", "counter",
	    "Milter sessions (SMTP connections) seen.");
	prom_ulong(out, P "sessions_total", NULL, c[STATS_SESSIONS]);

	prom_family(out, P "recipients_checked_total", "counter",
	    "Recipients (RCPT TO) judged.");
	prom_ulong(out, P "recipients_checked_total", NULL,
	    c[STATS_RCPT_CHECKED]);

	prom_family(out, P "decisions_total", "counter",
	    "Recipient decisions by action and reason.");
	prom_decisions(out, s);

	prom_family(out, P "harvest_disconnects_total", "counter",
	    "Sessions disconnected for address harvesting.");
	prom_ulong(out, P "harvest_disconnects_total", NULL,
	    c[STATS_HARVEST_DISCONNECTS]);

	prom_family(out, P "attack_mode", "gauge",
	    "1 while attack mode is on, else 0.");
	prom_ulong(out, P "attack_mode", NULL, (unsigned long)s->attack);

	prom_family(out, P "greylisted_total", "counter",
	    "Recipients answered 451 4.7.1 in attack mode.");
	prom_ulong(out, P "greylisted_total", NULL, c[STATS_GREYLISTED]);

	prom_family(out, P "good_records_earned_total", "counter",
	    "Messages delivered that earned their network a good record.");
	prom_ulong(out, P "good_records_earned_total", NULL,
	    c[STATS_GOOD_EARNED]);

	prom_family(out, P "senders_checked_total", "counter",
	    "Senders (MAIL FROM) the sender checks rejected, delayed or"
	    " tempfailed.");
	prom_ulong(out, P "senders_checked_total", NULL,
	    c[STATS_SENDERS_CHECKED]);

	prom_family(out, P "sleep_seconds_total", "counter",
	    "Seconds worker threads spent in tarpit delays.");
	prom_seconds(out, P "sleep_seconds_total", s->tarpit_seconds);

	prom_family(out, P "sleeping_threads", "gauge",
	    "Worker threads in a tarpit delay now.");
	prom_ulong(out, P "sleeping_threads", NULL, s->asleep_now);

	prom_family(out, P "sleeping_threads_peak", "gauge",
	    "Most worker threads in tarpit delays at once since start.");
	prom_ulong(out, P "sleeping_threads_peak", NULL, s->asleep_peak);

	prom_family(out, P "cache_lookups_total", "counter",
	    "Recipient cache lookups by result.");
	prom_ulong(out, P "cache_lookups_total", "result=\"hit\"",
	    c[STATS_CACHE_HITS]);
	prom_ulong(out, P "cache_lookups_total", "result=\"miss\"",
	    c[STATS_CACHE_MISSES]);

	prom_family(out, P "directory_queries_total", "counter",
	    "Queries sent to the directory.");
	prom_ulong(out, P "directory_queries_total", NULL,
	    c[STATS_DIR_QUERIES]);

	prom_family(out, P "directory_errors_total", "counter",
	    "Directory queries that failed.");
	prom_ulong(out, P "directory_errors_total", NULL, c[STATS_DIR_ERRORS]);

	prom_family(out, P "directory_lookup_seconds", "histogram",
	    "Time a directory lookup took.");
	for (i = 0; i < STATS_BUCKETS; i++) {
		snprintf(label, sizeof(label), "le=\"%s\"", bucket_label[i]);
		prom_ulong(out, P "directory_lookup_seconds_bucket", label,
		    s->buckets[i]);
	}
	prom_seconds(out, P "directory_lookup_seconds_sum", s->lookup_sum);
	prom_ulong(out, P "directory_lookup_seconds_count", NULL,
	    s->buckets[STATS_BUCKETS - 1]);

	if (s->redis != STATS_REDIS_OFF) {
		prom_family(out, P "redis_up", "gauge",
		    "1 while the shared-score Redis answers, else 0.");
		prom_ulong(out, P "redis_up", NULL, s->redis == STATS_REDIS_UP);
		prom_family(out, P "redis_requests_total", "counter",
		    "Shared-score requests by result (skipped: Redis was"
		    " down).");
		prom_ulong(out, P "redis_requests_total", "result=\"ok\"",
		    c[STATS_REDIS_OK]);
		prom_ulong(out, P "redis_requests_total", "result=\"error\"",
		    c[STATS_REDIS_ERRORS]);
		prom_ulong(out, P "redis_requests_total",
		    "result=\"skipped\"", c[STATS_REDIS_SKIPPED]);
	}

	prom_family(out, P "start_time_seconds", "gauge",
	    "Start time of the daemon since the unix epoch in seconds.");
	fmt_fixed(label, sizeof(label), s->start_time, 3);
	fprintf(out, P "start_time_seconds %s\n", label);

	prom_family(out, P "build_info", "gauge",
	    "Always 1; the version in its label.");
	prom_ulong(out, P "build_info", "version=\"" PACKAGE_VERSION "\"", 1);

	prom_family(out, P "score_networks", "gauge",
	    "Networks (client and wide) in the score table now.");
	prom_ulong(out, P "score_networks", NULL, s->networks);

	if (fflush(out) != 0 || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * stats_write_file - snapshot into path atomically; 0 ok, -1 errno set
 *
 * Writes path.tmp (which the textfile collector ignores: it reads only
 * *.prom), fsyncs it and renames it over path, so a reader sees the old
 * file or the new one, never a part. Meant for one writer at a time:
 * two concurrent calls for one path would share path.tmp. The mode is
 * 0644 less the umask, since the collector usually runs as another user.
 */
int
stats_write_file(const char *path)
{
	struct stats_snapshot s;
	size_t n = strlen(path) + sizeof(".tmp");
	char *tmp;
	FILE *fp = NULL;
	int fd, rc, saved;

	if ((tmp = malloc(n)) == NULL)
		return -1;
	snprintf(tmp, n, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0)
		goto fail;
	if ((fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail_unlink;
	}
	stats_snapshot(&s);
	if (stats_format_prometheus(&s, fp) == -1 || fsync(fileno(fp)) == -1)
		goto fail_unlink;
	rc = fclose(fp);
	fp = NULL;
	if (rc != 0 || rename(tmp, path) == -1)
		goto fail_unlink;
	free(tmp);
	util_sync_dir(path);
	return 0;

fail_unlink:
	saved = errno;
	if (fp != NULL)
		fclose(fp);
	unlink(tmp);
	errno = saved;
fail:
	saved = errno;
	free(tmp);
	errno = saved;
	return -1;
}

/* fmt_quantile - an estimate for the log line, "-" when there is none */
static void
fmt_quantile(const struct stats_snapshot *s, double q, char *buf,
    size_t len)
{
	double v = stats_quantile(s, q);

	if (v < 0)
		util_strlcpy(buf, "-", len);
	else
		fmt_fixed(buf, len, v, 4);
}

/* stats_format_line - one "stats key=value ..." line for syslog */
void
stats_format_line(const struct stats_snapshot *s, char *buf, size_t len)
{
	const unsigned long *c = s->counters;
	char slept[32], p50[32], p99[32];
	size_t n;

	if (len == 0)
		return;
	fmt_fixed(slept, sizeof(slept), s->tarpit_seconds, 3);
	fmt_quantile(s, 0.50, p50, sizeof(p50));
	fmt_quantile(s, 0.99, p99, sizeof(p99));
	snprintf(buf, len, "stats sessions=%lu rcpt=%lu accepted=%lu"
	    " rejected=%lu tempfailed=%lu harvest=%lu tarpit_seconds=%s"
	    " asleep=%lu asleep_peak=%lu cache_hits=%lu cache_misses=%lu"
	    " dir_queries=%lu dir_errors=%lu lookup_p50=%s lookup_p99=%s"
	    " attack=%s greylisted=%lu good_earned=%lu senders=%lu",
	    c[STATS_SESSIONS], c[STATS_RCPT_CHECKED], c[STATS_ACCEPTED],
	    c[STATS_REJECTED], c[STATS_TEMPFAILED],
	    c[STATS_HARVEST_DISCONNECTS], slept, s->asleep_now,
	    s->asleep_peak, c[STATS_CACHE_HITS], c[STATS_CACHE_MISSES],
	    c[STATS_DIR_QUERIES], c[STATS_DIR_ERRORS], p50, p99,
	    s->attack ? "on" : "off", c[STATS_GREYLISTED],
	    c[STATS_GOOD_EARNED], c[STATS_SENDERS_CHECKED]);
	n = strlen(buf);
	if (s->redis != STATS_REDIS_OFF && n < len)
		snprintf(buf + n, len - n, " redis=%s redis_ok=%lu"
		    " redis_errors=%lu redis_skipped=%lu",
		    s->redis == STATS_REDIS_UP ? "up" : "down",
		    c[STATS_REDIS_OK], c[STATS_REDIS_ERRORS],
		    c[STATS_REDIS_SKIPPED]);
}

/* stats_reset - zero everything, start time now (tests) */
void
stats_reset(void)
{
	int i, j;

	for (i = 0; i < STATS__COUNT; i++)
		__atomic_store_n(&stats_counters[i], 0, RELAXED);
	for (i = 0; i < STATS_ACTIONS; i++)
		for (j = 0; j < STATS_REASONS; j++)
			__atomic_store_n(&stats_decisions[i][j], 0, RELAXED);
	for (i = 0; i < STATS_BUCKETS; i++)
		__atomic_store_n(&stats_hist[i], 0, RELAXED);
	__atomic_store_n(&stats_asleep, 0, RELAXED);
	__atomic_store_n(&stats_peak, 0, RELAXED);
	__atomic_store_n(&stats_tarpit_us, 0, RELAXED);
	__atomic_store_n(&stats_lookup_ns, 0, RELAXED);
	__atomic_store_n(&stats_start_ms, unix_ms(), RELAXED);
	__atomic_store_n(&stats_redis, STATS_REDIS_OFF, RELAXED);
	__atomic_store_n(&stats_attack, 0, RELAXED);
}
