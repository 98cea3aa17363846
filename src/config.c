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

#include "config.h"
#include "ldap_escape.h"
#include "optfile.h"
#include "util.h"

#define PROG "milter-tarpit"
#define PASSWORD_MAX 1024

static const char short_opts[] = ":c:p:H:b:s:F:D:y:ZY:t:P:d:e:T:M:R:q:nu:fvhV";

/* Long-only options. */
enum {
	OPT_USERS = 256,
	OPT_NO_CACHE,
	OPT_CACHE_SIZE,
	OPT_CACHE_TTL,
	OPT_CACHE_NEG_TTL,
	OPT_CACHE_STALE,
	OPT_TLS_CACERT,
	OPT_TLS_CACERTDIR,
	OPT_CLIENT,
	OPT_SENDER,
	OPT_AUTH,
	OPT_ALLOW_ROOT,
	OPT_PIDFILE,
	OPT_SOCKET_MODE,
	OPT_SOCKET_GROUP,
	OPT_STATS_FILE,
	OPT_STATS_INTERVAL
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "query", required_argument, NULL, 'q' },
	{ "client", required_argument, NULL, OPT_CLIENT },
	{ "sender", required_argument, NULL, OPT_SENDER },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "check", no_argument, NULL, 'n' },
	{ "user", required_argument, NULL, 'u' },
	{ "allow-root", no_argument, NULL, OPT_ALLOW_ROOT },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "socket", required_argument, NULL, 'p' },
	{ "uri", required_argument, NULL, 'H' },
	{ "base", required_argument, NULL, 'b' },
	{ "scope", required_argument, NULL, 's' },
	{ "filter", required_argument, NULL, 'F' },
	{ "bind-dn", required_argument, NULL, 'D' },
	{ "password-file", required_argument, NULL, 'y' },
	{ "starttls", no_argument, NULL, 'Z' },
	{ "sasl-mech", required_argument, NULL, 'Y' },
	{ "tls-cacert", required_argument, NULL, OPT_TLS_CACERT },
	{ "tls-cacertdir", required_argument, NULL, OPT_TLS_CACERTDIR },
	{ "users", required_argument, NULL, OPT_USERS },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
	{ "cache-ttl", required_argument, NULL, OPT_CACHE_TTL },
	{ "cache-negative-ttl", required_argument, NULL, OPT_CACHE_NEG_TTL },
	{ "cache-stale", required_argument, NULL, OPT_CACHE_STALE },
	{ "ldap-timeout", required_argument, NULL, 't' },
	{ "pool-size", required_argument, NULL, 'P' },
	{ "domain", required_argument, NULL, 'd' },
	{ "delimiter", required_argument, NULL, 'e' },
	{ "delay", required_argument, NULL, 'T' },
	{ "milter-timeout", required_argument, NULL, 'M' },
	{ "reject-text", required_argument, NULL, 'R' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

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
"  -e, --delimiter CHARS      recipient delimiter(s), e.g. +\n"
"Tarpit:\n"
"  -T, --delay SECS           delay before rejecting an unknown recipient in\n"
"                             an anonymous session, 0-3600, 0 = off (default 20)\n"
"  -R, --reject-text TEXT     text after \"550 5.1.1 <address>: \"\n"
"                             (default \"" CONFIG_DEFAULT_REJECT "\")\n"
"Process:\n"
"  -u, --user USER[:GROUP]    drop root privileges to USER after start-up\n"
"      --allow-root           keep running as root (not recommended)\n"
"      --pidfile FILE         write the process ID to FILE\n"
"      --socket-mode MODE     octal mode of a unix: socket, e.g. 0660\n"
"      --socket-group GROUP   group of a unix: socket, e.g. postfix\n"
"      --stats-file FILE      write statistics (Prometheus text) to FILE\n"
"      --stats-interval SECS  how often, 1-86400 (default 60)\n"
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
}

/* flag_name - "-T/--delay" for an option character */
static void
flag_name(int c, char *buf, size_t len)
{
	const struct option *o;

	for (o = long_opts; o->name; o++)
		if (o->val == c) {
			if (c > 255)
				snprintf(buf, len, "--%s", o->name);
			else
				snprintf(buf, len, "-%c/--%s", c, o->name);
			return;
		}
	snprintf(buf, len, "-%c", c);
}

/* replace - set a string field to a copy of value */
static void
replace(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
}

/* add_uris - append space/comma separated URIs, checking each scheme */
static int
add_uris(struct config *cfg, const char *arg, FILE *err)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	size_t need;
	int rc = 0, n = 0;

	for (tok = strtok_r(copy, " ,", &save); tok;
	    tok = strtok_r(NULL, " ,", &save)) {
		if (strncasecmp(tok, "file:", 5) == 0 && tok[5] != '\0') {
			replace(&cfg->users_file, tok + 5 +
			    (strncmp(tok + 5, "//", 2) == 0 ? 2 : 0));
			n++;
			continue;
		}
		if (strncasecmp(tok, "ldap://", 7) != 0 &&
		    strncasecmp(tok, "ldaps://", 8) != 0 &&
		    strncasecmp(tok, "ldapi://", 8) != 0) {
			fprintf(err, PROG ": -H/--uri: \"%s\" is not an ldap://,"
			    " ldaps://, ldapi:// or file: URI\n", tok);
			rc = -1;
			break;
		}
		need = (cfg->uris ? strlen(cfg->uris) + 1 : 0) + strlen(tok) + 1;
		if (cfg->uris == NULL) {
			cfg->uris = strdup(tok);
		} else {
			cfg->uris = realloc(cfg->uris, need);
			strcat(cfg->uris, " ");
			strcat(cfg->uris, tok);
		}
		n++;
	}
	if (rc == 0 && n == 0) {
		fprintf(err, PROG ": -H/--uri: empty URI list\n");
		rc = -1;
	}
	free(copy);
	return rc;
}

/* domain_ok - plausible domain name: letters, digits, '-', '.', 8-bit */
static int
domain_ok(const char *d)
{
	const unsigned char *p;

	if (*d == '\0' || *d == '.' || d[strlen(d) - 1] == '.' ||
	    strlen(d) > 255 || strstr(d, ".."))
		return 0;
	for (p = (const unsigned char *)d; *p; p++)
		if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_'))
			return 0;
	return 1;
}

/* add_domains - append a comma/space separated list of local domains */
static int
add_domains(struct config *cfg, const char *arg, FILE *err)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int rc = 0, n = 0;
	size_t len;

	for (tok = strtok_r(copy, " ,", &save); tok;
	    tok = strtok_r(NULL, " ,", &save)) {
		len = strlen(tok);
		if (len > 1 && tok[len - 1] == '.')
			tok[len - 1] = '\0';
		if (!domain_ok(tok)) {
			fprintf(err, PROG ": -d/--domain: \"%s\" is not a domain"
			    " name (letters, digits, '-' and '.')\n", tok);
			rc = -1;
			break;
		}
		cfg->domains = realloc(cfg->domains,
		    (cfg->ndomains + 1) * sizeof(char *));
		cfg->domains[cfg->ndomains] = strdup(tok);
		util_lower(cfg->domains[cfg->ndomains]);
		cfg->ndomains++;
		n++;
	}
	if (rc == 0 && n == 0) {
		fprintf(err, PROG ": -d/--domain: empty domain list\n");
		rc = -1;
	}
	free(copy);
	return rc;
}

/* text_ok - printable ASCII, no '%' trouble, bounded */
static int
text_ok(const char *s, size_t max)
{
	if (strlen(s) == 0 || strlen(s) > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* ip_ok - an IPv4 or IPv6 address */
static int
ip_ok(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* parse_mode - octal file mode 0000-0777 */
static int
parse_mode(const char *s, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || strlen(s) > 4 || strspn(s, "01234567") != strlen(s))
		return -1;
	v = strtol(s, &end, 8);
	if (*end != '\0' || v < 0 || v > 0777)
		return -1;
	*out = v;
	return 0;
}

/* set_user - "user" or "user:group" for the privilege drop */
static int
set_user(struct config *cfg, const char *arg, const char *flag, FILE *err)
{
	const char *colon = strchr(arg, ':');

	if (arg[0] == '\0' || arg[0] == ':' || (colon && colon[1] == '\0')) {
		fprintf(err, PROG ": %s: \"%s\" is not USER or USER:GROUP\n",
		    flag, arg);
		return -1;
	}
	free(cfg->user);
	free(cfg->group);
	cfg->user = colon ? strndup(arg, (size_t)(colon - arg)) : strdup(arg);
	cfg->group = colon ? strdup(colon + 1) : NULL;
	return 0;
}

/* parse_one - apply one option; 0 ok, -1 refused */
static int
parse_one(struct config *cfg, int c, const char *arg, FILE *err)
{
	char flag[40];
	const char *why;
	double d;
	long l;

	flag_name(c, flag, sizeof(flag));
	switch (c) {
	case 'p':
		if (strncmp(arg, "unix:", 5) && strncmp(arg, "local:", 6) &&
		    strncmp(arg, "inet:", 5) && strncmp(arg, "inet6:", 6) &&
		    arg[0] != '/') {
			fprintf(err, PROG ": %s: \"%s\" is not a milter socket"
			    " (unix:/path, inet:port@host or inet6:port@host)\n",
			    flag, arg);
			return -1;
		}
		replace(&cfg->socket, arg);
		return 0;
	case 'H':
		if (cfg->uris_from_file) {	/* the command line replaces */
			free(cfg->uris);
			cfg->uris = NULL;
			cfg->uris_from_file = 0;
		}
		return add_uris(cfg, arg, err);
	case 'b':
		replace(&cfg->base, arg);
		return 0;
	case 's':
		if (strcasecmp(arg, "base") == 0)
			cfg->scope = SCOPE_BASE;
		else if (strcasecmp(arg, "one") == 0 ||
		    strcasecmp(arg, "onelevel") == 0)
			cfg->scope = SCOPE_ONE;
		else if (strcasecmp(arg, "sub") == 0 ||
		    strcasecmp(arg, "subtree") == 0)
			cfg->scope = SCOPE_SUB;
		else {
			fprintf(err, PROG ": %s: \"%s\" is not a scope"
			    " (base, one or sub)\n", flag, arg);
			return -1;
		}
		return 0;
	case 'F':
		if (filter_check(arg, &why) < 0) {
			fprintf(err, PROG ": %s: filter \"%s\" %s\n", flag, arg,
			    why);
			return -1;
		}
		replace(&cfg->filter, arg);
		return 0;
	case 'D':
		replace(&cfg->bind_dn, arg);
		return 0;
	case 'y':
		replace(&cfg->password_file, arg);
		return 0;
	case 'Z':
		cfg->starttls = cfg->starttls < 2 ? cfg->starttls + 1 : 2;
		return 0;
	case 'Y':
		if (strcasecmp(arg, "EXTERNAL") != 0) {
			fprintf(err, PROG ": %s: \"%s\" is not supported (only"
			    " EXTERNAL; use -D and -y for a simple bind)\n",
			    flag, arg);
			return -1;
		}
		replace(&cfg->sasl_mech, "EXTERNAL");
		return 0;
	case OPT_TLS_CACERT:
		replace(&cfg->tls_cacert, arg);
		return 0;
	case OPT_TLS_CACERTDIR:
		replace(&cfg->tls_cacertdir, arg);
		return 0;
	case OPT_USERS:
		replace(&cfg->users_file, arg);
		return 0;
	case OPT_NO_CACHE:
		cfg->cache = 0;
		return 0;
	case OPT_CACHE_SIZE:
		if (util_parse_long(arg, 16, 10000000, &l) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not a whole number"
			    " from 16 to 10000000\n", flag, arg);
			return -1;
		}
		cfg->cache_size = l;
		return 0;
	case OPT_CACHE_TTL:
	case OPT_CACHE_NEG_TTL:
		if (util_parse_seconds(arg, 0, 86400, &d) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not a number of"
			    " seconds from 0 to 86400\n", flag, arg);
			return -1;
		}
		*(c == OPT_CACHE_TTL ? &cfg->cache_ttl : &cfg->cache_neg_ttl) = d;
		return 0;
	case OPT_CACHE_STALE:
		if (util_parse_seconds(arg, 0, 604800, &d) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not a number of"
			    " seconds from 0 to 604800\n", flag, arg);
			return -1;
		}
		cfg->cache_stale = d;
		return 0;
	case 't':
		if (util_parse_seconds(arg, 0.1, 60, &d) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not a number of"
			    " seconds from 0.1 to 60\n", flag, arg);
			return -1;
		}
		cfg->ldap_timeout = d;
		return 0;
	case 'P':
		if (util_parse_long(arg, 1, 64, &l) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not a whole number"
			    " from 1 to 64\n", flag, arg);
			return -1;
		}
		cfg->pool_size = l;
		return 0;
	case 'd':
		if (cfg->domains_from_file) {	/* the command line replaces */
			while (cfg->ndomains > 0)
				free(cfg->domains[--cfg->ndomains]);
			cfg->domains_from_file = 0;
		}
		return add_domains(cfg, arg, err);
	case 'c':
		return 0;	/* read before everything else */
	case 'q':
		replace(&cfg->query, arg);
		return 0;
	case OPT_CLIENT:
		if (!ip_ok(arg)) {
			fprintf(err, PROG ": %s: \"%s\" is not an IPv4 or IPv6"
			    " address\n", flag, arg);
			return -1;
		}
		replace(&cfg->query_client, arg);
		return 0;
	case OPT_SENDER:
		replace(&cfg->query_sender, arg);
		return 0;
	case OPT_AUTH:
		replace(&cfg->query_auth, arg);
		return 0;
	case 'n':
		cfg->check_only = 1;
		return 0;
	case 'u':
		return set_user(cfg, arg, flag, err);
	case OPT_ALLOW_ROOT:
		cfg->allow_root = 1;
		return 0;
	case OPT_PIDFILE:
		if (arg[0] != '/') {
			fprintf(err, PROG ": %s: \"%s\" is not an absolute path\n",
			    flag, arg);
			return -1;
		}
		replace(&cfg->pidfile, arg);
		return 0;
	case OPT_SOCKET_MODE:
		if (parse_mode(arg, &l) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not an octal mode"
			    " from 0000 to 0777 (e.g. 0660)\n", flag, arg);
			return -1;
		}
		cfg->socket_mode = l;
		return 0;
	case OPT_SOCKET_GROUP:
		replace(&cfg->socket_group, arg);
		return 0;
	case OPT_STATS_FILE:
		if (arg[0] != '/') {
			fprintf(err, PROG ": %s: \"%s\" is not an absolute path\n",
			    flag, arg);
			return -1;
		}
		replace(&cfg->stats_file, arg);
		return 0;
	case OPT_STATS_INTERVAL:
		if (util_parse_seconds(arg, 1, 86400, &d) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not a number of"
			    " seconds from 1 to 86400\n", flag, arg);
			return -1;
		}
		cfg->stats_interval = d;
		return 0;
	case 'e':
		if (!text_ok(arg, 8) || strpbrk(arg, "@\" <>") != NULL) {
			fprintf(err, PROG ": %s: \"%s\" is not a set of 1 to 8"
			    " delimiter characters (e.g. + or +-)\n", flag, arg);
			return -1;
		}
		replace(&cfg->delimiters, arg);
		return 0;
	case 'T':
		if (util_parse_seconds(arg, 0, 3600, &d) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not a number of"
			    " seconds from 0 to 3600\n", flag, arg);
			return -1;
		}
		cfg->delay = d;
		return 0;
	case 'M':
		if (util_parse_seconds(arg, 1, 3600, &d) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not a number of"
			    " seconds from 1 to 3600\n", flag, arg);
			return -1;
		}
		cfg->milter_timeout = d;
		return 0;
	case 'R':
		if (!text_ok(arg, 400)) {
			fprintf(err, PROG ": %s: the text must be 1 to 400"
			    " printable ASCII characters\n", flag);
			return -1;
		}
		replace(&cfg->reject_text, arg);
		return 0;
	case 'f':
		cfg->foreground = 1;
		return 0;
	case 'v':
		cfg->verbose = 1;
		return 0;
	}
	return -1;
}

/* config_apply - apply one option by its long name (options files) */
int
config_apply(struct config *cfg, const char *name, const char *value,
    FILE *err)
{
	const struct option *o;
	int rc, saved_uris, saved_domains;

	for (o = long_opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			break;
	/* Modes and their arguments belong on a command line only. */
	if (o->name == NULL || strchr("chVqn", o->val) != NULL ||
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
	rc = parse_one(cfg, o->val, value, err);
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
	const char *p = strchr(short_opts + 1, ch);

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

			for (o = long_opts; o->name; o++)
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
		replace(&cfg->config_file, file);
		if (optfile_read(cfg, file, err) < 0)
			return CONFIG_BADFILE;
	}
	optind = 0;		/* glibc: rescan from the start */
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, &idx)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, out);
			return CONFIG_DONE;
		case 'V':
			fprintf(out, "milter-tarpit %s\n", PACKAGE_VERSION);
			return CONFIG_DONE;
		case ':':
			flag_name(optopt, flag, sizeof(flag));
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
			if (parse_one(cfg, c, optarg, err) < 0)
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
	make_absolute(&cfg->tls_cacert);
	make_absolute(&cfg->tls_cacertdir);
	return CONFIG_OK;
}

/* config_check - whole-configuration checks; 0 ok, -1 (exit 78) */
int
config_check(const struct config *cfg, FILE *err)
{
	int rc = 0;
	double budget = cfg->milter_timeout - CONFIG_SAFETY_MARGIN;

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
	if (cfg->delay + cfg->ldap_timeout > budget) {
		fprintf(err, PROG ": tarpit delay %gs + LDAP timeout %gs = %gs"
		    " leaves less than a %gs safety margin below the MTA's"
		    " milter timeout of %gs: lower -T/--delay or"
		    " -t/--ldap-timeout, or raise -M/--milter-timeout to match"
		    " Postfix's milter_command_timeout\n", cfg->delay,
		    cfg->ldap_timeout, cfg->delay + cfg->ldap_timeout,
		    CONFIG_SAFETY_MARGIN, cfg->milter_timeout);
		rc = -1;
	}
	return rc;
}

/* config_load_password - read the bind password; 0 ok, -1 (exit 78) */
int
config_load_password(struct config *cfg, FILE *err)
{
	char buf[PASSWORD_MAX + 2];
	struct stat st;
	FILE *fp;
	size_t len;

	if (cfg->password_file == NULL)
		return 0;
	if ((fp = fopen(cfg->password_file, "r")) == NULL) {
		fprintf(err, PROG ": -y/--password-file: cannot read %s: %s\n",
		    cfg->password_file, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & S_IROTH))
		fprintf(err, PROG ": warning: password file %s is readable by"
		    " everyone; chmod o-r it\n", cfg->password_file);
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	len = strcspn(buf, "\r\n");
	if (len > PASSWORD_MAX) {
		fprintf(err, PROG ": -y/--password-file: %s: password longer"
		    " than %d bytes\n", cfg->password_file, PASSWORD_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	buf[len] = '\0';
	if (len == 0) {
		fprintf(err, PROG ": -y/--password-file: %s: the first line is"
		    " empty\n", cfg->password_file);
		return -1;
	}
	if (cfg->password) {
		explicit_bzero(cfg->password, strlen(cfg->password));
		free(cfg->password);
	}
	cfg->password = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* config_is_local - is domain one of the local domains */
int
config_is_local(const struct config *cfg, const char *domain)
{
	size_t i;

	for (i = 0; i < cfg->ndomains; i++)
		if (strcmp(cfg->domains[i], domain) == 0)
			return 1;
	return 0;
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
	memset(cfg, 0, sizeof(*cfg));
}
