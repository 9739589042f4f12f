#include <stdio.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
typedef struct { double x, y, z; } Vec3;
static Vec3 add(Vec3 a, Vec3 b) { Vec3 r = { a.x + b.x, a.y + b.y, a.z + b.z }; return r; }
static Vec3 scale(Vec3 a, double k) { Vec3 r = { a.x * k, a.y * k, a.z * k }; return r; }
/* Weir's float printing: integral values with ".0", otherwise the shortest round-trip form. */
static void print_f64(double v) {
  if (isfinite(v) && v == trunc(v)) { printf("%.1f\n", v); return; }
  char buf[64];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*g", p, v);
    if (strtod(buf, NULL) == v) break;
  }
  /* The Weir form never uses exponents; the benchmark values stay in a range where %g does not. */
  printf("%s\n", buf);
}
int main(void) {
  Vec3 pos = { 1.0, 2.0, 3.0 }, vel = { 0.0, 0.5, -0.25 };
  for (int64_t i = 0; i < 5000000; i++) {
    Vec3 acc = scale(pos, -0.001);
    Vec3 vel2 = add(vel, scale(acc, 0.01));
    Vec3 pos2 = add(pos, scale(vel2, 0.01));
    pos = pos2; vel = vel2;
  }
  print_f64(pos.x); print_f64(pos.y); print_f64(pos.z);
  return 0;
}
