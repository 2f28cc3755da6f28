//===- RandomData.h - Seeded test data for the unit tests --------*- C++
//-*-===//
//
// Values uniform in [-1, 1] from a seeded generator, optionally with exact
// zeros, shared by the kernel tests.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TEST_UNIT_RANDOMDATA_H
#define CREDO_TEST_UNIT_RANDOMDATA_H

#include <random>
#include <vector>

namespace credo::test {

/// n values uniform in [-1, 1]; with density < 1, each is 0 with
/// probability 1 - density.
inline std::vector<float> randomVector(size_t n, unsigned seed,
                                       double density = 1.0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> value(-1, 1), coin(0, 1);
  std::vector<float> v(n);
  for (float &x : v)
    x = density >= 1.0 || coin(gen) < density ? value(gen) : 0.0f;
  return v;
}

} // namespace credo::test

#endif // CREDO_TEST_UNIT_RANDOMDATA_H
