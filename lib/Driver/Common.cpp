//===- Common.cpp - What credoc's commands share ----------------*- C++ -*-===//
//
// Error reporting, the session context and the model loader.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "Credo/IR/CredoOps.h"
#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"
#include "credo/Support/Diagnostics.h"
#include "credo/Support/Quote.h"
#include "credo/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unistd.h>
#include <vector>

using namespace mlir;

namespace mlir::credo::driver {

namespace {
constexpr uint64_t kMaxModelBytes = 256u << 20;

DialectRegistry makeRegistry() {
  DialectRegistry registry;
  registerAllDialects(registry);
  return registry;
}
} // namespace

int error(const llvm::Twine &message) {
  // What was printed before the error comes before it where both streams
  // meet (a terminal, 2>&1).
  llvm::outs().flush();
  llvm::errs() << "credoc: error: " << message << "\n";
  return kUserError;
}

void warnTimeMemoryIdle(const llvm::Twine &why) {
  static bool warned = false;
  if (!warned)
    llvm::errs() << "credoc: warning: --time-memory has no effect: " << why
                 << "\n";
  warned = true;
}

int runtimeError(const llvm::Twine &context) {
  return error(context + ": " + credo_last_error());
}

Session::Session() : context(makeRegistry()) {
  // Errors point at the JSON graph; the IR of the op would only be noise.
  context.printOpOnDiagnostic(false);
  printer = installDiagnosticPrinter(context, llvm::errs());
}

OwningOpRef<ModuleOp> loadModel(const DriverOptions &opts, MLIRContext &context,
                                GraphFingerprints *source) {
  if (opts.model.empty()) {
    error("no model file given");
    return nullptr;
  }
  if (llvm::sys::fs::is_directory(opts.model)) {
    error("'" + opts.model + "' is a directory, not a model file");
    return nullptr;
  }
  // A FIFO would wait for a writer, a device such as /dev/zero never ends
  // (and its size, 0, passes the limit below); standard input is "-".
  llvm::sys::fs::file_status status;
  if (opts.model != "-" && !llvm::sys::fs::status(opts.model, status) &&
      status.type() != llvm::sys::fs::file_type::regular_file) {
    error("'" + opts.model +
          "' is not a regular file (a FIFO, a device or a socket); give a "
          "model file, or - to read standard input");
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
  // A trace marks its neurons' spikes, so it reads their spike trains too.
  importOptions.spikeTrains = !opts.raster.empty() || !opts.trace.empty();
  importOptions.potentials = !opts.trace.empty();
  importOptions.fingerprints = source;
  OwningOpRef<ModuleOp> module = importGraph(
      (*buffer)->getBuffer(), opts.model == "-" ? "<stdin>" : opts.model,
      context, importOptions);
  // --time-memory chooses how backpropagation through time keeps its
  // steps; say so where it can change nothing.
  if (module && opts.timeMemoryGiven &&
      !module->walk([](TimeLoopOp) { return WalkResult::interrupt(); })
           .wasInterrupted())
    warnTimeMemoryIdle("the model has no time loop");
  return module;
}

const Target *selectTarget(const DriverOptions &opts) {
  if (const Target *target = lookupTarget(opts.target)) {
    if (opts.target != "cpu" && !opts.cpuOnlyFlag.empty()) {
      error(opts.cpuOnlyFlag +
            " sets how the CPU runs the kernels, but with "
            "--target " +
            opts.target + " they run on the device; leave it out");
      return nullptr;
    }
    return target;
  }
  std::string known;
  for (const std::string &name : targetNames())
    known += (known.empty() ? "" : ", ") + name;
  error("unknown target '" + opts.target + "' (known targets: " + known + ")");
  return nullptr;
}

std::unique_ptr<JitModule> compileForJit(ModuleOp module,
                                         const DriverOptions &opts) {
  const Target *target = selectTarget(opts);
  if (!target)
    return nullptr;
  if (!target->producesHostCode()) {
    error("target '" + opts.target +
          "' does not run through the host JIT; build it instead");
    return nullptr;
  }
  if (opts.device >= 0) {
    if (opts.target != "vulkan") {
      error("--device chooses a Vulkan device; it needs --target vulkan");
      return nullptr;
    }
    size_t index = 0;
    if (credo_vulkan_pick_device(opts.device, &index) != CREDO_OK ||
        credo_vulkan_use_device(opts.device) != CREDO_OK) {
      error(std::string("--device: ") + credo_last_error());
      return nullptr;
    }
  }
  if (opts.profile && opts.target != "vulkan") {
    error("--profile times Vulkan kernels; it needs --target vulkan");
    return nullptr;
  }
  TargetOptions options;
  options.kernels = opts.kernels;
  if (failed(target->lower(module, options))) {
    error("compilation failed");
    return nullptr;
  }
  FailureOr<std::unique_ptr<JitModule>> jit = JitModule::create(module);
  if (succeeded(jit) && opts.profile && credo_vulkan_profile(1) != CREDO_OK) {
    error(std::string("--profile: ") + credo_last_error());
    return nullptr;
  }
  return succeeded(jit) ? std::move(*jit) : nullptr;
}

int initAndOverlayParams(credo_model *model, const ModelInfo &info,
                         const std::string &path, const std::string &rule) {
  if (credo_model_init_params(model) != CREDO_OK)
    return runtimeError("cannot initialize the parameters");
  if (path.empty())
    return kOk;
  // The file's tensors replace the initial values; parameters it lacks
  // (the rule's feedback matrices, optimizer or rule state) keep theirs.
  credo_tensor_set set{};
  if (credo_safetensors_read(path.c_str(), &set) != CREDO_OK)
    return error(credo_last_error()); // names the file and the reason
  struct Free {
    credo_tensor_set *set;
    ~Free() { credo_tensor_set_free(set); }
  } release{&set};
  if (credo_safetensors_verify(&set, path.c_str()) != CREDO_OK)
    return error(credo_last_error());
  // A checkpoint of a run with another rule: its rule and optimizer state
  // (fa's feedback matrices in a dfa run) are that rule's, not this one's.
  std::string otherRule;
  for (size_t i = 0; i < set.metadata_count && !rule.empty(); ++i)
    if (llvm::StringRef(set.metadata_keys[i]) == kRuleMetadataKey &&
        rule != set.metadata_values[i])
      otherRule = set.metadata_values[i];
  // The state the file's run had (its rule's and optimizer's), listed in
  // its metadata.
  llvm::SmallVector<llvm::StringRef> fileState;
  for (size_t i = 0; i < set.metadata_count; ++i)
    if (llvm::StringRef(set.metadata_keys[i]) == kStateMetadataKey)
      llvm::StringRef(set.metadata_values[i]).split(fileState, ',');
  std::vector<std::string> leftOut, notHere;
  // Only what the rule or the optimizer adds may be missing: a parameter of
  // the graph left at its initial value would be silently untrained.
  for (const TensorInfo &p : info.params)
    if (!llvm::is_contained(info.state, p.name) &&
        !llvm::is_contained(info.held, p.name) &&
        !llvm::StringRef(p.init).starts_with("generator") &&
        llvm::none_of(
            llvm::make_range(set.items, set.items + set.count),
            [&](const credo_named_tensor &t) { return p.name == t.name; }))
      return error("'" + path + "' has no parameter '" + p.name +
                   "' of model '" + info.name +
                   "' (only the rule's and the optimizer's state, held "
                   "outputs and random generators may be missing: they "
                   "start from their initial values)");
  for (size_t i = 0; i < set.count; ++i) {
    const credo_named_tensor &t = set.items[i];
    auto p = llvm::find_if(
        info.params, [&](const TensorInfo &q) { return q.name == t.name; });
    if (p == info.params.end()) {
      // State of the file's rule or optimizer that this run's lack (fa's
      // feedback matrices in a backprop run, Adam's moments in an SGD run):
      // the weights are what --params gives.
      if (llvm::is_contained(fileState, t.name)) {
        (otherRule.empty() ? notHere : leftOut).push_back(t.name);
        continue;
      }
      return error("'" + path + "' has '" + t.name + "', which model '" +
                   info.name + "' does not have");
    }
    if (!otherRule.empty() && llvm::is_contained(info.state, p->name)) {
      leftOut.push_back(p->name);
      continue;
    }
    std::vector<int64_t> shape(t.tensor.shape, t.tensor.shape + t.tensor.rank);
    std::string dtype = credo_dtype_name(t.tensor.dtype);
    // "f32 of shape 3x4", or "an f32 scalar".
    auto describe = [](const std::string &type, const TensorInfo &info) {
      return info.shape.empty() ? "an " + type + " scalar"
                                : type + " of shape " + info.shapeText();
    };
    if (shape != p->shape || dtype != p->dtype)
      return error("'" + path + "': '" + t.name + "' is " +
                   describe(dtype, TensorInfo{t.name, "", shape, ""}) +
                   ", but the model's is " + describe(p->dtype, *p));
    // A NaN or infinite parameter would train into NaN; say where it is.
    if (std::optional<NonFinite> bad = firstNonFinite(t.tensor))
      return error("'" + path + "': '" + t.name + "' holds " + bad->what() +
                   " at element " + std::to_string(bad->at) +
                   "; parameters must be finite");
    if (credo_model_set_param(model, t.name, t.tensor.data,
                              credo_tensor_nbytes(&t.tensor)) != CREDO_OK)
      return runtimeError("cannot set '" + std::string(t.name) + "'");
  }
  if (!leftOut.empty())
    llvm::errs() << "credoc: note: '" << path
                 << "' is from a run with the rule '"
                 << quoteForMessage(otherRule) << "'; its state ("
                 << llvm::join(leftOut, ", ") << ") is that rule's: left out "
                 << "(this run's own state starts from its initial values)\n";
  if (!notHere.empty())
    llvm::errs() << "credoc: note: '" << path << "' holds state this run "
                 << "does not have (" << llvm::join(notHere, ", ")
                 << "), left out\n";
  return kOk;
}

std::optional<std::pair<std::string, NonFinite>>
firstNonFiniteParam(credo_model *model, const ModelInfo &info) {
  for (size_t i = 0; i < info.params.size(); ++i) {
    const TensorInfo &p = info.params[i];
    if (p.dtype != "f32" && p.dtype != "f64")
      continue;
    credo_tensor view{};
    view.dtype = p.dtype == "f64" ? CREDO_F64 : CREDO_F32;
    view.rank = int32_t(p.shape.size());
    for (size_t d = 0; d < p.shape.size(); ++d)
      view.shape[d] = p.shape[d];
    view.data = credo_model_param_data(model, i);
    if (std::optional<NonFinite> bad = firstNonFinite(view))
      return std::pair{p.name, *bad};
  }
  return std::nullopt;
}

std::string describe(const TensorInfo &t) {
  std::string s = t.dtype + "[";
  for (size_t i = 0; i < t.shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(t.shape[i]);
  return s + "]";
}

int checkFitsDevice(const DriverOptions &opts, const ModelInfo &info) {
  if (opts.target != "vulkan")
    return kOk;
  // Options the target refuses (--threads) are named before the device is
  // opened.
  if (!selectTarget(opts))
    return kUserError;
  size_t count = 0, chosen = 0;
  if (credo_vulkan_devices(nullptr, 0, &count) != CREDO_OK || !count ||
      credo_vulkan_pick_device(opts.device, &chosen) != CREDO_OK) {
    credo_clear_error();
    return kOk;
  }
  std::vector<credo_device_info> devices(count);
  if (credo_vulkan_devices(devices.data(), count, &count) != CREDO_OK ||
      chosen >= count) {
    credo_clear_error();
    return kOk;
  }
  const credo_device_info &d = devices[chosen];
  auto mib = [](double bytes) {
    return formatNumber(bytes / double(1 << 20), "%.4g") + " MiB";
  };
  for (auto [list, kind] :
       {std::pair(&info.params, "parameter"), std::pair(&info.inputs, "input"),
        std::pair(&info.outputs, "output")})
    for (const TensorInfo &t : *list) {
      double bytes = double(t.numElements()) * double(t.elementSize());
      if (bytes <= double(d.max_storage_buffer_range))
        continue;
      bool batched = kind != std::string("parameter");
      return error(std::string(kind) + " '" + t.name + "' (" + describe(t) +
                   ", " + mib(bytes) +
                   ") is larger than one storage buffer of Vulkan device " +
                   std::to_string(chosen) + ", " + d.name + " (" +
                   mib(double(d.max_storage_buffer_range)) + ")" +
                   (batched ? "; with a batch dimension, a smaller --batch "
                              "makes it smaller"
                            : ""));
    }
  return kOk;
}

int loadFiniteParams(credo_model *model, const ModelInfo &info,
                     const std::string &path, const char *what) {
  if (credo_model_load(model, path.c_str()) != CREDO_OK)
    return runtimeError(what);
  if (auto bad = firstNonFiniteParam(model, info))
    return error("'" + path + "': '" + bad->first + "' holds " +
                 bad->second.what() + " at element " +
                 std::to_string(bad->second.at) +
                 "; parameters must be finite");
  return kOk;
}

std::optional<std::string> whyNotWritable(const std::string &path) {
  namespace fs = llvm::sys::fs;
  auto cannot = [&](const llvm::Twine &why) {
    return std::optional<std::string>(why.str());
  };
  if (fs::is_directory(path))
    return cannot("it is a directory");
  if (fs::exists(path) && fs::access(path, fs::AccessMode::Write))
    return cannot("not writable");
  // A symbolic link is written through (the runtime writes its target):
  // the target's directory must take the file, also for a link to a file
  // not there yet.
  std::string target = path;
  if (fs::is_symlink_file(path)) {
    llvm::SmallString<256> real;
    if (!fs::real_path(path, real)) {
      target = std::string(real);
    } else {
      std::string link(4096, '\0');
      ssize_t n = ::readlink(path.c_str(), link.data(), link.size());
      if (n <= 0 || size_t(n) >= link.size())
        return cannot("cannot read the symbolic link");
      link.resize(size_t(n));
      llvm::SmallString<256> resolved(llvm::sys::path::parent_path(path));
      if (llvm::sys::path::is_absolute(link))
        resolved = link;
      else
        llvm::sys::path::append(resolved, link);
      target = std::string(resolved);
    }
  }
  llvm::StringRef dir = llvm::sys::path::parent_path(target);
  if (dir.empty())
    dir = ".";
  if (!fs::is_directory(dir))
    return cannot("no directory '" + dir + "'" +
                  (target != path
                       ? " (the symbolic link points to '" + target + "')"
                       : std::string()));
  if (fs::access(dir, fs::AccessMode::Write))
    return cannot("directory '" + dir + "' is not writable");
  // Files are written beside their path, then renamed over it: a directory
  // that takes no new file (/proc, a read-only mount) fails here, before
  // the run, not at its end.
  llvm::SmallString<256> probe;
  int fd = -1;
  if (std::error_code ec =
          fs::createUniqueFile(dir + "/.credoc-probe-%%%%%%%%", fd, probe))
    return cannot("directory '" + dir + "' takes no new file: " + ec.message());
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  fs::remove(probe);
  return std::nullopt;
}

int checkWritable(const std::string &path, const char *flag) {
  if (path.empty())
    return kOk;
  if (std::optional<std::string> why = whyNotWritable(path))
    return error(llvm::Twine(flag) + ": cannot write '" + path + "': " + *why);
  return kOk;
}

volatile std::sig_atomic_t stopSignal = 0;

static void recordStopSignal(int sig) { stopSignal = sig; }

namespace {
/// The message of interruptBeforeTraining's handler, made before it is
/// installed (a handler may only write and exit).
char earlyMessage[256];
size_t earlyLength = 0;

void exitEarly(int sig) {
  ssize_t written = ::write(STDERR_FILENO, earlyMessage, earlyLength);
  (void)written;
  ::_exit(128 + sig);
}
} // namespace

void (*interruptBeforeTraining(const char *what))(int) {
  // After a terminal's ^C the message starts on a line of its own.
  int n = std::snprintf(earlyMessage, sizeof(earlyMessage),
                        "%scredoc: interrupted while %s; nothing was trained "
                        "or saved\n",
                        ::isatty(STDERR_FILENO) ? "\n" : "", what);
  earlyLength = std::min(size_t(std::max(n, 0)), sizeof(earlyMessage) - 1);
  return exitEarly;
}

StopSignals::StopSignals(void (*handler)(int)) {
  previousInt = std::signal(SIGINT, handler ? handler : recordStopSignal);
  previousTerm = std::signal(SIGTERM, handler ? handler : recordStopSignal);
}

void StopSignals::handle(void (*handler)(int)) {
  std::signal(SIGINT, handler ? handler : recordStopSignal);
  std::signal(SIGTERM, handler ? handler : recordStopSignal);
}

StopSignals::~StopSignals() {
  std::signal(SIGINT, previousInt);
  std::signal(SIGTERM, previousTerm);
}

int stopStatus() { return 128 + int(stopSignal ? stopSignal : SIGINT); }

const char *stopWord() {
  return stopSignal == SIGTERM ? "terminated (SIGTERM)" : "interrupted";
}

std::string formatNumber(double v, const char *format) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char text[64];
  std::snprintf(text, sizeof(text), format, v);
  return text;
}

bool spikeMajority(const DriverOptions &opts) {
  return spikeMajorityEnabled() &&
         (spikeMajorityEverywhere() ||
          (opts.target == "cpu" && opts.kernels == CpuKernels::Dnnl));
}

void writePlot(const std::string &path, const std::string &svg) {
  if (credo_file_write(path.c_str(), svg.data(), svg.size()) != CREDO_OK)
    llvm::errs() << "credoc: warning: --plot: " << credo_last_error()
                 << "; the picture was not updated\n";
}

void flushMetrics(std::unique_ptr<llvm::raw_fd_ostream> &out,
                  const std::string &path) {
  if (!out)
    return;
  out->flush();
  if (!out->has_error())
    return;
  // A full disk: the run's results matter more than its log. (An error
  // left on the stream would abort the process when it is destroyed.)
  llvm::errs() << "credoc: warning: --metrics: cannot write '" << path
               << "': " << out->error().message()
               << "; the run goes on without metrics\n";
  out->clear_error();
  out->close();
  out->clear_error();
  out.reset();
  // A line the disk cut short is taken back: the file ends with its last
  // whole record, and a later run appends below it. Only a regular file
  // can be read back (a device such as /dev/full reads without end).
  if (!llvm::sys::fs::is_regular_file(path))
    return;
  auto text = llvm::MemoryBuffer::getFile(path);
  if (!text)
    return;
  llvm::StringRef written = (*text)->getBuffer();
  size_t keep = written.rfind('\n');
  keep = keep == llvm::StringRef::npos ? 0 : keep + 1;
  int fd = -1;
  if (keep < written.size() &&
      !llvm::sys::fs::openFileForWrite(path, fd, llvm::sys::fs::CD_OpenExisting,
                                       llvm::sys::fs::OF_None)) {
    (void)llvm::sys::fs::resize_file(fd, keep);
    ::close(fd);
  }
}

int openMetrics(const std::string &path, const std::string &columns,
                std::unique_ptr<llvm::raw_fd_ostream> &out, bool &csv) {
  csv = llvm::StringRef(path).ends_with_insensitive(".csv");
  uint64_t size = 0;
  bool header = csv && (llvm::sys::fs::file_size(path, size) || !size);
  // Records go below those of earlier runs, never into another kind of
  // file (a checkpoint given by mistake would get a newline and more).
  if (!csv && !llvm::sys::fs::file_size(path, size) && size > 0) {
    auto text = llvm::MemoryBuffer::getFileSlice(
        path, std::min<uint64_t>(size, 1 << 16), 0);
    if (!text)
      return error("--metrics: cannot read '" + path +
                   "': " + text.getError().message());
    llvm::StringRef start = (*text)->getBuffer();
    if (!start.ltrim().starts_with("{") || start.contains('\0'))
      return error("--metrics: '" + path +
                   "' is not a JSON-lines metrics file (it does not start "
                   "with a record); give a new file or one a run wrote");
  }
  if (csv && !header) {
    auto text = llvm::MemoryBuffer::getFile(path);
    if (!text)
      return error("--metrics: cannot read '" + path +
                   "': " + text.getError().message());
    llvm::StringRef existing = (*text)->getBuffer().split('\n').first.rtrim();
    if (existing != columns)
      return error("--metrics: '" + path + "' has other columns (" + existing +
                   ") than this run writes (" + columns + "); give a new file");
  }
  // A file whose last line is cut (a killed writer, an edit) gets its
  // newline first, so that the new records start on lines of their own.
  bool cut = false;
  if (!llvm::sys::fs::file_size(path, size) && size > 0)
    if (auto last = llvm::MemoryBuffer::getFileSlice(path, 1, size - 1))
      cut = (*last)->getBuffer() != "\n";
  std::error_code ec;
  out = std::make_unique<llvm::raw_fd_ostream>(
      path, ec, llvm::sys::fs::OF_Append | llvm::sys::fs::OF_Text);
  if (ec)
    return error("--metrics: cannot write '" + path + "': " + ec.message());
  if (cut)
    *out << "\n";
  if (header) {
    *out << columns << "\n";
    out->flush();
  }
  return kOk;
}

int checkRunOutputs(const DriverOptions &opts) {
  if (int status = checkWritable(opts.plot, "--plot"))
    return status;
  return checkWritable(opts.checkpoint, "--checkpoint");
}

int checkOutputsSpareInputs(const DriverOptions &opts,
                            const std::vector<std::string> &inputs) {
  // The same file, or (for files not written yet) the same path.
  auto same = [](const std::string &a, const std::string &b) {
    if (a.empty() || b.empty())
      return false;
    bool equal = false;
    if (!llvm::sys::fs::equivalent(a, b, equal))
      return equal;
    llvm::SmallString<256> x(a), y(b);
    if (llvm::sys::fs::make_absolute(x) || llvm::sys::fs::make_absolute(y))
      return a == b;
    llvm::sys::path::remove_dots(x, /*remove_dot_dot=*/true);
    llvm::sys::path::remove_dots(y, /*remove_dot_dot=*/true);
    return x == y;
  };
  const std::pair<const std::string *, const char *> outputs[] = {
      {&opts.plot, "--plot"},
      {&opts.checkpoint, "--checkpoint"},
      {&opts.metrics, "--metrics"}};
  for (auto [i, output] : llvm::enumerate(outputs)) {
    auto [path, flag] = output;
    if (path->empty())
      continue;
    // What the run reads. A checkpoint may replace the file the run resumed
    // from or took its parameters from: that is how a run goes on in place.
    std::vector<std::pair<std::string, std::string>> reads;
    reads.push_back({opts.model, "the model file"});
    bool checkpoint = path == &opts.checkpoint;
    if (!checkpoint) {
      reads.push_back({opts.resume, "the --resume checkpoint"});
      reads.push_back({opts.params, "the --params file"});
    }
    for (const std::string &in : inputs)
      reads.push_back({in, "a file the run reads ('" + in + "')"});
    for (const auto &[in, which] : reads)
      if (same(*path, in))
        return error(std::string(flag) + " '" + *path + "' is " + which +
                     "; writing it would destroy it, so give another path");
    // Two outputs in one file would overwrite each other.
    for (size_t j = 0; j < i; ++j)
      if (same(*path, *outputs[j].first))
        return error(std::string(flag) + " '" + *path + "' is also " +
                     outputs[j].second +
                     "'s file; each output needs a file of its own");
  }
  return kOk;
}

std::optional<std::string> fileReadAt(const DriverOptions &opts,
                                      llvm::StringRef path) {
  std::vector<std::pair<std::string, std::string>> reads;
  if (opts.model != "-")
    reads.push_back({opts.model, "the model file"});
  if (!opts.params.empty())
    reads.push_back({opts.params, "the --params file"});
  for (const auto &[name, file] : opts.inputs)
    reads.push_back({file, "input '" + name + "'"});
  for (const auto &[file, which] : reads) {
    bool same = false;
    if (!llvm::sys::fs::equivalent(path, file, same) && same)
      return which;
  }
  return std::nullopt;
}

int checkSparesReads(const DriverOptions &opts, const std::string &path,
                     const std::string &what) {
  if (path.empty() || path == "-")
    return kOk;
  if (std::optional<std::string> which = fileReadAt(opts, path))
    return error(what + " '" + path + "' is " + *which +
                 "; writing it would destroy it, so give another path");
  return kOk;
}

std::optional<NonFinite> firstNonFinite(const credo_tensor &t) {
  if (t.dtype != CREDO_F32 && t.dtype != CREDO_F64)
    return std::nullopt;
  int64_t n = credo_tensor_numel(&t);
  for (int64_t e = 0; e < n; ++e) {
    double v = t.dtype == CREDO_F32
                   ? double(static_cast<const float *>(t.data)[e])
                   : static_cast<const double *>(t.data)[e];
    if (!std::isfinite(v))
      return NonFinite{e, std::isnan(v)};
  }
  return std::nullopt;
}

void markRuleState(const ModelInfo &before, ModelInfo &after) {
  after.state.clear();
  for (const TensorInfo &p : after.params)
    if (llvm::none_of(before.params,
                      [&](const TensorInfo &q) { return q.name == p.name; }))
      after.state.push_back(p.name);
}

std::vector<std::string> floatParameters(ModuleOp module) {
  std::vector<std::string> names;
  for (ParamOp p : module.getOps<ParamOp>())
    if (isa<FloatType>(p.getTensorType().getElementType()))
      names.push_back(p.getSymName().str());
  return names;
}

std::vector<std::string> unlearnedParameters(ModuleOp module,
                                             llvm::ArrayRef<std::string> own) {
  std::vector<std::string> unlearned;
  auto step = module.lookupSymbol<func::FuncOp>("train_step");
  if (!step || step.isExternal())
    return unlearned;
  Operation *ret = step.getBody().back().getTerminator();
  for (auto [i, value] : llvm::enumerate(ret->getOperands())) {
    auto name = step.getResultAttrOfType<StringAttr>(i, "credo.name");
    if (!name || !name.getValue().starts_with("new."))
      continue;
    StringRef param = name.getValue().drop_front(4);
    auto read = value.getDefiningOp<GetParamOp>();
    if (read && read.getName() == param && llvm::is_contained(own, param))
      unlearned.push_back(param.str());
  }
  return unlearned;
}

std::string describeUnlearned(llvm::ArrayRef<std::string> unlearned) {
  if (unlearned.empty())
    return "";
  constexpr size_t kShown = 6;
  std::string names;
  for (size_t i = 0; i < unlearned.size() && i < kShown; ++i)
    names += (i ? ", " : "") + unlearned[i];
  if (unlearned.size() > kShown)
    names += " and " + std::to_string(unlearned.size() - kShown) + " more";
  return "leaves " + names + " unchanged";
}

std::string unlearnedNote(llvm::StringRef rule,
                          llvm::ArrayRef<std::string> unlearned) {
  std::string what = describeUnlearned(unlearned);
  return what.empty()
             ? what
             : ("credoc: note: rule '" + rule + "' " + what + "\n").str();
}

std::string interruptedCheckpointPath(const std::string &model,
                                      const std::string &resume) {
  std::string path = model + "-interrupted.safetensors";
  bool resumed = false;
  for (int n = 2; llvm::sys::fs::exists(path); ++n) {
    if (!resume.empty() && !llvm::sys::fs::equivalent(path, resume, resumed) &&
        resumed)
      break;
    path = model + "-interrupted-" + std::to_string(n) + ".safetensors";
  }
  return path;
}

} // namespace mlir::credo::driver

int mlir::credo::driver::loadTrainingModel(const DriverOptions &opts,
                                           MLIRContext &context,
                                           OwningOpRef<ModuleOp> &module,
                                           TrainingContract &config,
                                           GraphFingerprints *source) {
  module = loadModel(opts, context, source);
  if (!module)
    return kUserError;
  FailureOr<std::optional<TrainingContract>> contract =
      TrainingContract::read(*module);
  if (failed(contract))
    return kUserError;
  if (!*contract)
    return error("'" + opts.model + "' has no training section");
  config = **contract;
  if (opts.trainSeed) {
    config.seed = *opts.trainSeed;
    // --seed stands for the training section's seed everywhere, also in
    // what the rules draw when they build the step (fa's, dfa's and the
    // dendritic rule's fixed random feedback matrices).
    auto t = cast<TrainingAttr>((*module)->getAttr("credo.training"));
    (*module)->setAttr(
        "credo.training",
        TrainingAttr::get(&context, t.getRule(), t.getLoss(), t.getOptimizer(),
                          t.getBatchSize(), t.getEpochs(), *opts.trainSeed,
                          t.getSettleEpochs(), t.getSchedule(), t.getDataset(),
                          t.getEnvironment(), t.getMetric(), t.getOptions()));
  }
  return kOk;
}

void mlir::credo::printVulkanProfile() {
  size_t count = 0;
  if (credo_vulkan_profile_read(nullptr, 0, &count) != CREDO_OK)
    return;
  std::vector<credo_kernel_time> times(count);
  credo_vulkan_profile_read(times.data(), count, &count);
  std::sort(times.begin(), times.end(),
            [](const credo_kernel_time &a, const credo_kernel_time &b) {
              return a.total_ns > b.total_ns;
            });
  double total = 0;
  uint64_t calls = 0;
  for (const credo_kernel_time &t : times) {
    total += t.total_ns;
    calls += t.calls;
  }
  uint64_t dispatches = 0, barriers = 0, submissions = 0;
  credo_vulkan_profile_counts(&dispatches, &barriers, &submissions);
  llvm::outs() << llvm::formatv(
      "credoc: Vulkan kernel times: {0} dispatches of {1} kernels, {2:f3} ms "
      "on the device; {3} barriers, {4} submissions\n",
      calls, times.size(), total / 1e6, barriers, submissions);
  uint64_t up = 0, down = 0, copied = 0;
  int staging = 0;
  if (credo_vulkan_profile_transfers(&up, &down, &copied, &staging) ==
      CREDO_OK) {
    auto size = [](uint64_t bytes) -> std::string {
      std::string exact = std::to_string(bytes) + " bytes";
      if (bytes >= (uint64_t(1) << 20))
        return llvm::formatv("{0:f1} MiB ({1})", double(bytes) / (1 << 20),
                             exact);
      if (bytes >= 1024)
        return llvm::formatv("{0:f1} KiB ({1})", double(bytes) / 1024, exact);
      return exact;
    };
    if (staging)
      llvm::outs() << "credoc: Vulkan memory: staging; " << size(up)
                   << " sent to the device, " << size(down)
                   << " fetched from it, " << size(copied) << " copied on it\n";
    else
      llvm::outs() << "credoc: Vulkan memory: mapped (shared with the host, "
                      "nothing sent); "
                   << size(copied) << " copied on the device\n";
  }
  llvm::outs() << llvm::formatv("  {0,10} {1,8} {2,10} {3,6}  {4}\n", "ms",
                                "calls", "us/call", "share", "kernel");
  size_t shown = 0;
  for (const credo_kernel_time &t : times) {
    if (++shown > 30) {
      llvm::outs() << "  ... " << (times.size() - 30) << " more kernels\n";
      break;
    }
    llvm::outs() << llvm::formatv(
        "  {0,10:f3} {1,8} {2,10:f1} {3,5:f1}%  {4}\n", t.total_ns / 1e6,
        t.calls, t.calls ? t.total_ns / 1e3 / double(t.calls) : 0.0,
        total > 0 ? 100.0 * t.total_ns / total : 0.0, t.label);
  }
}
