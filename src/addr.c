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
 *	route is "@a,@b" and is dropped. local-part is a quoted string
 *	(backslash quotes the next character) or a run of printable
 *	characters other than space, '"', '<', '>' and '@'. domain is a
 *	host name of printable characters or an address literal "[...]".
 *	Bytes of 0x80 and above pass (SMTPUTF8). A lone local part is kept
 *	with an empty domain; the caller decides what that means.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "util.h"

/* addr_status_text - short text for a status */
const char *
addr_status_text(enum addr_status st)
{
	switch (st) {
	case ADDR_OK:
		return "ok";
	case ADDR_NULL:
		return "null address";
	case ADDR_TOO_LONG:
		return "address too long";
	case ADDR_SYNTAX:
		return "bad address syntax";
	}
	return "?";
}

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

/* parse_local - read the local part at *pp; leaves *pp after it */
static int
parse_local(const char **pp, const char *end, struct addr *a, const char **why)
{
	const char *p = *pp;
	size_t n = 0;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\') {
				if (++p >= end)
					break;
			}
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				*why = "control character in quoted local part";
				return -1;
			}
			if (n >= ADDR_LOCAL_MAX) {
				*why = "local part longer than 256 octets";
				return -1;
			}
			a->local[n++] = *p;
		}
		if (p >= end) {
			*why = "unbalanced quotes";
			return -1;
		}
		p++;		/* closing quote */
	} else {
		for (; p < end && *p != '@'; p++) {
			if (!local_char_ok((unsigned char)*p)) {
				*why = *p == '"' ? "unbalanced quotes" :
				    (*p == '<' || *p == '>') ?
				    "unbalanced angle brackets" :
				    "space or control character in local part";
				return -1;
			}
			if (n >= ADDR_LOCAL_MAX) {
				*why = "local part longer than 256 octets";
				return -1;
			}
			a->local[n++] = *p;
		}
	}
	if (n == 0) {
		*why = "empty local part";
		return -1;
	}
	a->local[n] = '\0';
	util_lower(a->local);
	*pp = p;
	return 0;
}

/* addr_parse - parse input into a; on error *why says what is wrong */
enum addr_status
addr_parse(const char *input, struct addr *a, const char **why)
{
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
	p = input;
	end = input + len;
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
	if (parse_local(&p, end, a, why) < 0)
		return strstr(*why, "longer") ? ADDR_TOO_LONG : ADDR_SYNTAX;
	if (p < end) {
		if (*p != '@') {
			*why = "junk after local part";
			return ADDR_SYNTAX;
		}
		if (parse_domain(p + 1, end, a, why) < 0)
			return strstr(*why, "longer") ? ADDR_TOO_LONG : ADDR_SYNTAX;
		snprintf(a->full, sizeof(a->full), "%s@%s", a->local, a->domain);
	} else {
		util_strlcpy(a->full, a->local, sizeof(a->full));
	}
	return ADDR_OK;
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
