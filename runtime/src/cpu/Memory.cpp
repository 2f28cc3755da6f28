//===- Memory.cpp - Buffer allocation for generated code -------*- C++ -*-===//
//
// Generated code allocates its intermediate buffers through
// _mlir_memref_to_llvm_alloc/_free (finalize-memref-to-llvm with generic
// functions). Repeated forward calls allocate the same sizes again and
// again; fresh multi-megabyte blocks from malloc are new pages from the
// kernel every time. This allocator keeps freed blocks per thread, by size,
// up to a byte budget, so a steady-state call reuses warm memory.
//
// Every buffer is 64-byte aligned, the alignment bufferization asks for, so
// the CPU pipeline's generated code takes _mlir_memref_to_llvm_aligned_alloc's
// result as it is (no pointer arithmetic that would hide from LLVM that the
// buffer is fresh memory).
//
// It also keeps a per-thread list of the blocks that generated code holds,
// each with a sequence number. Generated code cannot check an allocation,
// so when one fails inside a guarded call (credo_rt_invoke, Invoke.cpp) the
// allocator ends the call instead of returning null, and the guard frees
// the blocks the call had allocated.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

namespace {

/// The alignment of every buffer.
constexpr size_t kAlignment = 64;
/// What precedes each buffer in its block (64-byte aligned itself, so the
/// buffer after it is too): its rounded size, and its links in the list of
/// live blocks.
struct alignas(kAlignment) Header {
  size_t rounded;
  uint64_t sequence;
  Header *prev, *next;
};
constexpr size_t kHeader = sizeof(Header);
static_assert(kHeader % kAlignment == 0, "buffers must stay aligned");
/// Most bytes a thread keeps cached.
constexpr size_t kBudget = size_t(1) << 30;
/// Larger requests fail at once (no size computation can overflow).
constexpr size_t kMaxRequest = size_t(1) << 56;

#if CREDO_SANITIZER_BUILD
/// Exact sizes and no cache: AddressSanitizer sees every overflow.
constexpr bool kExact = true;
#else
constexpr bool kExact = false;
#endif

struct BlockCache {
  std::map<size_t, std::vector<Header *>> free;
  size_t cached = 0;
  Header *live = nullptr; ///< blocks held by generated code, newest first
  uint64_t sequence = 0;
  size_t liveBytes = 0, peakBytes = 0; ///< held by generated code
  ~BlockCache() {
    for (auto &[size, blocks] : free)
      for (Header *b : blocks)
        std::free(b);
  }
};

BlockCache &cache() {
  thread_local BlockCache c;
  return c;
}

void unlink(BlockCache &c, Header *h) {
  if (h->prev)
    h->prev->next = h->next;
  else
    c.live = h->next;
  if (h->next)
    h->next->prev = h->prev;
}

void release(BlockCache &c, Header *h) {
  unlink(c, h);
  c.liveBytes -= h->rounded;
  if (kExact || c.cached + h->rounded > kBudget) {
    std::free(h);
    return;
  }
  c.free[h->rounded].push_back(h);
  c.cached += h->rounded;
}

/// A block of `bytes` at kAlignment, or null.
Header *allocateBlock(size_t bytes) {
  void *block = nullptr;
  return posix_memalign(&block, kAlignment, bytes) == 0
             ? static_cast<Header *>(block)
             : nullptr;
}

/// Null when the memory is not there (or the request is absurd).
Header *obtain(BlockCache &c, size_t size) {
  if (size > kMaxRequest)
    return nullptr;
  size_t rounded = kExact ? size : (size + 63) / 64 * 64;
  auto it = c.free.find(rounded);
  if (it != c.free.end() && !it->second.empty()) {
    Header *h = it->second.back();
    it->second.pop_back();
    c.cached -= rounded;
    return h;
  }
  Header *h = allocateBlock(rounded + kHeader);
  if (!h && c.cached > 0) { // give the cache back and try once more
    for (auto &[bytes, blocks] : c.free)
      for (Header *b : blocks)
        std::free(b);
    c.free.clear();
    c.cached = 0;
    h = allocateBlock(rounded + kHeader);
  }
  if (h)
    h->rounded = rounded;
  return h;
}

} // namespace

namespace credo::rt {

uint64_t liveBlockMark() { return cache().sequence; }

void releaseBlocksSince(uint64_t mark) {
  BlockCache &c = cache();
  for (Header *h = c.live; h;) {
    Header *next = h->next;
    if (h->sequence >= mark)
      release(c, h);
    h = next;
  }
}

} // namespace credo::rt

extern "C" {

__attribute__((visibility("default"))) void *
_mlir_memref_to_llvm_alloc(size_t size) {
  BlockCache &c = cache();
  Header *h = obtain(c, size);
  if (!h) {
    credo::rt::abortGuardedCall(size); // returns only outside a guarded call
    return nullptr;
  }
  h->sequence = c.sequence++;
  c.liveBytes += h->rounded;
  c.peakBytes = std::max(c.peakBytes, c.liveBytes);
  h->prev = nullptr;
  h->next = c.live;
  if (c.live)
    c.live->prev = h;
  c.live = h;
  return reinterpret_cast<char *>(h) + kHeader;
}

/// Generated code asks for the 64 bytes that bufferization aligns buffers
/// to; an alignment beyond the allocator's fails like an allocation that
/// finds no memory.
__attribute__((visibility("default"))) void *
_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 ||
      alignment > kAlignment) {
    credo::rt::abortGuardedCall(size);
    return nullptr;
  }
  return _mlir_memref_to_llvm_alloc(size);
}

__attribute__((visibility("default"))) void
_mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  release(cache(),
          reinterpret_cast<Header *>(static_cast<char *>(ptr) - kHeader));
}

size_t credo_memory_peak(void) { return cache().peakBytes; }

void credo_memory_reset_peak(void) {
  BlockCache &c = cache();
  c.peakBytes = c.liveBytes;
}

} // extern "C"
