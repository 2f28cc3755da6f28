//===- CredoOps.td - Credo op definitions ------------------*- tablegen -*-===//
//
// Every op of the credo dialect. The families live in their own files and are
// included here so that one generated header declares the whole dialect.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_OPS_TD
#define CREDO_OPS_TD

include "Credo/IR/CredoDialect.td"
include "Credo/IR/CredoAttrs.td"
include "Credo/IR/CredoParamOps.td"
include "Credo/IR/CredoLayerOps.td"
include "Credo/IR/CredoElementwiseOps.td"
include "Credo/IR/CredoLossOps.td"
include "Credo/IR/CredoGradientOps.td"
include "Credo/IR/CredoOptimizerOps.td"
include "Credo/IR/CredoKernelOps.td"
include "Credo/IR/CredoTimeOps.td"
include "Credo/IR/CredoSpikingOps.td"
include "Credo/IR/CredoSparseOps.td"
include "Credo/IR/CredoStochasticOps.td"

#endif // CREDO_OPS_TD
