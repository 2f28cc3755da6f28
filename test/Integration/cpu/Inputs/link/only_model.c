/* A program that calls only the model's functions (no credo_* symbol of its
 * own): linked as runtime.md says, with --as-needed as many toolchains
 * default to, it must still find libcredo_runtime. */
#include "fashion_mnist_mlp.h"

#include <stdio.h>

int main(void) {
  fashion_mnist_mlp_model *m = 0;
  if (fashion_mnist_mlp_create(&m) != CREDO_OK)
    return 1;
  static float x[2 * 784], logits[2 * 10], loss;
  static int32_t labels[2];
  int ok = fashion_mnist_mlp_forward(m, x, labels, logits, &loss) == CREDO_OK;
  fashion_mnist_mlp_destroy(m);
  printf("only the model's functions: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
