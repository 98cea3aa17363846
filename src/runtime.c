/*
 * NAME
 *	runtime 3
 * SUMMARY
 *	the configuration and directory in force, swappable on SIGHUP
 * DESCRIPTION
 *	runtime_reload() parses the saved command line again (which reads
 *	the options file again), checks the result, reads the password file
 *	and builds a new directory. Only when all of that works is the new
 *	runtime made current; otherwise the old one stays and the message
 *	says why. Options that belong to the process (socket, user, pid
 *	file, foreground, statistics file, the scores' settings and Redis)
 *	cannot change without a restart;
 *	a reload that changes them is refused, so what runs is always what
 *	the files say, or the previous state, never a mix.
 *
 *	The new directory's cache starts with the old one's answers when the
 *	directory settings are the same (backend_carry), so a reload while
 *	the directory is down keeps serving what was known.
 *
 *	The lock guards only the current pointer, the reference counts and
 *	the count of references held by sessions: it is held for a few
 *	instructions per recipient, never during a lookup or a sleep.
 *	runtime_stop() waits on the condition variable, bounded, until the
 *	sessions have let go, so the process does not exit under them.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "runtime.h"
#include "util.h"

static pthread_mutex_t runtime_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t runtime_once = PTHREAD_ONCE_INIT;
static pthread_cond_t runtime_cv;	/* runtime_held fell to 0 */
static struct runtime *runtime_cur;
static unsigned runtime_held;	/* references from runtime_acquire */
static int runtime_argc;
static char **runtime_argv;

/* runtime_free - release everything a runtime holds */
static void
runtime_free(struct runtime *rt)
{
	directory_close(&rt->dir);
	if (rt->traps.ops)
		directory_close(&rt->traps);
	config_free(&rt->cfg);
	free(rt);
}

/* runtime_cv_init - the condition variable, on the monotonic clock */
static void
runtime_cv_init(void)
{
	pthread_condattr_t attr;

	if (pthread_condattr_init(&attr) == 0) {
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&runtime_cv, &attr);
		pthread_condattr_destroy(&attr);
	} else
		pthread_cond_init(&runtime_cv, NULL);
}

/* runtime_start - make rt (heap, taken over) the current runtime */
void
runtime_start(struct runtime *rt, int argc, char **argv)
{
	pthread_once(&runtime_once, runtime_cv_init);
	pthread_mutex_lock(&runtime_mu);
	rt->refs = 1;		/* the "current" reference */
	runtime_cur = rt;
	runtime_argc = argc;
	runtime_argv = argv;
	pthread_mutex_unlock(&runtime_mu);
}

/* runtime_acquire - the current runtime, held until runtime_release */
struct runtime *
runtime_acquire(void)
{
	struct runtime *rt;

	pthread_mutex_lock(&runtime_mu);
	rt = runtime_cur;
	if (rt) {
		rt->refs++;
		runtime_held++;
	}
	pthread_mutex_unlock(&runtime_mu);
	return rt;
}

/* runtime_drop - let go of one reference; frees rt after the last */
static void
runtime_drop(struct runtime *rt, int held)
{
	int last;

	pthread_mutex_lock(&runtime_mu);
	last = --rt->refs == 0;
	if (held && --runtime_held == 0)
		pthread_cond_broadcast(&runtime_cv);
	pthread_mutex_unlock(&runtime_mu);
	if (last)
		runtime_free(rt);
}

/* runtime_release - let go of a runtime from runtime_acquire */
void
runtime_release(struct runtime *rt)
{
	if (rt)
		runtime_drop(rt, 1);
}

/* same - two optional strings are equal */
static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* fixed_changed - name of a process option that differs, or NULL */
static const char *
fixed_changed(const struct config *o, const struct config *n)
{
	if (!same(o->socket, n->socket))
		return "socket";
	if (!same(o->user, n->user) || !same(o->group, n->group))
		return "user";
	if (!same(o->pidfile, n->pidfile))
		return "pidfile";
	if (o->socket_mode != n->socket_mode ||
	    !same(o->socket_group, n->socket_group))
		return "socket-mode/socket-group";
	if (o->foreground != n->foreground)
		return "foreground";
	if (!same(o->stats_file, n->stats_file) ||
	    o->stats_interval != n->stats_interval)
		return "stats-file/stats-interval";
	if (o->prefix4 != n->prefix4 || o->prefix6 != n->prefix6 ||
	    o->half_life != n->half_life ||
	    o->score_table_size != n->score_table_size)
		return "ipv4-prefix/ipv6-prefix/score-half-life/score-table-size";
	if (o->tarpit_rejected != n->tarpit_rejected)
		return "tarpit-rejected";
	if (o->good_half_life != n->good_half_life ||
	    !same(o->state_file, n->state_file) ||
	    o->state_interval != n->state_interval)
		return "good-half-life/state-file/state-interval";
	if (o->thread_stack_kb != n->thread_stack_kb)
		return "thread-stack";
	if (!same(o->control_socket, n->control_socket))
		return "control-socket";
	if (!same(o->redis_url, n->redis_url) ||
	    !same(o->redis_password_file, n->redis_password_file) ||
	    o->redis_timeout != n->redis_timeout ||
	    !same(o->redis_prefix, n->redis_prefix))
		return "redis/redis-password-file/redis-timeout/redis-prefix";
	return NULL;
}

/* reload_parse - read the options into rt as at start; 0 ok, -1 msg */
static int
reload_parse(struct runtime *rt, const struct runtime *old, char *msg,
    size_t msglen)
{
	char *text = NULL;
	const char *first;
	size_t textlen = 0;
	FILE *cap;
	int bad = 0;

	config_init(&rt->cfg);
	/* Relative paths name what they named at start, not from "/". */
	if (old->cfg.start_dir &&
	    (rt->cfg.start_dir = strdup(old->cfg.start_dir)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if ((cap = open_memstream(&text, &textlen)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if (config_parse(&rt->cfg, runtime_argc, runtime_argv, cap, cap) !=
	    CONFIG_OK || config_check(&rt->cfg, cap) < 0 ||
	    config_load_password(&rt->cfg, cap) < 0)
		bad = 1;
	if (fclose(cap) != 0 || text == NULL) {
		free(text);
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if (bad) {
		/* One line for syslog: the first message, without the name. */
		first = strncmp(text, "milter-tarpit: ", 15) == 0 ? text + 15 :
		    text;
		snprintf(msg, msglen, "%.*s", (int)strcspn(first, "\n"), first);
	}
	free(text);
	return bad ? -1 : 0;
}

/* reload_build - the new runtime's directories, carrying the cache over */
static int
reload_build(struct runtime *rt, const struct runtime *old, char *what,
    size_t whatlen, char *msg, size_t msglen)
{
	const char *fixed;
	char note[100];

	if ((fixed = fixed_changed(&old->cfg, &rt->cfg)) != NULL) {
		snprintf(msg, msglen, "--%s cannot change without a restart",
		    fixed);
		return -1;
	}
	if (backend_open(&rt->dir, &rt->cfg, what, whatlen) < 0) {
		snprintf(msg, msglen, "%s", what);
		return -1;
	}
	if (backend_open_traps(&rt->traps, &rt->cfg, msg, msglen) < 0) {
		directory_close(&rt->dir);
		rt->dir.ops = NULL;
		return -1;
	}
	backend_carry(&rt->dir, &rt->cfg, &old->dir, &old->cfg, note,
	    sizeof(note));
	snprintf(what + strlen(what), whatlen - strlen(what), "; %s", note);
	return 0;
}

/* runtime_reload - read the options again and swap; 0 ok, -1 kept old */
int
runtime_reload(char *msg, size_t msglen)
{
	struct runtime *rt, *old;
	char what[700];
	int swapped = 0;

	if ((old = runtime_acquire()) == NULL) {
		snprintf(msg, msglen, "stopping");
		return -1;
	}
	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		runtime_release(old);
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if (reload_parse(rt, old, msg, msglen) < 0 ||
	    reload_build(rt, old, what, sizeof(what), msg, msglen) < 0) {
		runtime_release(old);
		config_free(&rt->cfg);
		free(rt);
		return -1;
	}
	pthread_mutex_lock(&runtime_mu);
	if (runtime_cur == old) {	/* not stopped meanwhile */
		rt->refs = 1;
		runtime_cur = rt;
		swapped = 1;
	}
	pthread_mutex_unlock(&runtime_mu);
	if (!swapped) {
		runtime_release(old);
		runtime_free(rt);
		snprintf(msg, msglen, "stopping");
		return -1;
	}
	runtime_drop(old, 0);	/* its "current" reference */
	runtime_release(old);	/* ours: freed once the last session lets go */
	snprintf(msg, msglen, "%s; options%s%s%s read again", what,
	    rt->cfg.config_file ? " file " : "",
	    rt->cfg.config_file ? rt->cfg.config_file : "",
	    rt->cfg.password_file ? " and password file" : "");
	return 0;
}

/*
 * runtime_stop - drop the current runtime (at exit) and wait up to wait
 * seconds for the sessions holding a runtime to let go; how many still
 * hold one then
 */
unsigned
runtime_stop(double wait)
{
	struct runtime *rt;
	struct timespec until;
	unsigned held;
	int rc = 0;

	pthread_once(&runtime_once, runtime_cv_init);
	pthread_mutex_lock(&runtime_mu);
	rt = runtime_cur;
	runtime_cur = NULL;
	pthread_mutex_unlock(&runtime_mu);
	if (rt)
		runtime_drop(rt, 0);
	util_abstime(util_now() + wait, &until);
	pthread_mutex_lock(&runtime_mu);
	while (runtime_held > 0 && rc == 0)
		rc = pthread_cond_timedwait(&runtime_cv, &runtime_mu, &until);
	held = runtime_held;
	pthread_mutex_unlock(&runtime_mu);
	return held;
}
