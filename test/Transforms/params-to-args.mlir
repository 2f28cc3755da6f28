// RUN: credo-opt %s --credo-params-to-args | FileCheck %s
// Parameters become leading arguments of every function that reads one and
// of every public entry point, in declaration order; the declarations and
// reads disappear.

// CHECK-NOT: credo.param
credo.param @w : tensor<4x3xf32> init #credo.init<zeros>
credo.param @b : tensor<3xf32> init #credo.init<ones>

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[W:.+]]: tensor<4x3xf32> {credo.param = "w"}, %[[B:.+]]: tensor<3xf32> {credo.param = "b"}, %[[X:.+]]: tensor<2x4xf32>)
func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  // CHECK-NOT: credo.get_param
  %b = credo.get_param @b : tensor<3xf32>
  %w = credo.get_param @w : tensor<4x3xf32>
  // CHECK: credo.dense %[[X]], %[[W]], %[[B]]
  %y = credo.dense %x, %w, %b : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// An entry point that reads no parameter still takes them all: a model
// instance calls every entry point with its parameter buffers first (a
// model whose outputs do not depend on a declared parameter; binding the
// input to the first parameter's buffer was a wrong result, found by the
// compile fuzzer).
// CHECK-LABEL: func.func @passthrough
// CHECK-SAME: (%{{.+}}: tensor<4x3xf32> {credo.param = "w"}, %{{.+}}: tensor<3xf32> {credo.param = "b"}, %[[Y:.+]]: tensor<2xf32>) -> tensor<2xf32>
// CHECK: return %[[Y]]
func.func @passthrough(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

// A private helper that reads no parameter keeps its signature.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME: (%{{.+}}: tensor<2xf32>) -> tensor<2xf32>
func.func private @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
