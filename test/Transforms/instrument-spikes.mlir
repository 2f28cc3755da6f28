// RUN: credo-opt %s --split-input-file --credo-instrument-spikes | FileCheck %s
// The forward loop of @train_step also records each LIF population's
// spikes; @train_step returns their per-neuron counts over steps and batch.
// A reverse loop (backpropagation through time recomputing a step) is left
// alone.

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<3xf32> {credo.name = "spikes.hid"})
// CHECK: %[[L:.+]]:3 = credo.time_loop steps 4 iter_args
// CHECK-SAME: -> (tensor<2x3xf32>, tensor<4x2x3xf32>, tensor<4x2x3xf32>)
// CHECK: %[[V:.+]]:2 = credo.lif
// CHECK: credo.yield %[[V]]#0 : tensor<2x3xf32> record %[[V]]#1, %[[V]]#1 : tensor<2x3xf32>, tensor<2x3xf32>
// CHECK: %[[N:.+]] = credo.spike_count %[[L]]#2 : tensor<4x2x3xf32> -> tensor<2x3xf32>
// CHECK: credo.time_loop steps 4 reverse
// CHECK-NOT: record
// CHECK: %[[P:.+]] = credo.reduce_sum %[[N]] {dims = array<i64: 0>} : tensor<2x3xf32> -> tensor<3xf32>
// CHECK: return %{{.+}}, %[[P]]
func.func @train_step(%x: tensor<4x2x3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
  %z = arith.constant dense<0.0> : tensor<2x3xf32>
  %v, %s = credo.time_loop steps 4 iter_args(%z : tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<4x2x3xf32>) {
  ^bb0(%t: index, %v0: tensor<2x3xf32>):
    %i = credo.time_slice %x[%t] : tensor<4x2x3xf32> -> tensor<2x3xf32>
    %v1, %s1 = credo.lif %i state(%v0 : tensor<2x3xf32>) {credo.node = "hid"} : tensor<2x3xf32>
    credo.yield %v1 : tensor<2x3xf32> record %s1 : tensor<2x3xf32>
  }
  %back = credo.time_loop steps 4 reverse iter_args(%z : tensor<2x3xf32>) -> (tensor<2x3xf32>) {
  ^bb0(%t: index, %v0: tensor<2x3xf32>):
    %i = credo.time_slice %x[%t] : tensor<4x2x3xf32> -> tensor<2x3xf32>
    %v1, %s1 = credo.lif %i state(%v0 : tensor<2x3xf32>) : tensor<2x3xf32>
    credo.yield %v1 : tensor<2x3xf32>
  }
  %n = credo.spike_count %s : tensor<4x2x3xf32> -> tensor<2x3xf32>
  %l = credo.mse %n, %back : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A loop nested in another records its population's spikes; the outer loop
// records their counts over each run of the inner loop (next to its own
// population's spikes, in body order), and the step returns both counts.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32> {credo.name = "loss"}, tensor<3xf32> {credo.name = "spikes.in"}, tensor<3xf32> {credo.name = "spikes.out"})
// CHECK: %[[O:.+]]:4 = credo.time_loop steps 2 iter_args
// CHECK-SAME: -> (tensor<2x3xf32>, tensor<2x2x3xf32>, tensor<2x2x3xf32>, tensor<2x2x3xf32>)
// CHECK: %[[I:.+]]:3 = credo.time_loop steps 3 iter_args
// CHECK-SAME: -> (tensor<2x3xf32>, tensor<3x2x3xf32>, tensor<3x2x3xf32>)
// CHECK: %[[V:.+]]:2 = credo.lif {{.*}}credo.node = "in"
// CHECK: credo.yield %[[V]]#0 : tensor<2x3xf32> record %[[V]]#1, %[[V]]#1
// CHECK: %[[C:.+]] = credo.spike_count %[[I]]#2 : tensor<3x2x3xf32> -> tensor<2x3xf32>
// CHECK: %[[W:.+]]:2 = credo.lif {{.*}}credo.node = "out"
// CHECK: credo.yield %[[W]]#0 : tensor<2x3xf32> record %[[W]]#1, %[[C]], %[[W]]#1
// CHECK: %[[CI:.+]] = credo.spike_count %[[O]]#2 : tensor<2x2x3xf32> -> tensor<2x3xf32>
// CHECK: %[[CO:.+]] = credo.spike_count %[[O]]#3 : tensor<2x2x3xf32> -> tensor<2x3xf32>
// CHECK: %[[PI:.+]] = credo.reduce_sum %[[CI]]
// CHECK: %[[PO:.+]] = credo.reduce_sum %[[CO]]
// CHECK: return %{{.+}}, %[[PI]], %[[PO]]
func.func @train_step(%x: tensor<2x3x2x3xf32>) -> (tensor<f32> {credo.name = "loss"}) {
  %z = arith.constant dense<0.0> : tensor<2x3xf32>
  %vo, %so = credo.time_loop steps 2 iter_args(%z : tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x2x3xf32>) {
  ^bb0(%t: index, %w0: tensor<2x3xf32>):
    %xo = credo.time_slice %x[%t] : tensor<2x3x2x3xf32> -> tensor<3x2x3xf32>
    %vi, %si = credo.time_loop steps 3 iter_args(%z : tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2x3xf32>) {
    ^bb0(%u: index, %v0: tensor<2x3xf32>):
      %i = credo.time_slice %xo[%u] : tensor<3x2x3xf32> -> tensor<2x3xf32>
      %v1, %s1 = credo.lif %i state(%v0 : tensor<2x3xf32>) {credo.node = "in"} : tensor<2x3xf32>
      credo.yield %v1 : tensor<2x3xf32> record %s1 : tensor<2x3xf32>
    }
    %c = credo.spike_count %si : tensor<3x2x3xf32> -> tensor<2x3xf32>
    %w1, %s2 = credo.lif %c state(%w0 : tensor<2x3xf32>) {credo.node = "out"} : tensor<2x3xf32>
    credo.yield %w1 : tensor<2x3xf32> record %s2 : tensor<2x3xf32>
  }
  %n = credo.spike_count %so : tensor<2x2x3xf32> -> tensor<2x3xf32>
  %l = credo.mse %n, %z : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
