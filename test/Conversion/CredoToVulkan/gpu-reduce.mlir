// RUN: credo-opt %s --split-input-file --credo-gpu-reduce=subgroups=false | FileCheck %s
// RUN: credo-opt %s --split-input-file --credo-gpu-reduce | FileCheck %s --check-prefix=SUB

// With subgroups (the default), a sum gets two kernels and the host picks
// one by the device: the subgroup kernel adds each subgroup's values at
// once (gpu.subgroup_reduce add), elects the subgroup's lowest invocation
// (a subgroup minimum of the numbers) to write the sum at its subgroup id,
// and invocation 0 adds the ceil(W / S) sums; the other kernel is the
// workgroup-memory one below.
// SUB-LABEL: func.func @sum
// SUB: %[[ANSWER:.*]] = call @credo_rt_vk_subgroup_reduce() : () -> i32
// SUB: %[[YES:.*]] = arith.cmpi ne, %[[ANSWER]], %c0_i32 : i32
// SUB: scf.if %[[YES]] {
// SUB: gpu.launch
// SUB: %[[P:.*]] = scf.for
// SUB: %[[S:.*]] = gpu.subgroup_reduce  add %[[P]] : (f32) -> f32
// SUB: %[[T32:.*]] = arith.index_castui %{{.*}} : index to i32
// SUB: %[[LOW:.*]] = gpu.subgroup_reduce  minui %[[T32]] : (i32) -> i32
// SUB: %[[ELECT:.*]] = arith.cmpi eq, %[[T32]], %[[LOW]] : i32
// SUB: scf.if %[[ELECT]] {
// SUB: %[[SID:.*]] = gpu.subgroup_id : index
// SUB: memref.store %[[S]], %{{.*}}[%[[SID]]] : memref<256xf32, 3>
// SUB: gpu.barrier
// SUB: gpu.subgroup_size : index
// SUB: scf.for
// SUB: arith.addf
// SUB: } else {
// SUB: gpu.launch
// SUB-COUNT-9: gpu.barrier
// A maximum keeps the workgroup-memory kernel alone (its NaN rule is the
// host's), as does anything not a sum of f32 or i32.
// SUB-LABEL: func.func @last_negative
// SUB-NOT: subgroup
// SUB-LABEL: func.func @mean

// A full sum over 3 x 50 = 150 iterations: one workgroup of 256
// invocations (the next power of two, at most 256); invocation t folds
// iterations t, t + 256, ... from -0.0 (the identity of addf), delinearized
// with the last dimension fastest; the partial sums are combined pairwise
// in workgroup memory (address space 3) in eight halving steps between
// barriers; invocation 0 adds the total to the output's value.
// CHECK-LABEL: func.func @sum
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c256{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// CHECK: %[[ID:.*]] = arith.constant -0.000000e+00 : f32
// CHECK: %[[P:.*]] = scf.for %[[I:.*]] = %[[T]] to %c150{{.*}} step %c256{{.*}} iter_args(%[[ACC:.*]] = %[[ID]]) -> (f32) {
// CHECK: %[[J:.*]] = arith.remui %[[I]], %c50
// CHECK: %[[K:.*]] = arith.divui %[[I]], %c50
// CHECK: %[[X:.*]] = memref.load %{{.*}}[%[[K]], %[[J]]] : memref<3x50xf32>
// CHECK: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK: %[[S:.*]] = arith.addf %[[SQ]], %[[ACC]] : f32
// CHECK: scf.yield %[[S]] : f32
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[T]], %c0
// CHECK: %[[SH:.*]] = memref.alloc() : memref<256xf32, 3>
// CHECK: memref.store %[[P]], %[[SH]][%[[T]]]
// CHECK: gpu.barrier
// CHECK: arith.cmpi ult, %[[T]], %c128
// CHECK: scf.if
// CHECK: %[[A:.*]] = memref.load %[[SH]][%[[T]]]
// CHECK: %[[B:.*]] = memref.load %[[SH]][%{{.*}}]
// CHECK: %[[AB:.*]] = arith.addf %[[B]], %[[A]] : f32
// CHECK: memref.store %[[AB]], %[[SH]][%[[T]]]
// CHECK: gpu.barrier
// CHECK-COUNT-7: gpu.barrier
// CHECK: scf.if %[[FIRST]] {
// CHECK: %[[TOT:.*]] = memref.load %[[SH]][%c0{{.*}}]
// CHECK: %[[OLD:.*]] = memref.load %{{.*}}[] : memref<f32>
// CHECK: %[[NEW:.*]] = arith.addf %[[TOT]], %[[OLD]] : f32
// CHECK: memref.store %[[NEW]], %{{.*}}[] : memref<f32>
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
func.func @sum(%x: memref<3x50xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> ()>],
                  iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<3x50xf32>) outs(%out : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %sq = arith.mulf %in, %in : f32
    %s = arith.addf %sq, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// An integer maximum over 6 iterations that uses the iteration number
// (linalg.index): 8 invocations, identity the smallest i64, three halving
// steps; the first operand of the combiner stays the accumulator.
// CHECK-LABEL: func.func @last_negative
// CHECK: threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c8{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// CHECK: %[[ID:.*]] = arith.constant -9223372036854775808 : i64
// CHECK: scf.for %[[I:.*]] = %[[T]] to %c6{{.*}} step %c8{{.*}} iter_args(%[[ACC:.*]] = %[[ID]]) -> (i64) {
// CHECK: memref.load %{{.*}}[%[[I]]] : memref<6xi32>
// CHECK: arith.index_cast %[[I]] : index to i64
// CHECK: arith.maxsi %[[ACC]], %{{.*}} : i64
// CHECK: memref.alloc() : memref<8xi64, 3>
// CHECK-COUNT-4: gpu.barrier
// CHECK: arith.maxsi %{{.*}}, %{{.*}} : i64
// CHECK-NOT: linalg.generic
func.func @last_negative(%x: memref<6xi32>, %out: memref<i64>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>,
                                   affine_map<(d0) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%x : memref<6xi32>) outs(%out : memref<i64>) {
  ^bb0(%in: i32, %acc: i64):
    %i = linalg.index 0 : index
    %zero = arith.constant 0 : i32
    %none = arith.constant -1 : i64
    %neg = arith.cmpi slt, %in, %zero : i32
    %ii = arith.index_cast %i : index to i64
    %v = arith.select %neg, %ii, %none : i64
    %m = arith.maxsi %acc, %v : i64
    linalg.yield %m : i64
  }
  return
}

// -----

// Scalar arithmetic with no loop (the mean after the sum): one invocation.
// CHECK-LABEL: func.func @mean
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// CHECK: %[[OLD:.*]] = memref.load %[[OUT:.*]][] : memref<f32>
// CHECK: %[[S:.*]] = memref.load %{{.*}}[] : memref<f32>
// CHECK: %[[M:.*]] = arith.divf %[[S]], %{{.*}} : f32
// CHECK: memref.store %[[M]], %[[OUT]][] : memref<f32>
// CHECK-NOT: linalg.generic
func.func @mean(%sum: memref<f32>, %out: memref<f32>) {
  %n = arith.constant 128.0 : f32
  linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>],
                  iterator_types = []}
      ins(%sum : memref<f32>) outs(%out : memref<f32>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.divf %in, %n : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A reduction per output (10 outputs, 3 x 100 = 300 steps each): one
// workgroup of 64 invocations per output (grid 10 x 1), each folding
// steps t, t + 64, ... of its output's row; the partial values combined in
// six halving steps; invocation 0 of a workgroup with an output stores it.
// CHECK-LABEL: func.func @per_output
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %{{.*}}) in (%{{[a-z0-9_]+}} = %c10{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c64{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// CHECK: %[[O:.*]] = arith.addi %{{.*}}, %[[BX]] : index
// CHECK: %[[VALID:.*]] = arith.cmpi ult, %[[O]], %c10
// CHECK: %[[OUT:.*]] = arith.select %[[VALID]], %[[O]], %c9
// CHECK: scf.for %{{.*}} = %[[T]] to %c300{{.*}} step %c64{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32) {
// CHECK: memref.load %{{.*}}[%[[OUT]], %{{.*}}, %{{.*}}] : memref<10x3x100xf32>
// CHECK: memref.alloc() : memref<64xf32, 3>
// CHECK-COUNT-7: gpu.barrier
// CHECK: memref.load %{{.*}}[%[[OUT]]] : memref<10xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[OUT]]] : memref<10xf32>
// CHECK-NOT: linalg.generic
func.func @per_output(%x: memref<10x3x100xf32>, %out: memref<10xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                                   affine_map<(d0, d1, d2) -> (d0)>],
                  iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : memref<10x3x100xf32>) outs(%out : memref<10xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Left on the host: a reduction whose result the host code loads (it needs
// the value there anyway), one whose accumulator is used twice (not a
// combiner); and to credo-parallel-to-gpu (one invocation per output) a
// reduction of 6 steps per output.
// CHECK-LABEL: func.func @host_read
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK: memref.load
// CHECK: call @report
// CHECK-LABEL: func.func @not_a_combiner
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK-LABEL: func.func @rows
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func private @report(i64)
func.func @host_read(%x: memref<6xi64>, %out: memref<i64>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>,
                                   affine_map<(d0) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%x : memref<6xi64>) outs(%out : memref<i64>) {
  ^bb0(%in: i64, %acc: i64):
    %m = arith.minsi %in, %acc : i64
    linalg.yield %m : i64
  }
  %v = memref.load %out[] : memref<i64>
  call @report(%v) : (i64) -> ()
  return
}
func.func @not_a_combiner(%x: memref<6xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>,
                                   affine_map<(d0) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%x : memref<6xf32>) outs(%out : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %sq = arith.mulf %acc, %acc : f32
    %s = arith.addf %sq, %in : f32
    linalg.yield %s : f32
  }
  return
}
func.func @rows(%x: memref<4x6xf32>, %out: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x6xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  return
}
