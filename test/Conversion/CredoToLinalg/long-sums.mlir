// RUN: credo-opt %s --credo-long-sums-in-f64 | FileCheck %s

// A sum of 2^22 f32 terms accumulates in f64: the initial value extended,
// each term extended before the addition, the sum rounded once.
// CHECK-LABEL: func.func @long
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<f32>) outs(%{{.*}} : tensor<f64>)
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<4194304xf32>) outs(%[[INIT]] : tensor<f64>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[ACC:.*]]: f64):
// CHECK: %[[SQ:.*]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK: %[[W:.*]] = arith.extf %[[SQ]] : f32 to f64
// CHECK: arith.addf %[[W]], %[[ACC]] : f64
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<f64>) outs(%{{.*}} : tensor<f32>)
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: return %[[R]] : tensor<f32>
func.func @long(%x: tensor<4194304xf32>, %init: tensor<f32>) -> tensor<f32> {
  %s = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%x : tensor<4194304xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %y = arith.addf %sq, %acc : f32
    linalg.yield %y : f32
  } -> tensor<f32>
  return %s : tensor<f32>
}

// From 2^12 terms (here over two reduction loops) a sum accumulates in f64.
// CHECK-LABEL: func.func @threshold
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: return
func.func @threshold(%x: tensor<2x2048xf32>, %i: tensor<f32>) -> tensor<f32> {
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>],
                       iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<2x2048xf32>) outs(%i : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %s : tensor<f32>
}

// Shorter sums (2^12 - 1 terms in all, over two reduction loops), maxima
// and f64 sums stay as they are.
// CHECK-LABEL: func.func @short
// CHECK-NOT: arith.extf
// CHECK: return
func.func @short(%x: tensor<3x1365xf32>, %y: tensor<4194304xf32>,
                 %z: tensor<4194304xf64>, %i: tensor<f32>, %d: tensor<f64>)
    -> (tensor<f32>, tensor<f32>, tensor<f64>) {
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>],
                       iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<3x1365xf32>) outs(%i : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%y : tensor<4194304xf32>) outs(%i : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %w = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%z : tensor<4194304xf64>) outs(%d : tensor<f64>) {
  ^bb0(%a: f64, %acc: f64):
    %r = arith.addf %a, %acc : f64
    linalg.yield %r : f64
  } -> tensor<f64>
  return %s, %m, %w : tensor<f32>, tensor<f32>, tensor<f64>
}
