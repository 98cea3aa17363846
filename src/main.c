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

#include "cache.h"
#include "config.h"
#include "directory_file.h"
#include "directory_ldap.h"
#include "log.h"
#include "milter.h"
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

/* unix_path - the path of a unix: or local: socket spec, or NULL */
static const char *
unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/* socket_prepare - remove a stale unix socket, refuse a live one */
static int
socket_prepare(const char *spec)
{
	const char *path = unix_path(spec);
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc;

	if (path == NULL || lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "milter-tarpit: %s exists and is not a socket\n",
		    path);
		return -1;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "milter-tarpit: socket path too long: %s\n", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	util_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		fprintf(stderr, "milter-tarpit: another process is listening on"
		    " %s\n", path);
		return -1;
	}
	if (errno == ECONNREFUSED)
		unlink(path);	/* left behind by a process that died */
	return 0;
}

/* scope_name - for the start-up line */
static const char *
scope_name(enum config_scope s)
{
	return s == SCOPE_BASE ? "base" : s == SCOPE_ONE ? "one" : "sub";
}

/* directory_open - the backend the flags name, behind the cache */
static int
directory_open(struct directory *dir, const struct config *cfg, char *err,
    size_t errlen)
{
	struct cache_config cc;
	struct directory inner;
	int rc;

	if (cfg->users_file)
		rc = directory_file_open(&inner, cfg->users_file, err, errlen);
	else
		rc = directory_ldap_open(&inner, cfg, err, errlen);
	if (rc < 0)
		return -1;
	if (!cfg->cache) {
		*dir = inner;
		return 0;
	}
	cc.max_entries = (size_t)cfg->cache_size;
	cc.ttl_positive = cfg->cache_ttl;
	cc.ttl_negative = cfg->cache_neg_ttl;
	cc.stale_max = cfg->cache_stale;
	cc.wait_max = cfg->ldap_timeout + 1;
	if (cache_wrap(dir, &inner, &cc) < 0) {
		directory_close(&inner);
		snprintf(err, errlen, "out of memory for the cache");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct directory dir = { 0 };
	struct config cfg;
	char err[512];
	double until;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	config_init(&cfg);
	switch (config_parse(&cfg, argc, argv, stdout, stderr)) {
	case CONFIG_DONE:
		config_free(&cfg);
		return EX_OK;
	case CONFIG_USAGE:
		config_free(&cfg);
		return EX_USAGE;
	case CONFIG_OK:
		break;
	}
	if (config_check(&cfg, stderr) < 0 ||
	    config_load_password(&cfg, stderr) < 0) {
		config_free(&cfg);
		return EX_CONFIG;
	}
	if (directory_open(&dir, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "milter-tarpit: %s\n", err);
		config_free(&cfg);
		return EX_CONFIG;
	}
	reload_dir = &dir;
	if (milter_register(&cfg, &dir) < 0) {
		fprintf(stderr, "milter-tarpit: smfi_register failed\n");
		directory_close(&dir);
		config_free(&cfg);
		return EX_SOFTWARE;
	}
	if (socket_prepare(cfg.socket) < 0 || smfi_setconn(cfg.socket) !=
	    MI_SUCCESS || smfi_opensocket(false) != MI_SUCCESS) {
		fprintf(stderr, "milter-tarpit: cannot open milter socket %s\n",
		    cfg.socket);
		directory_close(&dir);
		config_free(&cfg);
		return EX_UNAVAILABLE;
	}
	log_init("milter-tarpit", cfg.foreground, cfg.verbose);
	if (!cfg.foreground && daemon(0, 0) < 0) {
		log_warn("daemon");
		return EX_OSERR;
	}
	if (cfg.users_file)
		log_info("starting version=%s socket=%s users=%s domains=%zu"
		    " delay=%g cache=%s milter_timeout=%g", PACKAGE_VERSION,
		    cfg.socket, cfg.users_file, cfg.ndomains, cfg.delay,
		    cfg.cache ? "on" : "off", cfg.milter_timeout);
	else
		log_info("starting version=%s socket=%s uri=%s base=%s scope=%s"
		    " filter=%s domains=%zu delay=%g ldap_timeout=%g pool=%ld"
		    " cache=%s milter_timeout=%g", PACKAGE_VERSION, cfg.socket,
		    cfg.uris ? cfg.uris : "(ldap.conf)", cfg.base ? cfg.base :
		    "(ldap.conf)", scope_name(cfg.scope), cfg.filter,
		    cfg.ndomains, cfg.delay, cfg.ldap_timeout, cfg.pool_size,
		    cfg.cache ? "on" : "off", cfg.milter_timeout);

	rc = smfi_main();

	/* Wake sleepers (if the signal did not already) and let them answer. */
	tarpit_stop();
	until = util_now() + DRAIN_SECONDS;
	while (milter_busy() > 0 && util_now() < until)
		usleep(20000);
	usleep(100000);		/* the last replies leave libmilter's threads */
	log_info("stopping signal=%s", stop_signal == SIGTERM ? "TERM" :
	    stop_signal == SIGINT ? "INT" : "none");
	if (milter_busy() == 0)
		directory_close(&dir);
	config_free(&cfg);
	return rc == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}
