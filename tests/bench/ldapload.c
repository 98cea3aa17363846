/*
 * NAME
 *	ldapload 1
 * SUMMARY
 *	raw LDAP search throughput: the ceiling of an uncached lookup
 * DESCRIPTION
 *	ldapload -H URI -b BASE [-c CONC] [-n COUNT] [-f FMT]
 *
 *	CONC threads (default 20), each with its own connection, bound
 *	anonymously, share COUNT searches (default 50000): search K asks for
 *	the filter FMT with K in it (default "(mail=user%lu@example.com)"),
 *	subtree, no attributes, at most one entry, as milter-tarpit's lookups
 *	do; K runs over 0..COUNT-1, so each address is asked once, as from a
 *	cold cache. One synchronous search at a time per thread, in C, so the
 *	client costs little next to slapd. Prints one line:
 *	"ldapload conc=C searches=N found=F errors=E secs=S rate=R".
 */
#include <ldap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char	*uri, *base, *fmt;
	unsigned long	count;
	int		conc;
};

static struct opts o = { NULL, NULL, "(mail=user%lu@example.com)", 50000,
    20 };
static atomic_ulong next_k, found, errors;

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* worker - one connection, searches until the count is used up */
static void *
worker(void *arg)
{
	static char *attrs[] = { LDAP_NO_ATTRS, NULL };
	struct berval cred = { 0, NULL };
	int version = LDAP_VERSION3, rc;
	LDAPMessage *res;
	unsigned long k;
	char filter[256];
	LDAP *l;

	(void)arg;
	if (ldap_initialize(&l, o.uri) != LDAP_SUCCESS)
		return NULL;
	ldap_set_option(l, LDAP_OPT_PROTOCOL_VERSION, &version);
	if (ldap_sasl_bind_s(l, "", LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL) != LDAP_SUCCESS) {
		atomic_fetch_add(&errors, 1);
		ldap_unbind_ext(l, NULL, NULL);
		return NULL;
	}
	while ((k = atomic_fetch_add(&next_k, 1)) < o.count) {
		snprintf(filter, sizeof(filter), o.fmt, k);
		res = NULL;
		rc = ldap_search_ext_s(l, o.base, LDAP_SCOPE_SUBTREE, filter,
		    attrs, 1, NULL, NULL, NULL, 1, &res);
		if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
			if (res && ldap_count_entries(l, res) > 0)
				atomic_fetch_add(&found, 1);
		} else {
			atomic_fetch_add(&errors, 1);
		}
		if (res)
			ldap_msgfree(res);
	}
	ldap_unbind_ext(l, NULL, NULL);
	return NULL;
}

/* main - parse the options, run the threads, print the figures */
int
main(int argc, char **argv)
{
	pthread_t *tids;
	double t0, secs;
	int ch, i;

	while ((ch = getopt(argc, argv, "H:b:c:n:f:")) != -1) {
		switch (ch) {
		case 'H': o.uri = optarg; break;
		case 'b': o.base = optarg; break;
		case 'c': o.conc = atoi(optarg); break;
		case 'n': o.count = strtoul(optarg, NULL, 10); break;
		case 'f': o.fmt = optarg; break;
		default: goto usage;
		}
	}
	if (o.uri == NULL || o.base == NULL || o.conc < 1 || o.conc > 10000)
		goto usage;
	if ((tids = calloc((size_t)o.conc, sizeof(*tids))) == NULL) {
		fprintf(stderr, "ldapload: out of memory\n");
		return 1;
	}
	t0 = now();
	for (i = 0; i < o.conc; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "ldapload: cannot start thread %d\n", i);
			return 1;
		}
	for (i = 0; i < o.conc; i++)
		pthread_join(tids[i], NULL);
	secs = now() - t0;
	printf("ldapload conc=%d searches=%lu found=%lu errors=%lu secs=%.2f"
	    " rate=%.0f\n", o.conc, o.count, (unsigned long)found,
	    (unsigned long)errors, secs, (double)o.count / secs);
	free(tids);
	return errors ? 1 : 0;
usage:
	fprintf(stderr, "usage: ldapload -H URI -b BASE [-c CONC] [-n COUNT]"
	    " [-f FILTER-FORMAT]\n");
	return 2;
}
