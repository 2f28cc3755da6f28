// RUN: credo-opt %s --convert-credo-to-linalg | FileCheck %s
// RUN: credo-opt %s --credo-cpu-pipeline=kernels=reference | FileCheck %s --check-prefix=LLVM
// RUN: credo-opt %s --convert-credo-to-linalg=wide-generator-lanes=true | FileCheck %s --check-prefix=WIDE
// A LIF step is one elementwise generic whose outputs are the new state and
// the spikes (the update fused); its gradient is another; Poisson encoding
// computes Philox-4x32-10 blocks from linalg.index (ten rounds of
// 32×32→64-bit products), one per four elements; the generator's draw
// count goes up by one; spike
// counts reduce over time and their gradient broadcasts back.

// The affine map of @poisson_blocks (the module's first lines).
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @lif
// CHECK: %[[R:.*]]:3 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) outs(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
// CHECK-NOT: credo.
// CHECK: return %[[R]]#0, %[[R]]#2
func.func @lif(%i: tensor<2x3xf32>, %v: tensor<2x3xf32>, %r: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %v1, %r1, %s = credo.lif %i state(%v, %r : tensor<2x3xf32>, tensor<2x3xf32>) {t_ref = 2 : i64} : tensor<2x3xf32>
  return %v1, %s : tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @lif_grad
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : {{.*}}) outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : {{.*}})
// CHECK: math.absf
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : f64, f64, f64, f64
func.func @lif_grad(%i: tensor<4xf64>, %v: tensor<4xf64>, %c: tensor<4xf64>, %r: tensor<4xf64>, %g: tensor<4xf64>) -> tensor<4xf64> {
  %gi, %gv, %gc, %gr = credo.lif_grad %i state(%v, %c, %r : tensor<4xf64>, tensor<4xf64>, tensor<4xf64>) grads(%g, %g, %g, %g : tensor<4xf64>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>) {model = #credo.lif_model<current>, surrogate = #credo.surrogate<fast_sigmoid>} : tensor<4xf64>
  return %gi : tensor<4xf64>
}

// 6 elements, not a multiple of 4: element i computes its block i >> 2 and
// takes word i & 3.
// CHECK-LABEL: func.func @poisson
// CHECK-DAG: %[[SEED:.*]] = tensor.extract %{{.*}}[%c0{{.*}}] : tensor<2xi64>
// CHECK-DAG: %[[DRAWS:.*]] = tensor.extract %{{.*}}[%c1{{.*}}] : tensor<2xi64>
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: %[[I:.*]] = arith.index_cast{{.*}} : index to i32
// CHECK: %[[G:.*]] = arith.shrui %[[I]], %c2_i32
// CHECK: %[[K:.*]] = arith.andi %[[I]], %c3_i32
// CHECK: arith.mului_extended %{{.*}}, %[[G]]
// CHECK-COUNT-19: arith.mului_extended
// CHECK: arith.cmpi eq, %[[K]], %c1_i32
// CHECK: arith.cmpi eq, %[[K]], %c2_i32
// CHECK: arith.cmpi eq, %[[K]], %c3_i32
// CHECK: arith.uitofp
// CHECK: %[[LT:.*]] = arith.cmpf olt
// CHECK: %[[SPIKE:.*]] = arith.select %[[LT]]
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[P:.*]], %[[P]]
// CHECK: arith.select %[[NAN]], %[[P]], %[[SPIKE]]
func.func @poisson(%x: tensor<2x3xf32>, %g: tensor<2xi64>) -> tensor<2x3xf32> {
  %s = credo.poisson_encode %x, %g {stream = 5 : i64} : tensor<2x3xf32>, tensor<2xi64>
  return %s : tensor<2x3xf32>
}

// 12 elements: one Philox block per 4, as one generic over (block, word)
// of the input viewed [3, 4]: the block depends on the block index alone
// (compiled code computes it once per block), the word on the second.
// CHECK-LABEL: func.func @poisson_blocks
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
// CHECK: %[[J:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]] : tensor<3x4xf32>) outs(%{{.*}} : tensor<3x4xf32>)
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[GR:.*]] = arith.index_castui %[[B]] : index to i32
// CHECK: arith.mului_extended %{{.*}}, %[[GR]]
// CHECK-COUNT-19: arith.mului_extended
// CHECK: %[[W:.*]] = linalg.index 1
// CHECK: arith.cmpi eq, %[[W]], %c1
// CHECK: arith.cmpi eq, %[[W]], %c2
// CHECK: arith.cmpi eq, %[[W]], %c3
// CHECK: arith.uitofp
// CHECK-NOT: arith.uitofp
// CHECK: linalg.yield %{{.*}} : f32
// CHECK: tensor.collapse_shape %[[J]]
// CHECK: tensor.expand_shape {{.*}} into tensor<2x6xf32>
// With wide generator lanes (the CPU pipeline's choice), the same block in
// 64-bit lanes: each round multiplies the low halves of two lanes by the
// Philox constants (one 64-bit product per 32 × 32 → 64 multiply, its high
// half the multiply-high, its low half the multiply-low), and the four
// words are the lanes' low halves at the end.
// WIDE-LABEL: func.func @poisson_blocks
// WIDE: linalg.generic
// WIDE: %[[B:.*]] = linalg.index 0
// WIDE: %[[GR:.*]] = arith.index_castui %[[B]] : index to i32
// WIDE: %[[G64:.*]] = arith.extui %[[GR]] : i32 to i64
// WIDE: %[[LO:.*]] = arith.andi %[[G64]], %c4294967295_i64 : i64
// WIDE: %[[P0:.*]] = arith.muli %[[LO]], %c3528531795_i64 : i64
// WIDE: %[[P1:.*]] = arith.muli %{{.*}}, %c3449720151_i64 : i64
// WIDE: arith.shrui %[[P1]], %c32_i64{{.*}} : i64
// WIDE-COUNT-18: arith.muli %{{.*}} : i64
// WIDE-NOT: arith.mului_extended
// WIDE-COUNT-4: arith.trunci %{{.*}} : i64 to i32
// WIDE: arith.uitofp
// WIDE: linalg.yield %{{.*}} : f32
func.func @poisson_blocks(%x: tensor<2x6xf32>, %g: tensor<2xi64>) -> tensor<2x6xf32> {
  %s = credo.poisson_encode %x, %g {stream = 5 : i64} : tensor<2x6xf32>, tensor<2xi64>
  return %s : tensor<2x6xf32>
}

// The majority [p > ½] draws nothing; the residual subtracts it from the
// spike.
// CHECK-LABEL: func.func @poisson_parts
// CHECK: linalg.generic
// CHECK-NOT: arith.mului_extended
// CHECK: %[[HALF:.*]] = arith.cmpf ogt, %{{.*}}, %cst
// CHECK: arith.select %[[HALF]]
// CHECK: arith.cmpf uno
// CHECK: linalg.yield
// CHECK: linalg.generic
// CHECK-COUNT-20: arith.mului_extended
// CHECK: %[[LT:.*]] = arith.cmpf olt
// CHECK: %[[SPIKE:.*]] = arith.select %[[LT]]
// CHECK: %[[GT:.*]] = arith.cmpf ogt
// CHECK: %[[M:.*]] = arith.select %[[GT]]
// CHECK: %[[R:.*]] = arith.subf %[[SPIKE]], %[[M]]
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[P:.*]], %[[P]]
// CHECK: arith.select %[[NAN]], %[[P]], %[[R]]
func.func @poisson_parts(%x: tensor<2x3xf32>, %g: tensor<2xi64>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %m = credo.poisson_encode %x, %g {part = "majority", stream = 5 : i64} : tensor<2x3xf32>, tensor<2xi64>
  %r = credo.poisson_encode %x, %g {part = "residual", stream = 5 : i64} : tensor<2x3xf32>, tensor<2xi64>
  return %m, %r : tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @next
// CHECK: linalg.generic
// CHECK: arith.cmpi eq
// CHECK: arith.extui
// CHECK: arith.addi
func.func @next(%g: tensor<2xi64>) -> tensor<2xi64> {
  %g1 = credo.generator_next %g : tensor<2xi64>
  return %g1 : tensor<2xi64>
}

// CHECK-LABEL: func.func @counts
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
func.func @counts(%s: tensor<5x2x3xf32>) -> tensor<5x2x3xf32> {
  %n = credo.spike_count %s : tensor<5x2x3xf32> -> tensor<2x3xf32>
  %g = credo.spike_count_grad %n {steps = 5 : i64} : tensor<2x3xf32> -> tensor<5x2x3xf32>
  return %g : tensor<5x2x3xf32>
}

// The whole pipeline reaches the LLVM dialect.
// LLVM-LABEL: llvm.func @poisson
// LLVM: llvm.mul
// LLVM-NOT: credo.

// CHECK-LABEL: func.func @filter
// CHECK: linalg.generic
// CHECK: arith.constant 0.60653065971263342 : f64
// CHECK: arith.mulf
// CHECK: arith.constant 0.39346934028736658 : f64
func.func @filter(%x: tensor<4xf64>, %t: tensor<4xf64>) -> tensor<4xf64> {
  %y = credo.exp_filter %x state(%t) {tau = 2.0 : f64, lowpass = true} : tensor<4xf64>
  return %y : tensor<4xf64>
}

// s_psp: the pre trains delayed by t_ref, one scf.for over the steps whose
// generics update e, the traces and the pending resets in place, then the
// 0.1 of silent post neurons.
// CHECK-LABEL: func.func @psp
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[2, 0, 0] [7, 2, 4] [1, 1, 1] : tensor<7x2x4xf32> into tensor<9x2x4xf32>
// CHECK: %[[L:.+]]:4 = scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[E:.+]] = %{{.+}}, %[[MEM:.+]] = %{{.+}}, %[[CUR:.+]] = %{{.+}}, %[[DUE:.+]] = %{{.+}}) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x4xf32>, tensor<2x3xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[E]], %[[MEM]] : tensor<2x3x4xf32>, tensor<2x3x4xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[CUR]] : tensor<2x4xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[DUE]] : tensor<2x3xf32>)
// CHECK: scf.yield
// CHECK: arith.constant 1.000000e-01 : f32
func.func @psp(%post: tensor<9x2x3xf32>, %pre: tensor<9x2x4xf32>) -> tensor<2x3x4xf32> {
  %e = credo.s_psp %post, %pre {tau_m = 20.0 : f64, t_ref = 2 : i64} : tensor<9x2x3xf32>, tensor<9x2x4xf32> -> tensor<2x3x4xf32>
  return %e : tensor<2x3x4xf32>
}

// einsum: one generic, result letters parallel, summed letters reductions
// (their order: einsum-order.mlir).
// CHECK-LABEL: func.func @einsum
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @einsum(%d: tensor<16x10xf32>, %e: tensor<16x10x100xf32>) -> tensor<100x10xf32> {
  %g = credo.einsum %d, %e {spec = "bi,bij->ji"} : tensor<16x10xf32>, tensor<16x10x100xf32> -> tensor<100x10xf32>
  return %g : tensor<100x10xf32>
}

// Without summed letters (a broadcasting product) the generic yields the
// product and never reads its output, so elementwise fusion can move it
// into a contraction with more dimensions.
// CHECK-LABEL: func.func @einsum_product
// CHECK: %[[E:.+]] = tensor.empty() : tensor<16x10xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<16xf32>, tensor<16x10xf32>) outs(%[[E]] : tensor<16x10xf32>)
// CHECK-NEXT: ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[P:.+]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT: linalg.yield %[[P]] : f32
func.func @einsum_product(%r: tensor<16xf32>, %x: tensor<16x10xf32>) -> tensor<16x10xf32> {
  %g = credo.einsum %r, %x {spec = "b,bj->bj"} : tensor<16xf32>, tensor<16x10xf32> -> tensor<16x10xf32>
  return %g : tensor<16x10xf32>
}

// A summed letter of extent 1 (an outer product over a batch of one) is
// indexed at 0: an elementwise generic yielding 0 + the product (the bits
// of the sum from zero), without a fill, which fuses into its consumers.
// A letter of extent 1 that is not summed stays a loop.
// CHECK-LABEL: func.func @einsum_outer
// CHECK-NOT: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<1x64xf32>, tensor<1x50xf32>) outs(%{{.+}} : tensor<64x50xf32>)
// CHECK-NEXT: ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[P:.+]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[Z]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<1x64xf32>, tensor<1x50xf32>) outs(%{{.+}} : tensor<1x64x50xf32>)
func.func @einsum_outer(%x: tensor<1x64xf32>, %d: tensor<1x50xf32>) -> (tensor<64x50xf32>, tensor<1x64x50xf32>) {
  %g = credo.einsum %x, %d {spec = "bi,bj->ij"} : tensor<1x64xf32>, tensor<1x50xf32> -> tensor<64x50xf32>
  %h = credo.einsum %x, %d {spec = "bi,bj->bij"} : tensor<1x64xf32>, tensor<1x50xf32> -> tensor<1x64x50xf32>
  return %g, %h : tensor<64x50xf32>, tensor<1x64x50xf32>
}

// spike_masks: one generic over (plane, row, word, bit), the bit a
// reduction over the bit values 2^j; the spike read at its clamped index
// (entries past K give 0): plane 0 where it is a non-zero number
// (ordered and not equal to 0), plane 1 where it is also negative (its
// sign bit set) or where it is NaN (unordered).
// CHECK-LABEL: func.func @masks
// CHECK: %[[Z:.+]] = linalg.fill ins(%{{.+}} : i64) outs(%{{.+}} : tensor<2x4x2xi64>)
// CHECK: %[[P:.+]] = arith.constant dense<[1, 2, 4, {{.*}}, -9223372036854775808]> : tensor<64xi64>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[P]] : tensor<64xi64>) outs(%[[Z]] : tensor<2x4x2xi64>)
// CHECK: arith.cmpi ult, %{{.+}}, %c70
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}] : tensor<4x70xf32>
// CHECK: arith.cmpf one
// CHECK: arith.cmpf uno
// CHECK: arith.bitcast %{{.+}} : f32 to i32
// CHECK: arith.ori
// spike_masks_matmul: one generic over (k, n, b), b a reduction: the
// masks' planes read at word k floordiv 64, acc ± d where the bit is set.
// CHECK: linalg.generic {indexing_maps = [#[[M0:.+]], #[[M1:.+]], #{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<2x4x2xi64>, tensor<2x4x2xi64>, tensor<4x8xf32>) outs(%{{.+}} : tensor<70x8xf32>)
// CHECK: arith.andi %{{.+}}, %c63
// CHECK: arith.subf
// CHECK: arith.addf
// CHECK: arith.select
// CHECK: arith.constant 0x7FC00000 : f32
// CHECK: arith.addf
// CHECK: arith.select
// CHECK: arith.select
// LLVM-LABEL: llvm.func @masks
// LLVM-NOT: credo.
func.func @masks(%s: tensor<4x70xf32>, %d: tensor<4x8xf32>) -> tensor<70x8xf32> {
  %m = credo.spike_masks %s : tensor<4x70xf32> -> tensor<2x4x2xi64>
  %y = credo.spike_masks_matmul %m, %d {width = 70 : i64} : tensor<2x4x2xi64>, tensor<4x8xf32> -> tensor<70x8xf32>
  return %y : tensor<70x8xf32>
}
