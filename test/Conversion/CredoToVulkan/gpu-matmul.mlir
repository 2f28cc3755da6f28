// RUN: credo-opt %s --credo-gpu-matmul | FileCheck %s
// RUN: credo-opt %s --credo-gpu-matmul=tile=8 | FileCheck %s --check-prefix=TILE8

// C += A·B as one kernel: a workgroup of 16 x 16 invocations per 16 x 16
// tile of C (grid: ⌈34/16⌉ x ⌈38/16⌉), both operands staged through
// workgroup memory (address space 3) one k-tile at a time between
// barriers, out-of-range elements loaded as zero, one read-add-write of C.
// CHECK-LABEL: func.func @product
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c3, %{{.*}} = %c3{{.*}}, %{{.*}} = %c1) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c16, %{{.*}} = %c16{{.*}}, %{{.*}} = %c1{{.*}})
// CHECK: %[[AS:.*]] = memref.alloc() : memref<16x16xf32, 3>
// CHECK: %[[BS:.*]] = memref.alloc() : memref<16x16xf32, 3>
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32) {
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: memref.load %{{.*}} : memref<38x9xf32>
// CHECK: } else {
// CHECK: memref.store %{{.*}}, %[[AS]]
// CHECK: memref.store %{{.*}}, %[[BS]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: memref.load %[[AS]]
// CHECK: memref.load %[[BS]]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: %[[OLD:.*]] = memref.load %{{.*}} : memref<38x34xf32>
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[SUM]] : f32
// CHECK: memref.store %[[NEW]]
// CHECK-NOT: linalg.matmul
// TILE8: threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c8, %{{.*}} = %c8{{.*}}, %{{.*}} = %c1{{.*}})
// TILE8: memref.alloc() : memref<8x8xf32, 3>
func.func @product(%a: memref<38x9xf32>, %b: memref<9x34xf32>, %c: memref<38x34xf32>) {
  linalg.matmul ins(%a, %b : memref<38x9xf32>, memref<9x34xf32>) outs(%c : memref<38x34xf32>)
  return
}

// Integer products keep the portable loops.
// CHECK-LABEL: func.func @integers
// CHECK: linalg.matmul
func.func @integers(%a: memref<2x3xi32>, %b: memref<3x4xi32>, %c: memref<2x4xi32>) {
  linalg.matmul ins(%a, %b : memref<2x3xi32>, memref<3x4xi32>) outs(%c : memref<2x4xi32>)
  return
}
