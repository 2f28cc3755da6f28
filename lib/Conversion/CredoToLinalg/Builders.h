//===- Builders.h - Helpers shared by the credo → linalg patterns -*- C++
//-*-===//
//
// Small builders for the linalg.generic shapes that the patterns use again
// and again: elementwise maps, broadcasts, reductions and constants.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_CONVERSION_CREDOTOLINALG_BUILDERS_H
#define CREDO_LIB_CONVERSION_CREDOTOLINALG_BUILDERS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

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
void checkLabels(mlir::OpBuilder &b, mlir::Location loc, mlir::Value labels,
                 int64_t classes);

} // namespace mlir::credo::linalg_builders

#endif // CREDO_LIB_CONVERSION_CREDOTOLINALG_BUILDERS_H
