//===- Winograd.h - Winograd convolutions on the CPU ------------*- C++ -*-===//
//
// Stride-1 3x3 and 5x5 convolutions of plain or channel-blocked images by
// Winograd's minimal filtering F(m x m, r x r): each m x m output tile costs
// (m+r-1)^2 multiplications per channel pair instead of m^2 r^2, and the
// channel sums become (m+r-1)^2 independent matrix products (oneDNN's
// sgemm). The forward
// pass, the input gradient and the weight gradient (with the bias gradient)
// share the same transforms; the gradients are their exact adjoints. Not
// installed; DnnlKernels.cpp decides when to call them.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_RUNTIME_SRC_CPU_WINOGRAD_H
#define CREDO_RUNTIME_SRC_CPU_WINOGRAD_H

#include <cstdint>

namespace credo::rt {

/// Sizes of a convolution y[B,O,OH,OW] = conv(x[B,C,H,W], w[O,C,KH,KW]).
struct ConvShape {
  int64_t B, C, H, W, O, KH, KW, SH, SW, PH, PW, OH, OW;
};

/// Whether the Winograd kernels take this convolution: stride 1, a square
/// 3x3 or 5x5 kernel, channel counts that are multiples of 8, and at most
/// 64 MiB in each scratch buffer (transformed tiles of a round, kernels).
bool winogradTakes(const ConvShape &s);

/// y = post(conv(x, w) + bias) (bias may be null; relu applies max(·, 0)).
/// The *Blocked flags give each image's layout (see credo/kernels.h).
void winogradForward(const float *x, const float *w, const float *bias,
                     float *y, const ConvShape &s, bool relu, bool xBlocked,
                     bool yBlocked);

/// dx from dy and w.
void winogradGradInput(const float *dy, const float *w, float *dx,
                       const ConvShape &s, bool dyBlocked, bool dxBlocked);

/// dw from x and dy, and db[O] = the sum of dy over B, OH, OW if db is set.
void winogradGradWeight(const float *x, const float *dy, float *dw, float *db,
                        const ConvShape &s, bool xBlocked, bool dyBlocked);

} // namespace credo::rt

#endif // CREDO_RUNTIME_SRC_CPU_WINOGRAD_H
