//===- CredoSparseOps.td - Index tuples and the sparse hyperlayer -*- tablegen -*-===//
//
// Sparse-index ops: integer index tuples as tensor values, the gather and
// scatter-add that move data through them, the sparse contraction
// y[o] += w·x[i], and the ops of the adaptive sparse hyperlayer (Bloem et
// al., arXiv 1810.09184): the parameterisation of the tuples' means and
// variances, the integer points sampled around the means, duplicate masking,
// the normalised Gaussian densities that carry every gradient, and the
// rounding of the means at evaluation. Index tensors are i64; an index
// outside its dimension is a run-time error of the entry point, never an
// out-of-bounds access.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_SPARSE_OPS_TD
#define CREDO_SPARSE_OPS_TD

include "Credo/IR/CredoSpikingOps.td"

def Credo_IndexTensor : RankedTensorOf<[I64]>;

def Credo_GatherOp : Credo_InferredOp<"gather"> {
  let summary = "gathers columns through index tuples";
  let description = [{
    Reads `x : [B, N]` at one component of every index tuple:
    `y[b, s] = x[b, idx[s, c]]` with `c = column`, for `idx : [S…, r]` (a
    tensor of tuples with `r` components; `s` ranges over `S…`), so
    `y : [B, S…]`. Its adjoint is `credo.scatter_add`. An index outside
    `[0, N)` makes the entry point fail with the tuple's position and value.

    ```mlir
    %y = credo.gather %x, %idx {column = 1 : i64} : tensor<64x16xf32>, tensor<16x12x2xi64> -> tensor<64x16x12xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, Credo_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$column);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` type($input) `,` type($indices) `->` type($result)
  }];
}

def Credo_ScatterAddOp : Credo_InferredOp<"scatter_add"> {
  let summary = "sums values into columns through index tuples";
  let description = [{
    The adjoint of `credo.gather`: for `v : [B, S…]` and `idx : [S…, r]`,
    `y[b, n] = Σ_{s : idx[s, c] = n} v[b, s]` with `c = column` and
    `y : [B, size]`. Duplicate indices accumulate. An index outside
    `[0, size)` makes the entry point fail; it is never written.

    ```mlir
    %y = credo.scatter_add %v, %idx {column = 0 : i64, size = 16 : i64} : tensor<64x16x12xf32>, tensor<16x12x2xi64> -> tensor<64x16xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, Credo_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$column, I64Attr:$size);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` type($input) `,` type($indices) `->` type($result)
  }];
}

def Credo_SparseContractOp : Credo_InferredOp<"sparse_contract"> {
  let summary = "sparse matrix product through index pairs";
  let description = [{
    The product of a batch with a sparse matrix given as index pairs and
    values: for pairs `idx : [S…, 2]`, weights `w : [S…]` and `x : [B, N]`,
    `y[b, o] = Σ_{s : idx[s, c₀] = o} w[s] · x[b, idx[s, c₁]]` with
    `(c₀, c₁) = columns` (default `[0, 1]`: pairs are (output, input)) and
    `y : [B, size]`. Duplicate pairs accumulate. Gradients:
    `∂x` is the same contraction with the columns swapped, and
    `∂w[s] = Σ_b ∂y[b, idx[s, c₀]] · x[b, idx[s, c₁]]` (two
    `credo.gather`s); the indices get none. An index outside its range
    (`[0, size)` for outputs, `[0, N)` for inputs) makes the entry point
    fail and is never read or written.

    ```mlir
    %y = credo.sparse_contract %idx, %w, %x {size = 16 : i64} : tensor<16x12x2xi64>, tensor<16x12xf32>, tensor<64x16xf32> -> tensor<64x16xf32>
    ```
  }];
  let arguments = (ins Credo_IndexTensor:$indices, Credo_FloatTensor:$weights,
                       Credo_FloatTensor:$input, I64Attr:$size,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 1}">:$columns);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $indices `,` $weights `,` $input attr-dict `:` type($indices) `,` type($weights) `,` type($input) `->` type($result)
  }];
}

def Credo_HyperParamsOp : Credo_InferredOp<"hyper_params"> {
  let summary = "means and variances of index tuples in index space";
  let description = [{
    Maps the free parameters of `K` index tuples of rank `r` (each into a
    tensor of extents `size = [s₀, …, s_(r−1)]`) to their means and
    variances, per component `d`:
    `μ[k, d] = sigmoid(μ̃[k, d]) · (s_d − 1)` and
    `σ²[k, d] = (softplus(σ̃[k, d] + 2) + eps) · s_d · sigma_scale`.
    Gradients: `credo.hyper_params_grad`.

    ```mlir
    %mu, %s2 = credo.hyper_params %mt, %st {size = array<i64: 16, 16>, sigma_scale = 0.1 : f64} : tensor<16x2xf32>, tensor<16x2xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$means, Credo_FloatTensor:$spreads,
                       DenseI64ArrayAttr:$size,
                       DefaultValuedAttr<F64Attr, "0.1">:$sigma_scale,
                       DefaultValuedAttr<F64Attr, "1e-6">:$eps);
  let results = (outs Credo_FloatTensor:$mu, Credo_FloatTensor:$sigma2);
  let assemblyFormat = "$means `,` $spreads attr-dict `:` type($means) `,` type($spreads)";
}

def Credo_HyperParamsGradOp : Credo_InferredOp<"hyper_params_grad"> {
  let summary = "gradient of credo.hyper_params";
  let description = [{
    `∂μ̃ = ∂μ · sigmoid′(μ̃) · (s_d − 1)`,
    `∂σ̃ = ∂σ² · sigmoid(σ̃ + 2) · s_d · sigma_scale`.

    ```mlir
    %gm, %gs = credo.hyper_params_grad %dmu, %ds2, %mt, %st {size = array<i64: 16, 16>, sigma_scale = 0.1 : f64} : tensor<16x2xf32>, tensor<16x2xf32>, tensor<16x2xf32>, tensor<16x2xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$grad_mu,
                       Credo_FloatTensor:$grad_sigma2,
                       Credo_FloatTensor:$means, Credo_FloatTensor:$spreads,
                       DenseI64ArrayAttr:$size,
                       DefaultValuedAttr<F64Attr, "0.1">:$sigma_scale);
  let results = (outs Credo_FloatTensor:$grad_means,
                      Credo_FloatTensor:$grad_spreads);
  let assemblyFormat = [{
    $grad_mu `,` $grad_sigma2 `,` $means `,` $spreads attr-dict `:` type($grad_mu) `,` type($grad_sigma2) `,` type($means) `,` type($spreads)
  }];
}

def Credo_HyperSampleOp : Credo_InferredOp<"hyper_sample"> {
  let summary = "integer points around the means of index tuples";
  let description = [{
    For every tuple `k` with mean `μ[k] ∈ [0, s₀−1] × … (r components)`
    draws `P = 2^r + global + local` integer points `idx[k, p, d]`:

    - `p < 2^r`: the floor/ceil neighbours, component `d` is `⌈μ_d⌉` where
      bit `r−1−d` of `p` is set and `⌊μ_d⌋` elsewhere;
    - the next `global`: uniform in `[0, s_d)`, `⌊u · s_d / 2³²⌋`;
    - the last `local`: `round(μ_d) + o` with `o` uniform in
      `[−⌊region/2⌋, ⌊region/2⌋]` (`round`: to nearest, halves to even);

    every component clamped to `[0, s_d)`. `u` is word 0 of
    Philox-4x32-10 with the key and counter of `credo.poisson_encode`
    (element `i` = the row-major position of `idx[k, p, d]`), so the points
    depend only on the seed, `stream`, the draw count and the element. The
    points are constants to differentiation (no gradient reaches `μ`).

    ```mlir
    %idx = credo.hyper_sample %mu, %g {size = array<i64: 16, 16>, global = 4 : i64, local = 4 : i64, region = 4 : i64, stream = 1 : i64} : tensor<16x2xf32>, tensor<2xi64> -> tensor<16x12x2xi64>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$means,
                       Credo_GeneratorTensor:$generator,
                       DenseI64ArrayAttr:$size,
                       DefaultValuedAttr<I64Attr, "4">:$global,
                       DefaultValuedAttr<I64Attr, "4">:$local,
                       DefaultValuedAttr<I64Attr, "4">:$region,
                       DefaultValuedAttr<I64Attr, "0">:$stream);
  let results = (outs Credo_IndexTensor:$result);
  let assemblyFormat = [{
    $means `,` $generator attr-dict `:` type($means) `,` type($generator) `->` type($result)
  }];
}

def Credo_IndexDedupOp : Credo_Op<"index_dedup", [Pure]> {
  let summary = "masks repeated index tuples within a chunk";
  let description = [{
    For points `idx : [K, P, r]` (`K` chunks of `P` tuples), `m[k, p] = 0`
    if an earlier point of the same chunk is the same tuple
    (`idx[k, q] = idx[k, p]` for some `q < p`), else `1`. The result is a
    float mask of the element type given.

    ```mlir
    %m = credo.index_dedup %idx : tensor<16x12x2xi64> -> tensor<16x12xf32>
    ```
  }];
  let arguments = (ins Credo_IndexTensor:$indices);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$indices attr-dict `:` type($indices) `->` type($result)";
  let hasVerifier = 1;
}

def Credo_GaussianDensityOp : Credo_InferredOp<"gaussian_density"> {
  let summary = "normalised Gaussian densities of index points";
  let description = [{
    For points `idx : [K, P, r]`, means `μ : [K, r]`, variances
    `σ² : [K, r]` and a mask `m : [K, P]`:
    `a[k, p] = −½ Σ_d (idx[k, p, d] − μ[k, d])² / σ²[k, d]` and
    `ρ̄[k, p] = m[k, p] · exp(a[k, p]) / Σ_q m[k, q] · exp(a[k, q])`, the
    densities normalised over each chunk's kept points (computed after
    subtracting the chunk's largest kept `a`, so no density underflows to
    an all-zero chunk; a chunk without kept points gets zeros). The points
    are constants: gradients reach `μ` and `σ²` only through `a`
    (`credo.gaussian_density_grad`).

    ```mlir
    %rho = credo.gaussian_density %idx, %mu, %s2, %m : tensor<16x12x2xi64>, tensor<16x2xf32>, tensor<16x2xf32>, tensor<16x12xf32> -> tensor<16x12xf32>
    ```
  }];
  let arguments = (ins Credo_IndexTensor:$indices, Credo_FloatTensor:$mu,
                       Credo_FloatTensor:$sigma2, Credo_FloatTensor:$mask);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $indices `,` $mu `,` $sigma2 `,` $mask attr-dict `:` type($indices) `,` type($mu) `,` type($sigma2) `,` type($mask) `->` type($result)
  }];
}

def Credo_GaussianDensityGradOp : Credo_InferredOp<"gaussian_density_grad"> {
  let summary = "gradient of credo.gaussian_density";
  let description = [{
    With `ρ̄` recomputed, `h[k, p] = ρ̄[k, p] · (g[k, p] − Σ_q ρ̄[k, q] g[k, q])`
    (the softmax adjoint), `e = idx[k, p, d] − μ[k, d]`:
    `∂μ[k, d] = Σ_p h[k, p] · e / σ²[k, d]` and
    `∂σ²[k, d] = Σ_p h[k, p] · ½ e² / σ²[k, d]²`.

    ```mlir
    %gmu, %gs2 = credo.gaussian_density_grad %g, %idx, %mu, %s2, %m : tensor<16x12xf32>, tensor<16x12x2xi64>, tensor<16x2xf32>, tensor<16x2xf32>, tensor<16x12xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$grad, Credo_IndexTensor:$indices,
                       Credo_FloatTensor:$mu, Credo_FloatTensor:$sigma2,
                       Credo_FloatTensor:$mask);
  let results = (outs Credo_FloatTensor:$grad_mu,
                      Credo_FloatTensor:$grad_sigma2);
  let assemblyFormat = [{
    $grad `,` $indices `,` $mu `,` $sigma2 `,` $mask attr-dict `:` type($grad) `,` type($indices) `,` type($mu) `,` type($sigma2) `,` type($mask)
  }];
}

def Credo_RoundIndicesOp : Credo_InferredOp<"round_indices"> {
  let summary = "the nearest integer index tuples of means";
  let description = [{
    `idx[k, d] = clamp(round(μ[k, d]), 0, s_d − 1)` for `μ : [K, r]` and
    `size = [s₀, …]`, rounding to nearest with halves to even: the
    evaluation form of the sparse hyperlayer (no sampling).

    ```mlir
    %idx = credo.round_indices %mu {size = array<i64: 16, 16>} : tensor<16x2xf32> -> tensor<16x2xi64>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$means, DenseI64ArrayAttr:$size);
  let results = (outs Credo_IndexTensor:$result);
  let assemblyFormat = "$means attr-dict `:` type($means) `->` type($result)";
}

def Credo_SparseHyperOp : Credo_InferredOp<"sparse_hyper"> {
  let summary = "the adaptive sparse hyperlayer";
  let description = [{
    A layer `x : [B, N] ↦ y : [B, units]` whose weight matrix has `K` non-zero
    entries at learned positions: tuple `k` has free parameters
    `μ̃[k] : [2]`, `σ̃[k] : [2]` (position (output, input) and spread, see
    `credo.hyper_params` with `size = [units, N]`) and a value `v[k]`.

    At evaluation (this op as it stands, `@forward`) the positions are the
    rounded means: `y = credo.sparse_contract(round(μ), v, x)`. For training
    the rules expand it (before differentiation) into
    `credo.hyper_params`, `credo.hyper_sample` (the floor/ceil neighbours,
    `global` uniform and `local` points within `region`),
    `credo.index_dedup`, `credo.gaussian_density` and `credo.sparse_contract`
    with `w[k, p] = v[k] · ρ̄[k, p]`, so gradients reach `μ̃`, `σ̃` and `v` only
    through the densities. `generator` is the model's `rng`; `stream`
    names the op's draws.

    ```mlir
    %y = credo.sparse_hyper %x, %mt, %st, %v, %g {units = 16 : i64, stream = 1 : i64} : tensor<64x16xf32>, tensor<16x2xf32>, tensor<16x2xf32>, tensor<16xf32>, tensor<2xi64> -> tensor<64x16xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, Credo_FloatTensor:$means,
                       Credo_FloatTensor:$spreads, Credo_FloatTensor:$values,
                       Credo_GeneratorTensor:$generator, I64Attr:$units,
                       DefaultValuedAttr<I64Attr, "4">:$global,
                       DefaultValuedAttr<I64Attr, "4">:$local,
                       DefaultValuedAttr<I64Attr, "4">:$region,
                       DefaultValuedAttr<F64Attr, "0.1">:$sigma_scale,
                       DefaultValuedAttr<I64Attr, "0">:$stream);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $means `,` $spreads `,` $values `,` $generator attr-dict `:` type($input) `,` type($means) `,` type($spreads) `,` type($values) `,` type($generator) `->` type($result)
  }];
}

#endif // CREDO_SPARSE_OPS_TD
