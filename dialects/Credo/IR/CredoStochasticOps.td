//===- CredoStochasticOps.td - Stochastic nodes -----------*- tablegen -*-===//
//
// Stochastic units (coagents): Bernoulli-logistic and categorical sampling
// that return the sample with its log-probability and its score (the
// gradient of the log-probability with respect to the logits), execute
// flags that say which units run at a step, and the hold that keeps the
// output of a unit that does not. Every draw is keyed Philox-4x32-10
// (design.md §4.3), so a seed gives the same samples on every path.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_STOCHASTIC_OPS_TD
#define CREDO_STOCHASTIC_OPS_TD

include "Credo/IR/CredoSpikingOps.td"

def Credo_BernoulliOp : Credo_InferredOp<"bernoulli"> {
  let summary = "Bernoulli-logistic samples with log-probability and score";
  let description = [{
    Draws one Bernoulli-logistic unit per element of the logits `l`:
    `U = [u < σ(l)]` with `u` the uniform number of element `i` (row-major)
    at step `t` (the `step` operand, else 0) with generator `g = [seed, n]`:
    a block of keyed Philox-4x32-10 of its own, of which it takes word 0
    (where `credo.poisson_encode` shares a block among four elements),

    `u = (philox(key = (seed mod 2³², stream ⊕ ⌊seed / 2³²⌋),
                 counter = (i, t, n mod 2³², ⌊n / 2³²⌋))[0] >> 8) · 2⁻²⁴`.

    The results, all of the logits' type:

    - `sample` `U ∈ {0, 1}`,
    - `log_prob` `ln π(U | l) = U·l − softplus(l)`,
    - `score` `∂ ln π / ∂l = U − σ(l)`.

    Only `log_prob` and `score` depend differentiably on `l`: the gradient
    rule gives `∂l = ∂log_prob · score − ∂score · σ(l)(1 − σ(l))`; the
    sample has none. A coagent's policy-gradient term is `score ⊗ X` for
    logits `l = X·W + b`.

    ```mlir
    %u, %lp, %s = credo.bernoulli %l, %g {stream = 3 : i64} : tensor<1x32xf32>, tensor<2xi64>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$logits, Credo_GeneratorTensor:$generator,
      Optional<Index>:$step, DefaultValuedAttr<I64Attr, "0">:$stream);
  let results = (outs Credo_FloatTensor:$sample, Credo_FloatTensor:$log_prob,
      Credo_FloatTensor:$score);
  let assemblyFormat = [{
    $logits `,` $generator (`step` $step^)? attr-dict `:` type($logits) `,` type($generator)
  }];
}

def Credo_CategoricalOp : Credo_InferredOp<"categorical"> {
  let summary = "categorical (softmax) samples with log-probability and score";
  let description = [{
    Draws one class per row of the logits `l : [B, K]` from
    `p = softmax(l)`: with `u` the uniform number of row `b` (keyed Philox
    as in `credo.bernoulli`, element `b`), the sample is the first class `a`
    with `Σ_{k ≤ a} p_k > u` (the last class if rounding leaves none). The
    results:

    - `sample : [B]` (i64) the class `a`,
    - `log_prob : [B]` `ln p_a = l_a − max l − ln Σ_k exp(l_k − max l)`,
    - `score : [B, K]` `∂ ln p_a / ∂l = onehot(a) − p`.

    The gradient rule gives `∂l = ∂log_prob ⊙ score − p ⊙ (∂score −
    Σ_k ∂score·p)` (the score's softmax adjoint); the sample has none. K is
    at most 2²⁴.

    ```mlir
    %a, %lp, %s = credo.categorical %l, %g {stream = 4 : i64} : tensor<1x4xf32>, tensor<2xi64>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$logits, Credo_GeneratorTensor:$generator,
      Optional<Index>:$step, DefaultValuedAttr<I64Attr, "0">:$stream);
  let results = (outs 1DTensorOf<[I64]>:$sample, Credo_FloatTensor:$log_prob,
      Credo_FloatTensor:$score);
  let assemblyFormat = [{
    $logits `,` $generator (`step` $step^)? attr-dict `:` type($logits) `,` type($generator)
  }];
}

def Credo_BernoulliLogProbOp : Credo_InferredOp<"bernoulli_log_prob",
    [AllTypesMatch<["logits", "sample"]>]> {
  let summary = "log-probability and score of given Bernoulli-logistic samples";
  let description = [{
    The two last results of `credo.bernoulli` for samples that are given
    instead of drawn (observed actions, enumerated outcomes):
    `log_prob = U·l − softplus(l)` and `score = U − σ(l)`, elementwise, for
    logits `l` and samples `U` of one type. `U` should hold 0 or 1; other
    values give the same formulas. Gradients: the logits' as
    `credo.bernoulli`'s; the sample's `∂U = ∂log_prob·l + ∂score`.

    ```mlir
    %lp, %s = credo.bernoulli_log_prob %l, %u : tensor<1x2xf64>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$logits, Credo_FloatTensor:$sample);
  let results = (outs Credo_FloatTensor:$log_prob, Credo_FloatTensor:$score);
  let assemblyFormat = "$logits `,` $sample attr-dict `:` type($logits)";
}

def Credo_CategoricalLogProbOp : Credo_InferredOp<"categorical_log_prob"> {
  let summary = "log-probability and score of given categorical samples";
  let description = [{
    The two last results of `credo.categorical` for given classes
    `a : [B]` (i64) of logits `l : [B, K]`:
    `log_prob[b] = l[b, a_b] − max l[b] − ln Σ_k exp(l[b, k] − max l[b])`
    and `score = onehot(a) − softmax(l)`. A class outside `[0, K)` stops
    the call with an error naming its position (at run time).

    ```mlir
    %lp, %s = credo.categorical_log_prob %l, %a : tensor<2x4xf32>, tensor<2xi64>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$logits, 1DTensorOf<[I64]>:$sample);
  let results = (outs Credo_FloatTensor:$log_prob, Credo_FloatTensor:$score);
  let assemblyFormat = "$logits `,` $sample attr-dict `:` type($logits) `,` type($sample)";
}

def Credo_ExecuteFlagsOp : Credo_Op<"execute_flags", [Pure]> {
  let summary = "which stochastic units execute at this step";
  let description = [{
    One flag `E ∈ {0, 1}` per element of the result, for units that run
    without a common clock. With `period = 0` each unit executes with
    probability `p`: `E = [u < p]`, `u` keyed Philox as in
    `credo.bernoulli` (element `i` row-major). With `period = k ≥ 1` unit `j`
    (the index along the last dimension; 0 for a scalar) executes when
    `(n + t + j) mod k = 0`, `n` the generator's draw count and `t` the
    step: each unit has its own phase and the clock is the generator's
    explicit counter, not hidden state. `credo.hold` applies the flags.

    ```mlir
    %e = credo.execute_flags %g {p = 0.6 : f64, stream = 5 : i64} : tensor<2xi64> -> tensor<1x32xf32>
    ```
  }];
  let arguments = (ins Credo_GeneratorTensor:$generator, Optional<Index>:$step,
      DefaultValuedAttr<F64Attr, "1.0">:$p,
      DefaultValuedAttr<I64Attr, "0">:$period,
      DefaultValuedAttr<I64Attr, "0">:$stream);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $generator (`step` $step^)? attr-dict `:` type($generator) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Credo_HoldOp : Credo_InferredOp<"hold",
    [AllTypesMatch<["flags", "input", "previous"]>]> {
  let summary = "keeps the previous output of units that do not execute";
  let description = [{
    `y = E·u + (1 − E)·prev`: a unit whose execute flag `E` is 1 outputs its
    new value `u`, one whose flag is 0 keeps `prev`. All operands have one
    type. Gradients: `∂u = E·∂y`, `∂prev = (1 − E)·∂y`,
    `∂E = ∂y·(u − prev)`.

    ```mlir
    %h = credo.hold %e, %u, %prev : tensor<1x32xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$flags, Credo_FloatTensor:$input,
      Credo_FloatTensor:$previous);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $flags `,` $input `,` $previous attr-dict `:` type($input)
  }];
}

#endif // CREDO_STOCHASTIC_OPS_TD
