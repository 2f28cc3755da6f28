//===- CredoParamOps.td - Trainable parameter ops ----------*- tablegen -*-===//
//
// Trainable parameters: a module-level declaration with its initializer, and
// the op that reads a parameter's current value inside a function.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_PARAM_OPS_TD
#define CREDO_PARAM_OPS_TD

include "Credo/IR/CredoDialect.td"
include "Credo/IR/CredoAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Credo_ParamOp : Credo_Op<"param", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "declares a trainable parameter";
  let description = [{
    Declares a trainable tensor `θ` owned by the model, with a static shape
    and the initializer that gives its value before training:
    `θ ← init(shape, seed)`. Functions read it with `credo.get_param`; training
    passes update it. The name is the one users see in checkpoints and in the
    generated C API.

    Element types are `f32` and `f64` (trainable) and `i32` and `i64` for
    state that is not trained by gradients (counters, indices, random-number
    keys): integer parameters take only `zeros`, `ones` or an integral
    `constant` that fits the type; gradient rules give them no gradient and
    optimizers leave them to the rule that declared them.

    A `fixed` parameter keeps its initial value: optimizers never update it
    (the random feedback matrices of feedback alignment, `θ_{t+1} = θ_t`).
    It is still a parameter, saved in checkpoints and read with
    `credo.get_param`.

    ```mlir
    credo.param @fc1_w : tensor<784x256xf32> init #credo.init<glorot_uniform, seed = 1>
    credo.param @steps_seen : tensor<i64> init #credo.init<zeros>
    credo.param @fc2_w_feedback : tensor<256x10xf32> init #credo.init<glorot_uniform, seed = 9> fixed
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Credo_ParamTensor>:$type,
                       Credo_InitAttr:$init,
                       UnitAttr:$fixed);
  let assemblyFormat =
      "$sym_name `:` $type `init` qualified($init) (`fixed` $fixed^)? attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def Credo_GetParamOp : Credo_Op<"get_param", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads the current value of a trainable parameter";
  let description = [{
    Yields the current value of the parameter `@name`: `y = θ_name`. The
    result type must equal the declared type of the parameter.

    ```mlir
    %w = credo.get_param @fc1_w : tensor<784x256xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Credo_ParamTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

#endif // CREDO_PARAM_OPS_TD
