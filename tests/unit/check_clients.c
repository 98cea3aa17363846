/*
 * NAME
 *	check_clients 1
 * SUMMARY
 *	unit tests for src/clients.c: what a decision is told of its client
 * DESCRIPTION
 *	Without Redis and without a state file: a delivered message makes
 *	the network known-good (and only that network); an unknown
 *	recipient raises the client's network and its wide network, unless
 *	the answer was hidden; a trap makes the client suspect at once;
 *	trusted clients have no network; the daemon-wide count starts
 *	attack mode at --attack-score, from any network, and only
 *	unknowns of clients that are not known-good count; a greylisted
 *	retry passes only after --greylist-time and within the budget.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients.h"
#include "config.h"

static struct config cfg;
static struct clients *cs;

static void
setup(void)
{
	config_init(&cfg);
	cs = clients_new(&cfg);
	ck_assert_ptr_nonnull(cs);
}

static void
teardown(void)
{
	config_free(&cfg);
	/* the tables live until exit, as in the daemon */
}

/* view - the view of c as an anonymous client, tarpit empty */
static void
view(struct client *c, struct client_view *v)
{
	clients_view(cs, c, &cfg, 0, 0, v);
}

START_TEST(test_good)
{
	struct client *a = clients_connect(cs, &cfg, "192.0.2.7");
	struct client *b = clients_connect(cs, &cfg, "192.0.2.8");
	struct client_view v;

	ck_assert_str_eq(clients_net(a), "192.0.2.7/32");
	ck_assert_str_eq(clients_wide(a), "192.0.2.0/24");
	view(a, &v);
	ck_assert_int_eq(v.good, 0);
	clients_delivered(cs, a);
	view(a, &v);
	ck_assert_int_eq(v.good, 1);
	view(b, &v);
	ck_assert_int_eq(v.good, 0);	/* a neighbour earns nothing */
	cfg.good_messages = 2;
	view(a, &v);
	ck_assert_int_eq(v.good, 0);	/* one message is not two */
	cfg.good_messages = 0;
	view(a, &v);
	ck_assert_int_eq(v.good, 0);	/* off */
	/* --good-after: the record counts once its first message is old */
	cfg.good_messages = 1;
	cfg.good_after = 0.3;
	clients_delivered(cs, b);
	view(b, &v);
	ck_assert_int_eq(v.good, 0);
	usleep(400000);
	view(b, &v);
	ck_assert_int_eq(v.good, 1);
	clients_close(a);
	clients_close(b);
}
END_TEST

START_TEST(test_unknown)
{
	struct client *c = clients_connect(cs, &cfg, "198.51.100.9");
	struct client_view v;
	double score = 0, wide = 0;

	clients_unknown(cs, c, &cfg, 0, 0, 0, &score, &wide);
	ck_assert(score > 0.99 && score <= 1 && wide > 0.99 && wide <= 1);
	view(c, &v);
	ck_assert(v.score > 0.99 && v.wide_score > 0.99);
	/* a hidden answer moves neither */
	score = wide = -1;
	clients_unknown(cs, c, &cfg, 0, 1, 0, &score, &wide);
	ck_assert(score == -1 && wide == -1);
	view(c, &v);
	ck_assert(v.score < 1.01);
	/* a trap: suspect at once, even when hidden */
	clients_unknown(cs, c, &cfg, 0, 1, 1, &score, &wide);
	ck_assert_msg(score >= cfg.suspect_score - 0.01, "score %g", score);
	view(c, &v);
	ck_assert(v.score >= cfg.suspect_score - 0.01);
	clients_close(c);
}
END_TEST

START_TEST(test_trusted)
{
	struct client *c;
	char *argv[] = { "milter-tarpit", "--trusted-networks",
	    "203.0.113.0/24", NULL };

	ck_assert_int_eq(config_parse(&cfg, 3, argv, stdout, stderr),
	    CONFIG_OK);
	c = clients_connect(cs, &cfg, "203.0.113.5");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(clients_net(c), "");
	clients_delivered(cs, c);	/* no network: nothing to earn */
	clients_close(c);
}
END_TEST

START_TEST(test_attack)
{
	struct client *c[4];
	struct client_view v;
	double s = 0, w = 0;
	char addr[32];
	int i;

	cfg.attack_score = 3;
	for (i = 0; i < 4; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", 20 + i);
		c[i] = clients_connect(cs, &cfg, addr);
	}
	clients_delivered(cs, c[3]);
	/* a known-good client's unknowns do not count */
	for (i = 0; i < 5; i++)
		clients_unknown(cs, c[3], &cfg, 1, 0, 0, &s, &w);
	view(c[0], &v);
	ck_assert_int_eq(v.attack, 0);
	ck_assert_int_eq(clients_in_attack(cs), 0);
	/* three networks, one unknown each */
	for (i = 0; i < 3; i++)
		clients_unknown(cs, c[i], &cfg, 0, 0, 0, &s, &w);
	view(c[0], &v);
	ck_assert_int_eq(v.attack, 1);
	ck_assert_int_eq(clients_in_attack(cs), 1);
	for (i = 0; i < 4; i++)
		clients_close(c[i]);
}
END_TEST

START_TEST(test_full_starts_attack)
{
	struct client *c = clients_connect(cs, &cfg, "198.51.100.40");
	struct client_view v;

	clients_view(cs, c, &cfg, 0, (unsigned)cfg.max_sleepers - 1, &v);
	ck_assert_int_eq(v.attack, 0);
	clients_view(cs, c, &cfg, 0, (unsigned)cfg.max_sleepers, &v);
	ck_assert_int_eq(v.attack, 1);
	clients_close(c);
}
END_TEST

START_TEST(test_pass)
{
	struct client *c = clients_connect(cs, &cfg, "198.51.100.50");
	struct client_view v;

	cfg.greylist_time = 0.3;
	cfg.attack_budget = 600;	/* 10 a second */
	clients_view(cs, c, &cfg, 0, (unsigned)cfg.max_sleepers, &v);
	ck_assert_int_eq(v.attack, 1);
	/* never greylisted: no pass */
	ck_assert_int_eq(clients_pass(cs, c, &cfg, "<a@x>", "<r@example.com>"),
	    0);
	clients_greylisted(cs, c, "<a@x>", "<r@example.com>");
	ck_assert_int_eq(clients_pass(cs, c, &cfg, "<a@x>", "<r@example.com>"),
	    0);			/* too soon */
	usleep(400000);
	ck_assert_int_eq(clients_pass(cs, c, &cfg, "<a@x>", "<r@example.com>"),
	    1);
	/* another sender, or another recipient, is another retry */
	ck_assert_int_eq(clients_pass(cs, c, &cfg, "<b@x>", "<r@example.com>"),
	    0);
	ck_assert_int_eq(clients_pass(cs, c, &cfg, "<a@x>", "<s@example.com>"),
	    0);
	/* budget 0: nothing passes */
	cfg.attack_budget = 0;
	ck_assert_int_eq(clients_pass(cs, c, &cfg, "<a@x>", "<r@example.com>"),
	    0);
	clients_close(c);
}
END_TEST

static Suite *
clients_suite(void)
{
	Suite *s = suite_create("clients");
	TCase *tc = tcase_create("clients");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_trusted);
	tcase_add_test(tc, test_attack);
	tcase_add_test(tc, test_full_starts_attack);
	tcase_add_test(tc, test_pass);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(clients_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
