/* ident.h -- identity numbers: validation, age, masking.
 *
 * Resident ID numbers follow GB 11643-1999 (18 characters, ISO 7064 MOD 11-2
 * check character, real birth date in characters 7-14).  Unified social
 * credit codes follow GB 32100-2015 (18 characters from 0-9 A-H J-N P-R T U W
 * X Y, mod-31 check character).  Masking keeps just enough to recognise a
 * value; it is what every response and log line shows by default. */
#ifndef LC_IDENT_IDENT_H
#define LC_IDENT_IDENT_H

#include <stddef.h>

#include "core/err.h"
#include "core/time.h"

#define LC_IDNUM_LEN 18

/* Validates a resident ID number.  On LC_OK writes the normalised form
 * (lower-case x upper-cased) into norm (19 bytes) and the birth date into
 * *birth (either may be NULL).  On LC_EINVAL writes a short reason into
 * why (e.g. "bad check character"), if why is non-NULL.  today is used to
 * refuse birth dates in the future. */
LC_MUST_USE enum lc_err lc_ident_check_id_number(const char *s, struct lc_date today,
                                                 char *norm, struct lc_date *birth,
                                                 char *why, size_t whylen);
/* Validates a unified social credit code; same conventions. */
LC_MUST_USE enum lc_err lc_ident_check_credit_code(const char *s, char *norm, char *why,
                                                   size_t whylen);
/* The check character an 18-character id would need, from its first 17
 * characters ('?' if they are not digits). */
char lc_ident_id_check_char(const char *first17);
/* Same for credit codes ('?' if a character is outside the alphabet). */
char lc_ident_credit_check_char(const char *first17);

/* Masks: "11010519491231002X" -> "1101**********002X"; a name keeps its first
 * character (UTF-8 code point) and stars the rest, one per code point
 * ("张三丰" -> "张**"); a phone keeps its first 3 and last 4 digits
 * ("13812345678" -> "138****5678").  Short values are starred entirely.
 * out receives a NUL-terminated string, truncated to outlen (never inside
 * a UTF-8 sequence).  They fail closed: an id of another length keeps 2
 * characters at each end (6 or more) or none; a name that is not valid UTF-8,
 * an id with non-ASCII bytes, or a phone with anything but digits and one
 * leading '+' (counted among the first 3) is starred byte for byte. */
void lc_ident_mask_id(const char *id, char *out, size_t outlen);
void lc_ident_mask_name(const char *name, char *out, size_t outlen);
void lc_ident_mask_phone(const char *phone, char *out, size_t outlen);

#endif
