// RUN: credo-opt %s --credo-instrument-activations | FileCheck %s
// RUN: credo-opt %s --credo-instrument-spikes | FileCheck %s --check-prefix=SPIKES
// A @train_step whose results carry no names (written by hand) is
// instrumented like any other (both passes crashed on it): the ReLU's
// counter is the added result, named.

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<2x3xf32>, tensor<3xf32> {credo.name = "active.relu0"})
// SPIKES-LABEL: func.func @train_step
// SPIKES-SAME: -> tensor<2x3xf32>
func.func @train_step(%y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = credo.relu %y : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
