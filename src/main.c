/*
 * NAME
 *	milter-tarpit 8
 * SUMMARY
 *	delay and reject unknown recipients in anonymous SMTP sessions
 * DESCRIPTION
 *	main() reads the flags, prepares the directory, opens the milter
 *	socket and hands over to libmilter's smfi_main(). On SIGTERM or
 *	SIGINT every thread asleep in the tarpit is woken at once so that it
 *	answers its client, and the process waits briefly for those answers
 *	before it exits.
 */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "backend.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "query.h"
#include "tarpit.h"
#include "util.h"

#define DRAIN_SECONDS 2.0	/* wait for woken sessions to answer */

static volatile sig_atomic_t stop_signal;
static struct directory *reload_dir;	/* set before smfi_main() */

/* reload - SIGHUP: re-read what can change; a bad new state is refused */
static void
reload(void)
{
	char err[512];

	if (reload_dir == NULL)
		return;
	if (directory_reload(reload_dir, err, sizeof(err)) < 0)
		log_warnx("reload refused, keeping the old contents: %s", err);
	else
		log_info("reload done%s%s", err[0] ? ": " : "", err);
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

/* scope_name - for the start-up line */
static const char *
scope_name(enum config_scope s)
{
	return s == SCOPE_BASE ? "base" : s == SCOPE_ONE ? "one" : "sub";
}

/* start_line - the settings, once, at start */
static void
start_line(const struct config *cfg)
{
	if (cfg->users_file)
		log_info("starting version=%s socket=%s users=%s domains=%zu"
		    " delay=%g cache=%s milter_timeout=%g", PACKAGE_VERSION,
		    cfg->socket, cfg->users_file, cfg->ndomains, cfg->delay,
		    cfg->cache ? "on" : "off", cfg->milter_timeout);
	else
		log_info("starting version=%s socket=%s uri=%s base=%s scope=%s"
		    " filter=%s domains=%zu delay=%g ldap_timeout=%g pool=%ld"
		    " cache=%s milter_timeout=%g", PACKAGE_VERSION, cfg->socket,
		    cfg->uris ? cfg->uris : "(ldap.conf)", cfg->base ?
		    cfg->base : "(ldap.conf)", scope_name(cfg->scope),
		    cfg->filter, cfg->ndomains, cfg->delay, cfg->ldap_timeout,
		    cfg->pool_size, cfg->cache ? "on" : "off",
		    cfg->milter_timeout);
}

/* fail - a start-up problem: message, cleanup, exit status */
static int
fail(struct config *cfg, struct directory *dir, int status, const char *msg)
{
	if (msg)
		fprintf(stderr, "milter-tarpit: %s\n", msg);
	if (dir && dir->ops)
		directory_close(dir);
	config_free(cfg);
	return status;
}

/* serve - open the socket, become a daemon, run libmilter; exit status */
static int
serve(struct config *cfg, struct directory *dir)
{
	char err[512];
	double until;
	int rc;

	if (geteuid() == 0 && cfg->user == NULL && !cfg->allow_root)
		return fail(cfg, dir, EX_CONFIG, "refusing to run as root: give"
		    " -u USER[:GROUP] to drop privileges after start-up, or"
		    " --allow-root");
	if (milter_register(cfg, dir) < 0)
		return fail(cfg, dir, EX_SOFTWARE, "smfi_register failed");
	if (daemon_socket_prepare(cfg->socket, err, sizeof(err)) < 0)
		return fail(cfg, dir, EX_UNAVAILABLE, err);
	if (smfi_setconn(cfg->socket) != MI_SUCCESS ||
	    smfi_opensocket(false) != MI_SUCCESS) {
		snprintf(err, sizeof(err), "cannot open milter socket %s",
		    cfg->socket);
		return fail(cfg, dir, EX_UNAVAILABLE, err);
	}
	if (daemon_socket_perms(cfg->socket, cfg->socket_mode,
	    cfg->socket_group, err, sizeof(err)) < 0)
		return fail(cfg, dir, EX_CONFIG, err);
	log_init("milter-tarpit", cfg->foreground, cfg->verbose);
	if (!cfg->foreground && daemon(0, 0) < 0)
		return fail(cfg, dir, EX_OSERR, "cannot detach (daemon)");
	if (cfg->pidfile &&
	    daemon_pidfile_write(cfg->pidfile, err, sizeof(err)) < 0)
		return fail(cfg, dir, EX_CANTCREAT, err);
	if (cfg->user && daemon_drop(cfg->user, cfg->group, err,
	    sizeof(err)) < 0) {
		log_err("%s", err);
		return fail(cfg, dir, EX_NOPERM, err);
	}
	reload_dir = dir;
	start_line(cfg);

	rc = smfi_main();

	/* Wake sleepers (if the signal did not already) and let them answer. */
	tarpit_stop();
	until = util_now() + DRAIN_SECONDS;
	while (milter_busy() > 0 && util_now() < until)
		usleep(20000);
	usleep(100000);		/* the last replies leave libmilter's threads */
	log_info("stopping signal=%s", stop_signal == SIGTERM ? "TERM" :
	    stop_signal == SIGINT ? "INT" : "none");
	if (cfg->pidfile)
		unlink(cfg->pidfile);	/* may fail after the drop: harmless */
	if (milter_busy() == 0)
		directory_close(dir);
	config_free(cfg);
	return rc == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}

int
main(int argc, char **argv)
{
	struct directory dir = { 0 };
	struct config cfg;
	char err[512];
	int rc;

	signal(SIGPIPE, SIG_IGN);
	config_init(&cfg);
	switch (config_parse(&cfg, argc, argv, stdout, stderr)) {
	case CONFIG_DONE:
		return fail(&cfg, NULL, EX_OK, NULL);
	case CONFIG_USAGE:
		return fail(&cfg, NULL, EX_USAGE, NULL);
	case CONFIG_BADFILE:
		return fail(&cfg, NULL, EX_CONFIG, NULL);
	case CONFIG_OK:
		break;
	}
	if (cfg.check_only) {
		log_init("milter-tarpit", 1, cfg.verbose);
		rc = query_check(&cfg, stdout);
		printf("%d problem%s found\n", rc, rc == 1 ? "" : "s");
		return fail(&cfg, NULL, rc ? EX_CONFIG : EX_OK, NULL);
	}
	if (config_check(&cfg, stderr) < 0 ||
	    config_load_password(&cfg, stderr) < 0)
		return fail(&cfg, NULL, EX_CONFIG, NULL);
	if (backend_open(&dir, &cfg, err, sizeof(err)) < 0)
		return fail(&cfg, NULL, EX_CONFIG, err);
	if (cfg.query) {
		log_init("milter-tarpit", 1, cfg.verbose);
		rc = query_run(&cfg, &dir, stdout);
		return fail(&cfg, &dir, rc, NULL);
	}
	return serve(&cfg, &dir);
}
