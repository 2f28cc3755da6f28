//===- GraphImporter.h - JSON graph → credo module --------------*- C++ -*-===//
//
// Imports a model written in Credo's JSON graph format (docs/graph-format.md)
// into a verified `credo` module. Every error is reported through the
// context's diagnostic engine at a location naming the file, line and column,
// and (for nodes) the node name and JSON pointer.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_FRONTEND_GRAPHIMPORTER_H
#define CREDO_FRONTEND_GRAPHIMPORTER_H

#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
class MLIRContext;
class ModuleOp;
} // namespace mlir

namespace mlir::credo {

/// The newest graph format version this build reads.
constexpr int64_t kGraphFormatVersion = 2;

/// Hashes (hexadecimal) of the parts of a JSON graph that a resumed
/// training run shares with the run that saved its checkpoint: `graph` is
/// everything but the training section, `training` the training section
/// without `epochs` and `batch_size` (which a resumed run may change); both
/// without `"doc"` strings and independent of spacing and key order.
struct GraphFingerprints {
  std::string graph, training;
};

struct ImportOptions {
  /// The size substituted for the symbolic "batch" dimension. When unset, the
  /// training section's batch_size is used, else 1.
  std::optional<int64_t> batchSize;
  /// Also return every spike train the outputs do not list: LOOP.NODE.all of
  /// each lif and poisson_encode node directly inside a time loop at the
  /// graph's top level, after the outputs, each marked with the unit
  /// attribute `credo.drawn_only` (`credoc run --raster` draws them and
  /// writes no file for them). Every output that is such a spike train,
  /// listed or added, has the attribute `credo.spike_train`: true when its
  /// second dimension is the batch (the model declares a "batch" dimension
  /// and the train's second dimension has its size), else false.
  bool spikeTrains = false;
  /// The same for the membrane potentials of those lif nodes
  /// (LOOP.NODE.v.all, `credoc run --trace`), marked `credo.potential`
  /// (true when batched, as above) and `credo.threshold` (the node's θ).
  bool potentials = false;
  /// When set, receives the hashes of the imported file's graph and
  /// training section.
  GraphFingerprints *fingerprints = nullptr;
};

/// Parses `buffer` (named `filename` in diagnostics) and builds a credo
/// module. The context must have the credo and func dialects loaded (see
/// mlir::credo::registerAllDialects). Returns null after reporting errors.
mlir::OwningOpRef<mlir::ModuleOp>
importGraph(llvm::StringRef buffer, llvm::StringRef filename,
            mlir::MLIRContext &context, const ImportOptions &options = {});

/// Why `name` cannot name a model (the graph's "name", `credoc build
/// --name`), or an empty string when it can: letters, digits and '_', not
/// starting with a digit, at most 128 characters, and not the runtime's own
/// prefix (credo, credo_*), since a library's functions are NAME_create,
/// NAME_forward, ….
std::string modelNameProblem(llvm::StringRef name);

} // namespace mlir::credo

#endif // CREDO_FRONTEND_GRAPHIMPORTER_H
