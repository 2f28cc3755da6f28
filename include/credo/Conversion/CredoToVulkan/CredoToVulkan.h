//===- CredoToVulkan.h - credo → Vulkan compute -----------------*- C++ -*-===//
//
// The Vulkan target's passes: parallel loops to GPU kernels, and kernel
// launches to calls of the runtime's Vulkan executor with the SPIR-V
// embedded in the host code.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_CONVERSION_CREDOTOVULKAN_CREDOTOVULKAN_H
#define CREDO_CONVERSION_CREDOTOVULKAN_CREDOTOVULKAN_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace func {
class FuncDialect;
class FuncOp;
} // namespace func
namespace gpu {
class GPUDialect;
} // namespace gpu
namespace scf {
class SCFDialect;
} // namespace scf
namespace memref {
class MemRefDialect;
} // namespace memref
namespace spirv {
class SPIRVDialect;
class ModuleOp;
} // namespace spirv
namespace math {
class MathDialect;
} // namespace math
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace arith {
class ArithDialect;
} // namespace arith
} // namespace mlir

namespace mlir::credo {

#define GEN_PASS_DECL_CREDOPARALLELTOGPU
#define GEN_PASS_DECL_CREDOGPUTOVULKANCALLS
#define GEN_PASS_DECL_CREDOATTACHSPIRVABI
#define GEN_PASS_DECL_CREDOEXPANDF64MATH
#define GEN_PASS_DECL_CREDOGPUMATMUL
#define GEN_PASS_DECL_CREDOGPUREDUCE
#define GEN_PASS_DECL_CREDOGPUCONTRACT
#define GEN_PASS_DECL_CREDOPRESERVEINFNAN
#define GEN_PASS_DECL_CREDOSCALARSTOPUSHCONSTANTS
#define GEN_PASS_DECL_CREDOKERNELARITH
#define GEN_PASS_DECL_CREDOPARALLELDIMSFIRST
#define GEN_PASS_DECL_CREDOMARKVULKANRESULTS
#define GEN_PASS_DECL_CREDOVULKANALLOCATOR
#include "credo/Conversion/CredoToVulkan/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "credo/Conversion/CredoToVulkan/Passes.h.inc"

} // namespace mlir::credo

#endif // CREDO_CONVERSION_CREDOTOVULKAN_CREDOTOVULKAN_H
