// RUN: credo-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s
// credo.call_kernel bufferizes to a func.call on the buffers' addresses
// followed by its scalars; the result is the written `outs` buffer.

func.func private @credo_rt_relu_f32(!llvm.ptr, !llvm.ptr, i64)

// CHECK-LABEL: func.func @relu
// CHECK-SAME: (%[[X:.+]]: memref<4x8xf32>) -> memref<4x8xf32>
func.func @relu(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK: %[[OUT:.+]] = memref.alloc() {{.*}}: memref<4x8xf32>
  // CHECK: %[[XI:.+]] = memref.extract_aligned_pointer_as_index %[[X]]
  // CHECK: %[[XP:.+]] = llvm.inttoptr %{{.+}} : i64 to !llvm.ptr
  // CHECK: %[[OI:.+]] = memref.extract_aligned_pointer_as_index %[[OUT]]
  // CHECK: %[[OP:.+]] = llvm.inttoptr %{{.+}} : i64 to !llvm.ptr
  // CHECK: %[[N:.+]] = arith.constant 32 : i64
  // CHECK: call @credo_rt_relu_f32(%[[XP]], %[[OP]], %[[N]])
  // CHECK: return %[[OUT]]
  %e = tensor.empty() : tensor<4x8xf32>
  %y = credo.call_kernel @credo_rt_relu_f32 ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) scalars [32] -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
