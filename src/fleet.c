/*
 * NAME
 *	fleet 3
 * SUMMARY
 *	shared scores: client-network scores kept in Redis for every MX host
 * DESCRIPTION
 *	Each network is a Redis hash <prefix>score:<net> with the score s
 *	and the time t it was right, on Redis's clock. One Lua script reads
 *	it decayed to now (s * 2^(-(now - t) / half-life), as score.c does)
 *	and, with an increment, first raises it to the caller's own view (a
 *	floor: what the host counted while Redis was away, or before Redis
 *	lost its data), adds, and sets an expiry for when the score has
 *	decayed to nothing. The script is atomic, so two hosts adding at
 *	once both count; it reads Redis's clock (TIME), so MX hosts whose
 *	clocks disagree still decay one score alike.
 *
 *	Threads: callers queue requests under the mutex and wait on "done"
 *	with a deadline; the I/O thread takes the whole queue at once (a
 *	pipeline: one round trip for every request waiting), talks to Redis
 *	without the lock, and marks the results under it. The connection,
 *	the script's SHA and the reconnect state belong to the I/O thread
 *	alone. While the connection is down, requests are refused at once,
 *	so a dead or frozen Redis costs a session at most one timeout. A
 *	connection found closed before any answer (Redis's idle "timeout",
 *	a restart, a firewall) is opened again at once, once, before the
 *	client goes down: nothing had been sent on it, so nothing counts
 *	twice.
 *
 *	A request is shared by its caller and the I/O thread: an atomic
 *	count of two, and whoever lets go last frees it. The lock guards the
 *	queue, the up/stopping flags and each request's state; never any
 *	I/O.
 */
#include "autoconfig.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis.h>

#include "fleet.h"
#include "fleet_cmd.h"
#include "log.h"
#include "score.h"
#include "stats.h"
#include "trust.h"
#include "util.h"

#define FLEET_QUEUE_MAX	4096	/* requests waiting; past it, refused */
#define FLEET_KEY_MAX	160
#define FLEET_WHY_MAX	256

enum req_state { FR_QUEUED, FR_DONE, FR_FAILED };

struct fleet_req {
	struct fleet_req *next;		/* the queue, or the thread's batch */
	unsigned	refs;		/* atomic: caller and I/O thread */
	enum req_state	state;		/* guarded by the fleet's mutex */
	int		ok, noscript;	/* the I/O thread's */
	enum fleet_kind	kind;
	double		delta, floor;
	double		value;		/* written before state is DONE */
	double		deadline;	/* util_now() seconds */
	char		net[];
};

struct fleet {
	pthread_mutex_t	mu;
	pthread_cond_t	work;		/* the thread: queue or stop */
	pthread_cond_t	done;		/* callers: a request finished */
	struct fleet_req *head, **tail;	/* guarded by mu */
	size_t		queued;		/* guarded by mu */
	int		up, stopping;	/* guarded by mu */
	pthread_t	thread;
	int		started;
	/* the I/O thread's own */
	redisContext	*rc;
	char		sha[48];
	unsigned	streak;		/* failed attempts in a row */
	double		retry_at;
	int		err_logged;	/* an error reply was logged */
	/* fixed at start */
	struct fleet_url url;
	char		*password;
	char		*prefix;
	double		timeout, half_life[FLEET_KINDS];
	char		shown[300];
	struct score_table *local[FLEET_KINDS];
	struct trust	*trust;
};

static const char fleet_lua[] =
"-- milter-tarpit shared scores. KEYS[1]: a client network's hash\n"
"-- {s = score, t = when s was right, on Redis's clock}. ARGV: the\n"
"-- half-life in seconds, the increment (0: only read; below 0: forget\n"
"-- the network), the caller's own view of the score (a floor before\n"
"-- the increment). Returns the score now, after the increment, as a\n"
"-- string.\n"
"if redis.replicate_commands then pcall(redis.replicate_commands) end\n"
"local hl = tonumber(ARGV[1])\n"
"local delta = tonumber(ARGV[2])\n"
"if delta < 0 then redis.call('DEL', KEYS[1]) return '0' end\n"
"local floor = tonumber(ARGV[3])\n"
"local tm = redis.call('TIME')\n"
"local now = tonumber(tm[1]) + tonumber(tm[2]) / 1000000\n"
"local v = redis.call('HMGET', KEYS[1], 's', 't')\n"
"local s = tonumber(v[1]) or 0\n"
"local t = tonumber(v[2]) or now\n"
"if now > t then s = s * 2 ^ (-(now - t) / hl) end\n"
"if delta <= 0 then return string.format('%.17g', s) end\n"
"if floor > s then s = floor end\n"
"s = s + delta\n"
"redis.call('HMSET', KEYS[1], 's', string.format('%.17g', s),\n"
"    't', string.format('%.6f', now))\n"
"local life = hl * math.max(1, math.log(s / 0.01) / math.log(2))\n"
"redis.call('PEXPIRE', KEYS[1], math.ceil(1000 * life))\n"
"return string.format('%.17g', s)\n";

/* fleet_script - the Lua script that reads and adds (for the tests) */
const char *
fleet_script(void)
{
	return fleet_lua;
}

/* fleet_backoff - seconds before reconnect attempt number streak (1, 2..) */
double
fleet_backoff(unsigned streak)
{
	double d = FLEET_BACKOFF_MIN;

	while (streak-- > 1 && d < FLEET_BACKOFF_MAX)
		d *= 2;
	return d < FLEET_BACKOFF_MAX ? d : FLEET_BACKOFF_MAX;
}

/* tv_of - seconds as a timeval */
static struct timeval
tv_of(double secs)
{
	struct timeval tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* timed_out - did c fail for want of an answer within the timeout */
static int
timed_out(const redisContext *c)
{
	return c->err == REDIS_ERR_IO && strcmp(c->errstr, strerror(EAGAIN)) == 0;
}

/* conn_error - what went wrong with c, in words: a timeout says so */
static void
conn_error(const redisContext *c, char *why, size_t whylen)
{
	if (timed_out(c))
		snprintf(why, whylen, "no answer within --redis-timeout");
	else
		snprintf(why, whylen, "%s", c->errstr[0] ? c->errstr :
		    "no answer");
}

/*
 * call - one command; the reply (the caller frees it), or NULL with why
 * set: the connection's error, or the text of an error reply
 */
static redisReply *
call(redisContext *c, int argc, const char **argv, int want, char *why,
    size_t whylen)
{
	redisReply *r = redisCommandArgv(c, argc, argv, NULL);

	if (r == NULL) {
		conn_error(c, why, whylen);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR || r->type != want) {
		snprintf(why, whylen, "%s: %s", argv[0],
		    r->type == REDIS_REPLY_ERROR && r->str ? r->str :
		    "unexpected answer");
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* open_conn - connect, authenticate, select, load the script; NULL: why */
static redisContext *
open_conn(const struct fleet *f, char *sha, size_t shalen, char *why,
    size_t whylen)
{
	struct timeval tv = tv_of(f->timeout);
	const char *argv[3];
	char db[24];
	redisContext *c;
	redisReply *r;
	int argc = 0;

	c = f->url.path ? redisConnectUnixWithTimeout(f->url.path, tv) :
	    redisConnectWithTimeout(f->url.host, f->url.port, tv);
	if (c == NULL || c->err) {
		snprintf(why, whylen, "%s", c ? c->errstr : "out of memory");
		if (c)
			redisFree(c);
		return NULL;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		snprintf(why, whylen, "cannot set the timeout");
		redisFree(c);
		return NULL;
	}
	if (f->url.path == NULL)
		redisEnableKeepAlive(c);
	if (f->password) {
		argv[argc++] = "AUTH";
		if (f->url.user)
			argv[argc++] = f->url.user;
		argv[argc++] = f->password;
		if ((r = call(c, argc, argv, REDIS_REPLY_STATUS, why,
		    whylen)) == NULL)
			goto fail;
		freeReplyObject(r);
	}
	if (f->url.db) {
		snprintf(db, sizeof(db), "%ld", f->url.db);
		argv[0] = "SELECT";
		argv[1] = db;
		if ((r = call(c, 2, argv, REDIS_REPLY_STATUS, why,
		    whylen)) == NULL)
			goto fail;
		freeReplyObject(r);
	}
	argv[0] = "SCRIPT";
	argv[1] = "LOAD";
	argv[2] = fleet_lua;
	if ((r = call(c, 3, argv, REDIS_REPLY_STRING, why, whylen)) == NULL)
		goto fail;
	util_strlcpy(sha, r->str, shalen);
	freeReplyObject(r);
	return c;
fail:
	redisFree(c);
	return NULL;
}

/* script_argv - the EVALSHA (or EVAL) arguments for r (a trust: its own) */
static int
script_argv(const struct fleet *f, const struct fleet_req *r, int eval,
    const char **argv, char *key, char nums[3][32])
{
	if (fleet_key(f->prefix, r->kind, r->net, key, FLEET_KEY_MAX) < 0)
		key[0] = '\0';	/* made sure of in submit() */
	if (r->kind == FLEET_TRUST)
		return fleet_cmd_trust(key, r->delta, argv, nums[0],
		    sizeof(nums[0]));
	snprintf(nums[0], sizeof(nums[0]), "%.17g", f->half_life[r->kind]);
	snprintf(nums[1], sizeof(nums[1]), "%.17g", r->delta);
	snprintf(nums[2], sizeof(nums[2]), "%.17g", r->floor);
	argv[0] = eval ? "EVAL" : "EVALSHA";
	argv[1] = eval ? fleet_lua : f->sha;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = nums[0];
	argv[5] = nums[1];
	argv[6] = nums[2];
	return 7;
}

/* take_reply - read the script's answer for r; frees reply */
static void
take_reply(struct fleet *f, struct fleet_req *r, redisReply *reply)
{
	char *end;
	double v;

	r->ok = 0;
	if (r->kind == FLEET_TRUST)
		r->ok = fleet_cmd_trust_reply(reply, r->delta, &r->value) == 0;
	else if (reply->type == REDIS_REPLY_STRING) {
		v = strtod(reply->str, &end);
		if (*end == '\0' && isfinite(v) && v >= 0) {
			r->value = v;
			r->ok = 1;
		}
	} else if (reply->type == REDIS_REPLY_ERROR && reply->str &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0) {
		r->noscript = 1;	/* flushed: sent again with EVAL */
	}
	if (!r->ok && !r->noscript && !f->err_logged) {
		log_warnx("redis: %s failed: %s; they are local for the"
		    " networks it fails for", r->kind == FLEET_TRUST ?
		    "a trust command" : "the score script",
		    reply->type == REDIS_REPLY_ERROR && reply->str ?
		    reply->str : "unexpected answer");
		f->err_logged = 1;
	}
	if (r->ok)
		f->err_logged = 0;
	freeReplyObject(reply);
}

/*
 * run_batch - send every request of the batch in one pipeline and read
 * the answers; 0 ok (each request's ok says how it went), -1 the
 * connection failed (why set; the batch is not ok), -2 it had failed
 * before: closed, no answer read, no timeout (sending again is safe)
 */
static int
run_batch(struct fleet *f, struct fleet_req *batch, char *why, size_t whylen)
{
	const char *argv[7];
	char key[FLEET_KEY_MAX], nums[3][32];
	struct fleet_req *r;
	void *reply;
	int got = 0, argc;

	for (r = batch; r; r = r->next) {
		r->ok = r->noscript = 0;
		argc = script_argv(f, r, 0, argv, key, nums);
		if (redisAppendCommandArgv(f->rc, argc, argv, NULL) != REDIS_OK)
			goto broken;
	}
	for (r = batch; r; r = r->next) {
		if (redisGetReply(f->rc, &reply) != REDIS_OK || reply == NULL)
			goto broken;
		got++;
		take_reply(f, r, reply);
	}
	for (r = batch; r; r = r->next) {
		if (!r->noscript)
			continue;
		script_argv(f, r, 1, argv, key, nums);
		if ((reply = redisCommandArgv(f->rc, 7, argv, NULL)) == NULL)
			goto broken;
		r->noscript = 0;
		take_reply(f, r, reply);
	}
	return 0;
broken:
	conn_error(f->rc, why, whylen);
	for (r = batch; r; r = r->next)
		r->ok = 0;
	return got == 0 && !timed_out(f->rc) ? -2 : -1;
}

/*
 * run_again - a connection that had failed while idle (closed by Redis's
 * "timeout", a restart, a firewall): connect once at once and send the
 * batch again, instead of going down; the result of run_batch
 */
static int
run_again(struct fleet *f, struct fleet_req *batch, char *why, size_t whylen)
{
	char again[FLEET_WHY_MAX];

	redisFree(f->rc);
	if ((f->rc = open_conn(f, f->sha, sizeof(f->sha), again,
	    sizeof(again))) == NULL)
		return -1;	/* why: the first failure */
	log_debug("redis: %s: connected again at once after: %s", f->shown,
	    why);
	return run_batch(f, batch, why, whylen);
}

/* req_unref - let go of r; the last one frees it */
static void
req_unref(struct fleet_req *r)
{
	if (r && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(r);
}

/* finish - mark a batch's results (mu held) */
static void
finish(struct fleet *f, struct fleet_req *batch)
{
	struct fleet_req *r;

	for (r = batch; r; r = r->next)
		r->state = r->ok ? FR_DONE : FR_FAILED;
	pthread_cond_broadcast(&f->done);
}

/* unref_all - the I/O thread lets go of a batch */
static void
unref_all(struct fleet_req *batch)
{
	struct fleet_req *r, *next;

	for (r = batch; r; r = next) {
		next = r->next;
		req_unref(r);
	}
}

/* take_queue - the whole queue as a batch (mu held) */
static struct fleet_req *
take_queue(struct fleet *f)
{
	struct fleet_req *batch = f->head;

	f->head = NULL;
	f->tail = &f->head;
	f->queued = 0;
	return batch;
}

/* count - the statistics of a finished batch */
static void
count(const struct fleet_req *batch)
{
	const struct fleet_req *r;

	for (r = batch; r; r = r->next)
		stats_inc(r->ok ? STATS_REDIS_OK : STATS_REDIS_ERRORS);
}

/*
 * serve_batch - one round (mu held on entry and return, not meanwhile):
 * send, read, raise the local table, mark; on a broken connection, fail
 * what has queued since too, and go down
 */
static void
serve_batch(struct fleet *f)
{
	struct fleet_req *batch = take_queue(f), *rest = NULL, *r;
	char why[FLEET_WHY_MAX];
	double now;
	int rc;

	pthread_mutex_unlock(&f->mu);
	rc = run_batch(f, batch, why, sizeof(why));
	if (rc == -2)
		rc = run_again(f, batch, why, sizeof(why));
	now = util_now();
	for (r = batch; r; r = r->next)		/* before DONE: a waiter */
		if (r->ok && r->kind == FLEET_TRUST && f->trust)
			trust_learn(f->trust, r->net, r->value, now);
		else if (r->ok && f->local[r->kind])
			score_raise(f->local[r->kind], r->net, r->value, now);
	if (rc < 0) {
		if (f->rc)
			redisFree(f->rc);
		f->rc = NULL;
		f->streak = 1;
		f->retry_at = now + fleet_backoff(f->streak);
	}
	pthread_mutex_lock(&f->mu);
	finish(f, batch);
	if (rc < 0) {
		f->up = 0;
		rest = take_queue(f);
		finish(f, rest);
	}
	pthread_mutex_unlock(&f->mu);
	count(batch);
	count(rest);
	if (rc < 0) {
		stats_redis_state(STATS_REDIS_DOWN);
		log_warnx("redis: down: %s: %s; client scores are local until"
		    " it answers again", f->shown, why);
	}
	unref_all(batch);
	unref_all(rest);
	pthread_mutex_lock(&f->mu);
}

/* reconnect - one attempt while down (mu held, released meanwhile) */
static void
reconnect(struct fleet *f)
{
	char why[FLEET_WHY_MAX];
	redisContext *c;

	pthread_mutex_unlock(&f->mu);
	c = open_conn(f, f->sha, sizeof(f->sha), why, sizeof(why));
	if (c == NULL) {
		f->streak++;
		f->retry_at = util_now() + fleet_backoff(f->streak);
		log_debug("redis: %s: %s; next attempt in %.1f s", f->shown,
		    why, fleet_backoff(f->streak));
		pthread_mutex_lock(&f->mu);
		return;
	}
	f->rc = c;
	f->streak = 0;
	log_info("redis: up: %s; client scores are shared", f->shown);
	pthread_mutex_lock(&f->mu);
	f->up = 1;
	stats_redis_state(STATS_REDIS_UP);
}

/* fleet_main - the I/O thread */
static void *
fleet_main(void *arg)
{
	struct fleet *f = arg;
	struct fleet_req *rest;
	struct timespec ts;

	pthread_mutex_lock(&f->mu);
	while (!f->stopping) {
		if (f->up && f->head) {
			serve_batch(f);
		} else if (f->up) {
			pthread_cond_wait(&f->work, &f->mu);
		} else if (util_now() < f->retry_at) {
			util_abstime(f->retry_at, &ts);
			pthread_cond_timedwait(&f->work, &f->mu, &ts);
		} else {
			reconnect(f);
		}
	}
	rest = take_queue(f);
	finish(f, rest);
	pthread_mutex_unlock(&f->mu);
	unref_all(rest);
	if (f->rc)
		redisFree(f->rc);
	f->rc = NULL;
	return NULL;
}

/* settings - copy the options into f; -1 if out of memory */
static int
settings(struct fleet *f, const struct fleet_opts *o)
{
	const struct fleet_url *u = o->url;
	const char *pw = o->password ? o->password : u->password;
	int k;

	f->url.port = u->port;
	f->url.db = u->db;
	f->timeout = o->timeout > 0 ? o->timeout : FLEET_DEFAULT_TIMEOUT;
	for (k = 0; k < FLEET_KINDS; k++) {
		f->half_life[k] = o->half_life[k] > 0 ? o->half_life[k] : 1;
		f->local[k] = o->local[k];
	}
	f->trust = o->trust;
	fleet_url_show(u, f->shown, sizeof(f->shown));
	if ((u->host && (f->url.host = strdup(u->host)) == NULL) ||
	    (u->path && (f->url.path = strdup(u->path)) == NULL) ||
	    (u->user && (f->url.user = strdup(u->user)) == NULL) ||
	    (pw && (f->password = strdup(pw)) == NULL) ||
	    (f->prefix = strdup(o->prefix ? o->prefix :
	    FLEET_DEFAULT_PREFIX)) == NULL)
		return -1;
	return 0;
}

/* unsettle - free what settings() copied */
static void
unsettle(struct fleet *f)
{
	fleet_url_free(&f->url);
	if (f->password) {
		explicit_bzero(f->password, strlen(f->password));
		free(f->password);
	}
	free(f->prefix);
}

/* fleet_start - connect (bounded) and start the I/O thread; NULL: no memory */
struct fleet *
fleet_start(const struct fleet_opts *o)
{
	struct fleet *f = calloc(1, sizeof(*f));
	pthread_condattr_t attr;
	char why[FLEET_WHY_MAX];

	if (f == NULL || settings(f, o) < 0) {
		if (f)
			unsettle(f);
		free(f);
		return NULL;
	}
	f->tail = &f->head;
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&f->work, &attr);
	pthread_cond_init(&f->done, &attr);
	pthread_condattr_destroy(&attr);
	/* The first attempt here, so the first sessions find it up. */
	if ((f->rc = open_conn(f, f->sha, sizeof(f->sha), why,
	    sizeof(why))) != NULL) {
		f->up = 1;
		stats_redis_state(STATS_REDIS_UP);
		log_info("redis: up: %s; client scores are shared", f->shown);
	} else {
		f->streak = 1;
		f->retry_at = util_now() + fleet_backoff(f->streak);
		stats_redis_state(STATS_REDIS_DOWN);
		log_warnx("redis: down: %s: %s; client scores are local until"
		    " it answers", f->shown, why);
	}
	if (pthread_create(&f->thread, NULL, fleet_main, f) != 0) {
		log_warnx("redis: cannot start its thread; client scores are"
		    " local");
		f->up = 0;
		f->stopping = 1;	/* every request is refused */
		return f;
	}
	f->started = 1;
	return f;
}

/* fleet_stop - stop the thread and close the connection (at exit) */
void
fleet_stop(struct fleet *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stopping = 1;
	pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->mu);
	if (f->started)
		pthread_join(f->thread, NULL);
	f->started = 0;
	if (f->rc)
		redisFree(f->rc);
	f->rc = NULL;
	/* f stays: sessions still running may ask it, and are refused. */
}

/* fleet_free - stop, and free f once no thread can use it (tests) */
void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	fleet_stop(f);
	pthread_cond_destroy(&f->work);
	pthread_cond_destroy(&f->done);
	pthread_mutex_destroy(&f->mu);
	unsettle(f);
	free(f);
}

/* submit - queue a request; NULL if Redis is down (use the local table) */
static struct fleet_req *
submit(struct fleet *f, enum fleet_kind kind, const char *net, double delta,
    double floor)
{
	size_t len = strlen(net);
	struct fleet_req *r;
	char key[FLEET_KEY_MAX];

	if (f == NULL || fleet_key(f->prefix, kind, net, key, sizeof(key)) < 0)
		return NULL;
	if ((r = calloc(1, sizeof(*r) + len + 1)) == NULL)
		return NULL;
	memcpy(r->net, net, len + 1);
	r->refs = 2;
	r->kind = kind;
	r->delta = delta;
	r->floor = floor > 0 ? floor : 0;
	r->deadline = util_now() + f->timeout;
	pthread_mutex_lock(&f->mu);
	if (!f->up || f->stopping || f->queued >= FLEET_QUEUE_MAX) {
		pthread_mutex_unlock(&f->mu);
		free(r);
		stats_inc(STATS_REDIS_SKIPPED);
		return NULL;
	}
	*f->tail = r;
	f->tail = &r->next;
	f->queued++;
	pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->mu);
	return r;
}

/* fleet_read - ask for net's shared score; NULL if Redis is down */
struct fleet_req *
fleet_read(struct fleet *f, enum fleet_kind kind, const char *net)
{
	return submit(f, kind, net, 0, 0);
}

/* fleet_add - add delta to net's shared score, raised to floor first */
struct fleet_req *
fleet_add(struct fleet *f, enum fleet_kind kind, const char *net,
    double delta, double floor)
{
	return delta > 0 ? submit(f, kind, net, delta, floor) : NULL;
}

/* fleet_forget - delete net's shared value; NULL if Redis is down */
struct fleet_req *
fleet_forget(struct fleet *f, enum fleet_kind kind, const char *net)
{
	return submit(f, kind, net, -1, 0);
}

/* fleet_wait - wait for r until its deadline; 0 if Redis answered */
int
fleet_wait(struct fleet *f, struct fleet_req *r, double *score)
{
	struct timespec ts;
	int rc = -1;

	if (f == NULL || r == NULL)
		return -1;
	util_abstime(r->deadline, &ts);
	pthread_mutex_lock(&f->mu);
	while (r->state == FR_QUEUED && util_now() < r->deadline)
		if (pthread_cond_timedwait(&f->done, &f->mu, &ts) == ETIMEDOUT)
			break;
	if (r->state == FR_DONE) {
		*score = r->value;
		rc = 0;
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

/* fleet_release - the caller is done with r (NULL is fine) */
void
fleet_release(struct fleet_req *r)
{
	req_unref(r);
}

/* server_version - "redis_version" from INFO server, into buf */
static void
server_version(redisContext *c, char *buf, size_t len)
{
	const char *argv[2] = { "INFO", "server" }, *p;
	char why[FLEET_WHY_MAX];
	redisReply *r;

	util_strlcpy(buf, "?", len);
	if ((r = call(c, 2, argv, REDIS_REPLY_STRING, why, sizeof(why))) ==
	    NULL)
		return;
	if ((p = strstr(r->str, "redis_version:")) != NULL) {
		p += 14;
		snprintf(buf, len, "%.*s", (int)strcspn(p, "\r\n"), p);
	}
	freeReplyObject(r);
}

/* fleet_probe - for -n: connect and read a score once; 0 ok, -1 failed */
int
fleet_probe(const struct fleet_opts *o, char *msg, size_t len)
{
	struct fleet f;
	struct fleet_req *r;
	const char *argv[7];
	char key[FLEET_KEY_MAX], nums[3][32], why[FLEET_WHY_MAX], ver[32];
	redisReply *reply;
	double t0 = util_now();
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (settings(&f, o) < 0 || (r = calloc(1, sizeof(*r) + 16)) == NULL) {
		snprintf(msg, len, "Redis: out of memory");
		unsettle(&f);
		return -1;
	}
	strcpy(r->net, "check");
	if ((f.rc = open_conn(&f, f.sha, sizeof(f.sha), why,
	    sizeof(why))) == NULL) {
		snprintf(msg, len, "Redis %s: %s", f.shown, why);
		goto out;
	}
	server_version(f.rc, ver, sizeof(ver));
	script_argv(&f, r, 0, argv, key, nums);
	if ((reply = call(f.rc, 7, argv, REDIS_REPLY_STRING, why,
	    sizeof(why))) == NULL) {
		snprintf(msg, len, "Redis %s: the score script: %s", f.shown,
		    why);
		goto out;
	}
	freeReplyObject(reply);
	snprintf(msg, len, "Redis %s (version %s) answered in %.3f s;"
	    " scores are shared under %sscore:", f.shown, ver,
	    util_now() - t0, f.prefix);
	rc = 0;
out:
	if (f.rc)
		redisFree(f.rc);
	free(r);
	unsettle(&f);
	return rc;
}
