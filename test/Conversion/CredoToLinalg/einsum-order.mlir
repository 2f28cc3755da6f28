// RUN: credo-opt %s --convert-credo-to-linalg | FileCheck %s
// RUN: credo-opt %s --convert-credo-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS
// The loops of an einsum's generic: a sum over a letter that is no
// operand's last dimension (the batch) runs outermost, so that the inner
// loops walk the rows of the operands and the result (b, then j, i; and b,
// then j); a sum over an operand's last dimension stays innermost, a dot
// product along a row (i, then j). Either way each element adds its terms
// in the order of the summed letters.

// CHECK-DAG: #[[B_I:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[B_IJ:.+]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[B_JI:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[D1:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[D0:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @batch_sum
// CHECK: linalg.generic {indexing_maps = [#[[B_I]], #[[B_IJ]], #[[B_JI]]], iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[D1]]], iterator_types = ["reduction", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[D1]], #[[D0]]], iterator_types = ["parallel", "reduction"]}
func.func @batch_sum(%d: tensor<16x10xf32>, %e: tensor<16x10x100xf32>, %w: tensor<8x10xf32>, %v: tensor<10xf32>) -> (tensor<100x10xf32>, tensor<10xf32>, tensor<8xf32>) {
  %g = credo.einsum %d, %e {spec = "bi,bij->ji"} : tensor<16x10xf32>, tensor<16x10x100xf32> -> tensor<100x10xf32>
  %s = credo.einsum %w {spec = "bj->j"} : tensor<8x10xf32> -> tensor<10xf32>
  %m = credo.einsum %w, %v {spec = "ij,j->i"} : tensor<8x10xf32>, tensor<10xf32> -> tensor<8xf32>
  return %g, %s, %m : tensor<100x10xf32>, tensor<10xf32>, tensor<8xf32>
}

// The column sum as loops: the 8 rows outside, the 10 columns inside,
// each step adding one element of a row to its column's sum.
// LOOPS-LABEL: func.func @column_sum
// LOOPS: scf.for %[[B:.+]] = %c0 to %c8 step %c1 {
// LOOPS-NEXT: scf.for %[[J:.+]] = %c0 to %c10 step %c1 {
// LOOPS-NEXT: %[[X:.+]] = memref.load %{{.+}}[%[[B]], %[[J]]]
// LOOPS-NEXT: %[[S:.+]] = memref.load %[[OUT:.+]][%[[J]]]
// LOOPS-NEXT: %[[T:.+]] = arith.addf %[[S]], %[[X]] : f32
// LOOPS-NEXT: memref.store %[[T]], %[[OUT]][%[[J]]]
func.func @column_sum(%w: tensor<8x10xf32>) -> tensor<10xf32> {
  %s = credo.einsum %w {spec = "bj->j"} : tensor<8x10xf32> -> tensor<10xf32>
  return %s : tensor<10xf32>
}
