/*
 * NAME
 *	judge 3
 * SUMMARY
 *	judge one recipient: parse, classify, look up, decide
 * DESCRIPTION
 *	Order of the rules: a recipient that cannot be parsed is a syntax
 *	error; a bare local part (Postfix appends $myorigin later) or a
 *	domain that is not local passes unchecked; postmaster in a local
 *	domain passes (RFC 5321 section 4.5.1); everything else is looked
 *	up. With a recipient delimiter, "user+tag" and "user" are asked for
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

/* build_reply - "<addr>: text" (or only the text) into out->reply */
static void
build_reply(const struct config *cfg, const char *shown, struct judge_result *out)
{
	const char *text;
	size_t o = 0;

	switch (out->decision.action) {
	case ACTION_ACCEPT:
		out->reply[0] = '\0';
		return;
	case ACTION_TEMPFAIL:
		text = "Temporary lookup failure";
		break;
	default:
		text = out->cls == RCPT_BAD_SYNTAX ?
		    "Bad recipient address syntax" : cfg->reject_text;
	}
	if (out->cls != RCPT_BAD_SYNTAX) {
		out->reply[o++] = '<';
		o = reply_append(out->reply, sizeof(out->reply), o, shown,
		    REPLY_ADDR_MAX);
		o = reply_append(out->reply, sizeof(out->reply), o, ">: ", 3);
	}
	reply_append(out->reply, sizeof(out->reply), o, text, JUDGE_REPLY_MAX);
}

/* classify - everything but the policy: what kind of recipient is this */
static enum rcpt_class
classify(const struct config *cfg, struct directory *dir, const struct addr *a,
    struct judge_result *out)
{
	struct addr alts[DIR_ALTS_MAX];
	struct dir_query q;
	size_t n = 1;
	enum dir_result r;

	if (addr_is_postmaster(a) &&
	    (a->domain[0] == '\0' || config_is_local(cfg, a->domain)))
		return RCPT_POSTMASTER;
	if (a->domain[0] == '\0' || !config_is_local(cfg, a->domain))
		return RCPT_NONLOCAL;

	/* user+tag exists when user does: both in one query, one timeout. */
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

/* judge_recipient - judge rcpt for a session; never fails */
void
judge_recipient(const struct config *cfg, struct directory *dir,
    const char *rcpt, int authenticated, struct judge_result *out)
{
	struct policy_config pc = { cfg->delay };
	struct policy_input in;
	struct addr a;
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	out->cache = "-";
	if (addr_parse(rcpt, &a, &why) != ADDR_OK) {
		in.cls = RCPT_BAD_SYNTAX;
		util_strlcpy(out->error, why, sizeof(out->error));
	} else {
		in.cls = classify(cfg, dir, &a, out);
	}
	in.authenticated = authenticated;
	out->cls = in.cls;
	policy_decide(&pc, &in, &out->decision);
	build_reply(cfg, in.cls == RCPT_BAD_SYNTAX ? "" : a.full, out);
}
