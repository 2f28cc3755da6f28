//===- CredoSpikingOps.td - LIF neurons, spike encoding and counts -*- tablegen -*-===//
//
// Spiking networks: one step of a leaky integrate-and-fire population with
// its state as explicit operands (`credo.lif`) and the gradient op its
// surrogate rule builds (`credo.lif_grad`); Poisson rate coding drawn from a
// counter-based generator (`credo.poisson_encode`, `credo.generator_next`);
// spike counts over time (`credo.spike_count`). Spikes are float tensors
// holding exactly 0 or 1, so they feed `credo.dense` directly.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_SPIKING_OPS_TD
#define CREDO_SPIKING_OPS_TD

include "Credo/IR/CredoLayerOps.td"

def Credo_GeneratorTensor : 1DTensorOf<[I64]>;

def Credo_LifOp : Credo_InferredOp<"lif"> {
  let summary = "one step of a leaky integrate-and-fire population";
  let description = [{
    Advances every neuron of a population by one time step. The state is
    explicit: the operands after the input current `I` are the state entering
    the step, the results are the state leaving it and the spikes `s`, all of
    the input's shape. A spike is `H(v − θ)` with `H(0) = 0` (a neuron fires
    when its potential exceeds the threshold θ); a NaN potential gives a NaN
    spike (not silence), so that a NaN input reaches the loss.

    `model = #credo.lif_model<beta>` (the surrogate-gradient baseline, the
    `Leaky` neuron of snnTorch), state `(v)`, or `(v, r)` when `t_ref > 0`.
    `v` is the potential before reset, so the reset by the previous step's
    spike `s₋ = H(v − θ)` happens in this step:

    - `reset = subtract`: `v' = β·v + I − θ·s₋`
    - `reset = zero`:     `v' = β·v·(1 − s₋) + I`
    - `s = H(v' − θ)`

    `model = #credo.lif_model<current>` (HM2-BP, current-based synapses with
    time constants τ_m and τ_s), state `(v, c, r)`; `v` is the potential after
    reset:

    - `c' = c − c/τ_s + I`, `u = v − v/τ_m + c'/τ_s`
    - `s = H(u − θ)`; `reset = zero`: `v' = u·(1 − s)`, `subtract`: `v' = u − θ·s`

    Refractory period (`t_ref` steps, counter `r`): while `r > 0` the
    potential is held at 0 and the neuron cannot fire, `r' = r − 1`; a spike
    sets `r' = t_ref`.

    Gradients: `H′` is replaced by the `surrogate` derivative at `x = v' − θ`
    (slope `k` = `slope`): `fast_sigmoid` `1/(1 + k|x|)²`, `arctan`
    `(k/2)/(1 + (πkx/2)²)`, `triangle` `k·max(0, 1 − k|x|)`. The reset term
    is detached (`detach_reset = true`, snnTorch's default) or differentiated
    through the surrogate. Without `surrogate` the op has no gradient and
    `credo-autodiff` stops at it. `r` gets no gradient.

    ```mlir
    %v1, %s = credo.lif %i state(%v : tensor<128x256xf32>) {beta = 0.9 : f64, surrogate = #credo.surrogate<fast_sigmoid>} : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input,
      Variadic<Credo_FloatTensor>:$state,
      DefaultValuedAttr<Credo_LifModelAttr, "::mlir::credo::LifModel::Beta">:$model,
      DefaultValuedAttr<F64Attr, "0.9">:$beta,
      DefaultValuedAttr<F64Attr, "64.0">:$tau_m,
      DefaultValuedAttr<F64Attr, "8.0">:$tau_s,
      DefaultValuedAttr<F64Attr, "1.0">:$threshold,
      DefaultValuedAttr<Credo_LifResetAttr, "::mlir::credo::LifReset::Subtract">:$reset,
      DefaultValuedAttr<I64Attr, "0">:$t_ref,
      OptionalAttr<Credo_SurrogateAttr>:$surrogate,
      DefaultValuedAttr<F64Attr, "25.0">:$slope,
      DefaultValuedAttr<BoolAttr, "true">:$detach_reset);
  let results = (outs Variadic<Credo_FloatTensor>:$results);
  let assemblyFormat = [{
    $input `state` `(` $state `:` type($state) `)` attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of state tensors of a model: beta (v) or (v, r),
    /// current (v, c, r).
    static unsigned stateCount(LifModel model, int64_t tRef) {
      return model == LifModel::Current ? 3 : (tRef > 0 ? 2 : 1);
    }
    /// The spikes of this step.
    ::mlir::Value getSpikes() { return getResults().back(); }
    /// The state after this step.
    ::mlir::ResultRange getNewState() { return getResults().drop_back(); }
  }];
}

def Credo_LifGradOp : Credo_InferredOp<"lif_grad", [AttrSizedOperandSegments]> {
  let summary = "surrogate gradient of one credo.lif step";
  let description = [{
    Built by the gradient rule of `credo.lif`: from the step's input and
    state (the lif op's operands) and the gradients of its results (`grads`:
    one per result, new state then spikes), the gradients of its operands
    (input, then state). The forward step is recomputed; every equation and
    attribute is the lif op's (see `credo.lif`), and `surrogate` is required.
    With `G = g_v' + g_s·σ'(v' − θ)` (for `current`, `u` in place of `v'` and
    `g_v'·∂v'/∂u`), masked to zero while refractory, the beta model gives
    `g_I = G`, `g_v = β·G` (subtract, detached); the current model gives
    `G_c = g_c' + G/τ_s`, `g_I = G_c`, `g_c = (1 − 1/τ_s)·G_c`,
    `g_v = (1 − 1/τ_m)·G`. The refractory counter's gradient is zero.

    ```mlir
    %gi, %gv = credo.lif_grad %i state(%v : tensor<8x4xf32>) grads(%gv1, %gs : tensor<8x4xf32>, tensor<8x4xf32>) {surrogate = #credo.surrogate<fast_sigmoid>} : tensor<8x4xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input,
      Variadic<Credo_FloatTensor>:$state,
      Variadic<Credo_FloatTensor>:$grads,
      DefaultValuedAttr<Credo_LifModelAttr, "::mlir::credo::LifModel::Beta">:$model,
      DefaultValuedAttr<F64Attr, "0.9">:$beta,
      DefaultValuedAttr<F64Attr, "64.0">:$tau_m,
      DefaultValuedAttr<F64Attr, "8.0">:$tau_s,
      DefaultValuedAttr<F64Attr, "1.0">:$threshold,
      DefaultValuedAttr<Credo_LifResetAttr, "::mlir::credo::LifReset::Subtract">:$reset,
      DefaultValuedAttr<I64Attr, "0">:$t_ref,
      OptionalAttr<Credo_SurrogateAttr>:$surrogate,
      DefaultValuedAttr<F64Attr, "25.0">:$slope,
      DefaultValuedAttr<BoolAttr, "true">:$detach_reset);
  let results = (outs Variadic<Credo_FloatTensor>:$results);
  let assemblyFormat = [{
    $input `state` `(` $state `:` type($state) `)`
    `grads` `(` $grads `:` type($grads) `)` attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Credo_PoissonEncodeOp : Credo_InferredOp<"poisson_encode"> {
  let summary = "Bernoulli (Poisson rate) spikes from intensities";
  let description = [{
    Draws one spike per element: `s = [u < x·rate_scale]` with `u` uniform
    in [0, 1) (24 bits), so each element fires with probability
    `clamp(x·rate_scale, 0, 1)`; a NaN intensity gives NaN (not a silent
    0), so that it reaches the loss. `u` comes from Philox-4x32-10, a
    counter-based generator whose blocks of four 32-bit words serve four
    consecutive elements: for element `i` (row-major) at step `t` (the
    `step` operand, else 0) with generator `g = [seed, n]`,

    `u = (philox(key = (seed mod 2³², stream ⊕ ⌊seed / 2³²⌋),
                 counter = (⌊i/4⌋, t, n mod 2³², ⌊n / 2³²⌋))[i mod 4] >> 8)
         · 2⁻²⁴`.

    The numbers depend only on the seed, the op's `stream`, the step, the
    draw count `n` and the element, never on the order of evaluation, the
    thread count or the backend. A training step advances `n`
    (`credo.generator_next`), so every step draws fresh spikes. The input has
    fewer than 2³² elements. Spikes have no gradient.

    `part` splits the spikes into a fixed and a random part, `s = m + r`:
    `"spikes"` (the default) gives `s`; `"majority"` gives `m = [p > ½]`
    with `p = x·rate_scale`, the value an element takes at most steps (no
    draws); `"residual"` gives `r = s − m` (−1, 0 or 1), which is non-zero
    with probability `min(p, 1 − p)` only. `credo-spike-majority` uses them
    to make products with spikes cheaper. NaN intensities give NaN in
    every part.

    ```mlir
    %s = credo.poisson_encode %x, %g step %t {rate_scale = 1.0 : f64, stream = 1 : i64} : tensor<128x784xf32>, tensor<2xi64>
    %r = credo.poisson_encode %x, %g step %t {part = "residual", stream = 1 : i64} : tensor<128x784xf32>, tensor<2xi64>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, Credo_GeneratorTensor:$generator,
      Optional<Index>:$step,
      DefaultValuedAttr<F64Attr, "1.0">:$rate_scale,
      DefaultValuedAttr<I64Attr, "0">:$stream,
      DefaultValuedAttr<StrAttr, "\"spikes\"">:$part);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $generator (`step` $step^)? attr-dict `:` type($input) `,` type($generator)
  }];
}

def Credo_GeneratorNextOp : Credo_InferredOp<"generator_next"> {
  let summary = "the generator of the next training step";
  let description = [{
    `[seed, n] ↦ [seed, n + 1]`: the draw count of a counter-based
    generator advanced by one, so the next call's random ops draw new
    numbers. Training steps apply it to every generator parameter.

    ```mlir
    %g1 = credo.generator_next %g : tensor<2xi64>
    ```
  }];
  let arguments = (ins Credo_GeneratorTensor:$generator);
  let results = (outs Credo_GeneratorTensor:$result);
  let assemblyFormat = "$generator attr-dict `:` type($generator)";
}

def Credo_ExpFilterOp : Credo_InferredOp<"exp_filter",
    [AllTypesMatch<["input", "trace"]>]> {
  let summary = "one step of an exponential trace or low-pass filter";
  let description = [{
    Advances a linear first-order filter by one step of length `dt`, with
    time constant `tau` (same units) and decay `a = exp(−dt/τ)`:

    - `lowpass = false` (a trace): `y = a·trace + x`, the sum of the inputs
      so far, each decayed by its age (spike traces, PSP kernels);
    - `lowpass = true`: `y = a·trace + (1 − a)·x`, a low-pass filter with
      unit gain (the exact discretization of τ·dy/dt = x − y for an input
      held over the step).

    `y` is the next trace. Gradients: `∂y/∂trace = a`, `∂y/∂x = 1` or `1 − a`.

    ```mlir
    %y = credo.exp_filter %x state(%trace) {tau = 8.0 : f64} : tensor<16x100xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, Credo_FloatTensor:$trace,
      F64Attr:$tau, DefaultValuedAttr<F64Attr, "1.0">:$dt,
      DefaultValuedAttr<BoolAttr, "false">:$lowpass);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $input `state` `(` $trace `)` attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The decay per step, exp(−dt/τ).
    double getDecay() {
      return std::exp(-getDt().convertToDouble() / getTau().convertToDouble());
    }
    /// The input's weight: 1, or 1 − decay for a low-pass filter.
    double getInputGain() { return getLowpass() ? 1.0 - getDecay() : 1.0; }
  }];
}

def Credo_SpikeTrainPspOp : Credo_InferredOp<"s_psp"> {
  let summary = "spike-train-level post-synaptic potentials (HM2-BP)";
  let description = [{
    For every sample b, post-synaptic neuron i and pre-synaptic neuron j,
    the total post-synaptic potential that j's spikes contributed to i's
    firing over the window (Jin, Zhang & Li, NeurIPS 2018):

    `e[b, i, j] = Σ_f Σ_g [t > 0] · exp(−max(t − s, 0)/τ_s) · ε(min(s, t))`,
    `ε(u) = (exp(−u/τ_m) − exp(−u/τ_s)) / (1 − τ_s/τ_m)`,

    over i's spikes at steps `p_f` and j's spikes at steps `q_g`, with
    `t = p_f − (q_g + t_ref)` (the pre spike's age when i fires) and
    `s = p_f − (p_{f−1} + t_ref)` (the time since i's previous reset; for
    i's first spike, `s = p_1`, as if it had fired at step `−t_ref`). So a
    pre spike counts only if it arrives (after `t_ref`) before the post
    spike, no matter how long before. `e = 0.1` where i never fires and j
    fires at least once. The trains are `[T, B, …]` of 0/1 values;
    consecutive spikes of a post neuron are more than `t_ref` steps apart,
    as a `credo.lif` with that refractory period makes them.

    Computed exactly by a recurrence over the steps: a current trace per
    pre neuron (never reset) and a membrane trace per pair that is set to
    the current trace at each reset of i; at each spike of i, `e` grows by
    (membrane − current) / (1 − τ_s/τ_m). Cost `O(T·B·N·M)`. τ_m and τ_s
    must be at least 1 % apart: closer, the two traces' difference is lost
    to rounding (in f32 their decays per step can round to the same
    number) while the divisor goes to 0.

    ```mlir
    %e = credo.s_psp %post, %pre {tau_m = 64.0 : f64, tau_s = 8.0 : f64, t_ref = 2 : i64} : tensor<100x16x10xf32>, tensor<100x16x100xf32> -> tensor<16x10x100xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$post, Credo_FloatTensor:$pre,
      DefaultValuedAttr<F64Attr, "64.0">:$tau_m,
      DefaultValuedAttr<F64Attr, "8.0">:$tau_s,
      DefaultValuedAttr<I64Attr, "0">:$t_ref);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $post `,` $pre attr-dict `:` type($post) `,` type($pre) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether tau_m and tau_s are at least 1 % of the smaller apart, as
    /// the kernel's difference quotient needs (the verifier's rule).
    static bool timeConstantsApart(double tauM, double tauS);
  }];
}

def Credo_SpikeCountOp : Credo_InferredOp<"spike_count"> {
  let summary = "spikes summed over time";
  let description = [{
    Sums recorded spike trains `[T, …]` (rank ≥ 1, usually `[T, B, N]`)
    over the leading time dimension: `n[…] = Σ_t s[t, …]` (divide by the
    steps for rates). The
    gradient broadcasts back over time (`credo.spike_count_grad`).

    ```mlir
    %n = credo.spike_count %s : tensor<25x128x10xf32> -> tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Credo_SpikeCountGradOp : Credo_InferredOp<"spike_count_grad"> {
  let summary = "gradient of credo.spike_count: broadcast over time";
  let description = [{
    `g_s[t, b, …] = g_n[b, …]` for `t < steps`.

    ```mlir
    %gs = credo.spike_count_grad %gn {steps = 25 : i64} : tensor<128x10xf32> -> tensor<25x128x10xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$grad, I64Attr:$steps);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$grad attr-dict `:` type($grad) `->` type($result)";
}

def Credo_SpikeMasksOp : Credo_InferredOp<"spike_masks"> {
  let summary = "bit masks of the non-zero and the negative spikes";
  let description = [{
    Packs spikes `s : [B, K]` into two planes of 64-bit words,
    `m : [2, B, ⌈K/64⌉]` (i64): bit `j` of `m[0, b, w]` is set where
    `s[b, 64w + j]` is a non-zero number, bit `j` of `m[1, b, w]` where it is
    a negative number or NaN; bits past `K` are 0. Spikes in {−1, 0, +1}
    and NaN are the masks exactly: `(1, 0)` is +1, `(1, 1)` −1, `(0, 1)`
    NaN (the residual spikes of a NaN rate); other numbers are read by
    their sign. A time loop records a step's masks
    (1/16 of the f32 spikes) for `credo.spike_masks_matmul`;
    `credo-spike-masks` introduces both.

    ```mlir
    %m = credo.spike_masks %r : tensor<128x784xf32> -> tensor<2x128x13xi64>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input);
  let results = (outs TensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Credo_SpikeMasksMatmulOp : Credo_InferredOp<"spike_masks_matmul"> {
  let summary = "the product sᵀ·d of spikes given by their masks";
  let description = [{
    `y[k, n] = Σ_b s[b, k] · d[b, n]` for the spikes `s : [B, K]` of
    `masks : [2, B, ⌈K/64⌉]` (`credo.spike_masks`): `+1` where bit `k` of
    `masks[0, b]` is set, `−1` where `masks[1, b]` has it too, NaN where
    only `masks[1, b]` has it, else 0; `width` is `K`. Shapes:
    `d : [B, N]`, `y : [K, N]`. Each output adds or subtracts its `d[b, n]`
    in order of `b` from zero, the sum that a product of the f32 spikes
    skipping their zeros computes (a zero spike adds nothing, even against
    an infinite or NaN `d`), and is NaN where a NaN spike reaches it. It is
    the weight gradient of a dense layer of spikes, read from recorded
    masks.

    ```mlir
    %dw = credo.spike_masks_matmul %m, %d {width = 784 : i64} : tensor<2x128x13xi64>, tensor<128x256xf32> -> tensor<784x256xf32>
    ```
  }];
  let arguments = (ins TensorOf<[I64]>:$masks, Credo_FloatTensor:$rhs,
                       I64Attr:$width);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $masks `,` $rhs attr-dict `:` type($masks) `,` type($rhs) `->` type($result)
  }];
}

#endif // CREDO_SPIKING_OPS_TD
