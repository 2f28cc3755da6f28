// RUN: credo-opt %s --credo-autodiff -split-input-file -verify-diagnostics
// What credo-autodiff refuses, with the reason.

// An op on the path from a parameter to the loss without a gradient rule.
module attributes {credo.training = {loss = "loss"}} {
  credo.param @k : tensor<2x1x3x3xf32> init #credo.init<he_normal, seed = 1>
  func.func @forward(%x: tensor<1x1x4x4xf32>, %y: tensor<1x2x2x2xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %k = credo.get_param @k : tensor<2x1x3x3xf32>
    // expected-error @+1 {{'credo.conv2d' has no gradient rule, so credo-autodiff cannot differentiate through it}}
    %c = credo.conv2d %x, %k : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32>
    %l = credo.mse %c, %y : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// The loss must be a scalar.
module attributes {credo.training = {loss = "p"}} {
  func.func @forward(%x: tensor<2x3xf32>) -> (tensor<2x3xf32> {credo.name = "p"}) {
    // expected-error @+1 {{is the loss, so it must be a scalar (rank 0), but it is 'tensor<2x3xf32>'}}
    %p = credo.relu %x : tensor<2x3xf32>
    return %p : tensor<2x3xf32>
  }
}

// -----

// expected-error @+1 {{credo-autodiff: no node named 'nope' in @forward}}
module attributes {credo.training = {loss = "nope"}} {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

// expected-error @+1 {{credo-autodiff: no loss given (the model has no training section; pass loss=NODE)}}
module {
  func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

// expected-error @+1 {{credo-autodiff: the module has no @forward function}}
module {
}
