/*
 * NAME
 *	config 3h
 * SUMMARY
 *	command-line flags: defaults, parsing, validation
 * DESCRIPTION
 *	config_parse() turns argv into a struct config, refusing every bad
 *	value with a message that names the flag and what it accepts.
 *	config_check() then looks at the whole (required flags, the tarpit
 *	delay against the MTA's milter timeout). Both write their messages
 *	to the stream they are given, so they can be unit-tested.
 */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "cidr.h"

#define CONFIG_DEFAULT_SOCKET	"unix:/run/milter-tarpit/milter-tarpit.sock"
#define CONFIG_DEFAULT_FILTER	"(mail=%s)"
#define CONFIG_DEFAULT_REJECT	"Recipient address rejected: User unknown"
#define CONFIG_DEFAULT_DELAY	20.0	/* Microsoft's TarpitTime advice */
#define CONFIG_DEFAULT_TIMEOUT	5.0
#define CONFIG_DEFAULT_MILTER_TIMEOUT 30.0	/* Postfix's default */
#define CONFIG_DEFAULT_POOL	4
#define CONFIG_SAFETY_MARGIN	5.0	/* seconds kept free below the MTA timeout */
#define CONFIG_DEFAULT_CACHE_TTL	600.0
#define CONFIG_DEFAULT_CACHE_NEG_TTL	60.0
#define CONFIG_DEFAULT_CACHE_STALE	3600.0
#define CONFIG_DEFAULT_CACHE_SIZE	100000
#define CONFIG_KEEPALIVE_EVERY	10.0	/* progress at least this often */
#define CONFIG_KEEPALIVE_CEILING 240.0	/* default escalation ceiling then */
#define CONFIG_DEFAULT_GOOD_HALF_LIFE 604800.0	/* a week */
#define CONFIG_DEFAULT_ATTACK_SCORE 20.0
#define CONFIG_DEFAULT_ATTACK_HOLD 600.0
#define CONFIG_DEFAULT_ATTACK_BUDGET 6.0
#define CONFIG_DEFAULT_GREYLIST_TIME 60.0
#define CONFIG_DEFAULT_STATE_INTERVAL 300.0

enum config_scope { SCOPE_BASE, SCOPE_ONE, SCOPE_SUB };

enum config_status {
	CONFIG_OK,		/* go on */
	CONFIG_DONE,		/* --help or --version printed: exit 0 */
	CONFIG_USAGE,		/* bad flag: exit 64 */
	CONFIG_BADFILE		/* bad options file: exit 78 */
};

struct config {
	char		*socket;
	char		*uris;		/* space separated; NULL: ldap.conf */
	char		*base;		/* NULL: ldap.conf BASE */
	enum config_scope scope;
	char		*filter;
	char		*bind_dn;
	char		*password_file;
	char		*password;	/* read from password_file */
	int		starttls;	/* 0 no, 1 try, 2 require */
	char		*tls_cacert;
	char		*tls_cacertdir;
	char		*sasl_mech;	/* "EXTERNAL" or NULL (simple bind) */
	char		*users_file;	/* file backend instead of LDAP */
	int		cache;		/* 0: --no-cache */
	long		cache_size;
	double		cache_ttl;
	double		cache_neg_ttl;
	double		cache_stale;
	double		ldap_timeout;
	long		pool_size;
	char		**domains;	/* lower case, IDN as A-labels */
	size_t		ndomains;
	int		subdomains;	/* --subdomains yes|no */
	int		percent_hack;	/* --percent-hack yes|no */
	int		swap_bangpath;	/* --swap-bangpath yes|no */
	int		own_any;	/* --own-addresses any */
	struct cidr	*own;		/* ... or these networks */
	size_t		nown;
	char		*delimiters;
	double		delay;
	double		milter_timeout;
	char		*reject_text;
	int		foreground;
	int		verbose;
	/* the options file, and what came from it */
	char		*config_file;
	int		uris_from_file, domains_from_file;
	/* query mode (-q) and check mode (-n) */
	char		*query;
	char		*query_client;
	char		*query_sender;
	char		*query_auth;
	int		check_only;
	/* process */
	char		*user;		/* -u user[:group] */
	char		*group;
	int		allow_root;
	char		*pidfile;
	long		socket_mode;	/* -1: libmilter's default */
	char		*socket_group;
	char		*stats_file;
	double		stats_interval;
	long		thread_stack_kb;	/* 0: the C library's default */
	/* harvest defence */
	double		delay_factor;
	double		delay_max;	/* 0: as much as the margin allows */
	long		allowance;
	double		suspect_score;
	double		harvest_score;
	long		max_sleepers;
	long		max_sleepers_net;
	int		cap_tempfail;	/* --cap-reply 451 */
	int		exempt_check;	/* --exempt-check yes|no */
	struct cidr	*trusted;
	size_t		ntrusted;
	long		prefix4, prefix6;
	long		wide4, wide6;	/* the wide network; >= prefix: off */
	double		wide_weight;	/* share of its score; 0: off */
	double		half_life;
	long		score_table_size;
	int		dry_run;
	int		reject_unknown_sender;
	int		require_auth_local_sender;
	int		keepalive;
	int		tarpit_rejected;
	/* known-good clients, attack mode, traps, the state file */
	double		good_messages;	/* 0: no client is known-good */
	double		good_half_life;
	double		good_after;	/* a record counts once this old */
	double		attack_score;	/* 0: no attack mode */
	double		attack_hold;
	double		attack_budget;	/* retries let through per minute */
	double		greylist_time;
	char		*trap_file;
	char		*state_file;
	char		*postscreen_file;	/* cidr: table of harvesters */
	double		state_interval;
	/* shared scores (fleet.c) */
	char		*redis_url;	/* NULL: scores stay in this process */
	char		*redis_password_file;
	char		*redis_password;	/* read from redis_password_file */
	double		redis_timeout;
	char		*redis_prefix;
	char		*control_socket;	/* NULL: no control socket */
	/* check mode: Postfix's configuration, addresses that must exist */
	char		*postfix_dir;	/* NULL: Postfix's default; "none" */
	char		**check_addrs;
	size_t		ncheck_addrs;
	char		*start_dir;	/* relative paths are from here */
};

/* config_init - fill in the defaults */
void config_init(struct config *cfg);

/* config_parse - parse argv; messages go to err, --help to out */
enum config_status config_parse(struct config *cfg, int argc, char **argv,
    FILE *out, FILE *err);

/*
 * config_apply - apply one option by its long name, as from an options
 * file: 0 ok, -1 bad value (message on err), -2 unknown name, -3 the
 * option needs a value, -4 the option takes none
 */
int config_apply(struct config *cfg, const char *name, const char *value,
    FILE *err);

/* config_check - whole-configuration checks; 0 ok, -1 (exit 78) */
int config_check(const struct config *cfg, FILE *err);

/* config_load_password - read the bind password; 0 ok, -1 (exit 78) */
int config_load_password(struct config *cfg, FILE *err);

/* config_load_redis_password - read --redis-password-file; 0 ok, -1 */
int config_load_redis_password(struct config *cfg, FILE *err);

/* config_delay_max - the longest tarpit delay the settings can give */
double config_delay_max(const struct config *cfg);

/* config_is_trusted - is the client address in --trusted-networks */
int config_is_trusted(const struct config *cfg, const struct ipaddr *a);

/*
 * config_is_local - is domain one of the local domains (any case, a
 * trailing dot, IDN in either form; subdomains with --subdomains yes)
 */
int config_is_local(const struct config *cfg, const char *domain);

/* config_free - release what config_parse allocated */
void config_free(struct config *cfg);

#endif
