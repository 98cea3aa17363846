/*
 * NAME
 *	harvest 1
 * SUMMARY
 *	harvest simulator: an SMTP client that learns which addresses exist
 * DESCRIPTION
 *	Speaks SMTP to a server (Postfix's smtpd, never the milter) over C
 *	concurrent connections, each bound to the next source address of
 *	--from or, as a botnet, to a fresh address of --source-prefix for
 *	every session (IPv4 or IPv6: harvest_src.c), and tries every candidate of a list whose truth it knows
 *	("valid addr" or "unknown addr" per line, or --generate N with a
 *	known --valid-fraction). One thread, non-blocking sockets, epoll.
 *
 *	Several servers (harvest [options] HOST:PORT HOST:PORT...) are the
 *	MX hosts of one domain: each new connection goes to the next of
 *	them in turn, so the attacker alternates between them. Where the
 *	numbers of --from addresses and of servers have a common factor (a
 *	/24 and two servers), plain turns would send each address to the
 *	same server every time: there the turn skips ahead after each pass
 *	through the addresses, so every address meets every server. What
 *	each server got is printed, for people and as a line "target n=N
 *	server=HOST:PORT key=value..." each before the summary line; with
 *	one server the output is as it always was.
 *
 *	Strategies (-s):
 *	wait       EHLO, MAIL, then one RCPT after the other on the same
 *	           connection, waiting for every answer (--rcpt-timeout);
 *	reconnect  one RCPT per connection (--reconnect-after N: N), then
 *	           QUIT and a new connection;
 *	oracle     like wait, but an RCPT not answered within --timeout is
 *	           taken as "unknown": hang up and go on on a new connection
 *	           (the timing oracle against a tarpit);
 *	clean      a legitimate sender: one valid recipient (--to, or the
 *	           list's valid ones) per connection, --interval apart; only
 *	           the latency and the answers are reported.
 *	2xx means valid, 5xx unknown; 421, other 4xx, a lost connection or
 *	(but for oracle) a timeout leave the candidate unanswered: it is
 *	tried again later, at most --retries more times.
 *
 *	The headline is the attacker's yield: valid addresses correctly
 *	found valid per second (true positives/s). Correct verdicts per
 *	second are printed too, but calling everything "unknown" gets most
 *	verdicts right and learns nothing. The last line is key=value for
 *	scripts. This file reads the options and the candidates and writes
 *	the report; harvest_smtp.c runs the connections.
 *
 *	--make-list N prints N generated candidates in the list format, so
 *	a script can put the valid ones into the directory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harvest.h"

static const char *strategy_names[] = {"wait", "reconnect", "oracle", "clean"};

struct harvest_opt opt = {.strat = S_WAIT, .nconn = 10, .rcpts = 50,
	.retries = 3, .per_conn = 1, .duration = 10, .timeout = 1,
	.rcpt_timeout = 300, .cmd_timeout = 60, .interval = 0.2,
	.helo = "harvest.test.invalid", .sender = "probe@harvest.test.invalid"};
struct harvest_stats st;
struct cand *cands;
size_t ncands;
char **to_list;
size_t nto;
int *queue;
size_t qhead, qlen;

/* die - print a message and exit 2 */
void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("harvest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* xmalloc - malloc or die */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* num - strict decimal number in [min, max], or die naming the flag */
static double
num(const char *s, double min, double max, const char *flag)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= min && v <= max))
		die("%s: '%s' is not a number from %g to %g", flag, s, min, max);
	return v;
}

/* sample_add - remember one measurement */
void
sample_add(struct samples *s, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (s->v == NULL)
			die("out of memory");
	}
	s->v[s->n++] = v;
}

/* dbl_cmp - qsort order for doubles */
static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* sample_pct - the p-th percentile (nearest rank); 0 if no samples */
static double
sample_pct(struct samples *s, double p)
{
	size_t i;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), dbl_cmp);
	i = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > s->n)
		i = s->n;
	return s->v[i - 1];
}

/* mix - a 32-bit integer hash (for generated lists) */
static uint32_t
mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* gen_valid - is generated candidate i valid, for fraction f */
static int
gen_valid(unsigned long i, double f)
{
	return (double)mix((uint32_t)i) < f * 4294967296.0;
}

/* cand_add - append one candidate */
static void
cand_add(const char *addr, int valid, size_t *cap)
{
	if (ncands == *cap) {
		*cap = *cap ? 2 * *cap : 4096;
		cands = realloc(cands, *cap * sizeof(*cands));
		if (cands == NULL)
			die("out of memory");
	}
	cands[ncands].addr = strdup(addr);
	if (cands[ncands].addr == NULL)
		die("out of memory");
	cands[ncands].valid = (unsigned char)valid;
	cands[ncands].verdict = V_NONE;
	cands[ncands].tries = 0;
	ncands++;
}

/* read_list - candidates from FILE: "valid ADDR" or "unknown ADDR" */
static void
read_list(const char *path, size_t *cap)
{
	char line[1024], what[32], addr[900];
	unsigned long n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (sscanf(line, "%31s %899s", what, addr) != 2)
			die("%s:%lu: want \"valid ADDR\" or \"unknown ADDR\"",
			    path, n);
		if (strcmp(what, "valid") == 0)
			cand_add(addr, 1, cap);
		else if (strcmp(what, "unknown") == 0)
			cand_add(addr, 0, cap);
		else
			die("%s:%lu: '%s': want valid or unknown", path, n,
			    what);
	}
	fclose(f);
}

/* parse_from - source addresses from "A.B.C.D[/N],..." (at most 65536) */
static void
parse_from(const char *spec)
{
	char *copy = strdup(spec), *tok, *save = NULL, *slash;
	size_t cap = 0;

	if (copy == NULL)
		die("out of memory");
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		struct in_addr a;
		int bits = 32;
		uint32_t base, count, i;

		if ((slash = strchr(tok, '/')) != NULL) {
			*slash = '\0';
			bits = (int)num(slash + 1, 16, 32, "--from prefix");
		}
		if (inet_pton(AF_INET, tok, &a) != 1)
			die("--from: '%s' is not an IPv4 address", tok);
		count = (uint32_t)1 << (32 - bits);
		base = ntohl(a.s_addr) & ~(count - 1);
		for (i = 0; i < count; i++) {
			if (opt.nsrc == cap) {
				cap = cap ? 2 * cap : 256;
				opt.src = realloc(opt.src, cap * sizeof(*opt.src));
				if (opt.src == NULL)
					die("out of memory");
			}
			opt.src[opt.nsrc++].s_addr = htonl(base + i);
		}
	}
	free(copy);
}

/* parse_server - IPv4:PORT or [IPv6]:PORT into target t */
static void
parse_server(const char *spec, struct target *t)
{
	char host[64];
	const char *colon = strrchr(spec, ':'), *h = spec;
	size_t hl;

	if (colon == NULL)
		die("server '%s': want IPv4:PORT or [IPv6]:PORT", spec);
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		h = spec + 1;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		die("server '%s': want IPv4:PORT or [IPv6]:PORT", spec);
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(t, 0, sizeof(*t));
	t->name = spec;
	if (h != spec) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->addr;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)num(colon + 1, 1, 65535,
		    "server port"));
		t->alen = sizeof(*s6);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1)
			return;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&t->addr;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)num(colon + 1, 1, 65535,
		    "server port"));
		t->alen = sizeof(*s4);
		if (inet_pton(AF_INET, host, &s4->sin_addr) == 1)
			return;
	}
	die("server '%s': want IPv4:PORT or [IPv6]:PORT", spec);
}

/* report_targets - with several servers: what each of them got */
static void
report_targets(void)
{
	size_t i;

	if (opt.ntargets < 2)
		return;
	for (i = 0; i < opt.ntargets; i++) {
		struct target *t = &opt.targets[i];

		printf("  server %s: connections %lu, RCPTs %lu; replies 2xx "
		    "%lu, 5xx %lu, 421 %lu, other 4xx %lu; no answer in time %lu\n",
		    t->name, t->conns, t->rcpts, t->n2xx, t->n5xx, t->n421,
		    t->n4xx, t->timeouts);
	}
	for (i = 0; i < opt.ntargets; i++) {
		struct target *t = &opt.targets[i];

		printf("target n=%zu server=%s connections=%lu rcpts=%lu "
		    "n2xx=%lu n5xx=%lu n421=%lu n4xx=%lu timeouts=%lu\n",
		    i + 1, t->name, t->conns, t->rcpts, t->n2xx, t->n5xx,
		    t->n421, t->n4xx, t->timeouts);
	}
}

/* report_harvest - what the attacker learnt, for people and for scripts */
static void
report_harvest(double el)
{
	size_t nvalid = 0, i, pending = 0, flight = smtp_in_flight();
	unsigned long verdicts = st.tp + st.fp + st.tn + st.fn;
	double correct = (double)(st.tp + st.tn) / el, yield = st.tp / el;

	for (i = 0; i < ncands; i++)
		nvalid += cands[i].valid;
	for (i = 0; i < qlen; i++)
		pending += cands[queue[(qhead + i) % ncands]].tries > 0;
	printf("harvest: strategy %s, %d connections from %lu source "
	    "address(es)%s%s, %zu candidates (%zu valid, %.1f%%)\n",
	    strategy_names[opt.strat], opt.nconn, src_used(),
	    src_describe() ? ", a fresh one per session from " : "",
	    src_describe() ? src_describe() : "", ncands, nvalid,
	    100.0 * (double)nvalid / (double)ncands);
	if (opt.strat == S_RECONNECT)
		printf("  reconnect after %d RCPT(s)\n", opt.per_conn);
	printf("  elapsed %.2f s; connections %lu (%lu failed); RCPTs sent "
	    "%lu, answered 2xx/5xx %lu\n", el, st.conns, st.connfail,
	    st.probes, st.answered);
	printf("  replies: 2xx %lu, 5xx %lu, 421 %lu, other 4xx %lu; "
	    "timeouts %lu, oracle give-ups %lu, lost %lu, refused %lu\n",
	    st.n2xx, st.n5xx, st.n421, st.n4xx, st.timeouts, st.oracle,
	    st.lost, st.refused);
	printf("  verdicts %lu: valid->valid %lu (true positives), "
	    "unknown->unknown %lu, valid->unknown %lu (missed), "
	    "unknown->valid %lu (false positives)\n",
	    verdicts, st.tp, st.tn, st.fn, st.fp);
	printf("  unanswered: %lu given up after %d retries, %zu waiting "
	    "for a retry, %zu in flight at the end; %zu never tried\n",
	    st.gaveup, opt.retries, pending, flight, qlen - pending);
	printf("  RCPT answer time: p50 %.3f s, p99 %.3f s, max %.3f s "
	    "(%zu answers)\n", sample_pct(&st.rcpt, 50),
	    sample_pct(&st.rcpt, 99), sample_pct(&st.rcpt, 100), st.rcpt.n);
	printf("  correct verdicts/s: %.3f (not the headline: calling "
	    "everything \"unknown\" gets most of them right)\n", correct);
	if (st.tp > 0)
		printf("  YIELD (headline): %.3f valid addresses found/s "
		    "(true positives/s)\n", yield);
	else
		printf("  YIELD (headline): no valid address found: "
		    "< %.4f valid addresses/s (1/elapsed)\n", 1 / el);
	report_targets();
	printf("summary strategy=%s conns=%d sources=%lu candidates=%zu "
	    "valid=%zu per_conn=%d elapsed=%.3f connections=%lu probes=%lu answered=%lu "
	    "verdicts=%lu tp=%lu tn=%lu fn=%lu fp=%lu oracle=%lu n421=%lu "
	    "n4xx=%lu timeouts=%lu lost=%lu gaveup=%lu pending=%zu "
	    "inflight=%zu correct_per_s=%.4f yield=%.4f yield_lt=%.4f "
	    "rcpt_p50=%.4f rcpt_p99=%.4f\n", strategy_names[opt.strat],
	    opt.nconn, src_used(), ncands, nvalid,
	    opt.strat == S_RECONNECT ? opt.per_conn : 0, el, st.conns,
	    st.probes, st.answered, verdicts, st.tp, st.tn, st.fn, st.fp,
	    st.oracle, st.n421, st.n4xx, st.timeouts, st.lost, st.gaveup,
	    pending, flight, correct, yield, st.tp ? 0 : 1 / el,
	    sample_pct(&st.rcpt, 50), sample_pct(&st.rcpt, 99));
}

/* report_clean - what a legitimate sender saw */
static void
report_clean(double el)
{
	double p50 = sample_pct(&st.rcpt, 50), p90 = sample_pct(&st.rcpt, 90),
	    p99 = sample_pct(&st.rcpt, 99), mx = sample_pct(&st.rcpt, 100),
	    s50 = sample_pct(&st.session, 50), s99 = sample_pct(&st.session, 99);

	printf("clean sender: %d connection(s) from %lu source address(es), "
	    "%.2f s, sessions %lu (%lu failed to connect)\n", opt.nconn,
	    src_used(), el, st.conns, st.connfail);
	printf("  sessions with a 250 to RCPT %lu, without %lu: replies 421 "
	    "%lu (at any stage), other 4xx %lu, 5xx %lu; timeouts %lu, lost "
	    "%lu, refused before RCPT %lu\n", st.clean_ok, st.clean_bad,
	    st.n421, st.n4xx, st.n5xx, st.timeouts, st.lost, st.refused);
	printf("  RCPT answer time of the 250s: p50 %.4f s, p90 %.4f s, "
	    "p99 %.4f s, max %.4f s\n", p50, p90, p99, mx);
	printf("  session (connect to RCPT answer): p50 %.4f s, p99 %.4f s\n",
	    s50, s99);
	report_targets();
	printf("summary strategy=clean conns=%d elapsed=%.3f sessions=%lu "
	    "ok=%lu bad=%lu n421=%lu n4xx=%lu n5xx=%lu timeouts=%lu lost=%lu "
	    "refused=%lu rcpt_p50=%.4f rcpt_p90=%.4f rcpt_p99=%.4f "
	    "rcpt_max=%.4f session_p50=%.4f session_p99=%.4f last_code=%d "
	    "last_rcpt=%.4f\n", opt.nconn, el, st.conns, st.clean_ok,
	    st.clean_bad, st.n421, st.n4xx, st.n5xx, st.timeouts, st.lost,
	    st.refused, p50, p90, p99, mx, s50, s99, st.last_code,
	    st.last_rcpt);
}

/* usage - the options, then exit with status */
static void
usage(int status)
{
	fputs("Usage: harvest [options] SERVER-IP:PORT [SERVER-IP:PORT...]\n"
	    "       harvest --make-list N [--valid-fraction F] [--domain D]\n"
	    "  Several servers: each new connection goes to the next in turn\n"
	    "  (MX hosts of one domain); counts per server are printed.\n"
	    "  -s, --strategy S       wait, reconnect, oracle or clean (wait)\n"
	    "  -c, --connections C    concurrent connections (10)\n"
	    "  -f, --from LIST        source addresses, e.g. 127.1.1.0/24,"
	    "127.0.0.9\n"
	    "      --source-prefix P  a botnet: a fresh source address per "
	    "session, the next\n"
	    "                         of an IPv4 prefix (127.16.0.0/9: from "
	    "127.16.0.1 on),\n"
	    "                         or a new /48 of an IPv6 one "
	    "(2001:db8::/32), random below\n"
	    "  -l, --list FILE        candidates: \"valid ADDR\" or \"unknown "
	    "ADDR\" lines\n"
	    "  -g, --generate N       N generated candidates instead of a list\n"
	    "      --valid-fraction F share of valid generated candidates (0.1)\n"
	    "      --domain D         their domain (example.com)\n"
	    "      --prefix P         their local part prefix (cand)\n"
	    "      --make-list N      print N generated candidates and exit\n"
	    "  -d, --duration SECS    run this long at most (10)\n"
	    "  -t, --timeout SECS     oracle: give up on an RCPT after SECS, "
	    "\"unknown\" (1)\n"
	    "      --rcpt-timeout SECS  others: wait this long for an answer "
	    "(300)\n"
	    "      --rcpts N          RCPTs per transaction (50)\n"
	    "      --reconnect-after N  reconnect: RCPTs per connection (1)\n"
	    "      --retries N        retries of an unanswered candidate (3)\n"
	    "      --to LIST          clean: recipients (default: the valid "
	    "candidates)\n"
	    "      --interval SECS    clean: pause between sessions (0.2)\n"
	    "      --count N          clean: stop after N sessions\n"
	    "      --helo NAME, --sender ADDR  what the client says\n",
	    status ? stderr : stdout);
	exit(status);
}

/* setup - the work queue, the connections, the descriptor limit */
static void
setup(void)
{
	struct rlimit rl;
	size_t i;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	queue = xmalloc(ncands * sizeof(*queue));
	if (opt.strat != S_CLEAN)
		for (i = 0; i < ncands; i++)
			queue_push((int)i);
	if (opt.strat == S_CLEAN && nto == 0) {
		to_list = xmalloc(ncands * sizeof(*to_list));
		for (i = 0; i < ncands; i++)
			if (cands[i].valid)
				to_list[nto++] = cands[i].addr;
		if (nto == 0)
			die("clean: no valid candidate to send to (--to)");
	}
	smtp_setup();
}

/* parse_to - clean: the recipients of --to, comma-separated */
static void
parse_to(char *spec)
{
	char *tok, *save = NULL;

	to_list = xmalloc((strlen(spec) / 2 + 1) * sizeof(*to_list));
	for (tok = strtok_r(spec, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save))
		to_list[nto++] = tok;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"strategy", 1, 0, 's'}, {"connections", 1, 0, 'c'},
		{"from", 1, 0, 'f'}, {"list", 1, 0, 'l'},
		{"generate", 1, 0, 'g'}, {"duration", 1, 0, 'd'},
		{"timeout", 1, 0, 't'}, {"help", 0, 0, 'h'},
		{"valid-fraction", 1, 0, 1}, {"domain", 1, 0, 2},
		{"prefix", 1, 0, 3}, {"make-list", 1, 0, 4},
		{"rcpt-timeout", 1, 0, 5}, {"rcpts", 1, 0, 6},
		{"retries", 1, 0, 7}, {"to", 1, 0, 8}, {"interval", 1, 0, 9},
		{"helo", 1, 0, 10}, {"sender", 1, 0, 11}, {"count", 1, 0, 12},
		{"source-prefix", 1, 0, 13}, {"reconnect-after", 1, 0, 14},
		{0, 0, 0, 0}};
	const char *list = NULL, *domain = "example.com", *prefix = "cand";
	double fraction = 0.1, el;
	unsigned long gen = 0, make = 0, i;
	size_t cap = 0;
	char addr[512];
	int ch, k;

	while ((ch = getopt_long(argc, argv, "s:c:f:l:g:d:t:h", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			for (k = 0; k < 4 && strcmp(optarg, strategy_names[k]); k++)
				;
			if (k == 4)
				die("--strategy: '%s': want wait, reconnect, "
				    "oracle or clean", optarg);
			opt.strat = (enum strategy)k;
			break;
		case 'c': opt.nconn = (int)num(optarg, 1, 60000, "-c"); break;
		case 'f': parse_from(optarg); break;
		case 'l': list = optarg; break;
		case 'g': gen = (unsigned long)num(optarg, 1, 1e8, "-g"); break;
		case 'd': opt.duration = num(optarg, 0.1, 1e6, "-d"); break;
		case 't': opt.timeout = num(optarg, 0.001, 3600, "-t"); break;
		case 'h': usage(0); break;
		case 1: fraction = num(optarg, 0, 1, "--valid-fraction"); break;
		case 2: domain = optarg; break;
		case 3: prefix = optarg; break;
		case 4: make = (unsigned long)num(optarg, 1, 1e8, "--make-list"); break;
		case 5: opt.rcpt_timeout = num(optarg, 0.001, 3600, "--rcpt-timeout"); break;
		case 6: opt.rcpts = (int)num(optarg, 1, 100000, "--rcpts"); break;
		case 7: opt.retries = (int)num(optarg, 0, 200, "--retries"); break;
		case 8: parse_to(optarg); break;
		case 9: opt.interval = num(optarg, 0, 3600, "--interval"); break;
		case 10: opt.helo = optarg; break;
		case 11: opt.sender = optarg; break;
		case 12: opt.count = (unsigned long)num(optarg, 1, 1e9, "--count"); break;
		case 13: src_prefix_parse(optarg); break;
		case 14: opt.per_conn = (int)num(optarg, 1, 100000, "--reconnect-after"); break;
		default: usage(64);
		}
	}
	if (make > 0) {
		for (i = 1; i <= make; i++)
			printf("%s %s%06lu@%s\n", gen_valid(i, fraction) ?
			    "valid" : "unknown", prefix, i, domain);
		return 0;
	}
	if (optind >= argc)
		usage(64);
	opt.ntargets = (size_t)(argc - optind);
	opt.targets = xmalloc(opt.ntargets * sizeof(*opt.targets));
	for (k = optind; k < argc; k++) {
		parse_server(argv[k], &opt.targets[k - optind]);
		if (src_family() && src_family() !=
		    opt.targets[k - optind].addr.ss_family)
			die("server '%s': not of the source addresses' family",
			    argv[k]);
	}
	if (opt.nsrc > 0 && src_describe() != NULL)
		die("--from and --source-prefix: one or the other");
	st.last_rcpt = -1;
	if (list != NULL)
		read_list(list, &cap);
	for (i = 1; i <= gen; i++) {
		snprintf(addr, sizeof(addr), "%s%06lu@%s", prefix, i, domain);
		cand_add(addr, gen_valid(i, fraction), &cap);
	}
	if (ncands == 0 && !(opt.strat == S_CLEAN && nto > 0))
		die("no candidates: give --list FILE or --generate N");
	if (ncands == 0)
		cand_add("unused@invalid", 0, &cap);
	setup();
	el = smtp_run();
	if (opt.strat == S_CLEAN)
		report_clean(el);
	else
		report_harvest(el);
	return 0;
}

