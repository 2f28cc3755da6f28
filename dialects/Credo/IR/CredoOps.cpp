//===- CredoOps.cpp - Credo op verifiers and type inference -----*- C++ -*-===//
//
// Result-type inference for every credo op. Inference is also verification:
// each shape and attribute rule lives here once, reports the offending values,
// and runs both when the JSON importer builds an op and when the verifier
// checks a parsed one.
//
//===----------------------------------------------------------------------===//

#include "Credo/IR/CredoOps.h"
#include "Credo/IR/ShapeRules.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/MathExtras.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::detail;

namespace {

/// Checks a two-element array attribute whose entries are >= `min`.
LogicalResult checkPair(std::optional<Location> loc, StringRef opName,
                        StringRef name, ArrayRef<int64_t> values, int64_t min) {
  if (values.size() != 2)
    return ShapeError(loc, opName)
           << "expects '" << name << "' to have 2 entries, but got "
           << values.size();
  for (int64_t v : values)
    if (v < min)
      return ShapeError(loc, opName)
             << "expects '" << name << "' entries >= " << min << ", but got "
             << shapeStr(values);
  return success();
}

/// Output extent of a sliding window: (in + 2 pad − k) / stride + 1.
LogicalResult windowExtent(std::optional<Location> loc, StringRef opName,
                           StringRef dim, int64_t in, int64_t k, int64_t stride,
                           int64_t pad, int64_t &out) {
  if (in + 2 * pad < k)
    return ShapeError(loc, opName)
           << "expects the padded input " << dim << " (" << in << " + 2*" << pad
           << ") to be at least the kernel " << dim << " (" << k << ")";
  out = (in + 2 * pad - k) / stride + 1;
  return success();
}

/// The entries of an optional array attribute, or `fallback` when absent
/// (adaptors built from a bare attribute dictionary carry no defaults).
ArrayRef<int64_t> arrayOr(DenseI64ArrayAttr attr, ArrayRef<int64_t> fallback) {
  return attr ? attr.asArrayRef() : fallback;
}
constexpr int64_t kOnes[2] = {1, 1};
constexpr int64_t kZeros[2] = {0, 0};

} // namespace

//===----------------------------------------------------------------------===//
// ParamOp / GetParamOp
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  RankedTensorType type = getTensorType();
  if (!type.hasStaticShape())
    return emitOpError() << "expects a static shape, but got " << type;
  for (int64_t d : type.getShape())
    if (d <= 0)
      return emitOpError() << "expects positive dimensions, but got "
                           << shapeStr(type.getShape());
  if (!elementCount(type.getShape()))
    return emitOpError() << "has too many elements: "
                         << shapeStr(type.getShape())
                         << " overflows a 64-bit count";
  if (getInit().getKind() == InitKind::Generator &&
      type != RankedTensorType::get({2}, IntegerType::get(getContext(), 64)))
    return emitOpError() << "a generator (key, counter) is tensor<2xi64>, "
                            "but got "
                         << type;
  if (getInit().getKind() == InitKind::RandomPairs) {
    InitAttr init = getInit();
    if (type.getRank() != 2 || type.getDimSize(1) != 2 ||
        !type.getElementType().isInteger(64))
      return emitError() << "random_pairs draws index pairs: the parameter "
                            "is tensor<NNZ x 2 x i64>, but got "
                         << type;
    if (type.getDimSize(0) > init.getRows() * init.getCols())
      return emitError() << "random_pairs cannot draw " << type.getDimSize(0)
                         << " distinct pairs from " << init.getRows() << " x "
                         << init.getCols() << " positions";
  }
  return getInit().verifyFits([&] { return emitOpError(); },
                              type.getElementType());
}

LogicalResult GetParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param =
      symbolTable.lookupNearestSymbolFrom<ParamOp>(*this, getNameAttr());
  if (!param)
    return emitOpError() << "expects '" << getNameAttr()
                         << "' to name a credo.param";
  if (param.getType() != getType())
    return emitOpError() << "result type " << getType()
                         << " does not match the declared type "
                         << param.getType() << " of " << getNameAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// Layer ops
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x, w, b;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", 2, x)) ||
      failed(getFloatTensor(loc, op, adaptor.getWeight(), "weight", 2, w)) ||
      failed(sameElementType(loc, op, x, "input", w, "weight")))
    return failure();
  if (w.getDimSize(0) != x.getDimSize(1))
    return ShapeError(loc, op)
           << "expects weight rows (" << w.getDimSize(0)
           << ") to match input columns (" << x.getDimSize(1) << ")";
  if (adaptor.getBias()) {
    if (failed(getFloatTensor(loc, op, adaptor.getBias(), "bias", 1, b)) ||
        failed(sameElementType(loc, op, x, "input", b, "bias")))
      return failure();
    if (b.getDimSize(0) != w.getDimSize(1))
      return ShapeError(loc, op)
             << "expects bias size (" << b.getDimSize(0)
             << ") to match weight columns (" << w.getDimSize(1) << ")";
  }
  results.push_back(RankedTensorType::get({x.getDimSize(0), w.getDimSize(1)},
                                          x.getElementType()));
  return success();
}

/// Shared inference of conv2d and its input gradient, on types (`bias` may
/// be null).
static LogicalResult inferConv2D(std::optional<Location> loc, StringRef op,
                                 Type input, Type weight, Type bias,
                                 DenseI64ArrayAttr stridesAttr,
                                 DenseI64ArrayAttr paddingAttr,
                                 SmallVectorImpl<Type> &results) {
  RankedTensorType x, w, b;
  if (failed(getFloatTensorType(loc, op, input, "input", 4, x)) ||
      failed(getFloatTensorType(loc, op, weight, "weight", 4, w)) ||
      failed(sameElementType(loc, op, x, "input", w, "weight")))
    return failure();
  ArrayRef<int64_t> strides = arrayOr(stridesAttr, kOnes);
  ArrayRef<int64_t> padding = arrayOr(paddingAttr, kZeros);
  if (failed(checkPair(loc, op, "strides", strides, 1)) ||
      failed(checkPair(loc, op, "padding", padding, 0)))
    return failure();
  if (w.getDimSize(1) != x.getDimSize(1))
    return ShapeError(loc, op)
           << "expects weight input channels (" << w.getDimSize(1)
           << ") to match input channels (" << x.getDimSize(1) << ")";
  if (bias) {
    if (failed(getFloatTensorType(loc, op, bias, "bias", 1, b)) ||
        failed(sameElementType(loc, op, x, "input", b, "bias")))
      return failure();
    if (b.getDimSize(0) != w.getDimSize(0))
      return ShapeError(loc, op)
             << "expects bias size (" << b.getDimSize(0)
             << ") to match output channels (" << w.getDimSize(0) << ")";
  }
  int64_t oh, ow;
  if (failed(windowExtent(loc, op, "height", x.getDimSize(2), w.getDimSize(2),
                          strides[0], padding[0], oh)) ||
      failed(windowExtent(loc, op, "width", x.getDimSize(3), w.getDimSize(3),
                          strides[1], padding[1], ow)))
    return failure();
  results.push_back(RankedTensorType::get(
      {x.getDimSize(0), w.getDimSize(0), oh, ow}, x.getElementType()));
  return success();
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  return inferConv2D(loc, getOperationName(), adaptor.getInput().getType(),
                     adaptor.getWeight().getType(),
                     adaptor.getBias() ? adaptor.getBias().getType() : Type(),
                     adaptor.getStridesAttr(), adaptor.getPaddingAttr(),
                     results);
}

/// Shared inference of max_pool2d and avg_pool2d.
static LogicalResult inferPool2D(std::optional<Location> loc, StringRef op,
                                 Type input, DenseI64ArrayAttr kernelAttr,
                                 DenseI64ArrayAttr stridesAttr,
                                 DenseI64ArrayAttr paddingAttr,
                                 SmallVectorImpl<Type> &results) {
  if (!kernelAttr)
    return ShapeError(loc, op) << "requires the attribute 'kernel'";
  ArrayRef<int64_t> kernel = kernelAttr.asArrayRef();
  ArrayRef<int64_t> padding = arrayOr(paddingAttr, kZeros);
  RankedTensorType x;
  if (failed(getFloatTensorType(loc, op, input, "input", 4, x)) ||
      failed(checkPair(loc, op, "kernel", kernel, 1)))
    return failure();
  ArrayRef<int64_t> strides = arrayOr(stridesAttr, kernel);
  if (failed(checkPair(loc, op, "strides", strides, 1)) ||
      failed(checkPair(loc, op, "padding", padding, 0)))
    return failure();
  for (int i = 0; i < 2; ++i)
    if (2 * padding[i] > kernel[i])
      return ShapeError(loc, op)
             << "expects padding " << shapeStr(padding)
             << " to be at most half the kernel " << shapeStr(kernel);
  int64_t oh, ow;
  if (failed(windowExtent(loc, op, "height", x.getDimSize(2), kernel[0],
                          strides[0], padding[0], oh)) ||
      failed(windowExtent(loc, op, "width", x.getDimSize(3), kernel[1],
                          strides[1], padding[1], ow)))
    return failure();
  results.push_back(RankedTensorType::get(
      {x.getDimSize(0), x.getDimSize(1), oh, ow}, x.getElementType()));
  return success();
}

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool2D(loc, getOperationName(), adaptor.getInput().getType(),
                     adaptor.getKernelAttr(), adaptor.getStridesAttr(),
                     adaptor.getPaddingAttr(), results);
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool2D(loc, getOperationName(), adaptor.getInput().getType(),
                     adaptor.getKernelAttr(), adaptor.getStridesAttr(),
                     adaptor.getPaddingAttr(), results);
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, x)))
    return failure();
  if (x.getRank() < 2)
    return ShapeError(loc, op)
           << "expects an input of rank >= 2 ([batch, ...]), but got " << x;
  std::optional<int64_t> features = elementCount(x.getShape().drop_front());
  if (!features)
    return ShapeError(loc, op) << "has too many features in " << x;
  results.push_back(
      RankedTensorType::get({x.getDimSize(0), *features}, x.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, x)))
    return failure();
  if (!adaptor.getPermAttr())
    return ShapeError(loc, op) << "requires the attribute 'perm'";
  ArrayRef<int64_t> perm = adaptor.getPermAttr().asArrayRef();
  SmallVector<bool> seen(x.getRank(), false);
  bool ok = int64_t(perm.size()) == x.getRank();
  for (int64_t p : perm) {
    ok = ok && p >= 0 && p < x.getRank() && !seen[p];
    if (ok)
      seen[p] = true;
  }
  if (!ok)
    return ShapeError(loc, op)
           << "expects 'perm' to be a permutation of 0.." << x.getRank() - 1
           << ", but got " << shapeStr(perm);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(x.getDimSize(p));
  results.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  // Any element type a tensor of the graph has: floats, labels and index
  // tuples (a sequence split into segments is reshaped whatever it holds).
  auto x = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
  if (!x || (!isa<Float32Type, Float64Type>(x.getElementType()) &&
             !x.getElementType().isSignlessInteger(32) &&
             !x.getElementType().isSignlessInteger(64)))
    return ShapeError(loc, op)
           << "expects input to be a tensor of f32, f64, i32 or i64, but got "
           << adaptor.getInput().getType();
  if (!x.hasStaticShape())
    return ShapeError(loc, op)
           << "expects input to have a static shape, but got " << x;
  if (!adaptor.getShapeAttr())
    return ShapeError(loc, op) << "requires the attribute 'shape'";
  SmallVector<int64_t> shape(adaptor.getShapeAttr().asArrayRef());
  int inferred = -1;
  int64_t known = 1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == -1) {
      if (inferred >= 0)
        return ShapeError(loc, op)
               << "expects at most one -1 in 'shape', but got "
               << shapeStr(shape);
      inferred = i;
      continue;
    }
    if (d <= 0)
      return ShapeError(loc, op)
             << "expects positive sizes (or one -1) in 'shape', but got "
             << shapeStr(shape);
    if (llvm::MulOverflow(known, d, known))
      return ShapeError(loc, op)
             << "has too many elements in 'shape' " << shapeStr(shape);
  }
  int64_t count = *elementCount(x.getShape());
  if (inferred >= 0) {
    if (count % known != 0)
      return ShapeError(loc, op)
             << "cannot infer the -1 in 'shape' " << shapeStr(shape) << ": "
             << count << " elements are not a multiple of " << known;
    shape[inferred] = count / known;
  } else if (known != count) {
    return ShapeError(loc, op)
           << "expects 'shape' " << shapeStr(shape) << " to hold " << count
           << " elements like the input " << x << ", but it holds " << known;
  }
  results.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

/// Inference of add, sub and mul: both operands have one type.
static LogicalResult inferBinary(std::optional<Location> loc, StringRef op,
                                 Value lhs, Value rhs,
                                 SmallVectorImpl<Type> &results) {
  RankedTensorType a, b;
  if (failed(getFloatTensor(loc, op, lhs, "lhs", -1, a)) ||
      failed(getFloatTensor(loc, op, rhs, "rhs", -1, b)))
    return failure();
  if (a != b)
    return ShapeError(loc, op) << "expects operands of the same type, but got "
                               << a << " and " << b;
  results.push_back(a);
  return success();
}

/// Inference of the pointwise activations: the result has the input's type.
static LogicalResult inferUnary(std::optional<Location> loc, StringRef op,
                                Value input, SmallVectorImpl<Type> &results) {
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, input, "input", -1, x)))
    return failure();
  results.push_back(x);
  return success();
}

#define CREDO_BINARY_INFERENCE(OP)                                             \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    return inferBinary(loc, getOperationName(), adaptor.getLhs(),              \
                       adaptor.getRhs(), results);                             \
  }
CREDO_BINARY_INFERENCE(AddOp)
CREDO_BINARY_INFERENCE(SubOp)
CREDO_BINARY_INFERENCE(MulOp)
CREDO_BINARY_INFERENCE(DivOp)
#undef CREDO_BINARY_INFERENCE

#define CREDO_UNARY_INFERENCE(OP)                                              \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    return inferUnary(loc, getOperationName(), adaptor.getInput(), results);   \
  }
CREDO_UNARY_INFERENCE(ReluOp)
CREDO_UNARY_INFERENCE(SigmoidOp)
CREDO_UNARY_INFERENCE(TanhOp)
CREDO_UNARY_INFERENCE(SoftplusOp)
CREDO_UNARY_INFERENCE(ScaleOp)
#undef CREDO_UNARY_INFERENCE

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, x)))
    return failure();
  if (x.getRank() == 0)
    return ShapeError(loc, op)
           << "expects an input of rank >= 1 (a softmax over one of its "
              "axes), but got "
           << x;
  int64_t axis = adaptor.getAxisAttr() ? adaptor.getAxisAttr().getInt() : -1;
  if (axis < -x.getRank() || axis >= x.getRank())
    return ShapeError(loc, op) << "expects 'axis' in [" << -x.getRank() << ", "
                               << x.getRank() << "), but got " << axis;
  results.push_back(x);
  return success();
}

//===----------------------------------------------------------------------===//
// Loss ops
//===----------------------------------------------------------------------===//

/// Checks per-class scores [N, C] (float; `what`: logits, counts) and
/// labels [N] (i32 or i64) of a classification loss and returns the
/// scores' type in `z`.
static LogicalResult checkClassOperands(std::optional<Location> loc,
                                        StringRef op, Value scores,
                                        Value labels, RankedTensorType &z,
                                        StringRef what = "logits") {
  if (failed(getFloatTensor(loc, op, scores, what, 2, z)))
    return failure();
  auto t = dyn_cast<RankedTensorType>(labels.getType());
  if (!t || !t.getElementType().isSignlessInteger() ||
      !(t.getElementType().isInteger(32) || t.getElementType().isInteger(64)))
    return ShapeError(loc, op)
           << "expects labels to be a tensor of i32 or i64 class indices, "
              "but got "
           << labels.getType();
  if (t.getRank() != 1 || t.getDimSize(0) != z.getDimSize(0))
    return ShapeError(loc, op)
           << "expects labels of shape [" << z.getDimSize(0) << "] (one per "
           << what << " row), but got " << t;
  return success();
}

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  auto t = dyn_cast<RankedTensorType>(adaptor.getLabels().getType());
  if (!t || t.getRank() != 1 || !t.getElementType().isSignlessInteger() ||
      !(t.getElementType().isInteger(32) || t.getElementType().isInteger(64)))
    return ShapeError(loc, op)
           << "expects labels of shape [B], i32 or i64, but got "
           << adaptor.getLabels().getType();
  IntegerAttr classes = adaptor.getClassesAttr();
  if (!classes || classes.getInt() < 1)
    return ShapeError(loc, op) << "expects classes >= 1";
  results.push_back(RankedTensorType::get({t.getDimSize(0), classes.getInt()},
                                          Float32Type::get(ctx)));
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  RankedTensorType z;
  if (failed(checkClassOperands(loc, getOperationName(), adaptor.getLogits(),
                                adaptor.getLabels(), z)))
    return failure();
  results.push_back(RankedTensorType::get({}, z.getElementType()));
  return success();
}

/// Checks that prediction and target of an MSE are float tensors of the same
/// type and returns it in `p`.
static LogicalResult checkMseOperands(std::optional<Location> loc, StringRef op,
                                      Value prediction, Value target,
                                      RankedTensorType &p) {
  RankedTensorType t;
  if (failed(getFloatTensor(loc, op, prediction, "prediction", -1, p)) ||
      failed(getFloatTensor(loc, op, target, "target", -1, t)))
    return failure();
  if (p != t)
    return ShapeError(loc, op)
           << "expects prediction and target of the same type, but got " << p
           << " and " << t;
  return success();
}

LogicalResult MseOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  RankedTensorType p;
  if (failed(checkMseOperands(loc, getOperationName(), adaptor.getPrediction(),
                              adaptor.getTarget(), p)))
    return failure();
  results.push_back(RankedTensorType::get({}, p.getElementType()));
  return success();
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType a, b;
  if (failed(getFloatTensor(loc, op, adaptor.getLhs(), "lhs", 2, a)) ||
      failed(getFloatTensor(loc, op, adaptor.getRhs(), "rhs", 2, b)) ||
      failed(sameElementType(loc, op, a, "lhs", b, "rhs")))
    return failure();
  bool ta =
      adaptor.getTransposeLhsAttr() && adaptor.getTransposeLhsAttr().getValue();
  bool tb =
      adaptor.getTransposeRhsAttr() && adaptor.getTransposeRhsAttr().getValue();
  int64_t m = a.getDimSize(ta ? 1 : 0), k = a.getDimSize(ta ? 0 : 1);
  int64_t kb = b.getDimSize(tb ? 1 : 0), n = b.getDimSize(tb ? 0 : 1);
  if (k != kb)
    return ShapeError(loc, op)
           << "expects the contracted sizes to match, but op(lhs) is [" << m
           << ", " << k << "] and op(rhs) is [" << kb << ", " << n << "]";
  results.push_back(RankedTensorType::get({m, n}, a.getElementType()));
  return success();
}

LogicalResult ReduceSumOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, x)))
    return failure();
  if (!adaptor.getDimsAttr())
    return ShapeError(loc, op) << "requires the attribute 'dims'";
  ArrayRef<int64_t> dims = adaptor.getDimsAttr().asArrayRef();
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] < 0 || dims[i] >= x.getRank() || (i && dims[i] <= dims[i - 1]))
      return ShapeError(loc, op)
             << "expects 'dims' sorted, distinct and in [0, " << x.getRank()
             << "), but got " << shapeStr(dims);
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < x.getRank(); ++d)
    if (!llvm::is_contained(dims, d))
      shape.push_back(x.getDimSize(d));
  results.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

#define CREDO_GRAD_INFERENCE(OP, SECOND)                                       \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    return inferBinary(loc, getOperationName(), adaptor.getGrad(),             \
                       adaptor.SECOND(), results);                             \
  }
CREDO_GRAD_INFERENCE(ReluGradOp, getValue)
CREDO_GRAD_INFERENCE(SigmoidGradOp, getValue)
CREDO_GRAD_INFERENCE(TanhGradOp, getValue)
CREDO_GRAD_INFERENCE(SoftplusGradOp, getValue)
#undef CREDO_GRAD_INFERENCE

LogicalResult SoftmaxGradOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  if (failed(inferBinary(loc, getOperationName(), adaptor.getGrad(),
                         adaptor.getOutput(), results)))
    return failure();
  auto x = cast<RankedTensorType>(results.front());
  if (x.getRank() == 0)
    return ShapeError(loc, getOperationName())
           << "expects operands of rank >= 1, but got " << x;
  int64_t axis = adaptor.getAxisAttr() ? adaptor.getAxisAttr().getInt() : -1;
  if (axis < -x.getRank() || axis >= x.getRank())
    return ShapeError(loc, getOperationName())
           << "expects 'axis' in [" << -x.getRank() << ", " << x.getRank()
           << "), but got " << axis;
  return success();
}

/// Checks that `lossGrad` is a rank-0 tensor of `elt`.
static LogicalResult checkLossGrad(std::optional<Location> loc, StringRef op,
                                   Value lossGrad, Type elt) {
  auto t = dyn_cast<RankedTensorType>(lossGrad.getType());
  if (!t || t.getRank() != 0 || t.getElementType() != elt)
    return ShapeError(loc, op)
           << "expects a rank-0 loss gradient of element type " << elt
           << ", but got " << lossGrad.getType();
  return success();
}

LogicalResult SoftmaxCrossEntropyGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType z;
  if (failed(checkClassOperands(loc, op, adaptor.getLogits(),
                                adaptor.getLabels(), z)) ||
      failed(checkLossGrad(loc, op, adaptor.getLossGrad(), z.getElementType())))
    return failure();
  results.push_back(z);
  return success();
}

LogicalResult MseGradOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType p;
  if (failed(checkMseOperands(loc, op, adaptor.getPrediction(),
                              adaptor.getTarget(), p)) ||
      failed(checkLossGrad(loc, op, adaptor.getLossGrad(), p.getElementType())))
    return failure();
  results.push_back(p);
  return success();
}

/// Checks that a backward op's output gradient `grad` has the type that the
/// forward op would produce, `expected`.
static LogicalResult checkForwardShape(std::optional<Location> loc,
                                       StringRef op, Type grad, Type expected) {
  if (grad != expected)
    return ShapeError(loc, op)
           << "expects the output gradient to have the forward result type "
           << expected << ", but got " << grad;
  return success();
}

/// The input type that `input_shape` describes, with `grad`'s element type.
static LogicalResult inputTypeFrom(std::optional<Location> loc, StringRef op,
                                   DenseI64ArrayAttr shape, Type grad,
                                   RankedTensorType &out) {
  if (!shape)
    return ShapeError(loc, op) << "requires the attribute 'input_shape'";
  ArrayRef<int64_t> dims = shape.asArrayRef();
  if (dims.size() != 4 || llvm::any_of(dims, [](int64_t d) { return d <= 0; }))
    return ShapeError(loc, op)
           << "expects 'input_shape' of 4 positive sizes, but got "
           << shapeStr(dims);
  out = RankedTensorType::get(dims,
                              cast<RankedTensorType>(grad).getElementType());
  return success();
}

LogicalResult Conv2DGradInputOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType dy, w, x;
  if (failed(getFloatTensor(loc, op, adaptor.getGrad(), "grad", 4, dy)) ||
      failed(getFloatTensor(loc, op, adaptor.getWeight(), "weight", 4, w)) ||
      failed(inputTypeFrom(loc, op, adaptor.getInputShapeAttr(), dy, x)))
    return failure();
  // The forward conv2d of such an input must give `grad`'s type.
  SmallVector<Type> forward;
  if (failed(inferConv2D(loc, op, x, w, Type(), adaptor.getStridesAttr(),
                         adaptor.getPaddingAttr(), forward)) ||
      failed(checkForwardShape(loc, op, dy, forward.front())))
    return failure();
  results.push_back(x);
  return success();
}

LogicalResult Conv2DGradWeightOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x, dy;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", 4, x)) ||
      failed(getFloatTensor(loc, op, adaptor.getGrad(), "grad", 4, dy)) ||
      failed(sameElementType(loc, op, x, "input", dy, "grad")))
    return failure();
  if (!adaptor.getKernelAttr())
    return ShapeError(loc, op) << "requires the attribute 'kernel'";
  ArrayRef<int64_t> k = adaptor.getKernelAttr().asArrayRef();
  ArrayRef<int64_t> s = arrayOr(adaptor.getStridesAttr(), kOnes);
  ArrayRef<int64_t> p = arrayOr(adaptor.getPaddingAttr(), kZeros);
  if (failed(checkPair(loc, op, "kernel", k, 1)) ||
      failed(checkPair(loc, op, "strides", s, 1)) ||
      failed(checkPair(loc, op, "padding", p, 0)))
    return failure();
  int64_t oh, ow;
  if (failed(windowExtent(loc, op, "height", x.getDimSize(2), k[0], s[0], p[0],
                          oh)) ||
      failed(windowExtent(loc, op, "width", x.getDimSize(3), k[1], s[1], p[1],
                          ow)))
    return failure();
  auto expected = RankedTensorType::get(
      {x.getDimSize(0), dy.getDimSize(1), oh, ow}, x.getElementType());
  if (failed(checkForwardShape(loc, op, dy, expected)))
    return failure();
  results.push_back(RankedTensorType::get(
      {dy.getDimSize(1), x.getDimSize(1), k[0], k[1]}, x.getElementType()));
  return success();
}

LogicalResult
MaxPool2DGradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  SmallVector<Type> forward;
  if (failed(inferPool2D(loc, op, adaptor.getInput().getType(),
                         adaptor.getKernelAttr(), adaptor.getStridesAttr(),
                         adaptor.getPaddingAttr(), forward)) ||
      failed(checkForwardShape(loc, op, adaptor.getGrad().getType(),
                               forward.front())))
    return failure();
  results.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult
AvgPool2DGradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType dy, x;
  SmallVector<Type> forward;
  if (failed(getFloatTensor(loc, op, adaptor.getGrad(), "grad", 4, dy)) ||
      failed(inputTypeFrom(loc, op, adaptor.getInputShapeAttr(), dy, x)) ||
      failed(inferPool2D(loc, op, x, adaptor.getKernelAttr(),
                         adaptor.getStridesAttr(), adaptor.getPaddingAttr(),
                         forward)) ||
      failed(checkForwardShape(loc, op, dy, forward.front())))
    return failure();
  results.push_back(x);
  return success();
}

//===----------------------------------------------------------------------===//
// Optimizer ops
//===----------------------------------------------------------------------===//

LogicalResult SgdUpdateOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  if (failed(
          inferBinary(loc, op, adaptor.getParam(), adaptor.getGrad(), results)))
    return failure();
  auto w = cast<RankedTensorType>(results.front());
  auto lr = dyn_cast<RankedTensorType>(adaptor.getLr().getType());
  if (!lr || lr.getRank() != 0 || lr.getElementType() != w.getElementType())
    return ShapeError(loc, op)
           << "expects a rank-0 learning rate of element type "
           << w.getElementType() << ", but got " << adaptor.getLr().getType();
  return success();
}

/// Checks optimizer state tensors against the parameter and scalars
/// against its element type; pushes the parameter type `n` times.
static LogicalResult inferOptimizer(std::optional<Location> loc, StringRef op,
                                    ValueRange sameAsParam, ValueRange scalars,
                                    unsigned n,
                                    SmallVectorImpl<Type> &results) {
  SmallVector<Type> first;
  for (Value v : sameAsParam.drop_front()) {
    first.clear();
    if (failed(inferBinary(loc, op, sameAsParam.front(), v, first)))
      return failure();
  }
  auto w = cast<RankedTensorType>(first.front());
  for (Value v : scalars) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || t.getRank() != 0 || t.getElementType() != w.getElementType())
      return ShapeError(loc, op)
             << "expects rank-0 scalars of element type " << w.getElementType()
             << ", but got " << v.getType();
  }
  results.append(n, w);
  return success();
}

LogicalResult SgdMomentumUpdateOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  return inferOptimizer(
      loc, getOperationName(),
      ValueRange{adaptor.getParam(), adaptor.getGrad(), adaptor.getVelocity()},
      ValueRange{adaptor.getLr()}, 2, results);
}

LogicalResult AdamUpdateOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  return inferOptimizer(loc, getOperationName(),
                        ValueRange{adaptor.getParam(), adaptor.getGrad(),
                                   adaptor.getM(), adaptor.getV()},
                        ValueRange{adaptor.getLr(), adaptor.getStep()}, 3,
                        results);
}

//===----------------------------------------------------------------------===//
// CallKernelOp
//===----------------------------------------------------------------------===//

LogicalResult CallKernelOp::verify() {
  if (getResults().size() != getOuts().size())
    return emitOpError() << "expects one result per 'outs' operand, but got "
                         << getResults().size() << " results and "
                         << getOuts().size() << " outs";
  for (auto [out, result] : llvm::zip(getOuts(), getResults()))
    if (out.getType() != result.getType())
      return emitOpError() << "expects result type " << result.getType()
                           << " to match its 'outs' operand type "
                           << out.getType();
  for (Value v : getOperands())
    if (!cast<RankedTensorType>(v.getType()).hasStaticShape())
      return emitOpError() << "expects static shapes, but got " << v.getType();
  // The kernel ABI: the table's buffers (ins, then outs) and scalars.
  std::optional<KernelSignature> abi = lookupKernel(getKernel());
  if (!abi)
    return emitOpError() << "calls '" << getKernel()
                         << "', which is not a kernel of the runtime "
                            "(credo/kernels.def)";
  if (getIns().size() + getOuts().size() != abi->buffers ||
      getScalars().size() != abi->scalars)
    return emitOpError() << "calls '" << getKernel() << "' with "
                         << getIns().size() + getOuts().size()
                         << " buffers and " << getScalars().size()
                         << " scalars, but credo/kernels.def gives it "
                         << abi->buffers << " buffers and " << abi->scalars
                         << " scalars";
  return success();
}

std::optional<KernelSignature> mlir::credo::lookupKernel(StringRef name) {
  static const KernelSignature table[] = {
#define CREDO_KERNEL(NAME, BUFFERS, SCALARS) {#NAME, BUFFERS, SCALARS},
#include "credo/kernels.def"
  };
  for (const KernelSignature &k : table)
    if (k.name == name)
      return k;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// TimeLoopOp / YieldOp / TimeSliceOp / StopGradientOp
//===----------------------------------------------------------------------===//

YieldOp TimeLoopOp::getYield() {
  return cast<YieldOp>(getBody().front().getTerminator());
}

void TimeLoopOp::getAsmBlockArgumentNames(Region &region,
                                          OpAsmSetValueNameFn setNameFn) {
  if (region.empty() || region.front().getNumArguments() == 0)
    return;
  setNameFn(region.front().getArgument(0), "t");
}

LogicalResult TimeLoopOp::verifyRegions() {
  if (int64_t(getSteps()) < 1)
    return emitOpError() << "expects at least 1 step, but got "
                         << int64_t(getSteps());
  Block &body = getBody().front();
  size_t numCarried = getInits().size();
  if (body.getNumArguments() != numCarried + 1 ||
      !body.getArgument(0).getType().isIndex())
    return emitOpError() << "expects the body to take the step (index) and "
                         << numCarried << " carried value(s), but it takes "
                         << body.getNumArguments() << " argument(s)";
  for (auto [i, init, arg] :
       llvm::enumerate(getInits(), body.getArguments().drop_front()))
    if (init.getType() != arg.getType())
      return emitOpError() << "expects carried value #" << i << " to be "
                           << init.getType() << " in the body, but it is "
                           << arg.getType();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "expects its body to end with credo.yield";
  if (yield.getCarried().size() != numCarried)
    return yield.emitOpError()
           << "yields " << yield.getCarried().size()
           << " carried value(s), but the loop carries " << numCarried;
  for (auto [i, init, next] : llvm::enumerate(getInits(), yield.getCarried()))
    if (init.getType() != next.getType())
      return yield.emitOpError()
             << "yields " << next.getType() << " as carried value #" << i
             << ", which the loop carries as " << init.getType();
  size_t numRecorded = yield.getRecorded().size();
  if (getNumResults() != numCarried + numRecorded)
    return emitOpError() << "expects " << numCarried + numRecorded
                         << " results (" << numCarried << " carried, "
                         << numRecorded << " recorded), but has "
                         << getNumResults();
  for (auto [i, init, result] : llvm::enumerate(getInits(), getFinals()))
    if (init.getType() != result.getType())
      return emitOpError() << "expects result #" << i << " to be "
                           << init.getType() << ", but it is "
                           << result.getType();
  for (auto [i, rec, result] :
       llvm::enumerate(yield.getRecorded(), getRecords())) {
    auto type = cast<RankedTensorType>(rec.getType());
    SmallVector<int64_t> shape = {int64_t(getSteps())};
    llvm::append_range(shape, type.getShape());
    auto expected = RankedTensorType::get(shape, type.getElementType());
    if (result.getType() != expected)
      return emitOpError() << "expects recorded result #" << i << " to be "
                           << expected << " (" << getSteps() << " steps of "
                           << type << "), but it is " << result.getType();
  }
  return success();
}

LogicalResult TimeSliceOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  auto type = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
  if (!type || !type.hasStaticShape() || type.getRank() < 1)
    return ShapeError(loc, op)
           << "expects a statically shaped sequence of rank >= 1, but got "
           << adaptor.getInput().getType();
  int64_t axis = adaptor.getAxisAttr() ? adaptor.getAxisAttr().getInt() : 0;
  if (axis < 0 || axis >= type.getRank())
    return ShapeError(loc, op) << "expects 'axis' in [0, " << type.getRank()
                               << "), but got " << axis;
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  results.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

LogicalResult TimeSliceOp::verify() {
  auto arg = dyn_cast<BlockArgument>(getStep());
  auto loop =
      arg ? dyn_cast<TimeLoopOp>(arg.getOwner()->getParentOp()) : TimeLoopOp();
  if (!loop || arg.getArgNumber() != 0)
    return emitOpError() << "expects the step of an enclosing credo.time_loop";
  auto type = getInput().getType();
  int64_t axis = int64_t(getAxis());
  if (axis < 0 || axis >= type.getRank())
    return success(); // reported by type inference
  int64_t extent = type.getDimSize(axis);
  if (ShapedType::isDynamic(extent))
    return emitOpError() << "expects the sequence to have " << loop.getSteps()
                         << " steps along axis " << axis
                         << " (the loop's), but its length there is dynamic";
  if (extent != int64_t(loop.getSteps()))
    return emitOpError() << "expects the sequence to have " << loop.getSteps()
                         << " steps along axis " << axis
                         << " (the loop's), but it has " << extent;
  return success();
}

namespace {
/// The type of one slot of ring buffer `ringType` (rank >= 1, static, a
/// `back` in [0, k)), or a shape error.
LogicalResult ringSlot(std::optional<Location> loc, StringRef op, Type ringType,
                       int64_t back, RankedTensorType &slot) {
  auto type = dyn_cast<RankedTensorType>(ringType);
  if (!type || !type.hasStaticShape() || type.getRank() < 1)
    return ShapeError(loc, op)
           << "expects a statically shaped ring buffer [k, ...], but got "
           << ringType;
  int64_t k = type.getDimSize(0);
  if (back < 0 || back >= k)
    return ShapeError(loc, op)
           << "expects 'back' in [0, " << k << ") (a ring of " << k
           << " slots), but got " << back;
  slot = RankedTensorType::get(type.getShape().drop_front(),
                               type.getElementType());
  return success();
}
} // namespace

LogicalResult RingReadOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  RankedTensorType slot;
  if (failed(ringSlot(loc, getOperationName(), adaptor.getRing().getType(),
                      adaptor.getBackAttr().getInt(), slot)))
    return failure();
  results.push_back(slot);
  return success();
}

LogicalResult RingWriteOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  int64_t back = adaptor.getBackAttr() ? adaptor.getBackAttr().getInt() : 0;
  RankedTensorType slot;
  if (failed(ringSlot(loc, op, adaptor.getRing().getType(), back, slot)))
    return failure();
  if (adaptor.getValue().getType() != slot)
    return ShapeError(loc, op)
           << "expects the value to be a slot of the ring, " << slot
           << ", but got " << adaptor.getValue().getType();
  if (adaptor.getAdd() && !isa<FloatType>(slot.getElementType()))
    return ShapeError(loc, op)
           << "adds into a ring of floats only, but the ring holds "
           << slot.getElementType();
  results.push_back(adaptor.getRing().getType());
  return success();
}

LogicalResult StopGradientOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location>,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getInput().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Spiking ops
//===----------------------------------------------------------------------===//

/// The shared type rule of credo.lif and credo.lif_grad: a float input and
/// `stateCount(model, t_ref)` state tensors of the input's type, then
/// `grads` result gradients (if `grads` is given) of that type as well.
static LogicalResult
inferLifTypes(std::optional<Location> loc, StringRef op, Value input,
              ValueRange state, std::optional<ValueRange> grads, LifModel model,
              int64_t tRef, unsigned results, SmallVectorImpl<Type> &types) {
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, input, "input", -1, x)))
    return failure();
  unsigned n = LifOp::stateCount(model, tRef);
  if (state.size() != n)
    return ShapeError(loc, op)
           << "with model '" << stringifyLifModel(model) << "' and t_ref "
           << tRef << " expects " << n << " state operand" << (n > 1 ? "s" : "")
           << (model == LifModel::Current ? " (v, c, r)"
               : n == 2                   ? " (v, r)"
                                          : " (v)")
           << ", but got " << state.size();
  for (auto [i, v] : llvm::enumerate(state))
    if (v.getType() != x)
      return ShapeError(loc, op)
             << "expects state operand #" << i << " to have the input's type "
             << x << ", but got " << v.getType();
  if (grads) {
    if (grads->size() != n + 1)
      return ShapeError(loc, op)
             << "expects " << n + 1 << " result gradients (new state, then "
             << "spikes), but got " << grads->size();
    for (auto [i, g] : llvm::enumerate(*grads))
      if (g.getType() != x)
        return ShapeError(loc, op)
               << "expects gradient #" << i << " to have the input's type " << x
               << ", but got " << g.getType();
  }
  types.append(results, x);
  return success();
}

/// The model and refractory steps of a lif or lif_grad adaptor (attributes
/// may still be missing while the op is being parsed or built).
template <typename Adaptor>
static std::pair<LifModel, int64_t> lifKind(Adaptor adaptor) {
  LifModel model = adaptor.getModelAttr() ? adaptor.getModelAttr().getValue()
                                          : LifModel::Beta;
  int64_t tRef = adaptor.getTRefAttr() ? adaptor.getTRefAttr().getInt() : 0;
  return {model, tRef};
}

LogicalResult LifOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  auto [model, tRef] = lifKind(adaptor);
  return inferLifTypes(loc, getOperationName(), adaptor.getInput(),
                       adaptor.getState(), std::nullopt, model, tRef,
                       stateCount(model, tRef) + 1, results);
}

/// Whether the attribute value `v` stays itself in `element`, the type an
/// op computes it in: an f32 op rounds its constants to f32, where a
/// value past 3.4e38 becomes infinite and a non-zero one below 1.4e-45
/// becomes 0. Other float types keep every finite f64 of these checks.
static bool keepsInElementType(double v, Type element) {
  if (!element.isF32())
    return true;
  float f = float(v);
  return std::isfinite(f) && (v == 0) == (f == 0);
}

/// What a constant that does not stay itself in f32 would become, and
/// why: the end of an error message.
static std::string lostInF32(double v) {
  return std::fabs(v) > 1 ? " would be infinite; f32 holds magnitudes up to "
                            "3.4e38"
                          : " would be 0; the smallest positive f32 is 1.4e-45";
}

/// Fails `op` unless each named constant stays itself in `element`.
static LogicalResult
checkConstantsFit(Operation *op, Type element,
                  ArrayRef<std::pair<StringRef, double>> constants) {
  for (auto [name, v] : constants)
    if (std::isfinite(v) && !keepsInElementType(v, element))
      return op->emitOpError()
             << "computes in f32, where " << name << " = " << v << lostInF32(v);
  return success();
}

/// `v` with the fewest digits that read back as `v` (1.0000001 stays
/// 1.0000001, where a diagnostic's default prints 1.000000e+00).
static std::string shortest(double v) {
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, v);
    if (std::strtod(text, nullptr) == v)
      break;
  }
  return text;
}

/// Checks the neuron constants shared by credo.lif and credo.lif_grad.
template <typename Op> static LogicalResult verifyLifConstants(Op op) {
  double beta = op.getBeta().convertToDouble();
  double tauM = op.getTauM().convertToDouble();
  double tauS = op.getTauS().convertToDouble();
  double theta = op.getThreshold().convertToDouble();
  double slope = op.getSlope().convertToDouble();
  if (!(beta >= 0 && beta <= 1))
    return op.emitOpError()
           << "expects beta in [0, 1], but got " << shortest(beta);
  if (!(tauM >= 1) || !std::isfinite(tauM) || !(tauS >= 1) ||
      !std::isfinite(tauS))
    return op.emitOpError()
           << "expects time constants tau_m and tau_s >= 1 (in steps), but "
              "got tau_m = "
           << tauM << " and tau_s = " << tauS;
  if (!(theta > 0) || !std::isfinite(theta))
    return op.emitOpError()
           << "expects a positive finite threshold, but got " << theta;
  if (!(slope > 0) || !std::isfinite(slope))
    return op.emitOpError() << "expects a positive finite surrogate slope, "
                               "but got "
                            << slope;
  int64_t tRef = int64_t(op.getTRef());
  if (tRef < 0 || tRef > (int64_t(1) << 24))
    return op.emitOpError()
           << "expects t_ref in [0, 2^24] steps, but got " << tRef;
  return checkConstantsFit(op, getElementTypeOrSelf(op.getInput().getType()),
                           {{"beta", beta},
                            {"tau_m", tauM},
                            {"tau_s", tauS},
                            {"threshold", theta},
                            {"slope", slope}});
}

LogicalResult LifOp::verify() { return verifyLifConstants(*this); }

LogicalResult LifGradOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto [model, tRef] = lifKind(adaptor);
  return inferLifTypes(loc, getOperationName(), adaptor.getInput(),
                       adaptor.getState(), adaptor.getGrads(), model, tRef,
                       LifOp::stateCount(model, tRef) + 1, results);
}

LogicalResult LifGradOp::verify() {
  if (!getSurrogate())
    return emitOpError() << "needs a surrogate derivative ('surrogate')";
  return verifyLifConstants(*this);
}

LogicalResult
PoissonEncodeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, x)) ||
      failed(checkGenerator(loc, op, adaptor.getGenerator().getType())))
    return failure();
  std::optional<int64_t> n = elementCount(x.getShape());
  if (!n || *n >= (int64_t(1) << 32))
    return ShapeError(loc, op)
           << "draws one number per element and counts elements in 32 bits, "
              "but the input "
           << x << " has 2^32 or more";
  double scale = adaptor.getRateScaleAttr()
                     ? adaptor.getRateScaleAttr().getValueAsDouble()
                     : 1.0;
  if (!(scale >= 0) || !std::isfinite(scale))
    return ShapeError(loc, op)
           << "expects a finite non-negative rate_scale, but got " << scale;
  if (!keepsInElementType(scale, x.getElementType()))
    return ShapeError(loc, op)
           << "computes in f32, where rate_scale = " << scale
           << lostInF32(scale);
  uint64_t stream = adaptor.getStreamAttr()
                        ? adaptor.getStreamAttr().getValue().getZExtValue()
                        : 0;
  if (stream >= (uint64_t(1) << 32))
    return ShapeError(loc, op)
           << "expects stream in [0, 2^32), but got " << int64_t(stream);
  if (StringAttr part = adaptor.getPartAttr();
      part && part.getValue() != "spikes" && part.getValue() != "majority" &&
      part.getValue() != "residual")
    return ShapeError(loc, op)
           << "expects part 'spikes', 'majority' or 'residual', but got '"
           << part.getValue() << "'";
  results.push_back(x);
  return success();
}

LogicalResult
GeneratorNextOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  if (failed(checkGenerator(loc, getOperationName(),
                            adaptor.getGenerator().getType())))
    return failure();
  results.push_back(adaptor.getGenerator().getType());
  return success();
}

LogicalResult ExpFilterOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, x)))
    return failure();
  if (adaptor.getTrace().getType() != x)
    return ShapeError(loc, op)
           << "expects the trace to have the input's type " << x << ", but got "
           << adaptor.getTrace().getType();
  results.push_back(x);
  return success();
}

LogicalResult ExpFilterOp::verify() {
  double tau = getTau().convertToDouble(), dt = getDt().convertToDouble();
  if (!(tau > 0) || !std::isfinite(tau) || !(dt > 0) || !std::isfinite(dt))
    return emitOpError() << "expects positive finite tau and dt, but got tau = "
                         << tau << " and dt = " << dt;
  return checkConstantsFit(*this, getElementTypeOrSelf(getInput().getType()),
                           {{"tau", tau}, {"dt", dt}});
}

LogicalResult
SpikeTrainPspOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType post, pre;
  if (failed(getFloatTensor(loc, op, adaptor.getPost(), "post", 3, post)) ||
      failed(getFloatTensor(loc, op, adaptor.getPre(), "pre", 3, pre)))
    return failure();
  if (post.getDimSize(0) != pre.getDimSize(0) ||
      post.getDimSize(1) != pre.getDimSize(1) ||
      post.getElementType() != pre.getElementType())
    return ShapeError(loc, op)
           << "expects spike trains [T, B, N] and [T, B, M] of the same steps, "
              "batch and element type, but got "
           << post << " and " << pre;
  results.push_back(RankedTensorType::get(
      {post.getDimSize(1), post.getDimSize(2), pre.getDimSize(2)},
      post.getElementType()));
  return success();
}

bool SpikeTrainPspOp::timeConstantsApart(double tauM, double tauS) {
  return std::fabs(tauM - tauS) >= 0.01 * std::min(tauM, tauS);
}

LogicalResult SpikeTrainPspOp::verify() {
  double tauM = getTauM().convertToDouble(), tauS = getTauS().convertToDouble();
  if (!(tauM > 0) || !(tauS > 0) || !std::isfinite(tauM) ||
      !std::isfinite(tauS) || !timeConstantsApart(tauM, tauS))
    return emitOpError() << "expects positive finite tau_m and tau_s at least "
                            "1 % apart, but got tau_m = "
                         << tauM << " and tau_s = " << tauS;
  if (int64_t(getTRef()) < 0)
    return emitOpError() << "expects t_ref >= 0, but got "
                         << int64_t(getTRef());
  return checkConstantsFit(*this, getElementTypeOrSelf(getPost().getType()),
                           {{"tau_m", tauM}, {"tau_s", tauS}});
}

FailureOr<SmallVector<std::string>> EinsumOp::parseSpec(StringRef spec) {
  auto [lhs, rhs] = spec.split("->");
  if (lhs.size() == spec.size())
    return failure();
  SmallVector<StringRef> operands;
  lhs.split(operands, ',');
  SmallVector<std::string> parts;
  for (StringRef part : operands)
    parts.push_back(part.trim().str());
  parts.push_back(rhs.trim().str());
  for (const std::string &p : parts) {
    llvm::SmallSet<char, 8> seen;
    for (char c : p)
      if (c < 'a' || c > 'z' || !seen.insert(c).second)
        return failure();
  }
  return parts;
}

LogicalResult EinsumOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  StringAttr specAttr = adaptor.getSpecAttr();
  StringRef spec = specAttr ? specAttr.getValue() : "";
  FailureOr<SmallVector<std::string>> parts = parseSpec(spec);
  if (failed(parts))
    return ShapeError(loc, op)
           << "expects a spec of lowercase index letters like \"bi,bij->ji\" "
              "(no letter twice in one operand or the result), but got \""
           << spec << "\"";
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty() || parts->size() != inputs.size() + 1)
    return ShapeError(loc, op)
           << "has " << inputs.size() << " operands, but its spec \"" << spec
           << "\" names " << parts->size() - 1;
  std::map<char, int64_t> sizes;
  Type elt;
  for (auto [k, v] : llvm::enumerate(inputs)) {
    RankedTensorType t;
    if (failed(getFloatTensor(loc, op, v, "operand", -1, t)))
      return failure();
    if (elt && t.getElementType() != elt)
      return ShapeError(loc, op) << "expects operands of one element type";
    elt = t.getElementType();
    const std::string &letters = (*parts)[k];
    if (int64_t(letters.size()) != t.getRank())
      return ShapeError(loc, op)
             << "operand #" << k << " has rank " << t.getRank()
             << ", but the spec names " << letters.size()
             << " dimensions for it (\"" << letters << "\")";
    for (auto [d, c] : llvm::enumerate(letters)) {
      auto [it, inserted] = sizes.try_emplace(c, t.getDimSize(d));
      if (!inserted && it->second != t.getDimSize(d))
        return ShapeError(loc, op)
               << "index '" << c << "' has size " << it->second << " and "
               << t.getDimSize(d) << " (operand #" << k << ")";
    }
  }
  SmallVector<int64_t> shape;
  for (char c : parts->back()) {
    auto it = sizes.find(c);
    if (it == sizes.end())
      return ShapeError(loc, op)
             << "result index '" << c << "' names no operand dimension";
    shape.push_back(it->second);
  }
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}

LogicalResult
CountMarginLossOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &results) {
  RankedTensorType o;
  if (failed(checkClassOperands(loc, getOperationName(), adaptor.getCounts(),
                                adaptor.getLabels(), o, "counts")))
    return failure();
  results.push_back(RankedTensorType::get({}, o.getElementType()));
  return success();
}

LogicalResult CountMarginLossOp::verify() {
  double m = getMargin().convertToDouble();
  double high = getHigh().convertToDouble(), low = getLow().convertToDouble();
  if (!(m >= 0) || !std::isfinite(m) || !std::isfinite(high) ||
      !std::isfinite(low))
    return emitOpError() << "expects finite targets and a finite margin >= 0";
  return checkConstantsFit(*this, getElementTypeOrSelf(getCounts().getType()),
                           {{"high", high}, {"low", low}, {"margin", m}});
}

LogicalResult CountMarginLossGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  RankedTensorType o;
  if (failed(checkClassOperands(loc, getOperationName(), adaptor.getCounts(),
                                adaptor.getLabels(), o, "counts")))
    return failure();
  results.push_back(o);
  return success();
}

LogicalResult SpikeCountOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, x)))
    return failure();
  if (x.getRank() < 1)
    return ShapeError(loc, op)
           << "expects spike trains [T, …] with a leading time dimension, "
              "but got "
           << x;
  results.push_back(
      RankedTensorType::get(x.getShape().drop_front(), x.getElementType()));
  return success();
}

LogicalResult
SpikeCountGradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                   Adaptor adaptor,
                                   SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType g;
  if (failed(getFloatTensor(loc, op, adaptor.getGrad(), "gradient", -1, g)))
    return failure();
  int64_t steps = adaptor.getStepsAttr() ? adaptor.getStepsAttr().getInt() : 0;
  if (steps < 1 || steps > (int64_t(1) << 31) - 1)
    return ShapeError(loc, op)
           << "expects steps in [1, 2^31), but got " << steps;
  SmallVector<int64_t> shape = {steps};
  llvm::append_range(shape, g.getShape());
  results.push_back(RankedTensorType::get(shape, g.getElementType()));
  return success();
}

/// 64-bit words of the masks of `k` >= 0 spikes (without overflow).
static int64_t maskWords(int64_t k) { return k == 0 ? 0 : (k - 1) / 64 + 1; }

LogicalResult SpikeMasksOp::inferReturnTypes(MLIRContext *context,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType s;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "spikes", 2, s)))
    return failure();
  results.push_back(
      RankedTensorType::get({2, s.getDimSize(0), maskWords(s.getDimSize(1))},
                            IntegerType::get(context, 64)));
  return success();
}

LogicalResult
SpikeMasksMatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                     Adaptor adaptor,
                                     SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  auto m = dyn_cast<RankedTensorType>(adaptor.getMasks().getType());
  if (!m || !m.getElementType().isInteger(64) || !m.hasStaticShape() ||
      m.getRank() != 3 || m.getDimSize(0) != 2)
    return ShapeError(loc, op)
           << "expects masks [2, B, words] of i64 (credo.spike_masks), but got "
           << adaptor.getMasks().getType();
  RankedTensorType d;
  if (failed(getFloatTensor(loc, op, adaptor.getRhs(), "rhs", 2, d)))
    return failure();
  if (d.getDimSize(0) != m.getDimSize(1))
    return ShapeError(loc, op) << "expects rhs with one row per spike row ("
                               << m.getDimSize(1) << "), but got " << d;
  int64_t width = adaptor.getWidthAttr() ? adaptor.getWidthAttr().getInt() : 0;
  int64_t words = m.getDimSize(2);
  if (width < 1 || maskWords(width) != words)
    return ShapeError(loc, op) << "expects 'width' with " << words
                               << " words of 64 spikes, but got " << width;
  results.push_back(
      RankedTensorType::get({width, d.getDimSize(1)}, d.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Folders and canonicalizations
//===----------------------------------------------------------------------===//

/// True if `v` is a splat constant equal to `value`.
static bool isSplat(Value v, double value) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return false;
  return attr.getSplatValue<APFloat>().convertToDouble() == value;
}

OpFoldResult AddOp::fold(FoldAdaptor) {
  if (isSplat(getRhs(), 0.0))
    return getLhs();
  if (isSplat(getLhs(), 0.0))
    return getRhs();
  return {};
}

OpFoldResult SubOp::fold(FoldAdaptor) {
  if (isSplat(getRhs(), 0.0))
    return getLhs();
  return {};
}

OpFoldResult MulOp::fold(FoldAdaptor) {
  if (isSplat(getRhs(), 1.0))
    return getLhs();
  if (isSplat(getLhs(), 1.0))
    return getRhs();
  return {};
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

namespace {
/// reshape(reshape(x)) → reshape(x): row-major order is kept by both.
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.modifyOpInPlace(
        op, [&] { op.getInputMutable().assign(inner.getInput()); });
    return success();
  }
};

/// transpose(transpose(x, p), q) → transpose(x, p∘q).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    // y[i] = t[q[i]] and t[j] = x[p[j]], so y[i] = x[p[q[i]]].
    SmallVector<int64_t> perm;
    for (int64_t q : op.getPerm())
      perm.push_back(inner.getPerm()[q]);
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(inner.getInput());
      op.setPerm(perm);
    });
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ComposeReshapes>(context);
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size())))
    return getInput();
  return {};
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ComposeTransposes>(context);
}

//===----------------------------------------------------------------------===//
// Custom assembly directives
//===----------------------------------------------------------------------===//

/// Parses `type` (both operands) or `type, type`.
static ParseResult parseBinaryTypes(OpAsmParser &parser, Type &lhs, Type &rhs) {
  if (parser.parseType(lhs))
    return failure();
  rhs = lhs;
  if (succeeded(parser.parseOptionalComma()))
    return parser.parseType(rhs);
  return success();
}

static void printBinaryTypes(OpAsmPrinter &printer, Operation *, Type lhs,
                             Type rhs) {
  printer << lhs;
  if (rhs != lhs)
    printer << ", " << rhs;
}

#define GET_OP_CLASSES
#include "Credo/IR/CredoOps.cpp.inc"
