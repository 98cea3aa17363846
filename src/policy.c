/*
 * NAME
 *	policy 3
 * SUMMARY
 *	the decision table: what a recipient gets, and after how long
 * DESCRIPTION
 *	    directory says   anonymous               authenticated
 *	    exists           accept, no delay        accept, no delay
 *	    no such entry    delay, then 550 5.1.1   550 5.1.1, no delay
 *	    error            451 4.3.0, no delay     451 4.3.0, no delay
 *
 *	Only a definite "no such entry" can give a 5xx; anything we could
 *	not verify is a tempfail, so no mail is ever lost to a sick
 *	directory. Recipients we do not check pass untouched.
 */
#include "autoconfig.h"

#include <stddef.h>

#include "policy.h"

/* policy_action_name - "accept", "reject" or "tempfail" */
const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case ACTION_ACCEPT:
		return "accept";
	case ACTION_REJECT:
		return "reject";
	case ACTION_TEMPFAIL:
		return "tempfail";
	}
	return "?";
}

/* policy_decide - apply the decision table */
void
policy_decide(const struct policy_config *cfg, const struct policy_input *in,
    struct decision *out)
{
	out->action = ACTION_ACCEPT;
	out->rcode = "250";
	out->xcode = NULL;
	out->delay = 0;

	switch (in->cls) {
	case RCPT_EXISTS:
		out->reason = "exists";
		break;
	case RCPT_NONLOCAL:
		out->reason = "non-local";
		break;
	case RCPT_POSTMASTER:
		out->reason = "postmaster";
		break;
	case RCPT_UNKNOWN:
		out->action = ACTION_REJECT;
		out->rcode = "550";
		out->xcode = "5.1.1";
		out->reason = "unknown";
		if (!in->authenticated && cfg->delay > 0)
			out->delay = cfg->delay;
		break;
	case RCPT_BAD_SYNTAX:
		out->action = ACTION_REJECT;
		out->rcode = "501";
		out->xcode = "5.1.3";
		out->reason = "bad-address";
		break;
	case RCPT_LOOKUP_FAILED:
	default:
		out->action = ACTION_TEMPFAIL;
		out->rcode = "451";
		out->xcode = "4.3.0";
		out->reason = "directory-error";
		break;
	}
}
