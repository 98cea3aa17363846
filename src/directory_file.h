/*
 * NAME
 *	directory_file 3h
 * SUMMARY
 *	the embedded directory: a file of addresses
 * DESCRIPTION
 *	One address per line ("alice@example.com"), "@example.org" for a
 *	domain where every address exists, "#" comments and blank lines.
 *	Addresses are normalised like recipients, so case and quoting do
 *	not matter. A lookup never fails: the answer is found or not found.
 */
#ifndef MT_DIRECTORY_FILE_H
#define MT_DIRECTORY_FILE_H

#include <stddef.h>

#include "directory.h"

/* directory_file_open - load path into d; 0 ok (err: a summary), -1 err */
int directory_file_open(struct directory *d, const char *path, char *err,
    size_t errlen);

#endif
