//===- CredoAttrs.td - Credo attribute definitions ---------*- tablegen -*-===//
//
// Attributes of the credo dialect: parameter initializers. An initializer is
// data, not code: the runtime and the generated `init` functions read it to
// fill a parameter deterministically from its seed.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_ATTRS_TD
#define CREDO_ATTRS_TD

include "Credo/IR/CredoDialect.td"
include "mlir/IR/EnumAttr.td"

def Credo_InitKind : I32EnumAttr<"InitKind", "parameter initializer kind", [
  I32EnumAttrCase<"Zeros", 0, "zeros">,
  I32EnumAttrCase<"Ones", 1, "ones">,
  I32EnumAttrCase<"Constant", 2, "constant">,
  I32EnumAttrCase<"Uniform", 3, "uniform">,
  I32EnumAttrCase<"Normal", 4, "normal">,
  I32EnumAttrCase<"GlorotUniform", 5, "glorot_uniform">,
  I32EnumAttrCase<"GlorotNormal", 6, "glorot_normal">,
  I32EnumAttrCase<"HeUniform", 7, "he_uniform">,
  I32EnumAttrCase<"HeNormal", 8, "he_normal">,
  I32EnumAttrCase<"Generator", 9, "generator">,
  I32EnumAttrCase<"RandomPairs", 10, "random_pairs">
]> {
  let cppNamespace = "::mlir::credo";
  let genSpecializedAttr = 0;
}

def Credo_InitAttr : Credo_Attr<"Init", "init"> {
  let summary = "how a parameter is initialized";
  let description = [{
    Names a deterministic initializer and its hyper-parameters. Only the keys
    that a kind uses may be given; the others are rejected.

    | kind             | keys (default)                 | distribution                              |
    |------------------|--------------------------------|-------------------------------------------|
    | `zeros`, `ones`  | none                           | 0 or 1 everywhere                         |
    | `constant`       | `value` (required)             | `value` everywhere                        |
    | `uniform`        | `low`, `high` (required), `seed` (0) | U(low, high)                        |
    | `normal`         | `mean` (0), `std` (required), `seed` (0) | N(mean, std²)                   |
    | `glorot_uniform` | `seed` (0)                     | U(−a, a), a = sqrt(6 / (fan_in + fan_out)) |
    | `glorot_normal`  | `seed` (0)                     | N(0, 2 / (fan_in + fan_out))              |
    | `he_uniform`     | `seed` (0)                     | U(−a, a), a = sqrt(6 / fan_in)            |
    | `he_normal`      | `seed` (0)                     | N(0, 2 / fan_in)                          |
    | `generator`      | `seed` (0)                     | `[seed, 0]`: a random-number generator (`tensor<2xi64>` only) |
    | `random_pairs`   | `rows`, `cols` (required), `seed` (0) | nnz distinct pairs (i, j), i < rows, j < cols, uniformly without replacement, sorted (`tensor<nnz x 2 x i64>` only): the connectivity of a fixed sparse layer |

    Fans: a rank-2 `[in, out]` (dense) weight has fan_in = in,
    fan_out = out; a rank-r ≥ 3 `[out, in, k1, …]` (convolution) kernel has
    fan_in = in·k1·… and fan_out = out·k1·…; a rank-1 tensor of n elements
    has fan_in = fan_out = n; a scalar has fan_in = fan_out = 1.

    ```mlir
    #credo.init<zeros>
    #credo.init<uniform, low = -0.1, high = 0.1, seed = 7>
    #credo.init<he_normal, seed = 3>
    #credo.init<random_pairs, rows = 1024, cols = 1024, seed = 1>
    ```
  }];
  let parameters = (ins
    EnumParameter<Credo_InitKind>:$kind,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.0)">:$value,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.0)">:$low,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.0)">:$high,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.0)">:$mean,
    DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(0.0)">:$std,
    DefaultValuedParameter<"uint64_t", "0">:$seed,
    DefaultValuedParameter<"int64_t", "0">:$rows,
    DefaultValuedParameter<"int64_t", "0">:$cols
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether the kind `kind` reads the key `key` (value, low, high, mean,
    /// std, seed).
    static bool kindUsesKey(InitKind kind, ::llvm::StringRef key);
    /// Whether every value this initializer can draw is finite in
    /// `elementType` (a constant or bound past its range, a normal whose
    /// mean ± 9 std does not fit); otherwise reports why.
    ::mlir::LogicalResult
    verifyFits(::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
               ::mlir::Type elementType) const;
  }];
}

//===----------------------------------------------------------------------===//
// Spiking neurons
//===----------------------------------------------------------------------===//

def Credo_LifModel : I32EnumAttr<"LifModel", "leaky integrate-and-fire model", [
  I32EnumAttrCase<"Beta", 0, "beta">,
  I32EnumAttrCase<"Current", 1, "current">
]> {
  let cppNamespace = "::mlir::credo";
  let genSpecializedAttr = 0;
}
def Credo_LifModelAttr : EnumAttr<Credo_Dialect, Credo_LifModel, "lif_model"> {
  let summary = "the neuron model of credo.lif: beta or current";
  let assemblyFormat = "`<` $value `>`";
}

def Credo_LifReset : I32EnumAttr<"LifReset", "membrane reset after a spike", [
  I32EnumAttrCase<"Subtract", 0, "subtract">,
  I32EnumAttrCase<"Zero", 1, "zero">
]> {
  let cppNamespace = "::mlir::credo";
  let genSpecializedAttr = 0;
}
def Credo_LifResetAttr : EnumAttr<Credo_Dialect, Credo_LifReset, "lif_reset"> {
  let summary = "how credo.lif resets the membrane: subtract or zero";
  let assemblyFormat = "`<` $value `>`";
}

def Credo_Surrogate : I32EnumAttr<"Surrogate",
    "the derivative used in place of the spike's step function", [
  I32EnumAttrCase<"FastSigmoid", 0, "fast_sigmoid">,
  I32EnumAttrCase<"Arctan", 1, "arctan">,
  I32EnumAttrCase<"Triangle", 2, "triangle">
]> {
  let cppNamespace = "::mlir::credo";
  let genSpecializedAttr = 0;
}
def Credo_SurrogateAttr : EnumAttr<Credo_Dialect, Credo_Surrogate, "surrogate"> {
  let summary = "surrogate derivative of a spike: fast_sigmoid, arctan or triangle";
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Training contract
//===----------------------------------------------------------------------===//

def Credo_OptimizerAttr : Credo_Attr<"Optimizer", "optimizer"> {
  let summary = "the optimizer of a training contract";
  let description = [{
    How a rule's gradients or raw updates move the parameters
    (`applyOptimizer`): `kind` names it (`sgd`, `adam`), and the verifier
    refuses another kind's hyper-parameters (`momentum` is sgd's; `beta1`,
    `beta2` and `eps` are adam's). Learning rate `lr` > 0; `weight_decay`
    ≥ 0; `momentum`, `beta1`, `beta2` in [0, 1); `eps` in (0, 1).
    An absent value takes the kind's default (docs/training.md).

    `sgd`: `v ← μ v + g + λ θ`, `θ ← θ − lr v`. `adam`: the usual
    bias-corrected first and second moments with `beta1`, `beta2`, `eps`.

    ```mlir
    #credo.optimizer<kind = "adam", lr = 1.000000e-03 : f64>
    #credo.optimizer<kind = "sgd", lr = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the optimizer's name">:$kind,
    OptionalParameter<"::mlir::FloatAttr">:$lr,
    OptionalParameter<"::mlir::FloatAttr">:$momentum,
    OptionalParameter<"::mlir::FloatAttr">:$weight_decay,
    OptionalParameter<"::mlir::FloatAttr">:$beta1,
    OptionalParameter<"::mlir::FloatAttr">:$beta2,
    OptionalParameter<"::mlir::FloatAttr">:$eps
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Credo_TrainingAttr : Credo_Attr<"Training", "training"> {
  let summary = "the training contract of a model (module attribute credo.training)";
  let description = [{
    What the graph's training section asks for, as the module attribute
    `credo.training`, read in one place (TrainingContract::read) by every
    rule and driver:

    - `rule`: the registered learning rule that builds `@train_step`
      (default `backprop`); `loss`: the loss node (rank 0);
    - `optimizer`: a `#credo.optimizer`;
    - `batch_size` (0: not given), `epochs` (default 1), `seed` (the
      model's generators and fixed random matrices), `settle_epochs` (the
      rule's unsupervised phase);
    - `schedule`, `dataset`, `environment`, `metric`: what the driver reads
      (the learning-rate schedule, the data and which arrays feed which
      inputs, an environment to act in, how the test set is measured), as
      in the graph format;
    - `options`: the rule's own section, by rule (`dendritic`, `coagent`,
      `updates` and `constants` of a written rule).

    Counts are ≥ 0 and the rule is named.

    ```mlir
    module attributes {credo.training = #credo.training<loss = "loss",
        optimizer = #credo.optimizer<kind = "adam", lr = 1.000000e-03 : f64>,
        batch_size = 128, epochs = 3, dataset = {name = "fashion-mnist"}>} {
    }
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the learning rule", "\"backprop\"">:$rule,
    StringRefParameter<"the loss node", "\"\"">:$loss,
    OptionalParameter<"::mlir::credo::OptimizerAttr">:$optimizer,
    DefaultValuedParameter<"int64_t", "0">:$batch_size,
    DefaultValuedParameter<"int64_t", "1">:$epochs,
    DefaultValuedParameter<"uint64_t", "0">:$seed,
    DefaultValuedParameter<"int64_t", "0">:$settle_epochs,
    OptionalParameter<"::mlir::DictionaryAttr">:$schedule,
    OptionalParameter<"::mlir::DictionaryAttr">:$dataset,
    OptionalParameter<"::mlir::DictionaryAttr">:$environment,
    OptionalParameter<"::mlir::DictionaryAttr">:$metric,
    OptionalParameter<"::mlir::DictionaryAttr">:$options
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // CREDO_ATTRS_TD
