//===- DnnlKernels.cpp - oneDNN kernels for generated code ------*- C++ -*-===//
//
// Implements credo/kernels.h on oneDNN 2.6. Every kernel keeps, per thread, a
// cache of primitives keyed by kind and shape, together with their memory
// objects, so a repeated call only swaps data handles and executes.
// Matrices are plain row-major; images are plain NCHW or channel-blocked
// (nChw8c) as the generated code says, and an argument whose layout differs
// from the one the primitive chose is staged through a cached reorder.
// oneDNN errors are caught here and recorded for credo_rt_take_status().
//
//===----------------------------------------------------------------------===//

#include "credo/kernels.h"

#include "Internal.h"
#include "Simd.h"
#include "SmallInputConv.h"
#include "SmallMatmul.h"
#include "SparseMatmul.h"
#include "Winograd.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
void omp_set_num_threads(int);
int omp_get_num_procs(void);
}

using namespace dnnl;

namespace {

/// The process's thread count (credo_set_num_threads). OpenMP's count is
/// per thread: each call of generated code applies this one in its own
/// thread (credo::rt::applyThreadCount), so every thread computes alike.
std::atomic<int> numThreads{1};
/// The count last applied to OpenMP in this thread (0: none yet).
thread_local int appliedThreads = 0;

/// Whether stride-1 3x3/5x5 convolutions go to the Winograd kernels: on one
/// thread (their transforms are serial), unless CREDO_WINOGRAD=0.
bool useWinograd(const credo::rt::ConvShape &s) {
  static const bool enabled = [] {
    const char *v = std::getenv("CREDO_WINOGRAD");
    return !(v && std::string(v) == "0");
  }();
  return enabled && numThreads == 1 && credo::rt::winogradTakes(s);
}

/// Products whose left operand has at most this share of non-zeros go to
/// the sparse kernel (one thread; CREDO_SPARSE=0 turns it off). Measured
/// break-even against oneDNN's gemm on one AVX2 core: see docs/runtime.md.
double sparseMaxDensity() {
  static const double density = [] {
    const char *v = std::getenv("CREDO_SPARSE");
    return v ? std::atof(v) : 0.7;
  }();
  // Its baseline (SSE) instance is slower than oneDNN's gemm.
  return numThreads == 1 && credo::rt::simd::cpuHasAvx2Fma() ? density : -1.0;
}

engine &cpuEngine() {
  static engine eng(engine::kind::cpu, 0);
  return eng;
}

stream &cpuStream() {
  thread_local stream s(cpuEngine());
  return s;
}

/// A primitive with its memory objects, in the order of the data handles
/// that each call passes. An argument whose layout the primitive chose
/// (format_tag::any, e.g. a blocked convolution layout) is staged: the
/// caller's plain buffer is reordered into an internal buffer before the
/// primitive runs (inputs) or back from it afterwards (outputs).
struct Cached {
  primitive prim;
  std::vector<std::pair<int, memory>> args; ///< the callers' plain buffers
  std::unordered_map<int, memory> argMap;   ///< what the primitive sees
  struct Staging {
    reorder copy;
    memory from, to;
    bool output;
  };
  std::vector<Staging> staging;

  void run(std::initializer_list<void *> handles) {
    if (argMap.empty())
      for (auto &[id, m] : args)
        argMap.emplace(id, m);
    size_t i = 0;
    for (void *h : handles)
      args[i++].second.set_data_handle(h); // shared with argMap's copies
    for (Staging &s : staging)
      if (!s.output)
        s.copy.execute(cpuStream(), s.from, s.to);
    prim.execute(cpuStream(), argMap);
    for (Staging &s : staging)
      if (s.output)
        s.copy.execute(cpuStream(), s.from, s.to);
    cpuStream().wait();
  }
};

/// Kind and sizes of a kernel call; unused entries are zero.
using Key = std::array<int64_t, 16>;

template <typename... T> Key makeKey(T... values) {
  static_assert(sizeof...(T) <= 16, "key too long");
  return Key{static_cast<int64_t>(values)...};
}

/// Looks up (or builds with `make`) the primitive for `key` and runs it. The
/// cache is per thread (oneDNN streams are), searched most-recent first.
template <typename Make>
void runCached(const char *name, const Key &key,
               std::initializer_list<void *> handles, Make make) {
  thread_local std::vector<std::pair<Key, std::unique_ptr<Cached>>> cache;
  try {
    Cached *hit = nullptr;
    for (size_t i = cache.size(); i-- > 0;)
      if (cache[i].first == key) {
        hit = cache[i].second.get();
        if (i + 1 != cache.size()) // keep hot entries at the back
          std::swap(cache[i], cache.back());
        break;
      }
    if (!hit) {
      cache.emplace_back(key, std::make_unique<Cached>(make()));
      hit = cache.back().second.get();
    }
    hit->run(handles);
  } catch (const dnnl::error &e) {
    credo::rt::failKernel(std::string(name) + ": oneDNN error: " + e.what());
  } catch (const std::exception &e) {
    credo::rt::failKernel(std::string(name) + ": " + e.what());
  }
}

/// An image [B,C,H,W] in the plain (NCHW) or the channel-blocked layout.
memory::desc image(const memory::dims &dims, bool blocked) {
  return memory::desc(dims, memory::data_type::f32,
                      blocked ? memory::format_tag::nChw8c
                              : memory::format_tag::nchw);
}

/// The same dimensions with the layout left to the primitive.
memory::desc any(const memory::desc &md) {
  return memory::desc(md.dims(), memory::data_type::f32,
                      memory::format_tag::any);
}

memory::desc plain(const memory::dims &dims) {
  static const memory::format_tag tags[] = {
      memory::format_tag::a, memory::format_tag::ab, memory::format_tag::abc,
      memory::format_tag::abcd};
  return memory::desc(dims, memory::data_type::f32, tags[dims.size() - 1]);
}

/// Primitive attributes carrying the fused activation, if any.
/// ReLU that keeps NaN (as the portable lowering, arith.maximumf, does):
/// oneDNN's relu, alone or as a post-op, turns NaN into 0, which would hide
/// a diverged computation. Negative values and -0 become +0.
void relu(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i];
    y[i] = v > 0 || v != v ? v : 0.0f;
  }
}

memory mem(const memory::desc &md) {
  return memory(md, cpuEngine(), DNNL_MEMORY_NONE);
}

enum KernelKind : int64_t {
  kConvGradInput,
  kConvGradWeight,
  kConvGradWeightBias,
  kToBlocked,
  kFromBlocked,
  kMatmul,
  kDense,
  kConv,
  kMaxPool,
  kAvgPool,
  kSoftmax,
  kSigmoid,
  kTanh,
  kSoftplus,
  kMatmulAcc
};

/// One argument of a staged primitive: its id, the caller's plain layout,
/// the layout the primitive chose, and whether the primitive writes it.
struct StagedArg {
  int id;
  memory::desc plain, chosen;
  bool output;
};

/// A primitive whose arguments may need reorders to and from the layouts
/// it chose; args are listed in the order of the call's data handles.
Cached staged(primitive prim, const std::vector<StagedArg> &list) {
  Cached c{std::move(prim), {}, {}, {}};
  for (const StagedArg &a : list) {
    memory user = mem(a.plain);
    c.args.push_back({a.id, user});
    if (a.chosen == a.plain) {
      c.argMap.emplace(a.id, user);
      continue;
    }
    memory internal(a.chosen, cpuEngine()); // owns its buffer
    c.argMap.emplace(a.id, internal);
    if (a.output)
      c.staging.push_back({reorder(internal, user), internal, user, true});
    else
      c.staging.push_back({reorder(user, internal), user, internal, false});
  }
  return c;
}

/// staged() with a bias argument (plain, never reordered) appended unless
/// its descriptor is empty (no bias).
Cached stagedWithBias(primitive prim, std::vector<StagedArg> list,
                      const StagedArg &bias) {
  if (!bias.plain.is_zero())
    list.push_back(bias);
  return staged(std::move(prim), list);
}

/// Sets up a primitive's memory objects: src, weights, dst (+ bias).
Cached withArgs(primitive prim, const memory::desc &src,
                const memory::desc &wei, const memory::desc &dst,
                const memory::desc *bias) {
  Cached c{std::move(prim),
           {{DNNL_ARG_SRC, mem(src)},
            {DNNL_ARG_WEIGHTS, mem(wei)},
            {DNNL_ARG_DST, mem(dst)}},
           {},
           {}};
  if (bias)
    c.args.push_back({DNNL_ARG_BIAS, mem(*bias)});
  return c;
}

void dense(const float *x, const float *w, const float *b, float *y, int64_t m,
           int64_t k, int64_t n, int64_t post) {
  bool bias = b != nullptr;
  if (credo::rt::smallMatmul(x, false, w, false, b, y, m, k, n,
                             post == CREDO_POST_RELU) ||
      credo::rt::sparseMatmul(x, false, w, false, b, y, m, k, n,
                              post == CREDO_POST_RELU, sparseMaxDensity()))
    return;
  auto make = [&] {
    auto src = plain({m, k}), wei = plain({k, n}), dst = plain({m, n});
    auto bmd = bias ? plain({1, n}) : memory::desc();
    matmul::primitive_desc pd(matmul::desc(src, wei, bmd, dst), cpuEngine());
    return withArgs(matmul(pd), src, wei, dst, bias ? &bmd : nullptr);
  };
  Key key = makeKey(kDense, m, k, n, bias);
  auto *xp = const_cast<float *>(x), *wp = const_cast<float *>(w);
  if (bias)
    runCached("dense", key, {xp, wp, y, const_cast<float *>(b)}, make);
  else
    runCached("dense", key, {xp, wp, y}, make);
  if (post == CREDO_POST_RELU)
    relu(y, y, m * n);
}

void matmulT(const float *a, const float *b, float *y, int64_t m, int64_t k,
             int64_t n, bool ta, bool tb);

/// `buffer` resized to n floats, or null when the memory cannot be had.
float *resized(std::vector<float> &buffer, int64_t n) {
  try {
    buffer.resize(size_t(n));
  } catch (const std::exception &) {
    return nullptr;
  }
  return buffer.data();
}

/// Most columns of a narrow weight gradient, and fewest rows, that
/// matmulT computes as the transpose of the wide product.
constexpr int64_t kNarrowColumns = 16, kNarrowMinRows = 64;

/// y[m,n] = aᵀ·b for a narrow n (an output layer's weight gradient, such
/// as [128 × 256]ᵀ · [128 × 10]): oneDNN's gemm computes the wide
/// transposed product bᵀ·a [n × m] in about half the time (docs/runtime.md),
/// then y is its transpose. False when the buffer cannot be had.
bool narrowGradient(const float *a, const float *b, float *y, int64_t m,
                    int64_t k, int64_t n) {
  thread_local std::vector<float> buffer;
  float *wide = resized(buffer, m * n);
  if (!wide)
    return false;
  matmulT(b, a, wide, n, k, m, /*ta=*/true, /*tb=*/false);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      y[i * n + j] = wide[j * m + i];
  return true;
}

void matmulT(const float *a, const float *b, float *y, int64_t m, int64_t k,
             int64_t n, bool ta, bool tb) {
  if (credo::rt::smallMatmul(a, ta, b, tb, nullptr, y, m, k, n, false) ||
      credo::rt::sparseMatmul(a, ta, b, tb, nullptr, y, m, k, n, false,
                              sparseMaxDensity()))
    return;
  if (ta && !tb && n < kNarrowColumns && m >= kNarrowMinRows &&
      narrowGradient(a, b, y, m, k, n))
    return;
  auto make = [&] {
    using tag = memory::format_tag;
    memory::desc amd({m, k}, memory::data_type::f32, ta ? tag::ba : tag::ab);
    memory::desc bmd({k, n}, memory::data_type::f32, tb ? tag::ba : tag::ab);
    auto ymd = plain({m, n});
    matmul::primitive_desc pd(matmul::desc(amd, bmd, ymd), cpuEngine());
    return withArgs(matmul(pd), amd, bmd, ymd, nullptr);
  };
  runCached("matmul", makeKey(kMatmul, m, k, n, ta, tb),
            {const_cast<float *>(a), const_cast<float *>(b), y}, make);
}

void conv(const float *x, const float *w, const float *b, float *y,
          std::array<int64_t, 13> s, int64_t post, int64_t layouts) {
  const int64_t B = s[0], C = s[1], H = s[2], W = s[3], O = s[4], KH = s[5],
                KW = s[6], SH = s[7], SW = s[8], PH = s[9], PW = s[10],
                OH = s[11], OW = s[12];
  bool bias = b != nullptr;
  const credo::rt::ConvShape shape{B,  C,  H,  W,  O,  KH, KW,
                                   SH, SW, PH, PW, OH, OW};
  if (useWinograd(shape))
    return credo::rt::winogradForward(
        x, w, b, y, shape, post == CREDO_POST_RELU, layouts & 1, layouts & 2);
  auto make = [&] {
    auto src = image({B, C, H, W}, layouts & 1), wei = plain({O, C, KH, KW}),
         dst = image({B, O, OH, OW}, layouts & 2);
    auto bmd = bias ? plain({O}) : memory::desc();
    // Let oneDNN choose its fastest (blocked) layouts; staged reorders
    // convert where the callers' layouts differ.
    convolution_forward::desc d(
        prop_kind::forward_inference, algorithm::convolution_direct, any(src),
        any(wei), bmd, any(dst), {SH, SW}, {PH, PW}, {PH, PW});
    convolution_forward::primitive_desc pd(d, cpuEngine());
    return stagedWithBias(convolution_forward(pd),
                          {{DNNL_ARG_SRC, src, pd.src_desc(), false},
                           {DNNL_ARG_WEIGHTS, wei, pd.weights_desc(), false},
                           {DNNL_ARG_DST, dst, pd.dst_desc(), true}},
                          {DNNL_ARG_BIAS, bmd, bmd, false});
  };
  Key key = makeKey(kConv, B, C, H, W, O, KH, KW, SH, SW, PH, PW, OH, OW,
                    bias + 8 * layouts);
  auto *xp = const_cast<float *>(x), *wp = const_cast<float *>(w);
  if (bias)
    runCached("conv2d", key, {xp, wp, y, const_cast<float *>(b)}, make);
  else
    runCached("conv2d", key, {xp, wp, y}, make);
  // Both layouts hold exactly B·O·OH·OW values (blocked only when O is a
  // multiple of the block).
  if (post == CREDO_POST_RELU)
    relu(y, y, B * O * OH * OW);
}

/// The forward convolution that the backward primitives take as a hint.
convolution_forward::primitive_desc convForwardHint(const memory::desc &src,
                                                    const memory::desc &wei,
                                                    const memory::desc &dst,
                                                    const memory::dims &strides,
                                                    const memory::dims &pad) {
  convolution_forward::desc d(prop_kind::forward_training,
                              algorithm::convolution_direct, src, wei, dst,
                              strides, pad, pad);
  return convolution_forward::primitive_desc(d, cpuEngine());
}

/// dx (db = null, input = false), or dW and optionally db (input = true) of
/// a convolution.
void convGrad(bool weights, const float *a, const float *b, float *out,
              float *db, std::array<int64_t, 13> s, int64_t layouts) {
  const int64_t B = s[0], C = s[1], H = s[2], W = s[3], O = s[4], KH = s[5],
                KW = s[6], SH = s[7], SW = s[8], PH = s[9], PW = s[10],
                OH = s[11], OW = s[12];
  // Image arguments in parameter order: (x, dy) for dW, (dy, dx) for dx.
  const bool xBlocked = layouts & (weights ? 1 : 2),
             dyBlocked = layouts & (weights ? 2 : 1);
  const credo::rt::ConvShape shape{B,  C,  H,  W,  O,  KH, KW,
                                   SH, SW, PH, PW, OH, OW};
  // Few input channels (a first layer), dy blocked: Credo's own kernel.
  if (weights && numThreads == 1 && !xBlocked && dyBlocked &&
      credo::rt::smallInputTakes(shape))
    return credo::rt::smallInputGradWeight(a, b, out, db, shape);
  if (useWinograd(shape)) {
    if (weights)
      return credo::rt::winogradGradWeight(a, b, out, db, shape, xBlocked,
                                           dyBlocked);
    return credo::rt::winogradGradInput(a, b, out, shape, dyBlocked, xBlocked);
  }
  auto make = [&] {
    auto src = image({B, C, H, W}, xBlocked), wei = plain({O, C, KH, KW}),
         dst = image({B, O, OH, OW}, dyBlocked);
    memory::dims strides = {SH, SW}, pad = {PH, PW};
    if (weights) {
      auto bmd = db ? plain({O}) : memory::desc();
      auto build = [&](const memory::desc &x, const memory::desc &dy) {
        auto hint = convForwardHint(x, any(wei), dy, strides, pad);
        return convolution_backward_weights::primitive_desc(
            convolution_backward_weights::desc(algorithm::convolution_direct, x,
                                               any(wei), bmd, dy, strides, pad,
                                               pad),
            cpuEngine(), hint);
      };
      // One input channel: NHWC and NCHW are the same bytes, and oneDNN's
      // NHWC weight gradient (with dy reordered to NHWC) is several times
      // faster than its blocked one, which pads the channel to a block.
      auto pd = build(any(src), any(dst));
      if (C == 1 && !xBlocked) {
        auto nhwc = [](const memory::desc &md) {
          return memory::desc(md.dims(), memory::data_type::f32,
                              memory::format_tag::nhwc);
        };
        auto fast = build(nhwc(src), nhwc(dst));
        if (std::string(fast.impl_info_str()).rfind("ref", 0) != 0) {
          pd = fast;
          src = nhwc(src);
        }
      }
      return stagedWithBias(
          convolution_backward_weights(pd),
          {{DNNL_ARG_SRC, src, pd.src_desc(), false},
           {DNNL_ARG_DIFF_DST, dst, pd.diff_dst_desc(), false},
           {DNNL_ARG_DIFF_WEIGHTS, wei, pd.diff_weights_desc(), true}},
          {DNNL_ARG_DIFF_BIAS, bmd, bmd, true});
    }
    auto hint = convForwardHint(any(src), any(wei), any(dst), strides, pad);
    convolution_backward_data::desc d(algorithm::convolution_direct, any(src),
                                      any(wei), any(dst), strides, pad, pad);
    convolution_backward_data::primitive_desc pd(d, cpuEngine(), hint);
    return staged(convolution_backward_data(pd),
                  {{DNNL_ARG_DIFF_DST, dst, pd.diff_dst_desc(), false},
                   {DNNL_ARG_WEIGHTS, wei, pd.weights_desc(), false},
                   {DNNL_ARG_DIFF_SRC, src, pd.diff_src_desc(), true}});
  };
  KernelKind kind = !weights ? kConvGradInput
                    : db     ? kConvGradWeightBias
                             : kConvGradWeight;
  Key key =
      makeKey(kind, B, C, H, W, O, KH, KW, SH, SW, PH, PW, OH, OW, layouts);
  const char *name = !weights ? "conv2d_grad_input"
                     : db     ? "conv2d_grad_weight_bias"
                              : "conv2d_grad_weight";
  auto *ap = const_cast<float *>(a), *bp = const_cast<float *>(b);
  if (db)
    runCached(name, key, {ap, bp, out, db}, make);
  else
    runCached(name, key, {ap, bp, out}, make);
}

void pool(bool isMax, const float *x, float *y, std::array<int64_t, 12> s,
          int64_t layouts) {
  const int64_t B = s[0], C = s[1], H = s[2], W = s[3], KH = s[4], KW = s[5],
                SH = s[6], SW = s[7], PH = s[8], PW = s[9], OH = s[10],
                OW = s[11];
  Key key = makeKey(isMax ? kMaxPool : kAvgPool, B, C, H, W, KH, KW, SH, SW, PH,
                    PW, OH, OW, layouts);
  runCached(isMax ? "max_pool2d" : "avg_pool2d", key,
            {const_cast<float *>(x), y}, [&] {
              auto src = image({B, C, H, W}, layouts & 1),
                   dst = image({B, C, OH, OW}, layouts & 2);
              // oneDNN's right padding is whatever makes the windows fit.
              memory::dims padR = {(OH - 1) * SH + KH - H - PH,
                                   (OW - 1) * SW + KW - W - PW};
              // Plain NCHW pooling has only a slow reference implementation:
              // channel-blocked layouts (staged reorders) use the JIT ones.
              memory::desc blocked =
                  C % 8 == 0
                      ? memory::desc({B, C, H, W}, memory::data_type::f32,
                                     memory::format_tag::nChw8c)
                      : src;
              pooling_forward::desc d(
                  prop_kind::forward_inference,
                  isMax ? algorithm::pooling_max
                        : algorithm::pooling_avg_exclude_padding,
                  blocked, any(dst), {SH, SW}, {KH, KW}, {PH, PW}, padR);
              pooling_forward::primitive_desc pd(d, cpuEngine());
              return staged(pooling_forward(pd),
                            {{DNNL_ARG_SRC, src, pd.src_desc(), false},
                             {DNNL_ARG_DST, dst, pd.dst_desc(), true}});
            });
}

/// Max pooling: the largest value of each window (padding excluded), NaN
/// if the window holds one, like the portable lowering's arith.maximumf
/// (oneDNN's pooling skips NaN). Channels go in groups of G (8 when the
/// count allows, so blocked images run lane by lane); x and y each in their
/// layout (XB, YB: blocked).
template <int64_t G, bool XB, bool YB>
inline __attribute__((always_inline)) void
maxPoolForward(const float *x, float *y, std::array<int64_t, 12> s) {
  const int64_t B = s[0], C = s[1], H = s[2], W = s[3], KH = s[4], KW = s[5],
                SH = s[6], SW = s[7], PH = s[8], PW = s[9], OH = s[10],
                OW = s[11];
  constexpr int64_t L = CREDO_CHANNEL_BLOCK;
  // Offset of [b, c0 (a multiple of G), h, w] and the stride between lanes.
  auto at = [&](bool blocked, int64_t b, int64_t c0, int64_t hh, int64_t ww,
                int64_t hs, int64_t ws) {
    return blocked ? (((b * (C / L) + c0 / L) * hs + hh) * ws + ww) * L + c0 % L
                   : ((b * C + c0) * hs + hh) * ws + ww;
  };
  const int64_t xLane = XB ? 1 : H * W, yLane = YB ? 1 : OH * OW;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c0 = 0; c0 < C; c0 += G)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          // The window, clipped to the image.
          const int64_t h0 = std::max<int64_t>(i * SH - PH, 0),
                        h1 = std::min(i * SH - PH + KH, H),
                        w0 = std::max<int64_t>(j * SW - PW, 0),
                        w1 = std::min(j * SW - PW + KW, W);
          float *o = y + at(YB, b, c0, i, j, OH, OW);
          if constexpr (XB) { // 8 channels in one vector
            using credo::rt::simd::Vec;
            Vec best = Vec{} - std::numeric_limits<float>::infinity();
            for (int64_t h = h0; h < h1; ++h) {
              const float *row = x + at(XB, b, c0, h, 0, H, W);
              for (int64_t w = w0; w < w1; ++w) {
                Vec e = credo::rt::simd::load(row + w * L);
                best = ((e > best) | (e != e)) ? e : best; // NaN sticks
              }
            }
            if constexpr (YB)
              credo::rt::simd::store(o, best);
            else
              for (int64_t l = 0; l < G; ++l)
                o[l * yLane] = best[l];
          } else {
            float best[G];
            for (int64_t l = 0; l < G; ++l)
              best[l] = -std::numeric_limits<float>::infinity();
            for (int64_t h = h0; h < h1; ++h) {
              const float *row = x + at(XB, b, c0, h, 0, H, W);
              for (int64_t w = w0; w < w1; ++w)
                for (int64_t l = 0; l < G; ++l) {
                  float e = row[w + l * xLane];
                  best[l] = e > best[l] || e != e ? e : best[l]; // NaN sticks
                }
            }
            for (int64_t l = 0; l < G; ++l)
              o[l * yLane] = best[l];
          }
        }
}

/// Max pooling's gradient: recomputes each window's first maximum (the
/// same rule as the portable lowering) and adds dy there; optionally masks
/// the result with [x > 0]. An image is viewed as [B, C/L, H, W, L]: L = 1
/// is the plain layout, L = 8 the blocked one, whose lanes run together.
template <int64_t L>
inline __attribute__((always_inline)) void
maxPoolGrad(const float *dy, const float *x, float *dx,
            std::array<int64_t, 12> s, bool reluMask) {
  const int64_t B = s[0], C = s[1], H = s[2], W = s[3], KH = s[4], KW = s[5],
                SH = s[6], SW = s[7], PH = s[8], PW = s[9], OH = s[10],
                OW = s[11];
  const int64_t groups = C / L;
  if (SH == KH && SW == KW && PH == 0 && PW == 0 && OH * KH == H &&
      OW * KW == W) {
    // Windows tile the image: each dx element is written once, directly.
    for (int64_t g = 0; g < B * groups; ++g) {
      const float *xg = x + g * H * W * L;
      float *dxg = dx + g * H * W * L;
      const float *dyg = dy + g * OH * OW * L;
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          const int64_t corner = (i * KH * W + j * KW) * L;
          float best[L];
          int32_t slot[L];
          for (int64_t l = 0; l < L; ++l) {
            best[l] = xg[corner + l];
            slot[l] = 0;
          }
          for (int32_t p = 0; p < KH; ++p)
            for (int32_t q = 0; q < KW; ++q) {
              const float *v = xg + corner + (p * W + q) * L;
              const int32_t k = p * int32_t(KW) + q;
              for (int64_t l = 0; l < L; ++l) {
                bool better = v[l] > best[l];
                best[l] = better ? v[l] : best[l];
                slot[l] = better ? k : slot[l];
              }
            }
          const float *d = dyg + (i * OW + j) * L;
          float grad[L];
          for (int64_t l = 0; l < L; ++l)
            grad[l] = reluMask && !(best[l] > 0) ? 0.0f : d[l];
          for (int32_t p = 0; p < KH; ++p)
            for (int32_t q = 0; q < KW; ++q) {
              float *o = dxg + corner + (p * W + q) * L;
              const int32_t k = p * int32_t(KW) + q;
              for (int64_t l = 0; l < L; ++l)
                o[l] = slot[l] == k ? grad[l] : 0.0f;
            }
        }
    }
    return;
  }
  std::fill(dx, dx + B * C * H * W, 0.0f);
  for (int64_t g = 0; g < B * groups; ++g) {
    const float *xg = x + g * H * W * L;
    float *dxg = dx + g * H * W * L;
    const float *dyg = dy + g * OH * OW * L;
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        int64_t best[L];
        float bestValue[L];
        for (int64_t l = 0; l < L; ++l) {
          best[l] = -1;
          bestValue[l] = 0;
        }
        for (int64_t p = 0; p < KH; ++p) {
          int64_t h = i * SH - PH + p;
          if (h < 0 || h >= H)
            continue;
          for (int64_t q = 0; q < KW; ++q) {
            int64_t w = j * SW - PW + q;
            if (w < 0 || w >= W)
              continue;
            int64_t at = (h * W + w) * L;
            for (int64_t l = 0; l < L; ++l) {
              float v = xg[at + l];
              bool better = best[l] < 0 || v > bestValue[l];
              best[l] = better ? at + l : best[l];
              bestValue[l] = better ? v : bestValue[l];
            }
          }
        }
        for (int64_t l = 0; l < L; ++l)
          if (best[l] >= 0)
            dxg[best[l]] += dyg[(i * OW + j) * L + l];
      }
  }
  if (reluMask)
    for (int64_t e = 0, n = B * C * H * W; e < n; ++e)
      dx[e] = x[e] > 0 ? dx[e] : 0.0f;
}

/// The layouts' instances, on x86-64 also compiled for AVX2 (one 8-lane
/// register per channel block) and picked at load time on CPUs that have it
/// (an ifunc; not in sanitizer builds, whose instrumentation is not ready
/// when the dynamic loader runs the ifunc resolvers).
#if defined(__x86_64__) && !CREDO_SANITIZER_BUILD
#define CREDO_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#else
#define CREDO_AVX2_CLONE
#endif
CREDO_AVX2_CLONE void maxPoolPlain(const float *x, float *y,
                                   std::array<int64_t, 12> s) {
  maxPoolForward<1, false, false>(x, y, s);
}
CREDO_AVX2_CLONE void maxPoolBlocks(const float *x, float *y,
                                    std::array<int64_t, 12> s,
                                    int64_t layouts) {
  switch (layouts & 3) {
  case 0:
    return maxPoolForward<CREDO_CHANNEL_BLOCK, false, false>(x, y, s);
  case 1:
    return maxPoolForward<CREDO_CHANNEL_BLOCK, true, false>(x, y, s);
  case 2:
    return maxPoolForward<CREDO_CHANNEL_BLOCK, false, true>(x, y, s);
  default:
    return maxPoolForward<CREDO_CHANNEL_BLOCK, true, true>(x, y, s);
  }
}
CREDO_AVX2_CLONE void maxPoolGradBlocked(const float *dy, const float *x,
                                         float *dx, std::array<int64_t, 12> s,
                                         bool reluMask) {
  maxPoolGrad<CREDO_CHANNEL_BLOCK>(dy, x, dx, s, reluMask);
}
CREDO_AVX2_CLONE void maxPoolGradPlain(const float *dy, const float *x,
                                       float *dx, std::array<int64_t, 12> s,
                                       bool reluMask) {
  maxPoolGrad<1>(dy, x, dx, s, reluMask);
}

/// Plain ↔ channel-blocked image conversion.
void convertLayout(bool toBlocked, const float *x, float *y, int64_t b,
                   int64_t c, int64_t h, int64_t w) {
  runCached(toBlocked ? "to_blocked" : "from_blocked",
            makeKey(toBlocked ? kToBlocked : kFromBlocked, b, c, h, w),
            {const_cast<float *>(x), y}, [&] {
              auto from = image({b, c, h, w}, !toBlocked),
                   to = image({b, c, h, w}, toBlocked);
              return Cached{
                  reorder(mem(from), mem(to)),
                  {{DNNL_ARG_FROM, mem(from)}, {DNNL_ARG_TO, mem(to)}},
                  {},
                  {}};
            });
}

void eltwise(KernelKind kind, algorithm alg, const char *name, const float *x,
             float *y, int64_t n) {
  runCached(name, makeKey(kind, n), {const_cast<float *>(x), y}, [&] {
    auto md = plain({n});
    eltwise_forward::desc d(prop_kind::forward_inference, alg, md, 0.f, 0.f);
    eltwise_forward::primitive_desc pd(d, cpuEngine());
    return Cached{eltwise_forward(pd),
                  {{DNNL_ARG_SRC, mem(md)}, {DNNL_ARG_DST, mem(md)}},
                  {},
                  {}};
  });
}

} // namespace

void credo::rt::applyThreadCount() {
  int n = numThreads;
  if (appliedThreads != n) {
    omp_set_num_threads(n);
    appliedThreads = n;
  }
}

extern "C" {

void credo_set_num_threads(int threads) {
  numThreads =
      std::min(threads <= 0 ? omp_get_num_procs() : threads, CREDO_MAX_THREADS);
  credo::rt::applyThreadCount();
}

int credo_get_num_threads(void) { return numThreads; }

void credo_rt_matmul_f32(const float *a, const float *b, float *y, int64_t m,
                         int64_t k, int64_t n, int64_t transpose_a,
                         int64_t transpose_b) {
  matmulT(a, b, y, m, k, n, transpose_a != 0, transpose_b != 0);
}

namespace {
/// The calling thread's buffer of m·n floats for a product computed aside
/// (reused by the next call), or null when it cannot be had (the kernel
/// has failed: out of memory).
float *productAside(int64_t m, int64_t n) {
  thread_local std::vector<float> buffer;
  float *part = resized(buffer, m * n);
  if (!part)
    credo::rt::failKernel("out of memory for a product of " +
                              std::to_string(m) + " x " + std::to_string(n),
                          CREDO_ERR_OUT_OF_MEMORY);
  return part;
}

/// y = dense(x, w, b) + c.
void denseAdd(const float *x, const float *w, const float *b, const float *c,
              float *y, int64_t m, int64_t k, int64_t n) {
  if (credo::rt::sparseMatmul(x, false, w, false, b, y, m, k, n, false,
                              sparseMaxDensity(), /*accumulate=*/false,
                              /*addend=*/c))
    return;
  float *out = c == y ? productAside(m, n) : y; // the layer aside if c is y
  if (!out)
    return;
  dense(x, w, b, out, m, k, n, CREDO_POST_NONE);
  // The sum into y, read and written through one pointer (two pointers to
  // one buffer keep a compiler from vectorizing the loop): y is the
  // product (c aside) or c (the product aside).
  const float *other = out == y ? c : out;
  for (int64_t i = 0; i < m * n; ++i)
    y[i] += other[i];
}
} // namespace

void credo_rt_matmul_acc_f32(const float *a, const float *b, float *y,
                             int64_t m, int64_t k, int64_t n,
                             int64_t transpose_a, int64_t transpose_b) {
  if (credo::rt::sparseMatmul(a, transpose_a != 0, b, transpose_b != 0, nullptr,
                              y, m, k, n, false, sparseMaxDensity(),
                              /*accumulate=*/true))
    return;
  // Otherwise the product aside, then the sum: a small one on the stack
  // (m·n <= m·k·n <= kSmallProduct), without the thread's buffer.
  alignas(32) float small[credo::rt::kSmallProduct];
  if (credo::rt::smallMatmul(a, transpose_a != 0, b, transpose_b != 0, nullptr,
                             small, m, k, n, false)) {
    for (int64_t i = 0; i < m * n; ++i)
      y[i] += small[i];
    return;
  }
  bool ta = transpose_a != 0, tb = transpose_b != 0;
  // A narrow weight gradient goes through the wide transposed product.
  if (ta && !tb && n < kNarrowColumns && m >= kNarrowMinRows) {
    float *part = productAside(m, n);
    if (!part)
      return;
    matmulT(a, b, part, m, k, n, ta, tb);
    for (int64_t i = 0; i < m * n; ++i)
      y[i] += part[i];
    return;
  }
  // oneDNN adds the product into y (a sum post-op), without a buffer for
  // it and a second pass (the dendritic rule's apical sum r·Bᵀ + r^I·W^PI
  // at batch 128: 23,000 cycles instead of 53,000).
  auto make = [&] {
    using tag = memory::format_tag;
    memory::desc amd({m, k}, memory::data_type::f32, ta ? tag::ba : tag::ab);
    memory::desc bmd({k, n}, memory::data_type::f32, tb ? tag::ba : tag::ab);
    auto ymd = plain({m, n});
    post_ops ops;
    ops.append_sum(1.0f);
    primitive_attr attr;
    attr.set_post_ops(ops);
    matmul::primitive_desc pd(matmul::desc(amd, bmd, ymd), attr, cpuEngine());
    return withArgs(matmul(pd), amd, bmd, ymd, nullptr);
  };
  runCached("matmul", makeKey(kMatmulAcc, m, k, n, ta, tb),
            {const_cast<float *>(a), const_cast<float *>(b), y}, make);
}

void credo_rt_dense_add_f32(const float *x, const float *w, const float *c,
                            float *y, int64_t m, int64_t k, int64_t n) {
  denseAdd(x, w, nullptr, c, y, m, k, n);
}

void credo_rt_dense_bias_add_f32(const float *x, const float *w, const float *b,
                                 const float *c, float *y, int64_t m, int64_t k,
                                 int64_t n) {
  denseAdd(x, w, b, c, y, m, k, n);
}

void credo_rt_dense_f32(const float *x, const float *w, float *y, int64_t m,
                        int64_t k, int64_t n, int64_t post) {
  dense(x, w, nullptr, y, m, k, n, post);
}

void credo_rt_dense_bias_f32(const float *x, const float *w, const float *b,
                             float *y, int64_t m, int64_t k, int64_t n,
                             int64_t post) {
  dense(x, w, b, y, m, k, n, post);
}

void credo_rt_to_blocked_f32(const float *x, float *y, int64_t b, int64_t c,
                             int64_t h, int64_t w) {
  convertLayout(true, x, y, b, c, h, w);
}

void credo_rt_from_blocked_f32(const float *x, float *y, int64_t b, int64_t c,
                               int64_t h, int64_t w) {
  convertLayout(false, x, y, b, c, h, w);
}

void credo_rt_conv2d_f32(const float *x, const float *w, float *y,
                         CREDO_CONV2D_SHAPE_ARGS) {
  conv(x, w, nullptr, y, {b, c, h, w_, o, kh, kw, sh, sw, ph, pw, oh, ow}, post,
       layouts);
}

void credo_rt_conv2d_bias_f32(const float *x, const float *w, const float *bias,
                              float *y, CREDO_CONV2D_SHAPE_ARGS) {
  conv(x, w, bias, y, {b, c, h, w_, o, kh, kw, sh, sw, ph, pw, oh, ow}, post,
       layouts);
}

void credo_rt_conv2d_grad_input_f32(const float *dy, const float *w, float *dx,
                                    CREDO_CONV2D_GRAD_SHAPE_ARGS) {
  convGrad(false, dy, w, dx, nullptr,
           {b, c, h, w_, o, kh, kw, sh, sw, ph, pw, oh, ow}, layouts);
}

void credo_rt_conv2d_grad_weight_f32(const float *x, const float *dy, float *dw,
                                     CREDO_CONV2D_GRAD_SHAPE_ARGS) {
  convGrad(true, x, dy, dw, nullptr,
           {b, c, h, w_, o, kh, kw, sh, sw, ph, pw, oh, ow}, layouts);
}

void credo_rt_conv2d_grad_weight_bias_f32(const float *x, const float *dy,
                                          float *dw, float *db,
                                          CREDO_CONV2D_GRAD_SHAPE_ARGS) {
  convGrad(true, x, dy, dw, db,
           {b, c, h, w_, o, kh, kw, sh, sw, ph, pw, oh, ow}, layouts);
}

void credo_rt_max_pool2d_f32(const float *x, float *y,
                             CREDO_POOL2D_SHAPE_ARGS) {
  std::array<int64_t, 12> s = {b, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow};
  if (c % CREDO_CHANNEL_BLOCK != 0)
    return maxPoolPlain(x, y, s);
  maxPoolBlocks(x, y, s, layouts);
}

void credo_rt_avg_pool2d_f32(const float *x, float *y,
                             CREDO_POOL2D_SHAPE_ARGS) {
  pool(false, x, y, {b, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow}, layouts);
}

void credo_rt_max_pool2d_grad_f32(const float *dy, const float *x, float *dx,
                                  CREDO_POOL2D_SHAPE_ARGS, int64_t relu_mask) {
  // Every image argument shares one layout (the converter's choice).
  std::array<int64_t, 12> s = {b, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow};
  if (layouts & 1)
    maxPoolGradBlocked(dy, x, dx, s, relu_mask != 0);
  else
    maxPoolGradPlain(dy, x, dx, s, relu_mask != 0);
}

void credo_rt_softmax_f32(const float *x, float *y, int64_t outer, int64_t axis,
                          int64_t inner) {
  runCached("softmax", makeKey(kSoftmax, outer, axis, inner),
            {const_cast<float *>(x), y}, [&] {
              auto md = plain({outer, axis, inner});
              softmax_forward::desc d(prop_kind::forward_inference, md, 1);
              softmax_forward::primitive_desc pd(d, cpuEngine());
              return Cached{softmax_forward(pd),
                            {{DNNL_ARG_SRC, mem(md)}, {DNNL_ARG_DST, mem(md)}},
                            {},
                            {}};
            });
  // A slice with a NaN in it is all NaN, as in the portable lowering (whose
  // NaN-propagating maximum makes every x - max NaN); oneDNN leaves zeros
  // next to the NaN.
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      float *slice = y + o * axis * inner + i;
      bool nan = false;
      for (int64_t a = 0; a < axis && !nan; ++a)
        nan = slice[a * inner] != slice[a * inner];
      if (nan)
        for (int64_t a = 0; a < axis; ++a)
          slice[a * inner] = std::numeric_limits<float>::quiet_NaN();
    }
}

void credo_rt_relu_f32(const float *x, float *y, int64_t n) { relu(x, y, n); }
void credo_rt_sigmoid_f32(const float *x, float *y, int64_t n) {
  eltwise(kSigmoid, algorithm::eltwise_logistic, "sigmoid", x, y, n);
}
void credo_rt_tanh_f32(const float *x, float *y, int64_t n) {
  eltwise(kTanh, algorithm::eltwise_tanh, "tanh", x, y, n);
}
void credo_rt_softplus_f32(const float *x, float *y, int64_t n) {
  eltwise(kSoftplus, algorithm::eltwise_soft_relu, "softplus", x, y, n);
}

} // extern "C"
