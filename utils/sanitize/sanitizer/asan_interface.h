//===- asan_interface.h - Manual poisoning off for Credo's code -*- C++ -*-===//
//
// In Credo's AddressSanitizer build, this header stands in for clang's
// <sanitizer/asan_interface.h> in the code that includes LLVM's and MLIR's
// headers. Their inline allocators (BumpPtrAllocator) poison whole slabs
// when compiled with AddressSanitizer and unpoison each allocation, but
// Debian's libLLVM/libMLIR are not built that way: memory that one side
// poisons, the other hands out without unpoisoning, and the next memcpy
// reports a use-after-poison that is not one. Without manual poisoning both
// sides agree; every other check of AddressSanitizer stays.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_UTILS_SANITIZE_ASAN_INTERFACE_H
#define CREDO_UTILS_SANITIZE_ASAN_INTERFACE_H

#include <stddef.h>

static inline void __asan_poison_memory_region(void const volatile *, size_t) {}
static inline void __asan_unpoison_memory_region(void const volatile *,
                                                 size_t) {}

#endif // CREDO_UTILS_SANITIZE_ASAN_INTERFACE_H
