//===- credoc.cpp - The Credo compiler driver -------------------*- C++ -*-===//
//
// The user's command line: `credoc <command> [options] model.json`. Each
// command is a thin wrapper around a library entry point; the command table
// below is the single source of `--help`.
//
//===----------------------------------------------------------------------===//

#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"
#include "credo/Support/Diagnostics.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#ifndef CREDO_VERSION
#define CREDO_VERSION "unknown"
#endif

namespace {

/// Exit codes: 0 success, 1 any user error (message on stderr).
constexpr int kOk = 0, kUserError = 1;

/// Largest model file credoc reads.
constexpr uint64_t kMaxModelBytes = 256u << 20;

/// Options shared by the commands (each command reads the ones it lists).
struct Options {
  std::string input;
  std::string output = "-";
  std::optional<int64_t> batch;
  bool debugLocations = false;
};

struct OptionSpec {
  const char *flag, *arg, *help;
};

struct Command {
  const char *name, *summary;
  std::vector<OptionSpec> options;
  std::function<int(const Options &)> run;
};

int error(const llvm::Twine &message) {
  llvm::errs() << "credoc: error: " << message << "\n";
  return kUserError;
}

/// Imports the model named in `opts` into `context`; null after reporting.
mlir::OwningOpRef<mlir::ModuleOp> loadModel(const Options &opts,
                                            mlir::MLIRContext &context) {
  if (opts.input.empty()) {
    error("no model file given");
    return nullptr;
  }
  if (llvm::sys::fs::is_directory(opts.input)) {
    error("'" + opts.input + "' is a directory, not a model file");
    return nullptr;
  }
  uint64_t size = 0;
  if (!llvm::sys::fs::file_size(opts.input, size) && size > kMaxModelBytes) {
    error("'" + opts.input + "' is larger than 256 MiB; not a model file");
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(opts.input, /*IsText=*/true);
  if (std::error_code ec = buffer.getError()) {
    error("cannot read '" + opts.input + "': " + ec.message());
    return nullptr;
  }
  mlir::credo::ImportOptions importOptions;
  importOptions.batchSize = opts.batch;
  return mlir::credo::importGraph((*buffer)->getBuffer(),
                                  opts.input == "-" ? "<stdin>" : opts.input,
                                  context, importOptions);
}

/// Opens `path` ("-" is stdout) and calls `write` on it.
int writeOutput(const std::string &path,
                const std::function<void(llvm::raw_ostream &)> &write) {
  if (path == "-") {
    write(llvm::outs());
    llvm::outs().flush();
    return kOk;
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return error("cannot write '" + path + "': " + ec.message());
  write(os);
  os.close();
  if (os.has_error())
    return error("cannot write '" + path + "': " + os.error().message());
  return kOk;
}

int runImport(const Options &opts) {
  mlir::DialectRegistry registry;
  mlir::credo::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  auto printer = mlir::credo::installDiagnosticPrinter(context, llvm::errs());
  mlir::OwningOpRef<mlir::ModuleOp> module = loadModel(opts, context);
  if (!module)
    return kUserError;
  return writeOutput(opts.output, [&](llvm::raw_ostream &os) {
    mlir::OpPrintingFlags flags;
    if (opts.debugLocations)
      flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false)
          .useLocalScope();
    module->print(os, flags);
  });
}

int runCheck(const Options &opts) {
  mlir::DialectRegistry registry;
  mlir::credo::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  auto printer = mlir::credo::installDiagnosticPrinter(context, llvm::errs());
  mlir::OwningOpRef<mlir::ModuleOp> module = loadModel(opts, context);
  if (!module)
    return kUserError;
  int64_t params = 0, scalars = 0, nodes = 0;
  module->walk([&](mlir::Operation *op) {
    if (auto p = llvm::dyn_cast<mlir::credo::ParamOp>(op)) {
      ++params;
      scalars += p.getTensorType().getNumElements();
    } else if (llvm::isa<mlir::credo::CredoDialect>(op->getDialect()) &&
               !llvm::isa<mlir::credo::GetParamOp>(op)) {
      ++nodes;
    }
  });
  auto forward = module->lookupSymbol<mlir::func::FuncOp>("forward");
  llvm::outs() << "credoc: " << opts.input << ": model '"
               << module->getName().value_or("")
               << "' is valid: " << forward.getNumArguments() << " inputs, "
               << params << " parameters (" << scalars << " values), " << nodes
               << " nodes, " << forward.getNumResults() << " outputs\n";
  return kOk;
}

const std::vector<Command> &commands() {
  static const std::vector<Command> table = {
      {"import",
       "import a JSON graph and print its verified credo MLIR module",
       {{"-o", "FILE", "write the module to FILE (default: stdout)"},
        {"--batch", "N",
         "size of the \"batch\" dimension (default: the "
         "training batch_size, else 1)"},
        {"--debug-locations", nullptr,
         "print each op's location (node name, JSON pointer, file:line:col)"}},
       runImport},
      {"check",
       "validate a JSON graph and print a one-line summary",
       {{"--batch", "N", "size of the \"batch\" dimension"}},
       runCheck},
  };
  return table;
}

void printHelp(llvm::raw_ostream &os) {
  os << "credoc " << CREDO_VERSION
     << " - the Credo compiler for learning rules\n\n"
     << "usage: credoc <command> [options] <model.json>\n"
     << "       credoc --help | --version | help <command>\n\n"
     << "commands:\n";
  for (const Command &c : commands())
    os << "  " << llvm::left_justify(c.name, 10) << c.summary << "\n";
  os << "\noptions:\n";
  for (const Command &c : commands()) {
    os << "  " << c.name << ":\n";
    for (const OptionSpec &o : c.options) {
      std::string flag =
          std::string(o.flag) + (o.arg ? std::string(" ") + o.arg : "");
      os << "    " << llvm::left_justify(flag, 22) << o.help << "\n";
    }
  }
  os << "\nExit status: 0 on success, 1 on any error (reported on stderr).\n"
     << "The graph format is described in docs/graph-format.md.\n";
}

void printCommandHelp(const Command &c, llvm::raw_ostream &os) {
  os << "usage: credoc " << c.name << " [options] <model.json>\n\n"
     << c.summary << "\n\noptions:\n";
  for (const OptionSpec &o : c.options) {
    std::string flag =
        std::string(o.flag) + (o.arg ? std::string(" ") + o.arg : "");
    os << "  " << llvm::left_justify(flag, 22) << o.help << "\n";
  }
}

const Command *findCommand(llvm::StringRef name) {
  for (const Command &c : commands())
    if (name == c.name)
      return &c;
  return nullptr;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    printHelp(llvm::errs());
    return kUserError;
  }
  if (args[0] == "--help" || args[0] == "-h") {
    printHelp(llvm::outs());
    return kOk;
  }
  if (args[0] == "--version") {
    llvm::outs() << "credoc " << CREDO_VERSION << " (MLIR 19)\n";
    return kOk;
  }
  if (args[0] == "help") {
    if (args.size() < 2) {
      printHelp(llvm::outs());
      return kOk;
    }
    const Command *c = findCommand(args[1]);
    if (!c)
      return error("unknown command '" + args[1] + "' (see credoc --help)");
    printCommandHelp(*c, llvm::outs());
    return kOk;
  }
  const Command *command = findCommand(args[0]);
  if (!command)
    return error("unknown command '" + args[0] + "' (see credoc --help)");

  Options opts;
  auto takes = [&](llvm::StringRef flag) {
    for (const OptionSpec &o : command->options)
      if (flag == o.flag)
        return true;
    return false;
  };
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "--help" || a == "-h") {
      printCommandHelp(*command, llvm::outs());
      return kOk;
    }
    if (a.size() > 1 && a[0] == '-' && !takes(a))
      return error("unknown option '" + a + "' for '" + command->name +
                   "' (see credoc help " + command->name + ")");
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size())
        return std::nullopt;
      return args[++i];
    };
    if (a == "-o") {
      auto v = value();
      if (!v)
        return error("option -o needs a file name");
      opts.output = *v;
    } else if (a == "--batch") {
      auto v = value();
      long long n = 0;
      if (!v || llvm::StringRef(*v).getAsInteger(10, n) || n <= 0 ||
          n > (1ll << 31) - 1)
        return error("option --batch needs a positive integer");
      opts.batch = n;
    } else if (a == "--debug-locations") {
      opts.debugLocations = true;
    } else if (opts.input.empty()) {
      opts.input = a;
    } else {
      return error("unexpected argument '" + a + "' (one model file only)");
    }
  }
  return command->run(opts);
}
