// RUN: credo-opt %s --convert-credo-to-linalg | FileCheck %s
// RUN: credo-opt %s --credo-cpu-pipeline=kernels=reference | FileCheck %s --check-prefix=LLVM
// RUN: credo-opt %s --credo-cpu-pipeline=kernels=dnnl | FileCheck %s --check-prefix=LLVM
// A time loop is one scf.for: the carried state is copied into its own
// buffer at the end of each step, recorded values are inserted at step t,
// step reads are rank-reducing slices, and a reverse loop counts down. On
// both kernel paths the whole loop compiles to native code (no call per
// step into the runtime other than kernels).

// CHECK-LABEL: func.func @forward
// CHECK: %[[REC:.*]] = tensor.empty() : tensor<3x4x5xf32>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[L:.*]]:2 = scf.for %[[T:.*]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[H:.*]] = %{{.*}}, %[[R:.*]] = %[[REC]]) -> (tensor<4x5xf32>, tensor<3x4x5xf32>) {
// CHECK: tensor.extract_slice %{{.*}}[0, %[[T]], 0] [4, 1, 2] [1, 1, 1] : tensor<4x3x2xf32> to tensor<4x2xf32>
// CHECK: linalg.matmul
// CHECK: linalg.matmul ins(%[[H]],
// CHECK: %[[NEXT:.*]] = linalg.generic {indexing_maps = [#{{[a-z0-9_]+}}, #{{[a-z0-9_]+}}], iterator_types
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.tanh
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[NEXT]] into %[[R]][%[[T]], 0, 0] [1, 4, 5] [1, 1, 1] : tensor<4x5xf32> into tensor<3x4x5xf32>
// CHECK: %[[COPY:.*]] = linalg.copy ins(%[[NEXT]] : tensor<4x5xf32>) outs(%[[H]] : tensor<4x5xf32>) -> tensor<4x5xf32>
// CHECK: scf.yield %[[COPY]], %[[INS]] : tensor<4x5xf32>, tensor<3x4x5xf32>
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: %[[LAST:.*]] = arith.constant 2 : index
// CHECK: %[[TR:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK: tensor.extract_slice %[[L]]#1[%[[TR]], 0, 0] [1, 4, 5] [1, 1, 1] : tensor<3x4x5xf32> to tensor<4x5xf32>
// CHECK-NOT: credo.stop_gradient
// CHECK: return %[[L]]#0, %[[L]]#1, %{{.*}}, %[[L]]#0

// LLVM-LABEL: llvm.func @forward
// LLVM-NOT: credo.
// LLVM: llvm.icmp "slt"
// LLVM: llvm.cond_br
func.func @forward(%x: tensor<4x3x2xf32>, %wx: tensor<2x5xf32>, %wh: tensor<5x5xf32>, %h0: tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<3x4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
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
  %stop = credo.stop_gradient %hT : tensor<4x5xf32>
  return %hT, %hs, %sum, %stop : tensor<4x5xf32>, tensor<3x4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}

// A state entering the step is recorded first thing in the step, before
// anything can update its buffer in place.
// CHECK-LABEL: func.func @state_recorded
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[R:.*]] = %{{.*}})
// CHECK-NEXT: tensor.insert_slice %[[H]] into %[[R]][%[[T]], 0, 0] [1, 4, 5] [1, 1, 1]
// CHECK: math.tanh
func.func @state_recorded(%h0: tensor<4x5xf32>) -> tensor<3x4x5xf32> {
  %hT, %hs = credo.time_loop steps 3 iter_args(%h0 : tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<3x4x5xf32>) {
  ^bb0(%t: index, %h: tensor<4x5xf32>):
    %h1 = credo.tanh %h : tensor<4x5xf32>
    credo.yield %h1 : tensor<4x5xf32> record %h : tensor<4x5xf32>
  }
  return %hs : tensor<3x4x5xf32>
}

// Delay lines: a buffer is overwritten only after the copies that read it.
// Shifting up (slot i reads slot i − 1, a forward delay of 2) copies the
// deepest slot first; shifting down (slot i reads slot i + 1, its reverse
// loop in a gradient) the shallowest first; a swap copies one value aside.
// CHECK-LABEL: func.func @shifts
// CHECK: scf.for {{.*}} iter_args(%[[A0:[^ ]*]] = %{{[^,]*}}, %[[A1:[^ ]*]] = %{{[^)]*}})
// CHECK: linalg.copy ins(%[[A0]] : tensor<2xf32>) outs(%[[A1]] : tensor<2xf32>)
// CHECK-NEXT: linalg.copy ins(%{{.*}} : tensor<2xf32>) outs(%[[A0]] : tensor<2xf32>)
// CHECK: scf.for {{.*}} iter_args(%[[B0:[^ ]*]] = %{{[^,]*}}, %[[B1:[^ ]*]] = %{{[^)]*}})
// CHECK: linalg.copy ins(%[[B1]] : tensor<2xf32>) outs(%[[B0]] : tensor<2xf32>)
// CHECK-NEXT: linalg.copy ins(%{{.*}} : tensor<2xf32>) outs(%[[B1]] : tensor<2xf32>)
// CHECK: scf.for {{.*}} iter_args(%[[S0:[^ ]*]] = %{{[^,]*}}, %[[S1:[^ ]*]] = %{{[^)]*}})
// CHECK: %[[ASIDE:.*]] = tensor.empty() : tensor<2xf32>
// CHECK: %[[KEPT:.*]] = linalg.copy ins(%[[S1]] : tensor<2xf32>) outs(%[[ASIDE]] : tensor<2xf32>)
// CHECK: linalg.copy ins(%[[S0]] : tensor<2xf32>) outs(%[[S1]] : tensor<2xf32>)
// CHECK-NEXT: linalg.copy ins(%[[KEPT]] : tensor<2xf32>) outs(%[[S0]] : tensor<2xf32>)
func.func @shifts(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %u:2 = credo.time_loop steps 4 iter_args(%x, %x : tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  ^bb0(%t: index, %a0: tensor<2xf32>, %a1: tensor<2xf32>):
    %n = credo.tanh %a1 : tensor<2xf32>
    credo.yield %n, %a0 : tensor<2xf32>, tensor<2xf32>
  }
  %d:2 = credo.time_loop steps 4 reverse iter_args(%x, %x : tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  ^bb0(%t: index, %b0: tensor<2xf32>, %b1: tensor<2xf32>):
    %n = credo.tanh %b0 : tensor<2xf32>
    credo.yield %b1, %n : tensor<2xf32>, tensor<2xf32>
  }
  %s:2 = credo.time_loop steps 3 iter_args(%x, %u#0 : tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  ^bb0(%t: index, %s0: tensor<2xf32>, %s1: tensor<2xf32>):
    credo.yield %s1, %s0 : tensor<2xf32>, tensor<2xf32>
  }
  return %u#1, %d#0, %s#0 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// A ring buffer: a read is the slot (t + k − back) mod k, sliced and copied
// into a tensor of its own; a write inserts into the ring (an add first
// with `add`), and the step's last write is the ring's next value.
// CHECK-LABEL: func.func @ring
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[R:.*]] = %{{.*}}) -> (tensor<12x4x5xf32>) {
// CHECK: %[[C9:.*]] = arith.constant 9 : index
// CHECK: %[[S9:.*]] = arith.addi %[[T]], %[[C9]] : index
// CHECK: %[[K:.*]] = arith.constant 12 : index
// CHECK: %[[SLOT:.*]] = arith.remui %[[S9]], %[[K]] : index
// CHECK: %[[VIEW:.*]] = tensor.extract_slice %[[R]][%[[SLOT]], 0, 0] [1, 4, 5] [1, 1, 1] : tensor<12x4x5xf32> to tensor<4x5xf32>
// CHECK: %[[OLD:.*]] = linalg.copy ins(%[[VIEW]] : tensor<4x5xf32>)
// CHECK: %[[NEW:.*]] = linalg.generic
// CHECK: math.tanh
// CHECK: %[[HERE:.*]] = arith.remui %[[T]], %{{.*}} : index
// CHECK: %[[W:.*]] = tensor.insert_slice %[[NEW]] into %[[R]][%[[HERE]], 0, 0] [1, 4, 5] [1, 1, 1] : tensor<4x5xf32> into tensor<12x4x5xf32>
// CHECK: %[[S7:.*]] = arith.addi %[[T]], %{{.*}} : index
// CHECK: %[[SLOT2:.*]] = arith.remui %[[S7]], %{{.*}} : index
// CHECK: %[[PREV:.*]] = tensor.extract_slice %[[W]][%[[SLOT2]], 0, 0] [1, 4, 5] [1, 1, 1]
// CHECK: %[[SUM:.*]] = linalg.add ins(%[[PREV]], %[[OLD]] : tensor<4x5xf32>, tensor<4x5xf32>)
// CHECK: %[[A:.*]] = tensor.insert_slice %[[SUM]] into %[[W]][%[[SLOT2]], 0, 0] [1, 4, 5] [1, 1, 1]
// CHECK: linalg.copy ins(%[[A]] : tensor<12x4x5xf32>) outs(%[[R]] : tensor<12x4x5xf32>)
// LLVM-LABEL: llvm.func @ring
func.func @ring(%r0: tensor<12x4x5xf32>) -> tensor<12x4x5xf32> {
  %r = credo.time_loop steps 20 iter_args(%r0 : tensor<12x4x5xf32>) -> (tensor<12x4x5xf32>) {
  ^bb0(%t: index, %ring: tensor<12x4x5xf32>):
    %old = credo.ring_read %ring[%t] {back = 3 : i64} : tensor<12x4x5xf32> -> tensor<4x5xf32>
    %new = credo.tanh %old : tensor<4x5xf32>
    %w = credo.ring_write %ring[%t], %new : tensor<12x4x5xf32>, tensor<4x5xf32>
    %a = credo.ring_write %w[%t], %old {back = 5 : i64, add} : tensor<12x4x5xf32>, tensor<4x5xf32>
    credo.yield %a : tensor<12x4x5xf32>
  }
  return %r : tensor<12x4x5xf32>
}

// A loop with nothing carried or recorded (its nodes unread) is an scf.for
// with one terminator.
// CHECK-LABEL: func.func @nothing_carried
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT: }
func.func @nothing_carried(%t: tensor<2xf32>) -> tensor<2xf32> {
  credo.time_loop steps 3 {
  ^bb0(%i: index):
    credo.yield
  }
  return %t : tensor<2xf32>
}
