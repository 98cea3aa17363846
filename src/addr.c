/*
 * NAME
 *	addr 3
 * SUMMARY
 *	parse and normalise RFC 5321 envelope addresses
 * DESCRIPTION
 *	Grammar accepted (RFC 5321 section 4.1.2, leniently):
 *
 *	    [ "<" ] [ route ":" ] local-part [ "@" domain ] [ ">" ]
 *
 *	Balanced comments "(...)" outside quoted strings are dropped first,
 *	as Postfix's parser does. route is "@a,@b" and is dropped. The domain
 *	follows the last '@' outside quoted strings. local-part is words
 *	joined by '.' or '@' (RFC 5322 obs-local-part, and Postfix's
 *	user@domain@domain): a word is a quoted string (backslash quotes
 *	the next character) or a run of printable characters other than
 *	space, '"', '<' and '>'. domain is a host name of printable
 *	characters or an address literal "[...]". Bytes of 0x80 and above
 *	pass (SMTPUTF8). A lone local part is kept with an empty domain;
 *	the caller decides what that means.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "util.h"

/* local_char_ok - may this byte stand unquoted in a local part */
static int
local_char_ok(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return c != '"' && c != '<' && c != '>' && c != '@';
}

/* domain_char_ok - may this byte stand in a domain name */
static int
domain_char_ok(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c == '-' || c == '.' || c == '_';
}

/* parse_domain - validate [p, end) as a domain and store it */
static int
parse_domain(const char *p, const char *end, struct addr *a, const char **why)
{
	size_t len = (size_t)(end - p);
	const char *q;

	if (len > 0 && end[-1] == '.' && p[0] != '[')
		len--;		/* trailing root dot */
	if (len == 0) {
		*why = "empty domain";
		return -1;
	}
	if (len > ADDR_DOMAIN_MAX) {
		*why = "domain longer than 255 octets";
		return -1;
	}
	if (p[0] == '[') {
		if (p[len - 1] != ']' || len < 3) {
			*why = "unbalanced brackets in address literal";
			return -1;
		}
		for (q = p + 1; q < p + len - 1; q++)
			if (*q <= 0x20 || *q == 0x7f || *q == '[' ||
			    *q == ']' || *q == '\\') {
				*why = "bad character in address literal";
				return -1;
			}
	} else {
		for (q = p; q < p + len; q++)
			if (!domain_char_ok((unsigned char)*q)) {
				*why = "bad character in domain";
				return -1;
			}
		for (q = p; q < p + len; q++)
			if (*q == '.' && (q == p || q[1] == '.')) {
				*why = "empty label in domain";
				return -1;
			}
	}
	memcpy(a->domain, p, len);
	a->domain[len] = '\0';
	util_lower(a->domain);
	return 0;
}

/* quoted - copy the quoted string at *pp (at its '"') into a; *pp after */
static int
quoted(const char **pp, const char *end, struct addr *a, size_t *n,
    const char **why)
{
	const char *p = *pp;

	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\' && ++p >= end)
			break;
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "control character in quoted local part";
			return -1;
		}
		if (*n >= ADDR_LOCAL_MAX) {
			*why = "local part longer than 256 octets";
			return -1;
		}
		a->local[(*n)++] = *p;
	}
	if (p >= end) {
		*why = "unbalanced quotes";
		return -1;
	}
	*pp = p + 1;		/* after the closing quote */
	return 0;
}

/*
 * parse_local - the local part [p, end): words, quoted or not, joined
 * by '.' (RFC 5322 obs-local-part), or by '@' where Postfix sees a
 * routing operator; stored unquoted (Postfix's internal form)
 */
static int
parse_local(const char *p, const char *end, struct addr *a, const char **why)
{
	const char *start = p;
	size_t n = 0;

	while (p < end) {
		if (*p == '"') {
			if (p > start && p[-1] != '.' && p[-1] != '@') {
				*why = "unbalanced quotes inside a word";
				return -1;
			}
			if (quoted(&p, end, a, &n, why) < 0)
				return -1;
			if (p < end && *p != '.' && *p != '@') {
				*why = "junk after local part";
				return -1;
			}
			continue;
		}
		if (*p != '@' && !local_char_ok((unsigned char)*p)) {
			*why = (*p == '<' || *p == '>') ?
			    "unbalanced angle brackets" :
			    "space or control character in local part";
			return -1;
		}
		if (n >= ADDR_LOCAL_MAX) {
			*why = "local part longer than 256 octets";
			return -1;
		}
		a->local[n++] = *p++;
	}
	if (n == 0) {
		*why = "empty local part";
		return -1;
	}
	a->local[n] = '\0';
	util_lower(a->local);
	return 0;
}

/*
 * last_at - the last '@' in [p, end) outside quoted strings, or NULL;
 * -1 in *bad if a quote is left open
 */
static const char *
last_at(const char *p, const char *end, int *bad)
{
	const char *at = NULL;
	int inq = 0;

	for (; p < end; p++) {
		if (inq && *p == '\\') {
			if (++p >= end)
				break;
		} else if (*p == '"') {
			inq = !inq;
		} else if (*p == '@' && !inq) {
			at = p;
		}
	}
	*bad = inq ? -1 : 0;
	return at;
}

/*
 * uncomment - input without RFC 5322 comments "(...)" outside quoted
 * strings and address literals, into out (ADDR_INPUT_MAX + 1 bytes), as Postfix's parser
 * drops them; -1 if a parenthesis is left open or stray (then they are
 * no comments, and the caller keeps the text as it is)
 */
static int
uncomment(const char *in, size_t len, char *out)
{
	size_t i, o = 0;
	int inq = 0, depth = 0, inlit = 0;

	for (i = 0; i < len; i++) {
		char c = in[i];

		if (depth == 0 && inq && c == '\\' && i + 1 < len) {
			out[o++] = c;
			out[o++] = in[++i];
			continue;
		}
		if (depth == 0 && !inq && (c == '[' || (inlit && c == ']')))
			inlit = c == '[';	/* no comments in "[...]" */
		if (inlit) {
			out[o++] = c;
			continue;
		}
		if (depth == 0 && c == '"')
			inq = !inq;
		if (!inq && c == '(') {
			depth++;
		} else if (!inq && depth > 0 && c == '\\' && i + 1 < len) {
			i++;
		} else if (!inq && c == ')') {
			if (depth-- == 0)
				return -1;
		} else if (depth == 0) {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	return depth == 0 ? 0 : -1;
}

/* split - parse [p, end) after brackets and source route into a */
static enum addr_status
split(const char *p, const char *end, struct addr *a, const char **why)
{
	const char *at;
	int bad;

	at = last_at(p, end, &bad);
	if (bad < 0) {
		*why = "unbalanced quotes";
		return ADDR_SYNTAX;
	}
	if (parse_local(p, at ? at : end, a, why) < 0)
		return strstr(*why, "longer") ? ADDR_TOO_LONG : ADDR_SYNTAX;
	if (at == NULL) {
		util_strlcpy(a->full, a->local, sizeof(a->full));
		return ADDR_OK;
	}
	if (parse_domain(at + 1, end, a, why) < 0)
		return strstr(*why, "longer") ? ADDR_TOO_LONG : ADDR_SYNTAX;
	snprintf(a->full, sizeof(a->full), "%s@%s", a->local, a->domain);
	return ADDR_OK;
}

/* addr_parse - parse input into a; on error *why says what is wrong */
enum addr_status
addr_parse(const char *input, struct addr *a, const char **why)
{
	char buf[ADDR_INPUT_MAX + 1];
	const char *p, *end, *colon;
	const char *dummy;
	size_t len;

	if (why == NULL)
		why = &dummy;
	*why = "";
	memset(a, 0, sizeof(*a));
	if (input == NULL) {
		*why = "no address";
		return ADDR_SYNTAX;
	}
	len = strnlen(input, ADDR_INPUT_MAX + 1);
	if (len > ADDR_INPUT_MAX) {
		*why = "address longer than 1024 octets";
		return ADDR_TOO_LONG;
	}
	if (uncomment(input, len, buf) < 0)	/* not comments: keep them */
		memcpy(buf, input, len + 1);
	p = buf;
	end = buf + strlen(buf);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (p < end && *p == '<') {
		if (end[-1] != '>' || end - p < 2) {
			*why = "unbalanced angle brackets";
			return ADDR_SYNTAX;
		}
		p++;
		end--;
	} else if (p < end && end[-1] == '>') {
		*why = "unbalanced angle brackets";
		return ADDR_SYNTAX;
	}
	if (p == end) {
		*why = "null address <>";
		return ADDR_NULL;
	}
	if (*p == '@') {		/* source route: @a,@b:mailbox */
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL) {
			*why = "source route without ':'";
			return ADDR_SYNTAX;
		}
		p = colon + 1;
	}
	return split(p, end, a, why);
}

/*
 * addr_domain_hint - for an input addr_parse() refused: the domain it
 * names, as far as it can be told (after the last '@' outside quotes and
 * comments, the run of domain characters or a literal), lower case,
 * without a trailing dot; 0 if there is none
 */
int
addr_domain_hint(const char *input, char *dom, size_t len)
{
	char buf[ADDR_INPUT_MAX + 1];
	const char *at, *p;
	size_t n, i;
	int bad;

	if (input == NULL || len == 0 ||
	    (n = strnlen(input, ADDR_INPUT_MAX + 1)) > ADDR_INPUT_MAX)
		return 0;
	if (uncomment(input, n, buf) < 0)
		memcpy(buf, input, n + 1);
	at = last_at(buf, buf + strlen(buf), &bad);
	if (bad < 0)		/* an open quote: the last '@' of all */
		at = strrchr(buf, '@');
	if (at == NULL)
		return 0;
	p = at + 1;
	if (*p == '[')
		n = strcspn(p, "]") + (p[strcspn(p, "]")] == ']');
	else
		for (n = 0; domain_char_ok((unsigned char)p[n]); n++)
			;
	if (n > 1 && p[0] != '[' && p[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return 0;
	for (i = 0; i < n; i++)
		dom[i] = p[i];
	dom[n] = '\0';
	util_lower(dom);
	return 1;
}

/* addr_is_dot_atom - local needs no quotes (Postfix's dot-string test) */
int
addr_is_dot_atom(const char *local)
{
	const unsigned char *p = (const unsigned char *)local;

	if (*p == '\0' || *p == '.' || local[strlen(local) - 1] == '.' ||
	    strstr(local, ".."))
		return 0;
	for (; *p; p++)
		if (*p > 127 || *p <= ' ' || *p == 0x7f ||
		    strchr("()<>@,;:\\\"[]", *p))
			return 0;
	return 1;
}

/* addr_is_postmaster - the local part is "postmaster" (any case) */
int
addr_is_postmaster(const struct addr *a)
{
	return strcasecmp(a->local, "postmaster") == 0;
}

/* addr_strip_extension - base address without "+tag"; 1 if stripped */
int
addr_strip_extension(const struct addr *a, const char *delims, struct addr *base)
{
	size_t n;

	if (delims == NULL || *delims == '\0')
		return 0;
	n = strcspn(a->local, delims);
	if (n == 0 || a->local[n] == '\0')
		return 0;
	*base = *a;
	base->local[n] = '\0';
	if (base->domain[0])
		snprintf(base->full, sizeof(base->full), "%s@%s",
		    base->local, base->domain);
	else
		util_strlcpy(base->full, base->local, sizeof(base->full));
	return 1;
}
