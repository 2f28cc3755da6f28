/* Non-finite values reaching a generated library's training step.
 * - An infinite or NaN pixel: the digits dendritic network's sigmoids
 *   saturate, so its loss stayed finite while w1's row became infinite and
 *   the step returned CREDO_OK. The step now refuses the input, naming it
 *   and the element, and leaves the parameters as they were.
 * - HM2-BP with a NaN weight: its count-margin loss masked NaN counts and
 *   reported a loss of 0 with CREDO_OK. The loss is now NaN, so the step
 *   is refused and the parameters are kept. */
#include "digits_dendritic.h"
#include "digits_hm2bp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static float x[16 * 64];
static float before[64 * 100], after[64 * 100];

int main(void) {
  int bad = 0;
  for (int i = 0; i < 16 * 64; ++i)
    x[i] = (float)(i % 7) / 7.0f;

  digits_dendritic_model *d = 0;
  if (digits_dendritic_create(&d) != CREDO_OK)
    return 1;
  int32_t label = 3;
  float loss = 0;
  const float values[2] = {INFINITY, NAN};
  for (int k = 0; k < 2; ++k) {
    digits_dendritic_get_param(d, "w1", before, 64 * 50 * sizeof(float));
    x[5] = values[k];
    credo_status s = digits_dendritic_train_step(d, x, &label, 0.2f, &loss);
    printf("dendritic, x[5] = %g: %d %s\n", x[5], (int)s, credo_last_error());
    bad += s != CREDO_ERR_INVALID_ARGUMENT;
    digits_dendritic_get_param(d, "w1", after, 64 * 50 * sizeof(float));
    bad += memcmp(before, after, 64 * 50 * sizeof(float)) != 0;
  }
  x[5] = 0.5f;
  credo_status s = digits_dendritic_train_step(d, x, &label, 0.2f, &loss);
  digits_dendritic_get_param(d, "w1", after, 64 * 50 * sizeof(float));
  int finite = 1;
  for (int i = 0; i < 64 * 50; ++i)
    finite &= isfinite(after[i]) != 0;
  printf("dendritic, then a finite batch: %d, finite w1 %d\n", (int)s, finite);
  bad += s != CREDO_OK || !finite;
  digits_dendritic_destroy(d);

  digits_hm2bp_model *h = 0;
  if (digits_hm2bp_create(&h) != CREDO_OK)
    return 1;
  int32_t labels[16];
  for (int i = 0; i < 16; ++i)
    labels[i] = i % 10;
#ifdef ROWS
  x[70] = INFINITY;
  s = digits_hm2bp_train_step(h, x, labels, 0.01f, &loss);
  printf("hm2bp, x[70] = %g: %d %s\n", x[70], (int)s, credo_last_error());
  bad += s != CREDO_ERR_INVALID_ARGUMENT;
  x[70] = 0.5f;
#endif
  digits_hm2bp_get_param(h, "w1", before, sizeof before);
  memcpy(after, before, sizeof after);
  after[7] = NAN;
  digits_hm2bp_set_param(h, "w1", after, sizeof after);
  s = digits_hm2bp_train_step(h, x, labels, 0.01f, &loss);
  printf("hm2bp, a NaN weight: %d %s\n", (int)s, credo_last_error());
  bad += s != CREDO_ERR_INVALID_ARGUMENT;
  float kept[64 * 100];
  digits_hm2bp_get_param(h, "w1", kept, sizeof kept);
  bad += memcmp(kept, after, sizeof kept) != 0;
  digits_hm2bp_destroy(h);

  printf("%d wrong\n", bad);
  return bad != 0;
}
