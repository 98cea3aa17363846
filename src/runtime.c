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
 *	The lock guards only the current pointer and the reference counts:
 *	it is held for a few instructions per recipient, never during a
 *	lookup or a sleep.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "runtime.h"

static pthread_mutex_t runtime_mu = PTHREAD_MUTEX_INITIALIZER;
static struct runtime *runtime_cur;
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

/* runtime_start - make rt (heap, taken over) the current runtime */
void
runtime_start(struct runtime *rt, int argc, char **argv)
{
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
	if (rt)
		rt->refs++;
	pthread_mutex_unlock(&runtime_mu);
	return rt;
}

/* runtime_release - let go of a runtime from runtime_acquire */
void
runtime_release(struct runtime *rt)
{
	int last;

	if (rt == NULL)
		return;
	pthread_mutex_lock(&runtime_mu);
	last = --rt->refs == 0;
	pthread_mutex_unlock(&runtime_mu);
	if (last)
		runtime_free(rt);
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

/* runtime_reload - read the options again and swap; 0 ok, -1 kept old */
int
runtime_reload(char *msg, size_t msglen)
{
	struct runtime *rt, *old;
	char *text = NULL, err[512];
	const char *fixed;
	size_t textlen = 0;
	FILE *cap;
	int bad = 0;

	if ((rt = calloc(1, sizeof(*rt))) == NULL ||
	    (cap = open_memstream(&text, &textlen)) == NULL) {
		free(rt);
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	config_init(&rt->cfg);
	if (config_parse(&rt->cfg, runtime_argc, runtime_argv, cap, cap) !=
	    CONFIG_OK || config_check(&rt->cfg, cap) < 0 ||
	    config_load_password(&rt->cfg, cap) < 0)
		bad = 1;
	fclose(cap);
	if (bad) {
		/* One line for syslog: the first message, without the name. */
		const char *first = strncmp(text, "milter-tarpit: ", 15) == 0 ?
		    text + 15 : text;

		snprintf(msg, msglen, "%.*s", (int)strcspn(first, "\n"), first);
		free(text);
		config_free(&rt->cfg);
		free(rt);
		return -1;
	}
	free(text);
	pthread_mutex_lock(&runtime_mu);
	old = runtime_cur;
	pthread_mutex_unlock(&runtime_mu);
	if ((fixed = fixed_changed(&old->cfg, &rt->cfg)) != NULL) {
		snprintf(msg, msglen, "--%s cannot change without a restart",
		    fixed);
		config_free(&rt->cfg);
		free(rt);
		return -1;
	}
	if (backend_open(&rt->dir, &rt->cfg, err, sizeof(err)) < 0) {
		snprintf(msg, msglen, "%s", err);
		config_free(&rt->cfg);
		free(rt);
		return -1;
	}
	if (backend_open_traps(&rt->traps, &rt->cfg, msg, msglen) < 0) {
		directory_close(&rt->dir);
		config_free(&rt->cfg);
		free(rt);
		return -1;
	}
	pthread_mutex_lock(&runtime_mu);
	old = runtime_cur;
	rt->refs = 1;
	runtime_cur = rt;
	pthread_mutex_unlock(&runtime_mu);
	runtime_release(old);	/* freed once the last session lets go */
	snprintf(msg, msglen, "%s; options%s%s%s read again", err,
	    rt->cfg.config_file ? " file " : "",
	    rt->cfg.config_file ? rt->cfg.config_file : "",
	    rt->cfg.password_file ? " and password file" : "");
	return 0;
}

/* runtime_stop - drop the current runtime (at exit) */
void
runtime_stop(void)
{
	struct runtime *rt;

	pthread_mutex_lock(&runtime_mu);
	rt = runtime_cur;
	runtime_cur = NULL;
	pthread_mutex_unlock(&runtime_mu);
	runtime_release(rt);
}
