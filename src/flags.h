/*
 * NAME
 *	flags 3h
 * SUMMARY
 *	every option: its names and how its value is checked
 */
#ifndef MT_FLAGS_H
#define MT_FLAGS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

struct config;

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
	OPT_STATS_INTERVAL,
	OPT_DELAY_FACTOR,
	OPT_DELAY_MAX,
	OPT_ALLOWANCE,
	OPT_SUSPECT_SCORE,
	OPT_HARVEST_SCORE,
	OPT_MAX_SLEEPERS,
	OPT_MAX_SLEEPERS_NET,
	OPT_CAP_REPLY,
	OPT_EXEMPT_CHECK,
	OPT_TRUSTED,
	OPT_PREFIX4,
	OPT_PREFIX6,
	OPT_WIDE4,
	OPT_WIDE6,
	OPT_WIDE_WEIGHT,
	OPT_HALF_LIFE,
	OPT_SCORE_TABLE,
	OPT_DRY_RUN,
	OPT_REJECT_UNKNOWN_SENDER,
	OPT_REQUIRE_AUTH_SENDER,
	OPT_KEEPALIVE,
	OPT_TARPIT_REJECTED,
	OPT_THREAD_STACK,
	OPT_REDIS,
	OPT_REDIS_PASSWORD_FILE,
	OPT_REDIS_TIMEOUT,
	OPT_REDIS_PREFIX,
	OPT_GOOD_MESSAGES,
	OPT_GOOD_HALF_LIFE,
	OPT_ATTACK_SCORE,
	OPT_ATTACK_HOLD,
	OPT_ATTACK_BUDGET,
	OPT_GREYLIST_TIME,
	OPT_TRAP_FILE,
	OPT_STATE_FILE,
	OPT_STATE_INTERVAL,
	OPT_GOOD_AFTER,
	OPT_SUBDOMAINS,
	OPT_PERCENT_HACK,
	OPT_SWAP_BANGPATH,
	OPT_OWN_ADDRESSES,
	OPT_CONTROL_SOCKET,
	OPT_POSTFIX_DIR,
	OPT_CHECK_ADDRESS,
	OPT_POSTSCREEN_FILE
};

extern const char flags_short[];
extern const struct option flags_long[];

/* flags_apply - apply one option; 0 ok, -1 refused (message on err) */
int flags_apply(struct config *cfg, int c, const char *arg, FILE *err);

/* flags_name - "-T/--delay" for an option character */
void flags_name(int c, char *buf, size_t len);

/* flags_replace - set a string field to a copy of value; 0, or -1 (kept) */
int flags_replace(char **field, const char *value);

#endif
