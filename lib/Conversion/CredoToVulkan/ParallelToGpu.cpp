//===- ParallelToGpu.cpp - Parallel loops to GPU kernels --------*- C++ -*-===//
//
// Each outermost scf.parallel becomes a gpu.launch of one invocation per
// iteration (a linear numbering over a 1-D or 2-D grid, delinearized in the
// kernel). Loops of any rank and bounds map the same way, so every linalg op
// of the portable lowering gets a first kernel.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToVulkan/CredoToVulkan.h"

#include "KernelBuilding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOPARALLELTOGPU
#include "credo/Conversion/CredoToVulkan/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using mlir::credo::vulkan::kMaxGroups;

namespace {

void launch(scf::ParallelOp loop, int64_t width) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto idx = [&](int64_t v) -> Value {
    return b.create<arith::ConstantIndexOp>(loc, v);
  };
  // Trip counts and their product.
  SmallVector<Value> trips;
  Value total = idx(1);
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = b.create<arith::SubIOp>(loc, ub, lb);
    // A loop whose upper bound is below its lower bound runs no iteration.
    span = b.create<arith::MaxSIOp>(loc, span, idx(0));
    Value trip = b.create<arith::CeilDivSIOp>(loc, span, step);
    trips.push_back(trip);
    total = b.create<arith::MulIOp>(loc, total, trip);
  }
  Value groups = b.create<arith::CeilDivSIOp>(loc, total, idx(width));
  Value gridY = b.create<arith::CeilDivSIOp>(loc, groups, idx(kMaxGroups));
  gridY = b.create<arith::MaxSIOp>(loc, gridY, idx(1));
  Value gridX = b.create<arith::CeilDivSIOp>(loc, groups, gridY);
  auto gpuLaunch = b.create<gpu::LaunchOp>(loc, gridX, gridY, idx(1),
                                           idx(width), idx(1), idx(1));
  Block &body = gpuLaunch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::KernelDim3 blockIds = gpuLaunch.getBlockIds();
  gpu::KernelDim3 threadIds = gpuLaunch.getThreadIds();
  gpu::KernelDim3 grid = gpuLaunch.getGridSize();
  Value group = b.create<arith::AddIOp>(
      loc, b.create<arith::MulIOp>(loc, blockIds.y, grid.x), blockIds.x);
  Value linear = b.create<arith::AddIOp>(
      loc, b.create<arith::MulIOp>(loc, group, idx(width)), threadIds.x);
  Value inRange =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, linear, total);
  auto guard = b.create<scf::IfOp>(loc, inRange, /*withElseRegion=*/false);
  b.create<gpu::TerminatorOp>(loc);

  b.setInsertionPointToStart(&guard.getThenRegion().front());
  IRMapping mapping;
  Value rest = linear;
  unsigned rank = loop.getNumLoops();
  SmallVector<Value> ivs(rank);
  for (int d = int(rank) - 1; d >= 0; --d) {
    Value pos = d == 0 ? rest : b.create<arith::RemUIOp>(loc, rest, trips[d]);
    if (d > 0)
      rest = b.create<arith::DivUIOp>(loc, rest, trips[d]);
    Value scaled = b.create<arith::MulIOp>(loc, pos, loop.getStep()[d]);
    ivs[d] = b.create<arith::AddIOp>(loc, loop.getLowerBound()[d], scaled);
  }
  for (unsigned d = 0; d < rank; ++d)
    mapping.map(loop.getInductionVars()[d], ivs[d]);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
}

/// Whether kernels can take a memref of this type as it is: a static shape
/// and a layout of static strides and offset.
bool staticLayout(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.hasStaticShape() &&
         succeeded(getStridesAndOffset(type, strides, offset)) &&
         !ShapedType::isDynamic(offset) &&
         llvm::none_of(strides, ShapedType::isDynamic);
}

/// The buffer a view is cut from (through subviews, reshapes and casts).
Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      v = view.getViewSource();
    else
      break;
  }
  return v;
}

/// A kernel cannot take a view whose offset is known only at run time (a
/// time step's slice of a recorded sequence): it takes the whole buffer
/// the view is cut from, as one dimension, and the offset, and its loads
/// and stores index that.
void passViewsWhole(gpu::LaunchOp launch) {
  llvm::SetVector<Value> views;
  launch.getBody().walk([&](Operation *op) {
    for (Value v : op->getOperands()) {
      auto type = dyn_cast<MemRefType>(v.getType());
      if (type && !staticLayout(type) && type.hasStaticShape() &&
          !launch->isAncestor(v.getParentBlock()->getParentOp()))
        views.insert(v);
    }
  });
  for (Value view : views) {
    auto type = cast<MemRefType>(view.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    Value root = rootOf(view);
    auto rootType = dyn_cast<MemRefType>(root.getType());
    if (failed(getStridesAndOffset(type, strides, offset)) ||
        llvm::any_of(strides, ShapedType::isDynamic) || !rootType ||
        !rootType.hasStaticShape() || !rootType.getLayout().isIdentity())
      continue; // left for the SPIR-V conversion to report
    bool onlyAccesses = llvm::all_of(view.getUsers(), [&](Operation *user) {
      return !launch->isAncestor(user) ||
             isa<memref::LoadOp, memref::StoreOp>(user);
    });
    if (!onlyAccesses)
      continue;
    OpBuilder b(launch);
    Location loc = launch.getLoc();
    int64_t n = rootType.getNumElements();
    auto flatType = MemRefType::get({n}, type.getElementType());
    Value flat = b.create<memref::ReinterpretCastOp>(
        loc, flatType, root, /*offset=*/0, ArrayRef<int64_t>{n},
        ArrayRef<int64_t>{1});
    Value start =
        b.create<memref::ExtractStridedMetadataOp>(loc, view).getOffset();
    for (Operation *user : llvm::to_vector(view.getUsers())) {
      if (!launch->isAncestor(user))
        continue;
      OpBuilder in(user);
      auto indices = isa<memref::LoadOp>(user)
                         ? cast<memref::LoadOp>(user).getIndices()
                         : cast<memref::StoreOp>(user).getIndices();
      Value linear = start;
      for (auto [index, stride] : llvm::zip(indices, strides)) {
        Value s = in.create<arith::ConstantIndexOp>(loc, stride);
        linear = in.create<arith::AddIOp>(
            loc, linear, in.create<arith::MulIOp>(loc, index, s));
      }
      if (auto load = dyn_cast<memref::LoadOp>(user)) {
        load.replaceAllUsesWith(
            in.create<memref::LoadOp>(loc, flat, linear).getResult());
      } else {
        in.create<memref::StoreOp>(loc, cast<memref::StoreOp>(user).getValue(),
                                   flat, linear);
      }
      user->erase();
    }
  }
}

/// Turns a parallel loop inside a kernel into nested sequential loops (the
/// kernel's invocations are the parallelism).
void serialize(scf::ParallelOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  IRMapping mapping;
  for (auto [lb, ub, step, iv] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep(),
                 loop.getInductionVars())) {
    auto inner = b.create<scf::ForOp>(loc, lb, ub, step);
    mapping.map(iv, inner.getInductionVar());
    b.setInsertionPoint(inner.getBody()->getTerminator());
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
}

struct ParallelToGpu
    : public credo::impl::CredoParallelToGpuBase<ParallelToGpu> {
  using Base::Base;
  void runOnOperation() override {
    if (workgroupSize < 1 || workgroupSize > 1024) {
      getOperation().emitError("workgroup-size must be in [1, 1024], not ")
          << workgroupSize;
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      auto loop = dyn_cast<scf::ParallelOp>(op);
      if (!loop)
        return WalkResult::advance();
      if (loop.getNumResults() == 0)
        outermost.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ParallelOp loop : outermost)
      launch(loop, workgroupSize);
    SmallVector<scf::ParallelOp> inner;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<gpu::LaunchOp>() && loop.getNumResults() == 0)
        inner.push_back(loop);
    });
    // Innermost first (the walk is post-order), so each is rewritten once.
    for (scf::ParallelOp loop : inner)
      serialize(loop);
    getOperation().walk([](gpu::LaunchOp launch) { passViewsWhole(launch); });
    // Fold the grid arithmetic (static bounds give constants), then give
    // each kernel its own copy of the constants it uses, so that outlining
    // makes them part of the kernel rather than arguments.
    (void)applyPatternsAndFoldGreedily(getOperation(),
                                       RewritePatternSet(&getContext()));
    getOperation().walk([](gpu::LaunchOp launch) {
      Block &entry = launch.getBody().front();
      llvm::SmallDenseMap<Value, Value> copies;
      launch.getBody().walk([&](Operation *op) {
        for (OpOperand &use : op->getOpOperands()) {
          Value v = use.get();
          Operation *def = v.getDefiningOp();
          if (!def || !def->hasTrait<OpTrait::ConstantLike>() ||
              launch->isProperAncestor(def))
            continue;
          Value &copy = copies[v];
          if (!copy) {
            OpBuilder b(&entry, entry.begin());
            copy = b.clone(*def)->getResult(0);
          }
          use.set(copy);
        }
      });
    });
  }
};

} // namespace
