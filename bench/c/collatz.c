#include <stdio.h>
#include <stdint.h>
static int64_t steps(int64_t n, int64_t acc) {
  while (n != 1) { n = (n % 2 == 0) ? n / 2 : 3 * n + 1; acc++; }
  return acc;
}
int main(void) {
  int64_t best = 1, best_len = 1;
  for (int64_t i = 1; i < 1000000; i++) {
    int64_t len = steps(i, 1);
    if (len > best_len) { best = i; best_len = len; }
  }
  printf("%lld\n", (long long)best);
  return 0;
}
