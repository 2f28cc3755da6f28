//===- ExpandExp.cpp - exp of f32 as arithmetic -----------------*- C++ -*-===//
//
// Implements credo-expand-exp: each scalar f32 math.exp becomes the
// arithmetic of glibc's expf (the x86-64 build with fused multiply-adds),
// operation for operation, so that the LLVM vectorizers can make vector code
// of it where a call to libm is one element at a time, and the results stay
// glibc's bit for bit:
//
//   z  = x · 32/ln 2 (in f64);  k = round(z) by adding and subtracting
//        1.5·2^52 (one fused multiply-add);  r = z - k (one fused op)
//   2^(k/32) = the f64 whose bits are T[k mod 32] + k·2^47, with
//        T[i] = bits(2^(i/32)) - i·2^47
//   exp(x) ≈ 2^(k/32) · ((C0·r + C1)·r² + (C2·r + 1)), rounded to f32
//
// and, for |x| ≥ 88: +inf above 0x1.62e42ep6, 0 below -0x1.9fe368p6 (and
// at -inf), x + x for NaN.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOEXPANDEXP
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kTable = "__credo_exp2_32";

/// bits(2^(i/32)) - i·2^47 for i in [0, 32): the f64 2^(i/32) with the
/// exponent bits that k·2^47 adds back subtracted.
constexpr uint64_t kExp2Table[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f,
    0x3fef9301d0125b51, 0x3fef72b83c7d517b, 0x3fef54873168b9aa,
    0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715,
    0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429,
    0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74,
    0x3feea11473eb0187, 0x3feea589994cce13, 0x3feeace5422aa0db,
    0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c,
    0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540};

/// Replaces `op` (a scalar f32 exp) with the arithmetic.
void expand(RewriterBase &b, math::ExpOp op) {
  b.setInsertionPoint(op);
  Location loc = op.getLoc();
  Type f64 = b.getF64Type(), i64 = b.getI64Type();
  auto d = [&](double v) -> Value {
    return b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(v));
  };
  auto f = [&](float v) -> Value {
    return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v));
  };
  auto fma = [&](Value x, Value y, Value z) -> Value {
    return b.create<math::FmaOp>(loc, x, y, z);
  };
  Value x = op.getOperand();
  Value xd = b.create<arith::ExtFOp>(loc, f64, x);
  Value invLn2N = d(0x1.71547652b82fep+5), shift = d(0x1.8p52);
  Value kShifted = fma(invLn2N, xd, shift);
  Value ki = b.create<arith::BitcastOp>(loc, i64, kShifted);
  Value k = b.create<arith::SubFOp>(loc, kShifted, shift);
  Value r = fma(invLn2N, xd, b.create<arith::NegFOp>(loc, k));
  Value slot = b.create<arith::IndexCastUIOp>(
      loc, b.getIndexType(),
      b.create<arith::AndIOp>(
          loc, ki, b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(31))));
  auto tableType = MemRefType::get({32}, i64);
  Value table = b.create<memref::GetGlobalOp>(loc, tableType, kTable);
  Value t = b.create<arith::AddIOp>(
      loc, b.create<memref::LoadOp>(loc, table, ValueRange{slot}),
      b.create<arith::ShLIOp>(
          loc, ki, b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(47))));
  Value s = b.create<arith::BitcastOp>(loc, f64, t);
  Value z = fma(d(0x1.c6af84b912394p-20), r, d(0x1.ebfce50fac4f3p-13));
  Value r2 = b.create<arith::MulFOp>(loc, r, r);
  Value y = fma(r, d(0x1.62e42ff0c52d6p-6), d(1.0));
  y = b.create<arith::MulFOp>(loc, fma(z, r2, y), s);
  Value result = b.create<arith::TruncFOp>(loc, b.getF32Type(), y);
  // |x| ≥ 88 and NaN: overflow, underflow, x + x.
  auto cmp = [&](arith::CmpFPredicate p, Value a, Value c) -> Value {
    return b.create<arith::CmpFOp>(loc, p, a, c);
  };
  result = b.create<arith::SelectOp>(
      loc, cmp(arith::CmpFPredicate::OGT, x, f(0x1.62e42ep6f)),
      f(std::numeric_limits<float>::infinity()), result);
  result = b.create<arith::SelectOp>(
      loc, cmp(arith::CmpFPredicate::OLT, x, f(-0x1.9fe368p6f)), f(0.0f),
      result);
  b.replaceOpWithNewOp<arith::SelectOp>(
      op, cmp(arith::CmpFPredicate::UNO, x, x),
      b.create<arith::AddFOp>(loc, x, x), result);
}

struct ExpandExp : public mlir::credo::impl::CredoExpandExpBase<ExpandExp> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The scalar f32 exps of host functions (not of a nested GPU module or
    // a GPU launch, which keep their device's exponential).
    SmallVector<math::ExpOp> exps;
    for (auto fn : module.getOps<func::FuncOp>())
      fn.walk([&](math::ExpOp op) {
        if (op.getType().isF32() && !op->getParentOfType<gpu::LaunchOp>())
          exps.push_back(op);
      });
    if (exps.empty())
      return;
    auto tableType = MemRefType::get({32}, IntegerType::get(&getContext(), 64));
    if (Operation *existing = module.lookupSymbol(kTable)) {
      auto global = dyn_cast<memref::GlobalOp>(existing);
      if (!global || global.getType() != tableType || !global.getConstant()) {
        existing->emitError() << "credo-expand-exp: '" << kTable
                              << "' names the exponential's table, a constant "
                              << tableType << " global";
        return signalPassFailure();
      }
    } else {
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      SmallVector<APInt> words;
      for (uint64_t w : kExp2Table)
        words.push_back(APInt(64, w));
      b.create<memref::GlobalOp>(
          module.getLoc(), kTable, b.getStringAttr("private"), tableType,
          DenseElementsAttr::get(RankedTensorType::get({32}, b.getI64Type()),
                                 words),
          /*constant=*/true, b.getI64IntegerAttr(64));
    }
    IRRewriter rewriter(&getContext());
    for (math::ExpOp op : exps)
      expand(rewriter, op);
  }
};

} // namespace
