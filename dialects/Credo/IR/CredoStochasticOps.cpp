//===- CredoStochasticOps.cpp - Shape rules of the stochastic ops -*- C++
//-*-===//
//
// Result-type inference (which is also verification) and verifiers for the
// stochastic-node ops of CredoStochasticOps.td.
//
//===----------------------------------------------------------------------===//

#include "Credo/IR/CredoOps.h"
#include "Credo/IR/ShapeRules.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::detail;

namespace {

/// Checks the logits, generator and stream of a sampling op.
LogicalResult checkSampler(std::optional<Location> loc, StringRef op,
                           Value logits, Value generator, IntegerAttr stream,
                           int64_t rank, RankedTensorType &out) {
  if (failed(getFloatTensor(loc, op, logits, "logits", rank, out)) ||
      failed(checkGenerator(loc, op, generator.getType())))
    return failure();
  std::optional<int64_t> n = elementCount(out.getShape());
  if (!n || *n >= (int64_t(1) << 32))
    return ShapeError(loc, op)
           << "counts the elements it draws for in 32 bits, but the logits "
           << out << " have 2^32 or more";
  uint64_t s = stream ? stream.getValue().getZExtValue() : 0;
  if (s >= (uint64_t(1) << 32))
    return ShapeError(loc, op)
           << "expects stream in [0, 2^32), but got " << int64_t(s);
  return success();
}

} // namespace

LogicalResult BernoulliOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  RankedTensorType l;
  if (failed(checkSampler(loc, getOperationName(), adaptor.getLogits(),
                          adaptor.getGenerator(), adaptor.getStreamAttr(), -1,
                          l)))
    return failure();
  results.append({l, l, l});
  return success();
}

LogicalResult CategoricalOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  RankedTensorType l;
  StringRef op = getOperationName();
  if (failed(checkSampler(loc, op, adaptor.getLogits(), adaptor.getGenerator(),
                          adaptor.getStreamAttr(), 2, l)))
    return failure();
  if (l.getDimSize(1) < 1 || l.getDimSize(1) > (int64_t(1) << 24))
    return ShapeError(loc, op)
           << "expects between 1 and 2^24 classes, but the logits " << l
           << " have " << l.getDimSize(1);
  int64_t b = l.getDimSize(0);
  results.append({RankedTensorType::get({b}, IntegerType::get(ctx, 64)),
                  RankedTensorType::get({b}, l.getElementType()), l});
  return success();
}

LogicalResult
BernoulliLogProbOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                     Adaptor adaptor,
                                     SmallVectorImpl<Type> &results) {
  RankedTensorType l, u;
  StringRef op = getOperationName();
  if (failed(getFloatTensor(loc, op, adaptor.getLogits(), "logits", -1, l)) ||
      failed(getFloatTensor(loc, op, adaptor.getSample(), "sample", -1, u)))
    return failure();
  if (l != u)
    return ShapeError(loc, op)
           << "expects logits and samples of one type, but got " << l << " and "
           << u;
  results.append({l, l});
  return success();
}

LogicalResult CategoricalLogProbOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  RankedTensorType l;
  StringRef op = getOperationName();
  if (failed(getFloatTensor(loc, op, adaptor.getLogits(), "logits", 2, l)))
    return failure();
  auto a = cast<RankedTensorType>(adaptor.getSample().getType());
  if (!a.hasStaticShape() || a.getDimSize(0) != l.getDimSize(0))
    return ShapeError(loc, op) << "expects one class per row of the logits "
                               << l << ", but got " << a;
  if (l.getDimSize(1) < 1 || l.getDimSize(1) > (int64_t(1) << 24))
    return ShapeError(loc, op)
           << "expects between 1 and 2^24 classes, but the logits " << l
           << " have " << l.getDimSize(1);
  results.append(
      {RankedTensorType::get({l.getDimSize(0)}, l.getElementType()), l});
  return success();
}

LogicalResult ExecuteFlagsOp::verify() {
  auto type = cast<RankedTensorType>(getType());
  if (!type.hasStaticShape())
    return emitOpError() << "expects a statically shaped result, but got "
                         << type;
  std::optional<int64_t> n = elementCount(type.getShape());
  if (!n || *n >= (int64_t(1) << 32))
    return emitOpError() << "counts its flags in 32 bits, but the result "
                         << type << " has 2^32 or more";
  double probability = getP().convertToDouble();
  if (!(probability >= 0 && probability <= 1))
    return emitOpError() << "expects an execute probability p in [0, 1], but "
                            "got "
                         << llvm::formatv("{0}", probability);
  int64_t period = getPeriodAttr().getInt();
  if (period < 0)
    return emitOpError() << "expects period >= 0 (0: draw with probability "
                            "p), but got "
                         << period;
  if (period > 0 && probability != 1.0)
    return emitOpError() << "takes either a probability p or a period, not "
                            "both (p = "
                         << llvm::formatv("{0}", probability)
                         << ", period = " << period << ")";
  if (uint64_t(getStream()) >= (uint64_t(1) << 32))
    return emitOpError() << "expects stream in [0, 2^32), but got "
                         << getStream();
  return success();
}

LogicalResult HoldOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  StringRef op = getOperationName();
  RankedTensorType e, u, prev;
  if (failed(getFloatTensor(loc, op, adaptor.getFlags(), "flags", -1, e)) ||
      failed(getFloatTensor(loc, op, adaptor.getInput(), "input", -1, u)) ||
      failed(
          getFloatTensor(loc, op, adaptor.getPrevious(), "previous", -1, prev)))
    return failure();
  // A graph's hold reads its previous output from a state of the input's
  // type, so only the flags can differ there.
  if (e != u && prev == u)
    return ShapeError(loc, op)
           << "expects execute flags of its input's type, but got flags " << e
           << " and input " << u;
  if (e != u || prev != u)
    return ShapeError(loc, op)
           << "expects flags, input and previous of one type, but got " << e
           << ", " << u << " and " << prev;
  results.push_back(u);
  return success();
}
