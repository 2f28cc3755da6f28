//===- Npy.cpp - NumPy .npy reader and writer -------------------*- C++ -*-===//
//
// Reads and writes NumPy .npy files (format versions 1.0, 2.0 and 3.0) holding
// little-endian, C-order f4/f8/i4/i8 arrays. The reader treats its input as
// untrusted: every length is checked before use, the header is parsed by a
// small Python-literal parser that accepts only the dictionary numpy writes,
// and every rejection is a CREDO_ERR_FORMAT naming the file. The writer
// produces the same bytes as numpy.save and replaces the target atomically.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the Credo runtime assumes a little-endian host");

namespace credo::rt {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
/// numpy's ARRAY_ALIGN: the header is padded so the data starts at a multiple
/// of this.
constexpr size_t kArrayAlign = 64;
/// numpy's GROWTH_AXIS_MAX_DIGITS: spare header room for a growing axis.
constexpr size_t kGrowthAxisMaxDigits = 21;
/// The element-count limit of credo_tensor_alloc.
constexpr int64_t kMaxElements = int64_t(1) << 40;

const char *const kExpectedDtypes = "<f4, <f8, <i4, <i8 or |u1";

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

/// Maps a .npy descr to a Credo dtype, or explains why it is not supported.
bool parseDescr(const std::string &descr, credo_dtype &dtype,
                std::string &why) {
  std::string_view body = descr;
  char order = '=';
  if (!body.empty() &&
      (body[0] == '<' || body[0] == '>' || body[0] == '=' || body[0] == '|')) {
    order = body[0];
    body.remove_prefix(1);
  }
  bool supported = true;
  if (body == "f4")
    dtype = CREDO_F32;
  else if (body == "f8")
    dtype = CREDO_F64;
  else if (body == "i4")
    dtype = CREDO_I32;
  else if (body == "i8")
    dtype = CREDO_I64;
  else if (body == "u1")
    dtype = CREDO_U8;
  else
    supported = false;

  std::string quoted = "'" + quoteForMessage(descr) + "'";
  if (supported && order == '>') {
    why = "big-endian dtype " + quoted +
          " is not supported (expected little-endian " + kExpectedDtypes + ")";
    return false;
  }
  if (supported)
    return true;

  const char *kind = nullptr;
  if (body == "b1" || body == "?")
    kind = "bool";
  else if (body == "i1")
    kind = "int8";
  else if (body == "u1")
    kind = "uint8";
  else if (body == "i2")
    kind = "int16";
  else if (body == "f2")
    kind = "float16";
  else if (!body.empty() && body[0] == 'u')
    kind = "unsigned integer";
  else if (!body.empty() && body[0] == 'c')
    kind = "complex";
  else if (!body.empty() && body[0] == 'O')
    kind = "object";
  else if (!body.empty() && body[0] == 'U')
    kind = "unicode string";
  else if (!body.empty() && (body[0] == 'S' || body[0] == 'a'))
    kind = "byte string";
  else if (!body.empty() && body[0] == 'V')
    kind = "void";
  else if (!body.empty() && (body[0] == 'M' || body[0] == 'm'))
    kind = "datetime";
  else if (body == "f16" || body == "f12")
    kind = "long double";
  why = "unsupported dtype " + quoted;
  if (kind)
    why += std::string(" (") + kind + "; expected " + kExpectedDtypes + ")";
  else
    why += std::string(" (expected ") + kExpectedDtypes + ")";
  return false;
}

/// Formats a shape the way Python writes a tuple: "()", "(3,)", "(2, 3)".
std::string shapeRepr(int32_t rank, const int64_t *shape) {
  std::string out = "(";
  for (int32_t i = 0; i < rank; ++i) {
    if (i > 0)
      out += ", ";
    out += std::to_string(shape[i]);
  }
  if (rank == 1)
    out += ",";
  out += ")";
  return out;
}

/// The element count of `shape` under credo_tensor_alloc's limit, or -1.
int64_t checkedNumel(int32_t rank, const int64_t *shape) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0 || (shape[i] > 0 && n > kMaxElements / shape[i]))
      return -1;
    n *= shape[i];
  }
  return n;
}

/// The parsed content of a .npy header dictionary.
struct NpyHeader {
  credo_dtype dtype = CREDO_F32;
  bool fortranOrder = false;
  int32_t rank = 0;
  int64_t shape[CREDO_MAX_RANK] = {};
};

/// Parses the Python dictionary literal of a .npy header:
///   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
/// Whitespace between tokens, either quote style, any key order and a trailing
/// comma are accepted, as Python's literal_eval would; anything else (other
/// keys, escapes, nested values) is an error.
class HeaderParser {
public:
  HeaderParser(std::string_view text) : text(text) {}

  /// Returns false and sets `error` on failure; errors about the syntax start
  /// with "malformed header".
  bool parse(NpyHeader &header, std::string &error) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return fail(error, "expected '{'");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail(error, "expected a quoted key or '}'");
      skipSpace();
      if (!consume(':'))
        return fail(error,
                    "expected ':' after key '" + quoteForMessage(key) + "'");
      skipSpace();
      if (key == "descr") {
        if (haveDescr)
          return fail(error, "duplicate key 'descr'");
        haveDescr = true;
        if (peek() == '[') {
          error =
              std::string("structured dtypes are not supported (expected ") +
              kExpectedDtypes + ")";
          return false;
        }
        std::string descr;
        if (!parseString(descr))
          return fail(error, "'descr' is not a string");
        std::string why;
        if (!parseDescr(descr, header.dtype, why)) {
          error = why;
          return false;
        }
      } else if (key == "fortran_order") {
        if (haveOrder)
          return fail(error, "duplicate key 'fortran_order'");
        haveOrder = true;
        if (consumeWord("True"))
          header.fortranOrder = true;
        else if (consumeWord("False"))
          header.fortranOrder = false;
        else
          return fail(error, "'fortran_order' is not True or False");
      } else if (key == "shape") {
        if (haveShape)
          return fail(error, "duplicate key 'shape'");
        haveShape = true;
        if (!parseShape(header, error))
          return false;
      } else {
        return fail(error, "unexpected key '" + quoteForMessage(key) + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return fail(error, "expected ',' or '}'");
    }
    skipSpace();
    if (pos != text.size())
      return fail(error, "unexpected text after '}'");
    if (!haveDescr)
      return fail(error, "missing key 'descr'");
    if (!haveOrder)
      return fail(error, "missing key 'fortran_order'");
    if (!haveShape)
      return fail(error, "missing key 'shape'");
    return true;
  }

private:
  std::string_view text;
  size_t pos = 0;

  static bool fail(std::string &error, const std::string &why) {
    error = "malformed header: " + why;
    return false;
  }

  char peek() const { return pos < text.size() ? text[pos] : '\0'; }

  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }

  bool consumeWord(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return false;
    size_t end = pos + word.size();
    if (end < text.size()) {
      char c = text[end];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_')
        return false;
    }
    pos = end;
    return true;
  }

  void skipSpace() {
    while (pos < text.size() && isSpace(text[pos]))
      ++pos;
  }

  /// A '...' or "..." literal without escapes.
  bool parseString(std::string &out) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return false;
    size_t start = pos + 1;
    for (size_t i = start; i < text.size(); ++i) {
      char c = text[i];
      if (c == '\\' || c == '\n')
        return false;
      if (c == quote) {
        out.assign(text.data() + start, i - start);
        pos = i + 1;
        return true;
      }
    }
    return false;
  }

  /// A tuple of non-negative integers: "()", "(3,)", "(2, 3)", "(2, 3,)".
  bool parseShape(NpyHeader &header, std::string &error) {
    if (!consume('('))
      return fail(error, "'shape' is not a tuple");
    header.rank = 0;
    bool sawComma = false;
    while (true) {
      skipSpace();
      if (consume(')'))
        break;
      if (peek() == '-')
        return fail(error, "'shape' has a negative dimension");
      if (peek() < '0' || peek() > '9')
        return fail(error, "'shape' is not a tuple of integers");
      int64_t value = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (value > (INT64_MAX - 9) / 10)
          return fail(error, "'shape' has a dimension that is too large");
        value = value * 10 + (text[pos] - '0');
        ++pos;
      }
      // Python 2 era files write long integers as "3L".
      if (peek() == 'L' || peek() == 'l')
        ++pos;
      if (header.rank == CREDO_MAX_RANK)
        return fail(error, "'shape' has more than " +
                               std::to_string(CREDO_MAX_RANK) + " dimensions");
      header.shape[header.rank++] = value;
      skipSpace();
      if (consume(',')) {
        sawComma = true;
        continue;
      }
      skipSpace();
      if (consume(')'))
        break;
      return fail(error, "expected ',' or ')' in 'shape'");
    }
    if (header.rank == 1 && !sawComma)
      return fail(error, "'shape' is not a tuple (a 1-tuple needs a comma)");
    return true;
  }
};

uint32_t readLE(const unsigned char *p, size_t bytes) {
  uint32_t v = 0;
  for (size_t i = 0; i < bytes; ++i)
    v |= uint32_t(p[i]) << (8 * i);
  return v;
}

/// Parses the bytes of a .npy file; errors name `path`.
credo_status parseNpy(const std::string &file, const std::string &path,
                      credo_tensor *out) {
  auto formatError = [&](const std::string &why) {
    return fail(CREDO_ERR_FORMAT, path + ": " + why);
  };
  const unsigned char *bytes =
      reinterpret_cast<const unsigned char *>(file.data());
  size_t size = file.size();

  if (size == 0)
    return formatError("not a .npy file (the file is empty)");
  size_t magicCheck = size < kMagicLen ? size : kMagicLen;
  if (std::memcmp(file.data(), kMagic, magicCheck) != 0)
    return formatError("not a .npy file (bad magic)");
  if (size < kMagicLen + 2)
    return formatError("truncated: the file ends inside the preamble (" +
                       std::to_string(size) + " bytes)");
  unsigned major = bytes[6], minor = bytes[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return formatError("unsupported .npy format version " +
                       std::to_string(major) + "." + std::to_string(minor) +
                       " (expected 1.0, 2.0 or 3.0)");
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t preamble = kMagicLen + 2 + lengthBytes;
  if (size < preamble)
    return formatError("truncated: the file ends inside the preamble (" +
                       std::to_string(size) + " bytes)");
  size_t headerLen = readLE(bytes + kMagicLen + 2, lengthBytes);
  if (headerLen > size - preamble)
    return formatError("truncated: the header length is " +
                       std::to_string(headerLen) + " bytes but only " +
                       std::to_string(size - preamble) + " follow");
  std::string_view header(file.data() + preamble, headerLen);
  if (header.empty() || header.back() != '\n')
    return formatError("malformed header: not terminated by a newline");

  NpyHeader parsed;
  std::string why;
  if (!HeaderParser(header).parse(parsed, why)) {
    if (why.rfind("malformed", 0) == 0)
      why += " in '" + quoteForMessage(header) + "'";
    return formatError(why);
  }
  if (parsed.fortranOrder)
    return formatError("fortran_order is True; only C-order arrays are "
                       "supported");
  int64_t numel = checkedNumel(parsed.rank, parsed.shape);
  if (numel < 0)
    return formatError("shape " + shapeRepr(parsed.rank, parsed.shape) +
                       " is too large");
  size_t dataSize = size - preamble - headerLen;
  uint64_t expected = uint64_t(numel) * credo_dtype_size(parsed.dtype);
  if (expected > dataSize)
    return formatError("truncated: expected " + std::to_string(expected) +
                       " bytes of data, found " + std::to_string(dataSize));
  if (expected < dataSize)
    return formatError("trailing bytes: expected " + std::to_string(expected) +
                       " bytes of data, found " + std::to_string(dataSize));

  credo_tensor t;
  std::memset(&t, 0, sizeof(t));
  if (credo_status s =
          credo_tensor_alloc(&t, parsed.dtype, parsed.rank, parsed.shape))
    return fail(s, path + ": " + credo_last_error());
  if (expected > 0)
    std::memcpy(t.data, file.data() + preamble + headerLen, expected);
  *out = t;
  return CREDO_OK;
}

credo_status readNpy(const std::string &path, credo_tensor *out) {
  std::string file;
  if (credo_status s = readFile(path, file))
    return s;
  return parseNpy(file, path, out);
}

/// Little-endian fields of a ZIP archive, bounds-checked by the caller.
uint32_t le32(const unsigned char *p) { return readLE(p, 4); }
uint32_t le16(const unsigned char *p) { return readLE(p, 2); }

/// Array `name` of the .npz archive at `path` (NumPy's savez: a ZIP of
/// NAME.npy members, stored or deflated).
credo_status readNpz(const std::string &path, const std::string &name,
                     credo_tensor *out) {
  std::string zip;
  if (credo_status s = readFile(path, zip))
    return s;
  auto formatError = [&](const std::string &why) {
    return fail(CREDO_ERR_FORMAT, path + ": " + why);
  };
  const auto *b = reinterpret_cast<const unsigned char *>(zip.data());
  const size_t size = zip.size();
  // The end-of-central-directory record: 22 bytes plus a comment.
  if (size < 22)
    return formatError("not a .npz file (too short for a ZIP archive)");
  size_t eocd = size - 22;
  const size_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
  while (le32(b + eocd) != 0x06054b50) {
    if (eocd == lowest)
      return formatError("not a .npz file (no ZIP directory)");
    --eocd;
  }
  const uint32_t entries = le16(b + eocd + 10);
  const uint64_t dirSize = le32(b + eocd + 12), dirStart = le32(b + eocd + 16);
  if (dirStart > size || dirSize > size - dirStart)
    return formatError("corrupt ZIP directory");
  auto npyMember = [](const std::string &n) {
    return n.size() > 4 && n.compare(n.size() - 4, 4, ".npy") == 0;
  };
  // The array "x" is the member x.npy (NumPy takes either name).
  const std::string want = npyMember(name) ? name : name + ".npy";
  std::vector<std::string> names;
  // The directory entry of the member, found once in the whole directory:
  // a second member of the name (NumPy would read the last) is an error.
  std::optional<size_t> found;
  for (size_t p = dirStart, e = 0; e < entries; ++e) {
    if (p + 46 > dirStart + dirSize || le32(b + p) != 0x02014b50)
      return formatError("corrupt ZIP directory entry " + std::to_string(e));
    const size_t nameLen = le16(b + p + 28), extraLen = le16(b + p + 30),
                 commentLen = le16(b + p + 32);
    if (p + 46 + nameLen + extraLen + commentLen > dirStart + dirSize)
      return formatError("corrupt ZIP directory entry " + std::to_string(e));
    std::string member(zip.data() + p + 46, nameLen);
    if (member == want && found)
      return formatError("two members are named '" + member +
                         "' (the archive is ambiguous)");
    if (member == want)
      found = p;
    names.push_back(member);
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (!found) {
    // The arrays by name, as a model's dataset names them.
    std::string list;
    for (std::string n : names) {
      if (npyMember(n))
        n.resize(n.size() - 4);
      list += (list.empty() ? "" : ", ") + quoteForMessage(n);
    }
    return fail(CREDO_ERR_NOT_FOUND,
                path + ": no array '" + name + "' (arrays: " + list + ")");
  }

  const size_t p = *found;
  const uint32_t method = le16(b + p + 10), crc = le32(b + p + 16);
  const uint64_t packed = le32(b + p + 20), unpacked = le32(b + p + 24);
  const uint64_t local = le32(b + p + 42);
  const std::string &member = want;
  if (packed == 0xffffffffu || unpacked == 0xffffffffu || local == 0xffffffffu)
    return formatError("'" + member + "' needs ZIP64, which is not supported");
  if (local + 30 > size || le32(b + local) != 0x04034b50)
    return formatError("corrupt ZIP entry '" + member + "'");
  const uint64_t data =
      local + 30 + le16(b + local + 26) + le16(b + local + 28);
  if (data > size || packed > size - data)
    return formatError("truncated ZIP entry '" + member + "'");
  // Deflate compresses at most about 1032:1: a larger claimed size is a
  // corrupt header, not a reason to allocate it.
  if (unpacked > (uint64_t(1) << 40) || unpacked > packed * 1032 + 1024)
    return formatError("'" + member + "' claims " + std::to_string(unpacked) +
                       " bytes from " + std::to_string(packed) +
                       " compressed ones");
  std::string npy;
  if (method == 0) {
    if (packed != unpacked)
      return formatError("corrupt stored ZIP entry '" + member + "'");
    npy.assign(zip.data() + data, packed);
  } else if (method == 8) {
    try {
      npy.resize(unpacked);
    } catch (const std::exception &) {
      return fail(CREDO_ERR_OUT_OF_MEMORY,
                  path + ": cannot allocate '" + member + "'");
    }
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
      return formatError("cannot start zlib");
    z.next_in = const_cast<unsigned char *>(b + data);
    z.avail_in = uInt(packed);
    z.next_out = reinterpret_cast<unsigned char *>(npy.data());
    z.avail_out = uInt(unpacked);
    int status = inflate(&z, Z_FINISH);
    uint64_t produced = z.total_out;
    inflateEnd(&z);
    if (status != Z_STREAM_END || produced != unpacked)
      return formatError("cannot decompress ZIP entry '" + member + "'");
  } else {
    return formatError("ZIP entry '" + member + "' uses compression method " +
                       std::to_string(method) +
                       " (expected stored or deflate)");
  }
  // The member's checksum: a flipped byte in a stored member, or one
  // that still inflates, would otherwise be read as data.
  if (crc32_z(0, reinterpret_cast<const Bytef *>(npy.data()), npy.size()) !=
      crc)
    return formatError("ZIP entry '" + member +
                       "' fails its CRC-32 check (the file is corrupt)");
  return parseNpy(npy, path + ":" + name, out);
}

credo_status writeNpy(const std::string &path, const credo_tensor *t) {
  const char *descr = nullptr;
  switch (t->dtype) {
  case CREDO_F32:
    descr = "<f4";
    break;
  case CREDO_F64:
    descr = "<f8";
    break;
  case CREDO_I32:
    descr = "<i4";
    break;
  case CREDO_I64:
    descr = "<i8";
    break;
  case CREDO_U8:
    descr = "|u1";
    break;
  }
  if (!descr)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                path + ": cannot write a tensor of unknown dtype " +
                    std::to_string(int(t->dtype)));
  if (t->rank < 0 || t->rank > CREDO_MAX_RANK)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                path + ": cannot write a tensor of rank " +
                    std::to_string(t->rank));
  int64_t numel = checkedNumel(t->rank, t->shape);
  if (numel < 0)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                path + ": cannot write a tensor of shape " +
                    shapeRepr(t->rank, t->shape));
  size_t dataSize = size_t(numel) * credo_dtype_size(t->dtype);
  if (dataSize > 0 && !t->data)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                path + ": cannot write a tensor without data");

  // numpy.lib.format: the sorted dictionary, spare room for the first axis to
  // grow, then spaces and '\n' so the preamble and header fill a multiple of
  // ARRAY_ALIGN bytes (a full extra block when already aligned).
  std::string dict =
      std::string("{'descr': '") + descr +
      "', 'fortran_order': False, 'shape': " + shapeRepr(t->rank, t->shape) +
      ", }";
  if (t->rank > 0) {
    size_t digits = std::to_string(t->shape[0]).size();
    if (digits < kGrowthAxisMaxDigits)
      dict.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  size_t hlen = dict.size() + 1;
  unsigned major = 1;
  size_t lengthBytes = 2;
  size_t pad = kArrayAlign - (kMagicLen + 2 + lengthBytes + hlen) % kArrayAlign;
  if (hlen + pad > 0xffff) {
    major = 2;
    lengthBytes = 4;
    pad = kArrayAlign - (kMagicLen + 2 + lengthBytes + hlen) % kArrayAlign;
  }
  size_t headerLen = hlen + pad;

  std::string buffer;
  buffer.reserve(kMagicLen + 2 + lengthBytes + headerLen + dataSize);
  buffer.append(kMagic, kMagicLen);
  buffer += static_cast<char>(major);
  buffer += '\0';
  for (size_t i = 0; i < lengthBytes; ++i)
    buffer += static_cast<char>((headerLen >> (8 * i)) & 0xff);
  buffer += dict;
  buffer.append(pad, ' ');
  buffer += '\n';
  if (dataSize > 0)
    buffer.append(static_cast<const char *>(t->data), dataSize);
  return writeFileAtomically(path, buffer.data(), buffer.size());
}

} // namespace
} // namespace credo::rt

using namespace credo::rt;

extern "C" {

credo_status credo_npy_read(const char *path, credo_tensor *out) {
  if (out)
    std::memset(out, 0, sizeof(*out));
  return guardedFileCall(path, "reading", [&] {
    if (!path || !out)
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  "credo_npy_read: null path or output tensor");
    return readNpy(path, out);
  });
}

credo_status credo_npz_read(const char *path, const char *name,
                            credo_tensor *out) {
  if (out)
    std::memset(out, 0, sizeof(*out));
  return guardedFileCall(path, "reading", [&] {
    if (!path || !name || !out)
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  "credo_npz_read: null path, name or output tensor");
    return readNpz(path, name, out);
  });
}

credo_status credo_npy_write(const char *path, const credo_tensor *tensor) {
  return guardedFileCall(path, "writing", [&] {
    if (!path || !tensor)
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  "credo_npy_write: null path or tensor");
    return writeNpy(path, tensor);
  });
}

} // extern "C"
