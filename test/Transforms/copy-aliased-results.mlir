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

// After bufferization: an argument updated in place and returned (a state
// of a one-step time loop) becomes a buffer of its own, which
// buffer-results-to-out-params then replaces by the caller's output.
// CHECK-LABEL: func.func @state
// CHECK-SAME: (%[[S:.+]]: memref<2x3xf32>, %[[Y:.+]]: memref<2x3xf32>)
func.func @state(%s: memref<2x3xf32>, %y: memref<2x3xf32>) -> (memref<2x3xf32>, memref<2x3xf32>) {
  // CHECK: linalg.copy ins(%[[Y]] : memref<2x3xf32>) outs(%[[S]] : memref<2x3xf32>)
  linalg.copy ins(%y : memref<2x3xf32>) outs(%s : memref<2x3xf32>)
  // CHECK: %[[C:.+]] = memref.alloc() : memref<2x3xf32>
  // CHECK: linalg.copy ins(%[[S]] : memref<2x3xf32>) outs(%[[C]] : memref<2x3xf32>)
  // CHECK: %[[Z:.+]] = memref.alloc() : memref<2x3xf32>
  // CHECK: linalg.copy ins(%[[S]] : memref<2x3xf32>) outs(%[[Z]] : memref<2x3xf32>)
  // CHECK: return %[[C]], %[[Z]]
  return %s, %s : memref<2x3xf32>, memref<2x3xf32>
}
