//===- Driver.cpp - What credoc's commands do -------------------*- C++ -*-===//
//
// import/check print the credo module or its summary; init writes
// initialized parameters; run JIT-compiles the model and runs it on .npy
// inputs; build writes a linkable library or, with --emit, one artifact of
// any stage. Runtime failures (files, shapes, kernels) are reported with the
// runtime's message.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Plot.h"

#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"
#include "credo/Support/Diagnostics.h"
#include "credo/Target/Compile.h"
#include "credo/Target/Library.h"
#include "credo/Target/ModelInfo.h"
#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"
#include "credo/runtime.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <random>

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::driver;

namespace {

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
  if (os.has_error()) {
    // (A stream destroyed with its error set is a fatal error.)
    std::string why = os.error().message();
    os.clear_error();
    return error("cannot write '" + path + "': " + why);
  }
  return kOk;
}

using driver::describe; // (TensorInfo's, beside this one)

std::string describe(credo_dtype dtype, int32_t rank, const int64_t *shape) {
  std::string s = std::string(credo_dtype_name(dtype)) + "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Reads every model input from its --input NAME=FILE.npy, checking names,
/// dtypes and shapes.
int readInputs(const ModelInfo &info, const DriverOptions &opts,
               Tensors &inputs) {
  std::map<std::string, std::string> given;
  for (const auto &[name, file] : opts.inputs) {
    bool known =
        llvm::any_of(info.inputs, [&, &name = name](const TensorInfo &t) {
          return t.name == name;
        });
    if (!known) {
      std::string names;
      for (const TensorInfo &t : info.inputs)
        names += (names.empty() ? "" : ", ") + t.name;
      return error("model '" + info.name + "' has no input '" + name +
                   "' (its inputs: " + names + ")");
    }
    if (!given.emplace(name, file).second)
      return error("input '" + name + "' is given twice");
  }
  for (const TensorInfo &t : info.inputs) {
    auto it = given.find(t.name);
    if (it == given.end())
      return error("missing --input " + t.name + "=FILE.npy (" + describe(t) +
                   ")");
    credo_tensor tensor{};
    if (credo_npy_read(it->second.c_str(), &tensor) != CREDO_OK)
      return runtimeError("input '" + t.name + "'");
    inputs.list.push_back(tensor);
    if (describe(tensor.dtype, tensor.rank, tensor.shape) == describe(t))
      continue;
    std::string hint;
    if (tensor.rank == static_cast<int32_t>(t.shape.size()) &&
        tensor.rank > 0 && credo_dtype_name(tensor.dtype) == t.dtype) {
      bool onlyBatch = true;
      for (int32_t d = 1; d < tensor.rank; ++d)
        onlyBatch = onlyBatch && tensor.shape[d] == t.shape[d];
      if (onlyBatch && tensor.shape[0] == 0)
        hint = " (an input of no rows: a batch has at least one)";
      else if (onlyBatch && opts.batch && *opts.batch == tensor.shape[0])
        hint = " (its first dimension is fixed at " +
               std::to_string(t.shape[0]) +
               " in the graph; --batch sets only dimensions declared "
               "\"batch\")";
      else if (onlyBatch)
        hint = " (use --batch " + std::to_string(tensor.shape[0]) +
               " to compile for this batch size, if the graph declares "
               "the dimension \"batch\")";
    }
    return error("input '" + t.name + "': the model expects " + describe(t) +
                 ", but " + it->second + " holds " +
                 describe(tensor.dtype, tensor.rank, tensor.shape) + hint);
  }
  return kOk;
}

credo_dtype dtypeOf(const TensorInfo &t) {
  return t.dtype == "f64"   ? CREDO_F64
         : t.dtype == "i32" ? CREDO_I32
         : t.dtype == "i64" ? CREDO_I64
                            : CREDO_F32;
}

/// Allocates one zeroed tensor per entry of `list`.
int allocate(const std::vector<TensorInfo> &list, Tensors &out) {
  for (const TensorInfo &t : list) {
    credo_tensor tensor{};
    if (credo_tensor_alloc(&tensor, dtypeOf(t),
                           static_cast<int32_t>(t.shape.size()),
                           t.shape.data()) != CREDO_OK)
      return runtimeError("'" + t.name + "'");
    out.list.push_back(tensor);
  }
  return kOk;
}

} // namespace

int mlir::credo::importCommand(const DriverOptions &opts) {
  if (int status = checkSparesReads(opts, opts.output, "-o"))
    return status;
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

int mlir::credo::devicesCommand(const DriverOptions &opts) {
  if (!opts.model.empty())
    return error("devices takes no model file");
  size_t count = 0;
  if (credo_vulkan_devices(nullptr, 0, &count) != CREDO_OK)
    return error(credo_last_error());
  std::vector<credo_device_info> devices(count);
  if (credo_vulkan_devices(devices.data(), count, &count) != CREDO_OK)
    return error(credo_last_error());
  size_t chosen = 0;
  if (credo_vulkan_pick_device(opts.device, &chosen) != CREDO_OK)
    return error((opts.device >= 0 ? "--device: " : "") +
                 std::string(credo_last_error()));
  const char *env = std::getenv("CREDO_VULKAN_DEVICE");
  const bool selected = opts.device >= 0 || (env && *env);
  auto mib = [](uint64_t bytes) {
    return std::to_string(bytes >> 20) + " MiB";
  };
  llvm::outs() << "credoc: " << count << " Vulkan device"
               << (count == 1 ? "" : "s") << "\n";
  for (size_t i = 0; i < count; ++i) {
    const credo_device_info &d = devices[i];
    llvm::outs() << "  " << i << ": " << d.name << " ("
                 << credo_device_type_name(d.type) << ", Vulkan "
                 << (d.api_version >> 22) << "."
                 << ((d.api_version >> 12) & 0x3ff) << ")"
                 << (i == chosen ? (selected ? "  [selected]" : "  [default]")
                                 : "")
                 << "\n     storage buffers up to "
                 << mib(d.max_storage_buffer_range) << ", shared memory "
                 << (d.max_compute_shared_memory >> 10) << " KiB, workgroups "
                 << d.max_workgroup_invocations << " invocations, subgroups of "
                 << d.subgroup_size
                 << (d.subgroup_arithmetic ? " with" : " without")
                 << " reductions, device memory " << mib(d.device_local_memory)
                 << "\n";
  }
  return kOk;
}

int mlir::credo::checkCommand(const DriverOptions &opts) {
  Session s;
  OwningOpRef<ModuleOp> module = loadModel(opts, s.context);
  if (!module)
    return kUserError;
  int64_t params = 0, scalars = 0;
  // The graph's nodes (a time loop and each node inside it), by the node
  // each op implements: not the ops (a loop's slices and yield).
  llvm::StringSet<> nodeNames;
  module->walk([&](Operation *op) {
    if (auto p = dyn_cast<ParamOp>(op)) {
      ++params;
      scalars += p.getTensorType().getNumElements();
    } else if (StringRef node = nodeOf(op); !node.empty()) {
      nodeNames.insert(node);
    }
  });
  int64_t nodes = int64_t(nodeNames.size());
  auto forward = module->lookupSymbol<func::FuncOp>("forward");
  // A training section's rule is checked by building its step (on a copy):
  // update expressions, rule options and what the rule needs of the graph
  // are only known then.
  std::string training;
  if (FailureOr<std::optional<TrainingContract>> contract =
          TrainingContract::read(*module);
      failed(contract)) {
    return kUserError;
  } else if (*contract) {
    OwningOpRef<ModuleOp> copy(cast<ModuleOp>((*module)->clone()));
    PassManager pm(&s.context, ModuleOp::getOperationName());
    if (int status = addTrainingPasses(pm, *copy, opts))
      return status;
    if (failed(pm.run(*copy)))
      return error("cannot build the training step");
    // (The importer refuses a settle_epochs that the rule cannot use.)
    std::string rule = opts.rule.empty() ? (*contract)->rule : opts.rule;
    // A section that learns in an environment needs a rule that acts, as
    // credoc train finds.
    if (!(*contract)->environment.name.empty() &&
        !copy->lookupSymbol<func::FuncOp>("act"))
      return error("the training section learns in environment '" +
                   (*contract)->environment.name + "', but the rule '" + rule +
                   "' builds no @act, so it cannot learn in an environment "
                   "(the coagent rule can)");
    training = "; its training step (rule '" + rule + "') builds";
    std::string unlearned =
        describeUnlearned(unlearnedParameters(*copy, floatParameters(*module)));
    if (!unlearned.empty())
      training += " and " + unlearned;
  }
  llvm::outs() << "credoc: " << opts.model << ": model '"
               << module->getName().value_or("")
               << "' is valid: " << forward.getNumArguments() << " inputs, "
               << params << " parameters (" << scalars << " values), " << nodes
               << " nodes, " << forward.getNumResults() << " outputs"
               << training << "\n";
  return kOk;
}

int mlir::credo::initCommand(const DriverOptions &opts) {
  if (int status = checkSparesReads(opts, opts.output, "-o"))
    return status;
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

namespace {
/// An output of `credoc run` that --raster or --trace draws.
struct DrawnSeries {
  size_t output;
  bool batched;   ///< its second dimension is the batch
  bool potential; ///< a lif node's potential (else spikes)
  double threshold;
  int64_t order = 0; ///< the population's place in the graph
};

/// A drawn output's population: its name less ".all" or ".v.all".
std::string seriesName(llvm::StringRef output) {
  output.consume_back(".all");
  output.consume_back(".v");
  return output.str();
}

/// The neurons of a drawn output's population: the elements of one step
/// and sample.
int64_t neuronsOf(const TensorInfo &t, const DrawnSeries &d) {
  return t.numElements() / (t.shape[0] * (d.batched ? t.shape[1] : 1));
}

/// The outputs that --raster and --trace draw (ImportOptions::spikeTrains,
/// potentials) and those added only for the pictures (`drawnOnly`), after
/// checking --sample and --neurons against them.
int collectDrawn(const DriverOptions &opts, ModuleOp module,
                 const ModelInfo &info, std::vector<bool> &drawnOnly,
                 std::vector<DrawnSeries> &series) {
  drawnOnly.assign(info.outputs.size(), false);
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  for (size_t i = 0; forward && i < info.outputs.size(); ++i) {
    drawnOnly[i] = bool(forward.getResultAttr(i, "credo.drawn_only"));
    for (bool potential : {false, true})
      if (auto b = forward.getResultAttrOfType<BoolAttr>(
              i, potential ? "credo.potential" : "credo.spike_train")) {
        DrawnSeries d{i, b.getValue(), potential, 0};
        if (auto t =
                forward.getResultAttrOfType<FloatAttr>(i, "credo.threshold"))
          d.threshold = t.getValueAsDouble();
        if (auto o = forward.getResultAttrOfType<IntegerAttr>(
                i, "credo.drawn_order"))
          d.order = o.getInt();
        series.push_back(d);
      }
  }
  // The graph's order, not the outputs' (those the graph lists come first).
  llvm::sort(series, [](const DrawnSeries &a, const DrawnSeries &b) {
    return std::tie(a.order, a.output) < std::tie(b.order, b.output);
  });
  for (bool potential : {false, true})
    if (!(potential ? opts.trace : opts.raster).empty() &&
        llvm::none_of(series, [&](const DrawnSeries &d) {
          return d.potential == potential;
        }))
      return error(
          std::string(potential ? "--trace" : "--raster") + ": '" + opts.model +
          "' has no " + (potential ? "lif node" : "spiking population") +
          " to draw (a " + (potential ? "lif" : "lif or poisson_encode") +
          " node directly inside a time_loop of the graph's nodes)");
  for (const DrawnSeries &d : series) {
    const TensorInfo &t = info.outputs[d.output];
    if (d.batched && opts.sample >= t.shape[1])
      return error("--sample " + std::to_string(opts.sample) +
                   " is outside the batch: '" + t.name + "' has " +
                   std::to_string(t.shape[1]) + " samples (rows 0 to " +
                   std::to_string(t.shape[1] - 1) + ")");
    if (!d.batched && opts.sample > 0)
      return error("--sample " + std::to_string(opts.sample) + ": '" + t.name +
                   "' has no batch dimension, so only --sample 0 draws it");
    int64_t neurons = neuronsOf(t, d);
    for (int64_t n : opts.neurons)
      if (d.potential && n >= neurons)
        return error("--neurons " + std::to_string(n) + ": '" +
                     seriesName(t.name) + "' has " + std::to_string(neurons) +
                     (neurons == 1 ? " neuron (0)"
                                   : " neurons (0 to " +
                                         std::to_string(neurons - 1) + ")"));
  }
  return kOk;
}

/// Sample --sample of `d`, [steps × neurons].
std::vector<double> sampleOf(const DriverOptions &opts, const TensorInfo &t,
                             const credo_tensor &v, const DrawnSeries &d,
                             int64_t &neurons) {
  int64_t steps = t.shape[0], rows = d.batched ? t.shape[1] : 1;
  neurons = neuronsOf(t, d);
  std::vector<double> out(size_t(steps * neurons));
  for (int64_t step = 0; step < steps; ++step)
    for (int64_t n = 0; n < neurons; ++n) {
      int64_t at = (step * rows + opts.sample) * neurons + n;
      out[size_t(step * neurons + n)] =
          v.dtype == CREDO_F64 ? static_cast<const double *>(v.data)[at]
                               : double(static_cast<const float *>(v.data)[at]);
    }
  return out;
}

/// Writes the picture --raster or --trace (`flag`) of `populations`
/// populations and says so, with `more` after the sample.
int writePicture(const DriverOptions &opts, const std::string &flag,
                 const std::string &svg, size_t populations,
                 const std::string &more = "") {
  const std::string &path = flag == "--raster" ? opts.raster : opts.trace;
  if (credo_file_write(path.c_str(), svg.data(), svg.size()) != CREDO_OK)
    return runtimeError(flag);
  llvm::outs() << "credoc: wrote " << path << " (" << populations
               << (populations == 1 ? " population" : " populations")
               << ", sample " << opts.sample << more << ")\n";
  return kOk;
}

/// Draws the spike trains among `series` for the sample --sample as the
/// SVG picture --raster.
int writeRaster(const DriverOptions &opts, const ModelInfo &info,
                const Tensors &outputs,
                const std::vector<DrawnSeries> &series) {
  std::vector<SpikeRaster> rasters;
  int64_t spikes = 0;
  for (const DrawnSeries &d : series) {
    if (d.potential)
      continue;
    const TensorInfo &t = info.outputs[d.output];
    SpikeRaster r;
    r.name = seriesName(t.name);
    r.steps = t.shape[0];
    std::vector<double> v =
        sampleOf(opts, t, outputs.list[d.output], d, r.neurons);
    int64_t nans = 0, first = -1;
    for (double x : v) {
      bool nan = std::isnan(x);
      r.spikes.push_back(x != 0 && !nan);
      spikes += x != 0 && !nan;
      r.nan.push_back(nan);
      if (nan && first < 0)
        first = int64_t(r.nan.size()) - 1;
      nans += nan;
    }
    if (nans)
      llvm::errs() << "credoc: warning: --raster: " << r.name << " holds "
                   << nans << " NaN value" << (nans == 1 ? "" : "s")
                   << " (the first at step " << first / r.neurons << ", neuron "
                   << first % r.neurons
                   << "), drawn in red, not counted as spikes\n";
    else
      r.nan.clear();
    rasters.push_back(std::move(r));
  }
  return writePicture(opts, "--raster",
                      renderRaster(info.name + ": spikes of sample " +
                                       std::to_string(opts.sample),
                                   rasters),
                      rasters.size(),
                      ": " + std::to_string(spikes) +
                          (spikes == 1 ? " spike" : " spikes"));
}

/// Draws the potentials among `series` of the neurons --neurons (default the
/// first 8 of each population), with their spikes, as the SVG picture
/// --trace.
int writeTrace(const DriverOptions &opts, const ModelInfo &info,
               const Tensors &outputs, const std::vector<DrawnSeries> &series) {
  std::vector<PotentialTrace> traces;
  for (const DrawnSeries &d : series) {
    if (!d.potential)
      continue;
    const TensorInfo &t = info.outputs[d.output];
    PotentialTrace tr;
    tr.name = seriesName(t.name);
    tr.steps = t.shape[0];
    tr.threshold = d.threshold;
    int64_t neurons = 0;
    std::vector<double> v =
        sampleOf(opts, t, outputs.list[d.output], d, neurons);
    // The population's spikes (its spike train is among the outputs).
    std::vector<double> spikes;
    for (const DrawnSeries &e : series)
      if (!e.potential && seriesName(info.outputs[e.output].name) == tr.name) {
        int64_t n = 0;
        spikes = sampleOf(opts, info.outputs[e.output], outputs.list[e.output],
                          e, n);
      }
    tr.neurons = opts.neurons;
    if (tr.neurons.empty())
      for (int64_t n = 0; n < std::min<int64_t>(neurons, 8); ++n)
        tr.neurons.push_back(n);
    int64_t bad = 0, badStep = 0, badNeuron = 0;
    for (int64_t n : tr.neurons)
      for (int64_t step = 0; step < tr.steps; ++step) {
        double x = v[size_t(step * neurons + n)];
        tr.potentials.push_back(x);
        tr.spikes.push_back(!spikes.empty() &&
                            spikes[size_t(step * neurons + n)] != 0);
        if (!std::isfinite(x) && !bad++)
          badStep = step, badNeuron = n;
      }
    // The lines leave out what is not a number; say so, as --raster does.
    if (bad)
      llvm::errs() << "credoc: warning: --trace: " << tr.name << " holds "
                   << bad << " potential" << (bad == 1 ? "" : "s") << " that "
                   << (bad == 1 ? "is" : "are")
                   << " not finite (the first at step " << badStep
                   << ", neuron " << badNeuron << "), left out of the lines\n";
    traces.push_back(std::move(tr));
  }
  return writePicture(opts, "--trace",
                      renderTraces(info.name + ": potentials in sample " +
                                       std::to_string(opts.sample),
                                   traces),
                      traces.size());
}
} // namespace

int mlir::credo::runCommand(const DriverOptions &opts) {
  for (auto [path, flag] :
       {std::pair(&opts.raster, "--raster"), std::pair(&opts.trace, "--trace")})
    if (int status = checkSparesReads(opts, *path, flag))
      return status;
  if (!opts.raster.empty() && !opts.trace.empty()) {
    // One picture would silently replace the other.
    llvm::SmallString<256> raster(opts.raster), trace(opts.trace);
    llvm::sys::fs::make_absolute(raster);
    llvm::sys::fs::make_absolute(trace);
    llvm::sys::path::remove_dots(raster, true);
    llvm::sys::path::remove_dots(trace, true);
    bool same = false;
    if (raster == trace ||
        (!llvm::sys::fs::equivalent(raster, trace, same) && same))
      return error("--raster and --trace name the same file '" + opts.trace +
                   "'; give each picture its own");
  }
  if (opts.raster.empty() && opts.trace.empty() && opts.sample)
    llvm::errs() << "credoc: warning: --sample has no effect without "
                    "--raster or --trace\n";
  if (opts.trace.empty() && !opts.neurons.empty())
    llvm::errs() << "credoc: warning: --neurons has no effect without "
                    "--trace\n";
  Session s;
  OwningOpRef<ModuleOp> module = loadModel(opts, s.context);
  if (!module)
    return kUserError;
  FailureOr<ModelInfo> info = getModelInfo(*module);
  if (failed(info))
    return kUserError;
  if (opts.output == "-" ||
      (opts.output.empty() && opts.raster.empty() && opts.trace.empty()))
    return error("run needs --output DIR for the outputs (.npy files), or "
                 "--raster FILE.svg or --trace FILE.svg for a picture");
  std::vector<bool> drawnOnly;
  std::vector<DrawnSeries> series;
  if (int status = collectDrawn(opts, *module, *info, drawnOnly, series))
    return status;
  if (int status = checkFitsDevice(opts, *info))
    return status;

  // Parameters: from their initializers, then from --params (a random
  // generator the file lacks keeps its initial key).
  ModelHandle m;
  if (credo_model_create(info->metadata().c_str(), &m.model) != CREDO_OK)
    return runtimeError("cannot create the model");
  if (credo_model_init_params(m.model) != CREDO_OK)
    return runtimeError("cannot initialize the parameters");
  if (!opts.params.empty())
    if (int status = loadFiniteParams(m.model, *info, opts.params,
                                      "cannot load parameters"))
      return status;

  Tensors inputs;
  if (readInputs(*info, opts, inputs) != kOk)
    return kUserError;

  // Compile, run, write the outputs.
  std::unique_ptr<JitModule> jit = compileForJit(*module, opts);
  if (!jit)
    return kUserError;
  Tensors outputs;
  if (allocate(info->outputs, outputs) != kOk)
    return kUserError;
  std::vector<void *> args;
  for (size_t i = 0; i < info->params.size(); ++i)
    args.push_back(credo_model_param_data(m.model, i));
  for (credo_tensor &t : inputs.list)
    args.push_back(t.data);
  for (credo_tensor &t : outputs.list)
    args.push_back(t.data);
  credo_set_num_threads(opts.threads);
  if (jit->call("forward", args) != CREDO_OK)
    return error(credo_last_error());

  // An output file that the run read (--input y=DIR/y.npy, output y to
  // DIR; the --params or model file there) would overwrite it: refuse
  // before writing anything.
  for (size_t i = 0; i < outputs.list.size() && !opts.output.empty(); ++i) {
    if (drawnOnly[i])
      continue;
    llvm::SmallString<256> path(opts.output);
    llvm::sys::path::append(path, info->outputs[i].name + ".npy");
    if (std::optional<std::string> which = fileReadAt(opts, path))
      return error("output '" + info->outputs[i].name +
                   "' would be written to '" + std::string(path) +
                   "', which is " + *which +
                   "; give --output another directory");
  }
  if (!opts.raster.empty())
    if (int status = writeRaster(opts, *info, outputs, series))
      return status;
  if (!opts.trace.empty())
    if (int status = writeTrace(opts, *info, outputs, series))
      return status;
  if (opts.output.empty())
    return kOk;
  if (std::error_code ec = llvm::sys::fs::create_directories(opts.output))
    return error("cannot create '" + opts.output + "': " + ec.message());
  for (size_t i = 0; i < outputs.list.size(); ++i) {
    if (drawnOnly[i])
      continue;
    llvm::SmallString<256> path(opts.output);
    llvm::sys::path::append(path, info->outputs[i].name + ".npy");
    if (credo_npy_write(path.c_str(), &outputs.list[i]) != CREDO_OK)
      return runtimeError("output '" + info->outputs[i].name + "'");
    llvm::outs() << "credoc: wrote " << path << " ("
                 << describe(info->outputs[i]) << ")\n";
  }
  return kOk;
}

void mlir::credo::driver::addGradientPasses(OpPassManager &pm,
                                            const DriverOptions &opts) {
  if (spikeMajority(opts))
    pm.addPass(createCredoSpikeMajority());
  pm.addPass(createCredoBatchOverTime());
  CredoAutodiffOptions autodiff;
  autodiff.wrtInputs = opts.wrt;
  autodiff.timeMemory = opts.timeMemory;
  pm.addPass(createCredoAutodiff(autodiff));
  if (spikeMajority(opts) && spikeMasksEnabled())
    pm.addPass(createCredoSpikeMasks());
}

int mlir::credo::driver::addTrainingPasses(OpPassManager &pm, ModuleOp module,
                                           const DriverOptions &opts) {
  FailureOr<std::optional<TrainingContract>> contract =
      TrainingContract::read(module);
  if (failed(contract))
    return kUserError;
  if (!*contract)
    return error("the model has no training section, so it has no training "
                 "step");
  std::string name = opts.rule.empty() ? (*contract)->rule : opts.rule;
  const TrainingRule *rule = lookupTrainingRule(name);
  if (!rule)
    return error("unknown training rule '" + name + "' (known rules: " +
                 llvm::join(trainingRuleNames(), ", ") + ")");
  if (opts.timeMemoryGiven && !rule->throughTime) {
    std::vector<std::string> through;
    for (const std::string &r : trainingRuleNames())
      if (lookupTrainingRule(r)->throughTime)
        through.push_back(r);
    warnTimeMemoryIdle("the rule '" + name +
                       "' does not backpropagate through time (it sets how " +
                       llvm::join(through, ", ") +
                       " keep a time loop's steps)");
  }
  TrainingRuleOptions options;
  options.timeMemory = opts.timeMemory;
  options.spikeMajority = spikeMajority(opts);
  rule->addPasses(pm, options);
  return kOk;
}

int mlir::credo::buildCommand(const DriverOptions &opts) {
  // One artifact is a file (a library or --emit spirv writes a directory).
  if (!opts.emit.empty() && opts.emit != "spirv")
    if (int status = checkSparesReads(opts, opts.output, "-o"))
      return status;
  Session s;
  if (!opts.libraryName.empty())
    if (std::string why = modelNameProblem(opts.libraryName); !why.empty())
      return error("option --name: " + why);
  OwningOpRef<ModuleOp> module = loadModel(opts, s.context);
  if (!module)
    return kUserError;
  if (!opts.libraryName.empty())
    module->setSymName(StringRef(opts.libraryName));
  std::optional<ModelInfo> before; // the model's own parameters
  for (auto [given, flag] : {std::pair(opts.timeMemoryGiven, "--time-memory"),
                             std::pair(!opts.rule.empty(), "--rule")})
    if (given && !opts.train)
      llvm::errs() << "credoc: warning: " << flag
                   << " has no effect without --train\n";
  if (opts.train) {
    FailureOr<ModelInfo> own = getModelInfo(*module);
    if (failed(own))
      return kUserError;
    before = *own;
    PassManager pm(&s.context, ModuleOp::getOperationName());
    if (int status = addTrainingPasses(pm, *module, opts))
      return status;
    if (failed(pm.run(*module)))
      return error("cannot build the training step");
  }
  FailureOr<ModelInfo> info = getModelInfo(*module);
  if (failed(info))
    return kUserError;
  if (before)
    markRuleState(*before, *info);
  if (opts.emit == "credo")
    return writeOutput(opts.output,
                       [&](llvm::raw_ostream &os) { module->print(os); });

  const Target *target = selectTarget(opts);
  if (!target)
    return kUserError;
  TargetOptions targetOptions;
  targetOptions.kernels = opts.kernels;
  if (!target->producesHostCode())
    return error("target '" + opts.target + "' cannot build a host library");
  if (failed(target->lower(*module, targetOptions)) ||
      failed(addLibraryApi(*module, *info, target->name())))
    return error("compilation failed");
  if (opts.emit == "mlir")
    return writeOutput(opts.output,
                       [&](llvm::raw_ostream &os) { module->print(os); });
  if (opts.emit == "spirv") {
    if (opts.target != "vulkan")
      return error("--emit spirv needs --target vulkan");
    if (opts.output.empty() || opts.output == "-")
      return error("--emit spirv needs -o DIR (one NAME.spv per kernel)");
    if (std::error_code ec = llvm::sys::fs::create_directories(opts.output))
      return error("cannot create '" + opts.output + "': " + ec.message());
    auto kernels = embeddedKernels(*module);
    for (auto &[name, words] : kernels) {
      llvm::SmallString<256> path(opts.output);
      llvm::sys::path::append(path, name + ".spv");
      std::error_code ec;
      llvm::raw_fd_ostream file(path, ec, llvm::sys::fs::OF_None);
      if (ec)
        return error("cannot write '" + path.str().str() +
                     "': " + ec.message());
      file.write(reinterpret_cast<const char *>(words.data()),
                 words.size() * sizeof(uint32_t));
      file.close();
      if (file.has_error()) {
        std::string why = file.error().message();
        file.clear_error();
        return error("cannot write '" + path.str().str() + "': " + why);
      }
    }
    llvm::outs() << "credoc: wrote " << kernels.size() << " SPIR-V kernel"
                 << (kernels.size() == 1 ? "" : "s") << " to " << opts.output
                 << "\n";
    // Kernels of another model or build left there would be mistaken for
    // this one's; they are the user's files, so say so rather than delete.
    llvm::StringSet<> written;
    for (auto &[name, words] : kernels)
      written.insert(name + ".spv");
    int64_t others = 0;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(opts.output, ec), end;
         it != end && !ec; it.increment(ec)) {
      llvm::StringRef file = llvm::sys::path::filename(it->path());
      others += file.ends_with(".spv") && !written.contains(file);
    }
    if (others)
      llvm::errs() << "credoc: warning: '" << opts.output << "' also holds "
                   << others << " .spv file" << (others == 1 ? "" : "s")
                   << " that this build did not write (another model's or an "
                      "earlier build's kernels)\n";
    return kOk;
  }
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
                              *os, message))) {
      if (file)
        file->clear_error();
      return error(message);
    }
    if (file) {
      file->close();
      if (file->has_error()) {
        std::string why = file->error().message();
        file->clear_error();
        return error("cannot write '" + opts.output + "': " + why);
      }
    }
    return kOk;
  }
  if (!opts.emit.empty())
    return error("unknown --emit '" + opts.emit +
                 "' (expected credo, mlir, llvm, asm, obj or spirv)");

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

//===----------------------------------------------------------------------===//
// grad and gradcheck
//===----------------------------------------------------------------------===//

namespace {

/// A model with its generated @gradients, JIT-compiled, and an instance
/// holding its parameters.
struct GradientModel {
  OwningOpRef<ModuleOp> module;
  /// LIF nodes whose gradient is a surrogate's (not the forward's).
  std::vector<std::string> surrogates;
  ModelInfo forward, gradients;
  std::unique_ptr<JitModule> jit;
  ModelHandle instance;
};

int compileGradients(Session &s, const DriverOptions &opts, GradientModel &g) {
  g.module = loadModel(opts, s.context);
  if (!g.module)
    return kUserError;
  // What the user can fix, in credoc's terms, before the pass's own checks.
  FailureOr<ModelInfo> model = getModelInfo(*g.module, "forward");
  if (failed(model))
    return kUserError;
  if (!(*g.module)->hasAttr("credo.training"))
    return error("model '" + model->name +
                 "' has no training section, so no loss to differentiate: "
                 "add \"training\": {\"loss\": NODE, …} "
                 "(docs/graph-format.md#training)");
  for (const std::string &wrt : opts.wrt)
    if (llvm::none_of(model->inputs,
                      [&](const TensorInfo &t) { return t.name == wrt; })) {
      std::string names;
      for (const TensorInfo &t : model->inputs)
        names += (names.empty() ? "" : ", ") + t.name;
      return error("--wrt " + wrt + ": model '" + model->name +
                   "' has no input of that name (its inputs: " + names + ")");
    }
  g.module->walk([&](LifOp lif) {
    if (!lif.getSurrogate())
      return;
    auto node = lif->getAttrOfType<StringAttr>("credo.node");
    std::string name = node ? node.str() : "lif";
    if (!llvm::is_contained(g.surrogates, name))
      g.surrogates.push_back(name);
  });
  PassManager pm(&s.context, ModuleOp::getOperationName());
  addGradientPasses(pm, opts);
  if (failed(pm.run(*g.module)))
    return error(opts.wrt.empty()
                     ? "cannot differentiate the model"
                     : "cannot differentiate the model with respect to its "
                       "parameters and input" +
                           std::string(opts.wrt.size() > 1 ? "s '" : " '") +
                           llvm::join(opts.wrt, "', '") + "'");
  FailureOr<ModelInfo> forward = getModelInfo(*g.module, "forward");
  FailureOr<ModelInfo> gradients = getModelInfo(*g.module, "gradients");
  if (failed(forward) || failed(gradients))
    return kUserError;
  g.forward = *forward;
  g.gradients = *gradients;
  if (int status = checkFitsDevice(opts, g.forward))
    return status;
  g.jit = compileForJit(*g.module, opts);
  if (!g.jit)
    return kUserError;
  if (credo_model_create(g.forward.metadata().c_str(), &g.instance.model) !=
      CREDO_OK)
    return runtimeError("cannot create the model");
  if (credo_model_init_params(g.instance.model) != CREDO_OK)
    return runtimeError("cannot initialize the parameters");
  if (!opts.params.empty())
    if (int status = loadFiniteParams(g.instance.model, g.forward, opts.params,
                                      "cannot load parameters"))
      return status;
  return kOk;
}

/// Calls @gradients: parameters, inputs, then the loss and gradients.
int callGradients(GradientModel &g, Tensors &inputs, Tensors &outputs) {
  std::vector<void *> args;
  for (size_t i = 0; i < g.forward.params.size(); ++i)
    args.push_back(credo_model_param_data(g.instance.model, i));
  for (credo_tensor &t : inputs.list)
    args.push_back(t.data);
  for (credo_tensor &t : outputs.list)
    args.push_back(t.data);
  if (g.jit->call("gradients", args) != CREDO_OK)
    return error(credo_last_error());
  return kOk;
}

} // namespace

int mlir::credo::gradCommand(const DriverOptions &opts) {
  if (int status = checkSparesReads(opts, opts.output, "-o"))
    return status;
  Session s;
  GradientModel g;
  if (int rc = compileGradients(s, opts, g))
    return rc;
  if (opts.output.empty() || opts.output == "-")
    return error("grad needs -o FILE.safetensors");
  Tensors inputs, outputs;
  if (readInputs(g.forward, opts, inputs) != kOk ||
      allocate(g.gradients.outputs, outputs) != kOk ||
      callGradients(g, inputs, outputs) != kOk)
    return kUserError;
  // An integer parameter (index pairs, a generator's state) has no
  // gradient: @gradients gives it zeros, which are not written.
  std::vector<credo_named_tensor> named;
  for (size_t i = 0; i < outputs.list.size(); ++i)
    if (outputs.list[i].dtype == CREDO_F32 ||
        outputs.list[i].dtype == CREDO_F64)
      named.push_back({const_cast<char *>(g.gradients.outputs[i].name.c_str()),
                       outputs.list[i]});
  const char *keys[] = {"credo.model"};
  const char *values[] = {g.forward.name.c_str()};
  if (credo_safetensors_write(opts.output.c_str(), named.data(), named.size(),
                              keys, values, 1) != CREDO_OK)
    return runtimeError("cannot write the gradients");
  double loss = outputs.list[0].dtype == CREDO_F64
                    ? *static_cast<double *>(outputs.list[0].data)
                    : *static_cast<float *>(outputs.list[0].data);
  llvm::outs() << "credoc: loss " << formatNumber(loss, "%.6g") << "; wrote "
               << opts.output << " (loss and " << named.size() - 1
               << " gradients)\n";
  // Host buffers only: a Vulkan run's intermediates live on the device.
  if (opts.target == "cpu")
    llvm::outs() << "credoc: working memory of the gradient computation "
                 << llvm::format("%.2f", credo_memory_peak() / 1048576.0)
                 << " MiB (intermediate buffers at most)\n";
  return kOk;
}

/// "element 9 ([4, 1])" for the flat index 9 of a [5, 2] tensor; "element 9"
/// for a vector.
static std::string elementPosition(llvm::ArrayRef<int64_t> shape,
                                   int64_t flat) {
  std::string text = "element " + std::to_string(flat);
  if (shape.size() < 2)
    return text;
  llvm::SmallVector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0; flat /= shape[d])
    index[d] = flat % shape[d];
  return text + " ([" +
         llvm::join(llvm::map_range(
                        index, [](int64_t i) { return std::to_string(i); }),
                    ", ") +
         "])";
}

int mlir::credo::gradcheckCommand(const DriverOptions &opts) {
  Session s;
  GradientModel g;
  if (int rc = compileGradients(s, opts, g))
    return rc;
  for (const TensorInfo &p : g.forward.params)
    if (p.dtype != "f64" && p.dtype != "i32" && p.dtype != "i64")
      return error("gradcheck compares in double precision, but parameter '" +
                   p.name + "' is " + p.dtype +
                   "; declare parameters and float inputs with \"dtype\": "
                   "\"f64\"");
  // Inputs: the given .npy files, else seeded random values (floats from
  // N(0, 1), integers in {0, 1}, valid class labels for any model).
  Tensors inputs;
  if (!opts.inputs.empty()) {
    if (readInputs(g.forward, opts, inputs) != kOk)
      return kUserError;
  } else {
    if (allocate(g.forward.inputs, inputs) != kOk)
      return kUserError;
    std::mt19937_64 rng(opts.seed);
    std::normal_distribution<double> normal;
    for (credo_tensor &t : inputs.list)
      for (int64_t i = 0; i < credo_tensor_numel(&t); ++i) {
        switch (t.dtype) {
        case CREDO_F32:
          static_cast<float *>(t.data)[i] = static_cast<float>(normal(rng));
          break;
        case CREDO_F64:
          static_cast<double *>(t.data)[i] = normal(rng);
          break;
        case CREDO_I32:
          static_cast<int32_t *>(t.data)[i] = static_cast<int32_t>(rng() % 2);
          break;
        case CREDO_I64:
          static_cast<int64_t *>(t.data)[i] = static_cast<int64_t>(rng() % 2);
          break;
        case CREDO_U8:
          static_cast<uint8_t *>(t.data)[i] = static_cast<uint8_t>(rng() % 2);
          break;
        }
      }
  }
  Tensors analytic;
  if (allocate(g.gradients.outputs, analytic) != kOk ||
      callGradients(g, inputs, analytic) != kOk)
    return kUserError;
  if (analytic.list[0].dtype != CREDO_F64)
    return error("gradcheck needs an f64 loss");
  // A loss that is not finite at these inputs has no finite differences to
  // compare with: say so, and which input is not finite, if one is.
  if (double at = *static_cast<const double *>(analytic.list[0].data);
      !std::isfinite(at)) {
    std::string why;
    for (size_t i = 0; i < inputs.list.size() && why.empty(); ++i)
      if (std::optional<NonFinite> bad = firstNonFinite(inputs.list[i]))
        why = " (input '" + g.forward.inputs[i].name + "' holds " +
              bad->what() + " at element " + std::to_string(bad->at) + ")";
    return error("the loss is " + formatNumber(at, "%g") + " at these inputs" +
                 why +
                 ", so there is no gradient to check; give finite inputs");
  }

  // Central differences of the loss, one coordinate at a time (all of a
  // small parameter, a seeded sample of 32 of a large one).
  Tensors scratch;
  if (allocate(g.gradients.outputs, scratch) != kOk)
    return kUserError;
  auto lossAt = [&]() -> std::optional<double> {
    if (callGradients(g, inputs, scratch) != kOk)
      return std::nullopt;
    return *static_cast<double *>(scratch.list[0].data);
  };
  // Mixed criterion: |fd - an| <= tol * (|fd| + |an|), or <= atol. Without
  // the absolute floor, a correct gradient entry far below the rounding
  // error of the loss differences (about 1e-16 |loss| / h) would fail.
  const double loss = *static_cast<const double *>(analytic.list[0].data);
  const double atol = opts.absoluteTolerance
                          ? *opts.absoluteTolerance
                          : 1e-8 * std::max(1.0, std::fabs(loss));
  std::mt19937_64 pick(opts.seed + 1);
  double worst = 0, failing = 0; // failing: the worst coordinate that fails
  int64_t flooredAll = 0, extrapolatedAll = 0;
  // Whether an estimate passes, and its relative error as it is (whatever
  // the tolerance); a coordinate beyond the tolerance passes when its
  // absolute error is within the floor.
  struct Comparison {
    double rel, diff;
    bool passes;
  };
  auto compare = [&](double fd, double an) {
    double diff = std::fabs(fd - an);
    double sum = std::fabs(fd) + std::fabs(an);
    double rel = diff == 0 ? 0 : diff / sum;
    if (std::isnan(rel))
      rel = INFINITY;
    return Comparison{rel, diff, rel <= opts.tolerance || diff <= atol};
  };
  for (size_t p = 0; p < g.forward.params.size(); ++p) {
    const TensorInfo &param = g.forward.params[p];
    if (param.dtype != "f64")
      continue; // integer state has no gradient
    auto *w =
        static_cast<double *>(credo_model_param_data(g.instance.model, p));
    const auto *an = static_cast<const double *>(analytic.list[p + 1].data);
    int64_t n = param.numElements();
    std::vector<int64_t> indices;
    if (n <= 64) {
      for (int64_t i = 0; i < n; ++i)
        indices.push_back(i);
    } else {
      for (int i = 0; i < 32; ++i)
        indices.push_back(static_cast<int64_t>(pick() % n));
    }
    // The central difference of the loss with step `step` at coordinate i.
    auto centralDifference = [&](int64_t i,
                                 double step) -> std::optional<double> {
      double saved = w[i];
      w[i] = saved + step;
      std::optional<double> plus = lossAt();
      w[i] = saved - step;
      std::optional<double> minus = lossAt();
      w[i] = saved;
      if (!plus || !minus)
        return std::nullopt;
      return (*plus - *minus) / (2 * step);
    };
    double paramWorst = 0, paramFailing = 0;
    int64_t floored = 0;      // passed only by the absolute floor
    int64_t extrapolated = 0; // passed by the extrapolated difference
    std::string failingAt;    // the worst failing coordinate, in words
    for (int64_t i : indices) {
      double h = 1e-6 * std::max(1.0, std::fabs(w[i]));
      std::optional<double> fd = centralDifference(i, h);
      if (!fd)
        return kUserError;
      Comparison c = compare(*fd, an[i]);
      // A difference of a loss with a large third derivative is off by
      // its O(h^2) truncation error: the differences at h and 2h,
      // extrapolated (Richardson), cancel that term, and their rounding
      // error stays about that of one difference.
      bool usedExtrapolation = false;
      if (!c.passes) {
        std::optional<double> wide = centralDifference(i, 2 * h);
        if (!wide)
          return kUserError;
        double richardson = (4 * *fd - *wide) / 3;
        Comparison r = compare(richardson, an[i]);
        if (r.passes || r.rel < c.rel) {
          fd = richardson;
          c = r;
          usedExtrapolation = true;
        }
      }
      paramWorst = std::max(paramWorst, c.rel);
      if (c.passes) {
        // Each passing coordinate counts once: by the floor, or else by
        // the extrapolation.
        if (c.rel > opts.tolerance)
          ++floored;
        else if (usedExtrapolation)
          ++extrapolated;
        continue;
      }
      if (c.rel > paramFailing) {
        paramFailing = c.rel;
        failingAt = llvm::formatv("{0} ({1} {2:e9}, generated gradient {3:e9})",
                                  elementPosition(param.shape, i),
                                  usedExtrapolation ? "extrapolated difference"
                                                    : "finite difference",
                                  *fd, an[i])
                        .str();
      }
    }
    worst = std::max(worst, paramWorst);
    failing = std::max(failing, paramFailing);
    flooredAll += floored;
    extrapolatedAll += extrapolated;
    llvm::outs() << "credoc: gradcheck " << param.name << ": " << indices.size()
                 << " coordinates, max relative error "
                 << llvm::format("%.2e", paramWorst);
    std::vector<std::string> notes;
    if (floored)
      notes.push_back(std::to_string(floored) +
                      " beyond the tolerance, within the absolute floor");
    if (extrapolated)
      notes.push_back(std::to_string(extrapolated) +
                      " passed by the extrapolated difference");
    if (!notes.empty())
      llvm::outs() << " (" << llvm::join(notes, "; ") << ")";
    if (!failingAt.empty())
      llvm::outs() << "; fails worst at " << failingAt;
    llvm::outs() << "\n";
  }
  std::string criterion =
      llvm::formatv("|fd - an| <= {0:e1} * (|fd| + |an|) or <= {1:e1} "
                    "(relative error with an absolute floor)",
                    opts.tolerance, atol)
          .str();
  if (failing > 0) {
    std::string note;
    if (!g.surrogates.empty())
      note = " (expected here: LIF node" +
             std::string(g.surrogates.size() > 1 ? "s '" : " '") +
             llvm::join(g.surrogates, "', '") +
             "' differentiate by a surrogate, not by the derivative of the "
             "step their forward pass takes, so finite differences of the "
             "forward pass cannot check those gradients)";
    return error(llvm::formatv("gradient check failed: max relative error "
                               "{0:e} exceeds {1:e}; the criterion is {2}{3}",
                               failing, opts.tolerance, criterion, note)
                     .str());
  }
  llvm::outs() << "credoc: gradcheck passed (max relative error "
               << llvm::format("%.2e", worst);
  if (flooredAll)
    llvm::outs() << "; " << flooredAll
                 << " coordinates beyond the tolerance pass by the floor";
  if (extrapolatedAll)
    llvm::outs() << "; " << extrapolatedAll
                 << " pass by the extrapolated difference";
  llvm::outs() << "): " << criterion << "\n";
  return kOk;
}
