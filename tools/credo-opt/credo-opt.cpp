//===- credo-opt.cpp - Credo's optimizer driver -----------------*- C++ -*-===//
//
// MlirOptMain with the credo dialect, Credo's passes and pipelines and the
// upstream ones registered: the driver of the lit test suite, and the way to
// reproduce any pipeline that credoc runs.
//
//===----------------------------------------------------------------------===//

#include "credo/InitCredo.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::credo::registerAllDialects(registry);
  mlir::credo::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Credo optimizer driver\n", registry));
}
