/* Two builds of one model, named apart with `credoc build --name`, linked
 * into one program: the batch-3 build's logits equal the batch-1 build's,
 * sample by sample (both start from the graph's seeded initializers), and
 * again after the batch-1 build's parameters, changed, are saved to argv[1]
 * and loaded into the batch-3 build. Each build's entry points take only
 * its own instances, write no output into a parameter, and name themselves
 * in their errors. */
#include "mlp_b1.h"
#include "mlp_b3.h"

#include <math.h>
#include <stdio.h>

static float x[3 * 784];
static int32_t labels3[3] = {1, 4, 9};

/* Prints the largest differences between the two builds; 1 when small. */
static int compare(mlp_b1_model *one, mlp_b3_model *three, float *loss) {
  float logits3[3 * 10], logits1[10];
  float loss3 = 0, loss1 = 0, sum1 = 0, worst = 0;
  if (mlp_b3_forward(three, x, labels3, logits3, &loss3) != CREDO_OK) {
    printf("forward failed: %s\n", credo_last_error());
    return 0;
  }
  for (int s = 0; s < 3; ++s) {
    if (mlp_b1_forward(one, x + 784 * s, labels3 + s, logits1, &loss1) !=
        CREDO_OK) {
      printf("forward failed: %s\n", credo_last_error());
      return 0;
    }
    sum1 += loss1;
    for (int j = 0; j < 10; ++j) {
      float d = fabsf(logits1[j] - logits3[10 * s + j]);
      if (!(d <= worst))
        worst = d;
    }
  }
  float lossError = fabsf(sum1 / 3 - loss3);
  printf("largest logit difference %g, loss difference %g\n", worst, lossError);
  *loss = loss3;
  return worst < 1e-5f && lossError < 1e-5f;
}

int main(int argc, char **argv) {
  mlp_b1_model *one = 0;
  mlp_b3_model *three = 0;
  if (mlp_b1_create(&one) != CREDO_OK || mlp_b3_create(&three) != CREDO_OK) {
    printf("create failed: %s\n", credo_last_error());
    return 1;
  }
  if (argc != 2)
    return 1;
  for (int i = 0; i < 3 * 784; ++i)
    x[i] = (float)((i * 37) % 101) / 101.0f;
  float before = 0, after = 0;
  int ok = compare(one, three, &before);
  float bias[10];
  for (int j = 0; j < 10; ++j)
    bias[j] = (float)j;
  if (mlp_b1_set_param(one, "fc3_b", bias, sizeof bias) != CREDO_OK ||
      mlp_b1_save(one, argv[1]) != CREDO_OK ||
      mlp_b3_load(three, argv[1]) != CREDO_OK) {
    printf("parameters: %s\n", credo_last_error());
    return 1;
  }
  ok = compare(one, three, &after) && ok;
  /* Misuse: each call fails, naming the function called. */
  float logits[3 * 10], loss = 0; /* room for either build's logits */
  size_t w3 = 0;
  if (credo_model_find(one, CREDO_PARAM, "fc3_w", &w3) != CREDO_OK)
    return 1;
  float *weights = credo_model_param_data(one, w3);
  float kept = weights[0];
  credo_status s = mlp_b3_forward(one, x, labels3, logits, &loss);
  printf("another build's instance: %d: %s\n", (int)s, credo_last_error());
  s = mlp_b1_forward(one, x, labels3, logits, weights);
  printf("an output in a parameter: %d: %s\n", (int)s, credo_last_error());
  s = mlp_b1_save(one, "/nonexistent/b1.safetensors");
  printf("save: %d: %s\n", (int)s, credo_last_error());
  s = mlp_b1_create(0);
  printf("create: %d: %s\n", (int)s, credo_last_error());
  printf("the parameter kept its value: %s\n",
         weights[0] == kept ? "yes" : "no");
  printf("the loaded parameters changed the loss: %s\n",
         after != before ? "yes" : "no");
  printf("%s\n", ok ? "ok" : "FAILED");
  mlp_b1_destroy(one);
  mlp_b3_destroy(three);
  return ok ? 0 : 1;
}
