/*
 * NAME
 *	directory_ldap 3h
 * SUMMARY
 *	LDAP directory backend with a bounded connection pool
 * DESCRIPTION
 *	directory_ldap_open() prepares the backend without connecting: a
 *	directory that is down at start only makes lookups tempfail until it
 *	comes back.
 */
#ifndef MT_DIRECTORY_LDAP_H
#define MT_DIRECTORY_LDAP_H

#include <stddef.h>

#include "config.h"
#include "directory.h"

/* directory_ldap_open - set up d from cfg; 0 ok, -1 with err filled */
int directory_ldap_open(struct directory *d, const struct config *cfg,
    char *err, size_t errlen);

#endif
