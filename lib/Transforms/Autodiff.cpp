//===- Autodiff.cpp - Reverse-mode differentiation of a model ---*- C++ -*-===//
//
// Implements credo-autodiff: @gradients = @forward up to the loss, then the
// reverse sweep over the ops that depend on a parameter (or a requested
// input), asking each op's DifferentiableOpInterface for operand gradients
// and summing the gradients of values used more than once.
//
// A credo.time_loop is differentiated by backpropagation through time: the
// forward loop also records the carried state entering each step, and a
// reverse loop recomputes each step from its recorded state and sweeps it
// backwards (the same sweep, nested), carrying the state's gradient and
// summing the gradients of the values the body reads from outside.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"

#include "Feedback.h"
#include "FuncResults.h"
#include "NodeName.h"
#include "TimeLoops.h"

#include "Credo/IR/CredoInterfaces.h"
#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOAUTODIFF
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// Zeros of a tensor type.
Value zerosOf(OpBuilder &b, Location loc, Type type) {
  auto t = cast<RankedTensorType>(type);
  Attribute zero = isa<FloatType>(t.getElementType())
                       ? Attribute(b.getFloatAttr(t.getElementType(), 0.0))
                       : Attribute(b.getIntegerAttr(t.getElementType(), 0));
  return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(t, zero));
}

bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

/// Values defined outside `loop` that its body reads.
SmallVector<Value> capturedValues(TimeLoopOp loop) {
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(loop.getBody(), captured);
  return SmallVector<Value>(captured.begin(), captured.end());
}

/// Marks the results of `ops` that depend on an active value: an active
/// operand, a parameter read, or (for a time loop) an active value its body
/// reads. stop_gradient results never are.
void propagateActivity(ArrayRef<Operation *> ops,
                       llvm::DenseSet<Value> &active) {
  for (Operation *op : ops) {
    if (isa<StopGradientOp>(op))
      continue;
    // Integer parameters are state, not trained by gradients.
    bool isActive = (isa<GetParamOp>(op) && isFloatTensor(op->getResult(0))) ||
                    llvm::any_of(op->getOperands(),
                                 [&](Value v) { return active.contains(v); });
    if (auto loop = dyn_cast<TimeLoopOp>(op); loop && !isActive)
      isActive = llvm::any_of(capturedValues(loop),
                              [&](Value v) { return active.contains(v); });
    // Only float results carry gradients: integer results (sampled
    // indices, counters) are constants to differentiation.
    if (isActive)
      for (Value r : op->getResults())
        if (isFloatTensor(r))
          active.insert(r);
  }
}

/// The reverse sweep over ops of one block, in reverse order.
class Sweep {
public:
  Sweep(OpBuilder &builder, llvm::DenseSet<Value> active, bool store,
        Feedback *feedback)
      : b(builder), active(std::move(active)), store(store),
        feedback(feedback) {}

  void accumulate(Value v, Value g, Location loc) {
    auto [it, inserted] = gradOf.try_emplace(v, g);
    if (!inserted)
      it->second = b.create<AddOp>(loc, ValueRange{it->second, g},
                                   ArrayRef<NamedAttribute>{});
  }

  LogicalResult run(ArrayRef<Operation *> ops) {
    for (Operation *op : llvm::reverse(ops)) {
      // One gradient per result; an op none reaches has nothing to pass on.
      SmallVector<Value> resultGrads;
      for (Value r : op->getResults())
        resultGrads.push_back(gradOf.lookup(r));
      if (llvm::all_of(resultGrads, [](Value g) { return !g; }))
        continue;
      if (isa<StopGradientOp>(op))
        continue;
      if (auto loop = dyn_cast<TimeLoopOp>(op)) {
        if (!active.contains(op->getResult(0)))
          continue;
        if (failed(differentiateLoop(loop, resultGrads)))
          return failure();
        continue;
      }
      if (auto slice = dyn_cast<TimeSliceOp>(op)) {
        if (active.contains(slice.getInput()))
          sliceGrads.push_back({slice.getInput(), int64_t(slice.getAxis()),
                                resultGrads[0], slice.getLoc()});
        continue;
      }
      SmallVector<bool> needed;
      for (Value v : op->getOperands())
        needed.push_back(active.contains(v));
      if (!llvm::is_contained(needed, true))
        continue;
      // Feedback alignment: the input's gradient through fixed feedback.
      if (feedback && needed[0] && feedback->replaces(op)) {
        FailureOr<Value> dx = feedback->inputGradient(b, op, resultGrads[0]);
        if (failed(dx))
          return failure();
        accumulate(op->getOperand(0), *dx, op->getLoc());
        needed[0] = false;
        if (!llvm::is_contained(needed, true))
          continue;
      }
      auto rule = dyn_cast<DifferentiableOpInterface>(op);
      if (!rule)
        return op->emitError()
               << "'" << op->getName()
               << "' has no gradient rule, so credo-autodiff cannot "
                  "differentiate through it";
      SmallVector<Value> operandGrads;
      if (failed(rule.buildGradients(b, resultGrads, needed, operandGrads)))
        return failure();
      for (auto [operand, g] : llvm::zip(op->getOperands(), operandGrads))
        if (g)
          accumulate(operand, g, op->getLoc());
    }
    return success();
  }

  llvm::DenseMap<Value, Value> gradOf;
  /// Gradients of one step of a sequence read from outside a loop body.
  struct SliceGrad {
    Value source;
    int64_t axis;
    Value grad;
    Location loc;
  };
  SmallVector<SliceGrad> sliceGrads;

private:
  LogicalResult differentiateLoop(TimeLoopOp loop, ArrayRef<Value> resultGrads);

  /// Replaces `forward` by a loop that also records `extra`; returns it.
  TimeLoopOp recordMore(TimeLoopOp forward, ValueRange extra);

  OpBuilder &b;
  llvm::DenseSet<Value> active;
  /// Store the step values the reverse sweep reads (else recompute them).
  bool store;
  /// Fixed random feedback in place of transposed weights, if any.
  Feedback *feedback;
};

TimeLoopOp Sweep::recordMore(TimeLoopOp loop, ValueRange extra) {
  TimeLoopOp next = appendRecords(loop, extra);
  for (Value r : next->getResults())
    active.insert(r);
  return next;
}

LogicalResult Sweep::differentiateLoop(TimeLoopOp loop,
                                       ArrayRef<Value> resultGrads) {
  Location loc = loop.getLoc();
  MLIRContext *ctx = loop.getContext();
  int64_t steps = int64_t(loop.getSteps());
  size_t numCarried = loop.getInits().size();
  size_t numRecords = loop.getRecords().size();
  SmallVector<Value> captured = capturedValues(loop);

  // Which carried values depend on an active value: a fixpoint over steps.
  SmallVector<bool> activeCarried;
  for (Value init : loop.getInits())
    activeCarried.push_back(active.contains(init) && isFloatTensor(init));
  SmallVector<Operation *> bodyOps;
  for (Operation &op : loop.getBody().front().without_terminator())
    bodyOps.push_back(&op);
  for (bool changed = true; changed;) {
    changed = false;
    llvm::DenseSet<Value> inBody = active;
    for (size_t i = 0; i < numCarried; ++i)
      if (activeCarried[i])
        inBody.insert(loop.getCarried()[i]);
    propagateActivity(bodyOps, inBody);
    for (size_t i = 0; i < numCarried; ++i)
      if (!activeCarried[i] && isFloatTensor(loop.getInits()[i]) &&
          inBody.contains(loop.getYield().getCarried()[i]))
        activeCarried[i] = changed = true;
  }

  // The forward loop also records the state entering each step.
  TimeLoopOp forward = recordMore(loop, SmallVector<Value>(loop.getCarried()));
  SmallVector<Value> states(forward->getResults().take_back(numCarried));

  // The reverse loop's body: step t recomputed from its recorded state,
  // then swept backwards.
  auto *body = new Block();
  Value t = body->addArgument(IndexType::get(ctx), loc);
  SmallVector<Value> adjoint(numCarried);
  for (size_t i = 0; i < numCarried; ++i)
    if (activeCarried[i])
      adjoint[i] = body->addArgument(forward.getInits()[i].getType(), loc);
  OpBuilder rb(ctx);
  rb.setInsertionPointToEnd(body);
  auto sliceAt = [&](Value sequence, Location l) -> Value {
    auto type = cast<RankedTensorType>(sequence.getType());
    return rb.create<TimeSliceOp>(
        l,
        RankedTensorType::get(type.getShape().drop_front(),
                              type.getElementType()),
        sequence, t, rb.getI64IntegerAttr(0));
  };
  IRMapping map;
  map.map(forward.getStep(), t);
  SmallVector<Value> stateAt;
  llvm::DenseSet<Value> innerActive = active;
  for (size_t i = 0; i < numCarried; ++i) {
    stateAt.push_back(sliceAt(states[i], loc));
    map.map(forward.getCarried()[i], stateAt[i]);
    if (activeCarried[i])
      innerActive.insert(stateAt[i]);
  }
  SmallVector<Operation *> cloned, originals;
  for (Operation &op : forward.getBody().front().without_terminator()) {
    originals.push_back(&op);
    cloned.push_back(rb.clone(op, map));
  }
  propagateActivity(cloned, innerActive);
  Sweep inner(rb, std::move(innerActive), store, feedback);
  YieldOp yield = forward.getYield();
  for (size_t i = 0; i < numCarried; ++i)
    if (activeCarried[i])
      inner.accumulate(map.lookupOrDefault(yield.getCarried()[i]), adjoint[i],
                       loc);
  for (size_t j = 0; j < numRecords; ++j)
    if (Value g = resultGrads[numCarried + j])
      inner.accumulate(map.lookupOrDefault(yield.getRecorded()[j]),
                       sliceAt(g, loc), loc);
  if (feedback)
    ++feedback->loopDepth;
  LogicalResult swept = inner.run(cloned);
  if (feedback)
    --feedback->loopDepth;
  if (failed(swept)) {
    delete body;
    return failure();
  }
  SmallVector<Value> next, recorded;
  for (size_t i = 0; i < numCarried; ++i)
    if (activeCarried[i]) {
      Value g = inner.gradOf.lookup(stateAt[i]);
      next.push_back(g ? g : zerosOf(rb, loc, adjoint[i].getType()));
    }
  // A running sum for each outer value the step's sweep reached.
  SmallVector<Value> sums;
  for (Value c : captured)
    if (Value g = inner.gradOf.lookup(c); g && active.contains(c)) {
      sums.push_back(c);
      Value sum = body->addArgument(c.getType(), loc);
      next.push_back(
          rb.create<AddOp>(loc, ValueRange{sum, g}, ArrayRef<NamedAttribute>{})
              .getResult());
    }
  for (const SliceGrad &sg : inner.sliceGrads)
    recorded.push_back(sg.grad);
  rb.create<YieldOp>(loc, next, recorded);

  if (store) {
    // Values of the step that the sweep reads are recorded by the forward
    // loop and read back, so that no step is computed twice.
    llvm::DenseSet<Operation *> recompute(cloned.begin(), cloned.end());
    auto inRecompute = [&](Operation *user) {
      for (Operation *op = user; op && op->getBlock(); op = op->getParentOp())
        if (recompute.contains(op))
          return true;
      return false;
    };
    SmallVector<Value> keep, uses;
    for (auto [orig, copy] : llvm::zip(originals, cloned)) {
      if (isa<TimeSliceOp, arith::ConstantOp>(copy))
        continue; // a view or a constant: cheaper to read again
      for (auto [o, c] : llvm::zip(orig->getResults(), copy->getResults()))
        if (isa<RankedTensorType>(c.getType()) &&
            llvm::any_of(c.getUsers(),
                         [&](Operation *u) { return !inRecompute(u); })) {
          keep.push_back(o);
          uses.push_back(c);
        }
    }
    if (!keep.empty()) {
      // A value the loop records already is read from that record.
      SmallVector<Value> fresh;
      for (Value o : keep)
        if (!llvm::is_contained(forward.getYield().getRecorded(), o) &&
            !llvm::is_contained(fresh, o))
          fresh.push_back(o);
      forward = recordMore(forward, fresh);
      auto recordOf = [&](Value o) {
        auto recorded = forward.getYield().getRecorded();
        size_t j = llvm::find(recorded, o) - recorded.begin();
        return forward->getResult(numCarried + j);
      };
      for (size_t i = 0; i < numCarried; ++i)
        states[i] = recordOf(forward.getCarried()[i]);
      OpBuilder sb(ctx);
      sb.setInsertionPointToStart(body);
      for (auto [o, c] : llvm::zip(keep, uses)) {
        Value rec = recordOf(o);
        auto type = cast<RankedTensorType>(rec.getType());
        Value slice = sb.create<TimeSliceOp>(
            loc,
            RankedTensorType::get(type.getShape().drop_front(),
                                  type.getElementType()),
            rec, t, sb.getI64IntegerAttr(0));
        c.replaceUsesWithIf(slice, [&](OpOperand &use) {
          return !inRecompute(use.getOwner());
        });
      }
      // What nothing reads any more is not recomputed.
      for (Operation *op : llvm::reverse(cloned))
        if (isOpTriviallyDead(op))
          op->erase();
      for (Value s : stateAt)
        if (s.use_empty())
          s.getDefiningOp()->erase();
    }
  }

  // The reverse loop: t = steps − 1, …, 0.
  SmallVector<Value> inits;
  SmallVector<Type> resultTypes;
  for (size_t i = 0; i < numCarried; ++i)
    if (activeCarried[i]) {
      Value g = resultGrads[i];
      inits.push_back(g ? g : zerosOf(b, loc, adjoint[i].getType()));
      resultTypes.push_back(adjoint[i].getType());
    }
  for (Value c : sums) {
    inits.push_back(zerosOf(b, loc, c.getType()));
    resultTypes.push_back(c.getType());
  }
  for (Value r : recorded) {
    auto type = cast<RankedTensorType>(r.getType());
    SmallVector<int64_t> shape = {steps};
    llvm::append_range(shape, type.getShape());
    resultTypes.push_back(RankedTensorType::get(shape, type.getElementType()));
  }
  OperationState rstate(loc, TimeLoopOp::getOperationName());
  rstate.addOperands(inits);
  rstate.addAttribute("steps", b.getI64IntegerAttr(steps));
  rstate.addAttribute("reverse", UnitAttr::get(ctx));
  rstate.addTypes(resultTypes);
  rstate.addRegion()->push_back(body);
  Operation *reverse = b.create(rstate);

  // Gradients of what the loop read: initial state, outer values, sequences.
  size_t k = 0;
  for (size_t i = 0; i < numCarried; ++i)
    if (activeCarried[i]) {
      Value init = forward.getInits()[i];
      if (active.contains(init))
        accumulate(init, reverse->getResult(k), loc);
      ++k;
    }
  for (Value c : sums)
    accumulate(c, reverse->getResult(k++), loc);
  // A step read along axis a gets its steps stacked in front: move them to
  // axis a.
  for (const SliceGrad &sg : inner.sliceGrads) {
    Value g = reverse->getResult(k++);
    if (sg.axis != 0) {
      int64_t rank = cast<RankedTensorType>(g.getType()).getRank();
      SmallVector<int64_t> perm;
      for (int64_t i = 0; i < rank; ++i)
        perm.push_back(i < sg.axis ? i + 1 : i == sg.axis ? 0 : i);
      g = b.create<TransposeOp>(sg.loc, ValueRange{g},
                                ArrayRef<NamedAttribute>{b.getNamedAttr(
                                    "perm", b.getDenseI64ArrayAttr(perm))});
    }
    accumulate(sg.source, g, sg.loc);
  }
  return success();
}

} // namespace

namespace {

struct Autodiff : public mlir::credo::impl::CredoAutodiffBase<Autodiff> {
  using CredoAutodiffBase::CredoAutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || forward.isExternal()) {
      module.emitError("credo-autodiff: the module has no @forward function");
      return signalPassFailure();
    }
    if (module.lookupSymbol(funcName)) {
      module.emitError() << "credo-autodiff: the module already has @"
                         << funcName;
      return signalPassFailure();
    }
    std::optional<FeedbackMode> mode = parseFeedbackMode(feedback);
    if (!mode) {
      module.emitError() << "credo-autodiff: feedback must be exact, fa or "
                            "dfa, but got '"
                         << feedback << "'";
      return signalPassFailure();
    }
    FailureOr<std::optional<TrainingContract>> contract =
        TrainingContract::read(module);
    if (failed(contract))
      return signalPassFailure();
    std::string lossName = loss;
    if (lossName.empty() && *contract)
      lossName = (*contract)->loss;
    if (lossName.empty()) {
      module.emitError("credo-autodiff: no loss given (the model has no "
                       "training section; pass loss=NODE)");
      return signalPassFailure();
    }

    // @gradients starts as a copy of @forward.
    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(forward);
    auto grads = cast<func::FuncOp>(builder.clone(*forward));
    grads.setName(funcName);
    expandTrainingForms(grads);
    Block &body = grads.getBody().front();
    // The loss: a result of @forward of that name, else the op whose
    // location names the node.
    Operation *lossOp = nullptr;
    Operation *ret = body.getTerminator();
    for (unsigned i = 0; i < grads.getNumResults(); ++i)
      if (auto n = grads.getResultAttrOfType<StringAttr>(i, "credo.name"))
        if (n.getValue() == lossName)
          lossOp = ret->getOperand(i).getDefiningOp();
    for (Operation &op : body)
      if (!lossOp && nodeName(op.getLoc()) == lossName &&
          op.getNumResults() == 1)
        lossOp = &op;
    if (!lossOp) {
      grads.erase();
      module.emitError() << "credo-autodiff: no node named '" << lossName
                         << "' in @forward";
      return signalPassFailure();
    }
    Value lossValue = lossOp->getResult(0);
    auto lossType = dyn_cast<RankedTensorType>(lossValue.getType());
    if (!lossType || lossType.getRank() != 0) {
      lossOp->emitError() << "is the loss, so it must be a scalar (rank 0), "
                             "but it is "
                          << lossValue.getType();
      grads.erase();
      return signalPassFailure();
    }

    // Which values depend on what we differentiate with respect to.
    llvm::DenseSet<Value> active;
    SmallVector<Value> wrtInputValues;
    for (const std::string &name : wrtInputs) {
      std::optional<unsigned> index;
      for (unsigned i = 0; i < grads.getNumArguments(); ++i)
        if (auto n = grads.getArgAttrOfType<StringAttr>(i, "credo.name"))
          if (n.getValue() == name)
            index = i;
      if (!index) {
        grads.erase();
        module.emitError() << "credo-autodiff: @forward has no input '" << name
                           << "'";
        return signalPassFailure();
      }
      wrtInputValues.push_back(grads.getArgument(*index));
      active.insert(grads.getArgument(*index));
    }
    SmallVector<Operation *> ops;
    for (Operation &op : body) {
      ops.push_back(&op);
      if (&op == lossOp)
        break;
    }
    propagateActivity(ops, active);

    // The reverse sweep, inserted before the old return.
    builder.setInsertionPoint(body.getTerminator());
    if (timeMemory != "store" && timeMemory != "recompute") {
      grads.erase();
      module.emitError() << "credo-autodiff: time-memory must be store or "
                            "recompute, but got '"
                         << timeMemory << "'";
      return signalPassFailure();
    }
    Feedback fixedFeedback(*mode, module, grads,
                           *contract ? (*contract)->seed : 0);
    Sweep sweep(builder, std::move(active), timeMemory == "store",
                *mode == FeedbackMode::Exact ? nullptr : &fixedFeedback);
    sweep.gradOf[lossValue] = builder.create<arith::ConstantOp>(
        lossOp->getLoc(),
        DenseElementsAttr::get(
            lossType, builder.getFloatAttr(lossType.getElementType(), 1.0)));
    if (failed(sweep.run(ops))) {
      grads.erase();
      return signalPassFailure();
    }
    llvm::DenseMap<Value, Value> &gradOf = sweep.gradOf;

    // Results: the loss, each parameter's gradient (summed over its reads;
    // zeros if unused), then the requested inputs' gradients.
    SmallVector<Value> results = {lossValue};
    SmallVector<Attribute> resultAttrs = {builder.getDictionaryAttr(
        builder.getNamedAttr("credo.name", builder.getStringAttr("loss")))};
    auto named = [&](StringRef name) {
      return builder.getDictionaryAttr(builder.getNamedAttr(
          "credo.name", builder.getStringAttr("grad." + name.str())));
    };
    // Unused parameters and integer state get zeros.
    auto zeros = [&](Type type) -> Value {
      return zerosOf(builder, grads.getLoc(), type);
    };
    for (ParamOp param : module.getOps<ParamOp>()) {
      Value total;
      for (Operation &op : body)
        if (auto read = dyn_cast<GetParamOp>(op))
          if (read.getName() == param.getSymName())
            if (Value g = gradOf.lookup(read.getResult()))
              total = total ? builder.create<AddOp>(read.getLoc(),
                                                    ValueRange{total, g},
                                                    ArrayRef<NamedAttribute>{})
                            : g;
      results.push_back(total ? total : zeros(param.getType()));
      resultAttrs.push_back(named(param.getSymName()));
    }
    for (auto [name, value] : llvm::zip(wrtInputs, wrtInputValues)) {
      Value g = gradOf.lookup(value);
      results.push_back(g ? g : zeros(value.getType()));
      resultAttrs.push_back(named(name));
    }
    replaceResults(grads, results, resultAttrs);
  }
};

} // namespace
