/* examples/coagent_c/gridworld.c: a C program that runs its own environment
 * loop around a coagent library from `credoc build --train`.
 *
 *   credoc build examples/gridworld_coagent.json --train -o model/
 *   cc -O2 examples/coagent_c/gridworld.c -Imodel \
 *      model/libgridworld_coagent.so \
 *      -I<credo>/runtime/include -L<credo build>/lib -lcredo_runtime \
 *      -Wl,-rpath,$(realpath model) -Wl,-rpath,<credo build>/lib -o gridworld
 *   ./gridworld [episodes] [seed]
 *
 * The 5x5 gridworld lives here, in plain C: start (0, 0), goal (4, 4), -1
 * per step, at most 50 steps. Per step the program calls
 * gridworld_coagent_act (the action for the one-hot state) and
 * gridworld_coagent_train_step (reward, done, last, next state): every
 * sample, trace and update is the library's generated code. It prints the
 * mean return of the last 200 episodes and the environment steps per
 * second, and exits 1 on any library error. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under strict ISO C */

#include "gridworld_coagent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int check(credo_status status, const char *what) {
  if (status != CREDO_OK) {
    fprintf(stderr, "gridworld: %s: %s\n", what, credo_last_error());
    exit(1);
  }
  return 0;
}

static void observe(float *state, int r, int c) {
  memset(state, 0, 25 * sizeof(float));
  state[r * 5 + c] = 1.0f;
}

/* A whole decimal number in [0, most], or -1. */
static long long number(const char *text, unsigned long long most) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || v > most)
    return -1;
  return (long long)v;
}

int main(int argc, char **argv) {
  long long given = argc > 1 ? number(argv[1], 100000000) : 1500;
  long long seed = argc > 2 ? number(argv[2], 0x7fffffffffffffffull) : 0;
  if (given < 1 || seed < 0 || argc > 3) {
    fprintf(stderr,
            "usage: gridworld [episodes, 1 to 100000000] [seed >= 0]\n");
    return 1;
  }
  int episodes = (int)given;
  gridworld_coagent_model *model = NULL;
  check(gridworld_coagent_create(&model), "create");
  /* A seed re-keys the model's generator ([key, draws]). */
  if (seed) {
    int64_t rng[2];
    check(gridworld_coagent_get_param(model, "rng", rng, sizeof(rng)), "rng");
    rng[0] ^= (int64_t)((unsigned long long)seed * 0x9E3779B97F4A7C15ull);
    check(gridworld_coagent_set_param(model, "rng", rng, sizeof(rng)), "rng");
  }
  static const int dr[4] = {0, 1, 0, -1}, dc[4] = {1, 0, -1, 0};
  float state[25], next[25];
  double *returns = malloc(sizeof(double) * (size_t)episodes);
  long steps = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int e = 0; e < episodes; ++e) {
    int r = 0, c = 0;
    double ret = 0;
    observe(state, r, c);
    for (int t = 0; t < 50; ++t) {
      int64_t action = 0;
      check(gridworld_coagent_act(model, state, &action), "act");
      if (action < 0 || action > 3) {
        fprintf(stderr, "gridworld: action %lld out of range\n",
                (long long)action);
        return 1;
      }
      r += dr[action];
      c += dc[action];
      r = r < 0 ? 0 : r > 4 ? 4 : r;
      c = c < 0 ? 0 : c > 4 ? 4 : c;
      float reward = -1.0f, done = (r == 4 && c == 4) ? 1.0f : 0.0f;
      float last = (done != 0.0f || t == 49) ? 1.0f : 0.0f, signal = 0;
      observe(next, r, c);
      check(gridworld_coagent_train_step(model, &reward, &done, &last, next,
                                         0.05f, &signal),
            "train_step");
      memcpy(state, next, sizeof(state));
      ret += reward;
      ++steps;
      if (done != 0.0f)
        break;
    }
    returns[e] = ret;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) +
                   1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  int n = episodes < 200 ? episodes : 200;
  double mean = 0;
  for (int e = episodes - n; e < episodes; ++e)
    mean += returns[e] / n;
  printf("gridworld: mean return over the last %d of %d episodes: %.3f\n", n,
         episodes, mean);
  printf("gridworld: %ld steps in %.3f s, %.0f steps/s\n", steps, seconds,
         (double)steps / seconds);
  free(returns);
  gridworld_coagent_destroy(model);
  return 0;
}
