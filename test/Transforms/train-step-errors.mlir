// RUN: credo-opt %s --credo-autodiff --credo-train-step -split-input-file -verify-diagnostics
// Optimizer state names that clash with the model's (an unknown optimizer
// kind is the attribute verifier's: invalid.mlir).

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
