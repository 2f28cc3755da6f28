// RUN: credo-opt %s --credo-autodiff -split-input-file -verify-diagnostics
// What credo-autodiff refuses, with the reason.

// An op on the path from a parameter to the loss without a gradient rule
// (gradient ops have no second derivatives).
module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<2x3xf32> init #credo.init<zeros>
  func.func @forward(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<2x3xf32>
    // expected-error @+1 {{'relu_grad' has no gradient rule, so no gradient flows back through it}}
    %g = credo.relu_grad %x, %w : tensor<2x3xf32>
    %l = credo.mse %g, %y : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// A multi-result op on the path to the loss (it used to be skipped without a
// word, leaving zeros for the weight's gradient), through either result.
module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<4xf32> init #credo.init<zeros>
  func.func @forward(%g: tensor<4xf32>, %v: tensor<4xf32>, %lr: tensor<f32>, %y: tensor<4xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<4xf32>
    // expected-error @+1 {{'sgd_momentum_update' has no gradient rule, so no gradient flows back through it}}
    %w1, %v1 = credo.sgd_momentum_update %w, %g, %v, %lr {momentum = 0.9 : f64} : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>
    %l = credo.mse %w1, %y : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<4xf32> init #credo.init<zeros>
  func.func @forward(%g: tensor<4xf32>, %v: tensor<4xf32>, %lr: tensor<f32>, %y: tensor<4xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<4xf32>
    // expected-error @+1 {{'sgd_momentum_update' has no gradient rule, so no gradient flows back through it}}
    %w1, %v1 = credo.sgd_momentum_update %w, %g, %v, %lr {momentum = 0.9 : f64} : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>
    %l = credo.mse %v1, %y : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// The loss must be a scalar.
module attributes {credo.training = #credo.training<loss = "p">} {
  func.func @forward(%x: tensor<2x3xf32>) -> (tensor<2x3xf32> {credo.name = "p"}) {
    // expected-error @+1 {{is the loss, so it must be a scalar (rank 0), but it is 'tensor<2x3xf32>'}}
    %p = credo.relu %x : tensor<2x3xf32>
    return %p : tensor<2x3xf32>
  }
}

// -----

// expected-error @+1 {{credo-autodiff: no node named 'nope' in @forward}}
module attributes {credo.training = #credo.training<loss = "nope">} {
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

// -----

// A parameter reaches the loss through an op with regions and no gradient
// rule (an scf.if holding a time loop): an error, where its gradient was
// silently zero.
module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<3xf32> init #credo.init<ones>
  func.func @forward(%y: tensor<3xf32>, %c: i1) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<3xf32>
    // expected-error @+1 {{'scf.if' has no gradient rule, so no gradient flows back through it}}
    %r = scf.if %c -> tensor<3xf32> {
      %q = credo.time_loop steps 2 iter_args(%w : tensor<3xf32>) -> (tensor<3xf32>) {
      ^bb0(%i: index, %h: tensor<3xf32>):
        %t = credo.tanh %h : tensor<3xf32>
        credo.yield %t : tensor<3xf32>
      }
      scf.yield %q : tensor<3xf32>
    } else {
      scf.yield %w : tensor<3xf32>
    }
    %m = credo.mse %r, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
    return %m : tensor<f32>
  }
}

// -----

// The same with the parameter read inside the region.
module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<3xf32> init #credo.init<ones>
  func.func @forward(%y: tensor<3xf32>, %c: i1) -> (tensor<f32> {credo.name = "loss"}) {
    // expected-error @+1 {{'scf.if' has no gradient rule, so no gradient flows back through it}}
    %r = scf.if %c -> tensor<3xf32> {
      %w = credo.get_param @w : tensor<3xf32>
      scf.yield %w : tensor<3xf32>
    } else {
      scf.yield %y : tensor<3xf32>
    }
    %m = credo.mse %r, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
    return %m : tensor<f32>
  }
}

