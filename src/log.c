/*
 * NAME
 *	log 3
 * SUMMARY
 *	syslog or stderr logging, OpenBSD style
 * DESCRIPTION
 *	The destination is fixed by log_init() before any thread starts and
 *	only read afterwards, so no lock is needed. Each line is formatted
 *	into a buffer on the caller's stack and written with one call.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 4096

static const char *log_ident = "milter-tarpit";
static int log_to_stderr;
static int log_debug_on;

/* log_init - choose the destination; call once before threads start */
void
log_init(const char *ident, int to_stderr, int verbose)
{
	log_ident = ident;
	log_to_stderr = to_stderr;
	log_debug_on = verbose;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_verbose - nonzero when debug lines are wanted */
int
log_verbose(void)
{
	return log_debug_on;
}

/* log_emit - write one formatted line, with an optional errno text */
static void
log_emit(int pri, const char *label, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (errnum && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));

	if (log_to_stderr) {
		struct timeval tv;
		struct tm tm;
		char stamp[32];

		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s%s\n", stamp,
		    (long)(tv.tv_usec / 1000), log_ident, (long)getpid(),
		    label, msg);
		fflush(stderr);
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
