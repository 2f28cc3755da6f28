// RUN: credo-opt %s --split-input-file --credo-hm2bp -verify-diagnostics
// RUN: credo-opt %s --split-input-file --credo-dendritic -verify-diagnostics
// RUN: credo-opt %s --split-input-file --credo-local-rule -verify-diagnostics
// A @forward that is only declared has no body to build a rule's step from:
// each rule says so (hm2bp, dendritic and local-rule crashed).

// expected-error @+1 {{the module has no @forward}}
module attributes {credo.training = #credo.training<loss = "loss", optimizer = <kind = "sgd", lr = 1.0e-01 : f64, momentum = 0.0 : f64, weight_decay = 0.0 : f64>>} {
  func.func private @forward(tensor<3xf32>) -> tensor<f32>
}
