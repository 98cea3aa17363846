/*
 * NAME
 *	ldap_escape 3
 * SUMMARY
 *	RFC 4515 value escaping and search filter expansion
 * DESCRIPTION
 *	RFC 4515 section 3 requires '*', '(', ')', '\' and NUL to be written
 *	as a backslash and two hex digits. We also escape control characters,
 *	space and every byte of 0x80 and above: any octet may be escaped, and
 *	doing so keeps invalid UTF-8 from an envelope out of the request.
 *	Both functions work like snprintf(): they return the length that was
 *	needed and never write past outlen.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>

#include "ldap_escape.h"

static const char hexdigits[] = "0123456789abcdef";

/* put_char - append one byte if it fits */
static void
put_char(char *out, size_t outlen, size_t *o, char c)
{
	if (*o + 1 < outlen)
		out[*o] = c;
	(*o)++;
}

/* escape_into - append the escaped form of in */
static void
escape_into(const char *in, char *out, size_t outlen, size_t *o)
{
	const unsigned char *p;

	for (p = (const unsigned char *)in; *p; p++) {
		if (*p == '*' || *p == '(' || *p == ')' || *p == '\\' ||
		    *p <= 0x20 || *p >= 0x7f) {
			put_char(out, outlen, o, '\\');
			put_char(out, outlen, o, hexdigits[*p >> 4]);
			put_char(out, outlen, o, hexdigits[*p & 0xf]);
		} else {
			put_char(out, outlen, o, (char)*p);
		}
	}
}

/* terminate - write the terminator at the right place */
static void
terminate(char *out, size_t outlen, size_t o)
{
	if (outlen > 0)
		out[o < outlen ? o : outlen - 1] = '\0';
}

/* ldap_escape_value - escape one assertion value; returns the length needed */
size_t
ldap_escape_value(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	escape_into(in, out, outlen, &o);
	terminate(out, outlen, o);
	return o;
}

/*
 * after_equals - is the '%' at pct inside an assertion value: an '='
 * stands between it and the '(' that opens its clause
 */
static int
after_equals(const char *tmpl, const char *pct)
{
	const char *q;

	for (q = pct - 1; q >= tmpl && *q != '('; q--)
		if (*q == '=')
			return 1;
	return 0;
}

/* filter_check - validate a template; 0 ok, -1 with *why set */
int
filter_check(const char *tmpl, const char **why)
{
	int depth = 0, uses = 0;
	const char *p;

	if (tmpl == NULL || tmpl[0] != '(') {
		*why = "must start with '('";
		return -1;
	}
	for (p = tmpl; *p; p++) {
		switch (*p) {
		case '(':
			depth++;
			break;
		case ')':
			if (--depth < 0) {
				*why = "has an unbalanced ')'";
				return -1;
			}
			if (depth == 0 && p[1] != '\0') {
				*why = "has text after the closing ')'";
				return -1;
			}
			break;
		case '%':
			p++;
			if (*p == 's' || *p == 'u' || *p == 'd') {
				if (!after_equals(tmpl, p - 1)) {
					*why = "puts %s, %u or %d outside an"
					    " assertion value (it must follow"
					    " \"attribute=\")";
					return -1;
				}
				uses++;
			} else if (*p != '%') {
				*why = "has a '%' not followed by s, u, d or %";
				return -1;
			}
			break;
		case '\\':
			/*
			 * RFC 4515: a backslash escapes one byte as two hex
			 * digits. One the template leaves incomplete would be
			 * completed by the value: (cn=\%u) with the local
			 * part "29" would ask for the value ")".
			 */
			if (!isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2])) {
				*why = "has a '\\' not followed by two hex digits"
				    " (RFC 4515 escapes are \\XX)";
				return -1;
			}
			p += 2;
			break;
		default:
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				*why = "has a control character";
				return -1;
			}
		}
	}
	if (depth != 0) {
		*why = "has an unbalanced '('";
		return -1;
	}
	if (uses == 0) {
		*why = "uses none of %s, %u, %d";
		return -1;
	}
	return 0;
}

/* filter_expand - expand tmpl; returns the length needed */
size_t
filter_expand(const char *tmpl, const char *full, const char *local,
    const char *domain, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p;

	for (p = tmpl; *p; p++) {
		if (*p != '%' || p[1] == '\0') {
			put_char(out, outlen, &o, *p);
			continue;
		}
		p++;
		if (*p == 's' || *p == 'u' || *p == 'd')	/* the rest fits */
			o += ldap_escape_value(*p == 's' ? full : *p == 'u' ?
			    local : domain, o < outlen ? out + o : NULL,
			    o < outlen ? outlen - o : 0);
		else	/* "%%", or anything filter_check refused */
			put_char(out, outlen, &o, *p);
	}
	terminate(out, outlen, o);
	return o;
}
