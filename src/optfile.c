/*
 * NAME
 *	optfile 3
 * SUMMARY
 *	options files: the command-line options, one per line
 * DESCRIPTION
 *	Each line goes through config_apply(), the same checks as the
 *	command line; a refused value's message is caught and printed again
 *	with the file name and line number in front. The file is read before
 *	the command line, so command-line options win; for list options
 *	(-H, -d) the command line replaces the file's list.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "optfile.h"
#include "util.h"

#define OPTFILE_LINE_MAX 4096

/* unquote - strip one pair of matching quotes; NULL if unbalanced */
static char *
unquote(char *v)
{
	size_t n = strlen(v);

	if (n == 0 || (v[0] != '"' && v[0] != '\''))
		return v;
	if (n < 2 || v[n - 1] != v[0])
		return NULL;
	v[n - 1] = '\0';
	return v + 1;
}

/* apply_line - parse and apply one non-empty line; 0 ok, -1 reported */
static int
apply_line(struct config *cfg, char *p, const char *where, FILE *err)
{
	char *name = p, *value, *msg = NULL;
	size_t msglen = 0;
	FILE *cap;
	int rc;

	p += strcspn(p, " \t=");
	if (*p) {
		*p++ = '\0';
		p += strspn(p, " \t=");
	}
	if ((value = unquote(p)) == NULL) {
		fprintf(err, "milter-tarpit: %s: unbalanced quotes in the value"
		    " of \"%s\"\n", where, name);
		return -1;
	}
	if ((cap = open_memstream(&msg, &msglen)) == NULL) {
		fprintf(err, "milter-tarpit: %s: %s\n", where, strerror(errno));
		return -1;
	}
	rc = config_apply(cfg, name, value, cap);
	fclose(cap);
	switch (rc) {
	case 0:
		break;
	case -1:	/* "milter-tarpit: -T/--delay: ..." -> add where */
		fprintf(err, "milter-tarpit: %s: %s", where,
		    strncmp(msg, "milter-tarpit: ", 15) == 0 ? msg + 15 : msg);
		break;
	case -2:
		fprintf(err, "milter-tarpit: %s: unknown option \"%s\"\n",
		    where, name);
		break;
	case -3:
		fprintf(err, "milter-tarpit: %s: option \"%s\" needs a value\n",
		    where, name);
		break;
	default:
		fprintf(err, "milter-tarpit: %s: option \"%s\" takes no value"
		    " (or yes/no)\n", where, name);
	}
	free(msg);
	return rc == 0 ? 0 : -1;
}

/* optfile_read - apply every line of path to cfg; 0 ok, -1 (message on err) */
int
optfile_read(struct config *cfg, const char *path, FILE *err)
{
	char line[OPTFILE_LINE_MAX + 2], where[512], *p, *end;
	unsigned lineno = 0;
	struct stat st;
	enum util_line got;
	char quote;
	int rc = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(err, "milter-tarpit: -c/--config: cannot read %s: %s\n",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(err, "milter-tarpit: -c/--config: %s is not a regular"
		    " file\n", path);
		fclose(fp);
		return -1;
	}
	while ((got = util_read_line(fp, line, sizeof(line))) != UTIL_LINE_EOF) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (got == UTIL_LINE_LONG) {
			fprintf(err, "milter-tarpit: %s: line longer than %d"
			    " bytes\n", where, OPTFILE_LINE_MAX);
			rc = -1;
			break;
		}
		if (got == UTIL_LINE_NUL) {
			fprintf(err, "milter-tarpit: %s: a NUL byte in the"
			    " line (not a text file?)\n", where);
			rc = -1;
			continue;	/* go on: report every bad line */
		}
		p = line + strspn(line, " \t");
		if (*p == '#')
			continue;
		/* A '#' after white space, outside quotes, starts a comment. */
		for (quote = 0, end = p; *end && *end != '\n' && *end != '\r';
		    end++) {
			if (quote && *end == quote)
				quote = 0;
			else if (!quote && (*end == '"' || *end == '\''))
				quote = *end;
			else if (!quote && *end == '#' && end > p &&
			    (end[-1] == ' ' || end[-1] == '\t'))
				break;
		}
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		if (*p == '\0')
			continue;
		if (apply_line(cfg, p, where, err) < 0)
			rc = -1;	/* go on: report every bad line */
	}
	if (ferror(fp)) {
		fprintf(err, "milter-tarpit: -c/--config: %s: read error: %s\n",
		    path, strerror(errno));
		rc = -1;
	}
	fclose(fp);
	return rc;
}
