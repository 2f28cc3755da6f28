//===- ImporterFuzzer.cpp - Fuzz the JSON graph importer --------*- C++ -*-===//
//
// Any bytes given to the importer either give a verified credo module or
// fail with at least one diagnostic: never a crash, a hang or an assertion.
//
//===----------------------------------------------------------------------===//

#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry;
    mlir::credo::registerAllDialects(*r);
    return r;
  }();
  // A context per input, so that names from earlier inputs do not pile up.
  mlir::MLIRContext context(*registry, mlir::MLIRContext::Threading::DISABLED);
  unsigned errors = 0;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    errors += d.getSeverity() == mlir::DiagnosticSeverity::Error;
    return mlir::success();
  });
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::credo::importGraph(text, "fuzz.json", context);
  if (module ? failed(mlir::verify(*module)) : errors == 0)
    std::abort(); // accepted but invalid, or refused without a word
  // The same holds with the spike trains and potentials as outputs
  // (credoc run --raster, --trace).
  if (module) {
    mlir::MLIRContext again(*registry, mlir::MLIRContext::Threading::DISABLED);
    unsigned refused = 0;
    mlir::ScopedDiagnosticHandler count(&again, [&](mlir::Diagnostic &d) {
      refused += d.getSeverity() == mlir::DiagnosticSeverity::Error;
      return mlir::success();
    });
    mlir::credo::ImportOptions options;
    options.spikeTrains = options.potentials = true;
    mlir::OwningOpRef<mlir::ModuleOp> drawn =
        mlir::credo::importGraph(text, "fuzz.json", again, options);
    if (drawn ? failed(mlir::verify(*drawn)) : refused == 0)
      std::abort();
  }
  return 0;
}
