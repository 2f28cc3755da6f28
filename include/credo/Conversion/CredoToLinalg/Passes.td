//===- Passes.td - credo → linalg (portable reference) -----*- tablegen -*-===//
//
// The portable lowering of every credo compute op to linalg, tensor, arith
// and math on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_CONVERSION_CREDOTOLINALG_PASSES_TD
#define CREDO_CONVERSION_CREDOTOLINALG_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertCredoToLinalg : Pass<"convert-credo-to-linalg", "::mlir::ModuleOp"> {
  let summary = "lower credo compute ops to linalg on tensors";
  let description = [{
    The reference path: every credo compute op becomes linalg named or
    generic ops (with tensor, arith and math) on tensors, ready for one-shot
    bufferization. `credo.param`, `credo.get_param` and `credo.call_kernel`
    are left alone (legal on purpose: parameters are handled by
    `credo-params-to-args`, kernel calls by bufferization).

    Before:
    ```mlir
    %y = credo.relu %x : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %e = tensor.empty() : tensor<4x8xf32>
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
           ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.maximumf %in, %cst : f32
      linalg.yield %0 : f32
    } -> tensor<4x8xf32>
    ```
  }];
  let options = [
    Option<"wideGeneratorLanes", "wide-generator-lanes", "bool",
           /*default=*/"false",
           "compute the random generator's 32-bit words in 64-bit lanes, "
           "where one product gives both halves of a 32 x 32 -> 64-bit "
           "multiply (faster on CPUs; the same numbers)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CredoFlattenContiguous
    : Pass<"credo-flatten-contiguous", "::mlir::func::FuncOp"> {
  let summary = "run elementwise linalg ops on contiguous buffers as one loop";
  let description = [{
    Runs on buffers (after bufferization, before linalg becomes loops). A
    `linalg.generic` or `linalg.copy` whose loops are all parallel, whose
    indexing maps are all the identity and whose operands are memrefs with
    the identity layout (contiguous row-major) — apart from 0-d inputs read
    at every element, such as an optimizer's learning rate — touches every
    element of its operands in memory order: it becomes the same op on one-dimensional
    views (`memref.collapse_shape`, no copy), so the lowered loop nest is a
    single loop over all elements. Nested loops over small static
    dimensions otherwise make LLVM vectorize across rows with gathers (a
    25×32 parameter copy of a coagent step ran as 25 rows of 8-wide
    gathers). Ops that read `linalg.index`, broadcast, transpose or reduce
    are left as they are.

    Before:
    ```mlir
    linalg.copy ins(%a : memref<25x32xf32>) outs(%b : memref<25x32xf32>)
    ```
    After:
    ```mlir
    %0 = memref.collapse_shape %a [[0, 1]] : memref<25x32xf32> into memref<800xf32>
    %1 = memref.collapse_shape %b [[0, 1]] : memref<25x32xf32> into memref<800xf32>
    linalg.copy ins(%0 : memref<800xf32>) outs(%1 : memref<800xf32>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CredoExpandExp : Pass<"credo-expand-exp", "::mlir::ModuleOp"> {
  let summary = "compute f32 math.exp with glibc's arithmetic, which vectorizes";
  let description = [{
    The CPU pipeline's exponential, where libm's `expf` is glibc's x86-64
    build with fused multiply-adds (CPUs with FMA and AVX2; elsewhere the
    pipeline leaves `math.exp` a call). Each scalar f32 `math.exp` of a
    host function (not in a GPU module or launch) becomes that build's
    operations: in f64, z = x·32/ln 2, k = round(z) by adding and
    subtracting 1.5·2^52 (one fused multiply-add) and r = z - k (another);
    2^(k/32) as the f64 whose bits are T[k mod 32] + k·2^47, with T[i] =
    bits(2^(i/32)) - i·2^47 (a private constant `memref.global`,
    `@__credo_exp2_32`), which adds ⌊k/32⌋ to the exponent; glibc's
    degree-3 polynomial in r; the product rounded to f32; +inf above
    0x1.62e42ep6, 0 below -0x1.9fe368p6, x + x for NaN. The LLVM
    vectorizers make vector code of it (the table read becomes a gather),
    where a call to libm was one element at a time, and each element gets
    the bits libm's `expf` gives (`test/Conversion/CredoToLinalg/expand-exp.mlir`
    compares them over 8·10^6 inputs). Vector-typed `math.exp` is left as
    it is. A symbol `@__credo_exp2_32` that is not that table is an error.

    ```mlir
    %y = math.exp %x : f32
    ```
    becomes, in outline:
    ```mlir
    %xd = arith.extf %x : f32 to f64
    %ks = math.fma %c32_ln2, %xd, %shift : f64     // k + 1.5·2^52
    %r  = math.fma %c32_ln2, %xd, %minus_k : f64
    %t  = memref.load %table[%slot] : memref<32xi64>
    ...                                            // the polynomial, · 2^(k/32)
    %y  = arith.truncf %p : f64 to f32
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CredoExpandLog1p : Pass<"credo-expand-log1p", "::mlir::ModuleOp"> {
  let summary = "compute math.log1p without the cancellation of log(1 + x)";
  let description = [{
    MLIR 19's `convert-math-to-llvm` computes `math.log1p(x)` as
    `log(1 + x)`, which loses x where it is small against 1: in f32
    softplus(−15) = log1p(e^−15) came out 17 % high and softplus(−20) as 0
    (the exact value is 2.1e-9); in f64 softplus(−40) was 0. Each
    `math.log1p` of the host code (float or vector of floats; not in a GPU
    module) becomes

        u = 1 + x;  log1p(x) = x                  where u = 1 (and x ≠ NaN)
                             = log(u)             where u = +inf
                             = log(u) · x/(u − 1) elsewhere

    (the rounding error of u cancels in x/(u − 1); a few ulp from the exact
    value). x = −1 gives −inf, x < −1 and NaN give NaN, as log1p does. The
    arithmetic vectorizes like the `math.log` it calls.

    ```mlir
    %y = math.log1p %x : f32
    ```
    becomes
    ```mlir
    %u = arith.addf %x, %one : f32
    %d = arith.subf %u, %one : f32
    %l = math.log %u : f32
    %q = arith.divf %x, %d : f32
    %p = arith.mulf %l, %q : f32
    ...                                // the selects for u = 1 and u = +inf
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def CredoLongSumsInF64 : Pass<"credo-long-sums-in-f64", "::mlir::func::FuncOp"> {
  let summary = "accumulate f32 sums of at least 2^20 terms per output in f64";
  let description = [{
    The CPU's generated loops add a sum's terms one after another, and in
    f32 every addition rounds to the sum's precision: 4 million terms of
    0.1 summed to about 389,000 instead of 400,000, an MSE over 20 million
    elements came out 16 % low, a softmax over 5 million logits summed to
    0.95. A `linalg.generic` on tensors whose one f32 output is updated by
    an `arith.addf` of its block argument and whose reduction loops have at
    least 2^20 iterations in all (static) accumulates in f64 instead: the
    output's initial value extended to f64, each term extended before it
    is added, the sum rounded to f32 once at the end. Shorter sums keep
    their f32 order, bit for bit.

    ```mlir
    %s = linalg.generic {…, iterator_types = ["reduction"]}
           ins(%x : tensor<4194304xf32>) outs(%zero : tensor<f32>) {
    ^bb0(%a: f32, %acc: f32):
      %y = arith.addf %a, %acc : f32
      linalg.yield %y : f32
    } -> tensor<f32>
    ```
    becomes an f64 generic (`arith.extf %a`, `arith.addf` in f64) between
    an elementwise `arith.extf` of `%zero` and an elementwise
    `arith.truncf` of its result.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CredoFuseElementwise
    : Pass<"credo-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "fuse elementwise linalg ops on tensors, without recomputing costly producers per broadcast element";
  let description = [{
    MLIR's elementwise fusion (`linalg-fuse-elementwise-ops`: a producer
    with one use moves into its consumer, reshapes fold by expansion,
    constants fold) with one more condition: a producer whose body has a
    transcendental or a division (a `math` op, `arith.divf`) is not fused
    into a consumer that reads it broadcast (an indexing map that is not a
    permutation), where it would be computed once per element of the
    broadcast instead of once. An outer product φ(u)ᵀ·r of a batch of one
    (an elementwise generic over (i, j)) would otherwise evaluate the
    sigmoid 64 × 50 times instead of 50. Nor is it fused into a consumer
    whose innermost loop is a reduction (the exponentials of a softmax
    into their row sums): that loop adds in order, one element at a time,
    and would keep the producer's arithmetic from being vectorized; on its
    own the producer's loop is (the same values, one temporary more).

    ```mlir
    %s = linalg.generic {... ["parallel", "parallel"]} ins(%u : tensor<1x50xf32>) ... { math.exp ... }
    %o = linalg.generic {indexing_maps = [affine_map<(i, j) -> (0, i)>, affine_map<(i, j) -> (0, j)>, ...]}
           ins(%s, %r : tensor<1x50xf32>, tensor<1x64xf32>) ...   // stays two ops
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

def CredoRecordInPlace
    : Pass<"credo-record-in-place", "::mlir::func::FuncOp"> {
  let summary = "compute a time loop's recorded values in their record and its states in place";
  let description = [{
    A lowered `credo.time_loop` carries one `[steps, …]` tensor per
    recorded value and inserts each step's value at step t. When the value
    comes from a destination-passing op (a `linalg` op, a kernel call)
    whose destination is a `tensor.empty` in the loop body, directly or
    through reshapes, the destination becomes the record's slice at step t:
    bufferization then writes the value where it is kept, and the
    insertion copies nothing. Values that are also read later stay correct:
    the slice is their buffer. Each tensor the loop carries that starts
    undefined (a record) starts as its own `bufferization.alloc_tensor`:
    after CSE the records start as one `tensor.empty`, and slices written
    in place must not share a buffer.

    Likewise a carried state: the loop copies its next value into the
    carried tensor at the end of the step (`linalg.copy`). When that value
    comes from a destination-passing op writing into a `tensor.empty`, the
    carried tensor becomes its destination, so the state is updated in place
    and the copy is a self-copy that canonicalization removes (a LIF step
    reads the old potential and writes the new one, element by element).
    The copies that end a step are then ordered so that a carried tensor is
    overwritten only after every copy that reads its old value, as the
    time-loop lowering orders them: canonicalization can make a next value
    another state's old value later (a scaling by 1 folds away), and a swap
    copies one value aside first.

    Before:
    ```mlir
    %e = tensor.empty() : tensor<4x8xf32>
    %v = linalg.generic {...} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {...}
    %r = tensor.insert_slice %v into %rec[%t, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<25x4x8xf32>
    ```
    After:
    ```mlir
    %s = tensor.extract_slice %rec[%t, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<25x4x8xf32> to tensor<4x8xf32>
    %v = linalg.generic {...} ins(%x : tensor<4x8xf32>) outs(%s : tensor<4x8xf32>) {...}
    %r = tensor.insert_slice %v into %rec[%t, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<25x4x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

#endif // CREDO_CONVERSION_CREDOTOLINALG_PASSES_TD
