// RUN: credo-opt %s --convert-credo-to-linalg --canonicalize | FileCheck %s
// Layer ops become linalg named ops on tensors.

// dense(x, w, b) = matmul(x, w) accumulated onto the broadcast bias.
// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[X:.+]]: tensor<8x4xf32>, %[[W:.+]]: tensor<4x3xf32>, %[[B:.+]]: tensor<3xf32>)
func.func @dense(%x: tensor<8x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) -> tensor<8x3xf32> {
  // CHECK: %[[BB:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<3xf32>) outs(%{{.+}} : tensor<8x3xf32>)
  // CHECK: linalg.matmul ins(%[[X]], %[[W]] : tensor<8x4xf32>, tensor<4x3xf32>) outs(%[[BB]] : tensor<8x3xf32>)
  // CHECK-NOT: credo.
  %y = credo.dense %x, %w, %b : (tensor<8x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<8x3xf32>
  return %y : tensor<8x3xf32>
}

// Without a bias the accumulator starts at zero.
// CHECK-LABEL: func.func @dense_no_bias
func.func @dense_no_bias(%x: tensor<8x4xf64>, %w: tensor<4x3xf64>) -> tensor<8x3xf64> {
  // CHECK: %[[Z:.+]] = linalg.fill ins(%{{.+}} : f64) outs(%{{.+}} : tensor<8x3xf64>)
  // CHECK: linalg.matmul ins({{.*}}) outs(%[[Z]] : tensor<8x3xf64>)
  %y = credo.dense %x, %w : (tensor<8x4xf64>, tensor<4x3xf64>) -> tensor<8x3xf64>
  return %y : tensor<8x3xf64>
}

// conv2d pads the input with zeros, then convolves onto the bias.
// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<2x1x6x6xf32>, %w: tensor<8x1x3x3xf32>, %b: tensor<8xf32>) -> tensor<2x8x3x3xf32> {
  // CHECK: %[[P:.+]] = tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 1, 1]
  // CHECK: tensor<2x1x6x6xf32> to tensor<2x1x8x8xf32>
  // CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %{{.+}} : tensor<2x1x8x8xf32>, tensor<8x1x3x3xf32>)
  %y = credo.conv2d %x, %w, %b {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<2x8x3x3xf32>
  return %y : tensor<2x8x3x3xf32>
}

// Max pooling pads with -inf and starts from -inf.
// CHECK-LABEL: func.func @max_pool
func.func @max_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  // CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
  // CHECK: tensor.pad
  // CHECK: tensor.yield %[[NEGINF]]
  // CHECK: linalg.pooling_nchw_max {{.*}}strides = dense<2> : tensor<2xi64>
  %y = credo.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// Average pooling sums, then divides by the count of in-image positions.
// CHECK-LABEL: func.func @avg_pool
func.func @avg_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  // CHECK: %[[S:.+]] = linalg.pooling_nchw_sum
  // CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<1x2x3x3xf32>)
  // CHECK: linalg.index 2
  // CHECK: arith.minsi
  // CHECK: arith.maxsi
  // CHECK: arith.sitofp
  // CHECK: arith.divf
  %y = credo.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>) -> (tensor<2x12xf32>, tensor<4x6xf32>) {
  // CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
  %f = credo.flatten %x : tensor<2x3x4xf32> -> tensor<2x12xf32>
  // CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
  // CHECK: tensor.expand_shape %{{.+}} {{\[}}[0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
  %r = credo.reshape %x {shape = array<i64: 4, 6>} : tensor<2x3x4xf32> -> tensor<4x6xf32>
  return %f, %r : tensor<2x12xf32>, tensor<4x6xf32>
}

// transpose is linalg.transpose into a fresh tensor.
// CHECK-LABEL: func.func @transpose
// CHECK: %[[E:.+]] = tensor.empty() : tensor<3x4x2xf32>
// CHECK: linalg.transpose ins(%{{.+}} : tensor<4x3x2xf32>) outs(%[[E]] : tensor<3x4x2xf32>) permutation = [1, 0, 2]
func.func @transpose(%x: tensor<4x3x2xf32>) -> tensor<3x4x2xf32> {
  %y = credo.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<4x3x2xf32> -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}

// A matrix product with one product per output (a weight gradient over a
// batch of one, xᵀ · dy) is an elementwise generic over (i, j) yielding
// 0 + x·dy; a deeper one a reduction over (i, j, k) from zero.
// CHECK-LABEL: func.func @matmul_outer
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<1x64xf32>, tensor<1x50xf32>) outs(%{{.+}} : tensor<64x50xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf %{{.+}}, %{{.+}} : f32
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<2x64xf32>, tensor<2x50xf32>)
func.func @matmul_outer(%x: tensor<1x64xf32>, %dy: tensor<1x50xf32>, %x2: tensor<2x64xf32>, %dy2: tensor<2x50xf32>) -> (tensor<64x50xf32>, tensor<64x50xf32>) {
  %g = credo.matmul %x, %dy {transpose_lhs = true} : tensor<1x64xf32>, tensor<1x50xf32> -> tensor<64x50xf32>
  %h = credo.matmul %x2, %dy2 {transpose_lhs = true} : tensor<2x64xf32>, tensor<2x50xf32> -> tensor<64x50xf32>
  return %g, %h : tensor<64x50xf32>, tensor<64x50xf32>
}
