/*
 * NAME
 *	nullmilter 1
 * SUMMARY
 *	a milter that does nothing: the ceiling of the milter path
 * DESCRIPTION
 *	The reference for the benchmarks: libmilter with the callbacks
 *	milter-tarpit registers (connect, MAIL, RCPT, end of message, abort,
 *	close, negotiate) and the same negotiation (every stage it does not
 *	use skipped), each answering "continue" at once. What mtload measures
 *	against it is the cost of libmilter, the socket and the load
 *	generator; what milter-tarpit adds is the rest.
 *
 *	nullmilter -p SOCKET [-f] [-b BACKLOG]: without -f it detaches.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

/* nm_negotiate - skip the stages milter-tarpit skips */
static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long skip = SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH |
	    SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA;

	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = 0;
	*pf1 = f1 & skip;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/* nm_connect - nothing to remember */
static sfsistat
nm_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)hostname;
	(void)sa;
	return SMFIS_CONTINUE;
}

/* nm_envfrom - nothing to check */
static sfsistat
nm_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

/* nm_envrcpt - every recipient goes through */
static sfsistat
nm_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

/* nm_done - end of message, abort, close: nothing to free */
static sfsistat
nm_done(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static void
usage(FILE *f)
{
	fprintf(f, "Usage: nullmilter -p SOCKET [-f] [-b BACKLOG]\n"
	    "A milter that answers continue to everything (benchmark"
	    " reference).\n"
	    "  -p SOCKET   unix:/path or inet:port@host\n"
	    "  -f          stay in the foreground\n"
	    "  -b N        listen backlog (default: libmilter's)\n");
}

int
main(int argc, char **argv)
{
	static struct smfiDesc desc = {
		.xxfi_name = "nullmilter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = 0,
		.xxfi_connect = nm_connect,
		.xxfi_envfrom = nm_envfrom,
		.xxfi_envrcpt = nm_envrcpt,
		.xxfi_eom = nm_done,
		.xxfi_abort = nm_done,
		.xxfi_close = nm_done,
		.xxfi_negotiate = nm_negotiate,
	};
	const char *sock = NULL;
	int ch, fg = 0, backlog = 0;

	while ((ch = getopt(argc, argv, "p:fb:h")) != -1) {
		switch (ch) {
		case 'p':
			sock = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (sock == NULL || optind < argc) {
		usage(stderr);
		return 64;
	}
	if (strncmp(sock, "unix:", 5) == 0 || strncmp(sock, "local:", 6) == 0)
		unlink(strchr(sock, ':') + 1);	/* a stale socket of ours */
	if (smfi_register(desc) != MI_SUCCESS || smfi_setconn((char *)sock) !=
	    MI_SUCCESS || (backlog > 0 && smfi_setbacklog(backlog) !=
	    MI_SUCCESS) || smfi_opensocket(0) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot open milter socket %s\n",
		    sock);
		return 69;
	}
	if (!fg && daemon(0, 0) < 0) {
		perror("nullmilter: daemon");
		return 71;
	}
	fprintf(stderr, "nullmilter: listening on %s\n", sock);
	return smfi_main() == MI_SUCCESS ? 0 : 70;
}
