/* Overlapping buffers at the C API of a generated library
 * (tiny_classifier.json, batch 8: x f32[8,16], labels i32[8], logits
 * f32[8,3], loss f32[]): an output that shares a byte with an input or with
 * another output is refused with both named, before anything runs; buffers
 * that only touch (one array cut in two) are fine, and the results of a
 * refused call's neighbours are left alone. */
#include "tiny_classifier.h"

#include <stdio.h>
#include <string.h>

static int expect(const char *what, credo_status got, credo_status want,
                  const char *text) {
  const char *message = got == CREDO_OK ? "" : credo_last_error();
  int ok = got == want && strstr(message, text) != NULL;
  printf("%s: %s (%s)\n", what, ok ? "ok" : "WRONG", message);
  return !ok;
}

int main(void) {
  tiny_classifier_model *m = 0;
  if (tiny_classifier_create(&m) != CREDO_OK)
    return 1;
  /* One arena: x at 0, logits right after it (touching), loss after that. */
  static float arena[8 * 16 + 8 * 3 + 1];
  float *x = arena, *logits = arena + 8 * 16, *loss = logits + 8 * 3;
  int32_t labels[8] = {0, 1, 2, 0, 1, 2, 0, 1};
  for (int i = 0; i < 8 * 16; ++i)
    x[i] = (float)((i * 7) % 11) / 11.0f;
  int bad = 0;
  bad +=
      expect("touching buffers",
             tiny_classifier_forward(m, x, labels, logits, loss), CREDO_OK, "");
  bad += expect("output inside an input",
                tiny_classifier_forward(m, x, labels, x + 4, loss),
                CREDO_ERR_INVALID_ARGUMENT,
                "tiny_classifier_forward: output 'logits' overlaps input 'x'");
  bad += expect("output = input",
                tiny_classifier_forward(m, x, labels, logits, (float *)labels),
                CREDO_ERR_INVALID_ARGUMENT,
                "output 'loss' overlaps input 'labels'");
  bad += expect(
      "two outputs", tiny_classifier_forward(m, x, labels, logits, logits + 23),
      CREDO_ERR_INVALID_ARGUMENT, "output 'logits' overlaps output 'loss'");
  bad += expect("train_step loss inside x",
                tiny_classifier_train_step(m, x, labels, 0.1f, x + 127),
                CREDO_ERR_INVALID_ARGUMENT,
                "tiny_classifier_train_step: the loss overlaps input 'x'");
  bad +=
      expect("train_step", tiny_classifier_train_step(m, x, labels, 0.1f, loss),
             CREDO_OK, "");
  /* The accepted step moved the parameters: the forward loss after it
   * differs from the step's. */
  float stepLoss = loss[0];
  bad +=
      expect("forward after the step",
             tiny_classifier_forward(m, x, labels, logits, loss), CREDO_OK, "");
  printf("parameters moved by the step: %s\n",
         loss[0] != stepLoss ? "yes" : "no");
  tiny_classifier_destroy(m);
  printf("%d wrong\n", bad);
  return bad != 0;
}
