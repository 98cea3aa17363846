/*
 * NAME
 *	daemon 3h
 * SUMMARY
 *	process lifecycle: socket file, privileges, pid file
 * DESCRIPTION
 *	What a long-running mail daemon does around its real work: make sure
 *	the milter socket can be created (a stale one from a crash is removed,
 *	a live one is left alone), give it the owner and mode Postfix needs,
 *	write a pid file, and drop root for good.
 */
#ifndef MT_DAEMON_H
#define MT_DAEMON_H

#include <stddef.h>

/* daemon_socket_prepare - remove a stale unix socket; -1 if one is live */
int daemon_socket_prepare(const char *spec, char *err, size_t errlen);

/* daemon_socket_check - could the socket be created now (check mode) */
int daemon_socket_check(const char *spec, char *err, size_t errlen);

/* daemon_socket_perms - set owner, group and mode of a unix socket */
int daemon_socket_perms(const char *spec, const char *owner, long mode,
    const char *group, char *err, size_t errlen);

/* daemon_user_check - do the user and groups named exist; 0 ok, -1 err */
int daemon_user_check(const char *user, const char *group, const char *sgroup,
    char *err, size_t errlen);

/* daemon_drop - become user (and group) for good; 0 ok, -1 with err */
int daemon_drop(const char *user, const char *group, char *err, size_t errlen);

/* daemon_pidfile_write - write our pid; 0 ok, -1 with err */
int daemon_pidfile_write(const char *path, char *err, size_t errlen);

#endif
