//===- ExpandLog1p.cpp - log1p without cancellation -------------*- C++ -*-===//
//
// Implements credo-expand-log1p: each math.log1p of the host code becomes
//
//   u = 1 + x;  log1p(x) = x where u = 1,  log(u) where u = +inf,
//                          log(u) · x/(u − 1) elsewhere,
//
// where the rounding error of u cancels in x/(u − 1), instead of the
// log(1 + x) of MLIR's math-to-llvm, which loses a small x entirely.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOEXPANDLOG1P
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

void mlir::credo::expandLog1p(Operation *generic) {
  auto op = dyn_cast<math::Log1pOp>(generic);
  if (!op)
    return;
  Type t = op.getType();
  auto f = dyn_cast<FloatType>(getElementTypeOrSelf(t));
  if (!f)
    return;
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto constant = [&](double v) -> Value {
    auto attr = b.getFloatAttr(f, v);
    if (auto vt = dyn_cast<VectorType>(t))
      return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(vt, attr));
    return b.create<arith::ConstantOp>(loc, attr);
  };
  auto cmp = [&](arith::CmpFPredicate p, Value a, Value c) -> Value {
    return b.create<arith::CmpFOp>(loc, p, a, c);
  };
  Value x = op.getOperand(), one = constant(1.0);
  Value u = b.create<arith::AddFOp>(loc, x, one);
  Value d = b.create<arith::SubFOp>(loc, u, one);
  Value log = b.create<math::LogOp>(loc, u);
  Value scaled =
      b.create<arith::MulFOp>(loc, log, b.create<arith::DivFOp>(loc, x, d));
  Value y = b.create<arith::SelectOp>(
      loc, cmp(arith::CmpFPredicate::OEQ, u, constant(INFINITY)), log, scaled);
  y = b.create<arith::SelectOp>(loc, cmp(arith::CmpFPredicate::OEQ, u, one), x,
                                y);
  op.replaceAllUsesWith(y);
  op.erase();
}

namespace {

struct ExpandLog1p : public credo::impl::CredoExpandLog1pBase<ExpandLog1p> {
  void runOnOperation() override {
    SmallVector<math::Log1pOp> ops;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::GPUModuleOp, gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (auto log1p = dyn_cast<math::Log1pOp>(op))
        ops.push_back(log1p);
      return WalkResult::advance();
    });
    for (math::Log1pOp op : ops)
      credo::expandLog1p(op);
  }
};

} // namespace
