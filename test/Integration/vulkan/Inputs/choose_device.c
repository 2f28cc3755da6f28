/* Choosing the Vulkan device from a program: a bad index is refused when it
 * is given and changes nothing; a failed choice (a bad CREDO_VULKAN_DEVICE)
 * is made again at the next call; once a device is open, another is
 * refused. Built against a Vulkan library of the MLP; lavapipe has one
 * device. */
#include "fashion_mnist_mlp.h"

#include <stdio.h>
#include <stdlib.h>

static void show(const char *what, credo_status s) {
  printf("%s: %s%s%s\n", what, credo_status_name(s), s ? ": " : "",
         s ? credo_last_error() : "");
}

int main(void) {
  fashion_mnist_mlp_model *a = NULL, *b = NULL;
  show("use 7", credo_vulkan_use_device(7));
  show("use -2", credo_vulkan_use_device(-2));
  setenv("CREDO_VULKAN_DEVICE", "4", 1);
  show("create (env 4)", fashion_mnist_mlp_create(&a));
  setenv("CREDO_VULKAN_DEVICE", "0", 1);
  show("create (env 0)", fashion_mnist_mlp_create(&a));
  show("use 0", credo_vulkan_use_device(0));
  show("use 1", credo_vulkan_use_device(1));
  show("create again", fashion_mnist_mlp_create(&b));
  fashion_mnist_mlp_destroy(a);
  fashion_mnist_mlp_destroy(b);
  return 0;
}
