/*
 * NAME
 *	config 3
 * SUMMARY
 *	command-line flags: defaults, parsing, validation
 * DESCRIPTION
 *	Short options follow the OpenLDAP client tools where they overlap
 *	(-H, -b, -s, -D, -y, -Z). Numbers are parsed strictly and bounded;
 *	a message always names the flag, the value and what it accepts.
 *	Messages use the program name "milter-tarpit" and go to the stream
 *	the caller gives, never to syslog: flags are read before logging
 *	starts.
 */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <idn2.h>

#include "addr.h"
#include "config.h"
#include "flags.h"
#include "fleet.h"
#include "fleet_url.h"
#include "ldap_escape.h"
#include "optfile.h"
#include "util.h"

#define PROG "milter-tarpit"
#define PASSWORD_MAX 1024

static const char usage_text[] =
"Usage: milter-tarpit [options]\n"
"Check each recipient against an LDAP directory; delay and reject unknown\n"
"recipients in anonymous SMTP sessions.\n"
"\n"
"Modes:\n"
"  -q, --query ADDRESS        run the whole decision for ADDRESS once, print\n"
"                             what the daemon would do and why; exit 0 accept,\n"
"                             1 reject, 2 tempfail or error\n"
"      --client IP            with -q: the SMTP client's address\n"
"      --sender ADDRESS       with -q: the envelope sender\n"
"      --auth USER            with -q: an authenticated session as USER\n"
"  -n, --check                check the configuration, the socket and the\n"
"                             directory, print every problem, and exit\n"
"  -c, --config FILE          read options from FILE (\"long-option value\"\n"
"                             per line); command-line options win\n"
"Milter:\n"
"  -p, --socket SPEC          milter socket, unix:/path or inet:port@host\n"
"                             (default " CONFIG_DEFAULT_SOCKET ")\n"
"  -M, --milter-timeout SECS  the MTA's milter command timeout, 1-3600\n"
"                             (default 30, Postfix's milter_command_timeout)\n"
"Directory:\n"
"  -H, --uri URI              LDAP URI(s), ldap:// ldaps:// ldapi://; repeat or\n"
"                             separate with spaces or commas; tried in order,\n"
"                             a failed server is retried with backoff\n"
"                             (default: ldap.conf); file:/path = --users\n"
"  -b, --base DN              search base (default: ldap.conf BASE)\n"
"  -s, --scope SCOPE          base, one or sub (default sub)\n"
"  -F, --filter TEMPLATE      search filter; %s address, %u local part,\n"
"                             %d domain, %% percent (default " CONFIG_DEFAULT_FILTER ")\n"
"  -D, --bind-dn DN           bind DN (default: anonymous)\n"
"  -y, --password-file FILE   read the bind password from FILE\n"
"  -Y, --sasl-mech EXTERNAL   SASL EXTERNAL bind (e.g. over ldapi://)\n"
"  -Z, --starttls             use StartTLS; -ZZ to require it\n"
"      --tls-cacert FILE      CA certificates for ldaps:// and StartTLS\n"
"      --tls-cacertdir DIR    directory of CA certificates\n"
"  -t, --ldap-timeout SECS    bound on one lookup, 0.1-60 (default 5)\n"
"  -P, --pool-size N          LDAP connections shared by all sessions,\n"
"                             1-64 (default 4)\n"
"      --users FILE           look recipients up in FILE instead of LDAP:\n"
"                             one address per line, @domain for catch-all\n"
"Cache:\n"
"      --cache-ttl SECS       keep \"exists\" answers, 0-86400 (default 600)\n"
"      --cache-negative-ttl SECS  keep \"no such entry\" answers, 0-86400\n"
"                             (default 60)\n"
"      --cache-stale SECS     while the directory fails, trust an expired\n"
"                             \"exists\" this much longer, 0-604800 (default 3600)\n"
"      --cache-size N         entries at most, 16-10000000 (default 100000)\n"
"      --no-cache             ask the directory every time\n"
"Recipients:\n"
"  -d, --domain LIST          local domain(s), repeat or comma-separate;\n"
"                             only these are checked (required)\n"
"      --subdomains yes|no    a -d domain's subdomains are local too (yes)\n"
"      --percent-hack yes|no  user%domain@ours is user@domain, as Postfix's\n"
"                             allow_percent_hack (yes)\n"
"      --swap-bangpath yes|no domain!user@ours is user@domain, as Postfix's\n"
"                             swap_bangpath (yes)\n"
"      --own-addresses LIST   the MTA's own addresses: an address literal\n"
"                             [IP] of one is ours; any, none or networks\n"
"                             (default any)\n"
"  -e, --delimiter CHARS      recipient delimiter(s), e.g. +\n"
"Tarpit:\n"
"  -T, --delay SECS           delay before rejecting an unknown recipient in\n"
"                             an anonymous session, 0-3600, 0 = off (default 20)\n"
"  -R, --reject-text TEXT     text after \"550 5.1.1 <address>: \"\n"
"                             (default \"" CONFIG_DEFAULT_REJECT "\")\n"
"      --delay-factor F       multiply the delay by F for each further\n"
"                             unknown recipient, 1-10 (default 1: fixed)\n"
"      --delay-max SECS       ceiling of the escalation (default: what fits\n"
"                             the milter timeout)\n"
"      --allowance N          unknown recipients per session answered\n"
"                             without delay, 0-1000 (default 0)\n"
"      --keepalive            send progress while asleep, so delays may\n"
"                             exceed the MTA's milter timeout\n"
"Harvest defence:\n"
"      --ipv4-prefix N        client network for scores, 8-32 (default 32)\n"
"      --ipv6-prefix N        ... for IPv6, 16-128 (default 64)\n"
"      --ipv4-wide-prefix N   the wide network around a client, whose\n"
"                             score counts too, 8-32 (default 24)\n"
"      --ipv6-wide-prefix N   ... for IPv6, 16-128 (default 48)\n"
"      --wide-weight W        share of the wide network's score that\n"
"                             counts as the client's, 0-1 (default 0.5;\n"
"                             0 off)\n"
"      --score-half-life SECS a client's score halves this often (1800)\n"
"      --score-table-size N   client networks remembered (default 65536)\n"
"      --suspect-score S      from this score every answer to the client\n"
"                             is delayed, valid ones too (default 5; 0 off)\n"
"      --harvest-score S      from this score: 421, disconnect (default 25;\n"
"                             0 off)\n"
"      --max-sleepers N       sessions asleep at once (default 50; 0 no cap)\n"
"      --max-sleepers-per-net N  ... per client network (default 10)\n"
"      --cap-reply 421|451    the answer past a cap (default 421)\n"
"      --trusted-networks LIST  never delayed (CIDR, repeat or comma list)\n"
"      --exempt-check yes|no  check trusted and authenticated sessions'\n"
"                             recipients (reject at once) or not (yes)\n"
"      --reject-unknown-sender  550 5.1.0 for an unknown local sender\n"
"      --require-auth-local-sender  550 5.7.1 for a local sender in an\n"
"                             anonymous, untrusted session\n"
"      --tarpit-rejected      also tarpit recipients Postfix rejected\n"
"      --trap-file FILE       trap addresses, one per line (or @domain):\n"
"                             one probe makes the client suspect at once\n"
"Known-good clients and attack mode:\n"
"      --good-messages N      messages delivered that make a network\n"
"                             known-good, 0-1000 (default 1; 0 off)\n"
"      --good-half-life SECS  a good record halves this often, 3600-\n"
"                             31536000 (default 604800: a week)\n"
"      --attack-score N       unknown recipients (all clients not known-\n"
"                             good, decayed over a minute) that start\n"
"                             attack mode, 0-1000000 (default 20; 0 off)\n"
"      --attack-hold SECS     attack mode ends after this long quiet,\n"
"                             0-86400 (default 600)\n"
"      --attack-budget N      greylisted retries answered per minute in\n"
"                             attack mode, 0-10000 (default 6)\n"
"      --greylist-time SECS   a retry counts after this long, 0-86400\n"
"                             (default 60)\n"
"      --state-file FILE      keep scores and good records across restarts\n"
"      --state-interval SECS  write the state file this often, 10-86400\n"
"                             (default 300)\n"
"      --dry-run              log every decision, enforce none\n"
"Shared scores (several MX hosts):\n"
"      --redis URL            keep client scores in Redis, shared by every\n"
"                             host that names it: redis://HOST[:PORT][/DB]\n"
"                             or unix:/PATH[?db=DB] (default: in memory)\n"
"      --redis-password-file FILE  Redis password (AUTH) from FILE\n"
"      --redis-timeout SECS   longest wait for Redis, 0.01-1 (default 0.1);\n"
"                             then the local scores decide\n"
"      --redis-prefix TEXT    Redis key prefix (default " FLEET_DEFAULT_PREFIX ")\n"
"Process:\n"
"  -u, --user USER[:GROUP]    drop root privileges to USER after start-up\n"
"      --allow-root           keep running as root (not recommended)\n"
"      --pidfile FILE         write the process ID to FILE\n"
"      --socket-mode MODE     octal mode of a unix: socket, e.g. 0660\n"
"      --socket-group GROUP   group of a unix: socket, e.g. postfix\n"
"      --stats-file FILE      write statistics (Prometheus text) to FILE\n"
"      --stats-interval SECS  how often, 1-86400 (default 60)\n"
"      --thread-stack KB      stack of each session thread, 64-65536 KiB;\n"
"                             0 = the C library's (default 256)\n"
"  -f, --foreground           do not detach; log to stderr\n"
"  -v, --verbose              log debug lines too\n"
"  -h, --help                 show this help\n"
"  -V, --version              show the version\n"
"\n"
"Exit status: 0 stopped cleanly, 64 bad flag, 69 socket unusable,\n"
"70 internal error, 71 cannot detach, 73 cannot write the pid file,\n"
"77 cannot drop privileges, 78 configuration error; with -q: 0 accept,\n"
"1 reject, 2 tempfail; with -n: 0 no problem, 78 problems found.\n";

/* config_init - fill in the defaults */
void
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->socket = strdup(CONFIG_DEFAULT_SOCKET);
	cfg->scope = SCOPE_SUB;
	cfg->filter = strdup(CONFIG_DEFAULT_FILTER);
	cfg->ldap_timeout = CONFIG_DEFAULT_TIMEOUT;
	cfg->pool_size = CONFIG_DEFAULT_POOL;
	cfg->delay = CONFIG_DEFAULT_DELAY;
	cfg->milter_timeout = CONFIG_DEFAULT_MILTER_TIMEOUT;
	cfg->reject_text = strdup(CONFIG_DEFAULT_REJECT);
	cfg->cache = 1;
	cfg->cache_size = CONFIG_DEFAULT_CACHE_SIZE;
	cfg->cache_ttl = CONFIG_DEFAULT_CACHE_TTL;
	cfg->cache_neg_ttl = CONFIG_DEFAULT_CACHE_NEG_TTL;
	cfg->cache_stale = CONFIG_DEFAULT_CACHE_STALE;
	cfg->socket_mode = -1;
	cfg->stats_interval = 60;
	cfg->thread_stack_kb = 256;
	cfg->delay_factor = 1;
	cfg->suspect_score = 5;
	cfg->harvest_score = 25;
	cfg->max_sleepers = 50;
	cfg->max_sleepers_net = 10;
	cfg->exempt_check = 1;
	cfg->subdomains = 1;
	cfg->percent_hack = 1;
	cfg->swap_bangpath = 1;
	cfg->own_any = 1;
	cfg->prefix4 = 32;
	cfg->prefix6 = 64;
	cfg->wide4 = 24;
	cfg->wide6 = 48;
	cfg->wide_weight = 0.5;
	cfg->half_life = 1800;
	cfg->score_table_size = 65536;
	cfg->good_messages = 1;
	cfg->good_half_life = CONFIG_DEFAULT_GOOD_HALF_LIFE;
	cfg->attack_score = CONFIG_DEFAULT_ATTACK_SCORE;
	cfg->attack_hold = CONFIG_DEFAULT_ATTACK_HOLD;
	cfg->attack_budget = CONFIG_DEFAULT_ATTACK_BUDGET;
	cfg->greylist_time = CONFIG_DEFAULT_GREYLIST_TIME;
	cfg->state_interval = CONFIG_DEFAULT_STATE_INTERVAL;
	cfg->redis_timeout = FLEET_DEFAULT_TIMEOUT;
	cfg->redis_prefix = strdup(FLEET_DEFAULT_PREFIX);
}

/* config_apply - apply one option by its long name (options files) */
int
config_apply(struct config *cfg, const char *name, const char *value,
    FILE *err)
{
	const struct option *o;
	int rc, saved_uris, saved_domains;

	for (o = flags_long; o->name; o++)
		if (strcmp(o->name, name) == 0)
			break;
	/* Modes and their arguments belong on a command line only. */
	if (o->name == NULL || (o->val < 256 && strchr("chVqn", o->val)) ||
	    o->val == OPT_CLIENT || o->val == OPT_SENDER || o->val == OPT_AUTH)
		return -2;
	if (o->val == 'Z' && value && strcasecmp(value, "require") == 0) {
		cfg->starttls = 2;	/* "starttls require" is -ZZ */
		return 0;
	}
	if (o->has_arg == required_argument && (value == NULL || *value == '\0'))
		return -3;
	if (o->has_arg == no_argument && value && *value) {
		if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0)
			return 0;
		if (strcasecmp(value, "yes") != 0 && strcasecmp(value, "true") != 0)
			return -4;
	}
	/*
	 * The "from the file" marks make a command-line -H/-d replace the
	 * file's list; while the file itself is read, its lines add up.
	 */
	saved_uris = cfg->uris_from_file;
	saved_domains = cfg->domains_from_file;
	cfg->uris_from_file = cfg->domains_from_file = 0;
	rc = flags_apply(cfg, o->val, value, err);
	cfg->uris_from_file = saved_uris || o->val == 'H';
	cfg->domains_from_file = saved_domains || o->val == 'd';
	return rc < 0 ? -1 : 0;
}

/* make_absolute - turn a relative path into one from the current directory */
static void
make_absolute(char **path)
{
	char cwd[4096], *abs;
	size_t n;

	if (*path == NULL || (*path)[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	n = strlen(cwd) + strlen(*path) + 2;
	if ((abs = malloc(n)) == NULL)
		return;
	snprintf(abs, n, "%s/%s", cwd, *path);
	free(*path);
	*path = abs;
}

/* takes_value - does short option ch take a value */
static int
takes_value(int ch)
{
	const char *p = strchr(flags_short + 1, ch);

	return ch != ':' && p != NULL && p[1] == ':';
}

/*
 * find_config - the options file named on the command line, or NULL.
 * Walks the words as getopt would, bundles ("-vc FILE") included.
 */
static const char *
find_config(int argc, char **argv)
{
	const char *found = NULL, *p;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			found = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--config=", 9) == 0) {
			found = argv[i] + 9;
			continue;
		}
		if (strncmp(argv[i], "--", 2) == 0) {
			/* another long option: skip its separate value */
			const struct option *o;
			size_t n = strcspn(argv[i] + 2, "=");

			for (o = flags_long; o->name; o++)
				if (strlen(o->name) == n &&
				    strncmp(o->name, argv[i] + 2, n) == 0)
					break;
			if (o->name && o->has_arg == required_argument &&
			    argv[i][2 + n] == '\0')
				i++;
			continue;
		}
		if (argv[i][0] != '-')
			continue;
		for (p = argv[i] + 1; *p; p++) {
			if (!takes_value(*p))
				continue;
			if (p[1] != '\0')
				found = *p == 'c' ? p + 1 : found;
			else if (i + 1 < argc) {
				i++;
				found = *p == 'c' ? argv[i] : found;
			}
			break;
		}
	}
	return found;
}

/* config_parse - parse argv; messages go to err, --help to out */
enum config_status
config_parse(struct config *cfg, int argc, char **argv, FILE *out, FILE *err)
{
	const char *file;
	int c, idx;
	char flag[40];

	if ((file = find_config(argc, argv)) != NULL) {
		if (flags_replace(&cfg->config_file, file) < 0) {
			fprintf(err, PROG ": %s: out of memory\n", file);
			return CONFIG_BADFILE;
		}
		if (optfile_read(cfg, file, err) < 0)
			return CONFIG_BADFILE;
	}
	optind = 0;		/* glibc: rescan from the start */
	opterr = 0;
	while ((c = getopt_long(argc, argv, flags_short, flags_long, &idx)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, out);
			return CONFIG_DONE;
		case 'V':
			fprintf(out, "milter-tarpit %s\n", PACKAGE_VERSION);
			return CONFIG_DONE;
		case ':':
			flags_name(optopt, flag, sizeof(flag));
			fprintf(err, PROG ": %s needs a value; see --help\n", flag);
			return CONFIG_USAGE;
		case '?':
			if (optopt && strncmp(argv[optind - 1], "--", 2) == 0)
				fprintf(err, PROG ": %s: this option takes no"
				    " value; see --help\n", argv[optind - 1]);
			else if (optopt)
				fprintf(err, PROG ": unknown option -%c; see"
				    " --help\n", optopt);
			else
				fprintf(err, PROG ": unknown option %s; see"
				    " --help\n", argv[optind - 1]);
			return CONFIG_USAGE;
		default:
			if (flags_apply(cfg, c, optarg, err) < 0)
				return CONFIG_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(err, PROG ": unexpected argument \"%s\"; see --help\n",
		    argv[optind]);
		return CONFIG_USAGE;
	}
	/* A detached daemon works in "/": reloads need absolute paths. */
	make_absolute(&cfg->users_file);
	make_absolute(&cfg->password_file);
	make_absolute(&cfg->redis_password_file);
	make_absolute(&cfg->tls_cacert);
	make_absolute(&cfg->tls_cacertdir);
	return CONFIG_OK;
}

/* redis_url_has_password - does --redis carry a password */
static int
redis_url_has_password(const struct config *cfg)
{
	struct fleet_url u;
	char why[512];
	int has;

	if (cfg->redis_url == NULL ||
	    fleet_url_parse(cfg->redis_url, &u, why, sizeof(why)) < 0)
		return 0;
	has = u.password != NULL;
	fleet_url_free(&u);
	return has;
}

/* config_check - whole-configuration checks; 0 ok, -1 (exit 78) */
int
config_check(const struct config *cfg, FILE *err)
{
	int rc = 0;
	double budget = cfg->milter_timeout - CONFIG_SAFETY_MARGIN, worst;

	if (cfg->ndomains == 0) {
		fprintf(err, PROG ": no local domains: give -d/--domain"
		    " (only recipients in these domains are checked)\n");
		rc = -1;
	}
	if (cfg->bind_dn && !cfg->password_file) {
		fprintf(err, PROG ": -D/--bind-dn needs -y/--password-file"
		    " (the password is never taken on the command line)\n");
		rc = -1;
	}
	if (cfg->password_file && !cfg->bind_dn) {
		fprintf(err, PROG ": -y/--password-file needs -D/--bind-dn\n");
		rc = -1;
	}
	if (cfg->sasl_mech && cfg->bind_dn) {
		fprintf(err, PROG ": -Y/--sasl-mech EXTERNAL and -D/--bind-dn"
		    " exclude each other\n");
		rc = -1;
	}
	if (cfg->users_file && (cfg->uris || cfg->bind_dn || cfg->starttls ||
	    cfg->sasl_mech)) {
		fprintf(err, PROG ": --users (or a file: URI) replaces LDAP:"
		    " give no LDAP URI, bind or TLS option with it\n");
		rc = -1;
	}
	/*
	 * Every answer must come before the MTA gives up on us: the longest
	 * sleep plus a lookup, with a margin. With --keepalive, progress
	 * messages reset the MTA's clock every few seconds, so only one
	 * stretch between them (and the lookup) has to fit.
	 */
	if (cfg->keepalive && CONFIG_KEEPALIVE_EVERY + cfg->ldap_timeout >
	    budget) {
		fprintf(err, PROG ": LDAP timeout %gs + %gs between keep-alive"
		    " messages leaves less than a %gs safety margin below the"
		    " MTA's milter timeout of %gs: lower -t/--ldap-timeout or"
		    " raise -M/--milter-timeout\n", cfg->ldap_timeout,
		    CONFIG_KEEPALIVE_EVERY, CONFIG_SAFETY_MARGIN,
		    cfg->milter_timeout);
		rc = -1;
	} else if (!cfg->keepalive &&
	    (worst = config_delay_max(cfg)) + cfg->ldap_timeout > budget) {
		fprintf(err, PROG ": tarpit delay %gs + LDAP timeout %gs = %gs"
		    " leaves less than a %gs safety margin below the MTA's"
		    " milter timeout of %gs: lower -T/--delay (or --delay-max)"
		    " or -t/--ldap-timeout, raise -M/--milter-timeout to match"
		    " Postfix's milter_command_timeout, or give --keepalive\n",
		    worst, cfg->ldap_timeout, worst + cfg->ldap_timeout,
		    CONFIG_SAFETY_MARGIN, cfg->milter_timeout);
		rc = -1;
	}
	if (cfg->delay_max > 0 && cfg->delay_max < cfg->delay) {
		fprintf(err, PROG ": --delay-max %gs is below -T/--delay %gs\n",
		    cfg->delay_max, cfg->delay);
		rc = -1;
	}
	if (cfg->redis_password_file && !cfg->redis_url) {
		fprintf(err, PROG ": --redis-password-file needs --redis\n");
		rc = -1;
	}
	if (cfg->redis_password_file && redis_url_has_password(cfg)) {
		fprintf(err, PROG ": --redis has a password and"
		    " --redis-password-file gives another: keep the file\n");
		rc = -1;
	}
	if (cfg->harvest_score > 0 && cfg->suspect_score > cfg->harvest_score) {
		fprintf(err, PROG ": --suspect-score %g is above --harvest-score"
		    " %g: a client would be cut off before it is suspect\n",
		    cfg->suspect_score, cfg->harvest_score);
		rc = -1;
	}
	return rc;
}

/*
 * read_secret - the first line of path (flag names the option in
 * messages) into *out, replacing what was there; 0 ok, -1 (exit 78)
 */
static int
read_secret(const char *path, const char *flag, char **out, FILE *err)
{
	char buf[PASSWORD_MAX + 2];
	enum util_line got;
	struct stat st;
	FILE *fp;
	size_t len;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(err, PROG ": %s: cannot read %s: %s\n", flag, path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & S_IROTH))
		fprintf(err, PROG ": warning: password file %s is readable by"
		    " everyone; chmod o-r it\n", path);
	got = util_read_line(fp, buf, sizeof(buf));
	fclose(fp);
	if (got == UTIL_LINE_NUL) {
		fprintf(err, PROG ": %s: %s: a NUL byte in the first line\n",
		    flag, path);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	len = strcspn(buf, "\r\n");
	if (got == UTIL_LINE_LONG || len > PASSWORD_MAX) {
		fprintf(err, PROG ": %s: %s: password longer than %d bytes\n",
		    flag, path, PASSWORD_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	buf[len] = '\0';
	if (len == 0) {
		fprintf(err, PROG ": %s: %s: the first line is empty\n", flag,
		    path);
		return -1;
	}
	if (*out) {
		explicit_bzero(*out, strlen(*out));
		free(*out);
	}
	*out = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* config_load_password - read the bind password; 0 ok, -1 (exit 78) */
int
config_load_password(struct config *cfg, FILE *err)
{
	if (cfg->password_file == NULL)
		return 0;
	return read_secret(cfg->password_file, "-y/--password-file",
	    &cfg->password, err);
}

/* config_load_redis_password - read --redis-password-file; 0 ok, -1 */
int
config_load_redis_password(struct config *cfg, FILE *err)
{
	if (cfg->redis_password_file == NULL)
		return 0;
	return read_secret(cfg->redis_password_file, "--redis-password-file",
	    &cfg->redis_password, err);
}

/* config_delay_max - the longest tarpit delay the settings can give */
double
config_delay_max(const struct config *cfg)
{
	double fit;

	if (cfg->delay_factor <= 1 || cfg->delay <= 0)
		return cfg->delay;	/* no escalation: the delay itself */
	if (cfg->delay_max > 0)
		return cfg->delay_max;
	/*
	 * Escalating without a ceiling given: as far as the MTA's timeout
	 * allows, or with keep-alive well inside the 5 minutes RFC 5321
	 * gives a client to wait for a RCPT reply.
	 */
	fit = cfg->keepalive ? CONFIG_KEEPALIVE_CEILING : cfg->milter_timeout -
	    CONFIG_SAFETY_MARGIN - cfg->ldap_timeout;
	return fit > cfg->delay ? fit : cfg->delay;
}

/* config_is_trusted - is the client address in --trusted-networks */
int
config_is_trusted(const struct config *cfg, const struct ipaddr *a)
{
	size_t i;

	for (i = 0; i < cfg->ntrusted; i++)
		if (cidr_match(&cfg->trusted[i], a))
			return 1;
	return 0;
}

/* config_is_local - is domain one of the local domains */
int
config_is_local(const struct config *cfg, const char *domain)
{
	char d[ADDR_DOMAIN_MAX + 2], *alabel = NULL;
	size_t i, n, m;
	int rc = 0;

	if (util_has_8bit(domain) &&
	    idn2_to_ascii_8z(domain, &alabel, IDN2_NFC_INPUT |
	    IDN2_NONTRANSITIONAL) == IDN2_OK)
		domain = alabel;	/* else the bytes as they are */
	n = util_strlcpy(d, domain, sizeof(d));
	idn2_free(alabel);
	if (n >= sizeof(d))
		return 0;
	if (n > 1 && d[n - 1] == '.')
		d[--n] = '\0';
	util_lower(d);
	for (i = 0; i < cfg->ndomains && !rc; i++) {
		m = strlen(cfg->domains[i]);
		if (strcmp(cfg->domains[i], d) == 0)
			rc = 1;
		else if (cfg->subdomains && n > m + 1 && d[n - m - 1] == '.' &&
		    strcmp(d + n - m, cfg->domains[i]) == 0)
			rc = 1;
	}
	return rc;
}

/* config_free - release what config_parse allocated */
void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg->password) {
		explicit_bzero(cfg->password, strlen(cfg->password));
		free(cfg->password);
	}
	if (cfg->redis_password) {
		explicit_bzero(cfg->redis_password, strlen(cfg->redis_password));
		free(cfg->redis_password);
	}
	free(cfg->redis_url);
	free(cfg->redis_password_file);
	free(cfg->redis_prefix);
	for (i = 0; i < cfg->ndomains; i++)
		free(cfg->domains[i]);
	free(cfg->domains);
	free(cfg->socket);
	free(cfg->uris);
	free(cfg->base);
	free(cfg->filter);
	free(cfg->bind_dn);
	free(cfg->password_file);
	free(cfg->delimiters);
	free(cfg->reject_text);
	free(cfg->tls_cacert);
	free(cfg->tls_cacertdir);
	free(cfg->sasl_mech);
	free(cfg->users_file);
	free(cfg->trap_file);
	free(cfg->state_file);
	free(cfg->config_file);
	free(cfg->query);
	free(cfg->query_client);
	free(cfg->query_sender);
	free(cfg->query_auth);
	free(cfg->user);
	free(cfg->group);
	free(cfg->pidfile);
	free(cfg->socket_group);
	free(cfg->stats_file);
	free(cfg->trusted);
	free(cfg->own);
	memset(cfg, 0, sizeof(*cfg));
}
