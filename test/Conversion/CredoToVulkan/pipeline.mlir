// RUN: credo-opt %s --credo-vulkan-pipeline | FileCheck %s --implicit-check-not=_mlir_memref_to_llvm

// credo-vulkan-pipeline: LLVM-dialect host code with the kernels' SPIR-V
// as constant globals; buffers from the executor's device memory; the
// entry point copies its inputs in, dispatches, and copies its result out.
// CHECK: llvm.func @credo_rt_vk_free(!llvm.ptr)
// CHECK: llvm.func @credo_rt_vk_aligned_alloc(i64, i64) -> !llvm.ptr
// CHECK: llvm.mlir.global private constant @__credo_spirv_{{[a-z_0-9]+}}(dense<"0x03022307
// CHECK-LABEL: llvm.func @forward(
// CHECK: llvm.call @credo_rt_vk_aligned_alloc
// CHECK: llvm.call @credo_rt_vk_copy
// CHECK: llvm.call @credo_rt_vk_dispatch
// CHECK: llvm.call @credo_rt_vk_results
// CHECK: llvm.call @credo_rt_vk_free
// CHECK: llvm.func @credo_rt_vk_dispatch(i64, i64, i64, i64, i64, i64, i64, i64, i64)
module @tiny {
  credo.param @w : tensor<4x3xf32> init #credo.init<uniform, low = -5.000000e-01, high = 5.000000e-01, seed = 3>
  credo.param @b : tensor<3xf32> init #credo.init<zeros>
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
    %w = credo.get_param @w : tensor<4x3xf32>
    %b = credo.get_param @b : tensor<3xf32>
    %y = credo.dense %x, %w, %b : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %p = credo.softmax %y {axis = 1 : i64} : tensor<2x3xf32>
    return %p : tensor<2x3xf32>
  }
}

// Every kernel of whole models (training steps included) is valid SPIR-V
// for Vulkan 1.1.
// RUN: rm -rf %t && credoc build %credo_src/examples/fashion_mnist_cnn.json --train --target vulkan --emit spirv -o %t/cnn | FileCheck %s --check-prefix=EMIT
// RUN: for f in %t/cnn/*.spv; do spirv-val --target-env vulkan1.1 $f || echo "INVALID $f"; done | FileCheck %s --allow-empty --check-prefix=VALID
// RUN: credoc build %credo_src/examples/fashion_mnist_snn.json --train --target vulkan --emit spirv -o %t/snn | FileCheck %s --check-prefix=EMIT
// RUN: for f in %t/snn/*.spv; do spirv-val --target-env vulkan1.1 $f || echo "INVALID $f"; done | FileCheck %s --allow-empty --check-prefix=VALID
// RUN: credoc build %credo_src/examples/gridworld_coagent.json --train --target vulkan --emit spirv -o %t/coagent | FileCheck %s --check-prefix=EMIT
// RUN: for f in %t/coagent/*.spv; do spirv-val --target-env vulkan1.1 $f || echo "INVALID $f"; done | FileCheck %s --allow-empty --check-prefix=VALID
// EMIT: credoc: wrote {{[0-9]+}} SPIR-V kernels to
// A folder that holds other kernels is not cleared, but said to.
// RUN: credoc build %credo_src/examples/sparse_identity.json --target vulkan --emit spirv -o %t/cnn 2>&1 | FileCheck %s --check-prefix=STALE
// STALE: credoc: warning: '{{.*}}cnn' also holds {{[0-9]+}} .spv files that this build did not write (another model's or an earlier build's kernels)
// VALID-NOT: INVALID
// RUN: %expect-exit 1 credoc build %credo_src/examples/fashion_mnist_cnn.json --emit spirv -o %t/x 2>&1 | FileCheck %s --check-prefix=NEEDVK
// NEEDVK: credoc: error: --emit spirv needs --target vulkan
