//===- GpuContract.cpp - Contractions tiled through workgroup memory ------===//
//
// A linalg.generic that is a contraction — out += a · b summed over its
// reduction dimensions, such as a convolution and both of its gradients
// or a product of transposed matrices — becomes a kernel that computes
// tiles of the output as a matrix product, staging tiles of both operands
// in workgroup memory (the equations are in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToVulkan/CredoToVulkan.h"

#include "KernelBuilding.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOGPUCONTRACT
#include "credo/Conversion/CredoToVulkan/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using mlir::credo::vulkan::delinearize;
using mlir::credo::vulkan::kMaxGroups;
using mlir::credo::vulkan::kVectorViewAttr;

namespace {
/// The shallowest reduction and the fewest T x T workgroups worth a tiled
/// kernel.
constexpr int64_t kMinDepth = 256, kMinGroups = 8;

/// A contraction out[P] += Σ_R a[mapA] · b[mapB], its loops split into the
/// output tile's rows (parallel loops only `a` uses, or neither), columns
/// (only `b`), batch (both: one workgroup layer each) and the reduction.
struct Contraction {
  OpOperand *a = nullptr, *b = nullptr;
  SmallVector<unsigned> rows, cols, batch, red;
  SmallVector<int64_t> ranges;
  int64_t m = 1, n = 1, k = 1, batches = 1;
};

std::optional<Contraction> match(linalg::GenericOp op, int64_t tile) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  Type e;
  for (Value v : op->getOperands()) {
    auto t = dyn_cast<MemRefType>(v.getType());
    if (!t || !t.hasStaticShape())
      return std::nullopt;
    if (!e)
      e = t.getElementType();
    if (t.getElementType() != e)
      return std::nullopt;
  }
  if (!(e.isF32() || e.isF64()))
    return std::nullopt;
  // The body: yield out + x·y (either order) with x, y the two inputs.
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!add)
    return std::nullopt;
  BlockArgument out = body.getArgument(2);
  Value other = add.getLhs() == out   ? add.getRhs()
                : add.getRhs() == out ? add.getLhs()
                                      : Value();
  auto mul = other ? other.getDefiningOp<arith::MulFOp>() : arith::MulFOp();
  if (!mul || mul.getLhs() == mul.getRhs() ||
      !llvm::is_contained(ValueRange{mul.getLhs(), mul.getRhs()},
                          body.getArgument(0)) ||
      !llvm::is_contained(ValueRange{mul.getLhs(), mul.getRhs()},
                          body.getArgument(1)))
    return std::nullopt;

  Contraction c;
  c.ranges = op.getStaticLoopRanges();
  if (llvm::any_of(c.ranges, ShapedType::isDynamic))
    return std::nullopt;
  // The output is indexed by exactly the parallel loops, each once.
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  unsigned parallel = 0;
  for (utils::IteratorType kind : kinds)
    parallel += kind == utils::IteratorType::parallel;
  if (!outMap.isProjectedPermutation() || outMap.getNumResults() != parallel)
    return std::nullopt;
  for (AffineExpr r : outMap.getResults())
    if (kinds[cast<AffineDimExpr>(r).getPosition()] !=
        utils::IteratorType::parallel)
      return std::nullopt;

  c.a = op.getDpsInputOperand(0);
  c.b = op.getDpsInputOperand(1);
  AffineMap mapA = op.getMatchingIndexingMap(c.a);
  AffineMap mapB = op.getMatchingIndexingMap(c.b);
  for (unsigned d = 0; d < kinds.size(); ++d) {
    if (kinds[d] != utils::IteratorType::parallel) {
      c.red.push_back(d);
      c.k *= c.ranges[d];
      continue;
    }
    bool inA = mapA.isFunctionOfDim(d), inB = mapB.isFunctionOfDim(d);
    if (inA && inB) {
      c.batch.push_back(d);
      c.batches *= c.ranges[d];
    } else if (inB) {
      c.cols.push_back(d);
      c.n *= c.ranges[d];
    } else {
      c.rows.push_back(d);
      c.m *= c.ranges[d];
    }
  }
  // Worth a tiled product: both tile sides, a deep reduction (at least
  // kMinDepth: 16 k-tiles of 16) and at least kMinGroups workgroups of
  // T x T (fewer leave most of a device idle; one invocation per output
  // has more of them).
  if (c.rows.empty() || c.cols.empty() || c.k < kMinDepth ||
      c.m * c.n * c.k == 0)
    return std::nullopt;
  if (((c.m + tile - 1) / tile) * ((c.n + tile - 1) / tile) * c.batches <
      kMinGroups)
    return std::nullopt;
  if ((c.n + tile - 1) / tile > kMaxGroups ||
      (c.m + tile - 1) / tile > kMaxGroups || c.batches > kMaxGroups)
    return std::nullopt;
  return c;
}

/// Outputs per invocation along a side of extent `size`: 4 when the side
/// fills a tile of 4·T, 2 for 2·T, else 1.
int64_t perInvocation(int64_t size, int64_t tile) {
  return size >= 4 * tile ? 4 : size >= 2 * tile ? 2 : 1;
}

/// Whether `count` consecutive positions over loops `dims` (the last
/// fastest), starting at a multiple of `count` — an invocation's lines at
/// one reduction step (`dims` the row or column loops), or a line's
/// reduction steps (`dims` the reduction loops) — are `count` consecutive
/// elements of `operand`'s buffer starting at a multiple of `count`, so
/// that one vector load reads them all: the innermost of `dims` is exactly
/// the buffer's last index and appears in no other, the buffer has the
/// identity layout, and `count` divides that loop's range (the positions
/// never wrap into the next value of the outer loops, and are all inside
/// the operand or all outside) and the buffer's last dimension (which the
/// linalg verifier makes that range; every row starts aligned).
bool contiguous(linalg::GenericOp op, OpOperand *operand,
                ArrayRef<unsigned> dims, ArrayRef<int64_t> ranges,
                int64_t count) {
  if (count < 2 || dims.empty())
    return false;
  auto type = cast<MemRefType>(operand->get().getType());
  AffineMap map = op.getMatchingIndexingMap(operand);
  unsigned inner = dims.back();
  if (!type.getLayout().isIdentity() || map.getNumResults() == 0 ||
      ranges[inner] % count != 0 || type.getShape().back() % count != 0)
    return false;
  unsigned last = map.getNumResults() - 1;
  auto dim = dyn_cast<AffineDimExpr>(map.getResult(last));
  if (!dim || dim.getPosition() != inner)
    return false;
  for (unsigned r = 0; r < last; ++r)
    if (map.getResult(r).isFunctionOfDim(inner))
      return false;
  return true;
}

/// The operand's buffer seen as vectors of `count` along its last
/// dimension (memref<… × n/count × vector<count × e>>), for the kernel's
/// vector loads from device memory. SPIR-V in Vulkan's logical addressing
/// cannot reinterpret a pointer, so the kernel takes this second type of
/// argument: the cast stays on the host side, and credo-gpu-to-vulkan-calls
/// binds the buffer underneath it.
Value vectorView(OpBuilder &b, Location loc, Value buffer, int64_t count) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() /= count;
  auto view =
      MemRefType::get(shape, VectorType::get({count}, type.getElementType()),
                      MemRefLayoutAttrInterface(), type.getMemorySpace());
  auto cast = b.create<UnrealizedConversionCastOp>(loc, view, buffer);
  cast->setAttr(kVectorViewAttr, b.getUnitAttr());
  return cast.getResult(0);
}

void lower(linalg::GenericOp op, const Contraction &c, int64_t tile,
           int64_t targetGroups) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto idx = [&](OpBuilder &b, int64_t v) -> Value {
    return b.create<arith::ConstantIndexOp>(loc, v);
  };
  // A workgroup of T × T invocations computes a (wm·T) × (wn·T) tile of
  // the output, each invocation a block of wm × wn elements (rows
  // wm·ty + i, columns wn·tx + j), from k-tiles of T.
  int64_t wm = perInvocation(c.m, tile), wn = perInvocation(c.n, tile);
  // More outputs per invocation means fewer workgroups: keep at least
  // targetGroups of them (a large GPU has over a hundred compute units),
  // halving the larger factor while there are too few.
  auto groups = [&](int64_t a, int64_t b) {
    return ((c.m + a * tile - 1) / (a * tile)) *
           ((c.n + b * tile - 1) / (b * tile)) * c.batches;
  };
  while ((wm > 1 || wn > 1) && groups(wm, wn) < targetGroups)
    (wm >= wn ? wm : wn) /= 2;
  int64_t tm = wm * tile, tn = wn * tile;
  Value outBuf = op.getDpsInits()[0];
  Type e = cast<MemRefType>(outBuf.getType()).getElementType();
  // How an operand's tile is read from device memory: by lines, when an
  // invocation's lines of a step are consecutive elements (one vector
  // load each); by steps, when a line's `count` consecutive reduction
  // steps are (a row-major A, B = wᵀ: a block of count lines × count
  // steps is count vector loads, transposed in registers); else element
  // by element.
  enum class Read { Elements, Lines, Steps };
  auto readOf = [&](OpOperand *operand, ArrayRef<unsigned> dims,
                    int64_t count) {
    if (contiguous(op, operand, dims, c.ranges, count))
      return Read::Lines;
    if (tile % count == 0 && contiguous(op, operand, c.red, c.ranges, count))
      return Read::Steps;
    return Read::Elements;
  };
  Read readA = readOf(c.a, c.rows, wm), readB = readOf(c.b, c.cols, wn);
  Value viewA =
      readA != Read::Elements ? vectorView(b, loc, c.a->get(), wm) : Value();
  Value viewB =
      readB != Read::Elements ? vectorView(b, loc, c.b->get(), wn) : Value();
  // The staged tiles, [k][invocation] of wm (a) or wn (b) consecutive
  // elements, one vector each: an invocation reads its operands of a
  // reduction step with two vector loads from workgroup memory.
  auto lanes = [&](int64_t count) -> Type {
    return count > 1 ? Type(VectorType::get({count}, e)) : e;
  };
  auto workgroup = [&](Type lane) {
    return MemRefType::get({tile, tile}, lane, MemRefLayoutAttrInterface(),
                           b.getI64IntegerAttr(3 /* workgroup memory */));
  };
  auto launch = b.create<gpu::LaunchOp>(
      loc, idx(b, (c.n + tn - 1) / tn), idx(b, (c.m + tm - 1) / tm),
      idx(b, c.batches), idx(b, tile), idx(b, tile), idx(b, 1));
  Block &entry = launch.getBody().front();
  OpBuilder in(&entry, entry.begin());
  Value as = in.create<memref::AllocOp>(loc, workgroup(lanes(wm)));
  Value bs = in.create<memref::AllocOp>(loc, workgroup(lanes(wn)));
  gpu::KernelDim3 block = launch.getBlockIds();
  gpu::KernelDim3 thread = launch.getThreadIds();
  Value zeroIdx = idx(in, 0);
  Value zero = in.create<arith::ConstantOp>(loc, in.getFloatAttr(e, 0.0));
  Value rowBase = in.create<arith::MulIOp>(loc, block.y, idx(in, tm));
  Value colBase = in.create<arith::MulIOp>(loc, block.x, idx(in, tn));

  SmallVector<Value> base(c.ranges.size(), zeroIdx);
  delinearize(in, loc, block.z, c.batch, c.ranges, base);
  // This invocation's rows and columns: their numbers, whether they exist,
  // and their loop values.
  struct Line {
    Value inside;
    SmallVector<Value> ivs;
  };
  // The `count` lines of group `group` (those of invocation `group` along
  // that side of the workgroup).
  auto linesAt = [&](OpBuilder &in, Value start, Value group, int64_t count,
                     int64_t extent, ArrayRef<unsigned> dims) {
    SmallVector<Line> out;
    Value first = in.create<arith::AddIOp>(
        loc, start, in.create<arith::MulIOp>(loc, group, idx(in, count)));
    for (int64_t i = 0; i < count; ++i) {
      Value at = in.create<arith::AddIOp>(loc, first, idx(in, i));
      Line l{in.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, at,
                                      idx(in, extent)),
             base};
      delinearize(in, loc, at, dims, c.ranges, l.ivs);
      out.push_back(std::move(l));
    }
    return out;
  };
  SmallVector<Line> rows = linesAt(in, rowBase, thread.y, wm, c.m, c.rows);
  SmallVector<Line> cols = linesAt(in, colBase, thread.x, wn, c.n, c.cols);
  // The invocation's number in the workgroup.
  Value linear = in.create<arith::AddIOp>(
      loc, in.create<arith::MulIOp>(loc, thread.y, idx(in, tile)), thread.x);
  Value kIdx = idx(in, c.k);

  // The vector of `view` holding the operand's element at loop values
  // `ivs` and the next ones along its last index, when `inside`, else
  // zero.
  auto loadVector = [&](OpBuilder &b, OpOperand *operand, Value view,
                        ArrayRef<Value> ivs, Value inside) -> Value {
    auto type =
        cast<VectorType>(cast<MemRefType>(view.getType()).getElementType());
    auto guard = b.create<scf::IfOp>(loc, TypeRange{type}, inside,
                                     /*withElseRegion=*/true);
    OpBuilder then = guard.getThenBodyBuilder();
    SmallVector<Value> indices;
    for (AffineExpr r : op.getMatchingIndexingMap(operand).getResults())
      indices.push_back(affine::expandAffineExpr(then, loc, r, ivs, {}));
    indices.back() = then.create<arith::DivUIOp>(
        loc, indices.back(), idx(then, type.getNumElements()));
    then.create<scf::YieldOp>(
        loc, then.create<memref::LoadOp>(loc, view, indices).getResult());
    OpBuilder other = guard.getElseBodyBuilder();
    other.create<scf::YieldOp>(
        loc, other
                 .create<arith::ConstantOp>(
                     loc, type,
                     DenseElementsAttr::get(type, other.getFloatAttr(e, 0.0)))
                 .getResult());
    return guard.getResult(0);
  };
  // A vector of `elements` (vector.from_elements has no SPIR-V form in
  // MLIR 19), or the one element.
  auto vectorOf = [&](OpBuilder &b, ArrayRef<Value> elements) -> Value {
    Value value = elements[0];
    if (elements.size() == 1)
      return value;
    value = b.create<vector::BroadcastOp>(
        loc, VectorType::get({int64_t(elements.size())}, e), value);
    for (auto [i, element] : llvm::enumerate(elements))
      if (i > 0)
        value = b.create<vector::InsertOp>(loc, element, value,
                                           ArrayRef<int64_t>{int64_t(i)});
    return value;
  };

  // The operand's element at loop values `ivs` when `inside`, else zero.
  auto load = [&](OpBuilder &b, OpOperand *operand, ArrayRef<Value> ivs,
                  Value inside) -> Value {
    auto guard = b.create<scf::IfOp>(loc, TypeRange{e}, inside,
                                     /*withElseRegion=*/true);
    OpBuilder then = guard.getThenBodyBuilder();
    SmallVector<Value> indices;
    for (AffineExpr r : op.getMatchingIndexingMap(operand).getResults())
      indices.push_back(affine::expandAffineExpr(then, loc, r, ivs, {}));
    then.create<scf::YieldOp>(
        loc,
        then.create<memref::LoadOp>(loc, operand->get(), indices).getResult());
    OpBuilder other = guard.getElseBodyBuilder();
    other.create<scf::YieldOp>(loc, zero);
    return guard.getResult(0);
  };

  SmallVector<Value> inits(wm * wn, zero);
  auto tiles = in.create<scf::ForOp>(loc, zeroIdx, kIdx, idx(in, tile), inits);
  {
    OpBuilder lb = OpBuilder::atBlockBegin(tiles.getBody());
    Value k0 = tiles.getInductionVar();
    // Stages an operand's tile: this invocation's own lines (its rows of
    // a, with lane tx, or its columns of b, with lane ty) at reduction step
    // k0 + `lane`, as one vector at [lane][`group`].
    auto stage = [&](ArrayRef<Line> lines, Value lane, Value group,
                     OpOperand *operand, Value shared, Value view) {
      Value k = lb.create<arith::AddIOp>(loc, k0, lane);
      Value kIn =
          lb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, k, kIdx);
      SmallVector<Value> red(c.ranges.size());
      delinearize(lb, loc, k, c.red, c.ranges, red);
      auto at = [&](const Line &line) {
        SmallVector<Value> ivs = line.ivs;
        for (unsigned d : c.red)
          ivs[d] = red[d];
        return ivs;
      };
      Value value;
      if (view) {
        // The lines are consecutive elements: one vector load at the
        // first line's indices, the last one in vectors.
        value = loadVector(
            lb, operand, view, at(lines.front()),
            lb.create<arith::AndIOp>(loc, lines.front().inside, kIn));
      } else {
        SmallVector<Value> elements;
        for (const Line &line : lines)
          elements.push_back(
              load(lb, operand, at(line),
                   lb.create<arith::AndIOp>(loc, line.inside, kIn)));
        value = vectorOf(lb, elements);
      }
      lb.create<memref::StoreOp>(loc, value, shared, ValueRange{lane, group});
    };
    // Stages an operand's tile by steps: invocation `number` (of the
    // first T·T/count) loads, for the count lines of group
    // number / (T/count), count consecutive steps from
    // k0 + count·(number % (T/count)), one vector per line, and stores
    // them transposed: for each of those steps, the group's vector.
    auto stageSteps = [&](Value start, int64_t count, int64_t extent,
                          ArrayRef<unsigned> dims, OpOperand *operand,
                          Value shared, Value view, Value number) {
      int64_t per = tile / count;
      auto active = lb.create<scf::IfOp>(
          loc,
          lb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, number,
                                   idx(lb, tile * per)),
          /*withElseRegion=*/false);
      OpBuilder sb = active.getThenBodyBuilder();
      Value group = sb.create<arith::DivUIOp>(loc, number, idx(sb, per));
      Value step = sb.create<arith::MulIOp>(
          loc, sb.create<arith::RemUIOp>(loc, number, idx(sb, per)),
          idx(sb, count));
      Value k = sb.create<arith::AddIOp>(loc, k0, step);
      Value kIn =
          sb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, k, kIdx);
      SmallVector<Value> red(c.ranges.size());
      delinearize(sb, loc, k, c.red, c.ranges, red);
      SmallVector<Value> vectors;
      for (const Line &line : linesAt(sb, start, group, count, extent, dims)) {
        SmallVector<Value> ivs = line.ivs;
        for (unsigned d : c.red)
          ivs[d] = red[d];
        vectors.push_back(
            loadVector(sb, operand, view, ivs,
                       sb.create<arith::AndIOp>(loc, line.inside, kIn)));
      }
      for (int64_t s = 0; s < count; ++s) {
        SmallVector<Value> elements;
        for (Value v : vectors)
          elements.push_back(
              sb.create<vector::ExtractOp>(loc, v, ArrayRef<int64_t>{s}));
        sb.create<memref::StoreOp>(
            loc, vectorOf(sb, elements), shared,
            ValueRange{sb.create<arith::AddIOp>(loc, step, idx(sb, s)), group});
      }
    };
    if (readA == Read::Steps)
      stageSteps(rowBase, wm, c.m, c.rows, c.a, as, viewA, linear);
    else
      stage(rows, thread.x, thread.y, c.a, as, viewA);
    // (B's loads by steps from the other end of the workgroup, so that
    // they fall to other invocations than A's.)
    if (readB == Read::Steps)
      stageSteps(
          colBase, wn, c.n, c.cols, c.b, bs, viewB,
          lb.create<arith::SubIOp>(loc, idx(lb, tile * tile - 1), linear));
    else
      stage(cols, thread.y, thread.x, c.b, bs, viewB);
    lb.create<gpu::BarrierOp>(loc);
    auto inner = lb.create<scf::ForOp>(loc, idx(lb, 0), idx(lb, tile),
                                       idx(lb, 1), tiles.getRegionIterArgs());
    {
      OpBuilder ib = OpBuilder::atBlockBegin(inner.getBody());
      Value kk = inner.getInductionVar();
      // The elements of one vector load from workgroup memory.
      auto elementsAt = [&](Value shared, Value group, int64_t count) {
        Value v = ib.create<memref::LoadOp>(loc, shared, ValueRange{kk, group});
        SmallVector<Value> out;
        for (int64_t i = 0; i < count; ++i)
          out.push_back(count == 1 ? v
                                   : ib.create<vector::ExtractOp>(
                                           loc, v, ArrayRef<int64_t>{i})
                                         .getResult());
        return out;
      };
      SmallVector<Value> x = elementsAt(as, thread.y, wm);
      SmallVector<Value> y = elementsAt(bs, thread.x, wn);
      SmallVector<Value> sums;
      for (int64_t i = 0; i < wm; ++i)
        for (int64_t j = 0; j < wn; ++j)
          sums.push_back(ib.create<arith::AddFOp>(
              loc, inner.getRegionIterArgs()[i * wn + j],
              ib.create<arith::MulFOp>(loc, x[i], y[j])));
      ib.create<scf::YieldOp>(loc, sums);
    }
    lb.create<gpu::BarrierOp>(loc);
    lb.create<scf::YieldOp>(loc, inner.getResults());
  }
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (auto [i, r] : llvm::enumerate(rows))
    for (auto [j, col] : llvm::enumerate(cols)) {
      Value both = in.create<arith::AndIOp>(loc, r.inside, col.inside);
      auto store = in.create<scf::IfOp>(loc, both, /*withElseRegion=*/false);
      OpBuilder sb = store.getThenBodyBuilder();
      SmallVector<Value> ivs = r.ivs;
      for (unsigned d : c.cols)
        ivs[d] = col.ivs[d];
      SmallVector<Value> indices;
      for (AffineExpr res : outMap.getResults())
        indices.push_back(ivs[cast<AffineDimExpr>(res).getPosition()]);
      Value old = sb.create<memref::LoadOp>(loc, outBuf, indices);
      sb.create<memref::StoreOp>(
          loc,
          sb.create<arith::AddFOp>(loc, old,
                                   tiles.getResult(int64_t(i) * wn + j)),
          outBuf, indices);
    }
  in.create<gpu::TerminatorOp>(loc);
  op.erase();
}

struct GpuContract : public credo::impl::CredoGpuContractBase<GpuContract> {
  using Base::Base;
  void runOnOperation() override {
    if (tile < 1 || tile * tile > 1024) {
      getOperation().emitError("tile must be in [1, 32], not ") << tile;
      return signalPassFailure();
    }
    // Named convolutions as generics (the same computation), so that the
    // contraction below sees their loops and indexing maps.
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> named;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwcHwcfOp>(op))
        named.push_back(op);
      // Matrix products deep and wide enough for this kernel (the others
      // stay for credo-gpu-matmul's one output per invocation).
      if (auto mm = dyn_cast<linalg::MatmulOp>(op.getOperation())) {
        auto a = dyn_cast<MemRefType>(mm.getDpsInputs()[0].getType());
        auto c = dyn_cast<MemRefType>(mm.getDpsInits()[0].getType());
        if (mm.hasPureBufferSemantics() && a && c && a.hasStaticShape() &&
            c.hasStaticShape() && a.getDimSize(1) >= kMinDepth &&
            ((c.getDimSize(0) + tile - 1) / tile) *
                    ((c.getDimSize(1) + tile - 1) / tile) >=
                kMinGroups)
          named.push_back(op);
      }
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op))) {
        op.emitError("cannot write the product as a linalg.generic");
        return signalPassFailure();
      }
    }
    std::vector<std::pair<linalg::GenericOp, Contraction>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<Contraction> c = match(op, tile))
        found.emplace_back(op, *c);
    });
    for (auto &[op, c] : found)
      lower(op, c, tile, targetGroups);
  }
};

} // namespace
