//===- Diagnostics.cpp - User-facing diagnostic printing --------*- C++ -*-===//
//
// Flattens a diagnostic's location (NameLoc / FusedLoc / FileLineColLoc, as
// built by the JSON importer) into `file:line:col`, the node name and the JSON
// pointer, and prints one line per diagnostic and note.
//
//===----------------------------------------------------------------------===//

#include "credo/Support/Diagnostics.h"
#include "credo/Support/Quote.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using mlir::credo::quoteForMessage;
using mlir::credo::sanitizeLine;

namespace {
struct FlatLocation {
  std::string file;
  unsigned line = 0, col = 0;
  std::string node, pointer;
};

void flatten(Location loc, FlatLocation &out) {
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    if (out.file.empty()) {
      out.file = file.getFilename().str();
      out.line = file.getLine();
      out.col = file.getColumn();
    }
  } else if (auto name = dyn_cast<NameLoc>(loc)) {
    if (out.node.empty())
      out.node = name.getName().str();
    flatten(name.getChildLoc(), out);
  } else if (auto fused = dyn_cast<FusedLoc>(loc)) {
    if (auto ptr = dyn_cast_or_null<StringAttr>(fused.getMetadata());
        ptr && out.pointer.empty())
      out.pointer = ptr.str();
    for (Location inner : fused.getLocations())
      flatten(inner, out);
  } else if (auto callSite = dyn_cast<CallSiteLoc>(loc)) {
    flatten(callSite.getCallee(), out);
  }
}

void print(llvm::raw_ostream &os, Location loc, StringRef severity,
           const std::string &message) {
  FlatLocation flat;
  flatten(loc, flat);
  // Names, pointers and messages carry text from the user's file: escaped
  // and bounded, so a message is one readable line.
  if (!flat.file.empty())
    os << sanitizeLine(flat.file, 512) << ":" << flat.line << ":" << flat.col
       << ": ";
  os << severity << ": ";
  // What the name names: a node, or a parameter or input the graph
  // declares.
  StringRef what = StringRef(flat.pointer).starts_with("/parameters/")
                       ? "parameter"
                   : StringRef(flat.pointer).starts_with("/inputs/") ? "input"
                                                                     : "node";
  if (!flat.node.empty() &&
      !StringRef(message).starts_with((what + " '").str())) {
    os << what << " '" << quoteForMessage(flat.node) << "'";
    if (!flat.pointer.empty())
      os << " at " << quoteForMessage(flat.pointer, 160);
    os << ": ";
  }
  // A verifier's "'credo.dense' op expects ..." names the node's op as the
  // graph does: "dense expects ...".
  std::string text = message;
  if (!flat.node.empty() && StringRef(text).starts_with("'credo.")) {
    size_t end = text.find("' op ");
    if (end != std::string::npos)
      text = text.substr(7, end - 7) + " " + text.substr(end + 5);
  }
  os << sanitizeLine(text) << "\n";
}

StringRef severityName(DiagnosticSeverity s) {
  switch (s) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}
} // namespace

std::shared_ptr<void> mlir::credo::installDiagnosticPrinter(
    MLIRContext &context, llvm::raw_ostream &os, unsigned *errorCount) {
  DiagnosticEngine &engine = context.getDiagEngine();
  DiagnosticEngine::HandlerID id =
      engine.registerHandler([&os, errorCount](Diagnostic &diag) {
        if (errorCount && diag.getSeverity() == DiagnosticSeverity::Error)
          ++*errorCount;
        print(os, diag.getLocation(), severityName(diag.getSeverity()),
              diag.str());
        for (Diagnostic &note : diag.getNotes())
          print(os, note.getLocation(), "note", note.str());
        os.flush();
        return success();
      });
  return std::shared_ptr<void>(
      nullptr, [&engine, id](void *) { engine.eraseHandler(id); });
}
