/* fuzz_if_none_match.c - the If-None-Match list of a request (specs/api.md
 * "Caching"): any bytes, as a NUL-terminated header value, against the tag
 * of the same bytes and a fixed tag. Must not crash or read past the NUL;
 * "*" alone always matches and a list holding the tag matches it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/etag.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *list = malloc(size + 1);
	if (list == NULL)
		return 0;
	memcpy(list, data, size);
	list[size] = '\0';
	char tag[HTTP_ETAG_BYTES];
	http_etag_of(tag, data, size);
	(void)http_etag_listed(list, tag);
	(void)http_etag_listed(list, "\"00000000000000000000000000000000\"");
	if (!http_etag_listed("*", tag))
		abort();
	char both[HTTP_ETAG_BYTES + 4];
	memcpy(both, "W/", 2);
	memcpy(both + 2, tag, sizeof tag);
	if (!http_etag_listed(both, tag))
		abort();
	free(list);
	return 0;
}
