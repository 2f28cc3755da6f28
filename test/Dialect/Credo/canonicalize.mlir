// RUN: credo-opt %s -canonicalize -cse | FileCheck %s
// Folders and canonicalizations of credo ops.

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.+]]: tensor<4x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %zero = arith.constant dense<0.0> : tensor<4x3xf32>
  %one = arith.constant dense<1.0> : tensor<4x3xf32>
  %a = credo.add %x, %zero : tensor<4x3xf32>
  %b = credo.add %zero, %x : tensor<4x3xf32>
  %c = credo.sub %x, %zero : tensor<4x3xf32>
  %d = credo.mul %x, %one : tensor<4x3xf32>
  %e = credo.mul %one, %x : tensor<4x3xf32>
  %f = credo.reshape %x {shape = array<i64: 4, 3>} : tensor<4x3xf32> -> tensor<4x3xf32>
  %g = credo.transpose %x {perm = array<i64: 0, 1>} : tensor<4x3xf32> -> tensor<4x3xf32>
  return %a, %b, %c, %d, %e, %f, %g : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// Not identities: 0 − x, x · 0 (NaN · 0 is NaN), x + 1.
// CHECK-LABEL: func.func @kept
// CHECK: credo.sub
// CHECK: credo.mul
// CHECK: credo.add
func.func @kept(%x: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %zero = arith.constant dense<0.0> : tensor<4x3xf32>
  %one = arith.constant dense<1.0> : tensor<4x3xf32>
  %a = credo.sub %zero, %x : tensor<4x3xf32>
  %b = credo.mul %x, %zero : tensor<4x3xf32>
  %c = credo.add %x, %one : tensor<4x3xf32>
  return %a, %b, %c : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// A reshape of a reshape is one reshape; back to the start, none.
// CHECK-LABEL: func.func @reshapes
// CHECK-SAME: (%[[X:.+]]: tensor<4x3xf32>)
// CHECK-NEXT: %[[R:.+]] = credo.reshape %[[X]] {shape = array<i64: 2, 6>} : tensor<4x3xf32> -> tensor<2x6xf32>
// CHECK-NEXT: return %[[R]], %[[X]]
func.func @reshapes(%x: tensor<4x3xf32>) -> (tensor<2x6xf32>, tensor<4x3xf32>) {
  %a = credo.reshape %x {shape = array<i64: 12>} : tensor<4x3xf32> -> tensor<12xf32>
  %b = credo.reshape %a {shape = array<i64: 2, 6>} : tensor<12xf32> -> tensor<2x6xf32>
  %c = credo.reshape %b {shape = array<i64: 4, 3>} : tensor<2x6xf32> -> tensor<4x3xf32>
  return %b, %c : tensor<2x6xf32>, tensor<4x3xf32>
}

// Transposes compose: y[i] = x[p[q[i]]].
// CHECK-LABEL: func.func @transposes
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.+]] = credo.transpose %[[X]] {perm = array<i64: 2, 1, 0>} : tensor<2x3x4xf32> -> tensor<4x3x2xf32>
// CHECK-NEXT: return %[[T]], %[[X]]
func.func @transposes(%x: tensor<2x3x4xf32>) -> (tensor<4x3x2xf32>, tensor<2x3x4xf32>) {
  %a = credo.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %b = credo.transpose %a {perm = array<i64: 2, 0, 1>} : tensor<3x2x4xf32> -> tensor<4x3x2xf32>
  %c = credo.transpose %a {perm = array<i64: 1, 0, 2>} : tensor<3x2x4xf32> -> tensor<2x3x4xf32>
  return %b, %c : tensor<4x3x2xf32>, tensor<2x3x4xf32>
}

// Kernel calls on tensors are pure: identical ones merge, unused ones go.
// CHECK-LABEL: func.func @kernels
// CHECK-COUNT-1: credo.call_kernel
// CHECK-NOT: credo.call_kernel
func.func private @credo_rt_relu_f32(!llvm.ptr, !llvm.ptr, i64)
func.func @kernels(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %a = credo.call_kernel @credo_rt_relu_f32 ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) scalars [32] -> tensor<4x8xf32>
  %b = credo.call_kernel @credo_rt_relu_f32 ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) scalars [32] -> tensor<4x8xf32>
  %unused = credo.call_kernel @credo_rt_relu_f32 ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) scalars [32] -> tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}
