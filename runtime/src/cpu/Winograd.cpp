//===- Winograd.cpp - Winograd convolutions on the CPU ----------*- C++ -*-===//
//
// F(m x m, r x r) for r = 3, 5 and m = 2, 4 (the one with fewer products for
// the output size). With n = m + r - 1, an output tile is
//
//   Y = Aᵀ [ Σ_c (G g_oc Gᵀ) ⊙ (Bᵀ d_c B) ] A
//
// where d_c is the n x n input tile of channel c and g_oc the kernel. The
// n² positions of the transformed tiles are independent matrix products
// over the channels: M_k[tiles, O] = V_k[tiles, C] · U_k[C, O]. Images are
// staged into zero-padded channel-blocked buffers, so every tile transform
// works on 8-channel vectors. The input gradient is the adjoint,
// dd = B [ Σ_o U_k ⊙ (A dy Aᵀ) ] Bᵀ summed over overlapping tiles, and the
// weight gradient dg = Gᵀ [ Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B) ] G.
//
// The transform matrices come from the Toom-Cook construction over the
// points 0, 1, -1, 2, -2, 1/2, -1/2 (as many as n - 1 needs) and infinity;
// they are computed at compile time, so zero coefficients cost nothing.
//
//===----------------------------------------------------------------------===//

#include "Winograd.h"

#include "Simd.h"

#include "Internal.h"
#include "credo/kernels.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace credo::rt {
namespace {

constexpr int64_t L = CREDO_CHANNEL_BLOCK;
static_assert(L == 8, "the tile code works on 8-lane vectors");

using namespace simd;

/// The interpolation points; n - 1 of them are used.
constexpr double kPoints[] = {0, 1, -1, 2, -2, 0.5, -0.5};

template <int M, int R> struct Transforms {
  static constexpr int N = M + R - 1;
  static_assert(N - 1 <= int(sizeof(kPoints) / sizeof(kPoints[0])));
  float AT[M][N], A[N][M]; ///< output transform and its transpose
  float BT[N][N], B[N][N]; ///< input transform and its transpose
  float G[N][R], GT[R][N]; ///< kernel transform and its transpose
};

template <int M, int R> constexpr Transforms<M, R> makeTransforms() {
  constexpr int N = M + R - 1, F = N - 1; // F finite points, then infinity
  Transforms<M, R> t{};
  for (int j = 0; j < N; ++j) {
    const double a = j < F ? kPoints[j] : 0;
    // Aᵀ: powers of the points (the point at infinity picks the top term).
    double power = 1;
    for (int i = 0; i < M; ++i, power *= a)
      t.AT[i][j] = float(j < F ? power : (i == M - 1 ? 1 : 0));
    // G: powers over the Lagrange denominators.
    double denominator = 1;
    for (int l = 0; l < F; ++l)
      if (l != j && j < F)
        denominator *= a - kPoints[l];
    power = 1;
    for (int k = 0; k < R; ++k, power *= a)
      t.G[j][k] = float(j < F ? power / denominator : (k == R - 1 ? 1 : 0));
    // Bᵀ row j: coefficients of the product of (x - a_l) over l != j.
    double c[N] = {1};
    int degree = 0;
    for (int l = 0; l < F; ++l) {
      if (l == j)
        continue;
      for (int e = degree + 1; e > 0; --e)
        c[e] = c[e - 1] - kPoints[l] * c[e];
      c[0] = -kPoints[l] * c[0];
      ++degree;
    }
    for (int e = 0; e < N; ++e)
      t.BT[j][e] = float(c[e]);
  }
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < M; ++j)
      t.A[i][j] = t.AT[j][i];
    for (int j = 0; j < N; ++j)
      t.B[i][j] = t.BT[j][i];
    for (int j = 0; j < R; ++j)
      t.GT[j][i] = t.G[i][j];
  }
  return t;
}

template <int M, int R>
constexpr Transforms<M, R> kTransforms = makeTransforms<M, R>();

/// acc += c · v, where c is a compile-time constant after unrolling: zero
/// terms vanish and ±1 need no multiplication.
template <typename T>
CREDO_INLINE void addTerm(T &acc, bool &started, T v, float c) {
  if (c == 0)
    return;
  T term = c == 1 ? v : c == -1 ? -v : v * c;
  acc = started ? acc + term : term;
  started = true;
}

/// out = X · in · Xᵀ for a constant P x Q matrix X.
template <int P, int Q, typename T>
CREDO_INLINE void sandwich(const float (&X)[P][Q], const T (&in)[Q][Q],
                           T (&out)[P][P]) {
  T half[Q][P];
  CREDO_UNROLL
  for (int a = 0; a < Q; ++a) {
    CREDO_UNROLL
    for (int j = 0; j < P; ++j) {
      T acc{};
      bool started = false;
      CREDO_UNROLL
      for (int b = 0; b < Q; ++b)
        addTerm(acc, started, in[a][b], X[j][b]);
      half[a][j] = acc;
    }
  }
  CREDO_UNROLL
  for (int i = 0; i < P; ++i) {
    CREDO_UNROLL
    for (int j = 0; j < P; ++j) {
      T acc{};
      bool started = false;
      CREDO_UNROLL
      for (int a = 0; a < Q; ++a)
        addTerm(acc, started, half[a][j], X[i][a]);
      out[i][j] = acc;
    }
  }
}

/// Sizes shared by the passes: tiles per image, the padded input extent
/// that the tiles cover, and how many images go through at once.
struct Geometry {
  int64_t th, tw, tiles; ///< tiles per column, row and image
  int64_t hp, wp;        ///< padded input extent: m·th + r - 1
  int64_t chunk;         ///< images per round of matrix products
};

Geometry geometry(const ConvShape &s, int64_t m) {
  Geometry g;
  g.th = (s.OH + m - 1) / m;
  g.tw = (s.OW + m - 1) / m;
  g.tiles = g.th * g.tw;
  g.hp = m * g.th + s.KH - 1;
  g.wp = m * g.tw + s.KW - 1;
  // About 128 tiles per round keeps the transformed tiles near the cache.
  g.chunk = std::clamp<int64_t>(128 / g.tiles, 1, s.B);
  return g;
}

/// Floats between the planes of transformed tiles, [k][tiles][channels]:
/// tile transforms touch all n² planes at once, and planes a power of two
/// apart would fall into the same cache sets.
int64_t planeStride(int64_t tiles, int64_t channels) {
  return tiles * channels + 16;
}

/// Copies image b of img [B,C,H,W] (plain or blocked) into the zeroed
/// blocked buffer buf [C/8, hp, wp, 8] at (top, left).
void stage(const float *img, bool blocked, int64_t b, int64_t C, int64_t H,
           int64_t W, float *buf, int64_t hp, int64_t wp, int64_t top,
           int64_t left) {
  const int64_t CB = C / L;
  std::fill(buf, buf + CB * hp * wp * L, 0.0f);
  for (int64_t cb = 0; cb < CB; ++cb)
    for (int64_t h = 0; h < H; ++h) {
      float *to = buf + ((cb * hp + h + top) * wp + left) * L;
      if (blocked) {
        const float *from = img + (((b * CB + cb) * H + h) * W) * L;
        std::memcpy(to, from, W * L * sizeof(float));
        continue;
      }
      for (int64_t l = 0; l < L; ++l) {
        const float *from = img + ((b * C + cb * L + l) * H + h) * W;
        for (int64_t w = 0; w < W; ++w)
          to[w * L + l] = from[w];
      }
    }
}

/// The reverse of stage: image b of img from buf's window at (top, left).
void unstage(const float *buf, int64_t hp, int64_t wp, int64_t top,
             int64_t left, float *img, bool blocked, int64_t b, int64_t C,
             int64_t H, int64_t W) {
  const int64_t CB = C / L;
  for (int64_t cb = 0; cb < CB; ++cb)
    for (int64_t h = 0; h < H; ++h) {
      const float *from = buf + ((cb * hp + h + top) * wp + left) * L;
      if (blocked) {
        float *to = img + (((b * CB + cb) * H + h) * W) * L;
        std::memcpy(to, from, W * L * sizeof(float));
        continue;
      }
      for (int64_t l = 0; l < L; ++l) {
        float *to = img + ((b * C + cb * L + l) * H + h) * W;
        for (int64_t w = 0; w < W; ++w)
          to[w] = from[w * L + l];
      }
    }
}

/// Per-thread scratch buffers, grown on demand.
struct Workspace {
  std::vector<float> tilesIn, tilesOut, kernel, image;
  /// The forward pass's receptive fields that hold only zeros
  /// (markZeroFields), and the counts they are found from.
  std::vector<uint8_t> zeroFields;
  std::vector<int32_t> nonZeroCounts;
  static float *at(std::vector<float> &v, int64_t n) {
    if (int64_t(v.size()) < n)
      v.resize(n);
    return v.data();
  }
};

Workspace &workspace() {
  thread_local Workspace ws;
  return ws;
}

/// C[m,n] (+)= op(A) · op(B), row-major; false (recorded) on failure.
bool gemm(char ta, char tb, int64_t m, int64_t n, int64_t k, const float *a,
          int64_t lda, const float *b, int64_t ldb, float beta, float *c,
          int64_t ldc) {
  dnnl_status_t st =
      dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  if (st == dnnl_success)
    return true;
  failKernel("conv2d (Winograd): oneDNN sgemm failed with status " +
             std::to_string(int(st)));
  return false;
}

/// Everything one pass needs.
struct Call {
  enum Kind { Forward, GradInput, GradWeight } kind;
  const float *in0, *in1; ///< (x, w), (dy, w) or (x, dy)
  const float *bias;      ///< forward only
  float *out, *db;        ///< y, dx or dw (and db)
  ConvShape s;
  bool relu, blocked0, blocked1; ///< layouts of the two image arguments
};

/// U[k, c, o] = (G g_oc Gᵀ)[k] for every kernel g_oc = w[o, c], eight
/// output channels (one vector) at a time; planes planeStride(C, O) apart.
template <int M, int R>
CREDO_INLINE void transformKernels(const float *w, int64_t O, int64_t C,
                                   float *U) {
  constexpr int N = M + R - 1;
  const auto &t = kTransforms<M, R>;
  const int64_t ks = planeStride(C, O);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t ob = 0; ob < O / L; ++ob) {
      Vec g[R][R], u[N][N];
      for (int k = 0; k < R * R; ++k)
        for (int64_t l = 0; l < L; ++l)
          g[k / R][k % R][l] = w[((ob * L + l) * C + c) * R * R + k];
      sandwich(t.G, g, u);
      CREDO_UNROLL
      for (int k = 0; k < N * N; ++k)
        store(U + k * ks + c * O + ob * L, u[k / N][k % N]);
    }
}

/// dw[o, c] = Gᵀ dU[·, c, o] G, the reverse of transformKernels.
template <int M, int R>
CREDO_INLINE void untransformKernels(const float *dU, int64_t O, int64_t C,
                                     float *dw) {
  constexpr int N = M + R - 1;
  const auto &t = kTransforms<M, R>;
  const int64_t ks = planeStride(C, O);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t ob = 0; ob < O / L; ++ob) {
      Vec u[N][N], g[R][R];
      CREDO_UNROLL
      for (int k = 0; k < N * N; ++k)
        u[k / N][k % N] = load(dU + k * ks + c * O + ob * L);
      sandwich(t.GT, u, g);
      for (int k = 0; k < R * R; ++k)
        for (int64_t l = 0; l < L; ++l)
          dw[((ob * L + l) * C + c) * R * R + k] = g[k / R][k % R][l];
    }
}

/// zero[oh·OW + ow] = whether the R x R receptive field of output (oh, ow)
/// in the staged image buf holds only zeros, in every channel. There the
/// direct sum is exactly the bias; a Winograd tile leaves rounding noise
/// of its other outputs' size instead, which a ReLU after it would read as
/// a sign (a zero-padded border or a black background, with a zero bias,
/// would pass gradient where the direct convolution's ReLU does not).
/// counts: a buffer for the running counts of non-zero positions.
template <int R>
CREDO_INLINE void markZeroFields(const float *buf, int64_t C,
                                 const ConvShape &s, const Geometry &g,
                                 uint8_t *zero, std::vector<int32_t> &counts) {
  const int64_t hp = g.hp, wp = g.wp, rows = s.OH + R - 1, cols = s.OW + R - 1,
                stride = cols + 1;
  // counts[(r + 1)·stride + q + 1]: non-zero positions in rows 0..r,
  // columns 0..q (a summed-area table); NaN counts as non-zero.
  counts.assign(size_t((rows + 1) * stride), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t q = 0; q < cols; ++q) {
      bool nonZero = false;
      for (int64_t cb = 0; cb < C / L && !nonZero; ++cb) {
        const float *p = buf + ((cb * hp + r) * wp + q) * L;
        for (int64_t l = 0; l < L; ++l)
          nonZero |= p[l] != 0.0f;
      }
      counts[(r + 1) * stride + q + 1] =
          int32_t(nonZero) + counts[r * stride + q + 1] +
          counts[(r + 1) * stride + q] - counts[r * stride + q];
    }
  for (int64_t oh = 0; oh < s.OH; ++oh)
    for (int64_t ow = 0; ow < s.OW; ++ow)
      zero[oh * s.OW + ow] =
          counts[(oh + R) * stride + ow + R] - counts[oh * stride + ow + R] -
              counts[(oh + R) * stride + ow] + counts[oh * stride + ow] ==
          0;
}

/// Input tiles of `count` images staged from img (first image b0) into
/// V[k, tile, C]; with `zeroFields`, also each image's markZeroFields (OH·OW
/// apart).
template <int M, int R>
CREDO_INLINE void transformInputs(const float *img, bool blocked, int64_t b0,
                                  int64_t count, const ConvShape &s,
                                  const Geometry &g, float *buf, float *V,
                                  uint8_t *zeroFields = nullptr,
                                  std::vector<int32_t> *counts = nullptr) {
  constexpr int N = M + R - 1;
  const auto &t = kTransforms<M, R>;
  const int64_t C = s.C, ks = planeStride(count * g.tiles, C);
  for (int64_t i = 0; i < count; ++i) {
    stage(img, blocked, b0 + i, C, s.H, s.W, buf, g.hp, g.wp, s.PH, s.PW);
    if (zeroFields)
      markZeroFields<R>(buf, C, s, g, zeroFields + i * s.OH * s.OW, *counts);
    for (int64_t ti = 0; ti < g.th; ++ti)
      for (int64_t tj = 0; tj < g.tw; ++tj)
        for (int64_t cb = 0; cb < C / L; ++cb) {
          const float *p = buf + ((cb * g.hp + M * ti) * g.wp + M * tj) * L;
          Vec d[N][N], x[N][N];
          CREDO_UNROLL
          for (int u = 0; u < N; ++u) {
            CREDO_UNROLL
            for (int v = 0; v < N; ++v)
              d[u][v] = load(p + (u * g.wp + v) * L);
          }
          sandwich(t.BT, d, x);
          float *to = V + ((i * g.tiles + ti * g.tw + tj) * C + cb * L);
          CREDO_UNROLL
          for (int k = 0; k < N * N; ++k)
            store(to + k * ks, x[k / N][k % N]);
        }
  }
}

/// Output-gradient tiles of `count` images into Z[k, tile, O] (A dy Aᵀ),
/// and their sum per channel into dbSum (if set).
template <int M, int R>
CREDO_INLINE void transformGrads(const float *dy, bool blocked, int64_t b0,
                                 int64_t count, const ConvShape &s,
                                 const Geometry &g, float *buf, float *Z,
                                 double *dbSum) {
  constexpr int N = M + R - 1;
  const auto &t = kTransforms<M, R>;
  const int64_t O = s.O, ks = planeStride(count * g.tiles, O);
  const int64_t hp = M * g.th, wp = M * g.tw; // dy padded to whole tiles
  for (int64_t i = 0; i < count; ++i) {
    stage(dy, blocked, b0 + i, O, s.OH, s.OW, buf, hp, wp, 0, 0);
    for (int64_t ob = 0; dbSum && ob < O / L; ++ob)
      addLaneSums(buf + ob * hp * wp * L, hp, wp, dbSum + ob * L);
    for (int64_t ti = 0; ti < g.th; ++ti)
      for (int64_t tj = 0; tj < g.tw; ++tj)
        for (int64_t ob = 0; ob < O / L; ++ob) {
          const float *p = buf + ((ob * hp + M * ti) * wp + M * tj) * L;
          Vec d[M][M], z[N][N];
          CREDO_UNROLL
          for (int u = 0; u < M; ++u) {
            CREDO_UNROLL
            for (int v = 0; v < M; ++v)
              d[u][v] = load(p + (u * wp + v) * L);
          }
          sandwich(t.A, d, z);
          float *to = Z + ((i * g.tiles + ti * g.tw + tj) * O + ob * L);
          CREDO_UNROLL
          for (int k = 0; k < N * N; ++k)
            store(to + k * ks, z[k / N][k % N]);
        }
  }
}

template <int M, int R> CREDO_INLINE void forward(const Call &c) {
  constexpr int N = M + R - 1;
  const auto &t = kTransforms<M, R>;
  const ConvShape &s = c.s;
  const Geometry g = geometry(s, M);
  const int64_t C = s.C, O = s.O, maxTiles = g.chunk * g.tiles;
  Workspace &ws = workspace();
  float *U = Workspace::at(ws.kernel, N * N * planeStride(C, O));
  float *V = Workspace::at(ws.tilesIn, N * N * planeStride(maxTiles, C));
  float *Mo = Workspace::at(ws.tilesOut, N * N * planeStride(maxTiles, O));
  float *buf = Workspace::at(ws.image, (C / L) * g.hp * g.wp * L);
  if (int64_t(ws.zeroFields.size()) < g.chunk * s.OH * s.OW)
    ws.zeroFields.resize(size_t(g.chunk * s.OH * s.OW));
  uint8_t *zeroFields = ws.zeroFields.data();
  transformKernels<M, R>(c.in1, O, C, U);
  for (int64_t b0 = 0; b0 < s.B; b0 += g.chunk) {
    const int64_t count = std::min(g.chunk, s.B - b0), T = count * g.tiles,
                  kc = planeStride(T, C), ko = planeStride(T, O);
    transformInputs<M, R>(c.in0, c.blocked0, b0, count, s, g, buf, V,
                          zeroFields, &ws.nonZeroCounts);
    for (int k = 0; k < N * N; ++k)
      if (!gemm('N', 'N', T, O, C, V + k * kc, C, U + k * planeStride(C, O), O,
                0.0f, Mo + k * ko, O))
        return;
    for (int64_t i = 0; i < count; ++i)
      for (int64_t ti = 0; ti < g.th; ++ti)
        for (int64_t tj = 0; tj < g.tw; ++tj)
          for (int64_t ob = 0; ob < O / L; ++ob) {
            const Vec bias = c.bias ? load(c.bias + ob * L) : Vec{};
            const float *from =
                Mo + (i * g.tiles + ti * g.tw + tj) * O + ob * L;
            Vec m[N][N], y[M][M];
            CREDO_UNROLL
            for (int k = 0; k < N * N; ++k)
              m[k / N][k % N] = load(from + k * ko);
            sandwich(t.AT, m, y);
            const int64_t b = b0 + i;
            for (int u = 0; u < M && M * ti + u < s.OH; ++u)
              for (int v = 0; v < M && M * tj + v < s.OW; ++v) {
                const int64_t oh = M * ti + u, ow = M * tj + v;
                // (An all-zero receptive field: exactly the bias, as the
                // direct sum gives.)
                Vec r = zeroFields[(i * s.OH + oh) * s.OW + ow]
                            ? bias
                            : y[u][v] + bias;
                if (c.relu)
                  r = r > 0 ? r : r * 0.0f; // NaN stays NaN
                if (c.blocked1) {
                  store(c.out +
                            (((b * (O / L) + ob) * s.OH + oh) * s.OW + ow) * L,
                        r);
                  continue;
                }
                for (int64_t l = 0; l < L; ++l)
                  c.out[((b * O + ob * L + l) * s.OH + oh) * s.OW + ow] = r[l];
              }
          }
  }
}

template <int M, int R> CREDO_INLINE void gradInput(const Call &c) {
  constexpr int N = M + R - 1;
  const auto &t = kTransforms<M, R>;
  const ConvShape &s = c.s;
  const Geometry g = geometry(s, M);
  const int64_t C = s.C, O = s.O, maxTiles = g.chunk * g.tiles;
  Workspace &ws = workspace();
  float *U = Workspace::at(ws.kernel, N * N * planeStride(C, O));
  float *Q = Workspace::at(ws.tilesIn, N * N * planeStride(maxTiles, C));
  float *Z = Workspace::at(ws.tilesOut, N * N * planeStride(maxTiles, O));
  float *buf = Workspace::at(ws.image, std::max(C, O) * g.hp * g.wp);
  transformKernels<M, R>(c.in1, O, C, U);
  for (int64_t b0 = 0; b0 < s.B; b0 += g.chunk) {
    const int64_t count = std::min(g.chunk, s.B - b0), T = count * g.tiles,
                  kc = planeStride(T, C), ko = planeStride(T, O);
    transformGrads<M, R>(c.in0, c.blocked0, b0, count, s, g, buf, Z, nullptr);
    for (int k = 0; k < N * N; ++k)
      if (!gemm('N', 'T', T, C, O, Z + k * ko, O, U + k * planeStride(C, O), O,
                0.0f, Q + k * kc, C))
        return;
    for (int64_t i = 0; i < count; ++i) {
      std::fill(buf, buf + C * g.hp * g.wp, 0.0f);
      for (int64_t ti = 0; ti < g.th; ++ti)
        for (int64_t tj = 0; tj < g.tw; ++tj)
          for (int64_t cb = 0; cb < C / L; ++cb) {
            const float *from = Q + (i * g.tiles + ti * g.tw + tj) * C + cb * L;
            Vec q[N][N], d[N][N];
            CREDO_UNROLL
            for (int k = 0; k < N * N; ++k)
              q[k / N][k % N] = load(from + k * kc);
            sandwich(t.B, q, d);
            float *p = buf + ((cb * g.hp + M * ti) * g.wp + M * tj) * L;
            CREDO_UNROLL
            for (int u = 0; u < N; ++u) {
              CREDO_UNROLL
              for (int v = 0; v < N; ++v) {
                float *at = p + (u * g.wp + v) * L;
                store(at, load(at) + d[u][v]);
              }
            }
          }
      unstage(buf, g.hp, g.wp, s.PH, s.PW, c.out, c.blocked1, b0 + i, C, s.H,
              s.W);
    }
  }
}

template <int M, int R> CREDO_INLINE void gradWeight(const Call &c) {
  constexpr int N = M + R - 1;
  const ConvShape &s = c.s;
  const Geometry g = geometry(s, M);
  const int64_t C = s.C, O = s.O, maxTiles = g.chunk * g.tiles;
  Workspace &ws = workspace();
  float *dU = Workspace::at(ws.kernel, N * N * planeStride(C, O));
  float *V = Workspace::at(ws.tilesIn, N * N * planeStride(maxTiles, C));
  float *Z = Workspace::at(ws.tilesOut, N * N * planeStride(maxTiles, O));
  float *buf = Workspace::at(ws.image, std::max(C, O) * g.hp * g.wp);
  std::vector<double> dbSum(c.db ? O : 0, 0.0);
  for (int64_t b0 = 0; b0 < s.B; b0 += g.chunk) {
    const int64_t count = std::min(g.chunk, s.B - b0), T = count * g.tiles,
                  kc = planeStride(T, C), ko = planeStride(T, O);
    transformInputs<M, R>(c.in0, c.blocked0, b0, count, s, g, buf, V);
    transformGrads<M, R>(c.in1, c.blocked1, b0, count, s, g, buf, Z,
                         c.db ? dbSum.data() : nullptr);
    for (int k = 0; k < N * N; ++k)
      if (!gemm('T', 'N', C, O, T, V + k * kc, C, Z + k * ko, O,
                b0 == 0 ? 0.0f : 1.0f, dU + k * planeStride(C, O), O))
        return;
  }
  untransformKernels<M, R>(dU, O, C, c.out);
  for (int64_t o = 0; c.db && o < O; ++o)
    c.db[o] = float(dbSum[o]);
}

template <int M, int R> CREDO_INLINE void runPass(const Call &c) {
  switch (c.kind) {
  case Call::Forward:
    return forward<M, R>(c);
  case Call::GradInput:
    return gradInput<M, R>(c);
  case Call::GradWeight:
    return gradWeight<M, R>(c);
  }
}

// Each instance is compiled for the baseline ISA and, on x86-64, for AVX2
// with FMA (one register per channel block), picked at run time.
template <int M, int R> void runBaseline(const Call &c) { runPass<M, R>(c); }
template <int M, int R> CREDO_TARGET_AVX2 void runAvx2(const Call &c) {
  runPass<M, R>(c);
}
template <int M, int R> void runBest(const Call &c) {
  if (cpuHasAvx2Fma())
    return runAvx2<M, R>(c);
  runBaseline<M, R>(c);
}

/// The output tile with fewer products: n² per tile, over all tiles.
int64_t tileSize(const ConvShape &s) {
  auto cost = [&](int64_t m) {
    int64_t n = m + s.KH - 1;
    return n * n * ((s.OH + m - 1) / m) * ((s.OW + m - 1) / m);
  };
  return cost(4) < cost(2) ? 4 : 2;
}

void run(const Call &c) {
  try {
    const bool small = tileSize(c.s) == 2;
    if (c.s.KH == 3)
      return small ? runBest<2, 3>(c) : runBest<4, 3>(c);
    return small ? runBest<2, 5>(c) : runBest<4, 5>(c);
  } catch (const std::exception &e) {
    failKernel(std::string("conv2d (Winograd): ") + e.what());
  }
}

} // namespace

bool winogradTakes(const ConvShape &s) {
  if (!(s.SH == 1 && s.SW == 1 && s.KH == s.KW && (s.KH == 3 || s.KH == 5) &&
        s.B >= 1 && s.C >= L && s.O >= L && s.C % L == 0 && s.O % L == 0 &&
        s.PH >= 0 && s.PW >= 0 && s.OH >= 1 && s.OW >= 1 &&
        s.OH == s.H + 2 * s.PH - s.KH + 1 && s.OW == s.W + 2 * s.PW - s.KW + 1))
    return false;
  // A round holds at least one image's transformed tiles (or 128 tiles),
  // and the transformed kernels are n² / r² times the weights: leave shapes
  // whose buffers would pass 64 MiB to oneDNN.
  const int64_t m = tileSize(s), n = m + s.KH - 1;
  const double tiles =
      std::max(128.0, double((s.OH + m - 1) / m) * double((s.OW + m - 1) / m));
  const double limit = double(1 << 24);
  return double(n * n) * tiles * double(std::max(s.C, s.O)) <= limit &&
         double(n * n) * double(s.C) * double(s.O) <= limit;
}

void winogradForward(const float *x, const float *w, const float *bias,
                     float *y, const ConvShape &s, bool relu, bool xBlocked,
                     bool yBlocked) {
  run({Call::Forward, x, w, bias, y, nullptr, s, relu, xBlocked, yBlocked});
}

void winogradGradInput(const float *dy, const float *w, float *dx,
                       const ConvShape &s, bool dyBlocked, bool dxBlocked) {
  run({Call::GradInput, dy, w, nullptr, dx, nullptr, s, false, dyBlocked,
       dxBlocked});
}

void winogradGradWeight(const float *x, const float *dy, float *dw, float *db,
                        const ConvShape &s, bool xBlocked, bool dyBlocked) {
  run({Call::GradWeight, x, dy, nullptr, dw, db, s, false, xBlocked,
       dyBlocked});
}

} // namespace credo::rt
