// RUN: credo-opt %s --credo-autodiff="loss=loss" | FileCheck %s --check-prefixes=CHECK,STORE
// RUN: credo-opt %s --credo-autodiff="loss=loss time-memory=recompute" | FileCheck %s --check-prefixes=CHECK,RECOMPUTE
// A read 3 steps back is a delay line of 3 carried values. The sweep reads
// only the oldest (the dense layer's input), so the forward loop keeps that
// one's steps and drops the records of the other two: every record is a
// buffer of all the steps.
module {
  credo.param @w_hh : tensor<5x5xf32> init #credo.init<uniform, low = -5.000000e-01, high = 5.000000e-01, seed = 2>
  func.func @forward(%xs: tensor<6x2x5xf32> {credo.name = "xs"}, %t: tensor<2xi32> {credo.name = "t"}) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w_hh : tensor<5x5xf32>
    %z = arith.constant dense<0.000000e+00> : tensor<2x5xf32>
    %r:3 = credo.time_loop steps 6 iter_args(%z, %z, %z : tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) {
    ^bb0(%i: index, %d1: tensor<2x5xf32>, %d2: tensor<2x5xf32>, %d3: tensor<2x5xf32>):
      %x = credo.time_slice %xs[%i] : tensor<6x2x5xf32> -> tensor<2x5xf32>
      %a = credo.dense %d3, %w : (tensor<2x5xf32>, tensor<5x5xf32>) -> tensor<2x5xf32>
      %s = credo.add %x, %a : tensor<2x5xf32>
      %h = credo.tanh %s : tensor<2x5xf32>
      credo.yield %h, %d1, %d2 : tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>
    }
    %l = credo.softmax_cross_entropy %r#0, %t : tensor<2x5xf32>, tensor<2xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// CHECK-LABEL: func.func @gradients
// STORE: credo.time_loop steps 6 iter_args({{.+}}) -> (tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<6x2x5xf32>, tensor<6x2x5xf32>) {
// RECOMPUTE: credo.time_loop steps 6 iter_args({{.+}}) -> (tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<6x2x5xf32>) {
// CHECK-NEXT: ^bb0(%{{.+}}: index, %{{.+}}: tensor<2x5xf32>, %{{.+}}: tensor<2x5xf32>, %[[D3:.+]]: tensor<2x5xf32>):
// CHECK: %[[H:.+]] = credo.tanh
// STORE-NEXT: credo.yield %[[H]], %{{.+}}, %{{.+}} : tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32> record %[[D3]], %[[H]] : tensor<2x5xf32>, tensor<2x5xf32>
// RECOMPUTE-NEXT: credo.yield %[[H]], %{{.+}}, %{{.+}} : tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32> record %[[D3]] : tensor<2x5xf32>
// CHECK: credo.time_loop steps 6 reverse
