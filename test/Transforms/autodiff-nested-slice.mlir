// RUN: credo-opt %s "--credo-autodiff=wrt-inputs=xs" -verify-diagnostics
// RUN: credo-opt %s "--credo-autodiff=wrt-inputs=xs time-memory=checkpoint:2" -verify-diagnostics
// RUN: credo-opt %s --credo-autodiff | FileCheck %s
// A nested loop's slice of a sequence at the outer loop's step: its
// gradient would stack over the inner loop's steps (a failed type
// inference aborted the pass); an error until nested slices are
// differentiated. Without the sequence's gradient, the parameters' build.
// CHECK-LABEL: func.func @gradients
module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<3x3xf32> init #credo.init<ones>
  func.func @forward(%xs: tensor<4x2x3xf32> {credo.name = "xs"}, %t: tensor<2xi32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<3x3xf32>
    %h0 = arith.constant dense<0.0> : tensor<2x3xf32>
    %r = credo.time_loop steps 4 iter_args(%h0 : tensor<2x3xf32>) -> (tensor<2x3xf32>) {
    ^bb0(%i: index, %h: tensor<2x3xf32>):
      %q = credo.time_loop steps 2 iter_args(%h : tensor<2x3xf32>) -> (tensor<2x3xf32>) {
      ^bb0(%j: index, %g: tensor<2x3xf32>):
        // expected-error @+1 {{credo-autodiff cannot differentiate a time_slice that reads an enclosing loop's step from inside a nested loop}}
        %x = credo.time_slice %xs[%i] : tensor<4x2x3xf32> -> tensor<2x3xf32>
        %a = credo.dense %g, %w : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
        %s = credo.add %x, %a : tensor<2x3xf32>
        credo.yield %s : tensor<2x3xf32>
      }
      credo.yield %q : tensor<2x3xf32>
    }
    %l = credo.softmax_cross_entropy %r, %t : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
