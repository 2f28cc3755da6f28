//===- InitAttrTest.cpp - #credo.init verifier through the C++ API -*- C++
//-*-===//
//
// The textual parser rejects keys a kind does not use before the verifier
// runs; C++ builders reach the verifier directly, which these tests cover.
//
//===----------------------------------------------------------------------===//

#include "Credo/IR/CredoDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::credo;

namespace {

class InitAttrTest : public ::testing::Test {
protected:
  InitAttrTest() { ctx.loadDialect<CredoDialect>(); }

  /// Builds an attribute through getChecked and returns the error, if any.
  std::string check(InitKind kind, double value, double low, double high,
                    double mean, double std, uint64_t seed, int64_t rows = 0,
                    int64_t cols = 0) {
    std::string error;
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
      error = diag.str();
      return success();
    });
    auto emit = [&]() { return emitError(UnknownLoc::get(&ctx)); };
    auto f = [](double d) { return APFloat(d); };
    InitAttr attr =
        InitAttr::getChecked(emit, &ctx, kind, f(value), f(low), f(high),
                             f(mean), f(std), seed, rows, cols);
    EXPECT_EQ(!attr, !error.empty());
    return error;
  }

  MLIRContext ctx;
};

TEST_F(InitAttrTest, RandomPairsNeedTheirExtentsOnly) {
  EXPECT_EQ(check(InitKind::RandomPairs, 0, 0, 0, 0, 0, 3, 16, 8), "");
  EXPECT_EQ(check(InitKind::RandomPairs, 0, 0, 0, 0, 0, 3, 0, 8),
            "random_pairs initializer expects rows and cols in [1, 2^31], but "
            "got 0 and 8");
  EXPECT_EQ(check(InitKind::Normal, 0, 0, 0, 0, 1, 0, 4, 4),
            "initializer 'normal' takes no keys 'rows' and 'cols'");
}

TEST_F(InitAttrTest, AcceptsValidInitializers) {
  EXPECT_EQ(check(InitKind::Zeros, 0, 0, 0, 0, 0, 0), "");
  EXPECT_EQ(check(InitKind::Constant, 0.5, 0, 0, 0, 0, 0), "");
  EXPECT_EQ(check(InitKind::Uniform, 0, -1, 1, 0, 0, 9), "");
  EXPECT_EQ(check(InitKind::Normal, 0, 0, 0, 3, 0.1, 2), "");
  EXPECT_EQ(check(InitKind::HeNormal, 0, 0, 0, 0, 0, 5), "");
}

TEST_F(InitAttrTest, RejectsKeysTheKindDoesNotUse) {
  EXPECT_EQ(check(InitKind::Zeros, 1.0, 0, 0, 0, 0, 0),
            "initializer 'zeros' takes no key 'value'");
  EXPECT_EQ(check(InitKind::Constant, 1.0, 0, 0, 0, 0, 4),
            "initializer 'constant' takes no key 'seed'");
  EXPECT_EQ(check(InitKind::GlorotUniform, 0, 0, 0, 0.5, 0, 1),
            "initializer 'glorot_uniform' takes no key 'mean'");
}

TEST_F(InitAttrTest, RejectsBadRanges) {
  EXPECT_NE(check(InitKind::Uniform, 0, 1, -1, 0, 0, 0), "");
  EXPECT_NE(check(InitKind::Normal, 0, 0, 0, 0, 0, 0), "");
  EXPECT_NE(check(InitKind::Constant, std::nan(""), 0, 0, 0, 0, 0), "");
}

TEST(InitKindUsesKey, MatchesTheDocumentedTable) {
  EXPECT_TRUE(InitAttr::kindUsesKey(InitKind::Uniform, "low"));
  EXPECT_TRUE(InitAttr::kindUsesKey(InitKind::Uniform, "seed"));
  EXPECT_FALSE(InitAttr::kindUsesKey(InitKind::Uniform, "std"));
  EXPECT_TRUE(InitAttr::kindUsesKey(InitKind::Normal, "mean"));
  EXPECT_FALSE(InitAttr::kindUsesKey(InitKind::Ones, "seed"));
  EXPECT_TRUE(InitAttr::kindUsesKey(InitKind::HeUniform, "seed"));
}

} // namespace
