/*
 * NAME
 *	policy 3h
 * SUMMARY
 *	the decision table: what a recipient gets, and after how long
 * DESCRIPTION
 *	A pure function of the recipient's class (what the directory said),
 *	the session (anonymous, authenticated or trusted; unknown recipients
 *	so far), the client network's score and the tarpit's occupancy, and
 *	the configuration. No libmilter, no LDAP, no clock: the caller passes
 *	the score already decayed to "now", so every rule is unit-tested
 *	directly.
 */
#ifndef MT_POLICY_H
#define MT_POLICY_H

enum rcpt_class {
	RCPT_EXISTS,		/* directory has the address */
	RCPT_UNKNOWN,		/* directory said: no such entry */
	RCPT_LOOKUP_FAILED,	/* error, timeout, unreachable */
	RCPT_NONLOCAL,		/* not in a local domain: not checked */
	RCPT_POSTMASTER,	/* RFC 5321: always accepted */
	RCPT_BAD_SYNTAX		/* cannot name a mailbox */
};

enum policy_action {
	ACTION_ACCEPT,
	ACTION_REJECT,
	ACTION_TEMPFAIL,
	ACTION_DISCONNECT	/* 421: Postfix closes the connection */
};

struct policy_config {
	double		delay;		/* base tarpit seconds; 0 = off */
	double		factor;		/* escalation per unknown; 1 = fixed */
	double		delay_max;	/* escalation ceiling */
	unsigned	allowance;	/* unknowns per session without delay */
	double		suspect_score;	/* delay every answer from here; 0 off */
	double		harvest_score;	/* 421 from here; 0 off */
	unsigned	cap_total;	/* sessions asleep at once; 0 no cap */
	unsigned	cap_net;	/* ... per client network; 0 no cap */
	double		wide_weight;	/* share of the wide network's score */
	int		cap_tempfail;	/* past a cap: 451 instead of 421 */
	int		exempt_check;	/* trusted/auth: still checked */
};

struct policy_input {
	enum rcpt_class	cls;
	int		authenticated;
	int		trusted;	/* client in --trusted-networks */
	unsigned	unknowns;	/* unknown recipients earlier in session */
	double		score;		/* client network's score, decayed */
	double		wide_score;	/* ... of the wide network around it */
	unsigned	asleep_total;	/* sessions asleep now */
	unsigned	asleep_net;	/* ... of this client network */
	int		mta_rejected;	/* Postfix rejected it; ignores us */
	int		good;		/* known-good: delivered mail lately */
	int		attack;		/* attack mode is on */
	int		passed;		/* retried after a greylisting, and a
					   place in the attack budget held */
};

struct decision {
	enum policy_action action;
	const char	*rcode;		/* "250", "550", "451", "501", "421" */
	const char	*xcode;		/* enhanced status code or NULL */
	double		delay;		/* seconds to sleep before answering */
	const char	*reason;	/* log token */
	int		full_nodelay;	/* tarpit full: answer now, no delay */
};

/*
 * policy_before_lookup - a decision that needs no lookup (a client over
 * the harvest threshold, a full tarpit, an exempt session that is not
 * checked); 1 if out was filled, 0 if the recipient must be looked up.
 * in->cls is not read.
 */
int policy_before_lookup(const struct policy_config *cfg,
    const struct policy_input *in, struct decision *out);

/* policy_decide - apply the decision table */
void policy_decide(const struct policy_config *cfg,
    const struct policy_input *in, struct decision *out);

/* policy_capped - the immediate answer past a tarpit cap */
void policy_capped(const struct policy_config *cfg, struct decision *out);

/*
 * policy_full - the answer when the decision's delay finds every place
 * of the tarpit (cap_total) taken: out as it is without the delay for a
 * client under no suspicion, else the cap's answer
 */
void policy_full(const struct policy_config *cfg, struct decision *out);

/*
 * policy_awake - after the sleep: a client whose probes reached the
 * harvest score meanwhile (through other sessions of its network) gets
 * the harvest 421 instead, whatever the recipient (not for a recipient
 * Postfix rejected itself: it ignores our answer); 1 if out changed
 */
int policy_awake(const struct policy_config *cfg,
    const struct policy_input *in, struct decision *out);

/*
 * policy_suspect - is the client suspect: delayed on every answer (and
 * so not one that earns a good record)
 */
int policy_suspect(const struct policy_config *cfg,
    const struct policy_input *in);

/*
 * policy_greylisted - did the decision answer only "try again later"
 * because of attack mode (a retry of the same recipient may pass)
 */
int policy_greylisted(const struct decision *d);

/*
 * policy_hidden - is the answer one that tells nothing of the recipient
 * (attack mode's, or a cap's): the client's score must not move on it,
 * or a later answer would tell
 */
int policy_hidden(const struct decision *d);

/* policy_action_name - "accept", "reject", "tempfail" or "disconnect" */
const char *policy_action_name(enum policy_action a);

#endif
