//===- Passes.td - Credo → Credo transformations -----------*- tablegen -*-===//
//
// Backend-agnostic passes on the credo dialect.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TRANSFORMS_PASSES_TD
#define CREDO_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CredoParamsToArgs : Pass<"credo-params-to-args", "::mlir::ModuleOp"> {
  let summary = "turn parameters into leading function arguments";
  let description = [{
    Prepares a model for code generation, where a model instance owns the
    parameter buffers: every function that reads a parameter gets all
    parameters of the module as leading arguments, in declaration order, each
    marked `{credo.param = "NAME"}`; `credo.get_param` ops become uses of
    those arguments and the `credo.param` declarations are erased.

    Before:
    ```mlir
    credo.param @w : tensor<4x3xf32> init #credo.init<zeros>
    func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
      %w = credo.get_param @w : tensor<4x3xf32>
      %y = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
      return %y : tensor<2x3xf32>
    }
    ```
    After:
    ```mlir
    func.func @forward(%w: tensor<4x3xf32> {credo.param = "w"}, %x: tensor<2x4xf32>) -> tensor<2x3xf32> {
      %y = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
      return %y : tensor<2x3xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def CredoAutodiff : Pass<"credo-autodiff", "::mlir::ModuleOp"> {
  let summary = "generate the reverse-mode gradient function of a model";
  let description = [{
    Adds `func.func @gradients` with the arguments of `@forward` that
    returns the loss, the gradient of every parameter (in declaration
    order), and the gradients of the inputs named in `wrt-inputs`. The body
    is `@forward` up to the loss followed by its reverse sweep: each op's
    gradient rule (`DifferentiableOpInterface`) turns the gradient of its
    result into gradients of its operands, only for operands that depend on
    a parameter or a requested input; gradients of a value used several
    times are summed with `credo.add`. An op on that path without a rule is
    an error naming its node. The loss is the node named by the module's
    `credo.training` attribute (or the `loss` option) and must be rank 0.

    A `credo.time_loop` is differentiated by backpropagation through time:
    a reverse loop (`reverse`) sweeps the steps backwards, carrying the
    gradient of the carried state and summing the gradients of the values
    the body reads from outside. The forward loop records the state
    entering each step; with `time-memory=store` (the default) it also
    records every value of the step that the reverse sweep reads (the
    tanh of an RNN), so no step is computed twice; with
    `time-memory=recompute` the reverse loop recomputes each step from its
    recorded state instead (less memory, one more forward pass). With
    `time-memory=checkpoint:K` (K divides the steps; `checkpoint` alone
    takes the divisor nearest their square root) each loop of the function
    is first split into segments of K steps, an outer loop whose body runs
    an inner loop; the outer loop is swept in recompute mode (the state at
    each segment start), the inner one in store mode (one segment's step
    values at a time), so that memory grows as T/K + K.

    Before (`loss` names the softmax_cross_entropy):
    ```mlir
    %w = credo.get_param @w : tensor<4x3xf32>
    %z = credo.dense %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
    %l = credo.softmax_cross_entropy %z, %t : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
    ```
    After, in `@gradients`:
    ```mlir
    %one = arith.constant dense<1.0> : tensor<f32>
    %dz = credo.softmax_cross_entropy_grad %z, %t, %one : ... -> tensor<2x3xf32>
    %dw = credo.matmul %x, %dz {transpose_lhs = true} : ... -> tensor<4x3xf32>
    return %l, %dw : tensor<f32>, tensor<4x3xf32>
    ```
  }];
  let options = [
    Option<"loss", "loss", "std::string", /*default=*/"\"\"",
           "the loss node (default: the loss of credo.training)">,
    ListOption<"wrtInputs", "wrt-inputs", "std::string",
               "inputs of @forward whose gradients are also returned">,
    Option<"timeMemory", "time-memory", "std::string", /*default=*/"\"store\"",
           "what the forward pass of a time loop keeps for the reverse "
           "sweep: store (every value it reads), recompute (the carried "
           "states; each step is recomputed) or checkpoint[:K] (the state "
           "every K steps; each segment is recomputed)">,
    Option<"feedback", "feedback", "std::string", /*default=*/"\"exact\"",
           "what a dense or conv2d layer passes to its input: exact (the "
           "transposed weight), fa (a fixed random matrix of the weight's "
           "shape: feedback alignment) or dfa (the output layer's error "
           "through a fixed random matrix: direct feedback alignment)">,
    Option<"funcName", "name", "std::string", /*default=*/"\"gradients\"",
           "the name of the function it adds">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def CredoTrainStep : Pass<"credo-train-step", "::mlir::ModuleOp"> {
  let summary = "fuse the gradients and the optimizer update into @train_step";
  let description = [{
    From `@gradients` (see `credo-autodiff`) and the optimizer of the
    module's `credo.training` attribute, adds
    `func.func @train_step(inputs..., %lr: tensor<f32>) -> (loss, new params...)`:
    the loss, then each parameter after one optimizer step, in declaration
    order (`{credo.name = "new.NAME"}`). The learning rate is an argument so
    that a schedule can set it each step. A model instance keeps two buffers
    per parameter and swaps them after each call, so no buffer is read and
    written by the same step. Optimizers (PyTorch's update rules, each with
    `weight_decay`): `sgd` (`credo.sgd_update`), `sgd` with `momentum`
    (`credo.sgd_momentum_update`, its velocity a compiler-made parameter
    `NAME_velocity`) and `adam` (`credo.adam_update`, with `NAME_adam_m`,
    `NAME_adam_v` and one `adam_step`). A rule whose state persists
    between steps (compartments, traces) returns each state parameter's
    next value from `@gradients` as a result named `state.NAME` (after the
    gradients); `@train_step` returns it as `new.NAME` unchanged.

    ```mlir
    func.func @train_step(%x: ..., %t: ..., %lr: tensor<f32>) -> (tensor<f32>, tensor<4x3xf32>) {
      ... the body of @gradients ...
      %w1 = credo.sgd_update %w, %dw, %lr : tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>
      return %loss, %w1 : tensor<f32>, tensor<4x3xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def CredoCoagent : Pass<"credo-coagent", "::mlir::ModuleOp"> {
  let summary = "build @act and @train_step by the coagent policy-gradient rule";
  let description = [{
    The rule `"coagent"` (Kostas, Nota & Thomas, arXiv 1902.05650, spec
    §7). Every `bernoulli` or `categorical` node whose logits are a `dense`
    node of parameters is a coagent; it learns from its own term
    `θ += α γ^t E_t Ĝ ∇_θ ln π(U_t | X_t)` with `∇_θ ln π = X ⊗ score`
    (the sampler's score result, times the execute flags of a held unit).
    No gradient passes between units: only the scalar Ĝ is global.
    The graph runs one environment (batch 1).

    `@act(inputs…)` returns the graph's outputs, then every parameter's next
    value: the generator advanced, held outputs, each coagent parameter's
    term in `NAME_trace` (signal `td`), or added to it (`return`), and the
    critic's value in `critic_value` with its gradient in its traces.

    `@train_step(reward, done, last, [next_INPUT…,] lr)` returns the signal
    (`td_error` or `reward`), then every parameter. Signal `td`:
    `δ = r + γ(1 − done)·v(S') − v(S)` with `v` the critic
    (`training.coagent.critic`, a dense node with one output: linear, or
    tabular on one-hot states) evaluated on `next_INPUT`; the coagents get
    the raw update `γ^t·δ·NAME_trace` through the model's optimizer, the
    critic `+= critic_lr·δ·∇v(S)`. Signal `return` (REINFORCE):
    `Σ_t γ^t G_t z_t = Σ_k γ^k r_k Σ_{t≤k} z_t`, accumulated in
    `NAME_return` and applied when the episode ends. `last = 1` ends an
    episode: held outputs, traces and the discount `coagent_discount`
    start again.
  }];
  let dependentDialects = ["::mlir::credo::CredoDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def CredoHm2bp : Pass<"credo-hm2bp", "::mlir::ModuleOp"> {
  let summary = "build @gradients by HM2-BP: spike-train-level deltas after the window";
  let description = [{
    The learning rule of Jin, Zhang & Li (NeurIPS 2018) for networks of
    current-based LIF layers in one time loop, `"rule": "hm2bp"`: no
    backpropagation through time. `@gradients` runs the forward pass with
    every layer's spike trains recorded, then, after the window:

    - `o_l` = spike counts, `e_l = credo.s_psp(s_l, s_{l−1})` per layer;
    - the macro error at the output, `δ_L = (∂E/∂o_L) / ν_L`, from the loss
      op's own gradient rule (for `count_margin_loss`, (o − y) outside the
      margin);
    - `s_l[b, i] = Σ_j w[j, i] e_l[b, i, j] / (ν_l o_l[b, i])` (0 for a
      silent neuron) and `∂E/∂w_l[j, i] = Σ_b δ_l[b, i] e_l[b, i, j]
      (1 + s_l[b, i])`;
    - the hidden deltas through the effect ratio,
      `δ_{l−1}[b, j] = (1/ν_{l−1}) Σ_i δ_l[b, i] w_l[j, i] e_l[b, i, j] /
      o_{l−1}[b, j]` (0 for a silent neuron);

    and returns the loss and `grad.NAME` per parameter (zeros for those it
    does not train), as `credo-autodiff` does; `credo-train-step` then
    applies the model's optimizer.

    The loss must read the output layer's counts,
    `loss(spike_count(LOOP.OUT.all), …)`; each layer is `dense` (no bias)
    into a `lif` with `model = current`, fed by the previous layer's spikes
    or, for the first, by the input spikes. ν is each layer's threshold;
    τ_m, τ_s and t_ref of `s_psp` are its neurons'.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CredoInstrumentSpikes
    : Pass<"credo-instrument-spikes", "::mlir::ModuleOp"> {
  let summary = "count, per neuron, the spikes of each LIF population";
  let description = [{
    Spike diagnostics, the spiking analogue of the dying-ReLU report: for
    every `credo.lif` in a forward time loop of `@train_step` (not in the
    reverse loops that backpropagation through time builds), the loop also
    records the spikes, and `@train_step` returns one result per population,
    named `spikes.NODE`, holding each neuron's spike count over the batch and
    the steps (`credo.spike_count`, then `credo.reduce_sum` over the batch;
    a population of shape [B, d1, …] counts d1·… neurons). A population in
    a loop nested in another is counted over the steps of both: the inner
    loop records its spikes, and the outer loop records their counts over
    each run of the inner loop (`credo.spike_count` after it), next to its
    own populations' spikes, in body order. The training driver sums the
    counts over an epoch to report the mean firing rate, the silent neurons
    (no spike) and the saturated ones (a spike at every step the refractory
    period allows; the steps of a nested population are the product of its
    loops' steps).

    ```mlir
    %v1, %s = credo.lif %i state(%v : tensor<128x256xf32>) … // in a loop recording %s as %all
    // added after the loop:
    %n = credo.spike_count %all : tensor<25x128x256xf32> -> tensor<128x256xf32>
    %per = credo.reduce_sum %n {dims = array<i64: 0>} : tensor<128x256xf32> -> tensor<256xf32>
    return …, %per   // named "spikes.lif1"
    ```
  }];
}

def CredoDendritic : Pass<"credo-dendritic", "::mlir::ModuleOp"> {
  let summary = "build @gradients and @settle_step by the dendritic microcircuit rule";
  let description = [{
    The rule `"dendritic"` (Sacramento et al., NeurIPS 2018), steady-state
    form. The model is a chain of `dense` layers with an activation φ
    after each but (optionally) the last, feeding a loss on class labels.
    Each dense product is the basal prediction `û_k` of a layer of
    pyramidal neurons; each hidden layer k gets interneurons `v̂^I = r_k·W^IP`
    (parameter `W_ip`), apical feedback `v_A = r_{k+1}·B + r^I·W^PI`
    (`W_pi`; B fixed random `W_{k+1}_feedback`, or `W_{k+1}ᵀ` with
    `feedback = transpose`). A `credo.time_loop` of `iterations`
    fixed-point steps settles the somatic potentials from the feed-forward
    ones: `u_k = û_k + g_A/(g_lk+g_B+g_A)·v_A` (hidden),
    `u_N = ((g_lk+g_B)·û_N + g_som·u_tgt)/(g_lk+g_B+g_som)` (output,
    `u_tgt = credo.one_hot(labels) {on = target_high, off = target_low}`),
    `u^I = ((g_lk+g_D)·v̂^I + g_som·u_{k+1})/(g_lk+g_D+g_som)`, `r = φ(u)`.
    With `settling = sweep` there is no loop: from the feed-forward
    potentials, one top-down pass evaluates these equations from the top
    hidden layer down, each layer reading the one above as the pass left
    it (the basal inputs stay the feed-forward rates).
    Then, averaged over the batch:
    `ΔW_k = r_{k−1} ⊗ (φ(u_k) − φ(û_k))·lr_pp` (and the bias),
    `ΔW^IP = r_k ⊗ (φ(u^I) − φ(v̂^I))·lr_ip`, `ΔW^PI = r^I ⊗ (−v_A)·lr_pi`.
    `@gradients` returns the loss and −Δ (credo-train-step applies the
    optimizer); `@settle_step(inputs…, lr)` is the unsupervised phase (no
    nudging of the output; SGD on W^IP and W^PI only) that reaches the
    self-predicting state, returning `apical_mismatch`, the batch mean of
    `Σ_k ‖v_A,k‖²`, then every parameter. The rule runs the pass twice:
    for `@gradients` before `credo-train-step`, and with `settle` after it,
    so that `@settle_step` returns the optimizer's state too.

    With `steady_state = false` (`@gradients` only) the compartments follow
    their differential equations instead: `duration / dt` Euler steps per
    pattern with the input low-pass (`tau_0`) and each update's low-pass
    (`tau_w`, `credo.exp_filter`), Δ being the integral of the filtered
    update rates over the pattern; the compartments, the input filter and
    the traces persist between steps in zero-initialized state parameters
    (`W_soma`, `W_interneurons`, `W1_input`, `P_trace`) returned as
    `state.NAME` results.
  }];
  let options = [
    Option<"settle", "settle", "bool", /*default=*/"false",
           "build @settle_step (the unsupervised phase) instead of "
           "@gradients">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CredoLocalRule : Pass<"credo-local-rule", "::mlir::ModuleOp"> {
  let summary = "build @gradients from update expressions written in the graph";
  let description = [{
    The rule `"local"`: the training section's `updates` give each trained
    parameter's update `Δθ` as an expression over the quantities at its
    synapses, e.g. a three-factor rule

    ```json
    "updates": {"w1": "eta * reward * pre ⊗ (post - mean(post))"}
    ```

    and this pass compiles each into credo ops (no interpreter at run
    time) in `@gradients`, a copy of `@forward` that returns the loss and,
    per parameter, the direction `−Δθ` (zeros for parameters without an
    update); `credo-train-step` then applies the optimizer, so SGD with lr
    η steps `θ + η·Δθ`. Quantities: `pre` (the input of the dense layer the
    parameter belongs to, [batch, in]), `drive` (its result), `post` (its
    activation when one relu/sigmoid/tanh/softplus follows, else the
    drive), `w` (the parameter), the graph's inputs and nodes by name, and
    the training section's `constants`. Values are per sample (a leading
    batch dimension) or not; `+ - * /` broadcast (units right-aligned),
    `a ⊗ b` = `outer(a, b)` is `[n_a, n_b]` averaged over the batch,
    `mean`/`sum` reduce over the batch, `x^n` for n = 1..8, and `relu`,
    `sigmoid`, `tanh`, `softplus`. Inside a time loop the layer's
    quantities are per step (recorded by the loop), `trace(x, τ)` filters
    them over the steps and `⊗`, `mean`, `sum` also sum over the steps.
    An unknown symbol or function, a shape
    that does not combine, or an update of the wrong shape is an error at
    its column in the graph file. docs/rules.md has the full syntax.

    ```mlir
    %o = credo.einsum %r, %pre {spec = "b,bj->bj"} : tensor<16xf32>, tensor<16x6xf32> -> tensor<16x6xf32>
    %u = credo.einsum %o, %post {spec = "bi,bj->ij"} : tensor<16x6xf32>, tensor<16x5xf32> -> tensor<6x5xf32>
    %m = credo.scale %u {factor = 0.0625 : f64} : tensor<6x5xf32>
    %d = credo.scale %m {factor = -1.000000e+00 : f64} : tensor<6x5xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CredoInstrumentAlignment
    : Pass<"credo-instrument-alignment", "::mlir::ModuleOp"> {
  let summary = "compare a rule's update with the backprop gradient";
  let description = [{
    The alignment report: how close a learning rule's update comes to the
    gradient of the same loss on the same batch. From the rule's
    `@gradients` (the direction it feeds the optimizer; every rule
    publishes one) and `@exact_gradients` (`credo-autodiff` with
    `name=exact_gradients`), adds

    ```mlir
    func.func @alignment(inputs…) -> (align.P.rule, align.P.exact, …)
    ```

    with, for each trained parameter `P` (float, not `fixed`), the rule's
    direction `r` and the gradient `g`. The angle is
    `acos(⟨r, g⟩ / (‖r‖ ‖g‖))` and the norm ratio `‖r‖ / ‖g‖`;
    `credoc train --report-alignment` and `credoc align` report them per
    parameter, with the dot product and the norms summed in double (in f32
    a 1° angle between two directions of 200,000 elements read 0.93°, an
    exact multiple of the gradient 0.02°, and a squared norm below 1e-38
    no update at all). Both bodies are inlined into `@alignment`
    (they read the same parameters, generator included, so stochastic
    nodes draw the same samples); `@exact_gradients` is then removed.
  }];
}

def CredoInstrumentActivations
    : Pass<"credo-instrument-activations", "::mlir::ModuleOp"> {
  let summary = "count, per unit, how often each ReLU is active";
  let description = [{
    Dying-ReLU diagnostics (Douglas & Yu): appends to `@train_step` one
    result per `credo.relu`, named `active.NODE`, holding for each unit the
    number of positive outputs in the batch: `Σ [y > 0]` over every
    dimension but the unit dimension 1 (a dense layer's neurons, a
    convolution's channels). The training driver sums them over an epoch to
    report Pr[y > 0] per layer and the units that never fired ("dead").

    ```mlir
    %y = credo.relu %z : tensor<128x256xf32>
    // added:
    %one = arith.constant dense<1.0> : tensor<128x256xf32>
    %pos = credo.relu_grad %one, %y : tensor<128x256xf32>
    %count = credo.reduce_sum %pos {dims = array<i64: 0>} : tensor<128x256xf32> -> tensor<256xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CredoBatchOverTime : Pass<"credo-batch-over-time", "::mlir::ModuleOp"> {
  let summary = "move step-independent dense layers out of time loops, "
                "batched over all steps";
  let description = [{
    A `credo.dense` inside a `credo.time_loop` whose input is one step of a
    sequence defined outside the loop (`credo.time_slice`) and whose weight
    and bias come from outside the loop does not depend on the carried
    state: it becomes one product over all steps before the loop, and the
    body reads its step of the result. A batch-major sequence is first
    transposed to time-major. The input projection of an RNN over T steps
    thus runs as one [T·B, K] × [K, N] product (and, after autodiff, its
    weight gradient as one product too). Loops marked `reverse` are left
    alone: in the sweeps that `credo-autodiff` generates with
    `time-memory=recompute`, batching the recomputed products would hold
    all their steps at once, the memory that mode saves.

    Before:
    ```mlir
    %h = credo.time_loop steps 28 iter_args(%h0 : tensor<128x64xf32>) -> (tensor<128x64xf32>) {
    ^bb0(%t: index, %c: tensor<128x64xf32>):
      %xt = credo.time_slice %x[%t] {axis = 1 : i64} : tensor<128x28x28xf32> -> tensor<128x28xf32>
      %a = credo.dense %xt, %w, %b : (tensor<128x28xf32>, tensor<28x64xf32>, tensor<64xf32>) -> tensor<128x64xf32>
      …
    ```
    After:
    ```mlir
    %xs = credo.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<128x28x28xf32> -> tensor<28x128x28xf32>
    %flat = credo.reshape %xs {shape = array<i64: 3584, 28>} : tensor<28x128x28xf32> -> tensor<3584x28xf32>
    %all = credo.dense %flat, %w, %b : (tensor<3584x28xf32>, tensor<28x64xf32>, tensor<64xf32>) -> tensor<3584x64xf32>
    %as = credo.reshape %all {shape = array<i64: 28, 128, 64>} : tensor<3584x64xf32> -> tensor<28x128x64xf32>
    %h = credo.time_loop steps 28 iter_args(%h0 : tensor<128x64xf32>) -> (tensor<128x64xf32>) {
    ^bb0(%t: index, %c: tensor<128x64xf32>):
      %a = credo.time_slice %as[%t] : tensor<28x128x64xf32> -> tensor<128x64xf32>
      …
    ```
  }];
}

def CredoSpikeMajority : Pass<"credo-spike-majority", "::mlir::ModuleOp"> {
  let summary = "products with Poisson spikes as a fixed part and a sparser "
                "random part";
  let description = [{
    A `credo.dense` inside a `credo.time_loop` whose input is a
    `credo.poisson_encode` of intensities from outside the loop (weight and
    bias from outside too) multiplies spikes `s` that fire with probability
    `p`. Splitting them as `s = m + r`, with the majority `m = [p > ½]`
    fixed over the steps and the residual `r = s − m` (`part` of
    `credo.poisson_encode`), gives `dense(s, W, b) = dense(r, W, b) + m·W`:
    `m·W` is one product before the loop, and `r` is non-zero with
    probability `min(p, 1 − p)` instead of `p`, so products that skip zeros
    (the CPU's event-driven kernels) do less work in the step and, after
    autodiff, in its weight gradient (`rᵀδ` per step plus `mᵀΣδ` once). The
    sums equal the original ones up to rounding. Loops of fewer than 4
    steps are left alone, as are loops marked `reverse`.

    Before:
    ```mlir
    %y = credo.time_loop steps 25 iter_args(...) {
    ^bb0(%t: index, ...):
      %s = credo.poisson_encode %x, %g step %t {stream = 2 : i64} : tensor<128x784xf32>, tensor<2xi64>
      %c = credo.dense %s, %w, %b : (tensor<128x784xf32>, tensor<784x256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
      …
    ```
    After:
    ```mlir
    %m = credo.poisson_encode %x, %g {part = "majority", stream = 2 : i64} : tensor<128x784xf32>, tensor<2xi64>
    %mw = credo.dense %m, %w : (tensor<128x784xf32>, tensor<784x256xf32>) -> tensor<128x256xf32>
    %y = credo.time_loop steps 25 iter_args(...) {
    ^bb0(%t: index, ...):
      %r = credo.poisson_encode %x, %g step %t {part = "residual", stream = 2 : i64} : tensor<128x784xf32>, tensor<2xi64>
      %rw = credo.dense %r, %w, %b : (tensor<128x784xf32>, tensor<784x256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
      %c = credo.add %rw, %mw : tensor<128x256xf32>
      …
    ```
  }];
}

def CredoSpikeMasks : Pass<"credo-spike-masks", "::mlir::ModuleOp"> {
  let summary = "weight gradients of spikes read from recorded bit masks";
  let description = [{
    Runs after autodiff. The weight gradient `sᵀ·δ` of a dense layer of
    spikes (f32 entries −1, 0, +1: `credo.poisson_encode` of any part, or
    the spikes of a `credo.lif` step)
    reads the spikes of its step back from the forward loop's record. When
    every read of such a record is a `credo.time_slice` along its steps
    that only such products read, the forward loop records
    `credo.spike_masks` of the spikes instead (two bit planes, 1/16 of the
    f32 spikes) and the products become `credo.spike_masks_matmul` of the
    masks: no search for the non-zeros of the recorded spikes, no reads of
    their values, and the sums of the zero-skipping product of the f32
    spikes, in the same order (the same bits wherever the CPU takes that
    product for them; oneDNN, which takes the f32 product for widths that
    are not a multiple of 8, may round differently, and a dense product
    gives NaN for a zero spike against an infinite or NaN δ, where the
    skipping products give nothing). NaN spikes (of NaN rates or
    potentials) stay NaN. Spikes that a step recomputes
    (`--time-memory recompute`), and spikes outside time loops, get their
    masks where they are made. `CREDO_SPIKE_MASKS=0` in the environment
    leaves the products as they are (to measure the gain).

    Before:
    ```mlir
    %all:2 = credo.time_loop steps 25 -> (tensor<128x256xf32>, tensor<25x128x784xf32>) {
      %r = credo.poisson_encode %x, %g step %t {part = "residual", stream = 2 : i64} : tensor<128x784xf32>, tensor<2xi64>
      …
      credo.yield … record %r : tensor<128x784xf32>
    }
    … credo.time_loop steps 25 reverse … {
      %rt = credo.time_slice %all#1[%t] : tensor<25x128x784xf32> -> tensor<128x784xf32>
      %dw = credo.matmul %rt, %delta {transpose_lhs = true} : tensor<128x784xf32>, tensor<128x256xf32> -> tensor<784x256xf32>
    ```
    After:
    ```mlir
    %all:2 = credo.time_loop steps 25 -> (tensor<128x256xf32>, tensor<25x2x128x13xi64>) {
      %r = credo.poisson_encode %x, %g step %t {part = "residual", stream = 2 : i64} : tensor<128x784xf32>, tensor<2xi64>
      %m = credo.spike_masks %r : tensor<128x784xf32> -> tensor<2x128x13xi64>
      …
      credo.yield … record %m : tensor<2x128x13xi64>
    }
    … credo.time_loop steps 25 reverse … {
      %mt = credo.time_slice %all#1[%t] : tensor<25x2x128x13xi64> -> tensor<2x128x13xi64>
      %dw = credo.spike_masks_matmul %mt, %delta {width = 784 : i64} : tensor<2x128x13xi64>, tensor<128x256xf32> -> tensor<784x256xf32>
    ```
  }];
}

def CredoReadOnlyArguments
    : Pass<"credo-read-only-arguments", "::mlir::func::FuncOp"> {
  let summary = "mark every tensor argument read-only for bufferization";
  let description = [{
    Runs before one-shot bufferization. Every tensor argument of a function
    gets `bufferization.writable = false`: the arguments are the caller's
    buffers (a model's inputs and parameters), which generated code must
    never write. Bufferization then computes a value that would update an
    argument in place — a time loop's state whose `initial` is a parameter
    or an input — in a buffer of its own.

    Before:
    ```mlir
    func.func @forward(%h0: tensor<2x3xf32> {credo.param = "h0"}, %x: tensor<4x2x3xf32>) -> tensor<2x3xf32>
    ```
    After:
    ```mlir
    func.func @forward(%h0: tensor<2x3xf32> {bufferization.writable = false, credo.param = "h0"}, %x: tensor<4x2x3xf32> {bufferization.writable = false}) -> tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def CredoCopyAliasedResults
    : Pass<"credo-copy-aliased-results", "::mlir::ModuleOp"> {
  let summary = "give every function result a buffer of its own";
  let description = [{
    Runs before bufferization, and again after it. A result that is a
    function argument (an input, or a parameter after
    `credo-params-to-args`) or a value that the function returns more than
    once becomes a fresh copy (`bufferization.alloc_tensor() copy(...)` on
    tensors; `memref.alloc` and `linalg.copy` on memrefs), so that each
    result is a buffer the function allocates, which
    `buffer-results-to-out-params` then turns into the caller's output
    buffer. Without it, a model whose `outputs` name an input or a
    parameter would return the caller's own buffer. After bufferization a
    result can be an argument again: a state that a step updates in place
    (a one-step time loop's carried value, once the loop folds away).

    Before:
    ```mlir
    func.func @forward(%w: tensor<3x2xf32>, %x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>) {
      return %x, %w : tensor<2x3xf32>, tensor<3x2xf32>
    }
    ```
    After:
    ```mlir
    func.func @forward(%w: tensor<3x2xf32>, %x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>) {
      %0 = bufferization.alloc_tensor() copy(%x) : tensor<2x3xf32>
      %1 = bufferization.alloc_tensor() copy(%w) : tensor<3x2xf32>
      return %0, %1 : tensor<2x3xf32>, tensor<3x2xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // CREDO_TRANSFORMS_PASSES_TD
