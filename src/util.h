/*
 * NAME
 *	util 3h
 * SUMMARY
 *	small helpers: clocks, bounded number parsing, safe strings
 * DESCRIPTION
 *	Functions every other module may use. None of them keeps state,
 *	so all are safe to call from any thread.
 */
#ifndef MT_UTIL_H
#define MT_UTIL_H

#include <stddef.h>
#include <sys/time.h>

/* util_timeval - seconds as a struct timeval, at least 1 ms */
struct timeval util_timeval(double s);

/* util_now - monotonic clock in seconds */
double util_now(void);

struct timespec;

/* util_abstime - monotonic seconds as a timespec, for timed waits */
void util_abstime(double t, struct timespec *ts);

/* util_parse_seconds - strict decimal seconds in [min, max]; 0 ok, -1 bad */
int util_parse_seconds(const char *s, double min, double max, double *out);

/* util_parse_long - strict decimal integer in [min, max]; 0 ok, -1 bad */
int util_parse_long(const char *s, long min, long max, long *out);

/* util_has_8bit - s has a byte of 0x80 or above */
int util_has_8bit(const char *s);

/* util_strlcpy - copy with truncation, always terminated; returns strlen(src) */
size_t util_strlcpy(char *dst, const char *src, size_t size);

/*
 * util_log_escape - printable copy for a log line: \xHH for controls,
 * 8-bit, backslash, and space or '"' unless keep_space
 */
void util_log_escape(const char *in, char *out, size_t outlen, int keep_space);

/* util_sync_dir - best effort: make a rename in path's directory durable */
void util_sync_dir(const char *path);

/* util_lower - ASCII lower-case in place */
void util_lower(char *s);

#include <stdio.h>

enum util_line {
	UTIL_LINE_OK,		/* a line, with its '\n' unless the last */
	UTIL_LINE_EOF,		/* nothing more (or a read error: ferror) */
	UTIL_LINE_LONG,		/* longer than size - 2 bytes; rest unread */
	UTIL_LINE_NUL		/* a NUL byte in the line; line consumed */
};

/*
 * util_read_line - one line of a text file into buf (size bytes, room for
 * the line, its '\n' and the terminating NUL), told apart from a line with
 * a NUL byte in it, which fgets() would cut short without a word
 */
enum util_line util_read_line(FILE *fp, char *buf, size_t size);

#endif
