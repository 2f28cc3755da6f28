// RUN: credo-opt %s --credo-batch-over-time | FileCheck %s
// The input projection of an RNN leaves the loop as one product over all
// 28 steps ([28·128, 28] × [28, 64]); the recurrent product, which reads
// the carried state, stays. A dense whose weight comes from inside the loop
// stays too.

func.func @forward(%x: tensor<128x28x28xf32>, %wx: tensor<28x64xf32>, %b: tensor<64xf32>, %wh: tensor<64x64xf32>, %h0: tensor<128x64xf32>) -> tensor<128x64xf32> {
  %h = credo.time_loop steps 28 iter_args(%h0 : tensor<128x64xf32>) -> (tensor<128x64xf32>) {
  ^bb0(%t: index, %c: tensor<128x64xf32>):
    %xt = credo.time_slice %x[%t] {axis = 1 : i64} : tensor<128x28x28xf32> -> tensor<128x28xf32>
    %a = credo.dense %xt, %wx, %b : (tensor<128x28xf32>, tensor<28x64xf32>, tensor<64xf32>) -> tensor<128x64xf32>
    %r = credo.dense %c, %wh : (tensor<128x64xf32>, tensor<64x64xf32>) -> tensor<128x64xf32>
    %w2 = credo.tanh %wh : tensor<64x64xf32>
    %r2 = credo.dense %a, %w2 : (tensor<128x64xf32>, tensor<64x64xf32>) -> tensor<128x64xf32>
    %s = credo.add %r, %r2 : tensor<128x64xf32>
    %h1 = credo.tanh %s : tensor<128x64xf32>
    credo.yield %h1 : tensor<128x64xf32>
  }
  return %h : tensor<128x64xf32>
}

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.+]]: tensor<128x28x28xf32>, %[[WX:.+]]: tensor<28x64xf32>, %[[B:.+]]: tensor<64xf32>, %[[WH:.+]]: tensor<64x64xf32>, %[[H0:.+]]: tensor<128x64xf32>)
// CHECK: %[[XT:.+]] = credo.transpose %[[X]] {perm = array<i64: 1, 0, 2>} : tensor<128x28x28xf32> -> tensor<28x128x28xf32>
// CHECK: %[[FLAT:.+]] = credo.reshape %[[XT]] {shape = array<i64: 3584, 28>} : tensor<28x128x28xf32> -> tensor<3584x28xf32>
// CHECK: %[[ALL:.+]] = credo.dense %[[FLAT]], %[[WX]], %[[B]] : (tensor<3584x28xf32>, tensor<28x64xf32>, tensor<64xf32>) -> tensor<3584x64xf32>
// CHECK: %[[AS:.+]] = credo.reshape %[[ALL]] {shape = array<i64: 28, 128, 64>} : tensor<3584x64xf32> -> tensor<28x128x64xf32>
// CHECK: credo.time_loop steps 28
// CHECK-NEXT: ^bb0(%[[T:.+]]: index, %[[C:.+]]: tensor<128x64xf32>):
// CHECK-NEXT: %[[A:.+]] = credo.time_slice %[[AS]][%[[T]]] : tensor<28x128x64xf32> -> tensor<128x64xf32>
// CHECK-NOT: credo.time_slice
// CHECK-NEXT: credo.dense %[[C]], %[[WH]]
// CHECK-NEXT: %[[W2:.+]] = credo.tanh %[[WH]]
// CHECK-NEXT: credo.dense %[[A]], %[[W2]]

// A reverse loop is left alone.
// CHECK-LABEL: func.func @reverse
// CHECK: credo.time_loop steps 3 reverse
// CHECK-NEXT: ^bb0
// CHECK-NEXT: credo.time_slice
// CHECK-NEXT: credo.dense
func.func @reverse(%x: tensor<3x4x5xf32>, %w: tensor<5x5xf32>, %h0: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %h = credo.time_loop steps 3 reverse iter_args(%h0 : tensor<4x5xf32>) -> (tensor<4x5xf32>) {
  ^bb0(%t: index, %c: tensor<4x5xf32>):
    %xt = credo.time_slice %x[%t] : tensor<3x4x5xf32> -> tensor<4x5xf32>
    %a = credo.dense %xt, %w : (tensor<4x5xf32>, tensor<5x5xf32>) -> tensor<4x5xf32>
    %s = credo.add %a, %c : tensor<4x5xf32>
    credo.yield %s : tensor<4x5xf32>
  }
  return %h : tensor<4x5xf32>
}
