//===- Idx.cpp - IDX files (the MNIST family) -------------------*- C++ -*-===//
//
// Reads IDX files, plain or gzip-compressed (zlib reads both): the format of
// MNIST and Fashion-MNIST. Images (u8, rank 3) become f32 [N, rows·cols]
// scaled to [0, 1]; labels (u8, rank 1) become i32 [N]. Every header field
// is checked against the file's size before any data is trusted.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <zlib.h>

#include <cstring>
#include <vector>

using namespace credo::rt;

/// Reads a whole (possibly gzipped) file.
credo_status credo::rt::readMaybeGzipped(const char *path,
                                         std::vector<unsigned char> &out) {
  if (credo_status s = checkReadableFile(path))
    return s;
  gzFile f = gzopen(path, "rb");
  if (!f)
    return fail(CREDO_ERR_IO, std::string("cannot read '") + path +
                                  "': " + std::strerror(errno));
  unsigned char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0)
    out.insert(out.end(), buf, buf + n);
  int err = 0;
  const char *msg = gzerror(f, &err);
  // The message lives in the gzFile: copy it before closing.
  std::string why = msg && *msg ? msg : "zlib error";
  // zlib may start its message with the path; the caller names it once.
  std::string prefix = std::string(path) + ": ";
  if (why.compare(0, prefix.size(), prefix) == 0)
    why = why.substr(prefix.size());
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    return fail(CREDO_ERR_FORMAT,
                std::string(path) + ": cannot decompress: " + why);
  return CREDO_OK;
}

namespace {
uint32_t bigEndian32(const unsigned char *p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
         (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

/// Reads an IDX file; images become f32 in [0, 1], or stay bytes.
credo_status readIdx(const char *path, credo_tensor *out, bool bytesOut) {
  if (!path || !out)
    return fail(CREDO_ERR_INVALID_ARGUMENT, "null path or tensor");
  std::vector<unsigned char> data;
  if (credo_status s = readMaybeGzipped(path, data))
    return s;
  std::string where = std::string(path) + ": ";
  if (data.size() < 4 || data[0] != 0 || data[1] != 0)
    return fail(CREDO_ERR_FORMAT, where + "not an IDX file (bad magic)");
  if (data[2] != 0x08)
    return fail(CREDO_ERR_FORMAT,
                where + "unsupported IDX element type (expected unsigned "
                        "bytes, 0x08)");
  int rank = data[3];
  if (rank != 1 && rank != 3)
    return fail(CREDO_ERR_FORMAT, where +
                                      "expected labels (rank 1) or "
                                      "images (rank 3), but the rank is " +
                                      std::to_string(rank));
  if (data.size() < 4 + 4 * size_t(rank))
    return fail(CREDO_ERR_FORMAT, where + "truncated header");
  int64_t dims[3] = {0, 1, 1};
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    dims[i] = bigEndian32(&data[4 + 4 * i]);
    count *= uint64_t(dims[i]);
    if (count > (uint64_t(1) << 34))
      return fail(CREDO_ERR_FORMAT, where + "dimensions too large");
  }
  // (An image's size alone, which a count of 0 images would hide.)
  if (uint64_t(dims[1]) * uint64_t(dims[2]) > (uint64_t(1) << 34))
    return fail(CREDO_ERR_FORMAT, where + "dimensions too large");
  size_t offset = 4 + 4 * size_t(rank);
  if (data.size() - offset != count)
    return fail(CREDO_ERR_FORMAT, where + "expected " + std::to_string(count) +
                                      " bytes of data, found " +
                                      std::to_string(data.size() - offset));
  const unsigned char *bytes = data.data() + offset;
  if (rank == 1) {
    int64_t shape[1] = {dims[0]};
    if (credo_status s = credo_tensor_alloc(out, CREDO_I32, 1, shape))
      return s;
    auto *labels = static_cast<int32_t *>(out->data);
    for (uint64_t i = 0; i < count; ++i)
      labels[i] = bytes[i];
    return CREDO_OK;
  }
  int64_t shape[2] = {dims[0], dims[1] * dims[2]};
  if (credo_status s =
          credo_tensor_alloc(out, bytesOut ? CREDO_U8 : CREDO_F32, 2, shape))
    return s;
  if (bytesOut) {
    std::memcpy(out->data, bytes, count);
    return CREDO_OK;
  }
  auto *pixels = static_cast<float *>(out->data);
  for (uint64_t i = 0; i < count; ++i)
    pixels[i] = float(bytes[i]) / 255.0f;
  return CREDO_OK;
}
} // namespace

extern "C" credo_status credo_idx_read(const char *path, credo_tensor *out) {
  return readIdx(path, out, false);
}

extern "C" credo_status credo_idx_read_u8(const char *path, credo_tensor *out) {
  return readIdx(path, out, true);
}

extern "C" credo_status credo_idx_image_shape(const char *path, int64_t *rows,
                                              int64_t *cols) {
  if (!path || !rows || !cols)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_idx_image_shape: a null pointer");
  if (credo_status s = checkReadableFile(path))
    return s;
  // The header alone: magic, then N, rows and cols (big-endian).
  gzFile f = gzopen(path, "rb");
  if (!f)
    return fail(CREDO_ERR_IO, std::string("cannot read '") + path +
                                  "': " + std::strerror(errno));
  unsigned char header[16];
  int n = gzread(f, header, sizeof(header));
  gzclose(f);
  std::string where = std::string(path) + ": ";
  if (n < 4 || header[0] != 0 || header[1] != 0 || header[2] != 0x08)
    return fail(CREDO_ERR_FORMAT, where + "not an IDX file of unsigned bytes");
  if (header[3] != 3)
    return fail(CREDO_ERR_FORMAT, where +
                                      "expected images (rank 3), but the "
                                      "rank is " +
                                      std::to_string(int(header[3])));
  if (n < 16)
    return fail(CREDO_ERR_FORMAT, where + "truncated header");
  *rows = bigEndian32(&header[8]);
  *cols = bigEndian32(&header[12]);
  return CREDO_OK;
}
