/* A label outside [0, classes) in a generated library's forward pass and
 * training step: an error naming its position and value, and the training
 * step leaves the parameters as they were. */
#include "tiny_classifier.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  tiny_classifier_model *m = 0;
  if (tiny_classifier_create(&m) != CREDO_OK)
    return 1;
  float x[8 * 16], logits[8 * 3], loss = 0, before[48], after[48];
  for (int i = 0; i < 8 * 16; ++i)
    x[i] = (float)(i % 7) / 7.0f;
  int32_t labels[8] = {0, 1, 2, 0, 1, 2, 3, 0};
  int bad = 0;
  credo_status s = tiny_classifier_forward(m, x, labels, logits, &loss);
  printf("forward: %d %s\n", (int)s, credo_last_error());
  bad += s != CREDO_ERR_INVALID_ARGUMENT;
  tiny_classifier_get_param(m, "w", before, sizeof before);
  s = tiny_classifier_train_step(m, x, labels, 0.5f, &loss);
  printf("train_step: %d %s\n", (int)s, credo_last_error());
  bad += s != CREDO_ERR_INVALID_ARGUMENT;
  tiny_classifier_get_param(m, "w", after, sizeof after);
  bad += memcmp(before, after, sizeof before) != 0;
  labels[6] = 2;
  s = tiny_classifier_train_step(m, x, labels, 0.5f, &loss);
  bad += s != CREDO_OK;
  tiny_classifier_get_param(m, "w", after, sizeof after);
  bad += memcmp(before, after, sizeof before) == 0;
  tiny_classifier_destroy(m);
  printf("%d wrong\n", bad);
  return bad != 0;
}
