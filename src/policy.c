/*
 * NAME
 *	policy 3
 * SUMMARY
 *	the decision table: what a recipient gets, and after how long
 * DESCRIPTION
 *	    directory says   anonymous               authenticated / trusted
 *	    exists           accept                  accept
 *	    no such entry    delay, then 550 5.1.1   550 5.1.1, no delay
 *	    error            451 4.3.0               451 4.3.0
 *
 *	Only a definite "no such entry" can give a 5xx; anything we could
 *	not verify is a tempfail, so no mail is ever lost to a sick
 *	directory. Recipients we do not check pass untouched.
 *
 *	The delay for the n-th unknown recipient of an anonymous session is
 *	min(delay * factor^(n-1), delay_max). n counts what the client
 *	network is known for (its score, rounded, which includes this
 *	session's unknowns), so a client that probed before starts higher.
 *	The first "allowance" unknowns of a clean session cost nothing.
 *
 *	A suspect client (score, or unknowns in this session, at or above
 *	suspect_score) gets the same delay on every answer, valid ones too,
 *	so the time an answer takes tells nothing. At harvest_score it gets
 *	421 and Postfix closes the connection (except for a recipient that
 *	Postfix has rejected itself: Postfix ignores our answer to those, so
 *	the tarpit is all we have).
 *
 *	A harvester with many addresses gives each one only a few probes.
 *	So the wide network around the client (its /24, say) keeps a score
 *	too, and wide_weight of it counts as the client's own: from a
 *	network that probes as one, every address is suspect, and then cut
 *	off, as a single client would be, while a clean neighbour of one
 *	bad address is not.
 *
 *	A session wakes up to the harvest 421 if its network reached the
 *	harvest score while it slept: many sessions asleep at once must not
 *	all be answered once the network is known for a harvester.
 *
 *	Past the cap on sessions asleep in one network, a checked
 *	recipient gets 421 (or 451) at once, whatever it is, so the answer
 *	tells nothing either. Past the cap on all sleepers, the same for
 *	every client that is not known to be good: a valid recipient too,
 *	or a harvester with many addresses would read "at once" as "valid"
 *	exactly while it fills the tarpit.
 *
 *	Known-good clients (their network delivered mail lately, with
 *	valid recipients, under no suspicion) keep the rules above as a
 *	single client would: their wide network's score is not theirs, no
 *	cap refuses them, and an unknown recipient past the total cap gets
 *	its 550 without the delay.
 *
 *	Attack mode (many unknown recipients across all networks, or a
 *	full tarpit: the caller detects it) turns every answer to a client
 *	that is not known-good into one "451 4.7.1 try again later",
 *	whatever the directory said: a botnet whose every session comes
 *	from a fresh address learns nothing, and a real MTA retries. A
 *	retry of the same recipient after the greylisting time, with a
 *	place in the attack budget (the caller holds both in "passed"), is
 *	answered as outside attack mode: what every client that is not
 *	known-good learns per second is bounded by the budget.
 */
#include "autoconfig.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "policy.h"

/* policy_action_name - "accept", "reject", "tempfail" or "disconnect" */
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
	case ACTION_DISCONNECT:
		return "disconnect";
	}
	return "?";
}

/* set - fill a decision */
static void
set(struct decision *out, enum policy_action a, const char *rcode,
    const char *xcode, const char *reason)
{
	out->action = a;
	out->rcode = rcode;
	out->xcode = xcode;
	out->reason = reason;
	out->delay = 0;
	out->full_nodelay = 0;
}

/* exempt - authenticated or trusted: never delayed */
static int
exempt(const struct policy_input *in)
{
	return in->authenticated || in->trusted;
}

/*
 * probes - unknown recipients this client is known for: its score
 * rounded (a score decays a little between two probes, and counts this
 * session's unknowns already), or its share of its wide network's, but
 * never fewer than this session's own
 */
static double
probes(const struct policy_config *cfg, const struct policy_input *in)
{
	double s = floor(in->score + 0.5);
	double w = in->good ? 0 :
	    floor(in->wide_score * cfg->wide_weight + 0.5);

	if (w > s)
		s = w;
	return s > (double)in->unknowns ? s : (double)in->unknowns;
}

/* suspect - has this client earned a delay on every answer */
static int
suspect(const struct policy_config *cfg, const struct policy_input *in)
{
	return cfg->suspect_score > 0 && probes(cfg, in) >= cfg->suspect_score;
}

/* policy_suspect - is the client suspect: delayed on every answer */
int
policy_suspect(const struct policy_config *cfg, const struct policy_input *in)
{
	return !exempt(in) && suspect(cfg, in);
}

/* policy_greylisted - answered "try again later" for attack mode */
int
policy_greylisted(const struct decision *d)
{
	return strcmp(d->reason, "attack") == 0;
}

/* policy_hidden - an answer that tells nothing of the recipient */
int
policy_hidden(const struct decision *d)
{
	return policy_greylisted(d) || strcmp(d->reason, "tarpit-full") == 0;
}

/* schedule - the delay for the next unknown recipient of this client */
static double
schedule(const struct policy_config *cfg, const struct policy_input *in)
{
	double n = probes(cfg, in), d;

	if (cfg->delay <= 0)
		return 0;
	d = cfg->delay * pow(cfg->factor > 1 ? cfg->factor : 1, n);
	return d < cfg->delay_max || cfg->delay_max <= 0 ? d : cfg->delay_max;
}

/*
 * greylist - attack mode's one answer: for every checked recipient
 * (what the directory said, or could not say) of a client that is not
 * exempt, not known-good and not let through by a retry; never for one
 * Postfix rejected itself (it ignores our answer: the tarpit is all
 * there is)
 */
static int
greylist(const struct policy_input *in)
{
	return in->attack && !exempt(in) && !in->good && !in->passed &&
	    !in->mta_rejected && (in->cls == RCPT_EXISTS ||
	    in->cls == RCPT_UNKNOWN || in->cls == RCPT_LOOKUP_FAILED);
}

/* policy_capped - the immediate answer past a tarpit cap */
void
policy_capped(const struct policy_config *cfg, struct decision *out)
{
	if (cfg->cap_tempfail)
		set(out, ACTION_TEMPFAIL, "451", "4.7.1", "tarpit-full");
	else
		set(out, ACTION_DISCONNECT, "421", "4.7.0", "tarpit-full");
}

/* policy_full - the answer when every place in the tarpit is taken */
void
policy_full(const struct policy_config *cfg, struct decision *out)
{
	if (out->full_nodelay) {
		out->delay = 0;
		out->reason = "unknown-busy";
		return;
	}
	policy_capped(cfg, out);
}

/* policy_awake - after the sleep: the harvest 421 if reached meanwhile */
int
policy_awake(const struct policy_config *cfg, const struct policy_input *in,
    struct decision *out)
{
	double delay = out->delay;

	if (exempt(in) || in->mta_rejected || cfg->harvest_score <= 0 ||
	    out->action == ACTION_DISCONNECT ||
	    probes(cfg, in) < cfg->harvest_score)
		return 0;
	set(out, ACTION_DISCONNECT, "421", "4.7.0", "harvest");
	out->delay = delay;
	return 1;
}

/* policy_before_lookup - a decision that needs no lookup; 1 if filled */
int
policy_before_lookup(const struct policy_config *cfg,
    const struct policy_input *in, struct decision *out)
{
	if (exempt(in)) {
		if (cfg->exempt_check)
			return 0;
		set(out, ACTION_ACCEPT, "250", NULL, "exempt");
		return 1;
	}
	if (cfg->harvest_score > 0 && probes(cfg, in) >= cfg->harvest_score) {
		set(out, ACTION_DISCONNECT, "421", "4.7.0", "harvest");
		return 1;
	}
	if (!in->good && ((cfg->cap_total &&
	    in->asleep_total >= cfg->cap_total) ||
	    (cfg->cap_net && in->asleep_net >= cfg->cap_net))) {
		policy_capped(cfg, out);
		return 1;
	}
	return 0;
}

/* policy_decide - apply the decision table */
void
policy_decide(const struct policy_config *cfg, const struct policy_input *in,
    struct decision *out)
{
	set(out, ACTION_ACCEPT, "250", NULL, "exists");
	if (greylist(in)) {
		set(out, ACTION_TEMPFAIL, "451", "4.7.1", "attack");
		return;
	}
	switch (in->cls) {
	case RCPT_EXISTS:
		break;
	case RCPT_NONLOCAL:
		out->reason = "non-local";
		break;
	case RCPT_POSTMASTER:
		out->reason = "postmaster";
		break;
	case RCPT_UNKNOWN:
		set(out, ACTION_REJECT, "550", "5.1.1", "unknown");
		if (exempt(in))
			return;
		if (cfg->harvest_score > 0 && !in->mta_rejected &&
		    probes(cfg, in) + 1 >= cfg->harvest_score) {
			set(out, ACTION_DISCONNECT, "421", "4.7.0", "harvest");
			return;
		}
		if (in->unknowns < cfg->allowance && !suspect(cfg, in))
			return;
		out->delay = schedule(cfg, in);
		out->full_nodelay = in->good && !suspect(cfg, in);
		return;
	case RCPT_BAD_SYNTAX:
		set(out, ACTION_REJECT, "501", "5.1.3", "bad-address");
		break;
	case RCPT_LOOKUP_FAILED:
	default:
		set(out, ACTION_TEMPFAIL, "451", "4.3.0", "directory-error");
		break;
	}
	/* Every other answer to a suspect client takes as long. */
	if (!exempt(in) && suspect(cfg, in))
		out->delay = schedule(cfg, in);
}
