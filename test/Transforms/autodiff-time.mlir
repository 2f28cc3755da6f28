// RUN: credo-opt %s --credo-autodiff="time-memory=recompute" | FileCheck %s
// RUN: credo-opt %s --credo-autodiff | FileCheck %s --check-prefix=STORE
// RUN: credo-opt %s --credo-autodiff="wrt-inputs=xs" | FileCheck %s --check-prefix=WRT
// RUN: not credo-opt %s --credo-autodiff="time-memory=sometimes" 2>&1 | FileCheck %s --check-prefix=BAD
// Backpropagation through time: the forward loop also records the state
// entering each step; a reverse loop recomputes each step from it (with
// time-memory=recompute), sweeps it backwards, carries the state's gradient and sums the gradients of the
// values the body reads from outside (the weights). A time-major sequence
// read with time_slice gets its gradient recorded step by step. The
// stop_gradient'ed value passes no gradient.

module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @wx : tensor<2x5xf32> init #credo.init<glorot_uniform, seed = 1>
  credo.param @wh : tensor<5x5xf32> init #credo.init<glorot_uniform, seed = 2>
  credo.param @h0 : tensor<4x5xf32> init #credo.init<zeros>

  func.func @forward(%xs: tensor<3x4x2xf32> {credo.name = "xs"}, %t: tensor<4xi32> {credo.name = "t"}) -> (tensor<f32> {credo.name = "loss"}) {
    %wx = credo.get_param @wx : tensor<2x5xf32>
    %wh = credo.get_param @wh : tensor<5x5xf32>
    %h0 = credo.get_param @h0 : tensor<4x5xf32>
    %hT, %hs = credo.time_loop steps 3 iter_args(%h0 : tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<3x4x5xf32>) {
    ^bb0(%step: index, %h: tensor<4x5xf32>):
      %xt = credo.time_slice %xs[%step] : tensor<3x4x2xf32> -> tensor<4x2xf32>
      %a = credo.dense %xt, %wx : (tensor<4x2xf32>, tensor<2x5xf32>) -> tensor<4x5xf32>
      %r = credo.dense %h, %wh : (tensor<4x5xf32>, tensor<5x5xf32>) -> tensor<4x5xf32>
      %s = credo.add %a, %r : tensor<4x5xf32>
      %h1 = credo.tanh %s : tensor<4x5xf32>
      credo.yield %h1 : tensor<4x5xf32> record %h1 : tensor<4x5xf32>
    }
    %frozen = credo.stop_gradient %hT : tensor<4x5xf32>
    %both = credo.add %hT, %frozen : tensor<4x5xf32>
    %l = credo.softmax_cross_entropy %both, %t : tensor<4x5xf32>, tensor<4xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @gradients
// CHECK: %[[WX:.+]] = credo.get_param @wx
// CHECK: %[[WH:.+]] = credo.get_param @wh
// CHECK: %[[H0:.+]] = credo.get_param @h0
// The forward loop records the state entering each step; its own record,
// which the gradients do not read, is dropped.
// CHECK: %[[F:.+]]:2 = credo.time_loop steps 3 iter_args(%[[H0]] : tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<3x4x5xf32>) {
// CHECK-NEXT: ^bb0(%{{.+}}: index, %[[H:.+]]: tensor<4x5xf32>):
// CHECK: credo.yield %{{.+}} : tensor<4x5xf32> record %[[H]] : tensor<4x5xf32>
// CHECK: %[[DL:.+]] = credo.softmax_cross_entropy_grad
// Only the direct use of hT gets a gradient (the stop_gradient one none).
// CHECK-NOT: credo.add %[[DL]], %[[DL]]
// The reverse loop carries dh and the sums for wx and wh (order of first use).
// CHECK: %[[R:.+]]:3 = credo.time_loop steps 3 reverse iter_args(%[[DL]], %{{.+}}, %{{.+}} : tensor<4x5xf32>, tensor<2x5xf32>, tensor<5x5xf32>) -> (tensor<4x5xf32>, tensor<2x5xf32>, tensor<5x5xf32>) {
// CHECK-NEXT: ^bb0(%[[T:.+]]: index, %[[DH:.+]]: tensor<4x5xf32>, %[[SX:.+]]: tensor<2x5xf32>, %[[SH:.+]]: tensor<5x5xf32>):
// CHECK-NEXT: %[[HT:.+]] = credo.time_slice %[[F]]#1[%[[T]]] : tensor<3x4x5xf32> -> tensor<4x5xf32>
// CHECK-NEXT: %[[XT:.+]] = credo.time_slice %{{.+}}[%[[T]]] : tensor<3x4x2xf32> -> tensor<4x2xf32>
// CHECK: credo.dense %[[HT]], %[[WH]]
// CHECK: %[[Y:.+]] = credo.tanh
// CHECK: %[[DS:.+]] = credo.tanh_grad %[[DH]], %[[Y]]
// CHECK: %[[DHPREV:.+]] = credo.matmul %[[DS]], %[[WH]] {transpose_rhs = true}
// CHECK: %[[GWH:.+]] = credo.matmul %[[HT]], %[[DS]] {transpose_lhs = true}
// CHECK: %[[GWX:.+]] = credo.matmul %[[XT]], %[[DS]] {transpose_lhs = true}
// CHECK: %[[NX:.+]] = credo.add %[[SX]], %[[GWX]]
// CHECK: %[[NH:.+]] = credo.add %[[SH]], %[[GWH]]
// CHECK: credo.yield %[[DHPREV]], %[[NX]], %[[NH]] : tensor<4x5xf32>, tensor<2x5xf32>, tensor<5x5xf32>
// CHECK: return %{{.+}}, %[[R]]#1, %[[R]]#2, %[[R]]#0

// With respect to the sequence too: its step gradients are recorded.
// WRT-LABEL: func.func @gradients
// WRT: %[[R:.+]]:4 = credo.time_loop steps 3 reverse iter_args
// WRT-SAME: -> (tensor<4x5xf32>, tensor<2x5xf32>, tensor<5x5xf32>, tensor<3x4x2xf32>)
// WRT: %[[DX:.+]] = credo.matmul %{{.+}}, %{{.+}} {transpose_rhs = true} : tensor<4x5xf32>, tensor<2x5xf32> -> tensor<4x2xf32>
// WRT: credo.yield {{.*}} record %[[DX]] : tensor<4x2xf32>
// WRT: return {{.*}}, %[[R]]#3 : {{.*}}, tensor<3x4x2xf32>

// By default (time-memory=store) the forward loop records what the sweep
// reads (the tanh, recorded already, and the state) and the reverse loop
// recomputes nothing.
// STORE-LABEL: func.func @gradients
// STORE: %[[F:.+]]:3 = credo.time_loop steps 3 iter_args
// STORE: credo.yield %[[Y:.+]] : tensor<4x5xf32> record %[[Y]], %{{.+}} : tensor<4x5xf32>, tensor<4x5xf32>
// STORE: credo.time_loop steps 3 reverse
// STORE-NEXT: ^bb0(%[[T:.+]]: index, %[[DH:.+]]: tensor<4x5xf32>,
// STORE-DAG: %[[YT:.+]] = credo.time_slice %[[F]]#1[%[[T]]]
// STORE-DAG: %[[HT:.+]] = credo.time_slice %[[F]]#2[%[[T]]]
// STORE-NOT: credo.dense
// STORE-NOT: credo.tanh %
// STORE: credo.tanh_grad %[[DH]], %[[YT]]
// STORE: credo.matmul %[[HT]], %{{.+}} {transpose_lhs = true}

// BAD: credo-autodiff: time-memory must be store, recompute or checkpoint[:K], but got 'sometimes'
