// RUN: credo-opt %s | FileCheck %s
// RUN: credo-opt %s | credo-opt | FileCheck %s
// RUN: credo-opt %s -mlir-print-op-generic | credo-opt | FileCheck %s
// Round trip of the sparse-index ops: gathers and scatter-adds through index
// tuples, the sparse contraction, and the hyperlayer's parameterisation,
// sampler, duplicate mask, densities (and their gradients) and rounding.

// CHECK-LABEL: func @tuples
func.func @tuples(%x: tensor<64x16xf32>, %idx: tensor<16x12x2xi64>, %w: tensor<16x12xf32>) -> (tensor<64x16xf32>, tensor<64x16xf32>) {
  // CHECK: credo.gather %{{.*}}, %{{.*}} {column = 1 : i64} : tensor<64x16xf32>, tensor<16x12x2xi64> -> tensor<64x16x12xf32>
  %a = credo.gather %x, %idx {column = 1 : i64} : tensor<64x16xf32>, tensor<16x12x2xi64> -> tensor<64x16x12xf32>
  // CHECK: credo.scatter_add %{{.*}}, %{{.*}} {size = 16 : i64} : tensor<64x16x12xf32>, tensor<16x12x2xi64> -> tensor<64x16xf32>
  %b = credo.scatter_add %a, %idx {column = 0 : i64, size = 16 : i64} : tensor<64x16x12xf32>, tensor<16x12x2xi64> -> tensor<64x16xf32>
  // CHECK: credo.sparse_contract %{{.*}}, %{{.*}}, %{{.*}} {size = 16 : i64} : tensor<16x12x2xi64>, tensor<16x12xf32>, tensor<64x16xf32> -> tensor<64x16xf32>
  %c = credo.sparse_contract %idx, %w, %x {size = 16 : i64} : tensor<16x12x2xi64>, tensor<16x12xf32>, tensor<64x16xf32> -> tensor<64x16xf32>
  // The input gradient: the same contraction with the columns swapped.
  // CHECK: credo.sparse_contract {{.*}} {columns = array<i64: 1, 0>, size = 16 : i64}
  %d = credo.sparse_contract %idx, %w, %c {size = 16 : i64, columns = array<i64: 1, 0>} : tensor<16x12x2xi64>, tensor<16x12xf32>, tensor<64x16xf32> -> tensor<64x16xf32>
  return %b, %d : tensor<64x16xf32>, tensor<64x16xf32>
}

// CHECK-LABEL: func @hyper
func.func @hyper(%x: tensor<64x16xf64>, %mt: tensor<16x2xf64>, %st: tensor<16x2xf64>, %v: tensor<16xf64>, %g: tensor<2xi64>) -> (tensor<64x16xf64>, tensor<16x2xf64>, tensor<16x2xi64>) {
  // CHECK: %[[MU:.*]], %[[S2:.*]] = credo.hyper_params %{{.*}}, %{{.*}} {size = array<i64: 16, 16>} : tensor<16x2xf64>, tensor<16x2xf64>
  %mu, %s2 = credo.hyper_params %mt, %st {size = array<i64: 16, 16>, sigma_scale = 0.1 : f64} : tensor<16x2xf64>, tensor<16x2xf64>
  // CHECK: credo.hyper_params_grad {{.*}} : tensor<16x2xf64>, tensor<16x2xf64>, tensor<16x2xf64>, tensor<16x2xf64>
  %gm, %gs = credo.hyper_params_grad %mu, %s2, %mt, %st {size = array<i64: 16, 16>} : tensor<16x2xf64>, tensor<16x2xf64>, tensor<16x2xf64>, tensor<16x2xf64>
  // P = 2^2 + 3 + 5 = 12 points per tuple.
  // CHECK: credo.hyper_sample %[[MU]], %{{.*}} {global = 3 : i64, local = 5 : i64, region = 2 : i64, size = array<i64: 16, 16>, stream = 7 : i64} : tensor<16x2xf64>, tensor<2xi64> -> tensor<16x12x2xi64>
  %p = credo.hyper_sample %mu, %g {size = array<i64: 16, 16>, global = 3 : i64, local = 5 : i64, region = 2 : i64, stream = 7 : i64} : tensor<16x2xf64>, tensor<2xi64> -> tensor<16x12x2xi64>
  // CHECK: credo.index_dedup %{{.*}} : tensor<16x12x2xi64> -> tensor<16x12xf64>
  %m = credo.index_dedup %p : tensor<16x12x2xi64> -> tensor<16x12xf64>
  // CHECK: credo.gaussian_density {{.*}} -> tensor<16x12xf64>
  %rho = credo.gaussian_density %p, %mu, %s2, %m : tensor<16x12x2xi64>, tensor<16x2xf64>, tensor<16x2xf64>, tensor<16x12xf64> -> tensor<16x12xf64>
  // CHECK: credo.gaussian_density_grad {{.*}} : tensor<16x12xf64>, tensor<16x12x2xi64>, tensor<16x2xf64>, tensor<16x2xf64>, tensor<16x12xf64>
  %d1, %d2 = credo.gaussian_density_grad %rho, %p, %mu, %s2, %m : tensor<16x12xf64>, tensor<16x12x2xi64>, tensor<16x2xf64>, tensor<16x2xf64>, tensor<16x12xf64>
  // CHECK: credo.round_indices %{{.*}} {size = array<i64: 16, 16>} : tensor<16x2xf64> -> tensor<16x2xi64>
  %r = credo.round_indices %mu {size = array<i64: 16, 16>} : tensor<16x2xf64> -> tensor<16x2xi64>
  // CHECK: credo.sparse_hyper {{.*}} {stream = 1 : i64, units = 16 : i64} : tensor<64x16xf64>, tensor<16x2xf64>, tensor<16x2xf64>, tensor<16xf64>, tensor<2xi64> -> tensor<64x16xf64>
  %y = credo.sparse_hyper %x, %mt, %st, %v, %g {units = 16 : i64, stream = 1 : i64} : tensor<64x16xf64>, tensor<16x2xf64>, tensor<16x2xf64>, tensor<16xf64>, tensor<2xi64> -> tensor<64x16xf64>
  return %y, %d1, %r : tensor<64x16xf64>, tensor<16x2xf64>, tensor<16x2xi64>
}

// A fixed sparse layer's connectivity: distinct pairs drawn at initialization.
// CHECK: credo.param @pairs : tensor<6x2xi64> init #credo.init<random_pairs, rows = 4, cols = 3, seed = 9>
credo.param @pairs : tensor<6x2xi64> init #credo.init<random_pairs, rows = 4, cols = 3, seed = 9>
