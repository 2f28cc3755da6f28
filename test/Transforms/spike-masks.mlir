// RUN: credo-opt %s --credo-spike-masks | FileCheck %s
// The weight gradient of spikes (Poisson spikes of any part, a LIF step's
// spikes) read back from the forward loop's record reads their masks
// instead: the loop records credo.spike_masks of the spikes (and no longer
// the spikes), the reverse loop's slice of the record becomes a slice of
// the masks' record, and the product credo.spike_masks_matmul.

func.func @recorded(%x: tensor<4x70xf32>, %g: tensor<2xi64>, %w: tensor<70x16xf32>, %d: tensor<5x4x16xf32>) -> (tensor<4x16xf32>, tensor<70x16xf32>) {
  %z = arith.constant dense<0.0> : tensor<4x16xf32>
  %zw = arith.constant dense<0.0> : tensor<70x16xf32>
  %f:2 = credo.time_loop steps 5 iter_args(%z : tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<5x4x70xf32>) {
  ^bb0(%t: index, %c: tensor<4x16xf32>):
    %r = credo.poisson_encode %x, %g step %t {part = "residual", stream = 2 : i64} : tensor<4x70xf32>, tensor<2xi64>
    %a = credo.dense %r, %w : (tensor<4x70xf32>, tensor<70x16xf32>) -> tensor<4x16xf32>
    %h = credo.add %a, %c : tensor<4x16xf32>
    credo.yield %h : tensor<4x16xf32> record %r : tensor<4x70xf32>
  }
  %b = credo.time_loop steps 5 reverse iter_args(%zw : tensor<70x16xf32>) -> (tensor<70x16xf32>) {
  ^bb0(%t: index, %acc: tensor<70x16xf32>):
    %rt = credo.time_slice %f#1[%t] : tensor<5x4x70xf32> -> tensor<4x70xf32>
    %dt = credo.time_slice %d[%t] : tensor<5x4x16xf32> -> tensor<4x16xf32>
    %p = credo.matmul %rt, %dt {transpose_lhs = true} : tensor<4x70xf32>, tensor<4x16xf32> -> tensor<70x16xf32>
    %s = credo.add %acc, %p : tensor<70x16xf32>
    credo.yield %s : tensor<70x16xf32>
  }
  return %f#0, %b : tensor<4x16xf32>, tensor<70x16xf32>
}

// CHECK-LABEL: func.func @recorded
// CHECK: %[[F:.+]]:2 = credo.time_loop steps 5 iter_args(%{{.+}} : tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<5x2x4x2xi64>)
// CHECK: %[[R:.+]] = credo.poisson_encode {{.*}} {part = "residual", stream = 2 : i64}
// CHECK-NEXT: %[[M:.+]] = credo.spike_masks %[[R]] : tensor<4x70xf32> -> tensor<2x4x2xi64>
// CHECK: credo.dense %[[R]]
// CHECK: credo.yield %{{.+}} : tensor<4x16xf32> record %[[M]] : tensor<2x4x2xi64>
// CHECK: credo.time_loop steps 5 reverse
// CHECK: %[[MT:.+]] = credo.time_slice %[[F]]#1[%{{.+}}] : tensor<5x2x4x2xi64> -> tensor<2x4x2xi64>
// CHECK: %[[P:.+]] = credo.spike_masks_matmul %[[MT]], %{{.+}} {width = 70 : i64} : tensor<2x4x2xi64>, tensor<4x16xf32> -> tensor<70x16xf32>
// CHECK: credo.add %{{.+}}, %[[P]]
// CHECK-NOT: credo.matmul

// A LIF population's spikes (its last result; not its state), recorded
// for the next layer's weight gradient.
func.func @lif(%i: tensor<5x4x70xf32>, %w: tensor<70x10xf32>, %d: tensor<5x4x10xf32>) -> (tensor<4x70xf32>, tensor<70x10xf32>, tensor<5x4x70xf32>) {
  %z = arith.constant dense<0.0> : tensor<4x70xf32>
  %zw = arith.constant dense<0.0> : tensor<70x10xf32>
  %f:3 = credo.time_loop steps 5 iter_args(%z : tensor<4x70xf32>) -> (tensor<4x70xf32>, tensor<5x4x70xf32>, tensor<5x4x70xf32>) {
  ^bb0(%t: index, %v: tensor<4x70xf32>):
    %it = credo.time_slice %i[%t] : tensor<5x4x70xf32> -> tensor<4x70xf32>
    %n:2 = credo.lif %it state(%v : tensor<4x70xf32>) {surrogate = #credo.surrogate<fast_sigmoid>} : tensor<4x70xf32>
    %o = credo.dense %n#1, %w : (tensor<4x70xf32>, tensor<70x10xf32>) -> tensor<4x10xf32>
    credo.yield %n#0 : tensor<4x70xf32> record %n#1, %n#0 : tensor<4x70xf32>, tensor<4x70xf32>
  }
  %b = credo.time_loop steps 5 reverse iter_args(%zw : tensor<70x10xf32>) -> (tensor<70x10xf32>) {
  ^bb0(%t: index, %acc: tensor<70x10xf32>):
    %st = credo.time_slice %f#1[%t] : tensor<5x4x70xf32> -> tensor<4x70xf32>
    %dt = credo.time_slice %d[%t] : tensor<5x4x10xf32> -> tensor<4x10xf32>
    %p = credo.matmul %st, %dt {transpose_lhs = true} : tensor<4x70xf32>, tensor<4x10xf32> -> tensor<70x10xf32>
    %s = credo.add %acc, %p : tensor<70x10xf32>
    credo.yield %s : tensor<70x10xf32>
  }
  return %f#0, %b, %f#2 : tensor<4x70xf32>, tensor<70x10xf32>, tensor<5x4x70xf32>
}

// CHECK-LABEL: func.func @lif
// CHECK: %[[F:.+]]:3 = credo.time_loop steps 5 iter_args(%{{.+}} : tensor<4x70xf32>) -> (tensor<4x70xf32>, tensor<5x4x70xf32>, tensor<5x2x4x2xi64>)
// CHECK: %[[N:.+]]:2 = credo.lif
// CHECK-NEXT: %[[M:.+]] = credo.spike_masks %[[N]]#1 : tensor<4x70xf32> -> tensor<2x4x2xi64>
// CHECK: credo.yield %[[N]]#0 : tensor<4x70xf32> record %[[N]]#0, %[[M]] : tensor<4x70xf32>, tensor<2x4x2xi64>
// CHECK: credo.time_loop steps 5 reverse
// CHECK: %[[MT:.+]] = credo.time_slice %[[F]]#2[%{{.+}}] : tensor<5x2x4x2xi64> -> tensor<2x4x2xi64>
// CHECK: credo.spike_masks_matmul %[[MT]], %{{.+}} {width = 70 : i64} : tensor<2x4x2xi64>, tensor<4x10xf32> -> tensor<70x10xf32>
// CHECK-NOT: credo.matmul
// CHECK: return %[[F]]#0, %{{.+}}, %[[F]]#1

// Spikes a step recomputes: their masks where they are made; whole
// Poisson spikes (0 or 1) too.
func.func @recomputed(%x: tensor<4x70xf32>, %g: tensor<2xi64>, %d: tensor<4x16xf32>) -> (tensor<70x16xf32>, tensor<70x16xf32>) {
  %r = credo.poisson_encode %x, %g {part = "residual", stream = 2 : i64} : tensor<4x70xf32>, tensor<2xi64>
  %p = credo.matmul %r, %d {transpose_lhs = true} : tensor<4x70xf32>, tensor<4x16xf32> -> tensor<70x16xf32>
  %s = credo.poisson_encode %x, %g : tensor<4x70xf32>, tensor<2xi64>
  %ps = credo.matmul %s, %d {transpose_lhs = true} : tensor<4x70xf32>, tensor<4x16xf32> -> tensor<70x16xf32>
  return %p, %ps : tensor<70x16xf32>, tensor<70x16xf32>
}

// CHECK-LABEL: func.func @recomputed
// CHECK: %[[R:.+]] = credo.poisson_encode
// CHECK-NEXT: %[[M:.+]] = credo.spike_masks %[[R]]
// CHECK-NEXT: credo.spike_masks_matmul %[[M]], %{{.+}} {width = 70 : i64}
// CHECK: %[[S:.+]] = credo.poisson_encode
// CHECK-NEXT: %[[MS:.+]] = credo.spike_masks %[[S]]
// CHECK-NEXT: credo.spike_masks_matmul %[[MS]], %{{.+}} {width = 70 : i64}

// Left alone: a record with another reader (the record stays f32), f64
// spikes, and a product that does not transpose the spikes.
func.func @kept(%x: tensor<4x70xf32>, %x64: tensor<4x70xf64>, %g: tensor<2xi64>, %w: tensor<4x16xf32>, %d: tensor<4x16xf32>, %d64: tensor<4x16xf64>, %v: tensor<70x16xf32>) -> (tensor<5x4x70xf32>, tensor<5x70x16xf32>, tensor<70x16xf64>, tensor<4x16xf32>) {
  %f = credo.time_loop steps 5 -> (tensor<5x4x70xf32>) {
  ^bb0(%t: index):
    %r = credo.poisson_encode %x, %g step %t {part = "residual", stream = 2 : i64} : tensor<4x70xf32>, tensor<2xi64>
    credo.yield record %r : tensor<4x70xf32>
  }
  %b = credo.time_loop steps 5 reverse -> (tensor<5x70x16xf32>) {
  ^bb0(%t: index):
    %rt = credo.time_slice %f[%t] : tensor<5x4x70xf32> -> tensor<4x70xf32>
    %p = credo.matmul %rt, %d {transpose_lhs = true} : tensor<4x70xf32>, tensor<4x16xf32> -> tensor<70x16xf32>
    credo.yield record %p : tensor<70x16xf32>
  }
  %r2 = credo.poisson_encode %x, %g {part = "residual", stream = 3 : i64} : tensor<4x70xf32>, tensor<2xi64>
  %pr = credo.matmul %r2, %v : tensor<4x70xf32>, tensor<70x16xf32> -> tensor<4x16xf32>
  %r64 = credo.poisson_encode %x64, %g {part = "residual", stream = 4 : i64} : tensor<4x70xf64>, tensor<2xi64>
  %p64 = credo.matmul %r64, %d64 {transpose_lhs = true} : tensor<4x70xf64>, tensor<4x16xf64> -> tensor<70x16xf64>
  return %f, %b, %p64, %pr : tensor<5x4x70xf32>, tensor<5x70x16xf32>, tensor<70x16xf64>, tensor<4x16xf32>
}

// CHECK-LABEL: func.func @kept
// CHECK-NOT: credo.spike_masks
// CHECK: return
