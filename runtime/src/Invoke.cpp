//===- Invoke.cpp - Guarded calls of generated entry points ----*- C++ -*-===//
//
// credo_rt_invoke runs one call of generated code (a library's
// NAME_forward, NAME_train_step, or a JIT entry point) so that nothing it
// meets at run time crashes the caller: a failed allocation ends the call
// with CREDO_ERR_OUT_OF_MEMORY (the allocator jumps back here and the
// blocks the call had allocated are freed), and a kernel failure is
// returned with its message. Generated code has no error branches; the
// only frames a jump crosses are generated code, which owns no resources
// but the allocator's blocks. During the call, subnormal floats are zero
// (x86's MXCSR flush-to-zero and denormals-are-zero; the caller's mode is
// put back after it), as on GPUs: the states and traces of continuous-time
// and spiking models decay toward 0 through the subnormal range, which x86
// computes in microcode at about a hundredth of the speed (the dendritic
// full-dynamics example spent three quarters of its time there).
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "cpu/Simd.h"
#include "credo/kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <csetjmp>
#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

namespace {

/// Subnormal f32 and f64 values read and written as zero while alive, on
/// this thread; the previous mode restored at the end.
struct FlushSubnormals {
#if defined(__x86_64__) || defined(_M_X64)
  unsigned saved = _mm_getcsr();
  FlushSubnormals() { _mm_setcsr(saved | kFlushToZero | kDenormalsAreZero); }
  ~FlushSubnormals() { _mm_setcsr(saved); }
  static constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
#endif
};

struct Guard {
  std::jmp_buf resume;
  size_t failedBytes = 0;
};

thread_local Guard *active = nullptr;

std::string formatBytes(size_t bytes) {
  static const char *units[] = {"bytes", "KiB", "MiB", "GiB",
                                "TiB",   "PiB", "EiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 6) {
    v /= 1024;
    ++u;
  }
  char buf[64];
  if (u == 0)
    std::snprintf(buf, sizeof(buf), "%zu bytes", bytes);
  else
    std::snprintf(buf, sizeof(buf), "%.1f %s (%zu bytes)", v, units[u], bytes);
  return buf;
}

/// The first of n values that is NaN or infinite, or -1: an OR over
/// chunks (a loop that vectorizes), then the chunk that has one searched.
template <typename T>
[[gnu::always_inline]] inline int64_t firstNonFiniteIn(const T *x, int64_t n) {
  constexpr T max = std::numeric_limits<T>::max();
  constexpr int64_t kChunk = 1024;
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t end = std::min(n, i0 + kChunk);
    bool bad = false;
    for (int64_t i = i0; i < end; ++i)
      bad |= !(std::fabs(x[i]) <= max);
    if (bad)
      for (int64_t i = i0; i < end; ++i)
        if (!(std::fabs(x[i]) <= max))
          return i;
  }
  return -1;
}

template <typename T> int64_t firstNonFiniteBaseline(const T *x, int64_t n) {
  return firstNonFiniteIn(x, n);
}

template <typename T>
CREDO_TARGET_AVX2 int64_t firstNonFiniteAvx2(const T *x, int64_t n) {
  return firstNonFiniteIn(x, n);
}

template <typename T> int64_t firstNonFinite(const T *x, int64_t n) {
  return credo::rt::simd::cpuHasAvx2Fma() ? firstNonFiniteAvx2(x, n)
                                          : firstNonFiniteBaseline(x, n);
}

} // namespace

namespace credo::rt {

void abortGuardedCall(size_t bytes) {
  if (!active)
    return;
  active->failedBytes = bytes;
  std::longjmp(active->resume, 1);
}

} // namespace credo::rt

using namespace credo::rt;

extern "C" {

credo_status credo_rt_invoke(const char *context, void (*entry)(void **),
                             void **args) {
  // The context, spelled out only on a failure (no allocation per call).
  auto where = [context] {
    return std::string(context ? context : "generated code");
  };
  if (!entry)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                where() + ": the compiled function is not there");
  if (active)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                where() +
                    ": called from inside another call of generated code");
  credo_rt_take_status(); // a stale kernel failure is not this call's
  credo_clear_error();
  applyThreadCount();
  Guard guard;
  FlushSubnormals flush;
  const uint64_t mark = liveBlockMark();
  const uint64_t deviceMark = vulkanMark();
  active = &guard;
  if (setjmp(guard.resume) == 0) {
    entry(args);
    active = nullptr;
    vulkanFinish();
  } else {
    active = nullptr;
    releaseBlocksSince(mark);
    vulkanReleaseSince(deviceMark);
    // A failure recorded before the abort says why (a device limit).
    if (credo_status why = credo_rt_take_status(); why != CREDO_OK)
      return fail(why, where() + ": " + credo_last_error());
    return fail(CREDO_ERR_OUT_OF_MEMORY,
                where() + ": out of memory: cannot allocate " +
                    formatBytes(guard.failedBytes) +
                    " for an intermediate buffer");
  }
  credo_status status = credo_rt_take_status();
  if (status != CREDO_OK)
    return fail(status, where() + ": " + credo_last_error());
  return CREDO_OK;
}

void credo_rt_check_labels(int64_t firstBad, int64_t value, int64_t count,
                           int64_t classes, const char *site) {
  if (firstBad >= 0 && firstBad < count)
    failKernel(std::string(site ? site : "label") + " " +
                   std::to_string(firstBad) + " of the batch is " +
                   std::to_string(value) + ", outside [0, " +
                   std::to_string(classes) + ") (" + std::to_string(classes) +
                   " classes)",
               CREDO_ERR_INVALID_ARGUMENT);
}

void credo_rt_check_indices(int64_t firstBad, int64_t value, int64_t count,
                            int64_t column, int64_t limit, const char *site) {
  credo_rt_check_indices_at(firstBad, value, count, column, limit, site, -1);
}

void credo_rt_check_indices_at(int64_t firstBad, int64_t value, int64_t count,
                               int64_t column, int64_t limit, const char *site,
                               int64_t step) {
  if (firstBad >= 0 && firstBad < count)
    failKernel(std::string(site ? site : "index tuple") + " " +
                   std::to_string(firstBad) + " of " + std::to_string(count) +
                   (step >= 0 ? " at step " + std::to_string(step) : "") +
                   " has component " + std::to_string(column) + " = " +
                   std::to_string(value) + ", outside [0, " +
                   std::to_string(limit) + ")",
               CREDO_ERR_INVALID_ARGUMENT);
}

void credo_rt_check_values(int64_t firstBad, double value, int64_t count,
                           const char *site, const char *requirement) {
  if (firstBad < 0 || firstBad >= count)
    return;
  std::ostringstream text;
  text << (site ? site : "value") << " " << firstBad << " of " << count
       << " is " << value << ", but " << (requirement ? requirement : "?");
  failKernel(text.str(), CREDO_ERR_INVALID_ARGUMENT);
}

credo_status credo_rt_null_argument(const char *entry, const char *what) {
  return fail(CREDO_ERR_INVALID_ARGUMENT, std::string(entry ? entry : "?") +
                                              ": " + (what ? what : "?") +
                                              " is a null pointer");
}

credo_status credo_rt_bad_learning_rate(const char *entry, double lr) {
  std::ostringstream text;
  text << (entry ? entry : "?") << ": the learning rate is " << lr
       << "; it must be a number in (0, 1e6) (the parameters are unchanged)";
  return fail(CREDO_ERR_INVALID_ARGUMENT, text.str());
}

credo_status credo_rt_check_finite_input(const char *entry, const char *what,
                                         const void *data, int64_t count,
                                         int64_t rowLength,
                                         int32_t elementBytes) {
  if (!data || count <= 0)
    return data || count == 0
               ? CREDO_OK
               : fail(CREDO_ERR_INVALID_ARGUMENT,
                      std::string(entry ? entry : "?") + ": " +
                          (what ? what : "an input") + " is a null pointer");
  int64_t at = elementBytes == 8
                   ? firstNonFinite(static_cast<const double *>(data), count)
                   : firstNonFinite(static_cast<const float *>(data), count);
  if (at < 0)
    return CREDO_OK;
  double value = elementBytes == 8 ? static_cast<const double *>(data)[at]
                                   : static_cast<const float *>(data)[at];
  std::ostringstream text;
  text << (entry ? entry : "?") << ": " << (what ? what : "an input") << " is "
       << value << " at element " << at;
  if (rowLength > 0 && rowLength < count)
    text << " (row " << at / rowLength << ", column " << at % rowLength << ")";
  std::string_view name = entry ? entry : "";
  if (name.size() > 4 && name.substr(name.size() - 4) == "_act")
    text << "; an act needs finite inputs (it updates the rule's state, its "
            "traces and held outputs, from them, and a NaN or an infinity "
            "there would spoil the training steps that follow); the "
            "parameters are unchanged";
  else
    text << "; a training step needs finite inputs (a NaN or an infinity "
            "can make non-finite parameters while the loss stays finite, as "
            "through a saturated sigmoid); the parameters are unchanged";
  return fail(CREDO_ERR_INVALID_ARGUMENT, text.str());
}

credo_status credo_rt_bad_flag(const char *entry, const char *what,
                               double value) {
  std::ostringstream text;
  text << (entry ? entry : "?") << ": " << (what ? what : "a flag") << " is "
       << value << ", but must be 0 or 1; the parameters are unchanged";
  return fail(CREDO_ERR_INVALID_ARGUMENT, text.str());
}

credo_status credo_rt_nonfinite_loss(const char *entry, const char *what,
                                     double value) {
  return fail(CREDO_ERR_INVALID_ARGUMENT,
              std::string(entry ? entry : "?") + ": " +
                  (what ? what : "the loss") + " is " + std::to_string(value) +
                  ", not a finite number (an input with NaN or infinity, or "
                  "parameters that diverged); the parameters are unchanged");
}

credo_status credo_rt_overlapping_arguments(const char *entry,
                                            const char *written,
                                            const char *other) {
  return fail(CREDO_ERR_INVALID_ARGUMENT,
              std::string(entry ? entry : "?") + ": " +
                  (written ? written : "?") + " overlaps " +
                  (other ? other : "?") +
                  "; the call reads its inputs while it writes its outputs, "
                  "so each output needs a buffer of its own");
}

} // extern "C"
