//===- RegisterCredo.cpp - Register Credo's dialects and passes -*- C++ -*-===//
//
// Registers the credo dialect (and, as they arrive, Credo's passes and
// pipelines) on top of the upstream registrations.
//
//===----------------------------------------------------------------------===//

#include "credo/InitCredo.h"

#include "Credo/IR/CredoDialect.h"
#include "credo/Conversion/CredoToDnnl/CredoToDnnl.h"
#include "credo/Conversion/CredoToLinalg/CredoToLinalg.h"
#include "credo/Conversion/CredoToVulkan/CredoToVulkan.h"
#include "credo/Pipelines/Pipelines.h"
#include "credo/Transforms/Passes.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::credo::registerAllDialects(mlir::DialectRegistry &registry) {
  registerUpstreamDialects(registry);
  registry.insert<mlir::credo::CredoDialect>();
  registerCallKernelBufferization(registry);
  registerGradientRules(registry);
}

void mlir::credo::registerAllPasses() {
  registerUpstreamPasses();
  registerCredoTransformsPasses();
  registerCredoToDnnlPasses();
  registerCredoToLinalgPasses();
  registerCredoToVulkanPasses();
  registerCredoPipelines();
}
