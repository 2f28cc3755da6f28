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
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using mlir::credo::CallKernelOp;

namespace {

/// The address of `buffer`'s first element as an !llvm.ptr. Kernels take
/// bare pointers whatever the shape, so one declaration serves all shapes.
Value bufferAddress(RewriterBase &rewriter, Location loc, Value buffer) {
  Value index =
      rewriter.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
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
      if (!cast<MemRefType>(buffer->getType()).getLayout().isIdentity())
        return op->emitError("credo.call_kernel needs identity-layout buffers "
                             "(bufferize with identity-layout-map)");
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
