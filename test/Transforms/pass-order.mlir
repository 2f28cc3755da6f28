// RUN: credo-opt %s --credo-autodiff --credo-params-to-args --credo-train-step -verify-diagnostics
// RUN: not credo-opt %s --credo-params-to-args --credo-autodiff 2>&1 | FileCheck %s --check-prefix=EARLY
// RUN: not credo-opt %s --credo-autodiff --credo-train-step --credo-train-step 2>&1 | FileCheck %s --check-prefix=TWICE
// Training passes run out of order on a module (they crashed, or built a
// step that updated nothing): each says what it expected.

module attributes {credo.training = #credo.training<loss = "loss", optimizer = <kind = "sgd", lr = 1.0e-01 : f64, momentum = 0.9 : f64, weight_decay = 0.0 : f64>>} {
  credo.param @w : tensor<3xf32> init #credo.init<ones>
  // expected-error @+1 {{credo-train-step: the module declares no parameters to update (credo-params-to-args runs after credo-train-step)}}
  func.func @forward(%y: tensor<3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<3xf32>
    %m = credo.mse %w, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
    return %m : tensor<f32>
  }
}
// EARLY: error: credo-autodiff: @forward takes its parameters as arguments (credo-params-to-args ran): there are no parameters to differentiate; run credo-autodiff first
// TWICE: error: credo-train-step: the module already has @train_step
