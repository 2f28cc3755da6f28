/* Errors at the C API of a generated library (big.json, whose forward
 * pass needs a 13.4 GiB intermediate): null pointers are named, and an
 * allocation failure, run under a memory limit, is a status naming the
 * model, the entry point and the size, repeatedly and without a crash. */
#include "big.h"

#include <stdio.h>
#include <string.h>

static int expect(const char *what, credo_status got, credo_status want,
                  const char *text) {
  const char *message = credo_last_error();
  int ok = got == want && strstr(message, text) != NULL;
  printf("%s: %s (%s)\n", what, ok ? "ok" : "WRONG", message);
  return !ok;
}

int main(void) {
  big_model *m = 0;
  if (big_create(&m) != CREDO_OK) {
    fprintf(stderr, "create: %s\n", credo_last_error());
    return 1;
  }
  float x[1] = {2}, p[1] = {0}, w[1] = {0};
  int bad = 0;
  bad += expect("null model", big_forward(0, x, p), CREDO_ERR_INVALID_ARGUMENT,
                "big_forward: the model is a null pointer");
  bad += expect("null input", big_forward(m, 0, p), CREDO_ERR_INVALID_ARGUMENT,
                "big_forward: input 'x' is a null pointer");
  bad += expect("null output", big_forward(m, x, 0), CREDO_ERR_INVALID_ARGUMENT,
                "big_forward: output 'p' is a null pointer");
  bad += expect("get_param null buffer", big_get_param(m, "w", 0, 4),
                CREDO_ERR_INVALID_ARGUMENT,
                "the buffer for parameter 'w' is a null pointer");
  bad += expect("get_param null name", big_get_param(m, 0, w, 4),
                CREDO_ERR_INVALID_ARGUMENT, "the name is a null pointer");
  bad +=
      expect("get_param size", big_get_param(m, "w", w, 3), CREDO_ERR_SHAPE,
             "model 'big': parameter 'w' holds 4 bytes, but the buffer has 3");
  bad += expect("load null model", big_load(0, "x.safetensors"),
                CREDO_ERR_INVALID_ARGUMENT, "the model is a null pointer");
  for (int i = 0; i < 3; ++i)
    bad += expect("forward out of memory", big_forward(m, x, p),
                  CREDO_ERR_OUT_OF_MEMORY,
                  "model 'big': big_forward: out of memory: cannot allocate "
                  "13.4 GiB (14400480064 bytes) for an intermediate buffer");
  big_destroy(m);
  printf("%d wrong\n", bad);
  return bad != 0;
}
