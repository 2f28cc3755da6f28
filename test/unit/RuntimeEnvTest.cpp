//===- RuntimeEnvTest.cpp - The built-in environments ---------------------===//
//
// The chain and gridworld transitions and rewards of spec §7, CartPole's
// classic dynamics against the equations of Barto, Sutton & Anderson (1983)
// written out here independently (semi-implicit terms as in Gym's
// CartPole-v1, Euler integration), and the API's errors.
//
//===----------------------------------------------------------------------===//

#include "credo/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

struct Env {
  credo_env *env = nullptr;
  explicit Env(const char *name, uint64_t seed = 0) {
    EXPECT_EQ(credo_env_create(name, seed, &env), CREDO_OK);
  }
  ~Env() { credo_env_destroy(env); }
};

int argmax(const std::vector<float> &v) {
  int best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[best])
      best = int(i);
  return best;
}

TEST(RuntimeEnv, ChainRewardsAndTerminal) {
  Env e("chain");
  ASSERT_EQ(credo_env_observation_size(e.env), 4);
  ASSERT_EQ(credo_env_action_count(e.env), 2);
  EXPECT_EQ(credo_env_max_steps(e.env), 3);
  std::vector<float> obs(4);
  ASSERT_EQ(credo_env_reset(e.env, obs.data()), CREDO_OK);
  EXPECT_EQ(argmax(obs), 0);
  float r = 0;
  int32_t done = 0;
  // Left at 0 stays at 0 and costs 1.
  ASSERT_EQ(credo_env_step(e.env, 0, obs.data(), &r, &done), CREDO_OK);
  EXPECT_EQ(argmax(obs), 0);
  EXPECT_EQ(r, -1.0f);
  EXPECT_EQ(done, 0);
  for (int s = 1; s <= 3; ++s) {
    ASSERT_EQ(credo_env_step(e.env, 1, obs.data(), &r, &done), CREDO_OK);
    EXPECT_EQ(argmax(obs), s);
    EXPECT_EQ(r, s == 3 ? 0.0f : -1.0f) << "the step into the goal is free";
    EXPECT_EQ(done, s == 3 ? 1 : 0);
  }
}

TEST(RuntimeEnv, GridworldShortestPath) {
  Env e("gridworld");
  std::vector<float> obs(25);
  ASSERT_EQ(credo_env_reset(e.env, obs.data()), CREDO_OK);
  float r = 0, total = 0;
  int32_t done = 0;
  // Up and left into the walls stay at (0, 0).
  for (int a : {3, 2}) {
    ASSERT_EQ(credo_env_step(e.env, a, obs.data(), &r, &done), CREDO_OK);
    EXPECT_EQ(argmax(obs), 0);
  }
  ASSERT_EQ(credo_env_reset(e.env, obs.data()), CREDO_OK);
  const int path[8] = {0, 0, 0, 0, 1, 1, 1, 1}; // right ×4, down ×4
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(credo_env_step(e.env, path[i], obs.data(), &r, &done), CREDO_OK);
    total += r;
    EXPECT_EQ(done, i == 7 ? 1 : 0);
  }
  EXPECT_EQ(argmax(obs), 24);
  EXPECT_EQ(total, -8.0f) << "the optimum of spec §7";
}

TEST(RuntimeEnv, CartPoleDynamics) {
  Env e("cartpole", 5);
  std::vector<float> obs(4);
  ASSERT_EQ(credo_env_reset(e.env, obs.data()), CREDO_OK);
  for (float v : obs)
    EXPECT_LE(std::fabs(v), 0.05f);
  double x = obs[0], xd = obs[1], th = obs[2], thd = obs[3];
  int32_t done = 0;
  float r = 0;
  int steps = 0;
  for (; !done && steps < 500; ++steps) {
    int a = (steps / 3) % 2; // a fixed pattern of pushes
    ASSERT_EQ(credo_env_step(e.env, a, obs.data(), &r, &done), CREDO_OK);
    EXPECT_EQ(r, 1.0f);
    // θ'' = (g sinθ − cosθ·(F + m_p l θ'² sinθ)/M) / (l (4/3 − m_p cos²θ / M)),
    // x'' = (F + m_p l θ'² sinθ)/M − m_p l θ'' cosθ / M; M = m_c + m_p.
    double f = a ? 10.0 : -10.0, mp = 0.1, mass = 1.1, l = 0.5;
    double tmp = (f + mp * l * thd * thd * std::sin(th)) / mass;
    double thdd = (9.8 * std::sin(th) - std::cos(th) * tmp) /
                  (l * (4.0 / 3.0 - mp * std::cos(th) * std::cos(th) / mass));
    double xdd = tmp - mp * l * thdd * std::cos(th) / mass;
    x += 0.02 * xd;
    xd += 0.02 * xdd;
    th += 0.02 * thd;
    thd += 0.02 * thdd;
    EXPECT_NEAR(obs[0], x, 1e-5);
    EXPECT_NEAR(obs[1], xd, 1e-5);
    EXPECT_NEAR(obs[2], th, 1e-5);
    EXPECT_NEAR(obs[3], thd, 1e-5);
    bool fell = std::fabs(x) > 2.4 || std::fabs(th) > 12 * M_PI / 180;
    EXPECT_EQ(done != 0, fell) << "step " << steps;
  }
  EXPECT_TRUE(done) << "this pattern of pushes drops the pole";
  // One seed gives one start; another seed another.
  Env same("cartpole", 5), other("cartpole", 6);
  std::vector<float> a(4), b(4), c(4);
  ASSERT_EQ(credo_env_reset(same.env, a.data()), CREDO_OK);
  ASSERT_EQ(credo_env_reset(other.env, b.data()), CREDO_OK);
  Env again("cartpole", 5);
  ASSERT_EQ(credo_env_reset(again.env, c.data()), CREDO_OK);
  EXPECT_EQ(a, c);
  EXPECT_NE(a, b);
}

TEST(RuntimeEnv, Errors) {
  credo_env *env = nullptr;
  EXPECT_EQ(credo_env_create("mountaincar", 0, &env), CREDO_ERR_NOT_FOUND);
  EXPECT_EQ(env, nullptr);
  EXPECT_NE(std::string(credo_last_error()).find("chain, gridworld, cartpole"),
            std::string::npos);
  Env e("gridworld");
  std::vector<float> obs(25);
  float r = 0;
  int32_t done = 0;
  ASSERT_EQ(credo_env_reset(e.env, obs.data()), CREDO_OK);
  EXPECT_EQ(credo_env_step(e.env, 4, obs.data(), &r, &done),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(credo_last_error()).find("action 4 is outside [0, 4)"),
            std::string::npos);
  EXPECT_EQ(credo_env_step(nullptr, 0, obs.data(), &r, &done),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(credo_env_reset(e.env, nullptr), CREDO_ERR_INVALID_ARGUMENT);
}

} // namespace
