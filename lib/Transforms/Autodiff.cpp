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
#include "MakeOp.h"
#include "TimeLoops.h"

#include "Credo/IR/CredoInterfaces.h"
#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOAUTODIFF
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// An op on the gradient's path without a gradient rule: named as a graph
/// names it (a credo op by its node kind), with where the gradient stops.
LogicalResult emitNoGradientRule(Operation *op) {
  StringRef name = op->getDialect() && op->getDialect()->getNamespace() ==
                                           CredoDialect::getDialectNamespace()
                       ? op->getName().stripDialect()
                       : op->getName().getStringRef();
  InFlightDiagnostic diag = op->emitError()
                            << "'" << name
                            << "' has no gradient rule, so no gradient flows "
                               "back through it";
  if (isa<PoissonEncodeOp>(op))
    diag.attachNote() << "its spikes are drawn from the rates, and a draw has "
                         "no derivative, so neither the rates nor what "
                         "computes them get a gradient through it";
  return diag;
}

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

/// Values defined outside `op` that its regions (nested ones included)
/// read. Unlike getUsedValuesDefinedAbove, this holds for a loop in a block
/// not yet placed in a region (the body of a reverse loop being built).
SmallVector<Value> capturedValues(Operation *op) {
  llvm::SetVector<Value> captured;
  for (Region &body : op->getRegions())
    body.walk([&](Operation *inner) {
      for (Value v : inner->getOperands())
        if (Region *r = v.getParentRegion(); !r || !body.isAncestor(r))
          captured.insert(v);
    });
  return captured.takeVector();
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
    // An op with regions is active if they read an active value; any
    // other than a time loop (scf.if, …) also if they read a parameter:
    // the sweep then reports that it has no gradient rule, where its
    // results would silently get none.
    if (!isActive && op->getNumRegions() > 0)
      isActive =
          llvm::any_of(capturedValues(op),
                       [&](Value v) { return active.contains(v); }) ||
          (!isa<TimeLoopOp>(op) && op->walk([](GetParamOp read) {
                                       return isFloatTensor(read.getResult())
                                                  ? WalkResult::interrupt()
                                                  : WalkResult::advance();
                                     }).wasInterrupted());
    // Only float results carry gradients: integer results (sampled
    // indices, counters) are constants to differentiation.
    if (isActive)
      for (Value r : op->getResults())
        if (isFloatTensor(r))
          active.insert(r);
  }
}

/// The divisor of `steps` nearest its square root (the smaller on a tie):
/// segments of that many steps balance the states kept at segment starts
/// against the step values kept for one segment.
int64_t segmentLength(int64_t steps) {
  int64_t best = 1;
  double root = std::sqrt(double(steps));
  for (int64_t k = 1; k <= steps; ++k)
    if (steps % k == 0 && std::abs(double(k) - root) < std::abs(best - root))
      best = k;
  return best;
}

/// Splits `loop` (T steps, forward) into T/k segments: an outer loop over
/// segments carrying the state, whose body runs an inner loop of the k
/// steps of its segment. Sequences the body reads step by step are viewed
/// as [.., T/k, k, ..] (the outer body reads its segment, the inner body its
/// step); other uses of the step read t = s·k + j; recorded values come back
/// as [T/k, k, ..] and are reshaped to [T, ..]. The results are those of
/// `loop`, which is erased. Returns the outer loop, or null (and leaves
/// `loop` as it is) when the body reads a sequence it defines itself.
TimeLoopOp splitIntoSegments(TimeLoopOp loop, int64_t k) {
  MLIRContext *ctx = loop.getContext();
  Location loc = loop.getLoc();
  int64_t steps = int64_t(loop.getSteps());
  int64_t segments = steps / k;
  BlockArgument step = loop.getStep();
  SmallVector<TimeSliceOp> slices;
  SmallVector<OpOperand *> otherUses;
  for (OpOperand &use : step.getUses()) {
    auto slice = dyn_cast<TimeSliceOp>(use.getOwner());
    if (!slice || &use != &slice.getStepMutable()) {
      otherUses.push_back(&use);
      continue;
    }
    if (loop.getBody().isAncestor(slice.getInput().getParentRegion()))
      return nullptr;
    slices.push_back(slice);
  }
  auto withSteps = [](RankedTensorType type, int64_t axis,
                      ArrayRef<int64_t> dims) {
    SmallVector<int64_t> shape(type.getShape().take_front(axis));
    llvm::append_range(shape, dims);
    llvm::append_range(shape, type.getShape().drop_front(axis + 1));
    return shape;
  };
  auto reshape = [&](OpBuilder &b, Value v, ArrayRef<int64_t> shape) {
    return make<ReshapeOp>(
        b, loc, {v}, {b.getNamedAttr("shape", b.getDenseI64ArrayAttr(shape))});
  };

  // Each sequence once: [.., T, ..] -> [.., T/k, k, ..] before the loop.
  OpBuilder b(loop);
  llvm::MapVector<std::pair<Value, int64_t>, Value> split;
  for (TimeSliceOp slice : slices) {
    auto key = std::make_pair(slice.getInput(), int64_t(slice.getAxis()));
    if (!split.count(key))
      split[key] = reshape(
          b, key.first,
          withSteps(slice.getInput().getType(), key.second, {segments, k}));
  }

  // The outer loop over segments.
  size_t numCarried = loop.getInits().size();
  auto *outerBody = new Block();
  Value s = outerBody->addArgument(IndexType::get(ctx), loc);
  SmallVector<Value> outerCarried;
  for (Value init : loop.getInits())
    outerCarried.push_back(outerBody->addArgument(init.getType(), loc));
  OpBuilder ob(ctx);
  ob.setInsertionPointToEnd(outerBody);
  llvm::DenseMap<std::pair<Value, int64_t>, Value> segmentOf;
  for (auto &[key, whole] : split) {
    auto type = cast<RankedTensorType>(whole.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.erase(shape.begin() + key.second);
    segmentOf[key] = ob.create<TimeSliceOp>(
        loc, RankedTensorType::get(shape, type.getElementType()), whole, s,
        ob.getI64IntegerAttr(key.second));
  }
  // The inner loop takes the original body: its step is j.
  SmallVector<Type> innerTypes, outerTypes;
  for (Value init : loop.getInits()) {
    innerTypes.push_back(init.getType());
    outerTypes.push_back(init.getType());
  }
  for (Value r : loop.getRecords()) {
    auto type = cast<RankedTensorType>(r.getType());
    SmallVector<int64_t> inner(type.getShape()), outer = {segments};
    inner[0] = k;
    llvm::append_range(outer, inner);
    innerTypes.push_back(RankedTensorType::get(inner, type.getElementType()));
    outerTypes.push_back(RankedTensorType::get(outer, type.getElementType()));
  }
  OperationState innerState(loc, TimeLoopOp::getOperationName());
  innerState.addOperands(outerCarried);
  innerState.addAttribute("steps", ob.getI64IntegerAttr(k));
  innerState.addTypes(innerTypes);
  innerState.addRegion();
  Operation *inner = ob.create(innerState);
  inner->getRegion(0).takeBody(loop.getBody());
  ob.create<YieldOp>(loc, inner->getResults().take_front(numCarried),
                     inner->getResults().drop_front(numCarried));
  for (TimeSliceOp slice : slices)
    slice.getInputMutable().assign(
        segmentOf.lookup({slice.getInput(), int64_t(slice.getAxis())}));
  if (!otherUses.empty()) {
    Block &body = inner->getRegion(0).front();
    OpBuilder ib = OpBuilder::atBlockBegin(&body);
    Value j = body.getArgument(0);
    Value kValue = ib.create<arith::ConstantIndexOp>(loc, k);
    Value start = ib.create<arith::MulIOp>(loc, s, kValue);
    Value t = ib.create<arith::AddIOp>(loc, start, j);
    for (OpOperand *use : otherUses)
      use->set(t);
  }

  OperationState outerState(loc, TimeLoopOp::getOperationName());
  outerState.addOperands(loop.getInits());
  outerState.addAttribute("steps", b.getI64IntegerAttr(segments));
  outerState.addTypes(outerTypes);
  outerState.addRegion()->push_back(outerBody);
  auto outer = cast<TimeLoopOp>(b.create(outerState));
  SmallVector<Value> results(outer.getFinals());
  for (auto [r, stacked] : llvm::zip(loop.getRecords(), outer.getRecords()))
    results.push_back(
        reshape(b, stacked, cast<RankedTensorType>(r.getType()).getShape()));
  loop->replaceAllUsesWith(results);
  loop.erase();
  return outer;
}

/// The reverse sweep over ops of one block, in reverse order.
class Sweep {
public:
  /// `segments`: loops split by splitIntoSegments, whose sweep recomputes
  /// each segment from its recorded state however `store` is set.
  Sweep(OpBuilder &builder, llvm::DenseSet<Value> active, bool store,
        Feedback *feedback,
        const llvm::DenseSet<Operation *> *segments = nullptr)
      : b(builder), active(std::move(active)), store(store), feedback(feedback),
        segments(segments) {}

  void accumulate(Value v, Value g, Location loc) {
    auto [it, inserted] = gradOf.try_emplace(v, g);
    if (inserted)
      return;
    if (Value sum = addIntoRing(it->second, g))
      it->second = sum;
    else
      it->second = b.create<AddOp>(loc, ValueRange{it->second, g},
                                   ArrayRef<NamedAttribute>{});
  }

  /// x + y where one of them is a ring of zeros with one slot written (the
  /// gradient of a ring read): that slot added into the other, in place,
  /// instead of a sum over every slot; else null.
  Value addIntoRing(Value x, Value y) {
    for (auto [sum, slot] : {std::pair(x, y), std::pair(y, x)}) {
      auto write = slot.getDefiningOp<RingWriteOp>();
      if (!write || write.getAdd() ||
          !matchPattern(write.getRing(), m_AnyZeroFloat()))
        continue;
      return b
          .create<RingWriteOp>(
              write.getLoc(),
              ValueRange{sum, write.getValue(), write.getStep()},
              ArrayRef<NamedAttribute>{
                  b.getNamedAttr("back", write.getBackAttr()),
                  b.getNamedAttr("add", b.getUnitAttr())})
          .getResult();
    }
    return nullptr;
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
        // The gradient of a step read stacks over the steps of the loop
        // being differentiated: the slice must read that loop's step.
        auto step = dyn_cast<BlockArgument>(slice.getStep());
        if (active.contains(slice.getInput()) &&
            (!step || step.getOwner() != slice->getBlock()))
          return slice.emitError()
                 << "credo-autodiff cannot differentiate a time_slice that "
                    "reads an enclosing loop's step from inside a nested "
                    "loop; slice the sequence in the loop whose step it "
                    "reads and pass the step's value in";
        if (active.contains(slice.getInput()))
          sliceGrads.push_back({slice.getInput(), int64_t(slice.getAxis()),
                                resultGrads[0], slice.getLoc()});
        continue;
      }
      // An op with regions (scf.if) whose results get a gradient and that
      // reads active values inside: the gradient would stop there.
      if (op->getNumRegions() > 0 && !isa<DifferentiableOpInterface>(op) &&
          llvm::any_of(op->getResults(),
                       [&](Value r) { return active.contains(r); }) &&
          llvm::any_of(resultGrads, [](Value g) { return bool(g); }))
        return emitNoGradientRule(op);
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
        return emitNoGradientRule(op);
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
  /// Loops this sweep replaced by ones that record more (old -> new).
  llvm::DenseMap<Operation *, Operation *> replaced;
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
  const llvm::DenseSet<Operation *> *segments;
};

TimeLoopOp Sweep::recordMore(TimeLoopOp loop, ValueRange extra) {
  TimeLoopOp next = appendRecords(loop, extra);
  for (Value r : next->getResults())
    active.insert(r);
  replaced[loop] = next;
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
  bool storeSteps = store && !(segments && segments->contains(loop));

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
  Sweep inner(rb, std::move(innerActive), store, feedback, segments);
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
  // A nested loop the step's sweep differentiated was replaced.
  for (Operation *&op : cloned)
    for (auto it = inner.replaced.find(op); it != inner.replaced.end();
         it = inner.replaced.find(op))
      op = it->second;
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

  // Values of the step that the reverse body reads back from records of
  // the forward loop: the uses of `uses[i]` (the copy of `keep[i]`) that
  // `replace` accepts read the record instead; then what nothing reads any
  // more is not recomputed.
  auto readFromRecords = [&](ArrayRef<Value> keep, ArrayRef<Value> uses,
                             function_ref<bool(OpOperand &)> replace) {
    if (keep.empty())
      return;
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
    for (auto [o, copy] : llvm::zip(keep, uses)) {
      Value c = copy;
      Value rec = recordOf(o);
      auto type = cast<RankedTensorType>(rec.getType());
      Value slice = sb.create<TimeSliceOp>(
          loc,
          RankedTensorType::get(type.getShape().drop_front(),
                                type.getElementType()),
          rec, t, sb.getI64IntegerAttr(0));
      c.replaceUsesWithIf(slice, replace);
    }
    for (Operation *op : llvm::reverse(cloned))
      if (isOpTriviallyDead(op))
        op->erase();
    for (Value s : stateAt)
      if (s.use_empty())
        s.getDefiningOp()->erase();
  };
  if (storeSteps) {
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
    readFromRecords(keep, uses, [&](OpOperand &use) {
      return !inRecompute(use.getOwner());
    });
  } else {
    // A ring buffer (a node read more than 8 steps back) is state of k
    // slots: recording it at every step would keep k values a step, more
    // than store keeps. The step reads only its slots, and the ring's
    // gradients need none of its values (reads and writes are linear in
    // it): the reads are recorded instead, and the ring is not recorded
    // or recomputed.
    SmallVector<Value> keep, uses;
    for (auto [orig, copy] : llvm::zip(originals, cloned))
      if (auto read = dyn_cast<RingReadOp>(copy);
          read && llvm::is_contained(stateAt, read.getRing())) {
        keep.push_back(orig->getResult(0));
        uses.push_back(read.getResult());
      }
    readFromRecords(keep, uses, [](OpOperand &) { return true; });
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
    for (unsigned i = 0; i < forward.getNumArguments(); ++i)
      if (forward.getArgAttr(i, "credo.param")) {
        module.emitError("credo-autodiff: @forward takes its parameters as "
                         "arguments (credo-params-to-args ran): there are no "
                         "parameters to differentiate; run credo-autodiff "
                         "first");
        return signalPassFailure();
      }
    if (funcName.empty()) {
      module.emitError("credo-autodiff: name= needs the name of the function "
                       "to build (default gradients)");
      return signalPassFailure();
    }
    if (module.lookupSymbol(funcName)) {
      module.emitError() << "credo-autodiff: the module already has @"
                         << funcName;
      return signalPassFailure();
    }
    for (size_t i = 0; i < wrtInputs.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (wrtInputs[i] == wrtInputs[j]) {
          module.emitError() << "credo-autodiff: wrt-inputs names '"
                             << wrtInputs[i] << "' twice";
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
      if (*contract)
        module.emitError()
            << "there is no loss to differentiate: the training section "
               "names none (its rule '"
            << (*contract)->rule
            << "' learns without one); gradients, gradcheck and the rules "
               "backprop, fa and dfa need \"loss\": NODE";
      else
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
    std::optional<TimeMemory> memory = parseTimeMemory(timeMemory);
    if (!memory) {
      grads.erase();
      module.emitError() << "credo-autodiff: time-memory must be "
                         << kTimeMemoryModes << ", but got '" << timeMemory
                         << "'";
      return signalPassFailure();
    }
    // checkpoint: each loop becomes segments, whose sweep keeps the state
    // at segment starts and stores the step values of one segment at a time.
    llvm::DenseSet<Operation *> segments;
    if (memory->kind == TimeMemory::Checkpoint)
      for (auto loop : llvm::make_early_inc_range(body.getOps<TimeLoopOp>())) {
        if (loop.getReverse())
          continue;
        int64_t steps = int64_t(loop.getSteps());
        int64_t k = memory->every ? memory->every : segmentLength(steps);
        if (steps % k != 0) {
          SmallVector<std::string> divisors;
          for (int64_t d = 1; d <= steps; ++d)
            if (steps % d == 0)
              divisors.push_back(std::to_string(d));
          loop.emitError() << "time-memory=checkpoint:" << k
                           << " needs segments that divide the loop's " << steps
                           << " steps (one of " << llvm::join(divisors, ", ")
                           << ")";
          grads.erase();
          return signalPassFailure();
        }
        if (k == steps)
          continue; // one segment: store
        // A body that slices a sequence it defines keeps every state.
        TimeLoopOp outer = splitIntoSegments(loop, k);
        segments.insert(outer ? outer : loop);
      }
    // The loss: a result of @forward of that name, else the op whose
    // location names the node.
    Operation *lossOp = nullptr;
    Operation *ret = body.getTerminator();
    std::optional<unsigned> lossResult;
    for (unsigned i = 0; i < grads.getNumResults(); ++i)
      if (auto n = grads.getResultAttrOfType<StringAttr>(i, "credo.name"))
        if (n.getValue() == lossName && ret->getOperand(i).getDefiningOp()) {
          lossOp = ret->getOperand(i).getDefiningOp();
          lossResult = i;
        }
    for (Operation &op : body)
      if (!lossOp && nodeOf(&op) == lossName && op.getNumResults() == 1)
        lossOp = &op;
    if (!lossOp) {
      grads.erase();
      module.emitError() << "credo-autodiff: no node named '" << lossName
                         << "' in @forward";
      return signalPassFailure();
    }
    // (The returned value itself: a time loop's loss is one of its results.)
    Value lossValue =
        lossResult ? ret->getOperand(*lossResult) : lossOp->getResult(0);
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
    Feedback fixedFeedback(*mode, module, grads,
                           *contract ? (*contract)->seed : 0);
    Sweep sweep(
        builder, std::move(active), memory->kind != TimeMemory::Recompute,
        *mode == FeedbackMode::Exact ? nullptr : &fixedFeedback, &segments);
    sweep.gradOf[lossValue] = builder.create<arith::ConstantOp>(
        lossOp->getLoc(),
        DenseElementsAttr::get(
            lossType, builder.getFloatAttr(lossType.getElementType(), 1.0)));
    if (failed(sweep.run(ops))) {
      grads.erase();
      return signalPassFailure();
    }
    llvm::DenseMap<Value, Value> &gradOf = sweep.gradOf;
    // The sweep rebuilds forward time loops (to record what it reads): a
    // loss that a loop returns is now the new loop's.
    if (lossResult)
      lossValue = ret->getOperand(*lossResult);

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
    dropUnusedRecords(grads);
  }
};

} // namespace
