//===- SpikeMajority.cpp - Spikes as a fixed and a sparser part -*- C++ -*-===//
//
// Implements credo-spike-majority: a dense layer of Poisson spikes inside
// a time loop, dense(s, W, b) with s = m + r (the majority m = [p > ½],
// fixed over the steps, and the residual r), becomes dense(r, W, b) + m·W,
// with m·W computed once before the loop. The residual is non-zero with
// probability min(p, 1 − p), so the event-driven products do less work.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"

#include "MakeOp.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/IR/Builders.h"

#include <cstdlib>
#include <string>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOSPIKEMAJORITY
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// Shorter loops gain less from the residual than m·W costs.
constexpr int64_t kMinSteps = 4;

/// The same encoder, computing `part` of the spikes, at `step` (none for
/// the majority, which does not depend on it).
Value encoderPart(OpBuilder &b, PoissonEncodeOp spikes, StringRef part,
                  Value step) {
  SmallVector<Value> operands = {spikes.getInput(), spikes.getGenerator()};
  if (step)
    operands.push_back(step);
  return make<PoissonEncodeOp>(
      b, spikes.getLoc(), operands,
      {b.getNamedAttr("rate_scale", spikes.getRateScaleAttr()),
       b.getNamedAttr("stream", spikes.getStreamAttr()),
       b.getNamedAttr("part", b.getStringAttr(part))});
}

void split(TimeLoopOp loop, DenseOp dense, PoissonEncodeOp spikes) {
  OpBuilder b(loop);
  Location loc = dense.getLoc();
  Value majority = encoderPart(b, spikes, "majority", Value());
  Value fixed = make<DenseOp>(b, loc, {majority, dense.getWeight()});
  b.setInsertionPoint(dense);
  Value residual = encoderPart(b, spikes, "residual", spikes.getStep());
  SmallVector<Value> operands = {residual, dense.getWeight()};
  if (dense.getBias())
    operands.push_back(dense.getBias());
  Value varying = make<DenseOp>(b, loc, operands);
  Value sum = make<AddOp>(b, loc, {varying, fixed});
  dense.replaceAllUsesWith(sum);
  dense.erase();
  if (spikes->use_empty())
    spikes.erase();
}

struct SpikeMajority
    : public mlir::credo::impl::CredoSpikeMajorityBase<SpikeMajority> {
  void runOnOperation() override {
    getOperation().walk([](TimeLoopOp loop) {
      if (loop.getReverse() || loop.getSteps() < kMinSteps)
        return;
      auto outside = [&](Value v) {
        return !v || !loop.getBody().isAncestor(v.getParentRegion());
      };
      SmallVector<std::pair<DenseOp, PoissonEncodeOp>> work;
      for (Operation &op : loop.getBody().front())
        if (auto dense = dyn_cast<DenseOp>(op))
          if (auto spikes = dense.getInput().getDefiningOp<PoissonEncodeOp>())
            if (spikes.getPart() == "spikes" &&
                spikes->getBlock() == &loop.getBody().front() &&
                outside(spikes.getInput()) && outside(spikes.getGenerator()) &&
                outside(dense.getWeight()) && outside(dense.getBias()))
              work.push_back({dense, spikes});
      for (auto [dense, spikes] : work)
        split(loop, dense, spikes);
    });
  }
};

} // namespace

bool mlir::credo::spikeMajorityEnabled() {
  const char *off = std::getenv("CREDO_SPIKE_MAJORITY");
  return !(off && std::string(off) == "0");
}

bool mlir::credo::spikeMajorityEverywhere() {
  const char *all = std::getenv("CREDO_SPIKE_MAJORITY");
  return all && std::string(all) == "all";
}
