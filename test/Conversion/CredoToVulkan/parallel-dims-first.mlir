// RUN: credo-opt %s --credo-parallel-dims-first | FileCheck %s
// RUN: credo-opt %s --credo-parallel-dims-first --convert-linalg-to-parallel-loops | FileCheck %s --check-prefix=LOOPS

// A bias gradient (sum over the batch, [reduction, parallel]) gets its
// parallel dimension first, so it becomes one parallel loop (one kernel)
// with the reduction inside, not a reduction loop around a parallel one.
// CHECK: #[[IN:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK: #[[OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
// LOOPS: scf.parallel (%[[J:.*]]) =
// LOOPS: scf.for %[[B:.*]] =
// LOOPS: memref.load %{{.*}}[%[[B]], %[[J]]] : memref<128x10xf32>
#in = affine_map<(b, j) -> (b, j)>
#out = affine_map<(b, j) -> (j)>
func.func @bias_grad(%dy: memref<128x10xf32>, %db: memref<10xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%dy : memref<128x10xf32>) outs(%db : memref<10xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %acc, %x : f32
    linalg.yield %s : f32
  }
  return
}
