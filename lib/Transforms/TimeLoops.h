//===- TimeLoops.h - Rewrites of credo.time_loop shared by passes -*- C++
//-*-===//
//
// Passes that need more out of a time loop than it returns (autodiff's
// stored step values, instrumentation's spike trains) record more values
// with one helper.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_TRANSFORMS_TIMELOOPS_H
#define CREDO_LIB_TRANSFORMS_TIMELOOPS_H

#include "Credo/IR/CredoOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::credo {

/// Replaces `loop` by a loop that also records `extra` (values of its body,
/// stacked along a new leading time dimension after its other results);
/// returns the new loop. Uses of the old loop's results move to the new
/// one; the old loop is erased — or, given `retired`, kept (without its
/// body) until `RetiredLoops` goes, so that values a caller still holds
/// stay valid.
/// Loops that appendRecords replaced but kept: when this goes, the uses of
/// each one's results move to its replacement and it is erased, oldest
/// first.
struct RetiredLoops {
  SmallVector<std::pair<Operation *, Operation *>> loops;
  RetiredLoops() = default;
  RetiredLoops(const RetiredLoops &) = delete;
  RetiredLoops &operator=(const RetiredLoops &) = delete;
  ~RetiredLoops() {
    for (auto [old, next] : loops) {
      old->replaceAllUsesWith(
          next->getResults().take_front(old->getNumResults()));
      old->erase();
    }
  }
};

/// A loop like `loop` (inits, attributes) before it, with result types
/// `types`, that `loop`'s body moves into (the caller keeps the yield in
/// step with the types).
inline TimeLoopOp withResults(TimeLoopOp loop, TypeRange types) {
  OpBuilder builder(loop);
  OperationState state(loop.getLoc(), TimeLoopOp::getOperationName());
  state.addOperands(loop.getInits());
  state.addAttributes(loop->getAttrs());
  state.addTypes(types);
  state.addRegion();
  auto next = cast<TimeLoopOp>(builder.create(state));
  next.getBody().takeBody(loop.getBody());
  return next;
}

inline TimeLoopOp appendRecords(TimeLoopOp loop, ValueRange extra,
                                RetiredLoops *retired = nullptr) {
  int64_t steps = int64_t(loop.getSteps());
  SmallVector<Type> types(loop->getResultTypes());
  for (Value v : extra) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape = {steps};
    llvm::append_range(shape, t.getShape());
    types.push_back(RankedTensorType::get(shape, t.getElementType()));
  }
  loop.getYield().getRecordedMutable().append(extra);
  TimeLoopOp next = withResults(loop, types);
  if (retired) {
    retired->loops.push_back({loop, next});
    return next;
  }
  loop->replaceAllUsesWith(
      next->getResults().take_front(loop->getNumResults()));
  loop.erase();
  return next;
}

/// Drops the ops under `root` whose results nothing reads and that have no
/// effects, and the records of time loops whose results nothing reads,
/// until none is left: a loop records the state entering each step for its
/// reverse sweep, which may read only some of it (of a delay line of k
/// steps, the oldest value), and every record is a buffer of all the steps.
inline void dropUnusedRecords(Operation *root) {
  for (bool changed = true; changed;) {
    changed = false;
    root->walk([&](Operation *op) {
      if (op != root && isOpTriviallyDead(op)) {
        op->erase();
        changed = true;
      }
    });
    SmallVector<TimeLoopOp> loops;
    root->walk([&](TimeLoopOp loop) { loops.push_back(loop); });
    for (TimeLoopOp loop : loops) {
      size_t numCarried = loop.getInits().size();
      SmallVector<unsigned> dead;
      for (auto [j, r] : llvm::enumerate(loop.getRecords()))
        if (r.use_empty())
          dead.push_back(j);
      if (dead.empty())
        continue;
      changed = true;
      auto recorded = loop.getYield().getRecordedMutable();
      for (unsigned j : llvm::reverse(dead))
        recorded.erase(j);
      SmallVector<Type> types;
      SmallVector<Value> kept;
      for (auto [i, r] : llvm::enumerate(loop->getResults()))
        if (i < numCarried ||
            !llvm::is_contained(dead, unsigned(i - numCarried))) {
          types.push_back(r.getType());
          kept.push_back(r);
        }
      TimeLoopOp next = withResults(loop, types);
      for (auto [old, now] : llvm::zip(kept, next->getResults()))
        old.replaceAllUsesWith(now);
      loop.erase();
    }
  }
}

} // namespace mlir::credo

#endif // CREDO_LIB_TRANSFORMS_TIMELOOPS_H
