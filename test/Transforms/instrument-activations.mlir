// RUN: credo-opt %s --credo-autodiff --credo-train-step --credo-instrument-activations | FileCheck %s
// @train_step also returns, per ReLU, the per-unit count of positive
// outputs: units are dimension 1 (channels of a convolution).

module attributes {credo.training = #credo.training<loss = "loss", optimizer = #credo.optimizer<kind = "sgd", lr = 1.000000e-01 : f64>>} {
  credo.param @k : tensor<4x1x3x3xf32> init #credo.init<he_normal, seed = 1>
  func.func @forward(%x: tensor<2x1x5x5xf32>, %y: tensor<2x4x3x3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %k = credo.get_param @k : tensor<4x1x3x3xf32>
    %c = credo.conv2d %x, %k : (tensor<2x1x5x5xf32>, tensor<4x1x3x3xf32>) -> tensor<2x4x3x3xf32>
    %r = credo.relu %c {credo.node = "act"} : tensor<2x4x3x3xf32>
    %l = credo.mse %r, %y : tensor<2x4x3x3xf32>, tensor<2x4x3x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<4x1x3x3xf32> {credo.name = "new.k"}, tensor<4xf32> {credo.name = "active.act"})
// CHECK: %[[R:.+]] = credo.relu
// CHECK: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<2x4x3x3xf32>
// CHECK: %[[POS:.+]] = credo.relu_grad %[[ONE]], %[[R]]
// CHECK: %[[N:.+]] = credo.reduce_sum %[[POS]] {dims = array<i64: 0, 2, 3>} : tensor<2x4x3x3xf32> -> tensor<4xf32>
// CHECK: return {{.*}}, %[[N]]
