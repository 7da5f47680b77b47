/* seglog_test.h -- test hooks into seglog.c, for tests/ only.
 *
 * They let a unit test reach paths that a healthy machine never takes (a
 * failing fdatasync) and check the CRC-32C code paths against each other.
 * The hooks are process-wide; nothing outside tests/ may include this. */
#ifndef LC_ARCHIVE_SEGLOG_TEST_H
#define LC_ARCHIVE_SEGLOG_TEST_H

#include <stddef.h>
#include <stdint.h>

/* The next fdatasync a log makes (a commit or a key destroy) fails as if
 * the disk had returned EIO. */
void lc_seglog_test_fail_next_sync(void);
/* CRC-32C (Castagnoli, as in iSCSI/ext4) of p[0..n). */
uint32_t lc_seglog_test_crc32c(const void *p, size_t n);
/* table != 0 forces the portable slice-by-8 code even where SSE4.2 is
 * there; 0 restores the default choice. */
void lc_seglog_test_crc_table(int table);

#endif
