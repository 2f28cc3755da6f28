//===- Memory.cpp - Buffer allocation for generated code -------*- C++ -*-===//
//
// Generated code allocates its intermediate buffers through
// _mlir_memref_to_llvm_alloc/_free (finalize-memref-to-llvm with generic
// functions). Repeated forward calls allocate the same sizes again and
// again; fresh multi-megabyte blocks from malloc are new pages from the
// kernel every time. This allocator keeps freed blocks per thread, by size,
// up to a byte budget, so a steady-state call reuses warm memory.
//
//===----------------------------------------------------------------------===//

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

namespace {

/// Bytes before each block: its rounded size (keeps 16-byte alignment).
constexpr size_t kHeader = 16;
/// Most bytes a thread keeps cached.
constexpr size_t kBudget = size_t(1) << 30;

struct BlockCache {
  std::map<size_t, std::vector<void *>> free;
  size_t cached = 0;
  ~BlockCache() {
    for (auto &[size, blocks] : free)
      for (void *b : blocks)
        std::free(b);
  }
};

BlockCache &cache() {
  thread_local BlockCache c;
  return c;
}

} // namespace

extern "C" {

void *_mlir_memref_to_llvm_alloc(size_t size) {
  size_t rounded = (size + 63) / 64 * 64;
  BlockCache &c = cache();
  auto it = c.free.find(rounded);
  void *block;
  if (it != c.free.end() && !it->second.empty()) {
    block = it->second.back();
    it->second.pop_back();
    c.cached -= rounded;
  } else {
    block = std::malloc(rounded + kHeader);
    if (!block)
      return nullptr;
    *static_cast<size_t *>(block) = rounded;
  }
  return static_cast<char *>(block) + kHeader;
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  void *block = static_cast<char *>(ptr) - kHeader;
  size_t rounded = *static_cast<size_t *>(block);
  BlockCache &c = cache();
  if (c.cached + rounded > kBudget) {
    std::free(block);
    return;
  }
  c.free[rounded].push_back(block);
  c.cached += rounded;
}

} // extern "C"
