//===- Feedback.cpp - Fixed random feedback in the reverse sweep -*- C++
//-*-===//
//
// The input gradients of feedback alignment and direct feedback alignment
// (Feedback.h).
//
//===----------------------------------------------------------------------===//

#include "Feedback.h"

#include "MakeOp.h"

#include "Credo/IR/CredoInterfaces.h"
#include "Credo/IR/CredoOps.h"
#include "credo/Transforms/Training.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::credo;

std::optional<FeedbackMode> mlir::credo::parseFeedbackMode(StringRef name) {
  if (name == "exact")
    return FeedbackMode::Exact;
  if (name == "fa")
    return FeedbackMode::Alignment;
  if (name == "dfa")
    return FeedbackMode::Direct;
  return std::nullopt;
}

bool Feedback::replaces(Operation *op) const {
  return mode != FeedbackMode::Exact && isa<DenseOp, Conv2DOp>(op);
}

FailureOr<Value> Feedback::matrix(OpBuilder &b, Operation *op,
                                  RankedTensorType type) {
  auto weight = op->getOperand(1).getDefiningOp<GetParamOp>();
  if (!weight) {
    op->emitError() << "the rule '"
                    << (mode == FeedbackMode::Direct ? "dfa" : "fa")
                    << "' sends the error back through a fixed random matrix "
                       "of this layer's weight's shape, so the weight must be "
                       "a parameter itself, not a value computed from one";
    return failure();
  }
  auto param = module.lookupSymbol<ParamOp>(weight.getName());
  std::string name = (weight.getName() + "_feedback").str();
  if (Value v = matrices.lookup(name)) {
    if (v.getType() != type) {
      op->emitError() << "the weight '" << weight.getName()
                      << "' is shared by layers whose feedback matrices "
                         "differ in shape ("
                      << v.getType() << " and " << type << ")";
      return failure();
    }
    return v;
  }
  FailureOr<ParamOp> decl =
      declareFeedbackMatrix(module, param, type, seed, op->getLoc());
  if (failed(decl))
    return failure();
  Value v = readParam(b, func, *decl);
  matrices[name] = v;
  return v;
}

FailureOr<Value> Feedback::inputGradient(OpBuilder &b, Operation *op, Value g) {
  Location loc = op->getLoc();
  if (mode == FeedbackMode::Alignment) {
    // The layer's own rule for its input, with B in place of W.
    FailureOr<Value> bMatrix =
        matrix(b, op, cast<RankedTensorType>(op->getOperand(1).getType()));
    if (failed(bMatrix))
      return failure();
    IRMapping map;
    map.map(op->getOperand(1), *bMatrix);
    Operation *twin = b.clone(*op, map);
    SmallVector<bool> needed(op->getNumOperands(), false);
    needed[0] = true;
    SmallVector<Value> grads;
    LogicalResult built = cast<DifferentiableOpInterface>(twin).buildGradients(
        b, {g}, needed, grads);
    twin->erase();
    if (failed(built))
      return failure();
    return grads[0];
  }
  // Direct feedback alignment.
  if (loopDepth > 0 || op->getParentOfType<TimeLoopOp>()) {
    op->emitError() << "direct feedback alignment ('dfa') does not support "
                       "layers inside a time loop; use 'fa' or 'backprop'";
    return failure();
  }
  if (!error) {
    auto t = cast<RankedTensorType>(g.getType());
    if (!isa<DenseOp>(op) || t.getRank() != 2) {
      op->emitError() << "direct feedback alignment ('dfa') needs a dense "
                         "output layer (the layer nearest the loss), but "
                         "this is '"
                      << op->getName() << "'";
      return failure();
    }
    error = g;
  }
  auto e = cast<RankedTensorType>(error.getType());
  auto x = cast<RankedTensorType>(op->getOperand(0).getType());
  int64_t features = 1;
  for (int64_t d = 1; d < x.getRank(); ++d)
    features *= x.getDimSize(d);
  FailureOr<Value> bMatrix = matrix(
      b, op,
      RankedTensorType::get({e.getDimSize(1), features}, x.getElementType()));
  if (failed(bMatrix))
    return failure();
  Value dx = make<MatmulOp>(b, loc, {error, *bMatrix});
  if (x.getRank() != 2)
    dx = make<ReshapeOp>(
        b, loc, {dx},
        {b.getNamedAttr("shape", b.getDenseI64ArrayAttr(x.getShape()))});
  return dx;
}
