/* A NaN mean of a sparse hyperlayer (hyper64.json): it has no position, so
 * the outputs its tuple reaches are NaN in the evaluation form, and the
 * training form's loss is NaN too, which fails the step naming the
 * parameter. Before, the NaN was read as index 0: finite outputs, and a
 * training step that spread the NaN into the other parameters. A NaN
 * spread (which only the training form reads) fails the step the same
 * way; its densities had been taken as 0. */
#include "hyper64.h"

#include <math.h>
#include <stdio.h>

/* A new instance whose parameter `name` (10 values) holds NaN at `at`. */
static hyper64_model *withNaN(const char *name, int at) {
  hyper64_model *m = 0;
  double values[10];
  if (hyper64_create(&m) != CREDO_OK ||
      hyper64_get_param(m, name, values, sizeof values) != CREDO_OK)
    return 0;
  values[at] = NAN;
  if (hyper64_set_param(m, name, values, sizeof values) != CREDO_OK)
    return 0;
  return m;
}

int main(void) {
  hyper64_model *m = withNaN("mu", 0);
  if (!m)
    return 1;
  double x[4 * 8], t[4 * 6], y[4 * 6], loss = 0;
  for (int i = 0; i < 4 * 8; ++i)
    x[i] = (i % 7) * 0.25 - 0.5;
  for (int i = 0; i < 4 * 6; ++i)
    t[i] = 0.5;
  credo_status s = hyper64_forward(m, x, t, y, &loss);
  int nan = 0;
  for (int i = 0; i < 4 * 6; ++i)
    nan += isnan(y[i]);
  printf("forward: status %d, loss %s, %d NaN outputs\n", (int)s,
         isnan(loss) ? "nan" : "finite", nan);
  s = hyper64_train_step(m, x, t, 0.01, &loss);
  printf("train step: status %d: %s\n", (int)s, credo_last_error());
  hyper64_destroy(m);
  m = withNaN("sigma", 3);
  if (!m)
    return 1;
  s = hyper64_train_step(m, x, t, 0.01, &loss);
  printf("train step, NaN spread: status %d: %s\n", (int)s, credo_last_error());
  hyper64_destroy(m);
  return 0;
}
