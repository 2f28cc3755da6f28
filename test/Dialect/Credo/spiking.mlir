// RUN: credo-opt %s | FileCheck %s
// RUN: credo-opt %s | credo-opt | FileCheck %s
// RUN: credo-opt %s -mlir-print-op-generic | credo-opt | FileCheck %s
// Round trip of the spiking ops: LIF steps of both models with their state,
// the surrogate gradient op, Poisson encoding, generators and spike counts.

// CHECK-LABEL: func.func @lif_beta
// CHECK: %{{.*}}:2 = credo.lif %{{.*}} state(%{{.*}} : tensor<4x8xf32>) {beta = 8.500000e-01 : f64, surrogate = #credo.surrogate<fast_sigmoid>} : tensor<4x8xf32>
// CHECK: credo.lif %{{.*}} state(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32>) {reset = #credo.lif_reset<zero>, surrogate = #credo.surrogate<arctan>, t_ref = 2 : i64} : tensor<4x8xf32>
func.func @lif_beta(%i: tensor<4x8xf32>, %v: tensor<4x8xf32>, %r: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %v1, %s = credo.lif %i state(%v : tensor<4x8xf32>) {beta = 0.85 : f64, surrogate = #credo.surrogate<fast_sigmoid>} : tensor<4x8xf32>
  %v2, %r2, %s2 = credo.lif %i state(%v1, %r : tensor<4x8xf32>, tensor<4x8xf32>) {t_ref = 2 : i64, reset = #credo.lif_reset<zero>, surrogate = #credo.surrogate<arctan>} : tensor<4x8xf32>
  return %v2, %s2 : tensor<4x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @lif_current
// CHECK: %{{.*}}:4 = credo.lif %{{.*}} state(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) {model = #credo.lif_model<current>, t_ref = 2 : i64, tau_m = 2.000000e+01 : f64, tau_s = 5.000000e+00 : f64, threshold = 1.000000e+01 : f64} : tensor<2x3xf64>
// CHECK: credo.lif_grad %{{.*}} state(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) grads(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) {model = #credo.lif_model<current>, surrogate = #credo.surrogate<triangle>} : tensor<2x3xf64>
func.func @lif_current(%i: tensor<2x3xf64>, %v: tensor<2x3xf64>, %c: tensor<2x3xf64>, %r: tensor<2x3xf64>) -> (tensor<2x3xf64>, tensor<2x3xf64>) {
  %v1, %c1, %r1, %s = credo.lif %i state(%v, %c, %r : tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) {model = #credo.lif_model<current>, tau_m = 20.0 : f64, tau_s = 5.0 : f64, threshold = 10.0 : f64, t_ref = 2 : i64} : tensor<2x3xf64>
  %gi, %gv, %gc, %gr = credo.lif_grad %i state(%v, %c, %r : tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) grads(%v1, %c1, %r1, %s : tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) {model = #credo.lif_model<current>, surrogate = #credo.surrogate<triangle>} : tensor<2x3xf64>
  return %s, %gi : tensor<2x3xf64>, tensor<2x3xf64>
}

// CHECK-LABEL: func.func @encode_and_count
// CHECK: credo.poisson_encode %{{.*}}, %{{.*}} {rate_scale = 5.000000e-01 : f64, stream = 3 : i64} : tensor<4x5xf32>, tensor<2xi64>
// CHECK: credo.poisson_encode %{{.*}}, %{{.*}} {part = "residual", stream = 3 : i64} : tensor<4x5xf32>, tensor<2xi64>
// CHECK: credo.generator_next %{{.*}} : tensor<2xi64>
// CHECK: credo.spike_count %{{.*}} : tensor<7x4x5xf32> -> tensor<4x5xf32>
// CHECK: credo.spike_count_grad %{{.*}} {steps = 7 : i64} : tensor<4x5xf32> -> tensor<7x4x5xf32>
func.func @encode_and_count(%x: tensor<4x5xf32>, %g: tensor<2xi64>, %s: tensor<7x4x5xf32>) -> (tensor<4x5xf32>, tensor<2xi64>, tensor<4x5xf32>, tensor<7x4x5xf32>) {
  %e = credo.poisson_encode %x, %g {rate_scale = 0.5 : f64, stream = 3 : i64} : tensor<4x5xf32>, tensor<2xi64>
  %r = credo.poisson_encode %x, %g {part = "residual", stream = 3 : i64} : tensor<4x5xf32>, tensor<2xi64>
  %g1 = credo.generator_next %g : tensor<2xi64>
  %n = credo.spike_count %s : tensor<7x4x5xf32> -> tensor<4x5xf32>
  %gs = credo.spike_count_grad %n {steps = 7 : i64} : tensor<4x5xf32> -> tensor<7x4x5xf32>
  return %e, %g1, %n, %gs : tensor<4x5xf32>, tensor<2xi64>, tensor<4x5xf32>, tensor<7x4x5xf32>
}

// CHECK-LABEL: func.func @encode_in_loop
// CHECK: credo.poisson_encode %{{.*}}, %{{.*}} step %{{.*}} : tensor<4x5xf32>, tensor<2xi64>
func.func @encode_in_loop(%x: tensor<4x5xf32>, %g: tensor<2xi64>) -> tensor<3x4x5xf32> {
  %all = credo.time_loop steps 3 -> (tensor<3x4x5xf32>) {
  ^bb0(%t: index):
    %e = credo.poisson_encode %x, %g step %t : tensor<4x5xf32>, tensor<2xi64>
    credo.yield record %e : tensor<4x5xf32>
  }
  return %all : tensor<3x4x5xf32>
}

// CHECK: credo.param @rng : tensor<2xi64> init #credo.init<generator, seed = 7>
credo.param @rng : tensor<2xi64> init #credo.init<generator, seed = 7>

// CHECK-LABEL: func.func @filters
// CHECK: credo.exp_filter %{{.*}} state(%{{.*}}) {tau = 8.000000e+00 : f64} : tensor<4x5xf32>
// CHECK: credo.exp_filter %{{.*}} state(%{{.*}}) {dt = 5.000000e-01 : f64, lowpass = true, tau = 2.000000e+00 : f64} : tensor<4x5xf32>
func.func @filters(%x: tensor<4x5xf32>, %t: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %y = credo.exp_filter %x state(%t) {tau = 8.0 : f64} : tensor<4x5xf32>
  %z = credo.exp_filter %x state(%y) {tau = 2.0 : f64, dt = 0.5 : f64, lowpass = true} : tensor<4x5xf32>
  return %z : tensor<4x5xf32>
}

// CHECK-LABEL: func.func @psp
// CHECK: credo.s_psp %{{.*}}, %{{.*}} {t_ref = 2 : i64, tau_m = 2.000000e+01 : f64} : tensor<9x2x3xf32>, tensor<9x2x4xf32> -> tensor<2x3x4xf32>
func.func @psp(%post: tensor<9x2x3xf32>, %pre: tensor<9x2x4xf32>) -> tensor<2x3x4xf32> {
  %e = credo.s_psp %post, %pre {tau_m = 20.0 : f64, t_ref = 2 : i64} : tensor<9x2x3xf32>, tensor<9x2x4xf32> -> tensor<2x3x4xf32>
  return %e : tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @masks
// CHECK: credo.spike_masks %{{.*}} : tensor<4x70xf32> -> tensor<2x4x2xi64>
// CHECK: credo.spike_masks_matmul %{{.*}}, %{{.*}} {width = 70 : i64} : tensor<2x4x2xi64>, tensor<4x8xf32> -> tensor<70x8xf32>
func.func @masks(%s: tensor<4x70xf32>, %d: tensor<4x8xf32>) -> tensor<70x8xf32> {
  %m = credo.spike_masks %s : tensor<4x70xf32> -> tensor<2x4x2xi64>
  %y = credo.spike_masks_matmul %m, %d {width = 70 : i64} : tensor<2x4x2xi64>, tensor<4x8xf32> -> tensor<70x8xf32>
  return %y : tensor<70x8xf32>
}
