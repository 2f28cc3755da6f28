//===- FuzzFile.h - Fuzz inputs as files ------------------------*- C++ -*-===//
//
// The runtime's readers take paths, as users call them: a fuzz input is put
// in an in-memory file (memfd) and read back through /proc/self/fd/N, so
// every run exercises the same open/read path as a real file.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TEST_FUZZ_FUZZFILE_H
#define CREDO_TEST_FUZZ_FUZZFILE_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace credo::fuzz {

/// An in-memory file whose content is replaced by each input.
class MemoryFile {
public:
  explicit MemoryFile(const char *name) : fd(::memfd_create(name, 0)) {
    if (fd < 0)
      std::abort();
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~MemoryFile() { ::close(fd); }
  /// Replaces the content; returns the path to read it through.
  const char *write(const uint8_t *data, size_t size) {
    if (::ftruncate(fd, 0) != 0 ||
        (size && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)))
      std::abort();
    return path.c_str();
  }
  const char *name() const { return path.c_str(); }

private:
  int fd;
  std::string path;
};

/// A regular file in a fresh temporary directory, for what a target writes:
/// the writers replace their output atomically (write, then rename), which
/// an in-memory file cannot take.
class TempFile {
public:
  explicit TempFile(const char *name) {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/credo-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      std::abort();
    dir = pattern;
    path = dir + "/" + name;
  }
  ~TempFile() {
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
  }
  const char *name() const { return path.c_str(); }

private:
  std::string dir, path;
};

/// memcmp that takes empty (possibly null) ranges.
inline bool sameBytes(const void *a, const void *b, size_t n) {
  return n == 0 || std::memcmp(a, b, n) == 0;
}

/// Stops the run on a broken promise, saying which.
[[noreturn]] inline void fail(const char *what, const char *detail = "") {
  std::fprintf(stderr, "credo-fuzz: %s %s\n", what, detail);
  std::abort();
}

} // namespace credo::fuzz

#endif // CREDO_TEST_FUZZ_FUZZFILE_H
