// RUN: credo-opt %s --convert-credo-to-linalg | FileCheck %s
// Losses reduce to rank-0 tensors and divide by the element count.

// The labels are checked first: the first label outside [0, 10) (or 4 if
// none) and its value go to the runtime, with a constant string that names
// the node for the message.
// "node 'loss': label" for the op named loss, "label" where no node is named.
// CHECK-DAG: memref.global "private" constant @[[SITE:__credo_site_[0-9A-F]+]] : memref<19xi8> = dense<[110, 111, 100, 101, 32, 39, 108, 111, 115, 115, 39, 58, 32, 108, 97, 98, 101, 108, 0]>
// CHECK-DAG: memref.global "private" constant @{{__credo_site_[0-9A-F]+}} : memref<6xi8> = dense<[108, 97, 98, 101, 108, 0]>
// CHECK-DAG: func.func private @credo_rt_check_labels(i64, i64, i64, i64, i64)
// one_hot: the labels' range check, then one select per element.
// CHECK-LABEL: func.func @one_hot
// CHECK: call @credo_rt_check_labels
// CHECK: linalg.generic
// CHECK: linalg.index 1
// CHECK: arith.cmpi eq
// CHECK: arith.select %{{.+}}, %{{.+}}, %{{.+}} : f32
func.func @one_hot(%t: tensor<4xi32>) -> tensor<4x3xf32> {
  %y = credo.one_hot %t {classes = 3 : i64, on = 2.0 : f64, off = -1.0 : f64} : tensor<4xi32> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// CHECK-LABEL: func.func @sce
// CHECK-SAME: (%[[Z:.+]]: tensor<4x10xf32>, %[[T:.+]]: tensor<4xi32>)
func.func @sce(%z: tensor<4x10xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  // CHECK: %[[FIRST:.+]] = linalg.generic {{.*}} iterator_types = ["reduction"]{{.*}} ins(%[[T]] : tensor<4xi32>)
  // CHECK: arith.cmpi slt
  // CHECK: arith.cmpi sge
  // CHECK: %[[BAD:.+]] = tensor.extract %[[FIRST]][] : tensor<i64>
  // CHECK: %[[VALUE:.+]] = tensor.extract %[[T]]
  // CHECK: %[[TEXT:.+]] = memref.get_global @[[SITE]] : memref<19xi8>
  // CHECK: %[[ADDRESS:.+]] = memref.extract_aligned_pointer_as_index %[[TEXT]]
  // CHECK: %[[SITEPTR:.+]] = arith.index_cast %[[ADDRESS]] : index to i64
  // CHECK: call @credo_rt_check_labels(%[[BAD]], %{{.+}}, %{{.+}}, %{{.+}}, %[[SITEPTR]]) : (i64, i64, i64, i64, i64) -> ()
  // Per row: log(sum exp(z - max)) + max - z[row, clamp(label)].
  // CHECK: arith.index_cast %{{.+}} : i32 to index
  // CHECK: arith.maxsi
  // CHECK: arith.minsi
  // CHECK: %[[R:.+]] = linalg.index 0
  // CHECK: tensor.extract %[[Z]][%[[R]], %{{.+}}] : tensor<4x10xf32>
  // CHECK: math.log
  // Batch mean: sum into a rank-0 tensor, divide by 4.
  // CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]
  // CHECK-SAME: outs(%{{.+}} : tensor<f32>)
  // CHECK: %[[FOUR:.+]] = arith.constant 4.000000e+00 : f32
  // CHECK: arith.divf %{{.+}}, %[[FOUR]]
  %l = credo.softmax_cross_entropy %z, %t : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32> loc("loss")
  return %l : tensor<f32>
}

// CHECK-LABEL: func.func @mse
func.func @mse(%p: tensor<3x5xf64>, %t: tensor<3x5xf64>) -> tensor<f64> {
  // CHECK: arith.subf
  // CHECK: arith.mulf
  // CHECK: iterator_types = ["reduction", "reduction"]
  // CHECK: %[[N:.+]] = arith.constant 1.500000e+01 : f64
  // CHECK: arith.divf %{{.+}}, %[[N]]
  %l = credo.mse %p, %t : tensor<3x5xf64>, tensor<3x5xf64> -> tensor<f64>
  return %l : tensor<f64>
}

// count_margin_loss: the labels are checked at run time, the targets come
// from comparing the class index with the (clamped) label, errors within
// the margin are masked (unordered: a NaN count is not masked, it reaches
// the loss), then a sum and the batch mean.
// CHECK-LABEL: func.func @count_margin
// CHECK: credo_rt_check_labels
// CHECK: linalg.generic
// CHECK: linalg.index 1
// CHECK: arith.cmpi eq
// CHECK: math.absf
// CHECK: arith.cmpf ugt
// CHECK: arith.divf
func.func @count_margin(%o: tensor<4x3xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  %l = credo.count_margin_loss %o, %t {high = 9.0 : f64, low = 2.0 : f64, margin = 1.0 : f64} : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
  return %l : tensor<f32>
}
