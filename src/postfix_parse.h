/*
 * NAME
 *	postfix_parse 3h
 * SUMMARY
 *	reading Postfix's parameter values, for the check mode
 * DESCRIPTION
 *	Pure functions on the text postconf(1) prints: lists, booleans,
 *	time values, master.cf service lines, milter socket names and the
 *	domains Postfix accepts, compared with the daemon's options. None
 *	of them runs a program or reads a file, so they are unit-tested.
 */
#ifndef MT_POSTFIX_PARSE_H
#define MT_POSTFIX_PARSE_H

#include <stddef.h>

#include "config.h"

#define POSTFIX_WORDS_MAX	256	/* list items looked at, at most */

/*
 * postfix_list_split - split a Postfix list (commas and white space)
 * in place into at most max words; a "{ ... }" group stays one word,
 * without its braces. Returns the number of words, or -1 when there
 * are more than max or a brace is not closed.
 */
int postfix_list_split(char *s, char **words, int max);

/* postfix_bool - 1 for yes, 0 for no (any case, blanks around), else -1 */
int postfix_bool(const char *s);

/* postfix_time - a Postfix time value (30, 30s, 5m, 1h, 1d, 1w) in seconds */
int postfix_time(const char *s, double *secs);

/*
 * postfix_master_smtpd - one line of "postconf -M": -1 if it is not an
 * inet service running smtpd, else 1 when it runs chrooted (chroot
 * column y; "-" is n, Postfix's default since 3.0) and 0 when not
 */
int postfix_master_smtpd(const char *line);

/*
 * postfix_milter_attr - in a milter group "SOCKET, name=value, ..."
 * (postfix_list_split's word), the value of attribute name into buf;
 * 0 found, -1 not there. postfix_milter_socket copies the socket.
 */
int postfix_milter_attr(const char *group, const char *name, char *buf,
    size_t len);
void postfix_milter_socket(const char *group, char *buf, size_t len);

/*
 * postfix_socket_same - does Postfix's milter name theirs (unix:PATH or
 * inet:HOST:PORT) reach the daemon's -p ours? A unix path is taken
 * relative to queue directory qdir when it is relative, or when
 * chroot is set.
 */
int postfix_socket_same(const char *ours, const char *theirs,
    const char *qdir, int chroot);

/*
 * postfix_socket_form - the daemon's -p ours as smtpd_milters names it,
 * into buf; -1 when a chrooted smtpd cannot reach it (a unix path
 * outside qdir) or ours is no socket name
 */
int postfix_socket_form(const char *ours, const char *qdir, int chroot,
    char *buf, size_t len);

/* postfix_same_chars - do two delimiter sets hold the same characters */
int postfix_same_chars(const char *a, const char *b);

enum postfix_cover {
	POSTFIX_COVERED,	/* -d has it */
	POSTFIX_MISSING,	/* -d does not name the domain */
	POSTFIX_SUBDOMAINS	/* the domain is, its subdomains are not */
};

/*
 * postfix_domain_cover - does -d cover a domain Postfix accepts, given
 * as a list item ("example.com", or ".example.com" for its subdomains
 * only); with parent set, the parameter is in
 * parent_domain_matches_subdomains and the subdomains count too
 */
enum postfix_cover postfix_domain_cover(const struct config *cfg,
    const char *item, int parent);

/*
 * postfix_list_without - the list words[0..n) without item i, as
 * "a, b, c" into buf (for the main.cf line to write); a word with
 * separators in it (a milter group) gets its braces back
 */
void postfix_list_without(char *const *words, int n, int i, char *buf,
    size_t len);

#endif
