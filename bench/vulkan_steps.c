/* Training steps per second of a library built with credoc build --train
 * (any target and batch) from a Fashion-MNIST classifier (inputs x of 784
 * pixels per sample and labels; MODEL, default fashion_mnist_mlp, names
 * it: -DMODEL=fashion_mnist_cnn): a few warm-up steps, then STEPS steps of
 * MODEL_train_step on one fixed batch; prints
 * "steps/s S samples/s X loss L0 -> L1". argv: BATCH STEPS */
#ifndef MODEL
#define MODEL fashion_mnist_mlp
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(suffix) CAT(MODEL, suffix)
#include STR(MODEL.h)

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
  FN(_model) *m = 0;
  if (FN(_create)(&m) != CREDO_OK) {
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
    if (FN(_train_step)(m, x, labels, 0.01f, &first) != CREDO_OK) {
      fprintf(stderr, "train_step: %s\n", credo_last_error());
      return 1;
    }
  double t0 = now();
  for (int s = 0; s < steps; ++s)
    if (FN(_train_step)(m, x, labels, 0.01f, &loss) != CREDO_OK) {
      fprintf(stderr, "train_step: %s\n", credo_last_error());
      return 1;
    }
  double dt = now() - t0;
  printf("steps/s %.2f samples/s %.1f loss %.4f -> %.4f\n", steps / dt,
         steps * (double)batch / dt, first, loss);
  FN(_destroy)(m);
  free(x);
  free(labels);
  return 0;
}
