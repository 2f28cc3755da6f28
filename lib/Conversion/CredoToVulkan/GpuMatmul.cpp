//===- GpuMatmul.cpp - Matrix products tiled through workgroup memory -----===//
//
// linalg.matmul on buffers becomes a GPU kernel whose workgroups each
// compute one tile of the product, staging tiles of both operands in
// workgroup (shared) memory (the equations are in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToVulkan/CredoToVulkan.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOGPUMATMUL
#define GEN_PASS_DEF_CREDOPARALLELDIMSFIRST
#include "credo/Conversion/CredoToVulkan/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {

bool suitable(linalg::MatmulOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2)
    return false;
  auto a = dyn_cast<MemRefType>(op.getDpsInputs()[0].getType());
  auto b = dyn_cast<MemRefType>(op.getDpsInputs()[1].getType());
  auto c = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  if (!a || !b || !c || !a.hasStaticShape() || !b.hasStaticShape() ||
      !c.hasStaticShape())
    return false;
  Type e = c.getElementType();
  if (!(e.isF32() || e.isF64()) || a.getElementType() != e ||
      b.getElementType() != e)
    return false;
  // The default (plain) matmul indexing and arithmetic only.
  return op.getCast() == linalg::TypeFn::cast_signed;
}

void lower(linalg::MatmulOp op, int64_t tile) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value a = op.getDpsInputs()[0], bm = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  auto aType = cast<MemRefType>(a.getType());
  auto cType = cast<MemRefType>(c.getType());
  int64_t m = cType.getDimSize(0), n = cType.getDimSize(1),
          k = aType.getDimSize(1);
  Type e = cType.getElementType();
  auto idx = [&](OpBuilder &b, int64_t v) -> Value {
    return b.create<arith::ConstantIndexOp>(loc, v);
  };
  // Workgroup memory: address space 3, which the SPIR-V conversion maps to
  // the Workgroup storage class.
  auto shared = MemRefType::get(
      {tile, tile}, e, MemRefLayoutAttrInterface(),
      b.getI64IntegerAttr(3 /* gpu::GPUDialect::kSharedMemoryAddressSpace */));
  auto launch = b.create<gpu::LaunchOp>(
      loc, idx(b, (n + tile - 1) / tile), idx(b, (m + tile - 1) / tile),
      idx(b, 1), idx(b, tile), idx(b, tile), idx(b, 1));
  Block &body = launch.getBody().front();
  OpBuilder in(&body, body.begin());
  // (An allocation in workgroup memory becomes a Workgroup variable of the
  // SPIR-V module; MLIR 19 does not convert workgroup attributions.)
  Value as = in.create<memref::AllocOp>(loc, shared);
  Value bs = in.create<memref::AllocOp>(loc, shared);
  gpu::KernelDim3 block = launch.getBlockIds();
  gpu::KernelDim3 thread = launch.getThreadIds();
  Value t = idx(in, tile);
  Value row = in.create<arith::AddIOp>(
      loc, in.create<arith::MulIOp>(loc, block.y, t), thread.y);
  Value col = in.create<arith::AddIOp>(
      loc, in.create<arith::MulIOp>(loc, block.x, t), thread.x);
  Value zero = in.create<arith::ConstantOp>(loc, in.getFloatAttr(e, 0.0));
  Value mIdx = idx(in, m), nIdx = idx(in, n), kIdx = idx(in, k);
  Value rowIn =
      in.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, row, mIdx);
  Value colIn =
      in.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, col, nIdx);
  // A guarded load: the element, or zero outside the matrix.
  auto load = [&](OpBuilder &b, Value mem, Value r, Value cc,
                  Value inside) -> Value {
    auto guard = b.create<scf::IfOp>(loc, TypeRange{e}, inside,
                                     /*withElseRegion=*/true);
    OpBuilder then = guard.getThenBodyBuilder();
    then.create<scf::YieldOp>(
        loc,
        then.create<memref::LoadOp>(loc, mem, ValueRange{r, cc}).getResult());
    OpBuilder other = guard.getElseBodyBuilder();
    other.create<scf::YieldOp>(loc, zero);
    return guard.getResult(0);
  };
  auto tiles =
      in.create<scf::ForOp>(loc, idx(in, 0), kIdx, t, ValueRange{zero});
  {
    OpBuilder lb = OpBuilder::atBlockBegin(tiles.getBody());
    Value k0 = tiles.getInductionVar();
    Value acc = tiles.getRegionIterArgs()[0];
    Value ka = lb.create<arith::AddIOp>(loc, k0, thread.x);
    Value kb = lb.create<arith::AddIOp>(loc, k0, thread.y);
    Value aIn = lb.create<arith::AndIOp>(
        loc, rowIn,
        lb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, ka, kIdx));
    Value bIn = lb.create<arith::AndIOp>(
        loc, colIn,
        lb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, kb, kIdx));
    lb.create<memref::StoreOp>(loc, load(lb, a, row, ka, aIn), as,
                               ValueRange{thread.y, thread.x});
    lb.create<memref::StoreOp>(loc, load(lb, bm, kb, col, bIn), bs,
                               ValueRange{thread.y, thread.x});
    lb.create<gpu::BarrierOp>(loc);
    auto inner =
        lb.create<scf::ForOp>(loc, idx(lb, 0), t, idx(lb, 1), ValueRange{acc});
    {
      OpBuilder ib = OpBuilder::atBlockBegin(inner.getBody());
      Value kk = inner.getInductionVar();
      Value x = ib.create<memref::LoadOp>(loc, as, ValueRange{thread.y, kk});
      Value y = ib.create<memref::LoadOp>(loc, bs, ValueRange{kk, thread.x});
      Value sum = ib.create<arith::AddFOp>(loc, inner.getRegionIterArgs()[0],
                                           ib.create<arith::MulFOp>(loc, x, y));
      ib.create<scf::YieldOp>(loc, sum);
    }
    lb.create<gpu::BarrierOp>(loc);
    lb.create<scf::YieldOp>(loc, inner.getResult(0));
  }
  Value both = in.create<arith::AndIOp>(loc, rowIn, colIn);
  auto store = in.create<scf::IfOp>(loc, both, /*withElseRegion=*/false);
  {
    OpBuilder sb = store.getThenBodyBuilder();
    Value old = sb.create<memref::LoadOp>(loc, c, ValueRange{row, col});
    sb.create<memref::StoreOp>(
        loc, sb.create<arith::AddFOp>(loc, old, tiles.getResult(0)), c,
        ValueRange{row, col});
  }
  in.create<gpu::TerminatorOp>(loc);
  op.erase();
}

struct ParallelDimsFirst
    : public credo::impl::CredoParallelDimsFirstBase<ParallelDimsFirst> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
      SmallVector<unsigned> order;
      for (unsigned d = 0; d < kinds.size(); ++d)
        if (kinds[d] == utils::IteratorType::parallel)
          order.push_back(d);
      for (unsigned d = 0; d < kinds.size(); ++d)
        if (kinds[d] != utils::IteratorType::parallel)
          order.push_back(d);
      bool identity = true;
      for (unsigned d = 0; d < order.size(); ++d)
        identity &= order[d] == d;
      if (identity)
        continue;
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, order))) {
        op.emitError("cannot order the loops with the parallel ones first");
        return signalPassFailure();
      }
    }
  }
};

struct GpuMatmul : public credo::impl::CredoGpuMatmulBase<GpuMatmul> {
  using Base::Base;
  void runOnOperation() override {
    if (tile < 1 || tile * tile > 1024) {
      getOperation().emitError("tile must be in [1, 32], not ") << tile;
      return signalPassFailure();
    }
    SmallVector<linalg::MatmulOp> products;
    getOperation().walk([&](linalg::MatmulOp op) {
      if (suitable(op))
        products.push_back(op);
    });
    for (linalg::MatmulOp op : products)
      lower(op, tile);
  }
};

} // namespace
