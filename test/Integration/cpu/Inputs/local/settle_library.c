/* The dendritic rule's unsupervised phase from a generated library:
 * digits_dendritic_settle_step steps only W^IP and W^PI (the interneurons'
 * and apical weights), leaves the forward weights w1 and w2 as they were,
 * and its apical mismatch falls as the circuit learns to predict itself;
 * a NaN input is refused with the parameters kept. */
#include "digits_dendritic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float w1a[64 * 50], w1b[64 * 50], w2a[50 * 10], w2b[50 * 10];
static float ipa[50 * 10], ipb[50 * 10];

int main(void) {
  digits_dendritic_model *m = 0;
  if (digits_dendritic_create(&m) != CREDO_OK)
    return 1;
  int bad = 0;
  digits_dendritic_get_param(m, "w1", w1a, sizeof w1a);
  digits_dendritic_get_param(m, "w2", w2a, sizeof w2a);
  digits_dendritic_get_param(m, "w1_ip", ipa, sizeof ipa);
  float x[64], mismatch = 0, first = 0, last = 0;
  int32_t label = 0;
  srand(7);
  const int steps = 3000;
  for (int s = 0; s < steps; ++s) {
    for (int i = 0; i < 64; ++i)
      x[i] = (float)(rand() % 17) / 16.0f;
    if (digits_dendritic_settle_step(m, x, &label, 0.2f, &mismatch) !=
        CREDO_OK) {
      printf("step %d: %s\n", s, credo_last_error());
      return 1;
    }
    if (s < 200)
      first += mismatch / 200;
    if (s >= steps - 200)
      last += mismatch / 200;
  }
  printf("mismatch: first 200 steps %.4g, last 200 %.4g\n", first, last);
  bad += !(last < 0.5f * first);
  digits_dendritic_get_param(m, "w1", w1b, sizeof w1b);
  digits_dendritic_get_param(m, "w2", w2b, sizeof w2b);
  digits_dendritic_get_param(m, "w1_ip", ipb, sizeof ipb);
  int forwardKept =
      !memcmp(w1a, w1b, sizeof w1a) && !memcmp(w2a, w2b, sizeof w2a);
  int ipMoved = memcmp(ipa, ipb, sizeof ipa) != 0;
  printf("w1 and w2 kept: %d, W^IP moved: %d\n", forwardKept, ipMoved);
  bad += !forwardKept || !ipMoved;
  x[3] = NAN;
  credo_status s = digits_dendritic_settle_step(m, x, &label, 0.2f, &mismatch);
  printf("NaN input: %d %s\n", (int)s, credo_last_error());
  bad += s != CREDO_ERR_INVALID_ARGUMENT;
  digits_dendritic_get_param(m, "w1_ip", ipa, sizeof ipa);
  bad += memcmp(ipa, ipb, sizeof ipa) != 0;
  digits_dendritic_destroy(m);
  printf("%d wrong\n", bad);
  return bad != 0;
}
