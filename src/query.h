/*
 * NAME
 *	query 3h
 * SUMMARY
 *	query mode (-q) and check mode (-n)
 * DESCRIPTION
 *	query_run() runs the daemon's whole decision for one address and
 *	prints what it would do and why, like "postmap -q". query_check()
 *	looks at everything that can be checked without serving and prints
 *	every problem.
 */
#ifndef MT_QUERY_H
#define MT_QUERY_H

#include <stdio.h>

#include "config.h"
#include "directory.h"

/* query_run - judge cfg->query once; exit status 0 accept, 1 reject, 2 other */
int query_run(const struct config *cfg, struct directory *dir, FILE *out);

/* query_check - check everything; returns the number of problems */
int query_check(struct config *cfg, FILE *out);

#endif
