//===- CredoKernelOps.td - Calls into runtime kernels ------*- tablegen -*-===//
//
// The destination-passing op that the CPU fast path (convert-credo-to-dnnl)
// produces: a call to a runtime kernel on tensors, which bufferizes into a
// func.call on the operands' buffers.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_KERNEL_OPS_TD
#define CREDO_KERNEL_OPS_TD

include "Credo/IR/CredoDialect.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Credo_CallKernelOp : Credo_Op<"call_kernel",
    [AttrSizedOperandSegments, DestinationStyleOpInterface, Pure]> {
  let summary = "calls a runtime kernel in destination-passing style";
  let description = [{
    Runs the runtime kernel `@kernel`, which reads the `ins` tensors and
    writes the `outs` tensors in place: `outs ← kernel(ins, scalars)`. The
    results are the updated `outs`. After bufferization it becomes
    `func.call @kernel(ins…, outs…, scalars…)` with every buffer passed as
    the `!llvm.ptr` of its first element (buffers have identity layouts) and
    every scalar as an `i64`. `@kernel` must be a kernel of the runtime's
    kernel table, `runtime/include/credo/kernels.def` (one line per kernel:
    its buffers and scalars), and the call must pass exactly that many
    `ins` + `outs` and `scalars`; the lowering declares `@kernel` from the
    table, and the runtime checks that `kernels.h` matches it. Produced by
    `convert-credo-to-dnnl`; users do not write it.

    On tensors the op is pure: a kernel reads only `ins`, writes only (the
    buffers of) `outs`, and reports a failure by ending the guarded call,
    so CSE merges identical calls and an unused call is removed.

    ```mlir
    %y = credo.call_kernel @credo_rt_relu_f32 ins(%x : tensor<4x8xf32>)
           outs(%e : tensor<4x8xf32>) scalars [32] -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$kernel,
                       Variadic<AnyRankedTensor>:$ins,
                       Variadic<AnyRankedTensor>:$outs,
                       DenseI64ArrayAttr:$scalars);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $kernel `ins` `(` $ins `:` type($ins) `)` `outs` `(` $outs `:` type($outs) `)`
    `scalars` $scalars attr-dict `->` type($results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getOutsMutable();
    }
  }];
}

#endif // CREDO_KERNEL_OPS_TD
