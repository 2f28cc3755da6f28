// RUN: credo-opt %s --credo-instrument-spikes | FileCheck %s
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
// CHECK: credo.time_loop steps 4 reverse
// CHECK-NOT: record
// CHECK: %[[N:.+]] = credo.spike_count %[[L]]#2 : tensor<4x2x3xf32> -> tensor<2x3xf32>
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
