//===- ExpandF64Math.cpp - f64 transcendental functions from arithmetic ---===//
//
// SPIR-V's GLSL.std.450 has Exp, Log and Tanh for 16/32-bit floats only;
// the f64 forms are built here from add, multiply, divide and bit
// operations (the equations are in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToVulkan/CredoToVulkan.h"

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "../../Transforms/NodeName.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOEXPANDF64MATH
#define GEN_PASS_DEF_CREDOKERNELARITH
#include "credo/Conversion/CredoToVulkan/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;

/// Builds f64 (scalar or vector-free) arithmetic at one place.
struct F64 {
  OpBuilder &b;
  Location loc;
  Type f = b.getF64Type(), i = b.getI64Type();

  Value c(double v) {
    return b.create<arith::ConstantFloatOp>(loc, APFloat(v), b.getF64Type());
  }
  Value ci(int64_t v) { return b.create<arith::ConstantIntOp>(loc, v, 64); }
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }
  Value div(Value x, Value y) { return b.create<arith::DivFOp>(loc, x, y); }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return b.create<arith::CmpFOp>(loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return b.create<arith::SelectOp>(loc, c, x, y);
  }
  Value bits(Value x) { return b.create<arith::BitcastOp>(loc, i, x); }
  Value real(Value x) { return b.create<arith::BitcastOp>(loc, f, x); }

  /// 2^k for an integer k in [-1022, 1023] (as i64).
  Value pow2(Value k) {
    Value biased = b.create<arith::AddIOp>(loc, k, ci(1023));
    return real(b.create<arith::ShLIOp>(loc, biased, ci(52)));
  }

  /// (e^r − 1) for |r| ≤ ln 2 / 2 by its Taylor series: r · Σ r^k/(k+1)!.
  Value expm1Reduced(Value r) {
    double coeff[14];
    double fact = 1;
    for (int k = 0; k < 14; ++k) {
      fact *= double(k + 1);
      coeff[k] = 1.0 / fact;
    }
    Value p = c(coeff[13]);
    for (int k = 12; k >= 0; --k)
      p = add(mul(p, r), c(coeff[k]));
    return mul(r, p);
  }

  Value exp(Value x) {
    Value n = b.create<math::RoundEvenOp>(loc, mul(x, c(1.0 / M_LN2)));
    Value r = sub(sub(x, mul(n, c(kLn2Hi))), mul(n, c(kLn2Lo)));
    Value m = add(c(1.0), expm1Reduced(r));
    // n in [-1075, 1024] after the clamps below: two factors 2^(n/2),
    // 2^(n − n/2), each in range.
    Value clamped = b.create<arith::MinimumFOp>(
        loc, b.create<arith::MaximumFOp>(loc, n, c(-1100.0)), c(1100.0));
    Value k = b.create<arith::FPToSIOp>(loc, i, clamped);
    Value half = b.create<arith::DivSIOp>(loc, k, ci(2));
    Value rest = b.create<arith::SubIOp>(loc, k, half);
    half = b.create<arith::MaxSIOp>(loc, half, ci(-1022));
    rest = b.create<arith::MaxSIOp>(loc, rest, ci(-1022));
    half = b.create<arith::MinSIOp>(loc, half, ci(1023));
    rest = b.create<arith::MinSIOp>(loc, rest, ci(1023));
    Value y = mul(mul(m, pow2(half)), pow2(rest));
    Value inf = c(INFINITY);
    y = select(cmp(arith::CmpFPredicate::OGT, x, c(709.782712893384)), inf, y);
    y = select(cmp(arith::CmpFPredicate::OLT, x, c(-745.2)), c(0.0), y);
    // NaN stays NaN.
    return select(cmp(arith::CmpFPredicate::UNO, x, x), x, y);
  }

  Value log(Value x) {
    // Subnormals: scale into the normal range first.
    Value tiny = cmp(arith::CmpFPredicate::OLT, x, c(0x1p-1022));
    Value scaled = select(tiny, mul(x, c(0x1p54)), x);
    Value bias = select(tiny, c(54.0), c(0.0));
    Value xb = bits(scaled);
    Value expBits = b.create<arith::AndIOp>(
        loc, b.create<arith::ShRUIOp>(loc, xb, ci(52)), ci(0x7ff));
    Value e = b.create<arith::SIToFPOp>(
        loc, f, b.create<arith::SubIOp>(loc, expBits, ci(1023)));
    e = sub(e, bias);
    Value mantissa = b.create<arith::OrIOp>(
        loc, b.create<arith::AndIOp>(loc, xb, ci(0x000fffffffffffffLL)),
        ci(0x3ff0000000000000LL));
    Value m = real(mantissa); // [1, 2)
    Value big = cmp(arith::CmpFPredicate::OGT, m, c(M_SQRT2));
    m = select(big, mul(m, c(0.5)), m);
    e = select(big, add(e, c(1.0)), e);
    Value s = div(sub(m, c(1.0)), add(m, c(1.0)));
    Value z = mul(s, s);
    Value p = c(1.0 / 21);
    for (int k = 19; k >= 1; k -= 2)
      p = add(mul(p, z), c(1.0 / k));
    Value logm = mul(mul(c(2.0), s), p);
    Value y = add(add(mul(e, c(kLn2Hi)), logm), mul(e, c(kLn2Lo)));
    y = select(cmp(arith::CmpFPredicate::OEQ, x, c(0.0)), c(-INFINITY), y);
    y = select(cmp(arith::CmpFPredicate::OLT, x, c(0.0)), c(NAN), y);
    y = select(cmp(arith::CmpFPredicate::OEQ, x, c(INFINITY)), x, y);
    return select(cmp(arith::CmpFPredicate::UNO, x, x), x, y);
  }

  Value log1p(Value x) {
    Value u = add(c(1.0), x);
    Value y = sub(log(u), div(sub(sub(u, c(1.0)), x), u));
    // Where u rounds to 1, log1p(x) = x to working precision.
    return select(cmp(arith::CmpFPredicate::OEQ, u, c(1.0)), x, y);
  }

  Value tanh(Value x) {
    Value t = expm1Reduced(mul(c(2.0), x));
    Value small = div(t, add(t, c(2.0)));
    Value ax = b.create<math::AbsFOp>(loc, x);
    Value e2 = exp(mul(c(2.0), ax));
    Value large = sub(c(1.0), div(c(2.0), add(e2, c(1.0))));
    large = b.create<math::CopySignOp>(loc, large, x);
    Value y = select(cmp(arith::CmpFPredicate::OLT, ax, c(0.17)), small, large);
    return select(cmp(arith::CmpFPredicate::UNO, x, x), x, y);
  }
};

template <typename Op> struct ExpandF64 : OpRewritePattern<Op> {
  using OpRewritePattern<Op>::OpRewritePattern;
  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF64())
      return failure();
    F64 f{rewriter, op.getLoc()};
    Value x = op->getOperand(0), y;
    if constexpr (std::is_same_v<Op, math::ExpOp>)
      y = f.exp(x);
    else if constexpr (std::is_same_v<Op, math::LogOp>)
      y = f.log(x);
    else if constexpr (std::is_same_v<Op, math::Log1pOp>)
      y = f.log1p(x);
    else
      y = f.tanh(x);
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// cmpi P, index_cast(i), C → cmpi P, i, C (in the index type).
struct NarrowIndexCompare : OpRewritePattern<arith::CmpIOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::CmpIOp op,
                                PatternRewriter &rewriter) const override {
    auto cast = op.getLhs().getDefiningOp<arith::IndexCastOp>();
    APInt c;
    if (!cast || !cast.getIn().getType().isIndex() ||
        !matchPattern(op.getRhs(), m_ConstantInt(&c)))
      return failure();
    // The kernels' index type is 32 bits wide.
    bool isUnsigned = op.getPredicate() == arith::CmpIPredicate::ult ||
                      op.getPredicate() == arith::CmpIPredicate::ule ||
                      op.getPredicate() == arith::CmpIPredicate::ugt ||
                      op.getPredicate() == arith::CmpIPredicate::uge;
    int64_t v = c.getSExtValue();
    if (c.getBitWidth() > 64 || v > INT32_MAX || v < INT32_MIN ||
        (isUnsigned && v < 0))
      return failure();
    Value narrow = rewriter.create<arith::ConstantIndexOp>(op.getLoc(), v);
    rewriter.replaceOpWithNewOp<arith::CmpIOp>(op, op.getPredicate(),
                                               cast.getIn(), narrow);
    return success();
  }
};

/// divf x, ±0 → the IEEE quotient, written out.
struct DivideByZeroConstant : OpRewritePattern<arith::DivFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::DivFOp op,
                                PatternRewriter &rewriter) const override {
    FloatAttr c;
    if (!matchPattern(op.getRhs(), m_Constant(&c)) || !c.getValue().isZero())
      return failure();
    Location loc = op.getLoc();
    Type t = op.getType();
    Value x = op.getLhs();
    auto constant = [&](double v) -> Value {
      return rewriter.create<arith::ConstantOp>(loc,
                                                rewriter.getFloatAttr(t, v));
    };
    // sign(x) · sign(C) · inf: copysign(inf, x), negated for C = −0.
    Value inf = rewriter.create<math::CopySignOp>(loc, constant(INFINITY), x);
    if (c.getValue().isNegative())
      inf = rewriter.create<arith::NegFOp>(loc, inf);
    Value undefined = rewriter.create<arith::CmpFOp>(
        loc, arith::CmpFPredicate::UEQ, x, constant(0.0));
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, undefined, constant(NAN),
                                                 inf);
    return success();
  }
};

/// MLIR 19's SPIR-V form of an scf.for with results keeps each result in a
/// variable that only the loop body stores, so a loop that runs no
/// iteration yields undefined values instead of its initial ones (lavapipe
/// reads 0). Unless its bounds are constants with lb < ub, the loop goes
/// under an scf.if that yields the initial values when lb >= ub.
void guardEmptyLoop(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  if (lb && ub && *lb < *ub)
    return;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value runs =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt,
                              loop.getLowerBound(), loop.getUpperBound());
  auto guard = b.create<scf::IfOp>(loc, loop.getResultTypes(), runs,
                                   /*withElseRegion=*/true);
  OpBuilder other = guard.getElseBodyBuilder();
  other.create<scf::YieldOp>(loc, loop.getInitArgs());
  loop->replaceAllUsesWith(guard.getResults());
  OpBuilder then = guard.getThenBodyBuilder();
  loop->moveBefore(then.getInsertionBlock(), then.getInsertionPoint());
  then.setInsertionPointAfter(loop);
  then.create<scf::YieldOp>(loc, loop.getResults());
}

/// f32 tanh(x) for |x| < 0.3 as its odd Taylor polynomial through x¹¹
/// (relative error below 1e-8 there), else the driver's tanh: lavapipe
/// computes tanh as (e^2x − 1)/(e^2x + 1), which cancels near 0 (tanh of
/// 1e-30 came out as 3e-8, of 1e-4 with a relative error of 2e-4).
void accurateTanh(math::TanhOp op) {
  Type t = op.getType();
  if (!getElementTypeOrSelf(t).isF32())
    return;
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto constant = [&](double v) -> Value {
    auto f = b.getF32FloatAttr(float(v));
    if (auto vt = dyn_cast<VectorType>(t))
      return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(vt, f));
    return b.create<arith::ConstantOp>(loc, f);
  };
  Value x = op.getOperand();
  Value x2 = b.create<arith::MulFOp>(loc, x, x);
  // x · (1 + x²·(c3 + x²·(c5 + …))), Horner in x².
  const double c[] = {1.0,         -1.0 / 3,    2.0 / 15,
                      -17.0 / 315, 62.0 / 2835, -1382.0 / 155925};
  Value p = constant(c[5]);
  for (int i = 4; i >= 0; --i)
    p = b.create<arith::AddFOp>(loc, b.create<arith::MulFOp>(loc, p, x2),
                                constant(c[i]));
  Value series = b.create<arith::MulFOp>(loc, x, p);
  Value native = b.create<math::TanhOp>(loc, x);
  Value small =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT,
                              b.create<math::AbsFOp>(loc, x), constant(0.3));
  op.replaceAllUsesWith(
      b.create<arith::SelectOp>(loc, small, series, native).getResult());
  op.erase();
}

/// f32 e^x as 2^n e^r, n = round(x / ln 2), r = x − n ln 2 (ln 2 in two
/// parts, Cody and Waite: n · 0.693359375 is exact), |r| ≤ ln 2 / 2: the
/// driver's exp only sees the reduced argument. GLSL lets exp(x) be off by
/// 3 + 2|x| ulp, and lavapipe's is (62 ulp at x = −80, 31 at −40: a
/// sigmoid's tail, a sharp Gaussian density), where the CPU's is within 1.
/// 2^n is built from exponent bits in two factors, so subnormal results
/// stay where the driver keeps subnormals; x > 88.7228 gives +inf, x < −103.972
/// gives 0, NaN stays NaN.
void accurateExp(math::ExpOp op) {
  Type t = op.getType();
  if (!getElementTypeOrSelf(t).isF32())
    return;
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto vt = dyn_cast<VectorType>(t);
  Type it = vt ? Type(VectorType::get(vt.getShape(), b.getI32Type()))
               : Type(b.getI32Type());
  auto splat = [&](Type type, TypedAttr a) -> Value {
    if (auto shaped = dyn_cast<ShapedType>(type))
      return b.create<arith::ConstantOp>(loc,
                                         DenseElementsAttr::get(shaped, a));
    return b.create<arith::ConstantOp>(loc, a);
  };
  auto fc = [&](float v) { return splat(t, b.getF32FloatAttr(v)); };
  auto ic = [&](int32_t v) { return splat(it, b.getI32IntegerAttr(v)); };
  auto mul = [&](Value x, Value y) -> Value {
    return b.create<arith::MulFOp>(loc, x, y);
  };
  auto sub = [&](Value x, Value y) -> Value {
    return b.create<arith::SubFOp>(loc, x, y);
  };
  auto select = [&](arith::CmpFPredicate p, Value x, Value c, Value yes,
                    Value no) -> Value {
    return b.create<arith::SelectOp>(loc, b.create<arith::CmpFOp>(loc, p, x, c),
                                     yes, no);
  };
  Value x = op.getOperand();
  Value n = b.create<math::RoundEvenOp>(loc, mul(x, fc(float(1 / M_LN2))));
  // n in [−150, 128] where the result is finite and not 0; the clamps keep
  // the exponent bits below in range elsewhere (the selects decide there).
  n = b.create<arith::MinimumFOp>(
      loc, b.create<arith::MaximumFOp>(loc, n, fc(-160.0f)), fc(160.0f));
  Value r = sub(sub(x, mul(n, fc(0.693359375f))), mul(n, fc(-2.12194440e-4f)));
  Value m = b.create<math::ExpOp>(loc, r);
  Value k = b.create<arith::FPToSIOp>(loc, it, n);
  Value half = b.create<arith::DivSIOp>(loc, k, ic(2));
  Value rest = b.create<arith::SubIOp>(loc, k, half);
  auto pow2 = [&](Value e) -> Value { // 2^e for e in [−126, 127]
    Value biased = b.create<arith::AddIOp>(loc, e, ic(127));
    return b.create<arith::BitcastOp>(
        loc, t, b.create<arith::ShLIOp>(loc, biased, ic(23)));
  };
  Value y = mul(mul(m, pow2(half)), pow2(rest));
  y = select(arith::CmpFPredicate::OGT, x, fc(88.72283935546875f), fc(INFINITY),
             y);
  y = select(arith::CmpFPredicate::OLT, x, fc(-103.972084045410156f), fc(0.0f),
             y);
  y = select(arith::CmpFPredicate::UNO, x, x, x, y);
  op.replaceAllUsesWith(y);
  op.erase();
}

/// Mesa's llvmpipe (lavapipe) ends an invocation's loops after 65535
/// passes in all, as if each had run to its end: a workgroup of 64 that
/// summed 5 million elements returned about a million. A loop that may
/// run more than kMaxLoopPasses passes (by its constant upper bound and
/// step; its lower bound is an index, at least 0) is unrolled, the same
/// iterations in the same order: 8 times, or as many more (a power of
/// two, up to kMaxUnroll) as keep it within kUnrolledPasses passes. A
/// full reduction of 2^31 − 2^17 terms folds 2^23 of them in each of 256
/// invocations: 32768 passes of 256 terms. (Unrolled 8 times only, a sum
/// of 2^27 terms lost some.)
constexpr int64_t kMaxLoopPasses = 4096, kLongUnroll = 8,
                  kUnrolledPasses = 32768, kMaxUnroll = 256;

/// The passes `loop` may run (by its constant upper bound and step), or 0.
int64_t maxPasses(scf::ForOp loop) {
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!ub || !step || *step <= 0 || *ub <= 0)
    return 0; // (no such loop in a kernel: bounds are static)
  return (*ub + *step - 1) / *step;
}

/// How many times to unroll a loop of `passes` passes.
int64_t unrollFactor(int64_t passes) {
  int64_t factor = kLongUnroll;
  while (factor < kMaxUnroll &&
         (passes + factor - 1) / factor > kUnrolledPasses)
    factor *= 2;
  return factor;
}

/// Kernels index with 32-bit integers (SPIR-V's index type here): a count
/// near 2^31 would wrap (a sum over 2^31 terms returned 0), also in a
/// loop's last increment (an induction variable steps up to 256 lanes ×
/// 256 unrolled terms past its bound). A count above kMaxCount is an error
/// that names its node.
constexpr int64_t kMaxCount = (int64_t(1) << 31) - (int64_t(1) << 17);

LogicalResult checkIndexRange(Operation *kernels) {
  WalkResult result = kernels->walk([](arith::ConstantOp c) {
    auto attr = dyn_cast<IntegerAttr>(c.getValue());
    if (!attr || !c.getType().isIndex() ||
        attr.getValue().getSExtValue() <= kMaxCount)
      return WalkResult::advance();
    // The node: the constant's location, or that of an op of its kernel
    // (constants made for a kernel may carry none).
    Location where = c.getLoc();
    if (credo::nodeName(where).empty())
      if (auto fn = c->getParentOfType<gpu::GPUFuncOp>())
        fn.walk([&](Operation *op) {
          if (credo::nodeName(op->getLoc()).empty())
            return WalkResult::advance();
          where = op->getLoc();
          return WalkResult::interrupt();
        });
    emitError(where) << "the Vulkan target counts a kernel's elements and "
                        "iterations with 32-bit integers, but this operation "
                        "needs "
                     << attr.getValue().getSExtValue()
                     << " (more than 2^31 - 2^17 = " << kMaxCount
                     << "); split it into smaller operations or use --target "
                        "cpu";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

struct KernelArith : public credo::impl::CredoKernelArithBase<KernelArith> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<NarrowIndexCompare, DivideByZeroConstant>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    SmallVector<math::TanhOp> tanhs;
    getOperation()->walk([&](math::TanhOp op) { tanhs.push_back(op); });
    for (math::TanhOp op : tanhs)
      accurateTanh(op);
    // (f64's is arithmetic already, credo-expand-f64-math.)
    SmallVector<math::Log1pOp> log1ps;
    getOperation()->walk([&](math::Log1pOp op) {
      if (getElementTypeOrSelf(op.getType()).isF32())
        log1ps.push_back(op);
    });
    for (math::Log1pOp op : log1ps)
      credo::expandLog1p(op);
    SmallVector<math::ExpOp> exps;
    getOperation()->walk([&](math::ExpOp op) { exps.push_back(op); });
    for (math::ExpOp op : exps)
      accurateExp(op);
    if (failed(checkIndexRange(getOperation())))
      return signalPassFailure();
    SmallVector<std::pair<scf::ForOp, int64_t>> longLoops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (int64_t passes = maxPasses(loop); passes > kMaxLoopPasses)
        longLoops.push_back({loop, unrollFactor(passes)});
    });
    for (auto [loop, factor] : longLoops)
      if (failed(loopUnrollByFactor(loop, factor)))
        return signalPassFailure();
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (loop.getNumResults() > 0)
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops)
      guardEmptyLoop(loop);
  }
};

struct ExpandF64Math
    : public credo::impl::CredoExpandF64MathBase<ExpandF64Math> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateExpandPowFPattern(patterns);
    patterns.add<ExpandF64<math::ExpOp>, ExpandF64<math::LogOp>,
                 ExpandF64<math::Log1pOp>, ExpandF64<math::TanhOp>>(
        &getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
