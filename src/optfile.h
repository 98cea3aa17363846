/*
 * NAME
 *	optfile 3h
 * SUMMARY
 *	options files: the command-line options, one per line
 * DESCRIPTION
 *	A line is "long-option-name value" (the value may be quoted with
 *	"..." or '...'), or just "long-option-name" for an option without a
 *	value ("yes"/"no" are accepted too). "#" starts a comment. Every
 *	problem names the file and the line.
 */
#ifndef MT_OPTFILE_H
#define MT_OPTFILE_H

#include <stdio.h>

struct config;

/* optfile_read - apply every line of path to cfg; 0 ok, -1 (message on err) */
int optfile_read(struct config *cfg, const char *path, FILE *err);

#endif
