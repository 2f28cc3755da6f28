// RUN: credo-opt %s --split-input-file --credo-autodiff | FileCheck %s
// The loss is a result of a time loop (a sum carried over the steps): the
// sweep starts from that result, also when it is not the loop's first, and
// @gradients returns the rebuilt loop's (it returned an erased value).

// CHECK-LABEL: func.func @gradients
// CHECK: %[[FWD:.*]] = credo.time_loop steps 2 iter_args
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[REV:.*]]:2 = credo.time_loop steps 2 reverse iter_args(%[[ONE]], %{{.*}} : tensor<f32>, tensor<3xf32>)
// CHECK: credo.mse_grad
// CHECK: return %[[FWD]], %[[REV]]#1
module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<3xf32> init #credo.init<ones>
  func.func @forward(%y: tensor<3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<3xf32>
    %z = arith.constant dense<0.0> : tensor<f32>
    %r = credo.time_loop steps 2 iter_args(%z : tensor<f32>) -> (tensor<f32>) {
    ^bb0(%i: index, %acc: tensor<f32>):
      %m = credo.mse %w, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
      %acc1 = credo.add %acc, %m : tensor<f32>
      credo.yield %acc1 : tensor<f32>
    }
    return %r : tensor<f32>
  }
}

// -----

// The loss is the loop's second result: its adjoint (the second carried
// into the reverse loop) starts at 1, the first result's at 0.
// CHECK-LABEL: func.func @gradients
// CHECK: %[[FWD:.*]]:2 = credo.time_loop steps 2 iter_args
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK: credo.time_loop steps 2 reverse iter_args(%[[ZERO]], %[[ONE]], %{{.*}} : tensor<f32>, tensor<f32>, tensor<3xf32>)
// CHECK: return %[[FWD]]#1,
module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<3xf32> init #credo.init<ones>
  func.func @forward(%y: tensor<3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<3xf32>
    %z = arith.constant dense<0.0> : tensor<f32>
    %r:2 = credo.time_loop steps 2 iter_args(%z, %z : tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>) {
    ^bb0(%i: index, %s: tensor<f32>, %acc: tensor<f32>):
      %other = credo.mse %y, %w : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
      %s1 = credo.add %s, %other : tensor<f32>
      %m = credo.mse %w, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
      %acc1 = credo.add %acc, %m : tensor<f32>
      credo.yield %s1, %acc1 : tensor<f32>, tensor<f32>
    }
    return %r#1 : tensor<f32>
  }
}
