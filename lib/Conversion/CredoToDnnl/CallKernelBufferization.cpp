//===- CallKernelBufferization.cpp - Bufferize credo.call_kernel -*- C++
//-*-===//
//
// credo.call_kernel is destination-passing: its `outs` are written in place.
// After bufferization it is a func.call of the kernel on the buffers'
// addresses (identity layouts, so the aligned pointer is the first element)
// followed by the i64 scalars. The buffers stay live until the end of their
// block, where buffer deallocation frees them, so the call is safe.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToDnnl/CredoToDnnl.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using mlir::credo::CallKernelOp;

namespace {

/// The address of `buffer`'s first element as an !llvm.ptr. Kernels take
/// bare pointers whatever the shape, so one declaration serves all shapes.
/// A contiguous view with an offset (one step of a time-major sequence)
/// adds the offset.
Value bufferAddress(RewriterBase &rewriter, Location loc, Value buffer) {
  Value index =
      rewriter.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
  auto type = cast<MemRefType>(buffer.getType());
  if (!type.getLayout().isIdentity()) {
    auto metadata =
        rewriter.create<memref::ExtractStridedMetadataOp>(loc, buffer);
    Value bytes = rewriter.create<arith::MulIOp>(
        loc, metadata.getOffset(),
        rewriter.create<arith::ConstantIndexOp>(
            loc, type.getElementTypeBitWidth() / 8));
    index = rewriter.create<arith::AddIOp>(loc, index, bytes);
  }
  Value i64 =
      rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), index);
  return rewriter.create<LLVM::IntToPtrOp>(
      loc, LLVM::LLVMPointerType::get(rewriter.getContext()), i64);
}

struct CallKernelBufferization
    : public DstBufferizableOpInterfaceExternalModel<CallKernelBufferization,
                                                     CallKernelOp> {
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options) const {
    auto call = cast<CallKernelOp>(op);
    Location loc = op->getLoc();
    SmallVector<Value> args, outBuffers;
    for (OpOperand &operand : op->getOpOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand.get(), options);
      if (failed(buffer))
        return failure();
      auto type = cast<MemRefType>(buffer->getType());
      if (!type.getLayout().isIdentity() &&
          !memref::isStaticShapeAndContiguousRowMajor(type)) {
        // A strided view (one step of a batch-major sequence): kernels
        // read dense rows, so an input is copied into a dense buffer.
        if (call.isDpsInit(&operand))
          return op->emitError("credo.call_kernel writes a dense buffer, "
                               "but its output is the strided view ")
                 << type;
        auto dense = MemRefType::get(type.getShape(), type.getElementType());
        FailureOr<Value> copy =
            options.createAlloc(rewriter, loc, dense, ValueRange{});
        if (failed(copy) ||
            failed(options.createMemCpy(rewriter, loc, *buffer, *copy)))
          return failure();
        buffer = copy;
      }
      if (call.isDpsInit(&operand))
        outBuffers.push_back(*buffer);
      args.push_back(bufferAddress(rewriter, loc, *buffer));
    }
    for (int64_t s : call.getScalars())
      args.push_back(rewriter.create<arith::ConstantIntOp>(loc, s, 64));
    rewriter.create<func::CallOp>(loc, call.getKernel(), TypeRange{}, args);
    replaceOpWithBufferizedValues(rewriter, op, outBuffers);
    return success();
  }
};

} // namespace

void mlir::credo::registerCallKernelBufferization(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, mlir::credo::CredoDialect *) {
    CallKernelOp::attachInterface<CallKernelBufferization>(*ctx);
  });
}
