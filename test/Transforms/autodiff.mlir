// RUN: credo-opt %s --credo-autodiff | FileCheck %s
// RUN: credo-opt %s --credo-autodiff="wrt-inputs=x" | FileCheck %s --check-prefix=WRT
// @gradients: @forward up to the loss, then the reverse sweep; only values
// that depend on a parameter get gradients.

module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w1 : tensor<4x3xf32> init #credo.init<glorot_uniform, seed = 1>
  credo.param @b1 : tensor<3xf32> init #credo.init<zeros>
  credo.param @unused : tensor<2xf32> init #credo.init<zeros>

  func.func @forward(%x: tensor<2x4xf32> {credo.name = "x"}, %t: tensor<2xi32> {credo.name = "t"}) -> (tensor<2x3xf32> {credo.name = "h"}, tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w1 : tensor<4x3xf32>
    %b = credo.get_param @b1 : tensor<3xf32>
    %z = credo.dense %x, %w, %b : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %h = credo.relu %z : tensor<2x3xf32>
    // %h fans out: its gradient is the sum of both uses.
    %s = credo.add %h, %h : tensor<2x3xf32>
    %l = credo.softmax_cross_entropy %s, %t : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
    return %h, %l : tensor<2x3xf32>, tensor<f32>
  }
}

// The forward function is kept.
// CHECK-LABEL: func.func @forward

// CHECK-LABEL: func.func @gradients
// CHECK-SAME: (%[[X:.+]]: tensor<2x4xf32> {credo.name = "x"}, %[[T:.+]]: tensor<2xi32> {credo.name = "t"})
// CHECK-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<4x3xf32> {credo.name = "grad.w1"}, tensor<3xf32> {credo.name = "grad.b1"}, tensor<2xf32> {credo.name = "grad.unused"})
// CHECK: %[[W:.+]] = credo.get_param @w1
// CHECK: %[[Z:.+]] = credo.dense %[[X]], %[[W]]
// CHECK: %[[H:.+]] = credo.relu %[[Z]]
// CHECK: %[[S:.+]] = credo.add %[[H]], %[[H]]
// CHECK: %[[L:.+]] = credo.softmax_cross_entropy %[[S]], %[[T]]
// CHECK: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[DS:.+]] = credo.softmax_cross_entropy_grad %[[S]], %[[T]], %[[ONE]]
// CHECK: %[[DH:.+]] = credo.add %[[DS]], %[[DS]]
// CHECK: %[[DZ:.+]] = credo.relu_grad %[[DH]], %[[H]]
// No gradient for the input x unless asked:
// CHECK-NOT: transpose_rhs
// CHECK: %[[DW:.+]] = credo.matmul %[[X]], %[[DZ]] {transpose_lhs = true}
// CHECK: %[[DB:.+]] = credo.reduce_sum %[[DZ]] {dims = array<i64: 0>}
// An unused parameter gets zeros.
// CHECK: %[[Z0:.+]] = arith.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK: return %[[L]], %[[DW]], %[[DB]], %[[Z0]]

// WRT-LABEL: func.func @gradients
// WRT-SAME: tensor<2x4xf32> {credo.name = "grad.x"})
// WRT: %[[DX:.+]] = credo.matmul %{{.+}}, %{{.+}} {transpose_rhs = true}
// WRT: return {{.*}}, %[[DX]]
