/*
 * NAME
 *	backend 3
 * SUMMARY
 *	build the directory stack the flags ask for
 * DESCRIPTION
 *	LDAP or the users file, behind the cache unless --no-cache. The
 *	daemon, query mode and check mode all build it here, so they use
 *	the very same lookup path.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "cache.h"
#include "directory_file.h"
#include "directory_ldap.h"

/* backend_open_traps - --trap-file as a directory; ops NULL if none */
int
backend_open_traps(struct directory *traps, const struct config *cfg,
    char *err, size_t errlen)
{
	char why[512];

	memset(traps, 0, sizeof(*traps));
	if (cfg->trap_file == NULL)
		return 0;
	if (directory_file_open(traps, cfg->trap_file, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "--trap-file: %s", why);
		return -1;
	}
	return 0;
}

/* backend_open - the backend the flags name; on success err describes it */
int
backend_open(struct directory *dir, const struct config *cfg, char *err,
    size_t errlen)
{
	struct cache_config cc;
	struct directory inner;
	int rc;

	if (cfg->users_file) {
		rc = directory_file_open(&inner, cfg->users_file, err, errlen);
	} else {
		rc = directory_ldap_open(&inner, cfg, err, errlen);
		if (rc == 0)
			snprintf(err, errlen, "LDAP %s", cfg->uris ? cfg->uris :
			    "(ldap.conf)");
	}
	if (rc < 0)
		return -1;
	if (!cfg->cache) {
		*dir = inner;
		return 0;
	}
	cc.max_entries = (size_t)cfg->cache_size;
	cc.ttl_positive = cfg->cache_ttl;
	cc.ttl_negative = cfg->cache_neg_ttl;
	cc.stale_max = cfg->cache_stale;
	cc.wait_max = cfg->ldap_timeout + 1;
	if (cache_wrap(dir, &inner, &cc) < 0) {
		directory_close(&inner);
		snprintf(err, errlen, "out of memory for the cache");
		return -1;
	}
	return 0;
}

