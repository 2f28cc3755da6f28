// RUN: credo-opt %s | credo-opt | FileCheck %s
// RUN: credo-opt %s --mlir-print-op-generic | credo-opt | FileCheck %s
// Round trip of every credo op and attribute through the custom and the
// generic syntax.

// CHECK: credo.param @zeros : tensor<4xf32> init #credo.init<zeros>
credo.param @zeros : tensor<4xf32> init #credo.init<zeros>
// CHECK: credo.param @ones : tensor<4xf64> init #credo.init<ones>
credo.param @ones : tensor<4xf64> init #credo.init<ones>
// CHECK: credo.param @const : tensor<2x2xf32> init #credo.init<constant, value = 2.500000e-01>
credo.param @const : tensor<2x2xf32> init #credo.init<constant, value = 0.25>
// CHECK: credo.param @unif : tensor<3x4xf32> init #credo.init<uniform, low = -1.000000e-01, high = 2.000000e-01, seed = 7>
credo.param @unif : tensor<3x4xf32> init #credo.init<uniform, seed = 7, high = 0.2, low = -0.1>
// CHECK: credo.param @norm : tensor<3x4xf32> init #credo.init<normal, mean = 0.000000e+00, std = 1.000000e-02, seed = 0>
credo.param @norm : tensor<3x4xf32> init #credo.init<normal, std = 0.01>
// CHECK: credo.param @gu : tensor<4x3xf32> init #credo.init<glorot_uniform, seed = 1>
credo.param @gu : tensor<4x3xf32> init #credo.init<glorot_uniform, seed = 1>
// CHECK: credo.param @gn : tensor<4x3xf32> init #credo.init<glorot_normal, seed = 2>
credo.param @gn : tensor<4x3xf32> init #credo.init<glorot_normal, seed = 2>
// CHECK: credo.param @hu : tensor<8x1x3x3xf32> init #credo.init<he_uniform, seed = 3>
credo.param @hu : tensor<8x1x3x3xf32> init #credo.init<he_uniform, seed = 3>
// CHECK: credo.param @hn : tensor<8x1x3x3xf32> init #credo.init<he_normal, seed = 0>
credo.param @hn : tensor<8x1x3x3xf32> init #credo.init<he_normal>

// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[X:.+]]: tensor<2x4xf32>, %[[B:.+]]: tensor<3xf32>)
func.func @dense(%x: tensor<2x4xf32>, %b: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK: %[[W:.+]] = credo.get_param @gn : tensor<4x3xf32>
  %w = credo.get_param @gn : tensor<4x3xf32>
  // CHECK: credo.dense %[[X]], %[[W]], %[[B]] : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %y = credo.dense %x, %w, %b : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: credo.dense %[[X]], %[[W]] : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %z = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %y, %z : tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @conv_pool
func.func @conv_pool(%x: tensor<2x1x6x6xf32>, %b: tensor<8xf32>) -> (tensor<2x8x3x3xf32>, tensor<2x8x2x2xf32>) {
  %w = credo.get_param @hu : tensor<8x1x3x3xf32>
  // CHECK: credo.conv2d %{{.+}}, %{{.+}}, %{{.+}} {padding = array<i64: 1, 1>, strides = array<i64: 2, 2>} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<2x8x3x3xf32>
  %c = credo.conv2d %x, %w, %b {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<2x8x3x3xf32>
  // CHECK: credo.conv2d %{{.+}}, %{{.+}} : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x4x4xf32>
  %d = credo.conv2d %x, %w : (tensor<2x1x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x4x4xf32>
  // CHECK: credo.max_pool2d %{{.+}} {kernel = array<i64: 2, 2>} : tensor<2x8x4x4xf32> -> tensor<2x8x2x2xf32>
  %m = credo.max_pool2d %d {kernel = array<i64: 2, 2>} : tensor<2x8x4x4xf32> -> tensor<2x8x2x2xf32>
  // CHECK: credo.avg_pool2d %{{.+}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, strides = array<i64: 1, 1>} : tensor<2x8x3x3xf32> -> tensor<2x8x3x3xf32>
  %a = credo.avg_pool2d %c {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<2x8x3x3xf32> -> tensor<2x8x3x3xf32>
  return %a, %m : tensor<2x8x3x3xf32>, tensor<2x8x2x2xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x4x5xf64>) -> (tensor<2x60xf64>, tensor<6x20xf64>, tensor<120xf64>) {
  // CHECK: credo.flatten %{{.+}} : tensor<2x3x4x5xf64> -> tensor<2x60xf64>
  %f = credo.flatten %x : tensor<2x3x4x5xf64> -> tensor<2x60xf64>
  // CHECK: credo.reshape %{{.+}} {shape = array<i64: 6, -1>} : tensor<2x60xf64> -> tensor<6x20xf64>
  %r = credo.reshape %f {shape = array<i64: 6, -1>} : tensor<2x60xf64> -> tensor<6x20xf64>
  // CHECK: credo.reshape %{{.+}} {shape = array<i64: 120>} : tensor<2x3x4x5xf64> -> tensor<120xf64>
  %s = credo.reshape %x {shape = array<i64: 120>} : tensor<2x3x4x5xf64> -> tensor<120xf64>
  return %f, %r, %s : tensor<2x60xf64>, tensor<6x20xf64>, tensor<120xf64>
}

// Integer tensors (index tuples, labels) reshape like floats.
// CHECK-LABEL: func.func @reshape_integers
func.func @reshape_integers(%p: tensor<4x3x2xi64>, %l: tensor<2x4xi32>) -> (tensor<12x2xi64>, tensor<8xi32>) {
  // CHECK: credo.reshape %{{.+}} {shape = array<i64: -1, 2>} : tensor<4x3x2xi64> -> tensor<12x2xi64>
  %q = credo.reshape %p {shape = array<i64: -1, 2>} : tensor<4x3x2xi64> -> tensor<12x2xi64>
  // CHECK: credo.reshape %{{.+}} {shape = array<i64: 8>} : tensor<2x4xi32> -> tensor<8xi32>
  %m = credo.reshape %l {shape = array<i64: 8>} : tensor<2x4xi32> -> tensor<8xi32>
  return %q, %m : tensor<12x2xi64>, tensor<8xi32>
}

// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: (%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<2x3xf32>)
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: %[[S:.+]] = credo.add %[[A]], %[[B]] : tensor<2x3xf32>
  %s = credo.add %a, %b : tensor<2x3xf32>
  // CHECK: %[[D:.+]] = credo.sub %[[S]], %[[B]] : tensor<2x3xf32>
  %d = credo.sub %s, %b : tensor<2x3xf32>
  // CHECK: %[[M:.+]] = credo.mul %[[D]], %[[A]] : tensor<2x3xf32>
  %m = credo.mul %d, %a : tensor<2x3xf32>
  // CHECK: %[[R:.+]] = credo.relu %[[M]] : tensor<2x3xf32>
  %r = credo.relu %m : tensor<2x3xf32>
  // CHECK: %[[G:.+]] = credo.sigmoid %[[R]] : tensor<2x3xf32>
  %g = credo.sigmoid %r : tensor<2x3xf32>
  // CHECK: %[[T:.+]] = credo.tanh %[[G]] : tensor<2x3xf32>
  %t = credo.tanh %g : tensor<2x3xf32>
  // CHECK: %[[P:.+]] = credo.softplus %[[T]] : tensor<2x3xf32>
  %p = credo.softplus %t : tensor<2x3xf32>
  // CHECK: %[[Q:.+]] = credo.softmax %[[P]] : tensor<2x3xf32>
  %q = credo.softmax %p : tensor<2x3xf32>
  // CHECK: credo.softmax %[[Q]] {axis = 0 : i64} : tensor<2x3xf32>
  %o = credo.softmax %q {axis = 0} : tensor<2x3xf32>
  return %o : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @losses
func.func @losses(%z: tensor<4x10xf32>, %t: tensor<4xi64>, %p: tensor<4x2xf64>, %y: tensor<4x2xf64>) -> (tensor<f32>, tensor<f64>) {
  // CHECK: credo.softmax_cross_entropy %{{.+}}, %{{.+}} : tensor<4x10xf32>, tensor<4xi64> -> tensor<f32>
  %l = credo.softmax_cross_entropy %z, %t : tensor<4x10xf32>, tensor<4xi64> -> tensor<f32>
  // CHECK: credo.mse %{{.+}}, %{{.+}} : tensor<4x2xf64>, tensor<4x2xf64> -> tensor<f64>
  %m = credo.mse %p, %y : tensor<4x2xf64>, tensor<4x2xf64> -> tensor<f64>
  return %l, %m : tensor<f32>, tensor<f64>
}

// CHECK-LABEL: func.func @one_hot
func.func @one_hot(%t: tensor<4xi32>, %u: tensor<4xi64>) -> (tensor<4x10xf32>, tensor<4x3xf32>) {
  // CHECK: credo.one_hot %{{.+}} {classes = 10 : i64} : tensor<4xi32> -> tensor<4x10xf32>
  %a = credo.one_hot %t {classes = 10 : i64} : tensor<4xi32> -> tensor<4x10xf32>
  // CHECK: credo.one_hot %{{.+}} {classes = 3 : i64, off = -2.200000e+00 : f64, on = 2.200000e+00 : f64} : tensor<4xi64> -> tensor<4x3xf32>
  %b = credo.one_hot %u {classes = 3 : i64, on = 2.2 : f64, off = -2.2 : f64} : tensor<4xi64> -> tensor<4x3xf32>
  return %a, %b : tensor<4x10xf32>, tensor<4x3xf32>
}

func.func private @credo_rt_relu_f32(!llvm.ptr, !llvm.ptr, i64)

// CHECK-LABEL: func.func @call_kernel
func.func @call_kernel(%x: tensor<4x8xf32>, %e: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK: credo.call_kernel @credo_rt_relu_f32 ins(%{{.+}} : tensor<4x8xf32>) outs(%{{.+}} : tensor<4x8xf32>) scalars [32] -> tensor<4x8xf32>
  %y = credo.call_kernel @credo_rt_relu_f32 ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) scalars [32] -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @gradient_ops
func.func @gradient_ops(%x: tensor<8x4xf32>, %w: tensor<4x3xf32>, %dy: tensor<8x3xf32>, %t: tensor<8xi32>, %dl: tensor<f32>) -> (tensor<8x4xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<f32>) {
  // CHECK: credo.matmul %{{.+}}, %{{.+}} {transpose_rhs = true} : tensor<8x3xf32>, tensor<4x3xf32> -> tensor<8x4xf32>
  %dx = credo.matmul %dy, %w {transpose_rhs = true} : tensor<8x3xf32>, tensor<4x3xf32> -> tensor<8x4xf32>
  // CHECK: credo.matmul %{{.+}}, %{{.+}} {transpose_lhs = true} : tensor<8x4xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %dw = credo.matmul %x, %dy {transpose_lhs = true} : tensor<8x4xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  // CHECK: credo.reduce_sum %{{.+}} {dims = array<i64: 0>} : tensor<8x3xf32> -> tensor<3xf32>
  %db = credo.reduce_sum %dy {dims = array<i64: 0>} : tensor<8x3xf32> -> tensor<3xf32>
  // CHECK: credo.reduce_sum %{{.+}} {dims = array<i64: 0, 1>} : tensor<8x3xf32> -> tensor<f32>
  %all = credo.reduce_sum %dy {dims = array<i64: 0, 1>} : tensor<8x3xf32> -> tensor<f32>
  // CHECK: credo.relu_grad
  %a = credo.relu_grad %dy, %dy : tensor<8x3xf32>
  // CHECK: credo.sigmoid_grad
  %b = credo.sigmoid_grad %a, %dy : tensor<8x3xf32>
  // CHECK: credo.tanh_grad
  %c = credo.tanh_grad %b, %dy : tensor<8x3xf32>
  // CHECK: credo.softplus_grad
  %d = credo.softplus_grad %c, %dy : tensor<8x3xf32>
  // CHECK: credo.softmax_grad %{{.+}}, %{{.+}} {axis = 0 : i64} : tensor<8x3xf32>
  %e = credo.softmax_grad %d, %dy {axis = 0} : tensor<8x3xf32>
  // CHECK: credo.softmax_cross_entropy_grad %{{.+}}, %{{.+}}, %{{.+}} : tensor<8x3xf32>, tensor<8xi32>, tensor<f32> -> tensor<8x3xf32>
  %f = credo.softmax_cross_entropy_grad %e, %t, %dl : tensor<8x3xf32>, tensor<8xi32>, tensor<f32> -> tensor<8x3xf32>
  // CHECK: credo.mse_grad %{{.+}}, %{{.+}}, %{{.+}} : tensor<8x3xf32>, tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
  %g = credo.mse_grad %f, %dy, %dl : tensor<8x3xf32>, tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
  return %dx, %dw, %db, %all : tensor<8x4xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<f32>
}

// CHECK-LABEL: func.func @optimizer
func.func @optimizer(%w: tensor<4x3xf32>, %g: tensor<4x3xf32>, %lr: tensor<f32>) -> tensor<4x3xf32> {
  // CHECK: credo.sgd_update %{{.+}}, %{{.+}}, %{{.+}} {weight_decay = 1.000000e-04 : f64} : tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>
  %n = credo.sgd_update %w, %g, %lr {weight_decay = 1.0e-4 : f64} : tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>
  return %n : tensor<4x3xf32>
}

// CHECK-LABEL: func.func @time
// CHECK: %[[L:.*]]:2 = credo.time_loop steps 3 iter_args(%{{.*}} : tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<3x4x5xf32>) {
// CHECK-NEXT: ^bb0(%[[T:.*]]: index, %[[H:.*]]: tensor<4x5xf32>):
// CHECK-NEXT: credo.time_slice %{{.*}}[%[[T]]] {axis = 1 : i64} : tensor<4x3x2xf32> -> tensor<4x2xf32>
// CHECK: credo.yield %{{.*}} : tensor<4x5xf32> record %{{.*}} : tensor<4x5xf32>
// CHECK: credo.time_loop steps 3 reverse iter_args(%{{.*}} : tensor<4x5xf32>) -> (tensor<4x5xf32>) {
// CHECK: credo.time_slice %[[L]]#1[%{{.*}}] : tensor<3x4x5xf32> -> tensor<4x5xf32>
// CHECK: credo.time_loop steps 2 {
// CHECK-NEXT: ^bb0(%{{.*}}: index):
// CHECK-NEXT: credo.yield
// CHECK: credo.stop_gradient %{{.*}} : tensor<4x5xf32>
func.func @time(%x: tensor<4x3x2xf32>, %wx: tensor<2x5xf32>, %wh: tensor<5x5xf32>, %h0: tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<3x4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  %hT, %hs = credo.time_loop steps 3 iter_args(%h0 : tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<3x4x5xf32>) {
  ^bb0(%t: index, %h: tensor<4x5xf32>):
    %xt = credo.time_slice %x[%t] {axis = 1 : i64} : tensor<4x3x2xf32> -> tensor<4x2xf32>
    %a = credo.dense %xt, %wx : (tensor<4x2xf32>, tensor<2x5xf32>) -> tensor<4x5xf32>
    %r = credo.dense %h, %wh : (tensor<4x5xf32>, tensor<5x5xf32>) -> tensor<4x5xf32>
    %s = credo.add %a, %r : tensor<4x5xf32>
    %h1 = credo.tanh %s : tensor<4x5xf32>
    credo.yield %h1 : tensor<4x5xf32> record %h1 : tensor<4x5xf32>
  }
  %sum = credo.time_loop steps 3 reverse iter_args(%h0 : tensor<4x5xf32>) -> (tensor<4x5xf32>) {
  ^bb0(%t: index, %acc: tensor<4x5xf32>):
    %ht = credo.time_slice %hs[%t] : tensor<3x4x5xf32> -> tensor<4x5xf32>
    %next = credo.add %acc, %ht : tensor<4x5xf32>
    credo.yield %next : tensor<4x5xf32>
  }
  credo.time_loop steps 2 {
  ^bb0(%t: index):
    credo.yield
  }
  %stop = credo.stop_gradient %hT : tensor<4x5xf32>
  return %hT, %hs, %sum, %stop : tensor<4x5xf32>, tensor<3x4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}

// CHECK-LABEL: func.func @ring
// CHECK: %[[L:.*]] = credo.time_loop steps 20 iter_args(%{{.*}} : tensor<12x4x5xf32>) -> (tensor<12x4x5xf32>) {
// CHECK-NEXT: ^bb0(%[[T:.*]]: index, %[[R:.*]]: tensor<12x4x5xf32>):
// CHECK-NEXT: %[[OLD:.*]] = credo.ring_read %[[R]][%[[T]]] {back = 0 : i64} : tensor<12x4x5xf32> -> tensor<4x5xf32>
// CHECK-NEXT: %[[NEW:.*]] = credo.tanh %[[OLD]] : tensor<4x5xf32>
// CHECK-NEXT: %[[W:.*]] = credo.ring_write %[[R]][%[[T]]], %[[NEW]] : tensor<12x4x5xf32>, tensor<4x5xf32>
// CHECK-NEXT: %[[A:.*]] = credo.ring_write %[[W]][%[[T]]], %[[OLD]] {add, back = 3 : i64} : tensor<12x4x5xf32>, tensor<4x5xf32>
// CHECK-NEXT: credo.yield %[[A]] : tensor<12x4x5xf32>
func.func @ring(%r0: tensor<12x4x5xf32>) -> tensor<12x4x5xf32> {
  %r = credo.time_loop steps 20 iter_args(%r0 : tensor<12x4x5xf32>) -> (tensor<12x4x5xf32>) {
  ^bb0(%t: index, %ring: tensor<12x4x5xf32>):
    %old = credo.ring_read %ring[%t] {back = 0 : i64} : tensor<12x4x5xf32> -> tensor<4x5xf32>
    %new = credo.tanh %old : tensor<4x5xf32>
    %w = credo.ring_write %ring[%t], %new : tensor<12x4x5xf32>, tensor<4x5xf32>
    %a = credo.ring_write %w[%t], %old {back = 3 : i64, add} : tensor<12x4x5xf32>, tensor<4x5xf32>
    credo.yield %a : tensor<12x4x5xf32>
  }
  return %r : tensor<12x4x5xf32>
}

// CHECK-LABEL: func.func @transpose
// CHECK: credo.transpose %{{.+}} {perm = array<i64: 1, 0, 2>} : tensor<4x3x2xf32> -> tensor<3x4x2xf32>
func.func @transpose(%x: tensor<4x3x2xf32>) -> tensor<3x4x2xf32> {
  %y = credo.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<4x3x2xf32> -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}

// CHECK-LABEL: func.func @scale
// CHECK: credo.scale %{{.+}} {factor = -1.500000e+00 : f64} : tensor<4x3xf32>
func.func @scale(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %y = credo.scale %x {factor = -1.5 : f64} : tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// CHECK-LABEL: func.func @einsum
// CHECK: credo.einsum %{{.*}}, %{{.*}} {spec = "bi,bij->ji"} : tensor<16x10xf32>, tensor<16x10x100xf32> -> tensor<100x10xf32>
func.func @einsum(%d: tensor<16x10xf32>, %e: tensor<16x10x100xf32>) -> tensor<100x10xf32> {
  %g = credo.einsum %d, %e {spec = "bi,bij->ji"} : tensor<16x10xf32>, tensor<16x10x100xf32> -> tensor<100x10xf32>
  return %g : tensor<100x10xf32>
}

// CHECK-LABEL: func.func @count_margin
// CHECK: credo.count_margin_loss %{{.*}}, %{{.*}} {high = 9.000000e+00 : f64, low = 2.000000e+00 : f64, margin = 1.000000e+00 : f64} : tensor<16x10xf32>, tensor<16xi32> -> tensor<f32>
// CHECK: credo.count_margin_loss_grad %{{.*}}, %{{.*}}, %{{.*}} {high = 9.000000e+00 : f64} : tensor<16x10xf32>, tensor<16xi32>, tensor<f32> -> tensor<16x10xf32>
func.func @count_margin(%o: tensor<16x10xf32>, %t: tensor<16xi32>) -> tensor<16x10xf32> {
  %l = credo.count_margin_loss %o, %t {high = 9.0 : f64, low = 2.0 : f64, margin = 1.0 : f64} : tensor<16x10xf32>, tensor<16xi32> -> tensor<f32>
  %g = credo.count_margin_loss_grad %o, %t, %l {high = 9.0 : f64} : tensor<16x10xf32>, tensor<16xi32>, tensor<f32> -> tensor<16x10xf32>
  return %g : tensor<16x10xf32>
}

// CHECK-LABEL: func.func @div
// CHECK: credo.div %{{.*}}, %{{.*}} : tensor<4xf32>
// CHECK: credo.div %{{.*}}, %{{.*}} {safe} : tensor<4xf32>
func.func @div(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %a = credo.div %x, %y : tensor<4xf32>
  %b = credo.div %a, %y {safe} : tensor<4xf32>
  return %b : tensor<4xf32>
}
