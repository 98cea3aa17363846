/*
 * NAME
 *	policy 3h
 * SUMMARY
 *	the decision table: what a recipient gets, and after how long
 * DESCRIPTION
 *	A pure function of the recipient's class (what the directory said),
 *	the session (anonymous or authenticated) and the configuration. No
 *	libmilter, no LDAP, no clock: every rule is unit-tested directly.
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
	ACTION_TEMPFAIL
};

struct policy_config {
	double	delay;		/* tarpit seconds; 0 = off */
};

struct policy_input {
	enum rcpt_class	cls;
	int		authenticated;
};

struct decision {
	enum policy_action action;
	const char	*rcode;		/* "250", "550", "451", "501" */
	const char	*xcode;		/* enhanced status code or NULL */
	double		delay;		/* seconds to sleep before answering */
	const char	*reason;	/* log token */
};

/* policy_decide - apply the decision table */
void policy_decide(const struct policy_config *cfg,
    const struct policy_input *in, struct decision *out);

/* policy_action_name - "accept", "reject" or "tempfail" */
const char *policy_action_name(enum policy_action a);

#endif
