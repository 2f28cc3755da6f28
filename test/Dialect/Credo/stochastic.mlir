// RUN: credo-opt %s | FileCheck %s
// RUN: credo-opt %s | credo-opt | FileCheck %s
// RUN: credo-opt %s -mlir-print-op-generic | credo-opt | FileCheck %s
// Round trip of the stochastic-node ops: Bernoulli and categorical samplers
// with their three results, execute flags by probability and by period, and
// the hold.

// CHECK-LABEL: func.func @samplers
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = credo.bernoulli %{{.*}}, %{{.*}} step %{{.*}} {stream = 3 : i64} : tensor<1x32xf32>, tensor<2xi64>
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = credo.categorical %{{.*}}, %{{.*}} {stream = 4 : i64} : tensor<2x4xf32>, tensor<2xi64>
func.func @samplers(%l: tensor<1x32xf32>, %c: tensor<2x4xf32>, %g: tensor<2xi64>, %t: index) -> (tensor<1x32xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<2xi64>, tensor<2xf32>, tensor<2x4xf32>) {
  %u, %lp, %s = credo.bernoulli %l, %g step %t {stream = 3 : i64} : tensor<1x32xf32>, tensor<2xi64>
  %a, %lpa, %sa = credo.categorical %c, %g {stream = 4 : i64} : tensor<2x4xf32>, tensor<2xi64>
  return %u, %lp, %s, %a, %lpa, %sa : tensor<1x32xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<2xi64>, tensor<2xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @execute
// CHECK: credo.execute_flags %{{.*}} {p = 6.000000e-01 : f64, stream = 5 : i64} : tensor<2xi64> -> tensor<1x32xf32>
// CHECK: credo.execute_flags %{{.*}} step %{{.*}} {period = 4 : i64} : tensor<2xi64> -> tensor<1x32xf32>
// CHECK: credo.hold %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x32xf32>
func.func @execute(%u: tensor<1x32xf32>, %prev: tensor<1x32xf32>, %g: tensor<2xi64>, %t: index) -> (tensor<1x32xf32>, tensor<1x32xf32>) {
  %e = credo.execute_flags %g {p = 0.6 : f64, stream = 5 : i64} : tensor<2xi64> -> tensor<1x32xf32>
  %e2 = credo.execute_flags %g step %t {period = 4 : i64} : tensor<2xi64> -> tensor<1x32xf32>
  %h = credo.hold %e, %u, %prev : tensor<1x32xf32>
  return %h, %e2 : tensor<1x32xf32>, tensor<1x32xf32>
}
