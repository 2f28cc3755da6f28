//===- SmallMatmul.h - Products too small for a library call ---*- C++ -*-===//
//
// y[M,N] = op(a) · op(b) (+ bias) as plain loops, for products of at most
// kSmallProduct multiply-adds: a batch-1 step (a coagent acting, a
// dendritic settling iteration) spends more in oneDNN's dispatch than in
// the arithmetic. Each output is bias (or 0) plus the products in order of
// k, without fused multiply-adds: the sum the portable loops compute.
// DnnlKernels.cpp calls it first. Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_RUNTIME_SRC_CPU_SMALLMATMUL_H
#define CREDO_RUNTIME_SRC_CPU_SMALLMATMUL_H

#include <cstdint>

namespace credo::rt {

/// Most multiply-adds (M·K·N) of a product that smallMatmul takes.
constexpr int64_t kSmallProduct = 8192;

/// y = post(op(a) · op(b) (+ bias[N])), op(a) = a[M,K], or aᵀ of a stored
/// [K,M] when transposeA (likewise op(b) = b[K,N], or bᵀ of b stored [N,K]);
/// relu applies max(·, 0). Returns false, leaving y untouched, when
/// M·K·N exceeds kSmallProduct (or a size is not positive).
bool smallMatmul(const float *a, bool transposeA, const float *b,
                 bool transposeB, const float *bias, float *y, int64_t m,
                 int64_t k, int64_t n, bool relu);

} // namespace credo::rt

#endif // CREDO_RUNTIME_SRC_CPU_SMALLMATMUL_H
