/*
 * NAME
 *	backend 3h
 * SUMMARY
 *	build the directory stack the flags ask for
 */
#ifndef MT_BACKEND_H
#define MT_BACKEND_H

#include <stddef.h>

#include "config.h"
#include "directory.h"

/*
 * backend_open_traps - --trap-file as a directory of its own (no cache:
 * it is in memory); traps->ops NULL if there is none; -1 with err
 */
int backend_open_traps(struct directory *traps, const struct config *cfg,
    char *err, size_t errlen);

/* backend_open - the backend the flags name, behind the cache */
int backend_open(struct directory *dir, const struct config *cfg, char *err,
    size_t errlen);

#endif
