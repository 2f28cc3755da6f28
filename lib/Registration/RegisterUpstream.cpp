//===- RegisterUpstream.cpp - Register upstream MLIR dialects/passes -*- C++
//-*-===//
//
// The only translation unit that includes mlir/InitAll*.h. It includes no
// Credo ODS header, so editing the dialect never recompiles it.
//
//===----------------------------------------------------------------------===//

#include "credo/InitCredo.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"

void mlir::credo::registerUpstreamDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void mlir::credo::registerUpstreamPasses() { mlir::registerAllPasses(); }
