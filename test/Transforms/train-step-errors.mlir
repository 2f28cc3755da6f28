// RUN: credo-opt %s --credo-autodiff --credo-train-step -split-input-file -verify-diagnostics
// Optimizers credo-train-step does not know, and state names that clash.

// expected-error @+1 {{unknown optimizer 'rmsprop' (supported: sgd, adam)}}
module attributes {credo.training = #credo.training<loss = "loss", optimizer = #credo.optimizer<kind = "rmsprop", lr = 1.000000e-03 : f64>>} {
  func.func @forward(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %l = credo.mse %x, %y : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// expected-error @+1 {{the optimizer state 'w_velocity' clashes with a name of the model}}
module attributes {credo.training = #credo.training<loss = "loss", optimizer = #credo.optimizer<kind = "sgd", lr = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64>>} {
  credo.param @w : tensor<2x3xf32> init #credo.init<zeros>
  credo.param @w_velocity : tensor<2x3xf32> init #credo.init<zeros>
  func.func @forward(%y: tensor<2x3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<2x3xf32>
    %l = credo.mse %w, %y : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
