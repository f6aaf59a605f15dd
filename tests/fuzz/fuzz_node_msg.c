/* fuzz_node_msg.c - untrusted bytes into the node message decoder
 * (specs/wire.md §6): an error, or a message that re-encodes to the same
 * bytes; never a crash or a read outside the input. The Makefile links
 * fuzz targets with libaccord.a only, so the codec is compiled in here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/netmsg.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netmsg m;
	struct wbuf w;
	if (netmsg_decode(data, size, &m) != 0)
		return 0;
	wbuf_init(&w, MSG_BYTES_MAX + 16);
	switch (m.type) {
	case NETMSG_CONSENSUS:
		if (m.cons_type == CONS_MSG_COMMIT)
			netmsg_commit_encode(&w, &m.cert);
		else
			netmsg_consensus_encode(&w, &m.msg);
		break;
	case NETMSG_PROPOSAL:
		netmsg_proposal_encode(&w, &m.msg, m.bytes, m.len);
		break;
	case NETMSG_ENTRY:
		netmsg_entry_encode(&w, m.bytes, m.len);
		break;
	case NETMSG_STATUS:
		netmsg_status_encode(&w, &m.status);
		break;
	case NETMSG_BLOCKS_GET:
		netmsg_blocks_get_encode(&w, m.height, m.count);
		break;
	case NETMSG_BLOCK:
		netmsg_block_encode(&w, m.height, m.bytes, m.len, m.cert_bytes,
				    m.cert_len);
		break;
	case NETMSG_COSIG:
		netmsg_cosig_encode(&w, m.height, m.validator, m.cosig);
		break;
	default:
		abort(); /* the decoder accepted an unknown type */
	}
	if (wbuf_error(&w) != 0 || w.len != size ||
	    memcmp(w.data, data, size) != 0)
		abort();
	wbuf_free(&w);
	return 0;
}
