// RUN: credo-opt %s --credo-spike-majority | FileCheck %s
// A dense layer of Poisson spikes in a loop becomes the product of the
// residual spikes plus that of the majority, computed once before the loop
// (same stream, rate scale and step). Spikes with another use stay for it.

func.func @forward(%x: tensor<4x8xf32>, %g: tensor<2xi64>, %w: tensor<8x16xf32>, %b: tensor<16xf32>, %h0: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %h = credo.time_loop steps 5 iter_args(%h0 : tensor<4x16xf32>) -> (tensor<4x16xf32>) {
  ^bb0(%t: index, %c: tensor<4x16xf32>):
    %s = credo.poisson_encode %x, %g step %t {rate_scale = 2.0 : f64, stream = 3 : i64} : tensor<4x8xf32>, tensor<2xi64>
    %a = credo.dense %s, %w, %b : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
    %h1 = credo.add %a, %c : tensor<4x16xf32>
    credo.yield %h1 : tensor<4x16xf32>
  }
  return %h : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>, %[[G:.+]]: tensor<2xi64>, %[[W:.+]]: tensor<8x16xf32>, %[[B:.+]]: tensor<16xf32>, %[[H0:.+]]: tensor<4x16xf32>)
// CHECK: %[[M:.+]] = credo.poisson_encode %[[X]], %[[G]] {part = "majority", rate_scale = 2.000000e+00 : f64, stream = 3 : i64}
// CHECK-NEXT: %[[MW:.+]] = credo.dense %[[M]], %[[W]] : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: credo.time_loop steps 5
// CHECK-NEXT: ^bb0(%[[T:.+]]: index, %[[C:.+]]: tensor<4x16xf32>):
// CHECK-NEXT: %[[R:.+]] = credo.poisson_encode %[[X]], %[[G]] step %[[T]] {part = "residual", rate_scale = 2.000000e+00 : f64, stream = 3 : i64}
// CHECK-NEXT: %[[RW:.+]] = credo.dense %[[R]], %[[W]], %[[B]]
// CHECK-NEXT: %[[A:.+]] = credo.add %[[RW]], %[[MW]]
// CHECK-NEXT: credo.add %[[A]], %[[C]]
// CHECK-NOT: part = "spikes"

func.func @other_use(%x: tensor<4x8xf32>, %g: tensor<2xi64>, %w: tensor<8x16xf32>, %h0: tensor<4x16xf32>, %n0: tensor<4x8xf32>) -> (tensor<4x16xf32>, tensor<4x8xf32>) {
  %h:2 = credo.time_loop steps 5 iter_args(%h0, %n0 : tensor<4x16xf32>, tensor<4x8xf32>) -> (tensor<4x16xf32>, tensor<4x8xf32>) {
  ^bb0(%t: index, %c: tensor<4x16xf32>, %n: tensor<4x8xf32>):
    %s = credo.poisson_encode %x, %g step %t {stream = 1 : i64} : tensor<4x8xf32>, tensor<2xi64>
    %a = credo.dense %s, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %n1 = credo.add %n, %s : tensor<4x8xf32>
    credo.yield %a, %n1 : tensor<4x16xf32>, tensor<4x8xf32>
  }
  return %h#0, %h#1 : tensor<4x16xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @other_use
// CHECK: part = "majority"
// CHECK: credo.time_loop
// CHECK: %[[S:.+]] = credo.poisson_encode {{.*}} {stream = 1 : i64}
// CHECK: part = "residual"
// CHECK: credo.add %{{.+}}, %[[S]]

// Left alone: a loop of fewer than 4 steps, a reverse loop, intensities
// computed in the loop, and a weight computed in the loop.
func.func @kept(%x: tensor<4x8xf32>, %g: tensor<2xi64>, %w: tensor<8x16xf32>, %h0: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %a = credo.time_loop steps 3 iter_args(%h0 : tensor<4x16xf32>) -> (tensor<4x16xf32>) {
  ^bb0(%t: index, %c: tensor<4x16xf32>):
    %s = credo.poisson_encode %x, %g step %t : tensor<4x8xf32>, tensor<2xi64>
    %d = credo.dense %s, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    credo.yield %d : tensor<4x16xf32>
  }
  %b = credo.time_loop steps 5 reverse iter_args(%h0 : tensor<4x16xf32>) -> (tensor<4x16xf32>) {
  ^bb0(%t: index, %c: tensor<4x16xf32>):
    %s = credo.poisson_encode %x, %g step %t : tensor<4x8xf32>, tensor<2xi64>
    %d = credo.dense %s, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    credo.yield %d : tensor<4x16xf32>
  }
  %c = credo.time_loop steps 5 iter_args(%h0 : tensor<4x16xf32>) -> (tensor<4x16xf32>) {
  ^bb0(%t: index, %c0: tensor<4x16xf32>):
    %y = credo.tanh %x : tensor<4x8xf32>
    %s = credo.poisson_encode %y, %g step %t : tensor<4x8xf32>, tensor<2xi64>
    %d = credo.dense %s, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    credo.yield %d : tensor<4x16xf32>
  }
  %e = credo.time_loop steps 5 iter_args(%h0 : tensor<4x16xf32>) -> (tensor<4x16xf32>) {
  ^bb0(%t: index, %c0: tensor<4x16xf32>):
    %v = credo.tanh %w : tensor<8x16xf32>
    %s = credo.poisson_encode %x, %g step %t : tensor<4x8xf32>, tensor<2xi64>
    %d = credo.dense %s, %v : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    credo.yield %d : tensor<4x16xf32>
  }
  return %a, %b, %c, %e : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}

// CHECK-LABEL: func.func @kept
// CHECK-NOT: part =
// CHECK: return
