//===- CredoLayerOps.td - Dense, convolution, pooling, shape ops -*- tablegen -*-===//
//
// The layer ops of feed-forward networks: dense (affine) layers, 2-D
// convolution, max/average pooling, and the shape ops flatten and reshape.
// Each op infers its result type; a result type that disagrees with the
// inferred one is a verifier error.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LAYER_OPS_TD
#define CREDO_LAYER_OPS_TD

include "Credo/IR/CredoDialect.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// An op whose result types are computed (and checked) by a C++
/// `inferReturnTypes(ctx, loc, adaptor, types)`.
class Credo_InferredOp<string mnemonic, list<Trait> traits = []>
    : Credo_Op<mnemonic, !listconcat([Pure, InferTypeOpAdaptor], traits)>;

def Credo_DenseOp : Credo_InferredOp<"dense"> {
  let summary = "fully connected (affine) layer";
  let description = [{
    Multiplies a batch of row vectors by a weight matrix and adds an optional
    bias: `y[b, n] = Σ_k x[b, k] · W[k, n] + bias[n]`.
    Shapes: `x : [B, K]`, `W : [K, N]`, `bias : [N]`, `y : [B, N]`; all
    operands share one element type.

    ```mlir
    %y = credo.dense %x, %w, %b : (tensor<128x784xf32>, tensor<784x256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, Credo_FloatTensor:$weight,
                       Optional<Credo_FloatTensor>:$bias);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Credo_Conv2DOp : Credo_InferredOp<"conv2d"> {
  let summary = "2-D convolution over NCHW images";
  let description = [{
    Cross-correlates a batch of images with a bank of filters and adds an
    optional per-channel bias:
    `y[b, o, i, j] = Σ_{c, p, q} x̃[b, c, i·sh + p, j·sw + q] · W[o, c, p, q] + bias[o]`,
    where `x̃` is `x` zero-padded by `padding = [ph, pw]` on each side.
    Shapes: `x : [B, C, H, W]`, `W : [O, C, KH, KW]`, `bias : [O]`,
    `y : [B, O, (H + 2ph − KH) / sh + 1, (W + 2pw − KW) / sw + 1]`
    (integer division). `strides` defaults to `[1, 1]`, `padding` to `[0, 0]`.

    ```mlir
    %y = credo.conv2d %x, %w, %b {padding = array<i64: 2, 2>} : (tensor<64x1x28x28xf32>, tensor<32x1x5x5xf32>, tensor<32xf32>) -> tensor<64x32x28x28xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, Credo_FloatTensor:$weight,
                       Optional<Credo_FloatTensor>:$bias,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

class Credo_Pool2DOp<string mnemonic, string what, string equation>
    : Credo_InferredOp<mnemonic> {
  let summary = what # " pooling over NCHW images";
  let description = [{
    Slides a `kernel = [kh, kw]` window with `strides = [sh, sw]` (default: the
    kernel) over each channel of `x` padded by `padding = [ph, pw]` (default
    `[0, 0]`; each pad must be at most half the kernel) and computes
  }] # equation # [{
    Shapes: `x : [B, C, H, W]`,
    `y : [B, C, (H + 2ph − kh) / sh + 1, (W + 2pw − kw) / sw + 1]`.

    ```mlir
    %y = credo.}] # mnemonic # [{ %x {kernel = array<i64: 2, 2>} : tensor<64x32x28x28xf32> -> tensor<64x32x14x14xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let extraClassDeclaration = [{
    /// The strides, which default to the kernel size.
    static ::llvm::SmallVector<int64_t, 2> effectiveStrides(
        ::llvm::ArrayRef<int64_t> kernel,
        ::std::optional<::llvm::ArrayRef<int64_t>> strides) {
      return ::llvm::SmallVector<int64_t, 2>(strides ? *strides : kernel);
    }
  }];
}

def Credo_MaxPool2DOp : Credo_Pool2DOp<"max_pool2d", "max",
    "`y[b, c, i, j] = max_{p < kh, q < kw} x̃[b, c, i·sh + p, j·sw + q]`, where padding never wins (it acts as −∞).">;

def Credo_AvgPool2DOp : Credo_Pool2DOp<"avg_pool2d", "average",
    "`y[b, c, i, j] = mean of x[b, c, i·sh + p − ph, j·sw + q − pw]` over the window positions that fall inside the image (padding is not counted).">;

def Credo_FlattenOp : Credo_InferredOp<"flatten"> {
  let summary = "collapses all but the batch dimension";
  let description = [{
    Reshapes `x : [B, d1, …, dn]` into `y : [B, d1·…·dn]` in row-major order:
    `y[b, flat(i1, …, in)] = x[b, i1, …, in]`.

    ```mlir
    %y = credo.flatten %x : tensor<64x64x7x7xf32> -> tensor<64x3136xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Credo_OneHotOp : Credo_InferredOp<"one_hot"> {
  let summary = "class indices as rows of on/off values";
  let description = [{
    Turns class indices `t : [B]` (i32 or i64) into `y : [B, classes]` (f32)
    with `y[b, c] = on` if `c = t[b]`, else `off`. A label outside
    `[0, classes)` makes the entry point fail, as for the losses. Local
    rules use it for targets (the nudging potential of a dendritic output
    layer is `one_hot(t) {on = u_high, off = u_low}`).

    ```mlir
    %y = credo.one_hot %t {classes = 10 : i64, on = 2.2 : f64, off = -2.2 : f64} : tensor<128xi32> -> tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Credo_LabelTensor:$labels, I64Attr:$classes,
                       DefaultValuedAttr<F64Attr, "1.0">:$on,
                       DefaultValuedAttr<F64Attr, "0.0">:$off);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = [{
    $labels attr-dict `:` type($labels) `->` type($result)
  }];
}

def Credo_ReshapeOp : Credo_InferredOp<"reshape"> {
  let summary = "reinterprets a tensor with another shape";
  let description = [{
    Returns the elements of `x` in row-major order with the shape `shape`:
    `flat(y) = flat(x)`. At most one entry of `shape` may be `-1`; it is
    replaced by the size that keeps the element count. The elements may be
    floats, labels or index tuples (`f32`, `f64`, `i32`, `i64`).

    ```mlir
    %y = credo.reshape %x {shape = array<i64: 128, 1, 28, 28>} : tensor<128x784xf32> -> tensor<128x1x28x28xf32>
    ```
  }];
  let arguments = (ins Credo_ParamTensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Credo_ParamTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  // A reshape to the input's own shape is the input; a reshape of a reshape
  // is one reshape.
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Credo_TransposeOp : Credo_InferredOp<"transpose"> {
  let summary = "permutes the dimensions of a tensor";
  let description = [{
    Dimension `i` of the result is dimension `perm[i]` of the input:
    `y[i_0, …, i_(n−1)] = x[j]` with `j[perm[k]] = i_k`. `perm` is a
    permutation of `0 … n−1`. Moves a sequence's time axis to the front
    (`[batch, time, features]` → `[time, batch, features]`).

    ```mlir
    %y = credo.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<128x28x28xf32> -> tensor<28x128x28xf32>
    ```
  }];
  let arguments = (ins Credo_FloatTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Credo_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  // The identity permutation is the input; a transpose of a transpose is
  // one transpose (or none).
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

#endif // CREDO_LAYER_OPS_TD
