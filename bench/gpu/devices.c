/* Lists the Vulkan devices the runtime sees and the one it would use
 * (credoc devices without the compiler). */
#include "credo/runtime.h"

#include <stdio.h>

int main(void) {
  credo_device_info d[16];
  size_t count = 0, pick = 0;
  if (credo_vulkan_devices(d, 16, &count) != CREDO_OK) {
    fprintf(stderr, "devices: %s\n", credo_last_error());
    return 1;
  }
  int picked = credo_vulkan_pick_device(-1, &pick) == CREDO_OK;
  for (size_t i = 0; i < count && i < 16; ++i)
    printf("%zu: %s (%s), shared memory %u, subgroups of %u%s, device memory "
           "%llu MiB%s\n",
           i, d[i].name, credo_device_type_name(d[i].type),
           d[i].max_compute_shared_memory, d[i].subgroup_size,
           d[i].subgroup_arithmetic ? " with reductions" : "",
           (unsigned long long)(d[i].device_local_memory >> 20),
           picked && pick == i ? "  [used]" : "");
  return 0;
}
