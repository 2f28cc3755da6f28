//===- CredoDialect.td - Credo dialect definition ----------*- tablegen -*-===//
//
// The `credo` dialect: dataflow graphs of learning systems on ranked tensors.
// This file holds the dialect itself, the base class of every credo op and the
// tensor type constraints that the op families share.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_DIALECT_TD
#define CREDO_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Credo_Dialect : Dialect {
  let name = "credo";
  let cppNamespace = "::mlir::credo";
  let summary = "Dataflow graphs of learning systems: layers, losses and parameters";
  let description = [{
    The `credo` dialect describes a model as a dataflow graph on statically
    shaped tensors whose leading dimension is the batch. Trainable parameters
    are module-level symbols (`credo.param`) that carry their initializer;
    functions read them with `credo.get_param`. Training passes (reverse-mode
    autodiff, local learning rules) rewrite credo functions into credo
    functions, so every backend lowers the same ops.

    Element types are `f32` (the default) and `f64` (used by gradient checks);
    class labels are `i32` or `i64`.

    Every op that a graph node became carries the node's name as the
    discardable attribute `credo.node` (a string), so that passes find a node
    (the loss, a critic, a layer a rule trains) by its identity, not by its
    location, which is for diagnostics.

    A module whose training step simulates continuous time (the dendritic
    rule's full dynamics) carries `credo.simulated_ms`, a positive float:
    the milliseconds of model time one training step simulates (the
    samples of a batch side by side), set by the rule's pass. `credoc
    train` reports from it the simulated milliseconds per wall-clock
    second.
  }];
  let useDefaultAttributePrinterParser = 1;
  // `credo.node` (a string) names the graph node an op implements;
  // `credo.simulated_ms` (a positive float, on a module) the model time of
  // a training step.
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// The discardable attribute that names the graph node an op implements
    /// (set by the importer on every op of a node; passes find nodes by it,
    /// and locations stay for diagnostics).
    static constexpr ::llvm::StringLiteral kNodeAttrName = "credo.node";
    /// The unit attribute of a parameter that keeps a held output from
    /// call to call (NODE_held, zeros first): state a checkpoint keeps but
    /// need not have.
    static constexpr ::llvm::StringLiteral kHeldAttrName = "credo.held";
    /// The module attribute with the milliseconds of model time that one
    /// training step simulates (a positive float).
    static constexpr ::llvm::StringLiteral kSimulatedMsAttrName =
        "credo.simulated_ms";
  }];
  // Attributes live in the attribute dictionary so that generic builders
  // (the JSON importer) and adaptors see the same storage.
  let usePropertiesForAttributes = 0;
}

/// Base class of every credo op.
class Credo_Op<string mnemonic, list<Trait> traits = []>
    : Op<Credo_Dialect, mnemonic, traits>;

/// Base class of every credo attribute.
class Credo_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Credo_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Credo_Float : AnyTypeOf<[F32, F64], "f32 or f64">;
def Credo_FloatTensor : RankedTensorOf<[F32, F64]>;
def Credo_LabelTensor : RankedTensorOf<[I32, I64]>;
def Credo_ScalarTensor : 0DTensorOf<[F32, F64]>;
def Credo_ParamTensor : RankedTensorOf<[F32, F64, I32, I64]>;

#endif // CREDO_DIALECT_TD
