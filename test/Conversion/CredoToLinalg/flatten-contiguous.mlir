// RUN: credo-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(credo-flatten-contiguous))' | FileCheck %s
// An elementwise op on contiguous buffers becomes the same op on
// one-dimensional views; broadcasts, transposes, reductions, strided views
// and ops that read their indices keep their loop nest.

// CHECK-LABEL: func.func @copy
// CHECK-DAG: %[[A:.*]] = memref.collapse_shape %arg0 {{\[\[}}0, 1]] : memref<25x32xf32> into memref<800xf32>
// CHECK-DAG: %[[B:.*]] = memref.collapse_shape %arg1 {{\[\[}}0, 1]] : memref<25x32xf32> into memref<800xf32>
// CHECK: linalg.copy ins(%[[A]] : memref<800xf32>) outs(%[[B]] : memref<800xf32>)
func.func @copy(%a: memref<25x32xf32>, %b: memref<25x32xf32>) {
  linalg.copy ins(%a : memref<25x32xf32>) outs(%b : memref<25x32xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @add3d
// CHECK-COUNT-3: memref.collapse_shape {{.*}} {{\[\[}}0, 1, 2]] : memref<2x3x4xf32> into memref<24xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel"]}
// CHECK-SAME: memref<24xf32>
// CHECK: arith.addf
func.func @add3d(%a: memref<2x3x4xf32>, %b: memref<2x3x4xf32>, %c: memref<2x3x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%a, %b : memref<2x3x4xf32>, memref<2x3x4xf32>) outs(%c : memref<2x3x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A scalar operand (an optimizer's learning rate) is the same at every
// element: an SGD update of a 50 x 10 matrix is one loop of 500 (its inner
// dimension alone, 10, would leave most of it to a vector remainder).
// CHECK-LABEL: func.func @sgd
// CHECK-COUNT-3: memref.collapse_shape {{.*}} {{\[\[}}0, 1]] : memref<50x10xf32> into memref<500xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %arg2 : memref<500xf32>, memref<500xf32>, memref<f32>) outs(%{{.*}} : memref<500xf32>)
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @sgd(%p: memref<50x10xf32>, %g: memref<50x10xf32>, %lr: memref<f32>, %o: memref<50x10xf32>) {
  linalg.generic {indexing_maps = [#id2, #id2, affine_map<(d0, d1) -> ()>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%p, %g, %lr : memref<50x10xf32>, memref<50x10xf32>, memref<f32>) outs(%o : memref<50x10xf32>) {
  ^bb0(%x: f32, %y: f32, %r: f32, %z: f32):
    %m = arith.mulf %r, %y : f32
    %v = arith.subf %x, %m : f32
    linalg.yield %v : f32
  }
  return
}

// -----

// CHECK-LABEL: func.func @kept
// CHECK-NOT: memref.collapse_shape
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
func.func @kept(%a: memref<4x8xf32>, %bias: memref<8xf32>, %t: memref<8x4xf32>,
                %s: memref<4x8xf32, strided<[16, 1]>>, %o: memref<4x8xf32>, %r: memref<4xf32>) {
  // A broadcast operand.
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %bias : memref<4x8xf32>, memref<8xf32>) outs(%o : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %v = arith.addf %x, %y : f32
    linalg.yield %v : f32
  }
  // A transpose.
  linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%t : memref<8x4xf32>) outs(%o : memref<4x8xf32>) {
  ^bb0(%x: f32, %z: f32):
    linalg.yield %x : f32
  }
  // A strided (non-contiguous) view.
  linalg.copy ins(%s : memref<4x8xf32, strided<[16, 1]>>) outs(%o : memref<4x8xf32>)
  // A reduction.
  linalg.generic {indexing_maps = [#id, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<4x8xf32>) outs(%r : memref<4xf32>) {
  ^bb0(%x: f32, %z: f32):
    %v = arith.addf %x, %z : f32
    linalg.yield %v : f32
  }
  // An op that reads its position.
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%o : memref<4x8xf32>) {
  ^bb0(%x: f32, %z: f32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    %v = arith.addf %x, %f : f32
    linalg.yield %v : f32
  }
  return
}
