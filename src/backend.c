/*
 * NAME
 *	backend 3
 * SUMMARY
 *	build the directory stack the flags ask for
 * DESCRIPTION
 *	LDAP or the users file, behind the cache unless --no-cache. The
 *	daemon, query mode and check mode all build it here, so they use
 *	the very same lookup path.
 *
 *	At a reload the new cache starts with the old one's answers when
 *	they still hold: the same directory asked the same way (URIs, base,
 *	scope, filter, bind DN and password, SASL and TLS, extension
 *	delimiters). A users file is read again at each reload, so its
 *	cache always starts empty. TTLs, the stale limit and the size may
 *	change: the entries keep when they were stored and the new values
 *	decide what they are worth.
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


/* same - two optional strings are equal */
static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* backend_changed - the option whose change empties the cache, or NULL */
const char *
backend_changed(const struct config *o, const struct config *n)
{
	if (o->users_file || n->users_file)
		return "users";		/* read again: its answers may differ */
	if (!same(o->uris, n->uris))
		return "uri";
	if (!same(o->base, n->base))
		return "base";
	if (o->scope != n->scope)
		return "scope";
	if (!same(o->filter, n->filter))
		return "filter";
	if (!same(o->bind_dn, n->bind_dn))
		return "bind-dn";
	if (!same(o->password, n->password))
		return "password-file";
	if (!same(o->sasl_mech, n->sasl_mech))
		return "sasl-mech";
	if (o->starttls != n->starttls || !same(o->tls_cacert, n->tls_cacert) ||
	    !same(o->tls_cacertdir, n->tls_cacertdir))
		return "starttls/tls-cacert/tls-cacertdir";
	if (!same(o->delimiters, n->delimiters))
		return "delimiter";
	return NULL;
}

/* backend_carry - give dir's new cache the answers of odir's that hold */
void
backend_carry(struct directory *dir, const struct config *cfg,
    const struct directory *odir, const struct config *ocfg, char *note,
    size_t notelen)
{
	const char *why;
	long n;

	if (!cfg->cache) {
		snprintf(note, notelen, "no cache");
		return;
	}
	if (!ocfg->cache) {
		snprintf(note, notelen, "cache empty (was off)");
		return;
	}
	if ((why = backend_changed(ocfg, cfg)) != NULL) {
		snprintf(note, notelen, "cache emptied (--%s%s)", why,
		    strcmp(why, "users") == 0 ? " read again" : " changed");
		return;
	}
	if ((n = cache_adopt(dir, odir)) < 0)
		snprintf(note, notelen, "cache partly kept (out of memory)");
	else
		snprintf(note, notelen, "cache kept (%ld entr%s)", n,
		    n == 1 ? "y" : "ies");
}
