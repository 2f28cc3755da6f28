/* The matrix product of a library built from a one-`dense` graph
 * y[N x N] = a[N x N] · w[N x N] (bench/gpu/prepare.sh writes it; credoc
 * build --target vulkan): CALLS forward calls with kernel timestamps on
 * (credo_vulkan_profile), then the product kernel's device time per call
 * and its rate, 2·N³ floating-point operations per call, against PEAK
 * GFLOP/s if given. The library's copies in and out are not in that time.
 * argv: N CALLS [PEAK] */
#include "vk_matmul.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  long n = atol(argv[1]);
  int calls = atoi(argv[2]);
  double peak = argc > 3 ? atof(argv[3]) : 0;
  vk_matmul_model *m = 0;
  if (vk_matmul_create(&m) != CREDO_OK) {
    fprintf(stderr, "create: %s\n", credo_last_error());
    return 1;
  }
  float *a = malloc(sizeof(float) * (size_t)(n * n));
  float *y = malloc(sizeof(float) * (size_t)(n * n));
  for (long i = 0; i < n * n; ++i)
    a[i] = (float)((i * 37) % 101) / 101.0f;
  if (vk_matmul_forward(m, a, y) != CREDO_OK) { /* warm-up: pipelines */
    fprintf(stderr, "forward: %s\n", credo_last_error());
    return 1;
  }
  if (credo_vulkan_profile(1) != CREDO_OK) {
    fprintf(stderr, "profile: %s\n", credo_last_error());
    return 1;
  }
  for (int c = 0; c < calls; ++c)
    if (vk_matmul_forward(m, a, y) != CREDO_OK) {
      fprintf(stderr, "forward: %s\n", credo_last_error());
      return 1;
    }
  credo_kernel_time times[64];
  size_t count = 0;
  if (credo_vulkan_profile_read(times, 64, &count) != CREDO_OK) {
    fprintf(stderr, "profile: %s\n", credo_last_error());
    return 1;
  }
  /* The product: the kernel with the most device time. */
  size_t best = 0;
  for (size_t i = 1; i < count && i < 64; ++i)
    if (times[i].total_ns > times[best].total_ns)
      best = i;
  if (count == 0 || times[best].calls == 0) {
    fprintf(stderr, "no kernel was timed\n");
    return 1;
  }
  double ns = times[best].total_ns / (double)times[best].calls;
  double gflops = 2.0 * (double)n * (double)n * (double)n / ns;
  printf("matmul %ld: %s %.3f ms per call, %.1f GFLOP/s", n, times[best].label,
         ns * 1e-6, gflops);
  if (peak > 0)
    printf(", %.1f %% of %.0f GFLOP/s", 100.0 * gflops / peak, peak);
  printf(" (y[0] = %.6f)\n", (double)y[0]);
  vk_matmul_destroy(m);
  free(a);
  free(y);
  return 0;
}
