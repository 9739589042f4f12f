/* helper.c -- native source of the cmath package */
#include <math.h>
#include "helper.h"

int64_t helper_triple(int64_t n) {
    return n * HELPER_SCALE;
}

double helper_hypot_scaled(double x, double y) {
    return HELPER_SCALE * sqrt(x * x + y * y);
}

double helper_log2_floor(double x) {
    return floor(log2(x));
}
