// RUN: credo-opt %s --split-input-file --credo-gpu-contract | FileCheck %s
// RUN: credo-opt %s --split-input-file --credo-gpu-contract=target-groups=1 | FileCheck %s --check-prefix=ODD
// RUN: credo-opt %s --split-input-file --credo-gpu-contract=tile=6 | FileCheck %s --check-prefix=TILE6
// RUN: credo-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(credo-gpu-contract),gpu-kernel-outlining,credo-attach-spirv-abi,convert-gpu-to-spirv)' | FileCheck %s --check-prefix=SPIRV
// RUN: credo-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(credo-gpu-contract),gpu-kernel-outlining,credo-attach-spirv-abi,convert-gpu-to-spirv,spirv.module(spirv-lower-abi-attrs,spirv-update-vce),credo-gpu-to-vulkan-calls)' | FileCheck %s --check-prefix=CALLS

// A weight gradient dW = xᵀ·dy (M = 1024, N = 512, K = 256): 4 x 4
// outputs per invocation, whose 4 rows of A = xᵀ at one step are 4
// consecutive elements of a row of x, and whose 4 columns of B = dy too.
// Each is read as one vector<4xf32> from a view of its buffer as vectors
// (a cast on the host side), at the first line's indices with the last
// one divided by 4, or zero outside the matrices.
// CHECK-LABEL: func.func private @weight_gradient
// CHECK-DAG: %[[VX:.*]] = builtin.unrealized_conversion_cast %{{.*}} : memref<256x1024xf32> to memref<256x256xvector<4xf32>>
// CHECK-DAG: %[[VD:.*]] = builtin.unrealized_conversion_cast %{{.*}} : memref<256x512xf32> to memref<256x128xvector<4xf32>>
// CHECK: gpu.launch
// CHECK: %[[A:.*]] = scf.if %{{.*}} -> (vector<4xf32>) {
// CHECK: %[[Q:.*]] = arith.divui %{{.*}}, %c4
// CHECK: memref.load %[[VX]][%{{.*}}, %[[Q]]] : memref<256x256xvector<4xf32>>
// CHECK: } else {
// CHECK: arith.constant dense<0.000000e+00> : vector<4xf32>
// CHECK: memref.store %[[A]], %{{.*}} : memref<16x16xvector<4xf32>, 3>
// CHECK: %[[QD:.*]] = arith.divui %{{.*}}, %c4
// CHECK: memref.load %[[VD]][%{{.*}}, %[[QD]]] : memref<256x128xvector<4xf32>>
// CHECK-NOT: memref.load %{{.*}} : memref<256x1024xf32>
// CHECK-NOT: memref.load %{{.*}} : memref<256x512xf32>
// CHECK: gpu.barrier

// In the kernel the views are storage buffers of vectors (16-byte stride).
// SPIRV: spirv.func @weight_gradient_kernel(%{{.*}}: !spirv.ptr<!spirv.struct<(!spirv.array<65536 x vector<4xf32>, stride=16> [0])>, StorageBuffer>
// SPIRV-SAME: !spirv.ptr<!spirv.struct<(!spirv.array<32768 x vector<4xf32>, stride=16> [0])>, StorageBuffer>
// SPIRV: spirv.Load "StorageBuffer" %{{.*}} : vector<4xf32>

// The host binds the buffers under the views: the dispatch table's rows
// are (kind, address, bytes) with x's and dy's own addresses and sizes
// (1 MiB and 512 KiB, 0 = read only); no cast is left. (A private
// function: an entry point would first copy its arguments.)
// CALLS-LABEL: func.func private @weight_gradient(
// CALLS-SAME: %[[X:[a-z0-9]+]]: memref<256x1024xf32>, %[[DY:[a-z0-9]+]]: memref<256x512xf32>
// CALLS-NOT: unrealized_conversion_cast
// CALLS: %[[T:.*]] = memref.alloca() : memref<9xi64>
// CALLS: %[[XP:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CALLS: %[[XI:.*]] = arith.index_cast %[[XP]]
// CALLS: %[[DP:.*]] = memref.extract_aligned_pointer_as_index %[[DY]]
// CALLS: %[[DI:.*]] = arith.index_cast %[[DP]]
// CALLS: memref.store %c0_i64{{.*}}, %[[T]][%c0{{.*}}]
// CALLS-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CALLS-NEXT: memref.store %[[XI]], %[[T]][%[[C1]]]
// CALLS: memref.store %c1048576_i64{{.*}}, %[[T]]
// CALLS: memref.store %c0_i64{{.*}}, %[[T]]
// CALLS: memref.store %[[DI]], %[[T]]
// CALLS: memref.store %c524288_i64{{.*}}, %[[T]]
// CALLS-NOT: unrealized_conversion_cast
// CALLS: call @credo_rt_vk_dispatch
func.func private @weight_gradient(%x: memref<256x1024xf32>, %dy: memref<256x512xf32>, %dw: memref<1024x512xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, m)>,
                                   affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %dy : memref<256x1024xf32>, memref<256x512xf32>) outs(%dw : memref<1024x512xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A row-major A and B = wᵀ: an invocation's lines at one step are strided
// by K, but each line's steps are consecutive. Their tiles are loaded by
// steps: the first 64 invocations (of 256) load A, the last 64 B, each
// for its group of 4 lines (number / 4) 4 consecutive steps (from
// 4·(number % 4)) as 4 vectors, and store them transposed: 4 vectors of
// the group's lines, one per step.
// CHECK-LABEL: func.func @by_steps
// CHECK-DAG: unrealized_conversion_cast %{{.*}} : memref<1024x512xf32> to memref<1024x128xvector<4xf32>>
// CHECK-DAG: unrealized_conversion_cast %{{.*}} : memref<512x512xf32> to memref<512x128xvector<4xf32>>
// CHECK: gpu.launch
// CHECK: scf.for %[[K0:.*]] = %c0{{.*}} to %c512
// CHECK: %[[ACTIVE:.*]] = arith.cmpi ult, %[[N:.*]], %c64
// CHECK: scf.if %[[ACTIVE]] {
// CHECK: %[[G:.*]] = arith.divui %[[N]], %c4
// CHECK: %[[R:.*]] = arith.remui %[[N]], %c4
// CHECK: %[[STEP:.*]] = arith.muli %[[R]], %c4
// CHECK: %[[K:.*]] = arith.addi %[[K0]], %[[STEP]]
// CHECK: %[[KIN:.*]] = arith.cmpi ult, %[[K]], %c512
// The group's first line: the tile's base plus 4 lines per group.
// CHECK: %[[G4:.*]] = arith.muli %[[G]], %c4
// CHECK: %[[L0:.*]] = arith.addi %{{.*}}, %[[G4]]
// CHECK: %[[ROW0:.*]] = arith.addi %[[L0]], %c0
// CHECK: %[[ROW0IN:.*]] = arith.cmpi ult, %[[ROW0]], %c1024
// CHECK: %[[ROW1:.*]] = arith.addi %[[L0]], %c1
// CHECK: %[[ROW2:.*]] = arith.addi %[[L0]], %c2
// CHECK: %[[ROW3:.*]] = arith.addi %[[L0]], %c3
// One vector of 4 steps per line, zero outside:
// CHECK: %[[IN0:.*]] = arith.andi %[[ROW0IN]], %[[KIN]]
// CHECK: %[[V0:.*]] = scf.if %[[IN0]] -> (vector<4xf32>) {
// CHECK: %[[Q:.*]] = arith.divui %[[K]], %c4
// CHECK: memref.load %{{.*}}[%[[ROW0]], %[[Q]]] : memref<1024x128xvector<4xf32>>
// CHECK: %[[V1:.*]] = scf.if
// CHECK: memref.load %{{.*}}[%[[ROW1]], %{{.*}}] : memref<1024x128xvector<4xf32>>
// CHECK: %[[V2:.*]] = scf.if
// CHECK: memref.load %{{.*}}[%[[ROW2]], %{{.*}}] : memref<1024x128xvector<4xf32>>
// CHECK: %[[V3:.*]] = scf.if
// CHECK: memref.load %{{.*}}[%[[ROW3]], %{{.*}}] : memref<1024x128xvector<4xf32>>
// ... stored transposed: lane i of the vector for step STEP + s is line
// i's element s.
// CHECK: %[[E0:.*]] = vector.extract %[[V0]][0]
// CHECK: %[[E1:.*]] = vector.extract %[[V1]][0]
// CHECK: vector.extract %[[V2]][0]
// CHECK: vector.extract %[[V3]][0]
// CHECK: %[[B0:.*]] = vector.broadcast %[[E0]]
// CHECK: vector.insert %[[E1]], %[[B0]] [1]
// CHECK: %[[S0:.*]] = arith.addi %[[STEP]], %c0
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[S0]], %[[G]]] : memref<16x16xvector<4xf32>, 3>
// CHECK: vector.extract %[[V0]][1]
// CHECK: %[[S1:.*]] = arith.addi %[[STEP]], %c1
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[S1]], %[[G]]] : memref<16x16xvector<4xf32>, 3>
// CHECK: vector.extract %[[V0]][2]
// CHECK: %[[S2:.*]] = arith.addi %[[STEP]], %c2
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[S2]], %[[G]]] : memref<16x16xvector<4xf32>, 3>
// CHECK: vector.extract %[[V0]][3]
// CHECK: %[[S3:.*]] = arith.addi %[[STEP]], %c3
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[S3]], %[[G]]] : memref<16x16xvector<4xf32>, 3>
// CHECK: %[[M:.*]] = arith.subi %c255{{.*}}, %[[N]]
// CHECK: %[[BACTIVE:.*]] = arith.cmpi ult, %[[M]], %c64
// CHECK: scf.if %[[BACTIVE]] {
// CHECK: %[[H:.*]] = arith.divui %[[M]], %c4
// CHECK-COUNT-4: memref.load %{{.*}} : memref<512x128xvector<4xf32>>
// CHECK-COUNT-4: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[H]]] : memref<16x16xvector<4xf32>, 3>
// CHECK: gpu.barrier

func.func @by_steps(%a: memref<1024x512xf32>, %w: memref<512x512xf32>, %c: memref<1024x512xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<1024x512xf32>, memref<512x512xf32>) outs(%c : memref<1024x512xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// With tiles of 6 (not a multiple of 4), the same product keeps scalar
// loads: neither operand's lines are consecutive, and 6 steps do not split
// into vectors of 4.
// TILE6-LABEL: func.func @by_steps
// TILE6-NOT: unrealized_conversion_cast
// TILE6: gpu.launch

// -----

// Batched products in f64: the batch loop is the grid's z and the first
// index of both views; A's steps and B's lines are consecutive.
// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[VA:.*]] = builtin.unrealized_conversion_cast %{{.*}} : memref<4x1024x256xf64> to memref<4x1024x64xvector<4xf64>>
// CHECK-DAG: %[[VB:.*]] = builtin.unrealized_conversion_cast %{{.*}} : memref<4x256x512xf64> to memref<4x256x128xvector<4xf64>>
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %[[BZ:[a-z0-9_]+]])
// CHECK: memref.load %[[VA]][%[[BZ]], %{{.*}}, %{{.*}}] : memref<4x1024x64xvector<4xf64>>
// CHECK: memref.load %[[VB]][%[[BZ]], %{{.*}}, %{{.*}}] : memref<4x256x128xvector<4xf64>>
func.func @batched(%a: memref<4x1024x256xf64>, %b: memref<4x256x512xf64>, %c: memref<4x1024x512xf64>) {
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                                   affine_map<(b, m, n, k) -> (b, k, n)>,
                                   affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x1024x256xf64>, memref<4x256x512xf64>) outs(%c : memref<4x1024x512xf64>) {
  ^bb0(%x: f64, %y: f64, %acc: f64):
    %m = arith.mulf %x, %y : f64
    %s = arith.addf %acc, %m : f64
    linalg.yield %s : f64
  }
  return
}

// -----

// Operands whose elements are consecutive neither way keep scalar loads:
// a convolution's input, indexed at x + kx, and its filters (output
// channel and input channel before the 3 x 3 window). With 4 x 4 outputs
// per invocation (target-groups=1), rows of a 1022-wide buffer are not all
// 16-byte aligned, and their steps are not consecutive: only dy is a view.
// A buffer of another layout (a view into a wider one) is never a view.
// (Private: an entry point's arguments need the identity layout on the
// Vulkan target.)
// CHECK-LABEL: func.func private @strided
// CHECK-NOT: memref<1024x512xf32, strided<[1024, 1]>> to
// CHECK: unrealized_conversion_cast %{{.*}} : memref<512x512xf32> to memref<512x128xvector<4xf32>>
// CHECK-NOT: unrealized_conversion_cast
// CHECK: gpu.launch
// ODD-LABEL: func.func @odd
// ODD-NOT: memref<256x1022xf32> to
// ODD: unrealized_conversion_cast %{{.*}} : memref<256x64xf32> to memref<256x16xvector<4xf32>>
// ODD-NOT: unrealized_conversion_cast
// ODD: gpu.launch
// CHECK-LABEL: func.func @conv
// CHECK-NOT: unrealized_conversion_cast
// CHECK: gpu.launch
func.func @odd(%x: memref<256x1022xf32>, %dy: memref<256x64xf32>, %dw: memref<1022x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, m)>,
                                   affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %dy : memref<256x1022xf32>, memref<256x64xf32>) outs(%dw : memref<1022x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
func.func private @strided(%a: memref<1024x512xf32, strided<[1024, 1]>>, %w: memref<512x512xf32>, %c: memref<1024x512xf32>) {
  linalg.matmul ins(%a, %w : memref<1024x512xf32, strided<[1024, 1]>>, memref<512x512xf32>) outs(%c : memref<1024x512xf32>)
  return
}
func.func @conv(%x: memref<16x64x34x34xf32>, %w: memref<64x64x3x3xf32>, %y: memref<16x64x32x32xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<16x64x34x34xf32>, memref<64x64x3x3xf32>) outs(%y : memref<16x64x32x32xf32>)
  return
}
