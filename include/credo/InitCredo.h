//===- InitCredo.h - Register Credo's dialects and passes -------*- C++ -*-===//
//
// One place that tells a DialectRegistry and the pass registry about
// everything Credo uses, so that credo-opt and credoc see the same world.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_INITCREDO_H
#define CREDO_INITCREDO_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::credo {

/// Registers the credo dialect and the upstream dialects Credo's pipelines
/// produce, with their interface extensions.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers Credo's passes and pipelines and the upstream passes, so that
/// credo-opt can reproduce any pipeline credoc runs.
void registerAllPasses();

/// Upstream-only halves of the above, kept in their own translation unit
/// (mlir/InitAll*.h is expensive to compile and must not be rebuilt when an
/// ODS file changes).
void registerUpstreamDialects(mlir::DialectRegistry &registry);
void registerUpstreamPasses();

} // namespace mlir::credo

#endif // CREDO_INITCREDO_H
