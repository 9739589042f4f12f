/* The C side of the Weir package `{{name}}`; src/lib.weir declares these functions in an
 * `extern "C"` block. Names start with the package name so that they cannot clash with
 * another package's symbols. */
#pragma once

#include <stdint.h>

/* The length of the vector (x, y, z). */
double {{c_name}}_norm3(double x, double y, double z);

/* The greatest common divisor of a and b (never negative). */
int64_t {{c_name}}_gcd(int64_t a, int64_t b);
