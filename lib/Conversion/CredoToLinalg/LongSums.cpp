//===- LongSums.cpp - Long f32 sums accumulated in f64 ----------*- C++ -*-===//
//
// Implements credo-long-sums-in-f64: a linalg.generic on tensors that sums
// f32 values (its one output updated by an arith.addf of the output's
// block argument) over at least kLongSum terms per output accumulates in
// f64, then rounds the sum to f32 once. The generated loops add the terms
// one after another; in f32 every addition rounds to the sum's precision,
// so 4 million terms of 0.1 summed to about 389,000 instead of 400,000
// (a softmax over 5 million logits summed to 0.95, and 2^20 - 1 terms of
// 0.1 came out 1 % high). From 2^12 terms the error of an f32 sum in order
// (up to terms × 2^-24 of it) could pass 2.4·10^-4; shorter sums (a batch's
// sums, most layers' products) keep their f32 order bit for bit.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOLONGSUMSINF64
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {

/// Terms per output from which a sum accumulates in f64.
constexpr int64_t kLongSum = int64_t(1) << 12;

/// An elementwise generic of `in`'s shape whose body is `convert`.
Value convertAll(OpBuilder &b, Location loc, Value in, Type to,
                 function_ref<Value(OpBuilder &, Location, Value)> convert) {
  auto type = cast<RankedTensorType>(in.getType());
  Value empty = b.create<tensor::EmptyOp>(loc, type.getShape(), to);
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(
          loc, empty.getType(), ValueRange{in}, ValueRange{empty},
          ArrayRef<AffineMap>{id, id}, parallel,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            nb.create<linalg::YieldOp>(l, convert(nb, l, args[0]));
          })
      .getResult(0);
}

void accumulateInF64(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumResults() != 1 || op.getNumReductionLoops() == 0)
    return;
  auto outType = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  if (!outType || !outType.getElementType().isF32())
    return;
  int64_t terms = 1;
  for (auto [range, kind] :
       llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray()))
    if (kind == utils::IteratorType::reduction) {
      if (ShapedType::isDynamic(range))
        return;
      terms *= range;
    }
  if (terms < kLongSum)
    return;
  Block &body = op.getRegion().front();
  BlockArgument acc = body.getArgument(op.getNumDpsInputs());
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!add || add->getBlock() != &body || !acc.hasOneUse() ||
      !llvm::is_contained(add->getOperands(), Value(acc)) ||
      add.getLhs() == add.getRhs())
    return;
  Value term = add.getLhs() == acc ? add.getRhs() : add.getLhs();

  OpBuilder b(op);
  Location loc = op.getLoc();
  Type f64 = b.getF64Type();
  Value init = convertAll(b, loc, op.getDpsInits()[0], f64,
                          [&](OpBuilder &nb, Location l, Value x) -> Value {
                            return nb.create<arith::ExtFOp>(l, f64, x);
                          });
  auto wide = b.create<linalg::GenericOp>(
      loc, init.getType(), op.getDpsInputs(), ValueRange{init},
      op.getIndexingMapsArray(), op.getIteratorTypesArray(),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        IRMapping mapping;
        for (auto [old, now] : llvm::zip(body.getArguments(), args))
          if (old != acc)
            mapping.map(old, now);
        for (Operation &inner : body.without_terminator())
          if (&inner != add.getOperation())
            nb.clone(inner, mapping);
        Value x = nb.create<arith::ExtFOp>(l, f64, mapping.lookup(term));
        Value sum = add.getLhs() == acc
                        ? nb.create<arith::AddFOp>(l, args.back(), x)
                        : nb.create<arith::AddFOp>(l, x, args.back());
        nb.create<linalg::YieldOp>(l, sum);
      });
  Value narrow =
      convertAll(b, loc, wide.getResult(0), b.getF32Type(),
                 [&](OpBuilder &nb, Location l, Value x) -> Value {
                   return nb.create<arith::TruncFOp>(l, nb.getF32Type(), x);
                 });
  op.getResult(0).replaceAllUsesWith(narrow);
  op.erase();
}

struct LongSumsInF64
    : public credo::impl::CredoLongSumsInF64Base<LongSumsInF64> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    for (linalg::GenericOp op : generics)
      accumulateInF64(op);
  }
};

} // namespace
