/*
 * NAME
 *	path 3
 * SUMMARY
 *	file names made absolute against the directory the daemon started in
 * DESCRIPTION
 *	realpath(3) of the directory part resolves "..", "." and symbolic
 *	links in it; the last component is kept as written, so the file may
 *	be created later (a pid file) or replaced by a rename.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

/* path_join - "a/b" in a new string (no doubled "/"); NULL: no memory */
static char *
path_join(const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a);
	char *s;

	while (alen > 1 && a[alen - 1] == '/')
		alen--;
	if ((s = malloc(alen + blen + 2)) == NULL)
		return NULL;
	snprintf(s, alen + blen + 2, "%.*s%s%.*s", (int)alen, a,
	    a[alen - 1] == '/' ? "" : "/", (int)blen, b);
	return s;
}

/* path_absolute - path from start (an absolute directory) if relative */
char *
path_absolute(const char *start, const char *path)
{
	const char *slash, *base;
	char *dir, *real, *out;
	size_t len = strlen(path);

	if (path[0] == '/' || start == NULL || start[0] != '/')
		return strdup(path);
	while (len > 1 && path[len - 1] == '/')
		len--;			/* "certs/" is "certs" */
	for (slash = path + len; slash > path && slash[-1] != '/'; slash--)
		;
	base = slash;
	if ((len - (size_t)(base - path) == 1 && base[0] == '.') ||
	    (len - (size_t)(base - path) == 2 && strncmp(base, "..", 2) == 0))
		base = path + len;	/* "." or "..": resolve it all */
	if ((dir = path_join(start, path, (size_t)(base - path))) == NULL)
		return NULL;
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL)
		return path_join(start, path, len);
	out = base == path + len ? strdup(real) :
	    path_join(real, base, len - (size_t)(base - path));
	free(real);
	return out;
}
