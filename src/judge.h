/*
 * NAME
 *	judge 3h
 * SUMMARY
 *	judge one recipient: parse, classify, look up, decide
 * DESCRIPTION
 *	judge_recipient() runs the whole decision path for one RCPT TO
 *	except the sleep: address parsing, local domain and postmaster
 *	rules, the directory lookup (with the recipient delimiter), the
 *	policy, and the SMTP reply text. It knows nothing of libmilter, so
 *	the daemon and any other front end share it.
 */
#ifndef MT_JUDGE_H
#define MT_JUDGE_H

#include "addr.h"
#include "config.h"
#include "directory.h"
#include "policy.h"

#define JUDGE_REPLY_MAX 1024

struct judge_result {
	struct decision	decision;
	enum rcpt_class	cls;
	int		looked_up;	/* the directory was asked */
	double		lookup_seconds;
	const char	*cache;		/* how the cache answered, or "-" */
	char		filter[1024];	/* what the directory was asked */
	char		error[512];	/* directory or syntax problem */
	char		reply[JUDGE_REPLY_MAX];	/* text for smfi_setreply */
};

/* judge_recipient - judge rcpt for a session; never fails */
void judge_recipient(const struct config *cfg, struct directory *dir,
    const char *rcpt, int authenticated, struct judge_result *out);

#endif
