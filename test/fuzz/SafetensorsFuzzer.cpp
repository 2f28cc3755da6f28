//===- SafetensorsFuzzer.cpp - Fuzz the safetensors reader ------*- C++ -*-===//
//
// Any bytes given to credo_safetensors_read either fail with a status and a
// message or give a tensor set that credo_safetensors_write writes and
// credo_safetensors_read reads back with the same names, tensors and
// metadata.
//
//===----------------------------------------------------------------------===//

#include "FuzzFile.h"

#include "credo/runtime.h"

#include <cstring>
#include <string>

using credo::fuzz::fail;
using credo::fuzz::MemoryFile;
using credo::fuzz::sameBytes;
using credo::fuzz::TempFile;

namespace {
bool same(const credo_tensor &a, const credo_tensor &b) {
  return a.dtype == b.dtype && a.rank == b.rank &&
         sameBytes(a.shape, b.shape, sizeof(int64_t) * size_t(a.rank)) &&
         sameBytes(a.data, b.data, credo_tensor_nbytes(&a));
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MemoryFile in("st-in");
  static TempFile out("out.safetensors");
  credo_tensor_set set;
  if (credo_safetensors_read(in.write(data, size), &set) != CREDO_OK) {
    if (!*credo_last_error())
      fail("a failed read gave no message");
    return 0;
  }
  if (credo_safetensors_write(
          out.name(), set.items, set.count,
          const_cast<const char *const *>(set.metadata_keys),
          const_cast<const char *const *>(set.metadata_values),
          set.metadata_count) != CREDO_OK)
    fail("cannot write back what was read:", credo_last_error());
  credo_tensor_set back;
  if (credo_safetensors_read(out.name(), &back) != CREDO_OK)
    fail("cannot read back what was written:", credo_last_error());
  if (back.count != set.count || back.metadata_count != set.metadata_count)
    fail("a different number of tensors or metadata entries read back");
  for (size_t i = 0; i < set.count; ++i) {
    bool found = false;
    for (size_t j = 0; j < back.count; ++j)
      if (!std::strcmp(set.items[i].name, back.items[j].name))
        found = same(set.items[i].tensor, back.items[j].tensor);
    if (!found)
      fail("a tensor read back differs:", set.items[i].name);
  }
  credo_tensor_set_free(&back);
  credo_tensor_set_free(&set);
  return 0;
}
