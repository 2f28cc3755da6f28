// RUN: credo-opt %s --credo-cpu-pipeline | FileCheck %s
// RUN: credo-opt %s --credo-cpu-pipeline="kernels=reference" | FileCheck %s
// On the CPU a temporary buffer lives on the stack when it is statically
// shaped, at most 4 KiB and allocated in a function's body; larger ones and
// those allocated inside a loop (each iteration would take new stack) come
// from the runtime's allocator and go back to it.

// CHECK-LABEL: llvm.func @forward
// The 2x3 product (24 bytes) is a stack slot.
// CHECK: llvm.alloca %{{.*}} x f32
// The 64x32 product (8 KiB) and the 4x5 product computed at every step
// of the time loop come from the allocator and go back to it.
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: llvm.cond_br
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: llvm.call @_mlir_memref_to_llvm_free
// CHECK: llvm.return
func.func @forward(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>,
                   %big: tensor<64x16xf32>, %wb: tensor<16x32xf32>,
                   %seq: tensor<4x3x2xf32>, %wx: tensor<2x5xf32>,
                   %h0: tensor<4x5xf32>)
    -> (tensor<2xf32>, tensor<64xf32>, tensor<4x5xf32>) {
  %small = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %s = credo.reduce_sum %small {dims = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
  %large = credo.dense %big, %wb : (tensor<64x16xf32>, tensor<16x32xf32>) -> tensor<64x32xf32>
  %l = credo.reduce_sum %large {dims = array<i64: 1>} : tensor<64x32xf32> -> tensor<64xf32>
  %hT = credo.time_loop steps 3 iter_args(%h0 : tensor<4x5xf32>) -> (tensor<4x5xf32>) {
  ^bb0(%t: index, %h: tensor<4x5xf32>):
    %xt = credo.time_slice %seq[%t] {axis = 1 : i64} : tensor<4x3x2xf32> -> tensor<4x2xf32>
    %a = credo.dense %xt, %wx : (tensor<4x2xf32>, tensor<2x5xf32>) -> tensor<4x5xf32>
    %n = credo.tanh %a : tensor<4x5xf32>
    %m = credo.add %n, %h : tensor<4x5xf32>
    credo.yield %m : tensor<4x5xf32>
  }
  return %s, %l, %hT : tensor<2xf32>, tensor<64xf32>, tensor<4x5xf32>
}
