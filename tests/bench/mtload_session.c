/*
 * NAME
 *	mtload_session 3
 * SUMMARY
 *	one milter session, spoken as Postfix's smtpd speaks it
 * DESCRIPTION
 *	Every packet is a 4-byte big-endian length, a command byte and its
 *	data. A session negotiates (version 6, every action and protocol
 *	step Postfix offers), then sends CONNECT, HELO, and per transaction
 *	MAIL, the recipients and ABORT, then QUIT; each command is preceded
 *	by its macros ('D') and skipped, or not waited for, as the filter
 *	asked in its negotiation reply. Only one command is ever awaited,
 *	so a session is a small state machine driven by mtload.c's epoll
 *	loop; sockets are non-blocking.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "mtload.h"

enum { ST_CONNECTING = 1, ST_OPTNEG, ST_CONNECT, ST_HELO, ST_MAIL, ST_RCPT };

/* the stages of a negotiated macro list, and their commands */
#define STAGES 7
static const char stage_cmd[STAGES] = { SMFIC_CONNECT, SMFIC_HELO,
	SMFIC_MAIL, SMFIC_RCPT, SMFIC_DATA, SMFIC_BODYEOB, SMFIC_EOH };

/* Postfix's milter_*_macros defaults (3.x) */
static const char *const pf_macros[STAGES] = {
	"j {daemon_name} {daemon_addr} v _",
	"{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
	"i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host}"
	    " {mail_mailer}",
	"i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
	"i", "i", "i",
};

static struct sockaddr_storage peer;
static socklen_t peer_len;
struct mtl_neg mtl_neg;

/* the packets of one step, written together */
static unsigned char ob[16384];
static size_t oblen;

/* mtl_socket_parse - unix:/path, local:/path, /path, inet:port@host, inet6 */
int
mtl_socket_parse(const char *spec, char *err, size_t errlen)
{
	const char *path = NULL, *at;
	struct addrinfo hints, *res;
	char port[16];
	int rc;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
		path = strchr(spec, ':') + 1;
	else if (spec[0] == '/')
		path = spec;
	if (path) {
		struct sockaddr_un *un = (struct sockaddr_un *)&peer;

		if (strlen(path) >= sizeof(un->sun_path)) {
			snprintf(err, errlen, "socket path too long: %s", path);
			return -1;
		}
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, path);
		peer_len = sizeof(*un);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	if (strncmp(spec, "inet:", 5) == 0)
		hints.ai_family = AF_INET, spec += 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		hints.ai_family = AF_INET6, spec += 6;
	else {
		snprintf(err, errlen, "socket %s: want unix:/path,"
		    " inet:port@host or inet6:port@host", spec);
		return -1;
	}
	at = strchr(spec, '@');
	if (at == NULL || at == spec || (size_t)(at - spec) >= sizeof(port)) {
		snprintf(err, errlen, "socket %s: want port@host", spec);
		return -1;
	}
	memcpy(port, spec, (size_t)(at - spec));
	port[at - spec] = '\0';
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(at + 1, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "socket %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	memcpy(&peer, res->ai_addr, res->ai_addrlen);
	peer_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* put32 - a big-endian 32-bit number */
static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* get32 - a big-endian 32-bit number */
static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* pkt_begin - start a packet of command cmd in ob; its offset */
static size_t
pkt_begin(int cmd)
{
	size_t at = oblen;

	if (oblen + 5 > sizeof(ob))	/* cannot happen: options are short */
		abort();
	ob[oblen + 4] = (unsigned char)cmd;
	oblen += 5;
	return at;
}

/* pkt_put - append data to the packet under way (silently cut at the end) */
static void
pkt_put(const void *data, size_t len)
{
	if (oblen >= sizeof(ob))
		return;
	if (len > sizeof(ob) - oblen)
		len = sizeof(ob) - oblen;
	memcpy(ob + oblen, data, len);
	oblen += len;
}

/* pkt_str - append a string with its terminating NUL */
static void
pkt_str(const char *str)
{
	pkt_put(str, strlen(str) + 1);
}

/* pkt_end - fill in the length of the packet started at at */
static void
pkt_end(size_t at)
{
	put32(ob + at, (uint32_t)(oblen - at - 4));
}

/* queue_id - a Postfix-like queue ID for session s */
static void
queue_id(const struct mtl_session *s, char *buf, size_t len)
{
	snprintf(buf, len, "%llX%lX", (unsigned long long)s->serial + 0x10000,
	    s->mail_i);
}

/* client_text - the session's client address as text */
static void
client_text(const struct mtl_session *s, char *buf, size_t len)
{
	unsigned char a[16];
	uint64_t n = mtl_o.client_count ? s->serial % mtl_o.client_count : 0;
	int last = mtl_o.client_family == AF_INET ? 3 : 15, i;

	memcpy(a, mtl_o.client, sizeof(a));
	for (i = last; i >= 0 && n; i--) {	/* add n, with carries */
		n += a[i];
		a[i] = (unsigned char)n;
		n >>= 8;
	}
	inet_ntop(mtl_o.client_family, a, buf, (socklen_t)len);
}

/* macro_value - the value of macro name for s at stage, or NULL */
static const char *
macro_value(const struct mtl_session *s, const char *name, char *buf,
    size_t len)
{
	const char *at;

	if (strcmp(name, "i") == 0)
		queue_id(s, buf, len);
	else if (strcmp(name, "j") == 0)
		return "mx.bench.example";
	else if (strcmp(name, "{daemon_name}") == 0)
		return "mtload";
	else if (strcmp(name, "{daemon_addr}") == 0)
		return "127.0.0.1";
	else if (strcmp(name, "v") == 0)
		return "Postfix 3.7.11";
	else if (strcmp(name, "_") == 0) {
		char ip[INET6_ADDRSTRLEN];

		client_text(s, ip, sizeof(ip));
		snprintf(buf, len, "unknown [%s]", ip);
	} else if (mtl_o.auth && strcmp(name, "{auth_type}") == 0)
		return "PLAIN";
	else if (mtl_o.auth && strcmp(name, "{auth_authen}") == 0)
		return mtl_o.auth;
	else if (strcmp(name, "{mail_addr}") == 0)
		return mtl_o.sender;
	else if (strcmp(name, "{mail_host}") == 0 ||
	    strcmp(name, "{rcpt_host}") == 0) {
		at = strrchr(name[2] == 'm' ? mtl_o.sender : s->rcpt, '@');
		snprintf(buf, len, "%s", at ? at + 1 : "");
	} else if (strcmp(name, "{mail_mailer}") == 0 ||
	    strcmp(name, "{rcpt_mailer}") == 0)
		return "smtp";
	else if (strcmp(name, "{rcpt_addr}") == 0)
		return s->rcpt;
	else
		return NULL;
	return buf;
}

/* put_macros - a 'D' packet for the command of stage, if any macro is set */
static void
put_macros(const struct mtl_session *s, int stage)
{
	const char *list = mtl_neg.macros[stage] ? mtl_neg.macros[stage] :
	    pf_macros[stage], *v;
	char name[64], buf[MTL_ADDR_MAX];
	size_t at = pkt_begin(SMFIC_MACRO), start, n;
	unsigned char cmd = (unsigned char)stage_cmd[stage];

	pkt_put(&cmd, 1);
	start = oblen;
	while (*list) {
		n = strcspn(list, " ,");
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, list, n);
			name[n] = '\0';
			if ((v = macro_value(s, name, buf, sizeof(buf))) != NULL) {
				pkt_str(name);
				pkt_str(v);
			}
		}
		list += n;
		list += strspn(list, " ,");
	}
	if (oblen == start)
		oblen = at;	/* nothing to send */
	else
		pkt_end(at);
}

/* flush - write ob to s (keeping what the socket does not take); 0 or -1 */
static int
flush(struct mtl_session *s, int epfd)
{
	ssize_t n = 0;
	struct epoll_event ev;

	if (oblen == 0)
		return 0;
	if (s->pendlen == 0) {
		while ((n = write(s->fd, ob, oblen)) < 0 && errno == EINTR)
			;
		if (n < 0 && errno != EAGAIN) {
			oblen = 0;
			return -1;
		}
		if (n < 0)
			n = 0;
		if ((size_t)n == oblen) {
			oblen = 0;
			return 0;
		}
	}
	s->pend = realloc(s->pend, s->pendlen + oblen - (size_t)n);
	if (s->pend == NULL) {
		oblen = 0;
		return -1;
	}
	memcpy(s->pend + s->pendlen, ob + n, oblen - (size_t)n);
	s->pendlen += oblen - (size_t)n;
	oblen = 0;
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = s;
	return epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

/* mtl_session_close - end s; with quit, say ABORT and QUIT first */
void
mtl_session_close(struct mtl_session *s, int epfd, int quit)
{
	(void)epfd;
	if (s->fd < 0)
		return;
	if (quit && s->state > ST_CONNECTING && s->pendlen == 0) {
		oblen = 0;
		if (s->state >= ST_MAIL)
			pkt_end(pkt_begin(SMFIC_ABORT));
		pkt_end(pkt_begin(SMFIC_QUIT));
		if (write(s->fd, ob, oblen) < 0) {
			/* the peer is gone: nothing to say */
		}
	}
	oblen = 0;
	if (s->opening) {
		s->opening = 0;
		mtl_opening--;
	}
	close(s->fd);		/* also leaves the epoll set */
	s->fd = -1;
	if (s->in != s->inl)
		free(s->in);
	s->in = NULL;
	free(s->pend);
	s->pend = NULL;
	s->pendlen = s->pendoff = 0;
}

/* step_rcpt - the next recipient, or the end of the transaction */
static int step_mail(struct mtl_session *s, int epfd, double now);

static int
step_rcpt(struct mtl_session *s, int epfd, double now)
{
	size_t at;

	for (;;) {
		if (s->rcpt_i >= mtl_o.rcpts || mtload_stopping()) {
			pkt_end(pkt_begin(SMFIC_ABORT));
			return step_mail(s, epfd, now);
		}
		if (s->proto & SMFIP_NORCPT) {
			mtload_error(s, ERR_PROTOCOL, "the filter asked for no"
			    " RCPT: nothing to measure");
			return -1;
		}
		s->rcpt_i++;
		s->cls = mtload_rcpt_next(s, s->rcpt, sizeof(s->rcpt));
		put_macros(s, 3);
		at = pkt_begin(SMFIC_RCPT);
		pkt_put("<", 1);
		pkt_put(s->rcpt, strlen(s->rcpt));
		pkt_str(">");
		pkt_end(at);
		s->sent = s->since = now;
		if (!(s->proto & SMFIP_NR_RCPT))
			break;
		mtload_record(s, OUT_NOREPLY, now, NULL);
	}
	s->state = ST_RCPT;
	return flush(s, epfd);
}

/* step_mail - the next transaction, or QUIT; 1 when the session ended */
static int
step_mail(struct mtl_session *s, int epfd, double now)
{
	size_t at;

	if (s->mail_i >= mtl_o.mails || mtload_stopping()) {
		pkt_end(pkt_begin(SMFIC_QUIT));
		if (flush(s, epfd) < 0)
			return -1;
		mtl_session_close(s, epfd, 0);
		return 1;
	}
	s->mail_i++;
	s->rcpt_i = 0;
	s->state = ST_MAIL;
	if (s->proto & SMFIP_NOMAIL)
		return step_rcpt(s, epfd, now);
	put_macros(s, 2);
	at = pkt_begin(SMFIC_MAIL);
	pkt_put("<", 1);
	pkt_put(mtl_o.sender, strlen(mtl_o.sender));
	pkt_str(">");
	pkt_str("SIZE=1000");
	pkt_end(at);
	s->since = now;
	if (s->proto & SMFIP_NR_MAIL)
		return step_rcpt(s, epfd, now);
	return flush(s, epfd);
}

/* step_helo - HELO, unless the filter does not want it */
static int
step_helo(struct mtl_session *s, int epfd, double now)
{
	size_t at;

	if (s->proto & SMFIP_NOHELO)
		return step_mail(s, epfd, now);
	put_macros(s, 1);
	at = pkt_begin(SMFIC_HELO);
	pkt_str(mtl_o.helo);
	pkt_end(at);
	s->state = ST_HELO;
	s->since = now;
	if (s->proto & SMFIP_NR_HELO)
		return step_mail(s, epfd, now);
	return flush(s, epfd);
}

/* step_connect - CONNECT with the client's address, unless not wanted */
static int
step_connect(struct mtl_session *s, int epfd, double now)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned char port[2], fam;
	unsigned p = 10000 + (unsigned)(s->serial % 50000);
	size_t at;

	if (s->proto & SMFIP_NOCONNECT)
		return step_helo(s, epfd, now);
	put_macros(s, 0);
	client_text(s, ip, sizeof(ip));
	at = pkt_begin(SMFIC_CONNECT);
	pkt_str("unknown");
	fam = mtl_o.client_family == AF_INET ? SMFIA_INET : SMFIA_INET6;
	pkt_put(&fam, 1);
	port[0] = (unsigned char)(p >> 8);
	port[1] = (unsigned char)p;
	pkt_put(port, 2);
	pkt_str(ip);
	pkt_end(at);
	s->state = ST_CONNECT;
	s->since = now;
	if (s->proto & SMFIP_NR_CONN)
		return step_helo(s, epfd, now);
	return flush(s, epfd);
}

/* optneg - send our offer: protocol 6, what Postfix offers */
static int
optneg(struct mtl_session *s, int epfd, double now)
{
	unsigned char d[12];
	size_t at = pkt_begin(SMFIC_OPTNEG);

	put32(d, SMFI_PROT_VERSION);
	put32(d + 4, SMFI_CURR_ACTS);
	put32(d + 8, SMFI_CURR_PROT);
	pkt_put(d, sizeof(d));
	pkt_end(at);
	s->state = ST_OPTNEG;
	s->since = now;
	return flush(s, epfd);
}

/* negotiated - the filter's answer to OPTNEG: flags and macro lists */
static int
negotiated(struct mtl_session *s, const unsigned char *d, size_t len)
{
	size_t off = 12, n;
	uint32_t stage;

	if (len < 12) {
		mtload_error(s, ERR_PROTOCOL, "short OPTNEG reply");
		return -1;
	}
	s->proto = get32(d + 8);
	s->opening = 0;
	mtl_opening--;
	if (mtl_neg.version == 0) {	/* the first session keeps the lists */
		mtl_neg.version = get32(d);
		mtl_neg.actions = get32(d + 4);
		mtl_neg.proto = s->proto;
		while (off + 4 < len) {
			stage = get32(d + off);
			off += 4;
			n = strnlen((const char *)d + off, len - off);
			if (stage < STAGES && mtl_neg.macros[stage] == NULL)
				mtl_neg.macros[stage] = strndup(
				    (const char *)d + off, n);
			off += n + 1;
		}
	}
	return 0;
}

/* rcpt_outcome - classify a reply to RCPT; *end if the session must end */
static int
rcpt_outcome(int cmd, const unsigned char *d, size_t len, int *end)
{
	*end = 0;
	switch (cmd) {
	case SMFIR_CONTINUE:
	case SMFIR_ACCEPT:
		return OUT_ACCEPT;
	case SMFIR_REJECT:
		return OUT_REJECT;
	case SMFIR_TEMPFAIL:
		return OUT_TEMPFAIL;
	case SMFIR_SHUTDOWN:
		*end = 1;
		return OUT_TEMPFAIL;
	case SMFIR_REPLYCODE:
		if (len >= 3 && d[0] == '4' && d[1] == '2' && d[2] == '1')
			*end = 1;
		return len < 1 ? OUT_OTHER : d[0] == '5' ? OUT_REJECT :
		    d[0] == '4' ? OUT_TEMPFAIL : OUT_OTHER;
	case SMFIR_CONN_FAIL:
		*end = 1;
		return OUT_OTHER;
	default:		/* discard, skip, ... */
		return OUT_OTHER;
	}
}

/* reply - one packet from the filter; 0 go on, 1 session over, -1 error */
static int
reply(struct mtl_session *s, int epfd, int cmd, const unsigned char *d,
    size_t len, double now)
{
	char text[MTL_ADDR_MAX];
	int out, end;

	if (cmd == SMFIR_PROGRESS) {
		s->since = now;	/* the filter is alive: new timeout */
		return 0;
	}
	switch (s->state) {
	case ST_OPTNEG:
		if (cmd != SMFIC_OPTNEG) {
			mtload_error(s, ERR_PROTOCOL, "no OPTNEG reply");
			return -1;
		}
		if (negotiated(s, d, len) < 0)
			return -1;
		return step_connect(s, epfd, now);
	case ST_CONNECT:
	case ST_HELO:
		if (cmd != SMFIR_CONTINUE) {
			mtload_error(s, ERR_REFUSED, s->state == ST_CONNECT ?
			    "CONNECT not continued" : "HELO not continued");
			mtl_session_close(s, epfd, 1);
			return -1;
		}
		return s->state == ST_CONNECT ? step_helo(s, epfd, now) :
		    step_mail(s, epfd, now);
	case ST_MAIL:
		if (cmd == SMFIR_CONTINUE)
			return step_rcpt(s, epfd, now);
		mtload_error(s, ERR_REFUSED, "MAIL not continued");
		s->rcpt_i = mtl_o.rcpts;	/* this transaction is over */
		return step_rcpt(s, epfd, now);
	case ST_RCPT:
		out = rcpt_outcome(cmd, d, len, &end);
		snprintf(text, sizeof(text), "%c %.*s", cmd,
		    (int)(len > 0 ? len - 1 : 0), (const char *)d);
		mtload_record(s, out, now, text);
		if (end) {
			mtl_session_close(s, epfd, 1);
			return 1;
		}
		return step_rcpt(s, epfd, now);
	default:
		mtload_error(s, ERR_PROTOCOL, "a packet nobody asked for");
		return -1;
	}
}

/* readable - read what arrived and act on each whole packet */
static int
readable(struct mtl_session *s, int epfd, double now)
{
	ssize_t n;
	size_t off, plen;
	int rc;

	for (;;) {
		if (s->inlen == s->incap) {
			size_t cap = s->incap * 2;
			unsigned char *p = s->in == s->inl ? malloc(cap) :
			    realloc(s->in, cap);

			if (p == NULL) {
				mtload_error(s, ERR_PROTOCOL, "out of memory");
				return -1;
			}
			if (s->in == s->inl)
				memcpy(p, s->inl, s->inlen);
			s->in = p;
			s->incap = cap;
		}
		n = read(s->fd, s->in + s->inlen, s->incap - s->inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			mtload_error(s, ERR_CLOSED, n < 0 ? strerror(errno) :
			    "the filter closed the connection");
			return -1;
		}
		s->inlen += (size_t)n;
		if (s->inlen < s->incap)
			break;
	}
	off = 0;
	while (s->inlen - off >= 5) {
		plen = get32(s->in + off);
		if (plen < 1 || plen > MTL_PACKET_MAX) {
			mtload_error(s, ERR_PROTOCOL, "bad packet length");
			return -1;
		}
		if (s->inlen - off - 4 < plen)
			break;
		rc = reply(s, epfd, s->in[off + 4], s->in + off + 5, plen - 1,
		    now);
		if (rc != 0)
			return rc;	/* s may be closed: touch nothing */
		off += 4 + plen;
	}
	memmove(s->in, s->in + off, s->inlen - off);
	s->inlen -= off;
	return 0;
}

/* writable - the socket takes more: connect done, or pending output */
static int
writable(struct mtl_session *s, int epfd, double now)
{
	struct epoll_event ev;
	socklen_t len = sizeof(int);
	ssize_t n;
	int err = 0;

	if (s->state == ST_CONNECTING) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
		    err != 0) {
			mtload_error(s, ERR_CONNECT, strerror(err ? err : errno));
			return -1;
		}
		ev.events = EPOLLIN;
		ev.data.ptr = s;
		if (epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
			return -1;
		return optneg(s, epfd, now);
	}
	while (s->pendoff < s->pendlen) {
		n = write(s->fd, s->pend + s->pendoff, s->pendlen - s->pendoff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			mtload_error(s, ERR_CLOSED, strerror(errno));
			return -1;
		}
		s->pendoff += (size_t)n;
	}
	free(s->pend);
	s->pend = NULL;
	s->pendlen = s->pendoff = 0;
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	return epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

/*
 * mtl_session_open - start session serial in slot s; 0 under way, -1
 * failed (reported), -2 try again later (the listen queue is full)
 */
int
mtl_session_open(struct mtl_session *s, int epfd, uint64_t serial,
    double now)
{
	struct epoll_event ev;
	int fd, rc;

	memset(s, 0, offsetof(struct mtl_session, inl));
	s->serial = serial;
	s->in = s->inl;
	s->inlen = 0;
	s->incap = sizeof(s->inl);
	s->pend = NULL;
	s->pendlen = s->pendoff = 0;
	s->since = now;
	fd = socket(peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	s->fd = fd;
	if (fd < 0) {
		mtload_error(s, ERR_CONNECT, strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&peer, peer_len);
	if (rc < 0 && errno == EAGAIN) {	/* unix: listen queue full */
		close(fd);
		s->fd = -1;
		return -2;
	}
	if (rc < 0 && errno != EINPROGRESS) {
		mtload_error(s, ERR_CONNECT, strerror(errno));
		close(fd);
		s->fd = -1;
		return -1;
	}
	s->state = ST_CONNECTING;
	s->opening = 1;
	mtl_opening++;
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = s;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		mtload_error(s, ERR_CONNECT, strerror(errno));
		mtl_session_close(s, epfd, 0);
		return -1;
	}
	return 0;
}

/* mtl_session_event - epoll says events for s; 0 open, 1 done, -1 failed */
int
mtl_session_event(struct mtl_session *s, int epfd, uint32_t events,
    double now)
{
	int rc = 0;

	if (events & (EPOLLOUT | EPOLLERR))
		rc = writable(s, epfd, now);
	if (rc == 0 && s->fd >= 0 && (events & (EPOLLIN | EPOLLHUP)))
		rc = readable(s, epfd, now);
	if (rc < 0 && s->fd >= 0)
		mtl_session_close(s, epfd, 0);
	return s->fd < 0 ? (rc < 0 ? -1 : 1) : 0;
}

/* mtl_session_waiting_rcpt - nonzero while s waits for a RCPT's reply */
int
mtl_session_waiting_rcpt(const struct mtl_session *s)
{
	return s->fd >= 0 && s->state == ST_RCPT;
}

/* mtl_session_stop - the run and its drain are over: QUIT and close */
void
mtl_session_stop(struct mtl_session *s, int epfd)
{
	mtl_session_close(s, epfd, 1);
}
