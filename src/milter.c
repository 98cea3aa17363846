/*
 * NAME
 *	milter 3
 * SUMMARY
 *	libmilter callbacks: per-connection state, sleep, reply
 * DESCRIPTION
 *	libmilter runs one thread per MTA connection and calls that
 *	connection's callbacks in order, so the per-connection context is
 *	touched by one thread only and needs no lock. The configuration and
 *	the directory come from the runtime current when a RCPT arrives,
 *	held for the length of the lookup (the directory locks inside).
 *	The busy counter is the only other shared state; it is atomic.
 *
 *	With shared scores (--redis, fleet.c) a session asks Redis for its
 *	network's score when it connects, without waiting; the answer
 *	raises the local table, which every decision reads. Before a
 *	decision the session waits for that answer, bounded by
 *	--redis-timeout, and for a client with a score it reads again
 *	first, so another MX host's count since then is in. A clean client
 *	never waits on Redis beyond the first answer, which has normally
 *	arrived during the SMTP greeting. Each unknown recipient is added
 *	there as well as here. The wide network around the client (--ipv4-
 *	wide-prefix) is kept, and shared, the same way.
 *
 *	We negotiate away every stage we do not use (HELO, headers, body),
 *	so Postfix does not send them. {auth_authen} arrives with MAIL FROM
 *	in Postfix's default milter_mail_macros and is read again at RCPT.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmilter/mfapi.h>

#include "judge.h"
#include "log.h"
#include "milter.h"
#include "cidr.h"
#include "fleet.h"
#include "runtime.h"
#include "score.h"
#include "stats.h"
#include "tarpit.h"
#include "util.h"

#define SENDER_MAX 1024
#define SHOW_MAX 520
#define FLEET_READ_MIN 0.05	/* a local score from which Redis is read */

#define NET_CLIENT 0	/* the client's network: score, sleepers */
#define NET_WIDE 1	/* the wide network around it: score only */
#define NETS 2

struct netview {
	char		key[INET6_ADDRSTRLEN + 8];	/* score key, or "" */
	struct fleet_req *pending;	/* shared-score request, or NULL */
	int		pending_fresh;	/* sent before this session decided */
};

struct conn_ctx {
	char		client[INET6_ADDRSTRLEN + 1];
	struct ipaddr	addr;		/* family 0 if not IP */
	struct netview	nets[NETS];
	char		*sender;	/* as given at MAIL FROM, or NULL */
	unsigned	unknowns;	/* unknown recipients this session */
};

static struct score_table *milter_scores;	/* process-wide, locks inside */
static struct fleet *milter_fleet;		/* shared scores, or NULL */

static void count_decision(const struct judge_result *res);
static void log_decision(SMFICTX *ctx, const struct config *cfg,
    struct conn_ctx *cc, const char *auth, const char *rcpt,
    const struct judge_result *res, double slept);
static int milter_rcpt_rej;			/* --tarpit-rejected at start */

static unsigned milter_running;		/* atomic */

/* milter_busy - RCPT callbacks running right now */
unsigned
milter_busy(void)
{
	return __atomic_load_n(&milter_running, __ATOMIC_SEQ_CST);
}

/* conn_get - this connection's context, made on first use */
static struct conn_ctx *
conn_get(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);

	if (cc == NULL) {
		if ((cc = calloc(1, sizeof(*cc))) == NULL)
			return NULL;
		util_strlcpy(cc->client, "unknown", sizeof(cc->client));
		smfi_setpriv(ctx, cc);
	}
	return cc;
}

/*
 * show_addr - loggable form of an envelope address: without its angle
 * brackets when it has both (or is cut short), so that the log line's
 * own "<...>" is exact; an unbalanced one is shown as it came ("<<a@x>",
 * "<a@x>>")
 */
static void
show_addr(const char *raw, char *buf, size_t len)
{
	char tmp[SHOW_MAX];
	size_t n;
	int cut;

	if (raw == NULL) {
		util_strlcpy(buf, "", len);
		return;
	}
	cut = util_strlcpy(tmp, raw, sizeof(tmp)) >= sizeof(tmp);
	n = strlen(tmp);
	if (n >= 2 && tmp[0] == '<' && (cut || tmp[n - 1] == '>')) {
		if (!cut)
			tmp[--n] = '\0';
		memmove(tmp, tmp + 1, n);	/* with the terminator */
	}
	util_log_escape(tmp, buf, len, 0);
	if (cut && strlen(buf) + 4 < len)
		strcat(buf, "...");	/* longer addresses are cut in logs */
}

/* mt_negotiate - ask the MTA to skip every stage we do not use */
static sfsistat
mt_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long skip = SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH |
	    SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA;

	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = 0;		/* we never modify a message */
	*pf1 = f1 & skip;
	if (milter_rcpt_rej)
		*pf1 |= f1 & SMFIP_RCPT_REJ;	/* see Postfix's rejects too */
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/*
 * net_keys - the score keys of the client's network and of the wide one
 * around it ("" if that is no wider, or --wide-weight is 0)
 */
static void
net_keys(struct conn_ctx *cc, const struct config *cfg)
{
	int wide;

	if (cc->nets[NET_CLIENT].key[0] || cc->addr.family == 0)
		return;
	cidr_key(&cc->addr, (int)cfg->prefix4, (int)cfg->prefix6,
	    cc->nets[NET_CLIENT].key, sizeof(cc->nets[NET_CLIENT].key));
	wide = cc->addr.family == 4 ? cfg->wide4 < cfg->prefix4 :
	    cfg->wide6 < cfg->prefix6;
	if (wide && cfg->wide_weight > 0)
		cidr_key(&cc->addr, (int)cfg->wide4, (int)cfg->wide6,
		    cc->nets[NET_WIDE].key, sizeof(cc->nets[NET_WIDE].key));
}

/*
 * fleet_prefetch - at connect: ask Redis for the networks' scores,
 * without waiting (trusted clients are never scored)
 */
static void
fleet_prefetch(struct conn_ctx *cc)
{
	struct runtime *rt = runtime_acquire();
	struct netview *nv;

	if (rt == NULL)
		return;
	if (!config_is_trusted(&rt->cfg, &cc->addr)) {
		net_keys(cc, &rt->cfg);
		for (nv = cc->nets; nv < cc->nets + NETS; nv++) {
			if (nv->key[0] == '\0')
				continue;
			fleet_release(nv->pending);
			nv->pending = fleet_read(milter_fleet, nv->key);
			nv->pending_fresh = 1;
		}
	}
	runtime_release(rt);
}

/*
 * fleet_view - before a decision, raise the local table to the shared
 * scores: the answers to what this session sent, and for a network with
 * a score a fresh read unless that answer came from the read at connect.
 * The reads of both networks go out before either is waited for, so a
 * decision waits one round trip at most, bounded by --redis-timeout;
 * while Redis is down, none.
 */
static void
fleet_view(struct conn_ctx *cc, int exempt)
{
	struct fleet_req *r[NETS] = { NULL };
	struct netview *nv;
	double v;
	int i, ok, fresh;

	for (i = 0; i < NETS; i++) {
		nv = &cc->nets[i];
		if (nv->key[0] == '\0')
			continue;
		if (nv->pending) {
			ok = !exempt &&
			    fleet_wait(milter_fleet, nv->pending, &v) == 0;
			fresh = nv->pending_fresh;
			fleet_release(nv->pending);
			nv->pending = NULL;
			if (fresh || !ok)
				continue;	/* up to date, or Redis in trouble */
		}
		if (exempt || score_get(milter_scores, nv->key, util_now(),
		    NULL) < FLEET_READ_MIN)
			continue;	/* a clean client waits for nothing */
		r[i] = fleet_read(milter_fleet, nv->key);
	}
	for (i = 0; i < NETS; i++) {
		if (r[i] == NULL)
			continue;
		fleet_wait(milter_fleet, r[i], &v);
		fleet_release(r[i]);
	}
}

/* mt_connect - remember the client address */
static sfsistat
mt_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn_ctx *cc = conn_get(ctx);

	(void)hostname;
	if (cc == NULL)
		return SMFIS_TEMPFAIL;
	stats_inc(STATS_SESSIONS);
	if (sa == NULL)
		util_strlcpy(cc->client, "unknown", sizeof(cc->client));
	else if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr,
		    cc->client, sizeof(cc->client));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr,
		    cc->client, sizeof(cc->client));
	else
		util_strlcpy(cc->client, "local", sizeof(cc->client));
	if (cidr_addr_parse(cc->client, &cc->addr) < 0)
		cc->addr.family = 0;
	log_debug("connect client=%s", cc->client);
	if (milter_fleet && cc->addr.family)
		fleet_prefetch(cc);
	return SMFIS_CONTINUE;
}

/*
 * net_scores - the scores of the client's network and of the wide one,
 * decayed to now, and the client network's sleepers, into s
 */
static void
net_scores(struct conn_ctx *cc, struct judge_session *s)
{
	const char *net = cc->nets[NET_CLIENT].key;
	const char *wide = cc->nets[NET_WIDE].key;

	if (milter_scores == NULL)
		return;
	if (net[0])
		s->score = score_get(milter_scores, net, util_now(),
		    &s->asleep_net);
	if (wide[0])
		s->wide_score = score_get(milter_scores, wide, util_now(),
		    NULL);
}

/* session - what the policy needs to know of this session now */
static void
session(SMFICTX *ctx, const struct config *cfg, struct conn_ctx *cc,
    const char **authp, struct judge_session *s)
{
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");

	memset(s, 0, sizeof(*s));
	*authp = auth && *auth ? auth : NULL;
	s->authenticated = *authp != NULL;
	s->trusted = cc->addr.family && config_is_trusted(cfg, &cc->addr);
	s->unknowns = cc->unknowns;
	net_keys(cc, cfg);
	if (milter_scores && milter_fleet)
		fleet_view(cc, s->authenticated || s->trusted);
	net_scores(cc, s);
	s->asleep_total = tarpit_sleepers();
}

/* progress - keep-alive: tell the MTA we are still working */
static void
progress(void *ctx)
{
	smfi_progress((SMFICTX *)ctx);
}

/*
 * tarpit - sleep for the decision within the caps; 0 if slept, -1 if
 * the network's places were taken, -2 if every place was (the caller
 * answers without sleeping)
 */
static int
tarpit(SMFICTX *ctx, const struct config *cfg, struct conn_ctx *cc,
    double delay, double *slept)
{
	struct tarpit_opts o = { 0 };
	const char *net = cc->nets[NET_CLIENT].key;
	double s;

	if (net[0] && milter_scores && !score_sleep_enter(milter_scores,
	    net, (unsigned)cfg->max_sleepers_net, util_now()))
		return -1;
	o.cap = (unsigned)cfg->max_sleepers;
	if (cfg->keepalive) {
		o.every = CONFIG_KEEPALIVE_EVERY;
		o.progress = progress;
		o.arg = ctx;
	}
	stats_tarpit_enter();
	s = tarpit_sleep(delay, &o);
	stats_tarpit_leave(s < 0 ? 0 : s);
	if (net[0] && milter_scores)
		score_sleep_leave(milter_scores, net);
	if (s < 0)
		return -2;
	*slept = s;
	return 0;
}

/* answer - turn a decision into the libmilter status and reply */
static sfsistat
answer(SMFICTX *ctx, const struct config *cfg, const struct judge_result *res)
{
	sfsistat rc;

	if (cfg->dry_run)
		return SMFIS_CONTINUE;
	switch (res->decision.action) {
	case ACTION_ACCEPT:
		return SMFIS_CONTINUE;
	case ACTION_REJECT:
		rc = SMFIS_REJECT;
		break;
	default:		/* tempfail, or 421: Postfix then disconnects */
		rc = SMFIS_TEMPFAIL;
	}
	if (smfi_setreply(ctx, (char *)res->decision.rcode,
	    (char *)res->decision.xcode, (char *)res->reply) != MI_SUCCESS)
		log_warnx("smfi_setreply failed; the MTA sends its default reply");
	return rc;
}

/*
 * awake - after the sleep: the network's scores as they are now (other
 * sessions may have added to them), and the harvest 421 if they reached it
 */
static void
awake(const struct config *cfg, struct conn_ctx *cc,
    const struct judge_session *before, struct judge_result *res)
{
	struct judge_session s = *before;

	s.unknowns = cc->unknowns;
	net_scores(cc, &s);
	res->score = s.score;
	res->wide_score = s.wide_score;
	judge_awake(cfg, &s, res);
}

/*
 * judge_and_wait - the shared part of MAIL and RCPT: run the decision,
 * keep the score, sleep within the caps; returns the time slept
 */
static double
judge_and_wait(SMFICTX *ctx, const struct config *cfg, struct conn_ctx *cc,
    const struct judge_session *s, struct judge_result *res)
{
	struct policy_config pc;
	struct netview *nv = &cc->nets[NET_CLIENT];
	double slept = 0, shared, v[NETS];
	int i, full = 0;

	res->score = s->score;
	res->wide_score = s->wide_score;
	if (res->cls == RCPT_UNKNOWN && (res->looked_up || s->mta_rejected) &&
	    !s->authenticated && !s->trusted) {
		cc->unknowns++;
		for (i = 0; i < NETS && milter_scores; i++) {
			if (cc->nets[i].key[0] == '\0')
				continue;
			v[i] = score_add(milter_scores, cc->nets[i].key, 1,
			    util_now());
			if (milter_fleet) {
				/* The floor: this host's count before. */
				fleet_release(cc->nets[i].pending);
				cc->nets[i].pending = fleet_add(milter_fleet,
				    cc->nets[i].key, 1, v[i] - 1);
				cc->nets[i].pending_fresh = 0;
			}
			*(i == NET_CLIENT ? &res->score : &res->wide_score) =
			    v[i];
		}
	}
	if (res->decision.delay > 0 && !cfg->dry_run &&
	    (full = tarpit(ctx, cfg, cc, res->decision.delay, &slept)) < 0) {
		judge_policy(cfg, &pc);
		if (full == -2)
			policy_full(&pc, &res->decision);
		else
			policy_capped(&pc, &res->decision);
		if (res->decision.action == ACTION_DISCONNECT ||
		    res->decision.action == ACTION_TEMPFAIL)
			util_strlcpy(res->reply, "Too busy; try again later",
			    sizeof(res->reply));
	}
	if (full == 0 && slept > 0)
		awake(cfg, cc, s, res);
	/* The shared score after the add, for the log; in by now if slept. */
	if (nv->pending && !nv->pending_fresh) {
		if (fleet_wait(milter_fleet, nv->pending, &shared) == 0 &&
		    shared > res->score)
			res->score = shared;
		fleet_release(nv->pending);
		nv->pending = NULL;
	}
	count_decision(res);
	return slept;
}

/* mt_envfrom - remember the sender; the optional sender checks */
static sfsistat
mt_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *cc = conn_get(ctx);
	struct judge_session s;
	struct judge_result res;
	const char *auth;
	struct runtime *rt;
	double slept;
	sfsistat rc;

	if (cc == NULL)
		return SMFIS_TEMPFAIL;
	free(cc->sender);
	cc->sender = argv && argv[0] ? strndup(argv[0], SENDER_MAX) : NULL;
	if (cc->sender == NULL || (rt = runtime_acquire()) == NULL)
		return SMFIS_CONTINUE;
	if (!rt->cfg.reject_unknown_sender &&
	    !rt->cfg.require_auth_local_sender) {
		runtime_release(rt);
		return SMFIS_CONTINUE;
	}
	__atomic_add_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
	session(ctx, &rt->cfg, cc, &auth, &s);
	judge_sender(&rt->cfg, &rt->dir, cc->sender, &s, &res);
	if (strcmp(res.decision.reason, "sender-ok") == 0) {
		runtime_release(rt);
		__atomic_sub_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
		return SMFIS_CONTINUE;
	}
	slept = judge_and_wait(ctx, &rt->cfg, cc, &s, &res);
	log_decision(ctx, &rt->cfg, cc, auth, NULL, &res, slept);
	rc = answer(ctx, &rt->cfg, &res);
	runtime_release(rt);
	__atomic_sub_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
	return rc;
}

/* log_decision - the one key=value line per recipient (or sender) */
static void
log_decision(SMFICTX *ctx, const struct config *cfg, struct conn_ctx *cc,
    const char *auth, const char *rcpt, const struct judge_result *res,
    double slept)
{
	char from[SHOW_MAX * 4], to[SHOW_MAX * 4], who[256], err[1024];
	char extra[256];
	const char *qid = smfi_getsymval(ctx, "i");
	size_t n;

	show_addr(cc->sender, from, sizeof(from));
	show_addr(rcpt, to, sizeof(to));
	util_log_escape(auth ? auth : "-", who, sizeof(who), 0);
	err[0] = '\0';
	if (res->error[0]) {
		char esc[sizeof(err) - 16];

		util_log_escape(res->error, esc, sizeof(esc), 1);
		snprintf(err, sizeof(err), " error=\"%s\"", esc);
	}
	n = (size_t)snprintf(extra, sizeof(extra), "%s%s",
	    cc->nets[NET_CLIENT].key[0] ? " net=" : "",
	    cc->nets[NET_CLIENT].key);
	if (res->routed[0] && n < sizeof(extra)) {
		char r[SHOW_MAX * 4];

		util_log_escape(res->routed, r, sizeof(r), 0);
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    " routed=<%s>", r);
	}
	if (res->score > 0 && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    " score=%.2f", res->score);
	if (res->wide_score > 0 && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    " wide=%s wide_score=%.2f", cc->nets[NET_WIDE].key,
		    res->wide_score);
	if (cfg->dry_run && n < sizeof(extra))
		snprintf(extra + n, sizeof(extra) - n, " dry_run=yes"
		    " would_delay=%.3f", res->decision.delay);
	log_info("qid=%s client=%s auth=%s from=<%s> rcpt=%s%s%s action=%s"
	    " code=%s delay=%.3f reason=%s lookup=%.3f cache=%s%s%s",
	    qid && *qid ? qid : "-", cc->client, who, from,
	    rcpt ? "<" : "-", rcpt ? to : "", rcpt ? ">" : "",
	    policy_action_name(res->decision.action), res->decision.rcode,
	    slept, res->decision.reason, res->lookup_seconds, res->cache,
	    extra, err);
}

/* count_decision - the statistics of one recipient */
static void
count_decision(const struct judge_result *res)
{
	stats_inc(STATS_RCPT_CHECKED);
	if (res->decision.action == ACTION_DISCONNECT &&
	    strcmp(res->decision.reason, "harvest") == 0)
		stats_inc(STATS_HARVEST_DISCONNECTS);
	stats_inc(res->decision.action == ACTION_ACCEPT ? STATS_ACCEPTED :
	    res->decision.action == ACTION_REJECT ? STATS_REJECTED :
	    STATS_TEMPFAILED);
	if (!res->looked_up)
		return;
	if (strcmp(res->cache, "miss") == 0 || strcmp(res->cache, "off") == 0) {
		if (strcmp(res->cache, "miss") == 0)
			stats_inc(STATS_CACHE_MISSES);
		stats_inc(STATS_DIR_QUERIES);
		stats_observe_lookup(res->lookup_seconds);
		if (res->cls == RCPT_LOOKUP_FAILED)
			stats_inc(STATS_DIR_ERRORS);
	} else if (strcmp(res->cache, "stale") == 0) {
		/* The query failed; a recent "exists" answered instead. */
		stats_inc(STATS_CACHE_HITS);
		stats_inc(STATS_DIR_QUERIES);
		stats_inc(STATS_DIR_ERRORS);
		stats_observe_lookup(res->lookup_seconds);
	} else {
		stats_inc(STATS_CACHE_HITS);	/* hit, or a shared query */
	}
}

/* mt_envrcpt - judge one recipient, sleep if the policy says so, answer */
static sfsistat
mt_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *cc = conn_get(ctx);
	struct judge_session s;
	struct judge_result res;
	const char *auth, *rcpt = argv ? argv[0] : NULL, *mailer, *status;
	struct runtime *rt;
	double slept;
	sfsistat rc;

	if (cc == NULL || (rt = runtime_acquire()) == NULL)
		return SMFIS_TEMPFAIL;
	__atomic_add_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
	session(ctx, &rt->cfg, cc, &auth, &s);
	/*
	 * A recipient Postfix rejected itself comes with {rcpt_mailer}
	 * "error" and the enhanced status in {rcpt_host}: only "user
	 * unknown" (5.1.1) is a probe; greylisting, blocklists and the like
	 * are not.
	 */
	mailer = smfi_getsymval(ctx, "{rcpt_mailer}");
	status = smfi_getsymval(ctx, "{rcpt_host}");
	if (mailer && strcmp(mailer, "error") == 0) {
		if (!status || strncmp(status, "5.1.1", 5) != 0) {
			/* Rejected by Postfix for another reason: not ours. */
			runtime_release(rt);
			__atomic_sub_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
			return SMFIS_CONTINUE;
		}
		s.mta_rejected = 1;
	}
	judge_recipient(&rt->cfg, &rt->dir, rcpt ? rcpt : "", &s, &res);
	slept = judge_and_wait(ctx, &rt->cfg, cc, &s, &res);
	log_decision(ctx, &rt->cfg, cc, auth, rcpt, &res, slept);
	/* Postfix has rejected this one itself; it only waited for us. */
	rc = s.mta_rejected ? SMFIS_CONTINUE : answer(ctx, &rt->cfg, &res);
	runtime_release(rt);
	__atomic_sub_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
	return rc;
}

/* mt_abort - the transaction ends: forget the sender */
static sfsistat
mt_abort(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);

	if (cc) {
		free(cc->sender);
		cc->sender = NULL;
	}
	return SMFIS_CONTINUE;
}

/* mt_eom - the message is complete: nothing to change */
static sfsistat
mt_eom(SMFICTX *ctx)
{
	return mt_abort(ctx);
}

/* mt_close - the connection ends: free its context */
static sfsistat
mt_close(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	int i;

	if (cc) {
		log_debug("close client=%s unknowns=%u", cc->client,
		    cc->unknowns);
		for (i = 0; i < NETS; i++)
			fleet_release(cc->nets[i].pending);
		free(cc->sender);
		free(cc);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

/* milter_register - register the callbacks; 0 ok, -1 failure */
int
milter_register(struct score_table *scores, int rcpt_rej)
{
	static struct smfiDesc desc = {
		.xxfi_name = "milter-tarpit",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = 0,
		.xxfi_connect = mt_connect,
		.xxfi_envfrom = mt_envfrom,
		.xxfi_envrcpt = mt_envrcpt,
		.xxfi_eom = mt_eom,
		.xxfi_abort = mt_abort,
		.xxfi_close = mt_close,
		.xxfi_negotiate = mt_negotiate,
	};

	milter_scores = scores;
	milter_rcpt_rej = rcpt_rej;
	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}

/* milter_share - use shared scores (--redis) from now on; before smfi_main */
void
milter_share(struct fleet *fleet)
{
	milter_fleet = fleet;
}
