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
 *	Everything known about clients (scores, good records, attack mode,
 *	their sharing and the state file) is in clients.c: a session asks
 *	it for a view before each decision and reports what happened.
 *
 *	We negotiate away every stage we do not use (headers, body), so
 *	Postfix does not send them; HELO we keep, for the log.
 *
 *	Each connection gets a session id at connect, 8 hex digits on every
 *	line of the session: a process-wide counter (atomic) from a random
 *	start, so ids differ between sessions and, very likely, restarts. {auth_authen} arrives with MAIL FROM
 *	in Postfix's default milter_mail_macros and is read again at RCPT.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "clients.h"
#include "judge.h"
#include "log.h"
#include "milter.h"
#include "runtime.h"
#include "stats.h"
#include "tarpit.h"
#include "util.h"

#define SENDER_MAX 1024
#define SHOW_MAX 520
#define HELO_MAX 255		/* longer names are cut (a domain's limit) */

struct conn_ctx {
	char		sid[9];		/* session id: 8 hex digits */
	char		client[INET6_ADDRSTRLEN + 1];
	char		*helo;		/* as given at HELO/EHLO, or NULL */
	struct client	*cl;		/* what clients.c keeps of it */
	char		*sender;	/* as given at MAIL FROM, or NULL */
	unsigned	unknowns;	/* unknown recipients this session */
	unsigned	valid;		/* valid recipients, this message */
};

static struct clients *milter_clients;	/* process-wide, locks inside */

static void count_decision(const struct judge_result *res, int rcpt);
static void log_decision(SMFICTX *ctx, const struct config *cfg,
    struct conn_ctx *cc, const char *auth, const char *rcpt,
    const struct judge_session *s, const struct judge_result *res,
    double slept);
static int milter_rcpt_rej;			/* --tarpit-rejected at start */

static unsigned milter_running;		/* atomic */
static unsigned milter_sid;		/* atomic: the last session id */

/* milter_busy - RCPT callbacks running right now */
unsigned
milter_busy(void)
{
	return __atomic_load_n(&milter_running, __ATOMIC_SEQ_CST);
}

/* sid_init - the session ids' random start; before any session */
static void
sid_init(void)
{
	unsigned v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
	__atomic_store_n(&milter_sid, v, __ATOMIC_SEQ_CST);
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
		snprintf(cc->sid, sizeof(cc->sid), "%08x", __atomic_add_fetch(
		    &milter_sid, 1, __ATOMIC_SEQ_CST));
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
	unsigned long skip = SMFIP_NOHDRS | SMFIP_NOEOH |
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

/* mt_connect - remember the client address */
static sfsistat
mt_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn_ctx *cc = conn_get(ctx);
	struct runtime *rt;

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
	if ((rt = runtime_acquire()) == NULL)
		return SMFIS_TEMPFAIL;
	clients_close(cc->cl);
	cc->cl = clients_connect(milter_clients, &rt->cfg, cc->client);
	runtime_release(rt);
	log_debug("connect sid=%s client=%s", cc->sid, cc->client);
	return cc->cl ? SMFIS_CONTINUE : SMFIS_TEMPFAIL;
}

/* mt_helo - remember the HELO name (the last one: EHLO again after TLS) */
static sfsistat
mt_helo(SMFICTX *ctx, char *name)
{
	struct conn_ctx *cc = conn_get(ctx);

	if (cc == NULL)
		return SMFIS_TEMPFAIL;
	free(cc->helo);
	cc->helo = name ? strndup(name, HELO_MAX) : NULL;
	return SMFIS_CONTINUE;	/* NULL (out of memory): helo=- */
}

/* view - the client's view into the session */
static void
view(const struct config *cfg, struct conn_ctx *cc, struct judge_session *s)
{
	struct client_view v;

	clients_view(milter_clients, cc->cl, cfg,
	    s->authenticated || s->trusted, s->asleep_total, &v);
	s->score = v.score;
	s->wide_score = v.wide_score;
	s->asleep_net = v.asleep_net;
	s->good = v.good;
	s->attack = v.attack;
}

/* session - what the policy needs to know of this session now */
static void
session(SMFICTX *ctx, struct runtime *rt, struct conn_ctx *cc,
    const char **authp, struct judge_session *s)
{
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");
	struct ipaddr a;

	memset(s, 0, sizeof(*s));
	*authp = auth && *auth ? auth : NULL;
	s->authenticated = *authp != NULL;
	s->trusted = cidr_addr_parse(cc->client, &a) == 0 &&
	    config_is_trusted(&rt->cfg, &a);
	s->unknowns = cc->unknowns;
	s->asleep_total = tarpit_sleepers();
	s->traps = rt->traps.ops ? &rt->traps : NULL;
	if (cc->cl == NULL)	/* no connect callback: a network unknown */
		cc->cl = clients_connect(milter_clients, &rt->cfg, "");
	/* Exempt already: no wait for Redis's word on a trust. */
	if (!s->authenticated && !s->trusted &&
	    clients_is_trusted(milter_clients, cc->cl))
		s->trusted = 1;	/* for a while, by the control socket */
	view(&rt->cfg, cc, s);
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
	double s;

	if (!clients_sleep_enter(milter_clients, cc->cl,
	    (unsigned)cfg->max_sleepers_net))
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
	clients_sleep_leave(milter_clients, cc->cl);
	if (s < 0)
		return -2;
	*slept = s;
	return 0;
}

/* answer - turn a decision into the libmilter status and reply */
static sfsistat
answer(SMFICTX *ctx, const struct config *cfg, const struct judge_result *res)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
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
		log_warnx("smfi_setreply failed; the MTA sends its default"
		    " reply (sid=%s)", cc ? cc->sid : "-");
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
	view(cfg, cc, &s);
	res->score = s.score;
	res->wide_score = s.wide_score;
	judge_awake(cfg, &s, res);
}

/*
 * counted - an unknown recipient that counts against the client: one
 * the directory (or Postfix, or a trap) said does not exist, from a
 * client that is not exempt
 */
static int
counted(const struct judge_session *s, const struct judge_result *res)
{
	return res->cls == RCPT_UNKNOWN && (res->looked_up ||
	    s->mta_rejected || res->trap) && !s->authenticated && !s->trusted;
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
	double slept = 0;
	int full = 0;

	res->score = s->score;
	res->wide_score = s->wide_score;
	if (counted(s, res)) {
		if (!policy_hidden(&res->decision))
			cc->unknowns++;
		clients_unknown(milter_clients, cc->cl, cfg, s->good,
		    policy_hidden(&res->decision), res->trap, &res->score,
		    &res->wide_score);
	}
	if (res->decision.delay > 0 && !cfg->dry_run &&
	    (full = tarpit(ctx, cfg, cc, res->decision.delay, &slept)) < 0) {
		judge_policy(cfg, &pc);
		policy_full(&pc, &res->decision);
		if (res->decision.action == ACTION_DISCONNECT ||
		    res->decision.action == ACTION_TEMPFAIL)
			util_strlcpy(res->reply, "Too busy; try again later",
			    sizeof(res->reply));
	}
	if (full == 0 && slept > 0)
		awake(cfg, cc, s, res);
	/* The shared score after the add, for the log; in by now if slept. */
	res->score = clients_shared(milter_clients, cc->cl, res->score);
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
	cc->valid = 0;
	cc->sender = argv && argv[0] ? strndup(argv[0], SENDER_MAX) : NULL;
	if (cc->sender == NULL || (rt = runtime_acquire()) == NULL)
		return SMFIS_CONTINUE;
	if (!rt->cfg.reject_unknown_sender &&
	    !rt->cfg.require_auth_local_sender) {
		runtime_release(rt);
		return SMFIS_CONTINUE;
	}
	__atomic_add_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
	session(ctx, rt, cc, &auth, &s);
	judge_sender(&rt->cfg, &rt->dir, cc->sender, &s, &res);
	if (strcmp(res.decision.reason, "sender-ok") == 0) {
		runtime_release(rt);
		__atomic_sub_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
		return SMFIS_CONTINUE;
	}
	slept = judge_and_wait(ctx, &rt->cfg, cc, &s, &res);
	count_decision(&res, 0);
	log_decision(ctx, &rt->cfg, cc, auth, NULL, &s, &res, slept);
	rc = answer(ctx, &rt->cfg, &res);
	runtime_release(rt);
	__atomic_sub_fetch(&milter_running, 1, __ATOMIC_SEQ_CST);
	return rc;
}

/* log_decision - the one key=value line per recipient (or sender) */
static void
log_decision(SMFICTX *ctx, const struct config *cfg, struct conn_ctx *cc,
    const char *auth, const char *rcpt, const struct judge_session *s,
    const struct judge_result *res, double slept)
{
	char from[SHOW_MAX * 4], to[SHOW_MAX * 4], who[256], err[1024];
	char helo[HELO_MAX * 4 + 1];
	char extra[SHOW_MAX * 4 + 512];
	const char *qid = smfi_getsymval(ctx, "i");
	size_t n;

	show_addr(cc->sender, from, sizeof(from));
	show_addr(rcpt, to, sizeof(to));
	util_log_escape(auth ? auth : "-", who, sizeof(who), 0);
	util_log_escape(cc->helo && *cc->helo ? cc->helo : "-", helo,
	    sizeof(helo), 0);
	err[0] = '\0';
	if (res->error[0]) {
		char esc[sizeof(err) - 16];

		util_log_escape(res->error, esc, sizeof(esc), 1);
		snprintf(err, sizeof(err), " error=\"%s\"", esc);
	}
	n = (size_t)snprintf(extra, sizeof(extra), "%s%s",
	    clients_net(cc->cl)[0] ? " net=" : "", clients_net(cc->cl));
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
		    " wide=%s wide_score=%.2f", clients_wide(cc->cl),
		    res->wide_score);
	if (s->good && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, " good=yes");
	if (s->attack && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    " attack=yes%s", s->passed ? " passed=yes" : "");
	if (res->trap && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, " trap=yes");
	if (cfg->dry_run && n < sizeof(extra))
		snprintf(extra + n, sizeof(extra) - n, " dry_run=yes"
		    " would_delay=%.3f", res->decision.delay);
	log_info("sid=%s qid=%s client=%s helo=%s auth=%s from=<%s> rcpt=%s%s%s"
	    " action=%s code=%s delay=%.3f reason=%s lookup=%.3f cache=%s%s%s",
	    cc->sid, qid && *qid ? qid : "-", cc->client, helo, who, from,
	    rcpt ? "<" : "-", rcpt ? to : "", rcpt ? ">" : "",
	    policy_action_name(res->decision.action), res->decision.rcode,
	    slept, res->decision.reason, res->lookup_seconds, res->cache,
	    extra, err);
}

/* count_decision - the statistics of one recipient, or sender if !rcpt */
static void
count_decision(const struct judge_result *res, int rcpt)
{
	stats_inc(rcpt ? STATS_RCPT_CHECKED : STATS_SENDERS_CHECKED);
	stats_decision(policy_action_name(res->decision.action),
	    res->decision.reason);
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
	session(ctx, rt, cc, &auth, &s);
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
	if (s.attack && !s.good && !s.authenticated && !s.trusted)
		s.passed = clients_pass(milter_clients, cc->cl, &rt->cfg,
		    cc->sender, rcpt);
	judge_recipient(&rt->cfg, &rt->dir, rcpt ? rcpt : "", &s, &res);
	if (policy_greylisted(&res.decision))
		clients_greylisted(milter_clients, cc->cl, cc->sender, rcpt);
	slept = judge_and_wait(ctx, &rt->cfg, cc, &s, &res);
	count_decision(&res, 1);
	if (res.decision.action == ACTION_ACCEPT && res.cls == RCPT_EXISTS &&
	    !rt->cfg.dry_run)
		cc->valid++;
	log_decision(ctx, &rt->cfg, cc, auth, rcpt, &s, &res, slept);
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
		cc->valid = 0;
	}
	return SMFIS_CONTINUE;
}

/*
 * mt_eom - the message is complete and Postfix accepts it: with valid
 * recipients, from a client under no suspicion, it earns its network a
 * good record
 */
static sfsistat
mt_eom(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);
	struct judge_session s;
	struct runtime *rt;
	const char *auth;

	if (cc && cc->valid && (rt = runtime_acquire()) != NULL) {
		session(ctx, rt, cc, &auth, &s);
		if (!s.authenticated && !s.trusted &&
		    !judge_suspect(&rt->cfg, &s))
			clients_delivered(milter_clients, cc->cl);
		runtime_release(rt);
	}
	return mt_abort(ctx);
}

/* mt_close - the connection ends: free its context */
static sfsistat
mt_close(SMFICTX *ctx)
{
	struct conn_ctx *cc = smfi_getpriv(ctx);

	if (cc) {
		log_debug("close sid=%s client=%s unknowns=%u", cc->sid,
		    cc->client, cc->unknowns);
		clients_close(cc->cl);
		free(cc->sender);
		free(cc->helo);
		free(cc);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

/* milter_register - register the callbacks; 0 ok, -1 failure */
int
milter_register(struct clients *clients, int rcpt_rej)
{
	static struct smfiDesc desc = {
		.xxfi_name = "milter-tarpit",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = 0,
		.xxfi_connect = mt_connect,
		.xxfi_helo = mt_helo,
		.xxfi_envfrom = mt_envfrom,
		.xxfi_envrcpt = mt_envrcpt,
		.xxfi_eom = mt_eom,
		.xxfi_abort = mt_abort,
		.xxfi_close = mt_close,
		.xxfi_negotiate = mt_negotiate,
	};

	milter_clients = clients;
	milter_rcpt_rej = rcpt_rej;
	sid_init();
	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}
