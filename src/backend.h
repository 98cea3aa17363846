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

/*
 * backend_changed - the first option (long name) that differs between o
 * and n and makes the cached answers of o worthless, or NULL if none
 */
const char *backend_changed(const struct config *o, const struct config *n);

/*
 * backend_carry - at a reload: copy the answers of the old directory
 * odir (built from ocfg) into the new cache of dir (built from cfg, not
 * in use yet) unless backend_changed() says they no longer hold; note
 * says what happened ("cache kept (N entries)", "cache emptied (...)")
 */
void backend_carry(struct directory *dir, const struct config *cfg,
    const struct directory *odir, const struct config *ocfg, char *note,
    size_t notelen);

#endif
