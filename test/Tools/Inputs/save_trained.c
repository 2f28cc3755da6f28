/* One training step of tiny_classifier's library (built with --train,
 * Adam: its moments and step count are parameters too), then
 * tiny_classifier_save to argv[1]: the checkpoint must list that state, so
 * that the model built for inference loads it. */
#include "tiny_classifier.h"

#include <stdio.h>

int main(int argc, char **argv) {
  tiny_classifier_model *m = 0;
  if (argc < 2 || tiny_classifier_create(&m) != CREDO_OK)
    return 1;
  float x[8 * 16], loss = 0;
  int32_t labels[8];
  for (int i = 0; i < 8 * 16; ++i)
    x[i] = (float)(i % 7) / 7.0f;
  for (int i = 0; i < 8; ++i)
    labels[i] = i % 3;
  if (tiny_classifier_train_step(m, x, labels, 0.05f, &loss) != CREDO_OK ||
      tiny_classifier_save(m, argv[1]) != CREDO_OK) {
    fprintf(stderr, "%s\n", credo_last_error());
    return 2;
  }
  tiny_classifier_destroy(m);
  printf("saved after one step, loss %.4f\n", loss);
  return 0;
}
