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
	double		score;		/* client network's score after it */
	double		wide_score;	/* ... the wide network's */
	int		trap;		/* a trap address (--trap-file) */
	char		routed[ADDR_LOCAL_MAX + ADDR_DOMAIN_MAX + 2];
					/* judged as, if not as given */
	char		filter[1024];	/* what the directory was asked */
	char		error[512];	/* directory or syntax problem */
	char		reply[JUDGE_REPLY_MAX];	/* text for smfi_setreply */
};

/* What the daemon knows of the session when a recipient arrives. */
struct judge_session {
	int		authenticated;	/* {auth_authen} set */
	int		trusted;	/* client in --trusted-networks */
	unsigned	unknowns;	/* unknown recipients so far */
	double		score;		/* client network's score now */
	double		wide_score;	/* ... of the wide network around it */
	unsigned	asleep_total;	/* sessions asleep in the tarpit */
	unsigned	asleep_net;	/* ... of the client's network */
	int		mta_rejected;	/* Postfix rejected it already */
	int		good;		/* the client is known-good */
	int		attack;		/* attack mode is on */
	int		passed;		/* a greylisted retry let through */
	struct directory *traps;	/* --trap-file, or NULL */
};

/* judge_recipient - judge rcpt for a session; never fails */
void judge_recipient(const struct config *cfg, struct directory *dir,
    const char *rcpt, const struct judge_session *s, struct judge_result *out);

/* judge_sender - the optional MAIL FROM checks; accept if none applies */
void judge_sender(const struct config *cfg, struct directory *dir,
    const char *sender, const struct judge_session *s,
    struct judge_result *out);

/*
 * judge_awake - after the sleep, with s as the session is now: the
 * harvest 421 instead if the client's network reached it meanwhile
 */
void judge_awake(const struct config *cfg, const struct judge_session *s,
    struct judge_result *out);

/* judge_suspect - is the session's client suspect now */
int judge_suspect(const struct config *cfg, const struct judge_session *s);

/* judge_policy - the policy settings of cfg */
void judge_policy(const struct config *cfg, struct policy_config *pc);

#endif
