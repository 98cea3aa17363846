/*
 * NAME
 *	postscreen 3
 * SUMMARY
 *	harvesters in front of smtpd: a cidr: table for postscreen_access_list
 * DESCRIPTION
 *	See postscreen.h. The list is a sorted array of network keys, the
 *	last one written: a network in it stays while its score is at
 *	least --suspect-score; one not in it comes in at --harvest-score.
 *	Only the thread that calls postscreen_update() touches it.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "postscreen.h"
#include "util.h"

struct postscreen {
	char		**nets;		/* sorted: the list last written */
	size_t		n;
	int		failing;	/* the last write failed (logged) */
	int		written;	/* the file was written once */
};

/* The networks of one pass. */
struct pass {
	const struct config *cfg;
	const struct postscreen *ps;
	char		**nets;
	size_t		n, cap;
	int		failed;		/* out of memory */
};

/* postscreen_new - nothing listed yet; NULL if out of memory */
struct postscreen *
postscreen_new(void)
{
	return calloc(1, sizeof(struct postscreen));
}

/* free_list - free an array of keys */
static void
free_list(char **nets, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(nets[i]);
	free(nets);
}

/* postscreen_free - forget the list */
void
postscreen_free(struct postscreen *ps)
{
	if (ps == NULL)
		return;
	free_list(ps->nets, ps->n);
	free(ps);
}

/* cmp - qsort and bsearch order of keys */
static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* was_listed - is net in the list last written */
static int
was_listed(const struct postscreen *ps, const char *net)
{
	return ps->n && bsearch(&net, ps->nets, ps->n, sizeof(*ps->nets),
	    cmp) != NULL;
}

/*
 * client_prefix - is net ("ADDR/LEN") a client network of cfg (its
 * prefix is --ipv4-prefix or --ipv6-prefix), not a wide one
 */
static int
client_prefix(const struct config *cfg, const char *net)
{
	const char *slash = strrchr(net, '/');
	long len;

	if (slash == NULL || util_parse_long(slash + 1, 0, 128, &len) < 0)
		return 0;
	return len == (strchr(net, ':') ? cfg->prefix6 : cfg->prefix4);
}

/* postscreen_listed - should net with score be listed, given it was */
int
postscreen_listed(const struct config *cfg, const char *net, double score,
    int was)
{
	double stay = cfg->suspect_score > 0 &&
	    cfg->suspect_score < cfg->harvest_score ? cfg->suspect_score :
	    cfg->harvest_score;

	if (cfg->harvest_score <= 0 || !client_prefix(cfg, net))
		return 0;
	/* Rounded, as the policy counts probes. */
	return floor(score + 0.5) >= (was ? stay : cfg->harvest_score);
}

/* take - clients_list's callback: keep a network that is listed */
static void
take(void *arg, const struct clients_entry *e)
{
	struct pass *p = arg;
	char **nets;
	size_t cap;

	if (p->failed || !postscreen_listed(p->cfg, e->net, e->score,
	    was_listed(p->ps, e->net)))
		return;
	if (p->n == p->cap) {
		cap = p->cap ? 2 * p->cap : 64;
		if ((nets = realloc(p->nets, cap * sizeof(*nets))) == NULL) {
			p->failed = 1;
			return;
		}
		p->nets = nets;
		p->cap = cap;
	}
	if ((p->nets[p->n] = strdup(e->net)) == NULL)
		p->failed = 1;
	else
		p->n++;
}

/* same - is the pass's list the one last written */
static int
same(const struct postscreen *ps, const struct pass *p)
{
	size_t i;

	if (ps->n != p->n)
		return 0;
	for (i = 0; i < p->n; i++)
		if (strcmp(ps->nets[i], p->nets[i]) != 0)
			return 0;
	return 1;
}

/* write_table - the cidr: table into path atomically; -1 errno set */
static int
write_table(const char *path, char **nets, size_t n)
{
	size_t len = strlen(path) + sizeof(".tmp");
	char *tmp = malloc(len);
	FILE *fp;
	size_t i;
	int fd, saved;

	if (tmp == NULL)
		return -1;
	snprintf(tmp, len, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		free(tmp);
		errno = saved;
		return -1;
	}
	fprintf(fp, "# milter-tarpit: client networks past the harvest score,"
	    " for postscreen_access_list\n");
	for (i = 0; i < n; i++)
		fprintf(fp, "%s\treject\n", nets[i]);
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0 ||
	    fclose(fp) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		free(tmp);
		errno = saved;
		return -1;
	}
	free(tmp);
	util_sync_dir(path);
	return 0;
}

/* postscreen_update - list the harvesters if that changed; 1 written */
int
postscreen_update(struct postscreen *ps, struct clients *cs,
    const struct config *cfg)
{
	struct pass p = { cfg, ps, NULL, 0, 0, 0 };

	if (cfg->postscreen_file == NULL)
		return 0;
	if (clients_list(cs, take, &p) < 0 || p.failed) {
		free_list(p.nets, p.n);
		return -1;	/* out of memory: try again next time */
	}
	if (p.n > 1)
		qsort(p.nets, p.n, sizeof(*p.nets), cmp);
	/* Written at start even if empty: Postfix needs the table to exist. */
	if (same(ps, &p) && ps->written && !ps->failing) {
		free_list(p.nets, p.n);
		return 0;
	}
	if (write_table(cfg->postscreen_file, p.nets, p.n) < 0) {
		if (!ps->failing)
			log_warn("--postscreen-file: cannot write %s",
			    cfg->postscreen_file);
		ps->failing = 1;
		free_list(p.nets, p.n);
		return -1;
	}
	if (ps->failing)
		log_info("--postscreen-file: %s written again",
		    cfg->postscreen_file);
	ps->failing = 0;
	ps->written = 1;
	log_info("postscreen: %s lists %zu network%s", cfg->postscreen_file,
	    p.n, p.n == 1 ? "" : "s");
	free_list(ps->nets, ps->n);
	ps->nets = p.nets;
	ps->n = p.n;
	return 1;
}
