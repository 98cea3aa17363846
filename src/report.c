/*
 * NAME
 *	milter-tarpit-report 8
 * SUMMARY
 *	summarize milter-tarpit log lines: harvest attacks at a glance
 * DESCRIPTION
 *	Reads the daemon's lines in classic syslog, RFC 3339 syslog,
 *	journalctl (default, short-iso) or the daemon's -f form. Each line
 *	is foreign (another program), malformed (our tag, but a bad stamp or
 *	a key=value message without action= or client=), outside the
 *	--since/--until window, a decision (a message starting key=value) or
 *	another daemon line. Figures go into open-addressing hash tables, so
 *	memory grows with the distinct clients, recipients and client+recipient
 *	pairs, not with the lines. Times are UTC seconds; a stamp without a
 *	zone is taken as UTC.
 */
#ifdef HAVE_CONFIG_H
#include "autoconfig.h"
#else
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define PROG		"milter-tarpit-report"
#define TAG		"milter-tarpit"
#define TAG_LEN		(sizeof(TAG) - 1)
#define IS_OURS(s, n)	((n) == TAG_LEN && strncmp((s), TAG, TAG_LEN) == 0)
#define MENTIONS_TAG(l)	(strstr((l), TAG "[") || strstr((l), TAG ":"))
#define IS(s, word)	((s) && strcmp((s), (word)) == 0)
#define D2(p)		(((p)[0] - '0') * 10 + (p)[1] - '0')
#define TAB_ADD(t, s)	(tab_get((t), (s), strlen(s), NULL)->n++)
#define EXIT_USAGE	64	/* EX_USAGE */
#define EXIT_NOINPUT	66	/* EX_NOINPUT */
#define EXIT_OSERR	71	/* EX_OSERR: out of memory */
#define EXIT_IOERR	74	/* EX_IOERR: the report cannot be written */
#define SHOW_BAD	10	/* malformed lines shown with -v */

struct entry {
	unsigned long hash;
	long	n, n2, n3;	/* counts; see note_decision for each table */
	double	sec, max;	/* tarpit seconds; highest score or -1 */
	double	rank, rank2;	/* sort keys, set by tab_sorted */
	char	key[];
};

struct table {
	struct entry **slot;
	size_t	cap, used;
};

enum { F_CLIENT, F_AUTH, F_RCPT, F_ACTION, F_REASON, F_DELAY, F_SCORE,
    F_DRY_RUN, F_COUNT };

struct report {
	long long since, until, now, tmin, tmax, last_hour;
	int	has_since, has_until, now_year, verbose, have_time;
	long	year_opt, top, lines, decisions, others, foreign, malformed;
	long	outside;
	long	dry_run, unknown_auth, dir_errors;
	struct table actions, reasons, clients, pairs, unknown, hours, harvest;
	struct entry *hour;	/* the entry of last_hour */
	char	*kbuf;		/* "client rcpt" key of the pairs table */
	size_t	kcap;
	const char *name;	/* the current input */
	long	lineno;
	int	last_mon, bump;
};

/* xmalloc - malloc, or exit when memory is out */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		exit(EXIT_OSERR);
	}
	return p;
}

/* tab_grow - double the slot array and rehash */
static void
tab_grow(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64, i, j;
	struct entry **slot = xmalloc(cap * sizeof(*slot));

	memset(slot, 0, cap * sizeof(*slot));
	for (i = 0; i < t->cap; i++) {
		if (t->slot[i] == NULL)
			continue;
		for (j = t->slot[i]->hash & (cap - 1); slot[j];
		    j = (j + 1) & (cap - 1))
			;
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
}

/* tab_get - the entry for key (len bytes), made zeroed if new */
static struct entry *
tab_get(struct table *t, const char *key, size_t len, int *made)
{
	unsigned long h = 2166136261UL;		/* FNV-1a, 32 bits */
	struct entry *e;
	size_t i;

	for (i = 0; i < len; i++)
		h = ((h ^ (unsigned char)key[i]) * 16777619UL) & 0xffffffffUL;
	if ((t->used + 1) * 4 > t->cap * 3)
		tab_grow(t);
	for (i = h & (t->cap - 1); (e = t->slot[i]) != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (e->hash == h && strncmp(e->key, key, len) == 0 &&
		    e->key[len] == '\0')
			break;
	if (made)
		*made = e == NULL;
	if (e == NULL) {
		e = t->slot[i] = xmalloc(sizeof(*e) + len + 1);
		memset(e, 0, sizeof(*e));
		memcpy(e->key, key, len);
		e->key[len] = '\0';
		e->hash = h;
		t->used++;
	}
	return e;
}

/* by_rank - higher rank, then higher rank2, then lower key first */
static int
by_rank(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;

	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	if (x->rank2 != y->rank2)
		return x->rank2 > y->rank2 ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* tab_sorted - the entries by mode: 'u'nknown, 's'econds, 'n' count, 'k'ey */
static struct entry **
tab_sorted(struct table *t, int mode, size_t *n)
{
	struct entry **v = xmalloc(t->used * sizeof(*v)), *e;
	size_t i, k = 0;

	for (i = 0; i < t->cap; i++) {
		if ((e = t->slot[i]) == NULL)
			continue;
		e->rank = mode == 'u' ? (double)e->n2 : mode == 's' ? e->sec :
		    mode == 'n' ? (double)e->n : 0;
		e->rank2 = mode == 'u' ? e->sec :
		    mode == 's' ? (double)e->n2 : 0;
		v[k++] = e;
	}
	qsort(v, k, sizeof(*v), by_rank);
	*n = k;
	return v;
}

/* shape - p starts like pat: 'd' is a digit, anything else itself */
static int
shape(const char *p, const char *pat)
{
	for (; *pat; p++, pat++)
		if (*pat == 'd' ? *p < '0' || *p > '9' : *p != *pat)
			return 0;
	return 1;
}

/* mk_time - UTC seconds of a date and time, or -1 when out of range */
static long long
mk_time(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	long long era;
	unsigned yoe, doy, doe;

	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || s > 60 ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return -1;
	y -= mo <= 2;			/* days_from_civil(), H. Hinnant */
	era = y / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + s;
}

/* parse_iso - "YYYY-MM-DDTHH:MM:SS[.frac][zone] ": the end, or NULL */
static char *
parse_iso(char *p, long long *t)
{
	int off = 0;

	if (!shape(p, "dddd-dd-ddTdd:dd:dd") || (*t = mk_time(D2(p) * 100 +
	    D2(p + 2), D2(p + 5), D2(p + 8), D2(p + 11), D2(p + 14),
	    D2(p + 17))) < 0)
		return NULL;
	p += 19;
	if ((*p == '.' || *p == ',') && shape(++p, "d"))
		while (*p >= '0' && *p <= '9')
			p++;
	if (*p == 'Z') {
		p++;
	} else if ((*p == '+' || *p == '-') &&
	    (shape(p + 1, "dd:dd") || shape(p + 1, "dddd"))) {
		off = D2(p + 1) * 3600 + D2(p + 3 + (p[3] == ':')) * 60;
		off = *p == '-' ? -off : off;
		p += p[3] == ':' ? 6 : 5;
	}
	*t -= off;
	return *p == ' ' ? p : NULL;
}

/* parse_classic - "Mon DD HH:MM:SS[.frac] ": the end, or NULL */
static char *
parse_classic(struct report *r, char *p, long long *t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int mo, d, dw, h, mi, s, y;

	for (mo = 0; mo < 12 && strncmp(p, months + 3 * mo, 3); mo++)
		;
	if (mo++ == 12 || p[3] != ' ')
		return NULL;
	p += 4 + (p[4] == ' ');		/* "Nov  2" or "Nov 22" */
	dw = shape(p, "dd") ? 2 : shape(p, "d");	/* day digits */
	d = dw == 2 ? D2(p) : *p - '0';
	if (dw == 0 || !shape(p += dw, " dd:dd:dd"))
		return NULL;
	h = D2(p + 1), mi = D2(p + 4), s = D2(p + 7);
	for (p += 9; *p == '.' || (*p >= '0' && *p <= '9'); p++)
		;
	if (r->year_opt) {
		if (r->last_mon == 12 && mo == 1)
			r->bump++;	/* a new year inside one input */
		r->last_mon = mo;
		y = (int)r->year_opt + r->bump;
	} else {
		y = r->now_year;
		if (mk_time(y, mo, d, h, mi, s) > r->now + 86400)
			y--;		/* in the future: last year's log */
	}
	*t = mk_time(y, mo, d, h, mi, s);
	return *p == ' ' && *t >= 0 ? p : NULL;
}

/* tag_len - if the token is "NAME[PID]:" or "NAME:", NAME's length; else 0 */
static size_t
tag_len(const char *s, size_t len)
{
	const char *b;

	if (len < 2 || s[len - 1] != ':')
		return 0;
	if (s[len - 2] != ']')
		return len - 1;
	b = memchr(s, '[', len);
	return b ? (size_t)(b - s) : 0;
}

/* bad_line - count a malformed daemon line; with -v show the first few */
static void
bad_line(struct report *r, const char *line, const char *why)
{
	if (++r->malformed <= SHOW_BAD && r->verbose)
		fprintf(stderr, "%s: %s:%ld: %s: %.200s\n", PROG, r->name,
		    r->lineno, why, line);
}

/*
 * quoted - does the value at p stand in quotes: util_log_escape writes a
 * quoted value (error=) with every '"' and '\\' as \xHH, so it ends at
 * the next '"', before a blank or the end; any other value has no blank
 * and keeps a '"' as it came (auth="name), so it is read to the blank
 */
static int
quoted(const char *p)
{
	const char *q;

	if (*p != '"' || (q = strchr(p + 1, '"')) == NULL)
		return 0;
	return q[1] == ' ' || q[1] == '\0';
}

/* split_fields - the values of the keys we use, cut out in place */
static void
split_fields(char *p, char **f)
{
	static const char *const keys[] = { "client", "auth", "rcpt",
	    "action", "reason", "delay", "score", "dry_run" };
	char *key, *val;
	int k;

	memset(f, 0, F_COUNT * sizeof(*f));
	while (*p) {
		for (key = p; *p && *p != ' ' && *p != '='; p++)
			;
		if (*p != '=') {		/* a bare word: ignored */
			p += *p == ' ';
			continue;
		}
		*p++ = '\0';
		if (quoted(p)) {		/* error="..." */
			val = ++p;
			p = strchr(p, '"');
			*p++ = '\0';
		} else {
			for (val = p; *p && *p != ' '; p++)
				;
		}
		if (*p)
			*p++ = '\0';
		for (k = 0; k < F_COUNT && strcmp(key, keys[k]); k++)
			;
		if (k < F_COUNT)
			f[k] = val;
	}
}

/* to_number - a non-negative decimal number, or -1 */
static double
to_number(const char *s)
{
	char *end;
	double v;

	if (s == NULL || !shape(s, "d"))
		return -1;
	v = strtod(s, &end);
	return *end || v > 1e12 ? -1 : v;
}

/* fmt_time - UTC seconds as strftime format fmt, into buf */
static const char *
fmt_time(long long t, const char *fmt, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, fmt, &tm) == 0)
		snprintf(buf, len, "%lld", t);
	return buf;
}

/* note_decision - count a key=value message; NULL, or why it is bad */
static const char *
note_decision(struct report *r, char *msg, long long t)
{
	char *f[F_COUNT], key[32];
	const char *rcpt, *action;
	struct entry *c, *e;
	double delay = 0, score;
	size_t rl, cl;
	int made;

	split_fields(msg, f);
	if (IS(f[F_RCPT], "-"))
		f[F_RCPT] = NULL;		/* a MAIL FROM decision */
	action = f[F_ACTION] ? f[F_ACTION] :
	    IS(f[F_REASON], "harvest") ? "disconnect" : "";
	if (*action == '\0')
		return "no action=";
	if (f[F_CLIENT] == NULL || *f[F_CLIENT] == '\0')
		return "no client=";
	if (f[F_DELAY] && (delay = to_number(f[F_DELAY])) < 0)
		return "bad delay=";
	rcpt = f[F_RCPT] ? f[F_RCPT] : "";
	if ((rl = strlen(rcpt)) >= 2 && rcpt[0] == '<' && rcpt[rl - 1] == '>')
		rcpt++, rl -= 2;
	if (rl == 0)
		rcpt = "<>", rl = 2;

	r->decisions++;
	TAB_ADD(&r->actions, action);
	if (f[F_REASON])
		TAB_ADD(&r->reasons, f[F_REASON]);
	r->dry_run += IS(f[F_DRY_RUN], "yes");
	/* clients: n decisions, n2 unknown, n3 distinct rcpts, sec tarpit */
	c = tab_get(&r->clients, f[F_CLIENT], cl = strlen(f[F_CLIENT]), NULL);
	c->n++;
	c->sec += delay;
	if (f[F_RCPT]) {
		if (cl + rl + 1 > r->kcap) {
			free(r->kbuf);
			r->kbuf = xmalloc(r->kcap = (cl + rl + 1) * 2);
		}
		memcpy(r->kbuf, f[F_CLIENT], cl);
		r->kbuf[cl] = ' ';		/* neither has a space */
		memcpy(r->kbuf + cl + 1, rcpt, rl);
		tab_get(&r->pairs, r->kbuf, cl + 1 + rl, &made);
		c->n3 += made;
	}
	/* unknown-busy: an unknown answered at once, the tarpit full */
	if (IS(f[F_REASON], "unknown") || IS(f[F_REASON], "unknown-busy")) {
		c->n2++;
		tab_get(&r->unknown, rcpt, rl, NULL)->n++;
		r->unknown_auth += f[F_AUTH] && !IS(f[F_AUTH], "-");
	}
	/* hours: "YYYY-MM-DD HH:00", n rejects, n2 tempfails */
	if (strcmp(action, "reject") == 0 || strcmp(action, "tempfail") == 0) {
		if (r->hour == NULL || t / 3600 != r->last_hour) {
			fmt_time(t, "%Y-%m-%d %H:00", key, sizeof(key));
			r->hour = tab_get(&r->hours, key, strlen(key), NULL);
			r->last_hour = t / 3600;
		}
		*(action[0] == 'r' ? &r->hour->n : &r->hour->n2) += 1;
	}
	/* harvest: n disconnects, max score; not a tarpit-full 421 */
	if (IS(f[F_REASON], "harvest")) {
		e = tab_get(&r->harvest, f[F_CLIENT], cl, &made);
		if ((score = to_number(f[F_SCORE])) > e->max || made)
			e->max = score;		/* -1: no score= */
		e->n++;
	}
	r->dir_errors += IS(f[F_REASON], "directory-error");
	return NULL;
}

/* note_line - classify one input line (no newline) and count it */
static void
note_line(struct report *r, char *line)
{
	char *p, *tok, *msg, *copy = NULL;
	long long t, ti;
	size_t tl, nl;
	const char *why = NULL;

	r->lines++;
	if ((p = parse_iso(line, &t)) == NULL &&
	    (p = parse_classic(r, line, &t)) == NULL) {
		if (MENTIONS_TAG(line))
			bad_line(r, line, "bad timestamp");
		else
			r->foreign++;
		return;
	}
	for (tok = p; *tok == ' '; tok++)
		;
	if ((nl = tag_len(tok, tl = strcspn(tok, " "))) == 0) {
		for (tok += tl; *tok == ' '; tok++)	/* the host name */
			;
		nl = tag_len(tok, tl = strcspn(tok, " "));
	}
	if (nl == 0 || !IS_OURS(tok, nl)) {
		if (nl == 0 && MENTIONS_TAG(line))
			bad_line(r, line, "no program tag");
		else
			r->foreign++;
		return;
	}
	msg = tok + tl + (tok[tl] == ' ');
	/* the -f form captured by the journal: take its own stamp */
	if ((p = parse_iso(msg, &ti)) != NULL && strncmp(++p, TAG, TAG_LEN)
	    == 0 && (nl = tag_len(p, tl = strcspn(p, " "))) && IS_OURS(p, nl))
		t = ti, msg = p + tl + (p[tl] == ' ');
	if (*msg == '\0') {
		bad_line(r, line, "empty message");
		return;
	}
	if ((r->has_since && t < r->since) ||
	    (r->has_until && t >= r->until)) {
		r->outside++;
		return;
	}
	if (memchr(msg, '=', strcspn(msg, " ")) == NULL) {
		r->others++;
	} else {
		if (r->verbose && r->malformed < SHOW_BAD)
			copy = strcpy(xmalloc(strlen(line) + 1), line);
		if ((why = note_decision(r, msg, t)) != NULL)
			bad_line(r, copy ? copy : line, why);
		free(copy);
	}
	if (why == NULL) {
		r->tmin = r->have_time && r->tmin < t ? r->tmin : t;
		r->tmax = r->have_time && r->tmax > t ? r->tmax : t;
		r->have_time = 1;
	}
}

/* read_input - count every line of one file ("-": stdin); 0, or -1 */
static int
read_input(struct report *r, const char *name)
{
	int is_stdin = strcmp(name, "-") == 0, rc = 0;
	FILE *fp = is_stdin ? stdin : fopen(name, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	r->name = is_stdin ? "(stdin)" : name;
	r->lineno = r->last_mon = r->bump = 0;
	if (fp == NULL) {
		fprintf(stderr, "%s: cannot open %s: %s\n", PROG, name,
		    strerror(errno));
		return -1;
	}
	errno = 0;
	while (rc == 0 && (n = getline(&line, &cap, fp)) > 0) {
		if (++r->lineno == 1 && shape(line, "\x1f\x8b")) {
			fprintf(stderr, "%s: %s is compressed: use zcat %s | "
			    "%s -\n", PROG, r->name, name, PROG);
			rc = -1;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (rc == 0)
			note_line(r, line);
	}
	if (rc == 0 && ferror(fp)) {
		fprintf(stderr, "%s: cannot read %s: %s\n", PROG, r->name,
		    strerror(errno ? errno : EIO));
		rc = -1;
	}
	free(line);
	if (!is_stdin)
		fclose(fp);
	return rc;
}

/* print_top - a titled table: key, then cols; heads are "|"-separated */
static void
print_top(const struct report *r, struct table *t, int mode,
    const char *title, const char *heads, const char *cols)
{
	size_t n, m, w = strcspn(heads, "|"), i;
	struct entry **v = tab_sorted(t, mode, &n), *e;
	const char *c, *h;

	for (m = 0; m < n && (mode == 'k' || v[m]->rank > 0); m++)
		if (mode != 'k' && r->top > 0 && m == (size_t)r->top)
			break;
	for (i = 0; i < m; i++)
		w = strlen(v[i]->key) > w ? strlen(v[i]->key) : w;
	printf("\n%s\n  %-*.*s", title, (int)w, (int)strcspn(heads, "|"),
	    heads);
	for (h = strchr(heads, '|'); h; h = strchr(h + 1, '|'))
		printf(" %10.*s", (int)strcspn(h + 1, "|"), h + 1);
	for (i = 0; i < m; i++) {
		printf("\n  %-*s", (int)w, (e = v[i])->key);
		for (c = cols; *c; c++)
			if (*c == 's')
				printf(" %10.1f", e->sec);
			else if (*c == 'm' && e->max >= 0)
				printf(" %10g", e->max);
			else if (*c == 'm')
				printf(" %10s", "-");
			else
				printf(" %10ld", *c == 'n' ? e->n :
				    *c == '2' ? e->n2 : e->n3);
	}
	fputs(m ? "\n" : "\n  (none)\n", stdout);
	free(v);
}

/* print_report - every section, as plain text */
static void
print_report(struct report *r)
{
	static const char *const known[] = { "accept", "reject", "tempfail",
	    "disconnect", "exists", "unknown", "unknown-busy", "postmaster",
	    "non-local", "exempt", "bad-address", "directory-error",
	    "harvest", "tarpit-full", "attack", "sender-unknown",
	    "sender-needs-auth" };
	const char *const counts[] = { "lines read", "decisions",
	    "other daemon lines", "foreign lines skipped",
	    "malformed lines skipped", "outside --since/--until" };
	long cv[] = { r->lines, r->decisions, r->others, r->foreign,
	    r->malformed, r->outside };
	const char *fmt = "%Y-%m-%d %H:%M:%S";
	char a[32], b[32];
	int i;

	/* the known names show even when 0 */
	for (i = 0; i < (int)(sizeof(known) / sizeof(known[0])); i++)
		tab_get(i < 4 ? &r->actions : &r->reasons, known[i],
		    strlen(known[i]), NULL);
	printf("milter-tarpit log report (times in UTC)\n");
	if (r->have_time)
		printf("  %-24s %s .. %s\n", "period", fmt_time(r->tmin, fmt,
		    a, sizeof(a)), fmt_time(r->tmax, fmt, b, sizeof(b)));
	else
		printf("  %-24s (no daemon lines)\n", "period");
	if (r->has_since)
		printf("  %-24s %s\n", "since (included)",
		    fmt_time(r->since, fmt, a, sizeof(a)));
	if (r->has_until)
		printf("  %-24s %s\n", "until (not included)",
		    fmt_time(r->until, fmt, a, sizeof(a)));
	for (i = 0; i < 6; i++)
		printf("  %-24s %9ld\n", counts[i], cv[i]);
	print_top(r, &r->actions, 'k', "Decisions by action",
	    "action|count", "n");
	printf("  (dry run, counted above: %ld)\n", r->dry_run);
	print_top(r, &r->reasons, 'k', "Decisions by reason",
	    "reason|count", "n");
	printf("  (unknown from authenticated senders: %ld)\n",
	    r->unknown_auth);
	print_top(r, &r->clients, 'u', "Top clients by unknown recipients",
	    "client|unknown|tarpit-s|rcpts", "2s3");
	print_top(r, &r->clients, 's', "Top clients by tarpit time",
	    "client|tarpit-s|decisions|unknown", "sn2");
	print_top(r, &r->hours, 'k', "Rejects and tempfails per hour",
	    "hour|rejects|tempfails", "n2");
	print_top(r, &r->unknown, 'n', "Most-probed unknown recipients",
	    "recipient|count", "n");
	print_top(r, &r->harvest, 'n', "Harvest disconnects",
	    "client|count|max-score", "nm");
	printf("\nDirectory errors: %ld\n", r->dir_errors);
}

/* parse_when - a --since/--until value as UTC seconds, or -1 */
static long long
parse_when(const char *s)
{
	int h = 0, mi = 0, sec = 0;
	const char *p = s + 10;

	if (!shape(s, "dddd-dd-dd"))
		return -1;
	if ((*p == 'T' || *p == ' ') && shape(p + 1, "dd:dd")) {
		h = D2(p + 1), mi = D2(p + 4);
		p += 6;
		if (shape(p, ":dd"))
			sec = D2(p + 1), p += 3;
	}
	return *p ? -1 : mk_time(D2(s) * 100 + D2(s + 2), D2(s + 5), D2(s + 8),
	    h, mi, sec);
}

/* usage - the help text */
static void
usage(void)
{
	printf("usage: %s [-v] [-s time] [-u time] [-n count] [--year yyyy]"
	    " [file ...]\n       %s -h | -V\n"
	    "Summarize milter-tarpit log lines (syslog, journalctl, or the\n"
	    "daemon's -f output) read from the files, or standard input (-).\n"
	    "  -s, --since TIME  only lines at or after TIME\n"
	    "  -u, --until TIME  only lines before TIME\n"
	    "  -n, --top N       rows in each top list (default 10; 0: all)\n"
	    "      --year YYYY   year of syslog stamps, which have none\n"
	    "                    (default: this year, or last if in future)\n"
	    "  -v, --verbose     show the first malformed lines on stderr\n"
	    "  -h, --help        this text\n"
	    "  -V, --version     the version\n"
	    "TIME is YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\" or "
	    "YYYY-MM-DDTHH:MM[:SS], in UTC.\n", PROG, PROG);
}

/* bad_flag - a usage error: say what is wrong and exit 64 */
static void
bad_flag(const char *flag, const char *want, const char *got)
{
	if (got)
		fprintf(stderr, "%s: %s: expected %s, got \"%s\"\n", PROG,
		    flag, want, got);
	else
		fprintf(stderr, "%s: %s: %s\n", PROG, flag, want);
	fprintf(stderr, "Try '%s --help' for more information.\n", PROG);
	exit(EXIT_USAGE);
}

/* main - parse the flags, read every input, print the report */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "top", required_argument, NULL, 'n' },
		{ "year", required_argument, NULL, 'Y' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct report r;		/* static: reachable until exit */
	char flag[64], *end;
	const char *word;
	long v;
	time_t now = time(NULL);
	struct tm tm;
	int c, i, bad = 0, ok = 0;

	r.top = 10;
	r.now = (long long)now;
	r.now_year = gmtime_r(&now, &tm) ? tm.tm_year + 1900 : 1970;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:u:n:vhV", longopts,
	    NULL)) != -1) {
		/* name the flag as it was written: -s or --since */
		word = argv[optind - 1];
		if (optarg && optarg == word && optind >= 2)
			word = argv[optind - 2];
		if ((c == '?' && optopt) || strncmp(word, "--", 2) != 0)
			snprintf(flag, sizeof(flag), "-%c",
			    c == '?' || c == ':' ? optopt : c);
		else
			snprintf(flag, sizeof(flag), "%.*s",
			    (int)strcspn(word, "="), word);
		switch (c) {
		case 's':
		case 'u':
			if (parse_when(optarg) < 0)
				bad_flag(flag, "YYYY-MM-DD, \"YYYY-MM-DD "
				    "HH:MM[:SS]\" or YYYY-MM-DDTHH:MM[:SS] "
				    "(UTC)", optarg);
			*(c == 's' ? &r.since : &r.until) = parse_when(optarg);
			*(c == 's' ? &r.has_since : &r.has_until) = 1;
			break;
		case 'n':
		case 'Y':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!shape(optarg, "d") || *end || errno || (c == 'n' ?
			    v > 1000000 : v < 1970 || v > 9999))
				bad_flag(flag, c == 'n' ? "a number of rows, "
				    "0 (all) to 1000000" : "a year, 1970 to "
				    "9999", optarg);
			*(c == 'n' ? &r.top : &r.year_opt) = v;
			break;
		case 'v':
			r.verbose = 1;
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			printf("%s %s\n", PROG, PACKAGE_VERSION);
			return 0;
		case ':':
			bad_flag(flag, "needs a value (see --help)", NULL);
			break;
		default:
			bad_flag(flag, "unknown or ambiguous option; options "
			    "are -s, -u, -n, --year, -v, -h, -V", NULL);
		}
	}
	if (r.has_since && r.has_until && r.since >= r.until)
		bad_flag("--since", "must be earlier than --until", NULL);
	for (i = optind; i < argc || i == optind; i++)	/* none: stdin */
		*(read_input(&r, i < argc ? argv[i] : "-") ? &bad : &ok) += 1;
	if (ok > 0)
		print_report(&r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the report: %s\n", PROG,
		    strerror(errno));
		return EXIT_IOERR;
	}
	return bad ? EXIT_NOINPUT : 0;
}
