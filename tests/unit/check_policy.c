/*
 * NAME
 *	check_policy 1
 * SUMMARY
 *	unit tests for src/policy.c: the decision table
 * DESCRIPTION
 *	Every recipient class crossed with anonymous/authenticated sessions
 *	and a tarpit delay of 0 and of more than 0, against the table in
 *	SPEC.md: action, SMTP code, enhanced code, delay and log reason.
 *	Then the defence rules, table-driven with their boundaries. They
 *	all count the probes a client is known for, max(unknowns,
 *	floor(score + 0.5)): the score is rounded, and it already counts
 *	this session's unknowns, so the two are never added. Tested: the
 *	escalating delay (factor, ceiling, rounding of a fractional score),
 *	the allowance, suspect clients (every answer delayed alike), the
 *	harvest 421 (never for a recipient Postfix rejected itself),
 *	exempt sessions, and policy_before_lookup() with the tarpit caps
 *	(the cap on all sleepers for every client not known-good). The wide
 *	network's weighted score, the answer when the tarpit is full, known-
 *	good clients, attack mode's one answer, and the harvest 421 for a
 *	sleeper whose network reached it meanwhile.
 */
#include "autoconfig.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

struct row {
	enum rcpt_class	cls;
	int		authenticated;
	double		cfg_delay;
	enum policy_action action;
	const char	*rcode;
	const char	*xcode;		/* NULL: none */
	double		delay;
	const char	*reason;
};

static const char *const class_names[] = {
	"exists", "unknown", "lookup-failed", "nonlocal", "postmaster",
	"bad-syntax"
};

/* check_row - run policy_decide for one row and compare every field */
static void
check_row(const struct row *r)
{
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	char what[96];

	snprintf(what, sizeof(what), "%s %s delay=%g",
	    class_names[r->cls], r->authenticated ? "auth" : "anon",
	    r->cfg_delay);
	memset(&cfg, 0, sizeof(cfg));	/* defence off: the plain table */
	memset(&in, 0, sizeof(in));
	cfg.delay = r->cfg_delay;
	in.cls = r->cls;
	in.authenticated = r->authenticated;
	memset(&d, 0x5a, sizeof(d));	/* no field may be left unset */
	policy_decide(&cfg, &in, &d);

	ck_assert_msg(d.action == r->action, "%s: action %d want %d", what,
	    (int)d.action, (int)r->action);
	ck_assert_msg(d.rcode && strcmp(d.rcode, r->rcode) == 0,
	    "%s: rcode %s want %s", what, d.rcode ? d.rcode : "(null)",
	    r->rcode);
	if (r->xcode == NULL)
		ck_assert_msg(d.xcode == NULL, "%s: xcode %s want none", what,
		    d.xcode);
	else
		ck_assert_msg(d.xcode && strcmp(d.xcode, r->xcode) == 0,
		    "%s: xcode %s want %s", what, d.xcode ? d.xcode : "(null)",
		    r->xcode);
	ck_assert_msg(d.delay == r->delay, "%s: delay %g want %g", what,
	    d.delay, r->delay);
	ck_assert_msg(d.reason && strcmp(d.reason, r->reason) == 0,
	    "%s: reason %s want %s", what, d.reason ? d.reason : "(null)",
	    r->reason);
}

/* check_rows - check_row for each of n rows */
static void
check_rows(const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_row(&rows[i]);
}

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ directory */

START_TEST(test_exists)
{
	static const struct row rows[] = {
		{ RCPT_EXISTS, 0, 0, ACTION_ACCEPT, "250", NULL, 0, "exists" },
		{ RCPT_EXISTS, 0, 20, ACTION_ACCEPT, "250", NULL, 0, "exists" },
		{ RCPT_EXISTS, 1, 0, ACTION_ACCEPT, "250", NULL, 0, "exists" },
		{ RCPT_EXISTS, 1, 20, ACTION_ACCEPT, "250", NULL, 0, "exists" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

START_TEST(test_unknown)
{
	static const struct row rows[] = {
		{ RCPT_UNKNOWN, 0, 20, ACTION_REJECT, "550", "5.1.1", 20,
		  "unknown" },
		{ RCPT_UNKNOWN, 0, 0.25, ACTION_REJECT, "550", "5.1.1", 0.25,
		  "unknown" },
		{ RCPT_UNKNOWN, 0, 3600, ACTION_REJECT, "550", "5.1.1", 3600,
		  "unknown" },
		{ RCPT_UNKNOWN, 0, 0, ACTION_REJECT, "550", "5.1.1", 0,
		  "unknown" },
		{ RCPT_UNKNOWN, 1, 20, ACTION_REJECT, "550", "5.1.1", 0,
		  "unknown" },
		{ RCPT_UNKNOWN, 1, 0, ACTION_REJECT, "550", "5.1.1", 0,
		  "unknown" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

START_TEST(test_lookup_failed)
{
	static const struct row rows[] = {
		{ RCPT_LOOKUP_FAILED, 0, 0, ACTION_TEMPFAIL, "451", "4.3.0", 0,
		  "directory-error" },
		{ RCPT_LOOKUP_FAILED, 0, 20, ACTION_TEMPFAIL, "451", "4.3.0", 0,
		  "directory-error" },
		{ RCPT_LOOKUP_FAILED, 1, 0, ACTION_TEMPFAIL, "451", "4.3.0", 0,
		  "directory-error" },
		{ RCPT_LOOKUP_FAILED, 1, 20, ACTION_TEMPFAIL, "451", "4.3.0", 0,
		  "directory-error" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

/* ------------------------------------------------------------ unchecked */

START_TEST(test_nonlocal)
{
	static const struct row rows[] = {
		{ RCPT_NONLOCAL, 0, 0, ACTION_ACCEPT, "250", NULL, 0,
		  "non-local" },
		{ RCPT_NONLOCAL, 0, 20, ACTION_ACCEPT, "250", NULL, 0,
		  "non-local" },
		{ RCPT_NONLOCAL, 1, 0, ACTION_ACCEPT, "250", NULL, 0,
		  "non-local" },
		{ RCPT_NONLOCAL, 1, 20, ACTION_ACCEPT, "250", NULL, 0,
		  "non-local" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

START_TEST(test_postmaster)
{
	static const struct row rows[] = {
		{ RCPT_POSTMASTER, 0, 0, ACTION_ACCEPT, "250", NULL, 0,
		  "postmaster" },
		{ RCPT_POSTMASTER, 0, 20, ACTION_ACCEPT, "250", NULL, 0,
		  "postmaster" },
		{ RCPT_POSTMASTER, 1, 0, ACTION_ACCEPT, "250", NULL, 0,
		  "postmaster" },
		{ RCPT_POSTMASTER, 1, 20, ACTION_ACCEPT, "250", NULL, 0,
		  "postmaster" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

START_TEST(test_bad_syntax)
{
	static const struct row rows[] = {
		{ RCPT_BAD_SYNTAX, 0, 0, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
		{ RCPT_BAD_SYNTAX, 0, 20, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
		{ RCPT_BAD_SYNTAX, 1, 0, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
		{ RCPT_BAD_SYNTAX, 1, 20, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
	};

	check_rows(rows, NROWS(rows));
}
END_TEST

/* ---------------------------------------------------------- invariants */

START_TEST(test_only_unknown_anon_sleeps)
{
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	int cls, auth;

	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = 7.5;
	memset(&in, 0, sizeof(in));
	for (cls = RCPT_EXISTS; cls <= RCPT_BAD_SYNTAX; cls++)
		for (auth = 0; auth <= 1; auth++) {
			in.cls = (enum rcpt_class)cls;
			in.authenticated = auth;
			policy_decide(&cfg, &in, &d);
			if (cls == RCPT_UNKNOWN && !auth)
				ck_assert(d.delay == 7.5);
			else
				ck_assert_msg(d.delay == 0, "%s auth=%d sleeps"
				    " %g", class_names[cls], auth, d.delay);
			/* 5xx only for a definite answer or bad syntax */
			if (d.rcode[0] == '5')
				ck_assert(cls == RCPT_UNKNOWN ||
				    cls == RCPT_BAD_SYNTAX);
			/* xcode class agrees with rcode class */
			if (d.xcode)
				ck_assert_int_eq(d.xcode[0], d.rcode[0]);
		}
}
END_TEST

START_TEST(test_authenticated_truthy)
{
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;

	memset(&cfg, 0, sizeof(cfg));
	memset(&in, 0, sizeof(in));
	cfg.delay = 20;
	in.cls = RCPT_UNKNOWN;
	in.authenticated = 42;
	policy_decide(&cfg, &in, &d);
	ck_assert_int_eq(d.action, ACTION_REJECT);
	ck_assert(d.delay == 0);
}
END_TEST

START_TEST(test_action_names)
{
	ck_assert_str_eq(policy_action_name(ACTION_ACCEPT), "accept");
	ck_assert_str_eq(policy_action_name(ACTION_REJECT), "reject");
	ck_assert_str_eq(policy_action_name(ACTION_TEMPFAIL), "tempfail");
	ck_assert_str_eq(policy_action_name((enum policy_action)99), "?");
}
END_TEST

/* ------------------------------------------------------------- defence */

/*
 * One defence row: the knobs it sets (everything else zero), the input,
 * and the whole expected decision.
 */
struct drow {
	const char	*what;
	/* configuration */
	double		delay, factor, delay_max;
	unsigned	allowance;
	double		suspect_score, harvest_score;
	/* input */
	enum rcpt_class	cls;
	int		authenticated, trusted;
	unsigned	unknowns;
	double		score;
	/* expected */
	enum policy_action action;
	const char	*rcode;
	const char	*xcode;		/* NULL: none */
	double		want_delay;
	const char	*reason;
};

/* near - equal within a relative 1e-9 */
static int
near(double got, double want)
{
	return fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
}

/* check_decision - compare every field of d with the expectation */
static void
check_decision(const char *what, const struct decision *d,
    enum policy_action action, const char *rcode, const char *xcode,
    double delay, const char *reason)
{
	ck_assert_msg(d->action == action, "%s: action %s want %s", what,
	    policy_action_name(d->action), policy_action_name(action));
	ck_assert_msg(d->rcode && strcmp(d->rcode, rcode) == 0,
	    "%s: rcode %s want %s", what, d->rcode ? d->rcode : "(null)",
	    rcode);
	if (xcode == NULL)
		ck_assert_msg(d->xcode == NULL, "%s: xcode %s want none", what,
		    d->xcode);
	else
		ck_assert_msg(d->xcode && strcmp(d->xcode, xcode) == 0,
		    "%s: xcode %s want %s", what,
		    d->xcode ? d->xcode : "(null)", xcode);
	ck_assert_msg(near(d->delay, delay), "%s: delay %.17g want %.17g",
	    what, d->delay, delay);
	ck_assert_msg(d->reason && strcmp(d->reason, reason) == 0,
	    "%s: reason %s want %s", what, d->reason ? d->reason : "(null)",
	    reason);
}

/* drow_setup - zeroed config and input with the row's knobs */
static void
drow_setup(const struct drow *r, struct policy_config *cfg,
    struct policy_input *in)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(in, 0, sizeof(*in));
	cfg->delay = r->delay;
	cfg->factor = r->factor;
	cfg->delay_max = r->delay_max;
	cfg->allowance = r->allowance;
	cfg->suspect_score = r->suspect_score;
	cfg->harvest_score = r->harvest_score;
	in->cls = r->cls;
	in->authenticated = r->authenticated;
	in->trusted = r->trusted;
	in->unknowns = r->unknowns;
	in->score = r->score;
}

/*
 * check_drows_as - policy_decide for each row, every field compared,
 * with in->mta_rejected set to mta_rejected
 */
static void
check_drows_as(const struct drow *rows, size_t n, int mta_rejected)
{
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct drow *r = &rows[i];

		drow_setup(r, &cfg, &in);
		in.mta_rejected = mta_rejected;
		memset(&d, 0x5a, sizeof(d));	/* nothing left unset */
		policy_decide(&cfg, &in, &d);
		check_decision(r->what, &d, r->action, r->rcode, r->xcode,
		    r->want_delay, r->reason);
	}
}

/* check_drows - check_drows_as for recipients Postfix has not rejected */
static void
check_drows(const struct drow *rows, size_t n)
{
	check_drows_as(rows, n, 0);
}

#define UNK	RCPT_UNKNOWN
#define REJ550	ACTION_REJECT, "550", "5.1.1"
#define ACC250	ACTION_ACCEPT, "250", NULL
#define H421	ACTION_DISCONNECT, "421", "4.7.0"

/*
 * The n-th unknown waits min(delay * factor^(n-1), delay_max), where
 * n-1 = probes = max(unknowns, floor(score + 0.5)): the score is rounded
 * (it decays a little between probes), and it already counts this
 * session's unknowns, so the two are not added. A factor of 1 or less
 * is a fixed delay, delay_max 0 no ceiling, delay 0 no delay.
 */
START_TEST(test_escalation)
{
	static const struct drow rows[] = {
		/* what              delay fac max allow susp harv  cls
		   auth trust unk score  expected */
		{ "f2 first", 10, 2, 0, 0, 0, 0, UNK, 0, 0, 0, 0,
		  REJ550, 10, "unknown" },
		{ "f2 second", 10, 2, 0, 0, 0, 0, UNK, 0, 0, 1, 0,
		  REJ550, 20, "unknown" },
		{ "f2 fourth", 10, 2, 0, 0, 0, 0, UNK, 0, 0, 3, 0,
		  REJ550, 80, "unknown" },
		{ "f2 no ceiling n=21", 10, 2, 0, 0, 0, 0, UNK, 0, 0, 20, 0,
		  REJ550, 10485760, "unknown" },
		{ "f2 score 1 counts", 10, 2, 0, 0, 0, 0, UNK, 0, 0, 0, 1,
		  REJ550, 20, "unknown" },
		/* the score is rounded half up, not floored */
		{ "f2 score 0.49 rounds to 0", 10, 2, 0, 0, 0, 0, UNK, 0, 0,
		  0, 0.49, REJ550, 10, "unknown" },
		{ "f2 score 0.5 rounds to 1", 10, 2, 0, 0, 0, 0, UNK, 0, 0,
		  0, 0.5, REJ550, 20, "unknown" },
		{ "f2 score 0.99 rounds to 1", 10, 2, 0, 0, 0, 0, UNK, 0, 0,
		  0, 0.99, REJ550, 20, "unknown" },
		{ "f2 score 2.49 rounds to 2", 10, 2, 0, 0, 0, 0, UNK, 0, 0,
		  0, 2.49, REJ550, 40, "unknown" },
		{ "f2 score 2.5 rounds to 3", 10, 2, 0, 0, 0, 0, UNK, 0, 0,
		  0, 2.5, REJ550, 80, "unknown" },
		{ "f2 score 2.999 rounds to 3", 10, 2, 0, 0, 0, 0, UNK, 0, 0,
		  0, 2.999, REJ550, 80, "unknown" },
		{ "f2 score 3 exactly", 10, 2, 0, 0, 0, 0, UNK, 0, 0, 0, 3,
		  REJ550, 80, "unknown" },
		/* the larger of unknowns and rounded score, never their sum */
		{ "f2 unknowns 1, score 1.5: max(1, 2)", 10, 2, 0, 0, 0, 0,
		  UNK, 0, 0, 1, 1.5, REJ550, 40, "unknown" },
		{ "f2 unknowns 2, score 1: max(2, 1)", 10, 2, 0, 0, 0, 0,
		  UNK, 0, 0, 2, 1, REJ550, 40, "unknown" },
		{ "f2 unknowns 3, score 3: max(3, 3)", 10, 2, 0, 0, 0, 0,
		  UNK, 0, 0, 3, 3, REJ550, 80, "unknown" },
		{ "f2 unknowns 3, score 2.6: max(3, 3)", 10, 2, 0, 0, 0, 0,
		  UNK, 0, 0, 3, 2.6, REJ550, 80, "unknown" },
		{ "f2 unknowns 4, score 1.2: max(4, 1)", 10, 2, 0, 0, 0, 0,
		  UNK, 0, 0, 4, 1.2, REJ550, 160, "unknown" },
		{ "f2 unknowns 1, score 5.5: max(1, 6)", 10, 2, 0, 0, 0, 0,
		  UNK, 0, 0, 1, 5.5, REJ550, 640, "unknown" },
		{ "f1.5 third", 4, 1.5, 0, 0, 0, 0, UNK, 0, 0, 2, 0,
		  REJ550, 9, "unknown" },
		{ "f1 fixed", 10, 1, 0, 0, 0, 0, UNK, 0, 0, 5, 3.7,
		  REJ550, 10, "unknown" },
		{ "f0.5 is fixed too", 10, 0.5, 0, 0, 0, 0, UNK, 0, 0, 5,
		  3.7, REJ550, 10, "unknown" },
		{ "f0 is fixed too", 10, 0, 0, 0, 0, 0, UNK, 0, 0, 5, 3.7,
		  REJ550, 10, "unknown" },
		{ "f1 fixed, max above", 10, 1, 60, 0, 0, 0, UNK, 0, 0, 9, 0,
		  REJ550, 10, "unknown" },
		{ "max below delay", 10, 1, 5, 0, 0, 0, UNK, 0, 0, 0, 0,
		  REJ550, 5, "unknown" },
		{ "delay 0 is off", 0, 2, 60, 0, 0, 0, UNK, 0, 0, 4, 7,
		  REJ550, 0, "unknown" },
		{ "fractional base", 0.25, 2, 0, 0, 0, 0, UNK, 0, 0, 2, 0,
		  REJ550, 1, "unknown" },
	};

	check_drows(rows, NROWS(rows));
}
END_TEST

/* factor 2 up to and past the ceiling, by unknowns and by score */
START_TEST(test_escalation_ceiling_factor2)
{
	static const struct drow rows[] = {
		{ "below ceiling", 10, 2, 60, 0, 0, 0, UNK, 0, 0, 2, 0,
		  REJ550, 40, "unknown" },
		{ "exactly at ceiling", 10, 2, 40, 0, 0, 0, UNK, 0, 0, 2, 0,
		  REJ550, 40, "unknown" },
		{ "just over ceiling", 10, 2, 79, 0, 0, 0, UNK, 0, 0, 3, 0,
		  REJ550, 79, "unknown" },
		{ "hits ceiling", 10, 2, 60, 0, 0, 0, UNK, 0, 0, 3, 0,
		  REJ550, 60, "unknown" },
		{ "stays at ceiling", 10, 2, 60, 0, 0, 0, UNK, 0, 0, 50, 0,
		  REJ550, 60, "unknown" },
		{ "score alone hits it", 10, 2, 60, 0, 0, 0, UNK, 0, 0, 0, 3.5,
		  REJ550, 60, "unknown" },
		{ "score 2.49 rounds below it", 10, 2, 60, 0, 0, 0, UNK, 0, 0,
		  0, 2.49, REJ550, 40, "unknown" },
		{ "score 2.5 rounds to hit it", 10, 2, 60, 0, 0, 0, UNK, 0, 0,
		  0, 2.5, REJ550, 60, "unknown" },
		{ "unknowns 2, score 2: not summed", 10, 2, 60, 0, 0, 0, UNK,
		  0, 0, 2, 2, REJ550, 40, "unknown" },
		{ "huge exponent", 10, 2, 3600, 0, 0, 0, UNK, 0, 0, 5000, 0,
		  REJ550, 3600, "unknown" },
	};
	/*
	 * How a client that has made n probes is known: by its unknowns in
	 * this session, by its score, or by both (the score counts them
	 * already), the score maybe a little decayed or grown since.
	 */
	static const struct {
		const char	*how;
		int		by_unknowns, by_score;
		double		score_off;	/* added to n in the score */
	} ways[] = {
		{ "unknowns", 1, 0, 0 },
		{ "score", 0, 1, 0 },
		{ "score decayed by 0.4", 0, 1, -0.4 },
		{ "score 0.4 over", 0, 1, 0.4 },
		{ "both, not summed", 1, 1, 0 },
		{ "both, score decayed by 0.4", 1, 1, -0.4 },
	};
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	double prev;
	unsigned n;
	size_t w;

	check_drows(rows, NROWS(rows));

	/* the sequence 10 20 40 60 60 ...: monotonic, capped */
	memset(&cfg, 0, sizeof(cfg));
	memset(&in, 0, sizeof(in));
	cfg.delay = 10;
	cfg.factor = 2;
	cfg.delay_max = 60;
	in.cls = RCPT_UNKNOWN;
	for (w = 0; w < NROWS(ways); w++) {
		prev = 0;
		for (n = 0; n < 40; n++) {
			double want = n < 3 ? 10 * (double)(1u << n) : 60;

			in.unknowns = ways[w].by_unknowns ? n : 0;
			in.score = ways[w].by_score && n > 0 ?
			    n + ways[w].score_off : 0;
			policy_decide(&cfg, &in, &d);
			ck_assert_msg(near(d.delay, want), "%s: n-1=%u "
			    "(unknowns %u score %g) delay %g want %g",
			    ways[w].how, n, in.unknowns, in.score, d.delay,
			    want);
			ck_assert(d.delay >= prev);
			prev = d.delay;
		}
	}
}
END_TEST

/* the first `allowance` unknowns of a clean session cost nothing */
START_TEST(test_allowance)
{
	static const struct drow rows[] = {
		{ "allow 2: 1st free", 10, 2, 0, 2, 0, 0, UNK, 0, 0, 0, 0,
		  REJ550, 0, "unknown" },
		{ "allow 2: 2nd free", 10, 2, 0, 2, 0, 0, UNK, 0, 0, 1, 0,
		  REJ550, 0, "unknown" },
		{ "allow 2: 3rd pays n-1=2", 10, 2, 0, 2, 0, 0, UNK, 0, 0, 2,
		  0, REJ550, 40, "unknown" },
		{ "allow 2: 4th", 10, 2, 0, 2, 0, 0, UNK, 0, 0, 3, 0,
		  REJ550, 80, "unknown" },
		{ "allow 1: 1st free", 10, 1, 0, 1, 0, 0, UNK, 0, 0, 0, 0,
		  REJ550, 0, "unknown" },
		{ "allow 1: 2nd", 10, 1, 0, 1, 0, 0, UNK, 0, 0, 1, 0,
		  REJ550, 10, "unknown" },
		{ "allow 0: 1st pays", 10, 1, 0, 0, 0, 0, UNK, 0, 0, 0, 0,
		  REJ550, 10, "unknown" },
		{ "allow, score but suspect off", 10, 2, 0, 2, 0, 0, UNK, 0, 0,
		  0, 50, REJ550, 0, "unknown" },
		{ "allow, score 2 below suspect", 10, 2, 0, 2, 3, 0, UNK, 0, 0,
		  0, 2, REJ550, 0, "unknown" },
		{ "allow, score 2.49 rounds below suspect", 10, 2, 0, 2, 3, 0,
		  UNK, 0, 0, 1, 2.49, REJ550, 0, "unknown" },
		{ "allow, score 2.5 rounds to suspect", 10, 2, 0, 2, 3, 0, UNK,
		  0, 0, 0, 2.5, REJ550, 80, "unknown" },
		{ "allow, score at suspect", 10, 2, 0, 2, 3, 0, UNK, 0, 0,
		  0, 3, REJ550, 80, "unknown" },
		{ "allow, unknowns 1, score 4.5: max(1, 5)", 10, 2, 0, 2, 3, 0,
		  UNK, 0, 0, 1, 4.5, REJ550, 320, "unknown" },
		/* allowance counts the session's unknowns, not the score */
		{ "allow 2, unknowns 2, score 1: pays", 10, 2, 0, 2, 0, 0, UNK,
		  0, 0, 2, 1, REJ550, 40, "unknown" },
		{ "allow 2, unknowns 1, score 2: free", 10, 2, 0, 2, 0, 0, UNK,
		  0, 0, 1, 2, REJ550, 0, "unknown" },
		{ "allow 5, unknowns below suspect", 10, 2, 0, 5, 3, 0, UNK,
		  0, 0, 2, 0, REJ550, 0, "unknown" },
		{ "allow 5, unknowns at suspect", 10, 2, 0, 5, 3, 0, UNK,
		  0, 0, 3, 0, REJ550, 80, "unknown" },
		{ "allow, suspect, delay 0", 0, 2, 0, 2, 3, 0, UNK, 0, 0,
		  0, 3, REJ550, 0, "unknown" },
	};

	check_drows(rows, NROWS(rows));
}
END_TEST

/*
 * A suspect client waits on every answer as long as on its next unknown;
 * a clean one gets valid answers at once.
 */
START_TEST(test_suspect)
{
	static const struct drow rows[] = {
		/* suspect by score */
		{ "exists, score at suspect", 10, 2, 0, 0, 3, 0, RCPT_EXISTS,
		  0, 0, 0, 3, ACC250, 80, "exists" },
		{ "nonlocal, score 3.5 rounds to 4", 10, 2, 0, 0, 3, 0,
		  RCPT_NONLOCAL, 0, 0, 0, 3.5, ACTION_ACCEPT, "250", NULL, 160,
		  "non-local" },
		{ "exists, score 2.5 rounds to suspect", 10, 2, 0, 0, 3, 0,
		  RCPT_EXISTS, 0, 0, 0, 2.5, ACC250, 80, "exists" },
		{ "postmaster, score 3", 10, 2, 0, 0, 3, 0, RCPT_POSTMASTER,
		  0, 0, 0, 3, ACTION_ACCEPT, "250", NULL, 80, "postmaster" },
		{ "tempfail, unknowns 1, score 4: max(1, 4)", 10, 2, 0, 0, 3,
		  0, RCPT_LOOKUP_FAILED, 0, 0, 1, 4, ACTION_TEMPFAIL, "451",
		  "4.3.0", 160, "directory-error" },
		{ "bad syntax, score 3", 10, 2, 0, 0, 3, 0, RCPT_BAD_SYNTAX,
		  0, 0, 0, 3, ACTION_REJECT, "501", "5.1.3", 80,
		  "bad-address" },
		{ "exists, suspect, ceiling", 10, 2, 60, 0, 3, 0, RCPT_EXISTS,
		  0, 0, 2, 3, ACC250, 60, "exists" },
		{ "exists, suspect, below ceiling, not summed", 10, 2, 100, 0,
		  3, 0, RCPT_EXISTS, 0, 0, 2, 3, ACC250, 80, "exists" },
		{ "exists, suspect, fixed", 10, 1, 0, 0, 3, 0, RCPT_EXISTS,
		  0, 0, 0, 7, ACC250, 10, "exists" },
		/* suspect by unknowns in this session */
		{ "exists, unknowns at suspect", 10, 2, 0, 0, 3, 0,
		  RCPT_EXISTS, 0, 0, 3, 0, ACC250, 80, "exists" },
		{ "postmaster, unknowns 4, score 0.5: max(4, 1)", 10, 2, 0, 0,
		  3, 0, RCPT_POSTMASTER, 0, 0, 4, 0.5, ACTION_ACCEPT, "250",
		  NULL, 160, "postmaster" },
		/* clean: valid answers at once */
		{ "exists, score 2.49 rounds below", 10, 2, 0, 0, 3, 0,
		  RCPT_EXISTS, 0, 0, 0, 2.49, ACC250, 0, "exists" },
		{ "exists, unknowns just below", 10, 2, 0, 0, 3, 0,
		  RCPT_EXISTS, 0, 0, 2, 0, ACC250, 0, "exists" },
		/* unknowns 2 and score 2: max 2, not the sum 4 */
		{ "tempfail, clean, not summed", 10, 2, 0, 0, 3, 0,
		  RCPT_LOOKUP_FAILED, 0, 0, 2, 2.4, ACTION_TEMPFAIL, "451",
		  "4.3.0", 0, "directory-error" },
		{ "bad syntax, clean", 10, 2, 0, 0, 3, 0, RCPT_BAD_SYNTAX,
		  0, 0, 0, 0, ACTION_REJECT, "501", "5.1.3", 0,
		  "bad-address" },
		{ "suspect off, score 100", 10, 2, 0, 0, 0, 0, RCPT_EXISTS,
		  0, 0, 100, 100, ACC250, 0, "exists" },
		{ "suspect, delay 0", 0, 2, 0, 0, 3, 0, RCPT_EXISTS,
		  0, 0, 5, 5, ACC250, 0, "exists" },
		/*
		 * fractional suspect_score: the whole number of probes is
		 * compared with it as it is, neither floored nor rounded
		 */
		{ "suspect 2.5, score 2.5 rounds to 3", 10, 2, 0, 0, 2.5, 0,
		  RCPT_EXISTS, 0, 0, 0, 2.5, ACC250, 80, "exists" },
		{ "suspect 2.5, score 2.49 rounds to 2", 10, 2, 0, 0, 2.5, 0,
		  RCPT_EXISTS, 0, 0, 0, 2.49, ACC250, 0, "exists" },
		{ "suspect 2.5, unknowns 2", 10, 2, 0, 0, 2.5, 0, RCPT_EXISTS,
		  0, 0, 2, 0, ACC250, 0, "exists" },
		{ "suspect 2.5, unknowns 3", 10, 2, 0, 0, 2.5, 0, RCPT_EXISTS,
		  0, 0, 3, 0, ACC250, 80, "exists" },
	};

	check_drows(rows, NROWS(rows));
}
END_TEST

/* every class, every state: a suspect answer takes as long as an unknown */
START_TEST(test_suspect_same_delay)
{
	static const double scores[] = {
		0, 0.49, 0.5, 2.49, 2.5, 2.999, 3, 3.2, 3.49, 4, 7.9
	};
	/* each score rounded half up, by hand */
	static const unsigned rounded[] = {
		0, 0, 1, 2, 3, 3, 3, 3, 3, 4, 8
	};
	struct policy_config cfg;
	struct policy_input in;
	struct decision d, u;
	unsigned unknowns;
	size_t i;
	int cls, susp, tested = 0, clean = 0;

	ck_assert_int_eq(NROWS(scores), NROWS(rounded));
	memset(&cfg, 0, sizeof(cfg));
	memset(&in, 0, sizeof(in));
	cfg.delay = 3;
	cfg.factor = 1.5;
	cfg.delay_max = 100;
	cfg.allowance = 2;
	cfg.suspect_score = 3;
	for (unknowns = 0; unknowns < 6; unknowns++)
		for (i = 0; i < NROWS(scores); i++) {
			in.unknowns = unknowns;
			in.score = scores[i];
			/* probes = max(unknowns, rounded score) >= 3 */
			susp = rounded[i] >= 3 || unknowns >= 3;
			in.cls = RCPT_UNKNOWN;
			policy_decide(&cfg, &in, &u);
			for (cls = RCPT_EXISTS; cls <= RCPT_BAD_SYNTAX; cls++) {
				if (cls == RCPT_UNKNOWN)
					continue;
				in.cls = (enum rcpt_class)cls;
				policy_decide(&cfg, &in, &d);
				if (susp) {
					ck_assert_msg(u.delay > 0, "unknown"
					    " %u score %g: no delay", unknowns,
					    in.score);
					ck_assert_msg(near(d.delay, u.delay),
					    "%s unknowns %u score %g: %g, "
					    "unknown %g", class_names[cls],
					    unknowns, in.score, d.delay,
					    u.delay);
					tested++;
				} else {
					ck_assert_msg(d.delay == 0,
					    "%s clean, unknowns %u score %g: "
					    "delay %g", class_names[cls],
					    unknowns, in.score, d.delay);
					clean++;
				}
			}
		}
	ck_assert_int_gt(tested, 0);
	ck_assert_int_gt(clean, 0);
}
END_TEST

/* an unknown that would bring the probes to harvest_score gets 421 */
START_TEST(test_harvest)
{
	static const struct drow rows[] = {
		{ "score+1 below", 10, 2, 0, 0, 0, 5, UNK, 0, 0, 0, 3,
		  REJ550, 80, "unknown" },
		{ "score 3.49 rounds to 3: +1 below", 10, 2, 0, 0, 0, 5, UNK,
		  0, 0, 0, 3.49, REJ550, 80, "unknown" },
		{ "score 3.5 rounds to 4: +1 at", 10, 2, 0, 0, 0, 5, UNK, 0, 0,
		  0, 3.5, H421, 0, "harvest" },
		{ "score 3.9 rounds to 4: +1 at", 10, 2, 0, 0, 0, 5, UNK, 0, 0,
		  0, 3.9, H421, 0, "harvest" },
		{ "score+1 exactly at", 10, 2, 0, 0, 0, 5, UNK, 0, 0, 0, 4,
		  H421, 0, "harvest" },
		{ "score+1 over", 10, 2, 0, 0, 0, 5, UNK, 0, 0, 0, 4.5,
		  H421, 0, "harvest" },
		{ "score far over", 10, 2, 0, 0, 0, 5, UNK, 0, 0, 7, 40,
		  H421, 0, "harvest" },
		{ "inside allowance", 10, 2, 0, 10, 0, 5, UNK, 0, 0, 0, 4,
		  H421, 0, "harvest" },
		{ "suspect too", 10, 2, 0, 0, 3, 5, UNK, 0, 0, 0, 4,
		  H421, 0, "harvest" },
		{ "delay 0", 0, 1, 0, 0, 0, 5, UNK, 0, 0, 0, 4,
		  H421, 0, "harvest" },
		{ "harvest 1, fresh client", 10, 1, 0, 0, 0, 1, UNK, 0, 0, 0,
		  0, H421, 0, "harvest" },
		{ "harvest off", 10, 1, 0, 0, 0, 0, UNK, 0, 0, 0, 1000,
		  REJ550, 10, "unknown" },
		/* the session's unknowns count too, but not added to score */
		{ "unknowns 3: +1 below", 10, 1, 0, 0, 0, 5, UNK, 0, 0, 3,
		  0, REJ550, 10, "unknown" },
		{ "unknowns 4: +1 at", 10, 1, 0, 0, 0, 5, UNK, 0, 0, 4,
		  0, H421, 0, "harvest" },
		{ "unknowns 50", 10, 1, 0, 0, 0, 5, UNK, 0, 0, 50,
		  0, H421, 0, "harvest" },
		{ "unknowns 3, score 3: not summed", 10, 2, 0, 0, 0, 5, UNK,
		  0, 0, 3, 3, REJ550, 80, "unknown" },
		{ "unknowns 4, score 1: max(4, 1) +1 at", 10, 2, 0, 0, 0, 5,
		  UNK, 0, 0, 4, 1, H421, 0, "harvest" },
		/* only an unknown is answered 421 by policy_decide */
		{ "exists over harvest", 10, 2, 0, 0, 0, 5, RCPT_EXISTS, 0, 0,
		  0, 4.5, ACC250, 0, "exists" },
		{ "tempfail over harvest", 10, 2, 0, 0, 0, 5,
		  RCPT_LOOKUP_FAILED, 0, 0, 0, 4.5, ACTION_TEMPFAIL, "451",
		  "4.3.0", 0, "directory-error" },
		/* exempt sessions never get it */
		{ "authenticated", 10, 2, 0, 0, 0, 5, UNK, 1, 0, 0, 40,
		  REJ550, 0, "unknown" },
		{ "trusted", 10, 2, 0, 0, 0, 5, UNK, 0, 1, 0, 40,
		  REJ550, 0, "unknown" },
	};

	check_drows(rows, NROWS(rows));
}
END_TEST

/*
 * A recipient that Postfix has rejected itself never gets the harvest
 * 421 (Postfix ignores our answer for it): the normal delay instead.
 * Every anonymous unknown row here is at or over harvest_score, so it
 * would get the 421 if Postfix had not rejected it (checked below).
 */
START_TEST(test_harvest_mta_rejected)
{
	static const struct drow rows[] = {
		{ "score+1 exactly at", 10, 2, 0, 0, 0, 5, UNK, 0, 0, 0, 4,
		  REJ550, 160, "unknown" },
		{ "score 3.5 rounds to 4: +1 at", 10, 2, 0, 0, 0, 5, UNK, 0, 0,
		  0, 3.5, REJ550, 160, "unknown" },
		{ "unknowns 4: +1 at", 10, 2, 0, 0, 0, 5, UNK, 0, 0, 4, 0,
		  REJ550, 160, "unknown" },
		{ "score far over, ceiling", 10, 2, 60, 0, 0, 5, UNK, 0, 0, 7,
		  40, REJ550, 60, "unknown" },
		{ "score far over, fixed", 10, 1, 0, 0, 0, 5, UNK, 0, 0, 7,
		  40, REJ550, 10, "unknown" },
		{ "harvest 1, fresh client", 10, 1, 0, 0, 0, 1, UNK, 0, 0, 0,
		  0, REJ550, 10, "unknown" },
		{ "delay 0", 0, 1, 0, 0, 0, 5, UNK, 0, 0, 0, 4,
		  REJ550, 0, "unknown" },
		/* the allowance and suspicion apply as usual */
		{ "inside allowance", 10, 2, 0, 10, 0, 5, UNK, 0, 0, 0, 4,
		  REJ550, 0, "unknown" },
		{ "inside allowance, suspect", 10, 2, 0, 10, 3, 5, UNK, 0, 0,
		  0, 4, REJ550, 160, "unknown" },
		/* exempt sessions: still no delay */
		{ "authenticated", 10, 2, 0, 0, 0, 5, UNK, 1, 0, 0, 40,
		  REJ550, 0, "unknown" },
		{ "trusted", 10, 2, 0, 0, 0, 5, UNK, 0, 1, 0, 40,
		  REJ550, 0, "unknown" },
		/* other classes: as without mta_rejected */
		{ "exists, suspect", 10, 2, 0, 0, 3, 5, RCPT_EXISTS, 0, 0, 0,
		  4.5, ACC250, 320, "exists" },
	};
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	size_t i;
	int over = 0;

	check_drows_as(rows, NROWS(rows), 1);

	/* the same anonymous unknowns, not rejected by Postfix: 421 */
	for (i = 0; i < NROWS(rows); i++) {
		if (rows[i].cls != UNK || rows[i].authenticated ||
		    rows[i].trusted)
			continue;
		drow_setup(&rows[i], &cfg, &in);
		memset(&d, 0x5a, sizeof(d));
		policy_decide(&cfg, &in, &d);
		check_decision(rows[i].what, &d, H421, 0, "harvest");
		over++;
	}
	ck_assert_int_gt(over, 0);
}
END_TEST

/* authenticated or trusted: no delay, no harvest */
START_TEST(test_exempt)
{
	static const struct drow rows[] = {
		{ "trusted unknown", 10, 2, 0, 0, 0, 0, UNK, 0, 1, 3, 0,
		  REJ550, 0, "unknown" },
		{ "trusted unknown, suspect", 10, 2, 0, 0, 3, 0, UNK, 0, 1, 5,
		  9, REJ550, 0, "unknown" },
		{ "auth unknown, suspect", 10, 2, 0, 0, 3, 0, UNK, 1, 0, 5,
		  9, REJ550, 0, "unknown" },
		{ "trusted exists, suspect", 10, 2, 0, 0, 3, 0, RCPT_EXISTS,
		  0, 1, 5, 9, ACC250, 0, "exists" },
		{ "auth exists, suspect", 10, 2, 0, 0, 3, 0, RCPT_EXISTS,
		  1, 0, 5, 9, ACC250, 0, "exists" },
		{ "trusted tempfail, suspect", 10, 2, 0, 0, 3, 0,
		  RCPT_LOOKUP_FAILED, 0, 1, 5, 9, ACTION_TEMPFAIL, "451",
		  "4.3.0", 0, "directory-error" },
		{ "auth bad syntax, suspect", 10, 2, 0, 0, 3, 0,
		  RCPT_BAD_SYNTAX, 1, 0, 5, 9, ACTION_REJECT, "501", "5.1.3",
		  0, "bad-address" },
		{ "trusted, truthy 7", 10, 2, 0, 0, 3, 5, UNK, 0, 7, 5,
		  9, REJ550, 0, "unknown" },
	};

	check_drows(rows, NROWS(rows));
}
END_TEST

/* sweep: no exempt session is ever delayed or disconnected */
START_TEST(test_exempt_never_delayed)
{
	static const double scores[] = { 0, 2.5, 3, 4, 5, 100 };
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	unsigned unknowns;
	size_t i;
	int cls, who, check;

	memset(&cfg, 0, sizeof(cfg));
	memset(&in, 0, sizeof(in));
	cfg.delay = 10;
	cfg.factor = 2;
	cfg.allowance = 1;
	cfg.suspect_score = 3;
	cfg.harvest_score = 5;
	cfg.cap_total = 1;
	cfg.cap_net = 1;
	in.asleep_total = 10;
	in.asleep_net = 10;
	for (check = 0; check <= 1; check++)
		for (who = 1; who <= 3; who++)
			for (unknowns = 0; unknowns < 8; unknowns++)
				for (i = 0; i < NROWS(scores); i++)
					for (cls = RCPT_EXISTS;
					    cls <= RCPT_BAD_SYNTAX; cls++) {
						cfg.exempt_check = check;
						in.authenticated = who & 1;
						in.trusted = who & 2;
						in.unknowns = unknowns;
						in.score = scores[i];
						in.cls = (enum rcpt_class)cls;
						policy_decide(&cfg, &in, &d);
						ck_assert_msg(d.delay == 0 &&
						    d.action !=
						    ACTION_DISCONNECT,
						    "%s who=%d score %g: %s "
						    "%g", class_names[cls],
						    who, in.score,
						    d.reason, d.delay);
					}
}
END_TEST

/* policy_before_lookup: exempt, harvest, caps, in that order */
struct brow {
	const char	*what;
	int		authenticated, trusted, exempt_check;
	double		score;
	unsigned	unknowns;
	double		harvest_score;
	unsigned	cap_total, cap_net;
	int		cap_tempfail;
	unsigned	asleep_total, asleep_net;
	int		ret;		/* 0: look it up, rest ignored */
	enum policy_action action;
	const char	*rcode;
	const char	*xcode;
	const char	*reason;
};

#define FULL421	ACTION_DISCONNECT, "421", "4.7.0", "tarpit-full"
#define FULL451	ACTION_TEMPFAIL, "451", "4.7.1", "tarpit-full"
#define HARV	ACTION_DISCONNECT, "421", "4.7.0", "harvest"
#define EXEMPT	ACTION_ACCEPT, "250", NULL, "exempt"
#define LOOKUP	0, ACTION_ACCEPT, NULL, NULL, NULL

START_TEST(test_before_lookup)
{
	static const struct brow rows[] = {
		/* what        auth trust chk score unk harv ctot cnet tf
		   atot anet  ret ... */
		{ "plain anonymous", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, LOOKUP },
		{ "anon, all set, below", 0, 0, 0, 4.49, 4, 5, 10, 3, 0, 9, 2,
		  LOOKUP },
		/* exempt */
		{ "auth, not checked", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  1, EXEMPT },
		{ "trusted, not checked", 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  1, EXEMPT },
		{ "both, not checked", 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  1, EXEMPT },
		{ "auth, not checked, over all", 1, 0, 0, 50, 50, 5, 1, 1, 0,
		  9, 9, 1, EXEMPT },
		{ "auth, checked", 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, LOOKUP },
		{ "trusted, checked", 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		  LOOKUP },
		{ "trusted, checked, over all", 0, 1, 1, 50, 50, 5, 1, 1, 1, 9,
		  9, LOOKUP },
		{ "anon, exempt_check set", 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		  LOOKUP },
		/* harvest */
		{ "score at harvest", 0, 0, 0, 5, 0, 5, 0, 0, 0, 0, 0,
		  1, HARV },
		{ "score over harvest", 0, 0, 0, 5.01, 0, 5, 0, 0, 0, 0, 0,
		  1, HARV },
		{ "score 4.49 rounds below", 0, 0, 0, 4.49, 0, 5, 0, 0, 0, 0,
		  0, LOOKUP },
		{ "score 4.5 rounds to harvest", 0, 0, 0, 4.5, 0, 5, 0, 0, 0,
		  0, 0, 1, HARV },
		{ "score 4.999 rounds to harvest", 0, 0, 0, 4.999, 0, 5, 0, 0,
		  0, 0, 0, 1, HARV },
		/* the session's unknowns count too, but not added to score */
		{ "unknowns at harvest", 0, 0, 0, 0, 5, 5, 0, 0, 0, 0, 0,
		  1, HARV },
		{ "unknowns just below", 0, 0, 0, 0, 4, 5, 0, 0, 0, 0, 0,
		  LOOKUP },
		{ "unknowns 4, score 4: not summed", 0, 0, 0, 4, 4, 5, 0, 0, 0,
		  0, 0, LOOKUP },
		{ "unknowns 5, score 1: max(5, 1)", 0, 0, 0, 1, 5, 5, 0, 0, 0,
		  0, 0, 1, HARV },
		{ "unknowns 2, score 4.5: max(2, 5)", 0, 0, 0, 4.5, 2, 5, 0, 0,
		  0, 0, 0, 1, HARV },
		{ "harvest off", 0, 0, 0, 1e6, 1000, 0, 0, 0, 0, 0, 0,
		  LOOKUP },
		{ "harvest before caps", 0, 0, 0, 5, 0, 5, 1, 1, 1, 5, 5,
		  1, HARV },
		/* total cap: every client not known-good, suspect or not */
		{ "total below cap", 0, 0, 0, 1, 0, 0, 10, 0, 0, 9, 0,
		  LOOKUP },
		{ "total at cap", 0, 0, 0, 1, 0, 0, 10, 0, 0, 10, 0,
		  1, FULL421 },
		{ "total over cap", 0, 0, 0, 1, 0, 0, 10, 0, 0, 11, 0,
		  1, FULL421 },
		{ "total at cap, tempfail", 0, 0, 0, 1, 0, 0, 10, 0, 1, 10, 0,
		  1, FULL451 },
		{ "total at cap, suspect by unknowns", 0, 0, 0, 0, 1, 0, 10, 0,
		  0, 10, 0, 1, FULL421 },
		{ "total at cap, not suspect", 0, 0, 0, 0, 0, 0, 10, 0, 0, 10,
		  0, 1, FULL421 },
		{ "total over cap, score 0.49 rounds to 0", 0, 0, 0, 0.49, 0, 0,
		  10, 0, 0, 11, 0, 1, FULL421 },
		{ "total cap off", 0, 0, 0, 1, 0, 0, 0, 0, 0, 100000, 100000,
		  LOOKUP },
		/* per-network cap */
		{ "net below cap", 0, 0, 0, 0, 0, 0, 0, 3, 0, 50, 2, LOOKUP },
		{ "net at cap", 0, 0, 0, 0, 0, 0, 0, 3, 0, 3, 3, 1, FULL421 },
		{ "net at cap, tempfail", 0, 0, 0, 0, 0, 0, 0, 3, 1, 3, 3,
		  1, FULL451 },
		{ "net at cap, total below", 0, 0, 0, 0, 0, 0, 100, 3, 0, 3, 3,
		  1, FULL421 },
		{ "total at cap, net below", 0, 0, 0, 1, 0, 0, 3, 100, 1, 3, 1,
		  1, FULL451 },
		{ "cap 1, one asleep", 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1,
		  1, FULL421 },
		{ "cap 1, none asleep", 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0,
		  LOOKUP },
	};
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	size_t i;
	int cls;

	for (i = 0; i < NROWS(rows); i++) {
		const struct brow *r = &rows[i];

		memset(&cfg, 0, sizeof(cfg));
		memset(&in, 0, sizeof(in));
		cfg.delay = 10;
		cfg.factor = 2;
		cfg.harvest_score = r->harvest_score;
		cfg.suspect_score = 1;
		cfg.cap_total = r->cap_total;
		cfg.cap_net = r->cap_net;
		cfg.cap_tempfail = r->cap_tempfail;
		cfg.exempt_check = r->exempt_check;
		in.authenticated = r->authenticated;
		in.trusted = r->trusted;
		in.score = r->score;
		in.unknowns = r->unknowns;
		in.asleep_total = r->asleep_total;
		in.asleep_net = r->asleep_net;
		/* in->cls is not read: the same for every class */
		for (cls = RCPT_EXISTS; cls <= RCPT_BAD_SYNTAX; cls++) {
			int ret;

			in.cls = (enum rcpt_class)cls;
			memset(&d, 0x5a, sizeof(d));
			ret = policy_before_lookup(&cfg, &in, &d);
			ck_assert_msg(ret == r->ret, "%s (%s): returned %d "
			    "want %d", r->what, class_names[cls], ret, r->ret);
			if (ret)
				check_decision(r->what, &d, r->action,
				    r->rcode, r->xcode, 0, r->reason);
		}
	}
}
END_TEST

/*
 * check_path - the daemon's path for one recipient: policy_before_lookup,
 * then policy_decide if it did not answer; the answer and its delay
 */
static void
check_path(const struct policy_config *cfg, const struct policy_input *in,
    const char *what, int before, enum policy_action action, double delay,
    const char *reason)
{
	struct decision d;
	int ret;

	memset(&d, 0x5a, sizeof(d));
	ret = policy_before_lookup(cfg, in, &d);
	ck_assert_msg(ret == before, "%s: before_lookup %d", what, ret);
	if (!ret)
		policy_decide(cfg, in, &d);
	ck_assert_msg(d.action == action && near(d.delay, delay) &&
	    strcmp(d.reason, reason) == 0, "%s: %s %g %s", what,
	    policy_action_name(d.action), d.delay, d.reason);
}

/*
 * The wide network: weight times its score counts as the client's own,
 * rounded like the score, never added to it. From suspect 5 and harvest
 * 25 with weight 0.5: a wide score of 9 makes every address of the
 * network suspect, 49 cuts it off; 8.9 and 48.9 do not.
 */
START_TEST(test_wide)
{
	static const struct {
		const char	*what;
		double		weight, score, wide;
		unsigned	unknowns;
		enum rcpt_class	cls;
		int		before;		/* policy_before_lookup */
		enum policy_action action;
		double		delay;
		const char	*reason;
	} rows[] = {
		{ "clean neighbour", 0.5, 0, 8.9, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 0, "exists" },
		{ "network suspect", 0.5, 0, 9, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 20, "exists" },
		{ "network suspect, unknown", 0.5, 0, 9, 0, RCPT_UNKNOWN, 0,
		  ACTION_REJECT, 20, "unknown" },
		{ "weight 0: off", 0, 0, 1000, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 0, "exists" },
		{ "weight 1: as the client", 1, 0, 5, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 20, "exists" },
		{ "own score counts alone", 0.5, 5, 5, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 20, "exists" },
		{ "not added: 3 + 0.5 * 6", 0.5, 3, 6, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 0, "exists" },
		{ "network below harvest", 0.5, 0, 48.9, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 20, "exists" },
		{ "network at harvest", 0.5, 0, 49, 0, RCPT_EXISTS, 1,
		  ACTION_DISCONNECT, 0, "harvest" },
		{ "network one below harvest, unknown", 0.5, 0, 47, 0,
		  RCPT_UNKNOWN, 0, ACTION_DISCONNECT, 0, "harvest" },
	};
	struct policy_config cfg;
	struct policy_input in;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		memset(&cfg, 0, sizeof(cfg));
		memset(&in, 0, sizeof(in));
		cfg.delay = 20;
		cfg.factor = 1;
		cfg.suspect_score = 5;
		cfg.harvest_score = 25;
		cfg.wide_weight = rows[i].weight;
		in.cls = rows[i].cls;
		in.score = rows[i].score;
		in.wide_score = rows[i].wide;
		in.unknowns = rows[i].unknowns;
		check_path(&cfg, &in, rows[i].what, rows[i].before,
		    rows[i].action, rows[i].delay, rows[i].reason);
	}
}
END_TEST

/*
 * A full tarpit (the delay found every place taken): a known-good
 * client under no suspicion gets its unknown's 550 without the delay;
 * every other client the cap's answer, whatever the recipient, so that
 * "at once" never means "valid" while the tarpit is full.
 */
START_TEST(test_full)
{
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;

	memset(&cfg, 0, sizeof(cfg));
	memset(&in, 0, sizeof(in));
	cfg.delay = 20;
	cfg.factor = 1;
	cfg.suspect_score = 5;
	cfg.wide_weight = 0.5;
	in.cls = RCPT_UNKNOWN;
	in.score = 3;
	in.good = 1;
	policy_decide(&cfg, &in, &d);
	ck_assert(d.full_nodelay && near(d.delay, 20));
	policy_full(&cfg, &d);
	check_decision("full, good, not suspect", &d, ACTION_REJECT, "550",
	    "5.1.1", 0, "unknown-busy");

	in.good = 0;
	policy_decide(&cfg, &in, &d);
	ck_assert(!d.full_nodelay && near(d.delay, 20));
	policy_full(&cfg, &d);
	check_decision("full, new, not suspect", &d, ACTION_DISCONNECT, "421",
	    "4.7.0", 0, "tarpit-full");

	in.good = 1;
	in.score = 5;
	policy_decide(&cfg, &in, &d);
	ck_assert(!d.full_nodelay);
	policy_full(&cfg, &d);
	check_decision("full, good but suspect", &d, ACTION_DISCONNECT, "421",
	    "4.7.0", 0, "tarpit-full");

	in.good = 0;
	in.score = 0;
	in.wide_score = 10;
	policy_decide(&cfg, &in, &d);
	ck_assert(!d.full_nodelay);
	cfg.cap_tempfail = 1;
	policy_full(&cfg, &d);
	check_decision("full, network suspect", &d, ACTION_TEMPFAIL, "451",
	    "4.7.1", 0, "tarpit-full");

	in.cls = RCPT_EXISTS;
	in.score = 6;
	policy_decide(&cfg, &in, &d);
	ck_assert(!d.full_nodelay && near(d.delay, 20));
	policy_full(&cfg, &d);
	check_decision("full, suspect, exists", &d, ACTION_TEMPFAIL, "451",
	    "4.7.1", 0, "tarpit-full");
}
END_TEST

/*
 * Known-good clients: the wide network's score is not theirs, no cap
 * refuses them; their own score still counts as anyone's.
 */
START_TEST(test_good)
{
	static const struct {
		const char	*what;
		int		good;
		double		score, wide;
		unsigned	atot, anet;
		enum rcpt_class	cls;
		int		before;
		enum policy_action action;
		double		delay;
		const char	*reason;
	} rows[] = {
		{ "new, harvesting /24", 0, 0, 49, 0, 0, RCPT_EXISTS, 1,
		  ACTION_DISCONNECT, 0, "harvest" },
		{ "good, harvesting /24", 1, 0, 49, 0, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 0, "exists" },
		{ "good, suspect /24, unknown", 1, 0, 20, 0, 0, RCPT_UNKNOWN,
		  0, ACTION_REJECT, 20, "unknown" },
		{ "new, tarpit full", 0, 0, 0, 50, 0, RCPT_EXISTS, 1,
		  ACTION_DISCONNECT, 0, "tarpit-full" },
		{ "good, tarpit full", 1, 0, 0, 50, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 0, "exists" },
		{ "new, network's places taken", 0, 0, 0, 10, 10, RCPT_EXISTS,
		  1, ACTION_DISCONNECT, 0, "tarpit-full" },
		{ "good, network's places taken", 1, 0, 0, 10, 10,
		  RCPT_EXISTS, 0, ACTION_ACCEPT, 0, "exists" },
		{ "good, own score suspect", 1, 5, 0, 0, 0, RCPT_EXISTS, 0,
		  ACTION_ACCEPT, 20, "exists" },
		{ "good, own score at harvest", 1, 25, 0, 0, 0, RCPT_EXISTS, 1,
		  ACTION_DISCONNECT, 0, "harvest" },
	};
	struct policy_config cfg;
	struct policy_input in;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		memset(&cfg, 0, sizeof(cfg));
		memset(&in, 0, sizeof(in));
		cfg.delay = 20;
		cfg.factor = 1;
		cfg.suspect_score = 5;
		cfg.harvest_score = 25;
		cfg.wide_weight = 0.5;
		cfg.cap_total = 50;
		cfg.cap_net = 10;
		in.cls = rows[i].cls;
		in.good = rows[i].good;
		in.score = rows[i].score;
		in.wide_score = rows[i].wide;
		in.asleep_total = rows[i].atot;
		in.asleep_net = rows[i].anet;
		check_path(&cfg, &in, rows[i].what, rows[i].before,
		    rows[i].action, rows[i].delay, rows[i].reason);
	}
}
END_TEST

/*
 * Attack mode: one answer, 451 4.7.1 at once, for every checked
 * recipient of a client that is not known-good, whatever the directory
 * said; unchecked recipients, exempt and known-good clients, a retry
 * let through, and a recipient Postfix rejected itself as outside it.
 */
START_TEST(test_attack)
{
	static const struct {
		const char	*what;
		enum rcpt_class	cls;
		int		good, passed, auth, mta_rejected;
		double		score;
		enum policy_action action;
		const char	*rcode;
		double		delay;
		const char	*reason;
	} rows[] = {
		{ "new, exists", RCPT_EXISTS, 0, 0, 0, 0, 0,
		  ACTION_TEMPFAIL, "451", 0, "attack" },
		{ "new, unknown", RCPT_UNKNOWN, 0, 0, 0, 0, 0,
		  ACTION_TEMPFAIL, "451", 0, "attack" },
		{ "new, lookup failed", RCPT_LOOKUP_FAILED, 0, 0, 0, 0, 0,
		  ACTION_TEMPFAIL, "451", 0, "attack" },
		{ "new and suspect, exists", RCPT_EXISTS, 0, 0, 0, 0, 6,
		  ACTION_TEMPFAIL, "451", 0, "attack" },
		{ "new, postmaster", RCPT_POSTMASTER, 0, 0, 0, 0, 0,
		  ACTION_ACCEPT, "250", 0, "postmaster" },
		{ "new, non-local", RCPT_NONLOCAL, 0, 0, 0, 0, 0,
		  ACTION_ACCEPT, "250", 0, "non-local" },
		{ "new, bad syntax", RCPT_BAD_SYNTAX, 0, 0, 0, 0, 0,
		  ACTION_REJECT, "501", 0, "bad-address" },
		{ "good, exists", RCPT_EXISTS, 1, 0, 0, 0, 0,
		  ACTION_ACCEPT, "250", 0, "exists" },
		{ "good, unknown", RCPT_UNKNOWN, 1, 0, 0, 0, 0,
		  ACTION_REJECT, "550", 20, "unknown" },
		{ "passed, exists", RCPT_EXISTS, 0, 1, 0, 0, 0,
		  ACTION_ACCEPT, "250", 0, "exists" },
		{ "passed, unknown", RCPT_UNKNOWN, 0, 1, 0, 0, 0,
		  ACTION_REJECT, "550", 20, "unknown" },
		{ "authenticated, unknown", RCPT_UNKNOWN, 0, 0, 1, 0, 0,
		  ACTION_REJECT, "550", 0, "unknown" },
		{ "Postfix rejected it", RCPT_UNKNOWN, 0, 0, 0, 1, 0,
		  ACTION_REJECT, "550", 20, "unknown" },
	};
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		memset(&cfg, 0, sizeof(cfg));
		memset(&in, 0, sizeof(in));
		cfg.delay = 20;
		cfg.factor = 1;
		cfg.suspect_score = 5;
		cfg.harvest_score = 25;
		cfg.exempt_check = 1;
		in.attack = 1;
		in.cls = rows[i].cls;
		in.good = rows[i].good;
		in.passed = rows[i].passed;
		in.authenticated = rows[i].auth;
		in.mta_rejected = rows[i].mta_rejected;
		in.score = rows[i].score;
		memset(&d, 0x5a, sizeof(d));
		ck_assert_int_eq(policy_before_lookup(&cfg, &in, &d), 0);
		policy_decide(&cfg, &in, &d);
		ck_assert_msg(d.action == rows[i].action &&
		    strcmp(d.rcode, rows[i].rcode) == 0 &&
		    near(d.delay, rows[i].delay) &&
		    strcmp(d.reason, rows[i].reason) == 0,
		    "%s: %s %s %g %s", rows[i].what,
		    policy_action_name(d.action), d.rcode, d.delay, d.reason);
		if (strcmp(rows[i].reason, "attack") == 0)
			ck_assert_msg(d.xcode && strcmp(d.xcode, "4.7.1") == 0 &&
			    policy_greylisted(&d) && policy_hidden(&d),
			    "%s: xcode", rows[i].what);
		else
			ck_assert_msg(!policy_greylisted(&d), "%s: greylisted",
			    rows[i].what);
	}
}
END_TEST

/*
 * A full-tarpit check and attack mode alike: for a client that is not
 * known-good, valid and unknown recipients get one and the same answer.
 */
START_TEST(test_one_answer)
{
	struct policy_config cfg;
	struct policy_input in;
	struct decision a, b;
	int mode;

	for (mode = 0; mode < 2; mode++) {
		memset(&cfg, 0, sizeof(cfg));
		memset(&in, 0, sizeof(in));
		cfg.delay = 20;
		cfg.factor = 1;
		cfg.suspect_score = 5;
		cfg.harvest_score = 25;
		cfg.cap_total = 50;
		in.asleep_total = mode == 0 ? 50 : 0;
		in.attack = mode == 1;
		in.cls = RCPT_EXISTS;
		if (!policy_before_lookup(&cfg, &in, &a))
			policy_decide(&cfg, &in, &a);
		in.cls = RCPT_UNKNOWN;
		if (!policy_before_lookup(&cfg, &in, &b))
			policy_decide(&cfg, &in, &b);
		ck_assert_msg(a.action == b.action &&
		    strcmp(a.rcode, b.rcode) == 0 &&
		    strcmp(a.xcode, b.xcode) == 0 && a.delay == b.delay &&
		    strcmp(a.reason, b.reason) == 0 && a.delay == 0 &&
		    a.action != ACTION_ACCEPT, "mode %d: %s/%s against %s/%s",
		    mode, a.rcode, a.reason, b.rcode, b.reason);
	}
}
END_TEST

/*
 * Awake: a sleeper whose network reached the harvest score meanwhile
 * gets the 421 instead, whatever its recipient, keeping the delay it
 * slept; below it, or exempt, the decision stands.
 */
START_TEST(test_awake)
{
	struct policy_config cfg;
	struct policy_input in;
	struct decision d;

	memset(&cfg, 0, sizeof(cfg));
	memset(&in, 0, sizeof(in));
	cfg.delay = 20;
	cfg.factor = 1;
	cfg.suspect_score = 5;
	cfg.harvest_score = 25;
	cfg.wide_weight = 0.5;
	in.cls = RCPT_EXISTS;
	in.score = 6;
	policy_decide(&cfg, &in, &d);
	ck_assert(near(d.delay, 20));
	in.score = 24.49;
	ck_assert_int_eq(policy_awake(&cfg, &in, &d), 0);
	check_decision("awake below", &d, ACTION_ACCEPT, "250", NULL, 20,
	    "exists");
	in.wide_score = 49;
	ck_assert_int_eq(policy_awake(&cfg, &in, &d), 1);
	check_decision("awake, network at harvest", &d, ACTION_DISCONNECT,
	    "421", "4.7.0", 20, "harvest");
	ck_assert_int_eq(policy_awake(&cfg, &in, &d), 0);

	in.cls = RCPT_UNKNOWN;
	in.wide_score = 0;
	in.score = 3;
	policy_decide(&cfg, &in, &d);
	in.score = 25;
	ck_assert_int_eq(policy_awake(&cfg, &in, &d), 1);
	check_decision("awake, unknown, client at harvest", &d,
	    ACTION_DISCONNECT, "421", "4.7.0", 20, "harvest");

	in.mta_rejected = 1;
	policy_decide(&cfg, &in, &d);
	ck_assert_int_eq(policy_awake(&cfg, &in, &d), 0);
	in.mta_rejected = 0;
	in.authenticated = 1;
	policy_decide(&cfg, &in, &d);
	ck_assert_int_eq(policy_awake(&cfg, &in, &d), 0);
	in.authenticated = 0;
	cfg.harvest_score = 0;
	policy_decide(&cfg, &in, &d);
	ck_assert_int_eq(policy_awake(&cfg, &in, &d), 0);
}
END_TEST

START_TEST(test_capped)
{
	struct policy_config cfg;
	struct decision d;

	memset(&cfg, 0, sizeof(cfg));
	cfg.delay = 30;
	memset(&d, 0x5a, sizeof(d));
	policy_capped(&cfg, &d);
	check_decision("capped", &d, ACTION_DISCONNECT, "421", "4.7.0", 0,
	    "tarpit-full");
	cfg.cap_tempfail = 1;
	memset(&d, 0x5a, sizeof(d));
	policy_capped(&cfg, &d);
	check_decision("capped tempfail", &d, ACTION_TEMPFAIL, "451", "4.7.1",
	    0, "tarpit-full");
}
END_TEST

START_TEST(test_action_name_disconnect)
{
	ck_assert_str_eq(policy_action_name(ACTION_DISCONNECT), "disconnect");
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("directory");
	tcase_add_test(tc, test_exists);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_lookup_failed);
	suite_add_tcase(s, tc);

	tc = tcase_create("unchecked");
	tcase_add_test(tc, test_nonlocal);
	tcase_add_test(tc, test_postmaster);
	tcase_add_test(tc, test_bad_syntax);
	suite_add_tcase(s, tc);

	tc = tcase_create("invariants");
	tcase_add_test(tc, test_only_unknown_anon_sleeps);
	tcase_add_test(tc, test_authenticated_truthy);
	tcase_add_test(tc, test_action_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("escalation");
	tcase_add_test(tc, test_escalation);
	tcase_add_test(tc, test_escalation_ceiling_factor2);
	suite_add_tcase(s, tc);

	tc = tcase_create("allowance");
	tcase_add_test(tc, test_allowance);
	suite_add_tcase(s, tc);

	tc = tcase_create("suspect");
	tcase_add_test(tc, test_suspect);
	tcase_add_test(tc, test_suspect_same_delay);
	suite_add_tcase(s, tc);

	tc = tcase_create("harvest");
	tcase_add_test(tc, test_harvest);
	tcase_add_test(tc, test_harvest_mta_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("exempt");
	tcase_add_test(tc, test_exempt);
	tcase_add_test(tc, test_exempt_never_delayed);
	suite_add_tcase(s, tc);

	tc = tcase_create("before-lookup");
	tcase_add_test(tc, test_before_lookup);
	tcase_add_test(tc, test_capped);
	tcase_add_test(tc, test_wide);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_attack);
	tcase_add_test(tc, test_one_answer);
	tcase_add_test(tc, test_awake);
	tcase_add_test(tc, test_action_name_disconnect);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
