/*
 * NAME
 *	log 3h
 * SUMMARY
 *	syslog or stderr logging, OpenBSD style
 * DESCRIPTION
 *	log_warn() appends strerror(errno); log_warnx() does not. Lines go
 *	to syslog (facility mail) or, in foreground mode, to stderr with a
 *	timestamp (under journald: a "<N>" priority prefix instead). Each
 *	call writes one whole line, so lines from concurrent threads never
 *	interleave.
 */
#ifndef MT_LOG_H
#define MT_LOG_H

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

/* log_init - choose the destination; call once before threads start */
void log_init(const char *ident, int to_stderr, int verbose);

void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_debug(const char *fmt, ...) LOG_FMT(1, 2);
void log_warn(const char *fmt, ...) LOG_FMT(1, 2);
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void log_err(const char *fmt, ...) LOG_FMT(1, 2);

/* log_journal - stderr is the stream JOURNAL_STREAM names (journald's) */
int log_journal(void);

#endif
