/* merkle.h -- the RFC 6962 / RFC 9162 Merkle tree over SHA-256.
 *
 * Leaves are H(0x00 || data), interior nodes H(0x01 || left || right), the
 * empty tree's root is H().  struct lc_merkle holds every leaf hash and the
 * hashes of all complete power-of-two subtrees (level l, index i covers
 * leaves [i*2^l, (i+1)*2^l)), so roots of any earlier size, inclusion and
 * consistency proofs cost O(log n) hashes.  It is an in-memory index: the
 * archive's log is the source of truth and rebuilds it on open.
 *
 * The verifiers are pure functions of their inputs and check a proof's
 * length before hashing (RFC 9162 sections 2.1.3.2 and 2.1.4.2). */
#ifndef LC_ARCHIVE_MERKLE_H
#define LC_ARCHIVE_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LC_HASH_LEN 32
/* Longest proof for trees below 2^64 leaves (inclusion <= 64, consistency
 * <= 2*64). */
#define LC_MERKLE_MAX_PROOF 128

void lc_merkle_hash(const void *data, size_t n, uint8_t out[LC_HASH_LEN]); /* plain SHA-256 */
void lc_merkle_leaf_hash(const void *data, size_t n, uint8_t out[LC_HASH_LEN]);
void lc_merkle_node_hash(const uint8_t left[LC_HASH_LEN], const uint8_t right[LC_HASH_LEN],
                         uint8_t out[LC_HASH_LEN]);

struct lc_merkle;

LC_MUST_USE enum lc_err lc_merkle_new(struct lc_merkle **out);
void lc_merkle_free(struct lc_merkle *t);
/* Appends one leaf by its leaf hash (lc_merkle_leaf_hash of the record).
 * On failure (LC_ENOMEM) the tree is unchanged.  Memory is about 64 bytes
 * a leaf (leaf hashes plus subtree hashes, arrays grown by doubling).
 * Not thread-safe: the caller serialises appends and reads. */
LC_MUST_USE enum lc_err lc_merkle_append(struct lc_merkle *t, const uint8_t leaf[LC_HASH_LEN]);
uint64_t lc_merkle_size(const struct lc_merkle *t);
/* Leaf hash at idx (< size; NULL otherwise), borrowed until the next
 * append. */
const uint8_t *lc_merkle_leaf(const struct lc_merkle *t, uint64_t idx);
/* Root of the tree made of the first n leaves (n <= size; n == 0 gives H()).
 * LC_EINVAL if n > size. */
LC_MUST_USE enum lc_err lc_merkle_root(const struct lc_merkle *t, uint64_t n,
                                       uint8_t out[LC_HASH_LEN]);
/* Audit path of leaf idx in the tree of the first n leaves, into
 * path[0..*count) (room for LC_MERKLE_MAX_PROOF).  LC_EINVAL unless
 * idx < n <= size. */
LC_MUST_USE enum lc_err lc_merkle_inclusion(const struct lc_merkle *t, uint64_t idx, uint64_t n,
                                            uint8_t path[][LC_HASH_LEN], size_t *count);
/* Consistency proof between sizes m and n (0 < m <= n <= size; m == n gives
 * an empty proof), into proof[0..*count). */
LC_MUST_USE enum lc_err lc_merkle_consistency(const struct lc_merkle *t, uint64_t m, uint64_t n,
                                              uint8_t proof[][LC_HASH_LEN], size_t *count);

/* LC_OK when path proves leaf (a leaf hash) is at idx in the tree of the
 * given size and root; LC_ECORRUPT otherwise (wrong length, index out of
 * range, or a root mismatch). */
LC_MUST_USE enum lc_err lc_merkle_verify_inclusion(uint64_t idx, uint64_t size,
                                                   const uint8_t leaf[LC_HASH_LEN],
                                                   const uint8_t path[][LC_HASH_LEN], size_t count,
                                                   const uint8_t root[LC_HASH_LEN]);
/* LC_OK when proof shows the tree (m, root_m) is a prefix of (n, root_n),
 * else LC_ECORRUPT.  m == n needs an empty proof and equal roots (for
 * m == n == 0 both must be H()); 0 == m < n is refused, since a proof from
 * the empty tree proves nothing. */
LC_MUST_USE enum lc_err lc_merkle_verify_consistency(uint64_t m, uint64_t n,
                                                     const uint8_t root_m[LC_HASH_LEN],
                                                     const uint8_t root_n[LC_HASH_LEN],
                                                     const uint8_t proof[][LC_HASH_LEN],
                                                     size_t count);

#endif
