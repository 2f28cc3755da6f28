//===- Passes.td - credo → oneDNN kernel calls -------------*- tablegen -*-===//
//
// The CPU fast path: credo ops with a oneDNN kernel become calls to it.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_CONVERSION_CREDOTODNNL_PASSES_TD
#define CREDO_CONVERSION_CREDOTODNNL_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertCredoToDnnl : Pass<"convert-credo-to-dnnl", "::mlir::ModuleOp"> {
  let summary = "lower f32 dense, conv2d, pooling, softmax and activations to oneDNN kernel calls";
  let description = [{
    Rewrites each f32 `credo.dense`, `credo.matmul`, `credo.conv2d`, `credo.max_pool2d`,
    `credo.avg_pool2d`, `credo.softmax`, `credo.relu`, `credo.sigmoid`,
    `credo.tanh` and `credo.softplus` into a `credo.call_kernel` of the
    runtime's oneDNN kernel (see runtime/include/credo/kernels.h) writing
    into a fresh `tensor.empty`, and declares the kernels it uses. A
    `credo.relu` whose input is a dense or conv2d layer with no other use is
    fused into that layer's kernel as a oneDNN post-op; a `credo.add` of a
    dense layer (no other use) and a value of the sum's type becomes one
    `credo_rt_dense[_bias]_add_f32` call, and one of a `credo.matmul`
    (no other use) and an accumulator one `credo_rt_matmul_acc_f32` call.

    Convolution and pooling gradients become kernel calls too
    (`conv2d_grad_input`, `conv2d_grad_weight` together with a bias-gradient
    `reduce_sum` over dims 0, 2, 3 of the same output gradient, and
    `max_pool2d_grad` of images with channel blocks, fused with a following
    `relu_grad` at the same input). Images whose channel count is a multiple
    of 8 are passed channel-blocked (`tensor<B x C/8 x H x W x 8>`, oneDNN's
    nChw8c, made by `tensor.pack`); packs of unpacked values fold, blocked
    images flow through elementwise ops, and the conversions left become
    `credo_rt_to_blocked_f32` / `credo_rt_from_blocked_f32` calls. Other ops
    (f64 ops, losses, shape and arithmetic ops) are left for
    `convert-credo-to-linalg`.

    Before:
    ```mlir
    %y = credo.relu %x : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %e = tensor.empty() : tensor<4x8xf32>
    %y = credo.call_kernel @credo_rt_relu_f32 ins(%x : tensor<4x8xf32>)
           outs(%e : tensor<4x8xf32>) scalars [32] -> tensor<4x8xf32>
    func.func private @credo_rt_relu_f32(!llvm.ptr, !llvm.ptr, i64)
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::linalg::LinalgDialect"];
}

#endif // CREDO_CONVERSION_CREDOTODNNL_PASSES_TD
