/*
 * NAME
 *	flags 3
 * SUMMARY
 *	every option: its names and how its value is checked
 * DESCRIPTION
 *	The option table, shared by the command line and options files, and
 *	flags_apply(), which checks one value and stores it. Numbers are
 *	parsed strictly and bounded; a message always names the flag, the
 *	value and what it accepts.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <idn2.h>

#include "addr.h"
#include "cidr.h"
#include "config.h"
#include "flags.h"
#include "fleet_url.h"
#include "ldap_escape.h"
#include "util.h"

#define PROG "milter-tarpit"
#define UNIX_PATH_MAX 108	/* sun_path */

const char flags_short[] = ":c:p:H:b:s:F:D:y:ZY:t:P:d:e:T:M:R:q:nu:fvhV";


const struct option flags_long[] = {
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
	{ "delay-factor", required_argument, NULL, OPT_DELAY_FACTOR },
	{ "delay-max", required_argument, NULL, OPT_DELAY_MAX },
	{ "allowance", required_argument, NULL, OPT_ALLOWANCE },
	{ "suspect-score", required_argument, NULL, OPT_SUSPECT_SCORE },
	{ "harvest-score", required_argument, NULL, OPT_HARVEST_SCORE },
	{ "max-sleepers", required_argument, NULL, OPT_MAX_SLEEPERS },
	{ "max-sleepers-per-net", required_argument, NULL, OPT_MAX_SLEEPERS_NET },
	{ "cap-reply", required_argument, NULL, OPT_CAP_REPLY },
	{ "exempt-check", required_argument, NULL, OPT_EXEMPT_CHECK },
	{ "trusted-networks", required_argument, NULL, OPT_TRUSTED },
	{ "ipv4-prefix", required_argument, NULL, OPT_PREFIX4 },
	{ "ipv6-prefix", required_argument, NULL, OPT_PREFIX6 },
	{ "ipv4-wide-prefix", required_argument, NULL, OPT_WIDE4 },
	{ "ipv6-wide-prefix", required_argument, NULL, OPT_WIDE6 },
	{ "wide-weight", required_argument, NULL, OPT_WIDE_WEIGHT },
	{ "score-half-life", required_argument, NULL, OPT_HALF_LIFE },
	{ "score-table-size", required_argument, NULL, OPT_SCORE_TABLE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "reject-unknown-sender", no_argument, NULL, OPT_REJECT_UNKNOWN_SENDER },
	{ "require-auth-local-sender", no_argument, NULL, OPT_REQUIRE_AUTH_SENDER },
	{ "keepalive", no_argument, NULL, OPT_KEEPALIVE },
	{ "tarpit-rejected", no_argument, NULL, OPT_TARPIT_REJECTED },
	{ "thread-stack", required_argument, NULL, OPT_THREAD_STACK },
	{ "good-messages", required_argument, NULL, OPT_GOOD_MESSAGES },
	{ "good-half-life", required_argument, NULL, OPT_GOOD_HALF_LIFE },
	{ "attack-score", required_argument, NULL, OPT_ATTACK_SCORE },
	{ "attack-hold", required_argument, NULL, OPT_ATTACK_HOLD },
	{ "attack-budget", required_argument, NULL, OPT_ATTACK_BUDGET },
	{ "greylist-time", required_argument, NULL, OPT_GREYLIST_TIME },
	{ "trap-file", required_argument, NULL, OPT_TRAP_FILE },
	{ "state-file", required_argument, NULL, OPT_STATE_FILE },
	{ "state-interval", required_argument, NULL, OPT_STATE_INTERVAL },
	{ "good-after", required_argument, NULL, OPT_GOOD_AFTER },
	{ "postscreen-file", required_argument, NULL, OPT_POSTSCREEN_FILE },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "redis-password-file", required_argument, NULL,
	    OPT_REDIS_PASSWORD_FILE },
	{ "redis-timeout", required_argument, NULL, OPT_REDIS_TIMEOUT },
	{ "redis-prefix", required_argument, NULL, OPT_REDIS_PREFIX },
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
	{ "subdomains", required_argument, NULL, OPT_SUBDOMAINS },
	{ "percent-hack", required_argument, NULL, OPT_PERCENT_HACK },
	{ "swap-bangpath", required_argument, NULL, OPT_SWAP_BANGPATH },
	{ "own-addresses", required_argument, NULL, OPT_OWN_ADDRESSES },
	{ "delimiter", required_argument, NULL, 'e' },
	{ "delay", required_argument, NULL, 'T' },
	{ "milter-timeout", required_argument, NULL, 'M' },
	{ "reject-text", required_argument, NULL, 'R' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "control-socket", required_argument, NULL, OPT_CONTROL_SOCKET },
	{ "postfix-dir", required_argument, NULL, OPT_POSTFIX_DIR },
	{ "check-address", required_argument, NULL, OPT_CHECK_ADDRESS },
	{ NULL, 0, NULL, 0 }
};

/* flags_name - "-T/--delay" for an option character */
void
flags_name(int c, char *buf, size_t len)
{
	const struct option *o;

	for (o = flags_long; o->name; o++)
		if (o->val == c) {
			if (c > 255)
				snprintf(buf, len, "--%s", o->name);
			else
				snprintf(buf, len, "-%c/--%s", c, o->name);
			return;
		}
	snprintf(buf, len, "-%c", c);
}

/* flags_replace - set a string field to a copy of value; 0, or -1 (kept) */
int
flags_replace(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/* no_memory - the message for flag when an allocation failed; -1 */
static int
no_memory(const char *flag, FILE *err)
{
	fprintf(err, PROG ": %s: out of memory\n", flag);
	return -1;
}

/* replace - flags_replace, with the message for flag on failure */
static int
replace(char **field, const char *value, const char *flag, FILE *err)
{
	return flags_replace(field, value) < 0 ? no_memory(flag, err) : 0;
}

/* append_uri - add tok to the space separated cfg->uris; 0, or -1 */
static int
append_uri(struct config *cfg, const char *tok)
{
	size_t have = cfg->uris ? strlen(cfg->uris) : 0;
	char *p = realloc(cfg->uris, have + 1 + strlen(tok) + 1);

	if (p == NULL)
		return -1;
	if (have)
		p[have++] = ' ';
	strcpy(p + have, tok);
	cfg->uris = p;
	return 0;
}

/* add_uris - append space/comma separated URIs, checking each scheme */
static int
add_uris(struct config *cfg, const char *arg, FILE *err)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int rc = 0, n = 0;

	if (copy == NULL)
		return no_memory("-H/--uri", err);
	for (tok = strtok_r(copy, " ,", &save); tok;
	    tok = strtok_r(NULL, " ,", &save)) {
		if (strncasecmp(tok, "file:", 5) == 0) {
			const char *path = tok + 5 +
			    (strncmp(tok + 5, "//", 2) == 0 ? 2 : 0);

			if (*path == '\0') {
				fprintf(err, PROG ": -H/--uri: \"%s\" has no"
				    " path\n", tok);
				rc = -1;
				break;
			}
			if ((rc = replace(&cfg->users_file, path, "-H/--uri",
			    err)) < 0)
				break;
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
		if (append_uri(cfg, tok) < 0) {
			rc = no_memory("-H/--uri", err);
			break;
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

/* add_domain - append one checked domain, IDN as its A-labels */
static int
add_domain(struct config *cfg, const char *tok, FILE *err)
{
	char *alabel = NULL, **p;
	int rc;

	rc = util_has_8bit(tok) ? idn2_to_ascii_8z(tok, &alabel,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) : IDN2_OK;
	if (rc == IDN2_MALLOC)
		return no_memory("-d/--domain", err);
	if (rc != IDN2_OK) {
		fprintf(err, PROG ": -d/--domain: \"%s\" is not an"
		    " internationalised domain name: %s\n", tok,
		    idn2_strerror(rc));
		return -1;
	}
	p = realloc(cfg->domains, (cfg->ndomains + 1) * sizeof(char *));
	if (p == NULL) {
		idn2_free(alabel);
		return no_memory("-d/--domain", err);
	}
	cfg->domains = p;
	if ((p[cfg->ndomains] = strdup(alabel ? alabel : tok)) == NULL) {
		idn2_free(alabel);
		return no_memory("-d/--domain", err);
	}
	idn2_free(alabel);
	util_lower(p[cfg->ndomains++]);
	return 0;
}

/* add_domains - append a comma/space separated list of local domains */
static int
add_domains(struct config *cfg, const char *arg, FILE *err)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int rc = 0, n = 0;
	size_t len;

	if (copy == NULL)
		return no_memory("-d/--domain", err);
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
		if ((rc = add_domain(cfg, tok, err)) < 0)
			break;
		n++;
	}
	if (rc == 0 && n == 0) {
		fprintf(err, PROG ": -d/--domain: empty domain list\n");
		rc = -1;
	}
	free(copy);
	return rc;
}

/* yes_no - "yes" or "no" for flag into *out */
static int
yes_no(const char *flag, const char *arg, int *out, FILE *err)
{
	if (strcasecmp(arg, "yes") && strcasecmp(arg, "no")) {
		fprintf(err, PROG ": %s: \"%s\" is not yes or no\n", flag, arg);
		return -1;
	}
	*out = strcasecmp(arg, "yes") == 0;
	return 0;
}

/* set_own - --own-addresses any, none or a list of networks */
static int
set_own(struct config *cfg, const char *arg, const char *flag, FILE *err)
{
	char *copy, *tok, *save = NULL;
	struct cidr c, *p;
	int rc = 0;

	free(cfg->own);
	cfg->own = NULL;
	cfg->nown = 0;
	cfg->own_any = strcasecmp(arg, "any") == 0;
	if (cfg->own_any || strcasecmp(arg, "none") == 0)
		return 0;
	if ((copy = strdup(arg)) == NULL)
		return no_memory(flag, err);
	for (tok = strtok_r(copy, " ,", &save); tok && rc == 0;
	    tok = strtok_r(NULL, " ,", &save)) {
		if (cidr_parse(tok, &c) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not any, none or an"
			    " IPv4 or IPv6 network\n", flag, tok);
			rc = -1;
		} else if ((p = realloc(cfg->own, (cfg->nown + 1) *
		    sizeof(*p))) == NULL) {
			rc = no_memory(flag, err);
		} else {
			cfg->own = p;
			cfg->own[cfg->nown++] = c;
		}
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
	char *user, *group;

	if (arg[0] == '\0' || arg[0] == ':' || (colon && colon[1] == '\0')) {
		fprintf(err, PROG ": %s: \"%s\" is not USER or USER:GROUP\n",
		    flag, arg);
		return -1;
	}
	user = colon ? strndup(arg, (size_t)(colon - arg)) : strdup(arg);
	group = colon ? strdup(colon + 1) : NULL;
	if (user == NULL || (colon && group == NULL)) {
		free(user);
		free(group);
		return no_memory(flag, err);
	}
	free(cfg->user);
	free(cfg->group);
	cfg->user = user;
	cfg->group = group;
	return 0;
}

/* number - a bounded decimal for flag, or a message naming unit */
static int
number(const char *flag, const char *arg, const char *unit, double min,
    double max, double *out, FILE *err)
{
	if (util_parse_seconds(arg, min, max, out) == 0)
		return 0;
	fprintf(err, PROG ": %s: \"%s\" is not a number%s from %.15g to"
	    " %.15g\n", flag, arg, unit, min, max);
	return -1;
}

/* whole - a bounded whole number for flag, or a message */
static int
whole(const char *flag, const char *arg, long min, long max, long *out,
    FILE *err)
{
	if (util_parse_long(arg, min, max, out) == 0)
		return 0;
	fprintf(err, PROG ": %s: \"%s\" is not a whole number from %ld to"
	    " %ld\n", flag, arg, min, max);
	return -1;
}

/* add_trusted - append a comma/space separated list of networks */
static int
add_trusted(struct config *cfg, const char *arg, const char *flag, FILE *err)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	struct cidr c, *p;
	int rc = 0;

	if (copy == NULL)
		return no_memory(flag, err);
	for (tok = strtok_r(copy, " ,", &save); tok;
	    tok = strtok_r(NULL, " ,", &save)) {
		if (cidr_parse(tok, &c) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not an IPv4 or IPv6"
			    " network (192.0.2.0/24, 2001:db8::/32 or an"
			    " address)\n", flag, tok);
			rc = -1;
			break;
		}
		if ((p = realloc(cfg->trusted, (cfg->ntrusted + 1) *
		    sizeof(*p))) == NULL) {
			rc = no_memory(flag, err);
			break;
		}
		cfg->trusted = p;
		cfg->trusted[cfg->ntrusted++] = c;
	}
	free(copy);
	return rc;
}

/* set_redis - a Redis URL for --redis, checked whole */
static int
set_redis(struct config *cfg, const char *arg, const char *flag, FILE *err)
{
	struct fleet_url u;
	char why[512];

	if (fleet_url_parse(arg, &u, why, sizeof(why)) < 0) {
		fprintf(err, PROG ": %s: %s\n", flag, why);
		return -1;
	}
	fleet_url_free(&u);
	return replace(&cfg->redis_url, arg, flag, err);
}

/* add_check_address - one more --check-address, an address as in RCPT TO */
static int
add_check_address(struct config *cfg, const char *arg, const char *flag,
    FILE *err)
{
	struct addr a;
	const char *why = NULL;
	char **p;

	if (addr_parse(arg, &a, &why) != ADDR_OK || a.domain[0] == '\0') {
		fprintf(err, PROG ": %s: \"%s\" is not a mail address%s%s\n",
		    flag, arg, why ? ": " : "", why ? why : "");
		return -1;
	}
	if ((p = realloc(cfg->check_addrs, (cfg->ncheck_addrs + 1) *
	    sizeof(*p))) == NULL)
		return -1;
	cfg->check_addrs = p;
	if ((p[cfg->ncheck_addrs] = strdup(arg)) == NULL)
		return -1;
	cfg->ncheck_addrs++;
	return 0;
}

/* flags_apply - apply one option; 0 ok, -1 refused (message on err) */
int
flags_apply(struct config *cfg, int c, const char *arg, FILE *err)
{
	char flag[40];
	const char *why;
	double d;
	long l;

	flags_name(c, flag, sizeof(flag));
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
		return replace(&cfg->socket, arg, flag, err);
	case 'H':
		if (cfg->uris_from_file) {	/* the command line replaces */
			free(cfg->uris);
			cfg->uris = NULL;
			cfg->uris_from_file = 0;
		}
		return add_uris(cfg, arg, err);
	case 'b':
		return replace(&cfg->base, arg, flag, err);
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
		return replace(&cfg->filter, arg, flag, err);
	case 'D':
		return replace(&cfg->bind_dn, arg, flag, err);
	case 'y':
		return replace(&cfg->password_file, arg, flag, err);
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
		return replace(&cfg->sasl_mech, "EXTERNAL", flag, err);
	case OPT_TLS_CACERT:
		return replace(&cfg->tls_cacert, arg, flag, err);
	case OPT_TLS_CACERTDIR:
		return replace(&cfg->tls_cacertdir, arg, flag, err);
	case OPT_USERS:
		return replace(&cfg->users_file, arg, flag, err);
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
		return replace(&cfg->query, arg, flag, err);
	case OPT_CLIENT:
		if (!ip_ok(arg)) {
			fprintf(err, PROG ": %s: \"%s\" is not an IPv4 or IPv6"
			    " address\n", flag, arg);
			return -1;
		}
		return replace(&cfg->query_client, arg, flag, err);
	case OPT_SENDER:
		return replace(&cfg->query_sender, arg, flag, err);
	case OPT_AUTH:
		return replace(&cfg->query_auth, arg, flag, err);
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
		return replace(&cfg->pidfile, arg, flag, err);
	case OPT_SOCKET_MODE:
		if (parse_mode(arg, &l) < 0) {
			fprintf(err, PROG ": %s: \"%s\" is not an octal mode"
			    " from 0000 to 0777 (e.g. 0660)\n", flag, arg);
			return -1;
		}
		cfg->socket_mode = l;
		return 0;
	case OPT_SOCKET_GROUP:
		return replace(&cfg->socket_group, arg, flag, err);
	case OPT_STATS_FILE:
		if (arg[0] != '/') {
			fprintf(err, PROG ": %s: \"%s\" is not an absolute path\n",
			    flag, arg);
			return -1;
		}
		return replace(&cfg->stats_file, arg, flag, err);
	case OPT_DELAY_FACTOR:
		return number(flag, arg, "", 1, 10, &cfg->delay_factor, err);
	case OPT_DELAY_MAX:
		return number(flag, arg, " of seconds", 0, 3600, &cfg->delay_max,
		    err);
	case OPT_ALLOWANCE:
		return whole(flag, arg, 0, 1000, &cfg->allowance, err);
	case OPT_SUSPECT_SCORE:
		return number(flag, arg, "", 0, 1000000, &cfg->suspect_score,
		    err);
	case OPT_HARVEST_SCORE:
		return number(flag, arg, "", 0, 1000000, &cfg->harvest_score,
		    err);
	case OPT_MAX_SLEEPERS:
		return whole(flag, arg, 0, 1000000, &cfg->max_sleepers, err);
	case OPT_MAX_SLEEPERS_NET:
		return whole(flag, arg, 0, 1000000, &cfg->max_sleepers_net, err);
	case OPT_CAP_REPLY:
		if (strcmp(arg, "421") && strcmp(arg, "451")) {
			fprintf(err, PROG ": %s: \"%s\" is not 421 or 451\n",
			    flag, arg);
			return -1;
		}
		cfg->cap_tempfail = arg[1] == '5';
		return 0;
	case OPT_EXEMPT_CHECK:
		return yes_no(flag, arg, &cfg->exempt_check, err);
	case OPT_TRUSTED:
		return add_trusted(cfg, arg, flag, err);
	case OPT_SUBDOMAINS:
		return yes_no(flag, arg, &cfg->subdomains, err);
	case OPT_PERCENT_HACK:
		return yes_no(flag, arg, &cfg->percent_hack, err);
	case OPT_SWAP_BANGPATH:
		return yes_no(flag, arg, &cfg->swap_bangpath, err);
	case OPT_OWN_ADDRESSES:
		return set_own(cfg, arg, flag, err);
	case OPT_PREFIX4:
		return whole(flag, arg, 8, 32, &cfg->prefix4, err);
	case OPT_PREFIX6:
		return whole(flag, arg, 16, 128, &cfg->prefix6, err);
	case OPT_WIDE4:
		return whole(flag, arg, 8, 32, &cfg->wide4, err);
	case OPT_WIDE6:
		return whole(flag, arg, 16, 128, &cfg->wide6, err);
	case OPT_WIDE_WEIGHT:
		return number(flag, arg, "", 0, 1, &cfg->wide_weight, err);
	case OPT_HALF_LIFE:
		return number(flag, arg, " of seconds", 1, 604800,
		    &cfg->half_life, err);
	case OPT_SCORE_TABLE:
		return whole(flag, arg, 16, 10000000, &cfg->score_table_size, err);
	case OPT_DRY_RUN:
		cfg->dry_run = 1;
		return 0;
	case OPT_REJECT_UNKNOWN_SENDER:
		cfg->reject_unknown_sender = 1;
		return 0;
	case OPT_REQUIRE_AUTH_SENDER:
		cfg->require_auth_local_sender = 1;
		return 0;
	case OPT_KEEPALIVE:
		cfg->keepalive = 1;
		return 0;
	case OPT_TARPIT_REJECTED:
		cfg->tarpit_rejected = 1;
		return 0;
	case OPT_THREAD_STACK:
		if (util_parse_long(arg, 0, 65536, &cfg->thread_stack_kb) < 0 ||
		    (cfg->thread_stack_kb > 0 && cfg->thread_stack_kb < 64)) {
			fprintf(err, PROG ": %s: \"%s\" is not a stack size in"
			    " KiB from 64 to 65536, or 0 for the C library's"
			    " default\n", flag, arg);
			return -1;
		}
		return 0;
	case OPT_REDIS:
		return set_redis(cfg, arg, flag, err);
	case OPT_GOOD_MESSAGES:
		return number(flag, arg, "", 0, 1000, &cfg->good_messages, err);
	case OPT_GOOD_HALF_LIFE:
		return number(flag, arg, " of seconds", 3600, 31536000,
		    &cfg->good_half_life, err);
	case OPT_ATTACK_SCORE:
		return number(flag, arg, "", 0, 1000000, &cfg->attack_score,
		    err);
	case OPT_ATTACK_HOLD:
		return number(flag, arg, " of seconds", 0, 86400,
		    &cfg->attack_hold, err);
	case OPT_ATTACK_BUDGET:
		return number(flag, arg, "", 0, 10000, &cfg->attack_budget,
		    err);
	case OPT_GREYLIST_TIME:
		return number(flag, arg, " of seconds", 0, 86400,
		    &cfg->greylist_time, err);
	case OPT_GOOD_AFTER:
		return number(flag, arg, " of seconds", 0, 2592000,
		    &cfg->good_after, err);
	case OPT_STATE_INTERVAL:
		return number(flag, arg, " of seconds", 10, 86400,
		    &cfg->state_interval, err);
	case OPT_POSTSCREEN_FILE:
		if (arg[0] != '/') {
			fprintf(err, PROG ": %s: \"%s\" is not an absolute path\n",
			    flag, arg);
			return -1;
		}
		flags_replace(&cfg->postscreen_file, arg);
		return 0;
	case OPT_TRAP_FILE:
	case OPT_STATE_FILE:
		if (arg[0] != '/') {
			fprintf(err, PROG ": %s: \"%s\" is not an absolute path\n",
			    flag, arg);
			return -1;
		}
		return replace(c == OPT_TRAP_FILE ? &cfg->trap_file :
		    &cfg->state_file, arg, flag, err);
	case OPT_REDIS_PASSWORD_FILE:
		return replace(&cfg->redis_password_file, arg, flag, err);
	case OPT_REDIS_TIMEOUT:
		return number(flag, arg, " of seconds", 0.01, 1,
		    &cfg->redis_timeout, err);
	case OPT_REDIS_PREFIX:
		if (!text_ok(arg, 64) || strchr(arg, ' ')) {
			fprintf(err, PROG ": %s: \"%s\" is not 1 to 64 printable"
			    " ASCII characters without spaces\n", flag, arg);
			return -1;
		}
		return replace(&cfg->redis_prefix, arg, flag, err);
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
		return replace(&cfg->delimiters, arg, flag, err);
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
		return replace(&cfg->reject_text, arg, flag, err);
	case 'f':
		cfg->foreground = 1;
		return 0;
	case OPT_CONTROL_SOCKET:
		if (arg[0] != '/' || strlen(arg) >= UNIX_PATH_MAX) {
			fprintf(err, PROG ": %s: \"%s\" is not an absolute path"
			    " of fewer than %d bytes\n", flag, arg,
			    UNIX_PATH_MAX);
			return -1;
		}
		flags_replace(&cfg->control_socket, arg);
		return 0;
	case 'v':
		cfg->verbose = 1;
		return 0;
	case OPT_POSTFIX_DIR:
		if (arg[0] != '/' && strcmp(arg, "none") != 0) {
			fprintf(err, PROG ": %s: \"%s\" is not an absolute path"
			    " or none\n", flag, arg);
			return -1;
		}
		flags_replace(&cfg->postfix_dir, arg);
		return 0;
	case OPT_CHECK_ADDRESS:
		return add_check_address(cfg, arg, flag, err);
	}
	return -1;
}
