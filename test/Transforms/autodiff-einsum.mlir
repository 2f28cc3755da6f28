// RUN: credo-opt %s --credo-autodiff | FileCheck %s
// The gradient of an einsum operand is the einsum of the result's gradient
// with the other operands; letters the operand alone has (summed away, as
// "bi->i" sums b) come from a ones operand, so the gradient broadcasts
// along them.

module attributes {credo.training = #credo.training<loss = "loss">} {
  credo.param @w : tensor<4x3xf32> init #credo.init<glorot_uniform, seed = 1>
  credo.param @v : tensor<3xf32> init #credo.init<glorot_uniform, seed = 2>

  // CHECK-LABEL: func.func @gradients
  // CHECK: %[[G:.*]] = credo.einsum %{{.*}}, %{{.*}} {spec = ",i->i"}
  // CHECK: %[[ONES4:.*]] = arith.constant dense<1.000000e+00> : tensor<4xf32>
  // CHECK: credo.einsum %[[G]], %[[ONES4]] {spec = "j,k->kj"} : tensor<3xf32>, tensor<4xf32> -> tensor<4x3xf32>
  // CHECK: %[[ONES2:.*]] = arith.constant dense<1.000000e+00> : tensor<2xf32>
  // CHECK: credo.einsum %[[G]], %[[ONES2]] {spec = "i,b->bi"} : tensor<3xf32>, tensor<2xf32> -> tensor<2x3xf32>
  func.func @forward(%x: tensor<2x4xf32> {credo.name = "x"}) -> (tensor<f32> {credo.name = "loss"}) {
    %w = credo.get_param @w : tensor<4x3xf32>
    %v = credo.get_param @v : tensor<3xf32>
    %a = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
    %cols = credo.einsum %a {spec = "bi->i"} : tensor<2x3xf32> -> tensor<3xf32>
    %rows = credo.einsum %w {spec = "kj->j"} : tensor<4x3xf32> -> tensor<3xf32>
    %s = credo.add %cols, %rows : tensor<3xf32>
    %l = credo.einsum %s, %v {spec = "i,i->"} : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
