#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
typedef struct { char *name; int64_t *tags; int64_t ntags; int64_t score; } Rec;
int main(void) {
  int64_t n = 1000000, total = 0, nlive = 0, cap = 16;
  Rec **live = malloc(cap * sizeof *live);
  for (int64_t i = 0; i < n; i++) {
    Rec *r = malloc(sizeof *r);
    char buf[32];
    int len = snprintf(buf, sizeof buf, "item-%lld", (long long)i);
    r->name = malloc(len + 1);
    memcpy(r->name, buf, len + 1);
    r->tags = malloc(3 * sizeof(int64_t));
    r->tags[0] = i; r->tags[1] = i * 2; r->tags[2] = i * 3; r->ntags = 3;
    r->score = (i * 7) % 1000;
    total += r->score + r->ntags + (int64_t)strlen(r->name);
    if (i % 1000 == 0) {
      if (nlive == cap) { cap *= 2; live = realloc(live, cap * sizeof *live); }
      live[nlive++] = r;
    } else {
      free(r->name); free(r->tags); free(r);
    }
  }
  printf("%lld\n", (long long)(total + nlive));
  return 0;
}
