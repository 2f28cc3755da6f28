// RUN: credo-opt %s --credo-autodiff --credo-train-step -split-input-file -verify-diagnostics
// Optimizers credo-train-step does not build yet are refused by name.

// expected-error @+1 {{credo-train-step: optimizer 'adam' is not supported yet (supported: sgd without momentum)}}
module attributes {credo.training = {loss = "loss", optimizer = {type = "adam", lr = 1.000000e-03 : f64}}} {
  func.func @forward(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %l = credo.mse %x, %y : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// expected-error @+1 {{credo-train-step: optimizer 'sgd' with momentum is not supported yet (supported: sgd without momentum)}}
module attributes {credo.training = {loss = "loss", optimizer = {type = "sgd", lr = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64}}} {
  func.func @forward(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %l = credo.mse %x, %y : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
