/* FNV-1a hashing for the Weir package `fnv` (see fnv.h). */
#include "fnv.h"

uint64_t fnv_hash64(const char *s) {
    uint64_t h = 14695981039346656037ull; /* offset basis */
    for (; *s != '\0'; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ull; /* FNV prime */
    }
    return h;
}

uint32_t fnv_hash32(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s != '\0'; s++) {
        h ^= (uint8_t)*s;
        h *= 16777619u;
    }
    return h;
}
