// RUN: credo-opt %s --split-input-file --credo-fuse-elementwise | FileCheck %s
// Elementwise fusion, except a producer with a transcendental or a division
// into a consumer that reads it broadcast (it would run once per element of
// the broadcast instead of once) or that sums along its innermost loop (the
// in-order sum would keep the producer's loop from being vectorized).

#vec = affine_map<(i, j) -> (0, i)>
#col = affine_map<(i, j) -> (0, j)>
#id = affine_map<(i, j) -> (i, j)>
#id1 = affine_map<(i, j) -> (i, j)>

// An exp producer read broadcast by an outer product stays its own loop.
// CHECK-LABEL: func.func @costly_broadcast
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK-NOT: math.exp
// CHECK: arith.mulf
// CHECK: return
func.func @costly_broadcast(%u: tensor<1x50xf32>, %r: tensor<1x64xf32>) -> tensor<50x64xf32> {
  %e = tensor.empty() : tensor<1x50xf32>
  %s = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel", "parallel"]}
      ins(%u : tensor<1x50xf32>) outs(%e : tensor<1x50xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<1x50xf32>
  %e2 = tensor.empty() : tensor<50x64xf32>
  %p = linalg.generic {indexing_maps = [#vec, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s, %r : tensor<1x50xf32>, tensor<1x64xf32>) outs(%e2 : tensor<50x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<50x64xf32>
  return %p : tensor<50x64xf32>
}

// -----

#vec = affine_map<(i, j) -> (0, i)>
#col = affine_map<(i, j) -> (0, j)>
#id = affine_map<(i, j) -> (i, j)>

// A cheap producer (a product) moves into the broadcasting consumer.
// CHECK-LABEL: func.func @cheap_broadcast
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @cheap_broadcast(%u: tensor<1x50xf32>, %r: tensor<1x64xf32>) -> tensor<50x64xf32> {
  %e = tensor.empty() : tensor<1x50xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%u : tensor<1x50xf32>) outs(%e : tensor<1x50xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<1x50xf32>
  %e2 = tensor.empty() : tensor<50x64xf32>
  %p = linalg.generic {indexing_maps = [#vec, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s, %r : tensor<1x50xf32>, tensor<1x64xf32>) outs(%e2 : tensor<50x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<50x64xf32>
  return %p : tensor<50x64xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>

// A costly producer read element for element fuses as before.
// CHECK-LABEL: func.func @costly_elementwise
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
func.func @costly_elementwise(%u: tensor<8x50xf32>, %v: tensor<8x50xf32>) -> tensor<8x50xf32> {
  %e = tensor.empty() : tensor<8x50xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%u : tensor<8x50xf32>) outs(%e : tensor<8x50xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<8x50xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s, %v : tensor<8x50xf32>, tensor<8x50xf32>) outs(%e : tensor<8x50xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.addf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8x50xf32>
  return %p : tensor<8x50xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>

// The exponentials of a softmax stay their own loop, out of the row sums
// (the innermost loop a reduction); a cheap producer still moves in.
// CHECK-LABEL: func.func @costly_into_row_sum
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-NOT: math.exp
// CHECK: arith.addf
// CHECK-LABEL: func.func @cheap_into_row_sum
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
func.func @costly_into_row_sum(%u: tensor<8x10xf32>, %z: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8x10xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%u : tensor<8x10xf32>) outs(%e : tensor<8x10xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<8x10xf32>
  %p = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%s : tensor<8x10xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %p : tensor<8xf32>
}
func.func @cheap_into_row_sum(%u: tensor<8x10xf32>, %z: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8x10xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%u : tensor<8x10xf32>) outs(%e : tensor<8x10xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<8x10xf32>
  %p = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%s : tensor<8x10xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %p : tensor<8xf32>
}
