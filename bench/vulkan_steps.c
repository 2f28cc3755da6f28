/* Training steps per second of a library built from
 * examples/fashion_mnist_mlp.json (credoc build --train, any target and
 * batch): a few warm-up steps, then STEPS steps of
 * fashion_mnist_mlp_train_step on one fixed batch; prints
 * "steps/s S samples/s X loss L0 -> L1". argv: BATCH STEPS */
#include "fashion_mnist_mlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  int batch = atoi(argv[1]), steps = atoi(argv[2]);
  fashion_mnist_mlp_model *m = 0;
  if (fashion_mnist_mlp_create(&m) != CREDO_OK) {
    fprintf(stderr, "create: %s\n", credo_last_error());
    return 1;
  }
  float *x = malloc(sizeof(float) * (size_t)batch * 784);
  int32_t *labels = malloc(sizeof(int32_t) * (size_t)batch);
  for (long i = 0; i < (long)batch * 784; ++i)
    x[i] = (float)((i * 37) % 101) / 101.0f;
  for (int i = 0; i < batch; ++i)
    labels[i] = (i * 7) % 10;
  float first = 0, loss = 0;
  for (int s = 0; s < 3; ++s)
    if (fashion_mnist_mlp_train_step(m, x, labels, 0.01f, &first) != CREDO_OK) {
      fprintf(stderr, "train_step: %s\n", credo_last_error());
      return 1;
    }
  double t0 = now();
  for (int s = 0; s < steps; ++s)
    if (fashion_mnist_mlp_train_step(m, x, labels, 0.01f, &loss) != CREDO_OK) {
      fprintf(stderr, "train_step: %s\n", credo_last_error());
      return 1;
    }
  double dt = now() - t0;
  printf("steps/s %.2f samples/s %.1f loss %.4f -> %.4f\n", steps / dt,
         steps * (double)batch / dt, first, loss);
  fashion_mnist_mlp_destroy(m);
  free(x);
  free(labels);
  return 0;
}
