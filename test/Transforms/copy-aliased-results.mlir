// RUN: credo-opt %s --credo-copy-aliased-results | FileCheck %s
// A result that is an argument, or a value returned again, becomes a copy;
// a value returned once stays as it is.

// CHECK-LABEL: func.func @arguments
// CHECK-SAME: (%[[W:.+]]: tensor<3x2xf32>, %[[X:.+]]: tensor<2x3xf32>)
func.func @arguments(%w: tensor<3x2xf32>, %x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>) {
  // CHECK: %[[CX:.+]] = bufferization.alloc_tensor() copy(%[[X]]) : tensor<2x3xf32>
  // CHECK: %[[CW:.+]] = bufferization.alloc_tensor() copy(%[[W]]) : tensor<3x2xf32>
  // CHECK: return %[[CX]], %[[CW]]
  return %x, %w : tensor<2x3xf32>, tensor<3x2xf32>
}

// CHECK-LABEL: func.func @twice
func.func @twice(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK: %[[Y:.+]] = credo.relu
  %y = credo.relu %x : tensor<2x3xf32>
  // CHECK: %[[C1:.+]] = bufferization.alloc_tensor() copy(%[[Y]])
  // CHECK: %[[C2:.+]] = bufferization.alloc_tensor() copy(%[[Y]])
  // CHECK: return %[[Y]], %[[C1]], %[[C2]]
  return %y, %y, %y : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @unique
func.func @unique(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK-NOT: alloc_tensor
  %y = credo.relu %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
