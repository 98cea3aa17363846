/*
 * NAME
 *	runtime 3h
 * SUMMARY
 *	the configuration and directory in force, swappable on SIGHUP
 * DESCRIPTION
 *	A runtime is one configuration with the directory built from it.
 *	Each recipient check holds a reference to the runtime that was
 *	current when it started, so a reload never pulls the ground from
 *	under a session in progress: the old runtime is freed when its last
 *	user lets go.
 */
#ifndef MT_RUNTIME_H
#define MT_RUNTIME_H

#include <stddef.h>

#include "config.h"
#include "directory.h"

struct runtime {
	struct config	cfg;
	struct directory dir;
	struct directory traps;		/* --trap-file; ops NULL if none */
	unsigned	refs;		/* guarded by the runtime lock */
};

/* runtime_start - make rt (heap, taken over) the current runtime */
void runtime_start(struct runtime *rt, int argc, char **argv);

/* runtime_acquire - the current runtime, held until runtime_release */
struct runtime *runtime_acquire(void);

/* runtime_release - let go of a runtime from runtime_acquire */
void runtime_release(struct runtime *rt);

/* runtime_reload - read the options again and swap; 0 ok, -1 kept old */
int runtime_reload(char *msg, size_t msglen);

/*
 * runtime_stop - drop the current runtime (at exit) and wait up to wait
 * seconds for the sessions holding a runtime to let go; how many still
 * hold one then
 */
unsigned runtime_stop(double wait);

#endif
