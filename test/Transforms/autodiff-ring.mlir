// RUN: credo-opt %s --credo-autodiff="loss=loss" | FileCheck %s
// RUN: credo-opt %s --credo-autodiff="loss=loss time-memory=recompute" | FileCheck %s --check-prefix=RECOMPUTE
// A ring buffer's gradient is a ring too, updated in place a slot at a
// time: the write's gradient reads the slot and clears it, the read's adds
// into its slot (no sum over every slot). The forward loop keeps the steps
// of what the sweep reads (the slot read), not the ring.
module {
  credo.param @w : tensor<3x3xf32> init #credo.init<uniform, low = -5.000000e-01, high = 5.000000e-01, seed = 2>
  func.func @forward(%xs: tensor<20x2x3xf32> {credo.name = "xs"}, %t: tensor<2xi32> {credo.name = "t"}) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<3x3xf32>
    %z = arith.constant dense<0.000000e+00> : tensor<12x2x3xf32>
    %h0 = arith.constant dense<0.000000e+00> : tensor<2x3xf32>
    %r:2 = credo.time_loop steps 20 iter_args(%z, %h0 : tensor<12x2x3xf32>, tensor<2x3xf32>) -> (tensor<12x2x3xf32>, tensor<2x3xf32>) {
    ^bb0(%i: index, %ring: tensor<12x2x3xf32>, %last: tensor<2x3xf32>):
      %x = credo.time_slice %xs[%i] : tensor<20x2x3xf32> -> tensor<2x3xf32>
      %old = credo.ring_read %ring[%i] {back = 0 : i64} : tensor<12x2x3xf32> -> tensor<2x3xf32>
      %a = credo.dense %old, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
      %s = credo.add %x, %a : tensor<2x3xf32>
      %h = credo.tanh %s : tensor<2x3xf32>
      %next = credo.ring_write %ring[%i], %h : tensor<12x2x3xf32>, tensor<2x3xf32>
      credo.yield %next, %h : tensor<12x2x3xf32>, tensor<2x3xf32>
    }
    %l = credo.softmax_cross_entropy %r#1, %t : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @gradients
// CHECK: %[[F:.+]]:4 = credo.time_loop steps 20 iter_args({{.+}}) -> (tensor<12x2x3xf32>, tensor<2x3xf32>, tensor<20x2x3xf32>, tensor<20x2x3xf32>) {
// CHECK-NEXT: ^bb0(%[[I:.+]]: index, %[[RING:.+]]: tensor<12x2x3xf32>, %{{.+}}: tensor<2x3xf32>):
// CHECK: %[[OLD:.+]] = credo.ring_read %[[RING]][%[[I]]] {back = 0 : i64}
// CHECK: credo.yield {{.+}} record %[[OLD]], %{{.+}} : tensor<2x3xf32>, tensor<2x3xf32>
// CHECK: credo.time_loop steps 20 reverse iter_args({{.+}} : tensor<12x2x3xf32>, tensor<2x3xf32>, tensor<3x3xf32>)
// CHECK-NEXT: ^bb0(%[[T:.+]]: index, %[[DR:.+]]: tensor<12x2x3xf32>, %[[DL:.+]]: tensor<2x3xf32>, %{{.+}}: tensor<3x3xf32>):
// CHECK: %[[DH:.+]] = credo.ring_read %[[DR]][%[[T]]] {back = 0 : i64}
// CHECK: %[[CLEARED:.+]] = credo.ring_write %[[DR]][%[[T]]], %{{.+}} : tensor<12x2x3xf32>, tensor<2x3xf32>
// CHECK: %[[DOLD:.+]] = credo.matmul %{{.+}}, %{{.+}} {transpose_rhs = true}
// CHECK: %[[SUM:.+]] = credo.ring_write %[[CLEARED]][%[[T]]], %[[DOLD]] {add} : tensor<12x2x3xf32>, tensor<2x3xf32>
// CHECK-NOT: credo.add %{{.+}} : tensor<12x2x3xf32>
// CHECK: credo.yield %[[SUM]]

// With recompute the forward loop records the slot the step reads, not the
// ring at every step (12 slots a step); the reverse loop recomputes the
// step from that slot and carries no copy of the forward ring.
// RECOMPUTE-LABEL: func.func @gradients
// RECOMPUTE: %[[F:.+]]:3 = credo.time_loop steps 20 iter_args({{.+}}) -> (tensor<12x2x3xf32>, tensor<2x3xf32>, tensor<20x2x3xf32>) {
// RECOMPUTE: %[[OLD:.+]] = credo.ring_read
// RECOMPUTE: credo.yield {{.+}} record %[[OLD]] : tensor<2x3xf32>
// RECOMPUTE: credo.time_loop steps 20 reverse
// RECOMPUTE-NEXT: ^bb0(%[[T:.+]]: index, %[[DR:.+]]: tensor<12x2x3xf32>,
// RECOMPUTE-NEXT: %[[READ:.+]] = credo.time_slice %[[F]]#2[%[[T]]]
// RECOMPUTE-NOT: tensor<20x12x2x3xf32>
// RECOMPUTE: credo.dense %[[READ]]
// RECOMPUTE: credo.tanh
// RECOMPUTE: credo.ring_read %[[DR]][%[[T]]]
