/*
 * NAME
 *	fuzz_users 1
 * SUMMARY
 *	libFuzzer target for src/directory_file.c: the --users file
 * DESCRIPTION
 *	The input is a users file. Like fuzz_optfile, the target keeps one
 *	per-process file (a memfd read through /proc/self/fd/N, or a
 *	mkstemp(3) file) and rewrites it each run. The last input byte
 *	also picks the size of the error buffer (1 to 256 bytes, an exactly
 *	sized heap block, so ASan sees any write past it). Checked:
 *
 *	  - directory_file_open() returns 0 or -1 and always terminates
 *	    the error buffer within its size (a summary on success);
 *	  - a refusal message names the file ("PATH: ..." or "PATH:LINE:");
 *	    on success the summary's addresses + catch-all domains are at
 *	    most the number of lines;
 *	  - lookups answer only found or not found, and every line that
 *	    is plainly an address (no '#', no white space at either end,
 *	    parsed by addr_parse() with a domain) is found, as is any
 *	    address in a catch-all line's domain ("@domain");
 *	  - LeakSanitizer: the table is freed by the close operation.
 *
 *	FUZZ_STRICT=1 adds: the "line longer than 2048 bytes" message only
 *	for a line that is longer (see README, "Findings").
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "addr.h"
#include "directory.h"
#include "directory_file.h"

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_users: invariant failed: " __VA_ARGS__);	\
	fprintf(stderr, "\n");						\
	abort();							\
} while (0)

#define LINE_MAX_LEN 2048	/* as in directory_file.c */

static int fd = -1;
static char path[256];
static int strict;

static void
setup(void)
{
	const char *dir;

	strict = getenv("FUZZ_STRICT") && *getenv("FUZZ_STRICT") == '1';
	fd = memfd_create("fuzz_users", 0);
	if (fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, R_OK) == 0)
			return;
		close(fd);
	}
	dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, sizeof(path), "%s/fuzz_users.%ld.XXXXXX", dir,
	    (long)getpid());
	if ((fd = mkstemp(path)) < 0) {
		perror("fuzz_users: mkstemp");
		exit(1);
	}
}

static void
cleanup(void)
{
	if (strncmp(path, "/proc/", 6) != 0)
		unlink(path);
}

static void
put(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) != 0 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz_users: write");
		exit(1);
	}
}

/* lookup - ask the open directory for one address */
static enum dir_result
lookup(struct directory *d, const struct addr *a)
{
	struct dir_query q;
	enum dir_result r;

	memset(&q, 0, sizeof(q));
	r = d->ops->lookup(d->impl, a, 1, &q);
	if (r != DIR_FOUND && r != DIR_NOTFOUND)
		FAIL("lookup of \"%s\" gave %d", a->full, (int)r);
	if (memchr(q.filter, '\0', sizeof(q.filter)) == NULL)
		FAIL("q.filter not terminated");
	return r;
}

/* check_lines - every plain address line is found */
static void
check_lines(struct directory *d, const uint8_t *data, size_t size)
{
	char line[LINE_MAX_LEN + 8], probe[LINE_MAX_LEN + 16];
	const uint8_t *p = data, *end = data + size, *nl;
	struct addr a;
	size_t n;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || n > LINE_MAX_LEN || memchr(p, '\0', n) ||
		    memchr(p, '#', n) || memchr(p, '\r', n) ||
		    p[0] == ' ' || p[0] == '\t' ||
		    p[n - 1] == ' ' || p[n - 1] == '\t')
			continue;
		memcpy(line, p, n);
		line[n] = '\0';
		if (line[0] == '@') {
			/* A catch-all: any address in the domain is found. */
			snprintf(probe, sizeof(probe), "fuzz%s", line);
			if (addr_parse(probe, &a, NULL) != ADDR_OK ||
			    strlen(line) > ADDR_DOMAIN_MAX + 1)
				continue;
		} else if (addr_parse(line, &a, NULL) != ADDR_OK ||
		    a.domain[0] == '\0') {
			continue;
		}
		if (lookup(d, &a) != DIR_FOUND)
			FAIL("line \"%s\" is accepted but \"%s\" is not found",
			    line, a.full);
	}
}

/* too_long_message - msg is "PATH:LINE: line longer than ..." */
static int
too_long_message(const char *msg)
{
	size_t n = strlen(path);
	const char *p = msg + n + 1;

	if (strncmp(msg, path, n) != 0 || msg[n] != ':' ||
	    *p < '0' || *p > '9')
		return 0;
	p += strspn(p, "0123456789");
	return strncmp(p, ": line longer than", 18) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t errlen = size ? (size_t)data[size - 1] + 1 : 64;
	size_t naddrs = (size_t)-1, ndomains = (size_t)-1, lines, i;
	char *err1;
	struct directory d;
	struct addr a;
	int rc1;

	if (fd < 0) {
		setup();
		atexit(cleanup);
	}
	put(data, size);
	if ((err1 = malloc(errlen)) == NULL)
		abort();
	memset(err1, 'Z', errlen);

	memset(&d, 0, sizeof(d));
	rc1 = directory_file_open(&d, path, err1, errlen);
	if (memchr(err1, '\0', errlen) == NULL)
		FAIL("error buffer not terminated");
	if (rc1 != 0 && rc1 != -1)
		FAIL("directory_file_open returned %d", rc1);

	if (rc1 < 0) {
		if (errlen > strlen(path) + 2 &&
		    (strncmp(err1, path, strlen(path)) != 0 ||
		    err1[strlen(path)] != ':'))
			FAIL("message does not name the file: \"%s\"", err1);
		if (strict && too_long_message(err1)) {
			size_t cur = 0, max = 0;

			for (i = 0; i < size; i++)
				cur = data[i] == '\n' ? 0 : cur + 1,
				max = cur > max ? cur : max;
			if (max <= LINE_MAX_LEN)
				FAIL("\"%s\" with no line over %d bytes", err1,
				    LINE_MAX_LEN);
		}
		goto out;
	}

	for (lines = 0, i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	if (size > 0 && data[size - 1] != '\n')
		lines++;
	/* "PATH: N addresses, M catch-all domains", if not cut short */
	if (strlen(err1) > strlen(path) && sscanf(err1 + strlen(path),
	    ": %zu addresses, %zu catch-all", &naddrs, &ndomains) == 2 &&
	    naddrs + ndomains > lines)
		FAIL("%zu addresses + %zu domains from %zu lines", naddrs,
		    ndomains, lines);
	if (d.ops == NULL || d.impl == NULL)
		FAIL("open succeeded without a backend");

	check_lines(&d, data, size);
	/* Any other address answers found or not found, not an error. */
	if (addr_parse("nobody@invalid.invalid", &a, NULL) == ADDR_OK)
		(void)lookup(&d, &a);
	d.ops->close(d.impl);
out:
	free(err1);
	return 0;
}
