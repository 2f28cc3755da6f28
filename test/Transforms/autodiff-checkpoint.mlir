// RUN: credo-opt %s --credo-autodiff="time-memory=checkpoint:2" | FileCheck %s
// RUN: credo-opt %s --credo-autodiff="time-memory=checkpoint" | FileCheck %s
// RUN: not credo-opt %s --credo-autodiff="time-memory=checkpoint:3" 2>&1 | FileCheck %s --check-prefix=BADK
// Backpropagation through time keeping the state every K steps: the loop of
// 4 steps becomes 2 segments of 2 (K = 2 given, or the divisor of 4 nearest
// its square root). The sequence is viewed as [segments, K, ...]; the outer
// loop records the state entering each segment, the inner loop the step
// values of its segment. The reverse loop over segments recomputes one
// segment from its state (storing its step values) and sweeps it backwards.

module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @wx : tensor<2x5xf32> init #credo.init<glorot_uniform, seed = 1>
  credo.param @wh : tensor<5x5xf32> init #credo.init<glorot_uniform, seed = 2>
  credo.param @h0 : tensor<3x5xf32> init #credo.init<zeros>

  func.func @forward(%xs: tensor<4x3x2xf32> {credo.name = "xs"}, %t: tensor<3xi32> {credo.name = "t"}) -> (tensor<f32> {credo.name = "loss"}) {
    %wx = credo.get_param @wx : tensor<2x5xf32>
    %wh = credo.get_param @wh : tensor<5x5xf32>
    %h0 = credo.get_param @h0 : tensor<3x5xf32>
    %hT, %hs = credo.time_loop steps 4 iter_args(%h0 : tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<4x3x5xf32>) {
    ^bb0(%step: index, %h: tensor<3x5xf32>):
      %xt = credo.time_slice %xs[%step] : tensor<4x3x2xf32> -> tensor<3x2xf32>
      %a = credo.dense %xt, %wx : (tensor<3x2xf32>, tensor<2x5xf32>) -> tensor<3x5xf32>
      %r = credo.dense %h, %wh : (tensor<3x5xf32>, tensor<5x5xf32>) -> tensor<3x5xf32>
      %s = credo.add %a, %r : tensor<3x5xf32>
      %h1 = credo.tanh %s : tensor<3x5xf32>
      credo.yield %h1 : tensor<3x5xf32> record %h1 : tensor<3x5xf32>
    }
    %l = credo.softmax_cross_entropy %hT, %t : tensor<3x5xf32>, tensor<3xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @gradients
// CHECK: %[[WH:.+]] = credo.get_param @wh
// CHECK: %[[H0:.+]] = credo.get_param @h0
// CHECK: %[[XS:.+]] = credo.reshape %{{.+}} {shape = array<i64: 2, 2, 3, 2>} : tensor<4x3x2xf32> -> tensor<2x2x3x2xf32>
// The forward pass: 2 segments; the state entering each is recorded. The
// loop's own record, which the gradients do not read, is dropped: no step
// is kept beyond the segment starts.
// CHECK: %[[F:.+]]:2 = credo.time_loop steps 2 iter_args(%[[H0]] : tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<2x3x5xf32>) {
// CHECK-NEXT: ^bb0(%[[S:.+]]: index, %[[HS:.+]]: tensor<3x5xf32>):
// CHECK-NEXT: %[[SEG:.+]] = credo.time_slice %[[XS]][%[[S]]] : tensor<2x2x3x2xf32> -> tensor<2x3x2xf32>
// CHECK-NEXT: %[[IN:.+]] = credo.time_loop steps 2 iter_args(%[[HS]] : tensor<3x5xf32>) -> (tensor<3x5xf32>)
// CHECK-NEXT: ^bb0(%[[J:.+]]: index, %{{.+}}: tensor<3x5xf32>):
// CHECK-NEXT: credo.time_slice %[[SEG]][%[[J]]] : tensor<2x3x2xf32> -> tensor<3x2xf32>
// CHECK: credo.yield %[[IN]] : tensor<3x5xf32> record %[[HS]] : tensor<3x5xf32>
// CHECK-NOT: credo.reshape
// CHECK: %[[DL:.+]] = credo.softmax_cross_entropy_grad
// The reverse pass over segments: one segment recomputed from its state,
// storing its tanh and states, then swept backwards; the weight gradients of
// the segment are added to the running sums.
// CHECK: %[[R:.+]]:3 = credo.time_loop steps 2 reverse iter_args(%[[DL]], %{{.+}}, %{{.+}} : tensor<3x5xf32>, tensor<2x5xf32>, tensor<5x5xf32>)
// CHECK-NEXT: ^bb0(%[[T:.+]]: index, %[[DH:.+]]: tensor<3x5xf32>, %[[SX:.+]]: tensor<2x5xf32>, %[[SH:.+]]: tensor<5x5xf32>):
// CHECK-NEXT: %[[HT:.+]] = credo.time_slice %[[F]]#1[%[[T]]] : tensor<2x3x5xf32> -> tensor<3x5xf32>
// CHECK: %[[RE:.+]]:3 = credo.time_loop steps 2 iter_args(%[[HT]] : tensor<3x5xf32>)
// CHECK: credo.tanh
// CHECK: credo.yield %[[Y:.+]] : tensor<3x5xf32> record %[[Y]], %{{.+}} : tensor<3x5xf32>, tensor<3x5xf32>
// CHECK: %[[B:.+]]:3 = credo.time_loop steps 2 reverse iter_args(%[[DH]], %{{.+}}, %{{.+}} :
// CHECK-DAG: credo.time_slice %[[RE]]#1
// CHECK-DAG: credo.time_slice %[[RE]]#2
// CHECK-NOT: credo.tanh %
// CHECK: credo.tanh_grad
// CHECK: credo.matmul %{{.+}}, %[[WH]] {transpose_rhs = true}
// CHECK: credo.yield
// CHECK: %[[NX:.+]] = credo.add %[[SX]], %[[B]]#1
// CHECK: %[[NH:.+]] = credo.add %[[SH]], %[[B]]#2
// CHECK: credo.yield %[[B]]#0, %[[NX]], %[[NH]]
// CHECK: return %{{.+}}, %[[R]]#1, %[[R]]#2, %[[R]]#0

// BADK: error: time-memory=checkpoint:3 needs segments that divide the loop's 4 steps (one of 1, 2, 4)
