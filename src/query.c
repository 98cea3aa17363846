/*
 * NAME
 *	query 3
 * SUMMARY
 *	query mode (-q) and check mode (-n)
 * DESCRIPTION
 *	Both modes use the same code paths as the daemon: judge_recipient()
 *	for a query, and for a check the same configuration checks, socket
 *	preparation and directory backend, plus a real lookup of a probe
 *	address so that reachability, TLS and the bind are proved. With
 *	--redis, the check also connects to Redis and runs the score script
 *	once. Query mode judges as a daemon with no scores, so it never asks
 *	Redis.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "cidr.h"
#include "daemon.h"
#include "backend.h"
#include "fleet.h"
#include "judge.h"
#include "postfix_check.h"
#include "query.h"
#include "util.h"

/* print_reply - the reply as the client sees it ("%%" is libmilter's "%") */
static void
print_reply(FILE *out, const struct judge_result *r)
{
	const char *p;

	if (r->decision.action == ACTION_ACCEPT) {
		fprintf(out, "reply:    250 (the milter lets the recipient"
		    " through)\n");
		return;
	}
	fprintf(out, "reply:    %s %s ", r->decision.rcode, r->decision.xcode);
	for (p = r->reply; *p; p++) {
		if (p[0] == '%' && p[1] == '%')
			p++;
		fputc(*p, out);
	}
	fputc('\n', out);
}

/* rule_text - why the decision was taken, in words */
static void
print_rule(FILE *out, const struct config *cfg, const struct judge_result *r,
    int authenticated, int trusted)
{
	const char *reason = r->decision.reason;

	fprintf(out, "rule:     %s: ", reason);
	if (strcmp(reason, "exists") == 0)
		fprintf(out, "the directory has the address\n");
	else if (strcmp(reason, "unknown") == 0)
		fprintf(out, "the directory has no such entry; %s\n",
		    r->decision.delay > 0 ? "anonymous session, so the tarpit"
		    " delay comes first" : authenticated ? "authenticated"
		    " session, so no delay" : trusted ? "trusted network, so"
		    " no delay" : cfg->delay <= 0 ? "the tarpit is off (-T 0)" :
		    "within the --allowance, so no delay");
	else if (strcmp(reason, "non-local") == 0)
		fprintf(out, "not in a local domain (-d), so not checked\n");
	else if (strcmp(reason, "postmaster") == 0)
		fprintf(out, "postmaster is always accepted (RFC 5321)\n");
	else if (strcmp(reason, "harvest") == 0)
		fprintf(out, "the client network's score %.2f reached"
		    " --harvest-score, so 421 and the connection closes\n",
		    r->score);
	else if (strcmp(reason, "tarpit-full") == 0)
		fprintf(out, "the tarpit is full (--max-sleepers), so an"
		    " immediate answer that tells nothing\n");
	else if (strcmp(reason, "exempt") == 0)
		fprintf(out, "trusted or authenticated, and --exempt-check no:"
		    " not checked\n");
	else if (strcmp(reason, "directory-error") == 0)
		fprintf(out, "the directory could not answer (%s), so a"
		    " temporary failure, never a 5xx\n", r->error);
	else
		fprintf(out, "the address is not valid (%s)\n", r->error);
}

/* query_run - judge cfg->query once; exit status 0 accept, 1 reject, 2 other */
int
query_run(const struct config *cfg, struct directory *dir, FILE *out)
{
	struct judge_session s = { 0 };
	struct judge_result r;
	struct ipaddr ip;
	int authenticated = cfg->query_auth != NULL;

	s.authenticated = authenticated;
	s.trusted = cfg->query_client &&
	    cidr_addr_parse(cfg->query_client, &ip) == 0 &&
	    config_is_trusted(cfg, &ip);
	judge_recipient(cfg, dir, cfg->query, &s, &r);
	fprintf(out, "address:  %s\n", cfg->query);
	if (r.routed[0])
		fprintf(out, "routed:   %s (as Postfix will route it)\n",
		    r.routed);
	fprintf(out, "session:  %s%s, client %s, sender <%s>\n",
	    authenticated ? "authenticated as " : "anonymous",
	    authenticated ? cfg->query_auth : "",
	    cfg->query_client ? cfg->query_client : "-",
	    cfg->query_sender ? cfg->query_sender : "");
	fprintf(out, "action:   %s\n", policy_action_name(r.decision.action));
	print_reply(out, &r);
	fprintf(out, "delay:    %.3f s\n", r.decision.delay);
	print_rule(out, cfg, &r, authenticated, s.trusted);
	if (r.looked_up) {
		fprintf(out, "filter:   %s\n", r.filter);
		fprintf(out, "lookup:   %.3f s\n", r.lookup_seconds);
		fprintf(out, "cache:    %s\n", r.cache);
	} else {
		fprintf(out, "lookup:   none\n");
	}
	switch (r.decision.action) {
	case ACTION_ACCEPT:
		return 0;
	case ACTION_REJECT:
		return 1;
	default:
		return 2;
	}
}

/* problem - print one problem and count it */
static void
problem(FILE *out, int *n, const char *what)
{
	fprintf(out, "problem: %s\n", what);
	(*n)++;
}

/* check_redis - --redis: the password file, then a real round trip */
static void
check_redis(struct config *cfg, FILE *out, int *n)
{
	struct fleet_opts o = { 0 };
	struct fleet_url u;
	struct stat st;
	char msg[1024];

	if (cfg->redis_password_file) {
		if (config_load_redis_password(cfg, out) < 0) {
			problem(out, n, "the Redis password file cannot be"
			    " used");
			return;
		}
		if (stat(cfg->redis_password_file, &st) == 0 &&
		    (st.st_mode & S_IROTH))
			problem(out, n, "the Redis password file is readable"
			    " by everyone");
		else
			fprintf(out, "ok: Redis password file %s\n",
			    cfg->redis_password_file);
	}
	if (fleet_url_parse(cfg->redis_url, &u, msg, sizeof(msg)) < 0) {
		problem(out, n, msg);
		return;
	}
	o.url = &u;
	o.password = cfg->redis_password;
	o.prefix = cfg->redis_prefix;
	o.timeout = cfg->redis_timeout;
	o.half_life[FLEET_SCORE] = cfg->half_life;
	if (fleet_probe(&o, msg, sizeof(msg)) < 0) {
		char why[sizeof(msg) + 80];

		snprintf(why, sizeof(why), "%s (the daemon would start and"
		    " keep client scores local until it answers)", msg);
		problem(out, n, why);
	} else {
		fprintf(out, "ok: %s\n", msg);
	}
	fleet_url_free(&u);
}

/* check_file_dir - the directory of a file the daemon will write exists */
static void
check_file_dir(FILE *out, int *n, const char *flag, const char *path)
{
	char dir[1024], msg[1200], *slash;
	struct stat st;

	if (path == NULL)
		return;
	util_strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, sizeof(msg), "%s %s: the directory %s does not"
		    " exist", flag, path, dir);
		problem(out, n, msg);
	} else {
		fprintf(out, "ok: %s directory %s exists\n", flag, dir);
	}
}

/*
 * check_addresses - --check-address: each looked up; none found means the
 * base or the filter misses the users, and every recipient would be
 * judged unknown
 */
static void
check_addresses(const struct config *cfg, struct directory *dir, FILE *out,
    int *n)
{
	char msg[1200];
	struct dir_query q;
	struct addr a;
	size_t i, found = 0;
	enum dir_result r;

	for (i = 0; i < cfg->ncheck_addrs; i++) {
		if (addr_parse(cfg->check_addrs[i], &a, NULL) != ADDR_OK)
			continue;	/* refused when the option was read */
		r = directory_lookup(dir, &a, 1, &q);
		if (r == DIR_FOUND)
			found++;
		fprintf(out, "%s: --check-address %s: %s (%s)\n", r == DIR_FOUND ?
		    "ok" : "note", a.full, r == DIR_FOUND ? "found" : r ==
		    DIR_ERROR ? q.error : "not found", q.filter);
	}
	if (cfg->ncheck_addrs > 0 && found == 0) {
		snprintf(msg, sizeof(msg), "none of the %zu --check-address"
		    " address(es) was found: the search base (-b %s) or the"
		    " filter (-F %s) misses the users, and every recipient would"
		    " be judged unknown", cfg->ncheck_addrs, cfg->base ?
		    cfg->base : "from ldap.conf", cfg->filter);
		problem(out, n, msg);
	}
}

/* query_check - check everything; returns the number of problems */
int
query_check(struct config *cfg, FILE *out)
{
	char err[1024], probe_in[300];
	struct dir_query q;
	struct directory dir;
	struct stat st;
	struct addr probe;
	enum dir_result r;
	int n = 0;

	if (config_check(cfg, out) < 0)
		problem(out, &n, "the options above do not fit together");
	else
		fprintf(out, "ok: options, filter template, %s\n",
		    cfg->keepalive ? "keep-alive messages within the milter"
		    " timeout" : "the longest delay plus the LDAP timeout"
		    " within the milter timeout");
	if (geteuid() == 0 && cfg->user == NULL && !cfg->allow_root)
		problem(out, &n, "running as root: the daemon would refuse to"
		    " start without -u USER[:GROUP] or --allow-root");
	if (daemon_user_check(cfg->user, cfg->group, cfg->socket_group, err,
	    sizeof(err)) < 0)
		problem(out, &n, err);
	if (cfg->password_file) {
		if (config_load_password(cfg, out) < 0)
			problem(out, &n, "the password file cannot be used");
		else if (stat(cfg->password_file, &st) == 0 &&
		    (st.st_mode & S_IROTH))
			problem(out, &n, "the password file is readable by"
			    " everyone");
		else
			fprintf(out, "ok: password file %s\n", cfg->password_file);
	}
	if (daemon_socket_check(cfg->socket, err, sizeof(err)) < 0)
		problem(out, &n, err);
	else
		fprintf(out, "ok: socket %s can be created\n", cfg->socket);
	if (cfg->redis_url)
		check_redis(cfg, out, &n);
	check_file_dir(out, &n, "--stats-file", cfg->stats_file);
	check_file_dir(out, &n, "--state-file", cfg->state_file);
	postfix_check(cfg, out, &n);

	if (cfg->bind_dn && cfg->password == NULL) {
		fprintf(out, "not checked: the directory (no bind password)\n");
		return n;
	}
	if (backend_open(&dir, cfg, err, sizeof(err)) < 0) {
		problem(out, &n, err);
		return n;
	}
	snprintf(probe_in, sizeof(probe_in), "milter-tarpit-check@%s",
	    cfg->ndomains ? cfg->domains[0] : "example.com");
	addr_parse(probe_in, &probe, NULL);
	r = directory_lookup(&dir, &probe, 1, &q);
	if (r == DIR_ERROR) {
		snprintf(err, sizeof(err), "directory: %s", q.error);
		problem(out, &n, err);
	} else {
		fprintf(out, "ok: directory answered a lookup of %s (%s) in"
		    " %.3f s\n", probe.full, directory_result_name(r), q.seconds);
	}
	check_addresses(cfg, &dir, out, &n);
	directory_close(&dir);
	return n;
}
