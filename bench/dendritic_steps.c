/*===- bench/dendritic_steps.c - Two training steps, call by call
 *-----------===*
 *
 * Times NAME_train_step of two libraries built by `credoc build --train`
 * (loaded with dlopen, so any two models with inputs x: f32 [B, F] and
 * labels: i32 [B] compare), alternating rounds of STEPS calls, and prints
 * the fastest round's time per step of each and their ratio as one JSON
 * object. The inputs are fixed pseudo-pixels in [0, 1], half of them 0 (as
 * in Fashion-MNIST and the 8x8 digits), and labels i mod 10.
 *
 *   dendritic_steps LIB_A NAME_A LIB_B NAME_B BATCH FEATURES STEPS ROUNDS
 *
 *===----------------------------------------------------------------------===*/
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int (*create_fn)(void **);
typedef int (*step_fn)(void *, const float *, const int32_t *, float, float *);
typedef const char *(*error_fn)(void);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
  void *model;
  step_fn step;
  error_fn error;
  const char *name;
} Library;

static int open_library(Library *lib, const char *path, const char *name) {
  char symbol[256];
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    fprintf(stderr, "dendritic_steps: %s\n", dlerror());
    return 1;
  }
  snprintf(symbol, sizeof symbol, "%s_create", name);
  create_fn create = (create_fn)dlsym(handle, symbol);
  snprintf(symbol, sizeof symbol, "%s_train_step", name);
  lib->step = (step_fn)dlsym(handle, symbol);
  lib->error = (error_fn)dlsym(handle, "credo_last_error");
  lib->name = name;
  if (!create || !lib->step || !lib->error) {
    fprintf(stderr, "dendritic_steps: %s has no %s_create or %s_train_step\n",
            path, name, name);
    return 1;
  }
  if (create(&lib->model) != 0) {
    fprintf(stderr, "dendritic_steps: %s_create: %s\n", name, lib->error());
    return 1;
  }
  return 0;
}

/* Seconds per step of `steps` calls. */
static double round_time(Library *lib, const float *x, const int32_t *labels,
                         long steps, float lr) {
  float loss;
  double t = now();
  for (long s = 0; s < steps; ++s)
    if (lib->step(lib->model, x, labels, lr, &loss) != 0) {
      fprintf(stderr, "dendritic_steps: %s_train_step: %s\n", lib->name,
              lib->error());
      exit(1);
    }
  return (now() - t) / (double)steps;
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: dendritic_steps LIB_A NAME_A LIB_B NAME_B BATCH "
                    "FEATURES STEPS ROUNDS\n");
    return 2;
  }
  Library a, b;
  if (open_library(&a, argv[1], argv[2]) || open_library(&b, argv[3], argv[4]))
    return 1;
  long batch = atol(argv[5]), features = atol(argv[6]), steps = atol(argv[7]);
  int rounds = atoi(argv[8]);
  float *x = malloc(sizeof(float) * (size_t)(batch * features));
  int32_t *labels = malloc(sizeof(int32_t) * (size_t)batch);
  for (long i = 0; i < batch * features; ++i)
    x[i] = (i * 37) % 101 < 50 ? 0.0f : (float)((i * 53) % 97) / 96.0f;
  for (long i = 0; i < batch; ++i)
    labels[i] = (int32_t)(i % 10);
  /* A small learning rate keeps the parameters (and so the work) alike
   * from round to round. */
  const float lr = 1e-4f;
  round_time(&a, x, labels, steps / 10 + 1, lr); /* warm-up */
  round_time(&b, x, labels, steps / 10 + 1, lr);
  double best_a = 1e30, best_b = 1e30;
  for (int r = 0; r < rounds; ++r) {
    /* Alternate which goes first. */
    Library *first = r % 2 ? &b : &a, *second = r % 2 ? &a : &b;
    double t1 = round_time(first, x, labels, steps, lr);
    double t2 = round_time(second, x, labels, steps, lr);
    double ta = r % 2 ? t2 : t1, tb = r % 2 ? t1 : t2;
    if (ta < best_a)
      best_a = ta;
    if (tb < best_b)
      best_b = tb;
  }
  printf("{\"a\": \"%s\", \"b\": \"%s\", \"a_us\": %.4f, \"b_us\": %.4f, "
         "\"b_over_a\": %.4f}\n",
         argv[2], argv[4], best_a * 1e6, best_b * 1e6, best_b / best_a);
  free(x);
  free(labels);
  return 0;
}
