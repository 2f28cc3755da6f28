//===- ShapeRules.h - Helpers of credo's shape rules -------------*- C++
//-*-===//
//
// The error builder and type checks that every op's result-type inference
// uses (CredoOps.cpp, CredoSparseOps.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_IR_SHAPERULES_H
#define CREDO_IR_SHAPERULES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MathExtras.h"

#include <optional>
#include <string>

namespace mlir::credo::detail {

/// Emits an error at the op's location, prefixed with the op name like
/// `emitOpError`, when a location is given (inference without a location
/// stays silent); converts to failure().
class ShapeError {
public:
  ShapeError(std::optional<Location> loc, StringRef opName) {
    if (loc) {
      diag.emplace(emitError(*loc));
      *diag << "'" << opName << "' op ";
    }
  }
  template <typename T> ShapeError &operator<<(const T &value) {
    if (diag)
      *diag << value;
    return *this;
  }
  operator LogicalResult() { return failure(); }

private:
  std::optional<InFlightDiagnostic> diag;
};

/// Formats a shape as `[a, b, c]`.
inline std::string shapeStr(ArrayRef<int64_t> dims) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(dims, os);
  os << "]";
  return s;
}

/// Checks that `type` is a statically shaped float tensor type of rank
/// `rank` (any rank if negative); on success stores it in `out`.
inline LogicalResult getFloatTensorType(std::optional<Location> loc,
                                        StringRef opName, Type anyType,
                                        StringRef what, int64_t rank,
                                        RankedTensorType &out) {
  auto type = dyn_cast<RankedTensorType>(anyType);
  if (!type || !isa<Float32Type, Float64Type>(type.getElementType()))
    return ShapeError(loc, opName)
           << "expects " << what << " to be a tensor of f32 or f64, but got "
           << anyType;
  if (!type.hasStaticShape())
    return ShapeError(loc, opName)
           << "expects " << what << " to have a static shape, but got " << type;
  if (rank >= 0 && type.getRank() != rank)
    return ShapeError(loc, opName)
           << "expects " << what << " of rank " << rank << ", but got rank "
           << type.getRank() << " (" << type << ")";
  out = type;
  return success();
}

/// getFloatTensorType of a value's type.
inline LogicalResult getFloatTensor(std::optional<Location> loc,
                                    StringRef opName, Value value,
                                    StringRef what, int64_t rank,
                                    RankedTensorType &out) {
  return getFloatTensorType(loc, opName, value.getType(), what, rank, out);
}

/// Checks that all tensors share one element type.
inline LogicalResult sameElementType(std::optional<Location> loc,
                                     StringRef opName, RankedTensorType a,
                                     StringRef aName, RankedTensorType b,
                                     StringRef bName) {
  if (a.getElementType() != b.getElementType())
    return ShapeError(loc, opName)
           << "expects " << aName << " and " << bName
           << " to have the same element type, but got " << a.getElementType()
           << " and " << b.getElementType();
  return success();
}

/// The number of elements of `shape`, or nullopt on int64 overflow.
inline std::optional<int64_t> elementCount(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (llvm::MulOverflow(n, d, n))
      return std::nullopt;
  return n;
}

/// Checks that `type` is tensor<2xi64>, a generator.
inline LogicalResult checkGenerator(std::optional<Location> loc, StringRef op,
                                    Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || t.getRank() != 1 || t.getDimSize(0) != 2 ||
      !t.getElementType().isInteger(64))
    return ShapeError(loc, op)
           << "expects a generator [seed, draws] of type tensor<2xi64>, but "
              "got "
           << type;
  return success();
}

} // namespace mlir::credo::detail

#endif // CREDO_IR_SHAPERULES_H
