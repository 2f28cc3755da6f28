//===- NpyFuzzer.cpp - Fuzz the .npy reader and writer ----------*- C++ -*-===//
//
// Any bytes given to credo_npy_read either fail with a status and a message
// or give a tensor that credo_npy_write writes and credo_npy_read reads back
// identically. The same bytes as a .npz archive (array "x") either fail
// with a message or give a tensor.
//
//===----------------------------------------------------------------------===//

#include "FuzzFile.h"

#include "credo/runtime.h"

using credo::fuzz::fail;
using credo::fuzz::MemoryFile;
using credo::fuzz::sameBytes;
using credo::fuzz::TempFile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MemoryFile in("npy-in");
  static TempFile out("out.npy");
  const char *path = in.write(data, size);
  credo_tensor z;
  if (credo_npz_read(path, "x", &z) == CREDO_OK)
    credo_tensor_free(&z);
  else if (!*credo_last_error())
    fail("a failed .npz read gave no message");
  credo_tensor t;
  if (credo_npy_read(path, &t) != CREDO_OK) {
    if (!*credo_last_error())
      fail("a failed read gave no message");
    return 0;
  }
  credo_tensor back;
  if (credo_npy_write(out.name(), &t) != CREDO_OK)
    fail("cannot write back what was read:", credo_last_error());
  if (credo_npy_read(out.name(), &back) != CREDO_OK)
    fail("cannot read back what was written:", credo_last_error());
  if (back.dtype != t.dtype || back.rank != t.rank ||
      !sameBytes(back.shape, t.shape, sizeof(int64_t) * size_t(t.rank)) ||
      !sameBytes(back.data, t.data, credo_tensor_nbytes(&t)))
    fail("the tensor read back differs");
  credo_tensor_free(&back);
  credo_tensor_free(&t);
  return 0;
}
