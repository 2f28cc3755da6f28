// RUN: credo-opt %s --pass-pipeline='builtin.module(func.func(credo-read-only-arguments))' | FileCheck %s
// RUN: credo-opt %s --credo-read-only-arguments --one-shot-bufferize=bufferize-function-boundaries --canonicalize | FileCheck %s --check-prefix=BUF
// Tensor arguments (a model's inputs and parameters) are read-only for
// bufferization: a loop whose state starts as an argument updates a copy.

// CHECK-LABEL: func.func @state
// CHECK-SAME: %arg0: tensor<2x3xf32> {bufferization.writable = false, credo.param = "h0"}
// CHECK-SAME: %arg1: tensor<4x2x3xf32> {bufferization.writable = false}
// CHECK-SAME: %arg2: index)
// BUF-LABEL: func.func @state
// BUF: %[[COPY:.*]] = memref.alloc() {{.*}} : memref<2x3xf32>
// BUF: memref.copy %arg0, %[[COPY]]
// BUF: scf.for
// BUF: linalg.generic {{.*}} outs(%[[COPY]] : memref<2x3xf32>)
// BUF: return %[[COPY]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @state(%h0: tensor<2x3xf32> {credo.param = "h0"}, %x: tensor<4x2x3xf32>, %n: index) -> tensor<2x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %t = %c0 to %n step %c1 iter_args(%h = %h0) -> (tensor<2x3xf32>) {
    %xt = tensor.extract_slice %x[%t, 0, 0] [1, 2, 3] [1, 1, 1] : tensor<4x2x3xf32> to tensor<2x3xf32>
    %next = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%xt : tensor<2x3xf32>) outs(%h : tensor<2x3xf32>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %o : f32
      linalg.yield %s : f32
    } -> tensor<2x3xf32>
    scf.yield %next : tensor<2x3xf32>
  }
  return %r : tensor<2x3xf32>
}
