// RUN: credo-opt %s --credo-cpu-pipeline | FileCheck %s --check-prefix=DNNL
// RUN: credo-opt %s --credo-cpu-pipeline="kernels=reference" | FileCheck %s --check-prefix=REF
// The whole CPU pipeline: parameters first, then inputs, then outputs, all
// as bare pointers; oneDNN kernel calls on the default path, loops only on
// the reference path.

credo.param @w : tensor<4x3xf32> init #credo.init<glorot_uniform, seed = 1>
credo.param @b : tensor<3xf32> init #credo.init<zeros>

func.func @forward(%x: tensor<2x4xf32>, %t: tensor<2xi32>) -> (tensor<2x3xf32>, tensor<f32>) {
  %w = credo.get_param @w : tensor<4x3xf32>
  %b = credo.get_param @b : tensor<3xf32>
  %h = credo.dense %x, %w, %b : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %r = credo.relu %h : tensor<2x3xf32>
  %l = credo.softmax_cross_entropy %r, %t : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
  return %r, %l : tensor<2x3xf32>, tensor<f32>
}

// DNNL-NOT: credo.
// DNNL-LABEL: llvm.func @forward
// DNNL-SAME: (%[[W:.+]]: !llvm.ptr {credo.param = "w"}, %[[B:.+]]: !llvm.ptr {credo.param = "b"}, %[[X:.+]]: !llvm.ptr, %[[T:.+]]: !llvm.ptr, %[[R:.+]]: !llvm.ptr, %[[L:.+]]: !llvm.ptr)
// The ReLU is fused into the dense kernel (last argument 1).
// DNNL: %[[RELU:.+]] = llvm.mlir.constant(1 : i64) : i64
// DNNL: llvm.call @credo_rt_dense_bias_f32({{.*}}, %[[RELU]])
// DNNL-NOT: credo_rt_relu_f32
// The loss has no kernel: it is a loop nest. Its exponential is glibc's
// arithmetic (credo-expand-exp: fused multiply-adds, a table) where libm's
// expf is that code (x86-64 with FMA and AVX2), else a call.
// DNNL: {{llvm.intr.fma|llvm.intr.exp}}
// Its small temporaries live on the stack (stack-temporaries.mlir has the
// rule), so nothing is allocated or freed.
// DNNL-NOT: _mlir_memref_to_llvm_alloc
// DNNL-NOT: _mlir_memref_to_llvm_free
// DNNL: llvm.return
// DNNL: llvm.func @credo_rt_dense_bias_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64)

// REF-LABEL: llvm.func @forward
// REF-NOT: credo_rt_
// REF: llvm.fmul
// REF: llvm.intr.maximum
// REF: llvm.return
