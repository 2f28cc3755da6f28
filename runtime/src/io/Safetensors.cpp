//===- Safetensors.cpp - safetensors reader and writer ----------*- C++ -*-===//
//
// Reads and writes safetensors files: an 8-byte little-endian header size N,
// N bytes of JSON mapping tensor names to {"dtype", "shape", "data_offsets"}
// (plus an optional "__metadata__" object of strings), then the data buffer.
// The reader validates as strictly as the reference implementation: a sane
// header size, a JSON object without duplicate keys, exactly the three keys
// per tensor, F32/F64/I32/I64 dtypes, sizes that match shapes, and offsets
// that cover the buffer contiguously without overlap. Tensors are returned in
// data order. The writer lays tensors out in the given order, pads the header
// with spaces to a multiple of 8 bytes like the Python library, and replaces
// the target atomically. No exception leaves a C entry point.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <set>
#include <string>
#include <string_view>
#include <vector>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the Credo runtime assumes a little-endian host");

namespace credo::rt {
namespace {

using Json = nlohmann::ordered_json;

/// The reference implementation's MAX_HEADER_SIZE.
constexpr uint64_t kMaxHeaderSize = 100'000'000;
/// The element-count limit of credo_tensor_alloc.
constexpr uint64_t kMaxElements = uint64_t(1) << 40;
constexpr const char *kMetadataKey = "__metadata__";
/// The deepest JSON nesting accepted in a header.
constexpr int kMaxJsonDepth = 32;

bool parseDtype(const std::string &name, credo_dtype &dtype) {
  if (name == "F32")
    dtype = CREDO_F32;
  else if (name == "F64")
    dtype = CREDO_F64;
  else if (name == "I32")
    dtype = CREDO_I32;
  else if (name == "I64")
    dtype = CREDO_I64;
  else if (name == "U8")
    dtype = CREDO_U8;
  else
    return false;
  return true;
}

const char *dtypeName(credo_dtype dtype) {
  switch (dtype) {
  case CREDO_F32:
    return "F32";
  case CREDO_F64:
    return "F64";
  case CREDO_I32:
    return "I32";
  case CREDO_I64:
    return "I64";
  case CREDO_U8:
    return "U8";
  }
  return nullptr;
}

std::string shapeString(int32_t rank, const int64_t *shape) {
  std::string out = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i > 0)
      out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

/// The element count of `shape` under credo_tensor_alloc's limit, or -1.
int64_t checkedNumel(int32_t rank, const int64_t *shape) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0 || (shape[i] > 0 && n > int64_t(kMaxElements) / shape[i]))
      return -1;
    n *= shape[i];
  }
  return n;
}

/// A malloc'ed copy of `s` (freed by credo_tensor_set_free).
char *copyString(const std::string &s) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (!p)
    throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

/// Frees a partially built set unless released.
struct SetGuard {
  credo_tensor_set *set;
  ~SetGuard() {
    if (set)
      credo_tensor_set_free(set);
  }
};

/// One validated header entry.
struct Entry {
  std::string name;
  credo_dtype dtype = CREDO_F32;
  int32_t rank = 0;
  int64_t shape[CREDO_MAX_RANK] = {};
  uint64_t begin = 0, end = 0;
  size_t index = 0; // Position in the header, to order empty tensors.
};

/// Thrown inside this file only and turned into a status (with the file name
/// in front of the message) at the C boundary.
struct Failure {
  credo_status status;
  std::string message;
};

/// Thrown when the message is already recorded (by readFile and friends).
struct Recorded {
  credo_status status;
};

[[noreturn]] void formatError(const std::string &message) {
  throw Failure{CREDO_ERR_FORMAT, message};
}

[[noreturn]] void invalidArgument(const std::string &message) {
  throw Failure{CREDO_ERR_INVALID_ARGUMENT, message};
}

Entry parseEntry(const std::string &name, const Json &value,
                 uint64_t bufferSize) {
  std::string what = "tensor '" + quoteForMessage(name) + "'";
  if (name.find('\0') != std::string::npos)
    formatError(what + ": the name contains a NUL character");
  if (!value.is_object())
    formatError(what + ": the entry is not a JSON object");
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string &key = it.key();
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      formatError(what + ": unexpected key '" + quoteForMessage(key) +
                  "' (expected dtype, shape and data_offsets)");
  }
  for (const char *key : {"dtype", "shape", "data_offsets"})
    if (!value.contains(key))
      formatError(what + ": missing '" + key + "'");

  Entry entry;
  entry.name = name;
  const Json &dtype = value.at("dtype");
  if (!dtype.is_string())
    formatError(what + ": 'dtype' is not a string");
  const std::string &dtypeText = dtype.get_ref<const std::string &>();
  if (!parseDtype(dtypeText, entry.dtype))
    formatError(what + ": unsupported dtype '" + quoteForMessage(dtypeText) +
                "' (expected F32, F64, I32, I64 or U8)");

  const Json &shape = value.at("shape");
  if (!shape.is_array())
    formatError(what + ": 'shape' is not an array");
  if (shape.size() > CREDO_MAX_RANK)
    formatError(what + ": rank " + std::to_string(shape.size()) +
                " exceeds the maximum of " + std::to_string(CREDO_MAX_RANK));
  for (const Json &dim : shape) {
    if (!dim.is_number_unsigned())
      formatError(what + ": 'shape' is not an array of non-negative integers");
    uint64_t d = dim.get<uint64_t>();
    if (d > kMaxElements)
      formatError(what + ": dimension " + std::to_string(d) + " is too large");
    entry.shape[entry.rank++] = int64_t(d);
  }
  int64_t numel = checkedNumel(entry.rank, entry.shape);
  if (numel < 0)
    formatError(what + ": shape " + shapeString(entry.rank, entry.shape) +
                " is too large");

  const Json &offsets = value.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 ||
      !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    formatError(what + ": 'data_offsets' is not a pair of non-negative "
                       "integers");
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  std::string range = "[" + std::to_string(entry.begin) + ", " +
                      std::to_string(entry.end) + "]";
  if (entry.end < entry.begin)
    formatError(what + ": data_offsets " + range + " end before they begin");
  uint64_t nbytes = uint64_t(numel) * credo_dtype_size(entry.dtype);
  if (entry.end - entry.begin != nbytes)
    formatError(what + ": data_offsets " + range + " span " +
                std::to_string(entry.end - entry.begin) + " bytes, but " +
                dtypeText + " shape " + shapeString(entry.rank, entry.shape) +
                " needs " + std::to_string(nbytes));
  if (entry.end > bufferSize)
    formatError(what + ": data_offsets " + range + " exceed the " +
                std::to_string(bufferSize) + "-byte data buffer");
  return entry;
}

/// Parses JSON, rejecting duplicate keys in any object.
Json parseJson(std::string_view text) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event,
                                         Json &parsed) {
    // A valid header nests three levels deep; like serde_json's recursion
    // limit, refuse absurd nesting before it costs memory.
    if (depth > kMaxJsonDepth)
      formatError("the header nests JSON values more than " +
                  std::to_string(kMaxJsonDepth) + " levels deep");
    switch (event) {
    case Json::parse_event_t::object_start:
      keys.emplace_back();
      break;
    case Json::parse_event_t::object_end:
      if (!keys.empty())
        keys.pop_back();
      break;
    case Json::parse_event_t::key:
      if (!keys.empty() && parsed.is_string() &&
          !keys.back().insert(parsed.get<std::string>()).second &&
          duplicate.empty())
        duplicate = parsed.get<std::string>();
      break;
    default:
      break;
    }
    return true;
  };
  Json json;
  try {
    json = Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::parse_error &e) {
    formatError("the header is not valid JSON: " +
                quoteForMessage(e.what(), 200));
  }
  if (!duplicate.empty())
    formatError("the header has a duplicate key '" +
                quoteForMessage(duplicate) + "'");
  return json;
}

void readSafetensors(const std::string &path, credo_tensor_set *out) {
  std::string file;
  if (credo_status s = readFile(path, file))
    throw Recorded{s};
  const unsigned char *bytes =
      reinterpret_cast<const unsigned char *>(file.data());
  uint64_t size = file.size();
  if (size < 8)
    formatError("not a safetensors file (" + std::to_string(size) +
                " bytes, too short for the 8-byte header size)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(bytes[i]) << (8 * i);
  // A file that is something else (JSON, npy, text) has a first byte of
  // its header that is not '{' or a header size beyond the file.
  if (n > kMaxHeaderSize)
    formatError("not a safetensors file: the header size in its first 8 "
                "bytes, " +
                std::to_string(n) + ", exceeds the limit of " +
                std::to_string(kMaxHeaderSize) + " bytes");
  if (n > size - 8)
    formatError("not a safetensors file: its header size " + std::to_string(n) +
                " is larger than the rest of the file (" +
                std::to_string(size - 8) + " bytes)");
  std::string_view header(file.data() + 8, n);
  if (header.empty() || header[0] != '{')
    formatError("the header does not start with '{'");
  // nlohmann/json stops at a NUL byte as if the input ended there; JSON text
  // never contains one.
  if (header.find('\0') != std::string_view::npos)
    formatError("the header is not valid JSON: it contains a NUL byte");
  Json json = parseJson(header);
  if (!json.is_object())
    formatError("the header is not a JSON object");

  uint64_t bufferSize = size - 8 - n;
  std::vector<Entry> entries;
  const Json *metadata = nullptr;
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it.key() == kMetadataKey) {
      metadata = &it.value();
      if (!metadata->is_object())
        formatError("'__metadata__' is not a JSON object");
      for (auto m = metadata->begin(); m != metadata->end(); ++m) {
        if (!m.value().is_string())
          formatError("'__metadata__' value of '" + quoteForMessage(m.key()) +
                      "' is not a string");
        if (m.key().find('\0') != std::string::npos ||
            m.value().get_ref<const std::string &>().find('\0') !=
                std::string::npos)
          formatError("'__metadata__' entry '" + quoteForMessage(m.key()) +
                      "' contains a NUL character");
      }
      continue;
    }
    entries.push_back(parseEntry(it.key(), it.value(), bufferSize));
    entries.back().index = entries.size() - 1;
  }

  // The tensors must tile the buffer: sorted by offsets, each starts where
  // the previous one ends, and the last ends at the end of the file.
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    if (a.begin != b.begin)
      return a.begin < b.begin;
    if (a.end != b.end)
      return a.end < b.end;
    return a.index < b.index;
  });
  uint64_t covered = 0;
  const Entry *previous = nullptr;
  for (const Entry &e : entries) {
    std::string what = "tensor '" + quoteForMessage(e.name) + "'";
    if (e.begin < covered)
      formatError(what + " overlaps tensor '" +
                  quoteForMessage(previous->name) +
                  "' (data_offsets begin at " + std::to_string(e.begin) +
                  ", before " + std::to_string(covered) + ")");
    if (e.begin > covered)
      formatError("bytes " + std::to_string(covered) + ".." +
                  std::to_string(e.begin) + " of the data buffer before " +
                  what + " belong to no tensor");
    covered = e.end;
    previous = &e;
  }
  if (covered != bufferSize)
    formatError("the tensors cover " + std::to_string(covered) + " of the " +
                std::to_string(bufferSize) +
                " bytes of the data buffer (trailing bytes)");

  credo_tensor_set set;
  std::memset(&set, 0, sizeof(set));
  SetGuard guard{&set};
  if (!entries.empty()) {
    set.items = static_cast<credo_named_tensor *>(
        std::calloc(entries.size(), sizeof(credo_named_tensor)));
    if (!set.items)
      throw std::bad_alloc();
  }
  const char *data = file.data() + 8 + n;
  for (const Entry &e : entries) {
    credo_named_tensor &item = set.items[set.count];
    item.name = copyString(e.name);
    ++set.count;
    if (credo_status s =
            credo_tensor_alloc(&item.tensor, e.dtype, e.rank, e.shape))
      throw Failure{s, "tensor '" + quoteForMessage(e.name) +
                           "': " + credo_last_error()};
    if (e.end > e.begin)
      std::memcpy(item.tensor.data, data + e.begin, e.end - e.begin);
  }
  if (metadata && !metadata->empty()) {
    size_t count = metadata->size();
    set.metadata_keys =
        static_cast<char **>(std::calloc(count, sizeof(char *)));
    set.metadata_values =
        static_cast<char **>(std::calloc(count, sizeof(char *)));
    if (!set.metadata_keys || !set.metadata_values)
      throw std::bad_alloc();
    for (auto m = metadata->begin(); m != metadata->end(); ++m) {
      char *key = copyString(m.key());
      char *value = nullptr;
      try {
        value = copyString(m.value().get_ref<const std::string &>());
      } catch (...) {
        std::free(key);
        throw;
      }
      set.metadata_keys[set.metadata_count] = key;
      set.metadata_values[set.metadata_count] = value;
      ++set.metadata_count;
    }
  }
  *out = set;
  guard.set = nullptr;
}

void writeSafetensors(const std::string &path,
                      const credo_named_tensor *tensors, size_t count,
                      const char *const *metadataKeys,
                      const char *const *metadataValues, size_t metadataCount) {
  if (count > 0 && !tensors)
    invalidArgument("null tensor array");
  if (metadataCount > 0 && (!metadataKeys || !metadataValues))
    invalidArgument("null metadata arrays");

  Json header = Json::object();
  std::set<std::string> seen;
  if (metadataCount > 0) {
    Json metadata = Json::object();
    for (size_t i = 0; i < metadataCount; ++i) {
      if (!metadataKeys[i] || !metadataValues[i])
        invalidArgument("null metadata key or value");
      if (!seen.insert(metadataKeys[i]).second)
        invalidArgument("duplicate metadata key '" +
                        quoteForMessage(metadataKeys[i]) + "'");
      metadata[metadataKeys[i]] = metadataValues[i];
    }
    header[kMetadataKey] = std::move(metadata);
    seen.clear();
  }

  uint64_t offset = 0;
  for (size_t i = 0; i < count; ++i) {
    const credo_named_tensor &item = tensors[i];
    if (!item.name)
      invalidArgument("tensor " + std::to_string(i) + " has no name");
    std::string what = "tensor '" + quoteForMessage(item.name) + "'";
    if (std::strcmp(item.name, kMetadataKey) == 0)
      invalidArgument("a tensor cannot be called '__metadata__'");
    if (!seen.insert(item.name).second)
      invalidArgument("duplicate " + what);
    const credo_tensor &t = item.tensor;
    const char *dtype = dtypeName(t.dtype);
    if (!dtype)
      invalidArgument(what + " has an unknown dtype");
    if (t.rank < 0 || t.rank > CREDO_MAX_RANK)
      invalidArgument(what + " has rank " + std::to_string(t.rank));
    int64_t numel = checkedNumel(t.rank, t.shape);
    if (numel < 0)
      invalidArgument(what + " has a bad shape " +
                      shapeString(t.rank, t.shape));
    uint64_t nbytes = uint64_t(numel) * credo_dtype_size(t.dtype);
    if (nbytes > 0 && !t.data)
      invalidArgument(what + " has no data");
    Json shape = Json::array();
    for (int32_t d = 0; d < t.rank; ++d)
      shape.push_back(uint64_t(t.shape[d]));
    Json info = Json::object();
    info["dtype"] = dtype;
    info["shape"] = std::move(shape);
    info["data_offsets"] = Json::array({offset, offset + nbytes});
    header[item.name] = std::move(info);
    offset += nbytes;
  }

  std::string text;
  try {
    text = header.dump();
  } catch (const Json::type_error &) {
    invalidArgument("a tensor name or metadata string is not valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string buffer;
  buffer.reserve(8 + text.size() + offset);
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i)
    buffer += static_cast<char>((n >> (8 * i)) & 0xff);
  buffer += text;
  for (size_t i = 0; i < count; ++i) {
    const credo_tensor &t = tensors[i].tensor;
    size_t nbytes = credo_tensor_nbytes(&t);
    if (nbytes > 0)
      buffer.append(static_cast<const char *>(t.data), nbytes);
  }
  if (credo_status s = writeFileAtomically(path, buffer.data(), buffer.size()))
    throw Recorded{s};
}

/// Records a failure from a catch handler without letting a second exception
/// escape.
credo_status failNoThrow(credo_status status, const char *path,
                         const char *what) noexcept {
  try {
    return fail(status, path ? std::string(path) + ": " + what : what);
  } catch (...) {
    return status;
  }
}

/// Runs `body`, turning every exception into a status and message.
template <typename Body>
credo_status guarded(const char *path, Body body) noexcept {
  try {
    body();
    return CREDO_OK;
  } catch (const Failure &e) {
    return failNoThrow(e.status, path, e.message.c_str());
  } catch (const Recorded &e) {
    return e.status;
  } catch (const std::bad_alloc &) {
    return failNoThrow(CREDO_ERR_OUT_OF_MEMORY, path, "out of memory");
  } catch (const std::exception &e) {
    return failNoThrow(CREDO_ERR_FORMAT, path, e.what());
  } catch (...) {
    return failNoThrow(CREDO_ERR_IO, path, "unknown error");
  }
}

} // namespace
} // namespace credo::rt

using namespace credo::rt;

extern "C" {

credo_status credo_safetensors_read(const char *path, credo_tensor_set *out) {
  if (out)
    std::memset(out, 0, sizeof(*out));
  return guarded(path, [&] {
    if (!path || !out)
      invalidArgument("credo_safetensors_read: null path or output set");
    readSafetensors(path, out);
  });
}

credo_status credo_safetensors_write(const char *path,
                                     const credo_named_tensor *tensors,
                                     size_t count,
                                     const char *const *metadata_keys,
                                     const char *const *metadata_values,
                                     size_t metadata_count) {
  return guarded(path, [&] {
    if (!path)
      invalidArgument("credo_safetensors_write: null path");
    writeSafetensors(path, tensors, count, metadata_keys, metadata_values,
                     metadata_count);
  });
}

void credo_tensor_set_free(credo_tensor_set *set) {
  if (!set)
    return;
  if (set->items) {
    for (size_t i = 0; i < set->count; ++i) {
      std::free(set->items[i].name);
      credo_tensor_free(&set->items[i].tensor);
    }
    std::free(set->items);
  }
  for (size_t i = 0; i < set->metadata_count; ++i) {
    if (set->metadata_keys)
      std::free(set->metadata_keys[i]);
    if (set->metadata_values)
      std::free(set->metadata_values[i]);
  }
  std::free(set->metadata_keys);
  std::free(set->metadata_values);
  std::memset(set, 0, sizeof(*set));
}

} // extern "C"
