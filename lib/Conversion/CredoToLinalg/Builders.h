//===- Builders.h - Helpers shared by the credo → linalg patterns -*- C++
//-*-===//
//
// Small builders for the linalg.generic shapes that the patterns use again
// and again: elementwise maps, broadcasts, reductions and constants.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_CONVERSION_CREDOTOLINALG_BUILDERS_H
#define CREDO_LIB_CONVERSION_CREDOTOLINALG_BUILDERS_H

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>

namespace mlir::credo::linalg_builders {

using BodyFn = std::function<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                         mlir::ValueRange)>;

/// A float constant of type `type`.
mlir::Value floatConst(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                       double value);

/// acc + x (the combiner of sum reductions).
mlir::Value addFloats(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc,
                      mlir::Value x);

/// tensor.empty of `type`.
mlir::Value empty(mlir::OpBuilder &b, mlir::Location loc,
                  mlir::RankedTensorType type);

/// A tensor of `type` filled with `value`.
mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::RankedTensorType type, double value);

/// An elementwise linalg.generic over `type`: `body(b, loc, elements)` gets
/// one scalar per input (all of the result's shape) and returns the result.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type, mlir::ValueRange inputs,
                        const BodyFn &body);

/// An elementwise generic over `type` with several results of that type:
/// `body` gets one scalar per input and returns one scalar per result.
llvm::SmallVector<mlir::Value> elementwiseMulti(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
    mlir::ValueRange inputs, unsigned results,
    const std::function<llvm::SmallVector<mlir::Value>(
        mlir::OpBuilder &, mlir::Location, mlir::ValueRange)> &body);

/// Scalar helpers inside a generic body.
struct Scalar {
  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Type t;
  mlir::Value c(double v) { return floatConst(b, loc, t, v); }
  mlir::Value add(mlir::Value x, mlir::Value y) {
    return b.create<mlir::arith::AddFOp>(loc, x, y);
  }
  mlir::Value sub(mlir::Value x, mlir::Value y) {
    return b.create<mlir::arith::SubFOp>(loc, x, y);
  }
  mlir::Value mul(mlir::Value x, mlir::Value y) {
    return b.create<mlir::arith::MulFOp>(loc, x, y);
  }
  mlir::Value div(mlir::Value x, mlir::Value y) {
    return b.create<mlir::arith::DivFOp>(loc, x, y);
  }
  mlir::Value max(mlir::Value x, mlir::Value y) {
    return b.create<mlir::arith::MaximumFOp>(loc, x, y);
  }
  mlir::Value abs(mlir::Value x) {
    return b.create<mlir::math::AbsFOp>(loc, x);
  }
  mlir::Value gt(mlir::Value x, mlir::Value y) {
    return b.create<mlir::arith::CmpFOp>(loc, mlir::arith::CmpFPredicate::OGT,
                                         x, y);
  }
  mlir::Value select(mlir::Value cond, mlir::Value x, mlir::Value y) {
    return b.create<mlir::arith::SelectOp>(loc, cond, x, y);
  }
  /// 1 where `cond`, else 0.
  mlir::Value step(mlir::Value cond) { return select(cond, c(1), c(0)); }
};

/// Philox-4x32-10 (Salmon et al., SC'11) on i32 words, computed in 32-
/// or 64-bit lanes.
llvm::SmallVector<mlir::Value, 4> philox(mlir::OpBuilder &b, mlir::Location loc,
                                         llvm::SmallVector<mlir::Value, 4> ctr,
                                         mlir::Value k0, mlir::Value k1,
                                         GeneratorLanes lanes);

/// The draws of one random op (design.md §4.3): key (seed mod 2^32,
/// stream ^ seed / 2^32) and counter (element, step, draws mod 2^32,
/// draws / 2^32) from the generator [seed, draws], built once before the
/// op's loops.
struct KeyedDraws {
  KeyedDraws(mlir::OpBuilder &b, mlir::Location loc, mlir::Value generator,
             int64_t stream, mlir::Value step /* index, or null for 0 */,
             GeneratorLanes lanes);
  /// Word 0 of Philox for the element `i` (i32), inside a loop body.
  mlir::Value word(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i) const;
  /// All four words of the Philox block with counter word 0 `group` (i32):
  /// the numbers of elements 4·group … 4·group + 3 of an op that draws in
  /// blocks (poisson_encode).
  llvm::SmallVector<mlir::Value, 4>
  block(mlir::OpBuilder &b, mlir::Location loc, mlir::Value group) const;
  /// The uniform number in [0, 1) of a word: its top 24 bits times 2^-24.
  static mlir::Value toUniform(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value word, mlir::Type t);
  /// The uniform number in [0, 1) of element `i` (i32): the top 24 bits of
  /// its word times 2^-24, exact in f32 and f64, of float type `t`.
  mlir::Value uniform(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i,
                      mlir::Type t) const;
  /// The row-major index (i32) of the current element of a linalg.generic
  /// over `shape`, inside its body.
  static mlir::Value linearIndex(mlir::OpBuilder &b, mlir::Location loc,
                                 llvm::ArrayRef<int64_t> shape);
  mlir::Value k0, k1, step, n0, n1;
  GeneratorLanes lanes;
};

/// The lowering pattern of an op that draws random numbers: it knows which
/// lanes the generator is computed in.
template <typename Op> struct DrawPattern : mlir::OpRewritePattern<Op> {
  DrawPattern(mlir::MLIRContext *context, GeneratorLanes lanes)
      : mlir::OpRewritePattern<Op>(context), lanes(lanes) {}
  GeneratorLanes lanes;
};

/// Reshapes `input` to `type` (as many elements) through a 1-D view, in
/// row-major order.
mlir::Value reshapeVia1D(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value input, mlir::RankedTensorType type);

/// Broadcasts `input` into `type`; `dims` lists, for each input dimension,
/// the result dimension it maps to.
mlir::Value broadcast(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      mlir::RankedTensorType type,
                      llvm::ArrayRef<int64_t> dims);

/// Reduces `input` over the dimensions in `reduced` with `combine(acc, x)`
/// starting from `init`; the result keeps the other dimensions in order.
mlir::Value
reduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
       llvm::ArrayRef<int64_t> reduced, double init,
       const std::function<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                       mlir::Value, mlir::Value)> &combine);

/// A generic whose inputs are `inputs` read through `inputMaps` (the result
/// is read/written through the identity) with all-parallel iterators.
mlir::Value mapped(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::RankedTensorType type, mlir::ValueRange inputs,
                   llvm::ArrayRef<mlir::AffineMap> inputMaps,
                   const BodyFn &body);

/// Pads `input` (NCHW) by `pad` = [ph, pw] on both sides of H and W with
/// `value`; returns `input` itself when there is no padding.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<int64_t> pad,
                       double value);

/// Emits the run-time check of class labels (i32 or i64, [B]) against
/// `classes`: the first label outside [0, classes) and its value go to
/// credo_rt_check_labels (kernels.h), which records the failure that the
/// entry point then returns. Generated code reads only clamped labels, so
/// the call has finished safely when the failure is reported.
/// `what` names the values in the message ("label", "given sample"), after
/// the node `loc` names.
void checkLabels(mlir::OpBuilder &b, mlir::Location loc, mlir::Value labels,
                 int64_t classes, llvm::StringRef what = "label");

/// The row-major position (index) of the current iteration of a
/// linalg.generic over `shape` (its leading loops), inside its body.
mlir::Value rowMajorPosition(mlir::OpBuilder &b, mlir::Location loc,
                             llvm::ArrayRef<int64_t> shape);

/// Calls the runtime function `name` (declared once per module, private,
/// no results) with `args`.
void callRuntime(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name,
                 mlir::ValueRange args);

/// True when the indices come from an op whose construction keeps component
/// `column` inside [0, limit) (the sampler and the rounding clamp).
bool provenInRange(mlir::Value indices, int64_t column, int64_t limit);

/// The run-time range check of component `column` of the tuples `indices`
/// ([S…, r]) against [0, limit): the first tuple (row-major) whose
/// component is outside, and that component, go to credo_rt_check_indices
/// with the node `loc` names. Nothing when provenInRange.
void checkIndices(mlir::OpBuilder &b, mlir::Location loc, mlir::Value indices,
                  int64_t column, int64_t limit);

/// Emits the run-time check of the float tensor `values`: the first element
/// (row-major) for which `bad` holds, and its value, go to
/// credo_rt_check_values (kernels.h) with "node 'N': `what`" and
/// `requirement` for the message ("… 3 of 6 is 2, but must be 0 or 1").
void checkValues(mlir::OpBuilder &b, mlir::Location loc, mlir::Value values,
                 const std::function<mlir::Value(Scalar &, mlir::Value)> &bad,
                 llvm::StringRef what, llvm::StringRef requirement);

/// The address (i64) of a constant C string naming the node `loc` carries
/// and then `what` ("node 'g': index tuple"), for the runtime's messages:
/// a private memref.global of the module, one per text.
mlir::Value siteText(mlir::OpBuilder &b, mlir::Location loc,
                     llvm::StringRef what);

} // namespace mlir::credo::linalg_builders

#endif // CREDO_LIB_CONVERSION_CREDOTOLINALG_BUILDERS_H
