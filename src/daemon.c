/*
 * NAME
 *	daemon 3
 * SUMMARY
 *	process lifecycle: socket file, privileges, pid file
 * DESCRIPTION
 *	daemon_drop() sets the supplementary groups, the group and the user,
 *	in that order, and then checks that root cannot be regained: a
 *	setuid(0) that succeeds afterwards is an error, not a warning.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "util.h"

/* unix_path - the path of a unix: or local: socket spec, or NULL */
static const char *
unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/*
 * socket_state - for an existing path: -1 not a socket (err set), 1 a
 * process listens on it (err set), 0 nobody does (stale)
 */
static int
socket_state(const char *path, const struct stat *st, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	int fd, rc;

	if (!S_ISSOCK(st->st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	util_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "another process is listening on %s", path);
		return 1;
	}
	return 0;
}

/* daemon_socket_prepare - remove a stale unix socket; -1 if one is live */
int
daemon_socket_prepare(const char *spec, char *err, size_t errlen)
{
	const char *path = unix_path(spec);
	struct stat st;

	if (path == NULL || lstat(path, &st) < 0)
		return 0;
	if (socket_state(path, &st, err, errlen) != 0)
		return -1;
	unlink(path);	/* left behind by a process that died */
	return 0;
}

/* inet_check - can we bind port@host right now */
static int
inet_check(const char *spec, char *err, size_t errlen)
{
	const char *rest = strchr(spec, ':') + 1, *at = strchr(rest, '@');
	int v6 = strncmp(spec, "inet6:", 6) == 0, fd, one = 1, rc;
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	char host[256];
	long port;
	char portbuf[16];

	snprintf(portbuf, sizeof(portbuf), "%.*s", (int)(at ? at - rest :
	    (ptrdiff_t)strlen(rest)), rest);
	if (util_parse_long(portbuf, 1, 65535, &port) < 0) {
		snprintf(err, errlen, "%s: \"%s\" is not a port number", spec,
		    portbuf);
		return -1;
	}
	util_strlcpy(host, at ? at + 1 : (v6 ? "::" : "0.0.0.0"), sizeof(host));
	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (v6 ? inet_pton(AF_INET6, host, &s6.sin6_addr) != 1 :
	    inet_pton(AF_INET, host, &s4.sin_addr) != 1) {
		if (strcmp(host, "localhost") != 0)
			return 0;	/* a name: libmilter resolves it */
		inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	}
	if ((fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0)) < 0) {
		snprintf(err, errlen, "%s: socket: %s", spec, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6) {
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((unsigned short)port);
		rc = bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	} else {
		s4.sin_family = AF_INET;
		s4.sin_port = htons((unsigned short)port);
		rc = bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: cannot bind: %s", spec, strerror(errno));
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* daemon_socket_check - could the socket be created now (check mode) */
int
daemon_socket_check(const char *spec, char *err, size_t errlen)
{
	const char *path = unix_path(spec);
	char dir[1024], *slash;
	struct stat st;

	if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0)
		return inet_check(spec, err, errlen);
	if (path == NULL)
		return 0;
	util_strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		util_strlcpy(dir, ".", sizeof(dir));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "socket directory %s does not exist", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "socket directory %s is not writable: %s",
		    dir, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == 0 && socket_state(path, &st, err, errlen) != 0)
		return -1;
	return 0;
}

/* daemon_socket_perms - set owner, group and mode of a unix socket */
int
daemon_socket_perms(const char *spec, const char *owner, long mode,
    const char *group, char *err, size_t errlen)
{
	const char *path = unix_path(spec);
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct passwd *pw;
	struct group *gr;

	if (path == NULL)
		return 0;
	if (owner && (pw = getpwnam(owner)) != NULL)
		uid = pw->pw_uid;	/* the user the daemon drops to */
	if (group) {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "--socket-group: no group \"%s\"",
			    group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	/* chmod first: once the file is not root's, root needs CAP_FOWNER */
	if (mode >= 0 && chmod(path, (mode_t)mode) < 0) {
		snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) < 0) {
		snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* daemon_user_check - do the user and groups named exist; 0 ok, -1 err */
int
daemon_user_check(const char *user, const char *group, const char *sgroup,
    char *err, size_t errlen)
{
	if (user && getpwnam(user) == NULL) {
		snprintf(err, errlen, "-u/--user: no user \"%s\"", user);
		return -1;
	}
	if (group && getgrnam(group) == NULL) {
		snprintf(err, errlen, "-u/--user: no group \"%s\"", group);
		return -1;
	}
	if (sgroup && getgrnam(sgroup) == NULL) {
		snprintf(err, errlen, "--socket-group: no group \"%s\"", sgroup);
		return -1;
	}
	return 0;
}

/* daemon_drop - become user (and group) for good; 0 ok, -1 with err */
int
daemon_drop(const char *user, const char *group, char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "-u/--user: no user \"%s\"", user);
		return -1;
	}
	gid = pw->pw_gid;
	if (group) {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "-u/--user: no group \"%s\"", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (initgroups(pw->pw_name, gid) < 0 || setgid(gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot become %s: %s", user,
		    strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "root could be regained after dropping"
		    " to %s; refusing to run", user);
		return -1;
	}
	return 0;
}

/*
 * daemon_pidfile_write - write our pid; 0 ok, -1 with err. A symbolic
 * link at path is refused, not followed: root must not truncate the file
 * someone else's link names.
 */
int
daemon_pidfile_write(const char *path, char *err, size_t errlen)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0 && errno == ELOOP) {
		snprintf(err, errlen, "--pidfile: %s: is a symbolic link (not"
		    " followed; remove it or name another path)", path);
		return -1;
	}
	if (fd < 0) {
		snprintf(err, errlen, "--pidfile: %s: %s", path, strerror(errno));
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		snprintf(err, errlen, "--pidfile: %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
