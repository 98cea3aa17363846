/*
 * NAME
 *	mtload 1
 * SUMMARY
 *	milter load generator: many concurrent sessions, latency per outcome
 * DESCRIPTION
 *	mtload talks to a milter directly, as Postfix does (see
 *	mtload_session.c), with up to --concurrency sessions open at once in
 *	one thread (an epoll loop over non-blocking sockets, so it can keep
 *	ten thousand sessions waiting). Each session sends --mails
 *	transactions of --rcpts recipients, drawn from three classes (valid,
 *	unknown, non-local) in the proportions of --mix, each address either
 *	used once (--unique) or drawn from a small set (--repeat).
 *
 *	Every recipient's latency, from sending RCPT to the whole reply, is
 *	kept per outcome (accept, reject = 5xx, tempfail = 4xx, other);
 *	those of the warm-up are not. The report gives decisions per
 *	second and p50/p90/p99/max per outcome, then one "summary" line of
 *	key=value pairs for scripts.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mtload.h"

struct mtl_opts mtl_o;

static const char *const cls_name[NCLS] = { "valid", "unknown", "nonlocal" };
static const char *const out_name[NOUT] = { "accept", "reject", "tempfail",
	"other", "noreply" };
static const char *const err_name[NERR] = { "connect", "protocol",
	"timeout", "closed", "refused" };

/* latencies of one outcome, in seconds */
struct lat {
	double *v;
	size_t n, cap;
};

static struct {
	double t0, from, end;		/* start, measured from, planned end */
	double last;			/* last measured reply */
	int stopping;
	double drain_until;
	uint64_t started, finished, failed;
	uint64_t next_idx[NCLS];	/* unique mode */
	uint64_t wrapped[NCLS];
	uint64_t matrix[NCLS][NOUT];	/* every reply, measured or not */
	uint64_t errors[NERR];
	uint64_t unexpected;
	uint64_t measured;
	struct lat lat[NOUT];
	uint64_t rng;
} run;

unsigned long mtl_opening;
static volatile sig_atomic_t got_signal;

/* now - monotonic seconds */
static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* rnd - xorshift64*: a uniform 64-bit number */
static uint64_t
rnd(void)
{
	run.rng ^= run.rng >> 12;
	run.rng ^= run.rng << 25;
	run.rng ^= run.rng >> 27;
	return run.rng * 0x2545F4914F6CDD1DULL;
}

/* format_addr - pattern with %d = idx, %n = serial, %% = % */
static void
format_addr(const char *pat, uint64_t idx, uint64_t serial, char *buf,
    size_t len)
{
	size_t o = 0;
	int n;

	for (; *pat && o + 1 < len; pat++) {
		if (pat[0] != '%' || (pat[1] != 'd' && pat[1] != 'n' &&
		    pat[1] != '%')) {
			buf[o++] = *pat;
			continue;
		}
		pat++;
		if (*pat == '%') {
			buf[o++] = '%';
			continue;
		}
		n = snprintf(buf + o, len - o, "%llu", (unsigned long long)
		    (*pat == 'd' ? idx : serial));
		o += n > 0 ? (size_t)n : 0;
		if (o >= len)
			o = len - 1;
	}
	buf[o] = '\0';
}

/* mtload_rcpt_next - the next recipient for s; returns its class */
int
mtload_rcpt_next(struct mtl_session *s, char *buf, size_t len)
{
	double total = 0, r;
	uint64_t idx, serial, range;
	int c;

	(void)s;
	for (c = 0; c < NCLS; c++)
		total += mtl_o.mix[c];
	r = (double)(rnd() >> 11) / 9007199254740992.0 * total;
	for (c = 0; c < NCLS - 1; c++) {
		if (r < mtl_o.mix[c] && mtl_o.mix[c] > 0)
			break;
		r -= mtl_o.mix[c];
	}
	while (mtl_o.mix[c] <= 0)	/* rounding at the end: last weighted */
		c--;
	range = mtl_o.range[c];
	if (mtl_o.repeat) {
		idx = rnd() % (mtl_o.repeat < range ? mtl_o.repeat : range);
		serial = idx;
	} else {
		serial = run.next_idx[c]++;
		idx = serial % range;
		if (serial >= range)
			run.wrapped[c]++;
	}
	format_addr(mtl_o.pattern[c], idx, serial, buf, len);
	return c;
}

/* lat_add - keep one latency */
static void
lat_add(struct lat *l, double v)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		double *p = realloc(l->v, cap * sizeof(*p));

		if (p == NULL)
			return;		/* figures from what fitted */
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = v;
}

/* cmp_double - for qsort */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* pct - the q-quantile (nearest rank) of sorted l, in ms */
static double
pct(const struct lat *l, double q)
{
	size_t i;

	if (l->n == 0)
		return 0;
	i = (size_t)ceil(q * (double)l->n);
	return l->v[i > 0 ? i - 1 : 0] * 1000.0;
}

/* mtload_record - the reply to a recipient */
void
mtload_record(struct mtl_session *s, int outcome, double now,
    const char *reply)
{
	int want = mtl_o.expect[s->cls];

	run.matrix[s->cls][outcome]++;
	if (want >= 0 && want != outcome && ++run.unexpected <= 5)
		fprintf(stderr, "mtload: unexpected: %s <%s> got %s (%s),"
		    " want %s\n", cls_name[s->cls], s->rcpt, out_name[outcome],
		    reply ? reply : "-", out_name[want]);
	if (mtl_o.verbose)
		fprintf(stderr, "mtload: session %llu <%s> %s %.3f ms: %s\n",
		    (unsigned long long)s->serial, s->rcpt, out_name[outcome],
		    (now - s->sent) * 1000.0, reply ? reply : "-");
	if (outcome == OUT_NOREPLY || now < run.from ||
	    (mtl_o.duration > 0 && now > run.end))
		return;
	lat_add(&run.lat[outcome], now - s->sent);
	run.measured++;
	run.last = now;
}

/* mtload_error - a session failed */
void
mtload_error(struct mtl_session *s, int err, const char *what)
{
	uint64_t n = 0;
	int i;

	run.errors[err]++;
	for (i = 0; i < NERR; i++)
		n += run.errors[i];
	if (n <= 10 || mtl_o.verbose)
		fprintf(stderr, "mtload: session %llu: %s: %s\n",
		    (unsigned long long)s->serial, err_name[err], what);
	else if (n == 11)
		fprintf(stderr, "mtload: more errors: counted, not shown\n");
}

/* mtload_stopping - nonzero once sessions should quit at the next step */
int
mtload_stopping(void)
{
	return run.stopping;
}

/* on_signal - SIGINT/SIGTERM: stop and report */
static void
on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: mtload -p SOCKET [options]\n"
"Drive a milter as Postfix does, with many concurrent sessions, and report\n"
"decisions per second and RCPT latency per outcome.\n\n"
"  -p, --socket SPEC        unix:/path, inet:port@host or inet6:port@host\n"
"  -c, --concurrency N      sessions open at once (default 1)\n"
"  -n, --sessions N         sessions in all (default: until --duration)\n"
"  -d, --duration SECS      measure for SECS after the warm-up (default 10\n"
"                           without -n)\n"
"  -w, --warmup SECS        run SECS first without measuring (default 0)\n"
"  -r, --rcpts N            recipients per transaction (default 10)\n"
"  -m, --mails N            transactions per session (default 1)\n"
"      --mix V:U:N          weights of valid, unknown and non-local\n"
"                           recipients (default 1:0:0)\n"
"      --valid PATTERN      valid addresses: %%d index, %%n serial\n"
"                           (default user%%d@example.com)\n"
"      --unknown PATTERN    (default nouser%%n@example.com)\n"
"      --nonlocal PATTERN   (default user%%d@elsewhere.example)\n"
"      --range N            valid indexes 0..N-1 (default 1000)\n"
"      --unique             every address once: indexes in turn (default)\n"
"      --repeat N           addresses drawn at random from the first N\n"
"  -a, --auth USER          send {auth_authen}=USER with MAIL\n"
"      --sender ADDR        envelope sender (default bench@sender.example)\n"
"      --helo NAME          HELO name (default client.bench.example)\n"
"      --client ADDR[/LEN]  client address, or a network to cycle through\n"
"                           one address per session (default 127.0.0.1)\n"
"      --timeout SECS       wait at most SECS for a reply (default 60)\n"
"      --drain SECS         at the end, wait SECS for replies under way\n"
"                           (default: the timeout; with --hold 0)\n"
"      --connect-rate N     new sessions per second at most (default any)\n"
"      --opening N          sessions not yet negotiated at most (1000)\n"
"      --hold               one unknown RCPT per session, waiting for its\n"
"                           answer (the tarpit); closed sessions reopen\n"
"      --expect LIST        CLASS=OUTCOME,... e.g. valid=accept,unknown=\n"
"                           reject: any other answer makes the exit 1\n"
"      --strict             session errors make the exit status 1 too\n"
"      --status-file FILE   rewrite FILE every second: open, waiting, ...\n"
"      --seed N             random seed (default 1)\n"
"  -q, --quiet              print only the summary line\n"
"  -v, --verbose            print every reply\n"
"  -h, --help               this text\n\n"
"Outcomes: accept (continue), reject (5xx), tempfail (4xx), other.\n"
"Exit status: 0 done, 1 unexpected outcomes (or errors with --strict),\n"
"2 bad usage or setup.\n");
}

/* num - a number option, or exit 2 */
static double
num(const char *opt, const char *arg, double lo, double hi)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "mtload: %s %s: want a number %g-%g\n", opt,
		    arg, lo, hi);
		exit(2);
	}
	return v;
}

/* parse_client - ADDR[/LEN] into the first address and the count */
static int
parse_client(const char *arg)
{
	char buf[64], *slash;
	int bits, len, i;

	snprintf(buf, sizeof(buf), "%s", arg);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(mtl_o.client, 0, sizeof(mtl_o.client));
	if (inet_pton(AF_INET, buf, mtl_o.client) == 1)
		mtl_o.client_family = AF_INET, bits = 32;
	else if (inet_pton(AF_INET6, buf, mtl_o.client) == 1)
		mtl_o.client_family = AF_INET6, bits = 128;
	else
		return -1;
	len = slash ? atoi(slash) : bits;
	if (len < 0 || len > bits || (bits == 128 && len < 96) || len < 8)
		return -1;
	for (i = len; i < bits; i++)	/* the network's first address */
		mtl_o.client[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	mtl_o.client_count = (uint64_t)1 << (bits - len);
	return 0;
}

/* parse_expect - CLASS=OUTCOME[,...] */
static int
parse_expect(const char *arg)
{
	char buf[256], *tok, *save = NULL, *eq;
	int c, o;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL)
			return -1;
		*eq++ = '\0';
		for (c = 0; c < NCLS && strcmp(tok, cls_name[c]); c++)
			;
		for (o = 0; o < NOUT && strcmp(eq, out_name[o]); o++)
			;
		if (c == NCLS || (o == NOUT && strcmp(eq, "any")))
			return -1;
		mtl_o.expect[c] = o == NOUT ? -1 : o;
	}
	return 0;
}

/* options - parse argv into mtl_o, or exit 2 */
static void
options(int argc, char **argv)
{
	enum { O_MIX = 256, O_VALID, O_UNKNOWN, O_NONLOCAL, O_RANGE, O_UNIQUE,
		O_REPEAT, O_SENDER, O_HELO, O_CLIENT, O_TIMEOUT, O_DRAIN,
		O_RATE, O_OPENING, O_HOLD, O_EXPECT, O_STRICT, O_STATUS,
		O_SEED };
	static const struct option lo[] = {
		{ "socket", 1, NULL, 'p' }, { "concurrency", 1, NULL, 'c' },
		{ "sessions", 1, NULL, 'n' }, { "duration", 1, NULL, 'd' },
		{ "warmup", 1, NULL, 'w' }, { "rcpts", 1, NULL, 'r' },
		{ "mails", 1, NULL, 'm' }, { "mix", 1, NULL, O_MIX },
		{ "valid", 1, NULL, O_VALID }, { "unknown", 1, NULL, O_UNKNOWN },
		{ "nonlocal", 1, NULL, O_NONLOCAL }, { "range", 1, NULL, O_RANGE },
		{ "unique", 0, NULL, O_UNIQUE }, { "repeat", 1, NULL, O_REPEAT },
		{ "auth", 1, NULL, 'a' }, { "sender", 1, NULL, O_SENDER },
		{ "helo", 1, NULL, O_HELO }, { "client", 1, NULL, O_CLIENT },
		{ "timeout", 1, NULL, O_TIMEOUT }, { "drain", 1, NULL, O_DRAIN },
		{ "connect-rate", 1, NULL, O_RATE },
		{ "opening", 1, NULL, O_OPENING }, { "hold", 0, NULL, O_HOLD },
		{ "expect", 1, NULL, O_EXPECT }, { "strict", 0, NULL, O_STRICT },
		{ "status-file", 1, NULL, O_STATUS }, { "seed", 1, NULL, O_SEED },
		{ "quiet", 0, NULL, 'q' }, { "verbose", 0, NULL, 'v' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int ch, c, mix_set = 0, rcpts_set = 0;
	double drain = -1;
	char *end;

	mtl_o.concurrency = 1;
	mtl_o.rcpts = 10;
	mtl_o.mails = 1;
	mtl_o.timeout = 60;
	mtl_o.opening_max = 1000;
	mtl_o.mix[CLS_VALID] = 1;
	mtl_o.pattern[CLS_VALID] = "user%d@example.com";
	mtl_o.pattern[CLS_UNKNOWN] = "nouser%n@example.com";
	mtl_o.pattern[CLS_NONLOCAL] = "user%d@elsewhere.example";
	mtl_o.range[CLS_VALID] = 1000;
	mtl_o.range[CLS_UNKNOWN] = mtl_o.range[CLS_NONLOCAL] = 1000000000;
	mtl_o.sender = "bench@sender.example";
	mtl_o.helo = "client.bench.example";
	mtl_o.seed = 1;
	for (c = 0; c < NCLS; c++)
		mtl_o.expect[c] = -1;
	parse_client("127.0.0.1");
	while ((ch = getopt_long(argc, argv, "p:c:n:d:w:r:m:a:qvh", lo,
	    NULL)) != -1) {
		switch (ch) {
		case 'p': mtl_o.socket = optarg; break;
		case 'c': mtl_o.concurrency = (unsigned long)num("-c", optarg,
		    1, 1000000); break;
		case 'n': mtl_o.sessions = (unsigned long)num("-n", optarg, 1,
		    1e12); break;
		case 'd': mtl_o.duration = num("-d", optarg, 0.01, 1e6); break;
		case 'w': mtl_o.warmup = num("-w", optarg, 0, 1e6); break;
		case 'r': mtl_o.rcpts = (unsigned long)num("-r", optarg, 1,
		    1e6); rcpts_set = 1; break;
		case 'm': mtl_o.mails = (unsigned long)num("-m", optarg, 1,
		    1e6); break;
		case 'a': mtl_o.auth = optarg; break;
		case O_MIX:
			mix_set = 1;
			for (c = 0, end = optarg; c < NCLS; c++) {
				mtl_o.mix[c] = strtod(end, &end);
				if (mtl_o.mix[c] < 0 || (c < NCLS - 1 &&
				    *end++ != ':'))
					break;
			}
			if (c < NCLS || *end || mtl_o.mix[0] + mtl_o.mix[1] +
			    mtl_o.mix[2] <= 0) {
				fprintf(stderr, "mtload: --mix %s: want"
				    " V:U:N weights, e.g. 8:1:1\n", optarg);
				exit(2);
			}
			break;
		case O_VALID: mtl_o.pattern[CLS_VALID] = optarg; break;
		case O_UNKNOWN: mtl_o.pattern[CLS_UNKNOWN] = optarg; break;
		case O_NONLOCAL: mtl_o.pattern[CLS_NONLOCAL] = optarg; break;
		case O_RANGE: mtl_o.range[CLS_VALID] = (unsigned long)num(
		    "--range", optarg, 1, 1e12); break;
		case O_UNIQUE: mtl_o.repeat = 0; break;
		case O_REPEAT: mtl_o.repeat = (unsigned long)num("--repeat",
		    optarg, 1, 1e12); break;
		case O_SENDER: mtl_o.sender = optarg; break;
		case O_HELO: mtl_o.helo = optarg; break;
		case O_CLIENT:
			if (parse_client(optarg) < 0) {
				fprintf(stderr, "mtload: --client %s: want an"
				    " address, or a network ADDR/LEN (IPv4 /8"
				    " to /32, IPv6 /96 to /128)\n", optarg);
				exit(2);
			}
			break;
		case O_TIMEOUT: mtl_o.timeout = num("--timeout", optarg, 0.01,
		    1e6); break;
		case O_DRAIN: drain = num("--drain", optarg, 0, 1e6); break;
		case O_RATE: mtl_o.connect_rate = num("--connect-rate", optarg,
		    0, 1e9); break;
		case O_OPENING: mtl_o.opening_max = (unsigned long)num(
		    "--opening", optarg, 1, 1e9); break;
		case O_HOLD: mtl_o.hold = 1; break;
		case O_EXPECT:
			if (parse_expect(optarg) < 0) {
				fprintf(stderr, "mtload: --expect %s: want"
				    " CLASS=OUTCOME,... (classes valid unknown"
				    " nonlocal; outcomes accept reject tempfail"
				    " other noreply any)\n", optarg);
				exit(2);
			}
			break;
		case O_STRICT: mtl_o.strict = 1; break;
		case O_STATUS: mtl_o.status_file = optarg; break;
		case O_SEED: mtl_o.seed = (unsigned long)num("--seed", optarg,
		    0, 1e18); break;
		case 'q': mtl_o.quiet = 1; break;
		case 'v': mtl_o.verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc || mtl_o.socket == NULL) {
		fprintf(stderr, "mtload: %s\n", mtl_o.socket ? "stray argument"
		    " (see --help)" : "-p SOCKET is required (see --help)");
		exit(2);
	}
	if (mtl_o.hold) {
		if (!mix_set)
			mtl_o.mix[CLS_VALID] = 0, mtl_o.mix[CLS_UNKNOWN] = 1;
		if (!rcpts_set)
			mtl_o.rcpts = 1;
	}
	mtl_o.drain = drain >= 0 ? drain : mtl_o.hold ? 0 : mtl_o.timeout;
	if (strlen(mtl_o.sender) > 200 || strlen(mtl_o.helo) > 200 ||
	    (mtl_o.auth && strlen(mtl_o.auth) > 200)) {
		fprintf(stderr, "mtload: --sender, --helo and --auth take at"
		    " most 200 characters\n");
		exit(2);
	}
	if (mtl_o.duration == 0 && mtl_o.sessions == 0)
		mtl_o.duration = 10;
}

/* fd_limit - room for every session's socket; 0 or -1 */
static int
fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)mtl_o.concurrency + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want && rl.rlim_max != RLIM_INFINITY)
		rl.rlim_max = want;	/* root may raise it */
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return 0;
	fprintf(stderr, "mtload: cannot raise the open files limit to %lu"
	    " (ulimit -n): %s\n", (unsigned long)want, strerror(errno));
	return -1;
}

/* status - the status file, rewritten in place */
static void
status(struct mtl_session *ss, double now)
{
	unsigned long open = 0, waiting = 0, i;
	uint64_t errs = 0, dec = 0;
	char tmp[4096];
	FILE *f;
	int c, o;

	for (i = 0; i < mtl_o.concurrency; i++) {
		open += ss[i].fd >= 0;
		waiting += mtl_session_waiting_rcpt(&ss[i]) != 0;
	}
	for (o = 0; o < NERR; o++)
		errs += run.errors[o];
	for (c = 0; c < NCLS; c++)
		for (o = 0; o < NOUT; o++)
			dec += run.matrix[c][o];
	snprintf(tmp, sizeof(tmp), "%s.tmp", mtl_o.status_file);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "t=%.1f open=%lu opening=%lu waiting_rcpt=%lu started=%llu"
	    " finished=%llu decisions=%llu errors=%llu\n", now - run.t0, open,
	    mtl_opening, waiting, (unsigned long long)run.started,
	    (unsigned long long)run.finished, (unsigned long long)dec,
	    (unsigned long long)errs);
	fclose(f);
	rename(tmp, mtl_o.status_file);
}

/* report - the figures: a table, then the summary line */
static void
report(double now)
{
	double secs = (mtl_o.duration > 0 && !got_signal ? run.end : run.last)
	    - run.from, rate;
	uint64_t errs = 0;
	int o, c;

	if (secs <= 0)
		secs = now - run.from;
	rate = secs > 0 ? (double)run.measured / secs : 0;
	for (o = 0; o < NERR; o++)
		errs += run.errors[o];
	for (o = 0; o < NOUT; o++)
		if (run.lat[o].n)
			qsort(run.lat[o].v, run.lat[o].n, sizeof(double),
			    cmp_double);
	if (!mtl_o.quiet) {
		printf("mtload: %s, %lu at once, %lu rcpt(s) x %lu mail(s) per"
		    " session, mix %g:%g:%g, %s, %s\n", mtl_o.socket,
		    mtl_o.concurrency, mtl_o.rcpts, mtl_o.mails, mtl_o.mix[0],
		    mtl_o.mix[1], mtl_o.mix[2], mtl_o.repeat ? "repeated" :
		    "unique", mtl_o.auth ? "authenticated" : "anonymous");
		printf("mtload: %llu decisions in %.2f s after a %.1f s warm-up:"
		    " %.1f decisions/s; %llu sessions done\n",
		    (unsigned long long)run.measured, secs, mtl_o.warmup, rate,
		    (unsigned long long)run.finished);
		printf("%-9s %10s %9s %9s %9s %9s\n", "outcome", "count",
		    "p50 ms", "p90 ms", "p99 ms", "max ms");
		for (o = 0; o < NOUT; o++)
			if (run.lat[o].n)
				printf("%-9s %10zu %9.3f %9.3f %9.3f %9.3f\n",
				    out_name[o], run.lat[o].n,
				    pct(&run.lat[o], .5), pct(&run.lat[o], .9),
				    pct(&run.lat[o], .99), pct(&run.lat[o], 1));
		for (c = 0; c < NCLS; c++) {
			if (mtl_o.mix[c] <= 0)
				continue;
			printf("%-9s", cls_name[c]);
			for (o = 0; o < NOUT; o++)
				if (run.matrix[c][o])
					printf(" %s=%llu", out_name[o],
					    (unsigned long long)run.matrix[c][o]);
			printf("   (every reply, warm-up included)\n");
		}
		if (errs || run.unexpected)
			printf("errors: %llu (connect %llu, protocol %llu,"
			    " timeout %llu, closed %llu, refused %llu);"
			    " unexpected outcomes: %llu\n",
			    (unsigned long long)errs,
			    (unsigned long long)run.errors[ERR_CONNECT],
			    (unsigned long long)run.errors[ERR_PROTOCOL],
			    (unsigned long long)run.errors[ERR_TIMEOUT],
			    (unsigned long long)run.errors[ERR_CLOSED],
			    (unsigned long long)run.errors[ERR_REFUSED],
			    (unsigned long long)run.unexpected);
		for (c = 0; c < NCLS; c++)
			if (run.wrapped[c])
				printf("note: %llu %s address(es) used twice:"
				    " more than --range unique ones\n",
				    (unsigned long long)run.wrapped[c],
				    cls_name[c]);
	}
	printf("summary concurrency=%lu secs=%.3f decisions=%llu rate=%.1f"
	    " sessions=%llu", mtl_o.concurrency, secs,
	    (unsigned long long)run.measured, rate,
	    (unsigned long long)run.finished);
	for (o = 0; o < NOUT; o++) {
		const struct lat *l = &run.lat[o];

		printf(" %s=%zu", out_name[o], l->n);
		if (l->n)
			printf(" %s_p50=%.3f %s_p90=%.3f %s_p99=%.3f"
			    " %s_max=%.3f", out_name[o], pct(l, .5),
			    out_name[o], pct(l, .9), out_name[o], pct(l, .99),
			    out_name[o], pct(l, 1));
	}
	for (c = 0; c < NCLS; c++)
		for (o = 0; o < NOUT; o++)
			if (run.matrix[c][o])
				printf(" %s_%s=%llu", cls_name[c], out_name[o],
				    (unsigned long long)run.matrix[c][o]);
	printf(" errors=%llu unexpected=%llu\n", (unsigned long long)errs,
	    (unsigned long long)run.unexpected);
	fflush(stdout);
}

/* ended - a session is over: free its slot */
static void
ended(unsigned long *freel, unsigned long *nfree, unsigned long i, int rc)
{
	if (rc > 0)
		run.finished++;
	else
		run.failed++;
	freel[(*nfree)++] = i;
}

/* sweep - time out silent sessions; past the drain, stop them all */
static void
sweep(struct mtl_session *ss, unsigned long *freel, unsigned long *nfree,
    int epfd, double now)
{
	unsigned long i;

	for (i = 0; i < mtl_o.concurrency; i++) {
		if (ss[i].fd < 0)
			continue;
		if (run.stopping && now >= run.drain_until) {
			mtl_session_stop(&ss[i], epfd);
			ended(freel, nfree, i, 1);
		} else if (now - ss[i].since > mtl_o.timeout) {
			mtload_error(&ss[i], ERR_TIMEOUT, "no reply in time");
			mtl_session_close(&ss[i], epfd, 0);
			ended(freel, nfree, i, -1);
		}
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[1024];
	struct mtl_session *ss;
	unsigned long *freel, nfree, i;
	double now, next_sweep = 0, next_status = 0, wait;
	char err[256];
	int epfd, n, k, rc, timeout_ms;
	uint64_t errs = 0;

	options(argc, argv);
	if (mtl_socket_parse(mtl_o.socket, err, sizeof(err)) < 0) {
		fprintf(stderr, "mtload: %s\n", err);
		return 2;
	}
	if (fd_limit() < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ss = calloc(mtl_o.concurrency, sizeof(*ss));
	freel = calloc(mtl_o.concurrency, sizeof(*freel));
	if (ss == NULL || freel == NULL || (epfd = epoll_create1(0)) < 0) {
		fprintf(stderr, "mtload: out of memory\n");
		return 2;
	}
	for (i = 0; i < mtl_o.concurrency; i++) {
		ss[i].fd = -1;
		freel[i] = mtl_o.concurrency - 1 - i;
	}
	nfree = mtl_o.concurrency;
	run.rng = mtl_o.seed * 0x9E3779B97F4A7C15ULL + 1;
	run.t0 = now_mono();
	run.from = run.t0 + mtl_o.warmup;
	run.end = run.from + mtl_o.duration;
	for (;;) {
		now = now_mono();
		if (!run.stopping && (got_signal || (mtl_o.duration > 0 &&
		    now >= run.end))) {
			run.stopping = 1;
			run.drain_until = got_signal ? now : now + mtl_o.drain;
			next_sweep = 0;
		}
		wait = 0.1;
		while (!run.stopping && nfree > 0 && mtl_opening <
		    mtl_o.opening_max && (mtl_o.sessions == 0 ||
		    run.started < mtl_o.sessions)) {
			if (mtl_o.connect_rate > 0) {
				double at = run.t0 + (double)run.started /
				    mtl_o.connect_rate;

				if (at > now) {
					wait = at - now < wait ? at - now : wait;
					break;
				}
			}
			i = freel[--nfree];
			rc = mtl_session_open(&ss[i], epfd, run.started, now);
			if (rc == -2) {		/* listen queue full */
				freel[nfree++] = i;
				wait = 0.001;
				break;
			}
			run.started++;
			if (rc < 0)
				ended(freel, &nfree, i, -1);
		}
		if (nfree == mtl_o.concurrency && (run.stopping ||
		    (mtl_o.sessions && run.started >= mtl_o.sessions)))
			break;
		if (now >= next_sweep) {
			sweep(ss, freel, &nfree, epfd, now);
			next_sweep = now + 0.1;
		}
		if (mtl_o.status_file && now >= next_status) {
			status(ss, now);
			next_status = now + 1;
		}
		timeout_ms = (int)(wait * 1000) + 1;
		n = epoll_wait(epfd, evs, 1024, timeout_ms);
		if (n < 0 && errno != EINTR) {
			perror("mtload: epoll_wait");
			return 2;
		}
		now = now_mono();	/* every reply of the batch arrived by now */
		for (k = 0; k < n; k++) {
			struct mtl_session *s = evs[k].data.ptr;

			if (s->fd < 0)
				continue;	/* closed earlier in this batch */
			rc = mtl_session_event(s, epfd, evs[k].events, now);
			if (rc != 0)
				ended(freel, &nfree, (unsigned long)(s - ss), rc);
		}
	}
	if (mtl_o.status_file)
		status(ss, now_mono());
	report(now_mono());
	for (k = 0; k < NERR; k++)
		errs += run.errors[k];
	close(epfd);
	free(ss);
	free(freel);
	return run.unexpected || (mtl_o.strict && errs) ? 1 : 0;
}
