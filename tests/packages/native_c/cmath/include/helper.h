/* helper.h -- found through the package's (include "include") */
#ifndef HELPER_H
#define HELPER_H

#include <stdint.h>

#define HELPER_SCALE 3

int64_t helper_triple(int64_t n);
double helper_hypot_scaled(double x, double y);
double helper_log2_floor(double x);

#endif
