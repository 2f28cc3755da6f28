// RUN: credo-opt %s --convert-credo-to-linalg | FileCheck %s
// Pooling gradients are gathers: one parallel linalg.generic over the
// input's shape, each element summing the output gradients of the windows
// that cover it (no scatter into a shared tensor, so a GPU can run every
// element at once).

// CHECK-LABEL: func.func @max_grad
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x3x6x6xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%[[E]] : tensor<2x3x6x6xf32>)
// CHECK: linalg.index 2
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %{{.+}}[{{.*}}] : tensor<2x3x3x3xf32>
// CHECK-NOT: tensor.insert
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: linalg.yield
func.func @max_grad(%x: tensor<2x3x6x6xf32>, %dy: tensor<2x3x3x3xf32>) -> tensor<2x3x6x6xf32> {
  %dx = credo.max_pool2d_grad %dy, %x {kernel = array<i64: 2, 2>} : tensor<2x3x3x3xf32>, tensor<2x3x6x6xf32> -> tensor<2x3x6x6xf32>
  return %dx : tensor<2x3x6x6xf32>
}

// CHECK-LABEL: func.func @avg_grad
// CHECK: linalg.generic {indexing_maps = [#{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-NOT: tensor.insert
// CHECK: arith.sitofp
// CHECK: arith.divf
// CHECK: linalg.yield
func.func @avg_grad(%dy: tensor<2x3x3x3xf32>) -> tensor<2x3x6x6xf32> {
  %dx = credo.avg_pool2d_grad %dy {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1>, input_shape = array<i64: 2, 3, 6, 6>} : tensor<2x3x3x3xf32> -> tensor<2x3x6x6xf32>
  return %dx : tensor<2x3x6x6xf32>
}
