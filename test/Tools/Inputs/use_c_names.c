/* Uses the library of c_names.json, whose inputs are named like C and C++
 * keywords, types and macros, the runtime's names and the step's own
 * arguments: the header compiles as C and C++ and the calls work. */
#include "c_names.h"

#include <stdio.h>

int main(void) {
  c_names_model *m = 0;
  if (c_names_create(&m) != CREDO_OK) {
    fprintf(stderr, "%s\n", credo_last_error());
    return 1;
  }
  float x[8] = {0}, logits[4], losses[1], x_out[8], loss = 0;
  int32_t labels[2] = {0, 1};
  if (c_names_forward(m, x, labels, x, x, x, x, x, x, logits, losses, x_out) !=
      CREDO_OK)
    return 2;
  if (c_names_train_step(m, x, labels, x, x, x, x, x, x, 0.1f, &loss) !=
      CREDO_OK)
    return 3;
  c_names_destroy(m);
  return 0;
}
