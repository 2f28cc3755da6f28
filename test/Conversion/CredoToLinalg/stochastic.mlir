// RUN: credo-opt %s --convert-credo-to-linalg | FileCheck %s
// RUN: credo-opt %s --credo-cpu-pipeline=kernels=reference | FileCheck %s --check-prefix=LLVM
// A Bernoulli sampler is one elementwise generic with three results (Philox
// from linalg.index, the sigmoid, U·l − softplus(l), U − σ); a categorical
// sampler is a generic over the rows (scf.for loops for the max, the
// normaliser and the inverse-CDF scan) and one over [B, K] for the score;
// execute flags and the hold are elementwise.

// CHECK-LABEL: func.func @bernoulli
// CHECK: %[[R:.*]]:3 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}} : tensor<1x32xf32>) outs(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x32xf32>, tensor<1x32xf32>, tensor<1x32xf32>)
// CHECK: linalg.index 1
// CHECK: arith.mului_extended
// CHECK: math.exp
// CHECK: arith.cmpf olt
// CHECK: math.log1p
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
// CHECK-NOT: credo.
// CHECK: return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @bernoulli(%l: tensor<1x32xf32>, %g: tensor<2xi64>) -> (tensor<1x32xf32>, tensor<1x32xf32>, tensor<1x32xf32>) {
  %u, %lp, %s = credo.bernoulli %l, %g {stream = 3 : i64} : tensor<1x32xf32>, tensor<2xi64>
  return %u, %lp, %s : tensor<1x32xf32>, tensor<1x32xf32>, tensor<1x32xf32>
}

// CHECK-LABEL: func.func @categorical
// CHECK: %[[ROW:.*]]:4 = linalg.generic {{.*}} iterator_types = ["parallel"]} outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2xi64>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK: scf.for
// CHECK: arith.maximumf
// CHECK: scf.for
// CHECK: math.exp
// CHECK: scf.for {{.*}} -> (f32, i64)
// CHECK: arith.cmpf ogt
// CHECK: math.log
// CHECK: %[[SCORE:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[ROW]]#0, %[[ROW]]#2, %[[ROW]]#3 : tensor<2x4xf32>, tensor<2xi64>, tensor<2xf32>, tensor<2xf32>)
// CHECK: return %[[ROW]]#0, %[[ROW]]#1, %[[SCORE]]
func.func @categorical(%l: tensor<2x4xf32>, %g: tensor<2xi64>) -> (tensor<2xi64>, tensor<2xf32>, tensor<2x4xf32>) {
  %a, %lp, %s = credo.categorical %l, %g {stream = 4 : i64} : tensor<2x4xf32>, tensor<2xi64>
  return %a, %lp, %s : tensor<2xi64>, tensor<2xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @execute
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x32xf32>)
// CHECK: arith.cmpf olt
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x32xf32>)
// CHECK: arith.remui
// CHECK: arith.cmpi eq
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x32xf32>, tensor<1x32xf32>, tensor<1x32xf32>)
// CHECK: arith.mulf
// CHECK: arith.subf
// LLVM-LABEL: llvm.func @execute
// LLVM-NOT: credo.
func.func @execute(%u: tensor<1x32xf32>, %prev: tensor<1x32xf32>, %g: tensor<2xi64>) -> (tensor<1x32xf32>, tensor<1x32xf32>) {
  %e = credo.execute_flags %g {p = 0.6 : f64, stream = 5 : i64} : tensor<2xi64> -> tensor<1x32xf32>
  %e2 = credo.execute_flags %g {period = 4 : i64} : tensor<2xi64> -> tensor<1x32xf32>
  %h = credo.hold %e, %u, %prev : tensor<1x32xf32>
  return %h, %e2 : tensor<1x32xf32>, tensor<1x32xf32>
}

// A single unit (rank 0) with a period is unit 0: the clock is n (+ t).
// CHECK-LABEL: func.func @execute_one
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<f32>)
// CHECK-NOT: linalg.index
// CHECK: arith.remui
// LLVM-LABEL: llvm.func @execute_one
func.func @execute_one(%g: tensor<2xi64>) -> tensor<f32> {
  %e = credo.execute_flags %g {period = 2 : i64} : tensor<2xi64> -> tensor<f32>
  return %e : tensor<f32>
}
