//===- SmallInputConv.h - Weight gradients of few-channel inputs -*- C++
//-*-===//
//
// The weight gradient of a stride-1 convolution whose input has few
// channels (a grayscale or RGB image entering the first layer), with dy
// channel-blocked: oneDNN 2.6 pads such inputs to a channel block or
// reorders dy for its NHWC kernel. Not installed; DnnlKernels.cpp decides
// when to call it.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_RUNTIME_SRC_CPU_SMALLINPUTCONV_H
#define CREDO_RUNTIME_SRC_CPU_SMALLINPUTCONV_H

#include "Winograd.h" // ConvShape

namespace credo::rt {

/// Whether smallInputGradWeight takes this convolution: stride 1, at most 4
/// input channels, output channels a multiple of 8, a kernel of at most 7
/// columns.
bool smallInputTakes(const ConvShape &s);

/// dw[O,C,KH,KW] from plain x[B,C,H,W] and blocked dy[B,O/8,OH,OW,8], and
/// db[O] = the sum of dy over B, OH, OW if db is set.
void smallInputGradWeight(const float *x, const float *dy, float *dw, float *db,
                          const ConvShape &s);

} // namespace credo::rt

#endif // CREDO_RUNTIME_SRC_CPU_SMALLINPUTCONV_H
