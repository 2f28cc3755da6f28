//===- CredoTimeOps.td - Time loops, step slices, stop_gradient -*- tablegen -*-===//
//
// Time as a region op: `credo.time_loop` runs its body once per step with
// explicit carried state and stacks recorded values along a new leading time
// dimension; `credo.time_slice` reads one step of a sequence inside it;
// `credo.ring_read` / `credo.ring_write` keep a node's last k values in one
// carried ring buffer; `credo.yield` ends the body. `credo.stop_gradient` is the identity that
// gradients do not cross.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TIME_OPS_TD
#define CREDO_TIME_OPS_TD

include "Credo/IR/CredoLayerOps.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def Credo_TimeLoopOp : Credo_Op<"time_loop", [
    RecursiveMemoryEffects, SingleBlock,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "a loop over time steps with explicit carried state";
  let description = [{
    Runs its body for `t = 0, 1, …, steps − 1` (or `steps − 1, …, 0` when
    `reverse` is set). The body's arguments are the step `t : index` and the
    carried values, which start as `inits`; its `credo.yield` gives the
    carried values of the next step and the values to `record`. The results
    are the carried values after the last step, then each recorded value
    stacked along a new leading dimension of size `steps`, step `t` at index
    `t`:

    `c_{t+1} = f(t, c_t)`, results `c_steps` and `R[t] = r(t, c_t)`.

    The body may read any value defined above it (weights, whole sequences);
    `credo.time_slice` reads one step of a sequence. Recurrence is explicit:
    a delayed read of a node is a carried value. The CPU backend compiles the
    loop to one loop in generated code.

    ```mlir
    %hT, %hs = credo.time_loop steps 28 iter_args(%h0 : tensor<128x64xf32>)
        -> (tensor<128x64xf32>, tensor<28x128x64xf32>) {
    ^bb0(%t: index, %h: tensor<128x64xf32>):
      %xt = credo.time_slice %x[%t] {axis = 1 : i64} : tensor<128x28x28xf32> -> tensor<128x28xf32>
      %a = credo.dense %xt, %wx : (tensor<128x28xf32>, tensor<28x64xf32>) -> tensor<128x64xf32>
      %r = credo.dense %h, %wh : (tensor<128x64xf32>, tensor<64x64xf32>) -> tensor<128x64xf32>
      %s = credo.add %a, %r : tensor<128x64xf32>
      %h1 = credo.tanh %s : tensor<128x64xf32>
      credo.yield %h1 : tensor<128x64xf32> record %h1 : tensor<128x64xf32>
    }
    ```
  }];
  let arguments = (ins I64Attr:$steps, UnitAttr:$reverse,
                       Variadic<AnyRankedTensor>:$inits);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `steps` $steps (`reverse` $reverse^)?
    (`iter_args` `(` $inits^ `:` type($inits) `)`)?
    (`->` `(` type($results)^ `)`)? $body attr-dict
  }];
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The step index `t` inside the body.
    ::mlir::BlockArgument getStep() { return getBody().front().getArgument(0); }
    /// The carried values inside the body.
    ::mlir::Block::BlockArgListType getCarried() {
      return getBody().front().getArguments().drop_front();
    }
    /// The body's terminator.
    YieldOp getYield();
    /// The carried values after the last step.
    ::mlir::ResultRange getFinals() {
      return getResults().take_front(getInits().size());
    }
    /// The recorded values, stacked along time.
    ::mlir::ResultRange getRecords() {
      return getResults().drop_front(getInits().size());
    }
  }];
}

def Credo_YieldOp : Credo_Op<"yield", [
    Pure, Terminator, ReturnLike, HasParent<"TimeLoopOp">,
    AttrSizedOperandSegments]> {
  let summary = "ends a time step: next carried values and recorded values";
  let description = [{
    Ends the body of `credo.time_loop`. `carried` are the carried values of
    the next step (one per loop init, of the same types); `recorded` are
    stacked by the loop along time, one result each.

    ```mlir
    credo.yield %h1 : tensor<128x64xf32> record %h1 : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$carried,
                       Variadic<AnyRankedTensor>:$recorded);
  let assemblyFormat = [{
    ($carried^ `:` type($carried))? (`record` $recorded^ `:` type($recorded))?
    attr-dict
  }];
}

def Credo_TimeSliceOp : Credo_InferredOp<"time_slice"> {
  let summary = "one step of a sequence inside a time loop";
  let description = [{
    Reads step `t` of a sequence along `axis` (default 0), dropping that
    dimension: `y[i…, j…] = x[i…, t, j…]`. `t` is the step of an enclosing
    `credo.time_loop`, and the sequence has exactly that loop's `steps`
    along `axis`, so every read is in bounds.

    ```mlir
    %xt = credo.time_slice %x[%t] {axis = 1 : i64} : tensor<128x28x28xf32> -> tensor<128x28xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Index:$step,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `[` $step `]` attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Credo_RingReadOp : Credo_InferredOp<"ring_read"> {
  let summary = "a slot of a ring buffer of a node's past values";
  let description = [{
    A ring buffer `r : [k, …]`, carried by a time loop, holds a node's last
    k values: step `t` writes its value into slot `t mod k`
    (`credo.ring_write`), so that slot `(t − j) mod k` holds the value of
    step `t − j` for `1 ≤ j ≤ k` (before step `j`, the ring's starting
    value). This reads

    `y = r[(t − back) mod k]`, `0 ≤ back < k`

    (`back = j mod k`: a read k steps back is the slot step t writes, read
    before the write). The importer keeps a node read more than 8 steps back
    in a ring: one carried value and O(1) work a step, where a delay line
    carries k values and shifts them all. The gradient of `r` is `g` in slot
    `(t − back) mod k` and zeros elsewhere.

    ```mlir
    %h12 = credo.ring_read %ring[%t] {back = 0 : i64} : tensor<12x16x64xf32> -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$ring, Index:$step, I64Attr:$back);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $ring `[` $step `]` attr-dict `:` type($ring) `->` type($result)
  }];
}

def Credo_RingWriteOp : Credo_InferredOp<"ring_write"> {
  let summary = "a ring buffer with one slot written";
  let description = [{
    The ring buffer `r : [k, …]` (see `credo.ring_read`) with slot
    `i = (t − back) mod k` replaced by `x`, or with `add` incremented by it:

    `r'[i] = x` (`r'[i] = r[i] + x` with `add`), `r'[m] = r[m]` for `m ≠ i`.

    A time loop's step writes its node's value with `back = 0` and yields
    the result as the ring's next value, which the CPU backend updates in
    place. Gradients: `x` gets `g[i]`; `r` gets `g` with slot `i` cleared
    (all of `g` with `add`). Gradient sums into a ring from its reads are
    writes with `add`.

    ```mlir
    %ring1 = credo.ring_write %ring[%t], %h {back = 0 : i64} : tensor<12x16x64xf32>, tensor<16x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$ring, AnyRankedTensor:$value,
                       Index:$step, DefaultValuedAttr<I64Attr, "0">:$back,
                       UnitAttr:$add);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $ring `[` $step `]` `,` $value attr-dict `:` type($ring) `,` type($value)
  }];
}

def Credo_StopGradientOp : Credo_InferredOp<"stop_gradient"> {
  let summary = "the identity, through which no gradient flows";
  let description = [{
    `y = x` in the forward computation; `∂y/∂x` is taken as 0, so
    `credo-autodiff` treats `y` as a constant (targets computed from the
    model itself, baselines, samples of a Markov chain).

    ```mlir
    %target = credo.stop_gradient %q : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

#endif // CREDO_TIME_OPS_TD
