/*
 * NAME
 *	fleet_cmd 3h
 * SUMMARY
 *	shared trust: the Redis commands of "trust NET SECS" and their answers
 * DESCRIPTION
 *	A network trusted through the control socket is the key
 *	<prefix>trust:<net>, set with an expiry of the time it is trusted
 *	for: SET key 1 PX ms when given, DEL key when ended (trust NET 0),
 *	PTTL key when a host wants to know. Redis ends it on its own clock.
 *	Building the arguments and reading the answers is done here, with
 *	no I/O, so that it is unit-tested directly; fleet.c sends them in
 *	its pipeline. Also the key layout of every kind (fleet_key()).
 */
#ifndef MT_FLEET_CMD_H
#define MT_FLEET_CMD_H

#include <stddef.h>

#define FLEET_CMD_ARGS	5	/* the most arguments of a trust command */

struct redisReply;

/*
 * fleet_cmd_trust - the command for key: secs 0 reads (PTTL), above 0
 * trusts for secs (SET .. PX), below 0 ends the trust (DEL); argv gets
 * pointers into key and ms (the milliseconds, mslen >= 32); the count
 */
int fleet_cmd_trust(const char *key, double secs, const char **argv,
    char *ms, size_t mslen);

/*
 * fleet_cmd_trust_reply - the seconds left that Redis's answer to the
 * command of secs says (0: not trusted); 0 ok, -1 not such an answer
 */
int fleet_cmd_trust_reply(const struct redisReply *reply, double secs,
    double *left);

#endif
