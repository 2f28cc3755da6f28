// RUN: not credo-opt %s --credo-autodiff=name= 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not credo-opt %s "--credo-autodiff=wrt-inputs=x,x" 2>&1 | FileCheck %s --check-prefix=TWICE
// An empty name made a function without a symbol (unparsable IR); an input
// named twice made two results of one name.
// EMPTY: error: credo-autodiff: name= needs the name of the function to build (default gradients)
// TWICE: error: credo-autodiff: wrt-inputs names 'x' twice

module attributes {credo.training = #credo.training<loss = "loss">} {
  func.func @forward(%x: tensor<3xf32> {credo.name = "x"}, %y: tensor<3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
    %m = credo.mse %x, %y : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
    return %m : tensor<f32>
  }
}
