// RUN: credo-opt %s --convert-credo-to-dnnl | FileCheck %s
// f32 ops with a oneDNN kernel become credo.call_kernel into a fresh
// tensor.empty, with the sizes the kernel needs (dense and conv2d end with
// their fused activation: 0 none, 1 ReLU; image kernels then with the
// layouts mask: bit i set when the i-th image argument is channel-blocked);
// each kernel is declared once.

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
  // B, C, H, W, O, KH, KW, SH, SW, PH, PW, OH, OW, post, layouts (x plain:
  // one channel; y blocked):
  // CHECK: %[[C:.+]] = credo.call_kernel @credo_rt_conv2d_bias_f32 {{.*}} outs(%{{.+}} : tensor<2x1x3x3x8xf32>) scalars [2, 1, 6, 6, 8, 3, 3, 2, 2, 1, 1, 3, 3, 0, 2]
  %c = credo.conv2d %x, %w, %b {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<2x8x3x3xf32>
  // B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW (strides default to the
  // kernel), layouts; the blocked conv output goes in as it is:
  // CHECK: %[[M:.+]] = credo.call_kernel @credo_rt_max_pool2d_f32 ins(%[[C]] : tensor<2x1x3x3x8xf32>) {{.*}} scalars [2, 8, 3, 3, 2, 2, 2, 2, 1, 1, 2, 2, 3]
  // It goes back to the plain layout once (every result does):
  // CHECK: %[[MP:.+]] = credo.call_kernel @credo_rt_from_blocked_f32 ins(%[[M]] : tensor<2x1x2x2x8xf32>) outs(%{{.+}} : tensor<2x8x2x2xf32>) scalars [2, 8, 2, 2]
  %m = credo.max_pool2d %c {kernel = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x8x3x3xf32> -> tensor<2x8x2x2xf32>
  // CHECK: %[[A:.+]] = credo.call_kernel @credo_rt_avg_pool2d_f32 ins(%[[C]] : tensor<2x1x3x3x8xf32>) {{.*}} scalars [2, 8, 3, 3, 3, 3, 1, 1, 1, 1, 3, 3, 3]
  %a = credo.avg_pool2d %c {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<2x8x3x3xf32> -> tensor<2x8x3x3xf32>
  // CHECK: %[[AP:.+]] = credo.call_kernel @credo_rt_from_blocked_f32 ins(%[[A]] : tensor<2x1x3x3x8xf32>) {{.*}} scalars [2, 8, 3, 3]
  // CHECK-NOT: tensor.pack
  // CHECK-NOT: tensor.unpack
  // CHECK: return %[[MP]], %[[AP]]
  return %m, %a : tensor<2x8x2x2xf32>, tensor<2x8x3x3xf32>
}

// CHECK-LABEL: func.func @pointwise
func.func @pointwise(%x: tensor<64x8x8xf32>) -> tensor<64x8x8xf32> {
  // CHECK: credo.call_kernel @credo_rt_relu_f32 {{.*}} scalars [4096]
  %r = credo.relu %x : tensor<64x8x8xf32>
  // CHECK: credo.call_kernel @credo_rt_sigmoid_f32 {{.*}} scalars [4096]
  %s = credo.sigmoid %r : tensor<64x8x8xf32>
  // CHECK: credo.call_kernel @credo_rt_tanh_f32 {{.*}} scalars [4096]
  %t = credo.tanh %s : tensor<64x8x8xf32>
  // CHECK: credo.call_kernel @credo_rt_softplus_f32 {{.*}} scalars [4096]
  %p = credo.softplus %t : tensor<64x8x8xf32>
  // softmax over axis 1 of [64, 8, 8]: outer 64, axis 8, inner 8.
  // CHECK: credo.call_kernel @credo_rt_softmax_f32 {{.*}} scalars [64, 8, 8]
  %q = credo.softmax %p {axis = 1} : tensor<64x8x8xf32>
  // CHECK: credo.call_kernel @credo_rt_softmax_f32 {{.*}} scalars [512, 8, 1]
  %o = credo.softmax %q {axis = -1} : tensor<64x8x8xf32>
  return %o : tensor<64x8x8xf32>
}

// Activations of fewer than 4,096 elements stay ops for the portable
// lowering (loops fused with their neighbours cost less than a call).
// CHECK-LABEL: func.func @small_pointwise
func.func @small_pointwise(%x: tensor<3x5x2xf32>) -> tensor<3x5x2xf32> {
  // CHECK-NOT: call_kernel
  // CHECK: credo.relu
  // CHECK-NEXT: credo.sigmoid
  // CHECK-NEXT: credo.tanh
  // CHECK-NEXT: credo.softplus
  %r = credo.relu %x : tensor<3x5x2xf32>
  %s = credo.sigmoid %r : tensor<3x5x2xf32>
  %t = credo.tanh %s : tensor<3x5x2xf32>
  %p = credo.softplus %t : tensor<3x5x2xf32>
  return %p : tensor<3x5x2xf32>
}

// relu(layer) fuses into the layer's kernel when the layer has no other use.
// CHECK-LABEL: func.func @fused_relu
func.func @fused_relu(%x: tensor<8x4xf32>, %w: tensor<4x3xf32>, %i: tensor<1x1x4x4xf32>, %k: tensor<2x1x3x3xf32>) -> (tensor<8x3xf32>, tensor<1x2x2x2xf32>, tensor<8x3xf32>, tensor<8x3xf32>) {
  // CHECK: %[[D:.+]] = credo.call_kernel @credo_rt_dense_f32 {{.*}} scalars [8, 4, 3, 1]
  %d = credo.dense %x, %w : (tensor<8x4xf32>, tensor<4x3xf32>) -> tensor<8x3xf32>
  %r = credo.relu %d : tensor<8x3xf32>
  // CHECK: %[[C:.+]] = credo.call_kernel @credo_rt_conv2d_f32 {{.*}} scalars [1, 1, 4, 4, 2, 3, 3, 1, 1, 0, 0, 2, 2, 1, 0]
  %c = credo.conv2d %i, %k : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32>
  %cr = credo.relu %c : tensor<1x2x2x2xf32>
  // Not fused: the dense result is also returned (a small ReLU stays an op).
  // CHECK: %[[E:.+]] = credo.call_kernel @credo_rt_dense_f32 {{.*}} scalars [8, 4, 3, 0]
  // CHECK: %[[ER:.+]] = credo.relu %[[E]]
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
// forward convolution's sizes; dy (8 channels) is blocked, dx and x (one
// channel) are not.
// CHECK-LABEL: func.func @conv_grads
func.func @conv_grads(%x: tensor<2x1x6x6xf32>, %w: tensor<8x1x3x3xf32>, %dy: tensor<2x8x3x3xf32>) -> (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>, tensor<2x8xf32>) {
  // dy is converted once for both kernels:
  // CHECK: %[[DYB:.+]] = credo.call_kernel @credo_rt_to_blocked_f32 ins(%{{.+}} : tensor<2x8x3x3xf32>) outs(%{{.+}} : tensor<2x1x3x3x8xf32>) scalars [2, 8, 3, 3]
  // CHECK: credo.call_kernel @credo_rt_conv2d_grad_input_f32 ins(%[[DYB]], %{{.+}} : tensor<2x1x3x3x8xf32>, tensor<8x1x3x3xf32>) outs(%{{.+}} : tensor<2x1x6x6xf32>) scalars [2, 1, 6, 6, 8, 3, 3, 2, 2, 1, 1, 3, 3, 1]
  %dx = credo.conv2d_grad_input %dy, %w {input_shape = array<i64: 2, 1, 6, 6>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x8x3x3xf32>, tensor<8x1x3x3xf32> -> tensor<2x1x6x6xf32>
  // The bias gradient (the sum of dy over batch and space) comes with the
  // weight gradient from one kernel; other sums stay.
  // CHECK-NOT: credo_rt_to_blocked_f32
  // CHECK: %[[DW:.+]]:2 = credo.call_kernel @credo_rt_conv2d_grad_weight_bias_f32 ins(%{{.+}}, %[[DYB]] : tensor<2x1x6x6xf32>, tensor<2x1x3x3x8xf32>) outs(%{{.+}}, %{{.+}} : tensor<8x1x3x3xf32>, tensor<8xf32>) scalars [2, 1, 6, 6, 8, 3, 3, 2, 2, 1, 1, 3, 3, 2]
  %dw = credo.conv2d_grad_weight %x, %dy {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x1x6x6xf32>, tensor<2x8x3x3xf32> -> tensor<8x1x3x3xf32>
  %db = credo.reduce_sum %dy {dims = array<i64: 0, 2, 3>} : tensor<2x8x3x3xf32> -> tensor<8xf32>
  // CHECK: %[[S:.+]] = credo.reduce_sum %{{.+}} {dims = array<i64: 2, 3>}
  %s = credo.reduce_sum %dy {dims = array<i64: 2, 3>} : tensor<2x8x3x3xf32> -> tensor<2x8xf32>
  // CHECK: return %{{.+}}, %[[DW]]#0, %[[DW]]#1, %[[S]]
  return %dx, %dw, %db, %s : tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>, tensor<2x8xf32>
}

// A backward chain stays blocked: max_pool2d_grad followed by relu_grad at
// the same x is one kernel (relu mask 1), elementwise gradients run on the
// blocked images, and the next kernel takes them as they are.
// CHECK-LABEL: func.func @blocked_backward
func.func @blocked_backward(%x: tensor<2x16x4x4xf32>, %w: tensor<16x16x3x3xf32>, %dp: tensor<2x16x2x2xf32>) -> (tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>) {
  // CHECK: %[[Y:.+]] = credo.call_kernel @credo_rt_conv2d_f32 {{.*}} outs(%{{.+}} : tensor<2x2x4x4x8xf32>) scalars [2, 16, 4, 4, 16, 3, 3, 1, 1, 1, 1, 4, 4, 1, 3]
  %c = credo.conv2d %x, %w {padding = array<i64: 1, 1>} : (tensor<2x16x4x4xf32>, tensor<16x16x3x3xf32>) -> tensor<2x16x4x4xf32>
  %y = credo.relu %c : tensor<2x16x4x4xf32>
  // CHECK: %[[G:.+]] = credo.call_kernel @credo_rt_max_pool2d_grad_f32 ins(%{{.+}}, %[[Y]] : tensor<2x2x2x2x8xf32>, tensor<2x2x4x4x8xf32>) outs(%{{.+}} : tensor<2x2x4x4x8xf32>) scalars [2, 16, 4, 4, 2, 2, 2, 2, 0, 0, 2, 2, 7, 1]
  %pg = credo.max_pool2d_grad %dp, %y {kernel = array<i64: 2, 2>} : tensor<2x16x2x2xf32>, tensor<2x16x4x4xf32> -> tensor<2x16x4x4xf32>
  %g = credo.relu_grad %pg, %y : tensor<2x16x4x4xf32>
  // CHECK: %[[M:.+]] = credo.mul %[[G]], %[[Y]] : tensor<2x2x4x4x8xf32>
  %m = credo.mul %g, %y : tensor<2x16x4x4xf32>
  // CHECK: credo.call_kernel @credo_rt_conv2d_grad_input_f32 ins(%[[M]], %{{.+}} : tensor<2x2x4x4x8xf32>, tensor<16x16x3x3xf32>) {{.*}} scalars [2, 16, 4, 4, 16, 3, 3, 1, 1, 1, 1, 4, 4, 3]
  %dx = credo.conv2d_grad_input %m, %w {input_shape = array<i64: 2, 16, 4, 4>, padding = array<i64: 1, 1>} : tensor<2x16x4x4xf32>, tensor<16x16x3x3xf32> -> tensor<2x16x4x4xf32>
  return %dx, %g : tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>
}

// Without channel blocks (3 channels) max_pool2d_grad is left to the
// portable lowering.
// CHECK-LABEL: func.func @unblocked_pool_grad
func.func @unblocked_pool_grad(%x: tensor<1x3x4x4xf32>, %dy: tensor<1x3x2x2xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: credo.max_pool2d_grad
  // CHECK-NOT: call_kernel
  %g = credo.max_pool2d_grad %dy, %x {kernel = array<i64: 2, 2>} : tensor<1x3x2x2xf32>, tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>
  return %g : tensor<1x3x4x4xf32>
}

// An einsum that is a matrix product calls the matmul kernel with the
// transposes its letters say: [M, K, N, transpose lhs, transpose rhs].
// CHECK-LABEL: func.func @matrix_einsums
// CHECK-SAME: (%[[A:.+]]: tensor<5x3xf32>, %[[B:.+]]: tensor<5x4xf32>, %[[C:.+]]: tensor<3x4xf32>, %[[D:.+]]: tensor<4x3xf32>, %[[E:.+]]: tensor<4x5xf32>)
func.func @matrix_einsums(%a: tensor<5x3xf32>, %b: tensor<5x4xf32>, %c: tensor<3x4xf32>, %d: tensor<4x3xf32>, %e: tensor<4x5xf32>)
    -> (tensor<3x4xf32>, tensor<4x3xf32>, tensor<5x4xf32>, tensor<5x4xf32>, tensor<3x4xf32>) {
  // CHECK: credo.call_kernel @credo_rt_matmul_f32 ins(%[[A]], %[[B]] : tensor<5x3xf32>, tensor<5x4xf32>) outs(%{{.+}} : tensor<3x4xf32>) scalars [3, 5, 4, 1, 0]
  %outer = credo.einsum %a, %b {spec = "bi,bj->ij"} : tensor<5x3xf32>, tensor<5x4xf32> -> tensor<3x4xf32>
  // The result lists the second operand's letter first: operands swapped.
  // CHECK: credo.call_kernel @credo_rt_matmul_f32 ins(%[[B]], %[[A]] : tensor<5x4xf32>, tensor<5x3xf32>) outs(%{{.+}} : tensor<4x3xf32>) scalars [4, 5, 3, 1, 0]
  %swapped = credo.einsum %a, %b {spec = "bi,bj->ji"} : tensor<5x3xf32>, tensor<5x4xf32> -> tensor<4x3xf32>
  // CHECK: credo.call_kernel @credo_rt_matmul_f32 ins(%[[A]], %[[C]] : tensor<5x3xf32>, tensor<3x4xf32>) outs(%{{.+}} : tensor<5x4xf32>) scalars [5, 3, 4, 0, 0]
  %plain = credo.einsum %a, %c {spec = "ij,jk->ik"} : tensor<5x3xf32>, tensor<3x4xf32> -> tensor<5x4xf32>
  // CHECK: credo.call_kernel @credo_rt_matmul_f32 ins(%[[A]], %[[D]] : tensor<5x3xf32>, tensor<4x3xf32>) outs(%{{.+}} : tensor<5x4xf32>) scalars [5, 3, 4, 0, 1]
  %rhsT = credo.einsum %a, %d {spec = "ij,kj->ik"} : tensor<5x3xf32>, tensor<4x3xf32> -> tensor<5x4xf32>
  // CHECK: credo.call_kernel @credo_rt_matmul_f32 ins(%[[A]], %[[E]] : tensor<5x3xf32>, tensor<4x5xf32>) outs(%{{.+}} : tensor<3x4xf32>) scalars [3, 5, 4, 1, 1]
  %both = credo.einsum %a, %e {spec = "ji,kj->ik"} : tensor<5x3xf32>, tensor<4x5xf32> -> tensor<3x4xf32>
  return %outer, %swapped, %plain, %rhsT, %both : tensor<3x4xf32>, tensor<4x3xf32>, tensor<5x4xf32>, tensor<5x4xf32>, tensor<3x4xf32>
}

// Outer products (one product per output, a batch of one) with rows of at
// least 16 outputs stay credo ops for CredoToLinalg (an elementwise generic
// that fuses into its consumers); narrower rows call the kernel.
// CHECK-LABEL: func.func @outer_products
// CHECK-SAME: (%[[X:.+]]: tensor<1x64xf32>, %[[D:.+]]: tensor<1x50xf32>, %[[N:.+]]: tensor<1x10xf32>)
// CHECK: credo.einsum %[[X]], %[[D]] {spec = "bi,bj->ij"}
// CHECK: credo.matmul %[[X]], %[[D]] {transpose_lhs = true}
// (The two narrow ones are the same call, which CSE merges.)
// CHECK: %[[K:.+]] = credo.call_kernel @credo_rt_matmul_f32 ins(%[[X]], %[[N]] : tensor<1x64xf32>, tensor<1x10xf32>) outs(%{{.+}} : tensor<64x10xf32>) scalars [64, 1, 10, 1, 0]
// CHECK: return %{{.+}}, %{{.+}}, %[[K]], %[[K]] :
func.func @outer_products(%x: tensor<1x64xf32>, %d: tensor<1x50xf32>, %n: tensor<1x10xf32>)
    -> (tensor<64x50xf32>, tensor<64x50xf32>, tensor<64x10xf32>, tensor<64x10xf32>) {
  %a = credo.einsum %x, %d {spec = "bi,bj->ij"} : tensor<1x64xf32>, tensor<1x50xf32> -> tensor<64x50xf32>
  %b = credo.matmul %x, %d {transpose_lhs = true} : tensor<1x64xf32>, tensor<1x50xf32> -> tensor<64x50xf32>
  %c = credo.einsum %x, %n {spec = "bi,bj->ij"} : tensor<1x64xf32>, tensor<1x10xf32> -> tensor<64x10xf32>
  %e = credo.matmul %x, %n {transpose_lhs = true} : tensor<1x64xf32>, tensor<1x10xf32> -> tensor<64x10xf32>
  return %a, %b, %c, %e : tensor<64x50xf32>, tensor<64x50xf32>, tensor<64x10xf32>, tensor<64x10xf32>
}

// A sum of products, as a weight gradient summed over time steps: the
// product is added into the sum's buffer by one call (the sum is its
// destination). A product with another use stays a product and a sum.
// CHECK-LABEL: func.func @accumulate
// CHECK-SAME: (%[[ACC:.+]]: tensor<784x256xf32>, %[[R:.+]]: tensor<128x784xf32>, %[[D:.+]]: tensor<128x256xf32>)
// CHECK: %[[S:.+]] = credo.call_kernel @credo_rt_matmul_acc_f32 ins(%[[R]], %[[D]] : tensor<128x784xf32>, tensor<128x256xf32>) outs(%[[ACC]] : tensor<784x256xf32>) scalars [784, 128, 256, 1, 0]
// CHECK: %[[S2:.+]] = credo.call_kernel @credo_rt_matmul_acc_f32 ins(%[[R]], %[[D]] : {{.*}}) outs(%[[S]] : tensor<784x256xf32>)
// CHECK: %[[P:.+]] = credo.call_kernel @credo_rt_matmul_f32
// CHECK: credo.add %[[S2]], %[[P]]
// CHECK: return
func.func @accumulate(%acc: tensor<784x256xf32>, %r: tensor<128x784xf32>, %d: tensor<128x256xf32>) -> (tensor<784x256xf32>, tensor<784x256xf32>) {
  %p = credo.matmul %r, %d {transpose_lhs = true} : tensor<128x784xf32>, tensor<128x256xf32> -> tensor<784x256xf32>
  %s = credo.add %acc, %p : tensor<784x256xf32>
  %q = credo.matmul %r, %d {transpose_lhs = true} : tensor<128x784xf32>, tensor<128x256xf32> -> tensor<784x256xf32>
  %s2 = credo.add %q, %s : tensor<784x256xf32>
  %u = credo.matmul %r, %d {transpose_lhs = true} : tensor<128x784xf32>, tensor<128x256xf32> -> tensor<784x256xf32>
  %t = credo.add %s2, %u : tensor<784x256xf32>
  return %t, %u : tensor<784x256xf32>, tensor<784x256xf32>
}

// A dense layer plus a value of its type, as the input currents of
// residual spikes plus those of the majority: one call that adds the value
// where it stores the layer's sums (either operand order; with a bias, the
// bias variant). A layer with another use stays a layer and a sum.
// CHECK-LABEL: func.func @dense_add
// CHECK-SAME: (%[[X:.+]]: tensor<128x784xf32>, %[[W:.+]]: tensor<784x256xf32>, %[[C:.+]]: tensor<128x256xf32>, %[[B:.+]]: tensor<256xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<128x256xf32>
// CHECK: %[[A:.+]] = credo.call_kernel @credo_rt_dense_add_f32 ins(%[[X]], %[[W]], %[[C]] : tensor<128x784xf32>, tensor<784x256xf32>, tensor<128x256xf32>) outs(%[[E]] : tensor<128x256xf32>) scalars [128, 784, 256] -> tensor<128x256xf32>
// CHECK: %[[A2:.+]] = credo.call_kernel @credo_rt_dense_add_f32 ins(%[[X]], %[[W]], %[[A]] : {{.*}}) outs(%{{.+}} : tensor<128x256xf32>) scalars [128, 784, 256]
// CHECK: credo.call_kernel @credo_rt_dense_bias_add_f32 ins(%[[X]], %[[W]], %[[B]], %[[C]] : tensor<128x784xf32>, tensor<784x256xf32>, tensor<256xf32>, tensor<128x256xf32>) outs(%{{.+}} : tensor<128x256xf32>) scalars [128, 784, 256]
// CHECK: %[[U:.+]] = credo.call_kernel @credo_rt_dense_f32
// CHECK: credo.add %[[U]], %[[C]]
func.func @dense_add(%x: tensor<128x784xf32>, %w: tensor<784x256xf32>, %c: tensor<128x256xf32>, %b: tensor<256xf32>)
    -> (tensor<128x256xf32>, tensor<128x256xf32>, tensor<128x256xf32>, tensor<128x256xf32>) {
  %p = credo.dense %x, %w : (tensor<128x784xf32>, tensor<784x256xf32>) -> tensor<128x256xf32>
  %a = credo.add %p, %c : tensor<128x256xf32>
  %q = credo.dense %x, %w : (tensor<128x784xf32>, tensor<784x256xf32>) -> tensor<128x256xf32>
  %a2 = credo.add %a, %q : tensor<128x256xf32>
  %bw = credo.dense %x, %w, %b : (tensor<128x784xf32>, tensor<784x256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
  %a3 = credo.add %bw, %c : tensor<128x256xf32>
  %u = credo.dense %x, %w : (tensor<128x784xf32>, tensor<784x256xf32>) -> tensor<128x256xf32>
  %a4 = credo.add %u, %c : tensor<128x256xf32>
  return %a2, %a3, %a4, %u : tensor<128x256xf32>, tensor<128x256xf32>, tensor<128x256xf32>, tensor<128x256xf32>
}

// Einsums that are not a matrix product stay einsums: an elementwise
// product, a batched outer product, a product with its transpose (no
// summed letter), three operands.
// CHECK-LABEL: func.func @other_einsums
// CHECK-NOT: credo_rt_matmul_f32
// CHECK-COUNT-4: credo.einsum
func.func @other_einsums(%a: tensor<5x3xf32>, %b: tensor<5x4xf32>, %s: tensor<3x3xf32>, %c: tensor<3x4xf32>)
    -> (tensor<5x3xf32>, tensor<5x3x4xf32>, tensor<3x3xf32>, tensor<5x4xf32>) {
  %e = credo.einsum %a, %a {spec = "bi,bi->bi"} : tensor<5x3xf32>, tensor<5x3xf32> -> tensor<5x3xf32>
  %o = credo.einsum %a, %b {spec = "bi,bj->bij"} : tensor<5x3xf32>, tensor<5x4xf32> -> tensor<5x3x4xf32>
  %g = credo.einsum %s, %s {spec = "ij,ji->ij"} : tensor<3x3xf32>, tensor<3x3xf32> -> tensor<3x3xf32>
  %t = credo.einsum %a, %s, %c {spec = "bi,ij,jk->bk"} : tensor<5x3xf32>, tensor<3x3xf32>, tensor<3x4xf32> -> tensor<5x4xf32>
  return %e, %o, %g, %t : tensor<5x3xf32>, tensor<5x3x4xf32>, tensor<3x3xf32>, tensor<5x4xf32>
}

// Spike masks and their products are kernel calls; a product added to an
// accumulator is added into its buffer.
// CHECK-LABEL: func.func @spike_masks
// CHECK-SAME: (%[[S:.+]]: tensor<4x70xf32>, %[[D:.+]]: tensor<4x8xf32>, %[[ACC:.+]]: tensor<70x8xf32>)
// CHECK: %[[M:.+]] = credo.call_kernel @credo_rt_spike_masks_f32 ins(%[[S]] : tensor<4x70xf32>) outs(%{{.+}} : tensor<2x4x2xi64>) scalars [4, 70]
// CHECK: credo.call_kernel @credo_rt_spike_masks_matmul_f32 ins(%[[M]], %[[D]] : tensor<2x4x2xi64>, tensor<4x8xf32>) outs(%{{.+}} : tensor<70x8xf32>) scalars [70, 4, 8]
// CHECK: credo.call_kernel @credo_rt_spike_masks_matmul_acc_f32 ins(%[[M]], %[[D]] : tensor<2x4x2xi64>, tensor<4x8xf32>) outs(%[[ACC]] : tensor<70x8xf32>) scalars [70, 4, 8]
func.func @spike_masks(%s: tensor<4x70xf32>, %d: tensor<4x8xf32>, %acc: tensor<70x8xf32>) -> (tensor<70x8xf32>, tensor<70x8xf32>) {
  %m = credo.spike_masks %s : tensor<4x70xf32> -> tensor<2x4x2xi64>
  %y = credo.spike_masks_matmul %m, %d {width = 70 : i64} : tensor<2x4x2xi64>, tensor<4x8xf32> -> tensor<70x8xf32>
  %z = credo.spike_masks_matmul %m, %d {width = 70 : i64} : tensor<2x4x2xi64>, tensor<4x8xf32> -> tensor<70x8xf32>
  %w = credo.add %acc, %z : tensor<70x8xf32>
  return %y, %w : tensor<70x8xf32>, tensor<70x8xf32>
}

// A dense layer of spikes whose masks are made before it reads the masks
// (alone, with a bias, plus a tensor); one with a fused ReLU, or whose
// masks come after it, reads the spikes.
// CHECK-LABEL: func.func @dense_of_masks
// CHECK-SAME: (%[[S:.+]]: tensor<4x70xf32>, %[[W:.+]]: tensor<70x10xf32>, %[[B:.+]]: tensor<10xf32>, %[[C:.+]]: tensor<4x10xf32>, %[[T:.+]]: tensor<4x70xf32>)
// CHECK: %[[M:.+]] = credo.call_kernel @credo_rt_spike_masks_f32 ins(%[[S]] : tensor<4x70xf32>)
// CHECK: credo.call_kernel @credo_rt_spike_masks_dense_f32 ins(%[[M]], %[[W]] : tensor<2x4x2xi64>, tensor<70x10xf32>) outs(%{{.+}} : tensor<4x10xf32>) scalars [4, 70, 10]
// CHECK: credo.call_kernel @credo_rt_spike_masks_dense_bias_f32 ins(%[[M]], %[[W]], %[[B]] : tensor<2x4x2xi64>, tensor<70x10xf32>, tensor<10xf32>) outs(%{{.+}} : tensor<4x10xf32>) scalars [4, 70, 10]
// CHECK: credo.call_kernel @credo_rt_spike_masks_dense_bias_add_f32 ins(%[[M]], %[[W]], %[[B]], %[[C]] : {{.*}}) outs(%{{.+}} : tensor<4x10xf32>) scalars [4, 70, 10]
// CHECK: credo.call_kernel @credo_rt_spike_masks_dense_add_f32 ins(%[[M]], %[[W]], %[[C]] : {{.*}}) outs(%{{.+}} : tensor<4x10xf32>) scalars [4, 70, 10]
// CHECK: credo.call_kernel @credo_rt_dense_f32 ins(%[[S]], %[[W]] : tensor<4x70xf32>, tensor<70x10xf32>) outs(%{{.+}} : tensor<4x10xf32>) scalars [4, 70, 10, 1]
// CHECK: credo.call_kernel @credo_rt_dense_f32 ins(%[[T]], %[[W]] : tensor<4x70xf32>, tensor<70x10xf32>) outs(%{{.+}} : tensor<4x10xf32>) scalars [4, 70, 10, 0]
// CHECK: credo.call_kernel @credo_rt_spike_masks_f32 ins(%[[T]] : tensor<4x70xf32>)
func.func @dense_of_masks(%s: tensor<4x70xf32>, %w: tensor<70x10xf32>, %b: tensor<10xf32>, %c: tensor<4x10xf32>, %t: tensor<4x70xf32>) -> (tensor<2x4x2xi64>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<2x4x2xi64>) {
  %m = credo.spike_masks %s : tensor<4x70xf32> -> tensor<2x4x2xi64>
  %y0 = credo.dense %s, %w : (tensor<4x70xf32>, tensor<70x10xf32>) -> tensor<4x10xf32>
  %y1 = credo.dense %s, %w, %b : (tensor<4x70xf32>, tensor<70x10xf32>, tensor<10xf32>) -> tensor<4x10xf32>
  %d2 = credo.dense %s, %w, %b : (tensor<4x70xf32>, tensor<70x10xf32>, tensor<10xf32>) -> tensor<4x10xf32>
  %y2 = credo.add %d2, %c : tensor<4x10xf32>
  %d3 = credo.dense %s, %w : (tensor<4x70xf32>, tensor<70x10xf32>) -> tensor<4x10xf32>
  %y3 = credo.add %c, %d3 : tensor<4x10xf32>
  %d4 = credo.dense %s, %w : (tensor<4x70xf32>, tensor<70x10xf32>) -> tensor<4x10xf32>
  %y4 = credo.relu %d4 : tensor<4x10xf32>
  %y5 = credo.dense %t, %w : (tensor<4x70xf32>, tensor<70x10xf32>) -> tensor<4x10xf32>
  %mt = credo.spike_masks %t : tensor<4x70xf32> -> tensor<2x4x2xi64>
  return %m, %y0, %y1, %y2, %y3, %y4, %y5, %mt : tensor<2x4x2xi64>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf32>, tensor<2x4x2xi64>
}

// Masks already rewritten into their kernel call (the patterns run in any
// order): the layer reads the call's result.
// CHECK-LABEL: func.func @dense_of_masks_call
// CHECK: %[[M:.+]] = credo.call_kernel @credo_rt_spike_masks_f32
// CHECK: credo.call_kernel @credo_rt_spike_masks_dense_f32 ins(%[[M]], %{{.+}} : tensor<2x4x2xi64>, tensor<70x10xf32>)
func.func @dense_of_masks_call(%s: tensor<4x70xf32>, %w: tensor<70x10xf32>) -> (tensor<2x4x2xi64>, tensor<4x10xf32>) {
  %e = tensor.empty() : tensor<2x4x2xi64>
  %m = credo.call_kernel @credo_rt_spike_masks_f32 ins(%s : tensor<4x70xf32>) outs(%e : tensor<2x4x2xi64>) scalars [4, 70] -> tensor<2x4x2xi64>
  %y = credo.dense %s, %w : (tensor<4x70xf32>, tensor<70x10xf32>) -> tensor<4x10xf32>
  return %m, %y : tensor<2x4x2xi64>, tensor<4x10xf32>
}

// CHECK-DAG: func.func private @credo_rt_spike_masks_f32(!llvm.ptr, !llvm.ptr, i64, i64)
// CHECK-DAG: func.func private @credo_rt_spike_masks_dense_bias_add_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_spike_masks_matmul_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_spike_masks_matmul_acc_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_dense_bias_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_dense_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_conv2d_bias_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_conv2d_grad_weight_bias_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_to_blocked_f32(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_softmax_f32(!llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: func.func private @credo_rt_matmul_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64)

