//===- RuntimeIoTest.cpp - Runtime .npy and safetensors I/O -----*- C++ -*-===//
//
// Round trips through credo_npy_* and credo_safetensors_*, byte-exact
// comparisons with files built by hand from the format specifications (what
// numpy.save and the safetensors library write), every class of malformed
// input with its status and message, truncation and corruption sweeps that
// must never crash, and atomic replacement of the target on write.
//
//===----------------------------------------------------------------------===//

#include "credo/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

//===--- Helpers ----------------------------------------------------------===//

const credo_dtype kAllDtypes[] = {CREDO_F32, CREDO_F64, CREDO_I32, CREDO_I64,
                                  CREDO_U8};

/// A fresh directory per test, removed (with its files) afterwards.
class RuntimeIoTestBase : public ::testing::Test {
protected:
  void SetUp() override {
    std::string base = ::testing::TempDir();
    if (base.empty() || base.back() != '/')
      base += '/';
    std::string pattern = base + "credo-rtio-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    ASSERT_NE(::mkdtemp(buf.data()), nullptr);
    dir = buf.data();
    credo_clear_error();
  }

  void TearDown() override {
    for (const std::string &name : listDir())
      ::unlink((dir + "/" + name).c_str());
    ::rmdir(dir.c_str());
  }

  std::string path(const std::string &name) const { return dir + "/" + name; }

  /// The names in the test directory, sorted.
  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(dir.c_str())) {
      while (dirent *e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != "..")
          names.push_back(name);
      }
      ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string dir;
};

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

std::string readBytes(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string u16le(uint32_t v) {
  return {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff)};
}

std::string u32le(uint32_t v) {
  std::string s;
  for (int i = 0; i < 4; ++i)
    s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string u64le(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i)
    s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

/// Little-endian bytes of int32 values, spelled out independently of the host.
std::string i32le(std::initializer_list<int32_t> values) {
  std::string s;
  for (int32_t v : values)
    s += u32le(static_cast<uint32_t>(v));
  return s;
}

std::string i64le(std::initializer_list<int64_t> values) {
  std::string s;
  for (int64_t v : values)
    s += u64le(static_cast<uint64_t>(v));
  return s;
}

/// A .npy file around a header dictionary: the preamble of `major`.0, the
/// dictionary padded with spaces and '\n' to a multiple of `align` bytes.
std::string npyFile(const std::string &dict, const std::string &data,
                    unsigned major = 1, size_t align = 64) {
  size_t prefix = major == 1 ? 10 : 12;
  size_t hlen = dict.size() + 1;
  size_t pad = (align - (prefix + hlen) % align) % align;
  std::string header = dict + std::string(pad, ' ') + "\n";
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  out += major == 1 ? u16le(static_cast<uint32_t>(header.size()))
                    : u32le(static_cast<uint32_t>(header.size()));
  return out + header + data;
}

std::string npyDict(const std::string &descr, const std::string &shape,
                    const std::string &fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran +
         ", 'shape': " + shape + ", }";
}

/// A safetensors file around a header literal (padded to 8 bytes).
std::string safetensorsFile(std::string header, const std::string &data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  return u64le(header.size()) + header + data;
}

/// Checks a failed call: its status, and a message that names `path` and
/// contains `fragment`.
::testing::AssertionResult failsWith(credo_status got, credo_status want,
                                     const std::string &path,
                                     const std::string &fragment) {
  std::string message = credo_last_error();
  if (got != want)
    return ::testing::AssertionFailure()
           << "status " << credo_status_name(got) << ", expected "
           << credo_status_name(want) << "; message: " << message;
  if (message.find(path) == std::string::npos)
    return ::testing::AssertionFailure()
           << "message does not name '" << path << "': " << message;
  if (message.find(fragment) == std::string::npos)
    return ::testing::AssertionFailure()
           << "message lacks '" << fragment << "': " << message;
  return ::testing::AssertionSuccess() << message;
}

/// A tensor filled with distinct values (i * 1.5 or i * 7 - 3).
struct OwnedTensor {
  credo_tensor t;
  OwnedTensor(credo_dtype dtype, std::vector<int64_t> shape) {
    std::memset(&t, 0, sizeof(t));
    EXPECT_EQ(credo_tensor_alloc(&t, dtype, static_cast<int32_t>(shape.size()),
                                 shape.data()),
              CREDO_OK);
    int64_t n = credo_tensor_numel(&t);
    for (int64_t i = 0; i < n; ++i) {
      switch (dtype) {
      case CREDO_F32:
        static_cast<float *>(t.data)[i] = static_cast<float>(i) * 1.5f - 2;
        break;
      case CREDO_F64:
        static_cast<double *>(t.data)[i] = static_cast<double>(i) * 1.5 - 2;
        break;
      case CREDO_I32:
        static_cast<int32_t *>(t.data)[i] = static_cast<int32_t>(i * 7 - 3);
        break;
      case CREDO_I64:
        static_cast<int64_t *>(t.data)[i] = i * 7 - 3 + (int64_t(1) << 40);
        break;
      case CREDO_U8:
        static_cast<uint8_t *>(t.data)[i] = static_cast<uint8_t>(i * 37 + 5);
        break;
      }
    }
  }
  ~OwnedTensor() { credo_tensor_free(&t); }
  OwnedTensor(const OwnedTensor &) = delete;
  OwnedTensor &operator=(const OwnedTensor &) = delete;
};

void expectSameTensor(const credo_tensor &a, const credo_tensor &b) {
  ASSERT_EQ(a.dtype, b.dtype);
  ASSERT_EQ(a.rank, b.rank);
  for (int32_t i = 0; i < a.rank; ++i)
    EXPECT_EQ(a.shape[i], b.shape[i]) << "dimension " << i;
  size_t n = credo_tensor_nbytes(&a);
  ASSERT_EQ(n, credo_tensor_nbytes(&b));
  if (n > 0) {
    ASSERT_NE(b.data, nullptr);
    EXPECT_EQ(std::memcmp(a.data, b.data, n), 0);
  }
}

/// The bytes numpy.save writes for np.arange(6, dtype=np.float32).reshape(2,
/// 3), built from the format specification: magic, version 1.0, a u16 header
/// length of 118, the dictionary padded so the data starts at byte 128.
std::string numpyArange6() {
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" +
      std::string(58, ' ') + "\n";
  std::string bytes("\x93NUMPY\x01\x00\x76\x00", 10);
  bytes += header;
  // 0.0f .. 5.0f as little-endian IEEE-754 singles.
  bytes += std::string("\x00\x00\x00\x00"
                       "\x00\x00\x80\x3f"
                       "\x00\x00\x00\x40"
                       "\x00\x00\x40\x40"
                       "\x00\x00\x80\x40"
                       "\x00\x00\xa0\x40",
                       24);
  return bytes;
}

//===--- .npy -------------------------------------------------------------===//

class RuntimeNpyTest : public RuntimeIoTestBase {};

/// The CRC-32 of ZIP (reflected polynomial 0xedb88320), bit by bit.
uint32_t crc32Of(const std::string &data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/// A ZIP archive of one member `name` (local header, data, central
/// directory, end record) whose headers claim `method`, `packed`,
/// `unpacked` and the checksum `crc` (by default that of `data`).
std::string zipOf(const std::string &name, const std::string &data,
                  uint16_t method, uint32_t packed, uint32_t unpacked,
                  std::optional<uint32_t> crc = std::nullopt) {
  const uint32_t sum = crc ? *crc : crc32Of(data);
  auto le = [](std::string &s, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      s.push_back(char((v >> (8 * i)) & 0xff));
  };
  std::string zip;
  le(zip, 0x04034b50, 4);
  le(zip, 20, 2), le(zip, 0, 2), le(zip, method, 2), le(zip, 0, 4);
  le(zip, sum, 4), le(zip, packed, 4), le(zip, unpacked, 4);
  le(zip, name.size(), 2), le(zip, 0, 2);
  zip += name + data;
  size_t dir = zip.size();
  le(zip, 0x02014b50, 4);
  le(zip, 20, 2), le(zip, 20, 2), le(zip, 0, 2), le(zip, method, 2);
  le(zip, 0, 4), le(zip, sum, 4), le(zip, packed, 4), le(zip, unpacked, 4);
  le(zip, name.size(), 2), le(zip, 0, 2), le(zip, 0, 2), le(zip, 0, 2);
  le(zip, 0, 2), le(zip, 0, 4), le(zip, 0, 4);
  zip += name;
  size_t dirSize = zip.size() - dir;
  le(zip, 0x06054b50, 4);
  le(zip, 0, 2), le(zip, 0, 2), le(zip, 1, 2), le(zip, 1, 2);
  le(zip, dirSize, 4), le(zip, dir, 4), le(zip, 0, 2);
  return zip;
}

TEST_F(RuntimeNpyTest, ReadsStoredNpzMembers) {
  std::string npy = numpyArange6();
  writeBytes(path("a.npz"), zipOf("x.npy", npy, 0, uint32_t(npy.size()),
                                  uint32_t(npy.size())));
  credo_tensor t;
  ASSERT_EQ(credo_npz_read(path("a.npz").c_str(), "x", &t), CREDO_OK)
      << credo_last_error();
  ASSERT_EQ(credo_tensor_numel(&t), 6);
  credo_tensor_free(&t);
  EXPECT_EQ(credo_npz_read(path("a.npz").c_str(), "y", &t),
            CREDO_ERR_NOT_FOUND);
  EXPECT_NE(std::string(credo_last_error()).find("(arrays: x)"),
            std::string::npos)
      << credo_last_error();
}

// A member whose bytes changed after it was written (here one bit of a
// stored float) fails its checksum instead of being read as data.
TEST_F(RuntimeNpyTest, NpzChecksMemberCrc) {
  std::string npy = numpyArange6();
  const uint32_t crc = crc32Of(npy);
  EXPECT_EQ(crc32Of("123456789"), 0xcbf43926u); // the standard check value
  npy[npy.size() - 3] ^= 0x01;
  writeBytes(path("f.npz"), zipOf("x.npy", npy, 0, uint32_t(npy.size()),
                                  uint32_t(npy.size()), crc));
  credo_tensor t;
  EXPECT_EQ(credo_npz_read(path("f.npz").c_str(), "x", &t), CREDO_ERR_FORMAT);
  EXPECT_NE(std::string(credo_last_error())
                .find("f.npz: ZIP entry 'x.npy' fails its CRC-32 check"),
            std::string::npos)
      << credo_last_error();
}

// Found by the npy fuzzer: a deflated member claiming gigabytes from a few
// bytes must not be allocated.
TEST_F(RuntimeNpyTest, NpzRefusesImplausibleSizes) {
  writeBytes(path("b.npz"), zipOf("x.npy", "abc", 8, 3, 0x7fffffff));
  credo_tensor t;
  EXPECT_EQ(credo_npz_read(path("b.npz").c_str(), "x", &t), CREDO_ERR_FORMAT);
  EXPECT_NE(std::string(credo_last_error())
                .find("'x.npy' claims 2147483647 bytes from 3 compressed ones"),
            std::string::npos)
      << credo_last_error();
  writeBytes(path("c.npz"), zipOf("x.npy", "abc", 8, 300, 3));
  EXPECT_EQ(credo_npz_read(path("c.npz").c_str(), "x", &t), CREDO_ERR_FORMAT);
  EXPECT_NE(std::string(credo_last_error()).find("truncated ZIP entry"),
            std::string::npos)
      << credo_last_error();
}

TEST_F(RuntimeNpyTest, RoundTripEachDtypeAndRank) {
  std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {2, 3}, {2, 3, 4}, {0, 3}, {1, 1, 1, 1, 1, 1, 1, 2}};
  for (credo_dtype dtype : kAllDtypes) {
    for (const auto &shape : shapes) {
      SCOPED_TRACE(std::string(credo_dtype_name(dtype)) + " rank " +
                   std::to_string(shape.size()));
      OwnedTensor in(dtype, shape);
      std::string file = path("a.npy");
      ASSERT_EQ(credo_npy_write(file.c_str(), &in.t), CREDO_OK)
          << credo_last_error();
      // numpy pads the preamble and header to a multiple of 64 bytes.
      std::string bytes = readBytes(file);
      ASSERT_GE(bytes.size(), 10u);
      size_t headerLen = uint8_t(bytes[8]) | (uint8_t(bytes[9]) << 8);
      EXPECT_EQ((10 + headerLen) % 64, 0u);
      EXPECT_EQ(bytes[10 + headerLen - 1], '\n');
      EXPECT_EQ(bytes.size(), 10 + headerLen + credo_tensor_nbytes(&in.t));

      credo_tensor out;
      ASSERT_EQ(credo_npy_read(file.c_str(), &out), CREDO_OK)
          << credo_last_error();
      expectSameTensor(in.t, out);
      credo_tensor_free(&out);
    }
  }
}

TEST_F(RuntimeNpyTest, ReadsWhatNumpySaveWrites) {
  std::string file = path("arange.npy");
  writeBytes(file, numpyArange6());
  credo_tensor t;
  ASSERT_EQ(credo_npy_read(file.c_str(), &t), CREDO_OK) << credo_last_error();
  EXPECT_EQ(t.dtype, CREDO_F32);
  ASSERT_EQ(t.rank, 2);
  EXPECT_EQ(t.shape[0], 2);
  EXPECT_EQ(t.shape[1], 3);
  const float *v = static_cast<const float *>(t.data);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(v[i], static_cast<float>(i));
  credo_tensor_free(&t);
}

TEST_F(RuntimeNpyTest, WritesWhatNumpySaveWrites) {
  credo_tensor t;
  int64_t shape[] = {2, 3};
  ASSERT_EQ(credo_tensor_alloc(&t, CREDO_F32, 2, shape), CREDO_OK);
  for (int i = 0; i < 6; ++i)
    static_cast<float *>(t.data)[i] = static_cast<float>(i);
  std::string file = path("mine.npy");
  ASSERT_EQ(credo_npy_write(file.c_str(), &t), CREDO_OK) << credo_last_error();
  credo_tensor_free(&t);
  EXPECT_EQ(readBytes(file), numpyArange6());
}

TEST_F(RuntimeNpyTest, WritesNumpyHeadersForScalarsAndLongAxes) {
  // numpy.save of np.float64(2.5) (rank 0: no growth padding) and of a 1-D
  // int64 array of length 3 (growth padding of 21 - 1 spaces).
  credo_tensor t;
  ASSERT_EQ(credo_tensor_alloc(&t, CREDO_F64, 0, nullptr), CREDO_OK);
  *static_cast<double *>(t.data) = 2.5;
  std::string file = path("scalar.npy");
  ASSERT_EQ(credo_npy_write(file.c_str(), &t), CREDO_OK);
  credo_tensor_free(&t);
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (), }";
  std::string expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict +
                         std::string(117 - dict.size(), ' ') + "\n" +
                         std::string("\x00\x00\x00\x00\x00\x00\x04\x40", 8);
  EXPECT_EQ(readBytes(file), expected);

  int64_t shape[] = {3};
  ASSERT_EQ(credo_tensor_alloc(&t, CREDO_I64, 1, shape), CREDO_OK);
  for (int i = 0; i < 3; ++i)
    static_cast<int64_t *>(t.data)[i] = i - 1;
  ASSERT_EQ(credo_npy_write(file.c_str(), &t), CREDO_OK);
  credo_tensor_free(&t);
  dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
  expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict +
             std::string(117 - dict.size(), ' ') + "\n" + i64le({-1, 0, 1});
  EXPECT_EQ(readBytes(file), expected);
}

TEST_F(RuntimeNpyTest, ReadsOtherVersionsAndSpellings) {
  struct Case {
    std::string bytes;
    credo_dtype dtype;
    std::vector<int64_t> shape;
  };
  std::vector<Case> cases = {
      // Format 2.0 and 3.0 (u32 header length).
      {npyFile(npyDict("<i4", "(2,)"), i32le({7, -8}), 2), CREDO_I32, {2}},
      {npyFile(npyDict("<i4", "(2,)"), i32le({7, -8}), 3), CREDO_I32, {2}},
      // Native and "not applicable" byte orders on a little-endian host.
      {npyFile(npyDict("=i8", "(1, 1)"), i64le({5})), CREDO_I64, {1, 1}},
      {npyFile(npyDict("|i4", "()"), i32le({5})), CREDO_I32, {}},
      // Old numpy: 16-byte alignment, Python 2 long literals, double quotes,
      // other key order, no trailing comma, extra whitespace.
      {npyFile(npyDict("<i4", "(2L,)"), i32le({1, 2}), 1, 16), CREDO_I32, {2}},
      {npyFile("{\"shape\": ( 1 , 2 ), \"fortran_order\": False, "
               "\"descr\": \"<i4\"}",
               i32le({1, 2})),
       CREDO_I32,
       {1, 2}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    std::string file = path("v.npy");
    writeBytes(file, cases[i].bytes);
    credo_tensor t;
    ASSERT_EQ(credo_npy_read(file.c_str(), &t), CREDO_OK) << credo_last_error();
    EXPECT_EQ(t.dtype, cases[i].dtype);
    ASSERT_EQ(t.rank, static_cast<int32_t>(cases[i].shape.size()));
    for (int32_t d = 0; d < t.rank; ++d)
      EXPECT_EQ(t.shape[d], cases[i].shape[d]);
    credo_tensor_free(&t);
  }
}

TEST_F(RuntimeNpyTest, RejectsBadInputs) {
  std::string good = npyFile(npyDict("<i4", "(2,)"), i32le({1, 2}));
  struct Case {
    const char *what;
    std::string bytes;
    std::string fragment;
  };
  std::vector<Case> cases = {
      {"empty file", "", "not a .npy file"},
      {"bad magic", "PK\x03\x04 this is a zip file",
       "not a .npy file (bad magic)"},
      {"short magic", std::string("\x93NUM", 4), "truncated"},
      {"no header length", std::string("\x93NUMPY\x01\x00\x10", 9),
       "truncated"},
      {"bad version", npyFile(npyDict("<i4", "(2,)"), i32le({1, 2}), 4),
       "unsupported .npy format version 4.0"},
      {"header longer than file",
       std::string("\x93NUMPY\x01\x00\xff\xff", 10) + "{'descr'", "truncated"},
      {"truncated data", good.substr(0, good.size() - 3),
       "truncated: expected 8 bytes of data, found 5"},
      {"trailing bytes", good + "x", "trailing bytes"},
      {"big-endian", npyFile(npyDict(">f4", "(1,)"), "abcd"), "big-endian"},
      {"fortran order",
       npyFile(npyDict("<f4", "(2, 2)", "True"), std::string(16, '\0')),
       "fortran_order"},
      {"float16", npyFile(npyDict("<f2", "(2,)"), "abcd"),
       "unsupported dtype '<f2'"},
      {"bool", npyFile(npyDict("|b1", "(2,)"), "ab"),
       "unsupported dtype '|b1'"},
      {"int8", npyFile(npyDict("|i1", "(2,)"), "ab"),
       "unsupported dtype '|i1'"},
      {"uint16", npyFile(npyDict("<u2", "(2,)"), "abcd"),
       "unsupported dtype '<u2'"},
      {"uint32", npyFile(npyDict("<u4", "(1,)"), "abcd"),
       "unsupported dtype '<u4'"},
      {"complex", npyFile(npyDict("<c8", "(1,)"), "abcdefgh"),
       "unsupported dtype '<c8'"},
      {"object", npyFile(npyDict("|O", "(1,)"), "abcdefgh"),
       "unsupported dtype '|O'"},
      {"unicode", npyFile(npyDict("<U2", "(1,)"), "abcdefgh"),
       "unsupported dtype '<U2'"},
      {"structured",
       npyFile("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': "
               "(1,), }",
               "abcd"),
       "structured"},
      {"no newline",
       std::string("\x93NUMPY\x01\x00\x05\x00", 10) + "{'a'}" + "abcd",
       "malformed header"},
      {"unclosed dict", npyFile("{'descr': '<i4', 'shape': (2,)", "abcdefgh"),
       "malformed header"},
      {"unknown key",
       npyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), "
               "'extra': 1, }",
               i32le({1, 2})),
       "unexpected key 'extra'"},
      {"missing key", npyFile("{'descr': '<i4', 'shape': (2,), }", "abcdefgh"),
       "missing key 'fortran_order'"},
      {"duplicate key",
       npyFile("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, "
               "'shape': (2,), }",
               i32le({1, 2})),
       "duplicate key"},
      {"not a dict", npyFile("[1, 2]", ""), "malformed header"},
      {"text after dict", npyFile(npyDict("<i4", "(2,)") + " x", i32le({1, 2})),
       "malformed header"},
      {"int is not a tuple", npyFile(npyDict("<i4", "(2)"), i32le({1, 2})),
       "not a tuple"},
      {"negative dimension", npyFile(npyDict("<i4", "(-2,)"), i32le({1, 2})),
       "negative"},
      {"float dimension", npyFile(npyDict("<i4", "(2.0,)"), i32le({1, 2})),
       "malformed header"},
      {"rank 9", npyFile(npyDict("<i4", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"), "abcd"),
       "more than 8 dimensions"},
      {"huge dimension",
       npyFile(npyDict("<i4", "(99999999999999999999999,)"), "abcd"),
       "too large"},
      {"element count overflow",
       npyFile(npyDict("<i4", "(4294967296, 4294967296)"), "abcd"),
       "too large"},
      {"shape beyond the data",
       npyFile(npyDict("<i4", "(1099511627776,)"), "abcd"),
       "truncated: expected 4398046511104 bytes of data, found 4"},
      {"bad fortran_order", npyFile(npyDict("<i4", "(2,)", "0"), i32le({1, 2})),
       "fortran_order"},
      {"escape in string", npyFile(npyDict("<i\\x34", "(2,)"), i32le({1, 2})),
       "malformed header"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    std::string file = path("bad.npy");
    writeBytes(file, c.bytes);
    credo_tensor t;
    t.data = reinterpret_cast<void *>(1); // Must be cleared on failure.
    EXPECT_TRUE(failsWith(credo_npy_read(file.c_str(), &t), CREDO_ERR_FORMAT,
                          file, c.fragment));
    EXPECT_EQ(t.data, nullptr);
  }
}

TEST_F(RuntimeNpyTest, RejectsMissingFileAndNullArguments) {
  std::string file = path("missing.npy");
  credo_tensor t;
  EXPECT_TRUE(failsWith(credo_npy_read(file.c_str(), &t), CREDO_ERR_IO, file,
                        "No such file"));
  EXPECT_TRUE(failsWith(credo_npy_read(dir.c_str(), &t), CREDO_ERR_IO, dir,
                        "cannot read"));
  EXPECT_EQ(credo_npy_read(nullptr, &t), CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(credo_npy_read(file.c_str(), nullptr), CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(credo_npy_write(file.c_str(), nullptr), CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(credo_npy_write(nullptr, &t), CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_FALSE(exists(file));
}

TEST_F(RuntimeNpyTest, SurvivesTruncationAndCorruption) {
  std::string good = numpyArange6();
  std::string file = path("fuzz.npy");
  for (size_t n = 0; n < good.size(); ++n) {
    writeBytes(file, good.substr(0, n));
    credo_tensor t;
    EXPECT_EQ(credo_npy_read(file.c_str(), &t), CREDO_ERR_FORMAT)
        << "length " << n;
    EXPECT_EQ(t.data, nullptr);
  }
  // Every byte of the preamble and header set to a few interesting values:
  // any status is fine, but no crash, and success only with a valid tensor.
  const unsigned char values[] = {0x00, 0x0a, 0x27, 0x2c, 0x39, 0xff};
  for (size_t i = 0; i < 128; ++i) {
    for (unsigned char v : values) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(v);
      writeBytes(file, bytes);
      credo_tensor t;
      credo_status s = credo_npy_read(file.c_str(), &t);
      if (s == CREDO_OK) {
        EXPECT_EQ(credo_tensor_nbytes(&t), 24u);
        credo_tensor_free(&t);
      } else {
        EXPECT_EQ(t.data, nullptr);
      }
    }
  }
}

TEST_F(RuntimeNpyTest, RejectsInvalidTensorsOnWrite) {
  std::string file = path("w.npy");
  credo_tensor t;
  std::memset(&t, 0, sizeof(t));
  t.dtype = CREDO_F32;
  t.rank = 9;
  EXPECT_TRUE(failsWith(credo_npy_write(file.c_str(), &t),
                        CREDO_ERR_INVALID_ARGUMENT, file, "rank"));
  t.rank = 1;
  t.shape[0] = -1;
  EXPECT_TRUE(failsWith(credo_npy_write(file.c_str(), &t),
                        CREDO_ERR_INVALID_ARGUMENT, file, "shape"));
  t.shape[0] = 4;
  EXPECT_TRUE(failsWith(credo_npy_write(file.c_str(), &t),
                        CREDO_ERR_INVALID_ARGUMENT, file, "without data"));
  EXPECT_TRUE(listDir().empty());
}

//===--- Atomic writes ----------------------------------------------------===//

TEST_F(RuntimeNpyTest, FailedWritesLeaveTargetsUntouched) {
  OwnedTensor a(CREDO_F32, {2, 3});
  OwnedTensor b(CREDO_I64, {4});

  // A directory that does not exist: an I/O error, and nothing is created.
  std::string nowhere = path("no-such-dir/x.npy");
  EXPECT_TRUE(failsWith(credo_npy_write(nowhere.c_str(), &a.t), CREDO_ERR_IO,
                        nowhere, "cannot write"));
  EXPECT_FALSE(exists(path("no-such-dir")));
  EXPECT_TRUE(listDir().empty());

  // A successful overwrite replaces the old content and leaves no temporary.
  std::string file = path("x.npy");
  ASSERT_EQ(credo_npy_write(file.c_str(), &a.t), CREDO_OK);
  std::string before = readBytes(file);
  ASSERT_EQ(credo_npy_write(file.c_str(), &b.t), CREDO_OK);
  EXPECT_NE(readBytes(file), before);
  EXPECT_EQ(listDir(), std::vector<std::string>{"x.npy"});
  credo_tensor out;
  ASSERT_EQ(credo_npy_read(file.c_str(), &out), CREDO_OK);
  expectSameTensor(b.t, out);
  credo_tensor_free(&out);

  // A rejected write keeps the existing file as it was.
  before = readBytes(file);
  credo_tensor bad = a.t;
  bad.rank = -1;
  EXPECT_EQ(credo_npy_write(file.c_str(), &bad), CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(readBytes(file), before);

  // A write that fails at the rename (the target is a directory) removes its
  // temporary file and leaves the target alone.
  std::string sub = path("sub");
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  EXPECT_TRUE(
      failsWith(credo_npy_write(sub.c_str(), &a.t), CREDO_ERR_IO, sub, ""));
  EXPECT_EQ(listDir(), (std::vector<std::string>{"sub", "x.npy"}));
  ::rmdir(sub.c_str());
}

// Targets that are not regular files are never replaced: a symbolic link's
// target is written (the link stays), character devices and FIFOs are
// written through, a FIFO without a reader is an error rather than a wait,
// and a directory is refused.
TEST_F(RuntimeNpyTest, NeverReplacesWhatIsNotARegularFile) {
  OwnedTensor a(CREDO_F32, {2, 3});
  std::string target = path("target.npy"), link = path("link.npy");
  ASSERT_EQ(credo_npy_write(target.c_str(), &a.t), CREDO_OK);
  ASSERT_EQ(::symlink("target.npy", link.c_str()), 0);
  OwnedTensor b(CREDO_I64, {4});
  ASSERT_EQ(credo_npy_write(link.c_str(), &b.t), CREDO_OK);
  struct stat st;
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  credo_tensor out;
  ASSERT_EQ(credo_npy_read(target.c_str(), &out), CREDO_OK);
  expectSameTensor(b.t, out);
  credo_tensor_free(&out);
  EXPECT_EQ(listDir(), (std::vector<std::string>{"link.npy", "target.npy"}));
  // A link to a file that does not exist yet: the file is created there.
  std::string dangling = path("dangling.npy");
  ASSERT_EQ(::symlink("later.npy", dangling.c_str()), 0);
  ASSERT_EQ(credo_npy_write(dangling.c_str(), &b.t), CREDO_OK)
      << credo_last_error();
  ASSERT_EQ(::lstat(dangling.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(credo_npy_read(path("later.npy").c_str(), &out), CREDO_OK);
  expectSameTensor(b.t, out);
  credo_tensor_free(&out);
  ::unlink(dangling.c_str());
  ::unlink(path("later.npy").c_str());

  // /dev/null takes the bytes and stays a device.
  ASSERT_EQ(credo_npy_write("/dev/null", &a.t), CREDO_OK);
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  // /dev/full reports its error and stays a device (as root, a rename
  // used to replace it with a regular file).
  if (::stat("/dev/full", &st) == 0) {
    EXPECT_TRUE(failsWith(credo_npy_write("/dev/full", &a.t), CREDO_ERR_IO,
                          "/dev/full", "character device"));
    ASSERT_EQ(::stat("/dev/full", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
  }

  std::string fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_TRUE(failsWith(credo_npy_write(fifo.c_str(), &a.t), CREDO_ERR_IO, fifo,
                        "no reader"));
  std::string received;
  std::thread reader([&] {
    std::ifstream in(fifo, std::ios::binary);
    received.assign(std::istreambuf_iterator<char>(in), {});
  });
  credo_status status = CREDO_ERR_IO;
  for (int tries = 0; tries < 500 && status != CREDO_OK; ++tries) {
    status = credo_npy_write(fifo.c_str(), &a.t); // once the reader is there
    if (status != CREDO_OK)
      ::usleep(2000);
  }
  reader.join();
  EXPECT_EQ(status, CREDO_OK) << credo_last_error();
  ASSERT_EQ(credo_npy_write(target.c_str(), &a.t), CREDO_OK);
  EXPECT_EQ(received, readBytes(target));
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));

  std::string sub = path("sub");
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  EXPECT_TRUE(failsWith(credo_npy_write(sub.c_str(), &a.t), CREDO_ERR_IO, sub,
                        "it is a directory, not a regular file"));
  ::rmdir(sub.c_str());
}

TEST_F(RuntimeNpyTest, ReadersRefuseWhatIsNotARegularFile) {
  // A FIFO without a writer would block forever, /dev/zero never ends: each
  // reader refuses them at once, naming the file.
  std::string fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string &file : {fifo, std::string("/dev/zero")}) {
    credo_tensor t{};
    EXPECT_TRUE(failsWith(credo_npy_read(file.c_str(), &t), CREDO_ERR_IO, file,
                          "not a regular file"));
    EXPECT_TRUE(failsWith(credo_csv_read(file.c_str(), &t), CREDO_ERR_IO, file,
                          "not a regular file"));
    EXPECT_TRUE(failsWith(credo_idx_read(file.c_str(), &t), CREDO_ERR_IO, file,
                          "not a regular file"));
    credo_tensor_set set{};
    EXPECT_TRUE(failsWith(credo_safetensors_read(file.c_str(), &set),
                          CREDO_ERR_IO, file, "not a regular file"));
  }
}

//===--- CSV
//---------------------------------------------------------------===//

TEST_F(RuntimeNpyTest, CsvReadsF32OrF64) {
  // f32 rounds 2.0000001 to 2 and 16777217 to 16777216; f64 keeps what is
  // written, and takes values beyond f32's range.
  std::string file = path("t.csv");
  {
    std::ofstream os(file);
    os << "a,b\n2.0000001,16777217\n0.5,-3\n";
  }
  credo_tensor f{}, d{};
  ASSERT_EQ(credo_csv_read(file.c_str(), &f), CREDO_OK);
  ASSERT_EQ(credo_csv_read_f64(file.c_str(), &d), CREDO_OK);
  ASSERT_EQ(f.dtype, CREDO_F32);
  ASSERT_EQ(d.dtype, CREDO_F64);
  for (const credo_tensor *t : {&f, &d}) {
    ASSERT_EQ(t->rank, 2);
    EXPECT_EQ(t->shape[0], 2);
    EXPECT_EQ(t->shape[1], 2);
  }
  const auto *fv = static_cast<const float *>(f.data);
  const auto *dv = static_cast<const double *>(d.data);
  EXPECT_EQ(fv[0], 2.0f);
  EXPECT_EQ(fv[1], 16777216.0f);
  EXPECT_EQ(dv[0], 2.0000001);
  EXPECT_EQ(dv[1], 16777217.0);
  EXPECT_EQ(fv[2], 0.5f);
  EXPECT_EQ(dv[3], -3.0);
  credo_tensor_free(&f);
  credo_tensor_free(&d);

  {
    std::ofstream os(file);
    os << "1e39,1\n";
  }
  EXPECT_TRUE(failsWith(credo_csv_read(file.c_str(), &f), CREDO_ERR_FORMAT,
                        file, ":1: field 1 is not a finite number"));
  ASSERT_EQ(credo_csv_read_f64(file.c_str(), &d), CREDO_OK);
  EXPECT_EQ(static_cast<const double *>(d.data)[0], 1e39);
  credo_tensor_free(&d);
  EXPECT_EQ(credo_csv_read_f64(nullptr, &d), CREDO_ERR_INVALID_ARGUMENT);
}

//===--- IDX
//---------------------------------------------------------------===//

class RuntimeIdxTest : public RuntimeIoTestBase {};

// Images [N, rows, cols] of unsigned bytes: kept as u8 [N, rows*cols] by
// credo_idx_read_u8, scaled to f32 v / 255 by credo_idx_read; labels are
// i32 either way.
TEST_F(RuntimeIdxTest, ReadsBytesOrScaledFloats) {
  std::string images = std::string("\0\0\x08\x03", 4) +
                       std::string("\0\0\0\x02\0\0\0\x02\0\0\0\x03", 12);
  for (int i = 0; i < 12; ++i)
    images += static_cast<char>(i * 23);
  writeBytes(path("images.idx"), images);
  writeBytes(path("labels.idx"),
             std::string("\0\0\x08\x01\0\0\0\x02\x07\x09", 10));

  credo_tensor bytes, floats, labels;
  ASSERT_EQ(credo_idx_read_u8(path("images.idx").c_str(), &bytes), CREDO_OK)
      << credo_last_error();
  ASSERT_EQ(credo_idx_read(path("images.idx").c_str(), &floats), CREDO_OK);
  ASSERT_EQ(credo_idx_read_u8(path("labels.idx").c_str(), &labels), CREDO_OK);
  EXPECT_EQ(bytes.dtype, CREDO_U8);
  ASSERT_EQ(bytes.rank, 2);
  EXPECT_EQ(bytes.shape[0], 2);
  EXPECT_EQ(bytes.shape[1], 6);
  for (int i = 0; i < 12; ++i) {
    uint8_t b = static_cast<const uint8_t *>(bytes.data)[i];
    EXPECT_EQ(b, static_cast<uint8_t>(i * 23));
    EXPECT_EQ(static_cast<const float *>(floats.data)[i], float(b) / 255.0f);
  }
  EXPECT_EQ(labels.dtype, CREDO_I32);
  EXPECT_EQ(static_cast<const int32_t *>(labels.data)[1], 9);
  credo_tensor_free(&bytes);
  credo_tensor_free(&floats);
  credo_tensor_free(&labels);
}

// The images' rows and columns come from the header alone; a labels file
// or a file that is not IDX is refused.
TEST_F(RuntimeIdxTest, ImageShapeFromTheHeader) {
  std::string images = std::string("\0\0\x08\x03", 4) +
                       std::string("\0\0\0\x02\0\0\0\x02\0\0\0\x03", 12) +
                       std::string(12, '\x01');
  writeBytes(path("shape.idx"), images);
  writeBytes(path("labels.idx"),
             std::string("\0\0\x08\x01\0\0\0\x02\x07\x09", 10));
  writeBytes(path("text.idx"), "not an idx file at all");
  int64_t rows = 0, cols = 0;
  ASSERT_EQ(credo_idx_image_shape(path("shape.idx").c_str(), &rows, &cols),
            CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(rows, 2);
  EXPECT_EQ(cols, 3);
  EXPECT_TRUE(
      failsWith(credo_idx_image_shape(path("labels.idx").c_str(), &rows, &cols),
                CREDO_ERR_FORMAT, "labels.idx", "expected images (rank 3)"));
  EXPECT_TRUE(
      failsWith(credo_idx_image_shape(path("text.idx").c_str(), &rows, &cols),
                CREDO_ERR_FORMAT, "text.idx", "not an IDX file"));
}

// An image size past the limit is refused also when there are no images
// to multiply it by (rows · cols overflowed into a negative dimension).
TEST_F(RuntimeIdxTest, HugeImagesWithoutImagesAreRefused) {
  std::string file = path("huge.idx");
  writeBytes(file, std::string("\0\0\x08\x03\0\0\0\0", 8) +
                       std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8));
  credo_tensor t;
  EXPECT_TRUE(failsWith(credo_idx_read_u8(file.c_str(), &t), CREDO_ERR_FORMAT,
                        file, "dimensions too large"));
}

//===--- safetensors ------------------------------------------------------===//

class RuntimeSafetensorsTest : public RuntimeIoTestBase {};

TEST_F(RuntimeSafetensorsTest, RoundTripWithMetadata) {
  OwnedTensor w(CREDO_F32, {2, 3, 4});
  OwnedTensor b(CREDO_F64, {3});
  OwnedTensor step(CREDO_I64, {});
  OwnedTensor empty(CREDO_I32, {0, 5});
  OwnedTensor idx(CREDO_I32, {7});
  std::vector<credo_named_tensor> in = {
      {const_cast<char *>("layer.weight"), w.t},
      {const_cast<char *>("layer.bias"), b.t},
      {const_cast<char *>("step"), step.t},
      {const_cast<char *>("empty"), empty.t},
      {const_cast<char *>("idx"), idx.t},
  };
  const char *keys[] = {"format", "credo.version"};
  const char *values[] = {"pt", "1 \"quoted\" \xc3\xa9"};
  std::string file = path("m.safetensors");
  ASSERT_EQ(credo_safetensors_write(file.c_str(), in.data(), in.size(), keys,
                                    values, 2),
            CREDO_OK)
      << credo_last_error();

  std::string bytes = readBytes(file);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(uint8_t(bytes[i])) << (8 * i);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.compare(8, 17, "{\"__metadata__\":{"), 0);

  credo_tensor_set set;
  ASSERT_EQ(credo_safetensors_read(file.c_str(), &set), CREDO_OK)
      << credo_last_error();
  ASSERT_EQ(set.count, in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    SCOPED_TRACE(in[i].name);
    EXPECT_STREQ(set.items[i].name, in[i].name);
    expectSameTensor(in[i].tensor, set.items[i].tensor);
  }
  ASSERT_EQ(set.metadata_count, 2u);
  EXPECT_STREQ(set.metadata_keys[0], "format");
  EXPECT_STREQ(set.metadata_values[0], "pt");
  EXPECT_STREQ(set.metadata_keys[1], "credo.version");
  EXPECT_STREQ(set.metadata_values[1], values[1]);
  credo_tensor_set_free(&set);
  EXPECT_EQ(set.items, nullptr);
  EXPECT_EQ(set.count, 0u);
  credo_tensor_set_free(&set); // A freed set can be freed again.
}

TEST_F(RuntimeSafetensorsTest, WritesWhatTheReferenceWrites) {
  // The reference implementation's own serialization tests: one F32 [1, 2, 3]
  // tensor (a 64-byte header, no padding); no tensors ("{}" and 6 spaces);
  // no tensors with metadata {"framework": "pt"} (35 bytes and 5 spaces).
  float data[6] = {0, 1, 2, 3, 4, 5};
  credo_named_tensor t = {const_cast<char *>("attn.0"),
                          {CREDO_F32, 3, {1, 2, 3}, data}};
  std::string file = path("ref.safetensors");
  ASSERT_EQ(credo_safetensors_write(file.c_str(), &t, 1, nullptr, nullptr, 0),
            CREDO_OK);
  std::string header =
      "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,"
      "24]}}";
  ASSERT_EQ(header.size(), 64u);
  std::string floats("\x00\x00\x00\x00"
                     "\x00\x00\x80\x3f"
                     "\x00\x00\x00\x40"
                     "\x00\x00\x40\x40"
                     "\x00\x00\x80\x40"
                     "\x00\x00\xa0\x40",
                     24);
  EXPECT_EQ(readBytes(file), u64le(64) + header + floats);

  ASSERT_EQ(
      credo_safetensors_write(file.c_str(), nullptr, 0, nullptr, nullptr, 0),
      CREDO_OK);
  EXPECT_EQ(readBytes(file), u64le(8) + "{}      ");

  const char *key = "framework";
  const char *value = "pt";
  ASSERT_EQ(credo_safetensors_write(file.c_str(), nullptr, 0, &key, &value, 1),
            CREDO_OK);
  EXPECT_EQ(readBytes(file),
            u64le(40) + "{\"__metadata__\":{\"framework\":\"pt\"}}     ");
}

TEST_F(RuntimeSafetensorsTest, ReadsHandBuiltFile) {
  // Header order differs from data order; the reader returns data order.
  std::string header =
      "{\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[8,24]},"
      "\"__metadata__\":{\"format\":\"pt\"},"
      "\"a\":{\"dtype\":\"I32\",\"shape\":[2,1],\"data_offsets\":[0,8]},"
      "\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[24,32]}}";
  std::string data = i32le({-1, 2}) + i64le({int64_t(1) << 40, -3}) +
                     std::string("\x00\x00\x00\x00\x00\x00\x04\x40", 8);
  std::string file = path("hand.safetensors");
  writeBytes(file, safetensorsFile(header, data));

  credo_tensor_set set;
  ASSERT_EQ(credo_safetensors_read(file.c_str(), &set), CREDO_OK)
      << credo_last_error();
  ASSERT_EQ(set.count, 3u);
  EXPECT_STREQ(set.items[0].name, "a");
  EXPECT_EQ(set.items[0].tensor.dtype, CREDO_I32);
  ASSERT_EQ(set.items[0].tensor.rank, 2);
  EXPECT_EQ(set.items[0].tensor.shape[0], 2);
  EXPECT_EQ(set.items[0].tensor.shape[1], 1);
  EXPECT_EQ(static_cast<int32_t *>(set.items[0].tensor.data)[0], -1);
  EXPECT_EQ(static_cast<int32_t *>(set.items[0].tensor.data)[1], 2);
  EXPECT_STREQ(set.items[1].name, "b");
  EXPECT_EQ(set.items[1].tensor.dtype, CREDO_I64);
  EXPECT_EQ(static_cast<int64_t *>(set.items[1].tensor.data)[0], int64_t(1)
                                                                     << 40);
  EXPECT_EQ(static_cast<int64_t *>(set.items[1].tensor.data)[1], -3);
  EXPECT_STREQ(set.items[2].name, "s");
  EXPECT_EQ(set.items[2].tensor.rank, 0);
  EXPECT_EQ(*static_cast<double *>(set.items[2].tensor.data), 2.5);
  ASSERT_EQ(set.metadata_count, 1u);
  EXPECT_STREQ(set.metadata_keys[0], "format");
  EXPECT_STREQ(set.metadata_values[0], "pt");
  credo_tensor_set_free(&set);
}

TEST_F(RuntimeSafetensorsTest, RejectsBadInputs) {
  auto entry = [](const std::string &name, const std::string &dtype,
                  const std::string &shape, uint64_t begin, uint64_t end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
           ",\"data_offsets\":[" + std::to_string(begin) + "," +
           std::to_string(end) + "]}";
  };
  std::string a = entry("a", "F32", "[2]", 0, 8);
  std::string eight(8, '\0');
  struct Case {
    const char *what;
    std::string bytes;
    std::string fragment;
  };
  std::vector<Case> cases = {
      {"empty file", "", "too short"},
      {"short file", "\x08\x00\x00", "too short"},
      {"header larger than file", u64le(1000) + "{}", "larger than the rest"},
      {"header over 100 MB", u64le(100'000'001) + "{}", "exceeds the limit"},
      {"header size 2^64-1", u64le(~uint64_t(0)) + "{}", "exceeds the limit"},
      {"zero header", u64le(0) + eight, "does not start with '{'"},
      {"array header", safetensorsFile("[]", ""), "does not start with '{'"},
      {"bad JSON", safetensorsFile("{\"a\":", ""), "not valid JSON"},
      {"deep nesting",
       safetensorsFile("{\"a\":" + std::string(100000, '[') +
                           std::string(100000, ']') + "}",
                       ""),
       "levels deep"},
      {"invalid UTF-8", safetensorsFile("{\"\xff\":1}", ""), "not valid JSON"},
      {"NUL padding", u64le(8) + std::string("{}\0\0\0\0\0\0", 8),
       "not valid JSON"},
      {"entry not an object", safetensorsFile("{\"a\":3}", ""),
       "tensor 'a': the entry is not a JSON object"},
      {"unknown dtype",
       safetensorsFile("{" + entry("w", "XYZ", "[2]", 0, 8) + "}", eight),
       "tensor 'w': unsupported dtype 'XYZ'"},
      {"F16",
       safetensorsFile("{" + entry("w", "F16", "[4]", 0, 8) + "}", eight),
       "tensor 'w': unsupported dtype 'F16'"},
      {"BF16",
       safetensorsFile("{" + entry("w", "BF16", "[4]", 0, 8) + "}", eight),
       "tensor 'w': unsupported dtype 'BF16'"},
      {"I8", safetensorsFile("{" + entry("w", "I8", "[8]", 0, 8) + "}", eight),
       "tensor 'w': unsupported dtype 'I8'"},
      {"size mismatch",
       safetensorsFile("{" + entry("a", "F32", "[3]", 0, 8) + "}", eight),
       "needs 12"},
      {"end before begin",
       safetensorsFile("{" + entry("a", "F32", "[0]", 8, 0) + "}", eight),
       "end before they begin"},
      {"offsets beyond the buffer",
       safetensorsFile("{" + entry("a", "F32", "[4]", 0, 16) + "}", eight),
       "exceed the 8-byte data buffer"},
      {"overlap",
       safetensorsFile("{" + a + "," + entry("b", "F32", "[2]", 4, 12) + "}",
                       std::string(12, '\0')),
       "overlaps tensor 'a'"},
      {"gap",
       safetensorsFile("{" + a + "," + entry("b", "F32", "[1]", 12, 16) + "}",
                       std::string(16, '\0')),
       "belong to no tensor"},
      {"gap at the start",
       safetensorsFile("{" + entry("a", "F32", "[1]", 4, 8) + "}", eight),
       "belong to no tensor"},
      {"trailing bytes", safetensorsFile("{" + a + "}", eight + "xx"),
       "trailing bytes"},
      {"duplicate tensor",
       safetensorsFile("{" + a + "," + a + "}", eight + eight),
       "duplicate key 'a'"},
      {"duplicate metadata",
       safetensorsFile("{\"__metadata__\":{},\"__metadata__\":{}}", ""),
       "duplicate key '__metadata__'"},
      {"duplicate inner key",
       safetensorsFile("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":"
                       "[2],\"data_offsets\":[0,8]}}",
                       eight),
       "duplicate key 'dtype'"},
      {"extra key",
       safetensorsFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                       "\"data_offsets\":[0,8],\"offsets\":[0,8]}}",
                       eight),
       "unexpected key 'offsets'"},
      {"missing key",
       safetensorsFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight),
       "missing 'data_offsets'"},
      {"negative dimension",
       safetensorsFile("{" + entry("a", "F32", "[-2]", 0, 8) + "}", eight),
       "non-negative"},
      {"float dimension",
       safetensorsFile("{" + entry("a", "F32", "[2.0]", 0, 8) + "}", eight),
       "non-negative"},
      {"huge dimension",
       safetensorsFile("{" + entry("a", "F32", "[18446744073709551615]", 0, 8) +
                           "}",
                       eight),
       "too large"},
      {"element count overflow",
       safetensorsFile(
           "{" + entry("a", "F32", "[4294967296,4294967296]", 0, 8) + "}",
           eight),
       "too large"},
      {"rank 9",
       safetensorsFile(
           "{" + entry("a", "F32", "[1,1,1,1,1,1,1,1,2]", 0, 8) + "}", eight),
       "rank 9"},
      {"one offset",
       safetensorsFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                       "\"data_offsets\":[8]}}",
                       eight),
       "'data_offsets' is not a pair"},
      {"metadata not an object",
       safetensorsFile("{\"__metadata__\":[\"x\"]}", ""),
       "'__metadata__' is not a JSON object"},
      {"metadata value not a string",
       safetensorsFile("{\"__metadata__\":{\"epoch\":3}}", ""),
       "is not a string"},
      {"NUL in a name",
       safetensorsFile("{" + entry("a\\u0000b", "F32", "[2]", 0, 8) + "}",
                       eight),
       "NUL"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    std::string file = path("bad.safetensors");
    writeBytes(file, c.bytes);
    credo_tensor_set set;
    set.count = 99; // Must be cleared on failure.
    EXPECT_TRUE(failsWith(credo_safetensors_read(file.c_str(), &set),
                          CREDO_ERR_FORMAT, file, c.fragment));
    EXPECT_EQ(set.count, 0u);
    EXPECT_EQ(set.items, nullptr);
  }
}

TEST_F(RuntimeSafetensorsTest, AcceptsEmptyTensorsAndEmptyFiles) {
  // Several zero-size tensors may share an offset, as the reference allows.
  std::string header =
      "{\"z1\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
      "\"z2\":{\"dtype\":\"I64\",\"shape\":[3,0],\"data_offsets\":[0,0]}}";
  std::string file = path("e.safetensors");
  writeBytes(file, safetensorsFile(header, ""));
  credo_tensor_set set;
  ASSERT_EQ(credo_safetensors_read(file.c_str(), &set), CREDO_OK)
      << credo_last_error();
  ASSERT_EQ(set.count, 2u);
  EXPECT_STREQ(set.items[0].name, "z1");
  EXPECT_STREQ(set.items[1].name, "z2");
  credo_tensor_set_free(&set);

  writeBytes(file, u64le(2) + "{}");
  ASSERT_EQ(credo_safetensors_read(file.c_str(), &set), CREDO_OK)
      << credo_last_error();
  EXPECT_EQ(set.count, 0u);
  EXPECT_EQ(set.metadata_count, 0u);
  credo_tensor_set_free(&set);
}

TEST_F(RuntimeSafetensorsTest, RejectsMissingFileAndBadWrites) {
  std::string file = path("missing.safetensors");
  credo_tensor_set set;
  EXPECT_TRUE(failsWith(credo_safetensors_read(file.c_str(), &set),
                        CREDO_ERR_IO, file, "No such file"));
  EXPECT_EQ(credo_safetensors_read(nullptr, &set), CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(credo_safetensors_read(file.c_str(), nullptr),
            CREDO_ERR_INVALID_ARGUMENT);

  OwnedTensor w(CREDO_F32, {2});
  credo_named_tensor dup[] = {{const_cast<char *>("w"), w.t},
                              {const_cast<char *>("w"), w.t}};
  EXPECT_TRUE(failsWith(
      credo_safetensors_write(file.c_str(), dup, 2, nullptr, nullptr, 0),
      CREDO_ERR_INVALID_ARGUMENT, file, "duplicate tensor 'w'"));
  credo_named_tensor reserved[] = {{const_cast<char *>("__metadata__"), w.t}};
  EXPECT_TRUE(failsWith(
      credo_safetensors_write(file.c_str(), reserved, 1, nullptr, nullptr, 0),
      CREDO_ERR_INVALID_ARGUMENT, file, "__metadata__"));
  credo_named_tensor unnamed[] = {{nullptr, w.t}};
  EXPECT_TRUE(failsWith(
      credo_safetensors_write(file.c_str(), unnamed, 1, nullptr, nullptr, 0),
      CREDO_ERR_INVALID_ARGUMENT, file, "no name"));
  credo_named_tensor badUtf8[] = {{const_cast<char *>("\xff"), w.t}};
  EXPECT_TRUE(failsWith(
      credo_safetensors_write(file.c_str(), badUtf8, 1, nullptr, nullptr, 0),
      CREDO_ERR_INVALID_ARGUMENT, file, "UTF-8"));
  const char *keys[] = {"k", "k"};
  const char *values[] = {"1", "2"};
  EXPECT_TRUE(failsWith(
      credo_safetensors_write(file.c_str(), nullptr, 0, keys, values, 2),
      CREDO_ERR_INVALID_ARGUMENT, file, "duplicate metadata key 'k'"));
  EXPECT_TRUE(failsWith(
      credo_safetensors_write(file.c_str(), nullptr, 0, nullptr, nullptr, 1),
      CREDO_ERR_INVALID_ARGUMENT, file, "metadata"));
  EXPECT_TRUE(listDir().empty());

  std::string nowhere = path("no-such-dir/x.safetensors");
  EXPECT_TRUE(failsWith(
      credo_safetensors_write(nowhere.c_str(), dup, 1, nullptr, nullptr, 0),
      CREDO_ERR_IO, nowhere, "cannot write"));
  EXPECT_TRUE(listDir().empty());
}

TEST_F(RuntimeSafetensorsTest, OverwritesAtomically) {
  OwnedTensor a(CREDO_F32, {3});
  OwnedTensor b(CREDO_F64, {2, 2});
  credo_named_tensor first[] = {{const_cast<char *>("a"), a.t}};
  credo_named_tensor second[] = {{const_cast<char *>("b"), b.t}};
  std::string file = path("ckpt.safetensors");
  ASSERT_EQ(
      credo_safetensors_write(file.c_str(), first, 1, nullptr, nullptr, 0),
      CREDO_OK);
  std::string before = readBytes(file);

  // A rejected write keeps the old checkpoint.
  credo_named_tensor bad[] = {{const_cast<char *>("b"), b.t},
                              {const_cast<char *>("b"), b.t}};
  EXPECT_EQ(credo_safetensors_write(file.c_str(), bad, 2, nullptr, nullptr, 0),
            CREDO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(readBytes(file), before);

  ASSERT_EQ(
      credo_safetensors_write(file.c_str(), second, 1, nullptr, nullptr, 0),
      CREDO_OK);
  EXPECT_EQ(listDir(), std::vector<std::string>{"ckpt.safetensors"});
  credo_tensor_set set;
  ASSERT_EQ(credo_safetensors_read(file.c_str(), &set), CREDO_OK);
  ASSERT_EQ(set.count, 1u);
  EXPECT_STREQ(set.items[0].name, "b");
  expectSameTensor(b.t, set.items[0].tensor);
  credo_tensor_set_free(&set);
}

TEST_F(RuntimeSafetensorsTest, SurvivesTruncationAndCorruption) {
  OwnedTensor w(CREDO_F32, {2, 2});
  OwnedTensor i(CREDO_I64, {3});
  credo_named_tensor in[] = {{const_cast<char *>("w"), w.t},
                             {const_cast<char *>("i"), i.t}};
  const char *key = "k";
  const char *value = "v";
  std::string file = path("fuzz.safetensors");
  ASSERT_EQ(credo_safetensors_write(file.c_str(), in, 2, &key, &value, 1),
            CREDO_OK);
  std::string good = readBytes(file);
  for (size_t n = 0; n < good.size(); ++n) {
    writeBytes(file, good.substr(0, n));
    credo_tensor_set set;
    EXPECT_EQ(credo_safetensors_read(file.c_str(), &set), CREDO_ERR_FORMAT)
        << "length " << n;
    EXPECT_EQ(set.count, 0u);
  }
  size_t headerEnd = good.size() - 40;
  const unsigned char values[] = {0x00, 0x22, 0x2c, 0x39, 0x7d, 0xff};
  for (size_t k = 0; k < headerEnd; ++k) {
    for (unsigned char v : values) {
      std::string bytes = good;
      bytes[k] = static_cast<char>(v);
      writeBytes(file, bytes);
      credo_tensor_set set;
      credo_status s = credo_safetensors_read(file.c_str(), &set);
      if (s == CREDO_OK)
        credo_tensor_set_free(&set);
      else
        EXPECT_EQ(set.count, 0u);
    }
  }
}

} // namespace
