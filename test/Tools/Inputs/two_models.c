/* Links two generated models into one program: every exported symbol
 * carries its model's name, so they cannot clash. */
#include "fashion_mnist_cnn.h"
#include "fashion_mnist_mlp.h"

#include <stdio.h>

int main(void) {
  fashion_mnist_mlp_model *mlp = 0;
  fashion_mnist_cnn_model *cnn = 0;
  if (fashion_mnist_mlp_create(&mlp) != CREDO_OK ||
      fashion_mnist_cnn_create(&cnn) != CREDO_OK) {
    fprintf(stderr, "create failed: %s\n", credo_last_error());
    return 1;
  }
  static float x[2 * 784], logits[2 * 10];
  int labels[2] = {3, 7};
  float loss = 0;
  for (int i = 0; i < 2 * 784; ++i)
    x[i] = (float)(i % 17) / 17.0f;
  if (fashion_mnist_mlp_forward(mlp, x, labels, logits, &loss) != CREDO_OK)
    return 2;
  printf("mlp loss %.4f\n", loss);
  if (fashion_mnist_cnn_forward(cnn, x, labels, logits, &loss) != CREDO_OK)
    return 3;
  printf("cnn loss %.4f\n", loss);
  /* A null model is an error, not a crash. */
  if (fashion_mnist_mlp_forward(0, x, labels, logits, &loss) !=
      CREDO_ERR_INVALID_ARGUMENT)
    return 4;
  fashion_mnist_mlp_destroy(mlp);
  fashion_mnist_cnn_destroy(cnn);
  printf("ok\n");
  return 0;
}
