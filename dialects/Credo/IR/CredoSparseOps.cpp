//===- CredoSparseOps.cpp - Shape rules of the sparse-index ops --*- C++
//-*-===//
//
// Result-type inference (which is also verification) for the index-tuple
// ops of CredoSparseOps.td.
//
//===----------------------------------------------------------------------===//

#include "Credo/IR/CredoOps.h"
#include "Credo/IR/ShapeRules.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::detail;

namespace {

/// The value of an optional attribute with a default (adaptors of parsed
/// or built ops may not have it).
double orDefault(FloatAttr a, double d) { return a ? a.getValueAsDouble() : d; }
int64_t orDefault(IntegerAttr a, int64_t d) { return a ? a.getInt() : d; }
ArrayRef<int64_t> extents(DenseI64ArrayAttr a) {
  return a ? a.asArrayRef() : ArrayRef<int64_t>();
}

/// Checks a statically shaped i64 tensor of rank >= `minRank` (exactly
/// `rank` if given).
LogicalResult getIndexTensor(std::optional<Location> loc, StringRef op,
                             Value value, StringRef what, int64_t minRank,
                             RankedTensorType &out,
                             std::optional<int64_t> rank = std::nullopt) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.getElementType().isInteger(64) || !type.hasStaticShape())
    return ShapeError(loc, op) << "expects " << what
                               << " to be a statically shaped tensor of i64, "
                                  "but got "
                               << value.getType();
  if (rank ? type.getRank() != *rank : type.getRank() < minRank)
    return ShapeError(loc, op) << "expects " << what << " of rank "
                               << (rank ? std::to_string(*rank)
                                        : "at least " + std::to_string(minRank))
                               << ", but got " << type;
  out = type;
  return success();
}

/// Checks a tuple column: 0 <= column < rank of the tuples.
LogicalResult checkColumn(std::optional<Location> loc, StringRef op,
                          int64_t column, int64_t components) {
  if (column < 0 || column >= components)
    return ShapeError(loc, op)
           << "expects 'column' in [0, " << components << ") (the tuples have "
           << components << " components), but got " << column;
  return success();
}

/// Checks extents `size` of rank `r` (each >= 1) for tuples of rank `r`.
LogicalResult checkExtents(std::optional<Location> loc, StringRef op,
                           ArrayRef<int64_t> size, int64_t r) {
  if (int64_t(size.size()) != r)
    return ShapeError(loc, op) << "expects 'size' with one extent per tuple "
                                  "component ("
                               << r << "), but got " << shapeStr(size);
  for (int64_t s : size)
    if (s < 1 || s > (int64_t(1) << 31))
      return ShapeError(loc, op)
             << "expects 'size' extents in [1, 2^31], but got "
             << shapeStr(size);
  return success();
}

/// Means of `K` tuples of rank `r`: a float tensor [K, r], r in [1, 8].
LogicalResult getTupleMeans(std::optional<Location> loc, StringRef op,
                            Value value, StringRef what,
                            RankedTensorType &out) {
  if (failed(getFloatTensor(loc, op, value, what, 2, out)))
    return failure();
  if (out.getDimSize(1) < 1 || out.getDimSize(1) > 8)
    return ShapeError(loc, op) << "expects " << what
                               << " [K, r] with 1 <= r <= 8 components, but "
                                  "got "
                               << out;
  return success();
}

/// A positive, finite `sigma_scale`; in f32, one whose products with the
/// extents (the spreads' scale: up to `maxExtent`) are normal numbers (1e300
/// made every spread infinite, 1e-300 zero, and the means NaN).
LogicalResult checkScale(std::optional<Location> loc, StringRef op,
                         double scale, Type elt, int64_t maxExtent) {
  if (!(scale > 0) || !std::isfinite(scale))
    return ShapeError(loc, op)
           << "expects a finite 'sigma_scale' > 0, but got " << scale;
  if (elt && elt.isF32() &&
      (scale < double(std::numeric_limits<float>::min()) ||
       scale * double(std::max<int64_t>(maxExtent, 1)) >
           double(std::numeric_limits<float>::max())))
    return ShapeError(loc, op)
           << "expects a 'sigma_scale' whose products with the extents (up "
              "to "
           << maxExtent
           << ") are normal f32 numbers (1.2e-38 to 3.4e38), but got " << scale;
  return success();
}

/// The largest of `extents` (1 for none).
int64_t largest(ArrayRef<int64_t> extents) {
  int64_t most = 1;
  for (int64_t e : extents)
    most = std::max(most, e);
  return most;
}

/// The sampling of `tuples` index tuples of rank `r` (global, local and
/// region from the adaptor, with their defaults): checks the counts and that
/// the points have fewer than 2^32 components; sets `points` per tuple.
template <typename Adaptor>
LogicalResult checkSampling(std::optional<Location> loc, StringRef op,
                            Adaptor adaptor, int64_t tuples, int64_t r,
                            int64_t &points) {
  int64_t global = orDefault(adaptor.getGlobalAttr(), 4);
  int64_t local = orDefault(adaptor.getLocalAttr(), 4);
  int64_t region = orDefault(adaptor.getRegionAttr(), 4);
  if (global < 0 || local < 0 || region < 0 || global > 4096 || local > 4096 ||
      region > (int64_t(1) << 30))
    return ShapeError(loc, op)
           << "expects 'global' and 'local' in [0, 4096] and 'region' in [0, "
              "2^30], but got "
           << global << ", " << local << " and " << region;
  points = (int64_t(1) << r) + global + local;
  if (tuples * points * r >= (int64_t(1) << 32))
    return ShapeError(loc, op) << "expects fewer than 2^32 index components, "
                                  "but "
                               << tuples << " tuples of " << points
                               << " points would have " << tuples * points * r;
  return success();
}

/// Checks `x : [B, N]` and returns it.
LogicalResult getBatch(std::optional<Location> loc, StringRef op, Value value,
                       StringRef what, RankedTensorType &out) {
  return getFloatTensor(loc, op, value, what, 2, out);
}

} // namespace

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x, idx;
  if (failed(getBatch(loc, op, adaptor.getInput(), "input [B, N]", x)) ||
      failed(getIndexTensor(loc, op, adaptor.getIndices(), "indices", 1, idx)))
    return failure();
  int64_t r = idx.getShape().back();
  int64_t column = orDefault(adaptor.getColumnAttr(), 0);
  if (failed(checkColumn(loc, op, column, r)))
    return failure();
  SmallVector<int64_t> shape = {x.getDimSize(0)};
  llvm::append_range(shape, idx.getShape().drop_back());
  results.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult ScatterAddOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType v, idx;
  if (failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, v)) ||
      failed(getIndexTensor(loc, op, adaptor.getIndices(), "indices", 1, idx)))
    return failure();
  int64_t r = idx.getShape().back();
  int64_t column = orDefault(adaptor.getColumnAttr(), 0);
  if (failed(checkColumn(loc, op, column, r)))
    return failure();
  if (v.getRank() < 1 ||
      v.getShape().drop_front() != idx.getShape().drop_back())
    return ShapeError(loc, op)
           << "expects input [B, S…] for indices [S…, r] = " << idx
           << ", but got " << v;
  int64_t size = adaptor.getSizeAttr() ? adaptor.getSize() : 0;
  if (size < 1)
    return ShapeError(loc, op) << "expects 'size' >= 1, but got " << size;
  results.push_back(
      RankedTensorType::get({v.getDimSize(0), size}, v.getElementType()));
  return success();
}

LogicalResult
SparseContractOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                   Adaptor adaptor,
                                   SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType idx, w, x;
  if (failed(
          getIndexTensor(loc, op, adaptor.getIndices(), "indices", 1, idx)) ||
      failed(getFloatTensor(loc, op, adaptor.getWeights(), "weights", -1, w)) ||
      failed(getBatch(loc, op, adaptor.getInput(), "input [B, N]", x)) ||
      failed(sameElementType(loc, op, w, "weights", x, "input")))
    return failure();
  if (idx.getShape().back() != 2)
    return ShapeError(loc, op)
           << "expects index pairs [S…, 2], but got " << idx;
  if (w.getShape() != idx.getShape().drop_back())
    return ShapeError(loc, op)
           << "expects one weight per index pair (" << idx << " gives "
           << shapeStr(idx.getShape().drop_back()) << "), but got " << w;
  static constexpr int64_t kPairs[2] = {0, 1};
  ArrayRef<int64_t> columns = adaptor.getColumnsAttr()
                                  ? adaptor.getColumnsAttr().asArrayRef()
                                  : ArrayRef<int64_t>(kPairs);
  if (columns.size() != 2 || columns[0] == columns[1] || columns[0] < 0 ||
      columns[0] > 1 || columns[1] < 0 || columns[1] > 1)
    return ShapeError(loc, op)
           << "expects 'columns' [0, 1] or [1, 0] (which component is the "
              "output and which the input), but got "
           << shapeStr(columns);
  int64_t size = adaptor.getSizeAttr() ? adaptor.getSize() : 0;
  if (size < 1)
    return ShapeError(loc, op) << "expects 'size' >= 1, but got " << size;
  results.push_back(
      RankedTensorType::get({x.getDimSize(0), size}, x.getElementType()));
  return success();
}

LogicalResult HyperParamsOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType m, s;
  if (failed(getTupleMeans(loc, op, adaptor.getMeans(), "means", m)) ||
      failed(getTupleMeans(loc, op, adaptor.getSpreads(), "spreads", s)))
    return failure();
  if (m != s)
    return ShapeError(loc, op) << "expects means and spreads of one type, but "
                                  "got "
                               << m << " and " << s;
  if (failed(checkExtents(loc, op, extents(adaptor.getSizeAttr()),
                          m.getDimSize(1))) ||
      failed(checkScale(loc, op, orDefault(adaptor.getSigmaScaleAttr(), 0.1),
                        m.getElementType(),
                        largest(extents(adaptor.getSizeAttr())))))
    return failure();
  double eps = orDefault(adaptor.getEpsAttr(), 1e-6);
  if (!(eps >= 0) || !std::isfinite(eps))
    return ShapeError(loc, op)
           << "expects a finite 'eps' >= 0, but got " << eps;
  results.append({m, m});
  return success();
}

LogicalResult
HyperParamsGradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType m;
  if (failed(getTupleMeans(loc, op, adaptor.getMeans(), "means", m)) ||
      failed(checkExtents(loc, op, extents(adaptor.getSizeAttr()),
                          m.getDimSize(1))) ||
      failed(checkScale(loc, op, orDefault(adaptor.getSigmaScaleAttr(), 0.1),
                        m.getElementType(),
                        largest(extents(adaptor.getSizeAttr())))))
    return failure();
  for (Value v :
       {adaptor.getGradMu(), adaptor.getGradSigma2(), adaptor.getSpreads()})
    if (v.getType() != m)
      return ShapeError(loc, op)
             << "expects gradients and spreads of the means' type " << m
             << ", but got " << v.getType();
  results.append({m, m});
  return success();
}

LogicalResult HyperSampleOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType m;
  if (failed(getTupleMeans(loc, op, adaptor.getMeans(), "means", m)) ||
      failed(checkGenerator(loc, op, adaptor.getGenerator().getType())))
    return failure();
  int64_t r = m.getDimSize(1), k = m.getDimSize(0), points = 0;
  if (failed(checkExtents(loc, op, extents(adaptor.getSizeAttr()), r)) ||
      failed(checkSampling(loc, op, adaptor, k, r, points)))
    return failure();
  results.push_back(
      RankedTensorType::get({k, points, r}, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult IndexDedupOp::verify() {
  StringRef op = getOperationName();
  RankedTensorType idx, m;
  if (failed(getIndexTensor(getLoc(), op, getIndices(), "indices [K, P, r]", 3,
                            idx, 3)) ||
      failed(getFloatTensor(getLoc(), op, getResult(), "result", 2, m)))
    return failure();
  if (m.getShape() != idx.getShape().drop_back())
    return emitOpError() << "expects a result [K, P] = "
                         << shapeStr(idx.getShape().drop_back())
                         << " for indices " << idx << ", but got " << m;
  return success();
}

/// The operands the density and its gradient share.
static LogicalResult checkDensityOperands(std::optional<Location> loc,
                                          StringRef op, Value indices, Value mu,
                                          Value sigma2, Value mask,
                                          RankedTensorType &muType,
                                          RankedTensorType &maskType) {
  RankedTensorType idx, s2;
  if (failed(
          getIndexTensor(loc, op, indices, "indices [K, P, r]", 3, idx, 3)) ||
      failed(getTupleMeans(loc, op, mu, "mu", muType)) ||
      failed(getTupleMeans(loc, op, sigma2, "sigma2", s2)) ||
      failed(getFloatTensor(loc, op, mask, "mask", 2, maskType)))
    return failure();
  int64_t k = idx.getDimSize(0), p = idx.getDimSize(1), r = idx.getDimSize(2);
  if (muType.getShape() != ArrayRef<int64_t>{k, r} || s2 != muType)
    return ShapeError(loc, op) << "expects mu and sigma2 of shape [K, r] = ["
                               << k << ", " << r << "] for indices " << idx
                               << ", but got " << muType << " and " << s2;
  if (maskType.getShape() != ArrayRef<int64_t>{k, p} ||
      maskType.getElementType() != muType.getElementType())
    return ShapeError(loc, op)
           << "expects a mask [K, P] = [" << k << ", " << p
           << "] of mu's element type, but got " << maskType;
  return success();
}

LogicalResult
GaussianDensityOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &results) {
  RankedTensorType mu, mask;
  if (failed(checkDensityOperands(loc, getOperationName(), adaptor.getIndices(),
                                  adaptor.getMu(), adaptor.getSigma2(),
                                  adaptor.getMask(), mu, mask)))
    return failure();
  results.push_back(mask);
  return success();
}

LogicalResult GaussianDensityGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType mu, mask, g;
  if (failed(checkDensityOperands(loc, op, adaptor.getIndices(),
                                  adaptor.getMu(), adaptor.getSigma2(),
                                  adaptor.getMask(), mu, mask)) ||
      failed(getFloatTensor(loc, op, adaptor.getGrad(), "gradient", 2, g)))
    return failure();
  if (g != mask)
    return ShapeError(loc, op) << "expects a gradient of the densities' type "
                               << mask << ", but got " << g;
  results.append({mu, mu});
  return success();
}

LogicalResult RoundIndicesOp::inferReturnTypes(MLIRContext *ctx,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType m;
  if (failed(getTupleMeans(loc, op, adaptor.getMeans(), "means", m)) ||
      failed(checkExtents(loc, op, extents(adaptor.getSizeAttr()),
                          m.getDimSize(1))))
    return failure();
  results.push_back(
      RankedTensorType::get(m.getShape(), IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult SparseHyperOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType x, m, s, v;
  if (failed(getBatch(loc, op, adaptor.getInput(), "input [B, N]", x)) ||
      failed(getFloatTensor(loc, op, adaptor.getMeans(), "means", 2, m)) ||
      failed(getFloatTensor(loc, op, adaptor.getSpreads(), "spreads", 2, s)) ||
      failed(getFloatTensor(loc, op, adaptor.getValues(), "values", 1, v)) ||
      failed(checkGenerator(loc, op, adaptor.getGenerator().getType())))
    return failure();
  int64_t k = m.getDimSize(0);
  if (m.getDimSize(1) != 2 || s != m || v.getShape() != ArrayRef<int64_t>{k} ||
      m.getElementType() != x.getElementType() ||
      v.getElementType() != x.getElementType())
    return ShapeError(loc, op)
           << "expects means and spreads [K, 2] and values [K] of the input's "
              "element type, but got "
           << m << ", " << s << " and " << v;
  int64_t units = adaptor.getUnitsAttr() ? adaptor.getUnits() : 0;
  if (units < 1 || units > (int64_t(1) << 31))
    return ShapeError(loc, op)
           << "expects 'units' in [1, 2^31], but got " << units;
  int64_t points = 0;
  if (failed(checkSampling(loc, op, adaptor, k, 2, points)) ||
      failed(checkScale(loc, op, orDefault(adaptor.getSigmaScaleAttr(), 0.1),
                        x.getElementType(), std::max(units, x.getDimSize(1)))))
    return failure();
  results.push_back(
      RankedTensorType::get({x.getDimSize(0), units}, x.getElementType()));
  return success();
}
