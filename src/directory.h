/*
 * NAME
 *	directory 3h
 * SUMMARY
 *	the recipient directory: a small backend interface
 * DESCRIPTION
 *	A lookup has three outcomes, as in Postfix's dictionaries: the
 *	address exists, there is definitely no such entry, or we could not
 *	tell (error, timeout, unreachable). Only the second may ever lead to
 *	a 5xx. Backends must be safe to call from many threads at once.
 */
#ifndef MT_DIRECTORY_H
#define MT_DIRECTORY_H

#include <stddef.h>

#include "addr.h"

enum dir_result {
	DIR_FOUND,
	DIR_NOTFOUND,
	DIR_ERROR
};

struct dir_query {
	char	filter[1024];	/* the filter sent (cut if longer) */
	double	seconds;	/* time spent */
	const char *cache;	/* "off", "miss", "hit", "shared" or "stale" */
	char	error[512];	/* what went wrong, for DIR_ERROR */
};

/*
 * A lookup asks for one address or for several alternatives (the address
 * and its form without "+tag"): "found" if any of them exists. Backends
 * answer all alternatives within one timeout (one LDAP round trip).
 */
#define DIR_ALTS_MAX 2

struct directory_ops {
	enum dir_result (*lookup)(void *impl, const struct addr *alts,
	    size_t nalts, struct dir_query *q);
	void (*close)(void *impl);
};

struct directory {
	const struct directory_ops *ops;
	void		*impl;
};

/* directory_lookup - look addresses up; fills q with what happened */
enum dir_result directory_lookup(struct directory *d, const struct addr *alts,
    size_t nalts, struct dir_query *q);

/* directory_close - release the backend */
void directory_close(struct directory *d);

/* directory_result_name - "found", "notfound" or "error" */
const char *directory_result_name(enum dir_result r);

#endif
