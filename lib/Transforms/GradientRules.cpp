//===- GradientRules.cpp - Reverse-mode rules of the credo ops --*- C++ -*-===//
//
// DifferentiableOpInterface for every differentiable credo op, attached as
// external models. Each rule builds credo ops, so the backward pass lowers
// through the same backends as the forward pass.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "MakeOp.h"

#include "Credo/IR/CredoInterfaces.h"
#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::credo;

namespace {

using Grads = SmallVectorImpl<Value>;

/// A tensor of `type` filled with `value`.
Value splat(OpBuilder &b, Location loc, Type type, double value) {
  auto t = cast<RankedTensorType>(type);
  return b.create<arith::ConstantOp>(
      loc,
      DenseElementsAttr::get(t, b.getFloatAttr(t.getElementType(), value)));
}

/// y = x·W + b: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_rows dy.
LogicalResult denseRule(DenseOp op, OpBuilder &b, Value g, ArrayRef<bool> need,
                        Grads &out) {
  Location loc = op.getLoc();
  out.assign(op->getNumOperands(), nullptr);
  if (need[0])
    out[0] =
        make<MatmulOp>(b, loc, {g, op.getWeight()},
                       {b.getNamedAttr("transpose_rhs", b.getBoolAttr(true))});
  if (need[1])
    out[1] =
        make<MatmulOp>(b, loc, {op.getInput(), g},
                       {b.getNamedAttr("transpose_lhs", b.getBoolAttr(true))});
  if (op.getBias() && need[2])
    out[2] = make<ReduceSumOp>(
        b, loc, {g}, {b.getNamedAttr("dims", b.getDenseI64ArrayAttr({0}))});
  return success();
}

/// conv2d: dx by the transposed convolution, dW by correlating x with dy,
/// db = Σ_{b,h,w} dy.
LogicalResult conv2dRule(Conv2DOp op, OpBuilder &b, Value g,
                         ArrayRef<bool> need, Grads &out) {
  Location loc = op.getLoc();
  out.assign(op->getNumOperands(), nullptr);
  auto x = cast<RankedTensorType>(op.getInput().getType());
  auto w = cast<RankedTensorType>(op.getWeight().getType());
  NamedAttribute strides = b.getNamedAttr("strides", op.getStridesAttr());
  NamedAttribute padding = b.getNamedAttr("padding", op.getPaddingAttr());
  if (need[0])
    out[0] = make<Conv2DGradInputOp>(
        b, loc, {g, op.getWeight()},
        {b.getNamedAttr("input_shape", b.getDenseI64ArrayAttr(x.getShape())),
         strides, padding});
  if (need[1])
    out[1] = make<Conv2DGradWeightOp>(
        b, loc, {op.getInput(), g},
        {b.getNamedAttr("kernel", b.getDenseI64ArrayAttr(
                                      {w.getDimSize(2), w.getDimSize(3)})),
         strides, padding});
  if (op.getBias() && need[2])
    out[2] = make<ReduceSumOp>(
        b, loc, {g},
        {b.getNamedAttr("dims", b.getDenseI64ArrayAttr({0, 2, 3}))});
  return success();
}

/// The window attributes of a pooling op, for its gradient op.
template <typename PoolOp>
SmallVector<NamedAttribute> windowAttrs(PoolOp op, OpBuilder &b) {
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("kernel", op.getKernelAttr()),
      b.getNamedAttr("padding", op.getPaddingAttr())};
  if (op.getStridesAttr())
    attrs.push_back(b.getNamedAttr("strides", op.getStridesAttr()));
  return attrs;
}

LogicalResult maxPoolRule(MaxPool2DOp op, OpBuilder &b, Value g,
                          ArrayRef<bool> need, Grads &out) {
  out.assign(1, nullptr);
  if (need[0])
    out[0] = make<MaxPool2DGradOp>(b, op.getLoc(), {g, op.getInput()},
                                   windowAttrs(op, b));
  return success();
}

LogicalResult avgPoolRule(AvgPool2DOp op, OpBuilder &b, Value g,
                          ArrayRef<bool> need, Grads &out) {
  out.assign(1, nullptr);
  if (need[0]) {
    SmallVector<NamedAttribute> attrs = windowAttrs(op, b);
    attrs.push_back(b.getNamedAttr(
        "input_shape",
        b.getDenseI64ArrayAttr(
            cast<RankedTensorType>(op.getInput().getType()).getShape())));
    out[0] = make<AvgPool2DGradOp>(b, op.getLoc(), {g}, attrs);
  }
  return success();
}

/// Activations whose derivative uses the input (relu, softplus) or the
/// output (sigmoid, tanh).
template <typename Op, typename GradOp, bool UsesOutput>
LogicalResult activationRule(Op op, OpBuilder &b, Value g, ArrayRef<bool> need,
                             Grads &out) {
  out.assign(1, nullptr);
  if (need[0])
    out[0] = make<GradOp>(b, op.getLoc(),
                          {g, UsesOutput ? op.getResult() : op.getInput()});
  return success();
}

LogicalResult softmaxRule(SoftmaxOp op, OpBuilder &b, Value g,
                          ArrayRef<bool> need, Grads &out) {
  out.assign(1, nullptr);
  if (need[0])
    out[0] = make<SoftmaxGradOp>(b, op.getLoc(), {g, op.getResult()},
                                 {b.getNamedAttr("axis", op.getAxisAttr())});
  return success();
}

LogicalResult addRule(AddOp op, OpBuilder &b, Value g, ArrayRef<bool> need,
                      Grads &out) {
  out.assign({need[0] ? g : nullptr, need[1] ? g : nullptr});
  return success();
}

LogicalResult subRule(SubOp op, OpBuilder &b, Value g, ArrayRef<bool> need,
                      Grads &out) {
  out.assign(2, nullptr);
  if (need[0])
    out[0] = g;
  if (need[1])
    out[1] = make<SubOp>(b, op.getLoc(),
                         {splat(b, op.getLoc(), g.getType(), 0.0), g});
  return success();
}

LogicalResult mulRule(MulOp op, OpBuilder &b, Value g, ArrayRef<bool> need,
                      Grads &out) {
  out.assign(2, nullptr);
  if (need[0])
    out[0] = make<MulOp>(b, op.getLoc(), {g, op.getRhs()});
  if (need[1])
    out[1] = make<MulOp>(b, op.getLoc(), {g, op.getLhs()});
  return success();
}

/// z = x / y: dx = g / y, dy = −g·z / y (both 0 where a safe division
/// gave 0 for y = 0).
LogicalResult divRule(DivOp op, OpBuilder &b, Value g, ArrayRef<bool> need,
                      Grads &out) {
  out.assign(2, nullptr);
  Location loc = op.getLoc();
  SmallVector<NamedAttribute> safe;
  if (op.getSafe())
    safe.push_back(b.getNamedAttr("safe", b.getUnitAttr()));
  if (need[0])
    out[0] = make<DivOp>(b, loc, {g, op.getRhs()}, safe);
  if (need[1]) {
    Value gz = make<MulOp>(b, loc, {g, op.getResult()});
    out[1] = make<SubOp>(b, loc,
                         {splat(b, loc, g.getType(), 0.0),
                          make<DivOp>(b, loc, {gz, op.getRhs()}, safe)});
  }
  return success();
}

/// flatten and reshape: the gradient takes the input's shape back.
template <typename Op>
LogicalResult reshapeRule(Op op, OpBuilder &b, Value g, ArrayRef<bool> need,
                          Grads &out) {
  out.assign(1, nullptr);
  if (need[0]) {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    out[0] = make<ReshapeOp>(
        b, op.getLoc(), {g},
        {b.getNamedAttr("shape", b.getDenseI64ArrayAttr(type.getShape()))});
  }
  return success();
}

/// scale: d(factor · x) = factor · g.
LogicalResult scaleRule(ScaleOp op, OpBuilder &b, Value g, ArrayRef<bool> need,
                        Grads &out) {
  out.assign(1, nullptr);
  if (need[0])
    out[0] = make<ScaleOp>(b, op.getLoc(), {g},
                           {b.getNamedAttr("factor", op.getFactorAttr())});
  return success();
}

/// transpose: the inverse permutation.
LogicalResult transposeRule(TransposeOp op, OpBuilder &b, Value g,
                            ArrayRef<bool> need, Grads &out) {
  out.assign(1, nullptr);
  if (need[0]) {
    ArrayRef<int64_t> perm = op.getPerm();
    SmallVector<int64_t> inverse(perm.size());
    for (auto [i, p] : llvm::enumerate(perm))
      inverse[p] = int64_t(i);
    out[0] = make<TransposeOp>(
        b, op.getLoc(), {g},
        {b.getNamedAttr("perm", b.getDenseI64ArrayAttr(inverse))});
  }
  return success();
}

LogicalResult sceRule(SoftmaxCrossEntropyOp op, OpBuilder &b, Value g,
                      ArrayRef<bool> need, Grads &out) {
  out.assign(2, nullptr);
  if (need[1])
    return op.emitOpError("cannot differentiate with respect to class labels");
  if (need[0])
    out[0] = make<SoftmaxCrossEntropyGradOp>(
        b, op.getLoc(), {op.getLogits(), op.getLabels(), g});
  return success();
}

LogicalResult countMarginRule(CountMarginLossOp op, OpBuilder &b, Value g,
                              ArrayRef<bool> need, Grads &out) {
  out.assign(2, nullptr);
  if (need[1])
    return op.emitOpError("cannot differentiate with respect to class labels");
  if (need[0])
    out[0] = make<CountMarginLossGradOp>(
        b, op.getLoc(), {op.getCounts(), op.getLabels(), g},
        {b.getNamedAttr("high", op.getHighAttr()),
         b.getNamedAttr("low", op.getLowAttr()),
         b.getNamedAttr("margin", op.getMarginAttr())});
  return success();
}

LogicalResult mseRule(MseOp op, OpBuilder &b, Value g, ArrayRef<bool> need,
                      Grads &out) {
  out.assign(2, nullptr);
  if (need[0])
    out[0] = make<MseGradOp>(b, op.getLoc(),
                             {op.getPrediction(), op.getTarget(), g});
  if (need[1])
    out[1] = make<MseGradOp>(b, op.getLoc(),
                             {op.getTarget(), op.getPrediction(), g});
  return success();
}

/// spike_count: every step gets the count's gradient.
LogicalResult spikeCountRule(SpikeCountOp op, OpBuilder &b, Value g,
                             ArrayRef<bool> need, Grads &out) {
  out.assign(1, nullptr);
  if (need[0]) {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    out[0] = make<SpikeCountGradOp>(
        b, op.getLoc(), {g},
        {b.getNamedAttr("steps", b.getI64IntegerAttr(type.getDimSize(0)))});
  }
  return success();
}

/// exp_filter: dy/dx = gain, dy/dtrace = decay.
LogicalResult expFilterRule(ExpFilterOp op, OpBuilder &b, Value g,
                            ArrayRef<bool> need, Grads &out) {
  out.assign(2, nullptr);
  auto scaled = [&](double factor) -> Value {
    if (factor == 1.0)
      return g;
    return make<ScaleOp>(b, op.getLoc(), {g},
                         {b.getNamedAttr("factor", b.getF64FloatAttr(factor))});
  };
  if (need[0])
    out[0] = scaled(op.getInputGain());
  if (need[1])
    out[1] = scaled(op.getDecay());
  return success();
}

/// lif: the surrogate gradient (credo.lif_grad), from every result's
/// gradient (zeros where none arrives).
struct LifRule
    : public DifferentiableOpInterface::ExternalModel<LifRule, LifOp> {
  LogicalResult buildGradients(Operation *operation, OpBuilder &b,
                               ArrayRef<Value> resultGrads,
                               ArrayRef<bool> needed, Grads &grads) const {
    auto op = cast<LifOp>(operation);
    if (!op.getSurrogate()) {
      return op.emitError()
             << "its spikes are a step function with no gradient; give it a "
                "surrogate derivative (\"surrogate\": \"fast_sigmoid\", "
                "\"arctan\" or \"triangle\", with \"slope\") to train it by "
                "backpropagation";
    }
    Location loc = op.getLoc();
    SmallVector<Value> operands;
    operands.push_back(op.getInput());
    llvm::append_range(operands, op.getState());
    for (auto [r, g] : llvm::zip(op.getResults(), resultGrads))
      operands.push_back(g ? g : splat(b, loc, r.getType(), 0.0));
    SmallVector<NamedAttribute> attrs(op->getAttrs());
    unsigned n = op.getState().size();
    attrs.push_back(b.getNamedAttr(
        "operandSegmentSizes",
        b.getDenseI32ArrayAttr({1, int32_t(n), int32_t(n + 1)})));
    auto grad = b.create<LifGradOp>(loc, ValueRange(operands), attrs);
    grads.assign(operands.size() - (n + 1), nullptr);
    for (unsigned i = 0; i < grads.size(); ++i)
      if (needed[i])
        grads[i] = grad.getResult(i);
    return success();
  }
};

/// einsum: the gradient of operand i is the einsum of the result gradient
/// with the other operands into operand i's letters. Letters only operand
/// i has (summed away alone, as in "bi->") come from one more operand, ones
/// over those letters: the gradient is broadcast along them.
LogicalResult einsumRule(EinsumOp op, OpBuilder &b, Value g,
                         ArrayRef<bool> need, Grads &out) {
  FailureOr<SmallVector<std::string>> parts = EinsumOp::parseSpec(op.getSpec());
  if (failed(parts))
    return op.emitError() << "malformed spec";
  size_t n = op.getInputs().size();
  out.assign(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    if (!need[i])
      continue;
    std::string spec = parts->back();
    SmallVector<Value> operands = {g};
    std::string others = parts->back();
    for (size_t j = 0; j < n; ++j)
      if (j != i) {
        spec += "," + (*parts)[j];
        others += (*parts)[j];
        operands.push_back(op.getInputs()[j]);
      }
    auto type = cast<RankedTensorType>(op.getInputs()[i].getType());
    std::string alone;
    SmallVector<int64_t> extents;
    for (auto [d, c] : llvm::enumerate((*parts)[i]))
      if (others.find(c) == std::string::npos) {
        alone += c;
        extents.push_back(type.getDimSize(d));
      }
    if (!alone.empty()) {
      auto onesType = RankedTensorType::get(extents, type.getElementType());
      spec += "," + alone;
      operands.push_back(b.create<arith::ConstantOp>(
          op.getLoc(),
          DenseElementsAttr::get(onesType,
                                 b.getFloatAttr(type.getElementType(), 1.0))));
    }
    spec += "->" + (*parts)[i];
    out[i] = make<EinsumOp>(b, op.getLoc(), operands,
                            {b.getNamedAttr("spec", b.getStringAttr(spec))});
  }
  return success();
}

/// gather and scatter_add are each other's adjoints.
LogicalResult gatherRule(GatherOp op, OpBuilder &b, Value g,
                         ArrayRef<bool> need, Grads &out) {
  out.assign(2, nullptr);
  if (need[0]) {
    int64_t n = cast<RankedTensorType>(op.getInput().getType()).getDimSize(1);
    out[0] =
        make<ScatterAddOp>(b, op.getLoc(), {g, op.getIndices()},
                           {b.getNamedAttr("column", op.getColumnAttr()),
                            b.getNamedAttr("size", b.getI64IntegerAttr(n))});
  }
  return success();
}

LogicalResult scatterAddRule(ScatterAddOp op, OpBuilder &b, Value g,
                             ArrayRef<bool> need, Grads &out) {
  out.assign(2, nullptr);
  if (need[0])
    out[0] = make<GatherOp>(b, op.getLoc(), {g, op.getIndices()},
                            {b.getNamedAttr("column", op.getColumnAttr())});
  return success();
}

/// y[b, o_s] += w_s x[b, i_s]: ∂x is the contraction with the columns
/// swapped, ∂w_s = Σ_b ∂y[b, o_s] x[b, i_s].
LogicalResult sparseContractRule(SparseContractOp op, OpBuilder &b, Value g,
                                 ArrayRef<bool> need, Grads &out) {
  Location loc = op.getLoc();
  out.assign(3, nullptr);
  ArrayRef<int64_t> columns = op.getColumns();
  if (need[1]) {
    auto column = [&](int64_t c) {
      return b.getNamedAttr("column", b.getI64IntegerAttr(c));
    };
    Value gy =
        make<GatherOp>(b, loc, {g, op.getIndices()}, {column(columns[0])});
    Value gx = make<GatherOp>(b, loc, {op.getInput(), op.getIndices()},
                              {column(columns[1])});
    std::string tuple;
    int64_t rank = cast<RankedTensorType>(op.getWeights().getType()).getRank();
    for (int64_t i = 0; i < rank; ++i)
      tuple += char('c' + i);
    out[1] = make<EinsumOp>(
        b, loc, {gy, gx},
        {b.getNamedAttr("spec", b.getStringAttr("b" + tuple + ",b" + tuple +
                                                "->" + tuple))});
  }
  if (need[2]) {
    int64_t n = cast<RankedTensorType>(op.getInput().getType()).getDimSize(1);
    out[2] = make<SparseContractOp>(
        b, loc, {op.getIndices(), op.getWeights(), g},
        {b.getNamedAttr("size", b.getI64IntegerAttr(n)),
         b.getNamedAttr("columns",
                        b.getDenseI64ArrayAttr({columns[1], columns[0]}))});
  }
  return success();
}

/// gaussian_density: gradients of μ and σ² (credo.gaussian_density_grad);
/// the points are constants and the mask has none.
LogicalResult gaussianDensityRule(GaussianDensityOp op, OpBuilder &b, Value g,
                                  ArrayRef<bool> need, Grads &out) {
  out.assign(4, nullptr);
  if (need[3])
    return op.emitError() << "its mask gets no gradient; compute the mask "
                             "with credo.index_dedup or put it under "
                             "credo.stop_gradient";
  if (!need[1] && !need[2])
    return success();
  auto grad = b.create<GaussianDensityGradOp>(
      op.getLoc(),
      ValueRange{g, op.getIndices(), op.getMu(), op.getSigma2(), op.getMask()});
  if (need[1])
    out[1] = grad.getGradMu();
  if (need[2])
    out[2] = grad.getGradSigma2();
  return success();
}

/// hyper_params: credo.hyper_params_grad from both results' gradients
/// (zeros where none arrives).
struct HyperParamsRule
    : public DifferentiableOpInterface::ExternalModel<HyperParamsRule,
                                                      HyperParamsOp> {
  LogicalResult buildGradients(Operation *operation, OpBuilder &b,
                               ArrayRef<Value> resultGrads,
                               ArrayRef<bool> needed, Grads &grads) const {
    auto op = cast<HyperParamsOp>(operation);
    Location loc = op.getLoc();
    SmallVector<Value> operands;
    for (auto [r, g] : llvm::zip(op.getResults(), resultGrads))
      operands.push_back(g ? g : splat(b, loc, r.getType(), 0.0));
    operands.append({op.getMeans(), op.getSpreads()});
    auto grad = b.create<HyperParamsGradOp>(
        loc, ValueRange(operands),
        ArrayRef<NamedAttribute>{
            b.getNamedAttr("size", op.getSizeAttr()),
            b.getNamedAttr("sigma_scale", op.getSigmaScaleAttr())});
    grads.assign(2, nullptr);
    for (unsigned i = 0; i < 2; ++i)
      if (needed[i])
        grads[i] = grad.getResult(i);
    return success();
  }
};

/// A sampler's log-probability and score are differentiable in the logits
/// (the sample is not): Bernoulli ∂l = ∂lp·score − ∂score·σ(1 − σ);
/// categorical ∂l = ∂lp ⊙ score − softmax_grad(∂score, p) (score = onehot −
/// p). A given sample u (the _log_prob forms, float Bernoulli samples) gets
/// ∂u = ∂lp·l + ∂score from lp = u·l − softplus(l), score = u − σ(l).
template <typename Op, bool Drawn>
struct SamplerRule
    : public DifferentiableOpInterface::ExternalModel<SamplerRule<Op, Drawn>,
                                                      Op> {
  LogicalResult buildGradients(Operation *operation, OpBuilder &b,
                               ArrayRef<Value> resultGrads,
                               ArrayRef<bool> needed, Grads &grads) const {
    Location loc = operation->getLoc();
    Value logits = operation->getOperand(0);
    unsigned first = Drawn ? 1 : 0; // log_prob, then score
    Value gLp = resultGrads[first], gScore = resultGrads[first + 1];
    Value score = operation->getResult(first + 1);
    grads.assign(operation->getNumOperands(), nullptr);
    bool bernoulli = isa<BernoulliOp, BernoulliLogProbOp>(operation);
    Value dl;
    auto accumulate = [&](Value v) {
      dl = dl ? make<AddOp>(b, loc, {dl, v}) : v;
    };
    if (gLp)
      accumulate(
          bernoulli
              ? make<MulOp>(b, loc, {gLp, score})
              : make<EinsumOp>(
                    b, loc, {gLp, score},
                    {b.getNamedAttr("spec", b.getStringAttr("b,bk->bk"))}));
    if (gScore) {
      Value back =
          bernoulli ? make<SigmoidGradOp>(
                          b, loc, {gScore, make<SigmoidOp>(b, loc, {logits})})
                    : make<SoftmaxGradOp>(
                          b, loc, {gScore, make<SoftmaxOp>(b, loc, {logits})});
      accumulate(
          make<SubOp>(b, loc, {splat(b, loc, back.getType(), 0.0), back}));
    }
    if (needed[0])
      grads[0] = dl ? dl : splat(b, loc, logits.getType(), 0.0);
    // A given float sample (Bernoulli): ∂u = ∂lp·l + ∂score.
    if (!Drawn && bernoulli && needed.size() > 1 && needed[1]) {
      Value du;
      if (gLp)
        du = make<MulOp>(b, loc, {gLp, logits});
      if (gScore)
        du = du ? make<AddOp>(b, loc, {du, gScore}) : gScore;
      grads[1] = du ? du : splat(b, loc, logits.getType(), 0.0);
    }
    return success();
  }
};

/// hold: y = E·u + (1 − E)·prev: ∂E = ∂y·(u − prev), ∂u = E·∂y,
/// ∂prev = ∂y − E·∂y.
LogicalResult holdRule(HoldOp op, OpBuilder &b, Value g, ArrayRef<bool> need,
                       Grads &out) {
  Location loc = op.getLoc();
  out.assign(3, nullptr);
  Value eg = make<MulOp>(b, loc, {op.getFlags(), g});
  if (need[0])
    out[0] = make<MulOp>(
        b, loc, {g, make<SubOp>(b, loc, {op.getInput(), op.getPrevious()})});
  if (need[1])
    out[1] = eg;
  if (need[2])
    out[2] = make<SubOp>(b, loc, {g, eg});
  return success();
}

/// y = r[(t − back) mod k]: dr = g in that slot, zeros elsewhere (a write
/// into zeros, which autodiff adds into the ring's other gradients in
/// place).
LogicalResult ringReadRule(RingReadOp op, OpBuilder &b, Value g,
                           ArrayRef<bool> need, Grads &out) {
  Location loc = op.getLoc();
  out.assign(op->getNumOperands(), nullptr);
  if (need[0])
    out[0] = make<RingWriteOp>(
        b, loc, {splat(b, loc, op.getRing().getType(), 0.0), g, op.getStep()},
        {b.getNamedAttr("back", op.getBackAttr())});
  return success();
}

/// r' = r with slot i = x (or += x): dx = g[i]; dr = g with slot i
/// cleared (all of g with `add`). The slot is read before it is cleared.
LogicalResult ringWriteRule(RingWriteOp op, OpBuilder &b, Value g,
                            ArrayRef<bool> need, Grads &out) {
  Location loc = op.getLoc();
  out.assign(op->getNumOperands(), nullptr);
  NamedAttribute back = b.getNamedAttr("back", op.getBackAttr());
  if (need[1])
    out[1] = make<RingReadOp>(b, loc, {g, op.getStep()}, {back});
  if (need[0])
    out[0] =
        op.getAdd()
            ? g
            : make<RingWriteOp>(b, loc,
                                {g, splat(b, loc, op.getValue().getType(), 0.0),
                                 op.getStep()},
                                {back});
  return success();
}

/// Binds the rule function of a single-result op to it as its
/// DifferentiableOpInterface.
template <typename Op, LogicalResult (*Rule)(Op, OpBuilder &, Value,
                                             ArrayRef<bool>, Grads &)>
struct RuleModel
    : public DifferentiableOpInterface::ExternalModel<RuleModel<Op, Rule>, Op> {
  LogicalResult buildGradients(Operation *op, OpBuilder &b,
                               ArrayRef<Value> resultGrads,
                               ArrayRef<bool> needed, Grads &grads) const {
    assert(resultGrads.size() == 1 && resultGrads[0] && "one result gradient");
    return Rule(cast<Op>(op), b, resultGrads[0], needed, grads);
  }
};

} // namespace

void mlir::credo::registerGradientRules(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, CredoDialect *) {
    DenseOp::attachInterface<RuleModel<DenseOp, denseRule>>(*ctx);
    Conv2DOp::attachInterface<RuleModel<Conv2DOp, conv2dRule>>(*ctx);
    MaxPool2DOp::attachInterface<RuleModel<MaxPool2DOp, maxPoolRule>>(*ctx);
    AvgPool2DOp::attachInterface<RuleModel<AvgPool2DOp, avgPoolRule>>(*ctx);
    // [y > 0] = [x > 0]: using the output leaves the layer before the ReLU
    // with a single use, so the CPU path can fuse the two.
    ReluOp::attachInterface<
        RuleModel<ReluOp, activationRule<ReluOp, ReluGradOp, true>>>(*ctx);
    SoftplusOp::attachInterface<RuleModel<
        SoftplusOp, activationRule<SoftplusOp, SoftplusGradOp, false>>>(*ctx);
    SigmoidOp::attachInterface<
        RuleModel<SigmoidOp, activationRule<SigmoidOp, SigmoidGradOp, true>>>(
        *ctx);
    TanhOp::attachInterface<
        RuleModel<TanhOp, activationRule<TanhOp, TanhGradOp, true>>>(*ctx);
    SoftmaxOp::attachInterface<RuleModel<SoftmaxOp, softmaxRule>>(*ctx);
    AddOp::attachInterface<RuleModel<AddOp, addRule>>(*ctx);
    SubOp::attachInterface<RuleModel<SubOp, subRule>>(*ctx);
    MulOp::attachInterface<RuleModel<MulOp, mulRule>>(*ctx);
    DivOp::attachInterface<RuleModel<DivOp, divRule>>(*ctx);
    FlattenOp::attachInterface<RuleModel<FlattenOp, reshapeRule<FlattenOp>>>(
        *ctx);
    ReshapeOp::attachInterface<RuleModel<ReshapeOp, reshapeRule<ReshapeOp>>>(
        *ctx);
    TransposeOp::attachInterface<RuleModel<TransposeOp, transposeRule>>(*ctx);
    ScaleOp::attachInterface<RuleModel<ScaleOp, scaleRule>>(*ctx);
    SoftmaxCrossEntropyOp::attachInterface<
        RuleModel<SoftmaxCrossEntropyOp, sceRule>>(*ctx);
    MseOp::attachInterface<RuleModel<MseOp, mseRule>>(*ctx);
    CountMarginLossOp::attachInterface<
        RuleModel<CountMarginLossOp, countMarginRule>>(*ctx);
    SpikeCountOp::attachInterface<RuleModel<SpikeCountOp, spikeCountRule>>(
        *ctx);
    LifOp::attachInterface<LifRule>(*ctx);
    EinsumOp::attachInterface<RuleModel<EinsumOp, einsumRule>>(*ctx);
    GatherOp::attachInterface<RuleModel<GatherOp, gatherRule>>(*ctx);
    ScatterAddOp::attachInterface<RuleModel<ScatterAddOp, scatterAddRule>>(
        *ctx);
    SparseContractOp::attachInterface<
        RuleModel<SparseContractOp, sparseContractRule>>(*ctx);
    GaussianDensityOp::attachInterface<
        RuleModel<GaussianDensityOp, gaussianDensityRule>>(*ctx);
    HyperParamsOp::attachInterface<HyperParamsRule>(*ctx);
    ExpFilterOp::attachInterface<RuleModel<ExpFilterOp, expFilterRule>>(*ctx);
    BernoulliOp::attachInterface<SamplerRule<BernoulliOp, true>>(*ctx);
    CategoricalOp::attachInterface<SamplerRule<CategoricalOp, true>>(*ctx);
    BernoulliLogProbOp::attachInterface<SamplerRule<BernoulliLogProbOp, false>>(
        *ctx);
    CategoricalLogProbOp::attachInterface<
        SamplerRule<CategoricalLogProbOp, false>>(*ctx);
    HoldOp::attachInterface<RuleModel<HoldOp, holdRule>>(*ctx);
    RingReadOp::attachInterface<RuleModel<RingReadOp, ringReadRule>>(*ctx);
    RingWriteOp::attachInterface<RuleModel<RingWriteOp, ringWriteRule>>(*ctx);
  });
}
