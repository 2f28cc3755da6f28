//===- Diagnostics.h - User-facing diagnostic printing ----------*- C++ -*-===//
//
// Prints MLIR diagnostics the way Credo's users read them:
// `model.json:12:5: error: node 'fc1' at /nodes/3: <message>`, one line per
// diagnostic (plus notes), whatever the location's shape.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_SUPPORT_DIAGNOSTICS_H
#define CREDO_SUPPORT_DIAGNOSTICS_H

#include <memory>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace mlir::credo {

/// Routes the context's diagnostics to `os` in Credo's format while the
/// returned handle lives. Counts errors in `*errorCount` when given.
std::shared_ptr<void> installDiagnosticPrinter(mlir::MLIRContext &context,
                                               llvm::raw_ostream &os,
                                               unsigned *errorCount = nullptr);

} // namespace mlir::credo

#endif // CREDO_SUPPORT_DIAGNOSTICS_H
