// RUN: credo-opt %s --convert-credo-to-linalg | FileCheck %s
// RUN: credo-opt %s --credo-cpu-pipeline=kernels=reference | FileCheck %s --check-prefix=LLVM
// Gathers read clamped indices inside a generic; scatter-adds and sparse
// contractions are scf.for nests over the tuples, then the batch, updating
// their result in place. Indices from outside are range-checked at run time
// (credo_rt_check_indices); the sampler's and the rounding's are in range by
// construction and are not. The sampler computes Philox per component; the
// evaluation form of the hyperlayer rounds its means and samples nothing.

// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic
// CHECK: call @credo_rt_check_indices
// CHECK: linalg.generic
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract %arg0
func.func @gather(%x: tensor<4x8xf32>, %i: tensor<6x2xi64>) -> tensor<4x6xf32> {
  %y = credo.gather %x, %i {column = 1 : i64} : tensor<4x8xf32>, tensor<6x2xi64> -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

// Tuples a time loop reads step by step: the check names the step (the
// loop's t, as i64).
// CHECK-LABEL: func.func @gather_steps
// CHECK: scf.for %[[T:.+]] = %{{.+}} to %{{.+}} step
// CHECK: %[[T64:.+]] = arith.index_cast %[[T]] : index to i64
// CHECK: call @credo_rt_check_indices_at({{.+}}, %[[T64]])
func.func @gather_steps(%x: tensor<4x8xf32>, %seq: tensor<3x6x2xi64>) -> tensor<4x6xf32> {
  %z = arith.constant dense<0.000000e+00> : tensor<4x6xf32>
  %r = credo.time_loop steps 3 iter_args(%z : tensor<4x6xf32>) -> (tensor<4x6xf32>) {
  ^bb0(%t: index, %acc: tensor<4x6xf32>):
    %i = credo.time_slice %seq[%t] : tensor<3x6x2xi64> -> tensor<6x2xi64>
    %g = credo.gather %x, %i {column = 1 : i64} : tensor<4x8xf32>, tensor<6x2xi64> -> tensor<4x6xf32>
    credo.yield %g : tensor<4x6xf32>
  }
  return %r : tensor<4x6xf32>
}

// CHECK-LABEL: func.func @contract
// Both columns are checked: outputs against 5, inputs against 8.
// CHECK-COUNT-2: call @credo_rt_check_indices
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK: tensor.insert
func.func @contract(%i: tensor<3x4x2xi64>, %w: tensor<3x4xf32>, %x: tensor<2x8xf32>) -> tensor<2x5xf32> {
  %y = credo.sparse_contract %i, %w, %x {size = 5 : i64} : tensor<3x4x2xi64>, tensor<3x4xf32>, tensor<2x8xf32> -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// A single tuple (indices [r], weight [], values [B]) is the loop over one
// tuple: the indices become [1, r], the weight and values get a dimension.
// CHECK-LABEL: func.func @contract_one
// CHECK-DAG: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1, 2] : tensor<2xi64> into tensor<1x2xi64>
// CHECK-DAG: tensor.expand_shape %{{.*}} [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK: scf.for
func.func @contract_one(%i: tensor<2xi64>, %w: tensor<f32>, %x: tensor<2x8xf32>) -> tensor<2x5xf32> {
  %y = credo.sparse_contract %i, %w, %x {size = 5 : i64} : tensor<2xi64>, tensor<f32>, tensor<2x8xf32> -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// CHECK-LABEL: func.func @scatter_one
// CHECK-DAG: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1, 3] : tensor<3xi64> into tensor<1x3xi64>
// CHECK-DAG: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [2, 1] : tensor<2xf32> into tensor<2x1xf32>
// CHECK: scf.for
func.func @scatter_one(%v: tensor<2xf32>, %i: tensor<3xi64>) -> tensor<2x6xf32> {
  %y = credo.scatter_add %v, %i {column = 1 : i64, size = 6 : i64} : tensor<2xf32>, tensor<3xi64> -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// CHECK-LABEL: func.func @sampled
// CHECK-NOT: credo_rt_check_indices
// CHECK: arith.mului_extended
// CHECK-DAG: math.floor
// CHECK-DAG: math.ceil
// CHECK-DAG: math.roundeven
// CHECK: scf.for
// CHECK: return
func.func @sampled(%mu: tensor<16x2xf32>, %g: tensor<2xi64>, %w: tensor<16x12xf32>, %x: tensor<64x16xf32>) -> tensor<64x16xf32> {
  %p = credo.hyper_sample %mu, %g {size = array<i64: 16, 16>, stream = 1 : i64} : tensor<16x2xf32>, tensor<2xi64> -> tensor<16x12x2xi64>
  %y = credo.sparse_contract %p, %w, %x {size = 16 : i64} : tensor<16x12x2xi64>, tensor<16x12xf32>, tensor<64x16xf32> -> tensor<64x16xf32>
  return %y : tensor<64x16xf32>
}

// CHECK-LABEL: func.func @density
// The chunk's largest kept log-density, then exp, sum and division.
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
func.func @density(%p: tensor<16x12x2xi64>, %mu: tensor<16x2xf32>, %s2: tensor<16x2xf32>, %m: tensor<16x12xf32>) -> tensor<16x12xf32> {
  %r = credo.gaussian_density %p, %mu, %s2, %m : tensor<16x12x2xi64>, tensor<16x2xf32>, tensor<16x2xf32>, tensor<16x12xf32> -> tensor<16x12xf32>
  return %r : tensor<16x12xf32>
}

// CHECK-LABEL: func.func @dedup
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: arith.cmpi eq
func.func @dedup(%p: tensor<16x12x2xi64>) -> tensor<16x12xf32> {
  %m = credo.index_dedup %p : tensor<16x12x2xi64> -> tensor<16x12xf32>
  return %m : tensor<16x12xf32>
}

// CHECK-LABEL: func.func @evaluate
// CHECK-NOT: arith.mului_extended
// CHECK-NOT: credo_rt_check_indices
// CHECK: math.roundeven
// CHECK: scf.for
func.func @evaluate(%x: tensor<64x16xf32>, %mt: tensor<16x2xf32>, %st: tensor<16x2xf32>, %v: tensor<16xf32>, %g: tensor<2xi64>) -> tensor<64x16xf32> {
  %y = credo.sparse_hyper %x, %mt, %st, %v, %g {units = 16 : i64, stream = 1 : i64} : tensor<64x16xf32>, tensor<16x2xf32>, tensor<16x2xf32>, tensor<16xf32>, tensor<2xi64> -> tensor<64x16xf32>
  return %y : tensor<64x16xf32>
}

// LLVM: llvm.func @credo_rt_check_indices(i64, i64, i64, i64, i64, i64)
// LLVM-LABEL: llvm.func @gather
// LLVM: llvm.call @credo_rt_check_indices
// LLVM-LABEL: llvm.func @evaluate
// LLVM: llvm.intr.roundeven
