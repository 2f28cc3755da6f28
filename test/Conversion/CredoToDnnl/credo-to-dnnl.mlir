// RUN: credo-opt %s --convert-credo-to-dnnl | FileCheck %s
// f32 ops with a oneDNN kernel become credo.call_kernel into a fresh
// tensor.empty, with the sizes the kernel needs (dense and conv2d end with
// their fused activation: 0 none, 1 ReLU); each kernel is declared once.

// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[X:.+]]: tensor<8x4xf32>, %[[W:.+]]: tensor<4x3xf32>, %[[B:.+]]: tensor<3xf32>)
func.func @dense(%x: tensor<8x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>) {
  // CHECK: %[[E:.+]] = tensor.empty() : tensor<8x3xf32>
  // CHECK: credo.call_kernel @credo_rt_dense_bias_f32 ins(%[[X]], %[[W]], %[[B]] : tensor<8x4xf32>, tensor<4x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<8x3xf32>) scalars [8, 4, 3, 0] -> tensor<8x3xf32>
  %y = credo.dense %x, %w, %b : (tensor<8x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<8x3xf32>
  // CHECK: credo.call_kernel @credo_rt_dense_f32 ins(%[[X]], %[[W]] : {{.*}}) outs(%{{.+}} : tensor<8x3xf32>) scalars [8, 4, 3, 0]
  %z = credo.dense %x, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
  return %y, %z : tensor<8x3xf32>, tensor<8x3xf32>
}

// CHECK-LABEL: func.func @conv_pool
func.func @conv_pool(%x: tensor<2x1x6x6xf32>, %w: tensor<8x1x3x3xf32>, %b: tensor<8xf32>) -> (tensor<2x8x2x2xf32>, tensor<2x8x3x3xf32>) {
  // B, C, H, W, O, KH, KW, SH, SW, PH, PW, OH, OW, post:
  // CHECK: credo.call_kernel @credo_rt_conv2d_bias_f32 {{.*}} scalars [2, 1, 6, 6, 8, 3, 3, 2, 2, 1, 1, 3, 3, 0]
  %c = credo.conv2d %x, %w, %b {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<2x8x3x3xf32>
  // B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW (strides default to the kernel):
  // CHECK: credo.call_kernel @credo_rt_max_pool2d_f32 {{.*}} scalars [2, 8, 3, 3, 2, 2, 2, 2, 1, 1, 2, 2]
  %m = credo.max_pool2d %c {kernel = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x8x3x3xf32> -> tensor<2x8x2x2xf32>
  // CHECK: credo.call_kernel @credo_rt_avg_pool2d_f32 {{.*}} scalars [2, 8, 3, 3, 3, 3, 1, 1, 1, 1, 3, 3]
  %a = credo.avg_pool2d %c {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<2x8x3x3xf32> -> tensor<2x8x3x3xf32>
  return %m, %a : tensor<2x8x2x2xf32>, tensor<2x8x3x3xf32>
}

// CHECK-LABEL: func.func @pointwise
func.func @pointwise(%x: tensor<3x5x2xf32>) -> tensor<3x5x2xf32> {
  // CHECK: credo.call_kernel @credo_rt_relu_f32 {{.*}} scalars [30]
  %r = credo.relu %x : tensor<3x5x2xf32>
  // CHECK: credo.call_kernel @credo_rt_sigmoid_f32 {{.*}} scalars [30]
  %s = credo.sigmoid %r : tensor<3x5x2xf32>
  // CHECK: credo.call_kernel @credo_rt_tanh_f32 {{.*}} scalars [30]
  %t = credo.tanh %s : tensor<3x5x2xf32>
  // CHECK: credo.call_kernel @credo_rt_softplus_f32 {{.*}} scalars [30]
  %p = credo.softplus %t : tensor<3x5x2xf32>
  // softmax over axis 1 of [3, 5, 2]: outer 3, axis 5, inner 2.
  // CHECK: credo.call_kernel @credo_rt_softmax_f32 {{.*}} scalars [3, 5, 2]
  %q = credo.softmax %p {axis = 1} : tensor<3x5x2xf32>
  // CHECK: credo.call_kernel @credo_rt_softmax_f32 {{.*}} scalars [15, 2, 1]
  %o = credo.softmax %q {axis = -1} : tensor<3x5x2xf32>
  return %o : tensor<3x5x2xf32>
}

// relu(layer) fuses into the layer's kernel when the layer has no other use.
// CHECK-LABEL: func.func @fused_relu
func.func @fused_relu(%x: tensor<8x4xf32>, %w: tensor<4x3xf32>, %i: tensor<1x1x4x4xf32>, %k: tensor<2x1x3x3xf32>) -> (tensor<8x3xf32>, tensor<1x2x2x2xf32>, tensor<8x3xf32>, tensor<8x3xf32>) {
  // CHECK: %[[D:.+]] = credo.call_kernel @credo_rt_dense_f32 {{.*}} scalars [8, 4, 3, 1]
  %d = credo.dense %x, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
  %r = credo.relu %d : tensor<8x3xf32>
  // CHECK: %[[C:.+]] = credo.call_kernel @credo_rt_conv2d_f32 {{.*}} scalars [1, 1, 4, 4, 2, 3, 3, 1, 1, 0, 0, 2, 2, 1]
  %c = credo.conv2d %i, %k : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32>
  %cr = credo.relu %c : tensor<1x2x2x2xf32>
  // Not fused: the dense result is also returned.
  // CHECK: %[[E:.+]] = credo.call_kernel @credo_rt_dense_f32 {{.*}} scalars [8, 4, 3, 0]
  // CHECK: %[[ER:.+]] = credo.call_kernel @credo_rt_relu_f32 ins(%[[E]]
  %e = credo.dense %x, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
  %er = credo.relu %e : tensor<8x3xf32>
  // CHECK: return %[[D]], %[[C]], %[[E]], %[[ER]]
  return %r, %cr, %e, %er : tensor<8x3xf32>, tensor<1x2x2x2xf32>, tensor<8x3xf32>, tensor<8x3xf32>
}

// Left for convert-credo-to-linalg: f64 (no oneDNN kernel), arithmetic,
// shapes and losses.
// CHECK-LABEL: func.func @not_converted
func.func @not_converted(%x: tensor<2x3xf64>, %a: tensor<2x3xf32>, %t: tensor<2xi32>) -> (tensor<2x3xf64>, tensor<f32>) {
  // CHECK-NOT: credo.call_kernel
  // CHECK: credo.relu %{{.+}} : tensor<2x3xf64>
  %r = credo.relu %x : tensor<2x3xf64>
  // CHECK: credo.add
  %s = credo.add %a, %a : tensor<2x3xf32>
  // CHECK: credo.softmax_cross_entropy
  %l = credo.softmax_cross_entropy %s, %t : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
  return %r, %l : tensor<2x3xf64>, tensor<f32>
}


// The convolution gradients call oneDNN's backward primitives with the
// forward convolution's sizes.
// CHECK-LABEL: func.func @conv_grads
func.func @conv_grads(%x: tensor<2x1x6x6xf32>, %w: tensor<8x1x3x3xf32>, %dy: tensor<2x8x3x3xf32>) -> (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>) {
  // CHECK: credo.call_kernel @credo_rt_conv2d_grad_input_f32 ins(%{{.+}}, %{{.+}} : tensor<2x8x3x3xf32>, tensor<8x1x3x3xf32>) {{.*}} scalars [2, 1, 6, 6, 8, 3, 3, 2, 2, 1, 1, 3, 3]
  %dx = credo.conv2d_grad_input %dy, %w {input_shape = array<i64: 2, 1, 6, 6>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x8x3x3xf32>, tensor<8x1x3x3xf32> -> tensor<2x1x6x6xf32>
  // CHECK: credo.call_kernel @credo_rt_conv2d_grad_weight_f32 ins(%{{.+}}, %{{.+}} : tensor<2x1x6x6xf32>, tensor<2x8x3x3xf32>) {{.*}} scalars [2, 1, 6, 6, 8, 3, 3, 2, 2, 1, 1, 3, 3]
  %dw = credo.conv2d_grad_weight %x, %dy {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x1x6x6xf32>, tensor<2x8x3x3xf32> -> tensor<8x1x3x3xf32>
  return %dx, %dw : tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>
}

// CHECK-DAG: func.func private @credo_rt_dense_bias_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_dense_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_conv2d_bias_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_softmax_f32(!llvm.ptr, !llvm.ptr, i64, i64, i64)
