/*
 * NAME
 *	directory_file 3
 * SUMMARY
 *	the embedded directory: a file of addresses
 * DESCRIPTION
 *	The file is parsed into a table (sorted arrays of strings, searched
 *	with bsearch) that never changes once loaded, so lookups need no
 *	lock. A reload (SIGHUP) builds a whole new directory next to this
 *	one (see runtime.c): a bad file is refused whole, the old table
 *	stays, and no lookup ever sees half a file.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "directory_file.h"
#include "util.h"

#define LINE_MAX_LEN 2048

struct table {
	char	**addrs;	/* sorted, "local@domain" */
	size_t	naddrs;
	char	**domains;	/* sorted catch-all domains */
	size_t	ndomains;
};

struct file_dir {
	struct table	*table;		/* never changes once loaded */
	char		*path;
};

/* table_free - free a table and its strings */
static void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->naddrs; i++)
		free(t->addrs[i]);
	for (i = 0; i < t->ndomains; i++)
		free(t->domains[i]);
	free(t->addrs);
	free(t->domains);
	free(t);
}

/* push - append a copy of s to a growing array */
static int
push(char ***arr, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		char **p = realloc(*arr, ncap * sizeof(char *));

		if (p == NULL)
			return -1;
		*arr = p;
		*cap = ncap;
	}
	if (((*arr)[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* trim - strip comment and surrounding white space in place */
static char *
trim(char *line)
{
	char *p = line, *end, *q;

	line[strcspn(line, "\r\n")] = '\0';
	/*
	 * '#' starts a comment at the start, after white space, or in the
	 * domain; in a local part it is a legal character ("a#b@x").
	 */
	for (q = line; *q; q++)
		if (*q == '#' && (q == line || q[-1] == ' ' || q[-1] == '\t' ||
		    memchr(line, '@', (size_t)(q - line)) != NULL)) {
			*q = '\0';
			break;
		}
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return p;
}

/* table_load - parse path into a new table; NULL with err filled */
static struct table *
table_load(const char *path, char *err, size_t errlen)
{
	char line[LINE_MAX_LEN + 2], dom[ADDR_DOMAIN_MAX + 3];
	size_t acap = 0, dcap = 0, lineno = 0;
	enum util_line got;
	struct table *t;
	struct addr a;
	const char *why;
	FILE *fp;
	char *p;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	while ((got = util_read_line(fp, line, sizeof(line))) != UTIL_LINE_EOF) {
		lineno++;
		if (got == UTIL_LINE_LONG) {
			snprintf(err, errlen, "%s:%zu: line longer than %d"
			    " bytes", path, lineno, LINE_MAX_LEN);
			goto bad;
		}
		if (got == UTIL_LINE_NUL) {
			snprintf(err, errlen, "%s:%zu: a NUL byte in the line"
			    " (not a text file?)", path, lineno);
			goto bad;
		}
		p = trim(line);
		if (*p == '\0')
			continue;
		if (*p == '@') {
			/* "@domain": parse "x@domain" to reuse the checks. */
			snprintf(dom, sizeof(dom), "x%s", p);
			if (strlen(p) > ADDR_DOMAIN_MAX + 1 ||
			    addr_parse(dom, &a, &why) != ADDR_OK ||
			    strchr(a.local, '@') != NULL) {
				snprintf(err, errlen, "%s:%zu: bad catch-all"
				    " domain \"%s\"", path, lineno, p);
				goto bad;
			}
			if (push(&t->domains, &t->ndomains, &dcap, a.domain) < 0)
				goto oom;
			continue;
		}
		if (addr_parse(p, &a, &why) != ADDR_OK || a.domain[0] == '\0') {
			snprintf(err, errlen, "%s:%zu: \"%.100s\" is not an"
			    " address: %s", path, lineno, p,
			    a.domain[0] == '\0' && why[0] == '\0' ?
			    "no domain" : why);
			goto bad;
		}
		if (strchr(a.local, '@') != NULL) {
			/* user@host@domain is a route, not a mailbox */
			snprintf(err, errlen, "%s:%zu: \"%.100s\" is not an"
			    " address: bad character '@' in the local part",
			    path, lineno, p);
			goto bad;
		}
		if (push(&t->addrs, &t->naddrs, &acap, a.full) < 0)
			goto oom;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto bad;
	}
	fclose(fp);
	if (t->naddrs)
		qsort(t->addrs, t->naddrs, sizeof(char *), cmp_str);
	if (t->ndomains)
		qsort(t->domains, t->ndomains, sizeof(char *), cmp_str);
	return t;
oom:
	snprintf(err, errlen, "%s:%zu: out of memory", path, lineno);
bad:
	fclose(fp);
	table_free(t);
	return NULL;
}

/* contains - is s in the sorted array */
static int
contains(char **arr, size_t n, const char *s)
{
	return n > 0 && bsearch(&s, arr, n, sizeof(char *), cmp_str) != NULL;
}

/* file_lookup - found if any alternative, or its domain, is listed */
static enum dir_result
file_lookup(void *impl, const struct addr *alts, size_t nalts,
    struct dir_query *q)
{
	struct file_dir *fd = impl;
	enum dir_result r = DIR_NOTFOUND;
	size_t i;

	util_strlcpy(q->filter, alts[0].full, sizeof(q->filter));
	for (i = 0; i < nalts && r == DIR_NOTFOUND; i++)
		if (contains(fd->table->addrs, fd->table->naddrs, alts[i].full) ||
		    contains(fd->table->domains, fd->table->ndomains,
		    alts[i].domain))
			r = DIR_FOUND;
	return r;
}

/* file_close - free the table */
static void
file_close(void *impl)
{
	struct file_dir *fd = impl;

	table_free(fd->table);
	free(fd->path);
	free(fd);
}

static const struct directory_ops file_ops = {
	file_lookup, file_close
};

/* directory_file_open - load path into d; 0 ok (err: a summary), -1 err */
int
directory_file_open(struct directory *d, const char *path, char *err,
    size_t errlen)
{
	struct file_dir *fd;
	struct table *t;

	if ((t = table_load(path, err, errlen)) == NULL)
		return -1;
	if ((fd = calloc(1, sizeof(*fd))) == NULL) {
		table_free(t);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fd->table = t;
	fd->path = strdup(path);
	d->ops = &file_ops;
	d->impl = fd;
	snprintf(err, errlen, "%s: %zu addresses, %zu catch-all domains", path,
	    t->naddrs, t->ndomains);
	return 0;
}
