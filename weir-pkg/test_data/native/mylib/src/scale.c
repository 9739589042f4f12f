#include <stdlib.h>
#include "mylib.h"

int mylib_scaled(int x) {
    return abs(x) * MYLIB_SCALE;
}
