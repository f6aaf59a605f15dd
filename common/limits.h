/* limits.h - every bound of the system, named once. */
#ifndef ACCORD_COMMON_LIMITS_H
#define ACCORD_COMMON_LIMITS_H

/* Record (specs/encoding.md). */
#define ENTRY_BYTES_MAX (64u * 1024u)    /* one signed entry, all bytes */
#define CHAIN_ID_BYTES_MAX 64u           /* genesis chain id */
#define PARTY_ID_BYTES_MAX 32u           /* "CN-BJ" */
#define TEXT_BYTES_MAX 4096u             /* any free-text field */
#define NAME_BYTES_MAX 128u              /* names, scopes, units, methods */
#define URI_BYTES_MAX 1024u              /* legal text URI, data sources */
#define LIST_ITEMS_MAX 256u              /* any list inside one entry */
#define OBLIGATIONS_MAX 1024u /* obligations in one agreement (encoding §2.4) */
#define GENESIS_BYTES_MAX (1024u * 1024u) /* the genesis JSON file */
#define PARTIES_MAX 256u
#define VALIDATORS_MAX 128u
#define VERIFIERS_MAX 256u
#define KEYS_PER_PARTY_MAX 8u

/* Blocks. */
#define BLOCK_ENTRIES_MAX 4096u
#define BLOCK_BYTES_MAX (16u * 1024u * 1024u)

/* Node. */
#define MEMPOOL_BYTES_MAX (64u * 1024u * 1024u)
#define MEMPOOL_ENTRIES_MAX 65536u
#define PEERS_MAX VALIDATORS_MAX
#define MSG_BYTES_MAX (BLOCK_BYTES_MAX + 64u * 1024u) /* one peer frame */
#define HTTP_BODY_BYTES_MAX (2u * ENTRY_BYTES_MAX + 16u * 1024u) /* JSON form */
#define HTTP_WAITERS_MAX 4096u /* requests parked on ?wait=commit */

/* Merkle (RFC 9162): a proof never has more than 64 hashes for 64-bit
 * sizes, and consistency proofs at most 2 * 64. */
#define MERKLE_PROOF_HASHES_MAX 128u

#endif
