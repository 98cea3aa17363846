/*
 * NAME
 *	control_req 3h
 * SUMMARY
 *	the control socket's requests: one line, parsed and checked
 * DESCRIPTION
 *	A request is one line of at most CONTROL_LINE_MAX bytes: a command
 *	and its arguments, separated by spaces. A network is an address
 *	(the client network around it, of --ipv4-prefix or --ipv6-prefix)
 *	or a network of exactly that prefix. Every refusal has a message
 *	that says what was wrong and what is accepted. Pure: no I/O, no
 *	state, so the unit tests see every case.
 */
#ifndef MT_CONTROL_REQ_H
#define MT_CONTROL_REQ_H

#include <stddef.h>

#define CONTROL_DEFAULT_PATH	"/run/milter-tarpit/control"
#define CONTROL_LINE_MAX	256	/* a request, with its newline */
#define CONTROL_TRUST_DEFAULT	3600	/* trust NET: seconds */
#define CONTROL_TRUST_MAX	604800	/* a week */
#define CONTROL_NET_MAX		56	/* a network's key, with its NUL */

enum control_cmd {
	CONTROL_LIST,		/* every network known */
	CONTROL_SHOW,		/* one network */
	CONTROL_FORGET,		/* drop a network's score and good record */
	CONTROL_TRUST,		/* exempt a network for secs (0: end it) */
	CONTROL_STATS		/* the statistics line */
};

struct control_req {
	enum control_cmd cmd;
	char		net[CONTROL_NET_MAX];	/* "192.0.2.7/32", or "" */
	long		secs;			/* trust */
};

/*
 * control_net_parse - s as a client network of prefix4/prefix6 into
 * key ("192.0.2.0/24"); 0 ok, -1 with a message in err
 */
int control_net_parse(const char *s, int prefix4, int prefix6, char *key,
    size_t keylen, char *err, size_t errlen);

/*
 * control_req_parse - one request line (its newline, if any, included);
 * 0 ok, -1 with a message in err
 */
int control_req_parse(const char *line, int prefix4, int prefix6,
    struct control_req *r, char *err, size_t errlen);

/*
 * control_state - what a network is, for list and show: "trusted",
 * "harvest", "suspect", "known-good" or "-" (a threshold 0 is off)
 */
const char *control_state(double score, double good, double trust_left,
    double suspect_score, double harvest_score, double good_messages);

#endif
