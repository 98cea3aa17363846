/*
 * NAME
 *	control_req 3
 * SUMMARY
 *	the control socket's requests: one line, parsed and checked
 * DESCRIPTION
 *	The line is split into at most four words; a command with too few
 *	or too many is refused with its usage. Only printable ASCII is
 *	accepted, so that a message quoting the input is safe to log.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "control_req.h"
#include "util.h"

#define WORDS_MAX 4

/* words - split line at spaces into w; the count, or -1 if too many */
static int
words(char *line, char **w)
{
	char *p = line;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			return n;
		if (n == WORDS_MAX)
			return -1;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
}

/* control_net_parse - s as a client network of the prefixes into key */
int
control_net_parse(const char *s, int prefix4, int prefix6, char *key,
    size_t keylen, char *err, size_t errlen)
{
	struct cidr c;
	struct ipaddr a;
	char addr[64];
	const char *slash = strchr(s, '/');
	int want;

	if (strlen(s) >= sizeof(addr) || cidr_parse(s, &c) < 0) {
		snprintf(err, errlen, "\"%.64s\" is not an IPv4 or IPv6 address"
		    " or network", s);
		return -1;
	}
	want = c.net.family == 4 ? prefix4 : prefix6;
	if (slash) {
		util_strlcpy(addr, s, sizeof(addr));
		addr[slash - s] = '\0';
		if (c.prefix != want) {
			snprintf(err, errlen, "%s is not a /%d network: client"
			    " networks are /%d (--%s-prefix); give an address"
			    " or a /%d", s, want, want, c.net.family == 4 ?
			    "ipv4" : "ipv6", want);
			return -1;
		}
		if (cidr_addr_parse(addr, &a) == 0 && memcmp(a.b, c.net.b,
		    a.family == 4 ? 4 : 16) != 0) {
			cidr_key(&c.net, prefix4, prefix6, key, keylen);
			snprintf(err, errlen, "%s has host bits set: the network"
			    " is %s", s, key);
			return -1;
		}
	}
	cidr_key(&c.net, prefix4, prefix6, key, keylen);
	return 0;
}

/* usage - the refusal of a command given the wrong arguments */
static int
usage(const char *cmd, char *err, size_t errlen)
{
	static const char *const forms[] = {
		"list", "list", "stats", "stats", "show", "show NET",
		"forget", "forget NET", "trust", "trust NET [SECS]", NULL
	};
	int i;

	for (i = 0; forms[i]; i += 2)
		if (strcmp(forms[i], cmd) == 0)
			break;
	snprintf(err, errlen, "usage: %s", forms[i + 1]);
	return -1;
}

/* command - the command named w; -1 if none */
static int
command(const char *w)
{
	static const char *const names[] = {
		"list", "show", "forget", "trust", "stats"
	};
	int i;

	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(w, names[i]) == 0)
			return i;
	return -1;
}

/* seconds - the SECS of trust; 0 ok, -1 with a message */
static int
seconds(const char *s, long *out, char *err, size_t errlen)
{
	if (util_parse_long(s, 0, CONTROL_TRUST_MAX, out) == 0)
		return 0;
	snprintf(err, errlen, "\"%.32s\" is not a number of seconds from 0"
	    " (end the trust) to %d (a week)", s, CONTROL_TRUST_MAX);
	return -1;
}

/* control_req_parse - one request line; 0 ok, -1 with a message */
int
control_req_parse(const char *line, int prefix4, int prefix6,
    struct control_req *r, char *err, size_t errlen)
{
	char buf[CONTROL_LINE_MAX + 1], *w[WORDS_MAX];
	size_t len = strcspn(line, "\r\n");
	int n, c;

	memset(r, 0, sizeof(*r));
	if (len >= CONTROL_LINE_MAX) {
		snprintf(err, errlen, "request longer than %d bytes",
		    CONTROL_LINE_MAX - 1);
		return -1;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (strspn(buf, " \t!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMN"
	    "OPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") != len) {
		snprintf(err, errlen, "the request is not printable ASCII");
		return -1;
	}
	if ((n = words(buf, w)) == 0) {
		snprintf(err, errlen, "empty request: list, show NET,"
		    " forget NET, trust NET [SECS] or stats");
		return -1;
	}
	if ((c = command(w[0])) < 0) {
		snprintf(err, errlen, "unknown command \"%.32s\": list, show"
		    " NET, forget NET, trust NET [SECS] or stats", w[0]);
		return -1;
	}
	r->cmd = (enum control_cmd)c;
	if (n < 0)
		return usage(w[0], err, errlen);
	switch (r->cmd) {
	case CONTROL_LIST:
	case CONTROL_STATS:
		return n == 1 ? 0 : usage(w[0], err, errlen);
	case CONTROL_SHOW:
	case CONTROL_FORGET:
		if (n != 2)
			return usage(w[0], err, errlen);
		break;
	case CONTROL_TRUST:
		if (n != 2 && n != 3)
			return usage(w[0], err, errlen);
		r->secs = CONTROL_TRUST_DEFAULT;
		if (n == 3 && seconds(w[2], &r->secs, err, errlen) < 0)
			return -1;
		break;
	}
	return control_net_parse(w[1], prefix4, prefix6, r->net,
	    sizeof(r->net), err, errlen);
}

/* control_state - "trusted", "harvest", "suspect", "known-good" or "-" */
const char *
control_state(double score, double good, double trust_left,
    double suspect_score, double harvest_score, double good_messages)
{
	double probes = floor(score + 0.5);

	if (trust_left > 0)
		return "trusted";
	if (harvest_score > 0 && probes >= harvest_score)
		return "harvest";
	if (suspect_score > 0 && probes >= suspect_score)
		return "suspect";
	if (good_messages > 0 && floor(good + 0.5) >= good_messages)
		return "known-good";
	return "-";
}
