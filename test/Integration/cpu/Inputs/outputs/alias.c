/* Calls alias_forward, whose outputs name an input (x), a parameter (w), a
 * reshape of the input (r) and two equal values (a, b); checks every output
 * against values computed here. */
#include "alias.h"

#include <math.h>
#include <stdio.h>

int main(void) {
  alias_model *m = 0;
  if (alias_create(&m) != CREDO_OK) {
    fprintf(stderr, "create: %s\n", credo_last_error());
    return 1;
  }
  float w[6] = {1, -2, 0.5f, 3, -1, 0.25f}, x[6] = {1, -2, 3, -4, 5, -6};
  if (alias_set_param(m, "w", w, sizeof w) != CREDO_OK)
    return 2;
  float y[4], xo[6], wo[6], a[6], b[6], r[6];
  if (alias_forward(m, x, y, xo, wo, a, b, r) != CREDO_OK) {
    fprintf(stderr, "forward: %s\n", credo_last_error());
    return 3;
  }
  int bad = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      float want = 0;
      for (int k = 0; k < 3; ++k)
        want += x[i * 3 + k] * w[k * 2 + j];
      bad += fabsf(y[i * 2 + j] - want) > 1e-5f;
    }
  for (int i = 0; i < 6; ++i) {
    float relu = x[i] > 0 ? x[i] : 0;
    bad += xo[i] != x[i] || wo[i] != w[i] || r[i] != x[i] || a[i] != relu ||
           b[i] != relu;
  }
  alias_destroy(m);
  printf("alias: %d wrong values\n", bad);
  return bad != 0;
}
