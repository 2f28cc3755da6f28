//===- KernelBuilding.h - What the Vulkan kernel passes share ---*- C++ -*-===//
//
// Helpers of the passes that build gpu.launch kernels (credo-gpu-contract,
// credo-gpu-reduce, credo-parallel-to-gpu), and the mark of the vector
// views that credo-gpu-to-vulkan-calls binds.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_CONVERSION_CREDOTOVULKAN_KERNELBUILDING_H
#define CREDO_LIB_CONVERSION_CREDOTOVULKAN_KERNELBUILDING_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace mlir::credo::vulkan {

/// The largest workgroup count per grid dimension every Vulkan device
/// supports (maxComputeWorkGroupCount's required minimum).
constexpr int64_t kMaxGroups = 65535;

/// Marks credo-gpu-contract's host-side casts of a buffer to vectors (a
/// kernel argument that reads the buffer as vectors), which
/// credo-gpu-to-vulkan-calls looks through to bind the buffer itself.
constexpr llvm::StringLiteral kVectorViewAttr("credo.vector_view");

/// Writes into ivs[d], for each loop d of `dims`, its value at the position
/// numbered `linear` over those loops (last one fastest; `ranges[d]` is
/// loop d's trip count).
inline void delinearize(OpBuilder &b, Location loc, Value linear,
                        ArrayRef<unsigned> dims, ArrayRef<int64_t> ranges,
                        SmallVectorImpl<Value> &ivs) {
  Value rest = linear;
  for (int i = int(dims.size()) - 1; i >= 0; --i) {
    Value r = b.create<arith::ConstantIndexOp>(loc, ranges[dims[i]]);
    ivs[dims[i]] = i == 0 ? rest : b.create<arith::RemUIOp>(loc, rest, r);
    if (i > 0)
      rest = b.create<arith::DivUIOp>(loc, rest, r);
  }
}

} // namespace mlir::credo::vulkan

#endif // CREDO_LIB_CONVERSION_CREDOTOVULKAN_KERNELBUILDING_H
