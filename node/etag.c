/* etag.c - entity tags and If-None-Match (specs/api.md "Caching"). */
#include "node/etag.h"

#include <stdint.h>
#include <string.h>

#include "common/crypto.h"
#include "common/hex.h"

void http_etag_of(char out[HTTP_ETAG_BYTES], const void *body, size_t len)
{
	uint8_t h[HASH_BYTES];
	sha256(h, body != NULL ? body : "", body != NULL ? len : 0);
	out[0] = '"';
	hex_encode(out + 1, h, 16);
	out[33] = '"';
	out[34] = '\0';
}

int http_etag_listed(const char *list, const char *etag)
{
	size_t el = strlen(etag);
	const char *p = list;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		const char *end = p;
		if (*end == '"') {
			end = strchr(end + 1, '"');
			if (end == NULL)
				return 0; /* unterminated: matches nothing */
			end++;
		} else {
			while (*end != '\0' && *end != ',')
				end++;
		}
		if ((size_t)(end - p) == el && memcmp(p, etag, el) == 0)
			return 1;
		p = end;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}
