// RUN: credo-opt %s --credo-record-in-place --split-input-file | FileCheck %s
// RUN: credo-opt %s --credo-record-in-place --one-shot-bufferize=bufferize-function-boundaries --cse --canonicalize --split-input-file | FileCheck %s --check-prefix=BUF
// A time loop's recorded value is computed in its record's slice at step t;
// each record starts as its own allocation; a state's next value is
// computed in the state's tensor. Values the loop only carries, producers
// that read their destination, and positions not known before the producer
// keep their copy.

#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @records
// CHECK-DAG: %[[REC:.*]] = bufferization.alloc_tensor() : tensor<3x4x8xf32>
// CHECK-DAG: %[[OLD:.*]] = bufferization.alloc_tensor() : tensor<3x4x8xf32>
// CHECK: scf.for %[[T:.*]] = {{.*}} iter_args(%[[S:.*]] = %{{.*}}, %[[R:.*]] = %[[REC]], %[[O:.*]] = %[[OLD]])
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %[[R]][%[[T]], 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
// CHECK: %[[OSLICE:.*]] = tensor.extract_slice %[[O]][%[[T]], 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
// CHECK: %[[V:.*]]:2 = linalg.generic {{.*}} ins(%{{.*}}, %[[S]] : tensor<4x8xf32>, tensor<4x8xf32>) outs(%[[SLICE]], %[[OSLICE]] : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %[[IN:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK: linalg.yield %{{.*}}, %[[IN]] : f32, f32
// CHECK: tensor.insert_slice %[[V]]#0 into %[[R]][%[[T]], 0, 0]
// CHECK: tensor.insert_slice %[[V]]#1 into %[[O]][%[[T]], 0, 0]
// The value is written into the record; the carried state, which the
// step's elementwise loop reads, is written into its own record by that
// loop (and the next state copied into the carried buffer).
// BUF-LABEL: func.func @records
// BUF: %[[A:.*]] = memref.alloc() {{.*}} : memref<3x4x8xf32>
// BUF: %[[B:.*]] = memref.alloc() {{.*}} : memref<3x4x8xf32>
// BUF: scf.for %[[T:.*]] =
// BUF: %[[SLICE:.*]] = memref.subview %[[A]][%[[T]], 0, 0]
// BUF: %[[OLD:.*]] = memref.subview %[[B]][%[[T]], 0, 0]
// BUF: linalg.generic {{.*}} outs(%[[SLICE]], %[[OLD]] :
// BUF: linalg.copy ins(%[[SLICE]]
// BUF-NOT: copy
// BUF: return
func.func @records(%x: tensor<4x8xf32>, %s0: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %e = tensor.empty() : tensor<3x4x8xf32>
  %r:3 = scf.for %t = %c0 to %c3 step %c1 iter_args(%s = %s0, %rec = %e, %old = %e) -> (tensor<4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>) {
    %d = tensor.empty() : tensor<4x8xf32>
    %v = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %s : tensor<4x8xf32>, tensor<4x8xf32>) outs(%d : tensor<4x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %y = arith.addf %a, %b : f32
      linalg.yield %y : f32
    } -> tensor<4x8xf32>
    %i1 = tensor.insert_slice %v into %rec[%t, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<3x4x8xf32>
    %i2 = tensor.insert_slice %s into %old[%t, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<3x4x8xf32>
    %n = linalg.copy ins(%v : tensor<4x8xf32>) outs(%s : tensor<4x8xf32>) -> tensor<4x8xf32>
    scf.yield %n, %i1, %i2 : tensor<4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>
  }
  return %r#0, %r#1, %r#2 : tensor<4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>
}

// -----

// Through reshapes (a value computed as [8, 4] and recorded as [4, 8]): the
// slice takes the inverse reshapes; in a reverse loop the step is computed
// before the producer.
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @reshaped
// CHECK: %[[T:.*]] = arith.subi
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %{{.*}}[%[[T]], 0, 0] [1, 4, 8] [1, 1, 1] : tensor<3x4x8xf32> to tensor<4x8xf32>
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[SLICE]] {{\[}}[0, 1]] : tensor<4x8xf32> into tensor<32xf32>
// CHECK: %[[GROUPS:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [8, 4] : tensor<32xf32> into tensor<8x4xf32>
// CHECK: linalg.generic {{.*}} outs(%[[GROUPS]] : tensor<8x4xf32>)
// BUF-LABEL: func.func @reshaped
// BUF: scf.for
// BUF-NOT: copy
// BUF: return
func.func @reshaped(%x: tensor<8x4xf32>) -> tensor<3x4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %e = tensor.empty() : tensor<3x4x8xf32>
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%rec = %e) -> (tensor<3x4x8xf32>) {
    %t = arith.subi %c2, %i : index
    %d = tensor.empty() : tensor<8x4xf32>
    %v = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x4xf32>) outs(%d : tensor<8x4xf32>) {
    ^bb0(%a: f32, %o: f32):
      %y = arith.negf %a : f32
      linalg.yield %y : f32
    } -> tensor<8x4xf32>
    %flat = tensor.collapse_shape %v [[0, 1]] : tensor<8x4xf32> into tensor<32xf32>
    %w = tensor.expand_shape %flat [[0, 1]] output_shape [4, 8] : tensor<32xf32> into tensor<4x8xf32>
    %i1 = tensor.insert_slice %w into %rec[%t, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<3x4x8xf32>
    scf.yield %i1 : tensor<3x4x8xf32>
  }
  return %r : tensor<3x4x8xf32>
}

// -----

// Left as they are: a producer whose destination is not a tensor.empty (it
// reads it), a step position computed after the producer, a record the loop
// also reads, and part of a step (not a whole slice).
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @kept
// CHECK-NOT: tensor.extract_slice {{.*}} to tensor<4x8xf32>
// CHECK: return
func.func @kept(%x: tensor<4x8xf32>, %acc: tensor<4x8xf32>) -> (tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4x8xf32>
  %r:4 = scf.for %i = %c0 to %c3 step %c1 iter_args(%r1 = %e, %r2 = %e, %r3 = %e, %r4 = %e) -> (tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>) {
    %d = tensor.empty() : tensor<4x8xf32>
    %sum = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%acc : tensor<4x8xf32>) {
    ^bb0(%a: f32, %o: f32):
      %y = arith.addf %a, %o : f32
      linalg.yield %y : f32
    } -> tensor<4x8xf32>
    %i1 = tensor.insert_slice %sum into %r1[%i, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<3x4x8xf32>
    %v = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%d : tensor<4x8xf32>) {
    ^bb0(%a: f32, %o: f32):
      %y = arith.negf %a : f32
      linalg.yield %y : f32
    } -> tensor<4x8xf32>
    %t = arith.subi %c2, %i : index
    %i2 = tensor.insert_slice %v into %r2[%t, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<3x4x8xf32>
    %seen = tensor.extract %r3[%c0, %c0, %c0] : tensor<3x4x8xf32>
    %f = linalg.fill ins(%seen : f32) outs(%d : tensor<4x8xf32>) -> tensor<4x8xf32>
    %i3 = tensor.insert_slice %f into %r3[%i, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<3x4x8xf32>
    %h = linalg.fill ins(%cst : f32) outs(%d : tensor<4x8xf32>) -> tensor<4x8xf32>
    %half = tensor.extract_slice %h[0, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %i4 = tensor.insert_slice %half into %r4[%i, 0, 0] [1, 2, 8] [1, 1, 1] : tensor<2x8xf32> into tensor<3x4x8xf32>
    scf.yield %i1, %i2, %i3, %i4 : tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>
  }
  return %r#0, %r#1, %r#2, %r#3 : tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>
}

// -----

// A state's next value is computed in the state's own tensor: the copy into
// it is then a self-copy that canonicalization removes.
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @state
// CHECK: scf.for {{.*}} iter_args(%[[S:.*]] = %{{.*}}) -> (tensor<4x8xf32>)
// CHECK: %[[N:.*]] = linalg.generic {{.*}} outs(%[[S]] : tensor<4x8xf32>)
// CHECK: linalg.copy ins(%[[N]] : tensor<4x8xf32>) outs(%[[S]] : tensor<4x8xf32>)
// BUF-LABEL: func.func @state
// BUF: scf.for
// BUF-NEXT: linalg.generic {{.*}} outs(%arg1 :
// BUF-NOT: copy
// BUF: return
func.func @state(%x: tensor<4x8xf32>, %s0: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r = scf.for %t = %c0 to %c3 step %c1 iter_args(%s = %s0) -> (tensor<4x8xf32>) {
    %d = tensor.empty() : tensor<4x8xf32>
    %n = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %s : tensor<4x8xf32>, tensor<4x8xf32>) outs(%d : tensor<4x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %y = arith.mulf %a, %b : f32
      linalg.yield %y : f32
    } -> tensor<4x8xf32>
    %c = linalg.copy ins(%n : tensor<4x8xf32>) outs(%s : tensor<4x8xf32>) -> tensor<4x8xf32>
    scf.yield %c : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}

// -----

// States left as they are: a kernel call's next state (its output must be a
// dense buffer, which a state can be a strided view of) and a next state
// that reads the state other than element by element (transposed). Records
// of dynamic size are left as they are too.
#id = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
func.func private @credo_rt_relu_f32(!llvm.ptr, !llvm.ptr, i64)
// CHECK-LABEL: func.func @kept_states
// CHECK: credo.call_kernel @credo_rt_relu_f32 ins(%{{.*}} : tensor<8x8xf32>) outs(%[[E:.*]] : tensor<8x8xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[E]] : tensor<8x8xf32>)
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT: tensor.extract_slice
// CHECK: return
func.func @kept_states(%a0: tensor<8x8xf32>, %b0: tensor<8x8xf32>) -> (tensor<8x8xf32>, tensor<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r:2 = scf.for %t = %c0 to %c3 step %c1 iter_args(%a = %a0, %b = %b0) -> (tensor<8x8xf32>, tensor<8x8xf32>) {
    %d = tensor.empty() : tensor<8x8xf32>
    %na = credo.call_kernel @credo_rt_relu_f32 ins(%a : tensor<8x8xf32>) outs(%d : tensor<8x8xf32>) scalars [64] -> tensor<8x8xf32>
    %nb = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<8x8xf32>) outs(%d : tensor<8x8xf32>) {
    ^bb0(%x: f32, %o: f32):
      %y = arith.negf %x : f32
      linalg.yield %y : f32
    } -> tensor<8x8xf32>
    %ca = linalg.copy ins(%na : tensor<8x8xf32>) outs(%a : tensor<8x8xf32>) -> tensor<8x8xf32>
    %cb = linalg.copy ins(%nb : tensor<8x8xf32>) outs(%b : tensor<8x8xf32>) -> tensor<8x8xf32>
    scf.yield %ca, %cb : tensor<8x8xf32>, tensor<8x8xf32>
  }
  return %r#0, %r#1 : tensor<8x8xf32>, tensor<8x8xf32>
}

func.func @dynamic(%x: tensor<4x?xf32>, %n: index) -> tensor<3x4x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %e = tensor.empty(%n) : tensor<3x4x?xf32>
  %r = scf.for %t = %c0 to %c3 step %c1 iter_args(%rec = %e) -> (tensor<3x4x?xf32>) {
    %d = tensor.empty(%n) : tensor<4x?xf32>
    %v = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x?xf32>) outs(%d : tensor<4x?xf32>) {
    ^bb0(%a: f32, %o: f32):
      %y = arith.negf %a : f32
      linalg.yield %y : f32
    } -> tensor<4x?xf32>
    %m = tensor.dim %v, %c1 : tensor<4x?xf32>
    %i1 = tensor.insert_slice %v into %rec[%t, 0, 0] [1, 4, %m] [1, 1, 1] : tensor<4x?xf32> into tensor<3x4x?xf32>
    scf.yield %i1 : tensor<3x4x?xf32>
  }
  return %r : tensor<3x4x?xf32>
}

// -----

// The copies that end a step are ordered so that a state is overwritten
// after the copies that read its old value (here canonicalization made p's
// next value q's old one); a swap copies one value aside first.
// CHECK-LABEL: func.func @order
// CHECK: scf.for {{.*}} iter_args(%[[P:.*]] = %{{.*}}, %[[Q:.*]] = %{{.*}})
// CHECK: %[[N:.*]] = linalg.generic
// CHECK: %[[CP:.*]] = linalg.copy ins(%[[Q]] : tensor<2x3xf32>) outs(%[[P]] : tensor<2x3xf32>)
// CHECK-NEXT: %[[CQ:.*]] = linalg.copy ins(%[[N]] : tensor<2x3xf32>) outs(%[[Q]] : tensor<2x3xf32>)
// CHECK-NEXT: scf.yield %[[CP]], %[[CQ]]
// CHECK-LABEL: func.func @swap
// CHECK: scf.for {{.*}} iter_args(%[[P:.*]] = %{{.*}}, %[[Q:.*]] = %{{.*}})
// CHECK: %[[SPARE:.*]] = bufferization.alloc_tensor() : tensor<2x3xf32>
// CHECK: %[[ASIDE:.*]] = linalg.copy ins(%[[Q]] : tensor<2x3xf32>) outs(%[[SPARE]] : tensor<2x3xf32>)
// CHECK: linalg.copy ins(%[[P]] : tensor<2x3xf32>) outs(%[[Q]] : tensor<2x3xf32>)
// CHECK: linalg.copy ins(%[[ASIDE]] : tensor<2x3xf32>) outs(%[[P]] : tensor<2x3xf32>)
// BUF-LABEL: func.func @order
// BUF-LABEL: func.func @swap
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @order(%x: tensor<2x3xf32>, %p0: tensor<2x3xf32>, %q0: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r:2 = scf.for %t = %c0 to %c3 step %c1 iter_args(%p = %p0, %q = %q0) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
    %d = tensor.empty() : tensor<2x3xf32>
    %n = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%p, %x : tensor<2x3xf32>, tensor<2x3xf32>) outs(%d : tensor<2x3xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %y = arith.addf %a, %b : f32
      linalg.yield %y : f32
    } -> tensor<2x3xf32>
    %cq = linalg.copy ins(%n : tensor<2x3xf32>) outs(%q : tensor<2x3xf32>) -> tensor<2x3xf32>
    %cp = linalg.copy ins(%q : tensor<2x3xf32>) outs(%p : tensor<2x3xf32>) -> tensor<2x3xf32>
    scf.yield %cp, %cq : tensor<2x3xf32>, tensor<2x3xf32>
  }
  return %r#0, %r#1 : tensor<2x3xf32>, tensor<2x3xf32>
}

func.func @swap(%p0: tensor<2x3xf32>, %q0: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r:2 = scf.for %t = %c0 to %c3 step %c1 iter_args(%p = %p0, %q = %q0) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
    %cq = linalg.copy ins(%p : tensor<2x3xf32>) outs(%q : tensor<2x3xf32>) -> tensor<2x3xf32>
    %cp = linalg.copy ins(%q : tensor<2x3xf32>) outs(%p : tensor<2x3xf32>) -> tensor<2x3xf32>
    scf.yield %cp, %cq : tensor<2x3xf32>, tensor<2x3xf32>
  }
  return %r#0, %r#1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A recorded state that no elementwise loop of the step reads with the
// identity map (here: read transposed) keeps its copy into the record.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-LABEL: func.func @state_read_transposed
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x4xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4xf32> into tensor<3x4x4xf32>
// BUF-LABEL: func.func @state_read_transposed
// BUF: scf.for
// BUF: memref.copy
func.func @state_read_transposed(%s0: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<3x4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %e = tensor.empty() : tensor<3x4x4xf32>
  %r:2 = scf.for %t = %c0 to %c3 step %c1 iter_args(%s = %s0, %old = %e) -> (tensor<4x4xf32>, tensor<3x4x4xf32>) {
    %d = tensor.empty() : tensor<4x4xf32>
    %v = linalg.generic {indexing_maps = [#tr, #id2], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<4x4xf32>) outs(%d : tensor<4x4xf32>) {
    ^bb0(%a: f32, %o: f32):
      linalg.yield %a : f32
    } -> tensor<4x4xf32>
    %i = tensor.insert_slice %s into %old[%t, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<4x4xf32> into tensor<3x4x4xf32>
    %n = linalg.copy ins(%v : tensor<4x4xf32>) outs(%s : tensor<4x4xf32>) -> tensor<4x4xf32>
    scf.yield %n, %i : tensor<4x4xf32>, tensor<3x4x4xf32>
  }
  return %r#0, %r#1 : tensor<4x4xf32>, tensor<3x4x4xf32>
}
