/*
 * NAME
 *	path 3h
 * SUMMARY
 *	file names made absolute against the directory the daemon started in
 * DESCRIPTION
 *	A detached daemon works in "/", and a reload reads its files again
 *	from there: every file option is made absolute when it is parsed,
 *	against the start directory, so it names the same file at start and
 *	at every reload.
 */
#ifndef MT_PATH_H
#define MT_PATH_H

/*
 * path_absolute - path from start (an absolute directory) if relative:
 * the real path of its directory, then its last component, so a file
 * that does not exist yet and a symbolic link at the end stay as named;
 * a directory that cannot be resolved is joined as written. A new
 * string; NULL only when out of memory.
 */
char *path_absolute(const char *start, const char *path);

#endif
