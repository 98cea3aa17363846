/*
 * NAME
 *	log 3
 * SUMMARY
 *	syslog or stderr logging, OpenBSD style
 * DESCRIPTION
 *	The destination is fixed by log_init() before any thread starts and
 *	only read afterwards, so no lock is needed. Each line is formatted
 *	into a buffer on the caller's stack and written with one call
 *	(write(2) for stderr, so lines of concurrent threads never mix).
 *
 *	When stderr is journald's stream (systemd names it in JOURNAL_STREAM
 *	as "device:inode"; a redirection to a file or a terminal does not
 *	match) each line starts with its sd-daemon priority prefix, "<4>"
 *	for a warning, and carries no timestamp or program name: the journal
 *	adds its own and files the line at that priority.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 4096

static const char *log_ident = "milter-tarpit";
static int log_to_stderr;
static int log_journal_on;	/* stderr is journald's stream */
static int log_debug_on;
static long log_pid;		/* for stderr lines; no fork follows */

/* log_init - choose the destination; call once before threads start */
void
log_init(const char *ident, int to_stderr, int verbose)
{
	log_ident = ident;
	log_to_stderr = to_stderr;
	log_debug_on = verbose;
	log_pid = (long)getpid();
	log_journal_on = to_stderr && log_journal();
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_journal - stderr is the stream JOURNAL_STREAM names */
int
log_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (v == NULL || sscanf(v, "%llu:%llu%n", &dev, &ino, &end) != 2 ||
	    v[end] != '\0' || fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* log_emit - write one formatted line, with an optional errno text */
static void
log_emit(int pri, const char *label, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX + 128], *msg = line;
	size_t room = sizeof(line) - 1, n = 0;
	int r;

	if (log_journal_on) {
		/* LOG_DEBUG is 7: the prefix is one digit */
		r = snprintf(line, room, "<%d>%s", pri, label);
		if (r < 0 || (size_t)r >= room)
			return;
		n = (size_t)r;
		msg = line + n;
	} else if (log_to_stderr) {
		struct timeval tv;
		struct tm tm;

		/* One buffer, one write(2): no stdio lock, lines never mix. */
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		n = strftime(line, room, "%Y-%m-%dT%H:%M:%S", &tm);
		r = snprintf(line + n, room - n, ".%03ldZ %s[%ld]: %s",
		    (long)(tv.tv_usec / 1000), log_ident, log_pid, label);
		if (r < 0 || (size_t)r >= room - n)
			return;
		n += (size_t)r;
		msg = line + n;
	}
	r = vsnprintf(line + n, room - n, fmt, ap);
	if (r < 0)
		return;
	n = (size_t)r >= room - n ? room - 1 : n + (size_t)r;
	if (errnum && n < room - 1) {
		r = snprintf(line + n, room - n, ": %s", strerror(errnum));
		if (r > 0)
			n = (size_t)r >= room - n ? room - 1 : n + (size_t)r;
	}
	if (log_to_stderr) {
		line[n++] = '\n';
		(void)!write(STDERR_FILENO, line, n);
	} else {
		syslog(pri, "%s%s", label, msg);
	}
}

#define LOG_BODY(pri, label, errnum) do {	\
	va_list ap;				\
	va_start(ap, fmt);			\
	log_emit(pri, label, errnum, fmt, ap);	\
	va_end(ap);				\
} while (0)

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, "", 0);
}

void
log_debug(const char *fmt, ...)
{
	if (log_debug_on)
		LOG_BODY(LOG_DEBUG, "debug: ", 0);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;

	LOG_BODY(LOG_WARNING, "warning: ", saved);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, "warning: ", 0);
}

void
log_err(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, "error: ", 0);
}
