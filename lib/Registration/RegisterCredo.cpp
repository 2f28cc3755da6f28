//===- RegisterCredo.cpp - Register Credo's dialects and passes -*- C++ -*-===//
//
// Registers the credo dialect (and, as they arrive, Credo's passes and
// pipelines) on top of the upstream registrations.
//
//===----------------------------------------------------------------------===//

#include "credo/InitCredo.h"

#include "Credo/IR/CredoDialect.h"
#include "mlir/IR/DialectRegistry.h"

void credo::registerAllDialects(mlir::DialectRegistry &registry) {
  registerUpstreamDialects(registry);
  registry.insert<mlir::credo::CredoDialect>();
}

void credo::registerAllPasses() { registerUpstreamPasses(); }
