#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
int main(void) {
  int64_t total = 0;
  for (int64_t i = 0; i < 1000000; i++) {
    char buf[64];
    int len = snprintf(buf, sizeof buf, "key-%lld:%lld;", (long long)i, (long long)(i * 2));
    char *s = malloc(len + 1);
    memcpy(s, buf, len + 1);
    total += (int64_t)strlen(s);
    free(s);
  }
  printf("%lld\n", (long long)total);
  return 0;
}
