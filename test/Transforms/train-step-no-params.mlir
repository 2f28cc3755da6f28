// RUN: credo-opt %s --credo-autodiff --credo-train-step | FileCheck %s
// A model without parameters (here one only a nested module declares) gets
// a step that updates nothing but Adam's step count, the first parameter of
// the module (the optimizer's set-up crashed on it).
// CHECK: credo.param @adam_step : tensor<f32>
// CHECK: module @inner
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: {credo.name = "lr"}) -> (tensor<f32> {credo.name = "loss"}, tensor<f32> {credo.name = "new.adam_step"})
module attributes {credo.training = #credo.training<loss = "loss", optimizer = <kind = "adam", lr = 1.0e-01 : f64>>} {
  module @inner {
    credo.param @w : tensor<3xf32> init #credo.init<ones>
  }
  func.func @forward(%y: tensor<3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %m = credo.mse %y, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
    return %m : tensor<f32>
  }
}
