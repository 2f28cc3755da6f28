//===- RecordInPlace.cpp - Recorded values written where they are kept ----===//
//
// Implements credo-record-in-place. A time loop keeps each recorded value
// in a [steps, …] tensor that the loop carries; each step inserts its value
// at step t. The value is computed into a fresh tensor (a tensor.empty
// destination), so bufferization copies it into the record afterwards. This
// pass gives the producer the record's slice as its destination instead,
// so the value is computed where it is kept and the insertion becomes a
// no-op. The next value of a carried state (copied into the carried tensor
// at the end of the step) is likewise computed in the carried tensor, and
// a carried state that the loop records (the state before the step) is
// written into its record by the elementwise loop that reads it.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDORECORDINPLACE
#include "credo/Conversion/CredoToLinalg/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;

namespace {

/// Whether `insert` puts one whole step into its destination: offsets
/// (t, 0, …), sizes (1, full, …), unit strides, so the slice is contiguous.
bool insertsOneStep(tensor::InsertSliceOp insert) {
  RankedTensorType dest = insert.getDestType();
  if (dest.getRank() < 1 || !insert.hasUnitStride())
    return false;
  ArrayRef<int64_t> sizes = insert.getStaticSizes();
  ArrayRef<int64_t> offsets = insert.getStaticOffsets();
  if (sizes[0] != 1)
    return false;
  for (int64_t d = 1; d < dest.getRank(); ++d)
    if (ShapedType::isDynamic(sizes[d]) || sizes[d] != dest.getDimSize(d) ||
        offsets[d] != 0)
      return false;
  return true;
}

/// `value` reshaped to `type` by the inverse of `reshape`.
Value undoReshape(OpBuilder &b, Operation *reshape, Value value,
                  RankedTensorType type) {
  Location loc = reshape->getLoc();
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(reshape))
    return b.create<tensor::CollapseShapeOp>(loc, type, value,
                                             expand.getReassociationIndices());
  auto collapse = cast<tensor::CollapseShapeOp>(reshape);
  return b.create<tensor::ExpandShapeOp>(loc, type, value,
                                         collapse.getReassociationIndices());
}

/// The destination operand of the op in `block` that computes `value`, if
/// that op is destination-passing and its destination a tensor.empty (what
/// the op writes there does not depend on the destination's contents).
OpOperand *emptyDestination(Value value, Block *block) {
  auto result = dyn_cast<OpResult>(value);
  if (!result)
    return nullptr;
  auto producer = dyn_cast<DestinationStyleOpInterface>(result.getOwner());
  if (!producer || producer->getBlock() != block)
    return nullptr;
  OpOperand *init = producer.getTiedOpOperand(result);
  if (!init || !init->get().getDefiningOp<tensor::EmptyOp>())
    return nullptr;
  return init;
}

/// Gives the producer of what `insert` records the recorded slice as its
/// destination, if it writes into a tensor.empty (directly or through
/// reshapes) in the loop body.
void recordInPlace(tensor::InsertSliceOp insert, DominanceInfo &dominance) {
  // Reshapes between the producer and the insertion, nearest first.
  SmallVector<Operation *> reshapes;
  Value value = insert.getSource();
  while (Operation *def = value.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      break;
    // Undone with static shapes only (an expand_shape of dynamic sizes
    // would need them spelled out).
    if (!cast<RankedTensorType>(def->getOperandTypes()[0]).hasStaticShape())
      return;
    reshapes.push_back(def);
    value = def->getOperand(0);
  }
  OpOperand *init = emptyDestination(value, insert->getBlock());
  if (!init)
    return;
  Operation *producer = init->getOwner();
  // The step's position must be known where the producer runs.
  for (Value offset : insert.getOffsets())
    if (!dominance.properlyDominates(offset, producer))
      return;
  OpBuilder b(producer);
  Value slice = b.create<tensor::ExtractSliceOp>(
      insert.getLoc(), insert.getSourceType(), insert.getDest(),
      insert.getMixedOffsets(), insert.getMixedSizes(),
      insert.getMixedStrides());
  for (Operation *reshape : reshapes)
    slice = undoReshape(b, reshape, slice,
                        cast<RankedTensorType>(reshape->getOperandTypes()[0]));
  init->set(slice);
}

/// Records carried tensor `arg` (the state before the step) where the
/// step's elementwise generic reads it: that generic gets the record's slice
/// as one more output and yields `arg`'s element into it, so the state is
/// written into its record in the loop that reads it instead of copied
/// there by a loop of its own. The generic must read `arg` and write every
/// output with the identity map (all loops parallel).
void recordCarriedInPlace(tensor::InsertSliceOp insert, BlockArgument arg,
                          DominanceInfo &dominance) {
  auto type = cast<RankedTensorType>(arg.getType());
  if (insert.getSourceType() != type)
    return;
  linalg::GenericOp reader;
  int64_t input = -1;
  for (Operation *user : arg.getUsers()) {
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic || generic->getBlock() != insert->getBlock() ||
        generic.getNumLoops() != unsigned(type.getRank()) ||
        generic.getNumParallelLoops() != generic.getNumLoops() ||
        !llvm::all_of(generic.getDpsInitsMutable(), [&](OpOperand &init) {
          return generic.getMatchingIndexingMap(&init).isIdentity();
        }))
      continue;
    for (OpOperand *in : generic.getDpsInputOperands())
      if (in->get() == arg && generic.getMatchingIndexingMap(in).isIdentity())
        input = in->getOperandNumber();
    if (input >= 0) {
      reader = generic;
      break;
    }
  }
  if (!reader)
    return;
  for (Value offset : insert.getOffsets())
    if (!dominance.properlyDominates(offset, reader))
      return;
  OpBuilder b(reader);
  Location loc = reader.getLoc();
  Value slice = b.create<tensor::ExtractSliceOp>(
      insert.getLoc(), type, insert.getDest(), insert.getMixedOffsets(),
      insert.getMixedSizes(), insert.getMixedStrides());
  SmallVector<Value> outputs(reader.getOutputs());
  outputs.push_back(slice);
  SmallVector<AffineMap> maps = reader.getIndexingMapsArray();
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<Type> types(reader->getResultTypes());
  types.push_back(type);
  auto fused =
      b.create<linalg::GenericOp>(loc, types, reader.getInputs(), outputs, maps,
                                  reader.getIteratorTypesArray());
  fused.getRegion().takeBody(reader.getRegion());
  Block &body = fused.getRegion().front();
  body.addArgument(type.getElementType(), loc);
  Operation *yield = body.getTerminator();
  yield->insertOperands(yield->getNumOperands(), body.getArgument(input));
  reader->replaceAllUsesWith(fused->getResults().drop_back());
  reader.erase();
  insert.getSourceMutable().set(fused->getResults().back());
  if (insert->isBeforeInBlock(fused))
    insert->moveAfter(fused);
}

/// Gives the producer of the next value of carried tensor `arg` (copied into
/// it at the end of the step) `arg` as its destination, if it is a linalg op
/// writing into a tensor.empty in the loop body that reads `arg`, if at all,
/// element by element: updated in place, the copy is a self-copy that
/// canonicalization removes. (A kernel call is left as it is: its output
/// must be a dense buffer, which a state can be a strided view of, and it
/// would copy a state it also reads.) A reader of `arg` later in the step
/// makes bufferization keep a copy.
void carryInPlace(BlockArgument arg, linalg::CopyOp copy) {
  OpOperand *init = emptyDestination(copy.getInputs()[0], copy->getBlock());
  if (!init || init->get().getType() != arg.getType())
    return;
  auto producer = dyn_cast<linalg::LinalgOp>(init->getOwner());
  if (!producer)
    return;
  AffineMap written = producer.getMatchingIndexingMap(init);
  for (OpOperand *input : producer.getDpsInputOperands())
    if (input->get() == arg &&
        producer.getMatchingIndexingMap(input) != written)
      return;
  init->set(arg);
}

/// Orders the copies that end a step (each next state into its carried
/// tensor) so that a carried tensor is overwritten only after every copy
/// that reads its old value, as the time-loop lowering does; a next value
/// can become another state's old value only later, when canonicalization
/// folds the op between them (a scaling by 1). A cycle of such copies (a
/// swap) first copies one value aside.
void orderStateCopies(ArrayRef<linalg::CopyOp> copies, Operation *yield) {
  SmallVector<linalg::CopyOp> left(copies);
  Operation *first = nullptr;
  for (linalg::CopyOp copy : copies)
    if (!first || copy->isBeforeInBlock(first))
      first = copy;
  auto readByOther = [&](linalg::CopyOp copy) {
    Value dest = copy.getOutputs()[0];
    return llvm::any_of(left, [&](linalg::CopyOp other) {
      return other != copy && other.getInputs()[0] == dest;
    });
  };
  while (!left.empty()) {
    auto next = llvm::find_if(
        left, [&](linalg::CopyOp copy) { return !readByOther(copy); });
    if (next == left.end()) {
      linalg::CopyOp copy = left.front();
      OpBuilder b(first);
      Value value = copy.getInputs()[0];
      auto type = cast<RankedTensorType>(value.getType());
      Value aside = b.create<bufferization::AllocTensorOp>(copy.getLoc(), type,
                                                           ValueRange{});
      copy.getInputsMutable()[0].set(
          b.create<linalg::CopyOp>(copy.getLoc(), value, aside).getResult(0));
      continue;
    }
    (*next)->moveBefore(yield);
    left.erase(next);
  }
}

struct RecordInPlace
    : public mlir::credo::impl::CredoRecordInPlaceBase<RecordInPlace> {
  void runOnOperation() override {
    DominanceInfo &dominance = getAnalysis<DominanceInfo>();
    SmallVector<tensor::InsertSliceOp> inserts;
    SmallVector<std::pair<BlockArgument, linalg::CopyOp>> carried;
    getOperation().walk([&](scf::ForOp loop) {
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      SmallVector<linalg::CopyOp> stateCopies;
      for (auto [i, arg] : llvm::enumerate(loop.getRegionIterArgs())) {
        // Each carried tensor that starts undefined gets its own buffer:
        // after CSE such tensors start as one tensor.empty, and one-shot
        // bufferization could let them share it once slices are written
        // in place.
        OpOperand &init = loop.getInitArgsMutable()[i];
        if (auto empty = init.get().getDefiningOp<tensor::EmptyOp>()) {
          OpBuilder b(loop);
          init.set(b.create<bufferization::AllocTensorOp>(
              empty.getLoc(), empty.getType(), empty.getDynamicSizes()));
        }
        // A state: the next value is copied into the carried tensor.
        if (auto copy = yield.getOperand(i).getDefiningOp<linalg::CopyOp>();
            copy && copy.getOutputs()[0] == arg &&
            copy->getBlock() == loop.getBody()) {
          carried.emplace_back(arg, copy);
          stateCopies.push_back(copy);
          continue;
        }
        // A record: the carried tensor's one use inserts this step's
        // value, and the loop carries the result on.
        if (!arg.hasOneUse())
          continue;
        auto insert = dyn_cast<tensor::InsertSliceOp>(*arg.getUsers().begin());
        if (!insert || insert.getDest() != arg ||
            yield.getOperand(i) != insert.getResult() ||
            insert->getBlock() != loop.getBody() || !insertsOneStep(insert))
          continue;
        inserts.push_back(insert);
      }
      orderStateCopies(stateCopies, yield);
    });
    for (tensor::InsertSliceOp insert : inserts) {
      auto arg = dyn_cast<BlockArgument>(insert.getSource());
      if (arg && arg.getOwner() == insert->getBlock() && arg.getArgNumber() > 0)
        recordCarriedInPlace(insert, arg, dominance);
      else
        recordInPlace(insert, dominance);
    }
    for (auto [arg, copy] : carried)
      carryInPlace(arg, copy);
  }
};

} // namespace
