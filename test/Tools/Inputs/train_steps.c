/* Trains a generated library (credoc build --train) from C: twenty steps
 * of NAME_train_step on one fixed batch must lower the loss, and
 * NAME_forward must see the updated parameters. */
#include "fashion_mnist_mlp.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  fashion_mnist_mlp_model *m = 0;
  if (fashion_mnist_mlp_create(&m) != CREDO_OK)
    return 1;
  enum { B = 4 };
  static float x[B * 784], logits[B * 10];
  int32_t labels[B] = {1, 4, 7, 9};
  for (int i = 0; i < B * 784; ++i)
    x[i] = (float)((i * 37) % 101) / 101.0f;
  float first = 0, loss = 0, forward = 0;
  for (int step = 0; step < 20; ++step) {
    if (fashion_mnist_mlp_train_step(m, x, labels, 0.1f, &loss) != CREDO_OK) {
      fprintf(stderr, "train_step failed: %s\n", credo_last_error());
      return 2;
    }
    if (step == 0)
      first = loss;
  }
  if (fashion_mnist_mlp_forward(m, x, labels, logits, &forward) != CREDO_OK)
    return 3;
  float eval = 0;
  if (fashion_mnist_mlp_eval_step(m, x, labels, logits, &eval) != CREDO_OK ||
      eval != forward)
    return 6;
  printf("loss %.4f -> %.4f, forward %.4f\n", first, loss, forward);
  if (!(loss < 0.5f * first) || !(forward <= loss))
    return 4;
  if (fashion_mnist_mlp_train_step(0, x, labels, 0.1f, &loss) !=
      CREDO_ERR_INVALID_ARGUMENT)
    return 5;
  /* Each entry's errors name that entry. */
  if (fashion_mnist_mlp_eval_step(m, 0, labels, logits, &eval) !=
          CREDO_ERR_INVALID_ARGUMENT ||
      !strstr(credo_last_error(), "fashion_mnist_mlp_eval_step")) {
    fprintf(stderr, "eval_step error: %s\n", credo_last_error());
    return 7;
  }
  fashion_mnist_mlp_destroy(m);
  printf("ok\n");
  return 0;
}
