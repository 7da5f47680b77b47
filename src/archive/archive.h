/* archive.h -- the records a platform must keep (R15-R19, R22): appended
 * to a tamper-evident log, signed into checkpoints, kept for their
 * retention period, held for legal cases, purged of personal data after,
 * and exported as evidence bundles a regulator verifies offline.
 *
 * Files under <data>/archive/: log/ (seglog.h: segments and per-record
 * keys), checkpoint.key (Ed25519, 0600), checkpoints (every signed
 * checkpoint, one note after another, separated by a line "~~").
 *
 * A record is a JSON object {"type", "ts" (event time, RFC 3339), "at"
 * (append time), "data" {...}, "sealed"?}.  Its canonical bytes (sorted
 * keys, compact) are the Merkle leaf.  Personal fields of data (see
 * lc_archive_personal) are moved into "sealed": XChaCha20-Poly1305 under a
 * key of the record's own, kept in the log's key slots; purging destroys
 * the key, so the leaf and every proof stay valid and the content is gone.
 *
 * Retention (the state model of docs/ARCHIVE.md, rebuilt from the log on
 * open: every retention change is itself a record):
 *   - order:<order_id> is open until the order completes (state completed
 *     or refunded); it is then kept LC_ARCHIVE_KEEP_SECONDS from the latest
 *     completion;
 *   - session:<room_id> covers a room's records; it is kept until
 *     LC_ARCHIVE_KEEP_SECONDS after the later of its last record and the
 *     completion of the last order placed in the room, and is open while
 *     such an order is;
 *   - extensions only lengthen; holds block purge whatever the clock says.
 * A record may be purged when every group it belongs to has expired and no
 * active hold covers it (same order, room or host). */
#ifndef LC_ARCHIVE_ARCHIVE_H
#define LC_ARCHIVE_ARCHIVE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "archive/merkle.h"
#include "core/err.h"

/* Three years of 365.25 days plus a 31-day margin. */
#define LC_ARCHIVE_KEEP_SECONDS ((int64_t)(3 * 36525 * 864 + 31 * 86400))
#define LC_ARCHIVE_MAX_RECORD (1 << 20)

struct lc_archive;

/* Opens <dir>/archive (creating it), recovers the log, rebuilds the
 * retention index and checks the log against the last stored checkpoint
 * (a shorter log or a different root is LC_ECORRUPT: rollback or tamper).
 * origin names the log in checkpoints ("livecomply/archive" when NULL).
 * checkpoint_ms > 0 starts a thread signing a checkpoint that often while
 * records arrive; 0 leaves it to lc_archive_checkpoint (tools, tests). */
LC_MUST_USE enum lc_err lc_archive_open(const char *dir, const char *origin,
                                        unsigned checkpoint_ms, struct lc_archive **out,
                                        char *err, size_t errlen);
/* Signs a last checkpoint if records arrived since the previous one, then
 * closes.  NULL is fine. */
void lc_archive_close(struct lc_archive *a);

/* Appends records, durably, as consecutive log entries.  Each recs[i] is
 * {"type": string, "ts": RFC 3339, "data": object} (borrowed, unchanged);
 * personal fields of data are sealed.  *first (may be NULL) gets the first
 * index.  LC_EINVAL with a message for a malformed record (nothing is
 * appended), LC_EIO once the log has failed. */
LC_MUST_USE enum lc_err lc_archive_append(struct lc_archive *a, json_t *const *recs, size_t n,
                                          uint64_t *first, struct lc_errinfo *e);

/* The archiver: a store observer (store.h) appending every committed
 * write, except hashed API tokens.  Events keep their type and time; other
 * kinds become records of that type; data carries _kind, _id and _op.  Gate
 * decisions (the high-rate kind) are queued and appended by a thread of its
 * own, once batch records wait or the oldest has waited flush_ms, so a
 * request does not wait for the log.  Other kinds are appended before the
 * observer returns.  If an append fails the archiver stops taking decisions
 * (later observer calls return LC_EIO, so requests fail closed) and the
 * next start's lc_archiver_reconcile repairs the gap.  lc_archiver_free
 * drains the queue; call it after the last write and before
 * lc_archive_close. */
struct lc_archiver;
struct lc_store;
struct lc_write;
LC_MUST_USE enum lc_err lc_archiver_new(struct lc_archive *a, unsigned flush_ms, size_t batch,
                                        struct lc_archiver **out);
void lc_archiver_free(struct lc_archiver *r);
/* The observer; ctx is the archiver. */
LC_MUST_USE enum lc_err lc_archiver_observe(void *ctx, const struct lc_write *w, size_t n);
/* Re-mirrors every recent gate decision whose current state (inserted;
 * session ended) is not in the archive, e.g. one committed just before a
 * crash emptied the queue.  "Recent" is bounded by the archive itself: the
 * log is read backwards until a decision appended margin seconds before the
 * newest one; then the store's decisions created since that time are
 * checked, and sessions (allow decisions) created up to session_max seconds
 * earlier, since ending a session updates an older record.  *repaired (may
 * be NULL) counts records appended.  Run before the store takes writes. */
LC_MUST_USE enum lc_err lc_archiver_reconcile(struct lc_archive *a, struct lc_store *s,
                                              int64_t margin, int64_t session_max,
                                              size_t *repaired);

/* Signs and stores a checkpoint of the current tree if it grew; *note (may
 * be NULL) gets a heap copy of the latest signed checkpoint. */
LC_MUST_USE enum lc_err lc_archive_checkpoint(struct lc_archive *a, char **note);
/* Consistency proof between tree sizes m and n (0 < m <= n <= size):
 * *out is {"from","to","root_from","root_to","proof":[base64...]} (RFC 6962
 * section 2.1.2), so a holder of an old checkpoint can check the log only
 * grew. */
LC_MUST_USE enum lc_err lc_archive_consistency(struct lc_archive *a, uint64_t m, uint64_t n,
                                               json_t **out, struct lc_errinfo *e);
/* The verifier key ("name+keyid+base64"), borrowed. */
const char *lc_archive_vkey(const struct lc_archive *a);
uint64_t lc_archive_size(struct lc_archive *a);

/* Is a data field personal (sealed in the log, masked on export)? */
int lc_archive_personal(const char *field);

/* Legal holds.  in: {"order_id"|"room_id"|"host_id": id, "case_id", "reason"}
 * (exactly one target).  The hold is logged; *out is the hold
 * {"id","target","value","case_id","reason","by","created_at","active"}. */
LC_MUST_USE enum lc_err lc_archive_hold(struct lc_archive *a, json_t *in, const char *by,
                                        json_t **out, struct lc_errinfo *e);
LC_MUST_USE enum lc_err lc_archive_hold_release(struct lc_archive *a, const char *id,
                                                const char *by, json_t **out,
                                                struct lc_errinfo *e);
/* All holds, newest first, as a new JSON array. */
json_t *lc_archive_holds(struct lc_archive *a);

/* Retention of one group ("order:<id>" or "session:<room_id>"): *out is
 * {"group","state":"open"|"retained"|"expired","until","records","held"}. */
LC_MUST_USE enum lc_err lc_archive_retention(struct lc_archive *a, const char *group,
                                             int64_t now, json_t **out, struct lc_errinfo *e);
/* Extends a group's retention to until (never shortens: an earlier until
 * is LC_ECONFLICT).  Logged. */
LC_MUST_USE enum lc_err lc_archive_extend(struct lc_archive *a, const char *group,
                                          int64_t until, const char *by, struct lc_errinfo *e);

/* Purges one group's records: LC_EDENIED ("retention_not_expired" /
 * "legal_hold") unless every record in it may be purged at now.  Logged
 * before the keys are destroyed.  *purged (may be NULL) counts records. */
LC_MUST_USE enum lc_err lc_archive_purge_group(struct lc_archive *a, const char *group,
                                               int64_t now, const char *by, size_t *purged,
                                               struct lc_errinfo *e);
/* Purges every record that may be purged at now (the daily job). */
LC_MUST_USE enum lc_err lc_archive_purge_expired(struct lc_archive *a, int64_t now,
                                                 const char *by, size_t *purged,
                                                 struct lc_errinfo *e);

/* Reads record idx as {"index","record"(canonical JSON object),"content"
 * (data with personal fields opened, or masked unless reveal, or absent
 * when purged),"purged"}. */
LC_MUST_USE enum lc_err lc_archive_get(struct lc_archive *a, uint64_t idx, int reveal,
                                       json_t **out, struct lc_errinfo *e);

/* Evidence bundle (format in docs/ARCHIVE.md) of every record whose data
 * has field == value (field: "room_id", "order_id" or "host_id"), with
 * inclusion proofs to a freshly signed checkpoint.  reveal puts personal
 * fields and record keys in clear (regulators); otherwise they are
 * masked.  *out is the bundle. */
LC_MUST_USE enum lc_err lc_archive_export(struct lc_archive *a, const char *field,
                                          const char *value, int reveal, json_t **out,
                                          struct lc_errinfo *e);

/* Re-checks a stopped archive under dir: every frame, the tree, and every
 * stored checkpoint's signature, size and root.  On failure report names
 * the first bad record or checkpoint.  *size gets the record count. */
LC_MUST_USE enum lc_err lc_archive_verify_dir(const char *dir, uint64_t *size, char *report,
                                              size_t cap);

/* Verifies a bundle offline.  vkey, when non-NULL, pins the log key (the
 * bundle's own key must equal it).  report (cap bytes) lists every failure,
 * one a line; *checked counts records.  LC_OK only if everything holds;
 * LC_EINVAL for a malformed bundle, LC_ECORRUPT for a failed check. */
LC_MUST_USE enum lc_err lc_bundle_verify(const char *buf, size_t len, const char *vkey,
                                         size_t *checked, char *report, size_t cap);

#endif
