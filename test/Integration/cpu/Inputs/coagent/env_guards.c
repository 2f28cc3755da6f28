/* A coagent library's train_step refuses done and last flags other than 0
 * or 1 (and keeps the parameters); 0 and 1 are taken. A training step
 * needs an act before it: one step per act. argv: none. */
#include "gridworld_coagent.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  gridworld_coagent_model *m = 0;
  if (gridworld_coagent_create(&m) != CREDO_OK)
    return 2;
  float state[25] = {1}, next[25] = {0, 1};
  int64_t action = 0;
  float v0[25], v1[25];
  gridworld_coagent_get_param(m, "v", v0, sizeof(v0));
  {
    float reward = -1, done = 0, last = 0, signal = 0;
    credo_status s = gridworld_coagent_train_step(m, &reward, &done, &last,
                                                  next, 0.1f, &signal);
    gridworld_coagent_get_param(m, "v", v1, sizeof(v1));
    printf("before act: %s; %s\n",
           s == CREDO_ERR_INVALID_ARGUMENT ? credo_last_error() : "ACCEPTED",
           memcmp(v0, v1, sizeof(v0)) ? "PARAMETERS CHANGED"
                                      : "parameters kept");
  }
  /* An act refuses an observation that is not finite, its state kept. */
  {
    float bad[25] = {INFINITY};
    credo_status s = gridworld_coagent_act(m, bad, &action);
    printf("act on inf: %s\n",
           s == CREDO_ERR_INVALID_ARGUMENT ? credo_last_error() : "ACCEPTED");
  }
  if (gridworld_coagent_act(m, state, &action) != CREDO_OK)
    return 3;
  const float flags[][2] = {{2, 0}, {0.5f, 0}, {-1, 0}, {0, NAN}, {0, 7}};
  for (int i = 0; i < 5; ++i) {
    float reward = -1, signal = 0;
    credo_status s = gridworld_coagent_train_step(
        m, &reward, &flags[i][0], &flags[i][1], next, 0.1f, &signal);
    gridworld_coagent_get_param(m, "v", v1, sizeof(v1));
    printf("done %g last %g: %s; %s\n", flags[i][0], flags[i][1],
           s == CREDO_ERR_INVALID_ARGUMENT ? credo_last_error() : "ACCEPTED",
           memcmp(v0, v1, sizeof(v0)) ? "PARAMETERS CHANGED"
                                      : "parameters kept");
  }
  float reward = -1, done = 0, last = 1, signal = 0;
  credo_status s = gridworld_coagent_train_step(m, &reward, &done, &last, next,
                                                0.1f, &signal);
  printf("done 0 last 1: %s\n", s == CREDO_OK ? "ok" : credo_last_error());
  s = gridworld_coagent_train_step(m, &reward, &done, &last, next, 0.1f,
                                   &signal);
  printf("second step on one act: %s\n",
         s == CREDO_ERR_INVALID_ARGUMENT ? credo_last_error() : "ACCEPTED");
  if (gridworld_coagent_act(m, state, &action) != CREDO_OK)
    return 4;
  s = gridworld_coagent_train_step(m, &reward, &done, &last, next, 0.1f,
                                   &signal);
  printf("after the next act: %s\n", s == CREDO_OK ? "ok" : credo_last_error());
  gridworld_coagent_destroy(m);
  return 0;
}
