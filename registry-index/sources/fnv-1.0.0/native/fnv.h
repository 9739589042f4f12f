/* The C side of the Weir package `fnv`; src/lib.weir declares these functions in an
 * `extern "C"` block. FNV-1a: http://www.isthe.com/chongo/tech/comp/fnv/ */
#pragma once

#include <stdint.h>

/* The 64-bit FNV-1a hash of the NUL-terminated string s. */
uint64_t fnv_hash64(const char *s);

/* The 32-bit FNV-1a hash of the NUL-terminated string s. */
uint32_t fnv_hash32(const char *s);
