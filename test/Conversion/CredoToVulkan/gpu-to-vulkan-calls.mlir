// RUN: credo-opt %s --pass-pipeline='builtin.module(func.func(credo-parallel-to-gpu),gpu-kernel-outlining,credo-attach-spirv-abi,convert-gpu-to-spirv,spirv.module(spirv-lower-abi-attrs,credo-preserve-inf-nan,spirv-update-vce))' | FileCheck %s --check-prefix=SPIRV
// RUN: credo-opt %s --pass-pipeline='builtin.module(func.func(credo-parallel-to-gpu),gpu-kernel-outlining,credo-attach-spirv-abi,convert-gpu-to-spirv,spirv.module(spirv-lower-abi-attrs,spirv-update-vce),credo-gpu-to-vulkan-calls)' | FileCheck %s

// The kernel in SPIR-V: Vulkan's target environment, 64 invocations per
// workgroup, one storage buffer per argument (set 0, binding = index).
// SPIRV: spirv.module @__spv__scale_kernel Logical GLSL450 requires #spirv.vce<v1.0, [Shader, SignedZeroInfNanPreserve], [SPV_KHR_storage_buffer_storage_class, SPV_KHR_float_controls]>
// SPIRV: spirv.GlobalVariable @{{.*}} bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.array<96 x f32, stride=4> [0])>, StorageBuffer>
// SPIRV: spirv.GlobalVariable @{{.*}} bind(0, 1) : !spirv.ptr<!spirv.struct<(!spirv.array<96 x f32, stride=4> [0])>, StorageBuffer>
// SPIRV: spirv.EntryPoint "GLCompute"
// SPIRV: spirv.ExecutionMode @{{.*}} "LocalSize", 64, 1, 1
// Infinities and NaN are kept (float controls).
// SPIRV: spirv.ExecutionMode @{{.*}} "SignedZeroInfNanPreserve", 32

// The words embedded as a constant global with the entry point's name; no
// GPU or SPIR-V module is left.
// CHECK-NOT: gpu.module
// CHECK-NOT: spirv.module
// CHECK-DAG: memref.global "private" constant @__credo_spirv_scale_kernel : memref<{{[0-9]+}}xi32> = dense<"0x03022307
// CHECK-DAG: memref.global "private" constant @__credo_spirv_scale_kernel_entry : memref<13xi8>
// CHECK-LABEL: func.func @scale(
// The launches' tables of arguments (the kernel's, the results') are taken
// on the stack once, at the entry (a launch in a time loop took more stack
// every step).
// CHECK-NEXT: %[[TABLE:.*]] = memref.alloca() : memref<6xi64>
// CHECK-NEXT: %[[RESULTS:.*]] = memref.alloca() : memref<6xi64>
// The argument moves into device memory; the results' buffers (the last
// credo.vk_outputs arguments, as credo-mark-vulkan-results counted them
// before bufferization) are the device's too.
// CHECK: %[[XD:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x24xf32>
// CHECK: call @credo_rt_vk_copy(%{{.*}}, %{{.*}}, %c384_i64{{.*}})
// CHECK: %[[YD:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x24xf32>
// The launch: a table of (kind, address, bytes) per argument; the kernel
// reads x (kind 0, a buffer) and writes y (16: a buffer it writes), which
// the executor's barriers go by.
// CHECK: memref.store %c0_i64, %[[TABLE]][%{{.*}}] : memref<6xi64>
// CHECK: memref.store %c16_i64, %[[TABLE]][%{{.*}}] : memref<6xi64>
// CHECK: call @credo_rt_vk_dispatch(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c2_i64{{.*}}, %{{.*}})
// A host read of memory waits for the recorded kernels if one of them
// writes its bytes (y: 384 bytes, 0 = a read); a host write (of first: 4
// bytes, 1 = a write) also if one reads them. The executor decides at run
// time.
// CHECK: %[[YP:.*]] = memref.extract_aligned_pointer_as_index %[[YD]]
// CHECK: %[[YI:.*]] = arith.index_cast %[[YP]] : index to i64
// CHECK: call @credo_rt_vk_sync_range(%[[YI]], %c384_i64{{.*}}, %c0_i64{{.*}})
// CHECK-NEXT: memref.load %[[YD]]
// CHECK: call @credo_rt_vk_sync_range(%{{.*}}, %c4_i64{{.*}}, %c1_i64{{.*}})
// CHECK-NEXT: memref.store
// The results go back to the caller's buffers in one call: a table of
// (caller's buffer, device buffer, bytes) per result, which the executor
// fetches together (or copies on the device where the caller's buffer is
// device memory: a model's parameters kept there); then device memory is
// freed.
// CHECK: memref.store %{{.*}}, %[[RESULTS]][%{{.*}}] : memref<6xi64>
// CHECK: memref.store %[[YI2:.*]], %[[RESULTS]][%{{.*}}] : memref<6xi64>
// CHECK: memref.store %c384_i64{{.*}}, %[[RESULTS]][%{{.*}}] : memref<6xi64>
// CHECK: memref.store %c4_i64{{.*}}, %[[RESULTS]][%{{.*}}] : memref<6xi64>
// CHECK: call @credo_rt_vk_results(%c2_i64{{.*}}, %{{.*}})
// CHECK: memref.dealloc %[[XD]]
// CHECK: memref.dealloc %[[YD]]
// CHECK: return
func.func @scale(%x: memref<4x24xf32>, %y: memref<4x24xf32>, %first: memref<f32>) attributes {credo.vk_outputs = 2 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c24 = arith.constant 24 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c24) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<4x24xf32>
    %w = arith.mulf %v, %two : f32
    memref.store %w, %y[%i, %j] : memref<4x24xf32>
    scf.reduce
  }
  %f = memref.load %y[%c0, %c0] : memref<4x24xf32>
  memref.store %f, %first[] : memref<f32>
  return
}
