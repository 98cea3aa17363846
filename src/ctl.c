/*
 * NAME
 *	milter-tarpit-ctl 8
 * SUMMARY
 *	ask a running milter-tarpit about client networks, or change them
 * DESCRIPTION
 *	Joins its arguments into one request line, sends it to the daemon's
 *	--control-socket, copies the reply to standard output and exits
 *	with a status that says how it went: a reply "error: ..." goes to
 *	standard error instead. What the daemon accepts is its business
 *	(control_req.c); here only what cannot be a request is refused.
 */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "control_req.h"

#define PROG "milter-tarpit-ctl"
#define REPLY_CHUNK 4096

static const char usage_text[] =
"Usage: " PROG " [-s PATH] COMMAND [ARGUMENT...]\n"
"Ask a running milter-tarpit through its --control-socket.\n"
"\n"
"  -s, --socket PATH   the control socket (default " CONTROL_DEFAULT_PATH ")\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Commands:\n"
"  list                every network known: score, state, last probe\n"
"  show NET            one network: score, good record, sleepers, wide\n"
"  forget NET          drop its score and good record (and in Redis)\n"
"  trust NET [SECS]    treat it as a trusted network for SECS seconds,\n"
"                      0-604800 (default 3600; 0 ends the trust)\n"
"  stats               the statistics, as SIGUSR1 logs them\n"
"NET is an address, or a network of the daemon's --ipv4-prefix or\n"
"--ipv6-prefix.\n"
"\n"
"Exit status: 0 done, 64 bad command or argument (also when the daemon\n"
"refuses it), 69 no daemon answers on the socket, 74 the connection\n"
"failed, 76 the reply was not understood, 77 permission denied.\n";

/* request - argv joined by spaces into buf; -1 with a message */
static int
request(int argc, char **argv, char *buf, size_t len)
{
	size_t used = 0, n;
	int i;

	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '\0' || strpbrk(argv[i], " \t\r\n") != NULL) {
			fprintf(stderr, PROG ": argument %d is empty or has"
			    " spaces or line breaks\n", i + 1);
			return -1;
		}
		n = strlen(argv[i]);
		if (used + n + 2 > len) {
			fprintf(stderr, PROG ": request longer than %d bytes\n",
			    CONTROL_LINE_MAX - 1);
			return -1;
		}
		if (i > 0)
			buf[used++] = ' ';
		memcpy(buf + used, argv[i], n);
		used += n;
	}
	buf[used++] = '\n';
	buf[used] = '\0';
	return 0;
}

/* dial - a connection to path; -1 with a message and *status */
static int
dial(const char *path, int *status)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, PROG ": socket path too long: %s\n", path);
		*status = EX_USAGE;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
		*status = EX_OSERR;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	*status = errno == EACCES || errno == EPERM ? EX_NOPERM :
	    EX_UNAVAILABLE;
	fprintf(stderr, PROG ": cannot connect to %s: %s%s\n", path,
	    strerror(errno), *status == EX_UNAVAILABLE ? " (is milter-tarpit"
	    " running with --control-socket?)" : "");
	close(fd);
	return -1;
}

/* exchange - send the request, read the whole reply; status */
static int
exchange(int fd, const char *req, char **reply, size_t *len)
{
	size_t cap = 0, got = 0;
	char *b = NULL, *nb;
	ssize_t n;

	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, PROG ": send: %s\n", strerror(errno));
		return EX_IOERR;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		if (got + REPLY_CHUNK + 1 > cap) {
			cap = cap ? 2 * cap : 2 * REPLY_CHUNK;
			if ((nb = realloc(b, cap)) == NULL) {
				free(b);
				fprintf(stderr, PROG ": out of memory\n");
				return EX_OSERR;
			}
			b = nb;
		}
		n = read(fd, b + got, REPLY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(b);
			fprintf(stderr, PROG ": read: %s\n", strerror(errno));
			return EX_IOERR;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	b[got] = '\0';
	*reply = b;
	*len = got;
	return EX_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = CONTROL_DEFAULT_PATH;
	char req[CONTROL_LINE_MAX + 1], *reply = NULL;
	size_t len = 0;
	int c, fd, status;

	while ((c = getopt_long(argc, argv, "+s:hV", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EX_OK;
		case 'V':
			printf(PROG " %s\n", PACKAGE_VERSION);
			return EX_OK;
		default:
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, PROG ": no command: list, show NET, forget NET,"
		    " trust NET [SECS] or stats (see --help)\n");
		return EX_USAGE;
	}
	if (request(argc - optind, argv + optind, req, sizeof(req)) < 0)
		return EX_USAGE;
	if ((fd = dial(path, &status)) < 0)
		return status;
	status = exchange(fd, req, &reply, &len);
	close(fd);
	if (status != EX_OK)
		return status;
	if (len == 0 || reply[len - 1] != '\n') {
		fprintf(stderr, PROG ": the daemon's reply was %s\n", len ?
		    "cut short" : "empty");
		status = EX_PROTOCOL;
	} else if (strncmp(reply, "error: ", 7) == 0) {
		fprintf(stderr, PROG ": %s", reply + 7);
		status = EX_USAGE;
	} else
		fwrite(reply, 1, len, stdout);
	free(reply);
	return status;
}
