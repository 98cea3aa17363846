/*
 * NAME
 *	fleet_cmd 3
 * SUMMARY
 *	shared trust: the Redis commands of "trust NET SECS" and their answers
 * DESCRIPTION
 *	The milliseconds are rounded up, so that a trust of 0.0004 s is
 *	still set; PTTL's -2 (no key) is "not trusted", its -1 (a key
 *	without an expiry: not one of ours) is no answer, so the local
 *	table is left as it is.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <hiredis.h>

#include "fleet.h"
#include "fleet_cmd.h"

/* fleet_key - prefix + kind + ":" + net into buf; -1 if it does not fit */
int
fleet_key(const char *prefix, enum fleet_kind kind, const char *net,
    char *buf, size_t len)
{
	static const char *const names[FLEET_KINDS] = {
		"score", "good", "attack", "trust"
	};
	int n = snprintf(buf, len, "%s%s:%s", prefix, names[kind], net);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* fleet_cmd_trust - PTTL, SET .. PX or DEL for key; the argument count */
int
fleet_cmd_trust(const char *key, double secs, const char **argv, char *ms,
    size_t mslen)
{
	if (secs == 0) {
		argv[0] = "PTTL";
		argv[1] = key;
		return 2;
	}
	if (secs < 0) {
		argv[0] = "DEL";
		argv[1] = key;
		return 2;
	}
	snprintf(ms, mslen, "%.0f", ceil(secs * 1000));
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = "1";
	argv[3] = "PX";
	argv[4] = ms;
	return 5;
}

/* fleet_cmd_trust_reply - seconds left per the answer; -1 not one */
int
fleet_cmd_trust_reply(const struct redisReply *reply, double secs,
    double *left)
{
	if (secs > 0) {
		if (reply->type != REDIS_REPLY_STATUS || reply->str == NULL ||
		    strcmp(reply->str, "OK") != 0)
			return -1;
		*left = secs;
		return 0;
	}
	if (reply->type != REDIS_REPLY_INTEGER)
		return -1;
	if (secs < 0) {
		*left = 0;	/* DEL: gone, whether it was there or not */
		return 0;
	}
	if (reply->integer == -2) {
		*left = 0;
		return 0;
	}
	if (reply->integer < 0)
		return -1;
	*left = (double)reply->integer / 1000;
	return 0;
}
