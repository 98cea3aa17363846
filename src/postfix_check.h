/*
 * NAME
 *	postfix_check 3h
 * SUMMARY
 *	check mode (-n): does Postfix's configuration fit the daemon's
 * DESCRIPTION
 *	postfix_check() asks postconf(1) for the parameters that decide
 *	whether the daemon sees every recipient, routes it as Postfix does
 *	and answers in time, and prints "ok:", "note:" and "problem:"
 *	lines; a problem names the main.cf line or the option to change.
 */
#ifndef MT_POSTFIX_CHECK_H
#define MT_POSTFIX_CHECK_H

#include <stdio.h>

#include "config.h"

/* postfix_check - compare Postfix's settings with cfg; problems add to *n */
void postfix_check(const struct config *cfg, FILE *out, int *n);

#endif
