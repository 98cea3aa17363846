/*
 * NAME
 *	judge 3
 * SUMMARY
 *	judge one recipient: parse, classify, look up, decide
 * DESCRIPTION
 *	Order of the rules: a recipient that cannot be parsed is a syntax
 *	error if its domain is (or may be) ours, and passes unchecked if
 *	it is not; a parsed one is first routed as Postfix will route it
 *	(route_resolve: percent hack, bang path, user@domain@domain); a
 *	bare local part (Postfix appends $myorigin later), a domain that is
 *	not local or an address literal passes unchecked; postmaster in a
 *	local domain passes (RFC 5321 section 4.5.1); everything else is
 *	looked up. With a recipient delimiter, "user+tag" and "user" are asked for
 *	in the same query, so the lookup stays within one timeout.
 *
 *	The reply text quotes the address; libmilter reads '%' in a reply
 *	as a format character, so it is doubled, and anything that is not
 *	printable ASCII is replaced.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "route.h"
#include "util.h"

#define REPLY_ADDR_MAX 300	/* longer addresses are cut in replies */

/* reply_append - append s, doubling '%' and masking unprintables */
static size_t
reply_append(char *out, size_t outlen, size_t o, const char *s, size_t max)
{
	size_t n = 0;

	for (; *s && n < max && o + 3 < outlen; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c == '%') {
			out[o++] = '%';
			out[o++] = '%';
		} else {
			out[o++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
		}
	}
	if (*s && o + 6 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

/* reply_text - the text after the codes, by reason */
static const char *
reply_text(const struct config *cfg, const struct judge_result *out)
{
	const char *r = out->decision.reason;

	if (strcmp(r, "harvest") == 0)
		return "Too many unknown recipients from your network; try"
		    " again later";
	if (strcmp(r, "tarpit-full") == 0)
		return "Too busy; try again later";
	if (strcmp(r, "attack") == 0)
		return "Try again later";
	if (strcmp(r, "sender-unknown") == 0)
		return "Sender address rejected: User unknown";
	if (strcmp(r, "sender-needs-auth") == 0)
		return "Sender address rejected: authentication required for"
		    " this domain";
	if (out->decision.action == ACTION_TEMPFAIL)
		return "Temporary lookup failure";
	if (out->cls == RCPT_BAD_SYNTAX)
		return "Bad recipient address syntax";
	return cfg->reject_text;
}

/* build_reply - "<addr>: text" (or only the text) into out->reply */
static void
build_reply(const struct config *cfg, const char *shown,
    struct judge_result *out)
{
	const char *text = reply_text(cfg, out);
	size_t o = 0;

	if (out->decision.action == ACTION_ACCEPT) {
		out->reply[0] = '\0';
		return;
	}
	if (shown[0] && out->decision.action != ACTION_DISCONNECT &&
	    strcmp(out->decision.reason, "tarpit-full") != 0) {
		out->reply[o++] = '<';
		o = reply_append(out->reply, sizeof(out->reply), o, shown,
		    REPLY_ADDR_MAX);
		o = reply_append(out->reply, sizeof(out->reply), o, ">: ", 3);
	}
	reply_append(out->reply, sizeof(out->reply), o, text, JUDGE_REPLY_MAX);
}

/* judge_policy - the policy settings of cfg */
void
judge_policy(const struct config *cfg, struct policy_config *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->delay = cfg->delay;
	pc->factor = cfg->delay_factor;
	pc->delay_max = config_delay_max(cfg);
	pc->allowance = (unsigned)cfg->allowance;
	pc->suspect_score = cfg->suspect_score;
	pc->harvest_score = cfg->harvest_score;
	pc->cap_total = (unsigned)cfg->max_sleepers;
	pc->cap_net = (unsigned)cfg->max_sleepers_net;
	pc->wide_weight = cfg->wide_weight;
	pc->cap_tempfail = cfg->cap_tempfail;
	pc->exempt_check = cfg->exempt_check;
}

/*
 * local_class - postmaster, non-local, or -1: a recipient to look up, in
 * *r as Postfix will route it (out->routed names it if it differs)
 */
static int
local_class(const struct config *cfg, const struct addr *a, struct addr *r,
    struct judge_result *out)
{
	enum route_class rc = route_resolve(cfg, a, r);

	if (strcmp(r->full, a->full) != 0)
		util_strlcpy(out->routed, r->full, sizeof(out->routed));
	if (addr_is_postmaster(r) && (rc == ROUTE_BARE || rc == ROUTE_OURS))
		return RCPT_POSTMASTER;
	if (rc != ROUTE_OURS)
		return RCPT_NONLOCAL;
	return -1;
}

/* syntax_class - a recipient that does not parse: ours (501) or not */
static enum rcpt_class
syntax_class(const struct config *cfg, const char *rcpt)
{
	char dom[ADDR_DOMAIN_MAX + 1];

	if (!addr_domain_hint(rcpt, dom, sizeof(dom)))
		return RCPT_BAD_SYNTAX;		/* cannot tell: refuse */
	if (dom[0] == '[' ? route_literal_is_ours(cfg, dom) :
	    config_is_local(cfg, dom))
		return RCPT_BAD_SYNTAX;
	return RCPT_NONLOCAL;	/* not ours to judge, odd or not */
}

/* lookup - ask the directory (user+tag and user in one query) */
static enum rcpt_class
lookup(const struct config *cfg, struct directory *dir, const struct addr *a,
    struct judge_result *out)
{
	struct addr alts[DIR_ALTS_MAX];
	struct dir_query q;
	size_t n = 1;
	enum dir_result r;

	alts[0] = *a;
	if (addr_strip_extension(a, cfg->delimiters, &alts[1]))
		n = 2;
	r = directory_lookup(dir, alts, n, &q);
	out->looked_up = 1;
	out->lookup_seconds = q.seconds;
	out->cache = q.cache;
	util_strlcpy(out->filter, q.filter, sizeof(out->filter));
	switch (r) {
	case DIR_FOUND:
		return RCPT_EXISTS;
	case DIR_NOTFOUND:
		return RCPT_UNKNOWN;
	default:
		util_strlcpy(out->error, q.error, sizeof(out->error));
		return RCPT_LOOKUP_FAILED;
	}
}

/* policy_in - the policy's view of the session */
static void
policy_in(const struct judge_session *s, struct policy_input *in)
{
	memset(in, 0, sizeof(*in));
	in->authenticated = s->authenticated;
	in->trusted = s->trusted;
	in->unknowns = s->unknowns;
	in->score = s->score;
	in->wide_score = s->wide_score;
	in->asleep_total = s->asleep_total;
	in->asleep_net = s->asleep_net;
	in->mta_rejected = s->mta_rejected;
	in->good = s->good;
	in->attack = s->attack;
	in->passed = s->passed;
}

/* judge_suspect - is the session's client suspect now */
int
judge_suspect(const struct config *cfg, const struct judge_session *s)
{
	struct policy_config pc;
	struct policy_input in;

	judge_policy(cfg, &pc);
	policy_in(s, &in);
	return policy_suspect(&pc, &in);
}

/*
 * is_trap - is a (or its form without "+tag") listed in --trap-file:
 * an address that never existed, which only a harvester asks for
 */
static int
is_trap(const struct config *cfg, struct directory *traps,
    const struct addr *a)
{
	struct addr alts[DIR_ALTS_MAX];
	struct dir_query q;
	size_t n = 1;

	if (traps == NULL)
		return 0;
	alts[0] = *a;
	if (addr_strip_extension(a, cfg->delimiters, &alts[1]))
		n = 2;
	return directory_lookup(traps, alts, n, &q) == DIR_FOUND;
}

/* judge_recipient - judge rcpt for a session; never fails */
void
judge_recipient(const struct config *cfg, struct directory *dir,
    const char *rcpt, const struct judge_session *s, struct judge_result *out)
{
	struct policy_config pc;
	struct policy_input in;
	struct addr a, r;
	const char *why = NULL;
	int cls;

	memset(out, 0, sizeof(*out));
	out->cache = "-";
	judge_policy(cfg, &pc);
	policy_in(s, &in);
	if (addr_parse(rcpt, &a, &why) != ADDR_OK) {
		in.cls = syntax_class(cfg, rcpt);
		if (in.cls == RCPT_BAD_SYNTAX)
			util_strlcpy(out->error, why, sizeof(out->error));
		a.full[0] = '\0';
	} else if ((cls = local_class(cfg, &a, &r, out)) >= 0) {
		in.cls = (enum rcpt_class)cls;
	} else if (s->mta_rejected) {
		in.cls = RCPT_UNKNOWN;	/* Postfix said so: no lookup */
	} else if (policy_before_lookup(&pc, &in, &out->decision)) {
		out->cls = RCPT_UNKNOWN;	/* not looked up: no telling */
		build_reply(cfg, a.full, out);
		return;
	} else if (is_trap(cfg, s->traps, &a)) {
		in.cls = RCPT_UNKNOWN;	/* never existed: no lookup */
		out->trap = 1;
	} else {
		in.cls = lookup(cfg, dir, &r, out);
	}
	out->cls = in.cls;
	policy_decide(&pc, &in, &out->decision);
	build_reply(cfg, a.full, out);
}

/* judge_awake - after the sleep: the harvest 421 if reached meanwhile */
void
judge_awake(const struct config *cfg, const struct judge_session *s,
    struct judge_result *out)
{
	struct policy_config pc;
	struct policy_input in;

	judge_policy(cfg, &pc);
	policy_in(s, &in);
	if (policy_awake(&pc, &in, &out->decision))
		build_reply(cfg, "", out);
}

/* judge_sender - the optional MAIL FROM checks; accept if none applies */
void
judge_sender(const struct config *cfg, struct directory *dir,
    const char *sender, const struct judge_session *s,
    struct judge_result *out)
{
	struct policy_config pc;
	struct policy_input in;
	struct addr a;

	memset(out, 0, sizeof(*out));
	out->cache = "-";
	out->decision.action = ACTION_ACCEPT;
	out->decision.rcode = "250";
	out->decision.reason = "sender-ok";
	if (s->authenticated || s->trusted ||
	    addr_parse(sender, &a, NULL) != ADDR_OK || a.domain[0] == '\0' ||
	    !config_is_local(cfg, a.domain))
		return;		/* <> or a foreign sender: nothing to check */
	if (cfg->require_auth_local_sender) {
		out->decision.action = ACTION_REJECT;
		out->decision.rcode = "550";
		out->decision.xcode = "5.7.1";
		out->decision.reason = "sender-needs-auth";
		build_reply(cfg, a.full, out);
		return;
	}
	if (!cfg->reject_unknown_sender)
		return;
	judge_policy(cfg, &pc);
	policy_in(s, &in);
	in.cls = lookup(cfg, dir, &a, out);
	out->cls = in.cls;
	policy_decide(&pc, &in, &out->decision);
	if (in.cls == RCPT_UNKNOWN && out->decision.action == ACTION_REJECT) {
		out->decision.xcode = "5.1.0";
		out->decision.reason = "sender-unknown";
	} else if (out->decision.action == ACTION_ACCEPT &&
	    out->decision.delay == 0) {
		out->decision.reason = "sender-ok";	/* suspect: still waits */
	}
	build_reply(cfg, a.full, out);
}
