//===- Driver.cpp - What credoc's commands do -------------------*- C++ -*-===//
//
// import/check print the credo module or its summary; init writes
// initialized parameters; run JIT-compiles the model and runs it on .npy
// inputs; build writes a linkable library or, with --emit, one artifact of
// any stage. Runtime failures (files, shapes, kernels) are reported with the
// runtime's message.
//
//===----------------------------------------------------------------------===//

#include "credo/Driver/Driver.h"

#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"
#include "credo/Support/Diagnostics.h"
#include "credo/Target/Compile.h"
#include "credo/Target/Library.h"
#include "credo/Target/ModelInfo.h"
#include "credo/runtime.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <map>
#include <memory>

using namespace mlir;
using namespace mlir::credo;

namespace {

constexpr int kOk = 0, kUserError = 1;
constexpr uint64_t kMaxModelBytes = 256u << 20;

int error(const llvm::Twine &message) {
  llvm::errs() << "credoc: error: " << message << "\n";
  return kUserError;
}

/// The runtime's message for a failed call.
int runtimeError(const llvm::Twine &context) {
  return error(context + ": " + credo_last_error());
}

/// A context with every dialect Credo uses and Credo's diagnostic printer.
struct Session {
  Session() : context(makeRegistry()) {
    printer = installDiagnosticPrinter(context, llvm::errs());
  }
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    registerAllDialects(registry);
    return registry;
  }
  MLIRContext context;
  std::shared_ptr<void> printer;
};

OwningOpRef<ModuleOp> loadModel(const DriverOptions &opts,
                                MLIRContext &context) {
  if (opts.model.empty()) {
    error("no model file given");
    return nullptr;
  }
  if (llvm::sys::fs::is_directory(opts.model)) {
    error("'" + opts.model + "' is a directory, not a model file");
    return nullptr;
  }
  uint64_t size = 0;
  if (!llvm::sys::fs::file_size(opts.model, size) && size > kMaxModelBytes) {
    error("'" + opts.model + "' is larger than 256 MiB; not a model file");
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(opts.model, true);
  if (std::error_code ec = buffer.getError()) {
    error("cannot read '" + opts.model + "': " + ec.message());
    return nullptr;
  }
  ImportOptions importOptions;
  importOptions.batchSize = opts.batch;
  return importGraph((*buffer)->getBuffer(),
                     opts.model == "-" ? "<stdin>" : opts.model, context,
                     importOptions);
}

int writeOutput(const std::string &path,
                const std::function<void(llvm::raw_ostream &)> &write) {
  if (path.empty() || path == "-") {
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

std::string describe(credo_dtype dtype, int32_t rank, const int64_t *shape) {
  std::string s = std::string(credo_dtype_name(dtype)) + "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string describe(const TensorInfo &t) {
  std::string s = t.dtype + "[";
  for (size_t i = 0; i < t.shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(t.shape[i]);
  return s + "]";
}

/// Owns a runtime model instance.
struct ModelHandle {
  credo_model *model = nullptr;
  ~ModelHandle() { credo_model_destroy(model); }
};

/// Owns runtime tensors.
struct Tensors {
  std::vector<credo_tensor> list;
  ~Tensors() {
    for (credo_tensor &t : list)
      credo_tensor_free(&t);
  }
};

} // namespace

int mlir::credo::importCommand(const DriverOptions &opts) {
  Session s;
  OwningOpRef<ModuleOp> module = loadModel(opts, s.context);
  if (!module)
    return kUserError;
  return writeOutput(opts.output, [&](llvm::raw_ostream &os) {
    OpPrintingFlags flags;
    if (opts.debugLocations)
      flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false)
          .useLocalScope();
    module->print(os, flags);
  });
}

int mlir::credo::checkCommand(const DriverOptions &opts) {
  Session s;
  OwningOpRef<ModuleOp> module = loadModel(opts, s.context);
  if (!module)
    return kUserError;
  int64_t params = 0, scalars = 0, nodes = 0;
  module->walk([&](Operation *op) {
    if (auto p = dyn_cast<ParamOp>(op)) {
      ++params;
      scalars += p.getTensorType().getNumElements();
    } else if (isa<CredoDialect>(op->getDialect()) && !isa<GetParamOp>(op)) {
      ++nodes;
    }
  });
  auto forward = module->lookupSymbol<func::FuncOp>("forward");
  llvm::outs() << "credoc: " << opts.model << ": model '"
               << module->getName().value_or("")
               << "' is valid: " << forward.getNumArguments() << " inputs, "
               << params << " parameters (" << scalars << " values), " << nodes
               << " nodes, " << forward.getNumResults() << " outputs\n";
  return kOk;
}

int mlir::credo::initCommand(const DriverOptions &opts) {
  Session s;
  OwningOpRef<ModuleOp> module = loadModel(opts, s.context);
  if (!module)
    return kUserError;
  FailureOr<ModelInfo> info = getModelInfo(*module);
  if (failed(info))
    return kUserError;
  if (opts.output.empty() || opts.output == "-")
    return error("init needs -o FILE.safetensors");
  ModelHandle m;
  if (credo_model_create_init(info->metadata().c_str(), &m.model) != CREDO_OK)
    return runtimeError("cannot initialize the parameters");
  if (credo_model_save(m.model, opts.output.c_str()) != CREDO_OK)
    return runtimeError("cannot save the parameters");
  int64_t values = 0;
  for (const TensorInfo &p : info->params)
    values += p.numElements();
  llvm::outs() << "credoc: wrote " << opts.output << " (" << info->params.size()
               << " parameters, " << values << " values)\n";
  return kOk;
}

int mlir::credo::runCommand(const DriverOptions &opts) {
  Session s;
  OwningOpRef<ModuleOp> module = loadModel(opts, s.context);
  if (!module)
    return kUserError;
  FailureOr<ModelInfo> info = getModelInfo(*module);
  if (failed(info))
    return kUserError;
  if (opts.output.empty() || opts.output == "-")
    return error("run needs --output DIR for the outputs (.npy files)");

  // Parameters: from --params, else from their initializers.
  ModelHandle m;
  if (credo_model_create(info->metadata().c_str(), &m.model) != CREDO_OK)
    return runtimeError("cannot create the model");
  if (!opts.params.empty()) {
    if (credo_model_load(m.model, opts.params.c_str()) != CREDO_OK)
      return runtimeError("cannot load parameters");
  } else if (credo_model_init_params(m.model) != CREDO_OK) {
    return runtimeError("cannot initialize the parameters");
  }

  // Inputs: each exactly once, with the model's dtype and shape.
  std::map<std::string, std::string> given;
  for (const auto &[name, file] : opts.inputs) {
    bool known =
        llvm::any_of(info->inputs, [&, &name = name](const TensorInfo &t) {
          return t.name == name;
        });
    if (!known) {
      std::string names;
      for (const TensorInfo &t : info->inputs)
        names += (names.empty() ? "" : ", ") + t.name;
      return error("model '" + info->name + "' has no input '" + name +
                   "' (its inputs: " + names + ")");
    }
    if (!given.emplace(name, file).second)
      return error("input '" + name + "' is given twice");
  }
  Tensors inputs;
  for (const TensorInfo &t : info->inputs) {
    auto it = given.find(t.name);
    if (it == given.end())
      return error("missing --input " + t.name + "=FILE.npy (" + describe(t) +
                   ")");
    credo_tensor tensor{};
    if (credo_npy_read(it->second.c_str(), &tensor) != CREDO_OK)
      return runtimeError("input '" + t.name + "'");
    inputs.list.push_back(tensor);
    bool same =
        describe(tensor.dtype, tensor.rank, tensor.shape) == describe(t);
    if (!same) {
      std::string hint;
      if (tensor.rank == static_cast<int32_t>(t.shape.size()) &&
          tensor.rank > 0 && credo_dtype_name(tensor.dtype) == t.dtype) {
        bool onlyBatch = true;
        for (int32_t d = 1; d < tensor.rank; ++d)
          onlyBatch = onlyBatch && tensor.shape[d] == t.shape[d];
        if (onlyBatch)
          hint = " (use --batch " + std::to_string(tensor.shape[0]) +
                 " to compile for this batch size)";
      }
      return error("input '" + t.name + "': the model expects " + describe(t) +
                   ", but " + it->second + " holds " +
                   describe(tensor.dtype, tensor.rank, tensor.shape) + hint);
    }
  }

  // Compile, run, write the outputs.
  CpuPipelineOptions pipeline;
  pipeline.kernels = opts.kernels;
  if (failed(lowerToLLVMDialect(*module, pipeline)))
    return error("compilation failed");
  FailureOr<std::unique_ptr<JitModule>> jit = JitModule::create(*module);
  if (failed(jit))
    return kUserError;
  Tensors outputs;
  for (const TensorInfo &t : info->outputs) {
    credo_dtype dtype = t.dtype == "f64"   ? CREDO_F64
                        : t.dtype == "i32" ? CREDO_I32
                        : t.dtype == "i64" ? CREDO_I64
                                           : CREDO_F32;
    credo_tensor tensor{};
    if (credo_tensor_alloc(&tensor, dtype, static_cast<int32_t>(t.shape.size()),
                           t.shape.data()) != CREDO_OK)
      return runtimeError("output '" + t.name + "'");
    outputs.list.push_back(tensor);
  }
  std::vector<void *> args;
  for (size_t i = 0; i < info->params.size(); ++i)
    args.push_back(credo_model_param_data(m.model, i));
  for (credo_tensor &t : inputs.list)
    args.push_back(t.data);
  for (credo_tensor &t : outputs.list)
    args.push_back(t.data);
  credo_set_num_threads(opts.threads);
  credo_rt_take_status();
  if (failed((*jit)->call("forward", args)))
    return error("cannot call the compiled model");
  if (credo_rt_take_status() != CREDO_OK)
    return runtimeError("the model failed");

  if (std::error_code ec = llvm::sys::fs::create_directories(opts.output))
    return error("cannot create '" + opts.output + "': " + ec.message());
  for (size_t i = 0; i < outputs.list.size(); ++i) {
    llvm::SmallString<256> path(opts.output);
    llvm::sys::path::append(path, info->outputs[i].name + ".npy");
    if (credo_npy_write(path.c_str(), &outputs.list[i]) != CREDO_OK)
      return runtimeError("output '" + info->outputs[i].name + "'");
    llvm::outs() << "credoc: wrote " << path << " ("
                 << describe(info->outputs[i]) << ")\n";
  }
  return kOk;
}

int mlir::credo::buildCommand(const DriverOptions &opts) {
  Session s;
  OwningOpRef<ModuleOp> module = loadModel(opts, s.context);
  if (!module)
    return kUserError;
  FailureOr<ModelInfo> info = getModelInfo(*module);
  if (failed(info))
    return kUserError;
  if (opts.emit == "credo")
    return writeOutput(opts.output,
                       [&](llvm::raw_ostream &os) { module->print(os); });

  CpuPipelineOptions pipeline;
  pipeline.kernels = opts.kernels;
  if (failed(lowerToLLVMDialect(*module, pipeline)) ||
      failed(addLibraryApi(*module, *info)))
    return error("compilation failed");
  if (opts.emit == "mlir")
    return writeOutput(opts.output,
                       [&](llvm::raw_ostream &os) { module->print(os); });
  if (opts.emit == "llvm" || opts.emit == "asm" || opts.emit == "obj") {
    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        translateToLLVMIR(*module, llvmContext);
    if (!llvmModule)
      return kUserError;
    if (opts.emit == "llvm")
      return writeOutput(opts.output, [&](llvm::raw_ostream &os) {
        llvmModule->print(os, nullptr);
      });
    if (opts.emit == "obj" && (opts.output.empty() || opts.output == "-"))
      return error("--emit=obj needs -o FILE");
    std::error_code ec;
    std::unique_ptr<llvm::raw_fd_ostream> file;
    llvm::raw_pwrite_stream *os = &llvm::outs();
    if (!opts.output.empty() && opts.output != "-") {
      file = std::make_unique<llvm::raw_fd_ostream>(opts.output, ec,
                                                    llvm::sys::fs::OF_None);
      if (ec)
        return error("cannot write '" + opts.output + "': " + ec.message());
      os = file.get();
    }
    std::string message;
    if (failed(emitNativeCode(*llvmModule,
                              opts.emit == "obj" ? FileKind::Object
                                                 : FileKind::Assembly,
                              *os, message)))
      return error(message);
    return kOk;
  }
  if (!opts.emit.empty())
    return error("unknown --emit '" + opts.emit +
                 "' (expected credo, mlir, llvm, asm or obj)");

  if (opts.output.empty() || opts.output == "-")
    return error("build needs -o DIR (or --emit=... for one artifact)");
  LibraryPaths paths;
  std::string message;
  if (failed(writeLibrary(*module, *info, opts.output, opts.runtimeLibDir,
                          paths, message)))
    return error(message);
  llvm::outs() << "credoc: wrote " << paths.sharedLibrary << ", "
               << paths.staticLibrary << " and " << paths.header << "\n";
  return kOk;
}
