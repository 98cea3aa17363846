/*
 * NAME
 *	util 3
 * SUMMARY
 *	small helpers: clocks, bounded number parsing, safe strings
 * DESCRIPTION
 *	Bounded parsing in the spirit of OpenBSD's strtonum(3): the whole
 *	string must be a number, and the number must lie in range, or the
 *	caller gets an error it can turn into a message naming the flag.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* util_timeval - seconds as a struct timeval, at least 1 ms */
struct timeval
util_timeval(double s)
{
	struct timeval tv;

	if (s < 0.001)
		s = 0.001;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* util_now - monotonic clock in seconds */
double
util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* util_abstime - monotonic seconds as a timespec, for timed waits */
void
util_abstime(double t, struct timespec *ts)
{
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* plain_decimal - digits with at most one dot, nothing else */
static int
plain_decimal(const char *s, int allow_dot)
{
	int digits = 0, dots = 0;

	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (*s == '.' && allow_dot && dots == 0)
			dots++;
		else
			return 0;
	}
	return digits > 0;
}

/* util_parse_seconds - strict decimal seconds in [min, max]; 0 ok, -1 bad */
int
util_parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || !plain_decimal(s, 1) || strlen(s) > 32)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* util_parse_long - strict decimal integer in [min, max]; 0 ok, -1 bad */
int
util_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || !plain_decimal(s, 0) || strlen(s) > 18)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* util_strlcpy - copy with truncation, always terminated; returns strlen(src) */
size_t
util_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* util_log_escape - printable copy for a log line */
void
util_log_escape(const char *in, char *out, size_t outlen, int keep_space)
{
	size_t o = 0;
	const unsigned char *p;

	if (outlen == 0)
		return;
	for (p = (const unsigned char *)in; *p; p++) {
		if ((*p > 0x20 || (*p == ' ' && keep_space)) && *p < 0x7f &&
		    *p != '\\' && (*p != '"' || !keep_space)) {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)*p;
		} else {
			if (o + 4 >= outlen)
				break;
			snprintf(out + o, outlen - o, "\\x%02x", *p);
			o += 4;
		}
	}
	out[o] = '\0';
}

/* util_has_8bit - s has a byte of 0x80 or above */
int
util_has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* util_lower - ASCII lower-case in place */
void
util_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* util_read_line - one line into buf; see util.h for the outcomes */
enum util_line
util_read_line(FILE *fp, char *buf, size_t size)
{
	size_t n = 0;
	int c, nul = 0;

	while ((c = getc(fp)) != EOF) {
		if (c == '\0')
			nul = 1;
		if (c != '\n' && n + 2 >= size) {	/* keep room for "\n\0" */
			buf[n] = '\0';
			return UTIL_LINE_LONG;
		}
		buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	if (nul)
		return UTIL_LINE_NUL;
	return n == 0 ? UTIL_LINE_EOF : UTIL_LINE_OK;
}

/* util_sync_dir - best effort: make a rename in path's directory durable */
void
util_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}
