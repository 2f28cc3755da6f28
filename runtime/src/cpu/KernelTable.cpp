//===- KernelTable.cpp - kernels.h checked against kernels.def --*- C++ -*-===//
//
// The kernel ABI lives in one table, credo/kernels.def, which the compiler
// reads to check and declare every credo.call_kernel. Here the C
// declarations of kernels.h are checked against it at compile time: each
// kernel takes exactly the table's pointers, then its int64_t scalars, and
// returns nothing. A prototype that drifts from the table does not build.
//
//===----------------------------------------------------------------------===//

#include "credo/kernels.h"

#include <cstdint>
#include <type_traits>

namespace {

template <typename F> struct Signature;
template <typename... A> struct Signature<void (*)(A...)> {
  static constexpr unsigned count = sizeof...(A);
  static constexpr bool isPointer[count] = {std::is_pointer_v<A>...};
  static constexpr bool isScalar[count] = {std::is_same_v<A, int64_t>...};
  /// `buffers` pointers, then `scalars` int64_t, nothing else.
  static constexpr bool matches(unsigned buffers, unsigned scalars) {
    if (count != buffers + scalars)
      return false;
    for (unsigned i = 0; i < count; ++i)
      if (i < buffers ? !isPointer[i] : !isScalar[i])
        return false;
    return true;
  }
};

#define CREDO_KERNEL(NAME, BUFFERS, SCALARS)                                   \
  static_assert(Signature<decltype(&NAME)>::matches(BUFFERS, SCALARS),         \
                "kernels.h declares " #NAME " differently from kernels.def");
#include "credo/kernels.def"

} // namespace
