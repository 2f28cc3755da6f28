// RUN: credo-opt %s --pass-pipeline='builtin.module(func.func(credo-parallel-to-gpu),gpu-kernel-outlining,credo-attach-spirv-abi,convert-gpu-to-spirv,spirv.module(spirv-lower-abi-attrs,credo-scalars-to-push-constants))' -split-input-file | FileCheck %s
// RUN: credo-opt %s --pass-pipeline='builtin.module(func.func(credo-parallel-to-gpu),gpu-kernel-outlining,credo-attach-spirv-abi,convert-gpu-to-spirv,spirv.module(spirv-lower-abi-attrs,credo-scalars-to-push-constants,spirv-update-vce),credo-gpu-to-vulkan-calls)' -split-input-file | FileCheck %s --check-prefix=CALLS

// The scalar arguments (a: f32, n: index → i32, d: f64) become one
// push-constant block in argument order, each member at the next offset
// aligned to its size; buffers keep their bindings, a 0-d memref (s) is a
// buffer, not a scalar. The loads read the block's members.
// CHECK-LABEL: spirv.module @__spv__axpy_kernel
// CHECK-SAME: credo.push_constants
// CHECK-DAG: spirv.GlobalVariable @axpy_kernel_arg_0 bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.array<8 x f32, stride=4> [0])>, StorageBuffer>
// CHECK-DAG: spirv.GlobalVariable @__credo_push_constants : !spirv.ptr<!spirv.struct<(f32 [0], i32 [4], f64 [8])>, PushConstant>
// CHECK-DAG: spirv.GlobalVariable @axpy_kernel_arg_5 bind(0, 5) : !spirv.ptr<!spirv.struct<(!spirv.array<1 x f32, stride=4> [0])>, StorageBuffer>
// CHECK-NOT: bind(0, 1)
// CHECK-NOT: bind(0, 2)
// CHECK-NOT: bind(0, 3)
// CHECK: spirv.func @axpy_kernel
// CHECK-DAG: %[[C2:.*]] = spirv.Constant 2 : i32
// CHECK-DAG: %[[F64:.*]] = spirv.AccessChain %{{.*}}[%[[C2]]] : !spirv.ptr<!spirv.struct<(f32 [0], i32 [4], f64 [8])>, PushConstant>, i32
// CHECK-DAG: spirv.Load "PushConstant" %[[F64]] : f64
// CHECK-DAG: spirv.Load "PushConstant" %{{.*}} : i32
// CHECK-DAG: spirv.Load "PushConstant" %{{.*}} : f32
// The dispatch marks the scalars as push constants: 33 = 32-bit, 34 =
// 64-bit (CREDO_VK_ARG_PUSH = 32); buffers 0, written ones 16.
// CALLS-LABEL: func.func @axpy(
// CALLS: %[[T:.*]] = memref.alloca() : memref<18xi64>
// CALLS: memref.store %c0_i64{{.*}}, %[[T]][%c0] : memref<18xi64>
// CALLS: memref.store %c33_i64{{.*}}, %[[T]][%c3] : memref<18xi64>
// CALLS: memref.store %c33_i64{{.*}}, %[[T]][%c6] : memref<18xi64>
// CALLS: memref.store %c34_i64{{.*}}, %[[T]][%c9] : memref<18xi64>
// CALLS: memref.store %c16_i64{{.*}}, %[[T]][%c12] : memref<18xi64>
// CALLS: memref.store %c16_i64{{.*}}, %[[T]][%c15] : memref<18xi64>
func.func @axpy(%x: memref<8xf32>, %y: memref<8xf32>, %s: memref<f32>, %a: f32, %n: index, %d: f64) attributes {credo.vk_outputs = 2 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<8xf32>
    %w = arith.mulf %v, %a : f32
    %ni = arith.index_cast %n : index to i32
    %nf = arith.sitofp %ni : i32 to f32
    %z = arith.addf %w, %nf : f32
    %df = arith.truncf %d : f64 to f32
    %z2 = arith.addf %z, %df : f32
    memref.store %z2, %y[%i] : memref<8xf32>
    memref.store %z2, %s[] : memref<f32>
    scf.reduce
  }
  return
}
// -----

// More than 128 bytes of scalars (17 f64): they stay in storage buffers,
// one binding each, and the dispatch passes them as plain scalars (2).
// CHECK-LABEL: spirv.module @__spv__many_kernel
// CHECK-NOT: credo.push_constants
// CHECK-NOT: PushConstant
// CHECK: spirv.GlobalVariable @many_kernel_arg_1 bind(0, 1) : !spirv.ptr<!spirv.struct<(f64 [0])>, StorageBuffer>
// CALLS-LABEL: func.func @many(
// CALLS: memref.store %c2_i64{{.*}}, %{{.*}}[%c3] : memref<54xi64>
func.func @many(%y: memref<8xf64>, %d0: f64, %d1: f64, %d2: f64, %d3: f64, %d4: f64, %d5: f64, %d6: f64, %d7: f64, %d8: f64, %d9: f64, %d10: f64, %d11: f64, %d12: f64, %d13: f64, %d14: f64, %d15: f64, %d16: f64) attributes {credo.vk_outputs = 1 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %s0 = memref.load %y[%i] : memref<8xf64>
    %s1 = arith.addf %s0, %d0 : f64
    %s2 = arith.addf %s1, %d1 : f64
    %s3 = arith.addf %s2, %d2 : f64
    %s4 = arith.addf %s3, %d3 : f64
    %s5 = arith.addf %s4, %d4 : f64
    %s6 = arith.addf %s5, %d5 : f64
    %s7 = arith.addf %s6, %d6 : f64
    %s8 = arith.addf %s7, %d7 : f64
    %s9 = arith.addf %s8, %d8 : f64
    %s10 = arith.addf %s9, %d9 : f64
    %s11 = arith.addf %s10, %d10 : f64
    %s12 = arith.addf %s11, %d11 : f64
    %s13 = arith.addf %s12, %d12 : f64
    %s14 = arith.addf %s13, %d13 : f64
    %s15 = arith.addf %s14, %d14 : f64
    %s16 = arith.addf %s15, %d15 : f64
    %s17 = arith.addf %s16, %d16 : f64
    memref.store %s17, %y[%i] : memref<8xf64>
    scf.reduce
  }
  return
}
