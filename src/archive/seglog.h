/* seglog.h -- the archive's append-only log: segment files of framed records,
 * a group-commit writer, torn-tail recovery, and the Merkle tree over it.
 *
 * Files under the log's directory:
 *   seg-<first index, 16 hex>.log  records in order; a new segment starts
 *                                  once the current one passes
 *                                  segment_bytes.
 *   keys.dat                       one 32-byte slot per record index: the
 *                                  record's own key (personal fields are
 *                                  sealed with it) or zeros; destroying a
 *                                  slot is crypto-shredding.
 * A frame is: magic "LCR1" (4 bytes), index (u64 LE), length (u32 LE),
 * CRC-32C (u32 LE) over index || length || payload, then payload.  The
 * payload is the record's canonical bytes and the Merkle leaf is
 * lc_merkle_leaf_hash(payload).
 *
 * Appends from any thread queue up; one of them (the leader) writes the
 * whole queue with one write and one fdatasync (and the key slots with one
 * more), then wakes the others.  An append returns only after its record
 * is durable.  A failed write or fsync is fail-stop: the log refuses all
 * later appends with LC_EIO; restart recovers from disk.
 *
 * The writer preallocates segments and keys.dat by writing zeros ahead of
 * the data (an fdatasync that need not commit a new file size is 2-3x
 * cheaper), so a log that crashed may have zeros after its last frame;
 * they are not a frame and not damage, and open and close cut them.
 *
 * On open the segments are read in order; damage at the end of the last
 * segment (an incomplete frame, a bad header or checksum) with no valid
 * frame anywhere after it is a torn tail (never acknowledged) and is cut;
 * any other damage refuses the open with LC_ECORRUPT naming the record
 * index and file offset.  (So a power cut that persisted a later page of
 * the last, unsynced group but not an earlier one also refuses the open:
 * the log will not guess whether records after damage were acknowledged.)
 * A second open of the same directory, in this process or another, is
 * LC_EBUSY (flock on the directory). */
#ifndef LC_ARCHIVE_SEGLOG_H
#define LC_ARCHIVE_SEGLOG_H

#include <stddef.h>
#include <stdint.h>

#include "archive/merkle.h"
#include "core/err.h"

#define LC_SEGLOG_MAX_RECORD (1u << 20) /* payload cap, bytes */
#define LC_SEGLOG_KEY_LEN 32
#define LC_SEGLOG_FRAME_HEAD 20 /* magic + index + length + crc */

struct lc_seglog;

struct lc_seglog_opts {
    uint64_t segment_bytes; /* roll over past this size; 0 = 64 MiB */
};

/* Opens (creating dir, not its parents, and files as needed) and recovers
 * the log.  o may be NULL for defaults.  On failure err holds a message such as
 * "seg-0000000000000000.log offset 4096: record 17: checksum mismatch". */
LC_MUST_USE enum lc_err lc_seglog_open(const char *dir, const struct lc_seglog_opts *o,
                                    struct lc_seglog **out, char *err, size_t errlen);
/* Waits for appends in flight, then closes.  NULL is fine. */
void lc_seglog_close(struct lc_seglog *l);

/* One record to append: payload (1..LC_SEGLOG_MAX_RECORD bytes, copied) and an
 * optional per-record key (NULL = no key, slot stays zero; an all-zero key
 * is LC_EINVAL, as it would read back as no key). */
struct lc_seglog_rec {
    const void *data;
    size_t len;
    const uint8_t *key; /* LC_SEGLOG_KEY_LEN bytes or NULL */
};

/* Appends n >= 1 records as consecutive entries; blocks until they are
 * durable and readable (size, tree and lc_seglog_read include them).
 * Thread-safe.  *first is the index of the first one.  LC_ETOOBIG /
 * LC_EINVAL for a bad record (nothing is appended), LC_EIO after a failed
 * write or fsync (then and for ever after, until reopened). */
LC_MUST_USE enum lc_err lc_seglog_append(struct lc_seglog *l, const struct lc_seglog_rec *recs, size_t n,
                                      uint64_t *first);

/* Number of durable records. */
uint64_t lc_seglog_size(struct lc_seglog *l);
/* Copy of record idx's payload: *out is a heap buffer owned by the caller.
 * The frame's checksum is checked again (LC_ECORRUPT if the file changed);
 * LC_ENOTFOUND for idx >= size. */
LC_MUST_USE enum lc_err lc_seglog_read(struct lc_seglog *l, uint64_t idx, uint8_t **out, size_t *n);
/* Record idx's key; LC_ENOTFOUND if it never had one or it was destroyed. */
LC_MUST_USE enum lc_err lc_seglog_key(struct lc_seglog *l, uint64_t idx, uint8_t key[LC_SEGLOG_KEY_LEN]);
/* Overwrites record idx's key slot with zeros and syncs it (crypto-shred).
 * LC_OK if the slot is already zero; a failed sync is fail-stop too. */
LC_MUST_USE enum lc_err lc_seglog_key_destroy(struct lc_seglog *l, uint64_t idx);

/* Current size and root, taken together under the log's lock. */
void lc_seglog_head(struct lc_seglog *l, uint64_t *size, uint8_t root[LC_HASH_LEN]);
/* Root at an earlier size n <= lc_seglog_size. */
LC_MUST_USE enum lc_err lc_seglog_root(struct lc_seglog *l, uint64_t n, uint8_t root[LC_HASH_LEN]);
LC_MUST_USE enum lc_err lc_seglog_inclusion(struct lc_seglog *l, uint64_t idx, uint64_t size,
                                         uint8_t path[][LC_HASH_LEN], size_t *count);
LC_MUST_USE enum lc_err lc_seglog_consistency(struct lc_seglog *l, uint64_t m, uint64_t n,
                                           uint8_t proof[][LC_HASH_LEN], size_t *count);

struct lc_seglog_stats {
    uint64_t appends; /* records appended since open */
    uint64_t commits; /* commit groups since open (each one write + one
                         fdatasync of the segment, + one of keys.dat if a
                         record had a key) */
};
void lc_seglog_stats(struct lc_seglog *l, struct lc_seglog_stats *out);

/* Decodes the frames in buf[0..n) (a whole segment file, its first record
 * being first_index) and calls fn (may be NULL) for each good one in order;
 * fn returning non-zero stops, with LC_OK.  *good is set to the byte length
 * of the valid frames.  Returns LC_OK when the buffer is valid frames,
 * optionally followed by zeros (preallocated space: *good < n then),
 * LC_ECORRUPT at the first bad frame, with *good its offset, *bad_index its
 * expected index and "offset <o>: record <i>: <why>" in err.  This is the
 * segment reader that open and verify use, exposed for the fuzzer and
 * tests. */
LC_MUST_USE enum lc_err lc_seglog_decode(const uint8_t *buf, size_t n, uint64_t first_index,
                                      int (*fn)(void *ctx, uint64_t idx, const uint8_t *p,
                                                size_t len),
                                      void *ctx, size_t *good, uint64_t *bad_index, char *err,
                                      size_t errlen);

/* Re-reads every segment of the log in dir (which must not be open for
 * writing elsewhere: LC_EBUSY), checking frames, indexes, segment names
 * and order, and rebuilding the tree.  On LC_OK *size and root describe
 * the whole log.  On LC_ECORRUPT *bad_index is the first bad record (for a
 * missing segment, the first record it should have held; for damage after
 * the last record, the next index) and err says why.  Torn tails are
 * reported, not cut; zeros after the last frame of the last segment (a
 * crashed writer's preallocation) are not damage.  Removing whole records
 * from the end cannot be seen here: compare with a signed checkpoint. */
LC_MUST_USE enum lc_err lc_seglog_verify_dir(const char *dir, uint64_t *size,
                                          uint8_t root[LC_HASH_LEN], uint64_t *bad_index,
                                          char *err, size_t errlen);

#endif
