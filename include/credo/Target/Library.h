//===- Library.h - Linkable model libraries ---------------------*- C++ -*-===//
//
// Turns a lowered model into what `credoc build` writes: a C API whose every
// symbol carries the model's name, a header documenting it, and a shared and
// a static library.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_TARGET_LIBRARY_H
#define CREDO_TARGET_LIBRARY_H

#include "credo/Target/ModelInfo.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace mlir::credo {

/// Adds NAME_create, NAME_destroy, NAME_forward, NAME_load, NAME_save,
/// NAME_set_param, NAME_get_param and NAME_metadata to an LLVM-dialect
/// module produced by the CPU pipeline, renames @forward to the internal
/// NAME_forward_impl, and gives every other definition internal linkage.
/// NAME_create places the parameters for `target` (credo_model_place).
LogicalResult addLibraryApi(ModuleOp module, const ModelInfo &info,
                            llvm::StringRef target);

/// The C header of the API added by addLibraryApi.
std::string generateHeader(const ModelInfo &info);

struct LibraryPaths {
  std::string header, sharedLibrary, staticLibrary;
};

/// Writes NAME.h, libNAME.a and libNAME.so (linked against
/// libcredo_runtime in `runtimeLibDir`, found at run time next to the
/// library or through the program's search path) into `outDir`.
LogicalResult writeLibrary(ModuleOp loweredWithApi, const ModelInfo &info,
                           llvm::StringRef outDir,
                           llvm::StringRef runtimeLibDir, LibraryPaths &paths,
                           std::string &error);

} // namespace mlir::credo

#endif // CREDO_TARGET_LIBRARY_H
