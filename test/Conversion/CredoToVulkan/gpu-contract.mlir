// RUN: credo-opt %s --split-input-file --credo-gpu-contract=target-groups=1 | FileCheck %s
// RUN: credo-opt %s --split-input-file --credo-gpu-contract="tile=8 target-groups=1" | FileCheck %s --check-prefix=TILE8
// RUN: credo-opt %s --split-input-file --credo-gpu-contract | FileCheck %s --check-prefix=GROUPS

// (target-groups=1 above: outputs per invocation by size alone. By default
// they are halved while the grid has fewer than 128 workgroups: the
// convolution below gets one output per invocation, 8 x 1 workgroups.)
// GROUPS-LABEL: func.func @conv
// GROUPS: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c8{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// GROUPS: memref.alloc() : memref<16x16xf32, 3>
// GROUPS: memref.alloc() : memref<16x16xf32, 3>
// A matrix product deep and wide enough (K = 512, 32 x 32 tiles of 16)
// goes the same way (4 x 4 outputs per invocation would leave 64
// workgroups, so 2 x 4: 8 x 16 workgroups); a shallow one (K = 64) stays a
// linalg.matmul for credo-gpu-matmul.
// GROUPS-LABEL: func.func @products
// GROUPS: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c8{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c16{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// GROUPS: memref.alloc() : memref<16x16xvector<2xf32>, 3>
// GROUPS: memref.alloc() : memref<16x16xvector<4xf32>, 3>
// GROUPS: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<512x64xf32>, memref<64x512xf32>)

// A convolution forward (named op, written as a generic first) as a matrix
// product: rows (batch, y, x) M = 2·8·8 = 128, columns (filter) N = 16,
// reduction (channel, ky, kx) K = 32·3·3 = 288. Each invocation of a
// 16 x 16 workgroup computes 4 rows x 1 column (M fills 4 tiles of 16, N
// one), so a workgroup covers 64 x 16 outputs: grid 1 x 2 x 1. Per k-tile
// it stages its 4 rows of the input (zero outside) at step tx as one
// vector<4xf32> and its column of the filters at step ty in workgroup
// memory, synchronizes, and per step reads one vector of each tile and
// accumulates 4 sums.
// CHECK-LABEL: func.func @conv
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c2{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c16{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c16{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// CHECK: %[[AS:.*]] = memref.alloc() : memref<16x16xvector<4xf32>, 3>
// CHECK: %[[BS:.*]] = memref.alloc() : memref<16x16xf32, 3>
// CHECK: scf.for %{{.*}} = %{{.*}} to %c288{{.*}} step %c16{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (f32, f32, f32, f32) {
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: memref.load %{{.*}} : memref<2x32x10x10xf32>
// CHECK: } else {
// CHECK: vector.broadcast %{{.*}} : f32 to vector<4xf32>
// CHECK-COUNT-3: vector.insert
// CHECK: memref.store %{{.*}}, %[[AS]][%[[TX:.*]], %[[TY:.*]]] : memref<16x16xvector<4xf32>, 3>
// CHECK: memref.load %{{.*}} : memref<16x32x3x3xf32>
// CHECK: memref.store %{{.*}}, %[[BS]][%[[TY]], %[[TX]]] : memref<16x16xf32, 3>
// CHECK: gpu.barrier
// CHECK: scf.for %[[KK:.*]] = %{{.*}} to %c16
// CHECK: memref.load %[[AS]][%[[KK]], %[[TY]]] : memref<16x16xvector<4xf32>, 3>
// CHECK-COUNT-4: vector.extract
// CHECK: memref.load %[[BS]][%[[KK]], %[[TX]]] : memref<16x16xf32, 3>
// CHECK-COUNT-4: arith.mulf
// CHECK: gpu.barrier
// CHECK-COUNT-4: memref.store %{{.*}} : memref<2x16x8x8xf32>
// CHECK-NOT: linalg.
// TILE8: threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c8{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c8{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// TILE8: memref.alloc() : memref<8x8xvector<4xf32>, 3>
// TILE8: memref.alloc() : memref<8x8xvector<2xf32>, 3>
func.func @conv(%x: memref<2x32x10x10xf32>, %w: memref<16x32x3x3xf32>, %y: memref<2x16x8x8xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<2x32x10x10xf32>, memref<16x32x3x3xf32>) outs(%y : memref<2x16x8x8xf32>)
  return
}

// -----

// A filter gradient: rows (channel, ky, kx) M = 144, columns (filter)
// N = 32, reduction (batch, y, x) K = 800. 4 x 2 outputs per invocation
// (64 x 32 per workgroup): grid 1 x 3; the input is read at y + ky,
// x + kx (affine indices expanded to arithmetic). The output gradient's
// steps (batch, y, x) are consecutive along x (10 of them, an even
// number): it is loaded by steps as vector<2xf32>, two lines at a time
// (test/Conversion/CredoToVulkan/vector-views.mlir).
// CHECK-LABEL: func.func @filter_gradient
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c3{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}})
// CHECK: memref.alloc() : memref<16x16xvector<4xf32>, 3>
// CHECK: memref.alloc() : memref<16x16xvector<2xf32>, 3>
// CHECK: scf.for %{{.*}} = %{{.*}} to %c800{{.*}} step %c16{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK: arith.addi
// CHECK: memref.load %{{.*}} : memref<8x16x12x12xf32>
// CHECK-COUNT-2: memref.load %{{.*}} : memref<8x32x10x5xvector<2xf32>>
// CHECK-COUNT-8: arith.mulf
// CHECK-COUNT-8: memref.store %{{.*}} : memref<32x16x3x3xf32>
func.func @filter_gradient(%x: memref<8x16x12x12xf32>, %dy: memref<8x32x10x10xf32>, %dw: memref<32x16x3x3xf32>) {
  linalg.generic {indexing_maps = [affine_map<(o, c, p, q, b, i, j) -> (b, c, i + p, j + q)>,
                                   affine_map<(o, c, p, q, b, i, j) -> (b, o, i, j)>,
                                   affine_map<(o, c, p, q, b, i, j) -> (o, c, p, q)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel",
                                    "reduction", "reduction", "reduction"]}
      ins(%x, %dy : memref<8x16x12x12xf32>, memref<8x32x10x10xf32>) outs(%dw : memref<32x16x3x3xf32>) {
  ^bb0(%a: f32, %g: f32, %acc: f32):
    %m = arith.mulf %a, %g : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A loop both operands use (a batch of products) is the grid's third
// dimension: 4 x 1 x 1 workgroups per product, 4 products.
// CHECK-LABEL: func.func @batched
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c1{{[_0-9]*}}, %{{[a-z0-9_]+}} = %c4{{[_0-9]*}})
// CHECK: memref.alloc() : memref<16x16xvector<4xf64>, 3>
// CHECK: memref.alloc() : memref<16x16xvector<4xf64>, 3>
// CHECK-COUNT-16: arith.mulf
func.func @batched(%a: memref<4x64x256xf64>, %b: memref<4x256x64xf64>, %c: memref<4x64x64xf64>) {
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                                   affine_map<(b, m, n, k) -> (b, k, n)>,
                                   affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x64x256xf64>, memref<4x256x64xf64>) outs(%c : memref<4x64x64xf64>) {
  ^bb0(%x: f64, %y: f64, %acc: f64):
    %m = arith.mulf %y, %x : f64
    %s = arith.addf %m, %acc : f64
    linalg.yield %s : f64
  }
  return
}

// -----

func.func @products(%a: memref<512x512xf32>, %b: memref<512x512xf32>, %c: memref<512x512xf32>,
                    %d: memref<512x64xf32>, %e: memref<64x512xf32>, %f: memref<512x512xf32>) {
  linalg.matmul ins(%a, %b : memref<512x512xf32>, memref<512x512xf32>) outs(%c : memref<512x512xf32>)
  linalg.matmul ins(%d, %e : memref<512x64xf32>, memref<64x512xf32>) outs(%f : memref<512x512xf32>)
  return
}

// -----

// Left to one invocation per output: a shallow reduction (K = 64 < 256), a
// body that is not out + a·b, and too few workgroups (M = 64, N = 10:
// 4 x 1 < 8).
// CHECK-LABEL: func.func @shallow
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK-LABEL: func.func @maximum
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK-LABEL: func.func @narrow
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @shallow(%a: memref<128x64xf32>, %b: memref<64x128xf32>, %c: memref<128x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<128x64xf32>, memref<64x128xf32>) outs(%c : memref<128x128xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
func.func @maximum(%a: memref<128x512xf32>, %b: memref<512x128xf32>, %c: memref<128x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<128x512xf32>, memref<512x128xf32>) outs(%c : memref<128x128xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.maximumf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
func.func @narrow(%a: memref<64x3136xf32>, %b: memref<3136x10xf32>, %c: memref<64x10xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<64x3136xf32>, memref<3136x10xf32>) outs(%c : memref<64x10xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
