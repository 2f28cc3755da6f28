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

#include <regex>

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

/// Types as a graph writes them: 'tensor<3x4xf32>' becomes f32 [3, 4]
/// (tensor<f32>: an f32 scalar), and an operand constraint's "1D tensor of
/// 64-bit signless integer values" becomes "i64 of rank 1".
std::string graphTypes(const std::string &text) {
  // A quote before the type is taken only with one after it.
  static const std::regex tensor(
      "('?)tensor<((?:[0-9?]+x)*)([a-z][a-z0-9]*)>\\1");
  static const std::regex constraint(
      "([0-9]+)D tensor of ([0-9]+)-bit (signless integer|float) values");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), tensor);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch &m = *it;
    out += text.substr(last, size_t(m.position(0)) - last);
    std::string dims = m[2].str(), element = m[3].str();
    if (dims.empty()) {
      // "an f32", "an i64", "a bf16"
      bool vowel = element[0] == 'f' || element[0] == 'i';
      out += (vowel ? "an " : "a ") + element + " scalar";
    } else {
      dims.pop_back(); // the last 'x'
      std::string shape;
      for (char c : dims)
        shape += c == 'x' ? std::string(", ") : std::string(1, c);
      out += element + " [" + shape + "]";
    }
    last = size_t(m.position(0) + m.length(0));
  }
  out += text.substr(last);
  std::string result;
  auto c = std::sregex_iterator(out.begin(), out.end(), constraint);
  last = 0;
  for (auto it = c; it != std::sregex_iterator(); ++it) {
    const std::smatch &m = *it;
    result += out.substr(last, size_t(m.position(0)) - last);
    result += (m[3].str() == "float" ? "f" : "i") + m[2].str() + " of rank " +
              m[1].str();
    last = size_t(m.position(0) + m.length(0));
  }
  return result + out.substr(last);
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
    if (end != std::string::npos) {
      std::string op = text.substr(7, end - 7);
      // A sampler given its sample is its own op in the dialect.
      if (StringRef name(op); name.consume_back("_log_prob"))
        op = name.str() + " (given a sample)";
      text = op + " " + text.substr(end + 5);
    }
  }
  os << sanitizeLine(graphTypes(text)) << "\n";
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
