//===- GpuReduce.cpp - Full reductions as workgroup kernels -----*- C++ -*-===//
//
// A linalg.generic without parallel dimensions (a full reduction, or scalar
// arithmetic with no loop at all) becomes a GPU kernel, so the host code
// does not wait for the kernels before it (the equations are in
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToVulkan/CredoToVulkan.h"

#include "KernelBuilding.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOGPUREDUCE
#include "credo/Conversion/CredoToVulkan/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using mlir::credo::vulkan::delinearize;
using mlir::credo::vulkan::kMaxGroups;

namespace {

/// The most invocations of a full reduction's workgroup (every Vulkan
/// device allows 128; the matrix kernels already use 256), and of a
/// workgroup that reduces one output of many.
constexpr int64_t kMaxWidth = 256, kMaxRowWidth = 64;
/// A workgroup per output when each output reduces at least
/// kMinRowReduction steps and there are at most kMaxRowOutputs outputs
/// (more fill a device with one invocation each); the most workgroups per
/// grid dimension.
constexpr int64_t kMinRowReduction = 128, kMaxRowOutputs = 16384;

/// The combiner of a reduction body `c(acc, g)` and its identity.
struct Combiner {
  Operation *op = nullptr;
  TypedAttr identity;
};

/// The identity of `op`'s operation on values of type `t`, or null when
/// `op` is not one of the associative combiners.
TypedAttr identityOf(Operation *op, Type t) {
  if (auto f = dyn_cast<FloatType>(t)) {
    const llvm::fltSemantics &sem = f.getFloatSemantics();
    auto value = [&](llvm::APFloat v) { return FloatAttr::get(t, v); };
    if (isa<arith::AddFOp>(op))
      return value(llvm::APFloat::getZero(sem, /*Negative=*/true));
    if (isa<arith::MulFOp>(op))
      return value(llvm::APFloat::getOne(sem));
    if (isa<arith::MaxNumFOp, arith::MinNumFOp>(op))
      return value(llvm::APFloat::getQNaN(sem));
    if (isa<arith::MaximumFOp>(op))
      return value(llvm::APFloat::getInf(sem, /*Negative=*/true));
    if (isa<arith::MinimumFOp>(op))
      return value(llvm::APFloat::getInf(sem, /*Negative=*/false));
    return {};
  }
  auto i = dyn_cast<IntegerType>(t);
  if (!i)
    return {};
  unsigned w = i.getWidth();
  auto value = [&](llvm::APInt v) { return IntegerAttr::get(t, v); };
  if (isa<arith::AddIOp, arith::OrIOp, arith::XOrIOp, arith::MaxUIOp>(op))
    return value(llvm::APInt::getZero(w));
  if (isa<arith::MulIOp>(op))
    return value(llvm::APInt(w, 1));
  if (isa<arith::AndIOp, arith::MinUIOp>(op))
    return value(llvm::APInt::getAllOnes(w));
  if (isa<arith::MaxSIOp>(op))
    return value(llvm::APInt::getSignedMinValue(w));
  if (isa<arith::MinSIOp>(op))
    return value(llvm::APInt::getSignedMaxValue(w));
  return {};
}

/// Whether the host code reads `buffer` itself (a load or a call outside
/// any linalg op): then the value is needed on the host anyway.
bool readByHost(Value buffer) {
  return llvm::any_of(buffer.getUsers(), [](Operation *user) {
    if (user->getParentOfType<linalg::LinalgOp>() ||
        user->getParentOfType<gpu::LaunchOp>())
      return false;
    return isa<memref::LoadOp, func::CallOp, memref::CopyOp>(user);
  });
}

/// Whether the kernel can take `op`: buffers of static shape, static loop
/// ranges, every linalg.index directly in the body.
bool kernelizable(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics())
    return false;
  for (Value v : op->getOperands())
    if (auto t = dyn_cast<MemRefType>(v.getType()); t && !t.hasStaticShape())
      return false;
  if (llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
    return false;
  bool nestedIndex = false;
  op.getRegion().walk([&](linalg::IndexOp index) {
    nestedIndex |= index->getBlock() != &op.getRegion().front();
  });
  return !nestedIndex &&
         llvm::none_of(op.getDpsInits(), [](Value v) { return readByHost(v); });
}

/// The combiner of a reduction whose output is indexed by exactly its
/// parallel loops (none: a full reduction), or none.
std::optional<Combiner> combinerOf(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
      op.getNumParallelLoops() + op.getNumReductionLoops() != op.getNumLoops())
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outMap.isProjectedPermutation() ||
      outMap.getNumResults() != op.getNumParallelLoops())
    return std::nullopt;
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  for (AffineExpr r : outMap.getResults())
    if (kinds[cast<AffineDimExpr>(r).getPosition()] !=
        utils::IteratorType::parallel)
      return std::nullopt;
  Block &body = op.getRegion().front();
  BlockArgument acc = body.getArgument(op.getNumDpsInputs());
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *c = yield.getValues()[0].getDefiningOp();
  if (!c || c->getBlock() != &body || c->getNumOperands() != 2 ||
      c->getNumResults() != 1 || !acc.hasOneUse() ||
      !llvm::is_contained(c->getOperands(), Value(acc)) ||
      c->getOperand(0) == c->getOperand(1))
    return std::nullopt;
  TypedAttr identity = identityOf(c, acc.getType());
  if (!identity)
    return std::nullopt;
  return Combiner{c, identity};
}

/// Clones the body of `op` at iteration `ivs` (inputs loaded through their
/// indexing maps, the accumulators mapped to `accs`) and returns the
/// yielded values.
SmallVector<Value> cloneBody(OpBuilder &b, Location loc, linalg::GenericOp op,
                             ValueRange ivs, ValueRange accs) {
  Block &body = op.getRegion().front();
  IRMapping mapping;
  for (OpOperand *input : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(input);
    Value v = input->get();
    if (!isa<MemRefType>(v.getType())) {
      mapping.map(arg, v);
      continue;
    }
    AffineMap map = op.getMatchingIndexingMap(input);
    SmallVector<Value> indices;
    for (AffineExpr e : map.getResults())
      indices.push_back(affine::expandAffineExpr(b, loc, e, ivs, {}));
    mapping.map(arg, b.create<memref::LoadOp>(loc, v, indices).getResult());
  }
  for (auto [i, acc] : llvm::enumerate(accs))
    mapping.map(body.getArgument(op.getNumDpsInputs() + i), acc);
  for (Operation &inner : body.without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      mapping.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(inner, mapping);
  }
  SmallVector<Value> results;
  for (Value v : cast<linalg::YieldOp>(body.getTerminator()).getValues())
    results.push_back(mapping.lookupOrDefault(v));
  return results;
}

/// `c` applied to (acc, x) in the operand order of the body's combiner.
Value combine(OpBuilder &b, const Combiner &c, Value accOperand, Value acc,
              Value x) {
  IRMapping mapping;
  for (Value operand : c.op->getOperands())
    mapping.map(operand, operand == accOperand ? acc : x);
  return b.clone(*c.op, mapping)->getResult(0);
}

/// A reduction: one workgroup per output (one in all for a full
/// reduction), whose invocations fold strided parts of the output's
/// reduction and combine them pairwise in workgroup memory.
void lowerReduction(OpBuilder &b, linalg::GenericOp op, const Combiner &c,
                    bool subgroups) {
  Location loc = op.getLoc();
  auto idx = [&](OpBuilder &b, int64_t v) -> Value {
    return b.create<arith::ConstantIndexOp>(loc, v);
  };
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<unsigned> parallel, reduced;
  int64_t outputs = 1, total = 1;
  for (auto [d, kind] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (kind == utils::IteratorType::parallel) {
      parallel.push_back(unsigned(d));
      outputs *= ranges[d];
    } else {
      reduced.push_back(unsigned(d));
      total *= ranges[d];
    }
  }
  int64_t width =
      std::min<int64_t>(parallel.empty() ? kMaxWidth : kMaxRowWidth,
                        llvm::PowerOf2Ceil(std::max<int64_t>(1, total)));
  int64_t gridX = std::min(outputs, kMaxGroups);
  int64_t gridY = (outputs + gridX - 1) / gridX;
  Value out = op.getDpsInits()[0];
  Type e = cast<MemRefType>(out.getType()).getElementType();
  Value accOperand = op.getRegion().front().getArgument(op.getNumDpsInputs());

  auto launch =
      b.create<gpu::LaunchOp>(loc, idx(b, gridX), idx(b, gridY), idx(b, 1),
                              idx(b, width), idx(b, 1), idx(b, 1));
  Block &entry = launch.getBody().front();
  OpBuilder in(&entry, entry.begin());
  Value t = launch.getThreadIds().x;
  Value zero = idx(in, 0);
  // The workgroup's output (the same for all its invocations, so the
  // barriers below stay in uniform control flow: a workgroup past the last
  // output computes the last one again and does not store it).
  SmallVector<Value> ivs(ranges.size(), zero);
  Value valid;
  if (!parallel.empty()) {
    gpu::KernelDim3 block = launch.getBlockIds();
    Value o = in.create<arith::AddIOp>(
        loc, in.create<arith::MulIOp>(loc, block.y, idx(in, gridX)), block.x);
    valid = in.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, o,
                                     idx(in, outputs));
    Value clamped =
        in.create<arith::SelectOp>(loc, valid, o, idx(in, outputs - 1));
    delinearize(in, loc, clamped, parallel, ranges, ivs);
  }
  Value identity = in.create<arith::ConstantOp>(loc, c.identity);
  // Each invocation folds reduction iterations t, t + W, ... (last
  // dimension fastest).
  auto fold = in.create<scf::ForOp>(loc, t, idx(in, total), idx(in, width),
                                    ValueRange{identity});
  {
    OpBuilder lb = OpBuilder::atBlockBegin(fold.getBody());
    SmallVector<Value> at = ivs;
    delinearize(lb, loc, fold.getInductionVar(), reduced, ranges, at);
    SmallVector<Value> next =
        cloneBody(lb, loc, op, at, fold.getRegionIterArgs());
    lb.create<scf::YieldOp>(loc, next);
  }
  Value partial = fold.getResult(0);
  Value first =
      in.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, t, zero);
  if (valid)
    first = in.create<arith::AndIOp>(loc, first, valid);
  if (width > 1 && subgroups) {
    // Each subgroup reduces its invocations' values at once; the one with
    // the lowest number (elected by a subgroup minimum) writes the result
    // to workgroup memory; invocation 0 combines the ceil(W / S) results of
    // the subgroups of S invocations.
    Value sub = in.create<gpu::SubgroupReduceOp>(
        loc, partial, gpu::AllReduceOperation::ADD, /*uniform=*/false);
    Value t32 = in.create<arith::IndexCastUIOp>(loc, in.getI32Type(), t);
    Value lowest = in.create<gpu::SubgroupReduceOp>(
        loc, t32, gpu::AllReduceOperation::MINUI, /*uniform=*/false);
    auto sharedType = MemRefType::get({width}, e, MemRefLayoutAttrInterface(),
                                      in.getI64IntegerAttr(3));
    Value shared = in.create<memref::AllocOp>(loc, sharedType);
    Value elected =
        in.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, t32, lowest);
    auto write = in.create<scf::IfOp>(loc, elected, /*withElseRegion=*/false);
    {
      OpBuilder wb = write.getThenBodyBuilder();
      wb.create<memref::StoreOp>(loc, sub, shared,
                                 ValueRange{wb.create<gpu::SubgroupIdOp>(
                                     loc, /*upper_bound=*/IntegerAttr())});
    }
    in.create<gpu::BarrierOp>(loc);
    auto last = in.create<scf::IfOp>(loc, first, /*withElseRegion=*/false);
    in.setInsertionPointToStart(&last.getThenRegion().front());
    Value size =
        in.create<gpu::SubgroupSizeOp>(loc, /*upper_bound=*/IntegerAttr());
    Value count = in.create<arith::DivUIOp>(
        loc,
        in.create<arith::SubIOp>(
            loc, in.create<arith::AddIOp>(loc, idx(in, width), size),
            idx(in, 1)),
        size);
    auto gather = in.create<scf::ForOp>(
        loc, idx(in, 1), count, idx(in, 1),
        ValueRange{in.create<memref::LoadOp>(loc, shared, zero).getResult()});
    {
      OpBuilder gb = OpBuilder::atBlockBegin(gather.getBody());
      Value x =
          gb.create<memref::LoadOp>(loc, shared, gather.getInductionVar());
      gb.create<scf::YieldOp>(
          loc, combine(gb, c, accOperand, gather.getRegionIterArgs()[0], x));
    }
    partial = gather.getResult(0);
  } else if (width > 1) {
    // Workgroup memory (address space 3): the partial values, combined
    // pairwise in log2(W) halving steps.
    auto sharedType = MemRefType::get({width}, e, MemRefLayoutAttrInterface(),
                                      in.getI64IntegerAttr(3));
    Value shared = in.create<memref::AllocOp>(loc, sharedType);
    in.create<memref::StoreOp>(loc, partial, shared, t);
    in.create<gpu::BarrierOp>(loc);
    for (int64_t s = width / 2; s >= 1; s /= 2) {
      Value active = in.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, t,
                                              idx(in, s));
      auto step = in.create<scf::IfOp>(loc, active, /*withElseRegion=*/false);
      OpBuilder sb = step.getThenBodyBuilder();
      Value mine = sb.create<memref::LoadOp>(loc, shared, t);
      Value other = sb.create<memref::LoadOp>(
          loc, shared,
          ValueRange{sb.create<arith::AddIOp>(loc, t, idx(sb, s))});
      sb.create<memref::StoreOp>(loc, combine(sb, c, accOperand, mine, other),
                                 shared, t);
      in.create<gpu::BarrierOp>(loc);
    }
    // (The store below then runs in invocation 0 alone.)
    auto last = in.create<scf::IfOp>(loc, first, /*withElseRegion=*/false);
    in.setInsertionPointToStart(&last.getThenRegion().front());
    partial = in.create<memref::LoadOp>(loc, shared, zero);
  } else if (valid) {
    auto last = in.create<scf::IfOp>(loc, first, /*withElseRegion=*/false);
    in.setInsertionPointToStart(&last.getThenRegion().front());
  }
  SmallVector<Value> indices;
  for (AffineExpr r :
       op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getResults())
    indices.push_back(ivs[cast<AffineDimExpr>(r).getPosition()]);
  Value old = in.create<memref::LoadOp>(loc, out, indices);
  in.create<memref::StoreOp>(loc, combine(in, c, accOperand, old, partial), out,
                             indices);
  OpBuilder::atBlockEnd(&entry).create<gpu::TerminatorOp>(loc);
}

/// Whether a reduction can use subgroup operations: a sum of f32 or i32,
/// the types every device with subgroup arithmetic takes (64-bit types
/// need more features; float minimum and maximum keep the workgroup-memory
/// steps, whose NaN handling is the host's).
bool subgroupSum(const Combiner &c) {
  Type t = c.op->getResult(0).getType();
  return isa<arith::AddFOp, arith::AddIOp>(c.op) &&
         (t.isF32() || t.isInteger(32));
}

/// A generic with no loops: one invocation computes it.
void lowerScalar(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  auto launch = b.create<gpu::LaunchOp>(loc, one, one, one, one, one, one);
  Block &entry = launch.getBody().front();
  OpBuilder in(&entry, entry.begin());
  SmallVector<Value> accs;
  for (Value out : op.getDpsInits())
    accs.push_back(in.create<memref::LoadOp>(loc, out, ValueRange()));
  SmallVector<Value> results = cloneBody(in, loc, op, {}, accs);
  for (auto [v, out] : llvm::zip(results, op.getDpsInits()))
    in.create<memref::StoreOp>(loc, v, out, ValueRange());
  in.create<gpu::TerminatorOp>(loc);
  op.erase();
}

/// The runtime's answer whether the device has subgroup sums in compute
/// kernels (and they are not turned off): nonzero if so.
constexpr llvm::StringLiteral kSubgroupQuery = "credo_rt_vk_subgroup_reduce";

struct GpuReduce : public credo::impl::CredoGpuReduceBase<GpuReduce> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Each generic with its reduction's length per output.
    SmallVector<std::pair<linalg::GenericOp, int64_t>> generics;
    module.walk([&](linalg::GenericOp op) {
      if (op->getParentOfType<gpu::LaunchOp>() || !kernelizable(op))
        return;
      // Full reductions and loop-free generics always (else they would
      // run on the host); reductions with outputs when each output's
      // reduction is long.
      int64_t reduction = 1, outputs = 1;
      for (auto [range, kind] :
           llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray()))
        (kind == utils::IteratorType::parallel ? outputs : reduction) *= range;
      if (op.getNumParallelLoops() == 0 ||
          (reduction >= kMinRowReduction && outputs <= kMaxRowOutputs))
        generics.emplace_back(op, reduction);
    });
    func::FuncOp query;
    for (auto [op, reduction] : generics) {
      if (op.getNumLoops() == 0) {
        if (llvm::all_of(op.getDpsInits(), [](Value v) {
              return cast<MemRefType>(v.getType()).getRank() == 0;
            }))
          lowerScalar(op);
        continue;
      }
      std::optional<Combiner> c = combinerOf(op);
      if (!c)
        continue;
      OpBuilder b(op);
      if (subgroups && reduction > 1 && subgroupSum(*c)) {
        // Both kernels; the host picks by the device.
        if (!query) {
          query = module.lookupSymbol<func::FuncOp>(kSubgroupQuery);
          if (!query) {
            OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
            query = mb.create<func::FuncOp>(
                module.getLoc(), kSubgroupQuery,
                mb.getFunctionType({}, {mb.getI32Type()}));
            query.setPrivate();
          }
        }
        Location loc = op.getLoc();
        Value answer = b.create<func::CallOp>(loc, query).getResult(0);
        Value yes =
            b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, answer,
                                    b.create<arith::ConstantIntOp>(loc, 0, 32));
        auto pick = b.create<scf::IfOp>(loc, yes, /*withElseRegion=*/true);
        OpBuilder then = pick.getThenBodyBuilder();
        lowerReduction(then, op, *c, /*subgroups=*/true);
        OpBuilder other = pick.getElseBodyBuilder();
        lowerReduction(other, op, *c, /*subgroups=*/false);
      } else {
        lowerReduction(b, op, *c, /*subgroups=*/false);
      }
      op.erase();
    }
  }
};

} // namespace
