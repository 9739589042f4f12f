/* The C side of the Weir package `{{name}}` (see {{name}}.h). */
#include "{{name}}.h"

#include <math.h>

double {{c_name}}_norm3(double x, double y, double z) {
    return hypot(hypot(x, y), z);
}

int64_t {{c_name}}_gcd(int64_t a, int64_t b) {
    uint64_t x = a < 0 ? -(uint64_t)a : (uint64_t)a;
    uint64_t y = b < 0 ? -(uint64_t)b : (uint64_t)b;
    while (y != 0) {
        uint64_t r = x % y;
        x = y;
        y = r;
    }
    return (int64_t)x;
}
