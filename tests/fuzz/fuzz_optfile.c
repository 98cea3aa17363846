/*
 * NAME
 *	fuzz_optfile 1
 * SUMMARY
 *	libFuzzer target for src/optfile.c (and config.c, flags.c behind it)
 * DESCRIPTION
 *	The input is an options file. optfile_read() takes a path, so the
 *	target keeps one per-process file, a memfd (no file left behind;
 *	a mkstemp(3) file in $TMPDIR or /tmp if memfd_create fails),
 *	rewrites it each run, and reads it through /proc/self/fd/N. Each
 *	run is config_init(), optfile_read() with messages caught in a
 *	memstream, config_check(), config_free(): LeakSanitizer reports
 *	anything not freed. Checked:
 *
 *	  - optfile_read() returns 0 exactly when it printed nothing, and
 *	    every message line it prints is "milter-tarpit: PATH:LINE: ..."
 *	    (a value cannot start a line of its own);
 *	  - whatever the file did, even when refused, every field holds a
 *	    value its option accepts: numbers in their ranges, the filter
 *	    passes filter_check(), domains are lower-case host names, URIs
 *	    have an LDAP scheme, the delimiters are 1-8 printable characters
 *	    without '@', '"', ' ', '<', '>', paths that must be absolute
 *	    are, and the command-line-only options (query, client, sender,
 *	    auth, config) are never set;
 *	  - reading the same file again into a fresh config gives the same
 *	    return code and the same messages (no hidden state).
 *
 *	FUZZ_STRICT=1 in the environment adds checks of things the code
 *	does not promise in so many words (see README, "Findings"): the
 *	"line longer than 4096 bytes" message only for a line that is
 *	longer, and no empty users-file path.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "ldap_escape.h"
#include "optfile.h"

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_optfile: invariant failed: " __VA_ARGS__);\
	fprintf(stderr, "\n");						\
	abort();							\
} while (0)

static int fd = -1;
static char path[256];
static int strict = -1;

/* setup - the per-process file */
static void
setup(void)
{
	const char *dir;

	strict = getenv("FUZZ_STRICT") && *getenv("FUZZ_STRICT") == '1';
	fd = memfd_create("fuzz_optfile", 0);
	if (fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, R_OK) == 0)
			return;
		close(fd);
	}
	dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, sizeof(path), "%s/fuzz_optfile.%ld.XXXXXX", dir,
	    (long)getpid());
	if ((fd = mkstemp(path)) < 0) {
		perror("fuzz_optfile: mkstemp");
		exit(1);
	}
}

static void
cleanup(void)
{
	if (strncmp(path, "/proc/", 6) != 0)
		unlink(path);
}

/* put - replace the file's contents */
static void
put(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) != 0 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz_optfile: write");
		exit(1);
	}
}

static int
in(double v, double lo, double hi)
{
	return !isnan(v) && v >= lo && v <= hi;
}

static int
printable(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int
host_name(const char *d)
{
	size_t n = strlen(d);
	const unsigned char *p;

	if (n == 0 || n > 255 || d[0] == '.' || d[n - 1] == '.' ||
	    strstr(d, ".."))
		return 0;
	for (p = (const unsigned char *)d; *p; p++)
		if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_'))
			return 0;
	return 1;
}

/* check_config - every field holds a value its option accepts */
static void
check_config(const struct config *c)
{
	const char *why;
	size_t i;

	if (c->socket == NULL || (strncmp(c->socket, "unix:", 5) &&
	    strncmp(c->socket, "local:", 6) && strncmp(c->socket, "inet:", 5) &&
	    strncmp(c->socket, "inet6:", 6) && c->socket[0] != '/'))
		FAIL("socket \"%s\"", c->socket ? c->socket : "(null)");
	if (c->uris) {
		char *copy = strdup(c->uris), *tok, *save = NULL;

		for (tok = strtok_r(copy, " ", &save); tok;
		    tok = strtok_r(NULL, " ", &save))
			if (strncasecmp(tok, "ldap://", 7) &&
			    strncasecmp(tok, "ldaps://", 8) &&
			    strncasecmp(tok, "ldapi://", 8))
				FAIL("uri \"%s\" in \"%s\"", tok, c->uris);
		if (c->uris[0] == '\0' || c->uris[0] == ' ')
			FAIL("uris \"%s\"", c->uris);
		free(copy);
	}
	if (c->scope != SCOPE_BASE && c->scope != SCOPE_ONE &&
	    c->scope != SCOPE_SUB)
		FAIL("scope %d", (int)c->scope);
	if (c->filter == NULL || filter_check(c->filter, &why) != 0)
		FAIL("filter \"%s\"", c->filter ? c->filter : "(null)");
	if (c->starttls < 0 || c->starttls > 2)
		FAIL("starttls %d", c->starttls);
	if (c->sasl_mech && strcmp(c->sasl_mech, "EXTERNAL"))
		FAIL("sasl_mech \"%s\"", c->sasl_mech);
	if (c->password)
		FAIL("password set by an options file");
	if (c->cache != 0 && c->cache != 1)
		FAIL("cache %d", c->cache);
	if (c->cache_size < 16 || c->cache_size > 10000000)
		FAIL("cache_size %ld", c->cache_size);
	if (!in(c->cache_ttl, 0, 86400) || !in(c->cache_neg_ttl, 0, 86400) ||
	    !in(c->cache_stale, 0, 604800))
		FAIL("cache ttl %g %g %g", c->cache_ttl, c->cache_neg_ttl,
		    c->cache_stale);
	if (!in(c->ldap_timeout, 0.1, 60))
		FAIL("ldap_timeout %g", c->ldap_timeout);
	if (c->pool_size < 1 || c->pool_size > 64)
		FAIL("pool_size %ld", c->pool_size);
	if ((c->ndomains > 0) != (c->domains != NULL))
		FAIL("ndomains %zu, domains %p", c->ndomains,
		    (void *)c->domains);
	for (i = 0; i < c->ndomains; i++) {
		const char *d = c->domains[i], *q;

		if (!host_name(d))
			FAIL("domain \"%s\"", d);
		for (q = d; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				FAIL("domain \"%s\" not lower case", d);
	}
	if (c->delimiters && (!printable(c->delimiters, 8) ||
	    strpbrk(c->delimiters, "@\" <>")))
		FAIL("delimiters \"%s\"", c->delimiters);
	if (!in(c->delay, 0, 3600) || !in(c->milter_timeout, 1, 3600))
		FAIL("delay %g milter_timeout %g", c->delay, c->milter_timeout);
	if (c->reject_text == NULL || !printable(c->reject_text, 400))
		FAIL("reject_text");
	if (c->foreground & ~1 || c->verbose & ~1 || c->allow_root & ~1)
		FAIL("flag values");
	if (c->config_file || c->query || c->query_client || c->query_sender ||
	    c->query_auth || c->check_only)
		FAIL("a command-line-only option was set by the file");
	if (c->user && (c->user[0] == '\0' || strchr(c->user, ':')))
		FAIL("user \"%s\"", c->user);
	if (c->group && (c->user == NULL || c->group[0] == '\0'))
		FAIL("group without user, or empty");
	if (c->pidfile && c->pidfile[0] != '/')
		FAIL("pidfile \"%s\"", c->pidfile);
	if (c->stats_file && c->stats_file[0] != '/')
		FAIL("stats_file \"%s\"", c->stats_file);
	if (c->socket_mode != -1 && (c->socket_mode < 0 ||
	    c->socket_mode > 0777))
		FAIL("socket_mode %ld", c->socket_mode);
	if (!in(c->stats_interval, 1, 86400))
		FAIL("stats_interval %g", c->stats_interval);
	if (!in(c->delay_factor, 1, 10) || !in(c->delay_max, 0, 3600))
		FAIL("delay_factor %g delay_max %g", c->delay_factor,
		    c->delay_max);
	if (c->allowance < 0 || c->allowance > 1000)
		FAIL("allowance %ld", c->allowance);
	if (!in(c->suspect_score, 0, 1e6) || !in(c->harvest_score, 0, 1e6))
		FAIL("scores %g %g", c->suspect_score, c->harvest_score);
	if (c->max_sleepers < 0 || c->max_sleepers > 1000000 ||
	    c->max_sleepers_net < 0 || c->max_sleepers_net > 1000000)
		FAIL("max_sleepers %ld %ld", c->max_sleepers,
		    c->max_sleepers_net);
	if (c->cap_tempfail & ~1 || c->exempt_check & ~1)
		FAIL("cap_tempfail %d exempt_check %d", c->cap_tempfail,
		    c->exempt_check);
	if ((c->ntrusted > 0) != (c->trusted != NULL) && c->ntrusted > 0)
		FAIL("ntrusted %zu without an array", c->ntrusted);
	if (c->prefix4 < 8 || c->prefix4 > 32 || c->prefix6 < 16 ||
	    c->prefix6 > 128)
		FAIL("prefixes %ld %ld", c->prefix4, c->prefix6);
	if (!in(c->half_life, 1, 604800))
		FAIL("half_life %g", c->half_life);
	if (c->score_table_size < 16 || c->score_table_size > 10000000)
		FAIL("score_table_size %ld", c->score_table_size);
	if (strict && c->users_file && c->users_file[0] == '\0')
		FAIL("users_file is \"\" (from a \"file://\" URI)");
}

/* check_messages - one "milter-tarpit: PATH:LINE: " prefix a line */
static void
check_messages(const char *msg, size_t len)
{
	char prefix[300];
	size_t n;
	const char *p, *nl;

	n = (size_t)snprintf(prefix, sizeof(prefix), "milter-tarpit: %s:",
	    path);
	if (memchr(msg, '\0', len) != NULL)
		FAIL("a NUL byte in the messages");
	for (p = msg; p < msg + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(msg + len - p))) == NULL)
			FAIL("message without a newline: \"%s\"", p);
		if ((size_t)(nl - p) < n || strncmp(p, prefix, n) != 0)
			FAIL("message line without \"%s\": \"%.*s\"", prefix,
			    (int)(nl - p), p);
		/* Followed by a line number, or by " " for whole-file ones. */
		if (p[n] < '0' || p[n] > '9')
			FAIL("message line without a line number: \"%.*s\"",
			    (int)(nl - p), p);
	}
}

/* longest_line - the longest line of the input, '\n' not counted */
static size_t
longest_line(const uint8_t *data, size_t size)
{
	size_t i, cur = 0, max = 0;

	for (i = 0; i < size; i++) {
		if (data[i] == '\n') {
			cur = 0;
			continue;
		}
		if (++cur > max)
			max = cur;
	}
	return max;
}

/* too_long_message - a "milter-tarpit: PATH:LINE: line longer than" line */
static int
too_long_message(const char *msg)
{
	char prefix[300];
	const char *p;
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "milter-tarpit: %s:",
	    path);
	for (p = msg; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		const char *q = p + n;

		if (strncmp(p, prefix, n) != 0 || *q < '0' || *q > '9')
			continue;
		q += strspn(q, "0123456789");
		if (strncmp(q, ": line longer than", 18) == 0)
			return 1;
	}
	return 0;
}

/* run - read the file into a fresh config; the messages are returned */
static int
run(char **msg, size_t *len)
{
	struct config cfg;
	FILE *err, *null;
	int rc;

	if ((err = open_memstream(msg, len)) == NULL)
		abort();
	config_init(&cfg);
	rc = optfile_read(&cfg, path, err);
	fclose(err);
	if (rc != 0 && rc != -1)
		FAIL("optfile_read returned %d", rc);
	check_config(&cfg);
	if ((null = fopen("/dev/null", "w")) == NULL)
		abort();
	(void)config_check(&cfg, null);
	(void)config_delay_max(&cfg);
	fclose(null);
	config_free(&cfg);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *msg = NULL, *msg2 = NULL;
	size_t len = 0, len2 = 0;
	int rc, rc2;

	if (fd < 0) {
		setup();
		atexit(cleanup);
	}
	put(data, size);
	rc = run(&msg, &len);
	if ((rc == 0) != (len == 0))
		FAIL("optfile_read returned %d with %zu bytes of messages: %s",
		    rc, len, msg);
	check_messages(msg, len);
	if (strict && too_long_message(msg) &&
	    longest_line(data, size) <= 4096)
		FAIL("\"line longer than\" with no line over 4096 bytes: %s",
		    msg);
	rc2 = run(&msg2, &len2);
	if (rc2 != rc || len2 != len || memcmp(msg, msg2, len) != 0)
		FAIL("a second read differs: %d/%d", rc, rc2);
	free(msg);
	free(msg2);
	return 0;
}
