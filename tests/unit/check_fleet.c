/*
 * NAME
 *	check_fleet 1
 * SUMMARY
 *	unit tests for shared scores: Redis URLs, keys, backoff, raising
 * DESCRIPTION
 *	The pure parts of src/fleet_url.c and src/fleet.c: every URL form
 *	--redis accepts and every refusal (rediss:// with the reason), what
 *	the logs show of a URL (never the password), the key layout, the
 *	reconnect backoff, and score_raise(), by which Redis's answers reach
 *	the local table (never lowering it), and the commands of a shared
 *	trust and how their answers are read. Then the client against a
 *	Redis that cannot be there (a socket in a missing directory): it
 *	starts, says it is down, refuses requests at once and stops. And
 *	the --redis options: defaults, bounds, the whole-configuration rules
 *	and the password file. The script itself runs in a real Redis in
 *	tests/integration/t-redis.sh.
 */
#include "autoconfig.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include <hiredis.h>

#include "fleet.h"
#include "fleet_cmd.h"
#include "fleet_url.h"
#include "score.h"
#include "stats.h"
#include "util.h"

/* parse_ok - s parses; the result in *u */
static void
parse_ok(const char *s, struct fleet_url *u)
{
	char err[512] = "";

	ck_assert_msg(fleet_url_parse(s, u, err, sizeof(err)) == 0,
	    "%s refused: %s", s, err);
}

/* parse_bad - s is refused with a message containing want */
static void
parse_bad(const char *s, const char *want)
{
	struct fleet_url u;
	char err[512] = "";

	ck_assert_msg(fleet_url_parse(s, &u, err, sizeof(err)) < 0,
	    "%s accepted", s);
	ck_assert_msg(strstr(err, want) != NULL, "%s: message \"%s\" lacks"
	    " \"%s\"", s, err, want);
	ck_assert_ptr_null(u.host);
	ck_assert_ptr_null(u.password);
}

START_TEST(test_url_tcp)
{
	struct fleet_url u;

	parse_ok("redis://127.0.0.1", &u);
	ck_assert_str_eq(u.host, "127.0.0.1");
	ck_assert_int_eq(u.port, 6379);
	ck_assert_int_eq(u.db, 0);
	ck_assert_ptr_null(u.path);
	ck_assert_ptr_null(u.user);
	ck_assert_ptr_null(u.password);
	fleet_url_free(&u);

	parse_ok("redis://redis.example.com:6380/3", &u);
	ck_assert_str_eq(u.host, "redis.example.com");
	ck_assert_int_eq(u.port, 6380);
	ck_assert_int_eq(u.db, 3);
	fleet_url_free(&u);

	parse_ok("REDIS://h/", &u);
	ck_assert_str_eq(u.host, "h");
	ck_assert_int_eq(u.db, 0);
	fleet_url_free(&u);

	parse_ok("redis://[::1]:7000/15", &u);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_int_eq(u.port, 7000);
	ck_assert_int_eq(u.db, 15);
	fleet_url_free(&u);

	parse_ok("redis://[2001:db8::7]", &u);
	ck_assert_str_eq(u.host, "2001:db8::7");
	ck_assert_int_eq(u.port, 6379);
	fleet_url_free(&u);

	parse_ok("redis://h:65535/65535", &u);
	ck_assert_int_eq(u.port, 65535);
	ck_assert_int_eq(u.db, 65535);
	fleet_url_free(&u);
}
END_TEST

START_TEST(test_url_auth)
{
	struct fleet_url u;

	parse_ok("redis://:secret@127.0.0.1:6379/1", &u);
	ck_assert_ptr_null(u.user);
	ck_assert_str_eq(u.password, "secret");
	ck_assert_str_eq(u.host, "127.0.0.1");
	ck_assert_int_eq(u.db, 1);
	fleet_url_free(&u);

	/* percent-escapes, and '@' or ':' in the password */
	parse_ok("redis://mt:p%40ss:w%3Ard@h", &u);
	ck_assert_str_eq(u.user, "mt");
	ck_assert_str_eq(u.password, "p@ss:w:rd");
	fleet_url_free(&u);

	parse_ok("redis://a:b@c@h", &u);	/* the last '@' ends it */
	ck_assert_str_eq(u.user, "a");
	ck_assert_str_eq(u.password, "b@c");
	ck_assert_str_eq(u.host, "h");
	fleet_url_free(&u);

	/* a user alone: the password comes from --redis-password-file */
	parse_ok("redis://milter@h", &u);
	ck_assert_str_eq(u.user, "milter");
	ck_assert_ptr_null(u.password);
	fleet_url_free(&u);
}
END_TEST

START_TEST(test_url_unix)
{
	struct fleet_url u;

	parse_ok("unix:/run/redis/redis-server.sock", &u);
	ck_assert_str_eq(u.path, "/run/redis/redis-server.sock");
	ck_assert_ptr_null(u.host);
	ck_assert_int_eq(u.db, 0);
	fleet_url_free(&u);

	parse_ok("unix:///run/redis.sock?db=7", &u);
	ck_assert_str_eq(u.path, "/run/redis.sock");
	ck_assert_int_eq(u.db, 7);
	fleet_url_free(&u);
}
END_TEST

START_TEST(test_url_refused)
{
	char longpath[200];

	parse_bad("rediss://127.0.0.1:6380", "TLS");
	parse_bad("rediss://127.0.0.1:6380", "hiredis");
	parse_bad("http://127.0.0.1", "is not a Redis URL");
	parse_bad("127.0.0.1:6379", "is not a Redis URL");
	parse_bad("", "is not a Redis URL");
	parse_bad("redis://", "no host");
	parse_bad("redis://:6379", "no host");
	parse_bad("redis://h:0", "port");
	parse_bad("redis://h:65536", "port");
	parse_bad("redis://h:", "port");
	parse_bad("redis://h:63a", "port");
	parse_bad("redis://h/x", "database number");
	parse_bad("redis://h/65536", "database number");
	parse_bad("redis://h/-1", "database number");
	parse_bad("redis://h/1/2", "database number");
	parse_bad("redis://h?db=1", "database number");
	parse_bad("redis://ho st", "no host");
	parse_bad("redis://[::1", "IPv6");
	parse_bad("redis://[]:1", "IPv6");
	parse_bad("redis://[fe80::1%eth0]", "IPv6");
	parse_bad("redis://[::1]x", "after the IPv6");
	parse_bad("redis://[::1]:", "port");
	parse_bad("redis://:@h", "empty password");
	parse_bad("redis://:a%4@h", "%-escape");
	parse_bad("redis://:a%zz@h", "%-escape");
	parse_bad("redis://:a%00b@h", "%-escape");
	parse_bad("redis://@h", "nothing before '@'");
	parse_bad("unix:", "absolute socket path");
	parse_bad("unix:run/redis.sock", "absolute socket path");
	parse_bad("unix:/r.sock?db=", "unix:/PATH?db=N");
	parse_bad("unix:/r.sock?db=x", "unix:/PATH?db=N");
	parse_bad("unix:/r.sock?foo=1", "unix:/PATH?db=N");
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "unix:/", 6);
	longpath[sizeof(longpath) - 1] = '\0';
	parse_bad(longpath, "too long");
}
END_TEST

START_TEST(test_url_show)
{
	struct fleet_url u;
	char buf[300];

	parse_ok("redis://bob:hunter2@10.0.0.5:6380/2", &u);
	fleet_url_show(&u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "redis://10.0.0.5:6380/2");
	ck_assert_ptr_null(strstr(buf, "hunter2"));
	ck_assert_ptr_null(strstr(buf, "bob"));
	fleet_url_free(&u);

	parse_ok("redis://[::1]", &u);
	fleet_url_show(&u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "redis://[::1]:6379/0");
	fleet_url_free(&u);

	parse_ok("unix:/run/r.sock?db=4", &u);
	fleet_url_show(&u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "unix:/run/r.sock?db=4");
	fleet_url_free(&u);

	fleet_url_free(&u);	/* twice is harmless */
}
END_TEST

START_TEST(test_key)
{
	char buf[64];

	ck_assert_int_eq(fleet_key("mt:", FLEET_SCORE, "192.0.2.7/32", buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "mt:score:192.0.2.7/32");
	ck_assert_int_eq(fleet_key("site-a:", FLEET_SCORE, "2001:db8:1::/64",
	    buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "site-a:score:2001:db8:1::/64");
	ck_assert_int_eq(fleet_key("mt:", FLEET_GOOD, "192.0.2.7/32", buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "mt:good:192.0.2.7/32");
	ck_assert_int_eq(fleet_key("mt:", FLEET_ATTACK, "all", buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "mt:attack:all");
	ck_assert_int_eq(fleet_key("mt:", FLEET_TRUST, "192.0.2.7/32", buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "mt:trust:192.0.2.7/32");
	ck_assert_int_eq(fleet_key("mt:", FLEET_SCORE, "192.0.2.7/32", buf, 21),
	    -1);
	ck_assert_int_eq(fleet_key("mt:", FLEET_SCORE, "192.0.2.7/32", buf, 22),
	    0);
}
END_TEST

/* trust_cmd - the command of secs for "k", joined by spaces */
static const char *
trust_cmd(double secs, char *buf, size_t len)
{
	const char *argv[FLEET_CMD_ARGS];
	char ms[32];
	int i, n = fleet_cmd_trust("k", secs, argv, ms, sizeof(ms));

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
		    i ? " " : "", argv[i]);
	return buf;
}

START_TEST(test_trust_cmd)
{
	char buf[64];

	ck_assert_str_eq(trust_cmd(0, buf, sizeof(buf)), "PTTL k");
	ck_assert_str_eq(trust_cmd(60, buf, sizeof(buf)), "SET k 1 PX 60000");
	ck_assert_str_eq(trust_cmd(0.0004, buf, sizeof(buf)), "SET k 1 PX 1");
	ck_assert_str_eq(trust_cmd(-1, buf, sizeof(buf)), "DEL k");
}
END_TEST

/* reply - a reply of type with integer n or string str */
static redisReply
reply(int type, long long n, const char *str)
{
	redisReply r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.integer = n;
	r.str = (char *)str;
	return r;
}

START_TEST(test_trust_reply)
{
	redisReply r;
	double left = -1;

	r = reply(REDIS_REPLY_INTEGER, 59500, NULL);
	ck_assert_int_eq(fleet_cmd_trust_reply(&r, 0, &left), 0);
	ck_assert(fabs(left - 59.5) < 1e-9);
	r = reply(REDIS_REPLY_INTEGER, -2, NULL);	/* no key */
	ck_assert_int_eq(fleet_cmd_trust_reply(&r, 0, &left), 0);
	ck_assert(left == 0);
	r = reply(REDIS_REPLY_INTEGER, -1, NULL);	/* no expiry: not ours */
	ck_assert_int_eq(fleet_cmd_trust_reply(&r, 0, &left), -1);
	r = reply(REDIS_REPLY_STATUS, 0, "OK");
	ck_assert_int_eq(fleet_cmd_trust_reply(&r, 60, &left), 0);
	ck_assert(left == 60);
	r = reply(REDIS_REPLY_ERROR, 0, "WRONGTYPE");
	ck_assert_int_eq(fleet_cmd_trust_reply(&r, 60, &left), -1);
	r = reply(REDIS_REPLY_INTEGER, 1, NULL);
	ck_assert_int_eq(fleet_cmd_trust_reply(&r, -1, &left), 0);
	ck_assert(left == 0);
	r = reply(REDIS_REPLY_STATUS, 0, "OK");	/* not PTTL's answer */
	ck_assert_int_eq(fleet_cmd_trust_reply(&r, 0, &left), -1);
}
END_TEST

START_TEST(test_backoff)
{
	ck_assert(fleet_backoff(0) == FLEET_BACKOFF_MIN);
	ck_assert(fleet_backoff(1) == 0.5);
	ck_assert(fleet_backoff(2) == 1);
	ck_assert(fleet_backoff(3) == 2);
	ck_assert(fleet_backoff(4) == 4);
	ck_assert(fleet_backoff(5) == 8);
	ck_assert(fleet_backoff(6) == FLEET_BACKOFF_MAX);
	ck_assert(fleet_backoff(1000) == FLEET_BACKOFF_MAX);
}
END_TEST

START_TEST(test_script)
{
	const char *s = fleet_script();

	/* Redis's clock, the decay of score.c, atomic write and expiry */
	ck_assert_ptr_nonnull(strstr(s, "redis.call('TIME')"));
	ck_assert_ptr_nonnull(strstr(s, "s * 2 ^ (-(now - t) / hl)"));
	ck_assert_ptr_nonnull(strstr(s, "if floor > s then s = floor end"));
	ck_assert_ptr_nonnull(strstr(s, "PEXPIRE"));
	/* a read writes nothing */
	ck_assert(strstr(s, "if delta <= 0 then return") <
	    strstr(s, "HMSET"));
}
END_TEST

START_TEST(test_raise)
{
	struct score_table *t = score_new(16, 100);

	/* a clean network stays out of the table */
	ck_assert(score_raise(t, "n", 0, 1000) == 0);
	ck_assert_uint_eq(score_count(t), 0);
	/* another host's count comes in */
	ck_assert(score_raise(t, "n", 5, 1000) == 5);
	ck_assert_uint_eq(score_count(t), 1);
	ck_assert(score_get(t, "n", 1000, NULL) == 5);
	/* never lowered: Redis lost its data, this host remembers */
	ck_assert(score_raise(t, "n", 3, 1000) == 5);
	ck_assert(score_raise(t, "n", 0, 1000) == 5);
	/* decays as before; a higher shared score replaces the decayed one */
	ck_assert(fabs(score_get(t, "n", 1100, NULL) - 2.5) < 1e-9);
	ck_assert(score_raise(t, "n", 3, 1100) == 3);
	ck_assert(fabs(score_get(t, "n", 1200, NULL) - 1.5) < 1e-9);
	/* an add after a raise counts from the raised score */
	ck_assert(fabs(score_add(t, "n", 1, 1200) - 2.5) < 1e-9);
	score_free(t);
}
END_TEST

START_TEST(test_down)
{
	struct score_table *t = score_new(16, 100);
	struct fleet_opts o = { 0 };
	struct stats_snapshot s;
	struct fleet_url u;
	struct fleet *f;
	char msg[512];
	double v = -1, t0;

	stats_reset();
	parse_ok("unix:/nonexistent-milter-tarpit-dir/redis.sock", &u);
	o.url = &u;
	o.prefix = "mt:";
	o.timeout = 0.1;
	o.half_life[FLEET_SCORE] = 100;
	o.local[FLEET_SCORE] = t;
	ck_assert_int_eq(fleet_probe(&o, msg, sizeof(msg)), -1);
	ck_assert_msg(strstr(msg, "unix:/nonexistent-milter-tarpit-dir/"
	    "redis.sock") != NULL, "%s", msg);

	t0 = util_now();
	f = fleet_start(&o);
	fleet_url_free(&u);		/* the client keeps its own copy */
	ck_assert_ptr_nonnull(f);
	/* down: refused at once, so the caller uses the local table */
	ck_assert_ptr_null(fleet_read(f, FLEET_SCORE, "192.0.2.7/32"));
	ck_assert_ptr_null(fleet_add(f, FLEET_SCORE, "192.0.2.7/32", 1, 0));
	ck_assert_int_eq(fleet_wait(f, NULL, &v), -1);
	ck_assert(v == -1);
	fleet_release(NULL);
	stats_snapshot(&s);
	ck_assert_uint_eq(s.counters[STATS_REDIS_SKIPPED], 2);
	ck_assert_int_eq(s.redis, STATS_REDIS_DOWN);
	fleet_stop(f);
	ck_assert_msg(util_now() - t0 < 2, "start and stop took %.3f s",
	    util_now() - t0);
	ck_assert_ptr_null(fleet_read(f, FLEET_SCORE, "192.0.2.7/32"));
	fleet_free(f);
	score_free(t);
}
END_TEST

/* parse - config_parse on "milter-tarpit -d example.com" + args; messages */
static enum config_status
parse(struct config *cfg, const char *const *args, char **msg)
{
	char *argv[16];
	size_t len;
	FILE *err;
	int argc = 0;
	enum config_status st;

	argv[argc++] = "milter-tarpit";
	argv[argc++] = "-d";
	argv[argc++] = "example.com";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	config_init(cfg);
	err = open_memstream(msg, &len);
	st = config_parse(cfg, argc, argv, err, err);
	if (st == CONFIG_OK)
		config_check(cfg, err);
	fclose(err);
	return st;
}

#define PARSE(cfg, msg, ...) \
	parse((cfg), (const char *const[]){ __VA_ARGS__, NULL }, (msg))

/* refused - the arguments are refused with a message containing want */
static void
refused_v(const char *const *args, const char *want)
{
	struct config cfg;
	char *msg = NULL;

	ck_assert_int_eq(parse(&cfg, args, &msg), CONFIG_USAGE);
	ck_assert_msg(strstr(msg, want) != NULL, "\"%s\" lacks \"%s\"", msg,
	    want);
	free(msg);
	config_free(&cfg);
}

#define REFUSED(want, ...) \
	refused_v((const char *const[]){ __VA_ARGS__, NULL }, (want))

START_TEST(test_flags)
{
	struct config cfg;
	char *msg = NULL;

	ck_assert_int_eq(PARSE(&cfg, &msg, "-T", "1"), CONFIG_OK);
	ck_assert_ptr_null(cfg.redis_url);
	ck_assert(cfg.redis_timeout == FLEET_DEFAULT_TIMEOUT);
	ck_assert_str_eq(cfg.redis_prefix, "mt:");
	free(msg);
	config_free(&cfg);

	msg = NULL;
	ck_assert_int_eq(PARSE(&cfg, &msg, "--redis", "redis://10.0.0.5/2",
	    "--redis-timeout", "0.25", "--redis-prefix", "site-a:"),
	    CONFIG_OK);
	ck_assert_str_eq(cfg.redis_url, "redis://10.0.0.5/2");
	ck_assert(cfg.redis_timeout == 0.25);
	ck_assert_str_eq(cfg.redis_prefix, "site-a:");
	ck_assert_str_eq(msg, "");
	free(msg);
	config_free(&cfg);

	REFUSED("--redis: \"rediss://h\" asks for TLS", "--redis",
	    "rediss://h");
	REFUSED("is not a Redis URL", "--redis", "h:6379");
	REFUSED("--redis-timeout: \"0\" is not a number of seconds from"
	    " 0.01 to 1", "--redis-timeout", "0");
	REFUSED("--redis-timeout", "--redis-timeout", "2");
	REFUSED("--redis-timeout", "--redis-timeout", "0.1s");
	REFUSED("--redis-prefix: \"a b\"", "--redis-prefix", "a b");
	REFUSED("--redis-prefix", "--redis-prefix",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4");
}
END_TEST

START_TEST(test_flags_password)
{
	char path[] = "/tmp/check_fleet.XXXXXX";
	FILE *fp, *quiet = fopen("/dev/null", "w");
	struct config cfg;
	char *msg = NULL;
	int fd;

	ck_assert_ptr_nonnull(quiet);
	/* the file without --redis, and a password in two places */
	ck_assert_int_eq(PARSE(&cfg, &msg, "--redis-password-file", "/x"),
	    CONFIG_OK);
	ck_assert_ptr_nonnull(strstr(msg, "--redis-password-file needs"
	    " --redis"));
	ck_assert_int_eq(config_check(&cfg, quiet), -1);
	free(msg);
	config_free(&cfg);
	msg = NULL;
	ck_assert_int_eq(PARSE(&cfg, &msg, "--redis", "redis://:pw@h",
	    "--redis-password-file", "/x"), CONFIG_OK);
	ck_assert_ptr_nonnull(strstr(msg, "keep the file"));
	free(msg);
	config_free(&cfg);

	/* read: the first line, made absolute, kept in redis_password */
	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	fputs("two words\nsecond line\n", fp);
	fclose(fp);
	chmod(path, 0600);
	msg = NULL;
	ck_assert_int_eq(PARSE(&cfg, &msg, "--redis", "redis://h",
	    "--redis-password-file", path), CONFIG_OK);
	ck_assert_str_eq(msg, "");
	free(msg);
	ck_assert_int_eq(config_load_redis_password(&cfg, quiet), 0);
	ck_assert_str_eq(cfg.redis_password, "two words");
	config_free(&cfg);
	/* a missing file is refused with the option's name */
	unlink(path);
	msg = NULL;
	ck_assert_int_eq(PARSE(&cfg, &msg, "--redis", "redis://h",
	    "--redis-password-file", path), CONFIG_OK);
	free(msg);
	ck_assert_int_eq(config_load_redis_password(&cfg, quiet), -1);
	ck_assert_ptr_null(cfg.redis_password);
	config_free(&cfg);
	fclose(quiet);
}
END_TEST

/* fleet_suite - every test case */
static Suite *
fleet_suite(void)
{
	Suite *s = suite_create("fleet");
	TCase *tc = tcase_create("url");

	tcase_add_test(tc, test_url_tcp);
	tcase_add_test(tc, test_url_auth);
	tcase_add_test(tc, test_url_unix);
	tcase_add_test(tc, test_url_refused);
	tcase_add_test(tc, test_url_show);
	suite_add_tcase(s, tc);
	tc = tcase_create("client");
	tcase_add_test(tc, test_key);
	tcase_add_test(tc, test_trust_cmd);
	tcase_add_test(tc, test_trust_reply);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_script);
	tcase_add_test(tc, test_raise);
	tcase_add_test(tc, test_down);
	suite_add_tcase(s, tc);
	tc = tcase_create("flags");
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_flags_password);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fleet_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
