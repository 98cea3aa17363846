/*
 * NAME
 *	milter-tarpit 8
 * SUMMARY
 *	delay and reject unknown recipients in anonymous SMTP sessions
 * DESCRIPTION
 *	main() reads the flags, prepares the directory, and either answers a
 *	query (-q) or a check (-n), or opens the milter socket, drops root
 *	and hands over to libmilter's smfi_main(). On SIGTERM or
 *	SIGINT every thread asleep in the tarpit is woken at once so that it
 *	answers its client, and the process waits briefly for those answers
 *	before it exits.
 *
 *	With --redis, the shared-score client (fleet.c) starts after the
 *	privilege drop and before libmilter takes over, so the first session
 *	already finds Redis connected, or known to be down.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "backend.h"
#include "clients.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "fleet_url.h"
#include "log.h"
#include "milter.h"
#include "postscreen.h"
#include "query.h"
#include "runtime.h"
#include "stats.h"
#include "tarpit.h"
#include "util.h"

#define DRAIN_SECONDS 2.0	/* wait for woken sessions to answer */
#define STOP_SECONDS 3.0	/* then for every callback to let go */

static volatile sig_atomic_t stop_signal;

/* stats_signal_thread - SIGUSR1 writes the statistics to the log */
static void *
stats_signal_thread(void *arg)
{
	struct stats_snapshot snap;
	sigset_t set;
	char line[1024];

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		if (sigwaitinfo(&set, NULL) != SIGUSR1)
			continue;
		stats_snapshot(&snap);
		stats_format_line(&snap, line, sizeof(line));
		log_info("%s", line);
	}
	return NULL;
}

/* stats_file_thread - write the statistics file every stats_interval */
static void *
stats_file_thread(void *arg)
{
	const struct config *cfg = arg;	/* process options: never swapped */
	int failing = 0;
	double next;

	for (;;) {
		if (stats_write_file(cfg->stats_file) < 0) {
			if (!failing)
				log_warn("--stats-file: cannot write %s",
				    cfg->stats_file);
			failing = 1;
		} else if (failing) {
			log_info("--stats-file: %s written again", cfg->stats_file);
			failing = 0;
		}
		next = util_now() + cfg->stats_interval;
		while (util_now() < next && !tarpit_stopping())
			usleep(200000);
		if (tarpit_stopping())
			return NULL;
	}
}

/*
 * clients_thread - once a second, with the options in force: attack
 * mode's end and the state file (clients_tick); every few seconds the
 * --postscreen-file table
 */
static void *
clients_thread(void *arg)
{
	struct clients *cs = arg;
	struct postscreen *ps = postscreen_new();
	struct runtime *rt;
	double next = 0;
	int i;

	while (!tarpit_stopping()) {
		for (i = 0; i < 5 && !tarpit_stopping(); i++)
			usleep(200000);
		if ((rt = runtime_acquire()) == NULL)
			continue;
		clients_tick(cs, &rt->cfg);
		if (ps && util_now() >= next) {
			postscreen_update(ps, cs, &rt->cfg);
			next = util_now() + POSTSCREEN_EVERY;
		}
		runtime_release(rt);
	}
	postscreen_free(ps);
	return NULL;
}

/* stats_start - SIGUSR1 handling and the statistics file writer */
static void
stats_start(const struct config *cfg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, stats_signal_thread, NULL) == 0)
		pthread_detach(t);
	if (cfg->stats_file &&
	    pthread_create(&t, NULL, stats_file_thread, (void *)cfg) == 0)
		pthread_detach(t);
}

/* reload - SIGHUP: read options, password and directory again, or keep all */
static void
reload(void)
{
	char msg[600];

	if (runtime_reload(msg, sizeof(msg)) < 0)
		log_warnx("reload refused, keeping the old configuration: %s",
		    msg);
	else
		log_info("reload done: %s", msg);
}

/*
 * sigwait - libmilter's signal thread waits here for SIGHUP, SIGTERM and
 * SIGINT. libmilter imports sigwait() from libc, so this definition in
 * the program comes first: it tells the tarpit at once, so sleepers wake
 * within a second instead of at libmilter's next five-second poll. SIGHUP
 * (which would stop libmilter) is taken here and turned into a reload.
 */
int
sigwait(const sigset_t *set, int *sig)
{
	int s;

	for (;;) {
		s = sigwaitinfo(set, NULL);
		if (s < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (s == SIGHUP) {
			reload();
			continue;
		}
		if (s == SIGTERM || s == SIGINT) {
			stop_signal = s;
			tarpit_stop();
		}
		*sig = s;
		return 0;
	}
}

/*
 * pthread_create - libmilter (Debian's is built with its pool of workers)
 * starts a thread whenever a session has a command to run and no worker is
 * idle; a session asleep in the tarpit holds its worker. When that fails
 * (thread or memory limits), libmilter says so only to syslog and the
 * session gets no answer: the MTA applies its milter_default_action when
 * its milter timeout ends. This definition comes before libc's, like
 * sigwait() above: it passes the call on and puts each failure, and the
 * recovery, in our own log.
 */
typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
    void *(*)(void *), void *);

/* next_create - libc's pthread_create (or a sanitizer's), or NULL */
static create_fn
next_create(void)
{
	static create_fn next;
	create_fn fn;

	if ((fn = __atomic_load_n(&next, __ATOMIC_ACQUIRE)) == NULL) {
		*(void **)&fn = dlsym(RTLD_NEXT, "pthread_create");
		__atomic_store_n(&next, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

int
pthread_create(pthread_t *thread, const pthread_attr_t *attr,
    void *(*start)(void *), void *arg)
{
	static unsigned failures;	/* in a row */
	create_fn fn;
	unsigned n;
	int rc;

	if ((fn = next_create()) == NULL)
		return EAGAIN;
	rc = fn(thread, attr, start, arg);
	if (rc != 0) {
		n = __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
		log_warnx("cannot start a thread: %s (%u in a row); a session"
		    " waiting for one gets no answer until the MTA's milter"
		    " timeout", strerror(rc), n);
	} else if ((n = __atomic_exchange_n(&failures, 0,
	    __ATOMIC_RELAXED)) > 0)
		log_info("threads start again after %u failure%s", n,
		    n == 1 ? "" : "s");
	return rc;
}

/* scope_name - for the start-up line */
static const char *
scope_name(enum config_scope s)
{
	return s == SCOPE_BASE ? "base" : s == SCOPE_ONE ? "one" : "sub";
}

/* networks - the statistics' hook: networks in the score table */
static size_t
networks(void *clients)
{
	return clients_count(clients);
}

/* start_line - the settings, once, at start */
static void
start_line(const struct config *cfg, const char *redis)
{
	if (cfg->users_file)
		log_info("starting version=%s socket=%s users=%s domains=%zu"
		    " delay=%g cache=%s milter_timeout=%g%s%s%s",
		    PACKAGE_VERSION, cfg->socket, cfg->users_file,
		    cfg->ndomains, cfg->delay, cfg->cache ? "on" : "off",
		    cfg->milter_timeout, cfg->dry_run ? " dry_run=yes" : "",
		    redis ? " redis=" : "", redis ? redis : "");
	else
		log_info("starting version=%s socket=%s uri=%s base=%s scope=%s"
		    " filter=%s domains=%zu delay=%g ldap_timeout=%g pool=%ld"
		    " cache=%s milter_timeout=%g%s%s%s", PACKAGE_VERSION,
		    cfg->socket, cfg->uris ? cfg->uris : "(ldap.conf)",
		    cfg->base ? cfg->base : "(ldap.conf)",
		    scope_name(cfg->scope), cfg->filter, cfg->ndomains,
		    cfg->delay, cfg->ldap_timeout, cfg->pool_size,
		    cfg->cache ? "on" : "off", cfg->milter_timeout,
		    cfg->dry_run ? " dry_run=yes" : "", redis ? " redis=" : "",
		    redis ? redis : "");
}

/* thread_probe - a thread that does nothing, to see that one can start */
static void *
thread_probe(void *arg)
{
	return arg;
}

/*
 * thread_stack - the stack size of threads created from here on
 *
 * libmilter creates its threads (a worker for each session in a callback)
 * with default attributes, so the C library's default (RLIMIT_STACK, often
 * 8 MiB) applies to every session. A session needs a few KiB; with transparent huge pages a large
 * stack can be backed by 2 MiB pages, so 10,000 sessions asleep in the
 * tarpit would cost gigabytes. Setting the default once, before any thread
 * exists, covers libmilter's threads without touching libmilter.
 */
static void
thread_stack(long kb)
{
	pthread_attr_t attr, old;
	create_fn create;
	pthread_t t;
	int rc;

	if (kb == 0)
		return;
	if ((rc = pthread_getattr_default_np(&old)) != 0)
		goto out;
	if ((rc = pthread_attr_init(&attr)) == 0) {
		if ((rc = pthread_attr_setstacksize(&attr,
		    (size_t)kb * 1024)) == 0)
			rc = pthread_setattr_default_np(&attr);
		pthread_attr_destroy(&attr);
	}
	/*
	 * The stack also holds the program's static TLS: where that is large
	 * (ThreadSanitizer builds) a small stack makes every thread fail
	 * with EINVAL. One thread tells; then the old default comes back.
	 */
	if (rc == 0 && (create = next_create()) != NULL &&
	    (rc = create(&t, NULL, thread_probe, NULL)) == 0)
		pthread_join(t, NULL);
	else if (rc != 0)
		pthread_setattr_default_np(&old);
	pthread_attr_destroy(&old);
out:
	if (rc != 0)
		log_warnx("thread-stack=%ldk not applied (%s); threads use"
		    " the C library's default", kb, strerror(rc));
}

/* fail - a start-up problem: message, cleanup, exit status */
static int
fail(struct runtime *rt, int status, const char *msg)
{
	if (msg)
		fprintf(stderr, "%smilter-tarpit: %s\n",
		    log_journal() ? "<3>" : "", msg);	/* an error */
	if (rt->dir.ops)
		directory_close(&rt->dir);
	if (rt->traps.ops)
		directory_close(&rt->traps);
	config_free(&rt->cfg);
	free(rt);
	return status;
}

/* serve - open the socket, become a daemon, run libmilter; exit status */
static int
serve(struct runtime *rt, int argc, char **argv)
{
	static struct config fixed;	/* process options, for the threads */
	struct clients *clients;
	struct control *ctl = NULL;
	struct config *cfg = &rt->cfg;
	pthread_t tick;
	sigset_t usr1;		/* the signals threads wait for */
	char err[512], redis[300];
	double until;
	unsigned held;
	int rc;

	if (geteuid() == 0 && cfg->user == NULL && !cfg->allow_root)
		return fail(rt, EX_CONFIG, "refusing to run as root: give"
		    " -u USER[:GROUP] to drop privileges after start-up, or"
		    " --allow-root");
	if (daemon_user_check(cfg->user, cfg->group, cfg->socket_group, err,
	    sizeof(err)) < 0)
		return fail(rt, EX_CONFIG, err);
	/* Read as root, like the bind password: a restart reads it again. */
	if (config_load_redis_password(cfg, stderr) < 0)
		return fail(rt, EX_CONFIG, NULL);
	if ((clients = clients_new(cfg)) == NULL)
		return fail(rt, EX_OSERR, "out of memory for the client tables");
	stats_networks_hook(networks, clients);
	if (backend_open_traps(&rt->traps, cfg, err, sizeof(err)) < 0)
		return fail(rt, EX_CONFIG, err);
	if (milter_register(clients, cfg->tarpit_rejected) < 0)
		return fail(rt, EX_SOFTWARE, "smfi_register failed");
	if (daemon_socket_prepare(cfg->socket, err, sizeof(err)) < 0)
		return fail(rt, EX_UNAVAILABLE, err);
	if (smfi_setconn(cfg->socket) != MI_SUCCESS ||
	    smfi_opensocket(false) != MI_SUCCESS) {
		snprintf(err, sizeof(err), "cannot open milter socket %s",
		    cfg->socket);
		return fail(rt, EX_UNAVAILABLE, err);
	}
	if (daemon_socket_perms(cfg->socket, cfg->user, cfg->socket_mode,
	    cfg->socket_group, err, sizeof(err)) < 0)
		return fail(rt, EX_CONFIG, err);
	/* Made as root, for the -u user: its directory may be root's. */
	if (cfg->control_socket && (ctl = control_open(cfg->control_socket,
	    cfg->user, err, sizeof(err))) == NULL)
		return fail(rt, EX_UNAVAILABLE, err);
	log_init("milter-tarpit", cfg->foreground, cfg->verbose);
	if (!cfg->foreground && daemon(0, 0) < 0)
		return fail(rt, EX_OSERR, "cannot detach (daemon)");
	if (cfg->pidfile &&
	    daemon_pidfile_write(cfg->pidfile, err, sizeof(err)) < 0)
		return fail(rt, EX_CANTCREAT, err);
	fixed.stats_file = cfg->stats_file ? strdup(cfg->stats_file) : NULL;
	fixed.stats_interval = cfg->stats_interval;
	if (cfg->user && daemon_drop(cfg->user, cfg->group, err,
	    sizeof(err)) < 0) {
		log_err("%s", err);
		return fail(rt, EX_NOPERM, err);
	}
	redis[0] = '\0';
	if (cfg->redis_url) {
		struct fleet_url u;

		if (fleet_url_parse(cfg->redis_url, &u, err, sizeof(err)) == 0)
			fleet_url_show(&u, redis, sizeof(redis));
		fleet_url_free(&u);
	}
	start_line(cfg, redis[0] ? redis : NULL);
	/*
	 * Block the signals that threads wait for before any thread starts,
	 * so every thread inherits the mask: SIGUSR1 is taken by our stats
	 * thread, SIGHUP, SIGTERM and SIGINT by libmilter's signal thread.
	 */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigaddset(&usr1, SIGHUP);
	sigaddset(&usr1, SIGTERM);
	sigaddset(&usr1, SIGINT);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	thread_stack(cfg->thread_stack_kb);
	stats_start(&fixed);
	if (clients_share(clients, cfg) < 0) {
		log_err("out of memory for the Redis client");
		return fail(rt, EX_OSERR, "out of memory for the Redis client");
	}
	clients_load(clients, cfg);
	runtime_start(rt, argc, argv);	/* from here on, cfg may be swapped */
	if (pthread_create(&tick, NULL, clients_thread, clients) == 0)
		pthread_detach(tick);
	if (ctl && control_start(ctl, clients) < 0)
		log_warnx("--control-socket: cannot start its thread; the"
		    " daemon runs without it");

	rc = smfi_main();
	if (rc != MI_SUCCESS)
		log_err("libmilter stopped serving (its listener gives up after"
		    " repeated accept, memory or thread failures); exiting"
		    " with status 70 for the service manager to restart the"
		    " daemon");

	/* Wake sleepers (if the signal did not already) and let them answer. */
	tarpit_stop();
	control_stop(ctl);
	until = util_now() + DRAIN_SECONDS;
	while (milter_busy() > 0 && util_now() < until)
		usleep(20000);
	usleep(100000);		/* the last replies leave libmilter's threads */
	rt = runtime_acquire();
	clients_stop(clients, &rt->cfg);	/* state file; Redis stops */
	runtime_release(rt);
	log_info("stopping signal=%s", stop_signal == SIGTERM ? "TERM" :
	    stop_signal == SIGINT ? "INT" : "none");
	rt = runtime_acquire();
	if (rt->cfg.pidfile)
		unlink(rt->cfg.pidfile);	/* may fail after the drop */
	runtime_release(rt);
	if ((held = runtime_stop(STOP_SECONDS)) > 0)
		log_warnx("exiting with %u callback%s still running after %g s",
		    held, held == 1 ? "" : "s", DRAIN_SECONDS + STOP_SECONDS);
	return rc == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}

int
main(int argc, char **argv)
{
	struct runtime *rt;
	struct config *cfg;
	char err[512];
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if ((rt = calloc(1, sizeof(*rt))) == NULL)
		return EX_OSERR;
	cfg = &rt->cfg;
	config_init(cfg);
	switch (config_parse(cfg, argc, argv, stdout, stderr)) {
	case CONFIG_DONE:
		return fail(rt, EX_OK, NULL);
	case CONFIG_USAGE:
		return fail(rt, EX_USAGE, NULL);
	case CONFIG_BADFILE:
		return fail(rt, EX_CONFIG, NULL);
	case CONFIG_OK:
		break;
	}
	if (cfg->check_only) {
		log_init("milter-tarpit", 1, cfg->verbose);
		rc = query_check(cfg, stdout);
		printf("%d problem%s found\n", rc, rc == 1 ? "" : "s");
		return fail(rt, rc ? EX_CONFIG : EX_OK, NULL);
	}
	if (config_check(cfg, stderr) < 0 ||
	    config_load_password(cfg, stderr) < 0)
		return fail(rt, EX_CONFIG, NULL);
	/* The bind password is in memory from here on: no core dumps. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (backend_open(&rt->dir, cfg, err, sizeof(err)) < 0)
		return fail(rt, EX_CONFIG, err);
	if (cfg->query) {
		log_init("milter-tarpit", 1, cfg->verbose);
		rc = query_run(cfg, &rt->dir, stdout);
		return fail(rt, rc, NULL);
	}
	return serve(rt, argc, argv);
}
