//===- Environments.cpp - Built-in environments for credoc train --env ----===//
//
// Small control tasks that a coagent (or any act/learn) model trains in:
// the 4-state chain of the exact coagent check, the 5×5 gridworld of spec §7
// and CartPole with the classic dynamics (Barto, Sutton & Anderson 1983, the
// constants of Gym's CartPole-v1). The environment is host code that the
// driver or a user's program steps; the model's generated code computes
// everything the agent does.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace credo::rt;

struct credo_env {
  virtual ~credo_env() = default;
  virtual int64_t observationSize() const = 0;
  virtual int64_t actions() const = 0;
  virtual int64_t maxSteps() const = 0;
  virtual void reset(float *obs) = 0;
  /// Applies a valid action; returns the reward and sets `done`.
  virtual float step(int64_t action, float *obs, bool &done) = 0;
};

namespace {

/// States 0..3 in a row, start 0, goal 3 (terminal). Action 1 moves right,
/// 0 left (staying at 0). Every step costs 1 except the step into the goal,
/// so that the return depends on the policy within the horizon of 3.
struct Chain final : credo_env {
  int64_t s = 0;
  int64_t observationSize() const override { return 4; }
  int64_t actions() const override { return 2; }
  int64_t maxSteps() const override { return 3; }
  void observe(float *obs) const {
    std::memset(obs, 0, 4 * sizeof(float));
    obs[s] = 1;
  }
  void reset(float *obs) override {
    s = 0;
    observe(obs);
  }
  float step(int64_t action, float *obs, bool &done) override {
    s = action == 1 ? s + 1 : std::max<int64_t>(s - 1, 0);
    done = s == 3;
    observe(obs);
    return done ? 0.0f : -1.0f;
  }
};

/// 5×5 grid, start (0, 0), goal (4, 4) (terminal), −1 per step; actions
/// move right, down, left, up, clamped at the walls. The observation is the
/// one-hot cell r·5 + c.
struct Gridworld final : credo_env {
  int64_t r = 0, c = 0;
  int64_t observationSize() const override { return 25; }
  int64_t actions() const override { return 4; }
  int64_t maxSteps() const override { return 50; }
  void observe(float *obs) const {
    std::memset(obs, 0, 25 * sizeof(float));
    obs[r * 5 + c] = 1;
  }
  void reset(float *obs) override {
    r = c = 0;
    observe(obs);
  }
  float step(int64_t action, float *obs, bool &done) override {
    static const int dr[4] = {0, 1, 0, -1}, dc[4] = {1, 0, -1, 0};
    r = std::min<int64_t>(std::max<int64_t>(r + dr[action], 0), 4);
    c = std::min<int64_t>(std::max<int64_t>(c + dc[action], 0), 4);
    done = r == 4 && c == 4;
    observe(obs);
    return -1.0f;
  }
};

/// CartPole-v1: Euler steps of 0.02 s, force ±10 N, the episode ends when
/// |x| > 2.4 or |θ| > 12°; +1 per step (the last included); the start state
/// is uniform in ±0.05 from the environment's seed.
struct CartPole final : credo_env {
  explicit CartPole(uint64_t seed) : rng(seed) {}
  std::mt19937_64 rng;
  double x = 0, xDot = 0, theta = 0, thetaDot = 0;
  int64_t observationSize() const override { return 4; }
  int64_t actions() const override { return 2; }
  int64_t maxSteps() const override { return 500; }
  void observe(float *obs) const {
    obs[0] = float(x);
    obs[1] = float(xDot);
    obs[2] = float(theta);
    obs[3] = float(thetaDot);
  }
  void reset(float *obs) override {
    std::uniform_real_distribution<double> u(-0.05, 0.05);
    x = u(rng);
    xDot = u(rng);
    theta = u(rng);
    thetaDot = u(rng);
    observe(obs);
  }
  float step(int64_t action, float *obs, bool &done) override {
    const double gravity = 9.8, massCart = 1.0, massPole = 0.1;
    const double totalMass = massCart + massPole, length = 0.5;
    const double poleMassLength = massPole * length, forceMag = 10.0;
    const double tau = 0.02;
    double force = action == 1 ? forceMag : -forceMag;
    double cosT = std::cos(theta), sinT = std::sin(theta);
    double temp =
        (force + poleMassLength * thetaDot * thetaDot * sinT) / totalMass;
    double thetaAcc =
        (gravity * sinT - cosT * temp) /
        (length * (4.0 / 3.0 - massPole * cosT * cosT / totalMass));
    double xAcc = temp - poleMassLength * thetaAcc * cosT / totalMass;
    x += tau * xDot;
    xDot += tau * xAcc;
    theta += tau * thetaDot;
    thetaDot += tau * thetaAcc;
    done = x < -2.4 || x > 2.4 || theta < -12 * 2 * M_PI / 360 ||
           theta > 12 * 2 * M_PI / 360;
    observe(obs);
    return 1.0f;
  }
};

} // namespace

const char *credo_env_names(void) { return CREDO_ENV_NAMES; }

credo_status credo_env_create(const char *name, uint64_t seed,
                              credo_env **out) {
  if (!name || !out)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_env_create: null name or result pointer");
  *out = nullptr;
  try {
    if (std::strcmp(name, "chain") == 0)
      *out = new Chain();
    else if (std::strcmp(name, "gridworld") == 0)
      *out = new Gridworld();
    else if (std::strcmp(name, "cartpole") == 0)
      *out = new CartPole(seed);
    else
      return fail(CREDO_ERR_NOT_FOUND,
                  std::string("unknown environment '") + name +
                      "' (built in: " + credo_env_names() + ")");
  } catch (const std::bad_alloc &) {
    return fail(CREDO_ERR_OUT_OF_MEMORY, "cannot allocate the environment");
  }
  return CREDO_OK;
}

void credo_env_destroy(credo_env *env) { delete env; }

int64_t credo_env_observation_size(const credo_env *env) {
  return env ? env->observationSize() : 0;
}

int64_t credo_env_action_count(const credo_env *env) {
  return env ? env->actions() : 0;
}

int64_t credo_env_max_steps(const credo_env *env) {
  return env ? env->maxSteps() : 0;
}

credo_status credo_env_reset(credo_env *env, float *observation) {
  if (!env || !observation)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_env_reset: null environment or observation");
  env->reset(observation);
  return CREDO_OK;
}

credo_status credo_env_step(credo_env *env, int64_t action, float *observation,
                            float *reward, int32_t *done) {
  if (!env || !observation || !reward || !done)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_env_step: null environment, observation, reward or "
                "done");
  if (action < 0 || action >= env->actions())
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_env_step: action " + std::to_string(action) +
                    " is outside [0, " + std::to_string(env->actions()) + ")");
  bool d = false;
  *reward = env->step(action, observation, d);
  *done = d ? 1 : 0;
  return CREDO_OK;
}
