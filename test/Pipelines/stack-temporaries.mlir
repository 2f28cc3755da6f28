// RUN: credo-opt %s --split-input-file --credo-cpu-pipeline | FileCheck %s
// RUN: credo-opt %s --split-input-file --credo-cpu-pipeline="kernels=reference" | FileCheck %s
// On the CPU a temporary buffer lives on the stack when it is statically
// shaped, at most 4 KiB and allocated in a function's body; larger ones and
// those allocated inside a loop (each iteration would take new stack) come
// from the runtime's allocator and go back to it.

// CHECK-LABEL: llvm.func @forward
// The 2x3 product (24 bytes) is a stack slot.
// CHECK: llvm.alloca %{{.*}} x f32
// The 64x32 product (8 KiB) and the 4x5 product computed at every step
// of the time loop (from the carried state) come from the allocator, 64-byte
// aligned by the allocator itself (the code uses the pointer as it comes, so
// LLVM sees fresh memory), and go back to it.
// CHECK: llvm.call @_mlir_memref_to_llvm_aligned_alloc
// CHECK: llvm.cond_br
// CHECK: llvm.call @_mlir_memref_to_llvm_aligned_alloc
// CHECK: llvm.call @_mlir_memref_to_llvm_free
// CHECK: llvm.return
func.func @forward(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>,
                   %big: tensor<64x16xf32>, %wb: tensor<16x32xf32>,
                   %wh: tensor<5x5xf32>, %h0: tensor<4x5xf32>)
    -> (tensor<2xf32>, tensor<64xf32>, tensor<4x5xf32>) {
  %small = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %s = credo.reduce_sum %small {dims = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
  %large = credo.dense %big, %wb : (tensor<64x16xf32>, tensor<16x32xf32>) -> tensor<64x32xf32>
  %l = credo.reduce_sum %large {dims = array<i64: 1>} : tensor<64x32xf32> -> tensor<64xf32>
  %hT = credo.time_loop steps 3 iter_args(%h0 : tensor<4x5xf32>) -> (tensor<4x5xf32>) {
  ^bb0(%t: index, %h: tensor<4x5xf32>):
    %a = credo.dense %h, %wh : (tensor<4x5xf32>, tensor<5x5xf32>) -> tensor<4x5xf32>
    %n = credo.tanh %a : tensor<4x5xf32>
    %m = credo.add %n, %h : tensor<4x5xf32>
    credo.yield %m : tensor<4x5xf32>
  }
  return %s, %l, %hT : tensor<2xf32>, tensor<64xf32>, tensor<4x5xf32>
}



// -----

// At most 64 KiB of one function's temporaries live on the stack: of
// seventeen 4 KiB products that are live together (an eighteenth is
// written into the result), sixteen are stack slots and the last comes
// from the allocator. (Their elementwise products keep them apart: a sum
// of a product would be computed in the product's call.)
// CHECK-LABEL: llvm.func @budget
// CHECK-COUNT-16: llvm.alloca %{{.*}} x f32
// CHECK-NOT: llvm.alloca
// CHECK: llvm.call @_mlir_memref_to_llvm_aligned_alloc
// CHECK-NOT: llvm.alloca
// CHECK: llvm.call @_mlir_memref_to_llvm_free
// CHECK: llvm.return
func.func @budget(%x: tensor<32x32xf32>, %w0: tensor<32x32xf32>, %w1: tensor<32x32xf32>, %w2: tensor<32x32xf32>, %w3: tensor<32x32xf32>, %w4: tensor<32x32xf32>, %w5: tensor<32x32xf32>, %w6: tensor<32x32xf32>, %w7: tensor<32x32xf32>, %w8: tensor<32x32xf32>, %w9: tensor<32x32xf32>, %w10: tensor<32x32xf32>, %w11: tensor<32x32xf32>, %w12: tensor<32x32xf32>, %w13: tensor<32x32xf32>, %w14: tensor<32x32xf32>, %w15: tensor<32x32xf32>, %w16: tensor<32x32xf32>, %w17: tensor<32x32xf32>) -> tensor<32x32xf32> {
  %d0 = credo.dense %x, %w0 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d1 = credo.dense %x, %w1 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d2 = credo.dense %x, %w2 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d3 = credo.dense %x, %w3 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d4 = credo.dense %x, %w4 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d5 = credo.dense %x, %w5 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d6 = credo.dense %x, %w6 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d7 = credo.dense %x, %w7 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d8 = credo.dense %x, %w8 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d9 = credo.dense %x, %w9 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d10 = credo.dense %x, %w10 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d11 = credo.dense %x, %w11 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d12 = credo.dense %x, %w12 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d13 = credo.dense %x, %w13 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d14 = credo.dense %x, %w14 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d15 = credo.dense %x, %w15 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d16 = credo.dense %x, %w16 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %d17 = credo.dense %x, %w17 : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %a1 = credo.mul %d0, %d1 : tensor<32x32xf32>
  %a2 = credo.mul %a1, %d2 : tensor<32x32xf32>
  %a3 = credo.mul %a2, %d3 : tensor<32x32xf32>
  %a4 = credo.mul %a3, %d4 : tensor<32x32xf32>
  %a5 = credo.mul %a4, %d5 : tensor<32x32xf32>
  %a6 = credo.mul %a5, %d6 : tensor<32x32xf32>
  %a7 = credo.mul %a6, %d7 : tensor<32x32xf32>
  %a8 = credo.mul %a7, %d8 : tensor<32x32xf32>
  %a9 = credo.mul %a8, %d9 : tensor<32x32xf32>
  %a10 = credo.mul %a9, %d10 : tensor<32x32xf32>
  %a11 = credo.mul %a10, %d11 : tensor<32x32xf32>
  %a12 = credo.mul %a11, %d12 : tensor<32x32xf32>
  %a13 = credo.mul %a12, %d13 : tensor<32x32xf32>
  %a14 = credo.mul %a13, %d14 : tensor<32x32xf32>
  %a15 = credo.mul %a14, %d15 : tensor<32x32xf32>
  %a16 = credo.mul %a15, %d16 : tensor<32x32xf32>
  %a17 = credo.mul %a16, %d17 : tensor<32x32xf32>
  return %a17 : tensor<32x32xf32>
}
