/* What a generated training library refuses, keeping its parameters:
 * learning rates outside (0, 1e6) and a step whose loss is not finite (an
 * input with NaN or infinity). Then saves of one checkpoint path from two
 * threads while a third loads it: every save succeeds and every load sees
 * a whole file (never a partly written or empty one). argv: DIR (for the
 * checkpoint). Prints one line per check. */
#include "fashion_mnist_mlp.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { B = 4, N = 784 * 256 };
static float x[B * 784];
static int32_t labels[B] = {1, 4, 7, 9};
static fashion_mnist_mlp_model *m;
static char path[4096];
static int saveFailures, loadFailures;

static int sameParams(const float *before) {
  static float now[N];
  if (fashion_mnist_mlp_get_param(m, "fc1_w", now, sizeof now) != CREDO_OK)
    return 0;
  return memcmp(before, now, sizeof now) == 0;
}

static void *saver(void *arg) {
  (void)arg;
  for (int i = 0; i < 40; ++i)
    if (fashion_mnist_mlp_save(m, path) != CREDO_OK) {
      fprintf(stderr, "save: %s\n", credo_last_error());
      __atomic_add_fetch(&saveFailures, 1, __ATOMIC_SEQ_CST);
    }
  return 0;
}

static void *loader(void *arg) {
  fashion_mnist_mlp_model *other = arg;
  for (int i = 0; i < 80; ++i)
    if (fashion_mnist_mlp_load(other, path) != CREDO_OK) {
      fprintf(stderr, "load: %s\n", credo_last_error());
      __atomic_add_fetch(&loadFailures, 1, __ATOMIC_SEQ_CST);
    }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || fashion_mnist_mlp_create(&m) != CREDO_OK)
    return 1;
  for (int i = 0; i < B * 784; ++i)
    x[i] = (float)((i * 37) % 101) / 101.0f;
  static float before[N];
  if (fashion_mnist_mlp_get_param(m, "fc1_w", before, sizeof before) !=
      CREDO_OK)
    return 2;
  float loss = 12345.0f;
  const float rates[] = {NAN, INFINITY, -0.1f, 0.0f, 1e7f};
  for (int i = 0; i < 5; ++i) {
    credo_status s =
        fashion_mnist_mlp_train_step(m, x, labels, rates[i], &loss);
    printf("lr %g: %s; %s\n", rates[i],
           s == CREDO_ERR_INVALID_ARGUMENT ? credo_last_error() : "ACCEPTED",
           sameParams(before) ? "parameters kept" : "PARAMETERS CHANGED");
  }
  x[5] = NAN;
  credo_status s = fashion_mnist_mlp_train_step(m, x, labels, 0.1f, &loss);
  printf("NaN input: %s; %s\n",
         s == CREDO_ERR_INVALID_ARGUMENT ? credo_last_error() : "ACCEPTED",
         sameParams(before) ? "parameters kept" : "PARAMETERS CHANGED");
  x[5] = 0.5f;
  s = fashion_mnist_mlp_train_step(m, x, labels, 0.1f, &loss);
  printf("then a good step: %s; %s\n",
         s == CREDO_OK ? "ok" : credo_last_error(),
         sameParams(before) ? "PARAMETERS KEPT" : "parameters updated");

  snprintf(path, sizeof path, "%s/shared.safetensors", argv[1]);
  fashion_mnist_mlp_model *other = 0;
  if (fashion_mnist_mlp_save(m, path) != CREDO_OK ||
      fashion_mnist_mlp_create(&other) != CREDO_OK)
    return 3;
  pthread_t a, b, c;
  pthread_create(&a, 0, saver, 0);
  pthread_create(&b, 0, saver, 0);
  pthread_create(&c, 0, loader, other);
  pthread_join(a, 0);
  pthread_join(b, 0);
  pthread_join(c, 0);
  printf("concurrent saves: %d failed saves, %d failed loads\n", saveFailures,
         loadFailures);
  fashion_mnist_mlp_destroy(other);
  fashion_mnist_mlp_destroy(m);
  return 0;
}
