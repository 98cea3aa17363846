/*
 * NAME
 *	clients 3
 * SUMMARY
 *	everything known about clients: scores, good records, attack mode
 * DESCRIPTION
 *	Four tables (score.c), each locked inside: the scores of client
 *	networks and of wide networks (one table: the keys differ), the
 *	good records (a half-life of days), the greylisting of attack mode
 *	(when a client, sender and recipient were first refused), and the
 *	daemon-wide count of unknown recipients (one key, a half-life of a
 *	minute). Attack mode's state machine (attack.c) is under the mutex
 *	here, held for a few assignments only, never for a table or I/O.
 *
 *	With --redis (fleet.c) a session asks at connect, without waiting,
 *	for its networks' scores, its good record and the shared count;
 *	each answer raises the local table, which every decision reads.
 *	Before its first decision the session waits for those answers,
 *	bounded by --redis-timeout, and for a network with a score it reads
 *	again before each later one, so another host's count since is in.
 *	A clean client never waits beyond the first answers, which have
 *	normally arrived during the SMTP greeting. Every unknown recipient,
 *	good record and count is added there as well as here. A trust given
 *	through the control socket is set there too, and read at connect
 *	with the rest; clients_is_trusted() waits for it before the first
 *	decision, so a network trusted on one host is trusted on all.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attack.h"
#include "cidr.h"
#include "clients.h"
#include "fleet.h"
#include "log.h"
#include "score.h"
#include "state.h"
#include "stats.h"
#include "trust.h"
#include "util.h"

#define FLEET_READ_MIN 0.05	/* a local score from which Redis is read */
#define COUNT_KEY "all"		/* the daemon-wide count's one key */
#define GREY_HALF_LIFE 86400.0	/* the greylisting table's entries */
#define GREY_PART_MAX 300	/* sender and recipient in a key, cut */

enum { NET_CLIENT, NET_WIDE, NET_GOOD, NET_COUNT, NETS };

struct netview {
	char		key[INET6_ADDRSTRLEN + 8];	/* or "" */
	struct fleet_req *pending;	/* shared-value request, or NULL */
	int		pending_fresh;	/* sent before this session decided */
};

struct client {
	struct netview	nets[NETS];
	struct fleet_req *trust;	/* the read of a shared trust, or NULL */
};

struct clients {
	struct score_table *scores;	/* client and wide networks */
	struct score_table *good;	/* delivered messages */
	struct score_table *grey;	/* first refusal in attack mode */
	struct score_table *count;	/* unknown recipients, all clients */
	struct fleet	*fleet;		/* or NULL */
	struct trust	*trust;		/* exempt by the control socket */
	pthread_mutex_t	mu;		/* attack and saved_at */
	struct attack	attack;
	double		saved_at;
};

static const enum fleet_kind net_kind[NETS] = {
	FLEET_SCORE, FLEET_SCORE, FLEET_GOOD, FLEET_ATTACK
};

/* table - the local table of a network view */
static struct score_table *
table(struct clients *cs, int i)
{
	return i == NET_GOOD ? cs->good : i == NET_COUNT ? cs->count :
	    cs->scores;
}

/* clients_new - the tables, sized by cfg; NULL if out of memory */
struct clients *
clients_new(const struct config *cfg)
{
	struct clients *cs = calloc(1, sizeof(*cs));
	size_t n = (size_t)cfg->score_table_size;

	if (cs == NULL)
		return NULL;
	cs->scores = score_new(n, cfg->half_life);
	cs->good = score_new(n, cfg->good_half_life);
	cs->grey = score_new(n, GREY_HALF_LIFE);
	cs->count = score_new(4, ATTACK_HALF_LIFE);
	cs->trust = trust_new();
	if (!cs->scores || !cs->good || !cs->grey || !cs->count ||
	    !cs->trust) {
		trust_free(cs->trust);
		score_free(cs->scores);
		score_free(cs->good);
		score_free(cs->grey);
		score_free(cs->count);
		free(cs);
		return NULL;
	}
	pthread_mutex_init(&cs->mu, NULL);
	cs->saved_at = util_now();
	return cs;
}

/* clients_share - with --redis, share from now on; -1 out of memory */
int
clients_share(struct clients *cs, const struct config *cfg)
{
	struct fleet_opts o = { 0 };
	struct fleet_url u;
	char why[512];

	if (cfg->redis_url == NULL)
		return 0;
	if (fleet_url_parse(cfg->redis_url, &u, why, sizeof(why)) < 0)
		return -1;	/* checked by the flags already */
	o.url = &u;
	o.password = cfg->redis_password;
	o.prefix = cfg->redis_prefix;
	o.timeout = cfg->redis_timeout;
	o.local[FLEET_SCORE] = cs->scores;
	o.half_life[FLEET_SCORE] = cfg->half_life;
	o.local[FLEET_GOOD] = cs->good;
	o.half_life[FLEET_GOOD] = cfg->good_half_life;
	o.local[FLEET_ATTACK] = cs->count;
	o.half_life[FLEET_ATTACK] = ATTACK_HALF_LIFE;
	o.trust = cs->trust;
	cs->fleet = fleet_start(&o);
	fleet_url_free(&u);
	return cs->fleet ? 0 : -1;
}

/* state_tables - what the state file keeps */
static size_t
state_tables(struct clients *cs, struct state_table *t)
{
	t[0].name = "score";
	t[0].table = cs->scores;
	t[1].name = "good";
	t[1].table = cs->good;
	return 2;
}

/* clients_load - read --state-file, if any; -1 the file is bad */
int
clients_load(struct clients *cs, const struct config *cfg)
{
	struct state_table t[2];
	char msg[512];
	size_t n = state_tables(cs, t);
	int rc;

	if (cfg->state_file == NULL)
		return 0;
	rc = state_load(cfg->state_file, t, n, util_now(),
	    (double)time(NULL), msg, sizeof(msg));
	if (rc < 0) {
		log_warnx("state: %s; starting without it", msg);
		return -1;
	}
	if (rc > 0)
		log_info("state: read %s: %s", cfg->state_file, msg);
	else
		log_info("state: %s does not exist yet; starting afresh",
		    cfg->state_file);
	return 0;
}

/* save - write the state file now */
static void
save(struct clients *cs, const struct config *cfg)
{
	struct state_table t[2];
	char msg[512];
	size_t n = state_tables(cs, t);

	if (state_save(cfg->state_file, t, n, util_now(), (double)time(NULL),
	    msg, sizeof(msg)) < 0)
		log_warnx("state: %s", msg);
}

/* attack_opts_of - attack mode's settings in cfg */
static void
attack_opts_of(const struct config *cfg, struct attack_opts *o)
{
	o->threshold = cfg->attack_score;
	o->hold = cfg->attack_hold;
	o->budget = cfg->attack_budget;
}

/* report - the one log line when attack mode starts or ends */
static void
report(const struct config *cfg, enum attack_change ch,
    const struct attack *a, double count, unsigned asleep, double now)
{
	const char *shared = cfg->redis_url ? " (all hosts)" : "";

	if (ch == ATTACK_STARTED) {
		stats_attack_state(1);
		log_warnx("attack mode on: unknown=%.1f%s threshold=%g"
		    " tarpit=%u/%ld trigger=%s%s", count, shared,
		    cfg->attack_score, asleep, cfg->max_sleepers,
		    a->full ? "tarpit-full" : "unknown-rate",
		    cfg->dry_run ? " dry_run=yes" : "");
	} else if (ch == ATTACK_ENDED) {
		stats_attack_state(0);
		log_warnx("attack mode off: lasted=%.0fs peak_unknown=%.1f%s"
		    " greylisted=%lu passed=%lu%s", now - a->since, a->peak,
		    shared, a->greylisted, a->passed,
		    cfg->dry_run ? " dry_run=yes" : "");
	}
}

/* update - the count now against attack mode; 1 if on */
static int
update(struct clients *cs, const struct config *cfg, int full,
    unsigned asleep)
{
	struct attack_opts o;
	struct attack a;
	enum attack_change ch;
	double now = util_now();
	double count = score_get(cs->count, COUNT_KEY, now, NULL);
	int on;

	attack_opts_of(cfg, &o);
	pthread_mutex_lock(&cs->mu);
	/* Rounded, as a client's score: one decays a little before the next. */
	ch = attack_update(&cs->attack, &o, floor(count + 0.5), full, now);
	on = cs->attack.on;
	a = cs->attack;
	pthread_mutex_unlock(&cs->mu);
	report(cfg, ch, &a, count, asleep, now);
	return on;
}

/* clients_tick - once a second: attack mode's end, the state file */
void
clients_tick(struct clients *cs, const struct config *cfg)
{
	double now = util_now();
	int due;

	update(cs, cfg, 0, 0);
	if (cfg->state_file == NULL)
		return;
	pthread_mutex_lock(&cs->mu);
	due = now - cs->saved_at >= cfg->state_interval;
	if (due)
		cs->saved_at = now;
	pthread_mutex_unlock(&cs->mu);
	if (due)
		save(cs, cfg);
}

/* clients_stop - at exit: write the state file, stop sharing */
void
clients_stop(struct clients *cs, const struct config *cfg)
{
	fleet_stop(cs->fleet);	/* sessions still running use the tables */
	if (cfg->state_file) {
		save(cs, cfg);
		log_info("state: written to %s", cfg->state_file);
	}
}

/* clients_in_attack - is attack mode on */
int
clients_in_attack(struct clients *cs)
{
	int on;

	pthread_mutex_lock(&cs->mu);
	on = cs->attack.on;
	pthread_mutex_unlock(&cs->mu);
	return on;
}

/*
 * net_keys - the client network's key, the wide one's around it ("" if
 * no wider, or --wide-weight is 0) and the count's
 */
static void
net_keys(struct client *c, const struct config *cfg, const struct ipaddr *a)
{
	int wide;

	util_strlcpy(c->nets[NET_COUNT].key, COUNT_KEY,
	    sizeof(c->nets[NET_COUNT].key));
	if (a == NULL)
		return;
	cidr_key(a, (int)cfg->prefix4, (int)cfg->prefix6,
	    c->nets[NET_CLIENT].key, sizeof(c->nets[NET_CLIENT].key));
	util_strlcpy(c->nets[NET_GOOD].key, c->nets[NET_CLIENT].key,
	    sizeof(c->nets[NET_GOOD].key));
	wide = a->family == 4 ? cfg->wide4 < cfg->prefix4 :
	    cfg->wide6 < cfg->prefix6;
	if (wide && cfg->wide_weight > 0)
		cidr_key(a, (int)cfg->wide4, (int)cfg->wide6,
		    c->nets[NET_WIDE].key, sizeof(c->nets[NET_WIDE].key));
}

/* clients_connect - a new session from addr; NULL if out of memory */
struct client *
clients_connect(struct clients *cs, const struct config *cfg,
    const char *addr)
{
	struct client *c = calloc(1, sizeof(*c));
	struct ipaddr a;
	int i, ok;

	if (c == NULL)
		return NULL;
	ok = addr && cidr_addr_parse(addr, &a) == 0;
	if (ok && config_is_trusted(cfg, &a))
		return c;	/* never scored */
	net_keys(c, cfg, ok ? &a : NULL);
	for (i = 0; i < NETS && cs->fleet; i++) {
		if (c->nets[i].key[0] == '\0')
			continue;
		c->nets[i].pending = fleet_read(cs->fleet, net_kind[i],
		    c->nets[i].key);
		c->nets[i].pending_fresh = 1;
	}
	if (cs->fleet && c->nets[NET_CLIENT].key[0])
		c->trust = fleet_read(cs->fleet, FLEET_TRUST,
		    c->nets[NET_CLIENT].key);
	return c;
}

/* clients_close - the session ended */
void
clients_close(struct client *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < NETS; i++)
		fleet_release(c->nets[i].pending);
	fleet_release(c->trust);
	free(c);
}

/* clients_net - the client network's key, or "" */
const char *
clients_net(const struct client *c)
{
	return c->nets[NET_CLIENT].key;
}

/* clients_wide - the wide network's key, or "" */
const char *
clients_wide(const struct client *c)
{
	return c->nets[NET_WIDE].key;
}

/*
 * fleet_view - raise the local tables to the shared values: the answers
 * to what this session sent, and for a network with a score a fresh
 * read unless that answer came from the read at connect. The reads go
 * out before any is waited for, so a decision waits one round trip at
 * most, bounded by --redis-timeout; while Redis is down, none.
 */
static void
fleet_view(struct clients *cs, struct client *c, int exempt)
{
	struct fleet_req *r[NETS] = { NULL };
	struct netview *nv;
	double v;
	int i, ok, fresh;

	for (i = 0; i < NETS; i++) {
		nv = &c->nets[i];
		if (nv->key[0] == '\0')
			continue;
		if (nv->pending) {
			ok = !exempt &&
			    fleet_wait(cs->fleet, nv->pending, &v) == 0;
			fresh = nv->pending_fresh;
			fleet_release(nv->pending);
			nv->pending = NULL;
			if (fresh || !ok)
				continue;	/* up to date, or Redis in trouble */
		}
		if (exempt || (i != NET_CLIENT && i != NET_WIDE) ||
		    score_get(cs->scores, nv->key, util_now(), NULL) <
		    FLEET_READ_MIN)
			continue;	/* a clean client waits for nothing */
		r[i] = fleet_read(cs->fleet, net_kind[i], nv->key);
	}
	for (i = 0; i < NETS; i++) {
		if (r[i] == NULL)
			continue;
		fleet_wait(cs->fleet, r[i], &v);
		fleet_release(r[i]);
	}
}

/* clients_view - the client as it stands before a decision */
void
clients_view(struct clients *cs, struct client *c, const struct config *cfg,
    int exempt, unsigned asleep_total, struct client_view *v)
{
	const char *net = c->nets[NET_CLIENT].key;
	const char *wide = c->nets[NET_WIDE].key;
	double now, g;
	int full;

	memset(v, 0, sizeof(*v));
	if (cs->fleet)
		fleet_view(cs, c, exempt);
	now = util_now();
	if (net[0])
		v->score = score_get(cs->scores, net, now, &v->asleep_net);
	if (wide[0])
		v->wide_score = score_get(cs->scores, wide, now, NULL);
	if (net[0] && cfg->good_messages > 0) {
		g = score_get(cs->good, net, now, NULL);
		v->good = floor(g + 0.5) >= cfg->good_messages &&
		    (cfg->good_after <= 0 ||
		    score_age(cs->good, net, now) >= cfg->good_after);
	}
	full = cfg->max_sleepers > 0 &&
	    asleep_total >= (unsigned)cfg->max_sleepers;
	v->attack = update(cs, cfg, full, asleep_total);
}

/* grey_key - the greylisting key of client, sender and recipient */
static void
grey_key(const struct client *c, const char *sender, const char *rcpt,
    char *buf, size_t len)
{
	snprintf(buf, len, "%s|%.*s|%.*s", c->nets[NET_CLIENT].key,
	    GREY_PART_MAX, sender ? sender : "", GREY_PART_MAX,
	    rcpt ? rcpt : "");
}

/* clients_pass - a greylisted recipient retried, and a place in budget */
int
clients_pass(struct clients *cs, struct client *c, const struct config *cfg,
    const char *sender, const char *rcpt)
{
	char key[INET6_ADDRSTRLEN + 2 * GREY_PART_MAX + 16];
	struct attack_opts o;
	double now = util_now(), age;
	int ok;

	if (c->nets[NET_CLIENT].key[0] == '\0')
		return 0;
	grey_key(c, sender, rcpt, key, sizeof(key));
	age = score_age(cs->grey, key, now);
	if (age < 0 || age < cfg->greylist_time)
		return 0;
	attack_opts_of(cfg, &o);
	pthread_mutex_lock(&cs->mu);
	ok = attack_take(&cs->attack, &o, now);
	pthread_mutex_unlock(&cs->mu);
	return ok;
}

/* clients_greylisted - attack mode answered "try again later" */
void
clients_greylisted(struct clients *cs, struct client *c, const char *sender,
    const char *rcpt)
{
	char key[INET6_ADDRSTRLEN + 2 * GREY_PART_MAX + 16];

	if (c->nets[NET_CLIENT].key[0]) {
		grey_key(c, sender, rcpt, key, sizeof(key));
		score_add(cs->grey, key, 1, util_now());
	}
	pthread_mutex_lock(&cs->mu);
	cs->attack.greylisted++;
	pthread_mutex_unlock(&cs->mu);
	stats_inc(STATS_GREYLISTED);
}

/* add - add delta to network i, here and in Redis (floor: before) */
static double
add(struct clients *cs, struct client *c, int i, double delta)
{
	struct netview *nv = &c->nets[i];
	double v = score_add(table(cs, i), nv->key, delta, util_now());

	if (cs->fleet) {
		fleet_release(nv->pending);
		nv->pending = fleet_add(cs->fleet, net_kind[i], nv->key, delta,
		    v - delta);
		nv->pending_fresh = 0;
	}
	return v;
}

/* clients_unknown - an unknown recipient from a client not exempt */
void
clients_unknown(struct clients *cs, struct client *c,
    const struct config *cfg, int good, int hidden, int trap,
    double *score, double *wide)
{
	double now, cur;

	if (!good)
		add(cs, c, NET_COUNT, 1);
	if (c->nets[NET_CLIENT].key[0] == '\0')
		return;
	if (!hidden) {
		*score = add(cs, c, NET_CLIENT, 1);
		if (c->nets[NET_WIDE].key[0])
			*wide = add(cs, c, NET_WIDE, 1);
	}
	if (!trap || cfg->suspect_score <= 0)
		return;
	now = util_now();
	cur = score_get(cs->scores, c->nets[NET_CLIENT].key, now, NULL);
	if (cur < cfg->suspect_score)
		*score = add(cs, c, NET_CLIENT, cfg->suspect_score - cur);
}

/* clients_shared - the client network's shared score after the add */
double
clients_shared(struct clients *cs, struct client *c, double score)
{
	struct netview *nv = &c->nets[NET_CLIENT];
	double shared;

	if (nv->pending && !nv->pending_fresh) {
		if (fleet_wait(cs->fleet, nv->pending, &shared) == 0 &&
		    shared > score)
			score = shared;
		fleet_release(nv->pending);
		nv->pending = NULL;
	}
	return score;
}

/* clients_delivered - a message with valid recipients was accepted */
void
clients_delivered(struct clients *cs, struct client *c)
{
	if (c->nets[NET_GOOD].key[0] == '\0')
		return;
	add(cs, c, NET_GOOD, 1);
	stats_inc(STATS_GOOD_EARNED);
}

/* clients_sleep_enter - one more sleeper of the network, if below cap */
int
clients_sleep_enter(struct clients *cs, struct client *c, unsigned cap)
{
	const char *net = c->nets[NET_CLIENT].key;

	return net[0] == '\0' ||
	    score_sleep_enter(cs->scores, net, cap, util_now());
}

/* clients_sleep_leave - one sleeper of the network woke up */
void
clients_sleep_leave(struct clients *cs, struct client *c)
{
	const char *net = c->nets[NET_CLIENT].key;

	if (net[0])
		score_sleep_leave(cs->scores, net);
}

/* clients_count - networks in the score table (client and wide ones) */
size_t
clients_count(struct clients *cs)
{
	return score_count(cs->scores);
}

/* The networks clients_list() gathers before it reports any. */
struct gather {
	char		**keys;
	size_t		n, cap;
	int		failed;		/* out of memory */
};

/* gather_key - add key to g (under a table's lock: memory only) */
static void
gather_key(struct gather *g, const char *key)
{
	char **k;
	size_t cap;

	if (g->failed)
		return;
	if (g->n == g->cap) {
		cap = g->cap ? 2 * g->cap : 64;
		if ((k = realloc(g->keys, cap * sizeof(*k))) == NULL) {
			g->failed = 1;
			return;
		}
		g->keys = k;
		g->cap = cap;
	}
	if ((g->keys[g->n] = strdup(key)) == NULL)
		g->failed = 1;
	else
		g->n++;
}

/* gather_score - score_each's callback */
static void
gather_score(void *arg, const char *key, double score)
{
	(void)score;
	gather_key(arg, key);
}

/* gather_trust - trust_each's callback */
static void
gather_trust(void *arg, const char *key, double left)
{
	(void)left;
	gather_key(arg, key);
}

/* key_cmp - qsort's order of keys */
static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* entry_of - what is known of net at now */
static void
entry_of(struct clients *cs, const char *net, double now,
    struct clients_entry *e)
{
	memset(e, 0, sizeof(*e));
	util_strlcpy(e->net, net, sizeof(e->net));
	e->score = score_get(cs->scores, net, now, &e->asleep);
	e->updated = score_updated(cs->scores, net, now);
	e->good = score_get(cs->good, net, now, NULL);
	e->trust_left = trust_left(cs->trust, net, now);
}

/* clients_list - fn for every network known, no lock held; -1 no memory */
int
clients_list(struct clients *cs,
    void (*fn)(void *arg, const struct clients_entry *e), void *arg)
{
	struct gather g = { NULL, 0, 0, 0 };
	struct clients_entry e;
	double now = util_now();
	size_t i;

	score_each(cs->scores, now, gather_score, &g);
	score_each(cs->good, now, gather_score, &g);
	trust_each(cs->trust, now, gather_trust, &g);
	if (!g.failed && g.n > 1)
		qsort(g.keys, g.n, sizeof(*g.keys), key_cmp);
	for (i = 0; i < g.n; i++) {
		if (!g.failed && (i == 0 || strcmp(g.keys[i],
		    g.keys[i - 1]) != 0)) {
			entry_of(cs, g.keys[i], now, &e);
			fn(arg, &e);
		}
	}
	for (i = 0; i < g.n; i++)
		free(g.keys[i]);
	free(g.keys);
	return g.failed ? -1 : 0;
}

/* clients_show - net and the wide network around it (wide->net "": none) */
void
clients_show(struct clients *cs, const struct config *cfg, const char *net,
    struct clients_entry *e, struct clients_entry *wide)
{
	char key[sizeof(wide->net)];
	double now = util_now();
	struct cidr c;
	int on = 0;

	entry_of(cs, net, now, e);
	memset(wide, 0, sizeof(*wide));
	if (cidr_parse(net, &c) == 0 && cfg->wide_weight > 0)
		on = c.net.family == 4 ? cfg->wide4 < cfg->prefix4 :
		    cfg->wide6 < cfg->prefix6;
	if (!on)
		return;
	cidr_key(&c.net, (int)cfg->wide4, (int)cfg->wide6, key, sizeof(key));
	entry_of(cs, key, now, wide);
}

/* clients_forget - drop net's score and good record; 1 if any was here */
int
clients_forget(struct clients *cs, const char *net)
{
	double now = util_now();
	int a, b;

	a = score_forget(cs->scores, net, now);
	b = score_forget(cs->good, net, now);
	if (cs->fleet) {
		fleet_release(fleet_forget(cs->fleet, FLEET_SCORE, net));
		fleet_release(fleet_forget(cs->fleet, FLEET_GOOD, net));
	}
	return a || b;
}

/*
 * clients_trust - treat net as trusted for secs from now (0: no longer),
 * here and, with --redis, on every host; where, or -1 the table is full
 */
int
clients_trust(struct clients *cs, const char *net, double secs)
{
	struct fleet_req *r;
	double now = util_now(), left;
	int rc;

	if (trust_set(cs->trust, net, secs > 0 ? now + secs : 0, now) < 0)
		return -1;
	if (cs->fleet == NULL)
		return CLIENTS_HERE;
	r = secs > 0 ? fleet_add(cs->fleet, FLEET_TRUST, net, secs, 0) :
	    fleet_forget(cs->fleet, FLEET_TRUST, net);
	rc = fleet_wait(cs->fleet, r, &left) == 0 ? CLIENTS_SHARED :
	    CLIENTS_UNSHARED;
	fleet_release(r);
	return rc;
}

/*
 * clients_is_trusted - is c's network trusted through the control socket;
 * the first time, waits for Redis's answer of connect (bounded)
 */
int
clients_is_trusted(struct clients *cs, struct client *c)
{
	double left;

	if (c == NULL || c->nets[NET_CLIENT].key[0] == '\0')
		return 0;
	if (c->trust) {		/* its answer is in the table once in */
		fleet_wait(cs->fleet, c->trust, &left);
		fleet_release(c->trust);
		c->trust = NULL;
	}
	return trust_left(cs->trust, c->nets[NET_CLIENT].key, util_now()) > 0;
}
