/*
 * NAME
 *	postfix_check 3
 * SUMMARY
 *	check mode (-n): does Postfix's configuration fit the daemon's
 * DESCRIPTION
 *	Each parameter is read with "postconf [-c DIR] -x -h NAME", the
 *	program started with a fixed argument vector (posix_spawn, no
 *	shell), its output bounded to POSTCONF_OUT_MAX bytes and its run to
 *	POSTCONF_SECONDS; the values are read by postfix_parse. Checked:
 *	the address forms Postfix rewrites (allow_percent_hack,
 *	swap_bangpath) against --percent-hack and --swap-bangpath; VRFY,
 *	an oracle no milter sees, while Postfix knows its recipients; the
 *	domains Postfix accepts against -d and --subdomains;
 *	recipient_delimiter against -e; smtpd_milters against -p (with the
 *	chroot of master.cf's smtpd services), milter_command_timeout
 *	against -M and milter_default_action. Without postconf, or with
 *	--postfix-dir none, one "note:" line says Postfix was not checked.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "postfix_check.h"
#include "postfix_parse.h"
#include "util.h"

#define POSTCONF_OUT_MAX	65536
#define POSTCONF_SECONDS	10.0
#define VALUE_MAX		4096
#define LINE_MAX_LEN		(3 * VALUE_MAX + 2048)

extern char **environ;

struct pf {
	char		postconf[1024];
	const char	*dir;		/* -c DIR, or NULL: postconf's default */
	char		*buf;		/* the last run's output */
	size_t		len;
	char		qdir[1024];	/* queue_directory */
	int		chroot;		/* an smtpd service runs chrooted */
	FILE		*out;
	int		*n;
};

/* problem - print one problem and count it */
static void
problem(struct pf *pf, const char *what)
{
	fprintf(pf->out, "problem: %s\n", what);
	(*pf->n)++;
}

/* find_postconf - postconf in PATH, /usr/sbin or /sbin; 0 found, -1 not */
static int
find_postconf(char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	char dirs[4096];

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin", path ? path : "");
	for (p = dirs; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ":");
		if (end == p || *p != '/')
			continue;
		snprintf(buf, len, "%.*s/postconf", (int)(end - p), p);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* collect - read the child's output into pf->buf until EOF or the deadline */
static int
collect(struct pf *pf, int fd)
{
	double deadline = util_now() + POSTCONF_SECONDS;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char sink[4096];
	ssize_t got;
	int wait_ms;

	pf->len = 0;
	for (;;) {
		wait_ms = (int)((deadline - util_now()) * 1000);
		if (wait_ms <= 0 || poll(&p, 1, wait_ms) == 0)
			return -1;
		if (pf->len + 1 < POSTCONF_OUT_MAX)
			got = read(fd, pf->buf + pf->len, POSTCONF_OUT_MAX - 1 -
			    pf->len);
		else
			got = read(fd, sink, sizeof(sink));	/* drop the rest */
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (pf->len + 1 < POSTCONF_OUT_MAX)
			pf->len += (size_t)got;
	}
	pf->buf[pf->len] = '\0';
	return 0;
}

/*
 * run - postconf [-c DIR] flag [name], its output into pf->buf (stderr
 * too when merge is set); 0 when it exited 0, else -1
 */
static int
run(struct pf *pf, const char *flag, const char *name, int merge)
{
	posix_spawn_file_actions_t fa;
	char *argv[7];
	int fds[2], argc = 0, status, rc;
	pid_t pid;

	argv[argc++] = (char *)"postconf";
	if (pf->dir) {
		argv[argc++] = (char *)"-c";
		argv[argc++] = (char *)pf->dir;
	}
	argv[argc++] = (char *)flag;
	if (name)
		argv[argc++] = (char *)name;
	argv[argc] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	if (merge)
		posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
		    0);
	rc = posix_spawn(&pid, pf->postconf, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return -1;
	}
	rc = collect(pf, fds[0]);
	close(fds[0]);
	if (rc < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
	    0 : -1;
}

/* get - one parameter's value (expanded), trimmed, into value; 0 or -1 */
static int
get(struct pf *pf, const char *name, char *value, size_t len)
{
	size_t n;

	if (run(pf, "-xh", name, 0) < 0)
		return -1;
	n = strcspn(pf->buf, "\n");
	pf->buf[n] = '\0';
	if (n >= len)
		return -1;
	util_strlcpy(value, pf->buf, len);
	return 0;
}

/* get_bool - a yes/no parameter: 1, 0, or -1 with a problem printed */
static int
get_bool(struct pf *pf, const char *name)
{
	char v[VALUE_MAX], msg[LINE_MAX_LEN];
	int b;

	if (get(pf, name, v, sizeof(v)) < 0 || (b = postfix_bool(v)) < 0) {
		snprintf(msg, sizeof(msg), "Postfix's %s cannot be read as yes"
		    " or no", name);
		problem(pf, msg);
		return -1;
	}
	return b;
}

/* check_form - one address form Postfix rewrites against the daemon's option */
static void
check_form(struct pf *pf, const char *param, const char *option, int ours,
    const char *example)
{
	char msg[LINE_MAX_LEN];
	int theirs = get_bool(pf, param);

	if (theirs < 0)
		return;
	if (theirs != ours) {
		snprintf(msg, sizeof(msg), "Postfix's %s = %s but %s %s: the"
		    " daemon judges %s otherwise than Postfix routes it; give"
		    " %s %s, or in main.cf: %s = %s", param, theirs ? "yes" :
		    "no", option, ours ? "yes" : "no", example, option,
		    theirs ? "yes" : "no", param, ours ? "yes" : "no");
		problem(pf, msg);
	} else if (theirs) {
		fprintf(pf->out, "note: %s = yes (Postfix's default): the daemon"
		    " decides %s as Postfix routes it (%s yes); in main.cf:"
		    " %s = no, with %s no, closes the question\n", param,
		    example, option, param, option);
	} else {
		fprintf(pf->out, "ok: %s = no and %s no\n", param, option);
	}
}

/* check_vrfy - VRFY answers at once while Postfix knows its recipients */
static void
check_vrfy(struct pf *pf)
{
	static const char *const maps[] = { "relay_recipient_maps",
	    "local_recipient_maps", "virtual_mailbox_maps", NULL };
	char v[VALUE_MAX], msg[LINE_MAX_LEN];
	const char *why = NULL;
	int i, off = get_bool(pf, "disable_vrfy_command");

	if (off != 0) {
		if (off == 1)
			fprintf(pf->out, "ok: disable_vrfy_command = yes\n");
		return;
	}
	for (i = 0; maps[i] && why == NULL; i++)
		if (get(pf, maps[i], v, sizeof(v)) == 0 &&
		    v[strspn(v, ", \t")] != '\0')
			why = maps[i];	/* "... (NAME is set)" */
	if (why == NULL && get(pf, "smtpd_reject_unlisted_recipient", v,
	    sizeof(v)) == 0 && postfix_bool(v) == 1)
		why = "smtpd_reject_unlisted_recipient = yes";
	if (why == NULL) {
		fprintf(pf->out, "ok: disable_vrfy_command = no, and Postfix"
		    " does not check recipients itself\n");
		return;
	}
	snprintf(msg, sizeof(msg), "disable_vrfy_command = no while Postfix"
	    " checks recipients itself (%s%s): VRFY answers for an unknown"
	    " address at once and never reaches a milter; in main.cf:"
	    " disable_vrfy_command = yes", why, strchr(why, '=') ? "" :
	    " is set");
	problem(pf, msg);
}

/* in_list - is word one of the items of a Postfix list */
static int
in_list(const char *list, const char *word)
{
	char copy[VALUE_MAX], *w[POSTFIX_WORDS_MAX];
	int i, n;

	util_strlcpy(copy, list, sizeof(copy));
	n = postfix_list_split(copy, w, POSTFIX_WORDS_MAX);
	for (i = 0; i < n; i++)
		if (strcasecmp(w[i], word) == 0)
			return 1;
	return 0;
}

/* report_domain - the problem for one domain -d does not cover */
static void
report_domain(struct pf *pf, const char *param, char **w, int nw, int i,
    enum postfix_cover c, const char *parents)
{
	char msg[LINE_MAX_LEN], rest[VALUE_MAX];
	const char *d = w[i] + (w[i][0] == '.');

	if (c == POSTFIX_MISSING) {
		postfix_list_without(w, nw, i, rest, sizeof(rest));
		snprintf(msg, sizeof(msg), "Postfix accepts mail for %s (%s)"
		    " but -d does not name it: its recipients pass unchecked;"
		    " add -d %s, or in main.cf: %s =%s%s", w[i], param, d,
		    param, *rest ? " " : "", rest);
	} else if (w[i][0] == '.') {
		snprintf(msg, sizeof(msg), "Postfix accepts mail for the"
		    " subdomains of %s (%s has %s) but --subdomains no: their"
		    " recipients pass unchecked; give --subdomains yes", d,
		    param, w[i]);
	} else {
		char *pw[POSTFIX_WORDS_MAX], copy[VALUE_MAX];
		int k, np;

		util_strlcpy(copy, parents, sizeof(copy));
		np = postfix_list_split(copy, pw, POSTFIX_WORDS_MAX);
		for (k = 0; k < np && strcasecmp(pw[k], param) != 0; k++)
			;
		postfix_list_without(pw, np, k, rest, sizeof(rest));
		snprintf(msg, sizeof(msg), "Postfix accepts mail for the"
		    " subdomains of %s (%s is in parent_domain_matches_"
		    "subdomains) but --subdomains no: their recipients pass"
		    " unchecked; give --subdomains yes, or in main.cf:"
		    " parent_domain_matches_subdomains =%s%s", d, param,
		    *rest ? " " : "", rest);
	}
	problem(pf, msg);
}

/* check_domain_param - every domain of one parameter against -d */
static int
check_domain_param(struct pf *pf, const struct config *cfg,
    const char *param, const char *parents)
{
	char v[VALUE_MAX], msg[LINE_MAX_LEN], *w[POSTFIX_WORDS_MAX];
	int i, nw, parent = in_list(parents, param), seen = 0;
	enum postfix_cover c;

	if (get(pf, param, v, sizeof(v)) < 0 ||
	    (nw = postfix_list_split(v, w, POSTFIX_WORDS_MAX)) < 0) {
		snprintf(msg, sizeof(msg), "Postfix's %s cannot be read (at"
		    " most %d items)", param, POSTFIX_WORDS_MAX);
		problem(pf, msg);
		return 0;
	}
	for (i = 0; i < nw; i++) {
		if (w[i][0] == '!')
			continue;	/* an exclusion accepts nothing */
		if (w[i][0] == '/' || strchr(w[i], ':')) {
			fprintf(pf->out, "note: %s has %s: the domains in it are"
			    " not compared with -d\n", param, w[i]);
			continue;
		}
		seen++;
		if ((c = postfix_domain_cover(cfg, w[i], parent)) !=
		    POSTFIX_COVERED)
			report_domain(pf, param, w, nw, i, c, parents);
	}
	return seen;
}

/* check_domains - every domain Postfix accepts is in -d */
static void
check_domains(struct pf *pf, const struct config *cfg)
{
	static const char *const params[] = { "mydestination",
	    "relay_domains", "virtual_mailbox_domains",
	    "virtual_alias_domains", NULL };
	char parents[VALUE_MAX];
	int i, before = *pf->n, seen = 0;

	if (get(pf, "parent_domain_matches_subdomains", parents,
	    sizeof(parents)) < 0)
		parents[0] = '\0';
	for (i = 0; params[i]; i++)
		seen += check_domain_param(pf, cfg, params[i], parents);
	if (*pf->n == before)
		fprintf(pf->out, "ok: the %d domain(s) Postfix lists in"
		    " mydestination, relay_domains, virtual_mailbox_domains"
		    " and virtual_alias_domains are in -d\n", seen);
}

/* check_delimiter - recipient_delimiter against -e */
static void
check_delimiter(struct pf *pf, const struct config *cfg)
{
	char v[VALUE_MAX], msg[LINE_MAX_LEN], give[VALUE_MAX + 16];
	const char *ours = cfg->delimiters ? cfg->delimiters : "";

	if (get(pf, "recipient_delimiter", v, sizeof(v)) < 0) {
		problem(pf, "Postfix's recipient_delimiter cannot be read");
		return;
	}
	if (postfix_same_chars(v, ours)) {
		fprintf(pf->out, "ok: recipient_delimiter %s%s and -e %s\n",
		    *v ? "= " : "is empty", v, *ours ? ours : "not given");
		return;
	}
	if (*v)
		snprintf(give, sizeof(give), "give -e %s", v);
	else
		snprintf(give, sizeof(give), "give no -e");
	snprintf(msg, sizeof(msg), "Postfix's recipient_delimiter = %s but"
	    " %s%s: the daemon splits user+extension otherwise than Postfix"
	    " delivers it; %s, or in main.cf: recipient_delimiter =%s%s", v,
	    *ours ? "-e " : "-e is not given", ours, give, *ours ? " " : "",
	    ours);
	problem(pf, msg);
}

/* master_chroot - does any smtpd inet service of master.cf run chrooted */
static void
master_chroot(struct pf *pf)
{
	char *line, *save = NULL;

	pf->chroot = 0;
	if (run(pf, "-M", NULL, 0) < 0)
		return;
	for (line = strtok_r(pf->buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (postfix_master_smtpd(line) == 1)
			pf->chroot = 1;
		if (postfix_master_smtpd(line) >= 0 &&
		    strstr(line, "smtpd_milters="))
			fprintf(pf->out, "note: a master.cf smtpd service sets"
			    " its own smtpd_milters (-o): not checked: %.200s\n",
			    line);
	}
}

/* check_timeout - Postfix's milter timeout (value from where) against -M */
static void
check_timeout(struct pf *pf, const struct config *cfg, const char *value,
    const char *where)
{
	char msg[LINE_MAX_LEN];
	double t;

	if (postfix_time(value, &t) < 0) {
		snprintf(msg, sizeof(msg), "Postfix's %s = %s is not a time",
		    where, value);
		problem(pf, msg);
	} else if (t < cfg->milter_timeout) {
		snprintf(msg, sizeof(msg), "Postfix's %s = %s but -M %g: Postfix"
		    " gives up on the daemon before its answer is due, and"
		    " milter_default_action decides the recipient; give -M %g,"
		    " or in main.cf: milter_command_timeout = %gs", where,
		    value, cfg->milter_timeout, t, cfg->milter_timeout);
		problem(pf, msg);
	} else if (t > cfg->milter_timeout) {
		fprintf(pf->out, "note: Postfix's %s = %s but -M %g: -M %g"
		    " would let the daemon use all of it\n", where, value,
		    cfg->milter_timeout, t);
	} else {
		fprintf(pf->out, "ok: Postfix's %s = %s and -M %g\n", where,
		    value, cfg->milter_timeout);
	}
}

/* check_action - what Postfix does when the daemon does not answer */
static void
check_action(struct pf *pf, const char *value, const char *where)
{
	char msg[LINE_MAX_LEN];

	if (strcmp(value, "tempfail") == 0) {
		fprintf(pf->out, "ok: %s = tempfail\n", where);
	} else if (strcmp(value, "reject") == 0) {
		snprintf(msg, sizeof(msg), "%s = reject: while the daemon is"
		    " down, Postfix answers valid mail with a 5xx and it is"
		    " lost; in main.cf: milter_default_action = tempfail",
		    where);
		problem(pf, msg);
	} else {
		fprintf(pf->out, "note: %s = %s: while the daemon is down,"
		    " mail passes unchecked; milter_default_action = tempfail"
		    " in main.cf is safer\n", where, value);
	}
}

/*
 * report_socket - smtpd_milters (list) does not name our socket; item
 * literal (or -1) names our path as if smtpd were not chrooted, and is
 * replaced in the main.cf line to write
 */
static void
report_socket(struct pf *pf, const struct config *cfg, const char *list,
    char *const *w, int nw, int literal)
{
	char msg[LINE_MAX_LEN], form[1200], rest[VALUE_MAX];

	if (postfix_socket_form(cfg->socket, pf->qdir, pf->chroot, form,
	    sizeof(form)) < 0) {
		snprintf(msg, sizeof(msg), "-p %s is outside queue_directory %s"
		    " and master.cf runs smtpd chrooted (chroot column y), so"
		    " smtpd cannot reach it (a chrooted unix:PATH is"
		    " %s/PATH): give -p unix:%s/milter-tarpit/milter-tarpit.sock"
		    " and in main.cf: smtpd_milters ="
		    " unix:/milter-tarpit/milter-tarpit.sock", cfg->socket,
		    pf->qdir, pf->qdir, pf->qdir);
		problem(pf, msg);
		return;
	}
	postfix_list_without(w, nw, literal, rest, sizeof(rest));
	snprintf(msg, sizeof(msg), "smtpd_milters = %s does not name the"
	    " daemon's socket -p %s%s: Postfix never asks the daemon; in"
	    " main.cf: smtpd_milters = %s%s%s", *list ? list : "(empty)",
	    cfg->socket, pf->chroot && strncmp(form, "unix:", 5) == 0 ?
	    " (smtpd runs chrooted in the queue"
	    " directory)" : "", rest, *rest ? ", " : "", form);
	problem(pf, msg);
}

/* check_milters - smtpd_milters names our socket; its timeout and action */
static void
check_milters(struct pf *pf, const struct config *cfg)
{
	char v[VALUE_MAX], list[VALUE_MAX], *w[POSTFIX_WORDS_MAX];
	char sock[1200], attr[256], glob[256];
	const char *ours = NULL;
	int i, nw, literal = -1;

	if (get(pf, "queue_directory", pf->qdir, sizeof(pf->qdir)) < 0)
		util_strlcpy(pf->qdir, "/var/spool/postfix", sizeof(pf->qdir));
	master_chroot(pf);
	if (get(pf, "smtpd_milters", list, sizeof(list)) < 0 ||
	    (util_strlcpy(v, list, sizeof(v)),
	    nw = postfix_list_split(v, w, POSTFIX_WORDS_MAX)) < 0) {
		problem(pf, "Postfix's smtpd_milters cannot be read");
		return;
	}
	for (i = 0; i < nw && ours == NULL; i++) {
		postfix_milter_socket(w[i], sock, sizeof(sock));
		if (postfix_socket_same(cfg->socket, sock, pf->qdir,
		    pf->chroot))
			ours = w[i];
		else if (postfix_socket_same(cfg->socket, sock, pf->qdir, 0))
			literal = i;
	}
	if (ours == NULL)
		report_socket(pf, cfg, list, w, nw, literal);
	else
		fprintf(pf->out, "ok: smtpd_milters names the daemon's socket"
		    " as %s\n", sock);
	if (ours && postfix_milter_attr(ours, "command_timeout", attr,
	    sizeof(attr)) == 0)
		check_timeout(pf, cfg, attr, "command_timeout in smtpd_milters");
	else if (get(pf, "milter_command_timeout", glob, sizeof(glob)) == 0)
		check_timeout(pf, cfg, glob, "milter_command_timeout");
	if (ours && postfix_milter_attr(ours, "default_action", attr,
	    sizeof(attr)) == 0)
		check_action(pf, attr, "default_action in smtpd_milters");
	else if (get(pf, "milter_default_action", glob, sizeof(glob)) == 0)
		check_action(pf, glob, "milter_default_action");
}

/* start - find postconf and read one value; 0 go on, -1 not checked */
static int
start(struct pf *pf, const struct config *cfg)
{
	char msg[LINE_MAX_LEN];
	size_t n;

	if (pf->dir && strcmp(pf->dir, "none") == 0) {
		fprintf(pf->out, "note: Postfix not checked (--postfix-dir"
		    " none)\n");
		return -1;
	}
	if (find_postconf(pf->postconf, sizeof(pf->postconf)) < 0) {
		if (cfg->postfix_dir)
			problem(pf, "--postfix-dir is given but there is no"
			    " postconf in PATH, /usr/sbin or /sbin");
		else
			fprintf(pf->out, "note: Postfix not checked: no postconf"
			    " in PATH, /usr/sbin or /sbin\n");
		return -1;
	}
	if ((pf->buf = malloc(POSTCONF_OUT_MAX)) == NULL) {
		problem(pf, "Postfix not checked: out of memory");
		return -1;
	}
	if (run(pf, "-h", "mail_version", 1) == 0)
		return 0;
	n = strcspn(pf->buf, "\n");
	pf->buf[n] = '\0';
	snprintf(msg, sizeof(msg), "Postfix not checked: %s failed%s%s",
	    pf->postconf, n ? ": " : "", pf->buf);
	if (cfg->postfix_dir)
		problem(pf, msg);
	else
		fprintf(pf->out, "note: %s\n", msg);
	return -1;
}

/* postfix_check - compare Postfix's settings with cfg; problems add to *n */
void
postfix_check(const struct config *cfg, FILE *out, int *n)
{
	struct pf pf;
	char v[VALUE_MAX];

	memset(&pf, 0, sizeof(pf));
	pf.dir = cfg->postfix_dir;
	pf.out = out;
	pf.n = n;
	if (start(&pf, cfg) == 0) {
		if (get(&pf, "config_directory", v, sizeof(v)) < 0)
			util_strlcpy(v, pf.dir ? pf.dir : "?", sizeof(v));
		fprintf(out, "ok: Postfix's configuration in %s read with %s\n",
		    v, pf.postconf);
		check_form(&pf, "allow_percent_hack", "--percent-hack",
		    cfg->percent_hack, "user%domain@ours");
		check_form(&pf, "swap_bangpath", "--swap-bangpath",
		    cfg->swap_bangpath, "domain!user@ours");
		check_vrfy(&pf);
		check_domains(&pf, cfg);
		check_delimiter(&pf, cfg);
		check_milters(&pf, cfg);
	}
	free(pf.buf);
}
