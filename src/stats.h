/*
 * NAME
 *	stats 3h
 * SUMMARY
 *	process-wide counters, tarpit gauges and a lookup latency histogram
 * DESCRIPTION
 *	The update functions (stats_inc() and friends) may be called from
 *	any number of threads at once; they take no lock. stats_snapshot()
 *	copies everything into a plain struct, which the formatters turn
 *	into Prometheus text (for the node_exporter textfile collector) or
 *	one key=value line (for syslog on SIGUSR1).
 *
 *	A snapshot is not one instant across all values: each value is read
 *	atomically by itself, so a counter may be one update ahead of
 *	another. Within the histogram the buckets are always cumulative and
 *	the last one always equals lookup_count.
 */
#ifndef MT_STATS_H
#define MT_STATS_H

#include <stddef.h>
#include <stdio.h>

enum stats_counter {
	STATS_SESSIONS,			/* milter connections */
	STATS_RCPT_CHECKED,		/* RCPT TO commands judged */
	STATS_ACCEPTED,			/* decisions: accept */
	STATS_REJECTED,			/* decisions: reject (5xx) */
	STATS_TEMPFAILED,		/* decisions: tempfail (4xx) */
	STATS_HARVEST_DISCONNECTS,	/* sessions dropped as harvesters */
	STATS_CACHE_HITS,
	STATS_CACHE_MISSES,
	STATS_DIR_QUERIES,		/* queries sent to the directory */
	STATS_DIR_ERRORS,		/* of those, failed */
	STATS_REDIS_OK,			/* shared-score requests answered */
	STATS_REDIS_ERRORS,		/* ... failed or timed out */
	STATS_REDIS_SKIPPED,		/* ... not sent: Redis was down */
	STATS_GREYLISTED,		/* attack mode: "try again later" */
	STATS_GOOD_EARNED,		/* messages that earned a good record */
	STATS_SENDERS_CHECKED,		/* MAIL FROM decisions (sender checks) */
	STATS__COUNT
};

/*
 * Upper bounds of the lookup histogram: 0.001 0.0025 0.005 0.01 0.025
 * 0.05 0.1 0.25 0.5 1 2.5 5 10 seconds, then +Inf. Bounds are inclusive.
 */
#define STATS_BUCKETS	14

/*
 * Decisions are counted by action and reason, the log line's tokens: a
 * fixed set (see stats.c), any other reason counted as "other".
 */
#define STATS_ACTIONS	4		/* accept reject tempfail disconnect */
#define STATS_REASONS	15

/* The shared-score connection (--redis), for the up/down gauge. */
enum stats_redis { STATS_REDIS_OFF, STATS_REDIS_UP, STATS_REDIS_DOWN };

struct stats_snapshot {
	unsigned long	counters[STATS__COUNT];
	double		tarpit_seconds;		/* slept in the tarpit, total */
	unsigned long	asleep_now;		/* threads in the tarpit now */
	unsigned long	asleep_peak;		/* most at once since start */
	unsigned long	buckets[STATS_BUCKETS];	/* cumulative: <= bound */
	double		lookup_sum;		/* seconds, all lookups */
	unsigned long	lookup_count;		/* == the last bucket */
	unsigned long	decisions[STATS_ACTIONS][STATS_REASONS];
	double		start_time;		/* unix time of start/reset */
	unsigned long	networks;		/* in the score table now */
	enum stats_redis redis;			/* OFF: no --redis */
	int		attack;			/* attack mode is on */
};

/* stats_inc - add one to a counter */
void stats_inc(enum stats_counter c);

/* stats_tarpit_enter - a thread starts sleeping in the tarpit */
void stats_tarpit_enter(void);

/* stats_tarpit_leave - after slept seconds; exactly one per enter() */
void stats_tarpit_leave(double slept);

/* stats_attack_state - attack mode is on (1) or off (0) now */
void stats_attack_state(int on);

/* stats_redis_state - the shared-score connection is up or down now */
void stats_redis_state(enum stats_redis state);

/* stats_observe_lookup - one directory lookup took seconds */
void stats_observe_lookup(double seconds);

/* stats_decision - one decision, by its log tokens action= and reason= */
void stats_decision(const char *action, const char *reason);

/*
 * stats_networks_hook - how a snapshot counts the networks in the score
 * table (count(arg), which locks what it needs); NULL for none. Set it
 * before the threads start: it is read without a lock.
 */
void stats_networks_hook(size_t (*count)(void *), void *arg);

/* stats_bucket_bound - upper bound of histogram bucket i (+Inf for last) */
double stats_bucket_bound(int i);

/* stats_snapshot - copy every value into s */
void stats_snapshot(struct stats_snapshot *s);

/* stats_quantile - estimate of quantile q from the histogram; -1 if empty */
double stats_quantile(const struct stats_snapshot *s, double q);

/* stats_format_prometheus - text exposition format 0.0.4; 0 ok, -1 error */
int stats_format_prometheus(const struct stats_snapshot *s, FILE *out);

/* stats_write_file - snapshot into path atomically; 0 ok, -1 errno set */
int stats_write_file(const char *path);

/* stats_format_line - one "stats key=value ..." line for syslog */
void stats_format_line(const struct stats_snapshot *s, char *buf,
    size_t len);

/* stats_reset - zero everything, start time now (tests) */
void stats_reset(void);

#endif
