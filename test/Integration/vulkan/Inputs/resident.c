/* A training library's parameters between calls (credo_model_place: on a
 * Vulkan device, the parameters stay in its memory): every way the host
 * reaches them sees the latest values, and a failed step keeps them.
 * argv: OUT.safetensors (the parameters after the steps). Built against the
 * CPU and the Vulkan library of the same model; the test compares the
 * files. */
#include "fashion_mnist_mlp.h"

#include <stdio.h>
#include <string.h>

enum { B = 4, IN = 784, OUT = 10 };

static int fail(int code, const char *what) {
  fprintf(stderr, "%s: %s\n", what, credo_last_error());
  return code;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 1;
  fashion_mnist_mlp_model *m = 0, *copy = 0;
  if (fashion_mnist_mlp_create(&m) != CREDO_OK)
    return fail(2, "create");
  /* NAME_create placed the parameters for the library's target; the other
   * target's code cannot have them. */
  credo_model *raw = (credo_model *)m;
  if (credo_model_place(raw, "cpu") == CREDO_OK &&
      credo_model_place(raw, "vulkan") == CREDO_OK)
    return fail(16, "the parameters placed for both targets");
  printf("placing again: %s\n", credo_last_error());
  static float x[B * IN], logits[B * OUT], again[B * OUT];
  int32_t labels[B] = {1, 4, 7, 9}, bad[B] = {1, 4, 10, 9};
  for (int i = 0; i < B * IN; ++i)
    x[i] = (float)((i * 37) % 101) / 101.0f;
  /* A parameter set by the host reaches the step's kernels. */
  float bias[OUT];
  for (int i = 0; i < OUT; ++i)
    bias[i] = 0.05f * (float)i;
  if (fashion_mnist_mlp_set_param(m, "fc3_b", bias, sizeof bias) != CREDO_OK)
    return fail(3, "set_param");
  float loss = 0;
  for (int step = 0; step < 5; ++step)
    if (fashion_mnist_mlp_train_step(m, x, labels, 0.1f, &loss) != CREDO_OK)
      return fail(4, "train_step");
  /* The host reads what the last step wrote. */
  float before[OUT], after[OUT];
  if (fashion_mnist_mlp_get_param(m, "fc3_b", before, sizeof before) !=
      CREDO_OK)
    return fail(5, "get_param");
  if (memcmp(before, bias, sizeof bias) == 0)
    return fail(6, "the steps did not change fc3_b");
  /* A step that fails (a label outside the classes) changes nothing. */
  if (fashion_mnist_mlp_train_step(m, x, bad, 0.1f, &loss) !=
      CREDO_ERR_INVALID_ARGUMENT)
    return fail(7, "the step with a bad label");
  printf("bad label: %s\n", credo_last_error());
  if (fashion_mnist_mlp_get_param(m, "fc3_b", after, sizeof after) !=
          CREDO_OK ||
      memcmp(before, after, sizeof after) != 0)
    return fail(8, "fc3_b after the failed step");
  if (fashion_mnist_mlp_save(m, argv[1]) != CREDO_OK)
    return fail(9, "save");
  /* The saved file, loaded into another instance, computes the same. */
  float l1 = 0, l2 = 0;
  if (fashion_mnist_mlp_create(&copy) != CREDO_OK ||
      fashion_mnist_mlp_load(copy, argv[1]) != CREDO_OK)
    return fail(10, "load");
  if (fashion_mnist_mlp_forward(m, x, labels, logits, &l1) != CREDO_OK ||
      fashion_mnist_mlp_forward(copy, x, labels, again, &l2) != CREDO_OK)
    return fail(11, "forward");
  if (memcmp(logits, again, sizeof logits) != 0 || l1 != l2)
    return fail(12, "the loaded copy computes otherwise");
  /* A step after a host write starts from what the host wrote: from the
   * same parameters, the two instances take the same step. */
  if (fashion_mnist_mlp_set_param(copy, "fc3_b", bias, sizeof bias) !=
          CREDO_OK ||
      fashion_mnist_mlp_set_param(m, "fc3_b", bias, sizeof bias) != CREDO_OK)
    return fail(13, "set_param");
  float s1 = 0, s2 = 0;
  if (fashion_mnist_mlp_train_step(m, x, labels, 0.1f, &s1) != CREDO_OK ||
      fashion_mnist_mlp_train_step(copy, x, labels, 0.1f, &s2) != CREDO_OK)
    return fail(14, "train_step");
  if (fashion_mnist_mlp_get_param(m, "fc3_b", before, sizeof before) !=
          CREDO_OK ||
      fashion_mnist_mlp_get_param(copy, "fc3_b", after, sizeof after) !=
          CREDO_OK ||
      memcmp(before, after, sizeof after) != 0 || s1 != s2)
    return fail(15, "the two instances' steps differ");
  printf("loss %.4f, step after the host's write %.4f\n", loss, s1);
  fashion_mnist_mlp_destroy(copy);
  fashion_mnist_mlp_destroy(m);
  printf("ok\n");
  return 0;
}
