// RUN: credo-opt %s --credo-autodiff --credo-train-step | FileCheck %s
// @train_step: @gradients plus one SGD step per parameter, with the learning
// rate as the last argument.

module attributes {credo.training = {loss = "loss", optimizer = {type = "sgd", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, weight_decay = 1.000000e-02 : f64}}} {
  credo.param @w : tensor<4x3xf32> init #credo.init<glorot_uniform, seed = 1>
  credo.param @unused : tensor<2xf32> init #credo.init<zeros>
  func.func @forward(%x: tensor<2x4xf32>, %t: tensor<2xi32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<4x3xf32>
    %z = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
    %l = credo.softmax_cross_entropy %z, %t : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[LR:[^:]+]]: tensor<f32> {credo.name = "lr"})
// CHECK-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<4x3xf32> {credo.name = "new.w"}, tensor<2xf32> {credo.name = "new.unused"})
// CHECK: %[[U:.+]] = credo.get_param @unused
// CHECK: %[[W:.+]] = credo.get_param @w
// CHECK: %[[DW:.+]] = credo.matmul
// CHECK: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK: %[[NW:.+]] = credo.sgd_update %[[W]], %[[DW]], %[[LR]] {weight_decay = 1.000000e-02 : f64}
// CHECK: %[[NU:.+]] = credo.sgd_update %[[U]], %[[Z]], %[[LR]]
// CHECK: return %{{.+}}, %[[NW]], %[[NU]]
