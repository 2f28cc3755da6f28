//===- Status.cpp - Error recording and tensors -----------------*- C++ -*-===//
//
// The thread-local last-error message, kernel status, host tensor storage and
// atomic file writes shared by the rest of the runtime.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
thread_local std::string lastError;
thread_local credo_status kernelStatus = CREDO_OK;
thread_local std::string kernelError;
} // namespace

namespace credo::rt {

credo_status fail(credo_status status, const std::string &message) {
  lastError = message;
  return status;
}

void failKernel(const std::string &message, credo_status status) {
  if (kernelStatus == CREDO_OK) {
    kernelStatus = status;
    kernelError = message;
  }
}

namespace {

/// Writes all of `data` to `fd`; false with errno set on failure.
bool writeAll(int fd, const char *p, size_t left) {
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

const char *kindOf(mode_t mode) {
  return S_ISDIR(mode)    ? "a directory"
         : S_ISBLK(mode)  ? "a block device"
         : S_ISSOCK(mode) ? "a socket"
         : S_ISCHR(mode)  ? "a character device"
         : S_ISFIFO(mode) ? "a FIFO"
                          : "not a regular file";
}

/// Character devices and FIFOs (`-o /dev/null`, a pipe) are written
/// through, never replaced; a FIFO without a reader is an error, not a
/// wait.
credo_status writeThrough(const std::string &path, mode_t mode,
                          const char *data, size_t size) {
  int flags = O_WRONLY | O_CLOEXEC | (S_ISFIFO(mode) ? O_NONBLOCK : 0);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0)
    return fail(CREDO_ERR_IO,
                "cannot write '" + path + "' (" + kindOf(mode) + "): " +
                    (errno == ENXIO ? "no reader" : std::strerror(errno)));
  if (S_ISFIFO(mode))
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  bool ok = writeAll(fd, data, size);
  std::string why = ok ? "" : std::strerror(errno);
  if (::close(fd) != 0 && ok) {
    ok = false;
    why = std::strerror(errno);
  }
  if (!ok)
    return fail(CREDO_ERR_IO,
                "cannot write '" + path + "' (" + kindOf(mode) + "): " + why);
  return CREDO_OK;
}

} // namespace

credo_status writeFileAtomically(const std::string &given, const void *data,
                                 size_t size) {
  // A symbolic link is followed: its target is written, the link stays.
  std::string path = given;
  struct stat st;
  if (::lstat(given.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    char *resolved = ::realpath(given.c_str(), nullptr);
    if (resolved) {
      path = resolved;
      std::free(resolved);
    } else {
      // A link to a file that does not exist yet: that file is written
      // (a relative target is relative to the link's directory).
      int why = errno;
      std::string target(4096, '\0');
      ssize_t n = why != ENOENT
                      ? -1
                      : ::readlink(given.c_str(), target.data(), target.size());
      if (n <= 0 || size_t(n) >= target.size())
        return fail(CREDO_ERR_IO,
                    "cannot write '" + given +
                        "': the symbolic link's target: " +
                        std::strerror(why != ENOENT ? why : errno));
      target.resize(size_t(n));
      size_t slash = given.rfind('/');
      path = target[0] == '/' || slash == std::string::npos
                 ? target
                 : given.substr(0, slash + 1) + target;
    }
  }
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
      return writeThrough(path, st.st_mode, static_cast<const char *>(data),
                          size);
    return fail(CREDO_ERR_IO, "cannot write '" + given + "': it is " +
                                  kindOf(st.st_mode) + ", not a regular file");
  }
  // The temporary file: in the same directory (rename stays within one
  // file system), a short name of its own (a long file name stays valid),
  // unique to this process and call (saves from several threads never
  // share one; a name left by a killed process is skipped, not removed).
  static std::atomic<uint64_t> saves{0};
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = dir + ".credo-save." + std::to_string(::getpid()) + "." +
          std::to_string(saves.fetch_add(1)) + ".tmp";
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0)
    return fail(CREDO_ERR_IO,
                "cannot write '" + given + "': " + std::strerror(errno));
  if (!writeAll(fd, static_cast<const char *>(data), size)) {
    std::string why = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(CREDO_ERR_IO, "cannot write '" + given + "': " + why);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fail(CREDO_ERR_IO, "cannot write '" + given + "': " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fail(CREDO_ERR_IO, "cannot write '" + given + "': " + why);
  }
  return CREDO_OK;
}

/// A printable, bounded copy of untrusted text for an error message.
std::string quoteForMessage(std::string_view text, size_t limit) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < limit; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (text.size() > limit)
    out += "...";
  return out;
}

credo_status checkReadableFile(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return fail(CREDO_ERR_IO,
                "cannot read '" + path + "': " + std::strerror(errno));
  if (S_ISDIR(st.st_mode))
    return fail(CREDO_ERR_IO, "cannot read '" + path + "': Is a directory");
  if (!S_ISREG(st.st_mode))
    return fail(CREDO_ERR_IO,
                "cannot read '" + path +
                    "': not a regular file (a FIFO, a device or a socket, "
                    "whose reading could wait forever or never end)");
  return CREDO_OK;
}

credo_status readFile(const std::string &path, std::string &out) {
  if (credo_status s = checkReadableFile(path))
    return s;
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return fail(CREDO_ERR_IO,
                "cannot read '" + path + "': " + std::strerror(errno));
  out.clear();
  char buf[1 << 16];
  size_t n;
  errno = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    out.append(buf, n);
  const bool bad = std::ferror(f);
  const int why = errno; // EISDIR for a directory, which fopen accepts
  std::fclose(f);
  if (bad)
    return fail(CREDO_ERR_IO, "cannot read '" + path + "': " +
                                  (why ? std::strerror(why) : "read error"));
  return CREDO_OK;
}

} // namespace credo::rt

using namespace credo::rt;

extern "C" {

const char *credo_last_error(void) { return lastError.c_str(); }

void credo_clear_error(void) { lastError.clear(); }

const char *credo_status_name(credo_status status) {
  switch (status) {
  case CREDO_OK:
    return "ok";
  case CREDO_ERR_INVALID_ARGUMENT:
    return "invalid argument";
  case CREDO_ERR_IO:
    return "i/o error";
  case CREDO_ERR_FORMAT:
    return "bad file format";
  case CREDO_ERR_SHAPE:
    return "shape or dtype mismatch";
  case CREDO_ERR_NOT_FOUND:
    return "not found";
  case CREDO_ERR_BACKEND:
    return "backend failure";
  case CREDO_ERR_OUT_OF_MEMORY:
    return "out of memory";
  case CREDO_ERR_CORRUPT:
    return "corrupt data";
  case CREDO_ERR_DEVICE:
    return "device error";
  }
  return "unknown status";
}

credo_status credo_rt_take_status(void) {
  credo_status s = kernelStatus;
  if (s == CREDO_OK)
    return s; // no message either: failKernel sets both
  lastError = kernelError;
  kernelStatus = CREDO_OK;
  kernelError.clear();
  return s;
}

size_t credo_dtype_size(credo_dtype dtype) {
  switch (dtype) {
  case CREDO_F32:
  case CREDO_I32:
    return 4;
  case CREDO_F64:
  case CREDO_I64:
    return 8;
  case CREDO_U8:
    return 1;
  }
  return 0;
}

const char *credo_dtype_name(credo_dtype dtype) {
  switch (dtype) {
  case CREDO_F32:
    return "f32";
  case CREDO_F64:
    return "f64";
  case CREDO_I32:
    return "i32";
  case CREDO_I64:
    return "i64";
  case CREDO_U8:
    return "u8";
  }
  return "?";
}

int64_t credo_tensor_numel(const credo_tensor *t) {
  // -1 for what no tensor can be: a null pointer, a rank outside
  // [0, CREDO_MAX_RANK], a negative dimension or a count past int64.
  if (!t || t->rank < 0 || t->rank > CREDO_MAX_RANK)
    return -1;
  int64_t n = 1;
  for (int32_t i = 0; i < t->rank; ++i)
    if (t->shape[i] < 0 || __builtin_mul_overflow(n, t->shape[i], &n))
      return -1;
  return n;
}

size_t credo_tensor_nbytes(const credo_tensor *t) {
  int64_t n = credo_tensor_numel(t);
  size_t bytes = 0;
  if (n < 0 || __builtin_mul_overflow(static_cast<size_t>(n),
                                      credo_dtype_size(t->dtype), &bytes))
    return 0;
  return bytes;
}

credo_status credo_tensor_alloc(credo_tensor *t, credo_dtype dtype,
                                int32_t rank, const int64_t *shape) {
  if (!t)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_tensor_alloc: the tensor is a null pointer");
  if (rank < 0 || rank > CREDO_MAX_RANK || (rank > 0 && !shape))
    return fail(
        CREDO_ERR_INVALID_ARGUMENT,
        "credo_tensor_alloc: rank " + std::to_string(rank) +
            (rank > 0 && !shape
                 ? " with a null shape"
                 : " is outside [0, " + std::to_string(CREDO_MAX_RANK) + "]"));
  if (credo_dtype_size(dtype) == 0)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_tensor_alloc: unknown dtype " +
                    std::to_string(static_cast<int>(dtype)));
  for (int32_t i = 0; i < rank; ++i)
    if (shape[i] < 0)
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  "credo_tensor_alloc: dimension " + std::to_string(i) +
                      " is " + std::to_string(shape[i]) +
                      "; dimensions are at least 0");
  t->dtype = dtype;
  t->rank = rank;
  t->data = nullptr;
  int64_t n = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0 || (shape[i] > 0 && n > (int64_t(1) << 40) / shape[i]))
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  "credo_tensor_alloc: the tensor is too large (over 2^40 "
                  "elements)");
    t->shape[i] = shape[i];
    n *= shape[i];
  }
  size_t bytes = static_cast<size_t>(n) * credo_dtype_size(dtype);
#if CREDO_SANITIZER_BUILD
  // The exact size, so that AddressSanitizer sees an access past the end.
  size_t rounded = bytes == 0 ? 1 : bytes;
#else
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0)
    rounded = 64;
#endif
  void *p = nullptr;
  if (::posix_memalign(&p, 64, rounded) != 0)
    p = nullptr;
  if (!p)
    return fail(CREDO_ERR_OUT_OF_MEMORY,
                "cannot allocate " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, rounded);
  t->data = p;
  return CREDO_OK;
}

void credo_tensor_free(credo_tensor *t) {
  if (!t)
    return;
  std::free(t->data);
  t->data = nullptr;
}

credo_status credo_file_write(const char *path, const void *data, size_t size) {
  return guardedFileCall(path, "writing", [&] {
    if (!path || (!data && size))
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  std::string("credo_file_write: ") +
                      (!path ? "the path" : "the data") + " is a null pointer");
    return writeFileAtomically(path, data, size);
  });
}

} // extern "C"
