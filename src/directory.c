/*
 * NAME
 *	directory 3
 * SUMMARY
 *	the recipient directory: a small backend interface
 * DESCRIPTION
 *	Dispatch to the backend and time the call.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory.h"
#include "util.h"

/* directory_lookup - look addresses up; fills q with what happened */
enum dir_result
directory_lookup(struct directory *d, const struct addr *alts, size_t nalts,
    struct dir_query *q)
{
	double start = util_now();
	enum dir_result r;

	memset(q, 0, sizeof(*q));
	q->cache = "off";
	r = d->ops->lookup(d->impl, alts, nalts, q);
	q->seconds = util_now() - start;
	return r;
}

/* directory_close - release the backend */
void
directory_close(struct directory *d)
{
	if (d->ops && d->ops->close)
		d->ops->close(d->impl);
	d->ops = NULL;
	d->impl = NULL;
}

/* directory_result_name - "found", "notfound" or "error" */
const char *
directory_result_name(enum dir_result r)
{
	switch (r) {
	case DIR_FOUND:
		return "found";
	case DIR_NOTFOUND:
		return "notfound";
	case DIR_ERROR:
		return "error";
	}
	return "?";
}
