//===- Internal.h - Shared helpers of the Credo runtime ---------*- C++ -*-===//
//
// Error recording (thread-local message + status) and small utilities used by
// every part of the runtime. Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_RUNTIME_SRC_INTERNAL_H
#define CREDO_RUNTIME_SRC_INTERNAL_H

#include "credo/runtime.h"

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credo::rt {

/// Records `message` as this thread's last error and returns `status`.
credo_status fail(credo_status status, const std::string &message);

/// Reads a whole file, plain or gzip-compressed (zlib reads both).
credo_status readMaybeGzipped(const char *path,
                              std::vector<unsigned char> &out);

/// Records a failure about `path` from a catch handler without letting a
/// second exception escape.
inline credo_status failNoThrow(credo_status status, const char *path,
                                const char *what,
                                const char *doing = nullptr) noexcept {
  try {
    return fail(status, std::string(path ? path : "(null)") + ": " + what +
                            (doing ? std::string(" while ") + doing : ""));
  } catch (...) {
    return status;
  }
}

/// Runs `body` (a file reader or writer behind the C API) so that no
/// exception crosses the C boundary: running out of memory is
/// CREDO_ERR_OUT_OF_MEMORY, anything else CREDO_ERR_IO, naming `path` and
/// what was being done ("reading", "writing").
template <typename Body>
credo_status guardedFileCall(const char *path, const char *doing,
                             Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return failNoThrow(CREDO_ERR_OUT_OF_MEMORY, path, "out of memory", doing);
  } catch (const std::exception &e) {
    return failNoThrow(CREDO_ERR_IO, path, e.what());
  } catch (...) {
    return failNoThrow(CREDO_ERR_IO, path, "unknown error", doing);
  }
}

/// Records the first failure of a kernel (see credo_rt_take_status).
void failKernel(const std::string &message,
                credo_status status = CREDO_ERR_BACKEND);

/// The allocator's sequence number of the next block generated code gets,
/// and the release of every block since such a mark (Memory.cpp).
uint64_t liveBlockMark();
void releaseBlocksSince(uint64_t mark);
/// The same for the Vulkan executor's device buffers (Executor.cpp).
uint64_t vulkanMark();
/// Before the host reads these ranges of device buffers: what kernels wrote
/// there fetched together (one submission).
void vulkanHostRead(const std::vector<std::pair<const char *, size_t>> &ranges);
/// A device buffer the runtime holds across calls (a model's parameters):
/// null with a kernel failure recorded if there is no device or memory.
void *vulkanAllocateHeld(size_t bytes);
/// Submits what a successful call recorded and did not submit (copies of
/// its results between device buffers) and waits for it.
void vulkanFinish();
void vulkanReleaseSince(uint64_t mark);

/// Inside credo_rt_invoke: ends the call with CREDO_ERR_OUT_OF_MEMORY for a
/// request of `bytes`, never returning. Outside one: returns (Invoke.cpp).
void abortGuardedCall(size_t bytes);

/// Writes `size` bytes to `path` atomically: a temporary file in the same
/// directory, fsync, then rename over `path`.
credo_status writeFileAtomically(const std::string &path, const void *data,
                                 size_t size);

/// A printable, bounded copy of untrusted text for an error message
/// (non-printable bytes as \xNN, "..." past `limit` characters).
std::string quoteForMessage(std::string_view text, size_t limit = 80);

/// CREDO_OK when `path` is a regular file; a directory, a FIFO or a device
/// (whose reading could block or never end) is an error naming it.
credo_status checkReadableFile(const std::string &path);

/// Reads a whole regular file.
credo_status readFile(const std::string &path, std::string &out);

/// Sets OpenMP's thread count in the calling thread to the process's
/// (credo_set_num_threads; 1 by default) if it is not that already: the
/// count is per thread in OpenMP, so a thread that never set it would run
/// oneDNN on every core.
void applyThreadCount();

} // namespace credo::rt

#endif // CREDO_RUNTIME_SRC_INTERNAL_H
