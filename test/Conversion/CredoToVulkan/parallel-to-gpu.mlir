// RUN: credo-opt %s --credo-parallel-to-gpu --split-input-file | FileCheck %s

// A 4x256 loop: 1,024 iterations in 16 workgroups of 64, each invocation
// delinearizing its number (last dimension fastest) behind a bounds check;
// constants live in the kernel.
// CHECK-LABEL: func.func @copy
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c16, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c64, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}})
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[N:.*]] = arith.muli %{{.*}}, %[[C64]] : index
// CHECK: %[[I:.*]] = arith.addi %[[N]], %{{.*}} : index
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[I]], %{{.*}} : index
// CHECK: scf.if %[[IN]] {
// CHECK: %[[J:.*]] = arith.remui %[[I]], %{{.*}} : index
// CHECK: %[[R:.*]] = arith.divui %[[I]], %{{.*}} : index
// CHECK: %[[V:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<256xf32>
// CHECK: memref.store %[[V]], %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x256xf32>
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
func.func @copy(%b: memref<256xf32>, %y: memref<4x256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c256 = arith.constant 256 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c256) step (%c1, %c1) {
    %v = memref.load %b[%j] : memref<256xf32>
    memref.store %v, %y[%i, %j] : memref<4x256xf32>
    scf.reduce
  }
  return
}

// -----

// More than 65,535 workgroups: the grid is split over y.
// CHECK-LABEL: func.func @big
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c32768, %{{.*}} = %c2, %{{.*}} = %c1{{.*}})
func.func @big(%y: memref<4194304xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 4194304 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %z, %y[%i] : memref<4194304xf32>
    scf.reduce
  }
  return
}

// -----

// A parallel loop inside a kernel runs sequentially in each invocation.
// CHECK-LABEL: func.func @nested
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK-NOT: scf.parallel
func.func @nested(%y: memref<8x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c3) step (%c1) {
      memref.store %z, %y[%i, %j] : memref<8x3xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// A time step's view of a recorded sequence (offset known at run time):
// the kernel gets the whole buffer as one dimension and the offset.
// CHECK-LABEL: func.func @step_view
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [24], strides: [1] : memref<4x2x3xf32> to memref<24xf32>
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[FLAT]][%{{.*}}] : memref<24xf32>
func.func @step_view(%seq: memref<4x2x3xf32>, %t: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %z = arith.constant 1.0 : f32
  %v = memref.subview %seq[%t, 0, 0] [1, 2, 3] [1, 1, 1] : memref<4x2x3xf32> to memref<2x3xf32, strided<[3, 1], offset: ?>>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    memref.store %z, %v[%i, %j] : memref<2x3xf32, strided<[3, 1], offset: ?>>
    scf.reduce
  }
  return
}
