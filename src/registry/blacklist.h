/* blacklist.h -- the in-memory blacklist index used on every gate decision.
 *
 * Entries are keyed on the blind index of a resident ID number or credit code
 * (ident/seal.h), never on an account, so a person re-registering under a new
 * account still matches.  The store holds the entries; this index mirrors
 * them, is loaded at start and updated on every write, and answers in O(1)
 * under a read lock. */
#ifndef LC_REGISTRY_BLACKLIST_H
#define LC_REGISTRY_BLACKLIST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct lc_blacklist;

LC_MUST_USE enum lc_err lc_blacklist_new(struct lc_blacklist **out);
void lc_blacklist_free(struct lc_blacklist *bl);
/* Records that key is listed until expires_at (the latest expiry wins). */
LC_MUST_USE enum lc_err lc_blacklist_put(struct lc_blacklist *bl, const char *key,
                                         int64_t expires_at);
/* Sets key's expiry to exactly expires_at (after an entry was lifted, the
 * latest expiry among the entries left). */
LC_MUST_USE enum lc_err lc_blacklist_set(struct lc_blacklist *bl, const char *key,
                                         int64_t expires_at);
/* True when key has an entry that has not expired at now. */
bool lc_blacklist_active(struct lc_blacklist *bl, const char *key, int64_t now);

#endif
